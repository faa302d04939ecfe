/*
 * test_passphrase_floor.c - sec_passphrase_floor, the least a new
 * passphrase must be: 12 characters (UTF-8 code points, not bytes), 5 of
 * them different; the reason never holds the passphrase.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "crypto/sec.h"

static wn_err
floor_of(const char *text, char *err, size_t errlen)
{
	struct sec_secret *s = NULL;
	wn_err rc;
	assert_int_equal(sec_secret_new(strlen(text), &s), WN_OK);
	memcpy(s->data, text, strlen(text));
	rc = sec_passphrase_floor(s, err, errlen);
	sec_secret_free(s);
	return rc;
}

static void
test_short_refused(void **state)
{
	char err[256] = "";
	(void)state;
	assert_int_equal(floor_of("hunter2", err, sizeof(err)), WN_EINVAL);
	assert_non_null(strstr(err, "at least 12 characters"));
	assert_null(strstr(err, "hunter2"));
	assert_int_equal(floor_of("abcdefghijk", err, sizeof(err)), WN_EINVAL);
	assert_int_equal(floor_of("", err, sizeof(err)), WN_EINVAL);
	/* 11 characters of two bytes each: 22 bytes, still too short */
	assert_int_equal(floor_of("ééééééééééé", err, sizeof(err)),
	    WN_EINVAL);
}

static void
test_repeats_refused(void **state)
{
	char err[256] = "";
	(void)state;
	assert_int_equal(floor_of("aaaaaaaaaaaaaaaaaaaa", err, sizeof(err)),
	    WN_EINVAL);
	assert_non_null(strstr(err, "different"));
	assert_int_equal(floor_of("abababababababab", err, sizeof(err)),
	    WN_EINVAL);
	assert_int_equal(floor_of("abcdabcdabcd", err, sizeof(err)),
	    WN_EINVAL);
}

static void
test_enough_passes(void **state)
{
	char err[256] = "";
	(void)state;
	assert_int_equal(floor_of("abcdeabcdeab", err, sizeof(err)), WN_OK);
	assert_int_equal(floor_of("correct horse battery staple", err,
			     sizeof(err)), WN_OK);
	assert_int_equal(floor_of("pass-dir-1234567890", err, sizeof(err)),
	    WN_OK);
	/* 12 characters, 5 different, one of them two bytes */
	assert_int_equal(floor_of("éabcdéabcdéa", err, sizeof(err)), WN_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short_refused),
	    cmocka_unit_test(test_repeats_refused),
	    cmocka_unit_test(test_enough_passes),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
