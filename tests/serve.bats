#!/usr/bin/env bats
# The shared server loop (common/serve.h) over several named sockets at once:
# serve_run_set(), as a server on several TCP and UDP ports uses it. The
# demos on serve_run() are proved by their own files and hostile.bats.
load helpers

SERVESET=$BATS_TEST_DIRNAME/../build/tools/serveset

setup() {
  [ -x "$SERVESET" ] || fail "no $SERVESET: run make test (it builds the test tools)"
}

# port_of NAME: the port serveset said socket NAME is on.
port_of() {
  sed -n "s/^$1 on 127\.0\.0\.1:\([0-9]*\)$/\1/p" "$PROC_DIR/set/log"
}

# tcp_line PORT / udp_line PORT: the one line the socket on PORT answers
# (bash's own /dev/tcp and /dev/udp; the datagram read whole, by dd: bash's
# read takes one byte a read(), which would lose the rest of it).
tcp_line() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" && IFS= read -r -t 5 line <&3
  exec 3<&-
  printf '%s\n' "$line"
}
udp_line() {
  exec 3<>"/dev/udp/127.0.0.1/$1" && printf 'hello\n' >&3 &&
    timeout 5 dd bs=1024 count=1 status=none <&3
  exec 3<&-
}

@test "one loop serves two TCP listeners and two UDP sockets, each reply naming the socket that took it" {
  proc_start set "$SERVESET" -n 4
  proc_expect set '^ready on ' || fail "serveset did not start: $(cat "$PROC_DIR/set/err")"
  run tcp_line "$(port_of tcp-b)"
  assert_output "tcp tcp-b took it"
  run udp_line "$(port_of udp-a)"
  assert_output "udp udp-a took it"
  run tcp_line "$(port_of tcp-a)"
  assert_output "tcp tcp-a took it"
  run udp_line "$(port_of udp-b)"
  assert_output "udp udp-b took it"
  # -n counts the exchanges of every socket together.
  proc_expect set '^stopping after 4 exchanges, as asked with -n$' ||
    fail "no closing line after 4 exchanges: $(cat "$PROC_DIR/set/log")"
}
