/*
 * session_wire.h - a session between two nodes on the wire (SESSION_OPEN,
 * message type 36, and SESSION_ACCEPT, 37; CDDL and the key schedule in
 * PROTOCOL.md, "Sessions").
 *
 * A node that sends to a peer first opens a session: one request and its
 * reply on the connection it sends on. Both are ordinary signed envelopes
 * with seq 0 (outside the sequence, as replies are) and no "sid", their
 * payload sealed under the static pair key (they carry only public
 * values). Every other envelope but ERROR names the session ("sid") and is
 * sealed under the session key of its direction (crypto/session.c): the
 * initiator's requests under k_i2r, the responder's replies under k_r2i.
 *
 *   session_open   = {"e": bstr .size 32}
 *   session_accept = {"e": bstr .size 32, "sid": bstr .size 16,
 *                     "h": bstr .size 32}
 *
 * "h" is BLAKE2b-256 of the SESSION_OPEN envelope's bytes that the accept
 * answers (proto_envelope_hash); the initiator takes an accept only for
 * the open it sent. The decoders are strict: unknown, duplicate or missing
 * keys, wrong types and sizes and trailing bytes are refused with the
 * offset. Nothing in the decoders allocates.
 *
 * The handshake itself (proto_session_open_seal, _accept_take, _answer)
 * is here too, so that the daemon and the test tools run one code: it
 * seals, opens and derives, and leaves the transport and the checks of
 * the envelope (decode, signature, from, to, time) to the caller.
 */
#ifndef PROTO_SESSION_WIRE_H
#define PROTO_SESSION_WIRE_H

#include "protocol/envelope.h"

struct proto_session_open {
	uint8_t e[SEC_EPH_PK_LEN]; /* the initiator's ephemeral public key */
};

struct proto_session_accept {
	uint8_t e[SEC_EPH_PK_LEN]; /* the responder's ephemeral public key */
	uint8_t sid[PROTO_SID_LEN];
	uint8_t h[SEC_HASH_LEN];   /* the open it answers */
};

/* Encoders append to w and return proto_writer_status(w). Decoders
 * decode a whole body into *out (untouched on failure); WN_EPROTO with
 * the offset and reason in *err (may be NULL), WN_ETOOBIG at
 * PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_session_open_encode(
    const struct proto_session_open *o, struct proto_writer *w);
WN_NODISCARD wn_err proto_session_open_decode(const void *buf, size_t len,
    struct proto_session_open *out, struct proto_error *err);
WN_NODISCARD wn_err proto_session_accept_encode(
    const struct proto_session_accept *a, struct proto_writer *w);
WN_NODISCARD wn_err proto_session_accept_decode(const void *buf, size_t len,
    struct proto_session_accept *out, struct proto_error *err);

/* A session's keys: k_i2r seals what the initiator sends, k_r2i what the
 * responder sends back. Release with proto_session_release (frees and
 * wipes both keys; a zeroed struct is fine). */
struct proto_session {
	uint8_t sid[PROTO_SID_LEN];
	struct sec_peer_key *i2r, *r2i;
};
void proto_session_release(struct proto_session *s);

/* The initiator's state between its open and the accept: the ephemeral
 * secret, its public key, the hash of the open sent and its id (a refusal
 * of it, a signed ERROR, names that id: PROTOCOL.md "Sessions"), who
 * opened to whom.
 * proto_session_init_release frees the secret (a zeroed struct is fine);
 * proto_session_accept_take does it whatever its result. */
struct proto_session_init {
	struct sec_eph *eph;
	uint8_t e_i[SEC_EPH_PK_LEN];
	uint8_t open_hash[SEC_HASH_LEN];
	uint8_t id[PROTO_ID_LEN];
	char from[PROTO_ORG_ID_MAX + 1], to[PROTO_ORG_ID_MAX + 1];
};
void proto_session_init_release(struct proto_session_init *st);

/* proto_session_open_seal makes a fresh ephemeral key and appends the
 * signed SESSION_OPEN from `from` to `to` (time ts_ms, a random id, seq
 * 0) sealed under pair to env, filling *st. WN_EINVAL for bad org ids,
 * WN_ENOMEM, sign's error, the writer's; on failure *st holds nothing to
 * release. */
WN_NODISCARD wn_err proto_session_open_seal(const char *from, const char *to,
    int64_t ts_ms, const struct sec_peer_key *pair, proto_sign_fn sign,
    void *ctx, struct proto_session_init *st, struct proto_writer *env);

/* proto_session_accept_take takes the accept acc (decoded; the caller
 * checked its signature, that it is from st->to to st->from, and its
 * time): it opens it with pair, decodes it, checks that "h" names st's
 * open, and derives the session into *out. Releases st whatever the
 * result. WN_ENOKEY when it does not open under pair (the keys do not
 * match), WN_ECRYPTO when the responder's key is of low order, WN_EPROTO for another
 * type, a body that does not decode, or an "h" that names another open. */
WN_NODISCARD wn_err proto_session_accept_take(struct proto_session_init *st,
    const struct proto_envelope *acc, const struct sec_peer_key *pair,
    struct proto_session *out);

/* proto_session_refusal_of says whether err (decoded; its signature
 * checked by the caller) is the responder's refusal of st's open: an
 * ERROR from st->to to st->from whose body decodes and names the open's
 * id (key 3); its body goes to *eb then. Anything else (another
 * recipient, another open's refusal, one that names no id, one to
 * "unknown") is no answer to this open. Its time is the caller's to
 * check. */
bool proto_session_refusal_of(const struct proto_session_init *st,
    const struct proto_envelope *err, struct proto_errbody *eb);

/* proto_session_answer is the responder's side: open (decoded, its
 * signature, recipient, time and freshness checked by the caller; its
 * bytes as received in open_bytes) is opened with pair and decoded; a
 * fresh ephemeral key and a random sid make the session *out, and the
 * signed SESSION_ACCEPT (time ts_ms) is appended to w. The ephemeral
 * secret is gone on return. WN_ENOKEY when the open does not open under
 * pair, WN_ECRYPTO when its key is of low order, WN_EPROTO for a body that does not
 * decode; nothing is written to *out then. */
WN_NODISCARD wn_err proto_session_answer(const struct proto_envelope *open,
    const void *open_bytes, size_t open_len, int64_t ts_ms,
    const struct sec_peer_key *pair, proto_sign_fn sign, void *ctx,
    struct proto_session *out, struct proto_writer *w);

#endif
