#!/bin/sh
# A real Debian rootfs (mmdebstrap --variant=minbase bookworm, cached outside the tree):
#  - the default image passes util-linux fsck.cramfs and extracts to the exact tree, with both tools;
#  - the -X image makes every page of every read-only ELF segment direct (checked against an
#    independent reading of the ELF files), keeps unreferenced bytes under 0.05% of the image,
#    extracts exactly, and is the same bytes when built again.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd mmdebstrap fsck.cramfs python3
[ "$(id -u)" -eq 0 ] || die "needs root: the Debian rootfs is made with mmdebstrap as root and holds root-only files"
setup_tmp

mb=$(sh "$SRCDIR/tests/lib/minbase.sh") || die "could not build the minbase rootfs"
same_tree() { python3 "$SRCDIR/tests/lib/treecmp.py" "$mb" "$1"; }

CASE="default image"
expect "mkcramfs" "$MKCRAMFS" "$mb" "$TMP/plain.img"
expect "fsck.cramfs --extract accepts it" fsck.cramfs --extract="$TMP/ul" "$TMP/plain.img"
expect "fsck.cramfs extracts the exact tree" same_tree "$TMP/ul"
rm -rf "$TMP/ul"
expect "cramfsck -x" "$CRAMFSCK" -x "$TMP/ours" "$TMP/plain.img"
expect "cramfsck extracts the exact tree" same_tree "$TMP/ours"
rm -rf "$TMP/ours" "$TMP/plain.img"

CASE="-X image"
expect "mkcramfs -X" "$MKCRAMFS" -X "$mb" "$TMP/xip.img"
"$CRAMFSCK" --xip --json "$TMP/xip.img" >"$TMP/xip.json" || fail "cramfsck --xip failed"
expect "direct pages match the ELF files" python3 "$SRCDIR/tests/lib/elfpages.py" "$mb" "$TMP/xip.json"
expect "totals in bounds" python3 - "$TMP/xip.json" <<'PY'
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
expect "cramfsck -x on the XIP image" "$CRAMFSCK" -x "$TMP/xip" "$TMP/xip.img"
expect "the XIP image extracts the exact tree" same_tree "$TMP/xip"
rm -rf "$TMP/xip"
expect "mkcramfs -X -j 1" "$MKCRAMFS" -X -j 1 "$mb" "$TMP/xip2.img"
expect "the same bytes again, on one thread" cmp "$TMP/xip.img" "$TMP/xip2.img"
finish
