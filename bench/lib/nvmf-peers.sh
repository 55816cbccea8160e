# shellcheck shell=bash
# Sourced by the bench scripts that run SPDK's nvmf_tgt beside the Weft target: a free port, the
# TLS PSK and the shim SPDK's TLS needs here, and nvmf_tgt with a plain and a TLS listener.

# A free TCP port on loopback.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# make_psk FILE: a random PSK in NVMe/TCP's interchange format (SHA-256 retained hash), read by
# both targets and by spdk_nvme_perf. No newline: SPDK reads the key file whole.
make_psk() {
	python3 -c 'import base64, os, sys, zlib
k = os.urandom(32)
sys.stdout.write("NVMeTLSkey-1:01:" + base64.b64encode(k + zlib.crc32(k).to_bytes(4, "little")).decode() + ":")' >"$1"
	chmod 600 "$1"
}

# build_hkdf_shim BENCH_DIR OUT: SPDK v23.05 cannot derive its TLS PSKs with Debian's OpenSSL 3.0
# on its own; this library, preloaded into nvmf_tgt and spdk_nvme_perf, gives it the empty salt it
# means (see bench/hkdf-empty-salt.c).
build_hkdf_shim() {
	gcc -shared -fPIC -O2 -o "$2" "$1/hkdf-empty-salt.c" -ldl
}

# start_nvmf_tgt SPDK_BIN CPU SOCK LOG NQN HOSTNQN PSK SHIM PORT TLS_PORT: nvmf_tgt alone on CPU,
# a 1 GiB malloc bdev of 4 KiB blocks as NQN's namespace, listening on 127.0.0.1:PORT (plain) and
# :TLS_PORT (TLS 1.3 with the PSK). The subsystem lists HOSTNQN, as nvmf_tgt refuses a TLS
# listener on a subsystem open to any host. Sets target_pid; fails with LOG's tail on stderr.
start_nvmf_tgt() {
	local bin=$1 cpu=$2 sock=$3 log=$4 nqn=$5 hostnqn=$6 psk=$7 shim=$8 port=$9 tls_port=${10} i
	rm -f "$sock"
	LD_PRELOAD=$shim taskset -c "$cpu" "$bin/nvmf_tgt" -m "$(printf '0x%x' $((1 << cpu)))" \
		-s 1536 --no-pci -r "$sock" --wait-for-rpc >"$log" 2>&1 &
	target_pid=$!
	for ((i = 0; i < 300; i++)); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	local rpc=("$bin/rpc.py" -s "$sock")
	{
		"${rpc[@]}" sock_impl_set_options -i ssl --tls-version 13 &&
			"${rpc[@]}" framework_start_init &&
			"${rpc[@]}" nvmf_create_transport -t TCP &&
			"${rpc[@]}" bdev_malloc_create -b M0 1024 4096 &&
			"${rpc[@]}" nvmf_create_subsystem "$nqn" -s SPDK00000001 &&
			"${rpc[@]}" nvmf_subsystem_add_ns "$nqn" M0 &&
			"${rpc[@]}" nvmf_subsystem_add_listener "$nqn" -t tcp -f ipv4 -a 127.0.0.1 -s "$port" &&
			"${rpc[@]}" nvmf_subsystem_add_listener "$nqn" -t tcp -f ipv4 -a 127.0.0.1 -s "$tls_port" -k &&
			"${rpc[@]}" nvmf_subsystem_add_host "$nqn" "$hostnqn" --psk "$psk"
	} >>"$log" 2>&1 || {
		tail -n 20 "$log" >&2
		return 1
	}
}
