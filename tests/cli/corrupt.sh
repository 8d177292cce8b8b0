#!/bin/sh
# corrupt.sh: cramfsck on systematically damaged images.
#
# Two small images of one tree (plain, and -X with an ELF whose read-only page is stored in
# place), and for each:
#
#   meta      every byte of the metadata (superblock, directory entries, block pointer
#             tables: found by walking the image) changed to two other values (x^0x01, x^0xff);
#   truncate  the file cut at every byte up to the end of the directory entries (rounded up
#             to 512),
#             then at every 64th byte (the superblock's size field makes every cut fail at once,
#             so a denser sample of the data would test nothing more);
#   data      200 single-bit flips elsewhere (fixed seed);
#   meta-crc  the metadata changes again, with the CRC recomputed so that the checker's
#             other checks have to see them; cramfsck --xip -x runs on each.
#
# cramfsck must never crash (exit status > 128, a sanitizer report) or hang (killed after 10 s,
# by python's subprocess timeout: one process less per run than timeout(1)).  In the
# first three passes it must report every change with exit status 4 and a message: the CRC
# covers every byte from the superblock to the image's end.  The one exception, and why: a
# change to the low byte of the flags word (byte 8 of a little-endian image) that clears
# FSID_VERSION_2 (bit 0) turns the CRC off (such an image has no valid size, count or CRC);
# when the tree is still consistent, cramfsck exits 0 with the warning "superblock has no
# FSID_VERSION_2 flag".  In the meta-crc pass many changes are legitimate (an owner, a mode
# bit, a name byte that keeps the order), so only crashes, hangs and writes outside the
# extraction target count; how many changes were reported is printed.
#
# Finally `cramfsck -x` of each intact image must give back the tree exactly (treecmp.py).
# And an image truncated while cramfsck reads it is reported ("image changed while being
# read", exit status 8), with and without -x, on one thread and on several.
# Needs: python3.

if [ -z "${SRCDIR:-}" ]; then
	echo "corrupt.sh: ERROR: the environment variable SRCDIR is not set (the test driver sets it)" >&2
	exit 99
fi
# shellcheck source=SCRIPTDIR/common.sh
. "$SRCDIR/tests/cli/common.sh"

need_env MKCRAMFS CRAMFSCK
need_cmd python3
[ -x "$MKCRAMFS" ] || die "MKCRAMFS=$MKCRAMFS is not an executable file"
[ -x "$CRAMFSCK" ] || die "CRAMFSCK=$CRAMFSCK is not an executable file"
setup_tmp

# corrupt.py imports tests/lib/cramfsimg.py
PYTHONPATH="$SRCDIR/tests/lib${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
# corrupt.py PASS IMAGE CRAMFSCK WORKDIR: run one pass over IMAGE; prints a summary line and
# up to 20 failures; exit status 0 if every run behaved, 1 if not.
cat >"$TMP/corrupt.py" <<'EOF'
import concurrent.futures
import os
import random
import shutil
import struct
import subprocess
import sys

import cramfsimg

S_IFMT, S_IFDIR, S_IFREG, S_IFLNK = 0o170000, 0o040000, 0o100000, 0o120000
BLKSIZE = 4096


def locate(img):
    found = cramfsimg.locate(img)
    if not found:
        sys.exit("corrupt.py: not a cramfs image")
    return found


def inode(img, order, off):
    w0, w1, w2 = struct.unpack_from(order + "III", img, off)
    if order == "<":
        return w0 & 0xFFFF, w1 & 0xFFFFFF, (w2 & 0x3F) << 2, (w2 >> 6) << 2
    return w0 >> 16, w1 >> 8, (w2 >> 26) << 2, (w2 & 0x3FFFFFF) << 2


def metadata(img):
    """Byte offsets of the superblock, every directory entry and every block pointer table."""
    sb, order = locate(img)
    spans = [(0, sb + 76)]
    todo = [inode(img, order, sb + 64)]
    while todo:
        mode, size, _, offset = todo.pop()
        fmt = mode & S_IFMT
        if fmt == S_IFDIR and size:
            p = offset
            while p < offset + size:
                kid = inode(img, order, p)
                spans.append((p, p + 12 + kid[2]))
                todo.append(kid)
                p += 12 + kid[2]
        elif fmt in (S_IFREG, S_IFLNK) and size:
            spans.append((offset, offset + 4 * ((size + BLKSIZE - 1) // BLKSIZE)))
    return sorted({b for s, e in spans for b in range(s, e)}), sb, order


def fix_crc(img, sb, order):
    if min(struct.unpack_from(order + "I", img, sb + 4)[0], len(img)) - sb >= 36:
        struct.pack_into(order + "I", img, sb + 32, cramfsimg.crc(img, sb, order))


def remove(top):
    """rm -rf, also through directories extracted without write or search permission."""
    for parent, dirs, _ in os.walk(top):
        for d in dirs:
            path = os.path.join(parent, d)
            if not os.path.islink(path):
                os.chmod(path, 0o700)
    shutil.rmtree(top)


def main():
    what, image, cramfsck, work = sys.argv[1:5]
    orig = open(image, "rb").read()
    meta, sb, order = metadata(orig)
    meta_set = set(meta)
    flags_low = sb + 8 if order == "<" else sb + 11
    cases = []   # (name, bytes, exception allowed)
    if what in ("meta", "meta-crc"):
        for at in meta:
            for mask in (0x01, 0xFF):
                img = bytearray(orig)
                img[at] ^= mask
                if what == "meta-crc":
                    fix_crc(img, sb, order)
                    if bytes(img) == orig:   # a change to the CRC field itself, undone
                        continue
                cases.append(("byte %d ^ 0x%02x" % (at, mask), bytes(img),
                              at == flags_low and not img[at] & 1))
    elif what == "truncate":
        entries_end = 0
        while entries_end in meta_set:
            entries_end += 1
        dense = min(len(orig), (entries_end + 511) // 512 * 512)
        cuts = list(range(0, dense)) + list(range(dense, len(orig), 64))
        cases = [("cut at %d" % n, orig[:n], False) for n in cuts]
    elif what == "data":
        rnd = random.Random(20240611)
        others = sorted(set(range(len(orig))) - set(meta))
        for _ in range(200):
            at, bit = rnd.choice(others), rnd.randrange(8)
            img = bytearray(orig)
            img[at] ^= 1 << bit
            cases.append(("byte %d bit %d" % (at, bit), bytes(img), False))
    else:
        sys.exit("corrupt.py: unknown pass " + what)

    def run(index):
        name, data, exception = cases[index]
        path = os.path.join(work, "case-%d.img" % index)
        out = os.path.join(work, "out-%d" % index)
        with open(path, "wb") as f:
            f.write(data)
        cmd = [cramfsck]
        if what == "meta-crc":
            # a sandbox per case: the target and a sentinel next to it
            os.mkdir(out)
            open(os.path.join(out, "sentinel"), "w").write("untouched\n")
            cmd += ["--xip", "-x", os.path.join(out, "target")]
        try:
            p = subprocess.run(cmd + [path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=10)
            rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            rc, err = 124, (e.stderr or b"").decode("utf-8", "replace")
        problems = []
        if rc == 124:
            problems.append("hangs (killed after 10 s)")
        elif rc > 128 or rc < 0:
            problems.append("crashes (exit status %d)" % rc)
        if "Sanitizer" in err or "runtime error" in err:
            problems.append("sanitizer report")
        if what != "meta-crc" and not problems:
            if rc == 0 and exception:
                if "superblock has no FSID_VERSION_2 flag" not in err:
                    problems.append("exit 0 without the FSID_VERSION_2 warning")
            elif rc != 4:
                problems.append("exit status %d, expected 4" % rc)
            elif "cramfsck: " not in err:
                problems.append("exit 4 without a message")
        if what == "meta-crc":
            left = sorted(os.listdir(out))
            if left not in (["sentinel"], ["sentinel", "target"]):
                problems.append("wrote outside the target: %s" % left)
            elif open(os.path.join(out, "sentinel")).read() != "untouched\n":
                problems.append("changed the sentinel")
            remove(out)
        os.unlink(path)
        return index, rc, problems, err

    failures, codes = [], {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for index, rc, problems, err in pool.map(run, range(len(cases))):
            codes[rc] = codes.get(rc, 0) + 1
            if problems:
                failures.append((cases[index][0], problems, err))
    summary = ", ".join("exit %d: %d" % (k, codes[k]) for k in sorted(codes))
    print("%s %s: %d runs (%s); metadata: %d bytes, up to byte %d" %
          (what, os.path.basename(image), len(cases), summary, len(meta), meta[-1] + 1))
    for name, problems, err in failures[:20]:
        print("  %s: %s" % (name, "; ".join(problems)))
        for line in err.splitlines()[:8]:
            print("    | " + line)
    if len(failures) > 20:
        print("  ... and %d more" % (len(failures) - 20))
    sys.exit(1 if failures else 0)


main()
EOF

# The tree: a small file, a 3-block file, an empty file, a symlink, an empty directory, and
# an ELF executable with one read-only page (stored in place by -X).
python3 - "$TMP/tree" <<'EOF' || die "cannot make the test tree"
import os
import struct
import sys

top = sys.argv[1]
os.makedirs(os.path.join(top, "dir"))
os.makedirs(os.path.join(top, "emptydir"))
os.makedirs(os.path.join(top, "bin"))
open(os.path.join(top, "a"), "w").write("hello\n")
open(os.path.join(top, "dir/b"), "w").write("".join("%d\n" % i for i in range(1, 2001)))
open(os.path.join(top, "empty"), "w").close()
os.symlink("a", os.path.join(top, "link"))
size = 4200
eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, 2, 62, 1, 0x400078, 64, 0, 0,
                 64, 56, 2, 64, 0, 0)
ph1 = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, 4096, 4096, 4096)
ph2 = struct.pack("<IIQQQQQQ", 1, 6, 4096, 0x401000, 0x401000, size - 4096, size - 4096, 4096)
body = eh + ph1 + ph2
body += b"".join(b"%05d elf\n" % i for i in range(size))[:size - len(body)]
with open(os.path.join(top, "bin/prog"), "wb") as f:
    f.write(body)
os.chmod(os.path.join(top, "bin/prog"), 0o755)
EOF

owner=
[ "$(id -u)" -eq 0 ] || owner=--no-owner
# cramfsck runs some 3,000 times: through libtool's execute mode when there is a libtool, which
# hands the driver the real binary instead of the wrapper script (one shell less per run)
lt=
[ -x "${BUILDDIR:-}/libtool" ] && lt="$BUILDDIR/libtool --mode=execute"

for v in plain xip; do
	case $v in
	plain) opts= ;;
	xip) opts=-X ;;
	esac
	CASE="$v"
	# shellcheck disable=SC2086 # opts holds separate options
	expect_exit 0 "$MKCRAMFS" $opts "$TMP/tree" "$TMP/$v.img" || continue
	expect_exit 0 "$CRAMFSCK" "$TMP/$v.img"
	if [ "$v" = xip ]; then
		run "$CRAMFSCK" --xip "$TMP/$v.img"
		expect_stdout_contains "/bin/prog"
		expect "the -X image has a page stored in place" grep -q '1 files with 1 of' "$LAST_OUT"
	fi
	expect_exit 0 "$CRAMFSCK" -x "$TMP/$v.out" "$TMP/$v.img"
	expect "cramfsck -x gives back the tree" python3 "$SRCDIR/tests/lib/treecmp.py" $owner \
		"$TMP/tree" "$TMP/$v.out"
	mkdir "$TMP/$v.work" || die "cannot make $TMP/$v.work"
	for pass in meta truncate data meta-crc; do
		CASE="$v: $pass"
		# shellcheck disable=SC2086 # lt is a command and its option
		expect "no crash, no hang, every change reported" \
			$lt python3 "$TMP/corrupt.py" "$pass" "$TMP/$v.img" "$CRAMFSCK" "$TMP/$v.work"
	done
done

# ---- an image truncated while cramfsck reads it ----
# The file shrinks under cramfsck's mapping: reading a page past the new end raises SIGBUS,
# which killed it (exit 135).  It must say "image changed while being read", exit 8.  To hit
# the walk for sure: cramfsck -v lists 5,050 entries (about 250 KB) into a FIFO; once the first
# byte is read it has mapped the image and started the walk, and it blocks when the FIFO is
# full (64 KiB), long before the end; the file is truncated then, and the FIFO drained.
CASE="truncated while read"
need_cmd mkfifo truncate dd cat
python3 - "$TMP/many" <<'EOF' || die "cannot make the tree of many files"
import os, sys
for d in range(50):
    os.makedirs(os.path.join(sys.argv[1], "d%02d" % d))
    for f in range(100):
        with open(os.path.join(sys.argv[1], "d%02d" % d, "file%03d" % f), "w") as out:
            out.write("file %d of directory %d\n" % (f, d) * 40)
EOF
"$MKCRAMFS" "$TMP/many" "$TMP/many.img" || die "mkcramfs of many files failed"
mkfifo "$TMP/listing" || die "mkfifo failed"
for opts in "-v" "-v -j 1" "-v -x $TMP/many.x"; do
	cp "$TMP/many.img" "$TMP/shrinks.img" || die "cp failed"
	# shellcheck disable=SC2086 # opts holds separate options
	"$CRAMFSCK" $opts "$TMP/shrinks.img" >"$TMP/listing" 2>"$TMP/shrinks.err" &
	pid=$!
	exec 3<"$TMP/listing"
	dd bs=1 count=1 <&3 >/dev/null 2>&1
	truncate -s 4096 "$TMP/shrinks.img"
	cat <&3 >/dev/null
	exec 3<&-
	wait "$pid"
	rc=$?
	if [ "$rc" -eq 8 ]; then
		pass "cramfsck $opts: exit 8"
	else
		fail "cramfsck $opts: exit status $rc, expected 8"
		_cm_show stderr "$TMP/shrinks.err"
	fi
	LAST_CMD="cramfsck $opts" LAST_ERR=$TMP/shrinks.err
	expect_stderr_contains "shrinks.img: image changed while being read: it has 4096 bytes now, $(stat -c %s "$TMP/many.img") when opened (byte "
	expect_stderr_lacks "check failed"
	rm -rf "$TMP/many.x"
done

finish
