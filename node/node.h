/*
 * node.h - the running node: configuration, identity, store and the local
 * control socket, and the handler table behind it.
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

/* Largest control request the node accepts (the receive cap on the socket,
 * above PROTO_CTL_REQUEST_MAX_SIZE) and largest reply it writes. */
#define NODE_CTL_MAX_REQUEST PROTO_CTL_REQUEST_MAX_SIZE
#define NODE_CTL_MAX_REPLY (16u << 20)
#define NODE_CTL_WORKERS 4

#define NODE_MAX_PEERS 256
#define NODE_BATCH 64 /* envelopes per transfer */
#define NODE_WINDOW 4 /* transfers in flight per peer */

/* One transfer in flight to a peer: its own REQ context, and which
 * messages it carries (guarded by node.mtx). */
struct node_slot {
	struct node_peer *p;
	nng_ctx ctx;
	nng_aio *aio;
	bool busy, sending;
	size_t n;
	int64_t seq[NODE_BATCH], created_us[NODE_BATCH];
	uint8_t ids[NODE_BATCH][16];
	uint8_t *body; /* its reply, opened */
	unsigned drops; /* its peer's drops when it was sent */
	int64_t sent_ms; /* CLOCK_MONOTONIC, when it went out; 0: not yet */
};

/* A peer as the node knows it, with its delivery state. Fields below
 * "delivery" are guarded by node.mtx. */
struct node_peer {
	char org_id[64], name[128], role[32], endpoint[256];
	uint8_t sign_pk[SEC_SIGN_PK_LEN], kx_pk[SEC_KX_PK_LEN];
	bool directs;
	struct sec_peer_key *key;
	struct node *node;

	/* delivery: up to NODE_WINDOW transfers in flight, oldest messages
	 * first; each one after the first names the last seq of the one
	 * before it. A failed or deferred transfer stalls the window: nothing
	 * more is sent until all are back, then it starts over from the
	 * oldest message still in the outbox. */
	nng_socket req;
	bool open, gone, stalled;
	unsigned attempts, inflight;
	int64_t next_try_ms;
	int64_t sent_hi; /* last seq put in flight in this window */
	struct node_slot slot[NODE_WINDOW];

	int64_t queried_ms; /* its last chain.queried record (peer.c) */
	atomic_uint drops;  /* connections lost (pipe_gone, no lock) */
};

/* A transfer from a peer, checked and waiting for the applier (peer.c). */
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
	 * in one transaction (peer.c) */
	pthread_t applier;
	pthread_mutex_t rxq_mtx;
	pthread_cond_t rxq_cv;
	struct node_rx *rxq, **rxq_tail; /* guarded by rxq_mtx */
	size_t rx_waiting; /* transfers waiting for their predecessor */
	bool rx_store_failing; /* the applier's last commit failed */
	bool applier_running, rx_stopping;
	int64_t head_sent_seq, head_sent_ms; /* ms: CLOCK_MONOTONIC */

	/* refusals of unsigned transfers this minute (peer.c) */
	int64_t unsigned_since; /* wall clock, for the record */
	int64_t unsigned_mono;  /* the same moment, CLOCK_MONOTONIC */
	unsigned unsigned_n;
	uint64_t unsigned_more;

	uint8_t *tx_envs, *tx_bodies; /* the delivery thread's buffers */

	/* dossiers opened outside a user's cases (node/need/case.c) */
	struct node_snoop {
		char user[64], dossier[64];
		int64_t ms;
	} snoop[512];
	size_t nsnoop;

	/* audit records of requests answered while the disk was full, held
	 * until the next write that succeeds (node/daemon/control.c; n->mtx) */
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

/* Paths inside the data folder. */
#define NODE_KEY_FILE "node.key"
#define NODE_DB_FILE "node.db"
#define NODE_CONF_FILE "wijknet.conf"
#define NODE_LOCK_FILE "wijknetd.lock"
#define NODE_CTL_SOCK "control.sock"
#define NODE_UNLOCK_FAILURES "unlock-failures"

/* node_path joins the data folder and a file name; false if too long. */
bool node_path(char *out, size_t cap, const char *dir, const char *file);

/* node_ctl_start opens the control socket (ipc:// in the data folder, mode
 * from the config) and starts serving. node_ctl_check dials it once and
 * recreates the listener if it does not answer (nng 1.5.2 can lose an ipc
 * listener to one connect-and-close). node_ctl_stop closes it. */
WN_NODISCARD wn_err node_ctl_start(struct node *n, char *err, size_t errlen);
void node_ctl_check(struct node *n);
void node_ctl_stop(struct node *n);

/* One control request being handled (see control.c). A handler writes its
 * reply into w and may fill detail for the audit record; it runs inside
 * the request's transaction, with n->mtx held. */
struct node_ctl_call {
	struct node *n;
	const struct cfg_user *user;
	const struct proto_ctl_request *req;
	struct proto_writer *w;
	char detail[256];
	char errmsg[256];  /* the reply's message when the handler fails */
	bool reload_peers; /* after commit: the peer table changed */
	bool kick;         /* after commit: wake the delivery thread */
};
typedef wn_err (*node_ctl_fn)(struct node_ctl_call *c);

/* node_ctl_arg borrows a request argument ("" when absent);
 * node_ctl_fail sets the reply's message and returns rc. */
const char *node_ctl_arg(struct node_ctl_call *c, const char *key);
wn_err node_ctl_fail(struct node_ctl_call *c, wn_err rc, const char *fmt,
    ...) WN_PRINTF(3, 4);

/* node_sign is the node's proto_sign_fn; ctx is its sec_identity. */
wn_err node_sign(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[64]);

wn_err node_ctl_peer_add(struct node_ctl_call *c);
wn_err node_ctl_peer_list(struct node_ctl_call *c);
wn_err node_ctl_peer_send(struct node_ctl_call *c);
wn_err node_ctl_peer_received(struct node_ctl_call *c);
wn_err node_ctl_peer_stats(struct node_ctl_call *c);
wn_err node_ctl_matrix_publish(struct node_ctl_call *c);
wn_err node_ctl_matrix_show(struct node_ctl_call *c);
wn_err node_ctl_matrix_acks(struct node_ctl_call *c);
wn_err node_ctl_case_open(struct node_ctl_call *c);
wn_err node_ctl_case_invite(struct node_ctl_call *c);
wn_err node_ctl_case_remove(struct node_ctl_call *c);
wn_err node_ctl_case_list(struct node_ctl_call *c);
wn_err node_ctl_case_request(struct node_ctl_call *c);
wn_err node_ctl_record_add(struct node_ctl_call *c);
wn_err node_ctl_record_list(struct node_ctl_call *c);
wn_err node_ctl_consent_give(struct node_ctl_call *c);
wn_err node_ctl_consent_basis(struct node_ctl_call *c);
wn_err node_ctl_consent_withdraw(struct node_ctl_call *c);
wn_err node_ctl_consent_list(struct node_ctl_call *c);
wn_err node_ctl_share_list(struct node_ctl_call *c);
wn_err node_ctl_share_show(struct node_ctl_call *c);
wn_err node_ctl_share_approve(struct node_ctl_call *c);
wn_err node_ctl_share_deny(struct node_ctl_call *c);
wn_err node_ctl_data_list(struct node_ctl_call *c);
wn_err node_ctl_case_assign(struct node_ctl_call *c);
wn_err node_ctl_data_amend(struct node_ctl_call *c);
wn_err node_ctl_case_attest(struct node_ctl_call *c);

/* While the disk is full, read-only requests keep answering: their audit
 * records are held in memory (at most NODE_HELD_MAX, then counted) and
 * written, with a record saying how many, first in the next transaction of
 * a control request. Requests that show personal fields, and any request
 * once NODE_HELD_MAX are held, are refused instead. node_ctl_flush_held
 * writes them at once (after another commit went through, at shutdown);
 * on failure they are still held. node_ctl_held_free drops
 * them (n->mtx held, or no other thread). */
#define NODE_HELD_MAX 1000
WN_NODISCARD wn_err node_ctl_flush_held(struct node *n);
void node_ctl_held_free(struct node *n);

/* node_ctl_handle answers one decoded request from the user behind uid,
 * writing the reply into w. Called with n->mtx held. */
void node_ctl_handle(struct node *n, uint64_t uid,
    const struct proto_ctl_request *req, struct proto_writer *w);

/* node_record_unlock_failure appends a line to the data folder's
 * unlock-failures file (the store cannot be opened without the key), and
 * node_import_unlock_failures moves those lines into the audit log after
 * the next successful unlock. */
void node_record_unlock_failure(const char *dir, const char *reason);
WN_NODISCARD wn_err node_import_unlock_failures(struct node_store *s,
    const char *dir);

/* Peers and delivery (node/exchange/peer.c). Call with n->mtx held unless said. */
WN_NODISCARD wn_err node_peers_load(struct node *n);
struct node_peer *node_peer_find(struct node *n, const char *org_id);
/* node_outbox_push queues a message for a peer in the caller's
 * transaction; delivery seals and signs it when it goes out. */
WN_NODISCARD wn_err node_outbox_push(struct node *n, struct node_peer *p,
    uint32_t type, const void *body, size_t len);
/* node_peer_start listens on cfg.listen and starts the delivery thread;
 * node_peer_stop stops both (without n->mtx held). */
WN_NODISCARD wn_err node_peer_start(struct node *n, char *err, size_t errlen);
void node_peer_stop(struct node *n);
/* node_test_ms: a protocol deadline that a test on a busy machine may
 * lengthen (never shorten): the environment variable `name`, a whole number
 * of milliseconds from dflt to one day, else dflt. Not for users; read once
 * at start (the list of names is in peer.c). */
int64_t node_test_ms(const char *name, int64_t dflt);
/* Signed, versioned documents (node/exchange/charter.c): the highest version held
 * (0 none, -1 on a store error), and keeping a new one. */
enum node_versioned { NODE_CHARTER, NODE_MATRIX };
int64_t node_versioned_max(struct node *n, enum node_versioned t);
WN_NODISCARD wn_err node_versioned_store(struct node *n,
    enum node_versioned t, uint64_t version, const uint8_t *buf, size_t len);

/* node_charter_publish (director): signs a new charter version from the
 * peer table and queues it for every member, in the caller's transaction.
 * node_charter_apply (member): checks and applies a signed charter. */
WN_NODISCARD wn_err node_charter_publish(struct node *n);
/* node_matrix_send (director): queues the matrix in force, if any, for
 * the enrolled member org (caller's transaction), so that a member
 * enrolled after a publication holds it too (node/need/need.c). */
WN_NODISCARD wn_err node_matrix_send(struct node *n, const char *org);
/* node_matrix_ours: m (verified, version 0 = none) belongs to this node's
 * federation (its charter's). A matrix of another one, stored before
 * matrices were checked for it, is no matrix in force (said once in the
 * log); the readers of the matrix in force treat it as none. */
struct proto_matrix;
bool node_matrix_ours(struct node *n, const struct proto_matrix *m);
/* node_charter_federation: the federation of the charter in force (the
 * director's: its own org id) into out; WN_ENOTFOUND when a member holds
 * no charter yet. */
WN_NODISCARD wn_err node_charter_federation(struct node *n, char *out,
    size_t cap);
WN_NODISCARD wn_err node_charter_apply(struct node *n, const uint8_t *buf,
    size_t len, char *why, size_t whylen);

/* TLS for tls+tcp:// peers (node/exchange/tls.c). node_tls_init reads the
 * configured certificate and key once; node_listen and node_dial create and
 * start a listener or dialer, with TLS when the URL is tls+tcp:// (client
 * certificates required; a dialed peer's certificate must be issued by our
 * CA for its org id). They return nng error codes. */
WN_NODISCARD wn_err node_tls_init(struct node *n, char *err, size_t errlen);
void node_tls_fini(struct node *n);
int node_listen(struct node *n, nng_socket s, const char *url,
    nng_listener *l);
int node_dial(struct node *n, nng_socket s, const char *url,
    const char *peer, int flags);
/* node_tls_set_peers tells the TLS listener who is enrolled (after every
 * reload of the peer table, n->mtx held). node_tls_refusal_take takes
 * the oldest handshake refusal not yet audited (false: none) and, in
 * *lost, how many were not kept since the last call; node_tls_stats
 * counts connections closed for a late frame, handshakes refused and
 * connections closed before their handshake (too many handshaking).
 * Thread safe; they never wait for n->mtx. */
void node_tls_set_peers(struct node *n);
bool node_tls_refusal_take(char who[64], char why[200], uint64_t *lost);
void node_tls_stats(uint64_t *late_frames, uint64_t *refused,
    uint64_t *over_cap);

/* Connections on the peer socket (node/exchange/conn.c). node_conns_start sets
 * the caps and the idle deadline from the config on socket s (before it
 * listens) and starts the reaper; node_conns_stop (after s is closed)
 * frees it all. node_conn_begin/_end bracket a request received on pipe
 * p until its reply (the idle clock stops meanwhile). Thread safe. */
struct node_conn_stats {
	uint64_t open, accepted, refused_total, refused_address, closed_idle;
	uint64_t closed_frame; /* a TLS frame past peer_frame_timeout */
	uint64_t tls_refused;  /* handshakes refused: no enrolled partner */
};
WN_NODISCARD wn_err node_conns_start(struct node *n, nng_socket s);
void node_conns_stop(struct node *n);
void node_conn_begin(struct node *n, nng_pipe p);
void node_conn_end(struct node *n, nng_pipe p);
void node_conns_stats(struct node *n, struct node_conn_stats *out);

/* Rollback detection (node/exchange/chain.c). node_chain_push_heads queues our
 * signed chain head for the nodes that check us (caller's transaction);
 * node_chain_store keeps a head a peer sent (one that does not extend the
 * head held is audited as a rollback and the held one kept); node_chain_answer writes the
 * reply to a CHAIN_HEAD_QUERY; node_chain_check asks our checkers on start
 * and fails (WN_ECORRUPT, reason in err) if our chain is behind, unless
 * override gives the operator's reason, which is audited. */
WN_NODISCARD wn_err node_chain_push_heads(struct node *n);
WN_NODISCARD wn_err node_chain_store(struct node *n,
    const struct node_peer *from, const uint8_t *buf, size_t len, char *why,
    size_t whylen);
WN_NODISCARD wn_err node_chain_answer(struct node *n,
    const struct node_peer *to, struct proto_writer *w);
/* node_chain_seq_reused: a sender whose envelope signature was verified
 * used a sequence number again with another message: its store went back.
 * Audited as chain.rollback once per event (per last number applied from
 * it) and the rollback is open; head (a CHAIN_HEAD among them, opened; or
 * NULL) is checked against the head held without replacing it. While a
 * rollback of a node is open its heads never replace the one held (the
 * anchor); node_chain_numbers_moved closes it when the node's sequence
 * numbers jump forward (NODE_SEQ_JUMP), which only its operator's
 * --accept-rollback does. Both in the receiving transaction. */
#define NODE_SEQ_JUMP ((uint64_t)1 << 31)
WN_NODISCARD wn_err node_chain_seq_reused(struct node *n,
    const struct node_peer *from, uint64_t seq, int64_t last,
    const uint8_t *head, size_t hlen);
WN_NODISCARD wn_err node_chain_numbers_moved(struct node *n,
    const struct node_peer *from);
WN_NODISCARD wn_err node_chain_check(struct node *n, const char *override,
    char *err, size_t errlen);

/* node_need_apply applies a need-to-know message (matrix, case,
 * request, disclosure, retraction) from peer `from` (node/need/need.c), in the
 * receiving transaction; an error with a reason in why refuses it. */
WN_NODISCARD wn_err node_need_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_case_apply applies a case, information request, disclosure or
 * retraction from a peer (node/need/case.c). */
WN_NODISCARD wn_err node_case_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_outbox_reserve takes count consecutive sequence numbers for p
 * (the first in *first) and node_outbox_insert queues one message under
 * one of them: for queueing many messages at once. Caller's transaction. */
WN_NODISCARD wn_err node_outbox_reserve(struct node *n, struct node_peer *p,
    uint64_t count, int64_t *first);
WN_NODISCARD wn_err node_outbox_insert(struct node *n, struct node_peer *p,
    int64_t seq, uint32_t type, const void *body, size_t len,
    const char *traceparent);

/* node_outbox_push_traced is node_outbox_push with a W3C traceparent that
 * travels in the envelope's "tp" label. */
WN_NODISCARD wn_err node_outbox_push_traced(struct node *n,
    struct node_peer *p, uint32_t type, const void *body, size_t len,
    const char *traceparent);

/* node_peer_kick wakes the delivery thread (after a push). */
void node_peer_kick(struct node *n);

/* The daemon's subcommands (node/daemon/main.c dispatches to them). */
int node_cmd_init(int argc, char **argv);
int node_cmd_run(int argc, char **argv);
int node_cmd_audit_verify(int argc, char **argv);
int node_cmd_public(int argc, char **argv);

#endif
