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
check "the director publishes the Neteland matrix" wn dir matrix publish "$TOP/config/neteland.matrix"
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

wn_done
