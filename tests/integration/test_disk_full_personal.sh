#!/usr/bin/env bash
# test_disk_full_personal.sh - on a full disk nothing is shown without its
# audit record: requests that show personal fields (record list, ...) are
# refused when their record cannot be committed, and once the records held
# in memory reach their cap (1000) the other read-only requests are
# refused too. Held records are written before the record of the request
# that finds room again. The full disk is a soft file size limit on the
# daemon, lifted again with prlimit (as in test_disk_full_cli.sh).
. "$(dirname "$0")/lib.sh"

check "a node" node_init police police
check "  starts" node_start police
check "a personal field" wn police record --subject S-1 --category signals --field note --value SECRET-NOTE
check "  stops" node_stop police
kb=$(( $(stat -c %s "$WN_T/police/node.db") / 1024 ))
WN_FSIZE_KB=$kb check "it starts with no room for its files to grow past ${kb} KiB" node_start police
check "writes fill its disk until one is refused" fill_disk police
check_exit "record list is refused" 1 wn police record list
check_out "  saying why" "the disk is full: 'record.list' cannot be recorded in the audit log, so it is not shown"
cp "$WN_T/out" "$WN_T/rl.out"
check "  and shows no field" bash -c "! grep -q SECRET-NOTE '$WN_T/rl.out'"
check_exit "status still answers" 0 wn police status
# fill the memory for held records up to its cap with read-only requests,
# sent over one connection by ctl_until.py (1,000 CLI starts are too slow
# under a sanitizer build); then the CLI's own request is refused
upto_cap() {
	local rc
	/usr/bin/python3 "$TOP/tests/integration/ctl_until.py" \
	    "$WN_T/police/control.sock" whoami 1100 >"$WN_T/cap.out" 2>&1
	rc=$?
	cat "$WN_T/cap.out"
	# refused (rc 0) after at least one answer
	[ "$rc" -eq 0 ] && grep -Eq "^[1-9][0-9]* " "$WN_T/cap.out"
}
check "read-only requests answer until the held records reach their cap" upto_cap
check "  then one is refused, saying why" grep -q "the disk is full: 'whoami' cannot be recorded in the audit log (1000 records wait in memory already), so it is not answered" "$WN_T/cap.out"
check_exit "whoami from the CLI is refused too" 1 wn police whoami
check_out "  saying why" "the disk is full: 'whoami' cannot be recorded in the audit log \\(1000 records wait in memory already\\), so it is not answered"
check_exit "status is refused too" 1 wn police status
check "there is room again" prlimit --pid "${WN_PID[police]}" --fsize=unlimited
check "a write succeeds" wn police record --subject S-x --category signals --field note --value after
check_exit "the audit log" 0 wn police audit show --limit 1200
cp "$WN_T/out" "$WN_T/aud.out"
check_out "  has the refused record list" 'control.record.list[[:space:]]+\(held, at 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC\) refused: the disk is full'
check_out "  says how many were held and how many more were only counted" 'audit.held[[:space:]]+police[[:space:]]+1000 audit records .* held in memory and follow; [0-9]+ more were not kept'
# audit show lists the newest first: the write that found room comes after
# (above) the held records it wrote
order_ok() {
	awk '/control.record.add/ && !/held/ && add == 0 {add = NR}
	     /audit.held/ {held = NR}
	     END {exit !(add > 0 && held > add)}' "$WN_T/aud.out"
}
check "  and the held records come before the write's own record" order_ok
check_exit "the audit chain is intact" 0 wn police audit verify
check "police stops" node_stop police
wn_done
