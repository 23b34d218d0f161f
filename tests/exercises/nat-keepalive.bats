#!/usr/bin/env bats
# exercise: give nat-client -k MS: while it waits for a late answer (-u -w), send a keep-alive datagram every MS ms on the same socket, so that the router keeps its mapping
# lesson: docs/nat.md
# edit: demos/nat/client.c
# programs: nat-server nat-client
load ../helpers
load lib

# The checker's own NAT scene (tests/lib/procs.bash nat_up): home1 behind a
# router that forgets a UDP mapping after 1 s of silence, and nat-server
# outside, whose log says which address and port each datagram came from.
# The program under test runs in home1 as an unprivileged user (ex_user
# --in): it has no power over the router's settings, only its datagrams.
setup() {
  command -v nft >/dev/null ||
    fail "cannot check here: nft is not installed (apt-get install nftables); the router of the check's scene is nft's masquerade"
  can_netns ||
    fail "cannot check here: this system does not let you make network namespaces (unshare -rn says no); as root it may (sudo make exercise E=...)"
  ex_need_trace
  nat_up || fail "could not build the check's NAT scene (namespaces, veth pairs, nft)"
  # Both of the router's UDP timeouts, in its own namespace: a mapping that
  # has been answered and is still in use 2 s after its first datagram
  # counts as a stream (older kernels: once answered) and would otherwise
  # live 120 s after the last one - keep-alives that stop early (after -t,
  # say) would still see the late answer through.
  # shellcheck disable=SC2154 # router_pid: set by nat_up
  (netns_of "$router_pid" sh -c 'cd /proc/sys/net/netfilter && echo 1 > nf_conntrack_udp_timeout && echo 1 > nf_conntrack_udp_timeout_stream') ||
    fail "cannot set the router's nf_conntrack_udp_timeout here"
  # The router counts what home1 sends the server: the kernel's count, not
  # the server's log (nat-server stops answering - and narrating - a port
  # after 10 datagrams: common/replyguard.h).
  # And how many of them it took for new (ct state new: a datagram of a
  # flow it holds no mapping for, or one no answer has come back on yet):
  # the first alone, if it never forgot.
  (netns_of "$router_pid" nft -f - <<<'table ip portlab_check { chain forward { type filter hook forward priority 0; policy accept; ip saddr 10.0.0.2 ip daddr 203.0.113.10 udp dport 7100 counter; ip saddr 10.0.0.2 ip daddr 203.0.113.10 udp dport 7100 ct state new counter; }; }') ||
    fail "could not count the datagrams at the router (nft)"
}

# How many UDP datagrams from home1 to the server the router forwarded.
forwarded() { (netns_of "$router_pid" nft list chain ip portlab_check forward) | sed -n '/ct state new/!s/.* counter packets \([0-9]*\) .*/\1/p'; }

# How many of them the router took for new.
mappings() { (netns_of "$router_pid" nft list chain ip portlab_check forward) | sed -n 's/.* ct state new counter packets \([0-9]*\) .*/\1/p'; }

# one_mapping TEXT: the router kept one mapping all along - not one forgotten
# after a silence and made anew (often with the same port, so the server
# cannot tell).
one_mapping() {
  local m
  m=$(mappings)
  [ "$m" = 1 ] ||
    hint "the router took $m of the client's datagrams $1 for new, not the first alone: it forgot the mapping after a silence of 1 s and made another, or they came before any answer had - send a keep-alive every -k ms all through the wait, spread out, not in a burst"
}

# The source ports the server saw UDP datagrams come from, one a line.
seen_ports() { server_log | sed -n 's/^udp: from 198\.51\.100\.1 port \([0-9]*\) .*/\1/p'; }

# one_socket TRACE N: the kernel's word (ex_user --trace) that the N
# datagrams the router passed on were all sent on one socket - the same
# socket, not a fresh one on the same port (which the router and the server
# cannot tell apart) - and were all it sent (none sent to die on the way,
# to pad the count of a socket that sent nothing that arrived).
one_socket() {
  local socks sent
  socks=$(calls "$1" send udp '203\.0\.113\.10:7100' | grep ' -> [1-9]' | sed 's/ .*//' | sort -u)
  sent=$(calls "$1" send udp '203\.0\.113\.10:7100' | grep -c ' -> [1-9]')
  [ "$(grep -c . <<<"$socks")" -eq 1 ] && [ "$sent" -eq "$2" ] && return
  hint "the router passed on $2 datagram(s); the kernel saw $sent sent, from $(grep -c . <<<"$socks") socket(s): send every keep-alive on the socket that sent the first datagram (send(fd, ...)), never a new one, and nothing that does not reach the router"
}

# The options in one of two orders: a change that reads -k only in one
# place of the command line is not a finished one.
options() {
  if [ $((RANDOM % 2)) -eq 0 ]; then opts=(-u -w "$1" -k "$2" -t "$3"); else opts=(-t "$3" -k "$2" -u -w "$1"); fi
}

# keepalives_fit N WAIT K TEXT: N keep-alives (the datagrams after the
# first) over a wait of WAIT ms are one every K ms. At least WAIT/K - 1: the
# last may fall due as the wait ends, and a busy machine wakes late. At most
# WAIT/K rounded up, + 2: one sent as the wait starts, a late answer itself
# late. Keep-alives that stop early, last longer than the wait, keep their
# own fixed pace or flood are well outside; timing noise is not.
keepalives_fit() {
  local n=$1 wait=$2 k=$3 text=$4
  [ "$n" -ge $((wait / k - 1)) ] ||
    hint "the router passed on $n keep-alive(s) $text; about $((wait / k)) were due: send one every -k ms for the whole -w wait (-t is the time the first answer may take, not this)"
  [ "$n" -le $(((wait + k - 1) / k + 2)) ] ||
    hint "the router passed on $n keep-alives $text; about $((wait / k)) were due: send one every -k ms, and stop when the -w wait ends (not after -t)"
}

@test "kept alive every -k ms, the mapping outlives the router's 1 s: the late answer arrives (-t shorter than -w)" {
  # The late answer well after the router's 1 s, well before -w ends; -t
  # shorter than both: a change that waits -t instead of -w, or sends
  # keep-alives only for -t, lets the router forget the mapping first. At
  # most 2.5 s at -k 350 or more: the late answer is nat-server's 10th to
  # the port at most, and it answers no more (common/replyguard.h).
  local k=$((350 + RANDOM % 101)) late=$((2000 + RANDOM % 501)) w t=$((500 + RANDOM % 401)) opts
  w=$((late + 600 + RANDOM % 601))
  options "$w" "$k" "$t"
  # shellcheck disable=SC2154 # outside_pid, home1_pid: set by nat_up
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10 -l "$late"
  run --separate-stderr ex_user --in "$home1_pid" --trace "$BATS_TEST_TMPDIR/calls" "$BIN/nat-client" "${opts[@]}" 203.0.113.10
  [ "$status" -eq 0 ] || hint "nat-client ${opts[*]} failed: ${stderr%%$'\n'*}"
  stop_server
  local ports n
  ports=$(seen_ports | sort -u)
  n=$(forwarded)
  one_socket "$BATS_TEST_TMPDIR/calls" "$n"
  one_mapping "(nat-client ${opts[*]})"
  [ "$(wc -l <<<"$ports")" -eq 1 ] ||
    hint "the server saw datagrams from ports ${ports//$'\n'/ } of the router: it made a new mapping (the first was forgotten, or not used): send every keep-alive on the socket that sent the first datagram (send(fd, ...)), one every -k ms"
  # The client's wait ends when the late answer arrives: $late ms of it.
  keepalives_fit $((n - 1)) "$late" "$k" "from nat-client ${opts[*]} in the $late ms until the late answer"
  grep -q "^udp: answered 198\.51\.100\.1:$ports again" < <(server_log) ||
    hint "the server never sent its late answer: its log says nothing of it"
  [[ $output == *"udp: a late answer arrived (the way back was still open)"* ]] ||
    hint "the client did not say the late answer arrived: send the keep-alives spread out, one every -k ms (after a silence of 1 s the router forgets), and keep reading until the datagram that starts 'nat-server again'"
}

@test "no late answer is claimed when the server sends none; keep-alives for the whole -w wait, not -t (longer)" {
  # -k far from the other test's: a change that keeps a pace of its own
  # fails one of them. -t well beyond -w: keep-alives sent for -t, or a wait
  # of -t, are too many.
  local k=$((250 + RANDOM % 51)) w=$((3000 + RANDOM % 601)) t opts
  t=$((w + 1500 + RANDOM % 501))
  options "$w" "$k" "$t"
  start_server --via "netns_of $outside_pid" nat-server -b 203.0.113.10
  run --separate-stderr ex_user --in "$home1_pid" "$BIN/nat-client" "${opts[@]}" 203.0.113.10
  [ "$status" -eq 0 ] || hint "nat-client ${opts[*]} failed: ${stderr%%$'\n'*}"
  stop_server
  [[ $output == *"udp: no late answer within $w ms (nothing reached this socket)"* ]] ||
    hint "the server sent no late answer (no -l), so none may be claimed: the answers to keep-alives are not it"
  keepalives_fit $(($(forwarded) - 1)) "$w" "$k" "from nat-client ${opts[*]} in its $w ms wait"
  one_mapping "(nat-client ${opts[*]})"
}
