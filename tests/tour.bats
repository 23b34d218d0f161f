#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The guided tour (make demo): runs every lesson, leaves nothing behind.
load helpers

TOUR=$BATS_TEST_DIRNAME/../demos/tour.sh

# The tour runs the programs from this file's own copy (helpers' setup_file),
# so "no server left behind" cannot see other test files' servers.

# Servers started from $BIN that are still running (none should be).
leftovers() { pgrep -f -- "^$BIN/[a-z-]+-(server|directory)" || true; }

@test "the tour runs every lesson to the end and stops every server" {
  run --separate-stderr env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR"
  assert_success
  assert_line "== same-port: TCP port P and UDP port P are two different ports =="
  assert_line --regexp "^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$"
  assert_line --regexp "^  client +\| both answered on port [0-9]+: one number, two protocols, two sockets$"
  assert_line "Tour over: every server stopped."
  refute_output --partial $'\e['
  assert_equal "$(leftovers)" ""
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

@test "a tour stopped halfway leaves no server behind" {
  proc_start tour env PORTLAB_BIN="$BIN" NO_COLOR=1 "$TOUR"
  proc_expect tour 'ready on '
  proc_stop tour
  [ "$tour_status" -ne 0 ] # stopped: 143 (SIGTERM), or 1 if it was cut off mid-step
  assert_equal "$(leftovers)" ""
}

@test "the tour runs to completion as an ordinary user (nobody), and the privileged lesson shows EACCES" {
  need_netns
  # The tour's files and the programs must be readable by nobody.
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/portlab-tour.XXXXXX")
  mkdir -p "$dir/demos" "$dir/tests/lib" "$dir/bin"
  cp -r "$BATS_TEST_DIRNAME"/../demos/. "$dir/demos/"
  cp "$BATS_TEST_DIRNAME"/lib/procs.bash "$dir/tests/lib/"
  cp "$BIN"/* "$dir/bin/"
  chmod -R a+rX "$dir"
  run --separate-stderr netns_run --nobody env PORTLAB_BIN="$dir/bin" NO_COLOR=1 TMPDIR=/tmp "$dir/demos/tour.sh"
  rm -rf "$dir"
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
