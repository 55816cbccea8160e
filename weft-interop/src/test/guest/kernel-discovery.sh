#!/bin/bash
# kernel-discovery.sh -- runs INSIDE a linux-peer guest. The kernel host's nvme-cli asks Weft's
# centralized discovery service what it may connect to, as two different hosts; then connects to
# everything one of them may use (connect-all) and checks both paths of its replicated volume.
#
# Output: "STEP <name> PASS|FAIL <detail>", "INFO <key> <value>", last "SUITE DONE failed=<n>".
#
# Environment: DADDR DPORT (the discovery service), HOSTNQN_A HOSTNQN_B, NQN_A NQN_B (the volume
# only A may use, the one only B may use), NQN_OPEN (open to all), ADDR1 ADDR2 (the nodes).
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${DADDR:?}" "${DPORT:?}" "${HOSTNQN_A:?}" "${HOSTNQN_B:?}" "${NQN_A:?}" "${NQN_B:?}"
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

dmesg >"$LP_SHARED/dmesg.txt" 2>&1
emit "SUITE DONE failed=$FAILED"
exit 0
