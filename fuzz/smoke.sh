#!/bin/sh
# fuzz/smoke.sh: the fuzzing check for CI, about 75 seconds.
#
#   1. builds fuzz_image (fuzz/build.sh: clang, libFuzzer, ASan, UBSan);
#   2. replays every input of fuzz/corpus and fuzz/crashes once: a crash, leak, sanitizer
#      report or a run over 10 s fails (the crash inputs are regression inputs: each made the
#      reader fail once, and must not any more);
#   3. fuzzes for FUZZ_SECONDS (default 60) or FUZZ_RUNS executions (default 200000),
#      whichever ends first, from a copy of the corpus; a new finding is copied to
#      fuzz/crashes/ (commit it with the fix) and fails.
#
# Exit status 0: nothing found.  Needs clang and libclang-rt-14-dev (see build.sh).
# Work files: FUZZ_WORK (default ${TMPDIR:-/tmp}/cramfs-fuzz-smoke), removed at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${FUZZ_WORK:-${TMPDIR:-/tmp}/cramfs-fuzz-smoke}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-200000}
# a fixed seed: the same inputs on every run, so the check is reproducible (fuzz/run.sh explores)
seed=${FUZZ_SEED:-1}
prog=smoke.sh
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts" "$work/sandbox"
# extraction sandboxes on a tmpfs when there is one: a crafted tree of thousands of directories
# is created and removed per input, and on a busy disk that alone can pass a timeout
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	FUZZ_TMPDIR=$(mktemp -d /dev/shm/cramfs-fuzz-smoke.XXXXXX)
else
	FUZZ_TMPDIR=$work/sandbox
fi
export FUZZ_TMPDIR
trap 'rm -rf "$work"; [ "$FUZZ_TMPDIR" = "$work/sandbox" ] || rm -rf "$FUZZ_TMPDIR"' EXIT

sh "$here/build.sh" "$work/build"
fuzzer=$work/build/fuzz_image

# ---- replay ----
set --
for f in "$here"/corpus/* "$here"/crashes/*; do
	[ -f "$f" ] && set -- "$@" "$f"
done
echo "$prog: replaying $# inputs (fuzz/corpus, fuzz/crashes)"
if [ $# -gt 0 ]; then
	# a generous limit: a hang still fails, a slow machine does not
	if ! "$fuzzer" -timeout=60 -rss_limit_mb=2048 "$@" >"$work/replay.log" 2>&1; then
		grep -E -B 2 -A 30 'ERROR: |runtime error|fuzz_image: |Running:.*(crash|leak|timeout)' \
			"$work/replay.log" | head -n 80 >&2
		echo "$prog: replay failed" >&2
		exit 1
	fi
fi

# ---- a short fuzzing run ----
cp "$here"/corpus/* "$work/corpus/" 2>/dev/null || true
echo "$prog: fuzzing for ${seconds} s or $runs executions"
status=0
"$fuzzer" -seed="$seed" -max_total_time="$seconds" -runs="$runs" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
	-dict="$here/cramfs.dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
grep -E '^(#[0-9]+ +DONE|Done |stat::number_of_executed_units)' "$work/fuzz.log" || true
found=0
for f in "$work"/artifacts/*; do
	[ -f "$f" ] || continue
	kind=$(basename "$f" | sed 's/-.*//')
	sum=$(sha1sum "$f" | cut -c1-40)
	mkdir -p "$here/crashes"
	cp "$f" "$here/crashes/$kind-$sum"
	echo "$prog: finding: fuzz/crashes/$kind-$sum" >&2
	found=$((found + 1))
done
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
	grep -E -A 30 'ERROR: |runtime error|fuzz_image: ' "$work/fuzz.log" | head -n 60 >&2
	echo "$prog: the fuzzer found a problem" >&2
	exit 1
fi
echo "$prog: nothing found"
