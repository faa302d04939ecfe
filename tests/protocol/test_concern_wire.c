/*
 * test_concern_wire.c - concerns and matches on the wire (CONCERN,
 * CONCERN_MATCH; protocol/concern_wire.h): a registration, a withdrawal,
 * a match with partners and an empty one (dissolved) each encode and
 * decode back to the same values and the same bytes; the decoders refuse,
 * with an offset and a reason, every body that breaks a rule (a key
 * unknown, repeated or out of order, a missing one, part of a
 * registration, concern 0, a token of another length, an expiry at 0, an
 * empty contact or one with a control character, partners out of order
 * or repeated, a partner without its contact, too many partners, a text
 * where a number goes, trailing bytes, too much); the encoders refuse
 * what the decoders would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "protocol/concern_wire.h"

static struct proto_concern con_;
static struct proto_concern_match match_;

static int
setup(void **state)
{
	(void)state;
	memset(&con_, 0, sizeof(con_));
	con_.number = 7;
	for (size_t i = 0; i < sizeof(con_.token); i++)
		con_.token[i] = (uint8_t)(0xa0 + i);
	con_.until_ms = INT64_C(1830000000000);
	wn_strlcpy(con_.contact, "Marleen Goossens, 014 21 33 90",
	    sizeof(con_.contact));
	memset(&match_, 0, sizeof(match_));
	match_.number = 3;
	match_.nothers = 2;
	wn_strlcpy(match_.others[0].partner, "jeugdwerk",
	    sizeof(match_.others[0].partner));
	wn_strlcpy(match_.others[0].contact, "Sven Peeters, sven@example.be",
	    sizeof(match_.others[0].contact));
	match_.others[0].since_ms = INT64_C(1796157000000);
	wn_strlcpy(match_.others[1].partner, "politie",
	    sizeof(match_.others[1].partner));
	wn_strlcpy(match_.others[1].contact, "Inspecteur Élise Wouters",
	    sizeof(match_.others[1].contact));
	match_.others[1].since_ms = INT64_C(1796157001000);
	return 0;
}

static void
concern_round_trip(const struct proto_concern *v)
{
	static uint8_t a[1024], b[1024];
	static struct proto_concern d;
	struct proto_writer w;
	struct proto_error e = {0};
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_concern_encode(v, &w), WN_OK);
	size_t n = w.len;
	if (proto_concern_decode(a, n, &d, &e) != WN_OK)
		fail_msg("%s at %zu", e.msg, e.offset);
	assert_memory_equal(&d, v, sizeof(d));
	proto_writer_init(&w, b, sizeof(b));
	assert_int_equal(proto_concern_encode(&d, &w), WN_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, b, n);
}

static void
match_round_trip(const struct proto_concern_match *v)
{
	static uint8_t a[PROTO_BODY_MAX], b[PROTO_BODY_MAX];
	static struct proto_concern_match d;
	struct proto_writer w;
	struct proto_error e = {0};
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_concern_match_encode(v, &w), WN_OK);
	size_t n = w.len;
	assert_true(n < PROTO_BODY_MAX);
	if (proto_concern_match_decode(a, n, &d, &e) != WN_OK)
		fail_msg("%s at %zu", e.msg, e.offset);
	assert_memory_equal(&d, v, sizeof(d));
	proto_writer_init(&w, b, sizeof(b));
	assert_int_equal(proto_concern_match_encode(&d, &w), WN_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, b, n);
}

static void
test_round_trip(void **state)
{
	(void)state;
	concern_round_trip(&con_);
	memset(con_.contact, 'c', PROTO_CONTACT_MAX);
	concern_round_trip(&con_);
	/* a withdrawal: the number alone */
	static struct proto_concern wd;
	memset(&wd, 0, sizeof(wd));
	wd.number = 7;
	wd.withdrawn = true;
	concern_round_trip(&wd);
	match_round_trip(&match_);
	/* dissolved: nobody else */
	match_.nothers = 0;
	memset(match_.others, 0, sizeof(match_.others));
	match_round_trip(&match_);
	/* the most partners, the longest contacts: still one body */
	static struct proto_concern_match big;
	memset(&big, 0, sizeof(big));
	big.number = INT64_MAX;
	big.nothers = PROTO_MATCH_OTHERS_MAX;
	for (size_t i = 0; i < big.nothers; i++) {
		memset(big.others[i].partner, 'p', PROTO_ORG_ID_MAX - 3);
		snprintf(big.others[i].partner + PROTO_ORG_ID_MAX - 3, 4, "%03zu",
		    i);
		memset(big.others[i].contact, 'x', PROTO_CONTACT_MAX);
		big.others[i].since_ms = INT64_MAX;
	}
	match_round_trip(&big);
}

/* kv: one key and its value (text when t is not NULL, bytes of length
 * blen when blen is not 0) */
struct kv {
	uint64_t k;
	const char *t;
	uint64_t u;
	size_t blen;
};

static void
put(struct proto_writer *w, const struct kv *kv, size_t n)
{
	static const uint8_t bytes[64];
	proto_write_map(w, n);
	for (size_t i = 0; i < n; i++) {
		proto_write_uint(w, kv[i].k);
		if (kv[i].t != NULL)
			proto_write_text(w, kv[i].t);
		else if (kv[i].blen)
			proto_write_bytes(w, bytes, kv[i].blen);
		else
			proto_write_uint(w, kv[i].u);
	}
}

static void
concern_refused(const struct kv *kv, size_t n, const char *why)
{
	static const struct proto_concern zero;
	uint8_t buf[2048];
	struct proto_concern d;
	struct proto_error e = {0};
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	put(&w, kv, n);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_concern_decode(buf, w.len, &d, &e), WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("reason '%s', wanted '%s'", e.msg, why);
	assert_true(e.offset <= w.len);
	assert_memory_equal(&d, &zero, sizeof(d));
}

static void
concern_ok(const struct kv *kv, size_t n)
{
	uint8_t buf[2048];
	struct proto_concern d;
	struct proto_error e = {0};
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	put(&w, kv, n);
	if (proto_concern_decode(buf, w.len, &d, &e) != WN_OK)
		fail_msg("refused: %s at %zu", e.msg, e.offset);
}

static void
test_concern_refusals(void **state)
{
	(void)state;
	struct kv kv[4] = {{1, NULL, 4, 0}, {2, NULL, 0, 32},
	    {3, NULL, 1830000000000, 0}, {4, "Jan, 0470 11 22 33", 0, 0}};
	concern_ok(kv, 4);
	concern_ok(kv, 1);
	concern_refused(kv + 1, 3, "a required key is missing");
	concern_refused(kv, 2, "keys 2 to 4 come all together");
	concern_refused(kv, 3, "keys 2 to 4 come all together");
	struct kv swap[4] = {kv[0], kv[2], kv[1], kv[3]};
	concern_refused(swap, 4, "out of order");
	struct kv twice[5] = {kv[0], kv[1], kv[2], kv[3], kv[3]};
	concern_refused(twice, 5, "out of order");
	struct kv unknown[5] = {kv[0], kv[1], kv[2], kv[3], {5, NULL, 1, 0}};
	concern_refused(unknown, 5, "unknown");
	struct kv bad[4] = {kv[0], kv[1], kv[2], kv[3]};
	bad[0].u = 0;
	concern_refused(bad, 4, "concern 0");
	bad[0].u = (uint64_t)INT64_MAX + 1;
	concern_refused(bad, 4, "is over");
	bad[0].u = 4;
	bad[1].blen = 31;
	concern_refused(bad, 4, "");
	bad[1].blen = 33;
	concern_refused(bad, 4, "");
	bad[1].blen = 32;
	bad[2].u = 0;
	concern_refused(bad, 4, "an expiry at 0");
	bad[2].u = 1830000000000;
	bad[3].t = "";
	concern_refused(bad, 4, "empty text");
	bad[3].t = "Jan\n0470";
	concern_refused(bad, 4, "a control character");
	static char longest[PROTO_CONTACT_MAX + 2];
	memset(longest, 'x', PROTO_CONTACT_MAX + 1);
	bad[3].t = longest;
	concern_refused(bad, 4, "");
	bad[3].t = "Jan";
	bad[2].t = "1830000000000";
	concern_refused(bad, 4, "expected");
}

static void
match_refused(const uint8_t *buf, size_t len, const char *why)
{
	static struct proto_concern_match d, zero;
	struct proto_error e = {0};
	assert_int_equal(proto_concern_match_decode(buf, len, &d, &e),
	    WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("reason '%s', wanted '%s'", e.msg, why);
	assert_true(e.offset <= len);
	assert_memory_equal(&d, &zero, sizeof(d));
}

/* a match body: number, then n partners from kvs (3 keys each unless
 * nk says fewer) */
static size_t
match_body(uint8_t *buf, size_t cap, uint64_t number, const char **partners,
    size_t n, size_t nk)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, number);
	proto_write_uint(&w, 2);
	proto_write_array(&w, n);
	for (size_t i = 0; i < n; i++) {
		struct kv o[3] = {{1, partners[i], 0, 0},
		    {2, "Anna, 03 333 44 55", 0, 0}, {3, NULL, 1796157000000, 0}};
		put(&w, o, nk);
	}
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
test_match_refusals(void **state)
{
	(void)state;
	static uint8_t buf[PROTO_BODY_MAX];
	static struct proto_concern_match d;
	const char *two[] = {"cpas", "politie"};
	const char *swapped[] = {"politie", "cpas"};
	const char *same[] = {"politie", "politie"};
	const char *upper[] = {"Politie"};
	size_t len = match_body(buf, sizeof(buf), 2, two, 2, 3);
	assert_int_equal(proto_concern_match_decode(buf, len, &d, NULL), WN_OK);
	assert_int_equal(d.nothers, 2);
	assert_string_equal(d.others[1].partner, "politie");
	len = match_body(buf, sizeof(buf), 0, two, 2, 3);
	match_refused(buf, len, "concern 0");
	len = match_body(buf, sizeof(buf), 2, swapped, 2, 3);
	match_refused(buf, len, "partners out of order or repeated");
	len = match_body(buf, sizeof(buf), 2, same, 2, 3);
	match_refused(buf, len, "partners out of order or repeated");
	len = match_body(buf, sizeof(buf), 2, upper, 1, 3);
	match_refused(buf, len, "not an identifier");
	len = match_body(buf, sizeof(buf), 2, two, 2, 2);
	match_refused(buf, len, "a partner without its name, contact or since");
	/* too many partners */
	static const char *many[PROTO_MATCH_OTHERS_MAX + 1];
	static char names[PROTO_MATCH_OTHERS_MAX + 1][8];
	for (size_t i = 0; i <= PROTO_MATCH_OTHERS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "p%04zu", i);
		many[i] = names[i];
	}
	len = match_body(buf, sizeof(buf), 2, many, PROTO_MATCH_OTHERS_MAX + 1,
	    3);
	match_refused(buf, len, "partners, at most");
	/* the number alone; the list alone; a key unknown */
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	struct kv only[1] = {{1, NULL, 2, 0}};
	put(&w, only, 1);
	match_refused(buf, w.len, "a required key is missing");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 0);
	match_refused(buf, w.len, "a required key is missing");
	proto_writer_init(&w, buf, sizeof(buf));
	struct kv unk[2] = {{1, NULL, 2, 0}, {3, NULL, 1, 0}};
	put(&w, unk, 2);
	match_refused(buf, w.len, "unknown");
	/* trailing bytes; cut short anywhere */
	len = match_body(buf, sizeof(buf), 2, two, 2, 3);
	buf[len] = 0;
	match_refused(buf, len + 1, "trailing");
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(proto_concern_match_decode(buf, cut, &d, NULL),
		    WN_EPROTO);
	static uint8_t big[PROTO_BODY_MAX];
	assert_int_equal(proto_concern_match_decode(big, sizeof(big), &d, NULL),
	    WN_ETOOBIG);
}

static void
test_bytes(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct proto_concern d;
	struct proto_error e = {0};
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf) - 1);
	assert_int_equal(proto_concern_encode(&con_, &w), WN_OK);
	buf[w.len] = 0x00;
	assert_int_equal(proto_concern_decode(buf, w.len + 1, &d, &e),
	    WN_EPROTO);
	assert_non_null(strstr(e.msg, "trailing"));
	for (size_t cut = 0; cut < w.len; cut++)
		assert_int_equal(proto_concern_decode(buf, cut, &d, NULL),
		    WN_EPROTO);
	static uint8_t big[PROTO_BODY_MAX];
	assert_int_equal(proto_concern_decode(big, sizeof(big), &d, NULL),
	    WN_ETOOBIG);
}

static void
test_encoders_refuse(void **state)
{
	(void)state;
	uint8_t buf[4096];
	struct proto_writer w;
	static struct proto_concern v;
	static struct proto_concern_match m;
#define REFUSE(var, base, enc, change)                                         \
	do {                                                                   \
		var = base;                                                    \
		change;                                                        \
		proto_writer_init(&w, buf, sizeof(buf));                       \
		assert_int_equal(enc(&var, &w), WN_EINVAL);                    \
		assert_int_equal(w.len, 0);                                    \
	} while (0)
	REFUSE(v, con_, proto_concern_encode, v.number = 0);
	REFUSE(v, con_, proto_concern_encode, v.until_ms = 0);
	REFUSE(v, con_, proto_concern_encode, v.contact[0] = '\0');
	REFUSE(v, con_, proto_concern_encode, v.contact[2] = '\t');
	REFUSE(v, con_, proto_concern_encode, v.withdrawn = true);
	REFUSE(m, match_, proto_concern_match_encode, m.number = 0);
	REFUSE(m, match_, proto_concern_match_encode,
	    m.others[1].partner[0] = 'A');
	REFUSE(m, match_, proto_concern_match_encode,
	    wn_strlcpy(m.others[1].partner, "cpas", 8));
	REFUSE(m, match_, proto_concern_match_encode,
	    m.others[0].contact[0] = '\0');
	REFUSE(m, match_, proto_concern_match_encode,
	    m.others[0].since_ms = -1);
	REFUSE(m, match_, proto_concern_match_encode,
	    m.nothers = PROTO_MATCH_OTHERS_MAX + 1);
#undef REFUSE
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_round_trip, setup),
	    cmocka_unit_test_setup(test_concern_refusals, setup),
	    cmocka_unit_test_setup(test_match_refusals, setup),
	    cmocka_unit_test_setup(test_bytes, setup),
	    cmocka_unit_test_setup(test_encoders_refuse, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
