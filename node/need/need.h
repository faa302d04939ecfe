/*
 * need.h - the need-to-know room: what may leave this node, for whom.
 *
 * Owns: the authorization matrix (need.c), cases and membership, dossiers,
 * consent, sharing decisions, disclosure, amendments, attestations,
 * retraction, copies kept true and the snooping alert (case.c, record.c,
 * share.c, amend.c, copies.c, watch.c, case_apply.c; retractions sent
 * again to a peer whose store went back, resync.c; what they share is
 * in case_int.h, which no file outside them includes; closed.c answers
 * case work's questions about a case); the message kinds MATRIX,
 * MATRIX_ACK, CASE, INFO_REQUEST, DISCLOSURE, RETRACTION, RETRACTION_ACK,
 * AMEND, ATTEST; the matrix.*, case.*, record.*, consent.*, share.* and
 * data.* control commands.
 * May use: core, store, exchange (it sends through the outbox).
 */
#ifndef NODE_NEED_NEED_H
#define NODE_NEED_NEED_H

#include "config/matrix.h"
#include "node/core/core.h"
#include "node/exchange/exchange.h"
#include "node/node.h"
#include "protocol/need_wire.h"

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
/* node_need_held_key: the key the signed matrix buf is checked with (the
 * director's, or the one the pinned federation root delegated to it). */
bool node_need_held_key(struct node *n, const void *buf, size_t len,
    uint8_t pk[SEC_SIGN_PK_LEN]);

/* node_need_on_matrix adds a function a member calls when it has applied
 * a new matrix, in the same transaction, before its MATRIX_ACK leaves
 * (work/ queues the signal summaries the new matrix lets out and makes
 * the copies of case signals true under it); an error
 * refuses the matrix, to be tried again. Up to NODE_MATRIX_HOOKS_MAX, in
 * the order added; the same one again is a no-op. Before the node serves
 * (at room registration); not thread safe. */
typedef wn_err (*node_matrix_fn)(struct node *n);
#define NODE_MATRIX_HOOKS_MAX 4
void node_need_on_matrix(node_matrix_fn fn);
/* node_need_on_published adds a function the director calls when it has
 * published a new matrix, in the same transaction, after the MATRIX is
 * queued for every member; an error fails the publication. As
 * node_need_on_matrix otherwise (its own NODE_MATRIX_HOOKS_MAX). */
void node_need_on_published(node_matrix_fn fn);

/* node_need_outside_level: the level the matrix in force on this node
 * (signed by the director, of this node's federation) gives role for
 * records of kind what outside any case ([outside cases] in the matrix
 * file), into *out: CFG_LEVEL_NONE when no matrix is in force, and for a
 * what or role out of range (default deny). Errors (*out untouched):
 * WN_ENOMEM, WN_EDB, or the matrix's own when the one stored no longer
 * verifies (WN_ECRYPTO, WN_EPROTO). Like every reader of the matrix in
 * force: n->mtx held, inside a handler, an apply function or the
 * caller's transaction; it reads the store and checks the matrix's
 * signature on each call (node/need/need.c). */
WN_NODISCARD wn_err node_need_outside_level(struct node *n,
    enum cfg_outside what, enum cfg_role role, enum cfg_level *out);

/* ---- cases as case work (node/work/) sees them (closed.c) ----------- */

/* A case without its subject, which stays in need/. */
struct node_case {
	char id[PROTO_CASE_ID_MAX + 1];
	int type; /* enum cfg_case_type */
	char director[PROTO_ORG_ID_MAX + 1];
	int64_t closed_ms;  /* 0: open */
	bool here_directs;  /* this node is its director */
	bool here_member;   /* this node is a current member */
};
/* node_case_get: the case id as this node knows it (false: unknown).
 * node_case_member: org is a current member of the case (*role, may be
 * NULL, its enum cfg_role). node_case_members calls fn for each current
 * member in org id order and stops at its first error, which it returns
 * (WN_EDB on a store error). All in the caller's transaction. */
bool node_case_get(struct node *n, const char *id, struct node_case *out);
bool node_case_member(struct node *n, const char *case_id, const char *org,
    int *role);
typedef wn_err (*node_case_member_fn)(struct node *n, const char *org,
    int role, void *arg);
WN_NODISCARD wn_err node_case_members(struct node *n, const char *case_id,
    node_case_member_fn fn, void *arg);

/* node_case_set_closed records that the case was closed at ms (0:
 * reopened), audited as by's; from then on need/ sends and accepts no
 * disclosure, information request or amendment for it, and invites no
 * member to it. WN_ENOTFOUND for a case this node does not know, WN_EDB.
 * work/ calls it when the director closes or reopens a case, and when a
 * member applies that step. */
WN_NODISCARD wn_err node_case_set_closed(struct node *n, const char *case_id,
    int64_t ms, const char *by);

/* node_matrix_level: the level (enum cfg_level) the matrix in force gives
 * role for category in cases of type; 0 (none) without a matrix. */
int node_matrix_level(struct node *n, int type, int category, int role);

/* node_need_levels: what a matrix held gives every role of category cat
 * (enum cfg_category) in cases of each type, out[type][role] (enum
 * cfg_level): back 0 the matrix in force, 1 the one in force before it
 * (a hook of node_need_on_matrix or _on_published compares the two), all
 * CFG_LEVEL_NONE where there is none. The matrix is read and verified
 * once. WN_EDB, WN_ENOMEM, WN_ECRYPTO. Under the node lock. */
WN_NODISCARD wn_err node_need_levels(struct node *n, int back, int cat,
    uint8_t out[CFG_CASE_TYPES][CFG_ROLES]);

/* node_need_on_invite adds a function the director calls when it has
 * invited org to a case and queued the case's CASE for it, in the same
 * transaction (work/ sends the case's history); an error fails the
 * invitation. Up to NODE_INVITE_HOOKS_MAX, in the order added; the same
 * one again is a no-op. Before the node serves; not thread safe. */
typedef wn_err (*node_invite_fn)(struct node *n, const char *case_id,
    const char *org);
#define NODE_INVITE_HOOKS_MAX 8
void node_need_on_invite(node_invite_fn fn);

/* node_need_on_removed adds a function a member calls when it learns it
 * was removed from a case, in the same transaction, after it deleted the
 * fields it received for it (work/ forgets the case's steps and links);
 * an error refuses the CASE, to be tried again. Up to
 * NODE_INVITE_HOOKS_MAX; as node_need_on_invite. */
typedef wn_err (*node_removed_fn)(struct node *n, const char *case_id);
void node_need_on_removed(node_removed_fn fn);
/* node_need_on_member_removed adds a function the director calls when it
 * has removed org from a case and queued the case's CASE, in the same
 * transaction (work/ withdraws the case's signals org told it); an error
 * fails the removal. Up to NODE_INVITE_HOOKS_MAX; as node_need_on_invite. */
void node_need_on_member_removed(node_invite_fn fn);

/* node_need_on_tokens: the subject room tells need/ how a case opened on
 * a token (its subject "token:HEX", proto_subject_token) meets this node's
 * own subjects. ref_of writes the reference of this node's subject whose
 * token it is into ref (WN_ENOTFOUND: none here; WN_EDB); token_of the
 * token of this node's subject ref (WN_ENOTFOUND: no such subject,
 * WN_EBUSY: its token is not here yet; WN_EDB); fp a short fingerprint of
 * a token for audit records and logs (never the token); use counts one
 * token a local user puts into a case (case open --token, and so concern
 * case) against the daily limit (token_daily_limit) as a derivation is
 * counted (WN_ELIMIT: past it, *used the count so far). Under the node
 * lock, in the caller's transaction. Set once, before the node serves;
 * not thread safe. Without them a token names no subject here. */
struct node_need_tokens {
	wn_err (*ref_of)(struct node *n, const uint8_t token[32], char *ref,
	    size_t cap);
	wn_err (*token_of)(struct node *n, const char *ref,
	    uint8_t token[32]);
	void (*fp)(const uint8_t token[32], char out[9]);
	wn_err (*use)(struct node *n, const char *user, uint64_t *used,
	    uint64_t *limit);
};
void node_need_on_tokens(const struct node_need_tokens *t);

/* need/'s state, reached from the node as n->need: the dossiers opened
 * outside a user's cases, for the snooping alert (watch.c), guarded by
 * n->mtx. node_need_start allocates it (WN_ENOMEM) before the node serves;
 * node_need_stop frees it (a node never started too). */
struct node_need {
	struct node_snoop {
		char user[64], dossier[64];
		int64_t ms;
	} snoop[512];
	size_t nsnoop;
};
WN_NODISCARD wn_err node_need_start(struct node *n);
void node_need_stop(struct node *n);

/* node_need_room_register registers the message types need/ owns
 * (MATRIX, MATRIX_ACK, CASE, INFO_REQUEST, DISCLOSURE, RETRACTION,
 * RETRACTION_ACK, AMEND, ATTEST) with the exchange, their apply functions
 * the two below, node_matrix_send as the exchange's enrolment hook, and
 * need/'s control commands (matrix.*, case.*, record.*, consent.*,
 * share.*, data.*; the handlers below). Before the node serves (daemon/
 * at start). */
void node_need_room_register(void);

/* node_need_resync (node/need/resync.c), the exchange's resync hook
 * need/ registers: queues again for `to`, whose store went back to a copy
 * of since_ms, every retraction of a field disclosed to it that it did
 * not acknowledge before then (less NODE_RESYNC_SLACK_MS); *queued counts
 * the RETRACTION messages. In the receiving transaction. */
WN_NODISCARD wn_err node_need_resync(struct node *n, struct node_peer *to,
    int64_t since_ms, size_t *queued);
/* node_need_resync_removals (resync.c), the second: a case's director
 * queues again for `to` the CASE of each case it directs that `to` was
 * removed from (as it stands now, without `to`): *queued counts them. */
WN_NODISCARD wn_err node_need_resync_removals(struct node *n,
    struct node_peer *to, int64_t since_ms, size_t *queued);

/* node_need_apply applies a need-to-know message (matrix, case,
 * request, disclosure, retraction) from peer `from` (node/need/need.c), in the
 * receiving transaction; an error with a reason in why refuses it. */
WN_NODISCARD wn_err node_need_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_case_apply applies a case, information request, disclosure or
 * retraction from a peer (node/need/case_apply.c). */
WN_NODISCARD wn_err node_case_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_need_readers (closed.c) lists the case's current members (at most
 * cap, in org id order) with the level the matrix in force gives each
 * one's role of category cat (enum cfg_category) in the case's type, as
 * node_matrix_level would, the matrix read once: CFG_LEVEL_NONE for all
 * while no matrix is in force. WN_ENOTFOUND for a case this node does not
 * know, WN_EDB, WN_ENOMEM; *count is 0 on failure. In the caller's
 * transaction, under the node lock. A case's director is node_case_get's,
 * one member's role node_case_member's. */
struct node_need_reader {
	char org[PROTO_ORG_ID_MAX + 1];
	int role;  /* enum cfg_role */
	int level; /* enum cfg_level */
};
WN_NODISCARD wn_err node_need_readers(struct node *n, const char *case_id,
    int cat, struct node_need_reader *out, size_t cap, size_t *count);

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
wn_err node_ctl_record_correct(struct node_ctl_call *c);

#endif
