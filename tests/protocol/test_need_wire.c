/*
 * test_need_wire.c - the RETRACTION and RETRACTION_ACK bodies: round trips
 * with and without the case id (key 3), the exact bytes, and every refusal
 * of the strict decoder (unknown or repeated keys, a reason in an ack, an
 * empty or too long case id, wrong types, truncation, trailing bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "protocol/need_wire.h"

static uint8_t buf[PROTO_BODY_MAX];
static struct proto_writer w;
static struct proto_retraction r, r2;

static void
sample(bool with_case)
{
	memset(&r, 0, sizeof(r));
	r.n = 2;
	r.ids[0] = 7;
	r.ids[1] = 100000;
	wn_strlcpy(r.reason, "removed from case C-1", sizeof(r.reason));
	if (with_case)
		wn_strlcpy(r.case_id, "C-1", sizeof(r.case_id));
}

static void
round_trip(bool ack, bool with_case)
{
	struct proto_error err;
	sample(with_case);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_retraction_encode(&r, ack, &w), WN_OK);
	assert_int_equal(proto_retraction_decode(w.buf, w.len, ack, &r2, &err),
	    WN_OK);
	assert_int_equal((int)r2.n, 2);
	assert_true(r2.ids[0] == 7 && r2.ids[1] == 100000);
	assert_string_equal(r2.case_id, with_case ? "C-1" : "");
	assert_string_equal(r2.reason, ack ? "" : r.reason);
}

static void
test_round_trips(void **state)
{
	(void)state;
	round_trip(false, false);
	round_trip(false, true);
	round_trip(true, false);
	round_trip(true, true);
}

/* the case id is key 3, after the others; without it the bytes are those
 * of the first version, so an older receiver reads it as before */
static void
test_bytes(void **state)
{
	(void)state;
	static const uint8_t scoped_ack[] = {0xa2, 0x01, 0x81, 0x07, 0x03, 0x63,
	    'C', '-', '1'};
	static const uint8_t plain_ack[] = {0xa1, 0x01, 0x81, 0x07};
	sample(true);
	r.n = 1;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_retraction_encode(&r, true, &w), WN_OK);
	assert_int_equal((int)w.len, (int)sizeof(scoped_ack));
	assert_memory_equal(w.buf, scoped_ack, sizeof(scoped_ack));
	r.case_id[0] = '\0';
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_retraction_encode(&r, true, &w), WN_OK);
	assert_int_equal((int)w.len, (int)sizeof(plain_ack));
	assert_memory_equal(w.buf, plain_ack, sizeof(plain_ack));
}

/* body builds {1: [7], 2: reason?, 3: case?, extra key?} by hand */
static size_t
body(bool reason, int case_kind, uint64_t extra_key, bool twice)
{
	size_t n = 1 + (reason ? 1 : 0) + (case_kind ? 1 : 0) +
	    (extra_key ? 1 : 0) + (twice ? 1 : 0);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, n);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 1);
	proto_write_uint(&w, 7);
	if (reason) {
		proto_write_uint(&w, 2);
		proto_write_text(&w, "why");
	}
	switch (case_kind) {
	case 1: /* a good one */
		proto_write_uint(&w, 3);
		proto_write_text(&w, "C-1");
		break;
	case 2: /* empty */
		proto_write_uint(&w, 3);
		proto_write_text(&w, "");
		break;
	case 3: /* 32 bytes: one over the limit */
		proto_write_uint(&w, 3);
		proto_write_text(&w, "0123456789abcdef0123456789abcdef");
		break;
	case 4: /* not text */
		proto_write_uint(&w, 3);
		proto_write_uint(&w, 3);
		break;
	case 5: /* 31 bytes: the limit */
		proto_write_uint(&w, 3);
		proto_write_text(&w, "0123456789abcdef0123456789abcde");
		break;
	}
	if (twice) {
		proto_write_uint(&w, 3);
		proto_write_text(&w, "C-2");
	}
	if (extra_key) {
		proto_write_uint(&w, extra_key);
		proto_write_text(&w, "x");
	}
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static wn_err
dec(size_t len, bool ack)
{
	struct proto_error err;
	return proto_retraction_decode(buf, len, ack, &r2, &err);
}

static void
test_refusals(void **state)
{
	(void)state;
	/* accepted */
	assert_int_equal(dec(body(true, 1, 0, false), false), WN_OK);
	assert_string_equal(r2.case_id, "C-1");
	assert_int_equal(dec(body(true, 5, 0, false), false), WN_OK);
	assert_int_equal((int)strlen(r2.case_id), PROTO_CASE_ID_MAX);
	assert_int_equal(dec(body(false, 1, 0, false), true), WN_OK);
	assert_string_equal(r2.case_id, "C-1");
	assert_int_equal(dec(body(false, 0, 0, false), true), WN_OK);
	assert_string_equal(r2.case_id, "");
	/* refused, retraction and ack alike */
	for (int ack = 0; ack < 2; ack++) {
		bool reason = !ack;
		assert_int_not_equal(dec(body(reason, 2, 0, false), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 3, 0, false), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 4, 0, false), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 1, 0, true), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 1, 4, false), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 0, 4, false), ack), WN_OK);
		assert_int_not_equal(dec(body(reason, 1, 0, false) - 1, ack),
		    WN_OK);
		size_t len = body(reason, 1, 0, false);
		buf[len] = 0x00; /* a trailing byte */
		assert_int_not_equal(dec(len + 1, ack), WN_OK);
	}
	/* an ack carries no reason; a retraction needs one */
	assert_int_not_equal(dec(body(true, 1, 0, false), true), WN_OK);
	assert_int_not_equal(dec(body(true, 0, 0, false), true), WN_OK);
	assert_int_not_equal(dec(body(false, 1, 0, false), false), WN_OK);
	/* every truncation of a scoped retraction is refused */
	size_t len = body(true, 1, 0, false);
	for (size_t i = 0; i < len; i++)
		assert_int_not_equal(dec(i, false), WN_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
