#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The exercises (tests/exercises/): every checker fails on the untouched tree,
# saying what falls short, passes once its reference solution
# (tests/exercises/solutions/NAME.patch) is applied, and fails on each of
# its known cheats (tests/exercises/cheats/NAME-*.patch) and each trick
# outside the file (a GNUmakefile, fake Bats libraries, an environment) -
# each run as a student runs it, `make exercise E=NAME` in a fresh clone of
# the tree, the change applied and not committed; never in the working tree.
load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
EX=$ROOT/tests/exercises

# The PATH a student has: without Bats' own libexec folder, which Bats puts
# first while it runs (a Bats started from there would not find itself).
STUDENT_PATH=
IFS=: read -r -a _dirs <<<"$PATH"
for _d in "${_dirs[@]}"; do
  [[ $_d == *libexec/bats-core* ]] || STUDENT_PATH+=${STUDENT_PATH:+:}$_d
done
unset _d _dirs

# exercise_facts CHECKER PATCH: the checker's "# exercise:", "# lesson:" and
# "# edit:" lines (ex_exercise, ex_lesson, ex_edit), the files its solution
# changes (p_files, from its "+++ " lines) and how many lines (p_changed).
exercise_facts() {
  local line
  ex_exercise='' ex_lesson='' ex_edit='' p_files=() p_changed=0
  while IFS= read -r line; do
    case $line in
      '# exercise: '*) [ -n "$ex_exercise" ] || ex_exercise=${line#'# exercise: '} ;;
      '# lesson: '*) [ -n "$ex_lesson" ] || ex_lesson=${line#'# lesson: '} ;;
      '# edit: '*) [ -n "$ex_edit" ] || ex_edit=${line#'# edit: '} ;;
    esac
  done <"$1"
  while IFS= read -r line; do
    case $line in
      '+++ '*) p_files+=("${line#'+++ '}") ;;
      '---'* | '+++'*) ;;
      [+-]?*) p_changed=$((p_changed + 1)) ;;
    esac
  done <"$2"
}

@test "every demo has an exercise, and every exercise a solution and a lesson" {
  local d name f c line ex_exercise ex_lesson ex_edit p_files p_changed
  for d in "$ROOT"/demos/*/; do
    name=${d%/} name=${name##*/}
    compgen -G "$EX/$name-*.bats" >/dev/null || fail "demos/$name has no exercise in tests/exercises/"
  done
  for f in "$EX"/*.bats; do
    name=${f##*/} name=${name%.bats}
    [ -f "$EX/solutions/$name.patch" ] || fail "$name has no solutions/$name.patch"
    compgen -G "$EX/cheats/$name-*.patch" >/dev/null || fail "$name has no known cheat in cheats/$name-*.patch"
    proc_untraced exercise_facts "$f" "$EX/solutions/$name.patch"
    [ -n "$ex_exercise" ] && [ -n "$ex_edit" ] || fail "$name: no '# exercise:' or '# edit:' line"
    [ -n "$ex_lesson" ] && [ -f "$ROOT/$ex_lesson" ] || fail "$name: its lesson does not exist"
    # The solution touches only the file the exercise names, in under 30 changed lines.
    [ ${#p_files[@]} -eq 1 ] || fail "$name.patch changes more than one file"
    [ "${p_files[0]}" = "b/$ex_edit" ] || fail "$name.patch changes another file than the one named"
    [ "$p_changed" -lt 30 ] || fail "$name.patch is not small"
    # Each cheat says on its first line what it fakes, and changes the same one file.
    for c in "$EX/cheats/$name"-*.patch; do
      IFS= read -r line <"$c"
      [[ $line == 'cheat: '?* ]] || fail "${c##*/}: its first line does not say what it fakes ('cheat: ...')"
      proc_untraced exercise_facts "$f" "$c"
      [ ${#p_files[@]} -eq 1 ] && [ "${p_files[0]}" = "b/$ex_edit" ] || fail "${c##*/} changes another file than $ex_edit"
    done
  done
}

# The checkers' tracer: what it writes is the kernel's answer, and the
# program it runs cannot write there (the descriptor is closed at its exec).
# LeakSanitizer cannot run under ptrace (it stops the world with ptrace of
# its own), so make check's build keeps ASan and UBSan here, without leaks.
calls_into() {
  local out=$1; shift
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" exec "$ROOT/build/tools/calls" 7 "$@" 7>"$out"
}

@test "the checkers' tracer (tests/tools/calls) writes each bind() as the kernel answered it, a refusal by its name, where the program cannot write; a thread, shared memory, /proc/PID/mem or an untraced child ends its process" {
  local out=$BATS_TEST_TMPDIR/calls
  [ -x "$ROOT/build/tools/calls" ] || fail "no build/tools/calls: run make test (it builds the test tools)"
  run "$ROOT/build/tools/calls" 7 sh -c 'cd /proc/$$/fd && echo *' 7>"$out"
  assert_success
  assert_output --regexp '(^| )2( |$)'
  refute_output --regexp '(^| )7( |$)'
  start_server --via "calls_into $out" same-port-server -p 0 -b 127.0.0.1
  stop_server
  run cat "$out"
  assert_line --regexp "^[0-9]+ bind udp 127\.0\.0\.1:$server_port sock=[0-9]+ -> 0\$"
  assert_line --regexp "^[0-9]+ bind tcp 127\.0\.0\.1:$server_port sock=[0-9]+ -> EADDRINUSE\$"
  # What could change a call after the tracer has read it, or escape it,
  # ends its process: a thread, memory mapped shared, a /proc/PID/mem opened,
  # a process made not to be traced. Each probe runs to 0 untraced; a vfork
  # (system()) is no thread, and runs to 0 traced too.
  local probe=$BATS_TEST_TMPDIR/probe what
  printf '%s\n' '#define _GNU_SOURCE' '#include <fcntl.h>' '#include <pthread.h>' '#include <signal.h>' \
    '#include <stdlib.h>' '#include <string.h>' '#include <unistd.h>' '#include <sys/mman.h>' \
    '#include <sys/syscall.h>' 'static void *run(void *p) { return p; }' \
    'int main(int argc, char **argv) { pthread_t t; const char *w = argc > 1 ? argv[1] : "";' \
    ' if (!strcmp(w, "thread")) return pthread_create(&t, 0, run, 0) || pthread_join(t, 0);' \
    ' if (!strcmp(w, "shared")) return mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED;' \
    ' if (!strcmp(w, "mem")) return open("/proc/self/mem", O_RDWR) < 0;' \
    ' if (!strcmp(w, "untraced")) { long k = syscall(SYS_clone, 0x00800000L | SIGCHLD, 0L, 0L, 0L, 0L);' \
    '   if (k == 0) _exit(0); return k < 0; }' \
    ' return system("true") != 0; }' >"$probe.c"
  "${CC:-cc}" -pthread -o "$probe" "$probe.c" || fail "cannot build the probe with ${CC:-cc}"
  for what in thread shared mem untraced vfork; do
    run "$probe" "$what"
    assert_success
    run "$ROOT/build/tools/calls" 7 "$probe" "$what" 7>"$out"
    if [ "$what" = vfork ]; then assert_success; else assert_failure 137; fi
    run cat "$out"
    case $what in
      thread) assert_output --regexp '^[0-9]+ ended: a thread ' ;;
      shared) assert_output --regexp '^[0-9]+ ended: memory mapped shared ' ;;
      mem) assert_output --regexp '^[0-9]+ ended: a /proc/PID/mem or /dev/userfaultfd opened' ;;
      untraced) assert_output --regexp '^[0-9]+ ended: a process made not to be traced' ;;
      vfork) refute_output --partial ended ;;
    esac
  done
}

@test "make exercises lists each exercise with its task, its lesson and the file it edits; E=a demo's name names its exercises; an unknown one exits 2" {
  run "$EX/run" list
  assert_success
  assert_line --regexp "^same-port-udp-twice +make same-port-server ask for its UDP port a second time too"
  assert_line --regexp "^ +read docs/same-port.md first, then edit demos/same-port/server.c$"
  assert_line --regexp "^ +read docs/restart.md first, then edit demos/restart/server.c$"
  local all=("$EX"/*.bats)
  [ "$(grep -c '^ \+read docs/.* first, then edit demos/' <<<"$output")" -eq "${#all[@]}" ] || fail "not one 'read ... then edit' line per exercise: $output"
  # A demo's name: its exercises are named.
  run "$EX/run" check same-port
  assert_failure 2
  assert_output --partial "exercise: no exercise 'same-port'; did you mean:"
  assert_line "  make exercise E=same-port-udp-twice"
  refute_line "  make exercise E=restart-reuseaddr"
  # Nothing like any of them: all are named.
  run "$EX/run" check no-such-exercise
  assert_failure 2
  [ "$(grep -c '^  make exercise E=' <<<"$output")" -eq "${#all[@]}" ] || fail "not every exercise named: $output"
}

# tree_copy DIR: the tree and its build (so that only what changes compiles),
# with the version it was built as; no bin/, no .git.
tree_copy() {
  mkdir -p "$1/build"
  (cd "$ROOT" && tar -cf - --exclude=./build --exclude=./bin --exclude=./.git --exclude=./tests/.deps .) | (cd "$1" && tar -xf -)
  [ ! -d "$ROOT/build/release" ] || cp -a "$ROOT/build/release" "$1/build/"
  [ -f "$1/VERSION" ] || [ ! -f "$ROOT/build/release/version.h" ] ||
    sed -n 's/^#define PORTLAB_VERSION "\(.*\)"$/\1/p' "$ROOT/build/release/version.h" >"$1/VERSION"
}

# as_student [VAR=VALUE]... COMMAND...: with a student's PATH and little else.
as_student() {
  env -i PATH="$STUDENT_PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" PROC_CAN_NETNS="${PROC_CAN_NETNS:-}" "$@"
}

# student_clone DIR: what a student has - a git clone of the tree under test
# (changes to it not yet committed are copied over and committed in the
# clone: the clone is the tree as it is now), with its Bats libraries (the
# check builds what it runs itself). Not a git checkout (a release tarball):
# the tree copied, then made a repository. Made once a run of this file;
# each test gets a copy of its own.
student_clone() {
  [ -f "$BATS_FILE_TMPDIR/student/Makefile" ] || make_student_clone "$BATS_FILE_TMPDIR/student"
  cp -a "$BATS_FILE_TMPDIR/student" "$1"
}
make_student_clone() {
  [ -f "$ROOT/tests/.deps/bats-assert/load.bash" ] || skip "needs the Bats libraries in tests/.deps (tests/run-bats fetches them)"
  local dir=$1
  if git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
    git clone -q "$ROOT" "$dir" || fail "git clone of the tree failed"
    (cd "$ROOT" && git ls-files -z -c -o --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
      tar -xf - -C "$dir" || fail "could not copy the tree's uncommitted changes"
    (cd "$ROOT" && git ls-files -z -d) | (cd "$dir" && xargs -0 -r rm -f --)
  else
    tree_copy "$1"
    rm -rf "$1/build"
    git -C "$dir" init -q
  fi
  git -C "$dir" add -A
  git -C "$dir" diff --cached --quiet ||
    git -C "$dir" -c user.name=student -c user.email=student@example.org commit -qm "the tree under test"
  # Its Bats libraries (not make macos's compiler, 390 MB, if fetched).
  mkdir -p "$dir/tests/.deps"
  cp -a "$ROOT/tests/.deps/bats-support" "$ROOT/tests/.deps/bats-assert" "$dir/tests/.deps/"
}

# The suite runs each checker exactly as a student does: `make exercise
# E=NAME` in the clone's folder, with a student's environment.

# check_solutions TREE LANE LANES: in clone TREE, every LANES-th exercise from
# LANE: its solution applied (not committed), checked, undone. Prints what fell short.
check_solutions() {
  local tree=$1 lane=$2 lanes=$3 i=0 f name edit output status
  cd "$tree" || { echo "no clone $tree"; return; }
  for f in tests/exercises/*.bats; do
    i=$((i + 1))
    [ $(((i - 1) % lanes)) -eq "$lane" ] || continue
    name=$(basename "$f" .bats)
    edit=$(sed -n 's/^# edit: //p' "$f" | head -n 1)
    git apply "tests/exercises/solutions/$name.patch" || { echo "$name: its solution does not apply"; continue; }
    output=$(as_student make exercise E="$name" 2>&1) && status=0 || status=$?
    [ "$status" -eq 0 ] && [[ $output == *"exercise $name: done - every check passes."* ]] ||
      echo "$name, with its solution applied: exit $status: $output"
    [[ $output != *"Nothing to be done"* ]] || echo "$name: make's noise, 'Nothing to be done': $output"
    git checkout -q -- "$edit"
  done
}

# bats test_tags=exhaustive
@test "as a student, in a fresh clone: make exercise E=NAME says 'done' with its solution applied and not committed; no make noise" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone problems
  # Two clones, two lanes at once: each check mostly waits for the kernel.
  student_clone "$tree.0"
  student_clone "$tree.1"
  check_solutions "$tree.1" 1 2 >"$BATS_TEST_TMPDIR/lane1" 2>&1 &
  local other=$!
  problems=$(check_solutions "$tree.0" 0 2 2>&1)
  wait "$other" || problems+=$'\n'"the second lane did not run"
  problems+=$(<"$BATS_TEST_TMPDIR/lane1")
  [ -z "$problems" ] || fail "$problems"
}

# check_directly TREE LANE LANES: every LANES-th checker from LANE, run on
# TREE's programs as make exercise runs it (the committed checker, the pinned
# libraries, an environment of its own). Prints what fell short.
check_directly() {
  local tree=$1 lane=$2 lanes=$3 i=0 f output
  cd "$tree" || { echo "no clone $tree"; return; }
  for f in tests/exercises/*.bats; do
    i=$((i + 1))
    [ $(((i - 1) % lanes)) -eq "$lane" ] || continue
    output=$(env -i PATH="$STUDENT_PATH" HOME="$tree" TMPDIR="$tree" LANG=C.UTF-8 PORTLAB_BIN="$tree/bin" \
      tests/run-bats "$f" 2>&1) || echo "$(basename "$f" .bats), with its solution applied: $output"
  done
}

# make test's proof of the same, for less: every solution applied at once to
# one clone (each changes a file of its own), built once, each checker run on
# it directly; the front door (make exercise: HEAD copied aside, the one file
# taken, the build) once, for one exercise. make test-all runs all nine
# through the front door (the test above).
@test "every checker passes with its solution (all applied to one clone, built once); make exercise says 'done' for one of them, as a student runs it, with no make noise" {
  command -v git >/dev/null || skip "needs git"
  local tree f problems='' one=same-port-udp-twice output other
  # A folder the programs' unprivileged user may enter (they run as nobody).
  tree=$(mktemp -d "${TMPDIR:-/tmp}/portlab-solutions.XXXXXX") && chmod 755 "$tree"
  student_clone "$tree/all"
  cd "$tree/all"
  for f in tests/exercises/solutions/*.patch; do git apply "$f" || fail "${f##*/} does not apply beside the others"; done
  as_student make -s -j"$(nproc)" CFLAGS=-O0 all build/tools/calls >/dev/null 2>&1 || { rm -rf "$tree"; fail "the tree with every solution does not build"; }
  check_directly "$tree/all" 1 2 >"$BATS_TEST_TMPDIR/lane1" 2>&1 &
  other=$!
  problems=$(check_directly "$tree/all" 0 2 2>&1)
  wait "$other" || problems+=$'\n'"the second lane did not run"
  problems+=$(<"$BATS_TEST_TMPDIR/lane1")
  # The front door, once.
  student_clone "$tree/one"
  cd "$tree/one"
  git apply "tests/exercises/solutions/$one.patch"
  output=$(as_student make exercise E="$one" 2>&1) ||
    problems+=$'\n'"make exercise E=$one, with its solution applied: $output"
  [[ $output == *"exercise $one: done - every check passes."* && $output != *"Nothing to be done"* ]] ||
    problems+=$'\n'"make exercise E=$one: not 'done', or make's noise: $output"
  cd / && rm -rf "$tree"
  [ -z "$problems" ] || fail "$problems"
}

# bats test_tags=exhaustive
@test "as a student, in a fresh clone: make exercise E=NAME says 'not yet' on the tree as handed out, and exits non-zero; no make noise" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/untouched f name output status problems=''
  student_clone "$tree"
  cd "$tree"
  for f in tests/exercises/*.bats; do
    name=$(basename "$f" .bats)
    output=$(as_student make exercise E="$name" 2>&1) && status=0 || status=$?
    [ "$status" -ne 0 ] && [[ $output == *"exercise $name: not yet - "* ]] ||
      problems+="$name, untouched: exit $status, and no 'not yet': $output"$'\n'
    [[ $output != *"Nothing to be done"* ]] || problems+="$name: make's noise, 'Nothing to be done': $output"$'\n'
  done
  [ -z "$problems" ] || fail "${problems%$'\n'}"
}

# bats test_tags=exhaustive
@test "make exercise checks the committed tree with the exercise's file alone: anything else changed is named and not checked (an edited checker, a GNUmakefile, a file .gitignore hides, common/); the hints alone; a warning (an unused variable mid-edit) is a warning: the check still runs" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone
  student_clone "$tree"
  cp -a "$tree" "$tree.orig"
  # Not done yet, and mid-edit: an unused variable is shown as the warning
  # it is, and the check runs all the same, saying what falls short.
  sed -i 's/^    int tcp = -1, /    int unused_mid_edit, tcp = -1, /' "$tree/demos/same-port/server.c"
  grep -q unused_mid_edit "$tree/demos/same-port/server.c" || fail "the edit did not apply"
  run as_student "$tree/tests/exercises/run" check same-port-udp-twice
  assert_failure 1
  assert_output --partial "unused_mid_edit"
  refute_output --partial "error: unused"
  # The hint alone - no file and line, no source of the failed command.
  assert_line "what still falls short:"
  assert_line --partial "  - nothing in the server's story shows a second UDP bind() refused."
  refute_output --partial "(in test file"
  refute_output --partial '`hint "'
  refute_output --partial "bats: "
  assert_output --partial "(all of the check's report: make exercise E=same-port-udp-twice V=1)"
  # Each of these, alone, is named, and nothing is checked (exit 2).
  local change file
  for change in checker gnumakefile gitignore common; do
    rm -rf "$tree" && cp -a "$tree.orig" "$tree"
    case $change in
      checker) # the checker's hints turned into `true`
        sed -i 's/^\( *\)hint /\1true /' "$tree/tests/exercises/same-port-udp-twice.bats"
        file=tests/exercises/same-port-udp-twice.bats ;;
      gnumakefile) # make reads it first: the old way around the committed checker
        printf 'export EXERCISE_COMMITTED = 1\nexport PORTLAB_BIN = %s\ninclude Makefile\n' "$BIN" >"$tree/GNUmakefile"
        file=GNUmakefile ;;
      gitignore) # a helper that a .gitignore of its own hides from git
        mkdir "$tree/demos/same-port/.h" && printf '*\n' >"$tree/demos/same-port/.h/.gitignore" &&
          echo 'int main(void) { return 0; }' >"$tree/demos/same-port/.h/argv.c"
        [ -z "$(git -C "$tree" status --porcelain)" ] || fail "git sees the hidden helper: not the trick"
        file=demos/same-port/.h ;;
      common)
        echo '/* a change */' >>"$tree/common/narrate.c"
        file=common/narrate.c ;;
    esac
    run as_student make -C "$tree" -s exercise E=same-port-udp-twice
    [ "$status" -ne 0 ] && [[ $output == *"exercise same-port-udp-twice: not checked - "* ]] ||
      fail "$change: exit $status, and no 'not checked': $output"
    assert_line "  $file"
    assert_output --partial "this exercise changes demos/same-port/server.c alone"
    refute_output --partial "done - every check passes"
  done
}

# bats test_tags=exhaustive
@test "tricks outside the exercise's file pass no check: the caller's environment (EXERCISE_COMMITTED, PORTLAB_BIN, BASH_ENV), fake Bats libraries in tests/.deps, a checker committed changed (a teacher checks the file alone, with the teacher's own clone), a header from outside the tree" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone teacher=$BATS_TEST_TMPDIR/teacher
  student_clone "$tree"
  student_clone "$teacher"
  # A solved tree's programs, and a bash start-up file that makes every check pass.
  mkdir "$BATS_TEST_TMPDIR/solved" && cp -a "$teacher/." "$BATS_TEST_TMPDIR/solved/" &&
    (cd "$BATS_TEST_TMPDIR/solved" && git apply tests/exercises/solutions/same-port-udp-twice.patch &&
       make -s all CFLAGS=-O0 >/dev/null 2>&1) || fail "could not build a solved tree"
  printf 'hint() { :; }\nfail() { :; }\n' >"$BATS_TEST_TMPDIR/bash_env"
  run as_student EXERCISE_COMMITTED=1 PORTLAB_BIN="$BATS_TEST_TMPDIR/solved/bin" BASH_ENV="$BATS_TEST_TMPDIR/bash_env" \
    make -C "$tree" -s exercise E=same-port-udp-twice
  assert_failure
  assert_output --partial "what still falls short:"
  # Bats libraries whose fail() passes: not used (fetched anew, or not checked).
  sed -i 's/^fail() {$/fail() { return 0/' "$tree/tests/.deps/bats-support/src/error.bash"
  grep -q '^fail() { return 0' "$tree/tests/.deps/bats-support/src/error.bash" || fail "the fake did not apply"
  run as_student make -C "$tree" -s exercise E=same-port-udp-twice
  [ "$status" -ne 0 ] || fail "fake libraries passed the check: $output"
  refute_output --partial "done - every check passes"
  # A checker changed and committed: the student's HEAD says done; a
  # teacher's clone checks the student's file alone with its own checker.
  rm -rf "$tree/tests/.deps" && cp -a "$teacher/tests/.deps" "$tree/tests/"
  sed -i 's/^\( *\)hint /\1true /' "$tree/tests/exercises/same-port-udp-twice.bats"
  git -C "$tree" -c user.name=s -c user.email=s@example.org commit -qam "a friendlier checker"
  run as_student "$teacher/tests/exercises/run" check same-port-udp-twice "$tree"
  assert_failure 1
  assert_output --partial "what still falls short:"
  # The solution with a header from outside the tree (by its absolute path:
  # once read as a path inside the tree): not checked.
  cp -a "$teacher" "$tree.abs" && cd "$tree.abs" && git apply tests/exercises/solutions/same-port-udp-twice.patch ||
    fail "could not apply the solution"
  echo '/* a header from outside the tree */' >"$BATS_TEST_TMPDIR/outside.h"
  sed -i "1i #include \"$BATS_TEST_TMPDIR/outside.h\"" demos/same-port/server.c
  run as_student make -s exercise E=same-port-udp-twice
  assert_failure 2
  assert_output --partial "exercise same-port-udp-twice: not checked - demos/same-port/server.c includes $BATS_TEST_TMPDIR/outside.h, outside the tree"
}

# bats test_tags=exhaustive
@test "as a student, in a fresh clone: make exercise E=NAME says 'not yet', with a hint, on each known cheat (tests/exercises/cheats/), applied and not committed" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone c name edit problems=''
  student_clone "$tree"
  cd "$tree"
  for c in tests/exercises/cheats/*.patch; do
    name=$(basename "$c" .patch)
    for edit in tests/exercises/*.bats; do
      edit=$(basename "$edit" .bats)
      [[ $name != "$edit"-* ]] || break
    done
    git apply "$c" || { problems+="${c##*/} does not apply"$'\n'; continue; }
    run as_student make exercise E="$edit"
    [ "$status" -ne 0 ] && [[ $output == *"what still falls short:"* && $output == *"exercise $edit: not yet - "* ]] ||
      problems+="${c##*/} ($(head -n 1 "$c")): not caught: exit $status: $output"$'\n'
    git checkout -q -- demos
  done
  [ -z "$problems" ] || fail "${problems%$'\n'}"
}
