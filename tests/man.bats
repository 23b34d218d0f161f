#!/usr/bin/env bats
# The manual pages (docs/man): one a program, portlab-tour(1) and portlab(7);
# each page's OPTIONS are the program's -h options; mandoc finds nothing.
load helpers

ROOT=$BATS_TEST_DIRNAME/..
MAN=$ROOT/docs/man

# help_options COMMAND...: the options its -h lists, one a line, sorted: the
# leading words of each indented line that starts with "-" ("-p PORT",
# "-4, -6", "-h, --help", "--reuseport ask to..."), metavariables skipped.
help_options() {
  "$@" -h | while IFS= read -r line; do
    [[ $line =~ ^[[:space:]]+- ]] || continue
    for word in $line; do
      word=${word%,}
      if [[ $word == -* ]]; then printf '%s\n' "$word"
      elif [[ $word =~ ^[A-Z][A-Z|.-]*$ ]]; then continue
      else break; fi
    done
  done | LC_ALL=C sort -u
}

# page_options PAGE: "OPTION ARGNAME" (ARGNAME "-" when it takes none) for
# each option an .It line of the page's OPTIONS section names (.It Fl x Ar y,
# .It Fl 4 , Fl 6), sorted.
page_options() {
  awk '/^\.Sh /{ in_opts = ($0 == ".Sh OPTIONS") } in_opts && /^\.It /{
      for (i = 2; i <= NF; i++) if ($i == "Fl") {
        opt = $(i + 1); gsub(/\\/, "", opt)
        arg = ($(i + 2) == "Ar") ? $(i + 3) : "-"
        print "-" opt, arg
      } }' "$1" | LC_ALL=C sort -u
}

# The programs: every one make builds, and the installed tour.
programs() {
  local f
  for f in "$BIN"/*; do [ -x "$f" ] && printf '%s\n' "${f##*/}"; done
  echo portlab-tour
}

# command_of NAME: how to run it from the tree.
command_of() {
  if [ "$1" = portlab-tour ]; then echo "$ROOT/demos/tour.sh"; else echo "$BIN/$1"; fi
}

@test "every program has its manual page, and every page is a program's or portlab(7)" {
  local prog f missing=''
  while read -r prog; do
    [ -f "$MAN/$prog.1" ] ||
      missing+="$prog has no manual page: write docs/man/$prog.1 (mdoc: start from docs/man/same-port-server.1, and name it in portlab(7));"$'\n'
  done < <(programs)
  [ -z "$missing" ] || fail "${missing%$'\n'}"
  [ -f "$MAN/portlab.7" ] || fail "docs/man/portlab.7 is missing"
  for f in "$MAN"/*; do
    case $f in
      *.7) [ "${f##*/}" = portlab.7 ] || fail "docs/man/${f##*/}: the only section 7 page is portlab.7" ;;
      *.1) programs | grep -qxF "$(basename "$f" .1)" || fail "docs/man/${f##*/} names no program make builds" ;;
      *) fail "docs/man/${f##*/}: pages are PROGRAM.1 or portlab.7" ;;
    esac
  done
  # portlab(7) names every program's page.
  while read -r prog; do
    grep -qx "\.Xr $prog 1.*" "$MAN/portlab.7" || fail "portlab(7) does not name $prog(1)"
  done < <(programs)
}

# bats test_tags=exhaustive
@test "each page's OPTIONS are exactly its program's -h options, and the program takes each one" {
  local prog cmd opt arg value got want problems=''
  while read -r prog; do
    [ -f "$MAN/$prog.1" ] || { problems+="$prog has no page, docs/man/$prog.1 (see the test above)"$'\n'; continue; }
    cmd=$(command_of "$prog")
    want=$(help_options "$cmd")
    [ -n "$want" ] || problems+="$prog -h lists no option"$'\n'
    got=$(page_options "$MAN/$prog.1" | cut -d' ' -f1 | LC_ALL=C sort -u)
    if [ "$got" != "$want" ]; then
      problems+="$prog: docs/man/$prog.1 OPTIONS differ from -h:"$'\n'
      problems+=$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^</  only in -h:  /; s/^>/  only in the page:/')$'\n'
    fi
    # Given each option the page documents (with a value where it takes
    # one), then -h: the program reads on to -h (exit 0); an option it
    # refuses ends it first (exit 2).
    while read -r opt arg; do
      case $opt in -h|--help|--version) continue ;; esac
      case $arg in
        -) value=() ;;
        address|host) value=(127.0.0.1) ;;
        user) value=(nobody) ;;
        low) value=(1-2) ;;
        *) value=(1) ;;
      esac
      "$cmd" "$opt" "${value[@]}" -h >/dev/null 2>&1 ||
        problems+="$prog refuses $opt ${value[*]}, which docs/man/$prog.1 documents"$'\n'
    done < <(page_options "$MAN/$prog.1")
  done < <(programs)
  [ -z "$problems" ] || fail "${problems%$'\n'}"
}

@test "the option-drift test fails on a page that misses an option, or documents one the program lacks" {
  local page=$BATS_TEST_TMPDIR/page.1 want
  want=$(help_options "$BIN/restart-server")
  grep -v '^\.It Fl \\-client-closes$' "$MAN/restart-server.1" >"$page"
  [ "$(page_options "$page" | cut -d' ' -f1)" != "$want" ] || fail "a missing option goes unseen"
  sed 's/^\.It Fl \\-reuseaddr$/.It Fl \\-reuseaddr\n.It Fl \\-linger/' "$MAN/restart-server.1" >"$page"
  [ "$(page_options "$page" | cut -d' ' -f1)" != "$want" ] || fail "an extra option goes unseen"
  run "$BIN/restart-server" --linger -h
  assert_failure 2
}

@test "mandoc -T lint (or groff -ww) finds nothing in the pages" {
  if command -v mandoc >/dev/null; then
    # -W warning: mandoc's style notes include "referenced manual not
    # found", which depends on what this machine has installed.
    run mandoc -T lint -W warning "$MAN"/*.1 "$MAN"/*.7
    assert_success
    assert_output ""
  elif command -v groff >/dev/null; then
    run groff -mdoc -ww -z "$MAN"/*.1 "$MAN"/*.7
    assert_success
    assert_output ""
  else
    skip "neither mandoc nor groff is installed (apt-get install mandoc)"
  fi
}

@test "man -l renders a page from the clone" {
  command -v man >/dev/null || skip "man is not installed (apt-get install man-db)"
  run env MANPAGER=cat MANWIDTH=80 man -l "$MAN/wire-server.1"
  assert_success
  assert_line --regexp '^NAME$'
  # The dash: an em dash in a UTF-8 locale, "--" in ASCII (no locale: LANG
  # unset, TERM=dumb), "-" or "\-" with some versions.
  assert_line --regexp '^ +wire-server (-|--|—|\\-) both ports, as bytes in the packet$'
  assert_line --partial 'CAP_NET_RAW'
}
