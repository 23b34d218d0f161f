#!/usr/bin/env bats
# exercise: make rendezvous-client ask its LOOKUP over UDP instead of TCP (a datagram, no connection)
# lesson: docs/rendezvous.md
# edit: demos/rendezvous/client.c
# programs: rendezvous-directory rendezvous-server rendezvous-client
load ../helpers
load lib

# In a namespace of the check's own; the program under test as an
# unprivileged user of it (ex_user).
setup() {
  ex_namespace
}

# The programs' own logs say what happened: the directory logs each request
# and each TCP connection, the clock server each client it served.
@test "the directory gets one LOOKUP, as a UDP datagram, and the client then reaches the server" {
  local dir clock reg addr
  start_server --as dir --via ex_in rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as clock --via ex_in rendezvous-server -D "$dir_port" clock
  run --separate-stderr ex_user "$BIN/rendezvous-client" -p "$dir_port" 127.0.0.1 clock
  [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
  # The directory logs a TCP connection when it closes: one still open is
  # seen in the kernel's table (ESTABLISHED, 01), before anything stops.
  local open
  open=$(tcp_states "$dir_port" | grep -cx 01)
  [ "$open" -le 1 ] ||
    hint "the client has ended, yet the kernel's table shows $((open - 1)) TCP connection(s) to the directory still open besides the clock server's registration: a look-up over UDP needs no connection at all"
  stop_server --as clock
  stop_server --as dir
  dir=$(server_log dir) clock=$(server_log clock)
  grep -q 'looked up clock' <<<"$dir" || hint "the directory's log shows no LOOKUP"
  grep -q '^udp .* looked up clock' <<<"$dir" ||
    hint "the directory's log shows the LOOKUP over TCP ($(grep 'looked up' <<<"$dir")). Send it with a UDP socket (SOCK_DGRAM): connect() it to the directory, send() the line, and read the one-datagram answer with wait_read_line(fd, \"udp\", ...)"
  [ "$(grep -c 'looked up' <<<"$dir")" -eq 1 ] ||
    hint "the directory's log shows $(grep -c 'looked up' <<<"$dir") look-ups, not one: ask once, over UDP"
  # Its only TCP connection: the clock server's registration.
  reg=$(sed -n 's/^registered clock .* for as long as \([^ ]*\) stays connected.*/\1/p' <<<"$dir")
  addr=$(sed -n 's/^tcp \([^ ]*\): closed.*/\1/p' <<<"$dir" | grep -vxF "$reg" | head -n 1)
  [ -z "$addr" ] ||
    hint "the directory's log shows a TCP connection from $addr besides the clock server's: a look-up over UDP needs no connection at all"
  [ "$(grep -c 'found us' <<<"$clock")" -eq 1 ] ||
    hint "the clock server's log shows no client, yet the client printed a reply: connect to the port the directory named, and show the line the server sends"
  [[ $output == *"reply: rendezvous-server clock"* ]] ||
    hint "the client did not show the server's reply after the look-up"
}

@test "-l still lists over TCP (a LIST answer can be long: the directory answers it over TCP only)" {
  start_server --as dir --via ex_in rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as clock --via ex_in rendezvous-server -D "$dir_port" clock
  run --separate-stderr ex_user "$BIN/rendezvous-client" -p "$dir_port" -l 127.0.0.1
  [ "$status" -eq 0 ] || hint "-l broke: ${stderr%%$'\n'*}"
}
