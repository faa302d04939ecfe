#!/usr/bin/env bash
# test_token_recovery.sh - subjects' tokens when something goes wrong
# (review s8, M1-M3), a director (its daily limit 3) and two members:
#  - a daily limit below the request: youth work records 5 subjects before
#    it is enrolled, so its first request names all 5; the director
#    refuses it whole (stating its limit, 3), and youth work asks at once
#    again for 3 of them: 3 tokens arrive that day, 2 wait for the next,
#    and the director refused one request only;
#  - a lost request: police's TOKEN_REQUEST is dropped from its outbox
#    (as a request refused for good by an old director, or dropped with
#    the peer, is gone); the subject stays asked that day, and once its
#    request has had no answer for a day (police's token clock run ahead,
#    WIJKNET_TEST_TOKEN_AHEAD_MS) police asks again and gets the token;
#  - the director's key named by an id derived from it: a restart keeps
#    it (no alert); a key made again (its row gone from the director's
#    store, as a store lost and made again would) has another id, and
#    police, which holds tokens under the old one, raises
#    alert.token_key_changed once, with a warning in its log, its old
#    tokens keeping their key id.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels WIJKNET_TEST_RX_WAIT_MS=30000

check "a federation of the director and police" federation dir police
check "the director stops" node_stop dir
check "  its daily limit is set to 3 tokens per member" set_conf dir token_daily_limit 3
check "  and it starts again" node_start dir

state() { wn "$1" --json subject show "$2" | json_field state; }
token() { wn "$1" --json subject show "$2" | json_field token; }
key() { wn "$1" --json subject show "$2" | json_field epoch; }
has_state() { [ "$(state "$1" "$2")" = "$3" ]; }
# states NODE: the states of its subjects, sorted, on one line
states() {
	wn "$1" --json subject list | /usr/bin/python3 -c '
import json,sys; print(" ".join(sorted(r["state"] for r in json.load(sys.stdin)["rows"])))'
}
states_are() { [ "$(states "$1")" = "$2" ]; }

# --- a daily limit below the request (M2)
DKEY=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "youth work is made, pinning the director" node_init_member youth "$DKEY"
check "  it starts, not enrolled" node_start youth
for i in 1 2 3 4 5; do
	check "youth work records subject $i before it holds a charter" \
		wn youth subject add y$i --family "Peeters" --given "$(printf "%s" "Anna Bert Carla Dirk Eva" | cut -d" " -f$i)" --born "2010-01-0$i"
done
check "  all 5 wait" states_are youth "waiting waiting waiting waiting waiting"
check "youth work enrols the director" wn youth peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
check "the director enrols youth work" wn dir peer add "$WN_T/youth.bundle" --fingerprint "$(bundle youth)"
check "3 tokens arrive the same day, 2 are refused until the next" \
	wait_for 240 states_are youth "refused refused token token token"
check "the director refused one request of youth work" \
	test "$(audit_count dir subject.token_refused)" = 1
refusal() { wn dir --json audit show --limit 10000 | grep -o '"subject.token_refused"[^}]*' | grep -F youth; }
check "  the request of 5" out_has 'refused 5 tokens: daily token limit reached \(0 of 3 evaluated today\)' refusal
evaluated() { wn dir --json audit show --limit 10000 | grep -o '"subject.tokens_evaluated"[^}]*' | grep -F youth; }
check "  and evaluated 3, its whole limit" out_has 'evaluated 3 tokens under key [0-9]+ \(3 of 3 today\)' evaluated
asked_again() { wn youth --json audit show --limit 10000 | grep -o '"subject.token_refused"[^}]*'; }
check "youth work audits that it asked 3 again at once" \
	out_has '5 subjects: daily token limit reached \(3 a day\); 3 of them asked again at once' asked_again
check_exit "youth work records a sixth subject" 0 wn youth subject add y6 --family Peeters --given Frank --born 2010-01-06
check_out "  it is not asked today: the limit it was told is used up" "asked of the director the next day"
check "  it waits for the next day" has_state youth y6 limit
check "  and the director refused nothing more" test "$(audit_count dir subject.token_refused)" = 1

# --- a lost request (M1)
check "the director stops" node_stop dir
check_exit "police records a subject" 0 wn police subject add lost --family Janssens --given Lies --born 1985-05-05
check_out "  its token is asked of the director" "token was asked of the director"
check "  it is asked" has_state police lost asked
check "police stops" node_stop police
queued() { printf "SELECT count(*) FROM outbox WHERE peer = 'dir' AND type = 28;\n" | node_sql police | tail -1; }
check "  its request waits in its outbox" test "$(queued)" = 1
printf "DELETE FROM outbox WHERE peer = 'dir' AND type = 28;\n" | node_sql police >/dev/null
check "  and is dropped from it (lost)" test "$(queued)" = 0
check "the director starts" node_start dir
check "police starts" node_start police
check "  the subject is still asked: its request is not a day old" has_state police lost asked
check "police stops" node_stop police
if WIJKNET_TEST_TOKEN_AHEAD_MS=$((25 * 3600 * 1000)) node_start police; then
	ok "police starts with its token clock a day and an hour ahead"
	check "  it asks again for the subject whose request had no answer, and gets the token" \
		wait_for 120 has_state police lost token
else
	not_ok "police starts with its token clock ahead"
fi

# --- the director's key (M3)
K1=$(key police lost)
check "the token's key id is a number below 2^48" bash -c "[[ '$K1' =~ ^[0-9]+$ ]] && [ '$K1' -ge 1 ] && [ '$K1' -lt 281474976710656 ]"
check "the director made its key once, audited with its id" test "$(audit_count dir subject.key_made)" = 1
made() { wn dir --json audit show --limit 10000 | grep -o '"subject.key_made"[^}]*'; }
check "  naming it by that id" out_has "\"key $K1\"" made
check "the director stops" node_stop dir
check "  and starts again" node_start dir
check "police records another subject" wn police subject add kept --family Maes --given Jan --born 1977-07-07
check "  its token comes" wait_for 120 has_state police kept token
check "  under the same key: the key is kept in the store" test "$(key police kept)" = "$K1"
check "  police raised no alert" test "$(audit_count police alert.token_key_changed)" = 0
check "the director stops" node_stop dir
printf "DELETE FROM subject_keys;\n" | node_sql dir >/dev/null
keys() { printf "SELECT count(*) FROM subject_keys;\n" | node_sql dir | tail -1; }
check "  its key is gone from its store (as with a store lost)" test "$(keys)" = 0
check "  its daily limit is raised to 10 (police had 3 today)" set_conf dir token_daily_limit 10
check "  it starts again" node_start dir
check "police records a subject after that" wn police subject add after --family Wouters --given An --born 1966-06-06
check "  its token comes" wait_for 120 has_state police after token
K2=$(key police after)
check "  under another key id" bash -c "[[ '$K2' =~ ^[0-9]+$ ]] && [ '$K2' != '$K1' ]"
check "the director audits the key made again with its id" test "$(audit_count dir subject.key_made)" = 2
check "police raises alert.token_key_changed" test "$(audit_count police alert.token_key_changed)" = 1
alert() { wn police --json audit show --limit 10000 | grep -o '"alert.token_key_changed"[^}]*'; }
check "  naming both key ids and the tokens it holds" \
	out_has "tokens now come under key $K2, while 2 subjects here hold tokens under key $K1" alert
check "  with a warning in its log" grep -q "ALERT for the administrator: the director's token key changed" "$WN_T/police.log"
check "police's old tokens keep their key id" test "$(key police lost)" = "$K1"
check "police records one more subject" wn police subject add after2 --family Wouters --given Bert --born 1966-06-07
check "  its token comes, under the new key" wait_for 120 has_state police after2 token
check "  no second alert for the same key" test "$(audit_count police alert.token_key_changed)" = 1
for m in police youth; do
	check "no identifier in $m's log" bash -c "! grep -aiqE 'peeters|janssens|maes|wouters|frank|1985-05-05' '$WN_T/$m.log'"
done
wn_done
