#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The guided tour (make demo): runs every lesson, leaves nothing behind.
load helpers

TOUR=$BATS_TEST_DIRNAME/../demos/tour.sh

# The tour runs the programs from this file's own copy (helpers' setup_file),
# so "no server left behind" cannot see other test files' servers.

# Servers started from $BIN that are still running (none should be).
leftovers() { pgrep -f -- "^$BIN/[a-z-]+-(server|directory)" || true; }

# figure_follows NAME: the lesson's header in $output is followed at once by
# its figure (docs/NAME.md, the block after "<!-- figure -->"), line for line.
figure_follows() {
  local fig i n lines
  fig=$(awk '/^<!-- figure -->$/ { getline; on = 1; next } on && /^```/ { exit } on' \
    "$BATS_TEST_DIRNAME/../docs/$1.md")
  [ -n "$fig" ] || fail "docs/$1.md has no figure"
  mapfile -t lines <<<"$output"
  n=$(wc -l <<<"$fig")
  for i in "${!lines[@]}"; do
    [[ ${lines[i]} == "== $1: "* ]] || continue
    while [[ ${lines[i+1]} == '    '[!\ ]* ]]; do i=$((i + 1)); done # the header's own continuation lines
    [ "$(printf '%s\n' "${lines[@]:i+1:n}")" = "$fig" ] ||
      fail "the tour's $1 lesson does not open with its figure; it shows: $(printf '%s\n' "${lines[@]:i:n+1}")"
    return 0
  done
  fail "the tour has no $1 lesson"
}

@test "the tour runs every lesson to the end and stops every server; it fits 80 columns (COLUMNS unset): no line is wider" {
  run_raw --separate-stderr env -u COLUMNS PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR"
  assert_success
  local long
  long=$(awk 'length($0) > 80' <<<"$output"$'\n'"$stderr")
  [ -z "$long" ] || fail "lines wider than 80 columns: $long"
  # Each lesson opens with its figure, right under its header.
  local name lessons
  read -ra lessons <<<"$(sed -n 's/^LESSONS=(\([^)]*\)).*/\1/p' "$TOUR")"
  [ ${#lessons[@]} -gt 0 ] || fail "demos/tour.sh has no LESSONS=(...) line"
  for name in "${lessons[@]}"; do figure_follows "$name"; done
  unwrap # long lines matched whole below
  assert_line --regexp "^This kernel, read now from /proc/sys/net/ipv4: .*the ephemeral range is $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)\.$"
  assert_line "== same-port: TCP port P and UDP port P are two different ports =="
  assert_line --regexp "^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$"
  assert_line --regexp "^  client +\| both answered on port [0-9]+: one number, two protocols, two sockets$"
  assert_line "Tour over: every server stopped."
  refute_output --partial $'\e['
  assert_equal "$(leftovers)" ""
}

# wider WIDTH < OUTPUT: the lines of a tour's output wider than WIDTH that
# could have been broken at words: not a figure's (the lessons' own figures,
# docs/*.md, and a program's figure lines, which begin with spaces behind
# the label - not 4, a continuation line's indent), nor one word alone (a path longer than the line), nor
# a readiness line (narrate.h: never wrapped, scripts read it).
wider() {
  local figs=$BATS_TEST_TMPDIR/figures
  awk '/^<!-- figure -->$/ { getline; on = 1; next } on && /^```/ { on = 0 } on' \
    "$BATS_TEST_DIRNAME"/../docs/*.md >"$figs"
  awk -v w="$1" 'NR == FNR { fig[$0] = 1; next }
    length($0) > w && !($0 in fig) && $0 !~ /^  [^ |$]+ +\|  ( |  )?[^ ]/ && $0 !~ /^  [^ |$]+ +\|      / &&
      $0 !~ /^(  [^ |$]+ +\| )? *[^ ]+$/ && $0 !~ /^  [^ |$]+ +\| ready on /' "$figs" -
  # (a word longer than the line: its own line; a readiness line: whole, always)
}

# make test: the two lessons that carry a figure and the kernel's own line;
# make test-all: every lesson (a whole tour more: the 80-column full run is
# make test's).
@test "with COLUMNS=60 the tour's lines are none wider than 60 where words allow, wrapped at words, not cut (privileged and wire)" {
  run_raw --separate-stderr env COLUMNS=60 PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" privileged
  assert_success
  local first=$output$'\n'$stderr
  run_raw --separate-stderr env COLUMNS=60 PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" wire
  assert_success
  output=$first$'\n'$output$'\n'$stderr stderr=
  mapfile -t lines <<<"$output"
  at_60
}

# bats test_tags=exhaustive
@test "with COLUMNS=60 the whole tour's lines are none wider than 60 where words allow, wrapped at words, not cut" {
  run_raw --separate-stderr env COLUMNS=60 PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR"
  assert_success
  at_60
}

# at_60: $output and $stderr, a tour's at COLUMNS=60, fit 60 columns.
at_60() {
  local long
  long=$(wider 60 <<<"$output"$'\n'"$stderr")
  [ -z "$long" ] || fail "lines wider than 60 columns (not a figure's): $long"
  # A program's figure is drawn whole, and fits 80 columns with its label
  # (wire's within 72: tests/wire.bats), even when the words wrap at 60.
  assert_line --regexp '^  client +\|  \+------\+------\+------\+------\+$'
  ! grep -E '^  [^ |$]+ +\| ( {1,3}| {5,})[^ ]' <<<"$output" | awk 'length($0) > 80' | grep . || fail "a program's figure line is wider than 80 columns"
  # Wrapped at words, not cut: joined back, a long line is whole.
  unwrap
  assert_line --regexp "^This kernel, read now from /proc/sys/net/ipv4: .*the ephemeral range is $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range)\.$"
}

@test "make demo DEMO=name runs one lesson; an unknown name exits 2" {
  run --separate-stderr env PORTLAB_BIN="$BIN" "$TOUR" same-port
  assert_success
  assert_line --partial "== same-port:"
  run --separate-stderr env PORTLAB_BIN="$BIN" "$TOUR" no-such-lesson
  assert_failure 2
  assert_stderr --partial "tour: no lesson 'no-such-lesson'"
}

@test "two tours at once both pass (kernel-chosen ports never collide)" {
  # A bound, not a timing: two whole tours beside the rest of the suite
  # (30 s; 90 s under make check).
  PROC_WAIT_SECONDS=$((PROC_WAIT_SECONDS * 6))
  proc_start tour1 env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" same-port
  proc_start tour2 env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" same-port
  # Read each to its end (an empty regex): a tour ends by itself. Stopping
  # it on its last line would race its exit (SIGTERM there is 143).
  proc_expect tour1 '' || true
  proc_expect tour2 '' || true
  proc_stop tour1
  proc_stop tour2
  grep -q '^Tour over' "$PROC_DIR/tour1/log" && grep -q '^Tour over' "$PROC_DIR/tour2/log" &&
    [ "$tour1_status" -eq 0 ] && [ "$tour2_status" -eq 0 ] ||
    fail "tour 1 exited $tour1_status, tour 2 $tour2_status; tour 2 said: $(cat "$PROC_DIR/tour2/log" "$PROC_DIR/tour2/err")"
}

# Processes a tour started that are still there: every one of them carries
# the tour's mark in its environment, whatever it became (a server, a
# namespace's holder, a wrapper), and whoever its parent is now.
marked() {
  local f mine=()
  for f in /proc/[0-9]*/environ; do
    grep -qzsx -- "PORTLAB_TOUR_MARK=$1" "$f" 2>/dev/null && mine+=("${f#/proc/}")
  done
  [ ${#mine[@]} -eq 0 ] || ps -o pid=,ppid=,args= -p "$(IFS=,; echo "${mine[*]%/environ}")" || true
}

# bats test_tags=exhaustive
@test "a tour stopped at any moment ends at once and leaves nothing behind (24 stops, after line 3, 20, 37 ... 394)" {
  # Varied moments, no timing: each run is stopped (SIGTERM) once it has
  # printed its Nth line - so mid-start, mid-client, mid-stop all come up.
  # It ends with 143; about one stop in a hundred, bash 5.2 itself reports
  # "pop_var_context: head of shell_variables not a function context" and
  # the tour ends with 1 - its clean-up has run all the same. Never a crash
  # (139), never a hang (137: killed at the bound).
  local n
  for n in $(seq 3 17 394); do
    proc_start tour env PORTLAB_TOUR_MARK="$BATS_TEST_NUMBER.$n" PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR"
    for _ in $(seq "$n"); do proc_expect tour '^' || break; done
    proc_stop tour
    [ "$tour_status" -eq 143 ] || { [ "$tour_status" -eq 1 ] && grep -q 'pop_var_context' "$PROC_DIR/tour/err"; } ||
      fail "stopped after line $n, the tour exited $tour_status, not 143; it said: $(tail -n 3 "$PROC_DIR/tour/log" "$PROC_DIR/tour/err")"
    assert_equal "$(marked "$BATS_TEST_NUMBER.$n")" ""
  done
}

# order_check OUT < TRACE: strace -f -y -ttt -e trace=write of a tour whose
# stdout was OUT. Every line the tour shows for a program ("  LABEL | line")
# is matched with that program's own write of it (to LABEL/out); it fails,
# naming both, when a step ("  LABEL $ ...") was shown between the two.
order_check() {
  sort -s -k2,2 | awk -v OUT="$1" '
    function emit(pid, ts, path, str,    n, i, i2, pick, parts, line, key, t1, lbl) {
      gsub(/\\\\/, "\001", str); gsub(/\\"/, "\"", str); gsub(/\\t/, "\t", str)
      n = split(str, parts, /\\n/)
      if (parts[n] == "") n--
      for (i = 1; i <= n; i++) {
        line = parts[i]; gsub(/\001/, "\\", line)
        if (path == OUT && MAIN == "") MAIN = pid # the tour itself (clients are relayed by a subshell)
        if (path == OUT && pid == MAIN) {
          if (line ~ /^  [^ |$]+ +\$ /) { act = line; act_ts = ts; continue }
          if (match(line, /^  [^ |$]+ +\| /)) {
            lbl = substr(line, 3); sub(/ .*/, "", lbl)
            key = lbl SUBSEP substr(line, RLENGTH + 1)
            # The latest write of this line (by a program of this label) not
            # yet matched and not after the tour showed it: programs of one
            # label print the same words, and a line the tour never showed
            # must not pair an older write with a later showing.
            pick = -1
            for (i2 = tail[key] - 1; i2 >= 0; i2--)
              if (!((key, i2) in used) && q[key, i2] <= ts) { pick = i2; break }
            if (pick >= 0) {
              used[key, pick] = 1
              t1 = q[key, pick]
              if (act_ts != "" && act_ts > t1) {
                printf "%s\n  (written at %s, shown after this later step, at %s)\n%s\n", line, substr(t1, 2), substr(act_ts, 2), act
                bad++
              }
            }
          }
        } else if (match(path, /\/portlab-tour\.[^\/]+\/[^\/]+\/out$/)) {
          lbl = path; sub(/\/out$/, "", lbl); sub(/.*\//, "", lbl)
          q[lbl SUBSEP line, tail[lbl SUBSEP line]++] = ts
        }
      }
    }
    / write\([0-9]+</ {
      pid = $1; ts = "t" $2 # "t": compared as text (fixed width), not as a double
      rest = $0; sub(/^[^ ]+ [^ ]+ write\([0-9]+</, "", rest)
      p = index(rest, ">, \""); if (p == 0) next
      path = substr(rest, 1, p - 1)
      str = substr(rest, p + 4)
      sub(/"(\.\.\.)?, [0-9]+(\) += .*| <unfinished \.\.\.>)$/, "", str)
      emit(pid, ts, path, str)
      seen++
    }
    END { if (seen == 0) { print "no write in the trace"; exit 1 } exit bad > 0 }'
}

# bats test_tags=exhaustive
@test "the tour shows each line before any step that came after it (strace: each write's time)" {
  command -v strace >/dev/null || skip "strace is not installed (apt-get install strace)"
  local out=$BATS_TEST_TMPDIR/tour.out trace=$BATS_TEST_TMPDIR/trace
  # (LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here)
  strace -f -qq -y -ttt -s 65536 -e trace=write -e signal=none -o "$trace" \
    env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" >"$out" 2>"$BATS_TEST_TMPDIR/err" ||
    fail "the tour failed under strace: $(tail -n 5 "$out" "$BATS_TEST_TMPDIR/err")"
  grep -q '^Tour over' "$out" || fail "the tour did not end"
  run order_check "$out" <"$trace"
  assert_success
}

@test "the tour's usage: -h prints it (exit 0); an unknown option exits 2" {
  run --separate-stderr env PORTLAB_BIN="$BIN" "$TOUR" -h
  assert_success
  assert_line --partial "usage: portlab-tour [--step] [LESSON]"
  assert_line --partial "--step        pause before each step: Enter goes on, q ends the tour"
  assert_line "Lessons, in tour order: same-port privileged ephemeral wire services firewall nat rendezvous restart"
  run --separate-stderr env PORTLAB_BIN="$BIN" "$TOUR" --bogus
  assert_failure 2
  assert_stderr "tour: unknown option '--bogus' (-h for help)"
}

@test "--step without a terminal on standard input runs through, and says so" {
  run --separate-stderr env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" --step same-port </dev/null
  assert_success
  assert_line "Tour over: every server stopped."
  refute_output --partial "-- Enter"
  assert_stderr "tour: --step: standard input is not a terminal, so the tour runs through"
}

# In a real terminal (tmux): the tour waits before each step; Enter goes
# on, q ends it, Ctrl-C ends it; each time nothing it started is left.
pane() { tmux -S "$TMUX_SOCK" capture-pane -p -t tour -S -100; }
pane_shows() { # pane_shows REGEX: wait (bounded) until the screen has it
  local deadline=$(( ${EPOCHREALTIME/./} + PROC_WAIT_SECONDS * 1000000 ))
  until pane | grep -qE -- "$1"; do
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || fail "the terminal never showed /$1/; it shows: $(pane)"
    _proc_pause 20000
  done
}
start_tour_in_tmux() {
  TMUX_SOCK=$(mktemp -u /tmp/portlab-tmux.XXXXXX)
  # (without Bats' descriptors: a tmux server holding one would keep Bats waiting;
  # SHELL set: without it tmux runs the command with the login shell, nobody's
  # nologin; bash, which goes on after a Ctrl-C its child handled, where dash ends)
  ( proc_close_fds
    SHELL=$BASH exec tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s tour -x 200 -y 50 \
      "env PORTLAB_TOUR_MARK=$1 PORTLAB_BIN='$BIN' NO_COLOR=1 '$TOUR' --step same-port; echo tour-exit=\$?; read -r _" )
}
stop_tmux() {
  [ -n "${TMUX_SOCK:-}" ] || return 0
  tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
  rm -f "$TMUX_SOCK"
  TMUX_SOCK=''
}
# The helpers' teardown, after the terminal's (a failed test leaves it open).
eval "helpers_$(declare -f teardown)"
teardown() { stop_tmux; helpers_teardown; }

@test "--step on a terminal: a one-line prompt before each step; Enter goes on, q alone (no Enter) ends the tour with nothing left" {
  command -v tmux >/dev/null || skip "tmux is not installed (apt-get install tmux): the step mode needs a real terminal"
  start_tour_in_tmux "step.$BATS_TEST_NUMBER"
  pane_shows '^-- Enter: next step, q: end the tour --'
  # The first pause is the lesson's figure, alone under its header.
  run pane
  assert_line " One number, two tables: TCP port 2000 and UDP port 2000 are two ports."
  refute_output --partial "One server binds a TCP socket"
  tmux -S "$TMUX_SOCK" send-keys -t tour Enter
  pane_shows '^One server binds a TCP socket'
  pane_shows '^-- Enter: next step, q: end the tour --'
  # It waits before the first step: the narration is there, the server not yet.
  run pane
  assert_equal "$(grep -c -- '-- Enter: next step' <<<"$output")" 1 # the answered prompt is gone
  assert_line "One server binds a TCP socket and a UDP socket to the same port number."
  refute_output --partial "same-port-server -p 0"
  tmux -S "$TMUX_SOCK" send-keys -t tour Enter
  pane_shows 'server +\| ready on 127\.0\.0\.1:'
  pane_shows '^-- Enter: next step, q: end the tour --'
  run pane
  assert_equal "$(grep -c -- '-- Enter: next step' <<<"$output")" 1 # the answered prompt is gone
  assert_line --regexp '^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$'
  refute_output --partial "same-port-client"
  # A server runs now; q ends the tour, and it with it.
  [ -n "$(marked "step.$BATS_TEST_NUMBER")" ] || fail "no server running before q"
  # One key: q, no Enter (README: "q (or Ctrl-C) ends the tour").
  tmux -S "$TMUX_SOCK" send-keys -t tour q
  pane_shows '^tour-exit=0$'
  run pane
  stop_tmux
  assert_line "Tour ended (q): every program stopped."
  assert_equal "$(marked "step.$BATS_TEST_NUMBER")" ""
}

@test "--step on a terminal: Ctrl-C at a prompt ends the tour (130), saying so, with nothing left" {
  command -v tmux >/dev/null || skip "tmux is not installed (apt-get install tmux): the step mode needs a real terminal"
  start_tour_in_tmux "ctrlc.$BATS_TEST_NUMBER"
  pane_shows '^-- Enter: next step' # the figure
  tmux -S "$TMUX_SOCK" send-keys -t tour Enter
  pane_shows '^One server binds a TCP socket'
  pane_shows '^-- Enter: next step'
  tmux -S "$TMUX_SOCK" send-keys -t tour Enter
  pane_shows 'server +\| ready on 127\.0\.0\.1:'
  pane_shows '^-- Enter: next step'
  tmux -S "$TMUX_SOCK" send-keys -t tour C-c
  pane_shows '^tour-exit=130$'
  run pane
  stop_tmux
  assert_line "Tour ended (Ctrl-C): every program stopped."
  assert_equal "$(marked "ctrlc.$BATS_TEST_NUMBER")" ""
}

# bats test_tags=exhaustive
@test "the tour runs to completion as an ordinary user (nobody), and the privileged lesson shows EACCES" {
  need_netns
  # The tour's files and the programs must be readable by nobody.
  local tour_dir
  tour_copy_for_nobody
  run --separate-stderr netns_run --nobody env PORTLAB_BIN="$tour_dir/bin" NO_COLOR=1 TMPDIR=/tmp "$tour_dir/demos/tour.sh"
  rm -rf "$tour_dir"
  assert_success
  assert_line "== privileged: ports below 1024 need privilege to bind, not to reach =="
  assert_line --regexp "^  server +\| privileged-server: bind\(tcp 127\.0\.0\.1:23\): EACCES \(Permission denied\)$"
  # The ephemeral lesson's last part needs a namespace: nobody makes one,
  # where the kernel lets an ordinary user (unshare -rn).
  if (netns_run --nobody unshare -rn true) 2>/dev/null; then
    assert_line "Running out: a private namespace whose range holds ten ports. Connection 11 has none left."
    assert_line --regexp "^  client +\| ephemeral-client: connect\(tcp 127\.0\.0\.1:[0-9]+\): EADDRNOTAVAIL "
  fi
  assert_line "Tour over: every server stopped."
}

@test "colour on a terminal, none with NO_COLOR, none into a pipe" {
  command -v script >/dev/null || skip "script (util-linux) is not installed"
  run script -qec "env PORTLAB_BIN='$BIN' '$TOUR' same-port" /dev/null
  assert_success
  assert_output --partial $'\e[1m== same-port'
  run script -qec "env PORTLAB_BIN='$BIN' NO_COLOR=1 '$TOUR' same-port" /dev/null
  assert_success
  refute_output --partial $'\e['
  run env PORTLAB_BIN="$BIN" "$TOUR" same-port
  refute_output --partial $'\e['
}

@test "make classroom: the IPv6 run is labelled with the IPv6 addresses; it ends saying what to do in a real room" {
  need_netns
  [ -d /proc/sys/net/ipv6 ] || skip "this kernel has no IPv6"
  run --separate-stderr env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR" --classroom
  assert_success
  assert_line --regexp "^  server +\\$ same-port-server -6 -p 0 +\(on the teacher's host, fd77::1 and 10\.77\.0\.1\)$"
  assert_line --regexp "^  client +\\$ same-port-client -6 -p [0-9]+ fd77::1 +\(on a student's host, fd77::2\)$"
  assert_line --regexp "^  client +\\$ same-port-client -4 -p [0-9]+ 10\.77\.0\.1 +\(on a student's host, 10\.77\.0\.2\)$"
  assert_line --regexp "^In a real room: find your address \(ip -brief address\), "
  assert_line --regexp "^Students connect with the client and your address, .*\"Serving a room from your machine\""
  assert_equal "${lines[-1]}" "Classroom over: every server stopped, both hosts gone."
}

@test "make demo builds what is missing quietly, saying so in one line, then the lesson" {
  # A copy of the built tree with one program out of date: no compiler lines.
  local src=$BATS_TEST_DIRNAME/.. d=$BATS_TEST_TMPDIR/tree
  [ -f "$src/build/release/version.h" ] && [ -x "$src/bin/same-port-server" ] || skip "needs the tree built by make (bin/, build/release/)"
  mkdir -p "$d/tests" "$d/build"
  cp -a "$src/Makefile" "$src/common" "$src/demos" "$src/bin" "$d/"
  cp -a "$src/tests/lib" "$d/tests/"
  cp -a "$src/build/release" "$d/build/"
  sed -n 's/^#define PORTLAB_VERSION "\(.*\)"$/\1/p' "$src/build/release/version.h" >"$d/VERSION"
  touch "$d/demos/same-port/client.c"
  run --separate-stderr env -u PORTLAB_BIN -u MAKEFLAGS -u MAKELEVEL NO_COLOR=1 bash -c 'cd "$1" && make demo DEMO=same-port' _ "$d"
  assert_success
  assert_equal "${lines[0]}" "make: building the programs first (quietly: make -s)"
  refute_output --regexp '(^| )(cc|gcc|clang|ar) '
  assert_equal "${lines[1]}" "== same-port: TCP port P and UDP port P are two different ports ==" # (Bats drops blank lines)
  assert_line "Tour over: every server stopped."
  [ "$d/bin/same-port-client" -nt "$d/demos/same-port/client.c" ] || fail "same-port-client was not rebuilt"
}
