/*
 * test_casesig_wire.c - a signal of a case on the wire (CASE_SIGNAL,
 * protocol/casesig_wire.h): at view (an incident, a duplicate), at
 * existence and withdrawn, each encodes and decodes back to the same
 * values and the same bytes; the decoder refuses, with an offset and a
 * reason, every body that breaks a rule (a key unknown, repeated or out
 * of order, a missing one, part of the summary, a summary without when, a
 * duplicate without a summary, signal 0, an incident without a report, a
 * duplicate that counts reports or names itself, a category or a count
 * out of range, a control character in a place, an identifier that is
 * not one, trailing bytes, too much); the encoder refuses what the
 * decoder would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "protocol/casesig_wire.h"

static struct proto_case_signal sig_;

static int
setup(void **state)
{
	(void)state;
	memset(&sig_, 0, sizeof(sig_));
	wn_strlcpy(sig_.case_id, "c-0a1b2c3d4e5f", sizeof(sig_.case_id));
	wn_strlcpy(sig_.origin, "politie", sizeof(sig_.origin));
	sig_.number = 12;
	sig_.when_ms = INT64_C(1796157000000);
	sig_.has_summary = true;
	wn_strlcpy(sig_.municipality, "Herentals", sizeof(sig_.municipality));
	wn_strlcpy(sig_.neighbourhood, "Stationsbuurt",
	    sizeof(sig_.neighbourhood));
	sig_.category = 3;
	sig_.reports = 2;
	return 0;
}

static void
round_trip(const struct proto_case_signal *v)
{
	static uint8_t a[1024], b[1024];
	static struct proto_case_signal d;
	struct proto_writer w;
	struct proto_error e = {0};
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_case_signal_encode(v, &w), WN_OK);
	size_t n = w.len;
	if (proto_case_signal_decode(a, n, &d, &e) != WN_OK)
		fail_msg("%s at %zu", e.msg, e.offset);
	assert_memory_equal(&d, v, sizeof(d));
	proto_writer_init(&w, b, sizeof(b));
	assert_int_equal(proto_case_signal_encode(&d, &w), WN_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, b, n);
}

static void
test_round_trip(void **state)
{
	(void)state;
	round_trip(&sig_);
	/* an empty neighbourhood, the longest places */
	memset(sig_.neighbourhood, 0, sizeof(sig_.neighbourhood));
	round_trip(&sig_);
	memset(sig_.municipality, 'm', PROTO_SIGNAL_PLACE_MAX);
	memset(sig_.neighbourhood, 'n', PROTO_SIGNAL_PLACE_MAX);
	round_trip(&sig_);
	/* a duplicate: no reports of its own */
	sig_.duplicate_of = 11;
	sig_.reports = 0;
	round_trip(&sig_);
	/* at existence: when only */
	static struct proto_case_signal ex;
	memset(&ex, 0, sizeof(ex));
	wn_strlcpy(ex.case_id, sig_.case_id, sizeof(ex.case_id));
	wn_strlcpy(ex.origin, sig_.origin, sizeof(ex.origin));
	ex.number = 12;
	ex.when_ms = 0;
	round_trip(&ex);
	/* withdrawn: the case, whose, which */
	ex.withdrawn = true;
	round_trip(&ex);
}

/* kv: one key and its value (text when t is not NULL) */
struct kv {
	uint64_t k;
	const char *t;
	uint64_t u;
};

static size_t
body(uint8_t *buf, size_t cap, const struct kv *kv, size_t n)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_map(&w, n);
	for (size_t i = 0; i < n; i++) {
		proto_write_uint(&w, kv[i].k);
		if (kv[i].t != NULL)
			proto_write_text(&w, kv[i].t);
		else
			proto_write_uint(&w, kv[i].u);
	}
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
ok(const struct kv *kv, size_t n)
{
	uint8_t buf[2048];
	struct proto_case_signal d;
	struct proto_error e = {0};
	size_t len = body(buf, sizeof(buf), kv, n);
	if (proto_case_signal_decode(buf, len, &d, &e) != WN_OK)
		fail_msg("refused: %s at %zu", e.msg, e.offset);
}

static void
refused(const struct kv *kv, size_t n, const char *why)
{
	static const struct proto_case_signal zero;
	uint8_t buf[2048];
	struct proto_case_signal d;
	struct proto_error e = {0};
	size_t len = body(buf, sizeof(buf), kv, n);
	assert_int_equal(proto_case_signal_decode(buf, len, &d, &e),
	    WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("reason '%s', wanted '%s'", e.msg, why);
	assert_true(e.offset <= len);
	assert_memory_equal(&d, &zero, sizeof(d));
}

static void
test_refusals(void **state)
{
	(void)state;
	struct kv kv[9] = {{1, "c-1", 0}, {2, "politie", 0}, {3, NULL, 4},
	    {4, NULL, 1796157000000}, {5, "Herentals", 0}, {6, "", 0},
	    {7, NULL, 8}, {8, NULL, 1}, {9, NULL, 3}};
	/* an incident, a duplicate, existence, withdrawn */
	ok(kv, 8);
	kv[7].u = 0;
	ok(kv, 9);
	refused(kv, 8, "an incident without a report");
	kv[8].u = 4;
	refused(kv, 9, "a duplicate names itself or counts reports");
	kv[7].u = 2;
	kv[8].u = 3;
	refused(kv, 9, "a duplicate names itself or counts reports");
	kv[7].u = 1;
	ok(kv, 4);
	ok(kv, 3);
	refused(kv, 2, "a required key is missing");
	/* part of the summary */
	refused(kv, 5, "keys 5 to 8 come all together");
	refused(kv, 7, "keys 5 to 8 come all together");
	/* a summary without when */
	struct kv nowhen[7] = {kv[0], kv[1], kv[2], kv[4], kv[5], kv[6], kv[7]};
	refused(nowhen, 7, "a summary without when");
	/* duplicate of without a summary */
	struct kv dup[5] = {kv[0], kv[1], kv[2], kv[3], {9, NULL, 2}};
	refused(dup, 5, "duplicate of without a summary");
	/* keys out of order, repeated, unknown */
	struct kv swap[3] = {kv[1], kv[0], kv[2]};
	refused(swap, 3, "out of order");
	struct kv twice[4] = {kv[0], kv[1], kv[2], kv[2]};
	refused(twice, 4, "out of order");
	struct kv unknown[4] = {kv[0], kv[1], kv[2], {10, NULL, 1}};
	refused(unknown, 4, "unknown");
	struct kv zero[3] = {kv[0], kv[1], {3, NULL, 0}};
	refused(zero, 3, "signal 0");
	zero[2].u = (uint64_t)INT64_MAX + 1;
	refused(zero, 3, "is over");
	struct kv bad[8] = {kv[0], kv[1], kv[2], kv[3], kv[4], kv[5], kv[6],
	    kv[7]};
	bad[6].u = PROTO_SIGNAL_CATEGORIES;
	refused(bad, 8, "is over");
	bad[6].u = 0;
	bad[7].u = PROTO_SIGNAL_REPORTS_MAX + 1;
	refused(bad, 8, "is over");
	bad[7].u = 1;
	bad[4].t = "Heren\ntals";
	refused(bad, 8, "a control character");
	bad[4].t = "";
	refused(bad, 8, "empty text");
	bad[4].t = "Herentals";
	bad[0].t = "C-1";
	refused(bad, 8, "not an identifier");
	bad[0].t = "c-1";
	bad[1].t = "";
	refused(bad, 8, "not an identifier");
	bad[1].t = "politie";
	bad[0].t = "c-0123456789abcdef0123456789abcde";
	refused(bad, 8, "too long");
	/* a text where a number goes */
	struct kv type[3] = {kv[0], kv[1], {3, "4", 0}};
	refused(type, 3, "expected");
}

static void
test_bytes(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct proto_case_signal d;
	struct proto_error e = {0};
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf) - 1);
	assert_int_equal(proto_case_signal_encode(&sig_, &w), WN_OK);
	buf[w.len] = 0x00; /* a trailing byte */
	assert_int_equal(proto_case_signal_decode(buf, w.len + 1, &d, &e),
	    WN_EPROTO);
	assert_non_null(strstr(e.msg, "trailing"));
	/* cut short anywhere */
	for (size_t cut = 0; cut < w.len; cut++)
		assert_int_equal(proto_case_signal_decode(buf, cut, &d, NULL),
		    WN_EPROTO);
	static uint8_t big[PROTO_BODY_MAX];
	assert_int_equal(proto_case_signal_decode(big, sizeof(big), &d, NULL),
	    WN_ETOOBIG);
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct proto_writer w;
	struct proto_case_signal v;
#define REFUSE(change)                                                         \
	do {                                                                   \
		v = sig_;                                                      \
		change;                                                        \
		proto_writer_init(&w, buf, sizeof(buf));                       \
		assert_int_equal(proto_case_signal_encode(&v, &w), WN_EINVAL); \
		assert_int_equal(w.len, 0);                                    \
	} while (0)
	REFUSE(v.number = 0);
	REFUSE(v.case_id[0] = 'C');
	REFUSE(v.origin[0] = '\0');
	REFUSE(v.when_ms = -1);
	REFUSE(v.municipality[0] = '\0');
	REFUSE(v.neighbourhood[0] = '\t');
	REFUSE(v.category = PROTO_SIGNAL_CATEGORIES);
	REFUSE(v.reports = 0);
	REFUSE(v.duplicate_of = v.number);
	REFUSE((v.duplicate_of = 3, v.reports = 1));
	REFUSE(v.withdrawn = true);                  /* with a summary */
	REFUSE((v.has_summary = false));             /* places without one */
#undef REFUSE
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_round_trip, setup),
	    cmocka_unit_test_setup(test_refusals, setup),
	    cmocka_unit_test_setup(test_bytes, setup),
	    cmocka_unit_test_setup(test_encoder_refuses, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
