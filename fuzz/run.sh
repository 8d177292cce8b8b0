#!/bin/sh
# fuzz/run.sh [RUNS]: fuzz the image reader for RUNS executions in all (default 10,000,000),
# split over FUZZ_JOBS parallel jobs (default 2).
#
#   1. builds fuzz_image (fuzz/build.sh);
#   2. starts from fuzz/corpus, fuzz/crashes and fresh seeds (fuzz/make-seeds.sh, when a
#      mkcramfs is found: MKCRAMFS, else mkcramfs in PATH);
#   3. runs the jobs, with fuzz/cramfs.dict, inputs of at most 16 KiB and 10 s each;
#   4. copies every crash, leak, timeout or out-of-memory input to fuzz/crashes/ (named by
#      kind and SHA-1: kept as regression inputs, replayed by fuzz/smoke.sh);
#   5. merges everything found into a new minimized fuzz/corpus/ (-merge=1).
#
# Prints the executions done and the findings; exits 1 if there were any.  800 to 1,800
# executions per second per job on the 2-core machine this was written on, depending on what
# else runs: 10 million take 1 to 2 hours.  Work files go to FUZZ_WORK (default ${TMPDIR:-/tmp}/cramfs-fuzz-run, kept
# for the job logs fuzz-N.log); the extraction sandboxes to a directory of the run's own in
# FUZZ_TMPDIR (default /dev/shm when it exists, else TMPDIR).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-10000000}
jobs=${FUZZ_JOBS:-2}
work=${FUZZ_WORK:-${TMPDIR:-/tmp}/cramfs-fuzz-run}
build=${FUZZ_BUILD:-$work/build}
base=${FUZZ_TMPDIR:-}
if [ -z "$base" ]; then
	base=${TMPDIR:-/tmp}
	[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
fi
# a sandbox directory of this run's own: removed at the end, with whatever killed jobs left
FUZZ_TMPDIR=$(mktemp -d "$base/cramfs-fuzz-run.XXXXXX")
export FUZZ_TMPDIR
trap 'rm -rf "$FUZZ_TMPDIR"' EXIT

sh "$here/build.sh" "$build"
rm -rf "$work/corpus" "$work/artifacts" "$work/merged" "$work"/fuzz-*.log
mkdir -p "$work/corpus" "$work/artifacts" "$work/merged" "$here/corpus" "$here/crashes"
cp "$here/corpus/." "$work/corpus/" -R 2>/dev/null || true
if command -v "${MKCRAMFS:-mkcramfs}" >/dev/null 2>&1; then
	MKCRAMFS=${MKCRAMFS:-mkcramfs} sh "$here/make-seeds.sh" "$work/seeds"
	cp "$work/seeds/"*.img "$work/corpus/"
else
	echo "run.sh: no mkcramfs (set MKCRAMFS): starting from fuzz/corpus alone" >&2
fi

per_job=$(((runs + jobs - 1) / jobs))
echo "run.sh: $jobs jobs of $per_job executions each; logs in $work/fuzz-*.log"
start=$(date +%s)
status=0
(
	cd "$work"
	"$build/fuzz_image" -jobs="$jobs" -workers="$jobs" -runs="$per_job" -max_len=16384 -timeout=10 \
		-rss_limit_mb=2048 -dict="$here/cramfs.dict" -artifact_prefix="$work/artifacts/" \
		-print_final_stats=1 corpus "$here/crashes"
) >"$work/driver.log" 2>&1 || status=$?
end=$(date +%s)

total=$(cat "$work"/fuzz-*.log 2>/dev/null | sed -n 's/^Done \([0-9]*\) runs.*/\1/p' | awk '{s += $1} END {print s + 0}')
# a job that crashed prints no "Done": count its last status line instead
for log in "$work"/fuzz-*.log; do
	[ -f "$log" ] || continue
	if ! grep -q '^Done ' "$log"; then
		n=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n 1)
		total=$((total + ${n:-0}))
	fi
done

found=0
for f in "$work"/artifacts/*; do
	[ -f "$f" ] || continue
	kind=$(basename "$f" | sed 's/-.*//')
	sum=$(sha1sum "$f" | cut -c1-40)
	cp "$f" "$here/crashes/$kind-$sum"
	echo "run.sh: finding: fuzz/crashes/$kind-$sum" >&2
	found=$((found + 1))
done

# minimized corpus: the old one, everything new, crashes excluded (they live in crashes/)
"$build/fuzz_image" -merge=1 -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	"$work/merged" "$here/corpus" "$work/corpus" >"$work/merge.log" 2>&1 ||
	{ echo "run.sh: merge failed, see $work/merge.log" >&2; exit 1; }
rm -f "$here/corpus/"*
cp "$work/merged/"* "$here/corpus/"
bytes=$(cat "$here/corpus/"* | wc -c)
files=$(find "$here/corpus" -type f | wc -l)

echo "run.sh: $total executions in $((end - start)) s ($jobs jobs); $found findings;" \
	"corpus: $files inputs, $bytes bytes"
[ "$bytes" -le 2097152 ] || echo "run.sh: warning: the corpus is over 2 MiB" >&2
[ "$found" -eq 0 ] && [ "$status" -eq 0 ] || exit 1
