#!/usr/bin/env bash
# test_matrix_late.sh - a member enrolled after `matrix publish` gets the
# matrix in force from the director and applies it; and messages a peer
# defers (here a disclosure under a matrix version the receiver does not
# hold yet) wait with the reason in `peer list`, never an empty last error,
# and go through once the receiver holds that version.
. "$(dirname "$0")/lib.sh"
S=S-late-1

check "a director and police form a federation" federation dir police
check "the director publishes the matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"$1\",\"acked_version\":$2"; }
check "police applies it" wait_for 30 acked police 1

# youth work joins later
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check "youth work is created" node_init_member youth "$dkey" youth_work
check "  and starts" node_start youth
check "  enrols the director" wn youth peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
check "the director enrols youth work" wn dir peer add "$WN_T/youth.bundle" --fingerprint "$(bundle youth)"
holds() { wn "$1" matrix show 2>/dev/null | grep -q "^matrix version $2 of dir"; }
check "youth work gets the matrix in force and applies it" wait_for 30 holds youth 1
check "  and acknowledges it" wait_for 30 acked youth 1
check "police learns of youth work" wait_for 30 peer_known police youth

# a case with police and youth work, police holding signals
check "police records a signal" wn police record --subject $S --category signals --field note --value MK-late
C=$(wn dir --json case open --type situation --subject $S --purpose "end the nuisance" --ground consent | json_field case_id)
check "the director opens a case" test -n "$C"
for m in police youth; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { wn "$1" --json case list | grep -q '"member":true'; }
for m in police youth; do check "$m knows it is a member" wait_for 30 is_member $m; done
check "the director asks for signals" wn dir case request "$C" --categories signals
has_share() { wn police --json share list | grep -q '"id":1,'; }
check "police gets the proposal" wait_for 30 has_share

# police moves to matrix version 2 while youth work is away, then the
# director goes away before youth work is back: youth work stays on 1
check "youth work stops" node_stop youth
check "the director publishes version 2" wn dir matrix publish "$WN_T/dir.matrix"
check "police applies version 2" wait_for 30 acked police 2
check "the director stops" node_stop dir
check "youth work starts again" node_start youth
check "police approves the share" wn police share approve 1
waiting() { peer_field police youth last_error | grep -q "^waiting: disclosure under matrix version 2, this node holds 1"; }
check "police's peer list says why its disclosure to youth work waits" wait_for 60 waiting
check "  while it is queued" test "$(peer_field police youth queued)" -gt 0
got() { wn youth --json data list 2>/dev/null | grep -c "MK-late"; }
check "  and youth work does not have it yet" test "$(got)" = 0
check "the director is back" node_start dir
check "youth work gets version 2" wait_for 60 holds youth 2
check "the disclosure goes through" wait_for 60 field_is police youth queued 0
check "  youth work has it" test "$(got)" -ge 1
# the receipt that took it deferred nothing: the reason it waited is past
not_waiting() { local e; e=$(peer_field police youth last_error) || return 1
	case $e in "waiting: "*) return 1 ;; esac; }
check "  and police's peer list no longer says it waits" not_waiting
wn_done
