#!/usr/bin/env bash
# run.sh - every test of one build: the cmocka unit binaries, the fuzz
# corpus replays and the integration scripts. Prints each failure's output
# and ends with one line "check: N passed, N failed" (individual tests).
# Each binary or script gets at most WN_TEST_TIMEOUT seconds (600): one
# that hangs (a daemon that does not stop) is stopped and counts as failed.
set -u
T=${WN_TEST_TIMEOUT:-600}
B=${BUILD:-build}
export BUILD=$B
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
pass=0
fail=0
failed=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # name status: parse cmocka or tap-ish output in $log
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	if [ -z "$p$f" ]; then
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
	fi
	p=${p:-0}
	f=${f:-0}
	if [ "$2" -eq 124 ] || [ "$2" -eq 137 ]; then
		echo "not ok - $1 did not end within $T s: stopped" >>"$log"
		f=$((f + 1))
	elif [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -ne 0 ]; then
		failed+=("$1")
		echo "---- $1 failed (exit $2) ----"
		# the first failures (a later one is often a consequence), then the end
		grep -n -m 5 -A 8 '^not ok' "$log" | head -n 60
		echo "---- last lines of $1 ----"
		tail -n 70 "$log"
	else
		echo "  $1: $p passed"
	fi
}

echo "== unit tests ($B)"
for t in $(find "$B/tests" -type f -name 'test_*' -perm -u+x 2>/dev/null | sort); do
	timeout -k 30 "$T" "$t" >"$log" 2>&1
	count "$t" $?
done

echo "== fuzz corpus replay ($B)"
for r in $(find "$B/tests/fuzz" -type f -name 'replay_*' -perm -u+x 2>/dev/null | sort); do
	name=${r##*/replay_}
	if timeout -k 30 "$T" "$r" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		echo "ok - replay $name: $(tail -1 "$log")" >"$log"
		count "$r" 0
	else
		count "$r" 1
	fi
done

echo "== integration tests ($B)"
for s in tests/integration/test_*.sh; do
	[ -e "$s" ] || continue
	timeout -k 30 "$T" bash "$s" >"$log" 2>&1
	count "$s" $?
done

if [ ${#failed[@]} -ne 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
