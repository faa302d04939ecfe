/*
 * test_store.c - the SQLCipher store and the audit chain: keying, settings
 * read back, migrations from empty and from each previous version, a wrong
 * key, a damaged file, an audit record altered, deleted or inserted, and
 * which commits are fsync'd (fsync and fdatasync are counted here), a
 * missing or emptied store, a full disk told apart from other errors,
 * the signals' tables (migration 9) with the indexes their lists use, and
 * the director's copies of the members' signal summaries (migration 10),
 * a case's life: closed cases, steps and links (migration 11), and plans
 * and actions (migration 12), consultations (migration 13), and the
 * signals of a case (migration 14), and the copies other nodes told of
 * them (migration 15), and the matrix version a queued message was made
 * under (migration 16), and phenomena (migration 25).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlcipher/sqlite3.h>

#include "node/exchange/exchange.h" /* node_resync_mark */
#include "node/alert/alert.h"
#include "node/store/store.h"

static char dir[64], dbpath[128];

/* Every fsync and fdatasync of the process (SQLite's among them) passes
 * here and is counted. */
static unsigned syncs;
static int
counted(int (**real)(int), const char *name, int fd)
{
	if (*real == NULL)
		*(void **)real = dlsym(RTLD_NEXT, name);
	syncs++;
	return (*real)(fd);
}
int fsync(int fd);
int fdatasync(int fd);
int
fsync(int fd)
{
	static int (*real)(int);
	return counted(&real, "fsync", fd);
}
int
fdatasync(int fd)
{
	static int (*real)(int);
	return counted(&real, "fdatasync", fd);
}
static struct sec_identity *id, *other;

static struct sec_identity *
make_identity(const char *name)
{
	char err[256], path[160];
	struct sec_identity *out = NULL;
	struct sec_secret *p = NULL;
	assert_int_equal(sec_secret_new(4, &p), WN_OK);
	memcpy(p->data, "pass", 4);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_int_equal(sec_identity_create(path, p, SEC_KDF_INTERACTIVE, &out,
			     err, sizeof(err)),
	    WN_OK);
	sec_secret_free(p);
	return out;
}

static int
setup(void **state)
{
	(void)state;
	wn_strlcpy(dir, "/tmp/test_store.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	id = make_identity("a");
	other = make_identity("b");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	sec_identity_free(id);
	sec_identity_free(other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static int
fresh(void **state)
{
	(void)state;
	static int n;
	snprintf(dbpath, sizeof(dbpath), "%s/db%d", dir, n++);
	return 0;
}

static struct node_store *
open_ok(bool create)
{
	char err[512];
	struct node_store *s = NULL;
	wn_err rc = node_store_open(dbpath, id, create, &s, err, sizeof(err));
	if (rc != WN_OK)
		fail_msg("open: %s", err);
	return s;
}

/* open_at creates the store at schema version `version` (migration tests) */
static struct node_store *
open_at(int version)
{
	char err[512];
	struct node_store *s = NULL;
	if (node_store_open_at(dbpath, id, true, version, &s, err,
		sizeof(err)) != WN_OK)
		fail_msg("open at version %d: %s", version, err);
	return s;
}

static int64_t
scalar(struct node_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	assert_int_equal(sqlite3_prepare_v2(node_store_db(s), sql, -1, &st,
			     NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_open_creates_and_settings_hold(void **state)
{
	(void)state;
	struct node_store *s = open_ok(true);
	assert_int_equal(node_store_version(s), node_store_latest_version());
	assert_int_equal(scalar(s, "PRAGMA cipher_page_size"), 4096);
	assert_int_equal(scalar(s, "PRAGMA synchronous"), 2);
	/* deleted values are overwritten (test_erasure.sh checks the file) */
	assert_int_equal(scalar(s, "PRAGMA secure_delete"), 1);
	node_store_close(s);
	/* reopen: same key opens it, the schema is not re-applied */
	s = open_ok(false);
	assert_int_equal(node_store_version(s), node_store_latest_version());
	assert_int_equal(scalar(s, "PRAGMA secure_delete"), 1);
	node_store_close(s);
	/* the file is not plain SQLite */
	FILE *f = fopen(dbpath, "rb");
	char head[16];
	assert_int_equal(fread(head, 1, 16, f), 16);
	fclose(f);
	assert_int_not_equal(memcmp(head, "SQLite format 3", 15), 0);
}

static void
test_open_missing_without_create_fails(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = NULL;
	assert_int_not_equal(node_store_open(dbpath, id, false, &s, err,
				 sizeof(err)),
	    WN_OK);
	assert_null(s);
	assert_int_equal(access(dbpath, F_OK), -1);
	assert_non_null(strstr(err, "is missing"));
}

/* A store emptied to 0 bytes (or one without a schema) is not taken for a
 * new one: the audit chain would start again at 1 with no peers or cases.
 * The open refuses, says what is gone, and leaves the file as it is. */
static void
test_emptied_store_is_refused(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_ok(true);
	assert_int_equal(node_audit_append(s, "t", "x", "", ""), WN_OK);
	node_store_close(s);
	assert_int_equal(truncate(dbpath, 0), 0);
	s = NULL;
	assert_int_equal(node_store_open(dbpath, id, false, &s, err,
			     sizeof(err)),
	    WN_ENOTFOUND);
	assert_null(s);
	assert_non_null(strstr(err, dbpath));
	assert_non_null(strstr(err, "is empty"));
	assert_non_null(strstr(err, "only at init"));
	struct stat st;
	assert_int_equal(stat(dbpath, &st), 0);
	assert_int_equal(st.st_size, 0);
	/* init (create) may still make a store there */
	s = open_ok(true);
	assert_int_equal(node_store_version(s), node_store_latest_version());
	node_store_close(s);
}

static void
test_wrong_key_is_refused(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_ok(true), *t = NULL;
	node_store_close(s);
	assert_int_equal(node_store_open(dbpath, other, false, &t, err,
			     sizeof(err)),
	    WN_ECORRUPT);
	assert_null(t);
	assert_non_null(strstr(err, dbpath));
}

static void
flip(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, off, SEEK_SET);
	int c = fgetc(f);
	fseek(f, off, SEEK_SET);
	fputc(c ^ 0x20, f);
	fclose(f);
}

static void
test_flipped_byte_is_found(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_ok(true);
	for (int i = 0; i < 200; i++)
		assert_int_equal(node_audit_append(s, "t", "fill", "x",
				     "some detail to fill pages with"),
		    WN_OK);
	assert_int_equal(node_store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)"),
	    WN_OK);
	node_store_close(s);
	struct stat st;
	stat(dbpath, &st);
	assert_true(st.st_size > 4 * 4096);
	/* a page in the middle: page 1 still opens, the check finds it */
	flip(dbpath, 2 * 4096 + 1000);
	s = NULL;
	wn_err rc = node_store_open(dbpath, id, false, &s, err, sizeof(err));
	if (rc == WN_OK) {
		assert_int_equal(node_store_check(s, err, sizeof(err)),
		    WN_ECORRUPT);
		node_store_close(s);
	} else {
		assert_int_equal(rc, WN_ECORRUPT);
	}
	assert_non_null(strstr(err, dbpath));
}

static void
test_migrations_from_empty_and_each_previous(void **state)
{
	(void)state;
	char err[512];
	int latest = node_store_latest_version();
	for (int v = 0; v < latest; v++) {
		struct node_store *s = NULL;
		fresh(NULL);
		assert_int_equal(node_store_open_at(dbpath, id, true, v, &s, err,
				     sizeof(err)),
		    WN_OK);
		assert_int_equal(node_store_version(s), v);
		if (v >= 1)
			assert_int_equal(node_audit_append(s, "t", "before",
					     "", ""),
			    WN_OK);
		assert_int_equal(node_store_migrate(s, v + 1, err, sizeof(err)),
		    WN_OK);
		assert_int_equal(node_store_version(s), v + 1);
		if (v >= 1)
			assert_int_equal(scalar(s, "SELECT count(*) FROM audit"),
			    1);
		node_store_close(s);
		/* and the normal open takes it the rest of the way */
		s = open_ok(false);
		assert_int_equal(node_store_version(s), latest);
		node_store_close(s);
	}
}

/* plan reads EXPLAIN QUERY PLAN of sql into out (one detail a line) */
static void
plan(struct node_store *s, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	size_t o = 0;
	out[0] = '\0';
	char q[1024];
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(node_store_db(s), q, -1, &st,
			     NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW && o < cap)
		o += (size_t)snprintf(out + o, cap - o, "%s\n",
		    (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/* Migration 9: signals and their subjects. What a node held before is
 * untouched; a signal's subjects go with it; a point is both coordinates
 * or neither; a signal is no duplicate of itself; one import key is one
 * signal; and the lists signal.list asks for (node/work/signal_list.c)
 * walk an index newest first, never sorting the whole table nor walking
 * one category for the signals of one place, with 20,000 signals: as the
 * node has them (no statistics: it never runs ANALYZE), and with the
 * planner's statistics in place. */
static void
test_migration_9_signals(void **state)
{
	(void)state;
	char err[512], p[2048];
	struct node_store *s = open_at(8);
	assert_int_equal(node_store_exec(s, "INSERT INTO fields (subject, "
					    "category, name, value, recorded_by, "
					    "recorded_ms) VALUES ('S-a', 2, 'n', "
					    "'v', 'u', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 9, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM fields"), 1);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO signals (when_ms, municipality, "
			     "category, source, recorded_by, recorded_ms, "
			     "import_key) VALUES (1, 'Herentals', 0, 'patrol', "
			     "'u', 1, x'01');"
			     "INSERT INTO signal_subjects VALUES (1, 0, 'S-a'), "
			     "(1, 2, 'S-b');"),
	    WN_OK);
	/* one import key is one signal */
	assert_int_equal(node_store_exec(s, "INSERT INTO signals (when_ms, "
					    "municipality, category, source, "
					    "recorded_by, recorded_ms, import_key) "
					    "VALUES (2, 'H', 0, 'p', 'u', 1, x'01')"),
	    WN_EDB);
	/* a point is both coordinates or neither, on the earth */
	assert_int_equal(node_store_exec(s, "INSERT INTO signals (when_ms, "
					    "municipality, category, source, "
					    "recorded_by, recorded_ms, lat_e7) "
					    "VALUES (2, 'H', 0, 'p', 'u', 1, 5)"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "INSERT INTO signals (when_ms, "
					    "municipality, category, source, "
					    "recorded_by, recorded_ms, lat_e7, "
					    "lon_e7) VALUES (2, 'H', 0, 'p', 'u', "
					    "1, 900000001, 0)"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "UPDATE signals SET duplicate_of "
					    "= 1 WHERE id = 1"),
	    WN_EDB);
	/* a role outside the four is refused */
	assert_int_equal(node_store_exec(s, "INSERT INTO signal_subjects "
					    "VALUES (1, 4, 'S-c')"),
	    WN_EDB);
	/* the subjects go with their signal */
	assert_int_equal(node_store_exec(s, "DELETE FROM signals WHERE id = "
					    "1"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM signal_subjects"), 0);

	/* 20,000 signals over 200 areas and 9 categories, a tenth of them
	 * duplicates */
	assert_int_equal(node_store_exec(s,
			     "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT "
			     "n + 1 FROM i WHERE n < 20000) INSERT INTO signals "
			     "(when_ms, municipality, neighbourhood, category, "
			     "source, recorded_by, recorded_ms) SELECT n * "
			     "60000, 'M' || (n % 20), 'N' || (n % 10), n % 9, "
			     "'s', 'u', 1 FROM i;"
			     "UPDATE signals SET duplicate_of = id - 1 WHERE "
			     "id % 10 = 0;"),
	    WN_OK);
	static const struct {
		const char *sql, *index;
	} lists[] = {
	    {"SELECT id FROM signals WHERE 1 AND municipality = 'M3' AND "
	     "neighbourhood = 'N3' AND duplicate_of IS NULL ORDER BY when_ms "
	     "DESC, id DESC LIMIT 51",
		"signals_area"},
	    /* a municipality: not every signal of it sorted for a page */
	    {"SELECT id FROM signals WHERE 1 AND municipality = 'M3' AND "
	     "duplicate_of IS NULL ORDER BY when_ms DESC, id DESC LIMIT 51",
		"signals_municipality"},
	    /* a place and a category: not the category's signals of every
	     * place, one by one */
	    {"SELECT id FROM signals WHERE 1 AND municipality = 'M3' AND "
	     "neighbourhood = 'N3' AND category = 2 AND duplicate_of IS NULL "
	     "ORDER BY when_ms DESC, id DESC LIMIT 51",
		"signals_area_category"},
	    {"SELECT id FROM signals WHERE 1 AND category = 4 AND when_ms >= "
	     "600000 AND duplicate_of IS NULL ORDER BY when_ms DESC, id DESC "
	     "LIMIT 51",
		"signals_category"},
	    {"SELECT id FROM signals WHERE 1 AND when_ms <= 9000 AND (when_ms "
	     "< 9000 OR id < 7) AND duplicate_of IS NULL ORDER BY when_ms "
	     "DESC, id DESC LIMIT 51",
		"signals_when"},
	    {"SELECT 1 + count(*) FROM signals d WHERE d.duplicate_of = 5",
		"signals_duplicates"},
	    {"SELECT DISTINCT role, subject FROM signal_subjects WHERE "
	     "signal_id IN (SELECT 5 UNION ALL SELECT id FROM signals WHERE "
	     "duplicate_of = 5) ORDER BY role, subject",
		"signals_duplicates"},
	};
	for (int stats = 0; stats < 2; stats++) {
		if (stats)
			assert_int_equal(node_store_exec(s, "ANALYZE"), WN_OK);
		for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
			char walk[64];
			snprintf(walk, sizeof(walk), "INDEX %s (",
			    lists[i].index);
			plan(s, lists[i].sql, p, sizeof(p));
			if (strstr(p, walk) == NULL ||
			    strstr(p, "TEMP B-TREE FOR ORDER BY") != NULL ||
			    strstr(p, "SCAN TABLE signals\n") != NULL)
				fail_msg("list %zu does not walk %s (%s "
					 "statistics):\n%s",
				    i, lists[i].index, stats ? "with" : "without",
				    p);
		}
	}
	node_store_close(s);
}

/* Migration 10: the director's copies of its members' signal summaries,
 * one per member's signal: sent again, the newer replaces the older. */
static void
test_migration_10_signal_summaries(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(9);
	assert_int_equal(node_store_exec(s, "INSERT INTO signals (when_ms, "
					    "municipality, category, source, "
					    "recorded_by, recorded_ms) VALUES (1, "
					    "'Herentals', 0, 'patrol', 'u', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 10, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM signals"), 1);
	assert_int_equal(node_store_exec(s,
			     "INSERT OR REPLACE INTO signal_summaries (from_org, "
			     "signal_id, when_ms, municipality, neighbourhood, "
			     "category, reports, duplicate_of, received_ms) "
			     "VALUES ('guards', 1, 5, 'H', '', 3, 1, 0, 9);"
			     "INSERT OR REPLACE INTO signal_summaries (from_org, "
			     "signal_id, when_ms, municipality, neighbourhood, "
			     "category, reports, duplicate_of, received_ms) "
			     "VALUES ('guards', 1, 5, 'H', '', 3, 3, 0, 10);"
			     "INSERT OR REPLACE INTO signal_summaries (from_org, "
			     "signal_id, when_ms, municipality, neighbourhood, "
			     "category, reports, duplicate_of, received_ms) "
			     "VALUES ('housing', 1, 5, 'H', '', 0, 1, 0, 10);"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM signal_summaries"), 2);
	assert_int_equal(scalar(s, "SELECT reports FROM signal_summaries WHERE "
				   "from_org = 'guards'"),
	    3);
	node_store_close(s);
}

/* Migration 11: a case opened before it stays open (closed_ms NULL), its
 * members and the case kept; steps hold a stage and an outcome exactly
 * when closed, one row per (case, step); a case is not linked to itself. */
static void
test_migration_11_case_life(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(10);
	assert_int_equal(node_store_exec(s, "INSERT INTO cases (case_id, type, "
					    "subject, purpose, ground, director, "
					    "opened_ms) VALUES ('c-1', 0, 'S', 'p', "
					    "'consent', 'dir', 1);"
					    "INSERT INTO case_members (case_id, "
					    "org_id, role) VALUES ('c-1', 'dir', 0)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 11, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cases WHERE case_id "
				   "= 'c-1' AND closed_ms IS NULL AND subject = "
				   "'S'"),
	    1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM case_members"), 1);
	assert_int_equal(node_store_exec(s, "INSERT INTO case_steps (case_id, "
					    "step, stage, when_ms, by_org, by_user, "
					    "reason, recorded_ms) VALUES ('c-1', 1, "
					    "1, 5, 'dir', 'ann', NULL, 5);"
					    "INSERT INTO case_steps (case_id, step, "
					    "stage, outcome, when_ms, by_org, by_user, "
					    "reason, recorded_ms) VALUES ('c-1', 2, 5, "
					    "0, 6, 'dir', 'ann', '', 6)"),
	    WN_OK);
	/* closed without an outcome, an outcome on an open stage, a stage
	 * past closed, a step number used twice: refused */
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_steps "
						"(case_id, step, stage, when_ms, "
						"by_org, by_user, recorded_ms) "
						"VALUES ('c-1', 3, 5, 7, 'dir', "
						"'ann', 7)"),
	    WN_OK);
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_steps "
						"(case_id, step, stage, outcome, "
						"when_ms, by_org, by_user, "
						"recorded_ms) VALUES ('c-1', 3, 2, "
						"0, 7, 'dir', 'ann', 7)"),
	    WN_OK);
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_steps "
						"(case_id, step, stage, when_ms, "
						"by_org, by_user, recorded_ms) "
						"VALUES ('c-1', 3, 6, 7, 'dir', "
						"'ann', 7)"),
	    WN_OK);
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_steps "
						"(case_id, step, stage, when_ms, "
						"by_org, by_user, recorded_ms) "
						"VALUES ('c-1', 2, 3, 7, 'dir', "
						"'ann', 7)"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM case_steps"), 2);
	assert_int_equal(node_store_exec(s, "INSERT INTO case_links (case_id, "
					    "other_id, relation, when_ms, by_org, "
					    "by_user) VALUES ('c-2', 'c-1', 0, 1, "
					    "'dir', 'ann')"),
	    WN_OK);
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_links "
						"(case_id, other_id, relation, "
						"when_ms, by_org, by_user) VALUES "
						"('c-1', 'c-1', 2, 1, 'dir', "
						"'ann')"),
	    WN_OK);
	assert_int_not_equal(node_store_exec(s, "INSERT INTO case_links "
						"(case_id, other_id, relation, "
						"when_ms, by_org, by_user) VALUES "
						"('c-1', 'c-3', 3, 1, 'dir', "
						"'ann')"),
	    WN_OK);
	node_store_close(s);
}

/* Migration 12, plans and actions: what was held before is untouched; a
 * goal's domain and an action's state stay in range; a note goes with a
 * done or cancelled action only; one number per director; no column
 * names a subject; the periodic late check walks the open actions by
 * deadline, not the whole table. */
static void
test_migration_12_plans_and_actions(void **state)
{
	(void)state;
	char err[512], p[2048];
	struct node_store *s = open_at(11);
	assert_int_equal(node_store_exec(s, "INSERT INTO cases (case_id, type, "
					    "subject, purpose, ground, director, "
					    "opened_ms) VALUES ('C-1', 0, 'S-a', "
					    "'p', 'consent', 'dir', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 12, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "name IN ('plan_goals', 'actions') AND "
				   "sql LIKE '%subject%'"),
	    0);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO plan_goals VALUES ('dir', 1, 'C-1', 7, "
			     "'g', 'u', 1);"
			     "INSERT INTO actions (director, action_id, case_id, "
			     "owner, deadline_ms, text, added_by, changed_ms) "
			     "VALUES ('dir', 1, 'C-1', 'police', 100, 't', 'u', "
			     "1);"
			     "INSERT INTO actions (director, action_id, case_id, "
			     "owner, deadline_ms, state, note, added_by, "
			     "changed_ms) VALUES ('dir', 2, 'C-1', 'housing', "
			     "100, 1, 'n', 'u', 1);"
			     "INSERT INTO actions (director, action_id, case_id, "
			     "owner, deadline_ms, added_by, changed_ms) VALUES "
			     "('other', 1, 'C-2', 'police', 100, 'u', 1);"),
	    WN_OK);
	static const char *const bad[] = {
	    "INSERT INTO plan_goals VALUES ('dir', 2, 'C-1', 8, 'g', 'u', 1)",
	    "INSERT INTO plan_goals VALUES ('dir', 1, 'C-1', 0, 'g', 'u', 1)",
	    "INSERT INTO actions (director, action_id, case_id, owner, "
	    "deadline_ms, state, added_by, changed_ms) VALUES ('dir', 3, "
	    "'C-1', 'p', 1, 4, 'u', 1)",
	    "INSERT INTO actions (director, action_id, case_id, owner, "
	    "deadline_ms, added_by, changed_ms) VALUES ('dir', 1, 'C-1', 'p', "
	    "1, 'u', 1)",
	    "UPDATE actions SET note = 'n' WHERE action_id = 1 AND director = "
	    "'dir'",
	    "UPDATE actions SET state = 2 WHERE action_id = 2",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) == WN_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(scalar(s, "SELECT count(*) FROM actions WHERE note "
				   "IS NOT NULL"),
	    1);
	assert_int_equal(node_store_exec(s,
			     "WITH RECURSIVE i(n) AS (SELECT 3 UNION ALL SELECT "
			     "n + 1 FROM i WHERE n < 5000) INSERT INTO actions "
			     "(director, action_id, case_id, owner, deadline_ms, "
			     "state, added_by, changed_ms) SELECT 'dir', n, "
			     "'C-' || (n % 300), 'o' || (n % 7), n, CASE WHEN n "
			     "% 10 = 0 THEN 0 ELSE 1 END, 'u', 1 FROM i; "
			     "ANALYZE;"),
	    WN_OK);
	plan(s, "SELECT director, action_id FROM actions WHERE state = 0 AND "
		"deadline_ms < 4000", p, sizeof(p));
	if (strstr(p, "actions_open") == NULL)
		fail_msg("the late check does not walk actions_open:\n%s", p);
	plan(s, "SELECT action_id FROM actions WHERE case_id = 'C-5' ORDER BY "
		"deadline_ms", p, sizeof(p));
	if (strstr(p, "actions_case") == NULL ||
	    strstr(p, "TEMP B-TREE FOR ORDER BY") != NULL)
		fail_msg("a case's actions do not walk actions_case:\n%s", p);
	node_store_close(s);
}

/* Migration 13 adds consultations: bodies and their members, meetings
 * with attendance, an agenda of cases with minutes and decisions, and
 * escalations; the cases already there stay; no table names a subject
 * (the case id is the only reference to a case); attendance is present or
 * absent, a number is at least 1, minutes have the time they were
 * written, a case is never escalated to the body it is with; a case's
 * meetings are found through meeting_cases_case. */
static void
test_migration_13_consultations(void **state)
{
	(void)state;
	char err[512], p[2048];
	struct node_store *s = open_at(12);
	assert_int_equal(node_store_exec(s, "INSERT INTO cases (case_id, type, "
					    "subject, purpose, ground, director, "
					    "opened_ms) VALUES ('C-1', 0, 'S-a', "
					    "'p', 'consent', 'dir', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 13, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "name IN ('bodies', 'body_members', "
				   "'meetings', 'meeting_attendance', "
				   "'meeting_cases', 'meeting_decisions', "
				   "'case_escalations')"),
	    7);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "(name LIKE '%meeting%' OR name LIKE "
				   "'%bod%' OR name = 'case_escalations') AND "
				   "sql LIKE '%subject%'"),
	    0);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO bodies VALUES ('dir', 'nbt', 'team', "
			     "'dir', 1);"
			     "INSERT INTO body_members VALUES ('dir', 'nbt', "
			     "'police');"
			     "INSERT INTO meetings VALUES ('dir', 1, 'nbt', 10, "
			     "'u', NULL, 1);"
			     "INSERT INTO meeting_attendance VALUES ('dir', 1, "
			     "'police', 1);"
			     "INSERT INTO meeting_cases VALUES ('dir', 1, 'C-1', "
			     "1, 'm', 2, 2);"
			     "INSERT INTO meeting_decisions VALUES ('dir', 1, "
			     "'C-1', 1, 'd', 3, 2);"
			     "INSERT INTO case_escalations VALUES ('C-1', 1, "
			     "'nbt', 'nct', 3, 'dir', 'u', NULL);"),
	    WN_OK);
	static const char *const bad[] = {
	    "INSERT INTO meetings VALUES ('dir', 0, 'nbt', 1, 'u', NULL, 1)",
	    "INSERT INTO meetings VALUES ('dir', 1, 'nbt', 1, 'u', NULL, 1)",
	    "INSERT INTO meeting_attendance VALUES ('dir', 1, 'wonen', 2)",
	    "INSERT INTO meeting_cases VALUES ('dir', 1, 'C-2', 1, 'm', NULL, "
	    "1)",
	    "INSERT INTO meeting_decisions VALUES ('dir', 1, 'C-1', 2, 'd', 0, "
	    "1)",
	    "INSERT INTO meeting_decisions VALUES ('dir', 1, 'C-1', 0, 'd', "
	    "NULL, 1)",
	    "INSERT INTO case_escalations VALUES ('C-1', 2, 'nbt', 'nbt', 3, "
	    "'dir', 'u', NULL)",
	    "INSERT INTO case_escalations VALUES ('C-1', 1, 'nbt', 'x', 3, "
	    "'dir', 'u', NULL)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) == WN_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(scalar(s, "SELECT count(*) FROM meeting_cases"), 1);
	assert_int_equal(node_store_exec(s,
			     "WITH RECURSIVE i(n) AS (SELECT 2 UNION ALL SELECT "
			     "n + 1 FROM i WHERE n < 3000) INSERT INTO "
			     "meeting_cases SELECT 'dir', n / 10 + 1, 'C-' || n, "
			     "n, NULL, NULL, n FROM i; ANALYZE;"),
	    WN_OK);
	plan(s, "SELECT director, meeting_id FROM meeting_cases WHERE case_id "
		"= 'C-5'", p, sizeof(p));
	if (strstr(p, "meeting_cases_case") == NULL)
		fail_msg("a case's meetings do not walk meeting_cases_case:\n%s",
		    p);
	node_store_close(s);
}

/* Migration 14, the signals of a case: what was held before is untouched;
 * one signal is attached to a case once (per org it came from), with a
 * number >= 1; no column names a subject; a case's list walks the key
 * (not the whole table) with 20,000 attachments, and which cases a
 * signal belongs to walks case_signals_signal. */
static void
test_migration_14_case_signals(void **state)
{
	(void)state;
	char err[512], p[2048];
	struct node_store *s = open_at(13);
	assert_int_equal(node_store_exec(s, "INSERT INTO cases (case_id, type, "
					    "subject, purpose, ground, director, "
					    "opened_ms) VALUES ('C-1', 0, 'S-a', "
					    "'p', 'consent', 'dir', 1);"
					    "INSERT INTO signals (when_ms, "
					    "municipality, category, source, "
					    "recorded_by, recorded_ms) VALUES "
					    "(5, 'Olen', 0, 'x', 'u', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 14, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM cases"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM signals"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "name = 'case_signals' AND sql LIKE "
				   "'%subject%'"),
	    0);
	assert_int_equal(node_store_exec(s, "INSERT INTO case_signals VALUES "
					    "('C-1', '', 1, 'u', 1);"
					    "INSERT INTO case_signals VALUES "
					    "('C-1', 'police', 1, 'u', 1)"),
	    WN_OK);
	static const char *const bad[] = {
	    "INSERT INTO case_signals VALUES ('C-1', '', 1, 'u', 2)",
	    "INSERT INTO case_signals VALUES ('C-1', '', 0, 'u', 2)",
	    "INSERT INTO case_signals VALUES ('C-1', NULL, 2, 'u', 2)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) == WN_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(scalar(s, "SELECT count(*) FROM case_signals"), 2);
	assert_int_equal(node_store_exec(s,
			     "WITH RECURSIVE i(n) AS (SELECT 2 UNION ALL SELECT "
			     "n + 1 FROM i WHERE n < 20000) INSERT INTO "
			     "case_signals SELECT 'C-' || (n % 1000), '', n, "
			     "'u', 1 FROM i;"),
	    WN_OK);
	plan(s, "SELECT cs.signal_id FROM case_signals cs WHERE cs.case_id = "
		"'C-5' AND cs.from_org = ''", p, sizeof(p));
	if (strstr(p, "PRIMARY KEY") == NULL || strstr(p, "SCAN") != NULL)
		fail_msg("a case's signals do not walk the key:\n%s", p);
	plan(s, "SELECT case_id FROM case_signals WHERE from_org = '' AND "
		"signal_id = 77", p, sizeof(p));
	if (strstr(p, "case_signals_signal") == NULL)
		fail_msg("a signal's cases do not walk case_signals_signal:\n%s",
		    p);
	node_store_close(s);
}

/* Migration 15, the signals of a case as other nodes told them: what was
 * held before is untouched; one copy per case, origin and number, with a
 * number >= 1 and an origin; the summary's columns all there or all NULL
 * (existence only), a duplicate only with them; no column names a
 * subject; a case's copies walk the key. */
static void
test_migration_15_case_signal_copies(void **state)
{
	(void)state;
	char err[512], p[2048];
	struct node_store *s = open_at(14);
	assert_int_equal(node_store_exec(s, "INSERT INTO case_signals VALUES "
					    "('C-1', '', 1, 'u', 1)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 15, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM case_signals"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "name = 'case_signal_copies' AND sql LIKE "
				   "'%subject%'"),
	    0);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO case_signal_copies VALUES ('C-1', "
			     "'police', 1, 'dir', 5, 'Olen', '', 0, 2, NULL, "
			     "6);"
			     "INSERT INTO case_signal_copies VALUES ('C-1', "
			     "'police', 2, 'dir', 5, NULL, NULL, NULL, NULL, "
			     "NULL, 6);"
			     "INSERT INTO case_signal_copies VALUES ('C-1', "
			     "'police', 3, 'dir', 5, 'Olen', '', 0, 0, 1, 6)"),
	    WN_OK);
	static const char *const bad[] = {
	    "INSERT INTO case_signal_copies VALUES ('C-1', 'police', 1, 'dir', "
	    "5, 'Olen', '', 0, 2, NULL, 6)",
	    "INSERT INTO case_signal_copies VALUES ('C-1', 'police', 0, 'dir', "
	    "5, 'Olen', '', 0, 2, NULL, 6)",
	    "INSERT INTO case_signal_copies VALUES ('C-1', '', 9, 'dir', 5, "
	    "'Olen', '', 0, 2, NULL, 6)",
	    "INSERT INTO case_signal_copies VALUES ('C-1', 'police', 9, 'dir', "
	    "5, 'Olen', '', NULL, 2, NULL, 6)",
	    "INSERT INTO case_signal_copies VALUES ('C-1', 'police', 9, 'dir', "
	    "5, NULL, NULL, NULL, NULL, 1, 6)",
	    "INSERT INTO case_signal_copies VALUES ('C-1', 'police', 9, 'dir', "
	    "NULL, NULL, NULL, NULL, NULL, NULL, 6)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) == WN_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(scalar(s, "SELECT count(*) FROM case_signal_copies"),
	    3);
	plan(s, "SELECT signal_id FROM case_signal_copies WHERE case_id = "
		"'C-1'", p, sizeof(p));
	if (strstr(p, "PRIMARY KEY") == NULL || strstr(p, "SCAN") != NULL)
		fail_msg("a case's copies do not walk the key:\n%s", p);
	node_store_close(s);
}

/* Migration 16, the matrix version a queued message was made under: rows
 * queued before keep their values and name 0 (made under an older one);
 * a new row may name its version. */
static void
test_migration_16_outbox_mv(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(15);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO peers (org_id, name, role, endpoint, "
			     "sign_pk, kx_pk, added_ms) VALUES ('p', 'P', "
			     "'police', 'tcp://h:1', zeroblob(32), zeroblob(32), "
			     "1);"
			     "INSERT INTO outbox (peer, seq, msg_id, type, body, "
			     "trace, created_us) VALUES ('p', 7, x'01', 11, "
			     "x'beef', 'tp', 42);"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 16, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM outbox WHERE peer = "
				   "'p' AND seq = 7 AND msg_id = x'01' AND "
				   "body = x'beef' AND trace = 'tp' AND "
				   "created_us = 42 AND mv = 0"),
	    1);
	assert_int_equal(node_store_exec(s, "INSERT INTO outbox (peer, seq, "
					    "msg_id, type, body, created_us, mv) "
					    "VALUES ('p', 8, x'02', 11, x'', 1, "
					    "3)"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT mv FROM outbox WHERE seq = 8"), 3);
	assert_int_equal(node_store_exec(s, "INSERT INTO outbox (peer, seq, "
					    "msg_id, type, body, created_us, mv) "
					    "VALUES ('p', 9, x'03', 11, x'', 1, "
					    "NULL)"),
	    WN_EDB);
	node_store_close(s);
}

/* Migration 22, a member's key rotation (node/exchange/rotate.c): a peer
 * enrolled before keeps its keys and has no rotation open; old keys are
 * 32 bytes or none. */
static void
test_migration_22_peer_prev_keys(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(21);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO peers (org_id, name, role, endpoint, "
			     "sign_pk, kx_pk, added_ms) VALUES ('p', 'P', "
			     "'police', 'tcp://h:1', zeroblob(32), zeroblob(32), "
			     "1);"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 22, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM peers WHERE org_id = "
				   "'p' AND sign_pk = zeroblob(32) AND "
				   "prev_sign_pk IS NULL AND prev_kx_pk IS NULL "
				   "AND prev_until_ms IS NULL"),
	    1);
	assert_int_equal(node_store_exec(s, "UPDATE peers SET prev_sign_pk = "
					    "sign_pk, prev_kx_pk = kx_pk, "
					    "prev_until_ms = 5 WHERE org_id = 'p'"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT prev_until_ms FROM peers"), 5);
	assert_int_equal(node_store_exec(s, "UPDATE peers SET prev_sign_pk = "
					    "x'01' WHERE org_id = 'p'"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "UPDATE peers SET prev_kx_pk = "
					    "zeroblob(31) WHERE org_id = 'p'"),
	    WN_EDB);
	node_store_close(s);
}

/* plan_of: the EXPLAIN QUERY PLAN of sql on s, its details joined */
static void
plan_of(struct node_store *s, const char *sql, char *out, size_t cap)
{
	char q[800];
	sqlite3_stmt *st = NULL;
	size_t o = 0;
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(node_store_db(s), q, -1, &st,
			     NULL),
	    SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW && o < cap)
		o += (size_t)snprintf(out + o, cap - o, "%s; ",
		    (const char *)sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
}

/* Migration 23, SITRAP alerts (node/alert/alert.c): a kind in plain words
 * (a.b), a case, a capacity of director or owner; an id never comes back
 * after a row is deleted (a mail queue may name it); read state is per
 * user (alert_reads), once per alert and user. The plans of the queries
 * alert.list runs (node_alert_list_sql, the very strings): the unread
 * ones newest first walk the ids (no sort) with a primary-key look-up in
 * alert_reads; a case's use alerts_case. */
static void
test_migration_23_alerts(void **state)
{
	(void)state;
	char err[512], sql[600], plan[1200];
	struct node_store *s = open_at(22);
	assert_int_equal(node_store_migrate(s, 23, err, sizeof(err)), WN_OK);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO alerts (time_ms, kind, case_id, "
			     "partner, ref, role) VALUES (1, 'action.done', "
			     "'C-1', 'police', 4, 'director');"
			     "INSERT INTO alerts (time_ms, kind, case_id, role) "
			     "VALUES (2, 'share.requested', 'C-1', 'owner');"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM alerts WHERE "
				   "partner = ''"),
	    1);
	const char *bad[] = {
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'done', 'C-1', 'director')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'action.done', 'C-1', 'chair')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'action.done', '', 'director')",
	    "INSERT INTO alert_reads VALUES ('', 1, 5)",
	    "INSERT INTO alert_reads VALUES ('cora', 1, 5);"
	    "INSERT INTO alert_reads VALUES ('cora', 1, 6)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(node_store_exec(s, bad[i]), WN_EDB);
	assert_int_equal(node_store_exec(s, "INSERT INTO alert_reads VALUES "
					    "('anna', 1, 5), ('bram', 1, 6)"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "DELETE FROM alerts WHERE id = 2;"
					    "INSERT INTO alerts (time_ms, kind, "
					    "case_id, role) VALUES (3, "
					    "'action.late', 'C-1', 'owner');"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT max(id) FROM alerts"), 3);
	/* the unread list, newest first, as alert.list runs it */
	assert_true(node_alert_list_sql(sql, sizeof(sql), false, false, false,
	    false));
	plan_of(s, sql, plan, sizeof(plan));
	assert_non_null(strstr(plan, "alert_reads USING PRIMARY KEY"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	assert_true(node_alert_list_sql(sql, sizeof(sql), true, false, false,
	    false));
	plan_of(s, sql, plan, sizeof(plan));
	assert_non_null(strstr(plan, "alert_reads USING PRIMARY KEY"));
	/* a case's, read or not */
	assert_true(node_alert_list_sql(sql, sizeof(sql), false, true, true,
	    false));
	plan_of(s, sql, plan, sizeof(plan));
	assert_non_null(strstr(plan, "alerts_case"));
	assert_null(strstr(plan, "TEMP B-TREE"));
	node_store_close(s);
}

/* Migration 24, neighbourhood mediation (node/work/mediation.c): a
 * mediation's outcome and close day come together, as do its agreement and
 * its day; a party's subject reference once per case, its answer yes, no
 * or none; a talk's attendee is a party or a mediator, never both or
 * neither. A report's period is found by the referral day's index. */
#define MED_MIGRATION 24
static void
test_migration_24_mediation(void **state)
{
	(void)state;
	char err[512], plan[1200];
	struct node_store *s = open_at(MED_MIGRATION - 1);
	assert_int_equal(node_store_migrate(s, MED_MIGRATION, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO mediations (case_id, source, dispute, "
			     "referred_day, by_user, created_ms) VALUES ('c-1', "
			     "0, 0, 20000, 'anna', 1);"
			     "INSERT INTO mediation_parties VALUES ('c-1', 1, "
			     "'S-1', 1), ('c-1', 2, 'S-2', NULL);"
			     "INSERT INTO mediation_mediators VALUES ('c-1', "
			     "'Mira');"
			     "INSERT INTO mediation_talks VALUES ('c-1', 1, "
			     "20001, 2, 'anna', 1);"
			     "INSERT INTO mediation_attendance (case_id, talk, "
			     "party) VALUES ('c-1', 1, 1), ('c-1', 1, 2);"
			     "INSERT INTO mediation_attendance (case_id, talk, "
			     "mediator) VALUES ('c-1', 1, 'Mira');"
			     "UPDATE mediations SET outcome = 0, closed_day = "
			     "20010, agreement = 'x', agreement_day = 20009;"),
	    WN_OK);
	const char *bad[] = {
	    "UPDATE mediations SET closed_day = NULL",
	    "UPDATE mediations SET agreement = NULL",
	    "INSERT INTO mediations (case_id, source, dispute, referred_day, "
	    "by_user, created_ms) VALUES ('c-1', 0, 0, 1, 'anna', 1)",
	    "INSERT INTO mediation_parties VALUES ('c-1', 3, 'S-1', 0)",
	    "INSERT INTO mediation_parties VALUES ('c-1', 3, 'S-3', 2)",
	    "INSERT INTO mediation_parties VALUES ('c-1', 0, 'S-3', 0)",
	    "INSERT INTO mediation_attendance VALUES ('c-1', 1, 1, 'Mira')",
	    "INSERT INTO mediation_attendance VALUES ('c-1', 1, 0, '')",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) != WN_EDB)
			fail_msg("taken: %s", bad[i]);
	plan_of(s, "SELECT source FROM mediations WHERE referred_day BETWEEN "
		   "?1 AND ?2", plan, sizeof(plan));
	assert_non_null(strstr(plan, "mediations_referred"));
	node_store_close(s);
}

/* Migration 27 lets an alert's capacity be the chair of a case's body,
 * or the holder of a concern matched (which names no case). */
#define MIG_ALERT_ROLES 27

/* Migration MIG_ALERT_ROLES: the alerts table built again keeps its rows,
 * their ids and its AUTOINCREMENT sequence (an id handed out, then
 * deleted, or skipped after a restore, never comes back), and its index;
 * 'chair' is a capacity with a case, 'concern' one without; no other
 * capacity, and no other alert without a case. */
static void
test_migration_alert_roles(void **state)
{
	(void)state;
	char err[512], sql[600], plan[1200];
	struct node_store *s = open_at(MIG_ALERT_ROLES - 1);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO alerts (time_ms, kind, case_id, "
			     "partner, ref, role) VALUES (1, 'action.done', "
			     "'C-1', 'police', 4, 'director');"
			     "INSERT INTO alerts (time_ms, kind, case_id, role) "
			     "VALUES (2, 'action.late', 'C-1', 'owner');"
			     "INSERT INTO alert_reads VALUES ('anna', 1, 5);"),
	    WN_OK);
	assert_int_equal(node_alert_ids_skip(s), WN_OK);
	assert_int_equal(node_store_exec(s, "DELETE FROM alerts WHERE id = 2"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, MIG_ALERT_ROLES, err,
			     sizeof(err)),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM alerts WHERE id = 1 "
				   "AND time_ms = 1 AND kind = 'action.done' "
				   "AND case_id = 'C-1' AND partner = 'police' "
				   "AND ref = 4 AND role = 'director'"),
	    1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM alerts"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_sequence "
				   "WHERE name = 'alerts_new'"),
	    0);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO alerts (time_ms, kind, case_id, "
			     "partner, ref, role) VALUES (3, 'decision.made', "
			     "'C-1', 'dir', 1, 'chair');"
			     "INSERT INTO alerts (time_ms, kind, case_id, "
			     "partner, ref, role) VALUES (4, 'match.found', "
			     "'', 'police', 7, 'concern');"),
	    WN_OK);
	/* the sequence went on from the skipped ids, not from the rows */
	assert_int_equal(scalar(s, "SELECT min(id) FROM alerts WHERE id > 1"),
	    NODE_ALERT_ID_GAP + 3);
	const char *bad[] = {
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'action.done', 'C-1', 'viewer')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'action.done', '', 'director')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'decision.made', '', 'chair')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'match.found', 'C-1', 'concern')",
	    "INSERT INTO alerts (time_ms, kind, case_id, role) VALUES (1, "
	    "'done', 'C-1', 'director')",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(node_store_exec(s, bad[i]), WN_EDB);
	assert_int_equal(scalar(s, "SELECT count(*) FROM alert_reads"), 1);
	assert_true(node_alert_list_sql(sql, sizeof(sql), false, true, true,
	    false));
	plan_of(s, sql, plan, sizeof(plan));
	assert_non_null(strstr(plan, "alerts_case"));
	node_store_close(s);
}

/* The alert room's sink (node_event_raise) and forgetter
 * (node_event_forget), on a node of just a store: an event raised with
 * once_ms is kept once while one alike (kind, case, partner, ref, role)
 * is (NODE_EVENT_ONCE) or was within once_ms (one answer, or one
 * withdrawal, in several messages); one that differs, or comes later, is
 * kept; a node that leaves a case forgets its alerts of it and who read
 * them, and nothing else (not a concern's match, which names no case). */
static void
test_alert_sink_once_and_forget(void **state)
{
	(void)state;
	struct node *n = calloc(1, sizeof(*n));
	assert_non_null(n);
	n->store = open_ok(true);
	node_alert_room_register();
	struct node_event ans = {"share.answered", "C-1", "police", 7,
	    "director", NODE_EVENT_ONCE};
	struct node_event wd = {"consent.withdrawn", "C-1", "police", 0,
	    "director", 60000};
	struct node_event wd2 = {"consent.withdrawn", "C-2", "police", 0,
	    "director", 60000};
	struct node_event match = {"match.found", "", "welfare", 3, "concern",
	    0};
	assert_int_equal(node_event_raise(n, &ans), WN_OK);
	assert_int_equal(node_event_raise(n, &ans), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts"), 1);
	ans.ref = 8; /* another request's answer */
	assert_int_equal(node_event_raise(n, &ans), WN_OK);
	ans.partner = "housing";
	assert_int_equal(node_event_raise(n, &ans), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts"), 3);
	/* a withdrawal in three messages, and another case's */
	for (int i = 0; i < 3; i++)
		assert_int_equal(node_event_raise(n, &wd), WN_OK);
	assert_int_equal(node_event_raise(n, &wd2), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts WHERE "
					  "kind = 'consent.withdrawn'"),
	    2);
	/* a minute later it is another withdrawal */
	assert_int_equal(node_store_exec(n->store, "UPDATE alerts SET time_ms "
						   "= time_ms - 61000"),
	    WN_OK);
	assert_int_equal(node_event_raise(n, &wd), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts WHERE "
					  "kind = 'consent.withdrawn' AND "
					  "case_id = 'C-1'"),
	    2);
	/* but an answer, ever once */
	assert_int_equal(node_event_raise(n, &ans), WN_OK);
	assert_int_equal(node_event_raise(n, &match), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts"), 7);
	assert_int_equal(node_store_exec(n->store, "INSERT INTO alert_reads "
						   "SELECT 'anna', id, 1 FROM "
						   "alerts"),
	    WN_OK);
	assert_int_equal(node_event_forget(n, "C-1"), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts WHERE "
					  "case_id = 'C-1'"),
	    0);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts"), 2);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alert_reads"),
	    2);
	assert_int_equal(node_event_forget(n, ""), WN_OK);
	assert_int_equal(scalar(n->store, "SELECT count(*) FROM alerts"), 2);
	node_store_close(n->store);
	free(n);
}

/* After a restore (node_alert_ids_skip, wijknetd restore): the next
 * alert id is NODE_ALERT_ID_GAP past the newest the copy handed out, or
 * past none when it had none; the ids a node handed out after its backup
 * are not handed out again. */
static void
test_alert_ids_skip(void **state)
{
	(void)state;
	char err[512];
	const char *one = "INSERT INTO alerts (time_ms, kind, case_id, role) "
			  "VALUES (1, 'action.done', 'C-1', 'director')";
	struct node_store *s = open_at(22);
	assert_int_equal(node_store_migrate(s, 23, err, sizeof(err)), WN_OK);
	assert_int_equal(node_alert_ids_skip(s), WN_OK);
	assert_int_equal(node_store_exec(s, one), WN_OK);
	assert_int_equal(scalar(s, "SELECT max(id) FROM alerts"),
	    NODE_ALERT_ID_GAP + 1);
	assert_int_equal(node_alert_ids_skip(s), WN_OK);
	assert_int_equal(node_store_exec(s, one), WN_OK);
	assert_int_equal(scalar(s, "SELECT max(id) FROM alerts"),
	    2 * NODE_ALERT_ID_GAP + 2);
	node_store_close(s);
}

/* Migration 18, concerns and matches (node/subject/concern.c): a token is
 * 32 bytes, a contact is not empty, an expiry is after 1970; a match
 * belongs to a concern held here, once per partner; the director holds
 * one concern per partner and number, and one per partner and token. */
static void
test_migration_18_concerns(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(17);
	assert_int_equal(node_store_migrate(s, 18, err, sizeof(err)), WN_OK);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO concerns (token, contact, until_ms, "
			     "created_ms) VALUES (zeroblob(32), 'Jan', 5, 1);"
			     "INSERT INTO concern_matches VALUES (1, 'police', "
			     "'An', 2, 3);"
			     "INSERT INTO concerns_held (partner, number, token, "
			     "contact, until_ms, received_ms) VALUES ('police', "
			     "1, zeroblob(32), 'Jan', 5, 1);"),
	    WN_OK);
	static const char *const bad[] = {
	    "INSERT INTO concerns (token, contact, until_ms, created_ms) "
	    "VALUES (zeroblob(31), 'Jan', 5, 1)",
	    "INSERT INTO concerns (token, contact, until_ms, created_ms) "
	    "VALUES (zeroblob(32), '', 5, 1)",
	    "INSERT INTO concerns (token, contact, until_ms, created_ms) "
	    "VALUES (zeroblob(32), 'Jan', 0, 1)",
	    "INSERT INTO concern_matches VALUES (1, 'police', 'An', 2, 3)",
	    "INSERT INTO concern_matches VALUES (9, 'welfare', 'An', 2, 3)",
	    "INSERT INTO concern_matches VALUES (1, '', 'An', 2, 3)",
	    "INSERT INTO concerns_held (partner, number, token, contact, "
	    "until_ms, received_ms) VALUES ('police', 1, randomblob(32), "
	    "'Jan', 5, 1)",
	    "INSERT INTO concerns_held (partner, number, token, contact, "
	    "until_ms, received_ms) VALUES ('police', 2, zeroblob(32), "
	    "'Jan', 5, 1)",
	    "INSERT INTO concerns_held (partner, number, token, contact, "
	    "until_ms, received_ms) VALUES ('police', 0, randomblob(32), "
	    "'Jan', 5, 1)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (node_store_exec(s, bad[i]) == WN_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(scalar(s, "SELECT count(*) FROM concerns_held"), 1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM concern_matches"), 1);
	node_store_close(s);
}

/* Migration 6 re-keys outbox and inbox by (peer, seq): every row comes
 * across with its values, and a number is now used once per peer. */
static void
test_migration_6_keeps_outbox_and_inbox(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(5);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO peers (org_id, name, role, endpoint, "
			     "sign_pk, kx_pk, added_ms) VALUES ('p', 'P', "
			     "'police', 'tcp://h:1', zeroblob(32), zeroblob(32), "
			     "1);"
			     "INSERT INTO outbox (peer, seq, msg_id, type, body, "
			     "trace, created_us) VALUES ('p', 7, x'01', 3, "
			     "x'beef', 'tp', 42), ('p', 8, x'02', 3, x'cafe', "
			     "'', 43);"
			     "INSERT INTO inbox (msg_id, peer, seq, type, "
			     "env_hash, received_ms) VALUES (x'0a', 'q', 5, 3, "
			     "x'aa', 9), (x'0b', 'q', 6, 4, x'bb', 10);"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 6, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM outbox WHERE peer = "
				   "'p' AND ((seq = 7 AND msg_id = x'01' AND "
				   "body = x'beef' AND trace = 'tp' AND "
				   "created_us = 42) OR (seq = 8 AND msg_id = "
				   "x'02' AND body = x'cafe' AND created_us = "
				   "43))"),
	    2);
	assert_int_equal(scalar(s, "SELECT count(*) FROM inbox WHERE peer = "
				   "'q' AND ((seq = 5 AND msg_id = x'0a' AND "
				   "type = 3 AND env_hash = x'aa') OR (seq = 6 "
				   "AND msg_id = x'0b' AND type = 4 AND "
				   "received_ms = 10))"),
	    2);
	/* (peer, seq) is the key now; a message id no longer is */
	assert_int_equal(node_store_exec(s, "INSERT INTO outbox (peer, seq, "
					    "msg_id, type, body, created_us) "
					    "VALUES ('p', 7, x'03', 3, x'', 1)"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "INSERT INTO inbox (peer, seq, "
					    "msg_id, type, env_hash, "
					    "received_ms) VALUES ('q', 6, x'0c', "
					    "3, x'', 1)"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "INSERT INTO inbox (peer, seq, "
					    "msg_id, type, env_hash, "
					    "received_ms) VALUES ('r', 6, x'0a', "
					    "3, x'', 1)"),
	    WN_OK);
	/* outbox rows still go with their peer */
	assert_int_equal(node_store_exec(s, "DELETE FROM peers WHERE org_id "
					    "= 'p'"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM outbox"), 0);
	node_store_close(s);
}

static off_t
file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The checkpointer copies the WAL into the database file on its own
 * thread: the commits that fill the WAL do not, and nothing is lost. */
static void
test_checkpointer_copies_the_wal_back(void **state)
{
	(void)state;
	char err[512], wal[600];
	static char blob[1024];
	struct node_store *s = open_ok(true);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	assert_int_equal(node_store_checkpointer_start(s, id, err,
			     sizeof(err)),
	    WN_OK);
	assert_int_equal(node_store_checkpoints(s), 0);
	assert_int_equal(node_store_exec(s, "CREATE TABLE t (b BLOB)"), WN_OK);
	off_t db0 = file_size(dbpath);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(node_store_db(s),
			     "INSERT INTO t VALUES (?)", -1, &st, NULL),
	    SQLITE_OK);
	/* 40 commits of 100 rows of 1 KiB: over 1000 WAL frames */
	for (int c = 0; c < 40; c++) {
		assert_int_equal(node_store_begin(s), WN_OK);
		for (int i = 0; i < 100; i++) {
			blob[0] = (char)i;
			sqlite3_bind_blob(st, 1, blob, sizeof(blob),
			    SQLITE_STATIC);
			assert_int_equal(sqlite3_step(st), SQLITE_DONE);
			sqlite3_reset(st);
		}
		assert_int_equal(node_store_commit(s), WN_OK);
	}
	sqlite3_finalize(st);
	assert_true(node_store_checkpoint_wait(s, 1, 30000));
	/* the rows reached the database file, not only the WAL */
	assert_true(file_size(dbpath) > db0 + 3000 * 1024);
	assert_int_equal(scalar(s, "SELECT count(*) FROM t"), 4000);
	node_store_close(s);
	assert_true(file_size(wal) <= 0); /* the last close removed it */
	s = open_ok(false);
	assert_int_equal(scalar(s, "SELECT count(*) FROM t"), 4000);
	node_store_close(s);
}

/* A full disk is told apart from other store errors, also when it is a
 * file size limit (a write refused whole: EFBIG, an I/O error to SQLite),
 * and once there is room the store writes again. */
static void
test_full_disk_is_recognised(void **state)
{
	(void)state;
	struct rlimit old, lim;
	struct node_store *s = open_ok(true);
	char detail[200];
	assert_int_equal(node_store_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)"),
	    WN_OK);
	assert_false(node_store_full(s));
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)file_size(dbpath); /* the WAL may grow as much */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	wn_err rc = WN_OK;
	int i;
	memset(detail, 'd', sizeof(detail) - 1);
	detail[sizeof(detail) - 1] = '\0';
	for (i = 0; i < 100000 && rc == WN_OK; i++)
		rc = node_audit_append(s, "t", "fill", "", detail);
	bool full = node_store_full(s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, WN_EDB);
	assert_true(full);
	/* room again: the next record is written */
	assert_int_equal(node_audit_append(s, "t", "after", "", ""), WN_OK);
	assert_false(node_store_full(s));
	int64_t count = 0, bad = 0;
	char why[256];
	assert_int_equal(node_audit_verify(s, &count, &bad, why, sizeof(why)),
	    WN_OK);
	assert_int_equal(count, i);
	node_store_close(s);
}

static void
test_newer_schema_refused(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_ok(true);
	assert_int_equal(node_store_exec(s, "PRAGMA user_version = 999"), WN_OK);
	node_store_close(s);
	s = NULL;
	assert_int_equal(node_store_open(dbpath, id, false, &s, err,
			     sizeof(err)),
	    WN_EDB);
	assert_non_null(strstr(err, "newer"));
}

/* migration 20: disclosures are indexed by recipient, case and field, and
 * the query that sends retractions again to a peer whose store went back
 * (node/need/resync.c) walks that index, not every field ever disclosed */
static void
test_migration_20_disclosures_by_recipient(void **state)
{
	(void)state;
	struct node_store *s = open_ok(true);
	sqlite3_stmt *st = NULL;
	bool indexed = false;
	assert_int_equal(scalar(s, "SELECT count(*) FROM sqlite_master WHERE "
				   "type = 'index' AND name = 'disclosures_to'"),
	    1);
	assert_int_equal(sqlite3_prepare_v2(node_store_db(s),
			     "EXPLAIN QUERY PLAN SELECT DISTINCT d.case_id, "
			     "d.field_id FROM disclosures d WHERE d.to_org = "
			     "'p' AND d.retracted_ms IS NOT NULL ORDER BY "
			     "d.case_id, d.field_id", -1, &st, NULL),
	    SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		indexed = indexed || strstr((const char *)sqlite3_column_text(
						st, 3), "disclosures_to") != NULL;
	sqlite3_finalize(st);
	assert_true(indexed);
	node_store_close(s);
}

/* migration 21 (renumber it, and this test's two numbers, if main took
 * 21 first): a case opened on a match before
 * a case could name a token held the token's bare hex as a plain subject;
 * it names its token now, and what was received for it keeps this node's
 * own subject with that token (or none), not the hex. Other subjects,
 * upper case hex and 63 digits among them, stay as they were. */
static void
test_migration_case_tokens(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(20);
	const char *hex = "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9"
			  "babbbcbdbebf";
	const char *tok2 = "0102030405060708090a0b0c0d0e0f101112131415161718"
			    "191a1b1c1d1e1f20";
	char sql[2048];
	snprintf(sql, sizeof(sql),
	    "INSERT INTO cases (case_id, type, subject, purpose, ground, "
	    "director, opened_ms) VALUES ('c-tok', 1, '%s', 'p', 'consent', "
	    "'dir', 1), ('c-tok2', 1, '%s', 'p', 'consent', 'dir', 1), "
	    "('c-plain', 1, 'Élise Van den Broeck', 'p', 'consent', 'dir', 1), "
	    "('c-upper', 1, upper('%s'), 'p', 'consent', 'dir', 1), "
	    "('c-short', 1, substr('%s', 2), 'p', 'consent', 'dir', 1);"
	    "INSERT INTO subjects (ref, kind, ident, token, epoch, created_ms, "
	    "token_ms) VALUES ('elise', 'person', 'person:x/y/2011-04-03', "
	    "x'%s', 7, 1, 1);"
	    "INSERT INTO received (case_id, from_org, field_id, subject, "
	    "category, name, value, received_ms) VALUES ('c-tok', 'p', 1, "
	    "'%s', 2, 'n', 'v', 1), ('c-tok2', 'p', 1, '%s', 2, 'n', 'v', 1), "
	    "('c-plain', 'p', 1, 'Élise Van den Broeck', 2, 'n', 'v', 1);",
	    hex, tok2, hex, hex, hex, hex, tok2);
	assert_int_equal(node_store_exec(s, sql), WN_OK);
	assert_int_equal(node_store_migrate(s, 21, err, sizeof(err)), WN_OK);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM cases WHERE "
	    "(case_id = 'c-tok' AND subject = 'token:%s') OR (case_id = "
	    "'c-tok2' AND subject = 'token:%s') OR (case_id = 'c-plain' AND "
	    "subject = 'Élise Van den Broeck') OR (case_id = 'c-upper' AND "
	    "subject = upper('%s')) OR (case_id = 'c-short' AND subject = "
	    "substr('%s', 2))", hex, tok2, hex, hex);
	assert_int_equal(scalar(s, sql), 5);
	/* this node's own subject with the token, none for the tok2 token,
	 * and a plain case's as it was */
	assert_int_equal(scalar(s, "SELECT count(*) FROM received WHERE "
				   "(case_id = 'c-tok' AND subject = 'elise') OR "
				   "(case_id = 'c-tok2' AND subject = '') OR "
				   "(case_id = 'c-plain' AND subject = "
				   "'Élise Van den Broeck')"),
	    3);
	node_store_close(s);
}

/* node_resync_mark (exchange/resync.c) keeps the earliest copy's time not
 * asked for yet: a later mark covers less */
static void
test_resync_mark_keeps_the_earliest(void **state)
{
	(void)state;
	struct node_store *s = open_ok(true);
	char v[32];
	assert_false(node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)));
	assert_int_equal(node_resync_mark(s, 5000), WN_OK);
	assert_true(node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)));
	assert_string_equal(v, "5000");
	assert_int_equal(node_resync_mark(s, 7000), WN_OK);
	assert_true(node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)));
	assert_string_equal(v, "5000");
	assert_int_equal(node_resync_mark(s, 3000), WN_OK);
	assert_true(node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)));
	assert_string_equal(v, "3000");
	/* an unknown time (0): everything */
	assert_int_equal(node_resync_mark(s, 0), WN_OK);
	assert_true(node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)));
	assert_string_equal(v, "1");
	node_store_close(s);
}

/* backup's open (node_store_open_as_is) migrates nothing: a store of an
 * older schema (a daemon not yet restarted on an upgraded binary) is
 * refused and left at its version, a newer one refused, the same one
 * opened */
static void
test_open_as_is_migrates_nothing(void **state)
{
	(void)state;
	char err[512];
	int latest = node_store_latest_version();
	struct node_store *s = open_at(latest - 1);
	node_store_close(s);
	s = NULL;
	assert_int_equal(node_store_open_as_is(dbpath, id, &s, err,
			     sizeof(err)),
	    WN_EDB);
	assert_null(s);
	assert_non_null(strstr(err, "is older than this wijknetd's"));
	assert_int_equal(node_store_open_at(dbpath, id, false, 0, &s, err,
			     sizeof(err)),
	    WN_OK);
	assert_int_equal(node_store_version(s), latest - 1);
	/* the same version as this build's: opened */
	assert_int_equal(node_store_migrate(s, latest, err, sizeof(err)),
	    WN_OK);
	node_store_close(s);
	s = NULL;
	assert_int_equal(node_store_open_as_is(dbpath, id, &s, err,
			     sizeof(err)),
	    WN_OK);
	assert_int_equal(node_store_version(s), latest);
	assert_int_equal(node_store_exec(s, "PRAGMA user_version = 999"), WN_OK);
	node_store_close(s);
	s = NULL;
	assert_int_equal(node_store_open_as_is(dbpath, id, &s, err,
			     sizeof(err)),
	    WN_EDB);
	assert_null(s);
	assert_non_null(strstr(err, "newer"));
}

static struct node_store *
with_records(int n)
{
	struct node_store *s = open_ok(true);
	char detail[32];
	for (int i = 1; i <= n; i++) {
		snprintf(detail, sizeof(detail), "record %d", i);
		assert_int_equal(node_audit_append(s, "alice", "test.act",
				     "case-1", detail),
		    WN_OK);
	}
	return s;
}

static void
test_audit_chain_verifies(void **state)
{
	(void)state;
	char why[256];
	int64_t count = 0, bad = -1;
	struct node_audit_head head;
	struct node_store *s = with_records(10);
	assert_int_equal(node_audit_verify(s, &count, &bad, why, sizeof(why)),
	    WN_OK);
	assert_int_equal(count, 10);
	assert_int_equal(node_audit_head(s, &head), WN_OK);
	assert_int_equal(head.seq, 10);
	node_store_close(s);
}

static void
test_audit_is_append_only(void **state)
{
	(void)state;
	struct node_store *s = with_records(3);
	assert_int_equal(node_store_exec(s,
			     "UPDATE audit SET detail = 'x' WHERE seq = 2"),
	    WN_EDB);
	assert_int_equal(node_store_exec(s, "DELETE FROM audit WHERE seq = 2"),
	    WN_EDB);
	node_store_close(s);
}

static void
expect_break(struct node_store *s, int64_t want, const char *word)
{
	char why[256];
	int64_t count = 0, bad = -1;
	assert_int_equal(node_audit_verify(s, &count, &bad, why, sizeof(why)),
	    WN_ECORRUPT);
	assert_int_equal(bad, want);
	assert_non_null(strstr(why, word));
}

static void
test_altered_record_is_named(void **state)
{
	(void)state;
	struct node_store *s = with_records(10);
	/* someone with the key bypasses the triggers */
	assert_int_equal(node_store_exec(s, "DROP TRIGGER audit_no_update"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "UPDATE audit SET detail = "
					    "'nothing happened' WHERE seq = 4"),
	    WN_OK);
	expect_break(s, 4, "altered");
	node_store_close(s);
}

static void
test_altered_user_or_time_is_named(void **state)
{
	(void)state;
	struct node_store *s = with_records(5);
	assert_int_equal(node_store_exec(s, "DROP TRIGGER audit_no_update"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "UPDATE audit SET time_ms = "
					    "time_ms + 1 WHERE seq = 5"),
	    WN_OK);
	expect_break(s, 5, "altered");
	node_store_close(s);
}

static void
test_deleted_record_is_named(void **state)
{
	(void)state;
	struct node_store *s = with_records(10);
	assert_int_equal(node_store_exec(s, "DROP TRIGGER audit_no_delete"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "DELETE FROM audit WHERE seq = 6"),
	    WN_OK);
	expect_break(s, 6, "missing");
	node_store_close(s);
}

static void
test_rewritten_tail_is_named(void **state)
{
	(void)state;
	/* delete record 3 and renumber the rest: the links break at 3 */
	struct node_store *s = with_records(6);
	assert_int_equal(node_store_exec(s, "DROP TRIGGER audit_no_delete"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "DROP TRIGGER audit_no_update"),
	    WN_OK);
	assert_int_equal(node_store_exec(s, "DELETE FROM audit WHERE seq = 3;"
					    "UPDATE audit SET seq = seq - 1 "
					    "WHERE seq > 3"),
	    WN_OK);
	expect_break(s, 3, "link");
	node_store_close(s);
}

static void
test_append_joins_callers_transaction(void **state)
{
	(void)state;
	struct node_store *s = with_records(2);
	assert_int_equal(node_store_begin(s), WN_OK);
	assert_int_equal(node_audit_append(s, "bob", "x", "", ""), WN_OK);
	node_store_rollback(s);
	assert_int_equal(scalar(s, "SELECT count(*) FROM audit"), 2);
	node_store_close(s);
}

/* Migration 7 gives the inbox the answer to each message: rows from
 * before were all accepted or applied, or refused without a record of it;
 * they read as accepted, as they did. */
static void
test_migration_7_reads_old_inbox_rows_as_accepted(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(6);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO inbox (peer, seq, msg_id, type, "
			     "env_hash, received_ms) VALUES ('q', 5, x'0a', 3, "
			     "x'aa', 9)"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 7, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM inbox WHERE peer = "
				   "'q' AND seq = 5 AND msg_id = x'0a' AND "
				   "refused = 0 AND reason = ''"),
	    1);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO inbox (peer, seq, msg_id, type, "
			     "env_hash, received_ms, refused, reason) VALUES "
			     "('q', 6, x'0b', 3, x'bb', 10, 5, 'no')"),
	    WN_OK);
	node_store_close(s);
}

/* Migration 8: disclosures from before do not say what let them out
 * (-1: any withdrawal retracts them, as before); requests decided whole
 * keep their decision per category; a pending one has nothing decided. */
static void
test_migration_8_keeps_old_disclosures_and_decisions(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(7);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO disclosures (case_id, to_org, "
			     "field_id, subject, category, existence, sent_ms) "
			     "VALUES ('c', 'q', 1, 's', 3, 0, 9);"
			     "INSERT INTO shares (case_id, request_id, "
			     "categories, state, trace, created_ms) VALUES "
			     "('c', x'00', 5, 'approved', 't', 1), ('c', x'01', "
			     "6, 'denied', 't', 1), ('c', x'02', 7, 'pending', "
			     "'t', 1);"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 8, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT consent_id FROM disclosures"), -1);
	assert_int_equal(scalar(s, "SELECT count(*) FROM shares WHERE "
				   "(categories = 5 AND approved = 5 AND denied = "
				   "0) OR (categories = 6 AND approved = 0 AND "
				   "denied = 6) OR (categories = 7 AND approved = "
				   "0 AND denied = 0)"),
	    3);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO disclosures (case_id, to_org, "
			     "field_id, subject, category, existence, sent_ms) "
			     "VALUES ('c', 'q', 2, 's', 3, 0, 9)"),
	    WN_OK);
	assert_int_equal(scalar(s, "SELECT count(*) FROM disclosures WHERE "
				   "field_id = 2 AND consent_id IS NULL"),
	    1);
	node_store_close(s);
}

/* Migration 8: a request left pending after the auto_share policy sent
 * some of its categories has those approved (not undecided: a denial
 * would audit as denied what left, an approval would send it again).
 * What the policy sent is told from what others sent by the request's
 * case and trace and the time between the request and the policy's
 * disclosure record; a pending request nothing was sent for keeps
 * nothing decided. */
static void
test_migration_8_approves_what_the_policy_sent(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(7);
	/* share 1 (case c, trace T1, at 100) asks for categories 3 and 5;
	 * the policy sent category 3 to q at 100 (recorded at 101).
	 * Category 5 of case c left at 50 (before it) and at 500 (a person's
	 * approval of share 2, trace T2); category 1 at 100 for case d.
	 * Share 3 (case c, trace T3) is pending with nothing sent for it. */
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO shares (id, case_id, request_id, "
			     "categories, state, trace, created_ms) VALUES "
			     "(1, 'c', x'01', 40, 'pending', 'T1', 100), "
			     "(2, 'c', x'02', 32, 'approved', 'T2', 400), "
			     "(3, 'c', x'03', 40, 'pending', 'T3', 90), "
			     "(4, 'd', x'04', 2, 'pending', 'T4', 100);"
			     "INSERT INTO disclosures (case_id, to_org, "
			     "field_id, subject, category, existence, sent_ms) "
			     "VALUES ('c', 'q', 1, 's', 3, 0, 100), "
			     "('c', 'q', 2, 's', 5, 0, 50), "
			     "('c', 'q', 3, 's', 5, 0, 500), "
			     "('d', 'q', 4, 's', 1, 0, 100);"
			     "INSERT INTO audit (seq, time_ms, user, action, "
			     "object, detail, prev, hash) VALUES "
			     "(1, 101, 'policy', 'disclosure.sent', 'q', "
			     "'1 fields about s in signals to q; case c; trace "
			     "T1', x'00', x'00'), "
			     "(2, 501, 'admin', 'disclosure.sent', 'q', "
			     "'1 fields about s in care to q; case c; trace T2', "
			     "x'00', x'00');"),
	    WN_OK);
	assert_int_equal(node_store_migrate(s, 8, err, sizeof(err)), WN_OK);
	assert_int_equal(scalar(s, "SELECT approved FROM shares WHERE id = 1"),
	    8);
	assert_int_equal(scalar(s, "SELECT denied FROM shares WHERE id = 1"),
	    0);
	assert_int_equal(scalar(s, "SELECT state FROM shares WHERE id = 1 AND "
				   "state = 'pending'") != -1,
	    1);
	assert_int_equal(scalar(s, "SELECT approved FROM shares WHERE id = 2"),
	    32);
	assert_int_equal(scalar(s, "SELECT approved FROM shares WHERE id = 3"),
	    0);
	assert_int_equal(scalar(s, "SELECT approved FROM shares WHERE id = 4"),
	    0);
	node_store_close(s);
}

/* A lazy transaction's commit is written but not fsync'd; every other
 * commit is, before and after it; an audit record refuses to join it. */
static void
test_lazy_commit_skips_only_its_own_fsync(void **state)
{
	(void)state;
	struct node_store *s = open_ok(true);
	assert_int_equal(node_store_exec(s, "CREATE TABLE t (x)"), WN_OK);
	unsigned before = syncs;
	assert_int_equal(node_store_begin(s), WN_OK);
	assert_int_equal(node_store_exec(s, "INSERT INTO t VALUES (1)"), WN_OK);
	assert_int_equal(node_store_commit(s), WN_OK);
	assert_true(syncs > before);

	before = syncs;
	assert_int_equal(node_store_begin_lazy(s), WN_OK);
	assert_true(node_store_lazy(s));
	assert_int_equal(node_store_exec(s, "INSERT INTO t VALUES (2)"), WN_OK);
	int64_t records = scalar(s, "SELECT count(*) FROM audit");
	assert_int_equal(node_audit_append(s, "bob", "x", "", ""), WN_EINVAL);
	assert_int_equal(scalar(s, "SELECT count(*) FROM audit"), records);
	assert_int_equal(node_store_commit(s), WN_OK);
	assert_int_equal(syncs, before);
	assert_false(node_store_lazy(s));
	assert_int_equal(scalar(s, "PRAGMA synchronous"), 2);

	/* a rolled back lazy transaction leaves FULL behind too */
	assert_int_equal(node_store_begin_lazy(s), WN_OK);
	node_store_rollback(s);
	assert_int_equal(scalar(s, "PRAGMA synchronous"), 2);

	before = syncs;
	assert_int_equal(node_store_begin(s), WN_OK);
	assert_int_equal(node_store_exec(s, "INSERT INTO t VALUES (3)"), WN_OK);
	assert_int_equal(node_audit_append(s, "bob", "x", "", ""), WN_OK);
	assert_int_equal(node_store_commit(s), WN_OK);
	assert_true(syncs > before);
	assert_int_equal(scalar(s, "SELECT sum(x) FROM t"), 6);
	node_store_close(s);
}


/* backup_progress writes through another connection while the copy runs
 * (after its first step): the copy, one snapshot, must not hold it */
struct backup_probe {
	struct node_store *other;
	int calls;
	int64_t total;
};

static void
backup_progress(void *arg, int64_t done, int64_t total)
{
	struct backup_probe *p = arg;
	assert_true(done <= total);
	p->total = total;
	if (p->calls++ == 0)
		assert_int_equal(node_store_meta_put(p->other, "late",
				     "MK-UNIT-LATE"), WN_OK);
}

static bool
file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 8u << 20, len;
	char *buf = malloc(cap);
	assert_non_null(f);
	assert_non_null(buf);
	len = fread(buf, 1, cap, f);
	fclose(f);
	bool found = memmem(buf, len, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

static void
test_backup_is_one_encrypted_snapshot(void **state)
{
	(void)state;
	char err[512], copy[160], v[64], big[100001];
	struct node_store *s = open_ok(true), *t = NULL, *c = NULL;
	/* over 256 pages, so the copy takes several steps */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(node_store_begin(s), WN_OK);
	assert_int_equal(node_store_meta_put(s, "marker", "MK-UNIT-PLAIN"),
	    WN_OK);
	for (int i = 0; i < 15; i++) {
		char k[16];
		snprintf(k, sizeof(k), "big%d", i);
		assert_int_equal(node_store_meta_put(s, k, big), WN_OK);
	}
	assert_int_equal(node_store_commit(s), WN_OK);
	assert_int_equal(node_store_open(dbpath, id, false, &t, err,
			     sizeof(err)), WN_OK);
	struct backup_probe probe = {.other = t};
	const char *meta[] = {"extra", "carried"};
	snprintf(copy, sizeof(copy), "%s.copy", dbpath);
	assert_int_equal(node_store_backup(s, id, copy, meta, 1,
			     backup_progress, &probe, err, sizeof(err)), WN_OK);
	assert_true(probe.calls > 1);
	assert_true(probe.total > 256);
	/* the write went into the store, not into the copy */
	assert_true(node_store_meta_get(s, "late", v, sizeof(v)));
	assert_int_equal(node_store_open(copy, id, false, &c, err, sizeof(err)),
	    WN_OK);
	assert_true(node_store_meta_get(c, "marker", v, sizeof(v)));
	assert_string_equal(v, "MK-UNIT-PLAIN");
	assert_false(node_store_meta_get(c, "late", v, sizeof(v)));
	assert_true(node_store_meta_get(c, "extra", v, sizeof(v)));
	assert_string_equal(v, "carried");
	assert_int_equal(node_store_check(c, err, sizeof(err)), WN_OK);
	node_store_close(c);
	c = NULL;
	/* encrypted: no plain text, and only this key opens it */
	assert_false(file_has(copy, "MK-UNIT-PLAIN"));
	assert_false(file_has(copy, "SQLite format 3"));
	assert_int_equal(node_store_open(copy, other, false, &c, err,
			     sizeof(err)), WN_ECORRUPT);
	node_store_close(t);
	node_store_close(s);
}

/* Migration 25, phenomena (node/work/
 * phenomenon.c): one rule per category within its bounds; a phenomenon's
 * state is proposed, open (with its case, only then) or dismissed (with
 * why, only then); its signals once each; its id never comes back. */
#define PHENO_MIGRATION 25
static void
test_migration_phenomena(void **state)
{
	(void)state;
	char err[512];
	struct node_store *s = open_at(PHENO_MIGRATION - 1);
	assert_int_equal(node_store_migrate(s, PHENO_MIGRATION, err,
			     sizeof(err)), WN_OK);
	assert_int_equal(node_store_exec(s,
			     "INSERT INTO phenomenon_rules VALUES (0, 3, 2, 7, "
			     "'anna', 1);"
			     "INSERT INTO phenomena (category, municipality, "
			     "neighbourhood, state, first_ms, last_ms, signals, "
			     "partners, rule_signals, rule_partners, rule_days, "
			     "proposed_ms) VALUES (0, 'Geel', '', 'proposed', 1, "
			     "2, 3, 2, 3, 2, 7, 5);"
			     "INSERT INTO phenomenon_signals VALUES (1, 'guards', "
			     "4);"),
	    WN_OK);
#define PH "INSERT INTO phenomena (category, municipality, neighbourhood, " \
	   "state, first_ms, last_ms, signals, partners, rule_signals, "     \
	   "rule_partners, rule_days, proposed_ms, case_id, why) VALUES "    \
	   "(0, 'Geel', '', "
	const char *bad[] = {
	    "INSERT INTO phenomenon_rules VALUES (0, 4, 2, 7, 'anna', 1)",
	    "INSERT INTO phenomenon_rules VALUES (1, 0, 1, 7, 'anna', 1)",
	    "INSERT INTO phenomenon_rules VALUES (1, 3, 101, 7, 'anna', 1)",
	    "INSERT INTO phenomenon_rules VALUES (1, 3, 2, 367, 'anna', 1)",
	    PH "'open', 1, 2, 3, 2, 3, 2, 7, 5, NULL, NULL)",
	    PH "'proposed', 1, 2, 3, 2, 3, 2, 7, 5, 'c-1', NULL)",
	    PH "'dismissed', 1, 2, 3, 2, 3, 2, 7, 5, NULL, NULL)",
	    PH "'proposed', 1, 2, 3, 2, 3, 2, 7, 5, NULL, 'no')",
	    PH "'closed', 1, 2, 3, 2, 3, 2, 7, 5, NULL, NULL)",
	    PH "'proposed', 3, 2, 3, 2, 3, 2, 7, 5, NULL, NULL)",
	    "INSERT INTO phenomenon_signals VALUES (1, 'guards', 4)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(node_store_exec(s, bad[i]), WN_EDB);
	assert_int_equal(node_store_exec(s, PH "'open', 1, 2, 3, 2, 3, 2, 7, "
					    "5, 'c-1', NULL);" PH "'dismissed', "
					    "1, 2, 3, 2, 3, 2, 7, 5, NULL, "
					    "'a building site');"
					    "DELETE FROM phenomena WHERE id = 3;"
					    PH "'proposed', 1, 2, 3, 2, 3, 2, 7, "
					    "5, NULL, NULL);"),
	    WN_OK);
#undef PH
	assert_int_equal(scalar(s, "SELECT max(id) FROM phenomena"), 4);
	node_store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_open_creates_and_settings_hold, fresh),
	    cmocka_unit_test_setup(test_open_missing_without_create_fails,
		fresh),
	    cmocka_unit_test_setup(test_emptied_store_is_refused, fresh),
	    cmocka_unit_test_setup(test_wrong_key_is_refused, fresh),
	    cmocka_unit_test_setup(test_flipped_byte_is_found, fresh),
	    cmocka_unit_test_setup(test_migrations_from_empty_and_each_previous,
		fresh),
	    cmocka_unit_test_setup(test_newer_schema_refused, fresh),
	    cmocka_unit_test_setup(test_full_disk_is_recognised, fresh),
	    cmocka_unit_test_setup(test_checkpointer_copies_the_wal_back,
		fresh),
	    cmocka_unit_test_setup(test_migration_6_keeps_outbox_and_inbox,
		fresh),
	    cmocka_unit_test_setup(test_audit_chain_verifies, fresh),
	    cmocka_unit_test_setup(test_audit_is_append_only, fresh),
	    cmocka_unit_test_setup(test_altered_record_is_named, fresh),
	    cmocka_unit_test_setup(test_altered_user_or_time_is_named, fresh),
	    cmocka_unit_test_setup(test_deleted_record_is_named, fresh),
	    cmocka_unit_test_setup(test_rewritten_tail_is_named, fresh),
	    cmocka_unit_test_setup(test_append_joins_callers_transaction,
		fresh),
	    cmocka_unit_test_setup(test_lazy_commit_skips_only_its_own_fsync,
		fresh),
	    cmocka_unit_test_setup(
		test_migration_7_reads_old_inbox_rows_as_accepted, fresh),
	    cmocka_unit_test_setup(
		test_migration_8_keeps_old_disclosures_and_decisions, fresh),
	    cmocka_unit_test_setup(
		test_migration_8_approves_what_the_policy_sent, fresh),
	    cmocka_unit_test_setup(test_migration_9_signals, fresh),
	    cmocka_unit_test_setup(test_migration_10_signal_summaries, fresh),
	    cmocka_unit_test_setup(test_migration_11_case_life, fresh),
	    cmocka_unit_test_setup(test_migration_12_plans_and_actions, fresh),
	    cmocka_unit_test_setup(test_migration_13_consultations, fresh),
	    cmocka_unit_test_setup(test_migration_14_case_signals, fresh),
	    cmocka_unit_test_setup(test_migration_15_case_signal_copies, fresh),
	    cmocka_unit_test_setup(test_migration_16_outbox_mv, fresh),
	    cmocka_unit_test_setup(test_migration_18_concerns, fresh),
	    cmocka_unit_test_setup(test_migration_22_peer_prev_keys, fresh),
	    cmocka_unit_test_setup(test_migration_23_alerts, fresh),
	    cmocka_unit_test_setup(test_migration_24_mediation, fresh),
	    cmocka_unit_test_setup(test_alert_ids_skip, fresh),
	    cmocka_unit_test_setup(test_migration_phenomena, fresh),
	    cmocka_unit_test_setup(test_migration_alert_roles, fresh),
	    cmocka_unit_test_setup(test_alert_sink_once_and_forget, fresh),
	    cmocka_unit_test_setup(test_migration_20_disclosures_by_recipient,
		fresh),
	    cmocka_unit_test_setup(test_migration_case_tokens, fresh),
	    cmocka_unit_test_setup(test_resync_mark_keeps_the_earliest, fresh),
	    cmocka_unit_test_setup(test_open_as_is_migrates_nothing, fresh),
	    cmocka_unit_test_setup(test_backup_is_one_encrypted_snapshot,
		fresh),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
