/*
 * concern_int.h - what concern.c (a partner's concerns, the commands, the
 * notices it gets) and concern_held.c (the director's concerns held and
 * their matching) share; private to these two files.
 */
#ifndef NODE_SUBJECT_CONCERN_INT_H
#define NODE_SUBJECT_CONCERN_INT_H

#include "node/subject/concern.h"
#include "node/subject/subject.h"

struct sqlite3_stmt;

/* concern_prep prepares sql on the node's store (NULL, logged, on error:
 * the caller returns WN_EDB); the caller finalises it. */
struct sqlite3_stmt *concern_prep(struct node *n, const char *sql);
/* concern_now: the room's clock, ms (the system's, unless a test runs it
 * ahead). */
int64_t concern_now(void);
/* concern_day writes the last day a concern runs, YYYY-MM-DD (UTC): a
 * concern "until D" runs to the end of D, until_ms is the next midnight. */
void concern_day(int64_t until_ms, char out[11]);
/* concern_held_put (director): a partner's concern registered, changed or
 * withdrawn (c->withdrawn), then the matches on its token made true; why
 * says a refusal (WN_EINVAL: an expiry too far ahead). *kick: a notice
 * was queued. Caller's transaction. */
WN_NODISCARD wn_err concern_held_put(struct node *n, const char *partner,
    const struct proto_concern *c, bool *kick, char *why, size_t whylen);
/* concern_matched: the director's notice m about this node's concern
 * (from: the director's org id) replaces the partners held for it;
 * WN_EDENIED with why when it names no concern here or this node. */
WN_NODISCARD wn_err concern_matched(struct node *n, const char *from,
    const struct proto_concern_match *m, char *why, size_t whylen);

/* concern_case_register (concern_case.c) tells need/ how a case opened on
 * a token meets this node's subjects (node_need_on_tokens) */
void concern_case_register(void);

#endif
