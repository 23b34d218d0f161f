#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The classroom across machines: a "teacher" and a "student" host, two
# network namespaces joined by a veth pair (10.77.0.1 and 10.77.0.2, fd77::1
# and fd77::2). Servers run on the teacher, clients on the student; the
# server sees the student's own address and source port. Everything is torn
# down with the namespaces' holder processes, even when a test fails.
load helpers


setup() {
  need_netns
  classroom_up || fail "could not build the two namespaces"
}

# on_student [--nobody] PROGRAM ARGS...: run a client on the student's host.
on_student() {
  local who=()
  if [ "$1" = --nobody ]; then who=(--nobody); shift; fi
  run --separate-stderr netns_of "$student_pid" "${who[@]}" "$BIN/$1" "${@:2}"
}

@test "same-port across the wire: the teacher's server sees the student's address and port, TCP and UDP" {
  start_server --via "netns_of $teacher_pid" same-port-server -p 0
  on_student same-port-client -p "$server_port" 10.77.0.1
  assert_success
  assert_line --regexp "^tcp reply: same-port-server pid $server_pid: this is TCP; you are 10\.77\.0\.2:[0-9]+$"
  assert_line --regexp "^udp reply: same-port-server pid $server_pid: this is UDP; you are 10\.77\.0\.2:[0-9]+$"
  src=$(sed -n 's/^tcp: our end is 10\.77\.0\.2:\([0-9]*\) .*/\1/p' <<<"$output")
  server_expect "^tcp connection from 10\.77\.0\.2:$src: sent it one line$"
}

@test "privileged on the teacher's host: root binds 23 and drops; the student, as nobody, reaches it but cannot send from 1023" {
  need_real_root "privileged-server, started as root, becomes nobody (setuid): a real uid change"
  start_server --via "netns_of $teacher_pid" privileged-server -p 23
  on_student --nobody privileged-client 10.77.0.1
  assert_failure 1
  assert_line --regexp "^connected: 10\.77\.0\.2:[0-9]+ -> 10\.77\.0\.1:23$"
  assert_line --partial "uid 65534 (nobody): you reached tcp port 23 from 10.77.0.2:"
  assert_line "as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES (Permission denied)"
}

@test "ephemeral ranges are per host: the student's narrowed range, the teacher's own" {
  (netns_of "$student_pid" sh -c 'echo "40000 40009" > /proc/sys/net/ipv4/ip_local_port_range')
  start_server --via "netns_of $teacher_pid" ephemeral-server -p 0
  read -r tlo thi < <(netns_of "$teacher_pid" cat /proc/sys/net/ipv4/ip_local_port_range)
  run server_log
  assert_line --regexp "^the kernel chose port $server_port, from its range $tlo-$thi "
  on_student ephemeral-client -n 3 -u 1 -p "$server_port" 10.77.0.1
  assert_success
  assert_line --partial "this kernel picks source ports from 40000-40009"
  mapfile -t ports < <(sed -nE 's/^tcp [0-9]: after connect our end is 10\.77\.0\.2:([0-9]+) .*/\1/p' <<<"$output")
  assert_equal "${#ports[@]}" 3
  for p in "${ports[@]}"; do
    [ "$p" -ge 40000 ] && [ "$p" -le 40009 ] || fail "student port $p is not in 40000-40009"
    server_expect "^tcp 10\.77\.0\.2:$p -> 10\.77\.0\.1:$server_port "
  done
}

@test "services: the student scans the teacher and finds a non-telnet on 23" {
  start_server --via "netns_of $teacher_pid" services-server
  on_student services-client -t 500 -r 20-25 10.77.0.1
  assert_success
  assert_line --partial "23/tcp open: /etc/services guesses telnet"
  assert_line "1 open, 5 refused, 0 silent in 20-25 on 10.77.0.1"
}

@test "rendezvous: the student asks the teacher's directory, then connects to the port it names" {
  start_server --as dir --via "netns_of $teacher_pid" rendezvous-directory -p 0
  start_server --as clock --via "netns_of $teacher_pid" rendezvous-server -D "$dir_port" clock
  on_student rendezvous-client -p "$dir_port" 10.77.0.1 clock
  assert_success
  assert_line "connecting to 10.77.0.1:$clock_port"
  server_expect --as clock "^tcp 10\.77\.0\.2:[0-9]+: found us, sent it one line$"
}

@test "over IPv6 across the wire, and IPv4 students on a dual-stack server appear mapped" {
  [ -d /proc/sys/net/ipv6 ] || skip "IPv6 is disabled on this machine"
  start_server --via "netns_of $teacher_pid" same-port-server -6 -p 0
  run server_log
  assert_line --partial "dual-stack: IPV6_V6ONLY is off (set explicitly)"
  assert_line "ready on [::]:$server_port (tcp+udp)"
  on_student same-port-client -6 -p "$server_port" fd77::1
  assert_success
  assert_line --regexp "^tcp reply: .*this is TCP; you are \[fd77::2\]:[0-9]+$"
  assert_line --regexp "^udp reply: .*this is UDP; you are \[fd77::2\]:[0-9]+$"
  on_student same-port-client -4 -p "$server_port" 10.77.0.1
  assert_success
  assert_line --regexp "^tcp reply: .*this is TCP; you are \[::ffff:10\.77\.0\.2\]:[0-9]+$"
}

@test "make classroom: the tour across the two hosts runs to the end and leaves nothing behind" {
  run --separate-stderr env PORTLAB_BIN="$BIN" NO_COLOR=1 "$BATS_TEST_DIRNAME/../demos/tour.sh" --classroom
  assert_success
  # No plumbing before the lesson: its first line is its heading.
  assert_equal "${lines[0]}" "== the classroom: servers on the teacher's host (10.77.0.1), clients on a student's (10.77.0.2) =="
  refute_output --partial "ready on namespace"
  assert_line --regexp "^  client +\| tcp reply: same-port-server pid [0-9]+: this is TCP; you are 10\.77\.0\.2:[0-9]+$"
  assert_line "Classroom over: every server stopped, both hosts gone."
  [ -z "$(pgrep -f -- "^$BIN/[a-z-]+-(server|directory)" || true)" ]
}

@test "make classroom as an ordinary user (nobody): the two hosts come from a user namespace of its own; the privileged part, which needs real root, says so" {
  (netns_run --nobody unshare -rn true) 2>/dev/null || skip "this kernel lets no ordinary user make a user namespace (unshare -rn)"
  # The tour's files and the programs must be readable by nobody.
  local tour_dir
  tour_copy_for_nobody
  run --separate-stderr netns_run --nobody env PORTLAB_BIN="$tour_dir/bin" NO_COLOR=1 TMPDIR=/tmp "$tour_dir/demos/tour.sh" --classroom
  rm -rf "$tour_dir"
  assert_success
  assert_line --regexp "^  client +\| tcp reply: same-port-server pid [0-9]+: this is TCP; you are 10\.77\.0\.2:[0-9]+$"
  assert_line --regexp "^  client +\| tcp 1: after connect our end is 10\.77\.0\.2:400[0-9][0-9] "
  assert_line "(The privileged lesson needs real root: its server drops from root to nobody. 'sudo make classroom' shows it.)"
  assert_line "Classroom over: every server stopped, both hosts gone."
}

# bats test_tags=exhaustive
@test "rendezvous: a registration whose host is cut off (no FIN, no reset) is dropped by keepalive in bounded time" {
  start_server --as dir --via "netns_of $teacher_pid env PORTLAB_KEEPALIVE=1,1,2" rendezvous-directory --remote -p 0 -b 10.77.0.1
  start_server --as cut --via "netns_of $student_pid" rendezvous-server -d 10.77.0.1 -D "$dir_port" -b 10.77.0.2 cutoff
  server_expect --as dir "^tcp 10\.77\.0\.2:[0-9]+: keepalive on: after 1 s of silence a probe every 1 s; 2 unanswered and its names go \(at most 3 s after its host vanished\)$"
  # The student's host goes silent: its cable is pulled (the link goes down), so
  # nothing it could say - not even a reset - reaches the teacher any more.
  (netns_of "$student_pid" ip link set veth-student down)
  PROC_WAIT_SECONDS=15 server_expect --as dir "^tcp 10\.77\.0\.2:[0-9]+: closed: keepalive probes went unanswered \(ETIMEDOUT\): its host is gone or cut off$"
  server_expect --as dir "^dropped cutoff: its server's connection closed$"
  kill -KILL "$cut_pid"
  forget_server cut
}

@test "rendezvous: a student's server may not register with the teacher's directory, unless it runs with --remote" {
  start_server --as dir --via "netns_of $teacher_pid" rendezvous-directory -p 0
  on_student rendezvous-server -d 10.77.0.1 -D "$dir_port" squat
  assert_failure 1
  assert_stderr --partial "rendezvous-server: the directory said: ERR not from here: registrations come from the directory's own host (--remote allows others)"
  server_expect --as dir "^10\.77\.0\.2:[0-9]+: refused a registration of squat: registrations come from the directory's own host"
  # Looking up is for everyone.
  start_server --as clock --via "netns_of $teacher_pid" rendezvous-server -D "$dir_port" clock
  on_student rendezvous-client -p "$dir_port" 10.77.0.1 clock
  assert_success
  # --remote: the teacher opens the directory to the room; the student's
  # server, bound to its own address, is found there.
  start_server --as open --via "netns_of $teacher_pid" rendezvous-directory --remote -p 0
  run server_log open
  assert_line --partial "--remote: any host that reaches us may register names (up to 8 each connection, 16 each host)"
  start_server --as mine --via "netns_of $student_pid" rendezvous-server -b 10.77.0.2 -d 10.77.0.1 -D "$open_port" mine
  on_student rendezvous-client -p "$open_port" 10.77.0.1 mine
  assert_success
  assert_line "connecting to 10.77.0.2:$mine_port"
}

@test "rendezvous --remote: one student's host holds at most 16 names, however many connections it opens" {
  start_server --as open --via "netns_of $teacher_pid" rendezvous-directory --remote -p 0
  # Three connections of eight REGISTERs each, held open (a registration
  # lasts as long as its connection).
  # shellcheck disable=SC2016 # the script is for the inner bash
  proc_start squat netns_of "$student_pid" bash -c '
    for fd in 3 4 5; do
      eval "exec $fd<>/dev/tcp/10.77.0.1/$1" && IFS= read -r -u "$fd" _greeting
      for i in 1 2 3 4 5 6 7 8; do printf "REGISTER h${fd}n$i tcp $((30000 + fd * 10 + i))\n" >&"$fd"; done
      for i in 1 2 3 4 5 6 7 8; do IFS= read -r -u "$fd" line && echo "$line"; done
    done
    echo "ready on held" && exec tail -f /dev/null' squat "$open_port"
  proc_expect squat '^ready on ' || fail "the squatter did not finish: $(server_err squat)"
  run server_log squat
  assert_line "OK registered h4n8 tcp 30048"
  assert_line "ERR too many names: at most 16 per user or host"
  [ "$(grep -c '^OK registered' <<<"$output")" -eq 16 ] || fail "not 16 names: $output"
  server_expect --as open "^10\.77\.0\.2:[0-9]+: refused a registration of h5n1: host 10\.77\.0\.2 holds 16 names already, the most one user or host may \(the rest stay free for others\)$"
  # The teacher's own server still registers.
  start_server --as clock --via "netns_of $teacher_pid" rendezvous-server -D "$open_port" clock
  server_expect --as open "^registered clock -> tcp port $clock_port, "
}
