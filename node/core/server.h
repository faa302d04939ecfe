/*
 * server.h - serve a REP socket with several contexts (see server.c).
 */
#ifndef NODE_SERVER_H
#define NODE_SERVER_H

#include <nng/nng.h>

#include "protocol/cbor.h"

#define NODE_SERVER_MAX_WORKERS 16

struct node_server_worker;

/* The handler reads the request message (body and pipe) and writes its
 * reply into w, and returns false; it runs on an nng thread and must do
 * its own locking. A handler that answers later returns true instead: the
 * request message stays valid, and the worker serves nothing else, until
 * node_server_answer(wk, ...) is called (from any thread, even before the
 * handler has returned; the worker is not touched after a true). */
typedef bool (*node_server_fn)(void *arg, struct node_server_worker *wk,
    nng_msg *req, struct proto_writer *w);

struct node_server_worker {
	struct node_server *srv;
	nng_aio *aio;
	nng_ctx ctx;
	nng_msg *held; /* the request being handled, until answered */
	bool sending;
};

struct node_server {
	nng_socket sock;
	node_server_fn fn;
	void *arg;
	size_t reply_max;
	int nworkers;
	struct node_server_worker workers[NODE_SERVER_MAX_WORKERS];
};

/* node_server_start starts nworkers contexts on sock (which the caller
 * opened, capped and listens on). */
WN_NODISCARD wn_err node_server_start(struct node_server *s, nng_socket sock,
    int nworkers, size_t reply_max, node_server_fn fn, void *arg);

/* node_server_answer sends len bytes of buf as the reply to a held call
 * (len 0: no reply, the requester times out) and frees the worker for the
 * next request. */
void node_server_answer(struct node_server_worker *wk, const void *buf,
    size_t len);

/* node_server_stop stops and frees the workers; close the socket first,
 * and answer or abandon held calls (their messages are freed here). */
void node_server_stop(struct node_server *s);

#endif
