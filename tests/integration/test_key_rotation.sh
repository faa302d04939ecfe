#!/usr/bin/env bash
# test_key_rotation.sh - a member rotates its signing and key-agreement
# keys in a TLS federation with messages in flight: `wijknet key rotate`
# on police makes its next keys and prints the new bundle; the director
# takes it (`wijknet peer rekey`, the fingerprint confirmed) and announces
# the new keys in its charter; police signs with them once that charter
# reaches it. Messages queued before, during and after the rotation, both
# ways and to a member that was down meanwhile, each arrive exactly once;
# afterwards police's old key is refused (wnpoke signs with it) by the
# director and by the other member, its old key-agreement key opens no
# session, and police's new key is taken. Sessions are opened anew under
# the new keys.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
. "$(dirname "$0")/tls_lib.sh"
check "a federation CA" tls_ca
check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "police init" 0 node_init_member police "$dkey"
check_exit "guards init" 0 node_init_member guards "$dkey" community_guards
for n in dir police guards; do check "certificate for $n" cert $n; done
for n in dir police guards; do use_tls $n; done
for n in dir police guards; do check "$n starts with TLS" node_start $n; done
dfp=$(bundle dir)
for n in police guards; do
	check "$n enrols the director" wn $n peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
	check "the director enrols $n" wn dir peer add "$WN_T/$n.bundle" --fingerprint "$(bundle $n)"
done
check "police knows guards" wait_for 60 peer_known police guards
check "guards knows police" wait_for 60 peer_known guards police
oldfp=$(sed -n 's/^fingerprint = //p' "$WN_T/police.bundle")
oldsign=$(sed -n 's/^sign_key = //p' "$WN_T/police.bundle")
# police's old key file, for the hostile poke afterwards
install -m 600 "$WN_T/police/node.key" "$WN_T/police.oldkey"

# received ON FROM FIELD: count or distinct of FROM's test messages ON applied
received() { wn "$1" --json peer received "$2" | json_field "$3"; }
exactly() { test "$(received "$1" "$2" count),$(received "$1" "$2" distinct)" = "$3,$3"; }

# in flight: guards is down, so what police queues for it waits across
# the whole rotation; the rest goes while the keys change
check "guards stops (what police sends it waits)" node_stop guards
check "police queues 200 for dir" wn police peer send dir --count 200 --size 256
check "police queues 200 for guards" wn police peer send guards --count 200 --size 256
check "dir queues 200 for police" wn dir peer send police --count 200 --size 256

check_exit "police makes its next keys" 0 sh -c "'$WIJKNET' -d '$WN_T/police' key rotate >'$WN_T/police.new.bundle' 2>'$WN_T/rotate.err'"
check "  the bundle is a bundle of police" grep -q '^org_id = police$' "$WN_T/police.new.bundle"
newfp=$(sed -n 's/^fingerprint = //p' "$WN_T/police.new.bundle")
newsign=$(sed -n 's/^sign_key = //p' "$WN_T/police.new.bundle")
check "  with new keys" test -n "$newfp" -a "$newfp" != "$oldfp" -a "$newsign" != "$oldsign"
check "  and says what to do" grep -q 'Hand this bundle to the director' "$WN_T/rotate.err"
check "  the next keys wait in their own key file, mode 0600" test "$(stat -c %a "$WN_T/police/node.key.next")" = 600
check "  status says a rotation is under way" status_is police key_rotation_pending True
check "  the key file still holds the old keys" test "$("$WIJKNETD" public --config "$WN_T/police/wijknet.conf" | sed -n 's/^sign_key = //p')" = "$oldsign"
check_exit "asked again, police shows the same new keys" 0 sh -c "'$WIJKNET' -d '$WN_T/police' key rotate 2>/dev/null | cmp -s - '$WN_T/police.new.bundle'"
check_exit "the director cannot rotate its key this way" 1 wn dir key rotate
check "police queues 100 more for dir (rotation under way)" wn police peer send dir --count 100 --size 256
# a restart during the rotation: the next keys wait in their file, opened
# with the same passphrase
check "police stops during the rotation" node_stop police
check "  and starts again" node_start police
check "  it still shows the same new keys" sh -c "'$WIJKNET' -d '$WN_T/police' key rotate 2>'$WN_T/rotate2.err' | cmp -s - '$WN_T/police.new.bundle'"
check "  as a rotation under way" grep -q 'A key rotation is under way since' "$WN_T/rotate2.err"
check_exit "a wrong fingerprint is refused" 1 wn dir peer rekey "$WN_T/police.new.bundle" --fingerprint "$oldfp"
check_exit "police cannot announce keys (a member)" 1 wn police peer rekey "$WN_T/police.new.bundle" --fingerprint "$newfp"
check "the director takes police's new keys" wn dir peer rekey "$WN_T/police.new.bundle" --fingerprint "$newfp"
check "  dir lists police with its new fingerprint" wait_for 30 field_is dir police fingerprint "$newfp"
check "police applies the charter naming its new keys: rotation complete" \
	wait_for 300 count_is 1 audit_count police key.rotated
check "  the next key file became the key file" test ! -e "$WN_T/police/node.key.next"
check "  status says no rotation is under way" status_is police key_rotation_pending False
check "  police's public bundle gives the new keys" test "$("$WIJKNETD" public --config "$WN_T/police/wijknet.conf" | sed -n 's/^sign_key = //p')" = "$newsign"
check "police queues 100 more for dir (after the rotation)" wn police peer send dir --count 100 --size 256
check "police queues 100 more for guards (after the rotation)" wn police peer send guards --count 100 --size 256
check "guards starts again" node_start guards
check "police's 400 reach dir" wait_for 300 field_is police dir queued 0
check "  exactly once" exactly dir police 400
check "police's 300 reach guards (down during the rotation)" wait_for 300 field_is police guards queued 0
check "  exactly once" exactly guards police 300
check "dir's 200 reach police" wait_for 300 field_is dir police queued 0
check "  exactly once" exactly police dir 200
check "guards holds police's new keys" wait_for 60 field_is guards police fingerprint "$newfp"
check "dir saw police sign with its new keys: old ones refused from now" \
	wait_for 60 count_is 1 audit_count dir peer.rotated
check "guards too" wait_for 60 count_is 1 audit_count guards peer.rotated
# a new session under the new keys: police and dir exchange again
check "police sends dir one more after the rotation" wn police peer send dir --count 1 --size 64
check "  it arrives" wait_for 120 exactly dir police 401

check "police stops cleanly" node_stop police
check "police starts again with its new keys" node_start police
check "  and sends dir one more" wn police peer send dir --count 1 --size 64
check "  it arrives" wait_for 120 exactly dir police 402

# next keys lost before the director took them (the file gone): the
# director announces keys police does not hold; police goes on with the
# keys it has, which every node still takes, rotates again, and the
# director's second announcement completes the rotation
install -m 600 "$WN_T/police/node.key" "$WN_T/police.key1"
rot() { "$WIJKNET" -d "$WN_T/police" key rotate >"$WN_T/$1" 2>/dev/null; }
fp_of() { sed -n 's/^fingerprint = //p' "$WN_T/$1"; }
check "police makes next keys again" rot police.lost.bundle
check "police stops" node_stop police
rm -f "$WN_T/police/node.key.next"
check "police starts without them (lost)" node_start police
check "the director announces the lost keys" wn dir peer rekey "$WN_T/police.lost.bundle" --fingerprint "$(fp_of police.lost.bundle)"
check "police sends dir 50 under the keys it still has" wn police peer send dir --count 50 --size 64
check "  they arrive" wait_for 300 exactly dir police 452
check "police rotates once more" rot police.new2.bundle
check "  other keys than the lost ones" test "$(fp_of police.new2.bundle)" != "$(fp_of police.lost.bundle)"
check "the director takes them" wn dir peer rekey "$WN_T/police.new2.bundle" --fingerprint "$(fp_of police.new2.bundle)"
check "police completes its second rotation" wait_for 300 count_is 2 audit_count police key.rotated
check "police sends dir 10 more" wn police peer send dir --count 10 --size 64
check "  they arrive" wait_for 300 exactly dir police 462
check "dir saw it sign with them" wait_for 60 count_is 2 audit_count dir peer.rotated
# police's own node stops, so that only the hostile peer speaks as police
check "police stops again" node_stop police
# poke TO KEYFILE: police's message to TO, signed with KEYFILE, over TLS
# behind police's own certificate (so only the key decides)
poke() {
	local seq; seq=$(expected_seq "$1" police) || return 1
	WNPOKE_SESSION_NOTE=1 WNPOKE_TLS="$C/ca.pem,$C/police.pem,$C/police.key" \
		"$POKE" "$2" "$WN_T/police.pass" police "$WN_T/$1.bundle" data "$seq" 2>"$WN_T/poke.err"
}
for to in dir guards; do
	check_exit "police's old key sends $to a message" 0 poke $to "$WN_T/police.oldkey"
	check_out "  it is refused, not authenticated" '^ERROR 4 not authenticated$'
	check "  the old key opened no session" grep -q 'no session' "$WN_T/poke.err"
	check "  and nothing was applied" exactly $to police "$([ $to = dir ] && echo 462 || echo 300)"
	check_exit "police's new key sends $to a message" 0 poke $to "$WN_T/police/node.key"
	check_out "  it is applied" '^RECEIPT accepted=1 refused=0$'
	check "  one more" exactly $to police "$([ $to = dir ] && echo 463 || echo 301)"
done
check_exit "the keys of police's first rotation send dir a message" 0 poke dir "$WN_T/police.key1"
check_out "  it is refused too" '^ERROR 4 not authenticated$'
check "  and nothing was applied" exactly dir police 463
check "dir's audit names the refused signature" wait_for 60 out_has \
	"bad signature on a (message|transfer) claiming to be from 'police'" wn dir audit show --limit 10000
for n in guards dir; do check "$n stops cleanly" node_stop $n; done
wn_done
