# demos/rendezvous/tour.sh - the rendezvous lesson, as `make demo` tells it.
# Sourced by demos/tour.sh.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

lesson "rendezvous: dynamic destination ports, found through a directory (as rpcbind does)"
say "The directory: the one fixed port (8111 normally; here the kernel's choice)."
server dir rendezvous-directory -p 0 -b 127.0.0.1
say "Two services bind port 0 - any port - and register what they got:"
server clock rendezvous-server -D "$dir_port" clock
server echo rendezvous-server -D "$dir_port" echo
say "A client knows only the directory's port. It asks, then connects:"
client rendezvous-client -p "$dir_port" clock
say "Like rpcinfo -p, the list:"
client rendezvous-client -p "$dir_port" -l
say "clock stops politely (it unregisters); echo is killed outright (SIGKILL):"
stop clock
printf '  %-8s$ kill -KILL (no chance to unregister)\n' echo
# (bash would report the killed job on stderr; the lesson is the directory's line)
{ kill -KILL "$echo_pid"; server_says dir '^dropped echo'; proc_stop echo; } 2>/dev/null
client rendezvous-client -p "$dir_port" -l
stop dir
