#!/usr/bin/env bash
# test_tls.sh - peers over tls+tcp:// with a federation CA: certificates
# named by org id, client certificates required; messages flow, and a
# client without a certificate gets nowhere. The hostile peer (wnpoke)
# holds police's signing key and trusts the CA, so its handshake would
# succeed were the node not to refuse it: without a certificate, with a
# certificate the CA issued for an org id the node has not enrolled
# (youth), or for the node's own org id (dir), it is refused in the
# handshake, counted, and nothing it sent is applied; behind the
# certificate of another enrolled partner (guards) its transfer is refused
# as not authenticated: a TLS connection carries only the messages of the
# partner its client certificate names.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
. "$(dirname "$0")/tls_lib.sh"
check "a federation CA" tls_ca
check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
for n in dir police youth; do check "certificate for $n" cert $n; done
use_tls dir; use_tls police
check "director starts with TLS" node_start dir
check "member starts with TLS" node_start police
dfp=$(bundle dir); pfp=$(bundle police)
check "the director's endpoint is tls+tcp://" grep -q '^endpoint = tls+tcp://' "$WN_T/dir.bundle"
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "the charter arrives over TLS" wait_for 30 field_ge police dir received_seq 1
check "police sends 200 messages over TLS" wn police peer send dir --count 200 --size 256
check "they all arrive" wait_for 60 field_is police dir queued 0
# received FIELD: count or distinct of police's messages dir applied
received() { wn dir --json peer received police | json_field "$1"; }
check "  exactly once" test "$(received count),$(received distinct)" = 200,200
# police's own node stops, so that only the hostile peer speaks as police
check "police stops cleanly" node_stop police
next_seq() { expected_seq dir police; } # (fails, and fails the script, when unread)
# poke TLS: police's key sends dir one valid message over TLS as $WNPOKE_TLS says
poke() { WNPOKE_TLS=$1 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" data "$(next_seq)"; }
# refused_before: the node's count of refused handshakes now, in $before
refused_before() { before=$(status_field dir peer_tls_refused); test -n "$before"; }

check_exit "the hostile peer with the CA and police's certificate" 0 poke "$C/ca.pem,$C/police.pem,$C/police.key"
check_out "  gets its message applied (its TLS works)" '^RECEIPT accepted=1 refused=0$'
check "  one more applied" test "$(received count)" = 201

check "the node's count of refused handshakes" refused_before
check_exit "a client that trusts the CA but shows no certificate" 3 poke "$C/ca.pem"
check_out "  gets no reply" '^NO REPLY'
check "  the node refused its handshake (counted)" wait_for 60 status_ge dir peer_tls_refused $((before + 1))
check "  and nothing was applied" test "$(received count)" = 201

# bound to an enrolled partner's org id: a valid certificate of the
# federation for another org id does not let police's key in
check "the node's count of refused handshakes" refused_before
check_exit "police's key behind youth's certificate (the CA's; dir has not enrolled youth)" 3 \
	poke "$C/ca.pem,$C/youth.pem,$C/youth.key"
check_out "  gets no reply" '^NO REPLY'
check "  the node refused its handshake (counted)" wait_for 60 status_ge dir peer_tls_refused $((before + 1))
check "  audited as unknown, naming youth" wait_for 60 eval \
	'wn dir audit show --limit 10000 | grep -Eq "^.*unknown[[:space:]]+peer\.refused[[:space:]]+unknown[[:space:]].*'"'youth'"'"'
check "  and nothing was applied" test "$(received count)" = 201
check "the node's count of refused handshakes" refused_before
check_exit "police's key behind dir's own certificate" 3 poke "$C/ca.pem,$C/dir.pem,$C/dir.key"
check_out "  gets no reply" '^NO REPLY'
check "  the node refused its handshake (counted)" wait_for 60 status_ge dir peer_tls_refused $((before + 1))
check "  and nothing was applied" test "$(received count)" = 201
# bound to the sender: an enrolled partner's certificate carries only that
# partner's own messages (a member may not relay what it captured of
# another's, nor another's key hide behind its certificate)
check_exit "guards init" 0 node_init_member guards "$dkey" community_guards
check "certificate for guards" cert guards
use_tls guards
check "guards starts with TLS" node_start guards
check "guards enrols the director" wn guards peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols guards" wn dir peer add "$WN_T/guards.bundle" --fingerprint "$(bundle guards)"
check "guards' charter arrives over TLS" wait_for 60 field_ge guards dir received_seq 1
check_exit "police's signed message behind guards' certificate (an enrolled partner)" 0 \
	poke "$C/ca.pem,$C/guards.pem,$C/guards.key"
check_out "  is refused: not authenticated, nothing more told" '^ERROR 4 not authenticated$'
check "  and nothing was applied" test "$(received count)" = 201
check "  dir's audit says whose certificate carried whose transfer" wait_for 60 out_has \
	"peer\.refused.*signed by 'police' on a TLS connection whose client certificate names 'guards'" \
	wn dir audit show --limit 10000
check_exit "police's signed batch behind guards' certificate" 0 env WNPOKE_TLS="$C/ca.pem,$C/guards.pem,$C/guards.key" \
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" batch "$(next_seq)"
check_out "  is refused whole: not authenticated" '^ERROR 4 not authenticated$'
check "  and nothing was applied" test "$(received count)" = 201
check_exit "the same message behind police's own certificate" 0 poke "$C/ca.pem,$C/police.pem,$C/police.key"
check_out "  is applied" '^RECEIPT accepted=1 refused=0$'
check "  one more applied" test "$(received count)" = 202
check "guards stops cleanly" node_stop guards
check "dir stops cleanly" node_stop dir
wn_done
