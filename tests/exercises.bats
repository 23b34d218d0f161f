#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The exercises (tests/exercises/): every checker fails on the untouched tree,
# saying what falls short, passes once its reference solution
# (tests/exercises/solutions/NAME.patch) is applied, and fails on each of
# its known cheats (tests/exercises/cheats/NAME-*.patch) - in a scratch copy
# of the tree and its build, never in the working tree. The checkers run
# all at once, every way, in one Bats process (a Bats start costs a second
# here).
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

# Each checker many times, in one Bats process (a Bats start, and each test
# file's, costs a good part of a second here): "before" against our
# programs ($BIN), "after" against the scratch tree's, with the solutions
# applied, and once against each of its cheats. One file per checker holds
# its tests once per run, each test titled "RUN: ..." and given its BIN first.
# combine CHECKER OUT RUN=BIN...: write that file.
combine() {
  local checker=$1 out=$2 run first=1
  shift 2
  for run in "$@"; do
    awk -v run="${run%%=*}" -v bin="${run#*=}" -v first="$first" '
      /^@test "/ { body = 1; sub(/^@test "/, "@test \"" run ": "); print; print "  BIN=\"" bin "\""; next }
      body { print; if ($0 == "}") body = 0; next }
      first { print }' "$checker"
    first=0
  done >"$out"
}

# result_lines FIRST COUNT: the TAP lines of tests FIRST..FIRST+COUNT-1.
result_lines() {
  grep -E '^(not )?ok [0-9]+ ' <<<"$output" | sed -n "$1,$(($1 + $2 - 1))p"
}
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
  (cd "$ROOT" && tar -cf - --exclude=./build --exclude=./bin --exclude=./.git .) | (cd "$1" && tar -xf -)
  [ ! -d "$ROOT/build/release" ] || cp -a "$ROOT/build/release" "$1/build/"
  [ -f "$1/VERSION" ] || [ ! -f "$ROOT/build/release/version.h" ] ||
    sed -n 's/^#define PORTLAB_VERSION "\(.*\)"$/\1/p' "$ROOT/build/release/version.h" >"$1/VERSION"
}

# cheat_bin PATCH DIR: DIR/bin, the programs with PATCH's one file changed:
# that file compiled alone (the scratch tree's library), the rest linked to
# our own programs, and to the demo's own helpers (NAME.c beside a NAME.h,
# see the Makefile). In the background: the cheats compile side by side.
cheat_bin() {
  local file prog dir h helpers=()
  file=$(sed -n 's|^+++ b/||p' "$1")
  prog=${file#demos/} prog=${prog%%/*}-$(basename "$file" .c)
  dir=${file%/*}
  for h in "$ROOT/$dir"/*.h; do
    [ ! -f "${h%.h}.c" ] || helpers+=("$scratch/build/release/$dir/$(basename "$h" .h).o")
  done
  mkdir -p "$2/bin"
  ln -s "$BIN"/* "$2/bin/" && rm "$2/bin/$prog" &&
    patch -s -o "$2/cheat.c" "$ROOT/$file" <"$1" >"$2/cc.log" 2>&1 &&
    ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -O0 -w -I"$ROOT/common" -I"$ROOT/$dir" \
      -I"$scratch/build/release" -o "$2/bin/$prog" "$2/cheat.c" "${helpers[@]}" \
      "$scratch/build/release/libportlab.a" >>"$2/cc.log" 2>&1
}

# section FIRST COUNT: the output of tests FIRST..FIRST+COUNT-1, their
# comment lines (the hints) included.
section() {
  awk -v a="$1" -v b="$(($1 + $2))" '/^(not )?ok [0-9]+ / { n = $1 == "not" ? $3 : $2 } n >= a && n < b' <<<"$output"
}

# checkers INDEX...: run files[INDEX]... in one Bats process, as a student would.
checkers() {
  local i these=()
  for i in "$@"; do these+=("${files[$i]}"); done
  # (/usr/sbin and /sbin too, for ip and nft: as tests/exercises/run adds them)
  env -i PATH="$STUDENT_PATH:/usr/sbin:/sbin" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" PROC_CAN_NETNS="${PROC_CAN_NETNS:-}" \
    PORTLAB_BATS_LIB="$PORTLAB_BATS_LIB" bats --tap "${these[@]}"
}

# judge INDEX...: the TAP $output of `checkers INDEX...`, judged run by run
# (runs[] names them, counts[] says how many tests each; first_run[] and
# last_run[] say which runs each file holds).
judge() {
  local i r name res first=1
  for i in "$@"; do
    for ((r = first_run[i]; r <= last_run[i]; r++)); do
      name=${runs[$r]}
      res=$(result_lines "$first" "${counts[$r]}")
      [ "$(grep -c . <<<"$res")" -eq "${counts[$r]}" ] || fail "$name: its checks did not all run: $output"
      ! grep -q '# skip' <<<"$res" || fail "$name: a check was skipped: $res"
      case $name in
        before-*) grep -q '^not ok' <<<"$res" ||
                    fail "the ${name#before-} checker passes on the untouched tree: it cannot tell a done exercise from an undone one" ;;
        after-*) ! grep -q '^not ok' <<<"$res" || fail "the ${name#after-} checker fails on its own solution: $(section "$first" "${counts[$r]}")" ;;
        cheat-*) section "$first" "${counts[$r]}" | grep -q '^# what still falls short: ' ||
                   fail "$name: the checker is fooled by the cheat: it passes, or fails without a hint: $(section "$first" "${counts[$r]}")" ;;
      esac
      first=$((first + counts[r]))
    done
  done
}

# run_checkers WHICH: every checker in a scratch copy of the tree, with
# the solutions applied, judged run by run: WHICH is "solution" (each
# checker once, against its solution: it passes) or "cheats" (against the
# tree as handed out and against each of its known cheats: it falls short,
# saying what the kernel showed).
run_checkers() {
  local which=$1 f c name n i scratch=$BATS_TEST_TMPDIR/tree files=() runs=() counts=() first_run=() last_run=() pids=()
  # The patches touch one file each, all different: applied together, each
  # checker still sees only its own solution in the program it runs.
  [ "$(cat "$EX"/solutions/*.patch | grep -c '^+++ ')" -eq "$(cat "$EX"/solutions/*.patch | grep '^+++ ' | sort -u | wc -l)" ] ||
    fail "two solutions change the same file"
  tree_copy "$scratch"
  for f in "$EX"/solutions/*.patch; do
    if command -v git >/dev/null; then (cd "$scratch" && git apply "$f"); else (cd "$scratch" && patch -s -p1 <"$f"); fi ||
      fail "$(basename "$f") does not apply"
  done
  run make -C "$scratch" -s all CFLAGS=-O0 # only the patched files compile: no need to optimise them
  assert_success
  local cheats=()
  [ "$which" = solution ] || cheats=("$EX"/cheats/*.patch)
  mkdir -p "$BATS_TEST_TMPDIR/cheats" # (once: the loadable mkdir -p is no friend of races)
  for c in "${cheats[@]}"; do
    cheat_bin "$c" "$BATS_TEST_TMPDIR/cheats/$(basename "$c" .patch)" &
    pids+=("$!")
  done
  for f in "$EX"/*.bats; do
    name=$(basename "$f" .bats)
    n=$(grep -c '^@test ' "$f")
    if [ "$which" = solution ]; then
      set -- "after-$name=$scratch/bin"
    else
      set -- "before-$name=$BIN"
      for c in "$EX/cheats/$name"-*.patch; do
        c=$(basename "$c" .patch)
        set -- "$@" "cheat-${c#"$name"-}-$name=$BATS_TEST_TMPDIR/cheats/$c/bin"
      done
    fi
    first_run+=("${#runs[@]}")
    for c in "$@"; do runs+=("${c%%=*}") counts+=("$n"); done
    last_run+=($((${#runs[@]} - 1)))
    files+=("$scratch/tests/exercises/all-$name.bats")
    combine "$f" "${files[-1]}" "$@"
  done
  for n in "${!pids[@]}"; do
    c=$(basename "${cheats[$n]}" .patch)
    wait "${pids[$n]}" || fail "cheats/$c.patch does not apply to the demos as they are now, or does not compile: $(cat "$BATS_TEST_TMPDIR/cheats/$c/cc.log" 2>/dev/null)"
  done
  # Two Bats processes, half the checkers each, side by side.
  local half=() other=()
  for i in "${!files[@]}"; do
    if [ $((i % 2)) -eq 0 ]; then half+=("$i"); else other+=("$i"); fi
  done
  checkers "${other[@]}" >"$BATS_TEST_TMPDIR/other.tap" 2>&1 &
  n=$!
  run checkers "${half[@]}"
  wait "$n" || true
  judge "${half[@]}"
  output=$(<"$BATS_TEST_TMPDIR/other.tap")
  judge "${other[@]}"
}

@test "every checker passes with its solution (in a scratch copy)" {
  run_checkers solution
}

# bats test_tags=exhaustive
@test "every checker falls short on the tree as handed out and on each known cheat, saying what the kernel showed (in a scratch copy)" {
  run_checkers cheats
  assert_output --partial "what still falls short"
}

# as_student [VAR=VALUE]... COMMAND...: with a student's PATH and little else.
as_student() {
  env -i PATH="$STUDENT_PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" PROC_CAN_NETNS="${PROC_CAN_NETNS:-}" "$@"
}

# student_clone DIR: what a student has - a git clone of the tree under test
# (changes to it not yet committed are copied over and committed in the
# clone: the clone is the tree as it is now), with its Bats libraries and
# its programs built, as `make` leaves them. Not a git checkout (a release
# tarball): the tree copied, then made a repository. Made and built once a
# run of this file; each test gets a copy of its own (cp -a: no rebuild).
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
  cp -a "$ROOT/tests/.deps" "$dir/tests/"
  # What `make` builds there. When this tree's own build is up to date (the
  # clone's files are the same), a copy of it, made newer than the clone's
  # files: make then rebuilds only what names the version (the clone's own
  # commit); else built anew (unoptimised: only the build's speed differs).
  if [ -d "$ROOT/bin" ] && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$ROOT" -q all BUILD=build/release BIN=bin >/dev/null 2>&1; then
    { mkdir -p "$dir/build" && cp -a "$ROOT/build/release" "$dir/build/" && cp -a "$ROOT/bin" "$dir/" &&
      find "$dir/build" "$dir/bin" -exec touch {} +; } || fail "could not copy the build"
  fi
  env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$dir" -s -j2 all CFLAGS=-O0 >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
    fail "the clone does not build: $(cat "$BATS_FILE_TMPDIR/build.log")"
}

# The suite runs each checker exactly as a student does: `make exercise
# E=NAME` in the clone's folder, with a student's environment.
@test "as a student, in a fresh clone: make exercise E=NAME says 'not yet' on the tree as handed out, and 'done' with its solution applied and not committed; no make noise" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone f name edit problems=''
  student_clone "$tree"
  # As handed out, each in turn, in a clone of its own, while the solutions
  # are checked in the other (both would wait for the kernel, one at a time).
  student_clone "$tree.untouched"
  (
    cd "$tree.untouched" || exit 1
    for f in tests/exercises/*.bats; do
      name=$(basename "$f" .bats)
      output=$(as_student make exercise E="$name" 2>&1) && status=0 || status=$?
      [ "$status" -ne 0 ] && [[ $output == *"exercise $name: not yet - "* ]] ||
        echo "$name, untouched: exit $status, and no 'not yet': $output"
      [[ $output != *"Nothing to be done"* ]] || echo "$name: make's noise, 'Nothing to be done': $output"
    done
  ) >"$BATS_TEST_TMPDIR/untouched" 2>&1 &
  local untouched=$!
  # Each solution, applied (not committed), checked, and undone.
  cd "$tree"
  for f in tests/exercises/*.bats; do
    name=$(basename "$f" .bats)
    edit=$(sed -n 's/^# edit: //p' "$f" | head -n 1)
    git apply "tests/exercises/solutions/$name.patch" || { problems+="$name: its solution does not apply"$'\n'; continue; }
    run as_student make exercise E="$name"
    [ "$status" -eq 0 ] && [[ $output == *"exercise $name: done - every check passes."* ]] ||
      problems+="$name, with its solution applied: exit $status: $output"$'\n'
    [[ $output != *"Nothing to be done"* ]] || problems+="$name: make's noise, 'Nothing to be done': $output"$'\n'
    git checkout -q -- "$edit"
  done
  wait "$untouched" || problems+="the untouched clone's checks did not run"$'\n'
  problems+=$(<"$BATS_TEST_TMPDIR/untouched")
  [ -z "$problems" ] || fail "${problems%$'\n'}"
}

@test "make exercise runs the committed checker, not an edited one, refuses a change outside the exercise's file, and shows the hints alone" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone
  student_clone "$tree"
  # The checker's hints turned into `true` in the working tree: the committed one runs.
  sed -i 's/^\( *\)hint /\1true /' "$tree/tests/exercises/same-port-udp-twice.bats"
  run as_student PORTLAB_BIN="$BIN" "$tree/tests/exercises/run" check same-port-udp-twice
  assert_failure 1
  assert_line "what still falls short:"
  assert_line --partial "  - nothing in the server's story shows a second UDP bind() refused."
  # The hint alone: no file and line, no source of the failed command.
  refute_output --partial "(in test file"
  refute_output --partial '`hint "'
  refute_output --partial "bats: "
  assert_output --partial "(all of the check's report: make exercise E=same-port-udp-twice V=1)"
  # A change in common/ as well: not checked, and the file is named.
  echo '/* a change */' >>"$tree/common/narrate.c"
  run as_student PORTLAB_BIN="$BIN" "$tree/tests/exercises/run" check same-port-udp-twice
  assert_failure 2
  assert_line "  common/narrate.c"
  assert_output --partial "this exercise changes demos/same-port/server.c alone"
}

@test "in make exercise, a warning (an unused variable mid-edit) is a warning: the check still runs" {
  command -v git >/dev/null || skip "needs git"
  local tree=$BATS_TEST_TMPDIR/clone
  student_clone "$tree"
  sed -i 's/^    int tcp = -1, /    int unused_mid_edit, tcp = -1, /' "$tree/demos/same-port/server.c"
  grep -q unused_mid_edit "$tree/demos/same-port/server.c" || fail "the edit did not apply"
  run as_student make -C "$tree" -s exercise E=same-port-udp-twice
  assert_output --partial "unused_mid_edit"
  refute_output --partial "error: unused"
  assert_output --partial "what still falls short:"
}
