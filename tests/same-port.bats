#!/usr/bin/env bats
# The same-port demo: TCP port P and UDP port P are two different ports.
load helpers

@test "TCP and UDP can both bind port P at the same time" {
  start_server same-port-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "tcp bound to 127.0.0.1:$server_port"
  assert_line "udp bound to 127.0.0.1:$server_port"
  assert_line "ready on 127.0.0.1:$server_port (tcp+udp)"
}

@test "the kernel lists both sockets on port P (ss)" {
  command -v ss >/dev/null || skip "ss (iproute2) is not installed"
  start_server same-port-server -p 0 -b 127.0.0.1
  run ss -Htuln "sport = :$server_port"
  assert_success
  assert_line --regexp "^tcp +LISTEN .*127\.0\.0\.1:$server_port "
  assert_line --regexp "^udp +UNCONN .*127\.0\.0\.1:$server_port "
}

@test "a second TCP socket on port P gets EADDRINUSE, told on stdout as the expected result, not as an error" {
  start_server same-port-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "now a second tcp socket asks for the same port:"
  assert_line "as expected, bind(tcp) was refused: EADDRINUSE (Address already in use)"
  assert_line "our first tcp socket holds that port, and this one did not ask to share"
  # The planned refusal is not dressed as a failure: no error form anywhere,
  # nothing on stderr, and the server goes on to its ready line.
  refute_line --partial "same-port-server: bind("
  refute_line --partial "why:"
  refute_line --partial "ways out" # a clash the demo made on purpose needs no way out
  assert_line "ready on 127.0.0.1:$server_port (tcp+udp)"
  run server_err
  assert_output ''
  # --udp-only: the same, in UDP's set.
  start_server --as udp same-port-server --udp-only -p 0 -b 127.0.0.1
  run server_log udp
  assert_line "as expected, bind(udp) was refused: EADDRINUSE (Address already in use)"
  run server_err udp
  assert_output ''
}

@test "port 0: the kernel's choice lies in the range read from /proc" {
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] || skip "no /proc/sys/net/ipv4 here"
  read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
  start_server same-port-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "the kernel chose port $server_port, from its range $lo-$hi (read from /proc/sys/net/ipv4/ip_local_port_range)"
  [ "$server_port" -ge "$lo" ] && [ "$server_port" -le "$hi" ]
}

@test "the client gets a TCP reply and a UDP reply naming its own source port" {
  start_server same-port-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/same-port-client" -p "$server_port" 127.0.0.1
  assert_success
  assert_line --regexp "^tcp reply: same-port-server pid $server_pid: this is TCP; you are 127\.0\.0\.1:[0-9]+$"
  assert_line --regexp "^udp reply: same-port-server pid $server_pid: this is UDP; you are 127\.0\.0\.1:[0-9]+$"
  assert_line "both answered on port $server_port: one number, two protocols, two sockets"
  # The port the server saw is the port the client's kernel gave it.
  tcp_end=$(sed -n 's/^tcp: our end is \([^ ]*\) .*/\1/p' <<<"$output")
  udp_end=$(sed -n 's/^udp: our end is \([^ ]*\) .*/\1/p' <<<"$output")
  assert_line --partial "this is TCP; you are $tcp_end"
  assert_line --partial "this is UDP; you are $udp_end"
  server_expect "^tcp connection from $tcp_end: sent it one line$"
  server_expect "^udp datagram of [0-9]+ bytes from $udp_end: replying$"
}

@test "two processes: one holds TCP P, another holds UDP P" {
  start_server --as tcp same-port-server --tcp-only -p 0 -b 127.0.0.1
  start_server --as udp same-port-server --udp-only -p "$tcp_port" -b 127.0.0.1
  assert_equal "$udp_port" "$tcp_port"
  run --separate-stderr "$BIN/same-port-client" -p "$tcp_port"
  assert_success
  assert_line --partial "tcp reply: same-port-server pid $tcp_pid: this is TCP"
  assert_line --partial "udp reply: same-port-server pid $udp_pid: this is UDP"
  [ "$tcp_pid" != "$udp_pid" ]
}

@test "a third process cannot take TCP P (nor UDP P): exit 1 with EADDRINUSE explained, and the ways out" {
  start_server --as tcp same-port-server --tcp-only -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/same-port-server" --tcp-only -p "$tcp_port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "same-port-server: bind(tcp 127.0.0.1:$tcp_port): EADDRINUSE (Address already in use)"
  assert_stderr --partial "same-port-server: why: another socket already holds this TCP port"
  assert_stderr --partial "the two do not share it: on Linux a listening port is shared only by sockets that all set SO_REUSEPORT (under one user) or that are each tied to a different interface (SO_BINDTODEVICE)"
  assert_stderr --partial "same-port-server: why: ways out: see who holds it with ss -ltnp 'sport = :$tcp_port' (-p names the program only to root, or to its own user unless it changed user or still holds capabilities); stop that one, or start this one on another port, or with -p 0 to let the kernel choose a free one (the ready line says which)"
  # ... and the command it gives finds the holder.
  if command -v ss >/dev/null; then
    run ss -ltnp "sport = :$tcp_port"
    assert_line --regexp "^LISTEN .* 127\.0\.0\.1:$tcp_port .*pid=$tcp_pid,"
  fi
  start_server --as udp same-port-server --udp-only -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/same-port-server" --udp-only -p "$udp_port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "same-port-server: why: ways out: see who holds it with ss -uanp 'sport = :$udp_port' (-p names"
  if command -v ss >/dev/null; then
    run ss -uanp "sport = :$udp_port"
    assert_line --regexp "^UNCONN .* 127\.0\.0\.1:$udp_port .*pid=$udp_pid,"
  fi
}

@test "with no server, TCP is refused and UDP is refused or times out, explained" {
  find_free_port
  run --separate-stderr "$BIN/same-port-client" -t 1000 -p "$free_port"
  assert_failure 1
  assert_stderr --partial "same-port-client: connect(tcp 127.0.0.1:$free_port): ECONNREFUSED (Connection refused)"
  assert_stderr --partial "why: the connection request was answered with a reset (RST) or an ICMP 'port unreachable'"
  assert_stderr --regexp "same-port-client: recv\(udp 127\.0\.0\.1:$free_port\): (ECONNREFUSED \(Connection refused\)|ETIMEDOUT \(no reply in time\))"
  assert_stderr --regexp "why: (nothing listens on that UDP port|no reply came)"
  assert_line "answers on port $free_port: tcp no, udp no"
}

@test "an idle TCP client does not delay another client" {
  start_server same-port-server -p 0 -b 127.0.0.1
  # Two clients that connect and then do nothing, one having sent half a line.
  exec {idle1}<>"/dev/tcp/127.0.0.1/$server_port"
  exec {idle2}<>"/dev/tcp/127.0.0.1/$server_port"
  printf 'half a line' >&"$idle2"
  run --separate-stderr "$BIN/same-port-client" -t 1000 -p "$server_port"
  exec {idle1}<&- {idle2}<&-
  assert_success
  assert_line --partial "this is TCP"
  assert_line --partial "this is UDP"
}

@test "a client that sends data first still gets its whole reply" {
  start_server same-port-server -p 0 -b 127.0.0.1
  exec {conn}<>"/dev/tcp/127.0.0.1/$server_port"
  printf 'some bytes the server never asked for\n' >&"$conn"
  IFS= read -r -t 5 -u "$conn" reply
  exec {conn}<&-
  [[ $reply == "same-port-server pid $server_pid: this is TCP; you are 127.0.0.1:"* ]]
}

@test "nc works as a client, over TCP and over UDP" {
  command -v nc >/dev/null || skip "nc is not installed (apt-get install netcat-openbsd)"
  start_server same-port-server -p 0 -b 127.0.0.1
  run nc -w 2 127.0.0.1 "$server_port" </dev/null
  assert_output --regexp "^same-port-server pid $server_pid: this is TCP; you are 127\.0\.0\.1:[0-9]+$"
  # -W 1: quit after one datagram has come back (-w 2 bounds the wait).
  run bash -c "printf 'hi\n' | nc -u -W 1 -w 2 127.0.0.1 $server_port"
  assert_output --regexp "^same-port-server pid $server_pid: this is UDP; you are 127\.0\.0\.1:[0-9]+$"
}

@test "over IPv6, addresses are written [::1]:port" {
  has_ipv6_loopback || skip "IPv6 is disabled on this machine"
  start_server same-port-server -6 -p 0 -b ::1
  assert_equal "$server_addr" "[::1]"
  run --separate-stderr "$BIN/same-port-client" -6 -p "$server_port" ::1
  assert_success
  assert_line --regexp "^tcp reply: .*this is TCP; you are \[::1\]:[0-9]+$"
  assert_line --regexp "^udp reply: .*this is UDP; you are \[::1\]:[0-9]+$"
}

@test "-n COUNT: the server stops by itself after COUNT exchanges" {
  start_server same-port-server -p 0 -b 127.0.0.1 -n 2
  run --separate-stderr "$BIN/same-port-client" -p "$server_port"
  assert_success
  server_expect "^stopping after 2 exchanges, as asked with -n$"
  stop_server
  assert_equal "$server_status" 0
}

@test "SIGTERM and SIGINT stop the server cleanly with a closing line" {
  start_server same-port-server -p 0 -b 127.0.0.1
  stop_server
  assert_equal "$server_status" 0
  run server_log
  assert_line "stopping on SIGTERM after 0 exchanges"
  start_server --as int same-port-server -p 0 -b 127.0.0.1
  kill -INT "$int_pid"
  server_expect --as int "^stopping on SIGINT after 0 exchanges$"
  stop_server --as int
  assert_equal "$int_status" 0
}

@test "a UDP reply leaves from the address the datagram was sent to (127.0.0.2), so a connected client accepts it" {
  start_server same-port-server -p 0 -b 0.0.0.0
  run --separate-stderr "$BIN/same-port-client" -t 2000 -p "$server_port" 127.0.0.2
  assert_success
  assert_line --regexp "^udp reply: same-port-server pid $server_pid: this is UDP; you are 127\.0\.0\.1:[0-9]+$"
  start_server --as eph ephemeral-server -p 0 -b 0.0.0.0
  run --separate-stderr "$BIN/ephemeral-client" -t 2000 -n 0 -u 1 -p "$eph_port" 127.0.0.2
  assert_success
  server_expect --as eph "^udp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.2:$eph_port "
}

@test "a firewall's reset and drop while the server listens: the why says what else looks the same" {
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  start_server --via netns_run same-port-server -p 0 -b 127.0.0.1
  (netns_of "$server_pid" nft -f -) <<NFT
table inet portlab {
  chain out {
    type filter hook output priority 0;
    tcp dport $server_port reject with tcp reset
    udp dport $server_port drop
  }
}
NFT
  run --separate-stderr netns_of "$server_pid" "$BIN/same-port-client" -t 500 -p "$server_port"
  assert_failure 1
  assert_stderr --partial "connect(tcp 127.0.0.1:$server_port): ECONNREFUSED"
  assert_stderr --partial "why: the connection request was answered with a reset (RST) or an ICMP 'port unreachable'"
  assert_stderr --partial "send(udp 127.0.0.1:$server_port): EPERM (Operation not permitted)"
  assert_stderr --partial "why: a local firewall rule (nftables, iptables) dropped the packet as it left"
}

@test "a server listening behind nft's reject (an ICMP port unreachable): the why does not claim a reset" {
  need_netns
  command -v nft >/dev/null || skip "nft is not installed (apt-get install nftables)"
  start_server --via netns_run same-port-server --tcp-only -p 0 -b 127.0.0.1
  (netns_of "$server_pid" nft -f -) <<NFT
table inet portlab {
  chain out {
    type filter hook output priority 0;
    tcp dport $server_port reject
  }
}
NFT
  run --separate-stderr netns_of "$server_pid" "$BIN/same-port-client" -t 500 -p "$server_port"
  assert_failure 1
  assert_stderr --partial "connect(tcp 127.0.0.1:$server_port): ECONNREFUSED (Connection refused)"
  assert_stderr --partial "why: the connection request was answered with a reset (RST) or an ICMP 'port unreachable', and errno is the same for both"
  assert_stderr --partial "a firewall rule that rejects (nft's reject, iptables' REJECT) can send either, even while a server listens; which came back, this program cannot tell"
  refute_stderr --partial "most likely: the other host answered the connection request with a reset"
  # The scan behind the same rule: refused, not "closed", and it says it cannot tell.
  run --separate-stderr netns_of "$server_pid" "$BIN/services-client" -t 500 -p "$server_port"
  assert_success
  assert_line "nothing open in $server_port-$server_port on 127.0.0.1 (1 refused, 0 silent)"
  assert_line --regexp "^refused: closed\|filtered - .*errno cannot tell which"
  refute_line --regexp "^refused: closed - "
}

@test "--reuseport: sockets that all ask may share a port; one that does not ask is refused" {
  start_server --as first same-port-server --reuseport -p 0 -b 127.0.0.1
  run server_log first
  assert_line "the second tcp bind succeeded: sockets that all set SO_REUSEPORT"
  assert_line "share the port (the kernel spreads new clients among them)"
  refute_line --partial "as expected, bind(tcp) was refused"
  start_server --as second same-port-server --reuseport -p "$first_port" -b 127.0.0.1
  assert_equal "$second_port" "$first_port"
  run --separate-stderr "$BIN/same-port-server" -p "$first_port" -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "bind(tcp 127.0.0.1:$first_port): EADDRINUSE"
}

@test "a listener on 127.0.0.1:P leaves 127.0.0.2:P free" {
  start_server --as one same-port-server -p 0 -b 127.0.0.1
  start_server --as two same-port-server -p "$one_port" -b 127.0.0.2
  assert_equal "$two_port" "$one_port"
}

@test "ENETUNREACH from a firewall's ICMP answer, with a route in place: the why names both causes" {
  find_free_port
  run_behind_nft "tcp dport $free_port reject with icmp type net-unreachable" same-port-client -t 500 -p "$free_port"
  assert_failure 1
  assert_stderr --partial "connect(tcp 127.0.0.1:$free_port): ENETUNREACH (Network is unreachable)"
  assert_stderr --partial "why: this machine has no route to that network, or a router or a firewall rule on the way answered 'network unreachable' (ICMP)"
}

@test "EACCES from connect() through a prohibit route: the why names the route" {
  need_netns
  # 192.0.2.1 (TEST-NET-1) is only a route inside the private namespace:
  # the kernel refuses before any packet exists, nothing leaves.
  # shellcheck disable=SC2016 # the script is for the inner shell
  run --separate-stderr netns_run sh -c 'ip route add prohibit 192.0.2.1 && exec "$@"' sh \
    "$BIN/same-port-client" -t 500 -p 9 192.0.2.1
  assert_failure 1
  assert_stderr --partial "same-port-client: connect(tcp 192.0.2.1:9): EACCES (Permission denied)"
  assert_stderr --partial "same-port-client: why: a local rule refused it: a prohibit route to that address (ip route add prohibit ...; ip(7)), a security module (Landlock, AppArmor, SELinux) or a seccomp filter; this program cannot tell which"
  assert_stderr --partial "same-port-client: connect(udp 192.0.2.1:9): EACCES (Permission denied)"
  assert_stderr --partial "same-port-client: why: a local rule refused it: a prohibit route to that address (ip route add prohibit ...; ip(7)), a broadcast address without SO_BROADCAST, a security module"
}

# The tour's own words name the port its servers really hold: in the
# primer's picture, every "TCP N" or "UDP N" it says is the port the
# --tcp-only server became ready on (it once named the port of the server
# it had just stopped).
@test "the tour's two-process picture names the port the two servers hold" {
  run --separate-stderr env PORTLAB_BIN="$BIN" NO_COLOR=1 "$BATS_TEST_DIRNAME/../demos/tour.sh" same-port
  assert_success
  local port said picture
  port=$(sed -n 's/^  tcp  *| ready on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' <<<"$output")
  [ -n "$port" ] || fail "no ready line of the --tcp-only server in the tour"
  picture=$(sed -n "/^The primer's own picture/,/^Two different pids/p" <<<"$output" | grep -v '^  ')
  said=$(grep -oE '(TCP|UDP) [0-9]+' <<<"$picture" | awk '{ print $2 }' | sort -u)
  [ -n "$said" ] || fail "the tour's picture names no port: $picture"
  assert_equal "$said" "$port"
}
