#!/usr/bin/env bash
# test_stop_stuck.sh - a node stops cleanly even when nng cannot close one of
# its sockets.
#   - nng 1.5.2 can hang for good in nng_close when a frame arrives as a
#     connection closes (nanomsg/nng#1636); a hostile or busy peer can cause
#     it at the moment of a stop, and the node then never ended
#   - the hook WIJKNET_TEST_CLOSE_HANG=<socket> makes that close never finish,
#     for each kind of socket the node closes; the node gives the close up
#     after 10 s, says so in its log, audits its stop, closes its store and
#     ends with exit 0; started again, it has what it recorded and an
#     intact audit chain, and it still delivers to its partner
. "$(dirname "$0")/lib.sh"
S=S-stuck

check "a federation of a director and a member forms" federation dir police
i=0
for what in "peer socket" "control socket" "connection to a partner"; do
	i=$((i + 1))
	check_exit "dir stops ($what round)" 0 node_stop dir
	WIJKNET_TEST_CLOSE_HANG=$what check "dir starts with its $what's close made to hang" \
		node_start dir
	check_exit "  dir records a note" 0 \
		wn dir record --subject $S --category signals --field note --value "stuck-$i"
	stops=$(audit_count dir node.stop) || not_ok "  dir's stops cannot be counted"
	logat=$(stat -c %s "$WN_T/dir.log")
	check_exit "  SIGTERM still ends dir, with exit 0" 0 node_stop dir
	check_out_log() { tail -c +"$((logat + 1))" "$WN_T/dir.log" >"$WN_T/out"; grep -q "$1" "$WN_T/out"; }
	check "  its log says the $what's close was given up" \
		check_out_log "the $what did not close within 10 s"
	check "  and that it stopped" check_out_log "stopped; the network library"
	check "dir starts again" node_start dir
	check "  it audited that stop" count_is $((stops + 1)) audit_count dir node.stop
	check_exit "  its audit chain is intact" 0 wn dir audit verify
	check_exit "  it lists what it recorded" 0 wn dir --json record list --subject $S
	check_out "  the note of this round is there" "stuck-$i"
done

# it still works with its partner: a note police may see arrives there
check_exit "dir sends police a message (a matrix)" 0 wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q '"acked_version":1,"current":true'; }
check "  police applies it" wait_for 60 acked
wn_done
