/*
 * store.h - the node's encrypted store (SQLCipher) and its audit log.
 *
 * One database per node. Only node/ includes sqlite3.h; other modules see
 * struct node_store. Not thread safe: the daemon serialises access.
 *
 * The store room (ARCHITECTURE.md) owns opening and keying the SQLCipher
 * file, the numbered migrations (the whole schema), prepared statement
 * slots, transactions, the hash-chained audit log (audit.c) and the meta
 * table (meta.c). It may use no other room of node/: every room uses it.
 */
#ifndef NODE_STORE_H
#define NODE_STORE_H

#include "config/wn.h"
#include "crypto/sec.h"

struct node_store;
struct sqlite3;

/* node_store_open opens (create: or creates) the database at path, keys it
 * from the identity, checks that every pragma took effect (page size, WAL,
 * synchronous=FULL) and migrates it to the newest schema. A wrong key or a
 * damaged file gives WN_ECORRUPT with the file named in err. Without
 * create, a missing file or one without a schema (emptied, truncated to 0
 * bytes) gives WN_ENOTFOUND and is left as it is: only init makes a store. */
WN_NODISCARD wn_err node_store_open(const char *path, struct sec_identity *id,
    bool create, struct node_store **out, char *err, size_t errlen);

/* node_store_open_at is node_store_open that migrates only up to schema
 * version `version` (for migration tests; 0 or one at or below the
 * store's: it migrates nothing). */
WN_NODISCARD wn_err node_store_open_at(const char *path,
    struct sec_identity *id, bool create, int version,
    struct node_store **out, char *err, size_t errlen);

/* node_store_open_as_is is node_store_open (without create) for a store a
 * daemon may be running on (wijknetd backup): it migrates nothing, and
 * refuses with WN_EDB, both versions in err, a store whose schema version
 * is not this build's, older or newer (a binary upgraded before the
 * daemon was restarted: the daemon's migrations are its own business). */
WN_NODISCARD wn_err node_store_open_as_is(const char *path,
    struct sec_identity *id, struct node_store **out, char *err,
    size_t errlen);

/* node_store_checkpointer_start moves WAL checkpoints off the commit path
 * onto a thread with its own connection (see store.c); node_store_close
 * stops it. node_store_checkpoints is how many it has run;
 * node_store_checkpoint_wait waits (at most timeout_ms) until n have. */
WN_NODISCARD wn_err node_store_checkpointer_start(struct node_store *s,
    struct sec_identity *id, char *err, size_t errlen);
uint64_t node_store_checkpoints(struct node_store *s);
bool node_store_checkpoint_wait(struct node_store *s, uint64_t n,
    int64_t timeout_ms);

/* node_store_backup (backup.c) copies s, as it stands when the copy
 * begins (one read transaction: the daemon's writes go on meanwhile, not
 * into the copy), into a new SQLCipher file at path, keyed with the same
 * key from id, page by page (never in plain text), calling progress(arg,
 * pages copied, pages in all) after each step (may be NULL). Then it puts
 * nmeta key/value pairs (meta[2i], meta[2i+1]) into the copy's meta
 * table, inside its encryption. The caller makes path unique and removes
 * it (and path-journal) on failure; the copy is complete and closed on
 * WN_OK. A full disk (or file size limit) gives WN_EIO, other failures
 * WN_EDB; err says which, naming path. */
WN_NODISCARD wn_err node_store_backup(struct node_store *s,
    struct sec_identity *id, const char *path, const char *const *meta,
    size_t nmeta, void (*progress)(void *, int64_t, int64_t), void *arg,
    char *err, size_t errlen);

/* node_store_close closes; accepts NULL. */
void node_store_close(struct node_store *s);

/* node_store_db borrows the SQLite handle (node/ only). */
struct sqlite3 *node_store_db(struct node_store *s);

/* node_store_version is the schema version (PRAGMA user_version). */
int node_store_version(struct node_store *s);
/* node_store_latest_version is the newest schema this build knows. */
int node_store_latest_version(void);

/* node_store_migrate migrates up to version (at most the latest), each step
 * in its own transaction. */
WN_NODISCARD wn_err node_store_migrate(struct node_store *s, int version,
    char *err, size_t errlen);

/* Transactions. begin is BEGIN IMMEDIATE; its commit is fsync'd
 * (synchronous = FULL) before it returns. */
WN_NODISCARD wn_err node_store_begin(struct node_store *s);
/* node_store_begin_lazy begins a transaction whose commit is written to the
 * WAL but not fsync'd (synchronous = NORMAL for that one transaction): a
 * crash of the process loses nothing, a power cut may undo it, and the
 * next fsync'd commit makes it durable too (the WAL is one file, recovered
 * as a prefix). Only for a change whose loss is harmless and never for an
 * audit record: the sender's deletion of delivered messages (undone, they
 * are sent again and the receiver knows them as retries). */
WN_NODISCARD wn_err node_store_begin_lazy(struct node_store *s);
/* node_store_lazy: a lazy transaction is open (audit appends refuse). */
bool node_store_lazy(const struct node_store *s);
WN_NODISCARD wn_err node_store_commit(struct node_store *s);
void node_store_rollback(struct node_store *s);

/* node_store_stmt is a prepared statement kept for the store's lifetime
 * (slot: one of enum node_store_slot; sql the same for a slot every time),
 * reset and unbound; NULL on error. Finalised by node_store_close. The
 * store's own slots come first; NODE_ST_PEER and the 16 after it are
 * node/exchange/peer_int.h's, NODE_ST_NEED and the 4 after it need/'s. */
enum node_store_slot {
	NODE_ST_AUDIT_HEAD,
	NODE_ST_AUDIT_INSERT,
	NODE_ST_PEER,
	NODE_ST_NEED = NODE_ST_PEER + 16,
	NODE_ST_N = NODE_ST_NEED + 4
};
struct sqlite3_stmt *node_store_stmt(struct node_store *s,
    enum node_store_slot slot, const char *sql);

/* node_store_exec runs SQL without results (no parameters). */
WN_NODISCARD wn_err node_store_exec(struct node_store *s, const char *sql);

/* node_store_check runs PRAGMA quick_check (every page is read and its
 * HMAC verified). WN_ECORRUPT with a message on any damage. */
WN_NODISCARD wn_err node_store_check(struct node_store *s, char *err,
    size_t errlen);

/* node_store_full: the last failure on the store was a full disk (no
 * space, quota, or a file size limit). Ask right after the failure, before
 * anything else runs on the store (a rollback resets it). */
bool node_store_full(struct node_store *s);

/* node_store_changes counts the rows changed on this connection since it
 * opened: a caller compares two counts to learn whether something wrote. */
int64_t node_store_changes(struct node_store *s);

/* node_store_errmsg is the last SQLite error text (borrowed). */
const char *node_store_errmsg(struct node_store *s);

/* The meta table (node/store/meta.c), in the caller's transaction:
 * node_store_meta_get copies a value into out (false: none, or a store
 * error); node_store_meta_put sets one (replacing it), node_store_meta_del
 * removes one. */
bool node_store_meta_get(struct node_store *s, const char *key, char *out,
    size_t cap);
WN_NODISCARD wn_err node_store_meta_put(struct node_store *s,
    const char *key, const char *value);
WN_NODISCARD wn_err node_store_meta_del(struct node_store *s,
    const char *key);

/* Tables of signed, versioned documents (the exchange's `charter`, need/'s
 * `matrix`: version, signed, received_ms), each used only by the room that
 * owns it (store/versioned.c; table is a name from code, never input):
 * node_store_versioned_max is the highest version held (0 none, -1 on a
 * store error), node_store_versioned_put keeps a new one. */
int64_t node_store_versioned_max(struct node_store *s, const char *table);
WN_NODISCARD wn_err node_store_versioned_put(struct node_store *s,
    const char *table, uint64_t version, const uint8_t *buf, size_t len);

/* The audit log: append-only, hash-chained. Each record's hash is
 * BLAKE2b-256(prev hash || seq || time || user || action || object ||
 * detail) with lengths, so altering, inserting or deleting a record breaks
 * the chain at that record. */
struct node_audit_head {
	int64_t seq; /* 0 when empty */
	uint8_t hash[SEC_HASH_LEN];
};

/* node_audit_append appends one record: in the caller's transaction when
 * there is one (a failure leaves nothing of the record), else in one of
 * its own. user names the person
 * (or "system"); no secret may be passed. */
WN_NODISCARD wn_err node_audit_append(struct node_store *s, const char *user,
    const char *action, const char *object, const char *detail);

/* node_audit_head reads the newest record's index and hash. */
WN_NODISCARD wn_err node_audit_head(struct node_store *s,
    struct node_audit_head *out);

/* node_audit_verify walks the whole chain. On a break it returns
 * WN_ECORRUPT, sets *bad to the sequence number of the first broken record
 * and explains in why. *count is the number of records checked. */
WN_NODISCARD wn_err node_audit_verify(struct node_store *s, int64_t *count,
    int64_t *bad, char *why, size_t whylen);

/* One record as read back. */
struct node_audit_rec {
	int64_t seq, time_ms;
	char user[64], action[64], object[256], detail[1024];
};

/* node_audit_tail calls fn for the last `limit` records, oldest first. */
WN_NODISCARD wn_err node_audit_tail(struct node_store *s, int64_t limit,
    void (*fn)(const struct node_audit_rec *, void *), void *arg);

#endif
