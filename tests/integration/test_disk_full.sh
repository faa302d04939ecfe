#!/usr/bin/env bash
# test_disk_full.sh - a receiver whose disk fills up in the middle of a
# flood of messages: it refuses what it cannot store (the sender keeps it),
# says so clearly, keeps its audit chain intact, and once there is room
# again every message arrives exactly once and in order. The full disk is
# a file size limit on the daemon (ulimit -f): past it, writes fail with
# EFBIG, which SQLite reports as a full disk.
. "$(dirname "$0")/lib.sh"

received() { wn police --json peer received dir | json_field "$1"; }
stored_errors() { test "$(peer_field dir police last_error)" = "refused: store error"; }

check "a director and a member" federation dir police
check "police stops" node_stop police
WN_FSIZE_KB=8192
check "police starts with room for 8 MiB per file" node_start police
unset WN_FSIZE_KB
check "  it serves" wn police status
check "dir queues 20,000 messages of 1 KiB for police (20 MiB)" wn dir peer send police --count 20000 --size 1024
check "police's store fills up: dir sees its transfers refused" wait_for 120 stored_errors
check "  and dir keeps what was not taken" test "$(peer_field dir police queued)" -gt 0
# a small request may still fit where a transfer does not: either answer
wn police status >"$WN_T/out" 2>&1
check_out "police still answers its CLI: status, or a clear error" '^org id:|could not record the request in the audit log; nothing was done'
check "police stops" node_stop police
# (read from its store, stopped: the CLI may be refused while the disk is
# full, and a count it could not read is no count)
took_part() { local r
	r=$(echo "SELECT 'rows', count(*) FROM data_in WHERE peer = 'dir';" | node_sql police) || return 1
	r=${r#rows|}; echo "police holds $r of dir's messages"
	[[ $r =~ ^[0-9]+$ ]] && [ "$r" -gt 0 ] && [ "$r" -lt 20000 ]; }
check "  it had taken only part of the 20,000" took_part
check "police starts again, with room" node_start police
check "  it said why in its log" grep -q 'cannot store received messages: .*(senders keep them and try again)' "$WN_T/police.log"
check "every message arrives" wait_for 180 field_is dir police queued 0
check "  exactly once" test "$(received count):$(received distinct)" = 20000:20000
check "  20,000 consecutive numbers" test $(( $(received max_seq) - $(received min_seq) )) = 19999
check "  in the order sent" test "$(received in_order)" = True
check_exit "police's audit chain is intact" 0 wn police audit verify
wn_done
