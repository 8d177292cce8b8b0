#!/bin/bash
# Real-kernel tests of cramfs images: builds the test kernels (cached), the
# test trees and images, boots each image under qemu and compares what the
# kernel did with what was expected.
#
#   run-all.sh [--targets "x86_64 arm64-16k arm64-64k"] [--kernels "stock patched debug"]
#              [--series "6.1 6.12"] [--out DIR] [--timeout S]
#
# Every case runs on the kernels of each target: for each Linux series
# (--series, or CRAMFS_KERNEL_SERIES; default 6.1 and 6.12, Debian's
# linux-source-SERIES) the stock kernel and one with that series' cramfs
# patches, kernel/patches/SERIES, and on x86_64 the patched kernel built
# as x86_64-debug (SMP, lockdep, DEBUG_VM; build-kernel.sh), which boots
# with 2 CPUs, runs the fixture and xip cases and then xipstress: 4
# processes faulting the same mappings of every file at once (--kernels, or
# CRAMFS_KERNEL_VARIANTS, picks; "patched" and "debug" are left out when a
# series has no patches).  6.1 runs on every target, 6.12 on x86_64 and
# arm64-64k (series_targets below).  Two kernels of a target boot side by
# side.  A warning, BUG or lockdep report in the kernel log fails any case.
#
# Environment:
#   MKCRAMFS, CRAMFSCK      the project's tools (paths).  Without MKCRAMFS the
#                           plain images come from util-linux mkfs.cramfs and
#                           the mkcramfs cases are skipped; the XIP cases need
#                           `mkcramfs -X` and `cramfsck --xip --json`.
#   CRAMFS_KERNEL_TARGETS   targets when --targets is not given
#   CRAMFS_KERNEL_VARIANTS  kernels when --kernels is not given
#                           (default "stock patched debug")
#   CRAMFS_KERNEL_SERIES    series when --series is not given
#   CRAMFS_KERNEL_PATCHED_TARGETS  targets that get the patched kernels too (default: all)
#   CRAMFS_KERNEL_DEBUG_SERIES  series whose debug kernel runs (default 6.12,
#                           whose .map_pages runs under RCU; "6.1 6.12": both)
#   CRAMFS_KERNEL_PATCHES   the directory of the series' patch directories
#                           (default: kernel/patches of this source tree):
#                           SERIES/*.patch is built with build-kernel.sh
#                           TARGET DIR/SERIES
#   CRAMFS_KERNEL_JOBS      kernels of a target that boot at once (default
#                           2; 1: one after the other)
#   CRAMFS_TEST_CACHE       cache of kernels and guest programs
#                           (default $HOME/.cache/mkcramfs-xip)
#   CRAMFS_KERNEL_TESTS     "require": missing prerequisites fail instead of
#                           skipping (exit 77)
#   CRAMFS_KERNEL_KEEP      1: keep the results directory even when all passed
#                           (it is always kept on a failure, and with --out)
# Cases, for each target and kernel (the block size is the target's page
# size; names are TARGET-CASE on the stock 6.1 kernel, TARGET-patched-CASE
# on the patched one, TARGET-6.12-CASE and TARGET-6.12-patched-CASE on
# 6.12's; TARGET-debug-CASE and TARGET-6.12-debug-CASE on the debug ones):
#   fixture  mkxiptest.py's hand-made XIP image; kernel vs the fixture's own
#            prediction, and vs `cramfsck --xip --json` when available
#   plain    a default image of the test tree: read back, programs run, and
#            no mapping direct
#   xip      `mkcramfs -X` of the test tree: every file's mapping as
#            `cramfsck --xip --json` predicts it, programs run from flash
#   dirents  a tree of only directory entries that end just short of 4096
#            bytes: every name must be listed and found on an MTD mount
#   bugs-lastpage  `mkcramfs --xip-direct-last-page` of files of 1, 2 and 3
#            pages: the stock kernel must read their last page as zeros (an
#            expected failure, verified byte for byte; reading them right
#            fails the case), the patched one must read them right; both map
#            them whole from flash
#   bugs-dirents   a util-linux mkfs.cramfs image whose last entries start
#            less than 264 bytes before its end: the stock kernel must lose
#            exactly those on an MTD mount (expected), the patched one must
#            list and find them all
#   bugs-dirents-loop  the same image on a loop device (the driver's block
#            device path): every entry found on both kernels
#   flashroot-aligned  (arm64) contrib/genimage's example flash image, made by
#            Debian's genimage from the test tree plus guest/rootinit, booted
#            without an initramfs (root=mtd:rootfs, mtdparts= from the command
#            line, the rootfs partition at 4 MiB): the tree, reads, mappings
#            and programs from the root filesystem, as `cramfsck --xip
#            --phys-addr` predicts; text of busybox, hello, libc, ld.so direct
#   flashroot-misaligned  the same image with its partition 4 KiB further:
#            it boots and reads right and maps nothing directly, as predicted
#   bdev-small, bdev-tail  (16K and 64K pages) `mkcramfs` images of one small
#            file and of a 70,000-byte random file on a loop device, which
#            the kernel sees in whole pages: both mount and read back exactly
# On the patched kernel every file mmap must also show in the cramfs_mmap
# trace event, with the pages seen in the guest and the direct pages and
# reason `cramfsck --xip --json` predicts.
# Exit: 0 all passed, 1 a failure, 77 nothing could run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=${CRAMFS_KERNEL_TARGETS:-x86_64 arm64-16k arm64-64k}
variants=${CRAMFS_KERNEL_VARIANTS:-stock patched debug}
series=${CRAMFS_KERNEL_SERIES:-6.1 6.12}
# the targets each series is built for
declare -A series_targets=([6.1]="x86_64 arm64-16k arm64-64k" [6.12]="x86_64 arm64-64k")
out=
timeout_s=120
while [ $# -gt 0 ]; do
	case $1 in
	--targets) targets=$2; shift 2 ;;
	--kernels) variants=$2; shift 2 ;;
	--series) series=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "run-all: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

MKCRAMFS=${MKCRAMFS:-}
CRAMFSCK=${CRAMFSCK:-}
started=$(date +%s)

# ---- prerequisites ----
missing=()
need() { command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt package $2)"); }
need python3 python3
need gcc gcc
need make make
need bc bc
need flex flex
need bison bison
need patch patch
for s in $series; do
	[ -n "${series_targets[$s]:-}" ] || { echo "run-all: unknown series '$s' (${!series_targets[*]})" >&2; exit 2; }
	dpkg-query -W "linux-source-$s" >/dev/null 2>&1 || missing+=("linux-source-$s")
done
[ -x /bin/busybox ] || missing+=("busybox (apt package busybox-static)")
for t in $targets; do
	case $t in
	x86_64) need qemu-system-x86_64 qemu-system-x86 ;;
	arm64-16k|arm64-64k) need qemu-system-aarch64 qemu-system-arm; need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu
		need genimage genimage ;;
	*) echo "run-all: unknown target '$t'" >&2; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || missing+=("root (the test trees hold device nodes and other owners)")
[ -n "$MKCRAMFS" ] || need mkfs.cramfs util-linux-extra
patches=${CRAMFS_KERNEL_PATCHES:-}
if [ -n "$patches" ] && [ ! -d "$patches" ]; then
	echo "run-all: CRAMFS_KERNEL_PATCHES=$patches is not a directory" >&2
	exit 1
fi
[ -n "$patches" ] || patches=$(cd "$here/../.." && pwd)/kernel/patches
for v in $variants; do
	case $v in
	stock|patched|debug) ;;
	*) echo "run-all: unknown kernel '$v' (stock, patched, debug)" >&2; exit 2 ;;
	esac
done
[ -n "${variants// /}" ] || { echo "run-all: no kernel to test" >&2; exit 2; }
# the series whose patched kernels run: those with patches
patched_series=
case " $variants " in
*" patched "* | *" debug "*)
	for s in $series; do
		if ls "$patches/$s"/*.patch >/dev/null 2>&1; then
			patched_series+=" $s"
		else
			echo "run-all: no *.patch in $patches/$s: testing the stock $s kernels only" >&2
		fi
	done ;;
esac
if [ ${#missing[@]} -gt 0 ]; then
	printf 'run-all: missing: %s\n' "${missing[@]}" >&2
	if [ "${CRAMFS_KERNEL_TESTS:-}" = require ]; then exit 1; fi
	echo "run-all: SKIP (see tests/kernel/README.md for the packages)" >&2
	exit 77
fi

have_mk=0 have_mkx=0 have_json=0 have_rule=0 have_lastpage=0 have_ul=0 have_genimage=0
command -v genimage >/dev/null 2>&1 && have_genimage=1
if [ -n "$MKCRAMFS" ]; then
	[ -x "$MKCRAMFS" ] || { echo "run-all: MKCRAMFS=$MKCRAMFS is not executable" >&2; exit 1; }
	have_mk=1
	"$MKCRAMFS" --help 2>&1 | grep -q -- '-X' && have_mkx=1
	"$MKCRAMFS" --help 2>&1 | grep -q -- '--xip-direct-last-page' && have_lastpage=1
fi
if [ -n "$CRAMFSCK" ]; then
	[ -x "$CRAMFSCK" ] || { echo "run-all: CRAMFSCK=$CRAMFSCK is not executable" >&2; exit 1; }
	"$CRAMFSCK" --help 2>&1 | grep -q -- '--json' && have_json=1
	"$CRAMFSCK" --help 2>&1 | grep -q -- '--rule' && have_rule=1
fi
command -v mkfs.cramfs >/dev/null 2>&1 && have_ul=1

remove_out=0
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/cramfs-kernel-tests.XXXXXX")
	[ "${CRAMFS_KERNEL_KEEP:-0}" = 1 ] || remove_out=1
else
	rm -rf "$out"
	mkdir -p "$out"
fi
out=$(cd "$out" && pwd)
[ -n "$patched_series" ] || patches=
echo "run-all: results in $out, series: $series, kernels: $variants${patches:+ (patches: $patches)}" >&2
mkdir -p "$out/records"

npass=0 nfail=0 nskip=0
summary=()
record() { # status name detail
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
	summary+=("$(printf '%-4s %-34s %s' "$1" "$2" "$3")")
	printf 'run-all: %-4s %-34s %s\n' "$1" "$2" "$3" >&2
}

# Inside a kernel's job, results go to a file the main shell reads after it.
records=
vrecord() { # status name detail
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$records"
	printf 'run-all: %-4s %-34s %s\n' "$1" "$2" "$3" >&2
}

# run_case NAME TARGET KERNEL IMAGE DEV MANIFEST DEFAULT_MAPPING TRACE [EXTRA_MANIFEST...]
# Boots the image once and compares the report with each manifest given.
run_case() {
	local name=$1 target=$2 kernel=$3 image=$4 dev=$5 manifest=$6 default=$7 trace=$8
	shift 8
	local dir=$out/$name ok=1 t0 detail devarg=() xiptool=() ps arch
	mkdir -p "$dir"
	t0=$(date +%s)
	[ "$dev" = - ] || devarg=(--dev "$dev")
	ps=$(page_size_of "$target")
	arch=$(arch_of "$target")
	# cramfs-xip on the board: status while programs of the XIP image run,
	# profile after a workload from the compressed one
	case $name in
	*-xip) xiptool=(--xiptool status) ;;
	*-plain) xiptool=(--xiptool profile) ;;
	*-bugs-dirents-loop) xiptool=(--xiptool loop) ;;
	esac
	if [ "$trace" = require ] && { [ "$dev" = loop ] || ! ext_block_pointers "$image"; }; then
		# mmap goes through the driver's direct path, and so emits the
		# event, only for images with extended block pointers mapped in
		# memory
		trace=absent
	fi
	local stressargs=() tmo=$timeout_s
	# the debug kernel is slower, and xipstress runs up to 30 s more
	[ -z "${stress:-}" ] || { stressargs=(--smp 2 --stress "$stress"); tmo=$((timeout_s * 2)); }
	if ! "$here/run-guest.sh" --target "$target" --kernel "$kernel" --image "$image" "${devarg[@]}" \
		"${xiptool[@]}" "${stressargs[@]}" --manifest "$manifest" --timeout "$tmo" --log "$dir/serial.log" \
		--report "$dir/report.txt" 2>"$dir/run-guest.err"; then
		ok=0
		sed "s/^/    $name: /" "$dir/run-guest.err" >&2
	fi
	local xtdetail=
	case ${xiptool[1]:-} in
	status) python3 "$here/xiptoolcheck.py" status --xip --report "$dir/report.txt" >"$dir/xiptool.txt" 2>&1 ;;
	profile) python3 "$here/xiptoolcheck.py" profile --report "$dir/report.txt" --manifest "$manifest" \
		--busybox "${trees[$arch]}/bin/busybox" --page-size "$ps" >"$dir/xiptool.txt" 2>&1 ;;
	loop) python3 "$here/xiptoolcheck.py" loop --report "$dir/report.txt" >"$dir/xiptool.txt" 2>&1 ;;
	*) true ;;
	esac
	if [ $? -ne 0 ]; then
		ok=0
		sed 's/^/    /' "$dir/xiptool.txt" | head -n 40 >&2
	elif [ -n "${xiptool[1]:-}" ]; then
		xtdetail=", $(head -n 1 "$dir/xiptool.txt")"
	fi
	for m in "$manifest" "$@"; do
		if ! python3 "$here/compare.py" --manifest "$m" --report "$dir/report.txt" \
			--default-mapping "$default" --trace "$trace" --behaviours "${behaviours:-ignore}" --label "$name" \
			>"$dir/compare-$(basename "$m").txt"; then
			ok=0
			sed 's/^/    /' "$dir/compare-$(basename "$m").txt" | head -n 40 >&2
		fi
	done
	# a warning, BUG or lockdep report of the kernel fails any case
	if grep -q '^XIPCHECK kmsg-bad ' "$dir/report.txt" 2>/dev/null; then
		ok=0
		grep '^XIPCHECK kmsg-bad ' "$dir/report.txt" | head -n 20 | sed "s/^XIPCHECK kmsg-bad /    $name: kernel: /" >&2
	fi
	# several processes faulting the same mappings at once, on 2 CPUs
	local stdetail=
	if [ -n "${stress:-}" ]; then
		local sdone
		sdone=$(grep '^XIPCHECK stress done ' "$dir/report.txt" 2>/dev/null | tail -n 1)
		if ! grep -q '^XIPCHECK stress start .* cpus=2$' "$dir/report.txt" ||
			! [[ $sdone == *" mismatched=0 noflash=0 failed=0" ]]; then
			ok=0
			grep '^XIPCHECK stress ' "$dir/report.txt" | head -n 20 | sed "s/^/    $name: /" >&2
			[ -n "$sdone" ] || echo "    $name: xipstress did not finish" >&2
		fi
		stdetail=", stress: $(grep '^XIPCHECK stress start ' "$dir/report.txt" | sed -n 's/.* files=\([0-9]*\) workers=\([0-9]*\) rounds=[0-9]* cpus=\([0-9]*\).*/\2 workers on \3 CPUs, \1 files/p')"
		stdetail+=", $(grep '^XIPCHECK stress worker ' "$dir/report.txt" | awk '{for (i = 4; i <= NF; i++) {split($i, kv, "="); t[kv[1]] += kv[2]}} END {printf "%d rounds, %d maps, %d pages checked, %d from flash, %d zaps, %d forks, %d mismatches", t["rounds"], t["maps"], t["pages"], t["flash"], t["zaps"], t["forks"], t["mismatches"]}')"
	fi
	detail="$(grep -h '^XIPCHECK done' "$dir/report.txt" 2>/dev/null | sed 's/^XIPCHECK //'), $(($(date +%s) - t0)) s$xtdetail$stdetail"
	local maps known traced
	maps=$(grep '^XIPCHECK file ' "$dir/report.txt" 2>/dev/null | sed -n 's/.* map=\([a-z]*\) .*/\1/p' | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}')
	[ -n "$maps" ] && detail="$detail, maps: $maps"
	traced=$(grep -c '^XIPCHECK file .* trace=[0-9]' "$dir/report.txt" 2>/dev/null)
	[ "${traced:-0}" -gt 0 ] && detail="$detail, traced: $traced"
	known=$(grep -c '^XIPCHECK .* known=\(last-page-zeros\|dirent-bug\)' "$dir/report.txt" 2>/dev/null)
	[ "${known:-0}" -gt 0 ] && detail="$detail, known bug seen: $known"
	if [ $ok = 1 ]; then vrecord PASS "$name" "$detail"; else vrecord FAIL "$name" "$detail (see $dir)"; fi
}

ram_line() { # name -> "cached +N kB, rss N kB, pf N kB" from the runs
	local r=$out/$1/report.txt
	[ -f "$r" ] || return 0
	local delta rss pf
	delta=$(sed -n 's/^XIPCHECK mem phase=after-runs .*delta=\(-\{0,1\}[0-9]*\).*/\1/p' "$r")
	rss=$(sed -n 's/^XIPCHECK run [0-9]* ok .* rss=\([0-9]*\) .*/\1/p' "$r" | awk '{s+=$1} END {print s+0}')
	pf=$(sed -n 's/^XIPCHECK run [0-9]* ok .* direct=\([0-9]*\) .*/\1/p' "$r" | awk '{s+=$1} END {print s+0}')
	echo "page cache +${delta:-?} kB over the runs, Rss of image mappings ${rss} kB, directly mapped ${pf} kB"
}

ext_block_pointers() { # IMAGE: does its superblock have CRAMFS_FLAG_EXT_BLOCK_POINTERS
	python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read(600)
for off in (0, 512):
    for e in "<>":
        if len(data) >= off + 12 and struct.unpack_from(e + "I", data, off)[0] == 0x28CD3D45:
            sys.exit(0 if struct.unpack_from(e + "I", data, off + 8)[0] & 0x800 else 1)
sys.exit(1)
PY
}

page_size_of() {
	case $1 in x86_64) echo 4096 ;; arm64-16k) echo 16384 ;; arm64-64k) echo 65536 ;; esac
}
arch_of() {
	case $1 in x86_64) echo x86_64 ;; *) echo arm64 ;; esac
}

# Files of 1, 2 and 3 pages and one of a page and a bit, with content that
# does not compress, always the same.
mk_lastpage_tree() { # DIR PAGESIZE
	python3 - "$1" "$2" <<'PY'
import hashlib, os, sys
d, ps = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
def data(n, seed):
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s %d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])
for name, n in (("pages-1.bin", ps), ("pages-2.bin", 2 * ps), ("pages-3.bin", 3 * ps),
                ("tail.bin", ps + 100)):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data(n, name.encode()))
    os.chmod(os.path.join(d, name), 0o644)
os.chmod(d, 0o755)
PY
}

# Every page-multiple file of the image must be mapped whole and stored so
# that the stock kernel's last-page bug shows.
check_lastpage_json() { # cramfsck.json PAGESIZE
	python3 - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ps = int(sys.argv[2])
bad = [f["path"] for f in r["files"]
       if f["size"] % ps == 0 and not (f["mapping"] == "all" and f.get("last_page_read_bug"))]
if bad:
    sys.exit("not mapped whole with a direct last page: " + " ".join(bad))
PY
}

# mkmanifest.py's --expect-map arguments for the text (r-xp) of each program
# below PREFIX, into the array VAR.
expect_maps() { # VAR PREFIX KIND PATH...
	local -n into=$1
	local prefix=$2 kind=$3 p
	shift 3
	into=()
	for p in "$@"; do into+=(--expect-map "$prefix$p r-xp $kind"); done
}

# The test tree as a root filesystem for guest/rootinit: its init, xipcheck,
# the kernel log's patterns of trouble (guest/kmsg-bad.re),
# the device nodes it opens before anything is mounted, and mount points.
mk_root_tree() { # TREE DEST GUESTDIR
	local tree=$1 dest=$2 guestdir=$3 d node
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")" && cp -a "$tree" "$dest" &&
		cp "$here/guest/rootinit" "$dest/init" && cp "$guestdir/xipcheck" "$dest/xipcheck" &&
		cp "$here/guest/kmsg-bad.re" "$dest/kmsg-bad.re" &&
		chmod 755 "$dest/init" "$dest/xipcheck" || return 1
	for d in dev proc sys tmp; do
		[ -d "$dest/$d" ] || mkdir -m 755 "$dest/$d" || return 1
	done
	for node in "console c 5 1 600" "kmsg c 1 11 644" "null c 1 3 666" "mtdblock0 b 31 0 600"; do
		set -- $node
		[ -e "$dest/dev/$1" ] || mknod -m "$5" "$dest/dev/$1" "$2" "$3" "$4" || return 1
	done
}

# contrib/genimage's example flash image for qemu virt's 64 MiB flash1 at
# 0x04000000, made by Debian's genimage from a root tree (mkcramfs -X runs in
# it), and cramfsck's prediction for the rootfs partition at its address.
mk_flash_genimage() { # ROOTFS PAGESIZE DIR
	local rootfs=$1 ps=$2 dir=$3 src
	src=$(cd "$here/../.." && pwd)
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/in" || return 1
	ln -s "$CRAMFSCK" "$dir/bin/cramfsck"
	PATH=$dir/bin:$PATH CRAMFS_XIP_MKCRAMFS=$MKCRAMFS CRAMFS_XIP_PAGE_SIZE=$ps CRAMFS_XIP_FLASH_BASE=0x04000000 \
		genimage --config "$src/contrib/genimage/genimage.cfg" --rootpath "$rootfs" \
		--inputpath "$dir/in" --outputpath "$dir" --tmppath "$dir/tmp" || return 1
	echo 4096 >"$dir/offset-k"
	"$CRAMFSCK" -b "$ps" --xip --json --phys-addr=$((0x04000000 + 4096 * 1024)) "$dir/rootfs.xip-cramfs" \
		>"$dir/cramfsck.json"
}

# The same flash image with the rootfs partition moved to OFFSET_K KiB, and
# cramfsck's prediction there (exit 4 when the address defeats XIP).
mk_flash_moved() { # FROMDIR OFFSET_K DIR PAGESIZE
	local from=$1 off=$2 dir=$3 ps=$4 rc=0
	rm -rf "$dir"
	mkdir -p "$dir" || return 1
	python3 -c 'import sys; open(sys.argv[1], "wb").write(b"\xff" * (64 << 20))' "$dir/flash-xip.img" &&
		dd if="$from/rootfs.xip-cramfs" of="$dir/flash-xip.img" bs=1024 seek="$off" conv=notrunc status=none ||
		return 1
	echo "$off" >"$dir/offset-k"
	"$CRAMFSCK" -b "$ps" --xip --json --phys-addr=$((0x04000000 + off * 1024)) "$from/rootfs.xip-cramfs" \
		>"$dir/cramfsck.json" || rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 4 ]
}

# ---- the images and manifests of one target (shared by its kernels) ----
# cases: "NAME|IMAGE|DEV|DEFAULT_MAPPING|STOCK_MANIFEST|PATCHED_MANIFEST|EXTRA..."
# (DEV: what the guest mounts, "-" for the flash's MTD device)
declare -A trees
prepare() { # TARGET
	local target=$1 ps arch
	ps=$(page_size_of "$target")
	arch=$(arch_of "$target")
	cases=()

	# the hand-made XIP fixture
	local fx=$out/img-$target-fixture
	mkdir -p "$fx"
	local fxruns=(--run "0 - /mnt/bin/busybox true" --expect-map "/mnt/bin/busybox r-xp pf")
	# the page-granular kernel gives a private mapping a mixed map even when it is one run
	local fxruns_page=(--run "0 - /mnt/bin/busybox true" --expect-map "/mnt/bin/busybox r-xp direct")
	local guestdir
	if guestdir=$("$here/build-guest.sh" "$arch") &&
		python3 "$here/mkxiptest.py" --blksize "$ps" --image "$fx/xip.img" --tree "$fx/tree" \
			--json "$fx/predicted.json" --add-direct "busybox=$guestdir/busybox" &&
		python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/predicted.json" "${fxruns[@]}" >"$fx/manifest" &&
		python3 "$here/mkxiptest.py" --blksize "$ps" --image "$fx/xip-page.img" --tree "$fx/tree-page" \
			--json "$fx/predicted-page.json" --rule page --add-direct "busybox=$guestdir/busybox" &&
		cmp -s "$fx/xip.img" "$fx/xip-page.img" &&
		python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/predicted-page.json" "${fxruns_page[@]}" \
			>"$fx/manifest-page"; then
		local mstock=$fx/manifest mpatched=$fx/manifest-page
		if [ $have_json = 1 ]; then
			if "$CRAMFSCK" -b "$ps" --xip --json "$fx/xip.img" >"$fx/cramfsck.json" 2>"$fx/cramfsck.err" &&
				python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/cramfsck.json" "${fxruns[@]}" >"$fx/manifest-cramfsck"; then
				mstock+="+$fx/manifest-cramfsck"
			else
				record FAIL "$target-fixture-cramfsck" "cramfsck --xip --json failed on the fixture: $(head -c 300 "$fx/cramfsck.err")"
			fi
			if [ $have_rule = 1 ]; then
				if "$CRAMFSCK" -b "$ps" --xip --rule=page --json "$fx/xip.img" >"$fx/cramfsck-page.json" 2>"$fx/cramfsck-page.err" &&
					python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/cramfsck-page.json" "${fxruns_page[@]}" >"$fx/manifest-cramfsck-page"; then
					mpatched+="+$fx/manifest-cramfsck-page"
				else
					record FAIL "$target-fixture-cramfsck" "cramfsck --xip --rule=page --json failed on the fixture: $(head -c 300 "$fx/cramfsck-page.err")"
				fi
			fi
		fi
		cases+=("fixture|$fx/xip.img|-|any|$mstock|$mpatched")
	else
		record FAIL "$target-fixture" "mkxiptest.py or mkmanifest.py failed"
	fi

	# the test tree of this architecture, built once
	if [ -z "${trees[$arch]:-}" ]; then
		if "$here/mktesttree.sh" "$arch" "$out/tree-$arch" 2>"$out/tree-$arch.err"; then
			trees[$arch]=$out/tree-$arch
		else
			cat "$out/tree-$arch.err" >&2
			record FAIL "tree-$arch" "mktesttree.sh failed"
			return
		fi
	fi
	local tree=${trees[$arch]} interp libdir
	interp=$(cd "$tree" && ls lib64/ld-linux-x86-64.so.2 lib/ld-linux-aarch64.so.1 2>/dev/null | head -n 1)
	libdir=$(cd "$tree" && ls -d lib/*-linux-gnu | head -n 1)
	# the text of the programs the runs start: how each must be mapped (expect_maps)
	local progs=(/bin/busybox /usr/bin/hello "/$libdir/libc.so.6" "/$interp") xipmaps
	expect_maps xipmaps /mnt direct "${progs[@]}"
	local runs=(--run "0 - /mnt/bin/busybox true"
		--run "0 /mnt /usr/bin/hello chroot"
		--run "3 /mnt /usr/bin/hello exit abc"
		--run "0 - /mnt/$interp --library-path /mnt/$libdir /mnt/usr/bin/hello ld.so"
		--run "0 /mnt /bin/busybox sh -c 'ls /usr/bin >/dev/null'")

	# plain image
	local pl=$out/img-$target-plain ptree=$tree mk
	mkdir -p "$pl"
	if [ $have_mk = 1 ]; then
		mk=("$MKCRAMFS")
	else
		# util-linux shares the data of identical files whatever their modes,
		# and the kernel, numbering inodes by data offset, then shows every
		# copy with the mode of the first one looked up: leave out the copy
		# that differs only in its mode.
		mk=(mkfs.cramfs)
		ptree=$out/tree-$arch-util-linux
		if [ ! -d "$ptree" ]; then
			cp -a "$tree" "$ptree"
			rm -f "$ptree/edge/same/exec-copy"
		fi
	fi
	if "${mk[@]}" -b "$ps" "$ptree" "$pl/plain.img" >"$pl/mkcramfs.log" 2>&1; then
		local pred=()
		if [ $have_json = 1 ] && "$CRAMFSCK" -b "$ps" --xip --json "$pl/plain.img" >"$pl/cramfsck.json" 2>"$pl/cramfsck.err"; then
			pred=(--xip-json "$pl/cramfsck.json")
		elif [ $have_json = 1 ]; then
			record FAIL "$target-plain-cramfsck" "cramfsck --xip --json failed: $(head -c 300 "$pl/cramfsck.err")"
		fi
		python3 "$here/mkmanifest.py" "$ptree" "${pred[@]}" "${runs[@]}" >"$pl/manifest" &&
			cases+=("plain|$pl/plain.img|-|none|$pl/manifest|$pl/manifest")
	else
		record FAIL "$target-plain" "${mk[0]} failed: $(tail -n 3 "$pl/mkcramfs.log" | tr '\n' ' ')"
	fi

	# XIP image from the project's mkcramfs
	if [ $have_mkx = 1 ] && [ $have_json = 1 ]; then
		local xp=$out/img-$target-xip
		mkdir -p "$xp"
		if "$MKCRAMFS" -b "$ps" -X "$tree" "$xp/xip.img" >"$xp/mkcramfs.log" 2>&1 &&
			"$CRAMFSCK" -b "$ps" --xip --json "$xp/xip.img" >"$xp/cramfsck.json" 2>"$xp/cramfsck.err"; then
			local xpatched=$xp/manifest
			if [ $have_rule = 1 ]; then
				# the patched kernel maps by the page-granular rule
				xpatched=$xp/manifest-page
				"$CRAMFSCK" -b "$ps" --xip --rule=page --json "$xp/xip.img" >"$xp/cramfsck-page.json" \
					2>"$xp/cramfsck-page.err" &&
					python3 "$here/mkmanifest.py" "$tree" --xip-json "$xp/cramfsck-page.json" "${runs[@]}" \
						"${xipmaps[@]}" >"$xpatched" ||
					record FAIL "$target-xip" "cramfsck --xip --rule=page --json failed (see $xp)"
			fi
			python3 "$here/mkmanifest.py" "$tree" --xip-json "$xp/cramfsck.json" "${runs[@]}" \
				"${xipmaps[@]}" \
				>"$xp/manifest" && [ -s "$xpatched" ] &&
				cases+=("xip|$xp/xip.img|-|any|$xp/manifest|$xpatched")
		else
			record FAIL "$target-xip" "mkcramfs -X or cramfsck --xip --json failed (see $xp)"
		fi
	else
		record SKIP "$target-xip" "needs MKCRAMFS with -X and CRAMFSCK with --xip --json"
	fi

	# an image that ends right after its directory entries
	if [ $have_mk = 1 ]; then
		local de=$out/img-$target-dirents i
		mkdir -p "$de/tree/d"
		# 166 entries of 24 bytes end 20 bytes short of 4096: on an MTD mount
		# the stock kernel drops the last ones unless the image's size leaves
		# room for its 264-byte directory reads (util-linux images lose 10 here)
		for i in $(seq -w 1 166); do : >"$de/tree/d/entry-$i"; done
		chmod 755 "$de/tree" "$de/tree/d"
		chmod 644 "$de/tree"/d/*
		if "$MKCRAMFS" -b "$ps" "$de/tree" "$de/dirents.img" >"$de/mkcramfs.log" 2>&1 &&
			python3 "$here/mkmanifest.py" "$de/tree" >"$de/manifest"; then
			cases+=("dirents|$de/dirents.img|-|none|$de/manifest|$de/manifest")
		else
			record FAIL "$target-dirents" "mkcramfs failed: $(tail -n 3 "$de/mkcramfs.log" | tr '\n' ' ')"
		fi
	else
		record SKIP "$target-dirents" "needs MKCRAMFS"
	fi

	# images on a block device (loop), which the kernel sees in whole pages:
	# an image under one page and one whose size is not a whole number of
	# pages both lost their tail when images were rounded to 4096 only
	if [ $have_mk = 1 ] && [ "$ps" -gt 4096 ]; then
		local bd=$out/img-$target-bdev kind
		for kind in small tail; do
			mkdir -p "$bd/$kind"
			case $kind in
			small) printf 'one small file\n' >"$bd/$kind/small" ;;
			tail) python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(70000).randbytes(70000))' \
				>"$bd/$kind/random" ;;
			esac
			chmod 755 "$bd/$kind"
			chmod 644 "$bd/$kind"/*
			if "$MKCRAMFS" -b "$ps" "$bd/$kind" "$bd/$kind.img" >"$bd/$kind.log" 2>&1 &&
				python3 "$here/mkmanifest.py" "$bd/$kind" >"$bd/$kind.manifest"; then
				cases+=("bdev-$kind|$bd/$kind.img|loop|none|$bd/$kind.manifest|$bd/$kind.manifest")
			else
				record FAIL "$target-bdev-$kind" "mkcramfs failed: $(tail -n 3 "$bd/$kind.log" | tr '\n' ' ')"
			fi
		done
	fi

	# a whole flash image booted with its root filesystem in place (arm64):
	# contrib/genimage's example assembles it, with the XIP image of the test
	# tree in the partition "rootfs" at 4 MiB; a copy with the partition 4 KiB
	# further, where a 16K or 64K kernel maps nothing directly
	if [ "$arch" = arm64 ] && [ $have_mkx = 1 ] && [ $have_json = 1 ] && [ $have_genimage = 1 ]; then
		local fr=$out/img-$target-flashroot kind parts
		if ! mk_root_tree "$tree" "$fr/rootfs" "$guestdir"; then
			record FAIL "$target-flashroot" "mk_root_tree failed"
		elif ! mk_flash_genimage "$fr/rootfs" "$ps" "$fr/aligned" >"$fr/aligned.log" 2>&1; then
			record FAIL "$target-flashroot" "genimage failed: $(tail -n 3 "$fr/aligned.log" | tr '\n' ' ')"
		else
			mk_flash_moved "$fr/aligned" $((4096 + 4)) "$fr/misaligned" "$ps" >"$fr/misaligned.log" 2>&1 ||
				record FAIL "$target-flashroot-misaligned" "the moved flash image failed (see $fr/misaligned.log)"
			for kind in aligned misaligned; do
				# aligned: the text runs from flash; misaligned: from the page cache
				local maps text=direct default=any
				[ $kind = aligned ] || { text=page; default=none; }
				expect_maps maps "" "$text" "${progs[@]}"
				[ -f "$fr/$kind/cramfsck.json" ] || continue
				parts="$(cat "$fr/$kind/offset-k")k(boot),-(rootfs)"
				if python3 "$here/mkmanifest.py" "$fr/rootfs" --xip-json "$fr/$kind/cramfsck.json" \
					--run "0 - /bin/busybox true" --run "0 / /usr/bin/hello chroot" \
					--run "3 - /usr/bin/hello exit abc" \
					--run "0 - /$interp --library-path /$libdir /usr/bin/hello ld.so" \
					--run "0 - /bin/busybox sh -c 'ls /usr/bin >/dev/null'" \
					"${maps[@]}" >"$fr/$kind/manifest"; then
					cases+=("flashroot-$kind|$fr/$kind/flash-xip.img|root:$parts|$default|$fr/$kind/manifest|$fr/$kind/manifest")
				else
					record FAIL "$target-flashroot-$kind" "mkmanifest.py failed"
				fi
			done
		fi
	fi

	# the last-page bug: page-multiple files stored all direct
	if [ $have_lastpage = 1 ] && [ $have_json = 1 ]; then
		local lp=$out/img-$target-bugs-lastpage
		mkdir -p "$lp"
		if mk_lastpage_tree "$lp/tree" "$ps" &&
			"$MKCRAMFS" -b "$ps" --xip='*.bin' --xip-direct-last-page "$lp/tree" "$lp/lastpage.img" >"$lp/mkcramfs.log" 2>&1 &&
			"$CRAMFSCK" -b "$ps" --xip --json "$lp/lastpage.img" >"$lp/cramfsck.json" 2>"$lp/cramfsck.err"; then
			local why
			if ! why=$(check_lastpage_json "$lp/cramfsck.json" "$ps" 2>&1); then
				record FAIL "$target-bugs-lastpage" "the image does not show the bug: $why"
			elif python3 "$here/mkmanifest.py" "$lp/tree" --xip-json "$lp/cramfsck.json" >"$lp/manifest" &&
				python3 "$here/mkmanifest.py" "$lp/tree" --xip-json "$lp/cramfsck.json" --known-read-bug >"$lp/manifest-stock"; then
				cases+=("bugs-lastpage|$lp/lastpage.img|-|any|$lp/manifest-stock|$lp/manifest")
			else
				record FAIL "$target-bugs-lastpage" "mkmanifest.py failed"
			fi
		else
			record FAIL "$target-bugs-lastpage" "mkcramfs --xip-direct-last-page or cramfsck failed (see $lp)"
		fi
	else
		record SKIP "$target-bugs-lastpage" "needs MKCRAMFS with --xip-direct-last-page and CRAMFSCK with --json"
	fi

	# the directory-read bug: a util-linux image whose entries end 20 bytes
	# before its end (util-linux pads to the block size): (PS - 112) / 24
	# entries after the 76-byte superblock and the 16-byte entry of /d
	if [ $have_ul = 1 ]; then
		local ud=$out/img-$target-bugs-dirents
		mkdir -p "$ud/tree/d"
		(cd "$ud/tree/d" && seq -f 'entry-%04g' 1 $(((ps - 112) / 24)) | xargs touch)
		chmod 755 "$ud/tree" "$ud/tree/d"
		chmod 644 "$ud/tree"/d/*
		if mkfs.cramfs -b "$ps" "$ud/tree" "$ud/dirents.img" >"$ud/mkfs.log" 2>&1 &&
			python3 "$here/mkmanifest.py" "$ud/tree" >"$ud/manifest" &&
			python3 "$here/mkmanifest.py" "$ud/tree" --known-dirent-bug "$ud/dirents.img" >"$ud/manifest-stock"; then
			if grep -q '^knownbug missing ' "$ud/manifest-stock"; then
				cases+=("bugs-dirents|$ud/dirents.img|-|none|$ud/manifest-stock|$ud/manifest")
				# the same image through the block device path, where both
				# kernels must find every entry
				cases+=("bugs-dirents-loop|$ud/dirents.img|loop|none|$ud/manifest|$ud/manifest")
			else
				record FAIL "$target-bugs-dirents" "the util-linux image does not show the bug (no entry within 264 bytes of its end)"
			fi
		else
			record FAIL "$target-bugs-dirents" "mkfs.cramfs or mkmanifest.py failed: $(tail -n 3 "$ud/mkfs.log" | tr '\n' ' ')"
		fi
	else
		record SKIP "$target-bugs-dirents" "needs util-linux mkfs.cramfs"
	fi
}

# ---- every case of a target on one kernel; results to $records ----
kernel_prefix() { # TARGET SERIES VARIANT: the name of a kernel's cases
	local p=$1
	[ "$2" = 6.1 ] || p+=-$2
	[ "$3" = stock ] || p+=-$3
	echo "$p"
}

kernel_args() { # TARGET SERIES VARIANT: build-kernel.sh's arguments, in kargs
	case $3 in
	stock) kargs=("$1") ;;
	patched) kargs=("$1" "$patches/$2") ;;
	debug) kargs=("$1-debug" "$patches/$2") ;; # with SMP, lockdep and DEBUG_VM
	esac
}

run_kernel() { # TARGET SERIES VARIANT
	local target=$1 ser=$2 variant=$3 kernel t0 prefix trace=ignore behaviours=stock c kargs stress=
	prefix=$(kernel_prefix "$target" "$ser" "$variant")
	records=$out/records/$prefix
	: >"$records"
	kernel_args "$target" "$ser" "$variant"
	if [ "$variant" != stock ]; then
		trace=require
		behaviours=page
	fi
	[ "$variant" != debug ] || stress=4
	t0=$(date +%s)
	if ! kernel=$(LINUX_SOURCE_PKG=linux-source-$ser "$here/build-kernel.sh" "${kargs[@]}" \
		2>"$out/kernel-$prefix.err"); then
		cat "$out/kernel-$prefix.err" >&2
		vrecord FAIL "$prefix/kernel" "build failed (see $out/kernel-$prefix.err)"
		return
	fi
	echo "run-all: $prefix kernel (Linux $ser) ready in $(($(date +%s) - t0)) s: $kernel" >&2
	for c in "${cases[@]}"; do
		local name image dev default mstock mpatched rest extra=()
		IFS='|' read -r name image dev default mstock mpatched rest <<<"$c"
		# the debug kernel runs the page-granular cases
		[ "$variant" != debug ] || [ "$name" = fixture ] || [ "$name" = xip ] || continue
		[ -z "${rest:-}" ] || IFS='|' read -r -a extra <<<"$rest"
		# a kernel's manifests: the first, then more joined with '+'
		local mine
		if [ "$variant" = stock ]; then mine=$mstock; else mine=$mpatched; fi
		IFS='+' read -r -a mine <<<"$mine"
		run_case "$prefix-$name" "$target" "$kernel" "$image" "$dev" "${mine[0]}" "$default" "$trace" \
			"${mine[@]:1}" "${extra[@]}"
	done
	for c in fixture plain xip; do
		[ -f "$out/$prefix-$c/report.txt" ] &&
			printf 'RAM\t%s\t%s\n' "$prefix $c" "$(ram_line "$prefix-$c")" >>"$records"
	done
}

jobs=${CRAMFS_KERNEL_JOBS:-2}
for target in $targets; do
	# this target's kernels: each series built for it, stock and (where
	# CRAMFS_KERNEL_PATCHED_TARGETS, default all, names it) patched
	kernels=()
	for s in $series; do
		case " ${series_targets[$s]} " in *" $target "*) ;; *) continue ;; esac
		for v in $variants; do
			# the debug kernel is built for x86_64 only, and of the
			# series CRAMFS_KERNEL_DEBUG_SERIES names (default 6.12)
			if [ "$v" = debug ]; then
				[ "$target" = x86_64 ] || continue
				case " ${CRAMFS_KERNEL_DEBUG_SERIES-6.12} " in *" $s "*) ;; *) continue ;; esac
			fi
			if [ "$v" != stock ]; then
				case " $patched_series " in *" $s "*) ;; *) continue ;; esac
				case " ${CRAMFS_KERNEL_PATCHED_TARGETS-$targets} " in *" $target "*) ;; *) continue ;; esac
			fi
			kernels+=("$s $v")
		done
	done
	[ ${#kernels[@]} -gt 0 ] || { record SKIP "$target" "no series is built for $target"; continue; }
	prepare "$target"
	# The kernels are built one after the other before any boots, stock
	# first: with ccache a patched kernel then compiles only what its
	# patches change (built side by side, both would compile everything).
	# A failure here is reported by run_kernel, which asks again.
	for k in "${kernels[@]}"; do
		# shellcheck disable=SC2086
		set -- $k
		kernel_args "$target" "$1" "$2"
		t0=$(date +%s)
		if LINUX_SOURCE_PKG=linux-source-$1 "$here/build-kernel.sh" "${kargs[@]}" >/dev/null \
			2>"$out/kernel-build-$(kernel_prefix "$target" "$1" "$2").err"; then
			echo "run-all: $(kernel_prefix "$target" "$1" "$2") kernel (Linux $1) built or found in $(($(date +%s) - t0)) s" >&2
		fi
	done
	running=0
	for k in "${kernels[@]}"; do
		# shellcheck disable=SC2086
		if [ "$jobs" -gt 1 ]; then
			if [ $running -ge "$jobs" ]; then
				wait -n
				running=$((running - 1))
			fi
			run_kernel "$target" $k &
			running=$((running + 1))
		else
			run_kernel "$target" $k
		fi
	done
	wait
	for k in "${kernels[@]}"; do
		# shellcheck disable=SC2086
		while IFS=$'\t' read -r st name detail; do
			case $st in
			RAM) summary+=("RAM  $name: $detail") ;;
			*) case $st in PASS) npass=$((npass + 1)) ;; FAIL) nfail=$((nfail + 1)) ;; SKIP) nskip=$((nskip + 1)) ;; esac
			   summary+=("$(printf '%-4s %-34s %s' "$st" "$name" "$detail")") ;;
			esac
		done <"$out/records/$(kernel_prefix "$target" $k)"
	done
done

echo
echo "cramfs kernel tests ($targets; series: $series; kernels: $variants${patches:+, patched from $patches}), $(($(date +%s) - started)) s, results in $out:"
printf '  %s\n' "${summary[@]}"
echo "kernel-tests: $npass passed, $nfail failed, $nskip skipped"
if [ $nfail -gt 0 ]; then exit 1; fi
if [ $remove_out = 1 ]; then
	rm -rf "$out"
	echo "(all passed: $out removed; set CRAMFS_KERNEL_KEEP=1 or --out DIR to keep the logs)"
fi
if [ $npass -eq 0 ]; then exit 77; fi
exit 0
