#!/usr/bin/env bats
# The beginner's path (issue 34, items 1 and 2), checked on the source and
# the lessons themselves - no program is run:
#   - every program is short, its main() too, its lesson marked and early;
#   - the calls each program's lesson is about are in the program's own code
#     (the table LESSON_CALLS below: edit it when a lesson changes);
#   - every lesson opens plainly, then "## Read the code" with 3-5 stops
#     that lead to real functions, and keeps its exact rules for
#     "## The fine print".
# Each check is a function that takes the tree's root, prints one line per
# problem ("FILE: the rule broken") and returns 1 if there was any; the
# same functions run on a small made-up tree at the end, so a check that
# passes is seen to be able to fail.
load helpers

# Nothing here runs a program: no copy of bin/ and no "run make first".
setup_file() { :; }
teardown_file() { :; }
setup() { :; }

ROOT=$BATS_TEST_DIRNAME/..

# The budgets (issue 34, item 1; DEMO-CONTRACT.md).
MAX_LINES=200      # a program, with its header
MAX_MAIN=60        # from "int main(" to the first line that is exactly "}"
FIRST_CALL_BY=120  # the first lesson call, within this many lines

# The calls each program's lesson is about, which must be calls in its own
# file (not only in a comment, a string or common/). "a|b": either will do.
# Chosen by reading each program and its lesson: the socket calls whose
# port the lesson talks about; for privileged-server the drop of root;
# for the ephemeral and nat servers the accept()/recvfrom() that reads the
# client's port; for restart who closes first; for services-client the
# look-ups the lesson compares with what answers; for firewall-client its
# verdict(); firewall-server's lesson is the client's (it only holds the
# ports: serve_listen(), common/serve.c, shows the sequence); the
# rendezvous server's REGISTER line is built in main() and sent by the
# non-blocking link (rvlink.c), its connect() in dial().
LESSON_CALLS='
demos/ephemeral/client.c: socket connect sendto getsockname
demos/ephemeral/server.c: accept recvfrom
demos/firewall/client.c: socket connect send recv verdict
demos/firewall/server.c: serve_listen
demos/nat/client.c: socket connect getsockname getpeername
demos/nat/server.c: accept recvfrom sendto
demos/privileged/client.c: socket connect bind
demos/privileged/server.c: socket bind setgroups setgid setuid
demos/rendezvous/client.c: socket connect send
demos/rendezvous/directory.c: accept recv recvfrom sendto
demos/rendezvous/server.c: socket bind listen getsockname connect
demos/restart/client.c: socket connect shutdown close
demos/restart/server.c: setsockopt bind listen accept shutdown close
demos/same-port/client.c: socket connect send
demos/same-port/server.c: socket bind listen
demos/services/client.c: socket connect recv services_port|getservbyname services_name|getservbyport
demos/services/server.c: socket bind
demos/wire/client.c: socket connect getsockname sendto
demos/wire/server.c: socket recvfrom
'

# programs ROOT: each program, one path a line, relative to ROOT: a
# demos/<demo>/*.c with no same-named .h beside it (that pair is a demo's
# own helper, linked into its programs).
programs() {
  local c
  for c in "$1"/demos/*/*.c; do
    [ -f "$c" ] && [ ! -f "${c%.c}.h" ] && printf '%s\n' "${c#"$1"/}"
  done
  return 0
}

# code_of FILE: FILE's C with comments, string and character literals
# blanked out, every line kept (so line numbers still hold): a call named
# only in a comment or a message is no call.
code_of() {
  awk '{
    out = ""; n = length($0)
    for (i = 1; i <= n; i++) {
      c = substr($0, i, 1); d = substr($0, i, 2)
      if (state == "comment") {
        if (d == "*/") { state = ""; out = out "  "; i++ } else out = out " "
      } else if (state == "str" || state == "chr") {
        if (c == "\\") { out = out "  "; i++ }
        else if ((state == "str" && c == "\"") || (state == "chr" && c == "\047")) { state = ""; out = out c }
        else out = out " "
      } else if (d == "/*") { state = "comment"; out = out "  "; i++ }
      else if (d == "//") break
      else { if (c == "\"") state = "str"; else if (c == "\047") state = "chr"; out = out c }
    }
    if (state != "comment") state = ""
    print out
  }' "$1"
}

# call_firsts FILE NAME...: "NAME LINE" for each NAME that FILE's code
# calls, LINE the first line that calls it (a call is indented: a
# definition or a prototype starts its line). Two processes a file (three
# for each call of each file made this the suite's slowest static check).
call_firsts() {
  local f=$1
  shift
  code_of "$f" | awk -v names="$*" '
    BEGIN { n = split(names, want, " ") }
    /^[[:space:]]/ {
      for (i = 1; i <= n; i++)
        if (!(want[i] in first) && match($0, "(^|[^A-Za-z0-9_.>])" want[i] "[[:space:]]*\\("))
          first[want[i]] = NR
    }
    END { for (i = 1; i <= n; i++) if (want[i] in first) print want[i], first[want[i]] }'
}

# calls_of ROOT FILE: FILE's row of LESSON_CALLS (nothing: not in it).
calls_of() {
  local line
  while IFS= read -r line; do
    [ "${line%%: *}" = "$2" ] && { printf '%s\n' "${line#*: }"; return 0; }
  done <<<"$LESSON_CALLS"
  return 0
}

# check_sizes ROOT: each program within MAX_LINES, its main() within
# MAX_MAIN, a THE LESSON: marker, its first lesson call (of LESSON_CALLS)
# within its first FIRST_CALL_BY lines.
check_sizes() {
  local root=$1 f lines main calls call first n bad=0
  for f in $(programs "$root"); do
    lines=$(wc -l <"$root/$f")
    [ "$lines" -le "$MAX_LINES" ] ||
      { echo "$f: $lines lines (a program is at most $MAX_LINES, with its header)"; bad=1; }
    main=$(awk '/^int main\(/ { s = NR } s && /^}$/ { print NR - s + 1; exit }' "$root/$f")
    if [ -z "$main" ]; then
      echo "$f: no main(): no line starting 'int main(' followed by a line that is exactly '}'"; bad=1
    elif [ "$main" -gt "$MAX_MAIN" ]; then
      echo "$f: main() is $main lines (at most $MAX_MAIN, from 'int main(' to the first line '}')"; bad=1
    fi
    grep -q 'THE LESSON:' "$root/$f" ||
      { echo "$f: no 'THE LESSON:' comment at its lesson's calls"; bad=1; }
    calls=$(calls_of "$root" "$f")
    [ -n "$calls" ] || continue # said by check_calls
    first=''
    # shellcheck disable=SC2086 # the calls are words
    while read -r call n; do
      [ -z "$n" ] || { [ -n "$first" ] && [ "$first" -le "$n" ]; } || first=$n
    done < <(call_firsts "$root/$f" ${calls//|/ })
    if [ -z "$first" ]; then
      echo "$f: none of its lesson calls ($calls) is called in its own code"; bad=1
    elif [ "$first" -gt "$FIRST_CALL_BY" ]; then
      echo "$f: its first lesson call is on line $first (it must be within the first $FIRST_CALL_BY)"; bad=1
    fi
  done
  return "$bad"
}

# check_calls ROOT: every program has a row in LESSON_CALLS, every row is
# a program, and each call of a row is called in that program's own code.
check_calls() {
  local root=$1 f calls call alt found line called bad=0
  for f in $(programs "$root"); do
    calls=$(calls_of "$root" "$f")
    if [ -z "$calls" ]; then
      echo "$f: not in tests/source.bats's LESSON_CALLS: name the calls its lesson is about"; bad=1
      continue
    fi
    # shellcheck disable=SC2086 # the calls are words
    called=" $(call_firsts "$root/$f" ${calls//|/ } | cut -d' ' -f1 | tr '\n' ' ')"
    for call in $calls; do
      found=''
      for alt in ${call//|/ }; do
        [[ $called != *" $alt "* ]] || found=1
      done
      [ -n "$found" ] ||
        { echo "$f: its lesson's ${call//|/() or }() is not called in its own code (a comment or a string does not count)"; bad=1; }
    done
  done
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    f=${line%%: *}
    { [ -f "$root/$f" ] && [ ! -f "$root/${f%.c}.h" ]; } ||
      { echo "tests/source.bats: LESSON_CALLS names $f, which is not a program"; bad=1; }
  done <<<"$LESSON_CALLS"
  return "$bad"
}

# defines FILE NAME: FILE has a line that starts NAME's definition: at the
# start of a line, NAME( after nothing but its type (or nothing), and a "{"
# before any ";" (a prototype ends with ";").
defines() {
  awk -v f="$2" '
    BEGIN { re = "^([A-Za-z_][A-Za-z0-9_ \t*]*[ \t*])?" f "\\(" }
    want { s = $0 }
    !want && $0 ~ re { want = 1; s = substr($0, index($0, f "(")) }
    want {
      a = index(s, ";"); b = index(s, "{")
      if (b && (!a || b < a)) { ok = 1; exit }
      if (a) want = 0
    }
    END { exit !ok }' "$1"
}

# check_lessons ROOT: each demo's docs/<demo>.md opens plainly (between
# its title and "## Read the code": no socket option, no "Linux N.N"),
# then "## Read the code": 3-5 list items, each starting with a backticked
# `path: function()` whose file exists and defines that function; then,
# later, "## The fine print".
check_lessons() {
  local root=$1 d name f md n read fine items item path fn where bad=0
  local item_re=' {0,3}([0-9]+[.)]|[-*+])[[:space:]]'
  local stop_re='^ {0,3}([0-9]+[.)]|[-*+])[[:space:]]+`([^`:]+): ([A-Za-z_][A-Za-z0-9_]*)\(\)`'
  for d in "$root"/demos/*/; do
    name=$(basename "$d")
    md=docs/$name.md f=$root/docs/$name.md
    [ -f "$f" ] || { echo "$md: missing (demos/$name's lesson)"; bad=1; continue; }
    read=$(grep -n -m 1 -x '## Read the code' "$f" | cut -d: -f1)
    fine=$(grep -n -m 1 -x '## The fine print' "$f" | cut -d: -f1)
    [ -n "$read" ] || { echo "$md: no section headed exactly '## Read the code'"; bad=1; }
    if [ -z "$fine" ]; then
      echo "$md: no section headed exactly '## The fine print'"; bad=1
    elif [ -n "$read" ] && [ "$fine" -lt "$read" ]; then
      echo "$md: '## The fine print' (line $fine) comes before '## Read the code' (line $read)"; bad=1
    fi
    # The opening: from the title to "## Read the code" (without one, to
    # the first "## " heading). Words a beginner should meet later only.
    where=$(awk -v stop="${read:-0}" '
      NR == 1 { next }
      (stop && NR >= stop) || (!stop && /^## /) { exit }
      match($0, /(^|[^A-Za-z0-9_])(SO|IP|IPV6|TCP|UDP)_[A-Z][A-Z0-9_]*/) {
        w = substr($0, RSTART, RLENGTH); sub(/^[^A-Z]/, "", w)
        print NR ": " w " before the code stops (a socket option'"'"'s kind of name: the plain answer names none)"
      }
      match($0, /Linux [0-9]+\.[0-9]+/) {
        print NR ": " substr($0, RSTART, RLENGTH) " before the code stops (a kernel version: the plain answer names none)"
      }
    ' "$f")
    [ -z "$where" ] || { printf '%s\n' "$where" | sed "s|^|$md:|; s|\$|; move it to '## The fine print'|"; bad=1; }
    [ -n "$read" ] || continue
    # The stops: the list items of "## Read the code", to the next heading.
    items=$(awk -v start="$read" 'NR > start && /^#/ { exit } NR > start { print NR ":" $0 }' "$f" |
            grep -E "^[0-9]+:$item_re" || true)
    n=$(printf '%s' "$items" | grep -c '' || true)
    { [ "$n" -ge 3 ] && [ "$n" -le 5 ]; } ||
      { echo "$md: '## Read the code' has $n list items (3-5 stops)"; bad=1; }
    while IFS= read -r item; do
      [ -n "$item" ] || continue
      if ! [[ ${item#*:} =~ $stop_re ]]; then
        echo "$md:${item%%:*}: a stop that does not start with \`path: function()\`"; bad=1
        continue
      fi
      path=${BASH_REMATCH[2]} fn=${BASH_REMATCH[3]}
      if [ ! -f "$root/$path" ]; then
        echo "$md:${item%%:*}: $path: no such file (paths are from the repository's root)"; bad=1
      elif ! defines "$root/$path" "$fn"; then
        echo "$md:${item%%:*}: $path does not define $fn()"; bad=1
      fi
    done <<<"$items"
  done
  return "$bad"
}

@test "every program is at most $MAX_LINES lines, main() at most $MAX_MAIN, its lesson marked and called within $FIRST_CALL_BY lines" {
  run proc_untraced check_sizes "$ROOT"
  [ "$status" -eq 0 ] || fail "$output"
}

@test "the calls each program's lesson is about are in the program's own code" {
  run proc_untraced check_calls "$ROOT"
  [ "$status" -eq 0 ] || fail "$output"
}

@test "every lesson opens plainly, then '## Read the code' leads to real functions, then '## The fine print'" {
  run proc_untraced check_lessons "$ROOT"
  [ "$status" -eq 0 ] || fail "$output"
}

# The checks on made-up trees: one that keeps every rule (a program, a
# helper pair that is not a program, a lesson), then one that breaks each.

# toy_tree DIR: a tree that keeps every rule: demos/toy/server.c (short,
# marked, its lesson calls in its code), demos/toy/util.c + util.h (a
# helper, not a program), docs/toy.md.
toy_tree() {
  mkdir -p "$1/demos/toy" "$1/docs"
  cat >"$1/demos/toy/server.c" <<'C'
/* toy-server - binds a port. (bind() in a comment is no call.) */
#include "portlab.h"

static int open_port(int fd);

int main(void)
{
    /* 1. a socket */
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    /* 2. THE LESSON: bind() claims the port. */
    return open_port(fd);
}

static int open_port(int fd)
{
    return bind(fd, NULL, 0);
}
C
  printf '/* a helper, not a program: as long as it likes */\n' >"$1/demos/toy/util.c"
  for _ in $(seq 300); do printf 'int filler;\n' >>"$1/demos/toy/util.c"; done
  : >"$1/demos/toy/util.h"
  cat >"$1/docs/toy.md" <<'MD'
# toy: a port is a number

A port picks the program; the kernel checks who may bind one.

## Read the code

1. `demos/toy/server.c: main()` - the steps.
2. `demos/toy/server.c: open_port()` - bind() claims the port,
   on a continuation line that is no stop.
3. `demos/toy/server.c: main()` - back to the end.

## Run it

SO_REUSEADDR may appear here, and so may Linux 3.9.

## The fine print

The exact rule, with SO_REUSEADDR.
MD
}

@test "on a made-up tree that keeps every rule, every check passes" {
  local t=$BATS_TEST_TMPDIR/good LESSON_CALLS='
demos/toy/server.c: socket bind
'
  toy_tree "$t"
  run proc_untraced check_sizes "$t"
  assert_success
  assert_output ''
  run proc_untraced check_calls "$t"
  assert_success
  assert_output ''
  run proc_untraced check_lessons "$t"
  assert_success
  assert_output ''
}

@test "the program checks name the file and the rule: too long, main() too long, no marker, a late or missing call, a row for no program" {
  local t=$BATS_TEST_TMPDIR/bad i LESSON_CALLS='
demos/toy/server.c: socket bind listen
demos/toy/client.c: connect
demos/toy/util.c: socket
demos/toy/gone.c: socket
'
  toy_tree "$t"
  # client.c: 201 lines, main() 62, no marker, its connect() on line 130 -
  # and a listen() named only in a comment and a string of server.c.
  {
    printf 'int main(void)\n{\n'
    for i in $(seq 59); do printf '    (void)%d;\n' "$i"; done
    printf '}\n'
    for i in $(seq 65); do printf '/* %d */\n' "$i"; done
    printf 'static void late(void)\n{\n    connect(0, 0, 0);\n}\n'
    for i in $(seq 70); do printf '/* %d */\n' "$i"; done
  } >"$t/demos/toy/client.c"
  printf '/* listen() */\nstatic const char *s = "listen(";\n' >>"$t/demos/toy/server.c"
  printf 'int other;\n' >"$t/demos/toy/stray.c" # a program with no row
  run proc_untraced check_sizes "$t"
  assert_failure
  assert_line "demos/toy/client.c: 201 lines (a program is at most 200, with its header)"
  assert_line "demos/toy/client.c: main() is 62 lines (at most 60, from 'int main(' to the first line '}')"
  assert_line "demos/toy/client.c: no 'THE LESSON:' comment at its lesson's calls"
  assert_line "demos/toy/client.c: its first lesson call is on line 130 (it must be within the first 120)"
  assert_line "demos/toy/stray.c: no main(): no line starting 'int main(' followed by a line that is exactly '}'"
  refute_line --partial "demos/toy/server.c"
  refute_line --partial "util.c"
  run proc_untraced check_calls "$t"
  assert_failure
  assert_line "demos/toy/server.c: its lesson's listen() is not called in its own code (a comment or a string does not count)"
  assert_line "demos/toy/stray.c: not in tests/source.bats's LESSON_CALLS: name the calls its lesson is about"
  assert_line "tests/source.bats: LESSON_CALLS names demos/toy/util.c, which is not a program"
  assert_line "tests/source.bats: LESSON_CALLS names demos/toy/gone.c, which is not a program"
  refute_line --partial "client.c"
  # "a|b": either call will do; neither, and both are named.
  LESSON_CALLS='
demos/toy/server.c: socket getservbyname|services_port
demos/toy/client.c: connect
demos/toy/stray.c: getservbyname|bind
'
  printf 'int main(void)\n{\n    return bind(0, 0, 0);\n}\n' >"$t/demos/toy/stray.c"
  run proc_untraced check_calls "$t"
  assert_failure
  assert_output "demos/toy/server.c: its lesson's getservbyname() or services_port() is not called in its own code (a comment or a string does not count)"
}

@test "the lesson check names the file, the line and the rule for each way a lesson can break it" {
  local t=$BATS_TEST_TMPDIR/bad
  toy_tree "$t"
  mkdir -p "$t/demos/plain" "$t/demos/nodoc"
  printf 'static int helper(int a);\nint proto_only(void);\nstatic int multi(int a,\n                 int b)\n{\n    return a + b;\n}\n' \
    >"$t/demos/plain/server.c"
  cat >"$t/docs/plain.md" <<'MD'
# plain: a lesson that breaks the rules

Two sockets may share a port with SO_REUSEPORT (Linux 3.9+); see IP_PKTINFO.

## The fine print

Too early.

## Read the code

1. `demos/plain/server.c: multi()` - a definition over two lines: fine.
2. `demos/plain/server.c: helper()` - only a prototype.
- `demos/plain/missing.c: main()` - no such file.
- demos/plain/server.c: multi() - not backticked.
5. `demos/plain/server.c: proto_only()` - a prototype again.
6. `demos/plain/server.c: nosuch()` - a sixth stop.

## Run it
MD
  printf '# toy\n\nNo sections at all; TCP_NODELAY here.\n' >"$t/docs/toy.md"
  run proc_untraced check_lessons "$t"
  assert_failure
  assert_line "docs/nodoc.md: missing (demos/nodoc's lesson)"
  assert_line "docs/plain.md: '## The fine print' (line 5) comes before '## Read the code' (line 9)"
  assert_line "docs/plain.md:3: SO_REUSEPORT before the code stops (a socket option's kind of name: the plain answer names none); move it to '## The fine print'"
  assert_line "docs/plain.md:3: Linux 3.9 before the code stops (a kernel version: the plain answer names none); move it to '## The fine print'"
  assert_line "docs/plain.md: '## Read the code' has 6 list items (3-5 stops)"
  assert_line "docs/plain.md:12: demos/plain/server.c does not define helper()"
  assert_line "docs/plain.md:13: demos/plain/missing.c: no such file (paths are from the repository's root)"
  assert_line "docs/plain.md:14: a stop that does not start with \`path: function()\`"
  assert_line "docs/plain.md:15: demos/plain/server.c does not define proto_only()"
  assert_line "docs/plain.md:16: demos/plain/server.c does not define nosuch()"
  refute_line --partial "multi()"
  assert_line "docs/toy.md: no section headed exactly '## Read the code'"
  assert_line "docs/toy.md: no section headed exactly '## The fine print'"
  assert_line "docs/toy.md:3: TCP_NODELAY before the code stops (a socket option's kind of name: the plain answer names none); move it to '## The fine print'"
}
