#!/usr/bin/env bash
# test_root.sh - the federation root (issue 16, part 1): a root key made
# offline delegates the director's key; a member that pins the root (and
# the federation) takes charters and matrices under the delegation, keeps
# its pin against an edited config, refuses what a stolen charter-signing
# key (a second delegation, then revoked by the root) signs after the
# revocation, refuses a replaced delegation, notices two documents under
# one version (a fork: the hashes nodes send each other differ), and
# refuses a version that jumps more than 1000 above the one it holds, with
# an alert. A member that pins no root takes the director's documents,
# which carry a delegation, as before.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head may take it between
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"
R="$WN_T/root.key"
printf 'root-pass-%s\n' "$RANDOM$RANDOM" >"$WN_T/root.pass"
chmod 600 "$WN_T/root.pass"

check "a root key is made, offline" "$WIJKNETD" root init --out "$R" \
	--passphrase-file "$WN_T/root.pass" --kdf interactive
check_out "  it prints the root's public key" '^root = [0-9a-f]{64}$'
check_out "  and the federation id" '^federation = fed-[0-9a-f]{16}$'
ROOT=$(sed -n 's/^root = //p' "$WN_T/out")
FED=$(sed -n 's/^federation = //p' "$WN_T/out")

FROM=$(date -u -d '-1 day' +%Y-%m-%d)
UNTIL=$(date -u -d '+1 year' +%Y-%m-%d)
# dlg SERIAL KEY FILE: the root delegates KEY as delegation SERIAL
dlg() {
	"$WIJKNETD" root delegate --root "$R" --passphrase-file "$WN_T/root.pass" \
		--key "$2" --from "$FROM" --until "$UNTIL" --serial "$1" --out "$3"
}
sign_key() { "$WIJKNETD" public --config "$WN_T/$1/wijknet.conf" | sed -n 's/^sign_key = //p'; }

check "a director and two members are made" node_init dir municipality
DKEY=$(sign_key dir)
check "  the member mem pins the director's node" node_init_member mem "$DKEY"
check "  and so does pal, which names no root (as before roots)" node_init_member pal "$DKEY"
check "the root delegates the director's key (delegation 1)" dlg 1 "$DKEY" "$WN_T/d1.dlg"
check "  the director is given it" set_conf dir delegation "$WN_T/d1.dlg"
check "  and names the root" set_conf dir root "$ROOT"
check "  and the federation" set_conf dir federation "$FED"
check "mem pins the root" set_conf mem root "$ROOT"
check "  and the federation" set_conf mem federation "$FED"
check "all three start" node_start dir
check "  (mem)" node_start mem
check "  (pal)" node_start pal
for m in mem pal; do
	check "$m enrols the director" wn "$m" peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)"
done
for m in mem pal; do
	check "the director enrols $m" wn dir peer add "$WN_T/$m.bundle" --fingerprint "$(bundle "$m")"
done
check "mem takes the director's charters, checked under the root" wait_for 60 peer_known mem pal
check "  it pinned the root in its store at its first start" count_is 1 audit_count mem root.pinned
check "pal, pinning the director's key, takes them too" wait_for 60 peer_known pal mem

# --- the pin: an edited config cannot change the root
check "mem stops" node_stop mem
other=$(printf '%064d' 7)
check "  its config is edited to name another root" set_conf mem root "$other"
check_exit "  it refuses to start" 1 node_start mem
check "  saying why" grep -q "pins the root $ROOT" "$WN_T/mem.log"
check "  the config is put back" set_conf mem root "$ROOT"
check "  and it starts" node_start mem

# poke VERSION SIGNER DLG: pal carries (a signed matrix speaks for itself:
# pal's sequence numbers are used, not the director's) a matrix of the
# federation signed by SIGNER's key, carrying delegation DLG
poke() {
	WNPOKE_FEDERATION=dir WNPOKE_DLG="$WN_T/$3.dlg" WNPOKE_SEQ=$(expected_seq mem pal) \
		"$POKE" "$WN_T/pal/node.key" "$WN_T/pal.pass" pal "$WN_T/mem.bundle" \
		matrix "$1" "$WN_T/$2/node.key" "$WN_T/$2.pass"
}
# mx_version: the version of the matrix mem holds (0: none); fails when
# the CLI does
mx_version() {
	local out v
	out=$(wn mem matrix show) || return 1
	v=$(sed -n 's/.*matrix version \([0-9]*\) of .*/\1/p' <<<"$out" | head -1)
	echo "${v:-0}"
}

# --- a stolen charter-signing key: delegation 2 of another key
check "another key is made (the one to be stolen)" node_init thief municipality
TKEY=$(sign_key thief)
check "the root delegates it (delegation 2)" dlg 2 "$TKEY" "$WN_T/d2.dlg"
check_exit "a matrix signed by that key under delegation 2" 0 poke 5 thief d2
check_out "  is taken" '^RECEIPT accepted=1 refused=0'
check "  mem holds version 5" count_is 5 mx_version

# --- a fork: the director's own version 5 is another document
for v in 1 2 3 4 5; do
	check "the director publishes its matrix version $v" wn dir matrix publish "$WN_T/dir.matrix"
done
check "mem notices two matrices under version 5 (the hashes differ), with an alert" \
	wait_for 60 count_is 1 audit_count mem alert.fork
check "pal, which pins the director's key and no root, takes the director's version 5" \
	wait_for 60 count_is 5 audit_count pal matrix.applied
check_exit "a matrix signed by the director's key, still under delegation 1" 0 poke 6 dir d1
check_out "  is refused: delegation 2 replaced it" 'its delegation 1 was replaced by delegation 2'

check "the root revokes delegation 2" "$WIJKNETD" root revoke --root "$R" \
	--passphrase-file "$WN_T/root.pass" --serial 2 --out "$WN_T/r2.rev"
check "  and delegates the director's key again (delegation 3)" dlg 3 "$DKEY" "$WN_T/d3.dlg"
check "the director stops" node_stop dir
check "  is given the new delegation" set_conf dir delegation "$WN_T/d3.dlg"
check "  and the revocation" set_conf dir revocation "$WN_T/r2.rev"
check "  and starts" node_start dir
check "mem takes the revocation the director sends" \
	wait_for 60 count_is 1 audit_count mem root.revoked
check_exit "a later matrix signed by the stolen key under delegation 2" 0 poke 7 thief d2
check_out "  is refused: revoked" 'signed under delegation 2, which the federation root revoked'
check "  with an alert" count_is 1 audit_count mem alert.root_refused
check "  mem still holds version 5" count_is 5 mx_version
check_exit "the same matrix signed by the director's key under delegation 3" 0 poke 7 dir d3
check_out "  is taken" '^RECEIPT accepted=1 refused=0'
check "  mem holds version 7" count_is 7 mx_version

# --- a version jump
check_exit "a matrix of version 1008 (a jump above 7 + 1000)" 0 poke 1008 dir d3
check_out "  is refused" 'matrix version 1008 refused: it jumps more than 1000 above the 7 held'
check "  with an alert" count_is 2 audit_count mem alert.root_refused
check_exit "a matrix of version 1007 (within the step)" 0 poke 1007 dir d3
check_out "  is taken" '^RECEIPT accepted=1 refused=0'
check "  mem holds version 1007" count_is 1007 mx_version
wn_done
