#!/usr/bin/env bash
# test_token_rotate.sh - the rotation of the federation's token key (issue
# 11), with real nodes: a director (a municipality), police and welfare.
#  - before: police holds Élise as "elise" and Jan as "jan", welfare
#    Élise as "e-vdb": one token for her at both; each registers a
#    concern on her, the director holds the match and opens a case on it;
#    the director's daily limit (2 a member) is used up by police;
#  - the director rotates (subject key rotate): a new key; the old one is
#    kept; both members re-derive their subjects by themselves although
#    police's daily limit is used up (a re-derivation of what it holds),
#    while a new subject of police's is still refused by the limit;
#    Élise has one new token at both, not the old one;
#  - the case follows her new token at the director (its fingerprint),
#    each member still finds its own subject in it, and it still shares:
#    police's signals reach welfare, on its own e-vdb; the match still
#    holds at both members and at the director, on the new token;
#  - subject key status shows how far each node is, in plain words;
#  - the director finishes the rotation: the old key is destroyed (its
#    secret in no page of the decrypted store), the members are told;
#    moves naming the old key (wnpoke) are refused, saying the key was
#    destroyed; a concern on her old token is refused the same way;
#  - the director's decrypted store, log and audit log hold no form of
#    Élise's identifier (the search of test_case_tokens.sh).
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
export WIJKNET_TEST_RX_WAIT_MS=30000 WNPOKE_TIMEOUT_MS=120000

check "a federation of the director, police and welfare" \
	federation dir police:police welfare:welfare
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked_all
check "the director stops" node_stop dir
check "  its daily limit is set to 2 tokens a member" set_conf dir token_daily_limit 2
check "  and it starts again" node_start dir

state() { wn "$1" --json subject show "$2" | json_field state; }
token() { wn "$1" --json subject show "$2" | json_field token; }
key_of() { wn "$1" --json subject show "$2" | json_field epoch; }
has_state() { [ "$(state "$1" "$2")" = "$3" ]; }

check "police records Élise Van den Broeck as elise" wn police subject add elise \
	--person --family "Van den Broeck" --given "Élise" --born 2011-04-03
check "police records Jan Van den Broeck as jan" wn police subject add jan \
	--family "Van den Broeck" --given Jan --born 2011-04-03
check "welfare records her as 'vandenbroeck, elise', e-vdb" wn welfare subject add e-vdb \
	--name "vandenbroeck, elise" --born 03-04-2011
check "the director records Anna Pieters from its own files" wn dir subject add anna \
	--family Pieters --given Anna --born 1990-12-01
for s in "police elise" "police jan" "welfare e-vdb" "dir anna"; do
	check "$s gets its token" wait_for 120 has_state $s token
done
T=$(token police elise)
TJ=$(token police jan)
check "both members hold one token for her" test "$T" = "$(token welfare e-vdb)"
K1=$(wn dir --json subject key status | json_field key)
check "the director's key is the key of her token ($K1)" test "$K1" = "$(key_of police elise)"

check "police records signals on elise" wn police record --subject elise --category signals --field note --value TK-police-signals
SOON=$(date -u -d "+30 days" +%F)
check "police registers a concern on elise" wn police concern add --subject elise \
	--contact "Wijkinspecteur Tom Wouters, 014 21 33 90" --until "$SOON"
check "welfare registers one on e-vdb" wn welfare concern add --subject e-vdb \
	--contact "Lies Aerts, 014 44 55 66" --until "$SOON"
held_fp() { wn dir --json concern held | /usr/bin/python3 -c '
import json,sys
print(*sorted({r["match"] for r in json.load(sys.stdin)["rows"]}))'; }
held_n() { wn dir --json concern held | grep -o '"partner"' | wc -l; }
check "the director holds the match of the two" wait_for 60 count_is 2 held_n
M=$(held_fp)
matches() { wn "$1" --json concern matches | /usr/bin/python3 -c '
import json,sys
print(*sorted(r["partner"] for r in json.load(sys.stdin)["rows"]))'; }
check "police is told of welfare" wait_for 60 count_is welfare matches police
check "welfare is told of police" wait_for 60 count_is police matches welfare
C=$(wn dir --json concern case "$M" --type person --purpose "coordinate support" --ground consent | json_field case_id)
check "the director opens a case on the match" test -n "$C"
case_subject() { wn "$1" --json case list | /usr/bin/python3 -c '
import json,sys
print(*[r["subject"] for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1] and r["member"]])' "$2"; }
dir_subject() { wn dir --json case list | /usr/bin/python3 -c '
import json,sys
print(*[r["subject"] for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1]])' "$1"; }
check "police finds its own elise in it" wait_for 60 count_is elise case_subject police "$C"
check "welfare finds its own e-vdb in it" wait_for 60 count_is e-vdb case_subject welfare "$C"
check "the director shows it on the match's fingerprint" count_is "token $M" dir_subject "$C"
check_exit "a third subject of police's today is past the limit" 0 wn police subject add piet \
	--family Peeters --given Piet --born 1980-01-01
check "  and refused" wait_for 120 has_state police piet refused

# --- the rotation
# the old key's secret, read from the stopped director's store into a
# file of this test's folder (never printed), to look for it at the end
check "the director stops" node_stop dir
echo "SELECT hex(sk) FROM subject_keys;" | node_sql dir 2>/dev/null | grep -x '[0-9A-F]\{64\}' >"$WN_T/oldsk"
check "  its one key is read" test "$(grep -c . "$WN_T/oldsk")" = 1
check "  and it starts again" node_start dir
check_exit "a member cannot rotate the key" 1 wn police subject key rotate
check_out "  saying so" "only the federation's director"
check_exit "the director rotates its key, the old kept 3 days" 0 wn dir subject key rotate --days 3
check_out "  saying so, in plain words" "the federation's token key is now key [0-9]+; key $K1 is kept until .*, then destroyed"
check_out "  its own subject re-derived at once" "1 subject of this node re-derived"
K2=$(wn dir --json subject key status | json_field key)
check "  a new key ($K2)" test -n "$K2" -a "$K2" != "$K1"
check "  the director's own anna holds a token of it" test "$(key_of dir anna)" = "$K2"
check_exit "a second rotation while one is open is refused" 1 wn dir subject key rotate
check_out "  saying so" "a rotation is open: key $K1 is destroyed on"
rederived() { [ "$(key_of "$1" "$2")" = "$K2" ]; }
check "police re-derives elise under the new key, its daily limit used up" wait_for 120 rederived police elise
check "  and jan" wait_for 120 rederived police jan
check "welfare re-derives e-vdb" wait_for 120 rederived welfare e-vdb
T2=$(token police elise)
check "her new token is one at both members" test "$T2" = "$(token welfare e-vdb)"
check "  and not the old one" test "$T2" != "$T"
check "  jan's too changed" test "$TJ" != "$(token police jan)"
check "police's piet is still refused: the limit holds for new subjects" has_state police piet refused
status_has() { wn "$1" subject key status | grep -Eq "$2"; }
check "police's status says how far it is" \
	wait_for 60 status_has police "a rotation is open: tokens are of key $K2, key $K1 is destroyed on .*; 2 of 2 subjects here re-derived, 0 to go"
check "  --wait returns once nothing is left" out_has "2 of 2 subjects here re-derived" wn police subject key status --wait

# --- cases, concerns and matches carried over
newfp() { wn dir --json concern held | /usr/bin/python3 -c '
import json,sys
print(*sorted({r["match"] for r in json.load(sys.stdin)["rows"]}))'; }
moved() { local fp; fp=$(newfp); [ -n "$fp" ] && [ "$fp" != "$M" ] && [ "$(held_n)" = 2 ]; }
check "the director's held concerns moved to the new token, both" wait_for 60 moved
M2=$(newfp)
check "the director's case follows her new token" wait_for 60 count_is "token $M2" dir_subject "$C"
check "  no longer the old one" test "$(dir_subject "$C")" != "token $M"
check "police still finds its own elise in the case" count_is elise case_subject police "$C"
check "welfare still finds its own e-vdb in it" count_is e-vdb case_subject welfare "$C"
check "police's match still holds" count_is welfare matches police
check "welfare's match still holds" count_is police matches welfare
# the first of the two members to name her moves moves the case; the
# other finds it moved: the case moved once, each member's concern once
check "the director's audit says what police moved: its two subjects, its concern" \
	out_has "subject.tokens_moved +police +2 tokens of key $K1 named under key $K2: [01] cases and 1 concerns moved" wn dir audit show --limit 10000
check "  and what welfare moved: its one subject, its concern" \
	out_has "subject.tokens_moved +welfare +1 tokens of key $K1 named under key $K2: [01] cases and 1 concerns moved" wn dir audit show --limit 10000
cases_moved() { wn dir audit show --limit 10000 | grep -c "subject.tokens_moved .*: 1 cases and"; }
check "  the case moved once, by the first of them" count_is 1 cases_moved
check "  never the token" out_lacks "$T|$T2" wn dir --json audit show --limit 10000

check "the director asks for signals in the case" wn dir case request "$C" --categories signals
has_share() { wn police --json share list | grep -q "\"case_id\":\"$C\""; }
check "police gets the request" wait_for 60 has_share
SP=$(wn police --json share list | json_field id)
check "police approves" wn police share approve "$SP"
got() { wn "$1" --json data list | /usr/bin/python3 -c '
import json,sys
print(" ".join(sorted("%s:%s:%s" % (r["from"], r["subject"], r["value"])
    for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1])))' "$2"; }
check "welfare gets police's signals, on its own e-vdb" \
	wait_for 60 count_is "police:e-vdb:TK-police-signals" got welfare "$C"

# --- the end of the transition: the old key destroyed, its tokens refused
check_exit "a member cannot finish it" 1 wn police subject key finish
check_exit "the director finishes the rotation" 0 wn dir subject key finish
check_out "  saying so" "token key $K1 destroyed; tokens are of key $K2 from now on, and those of key $K1 are refused"
check_exit "  a second time there is nothing to finish" 1 wn dir subject key finish
check_out "  saying so" "no rotation is open"
check "the director's status names the destroyed key" \
	status_has dir "tokens are of key $K2; no rotation is open; key $K1 was destroyed on"
check "police is told" wait_for 60 status_has police "key $K1 was destroyed on"
check "welfare is told" wait_for 60 status_has welfare "key $K1 was destroyed on"
check_exit "the director cannot open a case on her old token" 1 \
	wn dir case open --type person --token "$T" --purpose "coordinate support" --ground consent
check_out "  saying it is of the destroyed key" "a token of key $K1, destroyed on .*: it names no one any more"
# review L3: a case on a token no subject of a member holds says which
# key that member's tokens are of, and which key was destroyed
C0=$(wn dir --json case open --type person --token-of anna --purpose "debt support" --ground consent | json_field case_id)
check "the director opens a case on its own anna's token, which police does not hold" test -n "$C0"
check "  and invites police" wn dir case invite "$C0" police
has_case() { wn police --json case list | grep -q "\"case_id\":\"$C0\""; }
check "police holds it" wait_for 60 has_case
check "police's case list says no subject there holds its token, and which key its tokens are of" \
	out_has "case $C0, on token [0-9a-f]{8}: no subject here holds this token; this node's tokens are of key $K2; key $K1, destroyed on .*, made tokens that name no one now" wn police case list
check "  not of a case on its own subject" out_lacks "case $C, on" wn police case list
check "the match still holds after the re-matching" count_is welfare matches police
check "  at welfare too" count_is police matches welfare

check "police registers a concern on her old token (by hand)" wn police concern add --token "$T" \
	--contact "Wijkinspecteur Tom Wouters, 014 21 33 90" --until "$SOON"
refused_old() { wn dir audit show --limit 10000 | grep -q "concern 2 of police is on a token of key $K1, destroyed on"; }
check "  the director refuses it, saying the key was destroyed" wait_for 60 refused_old
check "  it holds no concern of police's on it" count_is 2 held_n
POKE="$TOP/$BUILD/tests/tools/wnpoke"
for n in dir; do bundle $n >/dev/null; done
poke() { local who=$1 to=$2; shift 2
	"$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$who" "$WN_T/$to.bundle" "$@"; }
drained() { local n; for n in dir police welfare; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
s=$(expected_seq dir police)
check_exit "police names a move of key $K1 to the director" 0 \
	poke police dir moves "$s" "$K1" "$K2" "$T" "$TJ"
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_out "  saying the key was destroyed" "^refused: 10 .*key $K1 was destroyed on .*: its tokens are refused"
check "  nothing moved: the case stays on her new token" count_is "token $M2" dir_subject "$C"

# --- nothing of Élise at the director, and no old key in its store
wn dir --json audit show --limit 10000 >"$WN_T/dir.audit" || not_ok "the director's audit log is read"
check "the director stops" node_stop dir
plain() {
	local key
	key=$("$TOP/$BUILD/tests/tools/keydump" "$WN_T/$1/node.key" "$WN_T/$1.pass" | sed -n 3p)
	printf '%s\n' "$key" | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" "$WN_T/$1/node.db" >"$WN_T/$1.plain"
}
plain dir
check "the director's store decrypts page by page" grep -q "CREATE TABLE subjects" "$WN_T/dir.plain"
check "  it holds the case on her new token (the search can find one)" grep -aqF "token:$T2" "$WN_T/dir.plain"
# has_key FILE: the key in FILE (hex) is in the decrypted store's pages
has_key() { /usr/bin/python3 -c '
import sys
k = bytes.fromhex(open(sys.argv[1]).read().split()[0])
sys.exit(0 if k in open(sys.argv[2], "rb").read() else 1)' "$1" "$WN_T/dir.plain"; }
echo "SELECT hex(sk) FROM subject_keys;" | node_sql dir 2>/dev/null | grep -x '[0-9A-F]\{64\}' >"$WN_T/newsk"
check "  the new key's secret is in it (the search can find one)" has_key "$WN_T/newsk"
check_exit "  the old key's secret is in no page of it" 1 has_key "$WN_T/oldsk"
keys_left() { echo "SELECT count(*) FROM subject_keys;" | node_sql dir 2>/dev/null | tail -1; }
check "  one key is left in it" count_is 1 keys_left
FORMS=("Élise" "Elise" "Broeck" "vandenbroeck" "van den broeck" "vandenbroeck, elise"
	"person:vandenbroeck/elise/2011-04-03" "person:vandenbroeck/jan/2011-04-03" "2011-04-03" "03-04-2011" "e-vdb" "elise")
printf '%s\n' "${FORMS[@]}" | "$TOP/$BUILD/tests/tools/oprfh" >"$WN_T/forms.h2g" ||
	not_ok "the forms' input elements are computed"
/usr/bin/python3 - "$WN_T/forms" "$WN_T/forms.h2g" "${FORMS[@]}" <<'EOF'
import hashlib, sys, unicodedata
out, h2g, forms = sys.argv[1], sys.argv[2], sys.argv[3:]
pats = []
for h in open(h2g).read().split():
    pats.append(bytes.fromhex(h))
    pats.append(h.encode())
for f in forms:
    for v in {f, unicodedata.normalize("NFC", f), unicodedata.normalize("NFD", f), f.lower()}:
        b = v.encode()
        pats.append(b)
        for h in (hashlib.sha256(b), hashlib.sha512(b), hashlib.blake2b(b, digest_size=32),
                  hashlib.blake2b(b)):
            pats.append(h.digest())
            pats.append(h.hexdigest().encode())
with open(out, "wb") as o:
    o.write(b"\n".join(p.hex().encode() for p in pats))
EOF
found() {
	/usr/bin/python3 - "$WN_T/forms" "$@" <<'EOF'
import sys
pats = [bytes.fromhex(l) for l in open(sys.argv[1]).read().split()]
data = b"".join(open(f, "rb").read() for f in sys.argv[2:])
low = data.lower()
hit = [p for p in pats if p in data or (p.isascii() and p.lower() in low)]
print(len(hit))
for p in hit[:5]:
    print("found:", p[:40], file=sys.stderr)
EOF
}
check "police stops" node_stop police
plain police
N=$(found "$WN_T/police.plain" 2>/dev/null)
check "the search finds her forms in police's store, which holds her ($N)" test "${N:-0}" -gt 0
check "none of her forms in the director's store, log or audit log" \
	count_is 0 found "$WN_T/dir.plain" "$WN_T/dir.log" "$WN_T/dir.audit"
wn_done
