#!/usr/bin/env bash
# test_membership.sh - who may direct a case and change its members, and
# what a member keeps when it is removed: nothing of the case.
#   - only a node that directs cases (the lead director, or a member
#     enrolled with --directs) opens cases and invites; a member is told so
#   - removing a node that is not a member, removing it again, or inviting
#     a member again is refused, and nothing is sent
#   - a removed member deletes every field it received for the case, also
#     the copies that came from a member removed before it; every current
#     member that disclosed to it retracts, with a signed receipt, and both
#     audits show it
#   - removing a member from one case leaves its copy of the same record
#     in another case (of another director) alone: retractions name the case
#   - a CASE from a directing node that is not the case's director is
#     refused and deletes nothing
#   - a filter that names no case, subject or share is an error (exit 1)
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
S=S-membership-v
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director and three members" federation dir police:police youth:youth_work housing:housing
check "a second municipality joins, enrolled to direct cases" join_directing muni
for m in police youth housing; do
	check "$m learns of it" wait_for 30 peer_known $m muni
	check "it learns of $m" wait_for 30 peer_known muni $m
done
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 4 ]; }
check "every member applies it" wait_for 30 acked_all

drained() { local n; for n in dir police youth housing muni; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
member_of() { wn "$1" --json case show "$2" 2>/dev/null | grep -q '"member":true'; }
not_member_of() { wn "$1" --json case show "$2" >"$WN_T/cs" 2>&1 && ! grep -q '"member":true' "$WN_T/cs"; }
rows() { wn "$1" --json data list --case "$2" | grep -o '"field_id"' | wc -l; }
holds() { wn "$1" --json data list | grep -q "\"value\":\"$2\""; }

# --- who directs cases
check_exit "a member that does not direct cases cannot open one" 1 \
	wn police case open --type situation --subject $S --purpose "probe" --ground consent
check_out "  it is told why" 'does not direct cases'
check_exit "  and has opened nothing" 0 wn police --json case list
check_out "  (no case listed)" '"rows":\[\]'
C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance at the square" \
	--ground consent | json_field case_id)
check "the lead director opens a case" test -n "$C"
for m in police youth housing; do check "it invites $m" wn dir case invite "$C" $m; done
for m in police youth housing; do check "$m knows it is a member" wait_for 30 member_of $m "$C"; done
check_exit "a member that does not direct cases cannot invite" 1 wn police case invite "$C" youth
check_out "  it is told why" 'does not direct cases'
M=$(wn muni --json case open --type situation --subject S-muni-case --purpose "a case of its own" \
	--ground consent | json_field case_id)
check "the member enrolled with --directs opens a case" test -n "$M"
check "and invites police" wn muni case invite "$M" police
check "police accepts it as a member of that case" wait_for 30 member_of police "$M"

# --- membership changes that change nothing are refused, and send nothing
check "delivered" wait_for 60 drained
sent_before=$(peer_field dir police sent_seq)
updates() { wn "$1" audit show --limit 2000 | grep -c "case.updated[[:space:]]\+$2"; }
updates_before=$(updates police "$C")
check_exit "inviting a member again is refused" 1 wn dir case invite "$C" police
check_out "  already a member" "police is already a member of case $C"
check_exit "removing a node that was never invited is refused" 1 wn dir case remove "$C" muni
check_out "  not a member" "muni is not a member of case $C"
check "delivered" wait_for 60 drained
check_exit "the node never invited was sent nothing about the case" 1 wn muni case show "$C"
check_out "  it does not know the case" "no case '$C'"
check "the director sent police nothing more" test "$(peer_field dir police sent_seq)" = "$sent_before"
check "  and police audited no case update" test "$(updates police "$C")" = "$updates_before"
wn muni audit show --limit 2000 >"$WN_T/muni.audit"
check "muni's audit is there (it opened a case)" grep -q "control.case.open" "$WN_T/muni.audit"
check "  and no case update from the director" bash -c "! grep -q 'case.updated' '$WN_T/muni.audit'"

# --- a case runs: housing gets signals from police and from youth work
for m in police youth; do
	check "$m records a signal" wn $m record --subject $S --category signals --field note --value "MK-$m-signals"
done
check "the director asks for signals" wn dir case request "$C" --categories signals
has_share() { wn "$1" --json share list | grep -q "\"case_id\":\"$2\""; }
for m in police youth housing; do check "$m gets the proposal" wait_for 30 has_share $m "$C"; done
sid() { wn "$1" --json share list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["case_id"] == sys.argv[1]: print(r["id"])' "$2"; }
check "police approves" wn police share approve "$(sid police "$C")"
check "youth work approves" wn youth share approve "$(sid youth "$C")"
check "housing denies" wn housing share deny "$(sid housing "$C")" --reason "nothing to add"
check "delivered" wait_for 60 drained
check "housing holds police's signal" holds housing MK-police-signals
check "housing holds youth work's signal" holds housing MK-youth-signals
check "youth work holds police's signal" holds youth MK-police-signals

# --- the same record in another director's case: muni opens a case about
# the same subject; police discloses the same field there. Removing youth
# work from muni's case leaves its copy in case C alone.
M2=$(wn muni --json case open --type situation --subject $S --purpose "the same person, another case" \
	--ground consent | json_field case_id)
check "muni opens a case about the same subject" test -n "$M2"
for m in police youth; do check "muni invites $m" wn muni case invite "$M2" $m; done
for m in police youth; do check "$m knows it is a member" wait_for 30 member_of $m "$M2"; done
check "muni asks for signals" wn muni case request "$M2" --categories signals
for m in police youth; do check "$m gets the proposal" wait_for 30 has_share $m "$M2"; done
check "police approves" wn police share approve "$(sid police "$M2")"
held_in() { [ "$(rows "$1" "$2")" = "$3" ]; }
check "youth work holds police's signal in muni's case too" wait_for 60 held_in youth "$M2" 1
field_ids() { wn youth --json data list --case "$1" | /usr/bin/python3 -c '
import json,sys
print(" ".join(sorted(str(r["field_id"]) for r in json.load(sys.stdin)["rows"] if r["from"] == "police")))'; }
check "  under the same field id as in case C" test "$(field_ids "$C")" = "$(field_ids "$M2")"
check "muni removes youth work from its case" wn muni case remove "$M2" youth
check "youth work learns it" wait_for 30 not_member_of youth "$M2"
check "youth work no longer holds any field of muni's case" wait_for 30 held_in youth "$M2" 0
acked_in() { wn "$1" audit show --limit 2000 | grep -q "$2[[:space:]]\+retraction.acknowledged.*acknowledged as deleted in case $3"; }
check "police gets youth work's receipt for muni's case" wait_for 30 acked_in police youth "$M2"
check "delivered" wait_for 60 drained
check "youth work is still a member of case C" member_of youth "$C"
check "  and still holds police's field there" held_in youth "$C" 1
check "  the signal itself" holds youth MK-police-signals
check_exit "youth work's audit" 0 wn youth audit show --limit 2000
check_out "  names the case of the retraction it applied" "police[[:space:]]+retraction.applied[[:space:]]+police[[:space:]]+[01] of 1 fields deleted in case $M2 on request \\(removed from case $M2\\)"
check_exit "police's audit" 0 wn police audit show --limit 2000
check_out "  the receipt names that case alone" "youth[[:space:]]+retraction.acknowledged[[:space:]]+youth[[:space:]]+1 of 1 fields acknowledged as deleted in case $M2"

# --- a CASE from a node that directs cases but not this case is refused,
# and deletes nothing: muni claims case C, without youth work
yseq=$(expected_seq youth muni)
bundle youth >/dev/null
WNPOKE_SEQ=$yseq WNPOKE_DIRECTOR=muni "$POKE" "$WN_T/muni/node.key" "$WN_T/muni.pass" muni "$WN_T/youth.bundle" \
	case "$C" $S police >"$WN_T/out" 2>&1
check_out "youth work refuses muni's CASE for case C, which dir directs (5)" "^refused: 5 case $C belongs to dir"
yseq=$(expected_seq youth muni)
WNPOKE_SEQ=$yseq WNPOKE_DIRECTOR=dir "$POKE" "$WN_T/muni/node.key" "$WN_T/muni.pass" muni "$WN_T/youth.bundle" \
	case "$C" $S police >"$WN_T/out" 2>&1
check_out "  also when it names dir as the director (5)" "^refused: 5 'muni' does not direct case $C"
check "youth work is still a member of case C" member_of youth "$C"
check "  and still holds police's field there" held_in youth "$C" 1
check_exit "youth work's audit" 0 wn youth audit show --limit 2000
check_out "  records the refusals" "muni[[:space:]]+peer.refused.*belongs to dir"

# --- removing youth work: it keeps nothing of the case
check "the director removes youth work" wn dir case remove "$C" youth
check "youth work learns it" wait_for 30 not_member_of youth "$C"
gone_from() { [ "$(rows "$1" "$2")" = 0 ]; }
check "youth work no longer holds any field of the case" wait_for 30 gone_from youth "$C"
check_exit "  data list for the case still works (the case is known)" 0 wn youth data list --case "$C"
# deleted NODE CASE: how many fields of CASE NODE deleted, by its removal
# (case.removed) and by retractions naming the case (retraction.applied).
# The director's CASE and a member's RETRACTION race, so only the sum is
# fixed: what NODE held.
deleted() { wn "$1" audit show --limit 2000 | /usr/bin/python3 -c '
import re,sys
c=re.escape(sys.argv[1]); n=0
for l in sys.stdin:
    m=re.search(r"case\.removed\s.*removed from case "+c+r" by \S+: (\d+) fields received", l)
    if m: n+=int(m.group(1))
    m=re.search(r"retraction\.applied\s.*\s(\d+) of \d+ fields deleted in case "+c+" ", l)
    if m: n+=int(m.group(1))
print(n)' "$2"; }
check "police gets youth work's signed receipt" wait_for 30 acked_in police youth "$C"
check_exit "police's audit" 0 wn police audit show --limit 2000
check_out "  shows the retraction it sent to youth work" 'retraction.sent[[:space:]]+youth[[:space:]]+1 fields about .* retracted from youth'
check_exit "youth work's audit" 0 wn youth audit show --limit 2000
check_out "  shows the retraction applied" "police[[:space:]]+retraction.applied[[:space:]]+police[[:space:]]+[01] of 1 fields deleted in case $C "
check_out "  and its removal" "case.removed[[:space:]]+$C[[:space:]]+removed from case $C by dir: "
check "  which, with police's retraction (either may come first), deleted the one field it held" \
	test "$(deleted youth "$C")" = 1
check_exit "removing youth work again is refused" 1 wn dir case remove "$C" youth
check_out "  not a member" "youth is not a member of case $C"
check "housing still holds youth work's signal (youth work's own disclosure stands)" holds housing MK-youth-signals

# --- removing housing, whose copy came from police (a member) and from
# youth work (removed before, so never told): it deletes both
check "the director removes housing" wn dir case remove "$C" housing
check "housing learns it" wait_for 30 not_member_of housing "$C"
check "housing no longer holds any field of the case" wait_for 30 gone_from housing "$C"
check "  nor police's signal" out_lacks MK-police-signals wn housing --json data list
check "  nor youth work's" out_lacks MK-youth-signals wn housing --json data list
check "police gets housing's signed receipt" wait_for 30 acked_in police housing "$C"
check_exit "housing's audit" 0 wn housing audit show --limit 2000
check_out "  shows its removal" "case.removed[[:space:]]+$C[[:space:]]+removed from case $C by dir: "
check_out "  and police's retraction" "police[[:space:]]+retraction.applied[[:space:]]+police[[:space:]]+[01] of 1 fields deleted in case $C "
check "  which together deleted the two fields it held (police's and youth work's)" \
	test "$(deleted housing "$C")" = 2
check_exit "removing housing again is refused" 1 wn dir case remove "$C" housing
check_out "  not a member" "housing is not a member of case $C"
check "a removed member can be invited again" wn dir case invite "$C" youth
check "youth work learns it" wait_for 30 member_of youth "$C"
check "delivered" wait_for 60 drained
# refused_none NODE: NODE's audit holds no peer.refused; else it shows them
refused_none() {
	count_is 0 audit_count "$1" peer.refused && return 0
	wn "$1" audit show --limit 10000 | grep 'peer\.refused' | tail -8
	return 1
}
for n in dir police housing muni; do
	check "$n refused nothing" refused_none $n
done
check "youth work refused only muni's two forged CASEs" \
	test "$(wn youth audit show --limit 2000 | grep peer.refused | grep -c "^.*muni[[:space:]]\+peer.refused.*case $C")" = 2
check "  and nothing else" test "$(wn youth audit show --limit 2000 | grep -c peer.refused)" = 2

# --- filters that name nothing known here
check_exit "data list for a case that does not exist" 1 wn dir data list --case NOSUCH
check_out "  says so" "no case 'NOSUCH'"
check_exit "  also with --json" 1 wn dir --json data list --case NOSUCH
check_out "  with the error in the reply" '"status":11,.*no case'
check_exit "data list for a case muni was never told of" 1 wn muni data list --case "$C"
check_exit "data list for a known case with nothing received" 0 wn police data list --case "$M"
check_exit "record list for a subject nothing here names" 1 wn dir record list --subject S-nobody
check_out "  says so" "S-nobody"
check_exit "consent list for a subject nothing here names" 1 wn dir consent list --subject S-nobody
check_out "  says so" "nothing here about 'S-nobody'"
check_exit "  also with --json" 1 wn dir --json consent list --subject S-nobody
check_exit "consent list for a known subject without consents" 0 wn police consent list --subject $S
check_exit "record list for a subject with records" 0 wn police record list --subject $S
check_out "  lists them" 'MK-police-signals'
check_exit "case show for a case that does not exist" 1 wn dir case show NOSUCH
check_out "  says so" "no case 'NOSUCH'"
check_exit "case request for a case that does not exist" 1 wn dir case request NOSUCH --categories signals
check_exit "case invite into a case that does not exist" 1 wn dir case invite NOSUCH police
check_exit "case remove from a case that does not exist" 1 wn dir case remove NOSUCH police
check_exit "case invite of an organisation that is not a peer" 1 wn dir case invite "$C" nosuch
check_exit "share show of a share that does not exist" 1 wn police share show 999
check_out "  says so" "no share '999'"
check_exit "share approve of a share that does not exist" 1 wn police share approve 999
check_exit "share deny of a share that does not exist" 1 wn police share deny 999 --reason x
check_exit "the director's audit" 0 wn dir audit show --limit 50
check_out "  records the failed lookups" "control.data.list.*failed: no case 'NOSUCH'"
wn_done
