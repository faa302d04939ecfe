#!/usr/bin/env bash
# test_badkeys.sh - keys no key can be agreed with reach a node by other
# ways than `peer add` (M3 of the review of issue 16): a charter that
# gives a member a low-order kx_key is refused whole, with an alert, and
# the peers stay as they were; a peer already stored with such a key (an
# older version, a damaged store) is left out at start, with an alert,
# instead of the node refusing to start.
. "$(dirname "$0")/lib.sh"
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
LOW=0000000000000000000000000000000000000000000000000000000000000000

check "a federation of a director and two members forms" federation dir police guards
bundle guards >/dev/null
# who guards' peers are, and with which keys
peers() { wn guards --json peer list | /usr/bin/python3 -c '
import json, sys
for r in json.load(sys.stdin)["rows"]: print(r["org_id"], r["fingerprint"])'; }
peers >"$WN_T/peers.before"
# a charter signed by the director's key, newer than any held, that gives
# its one member a low-order kx_key; police carries it (a charter speaks
# for itself; police's numbers, not the director's, are used up)
WNPOKE_CHARTER_KX=$LOW WNPOKE_SEQ=$(expected_seq guards police) check_exit \
	"a charter whose member has a low-order kx_key, signed by the director" 0 \
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/guards.bundle" \
	charter 1000 "$WN_T/dir/node.key" "$WN_T/dir.pass"
check_out "  is refused whole, saying which member and why" \
	"^refused: 5 charter version 1000 refused: the keys of member 'police' cannot be used: its kx_key is a low-order"
check "  with one alert in guards' audit log" count_is 1 audit_count guards alert.charter_refused
peers >"$WN_T/peers.after"
check "  and guards' peers (and their keys) are as they were" cmp -s "$WN_T/peers.before" "$WN_T/peers.after"
check "guards restarts (nothing of it was stored)" node_stop guards
check "  and starts" node_start guards

# --- a stored peer with such a key: left out at start, not a refusal to start
check "guards stops" node_stop guards
echo "UPDATE peers SET kx_pk = X'$LOW' WHERE org_id = 'police';" | node_sql guards >"$WN_T/sql.out" 2>&1
check "police's kx_key in guards' store is made low-order" test ! -s "$WN_T/sql.out"
check "guards starts all the same" node_start guards
check "  with an alert that police was left out" count_is 1 audit_count guards alert.peer_key_refused
check "  police is not among its peers" test -z "$(peer_field guards police org_id)"
check "  the director still is" peer_known guards dir
check "  guards still serves" wn guards status
wn_done
