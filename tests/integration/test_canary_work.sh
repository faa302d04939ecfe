#!/usr/bin/env bash
# test_canary_work.sh - the canary test of case work, in the spirit of
# test_need.sh: unique markers are planted in the subjects (and free text)
# of signals and in the result notes of actions; a case runs; then every
# node's store is decrypted and searched. Each marker is found exactly on
# the nodes the matrix and the case allow, and is found there (so the test
# cannot pass because nothing was sent):
#  - a signal's subjects and text stay on the node that recorded it; its
#    summary (when, area, category; no subject) reaches the director, which
#    the director's `signal list --received` shows;
#  - an action's result note reaches the director and the members whose
#    role the matrix gives view of actions (police), not one with
#    existence only (housing, unless it owns the action), not one with
#    none (youth work, unless it owns the action), and not a node that is
#    no member of the case (guards);
#  - every node logs at debug level, one event a line, key=value, and no
#    marker is in any log.
# every node captures the transfers it sends and receives (searched below)
WN_CAPTURE=1 WN_LOG_LEVEL=debug
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
NODES="dir police housing youth guards"

check "a federation of five nodes" federation dir police:police housing:housing youth:youth_work guards:community_guards
# the Neteland matrix, but in a situation youth work gets nothing of the
# actions and housing only their existence
sed -e '/^\[situation\]/,/^\[person\]/{s/^actions = .*/actions = municipality:edit police:view housing:existence/}' \
	"$WN_T/dir.matrix" >"$WN_T/work.matrix"
check "the test's matrix says so" grep -qx 'actions = municipality:edit police:view housing:existence' "$WN_T/work.matrix"
check "the director publishes it" wn dir matrix publish "$WN_T/work.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 4 ]; }
check "every member applies it" wait_for 60 acked_all

# --- signals, each with markers in its subjects and its text
for n in police housing youth guards; do
	printf 'CW-TEXT-%s shouting at the square every night\n' $n >"$WN_T/text.$n"
	check "$n records a signal with marked subjects and text" \
		wn $n signal add --municipality Herentals --neighbourhood Centrum --street "Grote Markt" \
			--category noise --source "phone line" --text-file "$WN_T/text.$n" \
			--perpetrator "CW-SUBJ-$n-perp" --victim "CW-SUBJ-$n-victim" --reporter "CW-SUBJ-$n-reporter"
done
summaries_from() { [ "$(wn dir --json signal list --received | grep -o "\"from\":\"$1\"" | wc -l)" = 1 ]; }
for n in police housing youth guards; do
	check "the director holds $n's summary (it was sent)" wait_for 60 summaries_from $n
done

# --- a case with actions, and their result notes
C=$(wn dir --json case open --type situation --subject S-canary-square \
	--purpose "end the nuisance at the square" --ground consent | json_field case_id)
check "the director opens a situation case" test -n "$C"
for m in police housing youth; do check "it invites $m" wn dir case invite "$C" $m; done
is_member() { out_has '"member":true' wn "$1" --json case list; }
for m in police housing youth; do check "$m knows it is a member" wait_for 60 is_member $m; done
act() { printf 'CW-ACT-%s\n' "$1" | wn dir --json action add "$C" --owner "$1" \
	--deadline "$(date -d '+14 days' +%Y-%m-%d)" --text-file - | json_field action_id; }
declare -A A
for m in police housing youth; do A[$m]=$(act $m); done
check "the director gives police, housing and youth work an action each" \
	test -n "${A[police]}" -a -n "${A[housing]}" -a -n "${A[youth]}"
holds_action() { wn "$1" --json action list | grep -q "\"action_id\":$2,"; }
for m in police housing youth; do
	check "$m holds its action" wait_for 60 holds_action $m "${A[$m]}"
	check "$m marks it done with a marked result note" sh -c \
		"printf 'CW-NOTE-$m done as agreed\n' | '$WIJKNET' -d '$WN_T/$m' action done ${A[$m]} --note-file -"
done
note_at() { wn "$1" --json action list --all | grep -q "CW-NOTE-$2"; }
for m in police housing youth; do
	check "the director sees $m's result note" wait_for 60 note_at dir $m
done
for m in housing youth; do
	check "police (view of actions) sees $m's result note" wait_for 60 note_at police $m
done
drained() { local n; for n in $NODES; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
for n in $NODES; do
	check "$n refused nothing (the senders' filters held)" count_is 0 audit_count $n peer.refused
done

# --- the search: every store, decrypted
for n in $NODES; do check "$n stops" node_stop $n; done
declare -A want
# subjects and texts: only on the node that recorded the signal
for n in police housing youth guards; do
	want[$n]="CW-SUBJ-$n-perp CW-SUBJ-$n-victim CW-SUBJ-$n-reporter CW-TEXT-$n"
done
want[dir]="CW-NOTE-police CW-NOTE-housing CW-NOTE-youth"
want[police]+=" CW-NOTE-police CW-NOTE-housing CW-NOTE-youth"
want[housing]+=" CW-NOTE-housing"
want[youth]+=" CW-NOTE-youth"
for n in $NODES; do
	echo .dump | node_sql $n >"$WN_T/$n.dump" 2>&1
	check "$n's store decrypts" grep -q 'CREATE TABLE signals' "$WN_T/$n.dump"
	found=$(grep -o 'CW-\(SUBJ-[a-z]*-[a-z]*\|TEXT-[a-z]*\|NOTE-[a-z]*\)' "$WN_T/$n.dump" | sort -u | tr '\n' ' ')
	expect=$(for m in ${want[$n]}; do echo "$m"; done | sort -u | tr '\n' ' ')
	if [ "$found" = "$expect" ]; then ok "$n holds exactly the markers it may: $expect"
	else not_ok "$n holds exactly the markers it may: $expect"; echo "    it holds: ${found:-none}"; fi
done
# not_kv LOG: how many of its lines are not ts=... level=... msg="..."
not_kv() { grep -v '^ts=[0-9-]*T[0-9:.]*Z level=\(error\|warn\|info\|debug\) msg=".*"$' "$1" | wc -l; }
for n in $NODES; do
	check "$n wrote a log" bash -c "test -s '$WN_T/$n.log'"
	check "  ... at debug level: what it applied" grep -q ' level=debug msg="applied ' "$WN_T/$n.log"
	check "  ... every line an event, key=value" count_is 0 not_kv "$WN_T/$n.log"
	check "  ... no marker in it" out_lacks '(^|[^A-Z0-9])CW-(ACT|NOTE|SUBJ|TEXT)' cat "$WN_T/$n.log"
done
cat "$WN_T"/*.wire >"$WN_T/all.wire"
check "the wire capture holds the case ($(stat -c %s "$WN_T/all.wire") bytes)" \
	test "$(stat -c %s "$WN_T/all.wire")" -gt 10000
check "no marker crossed the wire in the clear" bash -c "! grep -aEq 'CW-(ACT|NOTE|SUBJ|TEXT)' '$WN_T/all.wire'"
wn_done
