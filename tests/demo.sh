#!/usr/bin/env bash
# demo.sh - a small federation on loopback, telling SCENARIO.md as far as
# wijknet can today: the Herentals municipality (lead director), the police
# zone Neteland and the community guards each get a node; they enrol by
# reading fingerprints, the director's signed charter reaches the members,
# signed and encrypted messages travel with receipts, a stopped node's
# messages wait in the outbox, and every node's audit chain verifies.
set -euo pipefail
B=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
WIJKNET="$TOP/$B/wijknet"
WIJKNETD="$TOP/$B/wijknetd"
D=$(mktemp -d /tmp/wijknet-demo.XXXXXX)
declare -A PID
cleanup() {
	for n in "${!PID[@]}"; do kill -TERM "${PID[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$D"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

make_node() { # id name role [director-key]
	printf 'demo-passphrase-%s-%s\n' "$1" "$RANDOM$RANDOM" >"$D/$1.pass"
	chmod 600 "$D/$1.pass"
	"$WIJKNET" init --data "$D/$1" --org-id "$1" --org-name "$2" --role "$3" \
		--listen "tcp://127.0.0.1:$(port)" --user "${USER:-operator}" \
		--passphrase-file "$D/$1.pass" --kdf interactive ${4:+--director-key "$4"}
}
wn() { local n=$1; shift; "$WIJKNET" -d "$D/$n" "$@"; }
bundle() { "$WIJKNETD" public --config "$D/$1/wijknet.conf" >"$D/$1.bundle"; sed -n 's/^fingerprint = //p' "$D/$1.bundle"; }
queued() { wn "$1" --json peer list | /usr/bin/python3 -c 'import json,sys; print(sum(r["queued"] for r in json.load(sys.stdin)["rows"] if r["org_id"]==sys.argv[1]))' "$2"; }
until_true() { local i=0; until "$@"; do i=$((i+1)); [ $i -lt 600 ] || return 1; sleep 0.05; done; }
is_zero() { [ "$(queued "$1" "$2")" = 0 ]; }
knows() { wn "$1" --json peer list | grep -q "\"org_id\":\"$2\""; }

start_node() {
	mkfifo "$D/$1.ready"
	"$WIJKNETD" run --config "$D/$1/wijknet.conf" --ready-fd 3 \
		3>"$D/$1.ready" 2>>"$D/$1.log" &
	PID[$1]=$!
	read -r -t 60 line <"$D/$1.ready"
	[ "$line" = ready ] || { echo "node $1 did not start:"; cat "$D/$1.log"; exit 1; }
}

say "Week 0: three partners of the Neteland region set up their nodes"
make_node herentals "Gemeente Herentals - integrale veiligheid" municipality
DKEY=$("$WIJKNETD" public --config "$D/herentals/wijknet.conf" | sed -n 's/^sign_key = //p')
echo "(the members pin the director's key: $DKEY)"
make_node pz-neteland "Politiezone Neteland" police "$DKEY"
make_node gw-herentals "Gemeenschapswachten Herentals" community_guards "$DKEY"

say "Each node unlocks its key file and serves its control and peer sockets"
for n in herentals pz-neteland gw-herentals; do start_node $n; done
wn herentals status

say "Enrolment: fingerprints are read aloud and typed in (here: --fingerprint)"
DFP=$(bundle herentals)
for m in pz-neteland gw-herentals; do
	echo "$m enrols the director, fingerprint $DFP"
	wn $m peer add "$D/herentals.bundle" --fingerprint "$DFP"
done
for m in pz-neteland gw-herentals; do
	FP=$(bundle $m)
	echo "the director enrols $m, fingerprint $FP"
	wn herentals peer add "$D/$m.bundle" --fingerprint "$FP"
done

say "The director's signed charter reaches the members: they now know each other"
until_true knows pz-neteland gw-herentals
wn pz-neteland peer list

say "Signed, encrypted messages between members, each acknowledged by a signed receipt"
wn pz-neteland peer send gw-herentals --count 500 --size 512
until_true is_zero pz-neteland gw-herentals
wn gw-herentals peer received pz-neteland
wn pz-neteland peer stats

say "A node that is down: its messages wait in the sender's outbox"
kill -TERM "${PID[gw-herentals]}"; wait "${PID[gw-herentals]}"; unset "PID[gw-herentals]"
wn pz-neteland peer send gw-herentals --count 25
until_true test "$(queued pz-neteland gw-herentals)" = 25
wn pz-neteland peer list
rm -f "$D/gw-herentals.ready"
start_node gw-herentals
until_true is_zero pz-neteland gw-herentals
echo "back up: all delivered, exactly once:"
wn gw-herentals peer received pz-neteland

say "Every control request and every peer exchange is in the hash-chained audit log"
wn gw-herentals audit show --limit 8
wn herentals audit verify

say "Stopping the nodes (SIGTERM); each sends its signed chain head to its checkers"
for n in pz-neteland gw-herentals herentals; do
	kill -TERM "${PID[$n]}"
	wait "${PID[$n]}"
	unset "PID[$n]"
	echo "$n stopped cleanly"
done
say "The stopped node's chain, verified offline"
"$WIJKNETD" audit-verify --config "$D/herentals/wijknet.conf"
echo
echo "demo done."
