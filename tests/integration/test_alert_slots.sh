#!/usr/bin/env bash
# test_alert_slots.sh - the alert socket's kept calls (review L7), on one
# node whose waits last ten minutes (WIJKNET_TEST_ALERT_WAIT_MS), so that
# nothing here is answered because a wait ran out:
#  - one user keeps at most two calls: a third wait of the same user is
#    answered at once, WN_EBUSY, saying so; a follower (the CLI) turned
#    away so says it on stderr after a few tries, and goes on;
#  - a follower whose connection closes (ended, interrupted) frees its
#    call at once, not when its wait would end: status counts none, and
#    the user may wait again;
#  - a connection's first wait is audited (who, after which alert), and a
#    malformed request on the alert socket too (review L8).
. "$(dirname "$0")/lib.sh"
AL="$WN_T/a/control.sock.alerts"

check_exit "init" 0 node_init a police
if WIJKNET_TEST_ALERT_WAIT_MS=600000 node_start a; then
	ok "the node starts, its waits ten minutes long"
else not_ok "the node starts, its waits ten minutes long"; fi
followers() { wn a --json status | json_field alert_followers; }
check "no follower waits" count_is 0 followers

# two waits of admin after an alert that does not exist yet: both kept
# (python itself in the background, not a function's subshell: the kill
# below must close its connection)
/usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$AL" alert.wait since=1000000000 >"$WN_T/w1.out" 2>&1 &
W1=$!
/usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$AL" alert.wait since=1000000000 >"$WN_T/w2.out" 2>&1 &
W2=$!
check "admin's two waits are kept" wait_for 60 count_is 2 followers
# kept means unanswered: a bound on a failure, not a synchronisation
check_exit "a third of admin is answered at once" 0 timeout 60 \
	/usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$AL" alert.wait since=1000000000
check_out "  ... busy, saying why" "^13 admin has 2 followers waiting for alerts on this node already; ask again a little later$"
check "  ... and it is not kept" count_is 2 followers
# who reads the alerts is audited once per connection (review L8)
check "each of the three connections' first wait is audited" \
	count_is 3 audit_count a control.alert.follow admin
check_exit "a malformed request on the alert socket" 0 \
	/usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$AL" ""
check_out "  ... is refused" "^2 malformed request at byte"
check "  ... and audited, as on the control socket" count_is 1 audit_count a control.malformed
"$WIJKNET" -d "$WN_T/a" alerts --follow --since 1000000000 >"$WN_T/f.out" 2>"$WN_T/f.err" &
F=$!
busy_said() { grep -q 'admin has 2 followers waiting for alerts on this node already; ask again a little later; still following, from alert 1000000000$' "$WN_T/f.err"; }
check "a follower turned away says so on stderr, once" wait_for 60 busy_said
check "  ... and goes on" kill -0 "$F"

# the two kept calls' connections close
kill "$W1" "$W2" 2>/dev/null; wait "$W1" "$W2" 2>/dev/null
# (the follower takes one as soon as they are free)
check "their calls are freed when their connections close: the follower's is the one kept" \
	wait_for 60 count_is 1 followers
kill "$F" 2>/dev/null; wait "$F" 2>/dev/null
check "  ... and its call is freed when it is interrupted" wait_for 60 count_is 0 followers
check "the follower said the busy note once" count_is 1 grep -c 'followers waiting' "$WN_T/f.err"
check "the node stops" node_stop a
wn_done
