#!/usr/bin/env python3
"""Compare what the no-MMU guest saw with the image checker's prediction.

    nommucompare.py --manifest MANIFEST --report REPORT [--label TEXT]
                    [--no-flash] [--twomaps record|stock-6.1|fixed] [--verbose]

MANIFEST comes from mknommumanifest.py, REPORT holds the guest's "NOMMU"
lines.  Fails, with one line per disagreement (file, request, predicted,
seen), when:
  - the guest did not finish (no done or halt line), reported an error, or
    counted failures of its own;
  - a file of the manifest has no read line, or read() gave anything but the
    file; with a KNOWN hash (the stock kernel's last-page read bug) read()
    must give exactly the file with its last page zeroed ("known"), and
    reading it right is a failure;
  - a mapping's outcome differs from the `expect` line (flash at the
    predicted address, copy, or the errno), or its content is wrong: a
    flash mapping must hold the file; a copy the file (or, with a KNOWN
    hash, exactly the zeroed last page, since a copy is read through the
    same path) and zeros to the end of its page;
  - a program ran with the wrong exit status, or with its text elsewhere
    than predicted (in flash at BASE + OFFSET, or in RAM);
  - the RAM figure is missing;
  - the image was not unmounted (unless the manifest has twomaps or twins
    lines and --twomaps stock-6.1 is given: then it must stay busy);
  - with --no-flash, anything at all was in flash (an image without XIP,
    checked against the kernel whatever the checker says).
--twomaps stock-6.1 asserts what Linux 6.1 does with two mappings of one
file in one process (the same address twice, one vma in /proc/self/maps,
both holding the file, the second munmap EINVAL, the image then busy) and
the same for two files whose data the image stores once (twins, one inode
for cramfs: the second mapping, private or shared, at the first one's
flash address, one vma, the second munmap EINVAL).
"fixed" asserts what a kernel with kernel/patches/0004 does: two vmas at
two addresses (the first where `expect` puts a private read-only mapping,
the second a copy), both holding the file, both munmaps 0; twins: the
first in flash at its offset, a second private mapping a copy, a second
MAP_SHARED one ENOMEM; the image unmounted.  "record" (the default) only
prints what was seen.
"""
import argparse
import sys

REQUESTS = ("shared-r", "private-r", "private-rx", "private-rw")


def unescape(s):
    out = bytearray()
    b = s.encode()
    i = 0
    while i < len(b):
        if b[i:i + 1] == b"%" and i + 2 < len(b):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode(errors="replace")


def fields(words):
    """key=value words -> dict; other words -> list."""
    kv, plain = {}, []
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            kv[k] = v
        else:
            plain.append(w)
    return kv, plain


def main():
    ap = argparse.ArgumentParser(description="Compare the no-MMU guest's report with cramfsck's prediction.")
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--label", default="")
    ap.add_argument("--no-flash", action="store_true", help="nothing may be in flash")
    ap.add_argument("--twomaps", choices=("record", "stock-6.1", "fixed"), default="record")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    label = args.label + ": " if args.label else ""

    files, expects, runs, twomaps, twins, ram = {}, {}, [], [], [], None
    flash_base = 0x22000000
    with open(args.manifest) as f:
        for line in f:
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if w[0] == "file":
                files[w[1]] = {"size": int(w[2]), "hash": w[3], "offset": w[4], "known": w[5] != "-"}
            elif w[0] == "expect":
                expects[(w[1], w[2])] = w[3]
            elif w[0] == "run":
                runs.append((w[1], int(w[2]), w[3], w[4]))
            elif w[0] == "twomaps":
                twomaps.append(w[1])
            elif w[0] == "twins":
                twins.append(tuple(w[1:5]))
            elif w[0] == "option" and len(w) > 1 and w[1].startswith("flash="):
                flash_base = int(w[1][6:].split(",")[0], 0)
            elif w[0] == "ram":
                ram = w[1]

    reads, maps, seen_runs, seen_two, seen_ram = {}, {}, {}, {}, {}
    seen_twins, twins_first, twins_run = {}, {}, {}
    done = halt = umount = None
    errors = []
    try:
        with open(args.report, errors="replace") as f:
            report = [l.split() for l in f if l.startswith("NOMMU ")]
    except FileNotFoundError:
        report = []
    for w in report:
        kind, rest = w[1], w[2:]
        if kind == "read" and rest:
            reads[rest[0]] = fields(rest[1:])
        elif kind == "map" and len(rest) >= 4:
            maps[(rest[0], rest[1])] = (rest[2], rest[3], fields(rest[4:])[0].get("addr", "-"))
        elif kind == "run" and rest:
            seen_runs[rest[0]] = fields(rest[1:])
        elif kind == "twomaps" and rest:
            seen_two[rest[0]] = fields(rest[1:])[0]
        elif kind == "twins" and len(rest) >= 3:
            seen_twins[(rest[0], rest[1], rest[2])] = fields(rest[3:])[0]
        elif kind == "twins-first" and len(rest) >= 2:
            twins_first[(rest[0], rest[1])] = fields(rest[2:])[0]
        elif kind == "twins-run" and len(rest) >= 3:
            twins_run[(rest[0], rest[1], rest[2])] = fields(rest[3:])[0]
        elif kind == "ram" and rest:
            seen_ram[rest[0]] = fields(rest[1:])
        elif kind == "umount":
            umount = rest[0] if rest else "?"
        elif kind == "done":
            done = fields(rest)[0]
        elif kind == "halt":
            halt = rest[0] if rest else "?"
        elif kind == "error":
            errors.append(" ".join(rest))

    bad = []

    def fail(msg):
        bad.append(label + msg)

    if done is None:
        fail("the guest never reported done")
    elif done.get("fail") != "0":
        fail("the guest counted %s failure(s)" % done.get("fail"))
    if halt is None:
        fail("the guest did not reach its halt")
    for e in errors:
        fail("guest error: %s" % e)

    counts = {}
    for path, info in files.items():
        want = "known" if info["known"] else "ok"
        r = reads.get(path)
        if r is None:
            fail("%s read: no report" % unescape(path))
        else:
            verdict = r[1][0] if r[1] else "?"
            if verdict != want:
                extra = " (read right: the stock kernel's last-page bug is absent)" if want == "known" and verdict == "ok" else ""
                fail("%s read: predicted %s, seen %s%s" % (unescape(path), want, verdict, extra))
            if r[0].get("size") != str(info["size"]):
                fail("%s read: %s bytes, the file has %d" % (unescape(path), r[0].get("size"), info["size"]))
        if info["size"] == 0:
            continue
        for req in REQUESTS:
            predicted = expects.get((path, req))
            got = maps.get((path, req))
            if predicted is None:
                fail("%s %s: no prediction in the manifest" % (unescape(path), req))
                continue
            if got is None:
                fail("%s %s: predicted %s, seen nothing" % (unescape(path), req, predicted))
                continue
            outcome, content, addr = got
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome != predicted:
                fail("%s %s: predicted %s, seen %s (address %s, predicted offset %s)" % (
                    unescape(path), req, predicted, outcome, addr, info["offset"]))
            elif outcome == "flash" and content != "ok":
                fail("%s %s: in flash but the content is %s" % (unescape(path), req, content))
            elif outcome == "copy" and content != want:
                fail("%s %s: a copy whose content is %s, predicted %s" % (unescape(path), req, content, want))
            if args.no_flash and outcome.startswith("flash"):
                fail("%s %s: %s at %s in an image without XIP" % (unescape(path), req, outcome, addr))
    for path, req in maps:
        if path not in files:
            fail("%s %s: reported but not in the manifest" % (unescape(path), req))

    for path, code, offset, predicted in runs:
        r = seen_runs.get(path)
        if r is None:
            fail("run %s: no report" % unescape(path))
            continue
        kv, plain = r
        where = kv.get("where", "?")
        if kv.get("exit") != str(code):
            fail("run %s: exit %s, expected %d" % (unescape(path), kv.get("exit"), code))
        if where != predicted:
            fail("run %s: text predicted in %s%s, seen %s at %s" % (
                unescape(path), predicted, " at offset " + offset if predicted == "flash" else "",
                where, kv.get("text")))
        if "BAD" in plain and kv.get("exit") == str(code) and where == predicted:
            fail("run %s: the guest found it BAD" % unescape(path))
        if args.no_flash and where.startswith("flash"):
            fail("run %s: text in flash at %s in an image without XIP" % (unescape(path), kv.get("text")))

    if ram is not None:
        r = seen_ram.get(ram)
        if r is None or "ok" not in r[1]:
            fail("ram %s: %s" % (unescape(ram), "no report" if r is None else "the measurement failed"))

    def want_all(what, t, want, who):
        for k, v in want.items():
            if t.get(k) != v:
                fail("%s: %s=%s, %s gives %s" % (what, k, t.get(k), who, v))

    def flash_addr(path):
        off = files.get(path, {}).get("offset", "-")
        return "-" if off == "-" else "0x%x" % (flash_base + int(off, 0))

    for path in twomaps:
        t = seen_two.get(path)
        what = "twomaps %s" % unescape(path)
        if t is None:
            fail("%s: no report" % what)
            continue
        if args.twomaps == "stock-6.1":
            want_all(what, t, {"same": "yes", "vmas": "1", "content": "ok", "munmap-first": "ok",
                               "munmap-second": "EINVAL"}, "Linux 6.1")
        elif args.twomaps == "fixed":
            first = "flash" if expects.get((path, "private-r")) == "flash" else "copy"
            want_all(what, t, {"same": "no", "vmas": "2", "content": "ok", "munmap-first": "ok",
                               "munmap-second": "ok", "where": first, "second-where": "copy"}, "the fix")
            if first == "flash" and t.get("first") != flash_addr(path):
                fail("%s: first=%s, predicted in flash at %s" % (what, t.get("first"), flash_addr(path)))
    for a, b, ra, rb in twins:
        key = (a, b, "%s+%s" % (ra, rb))
        what = "twins %s %s %s" % (unescape(a), unescape(b), key[2])
        run = twins_run.get(key)
        if run is None:
            fail("%s: no report" % what)
            continue
        if args.twomaps == "record":
            continue
        want_all(what, run, {"outcome": "exit-0"}, "every kernel")
        t = seen_twins.get(key)
        if t is None:
            fail("%s: no report from the child" % what)
            continue
        first = twins_first.get((a, ra), {})
        if first.get("where") != "flash" or first.get("addr") != flash_addr(a):
            fail("%s: the first mapping at %s (%s), predicted in flash at %s" % (
                what, first.get("addr"), first.get("where"), flash_addr(a)))
        if args.twomaps == "stock-6.1":
            want_all(what, t, {"first": flash_addr(a), "second": flash_addr(a), "same": "yes", "vmas": "1",
                               "content": "ok", "munmap-first": "ok", "munmap-second": "EINVAL"}, "Linux 6.1")
        else:
            if rb == "shared-r":
                want = {"second": "ENOMEM", "vmas": "1", "content": "ok", "munmap-first": "ok", "munmap-second": "-"}
            else:
                want = {"same": "no", "second-where": "copy", "vmas": "2", "content": "ok",
                        "munmap-first": "ok", "munmap-second": "ok"}
            want["where"] = "flash"
            want["first"] = flash_addr(a)
            want_all(what, t, want, "the fix")
    busy = args.twomaps == "stock-6.1" and (twins or any(not p.startswith("//") for p in twomaps))
    if busy:
        if umount != "EBUSY":
            fail("umount after twomaps/twins: %s, Linux 6.1 gives EBUSY" % umount)
    elif (twomaps or twins) and args.twomaps == "record":
        pass
    elif umount != "ok":
        fail("umount of the image: %s" % umount)

    summary = " ".join("%s=%d" % kv for kv in sorted(counts.items()))
    for line in bad:
        print(line)
    if args.verbose or not bad:
        print("%sfiles=%d maps: %s runs=%d%s" % (
            label, len(files), summary or "none", len(runs),
            " twomaps=%d twins=%d umount=%s" % (len(twomaps), len(twins), umount) if twomaps or twins else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
