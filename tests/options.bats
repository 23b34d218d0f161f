#!/usr/bin/env bats
# The command line every program shares (common/opts.c, common/port.c).
load helpers

# Every program of every demo, found the way the Makefile builds them.
all_programs() {
  local f
  for f in "$BIN"/*; do printf '%s\n' "${f##*/}"; done
}

# try PROGRAM ARGS...: one line "PROGRAM ARGS => STATUS | first stderr line |
# usage one line?" (one line on stderr, ending "; -h for help", no usage),
# for matrices of bad input (run in one child shell: fast).
try_all() {
  # shellcheck disable=SC2016 # the script is for the child shell
  run bash -c '
    err_file=$(mktemp)
    while IFS= read -r line; do
      eval "set -- $line"
      "$BIN/$1" "${@:2}" 2>"$err_file" >/dev/null </dev/null; status=$?
      mapfile -t err <"$err_file"
      usage=no; [ "${#err[@]}" -eq 1 ] && [[ ${err[0]} == *"; -h for help" ]] && usage=yes
      printf "%s => %s | %s | usage %s\n" "$line" "$status" "${err[0]}" "$usage"
    done
    rm -f "$err_file"' <<<"$1"
}

@test "bad ports are refused with exit 2 and the reason, by every program" {
  local prog value cases=''
  while read -r prog; do
    for value in 65536 -1 abc '' "' 80'" 0x50 99999999999999999999 80x; do
      [ "$value" = '' ] && value="''"
      cases+="$prog -p $value"$'\n'
    done
  done < <(all_programs)
  BIN=$BIN try_all "${cases%$'\n'}"
  [ "${#lines[@]}" -eq $(( $(all_programs | wc -l) * 8 )) ]
  for line in "${lines[@]}"; do
    [[ $line =~ ^([a-z-]+)\ -p\ .*\ =\>\ 2\ \|\ ([a-z-]+):\ bad\ port\ \'.*\':\ .*\|\ usage\ yes$ ]] &&
      [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] || fail "not refused properly: $line"
  done
}

@test "each bad port gets the reason that fits it" {
  run --separate-stderr "$BIN/same-port-client" -p 65536
  assert_stderr --partial "out of range: ports are 16-bit numbers 0-65535 (65536 would wrap to 0 in 16 bits, and port 0 means 'let the kernel choose')"
  run --separate-stderr "$BIN/same-port-client" -p 99999999999999999999
  assert_stderr --partial "out of range"
  run --separate-stderr "$BIN/same-port-client" -p -1
  assert_stderr --partial "signed: ports are 0-65535, with no sign"
  run --separate-stderr "$BIN/same-port-client" -p ""
  assert_stderr --partial "empty"
  run --separate-stderr "$BIN/same-port-client" -p " 80"
  assert_stderr --partial "starts with white space"
  run --separate-stderr "$BIN/same-port-client" -p 0x50
  assert_stderr --partial "hexadecimal is not accepted"
  run --separate-stderr "$BIN/same-port-client" -p abc
  assert_stderr --partial "no service of that name for tcp or udp in /etc/services"
}

@test "the edges: 65535 is a port for all, 0 a server's only; a client's -p 0 is refused with the range it may use" {
  run --separate-stderr "$BIN/same-port-client" -t 200 -p 65535
  refute [ "$status" -eq 2 ]
  assert_line "tcp: connecting to 127.0.0.1:65535"
  run --separate-stderr "$BIN/same-port-server" -p 0 -b 127.0.0.1 --bogus
  assert_failure 2
  assert_stderr "same-port-server: unknown argument '--bogus'; -h for help" # -p 0 itself was fine
  local prog
  while read -r prog; do
    case $prog in *-server|*-directory) continue ;; esac
    run --separate-stderr "$BIN/$prog" -t 200 -p 0
    assert_failure 2
    assert_stderr "$prog: bad port '0': a client connects to a server's port, 1-65535 (no socket holds port 0: given to bind(), 0 makes the kernel choose a port); -h for help"
    assert_output ""
  done < <(all_programs)
}

@test "a service name is looked up in /etc/services" {
  grep -qE '^telnet[[:space:]]+23/tcp' /etc/services 2>/dev/null || skip "no telnet 23/tcp in /etc/services"
  run --separate-stderr "$BIN/same-port-client" -t 200 -p telnet
  refute [ "$status" -eq 2 ]
  assert_line "tcp: connecting to 127.0.0.1:23"
}

@test "service names are registered per protocol: cisco-sccp is 2000/tcp only" {
  grep -qE '^cisco-sccp[[:space:]]+2000/tcp' /etc/services 2>/dev/null || skip "no cisco-sccp 2000/tcp in /etc/services"
  ! grep -qE '^cisco-sccp[[:space:]]+[0-9]+/udp' /etc/services || skip "this /etc/services has cisco-sccp for udp"
  run --separate-stderr "$BIN/same-port-server" --udp-only -p cisco-sccp
  assert_failure 2
  assert_stderr --partial "bad port 'cisco-sccp': no service of that name for udp in /etc/services"
}

@test "every shared option given a bad value exits 2 with a message, for every program" {
  local prog cases='' expect=() i=0
  while read -r prog; do
    case $prog in
      *-server|*-directory) table=$'-n 0|bad value \'0\' for -n\n-n -1|bad value \'-1\' for -n\n-n 1x|bad value \'1x\' for -n\n-n|option -n needs a value\n-b|option -b needs a value\n-b \'\'|empty bind address\n-p|option -p needs a value\n-x|unknown argument \'-x\'' ;;
      *) table=$'-t 0|bad value \'0\' for -t\n-t 600001|bad value \'600001\' for -t\n-t abc|bad value \'abc\' for -t\n-t|option -t needs a value\n-p|option -p needs a value\n\'\'|empty host\n-x|unknown argument \'-x\'' ;;
    esac
    while IFS='|' read -r args want; do
      cases+="$prog $args"$'\n'
      expect+=("$prog: $want")
    done <<<"$table"
  done < <(all_programs)
  BIN=$BIN try_all "${cases%$'\n'}"
  [ "${#lines[@]}" -eq "${#expect[@]}" ]
  for i in "${!expect[@]}"; do
    [[ ${lines[$i]} == *" => 2 | ${expect[$i]}"* ]] || fail "expected '${expect[$i]}' (exit 2), got: ${lines[$i]}"
  done
}

@test "-h prints the usage on stdout and exits 0, for every program" {
  local prog
  while read -r prog; do
    run --separate-stderr "$BIN/$prog" -h
    assert_success
    assert_line --index 0 --partial "usage: $prog "
    assert_equal "$stderr" ""
  done < <(all_programs)
}

@test "bad usage exits 2 with one line on stderr: what was wrong, and -h for help" {
  local args
  while IFS='|' read -r prog args want; do
    eval "set -- $args"
    run --separate-stderr "$BIN/$prog" "$@"
    assert_failure 2
    [[ $stderr == "$prog: $want"*"; -h for help" ]] || fail "$prog $args: not one line of what was wrong and -h: $stderr"
    assert_equal "${#stderr_lines[@]}" 1
    assert_output ""
  done <<'TABLE'
same-port-server|--bogus|unknown argument '--bogus'
same-port-server|-p|option -p needs a value
same-port-server|-b|option -b needs a value
same-port-server|-b ''|empty bind address
same-port-server|-n 0|bad value '0' for -n
same-port-server|-n abc|bad value 'abc' for -n
same-port-server|-n -3|bad value '-3' for -n
same-port-server|--tcp-only --udp-only|--tcp-only and --udp-only exclude each other
same-port-server|extra|unknown argument 'extra'
same-port-client|--bogus|unknown argument '--bogus'
same-port-client|-t 0|bad value '0' for -t
same-port-client|-t 1s|bad value '1s' for -t
same-port-client|''|empty host
same-port-client|host1 host2|unknown argument 'host2'
privileged-server|-u|option -u needs a value
privileged-client|-s|option -s needs a value
privileged-client|-s 70000|bad source port '70000': out of range
same-port-server|-4 -6|-4 and -6 exclude each other: give one of them, or neither
same-port-client|-6 -4|-4 and -6 exclude each other: give one of them, or neither
same-port-client|-4 -4 -p 0|bad port '0'
TABLE
}

@test "an address that is not this machine's cannot be bound: EADDRNOTAVAIL explained" {
  # 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real host.
  run --separate-stderr "$BIN/same-port-server" -p 0 -b 192.0.2.1
  assert_failure 1
  assert_stderr --partial "same-port-server: bind(tcp 192.0.2.1:0): EADDRNOTAVAIL (Cannot assign requested address)"
  assert_stderr --partial "why: that address does not belong to this machine"
}

@test "the usage shows the program's real defaults, never the rejected value; each option once" {
  run --separate-stderr "$BIN/same-port-client" -p 99999 -h
  assert_success
  assert_line --partial "(default 2000)"
  [[ $output != *"default 99999"* ]] || fail "the usage showed the rejected value as the default"
  local prog
  while read -r prog; do
    run --separate-stderr "$BIN/$prog" -h
    run bash -c 'grep -oE "^  -[a-zA-Z0-9]+" | sort | uniq -d' <<<"$output"
    assert_output "" # no option listed twice
  done < <(all_programs)
  run --separate-stderr "$BIN/rendezvous-client" -h
  assert_line --index 0 "usage: rendezvous-client [-4|-6] [-p PORT] [-t MS] [-l] [HOST] [NAME]"
  run --separate-stderr "$BIN/rendezvous-server" -D 99999
  assert_failure 2
  assert_stderr --partial "rendezvous-server: bad directory port '99999': out of range"
}

# run_offline PROGRAM ARGS...: bin/PROGRAM (Bats' run, stderr apart) in
# private user, mount and network namespaces where the only name server is
# 127.0.0.1 (nothing listens there; one try of 1 s at most): no look-up
# leaves this machine.
run_offline() {
  unshare -rnm true 2>/dev/null || skip "needs unshare -rnm (user, mount and network namespaces)"
  [ -e /etc/resolv.conf ] || skip "no /etc/resolv.conf to stand in for"
  local conf=$BATS_TEST_TMPDIR/resolv.conf
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$conf"
  # shellcheck disable=SC2016 # the script is for the inner shell
  run --separate-stderr unshare -rnm sh -c \
    'ip link set lo up && mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$conf" "$BIN/$1" "${@:2}"
}

@test "a name that cannot be looked up: no name server (EAI_AGAIN) is not a misspelling (EAI_NONAME); said once, not per protocol" {
  run_offline same-port-client -t 300 nosuch.invalid
  assert_failure 1
  assert_output ""
  assert_equal "${#stderr_lines[@]}" 2
  [[ ${stderr_lines[0]} == "same-port-client: getaddrinfo(tcp nosuch.invalid): EAI_AGAIN ("* ]] || fail "not EAI_AGAIN: $stderr"
  assert_equal "${stderr_lines[1]}" "same-port-client: why: the look-up failed with a temporary error, not a verdict on the name: no name server answered (glibc says this when none can be reached), or one reported a temporary failure (getaddrinfo(3)); this says nothing about the name itself: check the network and the name servers in /etc/resolv.conf, try again, or give a numeric address such as 127.0.0.1 or ::1"
  run_offline same-port-client -t 300 nosuch..invalid # an empty label: no name at all
  assert_failure 1
  assert_output ""
  assert_equal "${#stderr_lines[@]}" 2
  [[ ${stderr_lines[0]} == "same-port-client: getaddrinfo(tcp nosuch..invalid): EAI_NONAME ("* ]] || fail "not EAI_NONAME: $stderr"
  assert_equal "${stderr_lines[1]}" "same-port-client: why: the name could not be turned into an address: check the spelling, or give a numeric address such as 127.0.0.1 or ::1"
}
