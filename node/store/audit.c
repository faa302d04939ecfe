/*
 * audit.c - the append-only, hash-chained audit log.
 *
 * Record n holds hash(n) = BLAKE2b-256(hash(n-1) || seq || time || user ||
 * action || object || detail), integers as 8 big-endian bytes and each text
 * preceded by its 4-byte length, with hash(0) = 32 zero bytes. Triggers
 * forbid UPDATE and DELETE; someone who bypasses them (or edits the file
 * with the key) breaks the chain at the first record touched, and
 * node_audit_verify names it. Truncating the newest records is caught by
 * the signed chain head that peers keep (see PROTOCOL.md).
 */
#include "node/store/store.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

static void
be64(uint8_t out[8], int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		out[i] = (uint8_t)u;
		u >>= 8;
	}
}

static void
be32(uint8_t out[4], size_t v)
{
	for (int i = 3; i >= 0; i--) {
		out[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
record_hash(uint8_t out[SEC_HASH_LEN], const uint8_t prev[SEC_HASH_LEN],
    int64_t seq, int64_t time_ms, const char *const text[4])
{
	uint8_t nums[16], lens[4][4];
	struct sec_part parts[10];
	size_t n = 0;
	be64(nums, seq);
	be64(nums + 8, time_ms);
	parts[n++] = (struct sec_part){prev, SEC_HASH_LEN};
	parts[n++] = (struct sec_part){nums, sizeof(nums)};
	for (int i = 0; i < 4; i++) {
		size_t len = strlen(text[i]);
		be32(lens[i], len);
		parts[n++] = (struct sec_part){lens[i], 4};
		parts[n++] = (struct sec_part){text[i], len};
	}
	sec_hash(out, parts, n);
}

wn_err
node_audit_head(struct node_store *s, struct node_audit_head *out)
{
	wn_err rc = WN_EDB;
	struct node_audit_head h = {0};
	sqlite3_stmt *st = node_store_stmt(s, NODE_ST_AUDIT_HEAD,
	    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
	if (st == NULL)
		goto out;
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != SEC_HASH_LEN) {
			rc = WN_ECORRUPT;
			goto out;
		}
		h.seq = sqlite3_column_int64(st, 0);
		memcpy(h.hash, sqlite3_column_blob(st, 1), SEC_HASH_LEN);
	} else if (r != SQLITE_DONE) {
		goto out;
	}
	*out = h;
	rc = WN_OK;
out:
	if (st != NULL)
		sqlite3_reset(st); /* an open read would pin the WAL */
	return rc;
}

/* Inside the caller's transaction the record needs no savepoint of its
 * own: one INSERT into one b-tree checks before it writes, so it fails
 * whole, and a savepoint would make SQLite copy each page it touches into
 * the statement journal first (SQLCipher encrypts every copy). Outside
 * one, the record is its own transaction. */
wn_err
node_audit_append(struct node_store *s, const char *user, const char *action,
    const char *object, const char *detail)
{
	sqlite3 *db = node_store_db(s);
	struct node_audit_head head;
	uint8_t hash[SEC_HASH_LEN];
	const char *text[4] = {user, action, object ? object : "",
	    detail ? detail : ""};
	bool own = sqlite3_get_autocommit(db) != 0;
	sqlite3_stmt *st;
	wn_err rc;

	/* a record a power cut could undo after its head was signed and
	 * sent would look like a rollback: never in a lazy transaction */
	if (node_store_lazy(s))
		return WN_EINVAL;
	if (own && (rc = node_store_begin(s)) != WN_OK)
		return rc;
	if ((rc = node_audit_head(s, &head)) != WN_OK)
		goto out;
	int64_t seq = head.seq + 1, now = wn_now_ms();
	record_hash(hash, head.hash, seq, now, text);
	st = node_store_stmt(s, NODE_ST_AUDIT_INSERT,
	    "INSERT INTO audit (seq, time_ms, user, action, object, detail, "
	    "prev, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	rc = WN_EDB;
	if (st == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_int64(st, 2, now);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, 3 + i, text[i], -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, head.hash, SEC_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, hash, SEC_HASH_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = WN_OK;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st); /* the texts are the caller's */
out:
	if (own) {
		if (rc == WN_OK)
			rc = node_store_commit(s);
		if (rc != WN_OK)
			node_store_rollback(s);
	}
	return rc;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

wn_err
node_audit_verify(struct node_store *s, int64_t *count, int64_t *bad,
    char *why, size_t whylen)
{
	sqlite3_stmt *st = NULL;
	uint8_t prev[SEC_HASH_LEN] = {0}, hash[SEC_HASH_LEN];
	int64_t expect = 1, n = 0;
	wn_err rc = WN_EDB;
	*bad = 0;
	if (sqlite3_prepare_v2(node_store_db(s),
		"SELECT seq, time_ms, user, action, object, detail, prev, hash"
		" FROM audit ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "%s", node_store_errmsg(s));
		goto out;
	}
	for (;;) {
		int r = sqlite3_step(st);
		if (r == SQLITE_DONE)
			break;
		if (r != SQLITE_ROW) {
			snprintf(why, whylen, "reading the audit log: %s",
			    node_store_errmsg(s));
			rc = (r & 0xff) == SQLITE_CORRUPT ? WN_ECORRUPT : WN_EDB;
			goto out;
		}
		int64_t seq = sqlite3_column_int64(st, 0);
		const char *text[4] = {col_text(st, 2), col_text(st, 3),
		    col_text(st, 4), col_text(st, 5)};
		rc = WN_ECORRUPT;
		if (seq != expect) {
			*bad = expect;
			snprintf(why, whylen,
			    "record %lld is missing (next present is %lld)",
			    (long long)expect, (long long)seq);
			goto out;
		}
		if (sqlite3_column_bytes(st, 6) != SEC_HASH_LEN ||
		    sqlite3_column_bytes(st, 7) != SEC_HASH_LEN ||
		    memcmp(sqlite3_column_blob(st, 6), prev, SEC_HASH_LEN) != 0) {
			*bad = seq;
			snprintf(why, whylen,
			    "record %lld does not link to the record before it",
			    (long long)seq);
			goto out;
		}
		record_hash(hash, prev, seq, sqlite3_column_int64(st, 1), text);
		if (memcmp(hash, sqlite3_column_blob(st, 7), SEC_HASH_LEN) != 0) {
			*bad = seq;
			snprintf(why, whylen,
			    "record %lld was altered (its hash does not match "
			    "its content)",
			    (long long)seq);
			goto out;
		}
		memcpy(prev, hash, SEC_HASH_LEN);
		expect++;
		n++;
	}
	*count = n;
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_audit_tail(struct node_store *s, int64_t limit,
    void (*fn)(const struct node_audit_rec *, void *), void *arg)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(s),
		"SELECT seq, time_ms, user, action, object, detail FROM"
		" (SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, limit);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct node_audit_rec rec;
		rec.seq = sqlite3_column_int64(st, 0);
		rec.time_ms = sqlite3_column_int64(st, 1);
		wn_strlcpy(rec.user, col_text(st, 2), sizeof(rec.user));
		wn_strlcpy(rec.action, col_text(st, 3), sizeof(rec.action));
		wn_strlcpy(rec.object, col_text(st, 4), sizeof(rec.object));
		wn_strlcpy(rec.detail, col_text(st, 5), sizeof(rec.detail));
		fn(&rec, arg);
	}
	if (r == SQLITE_DONE)
		rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}
