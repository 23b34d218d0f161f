# tests/exercises/lib.bash - what the exercise checkers load after ../helpers.
#
# A checker must not trust what the student's program says about the machine:
# it asks the kernel to answer differently from this machine's usual answers,
# in namespaces of the checker's own, and reads the kernel's own view (its
# tables, the other program's log). No root needed: `unshare -rmn` makes a
# user, network and mount namespace for an ordinary user too (root makes the
# last two alone); the machine's own settings are never touched.
#
#   ex_namespace [--range LO-HI] [--unprivileged-start N] [--services FILE]
#       a private namespace, loopback up, where the kernel's ephemeral range
#       is LO-HI, ip_unprivileged_port_start is N, and /etc/services is FILE
#       (bind-mounted over it there only); sets ns_pid
#   ex_in CMD...      CMD in there, as the namespace's owner (every
#                     capability over its network, none over the machine's)
#   ex_plain CMD...   CMD in there with no capability at all (as an ordinary
#                     user: no CAP_NET_BIND_SERVICE, no CAP_NET_RAW)
#   ex_user [--in PID] [--cap CAP] [--trace FILE] CMD...   the program under
#                     test: in there (--in PID: in PID's network namespace, a
#                     scene's), as an unprivileged user of the scene - uid
#                     nobody, no capability over the check's namespace, or
#                     only CAP (net_raw) when the exercise is about it - with
#                     an environment of its own (nothing of Bats', nothing of
#                     the check's: a program cannot tell it runs under test
#                     that way); --trace: the kernel's answer to each of its
#                     bind()s, connect()s, sends and receives, a line each, in
#                     FILE (tests/tools/calls; not every way in: see there),
#                     which the program cannot reach
#   ex_need_trace     fail, saying why, where the kernel lets no program
#                     without CAP_SYS_PTRACE trace its own child (Yama's
#                     ptrace_scope 2 or 3)
#   calls FILE CALL PROTO ADDR   FILE's lines of CALL (bind, connect, send)
#                     in PROTO to ADDR (a pattern: 127.0.0.1:80, .*:1023), as
#                     "sock=INODE -> RESULT", one a line
#   hint TEXT         fail the check; TEXT (one line) is what the student sees
#   holds PID PROTO PORT [STATE]   the kernel's view, not the program's: the
#                     namespace's table (/proc/net/PROTO, PROTO6) has a socket
#                     on local port PORT (in STATE: two hex digits, 0A =
#                     LISTEN) that is one of PID's own descriptors (the same
#                     inode, /proc/PID/fd)
#   tcp_states PORT   the kernel's TCP table of the namespace: the states (two
#                     hex digits, 06 = TIME_WAIT) of the sockets whose local
#                     port is PORT, one a line

ex_namespace() {
  local setup='ip link set lo up' file=
  while [ $# -gt 0 ]; do
    case $1 in
      --range) setup+=" && echo ${2%-*} ${2#*-} >/proc/sys/net/ipv4/ip_local_port_range" ;;
      --unprivileged-start) setup+=" && echo $2 >/proc/sys/net/ipv4/ip_unprivileged_port_start" ;;
      --services) file=$2 setup+=" && mount --bind \"\$0\" /etc/services" ;; # $0: the file
    esac
    shift 2
  done
  # As root, no user namespace: root's own (unshare -r) maps its uid 0 to
  # root outside, and portlab's servers refuse to stay that. As anyone else,
  # the user namespace is what makes the other two possible.
  local flags=-rmn
  [ "$EUID" -ne 0 ] || flags=-mn
  unshare "$flags" true 2>/dev/null ||
    fail "cannot check here: this system does not let you make a user namespace (unshare -rmn says no), where the check asks the kernel to answer differently; as root it may (sudo make exercise E=...)"
  # ip lives in /sbin on some systems, which an ordinary user's PATH lacks.
  proc_start ns env PATH="$PATH:/usr/sbin:/sbin" unshare "$flags" -- sh -c \
    "$setup && echo 'ready on namespace 0' && exec tail -f /dev/null" "${file:-/}"
  proc_expect ns '^ready on ' || fail "could not make a namespace: $(proc_cat "$PROC_DIR/ns/err")"
}

# shellcheck disable=SC2154 # ns_pid: set by proc_start
ex_in() {
  local user=(--user="/proc/$ns_pid/ns/user" --preserve-credentials)
  [ "$EUID" -ne 0 ] || user=()
  exec nsenter "${user[@]}" --net="/proc/$ns_pid/ns/net" --mount="/proc/$ns_pid/ns/mnt" -- "$@"
}

ex_plain() {
  ex_in setpriv --inh-caps=-all --bounding-set=-all -- "$@"
}

# The tracer the committed tree's make builds (tests/tools/calls.c).
EX_CALLS=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)/build/tools/calls

# The environment the program under test gets: this, and nothing else.
EX_ENV=(env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME=/nonexistent)

# shellcheck disable=SC2154 # ns_pid: set by proc_start
ex_user() {
  local pid=$ns_pid mount=() caps=(--inh-caps=-all --bounding-set=-all) cap=
  if [ "$1" = --in ]; then pid=$2 mount=() && shift 2; else mount=(--mount="/proc/$ns_pid/ns/mnt"); fi
  if [ "$1" = --cap ]; then
    # shellcheck disable=SC2054 # setpriv's lists are comma-separated
    cap=$2 caps=(--inh-caps=-all,+"$2" --ambient-caps=+"$2" --bounding-set=-all,+"$2")
    shift 2
  fi
  if [ "$1" = --trace ]; then
    # The tracer runs as the program does (a process may trace its own
    # child) and writes to descriptor 7, which it keeps from the program.
    exec 7>"$2" || return
    shift 2
    set -- "$EX_CALLS" 7 "$@"
  fi
  if [ "$EUID" -eq 0 ]; then # as root: a real change of user
    exec "${EX_ENV[@]}" nsenter --net="/proc/$pid/ns/net" "${mount[@]}" -- \
      setpriv --reuid=nobody --regid=nogroup --clear-groups "${caps[@]}" -- "$@"
  fi
  # As an ordinary user, the program is that user to the kernel's files: the
  # check's own (the servers' logs, the trace) are hidden from it under an
  # empty file system it cannot take off (a mount of a namespace above its
  # own).
  # shellcheck disable=SC2016 # $0, $@: the inner shell's
  local hide=(sh -c 'mount -t tmpfs -o size=16k,mode=0555 portlab-check "$0" && exec "$@"' "$BATS_RUN_TMPDIR")
  if [ -n "$cap" ]; then # the namespace's owner, with CAP alone over its network
    exec "${EX_ENV[@]}" nsenter --user="/proc/$pid/ns/user" --net="/proc/$pid/ns/net" "${mount[@]}" \
      --preserve-credentials -- unshare --mount -- "${hide[@]}" setpriv "${caps[@]}" -- "$@"
  else # nobody, in a user namespace of its own below the scene's: no power over it
    exec "${EX_ENV[@]}" nsenter --user="/proc/$pid/ns/user" --net="/proc/$pid/ns/net" "${mount[@]}" \
      --preserve-credentials -- unshare --user --map-root-user --mount -- "${hide[@]}" \
      unshare --user --map-user=nobody --map-group=nogroup -- setpriv "${caps[@]}" -- "$@"
  fi
}

hint() {
  [ -z "${EX_HINTS:-}" ] || printf '%s\n' "$*" >>"$EX_HINTS"
  fail "what still falls short: $*"
}

tcp_states() {
  local hex here st
  printf -v hex '%04X' "$1"
  while read -r _ here _ st _; do
    [ "${here##*:}" != "$hex" ] || echo "$st"
  done < <(cat "/proc/$ns_pid/net/tcp" "/proc/$ns_pid/net/tcp6" 2>/dev/null)
}

holds() {
  local pid=$1 proto=$2 hex here st inode fd inodes=()
  printf -v hex '%04X' "$3"
  while read -r _ here _ st _ _ _ _ _ inode _; do
    [ "${here##*:}" = "$hex" ] || continue
    [ -z "${4:-}" ] || [ "$st" = "$4" ] || continue
    inodes+=("$inode")
  done < <(cat "/proc/$ns_pid/net/$proto" "/proc/$ns_pid/net/${proto}6" 2>/dev/null)
  for fd in "/proc/$pid/fd"/*; do
    fd=$(readlink "$fd" 2>/dev/null) || continue
    for inode in "${inodes[@]}"; do [ "$fd" != "socket:[$inode]" ] || return 0; done
  done
  return 1
}

calls() {
  sed -n "s/^[0-9]* $2 $3 $4 \\(sock=[0-9]* -> .*\\)/\\1/p" "$1"
}

ex_need_trace() {
  local as=()
  [ "$EUID" -ne 0 ] || as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all --)
  "${as[@]}" "$EX_CALLS" 7 true 7>/dev/null 2>/dev/null ||
    fail "cannot check here: this check traces the program (ptrace, tests/tools/calls), and this system lets no program without CAP_SYS_PTRACE trace its own child (kernel.yama.ptrace_scope is $(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo unknown))"
}
