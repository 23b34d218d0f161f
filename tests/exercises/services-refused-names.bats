#!/usr/bin/env bats
# exercise: in a scan, make services-client print each refused port with the name /etc/services gives it
# lesson: docs/services.md
# edit: demos/services/client.c
load ../helpers

@test "a refused port is named: 'PORT/tcp refused: /etc/services says NAME'" {
  [ -r /etc/services ] || skip "no /etc/services on this system (Debian: the netbase package)"
  grep -qE '^ftp-data[[:space:]]+20/tcp' /etc/services || skip "this /etc/services has no ftp-data 20/tcp"
  find_free_port
  # A port just freed is refused; 20 is refused too unless an ftp server runs here.
  run --separate-stderr "$BIN/services-client" -t 300 -r 20-20 127.0.0.1
  grep -q '^20/tcp refused: /etc/services says ftp-data$' <<<"$output" ||
    fail "what still falls short: for a refused port, narrate \"20/tcp refused: /etc/services says ftp-data\" where connect() said ECONNREFUSED (services_name() gives the name)"
  run --separate-stderr "$BIN/services-client" -t 300 -r "$free_port-$free_port" 127.0.0.1
  grep -q "^$free_port/tcp refused: /etc/services says " <<<"$output" ||
    fail "what still falls short: a refused port with no entry should say so too: \"$free_port/tcp refused: /etc/services says nothing\" (or the name, if it has one)"
}

@test "the scan's summary still counts the refused ports" {
  run --separate-stderr "$BIN/services-client" -t 300 -r 20-20 127.0.0.1
  [[ $output == *"1 refused"* || $output == *"1 open"* ]] ||
    fail "what still falls short: the summary line no longer counts the port: keep return 0 for a refused port"
}
