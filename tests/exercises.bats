#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The exercises (tests/exercises/): every checker fails on the untouched tree,
# saying what falls short, and passes once its reference solution
# (tests/exercises/solutions/NAME.patch) is applied - in a scratch copy of
# the tree and its build, never in the working tree. The checkers run all
# at once, both ways, in one Bats process (a Bats start costs a second here).
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

# Each checker twice, in one Bats process (a Bats start costs a second
# here): "before" against our programs ($BIN), "after" against the scratch
# tree's, with the solutions applied. A copy of a checker beside the
# original, with PORTLAB_BIN set first, runs against that BIN.
# wrap DIR NAME WHEN BIN: write DIR/tests/exercises/WHEN-NAME.bats.
wrap() {
  { printf 'PORTLAB_BIN=%q\n' "$4"; cat "$EX/$2.bats"; } >"$1/tests/exercises/$3-$2.bats"
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
  local d name f ex_exercise ex_lesson ex_edit p_files p_changed
  for d in "$ROOT"/demos/*/; do
    name=${d%/} name=${name##*/}
    compgen -G "$EX/$name-*.bats" >/dev/null || fail "demos/$name has no exercise in tests/exercises/"
  done
  for f in "$EX"/*.bats; do
    name=${f##*/} name=${name%.bats}
    [ -f "$EX/solutions/$name.patch" ] || fail "$name has no solutions/$name.patch"
    proc_untraced exercise_facts "$f" "$EX/solutions/$name.patch"
    [ -n "$ex_exercise" ] && [ -n "$ex_edit" ] || fail "$name: no '# exercise:' or '# edit:' line"
    [ -n "$ex_lesson" ] && [ -f "$ROOT/$ex_lesson" ] || fail "$name: its lesson does not exist"
    # The solution touches only the file the exercise names, in under 30 changed lines.
    [ ${#p_files[@]} -eq 1 ] || fail "$name.patch changes more than one file"
    [ "${p_files[0]}" = "b/$ex_edit" ] || fail "$name.patch changes another file than the one named"
    [ "$p_changed" -lt 30 ] || fail "$name.patch is not small"
  done
}

@test "make exercises lists each exercise with its task and lesson; an unknown one exits 2" {
  run "$EX/run" list
  assert_success
  assert_line --regexp "^same-port-udp-twice +make same-port-server ask for its UDP port a second time too.* \[read docs/same-port.md first\]$"
  assert_line --regexp "^restart-reuseaddr +.* \[read docs/restart.md first\]$"
  local all=("$EX"/*.bats)
  [ "$(grep -c ' \[read docs/' <<<"$output")" -eq "${#all[@]}" ] || fail "not one line per exercise: $output"
  run "$EX/run" check no-such-exercise
  assert_failure 2
}

@test "every checker falls short on the tree as handed out, saying what to change, and passes with its solution (in a scratch copy)" {
  local f name n first=1 res scratch=$BATS_TEST_TMPDIR/tree files=() counts=()
  # The patches touch one file each, all different: applied together, each
  # checker still sees only its own solution in the program it runs.
  [ "$(cat "$EX"/solutions/*.patch | grep -c '^+++ ')" -eq "$(cat "$EX"/solutions/*.patch | grep '^+++ ' | sort -u | wc -l)" ] ||
    fail "two solutions change the same file"
  mkdir -p "$scratch/build"
  (cd "$ROOT" && tar -cf - --exclude=./build --exclude=./bin --exclude=./.git .) | (cd "$scratch" && tar -xf -)
  [ ! -d "$ROOT/build/release" ] || cp -a "$ROOT/build/release" "$scratch/build/"
  [ -f "$scratch/VERSION" ] || [ ! -f "$ROOT/build/release/version.h" ] ||
    sed -n 's/^#define PORTLAB_VERSION "\(.*\)"$/\1/p' "$ROOT/build/release/version.h" >"$scratch/VERSION"
  for f in "$EX"/solutions/*.patch; do
    if command -v git >/dev/null; then (cd "$scratch" && git apply "$f"); else (cd "$scratch" && patch -s -p1 <"$f"); fi ||
      fail "$(basename "$f") does not apply"
  done
  run make -C "$scratch" -s all CFLAGS=-O0 # only the patched files compile: no need to optimise them
  assert_success
  for f in "$EX"/*.bats; do
    name=$(basename "$f" .bats)
    wrap "$scratch" "$name" before "$BIN"
    wrap "$scratch" "$name" after "$scratch/bin"
    files+=("$scratch/tests/exercises/before-$name.bats" "$scratch/tests/exercises/after-$name.bats")
    n=$(grep -c '^@test ' "$f")
    counts+=("$n" "$n")
  done
  run env -i PATH="$STUDENT_PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" PROC_CAN_NETNS="${PROC_CAN_NETNS:-}" \
    PORTLAB_BATS_LIB="$PORTLAB_BATS_LIB" bats --tap "${files[@]}"
  for i in "${!files[@]}"; do
    name=$(basename "${files[$i]}" .bats)
    res=$(result_lines "$first" "${counts[$i]}")
    first=$((first + counts[i]))
    [ "$(grep -c . <<<"$res")" -eq "${counts[$i]}" ] || fail "$name: its checks did not all run: $output"
    ! grep -q '# skip' <<<"$res" || fail "$name: a check was skipped: $res"
    case $name in
      before-*) grep -q '^not ok' <<<"$res" ||
                  fail "the ${name#before-} checker passes on the untouched tree: it cannot tell a done exercise from an undone one" ;;
      after-*) ! grep -q '^not ok' <<<"$res" || fail "the ${name#after-} checker fails on its own solution: $output" ;;
    esac
  done
  assert_output --partial "what still falls short"
}
