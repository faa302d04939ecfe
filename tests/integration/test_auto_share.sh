#!/usr/bin/env bash
# test_auto_share.sh - `auto_share = CATEGORY,...` in [node] (README "Need
# to know", PROTOCOL.md rule 4) stands in for a person's approval of those
# categories, and for nothing else:
#  - it decides only the categories it names: the others of the request
#    stay undecided and nothing of them leaves until a person decides;
#  - what it approves still passes every other gate: the matrix (a role
#    given none gets nothing), case membership (a node not in the case gets
#    nothing), and consent or a legal basis (a category that needs one
#    leaves only once it is on record);
#  - each category it decides is audited as share.approved by policy.
. "$(dirname "$0")/lib.sh"
S=S-auto-k

check "a federation: director, police, youth work, guards" \
	federation dir police:police youth:youth_work guards:community_guards
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"acked_version":1,"current":true' | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked_all
for k in signals care police housing contact; do
	check "police records $k" wn police record --subject $S --category $k --field note --value "AS-$k"
done
check "police stops" node_stop police
sed -i 's/^\[node\]$/[node]\nauto_share = signals,care,police,contact/' "$WN_T/police/wijknet.conf"
check "police starts with auto_share = signals,care,police,contact" node_start police

C=$(wn dir --json case open --type situation --subject $S --purpose "calm the square" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police youth; do check "it invites $m (not guards)" wn dir case invite "$C" $m; done
is_member() { wn "$1" --json case list | grep -q '"member":true'; }
for m in police youth; do check "$m knows it is a member" wait_for 60 is_member $m; done
check "the director asks for signals, care, police, housing, contact" \
	wn dir case request "$C" --categories signals,care,police,housing,contact
has_share() { wn police --json share list | grep -q "\"id\":$1,"; }
check "police gets the request" wait_for 120 has_share 1

state() { wn police --json share list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["id"] == int(sys.argv[1]): print(r[sys.argv[2]])' "$1" "$2"; }
check "the request stays pending" test "$(state 1 state)" = pending
check "  with housing, which the policy does not name, undecided" test "$(state 1 undecided)" = housing
# cats NODE: the categories NODE received from police, sorted, one a line
cats() {
	local out
	out=$(wn "$1" --json data list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
print("\n".join(sorted(set(r["category"] for r in json.load(sys.stdin)["rows"] if r["from"] == "police"))))'
}
# cats_are NODE WANT: fails when the read fails (a failed CLI is no "")
cats_are() { local v; v=$(cats "$1") || return 1; test "$v" = "$2"; }
queued() { wn police --json peer stats | json_field queued; }
drained() { test "$(queued)" = 0; }
# the policy queued its disclosures with the request (one transaction):
# once police's queue is empty every receiver has applied them
check "everything police queued is delivered" wait_for 120 drained
check "the director received signals and contact (the matrix gives it view)" cats_are dir "contact
signals"
check "youth work received signals only (the matrix gives it none of contact)" cats_are youth signals
check "  no care reached anyone: there is no consent" eval 'out_lacks care cats dir && out_lacks care cats youth'
check "  no police information: there is no legal basis" eval 'out_lacks police cats dir && out_lacks police cats youth'
check "  no housing: nobody decided it" eval 'out_lacks housing cats dir && out_lacks housing cats youth'
check "guards, not in the case, received nothing" cats_are guards ""
check_exit "police's audit" 0 wn police audit show --limit 1000
check_out "  records signals approved by the policy" 'share\.approved.*share 1: signals approved by policy'
check_out "  and contact" 'share\.approved.*share 1: contact approved by policy'
check "  and no approval of housing" bash -c "! grep -q 'share 1: housing approved' '$WN_T/out'"

check_exit "a person approves housing" 0 wn police --json share approve 1
check "  the request is decided" test "$(state 1 state)" = approved
check "the director receives housing now" wait_for 120 cats_are dir "contact
housing
signals"

# --- with consent on record the policy lets care out: it was the consent
# that held care back above, not the policy
check "police records consent for care" wn police consent give --subject $S --category care --by "the subject"
check "the director asks for care" wn dir case request "$C" --categories care
check "police gets the request" wait_for 120 has_share 2
check "  which the policy decided" test "$(state 2 state)" = approved
check "everything police queued is delivered" wait_for 120 drained
check "the director received care (existence only)" cats_are dir "care
contact
housing
signals"
check "youth work received care (existence only)" cats_are youth "care
signals"
check "guards still received nothing" cats_are guards ""
for n in police youth guards; do check "$n stops" node_stop $n; done
check "director stops" node_stop dir
wn_done
