#!/usr/bin/env bash
# test_case_signals.sh - the signals of a case with real nodes:
#  - a member attaches its own signals to a case it is a member of
#    (`signal link SIGNAL --case CASE`); `case signals CASE` lists them
#    newest first, with their subjects and the reports of an incident, in
#    words and with --json;
#  - the director attaches its own signal and the summaries of a member's
#    signals (`--from ORG`, as `signal list --received` names them): its
#    list holds when, area, category and reports, never a subject;
#  - refused, saying why: a signal that is not there, a member's summary
#    the director does not hold, --from at a member, a case the node does
#    not know or is no member of, a signal attached twice, a closed case;
#    the CLI refuses --to with --case, and neither;
#  - every attachment is audited by the node that made it; the subjects
#    never reach the director (its store is searched).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels

check "a federation of the director, police and housing" \
	federation dir police:police housing:housing
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked_all

# sig NODE WHEN SUBJECT: a noise signal at the square; its number
sig() { wn "$1" --json signal add --municipality Herentals --neighbourhood Centrum \
	--category noise --source "phone line" --when "$2" --perpetrator "$3" | json_field signal_id; }
P1=$(sig police "2026-03-02 21:30" CS-SUBJ-one)
P2=$(sig police "2026-03-05 23:10" CS-SUBJ-two)
P3=$(sig police "2026-03-05 23:12" CS-SUBJ-three)
P4=$(sig police "2026-03-01 20:00" CS-SUBJ-four)
D1=$(sig dir "2026-03-04 22:00" CS-SUBJ-dir)
H1=$(sig housing "2026-03-03 19:00" CS-SUBJ-housing)
check "police records four signals, the director and housing one each" \
	test -n "$P1" -a -n "$P2" -a -n "$P3" -a -n "$P4" -a -n "$D1" -a -n "$H1"
check "police counts its third as a duplicate of the second" wn police signal link "$P3" --to "$P2"
summaries() { [ "$(wn dir --json signal list --received | grep -o '"from":"police"' | wc -l)" = 4 ]; }
check "the director holds police's four summaries" wait_for 60 summaries

C=$(wn dir --json case open --type situation --subject S-square --purpose "end the nuisance at the square" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
check "it invites police" wn dir case invite "$C" police
is_member() { out_has '"member":true' wn "$1" --json case list; }
check "police knows it is a member" wait_for 60 is_member police

# --- a member's own signals
check_exit "police attaches its first signal to the case" 0 wn police signal link "$P1" --case "$C"
check_out "  it says so in words" "^signal $P1 now belongs to case $C$"
check "and the second (an incident of two reports)" wn police signal link "$P2" --case "$C"
check_exit "the same signal again is refused" 1 wn police signal link "$P1" --case "$C"
check_out "  it belongs to the case already" "signal $P1 belongs to case $C already"
check_exit "a signal that is not there is refused" 1 wn police signal link 999 --case "$C"
check_out "  saying so" 'there is no signal 999 here'
check_exit "a case police does not know is refused" 1 wn police signal link "$P4" --case c-000000000000
check_out "  saying so" "no case 'c-000000000000' here"
check_exit "--from at a member is refused" 1 wn police signal link "$P4" --case "$C" --from dir
check_out "  only the director holds summaries" 'only the case.s director dir holds the summaries'
check_exit "housing, no member, cannot attach to the case" 1 wn housing signal link "$H1" --case "$C"
check_exit "signal link with --to and --case is a usage error" 2 wn police signal link "$P4" --to "$P1" --case "$C"
check_exit "signal link with neither is a usage error" 2 wn police signal link "$P4"
check_exit "police lists the case's signals in words" 0 wn police case signals "$C"
check_out "  how many" "^case $C: 2 signals$"
check_out "  the newest first, with its date, place and reports" \
	"^  signal $P2 of police  Thu +5 Mar 2026 23:10  Herentals/Centrum  noise  \(2 reports\)$"
check_out "  the subjects of both reports" '^     perpetrator: CS-SUBJ-three, CS-SUBJ-two$'
check_out "  then the older one" "^  signal $P1 of police  Mon +2 Mar 2026 21:30  Herentals/Centrum  noise$"
cp "$WN_T/out" "$WN_T/list.police"
check "  the first listed is the newest" bash -c "grep '^  signal' '$WN_T/list.police' | head -1 | grep -q 'signal $P2 '"
check "  not the signal that was not attached" out_lacks "signal $P4 |CS-SUBJ-four" cat "$WN_T/list.police"
check_exit "and with --json" 0 wn police --json case signals "$C"
check_out "  exact values" "\"from\":\"police\",\"signal\":$P2,\"when_ms\":[0-9]+,\"municipality\":\"Herentals\",\"neighbourhood\":\"Centrum\",\"category\":\"noise\",\"reports\":2,\"duplicate_of\":0"
check "police's audit records both attachments" \
	count_is 2 count_or_fail "signal.attach.*signal ($P1|$P2) of police attached to case $C" wn police audit show --limit 200

# --- the director: its own signal and police's summaries
check_exit "the director attaches its own signal" 0 wn dir signal link "$D1" --case "$C"
check_exit "and police's first signal, by its summary" 0 wn dir signal link "$P1" --case "$C" --from police
check_out "  it says whose" "^signal $P1 of police now belongs to case $C$"
check "and police's duplicate" wn dir signal link "$P3" --case "$C" --from police
check_exit "a summary the director does not hold is refused" 1 wn dir signal link 999 --case "$C" --from police
check_out "  saying so" "no summary of police's signal 999 here"
told_dir() { out_has "\"from\":\"police\",\"signal\":$P2," wn dir --json case signals "$C"; }
check "the director holds police's second, which police attached (told by it)" wait_for 60 told_dir
check_exit "the director lists the case's signals" 0 wn dir case signals "$C"
check_out "  four: police told it of its second itself" "^case $C: 4 signals$"
check_out "  police's duplicate, said as one" "^  signal $P3 of police  Thu +5 Mar 2026 23:12  Herentals/Centrum  noise  \(a duplicate of signal $P2\)$"
check_out "  its own, with its subject" '^     perpetrator: CS-SUBJ-dir$'
check_out "  police's first" "^  signal $P1 of police  Mon +2 Mar 2026 21:30"
cp "$WN_T/out" "$WN_T/list.dir"
check "  no subject of police's" out_lacks 'CS-SUBJ-(one|two|three|four)' cat "$WN_T/list.dir"
check "the director's audit records the attachments" \
	count_is 3 count_or_fail "signal.attach.*attached to case $C" wn dir audit show --limit 200

# people read dates: no human output of these holds epoch milliseconds
for cmd in "dir case signals $C" "police case signals $C" "dir case show $C"; do
	# shellcheck disable=SC2086 # a node and its words
	check "no epoch milliseconds in: $cmd" no_epoch wn $cmd
done

# --- a closed case takes no new signal
printf 'the nuisance is gone\n' >"$WN_T/why"
check "the director closes the case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
check_exit "the director cannot attach to it now" 1 wn dir signal link "$P4" --case "$C" --from police
check_out "  it is closed" "case $C is closed: it takes no new signal"
closed_at() { wn police --json case show "$C" | grep -q '"stage":"closed"'; }
check "police learns it is closed" wait_for 60 closed_at
check_exit "nor can police" 1 wn police signal link "$P4" --case "$C"
nrows() { local out; out=$(wn police --json case signals "$C") || return 1
	printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }
check "the list still holds what was attached and told: four" count_is 4 nrows

for n in dir police housing; do check "$n stops" node_stop $n; done
echo .dump | node_sql dir >"$WN_T/dir.dump" 2>&1
check "the director's store decrypts and holds its own subject" grep -q 'CS-SUBJ-dir' "$WN_T/dir.dump"
check "  but no subject of police's signals" out_lacks 'CS-SUBJ-(one|two|three|four)' cat "$WN_T/dir.dump"
wn_done
