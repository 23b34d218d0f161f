# tests/lib/procs.bash - background servers, watched through their narration.
# Shared by the Bats helpers (tests/helpers.bash) and the guided tour
# (demos/tour.sh). Needs bash 5 (EPOCHREALTIME).
#
#   proc_start NAME COMMAND...   start COMMAND in the background: stdout and
#       stderr into files (so a chatty program never waits for us); we follow
#       stdout with `tail -f` (GNU); sets NAME_pid and NAME_fd
#   proc_expect NAME REGEX       read NAME's lines until one matches (bounded by
#       PROC_WAIT_SECONDS); the line is left in $proc_line. An empty REGEX reads
#       to the end of the output. Each line read is appended to NAME's log and
#       handed to proc_on_line NAME LINE, which the caller may redefine (and
#       set PROC_ECHO=1 for proc_stop to hand it the last lines too).
#   proc_stop NAME               SIGTERM, read the rest, reap; sets NAME_status
#   proc_stop_all                stop every process started here
#   netns_run [--sysctl PATH=VALUE]... [--nobody] CMD...  CMD in a new network
#       namespace of its own, loopback up, the sysctls set there only (never the
#       host's); with --nobody as user nobody, group nogroup, no capabilities
#   netns_of PID [--nobody] CMD...   CMD inside the network namespace of PID
#   can_netns             whether this machine lets us do that (root, tools)
#   classroom_up          two namespaces, teacher 10.77.0.1 and student 10.77.0.2,
#       joined by a veth pair (fd77::1 and fd77::2 too)
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
  mkdir -p "$dir" && : >"$dir/out" && : >"$dir/log"
  # A shell function (a wrapper such as netns_run) must end in exec itself,
  # so that NAME_pid stays the program's own pid.
  if declare -F "$1" >/dev/null; then
    ( proc_close_fds; "$@" >"$dir/out" 2>"$dir/err" ) &
  else
    ( proc_close_fds; exec "$@" >"$dir/out" 2>"$dir/err" ) &
  fi
  printf -v "${name}_pid" %s "$!"
  PROC_NAMES+=("$name")
  # tail ends when the program does (--pid, checked every 10 ms), so reading
  # to end of file means "until it exited".
  exec {fd}< <(proc_close_fds; exec tail -s 0.01 --pid="$!" -n +1 -f "$dir/out" 2>/dev/null)
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
  local name=$1 pid fd status=0 line
  pid=${name}_pid; pid=${!pid}
  fd=${name}_fd; fd=${!fd}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  # Take what is left, to end of file (the program exited); one still there
  # after the bounded wait is killed.
  if ! timeout "$PROC_WAIT_SECONDS" cat <&"$fd" >"$PROC_DIR/$name/rest"; then
    kill -KILL "$pid" 2>/dev/null
    timeout 1 cat <&"$fd" >>"$PROC_DIR/$name/rest"
  fi
  cat "$PROC_DIR/$name/rest" >>"$PROC_DIR/$name/log"
  if [ -n "${PROC_ECHO:-}" ]; then # show each line, as the tour does
    while IFS= read -r line; do proc_on_line "$name" "$line"; done <"$PROC_DIR/$name/rest"
  fi
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

# --- Private network namespaces, for tests that need an ordinary user or a
# sysctl of their own. Each wrapper ends in exec, so pids stay the program's.

can_netns() {
  [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v nsenter >/dev/null &&
    command -v setpriv >/dev/null && command -v ip >/dev/null && unshare -n true 2>/dev/null
}

# setpriv's words for "become nobody/nogroup, no groups, no capabilities".
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --)

# netns_run [--sysctl net/ipv4/NAME=VALUE]... [--nobody] CMD...
netns_run() {
  local setup='ip link set lo up' who=()
  while :; do
    case $1 in
      --sysctl) setup+=" && echo ${2#*=} > /proc/sys/${2%%=*}"; shift 2 ;;
      --nobody) who=("${NOBODY[@]}"); shift ;;
      *) break ;;
    esac
  done
  exec unshare -n -- sh -c "$setup && exec \"\$@\"" sh "${who[@]}" "$@"
}

# netns_of PID [--nobody] CMD...
netns_of() {
  local pid=$1 who=()
  shift
  if [ "$1" = --nobody ]; then who=("${NOBODY[@]}"); shift; fi
  exec nsenter --net="/proc/$pid/ns/net" -- "${who[@]}" "$@"
}


# classroom_up: two hosts on this one machine - network namespaces "teacher"
# (10.77.0.1, fd77::1) and "student" (10.77.0.2, fd77::2), joined by a veth
# pair, addresses of the suite's own. Sets teacher_pid and student_pid: run
# things there with `netns_of PID`. Needs root (can_netns). Traffic never
# leaves them; they vanish with their holder processes (proc_stop_all).
classroom_up() {
  local who
  for who in teacher student; do
    proc_start "$who" unshare -n -- sh -c 'ip link set lo up && echo "ready on namespace 0" && exec tail -f /dev/null'
    proc_expect "$who" '^ready on ' || return 1
  done
  # shellcheck disable=SC2154 # teacher_pid, student_pid: set by proc_start
  (netns_of "$teacher_pid" ip link add veth-teacher type veth peer name veth-student netns "$student_pid") || return 1
  (netns_of "$teacher_pid" sh -c 'ip addr add 10.77.0.1/24 dev veth-teacher && ip link set veth-teacher up') || return 1
  (netns_of "$student_pid" sh -c 'ip addr add 10.77.0.2/24 dev veth-student && ip link set veth-student up') || return 1
  # IPv6 too, where the kernel has it; nodad: usable at once, no duplicate-address wait.
  if [ -d /proc/sys/net/ipv6 ]; then
    (netns_of "$teacher_pid" ip -6 addr add fd77::1/64 dev veth-teacher nodad) || return 1
    (netns_of "$student_pid" ip -6 addr add fd77::2/64 dev veth-student nodad) || return 1
  fi
}
