#!/usr/bin/env bash
# run.sh - every test of one build: the cmocka unit binaries, the fuzz
# corpus replays and the integration scripts. Prints each failure's output
# and ends with one line "check: N passed, N failed" (individual tests).
#
# Tests run WN_TEST_JOBS at a time (default: 3 per core). An integration
# script spends most of its time waiting on its daemons (a test of a few
# seconds of CPU takes a minute), so a sequential run leaves the cores
# idle; each script has its own directory and finds its own free ports,
# and nothing in one can see another. WN_TEST_JOBS=1 runs them one by one.
# Each binary or script gets at most WN_TEST_TIMEOUT seconds (1200; the
# slowest takes about 400 s under ASan with the cores shared): one
# that hangs (a daemon that does not stop) is stopped and counts as failed.
# WN_TEST_ONLY=REGEX runs only the tests whose path matches.
set -u
T=${WN_TEST_TIMEOUT:-1200}
B=${BUILD:-build}
J=${WN_TEST_JOBS:-$((3 * $(nproc 2>/dev/null || echo 1)))}
export BUILD=$B
export LSAN_OPTIONS="suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
pass=0
fail=0
failed=()
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
begin=$SECONDS

count() { # name status seconds log: parse cmocka or tap-ish output in log
	local p f log=$4
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
		echo "---- $1 failed (exit $2, $3 s) ----"
		# the first failures (a later one is often a consequence), then the end
		grep -n -m 5 -A 8 '^not ok' "$log" | head -n 60
		echo "---- last lines of $1 ----"
		tail -n 70 "$log"
	else
		echo "  $1: $p passed ($3 s)"
	fi
}

# one test in the background: its output to $dir/N.log, then "status
# seconds" to $dir/N.rc; a replay's success is one "ok" line
run_one() { # N kind path
	local n=$1 kind=$2 t=$3 rc start=$SECONDS
	case $kind in
	unit) timeout -k 30 "$T" "$t" >"$dir/$n.log" 2>&1 ;;
	replay)
		local name=${t##*/replay_}
		timeout -k 30 "$T" "$t" "tests/fuzz/corpus/$name" >"$dir/$n.log" 2>&1
		rc=$?
		[ $rc -ne 0 ] || echo "ok - replay $name: $(tail -1 "$dir/$n.log")" >"$dir/$n.log"
		(exit $rc)
		;;
	script) timeout -k 30 "$T" bash "$t" >"$dir/$n.log" 2>&1 ;;
	esac
	rc=$?
	echo "$rc $((SECONDS - start))" >"$dir/$n.rc"
}

declare -A running=() # pid -> N
names=()
reap() { # wait for one test to end and count it
	local pid n rc secs
	wait -n -p pid "${!running[@]}"
	n=${running[$pid]}
	unset "running[$pid]"
	read -r rc secs <"$dir/$n.rc"
	count "${names[$n]}" "$rc" "$secs" "$dir/$n.log"
	rm -f "$dir/$n.log" "$dir/$n.rc"
}
start() { # kind path
	[ -z "${WN_TEST_ONLY:-}" ] || [[ $2 =~ $WN_TEST_ONLY ]] || return 0
	while [ ${#running[@]} -ge "$J" ]; do reap; done
	local n=${#names[@]}
	names+=("$2")
	run_one "$n" "$1" "$2" &
	running[$!]=$n
}
drain() { while [ ${#running[@]} -gt 0 ]; do reap; done; }

echo "== unit tests ($B)"
for t in $(find "$B/tests" -type f -name 'test_*' -perm -u+x 2>/dev/null | sort); do
	start unit "$t"
done
drain

echo "== fuzz corpus replay ($B)"
for r in $(find "$B/tests/fuzz" -type f -name 'replay_*' -perm -u+x 2>/dev/null | sort); do
	start replay "$r"
done
drain

# the longest scripts first, so that the run does not end waiting on one
# that started last (tests/slow.list, by name; the rest in name order)
echo "== integration tests ($B, $J at a time)"
scripts=()
while read -r s; do
	[ -e "tests/integration/$s" ] && scripts+=("tests/integration/$s")
done < <(grep -v '^#' tests/slow.list 2>/dev/null)
for s in tests/integration/test_*.sh; do
	[ -e "$s" ] || continue
	[[ " ${scripts[*]} " == *" $s "* ]] || scripts+=("$s")
done
for s in "${scripts[@]}"; do start script "$s"; done
drain

if [ ${#failed[@]} -ne 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "check: $pass passed, $fail failed ($B, $((SECONDS - begin)) s)"
[ "$fail" -eq 0 ]
