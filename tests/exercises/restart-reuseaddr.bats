#!/usr/bin/env bats
# exercise: make restart-server set SO_REUSEADDR always, as real servers do, so that it restarts at once
# lesson: docs/restart.md
# edit: demos/restart/server.c
load ../helpers

# One client served, the server hangs up first and exits: its port is in TIME_WAIT.
first_run() {
  start_server restart-server -p 0 -b 127.0.0.1 -n 1
  run --separate-stderr "$BIN/restart-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client failed: $stderr"
  server_expect '^stopping after 1 connection'
}

@test "a restart at once, with no option, binds the same port" {
  first_run
  start_server --as again restart-server -p "$server_port" -b 127.0.0.1 ||
    fail "what still falls short: the restart still fails with EADDRINUSE: without --reuseaddr, set SO_REUSEADDR anyway (both runs are the new program, so both sockets set it)"
  stop_server --as again
}

@test "the server still says which it did" {
  start_server restart-server -p 0 -b 127.0.0.1
  run server_log
  [[ $output == *"SO_REUSEADDR set on our socket"* ]] ||
    fail "what still falls short: narrate that SO_REUSEADDR is set, as --reuseaddr did"
}
