#!/usr/bin/env bash
# test_actions.sh - a case's plan and its actions with real nodes (issue 12,
# week 3 and 4 of the scenario): the director's plan with goals and four
# actions for youth work, police, the municipality (the director itself)
# and housing; each owner sees its own action on its own node; housing
# marks its action done there and the director sees it done with the
# note; the police action passes its deadline and both the police node and
# the director mark it late by themselves, without any request; a member
# whose role the matrix gives no view of actions (youth work) gets no
# action text of another, and one with existence only (housing) only
# that the others exist: every node's store is searched for the markers
# at the end. Refused: an owner that is no member, a malformed or past
# deadline, done by a member that does not own the action, cancel by a
# member, and a forged ACTION_STATE from a member that does not own it.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# no periodic chain head takes the sequence number the poke reads
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police, housing and youth work" \
	federation dir police:police housing:housing youth:youth_work

# the Neteland matrix, but in a situation youth work gets nothing of the
# plan and the actions, housing only the existence of actions
sed -e '/^\[situation\]/,/^\[person\]/{s/^plan = .*/plan = municipality:edit police:view housing:view/;s/^actions = .*/actions = municipality:edit police:view housing:existence/}' \
	"$WN_T/dir.matrix" >"$WN_T/actions.matrix"
check "the test's matrix differs from the example where it says" \
	grep -qx 'actions = municipality:edit police:view housing:existence' "$WN_T/actions.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/actions.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked_all

C=$(wn dir --json case open --type situation --subject S-station-square \
	--purpose "end the nuisance at the station square" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing youth; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing youth; do check "$m knows it is a member" wait_for 60 is_member $m; done

# ---- the plan ------------------------------------------------------------
goal() { printf '%s\n' "$2" | wn dir plan add "$C" --domain "$1" --goal-file -; }
check "a goal for safety and public order" goal safety_public_order "MK-GOAL-safety no nuisance at the square by spring"
check "a goal for daytime activity" goal "education daytime" "MK-GOAL-daytime the youths have something to do"
check "a goal for the social network" goal social_network "MK-GOAL-social the neighbours talk to each other again"

# act OWNER DEADLINE TEXT: the director gives OWNER an action; its number
act() { printf '%s\n' "$3" | wn dir --json action add "$C" --owner "$1" --deadline "$2" --text-file - |
	json_field action_id; }
D_YOUTH=$(date -d '+21 days' +%Y-%m-%d)
D_POLICE=$(date -d '+14 days' +%Y-%m-%d)
D_DIR=$(date -d '+42 days' +%Y-%m-%d)
D_HOUSING=$(date -d '+7 days' +%Y-%m-%d)
A_YOUTH=$(act youth "$D_YOUTH" "MK-ACT-youth contact the group twice a week, offer activities")
A_POLICE=$(act police "$D_POLICE" "MK-ACT-police extra evening patrols Thursday to Saturday")
A_DIR=$(act dir "$D_DIR" "MK-ACT-dir better lighting at the square")
A_HOUSING=$(act housing "$D_HOUSING" "MK-ACT-housing letter and visit to the tenants concerned")
check "the director gives four actions, numbered 1 to 4" \
	test "$A_YOUTH $A_POLICE $A_DIR $A_HOUSING" = "1 2 3 4"

# rows NODE ARGS...: `action list ARGS` as one JSON object a line
rows() { local n=$1; shift; wn "$n" --json action list "$@" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]: print(json.dumps(r, sort_keys=True))'; }
# field NODE ACTION KEY [ARGS...]: one field of one action in NODE's list
field() { local n=$1 a=$2 k=$3; shift 3; wn "$n" --json action list --all "$@" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["action_id"] == int(sys.argv[1]) and r["director"] == "dir": print(r.get(sys.argv[2], "(absent)"))' "$a" "$k"; }
field_is() { [ "$(field "$1" "$2" "$3")" = "$4" ]; }
has_own() { [ "$(rows "$1" | grep -c "MK-ACT-$1")" = 1 ]; }

for m in police housing youth; do
	check "$m sees its own action on its own node" wait_for 60 has_own $m
done
check "police's own list holds its own action only" count_is 1 count_or_fail '"action_id"' rows police
check "youth work's too" count_is 1 count_or_fail '"action_id"' rows youth
check_exit "police's list in words" 0 wn police action list
check_out "  ... with the deadline as a person reads it" "action $A_POLICE of case $C  for police  by $(date -d "$D_POLICE" '+%a %e %b %Y')"
check_out "  ... open, and what to do" 'what: MK-ACT-police extra evening patrols'
check_exit "the director's list holds all four" 0 wn dir action list
check_out "  ... said" '^4 actions, by deadline$'

all_here() { [ "$(rows "$1" --all | grep -c '"action_id"')" = "$2" ]; }
check "police (view of actions) holds all four" wait_for 60 all_here police 4
check "  ... each with its text" count_is 4 count_or_fail '"text": "MK-ACT-' rows police --all
check "housing (existence of actions) holds all four" wait_for 60 all_here housing 4
check "  ... the text of its own only" count_is 1 count_or_fail '"text":' rows housing --all
check_exit "housing's list of the others in words" 0 wn housing action list --all
check_out "  ... says it may know only that they exist" 'may know only that the action exists'
check "youth work (no view of actions) holds only its own" count_is 1 count_or_fail '"action_id"' rows youth --all
goals_here() { [ "$(wn "$1" --json plan show "$C" | grep -o '"kind":"goal"' | wc -l)" = "$2" ]; }
check "police holds the three goals" wait_for 60 goals_here police 3
check "housing too (view of the plan)" wait_for 60 goals_here housing 3
check_exit "the plan at housing, in words" 0 wn housing plan show "$C"
check_out "  ... goals by life domain" 'education and daytime activity: MK-GOAL-daytime'
check_out "  ... and its actions" "action $A_HOUSING of case $C  for housing"
check_exit "the plan at youth work" 0 wn youth plan show "$C"
check_out "  ... no goal, one action" "^the plan of case $C \(directed by dir\): 0 goals, 1 actions$"

# ---- refusals --------------------------------------------------------------
printf 'MK-ACT-refused\n' >"$WN_T/text"
check_exit "an owner that is no member of the case is refused" 1 \
	wn dir action add "$C" --owner guards --deadline "$D_DIR" --text-file "$WN_T/text"
check_out "  ... saying why" "'guards' is not a member of case $C"
check_exit "a malformed deadline is refused" 1 \
	wn dir action add "$C" --owner police --deadline 2026-02-30 --text-file "$WN_T/text"
check_out "  ... saying why" "--deadline '2026-02-30' is not a date"
check_exit "a deadline that has passed is refused" 1 \
	wn dir action add "$C" --owner police --deadline 2020-01-01 --text-file "$WN_T/text"
check_out "  ... saying why" 'the deadline has passed already'
check_exit "a member cannot give actions" 1 \
	wn police action add "$C" --owner police --deadline "$D_DIR" --text-file "$WN_T/text"
check_out "  ... only the director" "only its director gives actions"
check "nothing was added" count_is 4 count_or_fail '"action_id"' rows dir
check_exit "police cannot mark youth work's action done" 1 \
	wn police action done "$A_YOUTH" --note-file "$WN_T/text"
check_out "  ... it belongs to youth work" "action $A_YOUTH belongs to youth: only its owner"
check_exit "youth work cannot mark police's, which it does not hold" 1 \
	wn youth action done "$A_POLICE" --note-file "$WN_T/text"
check_out "  ... there is no such action there" "there is no action $A_POLICE here"
check_exit "a member cannot cancel an action" 1 \
	wn police action cancel "$A_POLICE" --why-file "$WN_T/text"
check_out "  ... only the director" "only the case's director dir cancels"
check "youth work's action is still open on its node" field_is youth "$A_YOUTH" state open
bundle dir >/dev/null
poke_state() { "$POKE" "$WN_T/youth/node.key" "$WN_T/youth.pass" youth "$WN_T/dir.bundle" \
	action-state "$(expected_seq dir youth)" "$C" "$A_POLICE" "MK-NOTE-forged" >"$WN_T/out" 2>&1; }
check_exit "youth work forges police's ACTION_STATE and gets an answer" 0 poke_state
check_out "  ... refused: youth work does not own it" "^refused: 5 .*'youth' does not own action $A_POLICE \(police does\)"
check "  ... police's action stays open at the director" field_is dir "$A_POLICE" state open

# ---- done on the owner's node, seen at the director --------------------------
check "housing marks its action done on its node" sh -c \
	"printf 'MK-NOTE-housing letters sent, three visits made\n' | '$WIJKNET' -d '$WN_T/housing' action done $A_HOUSING --note-file -"
check "  ... housing's copy says done at once" field_is housing "$A_HOUSING" state done
done_at() { field_is "$1" "$A_HOUSING" state done && field_is "$1" "$A_HOUSING" note "MK-NOTE-housing letters sent, three visits made"; }
check "the director sees it done with the note" wait_for 60 done_at dir
check_exit "the director's list in words" 0 wn dir action list --case "$C"
check_out "  ... done, when, and the result" 'result: MK-NOTE-housing letters sent'
check_out "  ... said as done on a day" '^  done on [A-Z][a-z]{2} '
check "the director's audit names housing" out_has 'housing[[:space:]]+action.done[[:space:]]+action 4' wn dir audit show --limit 500
check "police (view) learns it with the note" wait_for 60 done_at police
check "housing cannot mark it done again" bash -c "! '$WIJKNET' -d '$WN_T/housing' action done $A_HOUSING --note-file '$WN_T/text'"
check "the audit holds no action text or note" out_lacks '(^|[^A-Z0-9])MK-' wn dir audit show --limit 500

# ---- late, by the nodes themselves ------------------------------------------
# the police node and the director restart with their work clock fifteen
# days ahead: police's deadline (two weeks) has passed, youth work's (three
# weeks) and the director's (six weeks) not, housing's is done. Nothing is
# asked of them but their audit log.
AHEAD=$((15 * 24 * 3600 * 1000))
for n in dir police; do
	check "$n stops" node_stop $n
	if WIJKNET_TEST_CLOCK_AHEAD_MS=$AHEAD node_start $n; then
		ok "$n starts again, its work clock fifteen days ahead"
	else not_ok "$n starts again, its work clock fifteen days ahead"; fi
done
late_audited() { [ "$(audit_count "$1" action.late system)" = 1 ]; }
check "police marks its action late by itself" wait_for 60 late_audited police
check "the director marks it late by itself" wait_for 60 late_audited dir
check "  ... naming it" out_has "action.late[[:space:]]+action $A_POLICE of dir" wn dir audit show --limit 500
check "no other action is late at the director" count_is 1 audit_count dir action.late
for n in dir police; do check "$n stops" node_stop $n; done
# the stores say late, though no request about actions was made since
late_in() { echo "SELECT action_id || ':' || state FROM actions WHERE director = 'dir' ORDER BY action_id;" |
	node_sql "$1" | tr '\n' ' '; }
for n in police dir; do
	check "$n's store: youth open, police late, the director's open, housing done" \
		count_is "1:0 2:2 3:0 4:1 " late_in $n
done
for n in dir police; do
	WIJKNET_TEST_CLOCK_AHEAD_MS=$AHEAD node_start $n || not_ok "$n starts again"
done
check_exit "police's late list" 0 wn police action list --late
check_out "  ... says it in words" 'LATE: its deadline passed and it is not done'
check "  ... only that one" count_is 1 count_or_fail '^action ' wn police action list --late
check "and once only in the audit after another start" count_is 1 audit_count police action.late
check "police marks its late action done after all" sh -c \
	"printf 'MK-NOTE-police patrols done, a week late\n' | '$WIJKNET' -d '$WN_T/police' action done $A_POLICE --note-file -"
check "the director sees it done" wait_for 60 field_is dir "$A_POLICE" state done
check_exit "the director says it was done after its deadline" 0 wn dir action list --case "$C"
check_out "  ... in words" 'done on .*, after its deadline'
check_exit "the director cancels its own lighting action" 0 sh -c \
	"printf 'the lighting comes with the square'\''s renovation\n' | '$WIJKNET' -d '$WN_T/dir' action cancel $A_DIR --why-file -"
check "police learns it is cancelled" wait_for 60 field_is police "$A_DIR" state cancelled

# people read dates: no human output of these holds epoch milliseconds
for cmd in "dir action list --case $C" "housing action list --all" "police action list --late" \
	"housing plan show $C" "dir audit show --limit 500"; do
	# shellcheck disable=SC2086 # a node and its words
	check "no epoch milliseconds in: $cmd" no_epoch wn $cmd
done

# ---- what each store holds ------------------------------------------------
drained() { local n; for n in dir police housing youth; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
# the director sent each member only what the matrix lets it see: no
# member had to refuse a goal or an action
check "youth work refused nothing the director sent" count_is 0 audit_count youth peer.refused
check "housing refused nothing either" count_is 0 audit_count housing peer.refused
# and a member keeps only what the matrix lets it see, whoever sends it
bundle youth >/dev/null
poke_plan() { "$POKE" "$WN_T/$1/node.key" "$WN_T/$1.pass" "$1" "$WN_T/youth.bundle" \
	plan-action "$(expected_seq youth "$1")" "$C" 9 police "MK-ACT-poked-$1" >"$WN_T/out" 2>&1; }
check_exit "the director's key sends youth work another's action with its text" 0 poke_plan dir
check_out "  ... refused: youth work's role may see nothing of actions" \
	"^refused: 5 .*the matrix in force gives this node's role nothing of actions in case $C"
check_exit "police sends youth work a plan item" 0 poke_plan police
check_out "  ... refused: police does not direct the case" "^refused: 5 .*'police' does not direct case $C here"
dump() { echo .dump | node_sql "$1" >"$WN_T/$1.dump" && grep -q 'CREATE TABLE actions' "$WN_T/$1.dump"; }
for n in youth housing police; do
	check "$n stops" node_stop $n
	check "$n's store is decrypted" dump $n
done
check "youth work's store holds its own action (the search finds what is there)" grep -q 'MK-ACT-youth' "$WN_T/youth.dump"
check "  ... and no other action's text, note or goal" out_lacks 'MK-ACT-(police|housing|dir)|MK-NOTE|MK-GOAL' cat "$WN_T/youth.dump"
check "housing's store holds its own action, its note and the goals" \
	bash -c "grep -q 'MK-ACT-housing' '$WN_T/housing.dump' && grep -q 'MK-NOTE-housing' '$WN_T/housing.dump' && grep -q 'MK-GOAL-social' '$WN_T/housing.dump'"
check "  ... and no other action's text or note" out_lacks 'MK-ACT-(police|youth|dir)|MK-NOTE-police' cat "$WN_T/housing.dump"
check "police's store holds the others' actions and housing's note (view)" \
	bash -c "grep -q 'MK-ACT-youth' '$WN_T/police.dump' && grep -q 'MK-NOTE-housing' '$WN_T/police.dump'"
check "nobody's store holds the forged note, a poked action or the refused one" \
	out_lacks 'MK-NOTE-forged|MK-ACT-poked|MK-ACT-refused' cat "$WN_T/youth.dump" "$WN_T/housing.dump" "$WN_T/police.dump"
wn_done
