/*
 * token_wire.h - a subject's pseudonymous token on the wire: TOKEN_REQUEST
 * (message type 28, a member to the federation's director) and
 * TOKEN_ANSWER (29, the director back to that member). CDDL in
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

/* token_request = {1: id, 2: [1*1000 element]}
 * element = bstr .size 32 */
struct proto_token_request {
	uint8_t id[PROTO_TOKEN_ID_LEN];
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

/* The encoders append to w; WN_EINVAL (nothing written) for a value
 * that breaks a rule above (an element among them), else
 * proto_writer_status(w). */
WN_NODISCARD wn_err proto_token_request_encode(
    const struct proto_token_request *q, struct proto_writer *w);
WN_NODISCARD wn_err proto_token_answer_encode(
    const struct proto_token_answer *a, struct proto_writer *w);
/* The decoders decode a whole body into *out (zeroed first, and again on
 * failure); WN_EPROTO with the offset and reason in *err (may be NULL),
 * WN_ETOOBIG at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_token_request_decode(const void *buf, size_t len,
    struct proto_token_request *out, struct proto_error *err);
WN_NODISCARD wn_err proto_token_answer_decode(const void *buf, size_t len,
    struct proto_token_answer *out, struct proto_error *err);

#endif
