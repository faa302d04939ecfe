/*
 * concern_wire.c - encoders and strict decoders of a concern and a match
 * (CONCERN, CONCERN_MATCH; see concern_wire.h): maps of small uint keys
 * in ascending order; a match's partners in ascending order.
 */
#include "protocol/concern_wire.h"

#include <string.h>

#define MAX_BODY (PROTO_BODY_MAX - 1)
#define BIT(k) (UINT64_C(1) << (k))

static bool
contact_ok(const char *s)
{
	size_t len = strnlen(s, PROTO_CONTACT_MAX + 1);
	return len > 0 && len <= PROTO_CONTACT_MAX && proto_line_valid(s);
}

static bool
concern_ok(const struct proto_concern *c)
{
	static const uint8_t zero[PROTO_TOKEN_LEN];
	if (c->number < 1 || c->number > INT64_MAX)
		return false;
	if (c->withdrawn)
		return c->until_ms == 0 && c->contact[0] == '\0' &&
		    memcmp(c->token, zero, sizeof(zero)) == 0;
	return c->until_ms > 0 && contact_ok(c->contact);
}

wn_err
proto_concern_encode(const struct proto_concern *c, struct proto_writer *w)
{
	if (!concern_ok(c))
		return WN_EINVAL;
	proto_write_map(w, c->withdrawn ? 1 : 4);
	proto_write_uint(w, 1);
	proto_write_uint(w, c->number);
	if (!c->withdrawn) {
		proto_write_uint(w, 2);
		proto_write_bytes(w, c->token, sizeof(c->token));
		proto_write_uint(w, 3);
		proto_write_uint(w, (uint64_t)c->until_ms);
		proto_write_uint(w, 4);
		proto_write_text(w, c->contact);
	}
	return proto_writer_status(w);
}

static wn_err
number(struct proto_reader *r, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv = proto_read_uint_max(r, INT64_MAX, out);
	if (rv == WN_OK && *out == 0)
		rv = proto_reader_fail(r, at, "concern 0");
	return rv;
}

static wn_err
concern_value(struct proto_reader *r, uint64_t key, struct proto_concern *out)
{
	uint64_t v = 0;
	size_t at = r->pos;
	wn_err rv;
	switch (key) {
	case 1:
		return number(r, &out->number);
	case 2:
		return proto_read_bytes_exact(r, out->token, sizeof(out->token));
	case 3:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &v)) == WN_OK &&
		    v == 0)
			rv = proto_reader_fail(r, at, "an expiry at 0");
		out->until_ms = (int64_t)v;
		return rv;
	default:
		return proto_read_line(r, out->contact, sizeof(out->contact),
		    false);
	}
}

wn_err
proto_concern_decode(const void *buf, size_t len, struct proto_concern *out,
    struct proto_error *err)
{
	const uint64_t must = BIT(1), rest = BIT(2) | BIT(3) | BIT(4);
	struct proto_reader r;
	uint64_t seen = 0, key = 0, last = 0;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++)
		if ((rv = proto_read_key(&r, must | rest, &last, &seen, &key)) ==
		    WN_OK)
			rv = concern_value(&r, key, out);
	if (rv == WN_OK && (seen & must) != must)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK && (seen & rest) != 0 && (seen & rest) != rest)
		rv = proto_reader_fail(&r, 0, "keys 2 to 4 come all together "
		    "or not at all");
	if (rv == WN_OK)
		out->withdrawn = (seen & rest) == 0;
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

static bool
match_ok(const struct proto_concern_match *m)
{
	if (m->number < 1 || m->number > INT64_MAX ||
	    m->nothers > PROTO_MATCH_OTHERS_MAX)
		return false;
	for (size_t i = 0; i < m->nothers; i++) {
		const struct proto_concern_other *o = &m->others[i];
		if (!proto_org_id_valid(o->partner,
			strnlen(o->partner, sizeof(o->partner))) ||
		    !contact_ok(o->contact) || o->since_ms < 0 ||
		    (i > 0 && strcmp(m->others[i - 1].partner, o->partner) >= 0))
			return false;
	}
	return true;
}

wn_err
proto_concern_match_encode(const struct proto_concern_match *m,
    struct proto_writer *w)
{
	if (!match_ok(m))
		return WN_EINVAL;
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_uint(w, m->number);
	proto_write_uint(w, 2);
	proto_write_array(w, m->nothers);
	for (size_t i = 0; i < m->nothers; i++) {
		proto_write_map(w, 3);
		proto_write_uint(w, 1);
		proto_write_text(w, m->others[i].partner);
		proto_write_uint(w, 2);
		proto_write_text(w, m->others[i].contact);
		proto_write_uint(w, 3);
		proto_write_uint(w, (uint64_t)m->others[i].since_ms);
	}
	return proto_writer_status(w);
}

static wn_err
other(struct proto_reader *r, struct proto_concern_other *o)
{
	const uint64_t all = BIT(1) | BIT(2) | BIT(3);
	uint64_t seen = 0, key = 0, last = 0, v = 0;
	size_t n = 0;
	wn_err rv = proto_read_map(r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(r, all, &last, &seen, &key)) != WN_OK)
			break;
		if (key == 1)
			rv = proto_read_id(r, o->partner, sizeof(o->partner));
		else if (key == 2)
			rv = proto_read_line(r, o->contact, sizeof(o->contact),
			    false);
		else if ((rv = proto_read_uint_max(r, INT64_MAX, &v)) == WN_OK)
			o->since_ms = (int64_t)v;
	}
	if (rv == WN_OK && seen != all)
		rv = proto_reader_fail(r, r->pos, "a partner without its "
		    "name, contact or since");
	return rv;
}

wn_err
proto_concern_match_decode(const void *buf, size_t len,
    struct proto_concern_match *out, struct proto_error *err)
{
	const uint64_t all = BIT(1) | BIT(2);
	struct proto_reader r;
	uint64_t seen = 0, key = 0, last = 0;
	size_t n = 0, k = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, all, &last, &seen, &key)) != WN_OK)
			break;
		if (key == 1) {
			rv = number(&r, &out->number);
			continue;
		}
		size_t at = r.pos;
		if ((rv = proto_read_array(&r, &k)) != WN_OK)
			break;
		if (k > PROTO_MATCH_OTHERS_MAX) {
			rv = proto_reader_fail(&r, at, "%zu partners, at most "
			    "%d", k, PROTO_MATCH_OTHERS_MAX);
			break;
		}
		for (size_t j = 0; rv == WN_OK && j < k; j++) {
			at = r.pos;
			if ((rv = other(&r, &out->others[j])) == WN_OK && j > 0 &&
			    strcmp(out->others[j - 1].partner,
				out->others[j].partner) >= 0)
				rv = proto_reader_fail(&r, at, "partners out of "
				    "order or repeated");
		}
		out->nothers = k;
	}
	if (rv == WN_OK && seen != all)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
