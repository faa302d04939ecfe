/*
 * test_mediation.c - the figures a mediation service reports
 * (node/work/mediation_stats.c, node_med_stats): the cases referred in
 * the period counted by source, dispute and outcome, the open ones apart;
 * the lead time of those closed as a total and twice the median, for an
 * odd and an even count (a half day), none closed, and an empty period;
 * the cases referred outside the period left out, its first and last
 * days included. And the dates (YYYY-MM-DD, a day that exists) and the
 * names of the lists, which are stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "node/work/work.h"

static int32_t
day(const char *s)
{
	int32_t d = 0;
	if (!node_med_day_parse(s, &d))
		fail_msg("'%s' refused", s);
	return d;
}

/* a case referred on ref and closed lead days later with outcome (-1:
 * open) */
static struct node_med_case
mk(int source, int dispute, int outcome, const char *ref, int lead)
{
	struct node_med_case k = {source, dispute, outcome, day(ref), 0};
	k.closed_day = outcome >= 0 ? k.referred_day + lead : 0;
	return k;
}

static void
test_odd_count(void **state)
{
	(void)state;
	const struct node_med_case cases[] = {
	    mk(NODE_MED_SRC_POLICE, NODE_MED_DSP_NOISE, NODE_MED_OUT_AGREEMENT,
		"2026-01-01", 10),
	    mk(NODE_MED_SRC_POLICE, NODE_MED_DSP_PETS, NODE_MED_OUT_REFUSED,
		"2026-01-15", 3),
	    mk(NODE_MED_SRC_HOUSING, NODE_MED_DSP_NOISE,
		NODE_MED_OUT_IMPROVED, "2026-03-31", 40),
	    mk(NODE_MED_SRC_SELF, NODE_MED_DSP_PARKING, -1, "2026-02-01", 0),
	    /* outside: the day before and the day after */
	    mk(NODE_MED_SRC_WELFARE, NODE_MED_DSP_INSULTS,
		NODE_MED_OUT_AGREEMENT, "2025-12-31", 1),
	    mk(NODE_MED_SRC_WELFARE, NODE_MED_DSP_INSULTS, -1, "2026-04-01",
		0),
	};
	struct node_med_stats s;
	assert_int_equal(node_med_stats(cases, WN_ARRAY_LEN(cases),
			     day("2026-01-01"), day("2026-03-31"), &s),
	    WN_OK);
	assert_int_equal(s.cases, 4);
	assert_int_equal(s.open, 1);
	assert_int_equal(s.closed, 3);
	assert_int_equal(s.by_source[NODE_MED_SRC_POLICE], 2);
	assert_int_equal(s.by_source[NODE_MED_SRC_HOUSING], 1);
	assert_int_equal(s.by_source[NODE_MED_SRC_SELF], 1);
	assert_int_equal(s.by_source[NODE_MED_SRC_WELFARE], 0);
	assert_int_equal(s.by_dispute[NODE_MED_DSP_NOISE], 2);
	assert_int_equal(s.by_dispute[NODE_MED_DSP_PETS], 1);
	assert_int_equal(s.by_dispute[NODE_MED_DSP_PARKING], 1);
	assert_int_equal(s.by_dispute[NODE_MED_DSP_INSULTS], 0);
	assert_int_equal(s.by_outcome[NODE_MED_OUT_AGREEMENT], 1);
	assert_int_equal(s.by_outcome[NODE_MED_OUT_REFUSED], 1);
	assert_int_equal(s.by_outcome[NODE_MED_OUT_IMPROVED], 1);
	/* 3, 10, 40: the middle one, given in another order */
	assert_int_equal(s.total_days, 53);
	assert_int_equal(s.median_x2, 20);
}

static void
test_even_count(void **state)
{
	(void)state;
	const struct node_med_case cases[] = {
	    mk(0, 0, NODE_MED_OUT_AGREEMENT, "2026-05-01", 7),
	    mk(0, 0, NODE_MED_OUT_NO_IMPROVEMENT, "2026-05-02", 2),
	    mk(0, 0, NODE_MED_OUT_REFERRED_ON, "2026-05-03", 30),
	    mk(0, 0, NODE_MED_OUT_AGREEMENT, "2026-05-04", 4),
	};
	struct node_med_stats s;
	assert_int_equal(node_med_stats(cases, 4, day("2026-05-01"),
			     day("2026-05-31"), &s), WN_OK);
	/* 2, 4, 7, 30: (4 + 7) / 2 = 5.5 */
	assert_int_equal(s.closed, 4);
	assert_int_equal(s.median_x2, 11);
	assert_int_equal(s.total_days, 43);
	/* two: their mean, a whole day when their sum is even; one: itself */
	assert_int_equal(node_med_stats(cases + 1, 2, day("2026-05-01"),
			     day("2026-05-31"), &s), WN_OK);
	assert_int_equal(s.median_x2, 32); /* 2 and 30: 16 */
	assert_int_equal(node_med_stats(cases, 1, day("2026-05-01"),
			     day("2026-05-31"), &s), WN_OK);
	assert_int_equal(s.median_x2, 14);
}

static void
test_empty(void **state)
{
	(void)state;
	const struct node_med_case open[] = {
	    mk(NODE_MED_SRC_OTHER, NODE_MED_DSP_OTHER, -1, "2026-06-10", 0),
	};
	struct node_med_stats s;
	/* nothing at all */
	assert_int_equal(node_med_stats(NULL, 0, day("2026-01-01"),
			     day("2026-12-31"), &s), WN_OK);
	assert_int_equal(s.cases, 0);
	assert_int_equal(s.closed, 0);
	assert_int_equal(s.total_days, 0);
	assert_int_equal(s.median_x2, -1);
	/* a case, but none in the period */
	assert_int_equal(node_med_stats(open, 1, day("2026-07-01"),
			     day("2026-07-31"), &s), WN_OK);
	assert_int_equal(s.cases, 0);
	assert_int_equal(s.open, 0);
	assert_int_equal(s.by_source[NODE_MED_SRC_OTHER], 0);
	/* in the period, but open: no lead time */
	assert_int_equal(node_med_stats(open, 1, day("2026-06-10"),
			     day("2026-06-10"), &s), WN_OK);
	assert_int_equal(s.cases, 1);
	assert_int_equal(s.open, 1);
	assert_int_equal(s.closed, 0);
	assert_int_equal(s.median_x2, -1);
}

static void
test_days(void **state)
{
	(void)state;
	int32_t d;
	char out[11];
	assert_int_equal(day("2026-03-01") - day("2026-02-28"), 1);
	assert_int_equal(day("2024-03-01") - day("2024-02-28"), 2);
	assert_int_equal(day("2027-01-01") - day("2026-01-01"), 365);
	assert_int_equal(day("2000-01-01"), 10957);
	node_med_day_format(day("2024-02-29"), out);
	assert_string_equal(out, "2024-02-29");
	node_med_day_format(day("2199-12-31"), out);
	assert_string_equal(out, "2199-12-31");
	static const char *const bad[] = {"", "2026-02-29", "2026-13-01",
	    "2026-00-10", "2026-04-31", "2026-4-1", "01-03-2026",
	    "2026-03-01T10:00", "1999-12-31", "2200-01-01", "yesterday",
	    "2026/03/01", "2100-02-29", "+026-03-01"};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++)
		if (node_med_day_parse(bad[i], &d))
			fail_msg("'%s' taken for a date", bad[i]);
	assert_false(node_med_day_parse(NULL, &d));
}

static void
test_names(void **state)
{
	(void)state;
	int v;
	/* stored numbers: only ever appended */
	assert_string_equal(node_med_source_name(0), "police");
	assert_string_equal(node_med_source_name(3), "self");
	assert_string_equal(node_med_source_name(6), "other");
	assert_string_equal(node_med_dispute_name(4), "garden_boundaries");
	assert_string_equal(node_med_outcome_name(4), "refused");
	assert_string_equal(node_med_talk_name(2), "joint");
	assert_string_equal(node_med_outcome_name(NODE_MED_OUTCOMES),
	    "unknown");
	assert_true(node_med_dispute_parse("insults", &v));
	assert_int_equal(v, NODE_MED_DSP_INSULTS);
	assert_false(node_med_dispute_parse("weather", &v));
	assert_false(node_med_outcome_parse("Agreement", &v));
	assert_false(node_med_source_parse(NULL, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_odd_count),
	    cmocka_unit_test(test_even_count),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_days),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
