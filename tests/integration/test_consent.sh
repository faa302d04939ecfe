#!/usr/bin/env bash
# test_consent.sh - consent gates a category that the matrix says needs it
# (README "Need to know", PROTOCOL.md rule 3: "given, not expired, not
# withdrawn"), shown both ways with one set-up:
#  - a consent given `--until` a time lets the field out while it holds
#    (approved before that time, the director receives it);
#  - once that time has passed the same request set-up sends nothing, and
#    `share show` says the consent expired;
#  - a consent without end lets it out again; after `consent withdraw`
#    what left is retracted and a new request sends nothing, and `share
#    show` says the consent was withdrawn.
# Income and debts needs consent in the Neteland matrix; the municipality
# may view it in a situation case.
. "$(dirname "$0")/lib.sh"
S=S-consent-r

check "a federation of a director and police" federation dir police
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q '"acked_version":1,"current":true'; }
check "police applies it" wait_for 60 acked
check "police records income and debts" wn police record --subject $S --category income_debts --field note --value "CS-first"
C=$(wn dir --json case open --type situation --subject $S --purpose "help with debts" \
	--ground consent | json_field case_id)
check "the director opens a case on consent" test -n "$C"
check "it invites police" wn dir case invite "$C" police
is_member() { wn police --json case list | grep -q '"member":true'; }
check "police knows it is a member" wait_for 60 is_member

has_share() { wn police --json share list | grep -q "\"id\":$1,"; }
# values NODE: the income_debts values NODE received, one a line, sorted
# (fails when the CLI fails, so that a condition is evaluated each try)
values() {
	local out
	out=$(wn "$1" --json data list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
print("\n".join(sorted(r["value"] for r in json.load(sys.stdin)["rows"] if r["category"] == "income_debts")))'
}
# values_are NODE WANT: fails when the read fails (a failed CLI is no "")
values_are() { local v; v=$(values "$1") || return 1; test "$v" = "$2"; }
drained() { test "$(peer_field police dir queued)" = 0; }
sent() { sed -n 's/.*"fields_sent":\([0-9]*\).*/\1/p' "$WN_T/out"; }
share=0

# --- a consent with --until lets the field out while it holds. The end is
# some seconds ahead; on a machine too busy to approve before it, the
# attempt proves nothing and is made again with a later end.
held=""
for ahead in 20 60 180 400; do
	until_s=$(( $(date +%s) + ahead ))
	until=$(date -u -d "@$until_s" +%Y-%m-%dT%H:%M:%SZ)
	wn police consent give --subject $S --category income_debts --by "the subject" --until "$until" >"$WN_T/out" 2>&1 ||
		{ not_ok "police records consent until $until"; sed 's/^/    /' "$WN_T/out"; break; }
	share=$((share + 1))
	wn dir case request "$C" --categories income_debts >/dev/null &&
		wait_for 120 has_share $share || { not_ok "request $share reaches police"; break; }
	wn police --json share approve $share >"$WN_T/approve" 2>&1
	rc=$?
	if [ "$(date +%s)" -lt "$until_s" ]; then held=$ahead; break; fi
	echo "# the approval ended after $until: trying again with a later end"
done
check "police approved before its consent (until $until) ended" test -n "$held"
check "  the approval succeeded" test "$rc" = 0
cp "$WN_T/approve" "$WN_T/out"
check "  and sent the field" test "$(sent)" = 1
check "the director receives it" wait_for 120 values_are dir CS-first

# --- the same set-up once that time has passed: nothing leaves
check "police records another income and debts field" wn police record --subject $S --category income_debts --field note --value "CS-after-expiry"
share=$((share + 1))
check "the director asks again" wn dir case request "$C" --categories income_debts
check "police gets request $share" wait_for 120 has_share $share
expired() { wn police share show $share | grep -Eq 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+consent expired'; }
check "once $until has passed share show says the consent expired" wait_for $((held + 120)) expired
check_exit "police approves" 0 wn police --json share approve $share
check "  which sends nothing" test "$(sent)" = 0
check "everything police queued is delivered" wait_for 120 drained
check "the director holds only the field sent while the consent held" values_are dir CS-first

# --- consent without end, then withdrawn
check "police records consent without end" wn police consent give --subject $S --category income_debts --by "the subject"
share=$((share + 1))
check "the director asks again" wn dir case request "$C" --categories income_debts
check "police gets request $share" wait_for 120 has_share $share
check_exit "police approves" 0 wn police --json share approve $share
check "  which sends both fields" test "$(sent)" = 2
check "the director holds both" wait_for 120 values_are dir "CS-after-expiry
CS-first"
check_exit "police withdraws the consent" 0 wn police --json consent withdraw --subject $S --category income_debts
check_out "  retracting from the director" '"retracted_from":1'
check "the director holds nothing of it any more" wait_for 120 values_are dir ""
share=$((share + 1))
check "the director asks again" wn dir case request "$C" --categories income_debts
check "police gets request $share" wait_for 120 has_share $share
check_exit "police: share show" 0 wn police share show $share
check_out "  says the consent was withdrawn" 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+consent .*withdrawn'
check_exit "police approves" 0 wn police --json share approve $share
check "  which sends nothing" test "$(sent)" = 0
check "everything police queued is delivered" wait_for 120 drained
check "the director still holds nothing of it" values_are dir ""
check_exit "police's audit" 0 wn police audit show --limit 1000
grep 'disclosure\.sent' "$WN_T/out" >"$WN_T/sent"
check "  records exactly two disclosures with income and debts (the one under each consent)" \
	test "$(grep -c 'income_debts' "$WN_T/sent")" = 2
check "police stops" node_stop police
check "director stops" node_stop dir
wn_done
