#!/bin/sh
# Building a root filesystem as the embedded build systems do: device tables, ownership
# options, excludes, metadata cramfs cannot store, and an unprivileged build under fakeroot.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR
need_cmd python3 fakeroot
setup_tmp

# a listing of an image: "type mode uid:gid size path", from cramfsck -v
listing() { "$CRAMFSCK" -v "$1" | awk 'NF == 5 && $1 ~ /^(dir|file|symlink|char|block|fifo|socket)$/'; }
has_line() { grep -qx "$2" "$1"; }

mkdir -p "$TMP/t/bin" "$TMP/t/etc" "$TMP/t/skip/deep" "$TMP/t/logs"
echo data >"$TMP/t/bin/tool"
echo conf >"$TMP/t/etc/conf"
echo x >"$TMP/t/skip/deep/x"
echo log >"$TMP/t/logs/a.log"
echo keep >"$TMP/t/logs/keep.txt"
chmod -R u=rwX,go=rX "$TMP/t"

# ---- device table: good lines ----
cat >"$TMP/good.tab" <<'TAB'
# name          type mode uid gid major minor start inc count
/dev             d   755  0   0   -     -     -     -   -
/dev/console     c   600  0   0   5     1     -     -   -
/dev/null        c   666  0   0   1     3     -     -   -
/dev/ttyS        c   660  0   5   4     64    0     1   4
/dev/mtdblock    b   640  0   6   31    0     0     1   2
/dev/initctl     p   600  0   0   -     -     -     -   -

/var/lib/a/b/c   d   700  1000 100 -    -     -     -   -
/bin/tool        f   4755 0   0   -     -     -     -   -
TAB
CASE="device table"
expect_exit 0 "$MKCRAMFS" -D "$TMP/good.tab" "$TMP/t" "$TMP/dt.img"
listing "$TMP/dt.img" >"$TMP/dt.list"
for want in "char 0600 0:0 1281 /dev/console" "char 0666 0:0 259 /dev/null" \
	"char 0660 0:5 1088 /dev/ttyS0" "char 0660 0:5 1091 /dev/ttyS3" \
	"block 0640 0:6 7936 /dev/mtdblock0" "block 0640 0:6 7937 /dev/mtdblock1" \
	"fifo 0600 0:0 0 /dev/initctl" "dir 0700 1000:100 0 /var/lib/a/b/c" "dir 0755 0:0 16 /var/lib/a" \
	"file 4755 0:0 5 /bin/tool"; do
	expect "image has: $want" has_line "$TMP/dt.list" "$(echo "$want" | awk '{printf "%-7s %s %5s:%-3s %9s  %s", $1, $2, substr($3, 1, index($3, ":") - 1), substr($3, index($3, ":") + 1), $4, $5}')"
done
expect "no /dev/ttyS4 (count 4 from 0)" sh -c "! grep -q ' /dev/ttyS4$' '$TMP/dt.list'"
expect "the image checks clean" "$CRAMFSCK" "$TMP/dt.img"

# ---- device table: bad lines name the file and line ----
bad() {
	printf '# a comment\n/dev d 755 0 0 - - - - -\n%s\n' "$1" >"$TMP/bad.tab"
	expect_exit 8 "$MKCRAMFS" -D "$TMP/bad.tab" "$TMP/t" "$TMP/bad.img"
	expect_stderr_contains "$TMP/bad.tab:3: $2"
	expect "no image for: $1" test ! -e "$TMP/bad.img"
}
CASE="device table errors"
bad "/dev/x c 600 0 0 1" "6 fields"
bad "/dev/x q 600 0 0 1 1 - - -" "type 'q' is not one of d f p c b"
bad "/dev/x c 6x0 0 0 1 1 - - -" "mode '6x0' is not a octal number"
bad "/dev/x c 600 root 0 1 1 - - -" "uid 'root' is not a decimal number"
bad "/dev/x c 600 0 0 - 1 - - -" "a device needs its major number"
bad "/dev/x c 600 0 0 1 1 0 1 0" "count 0 makes nothing"
bad "/nothing/here f 644 0 0 - - - - -" "/nothing/here: no such file in the tree"
bad "/bin/tool d 755 0 0 - - - - -" "/bin/tool exists and is not of type d"
bad "/bin/tool/x c 600 0 0 1 1 - - -" "/bin/tool is not a directory"
bad "/dev/x c 17777 0 0 1 1 - - -" "mode 17777 has bits beyond 07777"
# paths: no '.' or '..', names of at most 252 bytes, at most 4095 bytes in all, a trailing '/' for directories only
bad "/../../x c 755 0 0 1 2 - - -" "'/../../x' has a '..' component"
bad "/dev/./null c 666 0 0 1 3 - - -" "'/dev/./null' has a '.' component"
bad "/dev/.. d 755 0 0 - - - - -" "'/dev/..' has a '..' component"
bad "/dev/null/ c 666 0 0 1 3 - - -" "'/dev/null/' ends in '/', which only a directory (type d) may"
bad "// d 755 0 0 - - - - -" "'//' names the root directory"
n252=$(printf '%0252d' 0 | tr 0 n)
bad "/dev/${n252}x c 600 0 0 1 1 - - -" "'/dev/${n252}x' has a component of 253 bytes; cramfs names are at most 252 bytes"
bad "/${n252}x/null c 600 0 0 1 1 - - -" "'/${n252}x/null' has a component of 253 bytes"
bad "/dev/$n252 c 600 0 0 1 1 0 1 2" "'/dev/${n252}0' has a component of 253 bytes"
bad "/dev/$(printf '%05000d' 0) c 600 0 0 1 1 - - -" "the path is 5005 bytes; paths are at most 4095 bytes"
bad "$(printf '/a%.0s' $(seq 1025)) d 755 0 0 - - - - -" "the path is 1025 levels deep; a cramfs tree is at most 1024 levels deep"
expect_exit 8 "$MKCRAMFS" -D "$TMP/missing.tab" "$TMP/t" "$TMP/bad.img"
expect_stderr_contains "missing.tab: cannot open device table"
CASE="device table paths"
printf '//dev//tty/ c 600 0 5 4 0 0 1 2\n/dev//sub/ d 700 0 0 - - - - -\ndev/%s c 600 0 0 1 1 - - -\n' "$n252" >"$TMP/slash.tab"
expect_exit 0 "$MKCRAMFS" -D "$TMP/slash.tab" "$TMP/t" "$TMP/slash.img"
listing "$TMP/slash.img" >"$TMP/slash.list"
for want in "char 0600 0:5 1024 /dev/tty/0" "char 0600 0:5 1025 /dev/tty/1" "dir 0755 0:0 32 /dev/tty" \
	"dir 0700 0:0 0 /dev/sub" "char 0600 0:0 257 /dev/$n252"; do
	expect "repeated and trailing slashes: image has $(echo "$want" | cut -c1-60)" has_line "$TMP/slash.list" "$(echo "$want" | awk '{printf "%-7s %s %5s:%-3s %9s  %s", $1, $2, substr($3, 1, index($3, ":") - 1), substr($3, index($3, ":") + 1), $4, $5}')"
done
expect "the image checks clean" "$CRAMFSCK" "$TMP/slash.img"
printf '%s p 600 0 0 - - - - -\n' "$(printf '/a%.0s' $(seq 1024))" >"$TMP/deep.tab"
expect_exit 0 "$MKCRAMFS" -D "$TMP/deep.tab" "$TMP/t" "$TMP/deep.img"
expect_exit 0 "$CRAMFSCK" "$TMP/deep.img"

# ---- ownership ----
CASE="ownership"
expect_exit 0 "$MKCRAMFS" --force-uid=1234 --force-gid=56 "$TMP/t" "$TMP/own.img"
expect "every entry 1234:56" sh -c "! '$CRAMFSCK' -v '$TMP/own.img' | awk 'NF == 5 && \$1 ~ /^(dir|file)\$/ {print \$3}' | grep -vx '1234:56'"
expect_exit 0 "$MKCRAMFS" -D "$TMP/good.tab" -q "$TMP/t" "$TMP/root.img"
expect "-q: every entry 0:0, device table owners too" sh -c "! '$CRAMFSCK' -v '$TMP/root.img' | awk 'NF == 5 && \$1 ~ /^(dir|file|char|block|fifo)\$/ {print \$3}' | grep -vx '0:0'"
expect_exit 0 "$MKCRAMFS" --all-root -D "$TMP/good.tab" "$TMP/t" "$TMP/root2.img"
expect "--all-root is -q" cmp "$TMP/root.img" "$TMP/root2.img"
expect_exit 0 "$MKCRAMFS" --force-uid=70000 "$TMP/t" "$TMP/big.img"
expect_stderr_contains "uid 70000 stored as 4464"
expect_exit 8 "$MKCRAMFS" -E --force-gid=300 "$TMP/t" "$TMP/big2.img"

# ---- excludes ----
CASE="excludes"
chmod 000 "$TMP/t/skip"   # excluded entries are not even read
expect_exit 0 "$MKCRAMFS" --exclude=/skip --exclude='*.log' "$TMP/t" "$TMP/ex.img"
chmod 755 "$TMP/t/skip"
listing "$TMP/ex.img" >"$TMP/ex.list"
expect "/skip left out" sh -c "! grep -q ' /skip' '$TMP/ex.list'"
expect "*.log left out" sh -c "! grep -q 'a.log' '$TMP/ex.list'"
expect "other files kept" grep -q ' /logs/keep.txt$' "$TMP/ex.list"
# the root matches no pattern: '/' and other patterns ending in '/' match nothing, with a warning
expect_exit 0 "$MKCRAMFS" "$TMP/t" "$TMP/all.img"
expect_exit 0 "$MKCRAMFS" --exclude=/ --exclude=/logs/ "$TMP/t" "$TMP/ex2.img"
expect_stderr_contains "warning: --exclude pattern '/' ends in '/' and matches nothing"
expect_stderr_contains "warning: --exclude pattern '/logs/' ends in '/' and matches nothing"
expect "--exclude=/ and --exclude=/logs/ leave out nothing" cmp "$TMP/all.img" "$TMP/ex2.img"
expect_exit 0 "$MKCRAMFS" -X "$TMP/t" "$TMP/xip1.img"
expect_exit 0 "$MKCRAMFS" --xip=/ "$TMP/t" "$TMP/xip2.img"
expect_stderr_contains "warning: --xip pattern '/' ends in '/' and matches nothing"
expect "--xip=/ stores no file in place" cmp "$TMP/xip1.img" "$TMP/xip2.img"
printf '/\n!/bin/\n' >"$TMP/slash.list"
expect_exit 0 "$MKCRAMFS" --xip-from="$TMP/slash.list" "$TMP/t" "$TMP/xip3.img"
expect_stderr_contains "warning: $TMP/slash.list:2: --no-xip pattern '/bin/' ends in '/' and matches nothing"
expect "--xip-from with '/' stores no file in place" cmp "$TMP/xip1.img" "$TMP/xip3.img"

# ---- metadata cramfs cannot store: one line per attribute at the end, -E fails for all but SELinux labels ----
CASE="extended attributes"
# refused_e TREE IMG: -E refuses the tree, says how many entries, and writes no image
refused_e() {
	expect_exit 8 "$MKCRAMFS" -E "$1" "$2"
	expect_stderr_contains "would lose data and -E is set; no image written"
	expect "-E: no image" test ! -e "$2"
}
lost() { printf '%s not stored, cramfs has no extended attributes: %s' "$1" "$2"; }
mkdir "$TMP/xc" "$TMP/xl" "$TMP/xl/shared" "$TMP/xu"
cp /bin/true "$TMP/xc/ping"
echo plain >"$TMP/xu/plain"
if setcap cap_net_raw+ep "$TMP/xc/ping" 2>"$TMP/setcap.err"; then
	expect_exit 0 "$MKCRAMFS" "$TMP/xc" "$TMP/x.img"
	expect_stderr_contains "warning: $(lost "file capabilities (security.capability)" "1 entry: /ping (cap_net_raw=ep)")"
	refused_e "$TMP/xc" "$TMP/x2.img"
	expect_stderr_contains "mkcramfs: $(lost "file capabilities (security.capability)" "1 entry: /ping (cap_net_raw=ep)")"
else
	fail "setcap on $TMP failed ($(cat "$TMP/setcap.err")): file capabilities cannot be tested here"
fi
if setfacl -m u:1000:rwx "$TMP/xl/shared" && setfacl -d -m g:100:rx "$TMP/xl/shared"; then
	expect_exit 0 "$MKCRAMFS" "$TMP/xl" "$TMP/x.img"
	expect_stderr_contains "$(lost "access ACLs (system.posix_acl_access)" "1 entry: /shared (u::rwx,u:1000:rwx,g::r-x,m::rwx,o::r-x)")"
	expect_stderr_contains "$(lost "default ACLs (system.posix_acl_default)" "1 entry: /shared (u::rwx,g::r-x,g:100:r-x,m::r-x,o::r-x)")"
	refused_e "$TMP/xl" "$TMP/x2.img"
else
	fail "setfacl failed: ACLs cannot be tested here"
fi
if setfattr -n user.note -v hello "$TMP/xu/plain" 2>/dev/null; then
	expect_exit 0 "$MKCRAMFS" "$TMP/xu" "$TMP/x.img"
	expect_stderr_contains "warning: $(lost user.note "1 entry: /plain")"
	refused_e "$TMP/xu" "$TMP/x2.img"
	expect_stderr_contains "1 entry would lose data and -E is set; no image written"
else
	fail "setfattr user.note failed: user xattrs cannot be tested on this filesystem"
fi
if [ "$(id -u)" -eq 0 ]; then
	setfattr -x user.note "$TMP/xu/plain" && setfattr -n trusted.note -v hello "$TMP/xu/plain" ||
		fail "cannot set trusted.note as root"
	expect_exit 0 "$MKCRAMFS" "$TMP/xu" "$TMP/x.img"
	expect_stderr_contains "warning: $(lost trusted.note "1 entry: /plain")"
	refused_e "$TMP/xu" "$TMP/x2.img"
fi

# many entries with one attribute: one line, the count, the first three paths in byte order
mkdir -p "$TMP/xg/a" && for f in d a-x a/y c b; do echo "$f" >"$TMP/xg/$f"; done
names="/ /a /a-x /a/y /b /c /d"
if (for f in d a-x a/y c b; do setfattr -n user.tag -v t "$TMP/xg/$f" || exit 1; done) 2>/dev/null; then
	expect_exit 0 "$MKCRAMFS" "$TMP/xg" "$TMP/x.img"
	expect_stderr_contains "warning: $(lost user.tag "5 entries: /a-x, /a/y, /b and 2 more")"
	expect "one line for user.tag" [ "$(grep -c user.tag "$LAST_ERR")" -eq 1 ]
else
	fail "setfattr user.tag failed: user xattrs cannot be tested on this filesystem"
fi

# SELinux labels: one line with the count; not an error with -E, only with --fatal-selinux
CASE="SELinux labels"
selinux=yes
for f in $names; do
	setfattr -n security.selinux -v system_u:object_r:etc_t:s0 "$TMP/xg$f" 2>/dev/null ||
		getfattr -n security.selinux "$TMP/xg$f" >/dev/null 2>&1 || selinux=no
done
if [ "$selinux" = yes ]; then
	label=$(lost "SELinux labels (security.selinux)" "7 entries: /, /a, /a-x and 4 more")
	expect_exit 0 "$MKCRAMFS" "$TMP/xg" "$TMP/x.img"
	expect_stderr_contains "warning: $label (the target's policy labels a cramfs mount as a whole)"
	expect "one line for the 7 labels" [ "$(grep -c security.selinux "$LAST_ERR")" -eq 1 ]
	for f in d a-x a/y c b; do setfattr -x user.tag "$TMP/xg/$f"; done
	rm -f "$TMP/x.img"
	expect_exit 0 "$MKCRAMFS" -E "$TMP/xg" "$TMP/x.img"
	expect "-E: an image in spite of the labels" test -s "$TMP/x.img"
	expect_exit 8 "$MKCRAMFS" --fatal-selinux "$TMP/xg" "$TMP/x2.img"
	expect_stderr_contains "mkcramfs: $label"
	expect_stderr_contains "7 entries would lose data and --fatal-selinux is set; no image written"
	expect "--fatal-selinux: no image" test ! -e "$TMP/x2.img"
else
	echo "note: security.selinux cannot be set here; the unit test lost_attrs_grouped covers the grouping"
fi

# ---- an unprivileged build under fakeroot ----
CASE="fakeroot"
if [ "$(id -u)" -eq 0 ]; then
	need_cmd setpriv
	chmod 755 "$TMP"   # the unprivileged user reads the tree and writes below u/
	mkdir "$TMP/u" && chmod 777 "$TMP/u"
	as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$TMP/u" TMPDIR="$TMP/u" "$@"; }
else
	mkdir "$TMP/u"
	as_user() { "$@"; }
fi
expect "unprivileged: example rootfs and image made under fakeroot" as_user fakeroot sh -c \
	"sh '$SRCDIR/tests/lib/mkexample.sh' '$TMP/u/root' >/dev/null && '$MKCRAMFS' '$TMP/u/root' '$TMP/u/img'"
listing "$TMP/u/img" >"$TMP/u.list"
expect "device node from fakeroot in the image" grep -q '^char .* 0:0  *1281  /dev/console$' "$TMP/u.list"
expect "root-owned files from fakeroot" grep -q '^file .* 0:0 .* /bin/busybox$' "$TMP/u.list"
expect "the fifo from fakeroot" grep -q '^fifo .* /usr/share/example/fifo$' "$TMP/u.list"
expect "unprivileged: -D table in place of fakeroot" as_user "$MKCRAMFS" -q -D "$TMP/good.tab" "$TMP/t" "$TMP/u/dt.img"
listing "$TMP/u/dt.img" >"$TMP/u2.list"
expect "device table node from an unprivileged build" grep -q '/dev/console$' "$TMP/u2.list"
finish
