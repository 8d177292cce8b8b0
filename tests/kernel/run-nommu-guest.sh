#!/bin/bash
# Boot the riscv64 no-MMU test kernel under qemu with a cramfs image in the
# second CFI flash bank (0x22000000) and run nommucheck against it.
#
#   run-nommu-guest.sh --kernel KERNEL --image IMG --manifest MANIFEST
#                      [--dtb FILE] [--timeout S] [--log FILE] [--report FILE] [--keep]
#
# KERNEL: build-kernel.sh riscv64-nommu [PATCHDIR] (built when not given).
# MANIFEST: mknommumanifest.py.  The initramfs holds nommucheck as /init,
# the manifest, /dev/console and /twomaps.dat (10000 bytes, for the
# twomaps probe of an initramfs file).  --dtb: qemu's device tree with its
# one cfi-flash node split into one node per bank (make_dtb below; made in
# a temporary directory when not given): with qemu's own tree Linux joins
# both banks into one MTD device, which cramfs then cannot map ("unable to
# get direct memory access").  The image is written into the bank with
# qemu's loader device; attaching it with -drive if=pflash makes the CPU
# start in the flash.  The serial log goes to --log, the NOMMU lines to
# --report.  Exit 0 only when the guest finished in time (done and halt).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "run-nommu-guest: error: $*" >&2; exit 1; }

flash_base=0x22000000
flash_size=$((32 << 20))

# make_dtb OUT: qemu virt's device tree for this machine, flash split in two banks
make_dtb() {
	local out=$1 tmp
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/nommu-dtb.XXXXXX")
	qemu-system-riscv64 -M "virt,dumpdtb=$tmp/qemu.dtb" -m 128M -smp 1 -bios none -nographic \
		>"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; rm -rf "$tmp"; return 1; }
	dtc -q -I dtb -O dts -o "$tmp/qemu.dts" "$tmp/qemu.dtb" || { rm -rf "$tmp"; return 1; }
	python3 - "$tmp/qemu.dts" "$tmp/virt.dts" <<-'EOF' || { rm -rf "$tmp"; return 1; }
	import re, sys
	s = open(sys.argv[1]).read()
	bank = ("\tflash@%x {\n\t\tbank-width = <0x04>;\n\t\treg = <0x00 0x%x 0x00 0x2000000>;\n"
	        "\t\tcompatible = \"cfi-flash\";\n\t};\n")
	s, n = re.subn(r"\tflash@20000000 \{.*?\n\t\};\n", lambda m: bank % (0x20000000, 0x20000000) + "\n" +
	               bank % (0x22000000, 0x22000000), s, flags=re.S)
	if n != 1:
	    sys.exit("make_dtb: no flash@20000000 node in qemu's device tree")
	# random on every dump: dropped so that the tree is the same every time
	s = re.sub(r"\n\s*rng-seed = <[^>]*>;", "", s)
	open(sys.argv[2], "w").write(s)
	EOF
	dtc -q -I dts -O dtb -o "$out" "$tmp/virt.dts" || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
}

if [ "${1:-}" = --make-dtb ]; then
	[ $# -eq 2 ] || die "usage: run-nommu-guest.sh --make-dtb OUT"
	make_dtb "$2"
	exit
fi

kernel= image= manifest= dtb= timeout_s=60 log= report= keep=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--image) image=$2; shift 2 ;;
	--manifest) manifest=$2; shift 2 ;;
	--dtb) dtb=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--report) report=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
[ -n "$image" ] && [ -n "$manifest" ] || die "usage: run-nommu-guest.sh --kernel K --image IMG --manifest M"
[ -f "$image" ] || die "image '$image' not found"
[ -f "$manifest" ] || die "manifest '$manifest' not found"
[ "$(stat -c %s "$image")" -le "$flash_size" ] || die "image is larger than the 32 MiB flash bank"
if [ -z "$kernel" ]; then
	kernel=$("$here/build-kernel.sh" riscv64-nommu) || die "no kernel"
fi
[ -f "$kernel" ] || die "kernel '$kernel' not found"
guestdir=$("$here/build-nommu-guest.sh") || die "cannot build the guest programs"

work=$(mktemp -d "${TMPDIR:-/tmp}/run-nommu-guest.XXXXXX")
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
[ -n "$log" ] || log=$work/serial.log
[ -n "$report" ] || report=$work/report.txt
if [ -z "$dtb" ]; then
	dtb=$work/virt.dtb
	make_dtb "$dtb" || die "cannot make the device tree"
fi

stage=$work/initramfs
mkdir -p "$stage/proc" "$stage/mnt"
cp "$guestdir/nommucheck" "$stage/init"
cp "$manifest" "$stage/manifest"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 39 + bytes(16))' >"$stage/twomaps.dat"
chmod 755 "$stage/init"
python3 "$here/mkcpio.py" "$stage" "$work/initramfs.cpio"

cmdline="console=ttyS0 earlycon=uart8250,mmio,0x10000000,115200n8 panic=-1 loglevel=8"
cmdline="$cmdline dyndbg=\"file fs/cramfs/inode.c +p; file fs/binfmt_flat.c +p\""
qemu=(qemu-system-riscv64 -M virt -m 128M -smp 1 -bios none -nographic -no-reboot -monitor none
	-kernel "$kernel" -dtb "$dtb" -initrd "$work/initramfs.cpio"
	-device "loader,file=$image,addr=$flash_base,force-raw=on" -append "$cmdline")

start=$(date +%s.%N)
set +e
timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$log" 2>&1
rc=$?
set -e
elapsed=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
tr -d '\r' <"$log" | sed -n 's/.*\(NOMMU .*\)/\1/p' >"$report"

why=
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	why="the guest did not finish within ${timeout_s} s (hung?)"
elif [ "$rc" -ne 0 ]; then
	why="qemu exited with status $rc"
fi
grep -q '^NOMMU done ' "$report" || why="${why:+$why; }the guest never reported done"
grep -q '^NOMMU halt' "$report" || why="${why:+$why; }the guest did not reach its halt"
if [ -z "$why" ]; then
	echo "run-nommu-guest: ok in ${elapsed} s: $(grep '^NOMMU done ' "$report" | sed 's/^NOMMU //')" >&2
	exit 0
fi
keep=1
echo "run-nommu-guest: FAILED after ${elapsed} s: $why" >&2
echo "run-nommu-guest: serial log: $log" >&2
tr -d '\r' <"$log" | tail -n 25 >&2
exit 1
