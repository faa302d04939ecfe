/*
 * test_deadlines.c - node_test_ms, the protocol deadlines that tests on a
 * busy machine lengthen through the environment: unset or empty gives the
 * default; a whole number of milliseconds from the default to one day is
 * taken; anything else (shorter, garbage, negative, too long) is ignored.
 * All that only once node_test_hooks_enable was called (the tests'
 * daemon, built with WN_TEST_HOOKS): before, as in the installed daemon,
 * every hook is ignored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>

#include "node/node.h"

#define NAME "WIJKNET_TEST_SOME_MS"

static int64_t
with(const char *value, int64_t dflt)
{
	if (value == NULL)
		unsetenv(NAME);
	else
		setenv(NAME, value, 1);
	return node_test_ms(NAME, dflt);
}

/* runs first: nothing has turned the hooks on yet, as in the installed
 * daemon (main.c without WN_TEST_HOOKS) */
static void
test_without_the_hooks_every_value_is_ignored(void **state)
{
	(void)state;
	assert_int_equal(with("30000", 2000), 2000);
	assert_int_equal(with("86400000", 60000), 60000);
	setenv("WIJKNET_TEST_CLOCK_AHEAD_MS", "1296000000", 1);
	assert_int_equal(node_test_ahead_ms("WIJKNET_TEST_CLOCK_AHEAD_MS"), 0);
	unsetenv("WIJKNET_TEST_CLOCK_AHEAD_MS");
	/* the tests' daemon turns them on; the tests below need them */
	node_test_hooks_enable();
}

static void
test_unset_or_empty_gives_the_default(void **state)
{
	(void)state;
	assert_int_equal(with(NULL, 2000), 2000);
	assert_int_equal(with("", 2000), 2000);
}

static void
test_a_longer_deadline_is_taken(void **state)
{
	(void)state;
	assert_int_equal(with("30000", 2000), 30000);
	assert_int_equal(with("2000", 2000), 2000);
	assert_int_equal(with("86400000", 60000), 86400000);
}

static void
test_shorter_or_bad_values_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(with("1999", 2000), 2000);
	assert_int_equal(with("0", 2000), 2000);
	assert_int_equal(with("-5000", 2000), 2000);
	assert_int_equal(with("30s", 2000), 2000);
	assert_int_equal(with("86400001", 2000), 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_without_the_hooks_every_value_is_ignored),
	    cmocka_unit_test(test_unset_or_empty_gives_the_default),
	    cmocka_unit_test(test_a_longer_deadline_is_taken),
	    cmocka_unit_test(test_shorter_or_bad_values_are_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
