#!/bin/sh
# contrib/genimage: Debian's genimage (version 16) assembles the example NOR flash image for real,
# running our mkcramfs on the example rootfs (genimage.cfg) or taking an image made beforehand
# (flash-xip.cfg, as Buildroot and Yocto use it).  The rootfs partition cut back out of the flash
# image must be the image mkcramfs wrote, byte for byte, everything else erased flash (0xff), and
# the cut-out must check clean.  genimage fills the holes of a sparse input with 0xff: a sparse
# copy of an image must show as a mismatch, so that the comparison is known to catch one.  A
# rootfs partition that is not page aligned on the target must fail the build with cramfsck's
# message.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
# owners and device nodes of the example rootfs need root; fakeroot stands in for it
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
setup_tmp
need_cmd python3 cmp cp
command -v genimage >/dev/null 2>&1 ||
	die "genimage is needed (Debian: apt-get install genimage; tests/deps.sh installs it)"
GI=$SRCDIR/contrib/genimage
flashcut() { python3 "$SRCDIR/tests/lib/flashcut.py" "$@"; }

# mkcramfs and cramfsck as the configurations call them, from PATH.  mkcramfs is the suite's
# checked one (no holes, whole blocks, data where the entries end) and logs its arguments.
mkdir "$TMP/bin"
cat >"$TMP/bin/mkcramfs" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$TMP/mkcramfs.log"
exec "$MKCRAMFS" "\$@"
EOF
printf '#!/bin/sh\nexec "%s" "$@"\n' "$CRAMFSCK" >"$TMP/bin/cramfsck"
chmod +x "$TMP/bin/mkcramfs" "$TMP/bin/cramfsck"

CASE="example rootfs"
if sh "$SRCDIR/tests/lib/mkexample.sh" "$TMP/rootfs" >"$TMP/mkexample.log" 2>&1; then
	pass "mkexample.sh"
else
	_cm_show mkexample "$TMP/mkexample.log"; die "mkexample.sh failed"
fi

# gen NAME CONFIG [VAR=VALUE...]: genimage in $TMP/NAME (in/, out/, tmp/), the variables in its
# environment, and extra options in GEN_OPTS; the output in $TMP/NAME.log, the exit status in
# GEN_RC.  INPUT=DIR copies DIR's files to the input path first.  genimage.cfg gets the example
# rootfs as its root path; flash-xip.cfg, which makes no filesystem, an empty one (as Buildroot
# gives it).
gen() {
	_g=$1 _cfg=$2
	shift 2
	rm -rf "$TMP/$_g"
	mkdir -p "$TMP/$_g/in" "$TMP/$_g/out" "$TMP/$_g/root"
	_root=$TMP/$_g/root
	[ "${_cfg##*/}" != genimage.cfg ] || _root=$TMP/rootfs
	[ -z "${INPUT:-}" ] || cp -p "$INPUT"/* "$TMP/$_g/in/"
	# shellcheck disable=SC2086
	env "$@" PATH="$TMP/bin:$PATH" genimage --config "$_cfg" --rootpath "$_root" \
		--inputpath "$TMP/$_g/in" --outputpath "$TMP/$_g/out" --tmppath "$TMP/$_g/tmp" ${GEN_OPTS:-} \
		>"$TMP/$_g.log" 2>&1 </dev/null
	GEN_RC=$?
}

gen_ok() { # gen_ok WHAT: the last gen succeeded
	if [ "$GEN_RC" -eq 0 ]; then pass "$1: genimage succeeds"; else fail "$1: genimage failed ($GEN_RC)"; _cm_show genimage "$TMP/$_g.log"; fi
}

# flash_check NAME FLASHSIZE OFFSET PAGESIZE ENDIAN PHYS: the flash image of run NAME holds the
# run's rootfs image at OFFSET and erased flash elsewhere; the cut-out checks clean with the
# block size and byte order asked for; the XIP report written next to the flash image is
# cramfsck's for the image at PHYS, where busybox's text maps from flash.
flash_check() {
	_n=$1 _size=$2 _off=$3 _bs=$4 _end=$5 _phys=$6
	_img=$TMP/$_n/out/rootfs.xip-cramfs
	[ -f "$_img" ] || _img=$TMP/$_n/in/rootfs.xip-cramfs
	if [ ! -s "$TMP/$_n/out/flash-xip.img" ]; then fail "$_n: no flash-xip.img"; return; fi
	if flashcut check "$TMP/$_n/out/flash-xip.img" "$_size" "$_off" "$_img" 2>"$TMP/$_n.cut"; then
		pass "$_n: $_size bytes of flash; the rootfs partition at $_off is the image, byte for byte; the rest is 0xff"
	else
		fail "$_n: the flash image is not the image at $_off in erased flash"; _cm_show flashcut "$TMP/$_n.cut"
	fi
	flashcut cut "$TMP/$_n/out/flash-xip.img" "$_off" "$(stat -c %s "$_img")" "$TMP/$_n.part"
	if "$CRAMFSCK" -v "$TMP/$_n.part" >"$TMP/$_n.v" 2>&1 &&
		head -n 1 "$TMP/$_n.v" | grep -q ": $_end-endian cramfs, .*, block size $_bs (detected)$"; then
		pass "$_n: the cut-out checks clean: $_end-endian, block size $_bs"
	else
		fail "$_n: the cut-out does not check clean as a $_end-endian image of block size $_bs"; _cm_show cramfsck "$TMP/$_n.v"
	fi
	"$CRAMFSCK" -b "$_bs" --xip --phys-addr="$_phys" "$TMP/$_n.part" >"$TMP/$_n.xip" 2>&1
	if cmp -s "$TMP/$_n.xip" "$TMP/$_n/out/flash-xip.img.xip.txt" &&
		head -n 1 "$TMP/$_n.xip" | grep -q "$_bs-byte pages, image at physical address $(printf '0x%x' "$_phys"))" &&
		grep -q '^all .* /bin/busybox (ELF: .* from flash' "$TMP/$_n.xip"; then
		pass "$_n: flash-xip.img.xip.txt is cramfsck's report at $_phys; busybox maps from flash"
	else
		fail "$_n: flash-xip.img.xip.txt is not cramfsck's report at $_phys with busybox mapped"
		_cm_show expected "$TMP/$_n.xip"
	fi
	if [ "$(flashcut holes "$_img")" = 0 ]; then pass "$_n: the image has no holes"; else fail "$_n: the image has holes"; fi
}

# ---------------------------------------------------------------------------------------------
CASE="genimage.cfg, defaults"
: >"$TMP/mkcramfs.log"
gen default "$GI/genimage.cfg"
gen_ok "64 MiB, 256 KiB erase blocks, 4 KiB pages"
# genimage's cramfs type: MKCRAMFS [-n NAME] EXTRAARGS ROOT OUT
expect "mkcramfs got -n rootfs -N little -b 4096 -X" grep -q '^-n rootfs -N little -b 4096 -X .*/root.* .*/out/rootfs.xip-cramfs$' "$TMP/mkcramfs.log"
flash_check default 0x4000000 0x400000 4096 little 0x400000

CASE="genimage.cfg, arm64 board"
# qemu's arm64 virt board: a second CFI flash bank of 64 MiB at 0x04000000; 64 KiB pages,
# big-endian for the byte order; the rootfs at 8 MiB; more mkcramfs options pass through
: >"$TMP/mkcramfs.log"
gen arm64 "$GI/genimage.cfg" CRAMFS_XIP_PAGE_SIZE=65536 CRAMFS_XIP_ENDIAN=big CRAMFS_XIP_FLASH_BASE=0x04000000 \
	CRAMFS_XIP_ROOTFS_OFFSET=0x800000 CRAMFS_XIP_ERASE_BLOCKS=256 "CRAMFS_XIP_EXTRA_ARGS=--xip='/usr/share/example/*.txt'"
gen_ok "64 KiB pages, big-endian, rootfs at 8 MiB of a flash at 0x04000000"
expect "mkcramfs got -N big -b 65536 -X --xip='/usr/share/example/*.txt'" \
	grep -q "^-n rootfs -N big -b 65536 -X --xip=/usr/share/example/\*.txt " "$TMP/mkcramfs.log"
flash_check arm64 0x4000000 0x800000 65536 big 0x4800000

CASE="flash-xip.cfg, an image made beforehand"
# the layout of genimage.cfg: the same image gives the same flash image
mkdir "$TMP/pre-in" && cp -p "$TMP/default/out/rootfs.xip-cramfs" "$TMP/pre-in/"
INPUT=$TMP/pre-in gen prebuilt "$GI/flash-xip.cfg"
gen_ok "the image from the input path"
flash_check prebuilt 0x4000000 0x400000 4096 little 0x400000
expect "the same flash image as genimage.cfg's" cmp -s "$TMP/prebuilt/out/flash-xip.img" "$TMP/default/out/flash-xip.img"
# the two configurations, as genimage reads them: the same flash and flash image, but for where
# the check finds the image
for c in genimage flash-xip; do
	INPUT=$TMP/pre-in GEN_OPTS="--configdump $TMP/$c.dump" gen "dump-$c" "$GI/$c.cfg"
	gen_ok "configdump of $c.cfg"
done
if python3 - "$TMP/genimage.dump" "$TMP/flash-xip.dump" <<'EOF'; then pass "the two configurations have one layout"; else fail "genimage.cfg and flash-xip.cfg differ in layout"; fi
import re, sys
def sections(path):
    # top-level sections of a configdump: "flash NAME {" / "image NAME {" up to the closing "}"
    out, cur, name = {}, None, None
    for line in open(path):
        m = re.match(r'^(flash|image) "?([^" ]+)"? \{', line)
        if m:
            name, cur = m.group(1) + ' ' + m.group(2), []
        elif name and line.startswith('}'):
            out[name] = ''.join(cur); name = None
        elif name:
            cur.append(line)
    return out
a, b = sections(sys.argv[1]), sections(sys.argv[2])
keys = ('flash nor-xip', 'image flash-xip.img')
if any(k not in a or k not in b for k in keys):
    sys.exit("sections missing: %r %r" % (sorted(a), sorted(b)))
fa = a[keys[1]].replace('$OUTPUTPATH/rootfs.xip-cramfs', '$INPUTPATH/rootfs.xip-cramfs')
sys.exit(0 if a[keys[0]] == b[keys[0]] and fa == b[keys[1]] else "differ")
EOF

CASE="sparse input"
# A copy of the 64 KiB-page image with its zero padding made into holes: the same bytes, but
# genimage writes erased flash (0xff) where the holes are, and the comparison must say so.
cp --sparse=always "$TMP/arm64/out/rootfs.xip-cramfs" "$TMP/sparse.img"
holes=$(flashcut holes "$TMP/sparse.img")
if cmp -s "$TMP/sparse.img" "$TMP/arm64/out/rootfs.xip-cramfs" && [ "$holes" -gt 0 ]; then
	pass "a sparse copy: the same bytes, $holes of them in holes"
else
	fail "no sparse copy with the same bytes (holes: $holes): the comparison below cannot be shown to fail"
fi
mkdir "$TMP/sparse-in" && cp --sparse=always "$TMP/sparse.img" "$TMP/sparse-in/rootfs.xip-cramfs"
INPUT=$TMP/sparse-in gen sparse "$GI/flash-xip.cfg" CRAMFS_XIP_PAGE_SIZE=65536 CRAMFS_XIP_ROOTFS_OFFSET=0x800000
gen_ok "the sparse copy as the partition's image"
if flashcut check "$TMP/sparse/out/flash-xip.img" 0x4000000 0x800000 "$TMP/arm64/out/rootfs.xip-cramfs" 2>"$TMP/sparse.cut"; then
	fail "the holes of the sparse copy went unnoticed"
elif grep -q "bytes at 0x800000 differ from .*; $holes of them are 0x00 in the image and 0xff in the flash" "$TMP/sparse.cut"; then
	pass "the comparison finds the $holes bytes of holes written as 0xff"
else
	fail "the comparison failed, but not for the holes"; _cm_show flashcut "$TMP/sparse.cut"
fi

# ---------------------------------------------------------------------------------------------
CASE="misaligned"
# misplaced NAME CONFIG ADDR PAGESIZE VAR=VALUE...: the rootfs at physical address ADDR is not page
# aligned: genimage fails with cramfsck's message and ours, and writes no flash image
misplaced() {
	_m=$1 _c=$2 _a=$3 _p=$4
	shift 4
	INPUT=$TMP/pre-in gen "$_m" "$GI/$_c" "$@"
	if [ "$GEN_RC" -ne 0 ]; then pass "$_m: genimage fails"; else fail "$_m: genimage succeeded"; fi
	expect "$_m: cramfsck says physical address $_a is not page aligned" \
		grep -q "cramfsck: .*rootfs.xip-cramfs: physical address $_a is not a multiple of the $_p-byte page size" "$TMP/$_m.log"
	expect "$_m: and which partition it is" grep -q "flash-xip.img: .*rootfs.xip-cramfs fails the check above for the rootfs partition at offset" "$TMP/$_m.log"
	expect "$_m: no flash image" test ! -e "$TMP/$_m/out/flash-xip.img"
}
# a serial NOR flash with 4 KiB sectors lets genimage put the partition at 4 KiB; a 64 KiB-page
# kernel would map nothing of it
misplaced spi-nor genimage.cfg 0x401000 65536 CRAMFS_XIP_PAGE_SIZE=65536 CRAMFS_XIP_ERASE_BLOCK=0x1000 \
	CRAMFS_XIP_ERASE_BLOCKS=16384 CRAMFS_XIP_ROOTFS_OFFSET=0x401000
# the partition is aligned, the flash is not
misplaced flash-base flash-xip.cfg 0x400800 4096 CRAMFS_XIP_FLASH_BASE=0x800
# the same layout at an aligned base is fine
INPUT=$TMP/pre-in gen aligned-base "$GI/flash-xip.cfg" CRAMFS_XIP_FLASH_BASE=0x20000000
gen_ok "the flash at 0x20000000"
# genimage's own rule: partitions on erase block boundaries
INPUT=$TMP/pre-in gen off-block "$GI/flash-xip.cfg" CRAMFS_XIP_ROOTFS_OFFSET=0x410000
if [ "$GEN_RC" -ne 0 ] && grep -q "must be a *multiple of erase block size" "$TMP/off-block.log"; then
	pass "genimage refuses a partition off an erase block boundary"
else
	fail "genimage took a partition off an erase block boundary"; _cm_show genimage "$TMP/off-block.log"
fi
# a size with a suffix is genimage's syntax, but not a number the check can add
INPUT=$TMP/pre-in gen suffix "$GI/flash-xip.cfg" CRAMFS_XIP_ROOTFS_OFFSET=4M
if [ "$GEN_RC" -ne 0 ] && grep -q "fails the check above for the rootfs partition at offset 4M" "$TMP/suffix.log"; then
	pass "an offset of 4M fails the build, naming it"
else
	fail "an offset of 4M did not fail the build with a message"; _cm_show genimage "$TMP/suffix.log"
fi
# the check is not a formality: a page size the image was not made with fails it too
INPUT=$TMP/pre-in gen wrong-page "$GI/flash-xip.cfg" CRAMFS_XIP_PAGE_SIZE=65536
if [ "$GEN_RC" -ne 0 ] && grep -q "fails the check above" "$TMP/wrong-page.log"; then
	pass "a 4 KiB image checked for 64 KiB pages fails the build"
else
	fail "a 4 KiB image checked for 64 KiB pages did not fail the build"; _cm_show genimage "$TMP/wrong-page.log"
fi
finish
