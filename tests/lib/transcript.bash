# tests/lib/transcript.bash - the transcripts in docs/ are checked against real runs.
#
# In a lesson, a transcript is a fenced code block right after a marker line:
#
#   <!-- transcript -->                       (or: <!-- transcript: OPTIONS -->)
#   ```
#   $ bin/same-port-server -p 0 -b 127.0.0.1 &
#   ready on 127.0.0.1:{port} (tcp+udp)
#   $ bin/same-port-client -p {port} 127.0.0.1
#   tcp: our end is 127.0.0.1:{src} (the kernel picked that source port)
#   ...
#   $ kill %1
#   stopping on SIGTERM after 2 exchanges
#   ```
#
# - `$ bin/NAME ARGS &` starts a server; the lines after it are what it prints up
#   to its "ready on" line. `$ bin/NAME ARGS` runs a program to its end; the lines
#   after it are its output (stdout and stderr). `$ kill %N` stops the Nth server;
#   the lines after it are what that server printed after its ready line.
#   `$ wait %N` is the same for a server that stops by itself (-n COUNT).
# - `{name}` stands for a number that varies (a port the kernel chose, a pid). Its
#   first appearance captures it; later ones, in commands too, must be the same.
#   `{*}` stands for any text. A line `...` stands for any number of lines.
# - OPTIONS, separated by commas: `classroom` runs servers (`&`) on a "teacher"
#   host and everything else on a "student" host: two namespaces joined by a
#   veth pair, 10.77.0.1 and 10.77.0.2 (classroom_up). `netns` runs the block
#   in a private network
#   namespace (root), `nobody` also runs the programs as nobody - except those
#   written `$ sudo bin/...`, which run as root - `sysctl K=V` sets
#   net/ipv4/K=V in that namespace, and `nft FILE` loads the nft rules of
#   FILE (a path in the tree) there (skipped without nft). `nat` builds the NAT
#   lesson's scene (nat_up: home1, home2, router, outside); there a command
#   written `$ [HOST] bin/...` runs on that host (servers too), and
#   `router K=V` sets /proc/sys/net/K=V in the router's namespace, `outside route
#   ROUTE` adds ROUTE (ip route add ROUTE) on the outside host. Such blocks are skipped where no network
#   namespace can be made (as an ordinary user: unshare -rn; see procs.bash),
#   and, as an ordinary user, those with a `$ sudo` command.
#
#   transcript_check FILE   check every transcript in FILE; print each mismatch
#                           as "FILE:LINE: ..."; return 1 if any. Sets
#                           transcripts_checked and transcripts_skipped.
# Needs procs.bash (for servers), and BIN: the programs' folder, named bin.

# A regular expression for one expected line: placeholders become groups.
# Sets tx_regex, and tx_names (the placeholder of each group, in order).
tx_line_regex() {
  local rest=$1 lit name
  tx_regex='' tx_names=()
  while [[ $rest =~ \{([a-z][a-z0-9_]*|\*)\} ]]; do
    lit=${rest%%"${BASH_REMATCH[0]}"*}
    name=${BASH_REMATCH[1]}
    rest=${rest#*"${BASH_REMATCH[0]}"}
    tx_quote "$lit"
    tx_regex+=$tx_quoted
    if [ "$name" = '*' ]; then
      tx_regex+='.*'
    elif [ -n "${tx_vars[$name]:-}" ]; then
      tx_regex+=${tx_vars[$name]}
    else
      tx_regex+='([0-9]+)' tx_names+=("$name")
    fi
  done
  tx_quote "$rest"
  tx_regex="^$tx_regex$tx_quoted\$"
}

# tx_quote TEXT: TEXT with every regex metacharacter escaped, in tx_quoted
# (no subshell, no sed: this runs for every line of every transcript).
tx_quote() {
  local c
  tx_quoted=${1//\\/\\\\} # the backslash first
  for c in '[' ']' . '*' '^' '$' + '?' '(' ')' '{' '}' '|' /; do
    tx_quoted=${tx_quoted//"$c"/\\$c}
  done
}

# Does actual line $2 match expected line $1? Captures placeholders if so.
tx_match() {
  local i
  tx_line_regex "$1"
  [[ $2 =~ $tx_regex ]] || return 1
  for i in "${!tx_names[@]}"; do
    local v=${BASH_REMATCH[$((i + 1))]} n=${tx_names[$i]}
    if [ -n "${tx_vars[$n]:-}" ] && [ "${tx_vars[$n]}" != "$v" ]; then return 1; fi
    tx_vars[$n]=$v
  done
}

# The programs wrap their lines to the screen (common/narrate.h: at
# spaces, continuation lines indented 4 spaces): a lesson may show a line
# wrapped or whole. Both sides are compared joined: tx_join_want joins the
# expected lines that continue the one before (exactly 4 spaces, then text)
# in tx_want (and tx_want_line, the first line's number); the output goes
# through the same rule in tx_compare.
tx_join_want() {
  local -a want=() at=()
  local i
  for i in "${!tx_want[@]}"; do
    if [ ${#want[@]} -gt 0 ] && [[ ${tx_want[i]} == '    '[!\ ]* ]]; then
      want[-1]+=" ${tx_want[i]:4}"
    else
      want+=("${tx_want[i]}") at+=("${tx_want_line[i]}")
    fi
  done
  tx_want=("${want[@]}") tx_want_line=("${at[@]}")
}

# Compare expected lines (array tx_want) with actual output (file $1).
tx_compare() {
  local -a got=()
  local w=0 g=0 where line
  tx_join_want
  while IFS= read -r line; do
    if [ ${#got[@]} -gt 0 ] && [[ $line == '    '[!\ ]* ]]; then got[-1]+=" ${line:4}"; else got+=("$line"); fi
  done <"$1"
  while [ "$w" -lt "${#tx_want[@]}" ]; do
    where="$tx_file:${tx_want_line[$w]}"
    if [ "${tx_want[$w]}" = '...' ]; then
      w=$((w + 1))
      [ "$w" -lt "${#tx_want[@]}" ] || return 0 # "..." at the end: the rest
      while [ "$g" -lt "${#got[@]}" ] && ! tx_match "${tx_want[$w]}" "${got[$g]}"; do g=$((g + 1)); done
      [ "$g" -lt "${#got[@]}" ] || { echo "$where: no line matching: ${tx_want[$w]}"; return 1; }
    elif [ "$g" -ge "${#got[@]}" ]; then
      echo "$where: expected: ${tx_want[$w]}"
      echo "$where:   but the output ended"
      return 1
    elif ! tx_match "${tx_want[$w]}" "${got[$g]}"; then
      echo "$where: expected: ${tx_want[$w]}"
      echo "$where:   but got: ${got[$g]}"
      return 1
    fi
    w=$((w + 1)) g=$((g + 1))
  done
  [ "$g" -ge "${#got[@]}" ] || { echo "$tx_file:${tx_cmd_line}: unexpected output: ${got[$g]}"; return 1; }
}

# Substitute known placeholders in a command: the result in tx_expanded.
tx_expand() {
  local n
  tx_expanded=$1
  for n in "${!tx_vars[@]}"; do tx_expanded=${tx_expanded//\{$n\}/${tx_vars[$n]}}; done
}

# tx_after_ready LOG: the lines a server printed after its "ready on" line.
tx_after_ready() {
  local lines i
  mapfile -t lines <"$1" || return 1
  for i in "${!lines[@]}"; do
    [[ ${lines[$i]} == 'ready on '* ]] || continue
    [ $((i + 1)) -ge ${#lines[@]} ] || printf '%s\n' "${lines[@]:i+1}"
    return 0
  done
}

# Run one command with its expected lines (tx_cmd, tx_want...).
tx_step() {
  local cmd words out=$PROC_DIR/tx.out job wrap=("${tx_wrap[@]}")
  tx_expand "$tx_cmd"
  cmd=$tx_expanded
  if [[ $cmd =~ ^\[(home1|home2|router|outside)\]\ (.*)$ ]] && [ -n "$tx_nat" ]; then
    local pid=${BASH_REMATCH[1]}_pid # the NAT scene: one of its hosts
    cmd=${BASH_REMATCH[2]} wrap=(netns_of "${!pid}") tx_wrap_bg=()
  fi
  if [[ $cmd == 'sudo '* ]]; then # as root: the wrapper without --nobody
    cmd=${cmd#sudo } wrap=("${tx_wrap_root[@]}")
  fi
  read -r -a words <<<"$cmd"
  case $cmd in
    'wait %'*) # a server that stops by itself (-n): its closing line, then the rest
      job=tx${cmd#wait %}
      proc_expect "$job" '^stopping ' || true
      proc_stop "$job"
      tx_after_ready "$PROC_DIR/$job/log" >"$out"
      ;;
    'kill %'*)
      job=tx${cmd#kill %}
      proc_stop "$job"
      tx_after_ready "$PROC_DIR/$job/log" >"$out"
      ;;
    bin/*' &')
      unset 'words[-1]'
      tx_jobs=$((tx_jobs + 1)) job=tx$tx_jobs
      [ ${#tx_wrap_bg[@]} -eq 0 ] || wrap=("${tx_wrap_bg[@]}") # classroom: on the teacher
      proc_start "$job" "${wrap[@]}" "${words[@]}"
      proc_expect "$job" '^ready on ' || true
      proc_cat "$PROC_DIR/$job/log" "$PROC_DIR/$job/err" >"$out"
      ;;
    bin/*)
      ( "${wrap[@]}" "${words[@]}" ) >"$out" 2>&1 </dev/null || true
      ;;
    *)
      echo "$tx_file:$tx_cmd_line: a transcript may run only bin/PROGRAM, kill %N and wait %N: $tx_cmd"
      return 1
      ;;
  esac
  tx_compare "$out"
}

# Run a whole block (the lines in tx_block, from line tx_first of the file).
tx_run_block() {
  local line n=$tx_first status=0
  declare -gA tx_vars=()
  # Run from the folder above BIN, so that bin/NAME is the program and its
  # own name (argv[0], which some messages show) is the one in the lesson.
  cd "${BIN%/*}" || return 1
  [ "${BIN##*/}" = bin ] || { echo "$tx_file: BIN must be a folder named bin"; return 1; }
  tx_jobs=0 tx_cmd='' tx_want=() tx_want_line=()
  for line in "${tx_block[@]}" '$ (end)'; do
    n=$((n + 1))
    if [[ $line == '$ '* ]]; then
      if [ -n "$tx_cmd" ]; then tx_step || { status=1; break; }; fi
      tx_cmd=${line#\$ } tx_cmd_line=$n tx_want=() tx_want_line=()
      [ "$tx_cmd" != '(end)' ] || break
    else
      tx_want+=("$line") tx_want_line+=("$n")
    fi
  done
  proc_stop_all >/dev/null 2>&1
  cd - >/dev/null || true
  return "$status"
}

# The options of a block: a wrapper for its programs, or a reason to skip.
tx_options() {
  local opt setup=() nobody=0 netns=0 opts=() rules='' router=() realroot=0 outroute=()
  tx_wrap=() tx_wrap_root=() tx_wrap_bg=() tx_skip='' tx_nat=''
  IFS=',' read -r -a opts <<<"$1"
  for opt in "${opts[@]}"; do
    opt=${opt# } opt=${opt% }
    case $opt in
      '') ;;
      netns) netns=1 ;;
      classroom) netns=2 ;;
      nat) netns=3 ;;
      router\ *) router+=("${opt#router }") ;;
      outside\ route\ *) outroute+=("${opt#outside route }") ;;
      nobody) netns=1 nobody=1 ;;
      realroot) realroot=1 ;;
      sysctl\ *) netns=1 setup+=("net/ipv4/${opt#sysctl }") ;;
      nft\ *) netns=1 rules=${opt#nft } ;;
      *) tx_skip="unknown option '$opt'" ;;
    esac
  done
  # As an ordinary user, "root" is root of a user namespace of one's own,
  # with one uid: a program run with sudo could not become nobody there.
  if [ "$realroot" = 1 ] && ! netns_as_root; then
    tx_skip="needs real root: what it shows is the machine's root or nobody, which a user namespace of one uid only imitates (a real uid change)"
    return
  fi
  if [ "$netns" != 0 ] && [[ "${tx_block[*]}" == *'$ sudo '* ]] && can_netns && ! netns_as_root; then
    tx_skip="needs real root: \`\$ sudo bin/...\` (such a program, started as root, may become nobody: a real uid change)"
    return
  fi
  if [ "$netns" = 3 ]; then
    can_netns || { tx_skip="needs root and network namespaces"; return; }
    command -v nft >/dev/null || { tx_skip="nft is not installed (apt-get install nftables)"; return; }
    nat_up || { tx_skip="could not build the NAT scene"; return; }
    for opt in "${router[@]}"; do
      # shellcheck disable=SC2154 # router_pid: set by nat_up
      (netns_of "$router_pid" sh -c "echo '${opt#*=}' > /proc/sys/net/${opt%%=*}")
    done
    for opt in "${outroute[@]}"; do
      # shellcheck disable=SC2086,SC2154 # ROUTE: words for ip route add; outside_pid: set by nat_up
      (netns_of "$outside_pid" ip route add $opt) || { tx_skip="could not add the route $opt"; return; }
    done
    tx_nat=1
  elif [ "$netns" = 2 ]; then
    can_netns || { tx_skip="needs root and network namespaces"; return; }
    classroom_up || { tx_skip="could not make the two namespaces"; return; }
    # shellcheck disable=SC2154 # set by classroom_up
    tx_wrap=(netns_of "$student_pid") tx_wrap_root=(netns_of "$student_pid")
    tx_wrap_bg=(netns_of "$teacher_pid")
  elif [ "$netns" = 1 ]; then
    can_netns || { tx_skip="needs root and network namespaces"; return; }
    # One namespace for the whole block: a holder process keeps it alive.
    namespace_holder txns || { tx_skip="could not make a namespace"; return; }
    for opt in "${setup[@]}"; do
      # shellcheck disable=SC2154 # txns_pid is set by proc_start
      (netns_of "$txns_pid" sh -c "echo '${opt#*=}' > /proc/sys/${opt%%=*}")
    done
    if [ -n "$rules" ]; then
      command -v nft >/dev/null || { tx_skip="nft is not installed (apt-get install nftables)"; return; }
      (netns_of "$txns_pid" nft -f "${TX_ROOT:-.}/$rules") || { tx_skip="nft refused $rules"; return; }
    fi
    tx_wrap=(netns_of "$txns_pid") tx_wrap_root=(netns_of "$txns_pid")
    [ "$nobody" = 0 ] || tx_wrap+=(--nobody)
  fi
}

transcript_check() {
  local file=$1 line n=0 inside=0 failed=0 block_opts='' h
  tx_file=${file#"${TX_ROOT:-}"/}
  transcripts_checked=0 transcripts_skipped=0
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ "$inside" = 0 ] && [[ $line =~ ^\<!--\ transcript(:\ *(.*))?\ --\>$ ]]; then
      inside=1 block_opts=${BASH_REMATCH[2]}
    elif [ "$inside" = 1 ] && [[ $line == '```'* ]]; then
      inside=2 tx_block=() tx_first=$n
    elif [ "$inside" = 1 ]; then
      echo "$tx_file:$n: a transcript marker must be followed by a code block"; failed=1; inside=0
    elif [ "$inside" = 2 ] && [[ $line == '```'* ]]; then
      inside=0
      tx_options "$block_opts"
      if [ -n "$tx_skip" ]; then
        echo "$tx_file:$tx_first: skipped: $tx_skip"
        transcripts_skipped=$((transcripts_skipped + 1))
      else
        tx_run_block || failed=1
        transcripts_checked=$((transcripts_checked + 1))
      fi
      proc_stop txns >/dev/null 2>&1
      proc_stop teacher >/dev/null 2>&1
      proc_stop student >/dev/null 2>&1
      for h in home1 home2 outside router; do proc_stop "$h" >/dev/null 2>&1; done
    elif [ "$inside" = 2 ]; then
      tx_block+=("$line")
    fi
  done <"$file"
  return "$failed"
}
