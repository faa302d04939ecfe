/*
 * test_csv.c - CSV records one at a time (config/csv.h): where a record
 * ends (a line end outside quotes, CRLF, none at the end of the text),
 * how many lines it spans, a quote never closed giving back only its
 * first line, a stray quote inside an unquoted field costing only its own
 * line; fields unquoted ("" is one quote, commas and line ends
 * inside quotes kept), and each malformed field refused with a reason,
 * the buffer never overrun.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "config/csv.h"

static void
test_records(void **state)
{
	(void)state;
	const char *t = "a,b\r\n\"x\ny\",\"z\"\"\"\nlast";
	size_t len, lines, o = 0;
	assert_true(cfg_csv_record(t, strlen(t), ',', &len, &lines));
	assert_int_equal(len, 5);
	assert_int_equal(lines, 1);
	o += len;
	assert_true(cfg_csv_record(t + o, strlen(t) - o, ',', &len, &lines));
	assert_int_equal(len, 12); /* "x\ny","z""" and its line end */
	assert_int_equal(lines, 2);
	o += len;
	assert_true(cfg_csv_record(t + o, strlen(t) - o, ',', &len, &lines));
	assert_int_equal(len, 4);
	assert_int_equal(lines, 0);
	/* a quote never closed: only the first line, so the next is read */
	const char *u = "1,\"open\n2,b\n3,c\n";
	assert_false(cfg_csv_record(u, strlen(u), ',', &len, &lines));
	assert_int_equal(len, 8);
	assert_int_equal(lines, 1);
	assert_true(cfg_csv_record(u + len, strlen(u) - len, ',', &len, &lines));
	assert_int_equal(len, 4);
	assert_false(cfg_csv_record("\"", 1, ',', &len, &lines));
	assert_int_equal(len, 1);
	assert_int_equal(lines, 0);
	/* a stray quote inside an unquoted field (an inch mark, speech) is a
	 * byte of that field: the record ends at its own line end, and the
	 * next lines are records of their own (the field is then refused by
	 * cfg_csv_fields, costing its line only) */
	const char *w = "1,a 5\" b\n2,c\n3,d 6\"\n";
	assert_true(cfg_csv_record(w, strlen(w), ',', &len, &lines));
	assert_int_equal(len, 9);
	assert_int_equal(lines, 1);
	o = len;
	assert_true(cfg_csv_record(w + o, strlen(w) - o, ',', &len, &lines));
	assert_int_equal(len, 4);
	o += len;
	assert_true(cfg_csv_record(w + o, strlen(w) - o, ',', &len, &lines));
	assert_int_equal(len, 7);
	/* "" after a closing quote is still an escaped quote */
	const char *q = "\"a\"\"\nb\",c\nnext\n";
	assert_true(cfg_csv_record(q, strlen(q), ',', &len, &lines));
	assert_int_equal(len, 10);
	assert_int_equal(lines, 2);
}

static void
test_fields(void **state)
{
	(void)state;
	const char *f[8];
	char buf[64], err[128];
	size_t n;
	const char *r = "2026-12-01,\"Herentals, centre\",,\"say \"\"hi\"\"\n"
			"again\",x\r\n";
	assert_true(cfg_csv_fields(r, strlen(r), ',', buf, sizeof(buf), f, 8, &n,
	    err, sizeof(err)));
	assert_int_equal(n, 5);
	assert_string_equal(f[0], "2026-12-01");
	assert_string_equal(f[1], "Herentals, centre");
	assert_string_equal(f[2], "");
	assert_string_equal(f[3], "say \"hi\"\nagain");
	assert_string_equal(f[4], "x");
	assert_true(cfg_csv_fields("", 0, ',', buf, sizeof(buf), f, 8, &n, err,
	    sizeof(err)));
	assert_int_equal(n, 1);
	assert_string_equal(f[0], "");
	assert_true(cfg_csv_fields("a,", 2, ',', buf, sizeof(buf), f, 8, &n, err,
	    sizeof(err)));
	assert_int_equal(n, 2);
	static const struct {
		const char *rec, *why;
	} bad[] = {
	    {"a,b\"c", "field 2: a quote inside a field"},
	    {"\"a\"b,c", "field 1: text after its closing quote"},
	    {"a,\"b", "field 2: a quote that is never closed"},
	    {"1,2,3,4,5,6,7,8,9", "more than 8 fields"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (cfg_csv_fields(bad[i].rec, strlen(bad[i].rec), ',', buf,
			sizeof(buf), f, 8, &n, err, sizeof(err)) ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("'%s': '%s', want '%s'", bad[i].rec, err,
			    bad[i].why);
	}
	/* a buffer too small is said, never overrun: the guard stays */
	char small[8];
	memset(small, '#', sizeof(small));
	assert_false(cfg_csv_fields("abcdef,ghijkl", 13, ',', small, 6, f, 8, &n,
	    err, sizeof(err)));
	assert_string_equal(err, "the record is too long");
	assert_int_equal(small[6], '#');
	assert_int_equal(small[7], '#');
	/* len + max + 1 is always enough */
	const char *e = ",,,";
	char tight[3 + 4 + 1];
	assert_true(cfg_csv_fields(e, 3, ',', tight, sizeof(tight), f, 4, &n, err,
	    sizeof(err)));
	assert_int_equal(n, 4);
}

/* a spreadsheet in a Dutch or French locale writes ';' between fields */
static void
test_semicolons(void **state)
{
	(void)state;
	const char *f[8];
	char buf[128], err[64];
	size_t n, len, lines;
	assert_int_equal(cfg_csv_separator("when;municipality;category\n",
			     27),
	    ';');
	assert_int_equal(cfg_csv_separator("when,municipality,category", 26),
	    ',');
	/* one in a quoted name does not count */
	assert_int_equal(cfg_csv_separator("\"a;b;c\",d", 9), ',');
	/* only the first line counts */
	assert_int_equal(cfg_csv_separator("a,b\nc;d;e", 9), ',');
	const char *r = "2026-12-01;\"Herentals; centrum\";1,5\r\n";
	assert_true(cfg_csv_record(r, strlen(r), ';', &len, &lines));
	assert_int_equal(len, strlen(r));
	assert_true(cfg_csv_fields(r, len, ';', buf, sizeof(buf), f, 8, &n,
	    err, sizeof(err)));
	assert_int_equal(n, 3);
	assert_string_equal(f[1], "Herentals; centrum");
	assert_string_equal(f[2], "1,5");
	/* with ',' the same record has other fields */
	assert_true(cfg_csv_fields("a;b,c", 5, ',', buf, sizeof(buf), f, 8, &n,
	    err, sizeof(err)));
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_semicolons),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
