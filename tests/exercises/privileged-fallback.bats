#!/usr/bin/env bats
# exercise: when binding source port 1023 is refused, let privileged-client connect from a port the kernel picks instead, and say so
# lesson: docs/privileged.md
# edit: demos/privileged/client.c
# programs: ephemeral-server privileged-client
load ../helpers
load lib

# The client runs with no capability (as an ordinary user would), in a
# namespace of the check's own where the kernel's ephemeral range is a
# narrow one, new each run: a port the kernel picks lies in it. The server
# there is ephemeral-server, which logs each connection's source port (as
# uid 0 of that namespace, privileged-server would insist on becoming nobody,
# a user the namespace does not have).
setup() {
  lo=$((30000 + RANDOM % 20000)) hi=$((lo + 49))
  ex_need_trace
}

# connections: the source ports of the connections the server saw, one a line.
connections() {
  sed -n 's/^tcp 127\.0\.0\.1:\([0-9]*\) -> .*/\1/p' "$PROC_DIR/server/log"
}

# The kernel's word beside the story (ex_user --trace: each bind() and
# connect() and what it returned): the refusal was asked for, and the
# fallback's port was the kernel's pick - its socket was never bound to a
# port of the program's choosing, inside the range or not.
@test "with no privilege for port 1023, the client connects from a port the kernel picks instead, and says so" {
  local ports trace=$BATS_TEST_TMPDIR/calls sock bound
  ex_namespace --range "$lo-$hi" --unprivileged-start 1024
  start_server --via ex_in ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr ex_user --trace "$trace" "$BIN/privileged-client" -p "$server_port" 127.0.0.1
  [[ $output == *"as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES"* ]] ||
    hint "the refusal of port 1023 is no longer narrated; keep bind_source() as it is, and go on after it returns EACCES"
  calls "$trace" bind tcp '.*:1023' | grep -q ' -> EACCES$' ||
    hint "the story says the kernel refused port 1023, yet the kernel saw no bind() to port 1023 that it refused: keep bind_source() as it is (it asks), and go on after it returns EACCES"
  sock=$(calls "$trace" connect tcp "127\.0\.0\.1:$server_port" | tail -n 1 | sed 's/ .*//')
  bound=$(calls "$trace" bind tcp '[^ ]*:[1-9][0-9]*' | grep "^$sock -> 0$" | head -n 1)
  [ -n "$sock" ] && [ -z "$bound" ] ||
    hint "step 2's socket was bound to a port of the program's own choosing (bind() with a port number), not one the kernel picks: make the new socket and connect() it without bind()"
  [ "$status" -eq 0 ] ||
    hint "the client still gives up (exit $status) when bind() says EACCES. Instead: close that socket, make a new one, and talk() without bind() - the kernel picks the port"
  stop_server
  mapfile -t ports < <(connections)
  [ "${#ports[@]}" -eq 2 ] ||
    hint "the server's log shows ${#ports[@]} connection(s), not 2 (step 1, and step 2 from a port the kernel picks)"
  [ "${ports[1]}" -ge "$lo" ] && [ "${ports[1]}" -le "$hi" ] ||
    hint "the server's log shows step 2 from port ${ports[1]}, which the kernel did not pick: its range is $lo-$hi here (set by this check). Connect without bind(), or bind() port 0"
  grep -qi 'kernel' <<<"$(sed -n '/step 2/,$p' <<<"$output")" ||
    hint "after step 2's refusal, narrate() that a port the kernel picks is used instead"
}

@test "where the kernel lets anyone bind port 1023 (ip_unprivileged_port_start 0), step 2 still binds it" {
  local ports
  ex_namespace --range "$lo-$hi" --unprivileged-start 0
  start_server --via ex_in ephemeral-server -p 0 -b 127.0.0.1
  run --separate-stderr ex_user "$BIN/privileged-client" -p "$server_port" 127.0.0.1
  [[ $output$stderr != *EACCES* ]] ||
    hint "the client said EACCES, yet here the kernel lets anyone bind port 1023 (this check set ip_unprivileged_port_start to 0): say the error bind() returned, and only then"
  [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
  stop_server
  mapfile -t ports < <(connections)
  [ "${ports[1]:-}" = 1023 ] ||
    hint "the server's log shows no connection from port 1023, yet here the kernel lets anyone bind it: step 2 should still bind() port 1023 first"
}
