#!/usr/bin/env bash
# test_receive_only.sh - a node none of whose checkers answers its
# rollback check at start fails closed (PROTOCOL.md "Rollback detection",
# README "Running a node"):
#  - it starts receive-only: status says so (receive_only, and a sentence
#    first), chain.receive_only is audited, it receives and applies what
#    peers send, and sends nothing: a message for a peer that is up waits
#    in its outbox (the node logs what it holds each time that changes,
#    so the test sees the message held, not merely slow);
#  - when its checker comes back (and sends it its chain head) it asks
#    again, ends receive-only (chain.checked) and delivers what waited;
#  - --accept-unchecked REASON serves at once, with the reason audited
#    (chain.unchecked); an empty reason is a usage error;
#  - an older copy of its store that started receive-only is not let out:
#    when its checker answers with a head the copy's chain does not
#    extend, the node stops with exit status 4 (chain.refused, once; its
#    node.stop record says why), having
#    sent nothing; restarted with --accept-rollback, what it queued while
#    receive-only goes out and is not refused as a replay;
#  - a receive-only node still answers a chain-head query (two nodes that
#    check each other and started while the other was away would wait
#    for each other for ever);
#  - what ends receive-only is the checker's answer: asked at once when a
#    checker is heard from (the timer set to an hour here), or on the
#    timer: a witness that comes back ends it too;
#  - a round that lets the node serve with checkers that did not answer
#    is not the last word: those are asked again until each has;
#  - members check each other: a member's witnesses (the two members
#    after it in org id order) hold its head too, so an older copy is
#    refused at start while the director is away. A witness that answers
#    that it holds no head of the node vouches only while none of the
#    node's heads has reached it (a member that joined since): once one
#    has (a receipt for it came back), that answer vouches for nothing
#    (a witness that lost its store, or a hostile one that does not
#    tell), and the node stays receive-only; stopping then sends
#    nothing, not even its head.
# police's checkers: dir and its witnesses youth and guards (members in
# order: guards, housing, police, youth); housing checks nothing of it.
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"
# a starting node waits 60 s (not 3) for an answer of a checker that is up
# (one that is away refuses the dial at once); started with_flush, police
# tries 60 s (not 3) to hand dir its head when it stops (node_test_ms)
export WIJKNET_TEST_QUERY_TIMEOUT_MS=60000
with_flush() { WIJKNET_TEST_STOP_FLUSH_MS=60000 "$@"; }
audit_seq() { wn "$1" --json status | json_field audit_records; }
received() { wn "$1" --json peer received "$2" | json_field count; }
received_is() { test "$(received "$1" "$2")" = "$3"; }
ro() { wn "$1" --json status | json_field receive_only; }
head_at() { local v; v=$(peer_field "$1" "$2" chain_head); test "${v:-0}" -ge "$3"; }
log_since() { tail -c +"$(($2 + 1))" "$WN_T/$1.log"; }
log_size() { stat -c %s "$WN_T/$1.log"; }
# held_is NODE AT N: NODE's log, past byte AT, says exactly N messages
# wait in its outbox
held_is() {
	log_since "$1" "$2" | sed -n 's/.*receive-only: \([0-9]*\) messages\{0,1\} waits\{0,1\} in the outbox.*/\1/p' |
		grep -qx "$3"
}
queued_all() { wn "$1" --json peer stats | json_field queued; }

check "a federation of a director and four members" federation dir police guards housing youth
checkers_stop() { local n; for n in dir guards youth; do node_stop $n || return 1; done; }
witnesses_start() { node_start guards && node_start youth; }

# --- receive-only while the checkers are away
check "police stops" node_stop police
check "dir and police's witnesses, guards and youth, stop" checkers_stop
# asked again on the timer only after an hour: what ends receive-only
# below is dir's transfer (node_chain_heard)
check "police starts while its checkers are away" eval 'WIJKNET_TEST_RECHECK_MS=3600000 node_start police'
check "  its status says receive-only" count_is True ro police
check "  and says why, first" out_has '^receive-only since [0-9-]+ [0-9:]+ UTC: none of the nodes that check' wn police status
check "  with the last checker's reason" out_has 'vouched for it yet \(last: [a-z]+ did not answer\)' wn police status
check "  chain.receive_only is audited" count_is 1 audit_count police chain.receive_only
check "  and no chain.unchecked" count_is 0 audit_count police chain.unchecked
at=$(log_size police)
before=$(received housing police)
waiting=$(queued_all police)
check "police sends housing 3 messages (housing is up)" wn police peer send housing --count 3 --size 16
# the delivery thread logs the outbox's size when it changed, at most
# every 10 s: once it says 3 more, it went round with them and held them
check "  police holds them: its log says exactly 3 more wait ($((waiting + 3)))" wait_for 120 held_is police "$at" $((waiting + 3))
check "  housing got none of them" received_is housing police "$before"
check "  they wait for housing at police" count_is 3 peer_field police housing queued
check "housing sends police 2 messages" wn housing peer send police --count 2 --size 16
check "  police, receive-only, applies them" wait_for 120 received_is police housing 2
check "  and is still receive-only" count_is True ro police
bundle police >/dev/null
"$POKE" "$WN_T/housing/node.key" "$WN_T/housing.pass" housing "$WN_T/police.bundle" query >"$WN_T/out" 2>&1
check_out "  a chain-head query to it is answered" '^ANSWER (head|none)$'

# --- the checker comes back
at=$(log_size police)
check "dir starts (it sends police its head)" node_start dir
check "  police asks again at once (not on its timer) and ends receive-only" wait_for 120 count_is False ro police
check "  chain.checked is audited" count_is 1 audit_count police chain.checked
check "  saying who answered" out_has 'chain\.checked[[:space:]]+police[[:space:]]+1 of 3 checkers answered' wn police audit show --limit 200
check "  the witnesses, which did not answer, are to be asked again" out_has 'rollback check: 2 of 3 checkers did not vouch \(guards, youth\)' log_since police "$at"
check "  housing gets the 3 messages that waited" wait_for 120 received_is housing police $((before + 3))
check "  police's status no longer begins with it" out_lacks 'receive-only' wn police status

# --- the operator's override
check "police stops" node_stop police
check "dir stops" node_stop dir
check_exit "--accept-unchecked without a reason is a usage error" 2 \
	timeout 120 "$WIJKNETD" run --config "$WN_T/police/wijknet.conf" --accept-unchecked ""
check_out "  that says a reason is needed" 'needs a reason'
check "police starts while dir is away, with --accept-unchecked" \
	node_start police --accept-unchecked "dir moves to a new machine today"
check "  it is not receive-only" count_is False ro police
check "  chain.unchecked carries the reason" out_has 'chain\.unchecked[[:space:]]+police[[:space:]]+none of 3 checkers answered; serving unchecked, accepted by the operator: dir moves to a new machine today' wn police audit show --limit 300
check "  no second chain.receive_only" count_is 1 audit_count police chain.receive_only
check "dir starts" node_start dir
check "guards and youth start" witnesses_start

# --- a witness ends receive-only: asked again on the timer (every 2 s
# here), youth answers with a head police's chain extends. Its heads go to
# its own checkers (dir, guards, housing), not to police.
check "police stops" node_stop police
check "dir and police's witnesses, guards and youth, stop" checkers_stop
# police keeps its head to itself but at its start and stop (the period
# is a day): no head of it reaches a member that joins below meanwhile
check "police starts, receive-only" eval 'WIJKNET_TEST_RECHECK_MS=2000 WIJKNET_TEST_HEAD_PERIOD_MS=86400000 node_start police && test "$(ro police)" = True'
at=$(log_size police)
check "youth starts" node_start youth
check "  police asks it again and ends receive-only" wait_for 120 count_is False ro police
check "  saying one checker answered" out_has 'chain\.checked[[:space:]]+police[[:space:]]+1 of 3 checkers answered' wn police audit show --limit 300
check "  dir and guards, which did not, are to be asked again" out_has 'rollback check: 2 of 3 checkers did not vouch \(dir, guards\)' log_since police "$at"
check "dir and guards start" eval 'node_start dir && node_start guards'
check "  police asks them: every checker has vouched" wait_for 120 out_has 'every checker has vouched since the start' log_since police "$at"

# --- a witness that holds no head of police: probation joins and sorts
# right after police, so police's witnesses are now probation and youth.
# Its answer that it holds none vouches while no head of police has
# reached it, and for nothing once one has.
join_member() {
	local dkey
	dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
	node_init_member "$1" "$dkey" community_guards >/dev/null && node_start "$1" &&
		wn "$1" peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)" >/dev/null &&
		wn dir peer add "$WN_T/$1.bundle" --fingerprint "$(bundle "$1")" >/dev/null
}
check "probation joins" join_member probation
check "  police knows it" wait_for 120 peer_known police probation
check "  and it police" wait_for 120 peer_known probation police
check "  no head of police reached it" count_is -1 peer_field probation police chain_head
check "probation stops" node_stop probation
check "police stops (its head for probation waits)" node_stop police
check "dir and youth stop" eval 'node_stop dir && node_stop youth'
check "probation starts (it holds no head of police)" node_start probation
at=$(log_size police)
check "police starts: probation answers, holding nothing" node_start police
check "  no head of police reached probation: that is taken as its word, police serves" count_is False ro police
check "  its log says so" out_has 'rollback check: probation holds no head of ours, and none reached it yet: taken as its word' log_since police "$at"
check "  dir and youth are to be asked again" out_has 'rollback check: 2 of 3 checkers did not vouch \(dir, youth\)' log_since police "$at"
check "  police's head reaches probation" wait_for 120 head_at probation police 1
check "  and its receipt comes back (police's queue for probation empties)" wait_for 120 field_is police probation queued 0
check "police stops" node_stop police
# probation now answers every query that it holds no head of the asker,
# as a member that lost its store, or one that does not tell, would
check "probation restarts, not telling" eval 'node_stop probation && WIJKNET_TEST_ANSWER_NONE_MS=1 node_start probation'
held=$(peer_field probation police chain_head)
at=$(log_size police)
check "police starts: probation says it holds none, though police's head reached it" node_start police
check "  that vouches for nothing: police is receive-only" count_is True ro police
check "  and says so in its log" out_has 'rollback check: probation holds no head of ours, though one reached it: that vouches for nothing' log_since police "$at"
# a receive-only node that stops sends nothing, not even its head (a
# head queued then would take a number of a store that may be an older
# copy): probation, up, would get it
before=$(received housing police)
check "police queues housing 2 messages" wn police peer send housing --count 2 --size 16
check "police stops while receive-only (given 60 s to hand over its head)" with_flush node_stop police
check "  probation holds the head it held ($held): nothing went out at the stop" count_is "$held" peer_field probation police chain_head
check "  housing got nothing" received_is housing police "$before"
check "dir and youth start" eval 'node_start dir && node_start youth'
check "police starts: dir and youth vouch" eval 'node_start police && test "$(ro police)" = False'
check "  housing gets the 2 messages" wait_for 120 received_is housing police $((before + 2))

# --- an older copy, started while its checkers are away (dir and youth)
# but for probation, which does not tell, is not let out: receive-only,
# and stopped once dir answers
check "police stops" node_stop police
cp -a "$WN_T/police" "$WN_T/police.old"
check "police starts" with_flush node_start police
check "police sends dir 5 messages" wn police peer send dir --count 5 --size 16
check "  dir applies them" wait_for 120 received_is dir police 5
last=$(audit_seq police)
check "police stops, handing its checkers its head" with_flush node_stop police
for n in dir probation youth; do check "$n holds police's head $last" wait_for 120 head_at $n police "$last"; done
check "  housing holds none (-1)" count_is -1 peer_field housing police chain_head
dir_got=$(received dir police)
check "dir and youth stop" eval 'node_stop dir && node_stop youth'
rm -rf "$WN_T/police"; cp -a "$WN_T/police.old" "$WN_T/police"
check "police starts on its older copy, dir and youth away, probation not telling" node_start police
check "  receive-only: probation's answer vouches for nothing" count_is True ro police
check "police queues dir 2 messages" wn police peer send dir --count 2 --size 16
: >"$WN_T/police.log"
WN_LOGAT[police]=0
check "dir starts" node_start dir
check_exit "police stops by itself, exit 4 (a rollback)" 4 wn_reap police
check "  saying its chain is behind the copy dir holds" grep -q 'audit chain is behind the copy dir holds' "$WN_T/police.log"
check "  dir got nothing from the older copy" received_is dir police "$dir_got"
check "  dir reports no reuse of sequence numbers" count_is 0 audit_count dir chain.rollback
# what the older copy queued while receive-only took numbers the real
# store had used already: accepting the rollback moves them on with the
# rest, so that dir takes them and refuses none as a replay
refused=$(audit_count dir peer.refused)
check "police restarts on its older copy with --accept-rollback" \
	node_start police --accept-rollback "the copy of last night is all we have"
check "  it is not receive-only" count_is False ro police
check "  its older run refused once" count_is 1 audit_count police chain.refused
check "  and its stop record says why" out_has 'node\.stop[[:space:]]+police[[:space:]]+stopped: a rollback was found while receive-only' wn police audit show --limit 300
check "  dir gets the 2 messages that waited" wait_for 120 received_is dir police $((dir_got + 2))
check "  police's outbox to dir empties" wait_for 120 count_is 0 peer_field police dir queued
check "  dir refused none of them (no replay)" count_is "$refused" audit_count dir peer.refused
check "  dir still reports no reuse of sequence numbers" count_is 0 audit_count dir chain.rollback
check "  dir saw the numbers move" count_is 1 audit_count dir chain.rollback_closed
check "police stops" node_stop police
check "dir stops" node_stop dir

# --- the witnesses alone: the director away, police's older copy is
# refused at start
check "probation restarts, telling again, and youth starts" eval 'node_stop probation && node_start probation && node_start youth'
rm -rf "$WN_T/police"; cp -a "$WN_T/police.old" "$WN_T/police"
: >"$WN_T/police.log"
check_exit "police's older copy, dir away, is refused at start (exit 4)" 4 node_start police
[ -n "${WN_PID[police]:-}" ] && node_stop police
check "  naming a witness's copy" grep -Eq 'audit chain is behind the copy (probation|youth) holds' "$WN_T/police.log"
wn_done
