#!/usr/bin/env bash
# test_test_hooks.sh - the WIJKNET_TEST_* hooks (node_test_ms: deadlines a
# test lengthens; node_test_ahead_ms: a clock a test runs ahead) take
# effect in the tests' daemon only (built with WN_TEST_HOOKS), never in
# the installed one (review s6, L8). Each hook that is read says so in the
# log: a value that is no number is ignored with a warning, and a clock
# run ahead is announced. The installed daemon reads neither.
. "$(dirname "$0")/lib.sh"
release="$TOP/$BUILD/wijknetd"

check "a node is set up" node_init solo municipality
# since: the log of the last start
since() { tail -c +"$((${WN_LOGAT[solo]} + 1))" "$WN_T/solo.log"; }
hooks() {
	WIJKNET_TEST_RX_WAIT_MS=not-a-number WIJKNET_TEST_QUERY_TIMEOUT_MS=not-a-number \
		WIJKNET_TEST_CLOCK_AHEAD_MS=86400000 "$@"; }

hooks check "the tests' daemon starts with hooks set" node_start solo
check "  it reads node_test_ms's hooks (a bad value is named)" \
	out_has 'WIJKNET_TEST_RX_WAIT_MS=not-a-number ignored' since
check "  and node_test_ahead_ms's (the clock runs ahead)" \
	out_has 'test hook WIJKNET_TEST_CLOCK_AHEAD_MS is set' since
check "it stops" node_stop solo

WIJKNETD=$release hooks check "the installed daemon starts with the same hooks set" node_start solo
check "  it is the installed one (no core hook either: core dumps off)" out_has 'core dumps off: core size 0' since
check "  it reads none of node_test_ms's hooks" out_lacks 'WIJKNET_TEST_' since
check "  its clock is the system's (the work clock does not run ahead)" \
	out_lacks 'test hook' since
check "it stops" node_stop solo
wn_done
