#!/bin/sh
# Interoperability with util-linux: our images pass fsck.cramfs --extract and extract exactly;
# images made by mkfs.cramfs pass our cramfsck and extract exactly, the image of an empty tree
# included.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
# owners and device nodes need root; fakeroot stands in for it, for the whole test
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
need_cmd mkfs.cramfs fsck.cramfs python3
setup_tmp

sh "$SRCDIR/tests/lib/mktree.sh" "$TMP/tree" >/dev/null || die "mktree.sh failed"

same_tree() { python3 "$SRCDIR/tests/lib/treecmp.py" "$TMP/tree" "$1"; }

# $1: label, $2: log, rest: command; passes when the command succeeds
step() {
	_label=$1 _log=$2
	shift 2
	if "$@" >"$_log" 2>&1; then
		pass "$_label"
	else
		fail "$_label"
		tail -n 20 "$_log" >&2
	fi
}

n=0
for opts in "" "-N big" "-b 16384" "-p" "-z" "-i $SRCDIR/README.md"; do
	n=$((n + 1))
	fsck_opts=
	[ "$opts" = "-b 16384" ] && fsck_opts="-b 16384"
	# ours -> util-linux.  fsck.cramfs refuses HOLES and SHIFTED_ROOT_OFFSET images, even those of
	# its own mkfs.cramfs: for -z and -i only the other direction can be tested.
	# shellcheck disable=SC2086
	step "mkcramfs $opts" "$TMP/our$n.log" "$MKCRAMFS" $opts "$TMP/tree" "$TMP/our$n.img"
	case $opts in
	-z | -i*) ;;
	*)
		# shellcheck disable=SC2086
		step "fsck.cramfs accepts mkcramfs $opts" "$TMP/our$n.fsck" \
			fsck.cramfs $fsck_opts --extract="$TMP/our$n.x" "$TMP/our$n.img"
		step "fsck.cramfs extracts the tree of mkcramfs $opts" "$TMP/our$n.cmp" same_tree "$TMP/our$n.x"
		;;
	esac
	# util-linux -> ours
	# shellcheck disable=SC2086
	step "mkfs.cramfs $opts" "$TMP/ul$n.log" mkfs.cramfs $opts "$TMP/tree" "$TMP/ul$n.img"
	step "cramfsck accepts mkfs.cramfs $opts" "$TMP/ul$n.fsck" "$CRAMFSCK" -x "$TMP/ul$n.x" "$TMP/ul$n.img"
	step "cramfsck extracts the tree of mkfs.cramfs $opts" "$TMP/ul$n.cmp" same_tree "$TMP/ul$n.x"
done

# we lay out like util-linux: with an inserted file, the same flags and the same root entry place
s1=$(stat -c %s "$TMP/our1.img")
s2=$(stat -c %s "$TMP/ul1.img")
echo "default image of the test tree: ours $s1 bytes, mkfs.cramfs $s2 bytes" \
	"(mkfs.cramfs also merges identical files whose modes differ, which the kernel then shows alike)"
same_layout() {
	python3 -c 'import sys
a, b = (open(f, "rb").read(76) for f in sys.argv[1:])
sys.exit(0 if a[8:12] == b[8:12] and a[64:76] == b[64:76] else 1)' "$1" "$2"
}
expect "-i images have util-linux's flags and root entry" same_layout "$TMP/our$n.img" "$TMP/ul$n.img"

# ---- the image of an empty tree ----
# mkfs.cramfs gives the root of an empty tree the offset 76 (588 with -p) and size 0; the kernel
# never reads a directory's entries past its size, and fsck.cramfs accepts it: so do we.
mkdir "$TMP/empty" || die "cannot make $TMP/empty"
for opts in "" "-p"; do
	CASE="empty tree${opts:+, mkfs.cramfs $opts}"
	img=$TMP/empty$opts.img
	# shellcheck disable=SC2086
	mkfs.cramfs $opts "$TMP/empty" "$img" >/dev/null || die "mkfs.cramfs $opts of an empty tree failed"
	expect "fsck.cramfs accepts it" fsck.cramfs "$img"
	expect_exit 0 "$CRAMFSCK" "$img"
	expect_exit 0 "$CRAMFSCK" -x "$TMP/empty$opts.x" "$img"
	expect "it extracts to an empty directory" sh -c "[ -z \"\$(ls -A '$TMP/empty$opts.x')\" ]"
done
CASE=

finish
