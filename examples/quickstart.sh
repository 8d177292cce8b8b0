#!/bin/sh
# From a fresh Debian bookworm machine: install what is needed, build, and make an XIP image
# of the example rootfs (busybox-static, an /etc, data files, device nodes), checked by cramfsck.
# Run as root from the source directory: sh examples/quickstart.sh
# The build goes to build/ (out of tree), where tests/run-all.sh builds too.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/deps.sh --build
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure
make -j"$(nproc)"
make example
