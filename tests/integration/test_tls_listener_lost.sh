#!/usr/bin/env bash
# test_tls_listener_lost.sh - a partner or stranger that closes its
# connection at any point of the TLS handshake never costs a node its peer
# listener: nng 1.5.2 stops accepting for good when an accept fails with
# NNG_ECLOSED or NNG_ECANCELED, so every such close must reach nng as
# another error. After each round of closes a partner's connection is still
# accepted. (The rollback check's probe is a bare TCP connect-and-close.)
. "$(dirname "$0")/lib.sh"
SP="/usr/bin/python3 $TOP/tests/integration/sp_client.py"
. "$(dirname "$0")/tls_lib.sh"
check "a federation CA" tls_ca
check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
check "certificates" eval 'cert dir && cert police'
use_tls dir; use_tls police
check "director starts" node_start dir
check "member starts" node_start police
dfp=$(bundle dir); pfp=$(bundle police)
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "the charter arrives over TLS" wait_for 60 field_ge police dir received_seq 1
URL=$(sed -n 's/^endpoint = //p' "$WN_T/dir.bundle")
TLSP="$C/ca.pem,$C/police.pem,$C/police.key,dir"
accepted() {
	$SP hello "$URL" 127.0.0.1 "$TLSP" >"$WN_T/out" 2>&1
	check_out "$1" '^ACCEPTED'
}
accepted "before: the director accepts police"
for round in 1 2 3; do
	$SP bare "$URL" 127.0.0.1 20
	accepted "round $round: after 20 bare TCP connect-and-close, still accepted"
	$SP raw "$URL" 127.0.0.1 20 0.2 >/dev/null 2>&1
	accepted "round $round: after 20 ClientHellos cut short, still accepted"
	for i in 1 2 3 4 5; do $SP notify "$URL" 127.0.0.1 "$TLSP" >/dev/null 2>&1; done
	accepted "round $round: after 5 close_notify in mid-handshake, still accepted"
	n=$($SP quit "$URL" 127.0.0.1 25 "$TLSP")
	check "round $round: 25 handshakes finished and closed before the SP header" test "$n" = 25
	accepted "round $round:   still accepted"
done
wn_done
