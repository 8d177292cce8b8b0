#!/usr/bin/env python3
"""Independent oracle for XIP tests: which pages of a tree's ELF files mkcramfs -X must store direct.

Reads every regular file of TREE itself (no project code), finds the PT_LOAD segments without PF_W,
and compares the pages they cover with the runs `cramfsck --xip --json` reports for the image; and
each ELF file's segments (permissions, first page, page count) with the report's "segments", a
read-only segment's direct pages being the expected direct pages from its first on.

    elfpages.py TREE REPORT.json [--blocksize N] [--direct-last-page]

A page is expected direct when it overlaps a read-only PT_LOAD's file range; for a file whose size is
a multiple of the page size the last page is expected not direct (the kernel read-bug work-around)
unless --direct-last-page.  Exit 0 when every file matches, 1 with one line per difference.
"""
import json
import os
import stat
import struct
import sys


def ro_pages(path, size, page, segments=None):
    """The pages of the read-only PT_LOADs; segments (a list) gets (perms, first, pages) of every PT_LOAD."""
    with open(path, 'rb') as f:
        head = f.read(64)
        if len(head) < 52 or head[:4] != b'\x7fELF' or head[4] not in (1, 2) or head[5] not in (1, 2):
            return set()
        end = '<' if head[5] == 1 else '>'
        if head[4] == 2:
            phoff, = struct.unpack(end + 'Q', head[32:40])
            phentsize, phnum = struct.unpack(end + 'HH', head[54:58])
            fmt, want = end + 'IIQQQQQQ', 56
        else:
            phoff, = struct.unpack(end + 'I', head[28:32])
            phentsize, phnum = struct.unpack(end + 'HH', head[42:46])
            fmt, want = end + 'IIIIIIII', 32
        if phnum == 0 or phentsize != want or phoff + phnum * phentsize > size:
            return set()
        if segments is not None:
            segments.append(None)     # an ELF file, whatever its segments
        f.seek(phoff)
        table = f.read(phnum * phentsize)
    pages = set()
    for i in range(phnum):
        fields = struct.unpack(fmt, table[i * want:(i + 1) * want])
        if head[4] == 2:
            p_type, p_flags, p_offset, _, _, p_filesz = fields[:6]
        else:
            p_type, p_offset, _, _, p_filesz, _, p_flags = fields[:7]
        if p_type != 1 or p_filesz == 0:
            continue
        if p_offset + p_filesz > size:
            if segments is not None:
                segments.clear()
            return set()          # a lying header: not treated as ELF
        if segments is not None:
            first = p_offset // page
            segments.append((''.join(c if p_flags & b else '-' for c, b in (('r', 4), ('w', 2), ('x', 1))),
                             first, (p_offset + p_filesz + page - 1) // page - first))
        if p_flags & 2:
            continue
        pages.update(range(p_offset // page, (p_offset + p_filesz + page - 1) // page))
    return pages


def main():
    args = sys.argv[1:]
    page, direct_last = 4096, False
    if '--blocksize' in args:
        k = args.index('--blocksize')
        page = int(args[k + 1])
        del args[k:k + 2]
    if '--direct-last-page' in args:
        args.remove('--direct-last-page')
        direct_last = True
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tree, report_path = args
    with open(report_path) as f:
        report = json.load(f)
    if report['blksize'] != page:
        print(f'report is for {report["blksize"]}-byte pages, expected {page}')
        return 1
    got, segs = {}, {}
    for entry in report['files']:
        got[entry['path']] = set(p for first, count in entry['runs'] for p in range(first, first + count))
        segs[entry['path']] = entry.get('segments', 'absent')

    bad = expected_total = 0
    for root, dirs, files in os.walk(tree):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
                continue
            rel = '/' + os.path.relpath(full, tree)
            segments = []
            want = ro_pages(full, st.st_size, page, segments)
            npages = (st.st_size + page - 1) // page
            if want and st.st_size % page == 0 and not direct_last:
                want.discard(npages - 1)
                # with the last page not direct, a lone direct page before it stays, nothing else changes
            have = got.get(rel)
            if have is None:
                print(f'{rel}: missing from the report')
                bad += 1
                continue
            expected_total += len(want)
            if have != want:
                missing, extra = sorted(want - have), sorted(have - want)
                print(f'{rel}: expected {len(want)} direct pages, report has {len(have)}'
                      f'; not direct: {missing[:8]}{"..." if len(missing) > 8 else ""}'
                      f'; unexpected: {extra[:8]}{"..." if len(extra) > 8 else ""}')
                bad += 1
            if segs[rel] == 'absent':
                continue          # a report without segments (an older cramfsck): runs only
            expect_segs = None
            if len(segments) > 1:
                expect_segs = []
                for seg in segments[1:]:
                    perms, first, count = seg
                    direct = 0
                    while 'w' not in perms and direct < count and first + direct in want:
                        direct += 1
                    expect_segs.append((perms, first, count, direct))
            have_segs = None if segs[rel] is None else [
                (g['perms'], g['first'], g['pages'], g['direct_pages']) for g in segs[rel]]
            if have_segs != expect_segs:
                print(f'{rel}: segments expected {expect_segs}, report has {have_segs}')
                bad += 1
    print(f'elfpages: {expected_total} read-only ELF segment pages expected direct; '
          f'{len(got)} files in the report; {bad} mismatches')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
