#!/usr/bin/env bash
# demo.sh - a small federation on loopback, telling SCENARIO.md as far as
# wijknet can today: the Herentals municipality (lead director), the police
# zone Neteland and the community guards each get a node; they enrol by
# reading fingerprints, the director's signed charter reaches the members,
# signed and encrypted messages travel with receipts, a stopped node's
# messages wait in the outbox; partners record and import signals, linked
# into incidents, whose summaries (never who) reach the director, where
# recurring noise makes a phenomenon the director is alerted of; a case
# with need-to-know sharing and its signals, whose summaries each member
# sees in case show, moved through its stages by the director,
# each step with who, when and why; its plan with actions per partner (one
# marked done on the police node shows up at the director); the monthly
# neighbourhood team's meeting with minutes and a decision, and the case
# escalated to the nuisance consultation team; the director's SITRAP
# alerts, followed live, and the owner's of its own action; the case
# closed, after which nothing is shared for it; two partners finding out
# they worry about the same youngster through pseudonymous tokens; an old
# copy of a member's store refused by its fellow members while the
# director is away, and a member none of whose checkers answers starting
# receive-only; forward secrecy: sessions with fresh keys, so that a key
# file copied later opens nothing of a recorded exchange; the police
# rotating their keys after that theft, with messages in flight, each
# arriving once; and every node's audit chain verifies.
set -euo pipefail
# the region's time: the dates below are local times in Flanders
export TZ=Europe/Brussels
B=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
WIJKNET="$TOP/$B/wijknet"
WIJKNETD="$TOP/$B/wijknetd"
# the thief of the forward secrecy part: test tools (make demo builds them)
KEYDUMP="$TOP/$B/tests/tools/keydump"
CAPOPEN="$TOP/$B/tests/tools/capopen"
for t in "$KEYDUMP" "$CAPOPEN"; do
	[ -x "$t" ] || { echo "demo.sh: $t is not built (make demo builds it)"; exit 1; }
done
D=$(mktemp -d /tmp/wijknet-demo.XXXXXX)
declare -A PID
cleanup() {
	for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

make_node() { # id name role [director-key]
	printf 'demo-passphrase-%s-%s\n' "$1" "$RANDOM$RANDOM" >"$D/$1.pass"
	chmod 600 "$D/$1.pass"
	"$WIJKNET" init --data "$D/$1" --org-id "$1" --org-name "$2" --role "$3" \
		--listen "tcp://127.0.0.1:$(port)" --user "${USER:-operator}" \
		--passphrase-file "$D/$1.pass" --kdf interactive ${4:+--director-key "$4"}
}
wn() { local n=$1; shift; "$WIJKNET" -d "$D/$n" "$@"; }
bundle() { "$WIJKNETD" public --config "$D/$1/wijknet.conf" >"$D/$1.bundle"; sed -n 's/^fingerprint = //p' "$D/$1.bundle"; }
queued() { wn "$1" --json peer list | /usr/bin/python3 -c 'import json,sys; print(sum(r["queued"] for r in json.load(sys.stdin)["rows"] if r["org_id"]==sys.argv[1]))' "$2"; }
until_true() { local i=0; until "$@"; do i=$((i+1)); [ $i -lt 600 ] || return 1; sleep 0.05; done; }
is_zero() { [ "$(queued "$1" "$2")" = 0 ]; }
# what NODE received of PEER's test messages: count, and how many distinct
received() { wn "$1" --json debug received "$2" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["rows"][0]; print(r["count"], r["distinct"])'; }
# exactly N of PEER's test messages arrived at NODE, each once
received_is() { [ "$(received "$1" "$2")" = "$3 $3" ]; }
knows() { wn "$1" --json peer list | grep -q "\"org_id\":\"$2\""; }

start_node() {
	rm -f "$D/$1.ready"; mkfifo "$D/$1.ready"
	"$WIJKNETD" run --config "$D/$1/wijknet.conf" --ready-fd 3 \
		3>"$D/$1.ready" 2>>"$D/$1.log" &
	PID[$1]=$!
	read -r -t 60 line <"$D/$1.ready"
	[ "$line" = ready ] || { echo "node $1 did not start:"; cat "$D/$1.log"; exit 1; }
}

say "Week 0: three partners of the Neteland region set up their nodes"
make_node herentals "Gemeente Herentals - integrale veiligheid" municipality
DKEY=$("$WIJKNETD" public --config "$D/herentals/wijknet.conf" | sed -n 's/^sign_key = //p')
echo "(the members pin the director's key: $DKEY)"
make_node pz-neteland "Politiezone Neteland" police "$DKEY"
make_node gw-herentals "Gemeenschapswachten Herentals" community_guards "$DKEY"
make_node jw-herentals "Jeugdwerk Herentals" youth_work "$DKEY"

say "Each node unlocks its key file and serves its control and peer sockets"
for n in herentals pz-neteland gw-herentals jw-herentals; do start_node $n; done
wn herentals status

say "Enrolment: fingerprints are read aloud and typed in (here: --fingerprint)"
DFP=$(bundle herentals)
for m in pz-neteland gw-herentals jw-herentals; do
	echo "$m enrols the director, fingerprint $DFP"
	wn $m peer add "$D/herentals.bundle" --fingerprint "$DFP"
done
for m in pz-neteland gw-herentals jw-herentals; do
	FP=$(bundle $m)
	echo "the director enrols $m, fingerprint $FP"
	wn herentals peer add "$D/$m.bundle" --fingerprint "$FP"
done

say "The director's signed charter reaches the members: they now know each other"
until_true knows pz-neteland gw-herentals
until_true knows pz-neteland jw-herentals
wn pz-neteland peer list

say "Signed, encrypted messages between members: transfers of up to 64, four in flight, each answered by a signed receipt"
wn pz-neteland debug send gw-herentals --count 500 --size 512
until_true is_zero pz-neteland gw-herentals
received_is gw-herentals pz-neteland 500 || { echo "not 500 messages, each once"; exit 1; }
wn gw-herentals debug received pz-neteland
wn pz-neteland debug stats

say "A node that is down: its messages wait in the sender's outbox"
kill -TERM "${PID[gw-herentals]}"; wait "${PID[gw-herentals]}"; unset "PID[gw-herentals]"
wn pz-neteland debug send gw-herentals --count 25
# (besides the 25, the queue may hold the police's chain head for the
# guards, one of its witnesses)
wn pz-neteland peer list
rm -f "$D/gw-herentals.ready"
start_node gw-herentals
until_true is_zero pz-neteland gw-herentals
received_is gw-herentals pz-neteland 525 || { echo "not 525 messages, each once"; exit 1; }
echo "back up: all delivered, exactly once (500 before, 25 now):"
wn gw-herentals debug received pz-neteland

say "The director publishes the signed authorization matrix; every member acknowledges it"
wn herentals matrix check "$TOP/config/neteland.matrix"
wn herentals matrix publish "$TOP/config/neteland.matrix"
all_acked() { [ "$(wn herentals --json matrix show | grep -o '"current":true' | wc -l)" = 3 ]; }
until_true all_acked
wn herentals matrix show | tail -n 4

say "The director sets when signals make a phenomenon: 3 noise signals from 2 partners within 14 days in one area"
wn herentals phenomenon rule set noise --signals 3 --partners 2 --days 14
wn herentals phenomenon rule list

say "Week 1: signals. Each partner records what it saw or was told, on its own node"
printf 'Group of about eight youths, loud music, bottles on the ground\n' |
	wn gw-herentals signal add --when "2026-12-02 21:30" --municipality Herentals \
		--neighbourhood Stationsbuurt --street Stationsplein --category loitering \
		--source patrol --text-file - --perpetrator S-station-square-group
printf 'Passers-by intimidated at the bus shelter\n' |
	wn pz-neteland signal add --when "2026-12-04 22:40" --municipality Herentals \
		--neighbourhood Stationsbuurt --street Stationsplein --category intimidation \
		--source intervention --source-id "PV 2026/1234" --text-file - \
		--perpetrator S-station-square-group --victim S-passer-by
echo "The community guards import their patrol log (a spreadsheet export, ';' between fields):"
printf '%s\r\n' 'when;municipality;neighbourhood;street;category;source;source_id;text' \
	'2026-12-02 21:45;Herentals;Stationsbuurt;Stationsplein;noise;patrol;GW-0412;Music from a car, group of youths' \
	'2026-12-02 22:10;Herentals;Stationsbuurt;Stationsplein;littering;patrol;GW-0413;Bottles and cans left behind' \
	'2026-12-03 21:30;Herentals;Stationsbuurt;Stationsplein;noize;patrol;GW-0414;Group back, music again' \
	>"$D/guards-log.csv"
wn gw-herentals signal import "$D/guards-log.csv" || echo "(one line refused: fix it in the export and import again)"
sed -i 's/;noize;/;noise;/' "$D/guards-log.csv"
wn gw-herentals signal import "$D/guards-log.csv"
echo "Two reports of one evening are one incident, every report kept:"
wn gw-herentals signal link 2 --to 1
printf 'Neighbours complain of music from cars at night\n' |
	wn pz-neteland signal add --when "2026-12-04 23:15" --municipality Herentals \
		--neighbourhood Stationsbuurt --street Stationsplein --category noise \
		--source complaint --text-file -
printf 'Again music from cars after midnight, a resident calls\n' |
	wn pz-neteland signal add --when "2026-12-05 23:40" --municipality Herentals \
		--neighbourhood Stationsbuurt --street Stationsplein --category noise \
		--source complaint --text-file -
wn gw-herentals signal list --area Herentals/Stationsbuurt

say "The director sees when, where and what of every member's signals: never who, never the text"
summaries() { [ "$(wn herentals --json signal list --received | grep -o '"signal_id":' | wc -l)" = 7 ]; }
until_true summaries
wn herentals signal list --received --area Herentals/Stationsbuurt

say "Noise keeps coming back at the station square: the director is alerted of a phenomenon"
proposed() { wn herentals --json phenomenon list | grep -q '"phenomenon":1'; }
until_true proposed
wn herentals alerts | grep phenomenon
wn herentals phenomenon show 1

say "Each partner also keeps dossier fields about the group, in its own store"
SUBJ=S-station-square-group
wn gw-herentals record --subject $SUBJ --category signals --field signal --value "evening noise and loitering, group of about 8"
wn pz-neteland record --subject $SUBJ --category signals --field signal --value "intervention for intimidation, Friday 22:40"
wn pz-neteland record --subject $SUBJ --category police --field report --value "PV 2026/1234: intimidation of passers-by"
wn pz-neteland record --subject $SUBJ --category care --field note --value "one youth known to mental health services"
wn pz-neteland consent basis --subject $SUBJ --category police --basis "art. 458ter Sw."

say "Week 2: the director opens a situation case, invites members and asks them"
CASE=$(wn herentals --json case open --type situation --subject $SUBJ \
	--purpose "end the nuisance at the station square" --ground "basis:art. 458ter Sw." |
	/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["case_id"])')
for m in pz-neteland gw-herentals jw-herentals; do wn herentals case invite "$CASE" $m; done
is_member() { wn "$1" --json case list | grep -q '"member":true'; }
for m in pz-neteland gw-herentals jw-herentals; do until_true is_member $m; done
echo "Each member signs the consultation protocol (art. 458ter), naming who takes part:"
for m in pz-neteland gw-herentals jw-herentals; do wn $m case attest "$CASE" --workers "${USER:-operator}"; done
signed_all() { [ "$(wn herentals audit show --limit 200 | grep -c case.attestation)" = 3 ]; }
until_true signed_all

wn herentals case request "$CASE" --categories signals,police,care
has_share() { wn "$1" --json share list | grep -q '"id":1,'; }
for m in pz-neteland gw-herentals jw-herentals; do until_true has_share $m; done

knows_signatures() { for m in pz-neteland gw-herentals; do
	wn $m share show 1 | grep -q 'has not signed' && return 1; done; return 0; }
until_true knows_signatures

say "The police decide: share show says exactly what would leave, and why not"
wn pz-neteland share show 1
wn pz-neteland share approve 1
wn gw-herentals share approve 1
wn jw-herentals share deny 1 --reason "nothing held on this group"
drained() { for n in herentals pz-neteland gw-herentals jw-herentals; do
	[ "$(wn $n --json debug stats | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["rows"][0]["queued"])')" = 0 ] || return 1; done; }
until_true drained

say "What each node now knows about the case"
echo "-- the director (municipality):"; wn herentals data list --case "$CASE"
echo "-- youth work: the signals, and only that the police hold something:"; wn jw-herentals data list --case "$CASE"
echo "-- the care note never left the police (no consent)."

say "The signals that led to the case belong to it; every member sees them in case show"
echo "The police attach their signal; the director attaches the guards' incident by its summary:"
wn pz-neteland signal link 1 --case "$CASE"
wn herentals signal link 1 --case "$CASE" --from gw-herentals
sig_told() { local out; out=$(wn gw-herentals --json case signals "$CASE") &&
	grep -q '"from":"pz-neteland"' <<<"$out" && grep -q '"from":"gw-herentals"' <<<"$out"; }
until_true sig_told
echo "-- the guards' case show: their own signal (with who: it is theirs), the police's as its"
echo "   summary (when, where, what: never who):"
wn gw-herentals case show "$CASE" | sed -n '/^signals:/,$p'

say "The case's life: the director moves it on, each step with who, when and why"
printf 'Signals of three partners about the same group at the square\n' |
	wn herentals case advance "$CASE" --to exploration --why-file -
printf 'Short joint analysis in the neighbourhood team: a group of youths without a place to go\n' |
	wn herentals case advance "$CASE" --to analysis --why-file -
at_stage() { wn "$1" --json case show "$CASE" | grep -q "\"stage\":\"$2\""; }
until_true at_stage pz-neteland analysis
echo "-- the police see where the case stands and why (the matrix lets them see deliberation):"
wn pz-neteland case show "$CASE"

say "The police's audit names, per category, what let it out"
wn pz-neteland audit show --limit 60 | grep 'disclosure.sent' | head -n 2

say "Only the director changes a case; a member that tries is told so"
wn pz-neteland case invite "$CASE" jw-herentals || true

say "Youth work leaves the case: everything it received for it is deleted, with signed receipts"
wn herentals case remove "$CASE" jw-herentals
holds_none() { [ "$(wn jw-herentals --json data list | grep -c "\"case_id\":\"$CASE\"")" = 0 ]; }
until_true holds_none
acked() { wn pz-neteland audit show --limit 100 | grep -q 'retraction.acknowledged'; }
until_true acked
wn jw-herentals audit show --limit 40 | grep -E 'case.removed|retraction.applied' || true
wn pz-neteland audit show --limit 100 | grep -E 'retraction.(sent|acknowledged)'
echo "A second removal is refused and sends nothing:"
wn herentals case remove "$CASE" jw-herentals || true

# the case director follows its SITRAP alerts live from here on
wn herentals alerts --follow >"$D/follow.out" 2>&1 &
PID[follow]=$!
say "Week 3: the plan of approach, with an action per partner and a deadline"
printf 'Agreed in the monthly neighbourhood team\n' | wn herentals case advance "$CASE" --to plan --why-file -
echo "no nuisance at the station square by spring" |
	wn herentals plan add "$CASE" --domain safety_public_order --goal-file -
echo "extra evening patrols on Thursday to Saturday" |
	wn herentals action add "$CASE" --owner pz-neteland --deadline "$(date -d '+14 days' +%Y-%m-%d)" --text-file -
echo "presence at the square at closing time, talk to the group" |
	wn herentals action add "$CASE" --owner gw-herentals --deadline "$(date -d '+7 days' +%Y-%m-%d)" --text-file -
has_action() { wn "$1" --json action list | grep -q '"action_id"'; }
until_true has_action pz-neteland
echo "-- the police see their action on their own node:"; wn pz-neteland action list

say "Week 3: the monthly neighbourhood team meets; the case goes on to the nuisance consultation team"
wn herentals body add nbt-herentals --name "monthly neighbourhood team Herentals" \
	--chair herentals --members herentals,pz-neteland,gw-herentals
wn herentals body add nct --name "nuisance consultation team" --chair herentals --members herentals,pz-neteland
# the meeting starts in a few seconds: its minutes are written once it was held
AT_S=$(( $(date +%s) + 4 ))
wn herentals meeting plan nbt-herentals --at "$(date -d "@$AT_S" '+%Y-%m-%d %H:%M:%S')"
wn herentals meeting agenda 1 "$CASE"
until [ "$(date +%s)" -gt "$AT_S" ]; do sleep 0.2; done
echo "(the team meets)"
wn herentals meeting attend 1 --present herentals,pz-neteland,gw-herentals
echo "The group was at the square again on Friday; police and guards agree on the plan of approach" |
	wn herentals meeting minutes 1 --case "$CASE" --text-file -
echo "Plan of approach adopted: patrols and presence at closing time" |
	wn herentals meeting decide 1 --case "$CASE" --text-file - --step 3
echo "Intimidation continues and a tenant is involved: complex, for the nuisance consultation team" |
	wn herentals case escalate "$CASE" --to nct --why-file -
escalated() { wn "$1" case show "$CASE" | grep -q 'handed from nbt-herentals to nct'; }
until_true escalated pz-neteland
echo "-- the police see the meeting, its minutes and decision, and the escalation in the case:"
wn pz-neteland case show "$CASE" | sed -n '/^consultations:/,$p'
echo "-- the guards sit in the neighbourhood team, not in the nuisance consultation team:"
wn gw-herentals body list

say "Week 4: the police mark their action done on their node; the director sees it"
echo "patrols held three evenings, group moved on twice" | wn pz-neteland action done 1 --note-file -
director_done() { wn herentals --json action list | grep -q '"action_id":1,.*"state":"done"'; }
until_true director_done
wn herentals plan show "$CASE"
echo "(an action whose deadline passes is marked late by each node itself, without anyone asking)"

say "SITRAP: the director was told of every step as it happened; each action's owner of its own"
followed() { grep -q "action 1 is done" "$D/follow.out"; }
until_true followed
echo "-- what 'wijknet alerts --follow' printed at the director while the work went on:"
cat "$D/follow.out"
kill -TERM "${PID[follow]}" 2>/dev/null || true
wait "${PID[follow]}" 2>/dev/null || true
unset 'PID[follow]'
echo "-- the director marks them read (each user keeps their own read state):"
wn herentals alerts read --all
echo "-- the police's node tells the police of their own action:"
wn pz-neteland alerts --all

say "The nuisance is gone: the director closes the case, and sharing for it stops"
printf 'Actions under way\n' | wn herentals case advance "$CASE" --to follow_up --why-file -
printf 'No signals at the square for six weeks; the group meets at the youth centre\n' |
	wn herentals case close "$CASE" --outcome resolved --why-file -
until_true at_stage pz-neteland closed
wn pz-neteland case show "$CASE" | head -n 12
echo "Asking the members for more is refused now: the case is closed."
wn herentals case request "$CASE" --categories signals || true

say "A worry about one youngster: two partners find each other, and nobody holds a register"
echo "The police and youth work each record her, spelled their own way; each node asks the"
echo "director for her pseudonymous token with a blinded point (the director never sees her name):"
wn pz-neteland subject add lotte --name "Van den Broeck, Lotte" --born 2010-05-14
wn jw-herentals subject add jongere-17 --family vandenbroeck --given lotte --born 14-05-2010
has_token() { wn "$1" --json subject show "$2" | grep -q '"state":"token"'; }
until_true has_token pz-neteland lotte
until_true has_token jw-herentals jongere-17
echo "-- the same token on both (its fingerprint):"
wn pz-neteland subject list
wn jw-herentals subject list
UNTIL=$(date -d "+1 year" +%F)
wn pz-neteland concern add --subject lotte --contact "Wijkinspecteur Tom Wouters, 014 21 33 90" --until "$UNTIL"
wn jw-herentals concern add --subject jongere-17 --contact "Jeugdwerker Sara Peeters, 0470 12 34 56" --until "$UNTIL"
has_match() { wn "$1" --json concern matches | grep -q '"partner":"'"$2"'"'; }
until_true has_match pz-neteland jw-herentals
until_true has_match jw-herentals pz-neteland
echo "-- each is told who else worries, and whom to call; nothing more:"
wn pz-neteland concern matches
echo "-- the director holds the match by a fingerprint, never a name; it can open a case on it:"
wn herentals concern held

say "An old copy of a store cannot pass for the real one: the director and two fellow members hold each member's newest chain head"
stop_node() { kill -TERM "${PID[$1]}"; wait "${PID[$1]}"; unset "PID[$1]"; }
field() { /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["rows"]; print([x for x in r if x.get("org_id", sys.argv[2]) == sys.argv[2]][0][sys.argv[1]])' "$@"; }
head_above() { [ "$(wn "$1" --json peer list | field chain_head "$2")" -gt "$3" ]; }
stop_node jw-herentals
old=$("$WIJKNETD" audit-verify --config "$D/jw-herentals/wijknet.conf" 2>/dev/null | sed -n 's/^audit chain intact: \([0-9]*\) records$/\1/p')
cp -a "$D/jw-herentals" "$D/jw-herentals.old"
start_node jw-herentals
echo "youth work's node was copied when its audit chain held $old records; it started again, and its witnesses"
echo "(the police and the community guards, the members after it in org id order) got its newer head:"
until_true head_above pz-neteland jw-herentals "$old"
until_true head_above gw-herentals jw-herentals "$old"
stop_node jw-herentals
stop_node herentals
mv "$D/jw-herentals" "$D/jw-herentals.new"; cp -a "$D/jw-herentals.old" "$D/jw-herentals"
echo "-- the director is away; youth work is started on the old copy:"
if timeout 120 "$WIJKNETD" run --config "$D/jw-herentals/wijknet.conf" 2>>"$D/jw-herentals.log"; then
	echo "the old copy started: it should not have"; exit 1
fi
grep -o 'audit chain is behind the copy [a-z-]* holds: [^(]*' "$D/jw-herentals.log" | tail -n 1
rm -rf "$D/jw-herentals"; mv "$D/jw-herentals.new" "$D/jw-herentals"
echo "-- its real store is back; with the police and the guards away too, no checker can answer:"
stop_node pz-neteland
stop_node gw-herentals
start_node jw-herentals
wn jw-herentals status | sed -n 1p
wn jw-herentals debug send pz-neteland --count 3 >/dev/null
echo "(it receives and answers, and sends nothing: what it queues waits)"
not_ro() { [ "$(wn jw-herentals --json status | field receive_only jw-herentals)" = False ]; }
start_node herentals
until_true not_ro
echo "-- the director is back: youth work asked again, and sends again:"
wn jw-herentals audit show --limit 400 | grep -E 'chain\.(receive_only|checked)'
start_node pz-neteland
start_node gw-herentals
until_true is_zero jw-herentals pz-neteland

say "Forward secrecy: each exchange runs under a session with fresh keys; a key file stolen later opens none of it"
echo "Since protocol version 4 two nodes open a session before they exchange anything: both make fresh"
echo "keys for it, and the session keys live only in memory. Someone records the network between the"
echo "police and the guards (here: each node writes what it sends and receives to a file):"
stop_node pz-neteland
stop_node gw-herentals
WIJKNET_WIRE_CAPTURE="$D/pz-neteland.wire" start_node pz-neteland
WIJKNET_WIRE_CAPTURE="$D/gw-herentals.wire" start_node gw-herentals
before=$(received gw-herentals pz-neteland | cut -d' ' -f1)
wn pz-neteland debug send gw-herentals --count 10 --size 200 >/dev/null
until_true is_zero pz-neteland gw-herentals
received_is gw-herentals pz-neteland $((before + 10)) || { echo "the 10 messages did not arrive once each"; exit 1; }
echo "-- 10 messages went to the guards; the police node's sessions (sessions_opened_held: the ones it"
echo "   opened, each dropped after an hour; sessions_held: the ones others opened with it):"
wn pz-neteland debug stats
stop_node pz-neteland
stop_node gw-herentals
echo "Both nodes stop: their session keys are gone with them."
echo "Later a thief copies the police's key file and learns its passphrase, and tries them on the recording"
echo "(tests/tools/capopen plays the thief: it opens with the key file's own keys whatever it can):"
(umask 077; "$KEYDUMP" "$D/pz-neteland/node.key" "$D/pz-neteland.pass" >"$D/thief.secrets")
CAPOPEN_ORG=pz-neteland CAPOPEN_KX_FILE="$D/thief.secrets" "$CAPOPEN" "$D/pz-neteland/node.key" \
	"$D/pz-neteland.pass" "$D/gw-herentals.bundle" "$D/pz-neteland.wire" "$D/gw-herentals.wire" >"$D/thief.out"
rm -f "$D/thief.secrets"
hs=$(sed -n 's/^handshake \([0-9]*\) opened \([0-9]*\)$/\1 \2/p' "$D/thief.out")
se=$(sed -n 's/^sealed \([0-9]*\) opened \([0-9]*\)$/\1 \2/p' "$D/thief.out")
read -r hs_n hs_o <<<"$hs"
read -r se_n se_o <<<"$se"
if [ "${hs_n:-0}" = 0 ] || [ "$hs_o" != "$hs_n" ] || [ "${se_n:-0}" -lt 10 ] || [ "$se_o" != 0 ]; then
	echo "the thief's tool says otherwise:"; cat "$D/thief.out"; exit 1
fi
echo "-- it opens the $hs_n session openings and accepts (sealed under the key file's keys, they carry"
echo "   only the fresh public keys), and none of the $se_n messages, receipts and chain heads sent under"
echo "   the sessions: those keys were never on disk."
start_node pz-neteland
start_node gw-herentals

say "The police's key file was stolen: the police rotate their keys, with messages in flight"
rotating() { [ "$(wn pz-neteland --json status | field key_rotation_pending pz-neteland)" = True ]; }
before=$(received herentals pz-neteland | cut -d' ' -f1)
wn pz-neteland debug send herentals --count 20 --size 200 >/dev/null
echo "-- the police make their next keys; the node goes on signing with the old ones until the"
echo "   director announces the new ones (the bundle goes to the director, as at enrolment):"
wn pz-neteland key rotate >"$D/pz-neteland.next.bundle"
rotating || { echo "no key rotation under way"; exit 1; }
newfp=$(sed -n 's/^fingerprint = //p' "$D/pz-neteland.next.bundle")
wn pz-neteland debug send herentals --count 20 --size 200 >/dev/null
echo "-- the director reads the new fingerprint with the police and takes the keys; its charter names them:"
wn herentals peer rekey "$D/pz-neteland.next.bundle" --fingerprint "$newfp"
not_rotating() { ! rotating; }
until_true not_rotating
until_true is_zero pz-neteland herentals
received_is herentals pz-neteland $((before + 40)) || { echo "the 40 messages did not arrive once each"; exit 1; }
fp_of() { wn "$1" --json peer list | field fingerprint "$2"; }
guards_know() { [ "$(fp_of gw-herentals pz-neteland)" = "$newfp" ]; }
until_true guards_know
echo "-- the police now sign with the new keys; the 40 messages sent around the change arrived once each."
echo "   The guards, from the director's charter, list the police as $(fp_of gw-herentals pz-neteland);"
echo "   the old key is taken for one more day (what was sealed for it), then refused:"
wn pz-neteland audit show --limit 400 | grep -E 'key\.rotat' | tail -n 2

say "Every control request and every peer exchange is in the hash-chained audit log"
wn gw-herentals audit show --limit 8
wn herentals audit verify

say "Stopping the nodes (SIGTERM); each sends its signed chain head to its checkers"
for n in pz-neteland gw-herentals jw-herentals herentals; do
	kill -TERM "${PID[$n]}"
	wait "${PID[$n]}"
	unset "PID[$n]"
	echo "$n stopped cleanly"
done
say "The stopped node's chain, verified offline"
"$WIJKNETD" audit-verify --config "$D/herentals/wijknet.conf"
echo
echo "demo done."
