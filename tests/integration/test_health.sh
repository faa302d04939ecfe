#!/usr/bin/env bash
# test_health.sh - the daemon's health check of its control socket: it
# pings twice a second without opening an nng socket (whose close can
# hang in nng 1.5.2, nanomsg/nng#1543, and stall every later close of the
# node), and it makes the socket again when the socket stops answering.
# Every wait is a condition.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tls_lib.sh"
check_exit "director init" 0 node_init dir municipality

# the hook makes any close of an nng socket named "health check's socket"
# hang; a health check that opened one would leave it there at the first
# check, warn, and leave every later close to the network library
WIJKNET_TEST_CLOSE_HANG="health check's socket" check "dir starts with the hook on the health check's socket" \
	node_start dir
check "  five health checks pass" wait_for 60 status_ge dir control_health_checks 5
check_exit "  none of them closed an nng socket (no close given up)" 1 \
	grep -q "did not close within" "$WN_T/dir.log"
check "  nor was any left to the network library" eval '! grep -q "left to the network library" "$WN_T/dir.log"'
check "  and none failed" status_is dir control_listener_restarts 0

# the socket's file removed: the next check finds no answer and listens again
rm -f "$WN_T/dir/control.sock"
check "the control socket's file removed: the node makes it again" \
	wait_for 60 test -S "$WN_T/dir/control.sock"
check "  the CLI reaches it" wait_for 60 wn dir status
check "  the restart is counted" status_is dir control_listener_restarts 1
check "  and audited" eval 'wn dir audit show --limit 100 | grep -q "control.listener_recreated"'
wn_done
