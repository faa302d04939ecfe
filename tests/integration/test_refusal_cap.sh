#!/usr/bin/env bash
# test_refusal_cap.sh - a receiver that keeps refusing what we send with
# codes the sender keeps the message for (review s6, M3 and L1). A fake
# receiver (tests/tools/wnrecv) holds a member's real keys and answers in
# its place.
# - M3: it answers codes 200 and 201, which this version does not know, in
#   turn: the sender alerts once per code (two alert.refusal_unknown, not
#   one a refusal), counts the repeats, and after 10 refusals in a row of
#   one message marks the peer stuck with one alert.peer_stuck, as for a
#   peer that cannot decrypt our messages.
# - L1: it answers 17 (cannot decrypt) once for the first message, then
#   refuses that one for good, and answers 17 to every later message: the
#   count of refusals in a row starts over with the later message, so the
#   peer still gets stuck (it used to stay on the first one and never
#   reach 10).
# - L3: it answers with signed receipts the sender cannot open, dated
#   before the sender took the keys it holds for that peer (as old
#   receipts, sealed under keys since replaced, replayed within the time
#   window): they do not count toward stuck; dated now, they do.
. "$(dirname "$0")/lib.sh"
# the repeats of an unknown code are recorded hourly (60 minutes): here
# only when the peer gets stuck
export WIJKNET_TEST_MINUTE_MS=3600000
RECV="$TOP/$BUILD/tests/tools/wnrecv"
declare -A RPID=()

check "the director is set up" node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "police is set up (its keys speak through the fake receiver)" node_init_member police "$dkey"
check "guards is set up (the same)" node_init_member guards "$dkey" community_guards
check "the director starts" node_start dir
bundle dir >/dev/null

# fake NAME MODE ARGS...: wnrecv with NAME's keys on NAME's endpoint
fake() { local name=$1 ep; shift
	ep=$(sed -n 's/^endpoint = //p' "$WN_T/$name.bundle")
	"$RECV" "$WN_T/$name/node.key" "$WN_T/$name.pass" "$name" "$ep" "$WN_T/dir.bundle" "$@" \
		>"$WN_T/$name.recv" 2>&1 &
	RPID[$name]=$!
	wait_for 60 grep -q '^listening' "$WN_T/$name.recv"; }
fake_stop() { kill "${RPID[$1]}"; wait "${RPID[$1]}" 2>/dev/null; unset "RPID[$1]"; return 0; }
# the fakes end with the script; wn_cleanup then sees the script's status
trap 'rc=$?; for p in "${RPID[@]}"; do kill "$p" 2>/dev/null; done; (exit $rc); wn_cleanup' EXIT
stuck() { field_is dir "$1" state stuck; }
status_stuck() { wn dir --json status | json_field peers_stuck; }

# ---- M3: unknown codes 200 and 201 in turn -------------------------------
pfp=$(bundle police)
check "a fake police answers 200 and 201 in turn" fake police alt 200 201
check "the director enrols police (a charter goes to it)" \
	wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "  after 10 refusals in a row of one message police is stuck" wait_for 300 stuck police
check "  the fake answered a few transfers, with both codes" \
	sh -c "grep -q '=200' '$WN_T/police.recv' && grep -q '=201' '$WN_T/police.recv'"
check "  one alert per unknown code, not one per refusal" \
	count_is 2 audit_count dir alert.refusal_unknown
check "  one stuck alert" count_is 1 audit_count dir alert.peer_stuck
check_exit "  the director's audit log" 0 wn dir audit show --limit 10000
check_out "  ... says why it is stuck" \
	"alert.peer_stuck.*police keeps refusing our messages with code 20[01] \(a code this version does not know\).*failed 10 times in a row"
check_out "  ... and counts the refusals it did not alert one by one" \
	"peer.refusal_unknown_repeated.*police refused [0-9]+ more messages with code 20[01]"
# stuck_code_unknown NAME: --json says NAME is stuck under code 200 or 201
stuck_code_unknown() { local c
	c=$(peer_field dir "$1" stuck_code) || return 1
	[ "$(peer_field dir "$1" stuck)" = True ] && { [ "$c" = 200 ] || [ "$c" = 201 ]; }; }
check "  --json says stuck, and with which code" stuck_code_unknown police
check_exit "  peer list says so in plain words" 0 wn dir peer list
check_out "  ... with what to do" "^police is stuck: it keeps refusing our messages with code 20[01].*peer retry police"
check_out "  ... under a short state in the table" "^police +[a-z_]+ +stuck +[0-9]"
check "  the node's status counts it" count_is 1 status_stuck
check "the director restarts" node_stop dir
# its only peers are fakes that answer no chain-head query: without the
# operator's word it would start receive-only and send them nothing
check "  and starts (--accept-unchecked: its peers answer no rollback check)" \
	node_start dir --accept-unchecked "the peers are test fakes"
check "  police is still stuck, with its code" stuck_code_unknown police
check "  peer retry police" wn dir peer retry police
check "  police gets stuck again (nothing changed)" wait_for 300 stuck police
check "  each unknown code alerted once more after the restart (four in all)" \
	count_is 4 audit_count dir alert.refusal_unknown
check "  a second stuck alert" count_is 2 audit_count dir alert.peer_stuck
fake_stop police

# ---- L1: a stale count of refusals ---------------------------------------
gfp=$(bundle guards)
check "a fake guards cannot decrypt anything, and refuses its first message for good on the second try" \
	fake guards stale
check "the director enrols guards (a charter goes to it)" \
	wn dir peer add "$WN_T/guards.bundle" --fingerprint "$gfp"
check "  the fake refuses the charter for good after one 17" wait_for 120 grep -q '=5' "$WN_T/guards.recv"
check "  and the director deletes it" wait_for 120 field_is dir guards queued 0
check "the director publishes a matrix (a new message for guards)" \
	wn dir matrix publish "$WN_T/dir.matrix"
check "  after 10 refusals in a row of that one, guards is stuck" wait_for 300 stuck guards
check_exit "  the director's audit log" 0 wn dir audit show --limit 10000
check_out "  ... says why" "alert.peer_stuck.*guards cannot decrypt our messages: message [0-9a-f]{8}\.\. failed 10 times in a row"
check_exit "  peer list says so in plain words" 0 wn dir peer list
check_out "  ... with what to do" "^guards is stuck: it cannot decrypt our messages.*peer retry guards"
fake_stop guards

# ---- L3: old receipts the director cannot open ---------------------------
check "youth is set up (its keys speak through the fake receiver)" node_init_member youth "$dkey" youth_work
yfp=$(bundle youth)
check "a fake youth answers with signed receipts dated 5 minutes ago that the director cannot open" \
	fake youth oldbox 300000
check "the director enrols youth (a charter goes to it)" \
	wn dir peer add "$WN_T/youth.bundle" --fingerprint "$yfp"
answered() { [ "$(grep -c '^transfer' "$WN_T/youth.recv")" -ge "$1" ]; }
check "  the fake answers 15 transfers" wait_for 300 answered 15
check "  youth is not stuck: those receipts are older than the director's keys for it" \
	field_is dir youth stuck False
check "  the director says why it takes none (youth's last error)" \
	out_has 'a signed receipt from before our current keys for this peer' peer_field dir youth last_error
fake_stop youth
check "the same fake, its receipts dated now" fake youth oldbox 0
check "  youth is stuck after 10 (those count: the keys do not match)" wait_for 300 stuck youth
check_exit "  the director's audit log" 0 wn dir audit show --limit 10000
check_out "  ... says why" "alert.peer_stuck.*youth cannot decrypt our messages: message [0-9a-f]{8}\.\. failed 10 times in a row"
fake_stop youth

wn_done
