#!/bin/sh
# Round trips: a generated tree with every file type -> mkcramfs (many option sets) -> cramfsck -x
# -> the identical tree.  Also: the same tree built in another readdir order gives the same bytes.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR COMPRESSOR
# owners and device nodes need root; fakeroot stands in for it, for the whole test
if [ "$(id -u)" -ne 0 ]; then need_cmd fakeroot; exec fakeroot sh "$0" "$@"; fi
setup_tmp

if sh -c "sh '$SRCDIR/tests/lib/mktree.sh' '$TMP/tree' >/dev/null"; then pass "not: mktree.sh failed"; else fail "mktree.sh failed"; fi
n=0
for opts in "" "-N big" "-N little" "-b 16384" "-b 65536 -N big" "-z" "-x" "-p" "-i $SRCDIR/README.md" \
	"-X" "-X -b 65536" "-X --nommu" "-X --xip=/**" "-X --xip=/** -N big -b 16384" "-l 1" "-z -x -X --xip=*.bin" "-S" "-S -x -z -N big -b 16384" "--best -S"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	sh -c "'$MKCRAMFS' $opts '$TMP/tree' '$TMP/$n.img' && '$CRAMFSCK' -x '$TMP/$n.x' '$TMP/$n.img'" \
		>"$TMP/$n.log" 2>&1 || { cat "$TMP/$n.log"; fail "mkcramfs $opts: build, check or extract failed"; continue; }
	if python3 "$SRCDIR/tests/lib/treecmp.py" "$TMP/tree" "$TMP/$n.x"; then pass "not: mkcramfs $opts: extracted tree differs"; else fail "mkcramfs $opts: extracted tree differs"; fi
done

# readdir order does not matter: the same tree made in reverse creation order
mkdir "$TMP/fwd" "$TMP/rev"
for i in 1 2 3 4 5 6 7 8 9; do echo "file $i" >"$TMP/fwd/f$i"; mkdir "$TMP/fwd/d$i"; echo "$i" >"$TMP/fwd/d$i/x"; done
for i in 9 8 7 6 5 4 3 2 1; do mkdir "$TMP/rev/d$i"; echo "$i" >"$TMP/rev/d$i/x"; echo "file $i" >"$TMP/rev/f$i"; done
chmod -R u=rwX,go=rX "$TMP/fwd" "$TMP/rev"
ls -U "$TMP/fwd" | head -3 >"$TMP/o1"; ls -U "$TMP/rev" | head -3 >"$TMP/o2"
cmp -s "$TMP/o1" "$TMP/o2" && echo "readdir gives the same order for both trees on this filesystem"
if "$MKCRAMFS" "$TMP/fwd" "$TMP/fwd.img" && "$MKCRAMFS" "$TMP/rev" "$TMP/rev.img"; then pass "not: building fwd/rev failed"; else fail "building fwd/rev failed"; fi
if cmp "$TMP/fwd.img" "$TMP/rev.img"; then pass "not: the same tree in another readdir order gave other bytes"; else fail "the same tree in another readdir order gave other bytes"; fi
# the thread count does not matter either
for j in 1 3 8; do
	"$MKCRAMFS" -X -j $j "$TMP/tree" "$TMP/j$j.img" 2>/dev/null || fail "mkcramfs -j $j failed"
done
expect "-j 1 and -j 3 give the same bytes" cmp "$TMP/j1.img" "$TMP/j3.img"
expect "-j 1 and -j 8 give the same bytes" cmp "$TMP/j1.img" "$TMP/j8.img"
# -j sets the thread count; without it, one per CPU the process may run on (taskset, cpusets)
"$MKCRAMFS" -v -j 3 "$TMP/tree" "$TMP/v3.img" 2>"$TMP/v3.err" || fail "mkcramfs -v -j 3 failed"
expect "-j 3: compressed on 3 threads" grep -qx "mkcramfs: compressed on 3 threads" "$TMP/v3.err"
need_cmd taskset
taskset -c 0 "$MKCRAMFS" -v "$TMP/tree" "$TMP/t1.img" 2>"$TMP/t1.err" || fail "taskset -c 0 mkcramfs -v failed"
expect "taskset -c 0: compressed on 1 thread" grep -qx "mkcramfs: compressed on 1 thread" "$TMP/t1.err"
# and the same build twice
"$MKCRAMFS" -X "$TMP/tree" "$TMP/again1.img" 2>/dev/null; "$MKCRAMFS" -X "$TMP/tree" "$TMP/again2.img" 2>/dev/null
if cmp "$TMP/again1.img" "$TMP/again2.img"; then pass "not: two builds of the same tree differ"; else fail "two builds of the same tree differ"; fi
finish
