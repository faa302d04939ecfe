/*
 * node.h - what every room of node/ shares: struct node (config, identity,
 * store handle, the lock, lifecycle, a pointer to each room's own state;
 * for now also the daemon's control socket and core's held audit
 * records: ARCHITECTURE.md), node_test_ms and node_sign.
 *
 * node/ is in rooms, one folder per concern, each with one header that
 * says what it owns and which rooms it may use: store/, core/, exchange/,
 * need/, work/, daemon/ (ARCHITECTURE.md; tests/lint.sh checks the
 * includes).
 * Every room but store/ may include this header.
 */
#ifndef NODE_NODE_H
#define NODE_NODE_H

#include <pthread.h>
#include <stdatomic.h>

#include <nng/nng.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "node/core/server.h"
#include "node/store/store.h"
#include "protocol/cbor.h"
#include "protocol/control.h"
#include "protocol/envelope.h"

struct node {
	struct cfg_node cfg;
	char cfg_path[4096];
	struct sec_identity *id;
	/* the next keys of a key rotation under way (`key.rotate`,
	 * node/exchange/rotate.c), until the director's charter names them
	 * and id adopts them; NULL otherwise */
	struct sec_identity *next_id;
	struct node_store *store;
	pthread_mutex_t mtx; /* serialises store access */
	int64_t started_ms; /* CLOCK_MONOTONIC */
	int lock_fd;

	/* the daemon's own state: the control socket (struct node_daemon in
	 * node/daemon/daemon.h) */
	struct node_daemon *d;

	/* the federation's director, from the configuration at load: this
	 * node, or the one whose key is director_pk (the exchange checks
	 * charters and chain heads with it, need/ the matrix) */
	bool is_director;
	uint8_t director_pk[SEC_SIGN_PK_LEN];

	/* the federation root the configuration names (`root`,
	 * `federation`), pinned in the store (node/exchange/root.c): when
	 * set, a member checks charters and matrices against the key the
	 * root delegated instead of director_pk; root holds the director's
	 * delegation and revocation (struct node_root, private to root.c) */
	bool has_root;
	uint8_t root_pk[SEC_SIGN_PK_LEN];
	struct node_root *root;

	/* the exchange's own state: the peer table, the peer socket, the
	 * delivery and applier threads, TLS, connections, latency samples
	 * (struct node_exchange, private to the room:
	 * node/exchange/exchange_int.h) */
	struct node_exchange *ex;

	/* need/'s own state (struct node_need in node/need/need.h) */
	struct node_need *need;

	/* core's own state: audit records of requests answered while the
	 * disk was full, held until the next write that succeeds (struct
	 * node_held, private to node/core/ctl.c; n->mtx) */
	struct node_held *held;
	/* the alert room's own state: the followers waiting for alerts
	 * (struct node_alert, private to node/alert/alert.c; n->mtx) */
	struct node_alert *alert;
	/* the alert room's mail sender: its thread, backoff and last error
	 * (struct node_mail, private to node/alert/mail.c; NULL without
	 * [mail]; taken off under n->mtx) */
	struct node_mail *mail;
};

/* node_test_hooks_enable turns the test hooks below on: only the tests'
 * daemon (node/daemon/main.c built with WN_TEST_HOOKS, the Makefile's
 * $(BUILD)/tests/wijknetd) and unit tests call it. Without it (the
 * installed daemon) node_test_ms and node_test_short_ms return dflt and
 * node_test_ahead_ms 0,
 * whatever the environment says. */
void node_test_hooks_enable(void);
/* node_test_ms: a protocol deadline that a test on a busy machine may
 * lengthen (never shorten): the environment variable `name`, a whole number
 * of milliseconds from dflt to one day, else dflt. Not for users; read once
 * at start (the list of names is in node/exchange/peer.c). Defined in
 * node/core/core.c, as node_sign is. */
int64_t node_test_ms(const char *name, int64_t dflt);
/* node_test_ahead_ms: how far ahead of the system's clock a test runs the
 * clock of a room that keeps deadlines in days (work/'s actions): the
 * environment variable `name`, a whole number of milliseconds up to 400
 * days, else 0. Only ahead: time may pass faster for a test, never run
 * back. Said in the log when set; read once at start. */
int64_t node_test_ahead_ms(const char *name);
/* node_test_short_ms: a lifetime that a test may shorten (the exchange's
 * sessions: a test that needs a new session per transfer cannot wait an
 * hour): the environment variable `name`, a whole number of milliseconds
 * from 1 to dflt, else dflt. Only shorter, only in the tests' daemon. */
int64_t node_test_short_ms(const char *name, int64_t dflt);
/* node_test_env: the environment variable `name` in the tests' daemon,
 * NULL otherwise (whatever the environment says) */
const char *node_test_env(const char *name);

/* node_sign is the node's proto_sign_fn; ctx is its sec_identity. */
wn_err node_sign(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[64]);

#endif
