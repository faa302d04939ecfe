#!/usr/bin/env bash
# test_receiver.sh - what PROTOCOL.md says a receiver checks, with a
# hostile peer (wnpoke) that holds a member's real keys and so gets past
# the sender and signature checks: each refusal comes with the code the
# spec defines, and nothing of it is applied. A well-formed control of
# each poke is accepted, so a refusal is for the reason named.
#  - the time window (+-10 min) and "`to` is us", of an envelope and of a
#    batch's manifest (a manifest that is not ours or not now refuses the
#    whole transfer with an ERROR; envelopes whose own to/ts do not fit,
#    under a manifest that does, are refused one by one in the receipt);
#  - a DISCLOSURE from a non-member of the case, or to one (a node the
#    director removed: it still knows the case);
#  - a CASE from a node that does not direct cases;
#  - an AMEND sent straight to the field's owner by a member whose role
#    has no edit rights (the owner checks again; the sending node's own
#    check is bypassed).
# Refusal codes: 5 WN_EDENIED (PROTOCOL.md "Error codes").
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
S=S-receiver

check "a federation: a director, police, youth work, guards, a second municipality" \
	federation dir police:police youth:youth_work guards:community_guards town:municipality
for n in police youth guards town; do bundle $n >/dev/null; done
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"acked_version":1,"current":true' | wc -l)" = 4 ]; }
check "every member applies it" wait_for 60 acked_all

# poke [VAR=VALUE...] WHO TO MODE ARGS...: WHO's own keys speak as WHO to
# TO, with wnpoke's variables (WNPOKE_ left out of their names) set
poke() { local e=() who to
	while [[ $1 == *=* ]]; do e+=("WNPOKE_$1"); shift; done
	who=$1 to=$2; shift 2
	env "${e[@]}" "$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$who" "$WN_T/$to.bundle" "$@"; }
# next TO FROM: the next sequence number TO expects from FROM
# (fails when it cannot be read: see expected_seq in lib.sh)
next() { expected_seq "$1" "$2"; }
# seq_of TO FROM: sets s to that number; as a check, so that a poke's
# number is known fresh and its refusal cannot be for a replay
seq_of() { s=$(expected_seq "$1" "$2"); }
# applied TO FROM: how many of FROM's DATA messages TO applied
applied() { wn "$1" --json peer received "$2" | json_field count; }
# check_refused NAME N CODE: the receipt in $WN_T/out (the last answer)
# refused exactly N envelopes, each with CODE
check_refused() {
	if [ "$(grep -c '^refused: ' "$WN_T/out")" = "$2" ] &&
		[ "$(grep -c "^refused: $3 " "$WN_T/out")" = "$2" ]; then ok "$1"; else
		not_ok "$1: not $2 refusals with code $3 in:"; sed 's/^/    /' "$WN_T/out"; fi; }
# nothing_applied TO FROM COUNT SEQ: TO still holds COUNT of FROM's DATA
# messages, and expects SEQ next
# (both read and checked: a failed CLI is no match)
nothing_applied() { local a n
	a=$(applied "$1" "$2") && n=$(next "$1" "$2") && [[ $a =~ ^[0-9]+$ ]] &&
		test "$a" = "$3" && test "$n" = "$4"; }

# ---- the time window and the recipient (police's keys, to guards; nothing
# else goes from police to guards while these run) ----------------------
# fresh: what guards holds from police now (a refused poke leaves it)
# (fails when either cannot be read: every use is a check)
fresh() { a=$(applied guards police) && s=$(next guards police) && [[ $a =~ ^[0-9]+$ ]]; }
M=60000
check "guards has applied police's DATA so far" fresh
check_exit "an envelope addressed to dir" 0 poke TO=dir police guards data "$s"
check_out "  refused in a receipt for police" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
check "  nothing applied" nothing_applied guards police "$a" "$s"
for off in $((11 * M)) -$((11 * M)); do
	check "what guards holds from police is read" fresh
	check_exit "an envelope $off ms off the clock" 0 poke TS_OFFSET_MS=$off police guards data "$s"
	check_out "  refused in a receipt for police" '^RECEIPT accepted=0 refused=1$'
	check_refused "  with code 5" 1 5
	check "  nothing applied" nothing_applied guards police "$a" "$s"
done

# a batch: the manifest's own to and ts
check "what guards holds from police is read" fresh
check_exit "a batch whose manifest is addressed to dir (its envelopes to guards)" 0 \
	poke MANIFEST_TO=dir police guards batch "$s"
check_out "  the whole transfer refused, as not authenticated (a replay of it tells no more)" '^ERROR 4 not authenticated$'
check "  nothing applied" nothing_applied guards police "$a" "$s"
for off in $((11 * M)) -$((11 * M)); do
	check "what guards holds from police is read" fresh
	check_exit "a batch whose manifest is $off ms off the clock (its envelopes now)" 0 \
		poke MANIFEST_TS_OFFSET_MS=$off police guards batch "$s"
	check_out "  the whole transfer refused, as not authenticated (a replay of it tells no more)" '^ERROR 4 not authenticated$'
	check "  nothing applied" nothing_applied guards police "$a" "$s"
done
# ... and its envelopes' to and ts under a manifest that fits
check "what guards holds from police is read" fresh
check_exit "a batch for guards, now, of two envelopes addressed to dir" 0 \
	poke TO=dir police guards batch "$s"
check_out "  both refused in the receipt" '^RECEIPT accepted=0 refused=2$'
check_refused "  with code 5" 2 5
check "  nothing applied" nothing_applied guards police "$a" "$s"
for off in $((11 * M)) -$((11 * M)); do
	check "what guards holds from police is read" fresh
	check_exit "a batch for guards, now, of two envelopes $off ms off the clock" 0 \
		poke TS_OFFSET_MS=$off police guards batch "$s"
	check_out "  both refused in the receipt" '^RECEIPT accepted=0 refused=2$'
	check_refused "  with code 5" 2 5
	check "  nothing applied" nothing_applied guards police "$a" "$s"
done
# controls: inside the window, and a batch that fits, are applied
check "what guards holds from police is read" fresh
check_exit "an envelope 9 minutes ahead" 0 poke TS_OFFSET_MS=$((9 * M)) police guards data "$s"
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check_exit "an envelope 9 minutes behind" 0 poke TS_OFFSET_MS=-$((9 * M)) police guards data $((s + 1))
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check_exit "a batch for guards, now, whose manifest is 9 minutes behind" 0 \
	poke MANIFEST_TS_OFFSET_MS=-$((9 * M)) police guards batch $((s + 2))
check_out "  is accepted" '^RECEIPT accepted=2 refused=0$'
check "  all four applied" nothing_applied guards police $((a + 4)) $((s + 4))

# ---- a case: police, youth work, town members; guards invited, removed --
check "police records a signal" wn police record --subject $S --category signals --field note --value MK-police-signal
C=$(wn dir --json case open --type situation --subject $S --purpose "the nuisance at the square" \
	--ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
is_member() { wn "$1" --json case show "$C" | grep -q '"member":true'; }
knows_not_member() { wn "$1" --json case show "$C" | grep -q '"member":false'; }
for m in police youth town guards; do
	check "it invites $m" wn dir case invite "$C" $m
	check "  $m knows it is a member" wait_for 60 is_member $m
done
check "the director removes guards" wn dir case remove "$C" guards
check "  guards knows the case, as no longer a member" wait_for 60 knows_not_member guards
check "the director asks for signals" wn dir case request "$C" --categories signals
has_share() { wn police --json share list | grep -q '"id":1,'; }
check "police gets the request" wait_for 60 has_share
check "police approves" wn police share approve 1
got() { wn "$1" --json data list --case "$C" 2>/dev/null | grep -q "\"value\":\"$2\""; }
for m in youth town; do check "$m gets police's signal" wait_for 60 got $m MK-police-signal; done
drained() { local n; for n in dir police youth guards town; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained

# ---- disclosures: both ends must be current members (mv 1: the matrix in
# force; signals: police, youth work and guards may view) ----------------
check "police's next sequence number on youth is read" seq_of youth police
check_exit "police's disclosure to youth work (a member): the control" 0 \
	poke MV=1 SEQ="$s" police youth disclose "$C" $S 2 MK-poke-youth
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check "  and applied" got youth MK-poke-youth
check "police's next sequence number on guards is read" seq_of guards police
check_exit "police's disclosure to guards (removed from the case)" 0 \
	poke MV=1 SEQ="$s" police guards disclose "$C" $S 2 MK-poke-guards
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
check "  nothing applied" out_lacks MK-poke-guards wn guards --json data list --case "$C"
check "guards's next sequence number on police is read" seq_of police guards
check_exit "guards' disclosure to police (guards removed from the case)" 0 \
	poke MV=1 SEQ="$s" guards police disclose "$C" $S 2 MK-poke-from-guards
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
check "  nothing applied" out_lacks MK-poke-from-guards wn police --json data list --case "$C"

# ---- a CASE only from the node that directs it -------------------------
cases_of() { wn "$1" --json case list; }
check "police's next sequence number on youth is read" seq_of youth police
check_exit "police (not directing) sends youth work a CASE it names itself director of" 0 \
	poke SEQ="$s" police youth case C-police $S police youth
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
check "  nothing applied: youth work holds no such case" out_lacks C-police wn youth --json case list
check "police's next sequence number on youth is read" seq_of youth police
check_exit "police sends youth work the director's case, with youth work left out" 0 \
	poke SEQ="$s" DIRECTOR=dir police youth case "$C" $S police
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
check "  nothing applied: youth work is still a member" is_member youth
check "  and holds police's signal" got youth MK-police-signal

# ---- the owner checks an amendment again ------------------------------
fid() { wn "$1" --json data list --case "$C" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["from"]=="police" and r["value"]=="MK-police-signal": print(r["field_id"])'; }
f=$(fid youth)
check "youth work holds police's signal as field $f" test -n "$f"
check "town holds it as the same field" test "$(fid town)" = "$f"
check_exit "youth work (view on signals) may not amend it through its node" 1 \
	wn youth data amend --case "$C" --from police --field "$f" --value AMENDED-by-youth
check "youth's next sequence number on police is read" seq_of police youth
check_exit "youth work's AMEND sent straight to police, past its node's check" 0 \
	poke SEQ="$s" youth police amend "$C" "$f" AMENDED-by-youth
check_out "  is refused by the owner" '^RECEIPT accepted=0 refused=1$'
check_refused "  with code 5" 1 5
wn police record list --subject $S >"$WN_T/records"
cp "$WN_T/records" "$WN_T/out"
check_out "  police's field is unchanged" 'MK-police-signal'
check "  and holds no amendment" out_lacks AMENDED wn police record list --subject $S
check "town's next sequence number on police is read" seq_of police town
check_exit "town's AMEND (municipality: edit on signals) sent the same way: the control" 0 \
	poke SEQ="$s" town police amend "$C" "$f" AMENDED-by-town
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
wn police record list --subject $S >"$WN_T/out"
check_out "  and applied" 'AMENDED-by-town'

for n in guards town youth police dir; do check "$n stops cleanly" node_stop $n; done
wn_done
