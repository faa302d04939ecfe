/*
 * life_wire.c - encoders and strict decoders of a case's steps and links
 * (see life_wire.h): maps of small uint keys in ascending order.
 */
#include "protocol/life_wire.h"

#include <string.h>

/* KEYS(max): keys 1..max may appear */
#define KEYS(max) (((UINT64_C(1) << ((max) + 1)) - 1) & ~UINT64_C(1))

static bool
id_ok(const char *s)
{
	return proto_org_id_valid(s, strlen(s));
}

/* reason_ok: free text without control characters but newline and tab */
static bool
reason_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

static bool
step_ok(const struct proto_case_step *s)
{
	return strlen(s->case_id) <= PROTO_CASE_ID_MAX && id_ok(s->case_id) &&
	    s->step >= 1 && s->step <= PROTO_STEP_MAX &&
	    s->stage < PROTO_CASE_STAGES && s->outcome < PROTO_CASE_OUTCOMES &&
	    (s->stage == PROTO_CASE_CLOSED || s->outcome == 0) &&
	    s->when_ms >= 0 && id_ok(s->by_org) &&
	    strlen(s->by_user) <= PROTO_STEP_USER_MAX && id_ok(s->by_user) &&
	    (!s->has_reason || (strlen(s->reason) <= PROTO_STEP_REASON_MAX &&
				   reason_ok(s->reason)));
}

static bool
link_ok(const struct proto_case_link *l)
{
	return strlen(l->case_id) <= PROTO_CASE_ID_MAX && id_ok(l->case_id) &&
	    strlen(l->other) <= PROTO_CASE_ID_MAX && id_ok(l->other) &&
	    strcmp(l->case_id, l->other) != 0 &&
	    l->relation < PROTO_CASE_RELATIONS && l->when_ms >= 0 &&
	    id_ok(l->by_org) && strlen(l->by_user) <= PROTO_STEP_USER_MAX &&
	    id_ok(l->by_user);
}

wn_err
proto_case_step_encode(const struct proto_case_step *s,
    struct proto_writer *w)
{
	bool closed = s->stage == PROTO_CASE_CLOSED;
	if (!step_ok(s))
		return WN_EINVAL;
	proto_write_map(w, 6 + (closed ? 1 : 0) + (s->has_reason ? 1 : 0));
	proto_write_uint(w, 1);
	proto_write_text(w, s->case_id);
	proto_write_uint(w, 2);
	proto_write_uint(w, s->step);
	proto_write_uint(w, 3);
	proto_write_uint(w, s->stage);
	if (closed) {
		proto_write_uint(w, 4);
		proto_write_uint(w, s->outcome);
	}
	proto_write_uint(w, 5);
	proto_write_uint(w, (uint64_t)s->when_ms);
	proto_write_uint(w, 6);
	proto_write_text(w, s->by_org);
	proto_write_uint(w, 7);
	proto_write_text(w, s->by_user);
	if (s->has_reason) {
		proto_write_uint(w, 8);
		proto_write_text(w, s->reason);
	}
	return proto_writer_status(w);
}

wn_err
proto_case_link_encode(const struct proto_case_link *l,
    struct proto_writer *w)
{
	if (!link_ok(l))
		return WN_EINVAL;
	proto_write_map(w, 6);
	proto_write_uint(w, 1);
	proto_write_text(w, l->case_id);
	proto_write_uint(w, 2);
	proto_write_text(w, l->other);
	proto_write_uint(w, 3);
	proto_write_uint(w, l->relation);
	proto_write_uint(w, 4);
	proto_write_uint(w, (uint64_t)l->when_ms);
	proto_write_uint(w, 5);
	proto_write_text(w, l->by_org);
	proto_write_uint(w, 6);
	proto_write_text(w, l->by_user);
	return proto_writer_status(w);
}

static wn_err
step_value(struct proto_reader *r, uint64_t key, struct proto_case_step *out)
{
	uint64_t v = 0;
	size_t at = r->pos;
	wn_err rv;
	switch (key) {
	case 1:
		return proto_read_id(r, out->case_id, sizeof(out->case_id));
	case 2:
		if ((rv = proto_read_uint_max(r, PROTO_STEP_MAX, &out->step)) == WN_OK &&
		    out->step == 0)
			rv = proto_reader_fail(r, at, "step 0");
		return rv;
	case 3:
		if ((rv = proto_read_uint_max(r, PROTO_CASE_STAGES - 1, &v)) == WN_OK)
			out->stage = (uint32_t)v;
		return rv;
	case 4:
		if ((rv = proto_read_uint_max(r, PROTO_CASE_OUTCOMES - 1, &v)) == WN_OK)
			out->outcome = (uint32_t)v;
		return rv;
	case 5:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &v)) == WN_OK)
			out->when_ms = (int64_t)v;
		return rv;
	case 6:
		return proto_read_id(r, out->by_org, sizeof(out->by_org));
	case 7:
		return proto_read_id(r, out->by_user, sizeof(out->by_user));
	default:
		if ((rv = proto_read_text_copy(r, out->reason,
			 sizeof(out->reason))) == WN_OK &&
		    !reason_ok(out->reason))
			rv = proto_reader_fail(r, at, "a control character");
		out->has_reason = rv == WN_OK;
		return rv;
	}
}

wn_err
proto_case_step_decode(const void *buf, size_t len,
    struct proto_case_step *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t last = 0, key, seen = 0;
	size_t n = 0;
	wn_err rv;
	if (len > PROTO_BODY_MAX - 1)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, KEYS(8), &last, NULL, &key)) == WN_OK) {
			(void)proto_keyset_add(&seen, key);
			rv = step_value(&r, key, out);
		}
	}
	/* keys 1, 2, 3, 5, 6, 7 always; 4 exactly when closed */
	if (rv == WN_OK && (seen & 0xee) != 0xee)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK &&
	    ((out->stage == PROTO_CASE_CLOSED) != ((seen & 0x10) != 0)))
		rv = proto_reader_fail(&r, 0, "an outcome is given exactly "
		    "when the case is closed");
	if (rv == WN_OK && !step_ok(out))
		rv = proto_reader_fail(&r, 0, "a step out of its rules");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

wn_err
proto_case_link_decode(const void *buf, size_t len,
    struct proto_case_link *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t last = 0, key, v = 0;
	size_t n = 0;
	wn_err rv;
	if (len > PROTO_BODY_MAX - 1)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	if (rv == WN_OK && n != 6)
		rv = proto_reader_fail(&r, 0, "a link has 6 keys, not %zu", n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, KEYS(6), &last, NULL, &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = proto_read_id(&r, out->case_id, sizeof(out->case_id));
			break;
		case 2:
			rv = proto_read_id(&r, out->other, sizeof(out->other));
			break;
		case 3:
			if ((rv = proto_read_uint_max(&r, PROTO_CASE_RELATIONS - 1, &v)) ==
			    WN_OK)
				out->relation = (uint32_t)v;
			break;
		case 4:
			if ((rv = proto_read_uint_max(&r, INT64_MAX, &v)) == WN_OK)
				out->when_ms = (int64_t)v;
			break;
		case 5:
			rv = proto_read_id(&r, out->by_org, sizeof(out->by_org));
			break;
		default:
			rv = proto_read_id(&r, out->by_user, sizeof(out->by_user));
			break;
		}
	}
	if (rv == WN_OK && !link_ok(out))
		rv = proto_reader_fail(&r, 0, "a case linked to itself");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
