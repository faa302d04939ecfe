#!/usr/bin/env bash
# test_receive_only_stop.sh - a checker whose address takes no connection
# (it drops the connection's first packet, as a firewall or a host that is
# off does) holds neither a node's start nor its stop: every wait of a
# chain-head query (the connection, the pipe, the answer) is bounded by the
# query's timeout, and a stop ends the round between two checkers
# (PROTOCOL.md "Rollback detection"). A blocking dial waited for the
# kernel's connect timeout instead, about two minutes (tcp_syn_retries 6)
# per such checker and round; it held the start, and a stop came only after
# the dial in progress.
. "$(dirname "$0")/lib.sh"
# the query's timeout is 3 s, a recheck every 30 s (the defaults)
ro() { wn "$1" --json status | json_field receive_only; }
log_since() { tail -c +"$(($2 + 1))" "$WN_T/$1.log"; }
log_size() { stat -c %s "$WN_T/$1.log"; }
hole=

check "a federation of a director and police" federation dir police
check "police stops" node_stop police
check "dir stops" node_stop dir
port=$(sed -n 's|^listen = .*://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$WN_T/dir/wijknet.conf")
# dir's address now drops connections: a listener that accepts none, its
# queue (of one) full with a connection of its own, so the kernel drops
# every further SYN
/usr/bin/python3 - "$port" "$WN_T/hole.ready" <<'EOF' &
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", int(sys.argv[1])))
l.listen(0)
c = socket.socket()
c.connect(("127.0.0.1", int(sys.argv[1])))
open(sys.argv[2], "w").close()
while True:
    time.sleep(3600)
EOF
hole=$!
check "dir's address takes no connection" wait_for 120 test -e "$WN_T/hole.ready"
check "  a connection to it does not open in 3 s" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(3)
try:
    s.connect(("127.0.0.1", int(sys.argv[1])))
except socket.timeout:
    sys.exit(0)
sys.exit(1)' "$port"
at=$(log_size police)
WN_START_LIMIT=60
check "police starts (within 60 s)" eval 'node_start police && [ -n "${WN_PID[police]:-}" ]'
WN_START_LIMIT=300
check "  receive-only: dir did not answer" count_is True ro police
check "  its log says so" out_has 'rollback check: dir \(.*\) did not answer' log_since police "$at"
at=$(log_size police)
check "  police asks again" wait_for 120 out_has 'rollback check: dir \(.*\) did not answer' log_since police "$at"
stop_limit=$WN_STOP_LIMIT WN_STOP_LIMIT=30
check "police stops (within 30 s), a recheck waiting on dir" node_stop police
WN_STOP_LIMIT=$stop_limit
kill "$hole" && wait "$hole" 2>/dev/null
hole=
check "dir starts" node_start dir
check "police starts" node_start police
check "  dir answers: not receive-only" count_is False ro police
[ -n "$hole" ] && kill "$hole"
wn_done
