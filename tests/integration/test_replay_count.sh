#!/usr/bin/env bash
# test_replay_count.sh - an exact replay (the very bytes of a transfer
# again, within the time window) is answered as the first time and applied
# once; it is also counted, so that it leaves a trace (review s6, L9):
# `wijknet peer stats` shows how many envelopes were replayed and answered
# again (--json: replays_answered). A resend sealed afresh (a lost
# receipt) is no replay and is not counted.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director and two members forms" federation dir police guards
bundle guards >/dev/null
poke() { "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" "$@"; }
replays() { wn guards --json peer stats | json_field replays_answered; }
check "guards has answered no replay yet" count_is 0 replays

s=$(expected_seq guards police)
WNPOKE_SAVE="$WN_T/t1" WNPOKE_ID=00112233445566778899aabbccddeeff \
	check_exit "police sends a message" 0 poke data "$s"
check_out "  ... accepted" "^RECEIPT accepted=1 refused=0"
check "  not a replay" count_is 0 replays
WNPOKE_ID=00112233445566778899aabbccddeeff \
	check_exit "the same message sealed afresh (a lost receipt)" 0 poke data "$s"
check_out "  ... accepted again" "^RECEIPT accepted=1 refused=0"
check "  not a replay either" count_is 0 replays
check_exit "the very bytes again" 0 poke replay "$WN_T/t1"
check_out "  ... are answered as the first time" "^RECEIPT accepted=1 refused=0"
check "  and counted" count_is 1 replays
check_exit "and once more" 0 poke replay "$WN_T/t1"
check "  counted again" count_is 2 replays
check "applied once: the next number is still $((s + 1))" test "$(expected_seq guards police)" = $((s + 1))
check_exit "peer stats in plain words" 0 wn guards peer stats
check_out "  ... shows the count" "^replays answered: +2$"
check_exit "peer stats --reset (the latency samples)" 0 wn guards peer stats --reset
check "  leaves the count" count_is 2 replays
wn_done
