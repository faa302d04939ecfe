#!/usr/bin/env bash
# test_rollback.sh - a node whose store is replaced by an older copy of
# itself refuses to start and names the missing range of its audit chain;
# the director is checked the same way by its members; an operator can
# override with a reason that is audited. A head accepted so is not held
# against the node again, even after every checker held a newer head: a
# checker that holds it again (here the director's own older copy, as a
# former witness or a hostile one could) does not get the node refused.
. "$(dirname "$0")/lib.sh"
# deadlines this test must not miss, long enough for a busy machine
# (node_test_ms in node/exchange/peer.c): a starting node waits 60 s (not 3) for its
# checkers' answers; started with_flush, a stopping node tries 60 s (not 3)
# to hand its chain head to its checkers
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }

check "a federation of a director and a member forms" federation dir police
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { test "$(peer_field "$1" "$2" chain_head)" -ge "$3"; }
ro() { wn "$1" --json status | json_field receive_only; }

check "police stops" node_stop police
cp "$WN_T/police/node.db" "$WN_T/police.db.old"
check "police starts again" with_flush node_start police
for i in 1 2 3 4 5; do wn police status >/dev/null; done
last=$(audit_seq police)
check "police stops, sending its chain head" node_stop police
check "the director holds police's newest head" wait_for 120 head_at dir police "$last"
held_old=$(peer_field dir police chain_head)
# a copy of the director's store that holds that head, for the end
check "director stops" node_stop dir
cp "$WN_T/dir/node.db" "$WN_T/dir.db.anchor"
check "director starts (police is away)" node_start dir --accept-unchecked "police is stopped in this test"

cp "$WN_T/police.db.old" "$WN_T/police/node.db"
rm -f "$WN_T/police/node.db-wal" "$WN_T/police/node.db-shm"
: >"$WN_T/police.log"
check_exit "police on its older store refuses to start (exit 4)" 4 node_start police
check "  naming the missing records" grep -Eq "records [0-9]+\.\.[0-9]+ are missing" "$WN_T/police.log"
check "  and who holds the newer head" grep -q "the copy dir holds" "$WN_T/police.log"

start_override() {
	node_start police --accept-rollback "restored from last night's backup after a disk failure"
}
check "with --accept-rollback REASON it starts" start_override
check_exit "its audit log" 0 wn police audit show --limit 200
check_out "  records the accepted rollback with the reason" "chain.rollback_accepted.*backup after a disk failure"
check "police stops, handing dir its newer head" with_flush node_stop police

# the director is checked by its members the same way
check "director stops" node_stop dir
cp "$WN_T/dir/node.db" "$WN_T/dir.db.old"
check "director starts" with_flush node_start dir
for i in 1 2 3 4 5; do wn dir status >/dev/null; done
check "police starts" node_start police
# the director started while police, its one checker, was away: it is
# receive-only until it asked police again (police's first transfer), and
# would hand police nothing when it stops
check "  the director asks police again and sends again" wait_for 120 count_is False ro dir
last=$(audit_seq dir)
check "director stops, sending its head to police" node_stop dir
check "police holds the director's newest head" wait_for 120 head_at police dir "$last"
cp "$WN_T/dir.db.old" "$WN_T/dir/node.db"
rm -f "$WN_T/dir/node.db-wal" "$WN_T/dir/node.db-shm"
: >"$WN_T/dir.log"
check_exit "the director on an older store refuses to start (exit 4)" 4 node_start dir
check "  naming the missing records" grep -Eq "records [0-9]+\.\.[0-9]+ are missing" "$WN_T/dir.log"

# police's start above found dir holding a head its chain extends; now the
# director's copy from before police's rollback, holding the head police
# accepted as rolled back, answers again (police is away while it starts:
# anything police sent would show it the rollback accepted, and it would
# take police's newer head)
check "police stops" node_stop police
cp "$WN_T/dir.db.anchor" "$WN_T/dir/node.db"
rm -f "$WN_T/dir/node.db-wal" "$WN_T/dir/node.db-shm"
check "the director's copy that holds police's accepted head starts" \
	node_start dir --accept-rollback "an older copy of the director, in this test"
check "  it holds police's old head" test "$(peer_field dir police chain_head)" = "$held_old"
: >"$WN_T/police.log"
check "police starts: that head was accepted, it is not refused again" node_start police
check "  saying so" grep -q "was accepted as rolled back before" "$WN_T/police.log"
wn_done
