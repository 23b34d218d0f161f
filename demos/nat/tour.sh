# demos/nat/tour.sh - the NAT lesson, as `make demo` tells it.
# Sourced by demos/tour.sh. The scene is four hosts of its own - network
# namespaces made by nat_up (tests/lib/procs.bash), as root or, where the
# kernel allows it, inside a user namespace of the user's own (unshare -rn):
# home1 10.0.0.2 and home2 10.0.0.3 behind a router that masquerades them
# onto 198.51.100.1 (demos/nat/rules.nft), and a server outside at
# 203.0.113.10 (RFC 5737's documentation ranges). Nothing leaves them, so
# the fixed ports below are free there.
# shellcheck disable=SC2154 # NAME_pid is set by proc_start

lesson "nat: the source address and port a server sees are the ones the router wrote"
if ! { netns_as_root || unshare -rn true 2>/dev/null; }; then
  say "The scene needs network namespaces of its own, and this system lets $(id -un) make none"
  say "(root, or a kernel that allows unshare -rn). Run 'sudo make demo DEMO=nat' to see it."
  return 0
fi
if ! command -v nft >/dev/null; then
  say "The router of this scene is nft's masquerade, and nft is missing (apt-get install nftables)."
  return 0
fi
# The router's count of UDP datagrams that found no socket (/proc/net/snmp).
# shellcheck disable=SC2016 # awk's own $3
nat_noports() { (netns_of "$router_pid" awk '/^Udp:/ { if (n++) print $3 }' /proc/net/snmp); }
nat_up >/dev/null || { say "(could not build the scene: namespaces, veth pairs, nft)"; exit 1; }
say "Four hosts of their own: home1 10.0.0.2 and home2 10.0.0.3 behind a router (10.0.0.1 inside,"
say "198.51.100.1 outside), and a server outside at 203.0.113.10. The router's rules (nft list ruleset):"
(netns_of "$router_pid" nft list ruleset) | indented
server server --via "netns_of $outside_pid" nat-server -b 203.0.113.10 -l 1200
say "1. home1 connects from source port 40000; the server says what it saw:"
client --via "netns_of $home1_pid" nat-client -s 40000 203.0.113.10
say "2. home2 chooses source port 40000 too - free on home2, but the router already maps 40000:"
client --via "netns_of $home2_pid" nat-client -s 40000 203.0.113.10
say "3. The router's table (conntrack): each mapping, inside and outside."
if (netns_of "$router_pid" cat /proc/net/nf_conntrack) >"$PROC_DIR/conntrack" 2>/dev/null; then
  say "   From /proc/net/nf_conntrack (the first src/dst pair: as it left home; the second: the reply, as it will come back):"
  grep ' dport=7100 ' "$PROC_DIR/conntrack" | indented
else
  say "   /proc/net/nf_conntrack is not readable in an ordinary user's namespace on this kernel (EACCES);"
  say "   the number of entries is: $(netns_of "$router_pid" cat /proc/sys/net/netfilter/nf_conntrack_count)"
  say "   (sudo make demo DEMO=nat shows them)"
fi
say "4. UDP: the router forgets a mapping when no datagram used it for nf_conntrack_udp_timeout"
say "   seconds. The router's own (this namespace's, not the host's) is set to 1 second; the server"
say "   answers once at once, and once 1.2 seconds later, to the same address and port:"
(netns_of "$router_pid" sh -c 'echo 1 > /proc/sys/net/netfilter/nf_conntrack_udp_timeout')
client --via "netns_of $home1_pid" nat-client -u -w 1500 -s 40001 203.0.113.10
server_says server 'answered .* again'
say "   The late datagram reached the router itself: no mapping turned it back in, and nothing listens"
say "   there on that port (the router's count of such UDP datagrams, NoPorts in /proc/net/snmp: $(nat_noports))."
say "   Why a server cannot call you behind a NAT: only a mapping you opened lets it in, while it lives."
stop server
say "5. Port forwarding: the router's port 8080 goes to home1's 7100 (the prerouting rule above)."
server inside --via "netns_of $home1_pid" nat-server -b 10.0.0.2
client --via "netns_of $outside_pid" nat-client -p 8080 198.51.100.1
say "The inside server saw the outside client's own address and port; the client reached 10.0.0.2"
say "without knowing it. The forward opened the router's port 8080, not home1's 7100 to everyone."
stop inside
for h in home1 home2 outside router; do proc_stop "$h" >/dev/null; done
