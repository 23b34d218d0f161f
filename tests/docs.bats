#!/usr/bin/env bats
# run-bats: early (one of the slowest files: started first)
# The lessons: their transcripts match real runs, their links lead somewhere.
load helpers


ROOT=$BATS_TEST_DIRNAME/..

@test "every transcript in docs/ matches what the programs print" {
  # One file at a time: the suite already runs test files side by side, and
  # a second level of parallel processes costs more CPU than it saves.
  run env PORTLAB_JOBS=1 "$BATS_TEST_DIRNAME/check-transcripts" "$ROOT"/docs/*.md
  assert_success
  assert_line --regexp "^transcripts: [1-9][0-9]* checked, [0-9]+ skipped$"
}

@test "every demo has a lesson with at least one verified transcript" {
  local d name
  for d in "$ROOT"/demos/*/; do
    name=$(basename "$d")
    [ -f "$ROOT/docs/$name.md" ] || fail "demos/$name has no docs/$name.md"
    grep -q '^<!-- transcript' "$ROOT/docs/$name.md" || fail "docs/$name.md has no verified transcript"
    grep -q "($name.md)" "$ROOT/docs/README.md" || fail "demos/$name: add a row linking $name.md to the lesson table in docs/README.md"
    grep -q "docs/$name.md" "$ROOT/README.md" || fail "demos/$name: add a row linking docs/$name.md to the demo table in README.md"
  done
}

# The lists that name every demo by hand (README's "Adding a demo" names
# them): each demo folder must be in each, or this says which file to add
# it to. The lesson tables are checked just above.
@test "every demo is in every list that names them all" {
  local d name lessons
  lessons=" $(sed -n 's/^LESSONS=(\([^)]*\)).*/\1/p' "$ROOT/demos/tour.sh") "
  [ "$lessons" != "  " ] || fail "demos/tour.sh has no LESSONS=(...) line to check"
  for d in "$ROOT"/demos/*/; do
    name=$(basename "$d")
    [[ $lessons == *" $name "* ]] || fail "demos/$name: add '$name' to LESSONS in demos/tour.sh (lesson order)"
    [ -f "$d/tour.sh" ] || fail "demos/$name: add demos/$name/tour.sh (its part of the tour)"
    grep -q "^$name|" "$ROOT/tests/demos.list" || fail "demos/$name: add a line '$name|SERVER ARGS|CLIENT ARGS' to tests/demos.list"
    [ -f "$ROOT/tests/$name.bats" ] || fail "demos/$name: add tests/$name.bats (what its lesson claims, proved)"
  done
}

# broken_links FILE...: each relative link in FILEs to a missing file, in
# the array bad. (Run untraced: a loop over every line of every lesson.)
broken_links() {
  local file line link re='\]\(([^)]+)\)(.*)'
  bad=()
  for file in "$@"; do
    while IFS= read -r line; do
      while [[ $line =~ $re ]]; do
        link=${BASH_REMATCH[1]} line=${BASH_REMATCH[2]}
        link=${link%%#*}
        case $link in http*|mailto:*|'') continue ;; esac
        [ -e "${file%/*}/$link" ] || bad+=("${file#"$ROOT"/}: $link")
      done
    done <"$file"
  done
}

@test "every relative link in README.md and docs/ points at a file that exists" {
  local bad=()
  proc_untraced broken_links "$ROOT"/README.md "$ROOT"/docs/*.md
  [ ${#bad[@]} -eq 0 ] || fail "broken links: ${bad[*]}"
}

# check_bad_transcript NAME LINE: a lesson whose transcript expects LINE (its
# line 8) right after the client's first line; run the checker on it.
check_bad_transcript() {
  cat >"$BATS_TEST_TMPDIR/$1.md" <<MD
<!-- transcript -->
\`\`\`
\$ bin/same-port-server -p 0 -b 127.0.0.1 &
...
ready on 127.0.0.1:{port} (tcp+udp)
\$ bin/same-port-client -p {port} 127.0.0.1
tcp: connecting to 127.0.0.1:{port}
$2
...
\`\`\`
MD
  run "$BATS_TEST_DIRNAME/check-transcripts" "$BATS_TEST_TMPDIR/$1.md"
}

@test "the transcript checker catches a line the program does not print" {
  check_bad_transcript stale "tcp: this line was never printed"
  assert_failure 1
  assert_line --partial "stale.md:8: expected: tcp: this line was never printed"
}

@test "the transcript checker holds a {name} to one number" {
  check_bad_transcript twice "tcp: our end is 127.0.0.1:{port} (the kernel picked that source port)"
  assert_failure 1
  assert_line --partial "twice.md:8: expected: tcp: our end is 127.0.0.1:{port}"
}

# figure_problems FILE: what is wrong with FILE's figure, one line each (none
# when it is right): the lesson opens with it (the first thing after the
# title is "<!-- figure -->" and a code block), there is one, and each line
# of it is printable ASCII (a plain terminal font has every character), no
# tab, at most 72 columns.
figure_problems() {
  LC_ALL=C awk -v f="${1#"$ROOT"/}" '
    NR == 1 { next }
    !opened && /^$/ { next }
    !opened { opened = 1; if ($0 != "<!-- figure -->") { print f ": does not open with <!-- figure -->"; exit } next }
    opened == 1 { opened = 2; if ($0 !~ /^```/) { print f ": no code block after <!-- figure -->"; exit } next }
    opened == 2 && /^```/ { opened = 3; if (!lines) print f ": the figure is empty"; next }
    opened == 2 {
      lines++
      if (/\t/) print f ":" NR ": a tab"
      if (/[^ -~]/) print f ":" NR ": a character outside printable ASCII"
      if (length($0) > 72) print f ":" NR ": " length($0) " columns (72 at most)"
      next
    }
    /^<!-- figure -->$/ { print f ":" NR ": a second figure" }
    END { if (opened == 2) print f ": the figure block is never closed" }
  ' "$1"
}

@test "every lesson opens with its figure: one, plain printable ASCII, no tabs, at most 72 columns" {
  local name p problems=''
  for name in README $(sed -n 's/^\([a-z0-9-]*\)|.*/\1/p' "$ROOT/tests/demos.list"); do
    [ -f "$ROOT/docs/$name.md" ] || { problems+="docs/$name.md is missing"$'\n'; continue; }
    p=$(figure_problems "$ROOT/docs/$name.md")
    [ -z "$p" ] || problems+="$p"$'\n'
  done
  [ -z "$problems" ] || fail "$problems"
}

@test "the figure check catches a wide line, a tab, a non-ASCII character and a missing figure" {
  local f=$BATS_TEST_TMPDIR/bad.md
  printf '# bad\n\n<!-- figure -->\n```\n%073d\n a\ttab\n \xe2\x86\x92 arrow\n```\n' 0 >"$f"
  run figure_problems "$f"
  assert_line --partial ":5: 73 columns"
  assert_line --partial ":6: a tab"
  assert_line --partial ":7: a character outside printable ASCII"
  printf '# bad\n\nNo figure.\n' >"$f"
  run figure_problems "$f"
  assert_output --partial "does not open with <!-- figure -->"
}
