# shellcheck shell=sh
# common.sh: helpers shared by the CLI tests.  Sourced, never run:
#     . "$SRCDIR/tests/cli/common.sh"
#
# Exit status, as automake's parallel test driver reads it: 0 every check
# passed, 1 at least one check failed, 99 hard error (the test could not
# run: a missing variable, command or permission).  Every failed check is
# printed with what was expected and what happened; the test goes on with
# the next check and ends with finish.
#
#   die TEXT                      hard error: print TEXT, exit 99
#   fail TEXT / pass TEXT         record one check's result
#   CASE=NAME                     prefix for the messages of the checks after it
#   need_env VAR...               die unless each variable is set and not empty
#   need_cmd CMD...               die unless each command is found
#   setup_tmp                     TMP=a new private directory, removed on exit
#   add_cleanup CMD               run CMD (eval) on exit, before TMP is removed;
#                                 the last one added runs first
#   run CMD...                    run CMD, stdin from /dev/null; sets LAST_RC and
#                                 the files LAST_OUT and LAST_ERR (stdout, stderr)
#   expect_exit CODE CMD...       run CMD and check its exit status
#   expect_stderr_contains TEXT   check that the last run's stderr has TEXT (a fixed string)
#   expect_stderr_lacks TEXT      ... and that it does not have TEXT
#   expect_stdout_contains TEXT   the same for stdout
#   expect DESCRIPTION CMD...     check that CMD succeeds
#   finish                        print the totals and exit 0 or 1

set -u

# messages (strerror included) in English, sorting by bytes
LC_ALL=C
export LC_ALL

TEST_NAME=${0##*/}
CASE=
TMP=
LAST_CMD=
LAST_RC=
LAST_OUT=
LAST_ERR=
_cm_failures=0
_cm_passes=0
_cm_cleanup=

die() {
	printf '%s: ERROR: %s\n' "$TEST_NAME" "$*" >&2
	exit 99
}

fail() {
	_cm_failures=$((_cm_failures + 1))
	printf 'FAIL: %s%s\n' "${CASE:+$CASE: }" "$*" >&2
}

pass() {
	_cm_passes=$((_cm_passes + 1))
	printf 'ok: %s%s\n' "${CASE:+$CASE: }" "$*"
}

need_env() {
	for _cm_v in "$@"; do
		eval "_cm_val=\${$_cm_v:-}"
		[ -n "$_cm_val" ] || die "the environment variable $_cm_v is not set (the test driver sets it)"
	done
}

need_cmd() {
	for _cm_c in "$@"; do
		command -v "$_cm_c" >/dev/null 2>&1 || die "the command '$_cm_c' is needed but not found"
	done
}

add_cleanup() {
	_cm_cleanup="$1
$_cm_cleanup"
}

_cm_on_exit() {
	_cm_rc=$?
	trap - EXIT
	while IFS= read -r _cm_cmd; do
		[ -z "$_cm_cmd" ] || eval "$_cm_cmd" </dev/null || true
	done <<EOF
$_cm_cleanup
EOF
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		# never recurse into something still mounted below TMP
		if grep -q " $TMP/" /proc/self/mountinfo 2>/dev/null; then
			printf '%s: ERROR: something is still mounted below %s; not removed\n' "$TEST_NAME" "$TMP" >&2
			_cm_rc=99
		else
			rm -rf "$TMP"
		fi
	fi
	exit "$_cm_rc"
}

setup_tmp() {
	need_cmd mktemp sed grep rm
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/${TEST_NAME%.sh}.XXXXXX") || die "cannot make a temporary directory"
	trap _cm_on_exit EXIT
	trap 'exit 99' HUP INT TERM
}

# The command line, short: the program's base name, then the arguments.
_cm_describe() {
	_cm_d=${1##*/}
	shift
	for _cm_a in "$@"; do
		_cm_d="$_cm_d $_cm_a"
	done
	[ -z "$TMP" ] || _cm_d=$(printf '%s\n' "$_cm_d" | sed "s|$TMP/||g")
	printf '%s' "$_cm_d"
}

_cm_show() {
	printf '    --- %s:\n' "$1" >&2
	sed 's/^/    | /' "$2" >&2
}

run() {
	[ -n "$TMP" ] || die "run: setup_tmp was not called"
	LAST_OUT=$TMP/.last-stdout
	LAST_ERR=$TMP/.last-stderr
	LAST_CMD=$(_cm_describe "$@")
	"$@" </dev/null >"$LAST_OUT" 2>"$LAST_ERR"
	LAST_RC=$?
}

expect_exit() {
	_cm_want=$1
	shift
	run "$@"
	if [ "$LAST_RC" -eq "$_cm_want" ]; then
		pass "exit $_cm_want: $LAST_CMD"
		return 0
	fi
	fail "$LAST_CMD: exit status $LAST_RC, expected $_cm_want"
	_cm_show stderr "$LAST_ERR"
	return 1
}

_cm_expect_in() {
	# _cm_expect_in STREAM FILE WANT(yes|no) TEXT
	if grep -qF -e "$4" "$2"; then _cm_found=yes; else _cm_found=no; fi
	if [ "$_cm_found" = "$3" ]; then
		if [ "$3" = yes ]; then pass "$1 has \"$4\""; else pass "$1 lacks \"$4\""; fi
		return 0
	fi
	if [ "$3" = yes ]; then
		fail "$LAST_CMD: $1 does not contain \"$4\""
	else
		fail "$LAST_CMD: $1 contains \"$4\", which it should not"
	fi
	_cm_show "$1" "$2"
	return 1
}

expect_stderr_contains() { _cm_expect_in stderr "$LAST_ERR" yes "$1"; }
expect_stderr_lacks() { _cm_expect_in stderr "$LAST_ERR" no "$1"; }
expect_stdout_contains() { _cm_expect_in stdout "$LAST_OUT" yes "$1"; }

expect() {
	_cm_what=$1
	shift
	if "$@"; then
		pass "$_cm_what"
		return 0
	fi
	fail "$_cm_what"
	return 1
}

finish() {
	printf '%s: %d checks passed, %d failed\n' "$TEST_NAME" "$_cm_passes" "$_cm_failures"
	[ "$_cm_failures" -eq 0 ] || exit 1
	[ "$_cm_passes" -gt 0 ] || die "no check ran"
	exit 0
}
