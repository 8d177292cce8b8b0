#!/bin/bash
# Build the riscv64 no-MMU guest programs (bFLT) into the cache.
#
#   build-nommu-guest.sh
#
# Prints a directory holding
#   nommucheck     /init of the guest (guest/nommucheck.c)
#   nommuprog      a small program that tells where its text is (guest/nommuprog.c)
#   nommubig       the same with 256 KiB of read-only constants in its text
#   nommuprog-ram  nommuprog with FLAT_FLAG_RAM in its header
# and the ELF files they were made from (*.elf).  Each is compiled
# freestanding with riscv64-linux-gnu-gcc, linked by guest/nommu.ld into one
# read+exec block at address 0 and converted by elf2flt.py, which refuses
# anything that would not run in place (writable data, absolute relocations).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
cache=${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}
cc=riscv64-linux-gnu-gcc

die() { echo "build-nommu-guest: error: $*" >&2; exit 1; }

[ $# -eq 0 ] || die "usage: build-nommu-guest.sh"
command -v "$cc" >/dev/null || die "$cc not found (apt-get install gcc-riscv64-linux-gnu)"

# -mcmodel=medany and no PIC: every address is auipc-relative.  No jump
# tables and no switch conversion: both put tables of absolute addresses in
# .rodata.  -Wl,-q keeps the relocations for elf2flt.py to check.
# shellcheck disable=SC2054 # -Wl,... options hold commas
cflags=(-Os -march=rv64imac -mabi=lp64 -mcmodel=medany -fno-pic -fno-pie -ffreestanding -fno-builtin
	-fno-stack-protector -fno-jump-tables -fno-tree-switch-conversion -fno-tree-loop-distribute-patterns
	-fno-asynchronous-unwind-tables -mno-relax -Wall -Wextra -Werror
	-nostdlib -static -no-pie -Wl,--no-relax -Wl,-q -Wl,--build-id=none -T "$here/guest/nommu.ld")
big_text=262144

key=$( {
	"$cc" --version | head -n 1
	printf '%s\n' "${cflags[@]}" "$big_text"
	cat "$self" "$here/elf2flt.py" "$here/guest/nommu.ld" "$here/guest/nommu.h" \
		"$here/guest/nommucheck.c" "$here/guest/nommuprog.c"
} | sha256sum | cut -c1-16)
out=$cache/guest/riscv64-nommu-$key
if [ ! -f "$out/stamp" ]; then
	mkdir -p "$cache/guest"
	tmp=$(mktemp -d "$cache/guest/.build-nommu.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	"$cc" "${cflags[@]}" -o "$tmp/nommucheck.elf" "$here/guest/nommucheck.c" ||
		die "compiling nommucheck failed"
	"$cc" "${cflags[@]}" -o "$tmp/nommuprog.elf" "$here/guest/nommuprog.c" ||
		die "compiling nommuprog failed"
	"$cc" "${cflags[@]}" -DBIG_TEXT=$big_text -o "$tmp/nommubig.elf" "$here/guest/nommuprog.c" ||
		die "compiling nommubig failed"
	flt() { # ELF OUT [elf2flt options]
		python3 "$here/elf2flt.py" "${@:3}" "$tmp/$1" "$tmp/$2" 2>>"$tmp/log" ||
			{ cat "$tmp/log" >&2; die "elf2flt.py refused $1"; }
	}
	# init keeps its buffers on the stack
	flt nommucheck.elf nommucheck --stack 65536
	flt nommuprog.elf nommuprog
	flt nommubig.elf nommubig
	flt nommuprog.elf nommuprog-ram --flags 0x1
	chmod 755 "$tmp/nommucheck" "$tmp/nommuprog" "$tmp/nommubig" "$tmp/nommuprog-ram"
	touch "$tmp/stamp"
	rm -rf "$out"
	mv "$tmp" "$out"
	trap - EXIT
fi
echo "$out"
