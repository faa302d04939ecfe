/*
 * test_signals.c - the work room's signals below the control socket
 * (node/work/signal.c): moments as people and exports write them, the
 * checks every signal passes (typed or imported) and what they refuse,
 * the import key (the same row gives the same key, another row another),
 * and storing a signal with its subjects in one place, a second one with
 * the same key being known and writing nothing.
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
	wn_strlcpy(dir, "/tmp/test_signals.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sec_secret_new(4, &p), WN_OK);
	memcpy(p->data, "pass", 4);
	snprintf(path, sizeof(path), "%s/a.key", dir);
	assert_int_equal(sec_identity_create(path, p, SEC_KDF_INTERACTIVE, &id,
			     err, sizeof(err)),
	    WN_OK);
	sec_secret_free(p);
	assert_non_null(n = calloc(1, sizeof(*n)));
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
test_when(void **state)
{
	(void)state;
	int64_t ms;
	/* 1 December 2026, 21:30 in Brussels is 20:30 UTC (winter) */
	const int64_t want = INT64_C(1796157000000);
	assert_true(node_signal_when_parse("2026-12-01 21:30", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("2026-12-01T21:30:00", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("01-12-2026 21:30", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("01/12/2026 21:30", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("2026-12-01T20:30Z", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("2026-12-01T22:30+02:00", &ms));
	assert_int_equal(ms, want);
	assert_true(node_signal_when_parse("2026-12-01", &ms));
	assert_int_equal(ms, want - (INT64_C(21) * 3600 + 1800) * 1000);
	/* summer time: 1 July 12:00 is 10:00 UTC */
	assert_true(node_signal_when_parse("2026-07-01 12:00", &ms));
	assert_int_equal(ms, INT64_C(1782900000000));
	static const char *const bad[] = {"2026-02-30 10:00", "2026-13-01",
	    "2026-12-01 24:00", "2026-12-01 21:60", "1999-12-31",
	    "2026-12-01 21:30 ", "2026-12-1", "yesterday", "",
	    "2026-12-01T21:30+2", "01-12/2026",
	    /* skipped by the change to summer time in Brussels */
	    "2026-03-29 02:30"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_signal_when_parse(bad[i], &ms))
			fail_msg("'%s' read as %lld", bad[i], (long long)ms);
}

static void
test_categories(void **state)
{
	(void)state;
	int c;
	assert_true(node_signal_category_parse("noise", &c));
	assert_int_equal(c, NODE_SIG_NOISE);
	assert_true(node_signal_category_parse("Confused Behaviour", &c));
	assert_int_equal(c, NODE_SIG_CONFUSED_BEHAVIOUR);
	assert_true(node_signal_category_parse("neglect of a dwelling", &c));
	assert_int_equal(c, NODE_SIG_DWELLING_NEGLECT);
	assert_false(node_signal_category_parse("noize", &c));
	assert_false(node_signal_category_parse("", &c));
	/* the stored numbering */
	assert_string_equal(node_signal_category_name(0), "noise");
	assert_string_equal(node_signal_category_name(8), "other");
	assert_string_equal(node_signal_category_name(9), "unknown");
	assert_string_equal(node_signal_role_name(NODE_ROLE_PREMISES),
	    "premises");
}

static const struct node_signal_in good = {
	.when = "2026-12-01 21:30",
	.municipality = "Herentals",
	.neighbourhood = "Stationsbuurt",
	.street = "Stationsplein",
	.lat = "51.1766",
	.lon = "-4.8325",
	.category = "loitering",
	.source = "patrol",
	.text = "eight youths\nloud music",
	.subjects = {"S-jonas; S-group ", NULL, "S-an", NULL},
};
static const int64_t now = INT64_C(1796500000000); /* 5 Dec 2026 */

static void
test_check(void **state)
{
	(void)state;
	struct node_signal s;
	char err[256];
	assert_true(node_signal_check(&good, now, &s, err, sizeof(err)));
	assert_int_equal(s.when_ms, INT64_C(1796157000000));
	assert_true(s.has_point);
	assert_int_equal(s.lat_e7, 511766000);
	assert_int_equal(s.lon_e7, -48325000);
	assert_int_equal(s.category, NODE_SIG_LOITERING);
	assert_int_equal(s.nsubjects, 3);
	assert_string_equal(s.subjects[1].ref, "S-group");
	assert_int_equal(s.subjects[2].role, NODE_ROLE_REPORTER);

	struct node_signal_in in = good;
	in.when = NULL;
	assert_true(node_signal_check(&in, now, &s, err, sizeof(err)));
	assert_int_equal(s.when_ms, now);

	static const struct {
		int field;
		const char *value, *error;
	} bad[] = {
	    {0, "2026-12-06 10:00", "is in the future"},
	    {1, "", "municipality is required"},
	    {1, "Heren\ntals", "municipality holds a line break"},
	    {2, "x", "is not one of noise"},
	    {3, "", "source is required"},
	    {4, "90.00000001", "is not a latitude"},
	    {4, "", "needs both latitude and longitude"},
	    {5, "S-a;S-a", "perpetrator: the same subject twice"},
	    {5, "S-\x01", "perpetrator holds a control character"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in = good;
		const char **f[] = {&in.when, &in.municipality, &in.category,
		    &in.source, &in.lat, &in.subjects[NODE_ROLE_PERPETRATOR]};
		*f[bad[i].field] = bad[i].value;
		err[0] = '\0';
		if (node_signal_check(&in, now, &s, err, sizeof(err)) ||
		    strstr(err, bad[i].error) == NULL)
			fail_msg("case %zu: '%s', want '%s'", i, err,
			    bad[i].error);
	}
	/* too long, in characters: 64 accented letters are 128 bytes */
	char name[200] = "";
	for (int i = 0; i < 65; i++)
		memcpy(name + 2 * i, "\xc3\xa9", 3);
	in = good;
	in.municipality = name;
	assert_false(node_signal_check(&in, now, &s, err, sizeof(err)));
	assert_non_null(strstr(err, "municipality is too long: 65 "
				    "characters, at most 64"));
	name[128] = '\0';
	assert_true(node_signal_check(&in, now, &s, err, sizeof(err)));
	/* a refusal repeats no subject reference */
	in = good;
	in.subjects[NODE_ROLE_VICTIM] = "S-secret;S-secret";
	assert_false(node_signal_check(&in, now, &s, err, sizeof(err)));
	assert_null(strstr(err, "S-secret"));
}

static void
test_key(void **state)
{
	(void)state;
	struct node_signal a, b;
	uint8_t ka[32], kb[32];
	char err[256];
	struct node_signal_in in = good;
	assert_true(node_signal_check(&in, now, &a, err, sizeof(err)));
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&a, ka), WN_OK);
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_equal(ka, kb, 32);
	/* the same subjects listed in another order: the same row */
	in.subjects[0] = "S-group;S-jonas";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_equal(ka, kb, 32);
	/* ... but a subject in another role is not */
	in = good;
	in.subjects[0] = "S-jonas";
	in.subjects[1] = "S-group";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_not_equal(ka, kb, 32);
	in = good;
	/* any value of a row without source_id makes another key */
	in.text = "eight youths\nloud music!";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_not_equal(ka, kb, 32);
	/* with a source_id only the source and its id count */
	in = good;
	in.source_id = "GW-1";
	assert_true(node_signal_check(&in, now, &a, err, sizeof(err)));
	in.text = "corrected later";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&a, ka), WN_OK);
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_equal(ka, kb, 32);
	in.source = "patrol2";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_not_equal(ka, kb, 32);
	/* the fields are length-prefixed: moving a boundary changes it */
	in = good;
	in.source_id = "1";
	in.source = "patrol";
	assert_true(node_signal_check(&in, now, &a, err, sizeof(err)));
	in.source_id = "l1";
	in.source = "patro";
	assert_true(node_signal_check(&in, now, &b, err, sizeof(err)));
	assert_int_equal(node_signal_key(&a, ka), WN_OK);
	assert_int_equal(node_signal_key(&b, kb), WN_OK);
	assert_memory_not_equal(ka, kb, 32);
}

static void
test_insert(void **state)
{
	(void)state;
	struct node_signal s;
	uint8_t key[32];
	char err[256];
	int64_t id1 = 0, id2 = 0;
	enum node_sig_stored how = NODE_SIG_KNOWN;
	assert_true(node_signal_check(&good, now, &s, err, sizeof(err)));
	assert_int_equal(node_signal_key(&s, key), WN_OK);
	assert_int_equal(node_store_begin(n->store), WN_OK);
	assert_int_equal(node_signal_insert(n, &s, "jan", key, true, &id1,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_ADDED);
	assert_int_equal(node_signal_insert(n, &s, "jan", key, true, &id2,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_KNOWN);
	assert_int_equal(id2, id1);
	/* without a key: always a new signal */
	assert_int_equal(node_signal_insert(n, &s, "jan", NULL, true, &id2,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_ADDED);
	assert_true(id2 > id1);
	assert_int_equal(node_store_commit(n->store), WN_OK);
	assert_int_equal(scalar("SELECT count(*) FROM signals"), 2);
	/* the subjects are in signal_subjects only, by role */
	assert_int_equal(scalar("SELECT count(*) FROM signal_subjects"), 6);
	assert_int_equal(scalar("SELECT count(*) FROM signal_subjects WHERE "
				"role = 2 AND subject = 'S-an'"),
	    2);
	assert_int_equal(scalar("SELECT count(*) FROM signals WHERE text LIKE "
				"'%S-an%' OR source LIKE '%S-an%'"),
	    0);
	assert_int_equal(scalar("SELECT lat_e7 FROM signals LIMIT 1"),
	    511766000);
	assert_int_equal(scalar("SELECT category FROM signals LIMIT 1"),
	    NODE_SIG_LOITERING);
}

/* a row of the partner's system with the source_id of one imported
 * before and other values is a correction: the signal takes them (with
 * correct), or is left as it was (without, as signal.add asks) */
static void
test_correct(void **state)
{
	(void)state;
	struct node_signal_in in = good;
	struct node_signal s;
	uint8_t key[32];
	char err[256];
	int64_t id1 = 0, id2 = 0;
	enum node_sig_stored how;
	in.source_id = "PV-2026-881";
	assert_true(node_signal_check(&in, now, &s, err, sizeof(err)));
	assert_int_equal(node_signal_key(&s, key), WN_OK);
	assert_int_equal(node_store_begin(n->store), WN_OK);
	assert_int_equal(node_signal_insert(n, &s, "jan", key, true, &id1,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_ADDED);
	in.category = "drugs";
	in.subjects[0] = "S-kobe";
	assert_true(node_signal_check(&in, now, &s, err, sizeof(err)));
	assert_int_equal(node_signal_key(&s, key), WN_OK);
	assert_int_equal(node_signal_insert(n, &s, "jan", key, false, &id2,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_KNOWN);
	assert_int_equal(id2, id1);
	assert_int_equal(node_store_commit(n->store), WN_OK);
	assert_int_equal(scalar("SELECT category FROM signals WHERE source_id "
				"= 'PV-2026-881'"),
	    NODE_SIG_LOITERING);
	assert_int_equal(node_store_begin(n->store), WN_OK);
	assert_int_equal(node_signal_insert(n, &s, "jan", key, true, &id2,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_CORRECTED);
	assert_int_equal(id2, id1);
	/* the same corrected row again is known */
	assert_int_equal(node_signal_insert(n, &s, "jan", key, true, &id2,
			     &how),
	    WN_OK);
	assert_int_equal(how, NODE_SIG_KNOWN);
	assert_int_equal(node_store_commit(n->store), WN_OK);
	assert_int_equal(scalar("SELECT count(*) FROM signals WHERE source_id "
				"= 'PV-2026-881'"),
	    1);
	assert_int_equal(scalar("SELECT category FROM signals WHERE source_id "
				"= 'PV-2026-881'"),
	    NODE_SIG_DRUGS);
	/* the subjects are the corrected row's, not both rows' */
	assert_int_equal(scalar("SELECT count(*) FROM signal_subjects WHERE "
				"signal_id = (SELECT id FROM signals WHERE "
				"source_id = 'PV-2026-881') AND role = 0"),
	    1);
	assert_int_equal(scalar("SELECT count(*) FROM signal_subjects WHERE "
				"subject = 'S-kobe'"),
	    1);
	/* its summary is owed again */
	assert_int_equal(scalar("SELECT summary_ms IS NULL FROM signals WHERE "
				"source_id = 'PV-2026-881'"),
	    1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_when),
	    cmocka_unit_test(test_categories),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_key),
	    cmocka_unit_test(test_insert),
	    cmocka_unit_test(test_correct),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
