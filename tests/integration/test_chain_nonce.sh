#!/usr/bin/env bash
# test_chain_nonce.sh - a node's rollback check at start takes a checker's
# answer only when it echoes the nonce of the query it sent and is dated
# within the time window: a checker that plays back an answer it recorded
# (WIJKNET_TEST_ANSWER_REPLAY_MS: the first one it sealed, again) or dates
# its answers 11 minutes ahead (WIJKNET_TEST_ANSWER_AHEAD_MS) counts as
# not answering (logged; the node then starts receive-only,
# chain.receive_only, and stays so while the checker answers that way).
# A good checker's answer is taken.
. "$(dirname "$0")/lib.sh"
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director and police" federation dir police
restart_police() { node_stop police && node_start police; }
unchecked() { audit_count police chain.receive_only; }
receive_only() { wn police --json status | json_field receive_only; }
log_since() { tail -c +"$((${WN_LOGAT[police]:-0} + 1))" "$WN_T/police.log"; }

check "police restarts" restart_police
check "  the director's answer is taken: no receive-only start" count_is 0 unchecked
check "  police is not receive-only" count_is False receive_only
check "  nothing said of nonce or clock" test "$(log_since | grep -c 'answered another query\|off our clock')" = 0

check "the director stops" node_stop dir
check "  and starts playing back the first answer it seals" eval 'WIJKNET_TEST_ANSWER_REPLAY_MS=1 node_start dir'
check "police restarts (the director records its answer)" restart_police
check "  that first answer is taken" count_is 0 unchecked
check "police restarts again" restart_police
check "  the played-back answer is not taken: its nonce is not ours" out_has \
	"rollback check: dir answered another query \(its nonce is not ours\): not taken" log_since
check "  so police starts receive-only" count_is 1 unchecked
check "  and says so in its status" count_is True receive_only
bundle dir >/dev/null
check_exit "a query of wnpoke (police's key) gets the recorded answer too" 0 \
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" query
check_out "  which wnpoke sees is to another query" '^ANSWER (head|none) \(to another query: not our nonce\)$'

check "the director stops" node_stop dir
check "  and starts dating its answers 11 minutes ahead" eval 'WIJKNET_TEST_ANSWER_AHEAD_MS=660000 node_start dir'
check "police restarts" restart_police
check "  the answer from the future is not taken" out_has \
	"rollback check: dir's answer is dated [0-9]+ ms, off our clock \([0-9]+ ms\) by more than the time window: not taken" log_since
check "  so police starts receive-only again" count_is 2 unchecked

check "the director stops" node_stop dir
check "  and starts as it should" node_start dir
check "police restarts" restart_police
check "  the answer is taken again" count_is 2 unchecked
check "  police is not receive-only" count_is False receive_only
wn_done
