#!/usr/bin/env bats
# exercise: make same-port-server ask for its UDP port a second time too, and show that the kernel refuses that as well
# lesson: docs/same-port.md
# edit: demos/same-port/server.c
load ../helpers

@test "the server still binds TCP and UDP on one port" {
  start_server same-port-server -p 0 -b 127.0.0.1 ||
    fail "the server does not start any more: run it by hand (bin/same-port-server -p 0) and read its error"
}

@test "a second UDP socket asks for the same port, and bind() refuses it with EADDRINUSE" {
  start_server same-port-server -p 0 -b 127.0.0.1
  run server_log
  [[ $output == *"bind(udp 127.0.0.1:$server_port): EADDRINUSE"* ]] ||
    fail "what still falls short: nothing in the server's story shows a second UDP bind() refused. bind_again() is called for TCP only: call it for UDP as well (after the UDP socket is bound)"
  [[ $output == *"bind(tcp 127.0.0.1:$server_port): EADDRINUSE"* ]] ||
    fail "what still falls short: the second TCP bind() is no longer shown: keep it, and add the UDP one"
}

@test "clients are still served over both protocols" {
  start_server same-port-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/same-port-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "what still falls short: same-port-client no longer gets both replies: $stderr"
}
