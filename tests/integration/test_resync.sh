#!/usr/bin/env bash
# test_resync.sh - after a restore, the peers send again what took data
# away since the backup (PROTOCOL.md, "After a restore"; review s8 M4):
#  - youth discloses a field to police and the director under a legal
#    basis in one case, and another in a second case; police is backed
#    up; youth withdraws the basis and police deletes the field
#    (acknowledged); the director closes the first case and removes
#    police from the second, which forgets its field. Police is restored
#    from the backup (the copy holds both fields again) and started with
#    --accept-rollback: it asks its peers (resync.asked), youth sends its
#    retractions again and the director the second case without police
#    and the first one's steps (resync.answered): the copy deletes both
#    fields again, is no member of the second case and holds the first
#    one closed;
#  - the director is backed up; then police withdraws a concern that
#    matched the director's own and registers another one that matches a
#    second of the director's. The director is restored from the backup
#    (it holds the old match, not the new one) and started with
#    --accept-rollback: police tells it its concerns again and the
#    director's matches are police's as they are now;
#  - a restored copy that starts receive-only (its checkers away) asks
#    once a checker answers and the rollback it shows is accepted, under
#    the sequence numbers its peers take: the retraction comes again.
. "$(dirname "$0")/lib.sh"
# a starting node waits 60 s (not 3) for its checkers' answers; started
# with_flush, a stopping node tries 60 s to hand its chain head to them
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
S=S-resync-q
S2=S-resync-w
MARK="MK-RESYNC-$RANDOM$RANDOM"
MARK2="MK-RESYNC2-$RANDOM$RANDOM"
BASIS="art. 458ter Sw."
backup() { "$WIJKNETD" backup --data "$WN_T/$1" --out "$WN_T/$1.bak" --passphrase-file "$WN_T/$1.pass"; }
restore() { "$WIJKNETD" restore --from "$WN_T/$1.bak" --data "$WN_T/$2" --passphrase-file "$WN_T/$1.pass"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { test "$(peer_field "$1" "$2" chain_head)" -ge "$3"; }
# values NODE: the police information values NODE received, one a line
values() {
	local out
	out=$(wn "$1" --json data list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
print("\n".join(sorted(r["value"] for r in json.load(sys.stdin)["rows"] if r["category"] == "police")))'
}
values_are() { local v; v=$(values "$1") || return 1; test "$v" = "$2"; }
drained() { test "$(peer_field "$1" "$2" queued)" = 0; }
# member_of NODE CASE: NODE holds itself a current member of CASE
member_of() {
	local out
	out=$(wn "$1" --json case list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
sys.exit(0 if any(r["case_id"] == sys.argv[1] and r["member"] for r in json.load(sys.stdin)["rows"]) else 1)' "$2"
}
not_member_of() { wn "$1" --json case list >/dev/null && ! member_of "$1" "$2"; }
# closed NODE CASE: NODE holds CASE closed
closed() { local v; v=$(wn "$1" --json case show "$2" | json_field closed_ms) || return 1; test "${v:-0}" -gt 0; }

check "a federation of a director, police and youth" with_flush federation dir police:police youth:youth_work
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 120 acked_all

# --- part 1: a retraction police applied after its backup
has_share() { wn youth --json share list | grep -q "\"id\":$1,"; }
k=0
for subj in $S $S2; do
	k=$((k + 1))
	val=$MARK; [ $k = 2 ] && val=$MARK2
	check "youth records police information about $subj" wn youth record --subject $subj --category police --field note --value "$val"
	check "youth records a legal basis for it" wn youth consent basis --subject $subj --category police --basis "$BASIS"
	c=$(wn dir --json case open --type situation --subject $subj --purpose "end the nuisance at the station" \
		--ground consent | json_field case_id)
	check "the director opens a situation case on $subj" test -n "$c"
	for m in police youth; do check "it invites $m" wn dir case invite "$c" $m; done
	for m in police youth; do check "$m knows it is a member" wait_for 120 member_of $m "$c"; done
	check "the director asks for police information" wn dir case request "$c" --categories police
	check "youth gets the request" wait_for 120 has_share $k
	check "youth approves it" wn youth share approve $k
	[ $k = 1 ] && C=$c || C2=$c
done
check "police receives both fields" wait_for 120 values_are police "$MARK
$MARK2"
check "the director too" wait_for 120 values_are dir "$MARK
$MARK2"

check "police is backed up" backup police
check "youth withdraws the legal basis about $S" out_has "retracted" wn youth consent withdraw --subject $S --category police --basis "$BASIS"
check "the director removes police from the second case" wn dir case remove "$C2" police
echo "the matter is resolved" >"$WN_T/why"
check "the director closes the first case" wn dir case close "$C" --outcome resolved --why-file "$WN_T/why"
check "police deletes both fields" wait_for 120 values_are police ""
acks() { test "$(audit_count youth retraction.acknowledged police)" -ge 2; }
check "  and acknowledges both retractions to youth" wait_for 120 acks
check "police is no member of the second case" wait_for 120 not_member_of police "$C2"
check "police holds the first case closed" wait_for 120 closed police "$C"
check "the director's queue to police drains" wait_for 120 drained dir police

was=$(audit_seq police)
check "police stops, handing its head to the director" node_stop police
check "the director holds police's last head" wait_for 120 head_at dir police "$was"
check "police's backup restores into a new folder" restore police copy
plain_copy() { "$TOP/$BUILD/tests/tools/keydump" "$WN_T/copy/node.key" "$WN_T/police.pass" | sed -n 3p | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" "$WN_T/copy/node.db"; }
plain_has() { plain_copy | grep -aq "$1"; }
check "  whose store holds both fields again" plain_has "$MARK"
check "  ..." plain_has "$MARK2"
check "the copy starts once the rollback is accepted" node_start copy --accept-rollback "restored from backup (test)"
check "  it asks its peers to send again what took data away" out_has "resync.asked.*2 peers asked" wn copy audit show --limit 100
answered() { test "$(audit_count "$1" resync.answered police)" = 1; }
check "youth answers" wait_for 120 answered youth
check "  sending its two retractions again (one per case)" out_has "resync.answered.*sent again: 2 retractions, 0 removals from cases, 0 closed cases, 0 concerns" wn youth audit show --limit 100
check "the director answers" wait_for 120 answered dir
check "  sending the removal and the closed case again" out_has "resync.answered.*sent again: 0 retractions, 1 removals from cases, 1 closed cases, 0 concerns" wn dir audit show --limit 100
check "the copy deletes both fields again" wait_for 120 values_are copy ""
check "  its audit says why" out_has "retraction.applied.*1 of 1 fields deleted.*sent again: the recipient's store went back" wn copy audit show --limit 100
check "the copy is no member of the second case" wait_for 120 not_member_of copy "$C2"
check "the copy holds the first case closed" wait_for 120 closed copy "$C"
check "youth's queue to it drains" wait_for 120 drained youth police
check "the director holds nothing of the first case's field" wait_for 120 values_are dir "$MARK2"

# --- part 2: concerns the director lost with its restore
TA=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
TB=b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
LONG=$(date -u -d "+300 days" +%F)
for t in "$TA" "$TB"; do
	check "the director registers its own concern on ${t:0:2}..." wn dir concern add --token "$t" --contact "Wijkteam, 014 21 00 00" --until "$LONG"
done
check "police registers a concern on the first" wn copy concern add --token "$TA" --contact "Inspecteur Jan Peeters, 014 21 33 90" --until "$LONG"
first_held() { out_has "police, concern 1 since" wn dir concern held; }
check "the director holds the match" wait_for 120 first_held
check "the director is backed up" backup dir
check "police withdraws its concern" wn copy concern withdraw 1
check "police registers a concern on the second person" wn copy concern add --token "$TB" --contact "Inspecteur Jan Peeters, 014 21 33 90" --until "$LONG"
now_held() { out_has "police, concern 2 since" wn dir concern held && out_lacks "police, concern 1 since" wn dir concern held; }
check "the director holds police's concern 2, not 1" wait_for 120 now_held
check "police's queue to the director drains" wait_for 120 drained copy dir
dwas=$(audit_seq dir)
check "the director stops, handing its head to its members" node_stop dir
check "police holds the director's last head" wait_for 120 head_at copy dir "$dwas"
check "the director's backup restores into a new folder" restore dir dcopy
check "the restored director starts once the rollback is accepted" node_start dcopy --accept-rollback "restored from backup (test)"
check "  it asks its peers" out_has "resync.asked.*2 peers asked" wn dcopy audit show --limit 100
panswered() { test "$(audit_count copy resync.answered dir)" = 1; }
check "police answers" wait_for 120 panswered
check "  telling its concerns again" out_has "resync.answered.*sent again: 0 retractions, 0 removals from cases, 0 closed cases, 2 concerns" wn copy audit show --limit 100
check "the restored director holds police's concern 2, not 1" wait_for 120 out_has "police, concern 2 since" wn dcopy concern held
check "  nor any other match of police's" out_lacks "police, concern 1 since" wn dcopy concern held
# youth's retraction to the director was acknowledged less than the
# clocks' window (10 minutes) before this backup: it is sent again too
check "youth answers the director with no concerns: it has none" wait_for 120 out_has "resync.answered.*dir's store went back.*sent again: 1 retractions, 0 removals from cases, 0 closed cases, 0 concerns" wn youth audit show --limit 200

# --- part 3: restored while its checkers are away: receive-only first
S3=S-resync-z
MARK3="MK-RESYNC3-$RANDOM$RANDOM"
check "youth records police information about $S3" wn youth record --subject $S3 --category police --field note --value "$MARK3"
check "youth records a legal basis for it" wn youth consent basis --subject $S3 --category police --basis "$BASIS"
C3=$(wn dcopy --json case open --type situation --subject $S3 --purpose "end the nuisance at the park" \
	--ground consent | json_field case_id)
check "the director opens a third case" test -n "$C3"
for m in police youth; do check "it invites $m" wn dcopy case invite "$C3" $m; done
for m in copy youth; do check "$m knows it is a member" wait_for 120 member_of $m "$C3"; done
check "the director asks for police information" wn dcopy case request "$C3" --categories police
check "youth gets the request" wait_for 120 has_share 3
check "youth approves it" wn youth share approve 3
check "police receives the field" wait_for 120 values_are copy "$MARK3"
backup_copy() { "$WIJKNETD" backup --data "$WN_T/copy" --out "$WN_T/copy.bak" --passphrase-file "$WN_T/police.pass"; }
check "police is backed up again" backup_copy
check "youth withdraws the legal basis about $S3" out_has "retracted" wn youth consent withdraw --subject $S3 --category police --basis "$BASIS"
check "police deletes the field" wait_for 120 values_are copy ""
acks3() { test "$(audit_count youth retraction.acknowledged police)" -ge 3; }
check "  and acknowledges it" wait_for 120 acks3
pwas=$(audit_seq copy)
check "police stops, handing its head to the director" node_stop copy
check "the director holds police's last head" wait_for 120 head_at dcopy police "$pwas"
for m in dcopy youth; do check "  $m stops" node_stop $m; done
restore3() { "$WIJKNETD" restore --from "$WN_T/copy.bak" --data "$WN_T/copy3" --passphrase-file "$WN_T/police.pass"; }
check "police's second backup restores into a new folder" restore3
check "it starts while its checkers are away, the rollback accepted in advance" node_start copy3 --accept-rollback "restored from backup (test)"
ro() { wn "$1" --json status | json_field receive_only; }
check "  receive-only" count_is True ro copy3
# the copy's audit log in the backup holds the request of its own first
# start (part 1): one record
check "  it has not asked its peers yet" count_is 1 audit_count copy3 resync.asked
for m in youth dcopy; do check "$m starts" node_start $m; done
check "the copy accepts the rollback its checkers show and sends again" wait_for 120 count_is False ro copy3
asked3() { test "$(audit_count copy3 resync.asked)" = 2; }
check "  it asks its peers now" wait_for 120 asked3
check "youth sends the retraction again and the copy deletes the field" wait_for 120 values_are copy3 ""
wn_done
