/*
 * peer_int.h - what the files of the exchange's peer side share, private
 * to node/exchange/ (not in exchange.h: no other room sees it).
 *
 * peer.c      the peer table, the outbox, start and stop; the helpers
 *             every part uses (audit, wire capture, cached statements)
 * receive.c   phase A: the checks on an nng thread without the lock, the
 *             refusals and their audit, the hand-over to the applier
 * apply.c     phase B and C: the applier thread, one transaction per
 *             group of transfers, receipts
 * deliver.c   the delivery thread: sealing, the window, receipts back
 *
 * Its functions and variables are prefixed peer_; the statement slots
 * (ST_*) and the structs of a received transfer (struct pre, struct
 * node_rx) keep the names they had in peer.c. Which lock each function
 * wants is said where it is defined.
 */
#ifndef NODE_EXCHANGE_PEER_INT_H
#define NODE_EXCHANGE_PEER_INT_H

#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"

#include <sqlcipher/sqlite3.h>

#include "protocol/envelope.h"
#include "protocol/manifest.h"

/* Deadlines a test may lengthen, set by node_peer_start (peer.c, where
 * they are described). */
extern int64_t peer_rx_wait_ms, peer_minute_ms, peer_head_period_ms,
    peer_delivery_late_ms, peer_send_timeout_ms, peer_rx_data_max,
    peer_receipt_ahead_ms;

/* The statements of the exchange's hot path, cached. Each writes one row
 * of one b-tree, so it checks its constraints before it writes and can
 * fail only whole: none needs SQLite's statement journal, into which a
 * statement that may write several rows or b-trees and may abort (an
 * UPDATE of a NOT NULL column with the default ABORT, an INSERT OR
 * REPLACE, anything inside a savepoint) first copies every page it
 * touches, each copy encrypted by SQLCipher. Hence UPDATE OR FAIL: the
 * same effect on one row, no journal. */
enum {
	ST_SEEN = NODE_ST_PEER,
	ST_INBOX,
	ST_DATA,
	ST_LAST_GET,
	ST_LAST_SET,
	ST_OB_SEQ,
	ST_OB_INS,
	ST_OB_BUMP,
	ST_OB_DEL,
	ST_LAST_OK,
	ST_OB_NEXT,
	ST_END
};
_Static_assert((int)ST_END <= (int)NODE_ST_NEED,
    "node_store_slot has room for these");

/* peer_stmt returns a cached, reset prepared statement (n->mtx held). */
sqlite3_stmt *peer_stmt(struct node *n, int id, const char *sql);
/* peer_exec_bind prepares, binds and runs one statement once (apply.c):
 * ?1 text, ?2 int, ?3 blob, ?4 int (unused ones are not bound). */
WN_NODISCARD wn_err peer_exec_bind(struct node *n, const char *sql,
    const char *text, int64_t a, const void *blob, size_t blen, int64_t b);

/* peer.c */
int64_t peer_now_us(void);
void peer_audit_log(struct node *n, const char *user, const char *action,
    const char *object, const char *detail);
void peer_wire_capture(const void *buf, size_t len);
/* peer_body_capture appends the opened body of a message received to
 * $WIJKNET_TEST_BODY_CAPTURE, in the tests' daemon only (node_test_env) */
void peer_body_capture(const void *buf, size_t len);
void peer_close(struct node_peer *p);

/* One envelope of a transfer as phase A left it. */
struct pre {
	struct proto_envelope e;
	struct node_peer *p;
	uint8_t hash[SEC_HASH_LEN];
	wn_err code; /* WN_OK: well-formed, from a known peer, signed, ours */
	bool decoded;
	bool authentic; /* p's signature is on it (its own, or the manifest's) */
	char reason[160];
};

struct node_rx {
	struct node *n;
	struct node_rx *next;               /* in the applier's queue */
	struct node_server_worker *wk;      /* the held call to answer */
	nng_pipe pipe;                      /* the connection it came on */
	struct node_peer *from;             /* the attributed sender, if any */
	uint64_t after;                     /* apply once last_seq_in >= after */
	int64_t hi;                         /* highest seq in the transfer */
	int64_t last;                       /* the sender's last applied, after */
	int64_t queued_ms;
	size_t nenv;
	const char *defer;                  /* set: defer every envelope */
	bool aborted; /* the store rolled the transaction back */
	size_t naccepted, nrefused, napplied;
	uint8_t accepted[NODE_BATCH][16];
	struct proto_refusal refused[NODE_BATCH];
	int64_t first_seq, last_seq;
	bool blocked; /* a message was deferred: all after it wait too */
	uint8_t thash[SEC_HASH_LEN];        /* the receipt names it */
	struct node_session *sess; /* the session it came under (held) */
	struct pre pre[NODE_BATCH];
};

/* ctl_peer.c: a bundle's keys from a control call, checked and matched
 * against the fingerprint the operator confirmed (peer.add, peer.rekey) */
wn_err node_peer_keys_arg(struct node_ctl_call *c, struct sec_public *pub,
    char fp[SEC_FINGERPRINT_LEN], const char *what, const char *verb);

/* rotate.c: a peer's key rotation. peer_verify_env and peer_verify_cose
 * check a signature with the peer's keys, or, while its rotation is open
 * (peer_prev_usable: not yet seen signing with the new ones, and within
 * the overlap), with the keys it held before; a signature by the new key
 * marks the rotation complete (prev_done; no lock needed).
 * peer_verify_sign_pk: pk is one of those keys. peer_rotation_note
 * writes a completion to the store and audits it (n->mtx held, in a
 * transaction). node_key_prev_own: this node's sign key before its last
 * rotation, for its own heads its checkers hold. */
bool peer_prev_usable(const struct node_peer *p);
bool peer_verify_env(struct node_peer *p, const struct proto_envelope *e);
bool peer_verify_cose(struct node_peer *p, const struct proto_cose_sign1 *m);
bool peer_verify_sign_pk(struct node_peer *p,
    const uint8_t pk[SEC_SIGN_PK_LEN]);
WN_NODISCARD wn_err peer_rotation_note(struct node *n, struct node_peer *p);
bool node_key_prev_own(struct node *n, uint8_t pk[SEC_SIGN_PK_LEN]);
void node_rotate_register(void);

/* receive.c */
bool peer_transient(wn_err code);
enum peer_refusal_kind { PEER_FINAL, PEER_KEEP, PEER_UNKNOWN };
enum peer_refusal_kind peer_refusal_kind(uint32_t code);
wn_err peer_final_code(wn_err code);
void peer_refusals_flush(struct node *n, bool force);
void peer_refused_unsigned(struct node *n, const char *who,
    const char *reason);
void peer_tls_refusals(struct node *n);
struct proto_refusal *peer_answer_again(struct node_rx *rx,
    const uint8_t *id, wn_err code, const char *reason);
void peer_refuse(struct node_rx *rx, bool vouched, const uint8_t *id,
    wn_err code, const char *who, const char *reason);
/* peer_refuse_once audits a refusal of something a member signed that
 * carries no message of the sequence (a session opening), once for
 * repeats of the same code (takes n->mtx) */
void peer_refuse_once(struct node *n, const char *who, wn_err code,
    const char *reason);
bool peer_in_window(int64_t ts_ms);
/* peer_clock_off says, in buf, that what (a peer's message) dated ts_ms is
 * off our clock by more than the window, by how much, and what to check;
 * then ("": nothing) follows "allowed", e.g. ": not taken". */
void peer_clock_off(char *buf, size_t len, const char *what, int64_t ts_ms,
    const char *then);
int peer_seen(struct node *n, const struct pre *pr, wn_err *code, char *why,
    size_t whylen);
int64_t peer_last_seq_in(struct node *n, const char *peer);
bool peer_serve(void *arg, struct node_server_worker *wk, nng_msg *msg,
    struct proto_writer *w);

/* apply.c */
/* peer_reply_error_env: a signed ERROR to member `to`; id (NULL: none)
 * the id of the request it refuses, in the body, when it answers a session
 * opening or refuses a transfer with 19 (PROTOCOL.md "Sessions") */
void peer_reply_error_env(struct node *n, const char *to, const uint8_t *id,
    wn_err code, const char *reason, struct proto_writer *w);
/* the one answer to a transfer nothing in which is authenticated, unless
 * its bytes do not decode (PROTOCOL.md, "Who gets the answer") */
#define PEER_UNAUTH_REASON "not authenticated"
void peer_reply_unauthenticated(struct node *n, bool decode, wn_err code,
    const char *reason, struct proto_writer *w);
void peer_transfer_refused(struct node *n, const char *who, bool vouched,
    bool decode, wn_err code, const char *reason, struct proto_writer *w);
bool peer_answer_query(struct node *n, const struct pre *pr,
    const struct node_session *sess, struct proto_writer *w);
void *peer_applier_main(void *arg);

/* session.c: the sessions (PROTOCOL.md "Sessions") */
extern int64_t peer_session_renew_ms, peer_session_idle_ms,
    peer_session_max_ms;
/* peer_session_hooks reads the test hooks of the lifetimes (start) */
void peer_session_hooks(void);
/* the responder's table: made by node_exchange_init, emptied (keys wiped)
 * and freed by node_exchange_fini; peer_sessions_expire forgets the
 * expired ones (peer NULL) or every one of peer (its keys changed) */
WN_NODISCARD wn_err peer_sessions_init(struct node *n);
void peer_sessions_fini(struct node *n);
void peer_sessions_expire(struct node *n, const char *peer);
size_t peer_sessions_count(struct node *n);
/* peer_session_find: the session sid that peer opened with us, not
 * expired, held for the caller (peer_session_put), or NULL. No lock
 * needed. */
struct node_session *peer_session_find(struct node *n, const char *peer,
    const uint8_t sid[PROTO_SID_LEN]);
struct node_session *peer_session_hold(struct node *n,
    struct node_session *s);
void peer_session_put(struct node *n, struct node_session *s);
const struct proto_session *peer_session_keys(const struct node_session *s);
/* peer_session_accept answers a transfer of one SESSION_OPEN (phase A,
 * no lock held; bytes: the envelope as received) in w: an accept, or a
 * signed ERROR. False for anything else. */
bool peer_session_accept(struct node *n, const struct pre *pr,
    const uint8_t *bytes, size_t len, struct proto_writer *w);
/* the initiator's side (n->mtx held): whether p's session can be used,
 * p's session dropped (only if it is still s; s NULL: whichever), the
 * opening's state released, the transfer of a new opening written to tw
 * (WN_EBUSY while one is in flight), and its answer taken (p->sess on
 * success; an ERROR's code in *code, WN_ENOKEY's too) */
bool peer_session_ready(struct node_peer *p);
void peer_session_drop(struct node *n, struct node_peer *p,
    const struct node_session *s);
void peer_session_hs_release(struct node_peer *p);
/* peer_session_retire drops p's session once it is peer_session_renew_ms
 * old, and p's session and opening at once when p is gone (keys wiped
 * when the last transfer holding it is done); peer_sessions_opened counts
 * the peers this node holds a session with as initiator (gone ones too)
 * and the age of the oldest, ms (0: none) (n->mtx held) */
void peer_session_retire(struct node *n, struct node_peer *p, int64_t now);
void peer_sessions_opened(struct node *n, size_t *count,
    int64_t *oldest_ms);
WN_NODISCARD wn_err peer_session_open_transfer(struct node *n,
    struct node_peer *p, struct proto_writer *tw);
WN_NODISCARD wn_err peer_session_take(struct node *n, struct node_peer *p,
    const void *reply, size_t len, uint32_t *code, char *why, size_t whylen);

/* deliver.c */
void peer_push_heads(struct node *n, bool force);
void *peer_delivery_main(void *arg);

#endif
