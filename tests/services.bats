#!/usr/bin/env bats
# The services demo: /etc/services is IANA's list, per protocol, of services'
# ports (mostly servers', a few fixed client ports) - and a convention, not a law. Expectations come from
# /etc/services itself, never from a hard-coded copy of it.
load helpers


setup() {
  [ -s /etc/services ] || skip "this machine has no /etc/services (apt-get install netbase)"
}

# The port of NAME/PROTO in /etc/services, or nothing.
registered() { awk -v n="$1" -v p="$2" '$1 == n && $2 ~ "/" p "$" { split($2, a, "/"); print a[1]; exit }' /etc/services; }
# The name of PORT/PROTO in /etc/services, or nothing.
name_of() { awk -v q="$1/$2" '$2 == q { print $1; exit }' /etc/services; }

@test "look-ups go both ways, name to number and number to name, as /etc/services says" {
  run --separate-stderr "$BIN/services-client" lookup telnet 23
  assert_success
  assert_line "telnet/tcp: port $(registered telnet tcp)"
  assert_line "23/tcp: $(name_of 23 tcp)"
}

@test "registrations are per protocol: a tcp-only entry has no udp line" {
  # The first service of the file registered for tcp and not for udp.
  svc=$(awk '$2 ~ /\/tcp$/ { t[$1] = $2 } $2 ~ /\/udp$/ { u[$1] = 1 } END { for (s in t) if (!(s in u)) { print s; exit } }' /etc/services)
  [ -n "$svc" ] || skip "every tcp entry here also has a udp one"
  port=$(registered "$svc" tcp)
  run --separate-stderr "$BIN/services-client" lookup "$svc" "$port"
  assert_success
  assert_line "$svc/tcp: port $port"
  assert_line "$svc/udp: no entry"
  assert_line "$port/tcp: $(name_of "$port" tcp)"
  if [ -z "$(name_of "$port" udp)" ]; then assert_line "$port/udp: no entry"; fi
}

@test "a typical ephemeral port has no entry, and the client says why" {
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] || skip "no ephemeral range to read"
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  # The first port of the range that /etc/services does not list.
  p=$lo
  while [ -n "$(name_of "$p" tcp)$(name_of "$p" udp)" ]; do p=$((p + 1)); done
  run --separate-stderr "$BIN/services-client" lookup "$p"
  assert_failure 1
  assert_line "$p/tcp: no entry"
  assert_line "$p/udp: no entry"
  assert_line --partial "$p lies in this kernel's ephemeral range $lo-$hi"
}

@test "a name that is not listed is said to be not listed; exit 1" {
  run --separate-stderr "$BIN/services-client" lookup no-such-service-here
  assert_failure 1
  assert_line "'no-such-service-here' is not in /etc/services, for tcp or for udp"
}

@test "the scan finds the demo server on telnet's port among refused ones, and calls the mismatch" {
  need_netns
  start_server --via netns_run services-server
  run server_log
  assert_line "choosing port 23: we may bind it (we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does)"
  assert_line "/etc/services says port 23/tcp is $(name_of 23 tcp)"
  run --separate-stderr netns_of "$server_pid" "$BIN/services-client" -t 500 -r 15-30
  assert_success
  assert_line --regexp "^23/tcp open: /etc/services guesses telnet; it says: portlab services-server \(pid [0-9]+\): just a banner"
  assert_line "  23: that is not how telnet greets: convention, not law - the port number only suggested telnet"
  assert_line "1 open, 15 refused, 0 silent in 15-30 on 127.0.0.1"
  # Every port its own line and verdict, as nmap lists them.
  local p
  for p in $(seq 15 30); do
    [ "$p" = 23 ] || assert_line "$p/tcp closed|filtered: ECONNREFUSED (Connection refused)"
  done
  [ "$(grep -c '^[0-9]*/tcp ' <<<"$output")" -eq 16 ] || fail "not one line per port: $output"
}

@test "without privilege the server picks a registered port that belongs to another service" {
  need_netns
  namespace_holder ns
  start_server --via "netns_of $ns_pid --nobody" services-server -b 127.0.0.1
  run server_log
  assert_line "not port 23: binding it needs privilege we do not have (EACCES)"
  assert_line "choosing port $server_port instead: the first free registered port in /etc/services"
  name=$(name_of "$server_port" tcp)
  [ -n "$name" ]
  assert_line "/etc/services says port $server_port/tcp is $name"
  run --separate-stderr netns_of "$ns_pid" --nobody "$BIN/services-client" -p "$server_port"
  assert_success
  assert_line --partial "$server_port/tcp open: /etc/services guesses $name; it says: portlab services-server"
}

@test "a scan of a range with nothing open says so" {
  need_netns
  run --separate-stderr netns_run "$BIN/services-client" -t 300 -r 1-20
  assert_success
  assert_line "nothing open in 1-20 on 127.0.0.1 (20 refused, 0 silent)"
}

@test "a scan that cannot make a socket counts no port closed: it reports its own failure and exits 1" {
  local nosocket=$BATS_TEST_DIRNAME/../build/tools/nosocket
  [ -x "$nosocket" ] || fail "no $nosocket: run make test (it builds the test tools)"
  "$nosocket" true 2>/dev/null || skip "seccomp filters are not available here"
  run --separate-stderr "$nosocket" "$BIN/services-client" -t 300 -r 1-20 127.0.0.1
  assert_failure 1
  assert_stderr --partial "services-client: socket(tcp 127.0.0.1:1): EMFILE (Too many open files)"
  assert_stderr --partial "services-client: why: we could not make a socket, so port 1 and the rest of 1-20 were not scanned: a failure of ours, not an answer from 127.0.0.1"
  refute_output --partial "closed"
}

@test "with /etc/services missing, both programs say so clearly (in a mount namespace)" {
  # A private mount namespace: root's own, or an ordinary user's, with a
  # user namespace (-rm).
  local m=-m
  [ "$EUID" -eq 0 ] || m=-rm
  unshare "$m" true 2>/dev/null || skip "cannot make a private mount namespace here (unshare $m)"
  : >"$BATS_TEST_TMPDIR/empty"
  hide() { unshare "$m" -- sh -c 'mount --bind "$0" /etc/services && exec "$@"' "$BATS_TEST_TMPDIR/empty" "$@"; }
  run --separate-stderr hide "$BIN/services-client" lookup telnet
  assert_failure 1
  assert_stderr --partial "services-client: /etc/services is missing or empty, so no service names can be looked up (minimal containers lack it: on Debian it comes with the netbase package)"
  run --separate-stderr hide "$BIN/same-port-client" -p telnet
  assert_failure 2
  assert_stderr --partial "bad port 'telnet': /etc/services is missing or empty"
  can_netns || return 0
  # The server, as nobody (no port 23), with nothing to choose from.
  hidden_nobody() {
    local who
    _proc_nobody # setpriv to nobody as root; else a user namespace's nobody
    exec unshare "$m" -n -- sh -c 'mount --bind "$0" /etc/services && ip link set lo up && exec "$@"' \
      "$BATS_TEST_TMPDIR/empty" "${who[@]}" "$@"
  }
  start_server --via hidden_nobody services-server -b 127.0.0.1
  run server_log
  assert_line "not port 23: binding it needs privilege we do not have (EACCES)"
  assert_line "/etc/services is missing or empty, so no service names can be looked up (minimal containers lack it: on Debian it comes with the netbase package); letting the kernel choose instead"
}

@test "bad ranges exit 2 with the reason" {
  while IFS='|' read -r range want; do
    run --separate-stderr "$BIN/services-client" -r "$range"
    assert_failure 2
    assert_stderr --partial "services-client: bad range '$range': $want"
  done <<'TABLE'
5-3|LOW must be at least 1 and not above HIGH
0-10|LOW must be at least 1 and not above HIGH
1-70000|both ends must be port numbers 1-65535
abc|write LOW-HIGH, e.g. 1-1024
1-|both ends must be port numbers 1-65535
-5|write LOW-HIGH, e.g. 1-1024
1-5000|at most 4096 ports at a time (a polite scan)
TABLE
}

@test "a port in the ephemeral range may be listed: the client says so, and that clients may get it" {
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] || skip "no ephemeral range to read"
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  local line p=''
  while read -r line; do
    [[ $line =~ ^[a-zA-Z0-9._-]+[[:space:]]+([0-9]+)/tcp ]] || continue
    [ "${BASH_REMATCH[1]}" -ge "$lo" ] && [ "${BASH_REMATCH[1]}" -le "$hi" ] && { p=${BASH_REMATCH[1]}; break; }
  done </etc/services
  [ -n "$p" ] || skip "this /etc/services lists no tcp port in $lo-$hi"
  run --separate-stderr "$BIN/services-client" lookup "$p"
  assert_success
  assert_line "$p/tcp: $(name_of "$p" tcp)"
  assert_line --partial "$p lies in this kernel's ephemeral range $lo-$hi (read from /proc/sys/net/ipv4/ip_local_port_range): a service may be registered there, but the kernel may hand the number to any client meanwhile"
  refute_output --partial "cannot name"
}

@test "the scan does not count a firewall's admin-prohibited ICMP as refused" {
  find_free_port
  run_behind_nft "tcp dport $free_port reject with icmp type admin-prohibited" services-client -t 500 -p "$free_port"
  assert_success
  assert_line "$free_port/tcp filtered: EHOSTUNREACH (No route to host)"
  assert_line "nothing open in $free_port-$free_port on 127.0.0.1 (0 refused, 0 silent, 1 other)"
  assert_line --regexp "^EHOSTUNREACH: filtered - an ICMP error other than port unreachable came back"
}

@test "port 23 refused while holding CAP_NET_BIND_SERVICE (a Landlock rule): not called a lack of privilege" {
  need_netns
  local nobind
  need_nobind
  run --separate-stderr netns_run "$nobind" "$BIN/services-server" -b 127.0.0.1
  assert_failure 1
  assert_line "not port 23: refused (EACCES) although we hold CAP_NET_BIND_SERVICE, so not by the low-port rule: by a security module or a seccomp filter; which one, this program cannot tell"
  refute_line --partial "needs privilege we do not have"
}

@test "the scan never calls a refused port closed for certain: a reject looks the same" {
  find_free_port
  run_behind_nft "tcp dport $free_port reject with icmpx type port-unreachable" services-client -t 500 -p "$free_port"
  assert_success
  assert_line "$free_port/tcp closed|filtered: ECONNREFUSED (Connection refused)"
  assert_line "nothing open in $free_port-$free_port on 127.0.0.1 (1 refused, 0 silent)"
  assert_line --regexp "^refused: closed\|filtered - .*ICMP port unreachable.*errno cannot tell"
}

@test "the scan calls a silent port filtered, and says why" {
  find_free_port
  run_behind_nft "tcp dport $free_port drop" services-client -t 200 -p "$free_port"
  assert_success
  assert_line "$free_port/tcp filtered: no answer within 200 ms"
  assert_line "nothing open in $free_port-$free_port on 127.0.0.1 (0 refused, 1 silent)"
  assert_line --regexp "^silent: filtered - no answer within our -t"
}
