#!/usr/bin/env python3
"""Trim an XIP profile to the runs a cost-aware stock layout would store.

    trim-profile.py PROFILE ROOTFS BUDGET OUT

An experiment for tests/kernel/bench-profile.sh (--profile OUT), not a tool.
On a stock kernel a mapping is direct only from its first page, so
`mkcramfs --xip-layout=stock` stores each read-only ELF segment from its first
page up to its last profiled page.  Real programs use pages all over their
text, and two pages near the end of a segment are used by nearly every
program: the page of .fini (the last section of the text, run at exit) and
the page a read-only segment shares with the data segment (read for the data
mapping, which is never direct).  The runs then cover nearly whole segments.

This script chooses, for every read-only segment, where its run ends, so that
all segments together store at most BUDGET (0 to 1) of their pages in place
and keep as many profiled pages as possible in place: the steps of each
segment's upper convex hull of (run length, profiled pages in the run), taken
in order of profiled pages per stored page while they fit.  Profiled pages
that are also pages of a writable segment are not counted (the data mapping
reads them through the page cache anyway).  It writes a profile with the pages
of each run (pages after a run end are dropped); files that are not ELF are
copied as they are.  mkcramfs's stock layout of OUT then stores those runs.

Reads 64-bit little-endian ELF files only (the x86_64 rig); others are kept.
"""
import os
import re
import struct
import sys


def parse_ranges(text):
    pages = set()
    if text != "-":
        for part in text.split(","):
            a, _, b = part.partition("-")
            pages.update(range(int(a), int(b or a) + 1))
    return pages


def unescape(path):
    """The bytes of a profile path (%XX escapes)."""
    return re.sub(rb"%([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), os.fsencode(path))


def format_ranges(pages):
    runs = []
    for p in sorted(pages):
        if runs and runs[-1][1] == p - 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs) or "-"


def segments(path, page):
    """[(first page, last page, writable)] of the PT_LOAD segments, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return None
    if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return None
    phoff, = struct.unpack_from("<Q", head, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", head, 0x36)
    out = []
    for i in range(phnum):
        if phoff + (i + 1) * phentsize > len(head):
            return None
        ptype, flags, off, _, _, filesz, _, _ = struct.unpack_from("<IIQQQQQQ", head, phoff + i * phentsize)
        if ptype == 1 and filesz:
            out.append((off // page, (off + filesz - 1) // page, bool(flags & 2)))
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: trim-profile.py PROFILE ROOTFS BUDGET OUT")
    profile, rootfs, budget, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    lines = open(profile).read().splitlines(True)
    page = next(int(l.split()[1]) for l in lines if l.startswith("page-size "))
    files = {}
    steps = []
    total_pages = total_used = 0
    for l in lines:
        if not l.startswith("file "):
            continue
        _, path, size, ranges = l.split()
        segs = segments(os.fsencode(rootfs) + unescape(path), page)
        if segs is None:
            continue
        used = parse_ranges(ranges)
        files[path] = (segs, used)
        writable = {p for a, b, w in segs if w for p in range(a, b + 1)}
        for a, b, w in segs:
            if w:
                continue
            total_pages += b - a + 1
            offs = [p - a for p in range(a, b + 1) if p in used and p not in writable]
            total_used += len(offs)
            points = [(0, 0)] + [(o + 1, k + 1) for k, o in enumerate(offs)]
            i = 0
            while i < len(points) - 1:
                best_j, best_slope = None, -1.0
                for j in range(i + 1, len(points)):
                    slope = (points[j][1] - points[i][1]) / (points[j][0] - points[i][0])
                    if slope >= best_slope:
                        best_j, best_slope = j, slope
                steps.append((best_slope, points[best_j][0] - points[i][0], points[best_j][1] - points[i][1],
                              path, a, points[best_j][0]))
                i = best_j
    steps.sort(key=lambda s: -s[0])
    cap = budget * total_pages
    stored = kept = 0
    run_end = {}
    for _, length, gain, path, first, end in steps:
        if stored + length > cap:
            continue
        stored += length
        kept += gain
        run_end[(path, first)] = max(run_end.get((path, first), 0), end)
    with open(out + ".tmp", "w") as f:
        for l in lines:
            if not l.startswith("file ") or l.split()[1] not in files:
                f.write(l)
                continue
            _, path, size, _ = l.split()
            segs, used = files[path]
            keep = set()
            for a, b, w in segs:
                if not w:
                    keep.update(p for p in used if a <= p < a + run_end.get((path, a), 0))
            f.write(f"file {path} {size} {format_ranges(keep)}\n")
    os.replace(out + ".tmp", out)
    print(f"trim-profile: {total_pages} pages of read-only segments, {total_used} profiled; "
          f"runs of {stored} pages ({stored / total_pages:.1%}) keep {kept} of them "
          f"({kept / max(total_used, 1):.1%})", file=sys.stderr)


if __name__ == "__main__":
    main()
