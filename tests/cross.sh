#!/bin/sh
# cross.sh [TRIPLET...]
#
# Cross-builds mkcramfs-xip for ARM targets the way Buildroot and Yocto build a target package:
# configure --host=TRIPLET out of tree, against the target's own zlib, libdeflate, libcap and
# libacl (here from Debian multiarch), then make install DESTDIR=...  Then checks that the
# installed programs and library are ELF files for the target and link the target's libraries,
# and runs them under qemu user emulation:
#   - the cross-built cramfsck checks images that the build machine's mkcramfs made (both byte
#     orders, 4 KiB and 64 KiB blocks, XIP and no-MMU layouts) and must print exactly what the
#     build machine's cramfsck prints, listing and XIP report included;
#   - the cross-built cramfs-xip links the C library alone, links static too, and the static one
#     merges profiles under qemu;
#   - the cross-built mkcramfs makes an XIP image of a tree holding the target's own ELF
#     programs, which must be byte for byte the build machine's image of it (same compressor),
#     and which the cross-built cramfsck extracts back to the same tree.
#
# TRIPLET defaults to aarch64-linux-gnu, plus arm-linux-gnueabihf when its compiler and zlib
# are installed.  The build machine's tools are taken from $HOST_MKCRAMFS and $HOST_CRAMFSCK,
# else from an in-tree build, else built here.  Needs (Debian bookworm, as root):
#     dpkg --add-architecture arm64 && apt-get update
#     apt-get install gcc-aarch64-linux-gnu zlib1g-dev:arm64 libdeflate-dev:arm64 \
#         libcap-dev:arm64 libacl1-dev:arm64 qemu-user-static file fakeroot
# (for arm-linux-gnueabihf: armhf and gcc-arm-linux-gnueabihf in the same way).  zlib is
# required; each optional library is used when the target's copy is installed.
# Exit status: 0 every check passed, 1 a check failed, 99 something needed is missing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
SRCDIR=$top
. "$top/tests/cli/common.sh"
setup_tmp
need_cmd make file cmp diff fakeroot nproc sed
jobs=$(nproc)

targets=${*:-aarch64-linux-gnu}
if [ $# -eq 0 ]; then
	if command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1 && [ -e /usr/lib/arm-linux-gnueabihf/libz.so ]; then
		targets="$targets arm-linux-gnueabihf"
	else
		echo "note: arm-linux-gnueabihf not built: install gcc-arm-linux-gnueabihf and zlib1g-dev:armhf to add it"
	fi
fi

# ---- the sources: automake refuses an out-of-tree build of a tree configured in place, so such
# a tree gives the files of its release tarball (make distdir) instead ----
CASE="sources"
if [ -f "$top/config.status" ]; then
	if make -s -C "$top" distdir distdir="$TMP/src" top_distdir="$TMP/src" >"$TMP/distdir.log" 2>&1 &&
		[ -x "$TMP/src/configure" ]; then
		pass "the tree is configured in place: building the files of its release tarball"
	else
		_cm_show "make distdir" "$TMP/distdir.log"; die "make distdir failed in $top"
	fi
	src=$TMP/src
else
	if [ ! -x "$top/configure" ]; then
		need_cmd autoreconf
		(cd "$top" && autoreconf -fi) >"$TMP/autoreconf.log" 2>&1 ||
			{ _cm_show autoreconf "$TMP/autoreconf.log"; die "autoreconf failed in $top"; }
	fi
	src=$top
	pass "building from $top"
fi

# ---- the build machine's tools ----
if [ -n "${HOST_MKCRAMFS:-}" ] && [ -n "${HOST_CRAMFSCK:-}" ]; then
	:
elif [ -x "$top/mkcramfs/mkcramfs" ] && [ -x "$top/cramfsck/cramfsck" ]; then
	HOST_MKCRAMFS=$top/mkcramfs/mkcramfs HOST_CRAMFSCK=$top/cramfsck/cramfsck
else
	mkdir "$TMP/build-host"
	(cd "$TMP/build-host" && "$src/configure" -q --disable-system-tests && make -j"$jobs") \
		>"$TMP/build-host.log" 2>&1 || { _cm_show build "$TMP/build-host.log"; die "the native build failed"; }
	HOST_MKCRAMFS=$TMP/build-host/mkcramfs/mkcramfs HOST_CRAMFSCK=$TMP/build-host/cramfsck/cramfsck
fi
host_compressor=$("$HOST_MKCRAMFS" --version | sed -n 's/.*compression: //p')

# ---- images made on the build machine: the edge-case tree in both byte orders, at 4 and
# 64 KiB blocks, XIP and no-MMU layouts ----
CASE="host images"
fakeroot sh -c '
	set -e
	sh "$1/tests/lib/mktree.sh" "$2/tree" >/dev/null
	"$3" -N little "$2/tree" "$2/le-plain.img"
	"$3" -N big -X "$2/tree" "$2/be-xip.img"
	"$3" -N little -b 65536 -X "$2/tree" "$2/le-64k-xip.img"
	"$3" -N little -X --nommu -z "$2/tree" "$2/le-nommu.img"
' sh "$top" "$TMP" "$HOST_MKCRAMFS" >"$TMP/host-images.log" 2>&1 ||
	{ _cm_show mkcramfs "$TMP/host-images.log"; die "the build machine's mkcramfs failed"; }
pass "4 images of tests/lib/mktree.sh's tree"

# the checks of a cramfsck run, for the build machine's and the target's cramfsck alike
check_runs() { # check_runs OUTDIR CRAMFSCK...
	_d=$1
	shift
	mkdir -p "$_d"
	for _img in le-plain be-xip le-64k-xip le-nommu; do
		"$@" -v "$TMP/$_img.img" >"$_d/$_img.v" 2>&1
		echo "exit $?" >>"$_d/$_img.v"
		"$@" --xip --json "$TMP/$_img.img" >"$_d/$_img.json" 2>&1
		echo "exit $?" >>"$_d/$_img.json"
	done
}
check_runs "$TMP/host-check" "$HOST_CRAMFSCK"

for triplet in $targets; do
	case $triplet in
	aarch64-*) arch=arm64 qemu=aarch64 elf='ELF 64-bit LSB .*ARM aarch64' ;;
	arm-*gnueabihf) arch=armhf qemu=arm elf='ELF 32-bit LSB .*ARM, EABI5' ;;
	*) die "$triplet: no rules for this target" ;;
	esac
	CASE=$triplet
	need_cmd "$triplet-gcc" "$triplet-readelf"
	qemu_bin=
	for q in "qemu-$qemu-static" "qemu-$qemu"; do
		if command -v "$q" >/dev/null 2>&1; then qemu_bin=$q; break; fi
	done
	[ -n "$qemu_bin" ] || die "qemu-$qemu-static not found (Debian: qemu-user-static)"
	libdir=/usr/lib/$triplet
	[ -e "$libdir/libz.so" ] || die "no zlib for $triplet in $libdir (Debian: zlib1g-dev:$arch)"

	# the target's libraries: zlib required, the others where the target has them
	with=
	for lib in deflate cap acl; do
		if [ -e "$libdir/lib$lib.so" ]; then with="$with --with-$lib"; else with="$with --without-$lib"; fi
	done
	# pkg-config for the target: TRIPLET-pkg-config (Debian: pkgconf:ARCH) or the plain one
	# looking at the target's .pc files only
	if command -v "$triplet-pkg-config" >/dev/null 2>&1; then
		pc="PKG_CONFIG=$triplet-pkg-config"
	else
		pc="PKG_CONFIG=pkg-config"
		PKG_CONFIG_LIBDIR=$libdir/pkgconfig:/usr/share/pkgconfig
		export PKG_CONFIG_LIBDIR
	fi

	bld=$TMP/build-$triplet stage=$TMP/stage-$triplet
	mkdir "$bld"
	started=$(date +%s)
	# shellcheck disable=SC2086
	if (cd "$bld" && "$src/configure" --host="$triplet" --prefix=/usr --disable-system-tests $with "$pc" &&
		make -j"$jobs" && make install DESTDIR="$stage") >"$bld.log" 2>&1; then
		pass "configure --host=$triplet$with, make, make install DESTDIR: $(($(date +%s) - started)) s"
	else
		fail "the $triplet build failed"; sed -n '/^configure: error/p' "$bld/config.log" >&2
		tail -n 30 "$bld.log" >&2
		unset PKG_CONFIG_LIBDIR
		continue
	fi
	unset PKG_CONFIG_LIBDIR

	for f in "$stage/usr/sbin/mkcramfs" "$stage/usr/sbin/cramfsck" "$stage/usr/sbin/cramfs-xip" \
		"$stage"/usr/lib/libcramfs.so.*.*.*; do
		desc=$(file -b "$f")
		if printf '%s\n' "$desc" | grep -q "$elf"; then
			pass "${f#"$stage"/}: $(printf '%s' "$desc" | cut -d, -f1-2)"
		else
			fail "${f#"$stage"/} is not a $triplet ELF file: $desc"
		fi
	done
	needed=$("$triplet-readelf" -d "$stage"/usr/lib/libcramfs.so.*.*.* | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
	# the compressor: libdeflate when the target has it (then zlib is not needed at all), else zlib
	if printf '%s\n' "$needed" | grep -Eq 'lib(deflate|z)\.so'; then
		pass "libcramfs links the target's libraries: $needed"
	else
		fail "libcramfs links neither libdeflate nor zlib: $needed"
	fi

	# cramfs-xip runs on the board: the C library alone, and it links static
	needed=$("$triplet-readelf" -d "$stage/usr/sbin/cramfs-xip" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
	case $needed in
	"libc.so.6 ") pass "cramfs-xip links the C library alone" ;;
	*) fail "cramfs-xip links more than the C library: $needed" ;;
	esac
	if "$triplet-gcc" -static -O2 -std=gnu11 -DPACKAGE_VERSION='"static"' -o "$TMP/cramfs-xip-$triplet" \
		-I"$src/lib" "$src/cramfs-xip/main.c" "$src/lib/xipprofile.c" "$src/lib/cli.c" 2>"$TMP/xiptool-static.err" &&
		file -b "$TMP/cramfs-xip-$triplet" | grep -q "$elf.*statically linked"; then
		pass "cramfs-xip links static for $triplet"
	else
		fail "cramfs-xip does not link static for $triplet"; _cm_show gcc "$TMP/xiptool-static.err"
	fi

	# ---- run under qemu ----
	run_target() { LD_LIBRARY_PATH=$stage/usr/lib "$qemu_bin" "$@"; }
	if version=$(run_target "$stage/usr/sbin/cramfsck" --version 2>&1); then
		pass "$qemu_bin cramfsck --version: $version"
	else
		fail "the $triplet cramfsck does not run under $qemu_bin: $version"
		continue
	fi
	target_compressor=$(run_target "$stage/usr/sbin/mkcramfs" --version | sed -n 's/.*compression: //p')
	[ -n "$target_compressor" ] || fail "$triplet mkcramfs --version names no compressor"

	check_runs "$TMP/check-$triplet" run_target "$stage/usr/sbin/cramfsck"

	# the static cramfs-xip reads and merges profiles as the build machine's does
	printf 'cramfs-xip-profile 1\npage-size 4096\nfile /bin/a%%20b 8193 0,2\nfile /lib/c 1 -\n' >"$TMP/x1.profile"
	printf 'cramfs-xip-profile 1\npage-size 4096\nfile /bin/a%%20b 8193 1\nfile /d 0 -\n' >"$TMP/x2.profile"
	if [ -x "$TMP/cramfs-xip-$triplet" ] &&
		"$qemu_bin" "$TMP/cramfs-xip-$triplet" profile --merge "$TMP/x1.profile" "$TMP/x2.profile" \
			>"$TMP/x.merged" 2>&1 &&
		printf 'cramfs-xip-profile 1\npage-size 4096\n# merged\nfile /bin/a%%20b 8193 0-2\nfile /d 0 -\nfile /lib/c 1 -\n' |
		cmp -s - "$TMP/x.merged"; then
		pass "the static $triplet cramfs-xip merges profiles"
	else
		fail "the static $triplet cramfs-xip does not merge profiles right"; _cm_show merge "$TMP/x.merged"
	fi
	for img in le-plain be-xip le-64k-xip le-nommu; do
		if cmp -s "$TMP/host-check/$img.v" "$TMP/check-$triplet/$img.v" &&
			cmp -s "$TMP/host-check/$img.json" "$TMP/check-$triplet/$img.json"; then
			pass "cramfsck -v and --xip --json on $img.img: the same as on the build machine ($(tail -n 2 "$TMP/host-check/$img.v" | head -n 1 | sed 's/.*: \([0-9]* directories\)/\1/'))"
		else
			fail "cramfsck on $img.img differs from the build machine's"
			diff "$TMP/host-check/$img.v" "$TMP/check-$triplet/$img.v" | head -n 20 >&2
			diff "$TMP/host-check/$img.json" "$TMP/check-$triplet/$img.json" | head -n 20 >&2
		fi
	done

	# a tree of the target's own programs, made by the target's mkcramfs
	t=$TMP/elf-$triplet
	mkdir -p "$t/usr/sbin" "$t/usr/lib" "$t/etc"
	cp "$stage/usr/sbin/mkcramfs" "$stage/usr/sbin/cramfsck" "$t/usr/sbin/"
	cp "$stage"/usr/lib/libcramfs.so.*.*.* "$t/usr/lib/"
	ln -s "$(basename "$stage"/usr/lib/libcramfs.so.*.*.*)" "$t/usr/lib/libcramfs.so.0"
	cp "$top/README.md" "$t/etc/"
	"$HOST_MKCRAMFS" -X -b 65536 -N little "$t" "$TMP/elf-$triplet.host.img" 2>"$TMP/elf-host.err" ||
		{ _cm_show mkcramfs "$TMP/elf-host.err"; fail "the build machine's mkcramfs failed on the $triplet tree"; continue; }
	if run_target "$stage/usr/sbin/mkcramfs" -X -b 65536 -N little "$t" "$TMP/elf-$triplet.img" 2>"$TMP/elf.err"; then
		pass "$triplet mkcramfs -X -b 65536 -N little on a tree of $triplet programs"
	else
		fail "$triplet mkcramfs failed"; _cm_show mkcramfs "$TMP/elf.err"; continue
	fi
	if [ "$target_compressor" = "$host_compressor" ]; then
		if cmp -s "$TMP/elf-$triplet.host.img" "$TMP/elf-$triplet.img"; then
			pass "the image is byte for byte the build machine's ($target_compressor on both)"
		else
			fail "the $triplet image differs from the build machine's, both made with $target_compressor"
		fi
	else
		echo "note: compressors differ (build machine $host_compressor, $triplet $target_compressor): images not compared byte for byte"
	fi
	if "$HOST_CRAMFSCK" --xip "$TMP/elf-$triplet.img" >"$TMP/elf.xip" 2>&1 &&
		grep -q '^\(all\|partial\) .*/usr/sbin/mkcramfs' "$TMP/elf.xip"; then
		pass "the build machine's cramfsck: clean, $triplet programs mapped from flash ($(tail -n 1 "$TMP/elf.xip" | cut -d';' -f2))"
	else
		fail "the $triplet image does not check clean or maps nothing"; _cm_show cramfsck "$TMP/elf.xip"
	fi
	if run_target "$stage/usr/sbin/cramfsck" -x "$TMP/x-$triplet" "$TMP/elf-$triplet.img" >"$TMP/x.log" 2>&1 &&
		diff -r "$t" "$TMP/x-$triplet" >"$TMP/x.diff" 2>&1; then
		pass "$triplet cramfsck -x gives back the tree"
	else
		fail "$triplet cramfsck -x did not give back the tree"; _cm_show cramfsck "$TMP/x.log"; _cm_show diff "$TMP/x.diff"
	fi
done

finish
