#!/bin/bash
# bench-profile.sh [--target T] [--kernel K] [--series S] [--tree needed|minbase]
#                  [--out DIR] [--timeout S] [--profile FILE] [--trim B]
#
# Measures profile-guided XIP on a real workload in the kernel rig (x86_64
# or arm64-64k; the stock kernel or the one with kernel/patches, Linux 6.1
# or 6.12): a benchmark, not a test, and not part of `make check`.
#
# The root filesystem is the part of the cached Debian minbase tree
# (tests/lib/minbase.sh) that two workloads need: their programs, the
# libraries ld.so resolves for them, perl's base modules, /etc, dpkg's
# database and apt's configuration; or, on x86_64 with --tree minbase, the
# whole minbase tree, as a product's root filesystem holds much that a
# given workload never runs.  Workload A and workload B (the same
# programs with other arguments and inputs) are command lists run as root
# in a chroot of the mounted image, each list twice (guest/xipbench.c).
#
# Images of that tree, all of the target's page size:
#   compressed   mkcramfs -S (identical blocks stored once, as mkcramfs
#                does in every XIP image: the flash XIP adds is its own)
#   full -X      mkcramfs -X
#   profile      mkcramfs --xip-profile=A --xip-layout=stock
#   page         mkcramfs --xip-profile=A --xip-layout=page
#   trimmed      an experiment: mkcramfs --xip-profile=T --xip-layout=stock,
#                T being A with each segment's run cut where its cost says
#                (trim-profile.py; --trim)
# The profile A is taken in the guest by `cramfs-xip profile /mnt` right
# after workload A ran from the compressed image, and printed on the serial
# console.  Each image is booted once and runs A, then B, with the page
# cache dropped before each.  Measured per image and workload: the growth of
# Cached (/proc/meminfo) over the workload, the Rss of the image-backed
# mappings of every process at its exit (summed), the distinct pages mapped
# from flash (pagemap), the page faults of every process (minor and major,
# summed), and what `cramfs-xip status` says XIP saves for the same
# processes; on the host, `cramfsck --xip --profile=A` of each image with
# the rule of the kernel booted (prefix for stock, page for patched).
#
# Ratios against full -X:
#   RAM saving  = (growth compressed - growth image) / (growth compressed - growth full -X)
#   extra flash = (bytes image - bytes compressed) / (bytes full -X - bytes compressed)
# The table is printed and written as a section of bench/results.md
# (replacing the section of an earlier run of the same target and kernel).
#
# Options:
#   --out DIR      keep everything there (default: a temporary directory,
#                  removed at the end unless the run failed)
#   --timeout S    per boot (default 300, arm64 900)
#   --kernel K     stock (the default) or patched: the kernel built with
#                  the series kernel/patches/SERIES (page-granular XIP)
#   --series S     the Linux series, 6.1 (the default) or 6.12 (Debian's
#                  linux-source-S)
#   --tree T       needed (the default): the part of minbase the workloads
#                  need; minbase: the whole tree (x86_64 only: its full -X
#                  image, about 110 MB, fits the 256 MiB window, not the
#                  64 MiB flash bank of arm64)
#   --target T     x86_64 (the default) or arm64-64k: the arm64 rootfs is
#                  Debian's arm64 build of the same packages (apt-get
#                  download, unpacked and cached) with the minbase tree's
#                  /etc and databases; images of 64 KiB blocks in the
#                  virt board's second 64 MiB CFI bank
#   --profile FILE use this profile for the profile images instead of the
#                  one taken in the guest (the guest's is still recorded)
#   --trim B       the budget of the experiment image (default 0.33; 0: no
#                  such image): the profile trimmed by trim-profile.py to
#                  runs that hold at most B of the read-only segments' pages,
#                  in the stock layout
# Environment:
#   MKCRAMFS, CRAMFSCK   the tools (default: BUILDDIR/mkcramfs/mkcramfs, ...)
#   BUILDDIR             build directory (default: the source directory)
#   BENCH_RESULTS        the markdown file (default bench/results.md)
#   CRAMFS_TEST_CACHE    the cache of kernels, guest programs and minbase
#   CRAMFS_XIP_GUEST     a static cramfs-xip for the guest, instead of
#                        building one from the source tree
# The cramfs-xip tool of the guest is the static one build-guest.sh makes,
# or else is built static here from the source tree (cramfs-xip/*.c).  Without it there is no profile: only the compressed and
# full -X images are measured, and the report says so.
# Exit: 0 when every image was measured (whatever the ratios), 1 otherwise.
set -u -o pipefail

prog=bench-profile
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(cd "$here/../.." && pwd)

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
say() { printf '%s: %s\n' "$prog" "$*" >&2; }

out= timeout_s= given_profile= trim=0.33 target=x86_64 kvariant=stock series=6.1 tree=needed
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--profile) given_profile=$2; shift 2 ;;
	--trim) trim=$2; shift 2 ;;
	--target) target=$2; shift 2 ;;
	--kernel) kvariant=$2; shift 2 ;;
	--series) series=$2; shift 2 ;;
	--tree) tree=$2; shift 2 ;;
	-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

builddir=${BUILDDIR:-$srcdir}
MKCRAMFS=${MKCRAMFS:-$builddir/mkcramfs/mkcramfs}
CRAMFSCK=${CRAMFSCK:-$builddir/cramfsck/cramfsck}
results=${BENCH_RESULTS:-$srcdir/bench/results.md}
export LC_ALL=C
cache=${CRAMFS_TEST_CACHE:-$HOME/.cache/mkcramfs-xip}
case $target in
x86_64)
	arch=x86_64 ps=4096 cc=gcc qemu=qemu-system-x86_64 triplet=x86_64-linux-gnu
	interp=/lib64/ld-linux-x86-64.so.2
	flash_base=0x20000000 flash_window=$((256 * 1024 * 1024)) mtd=mtd:physmap-flash.0 ;;
arm64-64k)
	arch=arm64 ps=65536 cc=aarch64-linux-gnu-gcc qemu=qemu-system-aarch64 triplet=aarch64-linux-gnu
	interp=/lib/ld-linux-aarch64.so.1
	flash_base=0x4000000 flash_window=$((64 * 1024 * 1024)) mtd=mtd:4000000.flash ;;
*) die "unknown target '$target' (x86_64, arm64-64k)" ;;
esac
case $kvariant in
stock) patchdir= rule=prefix ;;
patched) patchdir=$srcdir/kernel/patches/$series rule=page ;;
*) die "unknown kernel '$kvariant' (stock, patched)" ;;
esac
case $series in
6.1 | 6.12) ;;
*) die "unknown series '$series' (6.1, 6.12)" ;;
esac
case $tree in
needed) ;;
minbase) [ "$target" = x86_64 ] || die "--tree minbase is for x86_64 (its full -X image does not fit arm64's 64 MiB flash bank)" ;;
*) die "unknown tree '$tree' (needed, minbase)" ;;
esac
# arm64 under TCG is slower
[ -n "$timeout_s" ] || timeout_s=$([ "$arch" = x86_64 ] && echo 300 || echo 900)

# ---- what is needed ----
missing=()
needs=("$qemu" "$cc" python3 chroot timeout)
[ "$arch" = x86_64 ] || needs+=(qemu-aarch64-static apt-get dpkg-deb)
for c in "${needs[@]}"; do
	command -v "$c" >/dev/null 2>&1 || missing+=("$c")
done
[ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} (see tests/kernel/README.md for the packages)"
[ -x "$MKCRAMFS" ] || die "mkcramfs not found at $MKCRAMFS (build it, or set MKCRAMFS)"
[ -x "$CRAMFSCK" ] || die "cramfsck not found at $CRAMFSCK (build it, or set CRAMFSCK)"
MKCRAMFS=$(cd "$(dirname "$MKCRAMFS")" && pwd)/$(basename "$MKCRAMFS")
CRAMFSCK=$(cd "$(dirname "$CRAMFSCK")" && pwd)/$(basename "$CRAMFSCK")
"$MKCRAMFS" --help 2>&1 | grep -q -- '--xip-profile' || die "$MKCRAMFS has no --xip-profile"
if [ "$(id -u)" -ne 0 ] || [ -n "${FAKEROOTKEY:-}" ]; then
	die "run as root (not under fakeroot): the rootfs has root-only files and device nodes"
fi
[ -z "$given_profile" ] || [ -f "$given_profile" ] || die "profile '$given_profile' not found"
python3 -c 'import sys; b = float(sys.argv[1]); sys.exit(0 if 0 <= b < 1 else 1)' "$trim" 2>/dev/null ||
	die "--trim takes a fraction from 0 (no trimmed image) to below 1, not '$trim'"

remove_out=0
if [ -z "$out" ]; then
	out=$(mktemp -d "${TMPDIR:-/tmp}/bench-profile.XXXXXX") || die "mktemp failed"
	remove_out=1
else
	rm -rf "$out"
	mkdir -p "$out" || die "cannot make $out"
fi
out=$(cd "$out" && pwd)
say "working in $out"
started=$(date +%s)

mb=$(sh "$srcdir/tests/lib/minbase.sh") || die "no minbase tree (tests/lib/minbase.sh)"
kernel=$(LINUX_SOURCE_PKG=linux-source-$series "$here/build-kernel.sh" "$target" $patchdir) ||
	die "no $kvariant Linux $series kernel for $target (LINUX_SOURCE_PKG=linux-source-$series build-kernel.sh $target $patchdir)"
guestdir=$("$here/build-guest.sh" "$arch") || die "cannot build the guest programs"

# ---- guest programs: xipbench, and cramfs-xip when the source has it ----
mkdir -p "$out/guest"
"$cc" -static -O2 -Wall -pthread -o "$out/guest/xipbench" "$here/guest/xipbench.c" ||
	die "compiling xipbench failed"
have_tool=0
if [ -n "${CRAMFS_XIP_GUEST:-}" ]; then
	cp "$CRAMFS_XIP_GUEST" "$out/guest/cramfs-xip" || die "cannot copy CRAMFS_XIP_GUEST=$CRAMFS_XIP_GUEST"
	have_tool=1
elif [ -x "$guestdir/cramfs-xip" ]; then
	# the kernel rig builds it with the guest programs
	cp "$guestdir/cramfs-xip" "$out/guest/cramfs-xip" || die "cannot copy $guestdir/cramfs-xip"
	have_tool=1
elif [ -f "$srcdir/cramfs-xip/main.c" ]; then
	version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac" | head -n 1)
	"$cc" -static -O2 -DPACKAGE_VERSION="\"${version:-unknown}\"" -o "$out/guest/cramfs-xip" \
		"$srcdir"/cramfs-xip/*.c || die "compiling cramfs-xip static failed"
	have_tool=1
else
	say "NOTE: no cramfs-xip in this source tree: no profile from the guest and no status figures"
fi
[ $have_tool = 1 ] || [ -n "$given_profile" ] ||
	say "NOTE: without a profile only the compressed and the full -X image are measured"

# ---- arm64: the same packages for arm64, unpacked (cached) ----
arch_note=
arm64_packages=(apt bash coreutils dash dpkg libapt-pkg6.0 libbz2-1.0 libc6 libcap2 libcrypt1 libgcc-s1
	libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libmd0 libpcre2-8-0 libperl5.36 libselinux1 libstdc++6
	libsystemd0 libtinfo6 libudev1 libxxhash0 libzstd1 perl-base zlib1g)
arm64_tree() { # prints the tree
	local key dir tmp d top
	key=$( { printf '%s\n' "${arm64_packages[@]}"; cat "$mb.done"; sed -n '/^arm64_tree()/,/^}/p' "$0"; } |
		sha256sum | cut -c1-16)
	dir=$cache/userland/arm64-bench-$key
	if [ ! -f "$dir.done" ]; then
		mkdir -p "$cache/userland"
		tmp=$(mktemp -d "$cache/userland/.bench.XXXXXX") || return 1
		(cd "$tmp" && apt-get download "${arm64_packages[@]/%/:arm64}" >"$tmp/log" 2>&1) || {
			cat "$tmp/log" >&2
			rm -rf "$tmp"
			say "cannot download the arm64 packages; run: dpkg --add-architecture arm64 && apt-get update"
			return 1
		}
		mkdir -p "$tmp/root/usr/bin" "$tmp/root/usr/sbin" "$tmp/root/usr/lib"
		chmod 755 "$tmp/root" "$tmp/root/usr" "$tmp/root/usr/bin" "$tmp/root/usr/sbin" "$tmp/root/usr/lib"
		ln -s usr/bin "$tmp/root/bin"
		ln -s usr/sbin "$tmp/root/sbin"
		ln -s usr/lib "$tmp/root/lib"
		for d in "$tmp"/*.deb; do
			# bookworm's packages still ship /bin and /lib: merge them into /usr
			rm -rf "$tmp/x"
			dpkg-deb -x "$d" "$tmp/x" || return 1
			for top in bin sbin lib; do
				if [ -d "$tmp/x/$top" ] && [ ! -L "$tmp/x/$top" ]; then
					mkdir -p "$tmp/x/usr/$top"
					cp -a "$tmp/x/$top/." "$tmp/x/usr/$top/" && rm -rf "${tmp:?}/x/$top"
				fi
			done
			cp -a "$tmp/x/." "$tmp/root/" || return 1
		done
		# the configuration and databases of the minbase tree, for arm64
		(cd "$mb" && cp -a --parents dev etc root tmp proc sys run var/lib/dpkg var/lib/apt var/cache/apt \
			var/log "$tmp/root/") || return 1
		rm -f "$tmp/root/etc/ld.so.cache"
		sed -i 's/^Architecture: amd64$/Architecture: arm64/' "$tmp/root/var/lib/dpkg/status"
		echo arm64 >"$tmp/root/var/lib/dpkg/arch"
		(cd "$tmp/root/var/lib/dpkg/info" && for d in *:amd64.*; do mv "$d" "${d/:amd64./:arm64.}"; done)
		rm -rf "$dir"
		mv "$tmp/root" "$dir" && rm -rf "$tmp" && touch "$dir.done" || return 1
	fi
	echo "$dir"
}
if [ "$arch" = arm64 ]; then
	arch_note="arm64: Debian bookworm's arm64 builds of the same $(( ${#arm64_packages[@]} )) packages, unpacked, with the minbase tree's /etc and databases (Architecture amd64 renamed arm64, no ld.so.cache)"
fi

# ---- the workloads ----
# A and B run the same programs; B gives them other arguments and inputs.
# perl's hash seed is fixed, so that every run takes the same paths.
cat >"$out/workload-A" <<'EOF'
bash -c 'for i in 1 2 3; do echo "line $i"; done | wc -l'
ls -l /usr/bin
sort /var/lib/dpkg/status | sha256sum
dpkg-query -W
dpkg -l
apt-config dump
apt-cache policy
apt-cache showpkg dpkg
PERL_HASH_SEED=0 perl -MData::Dumper -e '$Data::Dumper::Sortkeys = 1; print Dumper({a => [1, 2], b => "x"})'
EOF
cat >"$out/workload-B" <<'EOF'
bash -c 'n=0; while [ $n -lt 200 ]; do n=$((n + 1)); done; printf "%s\n" "$n" ${BASH_VERSION%%.*}'
ls -laR /etc
sort -t: -k3,3n /etc/passwd /etc/group | sha256sum
sha256sum /usr/bin/dpkg /usr/bin/perl
dpkg-query -W -f='${Package} ${Installed-Size} ${Status}\n'
dpkg -S /bin/ls
apt-config shell ARCH APT::Architecture
apt-cache depends apt
apt-cache show dpkg
PERL_HASH_SEED=0 perl -MList::Util=sum,max -e 'print sum(1 .. 1000), " ", max(3, 9, 2), "\n"'
EOF
programs=(sh dash bash ls sort sha256sum wc dpkg dpkg-query apt-config apt-cache perl)

# ---- the root filesystem: what the workloads need from minbase ----
rootfs=$out/rootfs
if [ "$tree" = minbase ]; then
	# the whole tree, as it is
	rootfs=$mb
else
	mkdir -p "$rootfs"
	chmod 755 "$rootfs"
	# data, configuration and modules (directories are taken whole)
	paths=(bin sbin lib dev etc root tmp proc sys run
		var/lib/dpkg var/lib/apt var/cache/apt var/log
		usr/share/dpkg
		"usr/lib/$triplet/perl-base"
		"usr/lib/$triplet/perl/5.36/Data/Dumper.pm"
		"usr/lib/$triplet/perl/5.36/auto/Data/Dumper")
	[ "$arch" != x86_64 ] || paths+=(lib64)
	for p in "${programs[@]}"; do
		paths+=("usr/bin/$p")
	done
	# The source tree: the minbase tree itself on x86_64; for arm64 a tree of
	# the same packages of the arm64 architecture (downloaded with apt-get and
	# unpacked, cached), with the minbase's configuration and databases
	src=$mb
	listlibs() { # FILE (a path in the tree): ld.so --list, run in the tree
		chroot "$mb" "$interp" --list "$1"
	}
	if [ "$arch" = arm64 ]; then
		src=$(arm64_tree) || die "cannot make the arm64 tree"
		listlibs() {
			qemu-aarch64-static -L "$src" "$src/usr$interp" --list "$1"
		}
	fi
	copy_paths() { # PATH...: from the source tree into the rootfs, parents' attributes kept
		(cd "$src" && cp -a --parents "$@" "$rootfs/")
	}
	copy_paths "${paths[@]}" || die "copying from $src failed"
	# the libraries ld.so resolves for every ELF file taken, as the tree's own
	# ld.so finds them (symlinks and their targets)
	libs=$(cd "$rootfs" && find . -type f -perm -u+x -o -type f -name '*.so*' | while read -r f; do
		head -c 4 "$f" | grep -q 'ELF' || continue
		listlibs "/${f#./}" 2>/dev/null
	done | awk '$2 == "=>" && $1 ~ /^\// { print $1; next } $2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
	[ -n "$libs" ] || die "ld.so --list found no library"
	for l in $libs; do
		# the name in its real directory (/lib is a symlink to usr/lib), and
		# what it links to; under qemu-aarch64 -L, ld.so may name itself by
		# its path on the host
		l=${l#"$src"}
		d=$(readlink -f "$src$(dirname "$l")")
		d=${d#"$src"/}/$(basename "$l")
		t=$(readlink -f "$src$l")
		t=${t#"$src"/}
		if [ "$t" = "$d" ]; then
			copy_paths "$d" || die "copying $l failed"
		else
			copy_paths "$d" "$t" || die "copying $l failed"
		fi
	done
fi
rootfs_bytes=$(du -sb "$rootfs" | cut -f1)
rootfs_entries=$(find "$rootfs" | wc -l)
rootfs_elf=$(find "$rootfs" -type f | while read -r f; do head -c 4 "$f" | grep -q ELF && echo "$f"; done | wc -l)
say "rootfs: $rootfs_bytes bytes, $rootfs_entries entries, $rootfs_elf ELF files"

# ---- images ----
mkimage() { # NAME MKCRAMFS-OPTIONS...
	local name=$1
	shift
	"$MKCRAMFS" -b $ps "$@" "$rootfs" "$out/$name.img" >"$out/$name.mkcramfs.log" 2>&1 ||
		die "mkcramfs $* failed: $(tail -n 3 "$out/$name.mkcramfs.log")"
	local size
	size=$(stat -c %s "$out/$name.img")
	[ "$size" -le $flash_window ] || die "the $name image ($size bytes) does not fit the $((flash_window >> 20)) MiB flash window"
	echo "$size" >"$out/$name.size"
}
mkimage compressed -S
mkimage fullx -X
say "images: compressed $(cat "$out/compressed.size") bytes, full -X $(cat "$out/fullx.size") bytes"

# ---- boots ----
boot() { # NAME RUN PROFILE: boots IMAGE NAME.img, BENCH lines to NAME.report
	local name=$1 run=$2 profile=$3 stage=$out/stage-$1 rc=0
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/mnt" "$stage/tmp"
	cp "$guestdir/busybox" "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$out/guest/xipbench" "$stage/xipbench"
	[ $have_tool = 0 ] || cp "$out/guest/cramfs-xip" "$stage/cramfs-xip"
	cp "$here/guest/benchinit" "$stage/init"
	cp "$out/workload-A" "$out/workload-B" "$stage/"
	chmod 755 "$stage/init" "$stage/xipbench" "$stage/bin/busybox"
	python3 "$here/mkcpio.py" "$stage" "$out/$name.cpio" || return 1
	local cmdline="panic=-1 loglevel=4" machine
	cmdline="$cmdline bench.dev=$mtd bench.flash=$flash_base,$(printf '0x%x' $flash_window)"
	cmdline="$cmdline bench.run=$run${profile:+ bench.profile=$profile}"
	if [ "$arch" = x86_64 ]; then
		# the `$` in memmap= is literal: it reserves the window physmap claims
		cmdline="console=ttyS0 no_timer_check memmap=256M\$$flash_base $cmdline"
		machine=(-accel tcg -m 1G -device "loader,file=$out/$name.img,addr=$flash_base,force-raw=on")
	else
		# the second CFI bank of the virt board, exactly 64 MiB
		cp "$out/$name.img" "$out/$name.flash1"
		truncate -s 64M "$out/$name.flash1"
		cmdline="console=ttyAMA0 $cmdline"
		machine=(-M virt,secure=on -cpu max -m 1G
			-drive "if=pflash,unit=1,format=raw,readonly=on,file=$out/$name.flash1")
	fi
	say "booting $name ($(cat "$out/$name.size") bytes)"
	timeout -k 5 "$timeout_s" nice "$qemu" "${machine[@]}" \
		-display none -monitor none -serial stdio -no-reboot \
		-kernel "$kernel" -initrd "$out/$name.cpio" -append "$cmdline" \
		</dev/null >"$out/$name.serial" 2>&1 || rc=$?
	rm -f "$out/$name.cpio" "$out/$name.flash1"
	tr -d '\r' <"$out/$name.serial" | sed -n 's/.*\(BENCH .*\)/\1/p' >"$out/$name.report"
	if [ $rc -ne 0 ] || ! grep -q '^BENCH done$' "$out/$name.report" || grep -q '^BENCH error' "$out/$name.report"; then
		say "boot of $name FAILED (qemu status $rc); serial log $out/$name.serial"
		grep '^BENCH error' "$out/$name.report" | head -n 5 >&2
		remove_out=0
		return 1
	fi
	say "$name done"
}

failed=0
boot compressed A,B A &
pid_c=$!
boot fullx A,B "" &
pid_x=$!
wait $pid_c || failed=1
wait $pid_x || failed=1
[ $failed = 0 ] || die "a boot failed (see $out)"

# the profile of workload A, from the compressed image
images=(compressed fullx)
profile=
if grep -q '^BENCH profile-end A' "$out/compressed.report"; then
	sed -n 's/^BENCH profile //p' "$out/compressed.report" >"$out/A.profile"
	profile=$out/A.profile
	say "profile A: $(grep -c '^file ' "$profile") files, $(awk '$1 == "file" && $4 != "-"' "$profile" | wc -l) with pages"
	sed -n 's/^BENCH profile-note /cramfs-xip profile said: /p' "$out/compressed.report" >&2
fi
if [ -n "$given_profile" ]; then
	cp "$given_profile" "$out/given.profile"
	profile=$out/given.profile
	say "using the given profile $given_profile"
fi
if [ -n "$profile" ]; then
	mkimage stock --xip-profile="$profile" --xip-layout=stock
	mkimage page --xip-profile="$profile" --xip-layout=page
	images+=(stock page)
	# the experiment: the stock layout of runs that end where their cost says
	if [ "$trim" != 0 ]; then
		python3 "$here/trim-profile.py" "$profile" "$rootfs" "$trim" "$out/trimmed.profile" ||
			die "trim-profile.py failed"
		mkimage trimmed --xip-profile="$out/trimmed.profile" --xip-layout=stock
		images+=(trimmed)
	fi
	pids=()
	for i in "${images[@]:2}"; do
		boot "$i" A,B "" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || failed=1
	done
	[ $failed = 0 ] || die "a boot failed (see $out)"
fi

# cramfsck's prediction for the profile, on every image
if [ -n "$profile" ]; then
	for i in "${images[@]}"; do
		"$CRAMFSCK" -b $ps --xip --rule=$rule --json --profile="$profile" "$out/$i.img" >"$out/$i.cramfsck.json" 2>"$out/$i.cramfsck.err" ||
			die "cramfsck --xip --profile on the $i image failed: $(head -c 300 "$out/$i.cramfsck.err")"
	done
fi

# ---- figures ----
BENCH_ROOTFS=$rootfs BENCH_TREE=$tree BENCH_TARGET=$target BENCH_KERNEL=$kvariant BENCH_SERIES=$series BENCH_RULE=$rule BENCH_WINDOW=$((flash_window >> 20)) BENCH_ARCH_NOTE=$arch_note BENCH_GIVEN=$given_profile BENCH_TRIM=$trim python3 - "$out" "$profile" "$results" "${images[@]}" <<'PY' || die "the report failed"
import json, os, re, sys, datetime, subprocess

out, profile, results = sys.argv[1], sys.argv[2], sys.argv[3]
images = sys.argv[4:]
given = os.environ.get("BENCH_GIVEN", "")
target = os.environ["BENCH_TARGET"]
kernel = os.environ["BENCH_KERNEL"]
series = os.environ["BENCH_SERIES"]
rule = os.environ["BENCH_RULE"]
kname = f"{kernel} Linux {series}" + (" (page-granular XIP)" if kernel == "patched" else "")
# the sections of the stock 6.1 kernel keep their old marker
tag = target if (kernel, series) == ("stock", "6.1") else f"{target} {kernel}-{series}"
if os.environ["BENCH_TREE"] != "needed":
    tag += " " + os.environ["BENCH_TREE"]
window = os.environ["BENCH_WINDOW"]
arch_note = os.environ.get("BENCH_ARCH_NOTE", "")
trim = float(os.environ.get("BENCH_TRIM", "0"))
pname = "given profile" if given else "profile A"
label = {"compressed": "compressed (mkcramfs -S)", "fullx": "full XIP (-X)",
         "stock": f"{pname}, --xip-layout=stock", "page": f"{pname}, --xip-layout=page",
         "trimmed": f"experiment: {pname} trimmed to runs of {trim:.0%} (trim-profile.py), --xip-layout=stock"}

def fields(line):
    return dict(re.findall(r"(\S+?)=(\S*)", line))

data = {}
for img in images:
    rep = open(os.path.join(out, img + ".report")).read().splitlines()
    size = int(open(os.path.join(out, img + ".size")).read())
    per = {}
    cur = None
    for line in rep:
        if line.startswith("BENCH workload "):
            cur = line.split()[2]
            per[cur] = {"cmds": [], "mem": {}}
        elif cur and line.startswith("BENCH mem "):
            f = fields(line)
            per[cur]["mem"][f["phase"]] = int(f["cached"])
        elif cur and line.startswith("BENCH cmd "):
            per[cur]["cmds"].append(fields(line))
        elif cur and line.startswith("BENCH totals "):
            per[cur]["totals"] = {k: int(v) for k, v in fields(line).items()}
        elif cur and line.startswith("BENCH status-totals "):
            per[cur]["status"] = {k: int(v) for k, v in fields(line).items()}
    pred = None
    jf = os.path.join(out, img + ".cramfsck.json")
    if profile and os.path.exists(jf):
        pred = json.load(open(jf)).get("profile")
    data[img] = {"size": size, "w": per, "pred": pred}

def growth(img, w):
    m = data[img]["w"][w]["mem"]
    return m["pass2"] - m["before"]

def kb(n):
    return f"{n:,}"

rows = []
notes = []
# the commands must give the same output from every image
for w in ("A", "B"):
    ref = data["compressed"]["w"][w]["cmds"]
    for img in images:
        for a, b in zip(ref, data[img]["w"][w]["cmds"]):
            if (a["hash"], a["exit"]) != (b["hash"], b["exit"]):
                notes.append(f"workload {w} command {a['idx']} pass {a['pass']}: output or exit of the {img} image differs from the compressed one's")
    for c in ref:
        if c["exit"] != "0":
            notes.append(f"workload {w} command {c['idx']} exits {c['exit']}")

c_size, x_size = data["compressed"]["size"], data["fullx"]["size"]
table = []
table.append(f"| image | workload | flash bytes | extra flash vs full -X | page cache growth kB | RAM saving vs full -X | image Rss kB (sum at exit) | flash pages mapped | minor faults (major) | minor faults vs full -X | cramfs-xip status: saved kB (rig's pagemap) | cramfsck --rule={rule} --profile=A: used pages from flash / RAM |")
table.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
summary = {}
for img in images:
    for w in ("A", "B"):
        d = data[img]
        g, gc, gx = growth(img, w), growth("compressed", w), growth("fullx", w)
        saving = (gc - g) / (gc - gx) if gc != gx else float("nan")
        extra = (d["size"] - c_size) / (x_size - c_size)
        t = d["w"][w]["totals"]
        st = d["w"][w].get("status")
        stxt = f"{st['saved'] // 1024:,} ({st['mine-saved'] // 1024:,})" if st and st["samples"] else "-"
        if st and st["failed"]:
            stxt += f", {st['failed']} failed"
        p = d["pred"]
        ptxt = f"{p['flash']:,} / {p['ram']:,}" if p and w == "A" else ("" if p else "-")
        faults = t["minflt"] / data["fullx"]["w"][w]["totals"]["minflt"]
        summary[(img, w)] = (saving, extra, faults)
        table.append(f"| {label[img]} | {w} | {d['size']:,} | {extra:.1%} | {kb(g)} | {saving:.1%} | {kb(t['rss'])} | {t['distinct-flash']:,} | {t['minflt']:,} ({t['majflt']:,}) | {faults:.2f} | {stxt} | {ptxt} |")

goals = []
def goal(name, text, ok):
    goals.append(f"| {name} | {text} | {'-' if ok is None else 'met' if ok else 'NOT met'} |")
if ("stock", "A") in summary and kernel == "stock":
    s, e, f = summary[("stock", "A")]
    goal("stock layout, stock kernel, workload A", f"RAM saving {s:.1%} (goal >= 70%), extra flash {e:.1%} (goal <= 35%)", s >= 0.70 and e <= 0.35)
    s, e, f = summary[("stock", "B")]
    goal("stock layout, profile from A measured on B", f"RAM saving {s:.1%} (goal >= 75%)", s >= 0.75)
    s, e, f = summary[("page", "A")]
    goal("page layout on the stock kernel, workload A (no goal: needs a page-granular kernel)", f"RAM saving {s:.1%}, extra flash {e:.1%}", None)
if ("page", "A") in summary and kernel == "patched":
    s, e, f = summary[("page", "A")]
    goal("page layout, page-granular kernel, workload A", f"RAM saving {s:.1%} (goal >= 95%), extra flash {e:.1%} (goal <= 10%)", s >= 0.95 and e <= 0.10)
    for w in ("A", "B"):
        s, e, f = summary[("page", w)]
        goal(f"page layout, page-granular kernel, workload {w}: minor faults against full -X's", f"{f:.2f} times (goal <= 1.10)", f <= 1.10)
    s, e, f = summary[("page", "B")]
    goal("page layout, profile from A measured on B", f"RAM saving {s:.1%} (goal >= 75%)", s >= 0.75)
    s, e, f = summary[("stock", "A")]
    goal("stock layout on the page-granular kernel, workload A (no goal: made for a stock kernel)", f"RAM saving {s:.1%}, extra flash {e:.1%}", None)
if ("trimmed", "A") in summary:
    s, e, f = summary[("trimmed", "A")]
    goal("experiment: trimmed runs, stock layout, workload A", f"RAM saving {s:.1%} (goal >= 70%), extra flash {e:.1%} (goal <= 35%)", s >= 0.70 and e <= 0.35)
    s, e, f = summary[("trimmed", "B")]
    goal("experiment: trimmed runs, profile from A measured on B", f"RAM saving {s:.1%} (goal >= 75%)", s >= 0.75)

rootfs = os.environ["BENCH_ROOTFS"]
tree = os.environ["BENCH_TREE"]
nbytes = int(subprocess.run(["du", "-sb", rootfs], capture_output=True, text=True).stdout.split()[0])
nentries = int(subprocess.run(f"find '{rootfs}' | wc -l", shell=True, capture_output=True, text=True).stdout)
A = [l.rstrip("\n") for l in open(os.path.join(out, "workload-A")) if l.strip()]
B = [l.rstrip("\n") for l in open(os.path.join(out, "workload-B")) if l.strip()]
md = []
md.append(f"<!-- bench-profile {tag}{' given' if given else ''}:" + " written by tests/kernel/bench-profile.sh; an earlier run's section of this kind is replaced -->")
md.append(f"## Profile-guided XIP on the kernel rig ({target}, {kname}{', the whole minbase tree' if os.environ['BENCH_TREE'] == 'minbase' else ''})" + (", with a given profile" if given else ""))
md.append("")
measured = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(out, "compressed.report")), datetime.timezone.utc)
md.append(f"- date: {measured:%Y-%m-%d %H:%M UTC}; `tests/kernel/bench-profile.sh --target {target} --kernel {kernel} --series {series} --tree {os.environ['BENCH_TREE']}`; qemu TCG, 1 GiB guest, image in the {window} MiB {'physmap window' if target == 'x86_64' else 'second CFI flash bank'}, mounted from MTD (no readahead)")
load = open("/proc/loadavg").read().split()[:3]
md.append(f"- machine: {os.cpu_count()} CPUs, load average {' '.join(load)} at the end (the figures are counts of pages, not times: the load does not change them)")
if tree == "minbase":
    md.append(f"- rootfs: the whole Debian bookworm minbase tree (`--tree minbase`, made by mmdebstrap), {nbytes:,} bytes, {nentries:,} entries")
else:
    md.append(f"- rootfs: the part of the Debian bookworm minbase tree the workloads need, {nbytes:,} bytes, {nentries:,} entries (their programs, the libraries ld.so resolves, perl-base's modules and Data::Dumper, /etc, /var/lib/dpkg, apt's configuration and cache directories, /usr/share/dpkg)" + (f"; {arch_note}" if arch_note else ""))
md.append("- workload A (run as root in a chroot of the image, the list twice): " + "; ".join(f"`{c}`" for c in A))
md.append("- workload B (the same programs, other arguments): " + "; ".join(f"`{c}`" for c in B))
if given:
    md.append(f"- profile: **given with --profile** ({given}), not the one taken in the guest; cramfsck's prediction is for it")
elif profile:
    md.append("- profile: `cramfs-xip profile /mnt` after workload A on the compressed image")
else:
    md.append("- **no profile: the profile images were not measured**")
if "trimmed" in images:
    md.append(f"- experiment (not a layout of mkcramfs): `tests/kernel/trim-profile.py` ends the run of every read-only segment where its cost says, so that the runs hold at most {trim:.0%} of the segments' pages and as many profiled pages as fit (profiled pages shared with a data segment not counted); the stock layout of that profile")
md.append("- page cache growth: Cached after both passes minus Cached before, caches dropped first; image Rss: Rss of the vmas backed by image files of every process, summed, read when each process exits; flash pages mapped: distinct frames in the flash window over the workload; minor faults: minflt of /proc/PID/stat of every process at its exit, summed over both passes (major: majflt); cramfs-xip status: `cramfs-xip status --json PID` of each process at its exit in the second pass, xip_saved_bytes summed, beside the same count from the rig's pagemap reading")
md.append("- RAM saving = (growth compressed - growth image) / (growth compressed - growth full -X); extra flash = (bytes image - bytes compressed) / (bytes full -X - bytes compressed)")
md.append("")
md += table
md.append("")
if goals:
    md.append("| goal | measured | result |")
    md.append("|---|---|---|")
    md += goals
    md.append("")
    if kernel == "stock":
        md.append("The page layout stores only the profiled pages in place; a stock kernel maps a segment's direct run from its first page only, so most of those pages are read through the page cache anyway. It is made for the page-granular kernel (kernel/patches, patch 5), measured here on the stock kernel anyway.")
    else:
        md.append("The page-granular kernel maps every direct page of a read-only mapping from flash, wherever it lies in the segment: the page layout stores only the profiled pages in place. The stock layout stores each segment's run up to its last profiled page, so it spends more flash for the same pages.")
    md.append("")
second = {img: max(data[img]["w"][w]["mem"]["pass2"] - data[img]["w"][w]["mem"]["pass1"] for w in ("A", "B")) for img in images}
md.append("- growth of Cached in the second pass alone (the first pass read what the workload needs; the second also runs cramfs-xip status): "
          + ", ".join(f"{img} {second[img]} kB" for img in images))
st_all = [data[img]["w"][w].get("status") for img in images for w in ("A", "B")]
if all(st_all):
    differ = sum(s["differ"] + s["failed"] for s in st_all)
    md.append(f"- cramfs-xip status against the rig's pagemap count, process by process: {sum(s['samples'] for s in st_all)} processes, {differ} disagreeing")
md.append("")
for n in notes:
    md.append(f"- note: {n}")
if notes:
    md.append("")
text = "\n".join(md) + "\n"
print(text)
# runs of both targets at once: one rewrites the file at a time
import fcntl
lock = open(results + ".lock", "w")
fcntl.flock(lock, fcntl.LOCK_EX)
old = open(results).read() if os.path.exists(results) else ""
# one section per target and kind of run (taken profile, given profile):
# ours replaces the earlier one of its kind, the rest stays
marker = f"<!-- bench-profile {tag}{' given' if given else ''}:"
parts = re.split(r"(?m)^(?=<!-- bench-profile)", old)
kept = [parts[0].rstrip("\n")] + [p.rstrip("\n") for p in parts[1:] if not p.startswith(marker)]
new = "\n\n".join(k for k in kept if k) + ("\n\n" if any(kept) else "") + text
tmp = results + ".tmp"
open(tmp, "w").write(new)
os.replace(tmp, results)
os.unlink(results + ".lock")
lock.close()
print(f"bench-profile: written: {results}", file=sys.stderr)
PY
say "finished in $(($(date +%s) - started)) s"
if [ $remove_out = 1 ]; then
	rm -rf "$out"
fi
exit 0
