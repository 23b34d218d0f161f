#!/usr/bin/env bats
# exercise: make wire-client claim its own step-2 UDP port in step 3's header, and catch the server's reply to the forged datagram there
# lesson: docs/wire.md
# edit: demos/wire/client.c
load ../helpers

# Packet and raw sockets need CAP_NET_RAW: a network namespace (as root), or
# a user and network namespace of your own (unshare -rn) as an ordinary user.
setup() {
  if can_netns; then
    namespace_holder ns || fail "could not make a namespace"
    via="netns_of"
  elif unshare -rn true 2>/dev/null; then
    namespace_holder ns -r || fail "could not make a namespace"
    via="userns_of"
  else
    skip "cannot check here: this system lets you make no namespace to hold CAP_NET_RAW; run it as root (sudo make exercise E=wire-catch-reply)"
  fi
}

@test "the forged datagram claims the client's own UDP port, and the server's reply to it comes back" {
  start_server --via "$via $ns_pid" wire-server -p 0 -b 127.0.0.1
  run --separate-stderr "$via" "$ns_pid" "$BIN/wire-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client failed: $stderr"
  local port
  port=$(sed -n 's/^udp: our end is 127\.0\.0\.1:\([0-9]*\):.*/\1/p' <<<"$output")
  stop_server
  [ "$(grep -c "^udp datagram of [0-9]* bytes from 127\.0\.0\.1:$port: replied to port $port" "$PROC_DIR/server/log")" -ge 2 ] ||
    fail "what still falls short: the server got no second datagram from port $port: write step 2's port ($port) into step 3's header instead of -s"
  [ "$(grep -c '^udp reply: \|reply: wire-server: your udp' <<<"$output")" -ge 2 ] ||
    fail "what still falls short: the server answered port $port, but the client did not show that second reply: keep step 2's socket open, and after sending step 3, read from it again (wait_read_line) and narrate the line"
}
