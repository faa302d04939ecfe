/*
 * node.h - what every room of node/ shares: struct node (config, identity,
 * store handle, the lock, lifecycle, and for now each room's state, until
 * each room keeps its own struct: ARCHITECTURE.md), node_test_ms and
 * node_sign.
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

#define NODE_MAX_PEERS 256

/* A peer as the node knows it (node/exchange/exchange.h). */
struct node_peer;
/* A transfer from a peer, checked and waiting for the applier
 * (node/exchange/receive.c, apply.c). */
struct node_rx;

struct node {
	struct cfg_node cfg;
	char cfg_path[4096];
	struct sec_identity *id;
	struct node_store *store;
	pthread_mutex_t mtx; /* serialises store access */
	int64_t started_ms; /* CLOCK_MONOTONIC */
	int lock_fd;

	nng_socket ctl;
	nng_listener ctl_listener;
	char ctl_url[4200];
	char ctl_path[4200];
	struct node_server ctl_server;
	unsigned long listener_restarts;

	/* peers: the table is rebuilt on enrolment or a new charter */
	size_t npeers;
	struct node_peer *peers[NODE_MAX_PEERS];
	bool is_director;
	bool peers_dirty; /* a charter changed the table: reload after commit */
	uint8_t director_pk[SEC_SIGN_PK_LEN];

	nng_socket peer_sock;
	nng_listener peer_listener;
	struct node_server peer_server;
	bool peer_open;

	pthread_t delivery;
	pthread_cond_t wake;
	bool delivery_running, stopping;

	/* the applier: one thread applies checked transfers in order, many
	 * in one transaction (apply.c) */
	pthread_t applier;
	pthread_mutex_t rxq_mtx;
	pthread_cond_t rxq_cv;
	struct node_rx *rxq, **rxq_tail; /* guarded by rxq_mtx */
	size_t rx_waiting; /* transfers waiting for their predecessor */
	bool rx_store_failing; /* the applier's last commit failed */
	bool applier_running, rx_stopping;
	int64_t head_sent_seq, head_sent_ms; /* ms: CLOCK_MONOTONIC */

	/* refusals of unsigned transfers this minute (receive.c) */
	int64_t unsigned_since; /* wall clock, for the record */
	int64_t unsigned_mono;  /* the same moment, CLOCK_MONOTONIC */
	unsigned unsigned_n;
	uint64_t unsigned_more;

	uint8_t *tx_envs, *tx_bodies; /* the delivery thread's buffers */

	/* need/'s own state (struct node_need in node/need/need.h) */
	struct node_need *need;

	/* audit records of requests answered while the disk was full, held
	 * until the next write that succeeds (node/core/ctl.c; n->mtx) */
	struct node_held_audit *held;
	size_t nheld;
	uint64_t held_lost; /* not kept: past NODE_HELD_MAX */

	/* TLS (node/exchange/tls.c) */
	char *tls_cert_pem;
	struct sec_secret *tls_key;

	/* the peer socket's connections (node/exchange/conn.c) */
	struct node_conns *conns;

	/* delivery latency samples (us), for peer.stats and the benchmark */
	size_t nlat;
	uint32_t lat_us[1 << 16];
	uint64_t delivered;
};

/* node_test_ms: a protocol deadline that a test on a busy machine may
 * lengthen (never shorten): the environment variable `name`, a whole number
 * of milliseconds from dflt to one day, else dflt. Not for users; read once
 * at start (the list of names is in node/exchange/peer.c). Defined in
 * node/core/core.c, as node_sign is. */
int64_t node_test_ms(const char *name, int64_t dflt);

/* node_sign is the node's proto_sign_fn; ctx is its sec_identity. */
wn_err node_sign(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[64]);

#endif
