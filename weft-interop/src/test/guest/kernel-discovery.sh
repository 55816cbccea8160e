#!/bin/bash
# kernel-discovery.sh -- runs INSIDE a linux-peer guest. The kernel host's nvme-cli asks Weft's
# centralized discovery service what it may connect to, as two different hosts; connects to
# everything one of them may use (connect-all) and checks both paths of its replicated volume;
# then keeps persistent discovery controllers for both and checks that a new volume for A sends
# the discovery-log-change AEN to A's controller only.
#
# Output: "STEP <name> PASS|FAIL <detail>", "INFO <key> <value>", last "SUITE DONE failed=<n>".
#
# Environment: DADDR DADDR2 DPORT (the discovery service, at two addresses), HOSTNQN_A HOSTNQN_B, NQN_A NQN_B (the volume
# only A may use, the one only B may use), NQN_OPEN (open to all), ADDR1 ADDR2 (the nodes).
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${DADDR:?}" "${DADDR2:?}" "${DPORT:?}" "${HOSTNQN_A:?}" "${HOSTNQN_B:?}" "${NQN_A:?}" "${NQN_B:?}"
: "${NQN_OPEN:?}" "${ADDR1:?}" "${ADDR2:?}"
RESULTS=$LP_SHARED/steps.txt
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

modprobe nvme-tcp 2>/dev/null

ask_host() {
	local action=$1 n=0 answer
	rm -f "$LP_SHARED/ack.$action"
	: >"$LP_SHARED/.req.$action"
	mv -f "$LP_SHARED/.req.$action" "$LP_SHARED/req.$action"
	until [ -e "$LP_SHARED/ack.$action" ]; do
		n=$((n + 1))
		[ "$n" -gt 600 ] && echo "TIMEOUT $action" && return 1
		sleep 0.2
	done
	answer=$(cat "$LP_SHARED/ack.$action")
	echo "$answer"
	[ "${answer%% *}" = OK ]
}

# "subnqn@traddr:trsvcid" of every NVM subsystem entry HOST sees, sorted.
paths_for() {
	nvme discover -t tcp -a "$DADDR" -s "$DPORT" -q "$1" -o json 2>"$LP_SHARED/discover.err" |
		jq -r '.records[] | select(.subtype == "nvme subsystem") | "\(.subnqn)@\(.traddr):\(.trsvcid)"' |
		sort
}

expect_a=$(printf '%s\n' "$NQN_A@$ADDR1:4420" "$NQN_A@$ADDR2:4420" "$NQN_OPEN@$ADDR1:4420" "$NQN_OPEN@$ADDR2:4420" | sort)
expect_b=$(printf '%s\n' "$NQN_B@$ADDR1:4420" "$NQN_B@$ADDR2:4420" "$NQN_OPEN@$ADDR1:4420" "$NQN_OPEN@$ADDR2:4420" | sort)

seen_a=$(paths_for "$HOSTNQN_A")
if [ "$seen_a" = "$expect_a" ]; then
	pass discover-host-a "$(echo "$seen_a" | flat)"
else
	fail discover-host-a "saw: $(echo "$seen_a" | flat) expected: $(echo "$expect_a" | flat) $(flat <"$LP_SHARED/discover.err")"
fi
seen_b=$(paths_for "$HOSTNQN_B")
if [ "$seen_b" = "$expect_b" ]; then
	pass discover-host-b "$(echo "$seen_b" | flat)"
else
	fail discover-host-b "saw: $(echo "$seen_b" | flat) expected: $(echo "$expect_b" | flat)"
fi

own=$(nvme discover -t tcp -a "$DADDR" -s "$DPORT" -q "$HOSTNQN_A" -o json 2>/dev/null |
	jq -r '.records[] | select(.subtype == "current discovery subsystem") | .subnqn')
if [ -n "$own" ]; then
	pass own-entry "$own"
else
	fail own-entry "no current discovery subsystem entry"
fi

out=$(nvme connect-all -t tcp -a "$DADDR" -s "$DPORT" -q "$HOSTNQN_A" 2>&1)
info connect-all "$(echo "$out" | flat)"
sleep 2
subsys=$(nvme list-subsys -o json 2>/dev/null)
info list-subsys "$(echo "$subsys" | flat)"
a_paths=$(echo "$subsys" | jq -r --arg n "$NQN_A" '[.. | objects | select(.NQN? == $n) | .Paths[]?] | length' 2>/dev/null)
b_seen=$(echo "$subsys" | jq -r --arg n "$NQN_B" '[.. | objects | select(.NQN? == $n)] | length' 2>/dev/null)
if [ "${a_paths:-0}" = 2 ] && [ "${b_seen:-0}" = 0 ]; then
	pass connect-all "host A has both paths of its volume and nothing of B's"
else
	fail connect-all "paths to A's volume: ${a_paths:-?}, B's volume seen: ${b_seen:-?}"
fi
nvme disconnect-all >/dev/null 2>&1

# Persistent discovery controllers for A and B; a new volume allowed for A only. The kernel
# reports a discovery-log-change AEN as a uevent (NVME_AEN=0x70f002) of the controller that got it.
# No udev in the guest: listen to the kernel's uevents on netlink directly, one line each.
/usr/bin/python3 - "$LP_SHARED/uevents.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # NETLINK_KOBJECT_UEVENT
s.bind((0, 1))
with open(sys.argv[1], "a", buffering=1) as out:
    while True:
        fields = [f.decode(errors="replace") for f in s.recv(65536).split(b"\0") if f]
        out.write(" ".join(fields) + " \n")
PY
monitor=$!
sleep 1
nvme discover -t tcp -a "$DADDR" -s "$DPORT" -q "$HOSTNQN_A" -p >/dev/null 2>&1
# Through a second address: nvme-cli reuses a persistent discovery controller of the same address
# whatever the host NQN.
nvme discover -t tcp -a "$DADDR2" -s "$DPORT" -q "$HOSTNQN_B" -p >/dev/null 2>&1
ctrl_of() {
	for c in /sys/class/nvme/nvme*; do
		[ "$(cat "$c/subsysnqn" 2>/dev/null)" = nqn.2014-08.org.nvmexpress.discovery ] || continue
		[ "$(cat "$c/hostnqn" 2>/dev/null)" = "$1" ] && basename "$c"
	done
}
ctrl_a=$(ctrl_of "$HOSTNQN_A")
ctrl_b=$(ctrl_of "$HOSTNQN_B")
info persistent "A=$ctrl_a B=$ctrl_b"
if [ -z "$ctrl_a" ] || [ -z "$ctrl_b" ]; then
	fail persistent-aen "no persistent discovery controller (A=$ctrl_a B=$ctrl_b)"
else
	answer=$(ask_host create-volume-for-a)
	info create-volume-for-a "$answer"
	got=""
	for _ in $(seq 1 50); do
		if grep -q "NVME_AEN=0x70f002" "$LP_SHARED/uevents.txt"; then
			got=yes
			break
		fi
		sleep 0.2
	done
	sleep 1 # any AEN for B would have come by now
	events=$(grep "NVME_AEN=0x70f002" "$LP_SHARED/uevents.txt" | grep -o "DEVPATH=[^ ]* ")
	info aen-uevents "$(echo "$events" | flat)"
	later=$(paths_for "$HOSTNQN_A" | grep -c ":vol:later@")
	if [ -n "$got" ] && echo "$events" | grep -q "/$ctrl_a " && ! echo "$events" | grep -q "/$ctrl_b "; then
		if [ "$later" = 2 ]; then
			pass persistent-aen "A's controller $ctrl_a got the AEN, B's $ctrl_b did not; A's log lists the new volume"
		else
			fail persistent-aen "AEN seen but A's log lists the new volume $later times"
		fi
	else
		fail persistent-aen "AEN seen: ${got:-no}; uevents: $(echo "$events" | flat)"
	fi
fi

# Discovery Information Management (TP8010): host A registers itself through its persistent
# discovery controller ('nvme dim' needs the controller to report the CDC type), then deregisters.
# nvme-cli exits 0 even when the controller refuses, so its output and the service's record decide.
# "dim_step TASK CHECK": runs the task through A's controller, asks the host to CHECK the store.
dim_step() {
	local out answer
	out=$(nvme dim -t "$1" -d "$ctrl_a" 2>&1)
	answer=$(ask_host "$2")
	if echo "$out" | grep -q "$1 command success" && [ "${answer%% *}" = OK ]; then
		pass "dim-$1" "$(echo "$out" | flat); $answer"
	else
		fail "dim-$1" "nvme dim: $(echo "$out" | flat); service: $answer"
	fi
}
if [ -n "$ctrl_a" ]; then
	dim_step register dim-registered
	dim_step deregister dim-deregistered
else
	fail dim-register "no persistent discovery controller for A"
fi

kill "$monitor" 2>/dev/null
nvme disconnect-all >/dev/null 2>&1

# A node killed with SIGKILL leaves every log once its lease expires, and returns with it.
# "sees WANT within SECONDS": polls host A's view.
sees() {
	local want=$1 seconds=$2 n=0 seen
	while [ "$n" -lt $((seconds * 5)) ]; do
		seen=$(paths_for "$HOSTNQN_A" | grep -v ":vol:later@")
		[ "$seen" = "$want" ] && return 0
		n=$((n + 1))
		sleep 0.2
	done
	echo "$seen" | flat
	return 1
}
only_n1=$(printf '%s\n' "$NQN_A@$ADDR1:4420" "$NQN_OPEN@$ADDR1:4420" | sort)
answer=$(ask_host kill-n2)
info kill-n2 "$answer"
t0=$(date +%s%N)
if last=$(sees "$only_n1" 20); then
	pass node-withdrawn "n2's paths left A's log $((($(date +%s%N) - t0) / 1000000)) ms after the host saw its lease expire"
else
	fail node-withdrawn "A still sees: $last"
fi
answer=$(ask_host restart-n2)
info restart-n2 "$answer"
if last=$(sees "$expect_a" 30); then
	pass node-returns "n2's paths are back in A's log"
else
	fail node-returns "A sees: $last"
fi

dmesg >"$LP_SHARED/dmesg.txt" 2>&1
emit "SUITE DONE failed=$FAILED"
exit 0
