# demos/services/tour.sh - the services lesson, as `make demo` tells it.
# Sourced by demos/tour.sh.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

lesson "services: /etc/services is IANA's list - a convention, not a law"
say "The registry, both ways and per protocol; an ephemeral port; a name nobody registered:"
client --either services-client lookup telnet 23 2000 40000 gopher-of-doom
if can_netns; then
  say "A server that is NOT telnet takes telnet's port (root, in a namespace of its own):"
  server server --via netns_run services-server
  say "A polite scan of ports 15-30 there: the registry guesses, the banner tells."
  client --via "netns_of $server_pid" services-client -t 500 -r 15-30
  server_says server ': sent the banner$'
  stop server
else
  say "A server that is not what its port's registration says (you cannot bind 23, so it picks another):"
  server server services-server -b 127.0.0.1
  client services-client -p "$server_port" 127.0.0.1
  server_says server ': sent the banner$'
  stop server
fi
