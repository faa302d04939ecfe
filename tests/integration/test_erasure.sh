#!/usr/bin/env bash
# test_erasure.sh - a field a node deletes is gone from its store file, not
# only from its tables: the store runs with secure_delete, so neither the
# page's free space nor a free page keeps the value. Checked on the
# decrypted pages of the stopped node's file (store_plain.py), after a
# removal from a case (the member forgets the case, the discloser
# retracts).
. "$(dirname "$0")/lib.sh"
S=S-erasure-v

check "a federation of a director and two members" federation dir police:police youth:youth_work
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 30 acked_all
holds() { wn "$1" --json data list | grep -q "\"value\":\"$2\""; }
member_of() { wn "$1" --json case show "$2" 2>/dev/null | grep -q '"member":true'; }
has_share() { wn "$1" --json share list | grep -q "\"case_id\":\"$2\""; }
sid() { wn "$1" --json share list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["case_id"] == sys.argv[1]: print(r["id"])' "$2"; }

check "police records a signal" wn police record --subject $S --category signals --field note --value MK-ERASE-removed
check "youth work records one of its own" wn youth record --subject $S --category signals --field note --value MK-KEEP-youth
C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance" --ground consent | json_field case_id)
check "the director opens a case" test -n "$C"
for m in police youth; do check "it invites $m" wn dir case invite "$C" $m; done
for m in police youth; do check "$m knows it is a member" wait_for 30 member_of $m "$C"; done
check "the director asks for signals" wn dir case request "$C" --categories signals
check "police gets the proposal" wait_for 30 has_share police "$C"
check "police approves" wn police share approve "$(sid police "$C")"
check "youth work holds police's signal" wait_for 60 holds youth MK-ERASE-removed
check "the director removes youth work" wn dir case remove "$C" youth
gone() { ! holds youth MK-ERASE-removed; }
check "youth work deletes it" wait_for 60 gone
acked() { wn police audit show --limit 2000 | grep -q "youth[[:space:]]\+retraction.acknowledged.*in case $C"; }
check "police gets the receipt (the retraction was applied too)" wait_for 60 acked

check "youth work stops" node_stop youth
key=$("$TOP/$BUILD/tests/tools/keydump" "$WN_T/youth/node.key" "$WN_T/youth.pass" | sed -n 3p)
printf '%s\n' "$key" | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" "$WN_T/youth/node.db" >"$WN_T/youth.plain"
check "its store decrypts page by page" grep -q "CREATE TABLE received" "$WN_T/youth.plain"
check "  and shows what it still holds" grep -aq MK-KEEP-youth "$WN_T/youth.plain"
check "the deleted value is nowhere in the file" bash -c "! grep -aq MK-ERASE-removed '$WN_T/youth.plain'"
wn_done
