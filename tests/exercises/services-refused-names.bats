#!/usr/bin/env bats
# exercise: in a scan, make services-client print each refused port with the name /etc/services gives it
# lesson: docs/services.md
# edit: demos/services/client.c
# programs: same-port-server services-client
load ../helpers
load lib

# The scan runs in a namespace of the check's own, where /etc/services is a
# file the check makes up (new names, new ports, each run) and where nothing
# listens but the server the check starts there.
setup() {
  [ -e /etc/services ] || skip "no /etc/services on this system (Debian: the netbase package)"
  base=$((20000 + RANDOM % 40000))
  name1=pl$RANDOM name2=pl$RANDOM name3=pl$RANDOM
  # base: refused, named; base+1: open, named; base+2: refused, named for
  # UDP only; base+3: refused, no entry.
  printf '%s\t%s/tcp\n%s\t%s/tcp\n%s\t%s/udp\n' "$name1" "$base" "$name2" $((base + 1)) \
    "$name3" $((base + 2)) >"$BATS_TEST_TMPDIR/services"
  ex_namespace --services "$BATS_TEST_TMPDIR/services"
}

@test "each refused port is named as /etc/services names it, an open one is not called refused, and the summary counts both" {
  local p
  start_server --via ex_in same-port-server --tcp-only -p $((base + 1)) -b 127.0.0.1
  run --separate-stderr ex_user "$BIN/services-client" -t 300 -r "$base-$((base + 3))" 127.0.0.1
  [ "$status" -eq 0 ] || hint "the scan failed: ${stderr%%$'\n'*}"
  grep -qx "$base/tcp refused: /etc/services says $name1" <<<"$output" ||
    hint "the kernel refused port $base (nothing listens there), and the /etc/services this check made up names it $name1: say \"$base/tcp refused: /etc/services says $name1\" where connect() says ECONNREFUSED (services_name() reads the file: never write names in)"
  grep -qx "$((base + 3))/tcp refused: /etc/services says nothing" <<<"$output" ||
    hint "the kernel refused port $((base + 3)), which /etc/services does not list: say \"$((base + 3))/tcp refused: /etc/services says nothing\""
  grep -qx "$((base + 2))/tcp refused: /etc/services says nothing" <<<"$output" ||
    hint "the kernel refused port $((base + 2)), which /etc/services lists for UDP only ($name3): for a TCP scan say \"$((base + 2))/tcp refused: /etc/services says nothing\""
  p=$((base + 1))
  server_expect '^tcp connection from' ||
    hint "the server listening on port $p saw no connection: the scan should still connect to each port"
  ! grep -q "^$p/tcp refused" <<<"$output" ||
    hint "port $p was open (the server there logged the scan's connection), yet the scan called it refused: say it only where connect() said ECONNREFUSED"
  grep -q "^1 open, 3 refused, 0 silent in $base-$((base + 3)) " <<<"$output" ||
    hint "the summary should count 1 open and 3 refused (the kernel refused 3 of the 4 ports): $(grep ' in [0-9]*-[0-9]* on ' <<<"$output")"
}
