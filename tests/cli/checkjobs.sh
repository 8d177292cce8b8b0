#!/bin/sh
# cramfsck inflates on many threads: a damaged image with bad blocks in many files gives the
# same messages, in the same order, and the same exit status for any thread count, and each
# bad block is blamed on the right file.
#
# The tree has 120 files of 50 blocks (6,000 blocks: two inflating batches and part of a
# third).  Bytes in the compressed data are flipped at 150 places.  The check collects the
# blocks and inflates them later on the pool; extraction (-x) decodes each block on the spot,
# file by file, with the same wording.  So `cramfsck -x` prints every block message twice,
# first from the check and then from the extraction, and the two lists must be equal.
# Needs: python3.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd python3
setup_tmp

python3 - "$TMP/tree" <<'PY' || die "cannot make the tree"
import os, random, sys
top = sys.argv[1]
rng = random.Random(7)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(400)]
for d in range(6):
    os.makedirs(f"{top}/d{d}")
    for f in range(20):
        with open(f"{top}/d{d}/f{f:02d}", "wb") as out:
            data = b" ".join(rng.choice(words) for _ in range(50 * 4096 // 5))
            out.write(data[:50 * 4096])
PY
"$MKCRAMFS" "$TMP/tree" "$TMP/good.img" || die "mkcramfs failed"
expect "the intact image checks clean on 3 threads" "$CRAMFSCK" -j 3 "$TMP/good.img"

# flip one byte at 150 places spread over the last 90% of the image (block data, mostly)
python3 - "$TMP/good.img" "$TMP/bad.img" <<'PY' || die "cannot damage the image"
import sys
data = bytearray(open(sys.argv[1], "rb").read())
n = len(data)
for k in range(150):
    off = n // 10 + k * (n * 9 // 10 // 150) + 17
    data[off] ^= 0x5a
open(sys.argv[2], "wb").write(data)
PY

for j in 1 2 5 16; do
	"$CRAMFSCK" -j $j "$TMP/bad.img" >"$TMP/out.$j" 2>"$TMP/err.$j"
	echo $? >"$TMP/rc.$j"
done
expect "the damaged image fails the check (exit status 4)" grep -qx 4 "$TMP/rc.1"
grep -E ': block [0-9]+ at byte [0-9]+ ' "$TMP/err.1" >"$TMP/blocks.1"
nblocks=$(wc -l <"$TMP/blocks.1")
if [ "$nblocks" -ge 100 ]; then
	pass "not: fewer than 100 bad blocks reported"
else
	cat "$TMP/err.1"
	fail "only $nblocks bad blocks reported for 150 damaged bytes"
fi
for j in 2 5 16; do
	expect "-j $j: the same exit status as -j 1" cmp "$TMP/rc.1" "$TMP/rc.$j"
	expect "-j $j: the same messages, in the same order, as -j 1" cmp "$TMP/err.1" "$TMP/err.$j"
	expect "-j $j: the same standard output as -j 1" cmp "$TMP/out.1" "$TMP/out.$j"
done

# the check (pooled) and the extraction (on the spot) blame the same blocks on the same files
"$CRAMFSCK" -j 4 -x "$TMP/x" "$TMP/bad.img" >/dev/null 2>"$TMP/xerr"
grep -E ': block [0-9]+ at byte [0-9]+ ' "$TMP/xerr" >"$TMP/xblocks"
cat "$TMP/blocks.1" "$TMP/blocks.1" >"$TMP/twice"
expect "-x: the extraction reports the bad blocks the check reported, for the same files" \
	cmp "$TMP/twice" "$TMP/xblocks"
finish
