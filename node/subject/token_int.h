/*
 * token_int.h - what token.c (a member's subjects and requests, the
 * answers it gets, the room's registration) and token_eval.c (the
 * director's key and its evaluations) share; private to the subject room.
 */
#ifndef NODE_SUBJECT_TOKEN_INT_H
#define NODE_SUBJECT_TOKEN_INT_H

#include "node/subject/subject.h"
#include "protocol/token_wire.h"

struct sqlite3_stmt;

#define TOKEN_DAY_MS 86400000

/* token_now: the room's clock, ms: the system's, unless the tests'
 * daemon runs it ahead (WIJKNET_TEST_TOKEN_AHEAD_MS, node_test_ahead_ms) */
int64_t token_now(void);
/* token_prep prepares sql on the node's store (NULL, logged, on error);
 * token_run steps a statement without rows and finalizes it (NULL: WN_EDB) */
struct sqlite3_stmt *token_prep(struct node *n, const char *sql);
WN_NODISCARD wn_err token_run(struct sqlite3_stmt *st);
/* token_push encodes a request (q) or an answer (a) and queues it for p */
WN_NODISCARD wn_err token_push(struct node *n, struct node_peer *p,
    uint32_t type, const struct proto_token_request *q,
    const struct proto_token_answer *a);
/* token_of: the token from the OPRF output of form, blinded with b and
 * evaluated into ev; b is wiped */
WN_NODISCARD wn_err token_of(const char *form, struct sec_oprf_blind *b,
    const uint8_t ev[SEC_OPRF_ELEMENT_LEN],
    uint8_t token[NODE_SUBJECT_TOKEN_LEN]);
/* token_request_apply (the director) applies a member's TOKEN_REQUEST */
WN_NODISCARD wn_err token_request_apply(struct node *n,
    struct node_peer *from, const uint8_t *body, size_t len, char *why,
    size_t whylen);

#endif
