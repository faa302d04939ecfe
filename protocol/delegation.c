/*
 * delegation.c - the federation root's delegations and revocations, and
 * the delegation a signed charter or matrix carries (delegation.h,
 * PROTOCOL.md "The federation root").
 */
#include "protocol/delegation.h"

#include <inttypes.h>
#include <string.h>

#include "protocol/envelope_int.h"

#define set_err proto_error_from
#define too_big proto_error_too_big
#define DLG_LABEL "dlg"

/* ---- the payloads --------------------------------------------------- */

static bool
fed_ok(const char *f, size_t cap)
{
	size_t l = strnlen(f, cap);
	return l < cap && proto_org_id_valid(f, l);
}

static bool
delegation_ok(const struct proto_delegation *d)
{
	return fed_ok(d->federation, sizeof(d->federation)) &&
	    d->serial >= 1 && d->from_ms >= 0 && d->until_ms > d->from_ms;
}

static bool
revocation_ok(const struct proto_revocation *r)
{
	return fed_ok(r->federation, sizeof(r->federation)) &&
	    r->serial >= 1 && r->revoked_ms >= 0;
}

wn_err
proto_delegation_encode(const struct proto_delegation *d,
    struct proto_writer *w)
{
	if (!delegation_ok(d))
		return WN_EINVAL;
	proto_write_map(w, 5);
	proto_write_uint(w, 1);
	proto_write_text(w, d->federation);
	proto_write_uint(w, 2);
	proto_write_uint(w, d->serial);
	proto_write_uint(w, 3);
	proto_write_bytes(w, d->key, sizeof(d->key));
	proto_write_uint(w, 4);
	proto_write_int(w, d->from_ms);
	proto_write_uint(w, 5);
	proto_write_int(w, d->until_ms);
	return proto_writer_status(w);
}

wn_err
proto_revocation_encode(const struct proto_revocation *r,
    struct proto_writer *w)
{
	if (!revocation_ok(r))
		return WN_EINVAL;
	proto_write_map(w, 3);
	proto_write_uint(w, 1);
	proto_write_text(w, r->federation);
	proto_write_uint(w, 2);
	proto_write_uint(w, r->serial);
	proto_write_uint(w, 3);
	proto_write_int(w, r->revoked_ms);
	return proto_writer_status(w);
}

/* read_head reads the map header: exactly n keys (all are required). */
static wn_err
read_head(struct proto_reader *r, size_t want)
{
	size_t n, at = r->pos;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n != want)
		return proto_reader_fail(r, at, "map of %zu keys, expected %zu",
		    n, want);
	return WN_OK;
}

/* read_fed reads key 1, the federation id, into dst. */
static wn_err
read_fed(struct proto_reader *r, char dst[PROTO_ORG_ID_MAX + 1])
{
	struct proto_env_slice s;
	wn_err rv;

	if ((rv = proto_env_read_org(r, &s, "federation")) != WN_OK)
		return rv;
	proto_env_copy_slice(dst, &s);
	return WN_OK;
}

/* read_serial reads a serial, >= 1. */
static wn_err
read_serial(struct proto_reader *r, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_uint(r, out)) != WN_OK)
		return rv;
	if (*out < 1 || *out > (uint64_t)INT64_MAX)
		return proto_reader_fail(r, at, "serial %" PRIu64 " out of "
		    "range", *out);
	return WN_OK;
}

/* read_time reads a time in ms, >= 0. */
static wn_err
read_time(struct proto_reader *r, int64_t *out)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_int(r, out)) != WN_OK)
		return rv;
	if (*out < 0)
		return proto_reader_fail(r, at, "negative time");
	return WN_OK;
}

wn_err
proto_delegation_decode(const void *buf, size_t len,
    struct proto_delegation *out, struct proto_error *err)
{
	struct proto_reader r;
	struct proto_delegation d;
	uint64_t last = 0, key;
	size_t at;
	wn_err rv;

	if (len > PROTO_SIGNED_DELEGATION_MAX)
		return too_big(err, "delegation", len,
		    PROTO_SIGNED_DELEGATION_MAX);
	memset(&d, 0, sizeof(d));
	proto_reader_init(&r, buf, len);
	if ((rv = read_head(&r, 5)) != WN_OK)
		goto out;
	for (int i = 0; i < 5; i++) {
		if ((rv = proto_read_key(&r, 0x3e, &last, NULL, &key)) != WN_OK)
			goto out;
		switch (key) {
		case 1:
			rv = read_fed(&r, d.federation);
			break;
		case 2:
			rv = read_serial(&r, &d.serial);
			break;
		case 3:
			rv = proto_read_bytes_exact(&r, d.key, sizeof(d.key));
			break;
		case 4:
			rv = read_time(&r, &d.from_ms);
			break;
		default:
			at = r.pos;
			if ((rv = read_time(&r, &d.until_ms)) == WN_OK &&
			    d.until_ms <= d.from_ms)
				rv = proto_reader_fail(&r, at, "valid until "
				    "is not after valid from");
			break;
		}
		if (rv != WN_OK)
			goto out;
	}
	if ((rv = proto_reader_finish(&r)) == WN_OK)
		*out = d;
out:
	if (rv != WN_OK)
		set_err(err, &r, 0);
	return rv;
}

wn_err
proto_revocation_decode(const void *buf, size_t len,
    struct proto_revocation *out, struct proto_error *err)
{
	struct proto_reader r;
	struct proto_revocation v;
	uint64_t last = 0, key;
	wn_err rv;

	if (len > PROTO_SIGNED_REVOCATION_MAX)
		return too_big(err, "revocation", len,
		    PROTO_SIGNED_REVOCATION_MAX);
	memset(&v, 0, sizeof(v));
	proto_reader_init(&r, buf, len);
	if ((rv = read_head(&r, 3)) != WN_OK)
		goto out;
	for (int i = 0; i < 3; i++) {
		if ((rv = proto_read_key(&r, 0x0e, &last, NULL, &key)) != WN_OK)
			goto out;
		if (key == 1)
			rv = read_fed(&r, v.federation);
		else if (key == 2)
			rv = read_serial(&r, &v.serial);
		else
			rv = read_time(&r, &v.revoked_ms);
		if (rv != WN_OK)
			goto out;
	}
	if ((rv = proto_reader_finish(&r)) == WN_OK)
		*out = v;
out:
	if (rv != WN_OK)
		set_err(err, &r, 0);
	return rv;
}

wn_err
proto_doc_hash_encode(const struct proto_doc_hash *h, struct proto_writer *w)
{
	if ((h->type != PROTO_MSG_CHARTER && h->type != PROTO_MSG_MATRIX) ||
	    h->version < 1 || h->version > (uint64_t)INT64_MAX)
		return WN_EINVAL;
	proto_write_map(w, 3);
	proto_write_uint(w, 1);
	proto_write_uint(w, h->type);
	proto_write_uint(w, 2);
	proto_write_uint(w, h->version);
	proto_write_uint(w, 3);
	proto_write_bytes(w, h->hash, sizeof(h->hash));
	return proto_writer_status(w);
}

wn_err
proto_doc_hash_decode(const void *buf, size_t len, struct proto_doc_hash *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_doc_hash h;
	uint64_t last = 0, key, t;
	size_t at;
	wn_err rv;

	if (len > 64)
		return too_big(err, "doc_hash", len, 64);
	memset(&h, 0, sizeof(h));
	proto_reader_init(&r, buf, len);
	if ((rv = read_head(&r, 3)) != WN_OK)
		goto out;
	for (int i = 0; i < 3; i++) {
		if ((rv = proto_read_key(&r, 0x0e, &last, NULL, &key)) != WN_OK)
			goto out;
		at = r.pos;
		if (key == 1) {
			if ((rv = proto_read_uint(&r, &t)) == WN_OK &&
			    t != PROTO_MSG_CHARTER && t != PROTO_MSG_MATRIX)
				rv = proto_reader_fail(&r, at, "type %" PRIu64
				    ", expected 4 (charter) or 8 (matrix)", t);
			h.type = (uint32_t)t;
		} else if (key == 2) {
			rv = read_serial(&r, &h.version);
		} else {
			rv = proto_read_bytes_exact(&r, h.hash, sizeof(h.hash));
		}
		if (rv != WN_OK)
			goto out;
	}
	if ((rv = proto_reader_finish(&r)) == WN_OK)
		*out = h;
out:
	if (rv != WN_OK)
		set_err(err, &r, 0);
	return rv;
}

/* ---- signing and checking ------------------------------------------- */

static wn_err
sign_payload(uint32_t type, const uint8_t *payload, size_t len,
    proto_sign_fn sign, void *ctx, struct proto_writer *w)
{
	uint8_t prot[16];
	struct proto_writer pw;

	if (sign == NULL)
		return WN_EINVAL;
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

wn_err
proto_delegation_sign(const struct proto_delegation *d, proto_sign_fn sign,
    void *ctx, struct proto_writer *w)
{
	uint8_t buf[PROTO_SIGNED_DELEGATION_MAX];
	struct proto_writer dw;
	wn_err rv;

	proto_writer_init(&dw, buf, sizeof(buf));
	if ((rv = proto_delegation_encode(d, &dw)) != WN_OK)
		return rv;
	return sign_payload(PROTO_MSG_DELEGATION, buf, dw.len, sign, ctx, w);
}

wn_err
proto_revocation_sign(const struct proto_revocation *r, proto_sign_fn sign,
    void *ctx, struct proto_writer *w)
{
	uint8_t buf[PROTO_SIGNED_REVOCATION_MAX];
	struct proto_writer rw;
	wn_err rv;

	proto_writer_init(&rw, buf, sizeof(buf));
	if ((rv = proto_revocation_encode(r, &rw)) != WN_OK)
		return rv;
	return sign_payload(PROTO_MSG_REVOCATION, buf, rw.len, sign, ctx, w);
}

/* verify decodes a signed object of type (at most max bytes) and checks
 * its signature by pk. */
static wn_err
verify(const void *buf, size_t len, size_t max, uint32_t type,
    const uint8_t pk[SEC_SIGN_PK_LEN], struct proto_cose_sign1 *m,
    struct proto_error *err)
{
	wn_err rv;

	if (len > max)
		return too_big(err, proto_msg_type_name(type), len, max);
	if ((rv = proto_signed_decode(buf, len, type, m, err)) != WN_OK)
		return rv;
	if (!proto_cose_sign1_verify(m, pk)) {
		if (err != NULL) {
			err->offset = 0;
			snprintf(err->msg, sizeof(err->msg),
			    "the %s is not signed by the root",
			    proto_msg_type_name(type));
		}
		return WN_ECRYPTO;
	}
	return WN_OK;
}

wn_err
proto_delegation_verify_signed(const void *buf, size_t len,
    const uint8_t root_pk[SEC_SIGN_PK_LEN], struct proto_delegation *out,
    struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	if ((rv = verify(buf, len, PROTO_SIGNED_DELEGATION_MAX,
	    PROTO_MSG_DELEGATION, root_pk, &m, err)) != WN_OK)
		return rv;
	rv = proto_delegation_decode(m.payload, m.payload_len, out, err);
	if (rv != WN_OK && err != NULL)
		err->offset += (size_t)(m.payload - (const uint8_t *)buf);
	return rv;
}

wn_err
proto_revocation_verify_signed(const void *buf, size_t len,
    const uint8_t root_pk[SEC_SIGN_PK_LEN], struct proto_revocation *out,
    struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	if ((rv = verify(buf, len, PROTO_SIGNED_REVOCATION_MAX,
	    PROTO_MSG_REVOCATION, root_pk, &m, err)) != WN_OK)
		return rv;
	rv = proto_revocation_decode(m.payload, m.payload_len, out, err);
	if (rv != WN_OK && err != NULL)
		err->offset += (size_t)(m.payload - (const uint8_t *)buf);
	return rv;
}

enum proto_dlg_verdict
proto_dlg_judge(const struct proto_delegation *d, const char *federation,
    uint64_t newest, bool revoked, int64_t at_ms)
{
	if (strcmp(d->federation, federation) != 0)
		return PROTO_DLG_OTHER_FEDERATION;
	if (revoked)
		return PROTO_DLG_REVOKED;
	if (d->serial < newest)
		return PROTO_DLG_REPLACED;
	if (at_ms < d->from_ms)
		return PROTO_DLG_NOT_YET;
	if (at_ms >= d->until_ms)
		return PROTO_DLG_EXPIRED;
	return PROTO_DLG_OK;
}

/* ---- the delegation a document carries ------------------------------ */

wn_err
proto_dlg_unprot_parse(const uint8_t *unprot, size_t len, const uint8_t **dlg,
    size_t *dlg_len)
{
	struct proto_reader r;
	const char *t;
	const uint8_t *b;
	size_t n, tl, bl, at;
	wn_err rv;

	*dlg = NULL;
	*dlg_len = 0;
	proto_reader_init(&r, unprot, len);
	if ((rv = proto_read_map(&r, &n)) != WN_OK)
		return rv;
	if (n == 0)
		return proto_reader_finish(&r);
	if (n != 1)
		return proto_reader_fail(&r, 0, "unprotected header has %zu "
		    "labels, expected none or \"dlg\"", n);
	at = r.pos;
	if ((rv = proto_read_text(&r, &t, &tl)) != WN_OK)
		return rv;
	if (tl != strlen(DLG_LABEL) || memcmp(t, DLG_LABEL, tl) != 0)
		return proto_reader_fail(&r, at, "unprotected label is not "
		    "\"dlg\"");
	at = r.pos;
	if ((rv = proto_read_bytes(&r, &b, &bl)) != WN_OK)
		return rv;
	if (bl < 1 || bl > PROTO_SIGNED_DELEGATION_MAX)
		return proto_reader_fail(&r, at, "delegation of %zu bytes, "
		    "expected 1 to %d", bl, PROTO_SIGNED_DELEGATION_MAX);
	if ((rv = proto_reader_finish(&r)) != WN_OK)
		return rv;
	*dlg = b;
	*dlg_len = bl;
	return WN_OK;
}

wn_err
proto_dlg_attach(const uint8_t *doc, size_t len, const uint8_t *dlg,
    size_t dlg_len, struct proto_writer *w)
{
	struct proto_reader r;
	struct proto_cose_sign1 m;
	size_t base;

	if (dlg == NULL || dlg_len < 1 || dlg_len > PROTO_SIGNED_DELEGATION_MAX)
		return WN_EINVAL;
	proto_reader_init(&r, doc, len);
	if (proto_env_decode_outer(&r, &m, &base) != WN_OK ||
	    m.unprot_len != 1 || m.sig == NULL)
		return WN_EINVAL;
	proto_write_tag(w, 18);
	proto_write_array(w, 4);
	proto_write_bytes(w, m.prot, m.prot_len);
	proto_write_map(w, 1);
	proto_write_text(w, DLG_LABEL);
	proto_write_bytes(w, dlg, dlg_len);
	proto_write_bytes(w, m.payload, m.payload_len);
	proto_write_bytes(w, m.sig, SEC_SIG_LEN);
	return proto_writer_status(w);
}

wn_err
proto_dlg_extract(const void *buf, size_t len, uint32_t type,
    const uint8_t **dlg, size_t *dlg_len, struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	*dlg = NULL;
	*dlg_len = 0;
	if (type != PROTO_MSG_CHARTER && type != PROTO_MSG_MATRIX)
		return WN_EINVAL;
	if ((rv = proto_signed_decode(buf, len, type, &m, err)) != WN_OK)
		return rv;
	/* proto_signed_decode checked it already: this only points at it */
	rv = proto_dlg_unprot_parse(m.unprot, m.unprot_len, dlg, dlg_len);
	if (rv != WN_OK && err != NULL) {
		err->offset = (size_t)(m.unprot - (const uint8_t *)buf);
		snprintf(err->msg, sizeof(err->msg), "bad unprotected header");
	}
	return rv;
}
