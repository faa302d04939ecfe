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
#
# Environment: BUILD (default build), BENCH_COUNT (default 20000),
# BENCH_SECONDS (baseline seconds, default 3), BENCH_FILL (default
# 1000000), BENCH_PEERS (8), BENCH_PEER_COUNT (8000). Exits non-zero only
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

for b in bench_nng bench_drive bench_fill bench_fsync; do
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
echo "command: make bench   (BUILD=$BUILD bash tests/bench/run.sh)"
