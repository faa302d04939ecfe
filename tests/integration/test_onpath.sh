#!/usr/bin/env bash
# test_onpath.sh - an on-path attacker on a plain tcp:// link between two
# real nodes (tests/integration/mitm_proxy.py between the director and a
# member) flips a byte in one batched envelope of a transfer and replays
# an old receipt in answer to a new transfer: every message is delivered
# exactly once anyway (each message id once at the receiver, none missing,
# the sender's queue drains to 0), because the receipt names the transfer
# it answers, an envelope that fails authentication is refused without
# the id it claims, and the sender deletes a message only on an
# authenticated accept of it or a refusal from applying it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
# a transfer waits long for the one it follows on a busy machine, the
# refusal rate limit counts per hour, and a transfer waits long for its
# reply, so the director reads each replayed receipt (a reply to a request
# it gave up on is never read): nothing here depends on time
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000 WNPOKE_TIMEOUT_MS=120000
export WIJKNET_TEST_SEND_TIMEOUT_MS=300000
N=300

# --- dir and guards; dir reaches guards only through the proxy
proxied_pair

# --- the attack
received() { wn guards --json peer received dir | json_field "$1"; }
stat_of() { wn dir --json peer stats | json_field "$1"; }
check "the director queues $N test messages for guards" wn dir peer send guards --count $N --size 64
check "the director's outbox for guards drains" wait_for 300 field_is dir guards queued 0
check "the proxy flipped a byte in a batched envelope" grep -q '^flipped a byte in envelope 1' "$WN_T/proxy.log"
check "  and replayed an old receipt in answer to a new transfer" grep -q '^replayed the kept receipt' "$WN_T/proxy.log"
check "guards applied $N messages" count_is $N received count
check "  each sequence number once" count_is $N received distinct
check "  in the order sent" test "$(received in_order)" = True
replays=$(grep -c '^will replay the kept receipt' "$WN_T/proxy.log")
check "  ($replays times)" test "$replays" -ge 1
check "the director took each replayed receipt for no answer" \
	wait_for 300 count_is "$replays" stat_of receipts_for_other_transfers
check "  and logged it" grep -q 'a receipt that answers another transfer' "$WN_T/dir.log"
check_exit "the director's audit log" 0 wn dir audit show --limit 10000
check "  has no refused delivery (nothing deleted unapplied)" count_is 0 audit_count dir peer.delivery_refused
check_exit "guards' audit log" 0 wn guards audit show --limit 10000
check_out "  records the altered envelope, in detail, locally" "peer.refused.*envelope 1 is not the one the transfer's manifest signed"
check "guards stops" node_stop guards
check "the director stops" node_stop dir
# each message id once, none missing: the inbox by id, the payloads by the
# counter the director wrote into each
echo "SELECT count(*), count(DISTINCT msg_id) FROM inbox WHERE peer = 'dir' AND type = 3 AND refused = 0;
SELECT count(*), count(DISTINCT substr(body, 1, 8)) FROM data_in WHERE peer = 'dir';" |
	node_sql guards >"$WN_T/ids" 2>&1
check "guards recorded each message id once, $N of them (count|distinct)" count_is "$N|$N" sed -n 1p "$WN_T/ids"
check "  and each message's payload once, $N of them" count_is "$N|$N" sed -n 2p "$WN_T/ids"

# --- the same refusal seen by a hostile peer of our own (wnpoke)
check "guards restarts" node_start guards
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
check_exit "a batch whose second envelope was altered after signing" 0 \
	"$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" batch-tamper "$(expected_seq guards dir)"
check_out "  the altered one is refused as not signed (3)" "^refused: 3 envelope 1 is not the one the transfer's manifest signed"
check_out "  without the id it claims" '^refused-id: 0{32}$'
check_out "  and the receipt names this very transfer" '^answers: this transfer$'
kill "$PROXY" 2>/dev/null
wn_done
