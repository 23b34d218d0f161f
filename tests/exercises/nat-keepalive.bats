#!/usr/bin/env bats
# exercise: give nat-client -k MS: while it waits for a late answer (-u -w), send a keep-alive datagram every MS ms on the same socket, so that the router keeps its mapping
# lesson: docs/nat.md
# edit: demos/nat/client.c
# programs: nat-server nat-client
load ../helpers
load lib

# The checker's own NAT scene (tests/lib/procs.bash nat_up): home1 behind a
# router that forgets a UDP mapping after 1 s of silence (its own
# nf_conntrack_udp_timeout), and nat-server outside, whose log says which
# address and port each datagram came from.
setup() {
  command -v nft >/dev/null ||
    fail "cannot check here: nft is not installed (apt-get install nftables); the router of the check's scene is nft's masquerade"
  can_netns ||
    fail "cannot check here: this system does not let you make network namespaces (unshare -rn says no); as root it may (sudo make exercise E=...)"
  nat_up || fail "could not build the check's NAT scene (namespaces, veth pairs, nft)"
  # shellcheck disable=SC2154 # router_pid: set by nat_up
  (netns_of "$router_pid" sh -c 'echo 1 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout') ||
    fail "cannot set the router's nf_conntrack_udp_timeout here"
}

# The source ports the server saw UDP datagrams come from, one a line.
seen_ports() { server_log | sed -n 's/^udp: from 198\.51\.100\.1 port \([0-9]*\) .*/\1/p'; }

@test "kept alive every 400 ms, the mapping outlives the router's 1 s: the late answer (1.8 s) arrives" {
  # shellcheck disable=SC2154 # outside_pid, home1_pid: set by nat_up
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10 -l 1800
  run --separate-stderr ex_user --in "$home1_pid" "$BIN/nat-client" -u -w 3000 -k 400 -t 2000 203.0.113.10
  [ "$status" -eq 0 ] || hint "nat-client -u -w 3000 -k 400 failed: ${stderr%%$'\n'*}"
  stop_server
  local ports n
  ports=$(seen_ports | sort -u)
  n=$(seen_ports | wc -l)
  [ "$(wc -l <<<"$ports")" -eq 1 ] ||
    hint "the server saw datagrams from ${ports//$'\n'/ } at the router: send every keep-alive on the socket that sent the first datagram (send(fd, ...)), or the router keeps another mapping"
  [ "$n" -ge 4 ] ||
    hint "the server saw only $n datagram(s) from the client: send one every -k ms for the whole -w wait, not once"
  grep -q "^udp: answered 198\.51\.100\.1:$ports again" < <(server_log) ||
    hint "the server never sent its late answer: its log says nothing of it"
  [[ $output == *"udp: a late answer arrived (the way back was still open)"* ]] ||
    hint "the mapping was kept alive, yet the client did not say the late answer arrived: keep reading datagrams until the one that starts 'nat-server again'"
}

@test "no late answer is claimed when the server sends none" {
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  run --separate-stderr ex_user --in "$home1_pid" "$BIN/nat-client" -u -w 1200 -k 400 -t 2000 203.0.113.10
  [ "$status" -eq 0 ] || hint "nat-client -u -w 1200 -k 400 failed: ${stderr%%$'\n'*}"
  [[ $output == *"udp: no late answer within 1200 ms (nothing reached this socket)"* ]] ||
    hint "the server sent no late answer (no -l), so none may be claimed: the answers to keep-alives are not it"
}
