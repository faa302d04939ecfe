#!/usr/bin/env bash
# test_phenomenon.sh - the director's phenomenon rules fire exactly at
# their thresholds, across real nodes: two members record signals through
# the CLI (dated with --when), their summaries reach the director, and a
# rule of 3 signals from 2 partners within 7 days proposes a phenomenon in
# an area at the third signal, not at the second (N - 1); not at 4 signals
# of one partner (M - 1), but at the other partner's; not at 3 signals
# spread over 7 days and a minute, but at 3 within exactly 7 days (the
# windows count to the millisecond). Each
# proposal is one alert (phenomenon.proposed) and one phenomenon, audited;
# none is proposed again while one is proposed or open, even when new
# signals reach the rule, and once it ended (its case closed, or it was
# dismissed) only signals dated after its end count. The director shows one
# with its signals as summaries, opens it as a case with its signals
# attached, dismisses another with why; a member has none of it.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels

check "a federation of a director, the community guards and housing" \
	federation dir guards:community_guards housing:housing
check "the director publishes the matrix (it lets the municipality have signal summaries)" \
	wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"$1\",\"acked_version\":1"; }
check "  ... the guards apply it" wait_for 60 acked guards
check "  ... and housing" wait_for 60 acked housing

# day N [+MIN]: 12:00 UTC N days after a day 60 days ago (plus MIN minutes)
BASE=$(/usr/bin/python3 -c 'import time; print((int(time.time()) // 86400 - 60) * 86400 + 43200)')
day() { date -u -d "@$((BASE + $1 * 86400 + ${2:-0} * 60))" +%Y-%m-%dT%H:%MZ; }
# add NODE AREA DAY [MIN]: a noise signal in Herentals/AREA on that day, or
# now (DAY now)
add() {
	local when=()
	[ "$3" = now ] || when=(--when "$(day "$3" "${4:-}")")
	wn "$1" signal add "${when[@]}" --municipality Herentals \
		--neighbourhood "$2" --category noise --source patrol >/dev/null
}
# received AREA: how many of the members' signals of AREA the director holds
received() {
	wn dir --json signal list --received --limit 1000 --area "Herentals/$1" |
		/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))'
}
holds() { [ "$(received "$1")" = "$2" ]; }
# phenomena [AREA [STATE]]: how many phenomena the director keeps (of AREA)
phenomena() {
	wn dir --json phenomenon list --limit 1000 | /usr/bin/python3 -c '
import json,sys
a=sys.argv[1:]
print(sum(1 for r in json.load(sys.stdin)["rows"] if (not a or r["neighbourhood"] == a[0])
    and (len(a) < 2 or r["state"] == a[1])))' "$@"
}
# proposed_alerts: how many phenomenon.proposed alerts the director has
proposed_alerts() {
	wn dir --json alerts --all --limit 1000 | /usr/bin/python3 -c '
import json,sys
print(sum(1 for r in json.load(sys.stdin)["rows"] if r["kind"] == "phenomenon.proposed"))'
}
# pheno_id AREA: the newest phenomenon of AREA
pheno_id() {
	wn dir --json phenomenon list --limit 1000 | /usr/bin/python3 -c '
import json,sys
print(next(r["phenomenon"] for r in json.load(sys.stdin)["rows"] if r["neighbourhood"] == sys.argv[1]))' "$1"
}
# nothing_yet WANT_PHENOMENA WANT_ALERTS: the director keeps exactly so many
nothing_new() {
	count_is "$1" phenomena && count_is "$2" proposed_alerts
}

# audited NODE ACTION REGEX: how many of NODE's audit records have that
# action and a detail that matches
audited() {
	wn "$1" --json audit show --limit 10000 | /usr/bin/python3 -c '
import json,re,sys
print(sum(1 for x in json.load(sys.stdin)["rows"] if x["action"] == sys.argv[1] and re.search(sys.argv[2], x["detail"])))' \
		"$2" "$3"
}

# signals before any rule: they count toward none (a rule is checked when
# a summary arrives)
add guards Zuid 0 && add housing Zuid 1 && add guards Zuid 2 ||
	not_ok "the members record three signals in Zuid"
check "the director holds the three summaries of Zuid" wait_for 60 holds Zuid 3
check "  ... and no rule: no phenomenon, no alert" nothing_new 0 0

check_exit "a member sets no rule" 1 wn guards phenomenon rule set noise --signals 3 --partners 2 --days 7
check_out "  ... only the director keeps phenomena" "only the federation's director"
check_exit "a rule of more partners than signals is refused" 1 \
	wn dir phenomenon rule set noise --signals 2 --partners 3 --days 7
check_out "  ... saying why" 'cannot be more than --signals'
check_exit "a rule of 0 days is refused" 1 wn dir phenomenon rule set noise --signals 3 --partners 2 --days 0
check_exit "  ... as an unknown category is" 1 wn dir phenomenon rule set noize --signals 3 --partners 2 --days 7
check "the director sets the rule: 3 noise signals from 2 partners within 7 days" \
	wn dir phenomenon rule set noise --signals 3 --partners 2 --days 7
check_exit "the rules in words" 0 wn dir phenomenon rule list
check_out "  ... say it" '^noise: 3 signals from 2 partners within 7 days  \(set by '
check "  ... and in --json exactly" out_has '"category":"noise","signals":3,"partners":2,"days":7' \
	wn dir --json phenomenon rule list
check "the rule is audited" count_is 1 audited dir control.phenomenon.rule.set '^rule for noise: 3 signals, 2 partners, 7 days$'
check "  ... and so are the refusals" count_is 3 audited dir control.phenomenon.rule.set '^failed: ' 

# N - 1 signals, then N
add guards Centrum 0 && add housing Centrum 1 || not_ok "two signals in Centrum"
check "N - 1: the director holds 2 signals of Centrum from 2 partners" wait_for 60 holds Centrum 2
check "  ... no phenomenon, no alert" nothing_new 0 0
add guards Centrum 2 || not_ok "a third signal in Centrum"
check "N: the director holds the third" wait_for 60 holds Centrum 3
check "  ... one phenomenon is proposed" count_is 1 phenomena Centrum proposed
check "  ... and one alert" count_is 1 proposed_alerts
check "  ... audited as the system's" count_is 1 audit_count dir phenomenon.proposed system
check "  ... saying what reached which rule" count_is 1 audited dir phenomenon.proposed \
	'^noise in Herentals/Centrum: 3 signals of the members within 7 days reached the rule \(3 signals from 2 partners\); proposed$' 
C=$(pheno_id Centrum)
check_exit "the alert in words" 0 wn dir alerts
check_out "  ... names the phenomenon and where to look" "phenomenon $C proposed: .*\(see: phenomenon show $C\)"
add housing Centrum 3 && add guards Centrum 4 && add housing Centrum 5 ||
	not_ok "three new signals in Centrum, all after the phenomenon's"
check "three new ones while it is proposed: held" wait_for 60 holds Centrum 6
check "  ... no second phenomenon, no second alert, though they reach the rule" nothing_new 1 1

# N signals and more from M - 1 partners, then the M-th partner
add guards Noord 0 && add guards Noord 1 && add guards Noord 2 && add guards Noord 3 ||
	not_ok "four signals of the guards in Noord"
check "M - 1: the director holds 4 signals of Noord, all the guards'" wait_for 60 holds Noord 4
check "  ... no phenomenon there" nothing_new 1 1
add housing Noord 4 || not_ok "housing's signal in Noord"
check "M: housing's signal is held" wait_for 60 holds Noord 5
check "  ... one phenomenon of Noord, of 5 signals from 2 partners" out_has \
	'"state":"proposed","category":"noise","municipality":"Herentals","neighbourhood":"Noord",.*"signals":5,"partners":2' \
	wn dir --json phenomenon list
check "  ... and one more alert" nothing_new 2 2
N=$(pheno_id Noord)

# N from M partners spread over more than W days (the last a minute past
# them, and the last to arrive, so that it is the one checked); in another
# area the same signals within exactly W days: the only window that holds
# all three is W days long to the millisecond
add guards Oost 0 && add housing Oost 3 || not_ok "two signals in Oost"
check "the director holds 2 signals of Oost" wait_for 60 holds Oost 2
add guards Oost 7 1 || not_ok "a third in Oost, 7 days and a minute after the first"
check "W: the director holds 3 signals of Oost over 7 days and a minute" wait_for 60 holds Oost 3
check "  ... no phenomenon there" nothing_new 2 2
add guards Kern 0 && add housing Kern 3 || not_ok "two signals in Kern"
check "the director holds 2 signals of Kern" wait_for 60 holds Kern 2
add guards Kern 7 || not_ok "a third in Kern, exactly 7 days after the first"
check "W: the director holds 3 signals of Kern within exactly 7 days" wait_for 60 holds Kern 3
d0_ms=$((BASE * 1000)) d3_ms=$(( (BASE + 3 * 86400) * 1000 )) d7_ms=$(( (BASE + 7 * 86400) * 1000 ))
check "  ... one phenomenon of Kern, of the 3, from the first to exactly 7 days after" out_has \
	"\"neighbourhood\":\"Kern\",\"first_ms\":$d0_ms,\"last_ms\":$d7_ms,\"signals\":3,\"partners\":2" \
	wn dir --json phenomenon list
check "  ... and one more alert" nothing_new 3 3
O=$(pheno_id Kern)

# show: the signals as summaries, in words and exactly
check_exit "the director shows phenomenon $O" 0 wn dir phenomenon show "$O"
check_out "  ... in words: what, where, how many" "^phenomenon $O  noise in Herentals/Kern: 3 signals from 2 partners, .* \(proposed, waiting for the director\)"
check_out "  ... the rule it reached" 'under the rule of 3 signals from 2 partners within 7 days'
check_out "  ... each signal: whose, when in words, where, what" "^  signal [0-9]+ of housing  [A-Z][a-z][a-z] +[0-9]+ [A-Z][a-z][a-z] 20[0-9][0-9] [0-9:]+  Herentals/Kern  noise$"
cp "$WN_T/out" "$WN_T/show"
check "  ... 3 of them" count_is 3 count_or_fail '^  signal ' cat "$WN_T/show"
check "  ... in --json exactly" out_has \
	"\"from\":\"guards\",\"signal_id\":[0-9]+,\"when_ms\":$d0_ms,\"municipality\":\"Herentals\",\"neighbourhood\":\"Kern\",\"category\":\"noise\"\},\{\"from\":\"housing\",\"signal_id\":[0-9]+,\"when_ms\":$d3_ms,.*\},\{\"from\":\"guards\",\"signal_id\":[0-9]+,\"when_ms\":$d7_ms," \
	wn dir --json phenomenon show "$O"
check_exit "a member shows none" 1 wn housing phenomenon show "$O"
check_exit "an unknown phenomenon" 1 wn dir phenomenon show 999
check_out "  ... is said" 'there is no phenomenon 999'

# open: a case with its signals attached
check_exit "the director opens phenomenon $C as a case" 0 wn dir --json phenomenon open "$C" --ground basis:nuisance_bylaw
CASE=$(json_field case_id <"$WN_T/out")
check "  ... a case" test -n "$CASE"
check "  ... of the phenomenon, open" out_has "\"phenomenon\":$C,\"state\":\"open\".*\"case_id\":\"$CASE\"" \
	wn dir --json phenomenon list
check "  ... the case holds its 3 signals" count_is 3 count_or_fail '^  signal [0-9]+ of (guards|housing) ' \
	wn dir case signals "$CASE"
check "  ... and its subject is the phenomenon, no person" out_has "phenomenon $C: noise in Herentals/Centrum" \
	wn dir case show "$CASE"
check "  ... audited" count_is 1 audited dir control.phenomenon.open "^phenomenon $C \\(noise in Herentals/Centrum\\) opened as case $CASE \\(situation\\); 3 signals attached$"
check_exit "it is not opened twice" 1 wn dir phenomenon open "$C" --ground consent
check_out "  ... it is open already" "phenomenon $C is open already"
add guards Centrum now && add housing Centrum now && add guards Centrum now ||
	not_ok "three more signals in Centrum, dated after it was opened"
check "three more dated while its case is open: held" wait_for 60 holds Centrum 9
check "  ... no new phenomenon, though they reach the rule" nothing_new 3 3
printf 'the municipality took it up\n' >"$WN_T/closed"
check "the director closes the case" wn dir case close "$CASE" --outcome resolved --why-file "$WN_T/closed"
check "  ... the phenomenon says so" out_has "\"phenomenon\":$C,\"state\":\"closed\"" wn dir --json phenomenon list
add housing Centrum 9 && add guards Centrum 10 && add housing Centrum 11 ||
	not_ok "three signals in Centrum dated before the case closed"
check "three dated before it closed, recorded after, are held" wait_for 60 holds Centrum 12
check "  ... none from them: only those dated after it closed count" nothing_new 3 3
add guards Centrum now && add housing Centrum now || not_ok "two signals in Centrum now"
check "two dated after it closed are held" wait_for 60 holds Centrum 14
check "  ... N - 1 after it: none" nothing_new 3 3
add guards Centrum now || not_ok "a third signal in Centrum now"
check "a third one after it closed is held" wait_for 60 holds Centrum 15
check "  ... a new phenomenon of Centrum, of the 3 after it closed" out_has \
	'"state":"proposed","category":"noise","municipality":"Herentals","neighbourhood":"Centrum",.*"signals":3,"partners":2' \
	wn dir --json phenomenon list
check "  ... and its alert" nothing_new 4 4

# dismiss: with why; then only the signals dated after the dismissal count
printf 'one building site, ended last week\n' >"$WN_T/why"
check_exit "a dismissal without why is refused" 2 wn dir phenomenon dismiss "$N"
check "the director dismisses phenomenon $N" wn dir phenomenon dismiss "$N" --why-file "$WN_T/why"
check "  ... audited" count_is 1 audited dir control.phenomenon.dismiss "^phenomenon $N dismissed$"
check "  ... shown with why" out_has "dismissed by .*: one building site, ended last week" \
	wn dir phenomenon show "$N"
add housing Noord 5 && add guards Noord 6 && add guards Noord 7 ||
	not_ok "three signals in Noord dated before the dismissal"
check "three dated before the dismissal, recorded after, are held (8 in all)" wait_for 60 holds Noord 8
check "  ... they and the old ones make none: only those after the dismissal count" nothing_new 4 4
add housing Noord now && add guards Noord now && add guards Noord now ||
	not_ok "three signals in Noord now"
check "three dated after the dismissal are held" wait_for 60 holds Noord 11
check "  ... a new phenomenon of Noord, of those 3" out_has \
	'"state":"proposed","category":"noise","municipality":"Herentals","neighbourhood":"Noord",.*"signals":3,"partners":2' \
	wn dir --json phenomenon list
check "  ... and its alert" nothing_new 5 5

# rule drop
check "the director drops the rule" wn dir phenomenon rule drop noise
check_exit "  ... the list says there is none" 0 wn dir phenomenon rule list
check_out "  ... in words" 'no phenomenon rules'
add guards West 0 && add housing West 1 && add guards West 2 || not_ok "three signals in West"
check "without a rule 3 signals of West are held" wait_for 60 holds West 3
check "  ... and make none" nothing_new 5 5
check_exit "a member lists no phenomena" 1 wn guards phenomenon list
wn_done
