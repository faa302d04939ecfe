#!/usr/bin/env bash
# test_subject_tokens.sh - subjects' pseudonymous tokens with real nodes
# (issue 11): a director and two members.
#  - the same person spelled differently on two members ("Élise Van den
#    Broeck" / "vandenbroeck, elise", one date of birth in two notations)
#    gets the same token on both, through TOKEN_REQUEST/TOKEN_ANSWER; a
#    different person (another given name) another token;
#  - the director derives a subject it holds itself without a message, to
#    the token a member gets for the same person;
#  - `subject show` gives a short fingerprint, --json the full token;
#  - the director's daily limit per member (token_daily_limit) refuses a
#    request past it, audits the refusal (without any point) and the
#    member shows it; the member then keeps to the limit the refusal
#    stated (a subject recorded after it waits for the next day, asked of
#    nobody); another member is not limited by it;
#  - a subject recorded before the node holds a charter waits, and the
#    node asks for its token by itself once it is enrolled;
#  - a malformed point (a non-canonical encoding) is refused;
#  - the two members register a concern on her, each by its own
#    reference (concern add --subject): each is told of the other;
#  - the director's log, audit log and decrypted store hold no form of the
#    members' subjects' identifiers (plain, folded, canonical).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# The daily limit counts per UTC day: a run across midnight would see it
# reset halfway. Every node's token clock starts a minute into the next
# UTC day (node_test_ahead_ms), so the whole run falls in one day.
NOW_MS=$(date +%s%3N)
export WIJKNET_TEST_TOKEN_AHEAD_MS=$(( 86400000 - NOW_MS % 86400000 + 60000 ))

check "a federation of the director, police and housing" \
	federation dir police:police housing:housing
check "the director stops" node_stop dir
check "  its daily limit is set to 3 tokens per member" set_conf dir token_daily_limit 3
check "  and it starts again" node_start dir

state() { wn "$1" --json subject show "$2" | json_field state; }
token() { wn "$1" --json subject show "$2" | json_field token; }
has_state() { [ "$(state "$1" "$2")" = "$3" ]; }

check_exit "police records Élise Van den Broeck" 0 wn police subject add elise \
	--person --family "Van den Broeck" --given "Élise" --born 2011-04-03
check_out "  it says her token was asked of the director" "token was asked of the director"
check_exit "housing records her as 'vandenbroeck, elise'" 0 wn housing subject add e-vdb \
	--name "vandenbroeck, elise" --born 03-04-2011
check "police gets her token" wait_for 60 has_state police elise token
check "housing gets her token" wait_for 60 has_state housing e-vdb token
T1=$(token police elise)
T2=$(token housing e-vdb)
check "the token is 32 bytes in full hex with --json" bash -c "[[ '$T1' =~ ^[0-9a-f]{64}$ ]]"
check "both members hold the same token for her" test "$T1" = "$T2"
check_exit "subject show in words" 0 wn police subject show elise
check_out "  gives a short fingerprint and the key id" "token ${T1:0:4}-${T1:4:4}-${T1:8:4} \\(key [0-9]+\\)"
check "  never the full token" bash -c "! grep -q '$T1' '$WN_T/out'"

# concerns on her, each member by its own reference: they find each other
SOON=$(date -u -d "+30 days" +%F)
check "police registers a concern on elise" wn police concern add --subject elise \
	--contact "Wijkinspecteur Tom Wouters, 014 21 33 90" --until "$SOON"
check "housing registers one on e-vdb" wn housing concern add --subject e-vdb \
	--contact "Lies Aerts, 014 44 55 66" --until "$SOON"
partners() { wn "$1" --json concern matches | /usr/bin/python3 -c '
import json,sys; print(" ".join(sorted(r["partner"] for r in json.load(sys.stdin)["rows"])))'; }
check "police is told housing has one too" wait_for 60 count_is housing partners police
check "housing is told police has one" wait_for 60 count_is police partners housing
check_exit "a concern on a subject this node does not hold is refused" 1 \
	wn police concern add --subject nobody --contact "Jan, 014" --until "$SOON"
check_out "  ... saying so" "no subject 'nobody' here"
check_exit "  --subject and --token together are a usage error" 2 \
	wn police concern add --subject elise --token "$T1" --contact "Jan, 014" --until "$SOON"

check "police records Jan Van den Broeck, born the same day" wn police subject add jan \
	--family "Van den Broeck" --given Jan --born 2011-04-03
check "police gets his token" wait_for 60 has_state police jan token
check "a different person has a different token" test "$(token police jan)" != "$T1"

check_exit "the director records Anna Pieters from its own files" 0 wn dir subject add anna \
	--family Pieters --given Anna --born 1990-12-01
check_out "  deriving her token itself" "derived here"
check "  at once" has_state dir anna token
check "housing records 'PIETERS, anna'" wn housing subject add anna-p --name "PIETERS, anna" --born 1990-12-01
check "housing gets her token" wait_for 60 has_state housing anna-p token
check "the director's own token for her is housing's" test "$(token dir anna)" = "$(token housing anna-p)"

check_exit "the same identifier twice on one node is refused" 1 wn housing subject add again \
	--family "van den broeck" --given elise --born 2011-04-03
check_out "  naming the subject it is" "already recorded as subject e-vdb"
check_exit "a bad national register number is refused" 1 wn police subject add bad --rrn 85.07.30-033.62
check_exit "two identifiers at once are a usage error" 2 wn police subject add two --rrn 85.07.30-033.61 --bsn 111222333
check_exit "--name without a comma is a usage error" 2 wn police subject add three --name "Elise Broeck" --born 2011-04-03
check_exit "a subject that is not there" 1 wn police subject show nobody
check_out "  is said to be missing" "no subject nobody here"
check_exit "a reference that is not one is refused" 1 wn police subject add "Not A Ref" --bsn 111222333
check_out "  saying what a reference is" "1 to 63 of a-z, 0-9, - and _"

# --- the daily limit: police has had 2, the third is its last today
check "police records an address" wn police subject add square-12 --address --street "Grote Markt" \
	--number 12 --postcode 2200
check "police gets its token (its third today)" wait_for 60 has_state police square-12 token
check "police records a fourth subject" wn police subject add piet --family "De Smet" --given Piet --born 1970-01-31
check "the director refuses it: past the daily limit" wait_for 60 has_state police piet refused
check_exit "police shows the refusal" 0 wn police subject show piet
check_out "  in plain words" "NO TOKEN: the director refused it on .*: daily token limit reached; it is asked again the next day"
check "the member audits the refusal" test "$(audit_count police subject.token_refused)" = 1
check "the director audits it, naming police" test "$(audit_count dir subject.token_refused)" = 1
check_exit "police records a fifth subject" 0 wn police subject add mia --family Claes --given Mia --born 1999-09-09
check_out "  it is not asked today: police keeps to the limit the director stated" \
	"asked of the director the next day \\(UTC\\): the daily limit the director stated is used up today"
check "  it waits for the next day" has_state police mia limit
check_exit "  subject show says so" 0 wn police subject show mia
check_out "  in plain words" "no token yet: the daily limit the director stated is used up today; asked the next day"
last_refusal_is() { wn dir --json audit show --limit 10000 | grep -o '"subject.token_refused"[^}]*' | tail -1 | grep -qF "$1"; }
check "  the director refused piet alone: the one refused today is not asked again today" \
	last_refusal_is 'refused 1 tokens: daily token limit reached (3 of 3 evaluated today)'
check "  and refused nothing more" test "$(audit_count dir subject.token_refused)" = 1
wn dir --json audit show --limit 10000 >"$WN_T/dir.audit"
check "  its record holds the counts and no point" bash -c "grep -o '\"subject.token_refused\"[^}]*' '$WN_T/dir.audit' | grep -q 'police' && ! grep -Eq '[0-9a-f]{64}' <(grep -o '\"action\":\"subject[^}]*' '$WN_T/dir.audit')"
check "housing, under its own limit, still gets tokens" wn housing subject add joke --bsn 111222333
check "  its token comes" wait_for 60 has_state housing joke token

# --- a subject recorded before the node holds a charter waits, then the
# node asks for it by itself (its periodic check) once it is enrolled
DKEY=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "a third partner, youth work, is made, pinning the director" node_init_member youth "$DKEY"
check "  it starts, not enrolled" node_start youth
check_exit "it records Élise before it holds a charter" 0 wn youth subject add elise-y \
	--family "VAN DEN BROECK" --given "elise" --born 3/4/2011
check_out "  it says the token is asked once it holds one" "once this node holds the federation's charter"
check "  subject show says it waits" has_state youth elise-y waiting
check "youth work enrols the director" wn youth peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
check "the director enrols youth work" wn dir peer add "$WN_T/youth.bundle" --fingerprint "$(bundle youth)"
check "youth work asks for the token by itself and gets it" wait_for 180 has_state youth elise-y token
check "  her token, as police and housing hold it" test "$(token youth elise-y)" = "$T1"

# --- a malformed point
check_exit "a token request with a non-canonical point is refused" 0 \
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" \
	token "$(expected_seq dir police)" bad
check_out "  as malformed" "refused: 2 .*not a canonical ristretto255 element"

# --- nothing of the members' subjects at the director
check "the director stops" node_stop dir
key=$("$TOP/$BUILD/tests/tools/keydump" "$WN_T/dir/node.key" "$WN_T/dir.pass" | sed -n 3p)
printf '%s\n' "$key" | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" "$WN_T/dir/node.db" >"$WN_T/dir.plain"
check "its store decrypts page by page" grep -q "CREATE TABLE subjects" "$WN_T/dir.plain"
check "  and holds its own subject's form (the search can find one)" grep -aq "person:pieters/anna/1990-12-01" "$WN_T/dir.plain"
for f in "Élise" "elise" "Broeck" "broeck" "vandenbroeck" "person:vandenbroeck/elise/2011-04-03" \
	"2011-04-03" "03-04-2011" "De Smet" "desmet" "claes" "1999-09-09" "Grote Markt" "grotemarkt" "111222333"; do
	check "no '$f' in the director's store, log or audit log" \
		bash -c "! grep -aiqF '$f' '$WN_T/dir.plain' '$WN_T/dir.log' '$WN_T/dir.audit'"
done
for m in police housing youth; do
	check "no identifier in $m's log" bash -c "! grep -aiqE 'broeck|elise|desmet|de smet|grote|111222333|2011-04-03' '$WN_T/$m.log'"
done
wn_done
