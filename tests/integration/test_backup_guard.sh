#!/usr/bin/env bash
# test_backup_guard.sh - what wijknetd backup refuses to touch (review s8,
# L8), on one node that never runs: backup opens the store without
# migrating it: a store whose schema version is older than the binary's
# (a daemon not yet restarted after an upgrade) or newer is refused with
# both versions, left at its version, and no backup file is written.
. "$(dirname "$0")/lib.sh"
B="$WN_T/solo.bak"
PASS="$WN_T/solo.pass"
backup() { "$WIJKNETD" backup --data "$WN_T/solo" --out "$B" --passphrase-file "$PASS"; }
schema() { printf 'PRAGMA user_version;\n' | node_sql solo; }
set_schema() { printf 'PRAGMA user_version = %d;\n' "$1" | node_sql solo && count_is "$1" schema; }

check "a node (never started)" node_init solo municipality
check "a backup of it" backup

# --- backup: a store of another schema version is not migrated
V=$(schema)
check "the store's schema version is this binary's ($V)" test "$V" -ge 1
check "it is set back to $((V - 1)), as a daemon not yet upgraded has it" set_schema $((V - 1))
check "  (read back)" count_is $((V - 1)) schema
rm -f "$B"
check_exit "a backup of it is refused" 1 backup
check_out "  naming both versions" "schema version $((V - 1)) is older than this wijknetd's \($V\)"
check_out "  and what to do" "back it up with the wijknetd the node runs"
check "  the store is left at version $((V - 1))" count_is $((V - 1)) schema
check "  and no backup was written" test -z "$(find "$WN_T" -maxdepth 1 -name '*solo.bak*')"
check "a store of a newer schema ($((V + 1)))" set_schema $((V + 1))
check_exit "  is refused too" 1 backup
check_out "  saying so" "schema version $((V + 1)) is newer than this wijknetd knows \($V\)"
check "  and left at its version" count_is $((V + 1)) schema
check "the store is set to the binary's version again" set_schema "$V"
check "  and the backup works" backup
wn_done
