#!/usr/bin/env bash
# test_exchange.sh - three nodes on loopback: enrolment and the charter,
# 10,000 messages delivered exactly once and in order while the receiver is
# killed with SIGKILL and restarted, a stopped peer's messages waiting in
# the outbox, and every kind of bad peer input refused, audited, and the
# node still serving with its memory small.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
# deadlines of the protocol that this test waits out, long enough that a
# busy machine never misses them (node_test_ms in node/exchange/peer.c): a transfer
# waits 30 s for the one it follows (not 2), and the audit rate limits
# count per hour (not per minute), so no limit starts over mid-test; the
# pokes wait for their answers longer than that
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000 WNPOKE_TIMEOUT_MS=120000

check "a federation of a director and two members forms" federation dir police guards
check_exit "the director lists its members" 0 wn dir peer list
check_out "  police among them" '^police'
check_exit "guards learnt police from the charter" 0 wn guards peer list
check_out "  and police is there" '^police'
wn guards status >"$WN_T/out" 2>&1
check_out "the peer socket's receive cap is set and read back" '^peer recv max: +4259840$'
check_exit "the director's audit log" 0 wn dir audit show --limit 100
check_out "  records the enrolments" 'control.peer.add.*enrolled guards'
check_out "  and the charter versions" 'charter.published.*version 2'
check_exit "a member's audit log" 0 wn police audit show --limit 100
check_out "  records the charter it applied" 'charter.applied.*version 2'

# --- the bulk run: 10,000 messages, receiver killed three times
received() { wn guards --json peer received police | json_field "$1"; }
received_ge() { local v; v=$(received count); test "${v:-0}" -ge "$1"; }
# guards keeps at most k * 1000 test messages before kill k and defers the
# rest (a hook of the tests' build): each kill comes mid-delivery, however
# fast the delivery runs on this machine
check "guards stops" node_stop guards
export WIJKNET_TEST_RX_DATA_MAX=1000
check "guards starts, to keep at most 1000 test messages" node_start guards
check "police queues 10,000 messages for guards" wn police peer send guards --count 10000 --size 64
for k in 1 2 3; do
	check "guards has applied $((k * 1000)) before SIGKILL #$k" wait_for 180 received_ge $((k * 1000))
	kill -KILL "${WN_PID[guards]}"
	wait "${WN_PID[guards]}" 2>/dev/null
	unset "WN_PID[guards]"
	# (guards is down: police's count of queued messages stands still)
	check "  the kill came mid-delivery: police still holds messages for guards" \
		test "$(peer_field police guards queued)" -gt 0
	if [ $k -lt 3 ]; then export WIJKNET_TEST_RX_DATA_MAX=$(((k + 1) * 1000)); else unset WIJKNET_TEST_RX_DATA_MAX; fi
	check "guards restarts after SIGKILL #$k" node_start guards
done
check "police's outbox for guards drains" wait_for 180 field_is police guards queued 0
check "guards applied exactly 10,000" test "$(received count)" = 10000
check "  all distinct" test "$(received distinct)" = 10000
check "  sequence 1..10000" test "$(received min_seq):$(received max_seq)" = 1:10000
check "  in the order sent" test "$(received in_order)" = True
check_exit "police's audit log" 0 wn police audit show --limit 10000
check "  has no refused delivery (nothing resent as is after a drop)" count_is 0 audit_count police peer.delivery_refused
check_exit "guards' audit log" 0 wn guards audit show --limit 10000
check "  has no refusal" count_is 0 audit_count guards peer.refused

# --- bodies that pad to the next bucket still fit in transfers
check "police queues 64 messages of 32 KiB bodies" wn police peer send guards --count 64 --size 32763
check "they are delivered" wait_for 60 field_is police guards queued 0
check "  all of them" test "$(received count)" = 10064

# --- a peer stopped for a while
check "guards stops" node_stop guards
check "police queues 50 more" wn police peer send guards --count 50
check "peer list shows them queued" wait_for 30 field_is police guards queued 50
check "  with the peer retrying" wait_for 30 field_is police guards state retrying
check "  and the last error" test -n "$(peer_field police guards last_error)"
check "police stops a moment" node_stop police
# the test messages (DATA, type 3) alone: police's chain head for guards,
# one of its witnesses, waits beside them since police stopped
echo '.mode insert outbox
SELECT * FROM outbox WHERE peer = '"'guards'"' AND type = 3;' | node_sql police >"$WN_T/outbox.sql"
check "  (its 50 queued rows saved aside)" test "$(grep -c '^INSERT INTO' "$WN_T/outbox.sql")" = 50
check "police starts again" node_start police
check "guards comes back" node_start guards
check "the queued messages all arrive" wait_for 60 field_is police guards queued 0
check "  exactly once" test "$(received count):$(received distinct)" = 10114:10114

# --- the sender's deletion on a receipt is not fsync'd: a power cut may
# undo it. Here it is undone by hand: the 50 delivered rows put back.
check "police stops" node_stop police
{ echo 'BEGIN;'; cat "$WN_T/outbox.sql"; echo 'COMMIT;'; } | node_sql police >"$WN_T/out" 2>&1
queued_rows() { echo "SELECT 'rows', count(*) FROM outbox WHERE peer = 'guards' AND type = 3;" | node_sql police; }
check "the 50 delivered messages are back in police's outbox" test "$(cat "$WN_T/out"):$(queued_rows)" = ":rows|50"
check "police starts" node_start police
check "they are sent again and leave the outbox" wait_for 60 field_is police guards queued 0
check "  guards took them as retries: nothing applied twice" test "$(received count):$(received distinct)" = 10114:10114
check_exit "guards' audit log" 0 wn guards audit show --limit 100
check "  refused none of them" count_is 0 audit_count guards peer.refused

# --- bad input from peers: refused, audited, node still serving
bundle guards >/dev/null
node_init stranger police >/dev/null
next_seq() { expected_seq guards "$1"; } # (fails, and fails the script, when unread)
pid=${WN_PID[guards]}
rss0=$(rss_kb "$pid")
check_exit "unknown sender" 0 "$POKE" "$WN_T/stranger/node.key" "$WN_T/stranger.pass" stranger "$WN_T/guards.bundle" data 1
check_out "  refused: not authenticated (4), no more told" "^ERROR 4 not authenticated$"
check_exit "a stranger's key claiming to be police" 0 "$POKE" "$WN_T/stranger/node.key" "$WN_T/stranger.pass" police "$WN_T/guards.bundle" data "$(next_seq police)"
check_out "  refused: not authenticated (4), no more told" "^ERROR 4 not authenticated$"
check_exit "police's key with a forged signature" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" forge "$(next_seq police)"
check_out "  refused: not authenticated (4), no more told" "^ERROR 4 not authenticated$"
s=$(next_seq police)
WNPOKE_SAVE="$WN_T/t1" "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" data "$s" >"$WN_T/out" 2>&1
check_out "a well-formed message is accepted" '^RECEIPT accepted=1 refused=0'
check_exit "the same envelope again" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" replay "$WN_T/t1"
check_out "  answered as the first time: accepted, not applied again" '^RECEIPT accepted=1 refused=0'
check "  (the next number is still $((s + 1)))" test "$(next_seq police)" = $((s + 1))
check_exit "an old sequence number" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" data "$s"
check_out "  refused as a replay (5)" '^refused: 5 replay: sequence number'
check_exit "a batch-signed transfer of two" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" batch "$(next_seq police)"
check_out "  is accepted whole" '^RECEIPT accepted=2 refused=0'
check_exit "a batch whose second envelope was altered after signing" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" batch-tamper "$(next_seq police)"
check_out "  has the first applied" '^RECEIPT accepted=1 refused=1'
check_out "  and the altered one refused: its signature fails (3)" "^refused: 3 envelope 1 is not the one the transfer's manifest signed"
check_exit "a batch claimed by a stranger's key" 0 "$POKE" "$WN_T/stranger/node.key" "$WN_T/stranger.pass" police "$WN_T/guards.bundle" batch "$(next_seq police)"
check_out "  is refused whole, not authenticated (4)" "^ERROR 4 not authenticated$"
check_exit "a truncated transfer" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" truncate "$(next_seq police)"
check_out "  refused: malformed (2)" '^ERROR 2 malformed transfer'
check_exit "an oversized transfer" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" oversize
check_out "  refused: over the size limit (14)" '^ERROR 14 malformed transfer.*(too large|exceeds|size)'
check_exit "a huge declared length in a few bytes" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" bomb
check_out "  refused: malformed (2)" '^ERROR 2 malformed transfer'
check_exit "deep nesting" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" deep
check_out "  refused: malformed (2)" '^ERROR 2 malformed transfer'
rss1=$(rss_kb "$pid")
check "peak memory grew by less than 32 MiB ($rss0 -> $rss1 kB)" test $((rss1 - rss0)) -lt 32768

dseq() { expected_seq guards dir; }
s=$(dseq)
WNPOKE_ID=0123456789abcdef0123456789abcdef WNPOKE_SEQ=$s "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" charter 1 "$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check_out "a charter of a lower version is refused: not permitted (5)" '^refused: 5 charter version 1 is not newer'
WNPOKE_ID=0123456789abcdef0123456789abcdef WNPOKE_SEQ=$s "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" charter 1 "$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check_out "  sent again (as if that receipt was lost), it gets the same answer" '^refused: 5 charter version 1 is not newer'
WNPOKE_SEQ=$(dseq) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" charter 99 "$WN_T/stranger/node.key" "$WN_T/stranger.pass" >"$WN_T/out" 2>&1
check_out "a charter signed by another key is refused from applying it: not permitted (5), so its sender does not keep it" '^refused: 5 charter not signed by the pinned director key'
check_exit "guards' peers are unchanged" 0 wn guards peer list
check_out "  police still there" '^police'

check_exit "guards still serves its CLI" 0 wn guards status
check_exit "and still applies a good message" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" data "$(next_seq police)"
check_out "  accepted" '^RECEIPT accepted=1 refused=0'
check_exit "every refusal is in guards' audit log" 0 wn guards audit show --limit 1000
for what in "unknown sender" "bad signature" "replay: sequence" \
	"malformed transfer" "not newer" "not signed by the pinned" "manifest signed"; do
	check_out "  audited: $what" "peer.refused.*$what"
done
# --- several transfers in flight: one that follows another waits for it
poke_batch() { WNPOKE_AFTER=$1 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" batch "$2"; }
waiting_is() { test "$(wn guards --json status | json_field peer_transfers_waiting)" = "$1"; }
s=$(next_seq police)
poke_batch $((s + 1)) $((s + 2)) >"$WN_T/second" 2>&1 &
second=$!
check "a transfer that follows another waits for it" wait_for 30 waiting_is 1
poke_batch $((s + 3)) $((s + 4)) >"$WN_T/third" 2>&1 &
third=$!
check "  and one that follows that one too" wait_for 30 waiting_is 2
wait "$second" "$third"
check "when the first never comes, the second is deferred whole" grep -q '^RECEIPT accepted=0 refused=2' "$WN_T/second"
check "  saying why, as a transient refusal (13): try again later" \
	test "$(grep -c '^refused: 13 the transfer this one follows did not arrive' "$WN_T/second")" = 2
check "  and the third with it (13)" \
	test "$(grep -c '^refused: 13 the transfer this one follows was not applied' "$WN_T/third")" = 2
check "  nothing of them was applied" test "$(next_seq police)" = "$s"
check "  none waits any more" wait_for 30 waiting_is 0
poke_batch $((s + 1)) $((s + 2)) >"$WN_T/second" 2>&1 &
second=$!
check "a second transfer that arrives first waits" wait_for 30 waiting_is 1
check_exit "the first one comes and is applied" 0 poke_batch 0 "$s"
check_out "  accepted" '^RECEIPT accepted=2 refused=0'
wait "$second"
check "then the second, after it" grep -q '^RECEIPT accepted=2 refused=0' "$WN_T/second"
check "  all four in order" test "$(next_seq police):$(received in_order)" = "$((s + 4)):True"

# --- a sender keeps at most NODE_WINDOW - 1 transfers waiting
s=$(next_seq police)
for k in 1 2 3; do
	poke_batch $((s + 10 * k)) $((s + 10 * k + 1)) >"$WN_T/wait$k" 2>&1 &
	eval "w$k=\$!"
	check "a transfer that follows one that never comes waits ($k)" wait_for 30 waiting_is "$k"
done
check_exit "a fourth one from the same sender" 0 poke_batch $((s + 40)) $((s + 41))
check_out "  is deferred at once (13): a window has no more" '^RECEIPT accepted=0 refused=2'
check "  both its envelopes, as a transient refusal" \
	test "$(grep -c '^refused: 13 too many transfers from this sender are waiting' "$WN_T/out")" = 2
wait "$w1" "$w2" "$w3"
check "  the three waiting give up in time (13)" \
	test "$(grep -l '^refused: 13 the transfer this one follows did not arrive' "$WN_T"/wait[123] | wc -l)" = 3

# (the rate limit on recording refusals no member vouches for, and on
# recording chain head queries: test_refusal_limit.sh)

# --- a member enrolled again starts its numbers over: the rows of its
# earlier membership under those numbers give way (here the new
# membership is made by hand: its last applied number back to 0)
check "guards stops" node_stop guards
echo "UPDATE peers SET last_seq_in = 0 WHERE org_id = 'police';" | node_sql guards >"$WN_T/out" 2>&1
check "  police's numbers start over at guards" test ! -s "$WN_T/out"
check "  and guards restarts" node_start guards
n0=$(received count)
check_exit "police's message number 1 again" 0 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" data 1
check_out "  is accepted" '^RECEIPT accepted=1 refused=0'
check "  and applied" test "$(received count)" = $((n0 + 1))
wn_done
