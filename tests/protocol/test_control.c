/*
 * test_control.c - control requests and replies: round trips, every
 * refusal with its offset, and that the reply decoder allocates only in
 * proportion to what it received.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "protocol/control.h"

/* Counting allocator: number of calls, largest request, optional failure. */
static size_t nalloc, max_alloc;
static bool fail_alloc;

static void *
count_malloc(size_t n)
{
	nalloc++;
	if (n > max_alloc)
		max_alloc = n;
	return fail_alloc ? NULL : malloc(n);
}

static void *
count_realloc(void *p, size_t n)
{
	nalloc++;
	if (n > max_alloc)
		max_alloc = n;
	return fail_alloc ? NULL : realloc(p, n);
}

static void
count_start(bool fail)
{
	nalloc = 0;
	max_alloc = 0;
	fail_alloc = fail;
	proto_set_allocs(count_malloc, count_realloc, NULL);
}

static void
count_stop(void)
{
	fail_alloc = false;
	proto_set_allocs(NULL, NULL, NULL);
}

static void
fill_text(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
}

/* The request struct is 66 KB: keep them off the stack. */
static struct proto_ctl_request req, got;

static void
test_request_round_trip(void **state)
{
	static const uint8_t ping[] = {0xa1, 0x01, 0x64, 'p', 'i', 'n', 'g'};
	struct proto_writer w;
	struct proto_error err;

	(void)state;
	assert_int_equal(proto_ctl_request_init(&req, "ping"), WN_OK);
	assert_int_equal(proto_writer_init_dynamic(&w, 16, 1 << 20), WN_OK);
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_OK);
	assert_int_equal(w.len, sizeof(ping));
	assert_memory_equal(w.buf, ping, sizeof(ping));
	proto_writer_release(&w);

	assert_int_equal(proto_ctl_request_init(&req, "peer.add"), WN_OK);
	assert_int_equal(proto_ctl_request_add(&req, "name", "bakker"), WN_OK);
	assert_int_equal(proto_ctl_request_add(&req, "addr",
	    "tls+tcp://[::1]:4711"), WN_OK);
	assert_int_equal(proto_ctl_request_add(&req, "note", ""), WN_OK);
	assert_int_equal(proto_ctl_request_add(&req, "city",
	    "'s-Hertogenbosch \xc3\xa9\xe2\x82\xac"), WN_OK);
	assert_int_equal(proto_writer_init_dynamic(&w, 16, 1 << 20), WN_OK);
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_OK);
	memset(&got, 0x55, sizeof(got));
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_OK);
	proto_writer_release(&w);
	assert_string_equal(got.op, "peer.add");
	assert_int_equal(got.nargs, 4);
	assert_string_equal(proto_ctl_request_arg(&got, "name"), "bakker");
	assert_string_equal(proto_ctl_request_arg(&got, "addr"),
	    "tls+tcp://[::1]:4711");
	assert_string_equal(proto_ctl_request_arg(&got, "note"), "");
	assert_string_equal(proto_ctl_request_arg(&got, "city"),
	    "'s-Hertogenbosch \xc3\xa9\xe2\x82\xac");
	assert_null(proto_ctl_request_arg(&got, "nope"));
	assert_int_equal(got.args[4].key[0], 0); /* the rest is zeroed */
}

static void
test_request_key_order(void **state)
{
	uint8_t buf[64];
	struct proto_writer w;
	struct proto_error err;

	(void)state;
	/* {2: {"a": "b"}, 1: "x.y"}: integer keys in any order. */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 2);
	proto_write_map(&w, 1);
	proto_write_text(&w, "a");
	proto_write_text(&w, "b");
	proto_write_uint(&w, 1);
	proto_write_text(&w, "x.y");
	assert_int_equal(proto_ctl_request_decode(buf, w.len, &got, &err),
	    WN_OK);
	assert_string_equal(got.op, "x.y");
	assert_string_equal(proto_ctl_request_arg(&got, "a"), "b");
}

static void
test_request_max_size(void **state)
{
	struct proto_writer w;
	struct proto_error err;
	char op[PROTO_CTL_OP_MAX + 1], key[PROTO_CTL_KEY_MAX + 1];
	static char value[PROTO_CTL_VALUE_MAX + 1];

	(void)state;
	fill_text(op, 'q', PROTO_CTL_OP_MAX);
	fill_text(value, 'v', PROTO_CTL_VALUE_MAX);
	assert_int_equal(proto_ctl_request_init(&req, op), WN_OK);
	for (int i = 0; i < PROTO_CTL_MAX_ARGS; i++) {
		fill_text(key, 'k', PROTO_CTL_KEY_MAX);
		key[0] = (char)('a' + i);
		assert_int_equal(proto_ctl_request_add(&req, key, value), WN_OK);
	}
	assert_int_equal(proto_writer_init_dynamic(&w, 0,
	    PROTO_CTL_REQUEST_MAX_SIZE), WN_OK);
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_OK);
	assert_int_equal(w.len, PROTO_CTL_REQUEST_MAX_SIZE);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_OK);
	assert_int_equal(memcmp(&req, &got, sizeof(req)), 0);
	proto_writer_release(&w);
}

static void
test_request_add_limits(void **state)
{
	char big[PROTO_CTL_VALUE_MAX + 2];
	uint8_t buf[64];
	struct proto_writer w;

	(void)state;
	assert_int_equal(proto_ctl_request_init(&req, "Ping"), WN_EINVAL);
	assert_int_equal(proto_ctl_request_init(&req, ""), WN_EINVAL);
	assert_int_equal(proto_ctl_request_init(&req, NULL), WN_EINVAL);
	fill_text(big, 'a', PROTO_CTL_OP_MAX + 1);
	assert_int_equal(proto_ctl_request_init(&req, big), WN_EINVAL);
	fill_text(big, 'a', PROTO_CTL_OP_MAX);
	assert_int_equal(proto_ctl_request_init(&req, big), WN_OK);

	assert_int_equal(proto_ctl_request_add(&req, "", "x"), WN_EINVAL);
	fill_text(big, 'k', PROTO_CTL_KEY_MAX + 1);
	assert_int_equal(proto_ctl_request_add(&req, big, "x"), WN_EINVAL);
	fill_text(big, 'v', PROTO_CTL_VALUE_MAX + 1);
	assert_int_equal(proto_ctl_request_add(&req, "k", big), WN_EINVAL);
	assert_int_equal(proto_ctl_request_add(&req, "k", "\xc3"), WN_EINVAL);
	assert_int_equal(proto_ctl_request_add(&req, "k", NULL), WN_EINVAL);
	assert_int_equal(req.nargs, 0);
	assert_int_equal(proto_ctl_request_add(&req, "k", "1"), WN_OK);
	assert_int_equal(proto_ctl_request_add(&req, "k", "2"), WN_EINVAL);
	for (int i = 1; i < PROTO_CTL_MAX_ARGS; i++) {
		char key[4] = {'k', (char)('a' + i), 0, 0};
		assert_int_equal(proto_ctl_request_add(&req, key, "v"), WN_OK);
	}
	assert_int_equal(proto_ctl_request_add(&req, "z", "v"), WN_EINVAL);
	assert_int_equal(req.nargs, PROTO_CTL_MAX_ARGS);

	/* The encoder checks a struct filled by hand and writes nothing. */
	req.op[0] = 'A';
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	memset(req.op, 'a', sizeof(req.op)); /* unterminated */
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_EINVAL);
	assert_int_equal(proto_ctl_request_init(&req, "ok"), WN_OK);
	req.nargs = 2; /* two empty keys */
	assert_int_equal(proto_ctl_request_encode(&req, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
}

/* A request or reply refusal: the bytes, offset and message substring. */
struct bad {
	const char *name;
	uint8_t buf[512];
	size_t len;
	size_t offset;
	const char *msg;
};

static void
check_bad_request(const struct bad *b)
{
	struct proto_error err;
	wn_err rv;

	memset(&got, 0x55, sizeof(got));
	memset(&err, 0, sizeof(err));
	rv = proto_ctl_request_decode(b->buf, b->len, &got, &err);
	if (rv != WN_EPROTO || err.offset != b->offset ||
	    strstr(err.msg, b->msg) == NULL)
		fail_msg("%s: rv %d offset %zu msg \"%s\"", b->name, rv,
		    err.offset, err.msg);
	/* *out is written only on success. */
	assert_int_equal(((uint8_t *)&got)[0], 0x55);
	assert_int_equal(((uint8_t *)&got)[sizeof(got) - 1], 0x55);
}

/* Writers for building bad messages by hand. */
static struct proto_writer bw;

static void
bad_begin(struct bad *b, const char *name, const char *msg)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	b->msg = msg;
	proto_writer_init(&bw, b->buf, sizeof(b->buf));
}

static void
bad_end(struct bad *b)
{
	assert_int_equal(proto_writer_status(&bw), WN_OK);
	b->len = bw.len;
}

static void
test_request_refusals(void **state)
{
	struct bad b;
	char key[PROTO_CTL_OP_MAX + 2];

	(void)state;
	bad_begin(&b, "unknown key", "unknown key 3");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	b.offset = bw.len;
	proto_write_uint(&bw, 3);
	proto_write_text(&bw, "x");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "duplicate key", "duplicate key 1");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	b.offset = bw.len;
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "pong");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "too many keys", "at most 2");
	proto_write_map(&bw, 3);
	for (int i = 1; i <= 3; i++) {
		proto_write_uint(&bw, 1);
		proto_write_text(&bw, "a");
	}
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "missing op", "missing key 1");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 0);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "duplicate arg key", "duplicate arg key");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 2);
	proto_write_text(&bw, "a");
	proto_write_text(&bw, "1");
	b.offset = bw.len;
	proto_write_text(&bw, "a");
	proto_write_text(&bw, "2");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "too many args", "17 args");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	b.offset = bw.len;
	proto_write_map(&bw, 17);
	for (int i = 0; i < 17; i++) {
		char k[2] = {(char)('a' + i), 0};
		proto_write_text(&bw, k);
		proto_write_text(&bw, "");
	}
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "op too long", "op must be");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	fill_text(key, 'a', PROTO_CTL_OP_MAX + 1);
	proto_write_text(&bw, key);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "op empty", "op must be");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	proto_write_text(&bw, "");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "op bad char", "op must be");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	proto_write_text(&bw, "peer-add");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "op not text", "expected text, found uint");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	proto_write_uint(&bw, 7);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "text key", "expected uint, found text");
	proto_write_map(&bw, 1);
	b.offset = bw.len;
	proto_write_text(&bw, "op");
	proto_write_text(&bw, "ping");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "args not a map", "expected map, found array");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	b.offset = bw.len;
	proto_write_array(&bw, 0);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "arg value int", "expected text, found uint");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "n");
	b.offset = bw.len;
	proto_write_uint(&bw, 5);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "arg key empty", "arg key must be");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 1);
	b.offset = bw.len;
	proto_write_text(&bw, "");
	proto_write_text(&bw, "v");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "arg key long", "arg key must be");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 1);
	b.offset = bw.len;
	fill_text(key, 'k', PROTO_CTL_KEY_MAX + 1);
	proto_write_text(&bw, key);
	proto_write_text(&bw, "v");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "NUL in value", "NUL byte");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	proto_write_uint(&bw, 2);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "k");
	b.offset = bw.len;
	proto_write_textn(&bw, "a\0b", 3);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "trailing bytes", "trailing bytes");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	proto_write_text(&bw, "ping");
	b.offset = bw.len;
	proto_write_null(&bw);
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "not a map", "expected map, found array");
	proto_write_array(&bw, 1);
	proto_write_text(&bw, "ping");
	bad_end(&b);
	check_bad_request(&b);

	bad_begin(&b, "empty", "truncated");
	bad_end(&b);
	check_bad_request(&b);
}

static void
test_request_value_too_long(void **state)
{
	struct proto_writer w;
	struct proto_error err;
	static char value[PROTO_CTL_VALUE_MAX + 2];
	size_t at;

	(void)state;
	fill_text(value, 'v', PROTO_CTL_VALUE_MAX + 1);
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 1 << 16), WN_OK);
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "ping");
	proto_write_uint(&w, 2);
	proto_write_map(&w, 1);
	proto_write_text(&w, "k");
	at = w.len;
	proto_write_text(&w, value);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_EPROTO);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "longer than 4095"));
	proto_writer_release(&w);
}

/* request_with writes {1: "record.add", 2: {"name": "f", KEY: value}}
 * and returns where the value starts. */
static size_t
request_with(struct proto_writer *w, const char *key, const char *value,
    size_t len)
{
	size_t at;
	assert_int_equal(proto_writer_init_dynamic(w, 0, 1 << 16), WN_OK);
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_text(w, "record.add");
	proto_write_uint(w, 2);
	proto_write_map(w, 2);
	proto_write_text(w, "name");
	proto_write_text(w, "f");
	proto_write_text(w, key);
	at = w->len;
	proto_write_textn(w, value, len);
	assert_int_equal(proto_writer_status(w), WN_OK);
	return at;
}

/* Values arrive in NFC whatever form the caller sent; a value that is not
 * UTF-8, or too long once normalised, is refused naming its argument and
 * never echoing the value. */
static void
test_request_nfc(void **state)
{
	static char value[PROTO_CTL_VALUE_MAX + 2];
	struct proto_writer w;
	struct proto_error err;
	size_t at;

	(void)state;
	at = request_with(&w, "subject", "E\xcc\x81lise", 7);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_OK);
	assert_string_equal(proto_ctl_request_arg(&got, "subject"),
	    "\xc3\x89lise");
	assert_string_equal(proto_ctl_request_arg(&got, "name"), "f");
	proto_writer_release(&w);

	at = request_with(&w, "subject", "\xc3\x89lise", 6);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_OK);
	assert_string_equal(proto_ctl_request_arg(&got, "subject"),
	    "\xc3\x89lise");
	proto_writer_release(&w);

	/* an overlong '/': the CBOR layer refuses it, naming the argument */
	at = request_with(&w, "subject", "ab\xc0\xaf", 4);
	memset(&got, 0x5a, sizeof(got));
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_EPROTO);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "arg 'subject'"));
	assert_non_null(strstr(err.msg, "invalid UTF-8"));
	assert_int_equal(((unsigned char *)&got)[0], 0x5a); /* untouched */
	proto_writer_release(&w);

	/* 1365 x U+0958 is 4095 bytes; its NFC is twice as long */
	for (size_t i = 0; i < PROTO_CTL_VALUE_MAX; i += 3)
		memcpy(value + i, "\xe0\xa5\x98", 3);
	at = request_with(&w, "purpose", value, PROTO_CTL_VALUE_MAX);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_EPROTO);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "arg 'purpose' longer than 4095 bytes "
	    "in NFC"));
	proto_writer_release(&w);

	/* too long as sent: named, not echoed */
	fill_text(value, 'v', PROTO_CTL_VALUE_MAX + 1);
	at = request_with(&w, "subject", value, PROTO_CTL_VALUE_MAX + 1);
	assert_int_equal(proto_ctl_request_decode(w.buf, w.len, &got, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "arg 'subject' longer than 4095"));
	assert_null(strstr(err.msg, "vvvv"));
	proto_writer_release(&w);
}

static void
test_reply_round_trip(void **state)
{
	struct proto_writer w;
	struct proto_ctl_reply rep;
	struct proto_error err;
	const struct proto_ctl_field *f;

	(void)state;
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 1 << 20), WN_OK);
	proto_ctl_reply_begin(&w, WN_OK, "2 peers", 3);
	proto_ctl_row_begin(&w, 4);
	proto_ctl_field_text(&w, "name", "bakker");
	proto_ctl_field_int(&w, "min", INT64_MIN);
	proto_ctl_field_int(&w, "max", INT64_MAX);
	proto_ctl_field_bool(&w, "online", true);
	proto_ctl_row_begin(&w, 0);
	proto_ctl_row_begin(&w, 3);
	proto_ctl_field_text(&w, "name", "");
	proto_ctl_field_int(&w, "n", -1);
	proto_ctl_field_bool(&w, "online", false);
	assert_int_equal(proto_writer_status(&w), WN_OK);

	count_start(false);
	assert_int_equal(proto_ctl_reply_decode(w.buf, w.len, &rep, &err),
	    WN_OK);
	count_stop();
	assert_int_equal(nalloc, 1);
	assert_true(max_alloc <= 16 * w.len);
	proto_writer_release(&w);

	assert_int_equal(rep.status, WN_OK);
	assert_string_equal(rep.message, "2 peers");
	assert_int_equal(rep.nrows, 3);
	assert_int_equal(rep.rows[0].nfields, 4);
	f = proto_ctl_row_get(&rep.rows[0], "name");
	assert_non_null(f);
	assert_int_equal(f->type, PROTO_CTL_TEXT);
	assert_string_equal(f->text, "bakker");
	f = proto_ctl_row_get(&rep.rows[0], "min");
	assert_int_equal(f->type, PROTO_CTL_INT);
	assert_true(f->i == INT64_MIN);
	f = proto_ctl_row_get(&rep.rows[0], "max");
	assert_true(f->i == INT64_MAX);
	f = proto_ctl_row_get(&rep.rows[0], "online");
	assert_int_equal(f->type, PROTO_CTL_BOOL);
	assert_true(f->b);
	assert_null(proto_ctl_row_get(&rep.rows[0], "nope"));
	assert_int_equal(rep.rows[1].nfields, 0);
	assert_null(proto_ctl_row_get(&rep.rows[1], "name"));
	assert_string_equal(proto_ctl_row_get(&rep.rows[2], "name")->text, "");
	assert_true(proto_ctl_row_get(&rep.rows[2], "n")->i == -1);
	assert_false(proto_ctl_row_get(&rep.rows[2], "online")->b);
	proto_ctl_reply_release(&rep);
	assert_null(rep.arena);
	proto_ctl_reply_release(&rep);
}

static void
test_reply_no_rows(void **state)
{
	static const uint8_t empty_rows[] = {0xa3, 0x01, 0x00, 0x02, 0x60,
	    0x03, 0x80};
	uint8_t buf[64];
	struct proto_writer w;
	struct proto_ctl_reply rep;
	struct proto_error err;

	(void)state;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_ENOTFOUND, "no such peer", 0);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(buf[0], 0xa2);
	count_start(false);
	assert_int_equal(proto_ctl_reply_decode(buf, w.len, &rep, &err),
	    WN_OK);
	assert_int_equal(nalloc, 0);
	count_stop();
	assert_int_equal(rep.status, WN_ENOTFOUND);
	assert_string_equal(rep.message, "no such peer");
	assert_int_equal(rep.nrows, 0);
	assert_null(rep.rows);
	proto_ctl_reply_release(&rep);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_OK, NULL, 0);
	assert_int_equal(proto_ctl_reply_decode(buf, w.len, &rep, &err),
	    WN_OK);
	assert_string_equal(rep.message, "");
	proto_ctl_reply_release(&rep);

	assert_int_equal(proto_ctl_reply_decode(empty_rows, sizeof(empty_rows),
	    &rep, &err), WN_OK);
	assert_int_equal(rep.nrows, 0);
	proto_ctl_reply_release(&rep);
}

static void
test_reply_writer_limits(void **state)
{
	static char msg[PROTO_CTL_MESSAGE_MAX + 10];
	static char big[PROTO_CTL_FIELD_TEXT_MAX + 2];
	uint8_t buf[2048];
	struct proto_writer w;
	struct proto_ctl_reply rep;
	struct proto_error err;

	(void)state;
	/* A long message is cut at a character boundary: 1022 'a' and a
	 * 2-byte character would straddle byte 1023. */
	memset(msg, 'a', PROTO_CTL_MESSAGE_MAX - 1);
	memcpy(msg + PROTO_CTL_MESSAGE_MAX - 1, "\xc3\xa9xyz", 6);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_EDB, msg, 0);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_ctl_reply_decode(buf, w.len, &rep, &err),
	    WN_OK);
	assert_int_equal(strlen(rep.message), PROTO_CTL_MESSAGE_MAX - 1);
	assert_int_equal(rep.status, WN_EDB);
	proto_ctl_reply_release(&rep);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_OK, "", PROTO_CTL_MAX_ROWS + 1);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);
	assert_int_equal(w.len, 0);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_OK, "\xff", 0);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_row_begin(&w, PROTO_CTL_MAX_FIELDS + 1);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_field_int(&w, "", 1);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_field_bool(&w, "0123456789abcdef0123456789abcdef", true);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);

	memset(big, 'x', PROTO_CTL_FIELD_TEXT_MAX + 1);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_field_text(&w, "k", big);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);
	assert_int_equal(w.len, 0);

	/* Exactly at the limit is fine (given room). */
	big[PROTO_CTL_FIELD_TEXT_MAX] = '\0';
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 1 << 20), WN_OK);
	proto_ctl_reply_begin(&w, WN_OK, "", 1);
	proto_ctl_row_begin(&w, 1);
	proto_ctl_field_text(&w, "k", big);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_ctl_reply_decode(w.buf, w.len, &rep, &err),
	    WN_OK);
	assert_int_equal(strlen(rep.rows[0].fields[0].text),
	    PROTO_CTL_FIELD_TEXT_MAX);
	proto_ctl_reply_release(&rep);
	proto_writer_release(&w);
}

static void
check_bad_reply(const struct bad *b)
{
	struct proto_ctl_reply rep;
	struct proto_error err;
	wn_err rv;

	memset(&rep, 0x55, sizeof(rep));
	memset(&err, 0, sizeof(err));
	count_start(false);
	rv = proto_ctl_reply_decode(b->buf, b->len, &rep, &err);
	count_stop();
	if (rv != WN_EPROTO || err.offset != b->offset ||
	    strstr(err.msg, b->msg) == NULL)
		fail_msg("%s: rv %d offset %zu msg \"%s\"", b->name, rv,
		    err.offset, err.msg);
	assert_int_equal(nalloc, 0);
	assert_int_equal(((uint8_t *)&rep)[0], 0x55);
}

/* reply_head writes {1: 0, 2: "", 3: [nrows]} and leaves the rows open. */
static void
reply_head(size_t nrows)
{
	proto_write_map(&bw, 3);
	proto_write_uint(&bw, 1);
	proto_write_uint(&bw, 0);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	proto_write_uint(&bw, 3);
	proto_write_array(&bw, nrows);
}

static void
test_reply_refusals(void **state)
{
	struct bad b;
	char text[PROTO_CTL_MESSAGE_MAX + 2];
	struct proto_writer w;
	struct proto_ctl_reply rep;
	struct proto_error err;
	size_t at;

	(void)state;
	bad_begin(&b, "unknown key", "unknown key 4");
	proto_write_map(&bw, 3);
	proto_write_uint(&bw, 1);
	proto_write_uint(&bw, 0);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	b.offset = bw.len;
	proto_write_uint(&bw, 4);
	proto_write_null(&bw);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "duplicate key", "duplicate key 2");
	proto_write_map(&bw, 3);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	proto_write_uint(&bw, 1);
	proto_write_uint(&bw, 0);
	b.offset = bw.len;
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "missing message", "missing key 2");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 1);
	proto_write_uint(&bw, 0);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "missing status", "missing key 1");
	proto_write_map(&bw, 1);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "status range", "status 256");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	proto_write_uint(&bw, 256);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "status negative", "expected uint, found negint");
	proto_write_map(&bw, 2);
	proto_write_uint(&bw, 1);
	b.offset = bw.len;
	proto_write_int(&bw, -1);
	proto_write_uint(&bw, 2);
	proto_write_text(&bw, "");
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "duplicate row key", "duplicate row key");
	reply_head(1);
	proto_write_map(&bw, 2);
	proto_write_text(&bw, "a");
	proto_write_bool(&bw, true);
	b.offset = bw.len;
	proto_write_text(&bw, "a");
	proto_write_int(&bw, 3);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row value null", "found null");
	reply_head(1);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "a");
	b.offset = bw.len;
	proto_write_null(&bw);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row value bytes", "found bytes");
	reply_head(1);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "a");
	b.offset = bw.len;
	proto_write_bytes(&bw, "x", 1);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row value huge", "int64 range");
	reply_head(1);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "a");
	b.offset = bw.len;
	proto_write_uint(&bw, UINT64_MAX);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row key int", "expected text, found uint");
	reply_head(1);
	proto_write_map(&bw, 1);
	b.offset = bw.len;
	proto_write_uint(&bw, 1);
	proto_write_uint(&bw, 1);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row key empty", "row key must be");
	reply_head(1);
	proto_write_map(&bw, 1);
	b.offset = bw.len;
	proto_write_text(&bw, "");
	proto_write_uint(&bw, 1);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "row not a map", "expected map, found array");
	reply_head(1);
	b.offset = bw.len;
	proto_write_array(&bw, 0);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "too many fields", "65 fields");
	reply_head(1);
	b.offset = bw.len;
	proto_write_map(&bw, PROTO_CTL_MAX_FIELDS + 1);
	for (int i = 0; i < PROTO_CTL_MAX_FIELDS + 1; i++) {
		char k[3] = {(char)('a' + i % 26), (char)('a' + i / 26), 0};
		proto_write_text(&bw, k);
		proto_write_bool(&bw, false);
	}
	bad_end(&b);
	check_bad_reply(&b);

	/* The rows array header is at offset 6; its count is checked
	 * against the bytes left before any row is read. */
	bad_begin(&b, "fewer rows than declared", "array count 2");
	reply_head(2);
	b.offset = 6;
	proto_write_map(&bw, 0);
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "truncated row", "truncated");
	reply_head(2);
	proto_write_map(&bw, 1);
	proto_write_text(&bw, "k");
	b.offset = bw.len;
	bad_end(&b);
	check_bad_reply(&b);

	bad_begin(&b, "trailing bytes", "trailing bytes");
	reply_head(1);
	proto_write_map(&bw, 0);
	b.offset = bw.len;
	proto_write_map(&bw, 0);
	bad_end(&b);
	check_bad_reply(&b);

	/* 1024 bytes do not fit a struct bad. */
	memset(text, 'm', PROTO_CTL_MESSAGE_MAX + 1);
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 4096), WN_OK);
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 2);
	at = w.len;
	proto_write_textn(&w, text, PROTO_CTL_MESSAGE_MAX + 1);
	assert_int_equal(proto_ctl_reply_decode(w.buf, w.len, &rep, &err),
	    WN_EPROTO);
	assert_int_equal(err.offset, at);
	assert_non_null(strstr(err.msg, "too long"));
	proto_writer_release(&w);
}

static void
test_reply_hostile_counts(void **state)
{
	/* {1: 0, 2: "", 3: array(100000)} in 11 bytes. */
	static const uint8_t many[] = {0xa3, 0x01, 0x00, 0x02, 0x60, 0x03, 0x9a,
	    0x00, 0x01, 0x86, 0xa0};
	struct proto_ctl_reply rep;
	struct proto_error err;
	uint8_t *buf;
	size_t n;

	(void)state;
	count_start(false);
	assert_int_equal(proto_ctl_reply_decode(many, sizeof(many), &rep, &err),
	    WN_EPROTO);
	count_stop();
	assert_int_equal(nalloc, 0);
	assert_int_equal(err.offset, 6);
	assert_non_null(strstr(err.msg, "array count 100000"));

	/* 100000 real (empty) rows are fine and cost at most 16 bytes of
	 * memory per input byte; one more row is refused. */
	buf = malloc(PROTO_CTL_MAX_ROWS + 16);
	assert_non_null(buf);
	for (size_t rows = PROTO_CTL_MAX_ROWS; rows <= PROTO_CTL_MAX_ROWS + 1;
	    rows++) {
		memcpy(buf, many, 6);
		n = 6;
		buf[n++] = 0x9a;
		buf[n++] = (uint8_t)(rows >> 24);
		buf[n++] = (uint8_t)(rows >> 16);
		buf[n++] = (uint8_t)(rows >> 8);
		buf[n++] = (uint8_t)rows;
		memset(buf + n, 0xa0, rows);
		n += rows;
		count_start(false);
		if (rows == PROTO_CTL_MAX_ROWS) {
			assert_int_equal(proto_ctl_reply_decode(buf, n, &rep,
			    &err), WN_OK);
			assert_int_equal(rep.nrows, rows);
			assert_int_equal(nalloc, 1);
			assert_true(max_alloc <= 16 * n);
			proto_ctl_reply_release(&rep);
		} else {
			assert_int_equal(proto_ctl_reply_decode(buf, n, &rep,
			    &err), WN_EPROTO);
			assert_int_equal(nalloc, 0);
			assert_non_null(strstr(err.msg, "at most 100000"));
		}
		count_stop();
	}
	free(buf);
}

static void
test_reply_alloc_failure(void **state)
{
	uint8_t buf[128];
	struct proto_writer w;
	struct proto_ctl_reply rep;
	struct proto_error err;

	(void)state;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_ctl_reply_begin(&w, WN_OK, "ok", 1);
	proto_ctl_row_begin(&w, 1);
	proto_ctl_field_text(&w, "k", "v");
	assert_int_equal(proto_writer_status(&w), WN_OK);
	memset(&rep, 0x55, sizeof(rep));
	count_start(true);
	assert_int_equal(proto_ctl_reply_decode(buf, w.len, &rep, &err),
	    WN_ENOMEM);
	count_stop();
	assert_int_equal(nalloc, 1);
	assert_int_equal(((uint8_t *)&rep)[0], 0x55);
	assert_string_equal(err.msg, "out of memory");
	assert_int_equal(proto_ctl_reply_decode(buf, w.len, &rep, NULL), WN_OK);
	assert_string_equal(rep.rows[0].fields[0].key, "k");
	assert_string_equal(rep.rows[0].fields[0].text, "v");
	proto_ctl_reply_release(&rep);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_round_trip),
		cmocka_unit_test(test_request_key_order),
		cmocka_unit_test(test_request_max_size),
		cmocka_unit_test(test_request_add_limits),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_request_value_too_long),
		cmocka_unit_test(test_request_nfc),
		cmocka_unit_test(test_reply_round_trip),
		cmocka_unit_test(test_reply_no_rows),
		cmocka_unit_test(test_reply_writer_limits),
		cmocka_unit_test(test_reply_refusals),
		cmocka_unit_test(test_reply_hostile_counts),
		cmocka_unit_test(test_reply_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
