#!/bin/bash
# bench/run.sh [BUILDDIR]
#
# Measures mkcramfs and cramfsck against util-linux mkfs.cramfs /
# fsck.cramfs and mksquashfs on the Debian bookworm minbase tree (see
# tests/lib/minbase.sh), checks the performance targets, prints a table
# and writes the same as markdown to bench/results.md.  See
# bench/README.md for what is measured and how.
#
# Environment:
#   MKCRAMFS, CRAMFSCK   the binaries to measure (default:
#                        BUILDDIR/mkcramfs/mkcramfs, BUILDDIR/cramfsck/cramfsck)
#   BUILDDIR             build directory when no argument is given (default:
#                        the source directory, i.e. an in-tree build)
#   BENCH_REPS           timed repetitions of each row (default 5)
#   BENCH_RESULTS        where to write the markdown (default bench/results.md)
#   BENCH_SKIP_NEW=1     drop the rows of --best, -j 1 and -j 2 (for a
#                        mkcramfs that does not have them yet)
#   CRAMFS_TEST_CACHE    where the corpus is cached (see tests/lib/minbase.sh)
#
# Exit status: 0 when every row was measured, whether the targets are met
# or not; 1 when something is missing or failed to run.
set -u -o pipefail

prog=bench/run.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
srcdir=$(dirname "$here")

die() {
	printf '%s: error: %s\n' "$prog" "$*" >&2
	exit 1
}
say() {
	printf '%s: %s\n' "$prog" "$*" >&2
}
loud() {
	printf '\n%s: ********************************************************\n' "$prog" >&2
	local line
	for line in "$@"; do
		printf '%s: *** %s\n' "$prog" "$line" >&2
	done
	printf '%s: ********************************************************\n\n' "$prog" >&2
}

case $# in
0) builddir=${BUILDDIR:-$srcdir} ;;
1) builddir=$1 ;;
*) printf 'usage: %s [BUILDDIR]\n' "$prog" >&2; exit 1 ;;
esac
MKCRAMFS=${MKCRAMFS:-$builddir/mkcramfs/mkcramfs}
CRAMFSCK=${CRAMFSCK:-$builddir/cramfsck/cramfsck}
reps=${BENCH_REPS:-5}
results=${BENCH_RESULTS:-$here/results.md}
skip_new=${BENCH_SKIP_NEW:-0}
[ "$skip_new" = 0 ] || [ "$skip_new" = 1 ] || die "BENCH_SKIP_NEW must be 0 or 1, not '$skip_new'"
case $reps in
'' | *[!0-9]* | 0) die "BENCH_REPS must be a whole number of at least 1, not '$reps'" ;;
esac

# mkfs.cramfs and fsck.cramfs live in /usr/sbin, not always on PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
export LC_ALL=C

# ---- what is needed ----------------------------------------------------
missing=()
need() { # TOOL PACKAGE
	command -v "$1" >/dev/null 2>&1 || missing+=("$1 (apt-get install $2)")
}
need mkfs.cramfs util-linux-extra
need fsck.cramfs util-linux-extra
need mksquashfs squashfs-tools
if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
	missing+=("/usr/bin/time, GNU time (apt-get install time)")
fi
need mount mount
need umount mount
need awk mawk
need cmp diffutils
need python3 python3-minimal
if [ "${#missing[@]}" -gt 0 ]; then
	printf '%s: error: missing tools:\n' "$prog" >&2
	printf '  %s\n' "${missing[@]}" >&2
	die "install the packages above (see bench/README.md) and run again"
fi
[ -x "$MKCRAMFS" ] || die "mkcramfs not found at $MKCRAMFS (build it, or set MKCRAMFS)"
[ -x "$CRAMFSCK" ] || die "cramfsck not found at $CRAMFSCK (build it, or set CRAMFSCK)"
MKCRAMFS=$(cd "$(dirname "$MKCRAMFS")" && pwd)/$(basename "$MKCRAMFS")
CRAMFSCK=$(cd "$(dirname "$CRAMFSCK")" && pwd)/$(basename "$CRAMFSCK")
# The tree has files only root may read (etc/shadow), and the tmpfs is
# mounted here: real root is needed, fakeroot will not do.
if [ "$(id -u)" -ne 0 ] || [ -n "${FAKEROOTKEY:-}" ]; then
	die "run as root (not under fakeroot): the corpus has files only root can read, and the bench mounts a tmpfs"
fi

# ---- the new options: present, or explicitly skipped --------------------
help=$("$MKCRAMFS" --help 2>&1) || die "'$MKCRAMFS --help' failed"
have_best=0
have_jobs=0
grep -q -- '--best' <<<"$help" && have_best=1
grep -Eq -- '(^|[[:space:],])(-j[[:space:],]|--jobs)' <<<"$help" && have_jobs=1
if [ "$skip_new" = 1 ]; then
	loud "BENCH_SKIP_NEW=1: the rows mkcramfs --best, mkcramfs -j 1 and mkcramfs -j 2" \
		"are NOT measured, and their targets (--best image size, -j speed-up) are NOT checked." \
		"This run is incomplete; run again without BENCH_SKIP_NEW for the full benchmark." \
		"(--help lists --best: $([ $have_best = 1 ] && echo yes || echo no);" \
		" --help lists -j/--jobs: $([ $have_jobs = 1 ] && echo yes || echo no))"
else
	[ "$have_best" = 1 ] || die "'$MKCRAMFS --help' does not list --best: the option is missing (BENCH_SKIP_NEW=1 measures the other rows only)"
	[ "$have_jobs" = 1 ] || die "'$MKCRAMFS --help' does not list -j/--jobs: the option is missing (BENCH_SKIP_NEW=1 measures the other rows only)"
fi

# ---- the corpus -------------------------------------------------------
full=$(sh "$srcdir/tests/lib/minbase.sh") || die "could not build or find the minbase corpus (tests/lib/minbase.sh)"
quarter=$(sh "$srcdir/tests/lib/minbase.sh" --quarter) || die "could not build or find the quarter corpus (tests/lib/minbase.sh --quarter)"
stampval() { # TREE KEY
	sed -n "s/^$2=//p" "$1.done" 2>/dev/null | head -n 1
}
full_bytes=$(stampval "$full" bytes)
full_entries=$(stampval "$full" entries)
quarter_bytes=$(stampval "$quarter" bytes)
quarter_entries=$(stampval "$quarter" entries)
[ -n "$full_bytes" ] || full_bytes=$(du -sb "$full" | cut -f1)
[ -n "$full_entries" ] || full_entries=$(find "$full" | wc -l)
[ -n "$quarter_bytes" ] || quarter_bytes=$(du -sb "$quarter" | cut -f1)
[ -n "$quarter_entries" ] || quarter_entries=$(find "$quarter" | wc -l)

# ---- a tmpfs for every output -------------------------------------------
T=$(mktemp -d /tmp/mkcramfs-bench.XXXXXX) || die "mktemp failed"
mounted=0
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	if [ "$mounted" = 1 ]; then
		umount "$T" 2>/dev/null || umount -l "$T" 2>/dev/null
	fi
	rm -rf --one-file-system "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mount -t tmpfs -o size=4g,mode=0700 mkcramfs-bench "$T" || die "cannot mount a tmpfs on $T"
mounted=1
mkdir "$T/img" "$T/log" || die "mkdir in $T failed"

# ---- the rows ----------------------------------------------------------
# Building rows, on the full corpus unless said otherwise, then the
# checking rows, which all read $T/ref.img (our default image).
rows=(our_default our_X)
[ "$skip_new" = 1 ] || rows+=(our_best our_j1 our_j2)
rows+=(ul_mkfs squashfs our_quarter our_ck our_ck_j1 our_ck_x ul_fsck_x)

declare -A label=(
	[our_default]="mkcramfs"
	[our_X]="mkcramfs -X"
	[our_best]="mkcramfs --best"
	[our_j1]="mkcramfs -j 1"
	[our_j2]="mkcramfs -j 2"
	[ul_mkfs]="mkfs.cramfs (util-linux)"
	[squashfs]="mksquashfs -b 4096 -comp gzip, 2 threads"
	[our_quarter]="mkcramfs, quarter corpus"
	[our_ck]="cramfsck (full check)"
	[our_ck_j1]="cramfsck -j 1 (full check, one thread)"
	[our_ck_x]="cramfsck -x DIR"
	[ul_fsck_x]="fsck.cramfs --extract=DIR"
)

# setup ID: fill CMD with the command line, OUT with its image (or ""),
# and clear what the previous run of the row left (untimed).
setup() {
	OUT=
	case $1 in
	our_default) OUT=$T/img/default.img; CMD=("$MKCRAMFS" "$full" "$OUT") ;;
	our_X) OUT=$T/img/xip.img; CMD=("$MKCRAMFS" -X "$full" "$OUT") ;;
	our_best) OUT=$T/img/best.img; CMD=("$MKCRAMFS" --best "$full" "$OUT") ;;
	our_j1) OUT=$T/img/j1.img; CMD=("$MKCRAMFS" -j 1 "$full" "$OUT") ;;
	our_j2) OUT=$T/img/j2.img; CMD=("$MKCRAMFS" -j 2 "$full" "$OUT") ;;
	ul_mkfs) OUT=$T/img/mkfs.img; CMD=(mkfs.cramfs "$full" "$OUT") ;;
	squashfs) OUT=$T/img/squashfs.img
		CMD=(mksquashfs "$full" "$OUT" -b 4096 -comp gzip -noappend -processors 2 -no-progress) ;;
	our_quarter) OUT=$T/img/quarter.img; CMD=("$MKCRAMFS" "$quarter" "$OUT") ;;
	our_ck) CMD=("$CRAMFSCK" "$T/ref.img") ;;
	our_ck_j1) CMD=("$CRAMFSCK" -j 1 "$T/ref.img") ;;
	our_ck_x) rm -rf "$T/x1"; CMD=("$CRAMFSCK" -x "$T/x1" "$T/ref.img") ;;
	ul_fsck_x) rm -rf "$T/x2"; CMD=(fsck.cramfs "--extract=$T/x2" "$T/ref.img") ;;
	*) die "internal: unknown row $1" ;;
	esac
	[ -z "$OUT" ] || rm -f "$OUT"
}

declare -A walls=() rsss=() sizes=()

# run ID TIMED: run a row once; if TIMED, record wall, RSS and image size.
run() {
	local id=$1 timed=$2 rc wall rss size
	setup "$id"
	/usr/bin/time -f '%e %M' -o "$T/log/time" "${CMD[@]}" >"$T/log/out" 2>"$T/log/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		printf '%s: error: row "%s" failed, exit status %s:\n  %s\n' "$prog" "${label[$id]}" "$rc" "${CMD[*]}" >&2
		tail -n 20 "$T/log/err" | sed 's/^/  | /' >&2
		if [ "$rc" -eq 16 ]; then
			case $id in
			our_best) say "mkcramfs refused --best: the option is missing or broken" ;;
			our_j1 | our_j2) say "mkcramfs refused -j: the option is missing or broken" ;;
			esac
		fi
		exit 1
	fi
	read -r wall rss <"$T/log/time" || die "could not read the time of row ${label[$id]}"
	size=-
	if [ -n "$OUT" ]; then
		[ -f "$OUT" ] || die "row \"${label[$id]}\" exited 0 but wrote no $OUT"
		size=$(stat -c %s "$OUT")
	fi
	if [ "$timed" = 1 ]; then
		walls[$id]+="$wall "
		rsss[$id]+="$rss "
		sizes[$id]+="$size "
	fi
}

loadavg() {
	cut -d' ' -f1-3 /proc/loadavg
}
load_before=$(loadavg)
maxload=$(cut -d' ' -f1 /proc/loadavg)
note_load() {
	maxload=$(awk -v a="$maxload" -v b="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { print (b > a) ? b : a }')
}
busy=$(awk -v l="${load_before%% *}" 'BEGIN { print (l >= 0.5) ? 1 : 0 }')
if [ "$busy" = 1 ]; then
	loud "The machine is not idle (load average $load_before before the run):" \
		"the figures are indicative until rerun on an idle machine."
fi

say "corpus: $full ($full_bytes bytes, $full_entries entries)"
say "quarter: $quarter ($quarter_bytes bytes, $quarter_entries entries)"
say "mkcramfs: $MKCRAMFS"
say "cramfsck: $CRAMFSCK"
say "rows: ${#rows[@]}, $reps timed repetitions each, after one untimed warm-up"

# ---- warm-up: every row once, untimed; keeps our default image ----------
say "warm-up"
for id in "${rows[@]}"; do
	run "$id" 0
	if [ "$id" = our_default ]; then
		cp "$T/img/default.img" "$T/ref.img" || die "cannot keep the reference image"
	fi
done
note_load

# ---- timed rounds: round robin, each round starting one row later -----
n=${#rows[@]}
round_loads=
start_s=$(date +%s)
for ((r = 0; r < reps; r++)); do
	for ((k = 0; k < n; k++)); do
		id=${rows[$(((r + k) % n))]}
		run "$id" 1
	done
	note_load
	round_loads+="$(loadavg | cut -d' ' -f1) "
	say "round $((r + 1))/$reps done ($(($(date +%s) - start_s)) s, load $(loadavg))"
done

# ---- size against compression level: one run of each, after the rounds --
# Not part of the rounds (level 12 alone takes several seconds): it shows
# what each level costs and gives, to explain the size targets.
sweep_opts=("-l 1" "-l 4" "-l 6" "-l 7" "-l 8" "-l 9" "-l 10" "-l 11" "-l 12" "-S" "--best -S")
sweep_wall=() sweep_size=()
say "level sweep: ${#sweep_opts[@]} builds, one run each"
for opt in "${sweep_opts[@]}"; do
	rm -f "$T/img/sweep.img"
	# shellcheck disable=SC2086 # opt is one or two words
	/usr/bin/time -f '%e %M' -o "$T/log/time" "$MKCRAMFS" $opt "$full" "$T/img/sweep.img" >/dev/null 2>"$T/log/err" ||
		die "mkcramfs $opt failed: $(tail -n 3 "$T/log/err")"
	read -r wall _ <"$T/log/time" || die "could not read the time of mkcramfs $opt"
	sweep_wall+=("$wall")
	sweep_size+=("$(stat -c %s "$T/img/sweep.img")")
done
note_load
load_after=$(loadavg)

# Our -j 1, -j 2 and default images should be the same bytes.
identical=
if [ "$skip_new" = 0 ]; then
	if cmp -s "$T/img/default.img" "$T/img/j1.img" && cmp -s "$T/img/default.img" "$T/img/j2.img"; then
		identical=yes
	else
		identical=no
	fi
fi

# ---- figures -----------------------------------------------------------
median() { # numbers...
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
declare -A W=() R=() S=() WMIN=() WMAX=() SVARY=()
for id in "${rows[@]}"; do
	# shellcheck disable=SC2086
	W[$id]=$(median ${walls[$id]})
	# shellcheck disable=SC2086
	R[$id]=$(median ${rsss[$id]})
	# shellcheck disable=SC2086
	WMIN[$id]=$(printf '%s\n' ${walls[$id]} | sort -g | head -n 1)
	# shellcheck disable=SC2086
	WMAX[$id]=$(printf '%s\n' ${walls[$id]} | sort -g | tail -n 1)
	first=${sizes[$id]%% *}
	S[$id]=$first
	SVARY[$id]=0
	for s in ${sizes[$id]}; do
		[ "$s" = "$first" ] || SVARY[$id]=1
	done
	if [ "${SVARY[$id]}" = 1 ]; then
		# shellcheck disable=SC2086
		S[$id]=$(median ${sizes[$id]})
	fi
done

calc() { # AWK-EXPRESSION
	awk "BEGIN { print $1 }"
}
ratio() { # A B: "A/B" as 0.00x
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.2fx\n", a / b }'
}
ratio3() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.3fx\n", a / b }'
}
ratio4() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "n/a"; else printf "%.4fx\n", a / b }'
}
secs() {
	awk -v a="$1" 'BEGIN { printf "%.2f\n", a }'
}
mib() { # KiB
	awk -v a="$1" 'BEGIN { printf "%.1f\n", a / 1024 }'
}
group() { # 12345678 -> 12,345,678
	awk -v n="$1" 'BEGIN { if (n == "-") { print "-"; exit } s = sprintf("%d", n); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'
}
verdict() { # VALUE OP LIMIT -> PASS or MISS
	awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? (v <= l) : (v >= l); print ok ? "PASS" : "MISS" }'
}

out=()
emit() {
	out+=("$*")
}

ver_mk=$("$MKCRAMFS" -V 2>&1 | head -n 1)
ver_ck=$("$CRAMFSCK" -V 2>&1 | head -n 1)
ver_ul=$(mkfs.cramfs -V 2>&1 | head -n 1)
ver_ulck=$(fsck.cramfs -V 2>&1 | head -n 1)
ver_sq=$(mksquashfs -version 2>&1 | head -n 1)
cpu=$(sed -n 's/^model name[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
[ -n "$cpu" ] || cpu=$(uname -m)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB\n", $2 / 1048576 }' /proc/meminfo)
rev=
if command -v git >/dev/null 2>&1 && git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	rev=$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null)
	[ -z "$(git -C "$srcdir" status --porcelain --untracked-files=no 2>/dev/null)" ] || rev="$rev with local changes"
fi

emit "# mkcramfs-xip benchmark"
emit ""
emit "- date: $(date '+%Y-%m-%d %H:%M %Z')"
emit "- machine: $(nproc) CPUs ($cpu), $mem, kernel $(uname -sr) $(uname -m)"
emit "- load average (1, 5, 15 min): $load_before before, $load_after after; highest 1-min value seen: $maxload"
if [ "$busy" = 1 ]; then
	emit "- **the machine was not idle: these figures are indicative until rerun on an idle machine**"
fi
emit "- tools: \`$ver_mk\`; \`$ver_ck\`; \`$ver_ul\`; \`$ver_ulck\`; \`$ver_sq\`"
[ -z "$rev" ] || emit "- source tree at run time: $rev"
emit "- corpus: Debian bookworm minbase (\`tests/lib/minbase.sh\`), $(group "$full_bytes") bytes, $full_entries entries; quarter corpus $(group "$quarter_bytes") bytes, $quarter_entries entries"
emit "- method: one untimed warm-up run of every row (warm page cache for all), then $reps timed rounds, round robin, each round starting one row later; median of the $reps runs; wall and peak RSS from \`/usr/bin/time -f '%e %M'\` (wall to 10 ms); inputs read from disk (cached), images and extracted trees written to a tmpfs"
if [ "$skip_new" = 1 ]; then
	emit "- **INCOMPLETE: BENCH_SKIP_NEW=1, the rows mkcramfs --best, -j 1 and -j 2 and their targets were not measured**"
fi
emit ""

mk=ul_mkfs
sq=squashfs
emit "## Building an image of the full corpus"
emit ""
emit "| tool | wall s | wall min-max s | peak RSS MiB | image bytes | wall / mkfs.cramfs | image / mkfs.cramfs | RSS / mkfs.cramfs | wall / mksquashfs | image / mksquashfs | RSS / mksquashfs |"
emit "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for id in our_default our_X our_best our_j1 our_j2 ul_mkfs squashfs; do
	[ -n "${W[$id]:-}" ] || continue
	size=$(group "${S[$id]}")
	[ "${SVARY[$id]}" = 0 ] || size="$size (varies)"
	case $id in
	our_*)
		emit "| ${label[$id]} | $(secs "${W[$id]}") | $(secs "${WMIN[$id]}")-$(secs "${WMAX[$id]}") | $(mib "${R[$id]}") | $size" \
			"| $(ratio "${W[$id]}" "${W[$mk]}") | $(ratio3 "${S[$id]}" "${S[$mk]}") | $(ratio "${R[$id]}" "${R[$mk]}")" \
			"| $(ratio "${W[$id]}" "${W[$sq]}") | $(ratio3 "${S[$id]}" "${S[$sq]}") | $(ratio "${R[$id]}" "${R[$sq]}") |"
		;;
	*)
		emit "| ${label[$id]} | $(secs "${W[$id]}") | $(secs "${WMIN[$id]}")-$(secs "${WMAX[$id]}") | $(mib "${R[$id]}") | $size | | | | | | |"
		;;
	esac
done
emit ""

ck=ul_fsck_x
emit "## Checking our default image"
emit ""
emit "| tool | wall s | wall min-max s | peak RSS MiB | wall / fsck.cramfs --extract | RSS / fsck.cramfs --extract |"
emit "|---|---:|---:|---:|---:|---:|"
for id in our_ck our_ck_j1 our_ck_x ul_fsck_x; do
	if [ "$id" = "$ck" ]; then
		emit "| ${label[$id]} | $(secs "${W[$id]}") | $(secs "${WMIN[$id]}")-$(secs "${WMAX[$id]}") | $(mib "${R[$id]}") | | |"
	else
		emit "| ${label[$id]} | $(secs "${W[$id]}") | $(secs "${WMIN[$id]}")-$(secs "${WMAX[$id]}") | $(mib "${R[$id]}") | $(ratio "${W[$id]}" "${W[$ck]}") | $(ratio "${R[$id]}" "${R[$ck]}") |"
	fi
done
emit ""

# Scaling.
size_growth=$(calc "$full_bytes / $quarter_bytes")
entry_growth=$(calc "$full_entries / $quarter_entries")
time_growth=$(calc "${W[our_default]} / ${W[our_quarter]}")
rss_growth=$(calc "${R[our_default]} / ${R[our_quarter]}")
time_vs_size=$(calc "$time_growth / $size_growth")
emit "## Scaling"
emit ""
emit "| mkcramfs (default) | input bytes | entries | wall s | peak RSS MiB | image bytes |"
emit "|---|---:|---:|---:|---:|---:|"
emit "| quarter corpus | $(group "$quarter_bytes") | $quarter_entries | $(secs "${W[our_quarter]}") | $(mib "${R[our_quarter]}") | $(group "${S[our_quarter]}") |"
emit "| full corpus | $(group "$full_bytes") | $full_entries | $(secs "${W[our_default]}") | $(mib "${R[our_default]}") | $(group "${S[our_default]}") |"
emit "| full / quarter | $(printf '%.2fx' "$size_growth") | $(printf '%.2fx' "$entry_growth") | $(printf '%.2fx' "$time_growth") | $(printf '%.2fx' "$rss_growth") | $(ratio "${S[our_default]}" "${S[our_quarter]}") |"
emit ""
emit "From the quarter to the full corpus, each added entry costs $(calc "(${R[our_default]} - ${R[our_quarter]}) * 1024 / ($full_entries - $quarter_entries)" | xargs printf '%.0f') bytes of peak RSS" \
	"($(calc "(${R[our_default]} - ${R[our_quarter]}) * 1048576 / ($full_bytes - $quarter_bytes)" | xargs printf '%.1f') KiB per added MiB of input)," \
	"and each added MiB of input $(calc "(${W[our_default]} - ${W[our_quarter]}) * 1048576 / ($full_bytes - $quarter_bytes) * 1000" | xargs printf '%.0f') ms of wall time."
emit ""
ck_speedup=$(calc "${W[our_ck_j1]} / ${W[our_ck]}")
emit "cramfsck speed-up from -j 1 ($(secs "${W[our_ck_j1]}") s) to the default, one thread per CPU ($(nproc) here," \
	"$(secs "${W[our_ck]}") s): $(printf '%.2fx' "$ck_speedup")."
emit ""
if [ "$skip_new" = 0 ]; then
	speedup=$(calc "${W[our_j1]} / ${W[our_j2]}")
	emit "Speed-up from -j 1 ($(secs "${W[our_j1]}") s) to -j 2 ($(secs "${W[our_j2]}") s): $(printf '%.2fx' "$speedup")." \
		"Images of the default, -j 1 and -j 2 identical: $identical."
else
	speedup=
	emit "Speed-up from -j 1 to -j 2: **not measured (BENCH_SKIP_NEW=1)**."
fi
emit ""

# Targets.
emit "## Targets"
emit ""
emit "| target | goal | measured | result |"
emit "|---|---|---:|---|"
target() { # NAME GOAL-TEXT VALUE-TEXT VALUE OP LIMIT
	emit "| $1 | $2 | $3 | $(verdict "$4" "$5" "$6") |"
}
notmeasured() { # NAME GOAL-TEXT
	emit "| $1 | $2 | - | NOT MEASURED (BENCH_SKIP_NEW=1) |"
}
v=$(calc "${W[our_default]} / ${W[$mk]}")
target "mkcramfs wall vs mkfs.cramfs" "<= 0.20x" "$(printf '%.3fx' "$v")" "$v" "<=" 0.20
v=$(calc "${S[our_default]} / ${S[$mk]}")
target "mkcramfs image vs mkfs.cramfs" "<= 0.99x" "$(printf '%.4fx' "$v")" "$v" "<=" 0.99
v=$(calc "${R[our_default]} / 1024")
target "mkcramfs peak RSS" "<= 64 MiB" "$(printf '%.1f MiB' "$v")" "$v" "<=" 64
v=$(calc "${W[our_X]} / ${W[$mk]}")
target "mkcramfs -X wall vs mkfs.cramfs" "<= 0.25x" "$(printf '%.3fx' "$v")" "$v" "<=" 0.25
if [ "$skip_new" = 0 ]; then
	v=$(calc "${S[our_best]} / ${S[$mk]}")
	target "mkcramfs --best image vs mkfs.cramfs" "<= 0.97x" "$(printf '%.4fx' "$v")" "$v" "<=" 0.97
else
	notmeasured "mkcramfs --best image vs mkfs.cramfs" "<= 0.97x"
fi
v=$(calc "${W[our_ck]} / ${W[$ck]}")
target "cramfsck full check vs fsck.cramfs --extract" "<= 0.25x" "$(printf '%.3fx' "$v")" "$v" "<=" 0.25
if [ "$skip_new" = 0 ]; then
	target "mkcramfs speed-up -j 1 to -j 2" ">= 1.8x" "$(printf '%.2fx' "$speedup")" "$speedup" ">=" 1.8
else
	notmeasured "mkcramfs speed-up -j 1 to -j 2" ">= 1.8x"
fi
target "time quarter to full: linear (time growth / input growth)" "<= 1.15" "$(printf '%.2f' "$time_vs_size")" "$time_vs_size" "<=" 1.15
target "memory quarter to full: flat (peak RSS growth)" "<= 1.25x" "$(printf '%.2fx' "$rss_growth")" "$rss_growth" "<=" 1.25
emit ""
emit "The last two goals are read here as: the full corpus's wall time per input byte at most 15% above the quarter's, and its peak RSS at most 25% above the quarter's (the input grows $(printf '%.2f' "$size_growth") times)."
emit ""

# The level sweep.
emit "## Image size against compression level (one run each)"
emit ""
emit "| mkcramfs options | wall s | image bytes | image / mkfs.cramfs | wall / mkfs.cramfs |"
emit "|---|---:|---:|---:|---:|"
for i in "${!sweep_opts[@]}"; do
	emit "| ${sweep_opts[$i]} | $(secs "${sweep_wall[$i]}") | $(group "${sweep_size[$i]}") | $(ratio4 "${sweep_size[$i]}" "${S[$mk]}") | $(ratio "${sweep_wall[$i]}" "${W[$mk]}") |"
done
emit ""
emit "The default level is 6; --best is level $("$MKCRAMFS" --help 2>&1 | sed -n 's/.*compression level, 1 to \([0-9]*\).*/\1/p')." \
	"-S shares identical blocks between files through extended block pointers (Linux 4.15 and later;" \
	"util-linux fsck.cramfs does not read such images)."
emit ""

# Raw samples.
emit "## Samples (wall s / peak RSS KiB, in the order run)"
emit ""
emit "- 1-min load average after each round: ${round_loads% }"
for id in "${rows[@]}"; do
	emit "- ${label[$id]}: wall ${walls[$id]% }; RSS ${rsss[$id]% }"
done

# ---- print and write ----------------------------------------------------
# Pad the cells of each markdown table so it reads in a terminal too.
align() {
	awk -F'|' '
	function flush(   i, j, c, w, line, cell) {
		for (i = 1; i <= nt; i++) {
			line = "|"
			for (j = 2; j < nf[i]; j++) {
				cell = t[i, j]
				w = width[j]
				if (i == 2) {
					c = (cell ~ /:$/) ? ":" : "-"
					cell = ""
					while (length(cell) < w - 1) cell = cell "-"
					cell = cell c
				} else if (right[j]) {
					while (length(cell) < w) cell = " " cell
				} else {
					while (length(cell) < w) cell = cell " "
				}
				line = line " " cell " |"
			}
			print line
		}
		nt = 0
		delete width
		delete right
	}
	/^\|/ {
		nt++
		nf[nt] = NF
		for (j = 2; j < NF; j++) {
			cell = $j
			gsub(/^ +| +$/, "", cell)
			t[nt, j] = cell
			if (nt == 2) {
				right[j] = (cell ~ /:$/)
				cell = "---"
			}
			if (length(cell) > width[j]) width[j] = length(cell)
		}
		next
	}
	{ if (nt) flush(); print }
	END { if (nt) flush() }
	'
}
printf '%s\n' "${out[@]}" | align >"$T/results.md" || die "formatting the results failed"
echo
cat "$T/results.md"
# Keep the section tests/kernel/bench-profile.sh wrote, from its marker on.
if [ -f "$results" ] && grep -q '^<!-- bench-profile:' "$results"; then
	{ echo; sed -n '/^<!-- bench-profile:/,$p' "$results"; } >>"$T/results.md"
fi
if cp "$T/results.md" "$results.tmp" && mv -f "$results.tmp" "$results"; then
	say "written: $results"
else
	rm -f "$results.tmp"
	die "cannot write $results"
fi
if [ "$skip_new" = 1 ]; then
	loud "INCOMPLETE: BENCH_SKIP_NEW=1, the rows --best, -j 1 and -j 2 were not measured."
fi
exit 0
