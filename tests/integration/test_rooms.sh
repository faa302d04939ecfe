#!/usr/bin/env bash
# test_rooms.sh - the exchange applies only its own message kinds and those
# another room registered (ARCHITECTURE.md): an envelope of a kind nobody
# registered for applying (RECEIPT, CHAIN_HEAD_ANSWER) is refused as not
# accepted here and audited; one of a kind need/ registered reaches need/'s
# apply (whose decoder refuses a body that is not its own); the node keeps
# applying good messages. (The enrolment hook need/ registers is
# test_matrix_late.sh's: a member enrolled after the matrix was published
# gets it; the registries' refusals of a second owner are
# tests/node/test_registries.c's.) And a command of each room's table
# answers (the daemon's, the exchange's, need/'s), while a name no room
# registered is refused and audited. The roles the tables give are not
# checked here.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WIJKNET_TEST_MINUTE_MS=3600000 WNPOKE_TIMEOUT_MS=120000

check "a federation of a director and a member forms" federation dir police
bundle dir >/dev/null
next_seq() { expected_seq dir police; } # (fails, and fails the script, when unread)
# poke_kind TYPE: police sends dir its next message as an envelope of TYPE
poke_kind() { "$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police \
	"$WN_T/dir.bundle" kind "$(next_seq)" "$1" >"$WN_T/out" 2>&1; }

check_exit "a RECEIPT inside a transfer gets an answer" 0 poke_kind 2
check_out "  refused with 5 (WN_EDENIED): no room applies a receipt" '^refused: 5 .*message type receipt is not accepted here'
check_exit "a CHAIN_HEAD_ANSWER inside a transfer gets an answer" 0 poke_kind 7
check_out "  refused the same way" '^refused: 5 .*message type chain_head_answer is not accepted here'
check_exit "a MATRIX_ACK whose body is DATA gets an answer" 0 poke_kind 9
check_out "  refused with 2 (WN_EPROTO) by need/'s own decoder, which it reached" '^refused: 2 .*malformed matrix ack'
check_exit "a CONCERN whose body is DATA gets an answer" 0 poke_kind 30
check_out "  refused with 2 (WN_EPROTO) by the subject room's decoder, which it reached" '^refused: 2 .*malformed concern'
check_exit "a CONCERN_MATCH to the director gets an answer" 0 poke_kind 31
check_out "  refused with 5 (WN_EDENIED): matches go from the director only" '^refused: 5 .*matches of concerns come from the federation.s director only'
check_exit "the director's audit log" 0 wn dir audit show --limit 100
check_out "  records the refusal of the receipt" 'peer.refused.*receipt is not accepted here'
check_out "  and of the matrix ack" 'peer.refused.*malformed matrix ack'
check_exit "a DATA message after them" 0 poke_kind 3
check_out "  is accepted" '^RECEIPT accepted=1 refused=0'

# --- control commands, from the table of the room that owns each
ctl_raw() { /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/$1/control.sock" "${@:2}"; }
check_exit "the daemon's own: status" 0 wn dir status
check_exit "the exchange's: peer list" 0 wn dir peer list
check_out "  answers with police, as a table even for one peer" '^police +police +[a-z]'
# on a terminal the table is as wide as the terminal, a cut value ending in
# an ellipsis (issue 14); in a pipe (above) nothing is cut
script -qec "stty cols 47; '$WIJKNET' -d '$WN_T/dir' peer list" /dev/null >"$WN_T/tty" 2>&1
fits() { /usr/bin/python3 -c '
import sys
t = [l for l in open(sys.argv[1], encoding="utf-8").read().replace("\r", "").split("\n")
     if l and not l.startswith("(")]
sys.exit(0 if len(t) >= 2 and max(len(l) for l in t) <= 47 and "\u2026" in t[0] else 1)' "$WN_T/tty"; }
check "on a 47-column terminal peer list fits, cut with an ellipsis" fits
check_exit "need/'s: matrix show" 0 wn dir matrix show
check_exit "need/'s: case list" 0 wn dir case list
ctl_raw dir no.such.request >"$WN_T/out" 2>&1
check_out "a request no room registered is refused with 10 (WN_EINVAL)" '^10 unknown request .no\.such\.request.'
check_exit "the director's audit log" 0 wn dir audit show --limit 100
check_out "  records it" 'control.unknown.*no\.such\.request'

wn_done
