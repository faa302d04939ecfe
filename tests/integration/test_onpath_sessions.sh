#!/usr/bin/env bash
# test_onpath_sessions.sh - test_onpath.sh's attack (mitm_proxy.py between
# the director and guards flips a byte in one batched envelope and
# replays an old receipt in answer to new transfers) with the director
# opening a new session for every transfer: each replayed receipt is then
# under another session than the transfer it is offered for, and the
# director takes it for no answer (not a receipt it cannot decrypt, which
# would count toward "stuck") and logs it; every message is delivered
# exactly once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxy_lib.sh"
# as test_onpath.sh: nothing here depends on time
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000
export WIJKNET_TEST_SEND_TIMEOUT_MS=300000
# a new session for every transfer (the director's; guards sends only
# its chain heads)
export WIJKNET_TEST_SESSION_RENEW_MS=1
N=300

proxied_pair

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
check "  and logged it as one under another session" \
	grep -q 'a receipt under another session than the transfer' "$WN_T/dir.log"
check_exit "the director's audit log" 0 wn dir audit show --limit 10000
check "  has no refused delivery (nothing deleted unapplied)" count_is 0 audit_count dir peer.delivery_refused
kill "$PROXY" 2>/dev/null
wn_done
