# demos/wire/tour.sh - the wire lesson, as `make demo` tells it.
# Sourced by demos/tour.sh. Packet and raw sockets need CAP_NET_RAW: as root
# the lesson runs in a private network namespace; as an ordinary user, in a
# user and network namespace of the user's own (unshare -rn) where the kernel
# allows it; otherwise it says why and moves on.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() and proc_start

lesson "wire: both ports, as bytes in the packet; a source port is only a claim"
own_namespace wirens # as root, or with unshare -rn (tour.sh)
wire_via=$own_via
if [ -n "$wire_via" ]; then
  say "The server watches the packets of its own port through a packet socket, and serves as usual."
  server server --via "$wire_via" wire-server -p 0 -b 127.0.0.1
  say "The client: TCP and UDP from ordinary sockets, then a UDP header of its own, claiming port 23:"
  client --via "$wire_via" wire-client -s 23 -p "$server_port" 127.0.0.1
  # Wait for the last packets the client caused, which come in no fixed
  # order: the reply to port 23, and the TCP connection's end (both FINs,
  # then an ACK).
  fins=0 acked='' replied=''
  until [ "$fins" -ge 2 ] && [ -n "$acked" ] && [ -n "$replied" ]; do
    server_says server '^wire: '
    case $proc_line in
      'wire: tcp '*FIN*) fins=$((fins + 1)) ;;
      'wire: tcp ACK '*) [ "$fins" -lt 2 ] || acked=1 ;;
      'wire: udp '*' -> '*':23:'*) replied=1 ;;
    esac
  done
  say "[00 17] is 23: two bytes its sender wrote. Nobody bound port 23; the reply went there anyway."
  stop server
  proc_stop wirens >/dev/null
else
  say "Packet sockets need CAP_NET_RAW, and this system lets $(id -un) make no namespace to hold it:"
  client --fails wire-server -p 0 -b 127.0.0.1
  say "(Run 'sudo make demo DEMO=wire' to see the packets.)"
fi
