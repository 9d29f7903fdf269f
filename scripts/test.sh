#!/usr/bin/env bash
# The one test command (README "Quick start"): installs what is missing,
# builds every variant, and runs every suite.  Needs root (network
# namespaces).  Exit status is non-zero if anything failed.
#   FUZZ_SECS=N   seconds per fuzz target (default 20)
#   NET_BUILDS    builds whose daemons the network tests run (default
#                 "build-asan build": sanitizers first, then the release build)
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test || exit 1

results=()
total_pass=0 total_fail=0
# step NAME CMD...: run one suite.  Its last "N passed, N failed" line is
# its count; a suite without one counts as one test; a non-zero exit with
# no failure counted counts as one failure.
step() {
	local name=$1; shift
	local out p=0 f=0 line rc
	out=$(mktemp)
	echo "=== $name"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	# ours print "N passed, N failed"; pytest "N failed, N passed in Xs"
	line=$(grep -E '[0-9]+ (passed|failed)' "$out" | tail -1)
	rm -f "$out"
	if [ -n "$line" ]; then
		p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '^[0-9]+' || echo 0)
		f=$(grep -oE '[0-9]+ (failed|error(s)?)' <<<"$line" | awk '{s += $1} END {print s + 0}')
		f=${f:-0}
	elif [ "$rc" -eq 0 ]; then
		p=1
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	results+=("$name: $p passed, $f failed")
}

step "build" make -j2 all
step "build-asan" make -j2 asan
step "build-fuzz" make -j2 fuzz
step "unit" scripts/run-unit.sh build
step "unit-asan" scripts/run-unit.sh build-asan
step "fuzz-smoke" scripts/fuzz-smoke.sh "${FUZZ_SECS:-20}"
step "config-check" scripts/check-config.sh build
for b in ${NET_BUILDS:-build-asan build}; do
	step "net[$b]" env DS46_BUILD="$b" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/net
done

echo
echo "=== summary"
printf '%s\n' "${results[@]}"
echo "total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
