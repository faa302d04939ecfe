#!/usr/bin/env bash
# test_concern_limits.sh - what limits the director's holder of the
# federation key and of every partner's concerns (review s8, M7 and L6),
# with a director (concern_limit 2, token_daily_limit 2) and police:
#  - a partner's active concerns are capped at the director: police's
#    first two are registered, the second raises alert.concern_limit
#    (once), the third is refused (code 18, audited as peer.refused with
#    the reason) and not held; the director's own concern past its cap is
#    refused at the command;
#  - the director's own derivations (subject add) count against
#    token_daily_limit per local user and day: the third of the day is
#    refused (code 18) and nothing recorded; each is audited under the
#    user, never with the identifier;
#  - a match turned into a case puts its token in the case: it counts
#    against the same limit, and is refused past it; so is a case opened
#    on a token given (case open --token);
#  - each concern held listing is audited under the user.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels

check "a federation of the director and police" federation dir police
check "the director stops" node_stop dir
check "  it holds at most 2 active concerns per partner" set_conf dir concern_limit 2
check "  and derives at most 2 tokens per user a day" set_conf dir token_daily_limit 2
check "  it starts again" node_start dir

TA=a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90
TB=5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa5555aaaa
TC=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
TD=4444444444444444444444444444444444444444444444444444444444444444
LONG=$(date -u -d "+300 days" +%F)
JAN="Inspecteur Jan Peeters, 014 21 33 90"
ME="Sociale dienst Herentals, 014 28 50 50"
held_by() { # NODE PARTNER: concerns the director holds of PARTNER
	wn dir --json audit show --limit 10000 | /usr/bin/python3 -c '
import json,sys
r=json.load(sys.stdin)["rows"]
print(sum(1 for x in r if x["action"] == "concern.registered" and x["object"] == sys.argv[1]))' "$2"
}

# --- concerns per partner (L6)
check "police registers a concern" wn police concern add --token "$TA" --contact "$JAN" --until "$LONG"
check "  and a second" wn police concern add --token "$TB" --contact "$JAN" --until "$LONG"
check "the director registers both" wait_for 60 count_is 2 held_by dir police
check "  the second, police's limit, raises alert.concern_limit" count_is 1 audit_count dir alert.concern_limit
check "  with a warning in its log" grep -q "ALERT for the administrator: partner police reached the limit of 2 active concerns" "$WN_T/dir.log"
check "police registers a third" wn police concern add --token "$TC" --contact "$JAN" --until "$LONG"
refused() { wn dir --json audit show --limit 10000 | grep -o '"peer.refused"[^}]*' | grep -F 'police holds 2 active concerns at the director, its limit (concern_limit): concern 3 is not registered'; }
check "  the director refuses it, audited with the reason" wait_for 60 refused
check "  and does not hold it" count_is 2 held_by dir police
check "  nor alerts again" count_is 1 audit_count dir alert.concern_limit
check "the director registers its own concern" wn dir concern add --token "$TB" --contact "$ME" --until "$LONG"
check "  and a second" wn dir concern add --token "$TD" --contact "$ME" --until "$LONG"
check_exit "  its third is refused" 1 wn dir concern add --token "$TC" --contact "$ME" --until "$LONG"
check_out "  saying why" "dir holds 2 active concerns at the director, its limit \\(concern_limit\\)"
nconcerns() { wn "$1" --json concern list | /usr/bin/python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }
check "  and nothing of it is kept" count_is 2 nconcerns dir

# --- the director's own derivations, per user and day (M7)
check_exit "the director's user derives a token" 0 wn dir subject add d1 --family Pieters --given Anna --born 1990-12-01
check_out "  counted against its daily limit" "1 of your 2 a day"
check "  and a second" wn dir subject add d2 --bsn 111222333
check_exit "  the third of the day is refused" 1 wn dir subject add d3 --family Claes --given Mia --born 1999-09-09
check_out "  past the daily limit, naming the user" "daily token limit reached: admin has had 2 tokens derived here today"
check_exit "  and nothing was recorded" 1 wn dir subject show d3
derived() { wn dir --json audit show --limit 10000 | grep -o '"action":"control.subject.add"[^}]*'; }
check "each derivation is audited under the user" count_is 3 audit_count dir control.subject.add admin
check "  with the count of the day" out_has 'token derived here, 2 of 2 today' derived
check "  and the refusal too" out_has 'failed: daily token limit reached' derived
check "  never with the identifier" out_lacks 'pieters|anna|111222333|claes|1990-12-01' derived

# --- a match turned into a case counts too; concern held is audited
check "the director lists the matches it holds" out_has "police, concern 2 since" wn dir concern held
check "  audited under the user" count_is 1 audit_count dir control.concern.held admin
M=$(wn dir --json concern held | json_field match)
check "  the match is named by 8 hex digits" test "${#M}" = 8
check_exit "a case on it, past the user's daily limit, is refused" 1 \
	wn dir concern case "$M" --type person --purpose "coordinate support" --ground consent
check_out "  saying so" "daily token limit reached: admin has had 2 tokens here today"
check "  and no case was opened" out_lacks '"case_id"' wn dir --json case list
check_exit "a case opened on a token given, past the limit, is refused too" 1 \
	wn dir case open --type person --token "$TA" --purpose "coordinate support" --ground consent
check_out "  saying so" "daily token limit reached: admin has had 2 tokens here today"
check "  and no case was opened" out_lacks '"case_id"' wn dir --json case list
for t in "$TA" "$TB" "$TC" "$TD" Peeters Herentals; do
	check "the director's audit log holds no '${t:0:12}'" out_lacks "$t" wn dir --json audit show --limit 10000
done
wn_done
