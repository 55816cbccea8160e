#!/bin/bash
# kernel-tls-host.sh -- runs INSIDE a linux-peer guest booted with Debian's 6.12 kernel (NVMe/TCP
# TLS): the kernel host connects to a Weft target over TLS 1.3 with a PSK, through tlshd.
#
# The kernel does no key derivation of its own: it hands tlshd the key it finds in the .nvme
# keyring under the identity "NVMe0R01 <hostnqn> <subnqn>", and that key is the TLS PSK. So the
# keyring gets the TLS PSK the NVMe/TCP key schedule makes from the configured key (what libnvme
# inserts for `nvme connect --tls-key`); the test computes it and passes it in hex.
#
# Output: "STEP <name> PASS|FAIL <detail>", "INFO <key> <value>", last "SUITE DONE failed=<n>".
# Environment: TADDR TPORT (the target), NQN, HOSTNQN, HOSTID, TLS_PSK (hex, for NQN),
# DISC_PSK (hex, for the discovery NQN), TLSHD (path of tlshd).
set -uo pipefail
: "${LP_SHARED:?needs run-guest --share DIR}"
: "${TADDR:?}" "${TPORT:?}" "${NQN:?}" "${HOSTNQN:?}" "${HOSTID:?}" "${TLS_PSK:?}" "${DISC_PSK:?}"
: "${TLSHD:?}"
RESULTS=$LP_SHARED/steps.txt
DISC=nqn.2014-08.org.nvmexpress.discovery
FAILED=0
emit() { echo "$*"; echo "$*" >>"$RESULTS"; }
pass() { emit "STEP $1 PASS ${*:2}"; }
fail() { emit "STEP $1 FAIL ${*:2}"; FAILED=$((FAILED + 1)); }
info() { emit "INFO $1 ${*:2}"; }
flat() { tr '\n\t' '  ' | tr -s ' ' | cut -c1-900; }
hexbytes() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }

info kernel "$(uname -r)"
# tlshd looks the peer's name up before its handshake; with no DNS in the guest that lookup
# waits out the resolver while the kernel's 10 s handshake timer runs. Answer it locally.
echo "$TADDR weft-target" >>/etc/hosts
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >/etc/resolv.conf 2>/dev/null
modprobe tls || fail setup "no tls module"
NVMERING=$(awk '$8=="keyring" && $9==".nvme:" {print $1}' /proc/keys)
[ -n "$NVMERING" ] || { fail setup "no .nvme keyring (kernel without NVMe TLS?)"; emit "SUITE DONE failed=$FAILED"; exit 1; }
NVMERING=$((16#$NVMERING))
hexbytes "$TLS_PSK" | keyctl padd psk "NVMe0R01 $HOSTNQN $NQN" "$NVMERING" >/dev/null ||
	fail setup "keyctl padd"
hexbytes "$DISC_PSK" | keyctl padd psk "NVMe0R01 $HOSTNQN $DISC" "$NVMERING" >/dev/null
# A wrong key under the same identity, in a keyring of its own (for the refusal step).
BADRING=$(keyctl newring weft-bad @u)
head -c 32 /dev/urandom | keyctl padd psk "NVMe0R01 $HOSTNQN $NQN" "$BADRING" >/dev/null
keyctl setperm "$BADRING" 0x3f3f0000

cat >/dev/shm/tlshd.conf <<CONF
[debug]
loglevel=1
tls=0
nl=0
[authenticate]
keyrings=.nvme
CONF
"$TLSHD" -s -c /dev/shm/tlshd.conf >"$LP_SHARED/tlshd.log" 2>&1 &
TLSHD_PID=$!
sleep 1
kill -0 $TLSHD_PID 2>/dev/null || { fail setup "tlshd died: $(flat <"$LP_SHARED/tlshd.log")"; emit "SUITE DONE failed=$FAILED"; exit 1; }

fabrics() { # option string -> the kernel's answer ("instance=N,cntlid=M"), or fails
	local out rc
	exec 3<>/dev/nvme-fabrics || return 1
	echo -n "$1" >&3; rc=$?
	[ $rc = 0 ] && { read -r out <&3; echo "$out"; }
	exec 3>&-
	return $rc
}
OPTS="transport=tcp,traddr=$TADDR,trsvcid=$TPORT,hostnqn=$HOSTNQN,hostid=$HOSTID,ctrl_loss_tmo=0"

# 1. TLS connect and I/O
out=$(fabrics "$OPTS,nqn=$NQN,tls" 2>&1); rc=$?
if [ $rc = 0 ]; then
	inst=${out#instance=}; inst=${inst%%,*}
	info tls_key "$(cat /sys/class/nvme/nvme$inst/tls_key 2>/dev/null)"
	dev=""
	for _ in $(seq 50); do
		for b in /sys/block/nvme"$inst"n*; do [ -e "$b" ] && dev=/dev/${b##*/}; done
		[ -b "$dev" ] && break; sleep 0.2
	done
	if [ -b "$dev" ]; then
		head -c 4M /dev/urandom >/dev/shm/pat
		dd if=/dev/shm/pat of="$dev" bs=128k oflag=direct status=none &&
			dd if="$dev" of=/dev/shm/back bs=4k count=1024 iflag=direct status=none
		if cmp -s /dev/shm/pat /dev/shm/back; then
			pass tls-io "4 MiB written and read back over TLS on $dev"
		else fail tls-io "data mismatch on $dev"; fi
		cp /dev/shm/pat "$LP_SHARED/pattern.bin"
	else fail tls-io "no block device for nvme$inst"; fi
	pass tls-connect "$out"
	info tls_stat "$(grep -E '^Tls(Curr|Tx|Rx)Sw' /proc/net/tls_stat | flat)"
	echo 1 >/sys/class/nvme/nvme$inst/delete_controller
else
	fail tls-connect "rc=$rc $out; $(dmesg | tail -n 5 | flat)"
fi

# 2. Discovery over TLS: the log says TLS 1.3.
out=$(fabrics "$OPTS,nqn=$DISC,tls" 2>&1); rc=$?
if [ $rc = 0 ]; then
	inst=${out#instance=}; inst=${inst%%,*}
	log=$(nvme discover -d "nvme$inst" 2>&1)
	info discovery "$(echo "$log" | flat)"
	# nvme-cli 2.3 names TREQ only when it is one of its enum values: "required" (1) combined
	# with bit 2 (SQ flow control disable) prints as "unrecognized"; SECTYPE it names.
	if echo "$log" | grep -q "subnqn: *$NQN" && echo "$log" | grep -Eq "sectype: *tls13"; then
		pass tls-discovery "log over TLS lists $NQN with sectype tls13"
	else fail tls-discovery "unexpected log"; fi
	echo 1 >/sys/class/nvme/nvme$inst/delete_controller 2>/dev/null
else
	fail tls-discovery "rc=$rc $out"
fi

# 3. No TLS on the TLS-only listener: refused.
out=$(fabrics "$OPTS,nqn=$NQN" 2>&1); rc=$?
if [ $rc != 0 ]; then pass plain-refused "rc=$rc"; else
	fail plain-refused "connected without TLS: $out"
	inst=${out#instance=}; echo 1 >/sys/class/nvme/nvme${inst%%,*}/delete_controller
fi

# 4. A wrong PSK under the right identity: refused, twice (the target logs it once).
for attempt in 1 2; do
	out=$(fabrics "$OPTS,nqn=$NQN,tls,keyring=$BADRING" 2>&1); rc=$?
	if [ $rc != 0 ]; then pass wrong-psk-refused-$attempt "rc=$rc"; else
		fail wrong-psk-refused-$attempt "connected with a wrong PSK: $out"
		inst=${out#instance=}; echo 1 >/sys/class/nvme/nvme${inst%%,*}/delete_controller
	fi
done

kill $TLSHD_PID 2>/dev/null
emit "SUITE DONE failed=$FAILED"
exit 0
