#!/usr/bin/env bash
# test_case_signals_matrix.sh - CASE_SIGNAL and the matrix version:
#  - a CASE_SIGNAL made under a newer matrix version than the receiver
#    holds is deferred (refused with 13, the sender keeps it), not refused
#    for good nor kept; sent again under the version both hold, it is
#    taken; one made under an older version is taken, judged under the
#    matrix the receiver holds;
#  - a matrix published while housing is stopped that lets housing view
#    signals: housing, started, holds the summary of a signal attached
#    after it and of one attached before it (the director sends the case's
#    signals again on publishing), and nothing was refused for good;
#  - one that lowers housing to existence cuts its copies down to when,
#    one that gives it nothing deletes them, each audited once
#    (case_signal.cut); raised again, the summaries come back;
#  - a member's own signal told the director at existence (the matrix gave
#    the director's role no more) goes again as a summary once a new
#    matrix lets the director's role view it;
#  - a member taken off the case, closed at the time: the director
#    deletes what it told it of its signals and withdraws them at the
#    other members (a withdrawal still goes in a closed case);
#  - a member's key tells the director of more of its signals than the
#    director keeps for one member in a case (1000): the 1000th raises
#    alert.case_signals_full, once; more are refused and reach no member;
#    a new summary of one kept is still taken;
#  - the director says one of police's signals belongs to the case: police
#    answers alike whether it holds that number or not (no oracle), and
#    tells nothing of it later (a new summary) until its own operator
#    links it.
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police, housing and the guards" \
	federation dir police:police housing:housing guards:community_guards
# v1: in a situation housing knows only that signals are there
sed -e '/^\[situation\]/,/^\[person\]/s/ housing:view/ housing:existence/' \
	"$WN_T/dir.matrix" >"$WN_T/v1.matrix"
check "the test's matrix gives housing existence of signals in a situation" \
	grep -q '^signals = .*housing:existence' "$WN_T/v1.matrix"
check "the director publishes it (version 1)" wn dir matrix publish "$WN_T/v1.matrix"
# acked NODE VERSION: the director knows NODE applied VERSION
# acked_of NODE: the matrix version the director knows NODE applied
acked_of() { wn dir --json matrix show | /usr/bin/python3 -c '
import json,sys
print([r["acked_version"] for r in json.load(sys.stdin)[1]["rows"] if r["org_id"] == sys.argv[1]][0])' "$1"; }
acked() { [ "$(acked_of "$1")" = "$2" ]; }
for m in police housing guards; do check "$m applies it" wait_for 60 acked $m 1; done

sig() { wn "$1" --json signal add --municipality Herentals --neighbourhood Centrum \
	--category "$4" --source "phone line" --when "$2" --perpetrator "$3" | json_field signal_id; }
D0=$(sig dir "2026-03-04 22:00" CSM-SUBJ-zero loitering)
check "the director records a signal" test -n "$D0"
C=$(wn dir --json case open --type situation --subject S-csm --purpose "end the nuisance at the square" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing guards; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing guards; do check "$m knows it is a member" wait_for 60 is_member $m; done
nsig() { local out; out=$(wn "$1" --json case signals "$C") || return 1
	printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }

# ---- a new matrix: copies made true under it
# (housing's copy of D: `summary` says whether it holds the summary)
copy_of() { wn housing --json case signals "$C" | /usr/bin/python3 -c '
import json,sys
r=[x for x in json.load(sys.stdin)["rows"] if x["from"] == "dir" and x["signal"] == int(sys.argv[1])]
print("none" if not r else "summary" if r[0]["summary"] and r[0]["municipality"] == "Herentals" else "existence")' "$1"; }
check "the director attaches its signal under version 1" wn dir signal link "$D0" --case "$C"
check "housing holds only that it is there" wait_for 60 count_is existence copy_of "$D0"

check "housing stops" node_stop housing
cp "$WN_T/dir.matrix" "$WN_T/v2.matrix"
check "the director publishes version 2: housing views signals in a situation" \
	wn dir matrix publish "$WN_T/v2.matrix"
check "police applies it" wait_for 60 acked police 2
D1=$(sig dir "2026-03-05 21:00" CSM-SUBJ-one noise)
check "the director records another signal" test -n "$D1"
check "  ... and attaches it under version 2" wn dir signal link "$D1" --case "$C"
check "housing starts again" node_start housing
check "housing applies version 2" wait_for 60 acked housing 2
check "housing's copy of the signal attached under version 2 has the summary" \
	wait_for 60 count_is summary copy_of "$D1"
check "  ... and so has its copy of the one attached under version 1" \
	wait_for 60 count_is summary copy_of "$D0"
check "  ... no subject" out_lacks 'CSM-SUBJ' wn housing --json case signals "$C"
check "nothing the director sent was refused for good" count_is 0 audit_count dir peer.delivery_refused

cp "$WN_T/v1.matrix" "$WN_T/v3.matrix"
check "the director publishes version 3: housing knows only that signals are there" \
	wn dir matrix publish "$WN_T/v3.matrix"
check "housing applies it" wait_for 60 acked housing 3
check "housing's copies are cut down to when" count_is existence copy_of "$D0"
check "  ... both" count_is existence copy_of "$D1"
check "  ... no area or category left" out_lacks 'Herentals|noise|loitering' wn housing --json case signals "$C"
check "  ... audited once" count_is 1 audit_count housing case_signal.cut
check "police keeps its summaries" out_has "\"signal\":$D1,[^}]*\"category\":\"noise\"" \
	wn police --json case signals "$C"

sed -e '/^\[situation\]/,/^\[person\]/s/ housing:view//' "$WN_T/dir.matrix" >"$WN_T/v4.matrix"
check "version 4 gives housing nothing of signals in a situation" out_lacks '^signals = .*housing' \
	sed -n '/^\[situation\]/,/^\[person\]/p' "$WN_T/v4.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/v4.matrix"
check "housing applies it" wait_for 60 acked housing 4
check "housing's copies are deleted" count_is 0 nsig housing
check "  ... audited once more" count_is 2 audit_count housing case_signal.cut

cp "$WN_T/dir.matrix" "$WN_T/v5.matrix"
check "the director publishes version 5: housing views signals again" wn dir matrix publish "$WN_T/v5.matrix"
check "housing applies it" wait_for 60 acked housing 5
check "housing gets the summaries again" wait_for 60 count_is summary copy_of "$D0"
check "  ... both" wait_for 60 count_is summary copy_of "$D1"
check "nothing the director sent was refused for good" count_is 0 audit_count dir peer.delivery_refused

# ---- a member's own signal under a new matrix: it tells the director again
sed -e '/^\[situation\]/,/^\[person\]/s/ municipality:edit/ municipality:existence/' \
	"$WN_T/dir.matrix" >"$WN_T/v6.matrix"
check "version 6 gives the director's role only existence of signals in a situation" \
	out_has '^signals = municipality:existence ' sed -n '/^\[situation\]/,/^\[person\]/p' "$WN_T/v6.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/v6.matrix"
for m in police housing guards; do check "$m applies it" wait_for 60 acked $m 6; done
PM=$(sig police "2026-03-07 18:00" CSM-SUBJ-pm noise)
check "police records a signal" test -n "$PM"
check "  ... and attaches it to the case" wn police signal link "$PM" --case "$C"
pm_at_dir() { out_has "\"from\":\"police\",\"signal\":$PM,[^}]*\"summary\":$1" wn dir --json case signals "$C"; }
check "the director holds only that it is there" wait_for 60 pm_at_dir false
cp "$WN_T/dir.matrix" "$WN_T/v7.matrix"
check "the director publishes version 7: its role views signals again" wn dir matrix publish "$WN_T/v7.matrix"
check "police applies it" wait_for 60 acked police 7
check "police tells the director its signal again: the director holds the summary" wait_for 60 pm_at_dir true
check "  ... no subject" out_lacks 'CSM-SUBJ-pm' wn dir --json case signals "$C"
pm_at() { out_has "\"from\":\"police\",\"signal\":$PM," wn "$1" --json case signals "$C"; }
check "housing is told of it" wait_for 60 pm_at housing

# ---- the director may keep nothing of signals: what its members told it
# is withdrawn at the others (it can no longer keep their copies true)
sed -e '/^\[situation\]/,/^\[person\]/s/ municipality:edit/ municipality:none/' \
	"$WN_T/dir.matrix" >"$WN_T/v8.matrix"
check "version 8 gives the director's role nothing of signals in a situation" \
	out_has '^signals = municipality:none ' sed -n '/^\[situation\]/,/^\[person\]/p' "$WN_T/v8.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/v8.matrix"
for m in police housing guards; do check "$m applies it" wait_for 60 acked $m 8; done
check "the director holds no copy of police's signal" out_lacks "\"from\":\"police\",\"signal\":$PM," \
	wn dir --json case signals "$C"
no_pm() { ! pm_at "$1"; }
check "  ... and housing's copy is withdrawn" wait_for 60 no_pm housing
cp "$WN_T/dir.matrix" "$WN_T/v9.matrix"
check "the director publishes version 9: its role views signals again" wn dir matrix publish "$WN_T/v9.matrix"
for m in police housing guards; do check "$m applies it" wait_for 60 acked $m 9; done
check "police tells the director again, and housing holds it again" wait_for 60 pm_at housing

# ---- a matrix that changes nothing of signals: no case signal goes again
# (sent_seq: the last sequence number a node gave a message for the peer,
# taken in the same transaction as the publish, or the apply)
sentseq() { peer_field "$1" "$2" sent_seq; }
ds=$(sentseq dir housing)
ps=$(sentseq police dir)
check "the sequence numbers are read" test -n "$ds" -a -n "$ps"
cp "$WN_T/dir.matrix" "$WN_T/v10.matrix"
check "the director publishes version 10, with the signals of version 9" \
	wn dir matrix publish "$WN_T/v10.matrix"
check "  ... it queued housing the matrix, not the case's signals again" \
	count_is $((ds + 1)) sentseq dir housing
for m in police housing guards; do check "$m applies it" wait_for 60 acked $m 10; done
check "police queued the director its ack, not its signal again" count_is $((ps + 1)) sentseq police dir
check "  ... housing still holds it" pm_at housing

# ---- a member taken off the case: what it told the director is withdrawn
G1=$(sig guards "2026-03-07 19:00" CSM-SUBJ-guards vandalism)
check "the guards record a signal" test -n "$G1"
check "  ... and attach it to the case" wn guards signal link "$G1" --case "$C"
guards_sig() { out_has "\"from\":\"guards\",\"signal\":$G1,[^}]*\"municipality\":\"Herentals\"" \
	wn "$1" --json case signals "$C"; }
check "the director holds it" wait_for 60 guards_sig dir
check "housing is told of it" wait_for 60 guards_sig housing
# (while the case is closed: a withdrawal still goes, and is taken)
printf 'the square is quiet\n' >"$WN_T/why"
check "the director closes the case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
closed_at() { out_has '"stage":"closed"' wn "$1" --json case show "$C"; }
for m in police housing; do check "$m learns it is closed" wait_for 60 closed_at $m; done
check "the director takes the guards off the closed case" wn dir case remove "$C" guards
check "  ... it no longer holds what the guards told it" out_lacks '"from":"guards"' \
	wn dir --json case signals "$C"
no_guards() { out_lacks '"from":"guards"' wn "$1" --json case signals "$C"; }
check "  ... and housing's copy is withdrawn" wait_for 60 no_guards housing
check "  ... and police's" wait_for 60 no_guards police
check "the director reopens the case" wn dir case advance "$C" --to follow_up --why-file "$WN_T/why"
open_at() { out_has "\"stage\":\"follow_up\"" wn "$1" --json case show "$C"; }
for m in police housing; do check "$m learns it is open again" wait_for 60 open_at $m; done

drained() { local n; for n in dir police housing; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
# ---- one member fills the director's copies: kept up to 1000, no more
check "everything is delivered" wait_for 60 drained
# (case signals lists the newest 1000 signals of a case: count in the store)
ncopies() { printf "SELECT count(*) FROM case_signal_copies WHERE case_id = '%s' AND origin = 'police';\n" \
	"$C" | node_sql dir; }
check "the director stops" node_stop dir
have=$(ncopies)
check "  ... it holds a copy of police's signal" test "$have" = 1
printf "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $((998 - have)))
INSERT INTO case_signal_copies (case_id, origin, signal_id, sender, when_ms, received_ms)
SELECT '%s', 'police', 100000 + i, 'police', 1, 1 FROM k;\n" "$C" | node_sql dir >"$WN_T/sql.out" 2>&1
check "  ... its store is given 997 more copies police told it of the case" count_is "" cat "$WN_T/sql.out"
check "the director starts again" node_start dir
bundle dir >/dev/null
check "the director keeps 998 copies of police's signals in the case" count_is 998 ncopies
ppoke() { WNPOKE_MV=$(acked_of police) "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police \
	"$WN_T/dir.bundle" casesig "$(expected_seq dir police)" "$C" police "$1" summary >"$WN_T/out" 2>&1; }
check_exit "police's key tells the director of its signal 200001" 0 ppoke 200001
check_out "  ... taken" '^RECEIPT accepted=1 refused=0'
check "  ... no alert yet" count_is 0 audit_count dir alert.case_signals_full
check_exit "  ... and of 200002" 0 ppoke 200002
check_out "  ... taken: the 1000th" '^RECEIPT accepted=1 refused=0'
check "  ... the director raises the alert" count_is 1 audit_count dir alert.case_signals_full
check_exit "  ... and of 200003" 0 ppoke 200003
check_out "  ... refused: the most are kept" \
	"^refused: 5 'police' has told 1000 signals of case $C here, the most kept: signal 200003 is not\$"
check_exit "  ... and of 200004" 0 ppoke 200004
check_out "  ... refused" "^refused: 5 .*the most kept: signal 200004 is not"
check_exit "  ... a new summary of 200001, one kept" 0 ppoke 200001
check_out "  ... taken" '^RECEIPT accepted=1 refused=0'
hs=$(sentseq dir housing)
export WNPOKE_WHEN_MS=1772900000000
check_exit "  ... and again, made at a time of its own" 0 ppoke 200001
check_out "  ... taken" '^RECEIPT accepted=1 refused=0'
check "  ... the director sends it on to housing" count_is $((hs + 1)) sentseq dir housing
check_exit "  ... told once more just as the director keeps it" 0 ppoke 200001
check_out "  ... taken" '^RECEIPT accepted=1 refused=0'
unset WNPOKE_WHEN_MS
check "  ... and not sent on again: housing has it so" count_is $((hs + 1)) sentseq dir housing
check "  ... the alert was raised once" count_is 1 audit_count dir alert.case_signals_full
check "the director keeps 1000 copies of police's signals in the case" count_is 1000 ncopies
has_sig() { out_has "\"from\":\"police\",\"signal\":$2,[^}]*\"municipality\":\"Poketown\"" \
	wn "$1" --json case signals "$C"; }
check "housing is told of 200002" wait_for 60 has_sig housing 200002
check "  ... but not of 200003 or 200004" out_lacks '"signal":20000[34],' wn housing --json case signals "$C"

# ---- the receiver defers a CASE_SIGNAL made under a newer matrix version
# (last: the director's key takes a sequence number the director does not
# know of, so the director sends housing nothing after it)
check "everything is delivered" wait_for 60 drained
bundle housing >/dev/null
hseq=$(expected_seq housing dir)
HV=$(acked_of housing)
check "housing holds a matrix" test "${HV:-0}" -gt 0
pokemv() { WNPOKE_MV=$1 "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/housing.bundle" \
	casesig "$hseq" "$C" dir "$2" >"$WN_T/out" 2>&1; }
check_exit "the director's key sends housing a signal of the case made under the next version" 0 \
	pokemv $((HV + 1)) 77
check_out "  ... deferred: housing does not hold that one yet" \
	"^refused: 13 case signal under matrix version $((HV + 1)), this node holds $HV\$"
check "  ... and not kept" out_lacks '"signal":77' wn housing --json case signals "$C"
check_exit "sent again under the version housing holds, with the same sequence number" 0 pokemv "$HV" 77
check_out "  ... it is taken" '^RECEIPT accepted=1 refused=0'
check "  ... and kept: that it is there" out_has '"from":"dir","signal":77,' \
	wn housing --json case signals "$C"
# an older version: made before the matrix housing holds, it is judged
# under that one (waiting would wait for ever: its sender named the
# version it held when it made it)
hseq=$(expected_seq housing dir)
check_exit "the director's key sends housing a signal made under the version before" 0 pokemv $((HV - 1)) 78
check_out "  ... taken: judged under the matrix housing holds" '^RECEIPT accepted=1 refused=0'
check "  ... and kept" out_has '"from":"dir","signal":78,' wn housing --json case signals "$C"

# ---- the origin told of its own signal: no answer says which it holds
P0=$(sig police "2026-03-06 20:00" CSM-SUBJ-police noise)
check "police records a signal" test -n "$P0"
bundle police >/dev/null
opoke() { WNPOKE_MV=$(acked_of police) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/police.bundle" \
	casesig "$(expected_seq police dir)" "$C" police "$1" >"$WN_T/out" 2>&1; }
check_exit "the director's key tells police its signal 424242 belongs to the case" 0 opoke 424242
check_out "  ... taken, though police holds no such signal" '^RECEIPT accepted=1 refused=0'
check "  ... and ignored" out_lacks '"signal":424242,' wn police --json case signals "$C"
check_exit "the director's key tells police its real signal belongs to the case" 0 opoke "$P0"
check_out "  ... taken alike" '^RECEIPT accepted=1 refused=0'
check "  ... and police lists it as its own" out_has "\"from\":\"police\",\"signal\":$P0,[^}]*CSM-SUBJ-police" \
	wn police --json case signals "$C"
# what only the director said belongs to the case is not told back: its
# summary changes (a duplicate counts under it), and police queues the
# director no case signal of it (counted in police's queue while the
# director is away: the pokes above took numbers of both streams)
queued27() { echo "SELECT count(*) FROM outbox WHERE peer = 'dir' AND type = 27;" | node_sql police; }
check "the director stops" node_stop dir
P1=$(sig police "2026-03-06 20:05" CSM-SUBJ-police noise)
check "police records another signal" test -n "$P1"
check "  ... the same incident as the one the director named" wn police signal link "$P1" --to "$P0"
check "police stops" node_stop police
check "  ... it queued the director no case signal" count_is 0 queued27
check "  ... and starts again" node_start police
check "police links it to the case itself" wn police signal link "$P0" --case "$C"
check "police stops" node_stop police
check "  ... now it queued the director one" count_is 1 queued27
for n in housing guards; do check "$n stops" node_stop $n; done
wn_done
