#!/usr/bin/env bats
# run-bats: waits (its knocks wait out -t bounds on filtered ports: half a slot)
# The firewall demo: open, closed or filtered - what a knock gets back, what
# the program sees of it, and what errno cannot tell. Each test builds the
# lesson's scene in a network namespace of its own (as root, or through
# unshare -rn as an ordinary user): firewall-server on five ports, a sixth
# with nothing bound, and nft rules that drop, reject with an ICMP port
# unreachable, forge a TCP reset, and reject with admin-prohibited. The
# client's packet socket says what came back on the wire.
load helpers

# scene [-6]: the namespace (fw_pid), the server, the rules; sets host and
# the ports open, closed, drop, unreach, reset, admin.
scene() {
  host=127.0.0.1
  [ "${1:-}" != -6 ] || host=::1
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  [ "$host" = 127.0.0.1 ] || has_ipv6_loopback || skip "no IPv6 loopback here"
  namespace_holder fw || fail "could not make a network namespace"
  # closed: a port the kernel handed out there, and took back.
  start_server --as probe --via "netns_of $fw_pid" same-port-server -p 0 -b "$host"
  stop_server --as probe
  closed=$probe_port
  start_server --via "netns_of $fw_pid" firewall-server -b "$host" -p 0 -p 0 -p 0 -p 0 -p 0
  [[ $proc_line =~ ports\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\)$ ]] ||
    fail "no five ports in: $proc_line"
  open=${BASH_REMATCH[1]} drop=${BASH_REMATCH[2]} unreach=${BASH_REMATCH[3]}
  reset=${BASH_REMATCH[4]} admin=${BASH_REMATCH[5]}
  (netns_of "$fw_pid" nft -f -) <<NFT || fail "nft refused the rules"
table inet portlab {
  chain input {
    type filter hook input priority 0;
    tcp dport $drop drop
    udp dport $drop drop
    tcp dport $unreach reject with icmpx type port-unreachable
    udp dport $unreach reject with icmpx type port-unreachable
    tcp dport $reset reject with tcp reset
    tcp dport $admin reject with icmpx type admin-prohibited
    udp dport $admin reject with icmpx type admin-prohibited
  }
}
NFT
}

knock() { run --separate-stderr netns_of "$fw_pid" "$@" "$BIN/firewall-client"; }
knock_all() {
  run --separate-stderr netns_of "$fw_pid" "$BIN/firewall-client" "$@" "$host" \
    "$open" "$closed" "$drop" "$unreach" "$reset" "$admin"
}

# expect PORT PROTO SAW WIRE VERDICT: the three lines of one knock (regexps;
# an empty SAW is not checked).
expect() {
  [ -z "$3" ] || assert_line --regexp "^$1/$2 saw: $3\$"
  assert_line --regexp "^$1/$2 wire: $4\$"
  assert_line --regexp "^$1/$2 verdict: $5 - "
}

@test "IPv4: the six answers, over TCP and UDP - what the program saw, what came back on the wire, the verdict" {
  scene
  knock_all -t 300
  assert_success
  assert_line "packet socket open: each knock's answer on the wire is shown (wire:)"
  expect "$open" tcp "connected after [0-9]+ ms" "SYN-ACK from port $open" open
  assert_line "$open/tcp said: firewall-server: your tcp knock on port $open reached a program"
  expect "$open" udp "a reply after [0-9]+ ms" "a UDP datagram from port $open" open
  assert_line "$open/udp said: firewall-server: your udp knock on port $open reached a program"
  expect "$closed" tcp "ECONNREFUSED after [0-9]+ ms" "RST-ACK from port $closed" closed
  expect "$closed" udp "ECONNREFUSED after [0-9]+ ms" "port unreachable \(ICMP type 3 code 3\) from 127\.0\.0\.1, quoting our datagram" closed
  expect "$drop" tcp "connect\(\) still pending after 300 ms \(our -t: no errno yet\)" "nothing came back for our SYN" filtered
  expect "$drop" udp "nothing within 300 ms" "nothing came back for our datagram" "open\|filtered"
  # The rejected port: the same ECONNREFUSED as the closed one - the wire tells them apart.
  expect "$unreach" tcp "ECONNREFUSED after [0-9]+ ms" "port unreachable \(ICMP type 3 code 3\) from 127\.0\.0\.1, quoting our SYN" filtered
  expect "$unreach" udp "ECONNREFUSED after [0-9]+ ms" "port unreachable \(ICMP type 3 code 3\) from 127\.0\.0\.1, quoting our datagram" closed
  # A forged reset, for a port the server listens on: "closed" - and UDP on the same port is open.
  expect "$reset" tcp "ECONNREFUSED after [0-9]+ ms" "RST-ACK from port $reset" closed
  expect "$reset" udp "a reply after [0-9]+ ms" "a UDP datagram from port $reset" open
  expect "$admin" tcp "EHOSTUNREACH after [0-9]+ ms" "communication administratively prohibited \(ICMP type 3 code 13\) from 127\.0\.0\.1, quoting our SYN" filtered
  expect "$admin" udp "EHOSTUNREACH after [0-9]+ ms" "communication administratively prohibited \(ICMP type 3 code 13\) from 127\.0\.0\.1, quoting our datagram" filtered
  # The server saw exactly the knocks that reached it: three.
  stop_server
  run server_log
  assert_line --regexp "^$open/tcp: a knock from 127\.0\.0\.1:[0-9]+ reached us: connection accepted$"
  assert_line --regexp "^$open/udp: a knock from 127\.0\.0\.1:[0-9]+ reached us: 6 bytes, answered$"
  assert_line --regexp "^$reset/udp: a knock from 127\.0\.0\.1:[0-9]+ reached us: 6 bytes, answered$"
  assert_equal "$(grep -c 'reached us' <<<"$output")" 3
  assert_line "stopping on SIGTERM after 3 exchanges"
}

# bats test_tags=exhaustive
@test "IPv6: the six answers, over TCP and UDP, with ICMPv6's types and codes" {
  scene -6
  knock_all -6 -t 300
  assert_success
  expect "$open" tcp "connected after [0-9]+ ms" "SYN-ACK from port $open" open
  expect "$open" udp "a reply after [0-9]+ ms" "a UDP datagram from port $open" open
  expect "$closed" tcp "ECONNREFUSED after [0-9]+ ms" "RST-ACK from port $closed" closed
  expect "$closed" udp "ECONNREFUSED after [0-9]+ ms" "port unreachable \(ICMPv6 type 1 code 4\) from ::1, quoting our datagram" closed
  expect "$drop" tcp "connect\(\) still pending after 300 ms \(our -t: no errno yet\)" "nothing came back for our SYN" filtered
  expect "$drop" udp "nothing within 300 ms" "nothing came back for our datagram" "open\|filtered"
  expect "$unreach" tcp "" "port unreachable \(ICMPv6 type 1 code 4\) from ::1, quoting our SYN" filtered
  expect "$unreach" udp "ECONNREFUSED after [0-9]+ ms" "port unreachable \(ICMPv6 type 1 code 4\) from ::1, quoting our datagram" closed
  expect "$reset" tcp "ECONNREFUSED after [0-9]+ ms" "RST-ACK from port $reset" closed
  expect "$reset" udp "a reply after [0-9]+ ms" "a UDP datagram from port $reset" open
  expect "$admin" tcp "" "communication with destination administratively prohibited \(ICMPv6 type 1 code 1\) from ::1, quoting our SYN" filtered
  # IPv6 says EACCES for admin-prohibited (icmpv6_err_convert), IPv4 EHOSTUNREACH.
  expect "$admin" udp "EACCES after [0-9]+ ms" "communication with destination administratively prohibited \(ICMPv6 type 1 code 1\) from ::1, quoting our datagram" filtered
}

# bats test_tags=exhaustive
@test "IPv6 on Linux: an ICMPv6 error to a SYN ends connect() only with the retransmitted SYN, about a second later" {
  scene -6
  run --separate-stderr netns_of "$fw_pid" "$BIN/firewall-client" -6 -t 3000 ::1 "$unreach"
  assert_failure 1 # nothing open
  assert_line --regexp "^$unreach/tcp saw: ECONNREFUSED after (9[0-9][0-9]|1[0-9][0-9][0-9]|2[0-9][0-9][0-9]) ms$"
  # The same rule over IPv6's UDP answers at once.
  assert_line --regexp "^$unreach/udp saw: ECONNREFUSED after [0-9]{1,3} ms$"
}

@test "without a packet socket: errno alone, so ECONNREFUSED is closed|filtered, and the client says what it cannot see" {
  scene
  run --separate-stderr netns_of "$fw_pid" --nobody "$BIN/firewall-client" -t 300 "$host" "$closed" "$unreach" "$admin"
  assert_failure 1 # nothing open (like nc -z)
  assert_line "nothing open: no knock was answered by a program (exit status 1)"
  assert_line "no packet socket: socket(packet): EPERM (Operation not permitted)"
  assert_line --regexp "^why: a packet socket needs CAP_NET_RAW over this network namespace, and this process lacks it \(read from CapEff in /proc/self/status\)"
  refute_line --partial " wire: "
  # Closed and rejected look the same to connect(): neither is called closed for certain.
  assert_line --regexp "^$closed/tcp saw: ECONNREFUSED after [0-9]+ ms$"
  assert_line --regexp "^$closed/tcp verdict: closed\|filtered - connect\(\) says ECONNREFUSED for a reset .* errno cannot tell which"
  assert_line --regexp "^$unreach/tcp verdict: closed\|filtered - "
  assert_line --regexp "^$admin/tcp verdict: filtered - an ICMP error other than port unreachable came back"
  assert_line --regexp "^$unreach/udp verdict: closed - an ICMP port unreachable came back: nothing is bound there, or a firewall's reject sent it"
}

# Host- and network-unreachable are "soft" ICMP errors: Linux tells a plain
# connected UDP socket nothing of them (udp.c, __udp4_lib_err: only with
# IP_RECVERR), while TCP's connect() gets EHOSTUNREACH. firewall-client asks
# for them (IP_RECVERR, IPV6_RECVERR): filtered, as nmap -sU says, even
# without a packet socket, over IPv4 and IPv6.
# hostunreach_port: after scene, one more free port (hu), rejected over TCP
# and UDP with an ICMP host unreachable (ICMPv6: address unreachable).
hostunreach_port() {
  start_server --as probe2 --via "netns_of $fw_pid" same-port-server -p 0 -b "$host"
  stop_server --as probe2
  hu=$probe2_port
  (netns_of "$fw_pid" nft add rule inet portlab input meta l4proto '{ tcp, udp }' th dport "$hu" reject with icmpx type host-unreachable) ||
    fail "nft refused the rule"
}

@test "a reject with host-unreachable: the UDP knock hears it too (IP_RECVERR), without a packet socket - filtered, IPv4 and IPv6" {
  scene
  local hu h
  hostunreach_port
  for h in 127.0.0.1 ::1; do
    [ "$h" = 127.0.0.1 ] || has_ipv6_loopback || continue
    run --separate-stderr netns_of "$fw_pid" --nobody "$BIN/firewall-client" -t 1500 "$h" "$hu"
    assert_failure 1
    assert_line --regexp "^$hu/tcp saw: EHOSTUNREACH after [0-9]+ ms$"
    assert_line --regexp "^$hu/udp saw: EHOSTUNREACH after [0-9]{1,3} ms$"
    assert_line --regexp "^$hu/udp verdict: filtered - "
    refute_line --partial "open|filtered"
  done
}

@test "the scan's verdicts are the client's, port by port (TCP, errno alone)" {
  scene
  local p fw sc
  run --separate-stderr netns_of "$fw_pid" --nobody "$BIN/firewall-client" -t 300 "$host" "$open" "$closed" "$drop" "$unreach" "$reset" "$admin"
  assert_success
  local client_out=$output
  for p in "$open" "$closed" "$drop" "$unreach" "$reset" "$admin"; do
    fw=$(sed -n "s#^$p/tcp verdict: \([^ ]*\) - .*#\1#p" <<<"$client_out")
    run --separate-stderr netns_of "$fw_pid" --nobody "$BIN/services-client" -t 300 -p "$p" "$host"
    assert_success
    sc=$(sed -n "s#^$p/tcp \([^ :]*\): .*#\1#p" <<<"$output") # one line a port
    [ -n "$fw" ] && [ "$fw" = "$sc" ] || fail "port $p: firewall-client says '$fw', the scan '$sc'"
  done
}

# A peer in the suite: nmap (not ours) reads the same scene. firewall-client
# with its packet socket must agree with nmap -sS and -sU on every port;
# without one (as nobody), and services-client's scan, errno alone decides,
# and the only difference allowed is the documented one: closed|filtered
# (a TCP ECONNREFUSED) where nmap, reading the packet, says closed or
# filtered.
peer_check() {
  command -v nmap >/dev/null || skip "nmap is not installed (apt-get install nmap)"
  local six=() hu p proto key ours theirs all
  [ "$host" = 127.0.0.1 ] || six=(-6)
  hostunreach_port
  all=("$open" "$closed" "$drop" "$unreach" "$reset" "$admin" "$hu")
  run netns_of "$fw_pid" nmap "${six[@]}" -n -Pn -sS -sU --max-retries 1 -p "$(IFS=,; echo "${all[*]}")" "$host"
  assert_success
  declare -A nm=()
  while read -r key theirs _; do nm[$key]=$theirs; done < <(grep -E '^[0-9]+/(tcp|udp) ' <<<"$output")
  [ "${#nm[@]}" -eq 14 ] || fail "nmap gave ${#nm[@]} of 14 ports: $output"
  agree() { # agree WHO KEY OURS: nmap's word, or errno's documented closed|filtered
    [ "$3" = "${nm[$2]}" ] && return 0
    [ "$3" = "closed|filtered" ] && [[ ${nm[$2]} =~ ^(closed|filtered)$ ]] && return 0
    fail "$2: $1 says '$3', nmap '${nm[$2]}'"
  }
  local who
  for who in wire errno; do
    local as=()
    [ "$who" = wire ] || as=(--nobody)
    run --separate-stderr netns_of "$fw_pid" "${as[@]}" "$BIN/firewall-client" "${six[@]}" -t 1500 "$host" "${all[@]}"
    for p in "${all[@]}"; do
      for proto in tcp udp; do
        ours=$(sed -n "s#^$p/$proto verdict: \([^ ]*\) - .*#\1#p" <<<"$output")
        if [ "$who" = wire ]; then
          [ "$ours" = "${nm[$p/$proto]}" ] || fail "$p/$proto: firewall-client (the wire) says '$ours', nmap '${nm[$p/$proto]}'"
        else
          agree "firewall-client (errno)" "$p/$proto" "$ours"
        fi
      done
    done
  done
  for p in "${all[@]}"; do
    run --separate-stderr netns_of "$fw_pid" --nobody "$BIN/services-client" "${six[@]}" -t 1500 -p "$p" "$host"
    ours=$(sed -n "s#^$p/tcp \([^ :]*\): .*#\1#p" <<<"$output")
    agree "the scan" "$p/tcp" "$ours"
  done
}

# bats test_tags=exhaustive
@test "a peer: firewall-client and the scan agree with nmap -sS and -sU port by port, IPv4" {
  scene
  peer_check
}

# bats test_tags=exhaustive
@test "a peer: firewall-client and the scan agree with nmap -sS and -sU port by port, IPv6" {
  scene -6
  peer_check
}

@test "a silent TCP port: -t bounds the knock, and the client says what tcp_syn_retries would have made it wait" {
  need_netns
  run --separate-stderr netns_run --sysctl net/ipv4/tcp_syn_retries=2 "$BIN/firewall-client" -t 100 127.0.0.1 9
  assert_failure 1
  local lin
  if read -r lin </proc/sys/net/ipv4/tcp_syn_linear_timeouts 2>/dev/null && [ "$lin" -gt 0 ]; then
    assert_line "without -t, connect() would say ETIMEDOUT only after the kernel's SYN retries: tcp_syn_retries = 2 (read from /proc/sys/net/ipv4/tcp_syn_retries), the first $lin resent a second apart (tcp_syn_linear_timeouts), then at doubling waits, until the time waits of 1, 2, 4... s would take: at least 7 s"
  else
    assert_line "without -t, connect() would say ETIMEDOUT only after the kernel's SYN retries: tcp_syn_retries = 2 (read from /proc/sys/net/ipv4/tcp_syn_retries), waits of 1, 2, 4... s: about 7 s"
  fi
}

@test "IPv6's EACCES after an admin-prohibited reject: the why names the firewall, not only local rules" {
  scene -6
  run --separate-stderr netns_of "$fw_pid" "$BIN/same-port-client" -6 -t 3000 -p "$admin" ::1
  assert_failure 1
  assert_stderr --partial "connect(tcp [::1]:$admin): EACCES (Permission denied)"
  assert_stderr --partial "why: a firewall's reject answered with an ICMPv6 'communication with destination administratively prohibited' (RFC 4443; nft: reject with icmpx type admin-prohibited), or a local rule refused it"
}

@test "bad usage: no port, port 0, a bad port, too many ports; the server's bad port" {
  run --separate-stderr "$BIN/firewall-client" 127.0.0.1
  assert_failure 2
  assert_stderr --partial "name the ports to knock on after the host"
  run --separate-stderr "$BIN/firewall-client" 127.0.0.1 0
  assert_failure 2
  assert_stderr --partial "port 0 cannot be knocked on"
  run --separate-stderr "$BIN/firewall-client" 127.0.0.1 70000
  assert_failure 2
  assert_stderr --partial "bad port '70000'"
  run --separate-stderr "$BIN/firewall-client" 127.0.0.1 $(seq 1 65)
  assert_failure 2
  assert_stderr --partial "at most 64 ports at a time"
  run --separate-stderr "$BIN/firewall-server" -p 0 -p 70000
  assert_failure 2
  assert_stderr --partial "bad port '70000'"
}

@test "the server serves every port it was given, TCP and UDP, in one loop" {
  start_server firewall-server -b 127.0.0.1 -p 0 -p 0 -p 0
  [[ $proc_line =~ ports\ ([0-9]+)\ ([0-9]+)\ ([0-9]+)\)$ ]] || fail "no three ports: $proc_line"
  local p
  for p in "${BASH_REMATCH[@]:1}"; do
    run --separate-stderr "$BIN/firewall-client" -t 2000 127.0.0.1 "$p"
    assert_success
    assert_line --regexp "^$p/tcp verdict: open - "
    assert_line --regexp "^$p/udp verdict: open - "
    server_expect "^$p/udp: a knock from 127\.0\.0\.1:[0-9]+ reached us"
  done
}

@test "a UDP knock stopped on its way out (an output rule: EPERM) is filtered here, whatever the wire then shows" {
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  # shellcheck disable=SC2016 # the script is for the inner shell
  run --separate-stderr netns_run sh -c 'printf "%s\n" "table inet out { chain o { type filter hook output priority 0; udp dport 7010 drop; }; }" | nft -f - && exec "$@"' sh \
    "$BIN/firewall-client" -t 300 127.0.0.1 7010
  assert_line --regexp "^7010/udp saw: EPERM after [0-9]+ ms$"
  assert_line "7010/udp verdict: filtered - a rule on this machine stopped the packet as it left (EPERM): it never reached the host"
  refute_line --partial "7010/udp verdict: open|filtered"
}

@test "the client gives up root and every capability once its packet socket is open; the wire is still shown" {
  scene
  proc_start client netns_of "$fw_pid" "$BIN/firewall-client" -t 1500 "$host" "$drop"
  proc_expect client "^$drop/tcp saw: " || fail "the client did not knock"
  run grep -E '^(Uid|CapPrm|CapEff|NoNewPrivs):' "/proc/$client_pid/status"
  if netns_as_root; then
    assert_line --regexp '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$'
  fi
  assert_line --regexp '^CapPrm:[[:space:]]+0+$'
  assert_line --regexp '^CapEff:[[:space:]]+0+$'
  assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
  proc_expect client "^$drop/tcp wire: nothing came back for our SYN$" || fail "no wire line after the drop"
  proc_stop client
  run cat "$PROC_DIR/client/log"
  if netns_as_root; then
    assert_line "gave up root and every capability: the knocks need no privilege (the packet socket stays open)"
  else
    assert_line "gave up every capability: the knocks need no privilege (the packet socket stays open)"
  fi
}

@test "a busy wire (a flood of other packets, faster than the client reads) cannot hold a knock: each look has a deadline" {
  need_netns
  command -v strace >/dev/null || skip "strace is not installed (apt-get install strace)"
  namespace_holder fw || fail "could not make a network namespace"
  start_server --via "netns_of $fw_pid" same-port-server -p 0 -b 127.0.0.1
  # A flood to a port nobody reads, and a client slowed down: each recvfrom()
  # takes 1 ms more (strace's delay injection), so its packet socket always
  # has more waiting than it can read.
  proc_start blast netns_of "$fw_pid" "$BATS_TEST_DIRNAME/../build/tools/poke" blast 8000 127.0.0.1 9
  proc_expect blast '^blasting$' || fail "the flood did not start"
  local start=$SECONDS
  run --separate-stderr netns_of "$fw_pid" timeout 20 strace -o /dev/null -e trace=recvfrom \
    -e inject=recvfrom:delay_exit=1000 "$BIN/firewall-client" -t 300 127.0.0.1 "$server_port"
  local took=$((SECONDS - start))
  proc_stop blast
  [ "$took" -le 4 ] || fail "the knock took $took s: the busy wire held it"
  # Each look found the answer in time, or says it cannot tell (then errno
  # decides: connect() succeeded, a reply came).
  local p
  for p in tcp udp; do
    assert_line --regexp "^$server_port/$p wire: (cannot tell: a busy wire \([0-9]+ other packets read in [0-9]+ ms, [0-9]+ dropped unread\)|SYN-ACK from port $server_port|a UDP datagram from port $server_port)$"
    assert_line --regexp "^$server_port/$p verdict: open - "
  done
}
