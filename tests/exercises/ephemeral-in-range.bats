#!/usr/bin/env bats
# exercise: make ephemeral-server say whether each client's source port lies in the kernel's ephemeral range
# lesson: docs/ephemeral.md
# edit: demos/ephemeral/server.c
load ../helpers

setup() {
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] || skip "this system has no /proc/sys/net/ipv4/ip_local_port_range"
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  # A source port outside the range, which the client binds itself (-s).
  outside=$((lo > 2000 ? lo - 1000 : hi + 1000))
}

@test "a kernel-chosen source port is said to be inside the range (read from the kernel)" {
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 1 -u 0 -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client failed: $stderr"
  stop_server
  grep -q "inside the kernel's ephemeral range $lo-$hi" "$PROC_DIR/server/log" ||
    fail "what still falls short: for a client's source port, the server should narrate \"... inside the kernel's ephemeral range $lo-$hi\" - read the range with kernel_local_port_range() (common/kernel.h), never write the numbers in"
}

@test "a source port the client chose itself is said to be outside it" {
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 1 -u 0 -s "$outside" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client failed: $stderr"
  stop_server
  grep -q "source port $outside is outside the kernel's ephemeral range $lo-$hi" "$PROC_DIR/server/log" ||
    fail "what still falls short: a client that bound port $outside itself should get \"source port $outside is outside the kernel's ephemeral range $lo-$hi\""
}
