#!/usr/bin/env bash
# test_text.sh - text identifiers through the real CLI and node: a subject
# typed precomposed (NFC) or with combining accents (NFD) is one subject;
# a 58-character accented name fits; invalid UTF-8 and oversized values are
# refused naming the argument at fault, without echoing the value.
. "$(dirname "$0")/lib.sh"

node_init t municipality >/dev/null || { not_ok "init"; exit 1; }
node_start t || { not_ok "start"; exit 1; }

NFC=$(printf '\xc3\x89lise Dubois')   # U+00C9
NFD=$(printf 'E\xcc\x81lise Dubois')  # E + U+0301
check "record under the NFC form" wn t record --subject "$NFC" --category identity --field name --value a
check "record under the NFD form" wn t record --subject "$NFD" --category contact --field phone --value b
subjects() { wn t --json record list "$@" | /usr/bin/python3 -c '
import json,sys
print("\n".join(r["subject"].encode().hex() for r in json.load(sys.stdin)["rows"]))'; }
nfc_hex=$(printf '%s' "$NFC" | od -An -v -tx1 | tr -d ' \n')
check_exit "record list by the NFC form" 0 subjects --subject "$NFC"
check "  ... finds both fields, stored in NFC" test "$(cat "$WN_T/out")" = "$nfc_hex
$nfc_hex"
check_exit "record list by the NFD form" 0 subjects --subject "$NFD"
check "  ... finds the same two" test "$(grep -c "^$nfc_hex\$" "$WN_T/out")" = 2

# 58 characters, 67 bytes in NFC (76 in NFD)
LONGNAME='Élodie-Françoise Vàndérhaëghe-Désmet van den Bossché-Öztür'
check "a 58-character accented name is taken" \
	wn t record --subject "$LONGNAME" --category identity --field name --value c
check_exit "  ... and found again" 0 wn t --json record list --subject "$LONGNAME"
check_out "  ... with its field" '"name":"name"'
LONGNFD=$(/usr/bin/python3 -c 'import sys,unicodedata; print(unicodedata.normalize("NFD", sys.argv[1]))' "$LONGNAME")
check "  ... also in NFD (76 bytes)" \
	wn t record --subject "$LONGNFD" --category contact --field phone --value d
check_exit "  ... which is the same subject" 0 wn t --json record list --subject "$LONGNAME"
check_out "  ... (two fields)" '"name":"phone"'

check_exit "64 characters are refused" 1 \
	wn t record --subject "${LONGNAME}abcdef" --category identity --field name --value e
check_out "  ... naming the subject and the limit" 'subject is too long: 64 characters, at most 63'
check "  ... and nothing else" test "$(grep -c purpose "$WN_T/out")" = 0
check_exit "a 64-character field name is refused" 1 \
	wn t record --subject "$NFC" --category identity --field "${LONGNAME}abcdef" --value e
check_out "  ... naming the field name" 'name is too long: 64 characters, at most 63'

check_exit "invalid UTF-8 in an option is refused" 2 \
	wn t record --subject "$(printf 'ab\xc0\xaf')" --category identity --field name --value x
check_out "  ... as invalid UTF-8, naming the option" '^wijknet: --subject: invalid UTF-8$'
check_exit "invalid UTF-8 in an argument is refused" 1 wn t peer send "$(printf 'x\xed\xa0\x80')"
check_out "  ... naming the argument" '^wijknet: argument peer: invalid UTF-8$'

big=$(head -c 10240 /dev/zero | tr '\0' x)
check_exit "a 10 KB value is refused" 2 \
	wn t record --subject "$big" --category identity --field name --value x
check_out "  ... naming the option" '^wijknet: --subject is too long: 10240 bytes, at most 4095$'
check "  ... without echoing it" test "$(wc -c <"$WN_T/out")" -lt 400
check_exit "a 10 KB argument is refused" 1 wn t peer send "$big"
check "  ... without echoing it" test "$(wc -c <"$WN_T/out")" -lt 400

# the node itself, asked without the CLI's checks (nng's ipc framing by
# hand): invalid UTF-8 and a value over 4095 bytes are refused naming the
# argument, without the value
ctl_raw() { # ctl_raw SUBJECT_HEX: a record.list request, prints the reply
	/usr/bin/python3 - "$WN_T/t/control.sock" "$1" <<'PY'
import socket, struct, sys
def t(b):
    n = len(b)
    if n < 24: return bytes([0x60 | n]) + b
    if n < 256: return bytes([0x78, n]) + b
    return bytes([0x79, n >> 8, n & 255]) + b
body = (b'\xa2\x01' + t(b'record.list') + b'\x02\xa1' + t(b'subject') +
        t(bytes.fromhex(sys.argv[2])))
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall(b'\x00SP\x00\x00\x30\x00\x00')  # SP handshake, REQ0
def recvn(n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise SystemExit('closed')
        b += c
    return b
recvn(8)
msg = b'\x80\x00\x00\x01' + body  # request id, then the request
s.sendall(b'\x01' + struct.pack('>Q', len(msg)) + msg)
n = struct.unpack('>Q', recvn(9)[1:])[0]
sys.stdout.buffer.write(recvn(n)[4:])
PY
}
ctl_raw "6162c0af" >"$WN_T/out" 2>&1
check_out "the node refuses invalid UTF-8 naming the argument" "arg 'subject': invalid UTF-8"
ctl_raw "$(head -c 10240 /dev/zero | tr '\0' y | od -An -v -tx1 | tr -d ' \n')" >"$WN_T/out" 2>&1
check_out "the node refuses a 10 KB value naming the argument" "arg 'subject' longer than 4095 bytes"
check "  ... without echoing it" test "$(grep -c yyyy "$WN_T/out")" = 0
ctl_raw "$(printf '%s' "$NFD" | od -An -v -tx1 | tr -d ' \n')" >"$WN_T/out" 2>&1
check "the node answers an NFD subject sent past the CLI with the NFC rows" \
	test "$(grep -c "$(printf '%s' "$NFC")" "$WN_T/out")" -ge 1

check "init takes an organisation name typed in NFD" \
	"$WIJKNET" init --data "$WN_T/u" --org-id u --org-name "$NFD" --role police \
	--listen "tcp://127.0.0.1:$(free_port)" --passphrase-file "$WN_T/t.pass" --kdf interactive
check "  ... and stores it in NFC" grep -qx "org_name = $NFC" "$WN_T/u/wijknet.conf"

# each command's own limits, checked by the node whatever the CLI sends
# (need/ gives them with its commands: case.open's purpose, record.add's
# name); another command's argument of the same name is not limited
raw() { /usr/bin/python3 "$TOP/tests/integration/ctl_raw.py" "$WN_T/t/control.sock" "$@" >"$WN_T/out" 2>&1; }
P256=$(printf 'p%.0s' $(seq 256))
raw case.open subject=S-t purpose="$P256"
check_out "a 256-character purpose of case.open is refused by the node" \
	'^10 purpose is too long: 256 characters, at most 255'
raw case.open subject=S-t purpose="   "
check_out "  ... and a blank one" '^10 purpose must not be empty'
raw record.add subject=S-t category=identity name="   " value=x
check_out "a blank field name of record.add is refused" '^10 name must not be empty'
raw matrix.show name="   "
check_out "  ... but a name argument of another command is not checked" '^0 '
raw record.list subject="   "
check_out "a blank subject is refused for any command" '^10 subject must not be empty'

check "the node is still serving" wn t status
node_stop t || not_ok "clean stop"
wn_done
