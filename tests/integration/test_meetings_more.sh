#!/usr/bin/env bash
# test_meetings_more.sh - consultations, the gaps test_meetings.sh leaves,
# with real nodes:
#  - minutes and decisions are written once the meeting was held: before,
#    they are refused with a clear error and nothing is stored or sent;
#  - a member of the case whose role the matrix gives `none` of
#    deliberation (the guards here) is sent no minutes and no decision,
#    and holds none (its store is searched), while police (view) gets them;
#  - a partner added to a body later is told the body's earlier meetings
#    (when, who was there), and never a case the matrix and its membership
#    do not let it know;
#  - a partner taken out of a body is told so and gets no new meeting of
#    it, while the others do.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels

check "a federation of the director, police, housing and the guards" \
	federation dir police:police housing:housing guards:community_guards
# in a situation police views deliberation, the guards have none of it
sed -e '/^\[situation\]/,/^\[person\]/s/^deliberation = .*/deliberation = municipality:edit police:view housing:existence/' \
	"$WN_T/dir.matrix" >"$WN_T/meet.matrix"
check "the test's matrix gives the guards no deliberation in a situation" \
	grep -qx 'deliberation = municipality:edit police:view housing:existence' "$WN_T/meet.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/meet.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked_all

check "the director adds the neighbourhood team: itself, police and housing" \
	wn dir body add nbt --name "neighbourhood team" --chair dir --members dir,housing,police
bodies_at() { [ "$(wn "$1" --json body list | grep -o '"body_id"' | wc -l)" = "$2" ]; }
check "police is told it sits in it" wait_for 60 bodies_at police 1

C=$(wn dir --json case open --type situation --subject S-gap-square --purpose "end the nuisance" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police guards; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police guards; do check "$m knows it is a member" wait_for 60 is_member $m; done

AT=$(date -d 'tomorrow 14:00' '+%Y-%m-%d %H:%M')
check "the director plans meeting 1 for tomorrow" wn dir meeting plan nbt --at "$AT"
check "the case goes on its agenda" wn dir meeting agenda 1 "$C"
minutes() { printf '%s\n' "$2" | wn dir meeting minutes 1 --case "$1" --text-file -; }
decide() { printf '%s\n' "$2" | wn dir meeting decide 1 --case "$1" --text-file -; }
state() { wn dir --json meeting show 1 | tr -d '\n'; }
BEFORE=$(state)

# ---- nothing predates the meeting
check_exit "minutes before the meeting was held are refused" 1 minutes "$C" "MK-MIN-refused early"
check_out "  ... saying when it is held" \
	"meeting 1 is held on $(date -d 'tomorrow 14:00' '+%Y-%m-%d 14:00'): its minutes are written once it was held; nothing was written"
check_exit "a decision before it too" 1 decide "$C" "MK-DEC-refused early"
check_out "  ... saying so" "meeting 1 is held on .*: its decisions are written once it was held"
check "the meeting at the director is as it was" test "$(state)" = "$BEFORE"
check "  ... no minutes" out_lacks '"minutes_ms":[1-9]|MK-' wn dir --json meeting show 1

# the meeting is held: the director's work clock runs two days ahead
check "the director stops" node_stop dir
if WIJKNET_TEST_CLOCK_AHEAD_MS=$((2 * 24 * 3600 * 1000)) node_start dir; then
	ok "it starts again, its work clock two days ahead"
else not_ok "it starts again, its work clock two days ahead"; fi
check_exit "now the minutes are written" 0 minutes "$C" "MK-MIN-gap the group was there"
check_out "  ... told to one member of the case (police; not the guards)" \
	"^minutes of case $C at meeting 1 written; 1 members of the case told$"
check_exit "and a decision" 0 decide "$C" "MK-DEC-gap patrols at closing time"
check_out "  ... told to one member" "^decision 1 on case $C at meeting 1 recorded; 1 members of the case told$"

# ---- the guards: a member with none of deliberation
min_at() { wn police --json case show "$C" | grep -q 'MK-DEC-gap'; }
check "police gets the minutes and the decision with their text" wait_for 60 min_at
printf 'we look into it\n' >"$WN_T/why"
check "the director moves the case on (a step every member is sent)" \
	wn dir case advance "$C" --to exploration --why-file "$WN_T/why"
# the step leaves the director's outbox for the guards after anything
# queued for them before: once they hold it, they hold all they were sent
stage_at() { out_has '"stage":"exploration"' wn guards --json case show "$C"; }
check "the guards hold the step" wait_for 60 stage_at
# consults: the rows of case show that tell a consultation or decision
consults() { local out; out=$(wn "$1" --json case show "$2") || return 1
	printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["rows"] if r.get("kind") in ("consult", "decision")))'; }
check "police's case show holds them (the count finds what is there)" count_is 2 consults police "$C"
check "the guards hold no consultation of the case" count_is 0 consults guards "$C"
check "  ... and refused none (none was sent)" count_is 0 audit_count guards peer.refused
check_exit "the guards' case show" 0 wn guards case show "$C"
check_out "  ... tells no minutes or decision" '^what happened:'
check "  ... none" out_lacks 'MK-(MIN|DEC)-|minutes|decision' wn guards case show "$C"

# ---- a partner joins the body later: its earlier meetings
check "the guards sit in no body" bodies_at guards 0
check "the director adds the guards to the team" wn dir body change nbt --members dir,guards,housing,police
meetings_at() { [ "$(wn "$1" --json meeting list | grep -o '"meeting":' | wc -l)" = "$2" ]; }
check "the guards are told the team's earlier meeting" wait_for 60 meetings_at guards 1
check_exit "  ... in words" 0 wn guards meeting show 1
check_out "  ... but no case of it: the matrix gives them none of deliberation" \
	'agenda: no case this node may know of'
check "  ... no text" out_lacks 'MK-(MIN|DEC)-' wn guards --json meeting show 1

# ---- a partner leaves the body: no new meeting
check "the director takes housing out of the team" wn dir body change nbt --members dir,guards,police
check "housing is told it left" wait_for 60 bodies_at housing 0
AT2=$(date -d '+5 days 14:00' '+%Y-%m-%d 14:00')
check_exit "the director plans meeting 2" 0 wn dir meeting plan nbt --at "$AT2"
check_out "  ... told to the two partners left besides itself" '^meeting 2 of nbt planned; 2 partners told$'
check "police is told meeting 2" wait_for 60 meetings_at police 2
check "the guards too" wait_for 60 meetings_at guards 2
# housing: a body it is told after meeting 2 was planned shows it got
# everything queued before
check "the director adds a body with housing" wn dir body add other --name other --chair dir --members dir,housing
check "housing is told that body" wait_for 60 bodies_at housing 1
check "housing holds meeting 1 only, not meeting 2" out_lacks '"meeting":2' wn housing --json meeting list
check "  ... and refused nothing (nothing was sent)" count_is 0 audit_count housing peer.refused

for n in dir police housing guards; do check "$n stops" node_stop $n; done
echo .dump | node_sql guards >"$WN_T/guards.dump" 2>&1
check "the guards' store decrypts and holds the meeting" grep -Eq "INSERT INTO \"?meetings\"? VALUES\('dir',1,'nbt'" "$WN_T/guards.dump"
check "  ... and no minutes or decision" out_lacks 'MK-(MIN|DEC)-' cat "$WN_T/guards.dump"
echo .dump | node_sql dir >"$WN_T/dir.dump" 2>&1
check "the director's store holds no text refused before the meeting" out_lacks 'MK-(MIN|DEC)-refused' cat "$WN_T/dir.dump"
wn_done
