#!/bin/sh
# badinput.sh: mkcramfs on bad input.
#
# For each refused run: the exit status (16 usage, 8 error), a message that
# names the offending file or option, no output file and no temporary
# .NAME.XXXXXX beside it afterwards; and, run again with an output file of
# that name already there, that file left as it was (same inode, same
# bytes).  Also the limits (16 MiB - 1 bytes, 252-byte names), data-losing
# conversions (warnings, errors with -E), unreadable input, a file that
# grows while being read, a full disk and an interrupted run.
#
# Needs root (chown, mknod, mount of a tmpfs and a bind mount); runs some
# cases as uid 65534 with setpriv (util-linux), since root reads anything.
# A case whose precondition is missing fails and says what is missing.

if [ -z "${SRCDIR:-}" ]; then
	echo "badinput.sh: ERROR: the environment variable SRCDIR is not set (the test driver sets it)" >&2
	exit 99
fi
# shellcheck source=SCRIPTDIR/common.sh
. "$SRCDIR/tests/cli/common.sh"

need_env MKCRAMFS CRAMFSCK
need_cmd setpriv truncate mknod chown mount umount cmp stat head seq awk env
[ -x "$MKCRAMFS" ] || die "MKCRAMFS=$MKCRAMFS is not an executable file"
[ -x "$CRAMFSCK" ] || die "CRAMFSCK=$CRAMFSCK is not an executable file"
setup_tmp
# the unprivileged runs must reach the trees and output directories in here
chmod 755 "$TMP" || die "cannot chmod $TMP"

if [ "$(id -u)" -eq 0 ]; then is_root=yes; else is_root=no; fi
NOBODY=65534

mkdir "$TMP/src" "$TMP/src/d" "$TMP/out" || die "cannot make the test tree"
printf 'some text\n' >"$TMP/src/a" || die "cannot make the test tree"
seq 1 3000 >"$TMP/src/d/b" || die "cannot make the test tree"
OUT=$TMP/out/img
PREVIOUS='a previous image, which a failed run must leave alone'

# shellcheck disable=SC2317 # called through expect
absent() { [ ! -e "$1" ] && [ ! -L "$1" ]; }

# no_temp DIR BASE: no temporary .BASE.* left in DIR
no_temp() {
	for _f in "$1"/."$2".*; do
		if [ -e "$_f" ] || [ -L "$_f" ]; then
			fail "temporary file ${_f#"$TMP"/} left behind"
			return 1
		fi
	done
	pass "no temporary .$2.* in ${1#"$TMP"/}"
}

# refused_once CODE PHRASE OUT CMD...: CMD exits CODE with PHRASE on stderr, no temporary
# file is left beside OUT, and OUT is as before: absent, or a file with the same inode
# and bytes as $TMP/previous.
refused_once() {
	_code=$1
	_phrase=$2
	_out=$3
	shift 3
	_before=
	[ ! -e "$_out" ] || _before=$(stat -c '%i %s' "$_out")
	expect_exit "$_code" "$@" && expect_stderr_contains "$_phrase"
	if [ -z "$_before" ]; then
		expect "no ${_out#"$TMP"/} made" absent "$_out"
	else
		expect "${_out#"$TMP"/} kept its inode" [ "$(stat -c '%i %s' "$_out")" = "$_before" ]
		expect "${_out#"$TMP"/} kept its bytes" cmp -s "$_out" "$TMP/previous"
	fi
	no_temp "$(dirname "$_out")" "$(basename "$_out")"
}

# refused CODE PHRASE OUT CMD...: refused_once without OUT, then with an OUT already there
# (owned by $OWNER when that is set).
OWNER=
refused() {
	rm -f "$3"
	refused_once "$@"
	printf '%s\n' "$PREVIOUS" >"$3" || die "cannot write $3"
	cp "$3" "$TMP/previous" || die "cannot copy $3"
	[ -z "$OWNER" ] || chown "$OWNER" "$3" || die "cannot chown $3"
	refused_once "$@"
	rm -f "$3"
}

# needs_root WHAT: fail (not skip) a case that cannot run unprivileged
needs_root() {
	[ "$is_root" = yes ] && return 0
	fail "cannot test $1: needs root (run the test suite as root)"
	return 1
}

# ---- usage errors: 16 ----

CASE="unknown short option"
refused 16 "unknown option '-Q'" "$OUT" "$MKCRAMFS" -Q "$TMP/src" "$OUT"
CASE="unknown long option"
refused 16 "unknown option '--bogus'" "$OUT" "$MKCRAMFS" --bogus "$TMP/src" "$OUT"
CASE="no arguments"
refused 16 "expected a directory and an output file, got 0 arguments" "$OUT" "$MKCRAMFS"
CASE="one argument"
refused 16 "expected a directory and an output file, got 1 argument" "$OUT" "$MKCRAMFS" "$TMP/src"
CASE="three arguments"
refused 16 "expected a directory and an output file, got 3 arguments" "$OUT" \
	"$MKCRAMFS" "$TMP/src" "$OUT" "$TMP/out/img2"
expect "no out/img2 made" [ ! -e "$TMP/out/img2" ]
CASE="option without its argument"
refused 16 "option '-b' needs an argument" "$OUT" "$MKCRAMFS" "$TMP/src" "$OUT" -b
for bs in 1000 4097; do
	CASE="block size $bs"
	refused 16 "block size must be 4096, 16384 or 65536 (the target's page size), not $bs" "$OUT" \
		"$MKCRAMFS" -b "$bs" "$TMP/src" "$OUT"
done
CASE="block size abc"
refused 16 "invalid block size: 'abc'" "$OUT" "$MKCRAMFS" -b abc "$TMP/src" "$OUT"
CASE="byte order middle"
refused 16 "byte order must be big, little or host, not 'middle'" "$OUT" \
	"$MKCRAMFS" -N middle "$TMP/src" "$OUT"
CASE="level 0"
refused 16 "compression level must be 1 to" "$OUT" "$MKCRAMFS" -l 0 "$TMP/src" "$OUT"
CASE="level too high"
max_level=$("$MKCRAMFS" --help | sed -n 's/.*compression level, 1 to \([0-9][0-9]*\).*/\1/p')
if [ -z "$max_level" ]; then
	fail "mkcramfs --help does not say 'compression level, 1 to N'"
else
	refused 16 "invalid compression level: '$((max_level + 1))'" "$OUT" \
		"$MKCRAMFS" -l $((max_level + 1)) "$TMP/src" "$OUT"
fi
CASE="--nommu without -X"
refused 16 "--nommu, --no-xip and --xip-direct-last-page need -X" "$OUT" \
	"$MKCRAMFS" --nommu "$TMP/src" "$OUT"
for opt in --exclude --xip --no-xip; do
	CASE="empty $opt pattern"
	refused 16 "empty $opt pattern" "$OUT" "$MKCRAMFS" -X "$opt=" "$TMP/src" "$OUT"
done
CASE="lone ! in a --xip-from file"
printf '# in place\n/usr/share/fonts\n  !  \n*.so*\n' >"$TMP/xip.list" || die "cannot write $TMP/xip.list"
refused 16 "$TMP/xip.list:3: '!' with no pattern after it" "$OUT" "$MKCRAMFS" --xip-from="$TMP/xip.list" "$TMP/src" "$OUT"

# ---- what cramfs cannot hold: 8 ----

CASE="file of 16 MiB"
mkdir "$TMP/huge" || die "cannot make $TMP/huge"
truncate -s 16777216 "$TMP/huge/file" || die "cannot make a sparse file"
refused 8 "/file: file is 16777216 bytes; cramfs stores at most 16777215 bytes" "$OUT" \
	"$MKCRAMFS" "$TMP/huge" "$OUT"
CASE="file of 16 MiB - 1"
truncate -s 16777215 "$TMP/huge/file" || die "cannot truncate a sparse file"
expect_exit 0 "$MKCRAMFS" "$TMP/huge" "$OUT" && expect "stderr empty" [ ! -s "$LAST_ERR" ]
expect_exit 0 "$CRAMFSCK" "$OUT"
rm -rf "$TMP/huge" "$OUT"

n252=$(printf '%0252d' 0 | tr 0 n)
CASE="name of 253 bytes"
mkdir "$TMP/names" || die "cannot make $TMP/names"
: >"$TMP/names/${n252}x" || die "cannot make a file with a 253-byte name"
refused 8 "/${n252}x: name is 253 bytes; cramfs names are at most 252 bytes" "$OUT" \
	"$MKCRAMFS" "$TMP/names" "$OUT"
CASE="name of 252 bytes"
mv "$TMP/names/${n252}x" "$TMP/names/$n252" || die "cannot rename"
expect_exit 0 "$MKCRAMFS" "$TMP/names" "$OUT" && expect "stderr empty" [ ! -s "$LAST_ERR" ]
expect_exit 0 "$CRAMFSCK" "$OUT"
rm -rf "$TMP/names" "$OUT"

# ---- data-losing conversions: warnings at the end; errors with -E ----

# every line from the first warning on is a warning
# shellcheck disable=SC2317 # called through expect
warnings_last() {
	awk '/^mkcramfs: warning: /{w=1; next} w{bad=1} END{exit !(w && !bad)}' "$LAST_ERR"
}

CASE="uid, gid and device numbers too large"
if needs_root "chown and mknod"; then
	mkdir "$TMP/owners" || die "cannot make $TMP/owners"
	{ printf 'data\n' >"$TMP/owners/f" && chown 70000:300 "$TMP/owners/f" &&
		mknod "$TMP/owners/c" c 300 1 && mknod "$TMP/owners/b" b 1 300; } ||
		die "cannot make the owners tree (chown 70000:300, mknod 300:1 and 1:300)"
	if expect_exit 0 "$MKCRAMFS" "$TMP/owners" "$OUT"; then
		expect_stderr_contains "mkcramfs: warning: /f: uid 70000 stored as 4464 (cramfs keeps 16 bits)"
		expect_stderr_contains "mkcramfs: warning: /f: gid 300 stored as 44 (cramfs keeps 8 bits)"
		expect_stderr_contains "mkcramfs: warning: /c: device 300:1 stored as 44:1"
		expect_stderr_contains "mkcramfs: warning: /b: device 1:300 stored as 1:44"
		expect "the warnings come last" warnings_last
		expect_exit 0 "$CRAMFSCK" -v "$OUT" && expect_stdout_contains " 4464:44 "
	fi
	rm -f "$OUT"
	CASE="uid, gid and device numbers too large, -E"
	refused 8 "/f: uid 70000 stored as 4464" "$OUT" "$MKCRAMFS" -E "$TMP/owners" "$OUT"
	expect_stderr_contains "/f: gid 300 stored as 44"
	expect_stderr_contains "/c: device 300:1 stored as 44:1"
	expect_stderr_contains "/b: device 1:300 stored as 1:44"
	expect_stderr_contains "4 entries would lose data and -E is set; no image written"
fi

CASE="volume name of 17 bytes"
expect_exit 0 "$MKCRAMFS" -n 12345678901234567 "$TMP/src" "$OUT" &&
	expect_stderr_contains 'warning: volume name "12345678901234567" stored as "1234567890123456"'
rm -f "$OUT"
CASE="volume name of 17 bytes, -E"
refused 8 'volume name "12345678901234567" stored as "1234567890123456"' "$OUT" \
	"$MKCRAMFS" -E -n 12345678901234567 "$TMP/src" "$OUT"

# ---- unreadable input, as an unprivileged user ----

as_nobody() {
	setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups "$@"
}

# shellcheck disable=SC2317 # called through expect
nobody_cannot_read() {
	! as_nobody cat "$1" >/dev/null 2>&1
}

if needs_root "unreadable input (setpriv to uid $NOBODY)"; then
	{ mkdir "$TMP/nout" && chown "$NOBODY:$NOBODY" "$TMP/nout"; } || die "cannot make $TMP/nout"
	if ! as_nobody "$MKCRAMFS" --version >/dev/null 2>&1; then
		CASE="unreadable input"
		fail "uid $NOBODY cannot run $MKCRAMFS (make its directories searchable by others)"
	else
		CASE="unreadable file"
		mkdir "$TMP/unr-file" || die "cannot make $TMP/unr-file"
		{ printf 'readable\n' >"$TMP/unr-file/ok" && printf 'secret\n' >"$TMP/unr-file/secret" &&
			chmod 000 "$TMP/unr-file/secret"; } || die "cannot make the unreadable file"
		expect "uid $NOBODY cannot read the unreadable file" nobody_cannot_read "$TMP/unr-file/secret"
		OWNER=$NOBODY:$NOBODY
		refused 8 "$TMP/unr-file/secret: cannot open: Permission denied" "$TMP/nout/img" \
			as_nobody "$MKCRAMFS" "$TMP/unr-file" "$TMP/nout/img"

		CASE="unreadable directory"
		mkdir "$TMP/unr-dir" "$TMP/unr-dir/sub" || die "cannot make $TMP/unr-dir"
		{ printf 'hidden\n' >"$TMP/unr-dir/sub/file" && chmod 000 "$TMP/unr-dir/sub"; } ||
			die "cannot make the unreadable directory"
		refused 8 "$TMP/unr-dir/sub: cannot open directory: Permission denied" \
			"$TMP/nout/img" as_nobody "$MKCRAMFS" "$TMP/unr-dir" "$TMP/nout/img"
		OWNER=
	fi
fi

# ---- a file that grows while being read: /proc/version has st_size 0 but reads non-empty ----

CASE="file grows while being read"
if needs_root "a file that grows (bind mount)"; then
	mkdir "$TMP/grow" || die "cannot make $TMP/grow"
	{ printf 'text\n' >"$TMP/grow/a" && : >"$TMP/grow/version"; } || die "cannot make $TMP/grow"
	add_cleanup "umount '$TMP/grow/version' 2>/dev/null"
	if ! mount --bind /proc/version "$TMP/grow/version" 2>"$TMP/mount.err"; then
		fail "cannot bind-mount /proc/version (needs CAP_SYS_ADMIN): $(cat "$TMP/mount.err")"
	else
		expect "the bind-mounted file has st_size 0" [ "$(stat -c %s "$TMP/grow/version")" -eq 0 ]
		expect "the bind-mounted file reads non-empty" [ -n "$(head -c 1 "$TMP/grow/version")" ]
		refused 8 "/version: file grew while being read" "$OUT" "$MKCRAMFS" "$TMP/grow" "$OUT"
		umount "$TMP/grow/version" || fail "cannot unmount $TMP/grow/version"
	fi
fi

# ---- bad paths ----

CASE="output inside the source tree"
refused 8 "$TMP/src/img: the output file would be inside the source tree" "$TMP/src/img" \
	"$MKCRAMFS" "$TMP/src" "$TMP/src/img"
CASE="output inside the source tree, in a subdirectory"
refused 8 "the output file would be inside the source tree" "$TMP/src/d/img" \
	"$MKCRAMFS" "$TMP/src" "$TMP/src/d/img"

CASE="output is a directory"
{ mkdir "$TMP/out/adir" && printf 'x\n' >"$TMP/out/adir/inside"; } || die "cannot make $TMP/out/adir"
expect_exit 8 "$MKCRAMFS" "$TMP/src" "$TMP/out/adir" && expect_stderr_contains "$TMP/out/adir: is a directory"
expect "out/adir is still a directory" [ -d "$TMP/out/adir" ]
expect "out/adir holds its one file, unchanged" [ "$(ls -A "$TMP/out/adir")" = inside ]
expect "out/adir/inside unchanged" [ "$(cat "$TMP/out/adir/inside")" = x ]
no_temp "$TMP/out" adir
rm -rf "$TMP/out/adir"

CASE="output in a nonexistent directory"
refused_once 8 "$TMP/out/no-such-dir/img: No such file or directory" "$TMP/out/no-such-dir/img" \
	"$MKCRAMFS" "$TMP/src" "$TMP/out/no-such-dir/img"
expect "no out/no-such-dir made" [ ! -e "$TMP/out/no-such-dir" ]

CASE="source is a file"
refused 8 "$TMP/src/a: not a directory" "$OUT" "$MKCRAMFS" "$TMP/src/a" "$OUT"
CASE="source does not exist"
refused 8 "$TMP/no-such-src: No such file or directory" "$OUT" "$MKCRAMFS" "$TMP/no-such-src" "$OUT"

CASE="-i file does not exist"
refused 8 "$TMP/no-such-insert: cannot stat: No such file or directory" "$OUT" \
	"$MKCRAMFS" -i "$TMP/no-such-insert" "$TMP/src" "$OUT"

CASE="output directory left clean"
expect "out/ is empty after all refused runs" [ -z "$(ls -A "$TMP/out")" ]

# ---- an image past the offset limit: pointer tables must start below 256 MiB ----

CASE="image too big"
mkdir "$TMP/huge" || die "cannot make $TMP/huge"
# 17 different files of 16 MiB - 1: mostly holes, so cheap to make, but each stored whole
i=10
while [ $i -lt 27 ]; do
	truncate -s 16777215 "$TMP/huge/f$i" && printf '%s' "$i" | dd of="$TMP/huge/f$i" conv=notrunc status=none ||
		die "cannot make $TMP/huge/f$i"
	i=$((i + 1))
done
# in place, the XIP region alone passes the limit
refused 8 "image too big: the XIP region (285212672 bytes) ends at byte" "$OUT" \
	"$MKCRAMFS" -X --xip='/**' "$TMP/huge" "$OUT"
# 15 files in place (240 MiB), then two of random bytes: the second's table would start past it
head -c 16777215 /dev/urandom >"$TMP/huge/f25" && head -c 16777215 /dev/urandom >"$TMP/huge/f26" ||
	die "cannot make random files"
refused 8 "/f26: data would start at byte 2" "$OUT" \
	"$MKCRAMFS" -l 1 --xip='/f1?' --xip='/f2[0-4]' "$TMP/huge" "$OUT"
rm -rf "$TMP/huge"

# ---- disk full: a 1 MiB tmpfs and 3 MiB of incompressible data ----

CASE="disk full"
if needs_root "a full disk (tmpfs mount)"; then
	mkdir "$TMP/full" "$TMP/fullsrc" || die "cannot make $TMP/full"
	head -c 3145728 /dev/urandom >"$TMP/fullsrc/random" || die "cannot make $TMP/fullsrc/random"
	add_cleanup "umount '$TMP/full' 2>/dev/null"
	if ! mount -t tmpfs -o size=1m,mode=755 tmpfs "$TMP/full" 2>"$TMP/mount.err"; then
		fail "cannot mount a tmpfs (needs CAP_SYS_ADMIN): $(cat "$TMP/mount.err")"
	else
		refused 8 "$TMP/full/img: cannot write: No space left on device" "$TMP/full/img" \
			"$MKCRAMFS" "$TMP/fullsrc" "$TMP/full/img"
		expect "the tmpfs is empty afterwards" [ -z "$(ls -A "$TMP/full")" ]
		umount "$TMP/full" || fail "cannot unmount $TMP/full"
	fi
fi

# ---- interrupted: SIGINT and SIGTERM while the image is being written ----

# a mkcramfs left running when the test ends is stopped
BGPID=
# shellcheck disable=SC2317 # called on exit
stop_background() {
	[ -z "$BGPID" ] || { kill -s KILL "$BGPID" && wait "$BGPID"; } 2>/dev/null
}
add_cleanup stop_background

# interrupt SIGNAL: start mkcramfs on the big tree, signal it once its temporary file is
# there, and check that it died of the signal and left no trace
interrupt() {
	_sig=$1
	case $_sig in INT) _want=130 ;; TERM) _want=143 ;; esac
	_before=
	[ ! -e "$OUT" ] || _before=$(stat -c '%i %s' "$OUT")
	# as from a terminal: the signal's default action, even in a background job; the
	# signal must reach mkcramfs itself, not the suite's checking wrapper (MKCRAMFS_REAL)
	env --default-signal=INT,TERM "${MKCRAMFS_REAL:-$MKCRAMFS}" -l "${max_level:-9}" "$TMP/big" "$OUT" \
		</dev/null >/dev/null 2>"$TMP/interrupt.err" &
	_pid=$!
	BGPID=$_pid
	_seen=no
	_i=0
	while [ $_i -lt 1000 ]; do
		for _f in "$TMP/out"/.img.*; do
			[ -e "$_f" ] && _seen=yes
		done
		[ $_seen = yes ] && break
		kill -0 "$_pid" 2>/dev/null || break
		sleep 0.01
		_i=$((_i + 1))
	done
	if [ $_seen = yes ] && kill -0 "$_pid" 2>/dev/null; then
		kill -s "$_sig" "$_pid"
		wait "$_pid" 2>/dev/null
		_rc=$?
		if [ "$_rc" -eq "$_want" ]; then
			pass "mkcramfs died of SIG$_sig (status $_rc)"
		else
			fail "after SIG$_sig mkcramfs exited with status $_rc, expected $_want"
			sed 's/^/    | /' "$TMP/interrupt.err" >&2
		fi
	else
		kill -s KILL "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		fail "mkcramfs ended or made no temporary file in 10 s (temporary file seen: $_seen); not interrupted"
		sed 's/^/    | /' "$TMP/interrupt.err" >&2
	fi
	BGPID=
	if [ -z "$_before" ]; then
		expect "no out/img made" [ ! -e "$OUT" ]
	else
		expect "out/img kept its inode" [ "$(stat -c '%i %s' "$OUT")" = "$_before" ]
		expect "out/img kept its bytes" cmp -s "$OUT" "$TMP/previous"
	fi
	no_temp "$TMP/out" img
}

if ! env --default-signal=INT true 2>/dev/null; then
	CASE="interrupted"
	fail "env --default-signal (coreutils 8.31 or later) is needed to interrupt mkcramfs"
else
	mkdir "$TMP/big" || die "cannot make $TMP/big"
	_i=1
	while [ $_i -le 16 ]; do
		head -c 8388608 /dev/urandom >"$TMP/big/random-$_i" || die "cannot make $TMP/big/random-$_i"
		_i=$((_i + 1))
	done
	for sig in INT TERM; do
		CASE="SIG$sig"
		rm -f "$OUT"
		interrupt "$sig"
		CASE="SIG$sig, with a previous image"
		{ printf '%s\n' "$PREVIOUS" >"$OUT" && cp "$OUT" "$TMP/previous"; } || die "cannot write $OUT"
		interrupt "$sig"
		rm -f "$OUT"
	done
	rm -rf "$TMP/big"
fi

finish
