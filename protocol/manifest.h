/*
 * manifest.h - batch signatures: one Ed25519 signature for a whole
 * transfer.
 *
 * A sender that batch-signs leaves each envelope's signature empty and
 * puts in the transfer a signed manifest: a COSE_Sign1 (protected
 * {1: -8, "t": 15}) over {1: from, 2: to, 3: ts, 4: [+ BLAKE2b-256 of each
 * envelope's bytes, in order], ? 5: after}. Any COSE library verifies the manifest;
 * an envelope is then verified by finding its hash in it (the manifest is
 * its inclusion proof). One signature and one verification per transfer
 * instead of one per envelope.
 *
 * `after` lets a sender keep several transfers in flight to one peer: it
 * is the last sequence number of the transfer sent just before this one,
 * which the receiver must have applied first (0: none, the key is left
 * out).
 */
#ifndef PROTO_MANIFEST_H
#define PROTO_MANIFEST_H

#include "protocol/envelope.h"

struct proto_manifest {
	char from[PROTO_ORG_ID_MAX + 1], to[PROTO_ORG_ID_MAX + 1];
	int64_t ts_ms;
	uint64_t after; /* 0: no predecessor to wait for */
	size_t n;       /* 1..PROTO_TRANSFER_MAX */
	uint8_t hash[PROTO_TRANSFER_MAX][SEC_HASH_LEN];
};

/* proto_manifest_sign appends the signed manifest m to w. WN_EINVAL for a
 * bad org id or count; the signer's error; the writer's status. */
WN_NODISCARD wn_err proto_manifest_sign(const struct proto_manifest *m,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);

/* proto_manifest_decode decodes a signed manifest into *out and its
 * COSE_Sign1 into *cose (borrowing buf), without checking the signature:
 * the caller looks up out->from's key and calls proto_cose_sign1_verify.
 * WN_EPROTO / WN_ETOOBIG with err set on malformed input. */
WN_NODISCARD wn_err proto_manifest_decode(const void *buf, size_t len,
    struct proto_manifest *out, struct proto_cose_sign1 *cose,
    struct proto_error *err);

/* proto_envelope_hash is BLAKE2b-256 of an envelope's bytes as sent. */
void proto_envelope_hash(const void *env, size_t len,
    uint8_t out[SEC_HASH_LEN]);

/* proto_transfer_hash is what a receipt names as the transfer it answers:
 * BLAKE2b-256 keyed with "wijknet-xfer" (12 ASCII bytes) of the signed
 * manifest's bytes (key 1 of a batch) when the transfer has one, else of
 * the whole transfer's bytes (frame, len). */
void proto_transfer_hash(const uint8_t *manifest, size_t manifest_len,
    const void *frame, size_t len, uint8_t out[SEC_HASH_LEN]);

#endif
