#!/usr/bin/env bats
# make deb: portlab_RELEASE_ARCH.deb, built with dpkg-deb alone, holds what
# make install stages; installed in a scratch root, its tour runs a lesson
# and man finds every page.
load helpers

ROOT=$BATS_TEST_DIRNAME/..

setup_file() {
  command -v dpkg-deb >/dev/null || return 0
  make -s -C "$BATS_TEST_DIRNAME/.." --no-print-directory deb >"$BATS_FILE_TMPDIR/make-deb.log" 2>&1 ||
    echo "make deb failed" >>"$BATS_FILE_TMPDIR/make-deb.log"
}

setup() {
  command -v dpkg-deb >/dev/null || skip "dpkg-deb is not installed (a Debian system's dpkg)"
  ! grep -q '^make deb failed$' "$BATS_FILE_TMPDIR/make-deb.log" || fail "make deb failed: $(cat "$BATS_FILE_TMPDIR/make-deb.log")"
  DEB=$(echo "$ROOT"/portlab_*_"$(dpkg --print-architecture)".deb)
  [ -f "$DEB" ] || fail "make deb made no portlab_VERSION_ARCH.deb"
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/portlab-deb.XXXXXX")
}

teardown() {
  proc_stop_all
  rm -rf "$SCRATCH"
}

# bats test_tags=exhaustive
@test "the package is portlab_RELEASE_ARCH.deb: its control file names the version, the C library and the recommended tools" {
  local release
  release=$(sed -n 's/^RELEASE := //p' "$ROOT/Makefile")
  assert_equal "${DEB##*/}" "portlab_${release}_$(dpkg --print-architecture).deb"
  run dpkg-deb -f "$DEB" Package Version Depends Recommends
  assert_success
  assert_line "Package: portlab"
  assert_line "Version: $release"
  assert_line --regexp '^Depends: libc6 \(>= [0-9.]+\)$'
  assert_line "Recommends: iproute2, nftables, tcpdump"
  run dpkg-deb -f "$DEB" Description
  assert_output --partial "setcap cap_net_bind_service=+ep /usr/bin/portlab-privileged-server"
}

# bats test_tags=exhaustive
@test "dpkg-deb -c lists exactly what make install PREFIX=/usr stages: man pages and changelog gzipped, plus the copyright file; nothing setuid" {
  local stage=$SCRATCH/stage
  run make -s -C "$ROOT" --no-print-directory install PREFIX=/usr DESTDIR="$stage"
  assert_success
  # make uninstall's own list of the folders it made stays out: dpkg keeps its own.
  rm "$stage/usr/share/portlab/installed-dirs"
  local want got
  want=$( (cd "$stage" && find . -mindepth 1 | sed -E 's#^\./#/#; s#^(/usr/share/man/man[17]/.*)$#\1.gz#'
           printf '%s\n' /usr/share/doc/portlab/changelog.gz /usr/share/doc/portlab/copyright) | LC_ALL=C sort)
  got=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed -E 's#^\./#/#; s#/$##' | grep -vx '' | LC_ALL=C sort)
  [ "$got" = "$want" ] || fail "the package and make install differ:
$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^</  only in make install:/; s/^>/  only in the package:/')"
  # Every file root's; nothing setuid or setgid.
  run bash -c 'dpkg-deb -c "$1" | awk "{ print \$2 }" | sort -u' bash "$DEB"
  assert_output "root/root"
  run bash -c 'dpkg-deb -c "$1" | awk "{ print \$1 }" | grep "^.\{3\}[sS]\|^.\{6\}[sS]"' bash "$DEB"
  assert_output ""
}

# bats test_tags=exhaustive
@test "installed in a scratch root with dpkg --root: the tour runs a lesson, man -M finds every page, and removing it leaves nothing" {
  local root=$SCRATCH/root f name
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  touch "$root/var/lib/dpkg/status"
  # dpkg wants ldconfig and start-stop-daemon in PATH: Debian keeps them in
  # /sbin and /usr/sbin, which an ordinary user's PATH lacks.
  local PATH=$PATH:/usr/sbin:/sbin
  run dpkg --root="$root" --log=/dev/null --force-not-root --force-depends -i "$DEB"
  assert_success
  cd /
  run --separate-stderr env -u PORTLAB_BIN NO_COLOR=1 "$root/usr/bin/portlab-tour" same-port
  assert_success
  assert_line "Tour over: every server stopped."
  assert_line --regexp "^  server +\| ready on 127\.0\.0\.1:[0-9]+ \(tcp\+udp\)$"
  if command -v man >/dev/null; then
    # Each page under its installed name: portlab-NAME, portlab-tour, portlab.
    for f in "$ROOT"/docs/man/*.1 "$ROOT"/docs/man/*.7; do
      name=${f##*/}
      [[ $name == portlab* ]] || name=portlab-$name
      run man -M "$root/usr/share/man" -w "${name##*.}" "${name%.*}"
      assert_output "$root/usr/share/man/man${name##*.}/$name.gz"
    done
    run env MANPAGER=cat MANWIDTH=80 man -M "$root/usr/share/man" 7 portlab
    assert_success
    assert_line --regexp '^ +portlab (-|--|—) small programs that show what a TCP or UDP port is$'
  fi
  run dpkg --root="$root" --log=/dev/null --force-not-root -r portlab
  assert_success
  run find "$root" -mindepth 1 -not -path "$root/var" -not -path "$root/var/lib" -not -path "$root/var/lib/dpkg*"
  assert_output ""
}
