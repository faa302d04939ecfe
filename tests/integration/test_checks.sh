#!/usr/bin/env bash
# test_checks.sh - every row of PROTOCOL.md's "Checks a receiver makes, in
# this order", with envelopes forged by wnpoke against a real node: each
# check refuses with its code, a refusal a member's signature vouches for
# comes back in a receipt for that member (not an ERROR to "unknown"), and
# where two checks fail the earlier one in the table is the one reported.
# Byte offsets count in the whole transfer.
. "$(dirname "$0")/lib.sh"
# the next sequence number a poke takes is read first (expected_seq): no
# periodic chain head (every 60 s) may take it between (node_test_ms)
export WIJKNET_TEST_HEAD_PERIOD_MS=86400000
POKE="$TOP/$BUILD/tests/tools/wnpoke"

check "a federation of a director and two members forms" federation dir police guards
bundle guards >/dev/null
node_init stranger police >/dev/null
next_seq() { expected_seq guards "$1"; } # (fails, and fails the script, when unread)
# poke WHO FROM MODE ARGS...: WHO's key claims to be FROM, to guards
poke() { local who=$1 from=$2; shift 2
	"$POKE" "$WN_T/$who/node.key" "$WN_T/$who.pass" "$from" "$WN_T/guards.bundle" "$@"; }
# poke_check NAME WANT WHO FROM MODE ARGS...: the first line of the answer
# and any refusal lines must match WANT (grep -E)
poke_check() { local name=$1 want=$2; shift 2
	check_exit "$name" 0 poke "$@"; check_out "  ... $want" "$want"; }
raw() { /usr/bin/python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes.fromhex(sys.argv[2]))' "$WN_T/raw" "$1"; }

# 1. transfer size and decoding: the whole transfer, an ERROR
poke_check "1: a transfer over 4 MiB" '^ERROR 14 ' police police oversize
poke_check "1: a truncated transfer" '^ERROR 2 malformed transfer at byte' police police truncate "$(next_seq police)"
raw 824100   # [h'00', <missing>]
poke_check "1: an array of two holding one" '^ERROR 2 malformed transfer at byte 3:' police police raw "$WN_T/raw"
raw a2014100028141   # {1: h'00', 2: [h'<missing>']} - cut short
poke_check "1: a batch cut short" '^ERROR 2 malformed transfer at byte 6:' police police raw "$WN_T/raw"
raw a201410002814100   # {1: h'00', 2: [h'00']}: the manifest is no COSE_Sign1
poke_check "1: a malformed manifest, offset in the whole transfer" \
	'^ERROR 2 malformed transfer: manifest at byte 3:' police police raw "$WN_T/raw"

# 2. envelope size and structure
/usr/bin/python3 -c 'import sys; n = 512 * 1024 + 1
open(sys.argv[1], "wb").write(b"\x81\x5a" + n.to_bytes(4, "big") + bytes(n))' "$WN_T/raw"
poke_check "2: an envelope over 512 KiB" '^ERROR 14 malformed transfer at byte 1: envelope of 524289 bytes exceeds' police police raw "$WN_T/raw"
raw 814100   # [h'00']: one envelope of one byte
poke_check "2: a malformed envelope, offset in the whole transfer" \
	'^ERROR 2 malformed envelope at byte 2:' police police raw "$WN_T/raw"

# 3. version, before the sender and the signature
WNPOKE_VERSION=6 poke_check "3: version 6 from a member" \
	'^ERROR 2 malformed envelope at byte [0-9]+: unsupported protocol version 6' police police data "$(next_seq police)"
WNPOKE_VERSION=4 poke_check "3: ... version 4 (before cases on a token) from a member" \
	'^ERROR 2 malformed envelope at byte [0-9]+: unsupported protocol version 4' police police data "$(next_seq police)"
WNPOKE_VERSION=6 poke_check "3: ... and from a stranger" \
	'unsupported protocol version 6' stranger stranger data 1

# 4. the sender is a member
# rows 4 and 5 answer an unauthenticated transfer with the one refusal
# "not authenticated" (4): no one learns who is a member (the reason
# stays in the receiver's audit: test_preauth_quiet.sh)
poke_check "4: an unknown sender" "^ERROR 4 not authenticated$" stranger stranger data 1
WNPOKE_TO=dir WNPOKE_TS_OFFSET_MS=-3600000 poke_check \
	"4: ... also when it is misaddressed and old (nothing more is told)" \
	"^ERROR 4 not authenticated$" stranger stranger data 1

# 5. the signature, before the recipient and the time
poke_check "5: a forged signature" "^ERROR 4 not authenticated$" police police forge "$(next_seq police)"
poke_check "5: a stranger's key claiming to be police" "^ERROR 4 not authenticated$" stranger police data "$(next_seq police)"
WNPOKE_TO=dir WNPOKE_TS_OFFSET_MS=3600000 poke_check \
	"5: ... also when misaddressed and from the future (nothing more is told)" \
	"^ERROR 4 not authenticated$" police police forge "$(next_seq police)"

# 6. addressed to us: a member's signed envelope for another node is
# refused in a receipt for that member, and does not use up its number
s=$(next_seq police)
WNPOKE_TO=dir poke_check "6: a signed envelope addressed to dir" \
	"^RECEIPT accepted=0 refused=1" police police data "$s"
check_out "  ... refused: not for us" "^refused: 5 addressed to 'dir', not to us$"
WNPOKE_TO=dir WNPOKE_TS_OFFSET_MS=660000 poke_check "6: ... before the time" \
	"^refused: 5 addressed to 'dir'" police police data "$s"
check "  ... its sequence number is still free" test "$(next_seq police)" = "$s"

# 7. the time window, before the sequence checks
WNPOKE_TS_OFFSET_MS=660000 poke_check "7: 11 minutes ahead" \
	"^RECEIPT accepted=0 refused=1" police police data "$s"
check_out "  ... refused: off our clock" "^refused: 5 time [0-9]+ ms is off our clock"
WNPOKE_TS_OFFSET_MS=-660000 poke_check "7: 11 minutes behind" \
	"^refused: 5 time [0-9]+ ms is off our clock" police police data "$s"
check "  ... its sequence number is still free" test "$(next_seq police)" = "$s"
poke_check "a good message takes that number" "^RECEIPT accepted=1 refused=0" police police data "$s"
WNPOKE_TS_OFFSET_MS=660000 poke_check "7: ... an old number with an old time is refused for the time" \
	"^refused: 5 time" police police data "$s"

# 8. one sender per transfer
poke_check "8: a transfer with police's and dir's messages, both signed" \
	"^RECEIPT accepted=1 refused=1" police police pair "$(next_seq police)" \
	"$WN_T/dir/node.key" "$WN_T/dir.pass" dir
check_out "  ... the second is refused" "^refused: 2 a transfer mixes senders$"

# 9. a replay of the very bytes; a resend in other bytes is accepted again
s=$(next_seq police)
WNPOKE_SAVE="$WN_T/t1" WNPOKE_ID=00112233445566778899aabbccddeeff \
	poke_check "a message to replay" "^RECEIPT accepted=1" police police data "$s"
poke_check "9: the same bytes again are answered as the first time" \
	"^RECEIPT accepted=1 refused=0" police police replay "$WN_T/t1"
check "  ... and applied once: the next number is still $((s + 1))" test "$(next_seq police)" = $((s + 1))
WNPOKE_ID=00112233445566778899aabbccddeeff poke_check \
	"9: the same message sealed afresh (a lost receipt)" "^RECEIPT accepted=1 refused=0" police police data "$s"
# 10. anything else under a used number
poke_check "10: another message under a used number" \
	"^refused: 5 replay: sequence number $s already used" police police data "$s"
s=$(( $(next_seq police) + 5 ))
poke_check "   a gap is accepted" "^RECEIPT accepted=1 refused=0" police police data "$s"

# 11. decryption
s=$(next_seq police)
WNPOKE_BADBOX=1 poke_check "11: sealed for a key we do not hold" \
	"^refused: 17 cannot decrypt a message from 'police'" police police data "$s"
check "  ... leaves its number free" test "$(next_seq police)" = "$s"

# 12. the body decodes for its type
s=$(next_seq police)
poke_check "12: a body that does not decode" "^refused: 2 " police police junk "$s"
check "  ... uses up its number" test "$(next_seq police)" = $((s + 1))

check "guards still serves" wn guards status
poke_check "  and applies a good message" "^RECEIPT accepted=1 refused=0" police police data "$(next_seq police)"
for n in guards police dir; do node_stop "$n" || not_ok "$n stops cleanly"; done
wn_done
