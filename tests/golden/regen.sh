#!/bin/sh
# Rewrite the golden images with the mkcramfs of a build directory.  Run it for a
# libdeflate build and for a zlib build (configure --without-deflate): each keeps its own set.
set -eu
build=${1:?usage: regen.sh BUILDDIR}
here=$(cd "$(dirname "$0")" && pwd)
comp=$("$build/mkcramfs/mkcramfs" --version | sed -n 's/.*compression: //p')
out="$here/$comp"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fakeroot sh -c "sh '$here/tree.sh' '$tmp/tree' && \
  for e in little big; do for b in 4096 16384; do \
    '$build/mkcramfs/mkcramfs' -N \$e -b \$b -n golden '$tmp/tree' '$out/'\$e-\$b.img || exit 1; done; done"
ls -l "$out"
