/*
 * cose.c - COSE_Sign1 (RFC 9052, EdDSA only): the generic decoder, the
 * Sig_structure, signing and checking (see envelope.h and PROTOCOL.md).
 *
 * A COSE_Sign1 is decoded in two steps: the outer array (tag, four items,
 * no trailing bytes), then a second reader walks the protected header's
 * bytes; its error offsets are shifted so they point into the whole input.
 * Signatures are always checked over a Sig_structure rebuilt from the
 * protected bytes exactly as received, never over a re-encoding.
 *
 * The envelope (envelope.c) and the signed objects use the outer walk
 * (proto_env_decode_outer) and the labels (proto_env_read_label) with a
 * stricter parser of their own protected header.
 */
#include "protocol/envelope_int.h"

#include <inttypes.h>
#include <string.h>

#define SIG_LEN SEC_SIG_LEN
#define COSE_TAG 18
/* Sig_structures up to this size are built on the stack. */
#define TBS_STACK 2048

#define set_err proto_error_from
#define too_big proto_error_too_big

/* is_map: buf is exactly one well-formed map. */
static bool
is_map(const uint8_t *buf, size_t len)
{
	struct proto_reader r;
	enum proto_type t;

	proto_reader_init(&r, buf, len);
	return proto_peek_type(&r, &t) == WN_OK && t == PROTO_MAP &&
	    proto_validate(buf, len, len) == WN_OK;
}

/* ---- COSE_Sign1 ----------------------------------------------------- */

/* proto_env_decode_outer reads #6.18([bstr, map, bstr, bstr .size 64])
 * and the end of input; *prot_base is the offset of the protected bytes. */
wn_err
proto_env_decode_outer(struct proto_reader *r, struct proto_cose_sign1 *m,
    size_t *prot_base)
{
	uint64_t tag;
	size_t n, at;
	enum proto_type t;
	wn_err rv;

	memset(m, 0, sizeof(*m));
	at = r->pos;
	if ((rv = proto_read_tag(r, &tag)) != WN_OK)
		return rv;
	if (tag != COSE_TAG)
		return proto_reader_fail(r, at,
		    "tag %" PRIu64 ", expected 18 (COSE_Sign1)", tag);
	at = r->pos;
	if ((rv = proto_read_array(r, &n)) != WN_OK)
		return rv;
	if (n != 4)
		return proto_reader_fail(r, at,
		    "COSE_Sign1 has %zu items, expected 4", n);
	if ((rv = proto_read_bytes(r, &m->prot, &m->prot_len)) != WN_OK)
		return rv;
	*prot_base = r->pos - m->prot_len;
	at = r->pos;
	if ((rv = proto_peek_type(r, &t)) != WN_OK)
		return rv;
	if (t != PROTO_MAP)
		return proto_reader_fail(r, at,
		    "unprotected header is %s, expected map",
		    proto_type_name(t));
	if ((rv = proto_skip(r)) != WN_OK)
		return rv;
	m->unprot = r->buf + at;
	m->unprot_len = r->pos - at;
	at = r->pos;
	if ((rv = proto_peek_type(r, &t)) != WN_OK)
		return rv;
	if (t == PROTO_NULL)
		return proto_reader_fail(r, at, "detached payload (nil) "
		    "not supported");
	if ((rv = proto_read_bytes(r, &m->payload, &m->payload_len)) != WN_OK)
		return rv;
	at = r->pos;
	if ((rv = proto_read_bytes(r, &m->sig, &n)) != WN_OK)
		return rv;
	if (n == 0)
		m->sig = NULL; /* batch-signed: the transfer's manifest signs it */
	else if (n != SIG_LEN)
		return proto_reader_fail(r, at,
		    "signature of %zu bytes, expected 64 (or 0 when batch "
		    "signed)", n);
	return proto_reader_finish(r);
}

/* proto_env_read_label reads a header label: an integer or a text. */
wn_err
proto_env_read_label(struct proto_reader *r, struct proto_env_label *l)
{
	struct proto_item it;
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read(r, &it)) != WN_OK)
		return rv;
	memset(l, 0, sizeof(*l));
	switch (it.type) {
	case PROTO_UINT:
	case PROTO_NEGINT:
		if (it.u > (uint64_t)INT64_MAX)
			return proto_reader_fail(r, at, "label out of range");
		l->i = it.type == PROTO_UINT ? (int64_t)it.u :
		    -1 - (int64_t)it.u;
		return WN_OK;
	case PROTO_TEXT:
		l->text = true;
		l->t = it.data;
		l->len = it.len;
		return WN_OK;
	default:
		return proto_reader_fail(r, at,
		    "header label is %s, expected integer or text",
		    proto_type_name(it.type));
	}
}

static bool
label_eq(const struct proto_env_label *a, const struct proto_env_label *b)
{
	if (a->text != b->text)
		return false;
	if (!a->text)
		return a->i == b->i;
	return a->len == b->len && memcmp(a->t, b->t, a->len) == 0;
}

/* scan_generic_prot walks any protected map: labels unique, alg kept when
 * it is an integer. */
static wn_err
scan_generic_prot(struct proto_reader *r, int64_t *alg)
{
	struct proto_env_label seen[PROTO_COSE_MAX_LABELS];
	enum proto_type t;
	size_t n, at;
	wn_err rv;

	*alg = 0;
	if (r->len == 0)
		return WN_OK; /* the empty protected header */
	at = r->pos;
	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n > PROTO_COSE_MAX_LABELS)
		return proto_reader_fail(r, at,
		    "protected header has %zu labels, at most %d", n,
		    PROTO_COSE_MAX_LABELS);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_env_read_label(r, &seen[i])) != WN_OK)
			return rv;
		for (size_t j = 0; j < i; j++) {
			if (label_eq(&seen[i], &seen[j]))
				return proto_reader_fail(r, at,
				    "duplicate header label");
		}
		at = r->pos;
		if (seen[i].text || seen[i].i != 1) {
			if ((rv = proto_skip(r)) != WN_OK)
				return rv;
			continue;
		}
		if ((rv = proto_peek_type(r, &t)) != WN_OK)
			return rv;
		if (t == PROTO_TEXT) {
			if ((rv = proto_skip(r)) != WN_OK)
				return rv;
		} else if (t == PROTO_UINT || t == PROTO_NEGINT) {
			if ((rv = proto_read_int(r, alg)) != WN_OK)
				return rv;
		} else {
			return proto_reader_fail(r, at,
			    "alg is %s, expected integer or text",
			    proto_type_name(t));
		}
	}
	return proto_reader_finish(r);
}

wn_err
proto_cose_sign1_decode(const void *buf, size_t len,
    struct proto_cose_sign1 *out, struct proto_error *err)
{
	struct proto_reader r, pr;
	struct proto_cose_sign1 m;
	size_t base = 0;
	wn_err rv;

	if (len > PROTO_ENVELOPE_MAX)
		return too_big(err, "COSE_Sign1", len, PROTO_ENVELOPE_MAX);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_env_decode_outer(&r, &m, &base)) != WN_OK) {
		set_err(err, &r, 0);
		return rv;
	}
	proto_reader_init(&pr, m.prot, m.prot_len);
	if ((rv = scan_generic_prot(&pr, &m.alg)) != WN_OK) {
		set_err(err, &pr, base);
		return rv;
	}
	*out = m;
	return WN_OK;
}

static void
write_tbs(const struct proto_cose_sign1 *m, struct proto_writer *w)
{
	proto_write_array(w, 4);
	proto_write_text(w, "Signature1");
	proto_write_bytes(w, m->prot, m->prot_len);
	proto_write_bytes(w, NULL, 0); /* external_aad: none */
	proto_write_bytes(w, m->payload, m->payload_len);
}

static size_t
tbs_size(const struct proto_cose_sign1 *m)
{
	return 1 + 11 + proto_env_bstr_size(m->prot_len) + 1 +
	    proto_env_bstr_size(m->payload_len);
}

wn_err
proto_cose_tbs(const struct proto_cose_sign1 *m, struct proto_writer *w)
{
	write_tbs(m, w);
	return proto_writer_status(w);
}

/* build_tbs writes m's Sig_structure into stack (TBS_STACK bytes) when it
 * fits, else into a heap buffer; the caller releases tw either way. */
static wn_err
build_tbs(const struct proto_cose_sign1 *m, uint8_t *stack,
    struct proto_writer *tw)
{
	size_t size = tbs_size(m);
	wn_err rv;

	if (size <= TBS_STACK)
		proto_writer_init(tw, stack, TBS_STACK);
	else if ((rv = proto_writer_init_dynamic(tw, size, size)) != WN_OK)
		return rv;
	write_tbs(m, tw);
	return proto_writer_status(tw);
}

bool
proto_cose_sign1_verify(const struct proto_cose_sign1 *m,
    const uint8_t pk[SEC_SIGN_PK_LEN])
{
	uint8_t stack[TBS_STACK];
	struct proto_writer tw;
	bool ok = false;

	if (m == NULL || pk == NULL || m->alg != PROTO_COSE_ALG_EDDSA ||
	    m->sig == NULL || (m->prot == NULL && m->prot_len > 0) ||
	    (m->payload == NULL && m->payload_len > 0) ||
	    m->prot_len > PROTO_ENVELOPE_MAX ||
	    m->payload_len > PROTO_ENVELOPE_MAX)
		return false;
	if (build_tbs(m, stack, &tw) == WN_OK)
		ok = sec_verify(pk, tw.buf, tw.len, m->sig);
	proto_writer_release(&tw);
	return ok;
}

wn_err
proto_cose_sign1_encode(const uint8_t *prot, size_t prot_len,
    const uint8_t *unprot_cbor, size_t unprot_len, const uint8_t *payload,
    size_t payload_len, proto_sign_fn sign, void *ctx, struct proto_writer *w)
{
	static const uint8_t empty_map[1] = {0xa0};
	uint8_t stack[TBS_STACK], sig[SIG_LEN];
	struct proto_cose_sign1 m;
	struct proto_writer tw;
	wn_err rv;

	if (w == NULL || (prot == NULL && prot_len > 0) ||
	    (payload == NULL && payload_len > 0))
		return WN_EINVAL;
	if (unprot_cbor == NULL) {
		unprot_cbor = empty_map;
		unprot_len = sizeof(empty_map);
	}
	if (prot_len > PROTO_ENVELOPE_MAX || unprot_len > PROTO_ENVELOPE_MAX ||
	    payload_len > PROTO_ENVELOPE_MAX ||
	    2 + proto_env_bstr_size(prot_len) + unprot_len +
	            proto_env_bstr_size(payload_len) +
	            proto_env_bstr_size(SIG_LEN) > PROTO_ENVELOPE_MAX)
		return WN_ETOOBIG;
	if ((prot_len > 0 && !is_map(prot, prot_len)) ||
	    !is_map(unprot_cbor, unprot_len))
		return WN_EINVAL;

	memset(&m, 0, sizeof(m));
	m.prot = prot;
	m.prot_len = prot_len;
	m.payload = payload;
	m.payload_len = payload_len;
	/* no signer: batch signed, the signature is left empty and the
	 * transfer's manifest signs the envelope's hash instead */
	if (sign != NULL) {
		rv = build_tbs(&m, stack, &tw);
		if (rv == WN_OK)
			rv = sign(ctx, tw.buf, tw.len, sig);
		proto_writer_release(&tw);
		if (rv != WN_OK)
			return rv;
	}

	proto_write_tag(w, COSE_TAG);
	proto_write_array(w, 4);
	proto_write_bytes(w, prot, prot_len);
	proto_write_raw(w, unprot_cbor, unprot_len);
	proto_write_bytes(w, payload, payload_len);
	proto_write_bytes(w, sig, sign != NULL ? SIG_LEN : 0);
	return proto_writer_status(w);
}
