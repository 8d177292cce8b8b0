#!/bin/sh
# What the peers require of an image's layout, for every option set: the size is a whole number
# of blocks (util-linux rounds so; the kernel's block-device path drops a partial last page),
# every byte is written (genimage fills the holes of a sparse file with 0xff), and file data
# starts exactly where the directory entries end (cramfs-tools' cramfsck rejects anything
# else).  With zlib, plain images are byte-identical to util-linux mkfs.cramfs's at every
# block size.  Trees with an incompressible block shared by two files build at 64 KiB blocks.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
need_cmd python3 mkfs.cramfs truncate
setup_tmp

# the real builder: this test checks the layout itself, and the checker (cramfsimg.py) too
MK=${MKCRAMFS_REAL:-$MKCRAMFS}
props() { python3 "$SRCDIR/tests/lib/cramfsimg.py" "$@"; }

# ---- the checker can fail ----
CASE="checker"
truncate -s 10000 "$TMP/sparse.img" || die "truncate failed"
if props "$TMP/sparse.img" 4096 2>"$TMP/props.err"; then
	fail "cramfsimg.py passes a sparse file of 10000 bytes"
else
	expect "it names the hole" grep -q "a hole at byte 0" "$TMP/props.err"
	expect "it names the size" grep -q "size 10000 is not a multiple of the block size 4096" "$TMP/props.err"
fi
# this filesystem must keep holes, or the no-holes check below proves nothing
hole_at=$(python3 -c 'import os, sys; f = os.open(sys.argv[1], os.O_RDONLY); print(os.lseek(f, 0, os.SEEK_HOLE))' \
	"$TMP/sparse.img")
expect "the test directory's filesystem keeps holes (SEEK_HOLE at $hole_at)" [ "$hole_at" = 0 ]

# ---- a tree with ELF programs, data, links, and a file that is a whole number of pages ----
mkdir -p "$TMP/tree/bin" "$TMP/tree/etc" "$TMP/tree/empty" || die "mkdir failed"
for p in ls cat; do cp "$(command -v $p)" "$TMP/tree/bin/$p" || die "cannot copy $p"; done
seq 1 30000 >"$TMP/tree/etc/numbers"
head -c 65536 /dev/zero >"$TMP/tree/etc/zeros"
head -c 70000 /dev/urandom >"$TMP/tree/etc/random"
ln -s numbers "$TMP/tree/etc/link"
printf 'insert\n' >"$TMP/insert"

for bs in 4096 16384 65536; do
	for opts in "" "-X" "-X -S" "-S" "-X -p" "-X -i $TMP/insert" "-X -z" "-X --nommu" "--xip=/etc/*" \
		"-X -N big" "-x -X"; do
		CASE="-b $bs $opts"
		# shellcheck disable=SC2086
		expect_exit 0 "$MK" -b "$bs" $opts "$TMP/tree" "$TMP/img" || continue
		run props "$TMP/img" "$bs"
		if [ "$LAST_RC" -eq 0 ]; then
			pass "a whole number of blocks, no holes, file data where the entries end"
		else
			fail "layout: $(cat "$LAST_ERR")"
		fi
		expect_exit 0 "$CRAMFSCK" -b "$bs" "$TMP/img"
	done
done

# ---- byte-identical to mkfs.cramfs, which rounds to the block size too ----
CASE="mkfs.cramfs"
mkdir -p "$TMP/plain/sub" || die "mkdir failed"
seq 1 20000 >"$TMP/plain/sub/numbers"
head -c 70000 /dev/urandom >"$TMP/plain/random"
printf 'small\n' >"$TMP/plain/small"
ln -s small "$TMP/plain/link"
for bs in 4096 16384 65536; do
	"$MK" -b "$bs" "$TMP/plain" "$TMP/ours-$bs.img" || fail "mkcramfs -b $bs failed"
	mkfs.cramfs -b "$bs" "$TMP/plain" "$TMP/ul-$bs.img" >/dev/null || fail "mkfs.cramfs -b $bs failed"
	ours=$(stat -c %s "$TMP/ours-$bs.img")
	expect "-b $bs: $ours bytes, a whole number of blocks" [ $((ours % bs)) -eq 0 ]
	if [ "$COMPRESSOR" = zlib ]; then
		expect "-b $bs: byte-identical to mkfs.cramfs's image" cmp "$TMP/ours-$bs.img" "$TMP/ul-$bs.img"
	else
		# the compressed blocks differ; the rest of the layout does not
		expect "-b $bs: the same size rounding as mkfs.cramfs (mkfs.cramfs $(stat -c %s "$TMP/ul-$bs.img"))" \
			[ $((ours % bs)) -eq $(($(stat -c %s "$TMP/ul-$bs.img") % bs)) ]
		echo "note: byte identity with mkfs.cramfs needs a zlib build; tests/zlib.sh runs this test with one"
	fi
done

# ---- 64 KiB blocks: an incompressible block shared by two files ----
mkdir -p "$TMP/shared" || die "mkdir failed"
head -c 65536 /dev/urandom >"$TMP/common"
for f in a b; do
	{ head -c 65536 /dev/urandom && cat "$TMP/common"; } >"$TMP/shared/$f" || die "cannot write $f"
done
for opts in "-X" "-S" "-X -x"; do
	CASE="shared incompressible 64 KiB block, $opts"
	# shellcheck disable=SC2086
	expect_exit 0 "$MK" -b 65536 $opts "$TMP/shared" "$TMP/shared.img" || continue
	rm -rf "$TMP/shared.x"
	expect_exit 0 "$CRAMFSCK" -x "$TMP/shared.x" "$TMP/shared.img"
	expect "a extracts exactly" cmp "$TMP/shared/a" "$TMP/shared.x/a"
	expect "b extracts exactly" cmp "$TMP/shared/b" "$TMP/shared.x/b"
done
finish
