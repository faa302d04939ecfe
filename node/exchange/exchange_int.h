/*
 * exchange_int.h - the exchange's own state, struct node_exchange, private
 * to node/exchange/ (not in exchange.h: no other room reads its fields;
 * need/ walks the peers with node_peer_next, the daemon's status asks
 * node_exchange_status).
 *
 * Reached from the node as n->ex. node_exchange_init allocates it when
 * the node is loaded (before node_tls_init and node_peers_load, which
 * the daemon calls before the peer side starts) and node_exchange_fini
 * frees it when the node is unloaded, after node_peer_stop. When a socket
 * could not be closed (node_sockets_abandoned), node_peer_stop leaves the
 * peer table, the slots and the connection table to nng's callbacks and
 * the daemon ends with _exit: the struct is then never freed.
 *
 * What stays in struct node, shared by every room: the configuration and
 * identity, and what is derived from them at load (is_director,
 * director_pk: need/ and the daemon read them too), the store and n->mtx,
 * which serialises every access to it. The wake-up below is waited on
 * with n->mtx.
 */
#ifndef NODE_EXCHANGE_EXCHANGE_INT_H
#define NODE_EXCHANGE_EXCHANGE_INT_H

#include "node/exchange/exchange.h"

#define NODE_MAX_PEERS 256

/* A transfer from a peer, checked and waiting for the applier
 * (node/exchange/peer_int.h: receive.c, apply.c). */
struct node_rx;

struct node_exchange {
	/* peers: the table is rebuilt on enrolment or a new charter
	 * (peer.c; n->mtx) */
	size_t npeers;
	struct node_peer *peers[NODE_MAX_PEERS];
	bool peers_dirty; /* a charter changed the table: reload after commit */
	/* this node's own keys changed (rotate.c): the next load makes every
	 * peer's pair key anew and ends every session */
	bool rekey_all;

	nng_socket peer_sock;
	nng_listener peer_listener;
	struct node_server peer_server;
	bool peer_open;

	pthread_t delivery;
	pthread_cond_t wake; /* waited on with n->mtx */
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

	/* receive-only (chain.c): no checker answered the rollback check at
	 * start; nothing is sent until one does (n->mtx) */
	bool receive_only;
	bool recheck_now;     /* a checker was heard from: ask again now */
	bool chain_refused;   /* asked again, the chain is behind: stopping */
	int64_t receive_only_ms; /* since when, wall clock */
	int64_t next_recheck_ms; /* CLOCK_MONOTONIC */
	int64_t start_seq;    /* our audit chain's last record at start */
	int64_t held_logged;  /* the outbox's size last logged (deliver.c) */
	int64_t held_counted_ms; /* when it was last counted, CLOCK_MONOTONIC */
	char accept_rollback[512]; /* the operator's --accept-rollback */
	/* serving with checkers that have not vouched since the start
	 * (node_peer.chain_pending): how many; the one heard from last */
	size_t chain_pending;
	const struct node_peer *recheck_peer;
	bool numbers_moved;   /* a rollback was accepted in this run */
	bool heads_withheld;  /* a restored copy serving unchecked: no
			       * chain heads this run (node_chain_restored) */
	bool refused_serving; /* chain_refused while serving (not
			       * receive-only): it had sent meanwhile */
	char ro_why[200];     /* why no checker vouched, the last reason */

	/* refusals of unsigned transfers this minute (receive.c) */
	int64_t unsigned_since; /* wall clock, for the record */
	int64_t unsigned_mono;  /* the same moment, CLOCK_MONOTONIC */
	unsigned unsigned_n;
	uint64_t unsigned_more;

	/* refusals a member's signature vouches for, lately (receive.c):
	 * the same one again (peer, message id, code) is counted, not
	 * recorded one by one; n->mtx */
	struct node_refusal_seen {
		char peer[64];
		uint8_t id[16];
		uint32_t code;
		bool used;
		int64_t mono;  /* its last record, CLOCK_MONOTONIC */
		int64_t since; /* wall clock of the first one counted */
		uint64_t more; /* counted since its last record */
	} seen[32];

	/* peers the last load of the table left out for keys no key can be
	 * agreed with (peer.c): each is alerted once, not at every load */
	char left_out[8][64];
	size_t nleft_out;

	/* an alert a message's apply raised inside its savepoint, audited
	 * after it (apply.c; n->mtx) */
	char alert[300];
	/* its audit action (NULL: alert.charter_refused) */
	const char *alert_action;

	uint8_t *tx_envs, *tx_bodies; /* the delivery thread's buffers */
	atomic_long tx_msgs; /* transfer messages not yet freed or taken by
			      * REQ (deliver.c: tx_msg_new) */

	/* TLS (tls.c) */
	char *tls_cert_pem;
	struct sec_secret *tls_key;

	/* the sessions peers opened with us, and the openings answered
	 * lately (session.c; its own lock) */
	struct node_sessions *sess;

	/* the peer socket's connections (conn.c) */
	struct node_conns *conns;

	/* delivery latency samples (us), for peer.stats and the benchmark */
	size_t nlat;
	uint32_t lat_us[1 << 16];
	uint64_t delivered;
	/* signed receipts that answered another transfer than the one they
	 * came back for (an old one replayed): not taken (n->mtx) */
	uint64_t receipts_other;
	/* transfers' envelopes received again in the very same bytes (a
	 * replay, within the time window) and answered as the first time
	 * (apply.c; n->mtx): nothing else records them */
	uint64_t replays;
};

#endif
