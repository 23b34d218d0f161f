#!/usr/bin/env bats
# The rendezvous demo: a service with no fixed port, found through a
# directory on a fixed one - the way rpcbind serves NFS and NIS.
load helpers

POKE=$BATS_TEST_DIRNAME/../build/tools/poke

# start_directory: a directory on a port of the kernel's choosing.
start_directory() {
  start_server --as dir rendezvous-directory -p 0 -b 127.0.0.1
}

# ask_directory LINE...: send request lines over one TCP connection; the
# replies (after the greeting) are in $output.
ask_directory() {
  local fd line reply=()
  exec {fd}<>"/dev/tcp/127.0.0.1/$dir_port"
  IFS= read -r -t 5 -u "$fd" line # the greeting
  for line in "$@"; do printf '%s\n' "$line" >&"$fd"; done
  { printf 'QUIT\n' 1>&"$fd"; } 2>/dev/null || true # it may have closed already
  while IFS= read -r -t 5 -u "$fd" line; do reply+=("$line"); done
  exec {fd}<&-
  output=$(printf '%s\n' "${reply[@]}")
  lines=("${reply[@]}") # as `run` would set them, for assert_line
}

@test "a server binds port 0, registers it; a client looks it up, connects, and lists it" {
  start_directory
  start_server --as clock rendezvous-server -D "$dir_port" clock
  run server_log clock
  assert_line "bound to 0.0.0.0:$clock_port: a port nobody could have known in advance"
  assert_line "to the directory at 127.0.0.1:$dir_port: REGISTER clock tcp $clock_port"
  assert_line "the directory said: OK registered clock tcp $clock_port - for as long as this connection stays open"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" clock
  assert_success
  assert_line "the directory says clock is at tcp port $clock_port"
  assert_line "reply: rendezvous-server clock (pid $clock_pid): you found port $clock_port through the directory"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l
  assert_success
  assert_line "   tcp   $(printf '%6u' "$clock_port")  clock"
  assert_line "1 registered"
}

@test "two servers at once, under two names, on two ports" {
  start_directory
  start_server --as one rendezvous-server -D "$dir_port" one
  start_server --as two rendezvous-server -D "$dir_port" two
  [ "$one_port" != "$two_port" ]
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" two
  assert_line "the directory says two is at tcp port $two_port"
  assert_line --partial "rendezvous-server two (pid $two_pid)"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l
  assert_line "2 registered"
}

@test "a second server under a taken name: the directory's ERR, then why and what to do; exit 1" {
  start_directory
  start_server --as clock rendezvous-server -D "$dir_port" clock
  run --separate-stderr timeout 10 "$BIN/rendezvous-server" -D "$dir_port" clock
  assert_failure 1
  assert_stderr --partial "rendezvous-server: the directory said: ERR name taken: clock is tcp $clock_port
rendezvous-server: why: the directory already holds clock for another connection, one it still counts as open (a registration lasts at most as long as the connection that made it): most likely another rendezvous-server took the name first; the directory's list (rendezvous-client -l) shows the port it points to, and ss -ltnp 'sport = :PORT' the program there; stop that one, or give this one another name (rendezvous-server NAME)"
}

@test "a server that stops unregisters; one killed with SIGKILL is dropped all the same" {
  start_directory
  start_server --as polite rendezvous-server -D "$dir_port" polite
  start_server --as rude rendezvous-server -D "$dir_port" rude
  stop_server --as polite
  run server_log polite
  assert_line "to the directory: UNREGISTER polite; it said: OK unregistered polite"
  server_expect --as dir "^unregistered polite, as 127\.0\.0\.1:[0-9]+ asked$"
  kill -KILL "$rude_pid"
  server_expect --as dir "^dropped rude: its server's connection closed$"
  forget_server rude
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l
  assert_line "0 registered"
}

@test "an unknown name: the client says so, and what to do; exit 1" {
  start_directory
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" nosuch
  assert_failure 1
  assert_stderr --partial "rendezvous-client: the directory said: ERR no such name: nosuch"
  assert_stderr --partial "why: no server registered 'nosuch'"
}

@test "malformed and oversized requests get ERR, and the directory keeps serving" {
  start_directory
  ask_directory "FOO" "REGISTER bad!name tcp 1" "REGISTER x tcp 0" "REGISTER x sctp 5" \
    "LOOKUP" "LIST extra" $'LIST\x01' "REGISTER x tcp 99999"
  assert_line "ERR unknown command: REGISTER, UNREGISTER, LOOKUP, LIST or QUIT"
  assert_line "ERR bad name: 1-32 letters, digits, '.', '_' or '-'"
  assert_line "ERR bad port: 1-65535"
  assert_line "ERR bad protocol: tcp or udp"
  assert_line "ERR too many words"
  assert_line "ERR only printable ASCII, please"
  ask_directory "$(printf 'LOOKUP %0300d' 0)"
  assert_line "ERR line too long: at most 128 bytes"
  run "$BATS_TEST_DIRNAME/../build/tools/poke" send random:100000 127.0.0.1 "$dir_port"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l
  assert_success
  assert_line "0 registered"
}

# hold_connection LINE...: like ask_directory, but the connection stays
# open (its names stay registered) until the test ends; the replies to the
# lines are in $output.
hold_connection() {
  local fd line reply=() i
  exec {fd}<>"/dev/tcp/127.0.0.1/$dir_port"
  IFS= read -r -t 5 -u "$fd" line # the greeting
  for line in "$@"; do printf '%s\n' "$line" >&"$fd"; done
  for ((i = 0; i < $#; i++)); do IFS= read -r -t 5 -u "$fd" line && reply+=("$line"); done
  output=$(printf '%s\n' "${reply[@]}")
  lines=("${reply[@]}")
}

@test "only the registering side may remove an entry; names are unique; entries are bounded" {
  start_directory
  start_server --as owner rendezvous-server -D "$dir_port" owned
  ask_directory "UNREGISTER owned" "REGISTER owned tcp 4444"
  assert_line "ERR not yours: only the connection that registered owned may remove it"
  assert_line "ERR name taken: owned is tcp $owner_port"
  # A squatter holds at most 8 names, and everyone else may still register.
  local many=() c i
  for i in $(seq 1 9); do many+=("REGISTER sq$i tcp $((10000 + i))"); done
  hold_connection "${many[@]}"
  assert_line "OK registered sq8 tcp 10008"
  assert_line "ERR too many names: at most 8 per connection"
  server_expect --as dir "^127\.0\.0\.1:[0-9]+: refused a registration of sq9: it holds 8 names already, the most one connection may$"
  start_server --as other rendezvous-server -D "$dir_port" other
  # One user (the test's own uid) holds at most 16 names, whatever its
  # connections: the squatter's 8 so far, and the two servers' 2 when they
  # kept our uid (started as root, they became nobody once their sockets
  # were open, before registering).
  local held=$((8 + (EUID == 0 ? 0 : 2))) took=0 w
  for w in u v; do
    many=()
    for i in $(seq 1 8); do many+=("REGISTER $w${i} tcp $((20000 + i))"); done
    hold_connection "${many[@]}"
    took=$((took + $(grep -c '^OK registered' <<<"$output" || true)))
  done
  assert_equal "$((held + took))" 16
  assert_line "ERR too many names: at most 16 per user or host"
  server_expect --as dir "^127\.0\.0\.1:[0-9]+: refused a registration of [uv][0-9]: uid $EUID holds 16 names already, the most one user or host may \(the rest stay free for others\)$"
}

@test "one local user's eight connections of eight names each no longer fill the directory: another user's server still registers" {
  need_real_root "a server run as another user (nobody): a real uid change"
  start_directory
  local c i many
  for c in 1 2 3 4 5 6 7 8; do
    many=()
    for i in 1 2 3 4 5 6 7 8; do many+=("REGISTER c${c}n$i tcp $((20000 + c * 10 + i))"); done
    hold_connection "${many[@]}"
  done
  run --separate-stderr "$BIN/rendezvous-client" -l -p "$dir_port" 127.0.0.1
  assert_line --regexp "^16 registered"
  start_server --as clock --via "${NOBODY[*]}" rendezvous-server -D "$dir_port" clock ||
    fail "a second user could not register: $(server_err clock)"
  server_expect --as dir "^registered clock -> tcp port $clock_port, "
}

@test "over UDP a client may look up and list, but not register" {
  command -v nc >/dev/null || skip "nc is not installed"
  start_directory
  start_server --as clock rendezvous-server -D "$dir_port" clock
  run bash -c "printf 'LOOKUP clock\n' | nc -u -W 1 -w 2 127.0.0.1 $dir_port"
  assert_output "PORT clock tcp $clock_port"
  run bash -c "printf 'REGISTER sneaky tcp 5\n' | nc -u -W 1 -w 2 127.0.0.1 $dir_port"
  assert_output "ERR register over tcp: a registration lasts as long as its connection"
}

@test "a server with no directory to register with says so; exit 1" {
  find_free_port
  run --separate-stderr "$BIN/rendezvous-server" -D "$free_port" clock
  assert_failure 1
  assert_stderr --partial "rendezvous-server: connect(tcp 127.0.0.1:$free_port): ECONNREFUSED"
  assert_stderr --partial "why: is the directory running there? start it first: bin/rendezvous-directory"
}

@test "the client asks whether the directory runs only when that host refused the port, not when there is no route" {
  need_netns
  find_free_port
  run --separate-stderr netns_run "$BIN/rendezvous-client" -p "$free_port" 127.0.0.1 clock
  assert_failure 1
  assert_stderr --partial "rendezvous-client: connect(tcp 127.0.0.1:$free_port): ECONNREFUSED"
  assert_stderr --partial "rendezvous-client: why: is bin/rendezvous-directory running there, on port $free_port?"
  # Loopback down: no route at all, so nothing says whether a directory runs there.
  # (An ordinary user's namespace comes with a user namespace: -rn.)
  local n=-n
  netns_as_root || n=-rn
  run --separate-stderr unshare "$n" "$BIN/rendezvous-client" -p "$free_port" 127.0.0.1 clock
  assert_failure 1
  assert_stderr --partial "rendezvous-client: connect(tcp 127.0.0.1:$free_port): ENETUNREACH"
  refute_stderr --partial "rendezvous-directory running there"
}

@test "under a flood of idle connections (descriptors limited), a LOOKUP over TCP is still answered at once" {
  fd_limited() { ulimit -n 100 && exec "$@"; }
  start_server --as dir --via fd_limited rendezvous-directory -p 0 -b 127.0.0.1
  start_server --as clock rendezvous-server -D "$dir_port" clock
  proc_start crowd "$POKE" hold 300 127.0.0.1 "$dir_port"
  PROC_WAIT_SECONDS=20 proc_expect crowd '^holding 300 connections$'
  run --separate-stderr "$BIN/rendezvous-client" -t 500 -p "$dir_port" clock
  assert_success
  assert_line --partial "reply: rendezvous-server clock"
  # Idle connections were closed to make room - said at most once a second,
  # not once per connection - and the registered server was never among them.
  server_expect --as dir "connections registered nothing, the most we keep: closed the one quiet longest"
  run server_log dir
  [ "$(grep -c 'registered nothing, the most we keep' <<<"$output")" -le 10 ] || fail "the evictions were narrated one by one"
  refute_line --partial "dropped clock"
  refute_line --partial "out of file descriptors"
}

@test "only a valid request keeps a connection fresh: one that sends empty lines is evicted first" {
  fd_limited() { ulimit -n 86 && exec "$@"; } # 86 - 16 - 64: room for 6 idle connections
  start_server --as dir --via fd_limited rendezvous-directory -p 0 -b 127.0.0.1
  local fd line
  exec {fd}<>"/dev/tcp/127.0.0.1/$dir_port"
  IFS= read -r -t 5 -u "$fd" line # the greeting
  proc_start crowd "$POKE" hold 5 127.0.0.1 "$dir_port"
  proc_expect crowd '^holding 5 connections$'
  printf '\n' >&"$fd" # an empty line: a bad request, not activity
  IFS= read -r -t 5 -u "$fd" line
  assert_equal "$line" "ERR empty request: try LIST"
  run --separate-stderr "$BIN/rendezvous-client" -t 1000 -p "$dir_port" -l
  assert_success
  # The empty-line sender was the one closed to make room: its connection ended.
  server_expect --as dir "closed the one quiet longest, tcp 127\.0\.0\.1:[0-9]+"
  local rc=0
  IFS= read -r -t 5 -u "$fd" line || rc=$?
  [ "$rc" -eq 1 ] || fail "the empty-line sender was kept (read: status $rc, '$line')" # 1: end of file; >128: time out
  exec {fd}<&-
}

@test "one grammar for TCP and UDP: CR LF accepted, NUL refused, LIST only over TCP, UDP answers small" {
  command -v nc >/dev/null || skip "nc is not installed"
  start_directory
  start_server --as clock rendezvous-server -D "$dir_port" clock
  ask_directory $'LOOKUP clock\r' $'LOOKUP clock\x01x'
  assert_line "PORT clock tcp $clock_port"
  assert_line "ERR only printable ASCII, please"
  # An embedded NUL, over TCP (bash cannot hold one in a variable: printf writes it).
  local fd line
  exec {fd}<>"/dev/tcp/127.0.0.1/$dir_port"
  IFS= read -r -t 5 -u "$fd" line
  printf 'LOOKUP clock\0garbage\n' >&"$fd"
  IFS= read -r -t 5 -u "$fd" line
  exec {fd}<&-
  assert_equal "$line" "ERR only printable ASCII, please"
  run bash -c "printf 'LOOKUP clock\0garbage\n' | nc -u -W 1 -w 2 127.0.0.1 $dir_port"
  assert_output "ERR only printable ASCII, please"
  run bash -c "printf 'LOOKUP clock\r\n' | nc -u -W 1 -w 2 127.0.0.1 $dir_port"
  assert_output "PORT clock tcp $clock_port"
  run bash -c "printf 'LIST\n' | nc -u -W 1 -w 2 127.0.0.1 $dir_port"
  assert_output "ERR list over tcp: a udp answer stays small"
  [ "${#output}" -lt 200 ]
}

@test "a server listening on one address only is found there, through a directory on another" {
  start_directory
  start_server --as there rendezvous-server -b 127.0.0.3 -D "$dir_port" elsewhere
  run server_log there
  assert_line "to the directory at 127.0.0.1:$dir_port: REGISTER elsewhere tcp $there_port here"
  server_expect --as dir "^registered elsewhere -> tcp port $there_port on 127\.0\.0\.3, "
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" 127.0.0.1 elsewhere
  assert_success
  assert_line "the directory says elsewhere is at tcp port $there_port on 127.0.0.3"
  assert_line "connecting to 127.0.0.3:$there_port"
  assert_line --partial "reply: rendezvous-server elsewhere"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" -l 127.0.0.1
  assert_line --regexp "^   tcp +$there_port  elsewhere on 127\.0\.0\.3$"
}

@test "a server whose directory restarts registers again; with no directory back, it stops and says why" {
  start_directory
  local port=$dir_port
  start_server --as clock --via "env PORTLAB_RETRY_MS=200" rendezvous-server -D "$dir_port" clock
  stop_server --as dir
  server_expect --as clock "^the directory closed our connection \(end of file\): our registration went with it$"
  start_server --as dir rendezvous-directory -p "$port" -b 127.0.0.1
  PROC_WAIT_SECONDS=15 server_expect --as clock "^the directory said: OK registered clock tcp $clock_port - for as long as this connection stays open$"
  run --separate-stderr "$BIN/rendezvous-client" -p "$dir_port" clock
  assert_success
  # No directory coming back: bounded attempts, then a clear exit.
  stop_server --as dir
  PROC_WAIT_SECONDS=15 server_expect --as clock "attempt 5 of 5"
  proc_stop clock
  assert_equal "$clock_status" 1
  server_err clock | grep -q "no directory to register with after 5 attempts: nobody can find us any more, so we stop"
  forget_server clock
}

@test "a directory gone silent holds up nothing: clients are served, one SIGTERM stops a server at once" {
  start_directory
  local port=$dir_port fd line
  start_server --as one rendezvous-server -D "$dir_port" one
  start_server --as two rendezvous-server -D "$dir_port" two
  stop_server --as dir
  # On the directory's port now: a listener that accepts and never says a word.
  proc_start silent "$POKE" silent 127.0.0.1 "$port"
  proc_expect silent '^ready on ' || fail "poke silent did not start"
  # Both servers try again (at once, then 1 s later...) and reach it; each
  # now waits 3 s for a greeting that never comes. Their clients must not.
  PROC_WAIT_SECONDS=10 proc_expect silent '^accepted tcp$'
  PROC_WAIT_SECONDS=10 proc_expect silent '^accepted tcp$'
  exec {fd}<>"/dev/tcp/127.0.0.1/$one_port"
  IFS= read -r -t 2 -u "$fd" line || fail "no reply from the server within 2 s: it waits on the directory"
  exec {fd}<&-
  assert_equal "$line" "rendezvous-server one (pid $one_pid): you found port $one_port through the directory"
  PROC_WAIT_SECONDS=2 stop_server --as two # 2 s, then SIGKILL: status 137
  assert_equal "$two_status" 0
  run server_log two
  assert_line "stopping on SIGTERM after 0 exchanges"
}

@test "a directory that never greets: the server says how long it waited, with no option it does not have" {
  proc_start silent "$POKE" silent 127.0.0.1
  proc_expect silent '^ready on ' || fail "poke silent did not start"
  local port=${proc_line##*:}
  port=${port%% *}
  run --separate-stderr env PORTLAB_DIRECTORY_MS=300 "$BIN/rendezvous-server" -D "$port" clock
  assert_failure 1
  assert_stderr --partial "rendezvous-server: recv(tcp 127.0.0.1:$port): connected, then no greeting within 300 ms"
  assert_stderr --partial "why: the limit is this server's own, not the kernel's"
  [[ $stderr != *-t* ]] || fail "it names an option it does not have: $stderr"
}

@test "the client's -t bounds the whole exchange: a directory that trickles lines for ever cannot hold it" {
  proc_start slow "$POKE" trickle 127.0.0.1
  proc_expect slow '^ready on ' || fail "poke trickle did not start"
  local port=${proc_line##*:}
  port=${port%% *}
  # timeout(1) only as a backstop: 124 would mean the client never gave up.
  run --separate-stderr timeout 20 "$BIN/rendezvous-client" -t 500 -p "$port" -l 127.0.0.1
  assert_failure 1
  assert_stderr --regexp "^rendezvous-client: recv\(tcp 127\.0\.0\.1:$port\): (the directory's answer did not end within 500 ms \(-t\)|no (complete )?line within the 500 ms this client allows the whole exchange \(-t\))"
  [ "$(grep -c '^   tcp ' <<<"$output")" -ge 1 ] # it did read entries, as they came
}
