#!/usr/bin/env bash
# test_resend.sh - an on-path attacker drops the receipt of a transfer
# that was applied and sends the very same transfer again (M1 of the
# review of issue 16): the receiver answers it as the first time (its
# messages accepted, nothing applied twice), so the sender's audit shows
# the messages delivered, not refused ("replayed envelope"), and nothing
# is refused at the receiver either.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000
N=20

proxied_pair resend

received() { wn guards --json peer received dir | json_field "$1"; }
delivered() { wn dir --json peer stats | json_field delivered; }
check "the director queues $N test messages for guards" wn dir peer send guards --count $N --size 64
check "the director's outbox for guards drains" wait_for 300 field_is dir guards queued 0
check "the proxy dropped a receipt and resent its transfer" grep -q '^dropped the reply to request .* and resent the same request' "$WN_T/proxy.log"
check "guards applied $N messages, each once" count_is $N received count
check "  each sequence number once" count_is $N received distinct
check "the director counts them delivered" test "$(delivered)" -ge $N
check "  its audit log has no refused delivery" count_is 0 audit_count dir peer.delivery_refused
check "guards refused nothing of it (no 'replayed envelope')" count_is 0 audit_count guards peer.refused
kill "$PROXY" 2>/dev/null
wn_done
