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
#   - a filter that names no case, subject or share is an error (exit 1)
. "$(dirname "$0")/lib.sh"
S=S-membership-v

check "a federation of a director and three members" federation dir police:police youth:youth_work housing:housing
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
join_directing() {
	node_init_member muni "$dkey" municipality >/dev/null &&
		node_start muni &&
		wn muni peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)" >/dev/null &&
		wn dir peer add "$WN_T/muni.bundle" --fingerprint "$(bundle muni)" --directs >/dev/null
}
check "a second municipality joins, enrolled to direct cases" join_directing
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

# --- membership changes that change nothing are refused
check_exit "inviting a member again is refused" 1 wn dir case invite "$C" police
check_out "  already a member" "police is already a member of case $C"
check_exit "removing a node that was never invited is refused" 1 wn dir case remove "$C" muni
check_out "  not a member" "muni is not a member of case $C"
check "delivered" wait_for 60 drained
check_exit "the node never invited was sent nothing about the case" 1 wn muni case show "$C"
check_out "  it does not know the case" "no case '$C'"
check_exit "muni's audit" 0 wn muni audit show --limit 2000
check "  has no case update from the director" bash -c "! grep -q 'case.updated' '$WN_T/out'"

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

# --- removing youth work: it keeps nothing of the case
check "the director removes youth work" wn dir case remove "$C" youth
check "youth work learns it" wait_for 30 not_member_of youth "$C"
gone_from() { [ "$(rows "$1" "$2")" = 0 ]; }
check "youth work no longer holds any field of the case" wait_for 30 gone_from youth "$C"
check_exit "  data list for the case still works (the case is known)" 0 wn youth data list --case "$C"
acked() { wn "$1" audit show --limit 2000 | grep -q "$2[[:space:]]\+retraction.acknowledged"; }
check "police gets youth work's signed receipt" wait_for 30 acked police youth
check_exit "police's audit" 0 wn police audit show --limit 2000
check_out "  shows the retraction it sent to youth work" 'retraction.sent[[:space:]]+youth[[:space:]]+1 fields about .* retracted from youth'
check_exit "youth work's audit" 0 wn youth audit show --limit 2000
check_out "  shows the retraction applied" 'police[[:space:]]+retraction.applied[[:space:]]+police[[:space:]]+[01] of 1 fields deleted'
check_out "  and its removal, with what it deleted" "case.removed[[:space:]]+$C[[:space:]]+removed from case $C by dir: 1 fields received for it deleted \\(police 1\\)"
check_exit "removing youth work again is refused" 1 wn dir case remove "$C" youth
check_out "  not a member" "youth is not a member of case $C"
check "housing still holds youth work's signal (youth work's own disclosure stands)" holds housing MK-youth-signals

# --- removing housing, whose copy came from police (a member) and from
# youth work (removed before, so never told): it deletes both
check "the director removes housing" wn dir case remove "$C" housing
check "housing learns it" wait_for 30 not_member_of housing "$C"
check "housing no longer holds any field of the case" wait_for 30 gone_from housing "$C"
check "  nor police's signal" bash -c "! '$WIJKNET' -d '$WN_T/housing' --json data list | grep -q MK-police-signals"
check "  nor youth work's" bash -c "! '$WIJKNET' -d '$WN_T/housing' --json data list | grep -q MK-youth-signals"
check "police gets housing's signed receipt" wait_for 30 acked police housing
check_exit "housing's audit" 0 wn housing audit show --limit 2000
check_out "  shows its removal, with what it deleted from whom" "case.removed[[:space:]]+$C[[:space:]]+removed from case $C by dir: 2 fields received for it deleted \\(police 1, youth 1\\)"
check_out "  and police's retraction" 'police[[:space:]]+retraction.applied'
check_exit "removing housing again is refused" 1 wn dir case remove "$C" housing
check_out "  not a member" "housing is not a member of case $C"
check "a removed member can be invited again" wn dir case invite "$C" youth
check "youth work learns it" wait_for 30 member_of youth "$C"
check "delivered" wait_for 60 drained
for n in dir police youth housing muni; do
	check "$n refused nothing" bash -c "! '$WIJKNET' -d '$WN_T/$n' audit show --limit 2000 | grep -q peer.refused"
done

# --- filters that name nothing known here
check_exit "data list for a case that does not exist" 1 wn dir data list --case NOSUCH
check_out "  says so" "no case 'NOSUCH'"
check_exit "  also with --json" 1 wn dir --json data list --case NOSUCH
check_out "  with the error in the reply" '"status":11,.*no case'
check_exit "data list for a case muni was never told of" 1 wn muni data list --case "$C"
check_exit "data list for a known case with nothing received" 0 wn police data list --case "$M"
check_exit "record list for a subject nothing here names" 1 wn dir record list --subject S-nobody
check_out "  says so" "S-nobody"
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
