#!/usr/bin/env bash
# test_backup_guard.sh - what wijknetd backup and restore refuse to touch
# (review s8, L2 and L8), on one node that never runs:
#  - restore into an existing folder takes only an empty folder of the
#    user restoring, not a symbolic link, that no one else may write in:
#    a link to an empty folder, a folder of another user (uid 65534, as
#    root), a world- or group-writable folder and a folder that is not
#    empty are each refused, saying what is wrong, and left as they were;
#    an empty folder of mode 0755 is taken and set to 0700, as init does;
#  - just before it opens the store, restore checks again that the folder
#    holds only what it put there: a link planted as node.db-wal while it
#    asked for the passphrase is refused, and what it points to is left
#    as it was (SQLite would have opened it with O_CREAT, following it);
#  - backup opens the store without migrating it: a store whose schema
#    version is older than the binary's (a daemon not yet restarted after
#    an upgrade) or newer is refused with both versions, left at its
#    version, and no backup file is written.
. "$(dirname "$0")/lib.sh"
B="$WN_T/solo.bak"
PASS="$WN_T/solo.pass"
restore() { "$WIJKNETD" restore --from "$B" --data "$1" --passphrase-file "$PASS"; }
backup() { "$WIJKNETD" backup --data "$WN_T/solo" --out "$B" --passphrase-file "$PASS"; }
schema() { printf 'PRAGMA user_version;\n' | node_sql solo; }
set_schema() { printf 'PRAGMA user_version = %d;\n' "$1" | node_sql solo && count_is "$1" schema; }
# empty_dir DIR: DIR exists and holds nothing
empty_dir() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }

check "a node (never started)" node_init solo municipality
check "a backup of it" backup

# --- restore: the existing folder
mkdir "$WN_T/real"
ln -s "$WN_T/real" "$WN_T/link"
check_exit "a restore into a symbolic link to an empty folder is refused" 1 restore "$WN_T/link"
check_out "  saying it is a link" "link is a symbolic link: restore does not follow it"
check "  the link and the folder it names are left as they were" \
	bash -c "[ -L '$WN_T/link' ] && [ -z \"\$(ls -A '$WN_T/real')\" ]"

if [ "$(id -u)" -eq 0 ]; then
	mkdir -m 700 "$WN_T/other"
	chown 65534 "$WN_T/other"
	check_exit "a restore into an empty folder of another user (uid 65534) is refused" 1 restore "$WN_T/other"
	check_out "  saying whose it is" "other belongs to uid 65534, not to the user restoring \(uid 0\)"
	check "  and it is left empty" empty_dir "$WN_T/other"
else
	ok "# SKIP a folder of another user needs root to make"
fi

mkdir "$WN_T/ww"
chmod 777 "$WN_T/ww"
check_exit "a restore into an empty world-writable folder is refused" 1 restore "$WN_T/ww"
check_out "  saying others may write in it" "ww has mode 0777: others may write in it"
check "  and it is left empty, mode 0777" \
	bash -c "[ -z \"\$(ls -A '$WN_T/ww')\" ] && [ \"\$(stat -c %a '$WN_T/ww')\" = 777 ]"
mkdir "$WN_T/gw"
chmod 770 "$WN_T/gw"
check_exit "a restore into an empty group-writable folder is refused" 1 restore "$WN_T/gw"
check_out "  saying so" "gw has mode 0770: others may write in it"
check "  and it is left empty" empty_dir "$WN_T/gw"

mkdir -m 700 "$WN_T/full"
echo keep >"$WN_T/full/notes"
check_exit "a restore into a folder that is not empty is refused" 1 restore "$WN_T/full"
check_out "  saying so" "full: not empty: restore makes a new data folder"
check "  and the folder holds what it held" bash -c "[ \"\$(ls -A '$WN_T/full')\" = notes ] && grep -qx keep '$WN_T/full/notes'"

mkdir "$WN_T/mine"
chmod 755 "$WN_T/mine"
check "a restore into an empty folder of ours, mode 0755, works" restore "$WN_T/mine"
check "  the folder is 0700 now, as init leaves it" test "$(stat -c %a "$WN_T/mine")" = 700
check "  and its config names it" grep -qx "data_dir = $WN_T/mine" "$WN_T/mine/wijknet.conf"

# --- restore: the folder checked again just before the store is opened.
# The passphrase asked on a terminal (script(1), of Debian's essential
# bsdutils, gives restore one) holds restore between the key file and the
# store, while the test plants a link in the folder. A root whose
# /dev/pts is no mount gets a devpts of its own for this (test_backup.sh).
pts_mounted=""
if ! script -qec true /dev/null >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
	! mountpoint -q /dev/pts &&
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts; then
	pts_mounted=1
fi
if script -qec true /dev/null >/dev/null 2>&1; then
	echo "not for the store" >"$WN_T/target"
	mkfifo "$WN_T/tty-in"
	exec {TTY_IN}<>"$WN_T/tty-in"
	script -qec "'$WIJKNETD' restore --from '$B' --data '$WN_T/planted'" /dev/null \
		<&"$TTY_IN" >"$WN_T/planted.out" 2>&1 &
	rpid=$!
	check "restore asks for the passphrase, the key file unpacked" wait_for 120 test -e "$WN_T/planted/node.key"
	check "  someone plants node.db-wal, a link to another file" ln -s "$WN_T/target" "$WN_T/planted/node.db-wal"
	cat "$PASS" >&"$TTY_IN"
	wait "$rpid"
	rc=$?
	exec {TTY_IN}>&-
	check "  given the passphrase, restore refuses" test "$rc" -eq 1
	cp "$WN_T/planted.out" "$WN_T/out"
	check_out "  naming what it did not put there" "planted holds node\.db-wal, which restore did not put there"
	check "  the file the link named is untouched" grep -qx "not for the store" "$WN_T/target"
	check "  and nothing is left (the folder was restore's)" test ! -e "$WN_T/planted"
else
	ok "# SKIP no terminal to ask the passphrase on (script(1) cannot open one)"
fi
[ -n "$pts_mounted" ] && umount /dev/pts

# --- backup: a store of another schema version is not migrated
V=$(schema)
check "the store's schema version is this binary's ($V)" test "$V" -ge 1
check "it is set back to $((V - 1)), as a daemon not yet upgraded has it" set_schema $((V - 1))
check "  (read back)" count_is $((V - 1)) schema
rm -f "$B"
check_exit "a backup of it is refused" 1 backup
check_out "  naming both versions" "schema version $((V - 1)) is older than this wijknetd's \($V\)"
check_out "  and what to do" "back it up with the wijknetd the node runs"
check "  the store is left at version $((V - 1))" count_is $((V - 1)) schema
check "  and no backup was written" test -z "$(find "$WN_T" -maxdepth 1 -name '*solo.bak*')"
check "a store of a newer schema ($((V + 1)))" set_schema $((V + 1))
check_exit "  is refused too" 1 backup
check_out "  saying so" "schema version $((V + 1)) is newer than this wijknetd knows \($V\)"
check "  and left at its version" count_is $((V + 1)) schema
check "the store is set to the binary's version again" set_schema "$V"
check "  and the backup works" backup
wn_done
