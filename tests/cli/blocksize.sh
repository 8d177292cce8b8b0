#!/bin/sh
# blocksize.sh: cramfsck finds the block size an image was made for, from evidence that tells the
# sizes apart, and says so when nothing does.
#
# Trees of files larger than 4096 bytes (random, text, both), made with mkcramfs at 4096, 16384
# and 65536, stored compressed, for execute in place (--xip='*': every block direct and
# uncompressed, which reads at any size; only the pointer tables tell the sizes apart), and with
# shared blocks (-S), and by util-linux mkfs.cramfs: each is detected at the size it was made
# with and checks clean.  Files of 10000 bytes at 65536 read alike at 16384 and 65536: a warning
# names both, and 16384 is used ("ambiguous").  A tree of small files is "assumed" 4096, with no
# warning.  A damaged image is still detected at its size, and the damage reported.
# Needs: python3, mkfs.cramfs (util-linux).
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd python3 mkfs.cramfs head seq cp
setup_tmp

# detected IMAGE SIZE: cramfsck -v finds SIZE, the check is clean
detected() {
	expect_exit 0 "$CRAMFSCK" -v "$1"
	expect_stdout_contains "block size $2 (detected)"
	expect_stderr_lacks "warning"
}

python3 - "$TMP" <<'EOF' || die "cannot make the trees"
import os, random, sys
top = sys.argv[1]
rng = random.Random(6)
for d in ("random", "text", "mixed", "shared", "amb", "small"):
    os.mkdir(os.path.join(top, d))
def put(d, name, data):
    with open(os.path.join(top, d, name), "wb") as f:
        f.write(data)
for i in range(1, 7):
    data = rng.randbytes(20000)
    put("random", "f%d" % i, data)
    put("shared", "f%d" % i, data)
    put("shared", "g%d" % i, data)              # the same data: one table for both names
    text = b"".join(b"%d\n" % n for n in range(i * 5000))
    put("text", "t%d" % i, text)
    put("mixed", "r%d" % i, data)
    put("mixed", "t%d" % i, text[:i * 9000])
    put("amb", "f%d" % i, rng.randbytes(10000))
    put("small", "s%d" % i, b"small\n")
EOF

# six files of 20,000 random bytes, every block direct and uncompressed (at 4096 their pointer
# tables, side by side, would overlap: once reported as overlaps, exit 4)
for bs in 4096 16384 65536; do
	for opts in "" "--xip=*" "-S" "-S --xip=*"; do
		for tree in random text mixed shared; do
			CASE="$tree, mkcramfs -b $bs $opts"
			# shellcheck disable=SC2086
			"$MKCRAMFS" -b $bs $opts "$TMP/$tree" "$TMP/img" 2>/dev/null || die "mkcramfs -b $bs $opts failed"
			detected "$TMP/img" $bs
		done
	done
	CASE="text, mkfs.cramfs -b $bs"
	mkfs.cramfs -b $bs "$TMP/text" "$TMP/img" >/dev/null || die "mkfs.cramfs -b $bs failed"
	detected "$TMP/img" $bs
done

# files of 10000 bytes, one block at 16384 and at 65536, the same data either way
for opts in "" "--xip=*"; do
	CASE="files of 10000 bytes, mkcramfs -b 65536 $opts"
	# shellcheck disable=SC2086
	"$MKCRAMFS" -b 65536 $opts "$TMP/amb" "$TMP/amb.img" 2>/dev/null || die "mkcramfs -b 65536 $opts failed"
	expect_exit 0 "$CRAMFSCK" -v "$TMP/amb.img"
	expect_stderr_contains "warning: block size: the image checks clean with 16384 and 65536 bytes and nothing in it tells them apart; checking with 16384 (give -b with the target kernel's page size)"
	expect_stdout_contains "block size 16384 (ambiguous)"
	expect_exit 0 "$CRAMFSCK" --xip --json "$TMP/amb.img"
	expect_stdout_contains '"blksize_detected": false'
	expect_exit 0 "$CRAMFSCK" -v -b 65536 "$TMP/amb.img"
	expect_stdout_contains "block size 65536 (given)"
	expect_stderr_lacks "warning"
done

CASE="small files"
"$MKCRAMFS" -b 65536 "$TMP/small" "$TMP/small.img" || die "mkcramfs of small files failed"
expect_exit 0 "$CRAMFSCK" -v "$TMP/small.img"
expect_stdout_contains "block size 4096 (assumed)"
expect_stderr_lacks "warning"

# a block of the first file damaged: the size is still found, and only that file is reported
for bs in 4096 65536; do
	CASE="random and text, -b $bs, one block damaged"
	"$MKCRAMFS" -b $bs "$TMP/mixed" "$TMP/good.img" || die "mkcramfs -b $bs failed"
	python3 - "$TMP/good.img" "$TMP/bad.img" <<'EOF' || die "cannot damage the image"
import struct, sys
img = bytearray(open(sys.argv[1], "rb").read())
# the root's first entry is /r1 (random data, stored compressed, shared with no other file): its
# first pointer is classic, the end of block 0, which starts right after the pointer table
table = (struct.unpack_from("<I", img, 76 + 8)[0] >> 6) << 2
end = struct.unpack_from("<I", img, table)[0]
assert end < 1 << 30, "block 0 of /r1 is not behind a classic pointer"
for off in range(end - 40, end - 8):
    img[off] ^= 0x5A
open(sys.argv[2], "wb").write(img)
EOF
	expect_exit 4 "$CRAMFSCK" -v "$TMP/bad.img"
	expect_stdout_contains "block size $bs (detected)"
	expect_stderr_contains "/r1: block 0 at byte "
	expect_stderr_lacks "/r2: "
	expect_stderr_lacks "/t1: "
done
finish
