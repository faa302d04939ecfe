/*
 * bench_drive.c - drives a running wijknetd for `make bench` over its
 * control socket (protocol/control.h, nng REQ over ipc://DATA/control.sock)
 * and times the peer exchange end to end.
 *
 *   bench_drive DATA PEER[,PEER...] throughput COUNT SIZE
 *       peer.stats reset=yes, then one peer.send of COUNT messages of SIZE
 *       bytes (with several peers, COUNT / their number to each, one
 *       request each), then peer.stats (a few dozen times) until the node's
 *       outbox is empty:
 *       every message was committed by the receiver before its receipt and
 *       the receipt's deletion was committed here (durable on both sides;
 *       that deletion is not fsync'd: undone, it only means a resend that
 *       the receiver takes as a retry).
 *   bench_drive DATA PEER latency RATE SECONDS K SIZE
 *       peer.stats reset=yes, then peer.send count=K every K/RATE seconds
 *       for SECONDS (absolute CLOCK_MONOTONIC deadlines, so a late request
 *       does not shift the ones after it), wait until the outbox is empty,
 *       then read the node's latency percentiles (enqueue to the commit of
 *       the receipt, per message).
 *
 * Prints one line of key=value pairs; exit 0, or 1 if a request failed or
 * the outbox did not drain within a minute and a half.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "protocol/control.h"

#define REPLY_MAX (1u << 20)
#define CALL_TIMEOUT_MS 60000
#define POLL_MIN_NS 2000000LL
#define POLL_MAX_NS 100000000LL
#define DRAIN_LIMIT_NS 90000000000LL

int main(int argc, char **argv);

static nng_socket sock;
static const char *peer;
static unsigned polls; /* peer.stats requests while draining */

static int64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_until(int64_t ns)
{
	struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

static void die(const char *fmt, ...) WN_PRINTF(1, 2);

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bench_drive: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void
open_control(const char *data)
{
	char url[4200];
	size_t got = 0;
	int rv = 0;
	snprintf(url, sizeof(url), "ipc://%s/control.sock", data);
	if ((rv = nng_req0_open(&sock)) != 0 ||
	    (rv = nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, REPLY_MAX)) !=
		0 ||
	    (rv = nng_socket_get_size(sock, NNG_OPT_RECVMAXSZ, &got)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO,
		 CALL_TIMEOUT_MS)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO,
		 CALL_TIMEOUT_MS)) != 0 ||
	    (rv = nng_socket_set_ms(sock, NNG_OPT_REQ_RESENDTIME,
		 NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dial(sock, url, NULL, 0)) != 0)
		die("%s: %s", url, nng_strerror(rv));
	if (got != REPLY_MAX)
		die("%s: NNG_OPT_RECVMAXSZ did not take", url);
}

/* call sends op with up to three key/value pairs (NULL-terminated) and
 * decodes the reply into *rep; any failure ends the program. */
static void
call(struct proto_ctl_reply *rep, const char *op, const char *k1,
    const char *v1, const char *k2, const char *v2, const char *k3,
    const char *v3)
{
	static struct proto_ctl_request req;
	struct proto_writer w = {0};
	struct proto_error perr;
	nng_msg *msg = NULL;
	int rv;

	if (proto_ctl_request_init(&req, op) != WN_OK ||
	    (k1 && proto_ctl_request_add(&req, k1, v1) != WN_OK) ||
	    (k2 && proto_ctl_request_add(&req, k2, v2) != WN_OK) ||
	    (k3 && proto_ctl_request_add(&req, k3, v3) != WN_OK) ||
	    proto_writer_init_dynamic(&w, 256, PROTO_CTL_REQUEST_MAX_SIZE) !=
		WN_OK ||
	    proto_ctl_request_encode(&req, &w) != WN_OK)
		die("%s: cannot encode", op);
	if ((rv = nng_send(sock, w.buf, w.len, 0)) != 0 ||
	    (rv = nng_recvmsg(sock, &msg, 0)) != 0)
		die("%s: %s", op, nng_strerror(rv));
	proto_writer_release(&w);
	if (proto_ctl_reply_decode(nng_msg_body(msg), nng_msg_len(msg), rep,
		&perr) != WN_OK)
		die("%s: malformed reply: %s", op, perr.msg);
	nng_msg_free(msg);
	if (rep->status != WN_OK)
		die("%s failed: %s", op, rep->message);
}

static int64_t
field(const struct proto_ctl_reply *rep, const char *key)
{
	const struct proto_ctl_field *f =
	    rep->nrows > 0 ? proto_ctl_row_get(&rep->rows[0], key) : NULL;
	if (f == NULL || f->type != PROTO_CTL_INT)
		die("reply has no integer field '%s'", key);
	return f->i;
}

struct stats {
	int64_t delivered, queued, samples, p50_us, p99_us;
};

static struct stats
stats(bool reset)
{
	struct proto_ctl_reply rep = {0};
	struct stats s;
	call(&rep, "peer.stats", reset ? "reset" : NULL, "yes", NULL, NULL,
	    NULL, NULL);
	s.delivered = field(&rep, "delivered");
	s.queued = field(&rep, "queued");
	s.samples = field(&rep, "samples");
	s.p50_us = field(&rep, "p50_us");
	s.p99_us = field(&rep, "p99_us");
	proto_ctl_reply_release(&rep);
	return s;
}

static void
send_to(const char *to, const char *count, const char *size)
{
	struct proto_ctl_reply rep = {0};
	call(&rep, "peer.send", "peer", to, "count", count, "size", size);
	proto_ctl_reply_release(&rep);
}

static void
send_msgs(const char *count, const char *size)
{
	send_to(peer, count, size);
}

/* drain polls peer.stats until nothing is queued; returns the last stats
 * and sets *t to the time of the reply that said so. Every control request
 * is audited and committed by the node, so it polls sparingly: after half
 * the time the rest should take at the rate seen so far, 2..100 ms. */
static struct stats
drain(int64_t *t)
{
	int64_t start = mono_ns(), prev_t = 0, prev_q = -1;
	double rate = 2000.0; /* envelopes/s, a first guess */
	for (;;) {
		struct stats s = stats(false);
		*t = mono_ns();
		polls++;
		if (s.queued == 0)
			return s;
		if (*t - start > DRAIN_LIMIT_NS)
			die("the outbox did not drain");
		if (prev_q > s.queued && *t > prev_t)
			rate = (double)(prev_q - s.queued) * 1e9 /
			    (double)(*t - prev_t);
		prev_q = s.queued;
		prev_t = *t;
		double wait = 0.5e9 * (double)s.queued / rate;
		if (wait < POLL_MIN_NS)
			wait = POLL_MIN_NS;
		if (wait > POLL_MAX_NS)
			wait = POLL_MAX_NS;
		sleep_until(*t + (int64_t)wait);
	}
}

static uint64_t
arg_u64(const char *s, uint64_t max, const char *what)
{
	uint64_t v;
	if (!wn_parse_u64(s, max, &v) || v == 0)
		die("bad %s '%s'", what, s);
	return v;
}

static int
throughput(const char *count, const char *size)
{
	uint64_t n = arg_u64(count, 1000000, "count"), npeers = 1;
	(void)arg_u64(size, 65536, "size");
	for (const char *c = peer; *c != '\0'; c++)
		npeers += *c == ',';
	char each[24], to[64];
	snprintf(each, sizeof(each), "%llu", (unsigned long long)(n / npeers));
	n = n / npeers * npeers;
	if (n == 0)
		die("fewer messages than peers");
	int64_t tq;
	struct stats s0 = drain(&tq);
	(void)stats(true);
	polls = 0;
	int64_t t0 = mono_ns();
	for (const char *c = peer; *c != '\0';) {
		size_t len = strcspn(c, ",");
		if (len == 0 || len >= sizeof(to))
			die("bad peer list '%s'", peer);
		memcpy(to, c, len);
		to[len] = '\0';
		send_to(to, each, size);
		c += len + (c[len] == ',');
	}
	int64_t t1 = mono_ns(), t2;
	struct stats s = drain(&t2);
	double total = (double)(t2 - t0) / 1e9, enq = (double)(t1 - t0) / 1e9;
	int64_t delivered = s.delivered - s0.delivered;
	printf("mode=throughput count=%llu peers=%llu size=%s enqueue_s=%.3f "
	       "total_s=%.3f "
	       "env_per_s=%.0f drain_per_s=%.0f delivered=%lld p50_us=%lld "
	       "p99_us=%lld polls=%u\n",
	    (unsigned long long)n, (unsigned long long)npeers, size, enq,
	    total, (double)n / total,
	    (double)n / (total - enq), (long long)delivered,
	    (long long)s.p50_us, (long long)s.p99_us, polls);
	if (delivered != (int64_t)n) {
		fprintf(stderr, "bench_drive: %lld delivered, not %llu\n",
		    (long long)delivered, (unsigned long long)n);
		return 1;
	}
	return 0;
}

static int
latency(const char *rate_s, const char *secs_s, const char *k_s,
    const char *size)
{
	uint64_t rate = arg_u64(rate_s, 1000000, "rate");
	uint64_t secs = arg_u64(secs_s, 600, "seconds");
	uint64_t k = arg_u64(k_s, 1000000, "count per request");
	(void)arg_u64(size, 65536, "size");
	int64_t interval = (int64_t)(1e9 * (double)k / (double)rate);
	uint64_t reqs = secs * rate / k;
	int64_t tq, max_lag = 0, lag_sum = 0;
	uint64_t late = 0;
	struct stats s0 = drain(&tq);
	(void)stats(true);
	int64_t start = mono_ns() + 1000000;
	for (uint64_t i = 0; i < reqs; i++) {
		int64_t deadline = start + (int64_t)i * interval;
		sleep_until(deadline);
		int64_t lag = mono_ns() - deadline;
		lag_sum += lag;
		if (lag > max_lag)
			max_lag = lag;
		late += lag > interval;
		send_msgs(k_s, size);
	}
	int64_t end = mono_ns(), t2;
	struct stats s = drain(&t2);
	uint64_t sent = reqs * k;
	/* the rate the requests were issued at: K per interval, first to last */
	double span = (double)(end - start) / 1e9;
	int64_t delivered = s.delivered - s0.delivered;
	printf("mode=latency target_per_s=%llu k=%llu interval_ms=%.2f "
	       "sent=%llu span_s=%.3f achieved_per_s=%.0f late=%llu "
	       "mean_lag_ms=%.2f max_lag_ms=%.2f drain_after_s=%.3f "
	       "delivered=%lld samples=%lld p50_us=%lld p99_us=%lld\n",
	    (unsigned long long)rate, (unsigned long long)k,
	    (double)interval / 1e6, (unsigned long long)sent, span,
	    (double)sent / span, (unsigned long long)late,
	    reqs ? (double)lag_sum / (double)reqs / 1e6 : 0.0,
	    (double)max_lag / 1e6, (double)(t2 - end) / 1e9,
	    (long long)delivered, (long long)s.samples, (long long)s.p50_us,
	    (long long)s.p99_us);
	if (delivered != (int64_t)sent || s.samples != (int64_t)sent) {
		fprintf(stderr, "bench_drive: %lld delivered, %lld samples, "
		    "not %llu\n", (long long)delivered, (long long)s.samples,
		    (unsigned long long)sent);
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[3], "throughput") == 0) {
		peer = argv[2];
		open_control(argv[1]);
		int rc = throughput(argv[4], argv[5]);
		nng_close(sock);
		return rc;
	}
	if (argc == 8 && strcmp(argv[3], "latency") == 0) {
		peer = argv[2];
		open_control(argv[1]);
		int rc = latency(argv[4], argv[5], argv[6], argv[7]);
		nng_close(sock);
		return rc;
	}
	fprintf(stderr,
	    "usage: bench_drive DATA PEER[,PEER...] throughput COUNT SIZE\n"
	    "       bench_drive DATA PEER latency RATE SECONDS K SIZE\n");
	return 2;
}
