#!/usr/bin/env bash
# test_tls.sh - peers over tls+tcp:// with a federation CA: certificates
# named by org id, client certificates required; messages flow, and a
# client without a certificate gets nowhere.
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
. "$(dirname "$0")/tls_lib.sh"
check "a federation CA" tls_ca
check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
for n in dir police; do
	check "certificate for $n" cert $n
	use_tls $n
done
check "director starts with TLS" node_start dir
check "member starts with TLS" node_start police
dfp=$(bundle dir); pfp=$(bundle police)
check "the director's endpoint is tls+tcp://" grep -q '^endpoint = tls+tcp://' "$WN_T/dir.bundle"
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "the charter arrives over TLS" wait_for 30 field_ge police dir received_seq 1
check "police sends 200 messages over TLS" wn police peer send dir --count 200 --size 256
check "they all arrive" wait_for 60 field_is police dir queued 0
wn dir --json peer received police >"$WN_T/out"
check_out "  exactly once" '"count":200,"distinct":200'
check_exit "a client without a certificate" 3 "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" data 999
check_out "  gets no reply" '^NO REPLY'
wn dir --json peer received police >"$WN_T/out"
check_out "  and nothing was applied" '"count":200'
wn_done
