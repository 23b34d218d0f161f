# demos/same-port/tour.sh - the same-port lesson, as `make demo` tells it.
# Sourced by demos/tour.sh, which defines lesson, say, server, client, stop.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

lesson "same-port: TCP port P and UDP port P are two different ports"
say "One server binds a TCP socket and a UDP socket to the same port number."
say "We ask for port 0, so the kernel picks a free number (the real demo uses 2000)."
server server same-port-server -p 0 -b 127.0.0.1
say "Both binds worked; a second TCP bind was refused, as expected."
say "Now a client asks both protocols:"
client same-port-client -p "$server_port" 127.0.0.1
server_says server '^udp datagram'
stop server

say ""
say "The primer's own picture: two processes on one port number, one per protocol."
server tcp same-port-server --tcp-only -p 0 -b 127.0.0.1
server udp same-port-server --udp-only -p "$tcp_port" -b 127.0.0.1
# Said once both are up: the port is the one they hold ($tcp_port), not
# the first server's, stopped above.
say "One process holds TCP $tcp_port, the other UDP $udp_port. A client asks both:"
client same-port-client -p "$tcp_port" 127.0.0.1
server_says tcp '^tcp connection'
server_says udp '^udp datagram'
say "Two different pids answered on one port number."
stop tcp
stop udp

say ""
say "With nobody there, TCP is refused at once; UDP learns it only from ICMP, or times out:"
client --fails same-port-client -t 500 -p "$tcp_port" 127.0.0.1
