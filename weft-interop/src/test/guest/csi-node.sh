#!/bin/bash
# csi-node.sh -- runs INSIDE a linux-peer guest: Weft's CSI driver (controller and node plugin in
# one `weft csi` process, on the cluster's etcd through a forward) on this guest, a consumer node
# whose kernel initiator, mkfs and mount do the staging and publishing, and kubernetes-csi's
# csi-sanity against it, Node Service specs included. Then a ROX check with the kernel host: a
# volume filled by a writer is published read-only here, mounted, read back, and every write
# refused.
#
# Output: "STEP <name> PASS|FAIL <detail>", "INFO <key> <value>", last "SUITE DONE failed=<n>".
# Environment: JAVA JAVA_OPTS JAR SANITY STORE HOSTNQN ZONE; ROX_NQN ROX_ADDR ROX_SHA (the read-only volume,
# its owner's address, the sha256 of its first 64 KiB); ACTION_TIMEOUT.
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${JAVA:?}" "${JAR:?}" "${SANITY:?}" "${STORE:?}" "${HOSTNQN:?}"
ZONE=${ZONE:-z1}
ACTION_TIMEOUT=${ACTION_TIMEOUT:-240}
SH=$LP_SHARED
RESULTS=$SH/steps.txt
FAILED=0
SOCK=/run/csi/csi.sock

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

# The block device of subsystem $1's namespace (native multipath head), waiting up to 30 s.
device_of() {
	local nqn=$1 n=0 s d
	while [ "$n" -lt 150 ]; do
		for s in /sys/class/nvme-subsystem/nvme-subsys*; do
			[ "$(cat "$s/subsysnqn" 2>/dev/null)" = "$nqn" ] || continue
			for d in "$s"/nvme*n*; do
				d=${d##*/}
				case $d in *c*) continue ;; esac
				[ -b "/dev/$d" ] && { echo "$d"; return 0; }
			done
		done
		n=$((n + 1))
		sleep 0.2
	done
	return 1
}

done_suite() {
	dmesg >"$SH/dmesg.txt" 2>&1
	emit "SUITE DONE failed=$FAILED"
	exit 0
}

echo "$HOSTNQN" >/etc/nvme/hostnqn 2>/dev/null || { mkdir -p /etc/nvme && echo "$HOSTNQN" >/etc/nvme/hostnqn; }

# The driver: one JVM serving the controller and this node.
# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
"$JAVA" ${JAVA_OPTS:-} -jar "$JAR" csi --endpoint "unix://$SOCK" --store "$STORE" --controller \
	--node-id "$HOSTNQN" --zone "$ZONE" >"$SH/csi-driver.log" 2>&1 &
driver=$!
n=0
until [ -S "$SOCK" ]; do
	n=$((n + 1))
	if [ "$n" -gt 900 ] || ! kill -0 "$driver" 2>/dev/null; then
		fail driver-up "no socket after $((n / 5)) s: $(tail -5 "$SH/csi-driver.log" | flat)"
		done_suite
	fi
	sleep 0.2
done
pass driver-up "socket after $((n / 5)) s"

# csi-sanity, every spec it has, snapshots and clones included. NodeExpandVolume's grows a
# published volume: this kernel must see the larger namespace (the target's event) and the driver
# grows the mounted ext4.
start=$(date +%s)
"$SANITY" -csi.endpoint "$SOCK" -csi.stagingdir /tmp/csi-staging -csi.mountdir /tmp/csi-mount \
	-csi.testvolumesize 67108864 -ginkgo.no-color -ginkgo.v \
	-ginkgo.junit-report "$SH/csi-sanity.xml" >"$SH/csi-sanity.log" 2>&1
rc=$?
summary=$(grep -E '^(Ran |SUCCESS|FAIL)' "$SH/csi-sanity.log" | flat)
info sanity-seconds "$(($(date +%s) - start))"
if [ "$rc" -eq 0 ]; then
	pass csi-sanity "$summary"
else
	fail csi-sanity "exit $rc: $summary; $(grep -E '^\s*\[FAIL\]' "$SH/csi-sanity.log" | head -20 | flat)"
fi

kill "$driver" 2>/dev/null
wait "$driver" 2>/dev/null

# ROX with the kernel host: a reader of a volume Java hosts read at the same time.
if [ -n "${ROX_NQN:-}" ]; then
	out=$(nvme connect -t tcp -a "$ROX_ADDR" -s 4420 -n "$ROX_NQN" --hostnqn="$HOSTNQN" 2>&1)
	if dev=$(device_of "$ROX_NQN"); then
		pass rox-connect "$dev"
		ro=$(cat "/sys/block/$dev/ro")
		[ "$ro" = 1 ] && pass rox-disk-read-only "the kernel made $dev read-only (NSATTR)" ||
			fail rox-disk-read-only "/sys/block/$dev/ro is $ro"
		sum=$(dd if="/dev/$dev" bs=64k count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
		[ "$sum" = "$ROX_SHA" ] && pass rox-kernel-read "sha256 $sum" ||
			fail rox-kernel-read "sha256 $sum, expected $ROX_SHA"
		if answer=$(ask_host java-readers); then
			pass rox-java-readers "$answer"
		else
			fail rox-java-readers "$answer"
		fi
		head -c 4096 /dev/urandom >/tmp/rox-block
		# passthrough, past the block layer's read-only check: the target must refuse it itself
		wout=$(nvme write "/dev/$dev" --start-block=0 --block-count=7 --data-size=4096 \
			--data=/tmp/rox-block 2>&1)
		wrc=$?
		if [ "$wrc" -ne 0 ] && echo "$wout" | grep -qi 'write.protected'; then
			pass rox-kernel-write-refused "$(echo "$wout" | flat)"
		else
			fail rox-kernel-write-refused "exit $wrc: $(echo "$wout" | flat)"
		fi
		sum2=$(dd if="/dev/$dev" bs=64k count=1 iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)
		[ "$sum2" = "$ROX_SHA" ] && pass rox-unchanged "sha256 $sum2" ||
			fail rox-unchanged "sha256 $sum2 after the refused write"
	else
		fail rox-connect "no device: $(echo "$out" | flat)"
	fi
	nvme disconnect -n "$ROX_NQN" >/dev/null 2>&1
fi

# Growth seen by the kernel host: a mounted ext4 on a volume that the cluster grows meanwhile. The
# kernel must learn the new size from the target's event alone (no rescan here), then resize2fs
# grows the file system while it stays mounted.
if [ -n "${GROW_NQN:-}" ]; then
	out=$(nvme connect -t tcp -a "$GROW_ADDR" -s 4420 -n "$GROW_NQN" --hostnqn="$HOSTNQN" 2>&1)
	if dev=$(device_of "$GROW_NQN"); then
		mkfs.ext4 -q "/dev/$dev" && mkdir -p /mnt/grow && mount "/dev/$dev" /mnt/grow
		before=$(($(cat "/sys/block/$dev/size") * 512))
		fs_before=$(df -B1 --output=size /mnt/grow | tail -1 | tr -d ' ')
		if answer=$(ask_host grow-volume); then
			n=0
			while [ $(($(cat "/sys/block/$dev/size") * 512)) -eq "$before" ] && [ "$n" -lt 150 ]; do
				n=$((n + 1))
				sleep 0.2
			done
			after=$(($(cat "/sys/block/$dev/size") * 512))
			if [ "$after" -gt "$before" ]; then
				pass grow-kernel-sees "$dev went from $before to $after bytes $((n / 5)) s after the growth, with no rescan"
				rout=$(resize2fs "/dev/$dev" 2>&1)
				fs_after=$(df -B1 --output=size /mnt/grow | tail -1 | tr -d ' ')
				[ "$fs_after" -gt "$fs_before" ] && pass grow-mounted-ext4 "ext4 $fs_before -> $fs_after bytes while mounted" ||
					fail grow-mounted-ext4 "ext4 still $fs_after bytes: $(echo "$rout" | flat)"
			else
				fail grow-kernel-sees "$dev still $after bytes 30 s after the growth ($answer)"
			fi
		else
			fail grow-kernel-sees "the host did not grow the volume: $answer"
		fi
		umount /mnt/grow 2>/dev/null
	else
		fail grow-kernel-sees "no device: $(echo "$out" | flat)"
	fi
	nvme disconnect -n "$GROW_NQN" >/dev/null 2>&1
fi
done_suite
