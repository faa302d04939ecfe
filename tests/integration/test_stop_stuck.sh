#!/usr/bin/env bash
# test_stop_stuck.sh - a node stops cleanly even when nng cannot close its
# sockets.
#   - nng 1.5.2 can hang for good in nng_close when a frame arrives as a
#     connection closes (nanomsg/nng#1636); a hostile or busy peer can cause
#     it at the moment of a stop, and the node then never ended. The hang
#     is in nng's one reaper thread, so every close after it hangs too
#   - the hook WIJKNET_TEST_CLOSE_HANG=<socket> makes the close of that
#     socket and of every socket after it never finish, for each kind of
#     socket the node closes (at a stop: the control socket, the peer
#     socket, one per partner; while running: a chain-head query's). The
#     node waits 10 s for the first, says so in its log, waits for none of
#     the others (each logged as left to the network library; the stop
#     ends within 40 s, where waiting for each takes 50), audits its
#     stop, closes its store (its WAL file is gone) and ends with exit 0;
#     started again, it has what it recorded, an intact audit chain, and
#     it still delivers to its partners
. "$(dirname "$0")/lib.sh"
S=S-stuck

check "a federation of a director and three members forms" \
	federation dir police youth:youth_work guards:community_guards
# log_has PATTERN COUNT: the lines of dir's log since $logat matching
# PATTERN number COUNT (COUNT+: at least COUNT)
log_has() {
	local n
	n=$(tail -c +"$((logat + 1))" "$WN_T/dir.log" | grep -c -- "$1")
	case $2 in
	*+) [ "$n" -ge "${2%+}" ] ;;
	*) [ "$n" -eq "$2" ] ;;
	esac || { echo "$n lines match /$1/, want $2"; return 1; }
}
i=0
# each kind of close: the sockets closed after it at a stop
for spec in "control socket:4" "peer socket:3" "connection to a partner:2"; do
	what=${spec%:*} after=${spec##*:}
	i=$((i + 1))
	check_exit "dir stops ($what round)" 0 node_stop dir
	logat=$(stat -c %s "$WN_T/dir.log")
	WIJKNET_TEST_CLOSE_HANG=$what check "dir starts with the close of its $what made to hang" \
		node_start dir
	check "  its log warns that the hook is set" log_has "WIJKNET_TEST_CLOSE_HANG is set" 1
	check_exit "  dir records a note" 0 \
		wn dir record --subject $S --category signals --field note --value "stuck-$i"
	stops=$(audit_count dir node.stop) || not_ok "  dir's stops cannot be counted"
	# 10 s for the close given up, the others not waited for: well within
	# 40 s even on a busy machine; waiting for each would take 50 s in the
	# control socket's round
	WN_STOP_LIMIT=40 check_exit "  SIGTERM still ends dir within 40 s, with exit 0" 0 node_stop dir
	check "  its log says the $what's close was given up, once" \
		log_has "the $what did not close within 10 s" 1
	check "  and that the $after sockets closed after it were not waited for" \
		log_has "is left to the network library" "$after+"
	check "  and that it stopped" log_has "stopped; the network library" 1
	check "  its store was closed (no WAL file left)" test ! -e "$WN_T/dir/node.db-wal"
	check "dir starts again" node_start dir
	check "  it audited that stop" count_is $((stops + 1)) audit_count dir node.stop
	check_exit "  its audit chain is intact" 0 wn dir audit verify
	check_exit "  it lists what it recorded" 0 wn dir --json record list --subject $S
	check_out "  the note of this round is there" "stuck-$i"
done

# while running: the director asks its members for its chain head at start
check_exit "dir stops (chain-head query round)" 0 node_stop dir
logat=$(stat -c %s "$WN_T/dir.log")
WIJKNET_TEST_CLOSE_HANG="chain-head query" check "dir starts with the close of its chain-head queries made to hang" \
	node_start dir
check "  its log says a query's close was given up, once" \
	log_has "the chain-head query did not close within 10 s" 1
check "  and the other two queries' closes were not waited for" \
	log_has "chain-head query is left to the network library" 2+
check_exit "  it serves" 0 wn dir status
check_exit "  SIGTERM ends it, with exit 0" 0 node_stop dir
check "  its store was closed (no WAL file left)" test ! -e "$WN_T/dir/node.db-wal"

# it still works with its partners: the matrix reaches each of them
check "dir starts again" node_start dir
check_exit "dir sends its members a message (a matrix)" 0 wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"acked_version":1,"current":true' | wc -l)" = 3 ]; }
check "  each member applies it" wait_for 60 acked_all
wn_done
