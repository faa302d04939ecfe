#!/usr/bin/env bash
# test_forward_secrecy.sh - what a stolen key file opens of captured
# traffic (issue 16, part 4): two nodes exchange messages both ways (the
# charter, test messages, chain heads, a rollback check's query at a
# restart) with the wire captured (WN_CAPTURE=1: each node's transfers and
# the replies it received), then stop, their sessions gone with them. A
# test tool (capopen) takes each node's key file and passphrase file and
# tries to open the payload of every captured envelope between the two
# with the static pair key: it opens the session openings and accepts,
# which are sealed under that key (the positive control: the tool and the
# keys are right), and nothing else, which went under session keys that
# no file holds. And as a thief who also read the source: every
# ephemeral key in those handshakes is fresh (none repeats, none is a
# node's static key), and session keys derived with the stolen static
# secret in place of each ephemeral secret (the schedule written out with
# libsodium alone, checked against PROTOCOL.md's vectors) open nothing.
. "$(dirname "$0")/lib.sh"
export WN_CAPTURE=1
# the most the daemons log: a key in a debug line would show too
export WN_LOG_LEVEL=debug
CAPOPEN="$TOP/$BUILD/tests/tools/capopen"

check "a federation of a director and police, its wire captured" federation dir police
received() { wn "$1" --json peer received "$2" | json_field count; }
check "the director sends police 20 test messages" wn dir peer send police --count 20 --size 100
check "police sends the director 20" wn police peer send dir --count 20 --size 100
check "  the director's outbox for police drains" wait_for 300 field_is dir police queued 0
check "  police's outbox for the director drains" wait_for 300 field_is police dir queued 0
check "  police holds the 20" count_is 20 received police dir
check "  the director holds the 20" count_is 20 received dir police
check "police restarts (its rollback check asks the director)" eval 'node_stop police && node_start police'
# a session whose keys a test tool keeps (wnpoke, as police: the same keys
# the director derived as responder, which its receipt proves)
POKE="$TOP/$BUILD/tests/tools/wnpoke"
bundle dir >/dev/null
WNPOKE_SAVE="$WN_T/k1" check_exit "police's message to the director under a session whose keys the tool keeps" 0 \
	"$POKE" "$WN_T/police/node.key" "$WN_T/police.pass" police "$WN_T/dir.bundle" data "$(expected_seq dir police)"
check_out "  accepted (its receipt opens under the kept keys)" "^RECEIPT accepted=1 refused=0"
check "both stop: their sessions are gone" eval 'node_stop police && node_stop dir'
check "the captures are there" test -s "$WN_T/dir.wire" -a -s "$WN_T/police.wire"

bundle dir >/dev/null
bundle police >/dev/null
KEYDUMP="$TOP/$BUILD/tests/tools/keydump"
# each node's secrets, as a thief with its key file and passphrase reads
# them (keydump: the static X25519 secret is the second line)
for n in dir police; do
	(umask 077; "$KEYDUMP" "$WN_T/$n/node.key" "$WN_T/$n.pass" >"$WN_T/$n.secrets")
done
check "the stolen secrets are read" test -s "$WN_T/dir.secrets" -a -s "$WN_T/police.secrets"
# the lines capopen prints, for the key file of $1 and the bundle of $2
capopen() {
	CAPOPEN_ORG=$1 CAPOPEN_KX_FILE="$WN_T/$1.secrets" "$CAPOPEN" "$WN_T/$1/node.key" \
		"$WN_T/$1.pass" "$WN_T/$2.bundle" "$WN_T/dir.wire" "$WN_T/police.wire"
}
for who in police:dir dir:police; do
	me=${who%%:*} other=${who#*:}
	check_exit "$me's stolen key file against every captured envelope" 0 capopen "$me" "$other"
	hs_n=$(sed -n 's/^handshake \([0-9]*\) opened .*/\1/p' "$WN_T/out")
	hs_o=$(sed -n 's/^handshake [0-9]* opened \([0-9]*\)$/\1/p' "$WN_T/out")
	se_n=$(sed -n 's/^sealed \([0-9]*\) opened .*/\1/p' "$WN_T/out")
	se_o=$(sed -n 's/^sealed [0-9]* opened \([0-9]*\)$/\1/p' "$WN_T/out")
	ep_n=$(sed -n 's/^ephemeral \([0-9]*\) reuse .*/\1/p' "$WN_T/out")
	ep_r=$(sed -n 's/^ephemeral [0-9]* reuse \([0-9]*\)$/\1/p' "$WN_T/out")
	dv_n=$(sed -n 's/^derived \([0-9]*\) opened .*/\1/p' "$WN_T/out")
	dv_o=$(sed -n 's/^derived [0-9]* opened \([0-9]*\)$/\1/p' "$WN_T/out")
	check "  it found session openings and accepts (at least 4: both ways, and the query's)" \
		test "${hs_n:-0}" -ge 4
	check "  and opens every one of them (the control: the tool and the key are right)" \
		test "${hs_o:-x}" = "$hs_n"
	check "  it found the other envelopes (messages, receipts, charter, heads: at least 40)" \
		test "${se_n:-0}" -ge 40
	check "  and opens none of them" test "${se_o:-x}" = 0
	check "  it read the ephemeral keys in them (at least 4)" test "${ep_n:-0}" -ge 4 -a "${ep_n:-0}" -le "$hs_n"
	check "  no ephemeral key repeats, none is a node's static key" test "${ep_r:-x}" = 0
	check "  with the static secret in place of each ephemeral one it derives session keys (2 for each handshake)" \
		test "${dv_n:-0}" -ge 4
	check "  and they open none of the envelopes" test "${dv_o:-x}" = 0
done
check "no session key is in a log" eval '! grep -qi "session key\|k_i2r\|k_r2i" "$WN_T/dir.log" "$WN_T/police.log"'
# the kept session's two keys, in any form (raw, hex, base64), in the
# logs (debug), the captures or either store's decrypted pages
for n in dir police; do
	sed -n 3p "$WN_T/$n.secrets" | /usr/bin/python3 "$TOP/tests/integration/store_plain.py" \
		"$WN_T/$n/node.db" >"$WN_T/$n.plain"
done
keys_in() {
	/usr/bin/python3 - "$WN_T/k1.session" "$@" <<'PY'
import base64, sys
k = open(sys.argv[1], "rb").read()
assert len(k) == 16 + 64, "a kept session is a sid and two keys"
pats = []
for key in (k[16:48], k[48:80]):
    pats += [key, key.hex().encode(), key.hex().upper().encode(),
             base64.b64encode(key).rstrip(b"="),
             base64.urlsafe_b64encode(key).rstrip(b"=")]
found = [f for f in sys.argv[2:] if any(p in open(f, "rb").read() for p in pats)]
print(" ".join(found))
sys.exit(0 if found else 1)
PY
}
check "  (the control: the search finds them where they are, in the tool's file)" keys_in "$WN_T/k1.session"
check "neither session key is in a log, a capture or a store, raw, as hex or base64" \
	eval '! keys_in "$WN_T/dir.log" "$WN_T/police.log" "$WN_T/dir.wire" "$WN_T/police.wire" "$WN_T/dir.plain" "$WN_T/police.plain"'
check "  (the stores were read: the decrypted pages hold the charter)" grep -aq 'charter' "$WN_T/dir.plain"
wn_done
