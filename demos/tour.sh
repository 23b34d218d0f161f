#!/usr/bin/env bash
# demos/tour.sh [DEMO] - the guided tour that `make demo` runs.
#
# Runs each demo's lesson (demos/<name>/tour.sh) in lesson order, on
# loopback, with ports the kernel chooses - so it never collides with
# anything, even with another tour running. Server and client lines are
# shown as they happen, labelled. Colour only on a terminal, never with
# NO_COLOR set. Every server is stopped at the end, on error, or on Ctrl-C.
#   make demo                   every lesson
#   make demo DEMO=same-port    one lesson
#   make classroom              across two hosts (network namespaces), as root
set -eu

LESSONS=(same-port privileged ephemeral wire services firewall rendezvous restart) # lesson order; each has demos/<name>/tour.sh

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PORTLAB_BIN:-$root/bin}
PROC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/portlab-tour.XXXXXX")
PROC_WAIT_SECONDS=10 # a bound for each wait, generous for a busy machine
# shellcheck source=tests/lib/procs.bash
source "$root/tests/lib/procs.bash"

finish() {
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short
  proc_stop_all >/dev/null 2>&1 || true
  # A stop that came while a server was being started may have missed it:
  # end every background job of ours, whatever it is.
  # shellcheck disable=SC2046 # one pid per word
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$PROC_DIR"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\e[1m' dim=$'\e[2m' cyan=$'\e[36m' yellow=$'\e[33m' off=$'\e[0m'
else
  bold='' dim='' cyan='' yellow='' off=''
fi

# The tour's own words, then program output labelled by who printed it.
lesson() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"; }
say() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
PROC_ECHO=1
proc_on_line() {
  case $1 in teacher|student|txns|wirens|fwns) return ;; esac # the hosts themselves: plumbing
  printf '  %s%-8s|%s %s\n' "$cyan" "$1" "$off" "$2"
}

# A wrapper (netns_run, netns_of from tests/lib/procs.bash) may come first:
#   server LABEL [--via 'WRAPPER ARGS'] PROGRAM ARGS...
#   client [--fails|--either] [--via 'WRAPPER ARGS'] PROGRAM ARGS...
# shown to the audience as a note after the command.
via=() note=''
take_via() {
  via=() note=''
  if [ "${1:-}" = --via ]; then
    # shellcheck disable=SC2206 # a wrapper is given as one string of words
    via=($2)
    case $2 in
      "netns_of ${teacher_pid:-x}"*) note="   (on the teacher's host, 10.77.0.1)" ;;
      "netns_of ${student_pid:-x} --nobody"*) note="   (as nobody, on a student's host, 10.77.0.2)" ;;
      "netns_of ${student_pid:-x}"*) note="   (on a student's host, 10.77.0.2)" ;;
      *--nobody*) note="   (as nobody, in a private network namespace)" ;;
      netns_run*|netns_of*)
        if netns_as_root; then note="   (as $(id -un), in a private network namespace)"
        else note="   (as $(id -un), in a user and network namespace of its own: unshare -rn)"; fi ;;
      userns_of*) note="   (as $(id -un), in a user and network namespace of its own: unshare -rn)" ;;
    esac
  fi
}

# server LABEL [--via W] PROGRAM ARGS...: start it, show its lines up to
# "ready on"; sets LABEL_port and LABEL_pid.
server() {
  local label=$1
  shift
  take_via "$@"
  [ ${#via[@]} -eq 0 ] || shift 2
  local prog=$1
  shift
  printf '  %s%-8s$%s %s %s%s%s%s\n' "$cyan" "$label" "$off" "$prog" "$*" "$dim" "$note" "$off"
  proc_start "$label" "${via[@]}" "$BIN/$prog" "$@"
  proc_expect "$label" '^ready on ' || { say "$prog did not start:"; cat "$PROC_DIR/$label/err"; exit 1; }
  local addr=${proc_line#ready on }
  addr=${addr%% *}
  printf -v "${label}_port" %s "${addr##*:}"
}

# server_says LABEL REGEX: show the server's lines until one matches.
server_says() {
  proc_expect "$1" "$2" || { say "(the $1 did not say /$2/ in time)"; exit 1; }
}

# client [--fails|--either] [--via W] PROGRAM ARGS...: run it in the
# foreground, labelled; it must succeed, or with --fails exit 1 (the lesson
# is the failure); --either accepts both.
client() {
  local want=0 status=0 label
  case $1 in --fails) want=1; shift ;; --either) want=any; shift ;; esac
  take_via "$@"
  [ ${#via[@]} -eq 0 ] || shift 2
  label=${1##*-} # client, or server when a server is run to show a failure
  printf '  %s%-8s$%s %s%s%s%s\n' "$yellow" "$label" "$off" "$*" "$dim" "$note" "$off"
  ( "${via[@]}" "$BIN/$1" "${@:2}" ) 2>&1 | while IFS= read -r line; do
    printf '  %s%-8s|%s %s\n' "$yellow" "$label" "$off" "$line"
  done
  status=${PIPESTATUS[0]}
  [ "$want" = any ] || [ "$status" -eq "$want" ] || { say "(the client exited $status, not $want)"; exit 1; }
}

# stop LABEL: SIGTERM, and show its closing lines.
stop() {
  printf '  %s%-8s$%s kill -TERM (Ctrl-C does the same)\n' "$cyan" "$1" "$off"
  proc_stop "$1"
  local s=${1}_status
  [ "${!s}" -eq 0 ] || { say "(the $1 exited ${!s})"; exit 1; }
}

if [ "${1:-}" = --classroom ]; then
  can_netns || { echo "tour: the classroom needs network namespaces: unshare, nsenter and ip (iproute2), and root or a kernel that lets $(id -un) make them (unshare -rn, and an unshare with --map-user)" >&2; exit 2; }
  classroom_up || { echo "tour: could not build the two namespaces" >&2; exit 1; }
  # shellcheck source=demos/classroom.sh
  source "$root/demos/classroom.sh"
  printf '\n%sClassroom over: every server stopped, both hosts gone.%s\n' "$bold" "$off"
  exit 0
fi
if [ $# -gt 0 ] && [ -n "$1" ]; then
  [ -f "$root/demos/$1/tour.sh" ] || { echo "tour: no lesson '$1' (lessons: ${LESSONS[*]})" >&2; exit 2; }
  LESSONS=("$1")
fi
[ -x "$BIN/same-port-server" ] || { echo "tour: build first (make)" >&2; exit 1; }

for name in "${LESSONS[@]}"; do
  # shellcheck source=/dev/null
  source "$root/demos/$name/tour.sh"
done
printf '\n%sTour over: every server stopped.%s\n' "$bold" "$off"
