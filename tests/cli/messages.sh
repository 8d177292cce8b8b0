#!/bin/sh
# messages.sh: what the tools print about names and files.
#
# A name holding a newline and an escape sequence comes out escaped (\x0a,
# \x1b), in errors and warnings of both tools, so it can neither forge a line
# nor reach the terminal; a message about a path longer than 1023 bytes keeps
# its reason; a source file that changes size while read is named alone,
# never reported as a failure to write the output.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd python3 grep mount umount stat head
setup_tmp

if [ "$(id -u)" -eq 0 ]; then is_root=yes; else is_root=no; fi
OUT=$TMP/img

# no ESC byte, no carriage return, and no line but the tool's own ("PROG: ...", "Try 'PROG --help'...")
# shellcheck disable=SC2317 # called through expect
clean_stderr() {
	python3 - "$LAST_ERR" "$1" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
prog = sys.argv[2].encode()
bad = [l for l in data.split(b'\n')
       if l and not l.startswith(prog + b': ') and l != b"Try '" + prog + b" --help' for more information."]
if b'\x1b' in data or b'\r' in data or bad:
    sys.exit('raw control bytes or forged lines: %r' % data)
PY
}

# shellcheck disable=SC2317 # called through expect
absent() { [ ! -e "$1" ]; }

# a name that would forge a line of mkcramfs output and clear the screen
FORGED=$(printf 'x\nmkcramfs: forged line\033[2J')
FORGED_ESC='x\x0amkcramfs: forged line\x1b[2J'

CASE="name of 253 bytes with a newline and ESC"
mkdir "$TMP/long" || die "cannot make $TMP/long"
# pad the name to 253 bytes, one more than cramfs holds
name253=$(python3 -c 'import sys; n = sys.argv[1]; print(n + "n" * (253 - len(n.encode())), end="")' "$FORGED")
: >"$TMP/long/$name253" || die "cannot make the 253-byte name"
expect_exit 8 "$MKCRAMFS" "$TMP/long" "$OUT"
expect_stderr_contains "$FORGED_ESC"
expect_stderr_contains "nnn: name is 253 bytes; cramfs names are at most 252 bytes"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs
expect "no image written" absent "$OUT"

CASE="owner cut to 16 bits, name with a newline and ESC"
mkdir "$TMP/owner" || die "cannot make $TMP/owner"
echo data >"$TMP/owner/$FORGED" || die "cannot make $TMP/owner/$FORGED"
expect_exit 0 "$MKCRAMFS" --force-uid=70000 "$TMP/owner" "$OUT"
expect_stderr_contains "mkcramfs: warning: /$FORGED_ESC: uid 70000 stored as 4464 (cramfs keeps 16 bits)"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs
rm -f "$OUT"
expect_exit 8 "$MKCRAMFS" -E --force-uid=70000 "$TMP/owner" "$OUT"
expect_stderr_contains "mkcramfs: /$FORGED_ESC: uid 70000 stored as 4464"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs

CASE="output path with a newline and ESC"
expect_exit 8 "$MKCRAMFS" "$TMP/owner" "$TMP/$FORGED/img"
expect_stderr_contains "$FORGED_ESC/img"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs
expect_exit 8 "$MKCRAMFS" "$TMP/$FORGED" "$OUT"
expect_stderr_contains "$TMP/$FORGED_ESC: No such file or directory"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs
expect_exit 16 "$MKCRAMFS" --edition="$FORGED" "$TMP/owner" "$OUT"
expect_stderr_contains "invalid edition: '$FORGED_ESC'"
expect "stderr has no raw control bytes and no forged line" clean_stderr mkcramfs

CASE="cramfsck: image path with a newline and ESC"
expect_exit 8 "$CRAMFSCK" "$TMP/$FORGED"
expect_stderr_contains "$FORGED_ESC"
expect "stderr has no raw control bytes and no forged line" clean_stderr cramfsck
expect_exit 16 "$CRAMFSCK" -j "$FORGED" "$TMP/$FORGED"
expect_stderr_contains "thread count must be 1 to 256, not '$FORGED_ESC'"
expect "stderr has no raw control bytes and no forged line" clean_stderr cramfsck

CASE="path of 1259 bytes, last name too long"
# five directories of 200 bytes, then a name of 253: the message is longer than 1023 bytes
d200=$(printf '%0200d' 0 | tr 0 d)
deep=$TMP/deep/$d200/$d200/$d200/$d200/$d200
mkdir -p "$deep" || die "cannot make $deep"
: >"$deep/$(printf '%0253d' 0 | tr 0 f)" || die "cannot make the 253-byte name"
expect_exit 8 "$MKCRAMFS" "$TMP/deep" "$OUT"
expect_stderr_contains "fff: name is 253 bytes; cramfs names are at most 252 bytes"
expect_stderr_contains "1 entry cramfs cannot hold; no image written"
expect "no image written" absent "$OUT"

CASE="path of 1259 bytes, owner cut"
rm -f "$deep/f"*
: >"$deep/$(printf '%0250d' 0 | tr 0 f)" || die "cannot make the 250-byte name"
expect_exit 0 "$MKCRAMFS" --force-gid=300 "$TMP/deep" "$OUT"
expect_stderr_contains "fff: gid 300 stored as 44 (cramfs keeps 8 bits)"
rm -f "$OUT"

# ---- a source that changes size while read: its name, not the output's ----

# a sysfs attribute has st_size 4096 and reads back a few bytes
SHRINKS=
for f in /sys/kernel/uevent_seqnum /sys/kernel/profiling /sys/kernel/mm/transparent_hugepage/enabled; do
	if [ -r "$f" ] && [ "$(stat -c %s "$f" 2>/dev/null)" = 4096 ] && [ "$(head -c 4096 "$f" | wc -c)" -lt 4096 ]; then
		SHRINKS=$f
		break
	fi
done

CASE="-i file shrinks while being read"
if [ -z "$SHRINKS" ]; then
	fail "no sysfs file of st_size 4096 that reads shorter (is /sys mounted?)"
else
	expect_exit 8 "$MKCRAMFS" -i "$SHRINKS" "$TMP/owner" "$OUT"
	expect_stderr_contains "$SHRINKS: file shrank while being read"
	expect_stderr_lacks "cannot write"
	expect_stderr_lacks "$OUT"
	expect "no image written" absent "$OUT"
fi

# a tree file bind-mounted over a sysfs attribute shrinks, one over /proc/version (st_size 0) grows
for what in shrank grew; do
	CASE="tree file that $what while being read"
	if [ "$is_root" != yes ]; then
		fail "cannot test a file that $what: needs root (bind mount)"
		continue
	fi
	if [ $what = shrank ]; then from=$SHRINKS; else from=/proc/version; fi
	if [ -z "$from" ]; then
		fail "no sysfs file that reads shorter than its size"
		continue
	fi
	mkdir -p "$TMP/$what" && printf 'text\n' >"$TMP/$what/a" && : >"$TMP/$what/changes" ||
		die "cannot make $TMP/$what"
	add_cleanup "umount '$TMP/$what/changes' 2>/dev/null"
	if ! mount --bind "$from" "$TMP/$what/changes" 2>"$TMP/mount.err"; then
		fail "cannot bind-mount $from (needs CAP_SYS_ADMIN): $(cat "$TMP/mount.err")"
		continue
	fi
	expect_exit 8 "$MKCRAMFS" "$TMP/$what" "$OUT"
	expect_stderr_contains "mkcramfs: $TMP/$what/changes: file $what while being read"
	expect_stderr_lacks "cannot write"
	expect_stderr_lacks "$OUT"
	expect "no image written" absent "$OUT"
	umount "$TMP/$what/changes" || fail "cannot unmount $TMP/$what/changes"
done

finish
