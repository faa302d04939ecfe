#!/usr/bin/env bash
# test_control_socket.sh - the control socket's access rules (README "The
# config file", PROTOCOL.md "Local control protocol"): mode 0600 by
# default; with control_mode = 0660 and control_group = NAME it is mode
# 0660 and owned by that group; a group that does not exist stops the
# daemon at start. Run as root (a fresh Debian machine) the test also
# connects as another uid: in the group it reaches the socket and is then
# refused by the uid check (WN_EAUTH, 4) until a [user] names its uid;
# outside the group, or with mode 0600, the kernel refuses the connection.
# Run as any other user (CI) those steps need a second uid and are skipped.
. "$(dirname "$0")/lib.sh"
SOCK="$WN_T/a/control.sock"
# the group: as root any group but root's own (so that the daemon must
# hand the socket over: chown); otherwise a supplementary group of ours if
# we have one, else our primary group (then the socket has it from birth)
if [ "$(id -u)" = 0 ]; then
	G=$(getent group nogroup | cut -d: -f1)
	[ -n "$G" ] || G=$(getent group | awk -F: '$3 != 0 { print $1; exit }')
else
	G=$(id -Gn | tr ' ' '\n' | grep -vx "$(id -gn)" | head -1)
	[ -n "$G" ] || G=$(id -gn)
fi
GID=$(getent group "$G" | cut -d: -f3)
check "a group to give the socket to: $G ($GID)" test -n "$G" -a -n "$GID"

check_exit "init" 0 node_init a police
check "the daemon starts" node_start a
check "the control socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
check "  owned by the daemon's user" test "$(stat -c %u "$SOCK")" = "$(id -u)"
check "the daemon stops" node_stop a

check "control_mode = 0660, control_group = $G" eval 'set_conf a control_mode 0660 && set_conf a control_group "$G"'
check "the daemon starts" node_start a
check "the control socket is mode 0660" test "$(stat -c %a "$SOCK")" = 660
check "  owned by group $G" test "$(stat -c %G "$SOCK")" = "$G"
check_exit "  and serves the node's own user" 0 wn a whoami

# as another uid (root only: it takes switching uid)
as_other() { # GID CMD...: run CMD as uid 65534 with that group only
	local g=$1; shift
	/usr/bin/python3 -c 'import os,sys
os.setgroups([]); os.setgid(int(sys.argv[1])); os.setuid(65534)
os.execv(sys.argv[2], sys.argv[2:])' "$g" "$@"
}
raw_as() { # GID OP: one control request over the raw socket as uid 65534
	as_other "$1" /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$SOCK" "$2"
}
# the folders above $WN_T must let another uid through (a root folder of
# mode 0700, as in a chroot made with mktemp -d, does not: then every
# connection would be refused there, and the checks below would pass or
# fail for that reason and not the socket's)
reachable() { as_other "$GID" /usr/bin/python3 -c 'import os,sys; os.stat(sys.argv[1])' "${WN_T%/*}/" 2>/dev/null; }
if [ "$(id -u)" = 0 ] && [ "$GID" != 0 ] && ! reachable; then
	echo "# skipped: uid 65534 cannot reach ${WN_T%/*}/ (a folder above it is closed: / is mode $(stat -c %a /))"
elif [ "$(id -u)" = 0 ] && [ "$GID" != 0 ]; then
	other_gid=$(getent group | awk -F: -v g="$GID" '$3 != g && $3 != 0 { print $3; exit }')
	# the data folder (0700 from init) lets the group through, as the
	# operator must (README); $WN_T, which holds it, too
	chgrp "$G" "$WN_T" "$WN_T/a" && chmod 0710 "$WN_T" "$WN_T/a"
	raw_as "$GID" whoami >"$WN_T/out" 2>&1
	check_out "uid 65534 in group $G reaches the socket, and the uid check refuses it: WN_EAUTH (4)" '^4 uid 65534 '
	# outside the group: the folders let everyone through for this one
	# check (0711), so that only the socket's own mode (0660) can refuse
	chmod 0711 "$WN_T" "$WN_T/a"
	check "uid 65534 in another group can reach the socket (its folders let it)" \
		as_other "$other_gid" /usr/bin/python3 -c 'import os,sys; os.stat(sys.argv[1])' "$SOCK"
	raw_as "$other_gid" whoami >"$WN_T/out" 2>&1
	check_out "uid 65534 in another group ($other_gid) cannot connect: the socket's mode refuses it" 'PermissionError'
	chmod 0710 "$WN_T" "$WN_T/a"
	check "the daemon stops" node_stop a
	printf '\n[user guest]\nuid = 65534\nrole = viewer\n' >>"$WN_T/a/wijknet.conf"
	check "with a [user] for uid 65534 the daemon starts" node_start a
	raw_as "$GID" whoami >"$WN_T/out" 2>&1
	check_out "  uid 65534 in group $G is served" '^0 '
	check "the daemon stops" node_stop a
	check "control_mode back to 0600" eval 'sed -i "/^control_group = /d" "$WN_T/a/wijknet.conf" && set_conf a control_mode 0600'
	check "the daemon starts" node_start a
	check "  the socket is mode 0600 again" test "$(stat -c %a "$SOCK")" = 600
	chgrp "$G" "$SOCK"
	raw_as "$GID" whoami >"$WN_T/out" 2>&1
	check_out "  uid 65534 in group $G cannot connect (even with the file given to the group)" 'PermissionError'
else
	echo "# skipped: connecting as another uid needs root (running as uid $(id -u))"
fi
check "the daemon stops" node_stop a

check "control_mode = 0660 with a group that does not exist" eval \
	'set_conf a control_mode 0660 && set_conf a control_group no-such-group-wn'
: >"$WN_T/a.log"
check_exit "  the daemon refuses to start" 1 node_start a
[ -n "${WN_PID[a]:-}" ] && node_stop a
check "  saying it cannot give the socket to that group" grep -q "cannot give the socket to group 'no-such-group-wn'" "$WN_T/a.log"
wn_done
