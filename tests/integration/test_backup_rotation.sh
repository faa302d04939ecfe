#!/usr/bin/env bash
# test_backup_rotation.sh - a backup taken while a member's key rotation
# is under way (`wijknet key rotate` made its next keys, node.key.next,
# and no charter names them yet) holds the next key file too, and restore
# brings it back (mode 0600, the same bytes): the restored copy shows the
# same next keys, and completes the rotation when the director announces
# them, signing with them from then on. A backup without a rotation keeps
# the first layout (test_backup.sh restores it).
. "$(dirname "$0")/lib.sh"
# a starting node waits 60 s (not 3) for its checker's answer
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
B="$WN_T/police.bak"
backup() { "$WIJKNETD" backup --data "$WN_T/police" --out "$B" --passphrase-file "$WN_T/police.pass"; }
restore() { "$WIJKNETD" restore --from "$B" --data "$WN_T/police" --passphrase-file "$WN_T/police.pass"; }
status_of() { wn "$1" --json status | json_field "$2"; }
received() { wn "$1" --json peer received "$2" | json_field count; }
received_is() { test "$(received "$1" "$2")" = "$3"; }
fp_of() { sed -n 's/^fingerprint = //p' "$1"; }

check "a federation" federation dir police
check "police makes its next keys" sh -c "'$WIJKNET' -d '$WN_T/police' key rotate >'$WN_T/new.bundle' 2>/dev/null"
newfp=$(fp_of "$WN_T/new.bundle")
check "  a bundle of new keys" test -n "$newfp" -a -e "$WN_T/police/node.key.next"
check "a backup during the rotation" backup
check_out "  says it holds the next keys" "with the next keys of the key rotation under way"
cp "$WN_T/police/node.key.next" "$WN_T/next.want"
check "police stops" node_stop police
mv "$WN_T/police" "$WN_T/police.orig"
check "the backup restores in police's place" restore
check_out "  saying the next keys are restored" "a key rotation was under way: its next keys are restored"
check "  the next key file is back, mode 0600" test "$(stat -c %a "$WN_T/police/node.key.next" 2>&1)" = 600
check "  the same bytes" cmp "$WN_T/next.want" "$WN_T/police/node.key.next"
check "the copy starts (the original's head past the backup accepted)" \
	node_start police --accept-rollback "restored from backup (test)"
check "  status says a rotation is under way" test "$(status_of police key_rotation_pending)" = True
check "  key rotate shows the same next keys" sh -c "'$WIJKNET' -d '$WN_T/police' key rotate 2>/dev/null | cmp -s - '$WN_T/new.bundle'"
check "the director takes them" wn dir peer rekey "$WN_T/new.bundle" --fingerprint "$newfp"
check "the copy completes the rotation" wait_for 300 count_is 1 audit_count police key.rotated
check "  the next key file became the key file" test ! -e "$WN_T/police/node.key.next"
check "  its public bundle gives the new keys" test "$("$WIJKNETD" public --config "$WN_T/police/wijknet.conf" | fp_of /dev/stdin)" = "$newfp"
check "the copy sends dir 5 messages" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 300 received_is dir police 5
check "dir saw it sign with its new keys" wait_for 120 count_is 1 audit_count dir peer.rotated

# a backup with the next key file cut short is no whole backup
head -c -1 "$B" >"$WN_T/cut.bak"
check_exit "a backup cut short is refused" 1 "$WIJKNETD" restore --from "$WN_T/cut.bak" --data "$WN_T/cut" --passphrase-file "$WN_T/police.pass"
check_out "  as not whole" "is not a whole backup"
check "  leaving nothing" test ! -e "$WN_T/cut"
wn_done
