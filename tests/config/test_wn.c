/*
 * test_wn.c - the project-wide text helpers: UTF-8 validation, character
 * counts and NFC through utf8proc, including its sharp edges (overlong
 * forms, surrogates, results longer than the input, a result that does
 * not fit); and the log's line, key=value, that no text it carries can
 * break into two.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* logged_to: what wn_log wrote to stderr for (level, "%s", msg); with
 * journal, $JOURNAL_STREAM names that stderr, as systemd sets it */
static char *
logged_to(enum wn_log_level level, const char *msg, bool journal)
{
	char path[] = "/tmp/test_wn_log.XXXXXX", js[64];
	int fd = mkstemp(path), saved = dup(2);
	static char buf[8192];
	struct stat st;
	assert_true(fd >= 0 && saved >= 0);
	if (journal) {
		assert_int_equal(fstat(fd, &st), 0);
		snprintf(js, sizeof(js), "%llu:%llu",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		setenv("JOURNAL_STREAM", js, 1);
	}
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	wn_log(level, "%s", msg);
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	if (journal)
		unsetenv("JOURNAL_STREAM");
	return buf;
}

static char *
logged(enum wn_log_level level, const char *msg)
{
	return logged_to(level, msg, false);
}

/* the text after the time: ts=... level=L msg="..." */
static const char *
after_ts(const char *line)
{
	assert_memory_equal(line, "ts=", 3);
	const char *sp = strchr(line, ' ');
	assert_non_null(sp);
	return sp + 1;
}

static void
test_log_line(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	wn_log_set_level(WN_LOG_DEBUG);
	assert_string_equal(after_ts(logged(WN_LOG_WARN, "peer 'x' stuck")),
	    "level=warn msg=\"peer 'x' stuck\"\n");
	/* a peer's reason that tries to add a line of its own */
	assert_string_equal(after_ts(logged(WN_LOG_INFO,
				"refused: bad\n2026-01-01T00:00:00.000Z "
				"level=error msg=\"forged\"")),
	    "level=info msg=\"refused: bad\\n2026-01-01T00:00:00.000Z "
	    "level=error msg=\\\"forged\\\"\"\n");
	assert_string_equal(after_ts(logged(WN_LOG_ERROR,
				"a\tb\rc\x1b[31md\x7f\\e \xc3\x89lise")),
	    "level=error msg=\"a\\tb\\x0dc\\x1b[31md\\x7f\\\\e "
	    "\xc3\x89lise\"\n");
	/* to the journal: its priority in front, which journald takes off */
	const char *j = logged_to(WN_LOG_WARN, "w", true);
	assert_memory_equal(j, "<4>", 3);
	assert_string_equal(after_ts(j + 3), "level=warn msg=\"w\"\n");
	assert_memory_equal(logged_to(WN_LOG_ERROR, "e", true), "<3>", 3);
	assert_memory_equal(logged_to(WN_LOG_INFO, "i", true), "<6>", 3);
	/* $JOURNAL_STREAM naming another stream (stderr sent elsewhere by
	 * hand under a unit): no prefix */
	setenv("JOURNAL_STREAM", "8:1234", 1);
	assert_memory_equal(logged(WN_LOG_WARN, "w"), "ts=", 3);
	unsetenv("JOURNAL_STREAM");
	/* below the level: nothing */
	wn_log_set_level(WN_LOG_INFO);
	assert_string_equal(logged(WN_LOG_DEBUG, "quiet"), "");
}

static void
test_log_long(void **state)
{
	(void)state;
	unsetenv("JOURNAL_STREAM");
	char *big = malloc(5000);
	assert_non_null(big);
	memset(big, '\n', 4999);
	big[4999] = '\0';
	const char *line = after_ts(logged(WN_LOG_WARN, big));
	free(big);
	/* one line, cut, whatever the message */
	assert_non_null(strstr(line, "...\"\n"));
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_nfc_in_place_and_sizes),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_chars),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_log_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
