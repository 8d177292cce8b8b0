#!/bin/sh
# A real Debian rootfs (mmdebstrap --variant=minbase bookworm, cached outside the tree):
#  - the default image passes util-linux fsck.cramfs and extracts to the exact tree, with both tools;
#  - the -X image makes every page of every read-only ELF segment direct (checked against an
#    independent reading of the ELF files), keeps unreferenced bytes under 0.05% of the image,
#    extracts exactly, and is the same bytes when built again.
. "$SRCDIR/tests/cli/common.sh"
need mmdebstrap fsck.cramfs python3
[ "$(id -u)" -eq 0 ] || fail "needs root: the Debian rootfs is made with mmdebstrap as root and holds root-only files"

mb=$(sh "$SRCDIR/tests/lib/minbase.sh") || fail "could not build the minbase rootfs"
cmp_tree() { python3 "$SRCDIR/tests/lib/treecmp.py" "$mb" "$1" >"$T/diff" || { head -20 "$T/diff"; fail "$2"; }; }

"$MKCRAMFS" "$mb" "$T/plain.img" || fail "mkcramfs failed on minbase"
fsck.cramfs --extract="$T/ul" "$T/plain.img" >/dev/null || fail "fsck.cramfs rejected our minbase image"
cmp_tree "$T/ul" "fsck.cramfs extracted another tree"
rm -rf "$T/ul"
"$CRAMFSCK" -x "$T/ours" "$T/plain.img" || fail "cramfsck failed on our minbase image"
cmp_tree "$T/ours" "cramfsck extracted another tree"
rm -rf "$T/ours" "$T/plain.img"

"$MKCRAMFS" -X "$mb" "$T/xip.img" || fail "mkcramfs -X failed on minbase"
"$CRAMFSCK" --xip --json "$T/xip.img" >"$T/xip.json" || fail "cramfsck --xip failed"
python3 "$SRCDIR/tests/lib/elfpages.py" "$mb" "$T/xip.json" || fail "direct pages differ from the ELF files"
python3 - "$T/xip.json" <<'PY' || fail "XIP totals out of bounds"
import json, sys
r = json.load(open(sys.argv[1]))
t = r['totals']
share = t['unreferenced_bytes'] / r['image_size']
print(f"minbase -X: {t['xip_files']} files, {t['run_pages']} direct pages, image {r['image_size']} bytes, "
      f"{t['unreferenced_bytes']} unreferenced bytes ({share:.4%})")
assert t['run_pages'] >= 15000, 'too few direct pages for a minbase rootfs'
assert share < 0.0005, 'unreferenced bytes over 0.05% of the image'
assert t['read_bug_files'] == 0, 'a file would hit the kernel last-page read bug'
PY
"$CRAMFSCK" -x "$T/xip" "$T/xip.img" || fail "cramfsck -x failed on the XIP image"
cmp_tree "$T/xip" "the XIP image extracted another tree"
"$MKCRAMFS" -X "$mb" "$T/xip2.img" || fail "second mkcramfs -X failed"
cmp "$T/xip.img" "$T/xip2.img" || fail "two -X builds of minbase differ"
finish
