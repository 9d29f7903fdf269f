#!/usr/bin/env bash
# Configuration check mode (STYLE 10) through the real daemon binaries.  A
# file's name says which daemon reads it, and build-dir/ds46-<daemon>
# checks it:
#  - examples/<daemon>*.conf passes `ds46-<daemon> -n`;
#  - `-nv` of tests/golden/<daemon>-*.conf equals its .out file, and the
#    printout parses again to the same printout;
#  - tests/golden/bad-<daemon>-*.conf fails with a non-zero exit and exactly
#    the message on its first line ("# expect: file:line: message").
# A file for a daemon whose binary is not in build-dir is a failure, as is
# a golden file whose name names no daemon.
# Usage: scripts/check-config.sh build-dir
set -uo pipefail
dir=${1:-build}
daemons=(dstmd tepd hostd had mnd fad)
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# daemon_of FILE: the daemon its name starts with (after "bad-"), or "".
daemon_of() {
	local base=${1##*/}
	base=${base#bad-}
	for d in "${daemons[@]}"; do
		case $base in "$d"-*.conf | "$d".conf) echo "$d"; return;; esac
	done
}

# bin_for FILE: the binary that checks it; on stdout, or on stderr why
# there is none (status 1).
bin_for() {
	local d
	d=$(daemon_of "$1")
	if [ -z "$d" ]; then
		echo "the name does not start with one of: ${daemons[*]}" >&2
	elif [ ! -x "$dir/ds46-$d" ]; then
		echo "$dir/ds46-$d does not exist" >&2
	else
		echo "$dir/ds46-$d"
		return 0
	fi
	return 1
}

check_example() {
	local f=$1 bin=$2
	if "$bin" -n -c "$f" 2>"$tmp/err"; then ok "-n $f"; else ko "-n $f: $(cat "$tmp/err")"; fi
}

check_golden() {
	local f=$1 bin=$2 want=${1%.conf}.out
	if "$bin" -n -v -c "$f" >"$tmp/out" 2>"$tmp/err" && diff -u "$want" "$tmp/out"; then
		ok "-nv $f"
	else
		ko "-nv $f $(cat "$tmp/err")"
	fi
	cp "$tmp/out" "$tmp/re.conf"
	if "$bin" -n -v -c "$tmp/re.conf" >"$tmp/out2" 2>"$tmp/err" &&
	   cmp -s "$tmp/out" "$tmp/out2"; then
		ok "reparse $f"
	else
		ko "reparse $f: $(cat "$tmp/err")"
	fi
}

check_bad() {
	local f=$1 bin=$2 want
	want=$(head -1 "$f" | sed -n 's/^# expect: //p')
	if [ -z "$want" ]; then
		ko "$f: no '# expect: ' first line"
	elif "$bin" -n -c "$f" >/dev/null 2>"$tmp/err"; then
		ko "$f accepted"
	elif [ "$(cat "$tmp/err")" = "$want" ]; then
		ok "$f -> $want"
	else
		ko "$f: got '$(cat "$tmp/err")', want '$want'"
	fi
}

# check KIND FILE: with the binary for FILE, or a failure without one.
check() {
	local bin
	if bin=$(bin_for "$2" 2>"$tmp/why"); then
		"check_$1" "$2" "$bin"
	else
		ko "$2: $(cat "$tmp/why")"
	fi
}

for f in examples/*.conf; do
	[ -e "$f" ] && check example "$f"
done
for f in tests/golden/*.conf; do
	case ${f##*/} in bad-*) continue;; esac
	[ -e "$f" ] && check golden "$f"
done
for f in tests/golden/bad-*.conf; do
	[ -e "$f" ] && check bad "$f"
done
echo "config-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
