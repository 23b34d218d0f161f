#!/usr/bin/env bats
# A student's own laptop. make macos cross-compiles every program for macOS
# (zig cc; nothing here runs them), and a program whose lesson needs Linux
# says so in one line and exits 1 on any other system, which this machine
# plays by building with __linux__ undefined (-U__linux__: the code for
# "elsewhere" in common/ and the demos, compiled and run here).
load helpers

ROOT=$BATS_TEST_DIRNAME/..

# make_var NAME: the value of the Makefile's variable NAME.
make_var() {
  make -s -C "$ROOT" --no-print-directory -f - print-var VAR="$1" <<'MK'
include Makefile
print-var:
	@echo '$($(VAR))'
MK
}

# not_linux PROGRAM...: build bin/PROGRAM as for a system that is not Linux,
# into this file's own folder; sets NOT_LINUX to its bin/.
not_linux() {
  NOT_LINUX=$BATS_FILE_TMPDIR/not-linux/bin
  make -s -C "$ROOT" --no-print-directory BUILD="$BATS_FILE_TMPDIR/not-linux" BIN="$NOT_LINUX" \
    CFLAGS='-O2 -U__linux__' "${@/#/$NOT_LINUX/}" >"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
    fail "the build without __linux__ failed: $(cat "$BATS_FILE_TMPDIR/make.log")"
}

@test "off Linux, wire-server (its lesson is a packet socket, Linux's AF_PACKET) says it needs Linux in one line and exits 1, before any socket" {
  not_linux wire-server
  run --separate-stderr "$NOT_LINUX/wire-server" -p 0 -b 127.0.0.1
  assert_failure 1
  assert_stderr "wire-server: needs Linux, for its packet socket (AF_PACKET)"
  assert_output "" # no narration: it stopped before its first socket
}

@test "off Linux, a demo that needs no Linux still runs: same-port-server built without __linux__ serves same-port-client" {
  not_linux same-port-server
  BIN=$NOT_LINUX start_server same-port-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/same-port-client" -p "$server_port" 127.0.0.1
  assert_success
  server_expect "^tcp connection from 127\.0\.0\.1:"
  [[ $(server_err) != *"needs Linux"* ]] || fail "it said it needs Linux: $(server_err)"
}

# bats test_tags=exhaustive
@test "make macos: every program, a Mach-O executable for arm64 and for x86_64" {
  local log=$BATS_FILE_TMPDIR/macos.log rc=0 arch prog magic want
  make -s -C "$ROOT" --no-print-directory macos >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && grep -q '^fetch-zig: ' "$log" && ! grep -q 'does not match' "$log"; then
    skip "$(grep -m 1 '^fetch-zig: ' "$log")"
  fi
  [ "$rc" -eq 0 ] || fail "make macos failed: $(cat "$log")"
  ! grep -i 'warning' "$log" || fail "make macos warned"
  # Mach-O's header (mach-o/loader.h): MH_MAGIC_64 cf fa ed fe, the CPU type
  # (0100000c arm64, 01000007 x86_64), its subtype, then MH_EXECUTE (2).
  for arch in aarch64 x86_64; do
    case $arch in aarch64) want='cf fa ed fe 0c 00 00 01 ?? ?? ?? ?? 02 00 00 00' ;;
                  *) want='cf fa ed fe 07 00 00 01 ?? ?? ?? ?? 02 00 00 00' ;; esac
    for prog in $(make_var PROGS); do
      prog=$ROOT/build/macos-$arch/bin/${prog##*/}
      [ -f "$prog" ] || fail "make macos built no $prog"
      magic=$(od -An -tx1 -N16 "$prog" | tr -s ' \n' ' ')
      # shellcheck disable=SC2053 # $want is a pattern
      [[ ${magic# } == $want* ]] || fail "$prog is not a Mach-O executable for $arch: $magic"
    done
  done
}
