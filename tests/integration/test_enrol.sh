#!/usr/bin/env bash
# test_enrol.sh - enrolment needs the fingerprint the partner read aloud:
# `peer add --fingerprint FP` with an FP that is not the bundle's is
# refused and enrols nothing, on the director and on a member; a bundle
# whose keys were altered (its own fingerprint line no longer matches) is
# refused too; and the node checks the fingerprint again itself: a
# peer.add request whose fingerprint does not match its keys is refused
# with WN_EDENIED (5, PROTOCOL.md "Error codes"), the same request with the
# right one is enrolled.
. "$(dirname "$0")/lib.sh"
ctl_raw() { /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/$1/control.sock" "${@:2}"; }
# peers NODE: how many peers NODE has enrolled or learnt (fails on a CLI error)
peers() {
	local out
	out=$(wn "$1" --json peer list) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rows"]))'
}
# charters NODE: how many charters NODE's audit says it published
charters() {
	local out
	out=$(wn "$1" audit show --limit 1000) || return 1
	printf '%s\n' "$out" | grep -c 'charter\.published'
}

check_exit "director init" 0 node_init dir municipality
dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
check_exit "member init" 0 node_init_member police "$dkey"
check_exit "another member's init (its fingerprint is a real one, not police's)" 0 node_init_member guards "$dkey"
check "director starts" node_start dir
check "police starts" node_start police
dfp=$(bundle dir); pfp=$(bundle police); gfp=$(bundle guards)
check "three distinct fingerprints" test -n "$dfp" -a -n "$pfp" -a -n "$gfp" -a "$pfp" != "$gfp" -a "$dfp" != "$gfp"
c0=$(charters dir)

# --- the CLI: a fingerprint that is not the bundle's
check_exit "the director: peer add police.bundle --fingerprint <guards' fingerprint>" 1 \
	wn dir peer add "$WN_T/police.bundle" --fingerprint "$gfp"
check_out "  is refused: the fingerprints differ" 'fingerprints differ: not enrolled'
check "  nothing is enrolled" test "$(peers dir)" = 0
check "  and no charter published" test "$(charters dir)" = "$c0"
check_exit "the same from stdin" 1 \
	bash -c "'$WIJKNET' -d '$WN_T/dir' peer add - --fingerprint '$gfp' <'$WN_T/police.bundle'"
check_out "  is refused: the fingerprints differ (not for an empty or unread stdin)" 'fingerprints differ: not enrolled'
check "  nothing is enrolled" test "$(peers dir)" = 0
# police's fingerprint with its first character changed
case $pfp in A*) wrongone=B${pfp#?} ;; *) wrongone=A${pfp#?} ;; esac
check_exit "police's fingerprint with one character changed" 1 \
	wn dir peer add "$WN_T/police.bundle" --fingerprint "$wrongone"
check "  nothing is enrolled" test "$(peers dir)" = 0
check_exit "a member: peer add dir.bundle --fingerprint <police's own>" 1 \
	wn police peer add "$WN_T/dir.bundle" --fingerprint "$pfp"
check_out "  is refused: the fingerprints differ" 'fingerprints differ: not enrolled'
check "  the member enrols nothing" test "$(peers police)" = 0

# --- a bundle whose key was altered: its fingerprint line betrays it
sed "s/^sign_key = .*/sign_key = $(sed -n 's/^sign_key = //p' "$WN_T/guards.bundle")/" \
	"$WN_T/police.bundle" >"$WN_T/altered.bundle"
check_exit "a bundle with guards' key under police's fingerprint" 1 \
	wn dir peer add "$WN_T/altered.bundle" --fingerprint "$pfp"
check_out "  is refused as altered" 'does not match its keys: it was altered'
check "  nothing is enrolled" test "$(peers dir)" = 0

# --- the node checks again: a peer.add whose fingerprint is not its keys'
kv() { sed -n "s/^$2 = //p" "$WN_T/$1.bundle"; }
add_req() { # NODE BUNDLE FP
	ctl_raw "$1" peer.add org_id="$(kv "$2" org_id)" name="Node $2" role="$(kv "$2" role)" \
		endpoint="$(kv "$2" endpoint)" sign_key="$(kv "$2" sign_key)" kx_key="$(kv "$2" kx_key)" \
		fingerprint="$3" directs=no
}
add_req dir police "$gfp" >"$WN_T/out" 2>&1
check_out "the director's node refuses a peer.add with guards' fingerprint for police's keys: WN_EDENIED (5)" '^5 '
check "  nothing is enrolled" test "$(peers dir)" = 0
check "  and no charter published" test "$(charters dir)" = "$c0"
add_req police dir "$pfp" >"$WN_T/out" 2>&1
check_out "police's node refuses the director's keys under another fingerprint: WN_EDENIED (5)" '^5 '
check "  nothing is enrolled" test "$(peers police)" = 0

# --- the right fingerprint enrols (the refusals above were for the
# fingerprint alone): the bundle on stdin, as refused above, with the
# fingerprint typed in lower case without dashes on the CLI, and exactly
# over the control socket
check_exit "the director enrols police from stdin with the right fingerprint, typed loosely" 0 \
	bash -c "'$WIJKNET' -d '$WN_T/dir' peer add - --fingerprint '$(printf '%s' "$pfp" | tr -d - | tr 'A-Z' 'a-z')' <'$WN_T/police.bundle'"
check "  police is enrolled" test "$(peers dir)" = 1
check "  and a charter published" test "$(charters dir)" -gt "$c0"
add_req police dir "$dfp" >"$WN_T/out" 2>&1
check_out "police's node takes the same request with the director's fingerprint" '^0 '
check "  the director is enrolled" wait_for 30 peer_known police dir
check "police stops" node_stop police
check "director stops" node_stop dir
wn_done
