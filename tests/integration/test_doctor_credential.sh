#!/usr/bin/env bash
# test_doctor_credential.sh - doctor on a node whose passphrase is a
# systemd credential, run outside the unit (no $CREDENTIALS_DIRECTORY):
# it cannot see the credential, so it checks the file the unit loads it
# from (--credential-file, default /etc/wijknet/passphrase; `wijknet
# doctor --credential-file` passes it on): root's, mode
# 0600, and says so in a note; loose modes, another owner and a missing
# file are findings saying what to do.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	ok "# SKIP needs root (the credential's source file is root's)"
	wn_done
	exit 0
fi
check "init" node_init p police
CONF="$WN_T/p/wijknet.conf"
sed -i -e 's/^source = file$/source = credential/' -e '/^path = /d' "$CONF"
grep -qx 'source = credential' "$CONF" && ok "the config reads the passphrase from the credential" ||
	not_ok "the config reads the passphrase from the credential"
SRC="$WN_T/passphrase"
install -o root -g root -m 600 "$WN_T/p.pass" "$SRC"
doctor() { env -u CREDENTIALS_DIRECTORY "$WIJKNETD" doctor --config "$CONF" "$@"; }

check_exit "a sound source file: nothing to fix" 0 doctor --credential-file "$SRC"
check_out "... with a note that it checked the unit's source file" \
	"^note: the passphrase comes from the credential wijknet-passphrase, which only the running unit sees; its source $SRC is root's, mode 0600 \(the unit must load it: LoadCredential=wijknet-passphrase:$SRC\)\$"
check_out "... and ok" "^ok: nothing to fix"

chmod 640 "$SRC"
check_exit "a source file others may read is to fix" 1 doctor --credential-file "$SRC"
check_out "... saying chmod 600" "^fix: $SRC: the passphrase credential's source has mode 0640, others may read it: chmod 600 $SRC\$"
chmod 600 "$SRC"

chown nobody "$SRC"
check_exit "a source file of another user is to fix" 1 doctor --credential-file "$SRC"
check_out "... saying chown root:root" "^fix: $SRC: the passphrase credential's source belongs to nobody; only root needs it .*: chown root:root $SRC\$"
chown root "$SRC"

check_exit "a missing source file that was named is to fix" 1 doctor --credential-file "$WN_T/nowhere"
check_out "... saying where the unit loads it from" \
	"^fix: $WN_T/nowhere: missing: wijknetd.service loads the passphrase credential wijknet-passphrase from it \(LoadCredential=wijknet-passphrase:$WN_T/nowhere\)"

# wijknet doctor passes --credential-file on (its config is -d's)
cli_doctor() { env -u CREDENTIALS_DIRECTORY "$WIJKNET" -d "$WN_T/p" doctor "$@"; }
check_exit "wijknet doctor --credential-file: a sound source file" 0 cli_doctor --credential-file "$SRC"
check_out "... the note names that file" "^note: the passphrase comes from the credential wijknet-passphrase, .*its source $SRC is root's, mode 0600"
chmod 640 "$SRC"
check_exit "wijknet doctor --credential-file: a source file others may read" 1 cli_doctor --credential-file "$SRC"
check_out "... saying chmod 600" "^fix: $SRC: the passphrase credential's source has mode 0640, others may read it: chmod 600 $SRC\$"
chmod 600 "$SRC"
check_exit "wijknet doctor --credential-file=FILE, missing" 1 cli_doctor --credential-file="$WN_T/nowhere"
check_out "... is a finding naming it" "^fix: $WN_T/nowhere: missing: wijknetd.service loads"

# the default, /etc/wijknet/passphrase: the unit may load it from
# elsewhere (systemctl edit), so a missing one is only a warning
if [ -e /etc/wijknet/passphrase ]; then
	ok "# SKIP this machine has /etc/wijknet/passphrase"
else
	check_exit "without --credential-file, a missing /etc/wijknet/passphrase is a warning" 0 doctor
	check_out "... naming it and --credential-file" \
		"^warn: /etc/wijknet/passphrase: missing: .*--credential-file\$"
fi

# inside the unit the credential itself is checked, not the source
mkdir -m 700 "$WN_T/creds"
install -m 400 -o "$(stat -c %u "$WN_T/p")" "$WN_T/p.pass" "$WN_T/creds/wijknet-passphrase"
check_exit "with \$CREDENTIALS_DIRECTORY the credential is checked instead" 0 \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" doctor --config "$CONF" --credential-file "$WN_T/nowhere"
if grep -q 'nowhere' "$WN_T/out"; then not_ok "... and the source file is not"; else ok "... and the source file is not"; fi

check_exit "doctor takes no stray argument" 2 doctor stray
wn_done
