/*
 * server.c - a REP socket served by a few contexts on nng's threads.
 *
 * Each worker loops recv -> handler -> send. The handler fills a writer;
 * an empty or failed reply is never sent (the requester times out), so a
 * handler that cannot answer simply writes nothing. Used by the control
 * socket and the peer socket alike. A handler may hold a call and answer
 * it later from another thread (the peer socket's applier does).
 */
#include "node/core/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "config/wn.h"

static void
worker_cb(void *arg)
{
	struct node_server_worker *wk = arg;
	struct node_server *s = wk->srv;
	int rv = nng_aio_result(wk->aio);
	struct proto_writer w = {0};
	nng_msg *msg;

	if (wk->sending) {
		wk->sending = false;
		if (rv != 0) {
			nng_msg_free(nng_aio_get_msg(wk->aio));
			nng_aio_set_msg(wk->aio, NULL);
		}
		if (rv != NNG_ECLOSED)
			nng_ctx_recv(wk->ctx, wk->aio);
		return;
	}
	if (rv != 0) {
		if (rv != NNG_ECLOSED)
			nng_ctx_recv(wk->ctx, wk->aio);
		return;
	}
	msg = nng_aio_get_msg(wk->aio);
	nng_aio_set_msg(wk->aio, NULL);
	if (proto_writer_init_dynamic(&w, 4096, s->reply_max) != WN_OK) {
		nng_msg_free(msg);
		goto next;
	}
	wk->held = msg;
	if (s->fn(s->arg, wk, msg, &w)) {
		/* held: node_server_answer may have run already, on another
		 * thread, and this worker be serving the next request */
		proto_writer_release(&w);
		return;
	}
	node_server_answer(wk, proto_writer_status(&w) == WN_OK ? w.buf : NULL,
	    proto_writer_status(&w) == WN_OK ? w.len : 0);
	proto_writer_release(&w);
	return;
next:
	proto_writer_release(&w);
	nng_ctx_recv(wk->ctx, wk->aio);
}

void
node_server_answer(struct node_server_worker *wk, const void *buf, size_t len)
{
	nng_msg *msg = wk->held;
	wk->held = NULL;
	nng_msg_clear(msg);
	if (len == 0 || nng_msg_append(msg, buf, len) != 0) {
		nng_msg_free(msg);
		nng_ctx_recv(wk->ctx, wk->aio);
		return;
	}
	nng_aio_set_msg(wk->aio, msg);
	wk->sending = true;
	nng_ctx_send(wk->ctx, wk->aio);
}

wn_err
node_server_start(struct node_server *s, nng_socket sock, int nworkers,
    size_t reply_max, node_server_fn fn, void *arg)
{
	WN_ASSERT(nworkers > 0 && nworkers <= NODE_SERVER_MAX_WORKERS);
	s->sock = sock;
	s->fn = fn;
	s->arg = arg;
	s->reply_max = reply_max;
	s->nworkers = nworkers;
	for (int i = 0; i < nworkers; i++) {
		struct node_server_worker *wk = &s->workers[i];
		wk->srv = s;
		if (nng_aio_alloc(&wk->aio, worker_cb, wk) != 0 ||
		    nng_ctx_open(&wk->ctx, sock) != 0)
			return WN_ETRANSPORT;
		nng_ctx_recv(wk->ctx, wk->aio);
	}
	return WN_OK;
}

void
node_server_stop(struct node_server *s)
{
	for (int i = 0; i < s->nworkers; i++) {
		if (s->workers[i].aio != NULL) {
			nng_aio_stop(s->workers[i].aio);
			/* a reply whose send the stop refused */
			nng_msg_free(nng_aio_get_msg(s->workers[i].aio));
			nng_aio_free(s->workers[i].aio);
			s->workers[i].aio = NULL;
		}
		if (s->workers[i].held != NULL) { /* held, never answered */
			nng_msg_free(s->workers[i].held);
			s->workers[i].held = NULL;
		}
	}
	s->nworkers = 0;
}

/* A close that may outlive its caller: whichever of the two lets go last
 * frees it. */
struct closer {
	pthread_mutex_t mtx;
	pthread_cond_t cv;
	nng_socket sock;
	bool hang; /* the test hook: never close */
	bool done;
	int refs;
};

/* a close was given up: nng's one reaper thread, which removes the pipes,
 * dialers and listeners of every socket, is stuck in it, so every later
 * close hangs as well */
static atomic_bool abandoned;
/* the test hook's stand-in for that reaper: stuck once the named close
 * hung */
static atomic_bool hook_stuck;

static void
closer_put(struct closer *c)
{
	pthread_mutex_lock(&c->mtx);
	bool last = --c->refs == 0;
	pthread_mutex_unlock(&c->mtx);
	if (last) {
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mtx);
		free(c);
	}
}

static void *
closer_main(void *arg)
{
	struct closer *c = arg;
	if (c->hang) {
		pthread_mutex_lock(&c->mtx);
		for (;;) /* as nng_close does when it hangs */
			pthread_cond_wait(&c->cv, &c->mtx);
	}
	nng_close(c->sock);
	pthread_mutex_lock(&c->mtx);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mtx);
	closer_put(c);
	return NULL;
}

bool
node_socket_close(nng_socket s, const char *what)
{
	const char *hook = getenv("WIJKNET_TEST_CLOSE_HANG");
	struct closer *c = calloc(1, sizeof(*c));
	pthread_t t;
	pthread_attr_t attr;
	bool done;

	if (c == NULL) {
		nng_close(s);
		return true;
	}
	pthread_mutex_init(&c->mtx, NULL);
	/* timed waits take CLOCK_MONOTONIC deadlines (wn_deadline) */
	if (wn_cond_init(&c->cv) != 0) {
		pthread_mutex_destroy(&c->mtx);
		free(c);
		nng_close(s);
		return true;
	}
	c->sock = s;
	if (hook != NULL && strcmp(hook, what) == 0)
		atomic_store(&hook_stuck, true);
	c->hang = atomic_load(&hook_stuck);
	c->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, closer_main, c) != 0) {
		pthread_attr_destroy(&attr);
		c->refs = 1;
		closer_put(c);
		nng_close(s);
		return true;
	}
	pthread_attr_destroy(&attr);
	/* once one close hung, the next would too: none is waited for */
	bool stuck = atomic_load(&abandoned);
	struct timespec ts =
	    wn_deadline(wn_mono_ms() + (stuck ? 0 : NODE_CLOSE_LIMIT_MS));
	pthread_mutex_lock(&c->mtx);
	while (!c->done &&
	    pthread_cond_timedwait(&c->cv, &c->mtx, &ts) != ETIMEDOUT)
		;
	done = c->done;
	pthread_mutex_unlock(&c->mtx);
	if (!done && !stuck) {
		atomic_store(&abandoned, true);
		wn_log(WN_LOG_WARN, "the %s did not close within %d s (a known "
		    "defect of nng 1.5.2 when a frame arrives as a connection "
		    "closes); it and every socket closed after it are left to "
		    "the network library, and a running node should be "
		    "restarted", what, NODE_CLOSE_LIMIT_MS / 1000);
	} else if (!done) {
		wn_log(WN_LOG_INFO, "the %s is left to the network library "
		    "(a close hung before it)", what);
	}
	closer_put(c);
	return done;
}

bool
node_sockets_abandoned(void)
{
	return atomic_load(&abandoned);
}
