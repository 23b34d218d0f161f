#!/usr/bin/env bats
# exercise: make rendezvous-client ask its LOOKUP over UDP instead of TCP (a datagram, no connection)
# lesson: docs/rendezvous.md
# edit: demos/rendezvous/client.c
# programs: rendezvous-directory rendezvous-server rendezvous-client
load ../helpers
load lib

# In a namespace of the check's own; the program under test as an
# unprivileged user of it (ex_user). The service has a name new each run (a
# letter, then 3 to 10 of the characters a name may hold): only the name the
# client is given finds it, never one written into the code.
setup() {
  local chars=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_- i
  name=${chars:RANDOM % 26:1}
  for ((i = 3 + RANDOM % 8; i > 0; i--)); do name+=${chars:RANDOM % ${#chars}:1}; done
  ex_namespace
}

# The programs' own logs say what happened: the directory logs each request
# and each TCP connection, the server each client it served.
@test "the directory gets one LOOKUP, as a UDP datagram, and the client then reaches the server" {
  local dir svc reg addr asked
  start_server --as dir --via ex_in rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as svc --via ex_in rendezvous-server -D "$dir_port" "$name"
  run --separate-stderr ex_user "$BIN/rendezvous-client" -p "$dir_port" 127.0.0.1 "$name"
  # The directory logs a look-up before it answers it: the line is there
  # once the client has its answer (no wait), and names what was asked.
  if PROC_WAIT_SECONDS=0 server_expect --as dir ' looked up ' &&
    [[ $server_line =~ \ looked\ up\ ([^ :]*): ]] && [ "${BASH_REMATCH[1]}" != "$name" ]; then
    asked=${BASH_REMATCH[1]}
    hint "the client was given the name $name, yet the directory was asked for $asked: send LOOKUP with the name the client was given (name, in client.c), never one written into the code"
  fi
  [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
  # The directory logs a TCP connection when it closes: one still open is
  # seen in the kernel's table (ESTABLISHED, 01), before anything stops.
  local open
  open=$(tcp_states "$dir_port" | grep -cx 01)
  [ "$open" -le 1 ] ||
    hint "the client has ended, yet the kernel's table shows $((open - 1)) TCP connection(s) to the directory still open besides the server's registration: a look-up over UDP needs no connection at all"
  stop_server --as svc
  stop_server --as dir
  dir=$(server_log dir) svc=$(server_log svc)
  grep -q "looked up $name: " <<<"$dir" || hint "the directory's log shows no LOOKUP of $name"
  grep -q "^udp .* looked up $name: " <<<"$dir" ||
    hint "the directory's log shows the LOOKUP over TCP ($(grep 'looked up' <<<"$dir")). Send it with a UDP socket (SOCK_DGRAM): connect() it to the directory, send() the line, and read the one-datagram answer with wait_read_line(fd, \"udp\", ...)"
  [ "$(grep -c 'looked up' <<<"$dir")" -eq 1 ] ||
    hint "the directory's log shows $(grep -c 'looked up' <<<"$dir") look-ups, not one: ask once, over UDP"
  # Its only TCP connection: the server's registration.
  reg=$(sed -n "s/^registered $name .* for as long as \([^ ]*\) stays connected.*/\\1/p" <<<"$dir")
  addr=$(sed -n 's/^tcp \([^ ]*\): closed.*/\1/p' <<<"$dir" | grep -vxF "$reg" | head -n 1)
  [ -z "$addr" ] ||
    hint "the directory's log shows a TCP connection from $addr besides the server's registration: a look-up over UDP needs no connection at all"
  [ "$(grep -c 'found us' <<<"$svc")" -eq 1 ] ||
    hint "the server's log shows no client, yet the client printed a reply: connect to the port the directory named, and show the line the server sends"
  [[ $output == *"reply: rendezvous-server $name ("* ]] ||
    hint "the client did not show the server's reply after the look-up"
}

@test "-l still lists over TCP (a LIST answer can be long: the directory answers it over TCP only)" {
  start_server --as dir --via ex_in rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as svc --via ex_in rendezvous-server -D "$dir_port" "$name"
  run --separate-stderr ex_user "$BIN/rendezvous-client" -p "$dir_port" -l 127.0.0.1
  [ "$status" -eq 0 ] || hint "-l broke: ${stderr%%$'\n'*}"
}
