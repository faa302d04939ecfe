/*
 * envelope.h - what nodes send each other: COSE_Sign1 (RFC 9052, EdDSA
 * only), the signed envelope, the transfer that carries envelopes, and the
 * message bodies. protocol/PROTOCOL.md describes the same in CDDL.
 *
 * Decoders never allocate and never trust a declared length: they borrow
 * from the caller's buffer (which must outlive what they return), refuse
 * anything outside the limits below with WN_EPROTO (or WN_ETOOBIG for an
 * input over its size cap), and report the byte offset and the reason in
 * *err when err is not NULL. Output structs are written only on success.
 *
 * Encoders append to a proto_writer and return WN_EINVAL, writing nothing,
 * for arguments the decoders would refuse; otherwise they return
 * proto_writer_status(w), and on a writer failure w may hold a partial
 * message. Only the signing encoders allocate (the Sig_structure and the
 * padded body), through proto_malloc.
 *
 * Everything here is reentrant; nothing is shared between threads.
 */
#ifndef PROTO_ENVELOPE_H
#define PROTO_ENVELOPE_H

#include "crypto/sec.h"
#include "protocol/cbor.h"

#define PROTO_VERSION 5 /* 2: the receipt names the transfer it answers;
			  * 3: message types 28 to 35, the chain head
			  * query's nonce; 4: sessions (types 36, 37, the
			  * "sid" label, forward secrecy; TOKEN_ANSWER's
			  * key 2 a key id); 5: a CASE's and a disclosed
			  * field's subject may be a token (bstr 32) */
#define PROTO_FRAME_MAX (4u << 20)      /* one nng message (a transfer) */
#define PROTO_ENVELOPE_MAX (512u << 10) /* one envelope */
/* A body before padding is < PROTO_BODY_MAX bytes, so that its padded
 * bucket (sec_pad_bucket: at least one byte of padding) is at most
 * PROTO_BODY_MAX and the envelope stays far below PROTO_ENVELOPE_MAX. */
#define PROTO_BODY_MAX (256u << 10)

#define PROTO_ID_LEN 16        /* message ids */
#define PROTO_SID_LEN 16       /* session ids (SEC_SID_LEN) */
#define PROTO_ORG_ID_MAX 63    /* org and federation ids: [a-z0-9_-] */
#define PROTO_TP_LEN 55        /* "00-<32 hex>-<16 hex>-<2 hex>" */
#define PROTO_TRANSFER_MAX 64  /* envelopes per transfer */
#define PROTO_REASON_MAX 255   /* bytes of an error or refusal reason */
#define PROTO_CODE_MAX 255     /* error codes are wn_err values */
#define PROTO_RECEIPT_MAX 64   /* ids accepted, and ids refused */
#define PROTO_DATA_MAX (PROTO_BODY_MAX - 16)
#define PROTO_CHARTER_MAX_MEMBERS 256
#define PROTO_NAME_MAX 127     /* a member's display name */
#define PROTO_ROLE_MAX 23      /* the longest role name is 16 */
#define PROTO_ENDPOINT_MAX 255
/* The largest error body: map, code (<= 255), reason (<= 255), id. */
#define PROTO_ERRBODY_MAX 280
/* The largest signed chain head (COSE_Sign1 over a head): 200 bytes. */
#define PROTO_SIGNED_HEAD_MAX 256
/* A transfer of envelopes of lengths l[i] takes at most
 * PROTO_TRANSFER_HEAD + sum(l[i] + PROTO_TRANSFER_ITEM) bytes; a batch
 * with a signed manifest of m bytes PROTO_TRANSFER_BATCH_HEAD +
 * m + PROTO_TRANSFER_ITEM more (the map header and its two keys, the
 * manifest as a byte string). */
#define PROTO_TRANSFER_HEAD 2
#define PROTO_TRANSFER_ITEM 5
#define PROTO_TRANSFER_BATCH_HEAD 3

#define PROTO_COSE_ALG_EDDSA (-8)
/* The generic decoder keeps at most this many protected header labels. */
#define PROTO_COSE_MAX_LABELS 32

/* ---- COSE_Sign1 ---------------------------------------------------- */

/* A signing callback: sign len bytes of msg (the Sig_structure) with
 * Ed25519 into sig. Return WN_OK, or an error that the encoder passes on.
 * With crypto/: ctx = struct sec_identity *, body = sec_identity_sign. */
typedef wn_err (*proto_sign_fn)(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[SEC_SIG_LEN]);

/* A decoded COSE_Sign1; every pointer is borrowed from the input. unprot
 * is the whole encoded unprotected map; alg is the protected header's
 * label 1 when it is an integer, 0 when it is absent or text. */
struct proto_cose_sign1 {
	const uint8_t *prot;
	size_t prot_len;
	const uint8_t *unprot;
	size_t unprot_len;
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *sig; /* SEC_SIG_LEN bytes */
	int64_t alg;
};

/* proto_cose_sign1_encode appends #6.18([prot, unprot, payload, sig]) to
 * w, where sig = sign(ctx, Sig_structure). prot (prot_len bytes) is the
 * encoded protected map, or empty; unprot_cbor the encoded unprotected map
 * (NULL: the empty map). WN_EINVAL if either is not one well-formed map or
 * sign is NULL, WN_ETOOBIG if the message would exceed PROTO_ENVELOPE_MAX,
 * WN_ENOMEM, sign's error (w untouched), else proto_writer_status(w). */
WN_NODISCARD wn_err proto_cose_sign1_encode(const uint8_t *prot,
    size_t prot_len, const uint8_t *unprot_cbor, size_t unprot_len,
    const uint8_t *payload, size_t payload_len, proto_sign_fn sign, void *ctx,
    struct proto_writer *w);

/* proto_cose_sign1_decode decodes exactly one tagged COSE_Sign1 (tag 18
 * required) of at most PROTO_ENVELOPE_MAX bytes (WN_ETOOBIG) into *out.
 * The protected bstr must be empty or one map of at most
 * PROTO_COSE_MAX_LABELS int/text labels without duplicates; the
 * unprotected part any well-formed map; the payload a bstr (not nil); the
 * signature 64 bytes; no trailing bytes. No crypto, no allocation. */
WN_NODISCARD wn_err proto_cose_sign1_decode(const void *buf, size_t len,
    struct proto_cose_sign1 *out, struct proto_error *err);

/* proto_cose_tbs appends the Sig_structure
 * ["Signature1", prot, h'', payload] of m to w, built from the raw
 * protected bytes as received. Returns proto_writer_status(w). */
WN_NODISCARD wn_err proto_cose_tbs(const struct proto_cose_sign1 *m,
    struct proto_writer *w);

/* proto_cose_sign1_verify is true only if m->alg is EdDSA (-8) and sig is
 * a valid Ed25519 signature by pk over m's Sig_structure. Allocates only
 * for messages over 2 KiB (false if that fails). */
bool proto_cose_sign1_verify(const struct proto_cose_sign1 *m,
    const uint8_t pk[SEC_SIGN_PK_LEN]);

/* ---- the envelope --------------------------------------------------- */

enum proto_msg_type {
	PROTO_MSG_ERROR = 1,
	PROTO_MSG_RECEIPT = 2,
	PROTO_MSG_DATA = 3, /* opaque application payload: tests, bench */
	PROTO_MSG_CHARTER = 4,
	PROTO_MSG_CHAIN_HEAD = 5,
	PROTO_MSG_CHAIN_HEAD_QUERY = 6,
	PROTO_MSG_CHAIN_HEAD_ANSWER = 7,
	PROTO_MSG_MATRIX = 8,     /* a signed matrix (protocol/matrix_wire.h) */
	PROTO_MSG_MATRIX_ACK = 9, /* "I apply matrix version N" */
	PROTO_MSG_CASE = 10,      /* a case and its membership (case_wire.h) */
	PROTO_MSG_INFO_REQUEST = 11,
	PROTO_MSG_DISCLOSURE = 12,
	PROTO_MSG_RETRACTION = 13,
	PROTO_MSG_RETRACTION_ACK = 14,
	PROTO_MSG_MANIFEST = 15, /* signed-object type of a batch manifest */
	PROTO_MSG_AMEND = 16,    /* a member with edit rights amends a field */
	PROTO_MSG_ATTEST = 17,   /* a member signs a case's protocol */
	PROTO_MSG_SIGNAL = 18,   /* a signal's summary (work_wire.h) */
	PROTO_MSG_CASE_STEP = 19, /* a step of a case's life (life_wire.h) */
	PROTO_MSG_PLAN = 20,     /* a plan's goal or action (work_wire.h) */
	PROTO_MSG_ACTION_STATE = 21, /* an owner marks its action done */
	PROTO_MSG_CASE_LINK = 22, /* a link between two cases (life_wire.h) */
	/* consultations (meet_wire.h), in one place so a merge renumbers them
	 * together */
	PROTO_MSG_BODY = 23,       /* a consultation body, to its members */
	PROTO_MSG_MEETING = 24,    /* a body's meeting, to its members */
	PROTO_MSG_CONSULT = 25,    /* a case at a meeting, to case members */
	PROTO_MSG_ESCALATION = 26, /* a case handed to another body */
	PROTO_MSG_CASE_SIGNAL = 27, /* a signal of a case (casesig_wire.h) */
	/* subjects' tokens (token_wire.h), member <-> director */
	PROTO_MSG_TOKEN_REQUEST = 28, /* blinded elements to evaluate */
	PROTO_MSG_TOKEN_ANSWER = 29,  /* the evaluated elements, or a refusal */
	/* concerns and matches on a subject's token (concern_wire.h); 28 and
	 * 29 are the token messages' */
	PROTO_MSG_CONCERN = 30,       /* a member's concern, to the director */
	PROTO_MSG_CONCERN_MATCH = 31, /* the other partners concerned */
	/* the federation root (delegation.h), in one place so a merge
	 * renumbers them together: 33 is the signed-object type of a
	 * delegation (never an envelope's), 34 a root's revocation, as a
	 * signed object and as the body of an envelope (director to members) */
	PROTO_MSG_DELEGATION = 33,
	PROTO_MSG_REVOCATION = 34,
	PROTO_MSG_DOC_HASH = 35, /* the hash of a charter or matrix held */
	/* a session between two nodes (session_wire.h): one request and its
	 * reply, under the static pair key, outside the sequence (seq 0) */
	PROTO_MSG_SESSION_OPEN = 36,
	PROTO_MSG_SESSION_ACCEPT = 37,
	/* after a restore: "send me again what took data away since my
	 * copy" (resync_wire.h) */
	PROTO_MSG_RESYNC_REQUEST = 38,
};
#define PROTO_MSG_TYPE_MAX 38
/* the highest type an envelope may carry; a manifest (15) is not one */
#define PROTO_ENVELOPE_TYPE_MAX 38

/* proto_msg_has_sid: an envelope of type t names its session ("sid" in
 * the protected header, its payload sealed under that session's key):
 * every type but ERROR, SESSION_OPEN and SESSION_ACCEPT. */
bool proto_msg_has_sid(uint32_t t);

/* proto_msg_type_name returns a static name ("receipt"), or "unknown". */
const char *proto_msg_type_name(uint32_t t);

/* proto_org_id_valid: 1..63 bytes of [a-z0-9_-] (org and federation ids). */
bool proto_org_id_valid(const char *s, size_t len);

/* proto_line_valid: a NUL-terminated text holds no control character
 * (below 0x20, or 0x7f): a place name, a line of a form. */
bool proto_line_valid(const char *s);

/* Readers the message bodies share (a text string copied into dst, of
 * fewer than cap bytes; dst is untouched on a read error):
 * proto_read_id an identifier (case id, org id, user name: 1..63 bytes of
 * [a-z0-9_-], "not an identifier"); proto_read_line a text without
 * control characters ("a control character"), empty only if empty_ok
 * ("empty text"). */
WN_NODISCARD wn_err proto_read_id(struct proto_reader *r, char *dst,
    size_t cap);
WN_NODISCARD wn_err proto_read_line(struct proto_reader *r, char *dst,
    size_t cap, bool empty_ok);

/* proto_traceparent_valid: a W3C traceparent of version 00, lowercase hex,
 * trace and parent ids not all zero: 55 bytes. */
bool proto_traceparent_valid(const char *s, size_t len);

/* The protected header of an envelope. Strings are NUL-terminated; tp is
 * "" when absent. */
struct proto_env_header {
	uint32_t version, type;
	char from[PROTO_ORG_ID_MAX + 1], to[PROTO_ORG_ID_MAX + 1];
	uint8_t id[PROTO_ID_LEN];
	int64_t ts_ms;
	uint64_t seq, mv;
	char tp[PROTO_TP_LEN + 1];
	/* the session, set exactly when proto_msg_has_sid(type) */
	bool has_sid;
	uint8_t sid[PROTO_SID_LEN];
};

struct proto_envelope {
	struct proto_env_header h;
	struct proto_cose_sign1 cose; /* borrowed from the decoded buffer */
};

/* proto_envelope_seal appends a signed envelope to out. h->version must be
 * PROTO_VERSION, h->type known, from/to valid org ids, tp "" or valid,
 * has_sid as proto_msg_has_sid(type) says. For every type but ERROR, body
 * (body_len < PROTO_BODY_MAX) is padded to its bucket and encrypted with
 * key (the session's key of its direction; the static pair key for
 * SESSION_OPEN and SESSION_ACCEPT) (payload = nonce || ciphertext, bucket + 40
 * bytes); for ERROR, key is ignored (may be NULL) and the payload is body
 * itself (at most PROTO_ERRBODY_MAX). Errors: WN_EINVAL for a bad header,
 * size or a missing key, WN_ENOMEM, sign's error, or the writer's status.
 * The padded plaintext copy is wiped before it is freed. */
WN_NODISCARD wn_err proto_envelope_seal(const struct proto_env_header *h,
    const void *body, size_t body_len, const struct sec_peer_key *key,
    proto_sign_fn sign, void *ctx, struct proto_writer *out);

/* proto_envelope_decode checks size (WN_ETOOBIG over PROTO_ENVELOPE_MAX),
 * COSE structure, the empty unprotected map, the protected header (any
 * order; no duplicate, unknown, missing or mistyped label; alg EdDSA;
 * version PROTO_VERSION, else "unsupported protocol version N"; "sid"
 * present exactly when proto_msg_has_sid) and the payload size
 * (a padded bucket + 40, or at most PROTO_ERRBODY_MAX for ERROR). No crypto,
 * no allocation: out->cose borrows from buf. */
WN_NODISCARD wn_err proto_envelope_decode(const void *buf, size_t len,
    struct proto_envelope *out, struct proto_error *err);

/* proto_envelope_verify is true if e carries a valid signature by the
 * sender's Ed25519 key sender_pk. Check it before opening. */
bool proto_envelope_verify(const struct proto_envelope *e,
    const uint8_t sender_pk[SEC_SIGN_PK_LEN]);

/* proto_envelope_open decrypts and unpads e's body into body (cap bytes;
 * PROTO_BODY_MAX always suffices, e->cose.payload_len - 40 is exact) and
 * sets *body_len. For ERROR it copies the plain payload (key may be NULL).
 * WN_ECRYPTO on any decryption or padding failure (body is wiped),
 * WN_EINVAL without a key, WN_ETOOBIG if cap is too small. */
WN_NODISCARD wn_err proto_envelope_open(const struct proto_envelope *e,
    const struct sec_peer_key *key, uint8_t *body, size_t cap,
    size_t *body_len);

/* ---- the transfer: [+ bstr .cbor COSE_Sign1] ------------------------ */

struct proto_transfer {
	/* NULL: every envelope carries its own signature; else a signed
	 * manifest (manifest.h) whose hashes sign the envelopes, which then
	 * carry an empty signature */
	const uint8_t *manifest;
	size_t manifest_len;
	size_t n;
	const uint8_t *env[PROTO_TRANSFER_MAX]; /* borrowed */
	size_t env_len[PROTO_TRANSFER_MAX];
};

/* proto_transfer_encode appends t to w. WN_EINVAL unless 1 <= t->n <= 64
 * and each envelope is 1..PROTO_ENVELOPE_MAX bytes, WN_ETOOBIG if the
 * whole would exceed PROTO_FRAME_MAX; else proto_writer_status(w). */
WN_NODISCARD wn_err proto_transfer_encode(const struct proto_transfer *t,
    struct proto_writer *w);

/* proto_transfer_encode_begin starts a transfer of n envelopes in w, to
 * be followed by exactly n proto_transfer_encode_add calls (streaming).
 * n outside 1..64 fails w with WN_EINVAL; check proto_writer_status at the
 * end. The caller keeps w->max <= PROTO_FRAME_MAX. */
void proto_transfer_encode_begin(struct proto_writer *w, size_t n);
/* proto_transfer_encode_add appends one sealed envelope (copied); len
 * outside 1..PROTO_ENVELOPE_MAX fails w with WN_EINVAL. */
void proto_transfer_encode_add(struct proto_writer *w, const void *env,
    size_t len);

/* proto_transfer_decode splits a transfer of at most PROTO_FRAME_MAX
 * bytes (WN_ETOOBIG) into 1..64 envelopes of 1..PROTO_ENVELOPE_MAX bytes
 * (WN_ETOOBIG for a larger one). The envelopes themselves are not
 * decoded: each is decoded on its own, so one bad envelope can be refused
 * in the receipt while the others are applied. */
WN_NODISCARD wn_err proto_transfer_decode(const void *buf, size_t len,
    struct proto_transfer *out, struct proto_error *err);

/* ---- bodies ---------------------------------------------------------
 * Each body decoder refuses input of PROTO_BODY_MAX bytes or more, unknown
 * or duplicate keys, wrong types, limits broken and trailing bytes. */

/* error = {1: code, 2: reason, ? 3: id} (sizeof about 280 bytes) */
struct proto_errbody {
	uint32_t code; /* a wn_err value, <= PROTO_CODE_MAX */
	char reason[PROTO_REASON_MAX + 1];
	bool has_id;
	uint8_t id[PROTO_ID_LEN]; /* the message refused, if has_id */
};
/* proto_errbody_encode appends b; WN_EINVAL if code > 255 or reason is
 * not terminated, longer than 255 bytes or not UTF-8.
 * proto_errbody_decode decodes an error body into *out. */
WN_NODISCARD wn_err proto_errbody_encode(const struct proto_errbody *b,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_errbody_decode(const void *buf, size_t len,
    struct proto_errbody *out, struct proto_error *err);

/* receipt = {1: [* id] accepted, 2: [* [id, code, reason]] refused,
 *            3: bstr32 answers}
 * answers is the transfer hash (proto_transfer_hash) of the transfer the
 * receipt answers: a requester takes a receipt only for the transfer it
 * sent (sizeof about 19 KiB) */
struct proto_refusal {
	uint8_t id[PROTO_ID_LEN];
	uint32_t code;
	char reason[PROTO_REASON_MAX + 1];
};
struct proto_receipt {
	size_t naccepted; /* <= PROTO_RECEIPT_MAX */
	uint8_t accepted[PROTO_RECEIPT_MAX][PROTO_ID_LEN];
	size_t nrefused; /* <= PROTO_RECEIPT_MAX */
	struct proto_refusal refused[PROTO_RECEIPT_MAX];
	uint8_t answers[SEC_HASH_LEN];
};
/* proto_receipt_encode appends rc; WN_EINVAL for more than 64 ids in a
 * list or a bad code or reason. proto_receipt_decode decodes into *out
 * (entries past naccepted/nrefused are zero). */
WN_NODISCARD wn_err proto_receipt_encode(const struct proto_receipt *rc,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_receipt_decode(const void *buf, size_t len,
    struct proto_receipt *out, struct proto_error *err);

/* data = {1: bstr (<= PROTO_DATA_MAX)}; decoded payload is borrowed. */
struct proto_data {
	const uint8_t *payload;
	size_t len;
};
/* proto_data_encode appends {1: payload}; WN_EINVAL over PROTO_DATA_MAX.
 * proto_data_decode points out->payload into buf. */
WN_NODISCARD wn_err proto_data_encode(const void *payload, size_t len,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_data_decode(const void *buf, size_t len,
    struct proto_data *out, struct proto_error *err);

/* charter = {1: version, 2: federation, 3: issued ms, 4: [+ member]}
 * member = {1: org, 2: name, 3: role, 4: endpoint, 5: sign key, 6: kx key,
 *           7: directs cases}
 * sizeof(struct proto_charter) is about 140 KiB: keep it on the heap. */
struct proto_member {
	char org[PROTO_ORG_ID_MAX + 1];
	char name[PROTO_NAME_MAX + 1];  /* 1..127 bytes, no control chars */
	char role[PROTO_ROLE_MAX + 1];  /* see proto_role_valid */
	char endpoint[PROTO_ENDPOINT_MAX + 1]; /* tcp://... or tls+tcp://... */
	uint8_t sign_pk[SEC_SIGN_PK_LEN];
	uint8_t kx_pk[SEC_KX_PK_LEN];
	bool directs;
};
struct proto_charter {
	uint64_t version; /* >= 1 */
	char federation[PROTO_ORG_ID_MAX + 1];
	int64_t issued_ms;
	size_t nmembers; /* 1..PROTO_CHARTER_MAX_MEMBERS, distinct orgs */
	struct proto_member members[PROTO_CHARTER_MAX_MEMBERS];
};

/* proto_role_valid: municipality, police, community_guards, outreach,
 * welfare, housing, youth_work or mediation (the names cfg_role_parse
 * reads). */
bool proto_role_valid(const char *s, size_t len);

/* proto_charter_encode appends c; WN_EINVAL if version is 0, the
 * federation or a member breaks the rules above, nmembers is outside
 * 1..256 or two members share an org id. */
WN_NODISCARD wn_err proto_charter_encode(const struct proto_charter *c,
    struct proto_writer *w);
/* proto_charter_decode validates fully before it writes anything to *out,
 * so a refused charter leaves *out as it was. */
WN_NODISCARD wn_err proto_charter_decode(const void *buf, size_t len,
    struct proto_charter *out, struct proto_error *err);

/* chain head = {1: org, 2: seq, 3: hash (32), 4: time ms} */
struct proto_head {
	char org[PROTO_ORG_ID_MAX + 1];
	uint64_t seq;
	uint8_t hash[SEC_HASH_LEN];
	int64_t time_ms;
};
/* proto_head_encode appends h (WN_EINVAL for a bad org id);
 * proto_head_decode decodes a chain head into *out. */
WN_NODISCARD wn_err proto_head_encode(const struct proto_head *h,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_head_decode(const void *buf, size_t len,
    struct proto_head *out, struct proto_error *err);

/* CHAIN_HEAD_QUERY body = {1: org, 2: nonce}: the nonce is 16 random
 * bytes the answer must echo, so that an answer recorded before cannot be
 * played back to a later query. */
#define PROTO_HEAD_NONCE_LEN 16
struct proto_head_query {
	char org[PROTO_ORG_ID_MAX + 1];
	uint8_t nonce[PROTO_HEAD_NONCE_LEN];
};
/* proto_head_query_encode appends q (WN_EINVAL for a bad org id);
 * proto_head_query_decode decodes one into *out. */
WN_NODISCARD wn_err proto_head_query_encode(const struct proto_head_query *q,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_head_query_decode(const void *buf, size_t len,
    struct proto_head_query *out, struct proto_error *err);

/* CHAIN_HEAD_ANSWER body = {1: signed head bytes / null, 2: nonce}.
 * signed_head is NULL (len 0) for null; decoded, it is borrowed and at
 * most PROTO_SIGNED_HEAD_MAX bytes (checked by proto_head_verify_signed).
 * nonce is the query's, echoed. */
struct proto_head_answer {
	const uint8_t *signed_head;
	size_t len;
	uint8_t nonce[PROTO_HEAD_NONCE_LEN];
};
/* proto_head_answer_encode appends {1: signed_head, 2: nonce} or
 * {1: null, 2: nonce}; WN_EINVAL for a signed head outside
 * 1..PROTO_SIGNED_HEAD_MAX bytes. proto_head_answer_decode borrows the
 * signed head from buf. */
WN_NODISCARD wn_err proto_head_answer_encode(const void *signed_head,
    size_t len, const uint8_t nonce[PROTO_HEAD_NONCE_LEN],
    struct proto_writer *w);
WN_NODISCARD wn_err proto_head_answer_decode(const void *buf, size_t len,
    struct proto_head_answer *out, struct proto_error *err);

/* ---- signed objects: COSE_Sign1 with protected {1: -8, "t": type} ----
 * A signed charter (type PROTO_MSG_CHARTER, signed by the director) is the
 * body of a CHARTER envelope; a signed chain head (type
 * PROTO_MSG_CHAIN_HEAD, signed by the node whose chain it is) the body of
 * a CHAIN_HEAD envelope. Members keep them and re-verify them alone. */

/* proto_signed_decode decodes a signed object of the given type: at most
 * PROTO_BODY_MAX - 1 bytes, protected header exactly {1: -8, "t": type},
 * empty unprotected map. No crypto. */
WN_NODISCARD wn_err proto_signed_decode(const void *buf, size_t len,
    uint32_t type, struct proto_cose_sign1 *out, struct proto_error *err);

/* proto_charter_sign encodes c and appends the signed charter to w.
 * Errors as proto_charter_encode and proto_cose_sign1_encode. */
WN_NODISCARD wn_err proto_charter_sign(const struct proto_charter *c,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);
/* proto_charter_verify_signed decodes a signed charter, verifies it with
 * the director's key, then decodes the charter into *out (untouched on
 * error). WN_EPROTO/WN_ETOOBIG for malformed input (err set), WN_ECRYPTO
 * for a bad signature. Versions (no downgrade) are the caller's check. */
WN_NODISCARD wn_err proto_charter_verify_signed(const void *buf, size_t len,
    const uint8_t director_pk[SEC_SIGN_PK_LEN], struct proto_charter *out,
    struct proto_error *err);

/* proto_head_sign and proto_head_verify_signed: the same for a chain head
 * (signed bytes at most PROTO_SIGNED_HEAD_MAX). */
WN_NODISCARD wn_err proto_head_sign(const struct proto_head *h,
    proto_sign_fn sign, void *ctx, struct proto_writer *w);
WN_NODISCARD wn_err proto_head_verify_signed(const void *buf, size_t len,
    const uint8_t pk[SEC_SIGN_PK_LEN], struct proto_head *out,
    struct proto_error *err);

#endif
