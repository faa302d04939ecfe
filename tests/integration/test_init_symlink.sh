#!/usr/bin/env bash
# test_init_symlink.sh - `wijknetd init` refuses a symbolic link as its
# data folder, with a clear error, and leaves the folder it points to as
# it was (no mode, owner or file changed): init runs as root with
# --owner, and a link planted at --data would make it chmod and chown
# another folder. Refused for every init, so also without root; as root
# with --owner nobody when it can.
. "$(dirname "$0")/lib.sh"

printf 'pass-link-%s\n' "$RANDOM$RANDOM" >"$WN_T/passphrase"
chmod 600 "$WN_T/passphrase"
port=$(free_port)
init_at() { # DATA [ARGS...]
	local data=$1; shift
	"$WIJKNETD" init --data "$data" --org-id lnk --org-name "Node lnk" \
		--role police --listen "tcp://127.0.0.1:$port" --user admin \
		--passphrase-file "$WN_T/passphrase" --kdf interactive "$@"
}
untouched() { # NAME DIR MODE OWNER: DIR is still empty with that mode and owner
	local got
	got="$(stat -c '%a %U:%G' "$2") $(ls -A "$2" | wc -l)"
	if [ "$got" = "$3 $4 0" ]; then ok "$1"; else
		not_ok "$1: $2 is '$got', not '$3 $4 0'"; ls -la "$2" | sed 's/^/    /'; fi
}

me="$(id -un):$(id -gn)"
mkdir -m 755 "$WN_T/target"
ln -s target "$WN_T/link"
check_exit "a symbolic link as the data folder is refused" 1 init_at "$WN_T/link"
check_out "... saying it is a link init does not follow" \
	"link is a symbolic link: init does not follow it; give the folder itself"
untouched "... and the folder it points to is left as it was" "$WN_T/target" 755 "$me"

# a link to a folder that does not exist yet: not made through the link
ln -s made-through-link "$WN_T/dangling"
check_exit "a link to a missing folder is refused" 1 init_at "$WN_T/dangling"
check_out "... as a link" "dangling is a symbolic link"
[ ! -e "$WN_T/made-through-link" ] && ok "... and nothing is made where it points" ||
	not_ok "... and nothing is made where it points"

# the same as root for another user: nothing of the target changes hands
if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1; then
	ok "# SKIP --owner needs root and the user nobody"
else
	check_exit "as root with --owner nobody, the link is refused" 1 \
		init_at "$WN_T/link" --owner nobody
	check_out "... saying so" "link is a symbolic link"
	untouched "... and the folder it points to is still root's, mode 0755" \
		"$WN_T/target" 755 "$me"
fi

# the folder itself is still fine
check "the folder itself (empty, not a link) makes a node" init_at "$WN_T/target"
if [ "$(stat -c %a "$WN_T/target")" = 700 ] && [ -s "$WN_T/target/node.key" ]; then
	ok "... mode 0700, with its key file"
else
	not_ok "... mode 0700, with its key file"
fi

wn_done
