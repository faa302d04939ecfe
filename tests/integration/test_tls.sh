#!/usr/bin/env bash
# test_tls.sh - peers over tls+tcp:// with a federation CA: certificates
# named by org id, client certificates required; messages flow, and a
# client without a certificate gets nowhere.
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
C="$WN_T/ca"
mkdir -p "$C"
ossl() { openssl "$@" >/dev/null 2>&1; }
check "a federation CA" ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$C/ca.key" -out "$C/ca.pem" -days 30 -subj "/CN=wijknet test federation CA"
cert() {
	printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$1" >"$C/$1.ext"
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$C/$1.key" -out "$C/$1.csr" -subj "/CN=$1" &&
	ossl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-out "$C/$1.pem" -days 30 -extfile "$C/$1.ext" && chmod 600 "$C/$1.key"
}
use_tls() { # node: switch its config to tls+tcp:// with its certificate
	local port; port=$(free_port)
	sed -i "s|^listen = .*|listen = tls+tcp://127.0.0.1:$port\ntls_cert = $C/$1.pem\ntls_key = $C/$1.key\ntls_ca = $C/ca.pem|" \
		"$WN_T/$1/wijknet.conf"
}
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
