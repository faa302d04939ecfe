/*
 * concern.h - concerns and matches on a subject's token (issue 11, the
 * reference-index idea), in the subject room.
 *
 * A partner registers a concern on a person's pseudonymous token (32
 * bytes), with a contact person and an expiry at most two years ahead,
 * and tells the federation's director (CONCERN, protocol/concern_wire.h);
 * the director keeps the active concerns of every partner and, when two
 * or more partners hold one on the same token, tells each of them which
 * other partners do, with their contacts (CONCERN_MATCH), nothing more.
 * A withdrawal or an expiry dissolves or shrinks the match, and each
 * partner concerned gets the new list. The director may register concerns
 * too; its notices to itself are applied at once.
 *
 * Owns (migration 17): concerns and concern_matches (every node: its own
 * concerns and the other partners told for each), concerns_held (the
 * director: every partner's active concerns and what it last told each);
 * the control commands concern.add, concern.list, concern.withdraw,
 * concern.matches, and at the director concern.held and concern.case
 * (which opens a case on a match through need/'s case.open and
 * case.invite); the message types CONCERN and CONCERN_MATCH; the
 * director's periodic expiry (concerns.expire).
 * The token is personal data in logs: audit records and log lines carry
 * at most a short fingerprint of it (node_concern_fp), never the contact.
 *
 * For now a concern names its token by its hex (`--token`); once the
 * subjects table of this room lands, concern.add will also take a
 * subject's reference and look its token up (concern.c, token_arg).
 * May use: core, store, exchange, need (concern.case only).
 */
#ifndef NODE_SUBJECT_CONCERN_H
#define NODE_SUBJECT_CONCERN_H

#include "node/core/core.h"
#include "node/exchange/exchange.h"
#include "node/node.h"
#include "protocol/concern_wire.h"

/* how long a concern may run: two years from today */
#define NODE_CONCERN_YEARS 2
/* the director's expiry check runs once a minute (a test may change it:
 * WIJKNET_TEST_CONCERN_PERIOD_MS); WIJKNET_TEST_CONCERN_AHEAD_MS runs the
 * room's clock ahead in the tests' daemon (node_test_ahead_ms) */
#define NODE_CONCERN_PERIOD_MS 60000

/* node_concern_room_register registers the room's concern commands, its
 * message types and its periodic expiry (daemon/ at start, before the
 * node serves; not thread safe). */
void node_concern_room_register(void);

wn_err node_ctl_concern_add(struct node_ctl_call *c);
wn_err node_ctl_concern_list(struct node_ctl_call *c);
wn_err node_ctl_concern_withdraw(struct node_ctl_call *c);
wn_err node_ctl_concern_matches(struct node_ctl_call *c);
/* the director's: its matches (concern.held) and a match turned into a
 * case (concern.case), concern_case.c */
wn_err node_ctl_concern_held(struct node_ctl_call *c);
wn_err node_ctl_concern_case(struct node_ctl_call *c);

/* The applies of CONCERN (at the director: concern_held.c) and of
 * CONCERN_MATCH (at a member: concern.c), in the receiving transaction
 * with n->mtx held (node_msg_apply_fn). */
WN_NODISCARD wn_err node_concern_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);
WN_NODISCARD wn_err node_concern_match_apply(struct node *n,
    struct node_peer *from, const struct proto_env_header *h,
    const uint8_t *body, size_t len, char *why, size_t whylen);

/* node_concern_expire (the director's periodic work): drops the concerns
 * past their expiry and tells the partners concerned (*kick: it queued a
 * notice). In the caller's transaction, n->mtx held. */
WN_NODISCARD wn_err node_concern_expire(struct node *n, bool *kick);

/* node_concern_fp writes a short fingerprint of a token (8 hex digits of
 * a keyed hash: not a prefix of the token) for audit records and logs. */
void node_concern_fp(const uint8_t token[PROTO_TOKEN_LEN], char out[9]);

#endif
