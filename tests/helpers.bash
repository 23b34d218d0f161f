# tests/helpers.bash - what every portlab test file loads.
#
#   start_server [--as NAME] [--via WRAPPER]... PROGRAM ARGS...   run bin/PROGRAM
#       in the background (through the wrappers below, if given), wait (bounded)
#       for its "ready on ADDRESS:PORT" line; sets NAME_pid, NAME_port,
#       NAME_addr (NAME defaults to "server")
#   netns_run, netns_of   wrappers for private network namespaces (lib/procs.bash)
#   need_netns            skip the test, with the reason, where these cannot work
#   need_real_root WHAT   skip it as an ordinary user, saying what needs root
#   server_expect [--as NAME] REGEX     read the server's narration until a line
#       matches (bounded); the line is left in $server_line. Lines are matched
#       whole, as said: one the screen's width broke is joined back first.
#   stop_server [--as NAME]             SIGTERM, collect the rest of its output,
#       set NAME_status; assert nothing (tests assert what they expect)
#   server_log [NAME], server_err [NAME]    everything it printed so far (whole
#       lines, joined back: unwrap_text)
#   unwrap, run_unwrapped, unwrap_text   join wrapped lines back (see below)
# Servers started here are stopped in teardown, even when a test fails.
# No fixed sleeps: every wait is a bounded read of the server's own output.

# shellcheck disable=SC2034,SC2154 # NAME_port, NAME_pid... are set with printf -v

bats_require_minimum_version 1.5.0

# Debian puts nft, setcap, ip and conntrack in /usr/sbin, which an ordinary
# user's PATH may leave out: look there too (issue 35: a student's PATH).
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac

# The libraries' load.bash runs dirname once per file: source the files.
for _lib in "$PORTLAB_BATS_LIB"/bats-support/src/*.bash "$PORTLAB_BATS_LIB"/bats-assert/src/*.bash; do
  # shellcheck disable=SC1090
  source "$_lib"
done
unset _lib

# Debian's bats-assert 2.1.0 lacks assert_stderr; give it the same meaning.
if ! declare -F assert_stderr >/dev/null; then
  # shellcheck disable=SC2034,SC2154 # assert_output reads $output; run sets $stderr
  assert_stderr() { local output=$stderr; assert_output "$@"; }
fi

TESTS_DIR=$(cd "${BASH_SOURCE[0]%/*}" && pwd) # tests/, wherever the .bats file is
BIN=${PORTLAB_BIN:-$TESTS_DIR/../bin}
SERVERS=()

setup() {
  [ -x "$BIN/same-port-server" ] || fail "no programs in $BIN: run make first"
}

# Stop what the test left running (servers and helpers alike). A server that
# did not exit 0 on SIGTERM, or that printed a sanitizer report, fails the
# test even if all else passed.
teardown() {
  local name status problems="" err
  proc_stop_all
  for name in "${SERVERS[@]}"; do
    status=${name}_status
    [ "${!status}" -eq 0 ] || problems+="server '$name' exited with status ${!status}; "
    err=''
    IFS= read -r -d '' err <"$PROC_DIR/$name/err" || true # (read, not grep: no process)
    if [[ $err == *Sanitizer* || $err == *'runtime error:'* ]]; then
      problems+="server '$name' printed a sanitizer report; "
      sed 's/^/#   /' "$PROC_DIR/$name/err" >&2
    fi
  done
  [ -z "$problems" ] || fail "$problems"
}

PROC_DIR=$BATS_TEST_TMPDIR
export PROC_WAIT_SECONDS=${PORTLAB_WAIT_SECONDS:-5}
# shellcheck source=tests/lib/procs.bash
source "$TESTS_DIR/lib/procs.bash"

start_server() {
  local as=server line via=()
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  # shellcheck disable=SC2206 # a wrapper is given as one string of words
  while [ "$1" = --via ]; do via+=($2); shift 2; done
  local prog=$1; shift
  SERVERS+=("$as")
  proc_start "$as" "${via[@]}" "$BIN/$prog" "$@"
  if ! proc_expect "$as" '^ready on '; then
    echo "# $prog did not get ready; it said:" >&2
    sed 's/^/#   /' "$PROC_DIR/$as/log" "$PROC_DIR/$as/err" >&2
    return 1
  fi
  line=${proc_line#ready on }
  line=${line%% *}
  printf -v "${as}_addr" %s "${line%:*}"
  printf -v "${as}_port" %s "${line##*:}"
}

# server_expect matches whole lines, as the program said them: a line the
# screen's width broke (common/narrate.h: continuation lines indented 4) is
# joined back first. Its continuation lines were written with it, in one
# write: when no line is held, every line already there is read at once (no
# wait), so that a line is never logged in part; the whole lines read ahead
# are held, in order, for the next calls. At most 100 at once: a server
# under load never stops talking, and is not read to its end.
declare -A SERVER_HELD=()
server_expect() {
  local as=server cur held=() n=0
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  if [ -z "$1" ]; then proc_expect "$as" ''; return; fi # to the end of its output
  while :; do
    if [ -n "${SERVER_HELD[$as]:-}" ]; then
      mapfile -t held <<<"${SERVER_HELD[$as]}"
    else
      proc_expect "$as" '^' || return 1
      held=("$proc_line")
    fi
    if [ ${#held[@]} -eq 1 ]; then # the last held line may go on: read on
      n=0
      while PROC_WAIT_SECONDS=0 proc_expect "$as" '^'; do
        if [[ $proc_line == '    '[!\ ]* ]]; then held[-1]+=" ${proc_line:4}"
        else held+=("$proc_line"); n=$((n + 1)); [ "$n" -lt 100 ] || break; fi
      done
    fi
    cur=${held[0]}
    SERVER_HELD[$as]=$(printf '%s\n' "${held[@]:1}")
    [ ${#held[@]} -gt 1 ] || SERVER_HELD[$as]=''
    if [[ $cur =~ $1 ]]; then server_line=$cur; return 0; fi
  done
}

stop_server() {
  local as=server
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  proc_stop "$as"
}

# forget_server NAME: reap a server the test killed on purpose, and leave its
# exit status out of teardown's checks.
forget_server() {
  local name keep=()
  proc_stop "$1"
  for name in "${SERVERS[@]}"; do [ "$name" = "$1" ] || keep+=("$name"); done
  SERVERS=("${keep[@]}")
}

# (as said: lines the screen's width broke are joined back, see unwrap_text)
server_log() { proc_cat "$PROC_DIR/${1:-server}/log" | unwrap_text; }
server_err() { proc_cat "$PROC_DIR/${1:-server}/err" | unwrap_text; }

# A port that was free a moment ago: the kernel gave it to a server we then
# stopped. (Nothing else on this machine is likely to take it in between.)
# Sets $free_port.
find_free_port() {
  start_server --as probe same-port-server -p 0 -b 127.0.0.1
  stop_server --as probe
  free_port=$probe_port
}

# run_behind_nft RULE PROGRAM ARGS...: run bin/PROGRAM (Bats' run, stderr
# apart) in a private network namespace whose output chain holds RULE
# (nft syntax, e.g. "tcp dport 4444 reject"). Skips where nft is missing.
run_behind_nft() {
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  local rule=$1 prog=$2
  shift 2
  # shellcheck disable=SC2016 # the script is for the inner shell
  run --separate-stderr netns_run sh -c 'printf "%s\n" "$1" | nft -f - && shift && exec "$@"' sh \
    "table inet portlab {"$'\n'"chain out {"$'\n'"type filter hook output priority 0;"$'\n'"$rule"$'\n'"}"$'\n'"}" \
    "$BIN/$prog" "$@"
}

has_ipv6_loopback() {
  [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6
}

# need_netns: skip where no private network namespace can be made: neither
# as root nor, as an ordinary user, through a user namespace (unshare -rn).
need_netns() {
  can_netns || skip "needs a private network namespace: unshare, nsenter and ip (iproute2), and root or a kernel that lets an ordinary user make one (unshare -rn, and an unshare with --map-user); not available here"
}

# need_real_root WHAT: skip, as an ordinary user, a test whose point is
# something a user namespace cannot give (WHAT: a real uid change, a file
# capability...). The words "needs real root" are what tests/run-bats counts.
# (Root of a user namespace of one uid, `unshare -r`, is not: it may not
# become nobody.)
need_real_root() {
  { [ "$EUID" -eq 0 ] && "${NOBODY[@]}" true 2>/dev/null; } || skip "needs real root: $*"
}

# Programs run as nobody must be reachable by nobody, and Bats' own temporary
# folders are private: copy them to a folder anyone may read, once per test
# file (setup_file below); it exports PORTLAB_BIN for the tests of the file.
# A private copy per file also lets "nothing left running" checks look for
# their own programs only, while other files run at the same time.
bin_for_nobody() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/portlab-bin.XXXXXX")
  mkdir "$dir/bin"
  cp "$BIN"/* "$dir/bin/"
  chmod 755 "$dir" "$dir/bin" "$dir"/bin/*
  export PORTLAB_BIN=$dir/bin NOBODY_BIN_DIR=$dir
}

# Every test file gets its own readable copy of the programs (a file may
# define its own setup_file instead).
setup_file() {
  bin_for_nobody
  can_netns || true # found out once for the file's tests (PROC_CAN_NETNS)
}

teardown_file() {
  [ -z "${NOBODY_BIN_DIR:-}" ] || rm -rf "$NOBODY_BIN_DIR"
}

# Tests keep Bats' line tracing, but not inside this file, the assertion
# libraries or lib/: a failure is still reported at the test's own line (the
# one that called in there), and a loop in there costs no more than outside
# Bats. Bats installs its trap just before each test (bats_setup_tracing):
# ours follows it. (Without that function, Bats' own trap stays.)
# (Glob patterns, not a regular expression: a =~ in the trap would overwrite
# the test's own BASH_REMATCH before its next command.)
PORTLAB_UNTRACED_LIB=$PORTLAB_BATS_LIB/ PORTLAB_UNTRACED_HELPERS=${BASH_SOURCE[0]}
PORTLAB_UNTRACED_PROCS=$TESTS_DIR/lib/
# shellcheck disable=SC2016 # expanded by the trap, each time
PORTLAB_DEBUG_TRAP='case $BASH_SOURCE in "$PORTLAB_UNTRACED_LIB"*|"$PORTLAB_UNTRACED_HELPERS"|"$PORTLAB_UNTRACED_PROCS"*) ;; *) bats_debug_trap "$BASH_SOURCE" ;; esac'
if declare -F bats_setup_tracing >/dev/null && ! declare -F portlab_bats_setup_tracing >/dev/null; then
  _body=$(declare -f bats_setup_tracing)
  eval "portlab_bats_setup_tracing${_body#bats_setup_tracing}"
  unset _body
  # shellcheck disable=SC2064 # the trap's text is in the variable
  bats_setup_tracing() { portlab_bats_setup_tracing; trap "$PORTLAB_DEBUG_TRAP" DEBUG; }
fi

# need_nobind: sets $nobind, the suite's Landlock tool (tests/tools/nobind:
# a program run under it may bind no port), or skips where the kernel has
# no Landlock network rules.
need_nobind() {
  nobind=$BATS_TEST_DIRNAME/../build/tools/nobind
  [ -x "$nobind" ] || fail "no $nobind: run make test (it builds the test tools)"
  "$nobind" true 2>/dev/null || skip "Landlock network rules are not available on this kernel"
}

# tour_copy_for_nobody: sets $tour_dir, a copy of the tour and the programs
# that nobody may read (the work tree may not be); remove it after.
tour_copy_for_nobody() {
  tour_dir=$(mktemp -d "${TMPDIR:-/tmp}/portlab-tour.XXXXXX")
  mkdir -p "$tour_dir/demos" "$tour_dir/tests/lib" "$tour_dir/bin"
  cp -r "$BATS_TEST_DIRNAME"/../demos/. "$tour_dir/demos/"
  cp "$BATS_TEST_DIRNAME"/lib/procs.bash "$tour_dir/tests/lib/"
  cp "$BIN"/* "$tour_dir/bin/"
  chmod -R a+rX "$tour_dir"
}

# own_netns_as_nobody CMD...: CMD as uid 65534 in a new user namespace (which
# maps only nobody) owning a new network namespace, inside a user namespace
# where our uid is root: an ordinary user's way to run a program as nobody
# where its capabilities count. (A file capability set from `unshare -r`
# counts in the user namespaces below the one whose root set it.)
own_netns_as_nobody() {
  exec unshare -r -- unshare --user --map-user=65534 --net -- "$@"
}

# The screen fits (common/narrate.h): the programs wrap every line to 80
# columns (COLUMNS), at spaces, continuation lines indented 4; the tour does
# the same with its own lines. unwrap_text (a filter) joins each wrapped line
# back into one, a space where it was broken:
#   - a line of exactly 4 spaces and then text continues the line before it;
#   - in the tour, "  LABEL  |     text" (a program's continuation line)
#     continues that LABEL's line before it, and a line of 16 spaces and
#     then text continues the step ("  LABEL  $ ...") before it.
# A figure's lines (1 to 3 spaces, or more than 4) are left as they are.
unwrap_text() {
  awk '
    function flush() { if (have) print cur; have = 0 }
    have && /^    [^ ]/ { cur = cur " " substr($0, 5); next }
    have && match($0, /^  [^ |$]+ +\|     [^ ]/) && index(cur, substr($0, 1, RLENGTH - 5)) == 1 {
      cur = cur " " substr($0, RLENGTH); next
    }
    have && /^                [^ ]/ && cur ~ /^  [^ |$]+ +\$ / { cur = cur " " substr($0, 17); next }
    { flush(); cur = $0; have = 1 }
    END { flush() }'
}

# unwrap: the same for $output and $lines (and, after run --separate-stderr,
# $stderr and $stderr_lines), so that assert_line and assert_output match a
# long line whole. Every `run` does it (below).
unwrap() {
  local l
  output=$(unwrap_text <<<"$output")
  lines=()
  while IFS= read -r l; do [ -z "$l" ] || lines+=("$l"); done <<<"$output"
  if [ -n "${stderr+set}" ]; then
    stderr=$(unwrap_text <<<"$stderr")
    stderr_lines=()
    while IFS= read -r l; do [ -z "$l" ] || stderr_lines+=("$l"); done <<<"$stderr"
  fi
}

# assert_reads_peer_port SRC: SRC (a server's own file) makes the accept()
# and the recvfrom() that learn the client's address, reads the port there
# (ntohs), once each, and marks its lesson three times or more: the lesson is
# in the demo, not in common/.
assert_reads_peer_port() {
  local src=$1
  run grep -c -e '= accept(listener, &peer->sa, plen);' -e '= recvfrom(udp, buf, cap, 0, &peer->sa, plen);' "$src"
  assert_output 2
  run grep -c 'ntohs(peer->sa.sa_family == AF_INET6 ? peer->in6.sin6_port : peer->in.sin_port)' "$src"
  assert_output 2
  run grep -c 'THE LESSON: ' "$src"
  [ "$output" -ge 3 ] || fail "only $output THE LESSON marks in $src"
}

# Every test's `run` takes lines whole: Bats' own run, then unwrap. A test of
# the screen's lines themselves (their width, a figure) uses run_raw, which
# is Bats' run as it is.
if declare -F run >/dev/null && ! declare -F run_raw >/dev/null; then
  eval "run_raw$(declare -f run | sed '1s/^run //')"
  run() { run_raw "$@"; unwrap; }
fi
run_unwrapped() { run "$@"; } # (the same: kept for tests that say it)
