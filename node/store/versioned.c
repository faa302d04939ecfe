/*
 * versioned.c - tables of signed, versioned documents: the exchange's
 * charters and need/'s matrices are kept alike (version, the signed
 * bytes, when received); each room names its own table.
 */
#include "node/store/store.h"

#include <stdio.h>

#include <sqlcipher/sqlite3.h>

int64_t
node_store_versioned_max(struct node_store *s, const char *table)
{
	sqlite3_stmt *st = NULL;
	char sql[96];
	int64_t v = -1;
	snprintf(sql, sizeof(sql), "SELECT ifnull(max(version), 0) FROM %s",
	    table);
	if (sqlite3_prepare_v2(node_store_db(s), sql, -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

wn_err
node_store_versioned_put(struct node_store *s, const char *table,
    uint64_t version, const uint8_t *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	char sql[128];
	wn_err rc = WN_EDB;
	snprintf(sql, sizeof(sql), "INSERT INTO %s (version, signed, "
	    "received_ms) VALUES (?, ?, ?)", table);
	if (sqlite3_prepare_v2(node_store_db(s), sql, -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)version);
		sqlite3_bind_blob(st, 2, buf, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}
