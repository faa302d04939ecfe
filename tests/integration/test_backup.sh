#!/usr/bin/env bash
# test_backup.sh - wijknetd backup copies a running node's store while it
# receives traffic: one consistent snapshot, encrypted (a marker recorded
# in a dossier is nowhere in the file, though the copy decrypts to it),
# mode 0600, written whole or not at all (a full disk leaves nothing).
# wijknetd restore makes a new data folder from it that is the same node
# (its listings, fingerprint and audit chain compared with the original's);
# a wrong passphrase is refused with exit 3 and leaves nothing. The
# restored copy is older than the head its checker holds: its start is
# refused saying how many audit records it misses and since when, and once
# accepted its status and an alert in its audit log say so.
. "$(dirname "$0")/lib.sh"
# a starting node waits 60 s (not 3) for its checker's answer; started
# with_flush, a stopping node tries 60 s to hand its chain head to it
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
MARK="MK-BACKUP-$RANDOM$RANDOM"
S=S-backup-v
B="$WN_T/police.bak"
backup() { "$WIJKNETD" backup --data "$WN_T/police" --out "$B" --passphrase-file "$WN_T/police.pass"; }
restore() { "$WIJKNETD" restore --from "$B" --data "$WN_T/$1" --passphrase-file "$2"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_at() { test "$(peer_field "$1" "$2" chain_head)" -ge "$3"; }
# listings that must be the same on the original and on its restored copy
listings() {
	{ wn "$1" --json record list &&
	  wn "$1" --json signal list &&
	  wn "$1" --json status | /usr/bin/python3 -c '
import json,sys
r=json.load(sys.stdin)["rows"][0]
print({k: r[k] for k in ("org_id", "org_name", "role", "fingerprint", "listen", "director", "schema_version")})' &&
	  wn "$1" --json peer list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]: print(r["org_id"], r["endpoint"])'
	} >"$WN_T/$1.$2"
}

check_exit "wijknetd backup --help" 0 "$WIJKNETD" backup --help
check_exit "wijknetd restore --help" 0 "$WIJKNETD" restore --help
check "both are in wijknetd(8)" bash -c "grep -q '^\.B backup\$' '$TOP/node/wijknetd.8' && grep -q '^\.B restore\$' '$TOP/node/wijknetd.8'"
check_exit "a backup without --out is a usage error" 2 "$WIJKNETD" backup --data "$WN_T/none"
check "a federation" with_flush federation dir police
check "police records a dossier value" wn police record --subject $S --category signals --field note --value "$MARK"
check "police records a signal" wn police signal add --municipality Herentals --category littering --source "municipal service"
check "police holds both" out_has "$MARK" wn police --json record list

# traffic: the director sends police many messages, delivered meanwhile
check "the director queues 20000 messages for police" wn dir peer send police --count 20000 --size 64
flowing() { test "$(peer_field police dir received_seq)" -gt 0; }
check "police is receiving them" wait_for 120 flowing
check "a backup while police receives" backup
echo "# police had received $(peer_field police dir received_seq) when the copy was made"
check "  is mode 0600" test "$(stat -c %a "$B")" = 600
check "  leaves no temporary file" test -z "$(find "$WN_T" -maxdepth 1 -name '.police.bak*')"
check "  holds no plaintext marker" bash -c "! grep -aq '$MARK' '$B'"
check "  nor a plain SQLite page" bash -c "! grep -aq 'SQLite format 3' '$B'"
check "  is recorded in police's audit log" count_is 1 audit_count police node.backup
done_all() { test "$(peer_field police dir received_seq)" -ge 20000; }
check "police receives the rest" wait_for 600 done_all

# a full disk: a clear error, and no file, whole or partial
check_exit "a backup past the file size limit fails" 1 bash -c "ulimit -S -f 64; '$WIJKNETD' backup --data '$WN_T/police' --out '$WN_T/full.bak' --passphrase-file '$WN_T/police.pass'"
check_out "  saying the disk is full" "the disk is full.*no backup was written"
check "  leaving no file" test -z "$(find "$WN_T" -maxdepth 1 -name '*full.bak*')"

# on a terminal it shows its progress (script(1), of Debian's essential
# bsdutils, gives it one). A root whose /dev/pts is no mount (a chroot
# that bind-mounted /dev alone, as a fresh Debian root for these tests
# is) has no terminals to give: as root the test mounts a devpts of its
# own there for this check, and takes it away after
pts_mounted=""
if ! script -qec true /dev/null >/dev/null 2>&1 && [ "$(id -u)" = 0 ] &&
	! mountpoint -q /dev/pts &&
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts; then
	pts_mounted=1
fi
check "on a terminal a backup shows its progress" script -qec "'$WIJKNETD' backup --data '$WN_T/police' --out '$WN_T/tty.bak' --passphrase-file '$WN_T/police.pass'" /dev/null
check_out "  copied so far" "copying the store: [0-9]+ of [0-9]+ MiB \(100%\)"
[ -n "$pts_mounted" ] && umount /dev/pts

# wrong passphrase: exit 3, nothing left
check_exit "a restore with the wrong passphrase is refused" 3 restore wrong "$WN_T/dir.pass"
check_out "  saying so" "wrong passphrase"
check "  and leaves no folder" test ! -e "$WN_T/wrong"

# the same node: listings compared with the original, stopped
check "the original's listings" listings police want
was=$(audit_seq police)
check "police stops, handing its head to the director" node_stop police
check "the director holds police's last head" wait_for 120 head_at dir police "$was"
held=$(peer_field dir police chain_head)
check "the backup restores into a new folder" restore copy "$WN_T/police.pass"
check_out "  its audit chain intact" "audit chain: [0-9]+ records, intact"
copy_end=$(sed -n 's/^audit chain: \([0-9]*\) records.*/\1/p' "$WN_T/out")
check "  the restored store decrypts to the marker" bash -c "$TOP/$BUILD/tests/tools/keydump '$WN_T/copy/node.key' '$WN_T/police.pass' | sed -n 3p | /usr/bin/python3 '$TOP/tests/integration/store_plain.py' '$WN_T/copy/node.db' | grep -aq '$MARK'"
check "  its config names the new folder" grep -qx "data_dir = $WN_T/copy" "$WN_T/copy/wijknet.conf"

# rollback detection: the copy is behind the head the director holds
missing=$((held - copy_end))
check_exit "the restored copy's start is refused (exit 4)" 4 node_start copy
[ -n "${WN_PID[copy]:-}" ] && node_stop copy
check "  saying how many audit records it misses" grep -q "behind by $missing audit records since 20" "$WN_T/copy.log"
check "  and what that means" grep -q "is not in this store" "$WN_T/copy.log"
check "the copy starts once the rollback is accepted" node_start copy --accept-rollback "restored from backup (test)"
check "  status says what it misses" out_has "misses $missing audit records since 20" wn copy status
behind_json() { wn copy --json status | json_field rollback_missing_records; }
check "  in --json too" count_is "$missing" behind_json
check "  and the audit log holds the alert" out_has "alert.rollback.*behind by $missing audit records" wn copy audit show --limit 50
check "the restored node's listings" listings copy got
check "  are the original's" diff "$WN_T/police.want" "$WN_T/copy.got"
check "  its audit chain verifies" wn copy audit verify

# the copy goes on from here: once the director holds a head of the
# copy's own chain (past the backup's last record), its next start needs
# no override, and status no longer says it misses anything
head_past() { local v; v=$(peer_field dir police chain_head); test "${v:-0}" -gt "$copy_end"; }
check "the director holds a head of the copy's own chain" wait_for 180 head_past
check "the copy stops" node_stop copy
: >"$WN_T/copy.log"
check "  and starts again without --accept-rollback" node_start copy
check "  status says nothing is missing any more" out_lacks 'misses [0-9]+ audit records' wn copy status
wn_done
