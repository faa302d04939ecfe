#!/usr/bin/env bash
# test_doctor_live.sh - wijknetd doctor asks a running node what it knows:
# a peer whose listener cannot be reached, a director without a matrix, a
# member that has not acknowledged the matrix in force, a peer whose clock
# is minutes off (the time in its signed receipts, also when it is so far
# off that they are refused); one line each,
# and none once all is well. A node that does not run is a note, no
# finding.
. "$(dirname "$0")/lib.sh"
doctor() { "$WIJKNET" -d "$WN_T/$1" doctor; }
# finding_is NODE PATTERN: doctor's findings on NODE are exactly one line
# matching PATTERN
finding_is() {
	local out n
	out=$(doctor "$1")
	n=$(grep -Ec '^(fix|warn):' <<<"$out")
	grep -Eq -- "$2" <<<"$out" && [ "$n" -eq 1 ] && return 0
	printf '%s\n(want one finding /%s/, got %s)\n' "$out" "$2" "$n"; return 1
}
no_finding() {
	local out
	out=$(doctor "$1") || { printf '%s\n' "$out"; return 1; }
	! grep -Eq '^(fix|warn):' <<<"$out" || { printf '%s\n' "$out"; return 1; }
}

check "a federation" federation dir police
check "the director without a matrix: one finding" finding_is dir "^warn: no matrix is published"
check "the director publishes the matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q '"current":true'; }
check "police acknowledges it" wait_for 60 acked
check "all well on the director: no finding" no_finding dir
check "  nor on police" no_finding police
ep=$(peer_field dir police endpoint)
check "police stops" node_stop police
check "the director's doctor: police cannot be reached" finding_is dir "^warn: peer police at $ep cannot be reached from here: Connection refused"
check "police's doctor: the node does not run (a note)" out_has "^note: the node does not run" doctor police
check "  and no finding" no_finding police
# a newer matrix police has not seen
check "  a matrix version 2 is published while police is away" wn dir matrix publish "$WN_T/dir.matrix"
two() { out=$(doctor dir); grep -q "^warn: member police has not acknowledged the matrix in force (it acknowledged version 1)" <<<"$out" && grep -q "^warn: peer police at" <<<"$out"; }
check "the director's doctor: police is behind the matrix and away" two
check "police starts" node_start police
acked2() { wn dir --json matrix show | grep -q '"acked_version":2'; }
check "police acknowledges version 2" wait_for 60 acked2
check "all well again: no finding" no_finding dir
check "  the director knows police's clock (its receipts)" test "$(peer_field dir police clock_skew_known)" = True

# a peer whose clock runs 5 minutes ahead (its receipts say so)
check "police stops" node_stop police
ahead_start() { WIJKNET_TEST_RECEIPT_AHEAD_MS=300000 node_start police; }
check "police starts with its receipts' clock 5 min ahead" ahead_start
check "the director sends it a message" wn dir peer send police --count 1 --size 16
ahead() { test "$(peer_field dir police clock_skew_ms)" -ge 290000; }
check "  the director sees police's clock ahead" wait_for 60 ahead
check "the director's doctor: police's clock is ahead" finding_is dir "^warn: peer police's clock is (29[0-9]|300) s ahead of ours .*NTP"

# a peer whose clock runs 15 minutes ahead, more than the 10 minutes an
# envelope may be off: the director refuses its receipts, and reads its
# clock from them all the same (the one skew that stops delivery)
check "police stops" node_stop police
far_start() { WIJKNET_TEST_RECEIPT_AHEAD_MS=900000 node_start police; }
check "police starts with its receipts' clock 15 min ahead" far_start
check "the director sends it a message" wn dir peer send police --count 1 --size 16
far() { test "$(peer_field dir police clock_skew_ms)" -ge 890000; }
check "  the director sees police's clock 15 min ahead" wait_for 60 far
check "  refusing its receipt, saying why" out_has "receipt is dated (89[0-9]|900) s ahead of our clock, more than the 10 minutes allowed" \
	peer_field dir police last_error
# doctor_says NODE PATTERN: doctor's output on NODE has a line matching
# PATTERN (it may say more: the message to police waits)
doctor_says() {
	local out
	out=$(doctor "$1")
	grep -Eq -- "$2" <<<"$out" && return 0
	printf '%s\n(no /%s/ in that)\n' "$out" "$2"; return 1
}
check "the director's doctor: police's clock is 15 min ahead" doctor_says dir "^warn: peer police's clock is (89[0-9]|900) s ahead of ours .*NTP"
wn_done
