#!/usr/bin/env python3
"""Compare what the guest saw with the manifest and the image checker's predictions.

    compare.py --manifest MANIFEST --report REPORT [--default-mapping none|any]
               [--trace ignore|require|absent] [--label TEXT] [--verbose]

REPORT holds the guest's XIPCHECK lines (run-guest.sh --report).  Fails, with
one line per file, when:
  - the guest did not finish or counted failures of its own (tree, read-back,
    programs);
  - a regular file of the manifest has no report, or read it back wrong;
    with a `knownbug read` line, the file must read back exactly as the
    stock kernel's last-page bug makes it (read=BAD known=last-page-zeros),
    and reading it right is a failure;
  - the kernel's mapping contradicts itself (pf with Rss > 0, mm with no
    direct page, Rss not matching the pages that are not direct);
  - the kernel's mapping differs from the `expect` line for the file (mapping
    and the exact direct pages), or from --default-mapping when the manifest
    has no prediction for it (`none` for plain images; `any` skips the check);
  - a program's mapping differs from an `expectmap` line: KIND pf, mm or page
    as smaps shows it, or `direct` for every page in flash (pf, or mm with
    every page's PFN in flash) with Rss 0.
  - with --trace require (kernels with the cramfs_mmap trace event, images
    with extended block pointers mounted from MTD): a file mmap without
    exactly one event, an event whose pages or direct pages differ from what
    the guest saw, or whose direct pages and reason differ from the
    manifest's `expect`/`expectwhy` lines (the image checker's prediction
    for a whole-file map); and the guest's three probes of the other
    outcomes: a writable private map must be 0 direct "vma is writable", a
    map one page past the end 0/1 "beyond file limit", a map one page longer
    than the file as many direct pages as the whole-file map, with reason
    "beyond file limit" when that one had none, else the same reason.
    --trace absent (the same kernels, images whose mmap does not go through
    the driver's direct path): any event.
  - with --behaviours, the guest's probes of what else a mapping does
    (refault=, procmem=, cow=, fork=, mlock=, see guest/xipcheck.c):
    always, a private mapping made writable with mprotect reads its own
    writes and leaves the file intact (cow=ok), and mlock locks an ordinary
    mapping (mlock=lo) but not one with pages from flash (VM_MIXEDMAP and
    VM_PFNMAP vmas are VM_SPECIAL, which mlock leaves alone: mlock=unlocked);
    "page" (the page-granular kernel of kernel/patches): after
    MADV_DONTNEED every direct page comes back from flash, the rest from the
    page cache (refault= equals the direct pages), /proc/PID/mem reads every
    page (procmem=ok), and fork() works after the private copies
    (fork=ok); "stock": /proc/PID/mem fails on a mapping with pages from
    flash and works on the others; a stock mixed map gets its direct pages
    back from the page cache after MADV_DONTNEED (refault=-), and a
    remap_pfn_range one refuses MADV_DONTNEED (refault=EINVAL); the fork
    outcome is reported, not judged.
"""
import argparse
import sys


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode()
    while i < len(b):
        if b[i:i + 1] == b"%" and i + 2 < len(b):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return out.decode(errors="replace")


def parse_ranges(text, pages):
    """'0-3,7' -> set of page indices; '-' -> empty."""
    got = set()
    if text in ("-", ""):
        return got
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            got.update(range(int(a), int(b) + 1))
        else:
            got.add(int(part))
    return got


def fmt_ranges(pages):
    pages = sorted(pages)
    parts = []
    i = 0
    while i < len(pages):
        j = i
        while j + 1 < len(pages) and pages[j + 1] == pages[j] + 1:
            j += 1
        parts.append(str(pages[i]) if i == j else "%d-%d" % (pages[i], pages[j]))
        i = j + 1
    return ",".join(parts) or "-"


def parse_kv(words):
    kv = {}
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            kv[k] = v
    return kv


def behaviours(kernel, r, kmap, direct, ndirect, pages, observed):
    """The guest's probes of one file against what the kernel is known to do."""
    bad = []
    for key in ("refault", "procmem", "fork", "mlock"):
        v = r.get(key, "?")
        if key == "refault" and v[:1].isdigit():
            v = "same" if parse_ranges(v, pages) == direct else "other"
        observed[(key, v)] = observed.get((key, v), 0) + 1
    if r.get("cow") != "ok":
        bad.append("cow=%s: a private mapping made writable did not get copies of its own" % r.get("cow"))
    want_lock = "lo" if ndirect == 0 else "unlocked"
    if r.get("mlock") != want_lock:
        bad.append("mlock=%s, expected %s" % (r.get("mlock"), want_lock))
    if kernel == "page":
        refault = r.get("refault", "?")
        if not refault[:1].isdigit() and refault != "-" or parse_ranges(refault, pages) != direct:
            bad.append("after MADV_DONTNEED pages %s from flash, before %s" % (
                r.get("refault"), fmt_ranges(direct)))
        for key in ("procmem", "fork"):
            if r.get(key) != "ok":
                bad.append("%s=%s" % (key, r.get(key)))
    else:
        want_mem = "ok" if ndirect == 0 else "EIO"
        if r.get("procmem") != want_mem:
            bad.append("procmem=%s, the stock kernel gives %s" % (r.get("procmem"), want_mem))
        if kmap != "none" and ndirect:
            want = "EINVAL" if "pf" in r.get("vmflags", "").split(",") else "-"
            if r.get("refault") != want:
                bad.append("refault=%s, the stock kernel gives %s" % (r.get("refault"), want))
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--default-mapping", choices=("none", "any"), default="any")
    ap.add_argument("--trace", choices=("ignore", "require", "absent"), default="ignore",
                    help="require the kernel's cramfs_mmap event for every file mmap, or none")
    ap.add_argument("--behaviours", choices=("ignore", "stock", "page"), default="ignore",
                    help="judge the guest's probes of refault, /proc/PID/mem, COW, fork and mlock")
    ap.add_argument("--label", default="")
    ap.add_argument("--verbose", action="store_true", help="also list files that agree")
    args = ap.parse_args()
    label = (args.label + ": ") if args.label else ""

    files = {}          # escaped path -> size
    expect = {}         # escaped path -> (mapping, set of pages, pages)
    expect_maps = []    # (escaped path, perms, kind) for the programs' mappings
    expect_why = {}     # escaped path -> escaped reason ("none": all direct)
    known_read = set()  # escaped paths: the stock kernel's last-page read bug
    known_missing = set()  # escaped paths the stock kernel does not find
    run_maps = []       # (run id, escaped path, {key: value}) from the guest
    with open(args.manifest) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "entry" and len(w) == 10 and w[1] == "f":
                files[w[9]] = int(w[5])
            elif w[0] == "expect" and len(w) == 5:
                expect[w[1]] = (w[2], parse_ranges(w[3], int(w[4])), int(w[4]))
            elif w[0] == "expectmap" and len(w) == 4:
                expect_maps.append((w[1], w[2], w[3]))
            elif w[0] == "expectwhy" and len(w) == 3:
                expect_why[w[1]] = w[2]
            elif w[0] == "knownbug" and len(w) >= 3 and w[1] == "read":
                known_read.add(w[2])
            elif w[0] == "knownbug" and len(w) >= 3 and w[1] == "missing":
                known_missing.add(w[2])

    seen = {}
    observed = {}       # (kind, behaviour) -> files, for the summary
    done = None
    page_size = None
    guest_bad = []
    with open(args.report, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.startswith("XIPCHECK "):
                continue
            body = line[len("XIPCHECK "):]
            w = body.split(" ")
            if w[0] == "start":
                page_size = int(parse_kv(w).get("pagesize", "0")) or None
            elif w[0] == "done":
                done = parse_kv(w)
            elif w[0] == "run-map" and len(w) > 3:
                run_maps.append((w[1], w[2], parse_kv(w[3:])))
            elif w[0] == "file" and len(w) > 1:
                why = body.split(" why=", 1)[1] if " why=" in body else ""
                kv = parse_kv(body.split(" why=", 1)[0].split(" "))
                kv["why"] = why
                seen[w[1]] = kv
            elif (w[0] in ("entry", "run") and " BAD" in body) or w[0] == "error":
                guest_bad.append(body)

    problems = []
    agree = 0
    if done is None:
        problems.append("guest never reported done")
    elif done.get("fail") != "0":
        problems.append("guest reported pass=%s fail=%s" % (done.get("pass"), done.get("fail")))
    for b in guest_bad:
        problems.append("guest: " + b)

    for path in sorted(files):
        size = files[path]
        if size == 0 or path in known_missing:
            continue
        name = unescape(path)
        r = seen.get(path)
        if r is None:
            problems.append("%s: no report from the guest" % name)
            continue
        bad = []
        for key in ("read", "mmap", "tail"):
            if key == "read" and path in known_read:
                # an expected failure: the stock kernel's last-page bug
                if r.get("read") != "BAD" or r.get("known") != "last-page-zeros":
                    bad.append("expected the last-page read bug (read=BAD known=last-page-zeros), "
                               "got read=%s known=%s" % (r.get("read"), r.get("known", "-")))
            elif r.get(key) != "ok":
                bad.append("%s=%s" % (key, r.get(key)))
        kmap = r.get("map", "?")
        try:
            ndirect, pages = (int(x) for x in r.get("direct", "0/0").split("/"))
        except ValueError:
            ndirect, pages = -1, -1
        direct = parse_ranges(r.get("directpages", "-"), pages)
        rss = int(r.get("rss", "0"))
        # the kernel's own view must hang together
        if kmap == "all" and (rss != 0 or ndirect != pages):
            bad.append("pf mapping with rss=%d kB direct=%d/%d" % (rss, ndirect, pages))
        if kmap == "partial":
            if ndirect == 0:
                bad.append("mm mapping without any direct page")
            if page_size and rss * 1024 != (pages - ndirect) * page_size:
                bad.append("rss=%d kB but %d of %d pages are not direct" % (rss, pages - ndirect, pages))
        if kmap == "none" and ndirect != 0:
            bad.append("ordinary mapping with %d pages inside the flash" % ndirect)
        kernel_says = "%s(%s/%d)" % (kmap, fmt_ranges(direct), pages)

        want = expect.get(path)
        if want is None and args.default_mapping == "none":
            want = ("none", set(), pages)
        if want is not None:
            wmap, wdirect, wpages = want
            predicted = "%s(%s/%d)" % (wmap, fmt_ranges(wdirect), wpages)
            if wmap == "all":
                wdirect = set(range(wpages))
            if wpages != pages:
                bad.append("pages: predicted %d, kernel %d" % (wpages, pages))
            if wmap != kmap or wdirect != direct:
                bad.append("predicted %s, kernel %s" % (predicted, kernel_says))
        if args.trace == "absent" and r.get("trace", "none") != "none":
            bad.append("trace event where none was expected: %s reason %s" % (
                r.get("trace"), unescape(r.get("treason", "-"))))
        if args.trace == "require":
            tr = r.get("trace", "none")
            treason = unescape(r.get("treason", "-"))
            try:
                tdirect, tpages = (int(x) for x in tr.split("/"))
            except ValueError:
                tdirect = tpages = None
            if tdirect is None:
                bad.append("trace event: %s (events=%s)" % (tr, r.get("events", "?")))
            else:
                if tpages != pages or tdirect != ndirect:
                    bad.append("trace %d/%d pages, guest saw %d/%d" % (tdirect, tpages, ndirect, pages))
                if want is not None:
                    wcount = wpages if wmap == "all" else len(wdirect)
                    if tdirect != wcount:
                        bad.append("trace direct=%d, predicted %d" % (tdirect, wcount))
                if path in expect_why and unescape(expect_why[path]) != treason:
                    bad.append("trace reason '%s', predicted '%s'" % (treason, unescape(expect_why[path])))
                # the probes of the other outcomes
                def probe(key):
                    v = r.get(key, "none")
                    try:
                        counts, reason = v.split(":", 1)
                        d, p = (int(x) for x in counts.split("/"))
                        return d, p, unescape(reason)
                    except ValueError:
                        return None
                wanted = {
                    "twrite": (0, pages, "vma is writable"),
                    "tpast": (0, 1, "beyond file limit"),
                    "tlong": (tdirect, pages + 1,
                              "beyond file limit" if treason == "none" else treason),
                }
                for key in ("twrite", "tlong", "tpast"):
                    got = probe(key)
                    if got != wanted[key]:
                        bad.append("probe %s: kernel %s, expected %d/%d:%s" % (
                            key, r.get(key, "none"), *wanted[key]))
            kernel_says += " trace=%s reason=%s" % (tr, treason.replace(" ", "_"))
        if args.behaviours != "ignore" and "cow" in r:
            bad += behaviours(args.behaviours, r, kmap, direct, ndirect, pages, observed)
        if bad:
            why = (" [kernel: %s]" % r["why"]) if r.get("why") else ""
            problems.append("%s: %s%s" % (name, "; ".join(bad), why))
        else:
            agree += 1
            if args.verbose:
                print("%sok %s %s rss=%d" % (label, name, kernel_says, rss))

    for path, perms, kind in expect_maps:
        found = [(rid, kv) for rid, p, kv in run_maps if p == path and kv.get("perms") == perms]
        if not found:
            problems.append("%s %s: no program mapped it" % (unescape(path), perms))
        for rid, kv in found:
            got = kv.get("kind")
            try:
                nd, npages = (int(x) for x in kv.get("direct", "-1/0").split("/"))
            except ValueError:
                nd, npages = -1, 0
            if kind == "direct":
                # every page from flash: remap_pfn_range, or a mixed map whose
                # pages all lie in flash (the ELF loader's first segment of a
                # PIE or library is mapped over the whole image span first)
                ok = got in ("pf", "mm") and npages > 0 and nd == npages and kv.get("rss") == "0"
            else:
                ok = got == kind and (kind != "pf" or kv.get("rss") == "0")
            if not ok:
                problems.append("%s %s in run %s: expected %s, kernel %s direct=%s rss=%s kB" % (
                    unescape(path), perms, rid, kind, got, kv.get("direct"), kv.get("rss")))
            elif args.verbose:
                print("%sok run %s %s %s %s rss=%s" % (label, rid, unescape(path), perms, kind, kv.get("rss")))

    for p in problems:
        print("%sMISMATCH %s" % (label, p))
    if observed:
        print("%sbehaviours: %s" % (label, ", ".join(
            "%s %s: %d" % (k, v, n) for (k, v), n in sorted(observed.items()))))
    checked = sum(1 for p in files if files[p] > 0)
    print("%scompare: %d files, %d agree, %d problems" % (label, checked, agree, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
