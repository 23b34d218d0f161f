#!/usr/bin/env bats
# exercise: in a scan, make services-client print each refused port with the name /etc/services gives it
# lesson: docs/services.md
# edit: demos/services/client.c
# programs: same-port-server services-client
load ../helpers
load lib

# The scan runs in a namespace of the check's own, where /etc/services is a
# file the check makes up (new names, new ports, each run), where nothing
# listens but the server the check starts there, and where a firewall rule
# drops the SYNs to one port (nft): connect() fails there too, silent, not
# refused.
setup() {
  [ -e /etc/services ] || skip "no /etc/services on this system (Debian: the netbase package)"
  command -v nft >/dev/null ||
    fail "cannot check here: nft is not installed (apt-get install nftables); the check drops one port's SYNs with it, to make a silent port"
  local roles=(named open udp_only unlisted silent) i j r
  base=$((20000 + RANDOM % 40000))
  # Five ports in a row, each with a part of its own, in an order new each
  # run: named (refused, named for TCP), open (named), udp_only (refused,
  # named for UDP only), unlisted (refused, no entry), silent (dropped,
  # named for TCP: naming every failed connect() would name it too).
  for ((i = ${#roles[@]} - 1; i > 0; i--)); do
    j=$((RANDOM % (i + 1))) r=${roles[i]}
    roles[i]=${roles[j]} roles[j]=$r
  done
  for i in "${!roles[@]}"; do printf -v "${roles[i]}" %s $((base + i)); done
  name1=pl$RANDOM name2=pl$RANDOM name3=pl$RANDOM name4=pl$RANDOM
  printf '%s\t%s/tcp\n%s\t%s/tcp\n%s\t%s/udp\n%s\t%s/tcp\n' "$name1" "$named" "$name2" "$open" \
    "$name3" "$udp_only" "$name4" "$silent" >"$BATS_TEST_TMPDIR/services"
  # The kernel's ephemeral range above the scanned ports: a client's own
  # port can never be one it scans (a connect() to itself would be "open").
  ex_namespace --range 61000-65000 --services "$BATS_TEST_TMPDIR/services"
  (ex_in nft -f -) <<NFT || fail "nft refused the check's rule"
table inet check {
  chain input {
    type filter hook input priority 0;
    tcp dport $silent drop
  }
}
NFT
}

@test "each refused port is named as /etc/services names it, an open or a silent one is not called refused, and the summary counts each" {
  start_server --via ex_in same-port-server --tcp-only -p "$open" -b 127.0.0.1
  run --separate-stderr ex_user "$BIN/services-client" -t 300 -r "$base-$((base + 4))" 127.0.0.1
  [ "$status" -eq 0 ] || hint "the scan failed: ${stderr%%$'\n'*}"
  grep -qx "$named/tcp refused: /etc/services says $name1" <<<"$output" ||
    hint "the kernel refused port $named (nothing listens there), and the /etc/services this check made up names it $name1: say \"$named/tcp refused: /etc/services says $name1\" where connect() says ECONNREFUSED (services_name() reads the file: never write names in)"
  grep -qx "$unlisted/tcp refused: /etc/services says nothing" <<<"$output" ||
    hint "the kernel refused port $unlisted, which /etc/services does not list: say \"$unlisted/tcp refused: /etc/services says nothing\""
  grep -qx "$udp_only/tcp refused: /etc/services says nothing" <<<"$output" ||
    hint "the kernel refused port $udp_only, which /etc/services lists for UDP only ($name3): for a TCP scan say \"$udp_only/tcp refused: /etc/services says nothing\""
  server_expect '^tcp connection from' ||
    hint "the server listening on port $open saw no connection: the scan should still connect to each port"
  ! grep -q "^$open/tcp refused" <<<"$output" ||
    hint "port $open was open (the server there logged the scan's connection), yet the scan called it refused: say it only where connect() said ECONNREFUSED"
  ! grep -q "^$silent/tcp refused" <<<"$output" ||
    hint "port $silent was silent (a firewall dropped the SYN: connect() timed out, no ECONNREFUSED), yet the scan called it refused: print the line only when the error is ECONNREFUSED"
  grep -q "^1 open, 3 refused, 1 silent in $base-$((base + 4)) " <<<"$output" ||
    hint "the summary should count 1 open, 3 refused and 1 silent (the kernel refused 3 of the 5 ports, a firewall dropped 1): $(grep ' in [0-9]*-[0-9]* on ' <<<"$output")"
}
