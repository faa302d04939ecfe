#!/usr/bin/env bash
# test_certs.sh - the README's certificate recipe, run as it stands there
# (the indented block under each "<!-- recipe: NAME -->"): the lead
# municipality makes the federation CA, two partners each a key and a
# request, the lead signs them (one for a year, as written; one for 10
# days, as a certificate near its end); the certificates name the org id
# as CN and as their one DNS name, and two nodes form a TLS federation
# with them. `status` tells when each node's certificate expires, exactly
# in --json, and warns on the node whose certificate ends within 30 days.
. "$(dirname "$0")/lib.sh"

# recipe NAME: the README's block for NAME, without its indentation
recipe() {
	awk -v m="<!-- recipe: $1 -->" '
		index($0, m) { on = 1; next }
		on && /^$/ { if (started) exit; next }
		on && /^       / { started = 1; print substr($0, 8); next }
		on { exit }' "$TOP/README.md"
}
for r in ca request sign; do
	if [ "$(recipe $r | wc -l)" -ge 2 ]; then ok "the README has the recipe '$r'"; else
		not_ok "the README has the recipe '$r'"; fi
done

LEAD="$WN_T/lead"
mkdir -p "$LEAD"
# run_recipe DIR NAME [SED]: the recipe in DIR, its lines changed by SED
run_recipe() {
	(cd "$1" && bash -euo pipefail -c "$(recipe "$2" | sed "${3:-}")")
}
check "the lead municipality makes the federation CA" run_recipe "$LEAD" ca
mode=$(stat -c %a "$LEAD/neteland-ca.key" 2>/dev/null)
[ "$mode" = 600 ] && ok "the CA's key is 0600" || not_ok "the CA's key is 0600 (mode $mode)"

# partner ORG DAYS: ORG's key and request, signed by the lead for DAYS days
partner() {
	local org=$1 days=$2
	mkdir -p "$WN_T/p-$org"
	run_recipe "$WN_T/p-$org" request "s/^ORG=pz-neteland\$/ORG=$org/" || return 1
	cp "$WN_T/p-$org/$org.csr" "$LEAD/"
	run_recipe "$LEAD" sign "s/^ORG=pz-neteland\$/ORG=$org/; s/-days 365/-days $days/" \
		>"$WN_T/sign-$org.out" || return 1
	grep -q "CN *= *$org\$" "$WN_T/sign-$org.out" || return 1
	cp "$LEAD/$org.pem" "$LEAD/neteland-ca.pem" "$WN_T/p-$org/"
}
check "dir gets its certificate, for a year" partner dir 365
check "police gets its certificate, for 10 days" partner police 10
for org in dir police; do
	check "$org's certificate verifies against the CA" \
		openssl verify -CAfile "$WN_T/p-$org/neteland-ca.pem" "$WN_T/p-$org/$org.pem"
	openssl x509 -in "$WN_T/p-$org/$org.pem" -noout -subject -ext subjectAltName >"$WN_T/out" 2>&1
	check_out "$org's certificate has CN $org" "^subject=CN *= *$org\$"
	check_out "... and the one DNS name $org" "^ *DNS:$org\$"
done

# --- a federation over TLS with them
check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
# the README's step 4, to this test's own folder (and user)
for org in dir police; do
	mkdir -p "$WN_T/etc-$org"
	install -m 600 "$WN_T/p-$org/$org.key" "$WN_T/etc-$org/"
	install -m 644 "$WN_T/p-$org/$org.pem" "$WN_T/p-$org/neteland-ca.pem" "$WN_T/etc-$org/"
	sed -i "s|^listen = .*|listen = tls+tcp://127.0.0.1:$(free_port)\ntls_cert = $WN_T/etc-$org/$org.pem\ntls_key = $WN_T/etc-$org/$org.key\ntls_ca = $WN_T/etc-$org/neteland-ca.pem|" \
		"$WN_T/$org/wijknet.conf"
done
check "director starts with its certificate" node_start dir
check "member starts with its certificate" node_start police
dfp=$(bundle dir); pfp=$(bundle police)
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "the charter arrives over TLS" wait_for 60 field_ge police dir received_seq 1
check "police's messages arrive over TLS" wn police peer send dir --count 5 --size 64
check "... all of them" wait_for 60 field_is police dir queued 0

# --- status: when the certificate ends, and the warning 30 days ahead
iso_end() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ; }
json() { wn "$1" --json status | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["message"] if sys.argv[1] == "message" else r["rows"][0].get(sys.argv[1], "-"))' "$2"; }
for org in dir police; do
	want=$(iso_end "$WN_T/etc-$org/$org.pem")
	got=$(json $org tls_cert_expires)
	[ "$got" = "$want" ] && ok "$org: --json status tls_cert_expires is the certificate's end ($want)" ||
		not_ok "$org: --json status tls_cert_expires is the certificate's end ($want), not '$got'"
done
got=$(json police tls_cert_days_left)
[ "$got" = 10 ] && ok "police: 10 days left" || not_ok "police: 10 days left, not '$got'"
got=$(json dir tls_cert_days_left)
[ "$got" = 365 ] && ok "dir: 365 days left" || not_ok "dir: 365 days left, not '$got'"
check "police status" wn police status
if head -1 "$WN_T/out" | grep -Eq "^warning: this node's TLS certificate expires in 10 days, on $(iso_end "$WN_T/etc-police/police.pem"): renew it"; then
	ok "police's status begins with the warning to renew within 10 days"
else
	not_ok "police's status begins with the warning to renew within 10 days:"
	head -3 "$WN_T/out" | sed 's/^/    /'
fi
got=$(json police message)
case $got in "warning: this node's TLS certificate expires in 10 days"*)
	ok "police: --json status carries the warning as its message" ;;
*) not_ok "police: --json status carries the warning as its message, not '$got'" ;; esac
check "dir status" wn dir status
if grep -q warning "$WN_T/out"; then not_ok "dir's status (a year left) warns of nothing"; else
	ok "dir's status (a year left) warns of nothing"; fi
check_out "... and says when its certificate ends" "^tls cert expires: +$(iso_end "$WN_T/etc-dir/dir.pem")\$"

wn_done
