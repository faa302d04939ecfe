/*
 * test_need_wire.c - the RETRACTION and RETRACTION_ACK bodies: round trips
 * with and without the case id (key 3), the exact bytes, and every refusal
 * of the strict decoder (unknown or repeated keys, a reason in an ack, an
 * empty or too long case id, wrong types, truncation, trailing bytes).
 * And a subject named by its token (CASE key 3, a disclosure field's key
 * 2): a bstr of 32 bytes on the wire, "token:HEX" in the struct; any
 * other size, or a text that starts as a token's, is refused.
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

/* ---- a subject named by its token ---------------------------------- */

static struct proto_case pc, pc2;
static struct proto_disclosure pd, pd2;
static uint8_t tok[32];
static char tok_subject[PROTO_SUBJECT_MAX + 1];

static void
token_sample(void)
{
	for (size_t i = 0; i < sizeof(tok); i++)
		tok[i] = (uint8_t)(0xa0 + i);
	proto_subject_of_token(tok, tok_subject, sizeof(tok_subject));
}

/* case_body writes a CASE whose key 3 is written by how: 0 a bstr of n
 * bytes, 1 a text of s */
static size_t
case_body(int how, size_t n, const char *s)
{
	uint8_t b[40];
	memcpy(b, tok, sizeof(tok));
	memset(b + 32, 0x55, sizeof(b) - 32);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 7);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "c-1");
	proto_write_uint(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 3);
	if (how == 0)
		proto_write_bytes(&w, b, n);
	else
		proto_write_text(&w, s);
	proto_write_uint(&w, 4);
	proto_write_text(&w, "support");
	proto_write_uint(&w, 5);
	proto_write_text(&w, "consent");
	proto_write_uint(&w, 6);
	proto_write_text(&w, "dir");
	proto_write_uint(&w, 7);
	proto_write_array(&w, 0);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
test_subject_token_text(void **state)
{
	(void)state;
	uint8_t t[32];
	token_sample();
	assert_int_equal((int)strlen(tok_subject), 6 + 64);
	assert_true(strncmp(tok_subject, "token:a0a1a2", 12) == 0);
	assert_true(proto_subject_token(tok_subject, t));
	assert_memory_equal(t, tok, sizeof(tok));
	assert_true(proto_subject_token(tok_subject, NULL));
	/* not a token: short, long, upper case, no prefix, a plain name */
	char s[PROTO_SUBJECT_MAX + 1];
	wn_strlcpy(s, tok_subject, sizeof(s));
	s[strlen(s) - 1] = '\0';
	assert_false(proto_subject_token(s, t));
	snprintf(s, sizeof(s), "%s0", tok_subject);
	assert_false(proto_subject_token(s, t));
	wn_strlcpy(s, tok_subject, sizeof(s));
	s[6] = 'A';
	assert_false(proto_subject_token(s, t));
	assert_false(proto_subject_token(tok_subject + 6, t));
	assert_false(proto_subject_token("Elise Van den Broeck", t));
	assert_false(proto_subject_token("token:", t));
}

static void
test_case_token(void **state)
{
	(void)state;
	struct proto_error err;
	token_sample();
	memset(&pc, 0, sizeof(pc));
	wn_strlcpy(pc.id, "c-1", sizeof(pc.id));
	pc.type = 1;
	wn_strlcpy(pc.subject, tok_subject, sizeof(pc.subject));
	wn_strlcpy(pc.purpose, "support", sizeof(pc.purpose));
	wn_strlcpy(pc.ground, "consent", sizeof(pc.ground));
	wn_strlcpy(pc.director, "dir", sizeof(pc.director));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_case_encode(&pc, &w), WN_OK);
	/* the exact bytes: key 3, then a bstr of 32 (0x58 0x20), the token */
	size_t len = case_body(0, 32, NULL);
	proto_writer_init(&w, buf + len, sizeof(buf) - len);
	assert_int_equal(proto_case_encode(&pc, &w), WN_OK);
	assert_int_equal((int)w.len, (int)len);
	assert_memory_equal(buf, buf + len, len);
	static const uint8_t key3[] = {0x03, 0x58, 0x20, 0xa0, 0xa1};
	assert_non_null(memmem(buf, len, key3, sizeof(key3)));
	assert_int_equal(proto_case_decode(buf, len, &pc2, &err), WN_OK);
	assert_string_equal(pc2.subject, tok_subject);
	/* the hex of the token never crosses as text */
	assert_null(memmem(buf, len, "a0a1a2", 6));
	/* a plain subject stays a text, as before */
	len = case_body(1, 0, "Elise Van den Broeck");
	assert_int_equal(proto_case_decode(buf, len, &pc2, &err), WN_OK);
	assert_string_equal(pc2.subject, "Elise Van den Broeck");
	/* refused: a token of another size, a text that starts as one */
	for (size_t n = 0; n <= 40; n++)
		if (n != 32)
			assert_int_not_equal(proto_case_decode(buf,
			    case_body(0, n, NULL), &pc2, &err), WN_OK);
	assert_int_not_equal(proto_case_decode(buf, case_body(1, 0,
	    tok_subject), &pc2, &err), WN_OK);
	assert_int_not_equal(proto_case_decode(buf, case_body(1, 0,
	    "token:x"), &pc2, &err), WN_OK);
	/* every truncation of a token case is refused */
	len = case_body(0, 32, NULL);
	for (size_t i = 0; i < len; i++)
		assert_int_not_equal(proto_case_decode(buf, i, &pc2, &err),
		    WN_OK);
	/* the encoder refuses a text that starts as a token's */
	wn_strlcpy(pc.subject, "token:not-one", sizeof(pc.subject));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_case_encode(&pc, &w), WN_EINVAL);
}

static void
test_field_token(void **state)
{
	(void)state;
	struct proto_error err;
	token_sample();
	memset(&pd, 0, sizeof(pd));
	wn_strlcpy(pd.case_id, "c-1", sizeof(pd.case_id));
	wn_strlcpy(pd.purpose, "support", sizeof(pd.purpose));
	wn_strlcpy(pd.ground, "consent", sizeof(pd.ground));
	pd.nfields = 2;
	pd.fields[0].id = 7;
	wn_strlcpy(pd.fields[0].subject, tok_subject,
	    sizeof(pd.fields[0].subject));
	wn_strlcpy(pd.fields[0].name, "note", sizeof(pd.fields[0].name));
	pd.fields[0].has_value = true;
	wn_strlcpy(pd.fields[0].value, "v", sizeof(pd.fields[0].value));
	pd.fields[1] = pd.fields[0];
	pd.fields[1].id = 8;
	wn_strlcpy(pd.fields[1].subject, "plain-ref",
	    sizeof(pd.fields[1].subject));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_disclosure_encode(&pd, &w), WN_OK);
	size_t len = w.len;
	assert_null(memmem(buf, len, "a0a1a2", 6));
	assert_int_equal(proto_disclosure_decode(buf, len, &pd2, &err), WN_OK);
	assert_string_equal(pd2.fields[0].subject, tok_subject);
	assert_string_equal(pd2.fields[1].subject, "plain-ref");
	/* the token's bstr one byte short: refused */
	uint8_t *at = memmem(buf, len, (const uint8_t[]){0x02, 0x58, 0x20}, 3);
	assert_non_null(at);
	at[2] = 0x1f;
	assert_int_not_equal(proto_disclosure_decode(buf, len, &pd2, &err),
	    WN_OK);
	at[2] = 0x20;
	assert_int_equal(proto_disclosure_decode(buf, len, &pd2, &err), WN_OK);
	/* the decoder refuses a field whose subject is a text that starts
	 * as a token's (exactly "token:"; "Token:" is a plain reference,
	 * which nothing reads as a token) */
	uint8_t *ref = memmem(buf, len, "plain-ref", 9);
	assert_non_null(ref);
	memcpy(ref, "token:xyz", 9);
	assert_int_equal(proto_disclosure_decode(buf, len, &pd2, &err),
	    WN_EPROTO);
	memcpy(ref, "Token:xyz", 9);
	assert_int_equal(proto_disclosure_decode(buf, len, &pd2, &err), WN_OK);
	assert_string_equal(pd2.fields[1].subject, "Token:xyz");
	/* a field whose subject is a text that starts as a token's */
	wn_strlcpy(pd.fields[1].subject, "token:", sizeof(pd.fields[1].subject));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_disclosure_encode(&pd, &w), WN_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_subject_token_text),
		cmocka_unit_test(test_case_token),
		cmocka_unit_test(test_field_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
