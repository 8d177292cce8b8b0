#!/bin/sh
# superblock.sh: cramfsck on damaged superblocks.
#
# Makes small valid images of one tiny tree (little-endian, big-endian, and
# both again with the 512-byte boot pad, -p), damages the superblock of a
# copy one field at a time, and checks cramfsck's exit status and the
# message that names the byte offset or field.  Where the CRC would hide a
# field's own check, the CRC is recomputed after the change.  The untouched
# images must pass; any change to the image must make cramfsck fail, except
# where noted (a file longer than the image, a wrong file count with a good
# CRC, an image without FSID_VERSION_2, which has no CRC to check).
#
# cramfsck exit status: 0 clean, 4 problems found, 8 operational error.
# Needs: python3 (zlib module).

if [ -z "${SRCDIR:-}" ]; then
	echo "superblock.sh: ERROR: the environment variable SRCDIR is not set (the test driver sets it)" >&2
	exit 99
fi
# shellcheck source=SCRIPTDIR/common.sh
. "$SRCDIR/tests/cli/common.sh"

need_env MKCRAMFS CRAMFSCK
need_cmd python3 seq wc
[ -x "$MKCRAMFS" ] || die "MKCRAMFS=$MKCRAMFS is not an executable file"
[ -x "$CRAMFSCK" ] || die "CRAMFSCK=$CRAMFSCK is not an executable file"
python3 -c 'import zlib' || die "python3 cannot import zlib"
setup_tmp

# sbtool.py: read or patch the superblock of a valid cramfs image.
#   sbtool.py info IMAGE       print sb= endian= size= crc= realcrc= files= rootoff= rootsize=,
#                              one a line (realcrc: the CRC the image should have)
#   sbtool.py batch IN DIR     read lines "NAME OP..." from stdin; for each, copy IN to
#                              DIR/NAME, applying each OP in turn:
#     u32 REL VALUE      32-bit field at superblock + REL, in the image's byte order
#     or32 REL BITS / and32 REL MASK
#     raw ABS HEX        bytes at absolute offset ABS
#     rootmode V / rootsize V / rootoff V    fields of the root inode (offset in bytes)
#     crc                recompute the CRC: zlib's crc32 from the superblock up to the
#                        byte the size field gives (or the file's end), CRC field zero
#     truncate N         cut the file to N bytes
#     append N           append N bytes (0x5a)
# The superblock's place and byte order are found in IN, which must be valid.
cat >"$TMP/sbtool.py" <<'EOF'
import os
import struct
import sys

import cramfsimg


def locate(img):
    found = cramfsimg.locate(img)
    if not found:
        sys.exit("sbtool: no cramfs superblock in the input")
    return found


def get32(img, sb, order, rel):
    return struct.unpack_from(order + "I", img, sb + rel)[0]


def put32(img, sb, order, rel, value):
    struct.pack_into(order + "I", img, sb + rel, value & 0xFFFFFFFF)


def root_words(img, sb, order):
    return list(struct.unpack_from(order + "III", img, sb + 64))


def root_get(img, sb, order):
    w0, w1, w2 = root_words(img, sb, order)
    if order == "<":
        return {"mode": w0 & 0xFFFF, "size": w1 & 0xFFFFFF, "offset": (w2 >> 6) << 2}
    return {"mode": w0 >> 16, "size": w1 >> 8, "offset": (w2 & 0x3FFFFFF) << 2}


def root_set(img, sb, order, field, value):
    w0, w1, w2 = root_words(img, sb, order)
    little = order == "<"
    if field == "mode":
        w0 = (w0 & 0xFFFF0000) | value if little else (w0 & 0xFFFF) | value << 16
    elif field == "size":
        w1 = (w1 & 0xFF000000) | value if little else (w1 & 0xFF) | value << 8
    else:
        units = value >> 2
        w2 = (w2 & 0x3F) | units << 6 if little else (w2 & 0xFC000000) | units
    struct.pack_into(order + "III", img, sb + 64, w0 & 0xFFFFFFFF, w1 & 0xFFFFFFFF, w2 & 0xFFFFFFFF)


def num(text):
    if len(text) > 1 and text[0] == "0" and text[1].isdigit():
        return int(text, 8)
    return int(text, 0)


def main(argv):
    cmd = argv[1]
    original = bytes(open(argv[2], "rb").read())
    sb, order = locate(original)
    if cmd == "info":
        root = root_get(original, sb, order)
        print("sb=%d" % sb)
        print("endian=%s" % ("little" if order == "<" else "big"))
        print("size=%d" % get32(original, sb, order, 4))
        print("crc=%d" % get32(original, sb, order, 32))
        print("realcrc=%d" % cramfsimg.crc(original, sb, order))
        print("files=%d" % get32(original, sb, order, 44))
        print("rootoff=%d" % root["offset"])
        print("rootsize=%d" % root["size"])
        return
    if cmd != "batch":
        sys.exit("sbtool: unknown command " + cmd)
    made = set()
    for line in sys.stdin:
        words = line.split()
        if words:
            if words[0] in made:
                sys.exit("sbtool: %s planned twice" % words[0])
            made.add(words[0])
            patch(bytearray(original), sb, order, os.path.join(argv[3], words[0]), words[1:])


def patch(img, sb, order, out, ops):
    while ops:
        op = ops.pop(0)
        if op in ("u32", "or32", "and32"):
            rel, value = num(ops.pop(0)), num(ops.pop(0))
            old = get32(img, sb, order, rel)
            new = value if op == "u32" else old | value if op == "or32" else old & value
            put32(img, sb, order, rel, new)
        elif op == "raw":
            at, data = num(ops.pop(0)), bytes.fromhex(ops.pop(0))
            img[at:at + len(data)] = data
        elif op in ("rootmode", "rootsize", "rootoff"):
            root_set(img, sb, order, {"rootmode": "mode", "rootsize": "size", "rootoff": "offset"}[op],
                     num(ops.pop(0)))
        elif op == "crc":
            put32(img, sb, order, 32, cramfsimg.crc(img, sb, order))
        elif op == "truncate":
            del img[num(ops.pop(0)):]
        elif op == "append":
            img += b"\x5a" * num(ops.pop(0))
        else:
            sys.exit("sbtool: unknown operation " + op)
    open(out, "wb").write(img)


main(sys.argv)
EOF

# sbtool.py imports tests/lib/cramfsimg.py
PYTHONPATH="$SRCDIR/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
sbtool() {
	python3 "$TMP/sbtool.py" "$@" || die "sbtool.py $* failed"
}

# The matrix below runs twice for each image: MODE=plan lists the damaged
# copies to make (one python run makes them all), MODE=check checks them.
MODE=plan

# The tree: a few files (one of three blocks, one empty), a directory, a symlink.
mkdir "$TMP/tree" "$TMP/tree/dir" || die "cannot make the test tree"
printf 'hello\n' >"$TMP/tree/a" || die "cannot make the test tree"
seq 1 2000 >"$TMP/tree/dir/b" || die "cannot make the test tree"
: >"$TMP/tree/empty" || die "cannot make the test tree"
ln -s a "$TMP/tree/link" || die "cannot make the test tree"

# check_image NAME CODE PHRASE...: cramfsck $TMP/$v/NAME, expect exit status CODE and
# every PHRASE on stderr ("!PHRASE": not on stderr).  Returns 1 if the status is wrong,
# and while planning.
check_image() {
	[ "$MODE" = check ] || return 1
	_img=$1
	_code=$2
	shift 2
	expect_exit "$_code" "$CRAMFSCK" "$TMP/$v/$_img" || return 1
	for _p in "$@"; do
		case $_p in
		!*) expect_stderr_lacks "${_p#!}" ;;
		*) expect_stderr_contains "$_p" ;;
		esac
	done
}

# damage NAME OP...: plan $TMP/$v/NAME, a copy of the intact image with OPs applied.
damage() {
	[ "$MODE" = plan ] || return 0
	printf '%s\n' "$*" >>"$TMP/$v/plan"
}

hex32() {
	# hex32 VALUE ORDER: VALUE as 4 bytes in the given byte order, in hex
	if [ "$2" = little ]; then
		printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
	else
		printf '%02x%02x%02x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
	fi
}

# The checks for one image: $v, with sb, size, files, rootoff, rootsize, crc, sbend,
# order and other set.
matrix() {
	CASE="$v: untouched"
	check_image intact.img 0 && expect "no messages on stderr" [ ! -s "$LAST_ERR" ]

	CASE="$v: bad magic at $sb"
	damage bad-magic.img raw "$sb" 00000000
	check_image bad-magic.img 4 "no cramfs magic at byte 0 or 512: not a cramfs image"

	# the magic in the other byte order: read as an image of that order, whose flags are then wrong
	CASE="$v: magic in the other byte order at $sb"
	damage swapped-magic.img raw "$sb" "$(hex32 $((0x28cd3d45)) "$other")"
	check_image swapped-magic.img 4 "superblock (byte $((sb + 8))): unsupported flags 0x3000000"

	# no magic where it belongs; the magic, in both orders, only elsewhere
	CASE="$v: magic only elsewhere"
	damage magic-elsewhere.img raw "$sb" 00000000 \
		raw 1024 "$(hex32 $((0x28cd3d45)) "$other")" raw 2048 "$(hex32 $((0x28cd3d45)) "$order")" \
		raw $((sb + 4)) "$(hex32 $((0x28cd3d45)) "$order")"
	check_image magic-elsewhere.img 4 "no cramfs magic at byte 0 or 512"

	if [ "$sb" -eq 0 ]; then
		# the real superblock wiped, a stray magic at 512 followed by zeros: taken as the superblock
		CASE="$v: stray magic at 512"
		damage stray-512.img raw 0 00000000 raw 512 "$(hex32 $((0x28cd3d45)) "$order")" \
			raw 516 "$(printf '%0144d' 0)"
		check_image stray-512.img 4 "superblock has no FSID_VERSION_2 flag" \
			"superblock (byte 576): root inode is not a directory (mode 00)"
	fi

	CASE="$v: size 0"
	damage size0.img u32 4 0 crc
	check_image size0.img 4 "superblock (byte $((sb + 4))): size 0 is smaller than the superblock's end ($sbend)"

	CASE="$v: size $((sbend - 1)) (< superblock end)"
	damage size-short.img u32 4 $((sbend - 1)) crc
	check_image size-short.img 4 \
		"superblock (byte $((sb + 4))): size $((sbend - 1)) is smaller than the superblock's end ($sbend)"

	if [ "$sb" -ne 0 ]; then
		CASE="$v: size 76 (< pad + superblock)"
		damage size76.img u32 4 76 crc
		check_image size76.img 4 "superblock (byte $((sb + 4))): size 76 is smaller than the superblock's end ($sbend)"
	fi

	CASE="$v: size larger than the file"
	damage size-large.img u32 4 $((size + 4096)) crc
	check_image size-large.img 4 \
		"superblock (byte $((sb + 4))): size $((size + 4096)) is larger than the file ($size bytes): image truncated"

	# the image is intact; the file (a partition, say) is longer
	CASE="$v: file longer than the image"
	damage trailing.img append 4096
	check_image trailing.img 0 "warning: file has 4096 bytes after the image's end (byte $size)"

	# a smaller size takes bytes out of the CRC
	CASE="$v: size 4 smaller than the file"
	damage size-small.img u32 4 $((size - 4))
	check_image size-small.img 4 "file has 4 bytes after the image's end (byte $((size - 4)))" \
		"superblock (byte $((sb + 32))): CRC is 0x"

	# ... and with the CRC made right, the size cuts the root's entries off
	CASE="$v: size inside the root entries, CRC recomputed"
	damage size-cut.img u32 4 $((sbend + 4)) crc
	check_image size-cut.img 4 \
		"superblock: root entries (bytes $rootoff..$((rootoff + rootsize))) outside the image ($((sbend + 4)) bytes)"

	cuts="75 76 $((size / 2)) $((size - 1))"
	[ "$sb" -eq 0 ] || cuts="75 76 $((sbend - 1)) $sbend $((size / 2)) $((size - 1))"
	for cut in $cuts; do
		CASE="$v: file truncated to $cut bytes"
		damage "cut-$cut.img" truncate "$cut"
		if [ "$cut" -lt 76 ]; then
			check_image "cut-$cut.img" 4 "$cut bytes: too small for a cramfs superblock (76 bytes)"
		elif [ "$cut" -lt "$sbend" ]; then
			check_image "cut-$cut.img" 4 "no cramfs magic at byte 0 or 512"
		else
			check_image "cut-$cut.img" 4 \
				"superblock (byte $((sb + 4))): size $size is larger than the file ($cut bytes): image truncated"
		fi
	done

	for bit in 0x1000 0x80000000; do
		CASE="$v: flag $bit"
		damage "flag-$bit.img" or32 8 "$bit" crc
		check_image "flag-$bit.img" 4 "superblock (byte $((sb + 8))): unsupported flags $bit"
	done

	# without FSID_VERSION_2 there is no size, count or CRC to check: a warning, and the tree is checked
	CASE="$v: no FSID_VERSION_2"
	damage v1.img and32 8 0xfffffffe
	check_image v1.img 0 "warning: superblock has no FSID_VERSION_2 flag" "!CRC"
		CASE="$v: no FSID_VERSION_2, edition changed (CRC not checked)"
	damage v1-edition.img and32 8 0xfffffffe u32 36 7
	check_image v1-edition.img 0 "warning: superblock has no FSID_VERSION_2 flag"
	CASE="$v: no FSID_VERSION_2, root not a directory"
	damage v1-root.img and32 8 0xfffffffe rootmode 0100644
	check_image v1-root.img 4 "warning: superblock has no FSID_VERSION_2 flag" \
		"superblock (byte $((sb + 64))): root inode is not a directory (mode 0100644)"

	CASE="$v: root not a directory"
	damage root-file.img rootmode 0100644 crc
	check_image root-file.img 4 "superblock (byte $((sb + 64))): root inode is not a directory (mode 0100644)"

	CASE="$v: root offset wrong, no SHIFTED_ROOT_OFFSET"
	damage root-shift.img rootoff $((sbend + 4)) crc
	check_image root-shift.img 4 \
		"superblock: root entries at byte $((sbend + 4)), not right after the superblock, and no SHIFTED_ROOT_OFFSET flag"

	CASE="$v: root offset past the end, no SHIFTED_ROOT_OFFSET"
	damage root-past.img rootoff "$size" crc
	check_image root-past.img 4 \
		"superblock: root entries at byte $size, not right after the superblock, and no SHIFTED_ROOT_OFFSET flag"

	CASE="$v: root offset past the end, SHIFTED_ROOT_OFFSET"
	damage root-past-shifted.img rootoff "$size" or32 8 0x400 crc
	check_image root-past-shifted.img 4 \
		"superblock: root entries (bytes $size..$((size + rootsize))) outside the image ($size bytes)"

	CASE="$v: root entries longer than the image"
	damage root-long.img rootsize 0xfffffc crc
	check_image root-long.img 4 \
		"superblock: root entries (bytes $rootoff..$((rootoff + 0xfffffc))) outside the image ($size bytes)"

	if [ "$sb" -ne 0 ]; then
		CASE="$v: root entries at 76, before the superblock"
		damage root-76.img rootoff 76 crc
		check_image root-76.img 4 "superblock: root entries (bytes 76..$((76 + rootsize))) outside the image"
	fi

	CASE="$v: CRC wrong"
	damage crc.img u32 32 $((crc ^ 1))
	check_image crc.img 4 "$(printf 'superblock (byte %d): CRC is 0x%08x but the image'"'"'s CRC is 0x%08x' \
		$((sb + 32)) $((crc ^ 1)) "$crc")"

	CASE="$v: edition changed"
	damage edition.img u32 36 1
	check_image edition.img 4 "superblock (byte $((sb + 32))): CRC is 0x"

	CASE="$v: edition changed, CRC recomputed"
	damage edition-crc.img u32 36 1 crc
	check_image edition-crc.img 0 && expect "no messages on stderr" [ ! -s "$LAST_ERR" ]

	CASE="$v: name changed"
	damage name.img raw $((sb + 48)) 5a
	check_image name.img 4 "superblock (byte $((sb + 32))): CRC is 0x"

	CASE="$v: signature changed"
	damage signature.img raw $((sb + 16)) 63
	check_image signature.img 4 "superblock (byte $((sb + 32))): CRC is 0x"

	CASE="$v: a data byte changed"
	damage data.img raw $((size - 1)) 01
	check_image data.img 4 "superblock (byte $((sb + 32))): CRC is 0x"

	CASE="$v: file count wrong"
	damage files.img u32 44 $((files + 1))
	check_image files.img 4 "superblock (byte $((sb + 32))): CRC is 0x"

	CASE="$v: file count wrong, CRC recomputed"
	damage files-crc.img u32 44 $((files + 1)) crc
	check_image files-crc.img 0 "warning: superblock says $((files + 1)) files; the tree has $files"
}

for v in le be pad-le pad-be; do
	case $v in
	le) opts="-N little" order=little ;;
	be) opts="-N big" order=big ;;
	pad-le) opts="-p -N little" order=little ;;
	pad-be) opts="-p -N big" order=big ;;
	esac
	CASE="$v: make"
	mkdir "$TMP/$v" || die "cannot make $TMP/$v"
	# shellcheck disable=SC2086 # opts holds separate options
	if ! expect_exit 0 "$MKCRAMFS" $opts "$TMP/tree" "$TMP/$v/intact.img"; then
		continue
	fi
	info=$(sbtool info "$TMP/$v/intact.img")
	sb=$(printf '%s\n' "$info" | sed -n 's/^sb=//p')
	endian=$(printf '%s\n' "$info" | sed -n 's/^endian=//p')
	size=$(printf '%s\n' "$info" | sed -n 's/^size=//p')
	crc=$(printf '%s\n' "$info" | sed -n 's/^crc=//p')
	realcrc=$(printf '%s\n' "$info" | sed -n 's/^realcrc=//p')
	files=$(printf '%s\n' "$info" | sed -n 's/^files=//p')
	rootoff=$(printf '%s\n' "$info" | sed -n 's/^rootoff=//p')
	rootsize=$(printf '%s\n' "$info" | sed -n 's/^rootsize=//p')
	case $v in pad-*) want_sb=512 ;; *) want_sb=0 ;; esac
	expect "superblock at byte $want_sb (found at $sb)" [ "$sb" -eq "$want_sb" ]
	expect "byte order $order (found $endian)" [ "$endian" = "$order" ]
	expect "size field $size = file length" [ "$size" -eq "$(wc -c <"$TMP/$v/intact.img")" ]
	expect "root entries right after the superblock" [ "$rootoff" -eq $((sb + 76)) ]
	expect "stored CRC $crc is the CRC of the image" [ "$crc" -eq "$realcrc" ]
	expect "6 files" [ "$files" -eq 6 ]
	sbend=$((sb + 76))
	if [ "$order" = little ]; then other=big; else other=little; fi
	MODE=plan
	matrix
	sbtool batch "$TMP/$v/intact.img" "$TMP/$v" <"$TMP/$v/plan"
	MODE=check
	matrix
done

v=other
MODE=check
mkdir "$TMP/$v" || die "cannot make $TMP/$v"

CASE="empty file"
: >"$TMP/$v/empty.img" || die "cannot make an empty file"
check_image empty.img 4 "empty.img: 0 bytes: too small for a cramfs superblock (76 bytes)"

CASE="nonexistent path"
check_image does-not-exist.img 8 "does-not-exist.img: cannot open: No such file or directory"

CASE="a directory"
mkdir "$TMP/$v/dir.img" || die "cannot make a directory"
check_image dir.img 8 "dir.img: not a regular file or block device"

finish
