#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The man pages document exactly the options that --help lists.
#
# For each tool, every option token (-x, --long-name) of its --help output is
# compared with every option token of the tags (the line after .TP or .TQ) in
# the OPTIONS section(s) of its man page.  An option found on one side only is
# a failure, and each one is listed.
#
# Environment (set by "make check"):
#   MKCRAMFS, CRAMFSCK, CRAMFS_XIP  paths of the built tools
#   SRCDIR              top of the source tree (the man pages are in man/)
# Exit status: 0 the pages and --help agree, 1 they do not (or a page cannot be
# read or parsed), 99 the test cannot run (a variable or a tool is missing).

set -u

LC_ALL=C
export LC_ALL

fail=0

say() {
	printf '%s\n' "$*"
}

# The option tokens of words on stdin, one per line, sorted and unique:
# "-b," "--blocksize=SIZE" "--extract[=dir]" give -b, --blocksize, --extract.
option_tokens() {
	awk '
	{
		n = split($0, w, /[ \t,]+/)
		for (i = 1; i <= n; i++) {
			t = w[i]
			sub(/[=[].*$/, "", t)
			sub(/[]);:.]+$/, "", t)
			if (t ~ /^-[A-Za-z0-9?]$/ || t ~ /^--[A-Za-z0-9][A-Za-z0-9-]*$/)
				print t
		}
	}' | sort -u
}

# The option column of --help: lines indented at most 8 columns whose text
# starts with '-', cut where two spaces start the description.
help_options() {
	awk '
	/^[ \t]+-/ {
		match($0, /^[ \t]+/)
		if (RLENGTH > 8)
			next
		line = substr($0, RLENGTH + 1)
		cut = index(line, "  ")
		if (cut)
			line = substr(line, 1, cut - 1)
		print line
	}' | option_tokens
}

# The tags in the OPTIONS section(s) of a man page, troff escapes removed.
man_options() {
	awk '
	# the arguments of a macro line, quotes honoured
	function macro_args(s, args,    n, q, c, cur, started, k) {
		n = 0; q = 0; cur = ""; started = 0
		for (k = 1; k <= length(s); k++) {
			c = substr(s, k, 1)
			if (c == "\"") {
				if (q && substr(s, k + 1, 1) == "\"") {
					cur = cur "\""; k++
				} else {
					q = !q; started = 1
				}
			} else if (!q && (c == " " || c == "\t")) {
				if (started) {
					args[++n] = cur; cur = ""; started = 0
				}
			} else {
				cur = cur c; started = 1
			}
		}
		if (started)
			args[++n] = cur
		return n
	}
	function unescape(s) {
		gsub(/\\f\[[^]]*\]/, "", s)
		gsub(/\\f\([A-Za-z0-9][A-Za-z0-9]/, "", s)
		gsub(/\\f./, "", s)
		gsub(/\\\(mi|\\\(hy|\\\[mi\]|\\\[hy\]|\\\[-\]/, "-", s)
		gsub(/\\-/, "-", s)
		gsub(/\\[~ 0]/, " ", s)
		gsub(/\\[&%:|^,\/)]/, "", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	function tag_text(line,    name, rest, n, a, sep, out, k) {
		if (line !~ /^[.\047]/)
			return line
		name = line
		sub(/^[.\047][ \t]*/, "", name)
		rest = name
		sub(/[ \t].*$/, "", name)
		if (rest == name)
			return ""
		sub(/^[^ \t]+[ \t]+/, "", rest)
		n = macro_args(rest, a)
		# alternating-font macros set their arguments side by side
		sep = name ~ /^(BR|RB|BI|IB|IR|RI)$/ ? "" : " "
		out = ""
		for (k = 1; k <= n; k++)
			out = out (k > 1 ? sep : "") a[k]
		return out
	}
	/^[.\047][ \t]*SH([ \t]|$)/ {
		title = $0
		sub(/^[.\047][ \t]*SH[ \t]*/, "", title)
		gsub(/"/, "", title)
		in_options = toupper(title) ~ /OPTIONS/
		want_tag = 0
		next
	}
	!in_options { next }
	/^[.\047][ \t]*T[PQ]([ \t]|$)/ { want_tag = 1; next }
	want_tag {
		if ($0 ~ /^[.\047][ \t]*\\"/ || $0 ~ /^[.\047][ \t]*$/)
			next
		want_tag = 0
		print unescape(tag_text($0))
	}' "$1" | option_tokens
}

# Prints the tokens of list $1 that are not in list $2.
missing_from() {
	printf '%s\n' "$1" | while IFS= read -r tok; do
		[ -n "$tok" ] || continue
		printf '%s\n' "$2" | grep -qxF -- "$tok" || printf '%s\n' "$tok"
	done
}

check_tool() {
	name=$1 bin=$2 page=$3

	if [ ! -x "$bin" ]; then
		say "$name: no executable at '$bin'"
		exit 99
	fi
	if [ ! -r "$page" ]; then
		say "$name: cannot read the man page '$page'"
		fail=1
		return
	fi
	if ! help_text=$("$bin" --help); then
		say "$name: '$bin --help' failed"
		fail=1
		return
	fi
	from_help=$(printf '%s\n' "$help_text" | help_options)
	from_man=$(man_options "$page")
	if [ -z "$from_help" ]; then
		say "$name: found no options in --help"
		fail=1
		return
	fi
	if [ -z "$from_man" ]; then
		say "$name: found no options in the OPTIONS section of $page"
		fail=1
		return
	fi

	only_help=$(missing_from "$from_help" "$from_man")
	only_man=$(missing_from "$from_man" "$from_help")
	printf '%s\n' "$only_help" | while IFS= read -r tok; do
		[ -z "$tok" ] || say "$name: $tok is in --help but not in the OPTIONS of $page"
	done
	printf '%s\n' "$only_man" | while IFS= read -r tok; do
		[ -z "$tok" ] || say "$name: $tok is in the OPTIONS of $page but not in --help"
	done
	if [ -n "$only_help$only_man" ]; then
		fail=1
	else
		count=$(printf '%s\n' "$from_help" | wc -l)
		say "$name: $page and --help agree on $((count)) options"
	fi
}

if [ -z "${MKCRAMFS:-}" ] || [ -z "${CRAMFSCK:-}" ] || [ -z "${CRAMFS_XIP:-}" ] || [ -z "${SRCDIR:-}" ]; then
	say "MKCRAMFS, CRAMFSCK, CRAMFS_XIP and SRCDIR must be set (make check sets them)"
	exit 99
fi

check_tool mkcramfs "$MKCRAMFS" "$SRCDIR/man/mkcramfs.8"
check_tool cramfsck "$CRAMFSCK" "$SRCDIR/man/cramfsck.8"
check_tool cramfs-xip "$CRAMFS_XIP" "$SRCDIR/man/cramfs-xip.8"
exit "$fail"
