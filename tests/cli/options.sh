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
# a long option given an argument it takes none of is named as written, not by its short letter
expect_exit 16 "$MKCRAMFS" --pad=3 "$TMP/t" "$TMP/q.img" &&
	expect_stderr_contains "option '--pad' takes no argument" && expect_stderr_lacks "'-p'"
expect_exit 16 "$MKCRAMFS" --pa=3 "$TMP/t" "$TMP/q.img" && expect_stderr_contains "option '--pa' takes no argument"
expect_exit 16 "$MKCRAMFS" --best=1 "$TMP/t" "$TMP/q.img" && expect_stderr_contains "option '--best' takes no argument"
expect_exit 16 "$MKCRAMFS" --xi=/a "$TMP/t" "$TMP/q.img" && expect_stderr_contains "option '--xi' is ambiguous"
expect_exit 16 "$MKCRAMFS" "$TMP/t" "$TMP/q.img" --name && expect_stderr_contains "option '--name' needs an argument"
expect_exit 16 "$MKCRAMFS" "$TMP/t" "$TMP/q.img" -vb && expect_stderr_contains "option '-b' needs an argument"
expect_exit 16 "$MKCRAMFS" --pad -Qv "$TMP/t" "$TMP/q.img" && expect_stderr_contains "unknown option '-Q'"
expect_exit 16 "$CRAMFSCK" --xip=1 "$TMP/ul.img" && expect_stderr_contains "option '--xip' takes no argument"
expect_exit 16 "$CRAMFSCK" --verbose=2 "$TMP/ul.img" && expect_stderr_contains "option '--verbose' takes no argument"

# numbers are whole and in range: nothing is cut to 32 bits, no blanks or signs around them
for b in 4294971392 0x100001000 18446744073709555712 " 4096" +4096 -4096 4096x ""; do
	expect_exit 16 "$CRAMFSCK" -b "$b" "$TMP/ul.img" &&
		expect_stderr_contains "block size must be 4096, 16384 or 65536, not '$b'"
done
expect_exit 0 "$CRAMFSCK" -b 0x1000 "$TMP/ul.img"
for j in 4294967297 18446744073709551617 +1 " 1"; do
	expect_exit 16 "$CRAMFSCK" -j "$j" "$TMP/ul.img" &&
		expect_stderr_contains "thread count must be 1 to 256, not '$j'"
done
for b in 4294971392 18446744073709555712 " 4096" +4096; do
	expect_exit 16 "$MKCRAMFS" -b "$b" "$TMP/t" "$TMP/q.img" && expect_stderr_contains "invalid block size: '$b'"
done
for e in 4294967296 18446744073709551616 " 1" +1 -1 1x ""; do
	expect_exit 16 "$MKCRAMFS" -e "$e" "$TMP/t" "$TMP/q.img" && expect_stderr_contains "invalid edition: '$e'"
done
for j in 4294967297 +1 " 1"; do
	expect_exit 16 "$MKCRAMFS" -j "$j" "$TMP/t" "$TMP/q.img" && expect_stderr_contains "invalid thread count: '$j'"
done
for l in 4294967297 +1 " 1"; do
	expect_exit 16 "$MKCRAMFS" -l "$l" "$TMP/t" "$TMP/q.img" && expect_stderr_contains "invalid compression level: '$l'"
done
for id in uid gid; do
	for v in 4294967296 18446744073709551616 -1 " 0" +0; do
		expect_exit 16 "$MKCRAMFS" --force-$id="$v" "$TMP/t" "$TMP/q.img" && expect_stderr_contains "invalid $id: '$v'"
	done
done
# the largest values are taken as they are
if "$MKCRAMFS" -e 4294967295 "$TMP/t" "$TMP/emax.img" &&
	python3 -c "import struct,sys; d=open(sys.argv[1],'rb').read(); assert struct.unpack('<I',d[36:40])[0]==4294967295" "$TMP/emax.img"; then
	pass "-e 4294967295 stored"
else
	fail "-e 4294967295 not stored as it is"
fi
[ -e "$TMP/q.img" ] && fail "a usage error left an output file"
finish
