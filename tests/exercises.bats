#!/usr/bin/env bats
# The exercises (tests/exercises/): every checker fails on the untouched tree,
# saying what falls short, and passes once its reference solution
# (tests/exercises/solutions/NAME.patch) is applied - in a scratch copy of
# the tree and its build, never in the working tree.
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

# checker DIR NAME [BIN]: run DIR/tests/exercises/NAME.bats as a student
# would, in a clean environment (Bats' own variables would confuse it).
checker() {
  local bin=()
  [ -z "${3:-}" ] || bin=(PORTLAB_BIN="$3")
  run env -i PATH="$STUDENT_PATH" HOME="${HOME:-/root}" TMPDIR="${TMPDIR:-/tmp}" \
    PORTLAB_BATS_LIB="$PORTLAB_BATS_LIB" "${bin[@]}" bats --tap "$1/tests/exercises/$2.bats"
}

# scratch_with NAME: a copy of the tree and its build in $scratch, NAME's
# solution applied, rebuilt (only what the patch touched recompiles).
scratch_with() {
  scratch=$BATS_TEST_TMPDIR/tree
  mkdir -p "$scratch/build"
  (cd "$ROOT" && tar -cf - --exclude=./build --exclude=./bin --exclude=./.git .) | (cd "$scratch" && tar -xf -)
  [ ! -d "$ROOT/build/release" ] || cp -a "$ROOT/build/release" "$scratch/build/"
  [ -f "$scratch/VERSION" ] || [ ! -f "$ROOT/build/release/version.h" ] ||
    sed -n 's/^#define PORTLAB_VERSION "\(.*\)"$/\1/p' "$ROOT/build/release/version.h" >"$scratch/VERSION"
  if command -v git >/dev/null; then
    (cd "$scratch" && git apply "$EX/solutions/$1.patch") || return 1
  else
    (cd "$scratch" && patch -s -p1 <"$EX/solutions/$1.patch") || return 1
  fi
  make -C "$scratch" -s all >"$BATS_TEST_TMPDIR/make.log" 2>&1 || { cat "$BATS_TEST_TMPDIR/make.log"; return 1; }
}

# prove NAME: the checker falls short on our programs, and passes on the solution's.
prove() {
  checker "$ROOT" "$1" "$BIN"
  [ "$status" -ne 0 ] || fail "the $1 checker passes on the untouched tree: it cannot tell a done exercise from an undone one"
  assert_output --partial "what still falls short"
  refute_output --partial "# skip"
  scratch_with "$1" || fail "the solution $1.patch does not apply or build"
  checker "$scratch" "$1"
  [ "$status" -eq 0 ] || fail "the $1 checker fails on its own solution: $output"
  refute_output --partial "# skip"
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
  assert_line --regexp "^same-port-udp-twice +make same-port-server ask for its UDP port a second time too"
  assert_line --partial "(read docs/restart.md first; edit demos/restart/server.c)"
  run "$EX/run" check no-such-exercise
  assert_failure 2
}

@test "same-port-udp-twice: fails as handed out, passes when done" { prove same-port-udp-twice; }
@test "privileged-fallback: fails as handed out, passes when done" { prove privileged-fallback; }
@test "ephemeral-in-range: fails as handed out, passes when done" { prove ephemeral-in-range; }
@test "services-closed-names: fails as handed out, passes when done" { prove services-closed-names; }
@test "rendezvous-udp-lookup: fails as handed out, passes when done" { prove rendezvous-udp-lookup; }
@test "restart-reuseaddr: fails as handed out, passes when done" { prove restart-reuseaddr; }
@test "wire-catch-reply: fails as handed out, passes when done" { prove wire-catch-reply; }
