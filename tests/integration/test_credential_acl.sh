#!/usr/bin/env bash
# test_credential_acl.sh - the passphrase credential as systemd >= 254
# hands it over on tmpfs: the file stays root's, mode 0400, and the
# service's user may read it through a POSIX ACL (user:USER:r--, whose
# mask shows as group bits: mode 0440). wijknetd, run as that user (here
# nobody), accepts it and starts; doctor, given the same
# $CREDENTIALS_DIRECTORY, finds nothing to fix. Where systemd runs, a
# transient unit with LoadCredential= and User= unlocks the node for real
# (skipped elsewhere, saying so).
. "$(dirname "$0")/lib.sh"

need_nobody || { wn_done; exit 0; }

printf 'pass-acl-%05d%05d\n' "$RANDOM" "$RANDOM" >"$WN_T/passphrase"
chmod 600 "$WN_T/passphrase"
DATA="$WN_T/acl"
port=$(free_port)
check "init as root for nobody, passphrase as a credential" \
	"$WIJKNETD" init --data "$DATA" --org-id acl --org-name "Node acl" \
	--role police --listen "tcp://127.0.0.1:$port" --user admin \
	--passphrase-file "$WN_T/passphrase" --owner nobody \
	--passphrase-credential wijknet-passphrase --kdf interactive

# the credential as systemd leaves it on tmpfs: root's, 0400, and an ACL
# entry for the service's user (the mask r-- shows as the group's bits)
mkdir -m 711 "$WN_T/creds"
install -o root -g root -m 400 "$WN_T/passphrase" "$WN_T/creds/wijknet-passphrase"
if ! /usr/bin/python3 - "$WN_T/creds/wijknet-passphrase" "$OWN_U" <<'EOF'; then
import os, struct, sys
path, uid = sys.argv[1], int(sys.argv[2])
ANY = 0xffffffff
# user::r-- user:UID:r-- group::--- mask::r-- other::---
ents = [(0x01, 4, ANY), (0x02, 4, uid), (0x04, 0, ANY), (0x10, 4, ANY), (0x20, 0, ANY)]
os.setxattr(path, "system.posix_acl_access",
            struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in ents))
EOF
	ok "# SKIP the file system of $WN_T has no POSIX ACLs"
	wn_done
	exit 0
fi
got=$(stat -c '%a %U' "$WN_T/creds/wijknet-passphrase")
[ "$got" = "440 root" ] && ok "the credential is root's, mode 0440 (the ACL mask)" ||
	not_ok "the credential is root's, mode 0440 (the ACL mask): it is $got"

cat >"$WN_T/as-owner" <<EOF
#!/bin/sh
exec setpriv --reuid=$OWN_U --regid=$OWN_G --clear-groups \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" "\$@"
EOF
chmod 755 "$WN_T/as-owner"
REAL_WIJKNETD=$WIJKNETD
WIJKNETD="$WN_T/as-owner"
check "the daemon starts as nobody with a root-owned credential it reads by ACL" node_start acl
WIJKNETD=$REAL_WIJKNETD
check "root is served" wn acl whoami
node_stop acl

check_exit "doctor with the same credentials finds nothing to fix" 0 \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" doctor --config "$DATA/wijknet.conf"
if grep -q 'credential' "$WN_T/out"; then not_ok "... and says nothing of the credential"
	sed 's/^/    /' "$WN_T/out"; else ok "... and says nothing of the credential"; fi

# an ACL that lets another user read too is refused, by both
/usr/bin/python3 - "$WN_T/creds/wijknet-passphrase" "$OWN_U" <<'EOF'
import os, struct, sys
path, uid = sys.argv[1], int(sys.argv[2])
ANY = 0xffffffff
ents = [(0x01, 4, ANY), (0x02, 4, uid), (0x02, 4, uid + 4242), (0x04, 0, ANY),
        (0x10, 4, ANY), (0x20, 0, ANY)]
os.setxattr(path, "system.posix_acl_access",
            struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in ents))
EOF
check_exit "a credential another user may read too is refused (exit 3)" 3 \
	"$WN_T/as-owner" run --config "$DATA/wijknet.conf"
check_out "... saying it is accessible to others" "wijknet-passphrase: credential file is accessible to group or others"
check_exit "... and doctor says to fix it" 1 \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" doctor --config "$DATA/wijknet.conf"
check_out "... naming the credential" "^fix: $WN_T/creds/wijknet-passphrase: the passphrase credential .* may be read by others"

# --- for real, where systemd runs: a transient unit loads the credential
# and runs the daemon's audit-verify (it unlocks the key file) as nobody
if [ ! -d /run/systemd/system ] || ! command -v systemd-run >/dev/null; then
	ok "# SKIP systemd is not running here (PID 1 is $(ps -p 1 -o comm=)): no systemd-run smoke test"
else
	check "systemd-run with LoadCredential= and User=nobody unlocks the node" \
		systemd-run --quiet --wait --pipe --collect \
		-p LoadCredential="wijknet-passphrase:$WN_T/passphrase" -p User=nobody \
		"$REAL_WIJKNETD" audit-verify --config "$DATA/wijknet.conf"
fi

wn_done
