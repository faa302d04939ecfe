#!/usr/bin/env bash
# test_chain_heads.sh - each node sends its signed audit chain head to the
# nodes that check it (a member to the director, the director to its
# members) at start and every 60 seconds while its chain grows
# (PROTOCOL.md "Rollback detection"), not only at shutdown:
#  - at start: with the period lengthened to a day
#    (WIJKNET_TEST_HEAD_PERIOD_MS, node_test_ms in node/core/core.c) the only
#    head a running node sends is the one at start, and the checker gets
#    it while the node runs;
#  - every 60 s: with the real period, a chain that grows while the node
#    runs reaches the checker without a stop, both ways.
# Every wait is a condition; the second part lasts at least one period.
. "$(dirname "$0")/lib.sh"
audit_seq() { wn "$1" --json status | json_field audit_records; }
head_of() { peer_field "$1" "$2" chain_head; } # the head NODE holds of PEER
head_above() { local v; v=$(head_of "$1" "$2"); test "${v:-0}" -gt "$3"; }
head_at() { local v; v=$(head_of "$1" "$2"); test "${v:-0}" -ge "$3"; }
DAY=86400000
# a stopping node tries 60 s (not 3) to hand its head over (node_test_ms)
export WIJKNET_TEST_STOP_FLUSH_MS=60000

check "a federation of a director and police" federation dir police
check "police stops" node_stop police
check "dir holds a head of police" wait_for 60 head_at dir police 1
h0=$(head_of dir police)

# --- at start (and only then, with the period a day)
with_day() { WIJKNET_TEST_HEAD_PERIOD_MS=$DAY "$@"; }
check "police starts, its head period lengthened to a day" with_day node_start police
# the start wrote records (node.start, key unlock): its head is past h0
check "dir gets police's head sent at start, past $h0, while police runs" wait_for 120 head_above dir police "$h0"
check "  police is still running" kill -0 "${WN_PID[police]}"
# ... and no second one: police writes records and sends dir a message;
# once dir has it, police's loop has run past those records, and a head
# due by the period would have gone too
hs=$(head_of dir police)
check "  dir holds police's head from start ($hs)" test -n "$hs"
recv() { wn dir --json peer received police | json_field count; }
recv_ge() { local v; v=$(recv) && test "$v" -ge "$1"; }
c0=$(recv)
check "  dir's count of police's messages is read ($c0)" test -n "$c0"
for i in $(seq 1 5); do wn police status >/dev/null; done
check "police writes records and sends dir a message" wn police peer send dir --count 1 --size 16
check "  its chain is past the head dir holds" test "$(audit_seq police)" -gt "$hs"
check "  dir receives the message: police's loop ran after those records" wait_for 120 recv_ge $((c0 + 1))
check "  dir still holds only the head from start: none within the day" count_is "$hs" head_of dir police
check "police stops" node_stop police
h1=$(head_of dir police)

# --- every 60 s while the chain grows, both ways. Once dir holds a head
# past h1, police's head at start is in; what police writes after that
# reaches dir only with a head sent while it runs.
check "police starts (the real period)" node_start police
check "dir gets police's head at start" wait_for 120 head_above dir police "$h1"
for i in $(seq 1 5); do wn police status >/dev/null; wn dir status >/dev/null; done
p=$(audit_seq police); d=$(audit_seq dir)
check "police's chain has grown to $p while it runs; dir holds it within a period" wait_for 180 head_at dir police "$p"
check "dir's chain has grown to $d; police holds it within a period" wait_for 180 head_at police dir "$d"
check "  neither stopped meanwhile" kill -0 "${WN_PID[police]}" "${WN_PID[dir]}"
check "police stops" node_stop police
check "dir stops" node_stop dir
wn_done
