# tests/lib/procs.bash - background servers, watched through their narration.
# Shared by the Bats helpers (tests/helpers.bash) and the guided tour
# (demos/tour.sh). Needs bash 5 (EPOCHREALTIME).
#
#   proc_start NAME COMMAND...   start COMMAND in the background: stdout and
#       stderr into files (so a chatty program never waits for us); we read
#       stdout as it grows, and its end once the program has exited; sets
#       NAME_pid and NAME_fd
#   proc_expect NAME REGEX       read NAME's lines until one matches (bounded by
#       PROC_WAIT_SECONDS); the line is left in $proc_line. An empty REGEX reads
#       to the end of the output. Each line read is appended to NAME's log and
#       handed to proc_on_line NAME LINE, which the caller may redefine (and
#       set PROC_ECHO=1 for proc_stop to hand it the last lines too). A
#       signal trap may set PROC_ABORT=1, or create the file $PROC_ABORT_FILE,
#       to end the wait at once (returns 1).
#   proc_stop NAME               SIGTERM, read the rest, reap; sets NAME_status
#   proc_stop_all                stop every process started here
#   proc_cat FILE...             print files, like cat, without a process
#   netns_run [--sysctl PATH=VALUE]... [--nobody] CMD...  CMD in a new network
#       namespace of its own, loopback up, the sysctls set there only (never the
#       host's); with --nobody as user nobody, group nogroup, no capabilities
#   namespace_holder NAME [--in PID] [WRAPPER...] [-r]   a process holding a
#       private network namespace (-r: and a user namespace); sets NAME_pid
#   netns_of PID [--nobody] CMD...   CMD inside the network namespace of PID
#   userns_of PID [--nobody] CMD...  CMD inside the user and network namespaces
#       of PID, one that `unshare -rn` made (an ordinary user's own)
#   can_netns             whether this machine lets us do that: as root, or as
#       an ordinary user through a user namespace (unshare -rn)
#   netns_as_root         whether that is as real root (else: an ordinary user)
#   classroom_up          two namespaces, teacher 10.77.0.1 and student 10.77.0.2,
#       joined by a veth pair (fd77::1 and fd77::2 too)
# Files live in $PROC_DIR/NAME/{out,log,err}. No fixed sleeps anywhere: every
# wait is a bounded read of the program's own output.

PROC_WAIT_SECONDS=${PROC_WAIT_SECONDS:-5}

# Bash's loadable builtins where they are installed (Debian: bash-builtins):
# mkdir, mkfifo, mktemp and rm then run inside this shell, not as a process
# each - the suite would otherwise start thousands, and on some machines a
# process costs milliseconds. Same options, same meaning - except that the
# loadable mkdir's -m is subject to the umask: use chmod. Absent, nothing
# changes. (Absolute folders only: never a "." from BASH_LOADABLES_PATH.)
for _proc_b in mkdir mkfifo mktemp rm; do
  for _proc_d in /usr/lib/bash /usr/local/lib/bash /usr/lib64/bash; do
    [ -f "$_proc_d/$_proc_b" ] || continue
    enable -f "$_proc_d/$_proc_b" "$_proc_b" 2>/dev/null
    break
  done
done
unset _proc_b _proc_d
PROC_NAMES=()
proc_line= # set by proc_expect, for the caller
export proc_line

proc_on_line() { :; }

# proc_untraced FUNCTION ARGS...: run it without Bats' DEBUG trap, which
# otherwise runs before every command (a hundredfold slowdown of a loop);
# outside Bats, or when already untraced, it just runs it. The trap is put
# back afterwards (tests/helpers.bash says which: PORTLAB_DEBUG_TRAP).
proc_untraced() {
  if [ -n "${_proc_quiet:-}" ] || ! declare -F bats_debug_trap >/dev/null; then
    "$@"
    return
  fi
  local _proc_quiet=1 _proc_rc=0 # seen by what it calls (dynamic scope)
  trap - DEBUG
  "$@" || _proc_rc=$?
  # shellcheck disable=SC2064 # the trap's text is in the variable, expanded later
  trap "${PORTLAB_DEBUG_TRAP:-bats_debug_trap \"\$BASH_SOURCE\"}" DEBUG
  return "$_proc_rc"
}

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

# proc_cat FILE...: the files' lines, like cat, but without a process
# (mapfile and printf): the harness prints logs for every server it runs.
proc_cat() {
  local f lines
  for f in "$@"; do
    mapfile -t lines <"$f" || return 1
    [ ${#lines[@]} -eq 0 ] || printf '%s\n' "${lines[@]}"
  done
}

proc_start() { proc_untraced _proc_start "$@"; }
_proc_start() {
  local name=$1 dir fd
  shift
  dir=$PROC_DIR/$name
  [ -d "$dir" ] || mkdir -p "$dir"
  : >"$dir/out" && : >"$dir/log"
  # A shell function (a wrapper such as netns_run) must end in exec itself,
  # so that NAME_pid stays the program's own pid.
  if declare -F "$1" >/dev/null; then
    ( proc_close_fds; "$@" >"$dir/out" 2>"$dir/err" ) &
  else
    ( proc_close_fds; exec "$@" >"$dir/out" 2>"$dir/err" ) &
  fi
  printf -v "${name}_pid" %s "$!"
  PROC_NAMES+=("$name")
  # We read the file itself, as it grows (no follower process): the end of
  # the file is the end of the output once the program has exited.
  exec {fd}<"$dir/out"
  printf -v "${name}_fd" %s "$fd"
  unset "PROC_PART[$name]"
}

# _proc_pause MICROSECONDS: wait that long at most (under 1 s), in this
# shell: a read with a timeout from a FIFO that nobody writes. It is how a
# bounded wait polls (every 10 ms); nothing waits a fixed time for a result.
_proc_pause() {
  if [ -z "${PROC_TICK_FD:-}" ] || [ "${PROC_TICK_PID:-}" != "$BASHPID" ]; then
    [ -p "$PROC_DIR/.tick" ] || mkfifo "$PROC_DIR/.tick" || return 1
    exec {PROC_TICK_FD}<>"$PROC_DIR/.tick"
    PROC_TICK_PID=$BASHPID
  fi
  local t
  printf -v t '0.%06d' "$1"
  read -r -t "$t" -u "$PROC_TICK_FD" _ || true
}

# _proc_reap NAME: if NAME's program has exited, collect its status into
# PROC_REAPED[NAME]; returns 0 then, else 1. Whether it has is bash's to
# say (jobs -r), never /proc's: bash reaps a child as it ends, unasked, and
# from then on its pid may be any other process's (pids wrap). A program
# once reaped is never signalled again.
declare -gA PROC_REAPED=() PROC_LINES=() PROC_PART=()
# _proc_zombie PID: our child PID has ended and waits to be collected. Now
# and then bash 5.2 misses a child's end (a SIGCHLD that comes while a
# signal trap runs: seen in the tour stopped with SIGTERM) and lists it as
# running until it is waited for; a zombie keeps its pid, so wait is safe.
_proc_zombie() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat%% *}" = Z ]
}
_proc_reap() {
  local name=$1 pid p live=()
  [ -z "${PROC_REAPED[$name]:-}" ] || return 0
  pid=${name}_pid; pid=${!pid}
  [ -n "$pid" ] || return 1
  jobs -rp >"$PROC_DIR/.running.$BASHPID" && mapfile -t live <"$PROC_DIR/.running.$BASHPID"
  for p in "${live[@]}"; do [ "$p" != "$pid" ] || _proc_zombie "$pid" || return 1; done
  PROC_REAPED[$name]=0
  wait "$pid" 2>/dev/null || PROC_REAPED[$name]=$?
}

# _proc_read NAME DEADLINE_US: one line of NAME's output into _proc_got.
# Returns 0 (a line), 1 (end of output: the program exited) or 2 (the
# deadline passed). Counts the lines taken in PROC_LINES[NAME]. A line
# still being written is kept (PROC_PART[NAME]) for the next call.
_proc_read() {
  local name=$1 deadline=$2 fd line rc left ended=''
  local part=${PROC_PART[$name]:-}
  # IFS for this function, not as a temporary assignment on read: a signal
  # trap run during such a read can make bash 5.2 lose its variable scopes
  # ("pop_var_context: head of shell_variables not a function context").
  local IFS=''
  fd=${name}_fd; fd=${!fd}
  _proc_got=
  unset "PROC_PART[$name]"
  while :; do
    rc=0
    read -r -u "$fd" line || rc=$?
    if [ "$rc" -eq 0 ]; then
      _proc_got=$part$line
      PROC_LINES[$name]=$(( ${PROC_LINES[$name]:-0} + 1 ))
      return 0
    fi
    part+=$line # the end of the file so far: maybe half a line
    if [ -n "$ended" ]; then # read once more after the exit: that was all
      [ -n "$part" ] || return 1
      _proc_got=$part
      PROC_LINES[$name]=$(( ${PROC_LINES[$name]:-0} + 1 ))
      return 0
    fi
    if _proc_reap "$name"; then ended=1; continue; fi
    left=$(( deadline - ${EPOCHREALTIME/./} ))
    if [ "$left" -le 0 ] || [ -n "${PROC_ABORT:-}" ] ||
       { [ -n "${PROC_ABORT_FILE:-}" ] && [ -e "$PROC_ABORT_FILE" ]; }; then
      PROC_PART[$name]=$part
      return 2
    fi
    [ "$left" -le 10000 ] || left=10000
    _proc_pause "$left"
  done
}

proc_expect() { proc_untraced _proc_expect "$@"; }
_proc_expect() {
  local name=$1 regex=$2 deadline fd log
  fd=${name}_fd; fd=${!fd}
  deadline=$(( ${EPOCHREALTIME/./} + PROC_WAIT_SECONDS * 1000000 ))
  proc_line=
  [ -n "$fd" ] || return 1
  log=$PROC_DIR/$name/log
  while _proc_read "$name" "$deadline"; do
    printf '%s\n' "$_proc_got" >>"$log"
    proc_on_line "$name" "$_proc_got"
    if [ -n "$regex" ] && [[ $_proc_got =~ $regex ]]; then proc_line=$_proc_got; return 0; fi
  done
  return 1
}

proc_stop() { proc_untraced _proc_stop "$@"; }
_proc_stop() {
  local name=$1 pid fd line rest=() deadline killed='' dir=$PROC_DIR/$1
  pid=${name}_pid; pid=${!pid}
  fd=${name}_fd; fd=${!fd}
  [ -n "$pid" ] || return 0
  _proc_reap "$name" || kill -TERM "$pid" 2>/dev/null || true
  # Wait (bounded) for it to exit, looking every 10 ms; one still there
  # after the bound is killed.
  deadline=$(( ${EPOCHREALTIME/./} + PROC_WAIT_SECONDS * 1000000 ))
  until _proc_reap "$name"; do
    if [ "${EPOCHREALTIME/./}" -ge "$deadline" ]; then
      [ -z "$killed" ] || break
      kill -KILL "$pid" 2>/dev/null
      killed=1 deadline=$(( ${EPOCHREALTIME/./} + 1000000 ))
    fi
    _proc_pause 10000
  done
  # What it said that nobody has seen yet: PROC_LINES[NAME] lines were
  # handed out (and logged) by proc_expect.
  mapfile -t -s "${PROC_LINES[$name]:-0}" rest <"$dir/out"
  [ ${#rest[@]} -eq 0 ] || printf '%s\n' "${rest[@]}" >>"$dir/log"
  if [ -n "${PROC_ECHO:-}" ]; then # show each line, as the tour does
    for line in "${rest[@]}"; do proc_on_line "$name" "$line"; done
  fi
  printf -v "${name}_status" %s "${PROC_REAPED[$name]:-137}"
  unset "PROC_REAPED[$name]" "PROC_LINES[$name]" "PROC_PART[$name]"
  exec {fd}<&-
  printf -v "${name}_pid" %s ""
  printf -v "${name}_fd" %s ""
}

proc_stop_all() { proc_untraced _proc_stop_all; }
_proc_stop_all() {
  local name
  for name in "${PROC_NAMES[@]}"; do _proc_stop "$name"; done
}

# --- Private network namespaces, for tests that need an ordinary user or a
# sysctl of their own. Each wrapper ends in exec, so pids stay the program's.
#
# Two ways, the same wrappers:
#   - as root: `unshare -n`; --nobody is a real change of user (setpriv to
#     nobody/nogroup, no capabilities).
#   - as an ordinary user: `unshare -rn`, a user namespace of one's own
#     with a network namespace in it. There the user is uid 0, holding every
#     capability - over that namespace's network only. --nobody is a user
#     namespace inside it that maps uid 65534 (nobody) alone: a process that
#     holds no capability over the network namespace, as nobody would. No
#     uid really changes: what needs that (setuid(2) to another user, a file
#     capability) needs real root.
# Every namespace a test makes one way or the other is entered the same way
# (netns_of), through a process that lives in the namespace and in the user
# namespace that owns it: a holder (namespace_holder), or a program netns_run
# started without --nobody.

# Root is real root when it may become nobody: uid 0 in a user namespace of
# one uid (`unshare -r`) may not, and is treated as an ordinary user.
# The answer is kept in PROC_CAN_NETNS (exported, as UID:root, UID:user or
# UID:no), so that it is found out once, not once per test - and again for
# another user.
can_netns() {
  case ${PROC_CAN_NETNS:-} in
    "$EUID:root"|"$EUID:user") return 0 ;;
    "$EUID:no") return 1 ;;
  esac
  PROC_CAN_NETNS=$EUID:no
  if command -v unshare >/dev/null && command -v nsenter >/dev/null && command -v ip >/dev/null; then
    if [ "$EUID" -eq 0 ] && command -v setpriv >/dev/null && unshare -n "${NOBODY[@]}" true 2>/dev/null; then
      PROC_CAN_NETNS=$EUID:root
    elif unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "${_PROC_NOBODY_NS[@]}" true 2>/dev/null; then
      PROC_CAN_NETNS=$EUID:user
    fi
  fi
  export PROC_CAN_NETNS
  [ "${PROC_CAN_NETNS#*:}" != no ]
}

netns_as_root() { can_netns && [ "${PROC_CAN_NETNS#*:}" = root ]; }

# setpriv's words for "become nobody/nogroup, no groups, no capabilities".
NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --)
# unshare's, inside an ordinary user's own user namespace: be uid 65534 in a
# user namespace of one uid, holding no capability over the network
# namespace (its owner is the namespace outside). Needs an unshare(1) with
# --map-user (util-linux; this one is tried by can_netns).
_PROC_NOBODY_NS=(unshare --user --map-user=nobody --map-group=nogroup --)

# _proc_nobody: the words for --nobody, the way can_netns found (into who).
_proc_nobody() {
  if netns_as_root; then who=("${NOBODY[@]}"); else who=("${_PROC_NOBODY_NS[@]}"); fi
}

# netns_run [--sysctl net/ipv4/NAME=VALUE]... [--nobody] CMD...
netns_run() {
  local setup='ip link set lo up' who=() new=-n
  while :; do
    case $1 in
      --sysctl) setup+=" && echo ${2#*=} > /proc/sys/${2%%=*}"; shift 2 ;;
      --nobody) _proc_nobody; shift ;;
      *) break ;;
    esac
  done
  netns_as_root || new=-rn
  exec unshare "$new" -- sh -c "$setup && exec \"\$@\"" sh "${who[@]}" "$@"
}

# namespace_holder NAME [--in PID] [WRAPPER...] [-r]: a process that holds a
# private network namespace (loopback up) for others to enter with netns_of
# (or, with -r, a user namespace too, for userns_of); sets NAME_pid. WRAPPER
# is what runs unshare (setpriv as nobody, say). As an ordinary user there is
# always a user namespace; --in PID makes the network namespace inside PID's
# (so that one may link the two: classroom_up). Ends with proc_stop NAME.
namespace_holder() {
  local name=$1 flags=-n in=()
  shift
  if [ "${1:-}" = --in ]; then
    netns_as_root || in=(nsenter "--user=/proc/$2/ns/user" --preserve-credentials --)
    shift 2
  fi
  if [ "${*: -1}" = -r ]; then flags=-rn; set -- "${@:1:$#-1}"; fi
  if ! netns_as_root && [ ${#in[@]} -eq 0 ]; then flags=-rn; fi
  proc_start "$name" "$@" "${in[@]}" unshare "$flags" -- sh -c 'ip link set lo up && echo "ready on namespace 0" && exec tail -f /dev/null'
  proc_expect "$name" '^ready on '
}

# userns_of PID [--nobody] CMD...: CMD inside the user and network namespaces
# of PID, made by `unshare -rn` (no root needed): there its owner is uid 0,
# with every capability over that namespace's own network only. --nobody:
# as nobody, who made them (as root); an ordinary user made them himself.
userns_of() {
  local pid=$1 who=()
  shift
  if [ "$1" = --nobody ]; then
    if netns_as_root; then who=("${NOBODY[@]}"); fi
    shift
  fi
  exec "${who[@]}" nsenter --user="/proc/$pid/ns/user" --net="/proc/$pid/ns/net" --preserve-credentials -- "$@"
}

# netns_of PID [--nobody] CMD...
netns_of() {
  local pid=$1 who=()
  shift
  if [ "$1" = --nobody ]; then _proc_nobody; shift; fi
  if netns_as_root; then
    exec nsenter --net="/proc/$pid/ns/net" -- "${who[@]}" "$@"
  fi
  exec nsenter --user="/proc/$pid/ns/user" --net="/proc/$pid/ns/net" --preserve-credentials -- "${who[@]}" "$@"
}


# nat_up: the NAT lesson's scene (docs/nat.md), network namespaces joined by
# veth pairs: "home1" (10.0.0.2) and "home2" (10.0.0.3) on one bridge behind
# "router" (10.0.0.1 inside, 198.51.100.1 outside, masquerading with nft),
# and "outside" (203.0.113.10, and .11 for a second server). The outside addresses are RFC 5737's
# documentation ranges; nothing leaves these namespaces. Sets router_pid,
# home1_pid, home2_pid, outside_pid. Needs can_netns and nft.
nat_up() {
  namespace_holder router || return 1
  local h
  # shellcheck disable=SC2154 # router_pid: set by proc_start
  for h in home1 home2 outside; do
    namespace_holder "$h" --in "$router_pid" || return 1
  done
  # shellcheck disable=SC2154 # *_pid: set by proc_start
  (netns_of "$router_pid" sh -c "
    ip link add lan1 type veth peer name eth0 netns $home1_pid &&
    ip link add lan2 type veth peer name eth0 netns $home2_pid &&
    ip link add wan0 type veth peer name eth0 netns $outside_pid &&
    ip link add br0 type bridge && ip link set lan1 master br0 && ip link set lan2 master br0 &&
    ip addr add 10.0.0.1/24 dev br0 && ip addr add 198.51.100.1/24 dev wan0 &&
    ip link set br0 up && ip link set lan1 up && ip link set lan2 up && ip link set wan0 up &&
    ip route add 203.0.113.0/24 dev wan0 &&
    echo 1 > /proc/sys/net/ipv4/ip_forward") || return 1
  (netns_of "$home1_pid" sh -c 'ip addr add 10.0.0.2/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.0.1') || return 1
  (netns_of "$home2_pid" sh -c 'ip addr add 10.0.0.3/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.0.1') || return 1
  (netns_of "$outside_pid" sh -c 'ip addr add 203.0.113.10/24 dev eth0 && ip addr add 203.0.113.11/24 dev eth0 && ip link set eth0 up && ip route add 198.51.100.0/24 dev eth0') || return 1
  (netns_of "$router_pid" nft -f "$(dirname "${BASH_SOURCE[0]}")/../../demos/nat/rules.nft") || return 1
}

# classroom_up: two hosts on this one machine - network namespaces "teacher"
# (10.77.0.1, fd77::1) and "student" (10.77.0.2, fd77::2), joined by a veth
# pair, addresses of the suite's own. Sets teacher_pid and student_pid: run
# things there with `netns_of PID`. Needs can_netns (as an ordinary user, the
# student's namespace is made inside the teacher's user namespace, so that
# the cable may join them). Traffic never leaves them; they vanish with
# their holder processes (proc_stop_all).
classroom_up() {
  namespace_holder teacher || return 1
  # shellcheck disable=SC2154 # teacher_pid: set by proc_start
  namespace_holder student --in "$teacher_pid" || return 1
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
