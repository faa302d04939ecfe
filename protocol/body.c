/*
 * body.c - the message bodies inside envelopes: error, receipt, data,
 * the charter and the chain heads (see envelope.h and PROTOCOL.md).
 *
 * Each body is a map with small integer keys. Decoding is a walk of the
 * strict pull reader (protocol/cbor.h): every key is checked for range and
 * duplicates, missing keys are named, and every string is checked against
 * its limit before it is copied.
 *
 * Small body decoders fill a local struct and copy it out on success; the
 * charter (140 KiB) is walked twice instead, first to check, then to fill.
 */
#include "protocol/envelope_int.h"

#include <inttypes.h>
#include <string.h>

#define set_err proto_error_from
#define too_big proto_error_too_big

/* ---- checks of texts in bodies -------------------------------------- */

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
	proto_write_map(w, 3);
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
	proto_write_uint(w, 3);
	proto_write_bytes(w, rc->answers, SEC_HASH_LEN);
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

	if ((rv = read_map_header(r, 3, &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(r, 3, &seen, &key)) != WN_OK)
			return rv;
		if (key == 3) {
			if ((rv = proto_read_bytes_exact(r, rc->answers,
				 SEC_HASH_LEN)) != WN_OK)
				return rv;
			continue;
		}
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
	if ((rv = need_keys(r, 0, seen, KEYS(3))) != WN_OK)
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
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_text(w, q->org);
	proto_write_uint(w, 2);
	proto_write_bytes(w, q->nonce, PROTO_HEAD_NONCE_LEN);
	return proto_writer_status(w);
}

wn_err
proto_head_query_decode(const void *buf, size_t len,
    struct proto_head_query *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, key;
	struct proto_env_slice s = {0};
	uint8_t nonce[PROTO_HEAD_NONCE_LEN];
	size_t n;
	wn_err rv;

	if ((rv = body_reader(&r, buf, len, err)) != WN_OK)
		return rv;
	if ((rv = read_map_header(&r, 2, &n)) != WN_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(&r, 2, &seen, &key)) != WN_OK)
			goto out;
		rv = key == 1 ? proto_env_read_org(&r, &s, "org")
			      : proto_read_bytes_exact(&r, nonce,
				    PROTO_HEAD_NONCE_LEN);
		if (rv != WN_OK)
			goto out;
	}
	if ((rv = need_keys(&r, 0, seen, KEYS(2))) != WN_OK ||
	    (rv = proto_reader_finish(&r)) != WN_OK)
		goto out;
	memset(out, 0, sizeof(*out));
	proto_env_copy_slice(out->org, &s);
	memcpy(out->nonce, nonce, PROTO_HEAD_NONCE_LEN);
out:
	return body_done(rv, &r, err);
}

wn_err
proto_head_answer_encode(const void *signed_head, size_t len,
    const uint8_t nonce[PROTO_HEAD_NONCE_LEN], struct proto_writer *w)
{
	if (signed_head != NULL && (len < 1 || len > PROTO_SIGNED_HEAD_MAX))
		return WN_EINVAL;
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	if (signed_head == NULL)
		proto_write_null(w);
	else
		proto_write_bytes(w, signed_head, len);
	proto_write_uint(w, 2);
	proto_write_bytes(w, nonce, PROTO_HEAD_NONCE_LEN);
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
	if ((rv = read_map_header(&r, 2, &n)) != WN_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((rv = read_key(&r, 2, &seen, &key)) != WN_OK)
			goto out;
		if (key == 2) {
			if ((rv = proto_read_bytes_exact(&r, a.nonce,
				 PROTO_HEAD_NONCE_LEN)) != WN_OK)
				goto out;
			continue;
		}
		if ((rv = proto_peek_type(&r, &t)) != WN_OK)
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
	if ((rv = need_keys(&r, 0, seen, KEYS(2))) != WN_OK ||
	    (rv = proto_reader_finish(&r)) != WN_OK)
		goto out;
	*out = a;
out:
	return body_done(rv, &r, err);
}
