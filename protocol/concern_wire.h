/*
 * concern_wire.h - concerns and matches on a subject's token on the wire
 * (CONCERN, message type 30; CONCERN_MATCH, type 31; CDDL in PROTOCOL.md).
 *
 * A partner that worries about a person registers a concern on the
 * person's pseudonymous token (32 bytes, issue 11), with a contact person
 * and an expiry, and tells the federation's director (CONCERN); it
 * withdraws it with the concern's number alone. When two or more partners
 * hold an active concern on the same token, the director tells each of
 * them which OTHER partners do, with their contacts and since when
 * (CONCERN_MATCH, about the recipient's own concern number, never the
 * token); an empty list says the match dissolved. Nothing else travels:
 * no identifier, no content, no reason.
 *
 * The decoders are strict: keys in ascending order only (one encoding per
 * value), unknown keys, wrong types, values out of range, control
 * characters, partners out of order or repeated, and trailing bytes
 * refused with the offset; nothing allocates.
 */
#ifndef PROTO_CONCERN_WIRE_H
#define PROTO_CONCERN_WIRE_H

#include "protocol/envelope.h"

#define PROTO_TOKEN_LEN 32      /* a subject's token (crypto's OPRF) */
#define PROTO_CONTACT_CHARS 120 /* a contact: name and phone or mail */
#define PROTO_CONTACT_MAX 480   /* bytes: 120 characters of up to 4 */
/* the other partners of one match: every member of a charter */
#define PROTO_MATCH_OTHERS_MAX PROTO_CHARTER_MAX_MEMBERS

/* concern = {1: number, ? 2: token, ? 3: until_ms, ? 4: contact}
 * 2..4 all (a registration, or its change) or none (a withdrawal). */
struct proto_concern {
	uint64_t number;  /* the sender's number of the concern, >= 1 */
	bool withdrawn;   /* only the number: no 2..4 */
	uint8_t token[PROTO_TOKEN_LEN];
	int64_t until_ms; /* > 0: the concern expires then */
	char contact[PROTO_CONTACT_MAX + 1]; /* not empty, one line */
};

/* concern_match = {1: number, 2: [* {1: partner, 2: contact, 3: since_ms}]}
 * number: the recipient's concern; partners in ascending order, each
 * once; an empty list: no other partner (any more). */
struct proto_concern_other {
	char partner[PROTO_ORG_ID_MAX + 1];
	char contact[PROTO_CONTACT_MAX + 1]; /* not empty, one line */
	int64_t since_ms;                    /* >= 0 */
};
struct proto_concern_match {
	uint64_t number; /* >= 1 */
	size_t nothers;  /* <= PROTO_MATCH_OTHERS_MAX */
	struct proto_concern_other others[PROTO_MATCH_OTHERS_MAX];
};

/* proto_concern_encode / proto_concern_match_encode append the body to
 * w; WN_EINVAL (nothing written) when it breaks a rule above, else
 * proto_writer_status(w). The decoders decode a whole body into *out
 * (zeroed first, and again on failure); WN_EPROTO with the offset and
 * reason in *err (may be NULL), WN_ETOOBIG at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_concern_encode(const struct proto_concern *c,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_concern_decode(const void *buf, size_t len,
    struct proto_concern *out, struct proto_error *err);
WN_NODISCARD wn_err proto_concern_match_encode(
    const struct proto_concern_match *m, struct proto_writer *w);
WN_NODISCARD wn_err proto_concern_match_decode(const void *buf, size_t len,
    struct proto_concern_match *out, struct proto_error *err);

#endif
