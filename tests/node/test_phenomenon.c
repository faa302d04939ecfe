/*
 * test_phenomenon.c - when a phenomenon rule's threshold is reached
 * (node/work/phenomenon_rule.c, node_pheno_window): exactly at each of
 * its thresholds, at least N signals, from at least M distinct partners,
 * within W days (the newest at most W x 24 h after the oldest), in a
 * window that holds the new signal's moment; one below any of them finds
 * nothing. The earliest window is the one taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "node/work/work.h"

#define DAY NODE_PHENO_DAY_MS
#define T0 INT64_C(1790000000000) /* a moment in 2026 */

/* rule 3 signals, 2 partners, 7 days */
static const struct node_pheno_rule r327 = {3, 2, 7};

/* fires: whether sigs (count of them) reach r with the new one at t;
 * *first and *n: the window */
static bool
fires(const struct node_pheno_sig *sigs, size_t count, int64_t t,
    const struct node_pheno_rule *r, size_t *first, size_t *n)
{
	bool found = true;
	size_t f = 99, k = 99;
	assert_int_equal(node_pheno_window(sigs, count, t, r, &found, &f, &k),
	    WN_OK);
	if (first != NULL)
		*first = f;
	if (n != NULL)
		*n = k;
	if (!found) {
		assert_int_equal(f, 0);
		assert_int_equal(k, 0);
	}
	return found;
}

static void
test_signals_threshold(void **state)
{
	(void)state;
	struct node_pheno_sig s[] = {
	    {T0, "guards"}, {T0 + DAY, "housing"}, {T0 + 2 * DAY, "guards"}};
	size_t f, n;
	/* N - 1: two signals from two partners */
	assert_false(fires(s, 2, T0 + DAY, &r327, NULL, NULL));
	/* N: the third */
	assert_true(fires(s, 3, T0 + 2 * DAY, &r327, &f, &n));
	assert_int_equal(f, 0);
	assert_int_equal(n, 3);
	/* a rule of 4 does not fire at 3 */
	struct node_pheno_rule r4 = {4, 2, 7};
	assert_false(fires(s, 3, T0 + 2 * DAY, &r4, NULL, NULL));
}

static void
test_partners_threshold(void **state)
{
	(void)state;
	struct node_pheno_sig one[] = {
	    {T0, "guards"}, {T0 + DAY, "guards"}, {T0 + 2 * DAY, "guards"},
	    {T0 + 3 * DAY, "guards"}};
	struct node_pheno_sig two[] = {
	    {T0, "guards"}, {T0 + DAY, "guards"}, {T0 + 2 * DAY, "housing"}};
	/* N and more from M - 1 partners */
	assert_false(fires(one, 3, T0 + 2 * DAY, &r327, NULL, NULL));
	assert_false(fires(one, 4, T0 + 3 * DAY, &r327, NULL, NULL));
	/* N from M */
	assert_true(fires(two, 3, T0 + 2 * DAY, &r327, NULL, NULL));
	/* a rule of 3 partners does not fire at 2 */
	struct node_pheno_rule r3 = {3, 3, 7};
	assert_false(fires(two, 3, T0 + 2 * DAY, &r3, NULL, NULL));
}

static void
test_days_threshold(void **state)
{
	(void)state;
	/* exactly W days from the oldest to the newest: within */
	struct node_pheno_sig at[] = {
	    {T0, "guards"}, {T0 + 3 * DAY, "housing"}, {T0 + 7 * DAY, "guards"}};
	/* one millisecond more: spread over more than W days */
	struct node_pheno_sig over[] = {{T0, "guards"},
	    {T0 + 3 * DAY, "housing"}, {T0 + 7 * DAY + 1, "guards"}};
	assert_true(fires(at, 3, T0 + 7 * DAY, &r327, NULL, NULL));
	assert_false(fires(over, 3, T0 + 7 * DAY + 1, &r327, NULL, NULL));
	/* and whichever of them came last */
	assert_true(fires(at, 3, T0, &r327, NULL, NULL));
	assert_false(fires(over, 3, T0, &r327, NULL, NULL));
	assert_false(fires(over, 3, T0 + 3 * DAY, &r327, NULL, NULL));
	/* a rule of one day more takes it */
	struct node_pheno_rule r8 = {3, 2, 8};
	assert_true(fires(over, 3, T0 + 7 * DAY + 1, &r8, NULL, NULL));
}

/* the window must hold the new signal: signals that reached the rule
 * long before it do not make it fire (they were checked when they came) */
static void
test_window_holds_the_new_signal(void **state)
{
	(void)state;
	struct node_pheno_sig s[] = {{T0, "guards"}, {T0 + DAY, "housing"},
	    {T0 + 2 * DAY, "guards"}, {T0 + 30 * DAY, "housing"}};
	assert_false(fires(s, 4, T0 + 30 * DAY, &r327, NULL, NULL));
	assert_true(fires(s, 4, T0 + DAY, &r327, NULL, NULL));
}

/* of two windows that hold it, the earliest, with every signal in it */
static void
test_earliest_window(void **state)
{
	(void)state;
	struct node_pheno_sig s[] = {{T0, "guards"}, {T0 + DAY, "housing"},
	    {T0 + 5 * DAY, "guards"}, {T0 + 7 * DAY, "police"},
	    {T0 + 9 * DAY, "housing"}};
	size_t f, n;
	assert_true(fires(s, 5, T0 + 5 * DAY, &r327, &f, &n));
	assert_int_equal(f, 0);
	assert_int_equal(n, 4); /* day 0 to day 7 */
	assert_true(fires(s, 5, T0 + 9 * DAY, &r327, &f, &n));
	assert_int_equal(f, 2);
	assert_int_equal(n, 3); /* day 5 to day 9 */
}

static void
test_nothing_to_count(void **state)
{
	(void)state;
	struct node_pheno_sig s[] = {{T0, "guards"}};
	struct node_pheno_rule one = {1, 1, 1}, zero = {0, 0, 0};
	assert_false(fires(s, 0, T0, &one, NULL, NULL));
	assert_true(fires(s, 1, T0, &one, NULL, NULL));
	assert_false(fires(s, 1, T0, &zero, NULL, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signals_threshold),
	    cmocka_unit_test(test_partners_threshold),
	    cmocka_unit_test(test_days_threshold),
	    cmocka_unit_test(test_window_holds_the_new_signal),
	    cmocka_unit_test(test_earliest_window),
	    cmocka_unit_test(test_nothing_to_count),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
