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

@test "--version: every program says the same version, the one make builds" {
  local prog want got
  want=$(make -s -C "$ROOT" --no-print-directory -f - print-version <<'MK'
include Makefile
print-version:
	@echo $(VERSION)
MK
)
  [ -n "$want" ] && [ "$want" != unknown ] || fail "no version from the Makefile: '$want'"
  # (A tree edited since the last build may add "-dirty" on one side only.)
  want=${want%-dirty}
  for prog in "$BIN"/*; do
    got=$("$prog" --version)
    assert_equal "${got%-dirty}" "${prog##*/} (portlab) $want"
    "$prog" -h | grep -q -- '--version' || fail "${prog##*/} -h does not list --version"
  done
}

@test "make install into a staged prefix, an installed pair and the installed tour run from outside the tree, also as nobody; uninstall leaves only directories" {
  run make -s -C "$ROOT" --no-print-directory install DESTDIR="$DEST" PREFIX=/usr
  assert_success
  [ -x "$DEST/usr/bin/same-port-server" ] && [ -x "$DEST/usr/bin/portlab-tour" ] || fail "not installed"
  [ -f "$DEST/usr/share/doc/portlab/same-port.md" ] || fail "the lessons are not installed"
  run find "$DEST" -perm /6000 -type f
  assert_output "" # nothing setuid or setgid
  if command -v getcap >/dev/null; then
    run getcap -r "$DEST"
    assert_output "" # no file capabilities
  fi
  cd /
  proc_start inst "$DEST/usr/bin/same-port-server" -p 0 -b 127.0.0.1
  proc_expect inst '^ready on '
  local port=${proc_line##*:}
  port=${port%% *}
  run --separate-stderr "$DEST/usr/bin/same-port-client" -p "$port" 127.0.0.1
  assert_success
  assert_line "both answered on port $port: one number, two protocols, two sockets"
  proc_stop inst
  assert_equal "$inst_status" 0
  run --separate-stderr env -u PORTLAB_BIN NO_COLOR=1 "$DEST/usr/bin/portlab-tour" same-port
  assert_success
  assert_line "Tour over: every server stopped."
  assert_line --regexp "^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$"
  [ -z "$(pgrep -f -- "^$DEST/usr/bin/" || true)" ] || fail "the installed tour left a program running"
  if can_netns; then
    chmod -R a+rX "$DEST"
    chmod a+x "$DEST"
    run --separate-stderr netns_run --nobody env -u PORTLAB_BIN NO_COLOR=1 TMPDIR=/tmp "$DEST/usr/bin/portlab-tour" same-port
    assert_success
    assert_line "Tour over: every server stopped."
  fi
  run make -s -C "$ROOT" --no-print-directory uninstall DESTDIR="$DEST" PREFIX=/usr
  assert_success
  run find "$DEST" ! -type d
  assert_output ""
}
