/*
 * envelope.c - the signed and encrypted envelope, its protected header,
 * and the signed objects (charter, chain head) (see envelope.h and
 * PROTOCOL.md). COSE_Sign1 is in cose.c, transfers in transfer.c, the
 * message bodies in body.c.
 *
 * Decoding is a walk of the strict pull reader (protocol/cbor.h) over the
 * caller's buffer: sizes are capped before the first byte is read, every
 * map key is checked for range and duplicates, and every string is checked
 * against its limit before it is copied.
 *
 * The envelope's protected header is parsed by one table-driven function
 * that also serves the signed charter and chain head (which allow only
 * alg and "t"). Before it, a lenient scan looks for "v" alone, so that a
 * message of a newer version is refused as such even when it carries
 * labels we do not know.
 */
#include "protocol/envelope_int.h"
#include "protocol/delegation.h"

#include <inttypes.h>
#include <string.h>

/* The largest envelope protected header is 285 bytes (264 before "sid"). */
#define PROT_MAX 320

/* ---- small helpers -------------------------------------------------- */

#define set_err proto_error_from
#define too_big proto_error_too_big

bool
proto_org_id_valid(const char *s, size_t len)
{
	if (s == NULL || len < 1 || len > PROTO_ORG_ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool
proto_line_valid(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

wn_err
proto_read_id(struct proto_reader *r, char *dst, size_t cap)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv == WN_OK && !proto_org_id_valid(dst, strlen(dst)))
		return proto_reader_fail(r, at, "not an identifier "
		    "([a-z0-9_-], 1..63)");
	return rv;
}

wn_err
proto_read_line(struct proto_reader *r, char *dst, size_t cap,
    bool empty_ok)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv != WN_OK)
		return rv;
	if (!empty_ok && dst[0] == '\0')
		return proto_reader_fail(r, at, "empty text");
	if (!proto_line_valid(dst))
		return proto_reader_fail(r, at, "a control character");
	return WN_OK;
}

static bool
is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* hex_run: n lowercase hex digits, not all '0' when nonzero is set. */
static bool
hex_run(const char *s, size_t n, bool nonzero)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!is_lower_hex(s[i]))
			return false;
		any |= s[i] != '0';
	}
	return any || !nonzero;
}

bool
proto_traceparent_valid(const char *s, size_t len)
{
	return s != NULL && len == PROTO_TP_LEN && s[0] == '0' &&
	    s[1] == '0' && s[2] == '-' && hex_run(s + 3, 32, true) &&
	    s[35] == '-' && hex_run(s + 36, 16, true) && s[52] == '-' &&
	    hex_run(s + 53, 2, false);
}

/* ---- protected headers of envelopes and signed objects -------------- */

enum {
	L_ALG,
	L_V,
	L_T,
	L_FROM,
	L_TO,
	L_ID,
	L_TS,
	L_SEQ,
	L_MV,
	L_TP,
	L_SID,
	L_COUNT
};

#define BIT(l) (1u << (l))
#define ENV_LABELS ((1u << L_COUNT) - 1)
/* "sid" is required or refused by type (proto_msg_has_sid), after the
 * walk */
#define ENV_REQUIRED (ENV_LABELS & ~BIT(L_TP) & ~BIT(L_SID))
#define SIGNED_LABELS (BIT(L_ALG) | BIT(L_T))

/* Text labels by index; alg is the integer label 1. */
static const char *const label_names[L_COUNT] = {"1", "v", "t", "from",
    "to", "id", "ts", "seq", "mv", "tp", "sid"};

struct hdr_view {
	uint64_t v, t, seq, mv;
	int64_t ts;
	struct proto_env_slice from, to, tp;
	const uint8_t *id, *sid;
};

static int
label_index(const struct proto_env_label *l)
{
	if (!l->text)
		return l->i == 1 ? L_ALG : -1;
	for (int k = L_V; k < L_COUNT; k++) {
		if (strlen(label_names[k]) == l->len &&
		    memcmp(label_names[k], l->t, l->len) == 0)
			return k;
	}
	return -1;
}

static wn_err
unknown_label(struct proto_reader *r, size_t at,
    const struct proto_env_label *l)
{
	bool printable = l->len <= 24;

	if (!l->text)
		return proto_reader_fail(r, at, "unknown label %" PRId64, l->i);
	for (size_t i = 0; printable && i < l->len; i++)
		printable = l->t[i] >= 0x20 && l->t[i] < 0x7f;
	if (!printable)
		return proto_reader_fail(r, at, "unknown text label");
	return proto_reader_fail(r, at, "unknown label \"%.*s\"",
	    (int)l->len, (const char *)l->t);
}

wn_err
proto_env_read_org(struct proto_reader *r, struct proto_env_slice *s,
    const char *what)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_text(r, &s->p, &s->len)) != WN_OK)
		return rv;
	if (!proto_org_id_valid(s->p, s->len))
		return proto_reader_fail(r, at,
		    "%s is not an org id (1..63 of [a-z0-9_-])", what);
	return WN_OK;
}

/* read_hdr_value reads the value of label k into hv. */
static wn_err
read_hdr_value(struct proto_reader *r, int k, struct hdr_view *hv)
{
	size_t at = r->pos, n;
	int64_t alg;
	wn_err rv;

	switch (k) {
	case L_ALG:
		if ((rv = proto_read_int(r, &alg)) != WN_OK)
			return rv;
		if (alg != PROTO_COSE_ALG_EDDSA)
			return proto_reader_fail(r, at, "unsupported alg %"
			    PRId64 " (only EdDSA, -8)", alg);
		return WN_OK;
	case L_V:
		if ((rv = proto_read_uint(r, &hv->v)) != WN_OK)
			return rv;
		if (hv->v != PROTO_VERSION)
			return proto_reader_fail(r, at,
			    "unsupported protocol version %" PRIu64, hv->v);
		return WN_OK;
	case L_T:
		if ((rv = proto_read_uint(r, &hv->t)) != WN_OK)
			return rv;
		if (hv->t < 1 || hv->t > PROTO_MSG_TYPE_MAX)
			return proto_reader_fail(r, at,
			    "unknown message type %" PRIu64, hv->t);
		return WN_OK;
	case L_FROM:
		return proto_env_read_org(r, &hv->from, "\"from\"");
	case L_TO:
		return proto_env_read_org(r, &hv->to, "\"to\"");
	case L_ID:
		if ((rv = proto_read_bytes(r, &hv->id, &n)) != WN_OK)
			return rv;
		if (n != PROTO_ID_LEN)
			return proto_reader_fail(r, at,
			    "\"id\" has %zu bytes, expected 16", n);
		return WN_OK;
	case L_TS:
		return proto_read_int(r, &hv->ts);
	case L_SEQ:
		return proto_read_uint(r, &hv->seq);
	case L_MV:
		return proto_read_uint(r, &hv->mv);
	case L_SID:
		if ((rv = proto_read_bytes(r, &hv->sid, &n)) != WN_OK)
			return rv;
		if (n != PROTO_SID_LEN)
			return proto_reader_fail(r, at,
			    "\"sid\" has %zu bytes, expected 16", n);
		return WN_OK;
	default:
		if ((rv = proto_read_text(r, &hv->tp.p, &hv->tp.len)) != WN_OK)
			return rv;
		if (!proto_traceparent_valid(hv->tp.p, hv->tp.len))
			return proto_reader_fail(r, at,
			    "\"tp\" is not a traceparent");
		return WN_OK;
	}
}

/* parse_prot reads a protected map with the labels in allowed (each at
 * most once, those in required present) into hv. */
static wn_err
parse_prot(struct proto_reader *r, unsigned allowed, unsigned required,
    struct hdr_view *hv)
{
	struct proto_env_label l;
	size_t n, at;
	unsigned seen = 0, missing;
	int k;
	wn_err rv;

	memset(hv, 0, sizeof(*hv));
	if (r->len == 0)
		return proto_reader_fail(r, 0, "empty protected header");
	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_env_read_label(r, &l)) != WN_OK)
			return rv;
		if ((k = label_index(&l)) < 0 || !(allowed & BIT(k)))
			return unknown_label(r, at, &l);
		if (seen & BIT(k))
			return proto_reader_fail(r, at,
			    "duplicate label \"%s\"", label_names[k]);
		seen |= BIT(k);
		if ((rv = read_hdr_value(r, k, hv)) != WN_OK)
			return rv;
	}
	if ((missing = required & ~seen) != 0) {
		for (k = 0; !(missing & BIT(k)); k++)
			;
		return proto_reader_fail(r, 0, k == L_ALG ?
		    "missing label 1 (alg)" : "missing label \"%s\"",
		    label_names[k]);
	}
	return proto_reader_finish(r);
}

/* scan_version looks only for "v" in a protected map and refuses a
 * version other than ours. Anything else, even malformed input, is left
 * to parse_prot, which reports it. */
static wn_err
scan_version(struct proto_reader *r)
{
	struct proto_env_label l;
	enum proto_type t;
	uint64_t v;
	size_t n, at;

	if (proto_read_map(r, &n) != WN_OK)
		return WN_OK;
	for (size_t i = 0; i < n; i++) {
		if (proto_peek_type(r, &t) != WN_OK)
			return WN_OK;
		if (t != PROTO_TEXT) {
			if (proto_skip(r) != WN_OK || proto_skip(r) != WN_OK)
				return WN_OK;
			continue;
		}
		if (proto_env_read_label(r, &l) != WN_OK ||
		    proto_peek_type(r, &t) != WN_OK)
			return WN_OK;
		at = r->pos;
		if (t == PROTO_UINT && label_index(&l) == L_V) {
			if (proto_read_uint(r, &v) != WN_OK)
				return WN_OK;
			if (v != PROTO_VERSION)
				return proto_reader_fail(r, at,
				    "unsupported protocol version %" PRIu64, v);
		} else if (proto_skip(r) != WN_OK) {
			return WN_OK;
		}
	}
	return WN_OK;
}

/* ---- the envelope --------------------------------------------------- */

static const char *const type_names[] = {
	[PROTO_MSG_ERROR] = "error",
	[PROTO_MSG_RECEIPT] = "receipt",
	[PROTO_MSG_DATA] = "data",
	[PROTO_MSG_CHARTER] = "charter",
	[PROTO_MSG_CHAIN_HEAD] = "chain_head",
	[PROTO_MSG_CHAIN_HEAD_QUERY] = "chain_head_query",
	[PROTO_MSG_CHAIN_HEAD_ANSWER] = "chain_head_answer",
	[PROTO_MSG_MATRIX] = "matrix",
	[PROTO_MSG_MATRIX_ACK] = "matrix_ack",
	[PROTO_MSG_CASE] = "case",
	[PROTO_MSG_INFO_REQUEST] = "info_request",
	[PROTO_MSG_DISCLOSURE] = "disclosure",
	[PROTO_MSG_RETRACTION] = "retraction",
	[PROTO_MSG_RETRACTION_ACK] = "retraction_ack",
	[PROTO_MSG_MANIFEST] = "manifest",
	[PROTO_MSG_AMEND] = "amend",
	[PROTO_MSG_ATTEST] = "attest",
	[PROTO_MSG_SIGNAL] = "signal",
	[PROTO_MSG_CASE_STEP] = "case_step",
	[PROTO_MSG_PLAN] = "plan",
	[PROTO_MSG_ACTION_STATE] = "action_state",
	[PROTO_MSG_CASE_LINK] = "case_link",
	[PROTO_MSG_BODY] = "body",
	[PROTO_MSG_MEETING] = "meeting",
	[PROTO_MSG_CONSULT] = "consult",
	[PROTO_MSG_ESCALATION] = "escalation",
	[PROTO_MSG_CASE_SIGNAL] = "case_signal",
	[PROTO_MSG_TOKEN_REQUEST] = "token_request",
	[PROTO_MSG_TOKEN_ANSWER] = "token_answer",
	[PROTO_MSG_CONCERN] = "concern",
	[PROTO_MSG_CONCERN_MATCH] = "concern_match",
	[PROTO_MSG_DELEGATION] = "delegation",
	[PROTO_MSG_REVOCATION] = "revocation",
	[PROTO_MSG_DOC_HASH] = "doc_hash",
	[PROTO_MSG_SESSION_OPEN] = "session_open",
	[PROTO_MSG_SESSION_ACCEPT] = "session_accept",
	[PROTO_MSG_RESYNC_REQUEST] = "resync_request",
};

bool
proto_msg_has_sid(uint32_t t)
{
	return t != PROTO_MSG_ERROR && t != PROTO_MSG_SESSION_OPEN &&
	    t != PROTO_MSG_SESSION_ACCEPT;
}

const char *
proto_msg_type_name(uint32_t t)
{
	/* a number not (yet) named on this side of a merge is unknown */
	if (t < 1 || t >= WN_ARRAY_LEN(type_names) || type_names[t] == NULL)
		return "unknown";
	return type_names[t];
}

/* payload_size_ok: ERROR carries its body in the clear; everything else
 * nonce || box of a padded bucket (a power of two, 256..PROTO_BODY_MAX). */
static bool
payload_size_ok(uint64_t type, size_t len)
{
	size_t b;

	if (type == PROTO_MSG_ERROR)
		return len <= PROTO_ERRBODY_MAX;
	if (len < SEC_BOX_OVERHEAD + 256)
		return false;
	b = len - SEC_BOX_OVERHEAD;
	return b <= PROTO_BODY_MAX && (b & (b - 1)) == 0;
}

static bool
header_ok(const struct proto_env_header *h)
{
	size_t tp = PROTO_ENV_CSTR_LEN(h->tp);

	return h->version == PROTO_VERSION && h->type >= 1 &&
	    h->type <= PROTO_ENVELOPE_TYPE_MAX &&
	    h->type != PROTO_MSG_MANIFEST &&
	    h->has_sid == proto_msg_has_sid(h->type) &&
	    proto_org_id_valid(h->from, PROTO_ENV_CSTR_LEN(h->from)) &&
	    proto_org_id_valid(h->to, PROTO_ENV_CSTR_LEN(h->to)) &&
	    (tp == 0 || proto_traceparent_valid(h->tp, tp));
}

/* write_header writes the protected map in the fixed order of PROTOCOL.md:
 * 1, "v", "t", "from", "to", "id", "ts", "seq", "mv", ["sid"], ["tp"]. */
static void
write_header(struct proto_writer *w, const struct proto_env_header *h)
{
	bool tp = h->tp[0] != '\0';

	proto_write_map(w, 9 + (tp ? 1 : 0) + (h->has_sid ? 1 : 0));
	proto_write_uint(w, 1);
	proto_write_int(w, PROTO_COSE_ALG_EDDSA);
	proto_write_text(w, "v");
	proto_write_uint(w, h->version);
	proto_write_text(w, "t");
	proto_write_uint(w, h->type);
	proto_write_text(w, "from");
	proto_write_textn(w, h->from, PROTO_ENV_CSTR_LEN(h->from));
	proto_write_text(w, "to");
	proto_write_textn(w, h->to, PROTO_ENV_CSTR_LEN(h->to));
	proto_write_text(w, "id");
	proto_write_bytes(w, h->id, PROTO_ID_LEN);
	proto_write_text(w, "ts");
	proto_write_int(w, h->ts_ms);
	proto_write_text(w, "seq");
	proto_write_uint(w, h->seq);
	proto_write_text(w, "mv");
	proto_write_uint(w, h->mv);
	if (h->has_sid) {
		proto_write_text(w, "sid");
		proto_write_bytes(w, h->sid, PROTO_SID_LEN);
	}
	if (tp) {
		proto_write_text(w, "tp");
		proto_write_textn(w, h->tp, PROTO_ENV_CSTR_LEN(h->tp));
	}
}

wn_err
proto_envelope_seal(const struct proto_env_header *h, const void *body,
    size_t body_len, const struct sec_peer_key *key, proto_sign_fn sign,
    void *ctx, struct proto_writer *out)
{
	uint8_t prot[PROT_MAX];
	struct proto_writer pw;
	uint8_t *tmp = NULL;
	size_t bucket, padded;
	wn_err rv;

	if (h == NULL || !header_ok(h) || out == NULL ||
	    (body == NULL && body_len > 0))
		return WN_EINVAL;
	proto_writer_init(&pw, prot, sizeof(prot));
	write_header(&pw, h);
	WN_ASSERT(proto_writer_status(&pw) == WN_OK);

	if (h->type == PROTO_MSG_ERROR) {
		if (body_len > PROTO_ERRBODY_MAX)
			return WN_EINVAL;
		return proto_cose_sign1_encode(prot, pw.len, NULL, 0, body,
		    body_len, sign, ctx, out);
	}
	if (key == NULL || body_len >= PROTO_BODY_MAX)
		return WN_EINVAL;
	bucket = sec_pad_bucket(body_len);
	/* the padded plaintext, then nonce || ciphertext */
	if ((tmp = proto_malloc(2 * bucket + SEC_BOX_OVERHEAD)) == NULL)
		return WN_ENOMEM;
	if (body_len > 0)
		memcpy(tmp, body, body_len);
	rv = sec_pad(tmp, body_len, bucket, &padded);
	WN_ASSERT(rv == WN_OK && padded == bucket);
	sec_box_seal(key, tmp, bucket, tmp + bucket);
	sec_wipe(tmp, bucket);
	rv = proto_cose_sign1_encode(prot, pw.len, NULL, 0, tmp + bucket,
	    bucket + SEC_BOX_OVERHEAD, sign, ctx, out);
	proto_free(tmp);
	return rv;
}

wn_err
proto_envelope_decode(const void *buf, size_t len, struct proto_envelope *out,
    struct proto_error *err)
{
	struct proto_reader r, pr;
	struct proto_envelope e;
	struct hdr_view hv;
	size_t base = 0;
	wn_err rv;

	if (len > PROTO_ENVELOPE_MAX)
		return too_big(err, "envelope", len, PROTO_ENVELOPE_MAX);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_env_decode_outer(&r, &e.cose, &base)) != WN_OK)
		goto outer_fail;
	if (e.cose.unprot_len != 1) {
		rv = proto_reader_fail(&r, (size_t)(e.cose.unprot - r.buf),
		    "unprotected header must be empty");
		goto outer_fail;
	}
	proto_reader_init(&pr, e.cose.prot, e.cose.prot_len);
	if ((rv = scan_version(&pr)) != WN_OK)
		goto prot_fail;
	proto_reader_init(&pr, e.cose.prot, e.cose.prot_len);
	if ((rv = parse_prot(&pr, ENV_LABELS, ENV_REQUIRED, &hv)) != WN_OK)
		goto prot_fail;
	if (hv.t > PROTO_ENVELOPE_TYPE_MAX || hv.t == PROTO_MSG_MANIFEST) {
		/* a manifest's type: a signed object, never an envelope */
		rv = proto_reader_fail(&r, 0, "unknown message type %llu",
		    (unsigned long long)hv.t);
		goto outer_fail;
	}
	/* a session's envelopes name it; the handshake and errors do not */
	if ((hv.sid != NULL) != proto_msg_has_sid((uint32_t)hv.t)) {
		rv = proto_reader_fail(&pr, 0, hv.sid != NULL ?
		    "\"sid\" on a %s envelope" : "missing label \"sid\" "
		    "on a %s envelope", proto_msg_type_name((uint32_t)hv.t));
		goto prot_fail;
	}
	if (!payload_size_ok(hv.t, e.cose.payload_len)) {
		rv = proto_reader_fail(&r, (size_t)(e.cose.payload - r.buf),
		    "payload of %zu bytes does not fit a %s envelope",
		    e.cose.payload_len, proto_msg_type_name((uint32_t)hv.t));
		goto outer_fail;
	}

	e.cose.alg = PROTO_COSE_ALG_EDDSA;
	memset(&e.h, 0, sizeof(e.h));
	e.h.version = (uint32_t)hv.v;
	e.h.type = (uint32_t)hv.t;
	proto_env_copy_slice(e.h.from, &hv.from);
	proto_env_copy_slice(e.h.to, &hv.to);
	memcpy(e.h.id, hv.id, PROTO_ID_LEN);
	e.h.ts_ms = hv.ts;
	e.h.seq = hv.seq;
	e.h.mv = hv.mv;
	proto_env_copy_slice(e.h.tp, &hv.tp);
	if (hv.sid != NULL) {
		e.h.has_sid = true;
		memcpy(e.h.sid, hv.sid, PROTO_SID_LEN);
	}
	*out = e;
	return WN_OK;

outer_fail:
	set_err(err, &r, 0);
	return rv;
prot_fail:
	set_err(err, &pr, base);
	return rv;
}

bool
proto_envelope_verify(const struct proto_envelope *e,
    const uint8_t sender_pk[SEC_SIGN_PK_LEN])
{
	return e != NULL && proto_cose_sign1_verify(&e->cose, sender_pk);
}

wn_err
proto_envelope_open(const struct proto_envelope *e,
    const struct sec_peer_key *key, uint8_t *body, size_t cap,
    size_t *body_len)
{
	size_t plen = e->cose.payload_len, padded, n;

	if (e->h.type == PROTO_MSG_ERROR) {
		if (plen > cap)
			return WN_ETOOBIG;
		if (plen > 0)
			memcpy(body, e->cose.payload, plen);
		*body_len = plen;
		return WN_OK;
	}
	if (key == NULL)
		return WN_EINVAL;
	if (plen < SEC_BOX_OVERHEAD)
		return WN_ECRYPTO;
	padded = plen - SEC_BOX_OVERHEAD;
	if (padded > cap)
		return WN_ETOOBIG;
	if (sec_box_open(key, e->cose.payload, plen, body) != WN_OK ||
	    sec_unpad(body, padded, &n) != WN_OK) {
		sec_wipe(body, padded);
		return WN_ECRYPTO;
	}
	*body_len = n;
	return WN_OK;
}

/* ---- signed objects ------------------------------------------------- */

wn_err
proto_signed_decode(const void *buf, size_t len, uint32_t type,
    struct proto_cose_sign1 *out, struct proto_error *err)
{
	struct proto_reader r, pr;
	struct proto_cose_sign1 m;
	struct hdr_view hv;
	const uint8_t *dlg;
	size_t base = 0, dlg_len;
	wn_err rv;

	if (len >= PROTO_BODY_MAX)
		return too_big(err, "signed object", len, PROTO_BODY_MAX - 1);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_env_decode_outer(&r, &m, &base)) != WN_OK)
		goto outer_fail;
	/* a charter or a matrix may carry the root's delegation of the key
	 * that signed it, {"dlg": bstr} (delegation.h); every other signed
	 * object has an empty unprotected header */
	if (m.unprot_len != 1 && ((type != PROTO_MSG_CHARTER &&
	    type != PROTO_MSG_MATRIX) ||
	    proto_dlg_unprot_parse(m.unprot, m.unprot_len, &dlg, &dlg_len) !=
	    WN_OK)) {
		/* (the same words for a charter or a matrix with a bad
		 * "dlg": PROTOCOL.md says what it may carry) */
		rv = proto_reader_fail(&r, (size_t)(m.unprot - r.buf),
		    "unprotected header must be empty");
		goto outer_fail;
	}
	proto_reader_init(&pr, m.prot, m.prot_len);
	if ((rv = parse_prot(&pr, SIGNED_LABELS, SIGNED_LABELS, &hv)) !=
	    WN_OK)
		goto prot_fail;
	if (hv.t != type) {
		rv = proto_reader_fail(&r, base, "signed %s, expected %s",
		    proto_msg_type_name((uint32_t)hv.t),
		    proto_msg_type_name(type));
		goto outer_fail;
	}
	m.alg = PROTO_COSE_ALG_EDDSA;
	*out = m;
	return WN_OK;
outer_fail:
	set_err(err, &r, 0);
	return rv;
prot_fail:
	set_err(err, &pr, base);
	return rv;
}

/* sign_object appends COSE_Sign1({1: -8, "t": type}, payload) to w. */
static wn_err
sign_object(uint32_t type, const uint8_t *payload, size_t len,
    proto_sign_fn sign, void *ctx, struct proto_writer *w)
{
	uint8_t prot[16];
	struct proto_writer pw;

	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 2);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, PROTO_COSE_ALG_EDDSA);
	proto_write_text(&pw, "t");
	proto_write_uint(&pw, type);
	WN_ASSERT(proto_writer_status(&pw) == WN_OK);
	return proto_cose_sign1_encode(prot, pw.len, NULL, 0, payload, len,
	    sign, ctx, w);
}

/* The COSE_Sign1 around a payload of n bytes, with our protected header,
 * takes at most this many more bytes. */
#define SIGNED_OVERHEAD 96

/* verify_object decodes a signed object and checks its signature. */
static wn_err
verify_object(const void *buf, size_t len, uint32_t type,
    const uint8_t pk[SEC_SIGN_PK_LEN], struct proto_cose_sign1 *m,
    struct proto_error *err)
{
	wn_err rv;

	if ((rv = proto_signed_decode(buf, len, type, m, err)) != WN_OK)
		return rv;
	if (!proto_cose_sign1_verify(m, pk)) {
		if (err != NULL) {
			err->offset = 0;
			snprintf(err->msg, sizeof(err->msg),
			    "bad signature on the %s", proto_msg_type_name(type));
		}
		return WN_ECRYPTO;
	}
	return WN_OK;
}

wn_err
proto_charter_sign(const struct proto_charter *c, proto_sign_fn sign,
    void *ctx, struct proto_writer *w)
{
	struct proto_writer cw;
	wn_err rv;

	if ((rv = proto_writer_init_dynamic(&cw, 4096,
	    PROTO_BODY_MAX - SIGNED_OVERHEAD)) != WN_OK)
		return rv;
	if ((rv = proto_charter_encode(c, &cw)) == WN_OK)
		rv = sign_object(PROTO_MSG_CHARTER, cw.buf, cw.len, sign, ctx,
		    w);
	proto_writer_release(&cw);
	return rv;
}

wn_err
proto_charter_verify_signed(const void *buf, size_t len,
    const uint8_t director_pk[SEC_SIGN_PK_LEN], struct proto_charter *out,
    struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	if ((rv = verify_object(buf, len, PROTO_MSG_CHARTER, director_pk, &m,
	    err)) != WN_OK)
		return rv;
	rv = proto_charter_decode(m.payload, m.payload_len, out, err);
	if (rv != WN_OK && err != NULL)
		err->offset += (size_t)(m.payload - (const uint8_t *)buf);
	return rv;
}

wn_err
proto_head_sign(const struct proto_head *h, proto_sign_fn sign, void *ctx,
    struct proto_writer *w)
{
	uint8_t buf[PROTO_SIGNED_HEAD_MAX];
	struct proto_writer hw;
	wn_err rv;

	proto_writer_init(&hw, buf, sizeof(buf));
	if ((rv = proto_head_encode(h, &hw)) != WN_OK)
		return rv;
	return sign_object(PROTO_MSG_CHAIN_HEAD, buf, hw.len, sign, ctx, w);
}

wn_err
proto_head_verify_signed(const void *buf, size_t len,
    const uint8_t pk[SEC_SIGN_PK_LEN], struct proto_head *out,
    struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	if (len > PROTO_SIGNED_HEAD_MAX)
		return too_big(err, "signed head", len, PROTO_SIGNED_HEAD_MAX);
	if ((rv = verify_object(buf, len, PROTO_MSG_CHAIN_HEAD, pk, &m,
	    err)) != WN_OK)
		return rv;
	rv = proto_head_decode(m.payload, m.payload_len, out, err);
	if (rv != WN_OK && err != NULL)
		err->offset += (size_t)(m.payload - (const uint8_t *)buf);
	return rv;
}
