#!/usr/bin/env bash
# test_mediation.sh - neighbourhood mediation on the mediation service's
# own node (issue 13): a node of role mediation, enrolled by the
# federation's director to direct cases, opens mediation cases and records
# their referral, parties (one refusing), mediators, talks, agreement and
# outcome; `report mediation` counts the cases referred in a period by
# source, dispute and outcome and gives the lead times (median with a half
# day, mean) exactly, leaving out the cases referred before and after it;
# a narrower and an empty period; bad input is refused with a clear error
# and nothing stored changes: an unknown dispute type, a date that is not
# a date, a second outcome, fewer than two parties at close, an agreement
# outcome without an agreement, a refusal nobody made, a case that is not
# a mediation, a node that is not a mediation service; closing the
# mediation closes the case; every change is audited and the agreement's
# text is in no audit record and no log.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels

# usage, with no node to ask
NONE=(-d "$WN_T/no-node")
check_exit "mediation --help" 0 "$WIJKNET" "${NONE[@]}" mediation --help
check_out "  prints the usage" '^usage: wijknet mediation start'
check_out "  names the dispute types" 'noise children pets parking garden_boundaries insults other'
check_exit "report mediation --help" 0 "$WIJKNET" "${NONE[@]}" report mediation --help
check_out "  prints the usage" '^usage: wijknet report mediation --from DATE --to DATE'
check_exit "mediation close without --outcome" 2 "$WIJKNET" "${NONE[@]}" mediation close c-1
check_exit "report mediation without --to" 2 "$WIJKNET" "${NONE[@]}" report mediation --from 2026-01-01
check_exit "mediation party without a verb" 2 "$WIJKNET" "${NONE[@]}" mediation party c-1 --subject X
check_exit "an agreement on the command line is a file name, never the text" 1 \
	"$WIJKNET" "${NONE[@]}" mediation agree c-1 --text-file "we agree"
check_out "  (no such file)" 'text-file we agree: No such file'

# the federation's director, and the mediation service enrolled to direct
# its own cases
check "a director" federation dir
DKEY=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "a node of role mediation" node_init_member med "$DKEY" mediation
check "  starts" node_start med
check "  enrols the director" wn med peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
check "the director enrols it to direct cases" \
	wn dir peer add "$WN_T/med.bundle" --fingerprint "$(bundle med)" --directs

# open NAME TYPE: a case opened at med, its id in $WN_T/case.NAME
open_case() {
	wn med --json case open --type "${2:-mediation}" --subject "S-MED-$1" \
		--purpose "neighbourhood mediation" --ground consent >"$WN_T/open.$1" &&
		json_field case_id <"$WN_T/open.$1" >"$WN_T/case.$1" &&
		test -s "$WN_T/case.$1"
}
check "once the charter says it directs, it opens a mediation case" wait_for 120 open_case A
for k in B C D E F G; do check "  and case $k" open_case $k; done
A=$(cat "$WN_T/case.A") B=$(cat "$WN_T/case.B") C=$(cat "$WN_T/case.C")
D=$(cat "$WN_T/case.D") E=$(cat "$WN_T/case.E") F=$(cat "$WN_T/case.F")
G=$(cat "$WN_T/case.G")

# --- bad referrals, refused before anything is stored
check_exit "an unknown type of dispute is refused" 1 \
	wn med mediation start "$A" --source police --dispute weather --referred 2026-01-10
check_out "  saying so and naming the types" "unknown type of dispute 'weather'.*noise, children"
check_exit "a date that is not a date is refused" 1 \
	wn med mediation start "$A" --source police --dispute noise --referred 2026-02-30
check_out "  saying so" "'2026-02-30' is not a date"
check_exit "  nor is a word" 1 \
	wn med mediation start "$A" --source police --dispute noise --referred yesterday
check_out "  saying so" "'yesterday' is not a date"
check_exit "an unknown source is refused" 1 \
	wn med mediation start "$A" --source neighbour --dispute noise
check_out "  naming the sources" 'police, housing, municipality, self'
check_exit "another partner is named" 1 \
	wn med mediation start "$A" --source other_partner --dispute noise
check_out "  saying so" 'names it: --partner ORG'
check_exit "  nothing was stored: no mediation yet" 1 wn med mediation show "$A"
check_out "  saying so" 'has no mediation yet'

# start NAME SOURCE DISPUTE DAY [PARTNER]
start() {
	wn med mediation start "$(cat "$WN_T/case.$1")" --source "$2" --dispute "$3" \
		--referred "$4" ${5:+--partner "$5"}
}
check "A: referred by the police, noise, 2026-01-10" start A police noise 2026-01-10
check_exit "  a second start is refused" 1 start A housing pets 2026-01-11
check_out "  saying so" 'has its mediation already'
check "B: by housing (its org), children, 2026-02-01" start B housing children 2026-02-01 housing-co
check "C: by the police, noise, 2026-02-15" start C police noise 2026-02-15
check "D: a self-referral, pets, on the period's last day" start D self pets 2026-03-31
check "E: by the municipality, parking, 2026-03-01 (stays open)" start E municipality parking 2026-03-01
check "F: by another partner, before the period" start F other_partner insults 2025-12-31 police
check "G: by welfare, after the period" start G welfare garden_boundaries 2026-04-01

# parties: two each, B's second refuses; E has one only
for k in A C D F G; do
	check "$k: two parties who agreed" wn med mediation party add "$(cat "$WN_T/case.$k")" --subject "P-$k-1" --agreed yes
	check "  and the second" wn med mediation party add "$(cat "$WN_T/case.$k")" --subject "P-$k-2" --agreed yes
done
check "B: a party who agreed" wn med mediation party add "$B" --subject P-B-1 --agreed yes
check "  and one not asked yet" wn med mediation party add "$B" --subject P-B-2
check "  who then refuses" wn med mediation party agreed "$B" --subject P-B-2 --agreed no
check "E: one party" wn med mediation party add "$E" --subject P-E-1 --agreed yes
check_exit "a party twice is refused" 1 wn med mediation party add "$A" --subject P-A-1
check_out "  saying so" 'is a party to the mediation of case .* already'
check_exit "--agreed maybe is refused" 1 wn med mediation party add "$A" --subject P-A-3 --agreed maybe
check_out "  saying so" '--agreed: yes or no'

check "A: two volunteer mediators" wn med mediation mediator add "$A" --name "Mira Peeters"
check "  and the second" wn med mediation mediator add "$A" --name "Jan de Wit"
check "A: an intake with the first party" \
	wn med mediation talk add "$A" --kind intake --on 2026-01-11 --with P-A-1 --mediators "Mira Peeters"
check "  a talk with the second" \
	wn med mediation talk add "$A" --kind party --on 2026-01-13 --with P-A-2 --mediators "Mira Peeters,Jan de Wit"
check "  a joint talk" \
	wn med mediation talk add "$A" --kind joint --on 2026-01-18 --with "P-A-1,P-A-2" --mediators "Jan de Wit"
check_exit "a talk on a day that is not a date is refused" 1 \
	wn med mediation talk add "$A" --kind joint --on tomorrow --with "P-A-1,P-A-2"
check_out "  saying so" "'tomorrow' is not a date"
check_exit "a joint talk with one party is refused" 1 \
	wn med mediation talk add "$A" --kind joint --on 2026-01-19 --with P-A-1
check_out "  saying so" 'two or more parties'
check_exit "a talk with someone who is no party is refused" 1 \
	wn med mediation talk add "$A" --kind party --on 2026-01-19 --with P-X
check_out "  saying so" 'is no party to the mediation'
check_exit "a talk before the referral is refused" 1 \
	wn med mediation talk add "$A" --kind intake --on 2026-01-09 --with P-A-1
check_out "  saying so" 'after the referral \(2026-01-10\)'

# --- closing
check_exit "A: agreement reached, but none recorded: refused" 1 \
	wn med mediation close "$A" --outcome agreement --on 2026-01-20
check_out "  saying so" 'no agreement is recorded'
printf 'MK-AGREEMENT-text: no music after 22:00\non weekdays (the café terrace too)\n' >"$WN_T/agreement"
agree_stdin() { wn med mediation agree "$A" --text-file - --on 2026-01-19 <"$WN_T/agreement"; }
check "A: the agreement, from stdin" agree_stdin
check "A: closed, agreement reached, after 10 days" \
	wn med mediation close "$A" --outcome agreement --on 2026-01-20
check_exit "an outcome on a case closed already is refused" 1 \
	wn med mediation close "$A" --outcome improved --on 2026-01-25
check_out "  saying so" 'was closed already \(outcome: agreement\)'
check_exit "  and a party added after it" 1 wn med mediation party add "$A" --subject P-A-3
check_exit "an unknown outcome is refused" 1 wn med mediation close "$C" --outcome solved
check_out "  naming the outcomes" 'agreement, improved, no_improvement, referred_on or refused'
check_exit "C: 'one party refused', but none did: refused" 1 \
	wn med mediation close "$C" --outcome refused --on 2026-03-20
check_out "  saying so" 'no party of case .* is recorded as refusing'
check "B: one party refused, after 3 days" wn med mediation close "$B" --outcome refused --on 2026-02-04
check "C: improved without agreement, after 33 days" wn med mediation close "$C" --outcome improved --on 2026-03-20
check "D: no improvement, after 9 days (closed after the period)" \
	wn med mediation close "$D" --outcome no_improvement --on 2026-04-09
check_exit "E: fewer than two parties at close is refused" 1 \
	wn med mediation close "$E" --outcome no_improvement --on 2026-03-05
check_out "  saying so" 'two or more parties: case .* has 1'
check_exit "a close before the referral is refused" 1 \
	wn med mediation close "$F" --outcome referred_on --on 2025-12-30
check_out "  saying so" 'after its referral \(2025-12-31\)'
check "F: referred on (outside the period)" wn med mediation close "$F" --outcome referred_on --on 2026-01-05

check_exit "E is still open" 0 wn med mediation show "$E"
check_out "  said so" '^  open$'
check_exit "A's mediation in words" 0 wn med mediation show "$A"
check_out "  its referral" 'referred on 2026-01-10 by police'
check_out "  its outcome" 'closed on 2026-01-20: agreement reached'
check_out "  its parties" '1\. P-A-1 \(agreed to mediate: yes\)'
check_out "  its joint talk" '2026-01-18  joint with P-A-1, P-A-2; mediators: Jan de Wit'
check_out "  its agreement, line by line" '^  on weekdays \(the café terrace too\)$'
check_exit "B's in --json" 0 wn med --json mediation show "$B"
check_out "  the refusing party" '"agreed": *"no"'
check_out "  the partner that referred it" '"partner": *"housing-co"'
check_exit "closing the mediation closed the case" 0 wn med case show "$A"
check_out "  said in its life" 'stage: closed'

# --- the report
# rep FROM TO: the report's non-zero counts and its lead time, one line
rep() {
	wn med --json report mediation --from "$1" --to "$2" | /usr/bin/python3 -c '
import json,sys
out=[]
for r in json.load(sys.stdin)["rows"]:
    if r["group"] == "lead_time":
        out.append("lead:%d/%d/%d/%s/%s" % (r["cases"], r["total_days"], r["median_x2"], r["median_days"], r["mean_days"]))
    elif r["cases"]:
        out.append("%s:%s=%d" % (r["group"], r["name"], r["cases"]))
print(" ".join(out))'
}
Q1="all:referred=5 source:police=2 source:housing=1 source:municipality=1 source:self=1"
Q1+=" dispute:noise=2 dispute:children=1 dispute:pets=1 dispute:parking=1"
Q1+=" outcome:agreement=1 outcome:improved=1 outcome:no_improvement=1 outcome:refused=1"
Q1+=" outcome:open=1 lead:4/55/19/9.5/13.8"
check "the first quarter: 5 cases (F before and G after it left out), lead 3, 9, 10, 33 days" \
	count_is "$Q1" rep 2026-01-01 2026-03-31
check "January: A only" count_is \
	"all:referred=1 source:police=1 dispute:noise=1 outcome:agreement=1 lead:1/10/20/10/10.0" \
	rep 2026-01-01 2026-01-31
check "an empty period: nothing, no lead time" count_is "lead:0/0/-1//" rep 2027-01-01 2027-12-31
ALL="all:referred=7 source:police=2 source:housing=1 source:municipality=1 source:self=1"
ALL+=" source:welfare=1 source:other_partner=1 dispute:noise=2 dispute:children=1 dispute:pets=1"
ALL+=" dispute:parking=1 dispute:garden_boundaries=1 dispute:insults=1 outcome:agreement=1"
ALL+=" outcome:improved=1 outcome:no_improvement=1 outcome:referred_on=1 outcome:refused=1"
ALL+=" outcome:open=2 lead:5/60/18/9/12.0"
check "from December to December: all seven, lead 3, 5, 9, 10, 33 days" count_is "$ALL" rep 2025-12-01 2026-12-31
check_exit "the report in words" 0 wn med report mediation --from 2026-01-01 --to 2026-03-31
check_out "  its heading" '^5 mediations referred from 2026-01-01 to 2026-03-31'
check_out "  a table by source" '^self-referral +1$'
check_out "  one by outcome" '^a party refused +1$'
check_out "  the lead times" 'lead time from referral to close, 4 closed: median 9.5 days, mean 13.8 days'
check_exit "a report from a day that is not a date is refused" 1 wn med report mediation --from 2026-13-01 --to 2026-12-31
check_out "  saying so" "'2026-13-01' is not a date"
check_exit "a report that ends before it starts is refused" 1 wn med report mediation --from 2026-03-01 --to 2026-01-01
check_out "  saying so" 'comes before --from'
check "the bad input changed nothing" count_is "$Q1" rep 2026-01-01 2026-03-31

# --- only the mediation service, only mediation cases
P=$(wn med --json case open --type person --subject S-MED-P --purpose "support" --ground consent | json_field case_id)
check "med opens a person case" test -n "$P"
check_exit "a mediation on a case that is not one is refused" 1 \
	wn med mediation start "$P" --source police --dispute noise
check_out "  saying so" 'is a person case, not a mediation'
X=$(wn dir --json case open --type mediation --subject S-MED-X --purpose "mediation" --ground consent | json_field case_id)
check "the municipality director opens a mediation case" test -n "$X"
check_exit "  but keeps no mediation: it is no mediation service" 1 \
	wn dir mediation start "$X" --source police --dispute noise
check_out "  saying so" 'role mediation'
check_exit "  nor a report" 1 wn dir report mediation --from 2026-01-01 --to 2026-12-31

# --- audited, and the agreement's text nowhere but in the store
check "every close is audited (5 done, 6 refused)" count_is 11 audit_count med control.mediation.close
check "every talk is audited (3 done, 4 refused)" count_is 7 audit_count med control.mediation.talk
check "the agreement is audited" count_is 1 audit_count med control.mediation.agree
check "  its text is in no audit record" out_lacks 'MK-AGREEMENT|weekdays' wn med --json audit show --limit 10000
check "  nor is a party's reference or a mediator's name" out_lacks 'P-A-1|Mira' wn med --json audit show --limit 10000
check "the audit log verifies" wn med audit verify
no_log_holds() { ! grep -l "$1" "$WN_T"/*.log; }
check "no log holds the agreement" no_log_holds MK-AGREEMENT
wn_done
