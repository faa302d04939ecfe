/*
 * test_cbor.c - the strict CBOR reader and the canonical writer: round
 * trips at every integer and length boundary, each strictness rule with the
 * offset it must report, nesting limits, and the writer's sticky failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/cbor.h"

/* B(...) expands to a byte array literal and its size. */
#define B(...)                                                                 \
	((const uint8_t[]){__VA_ARGS__}),                                      \
	    sizeof((const uint8_t[]){__VA_ARGS__})

static void
test_uint_boundaries(void **state)
{
	static const struct {
		uint64_t v;
		size_t size;
	} cases[] = {
		{0, 1}, {23, 1}, {24, 2}, {255, 2}, {256, 3}, {65535, 3},
		{65536, 5}, {UINT32_MAX, 5}, {UINT64_C(1) << 32, 9},
		{UINT64_MAX, 9},
	};
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		uint8_t buf[16];
		struct proto_writer w;
		struct proto_reader r;
		uint64_t got = 0;

		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_uint(&w, cases[i].v);
		assert_int_equal(proto_writer_status(&w), WN_OK);
		assert_int_equal(w.len, cases[i].size);
		proto_reader_init(&r, buf, w.len);
		assert_int_equal(proto_read_uint(&r, &got), WN_OK);
		assert_true(got == cases[i].v);
		assert_int_equal(proto_reader_finish(&r), WN_OK);
		assert_int_equal(proto_validate(buf, w.len, w.len), WN_OK);
	}
}

static void
test_int_boundaries(void **state)
{
	static const struct {
		int64_t v;
		size_t size;
	} cases[] = {
		{0, 1}, {-1, 1}, {-24, 1}, {-25, 2}, {-256, 2}, {-257, 3},
		{-65536, 3}, {-65537, 5}, {-4294967296LL, 5},
		{-4294967297LL, 9}, {INT64_MIN, 9}, {INT64_MAX, 9},
	};
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		uint8_t buf[16];
		struct proto_writer w;
		struct proto_reader r;
		int64_t got = 0;

		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_int(&w, cases[i].v);
		assert_int_equal(proto_writer_status(&w), WN_OK);
		assert_int_equal(w.len, cases[i].size);
		proto_reader_init(&r, buf, w.len);
		assert_int_equal(proto_read_int(&r, &got), WN_OK);
		assert_true(got == cases[i].v);
		assert_int_equal(proto_reader_finish(&r), WN_OK);
	}
}

static void
test_int_range(void **state)
{
	struct proto_reader r;
	int64_t v;
	uint64_t u;

	(void)state;
	/* UINT64_MAX and -2^64 are valid CBOR but do not fit int64_t. */
	proto_reader_init(&r, B(0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff));
	assert_int_equal(proto_read_int(&r, &v), WN_EPROTO);
	assert_non_null(strstr(r.err.msg, "int64"));
	proto_reader_init(&r, B(0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff));
	assert_int_equal(proto_read_int(&r, &v), WN_EPROTO);
	/* INT64_MIN exactly: -1 - 0x7fff...ff. */
	proto_reader_init(&r, B(0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff));
	assert_int_equal(proto_read_int(&r, &v), WN_OK);
	assert_true(v == INT64_MIN);
	/* read_uint refuses a negative integer. */
	proto_reader_init(&r, B(0x20));
	assert_int_equal(proto_read_uint(&r, &u), WN_EPROTO);
	assert_string_equal(r.err.msg, "expected uint, found negint");
}

static void
test_other_types(void **state)
{
	static const uint64_t tags[] = {0, 5, 6, 20, 21, 23, 24, 255, 256,
	    UINT64_MAX};
	static const size_t blens[] = {0, 23, 24, 255, 256, 1000};
	static uint8_t big[1000];
	uint8_t buf[2048];
	struct proto_writer w;
	struct proto_reader r;
	struct proto_item it;
	const uint8_t *p;
	const char *t;
	size_t n;
	bool b;
	uint64_t tag;
	char copy[16];

	(void)state;
	memset(big, 0xab, sizeof(big));
	for (size_t i = 0; i < WN_ARRAY_LEN(blens); i++) {
		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_bytes(&w, big, blens[i]);
		assert_int_equal(proto_writer_status(&w), WN_OK);
		proto_reader_init(&r, buf, w.len);
		assert_int_equal(proto_read_bytes(&r, &p, &n), WN_OK);
		assert_int_equal(n, blens[i]);
		assert_true(n == 0 || (p == buf + w.len - n &&
		    memcmp(p, big, n) == 0));
		assert_int_equal(proto_reader_finish(&r), WN_OK);
	}
	for (size_t i = 0; i < WN_ARRAY_LEN(tags); i++) {
		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_tag(&w, tags[i]);
		proto_write_null(&w);
		proto_reader_init(&r, buf, w.len);
		assert_int_equal(proto_read_tag(&r, &tag), WN_OK);
		assert_true(tag == tags[i]);
		assert_int_equal(proto_read(&r, &it), WN_OK);
		assert_int_equal(it.type, PROTO_NULL);
		assert_int_equal(proto_reader_finish(&r), WN_OK);
		assert_int_equal(proto_validate(buf, w.len, w.len), WN_OK);
	}

	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_text(&w, "h\xc3\xa9llo \xe2\x82\xac");
	proto_write_array(&w, 3);
	proto_write_bool(&w, true);
	proto_write_bool(&w, false);
	proto_write_null(&w);
	proto_write_textn(&w, "abcdef", 3);
	proto_write_raw(&w, B(0x82, 0x01, 0x20));
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_validate(buf, w.len, w.len), WN_OK);

	proto_reader_init(&r, buf, w.len);
	assert_int_equal(proto_read_map(&r, &n), WN_OK);
	assert_int_equal(n, 2);
	assert_int_equal(proto_read_text(&r, &t, &n), WN_OK);
	assert_int_equal(n, 10);
	assert_memory_equal(t, "h\xc3\xa9llo \xe2\x82\xac", 10);
	assert_int_equal(proto_read_array(&r, &n), WN_OK);
	assert_int_equal(n, 3);
	assert_int_equal(proto_read_bool(&r, &b), WN_OK);
	assert_true(b);
	assert_int_equal(proto_read_bool(&r, &b), WN_OK);
	assert_false(b);
	assert_int_equal(proto_read(&r, &it), WN_OK);
	assert_int_equal(it.type, PROTO_NULL);
	assert_int_equal(it.offset, 15);
	assert_int_equal(proto_read_text_copy(&r, copy, 4), WN_OK);
	assert_string_equal(copy, "abc");
	assert_int_equal(proto_read(&r, &it), WN_OK);
	assert_int_equal(it.type, PROTO_ARRAY);
	assert_int_equal(it.u, 2);
	assert_int_equal(proto_skip(&r), WN_OK); /* the uint */
	assert_int_equal(proto_reader_finish(&r), WN_EPROTO); /* negint */
	assert_string_equal(r.err.msg, "trailing bytes");
}

static void
test_peek_and_exact(void **state)
{
	struct proto_reader r;
	enum proto_type t;
	uint8_t dst[3] = {0};
	char copy[4] = "xyz";

	(void)state;
	proto_reader_init(&r, B(0x43, 1, 2, 3, 0x43, 1, 2, 3, 0x63, 'a', 'b',
	    'c'));
	assert_int_equal(proto_peek_type(&r, &t), WN_OK);
	assert_int_equal(t, PROTO_BYTES);
	assert_int_equal(r.pos, 0);
	assert_int_equal(proto_read_bytes_exact(&r, dst, 3), WN_OK);
	assert_memory_equal(dst, ((uint8_t[]){1, 2, 3}), 3);
	assert_int_equal(proto_read_bytes_exact(&r, dst, 2), WN_EPROTO);
	assert_int_equal(r.err.offset, 4);
	assert_string_equal(r.err.msg, "expected 2 bytes, found 3");

	/* A text that exactly fills cap - 1 fits; one more byte does not. */
	proto_reader_init(&r, B(0x63, 'a', 'b', 'c'));
	assert_int_equal(proto_read_text_copy(&r, copy, 3), WN_EPROTO);
	assert_string_equal(copy, "xyz");
	assert_int_equal(r.err.offset, 0);
	proto_reader_init(&r, B(0x63, 'a', 'b', 'c'));
	assert_int_equal(proto_read_text_copy(&r, copy, 4), WN_OK);
	assert_string_equal(copy, "abc");
}

struct bad_case {
	const char *name;
	const uint8_t *in;
	size_t len;
	size_t offset;
	const char *msg; /* substring */
};

#define BAD(name, off, msg, ...) {name, B(__VA_ARGS__), off, msg}

static void
test_strictness(void **state)
{
	const struct bad_case cases[] = {
		BAD("non-canonical uint", 0, "non-canonical", 0x18, 0x05),
		BAD("non-canonical uint16", 2, "non-canonical", 0x82, 0x01,
		    0x19, 0x00, 0x10),
		BAD("non-canonical uint32", 0, "non-canonical", 0x1a, 0x00,
		    0x00, 0xff, 0xff),
		BAD("non-canonical uint64", 0, "non-canonical", 0x1b, 0, 0, 0,
		    0, 0xff, 0xff, 0xff, 0xff),
		BAD("non-canonical negint", 0, "non-canonical", 0x38, 0x00),
		BAD("non-canonical length", 0, "non-canonical", 0x58, 0x03,
		    'a', 'b', 'c'),
		BAD("non-canonical count", 0, "non-canonical", 0x98, 0x01,
		    0x00),
		BAD("non-canonical tag", 0, "non-canonical", 0xd8, 0x05, 0x00),
		BAD("indefinite array", 0, "indefinite length not allowed",
		    0x9f, 0x01, 0xff),
		BAD("indefinite map", 0, "indefinite length not allowed", 0xbf,
		    0xff),
		BAD("indefinite bytes", 0, "indefinite length not allowed",
		    0x5f, 0x41, 0x00, 0xff),
		BAD("indefinite text", 1, "indefinite length not allowed", 0x81,
		    0x7f, 0xff),
		BAD("break", 0, "unexpected break", 0xff),
		BAD("declared length", 0, "declared length 4294967295", 0x5a,
		    0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c'),
		BAD("declared length 64", 0, "declared length", 0x7b, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'),
		BAD("nested declared length", 2, "declared length", 0x82, 0x00,
		    0x43, 'a'),
		BAD("array count", 0, "array count", 0x9a, 0x7f, 0xff, 0xff,
		    0xff),
		BAD("array count 64", 0, "array count", 0x9b, 0xff, 0xff, 0xff,
		    0xff, 0xff, 0xff, 0xff, 0xff),
		BAD("map count", 0, "map count", 0xa2, 0x01, 0x02, 0x03),
		BAD("half float", 0, "floats not allowed", 0xf9, 0x3c, 0x00),
		BAD("single float", 0, "floats not allowed", 0xfa, 0, 0, 0, 0),
		BAD("double float", 1, "floats not allowed", 0x81, 0xfb, 0, 0,
		    0, 0, 0, 0, 0, 0),
		BAD("undefined", 0, "undefined not allowed", 0xf7),
		BAD("simple", 0, "simple values not allowed", 0xf0),
		BAD("simple 1 byte", 0, "simple values not allowed", 0xf8,
		    0x20),
		BAD("reserved", 0, "reserved", 0x1c),
		BAD("reserved tag", 0, "reserved", 0xdf),
		BAD("truncated header", 0, "truncated", 0x19, 0x01),
		BAD("truncated array", 3, "truncated", 0x82, 0x81, 0x01),
		BAD("short array", 0, "array count 2", 0x82, 0x01),
		BAD("truncated tag", 1, "truncated", 0xc1),
		BAD("trailing bytes", 1, "trailing bytes", 0x01, 0x02),
		BAD("bad utf-8", 0, "invalid UTF-8", 0x62, 0xc3, 0x28),
		BAD("overlong utf-8", 0, "invalid UTF-8", 0x62, 0xc0, 0x80),
		BAD("surrogate", 0, "invalid UTF-8", 0x63, 0xed, 0xa0, 0x80),
		BAD("above U+10FFFF", 0, "invalid UTF-8", 0x64, 0xf4, 0x90,
		    0x80, 0x80),
		BAD("cut utf-8", 0, "invalid UTF-8", 0x62, 'a', 0xe2),
	};
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		const struct bad_case *c = &cases[i];
		struct proto_reader r;
		wn_err rv;

		proto_reader_init(&r, c->in, c->len);
		rv = proto_skip(&r);
		if (rv == WN_OK)
			rv = proto_reader_finish(&r);
		if (rv != WN_EPROTO || r.err.offset != c->offset ||
		    strstr(r.err.msg, c->msg) == NULL)
			fail_msg("%s: rv %d offset %zu msg \"%s\"", c->name, rv,
			    r.err.offset, r.err.msg);
		assert_int_equal(proto_validate(c->in, c->len, c->len),
		    WN_EPROTO);
	}
}

static void
test_text_rules(void **state)
{
	struct proto_reader r;
	const char *t;
	size_t n;
	uint64_t u;

	(void)state;
	/* NUL is valid CBOR and skips, but proto_read_text refuses it. */
	assert_int_equal(proto_validate(B(0x63, 'a', 0, 'b'), 4), WN_OK);
	proto_reader_init(&r, B(0x63, 'a', 0, 'b'));
	assert_int_equal(proto_read_text(&r, &t, &n), WN_EPROTO);
	assert_string_equal(r.err.msg, "NUL byte in text");
	/* Wrong type names both and does not move. */
	proto_reader_init(&r, B(0x81, 0x61, 'a'));
	assert_int_equal(proto_skip(&r), WN_OK);
	proto_reader_init(&r, B(0x61, 'a'));
	assert_int_equal(proto_read_uint(&r, &u), WN_EPROTO);
	assert_int_equal(r.err.offset, 0);
	assert_string_equal(r.err.msg, "expected uint, found text");
	assert_int_equal(r.pos, 0);
	assert_true(proto_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	assert_true(proto_utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));
	assert_false(proto_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));
	assert_false(proto_utf8_valid((const uint8_t *)"\x80", 1));
	assert_false(proto_utf8_valid((const uint8_t *)"\xf8\x88\x80\x80\x80",
	    5));
}

static void
test_sticky_error(void **state)
{
	struct proto_reader r;
	uint64_t u;

	(void)state;
	proto_reader_init(&r, B(0x18, 0x05, 0x01));
	assert_int_equal(proto_read_uint(&r, &u), WN_EPROTO);
	r.pos = 2; /* even a valid item after it fails */
	assert_int_equal(proto_read_uint(&r, &u), WN_EPROTO);
	assert_int_equal(r.err.offset, 0);
	assert_non_null(strstr(r.err.msg, "non-canonical"));
	assert_int_equal(proto_reader_finish(&r), WN_EPROTO);
}

static void
test_depth(void **state)
{
	uint8_t buf[101];
	struct proto_reader r;

	(void)state;
	memset(buf, 0x81, 100);
	buf[100] = 0x00;
	proto_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(proto_skip(&r), WN_EPROTO);
	assert_int_equal(r.err.offset, PROTO_MAX_DEPTH);
	assert_non_null(strstr(r.err.msg, "nesting"));
	assert_int_equal(proto_validate(buf, sizeof(buf), sizeof(buf)),
	    WN_EPROTO);

	/* Exactly PROTO_MAX_DEPTH containers are fine, one more is not,
	 * even when the innermost one is empty. */
	buf[PROTO_MAX_DEPTH] = 0x00;
	assert_int_equal(proto_validate(buf, PROTO_MAX_DEPTH + 1, 1000), WN_OK);
	buf[PROTO_MAX_DEPTH] = 0x80;
	assert_int_equal(proto_validate(buf, PROTO_MAX_DEPTH + 1, 1000),
	    WN_EPROTO);
	buf[PROTO_MAX_DEPTH - 1] = 0x80;
	assert_int_equal(proto_validate(buf, PROTO_MAX_DEPTH, 1000), WN_OK);

	/* Tags nest too. */
	memset(buf, 0xc1, 100);
	buf[100] = 0x00;
	assert_int_equal(proto_validate(buf, sizeof(buf), sizeof(buf)),
	    WN_EPROTO);

	/* Siblings do not add depth: a map of many small arrays. */
	proto_reader_init(&r, B(0xa2, 0x01, 0x82, 0x80, 0xa0, 0x02, 0x81,
	    0x81, 0x00, 0x07));
	assert_int_equal(proto_skip(&r), WN_OK);
	assert_int_equal(r.pos, 9);
	assert_int_equal(proto_reader_finish(&r), WN_EPROTO);
	assert_int_equal(r.err.offset, 9);
}

static void
test_validate(void **state)
{
	struct proto_reader r;

	(void)state;
	assert_int_equal(proto_validate(B(0x82, 0x01, 0x02), 2), WN_ETOOBIG);
	assert_int_equal(proto_validate(B(0x82, 0x01, 0x02), 3), WN_OK);
	assert_int_equal(proto_validate(NULL, 0, 10), WN_EPROTO);
	proto_reader_init(&r, "", 0);
	assert_int_equal(proto_skip(&r), WN_EPROTO);
	assert_int_equal(r.err.offset, 0);
	assert_non_null(strstr(r.err.msg, "truncated"));
	assert_int_equal(proto_validate(B(0x01, 0x02), 10), WN_EPROTO);
}

static void
test_keyset(void **state)
{
	uint64_t seen = 0;

	(void)state;
	assert_true(proto_keyset_add(&seen, 0));
	assert_true(proto_keyset_add(&seen, 63));
	assert_false(proto_keyset_add(&seen, 0));
	assert_false(proto_keyset_add(&seen, 63));
	assert_false(proto_keyset_add(&seen, 64));
	assert_false(proto_keyset_add(&seen, UINT64_MAX));
	assert_true(seen == (UINT64_C(1) | UINT64_C(1) << 63));
}

static void
test_writer_overflow_sticky(void **state)
{
	uint8_t buf[4];
	struct proto_writer w;

	(void)state;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_uint(&w, 1);
	proto_write_text(&w, "hello"); /* 6 bytes: nothing of it lands */
	assert_int_equal(proto_writer_status(&w), WN_ETOOBIG);
	assert_true(w.overflow);
	assert_int_equal(w.len, 1);
	proto_write_uint(&w, 2); /* would fit, but the writer has failed */
	assert_int_equal(w.len, 1);
	assert_int_equal(proto_writer_status(&w), WN_ETOOBIG);
	proto_writer_release(&w); /* harmless on a fixed buffer */
	proto_writer_release(&w);

	/* A zeroed writer refuses everything. */
	memset(&w, 0, sizeof(w));
	proto_write_null(&w);
	assert_int_equal(proto_writer_status(&w), WN_ETOOBIG);
	proto_writer_release(&w);
}

static size_t nalloc;
static bool fail_alloc;

static void *
count_malloc(size_t n)
{
	nalloc++;
	return fail_alloc ? NULL : malloc(n);
}

static void *
count_realloc(void *p, size_t n)
{
	nalloc++;
	return fail_alloc ? NULL : realloc(p, n);
}

static void
test_writer_dynamic(void **state)
{
	static uint8_t data[3000];
	struct proto_writer w;
	struct proto_reader r;
	const uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(proto_writer_init_dynamic(&w, 10, 5), WN_EINVAL);
	proto_writer_release(&w);

	assert_int_equal(proto_writer_init_dynamic(&w, 1, 4096), WN_OK);
	memset(data, 0x5a, sizeof(data));
	proto_write_bytes(&w, data, 1000);
	proto_write_bytes(&w, data, 2000);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(w.len, 3 + 1000 + 3 + 2000);
	assert_true(w.cap >= w.len && w.cap <= 4096);
	proto_reader_init(&r, w.buf, w.len);
	assert_int_equal(proto_read_bytes(&r, &p, &n), WN_OK);
	assert_int_equal(n, 1000);
	assert_int_equal(proto_read_bytes(&r, &p, &n), WN_OK);
	assert_int_equal(n, 2000);
	assert_int_equal(proto_reader_finish(&r), WN_OK);
	/* Exactly up to max is fine; one byte more is not. */
	proto_write_raw(&w, data, 4096 - w.len);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(w.len, 4096);
	proto_write_null(&w);
	assert_int_equal(proto_writer_status(&w), WN_ETOOBIG);
	assert_int_equal(w.len, 4096);
	proto_writer_release(&w);
	assert_null(w.buf);
	proto_writer_release(&w);

	/* Growth from nothing, and a failing allocator. */
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 100), WN_OK);
	proto_write_uint(&w, 7);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	proto_writer_release(&w);

	proto_set_allocs(count_malloc, count_realloc, NULL);
	fail_alloc = true;
	assert_int_equal(proto_writer_init_dynamic(&w, 16, 100), WN_ENOMEM);
	assert_null(w.buf);
	fail_alloc = false;
	assert_int_equal(proto_writer_init_dynamic(&w, 16, 100), WN_OK);
	fail_alloc = true;
	proto_write_bytes(&w, data, 50);
	assert_int_equal(proto_writer_status(&w), WN_ENOMEM);
	assert_int_equal(w.len, 0);
	fail_alloc = false;
	proto_writer_release(&w);
	proto_set_allocs(NULL, NULL, NULL);
}

static void
test_writer_fail(void **state)
{
	uint8_t buf[8];
	struct proto_writer w;

	(void)state;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_writer_fail(&w, WN_EINVAL);
	proto_writer_fail(&w, WN_ETOOBIG); /* the first failure wins */
	proto_write_uint(&w, 1);
	assert_int_equal(w.len, 0);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);
	assert_false(w.overflow);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_boundaries),
		cmocka_unit_test(test_int_boundaries),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_peek_and_exact),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_text_rules),
		cmocka_unit_test(test_sticky_error),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_keyset),
		cmocka_unit_test(test_writer_overflow_sticky),
		cmocka_unit_test(test_writer_dynamic),
		cmocka_unit_test(test_writer_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
