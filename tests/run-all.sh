#!/bin/sh
# The whole test suite, from a fresh Debian bookworm machine: install what is needed, build,
# run `make check` (unit tests, CLI tests, interoperability with util-linux, the Debian rootfs
# round trips, and the real-kernel XIP rig under qemu), then `make distcheck`, an arm64 cross
# build, the tests under sanitizers and valgrind, and a fuzzing smoke run.
# Run as root from the source directory: sh tests/run-all.sh
# The build goes to build/ (out of tree), so the other builds below may use the tree too.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
sh tests/deps.sh
autoreconf -fi
mkdir -p build
cd build
../configure
make -j"$(nproc)"
status=0
make -j"$(nproc)" check || status=$?
if [ "$status" -ne 0 ]; then
	for log in tests/*/*.log; do
		case "$log" in *test-suite.log) continue ;; esac
		if grep -q '^FAIL\|^ERROR' "${log%.log}.trs" 2>/dev/null; then
			echo "==== $log"; tail -n 60 "$log"
		fi
	done
	exit "$status"
fi
# the release tarball builds and passes its own unit and CLI tests; the peers' test data
# stays next to the source tree
CRAMFS_PEERS_DIR=$(cd "$top/../shared/peers" 2>/dev/null && pwd || echo "$top/../shared/peers")
export CRAMFS_PEERS_DIR
make distcheck DISTCHECK_CONFIGURE_FLAGS="--disable-system-tests"
cd "$top"
# the zlib build: its golden images, and plain images byte-identical to util-linux mkfs.cramfs's
sh tests/zlib.sh
# cramfsck and mkcramfs cross-built for an arm64 target, as Buildroot builds them, run under qemu
sh tests/cross.sh
# the unit and CLI tests under AddressSanitizer and UBSan; a round trip under valgrind
sh tests/sanitize.sh
# the image reader fuzzer: every saved input replayed, then a short run from a fixed seed
sh fuzz/smoke.sh
