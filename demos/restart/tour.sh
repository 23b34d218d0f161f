# demos/restart/tour.sh - the restart lesson, as `make demo` tells it.
# Sourced by demos/tour.sh. Runs on loopback with ports the kernel picks; the
# TIME_WAIT connections it leaves behind vanish on their own after 60 s.
# shellcheck disable=SC2154 # NAME_port is set by server() in demos/tour.sh

lesson "restart: \"Address already in use\" after a restart - TIME_WAIT and SO_REUSEADDR"
say "A server serves one client (-n 1) and exits. It hangs up first, so its side waits in TIME_WAIT:"
server first restart-server -p 0 -b 127.0.0.1 -n 1
client restart-client -p "$first_port" 127.0.0.1
server_says first '^stopping after'
say "Nothing listens on port $first_port now. Start the server again, at once, on that port:"
client --fails restart-server -p "$first_port" -b 127.0.0.1
say "SO_REUSEADDR on the restart alone does not help on Linux: the old socket had not set it."
client --fails restart-server -p "$first_port" -b 127.0.0.1 --reuseaddr

say ""
say "Both runs with --reuseaddr: the restart binds at once, past the TIME_WAIT."
server second restart-server -p 0 -b 127.0.0.1 -n 1 --reuseaddr
client restart-client -p "$second_port" 127.0.0.1
server_says second '^stopping after'
server again restart-server -p "$second_port" -b 127.0.0.1 --reuseaddr
stop again

say ""
say "Or let the client hang up first: the TIME_WAIT is then the client's, and the port is free."
server third restart-server -p 0 -b 127.0.0.1 -n 1 --client-closes
client restart-client -p "$third_port" 127.0.0.1
server_says third '^stopping after'
server fourth restart-server -p "$third_port" -b 127.0.0.1
stop fourth
say "See them yourself for a minute: ss -tan state time-wait"
