#!/bin/bash
# Build (or find in the cache) a small Linux test kernel for the cramfs XIP rig.
#
#   build-kernel.sh TARGET [PATCHDIR]
#
# TARGET is x86_64, arm64-16k, arm64-64k (tinyconfig + common.config + the
# target's fragments), x86_64-debug (x86_64 with SMP, ACPI, lockdep and
# DEBUG_VM: config/x86_64-debug.config) or riscv64-nommu
# (nommu_virt_defconfig + its own fragment only: common.config asks for
# options that need an MMU).  The base configuration is part of the cache
# key through the target and this script, its contents through the
# linux-source version.  PATCHDIR, when given, holds *.patch files applied
# in name order with `patch -p1` (a cover letter, 0000-*.patch, is not
# applied).  Every kernel of a target has the same configuration, patched
# or not (config/tracing.config gives them trace events, for the
# cramfs_mmap event of kernel/patches), and is built from a private tree of
# hard links at the same place relative to its objects, so that with
# ccache (when installed) a patched kernel compiles only what its patches
# change.  Prints the path of the kernel image on stdout; progress and
# errors go to stderr, the build output to a log file in the cache.
#
# Cache: ${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}
#   src/<pkg>-<version>/   the unpacked linux-source tree, shared by all targets
#   kernel/<key>/          one finished kernel (image, .config, build.log, stamp)
#   ccache/                the compiler cache (ccache's own; at most 4 GB)
# key = sha256 over the linux-source package version, the target, the config
# fragments, the diff of every patch (from its first "diff --git" line on:
# a commit message does not change the kernel) and this script, so changing
# any of them rebuilds.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"
cache=${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}
src_pkg=${LINUX_SOURCE_PKG:-linux-source-6.1}
jobs=${KERNEL_JOBS:-2}

die() { echo "build-kernel: error: $*" >&2; exit 1; }
note() { echo "build-kernel: $*" >&2; }

[ $# -ge 1 ] && [ $# -le 2 ] || die "usage: build-kernel.sh x86_64|x86_64-debug|arm64-16k|arm64-64k|riscv64-nommu [PATCHDIR]"
target=$1
patchdir=${2:-}

base=tinyconfig cross_pkg=
case $target in
x86_64)
	arch=x86_64; cross=; image_rel=arch/x86/boot/bzImage; make_goal=bzImage
	fragments="common.config tracing.config x86_64.config" ;;
x86_64-debug)
	arch=x86_64; cross=; image_rel=arch/x86/boot/bzImage; make_goal=bzImage
	fragments="common.config tracing.config x86_64.config x86_64-debug.config" ;;
arm64-16k|arm64-64k)
	arch=arm64; cross=aarch64-linux-gnu-; image_rel=arch/arm64/boot/Image; make_goal=Image
	cross_pkg=gcc-aarch64-linux-gnu
	fragments="common.config tracing.config arm64.config $target.config" ;;
riscv64-nommu)
	arch=riscv; cross=riscv64-linux-gnu-; image_rel=arch/riscv/boot/Image; make_goal=Image
	cross_pkg=gcc-riscv64-linux-gnu base=nommu_virt_defconfig
	fragments="riscv64-nommu.config tracing.config" ;;
*) die "unknown target '$target' (x86_64, x86_64-debug, arm64-16k, arm64-64k, riscv64-nommu)" ;;
esac

patches=()
if [ -n "$patchdir" ]; then
	[ -d "$patchdir" ] || die "patch directory '$patchdir' does not exist"
	patchdir=$(cd "$patchdir" && pwd)
	while IFS= read -r -d '' p; do patches+=("$p"); done \
		< <(find "$patchdir" -maxdepth 1 -name '*.patch' ! -name '0000-*' -type f -print0 | LC_ALL=C sort -z)
	[ ${#patches[@]} -gt 0 ] || die "no *.patch files in '$patchdir'"
fi

src_version=$(dpkg-query -W -f='${Version}' "$src_pkg" 2>/dev/null) ||
	die "package $src_pkg is not installed (apt-get install $src_pkg)"
src_tarball=/usr/src/$src_pkg.tar.xz
[ -f "$src_tarball" ] || die "$src_tarball is missing (reinstall $src_pkg)"
[ -z "$cross" ] || command -v "${cross}gcc" >/dev/null ||
	die "${cross}gcc not found (apt-get install $cross_pkg)"

# The merged fragment, in the order it is applied.
fragment=$(for f in $fragments; do cat "$here/config/$f"; done)

key=$( {
	printf 'package %s %s\n' "$src_pkg" "$src_version"
	printf 'target %s base %s\n' "$target" "$base"
	printf 'fragment\n%s\n' "$fragment"
	# a patch's code, not its commit message
	for p in "${patches[@]}"; do
		printf 'patch %s\n' "$(basename "$p")"
		sed -n '/^diff --git /,$p' "$p"
	done
	printf 'script\n'
	cat "$self"
} | sha256sum | cut -c1-64)

kdir=$cache/kernel/$key
image=$kdir/$(basename "$image_rel")
if [ -f "$kdir/stamp" ] && [ -f "$image" ]; then
	echo "$image"
	exit 0
fi

mkdir -p "$cache/kernel" "$cache/src"

# One builder per key; the source is unpacked under its own lock.
exec 8>"$cache/kernel/.lock-$key"
flock 8
if [ -f "$kdir/stamp" ] && [ -f "$image" ]; then
	echo "$image"
	exit 0
fi

srcdir=$cache/src/$src_pkg-$src_version
(
	flock 9
	if [ ! -f "$srcdir/.unpacked" ]; then
		note "unpacking $src_tarball into $srcdir (once, about 1.5 GB)"
		tmp=$(mktemp -d "$cache/src/.unpack.XXXXXX")
		tar -xJf "$src_tarball" -C "$tmp" || { rm -rf "$tmp"; die "unpacking $src_tarball failed"; }
		top=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d)
		[ -f "$top/Makefile" ] || { rm -rf "$tmp"; die "no kernel tree in $src_tarball"; }
		touch "$top/.unpacked"
		rm -rf "$srcdir"
		mv "$top" "$srcdir"
		rmdir "$tmp"
	fi
) 9>"$cache/src/.lock"

work=$(mktemp -d "$cache/kernel/.build-$target-XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/build.log
obj=$work/obj
mkdir -p "$obj" "$work/out"

# fail MESSAGE [notail]: keeps the log in the cache and exits
fail() {
	echo "build-kernel: error: $1" >&2
	if [ "${2:-}" != notail ]; then
		echo "build-kernel: last lines of the build log:" >&2
		tail -n 40 "$log" >&2 || true
	fi
	mkdir -p "$cache/kernel/failed"
	cp "$log" "$cache/kernel/failed/$target-$key.log" 2>/dev/null &&
		echo "build-kernel: full log: $cache/kernel/failed/$target-$key.log" >&2
	exit 1
}

# A private tree of hard links, for every kernel: the compiler sees the
# same relative paths whether the kernel is patched or not.  Every file a
# patch touches is copied first so the shared tree is never modified (only
# while it is still a link: a file an earlier patch changed keeps that
# change).
tree=$work/src
cp -al "$srcdir" "$tree"
if [ ${#patches[@]} -gt 0 ]; then
	note "applying ${#patches[@]} patch(es) to a private source tree"
	for p in "${patches[@]}"; do
		note "applying $(basename "$p")"
		sed -n -e 's/^+++ [^/]*\/\([^[:space:]]*\).*/\1/p' -e 's/^--- [^/]*\/\([^[:space:]]*\).*/\1/p' "$p" |
			sort -u | while IFS= read -r f; do
				if [ -f "$tree/$f" ] && [ "$tree/$f" -ef "$srcdir/$f" ]; then
					cp --remove-destination "$srcdir/$f" "$tree/$f.unlink" && mv "$tree/$f.unlink" "$tree/$f"
				fi
			done
		echo "=== patch $(basename "$p")" >>"$log"
		patch -p1 -d "$tree" --forward --batch --no-backup-if-mismatch <"$p" >>"$log" 2>&1 ||
			fail "patch $(basename "$p") does not apply"
	done
fi

# ccache, when installed: paths under $work are hashed relative to the
# objects' directory, which is the same in every build
ccache_args=()
if command -v ccache >/dev/null 2>&1; then
	export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$work CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=4G
	ccache_args=(CC="ccache ${cross}gcc" HOSTCC="ccache gcc")
fi
# the build's own date and host, so that the same inputs give the same
# kernel and ccache its hits
export KBUILD_BUILD_TIMESTAMP="$src_version" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig
kmake() {
	make -C "$tree" O="$obj" ARCH="$arch" ${cross:+CROSS_COMPILE=$cross} "${ccache_args[@]}" "$@" >>"$log" 2>&1
}

note "building $target kernel (key ${key:0:12}), log: $log"
printf '%s\n' "$fragment" >"$work/fragment.config"
kmake "$base" || fail "make $base failed"
(cd "$obj" && "$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$work/fragment.config") \
	>>"$log" 2>&1 || fail "merge_config.sh failed"
kmake olddefconfig || fail "make olddefconfig failed"

# merge_config.sh and olddefconfig drop options whose dependencies are not
# met without saying so: every line of the fragment must be in .config.
missing=()
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$obj/.config" || missing+=("$line (got: $(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo absent))") ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$obj/.config"; then missing+=("$line (got: $(grep "^$sym=" "$obj/.config"))"); fi ;;
	esac
done <<<"$fragment"
if [ ${#missing[@]} -gt 0 ]; then
	for m in "${missing[@]}"; do echo "build-kernel: option not in final .config: $m" >&2; done
	fail "${#missing[@]} fragment option(s) did not survive olddefconfig (unmet dependencies or unknown symbols)" notail
fi

start=$(date +%s)
kmake -j"$jobs" "$make_goal" || fail "make $make_goal failed"
seconds=$(( $(date +%s) - start ))
note "built in $seconds s"

cp "$obj/$image_rel" "$work/out/"
cp "$obj/.config" "$work/out/config"
cp "$obj/System.map" "$work/out/" 2>/dev/null || true
cp "$work/fragment.config" "$work/out/"
{
	printf 'package %s %s\ntarget %s\nbase %s\n' "$src_pkg" "$src_version" "$target" "$base"
	for p in "${patches[@]}"; do printf 'patch %s\n' "$(basename "$p")"; done
	printf 'make %s: %s s with -j%s\n' "$make_goal" "$seconds" "$jobs"
} >"$work/out/info"
cp "$log" "$work/out/build.log"
date -u +%Y-%m-%dT%H:%M:%SZ >"$work/out/stamp"
rm -rf "$kdir"
mv "$work/out" "$kdir"
echo "$image"
