#!/bin/sh
# The installed library: make install into a staging root, then build the example program
# against it through pkg-config (shared and static) and run it on an image.
. "$SRCDIR/tests/cli/common.sh"
need_env MKCRAMFS CRAMFSCK SRCDIR BUILDDIR
need_cmd make pkg-config cc
setup_tmp

CASE="install"
expect "make install DESTDIR=..." make -s -C "$BUILDDIR" install DESTDIR="$TMP/root" >"$TMP/install.log" 2>&1
prefix=$(sed -n 's/^prefix=//p' "$BUILDDIR/lib/libcramfs.pc")
root=$TMP/root$prefix
for f in sbin/mkcramfs sbin/cramfsck sbin/cramfs-xip include/cramfs/cramfs.h include/cramfs/cramfs_format.h \
	lib/pkgconfig/libcramfs.pc share/man/man8/mkcramfs.8 share/man/man8/cramfsck.8 share/man/man8/cramfs-xip.8; do
	expect "installed: $f" test -e "$root/$f"
done
expect "installed: shared library" sh -c "ls '$root'/lib/libcramfs.so.0* >/dev/null"
expect "installed: static library" test -e "$root/lib/libcramfs.a"
expect "only the cramfs_ API is exported" sh -c \
	"! nm -D --defined-only '$root'/lib/libcramfs.so.0 | awk '\$2 == \"T\" {print \$3}' | grep -v '^cramfs_'"

CASE="pkg-config"
export PKG_CONFIG_SYSROOT_DIR="$TMP/root" PKG_CONFIG_LIBDIR="$root/lib/pkgconfig"
cflags=$(pkg-config --cflags libcramfs) && libs=$(pkg-config --libs libcramfs) || fail "pkg-config libcramfs failed"
printf 'a\n' >"$TMP/f" && mkdir "$TMP/t" && cp "$TMP/f" "$TMP/t/f"
"$MKCRAMFS" "$TMP/t" "$TMP/t.img" || fail "mkcramfs failed"
# shellcheck disable=SC2086
expect "the example builds against the shared library" cc $cflags "$SRCDIR/examples/cramfs-ls.c" $libs -o "$TMP/ls"
expect_exit 0 env LD_LIBRARY_PATH="$root/lib" "$TMP/ls" "$TMP/t.img"
expect_stdout_contains "/f"
expect_stdout_contains "image checks clean"
# shellcheck disable=SC2086
expect "the example builds against the static library" cc $cflags "$SRCDIR/examples/cramfs-ls.c" \
	-static-libgcc "$root/lib/libcramfs.a" $(pkg-config --static --libs-only-l libcramfs | sed 's/-lcramfs//') -o "$TMP/ls-static"
expect_exit 0 "$TMP/ls-static" "$TMP/t.img"
expect_stdout_contains "image checks clean"
finish
