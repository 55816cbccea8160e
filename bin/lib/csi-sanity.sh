# shellcheck shell=bash
# Sourced by .ci/run: builds kubernetes-csi's csi-sanity (csi-test v5, the CSI conformance suite)
# from source with Debian's Go, once, into a machine cache. csi-test keeps its Go dependencies in
# its own vendor/ directory, so the build needs no module proxy: only the source and the compiler.
#
# The source is not Weft's and is not in this repository. It is looked for, in this order:
#   $WEFT_CSI_TEST_SRC       a directory or .tar(.gz|.xz) of csi-test at the tag below
#   ../shared/tools/csi-test/  the same, beside the repository
#   /work/.mirror/kubernetes-csi+csi-test/repo   a bare clone holding the tag
#
# v5.2.0 is the newest v5 release that bookworm's own Go (1.19) builds; later v5 releases need Go
# 1.21+, which bookworm has only in backports.
#
#   weft_csi_sanity     prints the binary's path (building it if needed), or explains and
#                       returns 1

WEFT_CSI_TEST_TAG=v5.2.0
WEFT_CSI_SANITY_CACHE=${WEFT_CSI_SANITY_CACHE:-/var/cache/weft-csi-sanity}

weft_csi_sanity() {
	local repo out src go
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	out=$WEFT_CSI_SANITY_CACHE/csi-sanity-$WEFT_CSI_TEST_TAG
	if [ -x "$out" ]; then
		echo "$out"
		return 0
	fi
	go=/usr/lib/go-1.19/bin/go
	if [ ! -x "$go" ]; then
		echo "csi-sanity: installing golang-1.19-go (Debian's Go, to build csi-sanity)" >&2
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends golang-1.19-go) >/dev/null || {
			echo "csi-sanity: apt-get install golang-1.19-go failed" >&2
			return 1
		}
	fi
	src=$(mktemp -d "${TMPDIR:-/tmp}/csi-test.XXXXXX")
	if ! weft_csi_test_source "$repo" "$src"; then
		rm -rf "$src"
		return 1
	fi
	mkdir -p "$WEFT_CSI_SANITY_CACHE"
	# vendor/ only, nothing from the network; the version string is the tag's
	if ! (cd "$src" && GOTOOLCHAIN=local GOPROXY=off GOSUMDB=off GOFLAGS=-mod=vendor CGO_ENABLED=0 \
		GOCACHE="$WEFT_CSI_SANITY_CACHE/gocache" GOPATH="$WEFT_CSI_SANITY_CACHE/gopath" \
		"$go" build -trimpath -ldflags "-X main.VERSION=$WEFT_CSI_TEST_TAG" -o "$out.tmp" \
		./cmd/csi-sanity >&2); then
		rm -rf "$src"
		echo "csi-sanity: the build failed (output above)" >&2
		return 1
	fi
	rm -rf "$src"
	mv "$out.tmp" "$out"
	echo "$out"
}

# Unpacks csi-test at $WEFT_CSI_TEST_TAG into $2, from the first source that has it.
weft_csi_test_source() {
	local repo=$1 dest=$2 candidate mirror=/work/.mirror/kubernetes-csi+csi-test/repo
	for candidate in "${WEFT_CSI_TEST_SRC:-}" "$(dirname "$repo")/shared/tools/csi-test"; do
		[ -n "$candidate" ] || continue
		if [ -d "$candidate" ] && [ -f "$candidate/vendor/modules.txt" ]; then
			cp -a "$candidate/." "$dest/"
			return 0
		fi
		local archive
		for archive in "$candidate" "$candidate"/csi-test-"$WEFT_CSI_TEST_TAG".tar*; do
			if [ -f "$archive" ]; then
				tar -xf "$archive" -C "$dest" --strip-components=1 && return 0
			fi
		done
	done
	if [ -d "$mirror" ] && git --git-dir="$mirror" rev-parse -q --verify "$WEFT_CSI_TEST_TAG^{commit}" >/dev/null; then
		git --git-dir="$mirror" archive "$WEFT_CSI_TEST_TAG" | tar -x -C "$dest"
		return 0
	fi
	echo "csi-sanity: no csi-test $WEFT_CSI_TEST_TAG source on this machine (set WEFT_CSI_TEST_SRC," \
		"or put it under ../shared/tools/csi-test)" >&2
	return 1
}
