#!/usr/bin/env bash
# test_rollback_history.sh - what README "Running a node" and PROTOCOL.md
# "Rollback detection" promise beyond an older copy refused at start
# (test_rollback.sh, test_rollback_copy.sh):
#  - a node none of whose checkers answers, started with
#    --accept-unchecked, serves and audits chain.unchecked with the
#    operator's reason; one whose checker answers does not (without it
#    the start is receive-only: test_receive_only.sh);
#  - after `--accept-rollback` the node's sequence numbers jump forward
#    (2^32) and its peers take the gap: a member that is no checker, and
#    the checker, apply its messages without a replay refusal or a
#    rollback report;
#  - a checker sent a head of the same index as the one it holds but with
#    another hash (history rewritten) audits chain.rollback saying so,
#    once, and keeps its head; one sent a head of a lower index (a chain
#    that started over) audits chain.rollback naming the missing records
#    and keeps its head. (The heads are forged with the node's own key by
#    tests/tools/wnpoke, as a rewritten store would sign them.)
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
# deadlines this test must not miss on a busy machine (node_test_ms): a
# starting node waits 60 s for its checkers, a poke 120 s for its answer;
# started with_flush, police tries 60 s (not 3) to hand dir its head when
# it stops (only police: a node stopping while a checker of its is down
# would try that long in vain)
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000 WNPOKE_TIMEOUT_MS=120000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { local v; v=$(peer_field "$1" "$2" chain_head); test "${v:-0}" -ge "$3"; }
received() { wn "$1" --json peer received "$2" | json_field count; }
received_is() { test "$(received "$1" "$2")" = "$3"; }
# audit_count NODE PATTERN: records of NODE's audit log matching (fails on a CLI error)
audit_count() {
	local out
	out=$(wn "$1" audit show --limit 5000) || return 1
	printf '%s\n' "$out" | grep -Ec -- "$2"
}
# start_override: police, started with --accept-rollback, through
# node_start (its wait for "ready" is WN_START_LIMIT, not the 60 s a
# checker query may take by itself)
start_override() {
	with_flush node_start police --accept-rollback "restored from the backup of last night"
}

# police's checkers are dir and its two witnesses, the members after it in
# org id order (social, youth); guards checks nothing of police
check "a federation of a director, police, guards, social and youth" federation dir police guards social youth

# --- chain.unchecked: only when no checker answers
check "police stops" node_stop police
for n in dir social youth; do check "$n, a checker of police, stops" node_stop $n; done
check "police starts while its checkers are away, the operator accepting it" \
	node_start police --accept-unchecked "dir is moved to a new machine"
check_exit "police's audit" 0 wn police audit show --limit 100
check_out "  records chain.unchecked: none of its 3 checkers answered, and the reason" 'chain\.unchecked[[:space:]]+police[[:space:]]+none of 3 checkers answered; serving unchecked, accepted by the operator: dir is moved to a new machine'
for n in dir social youth; do check "$n starts" node_start $n; done
check "police stops" node_stop police
check "police starts, dir answering" with_flush node_start police
check "  no new chain.unchecked" test "$(audit_count police 'chain\.unchecked')" = 1

# --- an accepted rollback, and its peers taking the gap
check "police stops" node_stop police
cp -a "$WN_T/police" "$WN_T/police.old"
check "police starts" with_flush node_start police
check "police sends guards 5 messages" wn police peer send guards --count 5 --size 16
check "  guards applies them" wait_for 120 received_is guards police 5
check "police sends dir 5 messages" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 120 received_is dir police 5
gseq=$(peer_field guards police received_seq)
last=$(audit_seq police)
check "police stops, handing dir its head" node_stop police
check "dir holds police's head $last" wait_for 60 head_at dir police "$last"
rm -rf "$WN_T/police"; cp -a "$WN_T/police.old" "$WN_T/police"
: >"$WN_T/police.log"
check_exit "police on its older copy refuses to start (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "with --accept-rollback REASON it starts" start_override
check "police sends guards 5 more" wn police peer send guards --count 5 --size 16
check "  guards, which checks nothing of police, applies them past the gap" wait_for 120 received_is guards police 10
check "  their numbers jumped by 2^32" test "$(peer_field guards police received_seq)" -gt $((gseq + 4294967296 - 1))
check "police sends dir 5 more" wn police peer send dir --count 5 --size 16
check "  dir applies them too" wait_for 120 received_is dir police 10
check "  and sees the rollback accepted" test "$(audit_count dir 'chain\.rollback_closed[[:space:]]+police')" = 1
check "guards refused nothing of police's" test "$(audit_count guards 'peer\.refused.*police|replay')" = 0
check "  and reported no rollback of it" test "$(audit_count guards 'chain\.rollback[[:space:]]')" = 0
check "dir reported no reuse of numbers (no chain.rollback of police)" test "$(audit_count dir 'chain\.rollback[[:space:]]+police')" = 0
check "police's deliveries were never refused" test "$(audit_count police 'delivery_refused')" = 0

# --- heads that do not extend the one a checker holds
check "police stops, handing dir its head" node_stop police
held=$(peer_field dir police chain_head)
r=$(peer_field dir police received_seq)
check "dir holds police's head $held, and has applied police's messages up to $r" test -n "$held" -a -n "$r"
poke_police() { # SEQ INDEX: police's head at INDEX, another hash, as police's message SEQ to dir
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" head "$1" "$2"
}
poke_police $((r + 1)) "$held" >"$WN_T/out" 2>&1
check_out "a head of police at index $held with another hash: the message is accepted" '^RECEIPT accepted=1 refused=0'
check_exit "dir's audit" 0 wn dir audit show --limit 5000
check_out "  records chain.rollback: history rewritten at $held" \
	"chain\.rollback[[:space:]]+police[[:space:]]+audit chain differs from the head held here at record $held: history was rewritten"
check "  dir keeps the head it held" test "$(peer_field dir police chain_head)" = "$held"
poke_police $((r + 2)) "$held" >"$WN_T/out" 2>&1
check_out "the same head again is accepted" '^RECEIPT accepted=1 refused=0'
check "  and reported once only" test "$(audit_count dir 'history was rewritten')" = 1
check "  dir keeps the head it held" test "$(peer_field dir police chain_head)" = "$held"
# the index alone does not tell the heads apart: police's start check
# does (dir answers with the head it holds; police's chain extends its own)
: >"$WN_T/police.log"
check "police starts: its chain extends the head dir still holds" node_start police
check "  no rewritten history named: the one chain.rollback_accepted is the operator's" test "$(audit_count police 'chain\.rollback_accepted[[:space:]]+police')" = 1
check "police stops" node_stop police

# the director's head as a member (guards) holds it, and one of index 1
check "dir stops" node_stop dir
dheld=$(peer_field guards dir chain_head)
dr=$(peer_field guards dir received_seq)
check "guards holds a head of dir past record 1 ($dheld)" test "${dheld:-0}" -gt 1
"$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" head $((dr + 1)) 1 >"$WN_T/out" 2>&1
check_out "a head of dir at index 1 (a chain that started over): the message is accepted" '^RECEIPT accepted=1 refused=0'
check_exit "guards' audit" 0 wn guards audit show --limit 5000
check_out "  records chain.rollback naming the missing records" \
	"chain\.rollback[[:space:]]+dir[[:space:]]+audit chain does not extend the head $dheld held here: it ends at record 1, records 2\.\.$dheld are missing"
check "  guards keeps the head it held" test "$(peer_field guards dir chain_head)" = "$dheld"
check "guards stops" node_stop guards
wn_done
