#!/usr/bin/env bash
# test_control_runtime.sh - a control socket outside the data folder
# (control_socket, wijknet.conf(5)), as the unit's /run/wijknet gives it,
# so that several case workers reach the node without entering its data
# folder:
#  - the daemon serves at control_socket, not in the data folder; the CLI
#    finds it with -s or $WIJKNET_SOCKET;
#  - the daemon refuses a socket whose folder is missing, is not its own,
#    or lets group or others write (they could put a socket or a link of
#    their own in its place), and a path that does not fit a unix socket;
#  - a second node (a restored copy, say) with the same control_socket
#    refuses to start while the first serves there, and the first keeps
#    it; doctor asks the running node at control_socket;
#  - run as root: two uids in the socket's group, each named by a [user],
#    are each served as their own user with the data folder left at 0700;
#    a uid outside the group cannot even reach the socket.
. "$(dirname "$0")/lib.sh"
RUN="$WN_T/run"
SOCK="$RUN/control.sock"

check_exit "init" 0 node_init a police
mkdir -m 0700 "$RUN"
check "control_socket = $SOCK" set_conf a control_socket "$SOCK"
check "the daemon starts" node_start a
check "it serves at control_socket" test -S "$SOCK"
check "  not in the data folder" test ! -e "$WN_T/a/control.sock"
check "the alert socket beside it" test -S "$SOCK.alerts"
check "  not in the data folder either" test ! -e "$WN_T/a/control.sock.alerts"
check_exit "the CLI with -s reaches it" 0 "$WIJKNET" -s "$SOCK" whoami
check_exit "  with \$WIJKNET_SOCKET too" 0 env WIJKNET_SOCKET="$SOCK" "$WIJKNET" whoami
check_exit "  -d alone looks in the data folder, and says where it looked" 1 wn a whoami
check_out "  ... naming -s and \$WIJKNET_SOCKET" "cannot reach wijknetd at ipc://$WN_T/a/control.sock: .*-s / \\\$WIJKNET_SOCKET"
# doctor's findings (exit 1 with any): a alone directs and has published
# no matrix, which only the running node can tell
doctor_a() { "$WIJKNETD" doctor --config "$WN_T/a/wijknet.conf" 2>&1; true; }
check "doctor asks the running node there (it has published no matrix)" \
	out_has '^warn: no matrix is published' doctor_a
check_exit "a second node" 0 node_init b police
check "  with the same control_socket" set_conf b control_socket "$SOCK"
check_exit "  refuses to start while a serves there" 1 node_start b
[ -n "${WN_PID[b]:-}" ] && node_stop b
check "  saying so" grep -q "control_socket $SOCK: another wijknetd serves there" "$WN_T/b.log"
check_exit "  and a still serves at it" 0 "$WIJKNET" -s "$SOCK" whoami
check "the daemon stops" node_stop a
check "  and removes its socket" test ! -e "$SOCK"
check "  and its alert socket" test ! -e "$SOCK.alerts"
check "doctor: the node does not run" out_has '^note: the node does not run' doctor_a

refused() { # WHY PATTERN: the daemon does not start, and its log says PATTERN
	: >"$WN_T/a.log"
	check_exit "$1: the daemon refuses to start" 1 node_start a
	[ -n "${WN_PID[a]:-}" ] && node_stop a
	check "  saying why" grep -q -- "$2" "$WN_T/a.log"
}
chmod 0770 "$RUN"
refused "a folder the group may write to" "its folder $RUN must be a folder of the daemon's user that only it may write to (mode 0700 or 0750; it is a folder, mode 0770"
rmdir "$RUN"
refused "no folder" "its folder $RUN: No such file or directory (under systemd, RuntimeDirectory= makes it)"
mkdir -m 0700 "$WN_T/real" && ln -s "$WN_T/real" "$RUN"
refused "a link to a folder" "its folder $RUN must be a folder of the daemon's user .* it is not a folder"
rm "$RUN" && mkdir -m 0700 "$RUN"
long="/$(printf 'x%.0s' $(seq 1 100))/control.sock"
check "a path longer than a unix socket takes" set_conf a control_socket "$long"
check_exit "  is a config error" 1 "$WIJKNETD" doctor --config "$WN_T/a/wijknet.conf"
check_out "  ... saying how long it may be" "control_socket.*at most 99 bytes"
# an alert socket's name is never a control socket's (review L5)
check "another node's alert socket as control_socket" set_conf a control_socket "$RUN/b.sock.alerts"
check_exit "  is a config error" 1 "$WIJKNETD" doctor --config "$WN_T/a/wijknet.conf"
check_out "  ... saying why" "control_socket.*not ending in '.alerts' \\(an alert socket's\\)"
check "control_socket back" set_conf a control_socket "$SOCK"

# ---- several case workers (root only: it takes other uids)
wn_a_audit() { "$WIJKNET" -s "$SOCK" audit show --limit 50; }
as_uid() { # UID GID CMD...: run CMD as UID with GID its only group
	local u=$1 g=$2; shift 2
	/usr/bin/python3 -c 'import os,sys
os.setgroups([]); os.setgid(int(sys.argv[2])); os.setuid(int(sys.argv[1]))
os.execv(sys.argv[3], sys.argv[3:])' "$u" "$g" "$@"
}
if [ "$(id -u)" != 0 ]; then
	echo "# skipped: serving other uids needs root (running as uid $(id -u))"
	wn_done
	exit
fi
G=$(getent group nogroup | cut -d: -f1)
[ -n "$G" ] || G=$(getent group | awk -F: '$3 != 0 { print $1; exit }')
GID=$(getent group "$G" | cut -d: -f3)
OTHER=$(getent group | awk -F: -v g="$GID" '$3 != g && $3 != 0 { print $3; exit }')
check "a group for the case workers: $G ($GID), and another ($OTHER)" test -n "$GID" -a -n "$OTHER"
# $WN_T lets everyone through (a folder above it must too); the data
# folder stays as init made it (0700), the socket's folder is 0750 of G
chmod 0711 "$WN_T"
chgrp "$G" "$RUN" && chmod 0750 "$RUN"
if ! as_uid 65533 "$GID" /usr/bin/python3 -c 'import os,sys; os.stat(sys.argv[1])' "$RUN/" 2>/dev/null ||
	! as_uid 65533 "$GID" "$WIJKNET" --version >/dev/null 2>&1; then
	echo "# skipped: uid 65533 cannot reach $RUN or run $WIJKNET (a folder above is closed)"
	wn_done
	exit
fi
check "control_mode 0660, control_group $G" eval 'set_conf a control_mode 0660 && set_conf a control_group "$G"'
printf '\n[user anna]\nuid = 65533\nrole = case_worker\n\n[user bram]\nuid = 65534\nrole = viewer\n' \
	>>"$WN_T/a/wijknet.conf"
# three alerts, as the event sink writes them (a lone node raises none)
alert_rows() { for i in 1 2 3; do
	echo "INSERT INTO alerts (time_ms, kind, case_id, partner, ref, role) VALUES ($(date +%s)000, 'action.done', 'C-rt', 'police', $i, 'director');"
done | node_sql a; }
check "three alerts at a" alert_rows
check "the daemon starts" node_start a
check "the data folder is still 0700" test "$(stat -c %a "$WN_T/a")" = 700
check "the socket is 0660 of group $G" test "$(stat -c %a:%G "$SOCK")" = "660:$G"
as_uid 65533 "$GID" "$WIJKNET" -s "$SOCK" whoami >"$WN_T/out" 2>&1
check_out "uid 65533 in the group is served as anna" 'anna'
as_uid 65534 "$GID" "$WIJKNET" -s "$SOCK" whoami >"$WN_T/out" 2>&1
check_out "uid 65534 in the group is served as bram" 'bram'
check_exit "  neither can enter the data folder" 1 as_uid 65533 "$GID" /usr/bin/python3 -c \
	'import os,sys; os.listdir(sys.argv[1])' "$WN_T/a"
check_exit "uid 65532 outside the group is not served" 1 as_uid 65532 "$OTHER" "$WIJKNET" -s "$SOCK" whoami
check_out "  ... the kernel refuses it the socket" "cannot reach wijknetd at ipc://$SOCK: Permission denied"
check "the alert socket is 0660 of group $G too" test "$(stat -c %a:%G "$SOCK.alerts")" = "660:$G"
check_exit "uid 65531 in the group but no [user] is refused on the alert socket" 1 \
	as_uid 65531 "$GID" "$WIJKNET" -s "$SOCK" alerts --follow --since 0
check_out "  ... as on the control socket" 'uid 65531 is not a user of this node'
check "  ... and audited" out_has 'uid:65531[[:space:]]+control.refused[[:space:]]+alert.wait' wn_a_audit
check_exit "uid 65532 outside the group cannot follow the alerts" 1 \
	as_uid 65532 "$OTHER" "$WIJKNET" -s "$SOCK" alerts --follow --since 0
check_out "  ... the kernel refuses it the alert socket" "cannot reach wijknetd at ipc://$SOCK.alerts: Permission denied"
# who sees alerts: case work, refused to a viewer on both sockets (M1)
as_bram() { as_uid 65534 "$GID" "$WIJKNET" -s "$SOCK" "$@"; }
check_exit "the viewer bram may not list the alerts" 1 as_bram alerts
check_out "  ... it needs case_worker" "'alert.list' needs the role case_worker; bram is viewer"
check_exit "  ... nor mark them read" 1 as_bram alerts read --all
check_out "  ... saying so" "'alert.read' needs the role case_worker; bram is viewer"
# (timeout: a follower let in would follow for good)
check_exit "  ... nor follow them on the alert socket" 1 \
	as_uid 65534 "$GID" /usr/bin/timeout 300 "$WIJKNET" -s "$SOCK" alerts --follow --since 0
check_out "  ... which applies the same rule" "'alert.wait' needs the role case_worker; bram is viewer"
for op in alert.list alert.read alert.wait; do
	check "  ... $op refused, audited" out_has "bram[[:space:]]+control.$op[[:space:]].*denied: role" wn_a_audit
done
as_anna() { as_uid 65533 "$GID" "$WIJKNET" -s "$SOCK" "$@"; }
as_admin() { "$WIJKNET" -s "$SOCK" "$@"; }
check "the case worker anna may list them: three unread" out_has '^3 unread alerts$' as_anna alerts
# read state is each user's own (M2)
check_exit "the administrator marks read all up to alert 2" 0 as_admin alerts read --all --upto 2
check_out "  ... two, and says one newer is unread" '^2 marked read, up to alert 2; 1 newer unread$'
check "  ... one unread left for it" out_has '^1 unread alert$' as_admin alerts
check "  ... alert 1 read, in its --all" out_has '^alert 1  .*\(read ' as_admin alerts --all
check "anna's three are still unread" out_has '^3 unread alerts$' as_anna alerts
check_exit "anna marks all read, up to the newest now" 0 as_anna alerts read --all
check_out "  ... three, up to alert 3" '^3 marked read, up to alert 3$'
check "  ... none unread for her" out_has '^0 unread alerts$' as_anna alerts
check "  ... the administrator's alert 3 is still unread" out_has '^1 unread alert$' as_admin alerts
check_exit "anna marks alert 2 again" 0 as_anna alerts read 2
check_out "  ... it was read already" '^0 marked read, 1 read already$'
check "the daemon stops" node_stop a
wn_done
