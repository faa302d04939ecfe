#!/usr/bin/env bash
# test_plan_life.sh - a case's plan and actions through the case's life,
# with real nodes: a member invited after the plan was made (housing) is
# sent its goals and actions right after its CASE, as far as the matrix
# lets its role see them (an action's text only where it has view); a member removed from the case (police) deletes
# the goals and actions it holds of it, audited; once the case is closed
# nothing of its plan moves: the director adds no goal or action, the
# owner marks nothing done, the director cancels nothing, and a PLAN item
# or ACTION_STATE that arrives for it anyway is refused, and its actions
# are never marked late. The stores are searched for the markers at the
# end.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# no periodic chain head takes the sequence number a poke reads
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police and housing" \
	federation dir police:police housing:housing
# the Neteland matrix, but in a situation housing may know only that
# another's action exists
sed -e '/^\[situation\]/,/^\[person\]/{s/^actions = \(.*\)housing:view/actions = \1housing:existence/}' \
	"$WN_T/dir.matrix" >"$WN_T/plan.matrix"
check "the test's matrix differs from the example where it says" \
	grep -q '^actions = .*housing:existence' "$WN_T/plan.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/plan.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked_all

C=$(wn dir --json case open --type situation --subject S-PLANLIFE-square \
	--purpose "end the nuisance at the square" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
check "it invites police" wn dir case invite "$C" police
is_member() { out_has '"member":true' wn "$1" --json case list; }
check "police knows it is a member" wait_for 60 is_member police

goal() { printf '%s\n' "$2" | wn dir plan add "$C" --domain "$1" --goal-file -; }
act() { printf '%s\n' "$3" | wn dir --json action add "$C" --owner "$1" --deadline "$2" --text-file - |
	json_field action_id; }
check "a goal for safety and public order" goal safety_public_order "MK-GOAL-square quiet evenings"
D=$(date -d '+14 days' +%Y-%m-%d)
A_POLICE=$(act police "$D" "MK-ACT-police evening patrols")
check "an action for police" test "$A_POLICE" = 1
# plan_is NODE GOALS ACTIONS: what `plan show` counts on NODE
plan_is() { out_has "^the plan of case $C \(directed by dir\): $2 goals, $3 actions$" wn "$1" plan show "$C"; }
check "police holds the goal and its action" wait_for 60 plan_is police 1 1

# ---- a member invited later is sent the plan so far ------------------------
check "the director invites housing after the plan was made" wn dir case invite "$C" housing
check "housing knows it is a member" wait_for 60 is_member housing
check "housing is sent the goal and police's action" wait_for 60 plan_is housing 1 1
check_exit "housing's plan in words" 0 wn housing plan show "$C"
check_out "  ... the goal's text (view of the plan)" 'MK-GOAL-square quiet evenings'
check_out "  ... and that police's action exists, without its text (existence of actions)" \
	'may know only that the action exists'
check "  ... the text is not there" out_lacks 'MK-ACT-police' wn housing --json plan show "$C"
A_HOUSING=$(act housing "$D" "MK-ACT-housing talk to the tenants")
check "an action for housing" test "$A_HOUSING" = 2
check "housing holds it too" wait_for 60 plan_is housing 1 2

# ---- a member removed forgets the plan ---------------------------------------
check "the director removes police from the case" wn dir case remove "$C" police
check "police deletes the goal and both actions it held" wait_for 60 plan_is police 0 0
check "  and audits it once" count_is 1 audit_count police plan.forgotten system
check "  police's action list is empty" out_has '^0 .*actions' wn police action list --all
check "housing keeps its copy" plan_is housing 1 2

# ---- a closed case: nothing of its plan moves ----------------------------------
printf 'MK-WHY-closed: the square is quiet\n' >"$WN_T/why"
check "the director closes the case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
closed_at() { wn "$1" --json case show "$C" | /usr/bin/python3 -c '
import json,sys
sys.exit(0 if json.load(sys.stdin)["rows"][0].get("closed_ms", 0) > 0 else 1)'; }
check "housing learns it is closed" wait_for 60 closed_at housing
printf 'MK-ACT-after-close\n' >"$WN_T/text"
check_exit "the director adds no goal to the closed case" 1 \
	wn dir plan add "$C" --domain housing --goal-file "$WN_T/text"
check_out "  ... saying why" "case $C is closed: nothing is added to its plan"
check_exit "nor an action" 1 wn dir action add "$C" --owner housing --deadline "$D" --text-file "$WN_T/text"
check_out "  ... saying why" "case $C is closed: nothing is added to its plan"
check_exit "housing marks nothing done for it" 1 wn housing action done "$A_HOUSING" --note-file "$WN_T/text"
check_out "  ... saying why" "case $C is closed: its actions stay as they are"
check_exit "the director cancels nothing of it" 1 wn dir action cancel "$A_HOUSING" --why-file "$WN_T/text"
check_out "  ... saying why" "case $C is closed: its actions stay as they are"
check "housing's action stays open there" out_has '"state":"open"' wn housing --json action list --all

# ---- late: the nodes mark an open case's actions, never a closed one's ----------
C2=$(wn dir --json case open --type situation --subject S-PLANLIFE-street \
	--purpose "end the nuisance in the street" --ground consent | json_field case_id)
check "a second case, still open" test -n "$C2"
check "  housing is invited" wn dir case invite "$C2" housing
A2=$(printf 'MK-ACT-housing the street\n' | wn dir --json action add "$C2" --owner housing \
	--deadline "$D" --text-file - | json_field action_id)
check "  with an action for housing, due the same day as the closed case's" test -n "$A2"
has_a2() { out_has "\"action_id\":$A2," wn housing --json action list --all; }
check "  housing holds it" wait_for 60 has_a2
AHEAD=$((15 * 24 * 3600 * 1000))
for n in dir housing; do
	check "$n stops" node_stop $n
	WIJKNET_TEST_CLOCK_AHEAD_MS=$AHEAD check "$n starts with its clock 15 days ahead" node_start $n
done
for n in housing dir; do
	late_one() { [ "$(audit_count "$1" action.late system)" = 1 ]; }
	check "$n marks the open case's action late by itself" wait_for 60 late_one $n
	check "  ... that one" out_has "action.late[[:space:]]+action $A2 of dir" wn $n audit show --limit 500
	state_of() { wn "$1" --json action list --all | /usr/bin/python3 -c '
import json,sys
print([r["state"] for r in json.load(sys.stdin)["rows"] if r["action_id"] == int(sys.argv[1])][0])' "$2"; }
	check "  and not the closed case's: it stays open" test "$(state_of $n "$A_HOUSING")" = open
done

drained() { local n; for n in dir housing; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
bundle dir >/dev/null
bundle housing >/dev/null
poke_state() { "$POKE" "$WN_T/housing/node.key" "$WN_T/housing.pass" housing "$WN_T/dir.bundle" \
	action-state "$(expected_seq dir housing)" "$C" "$A_HOUSING" "MK-NOTE-after-close" >"$WN_T/out" 2>&1; }
check_exit "housing's key sends the director an ACTION_STATE for the closed case" 0 poke_state
check_out "  ... refused: the case is closed" "^refused: 5 .*case $C is closed: nothing is shared for it"
poke_plan() { "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/housing.bundle" \
	plan-action "$(expected_seq housing dir)" "$C" 9 housing "MK-ACT-poked-after-close" >"$WN_T/out" 2>&1; }
check_exit "the director's key sends housing a PLAN item for the closed case" 0 poke_plan
check_out "  ... refused: the case is closed" "^refused: 5 .*case $C is closed: nothing is shared for it"
check "the director's copy of housing's action stays open" \
	out_has '"state":"open"' wn dir --json action list --case "$C"

# ---- what each store holds -----------------------------------------------------
dump() { echo .dump | node_sql "$1" >"$WN_T/$1.dump" && grep -q 'CREATE TABLE actions' "$WN_T/$1.dump"; }
for n in police housing dir; do
	check "$n stops" node_stop $n
	check "$n's store is decrypted" dump $n
done
check "housing's store holds the goal and its own action (the search finds what is there)" \
	bash -c "grep -q 'MK-GOAL-square' '$WN_T/housing.dump' && grep -q 'MK-ACT-housing' '$WN_T/housing.dump'"
check "  ... and not police's action's text" out_lacks 'MK-ACT-police' cat "$WN_T/housing.dump"
check "police's store holds no goal or action of the case any more" out_lacks 'MK-GOAL|MK-ACT' cat "$WN_T/police.dump"
check "nobody's store holds what came after the close" \
	out_lacks 'MK-ACT-after-close|MK-ACT-poked|MK-NOTE-after-close' cat "$WN_T/housing.dump" "$WN_T/dir.dump"
wn_done
