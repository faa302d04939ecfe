#!/usr/bin/env bash
# test_alerts.sh - SITRAP alerts (issue 13) with real nodes: a director
# and two members, police and housing, a case with three actions and a
# share. Each event makes exactly one alert at the director for the case
# (and one at the action's owner for its own actions): an action given,
# done on the owner's node, cancelled by the director, late by itself
# (the clock run ahead); a share asked and answered; a member's dossier
# that changed (its copy replaced); a consent withdrawn (what it let out
# retracted); a decision at a meeting, at the director and at the body's
# chair (police, a member of the case), once however often the director
# sends the case's state at the meeting again; a concern's match, at each
# partner told of another one (no case). `alerts --follow --json`, started
# from an id before the first event, prints each one after it as it
# comes, once, in order, and goes on across the node's restart. `alerts
# read` marks them. No alert, in any
# output or in any node's store, holds the case's subject, its purpose,
# a field's value, a contact or a concern's token.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
S=S-mk-subject-alerts

check "a federation of the director, police and housing" \
	federation dir police:police housing:housing
check "the alert socket is beside the control socket, 0600 as it is" \
	test "$(stat -c %a "$WN_T/dir/control.sock.alerts")" = "$(stat -c %a "$WN_T/dir/control.sock")" -a \
	"$(stat -c %a "$WN_T/dir/control.sock.alerts")" = 600
al_raw() { /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/dir/control.sock.alerts" "$@"; }
check "the alert socket answers nothing but alert.wait (and ping)" \
	out_has "^10 the alert socket answers alert.wait only; 'status' goes to the control socket" al_raw status
check "  ... and refuses a since that is no alert's number" out_has '^10 since: an alert' al_raw alert.wait since=x
# no alert yet: the wait is kept, and answered with none when it ends
# (20 s; the timeout only bounds a failure)
check_exit "a wait with no alert to come is answered" 0 timeout 120 \
	/usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/dir/control.sock.alerts" alert.wait since=0
check_out "  ... with none, when its wait ends" '^0 0 new alerts$'
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked
fid=$(wn police --json record --subject $S --category signals --field note --value "MK-FIELD-v1" | json_field field_id)
check "police records a signal about the subject" test -n "$fid"
check "  ... and a care note" wn police record --subject $S --category care --field note --value "MK-FIELD-care"
check "  ... with the subject's consent" wn police consent give --subject $S --category care --by "MK-BY the subject"
C=$(wn dir --json case open --type situation --subject $S \
	--purpose "MK-PURPOSE end the nuisance" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing; do check "$m knows it is a member" wait_for 60 is_member $m; done

# n_alerts NODE KIND [PARTNER [REF]]: how many of NODE's alerts, read or
# not, are of case $C and KIND (from PARTNER, naming REF, when given)
n_alerts() { wn "$1" --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys
k,p,ref,c=sys.argv[1:5]
print(sum(1 for r in json.load(sys.stdin)["rows"] if r["kind"] == k and r["case_id"] == c
    and (p == "" or r["partner"] == p) and (ref == "" or r["ref"] == int(ref))))' "$2" "${3:-}" "${4:-}" "$C"; }
one() { count_is 1 n_alerts "$@"; }
total() { wn "$1" --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }

check "no alert yet at the director" count_is 0 total dir
START=$(wn dir --json alerts --all --limit 1 | json_field id)
check "  ... so a follower starts after alert 0" test "${START:-0}" = 0
"$WIJKNET" -d "$WN_T/dir" alerts --follow --since "${START:-0}" --json \
	>"$WN_T/follow.out" 2>"$WN_T/follow.err" &
FOLLOWER=$!

# ---- actions ---------------------------------------------------------------
act() { printf 'MK-ACT %s\n' "$1" | wn dir --json action add "$C" --owner "$1" \
	--deadline "$2" --text-file - | json_field action_id; }
A1=$(act police "$(date -d '+14 days' +%Y-%m-%d)")
A2=$(act housing "$(date -d '+21 days' +%Y-%m-%d)")
A3=$(act housing "$(date -d '+21 days' +%Y-%m-%d)")
check "the director gives three actions" test "$A1 $A2 $A3" = "1 2 3"
check "the director: one alert for action 1 given to police" one dir action.assigned police "$A1"
check "  ... one for action 2 given to housing" one dir action.assigned housing "$A2"
check "  ... one for action 3 given to housing" one dir action.assigned housing "$A3"
followed() { grep -q "\"kind\":\"$1\".*\"partner\":\"$2\",\"ref\":$3," "$WN_T/follow.out"; }
check "the follower, started before, prints action 1 given as it comes" \
	wait_for 60 followed action.assigned police "$A1"
check "police: one alert, its action 1 given by the director" wait_for 60 one police action.assigned dir "$A1"
check "housing: one for action 2" wait_for 60 one housing action.assigned dir "$A2"
check "  ... and one for action 3" wait_for 60 one housing action.assigned dir "$A3"

check "housing marks action 2 done on its node" sh -c \
	"printf 'MK-NOTE done\n' | '$WIJKNET' -d '$WN_T/housing' action done $A2 --note-file -"
check "housing: one alert, action 2 done" one housing action.done dir "$A2"
check "the director: one alert, action 2 done by housing" wait_for 60 one dir action.done housing "$A2"
check "the director cancels action 3" sh -c \
	"printf 'MK-WHY not needed\n' | '$WIJKNET' -d '$WN_T/dir' action cancel $A3 --why-file -"
check "the director: one alert, action 3 cancelled" one dir action.cancelled housing "$A3"
check "housing: one alert, its action 3 cancelled" wait_for 60 one housing action.cancelled dir "$A3"
check "housing's cancelled action is not done as well" one housing action.done dir "$A2"

# ---- a share asked, answered, and a dossier that changed ------------------
check "the director asks for signals and care" wn dir case request "$C" --categories signals,care
check "the director: one alert, the members asked" one dir share.requested
has_share() { wn "$1" --json share list | grep -q "\"id\":$2,"; }
check "police gets the request" wait_for 60 has_share police 1
check "police approves" wn police share approve 1
check "the director: one alert, police answered" wait_for 60 one dir share.answered police
check "police corrects its signal" wn police record correct --field "$fid" --value "MK-FIELD-v2"
check "the director: one alert, what police shared changed" wait_for 60 one dir dossier.changed police
check "  ... the answer is still one alert" one dir share.answered police
check "the members are told nothing of the share as director" count_is 0 n_alerts police share.answered
cares() { wn dir --json data list --case "$C" | grep -q '"from":"police".*"category":"care"'; }
check "the director holds police's care note (or that it exists)" wait_for 60 cares
# a correction to the value it had sends the director its copy again as
# it was, which is no news (neither an answer nor a change)
RECEIVED=$(audit_count dir disclosure.received)
check "police corrects its signal to the value it has" wn police record correct --field "$fid" --value "MK-FIELD-v2"
received_more() { [ "$(audit_count dir disclosure.received)" -gt "$RECEIVED" ]; }
check "  ... the director takes the copy again" wait_for 60 received_more
check "  ... and is told nothing new: still one answer" one dir share.answered police
check "  ... and one change" one dir dossier.changed police
check "police withdraws the consent for care" wn police consent withdraw --subject $S --category care
check "the director: one alert, police withdrew a consent" wait_for 60 one dir consent.withdrawn police
check "  ... and no other for it" one dir dossier.changed police

# ---- the follower ----------------------------------------------------------
check "the director holds nine alerts" count_is 9 total dir
lines() { [ "$(grep -c '"kind":' "$WN_T/follow.out")" = "$1" ]; }
check "the follower printed all nine, as they came" wait_for 60 lines 9
ordered() { /usr/bin/python3 -c '
import json,sys
ids=[json.loads(l)["id"] for l in open(sys.argv[1])]
sys.exit(0 if ids == sorted(set(ids)) and len(ids) == 9 else "ids %s" % ids)' "$WN_T/follow.out"; }
check "  ... one JSON object a line, each once, in order" ordered
check "the follower is still following" kill -0 "$FOLLOWER"
followers() { [ "$(wn dir --json status | json_field alert_followers)" = 1 ]; }
check "  ... and status counts it waiting" wait_for 60 followers
kill "$FOLLOWER" 2>/dev/null; wait "$FOLLOWER" 2>/dev/null
check "  ... and said nothing on stderr" test ! -s "$WN_T/follow.err"

# ---- read -------------------------------------------------------------------
check_exit "the director's unread alerts, in words" 0 wn dir alerts
check_out "  ... the number of unread ones" '^9 unread alerts$'
check_out "  ... an action given, in plain words" "case $C: action $A1 given to police \(see: action list --case $C\)"
check_out "  ... an action done, by whom" "case $C: action $A2 is done \(its owner housing\)"
check_out "  ... with a local date" "^alert [0-9]+  [A-Z][a-z]{2} [ 0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9]{2}:[0-9]{2}  case "
check_out "  ... the consent withdrawn" "case $C: police withdrew a consent or a legal basis"
newest_first() { wn dir alerts | sed -n 's/^alert \([0-9]*\) .*/\1/p' | sort -c -n -r; }
check "  ... newest first" newest_first
FIRST=$(wn dir --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys; print(min(r["id"] for r in json.load(sys.stdin)["rows"]))')
check "the director marks the first alert read" wn dir alerts read "$FIRST"
check "  ... eight unread left" out_has '^8 unread alerts$' wn dir alerts
check "  ... all nine with --all, the first read" \
	out_has "^alert $FIRST .*\(read " wn dir alerts --all
check_exit "an alert that is not there is refused" 1 wn dir alerts read 9999
check_out "  ... saying so" 'there is no alert 9999 here; nothing was marked'
check "  ... nothing else was marked" out_has '^8 unread alerts$' wn dir alerts
check_exit "a word is not an alert's number" 2 wn dir alerts read first
check "the director marks the rest read" wn dir alerts read --all
check "  ... none unread" out_has '^0 unread alerts$' wn dir alerts
check "  ... the case's alerts are still there" out_has "^9 alerts of case $C$" wn dir alerts --all --case "$C"

# ---- late, by the nodes themselves, and a decision ----------------------------
check "the director adds a consultation body, police its chair" wn dir body add nbt --name "MK-BODY team" --chair police --members dir,police
check "  ... plans its meeting in two days" wn dir meeting plan nbt --at "$(date -d '+2 days 14:00' '+%Y-%m-%d %H:%M')"
check "  ... with the case on its agenda" wn dir meeting agenda 1 "$C"
AHEAD=$((15 * 24 * 3600 * 1000))
# a follower across the director's restart: it says the node is gone,
# waits, and goes on from its last alert once the node is back
RS=$(wn dir --json alerts --all --limit 1 | json_field id)
"$WIJKNET" -d "$WN_T/dir" alerts --follow --json --since "$RS" \
	>"$WN_T/restart.out" 2>"$WN_T/restart.err" &
RESTART=$!
check "a follower waits before the restart" wait_for 60 followers
for n in dir police; do
	check "$n stops" node_stop $n
	[ $n = dir ] && check "  ... the follower says the node does not answer, and goes on" \
		wait_for 60 grep -q 'the node does not answer (.*); still following, from alert [0-9]* once it does' \
		"$WN_T/restart.err"
	if WIJKNET_TEST_CLOCK_AHEAD_MS=$AHEAD node_start $n; then
		ok "$n starts again, its work clock fifteen days ahead"
	else not_ok "$n starts again, its work clock fifteen days ahead"; fi
done
check "the director: one alert, action 1 late" wait_for 60 one dir action.late police "$A1"
check "police: one alert, its action 1 late" wait_for 60 one police action.late dir "$A1"
# a follower in words, from the newest alert now (no --since)
"$WIJKNET" -d "$WN_T/dir" alerts --follow >"$WN_T/words.out" 2>"$WN_T/words.err" &
WORDS=$!
started() { grep -q '^following the alerts after alert [0-9]* (until interrupted)$' "$WN_T/words.out"; }
check "a follower in words says from which alert it follows" wait_for 60 started
check "the director records a decision at the meeting, held since" sh -c \
	"printf 'MK-DECISION go on\n' | '$WIJKNET' -d '$WN_T/dir' meeting decide 1 --case '$C' --text-file -"
check "the director: one alert, a decision at meeting 1" one dir decision.made "" 1
said() { grep -Eq "^alert [0-9]+  .*  case $C: a decision at meeting 1 \(see: meeting show 1\)$" "$WN_T/words.out"; }
check "  ... which the follower in words prints as it comes" wait_for 60 said
# the chair, a member of the case, hears of it from the CONSULT
chair_one() { count_is 1 n_alerts police decision.made dir 1; }
check "police, the body's chair: one alert, a decision at meeting 1" wait_for 60 chair_one
chaired() { wn police --json alerts --all --limit 1000 | grep -q '"kind":"decision.made".*"role":"chair"'; }
check "  ... as the chair" chaired
check_exit "  ... in words, and where to look" 0 wn police alerts
check_out "  ... says so" "case $C: a decision at meeting 1 of dir, in a body this node chairs \(see: meeting show 1 --director dir\)"
check "the director writes the minutes (the CONSULT again, the decision in it)" sh -c \
	"printf 'MK-MINUTES met\n' | '$WIJKNET' -d '$WN_T/dir' meeting minutes 1 --case '$C' --text-file -"
minutes_in() { wn police --json meeting show 1 --director dir | grep -q '"minutes_ms":[1-9]'; }
check "  ... police holds them" wait_for 60 minutes_in
check "  ... and the decision it held makes no second alert" chair_one
kill "$WORDS" 2>/dev/null; wait "$WORDS" 2>/dev/null
n_kind() { grep -c "\"kind\":\"$1\"" "$WN_T/restart.out"; }
check "the follower that outlived the restart prints the decision made after it" \
	wait_for 60 count_is 1 n_kind decision.made
check "  ... and the late action, once each" count_is 1 n_kind action.late
check "  ... nothing else" count_is 2 grep -c '"kind":' "$WN_T/restart.out"
check "  ... it is still following" kill -0 "$RESTART"
check "  ... and said when the node answered again" \
	grep -q 'the node answers again; following from alert' "$WN_T/restart.err"
kill "$RESTART" 2>/dev/null; wait "$RESTART" 2>/dev/null
check_exit "the director's unread alerts, in words" 0 wn dir alerts
check_out "  ... the decision, and where to look" "case $C: a decision at meeting 1 \(see: meeting show 1\)"
check "police holds three alerts: its action given and late, the decision it chairs" count_is 3 total police
check "housing holds four: its two actions given, one done, one cancelled" count_is 4 total housing
check "the director holds eleven" count_is 11 total dir
check_exit "an unread late alert in words" 0 wn dir alerts
check_out "  ... says so" "case $C: action $A1 is late: its deadline passed \(its owner police\)"

# ---- a member removed, invited again -------------------------------------
check "housing reads one of its alerts (a read row to go as well)" \
	wn housing alerts read "$(wn housing --json alerts --all --limit 1 | json_field id)"
check "the director removes housing from the case" wn dir case remove "$C" housing
not_member() { out_has '"member":false' wn housing --json case list; }
check "  ... housing knows" wait_for 60 not_member
check "housing's alerts of the case went with it" count_is 0 total housing
check "the director invites housing again" wn dir case invite "$C" housing
plan_back() { [ "$(wn housing --json action list --all --case "$C" | grep -o '"action_id":' | wc -l)" = 3 ]; }
check "  ... housing holds the case's three actions again, its own one done, one cancelled" wait_for 60 plan_back
check "  ... which are not given to it again: no alert" count_is 0 total housing

# ---- a concern's match, at each partner told of it ------------------------
TK=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
UNTIL=$(date -u -d '+20 days' +%F)
# n_match NODE PARTNER: NODE's match.found alerts naming PARTNER, no case
n_match() { wn "$1" --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys
print(sum(1 for r in json.load(sys.stdin)["rows"] if r["kind"] == "match.found"
    and r["partner"] == sys.argv[1] and r["case_id"] == "" and r["role"] == "concern"))' "$2"; }
PC=$(wn police --json concern add --token "$TK" --contact "MK-CONTACT Jan" --until "$UNTIL" | json_field concern)
check "police registers a concern on a person" test -n "$PC"
check "housing registers one on the same person" \
	wn housing concern add --token "$TK" --contact "MK-CONTACT An" --until "$UNTIL"
check "police: one alert, housing has a concern on the same person" wait_for 60 count_is 1 n_match police housing
check "housing: one alert, police has one" wait_for 60 count_is 1 n_match housing police
check_exit "police's match in words" 0 wn police alerts
check_out "  ... its concern, the partner, where to look" \
	"concern $PC: housing has a concern on the same person \(see: concern matches\)"
check "the director registers one on the same person" \
	wn dir concern add --token "$TK" --contact "MK-CONTACT Dirk" --until "$UNTIL"
check "the director: one alert for each partner it matches" count_is 1 n_match dir police
check "  ... (housing)" count_is 1 n_match dir housing
check "police: one alert, the director has one too" wait_for 60 count_is 1 n_match police dir
check "housing: the same" wait_for 60 count_is 1 n_match housing dir
check "  ... and none again for the partner each was told of" count_is 1 n_match housing police
check "  ... (police)" count_is 1 n_match police housing

# ---- no personal data --------------------------------------------------------
for n in dir police housing; do
	check "$n's alerts name no subject, purpose, text, value or token" \
		out_lacks "mk-subject|MK-|$TK" wn $n --json alerts --all --limit 1000
done
# people read dates: no human output of these holds epoch milliseconds
for n in dir police housing; do
	check "no epoch milliseconds in $n's alerts" no_epoch wn $n alerts --all --limit 1000
done
for n in dir police housing; do check "$n stops" node_stop $n; done
rows_of() { echo "SELECT * FROM alerts;" | node_sql "$1"; }
reads_of() { echo "SELECT count(*) FROM alert_reads;" | node_sql "$1"; }
check "housing's store holds no read row of an alert it forgot" count_is 0 reads_of housing
check "the director's store holds its alert rows (the search finds what is there)" \
	count_is 11 count_or_fail "\|$C\|" rows_of dir
for n in dir police housing; do
	check "$n's alert rows hold no subject, purpose, text, value or token" out_lacks "mk-subject|MK-|$TK" rows_of $n
done
wn_done
