#!/usr/bin/env bats
# The exercises (tests/exercises/): every checker fails on the untouched tree,
# saying what falls short, and passes once its reference solution
# (tests/exercises/solutions/NAME.patch) is applied - in a scratch copy of
# the tree and its build, never in the working tree. The checkers run all
# at once, in one Bats process each way (a Bats start costs a second here).
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

# checkers DIR [BIN]: run every checker of DIR at once (one Bats process).
checkers() {
  local bin=()
  [ -z "${2:-}" ] || bin=(PORTLAB_BIN="$2")
  run env -i PATH="$STUDENT_PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" \
    PORTLAB_BATS_LIB="$PORTLAB_BATS_LIB" "${bin[@]}" bats --tap "$1"/tests/exercises/*.bats
}

# results_of NAME: the TAP lines of NAME's tests, from $output.
results_of() {
  local title
  while IFS= read -r title; do
    grep -E "^(not )?ok [0-9]+ $(printf '%s' "$title" | sed 's/[][\.*^$/()+?{}|]/\\&/g')( # skip.*)?$" <<<"$output"
  done < <(sed -n 's/^@test "\(.*\)" {$/\1/p' "$EX/$1.bats")
}
@test "every demo has an exercise, and every exercise a solution and a lesson" {
  local d name f
  for d in "$ROOT"/demos/*/; do
    name=$(basename "$d")
    compgen -G "$EX/$name-*.bats" >/dev/null || fail "demos/$name has no exercise in tests/exercises/"
  done
  for f in "$EX"/*.bats; do
    name=$(basename "$f" .bats)
    [ -f "$EX/solutions/$name.patch" ] || fail "$name has no solutions/$name.patch"
    grep -q '^# exercise: ' "$f" && grep -q '^# edit: ' "$f" || fail "$name: no '# exercise:' or '# edit:' line"
    [ -f "$ROOT/$(sed -n 's/^# lesson: //p' "$f")" ] || fail "$name: its lesson does not exist"
    # The solution touches only the file the exercise names, in under 30 changed lines.
    [ "$(grep -c '^+++ ' "$EX/solutions/$name.patch")" -eq 1 ] || fail "$name.patch changes more than one file"
    grep -q "^+++ b/$(sed -n 's/^# edit: //p' "$f")$" "$EX/solutions/$name.patch" || fail "$name.patch changes another file than the one named"
    [ "$(grep -cE '^[+-][^+-]' "$EX/solutions/$name.patch")" -lt 30 ] || fail "$name.patch is not small"
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

@test "every checker falls short on the tree as handed out, and says what to change" {
  local f name res
  checkers "$ROOT" "$BIN"
  [ "$status" -ne 0 ] || fail "the checkers all pass on the untouched tree"
  for f in "$EX"/*.bats; do
    name=$(basename "$f" .bats)
    res=$(results_of "$name")
    [ -n "$res" ] || fail "$name: its checks did not run: $output"
    grep -q '^not ok' <<<"$res" || fail "the $name checker passes on the untouched tree: it cannot tell a done exercise from an undone one"
    ! grep -q '# skip' <<<"$res" || fail "$name: a check was skipped: $res"
  done
  assert_output --partial "what still falls short"
}

@test "every checker passes once its solution is applied (each patch to its own file, in a scratch copy of the tree)" {
  local f name res scratch=$BATS_TEST_TMPDIR/tree
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
  run make -C "$scratch" -s all
  assert_success
  checkers "$scratch"
  for f in "$EX"/*.bats; do
    name=$(basename "$f" .bats)
    res=$(results_of "$name")
    [ -n "$res" ] || fail "$name: its checks did not run: $output"
    ! grep -q '^not ok' <<<"$res" || fail "the $name checker fails on its own solution: $output"
    ! grep -q '# skip' <<<"$res" || fail "$name: a check was skipped: $res"
  done
  assert_success
}
