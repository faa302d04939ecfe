#!/usr/bin/env bash
# test_matrix_queued.sh - an envelope names the matrix version its sender
# held when it queued the message, not when it sent it:
#  - the lead director answers a request in a case another municipality
#    (enrolled with --directs) directs while housing is away, then
#    publishes a new matrix: the DISCLOSURE for housing waits in its queue
#    before the MATRIX, and the director restarts (what it had sealed for
#    housing is gone: it seals both again). Back, housing takes both, in
#    order: the disclosure
#    made under the version it holds, then the new version (before, the
#    disclosure went out naming the new version, housing deferred it, and
#    the MATRIX behind it waited for ever);
#  - nothing the director sent housing was refused or is left queued.
. "$(dirname "$0")/lib.sh"
S=S-mvq-1

check "a federation of the director, police and housing" federation dir police:police housing:housing
check "a second municipality joins, enrolled to direct cases" join_directing muni
for m in police housing; do check "it learns of $m" wait_for 60 peer_known muni $m; done
check "housing learns of it" wait_for 60 peer_known housing muni
check "the director publishes the matrix (version 1)" wn dir matrix publish "$WN_T/dir.matrix"
acked() { wn dir --json matrix show | grep -q "\"org_id\":\"$1\",\"acked_version\":$2"; }
for m in police housing muni; do check "$m applies it" wait_for 60 acked $m 1; done

check "the director holds a note about the subject" \
	wn dir record --subject $S --category signals --field note --value MVQ-dir-note
C=$(wn muni --json case open --type situation --subject $S --purpose "end the nuisance at the station" \
	--ground consent | json_field case_id)
check "the second municipality opens a case" test -n "$C"
for m in dir housing; do check "it invites $m" wn muni case invite "$C" $m; done
member_of() { wn "$1" --json case show "$2" 2>/dev/null | grep -q '"member":true'; }
for m in dir housing; do check "$m knows it is a member" wait_for 60 member_of $m "$C"; done

check "housing stops" node_stop housing
check "the second municipality asks for signals" wn muni case request "$C" --categories signals
has_share() { wn dir --json share list | grep -q '"id":1,'; }
check "the director gets the request" wait_for 60 has_share
check_exit "the director approves it" 0 wn dir --json share approve 1
check_out "  which sends fields" '"fields_sent":[1-9]'
check "  one waits for housing" test "$(peer_field dir housing queued)" -ge 1
check "the director publishes version 2 at once" wn dir matrix publish "$WN_T/dir.matrix"
check "  queued for housing behind the disclosure" test "$(peer_field dir housing queued)" -ge 2

# what the director sealed for housing before (and holds in flight while
# housing is away) goes with the process: sealed again from the queue
check "the director stops" node_stop dir
check "  and starts again" node_start dir
check "housing starts again" node_start housing
check "housing applies version 2" wait_for 120 acked housing 2
check "the director's queue for housing drains" wait_for 120 field_is dir housing queued 0
holds() { wn "$1" --json data list | grep -q "\"value\":\"$2\""; }
check "housing holds the director's note" holds housing MVQ-dir-note
check "  and the second municipality too" wait_for 60 holds muni MVQ-dir-note
check "housing refused nothing" count_is 0 audit_count housing peer.refused
check "the director's deliveries to housing were never refused for good" \
	count_is 0 audit_count dir peer.delivery_refused
wn_done
