#!/usr/bin/env bash
# test_tls_gate.sh - what a client certificate must say to pass a node's
# tls+tcp:// listener, and what refusals cost: exactly one org id (its DNS
# names in subjectAltName, all the same, and its one CN the same), byte for
# byte, an enrolled partner and not the node itself; a certificate not of
# the federation's CA, or none at all, is counted and never audited; one the
# CA issued to a non-partner is audited as "unknown"; connections that are
# still handshaking are capped, so a flood of them is closed before TLS
# buffers are set up. Every wait is a condition.
. "$(dirname "$0")/lib.sh"
SP="/usr/bin/python3 $TOP/tests/integration/sp_client.py"
. "$(dirname "$0")/tls_lib.sh"
check "a federation CA" tls_ca

check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
check "certificates" eval 'mk dir /CN=dir DNS:dir && mk police /CN=police DNS:police &&
	mk cn_police_san_stranger /CN=police DNS:stranger &&
	mk cn_stranger_san_police /CN=stranger DNS:police &&
	mk two_cns /CN=stranger/CN=police DNS:police &&
	mk two_cns_no_san /CN=police/CN=police &&
	mk two_sans /CN=police DNS:police,DNS:stranger &&
	mk upper /CN=POLICE DNS:POLICE && mk polic /CN=polic DNS:polic &&
	mk police2 /CN=police2 DNS:police2 && mk own /CN=dir DNS:dir &&
	mk san_only /O=wijknet DNS:police && mk cn_only /CN=police &&
	mk stranger /CN=stranger DNS:stranger'
check "a self-signed certificate for police" ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	-nodes -keyout "$C/self.key" -out "$C/self.pem" -days 30 -subj /CN=police -addext subjectAltName=DNS:police
chmod 600 "$C/self.key"
use_tls dir; use_tls police
check "a cap of 12 connections on the director" set_conf dir peer_max_connections 12
check "director starts" node_start dir
check "member starts" node_start police
dfp=$(bundle dir); pfp=$(bundle police)
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "the charter arrives over TLS" wait_for 60 field_ge police dir received_seq 1
URL=$(sed -n 's/^endpoint = //p' "$WN_T/dir.bundle")
tls() { echo "$C/ca.pem,$C/$1.pem,$C/$1.key,dir"; }
hello() { $SP hello "$URL" 127.0.0.1 "$(tls "$1")" >"$WN_T/out" 2>&1; }

# --- a certificate not of the CA (first: nothing else refused yet)
before=$(status_field dir peer_tls_refused)
check "dir's count of refused TLS clients is read" test -n "$before"
for i in $(seq 1 12); do $SP hello "$URL" 127.0.0.1 "$(tls self)" >/dev/null 2>&1; done
check "12 self-signed 'police' certificates are counted" \
	wait_for 60 status_ge dir peer_tls_refused $((before + 12))
$SP hello "$URL" 127.0.0.1 "$C/ca.pem,,,dir" >"$WN_T/out" 2>&1
check_out "a client with no certificate is refused" '^REFUSED'
check "  and counted" wait_for 60 status_ge dir peer_tls_refused $((before + 13))
hello stranger
check_out "a CA certificate of a non-partner still is refused" '^REFUSED'
check "  and audited (the budget was not used up by the others)" \
	wait_for 60 eval 'wn dir audit show --limit 10000 | grep -Eq "unknown[[:space:]]+peer\.refused[[:space:]]+unknown[[:space:]].*'"'stranger'"' names no enrolled partner"'
check_exit "  the only record of a certificate: the self-signed ones were not audited" 0 \
	count_is 1 count_or_fail "TLS client certificate" wn dir audit show --limit 10000

# --- exactly one identity (after the above: the audit log records at most
# 10 refusals a minute one by one)
for c in police2 cn_police_san_stranger cn_stranger_san_police two_cns two_cns_no_san \
	two_sans upper polic own; do
	hello $c
	check_out "$c: refused" '^REFUSED'
done
for c in police san_only cn_only; do
	hello $c
	check_out "$c: accepted" '^ACCEPTED'
done
check "the refusals are counted" wait_for 60 status_ge dir peer_tls_refused $((before + 14 + 9))
check "  and audited: not an enrolled partner" \
	wait_for 60 eval 'wn dir audit show --limit 10000 | grep -q "'"'police2'"' names no enrolled partner"'
check "  or no single org id" \
	wait_for 60 eval 'wn dir audit show --limit 10000 | grep -q "names no single org id"'
wn dir audit show --limit 10000 >"$WN_T/out"
check_exit "  never in the name of police" 1 grep -Eq '(police|stranger)[[:space:]]+peer\.refused' "$WN_T/out"

# --- a stranger (no certificate) that ends its handshake with a
# close_notify alert: the listener goes on accepting (nng 1.5.2 stops a
# listener whose accept fails with NNG_ECLOSED, so a handshake's error
# must never be that)
$SP notify "$URL" 127.0.0.9 "$C/ca.pem,,,dir" >"$WN_T/out" 2>&1
check_out "a handshake answered with close_notify" '^SENT'
hello police
check_out "  the listener still accepts police: the node answers" '^ANSWERED'

# --- a flood of connections that never finish their handshake
$SP raw "$URL" 127.0.0.8 60 120 >"$WN_T/raw" 2>&1 &
raw=$!
check "60 unfinished handshakes: those over the cap of 12 are closed, counted" \
	wait_for 60 status_ge dir peer_refused_over_total_cap 48
kill "$raw" 2>/dev/null; wait "$raw" 2>/dev/null
check "  the handshakes it held end with it" wait_for 60 status_is dir peer_handshaking 0
check "transfers flow afterwards" wn police peer send dir --count 20 --size 64
check "  and arrive" wait_for 120 field_is police dir queued 0
wn_done
