#!/usr/bin/env bats
# The restart demo: "Address already in use" after a restart - TIME_WAIT and
# SO_REUSEADDR. Each test runs in a private network namespace of its own, so
# its TIME_WAIT connections vanish with it: nothing waits 60 s on the host,
# nothing is shared between tests.
load helpers

setup() {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
}

# in_ns PROGRAM ARGS...: run a program in the test's namespace (Bats' run).
in_ns() { run --separate-stderr netns_of "$ns_pid" "$BIN/$1" "${@:2}"; }

# first_run [SERVER ARGS...]: a server on a kernel-chosen port that serves
# one client and exits; the client runs; the server has seen it hang up.
# Sets server_port, client_port (the client's source port), and
# client_started and client_ended (when the client ran: $EPOCHREALTIME).
first_run() {
  start_server --via "netns_of $ns_pid" restart-server -p 0 -b 127.0.0.1 -n 1 "$@"
  client_started=$EPOCHREALTIME
  in_ns restart-client -p "$server_port" 127.0.0.1
  client_ended=$EPOCHREALTIME
  assert_success
  client_port=$(sed -n 's/^connected: the four-tuple is 127\.0\.0\.1:\([0-9]*\) (us).*/\1/p' <<<"$output")
  [ -n "$client_port" ] || fail "the client did not report its four-tuple: $output"
  server_expect "^tcp 127\.0\.0\.1:$client_port hung up (too|first)"
  server_expect '^stopping after 1 connection'
}

# seconds_since START [END]: whole seconds from START to END (default now),
# both $EPOCHREALTIME, rounded up.
seconds_since() {
  local a=${1/[.,]/} b=${2:-$EPOCHREALTIME}
  b=${b/[.,]/}
  echo $(( (10#$b - 10#$a + 999999) / 1000000 ))
}

# time_wait_ports: the local ports of the namespace's TIME_WAIT connections, by ss.
time_wait_ports() {
  (netns_of "$ns_pid" ss -Htan state time-wait) | awk '{ n = split($3, a, ":"); print a[n] }'
}

@test "the server hangs up first: its side waits in TIME_WAIT, and a restart at once gets EADDRINUSE naming it" {
  first_run
  assert_line "waiting for the server to hang up first"
  assert_line --regexp "^the server hung up first: the TIME_WAIT is on its side \(127\.0\.0\.1:$server_port\)"
  server_log_text=$(server_log)
  [[ $server_log_text == *"sent it one line and hung up first (our FIN went first)"* ]]
  [[ $server_log_text =~ "hung up too: our side of the connection is now in TIME_WAIT for "[0-9]+" s more (the kernel's table, /proc/net/tcp)" ]]
  # ss, the kernel's own tool, agrees: the server's port is in TIME_WAIT.
  run time_wait_ports
  assert_output "$server_port"
  in_ns restart-server -p "$server_port" -b 127.0.0.1 -n 1
  assert_failure 1
  assert_line "no SO_REUSEADDR on our socket (the default; --reuseaddr sets it)"
  assert_stderr --partial "restart-server: bind(tcp 127.0.0.1:$server_port): EADDRINUSE (Address already in use)"
  assert_stderr --regexp "restart-server: why: no server holds it, but 1 earlier connection of this port waits in TIME_WAIT \(the kernel's table, /proc/net/tcp\), for [0-9]+ s more"
  assert_stderr --partial "restart-server: why: so run the old server and the new one with --reuseaddr, or wait"
}

@test "SO_REUSEADDR only on the restart does not help, and the server says why" {
  first_run
  in_ns restart-server -p "$server_port" -b 127.0.0.1 -n 1 --reuseaddr
  assert_failure 1
  assert_line "SO_REUSEADDR set on our socket (--reuseaddr)"
  assert_stderr --partial "EADDRINUSE (Address already in use)"
  assert_stderr --partial "restart-server: why: we did set SO_REUSEADDR, so the socket those connections came from had not"
}

@test "SO_REUSEADDR on the old server and the new one: the restart binds at once, past TIME_WAIT" {
  first_run --reuseaddr
  run time_wait_ports
  assert_output "$server_port"
  start_server --as again --via "netns_of $ns_pid" restart-server -p "$server_port" -b 127.0.0.1 --reuseaddr
  assert_equal "$again_port" "$server_port"
  stop_server --as again
}

@test "--client-closes: the client hangs up first, the TIME_WAIT is on its port, and the server restarts freely" {
  first_run --client-closes
  assert_line "the server asked us to hang up first: sent our FIN"
  assert_line --regexp "^our side \(127\.0\.0\.1:$client_port\) is now in TIME_WAIT for [0-9]+ s more \(the kernel's table, /proc/net/tcp\)"
  [[ $(server_log) == *"tcp 127.0.0.1:$client_port hung up first; we close our side now: the TIME_WAIT is on the client's side (its port $client_port), and our port stays free"* ]]
  run time_wait_ports
  assert_output "$client_port"
  start_server --as again --via "netns_of $ns_pid" restart-server -p "$server_port" -b 127.0.0.1
  assert_equal "$again_port" "$server_port"
  stop_server --as again
}

@test "a server still listening is told apart from TIME_WAIT, and SO_REUSEADDR does not get past it" {
  start_server --via "netns_of $ns_pid" restart-server -p 0 -b 127.0.0.1 --reuseaddr
  in_ns restart-server -p "$server_port" --reuseaddr
  assert_failure 1
  assert_stderr --partial "restart-server: bind(tcp 0.0.0.0:$server_port): EADDRINUSE (Address already in use)"
  assert_stderr --partial "restart-server: why: another socket already holds this TCP port: one listens on 127.0.0.1:$server_port (the kernel's table, /proc/net/tcp)"
  refute_stderr --partial "TIME_WAIT"
}

@test "IPv6: the same story on [::1], read from /proc/net/tcp6" {
  (netns_of "$ns_pid" sh -c 'grep -q "^0\{31\}1 " /proc/net/if_inet6') || skip "no IPv6 loopback in the namespace"
  start_server --via "netns_of $ns_pid" restart-server -6 -p 0 -b ::1 -n 1
  in_ns restart-client -6 -p "$server_port" ::1
  assert_success
  assert_line --regexp "^connected: the four-tuple is \[::1\]:[0-9]+ \(us\) <-> \[::1\]:$server_port \(the server\)$"
  server_expect "hung up too: our side of the connection is now in TIME_WAIT for [0-9]+ s more \(the kernel's table, /proc/net/tcp6\)"
  server_expect '^stopping after 1 connection'
  in_ns restart-server -6 -p "$server_port" -b ::1
  assert_failure 1
  assert_stderr --partial "restart-server: bind(tcp [::1]:$server_port): EADDRINUSE"
  assert_stderr --partial "1 earlier connection of this port waits in TIME_WAIT (the kernel's table, /proc/net/tcp6)"
  # A listener found in tcp6 is named as read from there.
  start_server --as l6 --via "netns_of $ns_pid" restart-server -6 -p 0 -b ::1
  in_ns restart-server -6 -p "$l6_port" -b ::1
  assert_failure 1
  assert_stderr --partial "one listens on [::1]:$l6_port (the kernel's table, /proc/net/tcp6)"
}

@test "a server that never hangs up: the client's -t bounds the whole exchange" {
  # The rendezvous directory greets, then waits for a request: to this
  # client, a server that sends a line and never hangs up.
  start_server --via "netns_of $ns_pid" rendezvous-directory -p 0 -b 127.0.0.1
  in_ns restart-client -t 300 -p "$server_port" 127.0.0.1
  assert_failure 1
  assert_line --regexp "^connected: the four-tuple is 127\.0\.0\.1:[0-9]+ \(us\) <-> 127\.0\.0\.1:$server_port \(the server\)$"
  assert_line --partial "tcp reply: "
  assert_stderr "restart-client: recv(tcp 127.0.0.1:$server_port): the server sent its line but did not hang up within 300 ms (-t)"
}

@test "a port held by an outgoing connection: the why says so, and 'cannot tell' once no listener is left to tell by" {
  start_server --via "netns_of $ns_pid" restart-server -p 0 -b 127.0.0.1
  # A client that keeps its connection: its source port stays taken.
  # shellcheck disable=SC2016 # the script is for the inner shell
  proc_start holder netns_of "$ns_pid" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo connected && exec tail -f /dev/null' bash "$server_port"
  proc_expect holder '^connected$'
  server_expect '^tcp 127\.0\.0\.1:[0-9]+: sent it one line'
  client_port=${server_line#tcp 127.0.0.1:} client_port=${client_port%%:*}
  in_ns restart-server -p "$client_port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "restart-server: bind(tcp 127.0.0.1:$client_port): EADDRINUSE"
  assert_stderr --regexp "why: no server listens on it, but a connection from this port to 127\.0\.0\.1:$server_port is still [A-Z_]+ \(the kernel's table, /proc/net/tcp\): most likely an outgoing connection .*; this port is its source port"
  refute_stderr --partial "accepted connection some process still holds"
  # Without the listener the table no longer shows which end connected.
  stop_server
  in_ns restart-server -p "$client_port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --regexp "why: no server listens on it, but a connection between this port and 127\.0\.0\.1:$server_port is (still|in) [A-Z_0-9]+.*: either a client's outgoing connection, this port its source port, or one a server accepted on this port, still held after its listener closed; the table cannot tell which"
}

# bats test_tags=exhaustive
@test "many hang-ups: each is narrated, but the kernel's table is read at most once a second" {
  local n=30 t0 t1 looked=0 i
  start_server --via "netns_of $ns_pid" restart-server -p 0 -b 127.0.0.1 -n "$n"
  t0=${EPOCHREALTIME/./}
  # n clients one after another, from one shell in the namespace (no process
  # each): read to the server's FIN, then close - the server hung up first.
  # shellcheck disable=SC2016 # the script is for the inner shell
  run netns_of "$ns_pid" bash -c 'for ((i = 0; i < $1; i++)); do
      exec 3<>"/dev/tcp/127.0.0.1/$2" || exit 1
      while IFS= read -r -t 5 -u 3 _; do :; done
      exec 3<&-
    done' sh "$n" "$server_port"
  assert_success
  for ((i = 0; i < n; i++)); do
    server_expect "^tcp 127\.0\.0\.1:[0-9]+ hung up too: " || fail "hang-up $((i + 1)) of $n was not narrated"
    [[ $server_line == *"not looked up for this one: the kernel's table is read at most once a second"* ]] ||
      looked=$((looked + 1))
  done
  t1=${EPOCHREALTIME/./}
  # The first hang-up reads the table; another read comes a second later at
  # the earliest. (Counted, not timed: a slow run is allowed more reads.)
  [ "$looked" -ge 1 ] || fail "the table was never read"
  [ "$looked" -le $((1 + (t1 - t0) / 1000000)) ] ||
    fail "the table was read $looked times in $(((t1 - t0) / 1000)) ms"
  # What the narration says unread, ss confirms: all n wait in TIME_WAIT, on our port.
  run time_wait_ports
  assert_equal "${#lines[@]}" "$n"
  for i in "${lines[@]}"; do assert_equal "$i" "$server_port"; done
}

# The live figure: restart-client draws the close it just took part in as a
# ladder. Checked like a transcript: the four-tuple it narrated, who hung
# up first, and the side in TIME_WAIT as ss (the kernel) reports it.
# ladder_check FIRST WAITING: $output (the client's) holds the figure with
# FIRST (A, us, or B, the server) sending the first FIN, and WAITING in
# TIME_WAIT, the other side gone from the table; ss agrees, and the seconds
# left agree with ss's timer: the two are read at different moments (the
# figure while the client ran, ss afterwards), and a timer only counts down,
# so the figure may say more than ss by the seconds between the client's
# start and ss's reading (however busy the machine), plus one for rounding,
# and never less than ss by more than that one.
ladder_check() {
  local first=$1 waiting=$2 fig a b left ss_left want
  fig=$(sed -n '/^figure: /,$p' <<<"$output")
  [ -n "$fig" ] || fail "no figure: $output"
  ! awk 'length($0) > 72 || /[^ -~]/' <<<"$fig" | grep . || fail "a figure line is wider than 72 columns or not plain ASCII"
  a="127.0.0.1:$client_port" b="127.0.0.1:$server_port"
  if [ "$first" = A ]; then
    want="      |-------------- FIN ------------->|  A sent the first FIN
      |<------------- ACK --------------|
      |<------------- FIN --------------|  then B's FIN
      |-------------- ACK ------------->|"
  else
    want="      |<------------- FIN --------------|  B sent the first FIN
      |-------------- ACK ------------->|
      |-------------- FIN ------------->|  then A's FIN
      |<------------- ACK --------------|"
  fi
  assert_equal "$(sed -n 2,9p <<<"$fig")" "  A = us, $a
  B = the server, $b
      A                                B
$want
      |                                |"
  # Who waits: the figure's bottom line, and the kernel's table through ss.
  local re="^  A: (.*[^ ]) +B: (.*)$"
  [[ $(sed -n 10p <<<"$fig") =~ $re ]] || fail "no states line: $fig"
  local state_a=${BASH_REMATCH[1]} state_b=${BASH_REMATCH[2]} state_w state_o
  if [ "$waiting" = A ]; then state_w=$state_a state_o=$state_b; else state_w=$state_b state_o=$state_a; fi
  assert_equal "$state_o" "closed (gone from the table)"
  [[ $state_w =~ ^TIME_WAIT,\ ([0-9]+)\ s\ left$ ]] || fail "$waiting is not in TIME_WAIT in the figure: $fig"
  left=${BASH_REMATCH[1]} ladder_left=${BASH_REMATCH[1]}
  run time_wait_ports
  if [ "$waiting" = A ]; then assert_output "$client_port"; else assert_output "$server_port"; fi
  ss_left=$( (netns_of "$ns_pid" ss -Htano state time-wait) | sed -n 's/.*timer:(timewait,\([0-9]*\)sec.*/\1/p')
  [ -n "$ss_left" ] || fail "ss shows no TIME_WAIT timer"
  local between=$(( $(seconds_since "$client_started") + 1 ))
  (( left - ss_left >= -1 && left - ss_left <= between )) ||
    fail "the figure says $left s left, ss says $ss_left, read at most $between s apart"
}

@test "the live figure: the server hangs up first - the ladder with the narrated four-tuple, B's FIN first, B in TIME_WAIT as ss sees it" {
  first_run
  ladder_check B B
}

@test "the live figure: the client hangs up first - A's FIN first, A in TIME_WAIT as ss and the narration say; PORTLAB_NO_FIGURE=1 leaves it out" {
  first_run --client-closes
  local narrated
  narrated=$(sed -n 's/^our side (127\.0\.0\.1:[0-9]*) is now in TIME_WAIT for \([0-9]*\) s more.*/\1/p' <<<"$output")
  [ -n "$narrated" ] || fail "the client did not narrate its TIME_WAIT: $output"
  ladder_check A A
  # Both read in the same run of the client, at two moments: they may differ
  # by at most its whole run (and one for rounding).
  local run_for=$(( $(seconds_since "$client_started" "$client_ended") + 1 ))
  (( narrated - ladder_left >= -run_for && narrated - ladder_left <= run_for )) ||
    fail "the figure says $ladder_left s left, the narration $narrated, said at most $run_for s apart"
  start_server --as quiet --via "netns_of $ns_pid" restart-server -p 0 -b 127.0.0.1 -n 1 --client-closes
  run --separate-stderr netns_of "$ns_pid" env PORTLAB_NO_FIGURE=1 "$BIN/restart-client" -p "$quiet_port" 127.0.0.1
  assert_success
  assert_line --partial "is now in TIME_WAIT for"
  refute_output --partial "figure:"
}
