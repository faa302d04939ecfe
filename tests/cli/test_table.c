/*
 * test_table.c - the CLI's one table style (cli/table.c) and how a list
 * and an object print (cli/print.c): aligned columns under readable
 * headers, cut with an ellipsis to the width given and never inside a
 * UTF-8 sequence, control characters shown as '?'; a list is a table
 * whatever its row count (none: a sentence), --json is left as it was;
 * and moments read as "3 min ago".
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
#include <unistd.h>

#include "cli/cli.h"

#define ELLIPSIS "\xe2\x80\xa6"

/* table: what cli_table_write writes, in a malloc'd string */
static char *
table(const char *const *heads, size_t ncols, const char *const *cells,
    size_t nrows, size_t width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	cli_table_write(f, heads, ncols, cells, nrows, width);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* lines_fit: every line of s is at most width columns wide, valid UTF-8
 * and without trailing spaces */
static void
lines_fit(const char *s, size_t width)
{
	char line[1024];
	const char *p = s;
	while (*p) {
		size_t n = strcspn(p, "\n");
		assert_true(n < sizeof(line));
		memcpy(line, p, n);
		line[n] = '\0';
		assert_true(wn_text_valid(line, n) || n == 0);
		assert_true(cli_text_width(line) <= width);
		assert_true(n == 0 || line[n - 1] != ' ');
		p += n + (p[n] == '\n');
	}
}

static void
test_aligned(void **state)
{
	(void)state;
	const char *heads[] = {"org", "state", "queued"};
	const char *cells[] = {"dir", "idle", "0", "police", "sending", "12"};
	char *out = table(heads, 3, cells, 2, 0);
	assert_string_equal(out, "org     state    queued\n"
				 "dir     idle     0\n"
				 "police  sending  12\n");
	free(out);
	/* it fits: a width changes nothing */
	out = table(heads, 3, cells, 2, 80);
	assert_string_equal(out, "org     state    queued\n"
				 "dir     idle     0\n"
				 "police  sending  12\n");
	free(out);
}

static void
test_zero_and_one_row(void **state)
{
	(void)state;
	const char *heads[] = {"org", "last ok"};
	const char *cells[] = {"dir", ""};
	char *out = table(heads, 2, cells, 0, 80);
	assert_string_equal(out, "org  last ok\n");
	free(out);
	/* an empty last cell leaves no trailing spaces */
	out = table(heads, 2, cells, 1, 80);
	assert_string_equal(out, "org  last ok\ndir\n");
	free(out);
}

static void
test_cut_with_ellipsis(void **state)
{
	(void)state;
	const char *heads[] = {"org", "last error"};
	const char *cells[] = {"police",
	    "the peer refused the transfer: no key for this epoch"};
	char *out = table(heads, 2, cells, 1, 30);
	/* 6 + 2 + 22: the long value is cut to 21 characters and "..." */
	assert_string_equal(out, "org     last error\n"
				 "police  the peer refused the " ELLIPSIS "\n");
	lines_fit(out, 30);
	free(out);
	/* not a terminal (width 0): the whole value, for a grep */
	out = table(heads, 2, cells, 1, 0);
	assert_non_null(strstr(out, "no key for this epoch\n"));
	assert_null(strstr(out, ELLIPSIS));
	free(out);
}

static void
test_many_columns_cut(void **state)
{
	(void)state;
	const char *heads[] = {"aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc",
	    "dddddddddddd"};
	const char *cells[] = {"1234567890123", "x", "yyyyyyyyyyyyyyyyyy",
	    "z"};
	char *out = table(heads, 4, cells, 1, 40);
	lines_fit(out, 40);
	/* headers are cut as values are */
	assert_non_null(strstr(out, ELLIPSIS));
	free(out);
	/* too narrow for every column at its minimum: no column below 6,
	 * the terminal wraps the rest */
	/* of columns as wide, the later gives first */
	const char *two[] = {"aaaaaaaa", "bbbbbbbb"};
	const char *row[] = {"12345678", "12345678"};
	out = table(two, 2, row, 1, 17);
	assert_string_equal(out, "aaaaaaaa  bbbbbb" ELLIPSIS "\n"
				 "12345678  123456" ELLIPSIS "\n");
	free(out);
	out = table(heads, 4, cells, 1, 10);
	assert_non_null(strstr(out, "aaaaa" ELLIPSIS "  bbbbb" ELLIPSIS));
	free(out);
}

static void
test_too_many_columns(void **state)
{
	(void)state;
	static char names[70][8], vals[2][70][8];
	const char *heads[70], *cells[140];
	for (int c = 0; c < 70; c++) {
		snprintf(names[c], sizeof(names[c]), "h%d", c);
		heads[c] = names[c];
		for (int r = 0; r < 2; r++) {
			snprintf(vals[r][c], sizeof(vals[r][c]), "r%dc%d", r, c);
			cells[r * 70 + c] = vals[r][c];
		}
	}
	/* the first 64, each row from its own cells */
	char *out = table(heads, 70, cells, 2, 0);
	assert_non_null(strstr(out, "\nr1c0 "));
	assert_non_null(strstr(out, "r1c63\n"));
	assert_null(strstr(out, "r1c64"));
	assert_null(strstr(out, "r0c64"));
	free(out);
}

static void
test_utf8(void **state)
{
	(void)state;
	/* "Élise" is 6 bytes and 5 columns; CJK characters are 2 columns */
	const char *heads[] = {"name", "x"};
	const char *cells[] = {"\xc3\x89lise", "1", "\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "2",
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x97\xa5\xe6\x9c\xac", "3"};
	assert_int_equal(cli_text_width("\xc3\x89lise"), 5);
	assert_int_equal(cli_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);
	char *out = table(heads, 2, cells, 3, 0);
	assert_non_null(strstr(out, "\n\xc3\x89lise       1\n"));
	free(out);
	/* cut to 7 + 2 + 1 columns: never inside a sequence */
	out = table(heads, 2, cells, 3, 10);
	lines_fit(out, 10);
	assert_non_null(strstr(out, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xc3\xa9" ELLIPSIS "  2\n"));
	/* three wide characters are 6 columns: the ellipsis fills the 7th */
	assert_non_null(strstr(out, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"
				    ELLIPSIS "  3\n"));
	free(out);
}

static void
test_control_characters(void **state)
{
	(void)state;
	const char *heads[] = {"v"};
	/* tab, ESC, DEL, U+009B (C1 CSI, 2 bytes) and a byte not UTF-8 */
	const char *cells[] = {"a\tb\x1b[31mc\x7f\xc2\x9b" "d\xff"};
	char *out = table(heads, 1, cells, 1, 0);
	assert_string_equal(out, "v\na?b?[31mc??d?\n");
	free(out);
}

static void
test_key_words(void **state)
{
	(void)state;
	char w[64];
	cli_key_words("last_ok_ms", true, w, sizeof(w));
	assert_string_equal(w, "last ok");
	/* milliseconds that are no moment keep their unit */
	cli_key_words("waiting_ms", false, w, sizeof(w));
	assert_string_equal(w, "waiting (ms)");
	cli_key_words("uptime_s", false, w, sizeof(w));
	assert_string_equal(w, "uptime (s)");
	cli_key_words("p99_us", true, w, sizeof(w));
	assert_string_equal(w, "p99 (us)");
	cli_key_words("org_id", false, w, sizeof(w));
	assert_string_equal(w, "org id");
	cli_key_words("queued", false, w, 4);
	assert_string_equal(w, "que");
}

static void
test_ago(void **state)
{
	(void)state;
	const int64_t now = 1796000000000; /* late 2026 */
	char s[64];
	cli_ago(0, now, s, sizeof(s));
	assert_string_equal(s, "never");
	cli_ago(now - 5000, now, s, sizeof(s));
	assert_string_equal(s, "just now");
	cli_ago(now - 3 * 60000 - 5000, now, s, sizeof(s));
	assert_string_equal(s, "3 min ago");
	cli_ago(now - 59 * 60000, now, s, sizeof(s));
	assert_string_equal(s, "59 min ago");
	cli_ago(now - 3600000, now, s, sizeof(s));
	assert_string_equal(s, "1 hour ago");
	cli_ago(now - 47 * 3600000LL, now, s, sizeof(s));
	assert_string_equal(s, "47 hours ago");
	cli_ago(now - 2 * 86400000LL, now, s, sizeof(s));
	assert_string_equal(s, "2 days ago");
	cli_ago(now + 2 * 86400000LL + 1000, now, s, sizeof(s));
	assert_string_equal(s, "in 2 days");
	cli_ago(now + 10 * 60000, now, s, sizeof(s));
	assert_string_equal(s, "in 10 min");
	cli_ago(now + 10000, now, s, sizeof(s));
	assert_string_equal(s, "in a moment");
	/* far off: a date, not "400 days ago" */
	cli_ago(now - 400 * 86400000LL, now, s, sizeof(s));
	assert_int_equal(strlen(s), 10);
	assert_true(s[4] == '-' && s[7] == '-');
	cli_duration(42500, s, sizeof(s));
	assert_string_equal(s, "42 s");
	cli_duration(3 * 60000, s, sizeof(s));
	assert_string_equal(s, "3 min");
	cli_duration(-5000, s, sizeof(s));
	assert_string_equal(s, "-5 s");
}

/* captured: what fn printed on stdout while it ran */
static char *
captured(int (*fn)(struct cli *, const struct proto_ctl_reply *),
    struct cli *cli, const struct proto_ctl_reply *r, int *status)
{
	char path[] = "/tmp/test_table_XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	static char buf[8192];
	ssize_t n;
	assert_true(fd >= 0 && saved >= 0);
	fflush(stdout);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
	*status = fn(cli, r);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

static const struct cli_col cols[] = {
    {"org_id", "org", 0},
    {"last_ok_ms", "last ok", CLI_COL_AGO},
    {"fingerprint", NULL, CLI_COL_WIDE},
};

static int
as_list(struct cli *cli, const struct proto_ctl_reply *r)
{
	return cli_print_list(cli, r, cols, 3, false, "no peers",
	    "wijknet peer list --wide");
}

static int
as_wide_list(struct cli *cli, const struct proto_ctl_reply *r)
{
	return cli_print_list(cli, r, cols, 3, true, "no peers", NULL);
}

static void
test_list_and_object(void **state)
{
	(void)state;
	struct cli cli = {.prog = "wijknet"};
	int64_t ok = wn_now_ms() - 3 * 60000 - 5000;
	struct proto_ctl_field f1[] = {
	    {.key = "org_id", .type = PROTO_CTL_TEXT, .text = "police"},
	    {.key = "fingerprint", .type = PROTO_CTL_TEXT, .text = "AB-CD"},
	    {.key = "last_ok_ms", .type = PROTO_CTL_INT, .i = ok},
	};
	struct proto_ctl_field f2[] = {
	    {.key = "org_id", .type = PROTO_CTL_TEXT, .text = "dir"},
	    {.key = "fingerprint", .type = PROTO_CTL_TEXT, .text = "EF-01"},
	    {.key = "last_ok_ms", .type = PROTO_CTL_INT, .i = 0},
	};
	struct proto_ctl_row rows[] = {{3, f1}, {3, f2}};
	struct proto_ctl_reply r = {.status = WN_OK, .nrows = 0, .rows = rows};
	int status;
	char *out = captured(as_list, &cli, &r, &status);
	assert_int_equal(status, CLI_OK);
	assert_string_equal(out, "no peers\n");
	/* one row of a list is still a table */
	r.nrows = 1;
	out = captured(as_list, &cli, &r, &status);
	assert_string_equal(out, "org     last ok\n"
				 "police  3 min ago\n"
				 "(1 more column: wijknet peer list --wide, "
				 "or --json)\n");
	r.nrows = 2;
	out = captured(as_wide_list, &cli, &r, &status);
	assert_string_equal(out, "org     last ok    fingerprint\n"
				 "police  3 min ago  AB-CD\n"
				 "dir     never      EF-01\n");
	/* --json: exact values under the node's keys, whatever the view */
	cli.json = true;
	out = captured(as_list, &cli, &r, &status);
	char want[512];
	snprintf(want, sizeof(want),
	    "{\"status\":0,\"error\":\"\",\"message\":\"\",\"rows\":["
	    "{\"org_id\":\"police\",\"fingerprint\":\"AB-CD\","
	    "\"last_ok_ms\":%lld},{\"org_id\":\"dir\",\"fingerprint\":"
	    "\"EF-01\",\"last_ok_ms\":0}]}\n", (long long)ok);
	assert_string_equal(out, want);
	/* a generic table: headers from the keys, a column of moments as
	 * dates (none yet: empty) */
	cli.json = false;
	out = captured(cli_print_reply, &cli, &r, &status);
	assert_non_null(strstr(out, "org id  fingerprint  last ok\n"));
	assert_non_null(strstr(out, "\ndir     EF-01\n"));
	/* an object: "key: value" lines, the keys in words */
	r.nrows = 1;
	r.rows = &rows[1];
	out = captured(cli_print_reply, &cli, &r, &status);
	assert_string_equal(out, "org id:       dir\n"
				 "fingerprint:  EF-01\n"
				 "last ok (ms): 0\n");
	/* an empty value leaves no trailing spaces */
	f2[1].text = "";
	out = captured(cli_print_reply, &cli, &r, &status);
	assert_non_null(strstr(out, "\nfingerprint:\nlast ok"));
}

static void
test_code_words(void **state)
{
	(void)state;
	char w[64];
	cli_code_words("handed_over", w, sizeof(w));
	assert_string_equal(w, "handed over");
	cli_code_words("follow_up", w, sizeof(w));
	assert_string_equal(w, "follow-up");
	cli_code_words("signals,health_care,follow_up", w, sizeof(w));
	assert_string_equal(w, "signals, health care, follow-up");
	/* only a name of the node's: a text a person wrote stays as it is */
	cli_code_words("Sociale_dienst Olen", w, sizeof(w));
	assert_string_equal(w, "Sociale_dienst Olen");
	cli_code_words("c-5a12_ad", w, sizeof(w));
	assert_string_equal(w, "c-5a12_ad");
	cli_code_words("not_follow_up", w, sizeof(w));
	assert_string_equal(w, "not follow up");
	cli_code_words("", w, sizeof(w));
	assert_string_equal(w, "");
	cli_code_words("safety_public_order", w, 7);
	assert_string_equal(w, "safety");
	/* a field marked CLI_COL_WORDS; a life domain as plan show says it */
	struct proto_ctl_field f = {.key = "stage", .type = PROTO_CTL_TEXT,
	    .text = "follow_up"};
	char *v = cli_field_text(&f, CLI_COL_WORDS, 0);
	assert_string_equal(v, "follow-up");
	free(v);
	f.key = "domain";
	f.text = "safety_public_order";
	v = cli_field_text(&f, CLI_COL_WORDS, 0);
	assert_string_equal(v, "safety and public order");
	free(v);
	v = cli_field_text(&f, 0, 0);
	assert_string_equal(v, "safety_public_order");
	free(v);
}

/* wrapped: what cli_wrap_put writes after a label of used columns */
static char *
wrapped(const char *s, size_t indent, size_t used, size_t width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	for (size_t i = 0; i < used; i++)
		putc('>', f);
	cli_wrap_put(f, s, indent, used, width);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void
test_wrap(void **state)
{
	(void)state;
	const char *text = "the group was there again on Friday; the partners "
			   "agree on a joint approach";
	/* not a terminal: one line, whole */
	char *out = wrapped(text, 8, 8, 0);
	assert_string_equal(out, ">>>>>>>>the group was there again on Friday; "
				 "the partners agree on a joint approach");
	free(out);
	/* a terminal of 40 columns: words to the next line, under the text */
	out = wrapped(text, 8, 8, 40);
	assert_string_equal(out, ">>>>>>>>the group was there again on\n"
				 "        Friday; the partners agree on a\n"
				 "        joint approach");
	lines_fit(out, 40);
	free(out);
	/* a line end in the text starts a line at the indent; no trailing
	 * spaces; a control character is shown as '?' */
	out = wrapped("one  \n\ntwo\x1b[31m\n", 4, 6, 0);
	assert_string_equal(out, ">>>>>>one\n\n    two?[31m\n");
	free(out);
	/* a word wider than a line is broken, never inside a UTF-8
	 * sequence; the widths count columns, not bytes */
#define E "\xc3\xa9" /* e acute: two bytes, one column */
	out = wrapped("caf" E "caf" E "caf" E "caf" E "caf" E "caf" E " " E "t" E,
	    0, 0, 20);
	assert_string_equal(out, "caf" E "caf" E "caf" E "caf" E "caf" E "\n"
				 "caf" E " " E "t" E);
#undef E
	lines_fit(out, 20);
	free(out);
	/* no room after a long label: the first word starts the next line */
	out = wrapped("approach", 2, 35, 40);
	assert_string_equal(out, ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>\n  approach");
	free(out);
}

/* test_words_in_generic_output: a stage, an outcome, a domain read in
 * words in an object and a table; --json keeps the node's names */
static void
test_words_in_generic_output(void **state)
{
	(void)state;
	struct cli cli = {.prog = "wijknet"};
	struct proto_ctl_field f1[] = {
	    {.key = "case_id", .type = PROTO_CTL_TEXT, .text = "c-1"},
	    {.key = "stage", .type = PROTO_CTL_TEXT, .text = "follow_up"},
	    {.key = "outcome", .type = PROTO_CTL_TEXT, .text = "handed_over"},
	    {.key = "subject", .type = PROTO_CTL_TEXT, .text = "S_jonas"},
	};
	struct proto_ctl_field f2[] = {
	    {.key = "case_id", .type = PROTO_CTL_TEXT, .text = "c-2"},
	    {.key = "stage", .type = PROTO_CTL_TEXT, .text = "signal"},
	    {.key = "outcome", .type = PROTO_CTL_TEXT, .text = ""},
	    {.key = "subject", .type = PROTO_CTL_TEXT, .text = "my_subject"},
	};
	struct proto_ctl_row rows[] = {{4, f1}, {4, f2}};
	struct proto_ctl_reply r = {.status = WN_OK, .nrows = 1, .rows = rows};
	int status;
	char *out = captured(cli_print_reply, &cli, &r, &status);
	assert_string_equal(out, "case id: c-1\n"
				 "stage:   follow-up\n"
				 "outcome: handed over\n"
				 "subject: S_jonas\n");
	r.nrows = 2;
	out = captured(cli_print_reply, &cli, &r, &status);
	assert_string_equal(out, "case id  stage      outcome      subject\n"
				 "c-1      follow-up  handed over  S_jonas\n"
				 "c-2      signal                  my_subject\n");
	cli.json = true;
	out = captured(cli_print_reply, &cli, &r, &status);
	assert_non_null(strstr(out, "\"stage\":\"follow_up\","
				    "\"outcome\":\"handed_over\""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aligned),
	    cmocka_unit_test(test_zero_and_one_row),
	    cmocka_unit_test(test_cut_with_ellipsis),
	    cmocka_unit_test(test_many_columns_cut),
	    cmocka_unit_test(test_too_many_columns),
	    cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_control_characters),
	    cmocka_unit_test(test_key_words),
	    cmocka_unit_test(test_ago),
	    cmocka_unit_test(test_list_and_object),
	    cmocka_unit_test(test_code_words),
	    cmocka_unit_test(test_wrap),
	    cmocka_unit_test(test_words_in_generic_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
