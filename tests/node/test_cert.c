/*
 * test_cert.c - what status says of the node's certificate
 * (node/daemon/cert.c): the end date in ISO 8601 UTC, the days left (a
 * part of a day counts), the warning from 30 days before the end on, and
 * that it has expired once it has.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "node/daemon/daemon.h"

/* 2026-12-17T00:00:00Z */
#define END_MS INT64_C(1797465600000)

static void
test_far(void **state)
{
	struct node_cert_state st;
	(void)state;
	node_cert_describe(END_MS, END_MS - 31 * NODE_DAY_MS, &st);
	assert_string_equal(st.expires, "2026-12-17T00:00:00Z");
	assert_int_equal(st.days_left, 31);
	assert_string_equal(st.warning, "");
}

static void
test_30_days_ahead(void **state)
{
	struct node_cert_state st;
	(void)state;
	node_cert_describe(END_MS, END_MS - 30 * NODE_DAY_MS, &st);
	assert_int_equal(st.days_left, 30);
	assert_non_null(strstr(st.warning, "expires in 30 days, on "
	    "2026-12-17T00:00:00Z: renew it"));
	/* a minute more than 30 days: 31 days left, no warning yet */
	node_cert_describe(END_MS, END_MS - 30 * NODE_DAY_MS - 60000, &st);
	assert_int_equal(st.days_left, 31);
	assert_string_equal(st.warning, "");
}

static void
test_last_day_and_expired(void **state)
{
	struct node_cert_state st;
	(void)state;
	node_cert_describe(END_MS, END_MS - 1000, &st);
	assert_int_equal(st.days_left, 1);
	assert_non_null(strstr(st.warning, "expires in 1 day, on"));
	node_cert_describe(END_MS, END_MS, &st);
	assert_int_equal(st.days_left, 0);
	assert_non_null(strstr(st.warning, "expired on 2026-12-17T00:00:00Z"));
	node_cert_describe(END_MS, END_MS + 5 * NODE_DAY_MS, &st);
	assert_int_equal(st.days_left, 0);
	assert_non_null(strstr(st.warning, "expired on"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_far),
		cmocka_unit_test(test_30_days_ahead),
		cmocka_unit_test(test_last_day_and_expired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
