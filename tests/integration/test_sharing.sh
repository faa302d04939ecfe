#!/usr/bin/env bash
# test_sharing.sh - what lets a field out, and deciding a request category
# by category:
#  - `consent basis` takes only a basis the matrix names for the category,
#    and says which ones it does name;
#  - `share show` names what would let a refused field out, and says
#    "expired" for an expired consent;
#  - a request stays open until each of its categories is approved or
#    denied (--only, per category); `share list` shows what is undecided;
#    approving a category that holds nothing sends nothing; every decision
#    is audited per category;
#  - the disclosure audit names, per category, the consent (who gave it)
#    or the legal basis that let it out, and which left as existence only;
#  - a denied category does not leave, though consent would let it;
#    `share show` labels categories approved or denied already;
#  - `consent withdraw --basis` ends a basis and retracts what left under
#    it from every node that got it, and nothing else;
#  - any withdrawal retracts fields sent before what let them out was kept
#    (consent_id -1), and fields sent when the matrix asked for neither once
#    it asks for consent; `share show` says a legal basis expired;
#  - an empty --basis or --only is refused, not read as absent;
#  - the auto_share policy decides its categories and leaves the rest open;
#  - a store error while checking consent fails the approval: nothing is
#    recorded as decided.
. "$(dirname "$0")/lib.sh"
S=S-mira-d

check "a federation of three nodes" federation dir police:police youth:youth_work
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 30 acked_all

for k in signals police care income_debts; do
	check "police records $k" wn police record --subject $S --category $k --field note --value "SH-police-$k"
done

# --- a legal basis the matrix does not name is refused
check_exit "police: a basis the matrix does not name for police information" 1 \
	wn police consent basis --subject $S --category police --basis "art. 999 Sw."
check_out "  is refused, naming the ones it does name" \
	"not one the matrix names for police.*art. 458ter Sw., art. 458quater Sw."
check_exit "police: a basis for care, which needs consent" 1 \
	wn police consent basis --subject $S --category care --basis "art. 458ter Sw."
check_out "  is refused: the matrix names none for care" "names no legal basis for care.*consent give"
check_exit "police: a basis for signals, which needs neither" 1 \
	wn police consent basis --subject $S --category signals --basis "art. 458ter Sw."
check_out "  is refused: nothing to record" "needs neither consent nor a legal basis"
check_exit "police: consent list" 0 wn police --json consent list --subject $S
check "  holds none of them" test "$(grep -o '"kind"' "$WN_T/out" | wc -l)" = 0

until=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
check "police records consent for income and debts until $until" \
	wn police consent give --subject $S --category income_debts --by "the subject" --until "$until"

# --- a case (ground: consent) with a request for five categories
C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance at the market" \
	--ground consent | json_field case_id)
check "the director opens a situation case on consent" test -n "$C"
for m in police youth; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { wn "$1" --json case list | grep -q '"member":true'; }
for m in police youth; do check "$m knows it is a member" wait_for 30 is_member $m; done
check "the director asks for signals, police, care, income_debts, housing" \
	wn dir case request "$C" --categories signals,police,care,income_debts,housing
has_share() { wn "$1" --json share list | grep -q "\"id\":$2,"; }
check "police gets the request" wait_for 30 has_share police 1

# --- share show names what would let a refused field out
expired() { wn police share show 1 | grep -Eq 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+consent expired'; }
check "once the income consent expires, share show says it expired" wait_for 30 expired
check_exit "police: share show" 0 wn police share show 1
check_out "  care needs consent: it says how to record it" \
	'care[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+no consent: record consent with `wijknet consent give`'
check_out "  police information needs a basis: it names those the matrix accepts" \
	'police[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+no consent or legal basis: .*art. 458ter Sw., art. 458quater Sw..*wijknet consent basis'
check_out "  the expired consent says how to renew it" \
	'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+consent expired .*wijknet consent give'
check "police records consent for income and debts again, without end" \
	wn police consent give --subject $S --category income_debts --by "the subject"
check_exit "police: share show" 0 wn police share show 1
check_out "  now income and debts would leave" 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+SH-police-income_debts[[:space:]]+permitted'

check "police records the legal basis for police information" \
	wn police consent basis --subject $S --category police --basis "art. 458ter Sw."
check "police records consent for care" \
	wn police consent give --subject $S --category care --by "the subject, in person"
check_exit "police: share show" 0 wn police share show 1
check_out "  now police information would leave" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+SH-police-police'

# --- deciding category by category
check_exit "police approves only housing, where it holds nothing" 0 wn police --json share approve 1 --only housing
check_out "  nothing is sent" '"fields_sent":0'
state() { wn police --json share list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["id"] == int(sys.argv[1]): print(r[sys.argv[2]])' "$1" "$2"; }
check "  the request stays open" test "$(state 1 state)" = pending
check "  share list shows the four still undecided" test "$(state 1 undecided)" = "signals,police,care,income_debts"
check_exit "housing cannot be decided twice" 1 wn police share approve 1 --only housing
check_out "  it says so" 'housing.*decided already'
check_exit "an empty --only is refused, not read as every category" 2 \
	wn police share deny 1 --only "" --reason "not needed here"
check "  four stay undecided" test "$(state 1 undecided)" = "signals,police,care,income_debts"
check_exit "police denies income and debts, which consent would let out, with a reason" 0 wn police share deny 1 --only income_debts --reason "not needed here"
check "  three stay undecided" test "$(state 1 undecided)" = "signals,police,care"
check_exit "police: share show" 0 wn police share show 1
check_out "  labels income and debts denied" 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+denied'
check_out "  and plans the undecided police information" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+SH-police-police[[:space:]]+permitted'
check_exit "a denial needs a reason" 2 wn police share deny 1 --only signals
check_exit "police approves the rest" 0 wn police --json share approve 1
check_out "  which sends fields" '"fields_sent":[1-9]'
check "  the request is now decided: partly approved" test "$(state 1 state)" = "partly approved"
check "  nothing is undecided" test "$(state 1 undecided)" = ""
check_exit "a decided request cannot be approved again" 1 wn police share approve 1
check_exit "nor denied" 1 wn police share deny 1 --reason "too late"
check_exit "police: share show of the decided request" 0 wn police share show 1
check_out "  labels police information approved already" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing more[[:space:]]+approved already'
check_out "  income and debts stays denied" 'income_debts[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+denied'
cp "$WN_T/out" "$WN_T/show1"
check "  and plans nothing to leave" bash -c "! grep -q 'SH-police' '$WN_T/show1'"

check_exit "police's audit" 0 wn police audit show --limit 500
check_out "  records the approval of housing on its own" 'share\.approved.*share 1: housing approved by admin'
check_out "  the denial of income and debts with its reason" 'share\.denied.*share 1: income_debts denied by admin: not needed here'
check_out "  and the approval of police information" 'share\.approved.*share 1: police approved by admin'
grep 'disclosure.sent' "$WN_T/out" >"$WN_T/sent"
cp "$WN_T/sent" "$WN_T/out"
check_out "the disclosure to the director records the basis for police information" \
	'to dir;.*police \(1 field\): legal basis "art\. 458ter Sw\."'
check_out "  the consent, and who gave it, for care (existence only)" \
	'to dir;.*care \(1 field, existence only\): consent given by "the subject, in person"'
check_out "  that signals needed neither" 'to dir;.*signals \(1 field\): needs no consent or basis'
check_out "the disclosure to youth work marks police information existence only" \
	'to youth;.*police \(1 field, existence only\): legal basis "art\. 458ter Sw\."'
check "  and not as the case's ground (consent)" bash -c "! grep -q 'police (1 field[^)]*): consent' '$WN_T/sent'"
check "no disclosure sends the denied income and debts" bash -c "! grep -q 'income_debts' '$WN_T/sent'"

drained() { local n; for n in dir police youth; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
# rows_are NODE CATEGORY N: NODE holds N received fields of CATEGORY; fails
# when the CLI fails (a condition for wait_for, evaluated at each try)
rows_are() {
	local out
	out=$(wn "$1" --json data list) || return 1
	[ "$(printf '%s' "$out" | grep -o "\"category\":\"$2\"" | wc -l)" = "$3" ]
}
check "the director got police information" rows_are dir police 1
check "and care (existence)" rows_are dir care 1
check "but no income and debts, which police denied" rows_are dir income_debts 0
check "youth work got police information (existence)" rows_are youth police 1
check_exit "the director's audit" 0 wn dir audit show --limit 500
check_out "  marks care received as existence only" 'disclosure.received.*care \(existence only\)'

# --- withdrawing a legal basis
check_exit "police cannot withdraw a basis it never recorded" 1 \
	wn police consent withdraw --subject $S --category police --basis "art. 458quater Sw."
check_out "  it says none is in force" "no legal basis 'art. 458quater Sw.' in force for police about $S"
check_exit "the CLI refuses an empty --basis" 2 \
	wn police consent withdraw --subject $S --category care --basis ""
check_out "  it says so" 'basis must not be empty'
check_exit "police: consent list" 0 wn police consent list --subject $S
check_out "  the consent for care is still in force" 'care[[:space:]]+consent[[:space:]].*in force'
check_exit "police withdraws the basis for police information" 0 \
	wn police --json consent withdraw --subject $S --category police --basis "art. 458ter Sw."
check_out "  retracting from both nodes that got it" '"retracted_from":2'
check "the retraction reaches the director" wait_for 30 rows_are dir police 0
check "and youth work" wait_for 30 rows_are youth police 0
check "the director keeps care, which left under consent" rows_are dir care 1
check_exit "police: consent list" 0 wn police consent list --subject $S
check_out "  shows the basis withdrawn" 'police[[:space:]]+basis[[:space:]]+art. 458ter Sw..*withdrawn'
retraction_acked() { wn police audit show --limit 500 | grep -q 'retraction.acknowledged'; }
check "police's audit shows the receipts" wait_for 30 retraction_acked

check "a second request, for police information" wn dir case request "$C" --categories police
check "police gets it" wait_for 30 has_share police 2
check_exit "police: share show" 0 wn police share show 2
check_out "  says the basis was withdrawn" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+legal basis "art. 458ter Sw." withdrawn'
check_exit "approving it" 0 wn police --json share approve 2
check_out "  sends nothing" '"fields_sent":0'

# --- empty values over the control socket are mistakes, not "absent"
ctl_raw() { /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/$1/control.sock" "${@:2}"; }
check "a request for care, to decide over the control socket" wn dir case request "$C" --categories care,signals
check "police gets it" wait_for 30 has_share police 3
check "share.deny with only=\"\" is refused as a bad argument" \
	bash -c "$(declare -f ctl_raw); TOP='$TOP' WN_T='$WN_T' ctl_raw police share.deny id=3 reason=no only= | grep -q '^10 .*empty list'"
check "  and decides nothing" test "$(state 3 undecided)" = "signals,care"
check "consent.withdraw with basis=\"\" is refused as a bad argument" \
	bash -c "$(declare -f ctl_raw); TOP='$TOP' WN_T='$WN_T' ctl_raw police consent.withdraw subject=$S category=care basis= | grep -q '^10 .*empty basis'"
check_exit "police: consent list" 0 wn police consent list --subject $S
check_out "  the consent for care is still in force" 'care[[:space:]]+consent[[:space:]].*in force'

# people read dates: no human output of these holds epoch milliseconds
for cmd in "police consent list --subject $S" "police share list" "police share show 3" \
	"police record list" "dir data list" "dir case show $C"; do
	# shellcheck disable=SC2086 # a node and its words
	check "no epoch milliseconds in: $cmd" no_epoch wn $cmd
done

# --- any withdrawal retracts fields sent before what let them out was kept
check "police records the legal basis art. 458quater for police information" \
	wn police consent basis --subject $S --category police --basis "art. 458quater Sw."
check "a request for police information" wn dir case request "$C" --categories police
check "police gets it" wait_for 30 has_share police 4
check_exit "approving it" 0 wn police --json share approve 4
check_out "  sends police information again" '"fields_sent":2'
check "everything is delivered" wait_for 60 drained
check "the director holds police information" wait_for 30 rows_are dir police 1
check "and youth work" wait_for 30 rows_are youth police 1
check "police records art. 458ter again" \
	wn police consent basis --subject $S --category police --basis "art. 458ter Sw."
check "police stops" node_stop police
# as if sent before migration 8 kept what let them out; and art. 458ter
# (the newest on record) expired long ago
node_sql police >/dev/null <<'SQL'
UPDATE disclosures SET consent_id = -1 WHERE category = 3 AND retracted_ms IS NULL;
UPDATE consents SET until_ms = 1000 WHERE category = 3 AND basis = 'art. 458ter Sw.' AND withdrawn_ms IS NULL;
SQL
check "  its store now says nothing of what let them out" test "$(node_sql police <<<'SELECT count(*) FROM disclosures WHERE category = 3 AND consent_id = -1 AND retracted_ms IS NULL;' | tail -1)" = 2
check "police starts again" node_start police
check_exit "police withdraws art. 458quater" 0 \
	wn police --json consent withdraw --subject $S --category police --basis "art. 458quater Sw."
check_out "  retracting the old fields from both nodes" '"retracted_from":2'
check "the director no longer holds police information" wait_for 30 rows_are dir police 0
check "nor youth work" wait_for 30 rows_are youth police 0
check "a request for police information" wn dir case request "$C" --categories police
check "police gets it" wait_for 30 has_share police 5
check_exit "police: share show" 0 wn police share show 5
check_out "  says the legal basis expired, and when" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+nothing[[:space:]]+legal basis "art. 458ter Sw." expired 1970-01-01T00:00:01Z'

# --- fields sent when the matrix asked for neither, once it asks for consent
check "the director still holds signals, sent needing nothing" rows_are dir signals 1
check "and youth work" rows_are youth signals 1
{ cat "$WN_T/dir.matrix"; printf '\n[category signals]\nrequires = consent\n'; } >"$WN_T/dir2.matrix"
check "the director publishes a matrix that asks consent for signals" wn dir matrix publish "$WN_T/dir2.matrix"
acked2() { [ "$(wn dir --json matrix show | grep -o '"acked_version":2' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 30 acked2
check "police records consent for signals" \
	wn police consent give --subject $S --category signals --by "the subject"
check_exit "and withdraws it" 0 wn police --json consent withdraw --subject $S --category signals
check_out "  retracting signals from both nodes that got them" '"retracted_from":2'
check "the director no longer holds signals" wait_for 30 rows_are dir signals 0
check "nor youth work" wait_for 30 rows_are youth signals 0

# --- the auto_share policy decides its categories, the rest stays open
for k in signals housing; do
	check "youth work records $k" wn youth record --subject $S --category $k --field note --value "SH-youth-$k"
done
check "youth work stops" node_stop youth
sed -i 's/^\[node\]$/[node]\nauto_share = housing/' "$WN_T/youth/wijknet.conf"
check "youth work starts again, sharing housing without asking" node_start youth
check "a request for housing and signals" wn dir case request "$C" --categories signals,housing
check "youth work gets it" wait_for 30 has_share youth 6
ystate() { wn youth --json share list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["id"] == int(sys.argv[1]): print(r[sys.argv[2]])' "$1" "$2"; }
check "  the request stays pending" test "$(ystate 6 state)" = pending
check "  with signals undecided" test "$(ystate 6 undecided)" = signals
check_exit "youth work's audit" 0 wn youth audit show --limit 500
check_out "  records housing approved by the policy" 'share\.approved.*share 6: housing approved by policy: 2 fields to 2 members'
check "the director gets youth work's housing" wait_for 60 rows_are dir housing 1
check "but not its signals" rows_are dir signals 0

# --- a store error while checking consent fails the approval
check "police stops" node_stop police
# reading care's consent now fails (integer overflow) at the first row
node_sql police >/dev/null <<'SQL'
ALTER TABLE consents RENAME TO consents_real;
CREATE VIEW consents AS SELECT id, subject, category, CASE WHEN category = 4 THEN abs(-9223372036854775807 - 1) ELSE kind END AS kind, basis, given_by, given_ms, until_ms, withdrawn_ms FROM consents_real;
SQL
check "police starts again" node_start police
check_exit "approving care on share 3 fails" 1 wn police share approve 3 --only care
check_out "  naming a store error" 'store error'
check "  care stays undecided" test "$(state 3 undecided)" = "signals,care"
check_exit "police's audit" 0 wn police audit show --limit 1000
cp "$WN_T/out" "$WN_T/audit3"
check "  records no approval of care on share 3" bash -c "! grep -q 'share 3: care approved' '$WN_T/audit3'"
wn_done
