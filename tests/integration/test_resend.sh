#!/usr/bin/env bash
# test_resend.sh - an on-path attacker drops the receipt of a transfer
# that was applied and sends the very same transfer again (M1 of the
# review of issue 16): the receiver answers it as the first time (its
# messages accepted, nothing applied twice), so the sender's audit shows
# the messages delivered, not refused ("replayed envelope"), and nothing
# is refused at the receiver either.
. "$(dirname "$0")/lib.sh"
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000
N=20

check "the director is set up" node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "guards is set up" node_init_member guards "$dkey"
check "the director starts" node_start dir
check "guards starts" node_start guards
gport=$(sed -n 's|^listen = tcp://127.0.0.1:\([0-9]*\)$|\1|p' "$WN_T/guards/wijknet.conf")
/usr/bin/python3 "$TOP/tests/integration/mitm_proxy.py" "$WN_T/proxy.port" "$gport" "$WN_T/proxy.log" resend &
PROXY=$!
trap 'rc=$?; kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; (exit $rc); wn_cleanup' EXIT
check "the attacker's proxy listens" wait_for 60 test -s "$WN_T/proxy.port"
pport=$(cat "$WN_T/proxy.port")
dfp=$(bundle dir)
check "guards enrols the director" wn guards peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
gfp=$(bundle guards)
sed -i "s|^endpoint = .*|endpoint = tcp://127.0.0.1:$pport|" "$WN_T/guards.bundle"
check "the director enrols guards at the proxy's address" wn dir peer add "$WN_T/guards.bundle" --fingerprint "$gfp"
check "guards gets the charter (through the proxy)" wait_for 60 field_is dir guards queued 0

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
