#!/usr/bin/env bats
# exercise: make rendezvous-client ask its LOOKUP over UDP instead of TCP (a datagram, no connection)
# lesson: docs/rendezvous.md
# edit: demos/rendezvous/client.c
load ../helpers

@test "the directory receives the LOOKUP as a UDP datagram, and the client still connects to the server" {
  start_server --as dir rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as clock rendezvous-server -D "$dir_port" clock
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" 127.0.0.1 clock
  [ "$status" -eq 0 ] || fail "what still falls short: the client failed: $stderr"
  [[ $output == *"reply: rendezvous-server clock"* ]] ||
    fail "what still falls short: the client did not reach the server after the look-up"
  server_expect --as dir "looked up clock" ||
    fail "what still falls short: the directory never saw the LOOKUP"
  [[ $server_line == "udp 127.0.0.1:"* ]] ||
    fail "what still falls short: the LOOKUP still came over TCP ($server_line). Send it with a UDP socket (SOCK_DGRAM): connect() it to the directory, send() the line, and read the one-datagram answer with wait_read_line(fd, \"udp\", ...)"
}

@test "-l still lists over TCP (a LIST answer can be long: the directory answers it over TCP only)" {
  start_server --as dir rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as clock rendezvous-server -D "$dir_port" clock
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l 127.0.0.1
  [ "$status" -eq 0 ] || fail "what still falls short: -l broke: $stderr"
}
