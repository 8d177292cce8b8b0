#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check what cramfs-xip said in a guest (guest/init, run-guest.sh --xiptool).

  xiptoolcheck.py status --report R [--xip]
  xiptoolcheck.py profile --report R --manifest M --busybox ELF --page-size N
  xiptoolcheck.py loop --report R

status: cramfs-xip status --json ran as root (PFNs visible) and as user
1000 (PFNs hidden) while two programs of the image ran: busybox sleep and
xipcheck --hold (busybox mapped whole, every page read).  For both runs and
both processes, its pages from flash must be xipcheck --direct's count
(PFNs in the flash window, pf vmas whole), and its page cache and private
pages together xipcheck's pages in RAM.  --xip: the image is XIP, so both
processes must have pages from flash, and the holder page cache pages too.
A profile taken meanwhile must hold every page of busybox (from flash or
from the page cache).

profile: cramfs-xip profile of /mnt after `busybox true` on dropped caches
must be a valid profile of version 1 with the guest's page size, one line
for every regular file of the manifest with its size, and busybox's line
must hold page 0 and the page of its entry point, and not all its pages (an
MTD mount reads nothing ahead); profile --merge of it with itself must give
the same lines back, and neither may print anything on stderr.  A bind
mount of /mnt/bin must be refused with exit status 4.

loop: cramfs-xip profile of /mnt mounted from /dev/loop0 must warn that
the device reads ahead, with the commands that stop it.

Exit 0 when all holds, 1 with one line per problem.
"""
import argparse
import json
import struct
import sys

problems = []


def bad(msg):
    problems.append(msg)


def lines_of(report, prefix):
    out = []
    for line in report:
        if line.startswith(prefix):
            out.append(line[len(prefix):])
    return out


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode("ascii", "surrogateescape")
    while i < len(b):
        if b[i:i + 1] == b"%" and i + 2 < len(b):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(b[i])
            i += 1
    return bytes(out)


def exit_of(report, what):
    got = [l for l in report if l.startswith("XIPCHECK xiptool %s exit=" % what)]
    if not got:
        bad("the guest never ran cramfs-xip %s" % what)
        return None
    return int(got[-1].rsplit("=", 1)[1])


def check_status(report, xip):
    pids = lines_of(report, "XIPCHECK xiptool pids ")
    if not pids:
        bad("no 'xiptool pids' line: the programs were not started")
        return
    who = dict(kv.split("=") for kv in pids[0].split())
    direct = {}
    for line in lines_of(report, "XIPCHECK direct "):
        kv = dict(w.split("=", 1) for w in line.split())
        direct[(int(kv["pid"]), unescape(kv["path"]))] = (int(kv["flash"]), int(kv["ram"]))
    busybox = b"/mnt/bin/busybox"
    summary = []
    for as_ in ("root", "user"):
        rc = exit_of(report, "status as=%s" % as_)
        if rc != 0:
            bad("cramfs-xip status as %s: exit status %s: %s" % (
                as_, rc, " | ".join(lines_of(report, "XIPCHECK xiptool-stderr as=%s " % as_))))
        text = "\n".join(lines_of(report, "XIPCHECK xiptool-json as=%s " % as_))
        try:
            doc = json.loads(text)
        except ValueError as e:
            bad("cramfs-xip status --json as %s: not JSON (%s): %r" % (as_, e, text[:300]))
            continue
        if doc["pfns"] != (as_ == "root"):
            bad("as %s: pfns is %s" % (as_, doc["pfns"]))
        if (doc["note"] is None) != (as_ == "root"):
            bad("as %s: note is %r" % (as_, doc["note"]))
        flash_sum = 0
        flash_max = 0
        for name in ("sleeper", "holder"):
            pid = int(who[name])
            maps = [m for m in doc["mappings"] if m["pid"] == pid and
                    m["path"].encode("utf-8", "surrogateescape") == busybox]
            if len(maps) != 1:
                bad("as %s: %d mappings of %s for the %s (pid %d), not 1" % (
                    as_, len(maps), busybox.decode(), name, pid))
                continue
            m = maps[0]
            want = direct.get((pid, busybox))
            if want is None:
                bad("xipcheck --direct did not count %s for pid %d" % (busybox.decode(), pid))
                continue
            if m["flash_pages"] != want[0]:
                bad("as %s, %s (pid %d): cramfs-xip counts %d pages from flash, xipcheck's PFNs %d" % (
                    as_, name, pid, m["flash_pages"], want[0]))
            if m["cache_pages"] + m["private_pages"] != want[1]:
                bad("as %s, %s (pid %d): cramfs-xip counts %d page cache + %d private pages, "
                    "xipcheck %d pages in RAM" % (as_, name, pid, m["cache_pages"], m["private_pages"],
                                                  want[1]))
            if m["unplaced_flash_pages"]:
                bad("as %s, %s: %d pages from flash not placed in the file" % (
                    as_, name, m["unplaced_flash_pages"]))
            if xip and m["flash_pages"] == 0:
                bad("as %s, %s: no page from flash on an XIP image" % (as_, name))
            if xip and name == "holder" and m["cache_pages"] == 0:
                bad("as %s, holder: no page cache page (busybox's data is not in place)" % as_)
            flash_sum += m["flash_pages"]
            flash_max = max(flash_max, m["flash_pages"])
            summary.append("%s %s flash=%d cache=%d private=%d" % (
                as_, name, m["flash_pages"], m["cache_pages"], m["private_pages"]))
        t = doc["total"]
        if not flash_max <= t["distinct_flash_pages"] <= flash_sum:
            bad("as %s: %d distinct pages from flash, not between %d and %d" % (
                as_, t["distinct_flash_pages"], flash_max, flash_sum))
        if t["xip_saved_bytes"] != t["distinct_flash_pages"] * doc["page_size"]:
            bad("as %s: xip_saved_bytes is not distinct_flash_pages times the page size" % as_)
        summary.append("%s distinct=%d saved=%d kB" % (as_, t["distinct_flash_pages"],
                                                       t["xip_saved_bytes"] // 1024))
    # the profile taken while they ran: every page of busybox, from flash or the page cache
    if exit_of(report, "profile") != 0:
        bad("cramfs-xip profile while the programs ran failed")
    bb = lines_of(report, "XIPCHECK xiptool-profile file /bin/busybox ")
    if len(bb) != 1:
        bad("the profile taken while the programs ran has %d lines of /bin/busybox" % len(bb))
    else:
        size, ranges = bb[0].split(" ")
        pages = -(-int(size) // doc["page_size"])
        want = "0-%d" % (pages - 1) if pages > 1 else "0"
        if ranges != want:
            bad("the profile taken while busybox ran from flash: pages %s of /bin/busybox, not %s" % (
                ranges, want))
        summary.append("profile meanwhile: /bin/busybox %s" % ranges)
    if not problems:
        print("xiptool status: agrees with xipcheck's PFNs: " + ", ".join(summary))


def parse_ranges(text, pages):
    if text == "-":
        return set()
    used = set()
    prev = -2
    for part in text.split(","):
        a, _, b = part.partition("-")
        first, last = int(a), int(b) if b else int(a)
        if str(first) != a or (b and (str(last) != b or last <= first)):
            raise ValueError("range %r" % part)
        if first <= prev + 1 or last >= pages:
            raise ValueError("range %r out of order, adjacent or past the end" % part)
        used.update(range(first, last + 1))
        prev = last
    return used


def entry_page(elf, page_size):
    data = open(elf, "rb").read()
    cls, endian = data[4], "<" if data[5] == 1 else ">"
    if cls == 2:
        entry, phoff = struct.unpack_from(endian + "QQ", data, 24)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 54)
    else:
        entry, phoff = struct.unpack_from(endian + "II", data, 24)
        phentsize, phnum = struct.unpack_from(endian + "HH", data, 42)
    for i in range(phnum):
        off = phoff + i * phentsize
        if cls == 2:
            ptype, _, poff, vaddr, _, filesz = struct.unpack_from(endian + "IIQQQQ", data, off)
        else:
            ptype, poff, vaddr, _, filesz = struct.unpack_from(endian + "IIIII", data, off)
        if ptype == 1 and vaddr <= entry < vaddr + filesz:
            return (entry - vaddr + poff) // page_size
    sys.exit("xiptoolcheck: %s: no PT_LOAD holds the entry point" % elf)


def check_profile(report, manifest, busybox, page_size):
    for what in ("profile", "merge"):
        rc = exit_of(report, what)
        if rc != 0:
            bad("cramfs-xip %s: exit status %s" % (what, rc))
    errs = lines_of(report, "XIPCHECK xiptool-stderr ")
    if errs:
        bad("cramfs-xip printed on stderr: " + " | ".join(errs))
    if "XIPCHECK xiptool merge same=yes" not in report:
        bad("profile --merge of the profile with itself did not give its lines back")
    if exit_of(report, "profile-bind") != 4:
        bad("cramfs-xip profile of a bind mount of /mnt/bin: not exit status 4")
    want_msg = "cramfs-xip: /tmp/bind: a bind mount of the image's directory /bin"
    if not any(l.startswith(want_msg) for l in lines_of(report, "XIPCHECK xiptool-bind-stderr ")):
        bad("cramfs-xip profile of a bind mount did not say '%s...'" % want_msg)
    lines = lines_of(report, "XIPCHECK xiptool-profile ")
    if lines[:2] != ["cramfs-xip-profile 1", "page-size %d" % page_size]:
        bad("the profile does not start with its header and page size %d: %r" % (page_size, lines[:2]))
        return
    files = {}
    prev = None
    for n, line in enumerate(lines[2:], 3):
        if line.startswith("#"):
            continue
        w = line.split(" ")
        if len(w) != 4 or w[0] != "file":
            bad("profile line %d: %r" % (n, line))
            continue
        path, size = unescape(w[1]), int(w[2])
        if prev is not None and path <= prev:
            bad("profile line %d: not sorted after the line before" % n)
        prev = path
        try:
            files[path] = (size, parse_ranges(w[3], -(-size // page_size)))
        except ValueError as e:
            bad("profile line %d: %s" % (n, e))
    want = {}
    for line in open(manifest, encoding="ascii"):
        w = line.split()
        if len(w) == 10 and w[0] == "entry" and w[1] == "f":
            p = unescape(w[9])
            want[p if p.startswith(b"/") else b"/" + p] = int(w[5])
    for p in sorted(set(want) - set(files)):
        bad("the profile has no line for %r" % p)
    for p in sorted(set(files) - set(want)):
        bad("the profile lists %r, which is not a file of the image" % p)
    for p in sorted(set(files) & set(want)):
        if files[p][0] != want[p]:
            bad("%r: size %d in the profile, %d in the image" % (p, files[p][0], want[p]))
    bb = files.get(b"/bin/busybox")
    if bb is None:
        return
    pages = -(-bb[0] // page_size)
    ep = entry_page(busybox, page_size)
    for page, why in ((0, "its ELF header"), (ep, "its entry point")):
        if page not in bb[1]:
            bad("/bin/busybox: page %d (%s) is not in the profile: %s" % (page, why, sorted(bb[1])[:20]))
    if len(bb[1]) >= pages:
        bad("/bin/busybox: all %d pages in the profile after 'busybox true': read ahead?" % pages)
    others = sum(1 for p, (s, u) in files.items() if u and p != b"/bin/busybox")
    if not problems:
        print("xiptool profile: %d files, /bin/busybox %d of %d pages used (0 and entry point page %d "
              "among them), %d other files with pages" % (len(files), len(bb[1]), pages, ep, others))


def check_loop(report):
    if exit_of(report, "profile") != 0:
        bad("cramfs-xip profile of the loop mount: not exit status 0")
    err = " ".join(lines_of(report, "XIPCHECK xiptool-stderr "))
    for want in ("cramfs-xip: warning: /mnt is mounted from the block device /dev/loop0 (7:0), which reads ahead",
                 "echo 3 > /proc/sys/vm/drop_caches", "blockdev --setra 0 /dev/loop0"):
        if want not in err:
            bad("cramfs-xip profile of the loop mount did not say '%s': %r" % (want, err))
    if not problems:
        print("xiptool profile of a loop mount: readahead warning")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("status", "profile", "loop"))
    ap.add_argument("--report", required=True)
    ap.add_argument("--xip", action="store_true")
    ap.add_argument("--manifest")
    ap.add_argument("--busybox")
    ap.add_argument("--page-size", type=int)
    args = ap.parse_args()
    with open(args.report, encoding="utf-8", errors="surrogateescape") as f:
        report = [l.rstrip("\n") for l in f]
    if args.mode == "status":
        check_status(report, args.xip)
    elif args.mode == "loop":
        check_loop(report)
    else:
        check_profile(report, args.manifest, args.busybox, args.page_size)
    for p in problems:
        print("xiptool: " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
