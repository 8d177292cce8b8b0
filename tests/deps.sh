#!/bin/sh
# Install, with apt-get, what the project needs on Debian bookworm.  Run as root.
#   deps.sh          everything the build and the whole test suite need
#   deps.sh --build  only what building and the README's example need
# Safe to run again: apt-get skips what is installed.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

# build: compiler, autotools, libraries, Check; the example: fakeroot, busybox
build="build-essential autoconf automake libtool pkg-config zlib1g-dev libdeflate-dev libcap-dev libacl1-dev
	check fakeroot busybox-static python3"
# tests: util-linux's cramfs tools as peers, file capabilities/ACLs/xattrs, mmdebstrap for a real
# Debian rootfs, squashfs-tools and time for the benchmark, the Buildroot/Yocto checks, genimage for
# the NOR flash images (contrib/genimage), clang's libFuzzer and valgrind for the reliability checks
tests="util-linux util-linux-extra mmdebstrap ca-certificates file groff-base libcap2-bin acl attr
	squashfs-tools time python3-kconfiglib genimage clang libclang-rt-14-dev valgrind"
# the kernel rig: Linux source, its build tools, qemu, the arm64 and riscv64 cross compilers, dtc
# for the riscv64 no-MMU board's device tree; arm64 libraries for the cross build (the rig also
# unpacks Debian's arm64 busybox-static)
kernel="linux-source-6.1 linux-source-6.12 ccache bc flex bison libelf-dev libssl-dev cpio xz-utils kmod patch
	qemu-system-x86 qemu-system-arm qemu-system-misc qemu-user-static gcc-aarch64-linux-gnu
	gcc-riscv64-linux-gnu device-tree-compiler libc6-dev-arm64-cross
	zlib1g-dev:arm64 libdeflate-dev:arm64 libcap-dev:arm64 libacl1-dev:arm64"

if [ "${1:-}" = --build ]; then
	packages=$build
else
	dpkg --add-architecture arm64
	packages="$build $tests $kernel"
fi
# a mirror caught mid-sync fails an update now and then: try again before giving up
for try in 1 2 3; do
	apt-get update -q && break
	[ "$try" -lt 3 ] || exit 1
	sleep 10
done
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $packages
