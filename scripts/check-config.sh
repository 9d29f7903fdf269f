#!/usr/bin/env bash
# Configuration check mode (STYLE 10) through the real daemon binary:
#  - every examples/*.conf passes `ds46-dstmd -n`;
#  - `-nv` of tests/golden/dstmd-*.conf equals its .out file, and the printout
#    parses again to the same printout;
#  - every tests/golden/bad-*.conf fails with a non-zero exit and exactly the
#    message on its first line ("# expect: file:line: message").
# Usage: scripts/check-config.sh build-dir
set -uo pipefail
bin=${1:-build}/ds46-dstmd
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
ko() { fail=$((fail + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

for f in examples/dstmd*.conf; do
	[ -e "$f" ] || continue
	if "$bin" -n -c "$f" 2>"$tmp/err"; then ok "-n $f"; else ko "-n $f: $(cat "$tmp/err")"; fi
done
for f in tests/golden/dstmd-*.conf; do
	[ -e "$f" ] || continue
	want=${f%.conf}.out
	if "$bin" -n -v -c "$f" >"$tmp/out" 2>"$tmp/err" && diff -u "$want" "$tmp/out"; then
		ok "-nv $f"
	else
		ko "-nv $f $(cat "$tmp/err")"
	fi
	cp "$tmp/out" "$tmp/re.conf"
	if "$bin" -n -v -c "$tmp/re.conf" >"$tmp/out2" 2>"$tmp/err" && cmp -s "$tmp/out" "$tmp/out2"; then
		ok "reparse $f"
	else
		ko "reparse $f: $(cat "$tmp/err")"
	fi
done
for f in tests/golden/bad-*.conf; do
	[ -e "$f" ] || continue
	want=$(head -1 "$f" | sed -n 's/^# expect: //p')
	if "$bin" -n -c "$f" >/dev/null 2>"$tmp/err"; then
		ko "$f accepted"
	elif [ "$(cat "$tmp/err")" = "$want" ]; then
		ok "$f -> $want"
	else
		ko "$f: got '$(cat "$tmp/err")', want '$want'"
	fi
done
echo "config-check: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
