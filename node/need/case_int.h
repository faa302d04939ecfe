/*
 * case_int.h - what the case files of need/ share, private to the room.
 *
 * Case work is split by what its parts do, one file each:
 *   case.c        the helpers below and cases: open, invite, remove, list,
 *                 ask the members (the director's side)
 *   record.c      this node's own records and consents, and retraction
 *                 when a consent or legal basis is withdrawn
 *   share.c       shares: the four filters, proposals and decisions,
 *                 disclosure, and the data received
 *   amend.c       amending a field (edit rights) and signing a case's
 *                 consultation protocol
 *   copies.c      keeping the copies of a changed field true, and
 *                 correcting this node's own field
 *   watch.c       who looks at what: assignment and the snooping alert
 *   case_apply.c  the case messages from peers (node_case_apply)
 *   closed.c      cases as case work sees them (need.h: their director,
 *                 members and the matrix's levels), and a case closed
 * Only these files include this header; the rest of node/ sees need.h.
 * Everything here runs in the caller's transaction, under the node lock.
 */
#ifndef NODE_NEED_CASE_INT_H
#define NODE_NEED_CASE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/need/need.h"
#include "protocol/matrix_wire.h"
#include "protocol/need_wire.h"

/* A case's subject: subject is the case's own (what its CASE carries, in
 * cases.subject: a reference, or "token:HEX" for a case opened on a token,
 * proto_subject_token); local is this node's own subject it names, whose
 * records and consents are shared (the reference itself, or the subject
 * whose token it is here, node_need_on_tokens; "" when this node holds
 * none); shown is what audit records name (local, or "token FP", a short
 * fingerprint, never the token). case_load fills all three. */
struct case_info {
	char id[PROTO_CASE_ID_MAX + 1];
	int type;
	char subject[PROTO_SUBJECT_MAX + 1];
	bool token;
	char local[PROTO_SUBJECT_MAX + 1];
	char shown[PROTO_SUBJECT_MAX + 1];
	char purpose[PROTO_PURPOSE_MAX + 1];
	char ground[PROTO_GROUND_MAX + 1];
	char director[PROTO_ORG_ID_MAX + 1];
};

#define arg node_ctl_arg
#define fail node_ctl_fail

/* case.c: the shared helpers */
/* case_prep prepares sql on the node's store (NULL, logged, on error);
 * the caller finalizes it. case_col: column i as text, "" for NULL. */
sqlite3_stmt *case_prep(struct node *n, const char *sql);
const char *case_col(sqlite3_stmt *st, int i);
bool case_load(struct node *n, const char *id, struct case_info *ci);
/* case_subject_resolve fills ci->token, local and shown from ci->subject */
void case_subject_resolve(struct node *n, struct case_info *ci);
/* case_subject_of_local: the subject ("token:HEX") a case opened on the
 * token of this node's subject ref holds (false: no token here) */
bool case_subject_of_local(struct node *n, const char *ref, char *out,
    size_t cap);
bool case_member_role(struct node *n, const char *case_id, const char *org,
    int *role);
bool case_protocol_ground(const struct case_info *ci);
bool case_attested(struct node *n, const char *case_id, const char *org);
/* case_matrix_in_force: the matrix in force into *m (version 0: none) */
WN_NODISCARD wn_err case_matrix_in_force(struct node *n,
    struct proto_matrix *m);
void case_new_trace(char tp[PROTO_TP_LEN + 1]);
WN_NODISCARD wn_err case_parse_categories(const char *list, uint32_t *mask);
void case_categories_text(uint32_t mask, char *out, size_t cap);
size_t case_count_rows(struct node *n, const char *sql, const char *a);
wn_err WN_PRINTF(3, 4) case_nothing_named(struct node_ctl_call *c,
    const char *dossier, const char *fmt, ...);

/* case.c: cases */
WN_NODISCARD wn_err case_send(struct node *n, const struct case_info *ci,
    const char *also);
WN_NODISCARD wn_err case_send_only(struct node *n,
    const struct case_info *ci, const char *to);
WN_NODISCARD wn_err case_retract_from(struct node *n,
    const struct case_info *ci, const char *to);

/* record.c */
void case_bases_text(const struct proto_matrix *m, int k, char *out,
    size_t cap);

/* share.c */
/* A request answered here. approved and denied are the categories
 * decided so far; it stays pending until each of categories is. */
struct case_share {
	int64_t id;
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint8_t request_id[16];
	uint32_t categories, approved, denied;
	char state[32], trace[PROTO_TP_LEN + 1];
};

/* What one decision sent, per category. */
struct case_tally {
	size_t fields, recipients;
	size_t fields_k[CFG_CATEGORIES], recipients_k[CFG_CATEGORIES];
};

WN_NODISCARD wn_err case_decide(struct node *n, const struct case_share *s,
    uint32_t mask, const char *user, struct case_tally *t);
WN_NODISCARD wn_err case_record_decision(struct node *n,
    struct case_share *s, uint32_t mask, const char *user,
    const char *reason, const struct case_tally *t);

/* case_covered (share.c): consent or a basis the matrix m accepts covers
 * subject's category k where m requires one (*ok; *consent_id what does,
 * 0 when m requires neither; why says what is missing); WN_EDB */
WN_NODISCARD wn_err case_covered(struct node *n, const struct proto_matrix *m,
    const char *subject, int k, int64_t *consent_id, char *why,
    size_t whylen, bool *ok);

/* copies.c: keeping the copies of a field true. case_copies_refresh is
 * called when this node's field id changed (amended by a member, or
 * corrected here, by `by`): every member that was sent its value, in a
 * case not closed, gets the new value where the four filters still let
 * it out, and a retraction where they no longer do; audited. *updated
 * and *retracted (may be NULL) count the copies. WN_EDB, WN_ENOMEM. */
WN_NODISCARD wn_err case_copies_refresh(struct node *n, int64_t field_id,
    const char *by, size_t *updated, size_t *retracted);

/* amend.c: AMEND and ATTEST from a peer (routed by node_case_apply) */
WN_NODISCARD wn_err case_apply_amend(struct node *n, struct node_peer *from,
    const uint8_t *body, size_t len, char *why, size_t whylen);
WN_NODISCARD wn_err case_apply_attest(struct node *n, struct node_peer *from,
    const uint8_t *body, size_t len, char *why, size_t whylen);

/* closed.c: case_closed: the case is closed (*ms, may be NULL: when); true
 * too when the store cannot tell (then nothing is shared). case_invited
 * calls the invitation hooks (node_need_on_invite). */
bool case_closed(struct node *n, const char *case_id, int64_t *ms);
WN_NODISCARD wn_err case_invited(struct node *n, const char *case_id,
    const char *org);
/* case_removed_here calls the removal hooks (node_need_on_removed) */
WN_NODISCARD wn_err case_removed_here(struct node *n, const char *case_id);
/* case_member_removed calls the director's removal hooks
 * (node_need_on_member_removed) */
WN_NODISCARD wn_err case_member_removed(struct node *n, const char *case_id,
    const char *org);

/* watch.c */
void case_opened(struct node_ctl_call *c, const char *dossier);

#endif
