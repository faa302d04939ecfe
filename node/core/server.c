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

#include <string.h>

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
