#!/usr/bin/env bats
# The privileged demo: ports below the kernel's threshold need privilege to
# bind, not to reach. Tests that need an ordinary user run as nobody inside a
# private network namespace: a fresh namespace has the default threshold
# (1024) whatever the host has, and its port 23 is free.
load helpers


THRESHOLD=net/ipv4/ip_unprivileged_port_start
HOST_THRESHOLD=$(cat /proc/sys/$THRESHOLD 2>/dev/null || true)

# start_port23: privileged-server serving port 23 in a namespace of its own;
# sets ns23 to a pid to enter it by (netns_of). As root, root binds it and
# drops to nobody. An ordinary user has no real uid to drop to: there nobody
# binds it under a threshold lowered (in that namespace) for the bind alone,
# then put back to the default, 1024, for the clients.
start_port23() {
  if netns_as_root; then
    start_server --via netns_run privileged-server -p 23
    ns23=$server_pid
    return
  fi
  namespace_holder ns
  ns23=$ns_pid
  (netns_of "$ns23" sh -c "echo 0 > /proc/sys/$THRESHOLD")
  start_server --via "netns_of $ns23 --nobody" privileged-server -p 23
  (netns_of "$ns23" sh -c "echo 1024 > /proc/sys/$THRESHOLD")
}

@test "as nobody, TCP and UDP binds of port 23 fail with EACCES, explained; exit 1" {
  need_netns
  run --separate-stderr netns_run --nobody "$BIN/privileged-server" -p 23
  assert_failure 1
  assert_stderr --partial "privileged-server: bind(tcp 0.0.0.0:23): EACCES (Permission denied)"
  assert_stderr --partial "privileged-server: bind(udp 0.0.0.0:23): EACCES (Permission denied)"
  assert_stderr --partial "why: the same rule, for the other protocol: TCP and UDP ports need the same privilege"
  assert_stderr --partial "why: port 23 is below 1024, the kernel's threshold: binding it needs privilege. (The threshold is net.ipv4.ip_unprivileged_port_start, read from /proc/sys/net/ipv4/ip_unprivileged_port_start.)"
  assert_stderr --partial "why: this process runs as uid 65534 (nobody) and does not hold CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  if netns_as_root; then
    assert_stderr --partial "why: ways out: run it as root (sudo), grant just this right (sudo setcap cap_net_bind_service=+ep $BIN/privileged-server), or use a port at or above 1024"
  else
    # An ordinary user's "nobody" lives in a user namespace below the one that
    # owns the network namespace: setcap or sudo there would not count.
    assert_stderr --partial "why: not setcap: our user namespace (one made by unshare -r, say) neither owns this network namespace nor is an ancestor of its owner"
  fi
  assert_line "we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
}

@test "as nobody, the threshold is the line: 1023 is refused, 1024 is not" {
  need_netns
  run --separate-stderr netns_run --nobody "$BIN/privileged-server" -p 1023
  assert_failure 1
  assert_stderr --partial "bind(tcp 0.0.0.0:1023): EACCES"
  start_server --via 'netns_run --nobody' privileged-server -p 1024
  run server_log
  assert_line "tcp bound to 0.0.0.0:1024"
  assert_line "udp bound to 0.0.0.0:1024"
  assert_line "allowed because port 1024 is at or above the threshold 1024, so no privilege is needed"
  refute_line --partial "dropping root"
}

@test "as nobody with the threshold lowered in the namespace, port 23 binds, and the threshold is why" {
  need_netns
  start_server --via "netns_run --sysctl $THRESHOLD=0 --nobody" privileged-server -p 23
  run server_log
  assert_line "the kernel's rule here: binding a port below 0 needs privilege (net.ipv4.ip_unprivileged_port_start, read from /proc/sys/net/ipv4/ip_unprivileged_port_start)"
  assert_line "tcp bound to 0.0.0.0:23"
  assert_line "allowed because port 23 is at or above the threshold 0, so no privilege is needed (a lowered threshold, common inside containers)"
  # The host's own threshold was not touched.
  [ "$(cat /proc/sys/$THRESHOLD)" = "$HOST_THRESHOLD" ]
}

@test "as root: port 23 binds, root is dropped, the held port still serves, a new low bind fails" {
  need_netns
  need_real_root "privileged-server, started as root, becomes nobody (setuid): a real uid change"
  start_server --via netns_run privileged-server -p 23
  run server_log
  assert_line "allowed because we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does"
  assert_line "dropping root now that the ports are bound: becoming nobody"
  assert_line "we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  # The new low bind's refusal is the lesson: narrated as expected, on
  # stdout, never in the error form.
  assert_line "as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES (Permission denied)"
  assert_line "why: we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  refute_line --partial "privileged-server: bind("
  run server_err
  assert_output ""
  run server_log
  assert_line "ready on 0.0.0.0:23 (tcp+udp)"
  run --separate-stderr netns_of "$server_pid" --nobody "$BIN/privileged-client" -s 0
  assert_success
  assert_line --regexp "^reply: privileged-server pid $server_pid, uid 65534 \(nobody\): you reached tcp port 23 from 127\.0\.0\.1:[0-9]+$"
}

@test "the client as nobody reaches port 23, but binding source port 1023 fails with EACCES" {
  need_netns
  start_port23
  run --separate-stderr netns_of "$ns23" --nobody "$BIN/privileged-client"
  assert_failure 1
  assert_line "we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  assert_line --regexp "^connected: 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:23$"
  assert_line "reaching port 23 needed no privilege"
  # Step 2's refusal is the lesson: narrated as expected, on stdout; the
  # error form (and its stderr) is for real failures.
  assert_line "as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES (Permission denied)"
  assert_line "why: port 1023 is below 1024, the kernel's threshold: binding it needs privilege. (The threshold is net.ipv4.ip_unprivileged_port_start, read from /proc/sys/net/ipv4/ip_unprivileged_port_start.)"
  assert_line "why: we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  refute_line --partial "privileged-client: bind("
  assert_stderr ""
}

@test "a refusal the facts did not predict (a Landlock rule on a port above the threshold) stays a real error, on stderr" {
  local nobind
  need_nobind
  start_server privileged-server -p 0 -b 127.0.0.1
  run --separate-stderr "$nobind" "$BIN/privileged-client" -p "$server_port" -s 8080 127.0.0.1
  assert_failure 1
  assert_stderr --partial "privileged-client: bind(tcp 0.0.0.0:8080): EACCES (Permission denied)"
  refute_line --partial "as expected"
}

@test "the client as root binds source port 1023, and the server reports the privileged source port" {
  need_netns
  start_port23
  run --separate-stderr netns_of "$ns23" "$BIN/privileged-client" -s 1023
  assert_success
  assert_line "source port 1023 bound: allowed because we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does"
  assert_line "connected: 127.0.0.1:1023 -> 127.0.0.1:23"
  assert_line --partial "you reached tcp port 23 from 127.0.0.1:1023 (a privileged source port)"
  server_expect "^127\.0\.0\.1:1023 came from source port 1023, below 1024: old rsh/rlogin servers trusted that"
  server_expect "^that proves nothing today"
}

@test "any port works, with its IANA class named: 0 and ports of 1024 and up, as nobody" {
  need_netns
  namespace_holder ns
  start_server --via "netns_of $ns_pid --nobody" privileged-server -p 0 -b 127.0.0.1
  run server_log
  assert_line "asking for port 0, which means 'kernel, choose a free port for me'"
  assert_line "allowed because port $server_port is at or above the threshold 1024, so no privilege is needed"
  run --separate-stderr netns_of "$ns_pid" --nobody "$BIN/privileged-client" -p "$server_port" -s 0
  assert_success
  assert_line --regexp "^step 1: connect to port $server_port, in IANA's (user \(registered\) range 1024-49151|dynamic \(private\) range 49152-65535), from a port the kernel picks$"
  assert_line "step 2: what rsh and rlogin did: bind source port 0, which asks the kernel to choose, before connecting"
}

@test "without namespaces: as root on loopback, the server drops to nobody and serves" {
  need_real_root "privileged-server, started as root, becomes nobody (setuid): a real uid change" # (as an ordinary user: the next test)
  start_server privileged-server -p 0 -b 127.0.0.1
  run --separate-stderr "$BIN/privileged-client" -p "$server_port" -s 0
  assert_success
  assert_line --partial "uid 65534 (nobody): you reached tcp port $server_port"
}

@test "as an ordinary user without namespaces: a port below the threshold gives EACCES" {
  [ "$EUID" -ne 0 ] || skip "runs as an ordinary user only (root binds any port; see the namespace tests)"
  [ "$(cat /proc/sys/$THRESHOLD 2>/dev/null || echo 1024)" -gt 23 ] || skip "this host's threshold lets anyone bind 23"
  run --separate-stderr "$BIN/privileged-server" -p 23 -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "bind(tcp 127.0.0.1:23): EACCES (Permission denied)"
}

@test "-u names the user to become; an unknown user is bad usage, found before anything is bound (exit 2)" {
  # (timeout: a server that took the option would serve until stopped)
  run --separate-stderr timeout 10 "$BIN/privileged-server" -p 0 -b 127.0.0.1 -u no-such-user-here
  assert_failure 2
  assert_stderr "privileged-server: bad user 'no-such-user-here' for -u: this system has no such user; -h for help"
  assert_output "" # nothing narrated: nothing bound
}

@test "as nobody with just the capability (setcap), port 23 binds, the capability is why, and it is given up after" {
  need_netns
  command -v setcap >/dev/null || skip "setcap is not installed (Debian: libcap2-bin)"
  cp "$BIN/privileged-server" "$BIN/privileged-server-cap"
  if netns_as_root; then
    setcap cap_net_bind_service=+ep "$BIN/privileged-server-cap" 2>/dev/null ||
      skip "this file system does not keep file capabilities"
    start_server --via 'netns_run --nobody' privileged-server-cap -p 23
  else
    # An ordinary user sets the capability through a user namespace of its
    # own (a namespaced file capability, capabilities(7)), and runs the
    # program as nobody in a user namespace that owns its network namespace.
    unshare -r setcap cap_net_bind_service=+ep "$BIN/privileged-server-cap" 2>/dev/null ||
      skip "setcap was refused in a user namespace of our own (or this file system keeps no file capabilities)"
    start_server --via own_netns_as_nobody privileged-server-cap -p 23
  fi
  run server_log
  assert_line "we run as uid 65534 (nobody), holding CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  assert_line "tcp bound to 0.0.0.0:23"
  assert_line "allowed because we hold CAP_NET_BIND_SERVICE without being root (granted with setcap, or in a user namespace of our own)"
  refute_line --partial "dropping root"
  # ... and gives it up once its ports are bound.
  assert_line --partial "gave up CAP_NET_BIND_SERVICE now that the ports are bound: CapPrm, CapEff, CapInh and CapAmb read back as 0"
  assert_line "we run as uid 65534 (nobody), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  assert_line "as expected, the kernel refused: bind(tcp 0.0.0.0:1023): EACCES (Permission denied)"
  run grep '^CapEff:' "/proc/$server_pid/status"
  assert_output --regexp '^CapEff:[[:space:]]+0+$'
}

@test "-u with a uid-0 account is refused: dropping to root would keep root" {
  need_real_root "privileged-server started as root (a user namespace of one uid has no -u to honour)"
  need_netns
  run --separate-stderr netns_run "$BIN/privileged-server" -p 23 -u root
  assert_failure 1
  assert_stderr --partial "privileged-server: refusing to drop privileges to 'root': its uid is 0, so it would still be root"
  refute_output --partial "ready on"
  # An alias of root under another name (a private mount namespace's passwd;
  # an ordinary user's comes with a user namespace: -rm).
  sed 's/^root:/toor:/' /etc/passwd >"$BATS_TEST_TMPDIR/passwd"
  local m=-m
  netns_as_root || m=-rm
  run --separate-stderr unshare "$m" sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' sh \
    "$BATS_TEST_TMPDIR/passwd" unshare -n "$BIN/privileged-server" -p 23 -u toor
  assert_failure 1
  assert_stderr --partial "refusing to drop privileges to 'toor': its uid is 0"
}

@test "uid 0 without the capability (bounding set) gets EACCES, and the why names the capability, not the uid" {
  need_netns
  run --separate-stderr netns_run setpriv --bounding-set -net_bind_service "$BIN/privileged-server" -p 23
  assert_failure 1
  assert_line "we run as uid 0 (root), without CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  assert_stderr --partial "why: uid 0 is not what counts: the capability is, and this process lacks it"
  [[ $stderr != *"run it as root"* ]] || fail "told root to run it as root: $stderr"
}

@test "the capability in a user namespace that does not own the network namespace does not count" {
  unshare -r true 2>/dev/null || skip "user namespaces are not available here"
  run --separate-stderr unshare -r "$BIN/privileged-server" -p 23 -b 127.0.0.1
  assert_failure 1
  assert_line --partial "holding CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status) - but in a user namespace that neither owns this network namespace nor is an ancestor of its owner"
  assert_stderr --partial "but in a user namespace that neither owns this network namespace nor is an ancestor of its owner, so it does not count here"
  # setcap and sudo would not help there: not suggested; a network namespace of its own is.
  assert_stderr --partial "why: not setcap: our user namespace (one made by unshare -r, say) neither owns this network namespace"
  assert_stderr --partial "why: ways out: a network namespace of this user namespace's own (unshare -n)"
  [[ $stderr != *"sudo setcap"* ]] || fail "suggested setcap where it cannot help: $stderr"
  # With a network namespace of its own, the same capability counts (made
  # by nobody when we are root: root's own unshare -r would still be root).
  if netns_as_root; then
    namespace_holder inner "${NOBODY[@]}" -r || fail "could not make the user and network namespace"
    start_server --via "userns_of $inner_pid --nobody" privileged-server -p 23 -b 127.0.0.1
  else
    namespace_holder inner -r || fail "could not make the user and network namespace"
    start_server --via "userns_of $inner_pid" privileged-server -p 23 -b 127.0.0.1
  fi
  run server_log
  assert_line "tcp bound to 127.0.0.1:23"
}

@test "the threshold is read from the kernel, not assumed: raised to 2000, port 1500 needs privilege" {
  need_netns
  run --separate-stderr netns_run --sysctl net/ipv4/ip_unprivileged_port_start=2000 --nobody "$BIN/privileged-server" -p 1500 -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "why: port 1500 is below 2000, the kernel's threshold: binding it needs privilege. (The threshold is net.ipv4.ip_unprivileged_port_start"
}

@test "EACCES on a port above the threshold (a Landlock rule) is not blamed on the low-port rule" {
  local nobind
  need_nobind
  local threshold
  read -r threshold </proc/sys/net/ipv4/ip_unprivileged_port_start
  [ "$threshold" -le 8080 ] || skip "this machine's threshold is above 8080"
  run --separate-stderr "$nobind" "$BIN/privileged-server" -p 8080 -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "privileged-server: bind(tcp 127.0.0.1:8080): EACCES (Permission denied)"
  assert_stderr --partial "why: port 8080 is not below $threshold, the kernel's threshold, so the low-port rule did not refuse it: something else did - a security module (Landlock, AppArmor, SELinux) or a seccomp filter"
  [[ $stderr != *"binding it needs privilege"* ]] || fail "blamed the low-port rule: $stderr"
}

@test "a capability held in an ancestor user namespace counts: root entering only the network namespace of an unshare -rn process" {
  need_real_root "root of the first user namespace, entering another's network namespace only"
  need_netns
  namespace_holder inner -r || fail "could not make the user and network namespace"
  # nsenter --net only: we stay root of the initial user namespace, an
  # ancestor of the one that owns this network namespace.
  start_server --via "netns_of $inner_pid" privileged-server -p 23 -b 127.0.0.1
  run server_log
  assert_line "we run as uid 0 (root), holding CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  refute_line --partial "does not count"
  assert_line "tcp bound to 127.0.0.1:23"
  assert_line "allowed because we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does"
}

@test "EACCES below the threshold while holding CAP_NET_BIND_SERVICE (a Landlock rule): not blamed on the low-port rule, no setcap advice" {
  need_netns
  local nobind
  need_nobind
  run --separate-stderr netns_run "$nobind" "$BIN/privileged-server" -p 23 -b 127.0.0.1
  assert_failure 1
  assert_line "we run as uid 0 (root), holding CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status)"
  assert_stderr --partial "privileged-server: bind(tcp 127.0.0.1:23): EACCES (Permission denied)"
  assert_stderr --partial "why: port 23 is below 1024, the kernel's threshold, but this process holds CAP_NET_BIND_SERVICE (read from CapEff in /proc/self/status), which lifts that rule: something else refused - a security module (Landlock, AppArmor, SELinux) or a seccomp filter; which one, this program cannot tell"
  [[ $stderr != *"binding it needs privilege"* ]] || fail "blamed the low-port rule: $stderr"
  [[ $stderr != *"setcap"* ]] || fail "offered a right it already holds: $stderr"
}

@test "without CAP_NET_BIND_SERVICE in the bounding set, setcap is not suggested: such a program would not even start" {
  need_netns
  run --separate-stderr netns_run setpriv --bounding-set -net_bind_service "$BIN/privileged-server" -p 23 -b 127.0.0.1
  assert_failure 1
  assert_stderr --partial "why: not setcap: CAP_NET_BIND_SERVICE is missing from this process's bounding set (CapBnd in /proc/self/status), which its children inherit"
  assert_stderr --partial "why: ways out here: use a port at or above 1024, such as 8023; or a private user and network namespace (unshare -rn"
  [[ $stderr != *"sudo setcap"* ]] || fail "suggested setcap: $stderr"
  # The claim itself: a copy granted the capability cannot be run from there.
  command -v setcap >/dev/null || return 0
  cp "$BIN/privileged-server" "$BIN/privileged-server-cap"
  setcap cap_net_bind_service=+ep "$BIN/privileged-server-cap" 2>/dev/null || return 0
  run --separate-stderr netns_run setpriv --bounding-set -net_bind_service "$BIN/privileged-server-cap" -p 2000
  assert_failure 126
  assert_stderr --partial "Operation not permitted"
}

@test "uid 0 of a user namespace (unshare -rn) is not root: the server gives up its capabilities, keeps the uid, and says why" {
  # As root, nobody makes it; an ordinary user makes it himself.
  local as=() via outside=$EUID
  if netns_as_root; then as=("${NOBODY[@]}") outside=65534; fi
  ("${as[@]}" unshare -r true) 2>/dev/null || skip "this kernel does not let an ordinary user make a user namespace"
  namespace_holder userns "${as[@]}" -r || fail "could not make the user namespace"
  via="userns_of $userns_pid"
  if netns_as_root; then via+=" --nobody"; fi
  start_server --via "$via" privileged-server -p 23 -b 127.0.0.1
  run server_log
  assert_line "allowed because we hold CAP_NET_BIND_SERVICE (read from CapEff), as root usually does"
  assert_line "we are uid 0 in a user namespace, not the initial one (/proc/self/uid_map: uid 0 here is uid $outside outside): what makes it powerful is the capabilities it holds here, so we give those up and keep the uid"
  assert_line --partial "gave up every capability we held now that the ports are bound"
  refute_line --partial "dropping root"
  # Without its capabilities, a new low bind is refused - as expected.
  assert_line "as expected, the kernel refused: bind(tcp 127.0.0.1:1023): EACCES (Permission denied)"
  assert_line "ready on 127.0.0.1:23 (tcp+udp)"
  run grep -E '^(CapPrm|CapEff|NoNewPrivs):' "/proc/$server_pid/status"
  assert_line --regexp '^CapPrm:[[:space:]]+0+$'
  assert_line --regexp '^CapEff:[[:space:]]+0+$'
  assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
}

@test "every server started as root keeps neither root nor any capability once it is ready" {
  need_real_root "servers started as root become nobody (setuid): a real uid change"
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  local prog i=0 pid extra
  start_server --as dir --via "netns_of $ns_pid" rendezvous-directory -p 0 -b 127.0.0.1
  for prog in ephemeral-server same-port-server services-server restart-server wire-server rendezvous-server firewall-server nat-server; do
    i=$((i + 1)) extra=()
    [ "$prog" != rendezvous-server ] || extra=(-D "$dir_port")
    start_server --as "s$i" --via "netns_of $ns_pid" "$prog" -p 0 -b 127.0.0.1 "${extra[@]}"
    pid=s${i}_pid
    run grep -E '^(Uid|CapPrm|CapEff|NoNewPrivs):' "/proc/${!pid}/status"
    assert_line --regexp '^Uid:[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534[[:space:]]+65534$'
    assert_line --regexp '^CapPrm:[[:space:]]+0+$'
    assert_line --regexp '^CapEff:[[:space:]]+0+$'
    assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
    stop_server --as "s$i"
  done
  run grep -E '^Uid:' "/proc/$dir_pid/status"
  assert_output --regexp '^Uid:[[:space:]]+65534'
}

@test "root's own unshare -rn is still root (uid 0 outside): the server must become nobody there, and stops when it cannot" {
  need_real_root "root's own user namespace (unshare -r run by root)"
  unshare -r true 2>/dev/null || skip "user namespaces are not available here"
  # (timeout: a server that kept root would serve until stopped)
  run --separate-stderr timeout 10 unshare -rn sh -c 'ip link set lo up && exec "$@"' sh "$BIN/privileged-server" -p 23 -b 127.0.0.1
  assert_failure 1
  assert_line "we are uid 0 in a user namespace whose uid 0 is uid 0 outside too (/proc/self/uid_map): root's files are still ours, so we become nobody"
  assert_stderr --partial "privileged-server: why: this user namespace maps uid 0 to root outside (root ran unshare -r, say), and cannot make us nobody"
  refute_line --partial "ready on"
  refute_line --partial "keep the uid"
}

@test "-u with a user whose group is 0 is refused: root's group would stay ours" {
  need_real_root "servers started as root (a user namespace of one uid has no -u to honour)"
  need_netns
  # A user of group 0, in a private mount namespace's passwd.
  { cat /etc/passwd; echo 'gzero:x:4242:0:group zero:/nonexistent:/usr/sbin/nologin'; } >"$BATS_TEST_TMPDIR/passwd"
  local prog
  for prog in privileged-server same-port-server; do
    run --separate-stderr unshare -m sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' sh \
      "$BATS_TEST_TMPDIR/passwd" timeout 10 unshare -n "$BIN/$prog" -p 0 -u gzero
    assert_failure 1
    assert_stderr --partial "$prog: refusing to drop privileges to 'gzero': its group is 0 (root's), whose files would stay ours"
    refute_output --partial "ready on"
  done
}

@test "a descriptor inherited from root (exec 7</etc/shadow) is closed before a server gives up root" {
  need_real_root "servers started as root become nobody (setuid): a real uid change"
  need_netns
  namespace_holder ns || fail "could not make a network namespace"
  # What root's shell opened and handed down: a file only root may read.
  echo secret >"$BATS_TEST_TMPDIR/secret"
  chmod 600 "$BATS_TEST_TMPDIR/secret"
  printf '#!/bin/sh\nexec 7<"%s"\nexec "$@"\n' "$BATS_TEST_TMPDIR/secret" >"$BATS_TEST_TMPDIR/with7"
  chmod 755 "$BATS_TEST_TMPDIR/with7"
  local prog as pid
  for prog in privileged-server same-port-server; do
    as=${prog//-/_}
    start_server --as "$as" --via "netns_of $ns_pid" --via "$BATS_TEST_TMPDIR/with7" "$prog" -p 0 -b 127.0.0.1
    pid=${as}_pid pid=${!pid}
    run grep -E '^Uid:' "/proc/$pid/status"
    assert_output --regexp '^Uid:[[:space:]]+65534'
    [ ! -e "/proc/$pid/fd/7" ] || fail "$prog still holds fd 7 ($(readlink "/proc/$pid/fd/7")) as nobody"
    stop_server --as "$as"
  done
  run server_log privileged_server
  assert_line "closed 1 descriptor we inherited: what root opened for us would outlive the drop"
}
