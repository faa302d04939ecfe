#!/usr/bin/env bash
# test_disk_full_cli.sh - on a full disk the CLI keeps working for what
# only reads (status, whoami, audit verify, audit show, peer list): those
# answer, and their audit records are held in memory and written, with a
# record saying how many, once a write succeeds again; writes are refused
# with "the disk is full: ...". The full disk is a file size limit on the
# daemon (ulimit -f) just at the size of its store, so the WAL fills up;
# room comes back by lifting the limit of the running daemon (prlimit).
. "$(dirname "$0")/lib.sh"

check "a node" node_init police police
check "  starts" node_start police
check "  stops" node_stop police
kb=$(( $(stat -c %s "$WN_T/police/node.db") / 1024 ))
WN_FSIZE_KB=$kb check "it starts with no room for its files to grow past ${kb} KiB" node_start police
check "writes fill its disk until one is refused" fill_disk police
check "  with a clear message" grep -q "the disk is full: 'record.add' was not done and nothing was changed" "$WN_T/fill.out"
check_exit "a write is still refused" 1 wn police record --subject S-fill --category signals --field note --value more
check_out "  saying the disk is full" "the disk is full: "
check_exit "status answers" 0 wn police status
check_out "  with the node's status" '^org id: +police'
check_exit "whoami answers" 0 wn police whoami
check_exit "audit verify answers" 0 wn police audit verify
check_out "  the chain is intact" 'audit chain intact'
check_exit "audit show answers" 0 wn police audit show --limit 5
check_exit "peer list answers" 0 wn police peer list
check "police says so in its log" grep -q "the disk is full: read-only requests still answer" "$WN_T/police.log"
check "there is room again" prlimit --pid "${WN_PID[police]}" --fsize=unlimited
check "a write succeeds" wn police record --subject S-fill --category signals --field note --value "after"
check_exit "the audit log" 0 wn police audit show --limit 60
check_out "  says how many records were held" 'audit.held[[:space:]]+police[[:space:]]+[0-9]+ audit records of requests answered while the disk was full were held in memory and follow'
check_out "  and has the held status request" 'control.status[[:space:]]+\(held, at 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\)'
check_out "  the held audit verify" 'control.audit.verify[[:space:]]+\(held, at 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\) intact'
check_out "  and the refused write" 'control.record.add[[:space:]]+\(held, at 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\) refused: the disk is full'
check "  and no moment in epoch milliseconds" no_epoch wn police audit show --limit 60
check_exit "the audit chain is intact" 0 wn police audit verify
check "police stops" node_stop police
check_exit "  its stopped store verifies" 0 "$WIJKNETD" audit-verify --config "$WN_T/police/wijknet.conf"
wn_done
