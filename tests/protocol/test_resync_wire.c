/*
 * test_resync_wire.c - RESYNC_REQUEST on the wire (message type 38,
 * protocol/resync_wire.h): a request encodes to its exact bytes and
 * decodes back; the decoder refuses, with an offset and a reason, every
 * body that breaks a rule (not a map, no key, an unknown or repeated key,
 * two keys, since 0 or past 2^63 - 1, since not a uint, a uint not in its
 * shortest form, trailing bytes, too long) and leaves the struct as it
 * was; the encoder refuses a since the decoder would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "protocol/resync_wire.h"

static void
test_round_trip(void **state)
{
	(void)state;
	static const int64_t cases[] = {1, 23, 24, 255, 256, 65535, 65536,
	    INT64_C(1796157000000), INT64_MAX};
	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		struct proto_resync_request q = {cases[i]}, back = {0};
		uint8_t buf[PROTO_RESYNC_MAX];
		struct proto_writer w;
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_resync_request_encode(&q, &w), WN_OK);
		assert_int_equal(proto_resync_request_decode(w.buf, w.len,
				     &back, NULL), WN_OK);
		assert_true(back.since_ms == cases[i]);
	}
}

static void
test_bytes(void **state)
{
	(void)state;
	/* {1: 1796157000000} */
	static const uint8_t want[] = {0xa1, 0x01, 0x1b, 0x00, 0x00, 0x01,
	    0xa2, 0x33, 0x4c, 0xc9, 0x40};
	struct proto_resync_request q = {INT64_C(1796157000000)};
	uint8_t buf[32];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_resync_request_encode(&q, &w), WN_OK);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(w.buf, want, sizeof(want));
}

static void
test_refusals(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		uint8_t b[16];
		size_t len;
		wn_err rc;
		size_t offset;
	} bad[] = {
	    {"empty", {0}, 0, WN_EPROTO, 0},
	    {"not a map", {0x81, 0x01}, 2, WN_EPROTO, 0},
	    {"no key", {0xa0}, 1, WN_EPROTO, 0},
	    {"unknown key", {0xa1, 0x02, 0x01}, 3, WN_EPROTO, 1},
	    {"key 0", {0xa1, 0x00, 0x01}, 3, WN_EPROTO, 1},
	    {"text key", {0xa1, 0x61, 0x31, 0x01}, 4, WN_EPROTO, 1},
	    {"two keys", {0xa2, 0x01, 0x01, 0x01, 0x02}, 5, WN_EPROTO, 0},
	    {"since 0", {0xa1, 0x01, 0x00}, 3, WN_EPROTO, 2},
	    {"since negative", {0xa1, 0x01, 0x20}, 3, WN_EPROTO, 2},
	    {"since text", {0xa1, 0x01, 0x61, 0x31}, 4, WN_EPROTO, 2},
	    {"since bytes", {0xa1, 0x01, 0x41, 0x01}, 4, WN_EPROTO, 2},
	    {"since null", {0xa1, 0x01, 0xf6}, 3, WN_EPROTO, 2},
	    {"since past 2^63 - 1", {0xa1, 0x01, 0x1b, 0x80, 0, 0, 0, 0, 0, 0,
		0}, 11, WN_EPROTO, 2},
	    {"since not shortest", {0xa1, 0x01, 0x18, 0x05}, 4, WN_EPROTO, 2},
	    {"map not shortest", {0xb8, 0x01, 0x01, 0x01}, 4, WN_EPROTO, 0},
	    {"indefinite map", {0xbf, 0x01, 0x01, 0xff}, 4, WN_EPROTO, 0},
	    {"trailing bytes", {0xa1, 0x01, 0x01, 0x00}, 4, WN_EPROTO, 3},
	    {"truncated", {0xa1, 0x01, 0x1a, 0x00}, 4, WN_EPROTO, 2},
	    {"too long", {0xa1, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12,
		WN_ETOOBIG, 0},
	};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		struct proto_resync_request q = {77};
		struct proto_error err;
		memset(&err, 0, sizeof(err));
		wn_err rc = proto_resync_request_decode(bad[i].b, bad[i].len,
		    &q, &err);
		if (rc != bad[i].rc || q.since_ms != 77 ||
		    (rc == WN_EPROTO && (err.offset != bad[i].offset ||
					    err.msg[0] == '\0'))) {
			print_error("%s: rc %d offset %zu (%s)\n", bad[i].what,
			    rc, (size_t)err.offset, err.msg);
			fail();
		}
	}
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	uint8_t buf[32];
	struct proto_writer w;
	struct proto_resync_request q = {0};
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_resync_request_encode(&q, &w), WN_EINVAL);
	q.since_ms = -5;
	assert_int_equal(proto_resync_request_encode(&q, &w), WN_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_bytes),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_encoder_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
