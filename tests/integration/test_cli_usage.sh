#!/usr/bin/env bash
# test_cli_usage.sh - the case, sharing, consent and matrix commands without
# a daemon: every command and subcommand answers --help with exit 0 and
# its usage on stdout, and bad usage with exit 2 and the usage on stderr,
# found before the CLI tries to connect (a connection attempt to the
# missing node would end in exit 1 instead). matrix check needs no node.
. "$(dirname "$0")/lib.sh"

NONE="$WN_T/no-node"
w() { "$WIJKNET" -d "$NONE" "$@"; }

# --- --help everywhere
while read -r cmd; do
	# shellcheck disable=SC2086 # word splitting is the point
	check_exit "$cmd --help" 0 w $cmd --help
	check_out "$cmd --help prints the usage" '^usage: wijknet '
done <<'EOF'
matrix
matrix check
matrix publish
matrix show
case
case open
case invite
case remove
case list
case show
case request
share
share list
share show
share approve
share deny
record
record list
consent
consent give
consent basis
consent withdraw
consent list
data
data list
concern
concern add
concern list
concern withdraw
concern matches
concern held
concern case
mediation
mediation start
mediation party add
mediation party agreed
mediation mediator add
mediation talk add
mediation agree
mediation close
mediation show
report
report mediation
phenomenon
phenomenon rule
phenomenon rule set
phenomenon rule list
phenomenon rule drop
phenomenon list
phenomenon show
phenomenon open
phenomenon dismiss
EOF
check "the main usage lists the new commands" \
	bash -c '"$1" --help | grep -Eq "^  matrix " && "$1" --help | grep -Eq "^  consent "' _ "$WIJKNET"
check "usage errors go to stderr only" \
	bash -c 'test -z "$("$1" -d "$2" case open 2>/dev/null)"' _ "$WIJKNET" "$NONE"

# --- bad usage: exit 2 with no node to talk to
bad() { check_exit "usage error: $*" 2 w "$@"; }
OPEN=(--subject s1 --purpose "p")
bad matrix
bad matrix frobnicate
bad matrix check
bad matrix check a b
bad matrix publish
bad matrix show extra
bad case
bad case close c1
bad case open
bad case open --type person "${OPEN[@]}"
bad case open --type sheriff "${OPEN[@]}" --ground consent
bad case open --type person "${OPEN[@]}" --ground maybe
bad case open --type person "${OPEN[@]}" --ground basis:
bad case open --type person "${OPEN[@]}" --ground consent --colour red
bad case open --type person "${OPEN[@]}" --ground consent extra
bad case open --type person --type group "${OPEN[@]}" --ground consent
bad case open --type person --subject "" --purpose p --ground consent
bad case open --type
bad case invite c1
bad case invite c1 'Not An Org'
bad case remove c1 org a
bad case list extra
bad case show
bad case request c1
bad case request c1 --categories care,nonsense
bad case request c1 --categories care,,housing
bad case request c1 --categories care,care
bad case request --categories care
bad share
bad share list extra
bad share show
bad share approve
bad share approve 7 --only gossip
bad share deny 7
bad share deny 7 --reason ""
bad share deny 7 --reason "   "
bad share deny --reason why
bad record
# phenomena (issue 13): usage errors found before any connection, the
# usage said once
bad phenomenon
bad phenomenon frobnicate
bad phenomenon rule
bad phenomenon rule frobnicate
bad phenomenon rule set noise --signals 3 --partners 2
bad phenomenon rule set --signals 3 --partners 2 --days 7
bad phenomenon rule drop
bad phenomenon rule list extra
bad phenomenon list extra
bad phenomenon show
bad phenomenon open 1
bad phenomenon open 1 --ground consent --type sheriff
bad phenomenon dismiss 1
check "a usage error of phenomenon rule says the usage once" count_is 1 \
	bash -c '"$1" -d "$2" phenomenon rule frobnicate 2>&1 | grep -c "^usage: "' _ "$WIJKNET" "$NONE"
# alerts (issue 13): usage errors found before any connection
check_exit "alerts --help" 0 w alerts --help
check_out "  ... prints the usage" '^usage: wijknet alerts '
check_out "  ... with --follow" 'alerts --follow \[--since ID\] \[--json\]'
bad alerts frobnicate
bad alerts read
bad alerts read first
bad alerts read 0
bad alerts read 1 --all
bad alerts read 3 --upto 2
bad alerts read --all --upto x
bad alerts read --all --upto
bad alerts --limit 2000
bad alerts --since x
bad alerts --follow --all
bad alerts --follow --since x
bad alerts --colour red
bad record --subject s1 --category care --field f
bad record --subject s1 --category gossip --field f --value v
bad record --subject s1 --category care --field f --value v extra
bad record nonsense
bad record list extra
bad record list --subject
GIVE=(--subject s1 --category care --by "J. Peeters")
bad consent
bad consent give
bad consent give --subject s1 --category care
bad consent give --subject s1 --category nope --by x
bad consent give "${GIVE[@]}" --until tomorrow
bad consent give "${GIVE[@]}" --until 2030-02-30
bad consent give "${GIVE[@]}" --until 2030-01-01T25:00:00Z
bad consent give "${GIVE[@]}" --until 2030-01-01T10:00:00
bad consent give "${GIVE[@]}" --until 2001-01-01
bad consent give "${GIVE[@]}" --days 0
bad consent give "${GIVE[@]}" --days -3
bad consent give "${GIVE[@]}" --days 36501
bad consent give "${GIVE[@]}" --days 5 --until 2090-01-01
bad consent basis --subject s1 --category care
bad consent withdraw --subject s1
bad consent withdraw --subject s1 --category care --by x
bad consent list s1
bad data
bad data list c1
bad data list --case
bad data list --subject s1
TOK=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
bad concern
bad concern frobnicate
bad concern add --contact "Jan" --until 2027-01-01
bad concern add --token "$TOK" --until 2027-01-01
bad concern add --token "$TOK" --contact "Jan"
bad concern add --token "${TOK:1}" --contact "Jan" --until 2027-01-01
bad concern add --token "${TOK:2}zz" --contact "Jan" --until 2027-01-01
bad concern add --token "$TOK" --contact "Jan" --until 2027-01-01 extra
bad concern list extra
bad concern withdraw
bad concern withdraw 0
bad concern withdraw three
bad concern matches extra
bad concern held extra
bad concern case
bad concern case 1a2b3c4d --type person --purpose p
bad concern case 1a2b3c4d --type sheriff --purpose p --ground consent
long=$(head -c 5000 /dev/zero | tr '\0' x)
check_exit "usage error: a value over 4095 bytes" 2 \
	w record --subject s1 --category care --field f --value "$long"

# --- well-formed commands do try the (missing) node: exit 1, not 2
check_exit "case open with a legal basis gets past the usage checks" 1 \
	w case open --type person "${OPEN[@]}" --ground "basis:art. 458ter Sw."
check_out "  ... and then finds no node" 'cannot reach wijknetd'
check_exit "consent give --until with a time gets past the usage checks" 1 \
	w consent give "${GIVE[@]}" --until 2090-06-30T12:00:00Z
check_exit "share approve --only a list gets past the usage checks" 1 \
	w share approve 7 --only care,housing
check_exit "concern add gets past the usage checks" 1 \
	w concern add --token "$TOK" --contact "Jan, 014 21 33 90" --until 2027-01-01

# --- matrix check works without a node
cat >"$WN_T/matrix.ini" <<'EOF'
[matrix]
federation = wijk-noord

[category identity]
requires = none

[category care]
requires = basis
basis = art. 458ter Sw.

[person]
identity = police:view welfare:edit
care = welfare:view outreach:existence
EOF
check_exit "matrix check of a good file" 0 w matrix check "$WN_T/matrix.ini"
check_out "  ... says ok, the federation and the cells" \
	'matrix\.ini: ok, federation wijk-noord, 4 non-none cells$'
check_exit "matrix check --json" 0 w --json matrix check "$WN_T/matrix.ini"
check_out "  ... gives the federation and the cells" \
	'"federation":"wijk-noord","cells":4'
sed 's/welfare:view/welfare:peek/' "$WN_T/matrix.ini" >"$WN_T/bad.ini"
check_exit "matrix check of a bad file" 1 w matrix check "$WN_T/bad.ini"
check_out "  ... names the file and line" 'bad\.ini:13: '
check_exit "matrix check of a missing file" 1 w matrix check "$WN_T/missing.ini"
check_exit "matrix publish refuses a bad file before connecting" 1 \
	w matrix publish "$WN_T/bad.ini"
check_out "  ... with the parser's message" 'bad\.ini:13: '
check_exit "matrix publish of a missing file" 1 w matrix publish "$WN_T/missing.ini"
check_out "  ... says so" 'missing\.ini: No such file'
if [ -e "$TOP/config/neteland.matrix" ]; then
	check_exit "the example matrix checks" 0 w matrix check "$TOP/config/neteland.matrix"
fi

# --- listen addresses: checked at init and whenever the config is loaded
printf 'pass-listen-%s\n' "$RANDOM$RANDOM" >"$WN_T/l.pass"; chmod 600 "$WN_T/l.pass"
init_l() { "$WIJKNET" init --data "$WN_T/l$1" --org-id l --org-name L \
	--role police --listen "$2" --passphrase-file "$WN_T/l.pass" --kdf interactive; }
check_exit "init refuses a negative port" 2 init_l 1 "tcp://127.0.0.1:-5"
check_out "  ... names listen and the port" 'listen: expected a port from 1 to 65535'
check_exit "init refuses port 65536" 2 init_l 2 "tcp://127.0.0.1:65536"
check_exit "init refuses a missing host" 2 init_l 3 "tcp://:7400"
check_out "  ... says a host is missing" 'listen: expected a host name'
check_exit "init refuses plain tcp beyond loopback" 2 init_l 4 "tcp://0.0.0.0:7400"
check_out "  ... says why" 'plain tcp:// only on loopback'
check "  ... and left nothing behind" test ! -e "$WN_T/l4"
check_exit "init takes plain tcp on loopback" 0 init_l 5 "tcp://127.0.0.1:$(free_port)"
sed -i 's|^listen = .*|listen = tcp://0.0.0.0:7400|' "$WN_T/l5/wijknet.conf"
lline=$(grep -n '^listen' "$WN_T/l5/wijknet.conf" | cut -d: -f1)
check_exit "run refuses a config with plain tcp beyond loopback" 1 \
	timeout 60 "$WIJKNETD" run --config "$WN_T/l5/wijknet.conf"
check_out "  ... naming the file and line" "wijknet\\.conf:$lline: listen: plain tcp:// only on loopback"
sed -i 's|^listen = .*|listen = tcp://127.0.0.1:99999|' "$WN_T/l5/wijknet.conf"
check_exit "run refuses a config with port 99999" 1 \
	timeout 60 "$WIJKNETD" run --config "$WN_T/l5/wijknet.conf"
check_out "  ... naming the file and line" "wijknet\\.conf:$lline: listen: expected a port"

# --- the benchmark commands are out of the case worker's help (issue 14)
check "wijknet --help does not list the debug commands" \
	bash -c '! "$1" --help | grep -Eq "^  debug |send|received|stats"' _ "$WIJKNET"
check "peer --help does not list send, received or stats" \
	bash -c '! "$1" peer --help | grep -Eq "send|received|stats"' _ "$WIJKNET"
check "  but lists list --wide" bash -c '"$1" peer --help | grep -q "peer list \[--wide\]"' _ "$WIJKNET"
check_exit "debug --help" 0 w debug --help
check_out "  lists send, received and stats" '^usage: wijknet debug send ORG'
check "  and says what they are for" bash -c '"$1" debug --help | grep -q benchmarks' _ "$WIJKNET"
bad debug
bad debug frobnicate
bad debug send
bad debug received
bad debug stats --zap
bad peer send
bad peer stats --zap
bad peer list --narrow
# the old names still run them: they reach for the node (exit 1, no node)
check_exit "peer stats still runs (no node: exit 1, not a usage error)" 1 w peer stats
check_exit "debug stats runs (no node: exit 1)" 1 w debug stats
check_exit "peer list --wide runs (no node: exit 1)" 1 w peer list --wide
wn_done
