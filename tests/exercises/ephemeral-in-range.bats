#!/usr/bin/env bats
# exercise: make ephemeral-server say whether each client's source port lies in the kernel's ephemeral range
# lesson: docs/ephemeral.md
# edit: demos/ephemeral/server.c
# programs: ephemeral-server ephemeral-client
load ../helpers
load lib

# The check sets a range of its own, a new one each run, in a namespace of
# its own: only a server that reads the range can name it.
setup() {
  lo=$((20000 + RANDOM % 20000)) hi=$((lo + 500 + RANDOM % 500))
  below=$((lo - 1 - RANDOM % 5000)) above=$((hi + 1 + RANDOM % 3000))
  ex_namespace --range "$lo-$hi"
}

# said PORT WORD OTHER WHY: the server's log says PORT is WORD the range, never OTHER.
said() {
  grep -q "source port $1 is $2 the kernel's ephemeral range $lo-$hi" <<<"$log" ||
    hint "the client's source port was $1 ($4), and the server did not say \"source port $1 is $2 the kernel's ephemeral range $lo-$hi\" (the range this check set in a namespace of its own: read it with kernel_local_port_range(), common/kernel.h, never write numbers in)"
  ! grep -q "source port $1 is $3 " <<<"$log" ||
    hint "the server said port $1 is $3 the range as well as $2: say one or the other, from a comparison with both ends"
}

@test "each client's source port is said to be inside or outside the range the kernel has now" {
  local s ports=() port log i picks=("$lo" "$hi" "$below" "$above") order=()
  start_server --via ex_user ephemeral-server -p 0 -b 127.0.0.1
  # Both ends, below, above, in an order new each run; the kernel's own
  # choice last (it then avoids the ports the others left in TIME_WAIT).
  while [ ${#picks[@]} -gt 0 ]; do
    i=$((RANDOM % ${#picks[@]}))
    order+=("${picks[i]}")
    picks=("${picks[@]:0:i}" "${picks[@]:i+1}")
  done
  order+=('')
  for s in "${order[@]}"; do
    run --separate-stderr ex_in "$BIN/ephemeral-client" -n 1 -u 0 ${s:+-s "$s"} -p "$server_port" 127.0.0.1
    [ "$status" -eq 0 ] || hint "the client failed: ${stderr%%$'\n'*}"
    port=$(sed -n 's/.* after connect our end is 127\.0\.0\.1:\([0-9]*\) .*/\1/p' <<<"$output")
    ports+=("$port")
  done
  stop_server
  log=$(server_log)
  for i in "${!order[@]}"; do
    case ${order[i]} in
      '') said "${ports[i]}" inside outside "its kernel chose it from the range $lo-$hi" ;;
      "$lo") said "${ports[i]}" inside outside "bound by the client itself: the range's low end" ;;
      "$hi") said "${ports[i]}" inside outside "bound by the client itself: the range's top end" ;;
      "$below") said "${ports[i]}" outside inside "bound by the client itself, below the range $lo-$hi" ;;
      *) said "${ports[i]}" outside inside "bound by the client itself, above the range $lo-$hi" ;;
    esac
  done
}
