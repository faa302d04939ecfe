#!/usr/bin/env bash
# test_matrix_outside.sh - the matrix's [outside cases] section travels with
# the matrix: `matrix check` counts its cells, the director publishes it, a
# member applies it, and `matrix show` prints a row per kind (type
# "outside") with each role's level, on both nodes; a newer version that
# names no outside cell leaves every role none.
. "$(dirname "$0")/lib.sh"
MX="$WN_T/dir.matrix"

check_exit "the example matrix checks" 0 "$WIJKNET" --json matrix check "$MX"
n=$(grep -c . <<<"$(sed -n '/^\[outside cases\]/,$p' "$MX" | grep '^signal_summary')")
check "  it has its signal_summary line" test "$n" = 1
sed '/^\[outside cases\]/,$d' "$MX" >"$WN_T/none.matrix"
with=$("$WIJKNET" --json matrix check "$MX" | json_field cells)
without=$("$WIJKNET" --json matrix check "$WN_T/none.matrix" | json_field cells)
check "  and counts the outside cell among its cells" test "$with" = $((without + 1))
printf '[outside cases]\nsignal_summary = municipality:view\naction = police:view\n' >>"$WN_T/none.matrix"
line=$(grep -n '^action = ' "$WN_T/none.matrix" | cut -d: -f1)
check_exit "an unknown outside kind does not check" 1 "$WIJKNET" matrix check "$WN_T/none.matrix"
check_out "  file:line: naming what it accepts" "^$WN_T/none.matrix:$line: unknown key 'action' in \[outside cases\]: expected one of signal_summary$"

check "a director and police form a federation" federation dir police
check_exit "the director publishes the matrix" 0 wn dir matrix publish "$MX"
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"$1\",\"acked_version\":$2"; }
check "police applies it" wait_for 30 acked police 1
row() { wn "$1" --json matrix show | grep -o '"type":"outside","category":"signal_summary"[^}]*'; }
for node in dir police; do
	r=$(row $node)
	check "$node shows the signal_summary row" test -n "$r"
	check "  the municipality views summaries" grep -q '"municipality":"view"' <<<"$r"
	check "  the police gets none" grep -q '"police":"none"' <<<"$r"
done
check_exit "the plain table" 0 wn police matrix show
check_out "  has the outside row" '^outside[[:space:]]+signal_summary[[:space:]]+view[[:space:]]+none'

sed '/^\[outside cases\]/,$d' "$MX" >"$WN_T/v2.matrix"
check_exit "a version without the section is published" 0 wn dir matrix publish "$WN_T/v2.matrix"
check "police applies it" wait_for 30 acked police 2
r=$(row police)
check "  and the municipality gets none of summaries now" grep -q '"municipality":"none"' <<<"$r"
wn_done
