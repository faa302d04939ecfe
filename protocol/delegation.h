/*
 * delegation.h - the federation root on the wire: a root's delegation of
 * a document-signing key, its revocation, and the delegation a signed
 * charter or matrix carries. protocol/PROTOCOL.md ("The federation root")
 * describes the same in CDDL, with a test vector.
 *
 * A root key (kept offline, used by `wijknetd root`, never by a running
 * node) signs delegations: "key K may sign the charter and the matrix of
 * federation F from T1 until T2; this is delegation number S". A newer
 * delegation (higher serial) replaces every older one; a revocation
 * names one serial that may no longer be used. Both are COSE_Sign1 with
 * the protected header {1: -8, "t": 33} (delegation) or {"t": 34}
 * (revocation) and an empty unprotected header, like the other signed
 * objects (envelope.h).
 *
 * A signed charter or matrix carries its delegation in its unprotected
 * header, {"dlg": bstr}: the delegation is signed by the root itself, so
 * the document's signature need not cover it (COSE puts certificate
 * chains there too). Any valid, unrevoked, newest delegation of the key
 * that signed the document vouches for it.
 *
 * Decoders are strict (keys in order, no unknown key, sizes checked),
 * never allocate (checking a signature may) and leave *out untouched on
 * error, with the byte offset and the reason in *err when err is not NULL.
 */
#ifndef PROTO_DELEGATION_H
#define PROTO_DELEGATION_H

#include "protocol/envelope.h"

/* A signed delegation is at most this many bytes (a payload of at most
 * 160 bytes in a COSE_Sign1 of 86 more). */
#define PROTO_SIGNED_DELEGATION_MAX 256
/* A signed revocation is at most this many bytes. */
#define PROTO_SIGNED_REVOCATION_MAX 224
/* The unprotected header {"dlg": bstr} around a signed delegation adds at
 * most this many bytes to a signed document. */
#define PROTO_DLG_ATTACH_MAX (PROTO_SIGNED_DELEGATION_MAX + 8)

/* delegation = {1: federation, 2: serial, 3: key, 4: from ms, 5: until
 * ms}: key may sign federation's documents issued in [from, until). */
struct proto_delegation {
	char federation[PROTO_ORG_ID_MAX + 1];
	uint64_t serial;          /* >= 1 */
	uint8_t key[SEC_SIGN_PK_LEN];
	int64_t from_ms;          /* >= 0 */
	int64_t until_ms;         /* > from_ms */
};

/* revocation = {1: federation, 2: serial, 3: revoked ms}: the delegation
 * with that serial may sign nothing more. */
struct proto_revocation {
	char federation[PROTO_ORG_ID_MAX + 1];
	uint64_t serial;          /* >= 1 */
	int64_t revoked_ms;       /* >= 0 */
};

/* Encoders append; WN_EINVAL (nothing written) for a struct the decoder
 * would refuse, else proto_writer_status(w). */
WN_NODISCARD wn_err proto_delegation_encode(const struct proto_delegation *d,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_delegation_decode(const void *buf, size_t len,
    struct proto_delegation *out, struct proto_error *err);
WN_NODISCARD wn_err proto_revocation_encode(const struct proto_revocation *r,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_revocation_decode(const void *buf, size_t len,
    struct proto_revocation *out, struct proto_error *err);

/* proto_delegation_sign and proto_revocation_sign sign with the root (sign
 * must not be NULL) and append the COSE_Sign1. */
WN_NODISCARD wn_err proto_delegation_sign(const struct proto_delegation *d,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);
WN_NODISCARD wn_err proto_revocation_sign(const struct proto_revocation *r,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);

/* proto_delegation_verify_signed and proto_revocation_verify_signed decode
 * a signed delegation (revocation), check its signature by root_pk
 * (WN_ECRYPTO when it is not the root's) and decode it into *out.
 * WN_EPROTO/WN_ETOOBIG for malformed input. The federation, the serial
 * and the times are the caller's checks. */
WN_NODISCARD wn_err proto_delegation_verify_signed(const void *buf,
    size_t len, const uint8_t root_pk[SEC_SIGN_PK_LEN],
    struct proto_delegation *out, struct proto_error *err);
WN_NODISCARD wn_err proto_revocation_verify_signed(const void *buf,
    size_t len, const uint8_t root_pk[SEC_SIGN_PK_LEN],
    struct proto_revocation *out, struct proto_error *err);

/* What a member makes of a delegation (verified: signed by its root) that
 * vouches for a new document issued at at_ms: OK, or why not. newest is
 * the highest serial it has taken (0: none), revoked whether the root
 * revoked this serial. */
enum proto_dlg_verdict {
	PROTO_DLG_OK = 0,
	PROTO_DLG_OTHER_FEDERATION, /* names another federation */
	PROTO_DLG_REVOKED,          /* its serial is revoked */
	PROTO_DLG_REPLACED,         /* a higher serial was taken */
	PROTO_DLG_NOT_YET,          /* the document is older than from */
	PROTO_DLG_EXPIRED,          /* the document is at or after until */
};
enum proto_dlg_verdict proto_dlg_judge(const struct proto_delegation *d,
    const char *federation, uint64_t newest, bool revoked, int64_t at_ms);

/* DOC_HASH body = {1: type, 2: version, 3: hash}: "the charter (type 4)
 * or matrix (8) of that version I hold has this hash" (BLAKE2b-256 keyed
 * with "wijknet-doc" over the signed payload), so that two documents
 * under one version (a fork) are noticed. */
struct proto_doc_hash {
	uint32_t type;            /* PROTO_MSG_CHARTER or PROTO_MSG_MATRIX */
	uint64_t version;         /* >= 1 */
	uint8_t hash[SEC_HASH_LEN];
};
WN_NODISCARD wn_err proto_doc_hash_encode(const struct proto_doc_hash *h,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_doc_hash_decode(const void *buf, size_t len,
    struct proto_doc_hash *out, struct proto_error *err);

/* proto_dlg_unprot_parse: the unprotected header of a signed document
 * (unprot, len bytes: one whole map) is the empty map (*dlg NULL) or
 * exactly {"dlg": bstr of 1..PROTO_SIGNED_DELEGATION_MAX bytes} (*dlg
 * borrowed from unprot). WN_EPROTO for anything else. */
WN_NODISCARD wn_err proto_dlg_unprot_parse(const uint8_t *unprot, size_t len,
    const uint8_t **dlg, size_t *dlg_len);

/* proto_dlg_attach appends to w the signed document doc (a COSE_Sign1
 * with an empty unprotected header) with {"dlg": dlg} as its unprotected
 * header; the signature stays valid. WN_EINVAL if doc is not such a
 * COSE_Sign1 or dlg is empty or over PROTO_SIGNED_DELEGATION_MAX. */
WN_NODISCARD wn_err proto_dlg_attach(const uint8_t *doc, size_t len,
    const uint8_t *dlg, size_t dlg_len, struct proto_writer *w);

/* proto_dlg_extract finds the delegation a signed document of the given
 * type (PROTO_MSG_CHARTER or PROTO_MSG_MATRIX) carries: *dlg NULL when it
 * carries none. No signature is checked. WN_EPROTO/WN_ETOOBIG for a
 * malformed document. */
WN_NODISCARD wn_err proto_dlg_extract(const void *buf, size_t len,
    uint32_t type, const uint8_t **dlg, size_t *dlg_len,
    struct proto_error *err);

#endif
