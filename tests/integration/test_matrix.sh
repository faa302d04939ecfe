#!/usr/bin/env bash
# test_matrix.sh - the director's matrix: checked with file:line errors,
# published with a new version, applied by every member and acknowledged
# with a signed message, shown with who acknowledged which version; lower
# versions and other signers refused and audited.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
MX="$WN_T/dir.matrix"

check_exit "the example matrix checks" 0 "$WIJKNET" matrix check "$MX"
check_out "  naming its federation" 'ok, federation dir'
sed 's/^signals = municipality:edit/signals = municipality:edti/' "$MX" >"$WN_T/bad.matrix"
line=$(grep -n 'municipality:edti' "$WN_T/bad.matrix" | head -1 | cut -d: -f1)
check_exit "a matrix with a bad level does not check" 1 "$WIJKNET" matrix check "$WN_T/bad.matrix"
check_out "  reported as file:line: message" "^$WN_T/bad.matrix:$line: "

check "a federation of a director and two members forms" federation dir police guards
check_exit "a member cannot publish" 1 wn police matrix publish "$MX"
check_out "  only the director can" 'only the director publishes the matrix'
check_exit "the director publishes" 0 wn dir matrix publish "$MX"
check_out "  version 1" '^version: +1$'
acked() { wn dir --json matrix show | /usr/bin/python3 -c '
import json,sys
replies=json.load(sys.stdin)
rows=replies[1]["rows"] if isinstance(replies,list) else []
print(" ".join("%s=%s" % (r["org_id"], r["acked_version"]) for r in rows))'; }
acked_is() { test "$(acked)" = "$1"; }
check "both members acknowledge version 1" wait_for 30 acked_is "guards=1 police=1"
check_exit "a member shows the matrix in force" 0 wn police --json matrix show
check_out "  youth work sees only that the police hold something" '"type":"situation","category":"police"[^}]*"youth_work":"existence"'
check_exit "the director publishes again" 0 wn dir matrix publish "$MX"
check "both acknowledge version 2" wait_for 30 acked_is "guards=2 police=2"
check_exit "the director's audit log" 0 wn dir audit show --limit 200
check_out "  records the publications" 'control.matrix.publish.*version 2'
check_out "  and the acknowledgements" 'police[[:space:]]+matrix.acknowledged.*version 2'

dseq() { expected_seq guards dir; }
bundle guards >/dev/null
node_init stranger police >/dev/null
WNPOKE_SEQ=$(dseq) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" matrix 1 "$WN_T/dir/node.key" "$WN_T/dir.pass" >"$WN_T/out" 2>&1
check_out "an older matrix version is refused: not permitted (5)" '^refused: 5 matrix version 1 is not newer than the 2 held'
WNPOKE_SEQ=$(dseq) "$POKE" "$WN_T/dir/node.key" "$WN_T/dir.pass" dir "$WN_T/guards.bundle" matrix 9 "$WN_T/stranger/node.key" "$WN_T/stranger.pass" >"$WN_T/out" 2>&1
check_out "a matrix signed by another key is refused from applying it: not permitted (5)" '^refused: 5 matrix not signed by the pinned director key'
check_exit "guards still holds version 2" 0 wn guards matrix show
check_out "  as its matrix in force" 'matrix version 2 of dir'
check_exit "guards' audit log" 0 wn guards audit show --limit 200
check_out "  has the older version's refusal" 'peer\.refused.*matrix version 1 is not newer'
check_out "  and the other signer's" 'peer\.refused.*matrix not signed by the pinned director key'
wn_done
