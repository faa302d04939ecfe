#!/usr/bin/env bash
# test_restore_unchecked.sh - a node restored from a backup (wijknetd
# restore) whose checker is away at its first start, started with
# --accept-unchecked, serves (review s8 L3):
#  - its messages reach its peers: restore moved its sequence numbers past
#    those its original used after the backup (by 2^30), so the director
#    applies them, refusing none as replays, and takes the gap for what it
#    is, not for an accepted rollback (2^31 or more: chain.rollback_closed);
#  - it sends no chain head while it serves unchecked: the copy writes more
#    audit records than its original did after the backup, and a head of
#    it would replace the one the director holds of the original, so that
#    its next start would pass. The director keeps the original's head, and
#    the copy's next start (the director answering) is refused;
#  - what it misses is counted from the backup's last record, not from its
#    own chain (which is past the head the director holds): "behind by N
#    audit records", never "history was rewritten", in the refusal and,
#    once accepted, in status.
. "$(dirname "$0")/lib.sh"
# a starting node waits 60 s (not 3) for its checker's answer; started
# with_flush, a stopping node tries 60 s to hand its chain head to it
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
B="$WN_T/police.bak"
backup() { "$WIJKNETD" backup --data "$WN_T/police" --out "$B" --passphrase-file "$WN_T/police.pass"; }
restore() { "$WIJKNETD" restore --from "$B" --data "$WN_T/police" --passphrase-file "$WN_T/police.pass"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { local v; v=$(peer_field "$1" "$2" chain_head); test "${v:-0}" -ge "$3"; }
received() { wn "$1" --json peer received "$2" | json_field count; }
received_is() { test "$(received "$1" "$2")" = "$3"; }
# grep_count NODE PATTERN: records of NODE's audit log matching
grep_count() {
	local out
	out=$(wn "$1" audit show --limit 5000) || return 1
	printf '%s\n' "$out" | grep -Ec -- "$2"
	return 0
}

check "a federation" with_flush federation dir police
check "police sends dir 5 messages" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 120 received_is dir police 5
before=$(peer_field dir police received_seq)
check "a backup of police" backup
check "police sends dir 20 more after the backup" wn police peer send dir --count 20 --size 16
check "  dir applies them" wait_for 120 received_is dir police 25
orig=$(peer_field dir police received_seq)
last=$(audit_seq police)
check "police stops, handing dir its head" node_stop police
check "dir holds police's head $last" wait_for 120 head_at dir police "$last"
held=$(peer_field dir police chain_head)
check "dir stops" node_stop dir

mv "$WN_T/police" "$WN_T/police.orig"
check "the backup restores in police's place" restore
base=$(sed -n 's/^audit chain: \([0-9]*\) records.*/\1/p' "$WN_T/out")
check "  ending before the head dir holds ($base < $held)" test "${base:-0}" -gt 0 -a "${base:-0}" -lt "$held"
check "the copy starts unchecked (dir is away, the operator says serve)" \
	with_flush node_start police --accept-unchecked "dir is away for maintenance"
check "  saying its chain heads wait" grep -q "a restored copy serving unchecked: its chain heads are not sent" "$WN_T/police.log"
# the copy writes more than its original did after the backup
for i in $(seq 1 $((held - base + 5))); do wn police status >/dev/null; done
check "the copy's chain is past the head dir holds" test "$(audit_seq police)" -gt "$held"
check "dir starts" node_start dir
check "the copy sends dir 5 messages" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 120 received_is dir police 30
seq=$(peer_field dir police received_seq)
check "  under numbers past the original's, by the restore's gap 2^30 ($seq)" \
	test "${seq:-0}" -gt $((before + 1073741824)) -a "${seq:-0}" -lt $((orig + 2147483648))
check "dir refused none of them as replays" count_is 0 grep_count dir 'reuses sequence numbers|replay'
check "  nor took the gap for an accepted rollback" count_is 0 grep_count dir 'chain\.rollback_closed'
check "the copy stops" node_stop police
# all it sent is applied (a head sent as it stopped too), so that dir's
# head is the one a next start meets
sent=$(echo "SELECT next_seq - 1 FROM peers WHERE org_id = 'dir';" | node_sql police | tail -1)
check "dir applied all the copy sent it ($sent)" wait_for 120 field_is dir police received_seq "$sent"
check "dir still holds the original's head $held" test "$(peer_field dir police chain_head)" = "$held"

# its next start, dir answering: behind, by what the original wrote
missing=$((held - base))
: >"$WN_T/police.log"
check_exit "the copy's next start is refused (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "  saying it is behind by $missing audit records" grep -q "behind by $missing audit records since 20" "$WN_T/police.log"
check "  not that history was rewritten" bash -c "! grep -q 'history was rewritten' '$WN_T/police.log'"
check "the copy starts once the rollback is accepted" node_start police --accept-rollback "restored from backup (test)"
check "  status says what it misses" out_has "misses $missing audit records since 20" wn police status
behind_json() { wn police --json status | json_field rollback_missing_records; }
check "  in --json too" count_is "$missing" behind_json
check "the copy sends dir 5 more" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 120 received_is dir police 35
check "  and sees the rollback accepted now" count_is 1 grep_count dir 'chain\.rollback_closed'
check "dir refused none of the copy's messages" count_is 0 grep_count dir 'reuses sequence numbers|replay'
wn_done
