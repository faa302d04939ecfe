#!/usr/bin/env bash
# test_copies.sh - keeping copies true. Police shares a field (signals) in a
# situation case with the director, youth work and housing; then:
#  (a) the director (edit rights) amends it with `data amend`: police's
#      field takes the new value, and every member that held the old one,
#      the other members and the director itself, gets the new value;
#  (b) police corrects its own field (`record correct`): every copy
#      follows again; a field that was never shared has no copy to update;
#  (r) the director publishes a matrix that gives housing nothing of
#      signals: police's next correction updates the director and youth
#      work, and retracts housing's copy rather than updating it (housing
#      deletes it and sends a receipt);
#  (c) the director closes the case: police's next correction reaches
#      nobody (the copies keep the value they had), and `data amend` is
#      refused.
# Each copy updated, retracted or held is audited at the owner; each copy
# replaced at the member that holds it.
. "$(dirname "$0")/lib.sh"
S=S-copies-kees

check "a federation of four nodes" federation dir police:police youth:youth_work housing:housing
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { [ "$(wn dir --json matrix show | grep -o "\"acked_version\":$1,\"current\":true" | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked 1

fid=$(wn police --json record --subject $S --category signals --field note --value "MC-v1" | json_field field_id)
check "police records a signal about the subject" test -n "$fid"
other=$(wn police --json record --subject $S --category family --field note --value "MC-family-v1" | json_field field_id)
check "and a family note it will not share" test -n "$other"

C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance at the park" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police youth housing; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police youth housing; do check "$m knows it is a member" wait_for 60 is_member $m; done
check "the director asks for signals" wn dir case request "$C" --categories signals
has_share() { wn "$1" --json share list | grep -q "\"id\":$2,"; }
check "police gets the request" wait_for 60 has_share police 1
check "police approves" wn police share approve 1

# value_at NODE: the value of police's field as NODE holds it ("" for none)
value_at() { wn "$1" --json data list --case "$C" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["from"] == "police" and r["field_id"] == int(sys.argv[1]): print(r["value"])' "$fid"; }
holds() { count_is "$2" value_at "$1"; }
for m in dir youth housing; do check "$m holds police's signal: MC-v1" wait_for 60 holds $m MC-v1; done
own_value() { wn police --json record list --subject $S | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["field_id"] == int(sys.argv[1]): print(r["value"])' "$1"; }

# --- (a) an amendment by a member with edit rights reaches every copy
check "youth work (view) may not amend it" bash -c "! '$WIJKNET' -d '$WN_T/youth' data amend --case '$C' --from police --field $fid --value MC-youth >/dev/null 2>&1"
check "the director (edit) amends it" wn dir data amend --case "$C" --from police --field "$fid" --value "MC-v2"
check "police's own field holds the amendment" wait_for 60 count_is MC-v2 own_value "$fid"
for m in youth housing; do check "(a) $m, another member, gets the amended value" wait_for 60 holds $m MC-v2; done
check "(a) the director's own copy holds it too" wait_for 60 holds dir MC-v2
check "police's audit: three copies updated, changed by dir" count_is 3 audit_count police copy.updated dir
check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  names the field, the recipient and the case, not the value" \
	"copy.updated.*field $fid \(signals\) about $S changed by dir: new value sent to youth; case $C"
check "  and never the value" out_lacks 'MC-v' wn police audit show --limit 500
updated_at() { count_is "$2" audit_count "$1" copy.updated police; }
for m in youth housing dir; do check "$m's audit records its copy replaced" wait_for 60 updated_at $m 1; done

# --- (b) the owner's own correction
check_exit "record correct needs a field id" 2 wn police record correct --field abc --value x
check_exit "correcting a field this node does not have" 1 wn police record correct --field 99999 --value x
check_out "  says so" 'no field 99999 on this node'
check_exit "police corrects its signal" 0 wn police --json record correct --field "$fid" --value "MC-v3"
check_out "  three copies updated" '"copies_updated":3,"copies_retracted":0'
for m in dir youth housing; do check "(b) $m gets the corrected value" wait_for 60 holds $m MC-v3; done
check_exit "police corrects the family note, never shared" 0 wn police --json record correct --field "$other" --value "MC-family-v2"
check_out "  no copy to update" '"copies_updated":0,"copies_retracted":0'
check "  police holds the correction" count_is MC-family-v2 own_value "$other"
check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  records the correction by reference" "record.correct.*field $fid about $S \(signals\) corrected; 3 copies updated, 0 retracted"
for m in youth housing dir; do check "$m's audit records a second copy replaced" wait_for 60 updated_at $m 2; done

# --- (r) the matrix no longer lets housing hold signals: retracted, not updated
sed '/^\[situation\]$/,/^\[/ s/^signals = \(.*\) housing:view/signals = \1/' "$WN_T/dir.matrix" >"$WN_T/dir2.matrix"
check "the new matrix gives housing nothing of signals in situations" \
	bash -c "diff '$WN_T/dir.matrix' '$WN_T/dir2.matrix' | grep -q '^< signals = .*housing:view'"
check "the director publishes it" wn dir matrix publish "$WN_T/dir2.matrix"
check "every member applies it" wait_for 60 acked 2
check_exit "police corrects its signal again" 0 wn police --json record correct --field "$fid" --value "MC-v4"
check_out "  two copies updated, one retracted" '"copies_updated":2,"copies_retracted":1'
for m in dir youth; do check "(r) $m gets the corrected value" wait_for 60 holds $m MC-v4; done
check "(r) housing's copy is deleted, not updated" wait_for 60 holds housing ""
check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  says why housing's copy was retracted" \
	"copy.retracted.*field $fid \(signals\) about $S changed by admin: copy retracted from housing, not updated \(the matrix now gives its role none\); case $C"
receipt() { wn police audit show --limit 500 | grep -q 'retraction.acknowledged.*1 of 1 fields acknowledged as deleted'; }
check "  and gets housing's receipt" wait_for 60 receipt
check_exit "housing's audit" 0 wn housing audit show --limit 500
check_out "  records the deletion and why" 'retraction.applied.*1 of 1 fields deleted in case .*field changed; no longer shared: the matrix now gives its role none'
check "a fourth correction does not go to housing again" wn police record correct --field "$fid" --value "MC-v4b"
for m in dir youth; do check "  $m gets it" wait_for 60 holds $m MC-v4b; done
check "  housing holds nothing of it" holds housing ""
check "  one retraction only in police's audit" count_is 1 audit_count police copy.retracted

# --- (c) a closed case stops all sharing for it
printf 'the nuisance is gone\n' >"$WN_T/why"
check "the director closes the case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
closed_at() { wn "$1" --json case show "$C" | grep -q '"stage":"closed"'; }
for m in police youth; do check "$m learns it is closed" wait_for 60 closed_at $m; done
check_exit "the director's amendment is refused now" 1 wn dir data amend --case "$C" --from police --field "$fid" --value "MC-after-close"
check_out "  the case is closed" 'is closed'
received_before=$(audit_count youth disclosure.received)
check_exit "police corrects its signal after the close" 0 wn police --json record correct --field "$fid" --value "MC-v5"
check_out "  no copy is updated or retracted" '"copies_updated":0,"copies_retracted":0'
check "  police holds the correction itself" count_is MC-v5 own_value "$fid"
drained() { local n; for n in dir police youth housing; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything queued is delivered" wait_for 60 drained
for m in dir youth; do check "(c) $m keeps the value it had: MC-v4b" holds $m MC-v4b; done
check "(c) youth work received no disclosure after the close" count_is "$received_before" audit_count youth disclosure.received
check "police's audit: both copies held, the case being closed" count_is 2 audit_count police copy.held
check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  says why" "copy.held.*youth's copy not updated: case $C is closed"

for n in dir police youth housing; do
	check "no value in $n's log" out_lacks '(^|[^A-Z0-9])MC-(v|after|family|youth)' cat "$WN_T/$n.log"
done
wn_done
