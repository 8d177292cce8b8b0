#!/bin/sh
# The fixed tree behind the golden images.  Needs root or fakeroot (owners, device nodes).
# Everything is explicit (content, modes, owners), so the tree is the same on every host.
set -eu
d=${1:?usage: tree.sh DEST}
umask 022
mkdir "$d" "$d/bin" "$d/dev" "$d/etc" "$d/empty" "$d/data" "$d/data/deep" "$d/data/deep/er"
i=0
while [ $i -lt 400 ]; do echo "line $i of a compressible text file"; i=$((i + 1)); done >"$d/data/text"
cp "$d/data/text" "$d/data/deep/er/text-copy"
printf 'x' >"$d/data/one"
: >"$d/data/empty"
# 12 KiB, block-size-independent pattern with a zero page in the middle
awk 'BEGIN { for (i = 0; i < 4096; i++) printf "%c", 65 + (i * 7) % 26;
             for (i = 0; i < 4096; i++) printf "%c", 0;
             for (i = 0; i < 4096; i++) printf "%c", 97 + (i * 13) % 26 }' >"$d/data/pages"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$d/etc/passwd"
printf 'golden\n' >"$d/etc/hostname"
ln -s ../data/text "$d/bin/link"
ln -s /nonexistent "$d/bin/dangling"
mkfifo "$d/dev/fifo"
mknod "$d/dev/null" c 1 3
mknod "$d/dev/sda" b 8 0
for n in B a _ Z a.b a-b; do printf '%s\n' "$n" >"$d/etc/$n"; done
# owners first: chown clears set-id bits
chown -R 0:0 "$d"
chown 1000:100 "$d/data/text" "$d/data/deep"
chown -h 5:5 "$d/bin/link"
chmod 4755 "$d/data/one"
chmod 1777 "$d/empty"
chmod 0600 "$d/etc/passwd"
