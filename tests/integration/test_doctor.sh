#!/usr/bin/env bash
# test_doctor.sh - `wijknet doctor` (wijknetd doctor) on a node with TLS:
# a sound set-up has nothing to fix (exit 0); each thing broken on purpose
# gives its one line saying what to fix (exit 1) or, for a certificate
# near its end, a warning (exit 0); and the node is put back each time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"

# mkcert NAME SUBJECT SAN DAYS [CA]: like tls_lib's mk, for DAYS days, by CA
# (default the federation's, $C/ca)
mkcert() {
	local ca=${5:-$C/ca}
	printf 'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=%s\n' "$3" >"$C/$1.ext"
	ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$C/$1.key" -out "$C/$1.csr" -subj "$2" &&
	ossl x509 -req -in "$C/$1.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
		-out "$C/$1.pem" -days "$4" -extfile "$C/$1.ext" && chmod 600 "$C/$1.key"
}
check "a federation CA" tls_ca
check "another CA" ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$C/other-ca.key" -out "$C/other-ca.pem" -days 30 -subj "/CN=not the federation"
check "n's certificate, for a year" mkcert n /CN=n DNS:n 365
check "one naming another org id" mkcert wrong /CN=wrong DNS:wrong 365
check "one of another CA" mkcert foreign /CN=n DNS:n 365 "$C/other-ca"
check "one for 10 days" mkcert soon /CN=n DNS:n 10
check_exit "init" 0 node_init n municipality
use_tls n
D="$WN_T/n"
CONF="$D/wijknet.conf"
doctor() { "$WIJKNET" -d "$D" doctor; }

check_exit "a sound node: doctor has nothing to fix" 0 doctor
check_out "... and says so" "^ok: nothing to fix in the set-up of n \($D\)\$"
if grep -Eq '^(fix|warn):' "$WN_T/out"; then not_ok "... without a finding"; sed 's/^/    /' "$WN_T/out"; else
	ok "... without a finding"; fi
check_exit "wijknetd doctor --config says the same" 0 "$WIJKNETD" doctor --config "$CONF"

# finding NAME EXIT PATTERN: doctor exits EXIT, with one line matching
# PATTERN (and no other finding)
finding() {
	check_exit "$1: doctor exits $2" "$2" doctor
	local n
	n=$(grep -Ec '^(fix|warn):' "$WN_T/out")
	if grep -Eq -- "$3" "$WN_T/out" && [ "$n" -eq 1 ]; then ok "$1: one line, what to fix"; else
		not_ok "$1: one line /$3/ ($n findings):"; sed 's/^/    /' "$WN_T/out"; fi
}

chmod 755 "$D"
finding "data folder 0755" 1 "^fix: $D: the data folder has mode 0755, anyone may enter it: chmod 700 $D\$"
chmod 700 "$D"
chmod 640 "$D/node.key"
finding "key file 0640" 1 "^fix: $D/node.key: the key file has mode 0640, others may read it .*: chmod 600 $D/node.key\$"
chmod 600 "$D/node.key"
chmod 644 "$WN_T/n.pass"
finding "passphrase file 0644" 1 "^fix: $WN_T/n.pass: the passphrase file has mode 0644.*chmod 600 $WN_T/n.pass\$"
chmod 600 "$WN_T/n.pass"
chmod 666 "$CONF"
finding "config writable by all" 1 "^fix: $CONF: the config has mode 0666, others may change it: chmod 600 $CONF\$"
chmod 600 "$CONF"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$D/node.key"
	finding "key file of another user" 1 "^fix: $D/node.key: the key file belongs to nobody, but the data folder \(and so the daemon\) to $(id -un): chown $(id -un) $D/node.key\$"
	chown "$(id -u)" "$D/node.key"
fi

cp "$CONF" "$WN_T/conf.good"
echo "bogus = 1" >>"$CONF"
check_exit "a config error: doctor exits 1" 1 doctor
check_out "... naming the file and line" "^fix: $CONF:[0-9]+: unknown key 'bogus'"
cp "$WN_T/conf.good" "$CONF"
sed -i 's/^control_mode = 0600$/control_mode = 0660\ncontrol_group = no-such-group-wn/' "$CONF"
finding "control_group that does not exist" 1 "^fix: control_group no-such-group-wn does not exist .*: groupadd no-such-group-wn\$"
cp "$WN_T/conf.good" "$CONF"

# the certificate
use_cert() { sed -i "s|^tls_cert = .*|tls_cert = $C/$1.pem|; s|^tls_key = .*|tls_key = $C/$1.key|" "$CONF"; }
use_cert wrong
finding "a certificate naming another org id" 1 "^fix: $C/wrong.pem: the certificate must name n, and only it, as its CN and DNS name"
use_cert foreign
finding "a certificate of another CA" 1 "^fix: $C/foreign.pem: the certificate does not verify against the federation CA $C/ca.pem \(.*\): have the CA sign it\$"
use_cert soon
finding "a certificate that ends in 10 days" 0 "^warn: $C/soon.pem: the certificate expires in 10 days, on [0-9-]+T[0-9:]+Z: renew it"
check_out "... and nothing to fix" "^ok: nothing to fix in the set-up of n .*; see the warnings above\$"
use_cert n
chmod 644 "$C/n.key"
finding "a TLS key others may read" 1 "^fix: $C/n.key: the TLS key has mode 0644.*chmod 600 $C/n.key\$"
chmod 600 "$C/n.key"
rm "$C/n.pem"
finding "no certificate" 1 "^fix: $C/n.pem: the node's certificate cannot be read"
check "the certificate back" mkcert n /CN=n DNS:n 365
check_exit "all put back: nothing to fix" 0 doctor

# a node that runs: doctor needs no lock, and says the same
check "the node starts" node_start n
check_exit "doctor on the running node: nothing to fix" 0 doctor
check_exit "doctor takes no arguments" 2 "$WIJKNET" -d "$D" doctor extra
check_exit "... but --credential-file FILE" 2 "$WIJKNET" -d "$D" doctor --credential-file "$WN_T/f" extra
check_exit "--credential-file needs a file" 2 "$WIJKNET" -d "$D" doctor --credential-file
check_exit "... not an empty one" 2 "$WIJKNET" -d "$D" doctor --credential-file ""
check_exit "nor another option" 2 "$WIJKNET" -d "$D" doctor --config "$CONF"
check_exit "wijknet doctor --help" 0 "$WIJKNET" doctor --help
check_out "... names --credential-file" "^usage: wijknet doctor \[--credential-file FILE\]"
check "wijknet(1) names it" grep -q 'B doctor .*credential' "$TOP/cli/wijknet.1"

wn_done
