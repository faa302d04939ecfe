#!/usr/bin/env bash
# test_case_tokens.sh - cases on a subject's token (issue 11), with real
# nodes: a director (a municipality), police and welfare.
#  - police records Élise as "elise" (Van den Broeck, Élise), welfare as
#    "e-vdb" (vandenbroeck, elise; the date in another notation): both get
#    the same token; each registers a concern on her and the director
#    turns the match into a case: its subject is the token, never a name;
#  - each member finds its own subject in the case (case list shows its
#    own reference), and a request shares what each holds on her under its
#    own reference, under its own consent and legal basis: the right
#    fields to the right members at the right level, and nothing about
#    another subject; data list shows each member's own reference;
#  - a consent withdrawn on the member's own subject retracts what left
#    under it in the token case;
#  - her identity and contact (her name, her address) reach the director
#    as existence only, whatever the matrix gives it (view), and welfare,
#    which holds her, as values; a corrected name follows at welfare and
#    stays existence only at the director;
#  - a corrected field, a legal basis withdrawn and a member removed, in
#    the token case, each reach the right subject on each node;
#  - the director opens a case on the token of a subject of its own files
#    (case open --token-of) and welfare, holding her under another
#    spelling, shares for it; police, invited too and holding no subject
#    with that token, shows the token's fingerprint, shares nothing and
#    keeps what it gets on no subject; a subject with no token yet is
#    refused;
#  - a reference that starts as a token does is refused (saying so), and
#    --subject, --token and --token-of are one of three;
#  - with wnpoke: the director refuses a value of an identifying category
#    in the token case (audited; a signal's value is the control), and
#    police refuses a CASE that changes the case's subject (jan's token);
#  - the director's decrypted store, its log, its audit log, the
#    transfers it sent and received and the opened body of every message
#    that reached its applier (not receipts, whose refusal reasons name no
#    subject) hold no form of Élise's identifier, her address among them:
#    plain,
#    folded, canonical, her members' references, or any of these hashed
#    without the secret (SHA-256, SHA-512, BLAKE2b, and the OPRF's input
#    element, HashToGroup, tests/tools/oprfh), as hex or raw bytes;
#    the same search finds them in police's store (it can find them).
# every node captures the transfers it sends and receives (searched below)
WN_CAPTURE=1
. "$(dirname "$0")/lib.sh"
export TZ=Europe/Brussels
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000

check "a federation of the director, police and welfare" \
	federation dir police:police welfare:welfare
check "the director publishes the Neteland matrix" wn dir matrix publish "$WN_T/dir.matrix"
acked_all() { [ "$(wn dir --json matrix show | grep -o '"current":true' | wc -l)" = 2 ]; }
check "every member applies it" wait_for 60 acked_all

state() { wn "$1" --json subject show "$2" | json_field state; }
token() { wn "$1" --json subject show "$2" | json_field token; }
has_state() { [ "$(state "$1" "$2")" = "$3" ]; }

check "police records Élise Van den Broeck as elise" wn police subject add elise \
	--person --family "Van den Broeck" --given "Élise" --born 2011-04-03
check "welfare records her as 'vandenbroeck, elise', e-vdb" wn welfare subject add e-vdb \
	--name "vandenbroeck, elise" --born 03-04-2011
check "police records Jan Van den Broeck, born the same day" wn police subject add jan \
	--family "Van den Broeck" --given Jan --born 2011-04-03
for s in "police elise" "welfare e-vdb" "police jan"; do
	check "$s gets its token" wait_for 120 has_state $s token
done
T=$(token police elise)
check "both members hold the same token for her" test "$T" = "$(token welfare e-vdb)"

# what each holds: on her under its own reference, and on someone else
check "police records signals on elise" wn police record --subject elise --category signals --field note --value TK-police-signals
check "police records police information on elise" wn police record --subject elise --category police --field note --value TK-police-police
check "police records signals on jan (another person)" wn police record --subject jan --category signals --field note --value TK-police-jan
check "police records the legal basis for police information" \
	wn police consent basis --subject elise --category police --basis "art. 458ter Sw."
check "welfare records signals on e-vdb" wn welfare record --subject e-vdb --category signals --field note --value TK-welfare-signals
check "welfare records care on e-vdb" wn welfare record --subject e-vdb --category care --field note --value TK-welfare-care
check "welfare records care under her name spelled out (not her subject)" \
	wn welfare record --subject "Élise Van den Broeck" --category care --field note --value TK-welfare-byname
check "welfare records her consent for care" \
	wn welfare consent give --subject e-vdb --category care --by "the subject, in person"

# --- the match becomes a case on her token
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
check "  named by its fingerprint" test "${#M}" = 8
C=$(wn dir --json concern case "$M" --type person --purpose "coordinate support" --ground consent | json_field case_id)
check "the director opens a case on the match" test -n "$C"
case_subject() { wn "$1" --json case list | /usr/bin/python3 -c '
import json,sys
print(*[r["subject"] for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1] and r["member"]])' "$2"; }
check "police is a member, the case on its own elise" wait_for 60 count_is elise case_subject police "$C"
check "welfare is a member, the case on its own e-vdb" wait_for 60 count_is e-vdb case_subject welfare "$C"
check "the director shows the case on the token's fingerprint, no name" count_is "token $M" case_subject dir "$C"
check "  its audit names the case and the match" \
	out_has "case $C \\(person\\) opened on match $M" wn dir audit show --limit 10000
check "  never the token" out_lacks "$T" wn dir --json audit show --limit 10000

# --- a request: each shares what it holds on her under its own reference
check "the director asks for signals, police, care" wn dir case request "$C" --categories signals,police,care
has_share() { wn "$1" --json share list | grep -q "\"case_id\":\"$C\""; }
check "police gets the request" wait_for 60 has_share police
check "welfare gets the request" wait_for 60 has_share welfare
SP=$(wn police --json share list | json_field id)
SW=$(wn welfare --json share list | json_field id)
check_exit "police: share show" 0 wn police share show "$SP"
check_out "  its signals on elise would go to welfare" 'signals[[:space:]]+note[[:space:]]+welfare[[:space:]]+TK-police-signals'
check_out "  its police information to the director" 'police[[:space:]]+note[[:space:]]+dir[[:space:]]+TK-police-police'
check "  nothing on jan" out_lacks "TK-police-jan" wn police share show "$SP"
check "police approves" wn police share approve "$SP"
check "welfare approves" wn welfare share approve "$SW"

got() { wn "$1" --json data list | /usr/bin/python3 -c '
import json,sys
print(" ".join(sorted("%s:%s:%s" % (r["from"], r["subject"], r["value"] if not r["value"].startswith("(exists") else "exists")
    for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1])))' "$2"; }
check "the director gets police's signals and police information and welfare's signals, care as existence" \
	wait_for 60 count_is "police:token $M:TK-police-police police:token $M:TK-police-signals welfare:token $M:TK-welfare-signals welfare:token $M:exists" got dir "$C"
check "police gets welfare's signals, on its own elise" \
	wait_for 60 count_is "welfare:elise:TK-welfare-signals" got police "$C"
check "welfare gets police's signals and police information as existence, on its own e-vdb" \
	wait_for 60 count_is "police:e-vdb:TK-police-signals police:e-vdb:exists" got welfare "$C"
for n in dir police welfare; do
	check "$n holds nothing of jan's or of the record by name" out_lacks "TK-police-jan|TK-welfare-byname" wn $n --json data list
done

# --- a consent withdrawn on welfare's own subject retracts what it let out
check "welfare withdraws her consent for care" wn welfare consent withdraw --subject e-vdb --category care
check "the director no longer holds welfare's care" \
	wait_for 60 count_is "police:token $M:TK-police-police police:token $M:TK-police-signals welfare:token $M:TK-welfare-signals" got dir "$C"

# --- identity and contact: the director of a case on a token gets their
# existence only, whatever the matrix gives its role (view); welfare, a
# member holding her, gets them as the matrix says
check "police records her name under identity" wn police record --subject elise \
	--category identity --field name --value "Élise Van den Broeck"
check "police records her address under contact" wn police record --subject elise \
	--category contact --field address --value "Grote Markt 1, Herentals"
check "the director asks for identity and contact" wn dir case request "$C" --categories identity,contact
pending() { wn police --json share list | /usr/bin/python3 -c '
import json,sys
r=[x["id"] for x in json.load(sys.stdin)["rows"] if x["case_id"]==sys.argv[1] and x["state"]=="pending"]
print(max(r) if r else "")' "$C"; }
has_pending() { [ -n "$(pending)" ]; }
check "police gets the request" wait_for 60 has_pending
SP3=$(pending)
check_exit "police: share show" 0 wn police share show "$SP3"
check_out "  her name would go to the director as existence only, saying why" \
	'identity[[:space:]]+name[[:space:]]+dir[[:space:]]+existence only[[:space:]]+a case on a token: its director is not told who the subject is'
check_out "  her address too" \
	'contact[[:space:]]+address[[:space:]]+dir[[:space:]]+existence only[[:space:]]+a case on a token'
check_out "  her name to welfare, which holds her" \
	'identity[[:space:]]+name[[:space:]]+welfare[[:space:]]+Élise Van den Broeck[[:space:]]+permitted'
check "police approves" wn police share approve "$SP3"
check "the director gets identity and contact as existence only" \
	wait_for 60 count_is "police:token $M:TK-police-police police:token $M:TK-police-signals police:token $M:exists police:token $M:exists welfare:token $M:TK-welfare-signals" got dir "$C"
check "welfare gets her name and address, on its own e-vdb" \
	wait_for 60 count_is "police:e-vdb:Grote Markt 1, Herentals police:e-vdb:TK-police-signals police:e-vdb:exists police:e-vdb:Élise Van den Broeck" got welfare "$C"
check "  the director's audit says so" \
	out_has "identity \\(existence only\\), contact \\(existence only\\)" wn dir audit show --limit 10000
FNAME=$(wn police --json record list --subject elise | /usr/bin/python3 -c '
import json,sys; print(*[r["field_id"] for r in json.load(sys.stdin)["rows"] if r["category"]=="identity"])')
check "police corrects her name ($FNAME)" wn police record correct --field "$FNAME" --value "Elise Van den Broeck"
check "welfare's copy follows" \
	wait_for 60 count_is "police:e-vdb:Elise Van den Broeck police:e-vdb:Grote Markt 1, Herentals police:e-vdb:TK-police-signals police:e-vdb:exists" got welfare "$C"
check "the director still holds its existence only" \
	count_is "police:token $M:TK-police-police police:token $M:TK-police-signals police:token $M:exists police:token $M:exists welfare:token $M:TK-welfare-signals" got dir "$C"

# --- a correction, a legal basis withdrawn and a member removed, in the
# case on a token: each reaches the right subject on each node
FSIG=$(wn police --json record list --subject elise | /usr/bin/python3 -c '
import json,sys; print(*[r["field_id"] for r in json.load(sys.stdin)["rows"] if r["category"]=="signals"])')
check "police corrects its signals on elise ($FSIG)" wn police record correct --field "$FSIG" --value TK-police-signals-2
check "the director's copy follows, on the token" \
	wait_for 60 count_is "police:token $M:TK-police-police police:token $M:TK-police-signals-2 police:token $M:exists police:token $M:exists welfare:token $M:TK-welfare-signals" got dir "$C"
check "welfare's copy follows, on its own e-vdb" \
	wait_for 60 count_is "police:e-vdb:Elise Van den Broeck police:e-vdb:Grote Markt 1, Herentals police:e-vdb:TK-police-signals-2 police:e-vdb:exists" got welfare "$C"
check "police withdraws its legal basis for police information" \
	wn police consent withdraw --subject elise --category police --basis "art. 458ter Sw."
check "the director no longer holds police information" \
	wait_for 60 count_is "police:token $M:TK-police-signals-2 police:token $M:exists police:token $M:exists welfare:token $M:TK-welfare-signals" got dir "$C"
check "welfare no longer holds its existence" \
	wait_for 60 count_is "police:e-vdb:Elise Van den Broeck police:e-vdb:Grote Markt 1, Herentals police:e-vdb:TK-police-signals-2" got welfare "$C"
check "the director removes welfare from the case" wn dir case remove "$C" welfare
check "welfare forgets what it received for it" wait_for 60 count_is "" got welfare "$C"
check "the director keeps what welfare sent it while a member" \
	count_is "police:token $M:TK-police-signals-2 police:token $M:exists police:token $M:exists welfare:token $M:TK-welfare-signals" got dir "$C"

# --- the director's own files: a case on the token it derives itself
check "the director records Anna Pieters from its own files" wn dir subject add anna \
	--family Pieters --given Anna --born 1990-12-01
check "welfare records her as 'PIETERS, anna'" wn welfare subject add anna-p --name "PIETERS, anna" --born 1990-12-01
check "welfare gets her token" wait_for 120 has_state welfare anna-p token
check "welfare records signals on anna-p" wn welfare record --subject anna-p --category signals --field note --value TK-welfare-anna
C2=$(wn dir --json case open --type person --token-of anna --purpose "debt support" --ground consent | json_field case_id)
check "the director opens a case on anna's token" test -n "$C2"
check "it invites welfare" wn dir case invite "$C2" welfare
check "it invites police, which holds no subject with her token" wn dir case invite "$C2" police
check "welfare finds its own anna-p in it" wait_for 60 count_is anna-p case_subject welfare "$C2"
check "the director shows its own anna" count_is anna case_subject dir "$C2"
is_token_fp() { [[ $(case_subject police "$C2") =~ ^token\ [0-9a-f]{8}$ ]]; }
check "police, a member, shows the case on the token's fingerprint" wait_for 60 is_token_fp
FP2=$(case_subject police "$C2")
check "the director asks for signals" wn dir case request "$C2" --categories signals
has_share2() { wn welfare --json share list | grep -q "\"case_id\":\"$C2\""; }
check "welfare gets the request" wait_for 60 has_share2
SW2=$(wn welfare --json share list | /usr/bin/python3 -c '
import json,sys; print(*[r["id"] for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1]])' "$C2")
check "welfare approves" wn welfare share approve "$SW2"
check "the director gets welfare's signals on its own anna" \
	wait_for 60 count_is "welfare:anna:TK-welfare-anna" got dir "$C2"
check "police gets them too, on the token's fingerprint" \
	wait_for 60 count_is "welfare:$FP2:TK-welfare-anna" got police "$C2"
show_rows() { wn "$1" --json share show "$2" | /usr/bin/python3 -c '
import json,sys; print(len(json.load(sys.stdin)["rows"]))'; }
has_share3() { wn police --json share list | grep -q "\"case_id\":\"$C2\""; }
check "police gets the request" wait_for 60 has_share3
SP4=$(wn police --json share list | /usr/bin/python3 -c '
import json,sys; print(*[r["id"] for r in json.load(sys.stdin)["rows"] if r["case_id"] == sys.argv[1]])' "$C2")
check "  it would share nothing: it holds nothing on her" \
	count_is 0 show_rows police "$SP4"

check_exit "a case on the token of a subject it does not hold is refused" 1 \
	wn dir case open --type person --token-of nobody --purpose x --ground consent
check_out "  saying so" "no subject 'nobody' here"
check_exit "a reference that starts as a token's is refused" 1 \
	wn dir case open --type person --subject "token:abc" --purpose x --ground consent
check_out "  saying so" "does not start with 'token:'"
check_exit "--subject and --token together are a usage error" 2 \
	wn dir case open --type person --subject x --token "$T" --purpose x --ground consent
check_exit "no subject at all is a usage error" 2 \
	wn dir case open --type person --purpose x --ground consent
check_exit "a token of 63 digits is a usage error" 2 \
	wn dir case open --type person --token "${T:1}" --purpose x --ground consent

# --- a hostile peer (wnpoke) with a member's or the director's real keys,
# past their nodes' own checks; last, as a poke uses up a sequence number
# its node would take next
POKE="$TOP/$BUILD/tests/tools/wnpoke"
for n in dir police; do bundle $n >/dev/null; done
poke() { local e=() who to
	while [[ $1 == *=* ]]; do e+=("WNPOKE_$1"); shift; done
	who=$1 to=$2; shift 2
	env "${e[@]}" "$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$who" "$WN_T/$to.bundle" "$@"; }
seq_of() { s=$(expected_seq "$1" "$2"); }
drained() { local n; for n in dir police welfare; do
	[ "$(wn $n --json peer stats | json_field queued)" = 0 ] || return 1; done; }
check "everything is delivered" wait_for 60 drained
# the director refuses a value of an identifying category in a case on a
# token (category 0: identity), and audits the refusal
check "police's next sequence number on the director is read" seq_of dir police
check_exit "police sends the director her identity's value in the case on her token" 0 \
	poke MV=1 SEQ="$s" police dir disclose "$C" "token:$T" 0 TK-poke-identity
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_out "  with code 5, saying why" '^refused: 5 .*identifying category'
check "  nothing applied" out_lacks TK-poke-identity wn dir --json data list
check "  the refusal is audited" out_has "peer.refused.*identifying category" wn dir audit show --limit 10000
check "police's next sequence number on the director is read" seq_of dir police
check_exit "the same with a signal's value: the control" 0 \
	poke MV=1 SEQ="$s" police dir disclose "$C" "token:$T" 2 TK-poke-signals
check_out "  is accepted" '^RECEIPT accepted=1 refused=0$'
check "  and applied" out_has TK-poke-signals wn dir --json data list
# a case's subject is fixed when it is opened: a CASE that names another
# token for it (jan's, whom police holds too) is refused
TJ=$(token police jan)
check "the director's next sequence number on police is read" seq_of police dir
check_exit "the director sends police the case again, on jan's token" 0 \
	poke SEQ="$s" dir police case "$C" "token:$TJ" dir police
check_out "  is refused" '^RECEIPT accepted=0 refused=1$'
check_out "  with code 5, saying why" "^refused: 5 .*subject cannot change"
check "  police still holds the case on its own elise" count_is elise case_subject police "$C"

# --- nothing of Élise at the director, in any form
wn dir --json audit show --limit 10000 >"$WN_T/dir.audit" || not_ok "the director's audit log is read"
check "the director stops" node_stop dir
check "police stops" node_stop police
plain() {
	local key
	key=$("$TOP/$BUILD/tests/tools/keydump" "$WN_T/$1/node.key" "$WN_T/$1.pass" | sed -n 3p)
	printf '%s\n' "$key" | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" "$WN_T/$1/node.db" >"$WN_T/$1.plain"
}
plain dir
plain police
check "the director's store decrypts page by page" grep -q "CREATE TABLE subjects" "$WN_T/dir.plain"
check "  it holds the case on her token" grep -aqF "token:$T" "$WN_T/dir.plain"
check "  and its own subject's form (the search can find one)" grep -aq "person:pieters/anna/1990-12-01" "$WN_T/dir.plain"
check "the director's transfers were captured" test -s "$WN_T/dir.wire"
check "  and the opened bodies of what it received, the disclosures' values among them" \
	grep -aq "TK-welfare-signals" "$WN_T/dir.bodies"
check "  which hold the case's token (the search can find it)" \
	/usr/bin/python3 -c "import sys; sys.exit(bytes.fromhex('$T') not in open('$WN_T/dir.bodies','rb').read())"
# every form of her identifier, each also hashed without the secret
FORMS=("Élise" "Elise" "Broeck" "vandenbroeck" "van den broeck" "vandenbroeck, elise"
	"Grote Markt" "Grote Markt 1, Herentals"
	"person:vandenbroeck/elise/2011-04-03" "2011-04-03" "03-04-2011" "e-vdb")
# and the OPRF's input element of each (HashToGroup: before the secret)
printf '%s\n' "${FORMS[@]}" | "$TOP/$BUILD/tests/tools/oprfh" >"$WN_T/forms.h2g" ||
	not_ok "the forms' input elements are computed"
check "  one input element per form" test "$(grep -c . "$WN_T/forms.h2g")" = "${#FORMS[@]}"
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
# found FILE...: how many of the forms (any case for text) are in the files
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
N=$(found "$WN_T/police.plain" 2>/dev/null)
check "the search finds her forms in police's store, which holds her ($N)" test "${N:-0}" -gt 0
N=$(found "$WN_T/police.bodies" 2>/dev/null)
check "  and none in what police received ($N): only the token crossed" test "${N:-1}" = 0
check "none of her forms in the director's store, log, audit log, transfers or what it received" \
	count_is 0 found "$WN_T/dir.plain" "$WN_T/dir.log" "$WN_T/dir.audit" "$WN_T/dir.wire" "$WN_T/dir.bodies"
wn_done
