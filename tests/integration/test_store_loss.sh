#!/usr/bin/env bash
# test_store_loss.sh - a node whose store is emptied (node.db truncated to
# 0 bytes) or removed does not start as a brand-new node: wijknetd run and
# audit-verify refuse and say what is gone, and leave the file as it is
# (only init creates a store); on a member and on the director. And a
# checker that holds head N of a node's audit chain and is sent a head that
# does not extend it (a chain that started over at 1) reports a rollback
# and keeps head N.
. "$(dirname "$0")/lib.sh"
# deadlines this test must not miss, long enough for a busy machine
# (node_test_ms): a starting node waits 60 s (not 3) for its checker's
# answer (a checker that is away refuses the dial at once); started
# with_flush, a stopping node tries 60 s (not 3) to hand its chain head
# to its checker
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }

check "a federation of a director and a member forms" federation dir police
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { test "$(peer_field "$1" "$2" chain_head)" -ge "$3"; }

lost() { # NODE: its store emptied, then removed, then put back
	local n=$1
	for i in 1 2 3; do wn "$n" status >/dev/null; done
	check "$n stops" node_stop "$n"
	cp "$WN_T/$n/node.db" "$WN_T/$n.db.keep"
	: >"$WN_T/$n/node.db"
	: >"$WN_T/$n.log"
	check_exit "$n with node.db truncated to 0 bytes refuses to start" 1 node_start "$n"
	[ -n "${WN_PID[$n]:-}" ] && node_stop "$n"
	check "  saying node.db is empty" grep -q "/node.db is empty" "$WN_T/$n.log"
	check "  and what is gone" grep -q "store (its audit chain, peers, cases and messages) is gone" "$WN_T/$n.log"
	check "  and that only init creates a store" grep -q "wijknetd creates a store only at init: restore node.db from a backup" "$WN_T/$n.log"
	check "  node.db is left as it was (0 bytes)" test ! -s "$WN_T/$n/node.db"
	check_exit "$n: wijknetd audit-verify does not call it intact" 1 "$WIJKNETD" audit-verify --config "$WN_T/$n/wijknet.conf"
	check_out "  it says the store is empty" "/node.db is empty"
	rm -f "$WN_T/$n/node.db"
	: >"$WN_T/$n.log"
	check_exit "$n without node.db refuses to start" 1 node_start "$n"
	[ -n "${WN_PID[$n]:-}" ] && node_stop "$n"
	check "  saying node.db is missing" grep -q "/node.db is missing" "$WN_T/$n.log"
	check "  and creating none" test ! -e "$WN_T/$n/node.db"
	cp "$WN_T/$n.db.keep" "$WN_T/$n/node.db"
	check "$n with its store back starts" node_start "$n"
	check_exit "  its audit chain is intact" 0 wn "$n" audit verify
	check "  and goes on past record 1" test "$(audit_seq "$n")" -gt 10
}
lost police
lost dir

# police's chain head as dir holds it, then a real older copy of police's
# store (its data folder, copied while it was stopped) that starts while
# dir is away (unchecked: its operator overrides the receive-only start
# with --accept-unchecked): it reuses sequence numbers dir applied already,
# which dir reports as a rollback, and dir keeps the head it held
check "police stops" node_stop police
cp -a "$WN_T/police" "$WN_T/police.copy"
check "police starts" with_flush node_start police
for i in $(seq 1 10); do wn police status >/dev/null; done
# what police queued for dir is delivered before it stops, so that the
# head it sends at its stop is not held up behind it
drained() { test "$(peer_field police dir queued)" = 0; }
check "police's messages to dir are delivered" wait_for 120 drained
last=$(audit_seq police)
check "police stops, sending its chain head" node_stop police
check "dir holds police's newest head" wait_for 120 head_at dir police "$last"
held=$(peer_field dir police chain_head)
check "dir stops" node_stop dir
rm -rf "$WN_T/police"; cp -a "$WN_T/police.copy" "$WN_T/police"
check "police's older copy starts unchecked" node_start police \
	--accept-unchecked "dir is away for maintenance"
check "dir starts" node_start dir
reported() { wn dir audit show --limit 100 | grep -Eq "chain.rollback[[:space:]]+police[[:space:]]+peer reuses sequence numbers: its store went back"; }
check "dir reports the rollback" wait_for 120 reported
check "  and keeps the head it held" test "$(peer_field dir police chain_head)" = "$held"
check "police stops" node_stop police
: >"$WN_T/police.log"
check_exit "police's next start is refused (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "  naming the head dir holds" grep -q "the copy dir holds" "$WN_T/police.log"
check "dir stops" node_stop dir
wn_done
