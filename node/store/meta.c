/*
 * meta.c - the store's meta table: a few named values (when the store was
 * created, rollback marks of the chain heads) read and written in the
 * caller's transaction. Moved here from exchange/chain.c.
 */
#include "node/store/store.h"

#include <sqlcipher/sqlite3.h>

bool
node_store_meta_get(struct node_store *s, const char *key, char *out,
    size_t cap)
{
	sqlite3_stmt *st = NULL;
	bool found = false;
	if (sqlite3_prepare_v2(node_store_db(s),
		"SELECT value FROM meta WHERE key = ?", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *t = sqlite3_column_text(st, 0);
			wn_strlcpy(out, t ? (const char *)t : "", cap);
			found = true;
		}
	}
	sqlite3_finalize(st);
	return found;
}

wn_err
node_store_meta_put(struct node_store *s, const char *key,
    const char *value)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(s),
		"INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
		&st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_store_meta_del(struct node_store *s, const char *key)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(s),
		"DELETE FROM meta WHERE key = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}
