#!/usr/bin/env bats
# exercise: make firewall-client knock a second time on a UDP port that stays silent for half of -t, before calling it silent
# lesson: docs/firewall.md
# edit: demos/firewall/client.c
# programs: firewall-server firewall-client
load ../helpers
load lib

# The checker counts the datagrams that really arrived: nft counters, in a
# namespace of the check's own, on three UDP ports where firewall-server is
# bound: one open, one dropped, one rejected (an ICMP port unreachable).
setup() {
  command -v nft >/dev/null ||
    fail "cannot check here: nft is not installed (apt-get install nftables); the check counts datagrams with it"
  ex_namespace
  ex_need_trace
  start_server --via ex_in firewall-server -b 127.0.0.1 -p 0 -p 0 -p 0 ||
    hint "firewall-server does not start here: run bin/firewall-server -p 0 by hand and read its error"
  [[ $proc_line =~ ports\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\)$ ]] || fail "no three ports in: $proc_line"
  open=${BASH_REMATCH[1]} drop=${BASH_REMATCH[2]} rejected=${BASH_REMATCH[3]}
  (ex_in nft -f -) <<NFT || fail "nft refused the check's rules"
table inet check {
  chain input {
    type filter hook input priority 0;
    udp dport $open counter accept
    udp dport $drop counter drop
    udp dport $rejected counter reject
  }
}
NFT
}

# arrived PORT: how many UDP datagrams to PORT nft counted.
arrived() {
  ex_in nft list chain inet check input | sed -n "s/.*udp dport $1 counter packets \([0-9]*\) .*/\1/p"
}

# Two runs, with a -t new each time: the silent port first, then last (the
# other two in either order) - the scan's order is not the check's.
@test "a silent UDP port is knocked on twice; an open one and a rejected one once each, in any order" {
  local n start took t order orders before=() p trace socks run=0
  orders=("$drop $open $rejected" "$open $rejected $drop")
  [ $((RANDOM % 2)) -eq 0 ] || orders=("$drop $rejected $open" "$rejected $open $drop")
  for order in "${orders[@]}"; do
    t=$((600 + RANDOM % 500))
    for p in "$open" "$drop" "$rejected"; do before[p]=$(arrived "$p"); done
    trace=$BATS_TEST_TMPDIR/calls$((run += 1))
    start=${EPOCHREALTIME/./}
    # shellcheck disable=SC2086 # the ports, one word each
    run --separate-stderr ex_user --trace "$trace" "$BIN/firewall-client" -t "$t" 127.0.0.1 $order
    took=$(((${EPOCHREALTIME/./} - start) / 1000))
    [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
    n=$(($(arrived "$drop") - before[drop]))
    [ "$n" = 2 ] ||
      hint "$n datagram(s) reached the dropped port $drop (ports given as $order): when nothing comes back within half of -t, send the knock once more on the same socket (send()), then wait the other half"
    # The same socket, in the kernel's word (ex_user --trace): each datagram
    # nft counted was a send() on the socket that knocked first.
    socks=$(calls "$trace" send udp "127\.0\.0\.1:$drop" | grep ' -> 6$' | sed 's/ .*//' | sort -u)
    [ "$(wc -l <<<"$socks")" -eq 1 ] && [ "$(calls "$trace" send udp "127\.0\.0\.1:$drop" | grep -c ' -> 6$')" -ge 2 ] ||
      hint "the kernel saw the knocks on the dropped port $drop sent from $(grep -c . <<<"$socks") socket(s), not one: knock again on the same socket (send(fd, ...)), where the answer would come to"
    n=$(($(arrived "$open") - before[open]))
    [ "$n" = 1 ] ||
      hint "$n datagrams reached the open port $open (ports given as $order): knock again only when nothing came back - a reply is an answer"
    n=$(($(arrived "$rejected") - before[rejected]))
    [ "$n" = 1 ] ||
      hint "$n datagrams reached the rejected port $rejected (ports given as $order): an ICMP port unreachable (ECONNREFUSED) is an answer too - knock again only on silence"
    grep -q "^$drop/udp verdict: open|filtered - " <<<"$output" ||
      hint "the silent port's verdict should still be open|filtered: $(grep "^$drop/udp verdict" <<<"$output")"
    # Only the silent UDP knock waits: the whole run takes -t, and some time
    # to start (on a busy machine, up to half of -t and more); a client that
    # waits -t for each of two knocks takes twice that, which this still catches.
    [ "$took" -lt $((t + t * 4 / 5)) ] ||
      hint "the client took $took ms for one silent knock with -t $t: both knocks together should wait no longer than -t (half, then the other half)"
    [ "$took" -ge "$t" ] ||
      hint "the client took $took ms with -t $t: the silent port gets all of -t (half, a second knock, the other half) before it is called silent"
  done
}

@test "the server hears each knock that reached it once" {
  run --separate-stderr ex_user "$BIN/firewall-client" -t 600 127.0.0.1 "$open"
  stop_server
  [ "$(grep -c "^$open/udp: a knock from" "$PROC_DIR/server/log")" -eq 1 ] ||
    hint "the server heard $(grep -c "^$open/udp: a knock from" "$PROC_DIR/server/log") UDP knocks on $open: an answered knock needs no second one"
}
