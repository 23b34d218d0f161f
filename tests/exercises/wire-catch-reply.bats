#!/usr/bin/env bats
# exercise: make wire-client claim its own step-2 UDP port in step 3's header, and catch the server's reply to the forged datagram there
# lesson: docs/wire.md
# edit: demos/wire/client.c
# programs: wire-server wire-client
load ../helpers
load lib

# Raw sockets need CAP_NET_RAW: the check's own namespace gives it over that
# namespace's network (unshare -rmn: no root needed) - or takes it away.
setup() {
  ex_namespace
  ex_need_trace
}

@test "the forged datagram claims the client's own UDP port, and the server's reply to it comes back" {
  local port others sock trace=$BATS_TEST_TMPDIR/calls
  start_server --via ex_in wire-server -p 0 -b 127.0.0.1
  run --separate-stderr ex_user --cap net_raw --trace "$trace" "$BIN/wire-client" -p "$server_port" 127.0.0.1
  [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
  port=$(sed -n 's/^udp: our end is 127\.0\.0\.1:\([0-9]*\):.*/\1/p' <<<"$output")
  stop_server
  others=$(grep '^udp datagram of ' "$PROC_DIR/server/log" | grep -v "from 127\.0\.0\.1:$port:" | grep -o 'from [0-9.]*:[0-9]*' | head -n 1)
  [ -z "$others" ] ||
    hint "the server's log shows a datagram $others: step 3's header should claim step 2's port, $port"
  [ "$(grep -c "^udp datagram of [0-9]* bytes from 127\.0\.0\.1:$port: replied to port $port" "$PROC_DIR/server/log")" -eq 2 ] ||
    hint "the server's log shows no second datagram from port $port: write step 2's port ($port) into step 3's header instead of -s"
  [ "$(grep -c '^udp reply: ' <<<"$output")" -ge 2 ] ||
    hint "the server answered port $port, but the client did not show that second reply: keep step 2's socket open, and after sending step 3, read from it again (wait_read_line) and narrate the line"
  # The kernel's word (ex_user --trace): step 2's socket - the ordinary one
  # that sent to the server - really received a second datagram.
  sock=$(calls "$trace" send udp "127\.0\.0\.1:$server_port" | head -n 1 | sed 's/ .*//')
  [ -n "$sock" ] && [ "$(calls "$trace" recv udp "127\.0\.0\.1:$server_port" | grep -c "^$sock -> [1-9]")" -ge 2 ] ||
    hint "the client showed a second reply, yet the kernel handed step 2's socket no second datagram: read the reply from that socket (wait_read_line), and show the line you read"
}

# The server stops after two exchanges (-n 2: step 1's connection and step 2's
# datagram): nothing answers step 3, so no second reply can be shown.
@test "when nothing answers the forged datagram, the client shows no reply to it" {
  start_server --via ex_in wire-server -p 0 -b 127.0.0.1 -n 2
  run --separate-stderr ex_user --cap net_raw "$BIN/wire-client" -t 500 -p "$server_port" 127.0.0.1
  server_expect '^stopping after 2 exchanges' || hint "the server did not serve steps 1 and 2"
  [ "$(grep -c '^udp reply: ' <<<"$output")" -le 1 ] ||
    hint "the server stopped after step 2 (this check ran it with -n 2), so nothing answered step 3, yet the client showed a second reply: narrate only a line that wait_read_line() really read from step 2's socket"
}

@test "without CAP_NET_RAW the kernel refuses the raw socket, and step 3 fails" {
  start_server --via ex_in wire-server -p 0 -b 127.0.0.1
  run --separate-stderr ex_user "$BIN/wire-client" -t 500 -p "$server_port" 127.0.0.1
  [ "$status" -ne 0 ] && [[ $stderr == *EPERM* ]] ||
    hint "with no CAP_NET_RAW (this check took it away) the kernel gives no raw socket (EPERM), yet the client got through step 3: send step 3 through the raw socket, with the header you wrote"
}
