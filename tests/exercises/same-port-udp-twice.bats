#!/usr/bin/env bats
# exercise: make same-port-server ask for its UDP port a second time too, and show that the kernel refuses that as well
# lesson: docs/same-port.md
# edit: demos/same-port/server.c
# programs: same-port-server same-port-client
load ../helpers
load lib

# In a namespace of the check's own; the program under test as an
# unprivileged user of it (ex_user).
setup() {
  ex_namespace
  ex_need_trace
}

# The kernel's word (ex_user --trace: each bind() and what it returned) is
# set beside the story: a refusal told but never asked for is caught.
@test "a second UDP socket asks for the same port, and bind() refuses it with EADDRINUSE" {
  local trace=$BATS_TEST_TMPDIR/calls
  start_server --via "ex_user --trace $trace" same-port-server -p 0 -b 127.0.0.1 ||
    hint "the server does not start any more: run it by hand (bin/same-port-server -p 0) and read its error"
  run server_log
  [[ $output == *"as expected, bind(udp) was refused: EADDRINUSE"* ]] ||
    hint "nothing in the server's story shows a second UDP bind() refused. bind_again() is called for TCP only: call it for UDP as well (after the UDP socket is bound)"
  [[ $output == *"as expected, bind(tcp) was refused: EADDRINUSE"* ]] ||
    hint "the second TCP bind() is no longer shown: keep it, and add the UDP one"
  calls "$trace" bind udp "127\.0\.0\.1:$server_port" | grep -q ' -> EADDRINUSE$' ||
    hint "the story says a second UDP bind() was refused, yet the kernel saw no bind() of a UDP socket to port $server_port that it refused: call bind() (bind_again()), and tell what it returned"
}

# With --reuseport every socket asks to share: the kernel then says yes to
# the second bind() - a story that says EADDRINUSE there did not ask it.
@test "with --reuseport the kernel lets the second UDP socket in, and the story says so" {
  local trace=$BATS_TEST_TMPDIR/calls
  start_server --via "ex_user --trace $trace" same-port-server --reuseport -p 0 -b 127.0.0.1
  [ "$(calls "$trace" bind udp "127\.0\.0\.1:$server_port" | grep -c ' -> 0$')" -ge 2 ] ||
    hint "with --reuseport the kernel saw no second bind() of a UDP socket to port $server_port: call bind() (bind_again(ai, SOCK_DGRAM)), and tell what it returned"
  run server_log
  [[ $output != *"bind(udp) was refused: EADDRINUSE"* ]] ||
    hint "with --reuseport (both sockets asking to share) the kernel lets a second UDP socket bind the port, yet the story says \"bind(udp) was refused: EADDRINUSE\": tell what bind() really returned"
  [[ $output == *"the second udp bind succeeded"* ]] ||
    hint "with --reuseport the story should say that the second UDP bind() succeeded: call bind_again(ai, SOCK_DGRAM), which tells what bind() returned"
}

# One protocol alone (--udp-only, --tcp-only): one socket, so one second
# ask, in that protocol - not the UDP one added again, unguarded.
@test "with --udp-only or --tcp-only the server asks a second time once, in its own protocol" {
  local only other n
  for only in udp tcp; do
    other=tcp
    [ "$only" = udp ] || other=udp
    start_server --as "$only" --via ex_user same-port-server "--$only-only" -p 0 -b 127.0.0.1 ||
      hint "same-port-server --$only-only does not start any more: run it by hand and read its error"
    run server_log "$only"
    n=$(grep -c "^now a second $only socket asks for the same port" <<<"$output")
    [ "$n" -eq 1 ] ||
      hint "with --$only-only the server asked for its $only port a second time $n times, not once: add the second UDP bind() only when the server holds both (want_tcp && want_udp)"
    [[ $output != *"now a second $other socket asks"* ]] ||
      hint "with --$only-only the server holds no $other port, yet it asks for one a second time: add the second UDP bind() only when the server holds both (want_tcp && want_udp)"
  done
}

@test "clients are still served over both protocols" {
  start_server --via ex_user same-port-server -p 0 -b 127.0.0.1
  run --separate-stderr ex_in "$BIN/same-port-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || hint "same-port-client no longer gets both replies: ${stderr%%$'\n'*}"
}
