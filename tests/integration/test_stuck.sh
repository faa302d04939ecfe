#!/usr/bin/env bash
# test_stuck.sh - a peer that cannot decrypt our messages (issue 16, H1 of
# the review): the director enrols police with a key-agreement key that is
# not police's (a valid key, so the bundle passes every check), so police
# cannot open the director's session openings, sealed under the
# mismatched pair key (protocol version 4: the mismatch shows at the
# session's opening, before any message is sealed). police
# refuses each try under code 17, audits that refusal once and counts the
# repeats (recorded when it stops); the director counts the tries of that
# message, and after 10 stops sending to police, shows it stuck (peer
# list, --json, status), audits one alert, keeps that over a restart, and
# starts again on `peer retry` or when police's keys change.
. "$(dirname "$0")/lib.sh"
# the count of repeated refusals is recorded hourly (60 minutes): here
# only when police stops
export WIJKNET_TEST_MINUTE_MS=3600000

check "the director is set up" node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "police is set up" node_init_member police "$dkey"
check "another node is set up (its kx_key goes into a wrong bundle)" node_init other police
check "the director starts" node_start dir
check "police starts" node_start police
dfp=$(bundle dir)
check "police enrols the director" wn police peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
bundle police >/dev/null
bundle other >/dev/null
bkey() { sed -n "s/^$2 = //p" "$1"; }
fp_of() {
	/usr/bin/python3 -c 'import hashlib, base64, sys
h = hashlib.blake2b(bytes.fromhex(sys.argv[1]) + bytes.fromhex(sys.argv[2]),
    digest_size=15, key=b"wijknet-fp").digest()
s = base64.b32encode(h).decode()
print("-".join(s[i:i + 4] for i in range(0, 24, 4)))' "$1" "$2"
}
pkx=$(bkey "$WN_T/police.bundle" kx_key)
okx=$(bkey "$WN_T/other.bundle" kx_key)
sed "s/^kx_key = .*/kx_key = $okx/" "$WN_T/police.bundle" >"$WN_T/wrong.bundle"
wfp=$(fp_of "$(bkey "$WN_T/police.bundle" sign_key)" "$okx")
sed -i "s/^fingerprint = .*/fingerprint = $wfp/" "$WN_T/wrong.bundle"
check "the director enrols police with another node's kx_key" \
	wn dir peer add "$WN_T/wrong.bundle" --fingerprint "$wfp"

# --- the director gets stuck on police
stuck() { field_is dir police state stuck; }
check "after 10 refusals the director marks police stuck" wait_for 300 stuck
check "  --json says stuck, and since when" test "$(peer_field dir police stuck)" = True -a \
	"$(peer_field dir police stuck_ms)" -gt 0
check_exit "  peer list says so in plain words" 0 wn dir peer list
check_out "  ... with what to do, under the table" "^police is stuck: it cannot decrypt our messages.*peer retry police"
status_stuck() { wn "$1" --json status | json_field peers_stuck; }
check "  the node's status counts it" count_is 1 status_stuck dir
check "  one alert in the director's audit log" count_is 1 audit_count dir alert.peer_stuck
check_exit "  which says why" 0 wn dir audit show --limit 10000
check_out "  ... in words" "alert.peer_stuck.*police cannot decrypt our messages: message [0-9a-f]{8}\.\. failed 10 times in a row"
check "  the charter still waits in its queue" field_ge dir police queued 1
check_exit "police's audit log" 0 wn police --json audit show --limit 10000
check_out "  holds the refusal" "cannot decrypt a message from 'dir'"
check "  recorded once, not once a try" count_is 1 audit_count police peer.refused dir

# --- kept over a restart, and no more alerts
# police, its only checker, cannot answer the director's rollback check
# under keys that do not match: without --accept-unchecked the director
# would start receive-only and send nothing (test_receive_only.sh)
check "the director restarts" node_stop dir
check "  and starts" node_start dir \
	--accept-unchecked "police's keys are wrong on purpose in this test"
check "  police is still stuck (the store keeps it)" stuck
check "  still one alert" count_is 1 audit_count dir alert.peer_stuck

# --- police counts what it did not record, and records the count when it stops
check "police restarts" node_stop police
check "  and starts" node_start police
check_exit "police's audit log" 0 wn police audit show --limit 10000
check_out "  counts the refusals it did not record one by one" \
	"peer.refused_repeated.*[0-9]+ more refusals of message [0-9a-f]{8}\.\. \(code 17"

# --- peer retry: sending starts again (and fails again: nothing changed)
check_exit "peer retry police" 0 wn dir peer retry police
check_out "  says delivery starts again" "delivery starts again \(the peer was stuck\)"
check "  police is no longer stuck" test "$(peer_field dir police stuck)" = False
check "  the director tries again" wait_for 120 field_ge dir police attempts 1
check_exit "peer retry of an unknown peer" 1 wn dir peer retry nobody
check_out "  says so" "no peer 'nobody'"

# --- new keys: the director holds police's real kx_key
check "the director stops" node_stop dir
echo "UPDATE peers SET kx_pk = X'$pkx' WHERE org_id = 'police';" | node_sql dir >"$WN_T/sql.out" 2>&1
check "police's real kx_key goes into the director's store" test ! -s "$WN_T/sql.out"
check "the director starts" node_start dir
check "  police is not stuck under its new keys" test "$(peer_field dir police stuck)" = False
check "  the charter reaches police" wait_for 120 field_is dir police queued 0
applied() { test "$(audit_count police charter.applied)" -ge 1; }
check "  police applied it" wait_for 60 applied
wn_done
