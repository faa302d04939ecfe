/*
 * matrix_wire.h - the compiled authorization matrix on the wire: its
 * canonical CBOR encoding, the director's signed matrix and the member's
 * acknowledgement. protocol/PROTOCOL.md ("The authorization matrix")
 * describes the same in CDDL.
 *
 * protocol/ does not know config/, so struct proto_matrix is a plain copy
 * of config/matrix.h's struct cfg_matrix plus version and issue time. The
 * numbering is part of the wire format and equals the config enums:
 *   case types  0 situation, 1 person, 2 family, 3 group, 4 mediation
 *   categories  0 identity, 1 contact, 2 signals, 3 police, 4 care,
 *               5 housing, 6 income_debts, 7 family, 8 education_work,
 *               9 plan, 10 actions, 11 deliberation, 12 results
 *   roles       0 municipality, 1 police, 2 community_guards, 3 outreach,
 *               4 welfare, 5 housing, 6 youth_work, 7 mediation
 *   levels      0 none, 1 existence, 2 view, 3 edit
 *   requires    0 none, 1 consent, 2 basis
 *   outside     0 signal_summary (what travels outside any case)
 * (tests/protocol/test_matrix_wire.c checks that the counts and sizes
 * match). The node copies field by field between the two structs.
 *
 * The encoding is canonical: one matrix has exactly one encoding (keys in
 * order, only non-none cells, sorted; only categories with a requirement,
 * sorted; bases in the struct's order; key 6, the outside cells, only
 * when one is not none, those sorted), and the decoder refuses anything
 * else, so equal matrices have equal bytes and decode-then-encode gives
 * the input back. A matrix whose outside cells are all none encodes as it
 * did before key 6 existed.
 *
 * Decoders never allocate (checking a signature may, for the
 * Sig_structure: see proto_cose_sign1_verify); they validate the whole
 * input before they write anything to *out (which is untouched on error),
 * and report the byte offset and the reason in *err when err is not NULL.
 * Encoders return WN_EINVAL, writing nothing, for a struct the decoder
 * would refuse; otherwise proto_writer_status(w), and on a writer failure
 * w may hold a partial message. Everything here is reentrant; nothing is
 * shared between threads.
 */
#ifndef PROTO_MATRIX_WIRE_H
#define PROTO_MATRIX_WIRE_H

#include "protocol/envelope.h"

/* The message types are envelope.h's PROTO_MSG_MATRIX (8: the body is a
 * signed matrix) and PROTO_MSG_MATRIX_ACK (9: the body is a matrix_ack). */

#define PROTO_MATRIX_TYPES 5
#define PROTO_MATRIX_CATEGORIES 13
#define PROTO_MATRIX_ROLES 8
#define PROTO_MATRIX_OUTSIDE 1      /* kinds that travel outside a case */
#define PROTO_MATRIX_LEVEL_MAX 3    /* edit */
#define PROTO_MATRIX_REQUIRES_MAX 2 /* basis */
#define PROTO_MATRIX_MAX_BASES 8    /* per category */
#define PROTO_MATRIX_BASIS_MAX 127  /* bytes of one basis name */
/* The largest matrix encodes to 16195 bytes: every cell set (the 8
 * outside cells too), every category with 8 bases of 127 bytes. */
#define PROTO_MATRIX_MAX 16384
/* A signed matrix is its matrix plus 79 bytes of COSE_Sign1 (tag, array,
 * protected header, empty map, bstr header, signature), and the root's
 * delegation in the unprotected header when it carries one
 * (PROTO_DLG_ATTACH_MAX, delegation.h). */
#define PROTO_SIGNED_MATRIX_MAX (PROTO_MATRIX_MAX + 96 + 264)

enum proto_matrix_requires {
	PROTO_MATRIX_REQUIRES_NONE = 0,
	PROTO_MATRIX_REQUIRES_CONSENT = 1,
	PROTO_MATRIX_REQUIRES_BASIS = 2,
};

/* About 14 KiB. Strings are NUL-terminated; arrays past nbases, unused
 * parts of strings and padding are zero after a decode, so decoded
 * matrices compare with memcmp. */
struct proto_matrix {
	uint64_t version; /* >= 1; accept only > the one held */
	char federation[PROTO_ORG_ID_MAX + 1];
	int64_t issued_ms;
	/* level[type][category][role], 0..3 */
	uint8_t level[PROTO_MATRIX_TYPES][PROTO_MATRIX_CATEGORIES]
	    [PROTO_MATRIX_ROLES];
	uint8_t requires[PROTO_MATRIX_CATEGORIES]; /* 0..2 */
	/* 1..8 when requires is basis, else 0 */
	uint8_t nbases[PROTO_MATRIX_CATEGORIES];
	/* distinct within a category; 1..127 bytes of UTF-8 without
	 * control characters (C0, DEL, C1) */
	char bases[PROTO_MATRIX_CATEGORIES][PROTO_MATRIX_MAX_BASES]
	    [PROTO_MATRIX_BASIS_MAX + 1];
	/* outside[what][role], 0..3: what a role may receive of others'
	 * records of that kind outside any case (key 6) */
	uint8_t outside[PROTO_MATRIX_OUTSIDE][PROTO_MATRIX_ROLES];
};

/* proto_matrix_encode appends m to w. WN_EINVAL (nothing written) if the
 * version is 0, the federation is not an org id, a level or requirement is
 * out of range, nbases breaks the rule above or a basis is bad or
 * repeated; else proto_writer_status(w). At most PROTO_MATRIX_MAX bytes. */
WN_NODISCARD wn_err proto_matrix_encode(const struct proto_matrix *m,
    struct proto_writer *w);

/* proto_matrix_decode decodes one canonical matrix (at most
 * PROTO_MATRIX_MAX bytes, else WN_ETOOBIG) into *out. WN_EPROTO for
 * anything else: keys missing or out of order, values out of range, a
 * cell of level none, a cell or a category twice or out of order, bases
 * where they do not belong, a key 6 with no outside cell, trailing
 * bytes. */
WN_NODISCARD wn_err proto_matrix_decode(const void *buf, size_t len,
    struct proto_matrix *out, struct proto_error *err);

/* proto_matrix_sign encodes m and appends the signed matrix, a
 * COSE_Sign1 with protected {1: -8, "t": 8}, to w. WN_EINVAL if sign is
 * NULL (a matrix is never batch signed); otherwise errors as
 * proto_matrix_encode and proto_cose_sign1_encode (WN_ENOMEM, sign's
 * error, the writer's status). Allocates its scratch space through
 * proto_malloc. */
WN_NODISCARD wn_err proto_matrix_sign(const struct proto_matrix *m,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);

/* proto_matrix_verify_signed decodes a signed matrix (at most
 * PROTO_SIGNED_MATRIX_MAX bytes, else WN_ETOOBIG; then as
 * proto_signed_decode with type PROTO_MSG_MATRIX), verifies its signature
 * with the director's key (WN_ECRYPTO if it is not valid or empty), then
 * decodes the matrix into *out (untouched on error). WN_EPROTO for
 * malformed input. Offsets in *err point into buf. The version check (only
 * a higher version replaces the one held) is the caller's. */
WN_NODISCARD wn_err proto_matrix_verify_signed(const void *buf, size_t len,
    const uint8_t director_pk[SEC_SIGN_PK_LEN], struct proto_matrix *out,
    struct proto_error *err);

/* MATRIX_ACK body = {1: version}: a member has applied that version. */
struct proto_matrix_ack {
	uint64_t version; /* >= 1 */
};
/* proto_matrix_ack_encode appends a (WN_EINVAL for version 0);
 * proto_matrix_ack_decode decodes one into *out (untouched on error). */
WN_NODISCARD wn_err proto_matrix_ack_encode(const struct proto_matrix_ack *a,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_matrix_ack_decode(const void *buf, size_t len,
    struct proto_matrix_ack *out, struct proto_error *err);

#endif
