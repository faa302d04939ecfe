#!/usr/bin/env bash
# test_exit_passphrase.sh - wijknetd run (and audit-verify) exits with
# status 3 when the passphrase is wrong or cannot be read, so that
# wijknetd.service, which lists 3 in RestartPreventExitStatus=, does not
# loop through Argon2id every 10 s; other failures (a damaged key file)
# stay 1, which the unit restarts, within StartLimitBurst. The unit and
# wijknetd(8) say so; they list 4 too (a rollback: test_rollback.sh,
# test_receive_only.sh).
. "$(dirname "$0")/lib.sh"

check "init" node_init p police
CONF="$WN_T/p/wijknet.conf"
cp "$WN_T/p.pass" "$WN_T/p.pass.good"

printf 'not-the-passphrase\n' >"$WN_T/p.pass"
check_exit "a wrong passphrase: run exits 3" 3 node_start p
check "  and says why" grep -q 'wrong passphrase' "$WN_T/p.log"
check_exit "  audit-verify exits 3 too" 3 "$WIJKNETD" audit-verify --config "$CONF"
cp "$WN_T/p.pass.good" "$WN_T/p.pass"

chmod 644 "$WN_T/p.pass"
check_exit "a passphrase file readable by others: exit 3" 3 node_start p
chmod 600 "$WN_T/p.pass"
mv "$WN_T/p.pass" "$WN_T/p.pass.away"
check_exit "a missing passphrase file: exit 3" 3 node_start p
mv "$WN_T/p.pass.away" "$WN_T/p.pass"

# a credential the unit did not load
sed -i -e 's/^source = file$/source = credential/' -e '/^path = /d' "$CONF"
check_exit "source = credential without \$CREDENTIALS_DIRECTORY: exit 3" 3 \
	env -u CREDENTIALS_DIRECTORY "$WIJKNETD" run --config "$CONF"
check_out "  naming LoadCredential=" 'LoadCredential='
mkdir -m 700 "$WN_T/creds"
check_exit "a credential directory without the credential: exit 3" 3 \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" run --config "$CONF"
install -m 400 "$WN_T/p.pass" "$WN_T/creds/wijknet-passphrase"
check "the credential there starts it" \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" audit-verify --config "$CONF"

# not the passphrase: a damaged key file is a plain failure
cp "$WN_T/p/node.key" "$WN_T/key.orig"
/usr/bin/python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(3); b=f.read(1); f.seek(3); f.write(bytes([b[0]^0x40]))' "$WN_T/p/node.key"
check_exit "a damaged key file still exits 1" 1 \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" run --config "$CONF"
cp "$WN_T/key.orig" "$WN_T/p/node.key"

U="$TOP/dist/wijknetd.service.in"
for line in "RestartPreventExitStatus=3 4" Restart=on-failure StartLimitIntervalSec=10min StartLimitBurst=5; do
	grep -qxF "$line" "$U" && ok "the unit has $line" || not_ok "the unit has $line"
done
if sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$TOP/node/wijknetd.8" | grep -q '^\.B 3$'; then
	ok "wijknetd(8) lists exit status 3"
else
	not_ok "wijknetd(8) lists exit status 3"
fi
if sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$TOP/node/wijknetd.8" | grep -q '^\.B 4$'; then
	ok "wijknetd(8) lists exit status 4"
else
	not_ok "wijknetd(8) lists exit status 4"
fi

wn_done
