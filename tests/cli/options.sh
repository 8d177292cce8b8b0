#!/bin/sh
# Both peers' option sets are accepted, with the same meaning; unknown options are usage errors.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
setup_tmp

mkdir "$TMP/t" && echo hello >"$TMP/t/f" && ln -s f "$TMP/t/l"
if "$MKCRAMFS" --help >"$TMP/help"; then pass "not: --help: non-zero exit"; else fail "--help: non-zero exit"; fi
if grep -q "^Usage: mkcramfs" "$TMP/help"; then pass "not: --help: no usage line"; else fail "--help: no usage line"; fi
if "$MKCRAMFS" -V | grep -q "mkcramfs-xip"; then pass "not: -V: no version"; else fail "-V: no version"; fi
if "$CRAMFSCK" --version | grep -q "mkcramfs-xip"; then pass "not: cramfsck --version: no version"; else fail "cramfsck --version: no version"; fi

# util-linux mkfs.cramfs options
if "$MKCRAMFS" -v -E -b 4096 -e 3 -N little -n vol -p -s -z "$TMP/t" "$TMP/ul.img" 2>/dev/null; then pass "not: util-linux options refused"; else fail "util-linux options refused"; fi
# cramfs-tools mkcramfs options
if "$MKCRAMFS" -v -E -e 3 -L -n vol -p -s -x -z "$TMP/t" "$TMP/ct.img" 2>/dev/null; then pass "not: cramfs-tools options refused"; else fail "cramfs-tools options refused"; fi
"$MKCRAMFS" -B "$TMP/t" "$TMP/b1.img" && "$MKCRAMFS" -N big "$TMP/t" "$TMP/b2.img" && cmp "$TMP/b1.img" "$TMP/b2.img" ||
	fail "-B and -N big differ"
"$MKCRAMFS" -L "$TMP/t" "$TMP/l1.img" && "$MKCRAMFS" --endianness=little "$TMP/t" "$TMP/l2.img" && cmp "$TMP/l1.img" "$TMP/l2.img" ||
	fail "-L and --endianness=little differ"
if "$MKCRAMFS" -s "$TMP/t" "$TMP/s.img" && cmp "$TMP/s.img" "$TMP/l1.img"; then pass "not: -s changed the image"; else fail "-s changed the image"; fi
# the edition and name land in the superblock
if "$MKCRAMFS" -e 7 -n myvolume "$TMP/t" "$TMP/e.img"; then pass "not: -e/-n refused"; else fail "-e/-n refused"; fi
python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); assert struct.unpack('<I',d[36:40])[0]==7, 'edition'; assert d[48:64].rstrip(b'\0')==b'myvolume', 'name'" "$TMP/e.img" ||
	fail "edition or name not stored"
# -p puts the superblock at 512
"$MKCRAMFS" -p "$TMP/t" "$TMP/p.img" && python3 -c "import sys; d=open(sys.argv[1],'rb').read(); assert d[:512]==bytes(512) and d[512:516]==b'\x45\x3d\xcd\x28'" "$TMP/p.img" ||
	fail "-p: superblock not at byte 512 after zeros"

expect_exit 16 "$MKCRAMFS" -Q "$TMP/t" "$TMP/q.img"
expect_exit 16 "$MKCRAMFS" --bogus "$TMP/t" "$TMP/q.img"
expect_exit 16 "$CRAMFSCK" --bogus "$TMP/ul.img"
expect_exit 16 "$CRAMFSCK" -Q "$TMP/ul.img"
expect_exit 16 "$CRAMFSCK" --json "$TMP/ul.img"
for j in 0 257 -1 2x ""; do
	expect_exit 16 "$CRAMFSCK" -j "$j" "$TMP/ul.img" &&
		expect_stderr_contains "thread count must be 1 to 256, not '$j'"
done
expect_exit 0 "$CRAMFSCK" --jobs=256 "$TMP/ul.img"
[ -e "$TMP/q.img" ] && fail "a usage error left an output file"
finish
