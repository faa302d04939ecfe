/*
 * meet_wire.c - encoders and strict decoders of a consultation body
 * (BODY), a meeting (MEETING), a case at a meeting (CONSULT) and an
 * escalation (ESCALATION), see meet_wire.h. Maps of small uint keys in
 * ascending order: a key that is not above the one before it, or unknown,
 * is refused with its offset, as are wrong types, values out of range,
 * lists out of order, texts with control characters and trailing bytes.
 * Nothing allocates.
 */
#include "protocol/meet_wire.h"

#include <string.h>

#define MAX_BODY (PROTO_BODY_MAX - 1)
#define BIT(k) (UINT64_C(1) << (k))

#define BODY_MUST (BIT(1) | BIT(2))
#define BODY_SITS (BIT(3) | BIT(4) | BIT(5))
#define MEETING_MUST (BIT(1) | BIT(2) | BIT(3) | BIT(4))
#define CONSULT_MUST (BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5))
#define DECISION_MUST (BIT(1) | BIT(2))
#define ESC_MUST                                                               \
	(BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7))

/* ---- what a valid struct holds ---------------------------------------- */

/* text_ok: free text holds no control character but line breaks and tabs */
static bool
text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == 0x7f ||
		    (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t'))
			return false;
	return true;
}

/* line_ok: a name is one line of text */
static bool
line_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == 0x7f || *p < 0x20)
			return false;
	return s[0] != '\0';
}

static bool
id_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	return n < cap && proto_org_id_valid(s, n);
}

#define ID_OK(a) id_ok((a), sizeof(a))

static bool
fits(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

/* orgs_ok: n org ids in ascending order, without repeats */
static bool
orgs_ok(char (*o)[PROTO_ORG_ID_MAX + 1], size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ID_OK(o[i]) || (i > 0 && strcmp(o[i - 1], o[i]) >= 0))
			return false;
	return true;
}

static bool
body_ok(const struct proto_body *b)
{
	bool chair = false;
	if (!ID_OK(b->body_id) || b->changed_ms < 0)
		return false;
	if (!b->sits)
		return b->name[0] == '\0' && b->chair[0] == '\0' &&
		    b->nmembers == 0;
	if (!fits(b->name, sizeof(b->name)) || !line_ok(b->name) ||
	    !ID_OK(b->chair) || b->nmembers < 1 ||
	    b->nmembers > PROTO_BODY_MEMBERS_MAX ||
	    !orgs_ok((char(*)[PROTO_ORG_ID_MAX + 1])b->members, b->nmembers))
		return false;
	for (size_t i = 0; i < b->nmembers; i++)
		chair |= strcmp(b->members[i], b->chair) == 0;
	return chair;
}

static bool
meeting_ok(const struct proto_meeting *m)
{
	return ID_OK(m->body_id) && m->number >= 1 &&
	    m->number <= INT64_MAX && m->at_ms >= 0 && m->changed_ms >= 0 &&
	    m->npresent <= PROTO_BODY_MEMBERS_MAX &&
	    (m->has_attendance || m->npresent == 0) &&
	    orgs_ok((char(*)[PROTO_ORG_ID_MAX + 1])m->present, m->npresent);
}

static bool
consult_ok(const struct proto_consult *c)
{
	if (!ID_OK(c->case_id) || c->meeting < 1 || c->meeting > INT64_MAX ||
	    !ID_OK(c->body_id) || c->at_ms < 0 || c->changed_ms < 0 ||
	    c->minutes_ms < 0 || (c->has_minutes && c->minutes_ms == 0) ||
	    !fits(c->minutes, sizeof(c->minutes)) ||
	    (c->has_minutes && (c->minutes[0] == '\0' ||
				   !text_ok(c->minutes))) ||
	    (!c->has_minutes && c->minutes[0] != '\0') ||
	    c->ndecisions > PROTO_MEET_DECISIONS_MAX)
		return false;
	for (size_t i = 0; i < c->ndecisions; i++) {
		const struct proto_meet_decision *d = &c->decisions[i];
		if (d->number < 1 || d->number > INT64_MAX ||
		    (i > 0 && d->number <= c->decisions[i - 1].number) ||
		    d->decided_ms < 0 || d->step > INT64_MAX ||
		    !fits(d->text, sizeof(d->text)) ||
		    (d->has_text && (d->text[0] == '\0' || !text_ok(d->text))) ||
		    (!d->has_text && d->text[0] != '\0'))
			return false;
	}
	return true;
}

static bool
escalation_ok(const struct proto_escalation *e)
{
	return ID_OK(e->case_id) && e->number >= 1 &&
	    e->number <= INT64_MAX && ID_OK(e->from_body) &&
	    ID_OK(e->to_body) && strcmp(e->from_body, e->to_body) != 0 &&
	    e->when_ms >= 0 && ID_OK(e->by_org) && ID_OK(e->by_user) &&
	    fits(e->reason, sizeof(e->reason)) && text_ok(e->reason) &&
	    (e->has_reason || e->reason[0] == '\0');
}

/* ---- encoding --------------------------------------------------------- */

static void
key_text(struct proto_writer *w, uint64_t k, const char *s)
{
	proto_write_uint(w, k);
	proto_write_text(w, s);
}

static void
key_uint(struct proto_writer *w, uint64_t k, uint64_t v)
{
	proto_write_uint(w, k);
	proto_write_uint(w, v);
}

wn_err
proto_body_encode(const struct proto_body *b, struct proto_writer *w)
{
	if (!body_ok(b))
		return WN_EINVAL;
	proto_write_map(w, b->sits ? 5 : 2);
	key_text(w, 1, b->body_id);
	key_uint(w, 2, (uint64_t)b->changed_ms);
	if (b->sits) {
		key_text(w, 3, b->name);
		key_text(w, 4, b->chair);
		proto_write_uint(w, 5);
		proto_write_array(w, b->nmembers);
		for (size_t i = 0; i < b->nmembers; i++)
			proto_write_text(w, b->members[i]);
	}
	return proto_writer_status(w);
}

wn_err
proto_meeting_encode(const struct proto_meeting *m, struct proto_writer *w)
{
	if (!meeting_ok(m))
		return WN_EINVAL;
	proto_write_map(w, 4 + m->has_attendance);
	key_text(w, 1, m->body_id);
	key_uint(w, 2, m->number);
	key_uint(w, 3, (uint64_t)m->at_ms);
	key_uint(w, 4, (uint64_t)m->changed_ms);
	if (m->has_attendance) {
		proto_write_uint(w, 5);
		proto_write_array(w, m->npresent);
		for (size_t i = 0; i < m->npresent; i++)
			proto_write_text(w, m->present[i]);
	}
	return proto_writer_status(w);
}

wn_err
proto_consult_encode(const struct proto_consult *c, struct proto_writer *w)
{
	if (!consult_ok(c))
		return WN_EINVAL;
	proto_write_map(w, 5 + (c->minutes_ms != 0) + c->has_minutes +
	    (c->ndecisions > 0));
	key_text(w, 1, c->case_id);
	key_uint(w, 2, c->meeting);
	key_text(w, 3, c->body_id);
	key_uint(w, 4, (uint64_t)c->at_ms);
	key_uint(w, 5, (uint64_t)c->changed_ms);
	if (c->minutes_ms != 0)
		key_uint(w, 6, (uint64_t)c->minutes_ms);
	if (c->has_minutes)
		key_text(w, 7, c->minutes);
	if (c->ndecisions > 0) {
		proto_write_uint(w, 8);
		proto_write_array(w, c->ndecisions);
	}
	for (size_t i = 0; i < c->ndecisions; i++) {
		const struct proto_meet_decision *d = &c->decisions[i];
		proto_write_map(w, 2 + (d->step != 0) + d->has_text);
		key_uint(w, 1, d->number);
		key_uint(w, 2, (uint64_t)d->decided_ms);
		if (d->step != 0)
			key_uint(w, 3, d->step);
		if (d->has_text)
			key_text(w, 4, d->text);
	}
	return proto_writer_status(w);
}

wn_err
proto_escalation_encode(const struct proto_escalation *e,
    struct proto_writer *w)
{
	if (!escalation_ok(e))
		return WN_EINVAL;
	proto_write_map(w, 7 + e->has_reason);
	key_text(w, 1, e->case_id);
	key_uint(w, 2, e->number);
	key_text(w, 3, e->from_body);
	key_text(w, 4, e->to_body);
	key_uint(w, 5, (uint64_t)e->when_ms);
	key_text(w, 6, e->by_org);
	key_text(w, 7, e->by_user);
	if (e->has_reason)
		key_text(w, 8, e->reason);
	return proto_writer_status(w);
}

/* ---- decoding --------------------------------------------------------- */

static wn_err
num(struct proto_reader *r, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv = proto_read_uint_max(r, INT64_MAX, out);
	if (rv == WN_OK && *out == 0)
		return proto_reader_fail(r, at, "number 0");
	return rv;
}

static wn_err
ms(struct proto_reader *r, int64_t *out)
{
	uint64_t v;
	wn_err rv = proto_read_uint_max(r, INT64_MAX, &v);
	if (rv == WN_OK)
		*out = (int64_t)v;
	return rv;
}

static wn_err
ident(struct proto_reader *r, char *dst, size_t cap)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv == WN_OK && !proto_org_id_valid(dst, strlen(dst)))
		return proto_reader_fail(r, at, "not an identifier");
	return rv;
}

/* free_text reads a text holding no control character but line breaks
 * and tabs; empty only when may_empty */
static wn_err
free_text(struct proto_reader *r, char *dst, size_t cap, bool may_empty)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv != WN_OK)
		return rv;
	if (dst[0] == '\0' && !may_empty)
		return proto_reader_fail(r, at, "empty text");
	if (!text_ok(dst))
		return proto_reader_fail(r, at, "a control character");
	return WN_OK;
}

/* orgs reads [* org] of at most PROTO_BODY_MEMBERS_MAX, ascending without
 * repeats */
static wn_err
orgs(struct proto_reader *r, char (*dst)[PROTO_ORG_ID_MAX + 1], size_t *n,
    bool may_empty)
{
	size_t count = 0, at = r->pos;
	wn_err rv = proto_read_array(r, &count);
	if (rv != WN_OK)
		return rv;
	if (count > PROTO_BODY_MEMBERS_MAX)
		return proto_reader_fail(r, at, "%zu partners, at most %d",
		    count, PROTO_BODY_MEMBERS_MAX);
	if (count == 0 && !may_empty)
		return proto_reader_fail(r, at, "no partner");
	for (size_t i = 0; i < count; i++) {
		at = r->pos;
		if ((rv = ident(r, dst[i], PROTO_ORG_ID_MAX + 1)) != WN_OK)
			return rv;
		if (i > 0 && strcmp(dst[i - 1], dst[i]) >= 0)
			return proto_reader_fail(r, at, "partners out of "
			    "order or repeated");
	}
	*n = count;
	return WN_OK;
}

/* finish checks the required keys, the struct's own rules and the end of
 * input */
static wn_err
finish(struct proto_reader *r, wn_err rv, uint64_t seen, uint64_t must,
    bool ok, const char *rule)
{
	if (rv == WN_OK && (seen & must) != must)
		rv = proto_reader_fail(r, r->pos, "a required key is missing");
	if (rv == WN_OK && !ok)
		rv = proto_reader_fail(r, 0, "%s", rule);
	if (rv == WN_OK)
		rv = proto_reader_finish(r);
	return rv;
}

wn_err
proto_body_decode(const void *buf, size_t len, struct proto_body *out,
    struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, BODY_MUST | BODY_SITS, &last, &seen,
			 &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = ident(&r, out->body_id, sizeof(out->body_id));
			break;
		case 2:
			rv = ms(&r, &out->changed_ms);
			break;
		case 3:
			if ((rv = free_text(&r, out->name, sizeof(out->name),
				 false)) == WN_OK && !line_ok(out->name))
				rv = proto_reader_fail(&r, r.pos, "a line "
				    "break in a name");
			break;
		case 4:
			rv = ident(&r, out->chair, sizeof(out->chair));
			break;
		default:
			rv = orgs(&r, out->members, &out->nmembers, false);
			break;
		}
	}
	out->sits = (seen & BODY_SITS) != 0;
	rv = finish(&r, rv, seen, out->sits ? BODY_MUST | BODY_SITS
					    : BODY_MUST,
	    body_ok(out), "the chair is not among the members");
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

wn_err
proto_meeting_decode(const void *buf, size_t len, struct proto_meeting *out,
    struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, MEETING_MUST | BIT(5), &last, &seen,
			 &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = ident(&r, out->body_id, sizeof(out->body_id));
			break;
		case 2:
			rv = num(&r, &out->number);
			break;
		case 3:
			rv = ms(&r, &out->at_ms);
			break;
		case 4:
			rv = ms(&r, &out->changed_ms);
			break;
		default:
			rv = orgs(&r, out->present, &out->npresent, true);
			out->has_attendance = rv == WN_OK;
			break;
		}
	}
	rv = finish(&r, rv, seen, MEETING_MUST, meeting_ok(out),
	    "not a meeting");
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

static wn_err
decision(struct proto_reader *r, struct proto_meet_decision *d)
{
	uint64_t seen = 0, last = 0, key;
	size_t n = 0, at = r->pos;
	wn_err rv = proto_read_map(r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(r, DECISION_MUST | BIT(3) | BIT(4), &last,
			 &seen, &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = num(r, &d->number);
			break;
		case 2:
			rv = ms(r, &d->decided_ms);
			break;
		case 3:
			rv = num(r, &d->step);
			break;
		default:
			rv = free_text(r, d->text, sizeof(d->text), false);
			d->has_text = rv == WN_OK;
			break;
		}
	}
	if (rv == WN_OK && (seen & DECISION_MUST) != DECISION_MUST)
		rv = proto_reader_fail(r, at, "a decision without its number "
		    "or time");
	return rv;
}

wn_err
proto_consult_decode(const void *buf, size_t len, struct proto_consult *out,
    struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key;
	size_t n = 0, at, count;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, CONSULT_MUST | BIT(6) | BIT(7) | BIT(8),
			 &last, &seen, &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = ident(&r, out->case_id, sizeof(out->case_id));
			break;
		case 2:
			rv = num(&r, &out->meeting);
			break;
		case 3:
			rv = ident(&r, out->body_id, sizeof(out->body_id));
			break;
		case 4:
			rv = ms(&r, &out->at_ms);
			break;
		case 5:
			rv = ms(&r, &out->changed_ms);
			break;
		case 6:
			if ((rv = ms(&r, &out->minutes_ms)) == WN_OK &&
			    out->minutes_ms == 0)
				rv = proto_reader_fail(&r, r.pos - 1,
				    "minutes at time 0");
			break;
		case 7:
			rv = free_text(&r, out->minutes, sizeof(out->minutes),
			    false);
			out->has_minutes = rv == WN_OK;
			break;
		default:
			at = r.pos;
			count = 0;
			if ((rv = proto_read_array(&r, &count)) != WN_OK)
				break;
			if (count < 1 || count > PROTO_MEET_DECISIONS_MAX) {
				rv = proto_reader_fail(&r, at, "%zu decisions, "
				    "1 to %d", count,
				    PROTO_MEET_DECISIONS_MAX);
				break;
			}
			for (size_t k = 0; rv == WN_OK && k < count; k++) {
				at = r.pos;
				rv = decision(&r, &out->decisions[k]);
				if (rv == WN_OK && k > 0 &&
				    out->decisions[k].number <=
					out->decisions[k - 1].number)
					rv = proto_reader_fail(&r, at,
					    "decisions out of order or "
					    "repeated");
			}
			out->ndecisions = count;
			break;
		}
	}
	rv = finish(&r, rv, seen, CONSULT_MUST, consult_ok(out),
	    "minutes without the time they were written");
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

wn_err
proto_escalation_decode(const void *buf, size_t len,
    struct proto_escalation *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, ESC_MUST | BIT(8), &last, &seen,
			 &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = ident(&r, out->case_id, sizeof(out->case_id));
			break;
		case 2:
			rv = num(&r, &out->number);
			break;
		case 3:
			rv = ident(&r, out->from_body, sizeof(out->from_body));
			break;
		case 4:
			rv = ident(&r, out->to_body, sizeof(out->to_body));
			break;
		case 5:
			rv = ms(&r, &out->when_ms);
			break;
		case 6:
			rv = ident(&r, out->by_org, sizeof(out->by_org));
			break;
		case 7:
			rv = ident(&r, out->by_user, sizeof(out->by_user));
			break;
		default:
			rv = free_text(&r, out->reason, sizeof(out->reason),
			    true);
			out->has_reason = rv == WN_OK;
			break;
		}
	}
	rv = finish(&r, rv, seen, ESC_MUST, escalation_ok(out),
	    "a case handed to the body it is with");
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
