#!/bin/bash
# kernel-host-suite.sh -- runs INSIDE a linux-peer guest (root, Debian's stock
# kernel, the host's nvme-cli/fio/e2fsprogs/jq). The kernel NVMe/TCP initiator
# (nvme-tcp) uses the target at $TADDR:$TPORT as a real disk, phase by phase.
#
# Every check prints one line, to stdout and to $LP_SHARED/steps.txt:
#   STEP <name> PASS|FAIL|SKIP <detail>      result of one check
#   INFO <key> <value>                      a value the host side asserts on
# A failing step never stops the run: later phases still run (or SKIP when
# what they need is missing). The last line is "SUITE DONE failed=<n>".
#
# When the host has to act (restart the target, remove a namespace, freeze
# this guest), the script writes $LP_SHARED/req.<action> (atomically) and
# waits for the host to answer with $LP_SHARED/ack.<action>, whose first word
# is OK or FAIL.
#
# Environment (from run-guest -e):
#   NQN HOSTNQN HOSTID            subsystem, and the host identity that is allowed
#   BAD_HOSTNQN BAD_HOSTID        a host identity that is not on the allow-list
#   TADDR TPORT                   where the target (and its discovery service) is
#   PHASES                        subset/order of: identify digest fs fio deny
#                                 nsremove disconnect kato (default: all)
#   FS_FILES FS_FILE_MIB          files written on ext4 (default 8 x 8 MiB)
#   FIO_SIZE_MIB                  fio bytes per job (default 32)
#   SMART_IO_MIB                  dd I/O between the two SMART reads (default 4)
#   ACTION_TIMEOUT                seconds to wait for a host answer (default 240)
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${NQN:?}" "${HOSTNQN:?}" "${HOSTID:?}"
TADDR=${TADDR:-10.0.2.100}
TPORT=${TPORT:-4420}
BAD_HOSTNQN=${BAD_HOSTNQN:-nqn.2014-08.io.weft.interop:host-not-allowed}
BAD_HOSTID=${BAD_HOSTID:-00000000-0000-4000-8000-00000000bad0}
PHASES=${PHASES:-identify digest fs fio deny nsremove disconnect kato}
FS_FILES=${FS_FILES:-8}
FS_FILE_MIB=${FS_FILE_MIB:-8}
FIO_SIZE_MIB=${FIO_SIZE_MIB:-32}
SMART_IO_MIB=${SMART_IO_MIB:-4}
ACTION_TIMEOUT=${ACTION_TIMEOUT:-240}

SH=$LP_SHARED
RESULTS=$SH/steps.txt
SCRATCH=/dev/shm/weft-interop
MNT=/mnt/weft-interop
FAILED=0
CTRL="" CNTLID="" DEV=""
mkdir -p "$SCRATCH" "$MNT"

# ---- reporting ----------------------------------------------------------------
emit() {
	echo "$*"
	echo "$*" >>"$RESULTS"
}
pass() { emit "STEP $1 PASS ${*:2}"; }
fail() {
	emit "STEP $1 FAIL ${*:2}"
	FAILED=$((FAILED + 1))
}
skip() { emit "STEP $1 SKIP ${*:2}"; }
info() { emit "INFO $1 ${*:2}"; }
# Squeezes command output into one bounded line for a STEP detail.
flat() { tr '\n\t' '  ' | tr -s ' ' | cut -c1-600; }
elapsed_since() { echo $((SECONDS - $1)); }

# ---- talking to the host ----------------------------------------------------------
# ask_host ACTION [PAYLOAD]: prints the host's answer; status 0 if it starts with OK.
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

# ---- NVMe helpers --------------------------------------------------------------------
# live_ctrl HOSTNQN: the controller device (nvmeN) of $NQN connected as HOSTNQN.
live_ctrl() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -r "$c/subsysnqn" ] || continue
		[ "$(cat "$c/subsysnqn")" = "$NQN" ] || continue
		[ "$(cat "$c/hostnqn" 2>/dev/null)" = "$1" ] || continue
		echo "${c##*/}"
		return 0
	done
	return 1
}
# ns_dev: the block device of the namespace of $NQN (the multipath head node
# nvmeXnY when native multipath is on; hidden per-path nodes nvmeXcYnZ skipped).
ns_dev() {
	local b n
	for b in /sys/block/nvme*; do
		n=${b##*/}
		[[ $n =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
		[ "$(cat "$b/device/subsysnqn" 2>/dev/null)" = "$NQN" ] || continue
		echo "/dev/$n"
		return 0
	done
	return 1
}
# wait_for SECONDS COMMAND...: retries COMMAND every 0.2 s until it succeeds.
wait_for() {
	local limit=$(($1 * 5)) n=0
	shift
	until "$@"; do
		n=$((n + 1))
		[ "$n" -lt "$limit" ] || return 1
		sleep 0.2
	done
}
have_dev() { DEV=$(ns_dev) && [ -b "$DEV" ]; }
no_nvme_of_nqn() { ! live_ctrl "$HOSTNQN" >/dev/null && ! live_ctrl "$BAD_HOSTNQN" >/dev/null; }

# connect STEP [nvme connect options...]: connects as the allowed host; sets
# CTRL and CNTLID. Reports STEP.
connect() {
	local step=$1 out rc
	shift
	CTRL="" CNTLID="" DEV=""
	out=$(timeout 180 nvme connect -t tcp -a "$TADDR" -s "$TPORT" -n "$NQN" \
		--hostnqn="$HOSTNQN" --hostid="$HOSTID" "$@" 2>&1)
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$step" "nvme connect $* exited $rc: $(flat <<<"$out")"
		return 1
	fi
	if ! wait_for 20 live_ctrl "$HOSTNQN" >/dev/null; then
		fail "$step" "nvme connect $* exited 0 but no controller of $NQN in /sys/class/nvme"
		return 1
	fi
	CTRL=$(live_ctrl "$HOSTNQN")
	CNTLID=$(cat "/sys/class/nvme/$CTRL/cntlid")
	pass "$step" "options='$*' ctrl=$CTRL cntlid=$CNTLID state=$(cat "/sys/class/nvme/$CTRL/state")" \
		"queues=$(cat "/sys/class/nvme/$CTRL/queue_count" 2>/dev/null)"
}
# need_dev STEP: waits (30 s) for the namespace block device; reports STEP only on failure.
need_dev() {
	if wait_for 30 have_dev; then return 0; fi
	fail "$1" "controller $CTRL is up but no namespace block device of $NQN appeared within 30 s"
	return 1
}
# disconnect STEP: nvme disconnect of $NQN; reports STEP.
disconnect() {
	local out rc
	out=$(timeout 120 nvme disconnect -n "$NQN" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && wait_for 10 no_nvme_of_nqn; then
		pass "$1" "$(flat <<<"$out")"
	else
		fail "$1" "nvme disconnect exited $rc: $(flat <<<"$out")"
	fi
	CTRL="" CNTLID="" DEV=""
}
# dd_roundtrip MIB: writes MIB random MiB with O_DIRECT at offset 0, reads them back, compares.
dd_roundtrip() {
	head -c "${1}M" /dev/urandom >"$SCRATCH/pattern" &&
		dd if="$SCRATCH/pattern" of="$DEV" bs=256k oflag=direct conv=fsync status=none &&
		dd if="$DEV" of="$SCRATCH/readback" bs=256k count=$(($1 * 4)) iflag=direct status=none &&
		cmp -s "$SCRATCH/pattern" "$SCRATCH/readback"
}
# smart FIELD JSON: a counter from nvme smart-log -o json as a plain integer.
smart() { jq -r ".$1 // empty | tostring | gsub(\"[^0-9]\"; \"\")" <<<"$2"; }

# ---- phase identify: discovery, plain connect, list/id-ctrl/id-ns/smart-log -------
phase_identify() {
	local out rc rec dev_json idctrl idns s1 s2 k
	out=$(timeout 120 nvme discover -t tcp -a "$TADDR" -s "$TPORT" \
		--hostnqn="$HOSTNQN" --hostid="$HOSTID" -o json 2>&1)
	rc=$?
	printf '%s\n' "$out" >"$SH/discover.json"
	rec=$(jq -c --arg n "$NQN" '[.records[]? | select(.subnqn == $n)] | first // empty' <<<"$out" 2>/dev/null)
	if [ "$rc" != 0 ]; then
		fail discover "nvme discover exited $rc: $(flat <<<"$out")"
	elif [ -z "$rec" ]; then
		fail discover "no discovery log entry for $NQN: $(flat <<<"$out")"
	else
		info discover.trtype "$(jq -r .trtype <<<"$rec")"
		info discover.traddr "$(jq -r '.traddr | gsub(" +$"; "")' <<<"$rec")"
		info discover.trsvcid "$(jq -r '.trsvcid | gsub(" +$"; "")' <<<"$rec")"
		info discover.subtype "$(jq -r .subtype <<<"$rec")"
		pass discover "$(jq -r '.records | length' <<<"$out") records; $rec"
	fi

	connect connect-plain || return 0
	if need_dev nvme-list; then
		out=$(nvme list -o json 2>&1)
		dev_json=$(jq -c --arg d "$DEV" '[.Devices[]? | select(.DevicePath == $d)] | first // empty' <<<"$out" 2>/dev/null)
		if [ -n "$dev_json" ]; then
			info list.model "$(jq -r '.ModelNumber' <<<"$dev_json" | sed 's/ *$//')"
			info list.serial "$(jq -r '.SerialNumber' <<<"$dev_json" | sed 's/ *$//')"
			info list.size "$(jq -r '.PhysicalSize' <<<"$dev_json")"
			pass nvme-list "$DEV $dev_json"
		else
			fail nvme-list "$DEV not in nvme list: $(flat <<<"$out")"
		fi
		info blockdev.size "$(blockdev --getsize64 "$DEV")"
	fi

	idctrl=$(nvme id-ctrl "/dev/$CTRL" -o json 2>&1)
	printf '%s\n' "$idctrl" >"$SH/id-ctrl.json"
	if jq -e .mn <<<"$idctrl" >/dev/null 2>&1; then
		info idctrl.mn "$(jq -r .mn <<<"$idctrl" | sed 's/ *$//')"
		info idctrl.sn "$(jq -r .sn <<<"$idctrl" | sed 's/ *$//')"
		info idctrl.subnqn "$(jq -r .subnqn <<<"$idctrl")"
		info idctrl.cntlid "$(jq -r .cntlid <<<"$idctrl")"
		info idctrl.kas "$(jq -r .kas <<<"$idctrl")"
		pass id-ctrl "mn/sn/fr='$(jq -r '[.mn, .sn, .fr] | join("/")' <<<"$idctrl")'"
	else
		fail id-ctrl "$(flat <<<"$idctrl")"
	fi

	if [ -n "$DEV" ]; then
		idns=$(nvme id-ns "$DEV" -o json 2>&1)
		printf '%s\n' "$idns" >"$SH/id-ns.json"
		if jq -e .nsze <<<"$idns" >/dev/null 2>&1; then
			local nsze lbads
			nsze=$(jq -r .nsze <<<"$idns")
			lbads=$(jq -r '.lbafs[.flbas % 16].ds' <<<"$idns")
			info idns.nsze "$nsze"
			info idns.lbads "$lbads"
			info idns.bytes $((nsze << lbads))
			pass id-ns "nsze=$nsze ncap=$(jq -r .ncap <<<"$idns") lbads=$lbads"
		else
			fail id-ns "$(flat <<<"$idns")"
		fi
	fi

	s1=$(nvme smart-log "/dev/$CTRL" -o json 2>&1)
	printf '%s\n' "$s1" >"$SH/smart-before.json"
	if [ -z "$DEV" ] || ! jq -e . <<<"$s1" >/dev/null 2>&1; then
		fail smart-log "no device or no smart-log: $(flat <<<"$s1")"
	elif ! dd_roundtrip "$SMART_IO_MIB"; then
		fail smart-log "dd of $SMART_IO_MIB MiB to $DEV and back failed or differs"
	else
		s2=$(nvme smart-log "/dev/$CTRL" -o json 2>&1)
		printf '%s\n' "$s2" >"$SH/smart-after.json"
		for k in data_units_written host_write_commands data_units_read host_read_commands; do
			info "smart.before.$k" "$(smart "$k" "$s1")"
			info "smart.after.$k" "$(smart "$k" "$s2")"
		done
		local w1 w2 c1 c2
		w1=$(smart data_units_written "$s1") w2=$(smart data_units_written "$s2")
		c1=$(smart host_write_commands "$s1") c2=$(smart host_write_commands "$s2")
		if [ -n "$w1" ] && [ -n "$w2" ] && [ -n "$c1" ] && [ -n "$c2" ] &&
			[ "$w2" -gt "$w1" ] && [ "$c2" -gt "$c1" ]; then
			pass smart-log "after ${SMART_IO_MIB} MiB written: data_units_written $w1 -> $w2," \
				"host_write_commands $c1 -> $c2"
		else
			fail smart-log "counters did not increase: data_units_written '$w1' -> '$w2'," \
				"host_write_commands '$c1' -> '$c2'"
		fi
	fi
	disconnect disconnect-plain
}

# ---- phase digest: connect with header and data digests, move data -------------------
phase_digest() {
	connect connect-digest -g -G || return 0
	if need_dev digest-io; then
		if dd_roundtrip 8; then
			pass digest-io "8 MiB written and read back through $DEV with CRC32C header+data digests"
		else
			fail digest-io "8 MiB round trip through $DEV differs or failed"
		fi
	fi
	disconnect disconnect-digest
}

# ---- phase fs: ext4 + files, target restart, remount and verify -------------------------
phase_fs() {
	local out i ans t
	connect fs-connect || {
		skip fs-write "no connection"
		return 0
	}
	need_dev fs-write || {
		disconnect fs-disconnect
		return 0
	}
	t=$SECONDS
	if ! out=$(mkfs.ext4 -F -q -L weftinterop "$DEV" 2>&1); then
		fail fs-write "mkfs.ext4 $DEV: $(flat <<<"$out")"
		disconnect fs-disconnect
		return 0
	fi
	if ! out=$(mount -t ext4 "$DEV" "$MNT" 2>&1); then
		fail fs-write "mount $DEV: $(flat <<<"$out")"
		disconnect fs-disconnect
		return 0
	fi
	out=""
	for i in $(seq 1 "$FS_FILES"); do
		dd if=/dev/urandom of="$MNT/data-$i.bin" bs=1M count="$FS_FILE_MIB" status=none ||
			out="$out dd data-$i.bin failed;"
	done
	mkdir -p "$MNT/dir/sub" && echo "weft interop $(date -u)" >"$MNT/dir/sub/note.txt"
	sync
	(cd "$MNT" && sha256sum data-*.bin dir/sub/note.txt) >"$SCRATCH/sums" 2>&1 || out="$out sha256sum failed;"
	cp "$SCRATCH/sums" "$SH/fs-sha256sums.txt"
	info fs.bytes "$(du -sb "$MNT" | cut -f1)"
	if ! umount "$MNT"; then out="$out umount failed;"; fi
	if [ -z "$out" ]; then
		pass fs-write "mkfs.ext4, $FS_FILES x $FS_FILE_MIB MiB random files + sha256sums in $(elapsed_since "$t") s"
	else
		fail fs-write "$out"
	fi
	disconnect fs-disconnect
	[ -z "$out" ] || return 0

	# The host SIGTERMs the target process and starts it again on the same file.
	if ans=$(ask_host restart-target); then
		pass fs-target-restart "$ans"
	else
		fail fs-target-restart "$ans"
		return 0
	fi

	connect fs-reconnect || return 0
	if need_dev fs-verify; then
		if out=$(e2fsck -fn "$DEV" 2>&1); then
			pass fs-fsck "$(tail -n 1 <<<"$out")"
		else
			fail fs-fsck "$(flat <<<"$out")"
		fi
		if ! out=$(mount -t ext4 -o ro "$DEV" "$MNT" 2>&1); then
			fail fs-verify "mount after restart: $(flat <<<"$out")"
		elif out=$(cd "$MNT" && sha256sum -c --quiet "$SCRATCH/sums" 2>&1); then
			pass fs-verify "all $(wc -l <"$SCRATCH/sums") sha256sums match after the target restart"
		else
			fail fs-verify "checksum mismatch: $(flat <<<"$out")"
		fi
		mountpoint -q "$MNT" && umount "$MNT"
	fi
	disconnect fs-disconnect-2
}

# ---- phase fio: random writes + crc32c verify, then a dmesg check --------------------------
run_fio() { # STEP BS
	local json rc errs
	json=$SH/fio-$2.json
	rm -f "$json"
	timeout 600 fio --name="verify-$2" --filename="$DEV" --ioengine=libaio --direct=1 \
		--rw=randwrite --bs="$2" --iodepth=16 --numjobs=2 --size="${FIO_SIZE_MIB}M" \
		--offset_increment="${FIO_SIZE_MIB}M" --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--output-format=json --output="$SCRATCH/fio-$2.raw" >"$SCRATCH/fio-$2.out" 2>&1
	rc=$?
	# fio puts warnings (e.g. about several writers on one device, which
	# offset_increment keeps apart) in front of the JSON document.
	sed -n '/^{/,$p' "$SCRATCH/fio-$2.raw" >"$json" 2>/dev/null
	sed '/^{/,$d' "$SCRATCH/fio-$2.raw" >>"$SCRATCH/fio-$2.out" 2>/dev/null
	errs=$(jq -r '[.jobs[]?.error] | add // "none"' "$json" 2>/dev/null)
	info "fio.$2.written_kib" "$(jq -r '[.jobs[]?.write.io_kbytes] | add' "$json" 2>/dev/null)"
	info "fio.$2.verified_kib" "$(jq -r '[.jobs[]?.read.io_kbytes] | add' "$json" 2>/dev/null)"
	if [ "$rc" = 0 ] && [ "$errs" = 0 ]; then
		pass "$1" "bs=$2 iodepth=16 numjobs=2 ${FIO_SIZE_MIB} MiB/job, verify=crc32c:" \
			"write $(jq -r '[.jobs[].write.iops] | add | floor' "$json") IOPS, no errors"
	else
		fail "$1" "fio exited $rc, job errors=$errs: $(tail -n 20 "$SCRATCH/fio-$2.out" | flat)"
	fi
}
phase_fio() {
	connect fio-connect || return 0
	if need_dev fio-4k; then
		run_fio fio-4k 4k
		run_fio fio-128k 128k
	fi
	disconnect fio-disconnect
	local bad
	dmesg >"$SH/dmesg-after-io.txt"
	bad=$({
		dmesg --level=emerg,alert,crit,err | grep -i nvme
		dmesg | grep -iE 'I/O error|reset|timeout|reconnect' | grep -iE 'nvme|blk|I/O error'
	} | sort -u)
	if [ -z "$bad" ]; then
		pass dmesg-clean "no nvme errors, I/O errors, resets or timeouts in the kernel log"
	else
		fail dmesg-clean "$(head -n 15 <<<"$bad" | flat)"
	fi
}

# ---- phase deny: a host NQN that is not on the allow-list ------------------------------------
phase_deny() {
	local out rc ans nk
	nk=$(dmesg | wc -l)
	out=$(timeout 180 nvme connect -t tcp -a "$TADDR" -s "$TPORT" -n "$NQN" \
		--hostnqn="$BAD_HOSTNQN" --hostid="$BAD_HOSTID" 2>&1)
	rc=$?
	# How the kernel explains the refusal: with status Connect Invalid Host it says
	# "Connect for subsystem ... is not allowed, hostnqn: ...".
	info deny.kmsg "$(dmesg | tail -n +$((nk + 1)) | grep -i nvme | flat)"
	if [ "$rc" != 0 ] && ! live_ctrl "$BAD_HOSTNQN" >/dev/null; then
		# The target must not list a controller for that host either.
		if ans=$(ask_host deny-check "hostnqn=$BAD_HOSTNQN"); then
			pass deny-host "connect as $BAD_HOSTNQN refused (exit $rc): $(flat <<<"$out") host: $ans"
		else
			fail deny-host "connect refused (exit $rc) but host: $ans"
		fi
	else
		fail deny-host "connect as $BAD_HOSTNQN exited $rc and controller=$(live_ctrl "$BAD_HOSTNQN"):" \
			"$(flat <<<"$out")"
		nvme disconnect -n "$NQN" >/dev/null 2>&1
	fi
}

# ---- phase nsremove: the namespace disappears while connected ----------------------------------
dev_listed() { nvme list 2>/dev/null | grep -qw "$1"; }
phase_nsremove() {
	local ans t dev ctrl cntlid n state
	connect nsremove-connect || return 0
	need_dev ns-remove || {
		disconnect nsremove-disconnect
		return 0
	}
	dev=$DEV ctrl=$CTRL cntlid=$CNTLID
	if ! dev_listed "$dev"; then
		fail ns-remove "$dev not in nvme list before the removal: $(nvme list 2>&1 | flat)"
		disconnect nsremove-disconnect
		return 0
	fi
	if ! ans=$(ask_host remove-ns "nsid=1"); then
		fail ns-remove "host could not remove the namespace: $ans"
		disconnect nsremove-disconnect
		return 0
	fi
	t=$SECONDS
	n=0
	while dev_listed "$dev" && [ "$n" -lt 150 ]; do
		sleep 0.2
		n=$((n + 1))
	done
	state=$(cat "/sys/class/nvme/$ctrl/state" 2>/dev/null)
	if dev_listed "$dev"; then
		fail ns-remove "$dev still in nvme list 30 s after the removal: $(nvme list 2>&1 | flat)"
	elif [ "$(cat "/sys/class/nvme/$ctrl/cntlid" 2>/dev/null)" != "$cntlid" ] || [ "$state" != live ]; then
		fail ns-remove "$dev is gone but controller $ctrl changed: state='$state'" \
			"cntlid=$(cat "/sys/class/nvme/$ctrl/cntlid" 2>/dev/null) (was $cntlid)"
	else
		pass ns-remove "$dev left nvme list ~$(elapsed_since "$t") s after the removal;" \
			"controller $ctrl still live with cntlid $cntlid (no reconnect)"
	fi
	disconnect nsremove-disconnect
}

# ---- phase disconnect: closing the connection frees the controller ------------------------------
phase_disconnect() {
	local ans out rc
	connect disconnect-connect || return 0
	if ! ans=$(ask_host watch-controller "cntlid=$CNTLID"); then
		fail disconnect-frees "host does not see controller $CNTLID: $ans"
		disconnect disconnect-cleanup
		return 0
	fi
	out=$(timeout 120 nvme disconnect -n "$NQN" 2>&1)
	rc=$?
	if ans=$(ask_host disconnected "cntlid=$CNTLID rc=$rc"); then
		pass disconnect-frees "nvme disconnect exited $rc ($(flat <<<"$out")); host: $ans"
	else
		fail disconnect-frees "nvme disconnect exited $rc ($(flat <<<"$out")); host: $ans"
	fi
	CTRL="" CNTLID="" DEV=""
}

# ---- phase kato: the host freezes this guest; the target must drop the controller ----------------
phase_kato() {
	local ans
	connect kato-connect --keep-alive-tmo=5 || return 0
	info kato.cntlid "$CNTLID"
	sleep 3 # let the first keep-alives flow
	# This guest is SIGSTOPped while the host waits for the answer.
	if ans=$(ask_host freeze "cntlid=$CNTLID kato=5"); then
		pass kato-expiry "$ans"
	else
		fail kato-expiry "$ans"
	fi
	info kato.state-after-thaw "$(cat "/sys/class/nvme/$CTRL/state" 2>/dev/null)"
	# The kernel host now recovers (reconnects) or gives up; either way clean up.
	timeout 120 nvme disconnect -n "$NQN" >/dev/null 2>&1
	dmesg | grep -i nvme | tail -n 8 | sed 's/^/kmsg after thaw: /'
	CTRL="" CNTLID="" DEV=""
}

# ---- main -----------------------------------------------------------------------------------------
dmesg -C
info guest.kernel "$(uname -r)"
info guest.nvme-cli "$(nvme version | head -n 1)"
for phase in $PHASES; do
	info phase "$phase"
	"phase_$phase"
done
dmesg >"$SH/dmesg-final.txt"
emit "SUITE DONE failed=$FAILED"
[ "$FAILED" = 0 ]
