#!/usr/bin/env bash
# test_preauth_quiet.sh - a transfer nothing in which is authenticated is
# answered with one refusal, "not authenticated" (4), addressed to
# "unknown" with time 0 (PROTOCOL.md, "Who gets the answer"): an unknown
# sender, a member's name with a stranger's key, a forged signature, a
# member's batch addressed to another node or an hour old all get the same
# answer, so no one who reaches the socket learns who is a member or what
# the receiver's clock says; the receiver's own audit keeps each reason.
# Bytes that do not decode still hear where (that is about the bytes
# alone), also without the clock. A real node that the receiver does not
# know keeps its messages and says why in its peer list.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director and police" federation dir police
node_init stranger police >/dev/null
next_seq() { expected_seq dir "$1"; } # (fails, and fails the script, when unread)
# poke WHO FROM MODE ARGS...: WHO's key claims to be FROM, to dir; the
# reply's header is printed too
poke() { local who=$1 from=$2; shift 2
	WNPOKE_HEADER=1 "$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$from" "$WN_T/dir.bundle" "$@"; }
GENERIC=$'ERROR 4 not authenticated\nHEADER to=unknown ts=0 seq=0'
# same NAME: the whole answer is the one refusal, nothing more
same() { check "$1" test "$(cat "$WN_T/out")" = "$GENERIC"; }

check_exit "an unknown sender" 0 poke stranger stranger data 1
same "  is answered: not authenticated, to unknown, time 0"
check_exit "a stranger's key claiming to be police (a member)" 0 poke stranger police data "$(next_seq police)"
same "  gets the same answer: membership is not told"
check_exit "police's key with a forged signature" 0 poke police police forge "$(next_seq police)"
same "  the same"
WNPOKE_TS_OFFSET_MS=-3600000 check_exit "a stranger's envelope an hour old" 0 poke stranger stranger data 1
same "  the same: the clock is not told"
WNPOKE_MANIFEST_TO=police check_exit "police's signed batch addressed to police, not dir" 0 \
	poke police police batch "$(next_seq police)"
same "  the same"
WNPOKE_MANIFEST_TS_OFFSET_MS=-3600000 check_exit "police's signed batch an hour old (a replay)" 0 \
	poke police police batch "$(next_seq police)"
same "  the same"
check_exit "a truncated transfer" 0 poke police police truncate "$(next_seq police)"
check_out "  still hears where it stopped decoding" '^ERROR 2 malformed transfer at byte [0-9]+'
check_out "  but not the time" '^HEADER to=unknown ts=0 seq=0$'

# the receiver keeps the detail (6 refusals: under the 10 a minute
# recorded one by one)
audit_has() { out_has "$1" wn dir audit show --limit 1000; }
check "dir's audit names the unknown sender" audit_has "peer\.refused.*unknown sender 'stranger'"
check "  the bad signature on a message claiming police" audit_has "peer\.refused.*bad signature on a message claiming to be from 'police'"
check "  the batch that does not fit" audit_has "peer\.refused.*transfer manifest does not fit"
check "  and the truncated transfer" audit_has "peer\.refused.*malformed transfer at byte"
check "police's own messages still go through" wait_for 30 count_is 0 peer_field police dir queued
check_exit "and a good message from police is taken" 0 poke police police data "$(next_seq police)"
check_out "  in a receipt" '^RECEIPT accepted=1 refused=0'

# a real node the receiver does not know: a second director enrols
# police, which never enrolled it; its charter is refused before
# authentication, kept, and the peer list says why
check_exit "a stray director is made" 0 node_init stray municipality
check "  and starts" node_start stray
check "the stray director enrols police (police does not know it)" \
	wn stray peer add "$WN_T/police.bundle" --fingerprint "$(bundle police)"
refused_before() { out_has "^refused before authentication: the peer does not know this node" peer_field stray police last_error; }
check "the stray's delivery says: refused before authentication" wait_for 60 refused_before
check "  and keeps its charter for police" field_ge stray police queued 1
check "  deleting nothing (no delivery refused for good)" count_is 0 audit_count stray peer.delivery_refused
wn_done
