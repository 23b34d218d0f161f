#!/usr/bin/env bats
# The harness itself: a suite that is stopped leaves nothing running, and
# no files behind.
load helpers

# gone PID: true once it has exited (bounded wait). Not our child: no event
# for its end reaches bash, so this one looks every 50 ms.
gone() {
  local deadline=$(( ${EPOCHREALTIME/./} + PROC_WAIT_SECONDS * 1000000 ))
  while kill -0 "$1" 2>/dev/null; do
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || return 1
    read -r -t 0.05 -u "$tick" _ || true
  done
}

setup() {
  mkfifo "$BATS_TEST_TMPDIR/tick" && exec {tick}<>"$BATS_TEST_TMPDIR/tick"
}

# interrupt SIGNAL COMMAND...: run COMMAND (which runs the fixture suite),
# wait until the fixture's server is up (it writes its pid into a FIFO: the
# read ends the moment it does), send SIGNAL to COMMAND, and check that the
# server is gone, and the run's temporary files too.
interrupt() {
  local signal=$1 pidfile=$BATS_TEST_TMPDIR/server.pid tmp=$BATS_TEST_TMPDIR/tmp left pid='' fd
  shift
  mkdir "$tmp"
  mkfifo "$pidfile" && exec {fd}<>"$pidfile"
  TMPDIR=$tmp PORTLAB_PIDFILE=$pidfile proc_start suite "$@"
  read -r -t "$PROC_WAIT_SECONDS" -u "$fd" pid || fail "the fixture's server did not start"
  exec {fd}<&-
  kill -0 "$pid" || fail "no server $pid"
  kill "-$signal" "$suite_pid"
  PROC_WAIT_SECONDS=10 gone "$pid" ||
    fail "server $pid still runs after $signal to the suite: $(ps -o pid,pgid,stat,args -p "$pid" "$suite_pid" 2>&1)"
  proc_expect suite '' || true # to its end: the suite exits by itself
  proc_stop suite
  # Nor any file: the run's folder (Bats' own, the copies of the programs)
  # is gone with it, though teardown_file never ran.
  left=$(find "$tmp" -mindepth 1 2>&1)
  [ -z "$left" ] || fail "the stopped suite left files behind: $left"
}

@test "SIGINT to tests/run-bats ends every program its tests started" {
  # A program started in the background inherits SIGINT ignored; Ctrl-C at a
  # terminal reaches a foreground one, whose SIGINT is not: so reset it.
  env --default-signal=INT true 2>/dev/null || skip "env cannot reset a signal here (coreutils 8.31+)"
  interrupt INT env --default-signal=INT PORTLAB_BIN="$BIN" "$TESTS_DIR/run-bats" "$TESTS_DIR/fixtures/interrupted.bats"
}

# bats test_tags=exhaustive
@test "SIGTERM to make (make test) ends every program the suite started, even past a stuck clean-up" {
  command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
  # The fixture's teardown_file hangs: the harness kills it (after 300 ms
  # here), and the copies of the programs it would have removed go anyway.
  interrupt TERM env PORTLAB_BIN="$BIN" PORTLAB_STUCK_TEARDOWN=1 PORTLAB_END_GRACE_MS=300 make -s -C "$TESTS_DIR/.." --no-print-directory run-tests \
    TESTS="$TESTS_DIR/fixtures/interrupted.bats"
}

# pid_reuse RUN_BATS HOW: run inside a PID namespace of its own (where we
# may choose the next pid: /proc/sys/kernel/ns_last_pid). RUN_BATS runs two
# fixture files side by side; once one has ended and its process group is
# empty, an unrelated `setsid tail -f /dev/null` (a stand-in that waits to
# be killed) is given that group's number (pids wrap: the kernel may do so
# any time); then the run ends (HOW: finish, or
# TERM to RUN_BATS). Prints "stranger alive" if the stand-in survived it.
pid_reuse() {
  local run_bats=$1 how=$2 dir pgid='' stranger='' suite go tick tries deadline
  local fixtures=${run_bats%/*}/fixtures
  dir=$(mktemp -d)
  mkfifo "$dir/go" "$dir/tick" && exec {tick}<>"$dir/tick" {go}<>"$dir/go"
  PORTLAB_JOBS=2 PORTLAB_PGID_FILE=$dir/pgid PORTLAB_GO=$dir/go \
    "$run_bats" "$fixtures/finished.bats" "$fixtures/waiting.bats" >"$dir/out" 2>&1 &
  suite=$!
  deadline=$(( ${EPOCHREALTIME/./} + 20000000 ))
  until [ -s "$dir/pgid" ] && read -r pgid <"$dir/pgid" && ! kill -0 -- "-$pgid" 2>/dev/null; do
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || { echo "the finished run did not end"; cat "$dir/out"; return 1; }
    read -r -t 0.02 -u "$tick" _ || true
  done
  for tries in 1 2 3 4 5; do
    echo "$((pgid - 1))" >/proc/sys/kernel/ns_last_pid || return 1
    setsid tail -f /dev/null </dev/null >/dev/null 2>&1 &
    stranger=$!
    [ "$stranger" -ne "$pgid" ] || break
    kill "$stranger" && wait "$stranger"
  done
  [ "$stranger" -eq "$pgid" ] || { echo "could not start a process as pid $pgid (got $stranger, $tries tries)"; return 1; }
  if [ "$how" = TERM ]; then kill -TERM "$suite"; else echo go >&"$go"; fi
  wait "$suite"
  echo "run-bats exited $?"
  if kill -0 "$stranger" 2>/dev/null; then
    echo "stranger alive"
    kill "$stranger"
  else
    echo "stranger $stranger killed: it had the process group number of a finished run"
  fi
  cat "$dir/out"
  rm -rf "$dir"
}

# procs_pid_reuse PROCS_BASH: also inside a PID namespace of its own. A
# program started with tests/lib/procs.bash ends by itself (exit 3), and
# bash reaps it; its pid is given to an unrelated `setsid tail -f /dev/null`; then
# proc_stop. Prints the status proc_stop saw, and "stranger alive" if the
# stand-in survived it.
procs_pid_reuse() {
  local tick deadline pid stranger='' tries
  PROC_DIR=$(mktemp -d)
  # shellcheck source=tests/lib/procs.bash
  source "$1"
  mkfifo "$PROC_DIR/tick" && exec {tick}<>"$PROC_DIR/tick"
  proc_start quick sh -c 'exit 3'
  pid=$quick_pid
  deadline=$(( ${EPOCHREALTIME/./} + 10000000 ))
  while [ -e "/proc/$pid" ]; do # bash reaps it, unasked
    [ "${EPOCHREALTIME/./}" -lt "$deadline" ] || { echo "pid $pid did not go"; return 1; }
    read -r -t 0.02 -u "$tick" _ || true
  done
  # Not a child of this shell (bash would count it among its jobs): a
  # subshell (the pid before) starts it and ends.
  for tries in 1 2 3 4 5; do
    echo "$((pid - 2))" >/proc/sys/kernel/ns_last_pid || return 1
    ( setsid tail -f /dev/null </dev/null >/dev/null 2>&1 & echo "$!" >"$PROC_DIR/stranger" )
    read -r stranger <"$PROC_DIR/stranger"
    [ "$stranger" -ne "$pid" ] || break
    kill "$stranger"
  done
  [ "$stranger" -eq "$pid" ] || { echo "could not start a process as pid $pid (got $stranger, $tries tries)"; return 1; }
  proc_stop quick
  echo "status $quick_status"
  if kill -0 "$stranger" 2>/dev/null; then
    echo "stranger alive"
    kill "$stranger"
  else
    echo "stranger $stranger killed: it had the pid of a program that had ended"
  fi
  rm -rf "$PROC_DIR"
}

# in_pid_namespace CMD...: CMD as pid 1 of a new PID namespace, with its own
# /proc (as root; else inside a user namespace of our own).
in_pid_namespace() {
  if [ "$EUID" -eq 0 ]; then unshare -pf --mount-proc "$@"; else unshare -rpf --mount-proc "$@"; fi
}

# bats test_tags=exhaustive
@test "tests/run-bats never signals a process group it did not start: the number of a run that ended, given to another process, is left alone (a PID namespace)" {
  in_pid_namespace true 2>/dev/null || skip "cannot make a PID namespace here (unshare -pf --mount-proc, or -rpf)"
  local how
  for how in finish TERM; do
    run in_pid_namespace bash -c "$(declare -f pid_reuse); pid_reuse \"\$@\"" pid_reuse "$TESTS_DIR/run-bats" "$how"
    assert_line "stranger alive"
  done
  assert_line "run-bats exited 143" # the TERM one: ended by its signal, as asked
}

# bats test_tags=exhaustive
@test "tests/lib/procs.bash never signals a pid bash has reaped: a program that ended, its pid given to another process, is not killed by proc_stop (a PID namespace)" {
  in_pid_namespace true 2>/dev/null || skip "cannot make a PID namespace here (unshare -pf --mount-proc, or -rpf)"
  run in_pid_namespace bash -c "$(declare -f procs_pid_reuse); procs_pid_reuse \"\$@\"" procs_pid_reuse "$TESTS_DIR/lib/procs.bash"
  assert_line "status 3"
  assert_line "stranger alive"
}

# as_ordinary CMD...: CMD as an ordinary user - nobody (as root), else as we
# are - with a HOME that cannot be written (lab accounts, nobody's own).
as_ordinary() {
  local who=()
  [ "$EUID" -ne 0 ] || who=("${NOBODY[@]}")
  "${who[@]}" env HOME=/nonexistent PORTLAB_BIN="$BIN" "$@"
}

# bats test_tags=exhaustive
@test "as an ordinary user, tests in private network namespaces run (a user namespace of one's own), and the last line says what needs real root and how to run it" {
  as_ordinary unshare -rn true 2>/dev/null || skip "this kernel lets no ordinary user make a user namespace (unshare -rn)"
  run --separate-stderr as_ordinary "$TESTS_DIR/run-bats" "$TESTS_DIR/fixtures/ordinary.bats"
  assert_success
  assert_line "ok 1 in private network namespaces: nobody is refused port 23, the namespace's root binds it, and nobody reaches it"
  assert_line "ok 2 something only real root may do # skip needs real root: the fixture's own uid change"
  assert_line "bats: 1 passed, 0 failed, 1 skipped"
  assert_line "  skipped (1): needs real root: the fixture's own uid change"
  assert_equal "${lines[-1]}" 'bats: 1 of the 1 skipped need real root (a real uid change), which a user namespace cannot give: run `sudo make test` for those'
}

# bats test_tags=exhaustive
@test "without a network, fetching the Bats libraries fails in seconds, with npm's own error and what to do; an unwritable HOME is no obstacle" {
  need_netns
  command -v npm >/dev/null || skip "npm is not installed"
  [ ! -f /usr/lib/bats/bats-assert/load.bash ] || skip "Debian's bats-assert is installed: run-bats would use it, not npm"
  # A copy of the harness with no libraries fetched yet, run as nobody in a
  # network namespace of its own: the registry cannot be reached.
  local dir t0
  dir=$(mktemp -d "${TMPDIR:-/tmp}/portlab-fetch.XXXXXX")
  mkdir "$dir/tests"
  cp -r "$TESTS_DIR/run-bats" "$TESTS_DIR/lib" "$TESTS_DIR/fixtures" "$dir/tests/"
  chmod -R a+rwX "$dir"
  t0=$EPOCHREALTIME
  run --separate-stderr netns_run --nobody env HOME=/nonexistent timeout 100 "$dir/tests/run-bats" "$dir/tests/fixtures/finished.bats"
  (( ${EPOCHREALTIME/./} - ${t0/./} < 20000000 )) || fail "it took more than 20 s to give up: $stderr"
  rm -rf "$dir"
  assert_failure 1
  # npm's own words: the registry was not reached (not its cache in HOME).
  assert_stderr --regexp "run-bats: npm pack bats-support@0\.3\.0 failed: npm (error|ERR!) request to [^ ]+ failed, reason: "
  [[ $stderr != *"/nonexistent"* ]] || fail "npm still wanted HOME: $stderr"
  assert_stderr --partial "run-bats: cannot get bats-support and bats-assert: either let npm reach its registry"
  assert_stderr --partial "sudo apt-get install bats-support bats-assert"
}

# bats test_tags=exhaustive
@test "the summary names each failed test last, file and name, and a Bats run that died with none failed; --fast leaves out the exhaustive proofs and says how many" {
  run --separate-stderr env PORTLAB_FIXTURE_CRASH=1 "$TESTS_DIR/run-bats" "$TESTS_DIR/fixtures/failing.bats" "$TESTS_DIR/fixtures/broken.bats"
  assert_failure 1
  assert_line "ok 4 an exhaustive proof, run only without --fast"
  assert_line "bats: 3 passed, 1 failed, 1 skipped"
  # The last lines: what failed, by file and name (files in the order run),
  # after the summary and the skipped tests' reasons.
  assert_equal "${lines[-3]}" "bats: failed, by file and name (tests/run-bats FILE runs one file again):"
  assert_equal "$(printf '%s\n' "${lines[@]: -2}" | sort)" "$(printf '%s\n' \
    "  tests/fixtures/broken.bats: its Bats run ended (exit status 137: SIGKILL) with 1 of 2 tests reported, none failed" \
    "  tests/fixtures/failing.bats, test 2: fails on purpose, to be named at the end")"
  run --separate-stderr "$TESTS_DIR/run-bats" --fast "$TESTS_DIR/fixtures/failing.bats"
  assert_failure 1
  refute_line --partial "an exhaustive proof"
  assert_line "bats: 1 passed, 1 failed, 1 skipped"
  assert_line "bats: 1 exhaustive proof left out (make test-all runs them too; see README)"
  assert_line "  skipped (1): the fixture's own reason"
  assert_equal "${lines[-1]}" "  tests/fixtures/failing.bats, test 2: fails on purpose, to be named at the end"
  # A run with nothing failed ends as before: no such lines.
  run --separate-stderr env PORTLAB_PGID_FILE="$BATS_TEST_TMPDIR/pgid" "$TESTS_DIR/run-bats" "$TESTS_DIR/fixtures/finished.bats"
  assert_success
  assert_equal "${lines[-1]}" "bats: 1 passed, 0 failed, 0 skipped"
}
