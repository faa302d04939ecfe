#!/usr/bin/env bash
# test_init_owner.sh - `wijknet init` makes a node the way wijknetd.service
# runs it: as root, for the system user (here nobody, whom every Debian
# has), with the passphrase as a systemd credential. init makes the
# folders above the data folder that are missing (0755), the data folder
# (0700) and everything in it owned by that user; the config reads the
# passphrase from the credential; the daemon, run as that user with
# $CREDENTIALS_DIRECTORY as systemd sets it, serves root's requests.
# Bad uses are refused before anything is made.
. "$(dirname "$0")/lib.sh"

need_nobody || { wn_done; exit 0; }

# the passphrase file is root's, as /etc/wijknet/passphrase is
printf 'pass-svc-%05d%05d\n' "$RANDOM" "$RANDOM" >"$WN_T/passphrase"
chmod 600 "$WN_T/passphrase"
DATA="$WN_T/srv/lib/wijknet"
port=$(free_port)
init_svc() {
	"$WIJKNET" init --data "$DATA" --org-id svc --org-name "Node svc" \
		--role police --listen "tcp://127.0.0.1:$port" --user admin \
		--passphrase-file "$WN_T/passphrase" \
		--passphrase-credential wijknet-passphrase --kdf interactive "$@"
}

# --- refused before anything is made
check_exit "--passphrase-credential without --passphrase-file is a usage error" 2 \
	"$WIJKNET" init --data "$DATA" --org-id svc --org-name "Node svc" --role police \
	--listen "tcp://127.0.0.1:$port" --passphrase-credential wijknet-passphrase
check_out "... and says why" 'needs --passphrase-file'
check_exit "--owner of a user that does not exist is refused" 1 init_svc --owner no-such-user-wn
check_out "... naming the user and how to make it" "no-such-user-wn: no such user .*adduser --system --group"
[ ! -e "$WN_T/srv" ] && ok "... and nothing is made" || not_ok "... and nothing is made"
check_exit "a user who is not root cannot make a node for another" 1 \
	setpriv --reuid="$OWN_U" --regid="$OWN_G" --clear-groups \
	"$WIJKNETD" init --data "$WN_T/other" --org-id x --org-name X --role police \
	--listen "tcp://127.0.0.1:$port" --owner root --passphrase-file "$WN_T/passphrase"
check_out "... and is told so" 'only root can create a node for another user'

# a folder above the data folder that the user cannot pass through
mkdir -m 700 "$WN_T/closed"
check_exit "a data folder the user cannot reach is refused" 1 \
	"$WIJKNET" init --data "$WN_T/closed/lib/wijknet" --org-id x --org-name X --role police \
	--listen "tcp://127.0.0.1:$port" --owner nobody --passphrase-file "$WN_T/passphrase" \
	--passphrase-credential wijknet-passphrase --kdf interactive
check_out "... saying that a folder above it must let the user through" \
	"closed/lib/wijknet: the user nobody cannot reach it \(Permission denied\): every folder above it must let nobody through"

# --- as wijknetd.service needs it
check "init as root for nobody, passphrase as a credential" init_svc --owner nobody
mode_owner() { # NAME PATH MODE USER:GROUP
	local got
	got=$(stat -c '%a %U:%G' "$2" 2>&1)
	if [ "$got" = "$3 $4" ]; then ok "$1"; else not_ok "$1: $2 is $got, not $3 $4"; fi
}
mode_owner "init made the missing folders above the data folder (0755)" "$WN_T/srv" 755 root:root
mode_owner "... each of them" "$WN_T/srv/lib" 755 root:root
mode_owner "the data folder is 0700 and the owner's" "$DATA" 700 "nobody:$(id -gn nobody)"
for f in node.key node.db wijknet.conf; do
	mode_owner "$f is 0600 and the owner's" "$DATA/$f" 600 "nobody:$(id -gn nobody)"
done
if grep -qx 'source = credential' "$DATA/wijknet.conf" &&
	grep -qx 'name = wijknet-passphrase' "$DATA/wijknet.conf" &&
	! grep -q '^path = ' "$DATA/wijknet.conf"; then
	ok "the config reads the passphrase from the credential"
else
	not_ok "the config reads the passphrase from the credential"
	sed 's/^/    /' "$DATA/wijknet.conf"
fi
check_exit "a second init on the folder is refused" 1 init_svc --owner nobody
check_out "... because it holds a node" 'already holds a node'

# --- the daemon runs as its user, with the credential systemd would give
mkdir "$WN_T/creds"
install -o nobody -g "$OWN_G" -m 400 "$WN_T/passphrase" "$WN_T/creds/wijknet-passphrase"
cat >"$WN_T/as-owner" <<EOF
#!/bin/sh
exec setpriv --reuid=$OWN_U --regid=$OWN_G --clear-groups \
	env CREDENTIALS_DIRECTORY="$WN_T/creds" "$WIJKNETD" "\$@"
EOF
chmod 755 "$WN_T/as-owner"
ln -s srv/lib/wijknet "$WN_T/svc"
REAL_WIJKNETD=$WIJKNETD
WIJKNETD="$WN_T/as-owner"
check "the daemon starts as nobody with the credential" node_start svc
WIJKNETD=$REAL_WIJKNETD
check "root is served (its uid is init's first administrator)" wn svc whoami
check_out "... as admin" '^user: *admin'
mode_owner "the control socket is the owner's" "$DATA/control.sock" 600 "nobody:$(id -gn nobody)"
node_stop svc

# without the credential the daemon says what is missing
check_exit "without \$CREDENTIALS_DIRECTORY the daemon refuses (exit 3)" 3 \
	setpriv --reuid="$OWN_U" --regid="$OWN_G" --clear-groups \
	"$WIJKNETD" run --config "$DATA/wijknet.conf"
check_out "... naming LoadCredential=" 'LoadCredential='

wn_done
