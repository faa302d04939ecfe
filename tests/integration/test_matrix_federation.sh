#!/usr/bin/env bash
# test_matrix_federation.sh - a matrix belongs to one federation: the one
# its charter names (the director's org id). The director does not publish
# a matrix written for another federation, and a member refuses (in the
# receipt, and audited) a matrix signed by its director for another one.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
MX="$TOP/config/neteland.matrix"   # federation herentals

check "a federation directed by dir forms" federation dir police
check_exit "the director does not publish herentals' matrix" 1 wn dir matrix publish "$MX"
check_out "  and says whose it is" "the matrix is for federation 'herentals', but this director's federation \(its charter's\) is 'dir'"
check_exit "  nothing was published" 0 wn dir matrix show
check_out "  (no matrix yet)" 'no matrix yet'
check_exit "the director publishes dir's matrix" 0 wn dir matrix publish "$WN_T/dir.matrix"
acked() { test "$(wn dir --json matrix show | grep -o '"acked_version":1')" != ""; }
check "police applies it" wait_for 30 acked

dseq() { expected_seq police dir; }
bundle police >/dev/null
WNPOKE_FEDERATION=herentals WNPOKE_SEQ=$(dseq) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir \
	"$WN_T/police.bundle" matrix 7 "$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check_out "police refuses a matrix signed by its director for another federation" \
	"refused: 5 matrix of federation 'herentals', not this node's federation 'dir'"
check_exit "police still holds version 1" 0 wn police matrix show
check_out "  of dir" 'matrix version 1 of dir'
check_exit "police's audit log" 0 wn police audit show --limit 100
check_out "  records the refusal" "peer.refused.*matrix of federation 'herentals'"
WNPOKE_SEQ=$(dseq) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir \
	"$WN_T/police.bundle" matrix 8 "$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check_out "a matrix of its own federation is still applied" 'RECEIPT accepted=1 refused=0'
check_exit "  police holds it" 0 wn police matrix show
check_out "  as version 8" 'matrix version 8 of dir'
wn_done
