#!/bin/sh
# A source file that changes while the image is built, after mkcramfs found other files
# identical to it: the others must never be stored with its new contents.  mkcramfs fails,
# naming the file, and writes no image.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd dd head cmp
setup_tmp

MK=${MKCRAMFS_REAL:-$MKCRAMFS}
mkdir -p "$TMP/tree" "$TMP/out" || die "mkdir failed"
# large files first in tree order keep the writer busy after the duplicates were compared
for i in 1 2 3 4; do
	head -c 12000000 /dev/urandom >"$TMP/tree/a-big-$i" || die "cannot write a-big-$i"
done
head -c 100000 /dev/urandom >"$TMP/tree/b-dup-1" || die "cannot write b-dup-1"
cp "$TMP/tree/b-dup-1" "$TMP/tree/b-dup-2"
cp "$TMP/tree/b-dup-1" "$TMP/b-dup.orig"
OUT=$TMP/out/img

"$MK" -j 1 -l 12 "$TMP/tree" "$OUT" </dev/null >/dev/null 2>"$TMP/build.err" &
pid=$!
# the writer has started once its temporary file holds data: the duplicates are compared by then
seen=no
i=0
while [ $i -lt 2000 ]; do
	for f in "$TMP/out"/.img.*; do
		[ -s "$f" ] && seen=yes
	done
	[ $seen = yes ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.01
	i=$((i + 1))
done
CASE="changed after the duplicates were compared"
if [ $seen = yes ]; then
	printf 'CHANGED' | dd of="$TMP/tree/b-dup-1" bs=1 seek=5000 conv=notrunc 2>/dev/null
	pass "b-dup-1 changed while the image was being written"
else
	fail "mkcramfs wrote nothing in 20 s, or ended first: the file was not changed in time"
fi
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then
	# the only acceptable success: b-dup-2 keeps its own contents
	rm -rf "$TMP/x"
	"$CRAMFSCK" -x "$TMP/x" "$OUT" >/dev/null 2>&1 || fail "cramfsck -x failed on the image"
	expect "b-dup-2 holds its own contents, not b-dup-1's new ones" cmp -s "$TMP/x/b-dup-2" "$TMP/b-dup.orig"
	if cmp -s "$TMP/x/b-dup-1" "$TMP/b-dup.orig"; then
		fail "the change came after mkcramfs had read b-dup-1: nothing was tested (a slow machine?)"
	else
		fail "mkcramfs exited 0 although a file changed during the build"
	fi
else
	expect "mkcramfs exits 8 (status $rc)" [ "$rc" -eq 8 ]
	LAST_ERR=$TMP/build.err LAST_CMD="mkcramfs"
	expect_stderr_contains "b-dup-1: changed while the image was being built"
	expect "no image written" [ ! -e "$OUT" ]
fi
finish
