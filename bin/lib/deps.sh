# shellcheck shell=bash
# Sourced by bin/test and .ci/run: installs the Debian packages whose real servers and tools the
# tests use (never mocks): etcd-server for the cluster store, python3-prometheus-client, whose
# parser reads the metrics endpoint in its test, and keyutils, whose keyctl puts TLS PSKs into the
# kernel's keyring in the interop suite's TLS guest (the guest runs this machine's userland).
# Silent when everything is present.
#
#   weft_ensure_test_servers    installs what is missing with apt-get (root), or explains and
#                               returns 1

weft_ensure_test_servers() {
	local missing=()
	command -v etcd >/dev/null 2>&1 || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
	# The metrics endpoint's test reads the exposition with the Prometheus client's own parser.
	/usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null || missing+=(python3-prometheus-client)
	command -v keyctl >/dev/null 2>&1 || missing+=(keyutils)
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		echo "test: the tests need ${missing[*]} (Debian packages); install them as root:" \
			"apt-get install ${missing[*]}" >&2
		return 1
	fi
	echo "test: installing ${missing[*]} (Debian packages the tests use as real servers and tools)" >&2
	# Package scripts must not start a system-wide etcd: the tests start their own.
	(apt-get update -qq && DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq \
		--no-install-recommends "${missing[@]}") >/dev/null || {
		echo "test: apt-get install ${missing[*]} failed" >&2
		return 1
	}
}
