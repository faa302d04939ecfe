/*
 * test_plans.c - plans and actions below the control socket: deadlines
 * as people write them (a date alone is the whole day), life domains by
 * name, the free texts a goal, an action or a note may hold, the test
 * clock that may only run ahead, the rooms' periodic work (core/
 * periodic.c: run at the first call, then once a period, each in a
 * transaction of its own that a failure rolls back), and the late check
 * (node/work/action.c): an open action past its deadline becomes late,
 * audited once; one not yet due, or done, stays as it is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/work/work.h"

static char dir[64];
static struct sec_identity *id;
static struct node *n;

static int
setup(void **state)
{
	(void)state;
	char err[256], path[160];
	struct sec_secret *p = NULL;
	setenv("TZ", "Europe/Brussels", 1);
	tzset();
	wn_strlcpy(dir, "/tmp/test_plans.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sec_secret_new(4, &p), WN_OK);
	memcpy(p->data, "pass", 4);
	snprintf(path, sizeof(path), "%s/a.key", dir);
	assert_int_equal(sec_identity_create(path, p, SEC_KDF_INTERACTIVE, &id,
			     err, sizeof(err)),
	    WN_OK);
	sec_secret_free(p);
	assert_non_null(n = calloc(1, sizeof(*n)));
	pthread_mutex_init(&n->mtx, NULL);
	snprintf(path, sizeof(path), "%s/node.db", dir);
	if (node_store_open(path, id, true, &n->store, err, sizeof(err)) !=
	    WN_OK)
		fail_msg("open: %s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	node_store_close(n->store);
	pthread_mutex_destroy(&n->mtx);
	free(n);
	sec_identity_free(id);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int64_t
scalar(const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(node_store_db(n->store), sql, -1,
			     &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_deadline(void **state)
{
	(void)state;
	int64_t ms, at;
	/* 20 December 2026, 23:59:59.999 in Brussels (UTC+1) */
	const int64_t end_of_day = INT64_C(1797807599999);
	assert_true(node_action_deadline_parse("2026-12-20", &ms));
	assert_int_equal(ms, end_of_day);
	assert_true(node_action_deadline_parse("20-12-2026", &ms));
	assert_int_equal(ms, end_of_day);
	assert_true(node_action_deadline_parse("20/12/2026", &ms));
	assert_int_equal(ms, end_of_day);
	assert_true(node_action_deadline_parse("2026-12-20 18:00", &at));
	assert_int_equal(at, end_of_day + 1 - 6 * 3600 * 1000);
	assert_true(node_action_deadline_parse("2026-12-20T17:00Z", &at));
	assert_int_equal(at, end_of_day + 1 - 6 * 3600 * 1000);
	static const char *const bad[] = {"", "2026-02-30", "2026-13-01",
	    "2026-12-2", "2026-12-20x", "20.12.2026", "1999-12-31",
	    "tomorrow", "2026-12-20 25:00"};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++)
		if (node_action_deadline_parse(bad[i], &ms))
			fail_msg("read '%s'", bad[i]);
}

static void
test_domains(void **state)
{
	(void)state;
	int d;
	for (int k = 0; k < NODE_PLAN_DOMAINS; k++) {
		assert_true(node_plan_domain_parse(node_plan_domain_name(k),
		    &d));
		assert_int_equal(d, k);
	}
	assert_true(node_plan_domain_parse("Education Daytime", &d));
	assert_int_equal(d, NODE_DOM_EDUCATION_DAYTIME);
	assert_true(node_plan_domain_parse("social network", &d));
	assert_int_equal(d, NODE_DOM_SOCIAL_NETWORK);
	assert_false(node_plan_domain_parse("safety", &d));
	assert_false(node_plan_domain_parse("", &d));
	assert_false(node_plan_domain_parse(
	    "safety_public_order_and_a_lot_more_than_fits", &d));
	assert_string_equal(node_plan_domain_name(NODE_PLAN_DOMAINS),
	    "unknown");
	assert_string_equal(node_action_state_name(NODE_ACT_LATE), "late");
	assert_string_equal(node_action_state_name(-1), "unknown");
}

static void
test_texts(void **state)
{
	(void)state;
	char err[128], big[2 * NODE_PLAN_TEXT_CHARS + 8];
	assert_true(node_plan_text_ok("the goal", "line one\n\tline two", err,
	    sizeof(err)));
	assert_false(node_plan_text_ok("the goal", " \n ", err, sizeof(err)));
	assert_string_equal(err, "the goal is empty");
	assert_false(node_plan_text_ok("the note", "bell\a", err, sizeof(err)));
	assert_string_equal(err, "the note holds a control character");
	assert_false(node_plan_text_ok("the note", "\xc3\x28", err,
	    sizeof(err)));
	assert_string_equal(err, "the note: invalid UTF-8");
	memset(big, 'a', NODE_PLAN_TEXT_CHARS);
	big[NODE_PLAN_TEXT_CHARS] = '\0';
	assert_true(node_plan_text_ok("t", big, err, sizeof(err)));
	big[NODE_PLAN_TEXT_CHARS] = 'a';
	big[NODE_PLAN_TEXT_CHARS + 1] = '\0';
	assert_false(node_plan_text_ok("t", big, err, sizeof(err)));
	assert_non_null(strstr(err, "too long: 2001 characters, at most 2000"));
	/* 2000 characters of two bytes each are 2000 characters */
	for (int i = 0; i < NODE_PLAN_TEXT_CHARS; i++)
		memcpy(big + 2 * i, "\xc3\xa9", 2);
	big[2 * NODE_PLAN_TEXT_CHARS] = '\0';
	assert_true(node_plan_text_ok("t", big, err, sizeof(err)));
}

static void
test_clock_ahead(void **state)
{
	(void)state;
	const char *k = "WIJKNET_TEST_CLOCK_AHEAD_MS";
	unsetenv(k);
	assert_int_equal(node_test_ahead_ms(k), 0);
	/* the tests' daemon turns the hooks on (test_deadlines.c: off, they
	 * are read from nowhere) */
	node_test_hooks_enable();
	setenv(k, "1296000000", 1);
	assert_int_equal(node_test_ahead_ms(k), 1296000000);
	node_work_clock_init();
	int64_t d = node_work_now_ms() - wn_now_ms();
	assert_true(d >= 1296000000 - 1000 && d <= 1296000000 + 1000);
	/* never back, never beyond 400 days, nothing but a number */
	static const char *const bad[] = {"-5", "34560000001", "15d", " 1"};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		setenv(k, bad[i], 1);
		assert_int_equal(node_test_ahead_ms(k), 0);
	}
	unsetenv(k);
	node_work_clock_init();
	d = node_work_now_ms() - wn_now_ms();
	assert_true(d >= -1000 && d <= 1000);
}

static int runs;
static wn_err
count_run(struct node *nn, bool *kick)
{
	runs++;
	*kick = true;
	return node_store_exec(nn->store, "INSERT INTO meta VALUES ('run-' "
					  "|| (SELECT count(*) FROM meta), 'x')");
}

static wn_err
fail_run(struct node *nn, bool *kick)
{
	*kick = false;
	if (node_store_exec(nn->store, "INSERT INTO meta VALUES ('failed', "
				       "'x')") != WN_OK)
		return WN_EDB;
	return WN_EIO; /* what it wrote is rolled back */
}

static void
test_periodic(void **state)
{
	(void)state;
	static const struct node_periodic hourly = {"test.hourly",
	    3600 * 1000, NULL, count_run};
	static const struct node_periodic failing = {"test.failing",
	    3600 * 1000, "WIJKNET_TEST_NOTHING", fail_run};
	size_t before = node_periodic_count();
	node_periodic_register(&hourly);
	node_periodic_register(&hourly); /* a no-op */
	node_periodic_register(&failing);
	assert_int_equal(node_periodic_count(), before + 2);
	int64_t meta = scalar("SELECT count(*) FROM meta");
	/* the first call runs each at once; the kick is asked for */
	assert_true(node_periodic_run(n));
	assert_int_equal(runs, 1);
	assert_int_equal(scalar("SELECT count(*) FROM meta"), meta + 1);
	assert_int_equal(scalar("SELECT count(*) FROM meta WHERE key = "
				"'failed'"),
	    0);
	/* not again within its period */
	assert_false(node_periodic_run(n));
	assert_int_equal(runs, 1);
	/* the lock is free again: nothing was left held */
	assert_int_equal(pthread_mutex_trylock(&n->mtx), 0);
	pthread_mutex_unlock(&n->mtx);
}

static void
test_mark_late(void **state)
{
	(void)state;
	bool kick = true;
	char sql[512];
	int64_t now = wn_now_ms();
	snprintf(sql, sizeof(sql),
	    "INSERT INTO actions (director, action_id, case_id, owner, "
	    "deadline_ms, state, note, added_by, changed_ms) VALUES "
	    "('dir', 1, 'c-1', 'police', %lld, 0, NULL, 'u', 1), "
	    "('dir', 2, 'c-1', 'youth', %lld, 0, NULL, 'u', 1), "
	    "('dir', 3, 'c-1', 'housing', %lld, 1, 'n', 'u', 1), "
	    "('other', 1, 'c-2', 'police', %lld, 3, 'w', 'u', 1)",
	    (long long)(now - 1000), (long long)(now + 3600 * 1000),
	    (long long)(now - 1000), (long long)(now - 1000));
	assert_int_equal(node_store_exec(n->store, sql), WN_OK);
	assert_int_equal(node_store_begin(n->store), WN_OK);
	assert_int_equal(node_actions_mark_late(n, &kick), WN_OK);
	assert_int_equal(node_store_commit(n->store), WN_OK);
	assert_false(kick); /* nothing to send: every node marks its own */
	assert_int_equal(scalar("SELECT state FROM actions WHERE director = "
				"'dir' AND action_id = 1"),
	    NODE_ACT_LATE);
	assert_true(scalar("SELECT late_ms FROM actions WHERE director = "
			   "'dir' AND action_id = 1") >= now);
	assert_int_equal(scalar("SELECT state FROM actions WHERE director = "
				"'dir' AND action_id = 2"),
	    NODE_ACT_OPEN);
	assert_int_equal(scalar("SELECT state FROM actions WHERE director = "
				"'dir' AND action_id = 3"),
	    NODE_ACT_DONE);
	assert_int_equal(scalar("SELECT state FROM actions WHERE director = "
				"'other'"),
	    NODE_ACT_CANCELLED);
	assert_int_equal(scalar("SELECT count(*) FROM audit WHERE action = "
				"'action.late' AND user = 'system' AND object = "
				"'action 1 of dir'"),
	    1);
	/* once: a second check finds nothing more */
	assert_int_equal(node_store_begin(n->store), WN_OK);
	assert_int_equal(node_actions_mark_late(n, &kick), WN_OK);
	assert_int_equal(node_store_commit(n->store), WN_OK);
	assert_int_equal(scalar("SELECT count(*) FROM audit WHERE action = "
				"'action.late'"),
	    1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_deadline),
	    cmocka_unit_test(test_domains),
	    cmocka_unit_test(test_texts),
	    cmocka_unit_test(test_clock_ahead),
	    cmocka_unit_test(test_periodic),
	    cmocka_unit_test(test_mark_late),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
