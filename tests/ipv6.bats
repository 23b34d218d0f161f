#!/usr/bin/env bats
# IPv6 throughout: every demo over ::1, addresses written [addr]:port, and a
# dual-stack server that shares its port between IPv6 and IPv4.
load helpers

setup() {
  has_ipv6_loopback || skip "IPv6 is disabled on this machine"
}

@test "every demo in tests/demos.list works over IPv6 (-6, ::1)" {
  local demo server_args client_args program needs
  while IFS='|' read -r demo server_args client_args program needs; do
    [[ -n $demo && $demo != '#'* ]] || continue
    [[ $needs != raw || $EUID -eq 0 ]] || continue # CAP_NET_RAW: tested as root
    as=${demo//-/_}
    # shellcheck disable=SC2086 # the table holds words
    start_server --as "$as" "${program:-$demo-server}" -6 ${server_args//127.0.0.1/::1}
    port=${as}_port port=${!port}
    addr=${as}_addr
    assert_equal "${!addr}" "[::1]"
    # shellcheck disable=SC2086
    run --separate-stderr "$BIN/$demo-client" -6 -t 2000 -p "$port" ${client_args//127.0.0.1/::1}
    [ "$status" -eq 0 ] || fail "$demo-client over IPv6: $stderr"
    # An address with a port is written [::1]:port (the scan names the host alone).
    [[ $output == *"[::1]:"* || $output == *" on ::1"* ]] || fail "$demo-client did not show ::1: $output"
    [[ $output != *"::1:"* ]] || fail "$demo-client wrote an IPv6 address and port without brackets: $output"
  done <"$BATS_TEST_DIRNAME/demos.list"
}

@test "a dual-stack server ([::], IPV6_V6ONLY off) sees IPv4 clients as mapped addresses" {
  start_server same-port-server -6 -p 0
  run server_log
  assert_line "dual-stack: IPV6_V6ONLY is off (set explicitly), so IPv4 clients reach this [::] socket too, as [::ffff:a.b.c.d], and IPv4 cannot have the same port separately"
  run --separate-stderr "$BIN/same-port-client" -4 -p "$server_port" 127.0.0.1
  assert_success
  assert_line --regexp "^tcp reply: .*you are \[::ffff:127\.0\.0\.1\]:[0-9]+$"
  assert_line --regexp "^udp reply: .*you are \[::ffff:127\.0\.0\.1\]:[0-9]+$"
}

@test "the port space is shared then: binding 0.0.0.0 on the dual-stack server's port fails with EADDRINUSE" {
  start_server same-port-server -6 -p 0
  run --separate-stderr "$BIN/same-port-server" -4 -b 0.0.0.0 -p "$server_port"
  assert_failure 1
  assert_stderr --partial "same-port-server: bind(tcp 0.0.0.0:$server_port): EADDRINUSE (Address already in use)"
}

@test "an IPv6-only address (::1) is not dual-stack: IPv4 cannot reach it, and 127.0.0.1 may take the same port" {
  start_server --as six same-port-server -6 -b ::1 -p 0
  run server_log six
  refute_line --partial "dual-stack"
  start_server --as four same-port-server -4 -b 127.0.0.1 -p "$six_port"
  assert_equal "$four_port" "$six_port"
}
