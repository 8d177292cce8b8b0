#!/bin/sh
# FLAT programs (bFLT, the executables of no-MMU Linux): mkcramfs -X stores a program's text, file
# offset 0 up to data_start, as one direct run, and cramfsck --xip --nommu predicts what a no-MMU
# kernel does with each whole-file mmap request and whether each program's text runs in place.
# The expectations are worked out by hand from each file's header and size.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
setup_tmp
need_cmd python3

# NAME TEXT SIZE [FLAGS [REV]]: a FLAT program whose header says text ends at TEXT
python3 - "$TMP/t" <<'PY' || die "cannot write the FLAT test files"
import os, struct, sys
root = sys.argv[1]
os.makedirs(root + '/bin')
os.makedirs(root + '/etc')
def flat(name, text, size, flags=0, rev=4):
    hdr = b'bFLT' + struct.pack('>9I', rev, 64, text, text, text + 16, 8192, text, 0, flags) + bytes(24)
    body = bytes((i * 131 + len(name)) & 0xff for i in range(size - 64))
    with open(root + '/bin/' + name, 'wb') as f:
        f.write(hdr + body)
    os.chmod(root + '/bin/' + name, 0o755)
flat('prog', 5000, 9000)           # text in pages 0-1, data after
flat('small', 4000, 4000)          # all text, one page
flat('edge', 4096, 9000)           # text ends exactly at a page boundary
flat('pm', 8192, 8192)             # text reaches the last page of a page-multiple file
flat('ram', 5000, 9000, flags=1)   # FLAT_FLAG_RAM: binfmt_flat copies it whatever the layout
flat('gz', 5000, 9000, flags=4)    # FLAT_FLAG_GZIP
flat('old', 5000, 9000, rev=2)     # revision 2: not understood
flat('lying', 20000, 9000)         # data_start past the end of the file
hdr = b'bFLT' + struct.pack('>9I', 4, 64, 5000, 4000, 6000, 8192, 5000, 0, 0) + bytes(24)
with open(root + '/bin/order', 'wb') as f:   # data_end before data_start
    f.write(hdr + bytes(9000 - 64))
with open(root + '/bin/short', 'wb') as f:
    f.write(b'bFLT\0\0\0\4')       # magic, no header
with open(root + '/etc/data', 'wb') as f:
    f.write(bytes(range(256)) * 40)
PY

# IMAGE JSON CHECKS: run a Python check on cramfsck --xip --nommu --json's files, by path
predict() { # DESCRIPTION IMAGE PYTHON-EXPR-OF-f (per path: "PATH=EXPR" ...)
	_d=$1; _img=$2; shift 2
	if "$CRAMFSCK" --xip --nommu --json "$_img" >"$TMP/p.json" 2>"$TMP/p.err" &&
		python3 - "$TMP/p.json" "$@" <<'PY'; then pass "$_d"; else fail "$_d"; fi
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc['kernel'] == 'nommu', doc['kernel']
files = {f['path']: f for f in doc['files']}
bad = 0
for check in sys.argv[2:]:
    path, expr = check.split('=', 1)
    f = files.get(path)
    ok = f is not None and eval(expr, {'f': f, 'flat': (f or {}).get('flat') or {}})
    if not ok:
        print('%s: expected %s, got %s' % (path, expr, json.dumps(f)))
        bad += 1
sys.exit(1 if bad else 0)
PY
}

CASE="-X"
run "$MKCRAMFS" -X "$TMP/t" "$TMP/x.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs -X" || fail "mkcramfs -X: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stderr_contains "/bin/pm: FLAT text reaches the last page of a file of 8192 bytes"
expect_stderr_lacks "/bin/prog:"
predict "text of each program in place as its header and the layout say" "$TMP/x.img" \
	"/bin/prog=flat['in_place'] and flat['text_len'] == 5000 and f['direct_pages'] == 2 and f['mapping'] == 'none'" \
	"/bin/prog=f['mmap'] == {'shared-r': 'ENODEV', 'private-r': 'copy', 'private-rx': 'copy', 'private-rw': 'copy'}" \
	"/bin/small=flat['in_place'] and f['mapping'] == 'all' and f['offset'] % 4096 == 0" \
	"/bin/small=f['mmap'] == {'shared-r': 'flash', 'private-r': 'flash', 'private-rx': 'flash', 'private-rw': 'copy'}" \
	"/bin/edge=flat['in_place'] and f['direct_pages'] == 1 and flat['text_pages'] == 1" \
	"/bin/pm=not flat['in_place'] and f['direct_pages'] == 1 and not f['last_page_read_bug']" \
	"/bin/ram=not flat['in_place'] and 'FLAT_FLAG_RAM' in flat['reason'] and f['run_pages'] == 0" \
	"/bin/gz=not flat['in_place'] and 'GZIP' in flat['reason'] and f['run_pages'] == 0" \
	"/bin/old=f['flat'] is None and f['run_pages'] == 0" \
	"/bin/lying=f['flat'] is None and f['run_pages'] == 0" \
	"/bin/short=f['flat'] is None" \
	"/bin/order=f['flat'] is None and f['run_pages'] == 0" \
	"/etc/data=f['flat'] is None and f['run_pages'] == 0 and f['mmap']['shared-r'] == 'ENODEV'"
run "$MKCRAMFS" -v -X "$TMP/t" "$TMP/xv.img"
expect_stderr_contains "/bin/old: not treated as a FLAT program: bFLT revision 2 (only revision 4 is understood)"
expect_stderr_contains "/bin/lying: not treated as a FLAT program: bFLT data_start 20000 is not between the header's end (64) and the file's end (9000)"
expect_stderr_contains "/bin/order: not treated as a FLAT program: bFLT segments out of order: data_start 5000, data_end 4000, bss_end 6000"
expect_stderr_contains "/bin/short: not treated as a FLAT program: bFLT header cut short: the file has 8 bytes, the header 64"
expect_stderr_contains "/bin/ram: FLAT program stored compressed: bFLT flags: FLAT_FLAG_RAM, loaded into RAM"
run "$CRAMFSCK" --xip --nommu "$TMP/x.img"
[ "$LAST_RC" = 0 ] && pass "text report" || fail "text report: exit $LAST_RC"
expect_stdout_contains "no-MMU kernel"
expect_stdout_contains "/bin/prog (page 2 on: unsuitable block layout; pages 0-1 alone map at 0x"
expect_stdout_contains "FLAT text of 5000 bytes runs in place"
expect_stdout_contains "/bin/ram (unsuitable block layout; FLAT text copied to RAM: bFLT flags: FLAT_FLAG_RAM"
expect_stdout_contains "6 FLAT programs, 3 with their text in flash"
run "$CRAMFSCK" --xip --json "$TMP/x.img"
expect_stdout_contains '"kernel": "mmu"'

CASE="-X --xip-direct-last-page"
run "$MKCRAMFS" -X --xip-direct-last-page "$TMP/t" "$TMP/dl.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stderr_lacks "FLAT text reaches"
predict "the page-multiple program's text stays one run" "$TMP/dl.img" \
	"/bin/pm=flat['in_place'] and f['mapping'] == 'all' and f['last_page_read_bug']"

CASE="-X --nommu"
run "$MKCRAMFS" -X --nommu "$TMP/t" "$TMP/n.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"
predict "runs 8-byte aligned, text in place" "$TMP/n.img" \
	"/bin/prog=flat['in_place'] and f['offset'] % 8 == 0" \
	"/bin/small=flat['in_place'] and f['mapping'] == 'all' and f['offset'] % 8 == 0" \
	"/bin/edge=flat['in_place']"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if any(f["offset"] % 4096 for f in d["files"] if f["offset"]) else 1)' "$TMP/p.json"; then
	pass "--nommu packs runs at 8-byte alignment"
else
	fail "--nommu: every run is page aligned, the layout did not pack them"
fi

CASE="--no-xip, no -X"
run "$MKCRAMFS" -X --no-xip=/bin/prog "$TMP/t" "$TMP/nx.img"
predict "--no-xip keeps a program compressed" "$TMP/nx.img" \
	"/bin/prog=not flat['in_place'] and f['run_pages'] == 0" "/bin/small=flat['in_place']"
run "$MKCRAMFS" "$TMP/t" "$TMP/plain.img"
predict "without -X nothing runs in place" "$TMP/plain.img" \
	"/bin/prog=not flat['in_place'] and flat['reason'] == 'text (2 pages) not stored as one direct run'" \
	"/bin/small=not flat['in_place'] and f['mmap']['private-rx'] == 'copy'"

CASE="--xip pattern"
run "$MKCRAMFS" -X --xip=/etc/data "$TMP/t" "$TMP/p.img"
predict "a whole file stored in place is whole in flash" "$TMP/p.img" \
	"/etc/data=f['mapping'] == 'all' and f['mmap']['shared-r'] == 'flash' and f['runs'] == [[0, 3, f['offset']]]"

CASE="options"
expect_exit 16 "$CRAMFSCK" --nommu "$TMP/x.img"
expect_stderr_contains "--nommu goes with --xip"
finish
