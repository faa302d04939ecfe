/*
 * test_meet_wire.c - consultations on the wire (protocol/meet_wire.h): a
 * body, a meeting, a case at a meeting and an escalation each encode and
 * decode back to the same values and the same bytes (a body the recipient
 * left, a meeting before and after its attendance, a case with and
 * without minutes and decisions, at view and at existence); the decoders
 * refuse, with an offset and a reason, every body that breaks a rule (a
 * key unknown, repeated or out of order, a missing one, a chair not among
 * the members, members out of order or repeated, too many partners or
 * decisions, a name with a line break, a control character in minutes,
 * minutes without their time, number 0, a case escalated to the body it
 * is with, an identifier that is not one, trailing bytes, too much); the
 * encoders refuse what the decoders would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "protocol/meet_wire.h"

static struct proto_body body_;
static struct proto_meeting meeting_;
static struct proto_consult consult_;
static struct proto_escalation esc_;

static int
setup(void **state)
{
	(void)state;
	memset(&body_, 0, sizeof(body_));
	wn_strlcpy(body_.body_id, "nbt-herentals", sizeof(body_.body_id));
	body_.changed_ms = INT64_C(1796157000000);
	body_.sits = true;
	wn_strlcpy(body_.name, "monthly neighbourhood team Herentals", sizeof(body_.name));
	wn_strlcpy(body_.chair, "gemeente", sizeof(body_.chair));
	body_.nmembers = 3;
	wn_strlcpy(body_.members[0], "gemeente", sizeof(body_.members[0]));
	wn_strlcpy(body_.members[1], "politie", sizeof(body_.members[1]));
	wn_strlcpy(body_.members[2], "wonen", sizeof(body_.members[2]));
	memset(&meeting_, 0, sizeof(meeting_));
	wn_strlcpy(meeting_.body_id, "nbt-herentals", sizeof(meeting_.body_id));
	meeting_.number = 7;
	meeting_.at_ms = INT64_C(1796200000000);
	meeting_.changed_ms = INT64_C(1796157000001);
	memset(&consult_, 0, sizeof(consult_));
	wn_strlcpy(consult_.case_id, "c-0a1b2c3d4e5f", sizeof(consult_.case_id));
	consult_.meeting = 7;
	wn_strlcpy(consult_.body_id, "nbt-herentals", sizeof(consult_.body_id));
	consult_.at_ms = meeting_.at_ms;
	consult_.changed_ms = INT64_C(1796200000500);
	memset(&esc_, 0, sizeof(esc_));
	wn_strlcpy(esc_.case_id, "c-0a1b2c3d4e5f", sizeof(esc_.case_id));
	esc_.number = 1;
	wn_strlcpy(esc_.from_body, "nbt-herentals", sizeof(esc_.from_body));
	wn_strlcpy(esc_.to_body, "nuisance-team", sizeof(esc_.to_body));
	esc_.when_ms = INT64_C(1796200000900);
	wn_strlcpy(esc_.by_org, "gemeente", sizeof(esc_.by_org));
	wn_strlcpy(esc_.by_user, "anna", sizeof(esc_.by_user));
	esc_.has_reason = true;
	wn_strlcpy(esc_.reason, "too complex for the neighbourhood team:\n\tthree "
			    "partners, no progress", sizeof(esc_.reason));
	return 0;
}

/* each round trip: same values, same bytes */
#define ROUND(T, v)                                                            \
	do {                                                                   \
		static uint8_t a_[1 << 18], b_[1 << 18];                       \
		static struct proto_##T d_;                                    \
		struct proto_writer w_;                                        \
		struct proto_error e_ = {0};                                   \
		proto_writer_init(&w_, a_, sizeof(a_));                        \
		assert_int_equal(proto_##T##_encode(&(v), &w_), WN_OK);        \
		size_t n_ = w_.len;                                            \
		if (proto_##T##_decode(a_, n_, &d_, &e_) != WN_OK)             \
			fail_msg(#T ": %s at %zu", e_.msg, e_.offset);         \
		assert_memory_equal(&d_, &(v), sizeof(d_));                    \
		proto_writer_init(&w_, b_, sizeof(b_));                        \
		assert_int_equal(proto_##T##_encode(&d_, &w_), WN_OK);         \
		assert_int_equal(w_.len, n_);                                  \
		assert_memory_equal(a_, b_, n_);                               \
	} while (0)

static void
test_round_trip(void **state)
{
	(void)state;
	ROUND(body, body_);
	/* the recipient no longer sits in it */
	static struct proto_body left;
	memset(&left, 0, sizeof(left));
	wn_strlcpy(left.body_id, "nbt-herentals", sizeof(left.body_id));
	left.changed_ms = 5;
	ROUND(body, left);
	ROUND(meeting, meeting_);
	meeting_.has_attendance = true; /* taken: nobody came */
	ROUND(meeting, meeting_);
	meeting_.npresent = 2;
	wn_strlcpy(meeting_.present[0], "gemeente", sizeof(meeting_.present[0]));
	wn_strlcpy(meeting_.present[1], "wonen", sizeof(meeting_.present[1]));
	ROUND(meeting, meeting_);
	/* on the agenda only */
	ROUND(consult, consult_);
	/* minutes and decisions at view, the longest texts */
	consult_.minutes_ms = 1796200000400;
	consult_.has_minutes = true;
	memset(consult_.minutes, 'm', PROTO_MEET_TEXT_MAX);
	consult_.ndecisions = PROTO_MEET_DECISIONS_MAX;
	for (size_t i = 0; i < consult_.ndecisions; i++) {
		struct proto_meet_decision *d = &consult_.decisions[i];
		d->number = i + 1;
		d->decided_ms = 1796200000400 + (int64_t)i;
		d->step = i % 2 ? i : 0;
		d->has_text = true;
		memset(d->text, 'd', PROTO_MEET_TEXT_MAX);
	}
	ROUND(consult, consult_);
	/* at existence: no texts */
	consult_.has_minutes = false;
	memset(consult_.minutes, 0, sizeof(consult_.minutes));
	for (size_t i = 0; i < consult_.ndecisions; i++) {
		consult_.decisions[i].has_text = false;
		memset(consult_.decisions[i].text, 0,
		    sizeof(consult_.decisions[i].text));
	}
	ROUND(consult, consult_);
	ROUND(escalation, esc_);
	esc_.has_reason = false;
	memset(esc_.reason, 0, sizeof(esc_.reason));
	ROUND(escalation, esc_);
	esc_.has_reason = true; /* shared, none given */
	ROUND(escalation, esc_);
}

/* a map written by hand; kind 0 uint, 1 text, 2 bytes, 3 raw CBOR */
struct kv {
	uint64_t key;
	int kind;
	uint64_t u;
	const char *t;
	size_t tlen; /* raw: its length */
};

static size_t
mk(const struct kv *kv, size_t n, uint8_t *buf, size_t cap,
    const char *tail)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_map(&w, n);
	for (size_t i = 0; i < n; i++) {
		proto_write_uint(&w, kv[i].key);
		if (kv[i].kind == 0)
			proto_write_uint(&w, kv[i].u);
		else if (kv[i].kind == 1)
			proto_write_text(&w, kv[i].t);
		else if (kv[i].kind == 2)
			proto_write_bytes(&w, kv[i].t, strlen(kv[i].t));
		else
			proto_write_raw(&w, kv[i].t, kv[i].tlen);
	}
	if (tail)
		proto_write_raw(&w, tail, strlen(tail));
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

enum which { BODY, MEETING, CONSULT, ESCAL };

static wn_err
dec(enum which k, const uint8_t *buf, size_t len, struct proto_error *e,
    bool *zeroed)
{
	static struct proto_body b;
	static struct proto_meeting m;
	static struct proto_consult c;
	static struct proto_escalation x;
	wn_err rv;
	switch (k) {
	case BODY:
		rv = proto_body_decode(buf, len, &b, e);
		*zeroed = b.body_id[0] == 0 && b.nmembers == 0;
		return rv;
	case MEETING:
		rv = proto_meeting_decode(buf, len, &m, e);
		*zeroed = m.number == 0 && m.npresent == 0;
		return rv;
	case CONSULT:
		rv = proto_consult_decode(buf, len, &c, e);
		*zeroed = c.meeting == 0 && c.ndecisions == 0 &&
		    !c.has_minutes;
		return rv;
	default:
		rv = proto_escalation_decode(buf, len, &x, e);
		*zeroed = x.number == 0 && !x.has_reason;
		return rv;
	}
}

static void
ok(enum which k, const struct kv *kv, size_t n)
{
	static uint8_t buf[1 << 18];
	struct proto_error e = {0};
	bool z;
	size_t len = mk(kv, n, buf, sizeof(buf), NULL);
	if (dec(k, buf, len, &e, &z) != WN_OK)
		fail_msg("refused: %s at %zu", e.msg, e.offset);
}

static void
refused(enum which k, const struct kv *kv, size_t n, const char *tail,
    const char *why)
{
	static uint8_t buf[1 << 18];
	struct proto_error e = {0};
	bool z = false;
	size_t len = mk(kv, n, buf, sizeof(buf), tail);
	assert_int_equal(dec(k, buf, len, &e, &z), WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	assert_true(z);
}

static char raw_members[3][64];

/* arr writes [texts...] into raw slot i */
static struct kv
arr(size_t i, uint64_t key, const char *const *texts, size_t n)
{
	struct proto_writer w;
	proto_writer_init(&w, raw_members[i], sizeof(raw_members[i]));
	proto_write_array(&w, n);
	for (size_t k = 0; k < n; k++)
		proto_write_text(&w, texts[k]);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return (struct kv){key, 3, 0, raw_members[i], w.len};
}

static void
test_body_refusals(void **state)
{
	(void)state;
	static const char *const m3[] = {"gemeente", "politie", "wonen"};
	static const char *const unordered[] = {"politie", "gemeente"};
	static const char *const twice[] = {"gemeente", "gemeente"};
	static const char *const bad_id[] = {"Gemeente"};
	struct kv kv[6] = {{1, 1, 0, "nbt"}, {2, 0, 5, NULL},
	    {3, 1, 0, "the team"}, {4, 1, 0, "politie"}, arr(0, 5, m3, 3)};
	ok(BODY, kv, 5);
	ok(BODY, kv, 2); /* left the body */
	refused(BODY, kv, 3, NULL, "a required key is missing");
	refused(BODY, kv, 4, NULL, "a required key is missing");
	refused(BODY, kv, 5, "\x01", "trailing");
	kv[5] = (struct kv){6, 0, 1, NULL, 0};
	refused(BODY, kv, 6, NULL, "unknown key 6");
	struct kv c[5] = {{1, 1, 0, "nbt"}, {2, 0, 5, NULL},
	    {3, 1, 0, "the team"}, {4, 1, 0, "police"}, arr(0, 5, m3, 3)};
	refused(BODY, c, 5, NULL, "the chair is not among the members");
	c[4] = arr(1, 5, unordered, 2);
	c[3].t = "politie";
	refused(BODY, c, 5, NULL, "out of order or repeated");
	c[4] = arr(1, 5, twice, 2);
	refused(BODY, c, 5, NULL, "out of order or repeated");
	c[4] = arr(1, 5, bad_id, 1);
	refused(BODY, c, 5, NULL, "not an identifier");
	c[4] = arr(1, 5, NULL, 0);
	refused(BODY, c, 5, NULL, "no partner");
	static const char *many[PROTO_BODY_MEMBERS_MAX + 1];
	static char names[PROTO_BODY_MEMBERS_MAX + 1][8];
	for (int i = 0; i <= PROTO_BODY_MEMBERS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "p%02d", i);
		many[i] = names[i];
	}
	static uint8_t big[2048];
	struct proto_writer w;
	proto_writer_init(&w, big, sizeof(big));
	proto_write_array(&w, PROTO_BODY_MEMBERS_MAX + 1);
	for (int i = 0; i <= PROTO_BODY_MEMBERS_MAX; i++)
		proto_write_text(&w, many[i]);
	c[3].t = "p00";
	c[4] = (struct kv){5, 3, 0, (const char *)big, w.len};
	refused(BODY, c, 5, NULL, "at most 32");
	struct kv nl[5] = {{1, 1, 0, "nbt"}, {2, 0, 5, NULL},
	    {3, 1, 0, "the\nteam"}, {4, 1, 0, "politie"}, arr(0, 5, m3, 3)};
	refused(BODY, nl, 5, NULL, "a line break in a name");
	nl[2].t = "";
	refused(BODY, nl, 5, NULL, "empty text");
	struct kv order[2] = {{2, 0, 5, NULL}, {1, 1, 0, "nbt"}};
	refused(BODY, order, 2, NULL, "key 1 out of order (after 2)");
	struct kv id[2] = {{1, 1, 0, "n b t"}, {2, 0, 5, NULL}};
	refused(BODY, id, 2, NULL, "not an identifier");
	id[0].t = "nbt-0123456789abcdef0123456789abc";
	refused(BODY, id, 2, NULL, "too long");
}

static void
test_meeting_refusals(void **state)
{
	(void)state;
	static const char *const two[] = {"gemeente", "wonen"};
	static const char *const back[] = {"wonen", "gemeente"};
	struct kv kv[6] = {{1, 1, 0, "nbt"}, {2, 0, 7, NULL},
	    {3, 0, 1796200000000, NULL}, {4, 0, 1, NULL}, arr(0, 5, two, 2)};
	ok(MEETING, kv, 5);
	ok(MEETING, kv, 4);
	refused(MEETING, kv, 3, NULL, "a required key is missing");
	kv[4] = arr(0, 5, back, 2);
	refused(MEETING, kv, 5, NULL, "out of order or repeated");
	kv[4] = (struct kv){5, 1, 0, "gemeente", 0};
	refused(MEETING, kv, 5, NULL, "expected");
	struct kv zero[4] = {{1, 1, 0, "nbt"}, {2, 0, 0, NULL},
	    {3, 0, 1, NULL}, {4, 0, 1, NULL}};
	refused(MEETING, zero, 4, NULL, "number 0");
	zero[1].u = (uint64_t)INT64_MAX + 1;
	refused(MEETING, zero, 4, NULL, "is over");
	zero[1].u = 1;
	zero[2] = (struct kv){3, 1, 0, "tomorrow", 0};
	refused(MEETING, zero, 4, NULL, "expected");
}

static void
test_consult_refusals(void **state)
{
	(void)state;
	static uint8_t d1[64], d2[128];
	struct proto_writer w;
	/* two decisions: [{1: 1, 2: 5, 4: "advance"}, {1: 2, 2: 6, 3: 4}] */
	proto_writer_init(&w, d1, sizeof(d1));
	proto_write_array(&w, 2);
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_uint(&w, 5);
	proto_write_uint(&w, 4);
	proto_write_text(&w, "advance");
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_uint(&w, 2);
	proto_write_uint(&w, 6);
	proto_write_uint(&w, 3);
	proto_write_uint(&w, 4);
	size_t n1 = w.len;
	struct kv kv[9] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
	    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
	    {6, 0, 8, NULL}, {7, 1, 0, "the minutes"},
	    {8, 3, 0, (const char *)d1, n1}};
	ok(CONSULT, kv, 8);
	ok(CONSULT, kv, 5);
	ok(CONSULT, kv, 6); /* minutes written, not shared */
	kv[8] = (struct kv){9, 0, 1, NULL, 0};
	refused(CONSULT, kv, 9, NULL, "unknown key 9");
	refused(CONSULT, kv, 4, NULL, "a required key is missing");
	refused(CONSULT, kv, 8, "\x01", "trailing");
	/* minutes without their time */
	struct kv nt[6] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
	    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
	    {7, 1, 0, "the minutes"}};
	refused(CONSULT, nt, 6, NULL, "minutes without the time");
	struct kv t0[6] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
	    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
	    {6, 0, 0, NULL}};
	refused(CONSULT, t0, 6, NULL, "minutes at time 0");
	struct kv cc[7] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
	    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
	    {6, 0, 8, NULL}, {7, 1, 0, "a\x1b[2Jb"}};
	refused(CONSULT, cc, 7, NULL, "a control character");
	cc[6].t = "";
	refused(CONSULT, cc, 7, NULL, "empty text");
	static char longtext[PROTO_MEET_TEXT_MAX + 2];
	memset(longtext, 'x', PROTO_MEET_TEXT_MAX + 1);
	cc[6].t = longtext;
	refused(CONSULT, cc, 7, NULL, "too long");
	/* decisions out of order, repeated, without a number, too many,
	 * none, step 0 */
#define B(s, why) {s, sizeof(s) - 1, why}
	static const struct {
		const char *raw;
		size_t len;
		const char *why;
	} bad[] = {
	    B("\x82\xa2\x01\x02\x02\x05\xa2\x01\x01\x02\x05",
		"out of order or repeated"),
	    B("\x82\xa2\x01\x01\x02\x05\xa2\x01\x01\x02\x05",
		"out of order or repeated"),
	    B("\x81\xa1\x02\x05", "without its number"),
	    B("\x81\xa3\x01\x01\x02\x05\x03\x00", "number 0"),
	    B("\x81\xa2\x01\x01\x02\x05\x00", "trailing"),
	    B("\x80", "0 decisions"),
	    B("\x81\xa3\x01\x01\x02\x05\x05\x00", "unknown key 5"),
	    B("\x81\xa3\x01\x01\x02\x05\x04\x04", "expected"),
	    B("\x81\xa3\x01\x01\x02\x05\x04\x61\x07", "a control"),
	};
#undef B
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[6] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
		    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
		    {8, 3, 0, bad[k].raw, bad[k].len}};
		refused(CONSULT, c, 6, NULL, bad[k].why);
	}
	proto_writer_init(&w, d2, sizeof(d2));
	proto_write_array(&w, PROTO_MEET_DECISIONS_MAX + 1);
	for (int i = 0; i <= PROTO_MEET_DECISIONS_MAX; i++) {
		proto_write_map(&w, 2);
		proto_write_uint(&w, 1);
		proto_write_uint(&w, (uint64_t)i + 1);
		proto_write_uint(&w, 2);
		proto_write_uint(&w, 5);
	}
	struct kv many[6] = {{1, 1, 0, "c-1"}, {2, 0, 7, NULL},
	    {3, 1, 0, "nbt"}, {4, 0, 9, NULL}, {5, 0, 10, NULL},
	    {8, 3, 0, (const char *)d2, w.len}};
	refused(CONSULT, many, 6, NULL, "17 decisions");
	struct proto_consult d;
	assert_int_equal(proto_consult_decode("\x80", 1, &d, NULL), WN_EPROTO);
	assert_int_equal(proto_consult_decode(d2, PROTO_BODY_MAX, &d, NULL),
	    WN_ETOOBIG);
}

#define ESC                                                                    \
	{1, 1, 0, "c-1", 0}, {2, 0, 1, NULL, 0}, {3, 1, 0, "nbt", 0},          \
	    {4, 1, 0, "nuisance", 0}, {5, 0, 9, NULL, 0},                      \
	    {6, 1, 0, "gemeente", 0}, {7, 1, 0, "anna", 0},                    \
	    {8, 1, 0, "why", 0}

static void
test_escalation_refusals(void **state)
{
	(void)state;
	struct kv kv[9] = {ESC};
	ok(ESCAL, kv, 8);
	ok(ESCAL, kv, 7);
	kv[7].t = "";
	ok(ESCAL, kv, 8);
	refused(ESCAL, kv, 6, NULL, "a required key is missing");
	kv[8] = (struct kv){9, 0, 1, NULL, 0};
	refused(ESCAL, kv, 9, NULL, "unknown key 9");
	static const struct {
		size_t i;
		struct kv v;
		const char *why;
	} bad[] = {
	    {0, {1, 1, 0, "C-1", 0}, "not an identifier"},
	    {1, {2, 0, 0, NULL, 0}, "number 0"},
	    {3, {4, 1, 0, "nbt", 0}, "the body it is with"},
	    {2, {3, 2, 0, "nbt", 0}, "expected"},
	    {6, {7, 1, 0, "Anna", 0}, "not an identifier"},
	    {7, {8, 1, 0, "a\rb\x7f", 0}, "a control character"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[8] = {ESC};
		c[bad[k].i] = bad[k].v;
		refused(ESCAL, c, 8, NULL, bad[k].why);
	}
	static char longwhy[PROTO_MEET_REASON_MAX + 2];
	memset(longwhy, 'y', PROTO_MEET_REASON_MAX + 1);
	struct kv c[8] = {ESC};
	c[7].t = longwhy;
	refused(ESCAL, c, 8, NULL, "too long");
}

static void
test_encoders_refuse(void **state)
{
	(void)state;
	static uint8_t buf[1 << 18];
	struct proto_writer w;
	static struct proto_body b;
	static struct proto_meeting m;
	static struct proto_consult c;
	static struct proto_escalation e;
	b = body_;
	wn_strlcpy(b.chair, "youth", sizeof(b.chair));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_body_encode(&b, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	b = body_;
	wn_strlcpy(b.members[1], "aaa", sizeof(b.members[1])); /* out of order */
	assert_int_equal(proto_body_encode(&b, &w), WN_EINVAL);
	b = body_;
	b.sits = false;
	assert_int_equal(proto_body_encode(&b, &w), WN_EINVAL);
	m = meeting_;
	m.npresent = 1;
	wn_strlcpy(m.present[0], "x", sizeof(m.present[0]));
	assert_int_equal(proto_meeting_encode(&m, &w), WN_EINVAL);
	m = meeting_;
	m.number = 0;
	assert_int_equal(proto_meeting_encode(&m, &w), WN_EINVAL);
	c = consult_;
	c.has_minutes = true;
	wn_strlcpy(c.minutes, "x", sizeof(c.minutes));
	assert_int_equal(proto_consult_encode(&c, &w), WN_EINVAL);
	c.minutes_ms = 1;
	wn_strlcpy(c.minutes, "a\x01", sizeof(c.minutes));
	assert_int_equal(proto_consult_encode(&c, &w), WN_EINVAL);
	c = consult_;
	c.ndecisions = 2;
	c.decisions[0].number = 2;
	c.decisions[1].number = 1;
	assert_int_equal(proto_consult_encode(&c, &w), WN_EINVAL);
	e = esc_;
	wn_strlcpy(e.to_body, e.from_body, sizeof(e.to_body));
	assert_int_equal(proto_escalation_encode(&e, &w), WN_EINVAL);
	e = esc_;
	e.has_reason = false;
	assert_int_equal(proto_escalation_encode(&e, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_round_trip, setup),
	    cmocka_unit_test_setup(test_body_refusals, setup),
	    cmocka_unit_test_setup(test_meeting_refusals, setup),
	    cmocka_unit_test_setup(test_consult_refusals, setup),
	    cmocka_unit_test_setup(test_escalation_refusals, setup),
	    cmocka_unit_test_setup(test_encoders_refuse, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
