#!/bin/sh
# tests/zlib.sh: the build without libdeflate (configure --without-deflate), which compresses
# with zlib as util-linux does.  Runs the tests whose expectations depend on the compressor:
# the zlib set of golden images, and plain images byte-identical to mkfs.cramfs's at every
# block size (tests/cli/layout.sh), with the round trips and the unit tests.
# Run from anywhere after autoreconf: sh tests/zlib.sh.  Builds in ${TMPDIR:-/tmp}/zlib-build.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${ZLIB_BUILD_DIR:-${TMPDIR:-/tmp}/zlib-build}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
"$src/configure" -q --without-deflate --disable-system-tests
make -j"$(nproc)" >build.log 2>&1 || { tail -n 40 build.log >&2; exit 1; }
comp=$(mkcramfs/mkcramfs --version | sed -n 's/.*compression: //p')
[ "$comp" = zlib ] || { echo "zlib.sh: the build compresses with '$comp', not zlib" >&2; exit 1; }
status=0
make check TESTS="tests/unit/test_format tests/unit/test_lib tests/cli/golden.sh tests/cli/layout.sh \
	tests/cli/roundtrip.sh tests/cli/interop.sh" || status=$?
if [ "$status" -ne 0 ]; then
	for log in tests/*/*.log; do
		case "$log" in *test-suite.log) continue ;; esac
		if grep -q '^FAIL\|^ERROR' "${log%.log}.trs" 2>/dev/null; then
			echo "==== $log"; tail -n 60 "$log"
		fi
	done
fi
exit "$status"
