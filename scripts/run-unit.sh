#!/usr/bin/env bash
# Run every unit test binary of one build variant; print a cmocka-style
# summary per binary and a total.  Usage: scripts/run-unit.sh build-dir
set -uo pipefail
dir=${1:-build}
pass=0 fail=0
for t in "$dir"/tests/test_*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1); rc=$?
	p=$(grep -oE '^\[  PASSED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' || echo 0)
	f=$(grep -oE '^\[  FAILED  \] [0-9]+' <<<"$out" | grep -oE '[0-9]+$' || echo 0)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -ne 0 ]; then
		echo "$out"; echo "FAIL $t (rc=$rc)"
	else
		echo "ok   $t ($p tests)"
	fi
done
echo "unit[$dir]: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
