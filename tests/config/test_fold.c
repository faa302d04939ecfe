/*
 * test_fold.c - wn_text_fold, the matching form of text (config/wn.c,
 * protocol/SUBJECTS.md "Text: folding"): case and marks gone alike from
 * precomposed and decomposed input, every entry of the table of letters
 * that do not decompose, apostrophes, spaces and dashes made one, and
 * what cannot be in a name refused with nothing written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "config/wn.h"

static void
fold_is(const char *in, const char *want)
{
	char out[256];
	size_t n = 0;
	wn_err rc = wn_text_fold(in, strlen(in), out, sizeof(out), &n);
	if (rc != WN_OK)
		fail_msg("fold of %s: %s", in, wn_strerror(rc));
	if (strcmp(out, want) != 0)
		fail_msg("fold of %s: %s, not %s", in, out, want);
	assert_int_equal(n, strlen(want));
}

static void
test_fold_letters(void **state)
{
	(void)state;
	fold_is("\u00c9LISE", "elise");
	fold_is("E\u0301lise", "elise");      /* NFD */
	fold_is("Zoe\u0308 No\u00ebl", "zoe noel");
	fold_is("\u00c6\u00e6", "aeae");
	fold_is("\u0152\u0153", "oeoe");
	fold_is("\u00d8\u00f8", "oo");
	fold_is("\u0141\u0142", "ll");
	fold_is("\u0110\u0111", "dd");
	fold_is("\u00d0\u00f0", "dd");
	fold_is("\u00de\u00fe", "thth");
	fold_is("\u0131I\u0130", "iii");      /* Turkish i's */
	fold_is("\u0126\u0127", "hh");
	fold_is("\u0166\u0167", "tt");
	fold_is("\u014a\u014b", "nn");
	fold_is("\u0138", "k");
	fold_is("\u0191\u0192", "ff");
	fold_is("Stra\u00dfe \u1e9e", "strasse ss");
	fold_is("l\u00b7l \u0140", "ll l");   /* Catalan */
	fold_is("\u0133 \ufb01", "ij fi");   /* NFKD */
	fold_is("\uff30eeters", "peeters");  /* full width */
	fold_is("\u0418\u0432\u0430\u043d\u043e\u0432", "\u0438\u0432\u0430\u043d\u043e\u0432");
}

static void
test_fold_separators(void **state)
{
	(void)state;
	fold_is("D\u2019Hondt D\u2018x D\u02bcx D`x D\u00b4x D\u2032x D\u201bx",
	    "d'hondt d'x d'x d'x d'x d'x d'x");
	/* an apostrophe that NFKD makes is one too, or folding twice
	 * would not give the same (found by fuzz_subject) */
	fold_is("\u0149a", "'na");
	fold_is("a\u00a0b\u2009c\u3000d\u1680e", "a b c d e");
	fold_is("a\u2010b\u2011c\u2013d\u2014e", "a-b-c-d-e");
	fold_is("", "");
}

static void
test_fold_refuses(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\xc3",             /* cut short */
		"\xc0\xaf",         /* overlong */
		"\xed\xa0\x80",     /* surrogate */
		"a\x01",            /* control */
		"\xf0\x9f\x98\x80", /* emoji */
		"\xcd\xb8",         /* U+0378, unassigned */
		"\xc2\xa9",         /* (c), a symbol */
		"\xd9\xa3",         /* Arabic-Indic 3 */
		"\xc2\xbf",         /* inverted question mark */
	};
	char out[16] = "untouched";
	size_t n = 99;
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		assert_int_equal(wn_text_fold(bad[i], strlen(bad[i]), out,
				     sizeof(out), &n),
		    WN_EINVAL);
		assert_string_equal(out, "untouched");
		assert_int_equal(n, 99);
	}
	assert_int_equal(wn_text_fold("a\0b", 3, out, sizeof(out), &n),
	    WN_EINVAL);
	assert_int_equal(wn_text_fold("abcdef", 6, out, 6, &n), WN_ETOOBIG);
	assert_int_equal(wn_text_fold("abcdef", 6, out, 7, &n), WN_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_letters),
		cmocka_unit_test(test_fold_separators),
		cmocka_unit_test(test_fold_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
