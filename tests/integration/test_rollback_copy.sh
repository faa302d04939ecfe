#!/usr/bin/env bash
# test_rollback_copy.sh - a store replaced by a real older copy (cp of the
# stopped node's data folder) is caught by its checker even when the node
# starts unchecked (its checker away, and its operator overrides the
# receive-only start with --accept-unchecked): the copy reuses sequence numbers
# the checker applied already, which is reported as chain.rollback, and
# its higher heads never replace the head held, so the node's next start
# is still refused. After an accepted rollback the checker holds the
# node's new heads again, so a second rollback (to a copy taken after the
# accept) is refused at start too.
. "$(dirname "$0")/lib.sh"
# deadlines this test must not miss, long enough for a busy machine
# (node_test_ms): a starting node waits 60 s (not 3) for its checker's
# answer (a checker that is away refuses the dial at once); started
# with_flush, a stopping node tries 60 s (not 3) to hand its chain head
# to its checker
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { test "$(peer_field "$1" "$2" chain_head)" -ge "$3"; }
start_override() {
	node_start police --accept-rollback "restored after a disk failure"
}
restore() { # restore DIR: police's data folder as copied
	rm -rf "$WN_T/police"; cp -a "$1" "$WN_T/police"
}

check "a federation" federation dir police
check "police stops" node_stop police
cp -a "$WN_T/police" "$WN_T/police.old"
check "police starts" with_flush node_start police
for i in $(seq 1 10); do wn police status >/dev/null; done
last=$(audit_seq police)
check "police stops" node_stop police
check "dir holds police's head" wait_for 120 head_at dir police "$last"
held=$(peer_field dir police chain_head)
check "dir stops" node_stop dir
check "police's older copy" restore "$WN_T/police.old"
check "  starts unchecked (dir is away; the operator says serve)" with_flush \
	node_start police --accept-unchecked "dir is away for maintenance"
for i in $(seq 1 30); do wn police status >/dev/null; done
check "dir starts" node_start dir
reported() { wn dir audit show --limit 400 | grep -q "chain.rollback.*police.*peer reuses sequence numbers: its store went back"; }
check "dir reports that police reuses sequence numbers" wait_for 120 reported
ahead() { test "$(audit_seq police)" -gt "$held"; }
check "police's copy writes past the head dir holds" ahead
# enough messages that the copy's numbers pass every one dir applied:
# its heads from then on are applied, and must not replace the one held
was=$(peer_field dir police received_seq)
check "police's copy sends on" wn police peer send dir --count 50 --size 16
applied() { test "$(peer_field dir police received_seq)" -gt "$1"; }
check "  past the numbers dir applied" wait_for 120 applied "$was"
was=$(peer_field dir police received_seq)
check "police stops, sending its head" node_stop police
check "  which dir applies" wait_for 120 applied "$was"
check "dir still holds the head $held" test "$(peer_field dir police chain_head)" = "$held"
wn dir audit show --limit 400 >"$WN_T/dir.audit"
check "  reported once" test "$(grep -c 'peer reuses sequence numbers' "$WN_T/dir.audit")" = 1
: >"$WN_T/police.log"
check_exit "police's next start is refused (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "  saying its chain differs from the head dir holds" grep -q "audit chain differs from the copy dir holds at record $held" "$WN_T/police.log"

# accepted, then a second rollback to a copy taken after the accept
check "police accepts the rollback" start_override
check "police stops" node_stop police
cp -a "$WN_T/police" "$WN_T/police.afteraccept"
check "police starts" with_flush node_start police
closed() { wn dir audit show --limit 400 | grep -q "chain.rollback_closed.*police"; }
check "dir sees the rollback accepted" wait_for 120 closed
for i in $(seq 1 10); do wn police status >/dev/null; done
last=$(audit_seq police)
check "police stops" node_stop police
check "dir holds police's newest head" wait_for 120 head_at dir police "$last"
check "police's copy from after the accept" restore "$WN_T/police.afteraccept"
: >"$WN_T/police.log"
check_exit "  is refused at start (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "  naming the missing records" grep -q "audit chain is behind the copy dir holds" "$WN_T/police.log"
check "dir stops" node_stop dir
wn_done
