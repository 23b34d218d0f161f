#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# Hardening: every server survives hostile clients and keeps serving others;
# every client fails clearly. Table-driven: a new demo is covered by one line.
load helpers

# The table of demos: tests/demos.list (demo | server args | client args).
POKE=$BATS_TEST_DIRNAME/../build/tools/poke

setup() {
  [ -x "$POKE" ] || fail "no $POKE: run make test (it builds the test tools)"
}

# each_server CHECK: for every demo, start its server, run CHECK (a function
# that may use $server_port and $demo), then show a well-behaved client is
# still served and the server is still running.
each_server() {
  local check=$1 server_args client_args program needs
  while IFS='|' read -r demo server_args client_args program needs; do
    [[ -n $demo && $demo != '#'* ]] || continue
    [[ $needs != raw || $EUID -eq 0 ]] || continue # CAP_NET_RAW: tested as root
    as=${demo//-/_} # a name for shell variables
    # shellcheck disable=SC2086 # the table holds words
    start_server --as "$as" "${program:-$demo-server}" $server_args
    server_port=${as}_port server_port=${!server_port}
    server_pid=${as}_pid server_pid=${!server_pid}
    server_protos=${proc_line##*\(} # from its ready line: "tcp+udp)" or "tcp)"
    "$check"
    # shellcheck disable=SC2086
    run --separate-stderr "$BIN/$demo-client" -t 2000 -p "$server_port" $client_args
    [ "$status" -eq 0 ] || fail "$demo-server did not serve a good client after $check: $stderr"
    kill -0 "$server_pid" || fail "$demo-server died after $check"
  done <"$BATS_TEST_DIRNAME/demos.list"
}

# start_poke MODE: one of poke's misbehaving servers (mute, silent, partial,
# evil) on a port of the kernel's choice; sets $port.
start_poke() {
  proc_start "$1" "$POKE" "$1" 127.0.0.1
  proc_expect "$1" '^ready on ' || fail "poke $1 did not start"
  port=${proc_line##*:} port=${port%% *}
}

@test "every demo is in tests/demos.list" {
  local d
  for d in "$BATS_TEST_DIRNAME"/../demos/*/; do
    grep -q "^$(basename "$d")|" "$BATS_TEST_DIRNAME/demos.list" || fail "$(basename "$d") is not in tests/demos.list"
  done
}

# One server per demo takes every attack in turn (a server start costs more
# than an attack here), then must still serve a good client.
@test "every server survives hostile input: random bytes, a 1 MB line (cut off, narrated), 20,000 lines at once, empty and 65,507-byte datagrams, a reset, a half-close" {
  hostile() {
    run "$POKE" send random:100000 127.0.0.1 "$server_port"
    run "$POKE" send line:1048576 127.0.0.1 "$server_port"
    server_expect --as "$as" "^tcp 127\.0\.0\.1:[0-9]+: (sent more than 65536 bytes that nobody reads: closed it|closed: it sent a line too long to be a request)$" ||
      fail "$demo-server did not say it cut off the 1 MB line"
    run "$POKE" send lines:20000 127.0.0.1 "$server_port"
    assert_line --partial "reply: "
    run "$POKE" send reset 127.0.0.1 "$server_port"
    run "$POKE" send halfclose 127.0.0.1 "$server_port"
    assert_success
    assert_line --partial "reply: "
    [[ $server_protos == *udp* ]] || return 0 # a TCP-only server (restart)
    run "$POKE" udp 1000 127.0.0.1 "$server_port"
    assert_line --partial "reply: "
    run "$POKE" udp 0 127.0.0.1 "$server_port"
    assert_success
    assert_line --partial "reply: "
    run "$POKE" udp 65507 127.0.0.1 "$server_port"
    assert_success
    assert_line --partial "reply: "
  }
  each_server hostile
}

@test "an idle client is timed out, and said so; meanwhile others are served" {
  export PORTLAB_IDLE_MS=150
  hostile() {
    proc_start "idle_$as" "$POKE" hold 1 127.0.0.1 "$server_port"
    proc_expect "idle_$as" '^holding 1 connections$'
    run --separate-stderr "$BIN/same-port-client" -t 2000 -p "$server_port"
    assert_line --partial "tcp reply: "
    server_expect --as "$as" "^tcp 127\.0\.0\.1:[0-9]+: still open 150 ms after its reply: closed it \(an idle client must not hold the server\)$"
  }
  each_server hostile
}

# bats test_tags=exhaustive
@test "every server holds 1,000 concurrent connections and still serves a new client" {
  ulimit -n 4096 2>/dev/null || skip "cannot raise the open-file limit to 4096"
  hostile() {
    proc_start "many_$as" "$POKE" hold 1000 127.0.0.1 "$server_port"
    PROC_WAIT_SECONDS=20 proc_expect "many_$as" '^holding 1000 connections$'
  }
  each_server hostile
}

@test "a server out of file descriptors (EMFILE) keeps running, says so, and recovers" {
  fd_limited() { ulimit -n 24 && exec "$@"; }
  start_server --via fd_limited same-port-server -p 0 -b 127.0.0.1
  proc_start crowd "$POKE" hold 40 127.0.0.1 "$server_port"
  proc_expect crowd '^holding 40 connections$'
  server_expect "^out of file descriptors \(EMFILE, [0-9]+ connections closing\): new clients wait in the queue until some close$"
  proc_stop crowd
  server_expect "^file descriptors free again: accepting connections$"
  run --separate-stderr "$BIN/same-port-client" -t 2000 -p "$server_port"
  assert_success
}

@test "SIGTERM in the middle of a load: a clean exit, its closing line, the port free again" {
  start_server same-port-server -p 0 -b 127.0.0.1
  proc_start load "$POKE" bench 200000 100 127.0.0.1 "$server_port"
  server_expect '^tcp connection from '
  stop_server
  assert_equal "$server_status" 0
  run server_log
  assert_line --regexp "^stopping on SIGTERM after [0-9]+ exchanges?$"
  proc_stop load
  # Nothing left behind: the same port can be bound again at once.
  start_server --as again same-port-server -p "$server_port" -b 127.0.0.1
}

@test "clients: a server that closes without a word, and UDP silence, fail clearly in bounded time" {
  start_poke mute
  local t0=$EPOCHREALTIME
  run --separate-stderr "$BIN/same-port-client" -t 150 -p "$port"
  assert_failure 1
  assert_stderr --partial "same-port-client: recv(tcp): the server closed the connection without a reply"
  assert_stderr --partial "same-port-client: recv(udp 127.0.0.1:$port): ETIMEDOUT (no reply in time)"
  assert_stderr --partial "why: no reply came: UDP has no connection and no acknowledgement"
  run --separate-stderr "$BIN/ephemeral-client" -t 150 -n 1 -u 1 -p "$port"
  assert_failure 1
  assert_stderr --partial "ephemeral-client: recv(tcp): the server closed the connection without a reply"
  (( ${EPOCHREALTIME/./} - ${t0/./} < 5000000 )) || fail "the clients took more than 5 s"
}

@test "clients: a datagram the kernel drops for a bad checksum after poll() woke us (EAGAIN) is waited past, not taken for no reply" {
  need_netns
  # In a namespace of its own: a raw socket (CAP_NET_RAW) forges the bad
  # datagram, and the checksum-error count poke watches is that namespace's.
  namespace_holder ns
  proc_start badsum netns_of "$ns_pid" "$POKE" badsum 127.0.0.1
  proc_expect badsum '^ready on ' || fail "poke badsum did not start: $(server_err badsum)"
  port=${proc_line##*:} port=${port%% *}
  run --separate-stderr netns_of "$ns_pid" "$BIN/same-port-client" -t 3000 -p "$port" 127.0.0.1
  assert_success
  assert_line "udp reply: the good reply, after a bad checksum"
  # The premise: the bad datagram reached the client and was dropped there.
  proc_expect badsum '^badsum: ' || fail "poke badsum said nothing more"
  assert_equal "${proc_line%% (*}" "badsum: bad checksum sent, counted dropped: yes"
}

@test "clients: an unknown host and an unreachable network are explained (inside a private namespace)" {
  need_netns
  local prog
  for prog in same-port-client privileged-client ephemeral-client; do
    run --separate-stderr netns_run "$BIN/$prog" -t 500 no-such-host.invalid
    assert_failure 1
    assert_stderr --regexp "$prog: getaddrinfo\((tcp|udp) no-such-host\.invalid\): EAI_[A-Z]+ "
    # (no name server is reachable from in here: EAI_AGAIN, its own why; options.bats tells the two apart)
    assert_stderr --regexp "$prog: why: (the name could not be turned into an address|the look-up failed with a temporary error)"
    # A namespace with only loopback has no route to anywhere: nothing leaves it.
    run --separate-stderr netns_run "$BIN/$prog" -t 500 10.77.0.1
    assert_failure 1
    assert_stderr --partial "$prog: connect(tcp 10.77.0.1:"
    assert_stderr --partial "): ENETUNREACH (Network is unreachable)"
    assert_stderr --partial "why: this machine has no route to that network"
  done
}

@test "no client prints a hostile server's control bytes raw: every one is shown escaped" {
  start_poke evil
  local demo server_args client_args program needs
  while IFS='|' read -r demo server_args client_args program needs; do
    [[ -n $demo && $demo != '#'* ]] || continue
    # shellcheck disable=SC2086 # the table holds words
    run "$BIN/$demo-client" -t 300 -p "$port" $client_args
    [[ $output != *[$'\e\a\r']* ]] || fail "$demo-client printed raw control bytes: ${output@Q}"
    assert_output --partial '\x1B[2J\x1B]0;pwned\x07\x1B[31mevil'
  done <"$BATS_TEST_DIRNAME/demos.list"
  run "$BIN/rendezvous-server" -D "$port" -p 0 -b 127.0.0.1 probe
  assert_failure 1
  [[ $output != *[$'\e\a\r']* ]] || fail "rendezvous-server printed raw control bytes: ${output@Q}"
  assert_output --partial 'the directory said: \x1B[2J'
}

@test "a server that accepts and then says nothing, or half a line, is told apart from one that never answers" {
  start_poke silent
  run --separate-stderr "$BIN/same-port-client" -t 300 -p "$port"
  assert_failure 1
  assert_stderr --partial "same-port-client: recv(tcp 127.0.0.1:$port): connected, then nothing within 300 ms: the connection was accepted (the handshake completed), but no line came"
  assert_stderr --partial "same-port-client: why: the timeout is this client's (-t 300), not the kernel's"
  [[ $stderr != *"host may be down"* ]] || fail "a completed handshake was blamed on the host: $stderr"
  start_poke partial
  run --separate-stderr "$BIN/same-port-client" -t 300 -p "$port"
  assert_failure 1
  assert_stderr --partial "same-port-client: recv(tcp 127.0.0.1:$port): connected, then 3 bytes without an end of line within 300 ms: \"hel\""
}

@test "a server whose stdout nobody reads keeps serving, says so once, and stops on SIGTERM" {
  local fifo=$BATS_TEST_TMPDIR/stuck line
  mkfifo "$fifo"
  exec {stuck}<>"$fifo" # held open, read only up to the ready line: then a full pipe
  to_fifo() { exec "$@" >"$fifo"; }
  SERVERS+=(server)
  proc_start server to_fifo "$BIN/same-port-server" -p 0 -b 127.0.0.1
  until [[ ${line:-} == 'ready on '* ]]; do
    IFS= read -r -t "$PROC_WAIT_SECONDS" -u "$stuck" line || fail "the server did not get ready"
  done
  line=${line#ready on } line=${line%% *}
  server_port=${line##*:}
  # Enough connections to fill the pipe many times over (a line each).
  run "$POKE" bench 1500 20 127.0.0.1 "$server_port"
  assert_success
  run --separate-stderr "$BIN/same-port-client" -t 2000 -p "$server_port"
  assert_success
  stop_server # SIGTERM; bounded; teardown checks it exited 0
  assert_equal "$server_status" 0
  exec {stuck}<&-
  run cat "$PROC_DIR/server/err"
  assert_output "same-port-server: stdout is not being read: dropping narration lines until it is (this program keeps working)"
}

@test "a server whose terminal nobody reads (a stalled SSH session: stdout and stderr a pty) keeps serving, and stops on one SIGTERM" {
  command -v script >/dev/null || skip "script is not installed (Debian: bsdutils)"
  local fifo=$BATS_TEST_TMPDIR/pty line="" sp pid
  mkfifo "$fifo"
  exec {tty}<>"$fifo" # script copies the pty here; read only up to the ready line
  script -q -c "$BIN/same-port-server -p 0 -b 127.0.0.1" /dev/null </dev/null >"$fifo" 2>&1 3>&- &
  sp=$!
  until [[ $line == *'ready on '* ]]; do
    IFS= read -r -t "$PROC_WAIT_SECONDS" -u "$tty" line || fail "the server did not get ready"
  done
  line=${line#*ready on } line=${line%% *}
  server_port=${line##*:}
  pid=$(pgrep -P "$sp") || fail "no server under script"
  # Lines enough to fill the pipe and the pty many times over (one a connection).
  run "$POKE" bench 3000 20 127.0.0.1 "$server_port"
  assert_success
  run --separate-stderr timeout 10 "$BIN/same-port-client" -t 2000 -p "$server_port"
  assert_success
  assert_line --partial "both answered on port $server_port"
  kill -TERM "$pid"
  # Read the pty's copy again: script then reaps the server and ends with it.
  cat <&"$tty" >/dev/null 3>&- &
  local drain=$!
  timeout "$PROC_WAIT_SECONDS" tail --pid="$sp" -f /dev/null || fail "one SIGTERM did not stop it"
  kill "$drain" 2>/dev/null || true
  exec {tty}<&-
}

@test "a client started with stdout closed sends the server nothing but its own datagram" {
  start_server same-port-server -p 0 -b 127.0.0.1
  "$BIN/same-port-client" -p "$server_port" >&- 2>/dev/null
  server_expect '^udp datagram of 15 bytes from '
  run --separate-stderr "$BIN/same-port-client" -p "$server_port"
  assert_success
  stop_server
  run grep -c '^udp datagram' "$PROC_DIR/server/log"
  assert_output 2
}

# blocked_output_server: same-port-server in a private network namespace
# whose firewall refuses every reply to 127.0.0.2-5 (sendmsg fails, EPERM:
# an error report each), its stdout and stderr one pipe ($fifo, held open
# as $stuck) that nobody reads past the ready line and that is then filled
# to the brim. Sets $port and $in_ns (run a command in the namespace:
# ( $in_ns "$ns_pid" CMD... )).
blocked_output_server() {
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  command -v socat >/dev/null || skip "socat is not installed (apt-get install socat)"
  if can_netns; then
    namespace_holder ns
    in_ns=netns_of
  elif unshare -rn true 2>/dev/null; then
    namespace_holder ns -r
    in_ns=userns_of
  else
    skip "needs a private network namespace (root, or unshare -rn)"
  fi
  # shellcheck disable=SC2154 # ns_pid: set by namespace_holder
  ( $in_ns "$ns_pid" nft -f - ) <<<"table inet portlab {"$'\n'"chain out {"$'\n'"type filter hook output priority 0;"$'\n'"ip daddr 127.0.0.2-127.0.0.5 drop"$'\n'"}"$'\n'"}" ||
    fail "could not install the firewall rule"
  fifo=$BATS_TEST_TMPDIR/stuck
  mkfifo "$fifo"
  exec {stuck}<>"$fifo"
  to_fifo() { exec >"$fifo" 2>&1; "$@"; }
  SERVERS+=(server)
  proc_start server to_fifo "$in_ns" "$ns_pid" "$BIN/same-port-server" -p 0 -b 127.0.0.1
  local line=
  until [[ $line == 'ready on '* ]]; do
    IFS= read -r -t "$PROC_WAIT_SECONDS" -u "$stuck" line || fail "the server did not get ready"
  done
  line=${line#ready on } line=${line%% *}
  port=${line##*:}
  fill_pipe
}

# fill_pipe: write into $fifo until it holds no more (no byte of it read).
fill_pipe() {
  dd if=/dev/zero of="$fifo" bs=4096 count=64 oflag=nonblock 2>/dev/null || true
}

# refused_datagrams: 50 datagrams from each of 127.0.0.2-5, whose replies
# the firewall refuses: 200 failures of sendmsg() (fewer if the server
# answers a source only so often), each a report on stderr.
refused_datagrams() {
  local a
  for a in 2 3 4 5; do
    head -c 800 /dev/zero | ( $in_ns "$ns_pid" socat -b 16 -u - "UDP-SENDTO:127.0.0.1:$port,bind=127.0.0.$a" ) ||
      fail "socat could not send from 127.0.0.$a"
  done
}

# drain_pipe FILE: what the pipe holds, into FILE, NUL bytes (the filling) left out.
drain_pipe() {
  dd if="$fifo" iflag=nonblock bs=65536 count=16 2>/dev/null | tr -d '\0' >"$1" || true
}

@test "a server whose stdout and stderr are a full pipe nobody reads, made to report many errors, serves a client at once and stops on one SIGTERM" {
  blocked_output_server
  refused_datagrams
  # Its datagram queues behind the 200: the server got past their reports.
  run --separate-stderr "$in_ns" "$ns_pid" "$BIN/same-port-client" -t 2000 -p "$port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client was not served: $stderr"
  fill_pipe
  stop_server # one SIGTERM: bounded, then SIGKILL (status 137)
  assert_equal "$server_status" 0
  exec {stuck}<&-
}

# bats test_tags=exhaustive
@test "what a blocked stdout or stderr cost is said once they are read again; a report repeated is said at most 3 times a second, the rest counted" {
  blocked_output_server
  refused_datagrams
  run --separate-stderr "$in_ns" "$ns_pid" "$BIN/same-port-client" -t 2000 -p "$port" 127.0.0.1
  [ "$status" -eq 0 ] || fail "the client was not served: $stderr"
  drain_pipe "$BATS_TEST_TMPDIR/full" # all dropped: nothing but the filling
  run cat "$BATS_TEST_TMPDIR/full"
  assert_output ''
  # Room again: the next lines say how many went missing, then the reports.
  refused_datagrams
  run --separate-stderr "$in_ns" "$ns_pid" "$BIN/same-port-client" -t 2000 -p "$port" 127.0.0.1
  assert_success
  stop_server
  assert_equal "$server_status" 0
  drain_pipe "$BATS_TEST_TMPDIR/read"
  exec {stuck}<&-
  run cat "$BATS_TEST_TMPDIR/read"
  assert_line --regexp '^[0-9]+ lines of narration dropped here: nobody read them, and this program does not wait$'
  assert_line --regexp '^same-port-server: [0-9]+ error lines dropped here: nobody read them, and this program does not wait$'
  assert_line --regexp '^same-port-server: [0-9]+ more reports? of sendmsg\(udp\): EPERM held back \(at most 3 of a kind a second\)$'
  # 400 refused replies in a second or two: 3 reports a second at most
  # (those of the first second were dropped with the rest; these may be none).
  run grep -c '^same-port-server: sendmsg(udp 127\.0\.0\.[2-5]:[0-9]*): EPERM' "$BATS_TEST_TMPDIR/read"
  [ "$output" -le 6 ] || fail "$output sendmsg reports: expected 3 a second at most"
}

# Forged sources (common/replyguard.c). poke forge writes the UDP header
# itself (a raw socket: CAP_NET_RAW, so in a namespace of the test's own).
# answered_from NAME PORT: how many datagrams from 127.0.0.1:PORT server NAME
# narrated as served (every reply narration names the source; "not
# answering" lines, and wire-server's packet lines, do not count).
answered_from() {
  local n
  n=$(server_log "$1" | grep "127\.0\.0\.1:$2:" | grep -vc -e '^not answering ' -e '^wire: ') || true
  echo "${n:-0}"
}

# bats test_tags=exhaustive
@test "a datagram forged from a UDP server's own address and port is never answered: no loop, said once, and a real client is served at once" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  local prog as port
  for prog in same-port-server rendezvous-directory ephemeral-server wire-server; do
    as=${prog//-/_}
    # -n 50: a server caught in the loop stops after 50 exchanges (so this
    # test fails, rather than hangs, without the guard).
    start_server --as "$as" --via "netns_of $ns_pid" "$prog" -p 0 -b 127.0.0.1 -n 50
    port=${as}_port port=${!port}
    run netns_of "$ns_pid" "$POKE" forge "$port" 1 127.0.0.1 "$port"
    assert_success
    server_expect --as "$as" "^not answering 127\.0\.0\.1:$port: 1 datagram in 1 s: its source is a port we hold, at an address of this host: an answer could loop back to us$" ||
      fail "$prog did not refuse a datagram from its own address and port"
    run netns_of "$ns_pid" "$POKE" udp 5 127.0.0.1 "$port"
    assert_success
    stop_server --as "$as"
    assert_equal "$(answered_from "$as" "$port")" 0
  done
}

# bats test_tags=exhaustive
@test "a datagram forged from one server's port to another's ends after a few exchanges (10 answers to one port), and both serve a real client at once" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --as a --via "netns_of $ns_pid" same-port-server -p 0 -b 127.0.0.1 -n 50 # -n: as above
  start_server --as b --via "netns_of $ns_pid" services-server -p 0 -b 127.0.0.1 -n 50
  run netns_of "$ns_pid" "$POKE" forge "$a_port" 1 127.0.0.1 "$b_port"
  assert_success
  # b got the forged one and a's ten answers: the eleventh is the one it refuses.
  server_expect --as b "^not answering 127\.0\.0\.1:$a_port: 1 datagram in 1 s: that port had 10 answers with no pause of 60 s" ||
    fail "the two servers did not stop answering each other"
  # Real clients come from other ports: the loop's ports alone are refused.
  server_expect --as a "^not answering 127\.0\.0\.1:$b_port: " || true
  run netns_of "$ns_pid" "$POKE" udp 5 127.0.0.1 "$a_port"
  assert_success
  run netns_of "$ns_pid" "$POKE" udp 5 127.0.0.1 "$b_port"
  assert_success
  stop_server --as a
  stop_server --as b
  assert_equal "$(answered_from a "$b_port")" 10
  assert_equal "$(answered_from b "$a_port")" 10
}

# bats test_tags=exhaustive
@test "a flood from one source port is answered 10 times, the rest counted in one line; the wire lesson's one forged datagram from port 23 still gets its reply" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  run netns_of "$ns_pid" "$POKE" forge 23 1 127.0.0.1 "$server_port"
  assert_success
  server_expect "^udp datagram of 7 bytes from 127\.0\.0\.1:23: replied to port 23, the source port in its header$"
  run netns_of "$ns_pid" "$POKE" forge 40000 50 127.0.0.1 "$server_port"
  assert_success
  server_expect "^not answering 127\.0\.0\.1:40000: [0-9]+ datagrams in 1 s: that port had 10 answers with no pause of 60 s" ||
    fail "the flood was answered datagram by datagram"
  stop_server
  assert_equal "$(answered_from server 40000)" 10
  assert_equal "$(server_log | grep -c '^not answering ')" 1
}

# answered_to NAME ADDRESS: how many datagrams from ADDRESS (any port) server
# NAME narrated as served.
answered_to() {
  local n
  n=$(server_log "$1" | grep "${2//./\\.}:[0-9]*:" | grep -vc -e '^not answering ' -e '^wire: ') || true
  echo "${n:-0}"
}

@test "twelve clients behind one address (a classroom's NAT), two datagrams each, one after another: every one is answered" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --via "netns_of $ns_pid" services-server -p 0 -b 127.0.0.1
  # The guard counts 8 ports an address at once: the ninth client must get
  # a slot of its own (the one quiet longest), not be refused for a minute.
  local p
  for p in $(seq 20000 20011); do
    run netns_of "$ns_pid" "$POKE" forge "127.0.0.5:$p" 2 127.0.0.1 "$server_port"
    assert_success
  done
  server_expect "127\.0\.0\.5:20011:" ||
    fail "the twelfth client was not answered"
  stop_server
  assert_equal "$(answered_to server 127.0.0.5)" 24
  [ "$(server_log | grep -c '^not answering ')" -eq 0 ] || fail "a client was refused: $(server_log | grep '^not answering ')"
}

@test "a flood forged from one address, each datagram from another port, gets 32 answers a second, not one each" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --via "netns_of $ns_pid" services-server -p 0 -b 127.0.0.1
  # 300 datagrams "from" 127.0.0.5, ports 1000-1299: every answer would go
  # to that one address (a reflection at someone else's host).
  run netns_of "$ns_pid" "$POKE" forge 127.0.0.5:1000-1299 1 127.0.0.1 "$server_port"
  assert_success
  server_expect "^not answering 127\.0\.0\.5 \(from several ports\): [0-9]+ datagrams in 1 s: over our budget of 32 answers a second to one address " ||
    fail "the flood was not held to the budget of its address"
  stop_server
  # 32 a second: all 300 go out in one round, so 32 (64 if a second turns
  # over while the server reads them).
  local n
  n=$(answered_to server 127.0.0.5)
  [ "$n" -ge 32 ] && [ "$n" -le 64 ] || fail "$n answers to 127.0.0.5"
}

# bats test_tags=exhaustive
@test "an address's budget survives a crowd: 200 other addresses between its datagrams do not make it forget (20 rounds, 10 answers)" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --via "netns_of $ns_pid" services-server -p 0 -b 127.0.0.1
  # Each round: one datagram from 127.0.0.5:7, then one from each of
  # 127.1.0.1-200 (more than the 128 addresses the guard remembers).
  run netns_of "$ns_pid" "$POKE" forge 127.0.0.5:7,127.1.0.1+200:7 20 127.0.0.1 "$server_port"
  assert_success
  server_expect "^not answering 127\.0\.0\.5:7: [0-9]+ datagrams? in 1 s: that port had 10 answers with no pause of 60 s" ||
    fail "127.0.0.5:7 was answered every round"
  server_expect "^not answering [0-9]+ datagrams in 1 s: from more addresses than we remember at once \(128\)$" ||
    fail "the addresses the guard had no room for were not said"
  stop_server
  local n
  n=$(answered_to server 127.0.0.5)
  [ "$n" -le 10 ] || fail "$n answers to 127.0.0.5:7 in 20 rounds: its count was forgotten"
}

@test "a server never answers any port it holds: firewall-server on two ports, a datagram forged from the one to the other" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --via "netns_of $ns_pid" firewall-server -p 0 -p 0 -b 127.0.0.1 -n 20
  local ports second
  ports=${proc_line##*ports } ports=${ports%)}
  second=${ports#* }
  [ "$second" != "$server_port" ] || fail "no second port in: $proc_line"
  run netns_of "$ns_pid" "$POKE" forge "$second" 1 127.0.0.1 "$server_port"
  assert_success
  server_expect "^not answering 127\.0\.0\.1:$second: 1 datagram in 1 s: its source is a port we hold, at an address of this host: an answer could loop back to us$" ||
    fail "firewall-server answered its own other port"
  run netns_of "$ns_pid" "$POKE" udp 5 127.0.0.1 "$second"
  assert_success
  stop_server
  assert_equal "$(answered_from server "$second")" 0
}

# bats test_tags=exhaustive
@test "two nat-servers answering late (-l 1000) stop answering each other after a forged datagram: the late answer passes the guard too" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --as a --via "netns_of $ns_pid" nat-server -p 0 -b 127.0.0.1 -l 1000 -n 60
  start_server --as b --via "netns_of $ns_pid" nat-server -p 0 -b 127.0.0.1 -l 1000 -n 60
  run netns_of "$ns_pid" "$POKE" forge "$a_port" 1 127.0.0.1 "$b_port"
  assert_success
  # Each late answer comes in the next second, with a new budget: only the
  # count per port (10 before a pause) ends it.
  server_expect --as b "^not answering 127\.0\.0\.1:$a_port: [0-9]+ datagrams? in 1 s: that port had 10 answers with no pause of 60 s" ||
    fail "the late answers kept the loop going"
  stop_server --as a
  stop_server --as b
  local n
  n=$(server_log a | grep -c "^udp: answered 127\.0\.0\.1:$b_port again") || true
  [ "$n" -le 10 ] || fail "a answered b late $n times"
  n=$(server_log b | grep -c "^udp: from 127\.0\.0\.1 port $a_port ") || true
  [ "$n" -le 10 ] || fail "b answered a $n times"
}

# bats test_tags=exhaustive
@test "a loop through a slow path (a relay holding each datagram 120 ms) ends after 10 exchanges each way, though it never beats the budget of a second" {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  start_server --as a --via "netns_of $ns_pid" same-port-server -p 0 -b 127.0.0.1 -n 60
  start_server --as b --via "netns_of $ns_pid" ephemeral-server -p 0 -b 127.0.0.1 -n 60
  # a <-> X relay Y <-> b: what reaches X goes on to b from Y, 120 ms later,
  # and back; a sees its partner as port X, b as port Y.
  proc_start relay netns_of "$ns_pid" "$POKE" relay 120 127.0.0.1 "$a_port" "$b_port"
  proc_expect relay '^relay ' || fail "the relay did not start"
  local x y
  read -r _ x y <<<"$proc_line"
  run netns_of "$ns_pid" "$POKE" forge "$x" 1 127.0.0.1 "$a_port"
  assert_success
  # 240 ms a round trip: about 4 exchanges a second, under the 10 a second.
  PROC_WAIT_SECONDS=10 server_expect --as a "^not answering 127\.0\.0\.1:$x: 1 datagram in 1 s: that port had 10 answers with no pause of 60 s" ||
    fail "the slow loop went on"
  proc_stop relay
  stop_server --as a
  stop_server --as b
  assert_equal "$(answered_from a "$x")" 10
  [ "$(answered_from b "$y")" -le 10 ] || fail "b answered more than 10 times"
  [ "$(server_log a | grep -c '^not answering .*over our budget')" -eq 0 ] || fail "the budget of a second spoke: the path was not slow"
}

# bats test_tags=exhaustive
@test "a datagram sent to a broadcast address is not answered, by serve.c's servers or the directory, and that is said once" {
  need_netns
  classroom_up || fail "could not build the two hosts"
  local prog as port
  for prog in same-port-server rendezvous-directory; do
    as=${prog//-/_}
    start_server --as "$as" --via "netns_of $teacher_pid" "$prog" -p 0 -b 0.0.0.0
    port=${as}_port port=${!port}
    run netns_of "$student_pid" "$POKE" bcast 10.77.0.255 "$port"
    assert_success
    assert_line "replies: 0"
    run netns_of "$student_pid" "$POKE" bcast 10.77.0.255 "$port"
    assert_line "replies: 0"
    server_expect --as "$as" "^not answering 10\.77\.0\.2:[0-9]+: it was sent to 10\.77\.0\.255:$port, a broadcast or multicast address: every host that heard it could answer \(said once\)$" ||
      fail "$prog did not say why it did not answer a broadcast"
    # Sent to the server's own address, the same question is answered.
    run netns_of "$student_pid" "$POKE" bcast 10.77.0.1 "$port"
    assert_line "replies: 1"
    stop_server --as "$as"
    assert_equal "$(server_log "$as" | grep -c 'a broadcast or multicast address')" 1
    run server_err "$as"
    refute_output --partial "sendmsg"
  done
}

@test "another host's datagram from our port number is answered, even where bind() takes any address (ip_nonlocal_bind)" {
  need_netns
  command -v socat >/dev/null || skip "socat is not installed (apt-get install socat)"
  classroom_up || fail "could not build the two hosts"
  # In the teacher's namespace only: bind() would now take any address, so a
  # test bind() would call the student's address ours.
  (netns_of "$teacher_pid" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_nonlocal_bind') ||
    fail "could not set ip_nonlocal_bind in the namespace"
  start_server --via "netns_of $teacher_pid" same-port-server -p 0 -b 0.0.0.0 --udp-only
  # From the student (10.77.0.2), source port = the server's own port number.
  echo hello | (netns_of "$student_pid" socat -u - "UDP-SENDTO:10.77.0.1:$server_port,bind=10.77.0.2:$server_port") ||
    fail "socat could not send"
  server_expect "^udp datagram of 6 bytes from 10\.77\.0\.2:$server_port: replying$"
  run server_log
  refute_line --partial "not answering"
}
