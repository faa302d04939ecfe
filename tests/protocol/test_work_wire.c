/*
 * test_work_wire.c - a signal's summary on the wire (protocol/work_wire.h):
 * it encodes and decodes back to the same values, byte for byte the same
 * encoding; the decoder refuses, with an offset and a reason, every body
 * that breaks a rule (an unknown or repeated key, a missing one, a wrong
 * type, a category or count out of range, signal 0, a duplicate naming
 * itself or counting reports, an incident without a report, an empty
 * municipality, a control character, trailing bytes, too much); the
 * encoder refuses what the decoder would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "protocol/work_wire.h"

static const struct proto_signal_summary incident = {
	.id = 12,
	.when_ms = INT64_C(1796157000000),
	.municipality = "Herentals",
	.neighbourhood = "Stationsbuurt",
	.category = 3,
	.reports = 3,
};

static size_t
encode(const struct proto_signal_summary *s, uint8_t *buf, size_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	assert_int_equal(proto_signal_summary_encode(s, &w), WN_OK);
	return w.len;
}

static void
test_round_trip(void **state)
{
	(void)state;
	uint8_t a[512], b[512];
	struct proto_signal_summary d, dup = incident;
	size_t n = encode(&incident, a, sizeof(a));
	assert_int_equal(proto_signal_summary_decode(a, n, &d, NULL), WN_OK);
	assert_memory_equal(&d, &incident, sizeof(d));
	assert_int_equal(encode(&d, b, sizeof(b)), n);
	assert_memory_equal(a, b, n);
	dup.id = 14;
	dup.reports = 0;
	dup.duplicate_of = 12;
	memset(dup.neighbourhood, 0, sizeof(dup.neighbourhood));
	n = encode(&dup, a, sizeof(a));
	assert_int_equal(proto_signal_summary_decode(a, n, &d, NULL), WN_OK);
	assert_memory_equal(&d, &dup, sizeof(d));
}

/* body builds a map by hand: keys and values as CBOR written by fn */
struct kv {
	uint64_t key;
	int kind; /* 0 uint, 1 text, 2 bytes, 3 negative int */
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
		else if (kv[i].kind == 2)
			proto_write_bytes(&w, kv[i].t, strlen(kv[i].t));
		else
			proto_write_int(&w, -(int64_t)kv[i].u);
	}
	if (tail)
		proto_write_raw(&w, tail, strlen(tail));
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
refused(const struct kv *kv, size_t n, const char *tail, const char *why)
{
	uint8_t buf[1024];
	struct proto_signal_summary d;
	struct proto_error e = {0};
	size_t len = body(kv, n, buf, sizeof(buf), tail);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, &e),
	    WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	/* nothing half-decoded is left */
	assert_int_equal(d.id, 0);
}

#define GOOD                                                                   \
	{1, 0, 12, NULL}, {2, 0, 1796157000000, NULL},                         \
	    {3, 1, 0, "Herentals"}, {4, 1, 0, "Stationsbuurt"},                \
	    {5, 0, 3, NULL}, {6, 0, 3, NULL}

static void
test_refusals(void **state)
{
	(void)state;
	struct kv kv[8] = {GOOD};
	uint8_t buf[1024];
	struct proto_signal_summary d;
	size_t len = body(kv, 6, buf, sizeof(buf), NULL);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, NULL),
	    WN_OK);

	kv[6] = (struct kv){8, 0, 1, NULL};
	refused(kv, 7, NULL, "unknown or repeated key 8");
	kv[6] = (struct kv){3, 1, 0, "Geel"};
	refused(kv, 7, NULL, "unknown or repeated key 3");
	refused(kv, 5, NULL, "a required key is missing");
	refused(kv, 6, "\x01", "trailing");

	static const struct {
		size_t i;
		struct kv v;
		const char *why;
	} bad[] = {
	    {0, {1, 0, 0, NULL}, "signal 0"},
	    {0, {1, 1, 0, "12"}, "expected"},
	    {1, {2, 3, 5, NULL}, "expected"},
	    {2, {3, 1, 0, ""}, "empty text"},
	    {2, {3, 2, 0, "Herentals"}, "expected"},
	    {2, {3, 1, 0, "Heren\ntals"}, "a control character"},
	    {3, {4, 1, 0, "Station\x7f"}, "a control character"},
	    {4, {5, 0, 9, NULL}, "9 is over 8"},
	    {5, {6, 0, 0, NULL}, "an incident without a report"},
	    {5, {6, 0, 1000001, NULL}, "is over 1000000"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[6] = {GOOD};
		c[bad[k].i] = bad[k].v;
		refused(c, 6, NULL, bad[k].why);
	}
	/* a duplicate counts no report and does not name itself */
	struct kv dup[7] = {GOOD};
	dup[5].u = 0;
	dup[6] = (struct kv){7, 0, 12, NULL};
	refused(dup, 7, NULL, "a duplicate names itself or counts reports");
	dup[6].u = 0;
	refused(dup, 7, NULL, "duplicate of signal 0");
	dup[6].u = 11;
	dup[5].u = 2;
	refused(dup, 7, NULL, "a duplicate names itself or counts reports");
	dup[5].u = 0;
	len = body(dup, 7, buf, sizeof(buf), NULL);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, NULL),
	    WN_OK);
	assert_int_equal(d.duplicate_of, 11);
	/* a text longer than its field */
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	struct kv c[6] = {GOOD};
	c[2].t = longname;
	refused(c, 6, NULL, "");
	/* not a map, and too much */
	assert_int_equal(proto_signal_summary_decode("\x80", 1, &d, NULL),
	    WN_EPROTO);
	assert_int_equal(proto_signal_summary_decode(buf, PROTO_BODY_MAX, &d,
			     NULL),
	    WN_ETOOBIG);
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct proto_writer w;
	struct proto_signal_summary s;
	for (int k = 0; k < 6; k++) {
		s = incident;
		switch (k) {
		case 0: s.id = 0; break;
		case 1: s.category = 9; break;
		case 2: s.municipality[0] = '\0'; break;
		case 3: s.reports = 0; break;
		case 4: s.duplicate_of = 12; s.reports = 0; break;
		default: s.neighbourhood[0] = '\t'; break;
		}
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_signal_summary_encode(&s, &w), WN_EINVAL);
		assert_int_equal(w.len, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_encoder_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
