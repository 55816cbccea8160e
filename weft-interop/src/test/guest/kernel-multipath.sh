#!/bin/bash
# kernel-multipath.sh -- runs INSIDE a linux-peer guest. The kernel NVMe/TCP host connects to one
# replicated Weft volume through two storage nodes (two paths), checks that native NVMe multipath
# merges them into one namespace with the ANA states Weft reports, runs fio with verify while the
# host side kill -9s the owner node, and watches the old owner come back fenced.
#
# Output as kernel-host-suite.sh: "STEP <name> PASS|FAIL|SKIP <detail>", "INFO <key> <value>",
# last "SUITE DONE failed=<n>"; host actions through $LP_SHARED/req.<action> / ack.<action>.
#
# Environment: NQN HOSTNQN HOSTID; ADDR1 ADDR2 PORT (the owner's path first); FIO_SIZE_MIB;
# ACTION_TIMEOUT.
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${NQN:?}" "${HOSTNQN:?}" "${HOSTID:?}" "${ADDR1:?}" "${ADDR2:?}"
PORT=${PORT:-4420}
FIO_SIZE_MIB=${FIO_SIZE_MIB:-48}
ACTION_TIMEOUT=${ACTION_TIMEOUT:-240}
SH=$LP_SHARED
RESULTS=$SH/steps.txt
FAILED=0

emit() {
	echo "$*"
	echo "$*" >>"$RESULTS"
}
pass() { emit "STEP $1 PASS ${*:2}"; }
fail() {
	emit "STEP $1 FAIL ${*:2}"
	FAILED=$((FAILED + 1))
}
info() { emit "INFO $1 ${*:2}"; }
flat() { tr '\n\t' '  ' | tr -s ' ' | cut -c1-900; }

ask_host() {
	local action=$1 payload=${2:-} n=0 answer
	rm -f "$SH/ack.$action"
	printf '%s\n' "$payload" >"$SH/.req.$action"
	mv -f "$SH/.req.$action" "$SH/req.$action"
	until [ -e "$SH/ack.$action" ]; do
		n=$((n + 1))
		if [ "$n" -gt $((ACTION_TIMEOUT * 5)) ]; then
			echo "TIMEOUT no answer to $action after ${ACTION_TIMEOUT}s"
			return 1
		fi
		sleep 0.2
	done
	answer=$(cat "$SH/ack.$action")
	echo "$answer"
	[ "${answer%% *}" = OK ]
}

done_suite() {
	dmesg >"$SH/dmesg.txt" 2>&1
	emit "SUITE DONE failed=$FAILED"
	exit 0
}

# The ANA state the kernel holds for the path through ADDR (live controller of $NQN).
path_state() {
	local addr=$1 c
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = "$NQN" ] || continue
		grep -q "traddr=$addr," "$c/address" 2>/dev/null || continue
		local p
		for p in "$c"/nvme*c*n1; do
			[ -e "$p/ana_state" ] && cat "$p/ana_state" && return 0
		done
	done
	echo none
}

wait_path_state() { # ADDR STATE SECONDS
	local i
	for ((i = 0; i < $3 * 5; i++)); do
		[ "$(path_state "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	return 1
}

# ---- multipath on -----------------------------------------------------------------------
mp=$(cat /sys/module/nvme_core/parameters/multipath 2>/dev/null || echo missing)
if [ "$mp" = Y ]; then pass multipath-enabled "nvme_core.multipath=Y"; else fail multipath-enabled "$mp"; done_suite; fi

# ---- two paths, one namespace ------------------------------------------------------------
for addr in "$ADDR1" "$ADDR2"; do
	out=$(nvme connect -t tcp -a "$addr" -s "$PORT" -n "$NQN" --hostnqn="$HOSTNQN" --hostid="$HOSTID" \
		--reconnect-delay=1 --ctrl-loss-tmo=120 2>&1)
	if [ $? -eq 0 ]; then pass "connect-$addr" "$(echo "$out" | flat)"; else fail "connect-$addr" "$(echo "$out" | flat)"; fi
done
sleep 2
heads=()
for b in /sys/block/nvme*n*; do
	name=$(basename "$b")
	case $name in *c*) continue ;; esac
	heads+=("$name")
done
if [ "${#heads[@]}" -eq 1 ]; then
	DEV=/dev/${heads[0]}
	pass one-block-device "$DEV $(blockdev --getsize64 "$DEV") bytes"
else
	fail one-block-device "block devices: ${heads[*]:-none}"
	done_suite
fi
# nvme-cli 2.3 reports each path's ANA state when list-subsys is given the namespace.
subsys=$(nvme list-subsys -o json "$DEV" 2>&1)
echo "$subsys" >"$SH/list-subsys.json"
info list-subsys "$(echo "$subsys" | flat)"
subsystems=$(echo "$subsys" | jq --arg n "$NQN" '[.. | objects | select(.NQN? == $n)] | length' 2>/dev/null)
paths=$(echo "$subsys" | jq --arg n "$NQN" '[.. | objects | select(.NQN? == $n) | .Paths[]?] | length' 2>/dev/null)
states=$(echo "$subsys" | jq -r --arg n "$NQN" '[.. | objects | select(.NQN? == $n) | .Paths[]? | .ANAState] | sort | join(",")' 2>/dev/null)
if [ "$subsystems" = 1 ] && [ "$paths" = 2 ] && [ "$states" = "inaccessible,optimized" ]; then
	pass list-subsys "one subsystem, $paths paths, ANA $states"
else
	fail list-subsys "subsystems=$subsystems paths=$paths states=$states"
fi
s1=$(path_state "$ADDR1")
s2=$(path_state "$ADDR2")
if [ "$s1" = optimized ] && [ "$s2" = inaccessible ]; then pass ana-by-owner "$ADDR1 $s1, $ADDR2 $s2"; else fail ana-by-owner "$ADDR1 $s1, $ADDR2 $s2"; fi

# ---- fio verify while the owner is killed ----------------------------------------------
fio --name=failover --filename="$DEV" --rw=randwrite --bs=4k --iodepth=16 --ioengine=libaio --direct=1 \
	--size="${FIO_SIZE_MIB}M" --verify=crc32c --verify_fatal=1 --do_verify=1 --randrepeat=1 \
	--output-format=json --output="$SH/fio.json" >"$SH/fio.out" 2>&1 &
fio_pid=$!
sleep 3
t0=$(date +%s.%N)
answer=$(ask_host kill-owner)
if [ $? -eq 0 ]; then pass kill-owner "$answer"; else fail kill-owner "$answer"; fi
wait "$fio_pid"
fio_rc=$?
t1=$(date +%s.%N)
errs=$(jq -r '[.jobs[] | .error] | add' "$SH/fio.json" 2>/dev/null)
if [ "$fio_rc" -eq 0 ] && [ "$errs" = 0 ]; then
	pass fio-across-failover "fio ${FIO_SIZE_MIB} MiB randwrite+verify, exit 0, $(awk "BEGIN{printf \"%.1f\", $t1-$t0}") s after the kill"
else
	fail fio-across-failover "exit $fio_rc errors=$errs $(tail -5 "$SH/fio.out" | flat)"
fi
ioerr=$(dmesg | grep -E "I/O error|blk_update_request|critical medium" | grep -v "nvme[0-9]*c[0-9]*n" | flat)
if [ -z "$ioerr" ]; then pass no-io-errors "no I/O error on the multipath device"; else fail no-io-errors "$ioerr"; fi
if wait_path_state "$ADDR2" optimized 30; then pass new-owner-optimized "$ADDR2 $(path_state "$ADDR2")"; else fail new-owner-optimized "$ADDR2 $(path_state "$ADDR2")"; fi

# ---- the old owner comes back fenced ---------------------------------------------------
answer=$(ask_host restart-old-owner)
if [ $? -eq 0 ]; then pass restart-old-owner "$answer"; else fail restart-old-owner "$answer"; fi
if wait_path_state "$ADDR1" inaccessible 60; then
	pass old-owner-fenced "$ADDR1 $(path_state "$ADDR1") after reconnect, $ADDR2 $(path_state "$ADDR2")"
else
	fail old-owner-fenced "$ADDR1 $(path_state "$ADDR1")"
fi
sum=$(sha256sum "$DEV" | cut -d' ' -f1)
info device-sha256 "$sum"
pass read-all "read the whole device through the multipath head"
for addr in "$ADDR1" "$ADDR2"; do
	nvme disconnect -n "$NQN" >/dev/null 2>&1
done
done_suite
