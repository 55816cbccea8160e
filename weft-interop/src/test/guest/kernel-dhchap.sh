#!/bin/bash
# kernel-dhchap.sh -- runs INSIDE a linux-peer guest booted with the auth kernel
# (../shared/tools/linux-peer/auth-kernel). DH-HMAC-CHAP between the Linux 6.1 kernel and Weft,
# both ways, in one boot:
#   1. The kernel's nvmet target with two hosts (H3: host + controller key, hmac(sha512),
#      ffdhe2048; H4: host key only, hmac(sha256), null group) serves Weft's Java host through
#      --hostfwd; the Java side runs its checks and writes $LP_SHARED/java-done.
#   2. The kernel's host connects to a Weft target at $WADDR:$WPORT (--guestfwd): one-way (H1),
#      two-way (H2), a wrong host key, a wrong controller key, no key; then a key rotation: the
#      host asks for it (req.rotate), moves a live controller to the new key through sysfs
#      (re-authentication), and after the grace window the old key is refused.
#
# Output: "STEP <name> PASS|FAIL <detail>", "INFO <key> <value>", last "SUITE DONE failed=<n>".
# Environment: TNQN H3 K3 C3 H4 K4 (kernel target), WNQN WADDR WPORT H1 K1 K1BAD K1NEW H2 K2 C2 C2BAD
# GRACE_S (Weft target).
set -uo pipefail

: "${LP_SHARED:?needs run-guest --share DIR}"
: "${TNQN:?}" "${H3:?}" "${K3:?}" "${C3:?}" "${H4:?}" "${K4:?}"
: "${WNQN:?}" "${WADDR:?}" "${WPORT:?}" "${H1:?}" "${K1:?}" "${K1BAD:?}" "${K1NEW:?}"
: "${H2:?}" "${K2:?}" "${C2:?}" "${C2BAD:?}" "${GRACE_S:?}"
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
flat() { tr '\n\t' '  ' | tr -s ' ' | cut -c1-600; }

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

# ---- 1. kernel target for the Java host ----
cfg=/sys/kernel/config/nvmet
img=/dev/shm/dhchap-ns1.img
truncate -s 32M "$img"
sub=$cfg/subsystems/$TNQN
mkdir "$sub"
echo 0 >"$sub/attr_allow_any_host"
for h in "$H3" "$H4"; do mkdir "$cfg/hosts/$h"; done
echo -n "$K3" >"$cfg/hosts/$H3/dhchap_key"
echo -n "$C3" >"$cfg/hosts/$H3/dhchap_ctrl_key"
echo "hmac(sha512)" >"$cfg/hosts/$H3/dhchap_hash"
echo ffdhe2048 >"$cfg/hosts/$H3/dhchap_dhgroup"
echo -n "$K4" >"$cfg/hosts/$H4/dhchap_key"
echo "hmac(sha256)" >"$cfg/hosts/$H4/dhchap_hash"
echo null >"$cfg/hosts/$H4/dhchap_dhgroup"
for h in "$H3" "$H4"; do ln -s "$cfg/hosts/$h" "$sub/allowed_hosts/$h"; done
mkdir "$sub/namespaces/1"
echo -n "$img" >"$sub/namespaces/1/device_path"
echo 1 >"$sub/namespaces/1/buffered_io"
echo 1 >"$sub/namespaces/1/enable"
port=$cfg/ports/1
mkdir "$port"
echo tcp >"$port/addr_trtype"
echo ipv4 >"$port/addr_adrfam"
echo 0.0.0.0 >"$port/addr_traddr"
echo 4420 >"$port/addr_trsvcid"
ln -s "$sub" "$port/subsystems/$TNQN"
echo "kernel target up: $TNQN"
echo "$TNQN" >"$LP_SHARED/ready"
n=0
until [ -e "$LP_SHARED/java-done" ]; do
	n=$((n + 1))
	[ "$n" -gt 3000 ] && { fail java-host "the Java side never finished"; break; }
	sleep 0.2
done
info nvmet-dmesg "$(dmesg | grep -iE 'nvmet' | tail -n 12 | flat)"
rm -f "$port/subsystems/$TNQN"

# ---- 2. the kernel host against the Weft target ----
# The block device of the controller for $WNQN (no udev here: read sysfs).
device() {
	local dev="" b
	for _ in $(seq 50); do
		for b in /sys/block/nvme*n*; do
			[[ ${b##*/} =~ ^nvme[0-9]+n[0-9]+$ ]] || continue
			[ "$(cat "$b/device/subsysnqn" 2>/dev/null)" = "$WNQN" ] && dev=/dev/${b##*/}
		done
		[ -b "$dev" ] && break
		sleep 0.2
	done
	echo "$dev"
}

# 1 MiB written and read back through the kernel, at a per-step offset.
io_check() {
	local dev=$1 seek=$2
	head -c 1M /dev/urandom >/dev/shm/pat
	dd if=/dev/shm/pat of="$dev" bs=64k seek=$((seek * 16)) oflag=direct status=none || return 1
	# No /dev/fd in this guest: read back into a file, not a process substitution.
	dd if="$dev" of=/dev/shm/back bs=64k skip=$((seek * 16)) count=16 iflag=direct status=none || return 1
	cmp /dev/shm/pat /dev/shm/back
}

ctrl_of() { # the /sys/class/nvme entry of the live controller for $WNQN
	local c
	c=$(grep -l "$WNQN" /sys/class/nvme/nvme*/subsysnqn 2>/dev/null | head -n1)
	echo "${c%/subsysnqn}"
}

connect() { # host [nvme connect args...]; prints nvme-cli's output, returns its status
	local host=$1
	shift
	nvme connect -t tcp -a "$WADDR" -s "$WPORT" -n "$WNQN" --hostnqn="$host" --ctrl-loss-tmo=0 "$@" 2>&1
}

expect_ok() { # step seek host [args...]
	local step=$1 seek=$2 out dev
	shift 2
	if ! out=$(connect "$@"); then
		fail "$step" "connect failed: $(echo "$out" | flat) | $(dmesg | tail -n 4 | flat)"
		return 1
	fi
	dev=$(device)
	if [ -b "$dev" ] && io_check "$dev" "$seek"; then
		pass "$step" "connected, 1 MiB verified on $dev"
	else
		fail "$step" "connected but I/O on '$dev' failed"
	fi
}

# A refusal counts only if authentication refused: the kernel must have logged it.
expect_refused() { # step host [args...]
	local step=$1 out before
	shift
	before=$(dmesg | grep -c 'authentication')
	if out=$(connect "$@"); then
		fail "$step" "connect succeeded: $(echo "$out" | flat)"
		nvme disconnect-all >/dev/null 2>&1
	elif [ "$(dmesg | grep -c 'authentication')" -le "$before" ]; then
		fail "$step" "refused, but not by authentication: $(echo "$out" | flat)"
	else
		pass "$step" "refused: $(echo "$out" | flat) | $(dmesg | grep 'authentication' | tail -n 2 | flat)"
	fi
}

expect_ok kernel-uni 1 "$H1" --dhchap-secret="$K1" && nvme disconnect -n "$WNQN" >/dev/null
expect_ok kernel-bidi 2 "$H2" --dhchap-secret="$K2" --dhchap-ctrl-secret="$C2" &&
	nvme disconnect -n "$WNQN" >/dev/null
expect_refused kernel-wrong-host-key "$H1" --dhchap-secret="$K1BAD"
expect_refused kernel-wrong-ctrl-key "$H2" --dhchap-secret="$K2" --dhchap-ctrl-secret="$C2BAD"
expect_refused kernel-no-key "$H1"

# Rotation without downtime: a live controller moves to the new key by re-authenticating.
if expect_ok kernel-rotate-before 3 "$H1" --dhchap-secret="$K1"; then
	c=$(ctrl_of)
	info rotate-ctrl "${c##*/}"
	if answer=$(ask_host rotate); then
		start=$(date +%s)
		# Writing the secret makes the 6.1 host re-authenticate every queue with it.
		if echo -n "$K1NEW" >"$c/dhchap_secret"; then
			sleep 2
			dev=$(device)
			if [ "$(cat "$c/state")" = live ] && io_check "$dev" 4; then
				pass kernel-reauth-new-key "controller ${c##*/} live after re-authentication, I/O verified"
			else
				fail kernel-reauth-new-key "state $(cat "$c/state"), I/O on '$dev' | $(dmesg | tail -n 4 | flat)"
			fi
		else
			fail kernel-reauth-new-key "cannot write $c/dhchap_secret"
		fi
		# After the grace window the old key no longer opens the door; the new one does.
		left=$((GRACE_S + 1 - ($(date +%s) - start)))
		[ "$left" -gt 0 ] && sleep "$left"
		if [ "$(cat "$c/state")" = live ] && io_check "$(device)" 5; then
			pass kernel-live-through-rotation "controller ${c##*/} never dropped"
		else
			fail kernel-live-through-rotation "state $(cat "$c/state")"
		fi
		# nvme-cli 2.3 will not make a second controller for the same host and subsystem.
		nvme disconnect -n "$WNQN" >/dev/null
		expect_refused kernel-old-key-after-grace "$H1" --dhchap-secret="$K1"
		expect_ok kernel-new-key 6 "$H1" --dhchap-secret="$K1NEW" && nvme disconnect -n "$WNQN" >/dev/null
	else
		fail kernel-reauth-new-key "the host did not rotate: $answer"
	fi
fi
info auth-dmesg "$(dmesg | grep -iE 'auth|dhchap' | tail -n 12 | flat)"
emit "SUITE DONE failed=$FAILED"
