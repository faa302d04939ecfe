#!/usr/bin/env bash
# test_rollback_pending.sh - the rollback check does not let the weakest
# checker decide (PROTOCOL.md "Rollback detection", review-ro H2, M5a):
#  - the director is checked by every member. A member that answers that
#    it holds no head of the director, though a head of the director's
#    reached it (its receipt came back), vouches for nothing (it lost its
#    store, or it does not tell): the director's older copy, started
#    while the other members are away, is receive-only, not serving, and
#    stops (exit status 4) once a member that holds the newer head is
#    heard from;
#  - a start that passes with fewer answers than checkers (the one that
#    answered holds an old head the older copy extends) serves, and asks
#    the checkers that did not answer again until each has: the first
#    one heard from that holds a head the chain does not extend stops the
#    node (chain.refused, exit status 4; its stop record says it was
#    found after the start).
# Members in org id order: guards, police, youth. police's checkers: dir
# and its witnesses youth and guards.
. "$(dirname "$0")/lib.sh"
# a checker that is up has 60 s (not 3) to answer; with_flush: a stopping
# node has 60 s (not 3) to hand its checkers its head
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
received() { wn "$1" --json peer received "$2" | json_field count; }
received_is() { test "$(received "$1" "$2")" = "$3"; }
ro() { wn "$1" --json status | json_field receive_only; }
head_at() { local v; v=$(peer_field "$1" "$2" chain_head); test "${v:-0}" -ge "$3"; }
head_below() { local v; v=$(peer_field "$1" "$2" chain_head); test -n "$v" && test "$v" -lt "$3"; }
log_since() { tail -c +"$(($2 + 1))" "$WN_T/$1.log"; }
log_size() { stat -c %s "$WN_T/$1.log"; }
# ended NAME: the daemon NAME stopped by itself
ended() { ! wn_alive "${WN_PID[$1]}"; }

check "a federation of a director and three members" federation dir guards police youth

# --- the director's side: a member that does not tell
check "dir restarts (its head goes out at the stop and at the start)" eval 'with_flush node_stop dir && node_start dir'
for m in guards police youth; do
	check "  $m holds a head of dir's, and its receipt came back" \
		eval "wait_for 120 head_at $m dir 1 && wait_for 120 field_is dir $m queued 0"
done
check "dir stops" node_stop dir
cp -a "$WN_T/dir" "$WN_T/dir.old"
check "dir starts" with_flush node_start dir
check "dir sends police 3 messages" wn dir peer send police --count 3 --size 16
check "  police applies them" wait_for 120 received_is police dir 3
last=$(audit_seq dir)
check "dir stops, handing its members its head" with_flush node_stop dir
for m in guards police youth; do check "  $m holds dir's head $last" wait_for 120 head_at $m dir "$last"; done
check "guards and youth stop" eval 'node_stop guards && node_stop youth'
# police now answers every query that it holds no head of the asker
check "police restarts, not telling" eval 'node_stop police && WIJKNET_TEST_ANSWER_NONE_MS=1 node_start police'
mv "$WN_T/dir" "$WN_T/dir.new"; cp -a "$WN_T/dir.old" "$WN_T/dir"
at=$(log_size dir)
check "dir starts on its older copy; of its members only police is up" node_start dir
check "  police's answer that it holds none vouches for nothing: dir is receive-only" count_is True ro dir
check "  its log says so" out_has 'rollback check: police holds no head of ours, though one reached it: that vouches for nothing' log_since dir "$at"
check "guards starts (it sends dir its head)" node_start guards
check "  dir asks it and stops by itself" wait_for 180 ended dir
check_exit "  exit 4 (a rollback)" 4 wn_reap dir
check "  saying its chain is behind the copy guards holds" out_has 'audit chain is behind the copy guards holds' log_since dir "$at"
rm -rf "$WN_T/dir"; mv "$WN_T/dir.new" "$WN_T/dir"
check "dir starts on its own store" eval 'node_start dir && test "$(ro dir)" = False'
check "police restarts, telling again, and youth starts" eval 'node_stop police && node_start police && node_start youth'

# --- a member's start that passes on the weakest checker that answered
check "police stops (dir, guards and youth hold its head)" with_flush node_stop police
cp -a "$WN_T/police" "$WN_T/police.old"
old=$(peer_field youth police chain_head)
check "youth stops" node_stop youth
check "police starts (dir and guards vouch)" with_flush node_start police
check "police sends dir 3 messages" wn police peer send dir --count 3 --size 16
check "  dir applies them" wait_for 120 received_is dir police 3
last=$(audit_seq police)
check "police stops, handing dir and guards its head" with_flush node_stop police
for n in dir guards; do check "  $n holds police's head $last" wait_for 120 head_at $n police "$last"; done
check "dir and guards stop" eval 'node_stop dir && node_stop guards'
check "youth starts" node_start youth
check "  it holds the older head ($old)" head_below youth police "$last"
mv "$WN_T/police" "$WN_T/police.new"; cp -a "$WN_T/police.old" "$WN_T/police"
at=$(log_size police)
# asked again on the timer only after an hour: what asks dir below is its
# transfer (node_chain_heard)
check "police starts on its older copy: youth, the one checker up, holds a head it extends" \
	eval 'WIJKNET_TEST_RECHECK_MS=3600000 node_start police'
check "  it serves" count_is False ro police
check "  dir and guards, which did not answer, are to be asked again" \
	out_has 'rollback check: 2 of 3 checkers did not vouch \(dir, guards\)' log_since police "$at"
check "dir starts (it sends police its head)" node_start dir
check "  police asks dir, finds the rollback and stops by itself" wait_for 180 ended police
check_exit "  exit 4 (a rollback)" 4 wn_reap police
check "  saying its chain is behind the copy dir holds, found after the start" \
	out_has 'audit chain is behind the copy dir holds.*found after the start' log_since police "$at"
check "police restarts on its older copy with --accept-rollback" \
	node_start police --accept-rollback "the copy of last night is all we have"
check "  its older run refused once" count_is 1 audit_count police chain.refused
check "  and its stop record says the rollback was found after the start" \
	out_has 'node\.stop[[:space:]]+police[[:space:]]+stopped: a rollback was found after the start' wn police audit show --limit 400
wn_done
