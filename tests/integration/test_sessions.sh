#!/usr/bin/env bash
# test_sessions.sh - sessions between nodes (issue 16, part 4; PROTOCOL.md
# "Sessions"): an envelope naming a session the receiver does not hold is
# refused whole with code 19 and then delivered once under a new one; one
# without a session, or a session opening played back, is refused; a
# receiver restarted mid-delivery has forgotten every session, and its
# sender opens a new one and delivers everything exactly once; a sender
# that opens a new session for every transfer (a test's lifetime) still
# delivers, the receiver keeping at most 4 of them. A sender drops the
# session it opened once its renewal is due, also with nothing to send,
# and at once when the peer's keys change; a receiver forgets a session
# unused or made too long ago (test lifetimes of 2 s), and the sender's
# next message then gets 19 once and is delivered once.
. "$(dirname "$0")/lib.sh"
export WN_LOG_LEVEL=debug
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director, police and guards" federation dir police guards
bundle dir >/dev/null
stat_of() { wn "$1" --json peer stats | json_field "$2"; }
check "the director holds the session it opened with police for the charter" \
	test "$(stat_of dir sessions_opened_held)" -ge 1
check "  and says how old the oldest is" test "$(stat_of dir session_opened_oldest_ms)" -gt 0
poke() { "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" "$@"; }

# --- a session the receiver does not hold: 19, then once
s=$(expected_seq dir police)
WNPOKE_SID=bogus WNPOKE_ID=0badc0de0badc0de0badc0de0badc0de \
	check_exit "police's message naming a session the director does not hold" 0 poke data "$s"
check_out "  refused whole: no such session (19)" "^ERROR 19 no such session: open a new one$"
check "  nothing applied: the director still expects $s" test "$(expected_seq dir police)" = "$s"
WNPOKE_ID=0badc0de0badc0de0badc0de0badc0de \
	check_exit "the same message under a new session" 0 poke data "$s"
check_out "  is accepted" "^RECEIPT accepted=1 refused=0"
check "  and applied once: the director expects $((s + 1))" test "$(expected_seq dir police)" = $((s + 1))
WNPOKE_SID=none check_exit "a message without a session" 0 poke data "$((s + 1))"
check_out "  is malformed (2)" '^ERROR 2 malformed envelope at byte [0-9]+: missing label "sid" on a data envelope'
check "  nothing applied" test "$(expected_seq dir police)" = $((s + 1))
check_exit "a chain head query under a session" 0 poke query
check_out "  is answered under it" '^ANSWER (head|none)$'
check_exit "a session opening played back on its connection" 0 poke open-replay
check_out "  is refused: replay (5)" "^ERROR 5 replay: a session opening answered before$"

# --- the receiver restarts mid-delivery: every session gone
received() { wn police --json peer received dir | json_field "$1"; }
received_ge() { local v; v=$(received count); test "${v:-0}" -ge "$1"; }
check "police stops" node_stop police
export WIJKNET_TEST_RX_DATA_MAX=10
check "police starts, to keep at most 10 test messages" node_start police
check "the director queues 40 test messages for police" wn dir peer send police --count 40 --size 64
check "police applied 10" wait_for 180 received_ge 10
node_kill police
check "  the kill came mid-delivery: the director still holds messages" \
	test "$(peer_field dir police queued)" -gt 0
unset WIJKNET_TEST_RX_DATA_MAX
at=$(stat -c %s "$WN_T/police.log")
check "police restarts, holding no session" node_start police
check "the director's outbox for police drains" wait_for 300 field_is dir police queued 0
check "police applied exactly 40" test "$(received count)" = 40
check "  all distinct" test "$(received distinct)" = 40
check "  in the order sent" test "$(received in_order)" = True
check "police refused the director's old session (19)" \
	eval 'tail -c +$((at + 1)) "$WN_T/police.log" | grep -q "a transfer from dir names a session we do not hold"'
check "  and answered the director's new one" \
	eval 'tail -c +$((at + 1)) "$WN_T/police.log" | grep -q "session opened by dir"'
check "nothing of it is a refusal in police's audit log" count_is 0 audit_count police peer.refused

# --- a new session for every transfer
check "the director stops" node_stop dir
at=$(stat -c %s "$WN_T/police.log")
WIJKNET_TEST_SESSION_RENEW_MS=1 check "the director starts, to open a session for every transfer" node_start dir
for i in 1 2 3 4 5 6; do
	wn dir peer send police --count 3 --size 64 >/dev/null
	check "  transfer round $i is delivered" wait_for 120 field_is dir police queued 0
done
check "police applied all 58" test "$(received count)" = 58
opened() { tail -c +$((at + 1)) "$WN_T/police.log" | grep -c "session opened by dir"; }
check "  under at least 6 sessions" test "$(opened)" -ge 6
held() { wn police --json peer stats | json_field sessions_held; }
check "  of which police holds at most 4" test "$(held)" -le 4 -a "$(held)" -ge 1

# --- the sessions the director opened are dropped when their renewal is
# due, also with nothing more to send (their keys wiped)
check "the director stops" node_stop dir
WIJKNET_TEST_SESSION_RENEW_MS=2000 check "the director starts, to renew its sessions after 2 s" node_start dir
check "the director queues 3 messages for police" wn dir peer send police --count 3 --size 64
check "  they are delivered" wait_for 120 field_is dir police queued 0
check "  police applied all 61" test "$(received count)" = 61
check "the director drops the session it opened, 2 s old, with nothing to send" \
	wait_for 120 count_is 0 stat_of dir sessions_opened_held

# --- police forgets a session unused for 2 s: the director's next message
# gets 19 once and is delivered once under a new one
check "both stop" eval 'node_stop dir && node_stop police'
WIJKNET_TEST_SESSION_IDLE_MS=2000 check "police starts, to forget a session unused for 2 s" node_start police
check "the director starts (sessions renewed hourly)" node_start dir
check "the director queues a message for police" wn dir peer send police --count 1 --size 64
check "  it is delivered" wait_for 120 field_is dir police queued 0
check "police forgets the director's session once it is unused for 2 s" \
	wait_for 120 count_is 0 stat_of police sessions_held
check "  the director still holds it" test "$(stat_of dir sessions_opened_held)" -ge 1
at=$(stat -c %s "$WN_T/police.log")
check "the director queues another message for police" wn dir peer send police --count 1 --size 64
check "  it is delivered" wait_for 120 field_is dir police queued 0
check "  police applied it once: 63" test "$(received count)" = 63
check "  after refusing the forgotten session (19)" \
	eval 'tail -c +$((at + 1)) "$WN_T/police.log" | grep -q "a transfer from dir names a session we do not hold"'

# --- police forgets a session made 2 s ago, however used
check "police stops" node_stop police
WIJKNET_TEST_SESSION_MAX_MS=2000 check "police starts, to forget a session made 2 s ago" node_start police
check "the director queues a message for police" wn dir peer send police --count 1 --size 64
check "  it is delivered" wait_for 120 field_is dir police queued 0
check "police forgets the director's session once it is 2 s old" \
	wait_for 120 count_is 0 stat_of police sessions_held

# --- a peer's keys change: the session opened with it goes at once
check "police sends guards a message" wn police peer send guards --count 1 --size 64
check "  it is delivered" wait_for 120 field_is police guards queued 0
check "the director stops (police opens nothing new with it)" node_stop dir
before=$(stat_of police sessions_opened_held)
check "  police holds the session it opened with guards" test "${before:-0}" -ge 1
bundle guards >/dev/null
bundle police >/dev/null
newkx=$(sed -n 's/^kx_key = //p' "$WN_T/police.bundle")
# a charter signed by the director's key that gives guards another kx_key
# (police's, a valid one), carried by guards
WNPOKE_CHARTER_KX=$newkx WNPOKE_SEQ=$(expected_seq police guards) check_exit \
	"a charter that gives guards new keys reaches police" 0 \
	"$POKE" "$WN_T/guards/node.key" "$WN_T/guards.pass" guards "$WN_T/police.bundle" \
	charter 1000 "$WN_T/dir/node.key" "$WN_T/dir.pass"
check_out "  accepted" "^RECEIPT accepted=1 refused=0"
fewer() { local v; v=$(stat_of police sessions_opened_held); test -n "$v" -a "${v:-0}" -lt "$before"; }
check "  police no longer holds the session it opened with guards" wait_for 60 fewer
wn_done
