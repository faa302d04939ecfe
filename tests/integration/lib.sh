# lib.sh - helpers for integration tests: real wijknetd processes on
# loopback driven by the real wijknet CLI. Source it; call wn_done at the end.
#
# Output is TAP-like: "ok - NAME" / "not ok - NAME"; tests/run.sh counts
# those. Readiness is signalled by the daemon itself (--ready-fd), never
# guessed with sleeps.
#
# Every daemon ends with SIGTERM and is waited for (node_stop; wn_done and
# the exit trap stop those still running), so that a sanitizer build
# checks it for leaks on its way out: a daemon that exits non-zero, leaves
# a sanitizer report in its log ($WN_T/NAME.log) or does not stop within
# WN_STOP_LIMIT seconds is a failed check. A test that cuts a daemon's
# power (node_kill, SIGKILL) takes it out of that.
set -u
: "${BUILD:=build}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WIJKNET="$TOP/$BUILD/wijknet"
# the tests' daemon (Makefile: built with WN_TEST_HOOKS, which keeps core
# dumps for WIJKNET_TEST_KEEP_CORES=1 and reads the WIJKNET_TEST_* timing
# hooks, node_test_ms): the installed daemon ignores them all, so no test
# runs on that one by mistake (make mutation builds this one too)
WIJKNETD="$TOP/$BUILD/tests/wijknetd"
if [ ! -x "$WIJKNETD" ]; then
	echo "lib.sh: $WIJKNETD is not built (make $BUILD/tests/wijknetd)" >&2
	exit 1
fi
# WN_TMPDIR: where the run's directory goes (/tmp); WN_KEEP=1 keeps it
WN_T=$(mktemp -d "${WN_TMPDIR:-/tmp}/wnit.XXXXXX")
WN_FAILS=0
# a stopping daemon flushes its chain heads (up to
# WIJKNET_TEST_STOP_FLUSH_MS) and, built with ASan, looks for leaks
: "${WN_STOP_LIMIT:=300}"
# run alone (not by tests/run.sh), a sanitizer build uses the same
# suppressions: the one known nng leak, nothing of ours
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$TOP/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
declare -A WN_PID=() WN_LOGAT=() WN_SANREP=() WN_STARTED=()
# the script's own output: a sanitizer report or a hang is shown there
# even when found inside a check whose output is captured
exec {WN_OUT}>&1

wn_cleanup() {
	local rc=$?
	# a script that ends without wn_done (set-up failed): its daemons
	# still end with SIGTERM and are checked
	if [ ${#WN_PID[@]} -gt 0 ]; then
		wn_stop_all
		[ "$rc" -eq 0 ] && [ "$WN_FAILS" -ne 0 ] && rc=1
	fi
	# a script that failed before wn_done (or without it) says why too
	if [ "${WN_WARNED:-}" = "" ] && { [ "$rc" -ne 0 ] || [ "$WN_FAILS" -ne 0 ]; }; then
		wn_warnings
	fi
	if [ "${WN_KEEP:-}" = "" ]; then rm -rf "$WN_T"; fi
	exit "$rc"
}
trap wn_cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; WN_FAILS=$((WN_FAILS + 1)); }

# check NAME CMD...: the command must succeed.
check() {
	local name=$1; shift
	if "$@" >"$WN_T/out" 2>&1; then ok "$name"; else
		not_ok "$name"; sed 's/^/    /' "$WN_T/out" | tail -20; fi
}

# check_exit NAME CODE CMD...: exact exit code; output kept in $WN_T/out.
check_exit() {
	local name=$1 want=$2; shift 2
	"$@" >"$WN_T/out" 2>&1
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else
		not_ok "$name (exit $got, want $want)"; sed 's/^/    /' "$WN_T/out" | tail -20; fi
}

# check_out NAME PATTERN: the last command's output matches (grep -E).
check_out() {
	if grep -Eq -- "$2" "$WN_T/out"; then ok "$1"; else
		not_ok "$1: no /$2/ in:"; sed 's/^/    /' "$WN_T/out" | tail -20; fi
}

# free_port: a loopback port nothing listens on now, taken below the
# kernel's ephemeral range (32768-60999): a port from bind(0) could be
# the local end of some other connection by the time the daemon binds it
# (its own node's dialers, another test's), and the start would fail
free_port() {
	/usr/bin/python3 -c '
import random, socket
for _ in range(500):
    p = random.randint(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        print(p)
        break
    except OSError:
        pass
    finally:
        s.close()
'
}

# node_init NAME ROLE: a node in $WN_T/NAME with passphrase file $WN_T/NAME.pass
# (with WN_LOG_LEVEL set, its config's log_level)
node_init() {
	local name=$1 role=$2 port
	port=$(free_port)
	printf 'pass-%s-%05d%05d\n' "$name" "$RANDOM" "$RANDOM" >"$WN_T/$name.pass"
	chmod 600 "$WN_T/$name.pass"
	"$WIJKNET" init --data "$WN_T/$name" --org-id "$name" \
		--org-name "Node $name" --role "$role" \
		--listen "tcp://127.0.0.1:$port" --user admin \
		--passphrase-file "$WN_T/$name.pass" --kdf interactive 2>"$WN_T/$name.init-err"
	init_stderr $? "$name" || return
	[ -z "${WN_LOG_LEVEL:-}" ] || set_conf "$name" log_level "$WN_LOG_LEVEL"
}
# init_stderr RC NAME: shows init's stderr but its warning about --kdf
# interactive (which the tests use on purpose), and returns RC
init_stderr() {
	grep -v 'warning: --kdf interactive' "$WN_T/$2.init-err" >&2
	return "$1"
}

# node_start NAME: start the daemon, wait until it says it is ready.
# Returns the daemon's exit code if it stops before that. With
# WN_CAPTURE=1 the daemon writes every transfer it sends or receives to
# $WN_T/NAME.wire (a test that searches the wire; costly, so opt-in), and
# the opened body of every message it receives to $WN_T/NAME.bodies.
node_start() {
	local try
	# a first start whose port another process took since init (nothing
	# has this node's endpoint yet) moves to another port, at most 3 times
	for try in 1 2 3; do
		node_start_once "$@" && return 0
		local rc=$?
		[ -z "${WN_STARTED[$1]:-}" ] &&
			tail -c +"$((${WN_LOGAT[$1]:-0} + 1))" "$WN_T/$1.log" 2>/dev/null |
			grep -q 'cannot listen: Address in use' || return $rc
		sed -i "s|^listen = \(.*\)://127.0.0.1:[0-9]*$|listen = \1://127.0.0.1:$(free_port)|" \
			"$WN_T/$1/wijknet.conf"
		echo "# $1: its port was taken, trying another" >&2
	done
	return $rc
}
node_start_once() {
	local name=$1 line="" cap="" bodies=""
	shift
	WN_LOGAT[$name]=$(stat -c %s "$WN_T/$name.log" 2>/dev/null || echo 0)
	rm -f "$WN_T/$name.ready"
	mkfifo "$WN_T/$name.ready"
	[ "${WN_CAPTURE:-}" = 1 ] && cap="$WN_T/$name.wire" bodies="$WN_T/$name.bodies"
	# WN_FSIZE_KB: no file of the daemon's may grow past it (a full disk);
	# a soft limit, so that a test can give room back (prlimit)
	( [ -n "${WN_FSIZE_KB:-}" ] && ulimit -S -f "$WN_FSIZE_KB"
	# an abort or a crash leaves its core in $WN_T/NAME.core/ (where the
	# system writes cores to the working directory), for wn_reap to show
	# every thread's stack; a daemon turns core dumps off unless
	# WIJKNET_TEST_KEEP_CORES=1, which tests set (a test of that
	# hardening sets WIJKNET_TEST_KEEP_CORES= to see it; only the tests'
	# build of the daemon reads it)
	mkdir -p "$WN_T/$name.core" && cd "$WN_T/$name.core" && ulimit -S -c unlimited 2>/dev/null
	WIJKNET_WIRE_CAPTURE="$cap" WIJKNET_TEST_BODY_CAPTURE="$bodies" WIJKNET_TEST_KEEP_CORES="${WIJKNET_TEST_KEEP_CORES-1}" \
	exec "$WIJKNETD" run --config "$WN_T/$name/wijknet.conf" --ready-fd 3 "$@" \
		3>"$WN_T/$name.ready" 2>>"$WN_T/$name.log" ) &
	WN_PID[$name]=$!
	read -r -t "${WN_START_LIMIT:-300}" line <"$WN_T/$name.ready"
	if [ "$line" = "ready" ]; then WN_STARTED[$name]=1; return 0; fi
	# not ready: it stopped (refused to start), or hangs: stop it
	wn_alive "${WN_PID[$name]}" && kill -TERM "${WN_PID[$name]}"
	wn_reap "$name"
}

# wn_alive PID: our child PID runs (a zombie that ended does not; a PID
# the test reaped itself and the system reused is not ours)
wn_alive() {
	local st
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	set -- ${st}
	[ "$1" != Z ] && [ "${2:-}" = "$$" ]
}

# wn_sanitizer NAME: not ok if the daemon's log, since its start, holds a
# sanitizer report (LeakSanitizer, AddressSanitizer, UBSan); the report
# is shown under it
wn_sanitizer() {
	local name=$1 log="$WN_T/$1.log" at=${WN_LOGAT[$1]:-0}
	[ -f "$log" ] || return 0
	# a test truncated the log meanwhile: all of it is since the start
	[ "$(stat -c %s "$log")" -lt "$at" ] && at=0
	if tail -c +"$((at + 1))" "$log" | grep -Eq "$WN_SAN_RE"; then
		WN_SANREP[$name]=1
		not_ok "$name: no sanitizer report in $name.log" >&"$WN_OUT"
		tail -c +"$((at + 1))" "$log" | grep -E -A 14 "$WN_SAN_RE" | head -40 |
			sed 's/^/    /' >&"$WN_OUT"
		return 1
	fi
}
WN_SAN_RE='ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:|SUMMARY: [A-Za-z]*Sanitizer|Sanitizer:DEADLYSIGNAL'

# wn_reap NAME: wait (at most WN_STOP_LIMIT s) for the daemon NAME, sent
# a signal or ended by itself, to end; returns its exit code, 124 if it
# had to be killed. Its log is checked for sanitizer reports.
wn_reap() {
	local name=$1 pid=${WN_PID[$1]} start=$SECONDS rc
	while wn_alive "$pid"; do
		if [ $((SECONDS - start)) -ge "$WN_STOP_LIMIT" ]; then
			not_ok "$name ends within $WN_STOP_LIMIT s of SIGTERM (it hangs: killed)" >&"$WN_OUT"
			# where it hangs: every thread's stack, if gdb is there
			if command -v gdb >/dev/null; then
				timeout 120 gdb -p "$pid" -batch -ex "thread apply all bt" \
					>"$WN_T/$name.hang" 2>&1
				# each thread with its frames in our code
				grep -E '^Thread| (node|protocol|config|crypto)/([a-z_]+/)?[a-z_]+\.c:[0-9]' \
					"$WN_T/$name.hang" | head -60 | sed 's/^/    /' >&"$WN_OUT"
			fi
			kill -KILL "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			unset "WN_PID[$name]"
			return 124
		fi
		sleep 0.1
	done
	wait "$pid"
	rc=$?
	unset "WN_PID[$name]"
	# ended by a signal of its own (an abort, a crash): the end of its log
	# says why, so the failure can be read from the test's output
	if [ "$rc" -gt 128 ] && [ "$rc" -ne 137 ] && [ "$rc" -ne 143 ]; then
		echo "# $name ended by signal $((rc - 128)); the end of $name.log:" >&"$WN_OUT"
		tail -n 15 "$WN_T/$name.log" 2>/dev/null | sed 's/^/#    /' >&"$WN_OUT"
		wn_core_stacks "$name"
	fi
	if ! wn_sanitizer "$name" && [ "$rc" -eq 0 ]; then rc=1; fi
	return $rc
}

# wn_core_stacks NAME: the stack of the thread of the daemon NAME that
# took the signal, then every thread's, from the core it left
# (node_start_once), if gdb is there; the core is removed once read
wn_core_stacks() {
	local core
	core=$(ls -t "$WN_T/$1.core"/core* 2>/dev/null | head -1)
	[ -n "$core" ] || return 0
	if command -v gdb >/dev/null; then
		echo "# $1's threads when it ended (from its core):" >&"$WN_OUT"
		timeout 120 gdb -batch -ex bt -ex "thread apply all bt" "$WIJKNETD" "$core" 2>/dev/null |
			grep -E '^(Thread|#[0-9])' | head -200 | sed 's/^/#    /' >&"$WN_OUT"
	fi
	rm -f "$core"
}

# node_stop NAME: SIGTERM and wait (bounded); returns the daemon's exit
# code. A sanitizer report or a hang is a failed check by itself, whether
# or not the caller checks the exit code.
node_stop() {
	local name=$1
	if [ -z "${WN_PID[$name]:-}" ]; then
		echo "node_stop: $name is not running" >&2
		return 1
	fi
	kill -TERM "${WN_PID[$name]}" 2>/dev/null
	wn_reap "$name"
}

# node_kill NAME: a power cut (SIGKILL): no clean stop, nothing to check
node_kill() {
	[ -n "${WN_PID[$1]:-}" ] || return 1
	kill -KILL "${WN_PID[$1]}" 2>/dev/null
	wait "${WN_PID[$1]}" 2>/dev/null
	unset "WN_PID[$1]"
}

# wn_stop_all: every daemon the script still believes running gets
# SIGTERM (all at once: each may wait for the others' chain heads) and
# must end cleanly: exit 0, no sanitizer report. One that had ended by
# itself must have exited 0 too. A power cut is node_kill, which forgets
# the PID: a daemon found here killed by SIGKILL (137: the OOM killer, a
# stray kill, a hang killed by hand) is a failure like any other exit.
wn_stop_all() {
	local n rc names=()
	declare -A was=()
	[ ${#WN_PID[@]} -gt 0 ] || return 0
	mapfile -t names < <(printf '%s\n' "${!WN_PID[@]}" | LC_ALL=C sort)
	for n in "${names[@]}"; do
		was[$n]=ended
		if wn_alive "${WN_PID[$n]}"; then
			was[$n]=running
			kill -TERM "${WN_PID[$n]}" 2>/dev/null
		fi
	done
	for n in "${names[@]}"; do
		wn_reap "$n"
		rc=$?
		if [ "${was[$n]}" = ended ] && [ "$rc" -eq 137 ]; then
			not_ok "$n, meant to run to the end, was killed by SIGKILL (not by node_kill)"
		elif [ "${was[$n]}" = ended ] && [ "$rc" -eq 127 ]; then
			continue # the test waited for it itself
		elif [ "$rc" -eq 0 ]; then
			ok "$n, still running at the end, stops cleanly"
		elif [ "${was[$n]}" = ended ]; then
			not_ok "$n, meant to run to the end, had ended by itself (exit $rc)"
		else
			not_ok "$n, still running at the end, stops cleanly (exit $rc)"
		fi
	done
}

# set_conf NODE KEY VALUE: set a key of NODE's config (added under [node]
# when the file has none), and check the line is there
set_conf() {
	local f="$WN_T/$1/wijknet.conf"
	if grep -q "^$2 = " "$f"; then
		sed -i "s|^$2 = .*|$2 = $3|" "$f"
	else
		sed -i "s|^\[node\]$|[node]\n$2 = $3|" "$f"
	fi
	grep -Fqx "$2 = $3" "$f"
}

wn() { local name=$1; shift; "$WIJKNET" -d "$WN_T/$name" "$@"; }

# node_sql NAME: run the SQL (or sqlcipher dot commands) on stdin in the
# store of NAME, stopped, opened with its key (from keydump, never in argv)
node_sql() {
	local key
	key=$("$TOP/$BUILD/tests/tools/keydump" "$WN_T/$1/node.key" "$WN_T/$1.pass" | sed -n 3p)
	{ printf 'PRAGMA key = "x'"'"'%s'"'"'";\nPRAGMA cipher_page_size = 4096;\n' "$key"; cat; } |
		sqlcipher "$WN_T/$1/node.db"
}

# wn_done: stop the daemons still running (checked), look for sanitizer
# reports in every daemon log not yet checked (daemons a test started by
# hand), and end with the script's verdict.
wn_done() {
	local f n
	wn_stop_all
	if [ -f "$WN_T/seq_unread" ]; then
		not_ok "every sequence number a poke used was read; these were not:"
		sed 's/^/    /' "$WN_T/seq_unread"
	fi
	for f in "$WN_T"/*.log; do
		[ -f "$f" ] || continue
		n=${f##*/}
		n=${n%.log}
		[ -n "${WN_SANREP[$n]:-}" ] && continue
		if grep -Eq "$WN_SAN_RE" "$f"; then
			not_ok "$n.log holds no sanitizer report"
			grep -E -A 14 "$WN_SAN_RE" "$f" | head -40 | sed 's/^/    /'
		fi
	done
	[ "$WN_FAILS" -ne 0 ] && wn_warnings
	WN_WARNED=1
	[ "$WN_FAILS" -eq 0 ]
}

# wn_warnings: a failure under load is gone with its folder: say what each
# node, running or stopped, warned of (their logs hold no secret), so the
# report can tell why
wn_warnings() {
	local f
	for f in "$WN_T"/*.log; do
		[ -f "$f" ] || continue
		grep -q ' level=\(warn\|error\) ' "$f" || continue
		echo "# ${f##*/}: its last warnings and errors"
		grep ' level=\(warn\|error\) ' "$f" | tail -8 | cut -c1-300 | sed 's/^/#   /'
	done
}

# wait_for SECONDS CMD...: retry CMD until it succeeds (a condition, not a
# guess at timing); fails after SECONDS.
wait_for() {
	local limit=$1 start=$SECONDS; shift
	until "$@" >/dev/null 2>&1; do
		if [ $((SECONDS - start)) -ge "$limit" ]; then return 1; fi
		sleep 0.05
	done
}

# Conditions that cannot pass on a CLI error: `! wn ... | grep -q X`
# passes when wn fails, `$(wn ... | grep -c X)` reads 0. These run the
# command first and fail when it fails (saying so), so a check built on
# them fails for the reason it names or for a broken CLI, never passes.

# out_has PATTERN CMD...: CMD succeeds and its output matches (grep -E)
out_has() {
	local pat=$1 out; shift
	out=$("$@" 2>&1) || { printf '%s\n(failed: %s)\n' "$out" "$*"; return 1; }
	grep -Eq -- "$pat" <<<"$out" && return 0
	printf '%s\n(no /%s/ in that)\n' "$out" "$pat" | tail -20; return 1
}
# out_lacks PATTERN CMD...: CMD succeeds and its output does not match
out_lacks() {
	local pat=$1 out; shift
	out=$("$@" 2>&1) || { printf '%s\n(failed: %s)\n' "$out" "$*"; return 1; }
	grep -Eq -- "$pat" <<<"$out" || return 0
	grep -E -- "$pat" <<<"$out" | tail -20; return 1
}
# no_epoch CMD...: CMD succeeds, says something, and writes no moment in
# epoch milliseconds (a number of 13 digits standing alone): human output
# says dates a person reads, --json carries the milliseconds
no_epoch() {
	local pat='(^|[^0-9A-Za-z])[0-9]{13}([^0-9A-Za-z]|$)' out
	out=$("$@" 2>&1) || { printf '%s\n(failed: %s)\n' "$out" "$*"; return 1; }
	[ -n "$out" ] || { echo "(no output: $*)"; return 1; }
	grep -Eq -- "$pat" <<<"$out" || return 0
	grep -E -- "$pat" <<<"$out" | tail -20; return 1
}
# count_or_fail PATTERN CMD...: prints how many lines of CMD's output match
# (grep -E); prints nothing and fails when CMD fails
count_or_fail() {
	local pat=$1 out; shift
	out=$("$@") || return 1
	grep -Ec -- "$pat" <<<"$out"
	return 0
}
# count_is WANT CMD...: CMD succeeds and prints exactly WANT
count_is() {
	local want=$1 got; shift
	got=$("$@") || { echo "(failed: $*)"; return 1; }
	[ "$got" = "$want" ] && return 0
	echo "got '$got', want '$want' from: $*"; return 1
}
# audit_count NODE ACTION [USER]: how many of NODE's audit records have
# that action (and that user); fails when the CLI fails or the log holds
# more than `audit show` shows (the count would be short)
audit_count() {
	local out
	out=$(wn "$1" --json audit show --limit 10000) || return 1
	printf '%s' "$out" | /usr/bin/python3 -c '
import json,sys
r=json.load(sys.stdin)["rows"]
if len(r) >= 10000: sys.exit("more than 10000 audit records: cannot count them all")
print(sum(1 for x in r if x["action"] == sys.argv[1] and sys.argv[2] in ("", x["user"])))' \
		"$2" "${3:-}"
}

# json_field NAME FIELD: a field of the first row of `wijknet --json` output
# read from stdin.
json_field() {
	/usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin)["rows"]; print(r[0][sys.argv[1]] if r else "")' "$1"
}

# peer_field NODE PEER FIELD: one field of `peer list` for PEER on NODE
peer_field() {
	wn "$1" --json peer list | /usr/bin/python3 -c '
import json,sys
for r in json.load(sys.stdin)["rows"]:
    if r["org_id"] == sys.argv[1]: print(r[sys.argv[2]]); break' "$2" "$3"
}

# expected_seq TO FROM: the next sequence number TO expects from FROM; prints
# nothing and fails when the CLI fails or TO does not know FROM (where
# `$(( $(peer_field ...) + 1 ))` reads 1: a replay, which a poke meant to
# be refused for another reason would be refused for too). Used inside
# `$(...)`, where a failure is lost, so it is also written down: wn_done
# fails the script when any read failed.
expected_seq() {
	local n
	n=$(peer_field "$1" "$2" received_seq)
	if [[ $n =~ ^[0-9]+$ ]]; then echo $((n + 1)); return 0; fi
	echo "$2's received_seq on $1 (read '$n')" >>"$WN_T/seq_unread"
	echo "expected_seq: no received_seq of $2 on $1: '$n'" >&2
	return 1
}

# bundle NODE: its public key bundle in $WN_T/NODE.bundle; prints the fingerprint
bundle() {
	"$WIJKNETD" public --config "$WN_T/$1/wijknet.conf" >"$WN_T/$1.bundle" &&
		sed -n 's/^fingerprint = //p' "$WN_T/$1.bundle"
}

# federation DIRECTOR MEMBER[:ROLE]...: init all (members pin the director),
# start them, members enrol the director, the director enrols each member,
# and wait until every member holds a charter listing all the others.
federation() {
	local dir=$1 m spec; shift
	node_init "$dir" municipality >/dev/null || return 1
	local dkey members=()
	dkey=$("$WIJKNETD" public --config "$WN_T/$dir/wijknet.conf" | sed -n 's/^sign_key = //p')
	for spec in "$@"; do
		m=${spec%%:*}
		members+=("$m")
		node_init_member "$m" "$dkey" "$( [ "$spec" != "$m" ] && echo "${spec#*:}" || echo police)" >/dev/null || return 1
	done
	set -- "${members[@]}"
	node_start "$dir" || return 1
	local dfp; dfp=$(bundle "$dir")
	for m in "$@"; do
		node_start "$m" || return 1
		wn "$m" peer add "$WN_T/$dir.bundle" --fingerprint "$dfp" >/dev/null || return 1
	done
	for m in "$@"; do
		local fp; fp=$(bundle "$m")
		wn "$dir" peer add "$WN_T/$m.bundle" --fingerprint "$fp" >/dev/null || return 1
	done
	for m in "$@"; do
		local o
		for o in "$@"; do
			[ "$o" = "$m" ] && continue
			wait_for 30 peer_known "$m" "$o" || return 1
		done
	done
}

# need_nobody: a test that runs a node as the user nobody needs root,
# that user and setpriv, and nobody must pass through $WN_T and every
# folder above it (those are the machine's: a root made with mktemp -d,
# 0700, as some throwaway roots are, lets no other user through). Sets
# OWN_U and OWN_G; otherwise says why it SKIPs and fails.
need_nobody() {
	if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 || ! command -v setpriv >/dev/null; then
		ok "# SKIP needs root, the user nobody and setpriv"
		return 1
	fi
	OWN_U=$(id -u nobody)
	OWN_G=$(id -g nobody)
	chmod 0711 "$WN_T"
	if ! setpriv --reuid="$OWN_U" --regid="$OWN_G" --clear-groups test -x "$WN_T"; then
		ok "# SKIP nobody cannot pass through the folders above $WN_T (on this machine: $(stat -c '%n %a' / "$(dirname "$WN_T")" | tr '\n' ' '))"
		return 1
	fi
}

# join_directing NAME: a municipality NAME joins dir's federation (made
# by `federation dir ...`), enrolled by the director to direct cases
# (--directs)
join_directing() {
	local dkey
	dkey=$("$WIJKNETD" public --config "$WN_T/dir/wijknet.conf" | sed -n 's/^sign_key = //p')
	node_init_member "$1" "$dkey" municipality >/dev/null &&
		node_start "$1" &&
		wn "$1" peer add "$WN_T/dir.bundle" --fingerprint "$(bundle dir)" >/dev/null &&
		wn dir peer add "$WN_T/$1.bundle" --fingerprint "$(bundle "$1")" --directs >/dev/null
}

# node_init_member NAME DIRECTOR_KEY [ROLE] (WN_LOG_LEVEL as node_init)
node_init_member() {
	local name=$1 dkey=$2 role=${3:-police} port
	port=$(free_port)
	printf 'pass-%s-%05d%05d\n' "$name" "$RANDOM" "$RANDOM" >"$WN_T/$name.pass"
	chmod 600 "$WN_T/$name.pass"
	"$WIJKNET" init --data "$WN_T/$name" --org-id "$name" \
		--org-name "Node $name" --role "$role" \
		--listen "tcp://127.0.0.1:$port" --user admin \
		--passphrase-file "$WN_T/$name.pass" --kdf interactive \
		--director-key "$dkey" 2>"$WN_T/$name.init-err"
	init_stderr $? "$name" || return
	[ -z "${WN_LOG_LEVEL:-}" ] || set_conf "$name" log_level "$WN_LOG_LEVEL"
}

# rss_kb PID: peak resident set (VmHWM) in kB
rss_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# field_is NODE PEER FIELD VALUE: a condition for wait_for
field_is() { test "$(peer_field "$1" "$2" "$3")" = "$4"; }
# field_ge NODE PEER FIELD N
field_ge() { local v; v=$(peer_field "$1" "$2" "$3"); test "${v:-0}" -ge "$4"; }
# peer_known NODE PEER
peer_known() { test -n "$(peer_field "$1" "$2" org_id)"; }

# The example matrix names its federation herentals; the tests' director is
# dir. $WN_T/dir.matrix is the same matrix for the federation dir directs.
sed "s/^federation = herentals/federation = dir/" "$TOP/config/neteland.matrix" >"$WN_T/dir.matrix"

# fill_disk NODE: record fields until the node refuses one (its disk is
# full; the refusal is in $WN_T/fill.out), then fill what room a refused
# write leaves for audit records (ctl_fill.py) until requests that only
# read have theirs held. Fails if 400 fields, or 2000 rounds, all fit.
fill_disk() {
	local i full=
	for i in $(seq 1 400); do
		wn "$1" record --subject S-fill --category signals --field note \
			--value "filling the disk, record $i of at most 400 ......................" \
			>"$WN_T/fill.out" 2>&1 || { full=1; break; }
	done
	[ -n "$full" ] &&
		/usr/bin/python3 "$TOP/tests/integration/ctl_fill.py" \
			"$WN_T/$1/control.sock" "$WN_T/$1.log" 2000 >"$WN_T/fill-audit.out" 2>&1
}
