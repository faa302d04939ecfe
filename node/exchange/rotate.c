/*
 * rotate.c - a member's key rotation: new signing and key-agreement keys,
 * announced by the director in its charter.
 *
 * 1. The member (`key.rotate`) makes its next keys in a key file of their
 *    own, NODE_KEY_NEXT_FILE, under the same passphrase and store key
 *    (no passphrase asked: the identity keeps the key-file key), and
 *    hands the director the new bundle. It keeps signing with its old
 *    keys, but answers a session opened under its next key-agreement key
 *    too (a peer that learnt the new keys first: the director).
 * 2. The director (`peer.rekey`, the fingerprint confirmed as at
 *    enrolment) puts the new keys in the peer's row, the old ones in
 *    prev_* with an end (NODE_ROTATION_OVERLAP_MS), and publishes a new
 *    charter. Every member that applies it does the same with its row
 *    (charter.c). Until the rotating node signs with its new keys, or
 *    the overlap ends, a node takes both: signatures (peer_verify_env,
 *    peer_verify_cose) and session openings (the old pair key).
 * 3. The rotating node applies the charter that names its next keys
 *    (node_key_rotation_finish): the next key file becomes the key file,
 *    the identity adopts the new keys in place, and every peer's pair key
 *    and every session is made anew: from now on it signs and agrees
 *    keys with the new ones only.
 * 4. The first thing a node sees signed by the peer's new key ends the
 *    overlap there (prev_done, written to the store by the applier,
 *    peer_rotation_note): the old key is refused from then on.
 *
 * Nothing queued is lost: the outbox keeps bodies and each transfer is
 * sealed and signed when it goes out, so a message queued before the
 * rotation goes out under the keys in force when it is sent; a transfer
 * refused in between (signed with keys the receiver does not take yet, or
 * no longer) is a failed transfer, sent again.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"
#include "node/exchange/peer_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sqlcipher/sqlite3.h>

#define arg node_ctl_arg
#define fail node_ctl_fail

/* the sign key this node had before its last rotation, for its own chain
 * heads its checkers still hold (chain.c) */
#define META_PREV_SIGN "key_prev_sign_pk"
#define META_ROTATION "key_rotation_ms"

bool
peer_prev_usable(const struct node_peer *p)
{
	return p->has_prev && !atomic_load(&p->prev_done) &&
	    wn_now_ms() < p->prev_until_ms;
}

bool
peer_verify_env(struct node_peer *p, const struct proto_envelope *e)
{
	if (proto_envelope_verify(e, p->sign_pk)) {
		/* signed with its new key: its rotation is complete */
		if (p->has_prev)
			atomic_store(&p->prev_done, true);
		return true;
	}
	return peer_prev_usable(p) && proto_envelope_verify(e, p->prev_sign_pk);
}

bool
peer_verify_cose(struct node_peer *p, const struct proto_cose_sign1 *m)
{
	if (proto_cose_sign1_verify(m, p->sign_pk)) {
		if (p->has_prev)
			atomic_store(&p->prev_done, true);
		return true;
	}
	return peer_prev_usable(p) && proto_cose_sign1_verify(m, p->prev_sign_pk);
}

bool
peer_verify_sign_pk(struct node_peer *p, const uint8_t pk[SEC_SIGN_PK_LEN])
{
	return memcmp(pk, p->sign_pk, SEC_SIGN_PK_LEN) == 0 ||
	    (peer_prev_usable(p) &&
		memcmp(pk, p->prev_sign_pk, SEC_SIGN_PK_LEN) == 0);
}

wn_err
peer_rotation_note(struct node *n, struct node_peer *p)
{
	char fp[SEC_FINGERPRINT_LEN], d[200];
	struct sec_public pub;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (!p->has_prev || p->prev_stored || !atomic_load(&p->prev_done))
		return WN_OK;
	if (sqlite3_prepare_v2(node_store_db(n->store), "UPDATE peers SET "
		"prev_sign_pk = NULL, prev_kx_pk = NULL, prev_until_ms = NULL "
		"WHERE org_id = ? AND sign_pk = ?", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, p->sign_pk, SEC_SIGN_PK_LEN, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	memcpy(pub.sign_pk, p->sign_pk, sizeof(pub.sign_pk));
	memcpy(pub.kx_pk, p->kx_pk, sizeof(pub.kx_pk));
	sec_fingerprint(&pub, fp);
	snprintf(d, sizeof(d), "it signs with its new keys (%s): its old keys "
	    "are refused from now on", fp);
	if ((rc = node_audit_append(n->store, "system", "peer.rotated",
	    p->org_id, d)) != WN_OK)
		goto out;
	p->prev_stored = true;
	wn_log(WN_LOG_INFO, "key rotation of %s complete: its old keys are "
	    "refused from now on", p->org_id);
out:
	sqlite3_finalize(st);
	return rc;
}

static bool
key_path(struct node *n, const char *file, char *out, size_t cap)
{
	int len = snprintf(out, cap, "%s/%s", n->cfg.data_dir, file);
	return len > 0 && (size_t)len < cap;
}

wn_err
node_key_rotation_resume(struct node *n, const struct sec_secret *pass,
    char *err, size_t errlen)
{
	char path[4096];
	if (!key_path(n, NODE_KEY_NEXT_FILE, path, sizeof(path))) {
		snprintf(err, errlen, "data folder path too long");
		return WN_ECONFIG;
	}
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return WN_OK;
	wn_err rc = sec_identity_unlock(path, pass, &n->next_id, err, errlen);
	if (rc != WN_OK)
		return rc;
	if (!sec_identity_same_file_keys(n->id, n->next_id)) {
		sec_identity_free(n->next_id);
		n->next_id = NULL;
		snprintf(err, errlen, "%s: the next keys of a key rotation were "
		    "not made for this node's key file (another salt or store "
		    "key): move it away to start", path);
		return WN_ECORRUPT;
	}
	wn_log(WN_LOG_INFO, "a key rotation is under way: waiting for the "
	    "director's charter to name the new keys");
	return WN_OK;
}

static void
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

wn_err
node_key_rotation_finish(struct node *n)
{
	char next[4096], cur[4096], hex[65], fp[SEC_FINGERPRINT_LEN], d[200];
	wn_err rc;
	if (n->next_id == NULL)
		return WN_OK;
	if (!key_path(n, NODE_KEY_NEXT_FILE, next, sizeof(next)) ||
	    !key_path(n, NODE_KEY_CURRENT_FILE, cur, sizeof(cur)))
		return WN_ECONFIG;
	sec_hex(hex, sizeof(hex), sec_identity_public(n->id)->sign_pk,
	    SEC_SIGN_PK_LEN);
	if ((rc = node_store_meta_put(n->store, META_PREV_SIGN, hex)) !=
		WN_OK ||
	    (rc = node_store_meta_del(n->store, META_ROTATION)) != WN_OK)
		return rc;
	sec_fingerprint(sec_identity_public(n->next_id), fp);
	snprintf(d, sizeof(d), "the charter names this node's new keys (%s): "
	    "it signs and agrees keys with them from now on", fp);
	if ((rc = node_audit_append(n->store, "system", "key.rotated",
	    n->cfg.org_id, d)) != WN_OK)
		return rc;
	/* the old secret keys end with the old key file */
	if (rename(next, cur) != 0) {
		wn_log(WN_LOG_ERROR, "key rotation: cannot make %s the key "
		    "file: %s", next, strerror(errno));
		return WN_EIO;
	}
	sync_dir(n->cfg.data_dir);
	sec_identity_adopt(n->id, n->next_id);
	sec_identity_free(n->next_id);
	n->next_id = NULL;
	/* every pair key and session anew, under the new static keys */
	n->ex->rekey_all = true;
	n->ex->peers_dirty = true;
	wn_log(WN_LOG_INFO, "key rotation complete: this node signs with its "
	    "new keys (%s)", fp);
	return WN_OK;
}

bool
node_key_prev_own(struct node *n, uint8_t pk[SEC_SIGN_PK_LEN])
{
	char hex[80];
	return node_store_meta_get(n->store, META_PREV_SIGN, hex, sizeof(hex)) &&
	    sec_unhex(pk, SEC_SIGN_PK_LEN, hex);
}

/* bundle_reply: the bundle of keys pub, as `wijknetd public` prints it */
static void
bundle_reply(struct node_ctl_call *c, const struct sec_public *pub,
    bool made, int64_t since)
{
	struct node *n = c->n;
	char sign[65], kx[65], fp[SEC_FINGERPRINT_LEN];
	sec_hex(sign, sizeof(sign), pub->sign_pk, SEC_SIGN_PK_LEN);
	sec_hex(kx, sizeof(kx), pub->kx_pk, SEC_KX_PK_LEN);
	sec_fingerprint(pub, fp);
	proto_ctl_reply_begin(c->w, WN_OK, made ? "new keys made: give this "
	    "bundle to the director (wijknet peer rekey)" : "a key rotation "
	    "is under way: the director has not announced these keys yet", 1);
	proto_ctl_row_begin(c->w, 9);
	proto_ctl_field_text(c->w, "org_id", n->cfg.org_id);
	proto_ctl_field_text(c->w, "name", n->cfg.org_name);
	proto_ctl_field_text(c->w, "role", cfg_role_name(n->cfg.role));
	proto_ctl_field_text(c->w, "endpoint", n->cfg.listen);
	proto_ctl_field_text(c->w, "sign_key", sign);
	proto_ctl_field_text(c->w, "kx_key", kx);
	proto_ctl_field_text(c->w, "fingerprint", fp);
	proto_ctl_field_bool(c->w, "made_now", made);
	proto_ctl_field_int(c->w, "since_ms", since);
}

/* node_ctl_key_rotate: a member makes its next keys (or, with a rotation
 * under way, shows them again) */
static wn_err
node_ctl_key_rotate(struct node_ctl_call *c)
{
	struct node *n = c->n;
	char path[4096], err[512], val[32], fp[SEC_FINGERPRINT_LEN];
	struct sec_identity *nx = NULL;
	uint64_t since = 0;
	int64_t now = wn_now_ms();
	wn_err rc;
	if (n->is_director)
		return fail(c, WN_EDENIED, "this node is the director: its key "
		    "is rotated through the federation root (wijknetd root "
		    "delegate), not with key rotate");
	if (n->next_id != NULL) {
		if (node_store_meta_get(n->store, META_ROTATION, val,
			sizeof(val)))
			(void)wn_parse_u64(val, INT64_MAX, &since);
		bundle_reply(c, sec_identity_public(n->next_id), false,
		    (int64_t)since);
		return WN_OK;
	}
	if (!key_path(n, NODE_KEY_NEXT_FILE, path, sizeof(path)))
		return fail(c, WN_ECONFIG, "data folder path too long");
	if ((rc = sec_identity_next_create(n->id, path, &nx, err,
	    sizeof(err))) != WN_OK)
		return fail(c, rc, "cannot make the next keys: %s", err);
	snprintf(val, sizeof(val), "%lld", (long long)now);
	if ((rc = node_store_meta_put(n->store, META_ROTATION, val)) != WN_OK) {
		sec_identity_free(nx);
		(void)unlink(path);
		return rc;
	}
	n->next_id = nx;
	/* every peer's pair key with the next keys, for the sessions its
	 * peers open under them */
	n->ex->rekey_all = true;
	c->reload_peers = true;
	sec_fingerprint(sec_identity_public(nx), fp);
	snprintf(c->detail, sizeof(c->detail), "new keys %s, waiting for the "
	    "director's charter", fp);
	bundle_reply(c, sec_identity_public(nx), true, now);
	return WN_OK;
}

/* node_ctl_peer_rekey: the director takes a member's new keys */
static wn_err
node_ctl_peer_rekey(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *org = arg(c, "org_id");
	struct node_peer *p = node_peer_find(n, org);
	struct sec_public pub, old;
	char fp[SEC_FINGERPRINT_LEN], oldfp[SEC_FINGERPRINT_LEN];
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	int64_t until = wn_now_ms() + NODE_ROTATION_OVERLAP_MS;

	if (!n->is_director)
		return fail(c, WN_EDENIED, "this node is a member: only the "
		    "director announces a member's new keys (its charter)");
	if (p == NULL || p->gone)
		return fail(c, WN_ENOTFOUND, "'%s' is not enrolled: enrol it "
		    "with peer add", org);
	if ((rc = node_peer_keys_arg(c, &pub, fp, "the new keys",
		 "take them")) != WN_OK)
		return rc;
	rc = WN_EDB;
	if (memcmp(pub.sign_pk, p->sign_pk, 32) == 0 ||
	    memcmp(pub.kx_pk, p->kx_pk, 32) == 0)
		return fail(c, WN_EINVAL, "these are not new keys: '%s' holds "
		    "them already (both keys must be new)", org);
	memcpy(old.sign_pk, p->sign_pk, 32);
	memcpy(old.kx_pk, p->kx_pk, 32);
	sec_fingerprint(&old, oldfp);
	/* a rotation still open (the member never signed with the keys
	 * announced last: its next key file lost, say) keeps the keys it
	 * signs with as the old ones, not the ones it never used */
	if (sqlite3_prepare_v2(node_store_db(n->store), "UPDATE peers SET "
		"prev_sign_pk = CASE WHEN prev_sign_pk IS NOT NULL AND "
		"prev_until_ms > ?5 THEN prev_sign_pk ELSE sign_pk END, "
		"prev_kx_pk = CASE WHEN prev_sign_pk IS NOT NULL AND "
		"prev_until_ms > ?5 THEN prev_kx_pk ELSE kx_pk END, "
		"prev_until_ms = ?1, sign_pk = ?2, kx_pk = ?3 WHERE org_id = ?4",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, until);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	sqlite3_bind_blob(st, 2, pub.sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, pub.kx_pk, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, org, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	c->reload_peers = true;
	if ((rc = node_charter_publish(n)) != WN_OK) {
		fail(c, rc, "the new keys were not taken: publishing the "
		    "charter failed");
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "%s: new keys %s (were %s)",
	    org, fp, oldfp);
	proto_ctl_reply_begin(c->w, WN_OK, "new keys announced in the charter",
	    1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_text(c->w, "org_id", org);
	proto_ctl_field_text(c->w, "fingerprint", fp);
	proto_ctl_field_text(c->w, "old_fingerprint", oldfp);
	proto_ctl_field_int(c->w, "old_keys_until_ms", until);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static const struct node_ctl_cmd rotate_cmds[] = {
	{"key.rotate", CFG_USER_ADMINISTRATOR, node_ctl_key_rotate,
	    "make this node's next keys, for the director to announce", false},
	{"peer.rekey", CFG_USER_ADMINISTRATOR, node_ctl_peer_rekey,
	    "announce a member's new keys in the charter", false},
};

void
node_rotate_register(void)
{
	node_ctl_register(rotate_cmds, WN_ARRAY_LEN(rotate_cmds));
}
