/*
 * bench_signals.c - signals in a stopped node's store for `make bench`
 * (section 6): the store's bare insert rate, the baseline of the import,
 * and a node filled with signals (and cases) to time `signal list` on.
 *
 *   bench_signals [--fill | --rounds K] DATA PASSFILE SIGNALS [CASES]
 *
 * Adds SIGNALS signals, each with one subject in signal_subjects, with one
 * prepared INSERT per table in one transaction (fsync'd at its commit):
 * the columns node_signal_insert (node/work/signal.c) writes, an import
 * key and a row hash of 32 random bytes each (they are BLAKE2b digests,
 * as random to the unique index), summary_ms 0 as on the bench's lone
 * nodes, each its own director (a member writes NULL while a summary is
 * owed: one more entry, at the end of the signals_owed index). Then
 * CASES cases, each with the director and this node as members and 20
 * of the node's signals attached (case_signals), in a second transaction
 * (not in the rate). With --rounds K (at most 9) the
 * signals are inserted K times, the first K - 1 deleted again after
 * their commit (not timed), and the rate is the median round's: one
 * fsync'd commit on a busy disk weighs much in a run this short. The
 * rows are spread over 6 municipalities of 8 neighbourhoods each, with
 * one hot spot, Herentals/Stationsbuurt, holding a tenth of all; 9
 * categories; times over the last two years; the same rows for the same
 * numbers on every run (continued from the signals already there). With
 * --fill the store gets a page cache of 64 MiB for the run: a fill, not
 * a measurement.
 *
 * Prints one line of key=value pairs: before (signals already there),
 * signals, insert_s, rows_per_s, rounds_s (each round's time), total,
 * cases, busiest_case (CASE:N, the case with the most signals attached;
 * "none"); exit 0, or 1 on any error (with a message on stderr). With
 * SIGNALS 0 it only counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "config/cfg.h"
#include "node/store/store.h"

int main(int argc, char **argv);

static const char *const munis[] = {"Herentals", "Olen", "Grobbendonk",
    "Herenthout", "Vorselaar", "Westerlo"};
static const char *const nbs[] = {"Stationsbuurt", "Centrum", "Noord",
    "Zuid", "Molenvijver", "Wuyts", "Bosbergen", "Heiberg"};
#define NMUNI (sizeof(munis) / sizeof(munis[0]))
#define NNB (sizeof(nbs) / sizeof(nbs[0]))
#define DAY_MS (24LL * 3600 * 1000)

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* mix: a well-spread 64-bit number for row i and a purpose k */
static uint64_t
mix(uint64_t i, uint64_t k)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL + k * 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static int64_t
count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* signals inserts rows first+1 .. first+count */
static bool
signals(struct node_store *s, int64_t first, uint64_t count, int64_t now_ms)
{
	sqlite3 *db = node_store_db(s);
	sqlite3_stmt *in = NULL, *sub = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO signals (when_ms, municipality, neighbourhood, "
		"street, lat_e7, lon_e7, category, source, source_id, text, "
		"import_key, row_hash, recorded_by, recorded_ms, summary_ms) "
		"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
		-1, &in, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO signal_subjects (signal_id, "
		"role, subject) VALUES (?,?,?)", -1, &sub, NULL) != SQLITE_OK ||
	    node_store_begin(s) != WN_OK)
		goto out;
	for (uint64_t k = 1; k <= count; k++) {
		uint64_t i = (uint64_t)first + k;
		char street[48], sid[32], text[96], subj[16];
		uint8_t key[32], row[32];
		size_t m, nb;
		/* a tenth in the hot spot, the rest anywhere */
		if (mix(i, 1) % 10 == 0) {
			m = 0;
			nb = 0;
		} else {
			m = mix(i, 2) % NMUNI;
			nb = mix(i, 3) % NNB;
		}
		int cat = (int)(mix(i, 4) % 9);
		int64_t when = now_ms - DAY_MS / 24 -
		    (int64_t)(mix(i, 5) % (uint64_t)(730 * DAY_MS));
		snprintf(street, sizeof(street), "Straat %llu",
		    (unsigned long long)(mix(i, 6) % 40));
		snprintf(sid, sizeof(sid), "B-%llu", (unsigned long long)i);
		snprintf(text, sizeof(text), "melding %llu: zoals gemeld door "
		    "de bewoners van het blok, avond", (unsigned long long)i);
		snprintf(subj, sizeof(subj), "S-%05llu",
		    (unsigned long long)(mix(i, 7) % 20000));
		sec_random(key, sizeof(key));
		sec_random(row, sizeof(row));
		sqlite3_bind_int64(in, 1, when);
		sqlite3_bind_text(in, 2, munis[m], -1, SQLITE_STATIC);
		sqlite3_bind_text(in, 3, nbs[nb], -1, SQLITE_STATIC);
		sqlite3_bind_text(in, 4, street, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(in, 5, 511700000 + (int64_t)(mix(i, 8) % 100000));
		sqlite3_bind_int64(in, 6, 48300000 + (int64_t)(mix(i, 9) % 100000));
		sqlite3_bind_int(in, 7, cat);
		sqlite3_bind_text(in, 8, "bench", -1, SQLITE_STATIC);
		sqlite3_bind_text(in, 9, sid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(in, 10, text, -1, SQLITE_TRANSIENT);
		sqlite3_bind_blob(in, 11, key, 32, SQLITE_TRANSIENT);
		sqlite3_bind_blob(in, 12, row, 32, SQLITE_TRANSIENT);
		sqlite3_bind_text(in, 13, "admin", -1, SQLITE_STATIC);
		sqlite3_bind_int64(in, 14, now_ms);
		if (sqlite3_step(in) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(in);
		sqlite3_bind_int64(sub, 1, sqlite3_last_insert_rowid(db));
		sqlite3_bind_int(sub, 2, (int)(mix(i, 10) % 4));
		sqlite3_bind_text(sub, 3, subj, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(sub) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(sub);
	}
	ok = node_store_commit(s) == WN_OK;
	goto out;
rollback:
	node_store_rollback(s);
out:
	sqlite3_finalize(in);
	sqlite3_finalize(sub);
	return ok;
}

/* cases inserts count cases, as a member holds those it was added to:
 * opened by the director "dir", with dir and org as members, each with
 * CASE_SIGNALS of the node's signals 1 .. nsignals attached (case_signals,
 * as signal link --case writes them; fewer where two picks meet) */
#define CASE_SIGNALS 20
static bool
cases(struct node_store *s, int64_t first, uint64_t count, const char *org,
    int role, int64_t now_ms, int64_t nsignals)
{
	sqlite3 *db = node_store_db(s);
	sqlite3_stmt *c = NULL, *mem = NULL, *sig = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(db, "INSERT INTO cases (case_id, type, "
		"subject, purpose, ground, director, opened_ms) VALUES "
		"(?,?,?,?,'consent','dir',?)", -1, &c, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO case_members (case_id, "
		"org_id, role, attested) VALUES (?,?,?,1)", -1, &mem,
		NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO case_signals "
		"(case_id, from_org, signal_id, linked_by, linked_ms) VALUES "
		"(?,'',?,'admin',?)", -1, &sig, NULL) != SQLITE_OK ||
	    node_store_begin(s) != WN_OK)
		goto out;
	for (uint64_t k = 1; k <= count; k++) {
		uint64_t i = (uint64_t)first + k;
		char id[24], subj[16];
		snprintf(id, sizeof(id), "c-%012llx",
		    (unsigned long long)(mix(i, 11) & 0xffffffffffffULL));
		snprintf(subj, sizeof(subj), "S-%05llu",
		    (unsigned long long)(mix(i, 12) % 20000));
		sqlite3_bind_text(c, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(c, 2, (int)(mix(i, 13) % 5));
		sqlite3_bind_text(c, 3, subj, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(c, 4, "overlast in de buurt aanpakken", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(c, 5, now_ms -
		    (int64_t)(mix(i, 14) % (uint64_t)(730 * DAY_MS)));
		if (sqlite3_step(c) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(c);
		for (int j = 0; j < 2; j++) {
			sqlite3_bind_text(mem, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(mem, 2, j ? org : "dir", -1,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int(mem, 3, j ? role : 0);
			if (sqlite3_step(mem) != SQLITE_DONE)
				goto rollback;
			sqlite3_reset(mem);
		}
		for (int j = 0; j < CASE_SIGNALS && nsignals > 0; j++) {
			sqlite3_bind_text(sig, 1, id, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(sig, 2, 1 + (int64_t)(mix(i, 20 +
			    (uint64_t)j) % (uint64_t)nsignals));
			sqlite3_bind_int64(sig, 3, now_ms);
			if (sqlite3_step(sig) != SQLITE_DONE)
				goto rollback;
			sqlite3_reset(sig);
		}
	}
	ok = node_store_commit(s) == WN_OK;
	goto out;
rollback:
	node_store_rollback(s);
out:
	sqlite3_finalize(c);
	sqlite3_finalize(mem);
	sqlite3_finalize(sig);
	return ok;
}

/* undo deletes the signals after id top (their subjects go with them) */
static bool
undo(struct node_store *s, int64_t top)
{
	char sql[96];
	snprintf(sql, sizeof(sql), "DELETE FROM signals WHERE id > %lld",
	    (long long)top);
	if (node_store_begin(s) != WN_OK)
		return false;
	if (node_store_exec(s, sql) != WN_OK) {
		node_store_rollback(s);
		return false;
	}
	return node_store_commit(s) == WN_OK;
}

static int
by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	char err[1024], key[4200], db[4200], org[256];
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	struct node_store *s = NULL;
	uint64_t rows, ncases = 0, rounds = 1;
	bool fill = false, usage = false;
	double dts[9];

	while (argc > 1 && strncmp(argv[1], "--", 2) == 0 && !usage) {
		if (strcmp(argv[1], "--fill") == 0) {
			fill = true;
			argc--;
			argv++;
		} else if (strcmp(argv[1], "--rounds") == 0 && argc > 2 &&
		    wn_parse_u64(argv[2], 9, &rounds) && rounds > 0) {
			argc -= 2;
			argv += 2;
		} else {
			usage = true;
		}
	}
	if (usage || (fill && rounds > 1) || (argc != 4 && argc != 5) ||
	    !wn_parse_u64(argv[3], 10000000, &rows) ||
	    (argc == 5 && !wn_parse_u64(argv[4], 1000000, &ncases))) {
		fprintf(stderr, "usage: bench_signals [--fill | --rounds K] DATA "
		    "PASSFILE SIGNALS [CASES]\n");
		return 1;
	}
	/* the node's own name: the last part of DATA (lib.sh's node_init) */
	const char *base = strrchr(argv[1], '/');
	wn_strlcpy(org, base ? base + 1 : argv[1], sizeof(org));
	snprintf(key, sizeof(key), "%s/node.key", argv[1]);
	snprintf(db, sizeof(db), "%s/node.db", argv[1]);
	if (sec_init() != WN_OK ||
	    sec_passphrase_read_file(argv[2], &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(key, pass, &id, err, sizeof(err)) != WN_OK ||
	    node_store_open(db, id, false, &s, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "bench_signals: %s\n", err);
		return 1;
	}
	sec_secret_free(pass);
	int64_t before = count_rows(node_store_db(s),
	    "SELECT count(*) FROM signals");
	int64_t top = count_rows(node_store_db(s),
	    "SELECT ifnull(max(id), 0) FROM signals");
	int64_t cases0 = count_rows(node_store_db(s),
	    "SELECT count(*) FROM cases");
	int64_t now_ms = wn_now_ms();
	/* a fill is no measurement: a page cache that holds the indexes
	 * (the node's is SQLite's default, 2 MiB) makes it several times
	 * faster on a large store */
	if (fill && node_store_exec(s, "PRAGMA cache_size = -65536") != WN_OK)
		goto fail;
	if (before < 0 || top < 0 || cases0 < 0)
		goto fail;
	for (uint64_t r = 0; r < rounds; r++) {
		double t0 = now_s();
		if (rows > 0 && !signals(s, top, rows, now_ms))
			goto fail;
		dts[r] = now_s() - t0;
		if (r + 1 < rounds && !undo(s, top))
			goto fail;
	}
	char rs[128];
	size_t o = 0;
	for (uint64_t r = 0; r < rounds; r++)
		o += (size_t)snprintf(rs + o, sizeof(rs) - o, "%s%.3f",
		    r ? "," : "", dts[r]);
	qsort(dts, rounds, sizeof(dts[0]), by_value);
	double dt = dts[(rounds - 1) / 2];
	if (ncases > 0 &&
	    !cases(s, cases0, ncases, org, CFG_ROLE_COMMUNITY_GUARDS, now_ms,
		count_rows(node_store_db(s), "SELECT ifnull(max(id), 0) FROM "
		    "signals")))
		goto fail;
	/* the case with the most signals attached, for case signals */
	char busiest[64] = "";
	sqlite3_stmt *bq = NULL;
	if (sqlite3_prepare_v2(node_store_db(s), "SELECT case_id, count(*) "
		"FROM case_signals GROUP BY case_id ORDER BY 2 DESC, 1 LIMIT "
		"1", -1, &bq, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_step(bq) == SQLITE_ROW)
		snprintf(busiest, sizeof(busiest), "%s:%lld",
		    (const char *)sqlite3_column_text(bq, 0),
		    (long long)sqlite3_column_int64(bq, 1));
	sqlite3_finalize(bq);
	int64_t total = count_rows(node_store_db(s),
	    "SELECT count(*) FROM signals");
	int64_t tcases = count_rows(node_store_db(s),
	    "SELECT count(*) FROM cases");
	node_store_close(s);
	sec_identity_free(id);
	printf("before=%lld signals=%llu insert_s=%.3f rows_per_s=%.0f "
	       "rounds_s=%s total=%lld cases=%lld busiest_case=%s\n",
	    (long long)before, (unsigned long long)rows, dt,
	    rows > 0 ? (double)rows / dt : 0.0, rs, (long long)total,
	    (long long)tcases, busiest[0] ? busiest : "none");
	return 0;
fail:
	fprintf(stderr, "bench_signals: %s\n", node_store_errmsg(s));
	node_store_close(s);
	sec_identity_free(id);
	return 1;
}
