#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cramfs-xip profile's page cache collection (mincore() on a private
# writable mapping) on the build machine, which cannot mount cramfs:
# --any-fs on a small ext4 image mounted from a loop device.  The files'
# pages are dropped from the page cache (POSIX_FADV_DONTNEED, after
# fsync), then some pages are read with readahead off for the descriptor
# (POSIX_FADV_RANDOM): the profile must hold exactly those pages, and say
# that the mount is a block device's, which reads ahead.  A file system
# that keeps the pages after DONTNEED fails the test: it would make the
# check meaningless.
#
# Environment (set by "make check"): CRAMFS_XIP, SRCDIR.
# Exit status: 0 all passed, 1 a check failed, 77 not root or no loop
# mount here (the reason is printed), 99 the test could not run.
. "$SRCDIR/tests/cli/common.sh"
need_env CRAMFS_XIP SRCDIR
X=$CRAMFS_XIP
if [ "$(id -u)" != 0 ] || [ -n "${FAKEROOTKEY:-}" ]; then
	echo "SKIP: a loop mount needs root"
	exit 77
fi
for c in mkfs.ext4 mount umount python3; do
	if ! command -v "$c" >/dev/null 2>&1; then
		echo "SKIP: $c is not installed"
		exit 77
	fi
done
setup_tmp

truncate -s 8M "$TMP/fs.img" && mkfs.ext4 -q -F "$TMP/fs.img" >"$TMP/mkfs.log" 2>&1 ||
	{ _cm_show mkfs.ext4 "$TMP/mkfs.log"; die "mkfs.ext4 failed"; }
mkdir "$TMP/mnt"
if ! mount -o loop "$TMP/fs.img" "$TMP/mnt" 2>"$TMP/mount.err"; then
	echo "SKIP: cannot mount a loop device here: $(cat "$TMP/mount.err")"
	exit 77
fi
add_cleanup "umount '$TMP/mnt'"
dev=$(awk -v m="$TMP/mnt" '$5 == m { sub(/.* - /, ""); split($0, a, " "); print a[2] }' /proc/self/mountinfo)

# drop: fsync, then POSIX_FADV_DONTNEED on every file; read PATH PAGE...: those pages, no readahead
pages() {
	python3 - "$@" <<'EOF'
import os, sys
op, root = sys.argv[1], sys.argv[2]
if op == "make":
    os.makedirs(root + "/dir")
    for name, size in (("/data.bin", 32 * 4096), ("/dir/odd name%", 5000), ("/empty", 0)):
        with open(root + name, "wb") as f:
            f.write(os.urandom(size))
elif op == "drop":
    for d, _, files in os.walk(root):
        for n in files:
            fd = os.open(os.path.join(d, n), os.O_RDONLY)
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
else:
    fd = os.open(root + sys.argv[3], os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    for p in sys.argv[4:]:
        os.pread(fd, 1, int(p) * 4096)
    os.close(fd)
EOF
}
[ "$(getconf PAGE_SIZE)" = 4096 ] || die "this test reads 4096-byte pages; the page size here is $(getconf PAGE_SIZE)"
pages make "$TMP/mnt" || die "cannot write the files"

CASE="usage"
expect_exit 16 "$X" status --any-fs
expect_stderr_contains "cramfs-xip: --any-fs goes with profile"
expect_exit 16 "$X" profile --merge --any-fs "$TMP/x"
expect_stderr_contains "cramfs-xip: --any-fs goes with mount points, not with --merge"
expect_exit 4 "$X" profile "$TMP/mnt"
expect_stderr_contains "cramfs-xip: $TMP/mnt: not a cramfs mount (the file system mounted there is ext4)"

CASE="dropped"
pages drop "$TMP/mnt" || die "cannot drop the pages"
expect_exit 0 "$X" profile --any-fs "$TMP/mnt"
expect_stdout_contains "file /data.bin 131072 -"
expect_stdout_contains "file /dir/odd%20name%25 5000 -"
expect_stdout_contains "file /empty 0 -"
expect_stderr_contains "cramfs-xip: warning: $TMP/mnt is mounted from the block device $dev"
expect_stderr_contains "blockdev --setra 0 $dev"

CASE="read"
pages read "$TMP/mnt" /data.bin 0 5 6 7 20 31 || die "cannot read the pages"
pages read "$TMP/mnt" "/dir/odd name%" 1 || die "cannot read the pages"
expect_exit 0 "$X" profile --any-fs -o "$TMP/p" "$TMP/mnt"
expect "the profile has exactly the pages read" grep -qx 'file /data.bin 131072 0,5-7,20,31' "$TMP/p" ||
	grep '^file' "$TMP/p" >&2
expect "and for the other file its second page" grep -qx 'file /dir/odd%20name%25 5000 1' "$TMP/p"
expect "the profile names the mount in a comment" grep -q "^# mount $TMP/mnt ($dev, device 7:" "$TMP/p"
expect_exit 0 "$X" profile --merge "$TMP/p"

finish
