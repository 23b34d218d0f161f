# demos/firewall/tour.sh - the firewall lesson, as `make demo` tells it.
# Sourced by demos/tour.sh. The scene is a host of its own: a private
# network namespace (as root), or a user and network namespace of the
# user's own (unshare -rn) where the kernel allows it, with the nft rules
# of demos/firewall/rules.nft - never the host's firewall. Ports 7001-7006
# are safe there: nothing else lives in that namespace.
# shellcheck disable=SC2154 # NAME_pid is set by proc_start

lesson "firewall: open, closed or filtered - what a knock gets back, and what errno cannot tell"
own_namespace fwns # as root, or with unshare -rn (tour.sh)
fw_via=$own_via
if [ -z "$fw_via" ]; then
  say "The scene needs a network namespace of its own, and this system lets $(id -un) make none"
  say "(root, or a kernel that allows unshare -rn). Run 'sudo make demo DEMO=firewall' to see it."
  return 0
fi
# fw_in CMD...: CMD in the scene's namespace (a subshell: the wrappers exec).
# shellcheck disable=SC2086 # the wrapper is words
fw_in() { ( $fw_via "$@" ); }
fw_ports=(7001 7002 7003 7004 7005 7006) fw_last=7005
if command -v nft >/dev/null && fw_in nft -f "$root/demos/firewall/rules.nft"; then
  say "A host of its own, with a firewall: the rules the kernel now holds (nft list ruleset):"
  fw_in nft list ruleset | indented
  say "7001 open; 7002 closed (nothing bound); 7003 dropped; 7004 rejected (ICMP port unreachable);"
  say "7005 a forged TCP reset; 7006 admin-prohibited. The server listens on all but 7002."
else
  say "nft is missing (apt-get install nftables), or refused the rules: this scene shows"
  say "only open (7001) and closed (7002); it skips drop, reject, reset and admin-prohibited."
  fw_ports=(7001 7002) fw_last=7001
fi
server server --via "$fw_via" firewall-server -b 127.0.0.1 -p 7001 -p 7003 -p 7004 -p 7005 -p 7006
say "Knock on each port, TCP then UDP, half a second at most each; the client watches the wire too:"
client --via "$fw_via" firewall-client -t 500 127.0.0.1 "${fw_ports[@]}"
server_says server "^$fw_last/udp: a knock" # the last knock that reaches it
say "The server saw only the knocks that reached it - none that a rule answered for it, or dropped."
stop server
proc_stop fwns >/dev/null
