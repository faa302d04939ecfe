/*
 * exchange.h - the exchange room: talking to other nodes.
 *
 * Owns: the peer table, TLS (tls.c), connection caps and idle deadlines
 * (conn.c), the durable outbox (peer.c) and the delivery thread
 * (deliver.c), the receiving checks (receive.c), the applier and receipts
 * (apply.c), the federation charter and enrolment (charter.c,
 * ctl_peer.c), the signed chain heads that detect a rollback (chain.c),
 * and the peer.* control commands, the sessions with peers (session.c:
 * forward secrecy, in memory only), a member's key rotation (rotate.c:
 * key.rotate, peer.rekey, a rotated peer's old keys). Its state is struct node_exchange,
 * n->ex, private to the room (exchange_int.h). The message kinds
 * it owns: ERROR, RECEIPT, DATA, CHARTER, CHAIN_HEAD, CHAIN_HEAD_QUERY,
 * CHAIN_HEAD_ANSWER, SESSION_OPEN, SESSION_ACCEPT, RESYNC_REQUEST (the
 * resync after a restore, resync.c: the rooms register what they send
 * again, node_exchange_on_resync).
 * May use: core, store. Rooms above it register their message types and
 * the enrolment hook (node_exchange_register, node_exchange_on_enrol).
 */
#ifndef NODE_EXCHANGE_EXCHANGE_H
#define NODE_EXCHANGE_EXCHANGE_H

#include "node/core/core.h"
#include "node/node.h"
#include "protocol/session_wire.h"

#define NODE_BATCH 64 /* envelopes per transfer */
#define NODE_WINDOW 4 /* transfers in flight per peer */

/* A session with a peer (session.c): its id and keys, in memory only. */
struct node_session;

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
	bool head[NODE_BATCH]; /* the message is our chain head */
	uint8_t thash[SEC_HASH_LEN]; /* what its receipt must name */
	uint8_t *body; /* its reply, opened */
	unsigned drops; /* its peer's drops when it was sent */
	int64_t sent_ms; /* CLOCK_MONOTONIC, when it went out; 0: not yet */
	bool first; /* the window's first transfer: ids[0] is its oldest */
	/* the session its envelopes are sealed under (a reference), or,
	 * with hs, a session opening: ids[0] then names the oldest message
	 * waiting, which a refusal of the opening counts against */
	struct node_session *sess;
	bool hs;
};

/* an unknown refusal code a peer answered (deliver.c): alerted once,
 * its repeats counted and recorded hourly */
#define NODE_UNKNOWN_CODES 4
struct node_unknown_seen {
	bool used;
	uint32_t code;  /* (the last entry: every code past the first four) */
	uint64_t more;  /* repeats since the last record */
	int64_t mono;   /* when it was last recorded */
};

/* A peer as the node knows it, with its delivery state. Fields below
 * "delivery" are guarded by node.mtx. */
struct node_peer {
	char org_id[64], name[128], role[32], endpoint[256];
	uint8_t sign_pk[SEC_SIGN_PK_LEN], kx_pk[SEC_KX_PK_LEN];
	bool directs;
	struct sec_peer_key *key;
	struct node *node;

	/* a key rotation (rotate.c). has_prev: the peer rotated its keys;
	 * the ones it held before (prev_*) are taken as well until it signs
	 * with these (prev_done, set on the nng threads) or until
	 * prev_until_ms (wall clock), whichever comes first; prev_key is
	 * the pair key with prev_kx_pk; prev_stored: prev_done is in the
	 * store. next_key: while this node's own rotation is under way
	 * (n->next_id), the pair key of its next keys with this peer's. Set
	 * when the struct is made (node_peers_load), freed with it. */
	bool has_prev;
	uint8_t prev_sign_pk[SEC_SIGN_PK_LEN], prev_kx_pk[SEC_KX_PK_LEN];
	int64_t prev_until_ms;
	struct sec_peer_key *prev_key, *next_key;
	atomic_bool prev_done;
	bool prev_stored;

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

	/* stuck: it refused the same message NODE_NOKEY_CAP times in a row
	 * as one it cannot decrypt, or with a code sending again does not
	 * fix (3, 7, 15, or one we do not know; deliver.c): nothing more is
	 * sent to it until `peer retry` or new keys (kept in the store, meta
	 * peer_stuck:ORG) */
	bool stuck;
	int64_t stuck_ms;            /* wall clock, when it got stuck */
	/* how far its clock is ahead of ours (negative: behind), seen in
	 * the time of the last signed receipt it sent us that answers our
	 * transfer (also one refused for being more than the window off),
	 * less than the round trip off; skew_known once one came */
	int64_t skew_ms;
	bool skew_known;
	int64_t key_ms;              /* wall clock, since when we hold its
				      * keys (this struct was made for them) */
	uint32_t stuck_code;         /* the code that made it stuck */
	uint8_t nokey_id[16];        /* the message it keeps refusing */
	unsigned nokey_n;            /* its refusals of it in a row */
	uint32_t nokey_code;         /* the last of them (17: cannot decrypt) */
	struct node_unknown_seen unknown[NODE_UNKNOWN_CODES + 1];

	/* the session we send under (a reference; session.c), and the
	 * opening of the next one while it is in flight */
	struct node_session *sess;
	struct proto_session_init *hs;

	int64_t queried_ms; /* its last chain.queried record (apply.c) */
	/* the rollback check (chain.c): a checker that has not vouched
	 * since the start, asked again until it has, and when it was last
	 * asked (CLOCK_MONOTONIC) */
	bool chain_pending;
	int64_t chain_asked_ms;
	atomic_uint drops;  /* connections lost (pipe_gone, no lock) */
};

/* Peers and delivery (node/exchange/peer.c). Call with n->mtx held unless
 * said. */
WN_NODISCARD wn_err node_peers_load(struct node *n);
struct node_peer *node_peer_find(struct node *n, const char *org_id);
/* node_peer_next walks the enrolled peers (not those a reload dropped) in
 * org id order: start with *i = 0; NULL after the last one. */
struct node_peer *node_peer_next(struct node *n, size_t *i);
/* node_outbox_push queues a message for a peer in the caller's
 * transaction; delivery seals and signs it when it goes out. */
WN_NODISCARD wn_err node_outbox_push(struct node *n, struct node_peer *p,
    uint32_t type, const void *body, size_t len);
/* Key rotation (node/exchange/rotate.c). NODE_KEY_NEXT_FILE, in the data
 * folder, holds a member's next keys from `key.rotate` until the charter
 * names them; then it becomes the key file (NODE_KEY_CURRENT_FILE).
 * NODE_ROTATION_OVERLAP_MS: how long a node takes a rotated peer's old
 * keys at most (until then, only until the peer signs with its new
 * ones). */
#define NODE_KEY_NEXT_FILE "node.key.next"
#define NODE_KEY_CURRENT_FILE "node.key"
#define NODE_ROTATION_OVERLAP_MS (24 * 3600 * 1000LL)
/* node_key_rotation_resume: at load, with the identity unlocked: opens
 * the next keys of a rotation under way (same passphrase), into
 * n->next_id; WN_OK also when there is none. */
WN_NODISCARD wn_err node_key_rotation_resume(struct node *n,
    const struct sec_secret *pass, char *err, size_t errlen);
/* node_key_rotation_finish: the charter names this node's next keys: the
 * next key file becomes the key file, the identity signs with the new
 * keys from now on, every peer's pair key and session is made anew
 * (n->mtx held, in the applier's transaction: audited there). */
WN_NODISCARD wn_err node_key_rotation_finish(struct node *n);

/* node_charter_directs: whether this node directs cases (the director;
 * a member its own entry in the newest charter says so for: --directs).
 * node/exchange/charter.c */
bool node_charter_directs(struct node *n);
/* node_peer_start listens on cfg.listen and starts the delivery thread;
 * node_peer_stop stops both (without n->mtx held; again, or on a node
 * never loaded, it does nothing more). */
WN_NODISCARD wn_err node_peer_start(struct node *n, char *err, size_t errlen);
void node_peer_stop(struct node *n);

/* node_peer_msgs_held: after node_peer_stop, how many transfer messages
 * our code made and neither freed nor handed to the network library: 0,
 * or a defect (the daemon's exit status says so) */
long node_peer_msgs_held(const struct node *n);
/* The exchange's state, n->ex (struct node_exchange, private to the room:
 * exchange_int.h). node_exchange_init allocates it (WN_ENOMEM) when the
 * node is loaded, before node_tls_init and node_peers_load;
 * node_exchange_fini (after node_peer_stop; also for a node whose
 * loading failed) wipes the TLS key and frees it. When a socket was
 * abandoned (node_sockets_abandoned) it is never called: nng's callbacks
 * may still reach the state until the process ends. */
WN_NODISCARD wn_err node_exchange_init(struct node *n);
void node_exchange_fini(struct node *n);

/* node_tls_conf_pin pins an mbed TLS configuration (a mbedtls_ssl_config)
 * to the suites the node speaks: ECDHE with AEAD, TLS 1.2 (tls.c; every
 * configuration of the node's TLS engine gets it). node_tls_suites lists
 * them, ending in 0. For the TLS engine and its tests. */
struct mbedtls_ssl_config;
void node_tls_conf_pin(struct mbedtls_ssl_config *conf);
const int *node_tls_suites(void);

/* node_req_send sends len bytes of buf as one request on sock (REQ),
 * blocking up to its send timeout; 0 or nng's error. Every blocking
 * request goes through it (session.c says why). */
int node_req_send(nng_socket sock, const void *buf, size_t len);

/* node_session_handshake opens a session on sock (a REQ socket dialled
 * to the peer `to`, with its timeouts set), as `from`, with the static
 * pair key and the peer's signing key: one SESSION_OPEN sent, its
 * SESSION_ACCEPT checked (signature, from, to, time, the open it
 * answers) and the session derived into *out (release it with
 * proto_session_release). For the chain-head query and the test tools;
 * the delivery thread opens its sessions without blocking (deliver.c).
 * WN_EDENIED when it answered an ERROR refusing this opening (naming its
 * id),
 * with the peer's code in *code if that ERROR is within the time window;
 * WN_EPROTO for any other ERROR (not an answer to this opening),
 * WN_ETRANSPORT, WN_EPROTO, WN_ENOKEY, WN_ECRYPTO, WN_ENOMEM. No lock. */
WN_NODISCARD wn_err node_session_handshake(nng_socket sock, const char *from,
    const char *to, const struct sec_peer_key *pair,
    const uint8_t peer_sign_pk[SEC_SIGN_PK_LEN], proto_sign_fn sign,
    void *ctx, struct proto_session *out, uint32_t *code);

/* node_charter_publish (director): signs a new charter version from the
 * peer table and queues it for every member, in the caller's transaction.
 * node_charter_apply (member): checks and applies a signed charter. */
WN_NODISCARD wn_err node_charter_publish(struct node *n);
/* node_charter_federation: the federation of the charter in force (the
 * director's: its own org id) into out; WN_ENOTFOUND when a member holds
 * no charter yet. */
WN_NODISCARD wn_err node_charter_federation(struct node *n, char *out,
    size_t cap);
/* root.c: the federation root (see there). node_root_start (at load,
 * after the store opens and is_director is known) checks the config's
 * root against the one the store pins, and a director's delegation and
 * revocation files; node_root_free frees them. node_root_publish (the
 * director, in a transaction, peers loaded) queues its revocation for
 * every member once. node_root_attach (the director) puts its delegation
 * into the signed document in w. node_root_key: the key a charter or
 * matrix must be signed by (the director's, or with a root the one its
 * delegation names, the delegation in *d; why set on error);
 * node_root_admit: whether a new document of that version, issued then,
 * may replace the version held (the version step; with a root the
 * delegation's revocation, replacement and validity), recording the
 * newest delegation; node_root_apply_revocation: a REVOCATION body. */
#define NODE_ROOT_MAX_STEP 1000
struct proto_delegation;
WN_NODISCARD wn_err node_root_start(struct node *n, char *err,
    size_t errlen);
void node_root_free(struct node *n);
WN_NODISCARD wn_err node_root_publish(struct node *n);
WN_NODISCARD wn_err node_root_attach(struct node *n, struct proto_writer *w);
WN_NODISCARD wn_err node_root_key(struct node *n, const uint8_t *buf,
    size_t len, uint32_t type, uint8_t key[SEC_SIGN_PK_LEN],
    struct proto_delegation *d, char *why, size_t whylen);
WN_NODISCARD wn_err node_root_admit(struct node *n,
    const struct proto_delegation *d, uint32_t type, uint64_t version,
    int64_t held, int64_t issued_ms, char *why, size_t whylen);
WN_NODISCARD wn_err node_root_apply_revocation(struct node *n,
    const uint8_t *buf, size_t len, char *why, size_t whylen);
/* Fork detection (with a root): node_root_note records the hash of a
 * charter or matrix this node published or applied and sends it to every
 * peer (DOC_HASH); node_root_apply_doc_hash compares a peer's with the
 * one held for that version, and audits alert.fork when they differ. */
WN_NODISCARD wn_err node_root_note(struct node *n, uint32_t type,
    uint64_t version, const uint8_t *buf, size_t len);
WN_NODISCARD wn_err node_root_apply_doc_hash(struct node *n,
    const char *from, const uint8_t *buf, size_t len, char *why,
    size_t whylen);
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
 * connections closed before their handshake (too many handshaking), and
 * says how many are in their handshake now.
 * Thread safe; they never wait for n->mtx. */
void node_tls_set_peers(struct node *n);
bool node_tls_refusal_take(char who[64], char why[200], uint64_t *lost);
void node_tls_stats(uint64_t *late_frames, uint64_t *refused,
    uint64_t *over_cap, uint64_t *handshaking);
/* node_tls_pipe_who says whether pipe p came over TLS (false: plain tcp://
 * or ipc) and, if it did, the partner its client certificate named in the
 * handshake into who ("" when the pipe was dialed by us: only a listener's
 * connections check a client certificate). Thread safe; it never waits
 * for n->mtx. */
bool node_tls_pipe_who(nng_pipe p, char who[64]);

/* Connections on the peer socket (node/exchange/conn.c). node_conns_start sets
 * the caps and the idle deadline from the config on socket s (before it
 * listens) and starts the reaper; node_conns_stop (after s is closed)
 * stops the reaper and frees it all, or, when s could not be closed
 * (node_socket_close), leaves the table to nng's pipe callbacks until
 * the process ends. node_conn_begin/_end bracket a request received on pipe
 * p until its reply (the idle clock stops meanwhile). Thread safe. */
struct node_conn_stats {
	uint64_t open, accepted, refused_total, refused_address, closed_idle;
	uint64_t closed_frame; /* a TLS frame past peer_frame_timeout */
	uint64_t tls_refused;  /* handshakes refused: no enrolled partner */
	uint64_t handshaking;  /* TLS connections in their handshake now */
};
WN_NODISCARD wn_err node_conns_start(struct node *n, nng_socket s);
void node_conns_stop(struct node *n, bool closed);
void node_conn_begin(struct node *n, nng_pipe p);
void node_conn_end(struct node *n, nng_pipe p);
void node_conns_stats(struct node *n, struct node_conn_stats *out);

/* Rollback detection (node/exchange/chain.c). node_chain_push_heads queues our
 * signed chain head for the nodes that check us (caller's transaction);
 * node_chain_store keeps a head a peer sent (one that does not extend the
 * head held is audited as a rollback and the held one kept); node_chain_answer writes the
 * reply to a CHAIN_HEAD_QUERY, echoing its nonce; node_chain_check asks our checkers on start
 * and fails (WN_ECORRUPT, reason in err) if our chain is behind, unless
 * override gives the operator's reason, which is audited. */
WN_NODISCARD wn_err node_chain_push_heads(struct node *n);
/* node_chain_behind: whether this node serves on a store accepted as
 * rolled back (--accept-rollback) whose checkers do not yet hold a head
 * its chain extends, and what it misses: for status, until a start at
 * which every checker holds such a head. */
struct node_chain_behind {
	int64_t missing;     /* audit records the copy misses (0: rewritten) */
	int64_t since_ms;    /* when the copy's last record was written */
	int64_t last_seq;    /* the copy's last record when it started */
	int64_t held_seq;    /* the record the checker held */
	int64_t accepted_ms; /* when the operator accepted it */
	char checker[64];
	char warning[512];   /* in words, for the operator */
};
bool node_chain_behind(struct node *n, struct node_chain_behind *out);
/* NODE_RESTORED_SEQ_KEY (meta): the last audit record of a restored copy
 * (wijknetd restore puts it, node_chain_restored), which node_chain_check
 * counts what the copy misses from; dropped with the rollback's state. */
#define NODE_RESTORED_SEQ_KEY "restored_copy_seq"
/* node_chain_restored: wijknetd restore marks the restored store (in the
 * caller's transaction): its last audit record (NODE_RESTORED_SEQ_KEY),
 * and every peer's next sequence number moved forward by
 * NODE_RESTORE_SEQ_GAP, past any its original used after the backup, so
 * that a copy that serves before a checker vouched (--accept-unchecked)
 * is not refused as replays. The gap is below NODE_SEQ_JUMP: its peers
 * take it as a gap, not as the operator's acceptance of a rollback (which
 * would close a rollback reported of the node, and make its checkers hold
 * its next head whatever its index). While such a copy serves unchecked
 * it sends no chain head (node_chain_push_heads): one past the head a
 * checker holds of the original would replace it unchecked, and the
 * copy's next checked start would miss the rollback. */
#define NODE_RESTORE_SEQ_GAP ((uint64_t)1 << 30)
WN_NODISCARD wn_err node_chain_restored(struct node_store *s, int64_t last);
WN_NODISCARD wn_err node_chain_store(struct node *n,
    const struct node_peer *from, const uint8_t *buf, size_t len, char *why,
    size_t whylen);
WN_NODISCARD wn_err node_chain_answer(struct node *n,
    const struct node_peer *to, const struct proto_session *sess,
    const uint8_t nonce[16], struct proto_writer *w);
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
_Static_assert(NODE_RESTORE_SEQ_GAP < NODE_SEQ_JUMP, "a restore's gap "
    "must not read as an accepted rollback");
WN_NODISCARD wn_err node_chain_seq_reused(struct node *n,
    const struct node_peer *from, uint64_t seq, int64_t last,
    const uint8_t *head, size_t hlen);
WN_NODISCARD wn_err node_chain_numbers_moved(struct node *n,
    const struct node_peer *from);
/* After a restore or an accepted rollback (node/exchange/resync.c;
 * PROTOCOL.md, "After a restore"). NODE_RESYNC_KEY (meta) holds the time
 * the copy was made (ms), put by wijknetd restore and by an accepted
 * rollback (node_resync_mark keeps the earlier of two, caller's
 * transaction); node_resync_ask, in its own transaction (n->mtx held),
 * queues a RESYNC_REQUEST naming it to every peer not gone, drops the
 * mark and audits resync.asked (nothing when there is no mark): at start,
 * or for a node that started receive-only when that ends (chain.c). A peer applies a
 * RESYNC_REQUEST (node_resync_apply, the applier, in the receiving
 * transaction) by calling every hook a room registered with
 * node_exchange_on_resync: each queues again, through the outbox, what it
 * sent `to` since since_ms that takes data away and the peer may still
 * send, and adds how many messages it queued to *queued; `what` names
 * them in the audit record ("retractions"). Register before the node
 * serves; up to NODE_RESYNC_HOOKS_MAX; the same function again is a
 * no-op. NODE_RESYNC_SLACK_MS is taken off since for the two clocks (the
 * time window). */
#define NODE_RESYNC_KEY "resync_since_ms"
#define NODE_RESYNC_SLACK_MS (10 * 60 * 1000)
#define NODE_RESYNC_HOOKS_MAX 6
typedef wn_err (*node_resync_fn)(struct node *n, struct node_peer *to,
    int64_t since_ms, size_t *queued);
void node_exchange_on_resync(node_resync_fn fn, const char *what);
WN_NODISCARD wn_err node_resync_mark(struct node_store *s, int64_t since_ms);
WN_NODISCARD wn_err node_resync_ask(struct node *n);
WN_NODISCARD wn_err node_resync_apply(struct node *n, struct node_peer *from,
    const uint8_t *body, size_t len, char *why, size_t whylen);

/* node_chain_check: unchecked (--accept-unchecked) is the operator's
 * reason to serve when no checker answers; without it the node starts
 * receive-only: it receives and answers but sends nothing, and asks its
 * checkers again (node_chain_recheck, in the delivery thread) when one of
 * them is heard from (node_chain_heard, the applier) and periodically.
 * A node that serves after a round in which some checkers did not vouch
 * asks those again the same way, until each has. A rollback found then
 * stops the node (node_chain_refused: the daemon exits with its rollback
 * status, 4). */
WN_NODISCARD wn_err node_chain_check(struct node *n, const char *override,
    const char *unchecked, char *err, size_t errlen);
void node_chain_heard(struct node *n, const struct node_peer *from);
void node_chain_recheck(struct node *n, int64_t *wake);
/* node_chain_refused: NULL, or the node stops for a rollback a recheck
 * found: what its stop record says */
const char *node_chain_refused(struct node *n);
/* node_chain_delivered: a receipt says a head of ours reached checker p
 * (in the caller's transaction; deliver.c) */
WN_NODISCARD wn_err node_chain_delivered(struct node *n,
    const struct node_peer *p);
/* node_chain_receive_only: whether the node sends nothing now, since when
 * (wall clock ms), and why no checker vouched in the last round (the last
 * checker's reason, in words; may be empty); n->mtx held */
bool node_chain_receive_only(struct node *n, int64_t *since_ms, char *why,
    size_t whylen);

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

/* node_exchange_status: what the daemon's status tells of the peer side
 * (n->mtx held): the peer socket's receive limit (0 while it is not
 * open; WN_ETRANSPORT when nng cannot say), how many transfers wait
 * for the one they follow, and how many peers are stuck (they cannot
 * decrypt our messages: nothing more is sent to them). */
struct node_exchange_status {
	size_t recv_max;
	size_t transfers_waiting;
	size_t peers_stuck;
};
WN_NODISCARD wn_err node_exchange_status(struct node *n,
    struct node_exchange_status *out);

/* Message types that a room above the exchange owns (need/: the matrix,
 * cases, requests, disclosures, amendments, attestations, retractions)
 * are registered here, so that the exchange knows no kind but its own
 * (ERROR, RECEIPT, DATA, CHARTER and the CHAIN_HEAD ones). The applier
 * calls a kind's apply for each opened envelope of its type, with n->mtx
 * held, in the receiving transaction; an error with a reason in why
 * refuses the envelope. An envelope of a type nobody registered is refused
 * as "not accepted here". The owning room decodes the body itself, with
 * protocol/'s strict decoder (the envelope already capped it at
 * PROTO_BODY_MAX).
 *
 * node_exchange_register adds count kinds to a process-wide table; a type
 * another apply already holds, or one the exchange answers itself (ERROR,
 * RECEIPT, DATA, CHARTER, CHAIN_HEAD, _QUERY, _ANSWER), aborts the process
 * (WN_ASSERT), the same kind again is a no-op. node_exchange_on_enrol adds
 * a function a director's enrolment calls for the new member, after its
 * charter is queued, in the same transaction (need/ queues the matrix in
 * force), with what it does in a few words for the error when it fails
 * ("queueing the matrix"); up to NODE_ENROL_HOOKS_MAX hooks, all called in
 * the order added until one fails; the same function again is a no-op.
 * node_exchange_on_mv sets where the version of the matrix this node holds
 * comes from, which every envelope it sends names (`mv`; need/ holds the
 * matrix; 0 when unset); it is called with n->mtx held. Call these before
 * the node serves (daemon/ does, at start); not thread safe.
 * (node/exchange/kinds.c) */
typedef wn_err (*node_msg_apply_fn)(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);
struct node_msg_kind {
	uint32_t type;
	node_msg_apply_fn apply;
};
void node_exchange_register(const struct node_msg_kind *kinds, size_t count);
typedef wn_err (*node_enrol_fn)(struct node *n, const char *org);
#define NODE_ENROL_HOOKS_MAX 4
void node_exchange_on_enrol(node_enrol_fn fn, const char *what);
typedef uint64_t (*node_mv_fn)(struct node *n);
void node_exchange_on_mv(node_mv_fn fn);
uint64_t node_exchange_mv(struct node *n);
/* node_exchange_apply applies an envelope of a registered type (the
 * applier's default); node_exchange_enrolled runs the enrolment hooks, the
 * first error stopping, with *what set to the failing hook's words (WN_OK
 * when none is set). */
WN_NODISCARD wn_err node_exchange_apply(struct node *n,
    struct node_peer *from, const struct proto_env_header *h,
    const uint8_t *body, size_t len, char *why, size_t whylen);
WN_NODISCARD wn_err node_exchange_enrolled(struct node *n, const char *org,
    const char **what);

/* node_exchange_room_register registers the exchange's control commands
 * (peer.add, peer.list, peer.send, peer.received, peer.stats; ctl_peer.c).
 * Before the node serves (daemon/ at start). */
void node_exchange_room_register(void);

wn_err node_ctl_peer_add(struct node_ctl_call *c);
wn_err node_ctl_peer_list(struct node_ctl_call *c);
wn_err node_ctl_peer_send(struct node_ctl_call *c);
wn_err node_ctl_peer_received(struct node_ctl_call *c);
wn_err node_ctl_peer_stats(struct node_ctl_call *c);

#endif
