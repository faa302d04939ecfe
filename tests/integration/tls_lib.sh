# tls_lib.sh - a federation CA and certificates for tests of tls+tcp://
# listeners; source it after lib.sh. Certificates live in $C.
C="$WN_T/ca"
mkdir -p "$C"
ossl() { openssl "$@" >/dev/null 2>&1; }
# tls_ca: the federation CA ($C/ca.pem, $C/ca.key)
tls_ca() {
	ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$C/ca.key" -out "$C/ca.pem" -days 30 -subj "/CN=wijknet test federation CA"
}
# mk NAME SUBJECT [SAN]: $C/NAME.pem and .key, issued by the CA
mk() {
	printf 'extendedKeyUsage=serverAuth,clientAuth\n' >"$C/$1.ext"
	[ -n "${3:-}" ] && printf 'subjectAltName=%s\n' "$3" >>"$C/$1.ext"
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$C/$1.key" -out "$C/$1.csr" -subj "$2" &&
	ossl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-out "$C/$1.pem" -days 30 -extfile "$C/$1.ext" && chmod 600 "$C/$1.key"
}
# cert ORG: the certificate a partner gets, named by its org id (CN and DNS SAN)
cert() { mk "$1" "/CN=$1" "DNS:$1"; }
# use_tls NODE: switch its config to tls+tcp:// with its certificate
use_tls() {
	local port; port=$(free_port)
	sed -i "s|^listen = .*|listen = tls+tcp://127.0.0.1:$port\ntls_cert = $C/$1.pem\ntls_key = $C/$1.key\ntls_ca = $C/ca.pem|" \
		"$WN_T/$1/wijknet.conf"
}
status_field() { wn "$1" --json status | json_field "$2"; }
status_ge() { local v; v=$(status_field "$1" "$2"); test "${v:-0}" -ge "$3"; }
status_is() { test "$(status_field "$1" "$2")" = "$3"; }
