/*
 * token_wire.h - a subject's pseudonymous token on the wire: TOKEN_REQUEST
 * (message type 28, a member to the federation's director) and
 * TOKEN_ANSWER (29, the director back to that member), and TOKEN_ROTATE
 * (39, the federation key's rotation, both ways). CDDL in
 * PROTOCOL.md; the tokens themselves are RFC 9497's OPRF on ristretto255
 * (crypto/'s sec_oprf_*, issue 11).
 *
 * A member blinds the canonical form of each subject's identifier and asks
 * the director to evaluate the blinded elements; the director answers
 * with the evaluated elements in the same order, under the number of the
 * federation key it used (its id, in the field "epoch"), or refuses the whole request with a
 * code (18: the member's daily limit is reached). The director sees only
 * blinded points: nothing in either body names a subject.
 *
 * The decoders are strict: keys in ascending order only, unknown keys,
 * wrong types, a wrong size of the id or of an element, an element that
 * is not the canonical encoding of a ristretto255 element other than the
 * identity (sec_oprf_element_valid), an empty batch or one over
 * PROTO_TOKEN_BATCH_MAX, and trailing bytes are refused with the offset.
 * Nothing allocates: the structs are large (32 KiB of elements), keep
 * them off the stack.
 */
#ifndef PROTO_TOKEN_WIRE_H
#define PROTO_TOKEN_WIRE_H

#include "crypto/sec.h"
#include "protocol/envelope.h"

#define PROTO_TOKEN_BATCH_MAX 1000 /* elements in one request */
#define PROTO_TOKEN_ID_LEN 16      /* a request's id, random */

/* token_request = {1: id, 2: [1*1000 element], ? 3: from}
 * element = bstr .size 32
 * from 1..PROTO_TOKEN_KEY_ID_MAX: a re-derivation during a key rotation:
 * the id of the old key the member holds these subjects' tokens under
 * (counted against the tokens it got under that key, not the daily
 * limit); absent: new tokens. */
struct proto_token_request {
	uint8_t id[PROTO_TOKEN_ID_LEN];
	uint64_t from; /* 0: none */
	size_t count; /* 1..PROTO_TOKEN_BATCH_MAX */
	uint8_t el[PROTO_TOKEN_BATCH_MAX][SEC_OPRF_ELEMENT_LEN];
};

/* token_answer = {1: id, 2: epoch, 3: [1*1000 element]}   evaluated
 *              / {1: id, 4: code, ? 5: limit}              refused
 * epoch 1..PROTO_TOKEN_KEY_ID_MAX: the id of the federation key that
 * evaluated them (derived from the key, sec_oprf_key_id; the field
 * kept its name);
 * code 1..255 (a wn_err: 18, the daily limit), limit the evaluations a
 * member may ask a day. */
#define PROTO_TOKEN_KEY_ID_MAX ((UINT64_C(1) << 48) - 1)
struct proto_token_answer {
	uint8_t id[PROTO_TOKEN_ID_LEN];
	uint32_t code;  /* 0: evaluated, else refused */
	uint64_t epoch; /* >= 1 when evaluated, else 0 */
	uint64_t limit; /* refused: 0, or the daily limit */
	size_t count;   /* evaluated: 1..PROTO_TOKEN_BATCH_MAX, else 0 */
	uint8_t el[PROTO_TOKEN_BATCH_MAX][SEC_OPRF_ELEMENT_LEN];
};

/* token_rotate (message type 39) = the director's key rotation:
 *   {1: old, 2: new, 3: until}   director -> members: the new key; the
 *                                old is destroyed at until (ms)
 * / {1: old, 2: new, 4: [1*1000 move]}  a member -> the director: its
 *                                subjects' old tokens and their new ones
 * / {1: old, 2: new, 5: gone}    director -> members: the old key was
 *                                destroyed at gone (ms)
 * move = [old token: bstr .size 32, new token: bstr .size 32]
 * old and new are key ids (1..PROTO_TOKEN_KEY_ID_MAX) and differ; the
 * two tokens of a move differ; until and gone are >= 1. */
#define PROTO_TOKEN_MOVES_MAX 1000
#define PROTO_TOKEN_TOKEN_LEN 32
enum proto_token_rotate_kind {
	PROTO_TOKEN_ROTATE_ANNOUNCE = 3,
	PROTO_TOKEN_ROTATE_MOVES = 4,
	PROTO_TOKEN_ROTATE_GONE = 5,
};
struct proto_token_rotate {
	enum proto_token_rotate_kind kind;
	uint64_t old_key, new_key;
	int64_t at_ms; /* until (announce) or gone; 0 for moves */
	size_t count;  /* moves: 1..PROTO_TOKEN_MOVES_MAX, else 0 */
	uint8_t old[PROTO_TOKEN_MOVES_MAX][PROTO_TOKEN_TOKEN_LEN];
	uint8_t new[PROTO_TOKEN_MOVES_MAX][PROTO_TOKEN_TOKEN_LEN];
};

/* The encoders append to w; WN_EINVAL (nothing written) for a value
 * that breaks a rule above (an element among them), else
 * proto_writer_status(w). */
WN_NODISCARD wn_err proto_token_request_encode(
    const struct proto_token_request *q, struct proto_writer *w);
WN_NODISCARD wn_err proto_token_answer_encode(
    const struct proto_token_answer *a, struct proto_writer *w);
WN_NODISCARD wn_err proto_token_rotate_encode(
    const struct proto_token_rotate *t, struct proto_writer *w);
/* The decoders decode a whole body into *out (zeroed first, and again on
 * failure); WN_EPROTO with the offset and reason in *err (may be NULL),
 * WN_ETOOBIG at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_token_request_decode(const void *buf, size_t len,
    struct proto_token_request *out, struct proto_error *err);
WN_NODISCARD wn_err proto_token_answer_decode(const void *buf, size_t len,
    struct proto_token_answer *out, struct proto_error *err);
WN_NODISCARD wn_err proto_token_rotate_decode(const void *buf, size_t len,
    struct proto_token_rotate *out, struct proto_error *err);

#endif
