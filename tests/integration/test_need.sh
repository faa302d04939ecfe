#!/usr/bin/env bash
# test_need.sh - the canary test of need to know. Every node fills every
# category with unique markers; a full case runs (matrix, open, invite,
# request, approve, partial approve, deny, consent withdrawal with
# retraction, member removal, consent expiry); then every node's store is
# decrypted and searched: each marker is found exactly where the matrix,
# membership, consent and the decisions allowed it, and nowhere else.
# Plus: a receiver refuses a field it should not have got, and audits it.
# every node captures the transfers it sends and receives (searched below)
WN_CAPTURE=1
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
S=S-jonas-v

check "a federation of five nodes" federation dir police:police youth:youth_work housing:housing guards:community_guards
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { wn dir --json matrix show | grep -q '"acked_version":1,"current":true' &&
	[ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 4 ]; }
check "every member applies it" wait_for 30 acked_all

CATS="identity contact signals police care housing income_debts family"
unrecorded=""
for n in dir police youth housing guards; do
	for k in $CATS; do
		wn $n record --subject $S --category $k --field note --value "MK-$n-$k" >/dev/null ||
			unrecorded+=" MK-$n-$k"
	done
	# a marker of another subject, in no case: it never leaves its node
	wn $n record --subject S-someone-else --category signals --field note --value "MK-$n-other" >/dev/null ||
		unrecorded+=" MK-$n-other"
done
if [ -z "$unrecorded" ]; then ok "every node records a marker in every category, and one of another subject"
else not_ok "every node records a marker in every category, and one of another subject"; echo "    not recorded:$unrecorded"; fi
check "police records the legal basis for police information" \
	wn police consent basis --subject $S --category police --basis "art. 458ter Sw."
check "housing records the legal basis for police information too" \
	wn housing consent basis --subject $S --category police --basis "art. 458ter Sw."
check "police records consent for care" \
	wn police consent give --subject $S --category care --by "the subject, in person"

C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance at the station square" \
	--ground "basis:art. 458ter Sw." | json_field case_id)
check "the director opens a situation case" test -n "$C"
check "the director assigns its admin to the case" wn dir case assign "$C" admin
for m in police youth housing; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police youth housing; do check "$m knows it is a member" wait_for 30 is_member $m; done
check "police signs the case's consultation protocol" wn police case attest "$C" --workers admin
check "housing signs it" wn housing case attest "$C" --workers admin
signed() { wn "$1" --json case list >/dev/null && wn dir audit show --limit 500 | grep -q "case.attestation.*$2 signed"; }
check "the director records police's signature" wait_for 30 signed dir police
check "and housing's" wait_for 30 signed dir housing
check "guards is not" out_lacks '"member":true' wn guards --json case list

check "the director asks for signals, police, housing, care, income_debts" \
	wn dir case request "$C" --categories signals,police,housing,care,income_debts
has_share() { wn "$1" --json share list | grep -q "\"id\":$2,"; }
for m in police youth housing; do check "$m gets a proposal" wait_for 30 has_share $m 1; done

check_exit "police: share show before youth work signed the protocol" 0 wn police share show 1
check_out "  nothing for youth work yet" 'youth[[:space:]]+nothing[[:space:]]+the member has not signed'
check "youth work signs the protocol" wn youth case attest "$C" --workers admin
youth_signed() { out_lacks 'youth[[:space:]]*nothing[[:space:]]*the member has not signed' wn police share show 1; }
check "police learns it from the director" wait_for 30 youth_signed
check_exit "the director's audit" 0 wn dir audit show --limit 500
check_out "  records the attestation with the workers" 'case.attestation.*youth signed basis:art. 458ter Sw. for case .*workers: admin'
check_exit "police: share show" 0 wn police share show 1
check_out "  youth work would learn only that police holds police information" 'police[[:space:]]+note[[:space:]]+youth[[:space:]]+existence only'
check_out "  income and debts would not leave: no consent" 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+no consent'
check_out "  housing gets no police information" 'police[[:space:]]+note[[:space:]]+housing[[:space:]]+nothing[[:space:]]+the matrix gives this role none'
check "police approves" wn police share approve 1
check "housing approves only signals and housing" wn housing share approve 1 --only signals,housing
check "youth work denies, with a reason" wn youth share deny 1 --reason "not needed for this purpose"
check_exit "a decided share cannot be decided again" 1 wn youth share approve 1

drained() { local n; for n in dir police youth housing guards; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
# data_count NODE KEY=VALUE...: how many rows of NODE's data list hold
# those values (fails when the CLI fails: never a 0 read from an error)
data_count() { local n=$1 out; shift
	out=$(wn "$n" --json data list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
want=[a.split("=",1) for a in sys.argv[1:]]
print(sum(1 for r in json.load(sys.stdin)["rows"] if all(str(r.get(k))==v for k,v in want)))' "$@"; }
got() { data_count "$1" value="$2"; }
check "the director got police's police information" count_is 1 got dir MK-police-police
check "youth work got an existence note for it" bash -c "'$WIJKNET' -d '$WN_T/youth' --json data list | grep -q '\"category\":\"police\",\"name\":\"note\",\"value\":\"(exists'"

# consent withdrawal: retraction of what it covered, with receipts
care_rows() { data_count "$1" category=care; }
care_rows_are() { count_is "$2" care_rows "$1"; }
check "youth work holds care (existence only) before withdrawal" care_rows_are youth 1
check "police withdraws the care consent" wn police consent withdraw --subject $S --category care
check "the retraction reaches youth work" wait_for 30 care_rows_are youth 0
retraction_acked() { wn police audit show --limit 500 | grep -q 'retraction.acknowledged'; }
check "police's audit shows the receipts" wait_for 30 retraction_acked
check_exit "youth work's audit" 0 wn youth audit show --limit 500
check_out "  records the retraction" 'retraction.applied'

# member removal: nothing new for the removed member
check "the director removes housing" wn dir case remove "$C" housing
not_member() { out_lacks '"member":true' wn "$1" --json case list; }
check "housing learns it" wait_for 30 not_member housing
check "police records a late signal" wn police record --subject $S --category signals --field note --value "MK-police-late"
check "a second request for signals" wn dir case request "$C" --categories signals
check "police gets it" wait_for 30 has_share police 2
check "police approves" wn police share approve 2
check "delivered" wait_for 60 drained

# consent expiry stops disclosure at once
# (a few seconds ahead; a machine too busy to record it before then tries
# again further ahead, so the test never races the clock)
short_consent() { local until
	for consent_s in 3 10 30 90; do
		until=$(date -u -d "+$consent_s seconds" +%Y-%m-%dT%H:%M:%SZ)
		wn police consent give --subject $S --category income_debts --by "the subject" \
			--until "$until" >"$WN_T/consent" 2>&1 && return 0
		grep -q 'is in the past' "$WN_T/consent" || break
	done
	cat "$WN_T/consent"; return 1; }
check "police records consent for income and debts that ends in seconds" short_consent
check "a third request, for income and debts" wn dir case request "$C" --categories income_debts
check "police gets it" wait_for 30 has_share police 3
expired() { wn police share show 3 | grep -q 'income_debts.*dir.*consent expired'; }
check "once the consent expires, share show says so" wait_for $((consent_s + 30)) expired
check_exit "approving now" 0 wn police --json share approve 3
check_out "  sends nothing" '"fields_sent":0'
check "delivered" wait_for 60 drained

# edit rights: the municipality may amend police's signal, youth work not
fid=$(wn dir --json data list --case "$C" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["from"]=="police" and r["value"]=="MK-police-signals": print(r["field_id"])')
check "the director finds police's signal" test -n "$fid"
check_exit "youth work (view) may not amend it" 1 wn youth data amend --case "$C" --from police --field "$fid" --value "AMENDED-by-youth"
check_out "  the matrix says so" 'does not give this node.s role edit rights on signals'
check "the director (edit) amends it" wn dir data amend --case "$C" --from police --field "$fid" --value "AMENDED-by-dir"
amended() { wn police record list --subject $S | grep -q 'AMENDED-by-dir'; }
check "police's own field now holds the amendment" wait_for 30 amended
check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  records who amended it" 'field.amended.*amended by dir'
# the copies follow: the director and youth work (view) now hold the
# amendment, not the value police first shared (test_copies.sh)
copy_amended() { count_is 1 got "$1" AMENDED-by-dir; }
for n in dir youth; do check "$n's copy of it now holds the amendment" wait_for 30 copy_amended $n; done

# nothing that the sender's filters should have stopped reached anyone:
# no receiver had anything to refuse
for n in dir police youth housing guards; do
	check "$n refused nothing (the senders' filters held)" count_is 0 audit_count $n peer.refused
done

# a message the receiver cannot apply yet is deferred, not lost: under
# another matrix version it waits, and the same sequence number is applied
# once the versions agree
yseq=$(expected_seq youth police)
bundle youth >/dev/null
WNPOKE_SEQ=$yseq WNPOKE_MV=2 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/youth.bundle" \
	disclose "$C" $S 2 "POKE-deferred" >"$WN_T/out" 2>&1
check_out "a disclosure under a matrix version youth work does not hold is deferred" \
	'^refused: 13 disclosure under matrix version 2'
check "  and not applied" count_is 0 got youth POKE-deferred
WNPOKE_SEQ=$yseq WNPOKE_MV=1 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/youth.bundle" \
	disclose "$C" $S 2 "POKE-deferred" >"$WN_T/out" 2>&1
check_out "sent again under the same sequence number, it is accepted" '^RECEIPT accepted=1 refused=0'
check "  and applied" count_is 1 got youth POKE-deferred

# a field the receiver should not get: refused and audited
yseq=$(expected_seq youth police)
WNPOKE_SEQ=$yseq WNPOKE_MV=1 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/youth.bundle" \
	disclose "$C" $S 3 "MK-forbidden" >"$WN_T/out" 2>&1
check_out "youth work refuses police information it may only know exists" \
	'^refused: 5 field 999999 \(police\) should not have come here'
check_exit "youth work's audit" 0 wn youth audit show --limit 500
check_out "  has the refusal" 'peer.refused.*should not have come here'

# snooping: a user who opens many dossiers outside their cases raises an
# alert for the administrator (dir's admin works on the case from its
# opening on, so what it opened of it counts for nothing here)
for i in 1 2 3 4 5 6 7 8 9; do wn dir record list --subject "S-someone-$i" >/dev/null; done
check "dir's audit: no alert after nine dossiers" out_lacks alert.snooping wn dir audit show --limit 50
wn dir data list --case "$C" >/dev/null
check "  opening an assigned case does not count" out_lacks alert.snooping wn dir audit show --limit 50
wn dir record list --subject "S-someone-10" >/dev/null
check_exit "dir's audit" 0 wn dir audit show --limit 50
check_out "  the tenth raises the alert" 'alert.snooping[[:space:]]+admin[[:space:]]+admin opened 10 dossiers'
check "  and the log tells the administrator" grep -q 'ALERT for the administrator' "$WN_T/dir.log"

# --- the canary search: every store, decrypted
for n in dir police youth housing guards; do check "$n stops" node_stop $n; done
dump() { echo .dump | node_sql "$1"; }
declare -A want
# (police's signal was amended: the copies hold the amendment instead)
want[dir]="MK-police-police MK-police-housing MK-police-late MK-housing-signals MK-housing-housing"
want[youth]="MK-police-late MK-housing-signals"
want[housing]=""
want[police]="MK-housing-signals MK-housing-housing"
want[guards]=""
for n in dir police youth housing guards; do
	dump $n >"$WN_T/$n.dump" 2>&1
	check "$n's store decrypts" grep -q 'CREATE TABLE' "$WN_T/$n.dump"
	found=$(grep -o 'MK-[a-z]*-[a-z_]*' "$WN_T/$n.dump" | grep -v "^MK-$n-" | sort -u | tr '\n' ' ')
	expect=$(for m in ${want[$n]}; do echo "$m"; done | sort -u | tr '\n' ' ')
	if [ "$found" = "$expect" ]; then ok "$n holds exactly the markers it may: ${expect:-none}"
	else not_ok "$n holds exactly the markers it may: ${expect:-none}"; echo "    it holds: ${found:-none}"; fi
	# (police's signal was amended by dir: it holds the amendment instead)
	own=$(grep -o "MK-$n-[a-z_]*" "$WN_T/$n.dump" | sort -u | tr '\n' ' ')
	expect=$(for m in $CATS other late; do echo "MK-$n-$m"; done |
		if [ $n = police ]; then grep -v '^MK-police-signals$'; else grep -v -- '-late$'; fi |
		sort -u | tr '\n' ' ')
	if [ "$own" = "$expect" ]; then ok "$n's own markers are all there"
	else not_ok "$n's own markers are all there"; echo "    it holds: ${own:-none}; want: $expect"; fi
	# the markers of another subject, in no case, stay where they were made
	others=$(grep -o 'MK-[a-z]*-other' "$WN_T/$n.dump" | grep -v "^MK-$n-other$" | sort -u | tr '\n' ' ')
	if [ -z "$others" ]; then ok "$n holds no other node's marker of another subject"
	else not_ok "$n holds no other node's marker of another subject"; echo "    it holds: $others"; fi
done
for n in dir police youth housing guards; do
	check "no marker in $n's log" bash -c "test -s '$WN_T/$n.log' && ! grep -Eq 'MK-(dir|police|youth|housing|guards)-' '$WN_T/$n.log'"
done
# every byte that crossed the wire (each node captured what it sent and
# received on its peer socket): signed and encrypted, so no marker shows
cat "$WN_T"/*.wire >"$WN_T/all.wire"
check "the wire capture holds the whole case ($(stat -c %s "$WN_T/all.wire") bytes)" \
	test "$(stat -c %s "$WN_T/all.wire")" -gt 10000
check "no marker crossed the wire in the clear" bash -c "! grep -aEq 'MK-(dir|police|youth|housing|guards)-' '$WN_T/all.wire'"
check "nor a subject reference" bash -c "! grep -aq '$S' '$WN_T/all.wire'"
wn_done
