#!/bin/bash
# Real-kernel tests of cramfs images: builds the test kernels (cached), the
# test trees and images, boots each image under qemu and compares what the
# kernel did with what was expected.
#
#   run-all.sh [--targets "x86_64 arm64-16k arm64-64k"] [--out DIR] [--timeout S]
#
# Environment:
#   MKCRAMFS, CRAMFSCK      the project's tools (paths).  Without MKCRAMFS the
#                           plain images come from util-linux mkfs.cramfs and
#                           the mkcramfs cases are skipped; the XIP cases need
#                           `mkcramfs -X` and `cramfsck --xip --json`.
#   CRAMFS_KERNEL_TARGETS   targets when --targets is not given
#   CRAMFS_TEST_CACHE       cache of kernels and guest programs
#                           (default $HOME/.cache/mkcramfs-xip)
#   CRAMFS_KERNEL_TESTS     "require": missing prerequisites fail instead of
#                           skipping (exit 77)
#   CRAMFS_KERNEL_PATCHES   a directory of *.patch files: test a kernel built
#                           with them (build-kernel.sh TARGET PATCHDIR)
#   CRAMFS_KERNEL_KEEP      1: keep the results directory even when all passed
#                           (it is always kept on a failure, and with --out)
# Cases, for each target (the block size is the target's page size):
#   fixture  mkxiptest.py's hand-made XIP image; kernel vs the fixture's own
#            prediction, and vs `cramfsck --xip --json` when available
#   plain    a default image of the test tree: read back, programs run, and
#            no mapping direct
#   xip      `mkcramfs -X` of the test tree: every file's mapping as
#            `cramfsck --xip --json` predicts it, programs run from flash
#   dirents  a tree of only directory entries that end just short of 4096
#            bytes: every name must be listed and found on an MTD mount
# Exit: 0 all passed, 1 a failure, 77 nothing could run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=${CRAMFS_KERNEL_TARGETS:-x86_64 arm64-16k arm64-64k}
out=
timeout_s=120
while [ $# -gt 0 ]; do
	case $1 in
	--targets) targets=$2; shift 2 ;;
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
dpkg-query -W linux-source-6.1 >/dev/null 2>&1 || missing+=("linux-source-6.1")
[ -x /bin/busybox ] || missing+=("busybox (apt package busybox-static)")
for t in $targets; do
	case $t in
	x86_64) need qemu-system-x86_64 qemu-system-x86 ;;
	arm64-16k|arm64-64k) need qemu-system-aarch64 qemu-system-arm; need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu ;;
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
if [ ${#missing[@]} -gt 0 ]; then
	printf 'run-all: missing: %s\n' "${missing[@]}" >&2
	if [ "${CRAMFS_KERNEL_TESTS:-}" = require ]; then exit 1; fi
	echo "run-all: SKIP (see tests/kernel/README.md for the packages)" >&2
	exit 77
fi

have_mk=0 have_mkx=0 have_json=0
if [ -n "$MKCRAMFS" ]; then
	[ -x "$MKCRAMFS" ] || { echo "run-all: MKCRAMFS=$MKCRAMFS is not executable" >&2; exit 1; }
	have_mk=1
	"$MKCRAMFS" --help 2>&1 | grep -q -- '-X' && have_mkx=1
fi
if [ -n "$CRAMFSCK" ]; then
	[ -x "$CRAMFSCK" ] || { echo "run-all: CRAMFSCK=$CRAMFSCK is not executable" >&2; exit 1; }
	"$CRAMFSCK" --help 2>&1 | grep -q -- '--json' && have_json=1
fi

remove_out=0
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/cramfs-kernel-tests.XXXXXX")
	[ "${CRAMFS_KERNEL_KEEP:-0}" = 1 ] || remove_out=1
else
	rm -rf "$out"
	mkdir -p "$out"
fi
out=$(cd "$out" && pwd)
echo "run-all: results in $out" >&2

npass=0 nfail=0 nskip=0
summary=()
record() { # status name detail
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
	summary+=("$(printf '%-4s %-26s %s' "$1" "$2" "$3")")
	printf 'run-all: %-4s %-26s %s\n' "$1" "$2" "$3" >&2
}

# run_case NAME TARGET KERNEL IMAGE MANIFEST DEFAULT_MAPPING [EXTRA_MANIFEST...]
# Boots the image once and compares the report with each manifest given.
run_case() {
	local name=$1 target=$2 kernel=$3 image=$4 manifest=$5 default=$6
	shift 6
	local dir=$out/$name ok=1 t0 detail
	mkdir -p "$dir"
	t0=$(date +%s)
	if ! "$here/run-guest.sh" --target "$target" --kernel "$kernel" --image "$image" \
		--manifest "$manifest" --timeout "$timeout_s" --log "$dir/serial.log" \
		--report "$dir/report.txt" 2>"$dir/run-guest.err"; then
		ok=0
		sed 's/^/    /' "$dir/run-guest.err" >&2
	fi
	for m in "$manifest" "$@"; do
		if ! python3 "$here/compare.py" --manifest "$m" --report "$dir/report.txt" \
			--default-mapping "$default" --label "$name" >"$dir/compare-$(basename "$m").txt"; then
			ok=0
			sed 's/^/    /' "$dir/compare-$(basename "$m").txt" | head -n 40 >&2
		fi
	done
	detail="$(grep -h '^XIPCHECK done' "$dir/report.txt" 2>/dev/null | sed 's/^XIPCHECK //'), $(($(date +%s) - t0)) s"
	local maps
	maps=$(grep '^XIPCHECK file ' "$dir/report.txt" 2>/dev/null | sed -n 's/.* map=\([a-z]*\) .*/\1/p' | sort | uniq -c | awk '{printf "%s%s=%s", sep, $2, $1; sep=" "}')
	[ -n "$maps" ] && detail="$detail, maps: $maps"
	if [ $ok = 1 ]; then record PASS "$name" "$detail"; else record FAIL "$name" "$detail (see $dir)"; fi
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

page_size_of() {
	case $1 in x86_64) echo 4096 ;; arm64-16k) echo 16384 ;; arm64-64k) echo 65536 ;; esac
}
arch_of() {
	case $1 in x86_64) echo x86_64 ;; *) echo arm64 ;; esac
}

declare -A trees
for target in $targets; do
	ps=$(page_size_of "$target")
	arch=$(arch_of "$target")
	t0=$(date +%s)
	if ! kernel=$("$here/build-kernel.sh" "$target" ${patches:+"$patches"} 2>"$out/kernel-$target.err"); then
		cat "$out/kernel-$target.err" >&2
		record FAIL "$target/kernel" "build failed (see $out/kernel-$target.err)"
		continue
	fi
	echo "run-all: $target kernel ready in $(($(date +%s) - t0)) s: $kernel" >&2

	# the hand-made XIP fixture
	fx=$out/$target-fixture
	mkdir -p "$fx"
	fxruns=(--run "0 - /mnt/bin/busybox true" --expect-map "/mnt/bin/busybox r-xp pf")
	if guestdir=$("$here/build-guest.sh" "$arch") &&
		python3 "$here/mkxiptest.py" --blksize "$ps" --image "$fx/xip.img" --tree "$fx/tree" \
			--json "$fx/predicted.json" --add-direct "busybox=$guestdir/busybox" &&
		python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/predicted.json" "${fxruns[@]}" >"$fx/manifest"; then
		extra=()
		if [ $have_json = 1 ]; then
			if "$CRAMFSCK" -b "$ps" --xip --json "$fx/xip.img" >"$fx/cramfsck.json" 2>"$fx/cramfsck.err" &&
				python3 "$here/mkmanifest.py" "$fx/tree" --xip-json "$fx/cramfsck.json" "${fxruns[@]}" >"$fx/manifest-cramfsck"; then
				extra+=("$fx/manifest-cramfsck")
			else
				record FAIL "$target/fixture-cramfsck" "cramfsck --xip --json failed on the fixture: $(head -c 300 "$fx/cramfsck.err")"
			fi
		fi
		run_case "$target-fixture" "$target" "$kernel" "$fx/xip.img" "$fx/manifest" any "${extra[@]}"
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
			continue
		fi
	fi
	tree=${trees[$arch]}
	interp=$(cd "$tree" && ls lib64/ld-linux-x86-64.so.2 lib/ld-linux-aarch64.so.1 2>/dev/null | head -n 1)
	libdir=$(cd "$tree" && ls -d lib/*-linux-gnu | head -n 1)
	runs=(--run "0 - /mnt/bin/busybox true"
		--run "0 /mnt /usr/bin/hello chroot"
		--run "3 /mnt /usr/bin/hello exit abc"
		--run "0 - /mnt/$interp --library-path /mnt/$libdir /mnt/usr/bin/hello ld.so"
		--run "0 /mnt /bin/busybox sh -c 'ls /usr/bin >/dev/null'")

	# plain image
	pl=$out/$target-plain
	mkdir -p "$pl"
	ptree=$tree
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
		pred=()
		if [ $have_json = 1 ] && "$CRAMFSCK" -b "$ps" --xip --json "$pl/plain.img" >"$pl/cramfsck.json" 2>"$pl/cramfsck.err"; then
			pred=(--xip-json "$pl/cramfsck.json")
		elif [ $have_json = 1 ]; then
			record FAIL "$target-plain-cramfsck" "cramfsck --xip --json failed: $(head -c 300 "$pl/cramfsck.err")"
		fi
		python3 "$here/mkmanifest.py" "$ptree" "${pred[@]}" "${runs[@]}" >"$pl/manifest" &&
			run_case "$target-plain" "$target" "$kernel" "$pl/plain.img" "$pl/manifest" none
	else
		record FAIL "$target-plain" "${mk[0]} failed: $(tail -n 3 "$pl/mkcramfs.log" | tr '\n' ' ')"
	fi

	# XIP image from the project's mkcramfs
	if [ $have_mkx = 1 ] && [ $have_json = 1 ]; then
		xp=$out/$target-xip
		mkdir -p "$xp"
		if "$MKCRAMFS" -b "$ps" -X "$tree" "$xp/xip.img" >"$xp/mkcramfs.log" 2>&1 &&
			"$CRAMFSCK" -b "$ps" --xip --json "$xp/xip.img" >"$xp/cramfsck.json" 2>"$xp/cramfsck.err"; then
			python3 "$here/mkmanifest.py" "$tree" --xip-json "$xp/cramfsck.json" "${runs[@]}" \
				--expect-map "/mnt/bin/busybox r-xp direct" --expect-map "/mnt/usr/bin/hello r-xp direct" \
				--expect-map "/mnt/$libdir/libc.so.6 r-xp direct" --expect-map "/mnt/$interp r-xp direct" \
				>"$xp/manifest" &&
				run_case "$target-xip" "$target" "$kernel" "$xp/xip.img" "$xp/manifest" any
		else
			record FAIL "$target-xip" "mkcramfs -X or cramfsck --xip --json failed (see $xp)"
		fi
	else
		record SKIP "$target-xip" "needs MKCRAMFS with -X and CRAMFSCK with --xip --json"
	fi

	# an image that ends right after its directory entries
	if [ $have_mk = 1 ]; then
		de=$out/$target-dirents
		mkdir -p "$de/tree/d"
		# 166 entries of 24 bytes end 20 bytes short of 4096: on an MTD mount
		# the kernel drops the last ones unless the image's size leaves room
		# for its 264-byte directory reads (util-linux images lose 10 here)
		for i in $(seq -w 1 166); do : >"$de/tree/d/entry-$i"; done
		chmod 755 "$de/tree" "$de/tree/d"
		chmod 644 "$de/tree"/d/*
		if "$MKCRAMFS" -b "$ps" "$de/tree" "$de/dirents.img" >"$de/mkcramfs.log" 2>&1 &&
			python3 "$here/mkmanifest.py" "$de/tree" >"$de/manifest"; then
			run_case "$target-dirents" "$target" "$kernel" "$de/dirents.img" "$de/manifest" none
		else
			record FAIL "$target-dirents" "mkcramfs failed: $(tail -n 3 "$de/mkcramfs.log" | tr '\n' ' ')"
		fi
	else
		record SKIP "$target-dirents" "needs MKCRAMFS"
	fi

	# RAM: the same programs from a plain and from an XIP image
	if [ -f "$out/$target-fixture/report.txt" ]; then
		summary+=("RAM  $target fixture (busybox true, all direct): $(ram_line "$target-fixture")")
	fi
	if [ -f "$out/$target-plain/report.txt" ]; then
		echo "run-all: RAM $target plain: $(ram_line "$target-plain")" >&2
		summary+=("RAM  $target plain: $(ram_line "$target-plain")")
	fi
	if [ -f "$out/$target-xip/report.txt" ]; then
		echo "run-all: RAM $target xip:   $(ram_line "$target-xip")" >&2
		summary+=("RAM  $target xip:   $(ram_line "$target-xip")")
	fi
done

echo
echo "cramfs kernel tests ($targets${patches:+, kernels patched from $patches}), $(($(date +%s) - started)) s, results in $out:"
printf '  %s\n' "${summary[@]}"
echo "kernel-tests: $npass passed, $nfail failed, $nskip skipped"
if [ $nfail -gt 0 ]; then exit 1; fi
if [ $remove_out = 1 ]; then
	rm -rf "$out"
	echo "(all passed: $out removed; set CRAMFS_KERNEL_KEEP=1 or --out DIR to keep the logs)"
fi
if [ $npass -eq 0 ]; then exit 77; fi
exit 0
