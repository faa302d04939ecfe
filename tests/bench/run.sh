#!/usr/bin/env bash
# run.sh - `make bench`: the peer exchange between two real wijknetd nodes on
# loopback, end to end, next to a bare-nng baseline measured in the same run
# (the machine is shared and noisy, so read the ratios, not the absolutes).
#
#   1. baseline: bench_nng, bare REQ/REP over tcp://127.0.0.1, 1 KiB
#      payloads, 8 requests in flight; then 64 x 1 KiB per request with 4
#      in flight (the shape of wijknet's traffic to one peer: transfers of
#      up to 64 envelopes, a window of 4 in flight), and with 1 in flight
#   2. throughput: a director and a member (lib.sh's federation); the member
#      queues N DATA messages of 1 KiB for the director and bench_drive times
#      the request until the member's outbox is empty (durable both sides)
#   3. latency: 2000 messages/s for 5 s (10 every 5 ms), then the member's
#      p50/p99 from enqueue to its commit of the receipt
#      next to the disk's own fdatasync p50/p99 in the same folder
#      (bench_fsync): each delivery waits for two fsync'd commits in a row
#      (the enqueue's, the receiver's) and one that is not fsync'd
#   4. scale: the receiver restarted (timed), then filled with BENCH_FILL
#      messages already received (bench_fill: inbox, data_in and audit rows
#      as the exchange writes them), restarted (timed) and step 2 again:
#      the ratio says how the cost grows with what a node holds
#   5. peers: a second federation, a hub and BENCH_PEERS members (8):
#      BENCH_PEER_COUNT (8000) messages spread over k = 1, 2, 4, 8 members,
#      into the hub (k members at once) and out of it (k peers), with the
#      hub's CPU per envelope: how the cost grows with the number of peers
#   6. signals: the store's bare insert rate (bench_signals: 10000 signals
#      with one prepared INSERT a table in one transaction), then
#      `wijknet signal import` of a CSV of 10000 lines, 1 % of them bad
#      (every one reported with its line, checked), twice (the second adds
#      nothing), as a ratio to that rate; then `signal list` of one area
#      (and a category, a period) timed through the CLI on a node holding
#      10000 signals and 5000 cases, then BENCH_SIGNALS (100000): the ratio
#      says how a page of the list grows with what the node holds; and
#      `wijknet case signals` of the case with the most signals attached
#      (each of the 5000 cases has up to 20), timed the same way at both
#      sizes
#   7. tokens: bench_tokens makes BENCH_TOKENS (10000) subjects into
#      pseudonymous tokens the whole way (normalise the name and date of
#      birth, hash to ristretto255, blind, evaluate, finalize: RFC 9497's
#      OPRF, issue 11), next to the bare crypto_scalarmult_ristretto255
#      measured in the same process (a token needs three); then the real
#      request path: a member holding BENCH_TOKENS subjects without a token
#      (bench_tokens --fill) asks its director for them at start
#      (TOKEN_REQUEST/TOKEN_ANSWER, 1000 a request), timed from its log
#
# Environment: BUILD (default build), BENCH_COUNT (default 20000),
# BENCH_SECONDS (baseline seconds, default 3), BENCH_FILL (default
# 1000000), BENCH_PEERS (8), BENCH_PEER_COUNT (8000), BENCH_SIGNALS
# (100000), BENCH_SIG_CALLS (50 calls per list). Exits non-zero only
# if something failed to run; there are no timing thresholds.
set -u
: "${BUILD:=build}"
. "$(dirname "$0")/../integration/lib.sh"
BIN="$TOP/$BUILD/tests/bench"
COUNT=${BENCH_COUNT:-20000}
FILL=${BENCH_FILL:-1000000}
NPEERS=${BENCH_PEERS:-8}
PCOUNT=${BENCH_PEER_COUNT:-8000}
SECS=${BENCH_SECONDS:-3}
SIGNALS=${BENCH_SIGNALS:-100000}
SIG_CALLS=${BENCH_SIG_CALLS:-50}
TOKENS=${BENCH_TOKENS:-10000}
SIG_BASE=10000
SIG_CASES=5000
SIZE=1024
RATE=2000
K=10
LAT_SECS=5
WINDOW=$(sed -n 's/^#define NODE_WINDOW \([0-9]*\).*/\1/p' "$TOP/node/exchange/exchange.h")
T_START=$SECONDS

fail() { echo "bench: FAILED: $*" >&2; for f in "$WN_T"/*.log; do
	[ -s "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done; exit 1; }
# kv LINE KEY: the value of KEY=VALUE in a result line
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
# cpu_ms PID: user + system CPU time of a process so far, in ms
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"; }
# calc FORMAT EXPR: floating point arithmetic, printed with FORMAT
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

for b in bench_nng bench_drive bench_fill bench_fsync bench_signals bench_tokens; do
	[ -x "$BIN/$b" ] || fail "$BIN/$b is missing (run make bench)"
done

echo "== 1. baseline: bare nng REQ/REP over tcp://127.0.0.1, no crypto, no store (${SECS} s each)"
b1=$("$BIN/bench_nng" --seconds "$SECS" --inflight 8 --batch 1 --size $SIZE) ||
	fail "bench_nng (8 in flight)"
echo "   $b1"
b64=$("$BIN/bench_nng" --seconds "$SECS" --inflight "$WINDOW" --batch 64 --size $SIZE) ||
	fail "bench_nng (batched 64, $WINDOW in flight)"
echo "   $b64"
b64x1=$("$BIN/bench_nng" --seconds "$SECS" --inflight 1 --batch 64 --size $SIZE) ||
	fail "bench_nng (batched 64, 1 in flight)"
echo "   $b64x1"

echo "== 2. throughput: a federation of two wijknetd (director 'dir', member 'police')"
federation dir police >"$WN_T/federation.log" 2>&1 || fail "the federation did not form"
wait_for 30 peer_known police dir || fail "police does not know dir"
SND=${WN_PID[police]}
RCV=${WN_PID[dir]}
# warm-up: the member dials the director on its first transfer
warm=$("$BIN/bench_drive" "$WN_T/police" dir throughput 640 $SIZE) || fail "warm-up"
echo "   warm-up: $warm"
cs0=$(cpu_ms "$SND"); cr0=$(cpu_ms "$RCV")
thr=$("$BIN/bench_drive" "$WN_T/police" dir throughput "$COUNT" $SIZE) ||
	fail "the throughput run"
cs1=$(cpu_ms "$SND"); cr1=$(cpu_ms "$RCV")
echo "   $thr"
got=$(wn dir --json peer received police | json_field count)
[ "$got" = $((COUNT + 640)) ] || fail "dir holds $got messages from police, not $((COUNT + 640))"
tt=$(kv "$thr" total_s)
echo "   CPU during the run: sender $((cs1 - cs0)) ms, receiver $((cr1 - cr0)) ms" \
	"($(calc %.0f "($cs1 - $cs0) / $tt / 10")% and $(calc %.0f "($cr1 - $cr0) / $tt / 10")% of one core;" \
	"$(calc %.0f "($cs1 - $cs0) * 1000 / $COUNT") and $(calc %.0f "($cr1 - $cr0) * 1000 / $COUNT") us per envelope)"
echo "   dir received all $got (warm-up included), in order: $(wn dir --json peer received police | json_field in_order)"

echo "== 3. latency at ${RATE}/s: peer.send count=$K every $(calc %g "$K * 1000 / $RATE") ms for ${LAT_SECS} s"
lat=$("$BIN/bench_drive" "$WN_T/police" dir latency $RATE $LAT_SECS $K $SIZE) ||
	fail "the latency run"
echo "   $lat"
fs=$("$BIN/bench_fsync" "$WN_T" 2000) || fail "bench_fsync"
echo "   the disk itself, same folder: $fs"

echo "== 4. scale: dir's store filled with $FILL messages received before"
got1=$(wn dir --json peer received police | json_field count)
node_stop dir || fail "dir did not stop cleanly"
t0=$(date +%s%N); node_start dir || fail "dir did not restart"
st0=$(( ($(date +%s%N) - t0) / 1000000 ))
node_stop dir || fail "dir did not stop cleanly"
fill=$("$BIN/bench_fill" "$WN_T/dir" "$WN_T/dir.pass" filler "$FILL") || fail "bench_fill"
echo "   $fill, store $(( $(stat -c %s "$WN_T/dir/node.db") / 1048576 )) MiB"
t0=$(date +%s%N); node_start dir || fail "dir did not restart after the fill"
st1=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "   dir starts in $st0 ms empty, $st1 ms full (it reads every page: PRAGMA quick_check)"
warm=$("$BIN/bench_drive" "$WN_T/police" dir throughput 640 $SIZE) || fail "warm-up after the fill"
thr2=$("$BIN/bench_drive" "$WN_T/police" dir throughput "$COUNT" $SIZE) ||
	fail "the throughput run after the fill"
echo "   $thr2"
got2=$(wn dir --json peer received police | json_field count)
[ "$got2" = $((got1 + COUNT + 640)) ] || fail "dir holds $got2 messages from police, not $((got1 + COUNT + 640))"

node_stop police || fail "police did not stop cleanly"
node_stop dir || fail "dir did not stop cleanly"

echo "== 5. peers: a hub and $NPEERS members; $PCOUNT messages spread over k of them, into the hub and out of it"
members=()
for i in $(seq 1 "$NPEERS"); do members+=("m$i"); done
federation hub "${members[@]}" >"$WN_T/federation2.log" 2>&1 || fail "the federation of $NPEERS members did not form"
HUB=${WN_PID[hub]}
# warm-up: every member dials the hub, the hub every member
for m in "${members[@]}"; do
	"$BIN/bench_drive" "$WN_T/$m" hub throughput 64 $SIZE >/dev/null || fail "warm-up from $m"
done
"$BIN/bench_drive" "$WN_T/hub" "$(IFS=,; echo "${members[*]}")" throughput $((64 * NPEERS)) $SIZE >/dev/null ||
	fail "warm-up from the hub"
prow=()
for k in 1 2 4 8 16 32 64; do
	[ "$k" -le "$NPEERS" ] || break
	each=$((PCOUNT / k))
	# into the hub: k members send at once, each its share
	c0=$(cpu_ms "$HUB"); t0=$(date +%s%N); pids=()
	for i in $(seq 1 "$k"); do
		"$BIN/bench_drive" "$WN_T/m$i" hub throughput "$each" $SIZE >"$WN_T/fanin$i" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || fail "fan-in from $k members: $(cat "$WN_T"/fanin*)"; done
	t1=$(date +%s%N); c1=$(cpu_ms "$HUB")
	in_rate=$(calc %.0f "$each * $k * 1e9 / ($t1 - $t0)")
	in_cpu=$(calc %.0f "($c1 - $c0) * 1000 / ($each * $k)")
	# out of the hub: one request per member, the same total
	c0=$(cpu_ms "$HUB")
	out=$("$BIN/bench_drive" "$WN_T/hub" "$(IFS=,; echo "${members[*]:0:k}")" throughput "$PCOUNT" $SIZE) ||
		fail "fan-out to $k members"
	c1=$(cpu_ms "$HUB")
	out_n=$(kv "$out" count)
	out_cpu=$(calc %.0f "($c1 - $c0) * 1000 / $out_n")
	echo "   k=$k: into the hub $in_rate envelopes/s, hub CPU $in_cpu us each;" \
		"out of the hub $(kv "$out" env_per_s) envelopes/s, hub CPU $out_cpu us each"
	prow+=("$k:$in_rate:$in_cpu:$(kv "$out" env_per_s):$out_cpu")
done
hub_rss=$(rss_kb "$HUB")
echo "   hub peak RSS with $NPEERS peers: $((hub_rss / 1024)) MiB"
for m in hub "${members[@]}"; do node_stop "$m" || fail "$m did not stop cleanly"; done

echo "== 6. signals: the store's bare insert rate, a CSV import of $SIG_BASE signals, signal list at $SIG_BASE and $SIGNALS signals"
# baseline: SIG_BASE signals inserted into a node's empty store with one
# prepared INSERT a table in one transaction (the median of 3 rounds);
# that node then holds SIG_BASE signals (and SIG_CASES cases) for the list
node_init sigl community_guards >"$WN_T/sigl.init" 2>&1 || fail "init of sigl"
node_start sigl || fail "sigl did not start"
node_stop sigl || fail "sigl did not stop cleanly"
sbare=$("$BIN/bench_signals" --rounds 3 "$WN_T/sigl" "$WN_T/sigl.pass" "$SIG_BASE" "$SIG_CASES") ||
	fail "bench_signals (the bare insert)"
echo "   bare insert into the empty store: $sbare"
# import: a CSV of SIG_BASE lines, 1 % of them bad, into a node of its own
node_init sigi community_guards >"$WN_T/sigi.init" 2>&1 || fail "init of sigi"
node_start sigi || fail "sigi did not start"
/usr/bin/python3 - "$WN_T/signals.csv" "$SIG_BASE" <<'PY' || fail "the CSV was not written"
import sys, time
path, n = sys.argv[1], int(sys.argv[2])
areas = [("Herentals", "Stationsbuurt")] * 6 + [(m, nb) for m in
    ("Herentals", "Olen", "Grobbendonk", "Vorselaar") for nb in ("Centrum", "Noord", "Zuid")]
cats = ["noise", "vandalism", "drugs", "loitering", "intimidation",
        "confused behaviour", "littering", "dwelling_neglect", "other"]
t0 = int(time.time()) - 2 * 86400
rows = ["when,municipality,neighbourhood,street,lat,lon,category,source,source_id,text,perpetrator,reporter"]
bad = {}
bad_lines = [ln for ln in range(2, n + 2) if (ln - 2) % 100 == 50]
for ln in range(2, n + 2):
    m, nb = areas[ln % len(areas)]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(t0 - (ln * 7919) % (600 * 86400)))
    f = [when, m, nb, "Straat %d" % (ln % 40), "51.17%02d" % (ln % 100), "4.83%02d" % (ln % 97),
         cats[ln % 9], "politie", "P-%d" % ln if ln % 10 else "",
         "melding %d over de buurt" % ln, "S-%05d" % (ln % 20000), "S-r%d" % ln]
    if ln in bad_lines:
        k = ((ln - 2) // 100) % 10
        if ln == bad_lines[-1]:
            k = 10
        if k == 0:
            f[6] = "noize"; bad[ln] = "category: 'noize' is not one of"
        elif k == 1:
            f[0] = "2026-02-30 10:00"; bad[ln] = "when: '2026-02-30 10:00' is not a date"
        elif k == 2:
            f[0] = ""; bad[ln] = "when is required"
        elif k == 3:
            f = f[:3]; bad[ln] = "3 fields, the header has 12"
        elif k == 4:
            f[1] = ""; bad[ln] = "municipality is required"
        elif k == 5:
            f[4] = "95.5"; bad[ln] = "point: '95.5,%s' is not a latitude" % f[5]
        elif k == 6:
            f[0] = "2099-01-01 10:00"; bad[ln] = "when: '2099-01-01 10:00' is in the future"
        elif k == 7:
            f[10] = "S-1;S-1"; bad[ln] = "perpetrator: the same subject twice"
        elif k == 8:
            f[7] = ""; bad[ln] = "source is required"
        elif k == 9:
            f[9] = "x" * 17000; bad[ln] = "longer than 16384 bytes"
        else:
            # the only quote in the file: never closed
            f[9] = '"never closed'; bad[ln] = "a quote that is never closed"
    rows.append(",".join(f))
open(path, "w").write("\n".join(rows) + "\n")
open(path + ".bad", "w").write("".join("%d %s\n" % kv for kv in sorted(bad.items())))
PY
nbad=$(wc -l <"$WN_T/signals.csv.bad")
ngood=$((SIG_BASE - nbad))
# check_import OUT ADDED KNOWN: the import's summary line, and a line of
# its own, with the right reason, for each bad line and no other
check_import() {
	grep -q "signals.csv: $2 signals\? added, $3 already here, $nbad lines refused$" "$1" ||
		fail "the import said '$(grep 'signals.csv: ' "$1")', not $2 added, $3 already here, $nbad refused"
	/usr/bin/python3 - "$1" "$WN_T/signals.csv.bad" <<'PY' || fail "the import did not report exactly the bad lines"
import re, sys
want = dict(l.rstrip("\n").split(" ", 1) for l in open(sys.argv[2]))
got = {}
for l in open(sys.argv[1]):
    m = re.match(r"line (\d+): (.*)", l)
    if m:
        got[m.group(1)] = m.group(2)
wrong = [k for k in want if k not in got or want[k] not in got[k]] + [k for k in got if k not in want]
for k in wrong[:10]:
    print("line %s: want %r, got %r" % (k, want.get(k), got.get(k)), file=sys.stderr)
sys.exit(1 if wrong else 0)
PY
}
t0=$(date +%s%N)
wn sigi signal import "$WN_T/signals.csv" >"$WN_T/import1.out" 2>&1
rc=$?
t1=$(date +%s%N)
[ $rc = 1 ] || fail "signal import exited $rc, not 1 (lines refused): $(head -3 "$WN_T/import1.out")"
check_import "$WN_T/import1.out" "$ngood" 0
imp_s=$(calc %.3f "($t1 - $t0) / 1e9")
imp_rate=$(calc %.0f "$ngood / $imp_s")
echo "   import of $SIG_BASE lines ($nbad bad, each reported with its line and reason): $imp_s s," \
	"$imp_rate signals added/s ($(calc %.0f "$SIG_BASE / $imp_s") lines/s)"
t0=$(date +%s%N)
wn sigi signal import "$WN_T/signals.csv" >"$WN_T/import2.out" 2>&1
rc=$?
t1=$(date +%s%N)
[ $rc = 1 ] || fail "signal import (again) exited $rc, not 1: $(head -3 "$WN_T/import2.out")"
check_import "$WN_T/import2.out" 0 "$ngood"
imp2_s=$(calc %.3f "($t1 - $t0) / 1e9")
imp2_rate=$(calc %.0f "$SIG_BASE / $imp2_s")
echo "   the same file again: $imp2_s s, $imp2_rate lines/s, 0 signals added"
node_stop sigi || fail "sigi did not stop cleanly"
held=$("$BIN/bench_signals" "$WN_T/sigi" "$WN_T/sigi.pass" 0) || fail "bench_signals (counting sigi's signals)"
[ "$(kv "$held" before)" = "$ngood" ] || fail "sigi holds $(kv "$held" before) signals, not $ngood"
echo "   sigi holds $ngood signals"

# list_times LABEL ROWS ARGS...: SIG_CALLS calls of `wijknet --json
# signal list ARGS` at sigl (after one more to warm up), each timed from
# the start of the CLI to its exit; each must list ROWS signals
list_times() {
	local label=$1 rows=$2 out
	shift 2
	out=$(/usr/bin/python3 - "$WIJKNET" "$WN_T/sigl" "$SIG_CALLS" "$rows" "$@" <<'PY'
import json, math, subprocess, sys, time
cli, data, calls, rows, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
ms = []
for i in range(calls + 1):
    t0 = time.perf_counter()
    r = subprocess.run([cli, "-d", data, "--json", "signal", "list"] + args, capture_output=True)
    t = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        sys.exit("exit %d: %s" % (r.returncode, r.stderr.decode()[:200]))
    got = len(json.loads(r.stdout)["rows"])
    if got != rows:
        sys.exit("%d signals listed, not %d" % (got, rows))
    if i > 0:
        ms.append(t)
ms.sort()
print("p50_ms=%.1f p95_ms=%.1f rows=%d" % (ms[(len(ms) - 1) // 2], ms[math.ceil(len(ms) * 0.95) - 1], rows))
PY
) || fail "signal list $*: $out"
	echo "   $label: $out"
	LIST+=("$label:$(kv "$out" p50_ms):$(kv "$out" p95_ms)")
}
# case_times LABEL: SIG_CALLS calls of `wijknet --json case signals
# $BUSY_CASE` at sigl (after one to warm up), timed as list_times; each
# must list the BUSY_ROWS signals attached to it
case_times() {
	local out
	out=$(/usr/bin/python3 - "$WIJKNET" "$WN_T/sigl" "$SIG_CALLS" "$BUSY_ROWS" "$BUSY_CASE" <<'PY'
import json, math, subprocess, sys, time
cli, data, calls, rows, case = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ms = []
for i in range(calls + 1):
    t0 = time.perf_counter()
    r = subprocess.run([cli, "-d", data, "--json", "case", "signals", case], capture_output=True)
    t = (time.perf_counter() - t0) * 1000
    if r.returncode != 0:
        sys.exit("exit %d: %s" % (r.returncode, r.stderr.decode()[:200]))
    got = len(json.loads(r.stdout)["rows"])
    if got != rows:
        sys.exit("%d signals listed, not %d" % (got, rows))
    if i > 0:
        ms.append(t)
ms.sort()
print("p50_ms=%.1f p95_ms=%.1f rows=%d" % (ms[(len(ms) - 1) // 2], ms[math.ceil(len(ms) * 0.95) - 1], rows))
PY
) || fail "case signals $BUSY_CASE: $out"
	echo "   $1: $out"
	CASEL+=("$(kv "$out" p50_ms):$(kv "$out" p95_ms)")
}
BUSY=$(kv "$sbare" busiest_case)
BUSY_CASE=${BUSY%%:*}
BUSY_ROWS=${BUSY##*:}
[ -n "$BUSY_CASE" ] && [ "$BUSY_CASE" != none ] || fail "bench_signals attached no signal to a case"
CASEL=()
SINCE=$(date -d '90 days ago' +%F)
list_all() {
	list_times "nothing (an area without signals)" 0 --area Nergens/Niets --limit 50
	list_times "--area Herentals/Stationsbuurt" 50 --area Herentals/Stationsbuurt --limit 50
	list_times "  ... --category noise" 50 --area Herentals/Stationsbuurt --category noise --limit 50
	list_times "  ... --since $SINCE" 50 --area Herentals/Stationsbuurt --since "$SINCE" --limit 50
	list_times "--area Herentals (the municipality)" 50 --area Herentals --limit 50
	list_times "--category drugs (every area)" 50 --category drugs --limit 50
}
node_start sigl || fail "sigl did not start with $SIG_BASE signals"
echo "   signal list --limit 50 at sigl, $SIG_BASE signals and $SIG_CASES cases; $SIG_CALLS calls each through the CLI, ms per call:"
LIST=()
list_all
LIST10=("${LIST[@]}")
case_times "case signals $BUSY_CASE ($BUSY_ROWS signals attached), $SIG_BASE signals and $SIG_CASES cases"
node_stop sigl || fail "sigl did not stop cleanly"
sfill=$("$BIN/bench_signals" --fill "$WN_T/sigl" "$WN_T/sigl.pass" $((SIGNALS - 2 * SIG_BASE))) ||
	fail "bench_signals --fill"
echo "   filled: $sfill"
sbare2=$("$BIN/bench_signals" "$WN_T/sigl" "$WN_T/sigl.pass" "$SIG_BASE") ||
	fail "bench_signals (the bare insert into a full store)"
[ "$(kv "$sbare2" total)" = "$SIGNALS" ] || fail "sigl holds $(kv "$sbare2" total) signals, not $SIGNALS"
echo "   bare insert of the last $SIG_BASE: $sbare2, store $(( $(stat -c %s "$WN_T/sigl/node.db") / 1048576 )) MiB"
t0=$(date +%s%N); node_start sigl || fail "sigl did not start with $SIGNALS signals"
sst=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "   signal list at sigl, $SIGNALS signals and $SIG_CASES cases (started in $sst ms):"
LIST=()
list_all
LIST100=("${LIST[@]}")
case_times "case signals $BUSY_CASE ($BUSY_ROWS signals attached), $SIGNALS signals and $SIG_CASES cases"
for i in "${!LIST100[@]}"; do
	IFS=: read -r l p50a p95a <<<"${LIST10[$i]}"
	IFS=: read -r _ p50b p95b <<<"${LIST100[$i]}"
	echo "   $SIGNALS/$SIG_BASE, $l: p50 $(calc %.2f "$p50b / $p50a"), p95 $(calc %.2f "$p95b / $p95a")"
done
node_stop sigl || fail "sigl did not stop cleanly"

echo "== 7. tokens: $TOKENS subjects normalised, hashed, blinded, evaluated and finalized, next to a bare scalar multiplication"
tok=$("$BIN/bench_tokens" "$TOKENS") || fail "bench_tokens"
echo "   $tok"
# the real request path: a member holding TOKENS subjects without a token
# (bench_tokens --fill) asks its director for them when it starts
# (TOKEN_REQUEST of 1000 blinded elements, TOKEN_ANSWER, unblinded and
# stored), timed from the member's log: its first request to its last
# answer applied
federation tokd tokm >/dev/null || fail "the token federation did not form"
node_stop tokd && set_conf tokd token_daily_limit $((2 * TOKENS)) && node_start tokd ||
	fail "tokd did not restart with a daily limit of $((2 * TOKENS))"
node_stop tokm || fail "tokm did not stop"
"$BIN/bench_tokens" --fill "$WN_T/tokm" "$WN_T/tokm.pass" "$TOKENS" >/dev/null || fail "bench_tokens --fill"
TOKAT=$(stat -c %s "$WN_T/tokm.log")
NREQ=$(( (TOKENS + 999) / 1000 ))
answers() { [ "$(tail -c +$((TOKAT + 1)) "$WN_T/tokm.log" | grep -c 'subjects: [0-9]* tokens under key epoch')" -ge "$NREQ" ]; }
node_start tokm || fail "tokm did not start"
wait_for 1200 answers || fail "tokm did not get its $TOKENS tokens"
got=$(wn tokm --json subject list | /usr/bin/python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["rows"] if r["state"] == "token"))')
[ "$got" = "$TOKENS" ] || fail "tokm holds $got tokens, not $TOKENS"
tpath=$(tail -c +$((TOKAT + 1)) "$WN_T/tokm.log" | /usr/bin/python3 -c '
import sys, datetime
t = lambda l: datetime.datetime.strptime(l.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
lines = sys.stdin.read().splitlines()
asked = [t(l) for l in lines if " tokens asked of " in l]
got = [t(l) for l in lines if " tokens under key epoch " in l]
print("%.3f" % (max(got) - min(asked)))') || fail "tokm's log has no requests and answers"
TP_US=$(calc %.1f "$tpath * 1000000 / $TOKENS")
TP_PER_S=$(calc %.0f "$TOKENS / $tpath")
echo "   through TOKEN_REQUEST/TOKEN_ANSWER between two nodes: $TOKENS tokens in $tpath s ($NREQ requests): $TP_PER_S tokens/s, $TP_US us each"
node_stop tokm && node_stop tokd || fail "the token nodes did not stop cleanly"

X=$(kv "$b1" rt_per_s)
Y=$(kv "$b64" msgs_per_s)
Y1=$(kv "$b64x1" msgs_per_s)
Z=$(kv "$thr" env_per_s)
echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?'), $((SECONDS - T_START)) s)"
echo "baseline bare nng (8 in flight, 1 KiB): $X round trips/s; batched 64 ($WINDOW in flight): $Y msgs/s (1 in flight: $Y1 msgs/s)"
echo "wijknet end to end (1 KiB, durable both sides): $Z envelopes/s = $(calc %.4f "$Z / $Y") of batched bare nng" \
	"(enqueue $(kv "$thr" enqueue_s) s + drain at $(kv "$thr" drain_per_s)/s; $COUNT messages)"
echo "latency at ${RATE}/s: p50 $(calc %.1f "$(kv "$lat" p50_us) / 1000") ms, p99 $(calc %.1f "$(kv "$lat" p99_us) / 1000") ms" \
	"(achieved $(kv "$lat" achieved_per_s)/s, $(kv "$lat" sent) messages, $(kv "$lat" late) requests late);" \
	"p99 = $(calc %.1f "$(kv "$lat" p99_us) / $(kv "$fs" fdatasync_p99_us)") x the disk's own p99 fdatasync ($(kv "$fs" fdatasync_p99_us) us; a delivery waits for 2 of them)"
Z2=$(kv "$thr2" env_per_s)
echo "with $FILL messages already in the receiver's store: $Z2 envelopes/s = $(calc %.2f "$Z2 / $Z") of the empty store's;" \
	"start $st1 ms (empty: $st0 ms)"
IFS=: read -r _ in1 inc1 out1 outc1 <<<"${prow[0]}"
IFS=: read -r kN inN incN outN outcN <<<"${prow[${#prow[@]} - 1]}"
echo "spread over $kN peers instead of 1 ($PCOUNT messages): into the hub $inN envelopes/s = $(calc %.2f "$inN / $in1") of 1 peer's," \
	"hub CPU per envelope $(calc %.2f "$incN / $inc1") x; out of the hub $outN envelopes/s = $(calc %.2f "$outN / $out1") of 1 peer's," \
	"hub CPU per envelope $(calc %.2f "$outcN / $outc1") x; hub peak RSS $((hub_rss / 1024)) MiB"
SB=$(kv "$sbare" rows_per_s)
SB2=$(kv "$sbare2" rows_per_s)
echo "signals: import $imp_rate signals/s = $(calc %.2f "$imp_rate / $SB") of the store's bare insert rate ($SB rows/s, empty store);" \
	"the same file again $imp2_rate lines/s; bare insert at $((SIGNALS - SIG_BASE))-$SIGNALS signals $SB2 rows/s = $(calc %.2f "$SB2 / $SB") of the empty store's"
IFS=: read -r _ n10 _ <<<"${LIST10[0]}"
IFS=: read -r _ n100 _ <<<"${LIST100[0]}"
IFS=: read -r _ a10 a10p <<<"${LIST10[1]}"
IFS=: read -r _ a100 a100p <<<"${LIST100[1]}"
echo "signal list of an area (50 a page) at $SIGNALS signals and $SIG_CASES cases: p50 $a100 ms, p95 $a100p ms through the CLI" \
	"= $(calc %.2f "$a100 / $a10") x (p95 $(calc %.2f "$a100p / $a10p") x) of $SIG_BASE signals'; a call that lists nothing: $n100 ms ($n10 ms)"
IFS=: read -r c10 c10p <<<"${CASEL[0]}"
IFS=: read -r c100 c100p <<<"${CASEL[1]}"
echo "case signals (one case, $BUSY_ROWS signals attached) at $SIGNALS signals and $SIG_CASES cases: p50 $c100 ms, p95 $c100p ms through the CLI" \
	"= $(calc %.2f "$c100 / $c10") x (p95 $(calc %.2f "$c100p / $c10p") x) of $SIG_BASE signals' ($c10 ms)"
echo "tokens: $(kv "$tok" tokens_per_s) tokens/s for a batch of $TOKENS subjects ($(kv "$tok" token_us) us each, normalising $(kv "$tok" normalise_us) us of it)" \
	"= $(kv "$tok" ratio) x one bare ristretto255 scalar multiplication ($(kv "$tok" scalarmult_us) us; a token makes three);" \
	"through the real request path between two nodes $TP_PER_S tokens/s ($TP_US us each) = $(calc %.2f "$TP_US / $(kv "$tok" scalarmult_us)") x one bare scalar multiplication"
echo "command: make bench   (BUILD=$BUILD bash tests/bench/run.sh)"
