# tests/lib/procs.bash - background servers, watched through their narration.
# Shared by the Bats helpers (tests/helpers.bash) and the guided tour
# (demos/tour.sh). Needs bash 5 (EPOCHREALTIME).
#
#   proc_start NAME COMMAND...   start COMMAND in the background: stdout into a
#       FIFO we read, stderr into a file; sets NAME_pid and NAME_fd
#   proc_expect NAME REGEX       read NAME's lines until one matches (bounded by
#       PROC_WAIT_SECONDS); the line is left in $proc_line. An empty REGEX reads
#       to the end of the output. Each line read is appended to NAME's log and
#       handed to proc_on_line NAME LINE, which the caller may redefine.
#   proc_stop NAME               SIGTERM, read the rest, reap; sets NAME_status
#   proc_stop_all                stop every process started here
# Files live in $PROC_DIR/NAME/{out,log,err}. No fixed sleeps anywhere: every
# wait is a bounded read of the program's own output.

PROC_WAIT_SECONDS=${PROC_WAIT_SECONDS:-5}
PROC_NAMES=()
proc_line= # set by proc_expect, for the caller
export proc_line

proc_on_line() { :; }

# Close every descriptor above 2: a background process holding one of its
# parent's descriptors (Bats keeps several) can make the parent wait forever.
proc_close_fds() {
  local fd
  for fd in /proc/"$BASHPID"/fd/*; do
    fd=${fd##*/}
    [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
  done
  return 0
}

proc_start() {
  local name=$1 dir fd
  shift
  dir=$PROC_DIR/$name
  mkdir -p "$dir" && rm -f "$dir/out" && mkfifo "$dir/out" && : >"$dir/log"
  ( proc_close_fds; exec "$@" >"$dir/out" 2>"$dir/err" ) &
  printf -v "${name}_pid" %s "$!"
  PROC_NAMES+=("$name")
  exec {fd}<"$dir/out"
  printf -v "${name}_fd" %s "$fd"
}

proc_expect() {
  local name=$1 regex=$2 deadline left fd line
  fd=${name}_fd; fd=${!fd}
  deadline=$(( ${EPOCHREALTIME/./} + PROC_WAIT_SECONDS * 1000000 ))
  proc_line=
  [ -n "$fd" ] || return 1
  while :; do
    left=$(( deadline - ${EPOCHREALTIME/./} ))
    [ "$left" -gt 0 ] || return 1
    IFS= read -r -t "$((left / 1000000)).$(printf %06d $((left % 1000000)))" -u "$fd" line || return 1
    printf '%s\n' "$line" >>"$PROC_DIR/$name/log"
    proc_on_line "$name" "$line"
    if [ -n "$regex" ] && [[ $line =~ $regex ]]; then proc_line=$line; return 0; fi
  done
}

proc_stop() {
  local name=$1 pid fd status=0
  pid=${name}_pid; pid=${!pid}
  fd=${name}_fd; fd=${!fd}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  # Read what is left until end of file; a process still there after the
  # bounded wait is killed.
  proc_expect "$name" '' || true
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" || status=$?
  exec {fd}<&-
  printf -v "${name}_status" %s "$status"
  printf -v "${name}_pid" %s ""
  printf -v "${name}_fd" %s ""
}

proc_stop_all() {
  local name
  for name in "${PROC_NAMES[@]}"; do proc_stop "$name"; done
}
