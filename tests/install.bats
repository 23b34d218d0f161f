#!/usr/bin/env bats
# For lab machines: make install / uninstall, --version, a release tarball.
load helpers

ROOT=$BATS_TEST_DIRNAME/..

setup() {
  [ -x "$BIN/same-port-server" ] || fail "no programs in $BIN: run make first"
  DEST=$(mktemp -d "${TMPDIR:-/tmp}/portlab-dest.XXXXXX")
}

teardown() {
  rm -rf "$DEST"
  proc_stop_all
}

# make_var NAME: the value of the Makefile's variable NAME.
make_var() {
  make -s -C "$ROOT" --no-print-directory -f - print-var VAR="$1" <<'MK'
include Makefile
print-var:
	@echo '$($(VAR))'
MK
}

@test "--version: every program says the same version, the one make builds: the release number, and the commit when built from git" {
  local prog want got release
  release=$(make_var RELEASE)
  [[ $release =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "the release is not a version number: '$release'"
  want=$(make_var VERSION)
  if [ -f "$ROOT/VERSION" ]; then # a release tarball says which commit it was made from
    [[ $want =~ ^$release\ \(git\ [0-9a-f]{7,}\)$ ]] || fail "VERSION says '$want'"
  elif git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    [[ $want =~ ^$release\ \(git\ [0-9a-f]{7,}(-dirty)?\)$ ]] || fail "built from git, the version is '$want'"
  else
    assert_equal "$want" "$release"
  fi
  # (A tree edited since the last build may add "-dirty" on one side only.)
  want=${want/-dirty/}
  for prog in "$BIN"/*; do
    got=$("$prog" --version)
    assert_equal "${got/-dirty/}" "${prog##*/} (portlab) $want"
    "$prog" -h | grep -q -- '--version' || fail "${prog##*/} -h does not list --version"
  done
}

@test "make dist: portlab-RELEASE.tar.gz, whose VERSION names the release and the commit" {
  git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1 || skip "make dist needs the git checkout"
  local release commit
  release=$(make_var RELEASE)
  commit=$(git -C "$ROOT" rev-parse --short=7 HEAD)
  rm -f "$ROOT/portlab-$release.tar.gz"
  run make -s -C "$ROOT" --no-print-directory dist
  assert_success
  assert_line "make dist: portlab-$release.tar.gz"
  run tar -xzOf "$ROOT/portlab-$release.tar.gz" "portlab-$release/VERSION"
  rm -f "$ROOT/portlab-$release.tar.gz"
  assert_success
  [[ $output =~ ^$release\ \(git\ ${commit}[0-9a-f]*\)$ ]] || fail "VERSION says '$output'"
}

@test "make install into a staged prefix, an installed pair and the installed tour run from outside the tree, also as nobody; uninstall leaves only directories" {
  run make -s -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr
  assert_success
  [ -x "$DEST/usr/bin/portlab-same-port-server" ] && [ -x "$DEST/usr/bin/portlab-tour" ] || fail "not installed"
  [ -f "$DEST/usr/share/doc/portlab/same-port.md" ] || fail "the lessons are not installed"
  # Every command and page installed is named portlab...: none can be another package's.
  local f name
  for f in "$BIN"/*; do
    [ -x "$DEST/usr/bin/portlab-${f##*/}" ] || fail "bin/${f##*/} is not installed as /usr/bin/portlab-${f##*/}"
  done
  run find "$DEST/usr/bin" "$DEST/usr/share/man" -mindepth 1 -not -type d -not -name 'portlab*'
  assert_output ""
  for f in "$ROOT"/docs/man/*.1; do
    name=${f##*/} name=portlab-${name#portlab-}
    [ -f "$DEST/usr/share/man/man1/$name" ] || fail "the manual page ${f##*/} is not installed as $name"
  done
  # The page names the command as installed.
  run grep -E '^\.(Dt|Nm) ' "$DEST/usr/share/man/man1/portlab-wire-server.1"
  assert_line ".Dt PORTLAB-WIRE-SERVER 1"
  assert_line ".Nm portlab-wire-server"
  [ -f "$DEST/usr/share/man/man7/portlab.7" ] || fail "portlab(7) is not installed"
  if command -v man >/dev/null; then
    run man -M "$DEST/usr/share/man" -w portlab-wire-server
    assert_output "$DEST/usr/share/man/man1/portlab-wire-server.1"
    run man -M "$DEST/usr/share/man" -w 7 portlab
    assert_output "$DEST/usr/share/man/man7/portlab.7"
  fi
  run find "$DEST" -perm /6000 -type f
  assert_output "" # nothing setuid or setgid
  if command -v getcap >/dev/null; then
    run getcap -r "$DEST"
    assert_output "" # no file capabilities
  fi
  cd /
  proc_start inst "$DEST/usr/bin/portlab-same-port-server" -p 0 -b 127.0.0.1
  proc_expect inst '^ready on '
  local port=${proc_line##*:}
  port=${port%% *}
  run --separate-stderr "$DEST/usr/bin/portlab-same-port-client" -p "$port" 127.0.0.1
  assert_success
  assert_line "both answered on port $port: one number, two protocols, two sockets"
  proc_stop inst
  assert_equal "$inst_status" 0
  run --separate-stderr env -u PORTLAB_BIN NO_COLOR=1 "$DEST/usr/bin/portlab-tour" same-port
  assert_success
  assert_line "Tour over: every server stopped."
  # The lesson's figure, from the installed lesson.
  assert_line " One number, two tables: TCP port 2000 and UDP port 2000 are two ports."
  assert_line --regexp "^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$"
  [ -z "$(pgrep -f -- "^$DEST/usr/" || true)" ] || fail "the installed tour left a program running"
  if can_netns; then
    chmod -R a+rX "$DEST"
    chmod a+x "$DEST"
    run --separate-stderr netns_run --nobody env -u PORTLAB_BIN NO_COLOR=1 TMPDIR=/tmp "$DEST/usr/bin/portlab-tour" same-port
    assert_success
    assert_line "Tour over: every server stopped."
  fi
  run make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$DEST" PREFIX=/usr
  assert_success
  run find "$DEST" -mindepth 1
  assert_output "" # no file, and no folder that install created
}

@test "make uninstall keeps a folder that was there before, and one something else also uses" {
  mkdir -p "$DEST/usr/bin" "$DEST/usr/share/doc/other"
  run make -s -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr
  assert_success
  run make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$DEST" PREFIX=/usr
  assert_success
  run bash -c 'find "$1" -mindepth 1 | LC_ALL=C sort' bash "$DEST"
  assert_output "$DEST/usr
$DEST/usr/bin
$DEST/usr/share
$DEST/usr/share/doc
$DEST/usr/share/doc/other"
}

@test "the installed copy points to itself: lessons to the installed programs and source, programs to the installed lessons" {
  run make -s -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr
  assert_success
  local doc=$DEST/usr/share/doc/portlab f
  # No command run from a source tree's bin/, no link into one.
  run grep -nE '(^|[^/[:alnum:]_.-])bin/[a-z]|\]\(\.\./' "$doc"/*.md
  assert_output ""
  # Every installed program a lesson names, and every source file it links, is there.
  while read -r f; do
    [ -x "$DEST/usr/bin/portlab-$f" ] || fail "a lesson names bin/$f, which is not installed as /usr/bin/portlab-$f"
    grep -q "/usr/bin/portlab-$f" "$doc"/*.md || fail "no lesson names /usr/bin/portlab-$f"
  done < <(grep -ohE '(^|[^/[:alnum:]_.-])bin/[a-z][a-z-]*' "$ROOT"/docs/*.md | sed 's#.*bin/##' | sort -u)
  local links=0
  while read -r f; do
    [ -f "$DEST$f" ] || fail "a lesson links $f, which is not installed"
    links=$((links + 1))
  done < <(grep -ohE '\]\(/usr/share/portlab/[^)]+\)' "$doc"/*.md | sed 's/^](//; s/)$//' | sort -u)
  [ "$links" -ge 14 ] || fail "only $links source links point to the installed source"
  run grep -c '^> This is the installed copy of this page' "$doc/restart.md"
  assert_output 1
  # The installed restart-server cites the installed lesson: a port left in
  # TIME_WAIT by its first run, then refused to its second.
  proc_start first "$DEST/usr/bin/portlab-restart-server" -p 0 -b 127.0.0.1 -n 1
  proc_expect first '^ready on '
  local port=${proc_line##*:}
  port=${port%% *}
  run --separate-stderr "$DEST/usr/bin/portlab-restart-client" -p "$port" 127.0.0.1
  assert_success
  proc_expect first '^stopping after 1 connection'
  run --separate-stderr "$DEST/usr/bin/portlab-restart-server" -p "$port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "waits in TIME_WAIT"
  assert_stderr --partial "both SO_REUSEPORT (/usr/share/doc/portlab/restart.md)"
  refute_stderr --partial "(docs/"
}
