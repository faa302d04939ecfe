/*
 * envelope.c - the signed and encrypted envelope and message bodies (see
 * envelope.h and PROTOCOL.md); COSE_Sign1 is in cose.c, transfers in
 * transfer.c.
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
 *
 * Small body decoders fill a local struct and copy it out on success; the
 * charter (140 KiB) is walked twice instead, first to check, then to fill.
 */
#include "protocol/envelope_int.h"

#include <inttypes.h>
#include <string.h>

/* The largest envelope protected header is 264 bytes. */
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

static const char *const roles[] = {"municipality", "police",
    "community_guards", "outreach", "welfare", "housing", "youth_work",
    "mediation"};

bool
proto_role_valid(const char *s, size_t len)
{
	for (size_t i = 0; s != NULL && i < WN_ARRAY_LEN(roles); i++) {
		if (strlen(roles[i]) == len && memcmp(roles[i], s, len) == 0)
			return true;
	}
	return false;
}

/* name_valid: 1..127 bytes of UTF-8 without control characters. */
static bool
name_valid(const char *s, size_t len)
{
	if (len < 1 || len > PROTO_NAME_MAX ||
	    !proto_utf8_valid((const uint8_t *)s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* endpoint_valid: tcp://REST or tls+tcp://REST, printable ASCII, no
 * spaces, at most 255 bytes. */
static bool
endpoint_valid(const char *s, size_t len)
{
	size_t pre;

	if (len > PROTO_ENDPOINT_MAX)
		return false;
	if (len > 6 && memcmp(s, "tcp://", 6) == 0)
		pre = 6;
	else if (len > 10 && memcmp(s, "tls+tcp://", 10) == 0)
		pre = 10;
	else
		return false;
	for (size_t i = pre; i < len; i++) {
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	}
	return true;
}

/* reason_valid: at most 255 bytes of UTF-8 without NUL. */
static bool
reason_valid(const char *s, size_t len)
{
	return len <= PROTO_REASON_MAX && memchr(s, '\0', len) == NULL &&
	    proto_utf8_valid((const uint8_t *)s, len);
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
	L_COUNT
};

#define BIT(l) (1u << (l))
#define ENV_LABELS ((1u << L_COUNT) - 1)
#define ENV_REQUIRED (ENV_LABELS & ~BIT(L_TP))
#define SIGNED_LABELS (BIT(L_ALG) | BIT(L_T))

/* Text labels by index; alg is the integer label 1. */
static const char *const label_names[L_COUNT] = {"1", "v", "t", "from",
    "to", "id", "ts", "seq", "mv", "tp"};

struct hdr_view {
	uint64_t v, t, seq, mv;
	int64_t ts;
	struct proto_env_slice from, to, tp;
	const uint8_t *id;
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
};

const char *
proto_msg_type_name(uint32_t t)
{
	if (t < 1 || t >= WN_ARRAY_LEN(type_names))
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
	    proto_org_id_valid(h->from, PROTO_ENV_CSTR_LEN(h->from)) &&
	    proto_org_id_valid(h->to, PROTO_ENV_CSTR_LEN(h->to)) &&
	    (tp == 0 || proto_traceparent_valid(h->tp, tp));
}

/* write_header writes the protected map in the fixed order of PROTOCOL.md:
 * 1, "v", "t", "from", "to", "id", "ts", "seq", "mv", ["tp"]. */
static void
write_header(struct proto_writer *w, const struct proto_env_header *h)
{
	bool tp = h->tp[0] != '\0';

	proto_write_map(w, tp ? 10 : 9);
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

/* ---- bodies --------------------------------------------------------- */

/* read_key reads a map key: a uint in 1..max, not seen before. */
static wn_err
read_key(struct proto_reader *r, uint64_t max, uint64_t *seen, uint64_t *key)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_uint(r, key)) != WN_OK)
		return rv;
	if (*key < 1 || *key > max)
		return proto_reader_fail(r, at, "unknown key %" PRIu64, *key);
	if (!proto_keyset_add(seen, *key))
		return proto_reader_fail(r, at, "duplicate key %" PRIu64,
		    *key);
	return WN_OK;
}

/* read_map_header reads a map of at most max entries. */
static wn_err
read_map_header(struct proto_reader *r, size_t max, size_t *n)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_map(r, n)) != WN_OK)
		return rv;
	if (*n > max)
		return proto_reader_fail(r, at, "map of %zu keys, at most %zu",
		    *n, max);
	return WN_OK;
}

/* need_keys fails unless every key in mask (bit k = key k) was seen. */
static wn_err
need_keys(struct proto_reader *r, size_t at, uint64_t seen, uint64_t mask)
{
	uint64_t missing = mask & ~seen;
	unsigned k = 0;

	if (missing == 0)
		return WN_OK;
	while (!(missing & (UINT64_C(1) << k)))
		k++;
	return proto_reader_fail(r, at, "missing key %u", k);
}

#define KEYS(n) (((UINT64_C(1) << ((n) + 1)) - 1) & ~UINT64_C(1))

static wn_err
read_code(struct proto_reader *r, uint32_t *code)
{
	size_t at = r->pos;
	uint64_t v;
	wn_err rv;

	if ((rv = proto_read_uint(r, &v)) != WN_OK)
		return rv;
	if (v > PROTO_CODE_MAX)
		return proto_reader_fail(r, at, "code %" PRIu64 " above %d", v,
		    PROTO_CODE_MAX);
	*code = (uint32_t)v;
	return WN_OK;
}

static wn_err
read_reason(struct proto_reader *r, char *dst)
{
	struct proto_env_slice s;
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_text(r, &s.p, &s.len)) != WN_OK)
		return rv;
	if (s.len > PROTO_REASON_MAX)
		return proto_reader_fail(r, at, "reason of %zu bytes, at most "
		    "%d", s.len, PROTO_REASON_MAX);
	proto_env_copy_slice(dst, &s);
	return WN_OK;
}

/* body_reader caps a body's size and points r at it. */
static wn_err
body_reader(struct proto_reader *r, const void *buf, size_t len,
    struct proto_error *err)
{
	if (len >= PROTO_BODY_MAX)
		return too_big(err, "body", len, PROTO_BODY_MAX - 1);
	proto_reader_init(r, buf, len);
	return WN_OK;
}

static wn_err
body_done(wn_err rv, const struct proto_reader *r, struct proto_error *err)
{
	if (rv != WN_OK)
		set_err(err, r, 0);
	return rv;
}

wn_err
proto_errbody_encode(const struct proto_errbody *b, struct proto_writer *w)
{
	size_t rl = PROTO_ENV_CSTR_LEN(b->reason);

	if (b->code > PROTO_CODE_MAX || !PROTO_ENV_CSTR_OK(b->reason) ||
	    !reason_valid(b->reason, rl))
		return WN_EINVAL;
	proto_write_map(w, b->has_id ? 3 : 2);
	proto_write_uint(w, 1);
	proto_write_uint(w, b->code);
	proto_write_uint(w, 2);
	proto_write_textn(w, b->reason, rl);
	if (b->has_id) {
		proto_write_uint(w, 3);
		proto_write_bytes(w, b->id, PROTO_ID_LEN);
	}
	return proto_writer_status(w);
}

static wn_err
decode_errbody(struct proto_reader *r, struct proto_errbody *b)
{
	uint64_t seen = 0, key;
	size_t n;
	wn_err rv;

	if ((rv = read_map_header(r, 3, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 3, &seen, &key)) != WN_OK)
			return rv;
		if (key == 1)
			rv = read_code(r, &b->code);
		else if (key == 2)
			rv = read_reason(r, b->reason);
		else
			rv = proto_read_bytes_exact(r, b->id, PROTO_ID_LEN);
		if (rv != WN_OK)
			return rv;
	}
	b->has_id = (seen & (UINT64_C(1) << 3)) != 0;
	if ((rv = need_keys(r, 0, seen, KEYS(2))) != WN_OK)
		return rv;
	return proto_reader_finish(r);
}

wn_err
proto_errbody_decode(const void *buf, size_t len, struct proto_errbody *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_errbody b;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	memset(&b, 0, sizeof(b));
	if ((rv = decode_errbody(&r, &b)) == WN_OK)
		*out = b;
	return body_done(rv, &r, err);
}

wn_err
proto_receipt_encode(const struct proto_receipt *rc, struct proto_writer *w)
{
	const struct proto_refusal *f;

	if (rc->naccepted > PROTO_RECEIPT_MAX ||
	    rc->nrefused > PROTO_RECEIPT_MAX)
		return WN_EINVAL;
	for (size_t i = 0; i < rc->nrefused; i++) {
		f = &rc->refused[i];
		if (f->code > PROTO_CODE_MAX || !PROTO_ENV_CSTR_OK(f->reason) ||
		    !reason_valid(f->reason, PROTO_ENV_CSTR_LEN(f->reason)))
			return WN_EINVAL;
	}
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_array(w, rc->naccepted);
	for (size_t i = 0; i < rc->naccepted; i++)
		proto_write_bytes(w, rc->accepted[i], PROTO_ID_LEN);
	proto_write_uint(w, 2);
	proto_write_array(w, rc->nrefused);
	for (size_t i = 0; i < rc->nrefused; i++) {
		f = &rc->refused[i];
		proto_write_array(w, 3);
		proto_write_bytes(w, f->id, PROTO_ID_LEN);
		proto_write_uint(w, f->code);
		proto_write_text(w, f->reason);
	}
	return proto_writer_status(w);
}

static wn_err
read_list(struct proto_reader *r, size_t *n, const char *what)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_array(r, n)) != WN_OK)
		return rv;
	if (*n > PROTO_RECEIPT_MAX)
		return proto_reader_fail(r, at, "%zu %s ids, at most %d", *n,
		    what, PROTO_RECEIPT_MAX);
	return WN_OK;
}

static wn_err
read_refusal(struct proto_reader *r, struct proto_refusal *f)
{
	size_t at = r->pos, n;
	wn_err rv;

	if ((rv = proto_read_array(r, &n)) != WN_OK)
		return rv;
	if (n != 3)
		return proto_reader_fail(r, at,
		    "refusal has %zu items, expected 3", n);
	if ((rv = proto_read_bytes_exact(r, f->id, PROTO_ID_LEN)) != WN_OK ||
	    (rv = read_code(r, &f->code)) != WN_OK)
		return rv;
	return read_reason(r, f->reason);
}

static wn_err
decode_receipt(struct proto_reader *r, struct proto_receipt *rc)
{
	uint64_t seen = 0, key;
	size_t n, m;
	wn_err rv;

	if ((rv = read_map_header(r, 2, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 2, &seen, &key)) != WN_OK)
			return rv;
		if ((rv = read_list(r, &m, key == 1 ? "accepted" :
		    "refused")) != WN_OK)
			return rv;
		for (size_t j = 0; j < m; j++) {
			rv = key == 1 ? proto_read_bytes_exact(r,
			    rc->accepted[j], PROTO_ID_LEN) :
			    read_refusal(r, &rc->refused[j]);
			if (rv != WN_OK)
				return rv;
		}
		if (key == 1)
			rc->naccepted = m;
		else
			rc->nrefused = m;
	}
	if ((rv = need_keys(r, 0, seen, KEYS(2))) != WN_OK)
		return rv;
	return proto_reader_finish(r);
}

wn_err
proto_receipt_decode(const void *buf, size_t len, struct proto_receipt *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_receipt rc;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	memset(&rc, 0, sizeof(rc));
	if ((rv = decode_receipt(&r, &rc)) == WN_OK)
		*out = rc;
	return body_done(rv, &r, err);
}

wn_err
proto_data_encode(const void *payload, size_t len, struct proto_writer *w)
{
	if (len > PROTO_DATA_MAX || (payload == NULL && len > 0))
		return WN_EINVAL;
	proto_write_map(w, 1);
	proto_write_uint(w, 1);
	proto_write_bytes(w, payload, len);
	return proto_writer_status(w);
}

static wn_err
decode_data(struct proto_reader *r, struct proto_data *d)
{
	uint64_t seen = 0, key;
	size_t n, at;
	wn_err rv;

	if ((rv = read_map_header(r, 1, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 1, &seen, &key)) != WN_OK)
			return rv;
		at = r->pos;
		if ((rv = proto_read_bytes(r, &d->payload, &d->len)) != WN_OK)
			return rv;
		if (d->len > PROTO_DATA_MAX)
			return proto_reader_fail(r, at, "data of %zu bytes, at "
			    "most %u", d->len, PROTO_DATA_MAX);
	}
	if ((rv = need_keys(r, 0, seen, KEYS(1))) != WN_OK)
		return rv;
	return proto_reader_finish(r);
}

wn_err
proto_data_decode(const void *buf, size_t len, struct proto_data *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_data d = {0};
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	if ((rv = decode_data(&r, &d)) == WN_OK)
		*out = d;
	return body_done(rv, &r, err);
}

/* ---- the charter ---------------------------------------------------- */

static bool
member_ok(const struct proto_member *m)
{
	return PROTO_ENV_CSTR_OK(m->org) && PROTO_ENV_CSTR_OK(m->name) &&
	    PROTO_ENV_CSTR_OK(m->role) && PROTO_ENV_CSTR_OK(m->endpoint) &&
	    proto_org_id_valid(m->org, PROTO_ENV_CSTR_LEN(m->org)) &&
	    name_valid(m->name, PROTO_ENV_CSTR_LEN(m->name)) &&
	    proto_role_valid(m->role, PROTO_ENV_CSTR_LEN(m->role)) &&
	    endpoint_valid(m->endpoint, PROTO_ENV_CSTR_LEN(m->endpoint));
}

wn_err
proto_charter_encode(const struct proto_charter *c, struct proto_writer *w)
{
	const struct proto_member *m;

	if (c->version < 1 || !PROTO_ENV_CSTR_OK(c->federation) ||
	    !proto_org_id_valid(c->federation,
	        PROTO_ENV_CSTR_LEN(c->federation)) ||
	    c->nmembers < 1 || c->nmembers > PROTO_CHARTER_MAX_MEMBERS)
		return WN_EINVAL;
	for (size_t i = 0; i < c->nmembers; i++) {
		if (!member_ok(&c->members[i]))
			return WN_EINVAL;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->members[i].org, c->members[j].org) == 0)
				return WN_EINVAL;
		}
	}
	proto_write_map(w, 4);
	proto_write_uint(w, 1);
	proto_write_uint(w, c->version);
	proto_write_uint(w, 2);
	proto_write_text(w, c->federation);
	proto_write_uint(w, 3);
	proto_write_int(w, c->issued_ms);
	proto_write_uint(w, 4);
	proto_write_array(w, c->nmembers);
	for (size_t i = 0; i < c->nmembers; i++) {
		m = &c->members[i];
		proto_write_map(w, 7);
		proto_write_uint(w, 1);
		proto_write_text(w, m->org);
		proto_write_uint(w, 2);
		proto_write_text(w, m->name);
		proto_write_uint(w, 3);
		proto_write_text(w, m->role);
		proto_write_uint(w, 4);
		proto_write_text(w, m->endpoint);
		proto_write_uint(w, 5);
		proto_write_bytes(w, m->sign_pk, SEC_SIGN_PK_LEN);
		proto_write_uint(w, 6);
		proto_write_bytes(w, m->kx_pk, SEC_KX_PK_LEN);
		proto_write_uint(w, 7);
		proto_write_bool(w, m->directs);
	}
	return proto_writer_status(w);
}

/* read_checked_text reads a text that valid() accepts; what names it. */
static wn_err
read_checked_text(struct proto_reader *r, bool (*valid)(const char *, size_t),
    const char *what, struct proto_env_slice *s)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_text(r, &s->p, &s->len)) != WN_OK)
		return rv;
	if (!valid(s->p, s->len))
		return proto_reader_fail(r, at, "invalid %s", what);
	return WN_OK;
}

/* decode_member checks one member; with fill it also copies it there. */
static wn_err
decode_member(struct proto_reader *r, struct proto_member *fill,
    struct proto_env_slice *org)
{
	uint8_t scratch[SEC_SIGN_PK_LEN];
	uint64_t seen = 0, key;
	struct proto_env_slice s;
	size_t n, start = r->pos;
	bool b;
	wn_err rv;

	if ((rv = read_map_header(r, 7, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 7, &seen, &key)) != WN_OK)
			return rv;
		switch (key) {
		case 1:
			rv = read_checked_text(r, proto_org_id_valid,
			    "member org id", org);
			if (rv == WN_OK && fill != NULL)
				proto_env_copy_slice(fill->org, org);
			break;
		case 2:
			rv = read_checked_text(r, name_valid, "member name",
			    &s);
			if (rv == WN_OK && fill != NULL)
				proto_env_copy_slice(fill->name, &s);
			break;
		case 3:
			rv = read_checked_text(r, proto_role_valid, "role", &s);
			if (rv == WN_OK && fill != NULL)
				proto_env_copy_slice(fill->role, &s);
			break;
		case 4:
			rv = read_checked_text(r, endpoint_valid, "endpoint",
			    &s);
			if (rv == WN_OK && fill != NULL)
				proto_env_copy_slice(fill->endpoint, &s);
			break;
		case 5:
		case 6:
			rv = proto_read_bytes_exact(r, fill == NULL ? scratch :
			    key == 5 ? fill->sign_pk : fill->kx_pk,
			    SEC_SIGN_PK_LEN);
			break;
		default:
			rv = proto_read_bool(r, &b);
			if (rv == WN_OK && fill != NULL)
				fill->directs = b;
			break;
		}
		if (rv != WN_OK)
			return rv;
	}
	return need_keys(r, start, seen, KEYS(7));
}

/* decode_charter checks a whole charter (fill NULL) or fills one. */
static wn_err
decode_charter(struct proto_reader *r, struct proto_charter *fill)
{
	struct proto_env_slice orgs[PROTO_CHARTER_MAX_MEMBERS], s;
	uint64_t seen = 0, key, version;
	int64_t issued;
	size_t n, m, at;
	wn_err rv;

	if ((rv = read_map_header(r, 4, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 4, &seen, &key)) != WN_OK)
			return rv;
		at = r->pos;
		switch (key) {
		case 1:
			if ((rv = proto_read_uint(r, &version)) != WN_OK)
				return rv;
			if (version < 1)
				return proto_reader_fail(r, at,
				    "charter version 0");
			if (fill != NULL)
				fill->version = version;
			break;
		case 2:
			if ((rv = read_checked_text(r, proto_org_id_valid,
			    "federation id", &s)) != WN_OK)
				return rv;
			if (fill != NULL)
				proto_env_copy_slice(fill->federation, &s);
			break;
		case 3:
			if ((rv = proto_read_int(r, &issued)) != WN_OK)
				return rv;
			if (fill != NULL)
				fill->issued_ms = issued;
			break;
		default:
			if ((rv = proto_read_array(r, &m)) != WN_OK)
				return rv;
			if (m < 1 || m > PROTO_CHARTER_MAX_MEMBERS)
				return proto_reader_fail(r, at, "%zu members, "
				    "expected 1..%d", m,
				    PROTO_CHARTER_MAX_MEMBERS);
			for (size_t j = 0; j < m; j++) {
				at = r->pos;
				if ((rv = decode_member(r, fill == NULL ? NULL :
				    &fill->members[j], &orgs[j])) != WN_OK)
					return rv;
				for (size_t k = 0; k < j; k++) {
					if (orgs[k].len == orgs[j].len &&
					    memcmp(orgs[k].p, orgs[j].p,
					        orgs[j].len) == 0)
						return proto_reader_fail(r, at,
						    "duplicate member %.*s",
						    (int)orgs[j].len,
						    orgs[j].p);
				}
			}
			if (fill != NULL)
				fill->nmembers = m;
			break;
		}
	}
	if ((rv = need_keys(r, 0, seen, KEYS(4))) != WN_OK)
		return rv;
	return proto_reader_finish(r);
}

wn_err
proto_charter_decode(const void *buf, size_t len, struct proto_charter *out,
    struct proto_error *err)
{
	struct proto_reader r;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	if ((rv = decode_charter(&r, NULL)) != WN_OK)
		return body_done(rv, &r, err);
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = decode_charter(&r, out);
	WN_ASSERT(rv == WN_OK); /* the same bytes passed a moment ago */
	return WN_OK;
}

/* ---- chain heads ---------------------------------------------------- */

wn_err
proto_head_encode(const struct proto_head *h, struct proto_writer *w)
{
	if (!PROTO_ENV_CSTR_OK(h->org) ||
	    !proto_org_id_valid(h->org, PROTO_ENV_CSTR_LEN(h->org)))
		return WN_EINVAL;
	proto_write_map(w, 4);
	proto_write_uint(w, 1);
	proto_write_text(w, h->org);
	proto_write_uint(w, 2);
	proto_write_uint(w, h->seq);
	proto_write_uint(w, 3);
	proto_write_bytes(w, h->hash, SEC_HASH_LEN);
	proto_write_uint(w, 4);
	proto_write_int(w, h->time_ms);
	return proto_writer_status(w);
}

static wn_err
decode_head(struct proto_reader *r, struct proto_head *h)
{
	uint64_t seen = 0, key;
	struct proto_env_slice s;
	size_t n;
	wn_err rv;

	if ((rv = read_map_header(r, 4, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 4, &seen, &key)) != WN_OK)
			return rv;
		if (key == 1) {
			rv = proto_env_read_org(r, &s, "org");
			if (rv == WN_OK)
				proto_env_copy_slice(h->org, &s);
		} else if (key == 2) {
			rv = proto_read_uint(r, &h->seq);
		} else if (key == 3) {
			rv = proto_read_bytes_exact(r, h->hash, SEC_HASH_LEN);
		} else {
			rv = proto_read_int(r, &h->time_ms);
		}
		if (rv != WN_OK)
			return rv;
	}
	if ((rv = need_keys(r, 0, seen, KEYS(4))) != WN_OK)
		return rv;
	return proto_reader_finish(r);
}

wn_err
proto_head_decode(const void *buf, size_t len, struct proto_head *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_head h;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	memset(&h, 0, sizeof(h));
	if ((rv = decode_head(&r, &h)) == WN_OK)
		*out = h;
	return body_done(rv, &r, err);
}

wn_err
proto_head_query_encode(const struct proto_head_query *q,
    struct proto_writer *w)
{
	if (!PROTO_ENV_CSTR_OK(q->org) ||
	    !proto_org_id_valid(q->org, PROTO_ENV_CSTR_LEN(q->org)))
		return WN_EINVAL;
	proto_write_map(w, 1);
	proto_write_uint(w, 1);
	proto_write_text(w, q->org);
	return proto_writer_status(w);
}

wn_err
proto_head_query_decode(const void *buf, size_t len,
    struct proto_head_query *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, key;
	struct proto_env_slice s = {0};
	size_t n;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	if ((rv = read_map_header(&r, 1, &n)) != WN_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(&r, 1, &seen, &key)) != WN_OK ||
		    (rv = proto_env_read_org(&r, &s, "org")) != WN_OK)
			goto out;
	}
	if ((rv = need_keys(&r, 0, seen, KEYS(1))) != WN_OK ||
	    (rv = proto_reader_finish(&r)) != WN_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	proto_env_copy_slice(out->org, &s);
out:
	return body_done(rv, &r, err);
}

wn_err
proto_head_answer_encode(const void *signed_head, size_t len,
    struct proto_writer *w)
{
	if (signed_head != NULL && (len < 1 || len > PROTO_SIGNED_HEAD_MAX))
		return WN_EINVAL;
	proto_write_map(w, 1);
	proto_write_uint(w, 1);
	if (signed_head == NULL)
		proto_write_null(w);
	else
		proto_write_bytes(w, signed_head, len);
	return proto_writer_status(w);
}

wn_err
proto_head_answer_decode(const void *buf, size_t len,
    struct proto_head_answer *out, struct proto_error *err)
{
	struct proto_reader r;
	struct proto_head_answer a = {0};
	enum proto_type t;
	uint64_t seen = 0, key;
	size_t n, at;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	if ((rv = read_map_header(&r, 1, &n)) != WN_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(&r, 1, &seen, &key)) != WN_OK ||
		    (rv = proto_peek_type(&r, &t)) != WN_OK)
			goto out;
		at = r.pos;
		if (t == PROTO_NULL) {
			if ((rv = proto_skip(&r)) != WN_OK)
				goto out;
			continue;
		}
		if ((rv = proto_read_bytes(&r, &a.signed_head, &a.len)) !=
		    WN_OK)
			goto out;
		if (a.len < 1 || a.len > PROTO_SIGNED_HEAD_MAX) {
			rv = proto_reader_fail(&r, at, "signed head of %zu "
			    "bytes, expected 1..%d", a.len,
			    PROTO_SIGNED_HEAD_MAX);
			goto out;
		}
	}
	if ((rv = need_keys(&r, 0, seen, KEYS(1))) != WN_OK ||
	    (rv = proto_reader_finish(&r)) != WN_OK)
		goto out;
	*out = a;
out:
	return body_done(rv, &r, err);
}

/* ---- signed objects ------------------------------------------------- */

wn_err
proto_signed_decode(const void *buf, size_t len, uint32_t type,
    struct proto_cose_sign1 *out, struct proto_error *err)
{
	struct proto_reader r, pr;
	struct proto_cose_sign1 m;
	struct hdr_view hv;
	size_t base = 0;
	wn_err rv;

	if (len >= PROTO_BODY_MAX)
		return too_big(err, "signed object", len, PROTO_BODY_MAX - 1);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_env_decode_outer(&r, &m, &base)) != WN_OK)
		goto outer_fail;
	if (m.unprot_len != 1) {
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
