#!/usr/bin/env bash
# test_director_pin.sh - the director a member was made for is pinned in
# its encrypted store (at init), not only in the plain config: a config
# that names another director key, or none (which would make the member
# a director), is refused at start with a plain message and an audit
# record, and the store is unchanged; the operator accepts a director
# that really changed its key with --accept-director-key REASON, which
# pins the new key and audits both keys and the reason. A node made
# before the pin existed is pinned at its first start.
. "$(dirname "$0")/lib.sh"

check "a federation of a director and police" federation dir police
node_init other municipality >/dev/null
okey=$("$WIJKNETD" public --config "$WN_T/other/wijknet.conf" | sed -n 's/^sign_key = //p')
dkey=$(sed -n 's/^director_key = //p' "$WN_T/police/wijknet.conf")
check "police's config names the director's key" test -n "$dkey"
pinned() { echo "SELECT value FROM meta WHERE key = 'director_key_pinned';" | node_sql police; }
check "police stops" node_stop police
check "init pinned that key in police's store" count_is "$dkey" pinned
audits() { echo "SELECT count(*) FROM audit WHERE action = '$1';" | node_sql police; }

set_conf police director_key "$okey"
check_exit "police with another director key in its config does not start" 1 node_start police
check "  the log says the store pinned another key" grep -q "names director key ${okey:0:16}.., but this node's store pinned director key ${dkey:0:16}" "$WN_T/police.log"
check "  and how to accept a real change" grep -q -- "--accept-director-key REASON" "$WN_T/police.log"
check "  the refusal is audited" count_is 1 audits director.refused
check "  the pin is unchanged" count_is "$dkey" pinned

sed -i '/^director_key = /d' "$WN_T/police/wijknet.conf"
check_exit "police with no director key (it would be a director) does not start" 1 node_start police
check "  the log says so" grep -q "names no director (this node would be one), but this node's store pinned director key ${dkey:0:16}" "$WN_T/police.log"
check "  the pin is unchanged" count_is "$dkey" pinned

set_conf police director_key "$dkey"
check "with the pinned key in its config police starts" node_start police
check "police stops" node_stop police

set_conf police director_key "$okey"
check "the operator accepts the new key" node_start police --accept-director-key "the director moved its key (ticket 42)"
check "  the new key is pinned" count_is "$okey" pinned
check "  the change is audited with both keys and the reason" out_has \
	"director\.repinned.*changed from $dkey to $okey by the operator: the director moved its key \(ticket 42\)" \
	wn police audit show --limit 1000
check "police stops" node_stop police
check "  and starts again with the new key, without the flag" node_start police
check "police stops" node_stop police

# a node made before the pin: its first start pins the config's key
echo "DELETE FROM meta WHERE key = 'director_key_pinned';" | node_sql police
check "a node without a pin" count_is "" pinned
check "  starts" node_start police
check "  and pins its config's key at that start" count_is "$okey" pinned
check "  audited" out_has "director\.pinned.*director key $okey pinned at the first start" wn police audit show --limit 1000
wn_done
