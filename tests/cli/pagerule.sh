#!/bin/sh
# cramfsck --xip --rule=page: the report for a kernel with page-granular XIP, on an image that
# mkcramfs --xip-profile --xip-layout=page made with the profiled pages alone in place.  The pages
# the report says are direct are checked against the image itself (its block pointers, and the
# bytes they point at against the tree's), and against the profile; the text report's page lists,
# the rule in the JSON and the text, --profile on this rule, and the option's errors.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
setup_tmp
need_cmd python3 cmp

# a tree: an ELF file with r-- (pages 0-1), r-x (2-9) and rw- (10-11) segments, 12 pages and 100
# bytes; data files for --xip; a file the profile does not name
python3 - "$TMP/t" <<'PY' || die "cannot write the test tree"
import os, struct, sys
root = sys.argv[1]
for d in ('bin', 'share'):
    os.makedirs(os.path.join(root, d))
def body(n, seed):
    return bytes((i * 131 + seed) & 0xff for i in range(n))
segs = [(0, 0x2000, 4), (0x2000, 0x8000, 5), (0xa000, 0x1800, 6)]
hdr = struct.pack('<16sHHIQQQIHHHHHH', b'\x7fELF' + bytes([2, 1, 1]) + bytes(9), 2, 62, 1,
                  0x2000, 64, 0, 0, 64, 56, len(segs), 64, 0, 0)
ph = b''.join(struct.pack('<IIQQQQQQ', 1, fl, off, off, off, fsz, fsz, 0x1000) for off, fsz, fl in segs)
data = bytearray(body(12 * 4096 + 100, 1))
data[:len(hdr) + len(ph)] = hdr + ph
open(os.path.join(root, 'bin/prog'), 'wb').write(data)
os.chmod(os.path.join(root, 'bin/prog'), 0o755)
open(os.path.join(root, 'share/table'), 'wb').write(body(6 * 4096 + 7, 3))
open(os.path.join(root, 'share/big'), 'wb').write(body(41 * 4096 - 9, 5))
open(os.path.join(root, 'share/other'), 'wb').write(body(5000, 4))
PY

# every other page of /share/big: 21 ranges, more than a line of text lists
big=$(python3 -c 'print(",".join(str(p) for p in range(0, 41, 2)))')
{
	printf 'cramfs-xip-profile 1\npage-size 4096\n'
	printf 'file /bin/prog %s 1,4-5,7,11\n' "$(stat -c %s "$TMP/t/bin/prog")"
	printf 'file /share/big %s %s\n' "$(stat -c %s "$TMP/t/share/big")" "$big"
	printf 'file /share/other %s -\n' "$(stat -c %s "$TMP/t/share/other")"
	printf 'file /share/table %s 0,2-3,5\n' "$(stat -c %s "$TMP/t/share/table")"
} >"$TMP/hot.prof"

CASE="image"
run "$MKCRAMFS" --xip-profile="$TMP/hot.prof" --xip-layout=page --xip=/share/table --xip=/share/big \
	"$TMP/t" "$TMP/page.img"
[ "$LAST_RC" = 0 ] && pass "mkcramfs --xip-layout=page" || fail "mkcramfs: exit $LAST_RC: $(cat "$LAST_ERR")"

# report RULE: the JSON report under --rule=RULE, in $TMP/RULE.json
report() {
	if "$CRAMFSCK" --xip --json --rule="$1" "$TMP/page.img" >"$TMP/$1.json" 2>"$TMP/$1.err"; then
		pass "cramfsck --xip --json --rule=$1"
	else
		fail "cramfsck --xip --json --rule=$1: $(cat "$TMP/$1.err")"
	fi
}
report page
report prefix

# check RULE DESCRIPTION PATH=EXPR...: Python expressions over the JSON entry f of PATH under RULE,
# the direct pages d it reports (from direct_ranges), the pages i stored DIRECT|UNCOMPRESSED in the
# image (read from its block pointers, each checked to hold the tree's bytes for its page),
# ranges() of a set of pages, and the top-level object top
check() {
	_rule=$1 _d=$2
	shift 2
	if SRCDIR=$SRCDIR python3 - "$TMP/page.img" "$TMP/t" "$TMP/$_rule.json" "$@" <<'PY'; then pass "$_d"; else fail "$_d"; fi
import json, os, sys
sys.path.insert(0, os.path.join(os.environ['SRCDIR'], 'tests', 'lib'))
import cramfsimg

img = open(sys.argv[1], 'rb').read()
tree, top = sys.argv[2], json.load(open(sys.argv[3]))
bs = top['blksize']
sb, order = cramfsimg.locate(img)
BOTH = 0xC0000000

def walk(off, size, prefix, out):
    pos = off
    while pos < off + size:
        mode, fsize, foff, namelen = cramfsimg.inode(img, pos, order)
        name = img[pos + 12:pos + 12 + namelen].rstrip(b'\0').decode()
        if mode & cramfsimg.S_IFMT == cramfsimg.S_IFDIR:
            walk(foff, fsize, prefix + '/' + name, out)
        elif mode & cramfsimg.S_IFMT == cramfsimg.S_IFREG:
            out[prefix + '/' + name] = (fsize, foff)
        pos += 12 + namelen

def stored(path, fsize, table):
    data = open(tree + path, 'rb').read()
    pages = set()
    for i in range((fsize + bs - 1) // bs):
        ptr = int.from_bytes(img[table + 4 * i:table + 4 * i + 4], 'little' if order == '<' else 'big')
        if ptr & BOTH == BOTH:
            addr = (ptr & ~BOTH) << 2
            want = data[i * bs:(i + 1) * bs]
            if img[addr:addr + len(want)] != want:
                sys.exit('%s: page %d: the block at %d does not hold the page' % (path, i, addr))
            pages.add(i)
    return pages

def ranges(pages):
    out = []
    for p in sorted(pages):
        if out and out[-1][0] + out[-1][1] == p:
            out[-1][1] += 1
        else:
            out.append([p, 1])
    return out

inodes = {}
mode, size, offset, _ = cramfsimg.inode(img, sb + 64, order)
walk(offset, size, '', inodes)
files = {f['path']: f for f in top['files']}
bad = 0
for check in sys.argv[4:]:
    path, expr = check.split('=', 1)
    f = files.get(path, {})
    d = set(p for first, count in f.get('direct_ranges', []) for p in range(first, first + count))
    i = stored(path, *inodes[path]) if path in inodes else set()
    env = {'f': f, 'd': d, 'i': i, 'ranges': ranges, 'top': top}
    if not eval(expr, env):
        print('%s: expected %s; reported direct %s, stored direct %s, entry %s' % (
            path, expr, sorted(d), sorted(i), json.dumps(f)[:600]))
        bad += 1
sys.exit(1 if bad else 0)
PY
}

CASE="--rule=page --json"
check page "the document names the rule and the kernel" \
	"/bin/prog=top['rule'] == 'page' and top['kernel'] == 'mmu'"
check page "every page stored direct maps, and only those: the profiled pages of read-only segments" \
	"/bin/prog=d == i == {1, 4, 5, 7}" \
	"/share/table=d == i == {0, 2, 3, 5}" \
	"/share/big=d == i == set(range(0, 41, 2))" \
	"/share/other=d == i == set()"
check page "direct and direct_ranges: the same compact ranges; direct_pages their pages" \
	"/share/table=f['direct'] == f['direct_ranges'] == [[0, 1], [2, 2], [5, 1]] and f['direct_pages'] == 4" \
	"/bin/prog=f['direct'] == f['direct_ranges'] == ranges(i) and f['direct_pages'] == 4" \
	"/share/big=len(f['direct_ranges']) == 21 and f['direct_pages'] == 21"
check page "the mapping and the first page that is not direct" \
	"/share/table=f['mapping'] == 'partial' and f['reason'] == 'unsuitable block layout' and f['reason_page'] == 1" \
	"/bin/prog=f['mapping'] == 'partial' and f['reason_page'] == 0" \
	"/share/other=f['mapping'] == 'none' and f['reason_page'] == 0"
check page "runs: the direct pages, split where flash is not contiguous; run_pages all of them" \
	"/share/table=sum(c for _, c in f['runs']) == f['run_pages'] == 4 and set(p for a, c in f['runs'] for p in range(a, a + c)) == d" \
	"/share/big=f['run_pages'] == 21 and len(f['runs']) == 21"
check page "each read-only segment gets its direct pages wherever they are; the data segment none" \
	"/bin/prog=[(g['perms'], g['first'], g['pages'], g['direct_pages'], g['reason_page']) for g in f['segments']] == [('r--', 0, 2, 1, 0), ('r-x', 2, 8, 3, 2), ('rw-', 10, 2, 0, 10)]" \
	"/bin/prog=f['segments'][2]['reason'] == 'writable' and f['ro_pages'] == 10 and f['ro_direct_pages'] == 4"
check page "the totals count every direct page" \
	"/bin/prog=top['totals']['run_pages'] == 4 + 4 + 21 and top['totals']['files_partial'] == 3 and top['totals']['elf_ro_direct_pages'] == 4"

CASE="--rule=prefix --json"
check prefix "the stock rule on the same image: runs from each mapping's first page only" \
	"/bin/prog=top['rule'] == 'prefix' and top['kernel'] == 'mmu'" \
	"/share/table=f['direct_ranges'] == f['direct'] == [[0, 1]] and f['direct_pages'] == 1 and f['reason_page'] == 1" \
	"/bin/prog=f['direct_ranges'] == [] and f['ro_direct_pages'] == 0" \
	"/share/big=f['direct_ranges'] == [[0, 1]]"
run "$CRAMFSCK" --xip --json "$TMP/page.img"
if cmp -s "$LAST_OUT" "$TMP/prefix.json"; then pass "prefix is the default"; else fail "--rule=prefix differs from no --rule"; fi
run "$CRAMFSCK" --xip --json --rule=nommu "$TMP/page.img"
expect_stdout_contains '"rule": "nommu"'
cp "$LAST_OUT" "$TMP/nommu.json"
run "$CRAMFSCK" --xip --json --nommu "$TMP/page.img"
if cmp -s "$LAST_OUT" "$TMP/nommu.json"; then pass "--nommu is --rule=nommu"; else fail "--nommu differs from --rule=nommu"; fi
expect_stdout_contains '"direct_ranges": [[0, 1]], "runs": [[0, 1, '

CASE="--rule=page text"
run "$CRAMFSCK" --xip --rule=page "$TMP/page.img"
[ "$LAST_RC" = 0 ] && pass "text report" || fail "text report: exit $LAST_RC: $(cat "$LAST_ERR")"
expect_stdout_contains "(MMU kernel with page-granular XIP, page rule: read-only mmap of the whole file"
expect_stdout_contains "partial      4/7     /share/table (pages 0,2-3,5 from flash; page 1: unsuitable block layout)"
expect_stdout_contains "partial      4/10    /bin/prog (ELF: r-- pages 0-1, page 1 from flash, page 0: unsuitable block layout; r-x pages 2-9, pages 4-5,7 from flash, page 2: unsuitable block layout; rw- pages 10-11 from RAM, as writable data always is)"
expect_stdout_contains "partial     21/41    /share/big (pages 0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,... from flash; page 1: unsuitable block layout)"
expect_stdout_contains "4 files: 0 all direct, 3 partly, 1 not; 1 ELF files with 4 of 10 read-only segment pages from flash; 3 files with 29 of 63 pages directly mappable"
run "$CRAMFSCK" --xip "$TMP/page.img"
expect_stdout_contains "(stock MMU kernel, prefix rule: read-only mmap of the whole file"
expect_stdout_contains "partial      1/7     /share/table (page 1 on: unsuitable block layout)"

CASE="--rule=page --profile"
run "$CRAMFSCK" --xip --rule=page --profile="$TMP/hot.prof" "$TMP/page.img"
[ "$LAST_RC" = 0 ] && pass "cramfsck --profile" || fail "cramfsck --profile: exit $LAST_RC: $(cat "$LAST_ERR")"
# every profiled page is in place but /bin/prog's page 11, in the writable segment
expect_stdout_contains "profile $TMP/hot.prof: 30 pages used, 29 from flash (96.7%), 1 from RAM, on a kernel with page-granular XIP"
run "$CRAMFSCK" --xip --profile="$TMP/hot.prof" "$TMP/page.img"
expect_stdout_contains "profile $TMP/hot.prof: 30 pages used, 2 from flash (6.7%), 28 from RAM, on a stock MMU kernel"

CASE="--rule=page --phys-addr"
run "$CRAMFSCK" --xip --json --rule=page --phys-addr=0x20000800 "$TMP/page.img"
[ "$LAST_RC" = 4 ] && pass "a misaligned image is a problem" || fail "--phys-addr=0x20000800: exit $LAST_RC"
expect_stdout_contains '"reason": "data is not page aligned (image at physical address 0x20000800, 4096-byte pages)"'
cp "$LAST_OUT" "$TMP/page.json"
check page "nothing maps from a misaligned image" "/share/table=d == set() and f['mapping'] == 'none'" \
	"/bin/prog=f['ro_direct_pages'] == 0"

CASE="options"
expect_exit 16 "$CRAMFSCK" --xip --rule=paged "$TMP/page.img"
expect_stderr_contains "cramfsck: --rule must be prefix, page or nommu, not 'paged'"
expect_stderr_contains "Try 'cramfsck --help' for more information."
expect_exit 16 "$CRAMFSCK" --xip --rule= "$TMP/page.img"
expect_stderr_contains "--rule must be prefix, page or nommu, not ''"
expect_exit 16 "$CRAMFSCK" --xip --rule "$TMP/page.img"
expect_exit 16 "$CRAMFSCK" --rule=page "$TMP/page.img"
expect_stderr_contains "--rule goes with --xip"
expect_exit 16 "$CRAMFSCK" --xip --nommu --rule=page "$TMP/page.img"
expect_stderr_contains "--nommu and --rule=page ask for different kernels"
run "$CRAMFSCK" --help
expect_stdout_contains "--rule=RULE"
finish
