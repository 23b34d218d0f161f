#!/usr/bin/env bash
# demos/tour.sh [--step] [--classroom] [LESSON] - the guided tour (make demo).
#
# Runs each demo's lesson (demos/<name>/tour.sh) in lesson order, on
# loopback, with ports the kernel chooses - so it never collides with
# anything, even with another tour running. Server and client lines are
# shown as they happen, labelled. Colour only on a terminal, never with
# NO_COLOR set. Every server is stopped at the end, on error, on q, or on
# Ctrl-C. Lines come in the order things happened: before each step the tour
# prints what every running program has said so far.
#   make demo                   every lesson
#   make demo DEMO=same-port    one lesson
#   make demo STEP=1            pause before each step (on a terminal)
#   make classroom              across two hosts (network namespaces), as root
set -eu
# Debian puts nft, ip and conntrack in /usr/sbin, which an ordinary user's
# PATH may leave out: the scenes look there too.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin:/sbin ;; esac
# COLUMNS is what the environment says, never bash's own idea: bash (5, with
# checkwinsize) sets it to the terminal's width after a command, and the
# programs would be told that instead of the width left them (below).
shopt -u checkwinsize

usage() {
  cat <<USAGE
usage: portlab-tour [--step] [LESSON]   (from a clone: make demo [STEP=1] [DEMO=LESSON])
       portlab-tour --classroom [--step] (from a clone: make classroom)
The guided tour: each lesson's programs run on loopback, narrated, on ports the
kernel picks; every program is stopped at the end, on q, or on Ctrl-C.
  --step        pause before each step: Enter goes on, q ends the tour
                (only when standard input is a terminal; otherwise it runs through)
  --classroom   servers on a "teacher" host, clients on a "student" host:
                two network namespaces on this machine
  -h, --help    this help
Lessons, in tour order: ${LESSONS[*]}
USAGE
}

LESSONS=(same-port privileged ephemeral wire services firewall nat rendezvous restart) # lesson order; each has demos/<name>/tour.sh

step='' classroom='' lesson=''
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --step) step=1 ;;
    --classroom) classroom=1 ;;
    -*) echo "tour: unknown option '$1' (-h for help)" >&2; exit 2 ;;
    '') ;; # make demo DEMO= : every lesson
    *)
      case " ${LESSONS[*]} " in
        *" $1 "*) ;;
        *) echo "tour: no lesson '$1' (lessons: ${LESSONS[*]})" >&2; exit 2 ;;
      esac
      [ -z "$lesson" ] || { echo "tour: one lesson at a time, not '$lesson' and '$1'" >&2; exit 2; }
      lesson=$1 ;;
  esac
  shift
done

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PORTLAB_BIN:-$root/bin}
DOCS=${PORTLAB_DOCS:-$root/docs} # the lessons, for their figures
PROC_DIR=$(mktemp -d "${TMPDIR:-/tmp}/portlab-tour.XXXXXX")
PROC_WAIT_SECONDS=10 # a bound for each wait, generous for a busy machine
# shellcheck source=tests/lib/procs.bash
source "$root/tests/lib/procs.bash"

# Ctrl-C (SIGINT) or SIGTERM only asks the tour to stop: it stops at its next
# step, never in the middle of one, and then ends every program it started.
# (An exit from the trap itself, in the middle of a bounded wait, now and then
# crashed bash 5.2 - SIGSEGV in its read builtin - before the clean-up ran,
# leaving the server it was starting behind.)
# At a --step prompt nothing is half done, and bash's read would go on
# waiting: there the tour ends at once.
# The traps assign no variable: bash 5.2 loses track of its variable scopes
# ("pop_var_context: head of shell_variables not a function context") when a
# trap assigns one while a builtin with a temporary assignment (IFS= read)
# runs in a function, and may then hang. A file says it instead.
prompting=''
PROC_ABORT_FILE=$PROC_DIR/stop
trap ': >"$PROC_ABORT_FILE.130"; : >"$PROC_ABORT_FILE"; [ -z "$prompting" ] || { printf "\r\e[2K"; ended Ctrl-C; exit 130; }' INT
trap ': >"$PROC_ABORT_FILE.143"; : >"$PROC_ABORT_FILE"; [ -z "$prompting" ] || { echo; exit 143; }' TERM
# ended HOW: the tour's last line, when it ends before its end (q, Ctrl-C).
# The programs are stopped right after it, on the way out (finish).
ended() { printf '%sTour ended (%s): every program stopped.%s\n' "${bold:-}" "$1" "${off:-}"; }
halt_if_asked() {
  if [ -e "$PROC_ABORT_FILE.130" ]; then ended Ctrl-C; exit 130; fi
  if [ -e "$PROC_ABORT_FILE.143" ]; then exit 143; fi
}

finish() {
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short
  proc_stop_all >/dev/null 2>&1 || true
  # Anything else of ours still running (an error can come between a
  # program's start and its name being recorded): end it too.
  # shellcheck disable=SC2046 # one pid per word
  kill $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$PROC_DIR"
}
trap finish EXIT
# Whatever a stop cuts short (a wait given up, so a step that fails), set -e
# would end the tour with 1: a stop asked for ends it as asked instead. The
# trap reads a file only (see the traps above); -E carries it into functions.
set -E
trap halt_if_asked ERR

# The screen's width, as the programs take it (common/narrate.h): COLUMNS
# when it is a number from 32 to 1000, else 80. The tour's own lines are
# wrapped to it at spaces, continuation lines indented 4; the programs are
# told 12 columns less (COLUMNS, exported), the width of the label
# ("  server  | ") the tour puts before each of their lines.
cols=80
case ${COLUMNS:-} in
  ''|*[!0-9]*) ;;
  *) if [ "${#COLUMNS}" -le 4 ] && [ "$COLUMNS" -ge 32 ] && [ "$COLUMNS" -le 1000 ]; then cols=$COLUMNS; fi ;;
esac
LABEL_WIDTH=12
export COLUMNS=$((cols - LABEL_WIDTH))

# wrap WIDTH TEXT: TEXT in lines of at most WIDTH columns (a word longer
# than that alone on its line), into the array wrapped: broken at spaces,
# every line after the first indented 4 spaces.
wrap() {
  local width=$1 word line='' words=() IFS=$' \t\n'
  wrapped=()
  read -r -a words <<<"$2"
  for word in "${words[@]}"; do
    if [ -z "$line" ]; then
      line=$word
    elif [ $(( ${#line} + 1 + ${#word} )) -le "$width" ]; then
      line+=" $word"
    else
      wrapped+=("$line")
      line="    $word"
    fi
  done
  wrapped+=("$line")
}

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\e[1m' dim=$'\e[2m' cyan=$'\e[36m' yellow=$'\e[33m' off=$'\e[0m'
else
  bold='' dim='' cyan='' yellow='' off=''
fi

# The tour's own words, then program output labelled by who printed it.
PROC_ECHO=1
proc_on_line() {
  case $1 in teacher|student|txns|wirens|fwns) return ;; esac # the hosts themselves: plumbing
  printf '  %s%-8s|%s %s\n' "$cyan" "$1" "$off" "$2"
}

# catch_up: print every line each running program has written so far (no
# waiting), in the order the programs were started. Called before each
# step, so that no line shows up after a step that came after it. A line a
# step is known to cause is waited for by the lesson (server_says).
catch_up() {
  local name seen=' ' bound=$PROC_WAIT_SECONDS fd
  PROC_WAIT_SECONDS=0
  for name in "${PROC_NAMES[@]}"; do
    case $seen in *" $name "*) continue ;; esac
    seen+="$name "
    fd=${name}_fd
    [ -n "${!fd:-}" ] || continue
    proc_expect "$name" '' || true
  done
  PROC_WAIT_SECONDS=$bound
  halt_if_asked
}

# pause [WHAT]: with --step on a terminal, wait for the teacher before a
# step (or WHAT: "lesson"): one key, no Enter needed - Enter or space goes
# on, q ends the tour (every program stopped on the way out); other keys are
# not answers.
stepping=''
pause() {
  [ -n "$stepping" ] || return 0
  local answer='' IFS='' # (no temporary IFS= on read: see the traps above)
  printf '%s-- Enter: next %s, q: end the tour --%s ' "$dim" "${1:-step}" "$off"
  prompting=1
  while :; do
    # One key, not echoed (-s -n 1): q alone ends the tour, as README says.
    read -r -s -n 1 answer || answer=q # end of input: end the tour
    case $answer in ''|' '|q|Q) break ;; esac
  done
  prompting=''
  halt_if_asked
  printf '\r\e[2K' # the prompt's line is cleared: the screen keeps the lesson only
  case $answer in
    q|Q) ended q; exit 0 ;;
  esac
}

# lesson TITLE: the lesson's header, then its figure (docs/NAME.md, the
# block after "<!-- figure -->"): what the teacher projects while explaining.
# A lesson may define figure_note (a line the kernel fills in, said under
# the figure). In --step mode the figure is the lesson's first pause.
lessons_shown=0
lesson() {
  catch_up
  # In step mode, the last step's result stays on the screen until the
  # teacher moves on: the next lesson's figure would scroll it away.
  [ "$lessons_shown" -eq 0 ] || pause lesson
  lessons_shown=$((lessons_shown + 1))
  local i
  wrap "$cols" "== $* =="
  printf '\n'
  for i in "${!wrapped[@]}"; do printf '%s%s%s\n' "$bold" "${wrapped[i]}" "$off"; done
  local doc=$DOCS/${tour_lesson:-}.md
  [ -n "${tour_lesson:-}" ] && [ -f "$doc" ] || return 0
  awk '/^<!-- figure -->$/ { getline; on = 1; next } on && /^```/ { exit } on' "$doc"
  ! declare -F figure_note >/dev/null || figure_note
  pause
}
say() {
  catch_up
  local i
  wrap "$cols" "$*"
  for i in "${!wrapped[@]}"; do printf '%s%s%s\n' "$dim" "${wrapped[i]}" "$off"; done
}
# show_step COLOUR LABEL TEXT [NOTE]: a step shown as "  LABEL   $ TEXT",
# wrapped like the programs' lines (continuation lines under the text);
# NOTE (dim) follows on its line if it fits, else on one of its own.
show_step() {
  local colour=$1 label=$2 text=$3 note=${4:-} i width=$((cols - LABEL_WIDTH))
  wrap "$width" "$text"
  for i in "${!wrapped[@]}"; do
    if [ "$i" -eq 0 ]; then printf '  %s%-8s$%s %s' "$colour" "$label" "$off" "${wrapped[i]}"
    else printf '\n%*s%s' "$LABEL_WIDTH" '' "${wrapped[i]}"; fi
  done
  if [ -n "$note" ] && [ $(( ${#wrapped[-1]} + ${#note} )) -gt "$width" ]; then
    wrap $((width - 4)) "$note"
    for i in "${!wrapped[@]}"; do printf '\n%*s    %s%s%s' "$LABEL_WIDTH" '' "$dim" "${wrapped[i]#    }" "$off"; done
  elif [ -n "$note" ]; then
    printf '%s%s%s' "$dim" "$note" "$off"
  fi
  printf '\n'
}
# indented: each line of standard input (a tool's output, shown as it is
# said), indented 4 more than its own indent (a tab is 4 spaces), wrapped
# like the tour's own lines (continuation lines indented 4 more again).
indented() {
  local line lead i IFS='' # (no temporary IFS= on read: see the traps above)
  while read -r line; do
    line=${line//$'\t'/    }
    lead=${line%%[! ]*}
    wrap $((cols - 4 - ${#lead})) "$line"
    for i in "${!wrapped[@]}"; do printf '    %s%s\n' "$lead" "${wrapped[i]}"; done
  done
}
# act WHO TEXT: a step the lesson takes itself (a kill, say), shown as one.
act() { catch_up; pause; show_step "$cyan" "$1" "$2"; }

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
      "netns_of ${teacher_pid:-x}"*) note="   (on the teacher's host, ${teacher_addr:-10.77.0.1})" ;;
      "netns_of ${student_pid:-x} --nobody"*) note="   (as nobody, on a student's host, ${student_addr:-10.77.0.2})" ;;
      "netns_of ${student_pid:-x}"*) note="   (on a student's host, ${student_addr:-10.77.0.2})" ;;
      "netns_of ${home1_pid:-x}"*) note="   (on home1, 10.0.0.2, behind the router)" ;;
      "netns_of ${home2_pid:-x}"*) note="   (on home2, 10.0.0.3, behind the router)" ;;
      "netns_of ${outside_pid:-x}"*) note="   (on the outside host, 203.0.113.10)" ;;
      *--nobody*) note="   (as nobody, in a private network namespace)" ;;
      netns_run*|netns_of*)
        if netns_as_root; then note="   (as $(id -un), in a private network namespace)"
        else note="   (as $(id -un), in a user and network namespace of its own: unshare -rn)"; fi ;;
      userns_of*) note="   (as $(id -un), in a user and network namespace of its own: unshare -rn)" ;;
    esac
  fi
}

# own_namespace NAME: a network namespace of the lesson's own, held by
# process NAME: made as root, else with unshare -rn where the kernel lets
# this user. Sets own_via to how a program joins it ("netns_of PID" or
# "userns_of PID", for --via), or to '' when neither can be made.
own_via=''
# shellcheck disable=SC2034 # own_via is read by the lessons (demos/*/tour.sh)
own_namespace() {
  local pid=${1}_pid
  own_via=''
  if netns_as_root; then
    namespace_holder "$1" && own_via="netns_of ${!pid}"
  elif unshare -rn true 2>/dev/null; then
    namespace_holder "$1" -r && own_via="userns_of ${!pid}"
  fi
  # A stop asked for while the holder started ends the tour here (143 or
  # 130), not as a failure: without a namespace the lesson says why.
  halt_if_asked
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
  catch_up
  pause
  show_step "$cyan" "$label" "$prog $*" "$note"
  proc_start "$label" "${via[@]}" "$BIN/$prog" "$@"
  proc_expect "$label" '^ready on ' || { halt_if_asked; say "$prog did not start:"; cat "$PROC_DIR/$label/err"; exit 1; }
  local addr=${proc_line#ready on }
  addr=${addr%% *}
  printf -v "${label}_port" %s "${addr##*:}"
}

# server_says LABEL REGEX: show the server's lines until one matches.
server_says() {
  proc_expect "$1" "$2" || { halt_if_asked; say "(the $1 did not say /$2/ in time)"; exit 1; }
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
  catch_up
  pause
  show_step "$yellow" "$label" "$*" "$note"
  ( "${via[@]}" "$BIN/$1" "${@:2}" ) 2>&1 | while IFS= read -r line; do
    printf '  %s%-8s|%s %s\n' "$yellow" "$label" "$off" "$line"
  done
  status=${PIPESTATUS[0]}
  halt_if_asked # a Ctrl-C ends the client too: that is no failure of the lesson
  [ "$want" = any ] || [ "$status" -eq "$want" ] || { say "(the client exited $status, not $want)"; exit 1; }
}

# stop LABEL: SIGTERM, and show its closing lines.
stop() {
  act "$1" "kill -TERM (Ctrl-C does the same)"
  proc_stop "$1"
  local s=${1}_status
  [ "${!s}" -eq 0 ] || { say "(the $1 exited ${!s})"; exit 1; }
}

if [ -n "$step" ]; then
  if [ -t 0 ]; then stepping=1; else echo "tour: --step: standard input is not a terminal, so the tour runs through" >&2; fi
fi
if [ -n "$classroom" ]; then
  can_netns || { echo "tour: the classroom needs network namespaces: unshare, nsenter and ip (iproute2), and root or a kernel that lets $(id -un) make them (unshare -rn, and an unshare with --map-user)" >&2; exit 2; }
  classroom_up || { echo "tour: could not build the two namespaces" >&2; exit 1; }
  # shellcheck source=demos/classroom.sh
  source "$root/demos/classroom.sh"
  catch_up
  printf '\n%sClassroom over: every server stopped, both hosts gone.%s\n' "$bold" "$off"
  exit 0
fi
[ -z "$lesson" ] || LESSONS=("$lesson")
[ -x "$BIN/same-port-server" ] || { echo "tour: build first (make)" >&2; exit 1; }

for tour_lesson in "${LESSONS[@]}"; do
  # shellcheck source=/dev/null
  source "$root/demos/$tour_lesson/tour.sh"
done
catch_up
printf '\n%sTour over: every server stopped.%s\n' "$bold" "$off"
