/*
 * test_life_wire.c - a case's step and a link between cases on the wire
 * (protocol/life_wire.h): each encodes and decodes back to the same
 * values and the same bytes, with and without a reason, closed with an
 * outcome; the decoder refuses, with an offset and a reason, every body
 * that breaks a rule (a key unknown, repeated or out of order, a missing
 * one, an outcome on an open stage or none on a closed one, a stage,
 * outcome or relation out of range, step 0, an identifier that is not
 * one, a control character in a reason, an over-long reason, a case linked
 * to itself, trailing bytes, too much); the encoder refuses what the
 * decoder would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "protocol/life_wire.h"

static const struct proto_case_step step = {
	.case_id = "c-0a1b2c3d4e5f",
	.step = 3,
	.stage = 2,
	.when_ms = INT64_C(1796157000000),
	.by_org = "dir",
	.by_user = "anna",
	.has_reason = true,
	.reason = "the partners' information is in:\n\tanalysis starts",
};

static const struct proto_case_link link_ = {
	.case_id = "c-000000000001",
	.other = "c-000000000002",
	.relation = 1,
	.when_ms = INT64_C(1796157000000),
	.by_org = "dir",
	.by_user = "anna",
};

static void
test_round_trip(void **state)
{
	(void)state;
	static uint8_t a[8192], b[8192];
	struct proto_case_step d, s = step;
	struct proto_case_link dl;
	struct proto_writer w;
	for (int k = 0; k < 4; k++) {
		s = step;
		if (k == 1) { /* not shared */
			s.has_reason = false;
			memset(s.reason, 0, sizeof(s.reason));
		}
		if (k == 2) { /* closed, none given */
			s.stage = PROTO_CASE_CLOSED;
			s.outcome = 2;
			memset(s.reason, 0, sizeof(s.reason));
		}
		if (k == 3) /* the longest reason */
			memset(s.reason, 'x', PROTO_STEP_REASON_MAX);
		proto_writer_init(&w, a, sizeof(a));
		assert_int_equal(proto_case_step_encode(&s, &w), WN_OK);
		size_t n = w.len;
		struct proto_error e = {0};
		if (proto_case_step_decode(a, n, &d, &e) != WN_OK)
			fail_msg("round %d: %s at %zu", k, e.msg, e.offset);
		assert_memory_equal(&d, &s, sizeof(d));
		proto_writer_init(&w, b, sizeof(b));
		assert_int_equal(proto_case_step_encode(&d, &w), WN_OK);
		assert_int_equal(w.len, n);
		assert_memory_equal(a, b, n);
	}
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_case_link_encode(&link_, &w), WN_OK);
	assert_int_equal(proto_case_link_decode(a, w.len, &dl, NULL), WN_OK);
	assert_memory_equal(&dl, &link_, sizeof(dl));
}

/* a map written by hand */
struct kv {
	uint64_t key;
	int kind; /* 0 uint, 1 text, 2 bytes */
	uint64_t u;
	const char *t;
};

static size_t
body(const struct kv *kv, size_t n, uint8_t *buf, size_t cap,
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
		else
			proto_write_bytes(&w, kv[i].t, strlen(kv[i].t));
	}
	if (tail)
		proto_write_raw(&w, tail, strlen(tail));
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
step_refused(const struct kv *kv, size_t n, const char *tail, const char *why)
{
	static uint8_t buf[16384];
	struct proto_case_step d;
	struct proto_error e = {0};
	size_t len = body(kv, n, buf, sizeof(buf), tail);
	assert_int_equal(proto_case_step_decode(buf, len, &d, &e), WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	assert_int_equal(d.step, 0);
	assert_false(d.has_reason);
}

static void
link_refused(const struct kv *kv, size_t n, const char *why)
{
	uint8_t buf[1024];
	struct proto_case_link d;
	struct proto_error e = {0};
	size_t len = body(kv, n, buf, sizeof(buf), NULL);
	assert_int_equal(proto_case_link_decode(buf, len, &d, &e), WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	assert_int_equal(d.case_id[0], 0);
}

#define STEP                                                                   \
	{1, 1, 0, "c-1"}, {2, 0, 4, NULL}, {3, 0, 3, NULL},                    \
	    {5, 0, 1796157000000, NULL}, {6, 1, 0, "dir"},                     \
	    {7, 1, 0, "anna"}, {8, 1, 0, "why"}

static void
test_step_refusals(void **state)
{
	(void)state;
	static uint8_t buf[16384];
	struct proto_case_step d;
	struct kv kv[9] = {STEP};
	size_t len = body(kv, 7, buf, sizeof(buf), NULL);
	assert_int_equal(proto_case_step_decode(buf, len, &d, NULL), WN_OK);
	/* without a reason: not shared */
	len = body(kv, 6, buf, sizeof(buf), NULL);
	assert_int_equal(proto_case_step_decode(buf, len, &d, NULL), WN_OK);
	assert_false(d.has_reason);

	kv[7] = (struct kv){9, 0, 1, NULL};
	step_refused(kv, 8, NULL, "unknown key 9");
	kv[7] = (struct kv){8, 1, 0, "again"};
	step_refused(kv, 8, NULL, "key 8 out of order");
	step_refused(kv, 5, NULL, "a required key is missing");
	step_refused(kv, 7, "\x01", "trailing");
	/* out of order: 3 before 2 */
	struct kv swap[7] = {STEP};
	swap[1] = (struct kv){3, 0, 3, NULL};
	swap[2] = (struct kv){2, 0, 4, NULL};
	step_refused(swap, 7, NULL, "key 2 out of order");
	/* an outcome on an open stage; a closed case without one */
	struct kv oc[8] = {{1, 1, 0, "c-1"}, {2, 0, 4, NULL}, {3, 0, 3, NULL},
	    {4, 0, 1, NULL}, {5, 0, 1, NULL}, {6, 1, 0, "dir"},
	    {7, 1, 0, "anna"}, {8, 1, 0, ""}};
	step_refused(oc, 8, NULL, "an outcome is given exactly when");
	oc[2].u = 5;
	len = body(oc, 8, buf, sizeof(buf), NULL);
	assert_int_equal(proto_case_step_decode(buf, len, &d, NULL), WN_OK);
	assert_int_equal(d.outcome, 1);
	assert_true(d.has_reason);
	assert_string_equal(d.reason, "");
	struct kv closed[7] = {STEP};
	closed[2].u = 5;
	step_refused(closed, 7, NULL, "an outcome is given exactly when");
	oc[3].u = 3;
	step_refused(oc, 8, NULL, "3 is over 2");

	static const struct {
		size_t i;
		struct kv v;
		const char *why;
	} bad[] = {
	    {0, {1, 1, 0, ""}, "not an identifier"},
	    {0, {1, 1, 0, "C-1"}, "not an identifier"},
	    {0, {1, 2, 0, "c-1"}, "expected"},
	    {0, {1, 1, 0, "c-0123456789abcdef0123456789abcdef"}, "too long"},
	    {1, {2, 0, 0, NULL}, "step 0"},
	    {1, {2, 0, 1000001, NULL}, "is over 1000000"},
	    {2, {3, 0, 6, NULL}, "6 is over 5"},
	    {3, {5, 1, 0, "now"}, "expected"},
	    {4, {6, 1, 0, "d i r"}, "not an identifier"},
	    {5, {7, 1, 0, "Anna"}, "not an identifier"},
	    {6, {8, 1, 0, "a\rb"}, "a control character"},
	    {6, {8, 1, 0, "a\x7f"}, "a control character"},
	    {6, {8, 2, 0, "why"}, "expected"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[7] = {STEP};
		c[bad[k].i] = bad[k].v;
		step_refused(c, 7, NULL, bad[k].why);
	}
	/* a reason over its limit */
	static char longwhy[PROTO_STEP_REASON_MAX + 2];
	memset(longwhy, 'y', PROTO_STEP_REASON_MAX + 1);
	struct kv c[7] = {STEP};
	c[6].t = longwhy;
	step_refused(c, 7, NULL, "too long");
	assert_int_equal(proto_case_step_decode("\x80", 1, &d, NULL),
	    WN_EPROTO);
	assert_int_equal(proto_case_step_decode(buf, PROTO_BODY_MAX, &d, NULL),
	    WN_ETOOBIG);
}

#define LINK                                                                   \
	{1, 1, 0, "c-1"}, {2, 1, 0, "c-2"}, {3, 0, 0, NULL}, {4, 0, 5, NULL},  \
	    {5, 1, 0, "dir"}, { 6, 1, 0, "anna" }

static void
test_link_refusals(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct proto_case_link d;
	struct kv kv[7] = {LINK};
	size_t len = body(kv, 6, buf, sizeof(buf), NULL);
	assert_int_equal(proto_case_link_decode(buf, len, &d, NULL), WN_OK);
	link_refused(kv, 5, "a link has 6 keys");
	kv[6] = (struct kv){7, 0, 1, NULL};
	link_refused(kv, 7, "a link has 6 keys");
	struct kv same[6] = {LINK};
	same[1].t = "c-1";
	link_refused(same, 6, "a case linked to itself");
	struct kv rel[6] = {LINK};
	rel[2].u = 3;
	link_refused(rel, 6, "3 is over 2");
	struct kv order[6] = {LINK};
	order[0] = (struct kv){2, 1, 0, "c-2"};
	order[1] = (struct kv){1, 1, 0, "c-1"};
	link_refused(order, 6, "key 1 out of order");
	struct kv who[6] = {LINK};
	who[5].t = "";
	link_refused(who, 6, "not an identifier");
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	static uint8_t buf[8192];
	struct proto_writer w;
	struct proto_case_step s;
	struct proto_case_link l;
	for (int k = 0; k < 7; k++) {
		s = step;
		switch (k) {
		case 0: s.step = 0; break;
		case 1: s.stage = 6; break;
		case 2: s.outcome = 1; break; /* on an open stage */
		case 3: s.stage = PROTO_CASE_CLOSED; s.outcome = 3; break;
		case 4: s.case_id[0] = '\0'; break;
		case 5: s.reason[0] = '\r'; break;
		default: s.by_user[0] = 'A'; break;
		}
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_case_step_encode(&s, &w), WN_EINVAL);
		assert_int_equal(w.len, 0);
	}
	l = link_;
	memcpy(l.other, l.case_id, sizeof(l.other));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_case_link_encode(&l, &w), WN_EINVAL);
	l = link_;
	l.relation = 3;
	assert_int_equal(proto_case_link_encode(&l, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_step_refusals),
	    cmocka_unit_test(test_link_refusals),
	    cmocka_unit_test(test_encoder_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
