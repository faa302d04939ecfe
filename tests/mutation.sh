#!/usr/bin/env bash
# mutation.sh - the gate on the canary test, tests/integration/test_need.sh.
# `make mutation` builds the node as is ($BUILD) and four times with one of
# the four need-to-know filters disabled (build-mut1..4, -DWN_MUTATE=N, see
# node/need/share.c), then runs this script:
#   - the build as is must pass the canary test entirely;
#   - each mutated build must run the same checks in the same order, and
#     fail exactly the checks that tests/mutation.expect lists for its
#     filter: the federation forms, every set-up check passes, and only the
#     leak checks of that filter fail. So a mutation counts as caught only
#     for the reason it names; a run that cannot set up (no daemon, a
#     federation that cannot form, a missing package) fails this gate.
# Prints one line per build, what differs when a run is not as expected,
# and ends with "mutation: N passed, N failed".
#
#   BUILD=build bash tests/mutation.sh [N...]   (only filters N...; to
#   adjust tests/mutation.expect after changing the canary test)
#
# Check names are compared after a few rewrites (names_of): the details
# lib.sh appends to a failure ("(exit N, want M)", ": no /RE/ in:") and
# leading blanks go, byte counts and times become N and <time>, and the
# k-th check of a name seen before gets " [k]".
set -u
B=${BUILD:-build}
EXPECT=tests/mutation.expect
T=${WN_TEST_TIMEOUT:-600}
FILTERS=(matrix membership consent decision)
pass=0
fail=0
res() { if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi; }

# names_of LOG: "pass<TAB>NAME" or "fail<TAB>NAME" for every check, in order
names_of() {
	awk '/^(not )?ok - / {
		st = /^not ok/ ? "fail" : "pass"
		sub(/^(not )?ok - /, "")
		sub(/ \(exit [0-9]+, want [0-9]+\)$/, "")
		sub(/: no \/.*\/ in:$/, "")
		gsub(/\([0-9]+ bytes\)/, "(N bytes)")
		gsub(/[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z/, "<time>")
		sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "")
		k = ++seen[$0]
		if (k > 1) $0 = $0 " [" k "]"
		print st "\t" $0
	}' "$1"
}

# expected N: the names listed under "filter N" in $EXPECT, sorted
expected() {
	awk -v want="$1" '/^[ \t]*(#|$)/ { next }
		/^filter / { in_f = ($2 == want); next }
		in_f { sub(/^[ \t]+/, ""); sub(/[ \t]+$/, ""); print }' "$EXPECT" | LC_ALL=C sort
}

# run DIR: the canary test on the binaries in DIR, output in DIR/need.log
run() {
	local d=$1 f
	mkdir -p "$d"
	for f in wijknetd tests/wijknetd wijknet tests/tools/wnpoke tests/tools/keydump; do
		if [ ! -x "$d/$f" ]; then
			echo "$d/$f is missing (not built)" >"$d/need.log"
			return 2
		fi
	done
	BUILD=$d timeout -k 30 "$T" bash tests/integration/test_need.sh >"$d/need.log" 2>&1
	local rc=$?
	[ "$rc" -eq 124 ] && echo "(timed out after $T s)" >>"$d/need.log"
	return $rc
}
# the five runs at once (each waits on its daemons far more than it
# computes); ran DIR then gives the exit code of DIR's run
only=("$@")
[ $# -eq 0 ] && only=(1 2 3 4)
for m in "${only[@]}"; do
	case $m in [1-4]) ;; *) echo "mutation.sh: filters are 1..4, not '$m'" >&2; exit 2 ;; esac
done
for d in "$B" "${only[@]/#/build-mut}"; do
	mkdir -p "$d"
	{ run "$d"; echo $? >"$d/need.rc"; } &
done
wait
ran() { return "$(cat "$1/need.rc")"; }

indent() { sed 's/^/    /'; }

# --- the build as is: every check passes
ran "$B"
rc=$?
names_of "$B/need.log" >"$B/need.names"
nfail=$(grep -c '^fail' "$B/need.names")
nall=$(wc -l <"$B/need.names")
if [ "$rc" -eq 0 ] && [ "$nfail" -eq 0 ] && [ "$nall" -gt 0 ]; then
	echo "ok - no filter disabled: the canary test passes ($nall checks)"
	res ok
else
	echo "not ok - no filter disabled: the canary test must pass entirely" \
		"(exit $rc, $nfail of $nall checks failed; log: $B/need.log)"
	# the failed checks with the details printed under them
	awk '/^not ok/ { p = 1; print; next } /^    / && p { print; next } { p = 0 }' \
		"$B/need.log" | head -60 | indent
	[ "$nall" -eq 0 ] && tail -20 "$B/need.log" 2>/dev/null | indent
	res not_ok
fi
cut -f2 "$B/need.names" >"$B/need.all"

# --- each filter disabled: exactly its leak checks fail
for m in "${only[@]}"; do
	d=build-mut$m
	what="filter $m (${FILTERS[m - 1]}) disabled"
	mkdir -p "$d"
	expected "$m" >"$d/need.expect"
	if [ ! -s "$d/need.expect" ]; then
		echo "not ok - $what: $EXPECT lists no check that must fail"
		res not_ok
		continue
	fi
	ran "$d"
	rc=$?
	names_of "$d/need.log" >"$d/need.names"
	grep '^fail' "$d/need.names" | cut -f2 | LC_ALL=C sort >"$d/need.failed"
	cut -f2 "$d/need.names" >"$d/need.all"
	problems=()
	if ! cmp -s "$d/need.all" "$B/need.all"; then
		problems+=("it did not run the same checks as the build as is:")
		problems+=("$(diff "$B/need.all" "$d/need.all" | grep '^[<>]' | head -20 |
			sed 's/^</    not run:/; s/^>/    only here:/')")
	fi
	missed=$(LC_ALL=C comm -23 "$d/need.expect" "$d/need.failed")
	extra=$(LC_ALL=C comm -13 "$d/need.expect" "$d/need.failed")
	[ -n "$missed" ] && problems+=("must fail but passed (or did not run):" "$(printf '%s\n' "$missed" | indent)")
	[ -n "$extra" ] && problems+=("failed, but $EXPECT does not list it for filter $m:" "$(printf '%s\n' "$extra" | indent)")
	[ "$rc" -eq 0 ] && problems+=("the canary test exited 0")
	n=$(wc -l <"$d/need.expect")
	if [ ${#problems[@]} -eq 0 ]; then
		echo "ok - $what: exactly its $n leak checks fail: $(paste -sd';' "$d/need.failed" | sed 's/;/; /g')"
		res ok
	else
		echo "not ok - $what: not exactly its $n leak checks fail (exit $rc; log: $d/need.log)"
		printf '%s\n' "${problems[@]}" | indent
		if [ "$(grep -c '^pass' "$d/need.names")" -eq 0 ]; then
			echo "    no check passed; the log ends:"
			tail -15 "$d/need.log" | sed 's/^/        /'
		fi
		res not_ok
	fi
done
echo "mutation: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
