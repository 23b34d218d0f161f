#!/usr/bin/env bats
# The rendezvous demo: a service with no fixed port, found through a
# directory on a fixed one - the way rpcbind serves NFS and NIS.
load helpers

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
  # Eight squatters can still fill the directory: 64 names in all.
  for c in 2 3 4 5 6 7; do
    many=()
    for i in $(seq 1 8); do many+=("REGISTER c${c}n$i tcp $((20000 + c * 10 + i))"); done
    hold_connection "${many[@]}"
    assert_line "OK registered c${c}n8 tcp $((20000 + c * 10 + 8))"
  done
  hold_connection "REGISTER last1 tcp 30001" "REGISTER last2 tcp 30002" "REGISTER last3 tcp 30003" \
    "REGISTER last4 tcp 30004" "REGISTER last5 tcp 30005" "REGISTER last6 tcp 30006" "REGISTER last7 tcp 30007"
  assert_line "OK registered last6 tcp 30006"
  assert_line "ERR directory full: at most 64 names"
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
