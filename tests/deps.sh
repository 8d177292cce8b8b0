#!/bin/sh
# Install, with apt-get, everything the build and the whole test suite need (Debian bookworm).
# Run as root.  Safe to run again: apt-get skips what is installed.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: run as root (it installs packages with apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# the kernel rig unpacks Debian's arm64 busybox-static for its arm64 guests
dpkg --add-architecture arm64
# a mirror caught mid-sync fails an update now and then: try again before giving up
for try in 1 2 3; do
	apt-get update -q && break
	[ "$try" -lt 3 ] || exit 1
	sleep 10
done
# build: compiler, autotools, libraries; tests: Check, util-linux's cramfs tools as peers,
# fakeroot, busybox for the example rootfs, mmdebstrap for a real Debian rootfs,
# qemu and the kernel source for the kernel rig
apt-get install -y -q --no-install-recommends \
	build-essential autoconf automake libtool pkg-config \
	zlib1g-dev libdeflate-dev libcap-dev libacl1-dev check \
	util-linux util-linux-extra fakeroot busybox-static python3 mmdebstrap ca-certificates \
	file groff-base libcap2-bin acl attr squashfs-tools time \
	linux-source-6.1 bc flex bison libelf-dev libssl-dev cpio xz-utils kmod patch \
	qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	python3-kconfiglib qemu-user-static \
	zlib1g-dev:arm64 libdeflate-dev:arm64 libcap-dev:arm64 libacl1-dev:arm64
