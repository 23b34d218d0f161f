#!/usr/bin/env bats
# The NAT demo: the address and source port a server sees are the ones the
# router wrote, not always the ones the client's kernel picked. Each test
# builds the lesson's scene (tests/lib/procs.bash nat_up): home1 10.0.0.2
# and home2 10.0.0.3 behind a router that masquerades them onto
# 198.51.100.1, and a server outside at 203.0.113.10 - network namespaces
# of the test's own (as root, or through unshare -rn as an ordinary user),
# so the ports below are free there: nothing else lives in them.
load helpers

scene() {
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  nat_up || fail "could not build the scene (namespaces, veths, nft)"
}
home() { local pid=$1; shift; run --separate-stderr netns_of "$pid" "$BIN/nat-client" -t 2000 "$@"; }

@test "masquerade: the server sees the router's address, and the source port kept while it is free" {
  scene
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  home "$home1_pid" -s 40000 203.0.113.10
  assert_success
  assert_line "tcp: our end 10.0.0.2:40000, the server's 203.0.113.10:7100 (as our kernel sees them)"
  assert_line "tcp: the server saw us as 198.51.100.1:40000, and itself as 203.0.113.10:7100"
  assert_line "tcp: our 10.0.0.2:40000 arrived as 198.51.100.1:40000: the address was rewritten on the way, the port kept"
  assert_line "tcp: we sent to 203.0.113.10:7100 and reached 203.0.113.10:7100: nothing was rewritten on the way"
  stop_server
  run server_log
  assert_line "tcp: from 198.51.100.1 port 40000 (to 203.0.113.10:7100)"
}

@test "two home hosts on source port 40000: one outside address, two ports - the router rewrote the second" {
  scene
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  home "$home1_pid" -s 40000 203.0.113.10
  assert_line "tcp: our 10.0.0.2:40000 arrived as 198.51.100.1:40000: the address was rewritten on the way, the port kept"
  home "$home2_pid" -s 40000 203.0.113.10
  assert_success
  assert_line "tcp: our end 10.0.0.3:40000, the server's 203.0.113.10:7100 (as our kernel sees them)"
  assert_line --regexp '^tcp: our 10\.0\.0\.3:40000 arrived as 198\.51\.100\.1:[0-9]+: the address and the port were rewritten on the way$'
  refute_line --partial "arrived as 198.51.100.1:40000:"
}

@test "two home hosts on source port 40000 to two different servers: Linux keeps 40000 for both (RFC 4787's port overloading)" {
  scene
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  start_server --as second --via "netns_of $outside_pid" nat-server -b 203.0.113.11
  home "$home1_pid" -s 40000 203.0.113.10
  assert_line "tcp: our 10.0.0.2:40000 arrived as 198.51.100.1:40000: the address was rewritten on the way, the port kept"
  home "$home2_pid" -s 40000 203.0.113.11
  assert_success
  assert_line "tcp: our 10.0.0.3:40000 arrived as 198.51.100.1:40000: the address was rewritten on the way, the port kept"
}

# Linux's rule (nf_nat_core.c, find_appropriate_src): a new conversation
# from an inside address and port that already has a live mapping gets that
# mapping's outside port again; only with none does masquerade try to keep
# the inside port. home2 -> .10 from 40000 is rewritten (home1 holds it
# towards .10); home2 -> .11 from 40000 then gets that same rewritten port,
# not 40000, though 40000 towards .11 is free. TCP and UDP alike.
@test "a second server: home2 gets the outside port its live mapping already has, not 40000 (TCP and UDP)" {
  scene
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  start_server --as second --via "netns_of $outside_pid" nat-server -b 203.0.113.11
  local proto flag
  for proto in tcp udp; do
    flag=(); [ "$proto" = udp ] && flag=(-u)
    home "$home1_pid" "${flag[@]}" -s 40000 203.0.113.10
    assert_line "$proto: our 10.0.0.2:40000 arrived as 198.51.100.1:40000: the address was rewritten on the way, the port kept"
    home "$home2_pid" "${flag[@]}" -s 40000 203.0.113.10
    assert_success
    [[ $output =~ $proto:\ our\ 10\.0\.0\.3:40000\ arrived\ as\ 198\.51\.100\.1:([0-9]+): ]] || fail "no outside port in: $output"
    port2=${BASH_REMATCH[1]}
    [ "$port2" != 40000 ] || fail "$proto: home2 kept 40000 towards the server home1 uses"
    home "$home2_pid" "${flag[@]}" -s 40000 203.0.113.11
    assert_success
    assert_line "$proto: our 10.0.0.3:40000 arrived as 198.51.100.1:$port2: the address and the port were rewritten on the way"
  done
}

# Masquerade rewrites; it does not filter. With a route to the home
# network (private addresses are not routed across the internet: here we
# add one), a client outside reaches a server on home1 directly.
@test "masquerade filters nothing: with a route to 10.0.0.0/24, a client outside reaches home1, and nothing is rewritten" {
  scene
  start_server --via "netns_of $home1_pid" nat-server -b 10.0.0.2
  run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -t 1000 10.0.0.2
  assert_failure # no route: the outside host does not know 10.0.0.0/24
  assert_stderr --partial "ENETUNREACH"
  (netns_of "$outside_pid" ip route add 10.0.0.0/24 via 198.51.100.1) || fail "could not add the route"
  local flag
  for flag in -t -u; do # TCP, then UDP (-u -t)
    if [ "$flag" = -u ]; then
      run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -u -t 2000 10.0.0.2
    else
      run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -t 2000 10.0.0.2
    fi
    assert_success
    [[ $output =~ our\ end\ 203\.0\.113\.10:([0-9]+), ]] || fail "no source port in: $output"
    assert_line --partial "arrived as 203.0.113.10:${BASH_REMATCH[1]}: nothing was rewritten on the way"
    assert_line --partial "reached 10.0.0.2:7100: nothing was rewritten on the way"
  done
}

@test "the router's table (conntrack) holds both mappings, inside and outside" {
  scene
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  home "$home1_pid" -s 40000 203.0.113.10
  home "$home2_pid" -s 40000 203.0.113.10
  [[ $output =~ arrived\ as\ 198\.51\.100\.1:([0-9]+): ]] || fail "no outside port in: $output"
  port2=${BASH_REMATCH[1]}
  run netns_of "$router_pid" cat /proc/net/nf_conntrack
  if [ "$status" -ne 0 ]; then
    # An ordinary user's namespace: the entries are refused there on this
    # kernel (EACCES); the count is readable.
    run netns_of "$router_pid" cat /proc/sys/net/netfilter/nf_conntrack_count
    assert_success
    [ "$output" -ge 2 ] || fail "fewer than two entries in the router's table: $output"
    return
  fi
  assert_line --regexp "tcp .* src=10\.0\.0\.2 dst=203\.0\.113\.10 sport=40000 dport=7100 src=203\.0\.113\.10 dst=198\.51\.100\.1 sport=7100 dport=40000 "
  assert_line --regexp "tcp .* src=10\.0\.0\.3 dst=203\.0\.113\.10 sport=40000 dport=7100 src=203\.0\.113\.10 dst=198\.51\.100\.1 sport=7100 dport=$port2 "
}

# A peer in the suite: conntrack(8), not ours, reads the router's table
# over netlink; it must hold what the lesson claims: home1's port kept,
# home2's rewritten, home2's rewritten port reused towards a second server,
# and the port forward rewriting the destination only.
# bats test_tags=exhaustive
@test "a peer: conntrack -L in the router holds the lesson's mappings (kept, rewritten, reused, forwarded)" {
  command -v conntrack >/dev/null || skip "conntrack is not installed (apt-get install conntrack)"
  scene
  (netns_of "$router_pid" conntrack -L >/dev/null 2>&1) || skip "conntrack -L is refused in the router's namespace here"
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  start_server --as second --via "netns_of $outside_pid" nat-server -b 203.0.113.11
  start_server --as inside --via "netns_of $home1_pid" nat-server -b 10.0.0.2
  home "$home1_pid" -s 40000 203.0.113.10
  home "$home2_pid" -s 40000 203.0.113.10
  [[ $output =~ arrived\ as\ 198\.51\.100\.1:([0-9]+): ]] || fail "no outside port in: $output"
  local port2=${BASH_REMATCH[1]}
  home "$home2_pid" -s 40000 203.0.113.11
  run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -t 2000 -p 8080 198.51.100.1
  [[ $output =~ our\ end\ 203\.0\.113\.10:([0-9]+), ]] || fail "no source port in: $output"
  local sport=${BASH_REMATCH[1]}
  run netns_of "$router_pid" conntrack -L -p tcp
  assert_success
  assert_line --regexp "src=10\.0\.0\.2 dst=203\.0\.113\.10 sport=40000 dport=7100 src=203\.0\.113\.10 dst=198\.51\.100\.1 sport=7100 dport=40000 "
  assert_line --regexp "src=10\.0\.0\.3 dst=203\.0\.113\.10 sport=40000 dport=7100 src=203\.0\.113\.10 dst=198\.51\.100\.1 sport=7100 dport=$port2 "
  assert_line --regexp "src=10\.0\.0\.3 dst=203\.0\.113\.11 sport=40000 dport=7100 src=203\.0\.113\.11 dst=198\.51\.100\.1 sport=7100 dport=$port2 "
  assert_line --regexp "src=203\.0\.113\.10 dst=198\.51\.100\.1 sport=$sport dport=8080 src=10\.0\.0\.2 dst=203\.0\.113\.10 sport=7100 dport=$sport "
}

# bats test_tags=exhaustive
@test "UDP: a late answer arrives while the router's mapping lives, and not after it timed out (the router's own timeout)" {
  scene
  host_timeout=$(cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout 2>/dev/null || echo none)
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10 -l 1200
  # The default timeout (30 s here unless changed): the way back is open.
  home "$home1_pid" -u -w 3000 -s 40001 203.0.113.10
  assert_success
  assert_line "udp: our 10.0.0.2:40001 arrived as 198.51.100.1:40001: the address was rewritten on the way, the port kept"
  assert_line "udp: a late answer arrived (the way back was still open)"
  # One second, in the router's namespace only: the host keeps its own.
  (netns_of "$router_pid" sh -c 'echo 1 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout') ||
    skip "nf_conntrack_udp_timeout is not writable in the router's namespace"
  run netns_of "$router_pid" cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout
  assert_output 1
  assert_equal "$(cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout 2>/dev/null || echo none)" "$host_timeout"
  noports() { netns_of "$router_pid" awk '/^Udp:/ { if (n++) print $3 }' /proc/net/snmp; }
  before=$(noports)
  home "$home1_pid" -u -w 1500 -s 40002 203.0.113.10
  assert_success
  assert_line "udp: the server saw us as 198.51.100.1:40002, and itself as 203.0.113.10:7100"
  assert_line "udp: no late answer within 1500 ms (nothing reached this socket)"
  # It reached the router itself, where no socket holds that port.
  assert_equal "$(noports)" "$((before + 1))"
  stop_server
  run server_log
  assert_line "udp: answered 198.51.100.1:40001 again (1200 ms later)"
  assert_line "udp: answered 198.51.100.1:40002 again (1200 ms later)"
}

@test "port forwarding: the router's 8080 reaches home1's 7100, and the inside server sees the outside client's own address and port" {
  scene
  start_server --via "netns_of $home1_pid" nat-server -b 10.0.0.2
  run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -t 2000 -p 8080 198.51.100.1
  assert_success
  [[ $output =~ our\ end\ 203\.0\.113\.10:([0-9]+), ]] || fail "no source port in: $output"
  sport=${BASH_REMATCH[1]}
  assert_line "tcp: the server saw us as 203.0.113.10:$sport, and itself as 10.0.0.2:7100"
  assert_line "tcp: our 203.0.113.10:$sport arrived as 203.0.113.10:$sport: nothing was rewritten on the way"
  assert_line "tcp: we sent to 198.51.100.1:8080 and reached 10.0.0.2:7100: the address and the port were rewritten on the way"
  run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -u -t 2000 -p 8080 198.51.100.1
  assert_success
  assert_line "udp: we sent to 198.51.100.1:8080 and reached 10.0.0.2:7100: the address and the port were rewritten on the way"
  # Without the forward, the same knock reaches no program.
  (netns_of "$router_pid" nft flush chain ip portlab_nat prerouting) || fail "could not remove the forward"
  run --separate-stderr netns_of "$outside_pid" "$BIN/nat-client" -t 2000 -p 8080 198.51.100.1
  assert_failure
  assert_stderr --partial "ECONNREFUSED"
}

@test "nat-client: -w without -u, and a bad source port, are usage errors" {
  run --separate-stderr "$BIN/nat-client" -w 10 127.0.0.1
  assert_failure 2
  assert_stderr --partial "-w waits for a late UDP answer: give -u too"
  run --separate-stderr "$BIN/nat-client" -s 70000 127.0.0.1
  assert_failure 2
}

# The lesson in the server's own file, not in common/: the accept() and
# recvfrom() that learn the source the router wrote, the port read there.
@test "nat-server's own code makes the accept() and recvfrom() that read the rewritten source port" {
  assert_reads_peer_port "$BATS_TEST_DIRNAME/../demos/nat/server.c"
}
