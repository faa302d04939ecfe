#!/usr/bin/env bash
# test_meetings.sh - consultations with real nodes (issue 12, week 3 of the
# scenario): the director keeps two bodies, the monthly neighbourhood team
# (the director, police, housing and the community guards) and the
# nuisance consultation team (the director and police); each partner is
# told the bodies it sits in. A meeting of the neighbourhood team is
# planned, the situation case is put on its agenda, the attendance taken,
# minutes written and a decision recorded that took a step of the case.
# The minutes and the decision reach police (a member of the case whose
# role the matrix gives view of deliberation) with their text; housing (a
# member with existence of deliberation) only that they exist; the guards
# (in the body, not in the case) the meeting but nothing of the case; a
# CONSULT or BODY from a partner that is not the director, and minutes the
# matrix does not let in, are refused. The case is escalated to the
# nuisance consultation team: the director and the members see it in case
# show, the reason only where the matrix lets them. A member taken off the
# case forgets its consultations and escalations, and is told them again
# when invited again. Bad input is refused with a clear error and the
# stored data stay as they were; at the end every member's decrypted store
# is searched for the markers of the texts.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

NONE=(-d "$WN_T/no-node")
for cmd in "body add" "body change" "body list" "meeting plan" \
	"meeting agenda" "meeting attend" "meeting minutes" "meeting decide" \
	"meeting list" "meeting show" "case escalate"; do
	check_exit "$cmd --help" 0 "$WIJKNET" "${NONE[@]}" $cmd --help
	check_out "  prints the usage" "^usage: wijknet ${cmd%% *}"
done
check_exit "meeting minutes takes no text on the command line" 1 \
	"$WIJKNET" "${NONE[@]}" meeting minutes 1 --case c-1 --text "MK-MIN-argv"
check_out "  ... only a file's name" 'text-file MK-MIN-argv: No such file'
check_exit "case escalate has no --reason: the reason comes from a file" 2 \
	"$WIJKNET" "${NONE[@]}" case escalate c-1 --to nct --reason because
check_exit "a meeting's number is a number" 2 \
	"$WIJKNET" "${NONE[@]}" meeting agenda one c-1
check_exit "body add --members must be org ids" 2 \
	"$WIJKNET" "${NONE[@]}" body add nbt --name x --chair dir --members "dir,Police"

check "a federation of the director, police, housing and the guards" \
	federation dir police:police housing:housing guards:community_guards

# the Neteland matrix, but in a situation housing sees only that there is
# deliberation and the guards nothing of it
sed -e '/^\[situation\]/,/^\[person\]/s/^deliberation = .*/deliberation = municipality:edit police:view housing:existence/' \
	"$WN_T/dir.matrix" >"$WN_T/meet.matrix"
check "the test's matrix differs from the example where it says" \
	grep -qx 'deliberation = municipality:edit police:view housing:existence' "$WN_T/meet.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/meet.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked_all

# ---- bodies ---------------------------------------------------------------
check_exit "the director adds the monthly neighbourhood team" 0 wn dir body add nbt \
	--name "monthly neighbourhood team Herentals" --chair dir --members dir,police,housing,guards
check_out "  ... said in words" '^body nbt added: 4 members, chaired by dir; 3 partners told$'
check "and the nuisance consultation team" wn dir body add nct \
	--name "nuisance consultation team" --chair dir --members dir,police
check_exit "a member cannot add a body" 1 wn police body add mine --name x --chair police --members police
check_out "  ... only the director" "only the federation's director keeps consultation bodies"
check_exit "a body whose chair is not a member is refused" 1 wn dir body add x --name x --chair guards --members dir,police
check_out "  ... saying why" '--chair: guards is not among the body'
check_exit "a member that is no enrolled partner is refused" 1 wn dir body add x --name x --chair dir --members dir,nobody
check_out "  ... saying why" '--members: nobody is not an enrolled partner'
check_exit "a body that exists is not added again" 1 wn dir body add nbt --name y --chair dir --members dir
check_out "  ... saying why" 'body nbt exists already'
printf -v LONGNAME 'n%.0s' $(seq 1 65)
check_exit "a name over 64 characters is refused" 1 wn dir body add x --name "$LONGNAME" --chair dir --members dir
check_out "  ... saying why" 'is too long'
bodies_at() { [ "$(wn "$1" --json body list | grep -o '"body_id"' | wc -l)" = "$2" ]; }
check "nothing of that was kept" bodies_at dir 2
check "police sits in both and is told so" wait_for 60 bodies_at police 2
check "housing in the neighbourhood team only" wait_for 60 bodies_at housing 1
check "the guards too" wait_for 60 bodies_at guards 1
check_exit "the guards' list in words" 0 wn guards body list
check_out "  ... a table" '^body +name +chair +members +this node sits in it$'
check_out "  ... its name, chair, members and that it sits in it" \
	'^nbt +monthly neighbourhood team Herentals +dir +dir,guards,housing,police +yes$'

# ---- a meeting ------------------------------------------------------------
AT=$(date -d 'tomorrow 14:00' '+%Y-%m-%d %H:%M')
check_exit "a meeting in the past is refused" 1 wn dir meeting plan nbt --at "2020-01-01 14:00"
check_out "  ... saying why" 'is in the past'
check_exit "a meeting of an unknown body is refused" 1 wn dir meeting plan nobody --at "$AT"
check_out "  ... saying why" "no body 'nobody'"
check_exit "a moment that does not exist is refused" 1 wn dir meeting plan nbt --at "2026-02-30 14:00"
check_out "  ... saying why" '--at: a date and time'
check_exit "the director plans the neighbourhood team's meeting" 0 wn dir meeting plan nbt --at "$AT"
check_out "  ... meeting 1" '^meeting 1 of nbt planned; 3 partners told$'
meeting_at() { out_has '"meeting":1' wn "$1" --json meeting list; }
for m in police housing guards; do check "$m is told the meeting" wait_for 60 meeting_at $m; done
check_exit "the meeting at the guards, in words" 0 wn guards meeting list
check_out "  ... a table" '^meeting +when +body +partners there +cases here$'
check_out "  ... its date as a person reads it" "^1 +$(date -d 'tomorrow 14:00' '+%a %e %b %Y 14:00') +monthly neighbourhood team Herentals \(nbt\) +0$"

C=$(wn dir --json case open --type situation --subject S-station-square \
	--purpose "end the nuisance at the station square" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing; do check "it invites $m" wn dir case invite "$C" $m; done
C2=$(wn dir --json case open --type situation --subject S-other-street \
	--purpose "another nuisance" --ground consent | json_field case_id)
check "and a second case, not on the agenda" test -n "$C2"
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing; do check "$m knows it is a member" wait_for 60 is_member $m; done

check_exit "the case goes on the agenda" 0 wn dir meeting agenda 1 "$C"
check_out "  ... said" "^case $C is on the agenda of meeting 1 of nbt; 2 members of the case told$"
check_exit "not twice" 1 wn dir meeting agenda 1 "$C"
check_exit "an unknown meeting is refused" 1 wn dir meeting agenda 7 "$C"
check_out "  ... saying why" 'this node holds no meeting 7'
check_exit "who was there: the director, police and the guards" 0 wn dir meeting attend 1 --present dir,police,guards
check_out "  ... said" '^meeting 1 of nbt: 3 partners were there; 3 partners told$'
check_exit "a partner not in the body cannot have attended" 1 wn dir meeting attend 1 --present dir,nobody
check_out "  ... saying why" '--present: nobody is not an enrolled partner'
check_exit "a partner named twice is refused" 1 wn dir meeting attend 1 --present dir,police,dir
check_out "  ... saying why" '--present: dir is named twice'

minutes() { printf '%s\n' "$3" | wn dir meeting minutes "$1" --case "$2" --text-file -; }
# minutes are written once the meeting was held: from here on the
# director's work clock runs two days ahead (test_meetings_more.sh tells
# the refusal before)
check "the director stops" node_stop dir
if WIJKNET_TEST_CLOCK_AHEAD_MS=$((2 * 24 * 3600 * 1000)) node_start dir; then
	ok "it starts again, its work clock two days ahead: the meeting was held"
else not_ok "it starts again, its work clock two days ahead: the meeting was held"; fi
check "the minutes of the case" minutes 1 "$C" "MK-MIN-square the group was there again on Friday; the partners agree on a joint approach"
check "the director takes the case to exploration" sh -c "printf 'the team agreed\n' | '$WIJKNET' -d '$WN_T/dir' case advance $C --to exploration --why-file -"
decide() { printf '%s\n' "$2" | wn dir meeting decide 1 --case "$1" --text-file - "${@:3}"; }
check_exit "a decision that took step 1 of the case" 0 decide "$C" "MK-DEC-square explore: every partner says what it holds" --step 1
check_out "  ... said" "^decision 1 on case $C at meeting 1 recorded; 2 members of the case told$"

# ---- bad input, stored data intact ------------------------------------------
state() { wn dir --json meeting show 1 | tr -d '\n' | sed 's/"[a-z_]*ms":[0-9]*//g'; }
BEFORE=$(state)
check_exit "minutes of a case not on the agenda are refused" 1 minutes 1 "$C2" "MK-MIN-refused"
check_out "  ... saying why" "case $C2 is not on the agenda of meeting 1"
check_exit "a decision on it too" 1 decide "$C2" "MK-DEC-refused"
check_exit "a decision tied to a step the case did not take" 1 decide "$C" "MK-DEC-refused" --step 9
check_out "  ... saying why" "--step: case $C has 1 steps"
printf -v LONG 'x%.0s' $(seq 1 2001)
check_exit "minutes over 2000 characters are refused" 1 minutes 1 "$C" "$LONG"
check_out "  ... saying why" 'text is too long: 2001 characters, at most 2000'
check_exit "minutes with a control character are refused" 1 minutes 1 "$C" $'MK-MIN-refused \e[2J'
check_out "  ... saying why" 'the minutes holds a control character'
check_exit "a member cannot write minutes" 1 sh -c "printf 'MK-MIN-refused\n' | '$WIJKNET' -d '$WN_T/police' meeting minutes 1 --case $C --text-file -"
check_out "  ... only the director" "only the federation's director keeps the minutes"
check "the meeting at the director is as it was" test "$(state)" = "$BEFORE"

# ---- what each member holds --------------------------------------------------
consult() { wn "$1" --json meeting show 1 | tr -d '\n'; }
min_at() { consult "$1" | grep -q "$2"; }
check "police gets the minutes with their text" wait_for 60 min_at police 'MK-MIN-square'
check "  ... and the decision's" wait_for 60 min_at police 'MK-DEC-square'
check "housing is told there are minutes" wait_for 60 min_at housing '"minutes_shared":false'
check "  ... and a decision, without its text" wait_for 60 min_at housing '"text_shared":false'
check_exit "housing's meeting in words" 0 wn housing meeting show 1
check_out "  ... the attendance" 'attendance: dir present, guards present, police present, housing absent'
check_out "  ... minutes not shared" 'minutes: written, not shared with this node'
check_out "  ... the decision took step 1, its text not shared" 'decision 1 \(.*, took step 1\): \(not shared with this node\)'
check_exit "police's case show" 0 wn police case show "$C"
check_out "  ... the consultation with its minutes" "^  meeting 1 of nbt, "
check_out "  ... the minutes" 'minutes: MK-MIN-square the group was there again'
check_out "  ... the decision" 'decision 1 \(.*, took step 1\): MK-DEC-square explore'
check_out "  ... in a pipe the minutes on one line, whole" \
	'^    minutes: MK-MIN-square the group was there again on Friday; the partners agree on a joint approach$'
# on a terminal a free text wraps at its width under its label, never cut
# (issue 14)
script -qec "stty cols 50; '$WIJKNET' -d '$WN_T/police' case show '$C'" /dev/null </dev/null >"$WN_T/tty" 2>&1
wrapped() { /usr/bin/python3 -c '
import sys
t = open(sys.argv[1], encoding="utf-8").read().replace("\r", "").split("\n")
i = [k for k, l in enumerate(t) if l.startswith("    minutes: MK-MIN-square")]
if len(i) != 1: sys.exit(1)
j = i[0] + 1
while j < len(t) and t[j].startswith("      ") and not t[j].startswith("    d"): j += 1
block = t[i[0]:j]
whole = " ".join(l.strip() for l in block)
sys.exit(0 if len(block) >= 2 and max(len(l) for l in block) <= 50 and whole ==
    "minutes: MK-MIN-square the group was there again on Friday; the partners agree on a joint approach"
    else 1)' "$WN_T/tty"; }
check "  ... on a 50-column terminal the minutes wrap under their label, whole" wrapped
check_exit "the guards' meeting: attendance, no case" 0 wn guards meeting show 1
check_out "  ... the attendance" 'guards present'
check_out "  ... nothing of the case" 'agenda: no case this node may know of'
check "the guards hold no case of it" out_lacks "$C" wn guards --json meeting list

# ---- escalation -------------------------------------------------------------
why() { printf '%s\n' "$3" | wn dir case escalate "$1" --to "$2" --why-file -; }
check_exit "a case with no body yet cannot be escalated" 1 why "$C2" nct "MK-WHY-refused"
check_out "  ... saying why" "case $C2 is with no body yet"
check_exit "to an unknown body neither" 1 why "$C" nobody "MK-WHY-refused"
check_out "  ... saying why" "--to: no body 'nobody'"
check_exit "nor to the body it is with" 1 why "$C" nbt "MK-WHY-refused"
check_out "  ... saying why" "case $C is with nbt already"
check_exit "a member cannot escalate" 1 sh -c "printf 'MK-WHY-refused\n' | '$WIJKNET' -d '$WN_T/police' case escalate $C --to nct --why-file -"
check_exit "the director hands the case to the nuisance consultation team" 0 \
	why "$C" nct "MK-WHY-escalated too complex for the neighbourhood team"
check_out "  ... said" "^case $C handed from nbt to nct; 2 members of the case told$"
check_exit "the director's case show" 0 wn dir case show "$C"
check_out "  ... tells the escalation" '^  .* handed from nbt to nct, by admin of dir$'
check_out "  ... with why" 'why: MK-WHY-escalated'
esc_at() { wn "$1" case show "$C" | grep -q 'handed from nbt to nct'; }
for m in police housing; do check "$m sees the escalation" wait_for 60 esc_at $m; done
check_exit "police's case show" 0 wn police case show "$C"
check_out "  ... with why" 'why: MK-WHY-escalated'
check_exit "housing's case show" 0 wn housing case show "$C"
check_out "  ... without it" 'reason not shared'
check_exit "case show --json carries the escalation" 0 wn housing --json case show "$C"
check_out "  ... as a row" '"kind":"escalation"'
check_exit "escalating again to where it is now is refused" 1 why "$C" nct "MK-WHY-refused"

# ---- a member removed forgets, invited again is told again -----------------
check "the director takes police off the case" wn dir case remove "$C" police
forgot() { ! wn police --json meeting show 1 | grep -q 'MK-MIN-square' &&
	[ "$(audit_count police meeting.forgotten)" = 1 ]; }
check "police forgets the case's consultations and escalations" wait_for 60 forgot
check "  ... its case show tells none" out_lacks '(^|[^A-Z0-9])MK-|handed from' wn police case show "$C"
check "the director invites police again" wn dir case invite "$C" police
told_again() { wn police case show "$C" | grep -q 'minutes: MK-MIN-square' &&
	wn police case show "$C" | grep -q 'why: MK-WHY-escalated'; }
check "police is told the minutes and the escalation again" wait_for 60 told_again

# ---- a closed case shares nothing ------------------------------------------
check "the director closes the case" sh -c "printf 'the nuisance is gone\n' | '$WIJKNET' -d '$WN_T/dir' case close $C --outcome resolved --why-file -"
check_exit "no minutes are added to a closed case" 1 minutes 1 "$C" "MK-MIN-closed"
check_out "  ... saying why" "case $C is closed"

# ---- what each store holds ------------------------------------------------
drained() { local n; for n in dir police housing guards; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
for m in police housing guards; do
	check "$m refused nothing the director sent" count_is 0 audit_count $m peer.refused
done
check "the audit holds no minutes, decision or reason" out_lacks '(^|[^A-Z0-9])MK-' wn dir audit show --limit 500
# a member keeps only what comes from the director and the matrix lets in
bundle housing >/dev/null
poke() { local from=$1 to=$2; shift 2; "$POKE" "$WN_T/$from/node.key" "$WN_T/$from.pass" "$from" \
	"$WN_T/$to.bundle" "$1" "$(expected_seq "$to" "$from")" "${@:2}" >"$WN_T/out" 2>&1; }
C3=$(wn dir --json case open --type situation --subject S-third-square \
	--purpose "a third nuisance" --ground consent | json_field case_id)
check "the director opens a third case with police and housing" sh -c \
	"'$WIJKNET' -d '$WN_T/dir' case invite $C3 police >/dev/null && '$WIJKNET' -d '$WN_T/dir' case invite $C3 housing >/dev/null"
member_of() { out_has "\"case_id\":\"$C3\"" wn "$1" --json case list; }
check "  ... housing knows it" wait_for 60 member_of housing
check "  ... and everything is delivered" wait_for 60 drained
check_exit "police sends housing the minutes of a case it does not direct" 0 \
	poke police housing consult "$C3" 1 nbt "MK-MIN-poked by police"
check_out "  ... refused" "^refused: 5 .*'police' does not direct case $C3 here"
check_exit "the director's key sends housing minutes with their text" 0 \
	poke dir housing consult "$C3" 1 nbt "MK-MIN-poked by the director"
check_out "  ... refused: housing's role may not view deliberation" \
	"^refused: 5 .*no view of deliberation in case $C3"
check_exit "police sends housing a body" 0 poke police housing body mine
check_out "  ... refused: only the director keeps bodies" "^refused: 5 .*'police' is not the federation's director"
check "housing's bodies are as they were" bodies_at housing 1
# people read dates: no human output of these commands holds a moment in
# epoch milliseconds (the audit of a planned meeting said one)
for cmd in "dir meeting list" "dir meeting show 1" "dir body list" "dir case list" \
	"dir case show $C" "police case show $C" "housing meeting show 1" \
	"dir audit show --limit 500" "police audit show --limit 500"; do
	# shellcheck disable=SC2086 # a node and its words
	check "no epoch milliseconds in: $cmd" no_epoch wn $cmd
done
dump() { echo .dump | node_sql "$1" >"$WN_T/$1.dump" && grep -q 'CREATE TABLE meeting_cases' "$WN_T/$1.dump"; }
for n in police housing guards; do
	check "$n stops" node_stop $n
	check "$n's store is decrypted" dump $n
done
check "police's store holds the minutes, the decision and the reason" \
	bash -c "grep -q 'MK-MIN-square' '$WN_T/police.dump' && grep -q 'MK-DEC-square' '$WN_T/police.dump' && grep -q 'MK-WHY-escalated' '$WN_T/police.dump'"
check "housing's store holds the case's consultation (the search finds what is there)" \
	grep -Eq "INSERT INTO \"?meeting_cases\"? VALUES\('dir',1,'$C'" "$WN_T/housing.dump"
check "  ... and none of its texts" out_lacks 'MK-(MIN|DEC|WHY)' cat "$WN_T/housing.dump"
check "the guards' store holds the meeting" grep -Eq "INSERT INTO \"?meetings\"? VALUES\('dir',1,'nbt'" "$WN_T/guards.dump"
check "  ... and nothing of the case" out_lacks "MK-|$C" cat "$WN_T/guards.dump"
check "nobody's store holds a refused or poked text" out_lacks 'MK-(MIN|DEC|WHY)-(refused|closed|argv|poked)' \
	cat "$WN_T/police.dump" "$WN_T/housing.dump" "$WN_T/guards.dump"
wn_done
