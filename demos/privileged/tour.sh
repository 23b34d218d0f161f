# demos/privileged/tour.sh - the privileged lesson, as `make demo` tells it.
# Sourced by demos/tour.sh. As root it shows the failure as nobody and the
# success as root, each in a private network namespace (its own port 23, its
# own threshold); as an ordinary user (who cannot become nobody: root drops
# to nobody here) it shows what that user can see.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

# Under the figure: this kernel's own values, read now (the figure shows
# Linux's defaults).
# shellcheck disable=SC2317 # called by lesson() in demos/tour.sh
figure_note() {
  local start range
  if start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null) &&
    range=$(cat /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null); then
    range=${range//$'\t'/-}
    if [ "$start" = 0 ]; then
      say "This kernel, read now from /proc/sys/net/ipv4: the threshold is 0, no port needs CAP_NET_BIND_SERVICE; the ephemeral range is $range."
    else
      say "This kernel, read now from /proc/sys/net/ipv4: binding a port below $start needs CAP_NET_BIND_SERVICE; the ephemeral range is $range."
    fi
  else
    say "(This system's threshold and ephemeral range cannot be read here: the figure shows Linux's defaults.)"
  fi
}
lesson "privileged: ports below 1024 need privilege to bind, not to reach"
unset -f figure_note
if netns_as_root; then
  say "First as an ordinary user (nobody): the server asks for telnet's port, 23."
  client --fails --via 'netns_run --nobody' privileged-server -p 23
  say "Now as root, in a namespace of its own: it binds 23, then gives root up at once."
  server server --via netns_run privileged-server -p 23
  say "nobody can still REACH port 23 - but cannot send FROM port 1023, as rsh did:"
  client --fails --via "netns_of $server_pid --nobody" privileged-client
  server_says server '^tcp from ' # its first step, which worked
  say "root can, and the server tells the old story of trusting low source ports:"
  client --via "netns_of $server_pid" privileged-client
  server_says server '^that proves nothing today'
  stop server
else
  say "You are $(id -un). Asking for port 23 shows the rule (unless this system lowered it):"
  client --either privileged-server -p 23 -b 127.0.0.1
  say "A port the kernel picks (above the threshold) needs nothing:"
  server server privileged-server -p 0 -b 127.0.0.1
  say "Reaching it is free; binding source port 1023 first is not:"
  client --either privileged-client -p "$server_port" 127.0.0.1
  server_says server '^tcp from '
  stop server
  say "(Run 'sudo make demo DEMO=privileged' to see root bind port 23 and drop privilege.)"
fi
