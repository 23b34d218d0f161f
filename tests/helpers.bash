# tests/helpers.bash - what every portlab test file loads.
#
#   start_server [--as NAME] PROGRAM ARGS...   run bin/PROGRAM in the background,
#       wait (bounded) for its "ready on ADDRESS:PORT" line; sets NAME_pid,
#       NAME_port, NAME_addr (NAME defaults to "server")
#   server_expect [--as NAME] REGEX     read the server's narration until a line
#       matches (bounded); the line is left in $server_line. An empty REGEX
#       reads to the end of its output.
#   stop_server [--as NAME]             SIGTERM, collect the rest of its output,
#       set NAME_status; assert nothing (tests assert what they expect)
#   server_log [NAME], server_err [NAME]    everything it printed so far
# Servers started here are stopped in teardown, even when a test fails.
# No fixed sleeps: every wait is a bounded read of the server's own output.

bats_require_minimum_version 1.5.0
load "$PORTLAB_BATS_LIB/bats-support/load"
load "$PORTLAB_BATS_LIB/bats-assert/load"

# Debian's bats-assert 2.1.0 lacks assert_stderr; give it the same meaning.
if ! declare -F assert_stderr >/dev/null; then
  assert_stderr() { local output=$stderr; assert_output "$@"; }
fi

BIN=${PORTLAB_BIN:-$BATS_TEST_DIRNAME/../bin}
WAIT_SECONDS=${PORTLAB_WAIT_SECONDS:-5}
SERVERS=()

setup() {
  [ -x "$BIN/same-port-server" ] || fail "no programs in $BIN: run make first"
}

# Stop what the test left running. A server that did not exit 0 on SIGTERM,
# or that printed a sanitizer report, fails the test even if all else passed.
teardown() {
  local name status problems=""
  for name in "${SERVERS[@]}"; do
    stop_server --as "$name"
    status=${name}_status
    [ "${!status}" -eq 0 ] || problems+="server '$name' exited with status ${!status}; "
    if grep -qE 'Sanitizer|runtime error:' "$BATS_TEST_TMPDIR/$name/err"; then
      problems+="server '$name' printed a sanitizer report; "
      sed 's/^/#   /' "$BATS_TEST_TMPDIR/$name/err" >&2
    fi
  done
  [ -z "$problems" ] || fail "$problems"
}

# Close every descriptor above 2: a background process that keeps one of
# Bats' descriptors open makes Bats wait for it forever.
close_fds() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
  done
  return 0
}

start_server() {
  local as=server dir fd line
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  local prog=$1; shift
  dir=$BATS_TEST_TMPDIR/$as
  mkdir -p "$dir" && rm -f "$dir/out" && mkfifo "$dir/out" && : >"$dir/log"
  ( close_fds; exec "$BIN/$prog" "$@" >"$dir/out" 2>"$dir/err" ) &
  printf -v "${as}_pid" %s "$!"
  SERVERS+=("$as")
  exec {fd}<"$dir/out"
  printf -v "${as}_fd" %s "$fd"
  if ! server_expect --as "$as" '^ready on '; then
    echo "# $prog did not get ready; it said:" >&2
    sed 's/^/#   /' "$dir/log" "$dir/err" >&2
    return 1
  fi
  line=${server_line#ready on }
  line=${line%% *}
  printf -v "${as}_addr" %s "${line%:*}"
  printf -v "${as}_port" %s "${line##*:}"
}

server_expect() {
  local as=server regex deadline left fd line
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  regex=$1
  fd=${as}_fd; fd=${!fd}
  deadline=$(( ${EPOCHREALTIME/./} + WAIT_SECONDS * 1000000 ))
  server_line=
  while :; do
    left=$(( deadline - ${EPOCHREALTIME/./} ))
    [ "$left" -gt 0 ] || return 1
    IFS= read -r -t "$((left / 1000000)).$(printf %06d $((left % 1000000)))" -u "$fd" line || return 1
    printf '%s\n' "$line" >>"$BATS_TEST_TMPDIR/$as/log"
    if [ -n "$regex" ] && [[ $line =~ $regex ]]; then server_line=$line; return 0; fi
  done
}

stop_server() {
  local as=server pid fd status=0
  if [ "$1" = --as ]; then as=$2; shift 2; fi
  pid=${as}_pid; pid=${!pid}
  fd=${as}_fd; fd=${!fd}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  # Read what is left until end of file (the server closed its stdout);
  # a server still there after the bounded wait is killed.
  server_expect --as "$as" '' || true
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" || status=$?
  exec {fd}<&-
  printf -v "${as}_status" %s "$status"
  printf -v "${as}_pid" %s ""
}

server_log() { cat "$BATS_TEST_TMPDIR/${1:-server}/log"; }
server_err() { cat "$BATS_TEST_TMPDIR/${1:-server}/err"; }

# A port that was free a moment ago: the kernel gave it to a server we then
# stopped. (Nothing else on this machine is likely to take it in between.)
# Sets $free_port.
find_free_port() {
  start_server --as probe same-port-server -p 0 -b 127.0.0.1
  stop_server --as probe
  free_port=$probe_port
}

has_ipv6_loopback() {
  [ -e /proc/net/if_inet6 ] && grep -q '^0\{31\}1 ' /proc/net/if_inet6
}
