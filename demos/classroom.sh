# demos/classroom.sh - the classroom across two machines, on one laptop:
# `make classroom` (demos/tour.sh --classroom). Sourced by demos/tour.sh
# after it has built a "teacher" (10.77.0.1) and a "student" (10.77.0.2)
# network namespace joined by a virtual cable.
# shellcheck disable=SC2154 # NAME_port, teacher_pid, student_pid are set by the tour

T="netns_of $teacher_pid" S="netns_of $student_pid"
lesson "the classroom: servers on the teacher's host (10.77.0.1), clients on a student's (10.77.0.2)"
say "Now the server sees a real student: another address, that host's own source ports."
server server --via "$T" same-port-server -p 0
client --via "$S" same-port-client -p "$server_port" 10.77.0.1
server_says server '^udp datagram'
stop server

say ""
say "Each host has its own ephemeral range. The student's is narrowed to 40000-40009 here:"
( $S sh -c 'echo "40000 40009" > /proc/sys/net/ipv4/ip_local_port_range' )
server server --via "$T" ephemeral-server -p 0
client --via "$S" ephemeral-client -n 2 -u 1 -p "$server_port" 10.77.0.1
server_says server '^udp '
stop server

say ""
if netns_as_root; then
  say "The privileged lesson on the teacher's host: root binds 23; the student is nobody."
  server server --via "$T" privileged-server -p 23
  client --fails --via "$S --nobody" privileged-client 10.77.0.1
  server_says server '^tcp from ' # its first step, which worked
  stop server
else
  say "(The privileged lesson needs real root: its server drops from root to nobody. 'sudo make classroom' shows it.)"
fi

if [ -d /proc/sys/net/ipv6 ]; then
  say ""
  say "IPv6 across the wire, on a dual-stack server: IPv4 students appear as ::ffff:10.77.0.2."
  teacher_addr='fd77::1 and 10.77.0.1'
  server server --via "$T" same-port-server -6 -p 0
  student_addr=fd77::2
  client --via "$S" same-port-client -6 -p "$server_port" fd77::1
  server_says server '^udp datagram'
  student_addr=10.77.0.2
  client --via "$S" same-port-client -4 -p "$server_port" 10.77.0.1
  server_says server '^udp datagram'
  stop server
fi

say ""
say "In a real room: find your address (ip -brief address), open the port if a firewall runs, and start the server: by default it listens on every IPv4 address you have."
say "Students connect with the client and your address, or nc YOUR-ADDRESS PORT; the teacher's guide (teachers-guide.md), \"Serving a room from your machine\", has each step."
