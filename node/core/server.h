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

/* node_server_stop stops and frees the workers: after it no handler runs
 * again. Answer or abandon held calls first (their messages are freed
 * here); close the socket after it, with node_socket_close. */
void node_server_stop(struct node_server *s);

/* How long node_socket_close waits for nng_close before giving up on it. */
#define NODE_CLOSE_LIMIT_MS 10000

/* node_socket_close closes s, waiting at most NODE_CLOSE_LIMIT_MS. nng 1.5.2
 * can hang for good in nng_close when a frame arrives on a connection as it
 * closes (nanomsg/nng#1636, fixed in 1.6.0); a peer that keeps sending at
 * the moment of a stop can cause it. Then the close goes on in a thread of
 * its own, the warning names `what`, and false is returned: the caller
 * must no longer free what nng's callbacks on s may reach, and the daemon
 * ends with _exit once its store is closed (node_sockets_abandoned). The
 * hang is in nng's one reaper thread, so every later close would hang too:
 * after the first one given up, none is waited for. The test hook
 * WIJKNET_TEST_CLOSE_HANG=<what> makes the close of that socket and of
 * every socket after it never finish (the daemon warns at start when it
 * is set). */
bool node_socket_close(nng_socket s, const char *what);

/* node_sockets_abandoned: whether a node_socket_close gave up; nng_fini
 * would hang on that socket too. */
bool node_sockets_abandoned(void);

#endif
