#!/bin/sh
# Odd source trees: symlinks are stored, never followed; hard links, sparse files, names with
# newlines or invalid UTF-8, a directory of 100,000 files and a tree 1024 levels deep (under a
# low open-file limit) all round-trip; a deeper tree, a symlink loop in the source path and an
# unwritable output directory are clean errors.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd python3
setup_tmp

same_tree() { python3 "$SRCDIR/tests/lib/treecmp.py" "$@"; }

CASE="symlinks"
mkdir -p "$TMP/t/d" "$TMP/outside"
echo secret >"$TMP/outside/secret"
ln -s "$TMP/outside" "$TMP/t/d/out"            # to a directory outside the tree
ln -s ../../outside/secret "$TMP/t/rel"        # relative, also outside
ln -s loop2 "$TMP/t/loop1" && ln -s loop1 "$TMP/t/loop2"
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/s.img"
expect_exit 0 "$CRAMFSCK" -v "$TMP/s.img"
expect_stdout_contains "symlink"
expect "nothing below the symlinked directory was stored" sh -c "! grep -q 'secret' '$LAST_OUT'"
expect_exit 0 "$CRAMFSCK" -x "$TMP/s.x" "$TMP/s.img"
expect "symlinks come back as symlinks" same_tree --no-owner "$TMP/t" "$TMP/s.x"

CASE="hard links and sparse files"
mkdir "$TMP/h"
head -c 20000 /dev/urandom >"$TMP/h/a" && ln "$TMP/h/a" "$TMP/h/b"
truncate -s 1000000 "$TMP/h/sparse" && printf 'x' | dd of="$TMP/h/sparse" bs=1 seek=500000 conv=notrunc status=none
expect_exit 0 "$MKCRAMFS" -v "$TMP/h" "$TMP/h.img"
expect_stderr_contains "1 files share data with another (20000 bytes)"
expect_exit 0 "$CRAMFSCK" -x "$TMP/h.x" "$TMP/h.img"
expect "hard links and the sparse file extract exactly" same_tree --no-owner "$TMP/h" "$TMP/h.x"
expect_exit 0 "$MKCRAMFS" -z "$TMP/h" "$TMP/hz.img"
expect "with -z the sparse file's zero blocks are holes" sh -c \
	"'$CRAMFSCK' -v '$TMP/hz.img' | grep -q ' (24[0-9] holes'"

CASE="odd names"
mkdir "$TMP/n"
python3 - "$TMP/n" <<'PY' || fail "cannot create the odd names"
import os, sys
d = sys.argv[1].encode()
for name in [b'new\nline', b'caf\xe9', b'\xff\xfe', b' leading space', b'-dash', b'tab\there', b'\x01ctrl']:
    with open(os.path.join(d, name), 'wb') as f:
        f.write(name)
PY
expect_exit 0 "$MKCRAMFS" "$TMP/n" "$TMP/n.img"
expect_exit 0 "$CRAMFSCK" -x "$TMP/n.x" "$TMP/n.img"
expect "odd names extract exactly" same_tree --no-owner "$TMP/n" "$TMP/n.x"
expect_exit 0 "$CRAMFSCK" --xip --json "$TMP/n.img"
expect "the JSON report of odd names is valid JSON and names every file" python3 -c '
import json, os, sys
files = {os.fsencode(f["path"]) for f in json.load(open(sys.argv[1]))["files"]}
want = {b"/" + n for n in os.listdir(os.fsencode(sys.argv[2]))}
sys.exit(0 if files == want else "report: %r\ntree: %r" % (sorted(files), sorted(want)))' "$LAST_OUT" "$TMP/n"

CASE="100,000 files in one directory"
mkdir "$TMP/many"
python3 -c '
import os, sys
d = sys.argv[1]
for i in range(100000):
    open(os.path.join(d, "f%06d" % i), "w").close()
open(os.path.join(d, "f050000"), "w").write("middle\n")' "$TMP/many" || fail "cannot create 100,000 files"
expect_exit 0 "$MKCRAMFS" "$TMP/many" "$TMP/many.img"
expect_exit 0 "$CRAMFSCK" -v "$TMP/many.img"
expect "all 100,000 entries listed" [ "$(grep -c ' /f[0-9]*$' "$LAST_OUT")" -eq 100000 ]
expect_exit 0 "$CRAMFSCK" -x "$TMP/many.x" "$TMP/many.img"
expect "the big directory extracts exactly" same_tree --no-owner "$TMP/many" "$TMP/many.x"
rm -rf "$TMP/many" "$TMP/many.x" "$TMP/many.img"

CASE="a tree at the depth limit (1024 levels)"
# made level by level with relative paths (a shell loop of mkdir and cd takes half a minute);
# a few read-only directories on the way
python3 -c '
import os, sys
os.mkdir(sys.argv[1])
os.chdir(sys.argv[1])
for i in range(1, 1024):
    os.mkdir("d")
    os.chdir("d")
    if i % 300 == 0:
        open("file", "w").write("level %d\n" % i)
open("f", "w").write("bottom\n")' "$TMP/deep" || fail "cannot make a tree 1024 levels deep"
bottom=$TMP/deep$(printf '/d%.0s' $(seq 1023))
for lvl in 17 600 1023; do chmod 555 "$TMP/deep$(printf '/d%.0s' $(seq $lvl))"; done
low_fds() { sh -c 'ulimit -n 64 && exec "$@"' low_fds "$@"; }
expect_exit 0 low_fds "$MKCRAMFS" "$TMP/deep" "$TMP/deep.img"
expect_exit 0 low_fds "$CRAMFSCK" "$TMP/deep.img"
expect_exit 0 low_fds "$CRAMFSCK" -x "$TMP/deep.x" "$TMP/deep.img"
expect "the deep tree extracts exactly" same_tree --no-owner "$TMP/deep" "$TMP/deep.x"
chmod -R u+w "$TMP/deep.x" && rm -rf "$TMP/deep.x"
# with 8 descriptors (none inherited) a few levels are made, then one fails: the rest is counted
expect_exit 4 sh -c 'exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- && ulimit -n 8 && exec "$@"' low "$CRAMFSCK" -x "$TMP/deep.x" "$TMP/deep.img"
expect_stderr_contains "entries not extracted: a directory above them could not be made"
chmod -R u+w "$TMP/deep.x" && rm -rf "$TMP/deep.x"

CASE="a tree one level past the depth limit"
chmod u+w "$bottom" && mkdir "$bottom/e" && echo past >"$bottom/e/past" || fail "cannot make a tree 1025 levels deep"
expect_exit 8 "$MKCRAMFS" "$TMP/deep" "$TMP/past.img"
expect_stderr_contains "deeper than 1024 levels, the limit for a cramfs tree (see LIMITS in mkcramfs(8)): $TMP/deep/d/d/d"
expect "no image" test ! -e "$TMP/past.img"
if command -v mkfs.cramfs >/dev/null 2>&1; then
	# util-linux builds it: cramfsck reports what it cannot walk, also when extracting
	expect "mkfs.cramfs builds the deeper tree" mkfs.cramfs "$TMP/deep" "$TMP/past.img"
	expect_exit 4 "$CRAMFSCK" "$TMP/past.img"
	expect_stderr_contains "/d/d/e: holds 1 entry deeper than 1024 levels, the limit for a cramfs tree: it is neither checked nor extracted"
	expect_exit 4 "$CRAMFSCK" -x "$TMP/past.x" "$TMP/past.img"
	expect_stderr_contains "/d/d/e: holds 1 entry deeper than 1024 levels, the limit for a cramfs tree: it is neither checked nor extracted"
	expect "everything down to the limit extracted" same_tree --no-owner --ignore "${bottom#"$TMP/deep/"}/e" "$TMP/deep" "$TMP/past.x"
else
	fail "mkfs.cramfs (util-linux) not found: cannot make an image deeper than the limit"
fi
chmod -R u+w "$TMP/deep" "$TMP/past.x" 2>/dev/null

CASE="symlink loop in the source path"
ln -s la "$TMP/lb" && ln -s lb "$TMP/la"
expect_exit 8 "$MKCRAMFS" "$TMP/la/x" "$TMP/loop.img"
expect_stderr_contains "Too many levels of symbolic links"
expect "no image" test ! -e "$TMP/loop.img"

CASE="unwritable output directory"
if [ "$(id -u)" -eq 0 ]; then
	need_cmd setpriv
	chmod 755 "$TMP" && chmod -R a+rX "$TMP/h"
	mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
	expect_exit 8 setpriv --reuid=65534 --regid=65534 --clear-groups "$MKCRAMFS" "$TMP/h" "$TMP/ro/img"
else
	mkdir "$TMP/ro" && chmod 555 "$TMP/ro"
	expect_exit 8 "$MKCRAMFS" "$TMP/h" "$TMP/ro/img"
fi
expect_stderr_contains "ro/img: cannot create: Permission denied"
expect "nothing written there" [ -z "$(ls -A "$TMP/ro")" ]
finish
