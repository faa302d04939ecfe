#!/usr/bin/env bash
# test_case_life.sh - a case's life with real nodes: the director moves a
# person case through every stage to closed; every member's `case show`
# holds the steps in order, with the reason only where the matrix gives
# its role view of deliberation (police and youth work: view; community
# guards: existence, so "reason not shared"); a member invited late gets
# the history; a member's attempt to advance is refused, and so is going
# back without a reason, closing a closed case, and a CASE_STEP forged by
# a member; a link reaches only the members of both cases (and a member
# invited to the second case later); after the close nothing is shared:
# a share approved after it sends nothing, a new request is refused, a
# disclosure arriving for the closed case is refused; a member removed
# forgets the case's steps and links; `case list` shows each case's stage;
# bad usage of the new commands is refused before any node is asked.
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
POKE="$TOP/$BUILD/tests/tools/wnpoke"
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000
# no periodic chain head takes the sequence number a poke reads
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
S=S-LIFE-jonas

# usage, with no node to ask
NONE=(-d "$WN_T/no-node")
for sub in advance close link; do
	check_exit "case $sub --help" 0 "$WIJKNET" "${NONE[@]}" case $sub --help
	check_out "  prints the usage" '^usage: wijknet case'
done
check_exit "case advance without --to" 2 "$WIJKNET" "${NONE[@]}" case advance c-1
check_exit "case advance --to closed (close takes an outcome)" 2 "$WIJKNET" "${NONE[@]}" case advance c-1 --to closed
check_out "  says to use case close" 'case close'
check_exit "a reason on the command line is a file name, never the reason" 1 \
	"$WIJKNET" "${NONE[@]}" case advance c-1 --to plan --why because
check_out "  (no such file)" 'why-file because: No such file'
check_exit "there is no --reason" 2 "$WIJKNET" "${NONE[@]}" case advance c-1 --to plan --reason because
check_exit "case close without a reason" 2 "$WIJKNET" "${NONE[@]}" case close c-1 --outcome resolved
check_exit "case close with an unknown outcome" 2 "$WIJKNET" "${NONE[@]}" case close c-1 --outcome done --why-file /dev/null
check_out "  names the outcomes" 'resolved handed_over stopped'
check_exit "case link with an unknown relation" 2 "$WIJKNET" "${NONE[@]}" case link c-1 --to c-2 --as cousin
check_exit "an unreadable reason file" 1 "$WIJKNET" "${NONE[@]}" case advance c-1 --to plan --why-file "$WN_T/nothing-here"
check_exit "an empty reason file" 1 "$WIJKNET" "${NONE[@]}" case close c-1 --outcome stopped --why-file /dev/null
check_out "  says it is empty" 'the reason is empty'

check "a federation of a director, police, community guards and youth work" \
	federation dir police:police guards:community_guards youth:youth_work
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 3 ]; }
check "every member applies it" wait_for 60 acked_all
check "police records a signal about the subject" \
	wn police record --subject $S --category signals --field note --value MK-FIELD-police

P=$(wn dir --json case open --type person --subject $S --purpose "referral to the youth chain" \
	--ground consent | json_field case_id)
check "the director opens a person case" test -n "$P"
F=$(wn dir --json case open --type family --subject S-LIFE-family --purpose "support the family" \
	--ground consent | json_field case_id)
check "and a family case" test -n "$F"
for m in police guards; do check "it invites $m to the person case" wn dir case invite "$P" $m; done
check "it invites police to the family case" wn dir case invite "$F" police
# life NODE CASE: the --json rows of `case show`, one a line
life() { wn "$1" --json case show "$2" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]: print(json.dumps(r, sort_keys=True))'; }
member_of() { wn "$1" --json case show "$2" 2>/dev/null | grep -q '"member":true'; }
for m in police guards; do check "  $m knows it is a member" wait_for 60 member_of $m "$P"; done
check "  police knows the family case" wait_for 60 member_of police "$F"

check_exit "a new case stands at signal" 0 wn dir case show "$P"
check_out "  said in words" 'stage: signal'
check_out "  with nothing happened yet" 'nothing yet'

# a member does not move the director's case
check_exit "police tries to advance the case" 1 wn police case advance "$P" --to exploration
check_out "  refused: only the director" "only the case's director \\(dir\\)"
check "  police's case did not move" out_lacks '"kind": "step"' life police "$P"

# the director moves it, a reason for each but analysis
printf 'MK-WHY-explore: signals from three partners\n' >"$WN_T/why1"
printf 'MK-WHY-plan: the analysis\nsays: a plan with actions\n' >"$WN_T/why3"
printf 'MK-WHY-follow: actions agreed\r\n' >"$WN_T/why4"   # a Windows file
printf 'MK-WHY-bad \001 bell\n' >"$WN_T/why-bad"
check_exit "a reason with a control character" 1 wn dir case advance "$P" --to exploration --why-file "$WN_T/why-bad"
check_out "  is refused, saying why" 'the reason holds a control character'
check "  and nothing moved" out_lacks '"kind": "step"' life dir "$P"
check_exit "the director advances to exploration" 0 wn dir case advance "$P" --to exploration --why-file "$WN_T/why1"
check_out "  and says so in words" "^case $P now at exploration \(step 1\); [0-9]+ members? told\$"
check "it asks the members for signals" wn dir case request "$P" --categories signals
check_exit "skipping a stage is refused" 1 wn dir case advance "$P" --to plan
check_out "  one stage at a time" 'stands at exploration: a case advances one stage at a time'
check "it advances to analysis (no reason)" wn dir case advance "$P" --to analysis
check "it advances to plan, the reason from stdin" sh -c \
	"'$WIJKNET' -d '$WN_T/dir' case advance '$P' --to plan --why-file - <'$WN_T/why3'"
check_exit "going back without a reason is refused" 1 wn dir case advance "$P" --to analysis
check_out "  and says why" 'needs a reason'
check "it advances to follow-up" wn dir case advance "$P" --to follow_up --why-file "$WN_T/why4"
check_exit "the director's case show" 0 wn dir --json case show "$P"
check_out "  it stands at follow-up after 4 steps" '"stage":"follow_up".*"steps":4'

# links: the person case is a member's of the family case; only the
# members of both cases (police) learn of it
check_exit "a situation cannot be linked as a family member" 1 \
	wn dir case link "$F" --to "$P" --as family_member
check_out "  refused, saying what the relation links" 'family_member links a person case'
check_exit "the director links the person case to the family case" 0 \
	wn dir --json case link "$P" --to "$F" --as family_member
check_out "  and tells one member: police, the only member of both" '"members_told":1'
check_exit "linking them again is refused" 1 wn dir case link "$F" --to "$P" --as related
check_out "  they are linked already" 'linked already' 
has_link() { life "$1" "$2" | grep -q "\"kind\": \"link\".*\"other\": \"$3\""; }
check "police (member of both) learns of the link" wait_for 60 has_link police "$P" "$F"
check "  and sees it from the family case too" has_link police "$F" "$P"

# a member invited late gets the history, then the close
check "the director invites youth work to the person case" wn dir case invite "$P" youth
steps_are() { [ "$(life "$1" "$P" | grep -c '"kind": "step"')" = "$2" ]; }
check "youth work gets the four steps" wait_for 60 steps_are youth 4
check "  but not the link (not a member of the family case)" out_lacks '"kind": "link"' life youth "$P"
check "guards do not learn of the link" out_lacks '"kind": "link"' life guards "$P"
printf 'MK-WHY-close: handed to the youth chain approach\n' >"$WN_T/why5"
check_exit "closing without an outcome is refused" 2 wn dir case close "$P" --why-file "$WN_T/why5"
check "the director closes the case: handed over" \
	wn dir case close "$P" --outcome handed_over --why-file "$WN_T/why5"
check_exit "closing it again is refused" 1 wn dir case close "$P" --outcome resolved --why-file "$WN_T/why5"
check_out "  it is closed already" 'closed already'
check_exit "advancing the closed case is refused" 1 wn dir case advance "$P" --to follow_up
check_out "  going back from closed needs a reason" 'needs a reason'

for m in police guards youth; do
	check "$m holds the five steps" wait_for 60 steps_are $m 5
done
# step_rows NODE: "step stage outcome reason_shared reason" a line
step_rows() { wn "$1" --json case show "$P" | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r.get("kind") == "step":
        print(r["step"], r["stage"], r["outcome"] or "-", r["reason_shared"], r["by_user"] + "@" + r["by_org"], r["reason"].split(":")[0] or "-")'; }
cat >"$WN_T/want.view" <<'EOF'
1 exploration - True admin@dir MK-WHY-explore
2 analysis - True admin@dir -
3 plan - True admin@dir MK-WHY-plan
4 follow_up - True admin@dir MK-WHY-follow
5 closed handed_over True admin@dir MK-WHY-close
EOF
cat >"$WN_T/want.none" <<'EOF'
1 exploration - False admin@dir -
2 analysis - False admin@dir -
3 plan - False admin@dir -
4 follow_up - False admin@dir -
5 closed handed_over False admin@dir -
EOF
for m in police youth; do
	check "$m (deliberation: view) has every step in order, with its reason" \
		diff "$WN_T/want.view" <(step_rows $m)
done
check "guards (deliberation: existence) have every step in order, no reason" \
	diff "$WN_T/want.none" <(step_rows guards)
check "the director's own view is the police's" diff "$WN_T/want.view" <(step_rows dir)
check_exit "guards' case show in words" 0 wn guards case show "$P"
check_out "  closed, handed over" 'stage: closed \(handed over\) on [A-Z][a-z]+ +[0-9]+ [A-Z][a-z]+ 20[0-9][0-9]'
check_out "  a step with its date in words" '^  3\. [A-Z][a-z]+ +[0-9]+ [A-Z][a-z]+ 20[0-9][0-9] [0-9:]+  to plan, by admin of dir'
check_out "  and its reason not shared" '^     reason not shared'
check "  no reason anywhere in it" out_lacks 'MK-WHY' cat "$WN_T/out"
check_exit "police's case show in words" 0 wn police case show "$P"
check_out "  the reason, its second line too" 'why: MK-WHY-plan: the analysis'
check_out "  a reason from a Windows file without its CR" 'why: MK-WHY-follow: actions agreed$'
check_out "  ... indented" '^          says: a plan with actions'
check_out "  the link in words" "the person case of a member of family case $F"
check_out "  its members" 'members: dir,guards,police,youth'
check_exit "case list at the director" 0 wn dir case list
check_out "  the person case closed, its outcome in words" "$P.*closed +handed over"
check_out "  the family case at signal" "$F.*signal"
check "  no epoch milliseconds in it" no_epoch wn dir case list
check "  nor in a case show" no_epoch wn police case show "$P"
check "each step is audited at a member" count_is 5 audit_count police case.step
# details NODE ACTION PATTERN: how many of NODE's ACTION records say PATTERN
details() { wn "$1" --json audit show --limit 10000 | /usr/bin/python3 -c '
import json,sys
print(sum(1 for x in json.load(sys.stdin)["rows"] if x["action"] == sys.argv[1] and sys.argv[2] in x["detail"]))' "$2" "$3"; }
check "  at the guards, each came without its reason" count_is 5 details guards case.step "the reason not shared"

# the close stops sharing at every member
closed_at() { wn "$1" --json case show "$P" | grep -q '"stage":"closed"'; }
for m in police guards youth; do check "$m knows the case is closed" wait_for 60 closed_at $m; done
has_share() { wn police --json share list | grep -q '"id":1,'; }
check "police holds the director's request (from before the close)" has_share
seq_before=$(peer_field police dir sent_seq)/$(peer_field police guards sent_seq)/$(peer_field police youth sent_seq)
check_exit "police approves it after the close" 1 wn police share approve 1
check_out "  refused: nothing is shared for a closed case" "case $P is closed: nothing is shared for it"
check "  nothing was queued for anyone" test "$seq_before" = \
	"$(peer_field police dir sent_seq)/$(peer_field police guards sent_seq)/$(peer_field police youth sent_seq)"
check "  nothing was disclosed" count_is 0 audit_count police disclosure.sent
check_exit "share show says why" 0 wn police share show 1
check_out "  the case is closed" 'the case is closed'
check "  no epoch milliseconds in it" no_epoch wn police share show 1
check_exit "the director's new request for the closed case" 1 wn dir case request "$P" --categories signals
check_out "  is refused" 'is closed: nothing is shared for it'

# after the family case's invitation youth work is a member of both
check "the director invites youth work to the family case" wn dir case invite "$F" youth
check "  youth work now learns of the link" wait_for 60 has_link youth "$P" "$F"
check "  guards still do not" out_lacks '"kind": "link"' life guards "$P"

# forged and late messages (the poke signs with police's own key: police's
# real stream to youth work is not used after this)
bundle youth >/dev/null
poke() { local e=() who to
	while [[ $1 == *=* ]]; do e+=("WNPOKE_$1"); shift; done
	who=$1 to=$2; shift 2
	env "${e[@]}" "$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$who" "$WN_T/$to.bundle" "$@"; }
drained() { [ "$(wn police --json peer stats | json_field queued)" = 0 ] &&
	[ "$(wn dir --json peer stats | json_field queued)" = 0 ]; }
check "everything police and the director sent is delivered" wait_for 60 drained
s=$(expected_seq youth police)
check_exit "a CASE_STEP forged by police (a member, not the director)" 0 \
	poke SEQ="$s" police youth step "$P" 6 4
check_out "  is refused with 5 (WN_EDENIED): only the director moves it" \
	"^refused: 5 .*only its director \\(dir\\) moves it"
check "  youth work still holds five steps" steps_are youth 5
s=$(expected_seq youth police)
check_exit "police's disclosure to youth work for the closed case" 0 \
	poke SEQ="$s" MV=1 police youth disclose "$P" $S 2 MK-poke-closed
check_out "  is refused with 5: the case is closed" "^refused: 5 .*closed: nothing is shared for it"
check "  nothing applied" out_lacks MK-poke-closed wn youth --json data list --case "$P"

s=$(expected_seq youth police)
check_exit "a CASE_LINK forged by police, to youth work (a member of both)" 0 \
	poke SEQ="$s" police youth link "$P" "$F" 2
check_out "  is refused with 5: only the director links them" \
	"^refused: 5 .*only the director of both links them"

# the director's own stream to the guards: out of order, again, a reason
# the guards may not keep, a link to a case they are no member of
bundle guards >/dev/null
s=$(expected_seq guards dir)
check_exit "the director's step 8 to the guards, who hold 5" 0 poke SEQ="$s" dir guards step "$P" 8 4
check_out "  waits (13, WN_EBUSY: sent again later), not refused for good" \
	"^refused: 13 .*step 8 of case $P before step 6"
check_exit "  the same number, step 6: reopened to follow-up" 0 poke SEQ="$s" dir guards step "$P" 6 4
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check "  the guards hold six steps" steps_are guards 6
check "  the reason that came is not kept there" out_lacks 'MK-poke-step' life guards "$P"
check "  and the audit says so" count_is 1 details guards case.step "not kept"
check "  reopened there" out_has '"stage": "follow_up"' life guards "$P"
s=$(expected_seq guards dir)
check_exit "step 3 again" 0 poke SEQ="$s" dir guards step "$P" 3 1
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check "  and changes nothing" test "$(life guards "$P" | grep '"step": 3,' | grep -c '"stage": "plan"')" = 1
check "  nor adds a step" steps_are guards 6
s=$(expected_seq guards dir)
check_exit "a link of the director's to the guards, not a member of the family case" 0 \
	poke SEQ="$s" dir guards link "$P" "$F" 0
check_out "  is refused with 5: not a member of both" "^refused: 5 .*not a member of both"
check "  nothing kept" out_lacks '"kind": "link"' life guards "$P"

# a CASE for the closed case (a member removed) leaves it closed there
closed_ms_of() { life "$1" "$P" | /usr/bin/python3 -c '
import json,sys
print(json.loads(sys.stdin.readline()).get("closed_ms", 0))'; }
check "police holds when the case closed" test "$(closed_ms_of police)" -gt 0
check "the director removes youth work from the closed case" wn dir case remove "$P" youth
members_now() { life police "$P" | grep -q '"members": "dir,guards,police"'; }
check "  police learns it" wait_for 60 members_now
check "  and still holds the case closed" test "$(closed_ms_of police)" -gt 0
check_exit "  and shares nothing for it" 1 wn police share approve 1
check "youth work, removed, forgets the case's steps" wait_for 60 steps_are youth 0
check "  and its link" out_lacks '"kind": "link"' life youth "$P"
check "  and audits it" count_is 1 audit_count youth case.forgotten
check "  the family case's link is gone there too" out_lacks '"kind": "link"' life youth "$F"
check "the director's stream to youth work is drained" wait_for 60 drained
bundle youth >/dev/null
s=$(expected_seq youth dir)
check_exit "a link of the director's to youth work, now a member of the family case only" 0 \
	poke SEQ="$s" dir youth link "$P" "$F" 0
check_out "  is refused with 5: not a member of both" "^refused: 5 .*not a member of both"
check "  nothing kept" out_lacks '"kind": "link"' life youth "$F"

# nobody's store holds a reason it may not know
dump() { echo .dump | node_sql "$1" >"$WN_T/$1.dump" && grep -q 'CREATE TABLE case_steps' "$WN_T/$1.dump"; }
check "the guards stop" node_stop guards
check "  their store is decrypted" dump guards
check "  it holds the steps" grep -q 'INSERT INTO "\?case_steps"\? VALUES' "$WN_T/guards.dump"
check "  and no reason" out_lacks 'MK-WHY' cat "$WN_T/guards.dump"
check "youth work stops" node_stop youth
check "  its store is decrypted" dump youth
check "  it holds no reason (removed: forgotten)" out_lacks 'MK-WHY' cat "$WN_T/youth.dump"
check "police stops" node_stop police
check "  its store is decrypted" dump police
check "  and there the reasons are (the search finds what is there)" grep -q 'MK-WHY-close' "$WN_T/police.dump"
wn_done
