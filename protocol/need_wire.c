/*
 * need_wire.c - encoders and strict decoders of the need-to-know bodies
 * (see need_wire.h). Maps have small uint keys, each at most once; unknown
 * keys, wrong types, limits and trailing bytes are refused.
 */
#include "protocol/need_wire.h"

#include <string.h>

#include "crypto/sec.h"

#define MAX_BODY (PROTO_BODY_MAX - 1)

/* text reads a text of 1..cap-1 bytes (0 allowed when empty_ok) */
static wn_err
text(struct proto_reader *r, char *dst, size_t cap, bool empty_ok)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv == WN_OK && !empty_ok && dst[0] == '\0')
		rv = proto_reader_fail(r, at, "empty text");
	return rv;
}

bool
proto_subject_token(const char *subject,
    uint8_t token[PROTO_SUBJECT_TOKEN_LEN])
{
	size_t p = sizeof(PROTO_SUBJECT_TOKEN_PREFIX) - 1;
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	if (strncmp(subject, PROTO_SUBJECT_TOKEN_PREFIX, p) != 0 ||
	    strlen(subject + p) != 2 * PROTO_SUBJECT_TOKEN_LEN ||
	    strspn(subject + p, "0123456789abcdef") !=
		2 * PROTO_SUBJECT_TOKEN_LEN ||
	    !sec_unhex(t, sizeof(t), subject + p))
		return false;
	if (token != NULL)
		memcpy(token, t, sizeof(t));
	return true;
}

void
proto_subject_of_token(const uint8_t token[PROTO_SUBJECT_TOKEN_LEN],
    char *out, size_t cap)
{
	char hex[2 * PROTO_SUBJECT_TOKEN_LEN + 1];
	sec_hex(hex, sizeof(hex), token, PROTO_SUBJECT_TOKEN_LEN);
	snprintf(out, cap, "%s%s", PROTO_SUBJECT_TOKEN_PREFIX, hex);
}

/* subject reads a subject: a text (never one that starts as a token's
 * does), or the bstr of a token, as "token:HEX" */
static wn_err
subject(struct proto_reader *r, char *dst, size_t cap)
{
	size_t at = r->pos;
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	enum proto_type type;
	wn_err rv = proto_peek_type(r, &type);
	if (rv == WN_OK && type == PROTO_BYTES) {
		if ((rv = proto_read_bytes_exact(r, t, sizeof(t))) == WN_OK)
			proto_subject_of_token(t, dst, cap);
		return rv;
	}
	rv = text(r, dst, cap, false);
	if (rv == WN_OK && strncmp(dst, PROTO_SUBJECT_TOKEN_PREFIX,
			       sizeof(PROTO_SUBJECT_TOKEN_PREFIX) - 1) == 0)
		rv = proto_reader_fail(r, at, "a subject as text that starts "
		    "as a token's");
	return rv;
}

/* write_subject writes a subject: a token as its bstr, a text as it is;
 * false for a text that starts as a token's without being one */
static bool
write_subject(struct proto_writer *w, const char *s)
{
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	if (proto_subject_token(s, t)) {
		proto_write_bytes(w, t, sizeof(t));
		return true;
	}
	proto_write_text(w, s);
	return strncmp(s, PROTO_SUBJECT_TOKEN_PREFIX,
	    sizeof(PROTO_SUBJECT_TOKEN_PREFIX) - 1) != 0;
}

static wn_err
org(struct proto_reader *r, char *dst)
{
	size_t at = r->pos;
	wn_err rv = text(r, dst, PROTO_ORG_ID_MAX + 1, false);
	if (rv == WN_OK && !proto_org_id_valid(dst, strlen(dst)))
		rv = proto_reader_fail(r, at, "not an org id");
	return rv;
}

static wn_err
small(struct proto_reader *r, uint32_t max, uint32_t *out)
{
	size_t at = r->pos;
	uint64_t v;
	wn_err rv = proto_read_uint(r, &v);
	if (rv == WN_OK && v > max)
		return proto_reader_fail(r, at, "%llu is over %u",
		    (unsigned long long)v, max);
	if (rv == WN_OK)
		*out = (uint32_t)v;
	return rv;
}

/* keys reads a map header and then, per entry, a key in 1..max never seen
 * before; call next() for each entry. */
struct keys {
	struct proto_reader *r;
	size_t n, i;
	uint64_t seen, max, required;
};

static wn_err
keys_begin(struct keys *k, struct proto_reader *r, uint64_t max,
    uint64_t required)
{
	k->r = r;
	k->i = 0;
	k->seen = 0;
	k->max = max;
	k->required = required;
	return proto_read_map(r, &k->n);
}

static wn_err
keys_next(struct keys *k, uint64_t *key, bool *more)
{
	size_t at = k->r->pos;
	wn_err rv;
	if (k->i == k->n) {
		*more = false;
		if ((k->seen & k->required) != k->required)
			return proto_reader_fail(k->r, at, "a required key is "
			    "missing");
		return WN_OK;
	}
	k->i++;
	*more = true;
	if ((rv = proto_read_uint(k->r, key)) != WN_OK)
		return rv;
	if (*key < 1 || *key > k->max || !proto_keyset_add(&k->seen, *key))
		return proto_reader_fail(k->r, at, "unknown or repeated key "
		    "%llu", (unsigned long long)*key);
	return WN_OK;
}

static wn_err
finish(struct proto_reader *r, wn_err rv, struct proto_error *err)
{
	if (rv == WN_OK)
		rv = proto_reader_finish(r);
	if (rv != WN_OK && err != NULL)
		*err = r->err;
	return rv;
}

/* ---- case ------------------------------------------------------------ */

wn_err
proto_case_encode(const struct proto_case *c, struct proto_writer *w)
{
	if (c->nmembers > PROTO_CASE_MAX_MEMBERS)
		return WN_EINVAL;
	proto_write_map(w, 7);
	proto_write_uint(w, 1);
	proto_write_text(w, c->id);
	proto_write_uint(w, 2);
	proto_write_uint(w, c->type);
	proto_write_uint(w, 3);
	if (!write_subject(w, c->subject))
		return WN_EINVAL;
	proto_write_uint(w, 4);
	proto_write_text(w, c->purpose);
	proto_write_uint(w, 5);
	proto_write_text(w, c->ground);
	proto_write_uint(w, 6);
	proto_write_text(w, c->director);
	proto_write_uint(w, 7);
	proto_write_array(w, c->nmembers);
	for (size_t i = 0; i < c->nmembers; i++) {
		proto_write_array(w, 3);
		proto_write_text(w, c->members[i].org);
		proto_write_uint(w, c->members[i].role);
		proto_write_bool(w, c->members[i].attested);
	}
	return proto_writer_status(w);
}

wn_err
proto_case_decode(const void *buf, size_t len, struct proto_case *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	size_t n, at;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 7, 0xfe);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		switch (key) {
		case 1: rv = text(&r, out->id, sizeof(out->id), false); break;
		case 2: rv = small(&r, 4, &out->type); break;
		case 3:
			rv = subject(&r, out->subject, sizeof(out->subject));
			break;
		case 4:
			rv = text(&r, out->purpose, sizeof(out->purpose), false);
			break;
		case 5:
			rv = text(&r, out->ground, sizeof(out->ground), false);
			break;
		case 6: rv = org(&r, out->director); break;
		case 7:
			at = r.pos;
			if ((rv = proto_read_array(&r, &n)) != WN_OK)
				break;
			if (n > PROTO_CASE_MAX_MEMBERS) {
				rv = proto_reader_fail(&r, at, "too many members");
				break;
			}
			for (size_t i = 0; i < n && rv == WN_OK; i++) {
				size_t two;
				at = r.pos;
				if ((rv = proto_read_array(&r, &two)) != WN_OK)
					break;
				if (two != 3) {
					rv = proto_reader_fail(&r, at,
					    "member is [org, role, attested]");
					break;
				}
				if ((rv = org(&r, out->members[i].org)) == WN_OK &&
				    (rv = small(&r, 7, &out->members[i].role)) ==
					WN_OK)
					rv = proto_read_bool(&r,
					    &out->members[i].attested);
			}
			out->nmembers = n;
			break;
		}
	}
	return finish(&r, rv, err);
}

/* ---- info request ---------------------------------------------------- */

wn_err
proto_info_request_encode(const struct proto_info_request *q,
    struct proto_writer *w)
{
	proto_write_map(w, 3);
	proto_write_uint(w, 1);
	proto_write_text(w, q->case_id);
	proto_write_uint(w, 2);
	proto_write_bytes(w, q->request_id, 16);
	proto_write_uint(w, 3);
	proto_write_uint(w, q->categories);
	return proto_writer_status(w);
}

wn_err
proto_info_request_decode(const void *buf, size_t len,
    struct proto_info_request *out, struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 3, 0x0e);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		switch (key) {
		case 1:
			rv = text(&r, out->case_id, sizeof(out->case_id), false);
			break;
		case 2: rv = proto_read_bytes_exact(&r, out->request_id, 16); break;
		case 3: rv = small(&r, (1u << 13) - 1, &out->categories); break;
		}
	}
	return finish(&r, rv, err);
}

/* ---- disclosure ------------------------------------------------------ */

wn_err
proto_disclosure_encode(const struct proto_disclosure *d,
    struct proto_writer *w)
{
	if (d->nfields < 1 || d->nfields > PROTO_DISCLOSURE_MAX_FIELDS)
		return WN_EINVAL;
	proto_write_map(w, 5);
	proto_write_uint(w, 1);
	proto_write_text(w, d->case_id);
	proto_write_uint(w, 2);
	proto_write_bytes(w, d->request_id, 16);
	proto_write_uint(w, 3);
	proto_write_text(w, d->purpose);
	proto_write_uint(w, 4);
	proto_write_text(w, d->ground);
	proto_write_uint(w, 5);
	proto_write_array(w, d->nfields);
	for (size_t i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		proto_write_map(w, f->has_value ? 5 : 4);
		proto_write_uint(w, 1);
		proto_write_uint(w, f->id);
		proto_write_uint(w, 2);
		if (!write_subject(w, f->subject))
			return WN_EINVAL;
		proto_write_uint(w, 3);
		proto_write_uint(w, f->category);
		proto_write_uint(w, 4);
		proto_write_text(w, f->name);
		if (f->has_value) {
			proto_write_uint(w, 5);
			proto_write_text(w, f->value);
		}
	}
	return proto_writer_status(w);
}

static wn_err
field(struct proto_reader *r, struct proto_field *f)
{
	struct keys k;
	uint64_t key;
	bool more;
	wn_err rv = keys_begin(&k, r, 5, 0x1e);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		switch (key) {
		case 1: rv = proto_read_uint(r, &f->id); break;
		case 2: rv = subject(r, f->subject, sizeof(f->subject)); break;
		case 3: rv = small(r, 12, &f->category); break;
		case 4: rv = text(r, f->name, sizeof(f->name), false); break;
		case 5:
			rv = text(r, f->value, sizeof(f->value), true);
			f->has_value = true;
			break;
		}
	}
	return rv;
}

wn_err
proto_disclosure_decode(const void *buf, size_t len,
    struct proto_disclosure *out, struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	size_t n, at;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 5, 0x3e);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		switch (key) {
		case 1:
			rv = text(&r, out->case_id, sizeof(out->case_id), false);
			break;
		case 2: rv = proto_read_bytes_exact(&r, out->request_id, 16); break;
		case 3:
			rv = text(&r, out->purpose, sizeof(out->purpose), false);
			break;
		case 4:
			rv = text(&r, out->ground, sizeof(out->ground), false);
			break;
		case 5:
			at = r.pos;
			if ((rv = proto_read_array(&r, &n)) != WN_OK)
				break;
			if (n < 1 || n > PROTO_DISCLOSURE_MAX_FIELDS) {
				rv = proto_reader_fail(&r, at, "1..%d fields",
				    PROTO_DISCLOSURE_MAX_FIELDS);
				break;
			}
			for (size_t i = 0; i < n && rv == WN_OK; i++)
				rv = field(&r, &out->fields[i]);
			out->nfields = n;
			break;
		}
	}
	return finish(&r, rv, err);
}

/* ---- retraction ------------------------------------------------------ */

wn_err
proto_retraction_encode(const struct proto_retraction *q, bool ack,
    struct proto_writer *w)
{
	if (q->n < 1 || q->n > PROTO_RETRACT_MAX)
		return WN_EINVAL;
	bool scoped = q->case_id[0] != '\0';
	proto_write_map(w, (ack ? 1 : 2) + (scoped ? 1 : 0));
	proto_write_uint(w, 1);
	proto_write_array(w, q->n);
	for (size_t i = 0; i < q->n; i++)
		proto_write_uint(w, q->ids[i]);
	if (!ack) {
		proto_write_uint(w, 2);
		proto_write_text(w, q->reason);
	}
	if (scoped) {
		proto_write_uint(w, 3);
		proto_write_text(w, q->case_id);
	}
	return proto_writer_status(w);
}

wn_err
proto_retraction_decode(const void *buf, size_t len, bool ack,
    struct proto_retraction *out, struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	size_t n, at;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 3, ack ? 0x02 : 0x06);
	while (rv == WN_OK && (at = r.pos, rv = keys_next(&k, &key, &more)) ==
		WN_OK && more) {
		if (key == 2 && ack) {
			/* an ack has no reason */
			rv = proto_reader_fail(&r, at, "unknown or repeated key 2");
			break;
		}
		if (key == 2) {
			rv = text(&r, out->reason, sizeof(out->reason), true);
			continue;
		}
		if (key == 3) {
			rv = text(&r, out->case_id, sizeof(out->case_id), false);
			continue;
		}
		at = r.pos;
		if ((rv = proto_read_array(&r, &n)) != WN_OK)
			break;
		if (n < 1 || n > PROTO_RETRACT_MAX) {
			rv = proto_reader_fail(&r, at, "1..%d ids",
			    PROTO_RETRACT_MAX);
			break;
		}
		for (size_t i = 0; i < n && rv == WN_OK; i++)
			rv = proto_read_uint(&r, &out->ids[i]);
		out->n = n;
	}
	return finish(&r, rv, err);
}

/* ---- amend ----------------------------------------------------------- */

wn_err
proto_amend_encode(const struct proto_amend *a, struct proto_writer *w)
{
	proto_write_map(w, 3);
	proto_write_uint(w, 1);
	proto_write_text(w, a->case_id);
	proto_write_uint(w, 2);
	proto_write_uint(w, a->field_id);
	proto_write_uint(w, 3);
	proto_write_text(w, a->value);
	return proto_writer_status(w);
}

wn_err
proto_amend_decode(const void *buf, size_t len, struct proto_amend *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 3, 0x0e);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		switch (key) {
		case 1:
			rv = text(&r, out->case_id, sizeof(out->case_id), false);
			break;
		case 2: rv = proto_read_uint(&r, &out->field_id); break;
		case 3: rv = text(&r, out->value, sizeof(out->value), true); break;
		}
	}
	return finish(&r, rv, err);
}

/* ---- attest ---------------------------------------------------------- */

wn_err
proto_attest_encode(const struct proto_attest *a, struct proto_writer *w)
{
	if (a->nworkers < 1 || a->nworkers > PROTO_ATTEST_MAX_WORKERS)
		return WN_EINVAL;
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_text(w, a->case_id);
	proto_write_uint(w, 2);
	proto_write_array(w, a->nworkers);
	for (size_t i = 0; i < a->nworkers; i++)
		proto_write_text(w, a->workers[i]);
	return proto_writer_status(w);
}

wn_err
proto_attest_decode(const void *buf, size_t len, struct proto_attest *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct keys k;
	uint64_t key;
	bool more;
	size_t n, at;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = keys_begin(&k, &r, 2, 0x06);
	while (rv == WN_OK && (rv = keys_next(&k, &key, &more)) == WN_OK &&
	    more) {
		if (key == 1) {
			rv = text(&r, out->case_id, sizeof(out->case_id), false);
			continue;
		}
		at = r.pos;
		if ((rv = proto_read_array(&r, &n)) != WN_OK)
			break;
		if (n < 1 || n > PROTO_ATTEST_MAX_WORKERS) {
			rv = proto_reader_fail(&r, at, "1..%d workers",
			    PROTO_ATTEST_MAX_WORKERS);
			break;
		}
		for (size_t i = 0; i < n && rv == WN_OK; i++)
			rv = text(&r, out->workers[i], sizeof(out->workers[i]),
			    false);
		out->nworkers = n;
	}
	return finish(&r, rv, err);
}
