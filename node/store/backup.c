/*
 * backup.c - a consistent, encrypted copy of a store while it is in use.
 *
 * SQLCipher 3.4.1 is SQLite 3.15.2: no VACUUM INTO. The copy is SQLite's
 * online backup API from a connection of its own (WAL mode: the daemon
 * writes on meanwhile) into a new file keyed with the same raw key and
 * the same cipher page size, so every page is decrypted from the source
 * and encrypted again for the copy: nothing reaches the disk in plain
 * text (SQLCipher refuses a backup between a keyed and an unkeyed file,
 * or with another page size). The source's read transaction is opened
 * before the first step and held until the last, so a copy made in
 * several steps (for its progress) is one snapshot: writes by the daemon
 * after it began are not in it, and do not restart it.
 */
#include "node/store/store.h"

#include <errno.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#define STEP_PAGES 256

static bool
is_full(sqlite3 *db)
{
	int ec = sqlite3_extended_errcode(db) & 0xff;
	int se = sqlite3_system_errno(db);
	return ec == SQLITE_FULL ||
	    (ec == SQLITE_IOERR && (se == ENOSPC || se == EFBIG || se == EDQUOT));
}

static wn_err
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? WN_OK
								   : WN_EDB;
}

static wn_err
key_new(sqlite3 *db, struct sec_identity *id)
{
	struct sec_secret *key = NULL;
	wn_err rc = sec_identity_store_pragma(id, &key);
	if (rc != WN_OK)
		return rc;
	rc = exec(db, key->data);
	sec_secret_free(key);
	if (rc == WN_OK)
		rc = exec(db, "PRAGMA cipher_page_size = 4096");
	return rc;
}

static wn_err
meta_put(sqlite3 *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta (key, value) "
				   "VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return WN_EDB;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = WN_OK;
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_store_backup(struct node_store *s, struct sec_identity *id,
    const char *path, const char *const *meta, size_t nmeta,
    void (*progress)(void *, int64_t, int64_t), void *arg, char *err,
    size_t errlen)
{
	sqlite3 *src = node_store_db(s), *dst = NULL;
	sqlite3_backup *b = NULL;
	bool in_read = false;
	wn_err rc = WN_EDB;
	int r = SQLITE_OK;

	/* the snapshot: one read transaction for every step */
	if (exec(src, "BEGIN") != WN_OK ||
	    exec(src, "SELECT count(*) FROM sqlite_master") != WN_OK) {
		snprintf(err, errlen, "cannot read the store: %s",
		    sqlite3_errmsg(src));
		goto out;
	}
	in_read = true;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE |
		SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    key_new(dst, id) != WN_OK) {
		snprintf(err, errlen, "%s: cannot create the copy: %s", path,
		    dst ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	/* the copy is written once, then closed: no WAL beside it */
	if (exec(dst, "PRAGMA journal_mode = DELETE") != WN_OK ||
	    exec(dst, "PRAGMA synchronous = FULL") != WN_OK ||
	    exec(dst, "PRAGMA secure_delete = ON") != WN_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(dst));
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(err, errlen, "%s: cannot start the copy: %s", path,
		    sqlite3_errmsg(dst));
		goto out;
	}
	do {
		r = sqlite3_backup_step(b, STEP_PAGES);
		if (progress != NULL)
			progress(arg, sqlite3_backup_pagecount(b) -
				sqlite3_backup_remaining(b),
			    sqlite3_backup_pagecount(b));
	} while (r == SQLITE_OK || r == SQLITE_BUSY || r == SQLITE_LOCKED);
	r = sqlite3_backup_finish(b);
	b = NULL;
	if (r != SQLITE_OK)
		goto failed;
	/* what the copy carries beside the store, inside its encryption */
	if (exec(dst, "BEGIN IMMEDIATE") != WN_OK)
		goto failed;
	for (size_t i = 0; i + 1 < 2 * nmeta; i += 2)
		if (meta_put(dst, meta[i], meta[i + 1]) != WN_OK) {
			exec(dst, "ROLLBACK");
			goto failed;
		}
	if (exec(dst, "COMMIT") != WN_OK) {
		exec(dst, "ROLLBACK");
		goto failed;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot close the copy", path);
		dst = NULL;
		goto out;
	}
	dst = NULL;
	rc = WN_OK;
	goto out;
failed:
	if (is_full(dst)) {
		snprintf(err, errlen, "%s: the disk is full (or a file size "
		    "limit was reached)", path);
		rc = WN_EIO;
	} else {
		snprintf(err, errlen, "%s: cannot copy the store: %s", path,
		    sqlite3_errmsg(dst));
	}
out:
	if (b != NULL)
		sqlite3_backup_finish(b);
	if (dst != NULL)
		sqlite3_close_v2(dst);
	if (in_read)
		exec(src, "COMMIT");
	return rc;
}
