#!/bin/bash
# Build the guest-side programs for one architecture into the cache.
#
#   build-guest.sh x86_64|arm64
#
# Prints a directory holding `xipcheck` and `xipstress` (static, built from
# guest/xipcheck.c and guest/xipstress.c),
# `cramfs-xip` (static, the board's tool of this source tree, libc only) and
# `busybox` (Debian's busybox-static for that architecture).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
xiptool=$(cd "$here/../../cramfs-xip" && pwd)
libdir=$(cd "$here/../../lib" && pwd)
cache=${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}

die() { echo "build-guest: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build-guest.sh x86_64|arm64"
arch=$1
case $arch in
x86_64) cc=gcc; debarch=amd64 ;;
arm64) cc=aarch64-linux-gnu-gcc; debarch=arm64 ;;
*) die "unknown architecture '$arch'" ;;
esac
command -v "$cc" >/dev/null || die "$cc not found"

# busybox-static of the target architecture, unpacked once into the cache
busybox_for() {
	local bbdir=$cache/userland/$debarch
	if [ "$debarch" = "$(dpkg --print-architecture)" ]; then
		[ -x /bin/busybox ] && dpkg-query -W busybox-static >/dev/null 2>&1 ||
			die "busybox-static is not installed (apt-get install busybox-static)"
		echo /bin/busybox
		return
	fi
	if [ ! -x "$bbdir/bin/busybox" ]; then
		mkdir -p "$cache/userland"
		local tmp
		tmp=$(mktemp -d "$cache/userland/.dl.XXXXXX")
		(cd "$tmp" && apt-get download "busybox-static:$debarch" >"$tmp/log" 2>&1) || {
			cat "$tmp/log" >&2; rm -rf "$tmp"
			die "cannot download busybox-static:$debarch; run: dpkg --add-architecture $debarch && apt-get update"
		}
		dpkg -x "$tmp"/busybox-static_*.deb "$tmp/root"
		[ -x "$tmp/root/bin/busybox" ] || { rm -rf "$tmp"; die "no bin/busybox in busybox-static:$debarch"; }
		rm -rf "$bbdir"
		mv "$tmp/root" "$bbdir"
		rm -rf "$tmp"
	fi
	echo "$bbdir/bin/busybox"
}

bb=$(busybox_for)
key=$( { echo "$arch"; "$cc" --version | head -n 1; cat "$here/guest/xipcheck.c" "$here/guest/xipstress.c" "$self" "$xiptool"/*.[ch] "$libdir"/xipprofile.[ch] "$libdir"/cli.[ch]; sha256sum "$bb"; } | sha256sum | cut -c1-16)
out=$cache/guest/$arch-$key
if [ ! -f "$out/stamp" ]; then
	mkdir -p "$cache/guest"
	tmp=$(mktemp -d "$cache/guest/.build.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	"$cc" -static -O2 -Wall -Wextra -o "$tmp/xipcheck" "$here/guest/xipcheck.c" ||
		die "compiling xipcheck for $arch failed"
	"$cc" -static -O2 -Wall -Wextra -o "$tmp/xipstress" "$here/guest/xipstress.c" ||
		die "compiling xipstress for $arch failed"
	"$cc" -static -O2 -std=gnu11 -Wall -Wextra -DPACKAGE_VERSION='"(test guest)"' -o "$tmp/cramfs-xip" \
		-I"$libdir" "$xiptool/main.c" "$libdir/xipprofile.c" "$libdir/cli.c" ||
		die "compiling cramfs-xip for $arch failed"
	cp "$bb" "$tmp/busybox"
	touch "$tmp/stamp"
	rm -rf "$out"
	mv "$tmp" "$out"
	trap - EXIT
fi
echo "$out"
