#!/usr/bin/env bash
# test_case_signals_shared.sh - the signals of a case reach its members
# (CASE_SIGNAL), with real nodes:
#  - police attaches its own signal to a situation case: it goes to the
#    director, which tells the other members; the director attaches its
#    own: police (view of signals) gets the summary (when, area, category,
#    reports; never a subject), housing (existence in this test's matrix)
#    only that each is there and when, welfare (none) nothing at all;
#  - `case signals` and `case show` on a member list them, in words with
#    dates a person reads and with --json exact values; a member whose
#    signal the director attached lists it as its own, with its subjects;
#  - copies kept true: a duplicate linked at police changes the reports at
#    the director, so does a corrected import its category; a signal taken off the case (`signal unlink`) is
#    withdrawn at every member; a member invited later gets the case's
#    signals, one taken off the case forgets them; a closed case sends
#    nothing (the director refuses nothing for it: nothing came), and
#    reopened, what changed meanwhile goes again;
#  - a CASE_SIGNAL the matrix does not let in (wnpoke), or from a node
#    that does not direct the case, or of another member's signal, is
#    refused;
#  - no subject reaches another node (every store searched).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police, housing, welfare and the guards" \
	federation dir police:police housing:housing welfare:welfare guards:community_guards
# the Neteland matrix, but in a situation housing knows only that signals
# are there (the example gives it view); welfare has none of signals there
sed -e '/^\[situation\]/,/^\[person\]/s/ housing:view/ housing:existence/' \
	"$WN_T/dir.matrix" >"$WN_T/sig.matrix"
check "the test's matrix gives housing existence of signals in a situation" \
	grep -q '^signals = .*housing:existence' "$WN_T/sig.matrix"
check "  and welfare nothing of them" out_lacks '^signals = .*welfare' \
	sed -n '/^\[situation\]/,/^\[person\]/p' "$WN_T/sig.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/sig.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 4 ]; }
check "every member applies it" wait_for 60 acked_all

sig() { wn "$1" --json signal add --municipality Herentals --neighbourhood Centrum \
	--category "$4" --source "phone line" --when "$2" --perpetrator "$3" | json_field signal_id; }
P1=$(sig police "2026-03-02 21:30" CSS-SUBJ-one noise)
P2=$(sig police "2026-03-05 23:10" CSS-SUBJ-two noise)
D1=$(sig dir "2026-03-04 22:00" CSS-SUBJ-dir loitering)
check "police records two signals, the director one" test -n "$P1" -a -n "$P2" -a -n "$D1"

C=$(wn dir --json case open --type situation --subject S-square2 --purpose "end the nuisance at the square" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing welfare; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing welfare; do check "$m knows it is a member" wait_for 60 is_member $m; done

# nsig NODE: how many signals NODE lists for the case
nsig() { local out; out=$(wn "$1" --json case signals "$C") || return 1
	printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }

check "police attaches its first signal" wn police signal link "$P1" --case "$C"
check "the director attaches its own" wn dir signal link "$D1" --case "$C"
check "the director holds both: police's told it by police" wait_for 60 count_is 2 nsig dir
check "police holds both: the director's told it by the director" wait_for 60 count_is 2 nsig police
check "housing holds both" wait_for 60 count_is 2 nsig housing

check_exit "the director lists police's signal as its summary" 0 wn dir --json case signals "$C"
check_out "  exact values" "\"kind\":\"signal\",\"from\":\"police\",\"signal\":$P1,\"when_ms\":[0-9]+,\"municipality\":\"Herentals\",\"neighbourhood\":\"Centrum\",\"category\":\"noise\",\"reports\":1,\"duplicate_of\":0,\"subjects\":\"\",\"summary\":true"
check_exit "police lists the case's signals in words" 0 wn police case signals "$C"
check_out "  two" "^case $C: 2 signals$"
check_out "  the director's, with the date a person reads, area and category" \
	"^  signal $D1 of dir  Wed +4 Mar 2026 22:00  Herentals/Centrum  loitering$"
check_out "  its own with its subject" '^     perpetrator: CSS-SUBJ-one$'
check "  no subject of the director's" out_lacks 'CSS-SUBJ-dir' wn police case signals "$C"
check_exit "police's case show holds the signals" 0 wn police case show "$C"
check_out "  under signals:" '^signals:$'
check_out "  the director's in words" "^  signal $D1 of dir  Wed +4 Mar 2026 22:00  Herentals/Centrum  loitering$"
check_exit "and with --json" 0 wn police --json case show "$C"
check_out "  exact values" "\"kind\":\"signal\",\"from\":\"dir\",\"signal\":$D1,\"when_ms\":[0-9]+,\"municipality\":\"Herentals\",\"neighbourhood\":\"Centrum\",\"category\":\"loitering\",\"reports\":1,\"duplicate_of\":0,\"subjects\":\"\",\"summary\":true"
check_exit "housing, at existence, lists only that they are there" 0 wn housing case signals "$C"
check_out "  and when" "^  signal $D1 of dir  Wed +4 Mar 2026 22:00  \(only that it is there\)$"
check "  no area or category" out_lacks 'Herentals|noise|loitering' wn housing --json case signals "$C"
check_exit "housing's case show says the same" 0 wn housing case show "$C"
check_out "  in words" "^  signal $P1 of police  Mon +2 Mar 2026 21:30  \(only that it is there\)$"

# the origin: told that its own signal belongs to the case
check "the director attaches police's second signal by its summary" wn dir signal link "$P2" --case "$C" --from police
own_by_dir() { out_has "\"from\":\"police\",\"signal\":$P2,[^}]*\"subjects\":\"perpetrator: CSS-SUBJ-two\"" wn police --json case signals "$C"; }
check "police is told: it lists its own signal in the case, with its subject" wait_for 60 own_by_dir
check "the director takes it off again" wn dir signal unlink "$P2" --case "$C" --from police
check "police no longer lists it" wait_for 60 count_is 2 nsig police
check "police's own attachment stays" out_has "\"signal\":$P1," wn police --json case signals "$C"

# welfare: nothing. The step below goes to it after every signal above
# (one outbox, in order): once it holds the step, it holds all it gets.
printf 'we look into it\n' >"$WN_T/why"
check "the director moves the case to exploration" wn dir case advance "$C" --to exploration --why-file "$WN_T/why"
stage_is() { out_has "\"stage\":\"$2\"" wn "$1" --json case show "$C"; }
check "welfare learns the step" wait_for 60 stage_is welfare exploration
check "welfare holds none of the case's signals" count_is 0 nsig welfare
check "  and refused none (none was sent)" out_lacks 'case signal|case_signal|of signals in case' \
	wn welfare audit show --limit 500

# ---- copies kept true
check "police counts its second signal as a duplicate of its first" wn police signal link "$P2" --to "$P1"
reports_at_dir() { out_has "\"from\":\"police\",\"signal\":$P1,[^}]*\"reports\":2" wn dir --json case signals "$C"; }
check "the director's copy counts two reports" wait_for 60 reports_at_dir
# a corrected import: the partner's system changed the row's category
printf 'when,municipality,neighbourhood,category,source,source_id\n2026-03-01 20:00,Herentals,Centrum,noise,patrol,PZ-77\n' >"$WN_T/imp.csv"
check "police imports a signal from its own system" wn police signal import "$WN_T/imp.csv"
PI=$(wn police --json signal list --all | /usr/bin/python3 -c '
import json,sys
r=[x for x in json.load(sys.stdin)["rows"] if x["category"] == "noise"]
print(max(x["signal_id"] for x in r))')
check "  ... and attaches it to the case" wn police signal link "$PI" --case "$C"
noise_at_dir() { out_has "\"from\":\"police\",\"signal\":$PI,[^}]*\"category\":\"noise\"" wn dir --json case signals "$C"; }
check "the director holds it: noise" wait_for 60 noise_at_dir
sed -i 's/,noise,patrol,PZ-77/,vandalism,patrol,PZ-77/' "$WN_T/imp.csv"
check_exit "the corrected row is imported again" 0 wn police signal import "$WN_T/imp.csv"
check_out "  ... corrected" 'corrected'
vandalism_at_dir() { out_has "\"from\":\"police\",\"signal\":$PI,[^}]*\"category\":\"vandalism\"" wn dir --json case signals "$C"; }
check "the director's copy says vandalism now" wait_for 60 vandalism_at_dir
check "police takes it off the case" wn police signal unlink "$PI" --case "$C"
gone_at_dir() { out_lacks "\"signal\":$PI," wn dir --json case signals "$C"; }
check "  ... and the director's copy is gone" wait_for 60 gone_at_dir

check_exit "the director takes its own signal off the case" 0 wn dir signal unlink "$D1" --case "$C"
check_out "  saying so" "^signal $D1 no longer belongs to case $C$"
check_exit "  not again" 1 wn dir signal unlink "$D1" --case "$C"
check_out "  it does not belong to it" "signal $D1 does not belong to case $C here"
check "police's copy is withdrawn" wait_for 60 count_is 1 nsig police
check "housing's too" wait_for 60 count_is 1 nsig housing
check "police's own stays" out_has "\"signal\":$P1," wn police --json case signals "$C"

# ---- a member invited later, a member taken off
check "the director invites the guards" wn dir case invite "$C" guards
check "the guards get police's signal, as a summary" wait_for 60 \
	out_has "\"from\":\"police\",\"signal\":$P1,[^}]*\"category\":\"noise\",\"reports\":2" wn guards --json case signals "$C"
check "  and not the one taken off" count_is 1 nsig guards
check "the director takes the guards off the case" wn dir case remove "$C" guards
not_member() { out_has '"member":false' wn guards --json case list; }
check "the guards learn it" wait_for 60 not_member
check "the guards forget the case's signals" count_is 0 nsig guards
check "  audited" count_is 1 audit_count guards case_signal.forgotten

# ---- a closed case sends nothing
check "the director closes the case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
check "police learns it is closed" wait_for 60 stage_is police closed
P3=$(sig police "2026-03-06 01:00" CSS-SUBJ-three noise)
check "police records a third signal" test -n "$P3"
check "and counts it under its first" wn police signal link "$P3" --to "$P1"
three() { out_has "\"from\":\"police\",\"signal_id\":$P1,[^}]*\"reports\":3" wn dir --json signal list --received; }
check "the director gets the new summary (outside the case)" wait_for 60 three
check "the case's copy stays as it was: two reports" out_has "\"signal\":$P1,[^}]*\"reports\":2" wn dir --json case signals "$C"
check "  nothing came for the closed case (nothing refused)" out_lacks 'is closed: nothing is shared' \
	wn dir audit show --limit 1000

# ---- reopened: what changed while it was closed goes again
check "the director reopens the case" wn dir case advance "$C" --to follow_up --why-file "$WN_T/why"
reports3() { out_has "\"from\":\"police\",\"signal\":$P1,[^}]*\"reports\":3" wn dir --json case signals "$C"; }
check "police tells the director its signal again: three reports" wait_for 60 reports3

# ---- what a node takes in: from the case's director only, as its matrix lets
drained() { local n; for n in dir police housing welfare guards; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
for n in dir housing welfare; do bundle $n >/dev/null; done
# the one matrix published above is version 1: every envelope names it
poke() { local from=$1 to=$2; shift 2; WNPOKE_MV=1 "$POKE" "$WN_T/$from/node.key" "$WN_T/$from.pass" "$from" \
	"$WN_T/$to.bundle" casesig "$(expected_seq "$to" "$from")" "$@" >"$WN_T/out" 2>&1; }
check_exit "the director's key sends welfare (none of signals) that a signal is there" 0 \
	poke dir welfare "$C" dir 77
check_out "  ... refused" "^refused: 5 .*gives this node's role nothing of signals in case $C"
check_exit "the director's key sends housing (existence) a summary" 0 poke dir housing "$C" dir 77 summary
check_out "  ... refused" "^refused: 5 .*gives this node's role no view of signals in case $C"
check_exit "police sends housing a signal of the case it does not direct" 0 poke police housing "$C" police 77
check_out "  ... refused" "^refused: 5 .*'police' does not direct case $C here"
check_exit "police tells the director of housing's signal" 0 poke police dir "$C" housing 77 summary
check_out "  ... refused" "^refused: 5 .*'police' tells only of its own signals"
check "welfare holds none of the case's signals" count_is 0 nsig welfare
check "housing's copies are as they were" out_lacks 'Poketown|"signal":77' wn housing --json case signals "$C"
check "the director's too" out_lacks 'Poketown|"signal":77' wn dir --json case signals "$C"

for n in dir police housing welfare guards; do check "$n stops" node_stop $n; done
for n in dir police housing welfare guards; do
	echo .dump | node_sql $n >"$WN_T/$n.dump" 2>&1
	check "$n's store decrypts" grep -q 'case_signal_copies' "$WN_T/$n.dump"
done
for n in dir housing welfare guards; do
	check "$n's store holds no subject of police's signals" out_lacks 'CSS-SUBJ-(one|two|three)' cat "$WN_T/$n.dump"
done
for n in police housing welfare guards; do
	check "$n's store holds no subject of the director's" out_lacks 'CSS-SUBJ-dir' cat "$WN_T/$n.dump"
done
wn_done
