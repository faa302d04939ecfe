#!/usr/bin/env bash
# test_matrix_stale_federation.sh - a matrix of another federation that a
# store holds from before matrices were checked for their federation (put
# in its matrix table here by hand: nodes refuse it now) is no matrix in
# force: matrix show says there is none, the node says so once in its
# log, and the director sends none to a member it enrols.
. "$(dirname "$0")/lib.sh"
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation directed by dir forms" federation dir police
bundle police >/dev/null
# dir's key signs a matrix for federation herentals (police refuses it)
WNPOKE_FEDERATION=herentals WNPOKE_SAVE="$WN_T/foreign.matrix" "$POKE" \
	"$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/police.bundle" matrix 5 \
	"$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check "a matrix of federation herentals signed with dir's key" test -s "$WN_T/foreign.matrix"
hex=$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1], "rb").read().hex())' "$WN_T/foreign.matrix")
stale() { # stale NODE: the foreign matrix as if stored before the check
	echo "INSERT INTO matrix (version, signed, received_ms) VALUES (5, X'$hex', 0);" | node_sql "$1"
}
for n in police dir; do
	check "$n stops" node_stop "$n"
	check "  its store holds the foreign matrix" stale "$n"
	: >"$WN_T/$n.log"
	check "  starts" node_start "$n"
	check_exit "  matrix show" 0 wn "$n" matrix show
	check_out "  says there is no matrix in force" 'no matrix yet'
	wn "$n" matrix show >/dev/null
	check "  its log says why, once" test "$(grep -c "is of federation 'herentals', not this node's federation 'dir'" "$WN_T/$n.log")" = 1
done
# a member enrolled now gets no matrix from dir (it would refuse and audit
# one of another federation)
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "fire" node_init_member fire "$dkey" police
check "  starts" node_start fire
dfp=$(bundle dir); ffp=$(bundle fire)
check "fire enrols dir" wn fire peer add "$WN_T/dir.bundle" --fingerprint "$dfp"
check "dir enrols fire" wn dir peer add "$WN_T/fire.bundle" --fingerprint "$ffp"
drained() { test "$(peer_field dir fire queued)" = 0; }
check "dir's messages to fire are delivered" wait_for 120 drained
check "  fire holds the charter" peer_known fire police
check_exit "fire's audit log" 0 wn fire audit show --limit 100
cp "$WN_T/out" "$WN_T/fire.audit"
check "  has the charter applied" grep -q "charter" "$WN_T/fire.audit"
check "  and no matrix refused" bash -c "! grep -q 'matrix of federation' '$WN_T/fire.audit'"
check "fire stops" node_stop fire
check "dir stops" node_stop dir
check "police stops" node_stop police
wn_done
