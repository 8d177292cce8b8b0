#!/bin/sh
# output.sh: where mkcramfs puts the image.
#
# A FIFO, /dev/stdout (redirected to a file, or a pipe), a character device
# and a block device (a loop device, as root with losetup) are written
# through and stay what they are; a symbolic link is followed, and the file
# it ends at is replaced (the link stays); a dangling link creates its
# target.  Every image is compared byte for byte with a normal build of the
# same tree.  A failed run writes nothing to a FIFO or device, and a block
# device too small for the image gets nothing.
#
# As root, the devices and /dev/stdout are reached through nodes and a link
# made in the test's own directory (same major and minor, same link to
# /proc/self/fd/1): a mkcramfs that wrongly replaces its output then
# replaces those, never the system's /dev/full, /dev/loopN or /dev/stdout.
# Unprivileged, /dev is used as it is (it is not writable then).
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd mkfifo cmp cat head stat timeout readlink dd
setup_tmp

mkdir "$TMP/t" "$TMP/o" || die "cannot make the test tree"
printf 'some text\n' >"$TMP/t/a" && seq 1 30000 >"$TMP/t/b" && ln -s a "$TMP/t/l" ||
	die "cannot make the test tree"
"$MKCRAMFS" "$TMP/t" "$TMP/ref.img" || die "cannot build the reference image"
REF_SIZE=$(stat -c %s "$TMP/ref.img")

# shellcheck disable=SC2317 # called through expect
same_image() { cmp "$TMP/ref.img" "$1"; }
# shellcheck disable=SC2317 # called through expect
is_fifo() { [ -p "$1" ] && [ ! -L "$1" ]; }
# shellcheck disable=SC2317 # called through expect
no_temp() { [ -z "$(find "$1" -name '.*.??????' -o -name 'mkcramfs.??????')" ]; }

# reader FIFO FILE: copy what is written to FIFO into FILE, in the background
if [ "$(id -u)" -eq 0 ]; then is_root=yes; else is_root=no; fi
if [ $is_root = yes ]; then
	mknod "$TMP/o/full" c 1 7 && mknod "$TMP/o/null" c 1 3 && ln -s /proc/self/fd/1 "$TMP/o/stdout" ||
		die "cannot make the test's own device nodes"
	FULL=$TMP/o/full NULLDEV=$TMP/o/null STDOUT=$TMP/o/stdout
else
	FULL=/dev/full NULLDEV=/dev/null STDOUT=/dev/stdout
fi

READER=
reader() {
	timeout 60 cat "$1" >"$2" &
	READER=$!
}
# the reader has seen the end of the image (or is stopped: a FIFO replaced by a file never ends)
reader_done() {
	_i=0
	while kill -0 "$READER" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$READER" 2>/dev/null; then
		kill "$READER" 2>/dev/null
		fail "the reader of the FIFO saw no end of the image within 10 s"
	fi
	wait "$READER" 2>/dev/null
	READER=
}
# shellcheck disable=SC2317 # called on exit
stop_reader() { [ -z "$READER" ] || kill "$READER" 2>/dev/null; }
add_cleanup stop_reader

CASE="FIFO"
mkfifo "$TMP/o/fifo" || die "cannot make a FIFO"
reader "$TMP/o/fifo" "$TMP/fifo.img"
expect_exit 0 timeout 60 "$MKCRAMFS" "$TMP/t" "$TMP/o/fifo"
reader_done
expect "the reader got the image" same_image "$TMP/fifo.img"
expect "the FIFO is still a FIFO" is_fifo "$TMP/o/fifo"
expect "no temporary file left" no_temp "$TMP/o"

CASE="FIFO, failed run"
mkdir "$TMP/bad" || die "cannot make $TMP/bad"
: >"$TMP/bad/$(printf '%0253d' 0 | tr 0 n)" || die "cannot make a 253-byte name"
reader "$TMP/o/fifo" "$TMP/fifo-bad.img"
expect_exit 8 timeout 60 "$MKCRAMFS" "$TMP/bad" "$TMP/o/fifo"
expect_stderr_contains "name is 253 bytes"
reader_done
expect "the reader got nothing" [ ! -s "$TMP/fifo-bad.img" ]
expect "the FIFO is still a FIFO" is_fifo "$TMP/o/fifo"

CASE="symbolic link to a FIFO"
ln -s fifo "$TMP/o/to-fifo" || die "cannot make a symlink"
reader "$TMP/o/fifo" "$TMP/to-fifo.img"
expect_exit 0 timeout 60 "$MKCRAMFS" "$TMP/t" "$TMP/o/to-fifo"
reader_done
expect "the reader got the image" same_image "$TMP/to-fifo.img"
expect "the link is still a link to the FIFO" [ "$(readlink "$TMP/o/to-fifo")" = fifo ]
expect "the FIFO is still a FIFO" is_fifo "$TMP/o/fifo"

CASE="/dev/stdout redirected to a file"
# run sends standard output to a file
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$STDOUT"
expect "standard output got the image" same_image "$LAST_OUT"
expect "$STDOUT is still a link to /proc/self/fd/1" [ "$(readlink "$STDOUT")" = /proc/self/fd/1 ]
# /proc/self/fd/1 the same way (a path in /proc: nothing can be renamed over it)
expect_exit 0 "$MKCRAMFS" "$TMP/t" /proc/self/fd/1
expect "standard output got the image" same_image "$LAST_OUT"

CASE="/dev/stdout redirected to a file opened for appending"
printf 'a previous line\n' >"$TMP/append.img"
{ "$MKCRAMFS" "$TMP/t" "$STDOUT" 2>"$TMP/append.err"; echo $? >"$TMP/append.rc"; } >>"$TMP/append.img"
expect "exit 0" [ "$(cat "$TMP/append.rc")" = 0 ]
expect "the file holds the image alone" same_image "$TMP/append.img"

CASE="/dev/stdout to a pipe"
{ "$MKCRAMFS" "$TMP/t" "$STDOUT" 2>"$TMP/pipe.err"; echo $? >"$TMP/pipe.rc"; } | cat >"$TMP/pipe.img"
expect "exit 0" [ "$(cat "$TMP/pipe.rc")" = 0 ]
expect "the pipe carried the image" same_image "$TMP/pipe.img"
expect "nothing on stderr" [ ! -s "$TMP/pipe.err" ]

CASE="/dev/stdout to a pipe whose reader goes away"
head -c 4000000 /dev/urandom >"$TMP/t/random" || die "cannot make $TMP/t/random"
{ "$MKCRAMFS" "$TMP/t" "$STDOUT" 2>"$TMP/epipe.err"; echo $? >"$TMP/epipe.rc"; } | head -c 1000 >/dev/null
expect "exit 8" [ "$(cat "$TMP/epipe.rc")" = 8 ]
expect "the error names the output" grep -q "$STDOUT: cannot write: Broken pipe" "$TMP/epipe.err"
rm "$TMP/t/random"

CASE="written through, \$TMPDIR full"
if [ $is_root != yes ]; then
	printf 'SKIP: %s\n' "a full \$TMPDIR: needs root (tmpfs mount)"
else
	mkdir "$TMP/tiny" || die "cannot make $TMP/tiny"
	add_cleanup "umount '$TMP/tiny' 2>/dev/null"
	if ! mount -t tmpfs -o size=16k tmpfs "$TMP/tiny" 2>"$TMP/mount.err"; then
		fail "cannot mount a tmpfs (needs CAP_SYS_ADMIN): $(cat "$TMP/mount.err")"
	else
		{ TMPDIR=$TMP/tiny "$MKCRAMFS" "$TMP/t" "$STDOUT" 2>"$TMP/tiny.err"; echo $? >"$TMP/tiny.rc"; } |
			cat >"$TMP/tiny.img"
		expect "exit 8" [ "$(cat "$TMP/tiny.rc")" = 8 ]
		expect "the error names the temporary file" grep -q \
			"$STDOUT: cannot write the image's temporary file (in \$TMPDIR, or /tmp): No space left on device" \
			"$TMP/tiny.err"
		expect "nothing went down the pipe" [ ! -s "$TMP/tiny.img" ]
		expect "no temporary file left" [ -z "$(ls -A "$TMP/tiny")" ]
		umount "$TMP/tiny" || fail "cannot unmount $TMP/tiny"
	fi
fi

CASE="character device"
expect_exit 8 "$MKCRAMFS" "$TMP/t" "$FULL"
expect_stderr_contains "$FULL: cannot write: No space left on device"
expect "$FULL is still a character device" [ -c "$FULL" ]
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$NULLDEV"
expect "$NULLDEV is still a character device" [ -c "$NULLDEV" ]

CASE="symbolic link to a regular file"
printf 'a previous image\n' >"$TMP/o/target" && ln -s target "$TMP/o/link" || die "cannot make a symlink"
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/o/link"
expect "the link is still a link to the target" [ "$(readlink "$TMP/o/link")" = target ]
expect "the target got the image" same_image "$TMP/o/target"
expect "no temporary file left" no_temp "$TMP/o"

CASE="chain of links into another directory"
mkdir "$TMP/o/sub" || die "cannot make $TMP/o/sub"
printf 'a previous image\n' >"$TMP/o/sub/deep" && ln -s sub/deep "$TMP/o/hop2" && ln -s hop2 "$TMP/o/hop1" ||
	die "cannot make the links"
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/o/hop1"
expect "both links stay" [ "$(readlink "$TMP/o/hop1") $(readlink "$TMP/o/hop2")" = "hop2 sub/deep" ]
expect "the file at the end got the image" same_image "$TMP/o/sub/deep"
expect "no temporary file left" no_temp "$TMP/o"

CASE="dangling symbolic link"
ln -s new-image "$TMP/o/dangling" || die "cannot make a symlink"
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/o/dangling"
expect "the link stays" [ "$(readlink "$TMP/o/dangling")" = new-image ]
expect "the file it names was made, with the image" same_image "$TMP/o/new-image"

CASE="symbolic link to a file inside the source tree"
printf 'keep\n' >"$TMP/t/inside" && ln -s "$TMP/t/inside" "$TMP/o/to-inside" || die "cannot make a symlink"
expect_exit 8 "$MKCRAMFS" "$TMP/t" "$TMP/o/to-inside"
expect_stderr_contains "$TMP/o/to-inside: the output file would be inside the source tree"
expect "the file inside is untouched" [ "$(cat "$TMP/t/inside")" = keep ]
expect "no temporary file left in the tree" no_temp "$TMP/t"
rm "$TMP/t/inside"

# as root: a node in $TMP for the loop device (see the top)
loop_node() {
	_mm=$(stat -c '%t %T' "$1") || return 1
	# shellcheck disable=SC2086 # major and minor, in hexadecimal
	set -- "$2" $_mm
	mknod "$1" b "$((0x$2))" "$((0x$3))"
}

CASE="block device"
if [ $is_root != yes ]; then
	printf 'SKIP: %s\n' "block device: needs root (losetup)"
elif ! command -v losetup >/dev/null 2>&1; then
	printf 'SKIP: %s\n' "block device: no losetup"
else
	head -c 1048576 /dev/urandom >"$TMP/disk" || die "cannot make $TMP/disk"
	cp "$TMP/disk" "$TMP/disk.before" || die "cannot copy $TMP/disk"
	if ! LOOP=$(losetup -f --show "$TMP/disk" 2>"$TMP/losetup.err"); then
		printf 'SKIP: %s\n' "block device: losetup cannot make a loop device: $(cat "$TMP/losetup.err")"
	else
		add_cleanup "losetup -d '$LOOP' 2>/dev/null"
		loop_node "$LOOP" "$TMP/o/disk" || die "cannot make a node for $LOOP"
		expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/o/disk"
		expect "the node is still a block device" [ -b "$TMP/o/disk" ]
		dd if="$LOOP" of="$TMP/loop.img" bs="$REF_SIZE" count=1 status=none || fail "cannot read $LOOP back"
		expect "the device starts with the image" same_image "$TMP/loop.img"
		expect "the rest of the device is untouched" cmp -s -i "$REF_SIZE" "$TMP/disk" "$TMP/disk.before"
		expect_exit 0 "$CRAMFSCK" "$LOOP"

		CASE="symbolic link to a block device"
		ln -s disk "$TMP/o/to-disk" || die "cannot make a symlink"
		dd if=/dev/zero of="$LOOP" bs="$REF_SIZE" count=1 conv=fsync status=none || die "cannot clear $LOOP"
		expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/o/to-disk"
		expect "the link is still a link to the node" [ "$(readlink "$TMP/o/to-disk")" = disk ]
		expect "the node is still a block device" [ -b "$TMP/o/disk" ]
		dd if="$LOOP" of="$TMP/loop.img" bs="$REF_SIZE" count=1 status=none || fail "cannot read $LOOP back"
		expect "the device starts with the image" same_image "$TMP/loop.img"
		losetup -d "$LOOP" || fail "cannot detach $LOOP"

		CASE="block device smaller than the image"
		head -c 8192 /dev/urandom >"$TMP/small" || die "cannot make $TMP/small"
		cp "$TMP/small" "$TMP/small.before" || die "cannot copy $TMP/small"
		if ! LOOP=$(losetup -f --show "$TMP/small" 2>"$TMP/losetup.err"); then
			fail "losetup cannot make a second loop device: $(cat "$TMP/losetup.err")"
		else
			add_cleanup "losetup -d '$LOOP' 2>/dev/null"
			loop_node "$LOOP" "$TMP/o/small" || die "cannot make a node for $LOOP"
			expect_exit 8 "$MKCRAMFS" "$TMP/t" "$TMP/o/small"
			expect_stderr_contains "$TMP/o/small: cannot write: No space left on device"
			expect "nothing was written to the device" cmp -s "$TMP/small" "$TMP/small.before"
			losetup -d "$LOOP" || fail "cannot detach $LOOP"
		fi
	fi
fi

finish
