#!/bin/sh
# XIP profiles: mkcramfs --xip-profile stores in place only the pages a workload used, in the stock
# layout (each read-only segment direct from its first page up to its last profiled page) or the
# page-granular one (those pages alone); cramfsck --xip --profile says which profiled pages come
# from flash.  The expected pages are worked out here from the test files' segments and profiles.
# Every malformed profile is refused, naming the file and line, with no image written.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
setup_tmp
need_cmd python3

# a tree: an ELF file with r-- (pages 0-1), r-x (2-9) and rw- (10-11) segments, a FLAT program
# (text: pages 0-2), a data file for --xip, and files the profile does not name
python3 - "$TMP/t" <<'PY' || die "cannot write the test tree"
import os, struct, sys
root = sys.argv[1]
for d in ('bin', 'lib', 'share'):
    os.makedirs(os.path.join(root, d))
def body(n, seed):
    return bytes((i * 131 + seed) & 0xff for i in range(n))
# ELF64 little-endian, three PT_LOAD segments; 12 pages and 100 bytes
segs = [(0, 0x2000, 4), (0x2000, 0x8000, 5), (0xa000, 0x1800, 6)]
hdr = struct.pack('<16sHHIQQQIHHHHHH', b'\x7fELF' + bytes([2, 1, 1]) + bytes(9), 2, 62, 1,
                  0x2000, 64, 0, 0, 64, 56, len(segs), 64, 0, 0)
ph = b''.join(struct.pack('<IIQQQQQQ', 1, fl, off, off, off, fsz, fsz, 0x1000) for off, fsz, fl in segs)
data = bytearray(body(12 * 4096 + 100, 1))
data[:len(hdr) + len(ph)] = hdr + ph
open(os.path.join(root, 'bin/prog'), 'wb').write(data)
# FLAT: text ends at 9000 (pages 0-2), data after
flat = b'bFLT' + struct.pack('>9I', 4, 64, 9000, 9000, 9100, 8192, 9000, 0, 0) + bytes(24)
open(os.path.join(root, 'bin/flat'), 'wb').write(flat + body(12000 - 64, 2))
open(os.path.join(root, 'share/table'), 'wb').write(body(6 * 4096 + 7, 3))
open(os.path.join(root, 'share/other'), 'wb').write(body(5000, 4))
open(os.path.join(root, 'lib/empty'), 'wb').close()
for f in ('bin/prog', 'bin/flat'):
    os.chmod(os.path.join(root, f), 0o755)
PY

# profile NAME "PATH SIZE RANGES"...: a profile naming every file of the tree, RANGES given for some
profile() {
	_p=$TMP/$1.prof
	shift
	{
		printf 'cramfs-xip-profile 1\npage-size 4096\n# test profile\n'
		(cd "$TMP/t" && find . -type f | sed 's|^\.||' | LC_ALL=C sort) | while read -r _f; do
			_r=-
			for _e in "$@"; do
				case $_e in "$_f "*) _r=${_e#"$_f "} ;; esac
			done
			printf 'file %s %s %s\n' "$_f" "$(stat -c %s "$TMP/t$_f")" "$_r"
		done
	} >"$_p"
}

# direct IMAGE DESCRIPTION PATH=EXPR...: Python expressions over the file's entry f and its
# direct pages d (a set, from the report's runs)
direct() {
	_img=$1 _d=$2
	shift 2
	if "$CRAMFSCK" --xip --json "$_img" >"$TMP/d.json" 2>"$TMP/d.err" &&
		python3 - "$TMP/d.json" "$@" <<'PY'; then pass "$_d"; else fail "$_d"; fi
import json, sys
files = {f['path']: f for f in json.load(open(sys.argv[1]))['files']}
bad = 0
for check in sys.argv[2:]:
    path, expr = check.split('=', 1)
    f = files[path]
    d = set(p for first, count in f['runs'] for p in range(first, first + count))
    if not eval(expr, {'f': f, 'd': d}):
        print('%s: expected %s; direct pages %s' % (path, expr, sorted(d)))
        bad += 1
sys.exit(1 if bad else 0)
PY
}

profile hot "/bin/prog 1,4-5,11" "/bin/flat 1" "/share/table 2"

CASE="stock layout"
run "$MKCRAMFS" --xip-profile="$TMP/hot.prof" --xip=/share/table "$TMP/t" "$TMP/stock.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
# the profiled page 11 is in the writable segment: not a page that could be in place
expect_stderr_contains "stock (each segment from its first page up to its last profiled page) layout: 5 of 5 profiled pages of 5 files in place"
direct "$TMP/stock.img" "each read-only segment direct up to its last profiled page" \
	"/bin/prog=d == {0, 1, 2, 3, 4, 5}" \
	"/bin/flat=d == {0, 1, 2}" \
	"/share/table=d == {0, 1, 2}" \
	"/share/other=d == set()"
run "$CRAMFSCK" --xip --profile="$TMP/hot.prof" "$TMP/stock.img"
[ "$LAST_RC" = 0 ] && pass "cramfsck --profile" || fail "cramfsck --profile: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stdout_contains "profile: 4 pages used, 3 from flash, 1 from RAM"
expect_stdout_contains "profile $TMP/hot.prof: 6 pages used, 5 from flash (83.3%), 1 from RAM, on a stock MMU kernel"
expect_stderr_lacks "warning"

CASE="page-granular layout"
run "$MKCRAMFS" --xip-profile="$TMP/hot.prof" --xip-layout=page --xip=/share/table "$TMP/t" "$TMP/page.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stderr_contains "page-granular (for a kernel with page-granular XIP) layout: 5 of 5 profiled pages"
direct "$TMP/page.img" "the profiled pages of read-only segments alone; a FLAT text whole" \
	"/bin/prog=d == {1, 4, 5}" \
	"/bin/flat=d == {0, 1, 2}" \
	"/share/table=d == {2}"
run "$CRAMFSCK" --xip --profile="$TMP/hot.prof" --json "$TMP/page.img"
# the stock rule: a segment maps from its first page, which is not in place for /bin/prog's segments
# nor for /share/table (page 2 alone); the FLAT text is one run from page 0
if python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["profile"]; sys.exit(0 if (p["pages"], p["flash"]) == (6, 1) else p)' "$LAST_OUT"; then
	pass "on the stock kernel's rule only the runs from a mapping's first page come from flash"
else
	fail "cramfsck --profile --json on the page-granular image: $(cat "$LAST_OUT" | tail -c 300)"
fi
run "$CRAMFSCK" --xip --nommu --profile="$TMP/hot.prof" "$TMP/page.img"
expect_stdout_contains "on a kernel without an MMU"
expect_stdout_contains "FLAT text of 9000 bytes runs in place"

CASE="deterministic"
"$MKCRAMFS" --xip-profile="$TMP/hot.prof" --xip=/share/table -j 1 "$TMP/t" "$TMP/stock1.img" 2>/dev/null
if cmp -s "$TMP/stock.img" "$TMP/stock1.img"; then pass "same tree and profile, same bytes"; else fail "the image differs between runs"; fi

CASE="a profile without pages"
profile cold
run "$MKCRAMFS" --xip-profile="$TMP/cold.prof" "$TMP/t" "$TMP/cold.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC"
direct "$TMP/cold.img" "nothing in place" "/bin/prog=d == set()" "/bin/flat=d == set()"

CASE="mismatches"
profile hot2 "/bin/prog 1" "/bin/gone 0" "/share/other 0-1"
printf 'file /bin/gone 4096 0\n' >>"$TMP/hot2.prof"
python3 - "$TMP/hot2.prof" <<'PY'
import sys
p = sys.argv[1]
lines = open(p).read().splitlines()
head = [l for l in lines if not l.startswith('file ')]
files = sorted((l for l in lines if l.startswith('file ')), key=lambda l: l.split(' ')[1].encode())
# /share/other was 5000 bytes: say it was 4999
files = [l.replace('/share/other 5000', '/share/other 4999') for l in files]
open(p, 'w').write('\n'.join(head + files) + '\n')
PY
run "$MKCRAMFS" --xip-profile="$TMP/hot2.prof" "$TMP/t" "$TMP/mm.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stderr_contains "$TMP/hot2.prof: /bin/gone is not a file of the tree: its entry is ignored"
expect_stderr_contains "$TMP/hot2.prof: /share/other was 4999 bytes, the tree's is 5000: its entry is ignored"
run "$CRAMFSCK" --xip --profile="$TMP/hot2.prof" "$TMP/mm.img"
expect_stderr_contains "$TMP/hot2.prof: /bin/gone is not a file of the image"
expect_stderr_contains "$TMP/hot2.prof: /share/other was 4999 bytes, the image's is 5000: its entry is ignored"
expect_stdout_contains "1 entries with pages name no file of the image, 1 a file of another size"

CASE="another tree"
printf 'cramfs-xip-profile 1\npage-size 4096\nfile /a 10 0\nfile /b 10 -\nfile /bin/prog 49252 0\n' >"$TMP/other.prof"
expect_exit 8 "$MKCRAMFS" --xip-profile="$TMP/other.prof" "$TMP/t" "$TMP/o.img"
expect_stderr_contains "2 of its 3 files are not in the tree or not of the size they had: a profile of another tree? (--xip-profile-force uses it anyway)"
if [ -e "$TMP/o.img" ]; then fail "an image was written"; else pass "no image written"; fi
run "$MKCRAMFS" --xip-profile="$TMP/other.prof" --xip-profile-force "$TMP/t" "$TMP/o.img"
[ "$LAST_RC" = 0 ] && pass "--xip-profile-force uses it" || fail "--xip-profile-force: exit $LAST_RC: $(cat "$LAST_ERR")"
direct "$TMP/o.img" "the entry that matches is used" "/bin/prog=d == {0}"

CASE="page size"
expect_exit 8 "$MKCRAMFS" -b 16384 --xip-profile="$TMP/hot.prof" "$TMP/t" "$TMP/ps.img"
expect_stderr_contains "$TMP/hot.prof: taken with 4096-byte pages; the image is for 16384-byte pages (-b)"
expect_exit 8 "$CRAMFSCK" --xip --profile="$TMP/hot.prof" "$TMP/cold.img" -b 16384

# malformed profiles: LINE-NUMBER MESSAGE CONTENT.  The reader's every refusal is checked by
# tests/unit/test_profile.c; here, that both tools give its message, naming the file and line,
# and write no image
CASE="refused"
refused() {
	printf '%b' "$3" >"$TMP/bad.prof"
	rm -f "$TMP/bad.img"
	expect_exit 8 "$MKCRAMFS" --xip-profile="$TMP/bad.prof" "$TMP/t" "$TMP/bad.img"
	expect_stderr_contains "$TMP/bad.prof:$1: $2"
	if [ -e "$TMP/bad.img" ]; then fail "$2: an image was written"; fi
	expect_exit 8 "$CRAMFSCK" --xip --profile="$TMP/bad.prof" "$TMP/cold.img"
	expect_stderr_contains "$TMP/bad.prof:$1: $2"
}
H='cramfs-xip-profile 1\npage-size 4096\n'
refused 1 'profile version 2, this program reads version 1' 'cramfs-xip-profile 2\npage-size 4096\n'
refused 4 'the file lines are not sorted by path' "${H}file /b 1 -\nfile /a 1 -\n"
refused 3 'a page past the end of the file' "${H}file /a 8000 0-2\n"
refused 3 'ranges out of order or overlapping' "${H}file /a 80000 3,2\n"
refused 3 'the last line has no newline (the file is cut short?)' "${H}file /a 80000 1"

CASE="escaped names"
mkdir -p "$TMP/e"
printf 'x%.0s' $(seq 1 5000) >"$TMP/e/a b%c"
python3 -c 'import os, sys; open(os.fsencode(sys.argv[1]) + b"/caf\xe9", "wb").write(b"y" * 5000)' "$TMP/e"
printf 'cramfs-xip-profile 1\npage-size 4096\nfile /a%%20b%%25c 5000 0-1\nfile /caf%%E9 5000 1\n' >"$TMP/e.prof"
run "$MKCRAMFS" --xip-profile="$TMP/e.prof" --xip='/*' "$TMP/e" "$TMP/e.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stderr_contains "layout: 3 of 3 profiled pages of 2 files in place"

CASE="options"
expect_exit 16 "$MKCRAMFS" --xip-layout=page "$TMP/t" "$TMP/x.img"
expect_stderr_contains "--xip-layout and --xip-profile-force need --xip-profile"
expect_exit 16 "$MKCRAMFS" --xip-profile="$TMP/hot.prof" --xip-layout=pages "$TMP/t" "$TMP/x.img"
expect_stderr_contains "--xip-layout must be stock or page, not 'pages'"
expect_exit 16 "$CRAMFSCK" --profile="$TMP/hot.prof" "$TMP/cold.img"
expect_stderr_contains "--profile goes with --xip"
finish
