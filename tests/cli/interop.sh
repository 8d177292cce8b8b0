#!/bin/sh
# Interoperability with util-linux: our images pass fsck.cramfs --extract and extract exactly;
# images made by mkfs.cramfs pass our cramfsck and extract exactly, the image of an empty tree
# included.  And util-linux's own cramfs test data (../shared/peers/util-linux-cramfs, next to
# the source tree; the test fails if it is missing): its known-good images of both byte orders
# check clean and extract to trees from which mkfs.cramfs makes the images of its expected md5
# sums; its matrix of superblock sizes gets fsck.cramfs's exit codes from cramfsck.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
# owners and device nodes need root; fakeroot stands in for it, for the whole test
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
need_cmd mkfs.cramfs fsck.cramfs python3 md5sum paste stat cut sed ls
setup_tmp

sh "$SRCDIR/tests/lib/mktree.sh" "$TMP/tree" >/dev/null || die "mktree.sh failed"

same_tree() { python3 "$SRCDIR/tests/lib/treecmp.py" "$TMP/tree" "$1"; }

# $1: label, $2: log, rest: command; passes when the command succeeds
step() {
	_label=$1 _log=$2
	shift 2
	if "$@" >"$_log" 2>&1; then
		pass "$_label"
	else
		fail "$_label"
		tail -n 20 "$_log" >&2
	fi
}

n=0
for opts in "" "-N big" "-b 16384" "-p" "-z" "-i $SRCDIR/README.md"; do
	n=$((n + 1))
	fsck_opts=
	[ "$opts" = "-b 16384" ] && fsck_opts="-b 16384"
	# ours -> util-linux.  fsck.cramfs refuses HOLES and SHIFTED_ROOT_OFFSET images, even those of
	# its own mkfs.cramfs: for -z and -i only the other direction can be tested.
	# shellcheck disable=SC2086
	step "mkcramfs $opts" "$TMP/our$n.log" "$MKCRAMFS" $opts "$TMP/tree" "$TMP/our$n.img"
	case $opts in
	-z | -i*) ;;
	*)
		# shellcheck disable=SC2086
		step "fsck.cramfs accepts mkcramfs $opts" "$TMP/our$n.fsck" \
			fsck.cramfs $fsck_opts --extract="$TMP/our$n.x" "$TMP/our$n.img"
		step "fsck.cramfs extracts the tree of mkcramfs $opts" "$TMP/our$n.cmp" same_tree "$TMP/our$n.x"
		;;
	esac
	# util-linux -> ours
	# shellcheck disable=SC2086
	step "mkfs.cramfs $opts" "$TMP/ul$n.log" mkfs.cramfs $opts "$TMP/tree" "$TMP/ul$n.img"
	step "cramfsck accepts mkfs.cramfs $opts" "$TMP/ul$n.fsck" "$CRAMFSCK" -x "$TMP/ul$n.x" "$TMP/ul$n.img"
	step "cramfsck extracts the tree of mkfs.cramfs $opts" "$TMP/ul$n.cmp" same_tree "$TMP/ul$n.x"
done

# we lay out like util-linux: with an inserted file, the same flags and the same root entry place
s1=$(stat -c %s "$TMP/our1.img")
s2=$(stat -c %s "$TMP/ul1.img")
echo "default image of the test tree: ours $s1 bytes, mkfs.cramfs $s2 bytes" \
	"(mkfs.cramfs also merges identical files whose modes differ, which the kernel then shows alike)"
same_layout() {
	python3 -c 'import sys
a, b = (open(f, "rb").read(76) for f in sys.argv[1:])
sys.exit(0 if a[8:12] == b[8:12] and a[64:76] == b[64:76] else 1)' "$1" "$2"
}
expect "-i images have util-linux's flags and root entry" same_layout "$TMP/our$n.img" "$TMP/ul$n.img"

# ---- the image of an empty tree ----
# mkfs.cramfs gives the root of an empty tree the offset 76 (588 with -p) and size 0; the kernel
# never reads a directory's entries past its size, and fsck.cramfs accepts it: so do we.
mkdir "$TMP/empty" || die "cannot make $TMP/empty"
for opts in "" "-p"; do
	CASE="empty tree${opts:+, mkfs.cramfs $opts}"
	img=$TMP/empty$opts.img
	# shellcheck disable=SC2086
	mkfs.cramfs $opts "$TMP/empty" "$img" >/dev/null || die "mkfs.cramfs $opts of an empty tree failed"
	expect "fsck.cramfs accepts it" fsck.cramfs "$img"
	expect_exit 0 "$CRAMFSCK" "$img"
	expect_exit 0 "$CRAMFSCK" -x "$TMP/empty$opts.x" "$img"
	expect "it extracts to an empty directory" sh -c "[ -z \"\$(ls -A '$TMP/empty$opts.x')\" ]"
done
CASE=

# ---- util-linux's test data ----
# next to the source tree; a tree unpacked elsewhere (make distcheck) is told by CRAMFS_PEERS_DIR
PEERS=${CRAMFS_PEERS_DIR:-$SRCDIR/../shared/peers}/util-linux-cramfs
for f in cramfs-little.img cramfs-big.img fsck-endianness fsck-bad-header-nopad-4K-le; do
	[ -f "$PEERS/$f" ] || die "util-linux's cramfs test data is missing: no $PEERS/$f (see ../shared/peers/README.md)"
done

# its known-good images: each checks clean in its byte order and extracts; mkfs.cramfs makes
# the image of the other byte order from what we extract, and its md5 is the one util-linux's
# fsck-endianness test expects (which needs every name, mode, owner and byte extracted exactly)
want_md5() { # $1: the line of fsck-endianness before the sum
	sed -n "/^$1\$/{n;p;}" "$PEERS/fsck-endianness"
}
for e in little big; do
	CASE="util-linux cramfs-$e.img"
	case $e in little) other=big ;; *) other=little ;; esac
	expect_exit 0 "$CRAMFSCK" -v -x "$TMP/peer-$e" "$PEERS/cramfs-$e.img"
	expect_stdout_contains ": $e-endian cramfs, superblock at byte 0, "
	expect_stdout_contains "0 problems, 0 warnings"
	if mkfs.cramfs -N $other -b 4096 "$TMP/peer-$e" "$TMP/peer-$e-to-$other.img" >/dev/null; then
		got=$(md5sum <"$TMP/peer-$e-to-$other.img" | cut -d' ' -f1)
		want=$(want_md5 "create $other endian")
		[ -n "$want" ] || die "no md5 for 'create $other endian' in $PEERS/fsck-endianness"
		if [ "$got" = "$want" ]; then
			pass "mkfs.cramfs -N $other of our extraction has util-linux's md5 ($want)"
		else
			fail "mkfs.cramfs -N $other of our extraction has md5 $got, util-linux expects $want"
		fi
	else
		fail "mkfs.cramfs -N $other of our extraction failed"
	fi
done
expect "both byte orders extract to the same tree" python3 "$SRCDIR/tests/lib/treecmp.py" \
	"$TMP/peer-little" "$TMP/peer-big"

# its matrix of damaged superblock sizes: an image of a tree with one empty subdirectory, made
# by mkfs.cramfs with and without -p, 4 KiB and 64 KiB blocks, in both byte orders; each size of
# fsck-bad-header-* written at byte 4 (516 with -p), in the image's byte order, as util-linux's
# test does, the CRC left as it was.  cramfsck must exit as fsck.cramfs did ("ret:").
mkdir -p "$TMP/onedir/sub" || die "cannot make $TMP/onedir"
cat >"$TMP/setsize.py" <<'EOF2'
import struct
import sys
import zlib

src, dst, where, order, size, fix = sys.argv[1:7]
img = bytearray(open(src, "rb").read())
where = int(where)
struct.pack_into(order + "I", img, where, int(size))
if fix == "crc":
    # the CRC of the image as the new size delimits it (zlib's crc32, CRC field as zeros)
    sb = where - 4
    data = bytearray(img[sb:min(int(size), len(img))])
    data[32:36] = bytes(4)
    struct.pack_into(order + "I", img, sb + 32, zlib.crc32(bytes(data)) & 0xFFFFFFFF)
open(dst, "wb").write(img)
EOF2
ncases=0
for f in "$PEERS"/fsck-bad-header-*; do
	name=${f##*/fsck-bad-header-}
	case $name in
	nopad-*) pad= where=4 ;;
	pad-*) pad=-p where=516 ;;
	*) die "unexpected peer file $f" ;;
	esac
	case $name in
	*-4K-*) bs=4096 ;;
	*-64K-*) bs=65536 ;;
	*) die "no block size in the name of $f" ;;
	esac
	case $name in
	*-le) endian=little order='<' ;;
	*-be) endian=big order='>' ;;
	*) die "no byte order in the name of $f" ;;
	esac
	base=$TMP/bad-header-$name.img
	# shellcheck disable=SC2086
	mkfs.cramfs $pad -b $bs -N $endian "$TMP/onedir" "$base" >/dev/null || die "mkfs.cramfs for $name failed"
	# "## size: N" then "ret: R"
	sed -n 's/^## size: //p; s/^ret: //p' "$f" | paste - - >"$TMP/bad-header-$name.cases"
	[ -s "$TMP/bad-header-$name.cases" ] || die "no cases in $f"
	while read -r size ret; do
		ncases=$((ncases + 1))
		CASE="fsck-bad-header-$name, size $size"
		python3 "$TMP/setsize.py" "$base" "$TMP/bh.img" $where "$order" "$size" keep ||
			die "cannot write size $size into $base"
		expect_exit "$ret" "$CRAMFSCK" -b $bs "$TMP/bh.img"
		# a size below the superblock's end or past the file's end is named with its byte offset
		if [ "$size" -lt $((where - 4 + 76)) ] || [ "$size" -gt "$(stat -c %s "$base")" ]; then
			expect_stderr_contains "superblock (byte $where): size $size is"
		fi
	done <"$TMP/bad-header-$name.cases"
done
[ "$ncases" -ge 42 ] || fail "only $ncases cases in $PEERS/fsck-bad-header-*"

# Most of those sizes also break the CRC, which both tools check.  With the CRC made to match the
# new size, where the two differ, deliberately:
#   - a size that ends right after the superblock (76, or 588 with -p): fsck.cramfs accepts it
#     (exit 0); the root's entries lie past the image's end (on an MTD mount the kernel reads
#     zeros there), so cramfsck does not (exit 4);
#   - a size smaller than the file but covering everything the tree uses: both accept it with a
#     warning (the kernel does not care how long the file is).
for pad in "" "-p"; do
	CASE="size with a matching CRC${pad:+, -p}"
	where=4
	[ -n "$pad" ] && where=516
	# shellcheck disable=SC2086
	mkfs.cramfs $pad -N little "$TMP/onedir" "$TMP/fix.img" >/dev/null || die "mkfs.cramfs $pad failed"
	end=$((where - 4 + 76))
	python3 "$TMP/setsize.py" "$TMP/fix.img" "$TMP/fix-end.img" $where '<' $end crc || die "setsize.py failed"
	expect "fsck.cramfs accepts size $end" fsck.cramfs "$TMP/fix-end.img"
	expect_exit 4 "$CRAMFSCK" "$TMP/fix-end.img"
	expect_stderr_contains "root entries (bytes $end..$((end + 16))) outside the image ($end bytes)"
	python3 "$TMP/setsize.py" "$TMP/fix.img" "$TMP/fix-short.img" $where '<' 4095 crc || die "setsize.py failed"
	expect "fsck.cramfs accepts size 4095" fsck.cramfs "$TMP/fix-short.img"
	expect_exit 0 "$CRAMFSCK" "$TMP/fix-short.img"
	expect_stderr_contains "warning: file has 1 bytes after the image's end (byte 4095)"
done
finish
