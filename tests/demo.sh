#!/usr/bin/env bash
# demo.sh - a small federation on loopback, telling SCENARIO.md as far as
# wijknet can today: the Herentals municipality (lead director) and the
# police zone Neteland each get a node, start, show who they are, verify
# their audit chains and stop cleanly.
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

make_node() { # id name role
	printf 'demo-passphrase-%s-%s\n' "$1" "$RANDOM$RANDOM" >"$D/$1.pass"
	chmod 600 "$D/$1.pass"
	"$WIJKNET" init --data "$D/$1" --org-id "$1" --org-name "$2" --role "$3" \
		--listen "tcp://127.0.0.1:$(port)" --user "${USER:-operator}" \
		--passphrase-file "$D/$1.pass" --kdf interactive
}

start_node() {
	mkfifo "$D/$1.ready"
	"$WIJKNETD" run --config "$D/$1/wijknet.conf" --ready-fd 3 \
		3>"$D/$1.ready" 2>>"$D/$1.log" &
	PID[$1]=$!
	read -r -t 60 line <"$D/$1.ready"
	[ "$line" = ready ] || { echo "node $1 did not start:"; cat "$D/$1.log"; exit 1; }
}

say "Week 0: two partners of the Neteland region set up their nodes"
make_node herentals "Gemeente Herentals - integrale veiligheid" municipality
make_node pz-neteland "Politiezone Neteland" police

say "Each node unlocks its key file and serves its own control socket"
start_node herentals
start_node pz-neteland

for n in herentals pz-neteland; do
	say "wijknet -d $n status"
	"$WIJKNET" -d "$D/$n" status
done

say "Fingerprints to read aloud when enrolling (wijknet whoami)"
for n in herentals pz-neteland; do
	"$WIJKNET" -d "$D/$n" --json whoami
done

say "Every control request is in the node's hash-chained audit log"
"$WIJKNET" -d "$D/herentals" audit show --limit 10
"$WIJKNET" -d "$D/herentals" audit verify

say "Stopping both nodes (SIGTERM)"
for n in herentals pz-neteland; do
	kill -TERM "${PID[$n]}"
	wait "${PID[$n]}"
	unset "PID[$n]"
	echo "$n stopped cleanly"
done
say "The stopped node's chain, verified offline"
"$WIJKNETD" audit-verify --config "$D/herentals/wijknet.conf"
echo
echo "demo done."
