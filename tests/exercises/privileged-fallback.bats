#!/usr/bin/env bats
# exercise: when binding source port 1023 is refused, let privileged-client connect from a port the kernel picks instead, and say so
# lesson: docs/privileged.md
# edit: demos/privileged/client.c
load ../helpers

# The client runs as an ordinary user: as yourself, or as nobody when the
# checker runs as root (root may bind 1023, and the exercise is about who may not).
as_user() {
  if [ "$EUID" -eq 0 ]; then
    command -v setpriv >/dev/null || skip "run this as an ordinary user (or install setpriv)"
    run --separate-stderr "${NOBODY[@]}" "$@"
  else
    run --separate-stderr "$@"
  fi
}

@test "as an ordinary user the client now gets through: exit 0, after the refusal" {
  start_server privileged-server -p 0 -b 127.0.0.1
  as_user "$BIN/privileged-client" -p "$server_port" 127.0.0.1
  [[ $stderr == *"bind(tcp 0.0.0.0:1023): EACCES"* ]] ||
    fail "what still falls short: the refusal of port 1023 is no longer reported; keep the report_sys() call, and go on after it"
  [ "$status" -eq 0 ] ||
    fail "what still falls short: the client still gives up (exit $status) when bind() says EACCES. Instead: close that socket, make a new one, and talk() without bind() - the kernel picks the port"
}

@test "the server sees two connections, both from ports the kernel picked (1024 and up)" {
  start_server privileged-server -p 0 -b 127.0.0.1
  as_user "$BIN/privileged-client" -p "$server_port" 127.0.0.1
  local n port
  stop_server
  n=$(grep -c '^tcp from 127\.0\.0\.1:[0-9]* to port ' "$PROC_DIR/server/log" || true)
  [ "$n" -eq 2 ] ||
    fail "what still falls short: the server saw $n connection(s), not 2 (step 1, and step 2 from a kernel-chosen port)"
  port=$(sed -n 's/^tcp from 127\.0\.0\.1:\([0-9]*\) to port .*/\1/p' "$PROC_DIR/server/log" | tail -n 1)
  [ "$port" -ge 1024 ] || fail "what still falls short: step 2 came from port $port"
}

@test "the client says what it did instead" {
  start_server privileged-server -p 0 -b 127.0.0.1
  as_user "$BIN/privileged-client" -p "$server_port" 127.0.0.1
  local n
  n=$(grep -c '^connected: ' <<<"$output" || true)
  [ "$n" -eq 2 ] || fail "what still falls short: the client should connect twice (it printed $n 'connected:' lines)"
  [ "${#lines[@]}" -ge 2 ] && grep -qi 'kernel' <<<"$(sed -n '/step 2/,$p' <<<"$output")" ||
    fail "what still falls short: after step 2's refusal, narrate() that a port the kernel picks is used instead"
}
