#!/bin/sh
# tests/sanitize.sh: the test suite under AddressSanitizer and UndefinedBehaviorSanitizer, then a
# CLI round trip under valgrind memcheck.  Exits non-zero on any finding.
#
#   1. builds the package out of tree in $SANITIZE_DIR/asan (default
#      ${TMPDIR:-/tmp}/sanitize-build) with
#      CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer', configured with
#      --disable-system-tests, and runs `make check` with
#      ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0:handle_sigbus=0 and
#      UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 (so a leak, a memory error or any
#      undefined behaviour fails the test that met it);
#   2. builds it again without sanitizers in $SANITIZE_DIR/plain and, under fakeroot, makes the
#      example rootfs (tests/lib/mkexample.sh), then runs `mkcramfs -X` on it and
#      `cramfsck -x` on the image under valgrind (--error-exitcode=1 --leak-check=full), and
#      compares the extracted tree with the rootfs (tests/lib/treecmp.py).
#
# Run from anywhere: sh tests/sanitize.sh.  Needs: the build dependencies, valgrind, fakeroot,
# busybox-static, python3.  Takes 1 to 2 minutes on an idle 2-core machine.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
top=${SANITIZE_DIR:-${TMPDIR:-/tmp}/sanitize-build}
jobs=$(nproc 2>/dev/null || echo 2)
prog=sanitize.sh

say() { printf '%s: %s\n' "$prog" "$*"; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

for c in valgrind fakeroot python3 make; do
	command -v "$c" >/dev/null 2>&1 || die "$c not found (Debian: tests/deps.sh installs it)"
done
[ -x /bin/busybox ] || [ -n "${BUSYBOX:-}" ] || die "/bin/busybox not found (Debian: busybox-static)"
if [ ! -x "$src/configure" ]; then
	say "no configure script: running autoreconf -fi in $src"
	(cd "$src" && autoreconf -fi) || die "autoreconf failed"
fi

# ---- 1. make check under ASan and UBSan ----
san='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer'
rm -rf "$top/asan"
mkdir -p "$top/asan"
say "configuring and building with $san in $top/asan"
(cd "$top/asan" && "$src/configure" -q --disable-system-tests CFLAGS="$san" LDFLAGS="-fsanitize=address,undefined" &&
	make -j"$jobs" >build.log 2>&1) || { tail -n 40 "$top/asan/build.log" >&2; die "sanitized build failed"; }

# verify_asan_link_order=0: a test may run a tool under fakeroot, whose LD_PRELOAD library
# comes before the ASan runtime
# handle_sigbus=0: the library's own SIGBUS guard is tested, and passes a SIGBUS that is not
# the image's on to the default action, which a test expects to kill
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:verify_asan_link_order=0:handle_sigbus=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS
# library.sh links the example program against the installed (here: sanitized) library with
# plain "cc": give it the sanitizer runtimes
mkdir -p "$top/asan/bin"
printf '#!/bin/sh\nexec %s -fsanitize=address,undefined "$@"\n' "$(command -v cc)" >"$top/asan/bin/cc"
chmod +x "$top/asan/bin/cc"
say "make check under ASan and UBSan"
status=0
(cd "$top/asan" && PATH="$top/asan/bin:$PATH" make -j"$jobs" check >check.log 2>&1) || status=$?
grep -E '^(# |FAIL|ERROR)' "$top/asan/check.log" || true
# a sanitizer report in any test log is a finding, even in a test that passed
report='ERROR: (Address|Leak)Sanitizer|runtime error:'
found=$(grep -l -E "$report" "$top/asan"/tests/*/*.log 2>/dev/null || true)
if [ "$status" -ne 0 ] || [ -n "$found" ]; then
	for log in "$top/asan"/tests/*/*.log; do
		case $log in *test-suite.log) continue ;; esac
		if grep -q -E "$report" "$log"; then
			echo "==== $log: $(grep -c -E "$report" "$log") sanitizer reports; the first:"
			grep -m 1 -E -A 25 "$report" "$log"
		elif grep -q '^:test-result: \(FAIL\|ERROR\)' "${log%.log}.trs" 2>/dev/null; then
			echo "==== $log: failed"
			grep -E '^(FAIL|ERROR)' "$log" | head -n 20
		fi
	done
	die "make check under sanitizers failed (logs in $top/asan/tests)"
fi
unset ASAN_OPTIONS UBSAN_OPTIONS
say "make check under ASan and UBSan: clean"

# ---- 2. a round trip under valgrind ----
rm -rf "$top/plain"
mkdir -p "$top/plain"
say "building without sanitizers in $top/plain"
(cd "$top/plain" && "$src/configure" -q --disable-system-tests && make -j"$jobs" >build.log 2>&1) ||
	{ tail -n 40 "$top/plain/build.log" >&2; die "plain build failed"; }

b=$top/plain
# fakeroot's own library sends uninitialised padding to its daemon: not ours
cat >"$b/fakeroot.supp" <<'EOF'
{
   fakeroot-msgsnd
   Memcheck:Param
   msgsnd(msgp->mtext)
   ...
   obj:*/libfakeroot*.so
}
EOF
vg="$b/libtool --mode=execute valgrind -q --error-exitcode=1 --leak-check=full --suppressions=$b/fakeroot.supp"
# root makes the device nodes and owners itself; anyone else needs fakeroot, for the whole session
as_root=
[ "$(id -u)" -eq 0 ] || as_root=fakeroot
say "valgrind: mkcramfs -X of the example rootfs, cramfsck -x of the image${as_root:+ (under fakeroot)}"
status=0
$as_root sh -c "
	set -e
	sh '$src/tests/lib/mkexample.sh' '$b/rootfs' >'$b/mkexample.log' 2>&1
	$vg '$b/mkcramfs/mkcramfs' -X '$b/rootfs' '$b/rootfs-xip.cramfs' >'$b/valgrind-mkcramfs.log' 2>&1 ||
		{ echo 'mkcramfs under valgrind failed:'; cat '$b/valgrind-mkcramfs.log'; exit 1; }
	$vg '$b/cramfsck/cramfsck' -x '$b/extracted' '$b/rootfs-xip.cramfs' >'$b/valgrind-cramfsck.log' 2>&1 ||
		{ echo 'cramfsck under valgrind failed:'; cat '$b/valgrind-cramfsck.log'; exit 1; }
	python3 '$src/tests/lib/treecmp.py' '$b/rootfs' '$b/extracted' ||
		{ echo 'the extracted tree differs from the rootfs'; exit 1; }
" || status=$?
[ "$status" -eq 0 ] || die "valgrind round trip failed (files in $b)"
say "valgrind round trip: clean"
say "no findings"
