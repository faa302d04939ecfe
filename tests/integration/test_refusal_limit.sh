#!/usr/bin/env bash
# test_refusal_limit.sh - refusals that no member's signature vouches for
# are recorded at most 10 a minute one by one, the rest counted and their
# number recorded when the minute ends or the node stops; a member gets no
# more past that limit by mixing forgeries in another member's name into
# its own transfers, nor by resending a chain head query (at most one
# recorded a minute per member). Each part starts on a receiver that was
# just started, so its minute holds nothing yet and every count is exact.
# (It was part of test_exchange.sh, where the refusals before it had
# filled that minute already: "at most 10" passed with none recorded.)
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
# the rate limits count per hour, not per minute (node_test_ms in
# node/core/core.c): no limit starts over mid-test on a busy machine
export WIJKNET_TEST_MINUTE_MS=3600000 WNPOKE_TIMEOUT_MS=120000

check "a federation of a director and two members forms" federation dir police guards
bundle guards >/dev/null
node_init stranger police >/dev/null
next_seq() { expected_seq guards "$1"; } # (fails, and fails the script, when unread)
# a stranger opens no session first: its opening would be one more
# refusal no member vouches for, and this test counts them
poke() { local who=$1; shift
	if [ "$who" = stranger ]; then
		WNPOKE_NOSESSION=1 "$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$@"
	else
		"$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$@"
	fi; }

# --- a flood of transfers from an unknown sender
check "guards has recorded no refusal yet" count_is 0 audit_count guards peer.refused
check "  nor a limit" count_is 0 audit_count guards peer.refusals_limited
refused=0
for i in $(seq 1 40); do
	poke stranger stranger "$WN_T/guards.bundle" data 1 >"$WN_T/out" 2>&1
	grep -qx "ERROR 4 not authenticated" "$WN_T/out" && refused=$((refused + 1))
done
check "40 transfers from a stranger are each refused: not authenticated (4)" test "$refused" = 40
check "  10 of them are recorded one by one" count_is 10 audit_count guards peer.refused
check "  each naming the unknown sender" count_is 10 \
	count_or_fail "peer\.refused.*unknown sender 'stranger'" wn guards audit show --limit 1000
check "  the limit itself is recorded, once" count_is 1 audit_count guards peer.refusals_limited
check "  the other 30 are not recorded before the minute ends" count_is 0 audit_count guards peer.refused_unrecorded
check_exit "guards still applies a member's message" 0 poke police police "$WN_T/guards.bundle" data "$(next_seq police)"
check_out "  accepted" '^RECEIPT accepted=1 refused=0'
check "guards stops" node_stop guards
check "  and restarts" node_start guards
check "the 30 not recorded one by one were counted at the stop" count_is 1 audit_count guards peer.refused_unrecorded
check_exit "  guards' audit log" 0 wn guards audit show --limit 100
check_out "  says how many" 'peer\.refused_unrecorded.*[[:space:]]30 more refusals of transfers no member vouches for'

# --- a member mixing its own good envelope with forgeries in another
# member's name (guards' minute starts afresh with the restart)
check "the flood's 10 refusals are all that is recorded" count_is 10 audit_count guards peer.refused
for k in 1 2 3; do
	poke police police "$WN_T/guards.bundle" mixed "$(next_seq police)" dir >"$WN_T/mixed$k" 2>&1
done
for k in 1 2 3; do
	check "police's transfer $k: its own envelope accepted, 63 forgeries in dir's name refused" \
		grep -q '^RECEIPT accepted=1 refused=63$' "$WN_T/mixed$k"
	check "  one forged signature checked and refused (3)" \
		test "$(grep -c '^refused: 3 bad signature' "$WN_T/mixed$k")" = 1
	check "  the other 62 refused unchecked (3)" \
		test "$(grep -c '^refused: 3 not checked: an earlier envelope' "$WN_T/mixed$k")" = 62
done
check "10 of the 189 refusals are recorded one by one (20 in all with the flood's)" \
	count_is 20 audit_count guards peer.refused
check "  none in police's name" count_is 0 audit_count guards peer.refused police
check "  and the limit once more" count_is 2 audit_count guards peer.refusals_limited

# --- the same chain head query again and again
check "no chain head query from police recorded yet" count_is 0 audit_count guards chain.queried police
for k in 1 2 3 4 5; do
	poke police police "$WN_T/guards.bundle" query >"$WN_T/query$k" 2>&1
done
check "five chain head queries in a row are each answered with a chain head answer" \
	test "$(grep -lE '^ANSWER (head|none)$' "$WN_T"/query[1-5] | wc -l)" = 5
check "  and recorded once" count_is 1 audit_count guards chain.queried police
check "guards stops" node_stop guards
check "  and restarts" node_start guards
check "the 179 forgeries not recorded one by one were counted at the stop" \
	count_is 2 audit_count guards peer.refused_unrecorded
check_exit "  guards' audit log" 0 wn guards audit show --limit 100
check_out "  says how many" 'peer\.refused_unrecorded.*[[:space:]]179 more refusals of transfers no member vouches for'

# --- a real minute (60 s, as in production) ends while guards runs: the
# count is recorded without a stop, and the budget starts over. The minute
# starts at the first refusal; the stranger pokes until the limit is
# recorded, then once more (counted). Should the minute have ended between
# the two (a busy machine: that one is recorded one by one instead), the
# round is tried again.
check "guards stops" node_stop guards
check "  and starts with the real minute (60 s)" eval 'WIJKNET_TEST_MINUTE_MS=60000 node_start guards'
stranger_poke() { poke stranger stranger "$WN_T/guards.bundle" data 1 >"$WN_T/out" 2>&1 &&
	grep -qx "ERROR 4 not authenticated" "$WN_T/out"; }
counted=""
for round in 1 2 3; do
	l0=$(audit_count guards peer.refusals_limited) || break
	for i in $(seq 1 30); do
		stranger_poke || break
		l=$(audit_count guards peer.refusals_limited) || break
		[ "$l" -gt "$l0" ] && break
	done
	[ "${l:-}" -gt "$l0" ] 2>/dev/null || break
	r0=$(audit_count guards peer.refused) || break
	stranger_poke || break
	r=$(audit_count guards peer.refused) || break
	if [ "$r" = "$r0" ]; then counted=$round; break; fi
	echo "# round $round: the minute ended before the poke after the limit; again"
done
check "in one real minute the stranger reached the limit and one more refusal was counted" test -n "$counted"
unrec_above() { local v; v=$(audit_count guards peer.refused_unrecorded) && test "$v" -gt 2; }
check "the minute ends with guards running: the count is recorded without a stop" wait_for 240 unrec_above
check "  guards did not stop meanwhile" kill -0 "${WN_PID[guards]}"
check_exit "  guards' audit log" 0 wn guards audit show --limit 1000
check_out "  says how many: 1" 'peer\.refused_unrecorded.*[[:space:]]1 more refusals of transfers no member vouches for'
r0=$(audit_count guards peer.refused)
check "  (guards' recorded refusals are read: $r0)" test -n "$r0"
check "a refusal in the next minute" stranger_poke
check "  is recorded one by one: the budget started over" count_is $((r0 + 1)) audit_count guards peer.refused
wn_done
