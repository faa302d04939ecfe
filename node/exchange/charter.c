/*
 * charter.c - the federation charter: who the members are, their keys,
 * roles and endpoints, and which nodes direct cases.
 *
 * The director (a node whose config pins no director_key) keeps it: every
 * enrolment makes a new version, signed by the director's key as a
 * COSE_Sign1 of its own, stored, and queued for every member. A member
 * accepts a charter only if it is signed by the key pinned in its config
 * and its version is higher than the one it holds (no downgrade); it then
 * makes its peer table exactly the charter's members.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "protocol/delegation.h"
#include "protocol/envelope.h"

/* The charter and the matrix are both signed, versioned documents kept in
 * a table (version, signed, received_ms) of the same shape. */
/* node_charter_directs: does this node direct cases? The lead director does; a
 * member does when the director enrolled it with --directs, which the
 * member reads from its own entry in the newest charter it holds. Every
 * other node's CASE is refused by its receivers, so it must not open or
 * change one. */
/* held_key: the key the held charter in st's column 0 is checked with
 * (the director's, or the one the pinned root delegated) */
static bool
held_key(struct node *n, sqlite3_stmt *st, uint8_t key[SEC_SIGN_PK_LEN])
{
	struct proto_delegation d;
	char why[256];
	return node_root_key(n, sqlite3_column_blob(st, 0),
	    (size_t)sqlite3_column_bytes(st, 0), PROTO_MSG_CHARTER, key, &d,
	    why, sizeof(why)) == WN_OK;
}

bool
node_charter_directs(struct node *n)
{
	uint8_t key[SEC_SIGN_PK_LEN];
	struct proto_charter *ch;
	sqlite3_stmt *st = NULL;
	bool yes = false;
	if (n->is_director)
		return true;
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return false;
	if (sqlite3_prepare_v2(node_store_db(n->store), "SELECT signed FROM "
		"charter ORDER BY version DESC LIMIT 1", -1, &st, NULL) ==
		SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    held_key(n, st, key) &&
	    proto_charter_verify_signed(sqlite3_column_blob(st, 0),
		(size_t)sqlite3_column_bytes(st, 0), key, ch,
		NULL) == WN_OK)
		for (size_t i = 0; i < ch->nmembers; i++)
			if (strcmp(ch->members[i].org, n->cfg.org_id) == 0)
				yes = ch->members[i].directs;
	sqlite3_finalize(st);
	free(ch);
	return yes;
}

wn_err
node_charter_federation(struct node *n, char *out, size_t cap)
{
	struct proto_charter *ch = NULL;
	uint8_t key[SEC_SIGN_PK_LEN];
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (n->is_director) {
		/* the director's charters name its own org id */
		wn_strlcpy(out, n->cfg.org_id, cap);
		return WN_OK;
	}
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT signed FROM charter ORDER BY version DESC LIMIT 1", -1,
		&st, NULL) != SQLITE_OK)
		goto out;
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = WN_ENOTFOUND;
		goto out;
	}
	if (r != SQLITE_ROW || (ch = calloc(1, sizeof(*ch))) == NULL)
		goto out;
	/* it was verified when applied; verified again, as read back */
	rc = held_key(n, st, key) ? proto_charter_verify_signed(
	    sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
	    key, ch, NULL) : WN_ECRYPTO;
	if (rc != WN_OK) {
		rc = WN_ECORRUPT;
		goto out;
	}
	wn_strlcpy(out, ch->federation, cap);
out:
	sqlite3_finalize(st);
	free(ch);
	return rc;
}

wn_err
node_charter_publish(struct node *n)
{
	struct proto_charter *ch = calloc(1, sizeof(*ch));
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	int64_t v = node_store_versioned_max(n->store, "charter");

	if (ch == NULL || v < 0 ||
	    proto_writer_init_dynamic(&w, 4096, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	ch->version = (uint64_t)v + 1;
	wn_strlcpy(ch->federation, n->cfg.org_id, sizeof(ch->federation));
	ch->issued_ms = wn_now_ms();
	struct proto_member *self = &ch->members[ch->nmembers++];
	wn_strlcpy(self->org, n->cfg.org_id, sizeof(self->org));
	wn_strlcpy(self->name, n->cfg.org_name, sizeof(self->name));
	wn_strlcpy(self->role, cfg_role_name(n->cfg.role), sizeof(self->role));
	wn_strlcpy(self->endpoint, n->cfg.listen, sizeof(self->endpoint));
	memcpy(self->sign_pk, sec_identity_public(n->id)->sign_pk, 32);
	memcpy(self->kx_pk, sec_identity_public(n->id)->kx_pk, 32);
	self->directs = true;
	rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT org_id, name, role, endpoint, sign_pk, kx_pk, directs "
		"FROM peers ORDER BY org_id",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW &&
	    ch->nmembers < PROTO_CHARTER_MAX_MEMBERS) {
		struct proto_member *m = &ch->members[ch->nmembers++];
		wn_strlcpy(m->org, (const char *)sqlite3_column_text(st, 0),
		    sizeof(m->org));
		wn_strlcpy(m->name, (const char *)sqlite3_column_text(st, 1),
		    sizeof(m->name));
		wn_strlcpy(m->role, (const char *)sqlite3_column_text(st, 2),
		    sizeof(m->role));
		wn_strlcpy(m->endpoint, (const char *)sqlite3_column_text(st, 3),
		    sizeof(m->endpoint));
		memcpy(m->sign_pk, sqlite3_column_blob(st, 4), 32);
		memcpy(m->kx_pk, sqlite3_column_blob(st, 5), 32);
		m->directs = sqlite3_column_int(st, 6) != 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = proto_charter_sign(ch, node_sign, n->id, &w)) != WN_OK ||
	    (rc = node_root_attach(n, &w)) != WN_OK ||
	    (rc = node_store_versioned_put(n->store, "charter",
		ch->version, w.buf, w.len)) != WN_OK)
		goto out;
	/* queue it for every member: node_outbox_push needs the peer
	 * rows only, which the caller's transaction already holds */
	for (size_t i = 1; i < ch->nmembers; i++) {
		struct node_peer tmp = {0};
		wn_strlcpy(tmp.org_id, ch->members[i].org, sizeof(tmp.org_id));
		if ((rc = node_outbox_push(n, &tmp, PROTO_MSG_CHARTER, w.buf,
			 w.len)) != WN_OK)
			goto out;
	}
	/* its hash after it, so that a member holds it when the hash comes */
	if ((rc = node_root_note(n, PROTO_MSG_CHARTER, ch->version, w.buf,
	    w.len)) != WN_OK)
		goto out;
	char detail[96];
	snprintf(detail, sizeof(detail), "version %llu, %zu members",
	    (unsigned long long)ch->version, ch->nmembers);
	rc = node_audit_append(n->store, "system", "charter.published",
	    n->cfg.org_id, detail);
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(ch);
	return rc;
}

wn_err
node_charter_apply(struct node *n, const uint8_t *buf, size_t len, char *why,
    size_t whylen)
{
	struct proto_charter *ch = calloc(1, sizeof(*ch));
	struct proto_delegation dlg;
	uint8_t key[SEC_SIGN_PK_LEN];
	struct proto_error perr;
	sqlite3 *db = node_store_db(n->store);
	sqlite3_stmt *up = NULL;
	wn_err rc = WN_ENOMEM;
	int64_t held;

	if (ch == NULL)
		goto out;
	if (n->is_director) {
		snprintf(why, whylen, "this node is the director: it accepts "
		    "no charter");
		rc = WN_EDENIED;
		goto out;
	}
	if ((rc = node_root_key(n, buf, len, PROTO_MSG_CHARTER, key, &dlg,
	    why, whylen)) != WN_OK)
		goto out;
	rc = proto_charter_verify_signed(buf, len, key, ch, &perr);
	if (rc == WN_ECRYPTO) {
		snprintf(why, whylen, n->has_root ? "charter not signed by the "
		    "key its delegation names" : "charter not signed by the "
		    "pinned director key");
		goto out;
	}
	if (rc != WN_OK) {
		snprintf(why, whylen, "malformed charter at byte %zu: %s",
		    perr.offset, perr.msg);
		goto out;
	}
	held = node_store_versioned_max(n->store, "charter");
	if ((int64_t)ch->version <= held) {
		snprintf(why, whylen, "charter version %llu is not newer than "
		    "the %lld held (no downgrade)",
		    (unsigned long long)ch->version, (long long)held);
		rc = WN_EDENIED;
		goto out;
	}
	if ((rc = node_root_admit(n, &dlg, PROTO_MSG_CHARTER, ch->version,
	    held, ch->issued_ms, why, whylen)) != WN_OK)
		goto out;
	/* a member's key no key can be agreed with (or no valid signing
	 * key) would make this node refuse to start once stored: the whole
	 * charter is refused, with an alert (audited by apply.c after the
	 * message's savepoint is rolled back) */
	for (size_t i = 0; i < ch->nmembers; i++) {
		const struct proto_member *m = &ch->members[i];
		struct sec_public pub;
		memcpy(pub.sign_pk, m->sign_pk, sizeof(pub.sign_pk));
		memcpy(pub.kx_pk, m->kx_pk, sizeof(pub.kx_pk));
		const char *bad = strcmp(m->org, n->cfg.org_id) == 0 ? NULL
		    : sec_public_check(&pub);
		if (bad != NULL) {
			snprintf(why, whylen, "charter version %llu refused: the "
			    "keys of member '%s' cannot be used: %s",
			    (unsigned long long)ch->version, m->org, bad);
			wn_strlcpy(n->ex->alert, why, sizeof(n->ex->alert));
			rc = WN_EDENIED;
			goto out;
		}
	}
	rc = WN_EDB;
	/* the table becomes exactly the charter's other members */
	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS keep (org_id "
			     "TEXT PRIMARY KEY); DELETE FROM keep",
		NULL, NULL, NULL) != SQLITE_OK)
		goto out;
	for (size_t i = 0; i < ch->nmembers; i++) {
		const struct proto_member *m = &ch->members[i];
		if (strcmp(m->org, n->cfg.org_id) == 0)
			continue;
		const char *sql[] = {
		    "INSERT OR IGNORE INTO peers (org_id, name, role, endpoint,"
		    " sign_pk, kx_pk, directs, added_ms) VALUES (?1, ?2, ?3, "
		    "?4, ?5, ?6, ?7, ?8)",
		    /* new keys: a key rotation (rotate.c): the old ones
		     * are kept, taken until the member signs with the new
		     * ones or for NODE_ROTATION_OVERLAP_MS at most */
		    /* (a rotation still open, never completed, keeps
		     * the keys the member signs with as its old ones) */
		    "UPDATE peers SET name = ?2, role = ?3, endpoint = ?4, "
		    "prev_until_ms = CASE WHEN sign_pk = ?5 AND kx_pk = ?6 "
		    "THEN prev_until_ms ELSE ?8 + ?9 END, "
		    "prev_sign_pk = CASE WHEN sign_pk = ?5 AND kx_pk = ?6 "
		    "THEN prev_sign_pk WHEN prev_sign_pk IS NOT NULL AND "
		    "prev_until_ms > ?8 THEN prev_sign_pk ELSE sign_pk END, "
		    "prev_kx_pk = CASE WHEN sign_pk = ?5 AND kx_pk = ?6 "
		    "THEN prev_kx_pk WHEN prev_sign_pk IS NOT NULL AND "
		    "prev_until_ms > ?8 THEN prev_kx_pk ELSE kx_pk END, "
		    "sign_pk = ?5, kx_pk = ?6, directs = ?7 WHERE org_id = ?1",
		    "INSERT OR IGNORE INTO keep VALUES (?1)",
		};
		for (size_t q = 0; q < WN_ARRAY_LEN(sql); q++) {
			if (sqlite3_prepare_v2(db, sql[q], -1, &up, NULL) !=
			    SQLITE_OK)
				goto out;
			sqlite3_bind_text(up, 1, m->org, -1, SQLITE_STATIC);
			if (q < 2) {
				sqlite3_bind_text(up, 2, m->name, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(up, 3, m->role, -1,
				    SQLITE_STATIC);
				sqlite3_bind_text(up, 4, m->endpoint, -1,
				    SQLITE_STATIC);
				sqlite3_bind_blob(up, 5, m->sign_pk, 32,
				    SQLITE_STATIC);
				sqlite3_bind_blob(up, 6, m->kx_pk, 32,
				    SQLITE_STATIC);
				sqlite3_bind_int(up, 7, m->directs);
				sqlite3_bind_int64(up, 8, wn_now_ms());
				if (q == 1)
					sqlite3_bind_int64(up, 9,
					    NODE_ROTATION_OVERLAP_MS);
			}
			if (sqlite3_step(up) != SQLITE_DONE)
				goto out;
			sqlite3_finalize(up);
			up = NULL;
		}
	}
	if (sqlite3_exec(db, "DELETE FROM peers WHERE org_id NOT IN (SELECT "
			     "org_id FROM keep)",
		NULL, NULL, NULL) != SQLITE_OK ||
	    node_store_versioned_put(n->store, "charter", ch->version, buf,
		len) != WN_OK ||
	    node_root_note(n, PROTO_MSG_CHARTER, ch->version, buf, len) !=
		WN_OK)
		goto out;
	char detail[96];
	snprintf(detail, sizeof(detail), "version %llu, %zu members",
	    (unsigned long long)ch->version, ch->nmembers);
	if ((rc = node_audit_append(n->store, "system", "charter.applied",
	    ch->federation, detail)) != WN_OK)
		goto out;
	n->ex->peers_dirty = true;
	/* the director announced this node's next keys: its key rotation
	 * completes (rotate.c) */
	for (size_t i = 0; i < ch->nmembers && n->next_id != NULL; i++) {
		const struct proto_member *m = &ch->members[i];
		const struct sec_public *nx = sec_identity_public(n->next_id);
		if (strcmp(m->org, n->cfg.org_id) == 0 &&
		    memcmp(m->sign_pk, nx->sign_pk, 32) == 0 &&
		    memcmp(m->kx_pk, nx->kx_pk, 32) == 0)
			rc = node_key_rotation_finish(n);
	}
out:
	sqlite3_finalize(up);
	free(ch);
	return rc;
}
