/*
 * bench_fill.c - makes a stopped node's store look like years of work for
 * `make bench`: ROWS messages already received from a peer (the inbox and
 * data_in rows the exchange writes for each one) and one audit record per
 * 64 of them, as the receiver writes them.
 *
 *   bench_fill DATA PASSFILE PEER ROWS
 *
 * PEER is a name of its own (not a member: its rows sit in the same tables
 * and indexes as everyone's). Prints one line of key=value pairs; exit 0,
 * or 1 on any error (with a message on stderr).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "node/store/store.h"

int main(int argc, char **argv);

#define PER_TX 10000

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char err[1024], key[4200], db[4200];
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	struct node_store *s = NULL;
	sqlite3_stmt *in = NULL, *da = NULL;
	uint64_t rows;
	uint8_t hash[32], msg_id[16], body[64];

	if (argc != 5 || !wn_parse_u64(argv[4], 100000000, &rows)) {
		fprintf(stderr, "usage: bench_fill DATA PASSFILE PEER ROWS\n");
		return 1;
	}
	snprintf(key, sizeof(key), "%s/node.key", argv[1]);
	snprintf(db, sizeof(db), "%s/node.db", argv[1]);
	if (sec_init() != WN_OK ||
	    sec_passphrase_read_file(argv[2], &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(key, pass, &id, err, sizeof(err)) != WN_OK ||
	    node_store_open(db, id, false, &s, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "bench_fill: %s\n", err);
		return 1;
	}
	sec_secret_free(pass);
	double t0 = now_s();
	if (sqlite3_prepare_v2(node_store_db(s),
		"INSERT INTO inbox (peer, seq, msg_id, type, env_hash, "
		"received_ms) VALUES (?, ?, ?, 3, ?, ?)",
		-1, &in, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(node_store_db(s),
		"INSERT INTO data_in (peer, seq, body) VALUES (?, ?, ?)", -1,
		&da, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_fill: %s\n", node_store_errmsg(s));
		return 1;
	}
	memset(body, 'f', sizeof(body));
	for (uint64_t i = 1; i <= rows; i++) {
		if (i % PER_TX == 1 && node_store_begin(s) != WN_OK)
			goto fail;
		sec_random(msg_id, sizeof(msg_id));
		sec_random(hash, sizeof(hash));
		sqlite3_bind_text(in, 1, argv[3], -1, SQLITE_STATIC);
		sqlite3_bind_int64(in, 2, (int64_t)i);
		sqlite3_bind_blob(in, 3, msg_id, 16, SQLITE_STATIC);
		sqlite3_bind_blob(in, 4, hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(in, 5, wn_now_ms());
		sqlite3_bind_text(da, 1, argv[3], -1, SQLITE_STATIC);
		sqlite3_bind_int64(da, 2, (int64_t)i);
		sqlite3_bind_blob(da, 3, body, sizeof(body), SQLITE_STATIC);
		if (sqlite3_step(in) != SQLITE_DONE ||
		    sqlite3_step(da) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(in);
		sqlite3_reset(da);
		if (i % 64 == 0 &&
		    node_audit_append(s, argv[3], "peer.received", argv[3],
			"64 messages (bench_fill)") != WN_OK)
			goto fail;
		if ((i % PER_TX == 0 || i == rows) &&
		    node_store_commit(s) != WN_OK)
			goto fail;
	}
	sqlite3_finalize(in);
	sqlite3_finalize(da);
	node_store_close(s);
	sec_identity_free(id);
	printf("rows=%llu fill_s=%.1f\n", (unsigned long long)rows,
	    now_s() - t0);
	return 0;
fail:
	fprintf(stderr, "bench_fill: %s\n", node_store_errmsg(s));
	return 1;
}
