/*
 * plan_wire.c - encoders and strict decoders of a plan item (a goal or an
 * action of a case's plan, PLAN) and of an action's state (ACTION_STATE),
 * see work_wire.h. Maps of small uint keys in ascending order: a key
 * that is not above the one before it, unknown, or of the other kind is
 * refused with its offset, as are wrong types, values out of range, texts
 * with control characters and trailing bytes. Nothing allocates.
 */
#include "protocol/work_wire.h"

#include <string.h>

#define MAX_BODY (PROTO_BODY_MAX - 1)

/* the keys each kind of plan item must and may hold (bit k = key k) */
#define BIT(k) (UINT64_C(1) << (k))
#define ITEM_COMMON (BIT(1) | BIT(2) | BIT(3) | BIT(4))
#define GOAL_MUST (ITEM_COMMON | BIT(5))
#define GOAL_MAY (GOAL_MUST | BIT(9))
#define ACTION_MUST (ITEM_COMMON | BIT(6) | BIT(7) | BIT(8))
#define ACTION_MAY (ACTION_MUST | BIT(9) | BIT(10))
#define STATE_MUST (BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5))

/* text_ok: free text holds no control character but line breaks and
 * tabs */
static bool
text_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == 0x7f ||
		    (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t'))
			return false;
	return true;
}

/* case_ok: a case id is one line of printable text */
static bool
case_ok(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x21 || *p == 0x7f)
			return false;
	return true;
}

static bool
item_ok(const struct proto_plan_item *p)
{
	if (!case_ok(p->case_id) || p->number < 1 || p->number > INT64_MAX ||
	    p->changed_ms < 0 || (p->has_text && (p->text[0] == '\0' ||
					       !text_ok(p->text))) ||
	    (p->has_note && (p->note[0] == '\0' || !text_ok(p->note))))
		return false;
	if (p->kind == PROTO_PLAN_GOAL)
		return p->domain < PROTO_PLAN_DOMAINS && !p->has_note &&
		    p->owner[0] == '\0' && p->deadline_ms == 0 && p->state == 0;
	if (p->kind != PROTO_PLAN_ACTION)
		return false;
	return p->domain == 0 &&
	    proto_org_id_valid(p->owner, strlen(p->owner)) &&
	    p->deadline_ms >= 0 && p->state < PROTO_ACTION_STATES &&
	    (!p->has_note || (p->has_text && (p->state == PROTO_ACTION_DONE ||
					       p->state ==
						   PROTO_ACTION_CANCELLED)));
}

static bool
state_ok(const struct proto_action_state *s)
{
	return case_ok(s->case_id) && s->number >= 1 &&
	    s->number <= INT64_MAX && s->state == PROTO_ACTION_DONE &&
	    s->changed_ms >= 0 && s->note[0] != '\0' && text_ok(s->note);
}

static bool
fits(const char *s, size_t cap)
{
	return strlen(s) < cap;
}

wn_err
proto_plan_item_encode(const struct proto_plan_item *p,
    struct proto_writer *w)
{
	bool goal = p->kind == PROTO_PLAN_GOAL;
	if (!item_ok(p) || !fits(p->case_id, sizeof(p->case_id)) ||
	    !fits(p->text, sizeof(p->text)) || !fits(p->note, sizeof(p->note)))
		return WN_EINVAL;
	proto_write_map(w, 4 + (goal ? 1 : 3) + p->has_text + p->has_note);
	proto_write_uint(w, 1);
	proto_write_text(w, p->case_id);
	proto_write_uint(w, 2);
	proto_write_uint(w, p->kind);
	proto_write_uint(w, 3);
	proto_write_uint(w, p->number);
	proto_write_uint(w, 4);
	proto_write_uint(w, (uint64_t)p->changed_ms);
	if (goal) {
		proto_write_uint(w, 5);
		proto_write_uint(w, p->domain);
	} else {
		proto_write_uint(w, 6);
		proto_write_text(w, p->owner);
		proto_write_uint(w, 7);
		proto_write_uint(w, (uint64_t)p->deadline_ms);
		proto_write_uint(w, 8);
		proto_write_uint(w, p->state);
	}
	if (p->has_text) {
		proto_write_uint(w, 9);
		proto_write_text(w, p->text);
	}
	if (p->has_note) {
		proto_write_uint(w, 10);
		proto_write_text(w, p->note);
	}
	return proto_writer_status(w);
}

wn_err
proto_action_state_encode(const struct proto_action_state *s,
    struct proto_writer *w)
{
	if (!state_ok(s) || !fits(s->case_id, sizeof(s->case_id)) ||
	    !fits(s->note, sizeof(s->note)))
		return WN_EINVAL;
	proto_write_map(w, 5);
	proto_write_uint(w, 1);
	proto_write_text(w, s->case_id);
	proto_write_uint(w, 2);
	proto_write_uint(w, s->number);
	proto_write_uint(w, 3);
	proto_write_uint(w, s->state);
	proto_write_uint(w, 4);
	proto_write_uint(w, (uint64_t)s->changed_ms);
	proto_write_uint(w, 5);
	proto_write_text(w, s->note);
	return proto_writer_status(w);
}

/* ---- decoding ------------------------------------------------------- */

static wn_err
uint_max(struct proto_reader *r, uint64_t max, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv = proto_read_uint(r, out);
	if (rv == WN_OK && *out > max)
		return proto_reader_fail(r, at, "%llu is over %llu",
		    (unsigned long long)*out, (unsigned long long)max);
	return rv;
}

static wn_err
num(struct proto_reader *r, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv = uint_max(r, INT64_MAX, out);
	if (rv == WN_OK && *out == 0)
		return proto_reader_fail(r, at, "number 0");
	return rv;
}

static wn_err
ms(struct proto_reader *r, int64_t *out)
{
	uint64_t v;
	wn_err rv = uint_max(r, INT64_MAX, &v);
	if (rv == WN_OK)
		*out = (int64_t)v;
	return rv;
}

static wn_err
small(struct proto_reader *r, uint32_t below, uint32_t *out)
{
	uint64_t v;
	wn_err rv = uint_max(r, below - 1, &v);
	if (rv == WN_OK)
		*out = (uint32_t)v;
	return rv;
}

/* free_text reads a text that is not empty and holds no control
 * character but line breaks and tabs */
static wn_err
free_text(struct proto_reader *r, char *dst, size_t cap)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv != WN_OK)
		return rv;
	if (dst[0] == '\0')
		return proto_reader_fail(r, at, "empty text");
	if (!text_ok(dst))
		return proto_reader_fail(r, at, "a control character");
	return WN_OK;
}

static wn_err
case_id(struct proto_reader *r, char *dst, size_t cap)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, cap);
	if (rv == WN_OK && !case_ok(dst))
		return proto_reader_fail(r, at, "not a case id");
	return rv;
}

static wn_err
org(struct proto_reader *r, char *dst)
{
	size_t at = r->pos;
	wn_err rv = proto_read_text_copy(r, dst, PROTO_ORG_ID_MAX + 1);
	if (rv == WN_OK && !proto_org_id_valid(dst, strlen(dst)))
		return proto_reader_fail(r, at, "not an org id");
	return rv;
}

wn_err
proto_plan_item_decode(const void *buf, size_t len,
    struct proto_plan_item *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key, may = GOAL_MAY | ACTION_MAY;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, may, &last, &seen, &key)) != WN_OK)
			break;
		switch (key) {
		case 1:
			rv = case_id(&r, out->case_id, sizeof(out->case_id));
			break;
		case 2:
			/* the kind narrows the keys that may follow */
			if ((rv = small(&r, 2, &out->kind)) == WN_OK)
				may = out->kind == PROTO_PLAN_GOAL ? GOAL_MAY
								   : ACTION_MAY;
			break;
		case 3:
			rv = num(&r, &out->number);
			break;
		case 4:
			rv = ms(&r, &out->changed_ms);
			break;
		case 5:
			rv = small(&r, PROTO_PLAN_DOMAINS, &out->domain);
			break;
		case 6:
			rv = org(&r, out->owner);
			break;
		case 7:
			rv = ms(&r, &out->deadline_ms);
			break;
		case 8:
			rv = small(&r, PROTO_ACTION_STATES, &out->state);
			break;
		case 9:
			rv = free_text(&r, out->text, sizeof(out->text));
			out->has_text = rv == WN_OK;
			break;
		default:
			rv = free_text(&r, out->note, sizeof(out->note));
			out->has_note = rv == WN_OK;
			break;
		}
	}
	if (rv == WN_OK && !(seen & BIT(2)))
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK) {
		uint64_t must = out->kind == PROTO_PLAN_GOAL ? GOAL_MUST
							     : ACTION_MUST;
		if ((seen & must) != must)
			rv = proto_reader_fail(&r, r.pos, "a required key is "
			    "missing");
	}
	if (rv == WN_OK && !item_ok(out))
		rv = proto_reader_fail(&r, 0, "a note without a text, or on "
		    "an action neither done nor cancelled");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

wn_err
proto_action_state_decode(const void *buf, size_t len,
    struct proto_action_state *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, last = 0, key, v;
	size_t n = 0, at;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, STATE_MUST, &last, &seen, &key)) !=
		    WN_OK)
			break;
		switch (key) {
		case 1:
			rv = case_id(&r, out->case_id, sizeof(out->case_id));
			break;
		case 2:
			rv = num(&r, &out->number);
			break;
		case 3:
			at = r.pos;
			if ((rv = proto_read_uint(&r, &v)) == WN_OK &&
			    v != PROTO_ACTION_DONE)
				rv = proto_reader_fail(&r, at, "an owner "
				    "marks its action done (1), not %llu",
				    (unsigned long long)v);
			if (rv == WN_OK)
				out->state = (uint32_t)v;
			break;
		case 4:
			rv = ms(&r, &out->changed_ms);
			break;
		default:
			rv = free_text(&r, out->note, sizeof(out->note));
			break;
		}
	}
	if (rv == WN_OK && seen != STATE_MUST)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
