#!/usr/bin/env python3
"""Write the manifest of the no-MMU guest (guest/nommucheck.c) from the
image checker's prediction.

    mknommumanifest.py SRCDIR --xip-json FILE [--known-read-bug]
                       [--run 'PATH EXIT']... [--ram 'PATH N'] [--twomaps PATH]...
                       [--twomaps-initramfs 'PATH SIZE']... [--twins 'PATH-A PATH-B REQ-A REQ-B']...
                       [--require-text 'PATH flash|ram']...
                       [--dev DEVICE] [--flash BASE,SIZE] > MANIFEST

FILE is the output of `cramfsck --xip --nommu --json IMAGE`, SRCDIR the tree
the image was made from (for the content hashes).  Every expectation comes
from FILE; nothing about the kernel's rules is written here.

Lines for the guest:
    option dev=DEVICE / option flash=BASE,SIZE
    ram PATH N                        N copies of PATH alive at once (RAM figure)
    file PATH SIZE HASH OFFSET KNOWN  every regular file of the image
    run PATH EXIT OFFSET PREDICTED    run PATH, expect EXIT and its text in
                                      flash at BASE + OFFSET or in ram
    twomaps PATH SIZE                 two mappings of PATH at once
    twins PATH-A PATH-B REQ-A REQ-B   A mapped with REQ-A, then B with REQ-B
                                      (two files whose data the image holds once)
and for nommucompare.py (the guest ignores them):
    expect PATH REQ OUTCOME           REQ shared-r, private-r, private-rx,
                                      private-rw; OUTCOME flash, copy or an
                                      errno name, as FILE predicts
HASH is the FNV-1a 64 of the content; OFFSET the image offset of the file's
first byte in flash, from FILE ("offset", or the direct run that starts at
page 0), "-" when it has none; KNOWN, with --known-read-bug, the hash of the
content with its last page zeroed for each file FILE flags with
last_page_read_bug (what read() and a copy give on a kernel without the
fix), "-" otherwise.  A program of --run must be a FLAT program in FILE
("flat" not null): PREDICTED is flash when FILE says its text is in place.
"twomaps //PATH" (--twomaps-initramfs) names a file of the initramfs.
--twins fails (exit 1) unless FILE gives both files the same size and the
same image offset (mkcramfs stored their data once) and their contents are
the same.
--require-text checks the image rather than the kernel: it fails (exit 1)
unless FILE predicts the FLAT program's text in flash or in RAM as asked
(e.g. that `mkcramfs -X` placed a program in flash by itself).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkmanifest import esc, fnv1a64, fnv1a64_file  # noqa: E402

REQUESTS = ("shared-r", "private-r", "private-rx", "private-rw")


def first_byte_offset(item):
    if item.get("offset") is not None:
        return item["offset"]
    for first, _count, offset in item.get("runs") or []:
        if first == 0:
            return offset
    return None


def main():
    ap = argparse.ArgumentParser(description="Write the no-MMU guest's manifest from cramfsck --xip --nommu --json.")
    ap.add_argument("srcdir")
    ap.add_argument("--xip-json", required=True, help="cramfsck --xip --nommu --json output for the image")
    ap.add_argument("--known-read-bug", action="store_true",
                    help="expect the stock kernel's last-page read bug where the JSON flags it")
    ap.add_argument("--run", action="append", default=[], metavar="'PATH EXIT'",
                    help="a FLAT program of the image to run")
    ap.add_argument("--ram", metavar="'PATH N'", help="measure RAM with N copies of PATH alive")
    ap.add_argument("--twomaps", action="append", default=[], metavar="PATH",
                    help="map PATH of the image twice at once")
    ap.add_argument("--twomaps-initramfs", action="append", default=[], metavar="'PATH SIZE'",
                    help="the same for a file of the initramfs")
    ap.add_argument("--twins", action="append", default=[], metavar="'PATH-A PATH-B REQ-A REQ-B'",
                    help="map two files whose data the image stores once, one after the other")
    ap.add_argument("--require-text", action="append", default=[], metavar="'PATH flash|ram'",
                    help="fail unless FILE predicts PATH's text in flash (in place) or in RAM")
    ap.add_argument("--dev", default="mtd:22000000.flash")
    ap.add_argument("--flash", default="0x22000000,0x2000000")
    args = ap.parse_args()

    with open(args.xip_json, "rb") as f:
        report = json.loads(f.read().decode("utf-8", "surrogateescape"))
    if report.get("kernel") != "nommu":
        sys.exit("mknommumanifest: %s is not a no-MMU prediction (kernel=%r): use cramfsck --xip --nommu --json"
                 % (args.xip_json, report.get("kernel")))
    blksize = report.get("blksize", 4096)
    src = os.fsencode(args.srcdir)
    files = {}
    for item in report.get("files", []):
        path = item["path"] if item["path"].startswith("/") else "/" + item["path"]
        files[path] = item

    for spec in args.require_text:
        path, want = spec.split()
        flat = (files.get(path) or {}).get("flat")
        if not flat:
            sys.exit("mknommumanifest: %s predicts nothing about %s as a FLAT program" % (args.xip_json, path))
        if ("flash" if flat.get("in_place") else "ram") != want:
            sys.exit("mknommumanifest: %s: text predicted in %s, wanted in %s (reason: %s)" % (
                path, "flash" if flat.get("in_place") else "ram", want, flat.get("reason")))

    out = sys.stdout
    out.write("# nommucheck manifest, from %s\n" % os.path.basename(args.xip_json))
    out.write("option dev=%s\noption flash=%s\n" % (args.dev, args.flash))
    if args.ram:
        path, n = args.ram.split()
        if path not in files:
            sys.exit("mknommumanifest: --ram %s: not a file of the image" % path)
        out.write("ram %s %d\n" % (esc(path), int(n)))

    for path in sorted(files, key=os.fsencode):
        item = files[path]
        full = src + os.fsencode(path)
        if not os.path.isfile(full):
            sys.exit("mknommumanifest: %s in %s is not a regular file of %s" % (path, args.xip_json, args.srcdir))
        size = os.path.getsize(full)
        if size != item["size"]:
            sys.exit("mknommumanifest: %s: %d bytes in the tree, %d in %s" % (path, size, item["size"], args.xip_json))
        offset = first_byte_offset(item)
        known = "-"
        if args.known_read_bug and item.get("last_page_read_bug"):
            with open(full, "rb") as f:
                content = f.read()
            known = "%016x" % fnv1a64(content[:len(content) - blksize] + bytes(blksize))
        out.write("file %s %d %016x %s %s\n" % (esc(path), size, fnv1a64_file(full),
                                               "-" if offset is None else "0x%x" % offset, known))
        if size == 0:
            continue
        mmap = item.get("mmap") or {}
        for req in REQUESTS:
            outcome = mmap.get(req)
            if outcome is None:
                sys.exit("mknommumanifest: %s: no prediction for %s in %s" % (path, req, args.xip_json))
            if outcome == "flash" and offset is None:
                sys.exit("mknommumanifest: %s: %s predicted in flash but no offset in %s" % (path, req, args.xip_json))
            out.write("expect %s %s %s\n" % (esc(path), req, outcome))

    for spec in args.run:
        words = spec.split()
        if len(words) != 2:
            sys.exit("mknommumanifest: --run needs 'PATH EXIT': %r" % spec)
        path, code = words
        item = files.get(path)
        if item is None:
            sys.exit("mknommumanifest: --run %s: not a file of the image" % path)
        flat = item.get("flat")
        if not flat:
            sys.exit("mknommumanifest: --run %s: %s does not know it as a FLAT program" % (path, args.xip_json))
        offset = first_byte_offset(item) if flat.get("in_place") else None
        if flat.get("in_place") and offset is None:
            sys.exit("mknommumanifest: --run %s: text in place but no offset in %s" % (path, args.xip_json))
        out.write("run %s %d %s %s\n" % (esc(path), int(code), "-" if offset is None else "0x%x" % offset,
                                         "flash" if flat.get("in_place") else "ram"))

    for path in args.twomaps:
        if path not in files:
            sys.exit("mknommumanifest: --twomaps %s: not a file of the image" % path)
        out.write("twomaps %s %d\n" % (esc(path), files[path]["size"]))
    for spec in args.twomaps_initramfs:
        path, size = spec.split()
        out.write("twomaps /%s %d\n" % (esc(path), int(size)))
    for spec in args.twins:
        words = spec.split()
        if len(words) != 4 or words[2] not in REQUESTS or words[3] not in REQUESTS:
            sys.exit("mknommumanifest: --twins needs 'PATH-A PATH-B REQ-A REQ-B': %r" % spec)
        a, b = words[0], words[1]
        for path in (a, b):
            if path not in files:
                sys.exit("mknommumanifest: --twins %s: not a file of the image" % path)
        oa, ob = first_byte_offset(files[a]), first_byte_offset(files[b])
        if (oa is None or oa != ob or files[a]["size"] != files[b]["size"] or
                fnv1a64_file(src + os.fsencode(a)) != fnv1a64_file(src + os.fsencode(b))):
            sys.exit("mknommumanifest: --twins %s %s: not the same data at the same offset in %s (offsets %s, %s)"
                     % (a, b, args.xip_json, oa, ob))
        out.write("twins %s %s %s %s\n" % (esc(a), esc(b), words[2], words[3]))


if __name__ == "__main__":
    main()
