#!/usr/bin/env bash
# test_signals_owed.sh - a signal's summary leaves a member only when the
# matrix in force lets the director's role have signal summaries
# ([outside cases] signal_summary): before any matrix, and under one that
# does not name it, the summary is owed (and `signal list` says so); the
# first matrix that lets it out brings every summary owed to the director;
# one that takes it back stops the next; and the director refuses a
# summary its own matrix does not let in.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# no periodic chain head takes the sequence number the poke reads
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of a director and the community guards" federation dir guards:community_guards

# the matrix without its signal_summary line
grep -q '^signal_summary = municipality:view' "$WN_T/dir.matrix" ||
	not_ok "the example matrix lets the municipality have signal summaries"
sed '/^signal_summary = /d' "$WN_T/dir.matrix" >"$WN_T/closed.matrix"

received() { local out; out=$(wn dir --json signal list --received --limit 1000) || return 1
	grep -o '"from":"guards","signal_id":[0-9]*' <<<"$out" | sed 's/.*://' | sort -n | tr '\n' ' '; }
summary_of() { wn guards --json signal list --all | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["signal_id"] == int(sys.argv[1]): print(r["summary"])' "$1"; }
received_is() { [ "$(received)" = "$1" ]; }
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"guards\",\"acked_version\":$1"; }
add() { wn guards signal add --when "2026-12-0$1 21:30" --municipality Herentals \
	--neighbourhood Stationsbuurt --category loitering --source patrol >/dev/null; }

check "the guards record signal 1 before they hold any matrix" add 1
check "  ... its summary is owed" count_is owed summary_of 1
check_exit "  ... said in words" 0 wn guards signal list
check_out "  ... in words" 'its summary has not gone to the director yet'

check "the director publishes a matrix without signal summaries" wn dir matrix publish "$WN_T/closed.matrix"
check "  ... the guards apply it" wait_for 60 acked 1
# what the matrix hook queues leaves before the acknowledgement
check "  ... the director has no summary" count_is "" received
check "  ... signal 1's summary is still owed" count_is owed summary_of 1
check "the guards record signal 2" add 2
check "  ... its summary is owed too" count_is owed summary_of 2

check "the director publishes the matrix that lets summaries out" wn dir matrix publish "$WN_T/dir.matrix"
check "  ... the guards apply it" wait_for 60 acked 2
check "  ... the summaries owed reach the director" wait_for 60 received_is "1 2 "
check "  ... and are sent" count_is "sent sent" eval 'echo $(summary_of 1) $(summary_of 2)'
check "the guards record signal 3" add 3
check "  ... its summary reaches the director at once" wait_for 60 received_is "1 2 3 "

check "the director takes it back" wn dir matrix publish "$WN_T/closed.matrix"
check "  ... the guards apply it" wait_for 60 acked 3
check "the guards record signal 4" add 4
check "  ... its summary is owed" count_is owed summary_of 4
check "  ... the director has the three before" count_is "1 2 3 " received

# a member under an older matrix, or a forged one: the director's matrix decides
bundle dir >/dev/null
poke_signal() { "$POKE" "$WN_T/guards/node.key" "$WN_T/guards.pass" guards "$WN_T/dir.bundle" signal \
	"$(expected_seq dir guards)" >"$WN_T/out" 2>&1; }
check_exit "a summary the director's matrix does not let in gets an answer" 0 poke_signal
check_out "  refused with 5 (WN_EDENIED), naming the matrix" '^refused: 5 .*matrix'
check "  ... and not kept" count_is "1 2 3 " received
wn_done
