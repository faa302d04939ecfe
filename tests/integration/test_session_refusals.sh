#!/usr/bin/env bash
# test_session_refusals.sh - what a node takes as the refusal of its
# session opening (PROTOCOL.md "Sessions", review of the sessions M1, L1):
# only a signed ERROR from the peer, addressed to it, within the time
# window, that carries the id of the opening in flight. An on-path
# attacker on a plain tcp:// link between the director and guards answers
# each of the director's openings with a signed ERROR 17 guards really
# sent: first one addressed to police (a member that got it with an
# opening sealed under a wrong key), then one addressed to the director
# but refusing an earlier opening. Neither counts toward "guards cannot
# decrypt our messages": after more than 10 of each (the count that makes a
# peer stuck) guards is not stuck, and once the attacker lets the traffic
# through the message is delivered, also after a restart. And an opening
# dated 15 minutes off is answered with a refusal that names the clock and
# carries the opening's id; an old accept played back in answer to an
# opening changes nothing of what the director knows of guards' clock.
. "$(dirname "$0")/lib.sh"
OPEN="$TOP/$BUILD/tests/tools/wnopen"
CAP=10 # NODE_NOKEY_CAP (deliver.c)

check "the director is set up" node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "guards is set up" node_init_member guards "$dkey"
check "police is set up (a member; it never needs to run)" node_init_member police "$dkey"
# a new session for every transfer: each try of the director is an opening
WIJKNET_TEST_SESSION_RENEW_MS=1 check "the director starts, to open a session for every transfer" node_start dir
check "guards starts" node_start guards
gport=$(sed -n 's|^listen = tcp://127.0.0.1:\([0-9]*\)$|\1|p' "$WN_T/guards/wijknet.conf")
/usr/bin/python3 "$TOP/tests/integration/answer_proxy.py" "$WN_T/proxy.port" "$gport" \
	"$WN_T/proxy.log" "$WN_T/inject" "$WN_T/reply" &
PROXY=$!
trap 'rc=$?; kill "$PROXY" 2>/dev/null; wait "$PROXY" 2>/dev/null; (exit $rc); wn_cleanup' EXIT
check "the attacker's proxy listens" wait_for 60 test -s "$WN_T/proxy.port"
pport=$(cat "$WN_T/proxy.port")
dfp=$(bundle dir)
check "guards enrols the director" wn guards peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
gfp=$(bundle guards)
cp "$WN_T/guards.bundle" "$WN_T/guards.real.bundle"
sed -i "s|^endpoint = .*|endpoint = tcp://127.0.0.1:$pport|" "$WN_T/guards.bundle"
check "the director enrols guards at the proxy's address" \
	wn dir peer add "$WN_T/guards.bundle" --fingerprint "$gfp"
pfp=$(bundle police)
check "the director enrols police" wn dir peer add "$WN_T/police.bundle" --fingerprint "$pfp"
check "guards learns police from the charter (through the proxy)" wait_for 120 peer_known guards police
check "the director's outbox for guards drains" wait_for 120 field_is dir guards queued 0

# signed ERRORs 17 from guards, got by openings sealed under a wrong key
open_bad() { # KEY-OF OUT
	WNOPEN_BADKEY=1 "$OPEN" "$WN_T/$1/node.key" "$WN_T/$1.pass" "$1" "$WN_T/guards.real.bundle" "$2"
}
check_exit "police's opening sealed under a wrong key" 0 open_bad police "$WN_T/err17.police"
check_out "  gets a signed ERROR 17 from guards, addressed to police, with the opening's id" \
	"^ERROR 17 to=police id=ours "
check_exit "an opening of the director's own, sealed under a wrong key" 0 open_bad dir "$WN_T/err17.dir"
check_out "  gets a signed ERROR 17 addressed to the director, with that opening's id" \
	"^ERROR 17 to=dir id=ours "
check_exit "an opening of the director's own, well sealed (its accept is kept for later)" 0 \
	"$OPEN" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.real.bundle" "$WN_T/accept.old"
check_out "  gets a session accept addressed to the director" "^REPLY session_accept to=dir ts=[0-9]+$"
accept_ts=$(sed -n 's/^REPLY session_accept to=dir ts=\([0-9]*\)$/\1/p' "$WN_T/out")

stuck() { field_is dir guards state stuck; }
answered() { grep -c '^answered request' "$WN_T/proxy.log" 2>/dev/null || true; }
# the attacker answers the director's openings with the ERROR in $1 until
# more than the cap were answered (or guards is stuck, which fails)
attack() {
	local from
	cp "$1" "$WN_T/reply.new" && mv "$WN_T/reply.new" "$WN_T/reply"
	from=$(answered)
	touch "$WN_T/inject"
	wait_for 900 eval 'stuck || [ "$(answered)" -gt $((from + CAP + 1)) ]'
	wn dir --json peer list >"$WN_T/during" 2>&1
}
check "the director queues one message for guards" wn dir peer send guards --count 1 --size 64
check "the attacker answers $((CAP + 2)) of the director's openings with guards' ERROR 17 to police" \
	attack "$WN_T/err17.police"
check "  guards is not stuck at the director" eval '! stuck'
check "  the director said the error does not answer its opening" \
	grep -q "does not answer our session opening" "$WN_T/during"
# (so that the next case counts on its own where the first one failed)
stuck && wn dir peer retry guards >/dev/null
check "the attacker answers $((CAP + 2)) more with guards' ERROR 17 to the director, of an earlier opening" \
	attack "$WN_T/err17.dir"
check "  guards is not stuck at the director" eval '! stuck'
check "  the director said the error does not answer its opening" \
	grep -q "does not answer our session opening" "$WN_T/during"
rm -f "$WN_T/inject"
check "nothing of it is an alert in the director's audit log" count_is 0 audit_count dir alert.peer_stuck
check "the attacker lets the traffic through: the message is delivered" wait_for 300 field_is dir guards queued 0
received() { wn guards --json peer received dir | json_field count; }
check "  guards applied it" count_is 1 received
check "the director restarts" eval 'node_stop dir && node_start dir'
check "  guards is not stuck after the restart" eval '! stuck'
check "the director queues another message for guards" wn dir peer send guards --count 1 --size 64
check "  it is delivered" wait_for 300 field_is dir guards queued 0
check "  guards applied both" count_is 2 received

# a stale opening (L1): the refusal names the clock, and the opening
WNOPEN_TS_OFFSET_MS=-900000 check_exit "police opens a session dated 15 minutes behind" 0 \
	"$OPEN" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.real.bundle" "$WN_T/stale"
check_out "  it is refused with a signed ERROR 5 to police, with the opening's id" "^ERROR 5 to=police id=ours "
check_out "  that says the clocks differ, and by how much" "dated 9[0-9][0-9] s behind our clock.*check NTP"
WNOPEN_TS_OFFSET_MS=900000 check_exit "police opens a session dated 15 minutes ahead" 0 \
	"$OPEN" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.real.bundle" "$WN_T/stale"
check_out "  it is refused so, ahead" "^ERROR 5 to=police id=ours .*dated [0-9]+ s ahead of our clock"
check_exit "the control: the same opening dated now" 0 \
	"$OPEN" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.real.bundle" "$WN_T/fresh"
check_out "  is accepted" "^REPLY session_accept to=police "

# an old accept played back (L1b): it answers none of the director's
# openings, and says nothing of guards' clock now
now_ms() { date +%s%3N; }
old_enough() { [ $(($(now_ms) - ${accept_ts:-0})) -ge 90000 ]; }
check "the kept accept is more than 90 s old (the test's own time)" wait_for 120 old_enough
skew() { peer_field dir guards clock_skew_ms; }
small() { local v; v=$(skew); v=${v#-}; [ -n "$v" ] && [ "$v" -lt 30000 ]; }
check "the director stops" node_stop dir
WIJKNET_TEST_SESSION_RENEW_MS=1 check "the director starts, to open a session for every transfer" node_start dir
check "the director queues a message for guards" wn dir peer send guards --count 1 --size 64
check "  it is delivered" wait_for 300 field_is dir guards queued 0
check "the director knows guards' clock from it" test "$(peer_field dir guards clock_skew_known)" = True
check "  off by less than 30 s" small
cp "$WN_T/accept.old" "$WN_T/reply.new" && mv "$WN_T/reply.new" "$WN_T/reply"
from=$(answered)
touch "$WN_T/inject"
check "the director queues another message for guards" wn dir peer send guards --count 1 --size 64
check "the attacker answers the director's openings with the old accept" \
	wait_for 300 eval '[ "$(answered)" -ge $((from + 2)) ]'
wn dir --json peer list >"$WN_T/during" 2>&1
rm -f "$WN_T/inject"
# (what the director said while the attacker answered)
skew_then=$(/usr/bin/python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["rows"]:
    if r["org_id"] == "guards": print(r["clock_skew_ms"])' "$WN_T/during")
check "  the director takes it for no answer" grep -q "does not answer our opening" "$WN_T/during"
check "  and guards' clock is still off by less than 30 s (${skew_then:-?} ms)" \
	eval '[ -n "$skew_then" ] && [ "${skew_then#-}" -lt 30000 ]'
check "  the message is delivered once the attacker lets it through" wait_for 300 field_is dir guards queued 0
wn_done
