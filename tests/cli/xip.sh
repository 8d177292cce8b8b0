#!/bin/sh
# mkcramfs -X on the example rootfs and on synthetic ELF files of every class and byte order:
# cramfsck's report must match what tests/lib/elfpages.py computes from the ELF files on its own,
# contents must round-trip, and the options must do what they say.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
# owners and device nodes need root; fakeroot stands in for it, for the whole test
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
setup_tmp
need_cmd python3

oracle() { python3 "$SRCDIR/tests/lib/elfpages.py" "$@"; }
report() { "$CRAMFSCK" --xip --json "$@"; }

if sh -c "sh '$SRCDIR/tests/lib/mkexample.sh' '$TMP/ex' >/dev/null"; then pass "not: mkexample.sh failed"; else fail "mkexample.sh failed"; fi
# synthetic ELF files: 32/64-bit, little/big-endian, odd machines and segment layouts
if python3 - "$TMP/ex/opt" <<'PY'; then pass "not: writing synthetic ELF files failed"; else fail "writing synthetic ELF files failed"; fi
import os, random, struct, sys
out = sys.argv[1]
os.makedirs(out)
rnd = random.Random(42)
def elf(name, cls, end, machine, segs, size):
    e = '<' if end == 1 else '>'
    data = bytearray(rnd.randbytes(size))
    if cls == 2:
        hdr = struct.pack(e + '16sHHIQQQIHHHHHH', b'\x7fELF' + bytes([2, end, 1]) + bytes(9), 2, machine, 1,
                          0x1000, 64, 0, 0, 64, 56, len(segs), 64, 0, 0)
        ph = b''.join(struct.pack(e + 'IIQQQQQQ', 1, fl, off, off, off, fsz, fsz, 0x1000) for off, fsz, fl in segs)
    else:
        hdr = struct.pack(e + '16sHHIIIIIHHHHHH', b'\x7fELF' + bytes([1, end, 1]) + bytes(9), 2, machine, 1,
                          0x1000, 52, 0, 0, 52, 32, len(segs), 40, 0, 0)
        ph = b''.join(struct.pack(e + 'IIIIIIII', 1, off, off, off, fsz, fsz, fl, 0x1000) for off, fsz, fl in segs)
    data[:len(hdr) + len(ph)] = hdr + ph
    open(os.path.join(out, name), 'wb').write(data)
# (offset, filesz, flags): 4 = R, 5 = RX, 6 = RW
elf('arm32-be', 1, 2, 40, [(0, 0x2800, 5), (0x2800, 0x900, 6)], 0x4000)        # text and data share a page
elf('arm32-le', 1, 1, 40, [(0, 0x1234, 5), (0x3000, 0x100, 6)], 0x3100)
elf('ppc64-be', 2, 2, 21, [(0x3000, 0x2000, 4), (0, 0x2000, 5), (0x6000, 0x10, 6)], 0x9000)  # out of order
elf('riscv-le', 2, 1, 243, [(0, 0x1000, 4), (0x1000, 0x1000, 5), (0x2000, 0x1000, 4)], 0x3000)  # page multiple
elf('only-rw', 2, 1, 62, [(0, 0x2000, 6)], 0x2000)
elf('lying', 2, 1, 62, [(0, 0x100000, 5)], 0x2000)                            # segment past EOF
open(os.path.join(out, 'not-elf'), 'wb').write(b'\x7fELF' + bytes(10))
PY

for bs in 4096 16384 65536; do
	sh -c "'$MKCRAMFS' -X -b $bs '$TMP/ex' '$TMP/x$bs.img'" || { fail "mkcramfs -X -b $bs failed"; continue; }
	if report "$TMP/x$bs.img" >"$TMP/x$bs.json"; then pass "not: cramfsck --xip -b $bs: non-zero exit"; else fail "cramfsck --xip -b $bs: non-zero exit"; fi
	if oracle --blocksize "$bs" "$TMP/ex" "$TMP/x$bs.json"; then pass "not: -b $bs: cramfsck's report differs from the ELF files"; else fail "-b $bs: cramfsck's report differs from the ELF files"; fi
	if sh -c "'$CRAMFSCK' -x '$TMP/x$bs.x' '$TMP/x$bs.img'"; then pass "not: -b $bs: extract failed"; else fail "-b $bs: extract failed"; fi
	if python3 "$SRCDIR/tests/lib/treecmp.py" "$TMP/ex" "$TMP/x$bs.x"; then pass "not: -b $bs: extracted tree differs"; else fail "-b $bs: extracted tree differs"; fi
done
grep -q '"path": "/bin/busybox".*"mapping": "partial"' "$TMP/x4096.json" ||
	fail "busybox: expected a partly direct whole-file mapping (text direct, data not)"
grep -q '"path": "/opt/riscv-le".*"runs": \[\[0, 2\]\]' "$TMP/x4096.json" ||
	fail "riscv-le: the last page of a page-multiple file must not be direct by default"

# the text report lists the files with direct pages (and warnings); -v lists every file
"$CRAMFSCK" --xip "$TMP/x4096.img" >"$TMP/x.txt" 2>&1 || fail "cramfsck --xip (text) failed"
"$CRAMFSCK" -v --xip "$TMP/x4096.img" >"$TMP/xv.txt" 2>&1 || fail "cramfsck -v --xip (text) failed"
nfiles=$(grep -c '"path"' "$TMP/x4096.json")
nlisted=$(grep '"path"' "$TMP/x4096.json" |
	grep -c '"direct_pages": [1-9]\|"run_pages": [1-9]\|"last_page_read_bug": true')
expect "text report: a line for each of the $nlisted files with direct pages, and the heading and totals" \
	test "$(wc -l <"$TMP/x.txt")" -eq $((nlisted + 2))
expect "text report: busybox is listed by its segments, text from flash, data from RAM" \
	grep -q '^all .* /bin/busybox (ELF: .*r-x pages [0-9-]* from flash;.* rw- pages [0-9-]* from RAM' "$TMP/x.txt"
expect "text report: a file that maps nothing is not listed" sh -c "! grep -q '^none  .* (unsuitable block layout)\$' '$TMP/x.txt'"
expect "text report -v: one line for each of the $nfiles files" \
	test "$(grep -c '^\(all\|partial\|none\) ' "$TMP/xv.txt")" -eq "$nfiles"
expect "text report: the totals are the same with and without -v" \
	test "$(tail -n 1 "$TMP/x.txt")" = "$(tail -n 1 "$TMP/xv.txt")"

# -X -X (as Buildroot passes it) is -X; images are deterministic
if sh -c "'$MKCRAMFS' -X -X '$TMP/ex' '$TMP/xx.img'" && cmp "$TMP/xx.img" "$TMP/x4096.img"; then pass "not: -X -X differs from -X"; else fail "-X -X differs from -X"; fi

# --xip-direct-last-page: the last page direct too, and cramfsck warns about stock kernels
if sh -c "'$MKCRAMFS' -X --xip-direct-last-page '$TMP/ex' '$TMP/dl.img'"; then pass "not: --xip-direct-last-page failed"; else fail "--xip-direct-last-page failed"; fi
if report "$TMP/dl.img" >"$TMP/dl.json" 2>"$TMP/dl.err"; then pass "not: cramfsck on the --xip-direct-last-page image failed"; else fail "cramfsck on the --xip-direct-last-page image failed"; fi
if oracle --direct-last-page "$TMP/ex" "$TMP/dl.json"; then pass "not: --xip-direct-last-page: report differs from the ELF files"; else fail "--xip-direct-last-page: report differs from the ELF files"; fi
if grep -q "reads it as zeros" "$TMP/dl.err"; then pass "not: no warning for a direct last page of a page-multiple file"; else fail "no warning for a direct last page of a page-multiple file"; fi

# patterns: whole files in, files out, list files
if sh -c "'$MKCRAMFS' -X --xip='/usr/share/example/*.txt' --no-xip=busybox '$TMP/ex' '$TMP/p.img'"; then pass "not: patterns failed"; else fail "patterns failed"; fi
if report "$TMP/p.img" >"$TMP/p.json"; then pass "not: cramfsck on the pattern image failed"; else fail "cramfsck on the pattern image failed"; fi
grep -q '"path": "/usr/share/example/text-100k.txt".*"run_pages": 24,' "$TMP/p.json" ||
	fail "--xip pattern: text-100k.txt should have 24 direct pages (25 minus the page-multiple last one)"
if grep -q '"path": "/bin/busybox".*"run_pages": 0,' "$TMP/p.json"; then pass "not: --no-xip=busybox: busybox still direct"; else fail "--no-xip=busybox: busybox still direct"; fi
printf '# list\n/usr/share/example/*.txt\n\n!/bin/*\n' >"$TMP/list"
if sh -c "'$MKCRAMFS' --xip-from='$TMP/list' '$TMP/ex' '$TMP/l.img'"; then pass "not: --xip-from failed"; else fail "--xip-from failed"; fi
if cmp "$TMP/l.img" "$TMP/p.img"; then pass "not: --xip-from list and the same patterns as options differ"; else fail "--xip-from list and the same patterns as options differ"; fi

# identical contents with another layout are not merged
mkdir "$TMP/dd" && cp "$TMP/ex/bin/busybox" "$TMP/dd/a" && cp "$TMP/ex/bin/busybox" "$TMP/dd/b"
if "$MKCRAMFS" -v -X --no-xip=/b "$TMP/dd" "$TMP/dd.img" 2>"$TMP/dd.err"; then pass "not: dedupe image failed"; else fail "dedupe image failed"; fi
if grep -q "0 files share data" "$TMP/dd.err"; then pass "not: a file was merged into one with another XIP layout"; else fail "a file was merged into one with another XIP layout"; fi
if "$MKCRAMFS" -v -X "$TMP/dd" "$TMP/dd2.img" 2>"$TMP/dd2.err"; then pass "not: dedupe image 2 failed"; else fail "dedupe image 2 failed"; fi
if grep -q "1 files share data" "$TMP/dd2.err"; then pass "not: identical files with the same layout were not merged"; else fail "identical files with the same layout were not merged"; fi

# no-MMU: runs aligned to 8 bytes, no page gaps; an MMU kernel would not map it
if sh -c "'$MKCRAMFS' -X --nommu '$TMP/ex' '$TMP/nommu.img'"; then pass "not: --nommu failed"; else fail "--nommu failed"; fi
if "$CRAMFSCK" "$TMP/nommu.img"; then pass "not: the --nommu image does not check clean"; else fail "the --nommu image does not check clean"; fi
if [ "$(stat -c %s "$TMP/nommu.img")" -le "$(stat -c %s "$TMP/x4096.img")" ]; then pass "not: --nommu image is larger than the MMU one"; else fail "--nommu image is larger than the MMU one"; fi

# a bad ELF header is a note with -v, never an error
if "$MKCRAMFS" -v -X "$TMP/ex" "$TMP/v.img" 2>"$TMP/v.err"; then pass "not: mkcramfs -v -X failed"; else fail "mkcramfs -v -X failed"; fi
if grep -q "/opt/lying: not treated as ELF" "$TMP/v.err"; then pass "not: no -v note for the lying ELF header"; else fail "no -v note for the lying ELF header"; fi

# --phys-addr: the image at a physical address (flash base + partition offset).  Page aligned, the
# report is the one for address 0; a page off, nothing stored in place maps, every file says why,
# and the exit status is 4.
CASE="phys-addr"
for a in 0x04000000 0X4000000 67108864 0 0x0; do
	expect_exit 0 "$CRAMFSCK" --xip --json --phys-addr="$a" "$TMP/x4096.img"
	if python3 - "$LAST_OUT" "$TMP/x4096.json" "$a" <<'PY'; then pass "$a: the report is the one at a page-aligned address"; else fail "$a: the report differs from the one without --phys-addr"; fi
import json, sys
at, base, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
want = int(a, 16) if a.lower().startswith("0x") else int(a)
ok = at.pop("phys_addr") == want and base.pop("phys_addr") is None and at.pop("phys_misaligned") is False
base.pop("phys_misaligned")
sys.exit(0 if ok and at == base else 1)
PY
done
for c in "x4096 0x04000800 4096" "x4096 4095 4096" "x65536 0x04001000 65536" "x16384 0x4000000000002000 16384"; do
	set -- $c
	expect_exit 4 "$CRAMFSCK" --xip --json --phys-addr="$2" "$TMP/$1.img"
	expect_stderr_contains "physical address $(printf '0x%x' "$2") is not a multiple of the $3-byte page size"
	if python3 - "$LAST_OUT" "$TMP/$1.json" "$2" "$3" <<'PY'; then pass "$1 at $2: nothing maps, and each file names the address"; else fail "$1 at $2: wrong report"; fi
import json, sys
at, base = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
addr, bs = int(sys.argv[3], 0), int(sys.argv[4])
why = "data is not page aligned (image at physical address %#x, %d-byte pages)" % (addr, bs)
mapped = [f for f in base["files"] if f["run_pages"]]
if not mapped or not at["phys_misaligned"] or at["phys_addr"] != addr:
    sys.exit("nothing to lose, or the address is not in the report")
for a, b in zip(at["files"], base["files"]):
    if a["run_pages"] or a["direct_pages"] or a["mapping"] != "none":
        sys.exit("%s still maps: %r" % (a["path"], a))
    if b["run_pages"] and a["reason"] != why:
        sys.exit("%s: reason %r" % (a["path"], a["reason"]))
sys.exit(0 if at["totals"]["run_pages"] == 0 and len(at["files"]) == len(base["files"]) else "totals")
PY
done
expect_exit 4 "$CRAMFSCK" --xip --phys-addr=0x04000800 "$TMP/x4096.img"
expect_stdout_contains "4096-byte pages, image at physical address 0x4000800)"
expect_stdout_contains " 0 files with 0 of "
expect_exit 0 "$CRAMFSCK" --xip --phys-addr=0x04000000 "$TMP/x4096.img"
expect_stdout_contains "4096-byte pages, image at physical address 0x4000000)"
# an image made for no MMU (8-byte runs) at an address that page-aligns one of its runs: that run maps
if python3 - "$CRAMFSCK" "$TMP/nommu.img" <<'PY'; then pass "a --nommu run maps where the address makes it page aligned"; else fail "a --nommu run does not map where the address makes it page aligned"; fi
import json, subprocess, sys
def report(*args):
    return json.loads(subprocess.run([sys.argv[1], "--xip", "--json", *args, sys.argv[2]], stdout=subprocess.PIPE).stdout)
base = report()
if base["totals"]["run_pages"]:
    sys.exit("the --nommu image maps at 0")
# the report does not give the runs' offsets in the image: try every 8-byte step of a page
for step in range(8, 4096, 8):
    if report("--phys-addr=%d" % (0x20000000 + step))["totals"]["run_pages"]:
        sys.exit(0)
sys.exit("no address maps any run")
PY
# the parser is strict: 0x and hex digits, or decimal without a leading zero, 64 bits at most
for a in "" 0x 0x-1 010 -1 +1 " 1" "1 " 1k 4M 0x1g 1.5 18446744073709551616 0x10000000000000000; do
	expect_exit 16 "$CRAMFSCK" --xip --phys-addr="$a" "$TMP/x4096.img"
	expect_stderr_contains "physical address must be 0x and hex digits, or decimal without a leading zero, not '$a'"
done
expect_exit 4 "$CRAMFSCK" --xip --phys-addr=18446744073709551615 "$TMP/x4096.img"
expect_exit 0 "$CRAMFSCK" --xip --phys-addr=0xfffffffffffff000 "$TMP/x4096.img"
expect_exit 16 "$CRAMFSCK" --phys-addr=0x1000 "$TMP/x4096.img"
expect_stderr_contains "--phys-addr goes with --xip"
expect_exit 16 "$CRAMFSCK" --xip --phys-addr "$TMP/x4096.img"
finish
