#!/usr/bin/env bats
# The wire demo: both ports, as bytes in the packet; a source port is only a
# claim. Packet and raw sockets need CAP_NET_RAW: these tests run as root in a
# private network namespace each (so the server sees only the test's own
# packets), and as nobody with and without a user namespace of its own.
load helpers

setup() {
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
}

in_ns() { run --separate-stderr netns_of "$ns_pid" "$BIN/$1" "${@:2}"; }

# hex PORT: the port as the two bytes the header holds, "9c 4e".
hex() { printf '%02x %02x' $(($1 >> 8)) $(($1 & 255)); }

@test "the ports in the packets are the ports the ends used: a source port the test picks, TCP and UDP, and the replies swapped" {
  find_free_port
  local src=$free_port
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -l "$src" -s 0 -p "$server_port" 127.0.0.1
  assert_success
  assert_line "tcp: our end is 127.0.0.1:$src: the kernel writes $src into the source-port field of each segment we send"
  assert_line "udp reply: wire-server: your udp packets said source port $src"
  local s d
  s=$(hex "$src") d=$(hex "$server_port")
  server_expect "^udp datagram of 6 bytes from 127\.0\.0\.1:$src: "
  server_expect "^wire: udp 127\.0\.0\.1:$server_port -> 127\.0\.0\.1:$src: "
  run server_log
  # The handshake: SYN from our port, SYN-ACK back with the two fields swapped.
  assert_line --regexp "^wire: tcp SYN 127\.0\.0\.1:$src -> 127\.0\.0\.1:$server_port: header \[$s\] \[$d\] .*: source port $s = $src, destination port $d = $server_port$"
  assert_line --regexp "^wire: tcp SYN-ACK 127\.0\.0\.1:$server_port -> 127\.0\.0\.1:$src: header \[$d\] \[$s\] "
  assert_line --regexp "^wire: tcp PSH-ACK 127\.0\.0\.1:$server_port -> 127\.0\.0\.1:$src: "
  assert_line --regexp "^wire: tcp FIN-ACK 127\.0\.0\.1:$server_port -> 127\.0\.0\.1:$src: "
  assert_line --regexp "^wire: udp 127\.0\.0\.1:$src -> 127\.0\.0\.1:$server_port: header \[$s\] \[$d\] 00 0e [0-9a-f]{2} [0-9a-f]{2}: source port $s = $src, destination port $d = $server_port$"
  # Nothing but our port, and each loopback packet once (not going out and coming in).
  [ "$(grep -c "^wire: tcp SYN " <<<"$output")" -eq 1 ] || fail "the SYN was shown $(grep -c "^wire: tcp SYN " <<<"$output") times"
  ! grep '^wire: ' <<<"$output" | grep -v -e ":$server_port -> " -e "-> 127.0.0.1:$server_port: " || fail "a packet of another port was shown"
}

# All eight flag bits have names (RFC 3168 adds ECE 0x40 and CWR 0x80): with
# tcp_ecn=1 (the namespace's own) the SYN's byte 13 is c2, tcpdump's [SEW].
@test "TCP flags: all eight bits named - an ECN SYN (byte 13 c2) is SYN-ECE-CWR" {
  (netns_of "$ns_pid" sh -c 'echo 1 > /proc/sys/net/ipv4/tcp_ecn') || skip "tcp_ecn is not writable in the namespace"
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -s 0 -p "$server_port" 127.0.0.1
  assert_success
  server_expect "^wire: udp 127\.0\.0\.1:$server_port -> "
  run server_log
  assert_line --regexp "^wire: tcp SYN-ECE-CWR 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$server_port: header \[[0-9a-f ]+\] \[[0-9a-f ]+\]( [0-9a-f]{2}){8} a0 c2 "
  refute_line --regexp "^wire: tcp SYN 127"
}

@test "a forged source port: the server sees the port the client wrote, as bytes and in decimal, and answers it there" {
  # -s: a port another program holds (a same-port server's), which the client never bound.
  start_server --as other --via "netns_of $ns_pid" same-port-server -p 0 -b 127.0.0.1
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -s "$other_port" -p "$server_port" 127.0.0.1
  assert_success
  local s
  s=$(hex "$other_port")
  assert_line --regexp "^raw udp: our own header: \[$s\] \[$(hex "$server_port")\] 00 27 [0-9a-f]{2} [0-9a-f]{2} = source port $other_port \(written by us, bound by nobody\), destination port $server_port, length 39, checksum [0-9a-f]{4}$"
  assert_line "raw udp: sent; the server's reply goes to port $other_port, the one our header claims"
  server_expect "^wire: udp 127\.0\.0\.1:$other_port -> 127\.0\.0\.1:$server_port: header \[$s\] .*: source port $s = $other_port, destination port .* = $server_port$"
  server_expect "^udp datagram of 31 bytes from 127\.0\.0\.1:$other_port: replied to port $other_port, the source port in its header$"
  # The reply went to the other program's port: it arrived there, as a datagram it did not ask for.
  server_expect "^wire: udp 127\.0\.0\.1:$server_port -> 127\.0\.0\.1:$other_port: "
  server_expect --as other "^udp datagram of [0-9]+ bytes from 127\.0\.0\.1:$server_port: replying$"
}

@test "the reply to a forged port 23: the raw socket is handed a copy (raw(7)); nobody is bound there, so the kernel answers with ICMP port-unreachable" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -s 23 -p "$server_port" 127.0.0.1
  assert_success
  assert_line "raw udp: a copy of the reply reached our raw socket: header [$(hex "$server_port")] [00 17] = source port $server_port, destination port 23 (a raw socket of protocol UDP bound to our address is handed a copy of every UDP datagram to that address, raw(7))"
  assert_line "raw udp: the UDP layer gives the reply itself only to a UDP socket bound to port 23; if there is none, it drops it and answers the sender (the server) with ICMP port-unreachable"
  # The ICMP port-unreachable is counted by the namespace's kernel (OutDestUnreachs).
  run netns_of "$ns_pid" cat /proc/net/snmp
  local unreach
  unreach=$(awk '/^Icmp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "OutDestUnreachs") c = i; h = 1 } else print $c }' <<<"$output")
  [ "$unreach" -ge 1 ] || fail "no ICMP destination-unreachable was sent (OutDestUnreachs $unreach)"
}

@test "the client keeps no privilege once its raw socket is open: root (or the namespace's uid 0) gives it up, and the copy of the reply still arrives" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -s 23 -p "$server_port" 127.0.0.1
  assert_success
  assert_line --regexp "^raw udp: socket open, so we gave up (root and )?every capability: sending needs none$"
  assert_line --partial "raw udp: a copy of the reply reached our raw socket"
}

@test "IPv6: the same bytes, and a checksum over IPv6's pseudo-header that the receiver accepts" {
  (netns_of "$ns_pid" sh -c 'grep -q "^0\{31\}1 " /proc/net/if_inet6') || skip "no IPv6 loopback in the namespace"
  start_server --via "netns_of $ns_pid" wire-server -6 -p 0 -b ::1
  in_ns wire-client -6 -s 23 -p "$server_port" ::1
  assert_success
  server_expect "^wire: udp \[::1\]:23 -> \[::1\]:$server_port: header \[00 17\] "
  # Delivered to the server's socket: the kernel checked the checksum first.
  server_expect "^udp datagram of 31 bytes from \[::1\]:23: replied to port 23"
  run server_log
  assert_line --regexp "^wire: tcp SYN \[::1\]:[0-9]+ -> \[::1\]:$server_port: "
}

@test "as nobody, without a namespace of its own: exit 1, naming CAP_NET_RAW and the ways out; the client's ordinary steps still work" {
  start_server --via "netns_of $ns_pid" same-port-server -p 0 -b 127.0.0.1
  run --separate-stderr netns_of "$ns_pid" --nobody "$BIN/wire-server" -p 0
  assert_failure 1
  assert_stderr --partial "wire-server: socket(packet): EPERM (Operation not permitted)"
  assert_stderr --partial "so the kernel asks for CAP_NET_RAW"
  assert_stderr --partial "wire-server: why: this process runs as uid 65534 (nobody) and does not hold CAP_NET_RAW (read from CapEff in /proc/self/status)"
  assert_stderr --partial "unshare -rn"
  run --separate-stderr netns_of "$ns_pid" --nobody "$BIN/wire-client" -p "$server_port" 127.0.0.1
  assert_failure 1
  assert_line --partial "tcp reply: same-port-server"
  assert_line --partial "udp reply: same-port-server"
  assert_stderr --partial "wire-client: socket(raw udp 127.0.0.1:$server_port): EPERM (Operation not permitted)"
}

@test "as nobody in a user and network namespace of its own (unshare -rn): it works, with no sudo" {
  # As root, nobody makes it; an ordinary user makes it himself.
  local as=() user
  user=$(id -un)
  if netns_as_root; then as=("${NOBODY[@]}") user=nobody; fi
  ("${as[@]}" unshare -r true) 2>/dev/null ||
    skip "this kernel does not let an ordinary user make a user namespace"
  namespace_holder userns "${as[@]}" -r || fail "could not make the user namespace"
  start_server --via "userns_of $userns_pid --nobody" wire-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "we are uid 0 in a user namespace, not the initial one (/proc/self/uid_map: uid 0 here is uid 65534 outside): what makes it powerful is the capabilities it holds here, so we give those up and keep the uid"
  assert_line --partial "gave up every capability we held now that the ports are bound: CapPrm, CapEff, CapInh and CapAmb read back as 0 from /proc/self/status"
  run --separate-stderr userns_of "$userns_pid" --nobody "$BIN/wire-client" -s 23 -p "$server_port" 127.0.0.1
  assert_success
  server_expect "^wire: udp 127\.0\.0\.1:23 -> 127\.0\.0\.1:$server_port: header \[00 17\] "
  # It was that ordinary user all along, seen from outside the namespace.
  [ "$(stat -c %U "/proc/$server_pid")" = "$user" ] || fail "the server did not run as $user"
}

@test "forging the server's own port: the client says no answer will come, and the server answers nothing (no loop with itself)" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1 -n 20
  in_ns wire-client -s "$server_port" -p "$server_port" 127.0.0.1
  assert_success
  assert_line "raw udp: sent; from the server's own port: portlab's servers do not answer it (the answer would go to that port, the server's own, and could loop)"
  server_expect "^not answering 127\.0\.0\.1:$server_port: 1 datagram in 1 s: its source is a port we hold, at an address of this host: "
  run --separate-stderr netns_of "$ns_pid" "$BIN/same-port-client" -p "$server_port" 127.0.0.1
  assert_success
}

@test "bad usage: -s and -l take a port, else exit 2" {
  run --separate-stderr "$BIN/wire-client" -s 65536
  assert_failure 2
  assert_stderr --partial "-s: '65536' is not a port (0-65535)"
  run --separate-stderr "$BIN/wire-client" -l 0
  assert_failure 2
}

# The live figure: wire-client draws step 3's UDP header with that packet's
# real bytes, checked like a transcript against what the client narrated
# and what the server's packet socket saw on the wire.
@test "the live figure: step 3's UDP header drawn with the bytes the client narrated and the server saw, each field decoded; PORTLAB_NO_FIGURE=1 leaves it out" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  in_ns wire-client -s 23 -p "$server_port" 127.0.0.1
  assert_success
  local re bytes sum seen
  re='^raw udp: our own header: \[(.. ..)\] \[(.. ..)\] (.. ..) (.. ..) = source port 23 .*, length 39, checksum ([0-9a-f]{4})$'
  [[ $(grep '^raw udp: our own header' <<<"$output") =~ $re ]] || fail "no header narrated: $output"
  bytes="${BASH_REMATCH[1]} | ${BASH_REMATCH[2]} | ${BASH_REMATCH[3]} | ${BASH_REMATCH[4]}"
  sum=${BASH_REMATCH[5]}
  seen="\[${BASH_REMATCH[1]}\] \[${BASH_REMATCH[2]}\] ${BASH_REMATCH[3]} ${BASH_REMATCH[4]}"
  assert_equal "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}" "00 17 $(hex "$server_port")"
  # The figure is the client's last lines, in this order, within 60 columns
  # (72 in the tour, behind its label), each beginning with a space (a
  # figure's line: never wrapped, narrate.h).
  local fig
  fig=$(sed -n '/^figure: /,$p' <<<"$output")
  assert_equal "$fig" "figure: step 3's UDP header, as sent
  0  1   2  3   4  5   6  7   (bytes)
 +------+------+------+------+
 |${bytes//' | '/' |'} |
 +------+------+------+------+
   |      |      |      +-- checksum $sum
   |      |      +--------- length 39: 8 header + 31 data
   |      +---------------- destination port $server_port
   +----------------------- source port 23, written by us"
  ! awk 'length($0) > 60 || /[^ -~]/' <<<"$fig" | grep . || fail "a figure line is wider than 60 columns or not plain ASCII"
  # At 40 columns the narration wraps to 40, but the figure is drawn whole.
  run_raw --separate-stderr netns_of "$ns_pid" env COLUMNS=40 "$BIN/wire-client" -s 23 -p "$server_port" 127.0.0.1
  assert_success
  assert_equal "$(sed -n '/^figure: /,$p' <<<"$output")" "$fig"
  ! sed '/^figure: /,$d' <<<"$output" | awk 'length($0) > 40' | grep . || fail "a line is wider than 40 columns"
  # The server's packet socket saw the same 8 bytes on the wire.
  server_expect "^wire: udp 127\.0\.0\.1:23 -> 127\.0\.0\.1:$server_port: header $seen: "
  run --separate-stderr netns_of "$ns_pid" env PORTLAB_NO_FIGURE=1 "$BIN/wire-client" -s 23 -p "$server_port" 127.0.0.1
  assert_success
  assert_line --partial "raw udp: our own header:"
  refute_output --partial "figure:"
}

@test "granted CAP_NET_RAW as a file capability and run as nobody, it keeps no capability once ready" {
  command -v setcap >/dev/null || skip "setcap is not installed (Debian: libcap2-bin)"
  cp "$BIN/wire-server" "$BIN/wire-server-cap"
  if ! netns_as_root; then
    # An ordinary user: setcap from a user namespace of its own, the program
    # as nobody in a user namespace below it, owning its network namespace.
    unshare -r setcap cap_net_raw+ep "$BIN/wire-server-cap" 2>/dev/null ||
      skip "setcap was refused in a user namespace of our own (or this file system keeps no file capabilities)"
    start_server --via own_netns_as_nobody wire-server-cap -p 0 -b 127.0.0.1
    run server_log
    assert_line --partial "gave up CAP_NET_RAW now that the ports are bound: CapPrm, CapEff, CapInh and CapAmb read back as 0"
    run grep -E '^(CapPrm|CapEff)' "/proc/$server_pid/status"
    assert_line --regexp '^CapPrm:[[:space:]]+0+$'
    return
  fi
  setcap cap_net_raw+ep "$BIN/wire-server-cap" 2>/dev/null || skip "this file system does not keep file capabilities"
  start_server --via "netns_of $ns_pid --nobody" wire-server-cap -p 0 -b 127.0.0.1
  run server_log
  assert_line --partial "gave up CAP_NET_RAW now that the ports are bound: CapPrm, CapEff, CapInh and CapAmb read back as 0"
  run grep -E '^(CapPrm|CapEff|CapAmb|NoNewPrivs):' "/proc/$server_pid/status"
  assert_line --regexp '^CapPrm:[[:space:]]+0+$'
  assert_line --regexp '^CapEff:[[:space:]]+0+$'
  assert_line --regexp '^CapAmb:[[:space:]]+0+$'
  assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
  # The packet socket it opened still shows its packets.
  in_ns wire-client -p "$server_port" 127.0.0.1
  server_expect "^wire: tcp SYN 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$server_port: "
}

@test "started as root, it gives up root too: nobody by default, or the user -u names" {
  need_real_root "wire-server, started as root, becomes nobody (setuid): a real uid change"
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "dropping root now that the ports are bound: becoming nobody"
  run grep -E '^(Uid|CapPrm|CapEff):' "/proc/$server_pid/status"
  assert_line --regexp '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$'
  assert_line --regexp '^CapPrm:[[:space:]]+0+$'
  in_ns wire-client -p "$server_port" 127.0.0.1
  server_expect "^wire: tcp SYN 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$server_port: "
  stop_server
  local daemon_uid
  daemon_uid=$(id -u daemon 2>/dev/null) || return 0
  start_server --as d --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1 -u daemon
  run grep -E '^Uid:' "/proc/$d_pid/status"
  assert_output --regexp "^Uid:[[:space:]]+${daemon_uid}[[:space:]]"
}

@test "bound to one address, it shows only that address's packets, not another program's on the same port number" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.2
  # Another server on the same port number, on 127.0.0.1, and a client of it.
  start_server --as other --via "netns_of $ns_pid" same-port-server -p "$server_port" -b 127.0.0.1
  in_ns same-port-client -p "$server_port" 127.0.0.1
  assert_success
  # Then our own client: once its packets are shown, the earlier ones were seen too.
  in_ns wire-client -p "$server_port" 127.0.0.2
  server_expect "^wire: tcp FIN-ACK 127\.0\.0\.2:$server_port -> "
  server_expect "^wire: udp 127\.0\.0\.2:$server_port -> "
  run server_log
  refute_line --partial "127.0.0.1:$server_port"
}

@test "stopped by a signal, the server first shows the packets its socket already holds" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  # Held still, the server cannot read; the kernel completes a handshake all
  # the same, and its packet socket queues the three packets. The stop and
  # the packets are then there together when it wakes.
  kill -STOP "$server_pid" || fail "could not stop the server"
  local i state=''
  for ((i = 0; i < 200; i++)); do
    state=$(grep '^State:' "/proc/$server_pid/status" 2>/dev/null) || true
    [[ $state != *'T ('* ]] || break
    _proc_pause 10000
  done
  [[ $state == *'T ('* ]] || fail "the server was not held still: $state"
  # shellcheck disable=SC2016 # the script is for the inner shell
  (netns_of "$ns_pid" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' bash "$server_port") ||
    fail "could not connect while the server was stopped"
  kill -TERM "$server_pid"
  kill -CONT "$server_pid"
  stop_server
  assert_equal "$server_status" 0
  run server_log
  assert_line --regexp "^wire: tcp SYN 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$server_port: "
  # ... and before its closing line.
  [[ ${lines[-1]} == "stopping on SIGTERM after 0 exchanges" ]] || fail "last line: ${lines[-1]}"
}

# The packet socket is the one thing wire-server keeps: a descriptor taken
# from it (pidfd_getfd(2), as a process that may trace it can) hears only
# the server's own port, and its filter cannot be taken off.
@test "a descriptor taken from wire-server hears only its port: another port's datagram never reaches it, its filter is locked, it is bound to lo" {
  STEAL=$BATS_TEST_DIRNAME/../build/tools/steal
  [ -x "$STEAL" ] || fail "no $STEAL: run make test (it builds the test tools)"
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "packet socket narrowed: a locked filter in the kernel passes it only TCP and UDP packets of port $server_port, and it listens on lo alone"
  assert_line "what we keep beyond ordinary sockets: that packet socket; its holder could still send a packet of its own making, or make it listen on every interface"
  # Its packet socket: the one in the namespace's /proc/net/packet, and
  # bound to the loopback interface (its index, from /sys).
  local inode iface fd f lo
  read -r inode iface < <(netns_of "$ns_pid" awk 'NR > 1 { print $9, $5 }' /proc/net/packet)
  lo=$(netns_of "$ns_pid" cat /sys/class/net/lo/ifindex)
  assert_equal "$iface" "$lo"
  for f in /proc/"$server_pid"/fd/*; do [ "$(readlink "$f")" != "socket:[$inode]" ] || fd=${f##*/}; done
  [ -n "${fd:-}" ] || fail "no descriptor of wire-server's is the packet socket $inode"
  proc_start thief netns_of "$ns_pid" "$STEAL" "$server_pid" "$fd" 5000
  proc_expect thief '^detach: ' || fail "steal took nothing: $(server_err thief)"
  assert_equal "$proc_line" "detach: EPERM"
  # The two share one socket, whose packets go to whichever reads first:
  # the server is held still (SIGSTOP) while the thief reads. Another
  # port's datagram first, then one to the server's port: when the second
  # has arrived, the first would have.
  kill -STOP "$server_pid"
  (netns_of "$ns_pid" bash -c "echo secret >/dev/udp/127.0.0.1/9 && echo hello >/dev/udp/127.0.0.1/$server_port") ||
    { kill -CONT "$server_pid"; fail "could not send the datagrams"; }
  proc_expect thief "^packet: udp [0-9]+ -> $server_port$" || { kill -CONT "$server_pid"; fail "the datagram to the server's port did not reach the taken socket"; }
  kill -CONT "$server_pid"
  proc_stop thief
  run cat "$PROC_DIR/thief/out"
  refute_line --regexp ' -> 9$'
  refute_line "packet: other"
}

@test "a flood of its own port's packets is counted, not shown: at most 100 wire: lines a second, and how many were held back in one line" {
  start_server --via "netns_of $ns_pid" wire-server -p 0 -b 127.0.0.1
  run netns_of "$ns_pid" "$BATS_TEST_DIRNAME/../build/tools/poke" blast 300 127.0.0.1 "$server_port"
  assert_success
  server_expect "^wire: [0-9]+ more packets of our port in that second, not shown \(at most 100 lines a second\)$" ||
    fail "the held-back packets were not counted"
  local held=${server_line#wire: } shown
  held=${held%% *}
  stop_server
  shown=$(server_log | grep -c '^wire: udp ')
  # The blast spans one or two of the server's seconds: 100 lines each at most.
  [ "$shown" -le 200 ] || fail "$shown wire: lines for one blast"
  [ "$held" -gt 0 ] || fail "nothing held back: $server_line"
}
