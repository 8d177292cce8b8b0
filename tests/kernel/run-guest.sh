#!/bin/bash
# Boot a test kernel under qemu with a cramfs image in (emulated) flash and
# run xipcheck against it.
#
#   run-guest.sh --target TARGET --image IMG --manifest MANIFEST
#                [--kernel KERNEL] [--timeout S] [--log FILE] [--report FILE]
#                [--dev DEVICE] [--xiptool status|profile|loop] [--smp N] [--stress N]
#                [--no-dyndbg] [--keep]
#
# TARGET: x86_64 (image in a reserved RAM window claimed by physmap, at most
# 256 MiB), arm64-16k or arm64-64k (image in the second CFI flash bank of
# qemu's virt board, at most 64 MiB).  The serial log goes to --log (default:
# a temporary file that is kept on failure), the XIPCHECK lines to --report.
# --dev names what the guest mounts: mtd:NAME (the default, mtd:physmap-flash.0
# or mtd:4000000.flash), mtd0 or /dev/mtdblock0 (all three map directly), or
# loop: a copy of the image in the initramfs on a loop device (the driver's
# block device path; nothing is mapped directly).
# --dev root:PARTS (arm64 only) boots without an initramfs: IMG is a whole
# flash image, PARTS its partitions as mtdparts= gives them for the flash
# (e.g. 2m(boot),-(rootfs)), and the kernel mounts the partition "rootfs"
# as its root filesystem (root=mtd:rootfs) and runs /init from it
# (guest/rootinit).  The manifest is written into the copy of the flash
# image at the start of the first partition, which must be large enough.
# --xiptool puts cramfs-xip into the initramfs, and after xipcheck the
# guest runs it (guest/init): `status`, while programs of the image run, as
# root and as an ordinary user, with xipcheck's own count of their pages in
# flash; `profile`, after a workload from the image on dropped caches;
# `loop`, a profile of a loop mount, which must warn about readahead.
# --smp N gives the guest N CPUs (a kernel with SMP and ACPI, such as
# build-kernel.sh's x86_64-debug, sees them).  --stress N puts xipstress into
# the initramfs, and at the end the guest runs it with N workers, which
# fault the same mappings of every file of the image at once.
# Exit status 0 only when the guest finished in time and reported fail=0.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "run-guest: error: $*" >&2; exit 1; }

target= image= manifest= kernel= timeout_s=120 log= report= dyndbg=1 keep=0 dev= xiptool= smp=1 stress=
while [ $# -gt 0 ]; do
	case $1 in
	--target) target=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--manifest) manifest=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--report) report=$2; shift 2 ;;
	--dev) dev=$2; shift 2 ;;
	--xiptool) xiptool=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--stress) stress=$2; shift 2 ;;
	--no-dyndbg) dyndbg=0; shift ;;
	--keep) keep=1; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$target" ] && [ -n "$image" ] && [ -n "$manifest" ] ||
	die "usage: run-guest.sh --target TARGET --image IMG --manifest MANIFEST [--kernel K] [--timeout S]"
[ -f "$image" ] || die "image '$image' not found"
[ -f "$manifest" ] || die "manifest '$manifest' not found"

case $target in
x86_64) arch=x86_64 ;;
arm64-16k|arm64-64k) arch=arm64 ;;
*) die "unknown target '$target'" ;;
esac

if [ -z "$kernel" ]; then
	kernel=$("$here/build-kernel.sh" "$target") || die "no kernel for $target"
fi
[ -f "$kernel" ] || die "kernel '$kernel' not found"
guestdir=$("$here/build-guest.sh" "$arch") || die "cannot build the guest programs for $arch"

root_parts=
case $dev in
root:*)
	root_parts=${dev#root:}
	[ "$arch" = arm64 ] || die "--dev root: needs an arm64 target (the virt board's CFI flash)"
	;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/run-guest.XXXXXX")
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
[ -n "$log" ] || log=$work/serial.log
[ -n "$report" ] || report=$work/report.txt

# initramfs: busybox, xipcheck, init and the manifest
stage=$work/initramfs
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/mnt" "$stage/tmp"
cp "$guestdir/busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
cp "$guestdir/xipcheck" "$stage/xipcheck"
cp "$here/guest/init" "$stage/init"
cp "$here/guest/kmsg-bad.re" "$stage/kmsg-bad.re"
chmod 755 "$stage/init" "$stage/xipcheck" "$stage/bin/busybox"
cp "$manifest" "$stage/manifest"
[ "$dev" != loop ] || cp "$image" "$stage/image.cramfs"
case $xiptool in
'') ;;
status|profile|loop) cp "$guestdir/cramfs-xip" "$stage/cramfs-xip"; chmod 755 "$stage/cramfs-xip" ;;
*) die "--xiptool takes status, profile or loop, not '$xiptool'" ;;
esac
if [ -n "$stress" ]; then
	cp "$guestdir/xipstress" "$stage/xipstress"
	chmod 755 "$stage/xipstress"
fi
python3 "$here/mkcpio.py" "$stage" "$work/initramfs.cpio"

image_size=$(stat -c %s "$image")
cmdline="panic=-1${xiptool:+ xipcheck.xiptool=$xiptool}${stress:+ xipcheck.stress=$stress}"
[ "$dyndbg" = 1 ] && cmdline="$cmdline dyndbg=\"file fs/cramfs/inode.c +p\""
case $target in
x86_64)
	# The `$` in memmap= is literal: it reserves the window physmap claims.
	[ "$image_size" -le $((256 * 1024 * 1024)) ] || die "image is larger than the 256 MiB window"
	qemu=(qemu-system-x86_64 -accel tcg -m 1G
		-device "loader,file=$image,addr=0x20000000,force-raw=on")
	# no_timer_check: on a loaded host, emulated time is too slow for the
	# IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work")
	cmdline="console=ttyS0 no_timer_check memmap=256M\$0x20000000 $cmdline xipcheck.dev=${dev:-mtd:physmap-flash.0} xipcheck.flash=0x20000000,0x10000000"
	;;
arm64-*)
	# secure=on keeps flash1 a device of its own; it must be exactly 64 MiB.
	[ "$image_size" -le $((64 * 1024 * 1024)) ] || die "image is larger than the 64 MiB flash bank"
	cp "$image" "$work/flash1.img"
	truncate -s 64M "$work/flash1.img"
	qemu=(qemu-system-aarch64 -M virt,secure=on -cpu max -m 1G
		-drive "if=pflash,unit=1,format=raw,readonly=on,file=$work/flash1.img")
	if [ -n "$root_parts" ]; then
		# the manifest at the start of the first partition, "end-of-manifest" after it
		first=$(python3 -c 'import re, sys
m = re.match(r"(\d+)([kKmM]?)\(", sys.argv[1])
print(int(m.group(1)) * {"": 1, "k": 1024, "m": 1 << 20}[m.group(2).lower()] if m else 0)' "$root_parts")
		{ cat "$manifest"; echo end-of-manifest; } >"$work/manifest.part"
		[ "$(stat -c %s "$work/manifest.part")" -le "$first" ] ||
			die "the manifest does not fit in the first partition of $root_parts"
		dd if="$work/manifest.part" of="$work/flash1.img" conv=notrunc status=none
		cmdline="console=ttyAMA0 $cmdline root=mtd:rootfs rootfstype=cramfs ro init=/init"
		cmdline="$cmdline mtdparts=4000000.flash:$root_parts xipcheck.flash=0x4000000,0x4000000"
	else
		cmdline="console=ttyAMA0 $cmdline xipcheck.dev=${dev:-mtd:4000000.flash} xipcheck.flash=0x4000000,0x4000000"
	fi
	;;
esac
qemu+=(-smp "$smp" -display none -monitor none -serial stdio -no-reboot -kernel "$kernel" -append "$cmdline")
[ -n "$root_parts" ] || qemu+=(-initrd "$work/initramfs.cpio")
command -v "${qemu[0]}" >/dev/null || die "${qemu[0]} not found"

echo "run-guest: booting $target with $(basename "$image") ($image_size bytes), time limit ${timeout_s} s" >&2
start=$(date +%s.%N)
set +e
timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>&1
rc=$?
set -e
elapsed=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")

# The XIPCHECK lines, without the serial line's carriage returns.
tr -d '\r' <"$log" | sed -n 's/.*\(XIPCHECK .*\)/\1/p' >"$report"

status=ok
why=
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	status=fail; why="the guest did not finish within ${timeout_s} s (hung?)"
elif [ "$rc" -ne 0 ]; then
	status=fail; why="qemu exited with status $rc"
fi
done_line=$(grep '^XIPCHECK done ' "$report" | tail -n 1 || true)
if [ -z "$done_line" ]; then
	status=fail; why="${why:+$why; }the guest never reported done"
elif ! echo "$done_line" | grep -q ' fail=0$'; then
	status=fail; why="${why:+$why; }guest: ${done_line#XIPCHECK }"
fi
if grep -q '^XIPCHECK error ' "$report"; then
	status=fail; why="${why:+$why; }$(grep '^XIPCHECK error ' "$report" | head -n 3 | tr '\n' ';')"
fi
grep -q '^XIPCHECK halt' "$report" || { status=fail; why="${why:+$why; }the guest did not reach its orderly halt"; }

if [ "$status" = ok ]; then
	echo "run-guest: $target ok in ${elapsed} s: ${done_line#XIPCHECK }" >&2
	exit 0
fi
keep=1
echo "run-guest: $target FAILED after ${elapsed} s: $why" >&2
echo "run-guest: serial log: $log" >&2
if [ -s "$report" ]; then
	grep -E '^XIPCHECK (error|entry .* BAD|file .*=BAD|run .* BAD|done|mount|kmsg)' "$report" | head -n 60 >&2 || true
else
	echo "run-guest: no XIPCHECK lines; last lines of the serial log:" >&2
	tr -d '\r' <"$log" | tail -n 30 >&2
fi
exit 1
