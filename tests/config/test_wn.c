/*
 * test_wn.c - the project-wide text helpers: UTF-8 validation, character
 * counts and NFC through utf8proc, including its sharp edges (overlong
 * forms, surrogates, results longer than the input, a result that does
 * not fit).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "config/wn.h"

#define NFC_ELISE "\xc3\x89lise"  /* U+00C9 then "lise" */
#define NFD_ELISE "E\xcc\x81lise" /* "E", U+0301, "lise" */

static void
nfc_is(const char *in, const char *want)
{
	char out[256];
	size_t len = 999;
	assert_int_equal(wn_text_nfc(in, strlen(in), out, sizeof(out), &len),
	    WN_OK);
	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
}

static void
test_nfc(void **state)
{
	(void)state;
	nfc_is(NFD_ELISE, NFC_ELISE);
	nfc_is(NFC_ELISE, NFC_ELISE);
	nfc_is("", "");
	nfc_is("plain ascii 123", "plain ascii 123");
	/* two accents on one letter, in the other order: one canonical form */
	nfc_is("o\xcc\x88\xcc\x84", "\xc8\xab");  /* o, diaeresis, macron */
	nfc_is("a\xcc\xa3\xcc\x82", "\xe1\xba\xad"); /* a, dot below, circumflex */
	nfc_is("a\xcc\x82\xcc\xa3", "\xe1\xba\xad");
	/* Hangul jamo compose */
	nfc_is("\xe1\x84\x80\xe1\x85\xa1", "\xea\xb0\x80");
	/* a composition exclusion: NFC is longer than the input */
	nfc_is("\xe0\xa5\x98", "\xe0\xa4\x95\xe0\xa4\xbc");
}

static void
test_nfc_in_place_and_sizes(void **state)
{
	char buf[16] = NFD_ELISE, small[6] = "keep";
	size_t len;
	(void)state;
	assert_int_equal(wn_text_nfc(buf, strlen(buf), buf, sizeof(buf), &len),
	    WN_OK);
	assert_string_equal(buf, NFC_ELISE);
	assert_int_equal(len, 6);
	/* 6 bytes need a cap of 7; the output stays as it was */
	assert_int_equal(wn_text_nfc(NFD_ELISE, strlen(NFD_ELISE), small,
	    sizeof(small), &len), WN_ETOOBIG);
	assert_string_equal(small, "keep");
	assert_int_equal(wn_text_nfc("", 0, small, 0, NULL), WN_ETOOBIG);
	/* exactly fitting */
	char seven[7];
	assert_int_equal(wn_text_nfc(NFD_ELISE, strlen(NFD_ELISE), seven,
	    sizeof(seven), NULL), WN_OK);
	assert_string_equal(seven, NFC_ELISE);
}

static void
test_invalid(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
	    {"\xc0\xaf", 2},             /* overlong '/' */
	    {"\xe0\x80\xaf", 3},         /* overlong, 3 bytes */
	    {"\xed\xa0\x80", 3},         /* surrogate U+D800 */
	    {"\xed\xbf\xbf", 3},         /* surrogate U+DFFF */
	    {"\xf4\x90\x80\x80", 4},     /* above U+10FFFF */
	    {"\xf8\x88\x80\x80\x80", 5}, /* 5-byte form */
	    {"\xc3", 1},                 /* cut short */
	    {"E\xcc", 2},                /* cut short after a letter */
	    {"\x80", 1},                 /* lone continuation */
	    {"\xff", 1},
	    {"a\0b", 3},                 /* NUL inside */
	};
	char out[32] = "keep";
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		assert_false(wn_text_valid(bad[i].s, bad[i].len));
		assert_int_equal(wn_text_nfc(bad[i].s, bad[i].len, out,
		    sizeof(out), NULL), WN_EINVAL);
		assert_string_equal(out, "keep");
	}
	assert_true(wn_text_valid(NFD_ELISE, strlen(NFD_ELISE)));
	assert_true(wn_text_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
	assert_true(wn_text_valid("\xf0\x9f\x98\x80", 4)); /* an emoji */
	assert_true(wn_text_valid("", 0));
}

static void
test_chars(void **state)
{
	(void)state;
	assert_int_equal(wn_text_chars(NFC_ELISE, strlen(NFC_ELISE)), 5);
	assert_int_equal(wn_text_chars(NFD_ELISE, strlen(NFD_ELISE)), 6);
	assert_int_equal(wn_text_chars("\xf0\x9f\x98\x80x", 5), 2);
	assert_int_equal(wn_text_chars("", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nfc_in_place_and_sizes),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_chars),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
