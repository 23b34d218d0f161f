#!/usr/bin/env bats
# The ephemeral demo: the kernel picks a client's source port, from its own
# range, and the reply goes back to it. No exact port is ever asserted.
load helpers


RANGE=/proc/sys/net/ipv4/ip_local_port_range

# ten_port_namespace: a server in a private namespace whose range is ten
# ports (lo-hi) that leave out the server's own port; set there only.
ten_port_namespace() {
  start_server --via netns_run ephemeral-server -p 0 -b 127.0.0.1
  lo=40000
  [ "$server_port" -lt 40000 ] || [ "$server_port" -gt 40009 ] || lo=50000
  hi=$((lo + 9))
  run netns_of "$server_pid" sh -c "echo '$lo $hi' > $RANGE"
  assert_success
  [ "$(cat $RANGE)" != "$(printf '%s\t%s' $lo $hi)" ] # the host's range is untouched
}

# assert_ports_within LO HI PORT...: every port lies in LO-HI (so none is 0).
assert_ports_within() {
  local lo=$1 hi=$2 p
  shift 2
  for p in "$@"; do
    if [ "$p" -lt "$lo" ] || [ "$p" -gt "$hi" ]; then fail "port $p is not in $lo-$hi"; fi
  done
}

# The ports of lines like "tcp 2: after connect our end is 127.0.0.1:41234 (...".
ports_after() { # ports_after tcp|udp
  sed -nE "s/^$1 [0-9]+: after (connect|sendto 1) our end is .*:([0-9]+) \(.*/\2/p" <<<"$output"
}

@test "every TCP source port is assigned by connect(), inside the kernel's range, and distinct" {
  [ -r "$RANGE" ] || skip "no $RANGE on this system"
  read -r lo hi <"$RANGE"
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 5 -u 0 -p "$server_port"
  assert_success
  assert_line "this kernel picks source ports from $lo-$hi (net.ipv4.ip_local_port_range, read from $RANGE); IANA's dynamic range is 49152-65535"
  assert_line "tcp 1: before connect our end is 0.0.0.0:0 (no port yet)"
  assert_line "tcp: 5 connections held open at once, each from its own source port"
  mapfile -t ports < <(ports_after tcp)
  assert_equal "${#ports[@]}" 5
  assert_ports_within "$lo" "$hi" "${ports[@]}"
  for p in "${ports[@]}"; do
    assert_line --regexp "^tcp [0-9]: after connect our end is 127\.0\.0\.1:$p \(in the kernel's range $lo-$hi; (also in|not in) IANA's 49152-65535\)$"
  done
  assert_equal "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" 5
}

@test "the server sees the same source port the client's kernel assigned, with its own fixed port" {
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 3 -u 0 -p "$server_port"
  assert_success
  [ "$(grep -c ': the server saw us as 127\.0\.0\.1:[0-9]*: the same address and port$' <<<"$output")" -eq 3 ]
  for p in $(ports_after tcp); do
    server_expect "^tcp 127\.0\.0\.1:$p -> 127\.0\.0\.1:$server_port \(source port $p, destination port $server_port\)$"
  done
}

@test "UDP: port 0 before the first sendto, the same port after, the reply on it; a second socket differs" {
  [ -r "$RANGE" ] || skip "no $RANGE on this system"
  read -r lo hi <"$RANGE"
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 0 -u 2 -p "$server_port"
  assert_success
  assert_line "udp 1: before the first sendto our end is 0.0.0.0:0 (no port yet)"
  mapfile -t ports < <(ports_after udp)
  assert_equal "${#ports[@]}" 2
  [ "${ports[0]}" -ge "$lo" ] && [ "${ports[0]}" -le "$hi" ]
  assert_line "udp 1: after sendto 2 our end is 0.0.0.0:${ports[0]}: the same port"
  assert_line "udp 1: the reply arrived on port ${ports[0]}"
  assert_line "udp 1: the server saw us as 127.0.0.1:${ports[0]}: the same port"
  assert_line "udp 2: the reply arrived on port ${ports[1]}"
  [ "${ports[0]}" != "${ports[1]}" ]
  assert_line "udp 2: another socket, another port (${ports[1]}, not ${ports[0]})"
  server_expect "^udp 127\.0\.0\.1:${ports[0]} -> 127\.0\.0\.1:$server_port "
}

@test "with ten ports in a private namespace's range, connection 11 fails with EADDRNOTAVAIL, explained" {
  need_netns
  ten_port_namespace
  run --separate-stderr netns_of "$server_pid" "$BIN/ephemeral-client" -n 11 -u 0 -p "$server_port"
  assert_failure 1
  assert_line "this kernel picks source ports from $lo-$hi (net.ipv4.ip_local_port_range, read from $RANGE); IANA's dynamic range is 49152-65535"
  mapfile -t ports < <(ports_after tcp)
  assert_equal "${#ports[@]}" 10
  assert_ports_within "$lo" "$hi" "${ports[@]}"
  refute_line --partial "tcp 11: after connect"
  assert_stderr --partial "ephemeral-client: connect(tcp 127.0.0.1:$server_port): EADDRNOTAVAIL (Cannot assign requested address)"
  assert_stderr --partial "ephemeral-client: why: the kernel's range $lo-$hi (read from $RANGE) has 10 ports, and every one is in use toward this destination"
  assert_stderr --partial "for TCP's connect() it is the four-tuple (source address:port, destination address:port) that must be unique, not the port"
}

@test "with ten ports in the range, an eleventh UDP socket cannot autobind: EAGAIN, explained" {
  need_netns
  ten_port_namespace
  run --separate-stderr netns_of "$server_pid" "$BIN/ephemeral-client" -n 0 -u 11 -p "$server_port"
  assert_failure 1
  mapfile -t ports < <(ports_after udp)
  assert_equal "${#ports[@]}" 10
  assert_ports_within "$lo" "$hi" "${ports[@]}"
  assert_stderr --partial "ephemeral-client: sendto(udp 127.0.0.1:$server_port): EAGAIN (Resource temporarily unavailable)"
  assert_stderr --partial "why: the kernel's range $lo-$hi (read from $RANGE) has 10 ports, and every one is in use by a UDP socket"
  assert_stderr --partial "why: an unbound UDP socket is given (autobind) a port that no UDP socket holds at all, whatever the destination"
  refute_output --partial "DIFFERENT destination"
  [[ $stderr != *"toward this destination"* ]] || fail "the UDP explanation used the TCP rule: $stderr"
}

@test "-s binds a source port of our choosing; the server sees that port" {
  start_server ephemeral-server -p 0 -b 127.0.0.1
  find_free_port
  run --separate-stderr "$BIN/ephemeral-client" -n 2 -u 0 -s "$free_port" -p "$server_port"
  assert_success
  assert_line "tcp 1: we bound source port $free_port ourselves"
  assert_line "tcp 1: after connect our end is 127.0.0.1:$free_port (our choice)"
  assert_line "tcp 1: the server saw us as 127.0.0.1:$free_port: the same address and port"
  assert_line --regexp "^tcp 2: after connect our end is 127\.0\.0\.1:[0-9]+ \(in the kernel's range"
}

@test "-s with a port already taken gives EADDRINUSE; with a privileged port as nobody, EACCES" {
  start_server ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/ephemeral-client" -n 1 -u 0 -s "$server_port" -p "$server_port"
  assert_failure 1
  assert_stderr --partial "ephemeral-client: bind(tcp 0.0.0.0:$server_port): EADDRINUSE (Address already in use)"
  need_netns
  start_server --as ns --via netns_run ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr netns_of "$ns_pid" --nobody "$BIN/ephemeral-client" -n 1 -u 0 -s 1023 -p "$ns_port"
  assert_failure 1
  assert_stderr --partial "ephemeral-client: bind(tcp 0.0.0.0:1023): EACCES (Permission denied)"
  assert_stderr --partial "why: this process runs as uid 65534 (nobody)"
}

@test "the client compares addresses too: a dual-stack server's mapped view is the same address" {
  start_server ephemeral-server -6 -p 0
  run --separate-stderr "$BIN/ephemeral-client" -4 -n 1 -u 0 -p "$server_port" 127.0.0.1
  assert_success
  assert_line --regexp "^tcp 1: the server saw us as \[::ffff:127\.0\.0\.1\]:[0-9]+: the same address and port$"
  refute_output --partial "DIFFERENT"
}

# The lesson in the server's own file, not in common/: the accept() and
# recvfrom() that learn the client's port, the port read there, marked.
@test "ephemeral-server's own code makes the accept() and recvfrom() that read the client's port" {
  assert_reads_peer_port "$BATS_TEST_DIRNAME/../demos/ephemeral/server.c"
}
