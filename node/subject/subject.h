/*
 * subject.h - the canonical form of a subject's identifier: the bytes a
 * node hashes into its pseudonymous token (crypto/'s sec_oprf_*, issue
 * 11), so they must be the same on every node for the same person.
 *
 * The subject room owns the normalisation of identifiers: a Belgian
 * national register number, a Dutch BSN, a name with a date of birth, an
 * address. Each becomes one string with a kind prefix ("be-nrn:",
 * "nl-bsn:", "person:", "address:"); the rules, with the hard cases
 * decided, are in protocol/SUBJECTS.md and must be followed exactly by
 * every implementation. That part (subject.c) is pure code, thread safe.
 *
 * It also owns a node's own subjects and their pseudonymous tokens
 * (token.c, token_eval.c, subject_ctl.c): the subjects, subject_keys and token_usage
 * tables (migration 17; asked_ms: migration 19), the director's
 * federation OPRF secret (made on first need, kept only in its encrypted
 * store, named by a key id derived from it, sec_oprf_key_id),
 * the message types TOKEN_REQUEST (a member's blinded elements, to the
 * director) and TOKEN_ANSWER (the director's evaluation, or its
 * refusal: 18, the member's daily limit, token_daily_limit), and the
 * subject.add, subject.list and subject.show control commands.
 * May use: core, store, exchange.
 *
 * Every function writes the form, NUL-terminated, into out[0..cap) and its
 * length into *outlen (may be NULL), only on success. On bad input it
 * returns WN_EINVAL (WN_ETOOBIG over a length limit, WN_ENOMEM) and says
 * in err which field is wrong and why, never quoting the input: it is a
 * personal field.
 */
#ifndef NODE_SUBJECT_H
#define NODE_SUBJECT_H

#include "config/wn.h"
#include "node/core/core.h"
#include "node/exchange/exchange.h"
#include "node/node.h"

/* the longest field read, in bytes, and room for any canonical form */
#define NODE_SUBJECT_FIELD_MAX 200
#define NODE_SUBJECT_MAX 1024

/* node_subject_be_nrn: a Belgian national register (or BIS) number, 11
 * digits with or without the dots, dash and spaces ("85.07.30-033.61"),
 * whose check digits hold for a birth before or after 2000: "be-nrn:"
 * and the 11 digits. */
WN_NODISCARD wn_err node_subject_be_nrn(const char *text, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

/* node_subject_nl_bsn: a Dutch BSN, 9 digits (or 8, the leading zero lost
 * by a spreadsheet) with or without dots and spaces, passing the 11-proof:
 * "nl-bsn:" and the 9 digits. */
WN_NODISCARD wn_err node_subject_nl_bsn(const char *text, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

/* node_subject_date: a date of birth as "YYYY-MM-DD" from YYYY-MM-DD,
 * DD-MM-YYYY (with -, /, . or a space between, day and month of one or two
 * digits) or YYYYMMDD; a real calendar date in the years 1800 to 2199.
 * out holds at least 11 bytes. */
WN_NODISCARD wn_err node_subject_date(const char *text, char out[11],
    char *err, size_t errlen);

/* node_subject_person: family name (with its particles, "van den Broeck",
 * or "Broeck, van den"), all given names, and date of birth:
 * "person:FAMILY/GIVEN/YYYY-MM-DD", the names folded (SUBJECTS.md). */
WN_NODISCARD wn_err node_subject_person(const char *family,
    const char *given, const char *born, char *out, size_t cap,
    size_t *outlen, char *err, size_t errlen);

/* node_subject_address: street, house number (with its letter, "12A"),
 * box (NULL or "" for none; "bus 3", "bte 3" and "3" alike) and postcode:
 * "address:STREET/NUMBER/BOX/POSTCODE". */
WN_NODISCARD wn_err node_subject_address(const char *street,
    const char *number, const char *box, const char *postcode, char *out,
    size_t cap, size_t *outlen, char *err, size_t errlen);

/* The token of a subject: the first NODE_SUBJECT_TOKEN_LEN bytes of the
 * OPRF output of its canonical form. */
#define NODE_SUBJECT_TOKEN_LEN 32

/* how often a node asks for the tokens of subjects still without one */
#define NODE_SUBJECT_ASK_PERIOD_MS (60 * 1000)
/* a request without an answer this long is taken as lost, and its
 * subjects asked again under a new request (the tests' daemon runs the
 * room's clock ahead to get there: WIJKNET_TEST_TOKEN_AHEAD_MS) */
#define NODE_SUBJECT_ASK_AGAIN_MS (24 * 3600 * 1000)

/* node_subject_room_register registers the room's message types,
 * control commands and periodic work (the daemon, at start). */
/* node_subject_token_of: the token of this node's subject ref into out:
 * WN_ENOTFOUND when there is no such subject, WN_EBUSY while its token is
 * not here yet (asked, refused or waiting for the charter), WN_EDB. The
 * one place another room reads a subject's token. Under the node lock. */
WN_NODISCARD wn_err node_subject_token_of(struct node *n, const char *ref,
    uint8_t out[NODE_SUBJECT_TOKEN_LEN]);

/* node_subject_ref_of: the reference of this node's subject whose token is
 * token into ref[0..cap): WN_ENOTFOUND when none here holds it (nor a
 * reference that fits), WN_EDB. How a case opened on a token finds what
 * this node holds on that person (need/, through node_need_on_tokens). */
WN_NODISCARD wn_err node_subject_ref_of(struct node *n,
    const uint8_t token[NODE_SUBJECT_TOKEN_LEN], char *ref, size_t cap);

void node_subject_room_register(void);

/* node_subject_token_apply applies a TOKEN_REQUEST (the director) or a
 * TOKEN_ANSWER (a member), as the exchange's applier calls it. */
WN_NODISCARD wn_err node_subject_token_apply(struct node *n,
    struct node_peer *from, const struct proto_env_header *h,
    const uint8_t *body, size_t len, char *why, size_t whylen);

/* the control commands (subject_ctl.c) */
WN_NODISCARD wn_err node_ctl_subject_add(struct node_ctl_call *c);
WN_NODISCARD wn_err node_ctl_subject_list(struct node_ctl_call *c);
WN_NODISCARD wn_err node_ctl_subject_show(struct node_ctl_call *c);

/* node_subject_key_get (the director): the federation's OPRF key in
 * force and its key id (sec_oprf_key_id: derived from the key, what
 * TOKEN_ANSWER's "epoch" carries), made (and kept in the store, in the
 * caller's transaction) when there is none yet. The caller frees *k with
 * sec_oprf_key_free. WN_EDENIED at a member. */
WN_NODISCARD wn_err node_subject_key_get(struct node *n,
    struct sec_oprf_key **k, uint64_t *key_id);

/* node_subject_derive (the director): the token of a canonical form
 * under the key in force (node_subject_key_get), without a message: the
 * subjects of its own files. Caller's transaction. */
WN_NODISCARD wn_err node_subject_derive(struct node *n, const char *form,
    uint8_t token[NODE_SUBJECT_TOKEN_LEN], uint64_t *key_id);

/* node_subject_local_use (the director): counts one derivation for the
 * local user named user against token_daily_limit, the same limit a
 * member has, per user and UTC day (token_usage); WN_ELIMIT, nothing
 * counted, when the user has had the limit today. *used: the count today
 * (with this one), *limit the limit. Caller's transaction. */
WN_NODISCARD wn_err node_subject_local_use(struct node *n, const char *user,
    uint64_t *used, uint64_t *limit);

/* node_subject_ask queues one TOKEN_REQUEST to the director for this
 * node's subjects without a token and not asked for (or asked more than
 * NODE_SUBJECT_ASK_AGAIN_MS ago without an answer), except those the
 * director refused today (at most PROTO_TOKEN_BATCH_MAX, oldest first;
 * once the director stated its daily limit in a refusal, at most what is
 * left of it today), in the caller's transaction;
 * *asked says how many. Nothing when there is none, when this node
 * directs (it derives its tokens itself) or knows no director yet
 * (*asked 0). */
WN_NODISCARD wn_err node_subject_ask(struct node *n, size_t *asked);

/* node_subject_limit_used: the daily limit the director last stated is
 * used up today (tokens received and asked), so that subjects without a
 * token wait for the next day (false at the director, while no limit is
 * known, or on a store error). */
bool node_subject_limit_used(struct node *n);

#endif
