#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cramfs-xip on the build machine: usage errors, a mount point that is not
# cramfs, profile --merge (round trip, union, refusals with file and line,
# sizes that disagree, output written whole or not at all), status in text
# and JSON.  What it sees of a real cramfs mount (page cache, pages from
# flash) is tested under a real kernel: tests/kernel/run-all.sh, cases plain
# and xip.
#
# Environment (set by "make check"): CRAMFS_XIP, SRCDIR.
# Exit status: 0 all passed, 1 a check failed, 99 the test could not run.
. "$SRCDIR/tests/cli/common.sh"
need_env CRAMFS_XIP SRCDIR
need_cmd python3 cmp
setup_tmp
X=$CRAMFS_XIP

CASE="usage"
expect_exit 0 "$X" --help
expect_stdout_contains "cramfs-xip profile [-o FILE] MOUNTPOINT..."
expect_exit 0 "$X" status --help
expect_exit 0 "$X" --version
expect_stdout_contains "profile format 1"
expect_exit 16 "$X"
expect_stderr_contains "cramfs-xip: no command: profile or status"
expect_stderr_contains "Try 'cramfs-xip --help' for more information."
expect_exit 16 "$X" frobnicate
expect_stderr_contains "cramfs-xip: unknown command 'frobnicate' (profile or status)"
expect_exit 16 "$X" status --bogus
expect_stderr_contains "cramfs-xip: unknown option '--bogus'"
expect_exit 16 "$X" profile -o
expect_stderr_contains "cramfs-xip: option '-o' needs an argument"
expect_exit 16 "$X" profile
expect_stderr_contains "cramfs-xip: no mount point given"
expect_exit 16 "$X" profile --merge
expect_stderr_contains "cramfs-xip: --merge needs at least one profile"
expect_exit 16 "$X" profile --json /
expect_stderr_contains "cramfs-xip: --json goes with status"
expect_exit 16 "$X" status -o x
expect_stderr_contains "cramfs-xip: --output goes with profile"
expect_exit 16 "$X" status --merge
expect_stderr_contains "cramfs-xip: --merge goes with profile"
expect_exit 16 "$X" status 12x
expect_stderr_contains "cramfs-xip: '12x' is not a process ID"
expect_exit 16 "$X" -o x profile /
expect_stderr_contains "cramfs-xip: the command goes first"

CASE="not cramfs"
mkdir "$TMP/dir"
expect_exit 4 "$X" profile "$TMP/dir"
expect_stderr_contains "cramfs-xip: $TMP/dir: not a mount point"
root_type=$(awk '$5 == "/" { sub(/.* - /, ""); split($0, a, " "); t = a[1] } END { print t }' /proc/self/mountinfo)
if [ "$root_type" = cramfs ]; then
	fail "the root file system of the build machine is cramfs: this check needs another"
else
	expect_exit 4 "$X" profile /
	expect_stderr_contains "cramfs-xip: /: not a cramfs mount (the file system mounted there is $root_type)"
fi
expect_exit 8 "$X" profile "$TMP/nonexistent"
expect_stderr_contains "cramfs-xip: $TMP/nonexistent: No such file or directory"
expect_exit 4 "$X" profile -o "$TMP/out" /
expect "no output file after the refusal" test ! -e "$TMP/out"

CASE="merge"
cat >"$TMP/a.profile" <<'EOF'
cramfs-xip-profile 1
page-size 4096
# mount /mnt (mtd:physmap-flash.0, device 31:0)
file /bin/busybox 1983296 0-2,9,100-120
file /etc/odd%20name%25 5000 -
file /lib/libc.so.6 1000000 0
file /x 0 -
EOF
cat >"$TMP/b.profile" <<'EOF'
cramfs-xip-profile 1
page-size 4096
file /bin/busybox 1983296 3-8,10,121
file /etc/odd%20name%25 5000 1
file /new 4097 0-1
EOF
expect_exit 0 "$X" profile --merge "$TMP/a.profile"
grep -v '^#' "$TMP/a.profile" >"$TMP/a.lines"
grep -v '^#' "$LAST_OUT" >"$TMP/a.again"
expect "round trip: one profile merged gives back its lines" cmp -s "$TMP/a.lines" "$TMP/a.again"
expect_exit 0 "$X" profile --merge -o "$TMP/ab.profile" "$TMP/a.profile" "$TMP/b.profile"
cat >"$TMP/ab.want" <<'EOF'
cramfs-xip-profile 1
page-size 4096
file /bin/busybox 1983296 0-10,100-121
file /etc/odd%20name%25 5000 1
file /lib/libc.so.6 1000000 0
file /new 4097 0-1
file /x 0 -
EOF
grep -v '^#' "$TMP/ab.profile" >"$TMP/ab.lines"
expect "union: adjacent pages folded into ranges, every file of both" cmp -s "$TMP/ab.want" "$TMP/ab.lines" ||
	diff "$TMP/ab.want" "$TMP/ab.lines" >&2
expect_exit 0 sh -c "\"$X\" profile --merge - <\"$TMP/b.profile\""
expect_stdout_contains "file /new 4097 0-1"

printf 'cramfs-xip-profile 1\npage-size 4096\nfile /lib/libc.so.6 999999 -\n' >"$TMP/c.profile"
expect_exit 4 "$X" profile --merge -o "$TMP/abc.profile" "$TMP/a.profile" "$TMP/c.profile"
expect_stderr_contains "cramfs-xip: $TMP/c.profile: /lib/libc.so.6 is 999999 bytes, but 1000000 bytes in the profiles before it"
expect "no output after a refusal" test ! -e "$TMP/abc.profile"
printf 'cramfs-xip-profile 1\npage-size 65536\n' >"$TMP/64k.profile"
expect_exit 4 "$X" profile --merge "$TMP/a.profile" "$TMP/64k.profile"
expect_stderr_contains "cramfs-xip: $TMP/64k.profile: page size 65536, not 4096 as in the profiles before it"

CASE="refusals"
# each: the profile's text, and the message after "FILE:"
n=0
while IFS='|' read -r text message; do
	n=$((n + 1))
	printf '%b' "$text" >"$TMP/bad$n.profile"
	expect_exit 4 "$X" profile --merge "$TMP/a.profile" "$TMP/bad$n.profile"
	expect_stderr_contains "cramfs-xip: $TMP/bad$n.profile:$message"
done <<'EOF'
cramfs-xip-profile 2\npage-size 4096\n|1: profile version 2, this program reads version 1
cramfs-xip-profile 1\nfile /a 1 -\n|2: no 'page-size N' line after the first line
cramfs-xip-profile 1\n|1: no 'page-size N' line
cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -\nfile /a 1 -\n|4: this path is on the line before too
cramfs-xip-profile 1\npage-size 4096\nfile /b 1 -\nfile /a 1 -\n|4: the file lines are not sorted by path
cramfs-xip-profile 1\npage-size 4096\nfile /a 4096 1\n|3: a page past the end of the file
cramfs-xip-profile 1\npage-size 4096\nfile /a 40960 3,1\n|3: ranges out of order or overlapping
cramfs-xip-profile 1\npage-size 4096\nfile /a 40960 1,2\n|3: adjacent ranges (write them as one)
cramfs-xip-profile 1\npage-size 4096\nfile /a b 1 -\n|3: the size is not a decimal number followed by one space
cramfs-xip-profile 1\npage-size 4096\nfile /a%41 1 -\n|3: %XX for a byte that is written as itself
cramfs-xip-profile 1\npage-size 4096\nfile /a 1 -|3: the last line has no newline (the file is cut short?)
# a comment\nnot a profile\n|2: not a cramfs-xip profile (the first line must be 'cramfs-xip-profile 1')
EOF
printf '' >"$TMP/empty.profile"
expect_exit 4 "$X" profile --merge "$TMP/empty.profile"
expect_stderr_contains "cramfs-xip: $TMP/empty.profile: empty, not a cramfs-xip profile"
expect_exit 8 "$X" profile --merge "$TMP/missing.profile"
expect_stderr_contains "cramfs-xip: $TMP/missing.profile: No such file or directory"
expect_exit 8 "$X" profile --merge -o "$TMP/no/such/dir/out" "$TMP/a.profile"
expect_stderr_contains "cramfs-xip: $TMP/no/such/dir/out: No such file or directory"
# a control byte in a message is written \xNN, not sent to the terminal
printf 'cramfs-xip-profile 1\npage-size 4096\n' >"$TMP/esc$(printf '\033')name"
expect_exit 0 "$X" profile --merge "$TMP/esc$(printf '\033')name" "$TMP/a.profile"
expect_exit 8 "$X" profile --merge "$TMP/gone$(printf '\033')x"
expect_stderr_contains 'gone\x1bx: No such file or directory'

CASE="status"
expect_exit 0 "$X" status
expect_stdout_contains "PID COMMAND"
expect_stdout_contains "execute in place saves"
expect_exit 0 "$X" status --json
expect "status --json is one JSON document with the documented keys" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d) == {"page_size", "pfns", "note", "mounts", "mappings", "total"}, sorted(d)
assert isinstance(d["pfns"], bool) and (d["note"] is None) == d["pfns"]
for k in ("processes", "files", "flash_pages", "cache_pages", "private_pages", "unplaced_flash_pages",
          "distinct_flash_pages", "distinct_cache_pages", "xip_saved_bytes", "cache_bytes",
          "unreadable_processes"):
    assert isinstance(d["total"][k], int), k
assert d["total"]["xip_saved_bytes"] == d["total"]["distinct_flash_pages"] * d["page_size"]
' "$LAST_OUT"
expect_exit 0 "$X" status "$$"
# a process that is not there (PIDs above pid_max never are)
expect_exit 4 "$X" status 4194305
expect_stderr_contains "cramfs-xip: no process 4194305"

finish
