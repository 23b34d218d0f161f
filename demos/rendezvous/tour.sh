# demos/rendezvous/tour.sh - the rendezvous lesson, as `make demo` tells it.
# Sourced by demos/tour.sh.
# shellcheck disable=SC2154 # NAME_port and NAME_pid are set by server() in demos/tour.sh

# What the directory says once a registration is complete, and once a
# connection has ended: the lesson waits for these before its next step.
kept='^tcp [^ ]+: (keepalive on|this system has no keepalive)'
closed='^tcp [^ ]+: closed: '
lesson "rendezvous: dynamic destination ports, found through a directory (as rpcbind does)"
say "The directory: the one fixed port (8111 normally; here the kernel's choice)."
server dir rendezvous-directory -p 0 -b 127.0.0.1
say "Two services bind port 0 - any port - and register what they got:"
server clock rendezvous-server -D "$dir_port" clock
server_says dir "$kept" # the directory's side of the registration
server echo rendezvous-server -D "$dir_port" echo
server_says dir "$kept"
say "A client knows only the directory's port. It asks, then connects:"
client rendezvous-client -p "$dir_port" clock
server_says dir "$closed" # the client's question, then its hang-up
server_says clock '^tcp .*: found us'
say "Like rpcinfo -p, the list:"
client rendezvous-client -p "$dir_port" -l
server_says dir "$closed"
say "clock stops politely (it unregisters); echo is killed outright (SIGKILL):"
stop clock
server_says dir "$closed" # clock's UNREGISTER, then its hang-up
act echo "kill -KILL (no chance to unregister)"
# (bash would report the killed job on stderr; the lesson is the directory's line)
{ kill -KILL "$echo_pid"; server_says dir '^dropped echo'; proc_stop echo; } 2>/dev/null
client rendezvous-client -p "$dir_port" -l
server_says dir "$closed"
stop dir
