# shellcheck shell=bash
# Sourced by bench/cpu-profile, bench/segments and bench/qd1-tail: each target alone on CPU 0 (SPDK's
# nvmf_tgt, or the Weft target, by default with --spin-us 0 so that its spare time is idle), a 1 GiB
# memory namespace of 4 KiB blocks with a plain and a TLS listener, and spdk_nvme_perf on CPU 1.
# Needs $repo.

# shellcheck source=nvmf-peers.sh
. "$repo/bench/lib/nvmf-peers.sh"

# peers_init NAME: checks the tools, builds Weft and SPDK's tools, and sets work (a fresh folder),
# spdk, nqn, hostnqn, psk and shim; reserves hugepages and stops the target on exit.
peers_init() {
	local name=$1
	command -v perf >/dev/null || { echo "bench: needs perf (apt-get install linux-perf)" >&2; exit 1; }
	command -v gcc >/dev/null || { echo "bench: needs gcc (the TLS shim)" >&2; exit 1; }
	"$repo/bin/weft" version >/dev/null || { echo "bench: bin/weft failed to build or run" >&2; exit 1; }
	# shellcheck source=../../bin/lib/jdk.sh
	. "$repo/bin/lib/jdk.sh"
	weft_find_jdk
	spdk=$("$(dirname "$repo")/shared/tools/spdk-peer/build") || { echo "bench: spdk-peer did not build" >&2; exit 1; }
	work=$(mktemp -d "${TMPDIR:-/tmp}/weft-$name.XXXXXX")
	cp "$repo/weft-cli/target/weft.jar" "$work/weft.jar"
	# Every client connects as one host, with one PSK on both targets for the TLS cases.
	nqn=nqn.2026-12.io.weft:$name
	hostnqn=nqn.2014-08.io.weft:$name-host
	psk=$work/psk
	make_psk "$psk"
	shim=$work/hkdf-empty-salt.so
	build_hkdf_shim "$repo/bench" "$shim" || { echo "bench: cannot build the HKDF shim" >&2; exit 1; }
	"$spdk/hugepages" 1280 >/dev/null
	target_pid=""
	trap 'stop_target; "$spdk/hugepages" 0 >/dev/null 2>&1 || true' EXIT
}

stop_target() {
	[ -n "$target_pid" ] || return 0
	kill "$target_pid" 2>/dev/null || true
	wait "$target_pid" 2>/dev/null || true
	target_pid=""
}

# peers_start spdk|weft [SPIN_US]: starts that target on fresh ports (port, tls_port), waits until
# it listens and fills its namespace. Weft spins SPIN_US (default 0) before its loop parks.
peers_start() {
	port=$(free_port)
	tls_port=$(free_port)
	if [ "$1" = spdk ]; then
		start_nvmf_tgt "$spdk" 0 "$work/spdk.sock" "$work/nvmf_tgt.log" "$nqn" "$hostnqn" "$psk" "$shim" \
			"$port" "$tls_port" || exit 1
	else
		taskset -c 0 "$WEFT_JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$work/weft.jar" target \
			--listen "127.0.0.1:$port" --listen "127.0.0.1:$tls_port,tls=psk" --tls-key "$hostnqn=@$psk" \
			--nqn "$nqn" --memory 1G --block-size 4096 --io-threads 1 --spin-us "${2:-0}" \
			--c2h-success-always --admin none --data-dir "$work/data" >"$work/weft.log" 2>&1 &
		target_pid=$!
	fi
	for _ in $(seq 300); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
	(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "bench: the target is not listening" >&2 && exit 1; }
	# Fill the whole namespace first (SPDK's malloc bdev is allocated from the start; Weft's memory
	# namespace allocates, and zeroes, a 2 MiB chunk on its first write; one fill here ran at
	# 150 MiB/s, far below what zeroing costs: most likely the hypervisor backing fresh memory).
	sp -q 16 -o 131072 -w write -t 12 >/dev/null 2>&1
}

sp() { # spdk_nvme_perf on CPU 1 against the plain listener (the shim is for its TLS)
	LD_PRELOAD=$shim taskset -c 1 "$spdk/spdk_nvme_perf" -c 0x2 -s 512 \
		-r "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$port subnqn:$nqn hostnqn:$hostnqn" "$@"
}

sp_tls() { # the same over TLS
	LD_PRELOAD=$shim taskset -c 1 "$spdk/spdk_nvme_perf" -c 0x2 -s 512 -S ssl --psk-path "$psk" \
		-r "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:$tls_port subnqn:$nqn hostnqn:$hostnqn" "$@"
}
