# demos/ephemeral/tour.sh - the ephemeral lesson, as `make demo` tells it.
# Sourced by demos/tour.sh.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

lesson "ephemeral: the kernel picks the client's source port, and the reply goes back to it"
say "The server prints every connection's four-tuple: source -> destination."
server server ephemeral-server -p 0 -b 127.0.0.1
say "The client makes three TCP connections, held open at once, then sends UDP datagrams:"
client ephemeral-client -n 3 -u 2 -p "$server_port" 127.0.0.1
server_says server '^udp .* -> '
server_says server '^udp .* -> '
server_says server '^udp .* -> '
say "The destination port never changed. Each TCP connection got a new source port; the first UDP socket kept its one port for both datagrams, the second got another - all from the kernel's range."
say "A source port can be chosen too (-s). The server's own port is taken, so:"
client --fails ephemeral-client -n 1 -u 0 -s "$server_port" -p "$server_port" 127.0.0.1
stop server
if can_netns; then
  say ""
  say "Running out: a private namespace whose range holds ten ports. Connection 11 has none left."
  server server --via netns_run ephemeral-server -p 0 -b 127.0.0.1
  lo=40000
  [ "$server_port" -lt 40000 ] || [ "$server_port" -gt 40009 ] || lo=50000
  say "(setting that namespace's net.ipv4.ip_local_port_range to $lo $((lo + 9)); the host's is untouched)"
  ( netns_of "$server_pid" sh -c "echo '$lo $((lo + 9))' > /proc/sys/net/ipv4/ip_local_port_range" )
  client --fails --via "netns_of $server_pid" ephemeral-client -n 11 -u 0 -p "$server_port"
  for _ in 1 2 3 4 5 6 7 8 9 10; do server_says server '^tcp '; done # the ten that got a port
  stop server
fi
