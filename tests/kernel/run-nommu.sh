#!/bin/bash
# Real-kernel tests of cramfs XIP without an MMU: the riscv64-nommu target.
# Builds the stock and the patched riscv64 no-MMU kernels (cached), the
# freestanding bFLT guest programs and the test images, boots each image
# under qemu with the image in the virt board's second CFI flash bank and
# compares what the kernel did with `cramfsck --xip --nommu --json`.
#
#   run-nommu.sh [--kernels "stock patched"] [--out DIR] [--timeout S]
#
# Environment: MKCRAMFS, CRAMFSCK (the project's tools; required),
# CRAMFS_KERNEL_VARIANTS, CRAMFS_KERNEL_PATCHES, CRAMFS_KERNEL_PATCHED_TARGETS
# (without riscv64-nommu in it: the stock kernel only), CRAMFS_TEST_CACHE,
# CRAMFS_KERNEL_TESTS=require, CRAMFS_KERNEL_KEEP=1, as for run-all.sh.
#
# Cases, on each kernel (riscv64-nommu-CASE on the stock kernel,
# riscv64-nommu-patched-CASE on the patched one):
#   xip        `mkcramfs -X --xip='/xip/*'` of a tree of FLAT programs, data
#              files of assorted sizes and files forced in place (one a page
#              multiple, whose last page stays behind a classic pointer):
#              read() of every file, four whole-file mmap() requests
#              (shared and private read-only, private read+exec, private
#              read+write), the programs' text in flash, all as cramfsck
#              predicts; the FLAT programs must be in place by -X alone
#   xip-nommu  the same with `mkcramfs -X --nommu` (runs aligned to 8 bytes)
#   plain      `mkcramfs` without -X: nothing in flash at all, the programs
#              run from RAM
#   flat-ram   a FLAT program with FLAT_FLAG_RAM in its header, in an -X
#              image: cramfsck must predict its text is not in place, and
#              the kernel copies it; the same program without the flag is
#              in place and runs from flash
#   lastpage   `mkcramfs --xip --xip-direct-last-page` of page-multiple
#              files: the stock kernel's read() gives their last page as
#              zeros (an expected failure, verified byte for byte), the
#              patched one reads them right; mappings as predicted
#   two-maps   two private read-only mappings of one file in one process,
#              for a direct file, a compressed one and an initramfs file;
#              then two files whose data the image stores once (one inode
#              for cramfs), in a child each time: both private read-only,
#              and each MAP_SHARED while the other is mapped privately.
#              Stock: the same address twice, one vma, EINVAL for the
#              second munmap, the image stays busy (an expected failure,
#              asserted exactly; see README.md for why). Patched
#              (kernel/patches/0004): two vmas at two addresses (the
#              second a copy), right bytes, both munmaps 0, ENOMEM for the
#              MAP_SHARED twin, umount ok
# RAM: MemFree and Cached while 4 copies of a program with 256 KiB of text
# are alive, in the xip, xip-nommu and plain cases.
# Exit: 0 all passed, 1 a failure, 77 nothing could run.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
target=riscv64-nommu
variants=${CRAMFS_KERNEL_VARIANTS:-stock patched}
out=
timeout_s=60
while [ $# -gt 0 ]; do
	case $1 in
	--kernels) variants=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) echo "run-nommu: unknown argument '$1'" >&2; exit 2 ;;
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
need qemu-system-riscv64 qemu-system-misc
need riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu
need dtc device-tree-compiler
dpkg-query -W linux-source-6.1 >/dev/null 2>&1 || missing+=("linux-source-6.1")
[ -n "$MKCRAMFS" ] && [ -x "$MKCRAMFS" ] || missing+=("MKCRAMFS (the project's mkcramfs)")
[ -n "$CRAMFSCK" ] && [ -x "$CRAMFSCK" ] || missing+=("CRAMFSCK (the project's cramfsck)")
patches=${CRAMFS_KERNEL_PATCHES:-}
if [ -n "$patches" ] && [ ! -d "$patches" ]; then
	echo "run-nommu: CRAMFS_KERNEL_PATCHES=$patches is not a directory" >&2
	exit 1
fi
[ -n "$patches" ] || patches=$(cd "$here/../.." && pwd)/kernel/patches
# the no-MMU kernels are Linux 6.1's
patches=$patches/6.1
# as for run-all.sh: the patched kernel only when CRAMFS_KERNEL_PATCHED_TARGETS (default: all) names the target
case " ${CRAMFS_KERNEL_PATCHED_TARGETS-$target} " in
*" $target "*) ;;
*) variants=$(echo "$variants" | sed 's/patched//') ;;
esac
for v in $variants; do
	case $v in
	stock) ;;
	patched)
		if ! ls "$patches"/*.patch >/dev/null 2>&1; then
			echo "run-nommu: no *.patch in $patches: testing the stock kernel only" >&2
			variants=$(echo "$variants" | sed 's/patched//')
		fi ;;
	*) echo "run-nommu: unknown kernel '$v' (stock, patched)" >&2; exit 2 ;;
	esac
done
[ -n "${variants// /}" ] || { echo "run-nommu: no kernel to test" >&2; exit 2; }
if [ ${#missing[@]} -gt 0 ]; then
	printf 'run-nommu: missing: %s\n' "${missing[@]}" >&2
	if [ "${CRAMFS_KERNEL_TESTS:-}" = require ]; then exit 1; fi
	echo "run-nommu: SKIP (see tests/kernel/README.md for the packages)" >&2
	exit 77
fi
have_json=0 have_mknommu=0 have_lastpage=0
# the help texts whole first: grep -q leaving early would fail the pipe (pipefail)
ck_help=$("$CRAMFSCK" --help 2>&1)
mk_help=$("$MKCRAMFS" --help 2>&1)
grep -q -- '--nommu' <<<"$ck_help" && grep -q -- '--json' <<<"$ck_help" && have_json=1
grep -q -- '--nommu' <<<"$mk_help" && have_mknommu=1
grep -q -- '--xip-direct-last-page' <<<"$mk_help" && have_lastpage=1

remove_out=0
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/cramfs-nommu-tests.XXXXXX")
	[ "${CRAMFS_KERNEL_KEEP:-0}" = 1 ] || remove_out=1
else
	rm -rf "$out"
	mkdir -p "$out"
fi
out=$(cd "$out" && pwd)
case " $variants " in *" patched "*) ;; *) patches= ;; esac
echo "run-nommu: results in $out, kernels: $variants${patches:+ (patches: $patches)}" >&2

npass=0 nfail=0 nskip=0
summary=()
record() { # status name detail
	case $1 in
	PASS) npass=$((npass + 1)) ;;
	FAIL) nfail=$((nfail + 1)) ;;
	SKIP) nskip=$((nskip + 1)) ;;
	esac
	summary+=("$(printf '%-4s %-34s %s' "$1" "$2" "$3")")
	printf 'run-nommu: %-4s %-34s %s\n' "$1" "$2" "$3" >&2
}

# ---- kernels (the two built side by side when not cached), guest, device tree ----
declare -A kernel
for v in $variants; do
	args=("$target")
	[ "$v" = stock ] || args+=("$patches")
	("$here/build-kernel.sh" "${args[@]}" >"$out/kernel-$v.path" 2>"$out/kernel-$v.err") &
done
wait
for v in $variants; do
	if [ -s "$out/kernel-$v.path" ]; then
		kernel[$v]=$(cat "$out/kernel-$v.path")
		echo "run-nommu: $v kernel: ${kernel[$v]}" >&2
	else
		cat "$out/kernel-$v.err" >&2
		record FAIL "$target$([ "$v" = stock ] || echo -patched)/kernel" "build failed (see $out/kernel-$v.err)"
	fi
done
if ! guestdir=$("$here/build-nommu-guest.sh" 2>"$out/guest.err"); then
	cat "$out/guest.err" >&2
	record FAIL "$target/guest" "build-nommu-guest.sh failed"
fi
if ! "$here/run-nommu-guest.sh" --make-dtb "$out/virt.dtb" 2>"$out/dtb.err"; then
	cat "$out/dtb.err" >&2
	record FAIL "$target/dtb" "cannot make the device tree"
fi

# ---- the test trees ----
bytes() { # FILE SIZE SEED: pseudo-random content
	python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(int(sys.argv[2])).randbytes(int(sys.argv[1])))' \
		"$2" "$3" >"$1"
}
mk_xip_tree() { # DIR: programs, data files of assorted sizes, files forced in place
	local d=$1
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/data" "$d/xip"
	cp "$guestdir/nommuprog" "$guestdir/nommubig" "$d/bin/"
	printf 'x' >"$d/data/one"
	bytes "$d/data/p4095" 4095 1
	bytes "$d/data/p4096" 4096 2
	bytes "$d/data/p4097" 4097 3
	bytes "$d/data/p8292" 8292 4
	bytes "$d/data/random70000" 70000 5
	# forced whole into XIP: one page multiple (last page classic by default), odd sizes
	bytes "$d/xip/whole-8192" 8192 6
	bytes "$d/xip/whole-5000" 5000 7
	bytes "$d/xip/whole-70001" 70001 8
	printf 'x' >"$d/xip/whole-1"
	chmod 755 "$d" "$d"/* "$d/bin"/*
	chmod 644 "$d"/data/* "$d"/xip/*
}
mk_flat_ram_tree() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d/bin"
	cp "$guestdir/nommuprog" "$guestdir/nommuprog-ram" "$d/bin/"
	chmod 755 "$d" "$d/bin" "$d"/bin/*
}
mk_lastpage_tree() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d/lp"
	bytes "$d/lp/pages-1" 4096 11
	bytes "$d/lp/pages-2" 8192 12
	bytes "$d/lp/pages-3" 12288 13
	bytes "$d/lp/page-plus-100" 4196 14
	chmod 755 "$d" "$d/lp"
	chmod 644 "$d"/lp/*
}
mk_twomaps_tree() {
	local d=$1
	rm -rf "$d"
	mkdir -p "$d/xip" "$d/data"
	bytes "$d/xip/direct-5000" 5000 21
	seq 1 3000 >"$d/data/compressed"
	# the same bytes twice: mkcramfs stores their data once, at one flash address
	bytes "$d/xip/twin-a" 6000 22
	cp "$d/xip/twin-a" "$d/xip/twin-b"
	chmod 755 "$d" "$d/xip" "$d/data"
	chmod 644 "$d"/xip/* "$d"/data/*
}

# The last-page image must be one cramfsck flags: every page-multiple file
# all in flash with the bug flag.
check_lastpage_json() { # JSON
	python3 - "$1" <<-'EOF'
	import json, sys
	j = json.load(open(sys.argv[1]))
	bad = [f["path"] for f in j["files"] if f["size"] % j["blksize"] == 0 and
	       not (f.get("last_page_read_bug") and f.get("mapping") == "all")]
	if bad:
	    sys.exit("cramfsck does not predict the bug (last_page_read_bug and mapping all) for " + " ".join(bad))
	EOF
}

# cases: "NAME|IMAGE|STOCK_MANIFEST|PATCHED_MANIFEST|COMPARE_OPTIONS|PATCHED_COMPARE_OPTIONS"
cases=()
ram_prog=/bin/nommubig
runs=(--run "/bin/nommuprog 0" --run "/bin/nommubig 3")
prepare() { # NAME MKCRAMFS_OPTIONS TREE_MAKER "MANIFEST_OPTIONS" "COMPARE_OPTIONS" ["PATCHED_COMPARE_OPTIONS"]
	local name=$1 maker=$3 mopts=$4 copts=$5 pcopts=${6-$5} dir=$out/img-$1 mkopts
	set -f	# the options hold patterns for mkcramfs
	read -r -a mkopts <<<"$2"
	set +f
	mkdir -p "$dir"
	"$maker" "$dir/tree" || { record FAIL "$target-$name" "making the tree failed"; return; }
	if ! "$MKCRAMFS" "${mkopts[@]}" "$dir/tree" "$dir/image" >"$dir/mkcramfs.log" 2>&1; then
		record FAIL "$target-$name" "mkcramfs $2 failed: $(tail -n 2 "$dir/mkcramfs.log" | tr '\n' ' ')"
		return
	fi
	if ! "$CRAMFSCK" --xip --nommu --json "$dir/image" >"$dir/cramfsck.json" 2>"$dir/cramfsck.err"; then
		record FAIL "$target-$name" "cramfsck --xip --nommu --json failed: $(head -c 300 "$dir/cramfsck.err")"
		return
	fi
	if [ "$name" = lastpage ] && ! why=$(check_lastpage_json "$dir/cramfsck.json" 2>&1); then
		record FAIL "$target-$name" "the image does not show the bug: $why"
		return
	fi
	# shellcheck disable=SC2034 # used through eval, with the quoted options of the case
	local m=(python3 "$here/mknommumanifest.py" "$dir/tree" --xip-json "$dir/cramfsck.json")
	if ! eval '"${m[@]}"' "$mopts" >"$dir/manifest" 2>"$dir/manifest.err"; then
		record FAIL "$target-$name" "$(head -c 300 "$dir/manifest.err")"
		return
	fi
	local stock=$dir/manifest
	if [ "$name" = lastpage ]; then
		stock=$dir/manifest-stock
		eval '"${m[@]}"' "$mopts" --known-read-bug >"$stock" 2>"$dir/manifest.err" ||
			{ record FAIL "$target-$name" "$(head -c 300 "$dir/manifest.err")"; return; }
	fi
	cases+=("$name|$dir/image|$stock|$dir/manifest|$copts|$pcopts")
}

if [ -n "${guestdir:-}" ] && [ $have_json = 1 ]; then
	q() { printf '%q ' "$@"; }
	prepare xip "-X --xip=/xip/*" mk_xip_tree \
		"$(q "${runs[@]}" --ram "$ram_prog 4" --require-text "/bin/nommuprog flash" --require-text "/bin/nommubig flash")" ""
	if [ $have_mknommu = 1 ]; then
		prepare xip-nommu "-X --nommu --xip=/xip/*" mk_xip_tree \
			"$(q "${runs[@]}" --ram "$ram_prog 4" --require-text "/bin/nommuprog flash" --require-text "/bin/nommubig flash")" ""
	else
		record SKIP "$target-xip-nommu" "needs MKCRAMFS with --nommu"
	fi
	prepare plain "" mk_xip_tree "$(q "${runs[@]}" --ram "$ram_prog 4")" "--no-flash"
	prepare flat-ram "-X" mk_flat_ram_tree \
		"$(q --run "/bin/nommuprog-ram 0" --run "/bin/nommuprog 0" --require-text "/bin/nommuprog-ram ram" \
			--require-text "/bin/nommuprog flash")" ""
	if [ $have_lastpage = 1 ]; then
		prepare lastpage "--xip=/lp/* --xip-direct-last-page" mk_lastpage_tree "" ""
	else
		record SKIP "$target-lastpage" "needs MKCRAMFS with --xip-direct-last-page"
	fi
	# stock: Linux 6.1's behaviour asserted (an expected failure); patched: the fix of 0004
	prepare two-maps "--xip=/xip/*" mk_twomaps_tree \
		"$(q --twomaps /xip/direct-5000 --twomaps /data/compressed --twomaps-initramfs "/twomaps.dat 10000" \
			--twins "/xip/twin-a /xip/twin-b private-r private-r" \
			--twins "/xip/twin-a /xip/twin-b private-r shared-r" \
			--twins "/xip/twin-b /xip/twin-a private-r shared-r")" \
		"--twomaps stock-6.1" "--twomaps fixed"
elif [ -n "${guestdir:-}" ]; then
	for c in xip xip-nommu plain flat-ram lastpage two-maps; do
		record SKIP "$target-$c" "needs CRAMFSCK with --xip --nommu --json"
	done
fi

# ---- boot every case on every kernel ----
ram_note() { # REPORT -> "4 x PROG alive: MemFree -N kB, Cached +N kB"
	sed -n 's/^NOMMU ram \([^ ]*\) n=\([0-9]*\) memfree-delta=\([-0-9]*\) cached-delta=\([-0-9]*\) .*/\2 x \1 alive: MemFree \3 kB, Cached \4 kB/p' "$1" |
		sed 's/Cached \([0-9]\)/Cached +\1/' | head -n 1
}
rams=()
for v in $variants; do
	[ -n "${kernel[$v]:-}" ] || continue
	prefix=$target
	[ "$v" = stock ] || prefix=$target-patched
	for c in "${cases[@]}"; do
		IFS='|' read -r name image mstock mpatched copts pcopts <<<"$c"
		manifest=$mstock
		[ "$v" = stock ] || { manifest=$mpatched; copts=$pcopts; }
		dir=$out/$prefix-$name
		mkdir -p "$dir"
		t0=$(date +%s)
		ok=1
		if ! "$here/run-nommu-guest.sh" --kernel "${kernel[$v]}" --image "$image" --manifest "$manifest" \
			--dtb "$out/virt.dtb" --timeout "$timeout_s" --log "$dir/serial.log" --report "$dir/report.txt" \
			2>"$dir/run.err"; then
			ok=0
			sed "s/^/    $prefix-$name: /" "$dir/run.err" | tail -n 15 >&2
		fi
		# shellcheck disable=SC2086
		if ! python3 "$here/nommucompare.py" --manifest "$manifest" --report "$dir/report.txt" \
			--label "$prefix-$name" $copts --verbose >"$dir/compare.txt"; then
			ok=0
			sed 's/^/    /' "$dir/compare.txt" | head -n 40 >&2
		fi
		detail="$(tail -n 1 "$dir/compare.txt" | sed "s/^$prefix-$name: //"), $(($(date +%s) - t0)) s"
		known=$(grep -c '^NOMMU read .* known ' "$dir/report.txt" 2>/dev/null)
		[ "${known:-0}" -gt 0 ] && detail="$detail, known bug seen: $known"
		if [ $ok = 1 ]; then record PASS "$prefix-$name" "$detail"; else record FAIL "$prefix-$name" "$detail (see $dir)"; fi
		case $name in
		xip|xip-nommu|plain)
			note=$(ram_note "$dir/report.txt")
			[ -z "$note" ] || rams+=("RAM  $prefix $name: $note (text $(stat -c %s "$guestdir/nommubig") bytes)") ;;
		esac
	done
done

echo
echo "cramfs kernel tests ($target; kernels: $variants${patches:+, patched from $patches}), $(($(date +%s) - started)) s, results in $out:"
printf '  %s\n' "${summary[@]}" "${rams[@]}"
echo "kernel-tests: $npass passed, $nfail failed, $nskip skipped"
if [ $nfail -gt 0 ]; then exit 1; fi
if [ $remove_out = 1 ]; then
	rm -rf "$out"
	echo "(all passed: $out removed; set CRAMFS_KERNEL_KEEP=1 or --out DIR to keep the logs)"
fi
if [ $npass -eq 0 ]; then exit 77; fi
exit 0
