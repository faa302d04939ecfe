/*
 * test_token_wire.c - a subject's token on the wire (TOKEN_REQUEST and
 * TOKEN_ANSWER, protocol/token_wire.h): a request of one and of 1000
 * elements, an evaluated answer and a refusal (with and without the
 * limit) encode and decode back to the same values and bytes; the
 * decoders refuse, with an offset and a reason, an element that is not a
 * canonical ristretto255 element (top bit set, the identity, not on the
 * group, the wrong size), no element or 1001, an unknown, repeated or
 * misordered key, a missing id, an answer with both elements and a code
 * or neither, key id (epoch) 0 or 2^48 and over, code 0 or over 255,
 * trailing bytes; the encoders
 * refuse what the decoders would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/token_wire.h"

static const uint8_t base[32] = {0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e,
    0x71, 0xa8, 0x84, 0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f, 0x58, 0xe3, 0x0b,
    0x6a, 0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d, 0x2d,
    0x76};

static struct proto_token_request *q, *q2;
static struct proto_token_answer *a, *a2;
static uint8_t buf[PROTO_BODY_MAX];

static void
element(size_t i, uint8_t out[32])
{
	struct sec_oprf_blind b;
	char in[32];
	snprintf(in, sizeof(in), "subject %zu", i);
	assert_int_equal(sec_oprf_blind(in, strlen(in), &b, out), WN_OK);
	sec_oprf_blind_release(&b);
}

static int
setup(void **state)
{
	(void)state;
	q = calloc(1, sizeof(*q));
	q2 = calloc(1, sizeof(*q2));
	a = calloc(1, sizeof(*a));
	a2 = calloc(1, sizeof(*a2));
	assert_non_null(q && q2 && a && a2);
	memset(q->id, 0x5a, sizeof(q->id));
	q->count = 3;
	for (size_t i = 0; i < 3; i++)
		element(i, q->el[i]);
	memcpy(a->id, q->id, sizeof(a->id));
	a->epoch = 1;
	a->count = 2;
	element(7, a->el[0]);
	memcpy(a->el[1], base, 32);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(q);
	free(q2);
	free(a);
	free(a2);
	return 0;
}

static size_t
enc_q(const struct proto_token_request *v)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_token_request_encode(v, &w), WN_OK);
	return w.len;
}

static size_t
enc_a(const struct proto_token_answer *v)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_token_answer_encode(v, &w), WN_OK);
	return w.len;
}

static void
test_round_trip(void **state)
{
	size_t len;
	(void)state;
	len = enc_q(q);
	assert_int_equal(proto_token_request_decode(buf, len, q2, NULL),
	    WN_OK);
	assert_memory_equal(q, q2, sizeof(*q));
	/* a full batch */
	q->count = PROTO_TOKEN_BATCH_MAX;
	for (size_t i = 3; i < q->count; i++)
		memcpy(q->el[i], q->el[i % 3], 32);
	len = enc_q(q);
	assert_int_equal(proto_token_request_decode(buf, len, q2, NULL),
	    WN_OK);
	assert_int_equal(q2->count, PROTO_TOKEN_BATCH_MAX);
	assert_memory_equal(q, q2, sizeof(*q));
	/* an evaluated answer, a refusal with and without the limit */
	len = enc_a(a);
	assert_int_equal(proto_token_answer_decode(buf, len, a2, NULL), WN_OK);
	assert_memory_equal(a, a2, sizeof(*a));
	memset(a->el, 0, sizeof(a->el));
	a->count = 0;
	a->epoch = 0;
	a->code = WN_ELIMIT;
	a->limit = 1000;
	len = enc_a(a);
	assert_int_equal(proto_token_answer_decode(buf, len, a2, NULL), WN_OK);
	assert_memory_equal(a, a2, sizeof(*a));
	a->limit = 0;
	len = enc_a(a);
	assert_int_equal(proto_token_answer_decode(buf, len, a2, NULL), WN_OK);
	assert_int_equal(a2->code, 18);
	assert_int_equal(a2->count, 0);
}

/* the bytes of a request of one element el, written by hand */
static size_t
raw_request(const uint8_t *el, size_t ellen, const char *extra)
{
	size_t n = 0;
	buf[n++] = 0xa2;
	buf[n++] = 0x01;
	buf[n++] = 0x50;
	memset(buf + n, 7, 16);
	n += 16;
	buf[n++] = 0x02;
	buf[n++] = 0x81;
	buf[n++] = 0x58;
	buf[n++] = (uint8_t)ellen;
	memcpy(buf + n, el, ellen);
	n += ellen;
	if (extra != NULL) {
		memcpy(buf + n, extra, strlen(extra));
		n += strlen(extra);
	}
	return n;
}

static void
refused_q(size_t len, const char *why)
{
	struct proto_error err = {0};
	assert_int_equal(proto_token_request_decode(buf, len, q2, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, why));
	for (size_t i = 0; i < sizeof(*q2); i++)
		assert_int_equal(((uint8_t *)q2)[i], 0);
}

static void
test_points(void **state)
{
	uint8_t el[33];
	(void)state;
	memcpy(el, base, 32);
	assert_int_equal(proto_token_request_decode(buf,
	    raw_request(el, 32, NULL), q2, NULL), WN_OK);
	el[31] |= 0x80; /* the same element, not canonical */
	refused_q(raw_request(el, 32, NULL), "not a canonical ristretto255");
	memset(el, 0, 32); /* the identity */
	refused_q(raw_request(el, 32, NULL), "not a canonical ristretto255");
	memset(el, 0xff, 32);
	el[31] = 0x7f; /* not a field element */
	refused_q(raw_request(el, 32, NULL), "not a canonical ristretto255");
	memcpy(el, base, 32);
	el[0] ^= 1; /* not on the group */
	refused_q(raw_request(el, 32, NULL), "not a canonical ristretto255");
	struct proto_error err = {0};
	memcpy(el, base, 32);
	assert_int_equal(proto_token_request_decode(buf,
	    raw_request(el, 31, NULL), q2, &err), WN_EPROTO);
	assert_int_equal(proto_token_request_decode(buf,
	    raw_request(el, 32, "\x01"), q2, &err), WN_EPROTO);
	/* the encoder refuses what the decoder would */
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	q->el[1][31] |= 0x80;
	assert_int_equal(proto_token_request_encode(q, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	q->el[1][31] &= 0x7f;
	q->count = 0;
	assert_int_equal(proto_token_request_encode(q, &w), WN_EINVAL);
	q->count = PROTO_TOKEN_BATCH_MAX + 1;
	assert_int_equal(proto_token_request_encode(q, &w), WN_EINVAL);
}

static void
test_request_shape(void **state)
{
	size_t n;
	(void)state;
	/* no element */
	n = raw_request(base, 32, NULL);
	buf[20] = 0x80;
	refused_q(21, "no element");
	/* 1001 elements */
	q->count = PROTO_TOKEN_BATCH_MAX;
	for (size_t i = 3; i < q->count; i++)
		memcpy(q->el[i], base, 32);
	n = enc_q(q);
	/* the array header 0x99 0x03 0xe8 -> 1001, one element more */
	assert_int_equal(buf[20], 0x99);
	buf[22] = 0xe9;
	memcpy(buf + n, "\x58\x20", 2);
	memcpy(buf + n + 2, base, 32);
	refused_q(n + 34, "more than 1000 elements");
	/* unknown key, keys out of order, a missing id */
	n = raw_request(base, 32, NULL);
	buf[0] = 0xa3;
	memcpy(buf + n, "\x03\x00", 2);
	assert_int_equal(proto_token_request_decode(buf, n + 2, q2, NULL),
	    WN_EPROTO);
	static const uint8_t swapped[] = {0xa2, 0x02, 0x80, 0x01, 0x40};
	assert_int_equal(proto_token_request_decode(swapped, sizeof(swapped),
	    q2, NULL), WN_EPROTO);
	n = raw_request(base, 32, NULL);
	memmove(buf + 1, buf + 19, n - 19);
	buf[0] = 0xa1;
	refused_q(n - 18, "a required key is missing");
}

static void
refused_a(size_t len, const char *why)
{
	struct proto_error err = {0};
	assert_int_equal(proto_token_answer_decode(buf, len, a2, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, why));
}

static void
test_answer_shape(void **state)
{
	size_t n = 0;
	(void)state;
	/* both elements and a code */
	uint8_t *p = buf;
	*p++ = 0xa4;
	*p++ = 0x01;
	*p++ = 0x50;
	memset(p, 1, 16);
	p += 16;
	memcpy(p, "\x02\x01\x03\x81\x58\x20", 6);
	p += 6;
	memcpy(p, base, 32);
	p += 32;
	memcpy(p, "\x04\x12", 2);
	p += 2;
	n = (size_t)(p - buf);
	refused_a(n, "either the epoch and elements or a refusal code");
	/* neither */
	buf[0] = 0xa1;
	refused_a(19, "either the epoch and elements or a refusal code");
	/* epoch 0 */
	buf[0] = 0xa3;
	buf[20] = 0x00;
	refused_a(n - 2, "key epoch 0");
	/* a key id is below 2^48 (48 bits of a hash): 2^48 - 1 is one,
	 * 2^48 is none */
	{
		uint8_t *o = buf;
		*o++ = 0xa3;
		*o++ = 0x01;
		*o++ = 0x50;
		memset(o, 1, 16);
		o += 16;
		memcpy(o, "\x02\x1b\x00\x00\xff\xff\xff\xff\xff\xff", 10);
		o += 10;
		memcpy(o, "\x03\x81\x58\x20", 4);
		o += 4;
		memcpy(o, base, 32);
		o += 32;
		assert_int_equal(proto_token_answer_decode(buf, (size_t)(o - buf),
		    a2, NULL), WN_OK);
		assert_true(a2->epoch == PROTO_TOKEN_KEY_ID_MAX);
		memcpy(buf + 19, "\x02\x1b\x00\x01\x00\x00\x00\x00\x00\x00",
		    10);
		refused_a((size_t)(o - buf), "is over");
	}
	/* code 0 and 256 */
	static const uint8_t code0[] = {0xa2, 0x01, 0x50, 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 0x04, 0x00};
	memcpy(buf, code0, sizeof(code0));
	refused_a(sizeof(code0), "refusal code 0");
	static const uint8_t code256[] = {0xa2, 0x01, 0x50, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0x04, 0x19, 0x01, 0x00};
	memcpy(buf, code256, sizeof(code256));
	assert_int_equal(proto_token_answer_decode(buf, sizeof(code256), a2,
	    NULL), WN_EPROTO);
	/* the encoder refuses a refusal with elements, an answer without */
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	a->code = WN_ELIMIT;
	assert_int_equal(proto_token_answer_encode(a, &w), WN_EINVAL);
	a->code = 0;
	a->epoch = 0;
	assert_int_equal(proto_token_answer_encode(a, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_points, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_request_shape, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_answer_shape, setup,
		teardown),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
