/*
 * bench_nng.c - the baseline of `make bench`: bare nng REQ/REP over
 * tcp://127.0.0.1 between two processes, no crypto, no store, no CBOR.
 *
 * A forked child runs a REP server with several contexts whose aio
 * callbacks answer every request with a 16-byte reply; the parent runs a
 * REQ client with --inflight contexts, each keeping one request of
 * --batch x --size bytes in flight. After a short warm-up it counts the
 * round trips completed in --seconds and prints one line of key=value
 * pairs (round trips/s, messages/s = round trips/s x batch, MiB/s).
 * NNG_OPT_RECVMAXSZ is set on both sockets and read back.
 *
 *   bench_nng [--seconds S] [--inflight N] [--batch B] [--size BYTES]
 *
 * Exit status 0, or 1 if anything failed (a socket error, a short reply).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/transport/tcp/tcp.h>

#define MAX_CTX 64
#define REPLY_LEN 16
#define AIO_TIMEOUT_MS 10000
#define WARMUP_NS 500000000LL

int main(int argc, char **argv);

static size_t req_len; /* batch * size */

static int64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000LL, ns % 1000000000LL};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
die_nng(const char *what, int rv)
{
	fprintf(stderr, "bench_nng: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

/* set_recvmax sets NNG_OPT_RECVMAXSZ on s and reads it back. */
static void
set_recvmax(nng_socket s, size_t max)
{
	size_t got = 0;
	int rv;
	if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, max)) != 0)
		die_nng("set NNG_OPT_RECVMAXSZ", rv);
	if ((rv = nng_socket_get_size(s, NNG_OPT_RECVMAXSZ, &got)) != 0)
		die_nng("get NNG_OPT_RECVMAXSZ", rv);
	if (got != max) {
		fprintf(stderr, "bench_nng: NNG_OPT_RECVMAXSZ reads back %zu, "
		    "not %zu\n", got, max);
		exit(1);
	}
}

/* ---- the server (child process) ---------------------------------------- */

struct srv_ctx {
	nng_aio *aio;
	nng_ctx ctx;
	bool sending;
};

static atomic_uint_fast64_t srv_bad;

static void
srv_cb(void *arg)
{
	struct srv_ctx *c = arg;
	int rv = nng_aio_result(c->aio);
	nng_msg *m, *reply;

	if (c->sending) {
		c->sending = false;
		if (rv != 0)
			nng_msg_free(nng_aio_get_msg(c->aio));
		if (rv != NNG_ECLOSED)
			nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED)
			nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	m = nng_aio_get_msg(c->aio);
	if (nng_msg_len(m) != req_len)
		atomic_fetch_add(&srv_bad, 1);
	nng_msg_free(m);
	if (nng_msg_alloc(&reply, 0) != 0 ||
	    nng_msg_append(reply, "0123456789abcdef", REPLY_LEN) != 0) {
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	nng_aio_set_msg(c->aio, reply);
	c->sending = true;
	nng_ctx_send(c->ctx, c->aio);
}

/* run_server listens on an ephemeral port, writes the port to portfd and
 * serves until stopfd reaches end of file (the parent closed it or died). */
static int
run_server(int nctx, int portfd, int stopfd)
{
	nng_socket s;
	nng_listener l;
	struct srv_ctx ctxs[MAX_CTX];
	int rv, port = 0;
	char c;

	if ((rv = nng_rep0_open(&s)) != 0)
		die_nng("rep0 open", rv);
	set_recvmax(s, req_len + 4096);
	if ((rv = nng_listener_create(&l, s, "tcp://127.0.0.1:0")) != 0 ||
	    (rv = nng_listener_start(l, 0)) != 0)
		die_nng("listen", rv);
	if ((rv = nng_listener_get_int(l, NNG_OPT_TCP_BOUND_PORT, &port)) !=
	    0)
		die_nng("bound port", rv);
	for (int i = 0; i < nctx; i++) {
		ctxs[i].sending = false;
		if ((rv = nng_aio_alloc(&ctxs[i].aio, srv_cb, &ctxs[i])) != 0 ||
		    (rv = nng_ctx_open(&ctxs[i].ctx, s)) != 0)
			die_nng("server context", rv);
		nng_ctx_recv(ctxs[i].ctx, ctxs[i].aio);
	}
	if (write(portfd, &port, sizeof(port)) != (ssize_t)sizeof(port))
		return 1;
	close(portfd);
	for (;;) {
		ssize_t r = read(stopfd, &c, 1);
		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		break;
	}
	nng_close(s);
	for (int i = 0; i < nctx; i++)
		nng_aio_free(ctxs[i].aio);
	return atomic_load(&srv_bad) == 0 ? 0 : 1;
}

/* ---- the client (parent process) --------------------------------------- */

struct cli_ctx {
	nng_aio *aio;
	nng_ctx ctx;
	bool sending;
};

static uint8_t *payload;
static atomic_uint_fast64_t done_rt, failures;
static atomic_bool stopping;
static pthread_mutex_t idle_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int active;

static void
cli_idle(void)
{
	pthread_mutex_lock(&idle_mtx);
	active--;
	pthread_cond_signal(&idle_cv);
	pthread_mutex_unlock(&idle_mtx);
}

static void
cli_send(struct cli_ctx *c)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0) != 0 ||
	    nng_msg_append(m, payload, req_len) != 0) {
		atomic_fetch_add(&failures, 1);
		cli_idle();
		return;
	}
	nng_aio_set_msg(c->aio, m);
	nng_aio_set_timeout(c->aio, AIO_TIMEOUT_MS);
	c->sending = true;
	nng_ctx_send(c->ctx, c->aio);
}

static void
cli_cb(void *arg)
{
	struct cli_ctx *c = arg;
	int rv = nng_aio_result(c->aio);

	if (c->sending) {
		c->sending = false;
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(c->aio));
			atomic_fetch_add(&failures, 1);
			cli_idle();
			return;
		}
		nng_aio_set_timeout(c->aio, AIO_TIMEOUT_MS);
		nng_ctx_recv(c->ctx, c->aio);
		return;
	}
	if (rv != 0) {
		atomic_fetch_add(&failures, 1);
		cli_idle();
		return;
	}
	nng_msg *m = nng_aio_get_msg(c->aio);
	if (nng_msg_len(m) != REPLY_LEN)
		atomic_fetch_add(&failures, 1);
	nng_msg_free(m);
	atomic_fetch_add(&done_rt, 1);
	if (atomic_load(&stopping))
		cli_idle();
	else
		cli_send(c);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_nng [--seconds S] [--inflight 1..%d] "
	    "[--batch 1..1024] [--size 1..1048576]\n", MAX_CTX);
	exit(2);
}

static unsigned long
num(const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"seconds", required_argument, NULL, 't'},
	    {"inflight", required_argument, NULL, 'n'},
	    {"batch", required_argument, NULL, 'b'},
	    {"size", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	double seconds = 3.0;
	int inflight = 8, c, rv, port = 0;
	size_t batch = 1, size = 1024;
	int portp[2], stopp[2];

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			seconds = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(seconds >= 0.1) ||
			    seconds > 600)
				usage();
			break;
		}
		case 'n':
			inflight = (int)num(optarg, 1, MAX_CTX);
			break;
		case 'b':
			batch = num(optarg, 1, 1024);
			break;
		case 's':
			size = num(optarg, 1, 1u << 20);
			break;
		default:
			usage();
		}
	}
	if (optind != argc || batch * size > (64u << 20))
		usage();
	req_len = batch * size;

	/* fork before any nng call: nng's threads do not survive a fork */
	if (pipe(portp) != 0 || pipe(stopp) != 0) {
		perror("bench_nng: pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	pid_t child = fork();
	if (child < 0) {
		perror("bench_nng: fork");
		return 1;
	}
	if (child == 0) {
		close(portp[0]);
		close(stopp[1]);
		_exit(run_server(inflight > 8 ? inflight : 8, portp[1],
		    stopp[0]));
	}
	close(portp[1]);
	close(stopp[0]);
	if (read(portp[0], &port, sizeof(port)) != (ssize_t)sizeof(port)) {
		fprintf(stderr, "bench_nng: the server did not start\n");
		close(stopp[1]);
		waitpid(child, NULL, 0);
		return 1;
	}
	close(portp[0]);

	if ((payload = malloc(req_len)) == NULL)
		return 1;
	for (size_t i = 0; i < req_len; i++)
		payload[i] = (uint8_t)(i * 131 + 7);

	nng_socket s;
	char url[64];
	struct cli_ctx ctxs[MAX_CTX];
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	if ((rv = nng_req0_open(&s)) != 0)
		die_nng("req0 open", rv);
	set_recvmax(s, 4096);
	if ((rv = nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME,
		 NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dial(s, url, NULL, 0)) != 0)
		die_nng(url, rv);
	active = inflight;
	for (int i = 0; i < inflight; i++) {
		ctxs[i].sending = false;
		if ((rv = nng_aio_alloc(&ctxs[i].aio, cli_cb, &ctxs[i])) != 0 ||
		    (rv = nng_ctx_open(&ctxs[i].ctx, s)) != 0)
			die_nng("client context", rv);
	}
	for (int i = 0; i < inflight; i++)
		cli_send(&ctxs[i]);

	sleep_ns(WARMUP_NS);
	int64_t t0 = mono_ns();
	uint64_t c0 = atomic_load(&done_rt);
	sleep_ns((int64_t)(seconds * 1e9));
	uint64_t c1 = atomic_load(&done_rt);
	int64_t t1 = mono_ns();
	atomic_store(&stopping, true);

	/* let every context finish its round trip; never cancel one */
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += AIO_TIMEOUT_MS / 1000 + 2;
	pthread_mutex_lock(&idle_mtx);
	while (active > 0)
		if (pthread_cond_timedwait(&idle_cv, &idle_mtx, &dl) ==
		    ETIMEDOUT)
			break;
	int left = active;
	pthread_mutex_unlock(&idle_mtx);
	if (left > 0) {
		fprintf(stderr, "bench_nng: %d contexts did not finish\n", left);
		return 1;
	}
	nng_close(s);
	for (int i = 0; i < inflight; i++)
		nng_aio_free(ctxs[i].aio);
	close(stopp[1]);
	int st = 0;
	waitpid(child, &st, 0);
	free(payload);

	double el = (double)(t1 - t0) / 1e9;
	double rts = (double)(c1 - c0) / el;
	uint64_t fails = atomic_load(&failures);
	printf("mode=nng inflight=%d batch=%zu size=%zu seconds=%.2f "
	       "round_trips=%llu rt_per_s=%.0f msgs_per_s=%.0f mib_per_s=%.1f "
	       "failures=%llu\n",
	    inflight, batch, size, el, (unsigned long long)(c1 - c0), rts,
	    rts * (double)batch, rts * (double)req_len / 1048576.0,
	    (unsigned long long)fails);
	if (fails != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench_nng: %llu client failures, server "
		    "status %d\n", (unsigned long long)fails, st);
		return 1;
	}
	return 0;
}
