#!/usr/bin/env bash
# test_enrol_quiet.sh - a member that enrols its director first (as the
# README says: the member adds the director, then the director adds the
# member) sends it nothing until the director has enrolled it in turn, so
# the director refuses nothing from it, however late the scheduler starts
# the member's delivery thread.
#
# The member's chain head at start went out in that thread's first round,
# to the checkers known by then: on a busy machine the thread ran after
# `peer add`, and the director, which had not enrolled the member yet,
# refused the head as from an unknown sender (seen in test_membership
# under load). WIJKNET_TEST_DELIVERY_LATE_MS holds that first round back
# as such a machine would; the head at start is now queued before the
# thread starts, to the checkers known then (none).
. "$(dirname "$0")/lib.sh"
# no periodic head may go out during the test (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
check "director starts" node_start dir
late_start() { export WIJKNET_TEST_DELIVERY_LATE_MS=3000; node_start police; local rc=$?
	unset WIJKNET_TEST_DELIVERY_LATE_MS; return $rc; }
check "police starts, its delivery thread held back 3 s" late_start
check "police enrols the director (before it is enrolled there)" \
	wn police peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
first_round() { grep -q "delivery thread's first round, 3000 ms late" "$WN_T/police.log"; }
check "police's delivery thread runs its first round" wait_for 60 first_round
check "  having queued nothing for the director" count_is 0 peer_field police dir queued
check "  and sent it nothing" count_is 0 peer_field police dir sent_seq
check "the director enrols police" \
	wn dir peer add "$WN_T/police.bundle" --fingerprint "$(bundle police)"
check "police learns the charter" wait_for 30 eval 'test "$(peer_field police dir received_seq)" -ge 1'
check "the director refused nothing" count_is 0 audit_count dir peer.refused
check "police refused nothing" count_is 0 audit_count police peer.refused
wn_done
