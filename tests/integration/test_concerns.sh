#!/usr/bin/env bash
# test_concerns.sh - concerns and matches on a subject's token (CONCERN,
# CONCERN_MATCH; issue 11), with real nodes: a director (a municipality),
# police, welfare and housing, and a second municipality that joins to
# direct cases:
#  - an expiry more than two years ahead, or in the past, is refused, and
#    nothing is stored;
#  - police and welfare register a concern on the same token: each is told
#    the other partner and its contact (in words with plain dates, and
#    with --json exact values); housing, with no concern, is told nothing;
#  - housing joins and withdraws: the others get the updated list; a
#    withdrawal by one of two dissolves the match;
#  - a concern that expires (the director's clock run ahead) drops out and
#    the match dissolves at the partner left;
#  - the two municipalities see a match on a person who moved from one to
#    the other (the director's own concern and the second's);
#  - the director lists the matches it holds and opens a case on one, with
#    the match's partners invited (its subject: the token, shown by the
#    match's fingerprint);
#  - no token and no contact in any audit record or log line.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police, welfare and housing" \
	federation dir police:police welfare:welfare housing:housing
check "a second municipality joins to direct cases" join_directing gem2
check "  and holds the charter" wait_for 60 peer_known gem2 police

T0=0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000
T1=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
T2=5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa
T3=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
T4=4444444444444444444444444444444444444444444444444444444444444444
SOON=$(date -u -d "+20 days" +%F)
LONG=$(date -u -d "+300 days" +%F)
LIMIT=$(date -u -d "+2 years" +%F)
TOO_FAR=$(date -u -d "+2 years +1 day" +%F)
PAST=$(date -u -d "-1 day" +%F)
JAN="Inspecteur Jan Peeters, 014 21 33 90"
AN="An Claes, an.claes@ocmw.example"
EVA="Eva Janssens, 03 444 55 66"

# --- bad input: refused, nothing stored ---------------------------------
# said NAME PATTERN: what the last check_exit printed matches
said() { cp "$WN_T/out" "$WN_T/said"; check "$1" grep -q -- "$2" "$WN_T/said"; }
nconcerns() { wn "$1" --json concern list | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }
check_exit "an expiry more than two years ahead is refused" 1 \
	wn police concern add --token "$T0" --contact "$JAN" --until "$TOO_FAR"
said "  saying so, with the last day allowed" "more than two years ahead: a concern runs at most until $LIMIT"
check_exit "an expiry in the past is refused" 1 \
	wn police concern add --token "$T0" --contact "$JAN" --until "$PAST"
said "  saying so" "is in the past"
check_exit "a date that does not exist is refused" 1 \
	wn police concern add --token "$T0" --contact "$JAN" --until 2027-02-30
check_exit "a token that is not 64 hex digits is a usage error" 2 \
	wn police concern add --token "${T0:1}" --contact "$JAN" --until "$SOON"
check_exit "a contact of two lines is refused" 1 \
	wn police concern add --token "$T0" --contact "$(printf 'Jan\n014')" --until "$SOON"
check_exit "a contact over 120 characters is refused" 1 \
	wn police concern add --token "$T0" --contact "$(printf 'x%.0s' {1..121})" --until "$SOON"
check "nothing was stored" count_is 0 nconcerns police
check "an expiry two years ahead, to the day, is taken" \
	wn police concern add --token "$T0" --contact "$JAN" --until "$LIMIT"
check "  and withdrawn" wn police concern withdraw 1
check_exit "  a second time is refused" 1 wn police concern withdraw 1
check "welfare registers a concern" \
	wn welfare concern add --token "$T4" --contact "$AN" --until "$SOON"
check_exit "  a second on the same token while the first runs is refused" 1 \
	wn welfare concern add --token "$T4" --contact "$AN" --until "$SOON"
said "  saying which" "concern 1 is registered on this token already"
check "  so the first is withdrawn" wn welfare concern withdraw 1

# --- two partners, one token: each is told of the other -----------------
# matches NODE: "concern partner contact" per row of concern matches
matches() { wn "$1" --json concern matches | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]: print(r["concern"], r["partner"], r["contact"])'; }
match_is() { local want=$2 got; got=$(matches "$1") || return 1; [ "$got" = "$want" ]; }

PC=$(wn police --json concern add --token "$T1" --contact "$JAN" --until "$SOON" | json_field concern)
check "police registers a concern on a person" test -n "$PC"
WC=$(wn welfare --json concern add --token "$T1" --contact "$AN" --until "$LONG" | json_field concern)
check "welfare registers one on the same person" test -n "$WC"
check "police is told welfare has one, and its contact" \
	wait_for 60 match_is police "$PC welfare $AN"
check "welfare is told police has one, and its contact" \
	wait_for 60 match_is welfare "$WC police $JAN"
check "police's matches in words: partner, contact, since a plain date" \
	out_has "^  Node welfare \(welfare\), since $(date +%-d' '%B' '%Y)$" wn police concern matches
check "  the contact" out_has "^    contact: $AN$" wn police concern matches
check "  and how long its concern runs" \
	out_has "^concern $PC \(runs until $(date -u -d "$SOON" +%-d' '%B' '%Y)\): also concerned$" \
	wn police concern matches
exact() { wn police --json concern matches | /usr/bin/python3 -c '
import json,sys,time
r=json.load(sys.stdin)["rows"][0]
assert r["until_ms"] % 86400000 == 0 and r["since_ms"] > 0 and r["since_ms"] <= time.time()*1000, r
print("ok")'; }
check "  and with --json exact values" exact
check "police's list counts the partner" out_has "1 other partner concerned" wn police concern list
check "housing, with no concern, is told nothing" \
	out_has "^no other partner has a concern" wn housing concern matches
check "  and holds no record of a match" count_is 0 audit_count housing concern.match
check "  nor of any concern message, taken or refused" \
	out_lacks '"action":"(peer\.refused|concern\.[a-z]*)"' wn housing --json audit show --limit 10000
check "the director recorded four registrations" count_is 4 audit_count dir concern.registered
check "  and one match notice for each" count_is 2 audit_count dir concern.match

# --- a third joins and withdraws; a withdrawal dissolves a match ---------
HC=$(wn housing --json concern add --token "$T1" --contact "$EVA" --until "$SOON" | json_field concern)
check "housing registers one on the same person" test -n "$HC"
check "police is told of welfare and housing" \
	wait_for 60 match_is police "$PC housing $EVA
$PC welfare $AN"
check "housing is told of police and welfare" \
	wait_for 60 match_is housing "$HC police $JAN
$HC welfare $AN"
check "housing withdraws" wn housing concern withdraw "$HC"
check "police is told only welfare is left" wait_for 60 match_is police "$PC welfare $AN"
check "welfare is told only police is left" wait_for 60 match_is welfare "$WC police $JAN"
check "housing shows no match" match_is housing ""
check "welfare withdraws its concern" wn welfare concern withdraw "$WC"
check "the match dissolves at police" wait_for 60 match_is police ""
check "  (the notice recorded at police)" \
	wait_for 60 out_has '"detail":"no other partner"' wn police --json audit show

# --- a concern that expires drops out -----------------------------------
PC2=$(wn police --json concern add --token "$T2" --contact "$JAN" --until "$SOON" | json_field concern)
WC2=$(wn welfare --json concern add --token "$T2" --contact "$AN" --until "$LONG" | json_field concern)
check "police and welfare register on another person" test -n "$PC2" -a -n "$WC2"
check "  and welfare is told of police" wait_for 60 match_is welfare "$WC2 police $JAN"
node_stop dir
if WIJKNET_TEST_CONCERN_AHEAD_MS=$((40 * 86400000)) node_start dir; then
	ok "the director runs 40 days ahead"
else
	not_ok "the director runs 40 days ahead"
fi
check "police's concern expires at the director: welfare's match dissolves" \
	wait_for 60 match_is welfare ""
check "  recorded at the director (with police's first, alone by then)" \
	count_is 2 audit_count dir concern.expired
check "  and police's notice that its match is gone" \
	wait_for 60 out_has "\"object\":\"concern $PC2\",\"detail\":\"no other partner\"" \
	wn police --json audit show

# --- two municipalities, one person who moved ----------------------------
DC=$(wn dir --json concern add --token "$T3" --contact "Sociale dienst Herentals, 014 28 50 50" --until "$LONG" | json_field concern)
GC=$(wn gem2 --json concern add --token "$T3" --contact "Sociale dienst Olen, 014 27 80 00" --until "$LONG" | json_field concern)
check "the director and the second municipality register on one person" test -n "$DC" -a -n "$GC"
check "the second municipality is told of the director" \
	wait_for 60 match_is gem2 "$GC dir Sociale dienst Herentals, 014 28 50 50"
check "the director is told of the second municipality" \
	wait_for 60 match_is dir "$DC gem2 Sociale dienst Olen, 014 27 80 00"
for n in police welfare housing; do
	check "$n was told nothing of it" match_is $n ""
done

# --- the director turns a match into a case -------------------------------
T5=7777777777777777777777777777777777777777777777777777777777777777
PC5=$(wn police --json concern add --token "$T5" --contact "$JAN" --until "$LONG" | json_field concern)
WC5=$(wn welfare --json concern add --token "$T5" --contact "$AN" --until "$LONG" | json_field concern)
check "police and welfare register on a third person" test -n "$PC5" -a -n "$WC5"
check "  and are matched" wait_for 60 match_is police "$PC5 welfare $AN"
held_fp() { wn dir --json concern held | /usr/bin/python3 -c '
import json,sys
rows=json.load(sys.stdin)["rows"]
fps={r["match"] for r in rows if r["partner"] == "police"}
print(*fps)'; }
check "the director lists the match it holds, with both partners" \
	wait_for 60 out_has "police, concern $PC5 since" wn dir concern held
M=$(held_fp)
check "  named by 8 hex digits, not the token" test "${#M}" = 8
check "  and the other match, of the two municipalities" out_has "^  gem2, concern $GC since" wn dir concern held
# people read dates: no human output of these holds epoch milliseconds
for cmd in "dir concern held" "police concern list" "police concern matches"; do
	# shellcheck disable=SC2086 # a node and its words
	check "no epoch milliseconds in: $cmd" no_epoch wn $cmd
done
check_exit "a member holds no matches" 1 wn police concern held
check_exit "a case on a match the director does not hold is refused" 1 \
	wn dir concern case 00000000 --type person --purpose "support" --ground consent
said "  saying so" "no match 00000000 here"
C=$(wn dir --json concern case "$M" --type person --purpose "coordinate support" --ground consent | json_field case_id)
check "the director opens a case on the match" test -n "$C"
is_member() { out_has "\"case_id\":\"$C\".*\"member\":true|\"member\":true.*\"case_id\":\"$C\"" wn "$1" --json case list; }
check "police is a member of it" wait_for 60 is_member police
check "welfare is a member of it" wait_for 60 is_member welfare
check "  housing is not told of it" out_lacks "$C" wn housing --json case list
check "the case's subject is the token, shown by its fingerprint" out_has "\"subject\":\"token $M\"" wn dir --json case list
check "  recorded without the token" out_has "case $C \(person\) opened on match $M; invited police, welfare" \
	wn dir --json audit show --limit 10000

# --- no token or contact in any record or log ---------------------------
for n in dir police welfare housing gem2; do
	for t in "$T0" "$T1" "$T2" "$T3" "$T4" "Peeters" "Claes" "Janssens" "Sociale dienst"; do
		check "$n's audit log holds no '${t:0:12}'" out_lacks "$t" wn "$n" --json audit show --limit 10000
	done
done
check "no log line holds a token or a contact" \
	out_lacks "$T0|$T1|$T2|$T3|$T4|Peeters|Claes|Janssens|Sociale dienst" cat "$WN_T"/*.log
wn_done
