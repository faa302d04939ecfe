#!/usr/bin/env bash
# test_signals_director.sh - a signal's summary reaches the director: a
# member's signal, typed or imported, shows at the director with when,
# area, category and reports, never with its subjects, text, street,
# point or source (the director's store is searched for them at the end);
# a link reaches it as one incident with its reports; the director's own
# signals go nowhere; a member has no summaries to list; a SIGNAL envelope
# whose body is not a summary reaches the work room's decoder and is
# refused there, and a member refuses a summary (only the director keeps
# them).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# no periodic chain head takes the sequence number the poke reads
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of a director, the community guards and housing" \
	federation dir guards:community_guards housing:housing
check "the director publishes the matrix (it lets the municipality have signal summaries)" \
	wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"$1\",\"acked_version\":1"; }
check "  ... the guards apply it" wait_for 60 acked guards
check "  ... and housing" wait_for 60 acked housing

# summaries NODE ARGS...: the --json rows of `signal list --received`,
# one JSON object a line
summaries() { local n=$1; shift; wn "$n" --json signal list --received --limit 1000 "$@" |
	/usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]: print(json.dumps(r, sort_keys=True))'; }
has_summary() { summaries dir | grep -q -- "$1"; }

printf 'MK-TEXT-guards eight youths at the square\n' >"$WN_T/text"
G1=$(wn guards --json signal add --when "2026-12-01 21:30" --municipality Herentals \
	--neighbourhood Stationsbuurt --street MK-STREET-plein --point 51.1766,4.8325 \
	--category loitering --source MK-SOURCE-patrol --text-file "$WN_T/text" \
	--perpetrator S-MK-SUBJ-jonas --reporter S-MK-SUBJ-guard | json_field signal_id)
check "the guards record a signal" test "$G1" = 1
check "its summary reaches the director" wait_for 60 has_summary '"from": "guards"'
check_exit "the director's list of the members' signals" 0 summaries dir
want_ms=$(/usr/bin/python3 -c 'import datetime,zoneinfo; print(int(datetime.datetime(2026,12,1,21,30,tzinfo=zoneinfo.ZoneInfo("Europe/Brussels")).timestamp()*1000))')
check_out "  ... says when, where and what, exactly" "\"category\": \"loitering\", \"duplicate_of\": 0, \"from\": \"guards\", \"municipality\": \"Herentals\", \"neighbourhood\": \"Stationsbuurt\", \"received_ms\": [0-9]+, \"reports\": 1, \"signal_id\": 1, \"when_ms\": $want_ms"
check "  ... and nothing else: no subject, text, street, point or source" out_lacks '(^|[^A-Z0-9])MK-|subject|text|street|lat|source' cat "$WN_T/out"
check_exit "the director's list in words" 0 wn dir signal list --received
check_out "  ... names the member and the moment" '^signal 1 of guards  Tue  1 Dec 2026 21:30  loitering'

# three calls about one incident at the guards, linked
for h in 22 23; do
	wn guards signal add --when "2026-12-01 $h:00" --municipality Herentals \
		--neighbourhood Stationsbuurt --category loitering --source patrol \
		--reporter "S-MK-SUBJ-caller-$h" >/dev/null || not_ok "the guards record the call at $h:00"
done
check "the guards link their signals 2 and 3 to signal 1" sh -c \
	"'$WIJKNET' -d '$WN_T/guards' signal link 2 --to 1 && '$WIJKNET' -d '$WN_T/guards' signal link 3 --to 1"
incident() { summaries dir | grep '"from": "guards"' | grep -q '"reports": 3, "signal_id": 1,' &&
	[ "$(summaries dir | grep '"from": "guards"' | grep -c '"duplicate_of": 1,')" = 2 ]; }
check "the director holds them as one incident of three reports" wait_for 60 incident
check_exit "  ... said in words" 0 wn dir signal list --received --area Herentals/Stationsbuurt
check_out "  ... the incident with its reports" '3 reports of this incident'
check_out "  ... and each duplicate" 'a duplicate of their signal 1'

# housing imports a CSV: the good rows reach the director, the bad one not
cat >"$WN_T/housing.csv" <<'EOF'
when,municipality,neighbourhood,category,source,source_id,text,reporter
2026-11-30 20:00,Herentals,Centrum,noise,tenant,T-1,MK-TEXT-housing music,S-MK-SUBJ-tenant-a
2026-11-30 20:30,Herentals,Centrum,noize,tenant,T-2,x,
2026-12-01 08:00,Geel,Stationsbuurt,confused behaviour,tenant,T-3,MK-TEXT-housing early,S-MK-SUBJ-tenant-b
EOF
check_exit "housing imports its export, one line refused" 1 wn housing signal import "$WN_T/housing.csv"
check_out "  ... two signals added" '2 signals added, 0 already here, 1 line refused'
from_housing() { [ "$(summaries dir | grep -c '"from": "housing"')" = 2 ]; }
check "both reach the director" wait_for 60 from_housing
check "  ... filtered by category" count_is 1 count_or_fail '"from": "housing"' summaries dir --category confused_behaviour
check "  ... and by area" count_is 1 count_or_fail '"from": "housing"' summaries dir --area Geel
check "  ... and by area and time" count_is 3 count_or_fail '"from": "guards"' summaries dir --area Herentals/Stationsbuurt --since 2026-12-01
check_exit "housing imports it again" 1 wn housing signal import "$WN_T/housing.csv"
check_out "  ... nothing added" '0 signals added, 2 already here, 1 line refused'

# the director's own signal stays at the director
check "the director records a signal of its own" wn dir signal add --municipality Herentals \
	--category littering --source "municipal service"
check "  ... and holds it" count_is 1 count_or_fail '^signal 1 ' wn dir signal list
check_exit "a member has no summaries to list" 1 wn guards signal list --received
check_out "  ... and says why" 'only the director receives the summaries'

# a SIGNAL envelope whose body is not a summary reaches the work room
bundle dir >/dev/null
bundle guards >/dev/null
poke_kind() { "$POKE" "$WN_T/$1/node.key" "$WN_T/$1.pass" "$1" "$WN_T/$2.bundle" kind \
	"$(expected_seq "$2" "$1")" 18 >"$WN_T/out" 2>&1; }
check_exit "a SIGNAL whose body is DATA gets an answer" 0 poke_kind housing dir
check_out "  refused with 2 (WN_EPROTO) by the work room's decoder" '^refused: 2 .*malformed signal summary'
check_exit "a SIGNAL to a member gets an answer" 0 poke_kind housing guards
check_out "  refused with 5 (WN_EDENIED): only the director keeps summaries" '^refused: 5 .*only the director keeps signal summaries'

# the director's store holds none of what stays at the members
dump() { echo .dump | node_sql "$1" >"$WN_T/$1.dump" && grep -q 'CREATE TABLE signal_summaries' "$WN_T/$1.dump"; }
check "the director stops" node_stop dir
check "the director's store is decrypted" dump dir
check "  ... it holds the summaries" grep -q 'INSERT INTO "\?signal_summaries"\? VALUES' "$WN_T/dir.dump"
check "  ... and no subject, text, street or source of a member's" out_lacks '(^|[^A-Z0-9])MK-' cat "$WN_T/dir.dump"
check "the guards stop" node_stop guards
check "the guards' store is decrypted" dump guards
check "  ... and there they are (the search finds what is there)" grep -q 'S-MK-SUBJ-jonas' "$WN_T/guards.dump"
wn_done
