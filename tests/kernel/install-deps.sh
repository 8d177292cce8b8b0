#!/bin/sh
# Install what the kernel tests need on Debian bookworm (run as root).
# busybox-static:arm64 is not installed: build-guest.sh downloads and unpacks
# it into the cache, which needs the arm64 architecture added here.
# qemu-system-misc, gcc-riscv64-linux-gnu and device-tree-compiler are for the
# riscv64-nommu target (run-nommu.sh): its guest programs are freestanding,
# so no riscv64 libc is needed.
set -eu
dpkg --add-architecture arm64
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
	linux-source-6.1 linux-source-6.12 ccache build-essential bc flex bison libelf-dev libssl-dev \
	xz-utils patch python3 qemu-system-x86 qemu-system-arm \
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross busybox-static util-linux-extra \
	qemu-system-misc gcc-riscv64-linux-gnu device-tree-compiler
