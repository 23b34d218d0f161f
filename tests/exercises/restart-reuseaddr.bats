#!/usr/bin/env bats
# exercise: make restart-server set SO_REUSEADDR always, as real servers do, so that it restarts at once
# lesson: docs/restart.md
# edit: demos/restart/server.c
# programs: restart-server restart-client
load ../helpers
load lib

# In a namespace of the check's own: the kernel's TCP table there holds our
# connections only.
setup() {
  ex_namespace
}

@test "a restart at once, with no option, binds the same port, over the first run's TIME_WAIT" {
  local first
  # One client served, the server hangs up first and exits: its port is in TIME_WAIT.
  start_server --via ex_user restart-server -p 0 -b 127.0.0.1 -n 1
  run --separate-stderr ex_in "$BIN/restart-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
  server_expect '^stopping after 1 connection' || hint "the server did not stop after its one connection (-n 1)"
  first=$server_port
  tcp_states "$first" | grep -qx 06 ||
    hint "the kernel's table (ss -tan state time-wait) shows no TIME_WAIT on the server's port $first after the first run: the server should still hang up first, as before - the restart is about that TIME_WAIT"
  start_server --as again --via ex_user restart-server -p "$first" -b 127.0.0.1 ||
    hint "the restart on port $first fails ($(grep -o 'E[A-Z]*' "$PROC_DIR/again/err" | head -n 1)): without --reuseaddr, set SO_REUSEADDR anyway (both runs are the new program, so both sockets set it)"
  [ "$again_port" = "$first" ] ||
    hint "the restart listens on port $again_port, not on port $first, the one it was asked for"
  # The kernel's word, not the server's: its own socket listens on that
  # port, and a client gets through to it.
  # shellcheck disable=SC2154 # again_pid: set by start_server
  holds "$again_pid" tcp "$first" 0A ||
    hint "the restart says it is ready on port $first, yet the kernel's table (ss -tlnp) shows no listening socket of the restarted server there: bind() the port asked for, with SO_REUSEADDR set"
  run --separate-stderr ex_in "$BIN/restart-client" -p "$first" 127.0.0.1
  [ "$status" -eq 0 ] ||
    hint "a client could not connect to port $first, where the restart says it is ready: ${stderr%%$'\n'*}"
  stop_server --as again
}

@test "SO_REUSEADDR shares no port with a listener: a second copy is still refused, and the server says what it set" {
  start_server --via ex_user restart-server -p 0 -b 127.0.0.1
  if start_server --as second --via ex_user restart-server -p "$server_port" -b 127.0.0.1; then
    forget_server second
    [ "$second_port" = "$server_port" ] ||
      hint "a second restart-server, asked for port $server_port while the first listened there, listens on port $second_port instead: when bind() fails, report it and stop"
    hint "a second restart-server got port $server_port while the first still listened on it: the kernel allows that with SO_REUSEPORT, not with SO_REUSEADDR alone - set SO_REUSEADDR only"
  fi
  forget_server second
  run server_log
  [[ $output == *"SO_REUSEADDR set on our socket"* ]] ||
    hint "narrate that SO_REUSEADDR is set, as --reuseaddr did"
  [[ $output != *"no SO_REUSEADDR"* ]] ||
    hint "the server also says \"no SO_REUSEADDR on our socket\": set it always, and say only that"
}
