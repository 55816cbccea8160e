# shellcheck shell=bash
# Sourced by bin/test and .ci/run: a directory on a file system that shares extents (reflink),
# which volume snapshots and clones need and this machine's root file system (ext4) lacks. Makes
# one XFS (mkfs.xfs -m reflink=1) in a sparse image file, mounted through a loop device, once per
# boot, and exports a folder of it for this run as WEFT_REFLINK_DIR for the tests that take
# snapshots. Installs xfsprogs when missing (root).
#
#   weft_reflink_dir    sets WEFT_REFLINK_DIR, or explains and returns 1

weft_reflink_dir() {
	if [ -n "${WEFT_REFLINK_DIR:-}" ] && [ -d "$WEFT_REFLINK_DIR" ]; then
		return 0
	fi
	local base=/var/cache/weft-reflink
	local image=$base/xfs.img mnt=$base/mnt
	if [ "$(id -u)" != 0 ]; then
		echo "test: snapshot tests need a reflink file system; as root this makes one (XFS on a loop device)" >&2
		return 1
	fi
	if ! command -v mkfs.xfs >/dev/null 2>&1; then
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends xfsprogs) >/dev/null || {
			echo "test: apt-get install xfsprogs failed" >&2
			return 1
		}
	fi
	mkdir -p "$mnt"
	if ! mountpoint -q "$mnt"; then
		if [ ! -f "$image" ]; then
			truncate -s 8G "$image" && mkfs.xfs -q -m reflink=1 "$image" || {
				echo "test: cannot make an XFS image at $image" >&2
				return 1
			}
		fi
		mount -o loop "$image" "$mnt" || {
			echo "test: cannot mount $image (loop devices?)" >&2
			return 1
		}
	fi
	# A folder per run of the tests. A run that is killed leaves its volumes behind, and such
	# leftovers once filled the 8 GiB file system (CsiSanityTest then found no room), so folders of
	# runs that have ended go first; another run going on at the same time keeps its own.
	local d
	for d in "$mnt/tests"/run-*; do
		if [ -d "$d" ] && ! kill -0 "${d##*/run-}" 2>/dev/null; then
			rm -rf "$d"
		fi
	done
	# What the earlier layout (one shared folder) left, once a day old.
	find "$mnt/tests" -mindepth 1 -maxdepth 1 ! -name 'run-*' -mmin +1440 -exec rm -rf {} + 2>/dev/null
	mkdir -p "$mnt/tests/run-$$"
	export WEFT_REFLINK_DIR=$mnt/tests/run-$$
}
