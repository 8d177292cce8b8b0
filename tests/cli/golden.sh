#!/bin/sh
# Golden images: the fixed tree of tests/golden/tree.sh must give byte-exact images in both byte
# orders and two block sizes, and each golden image must check clean and extract to that tree.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
# owners and device nodes need root; fakeroot stands in for it, for the whole test
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
setup_tmp

dir="$SRCDIR/tests/golden/$COMPRESSOR"
[ -d "$dir" ] || die "no golden images for the $COMPRESSOR compressor in $dir"
if sh -c "sh '$SRCDIR/tests/golden/tree.sh' '$TMP/tree' && \
  for e in little big; do for b in 4096 16384; do \
    '$MKCRAMFS' -N \$e -b \$b -n golden '$TMP/tree' '$TMP/'\$e-\$b.img || exit 1; done; done && \
  for e in little big; do for b in 4096 16384; do \
    '$CRAMFSCK' -b \$b -x '$TMP/x-'\$e-\$b '$dir/'\$e-\$b.img || exit 1; done; done && \
  for e in little big; do for b in 4096 16384; do \
    python3 '$SRCDIR/tests/lib/treecmp.py' '$TMP/tree' '$TMP/x-'\$e-\$b || exit 1; done; done"; then
	pass "golden images check clean and extract to the tree"
else
	fail "building, checking or extracting the golden tree failed"
fi
for e in little big; do
	for b in 4096 16384; do
		if cmp "$TMP/$e-$b.img" "$dir/$e-$b.img"; then
			pass "$e-endian, $b-byte blocks: byte-exact"
		else
			fail "$e-endian, $b-byte blocks: image differs from $dir/$e-$b.img (regenerate with tests/golden/regen.sh only for an intended format change)"
		fi
	done
done
# the two byte orders hold the same tree, so they differ, and only by byte order
cmp -s "$TMP/little-4096.img" "$TMP/big-4096.img" && fail "little- and big-endian images are identical"
finish
