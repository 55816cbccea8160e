#!/bin/bash
# Runs inside the linux-peer guest: the kernel's nvmet-tcp target for Weft's Java host.
# A 64 MiB file-backed namespace on tcp port 4420 (the host reaches it through --hostfwd).
# Tells the host it is ready by writing the NQN to $LP_SHARED/ready, then serves until the host
# writes $LP_SHARED/done (or WAIT_S seconds pass). Env: NQN, WAIT_S.
set -euo pipefail
nqn=${NQN:?NQN is required}
wait_s=${WAIT_S:-600}
share=${LP_SHARED:?run-guest --share is required}
cfg=/sys/kernel/config/nvmet
backing=/dev/shm/java-host-ns1.img

truncate -s 64M "$backing"
sub=$cfg/subsystems/$nqn
mkdir "$sub"
echo 1 >"$sub/attr_allow_any_host"
mkdir "$sub/namespaces/1"
echo -n "$backing" >"$sub/namespaces/1/device_path"
# tmpfs has no O_DIRECT: the file backend must use the page cache.
echo 1 >"$sub/namespaces/1/buffered_io"
echo 1 >"$sub/namespaces/1/enable"
port=$cfg/ports/1
mkdir "$port"
echo tcp >"$port/addr_trtype"
echo ipv4 >"$port/addr_adrfam"
echo 0.0.0.0 >"$port/addr_traddr"
echo 4420 >"$port/addr_trsvcid"
ln -s "$sub" "$port/subsystems/$nqn"
echo "kernel target up: $nqn on port 4420"
echo "$nqn" >"$share/ready"

deadline=$((SECONDS + wait_s))
while [ ! -e "$share/done" ]; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "host never finished" >&2
		exit 1
	fi
	sleep 0.5
done
# Anything the target disliked shows up here; the host side asserts on it.
dmesg | grep -iE 'nvmet' | tee "$share/nvmet-dmesg.txt" || true
