#!/usr/bin/env bash
# Short libFuzzer run of every target in build-fuzz/fuzz/ on a scratch copy
# of its seed corpus.  Usage: scripts/fuzz-smoke.sh [seconds-per-target]
set -uo pipefail
secs=${1:-20}
pass=0 fail=0
for t in build-fuzz/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	work=$(mktemp -d)
	[ -d "tests/fuzz/corpus/$name" ] && cp -r "tests/fuzz/corpus/$name/." "$work/"
	if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$work.log" | grep -oE '[0-9]+$')
		echo "ok   fuzz_$name (${execs:-?} execs in ${secs}s)"
		pass=$((pass + 1))
	else
		tail -40 "$work.log"
		echo "FAIL fuzz_$name (artifacts in $work)"
		fail=$((fail + 1))
		continue
	fi
	rm -rf "$work" "$work.log"
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
