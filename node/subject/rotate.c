/*
 * rotate.c - the rotation of the federation's token key (issue 11).
 *
 * The director (subject.key_rotate) makes a new key beside the old one,
 * which it keeps until the end of the transition (subject_keys.until_ms),
 * re-derives the tokens of its own subjects at once, and tells every
 * member (TOKEN_ROTATE, announce). A member re-derives each subject it
 * holds a token of the old key for (TOKEN_REQUEST naming the old key,
 * "from": counted against the tokens it got under the old key, not the
 * daily limit), and, as each answer comes, moves its own cases and
 * concerns from the old token to the new one and tells the director the
 * pairs (TOKEN_ROTATE, moves). The director moves its concerns_held of
 * that member and its cases of which that member is a member; it learns
 * that two tokens name one person, which it could not tell apart before
 * either, never who. Tokens are a hash of the identifier with the
 * unblinded element (crypto/oprf.c, Finalize): the director cannot map
 * an old token to a new one itself, only a member that holds the
 * identifier can. The first member to name a new token for an old one
 * is taken; another that names a different one is audited as a conflict
 * and changes nothing. subject.key_finish (or the periodic check at
 * until_ms) destroys the old key (its row zeroed, then deleted), tells
 * the members (TOKEN_ROTATE, gone), and re-matches the concerns moved;
 * from then on a re-derivation or a move naming the old key is refused,
 * and so is a concern on a token the director knows to be of it.
 *
 * No identifier, token or point goes into a log or an audit record:
 * counts, key ids, members and fingerprints only.
 */
#include "node/subject/concern_int.h"
#include "node/subject/token_int.h"

#include "node/need/need.h"
#include "protocol/token_wire.h"

#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROTATE_KEY "subject.rotate" /* a member: "OLD NEW UNTIL_MS" */
#define GONE_KEY "subject.key_gone" /* a member: "OLD GONE_MS" */
#define DAY_MS ((int64_t)86400000)

static const char key_info[] = "wijknet federation subject tokens";

/* ---- what both sides read ------------------------------------------- */

/* open_rotation (the director): the rotation open, if any: the old key's
 * row epoch and id, and until when it is kept. *open false: none. */
static wn_err
open_rotation(struct node *n, bool *open, int64_t *old_epoch,
    uint64_t *old_id, int64_t *until_ms)
{
	sqlite3_stmt *st = token_prep(n, "SELECT epoch, sk, until_ms FROM "
					 "subject_keys WHERE until_ms IS NOT "
					 "NULL ORDER BY epoch LIMIT 1");
	struct sec_oprf_key *k = NULL;
	wn_err rc = WN_EDB;
	int s;
	*open = false;
	if (st == NULL)
		return WN_EDB;
	if ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = WN_ECORRUPT;
		if (sqlite3_column_bytes(st, 1) != SEC_OPRF_SCALAR_LEN ||
		    sec_oprf_key_import(sqlite3_column_blob(st, 1), &k) !=
			WN_OK ||
		    sec_oprf_key_id(k, old_id) != WN_OK)
			goto out;
		*old_epoch = sqlite3_column_int64(st, 0);
		*until_ms = sqlite3_column_int64(st, 2);
		*open = true;
		rc = WN_OK;
	} else if (s == SQLITE_DONE)
		rc = WN_OK;
out:
	sec_oprf_key_free(k);
	sqlite3_finalize(st);
	return rc;
}

/* key_gone_at: when key id was destroyed here (0: it was not) */
static int64_t
key_gone_at(struct node *n, uint64_t id)
{
	sqlite3_stmt *st = token_prep(n, "SELECT gone_ms FROM token_keys_gone "
					 "WHERE key_id = ?");
	int64_t at = 0;
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, (int64_t)id);
	if (sqlite3_step(st) == SQLITE_ROW)
		at = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return at;
}

bool
node_subject_token_gone(struct node *n, const uint8_t token[32],
    uint64_t *key_id, int64_t *gone_ms)
{
	sqlite3_stmt *st = token_prep(n, "SELECT m.key_id, g.gone_ms FROM "
					 "token_moves m JOIN token_keys_gone g "
					 "ON g.key_id = m.key_id WHERE m.old = "
					 "?");
	bool gone = false;
	if (st == NULL)
		return false;
	sqlite3_bind_blob(st, 1, token, 32, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*key_id = (uint64_t)sqlite3_column_int64(st, 0);
		*gone_ms = sqlite3_column_int64(st, 1);
		gone = true;
	}
	sqlite3_finalize(st);
	return gone;
}

static void
moment(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm);
}

bool
node_subject_token_gone_words(struct node *n, const uint8_t token[32],
    char *why, size_t cap)
{
	uint64_t id = 0;
	int64_t at = 0;
	char when[40];
	if (!node_subject_token_gone(n, token, &id, &at))
		return false;
	moment(at, when, sizeof(when));
	snprintf(why, cap, "a token of key %llu, destroyed on %s: it names "
	    "no one any more (the subject's token under the key in force "
	    "is another)", (unsigned long long)id, when);
	return true;
}

/* rotate_push encodes t and queues it for p */
static wn_err
rotate_push(struct node *n, struct node_peer *p,
    const struct proto_token_rotate *t)
{
	struct proto_writer w;
	wn_err rc = proto_writer_init_dynamic(&w, 256, PROTO_BODY_MAX - 1);
	if (rc != WN_OK)
		return rc;
	if ((rc = proto_token_rotate_encode(t, &w)) == WN_OK)
		rc = node_outbox_push(n, p, PROTO_MSG_TOKEN_ROTATE, w.buf, w.len);
	proto_writer_release(&w);
	return rc;
}

/* tell_members sends t to every enrolled peer (the director) */
static wn_err
tell_members(struct node *n, const struct proto_token_rotate *t,
    size_t *told)
{
	struct node_peer *p;
	size_t i = 0;
	wn_err rc;
	*told = 0;
	while ((p = node_peer_next(n, &i)) != NULL) {
		if (p->gone)
			continue;
		if ((rc = rotate_push(n, p, t)) != WN_OK)
			return rc;
		(*told)++;
	}
	return WN_OK;
}

/* move_own: this node's own cases and concerns on token old name new
 * from now on (a member's re-derived subject, or the director's own) */
static wn_err
move_own(struct node *n, const uint8_t old[32], const uint8_t new[32],
    size_t *cases, size_t *concerns)
{
	sqlite3_stmt *st;
	size_t moved = 0;
	wn_err rc;
	if ((rc = node_need_case_token_move(n, old, new, NULL, &moved)) !=
	    WN_OK)
		return rc;
	*cases += moved;
	if ((st = token_prep(n, "UPDATE concerns SET token = ?1 WHERE token = "
				"?2")) == NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, new, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, old, 32, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	*concerns += (size_t)sqlite3_changes(node_store_db(n->store));
	sqlite3_finalize(st);
	return WN_OK;
}

/* ---- the director: the moves a member names ------------------------- */

/* held_move: partner's concern on old is on new from now on */
static wn_err
held_move(struct node *n, const char *partner, const uint8_t old[32],
    const uint8_t new[32], size_t *moved)
{
	sqlite3_stmt *st = token_prep(n, "UPDATE OR IGNORE concerns_held SET "
					 "token = ?1 WHERE partner = ?3 AND "
					 "token = ?2");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, new, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, old, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, partner, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	*moved += (size_t)sqlite3_changes(node_store_db(n->store));
	sqlite3_finalize(st);
	return WN_OK;
}

/* move_one (the director): partner names new as the token under the new
 * key of what it held as old under key old_id. *conflict: another
 * member named another new token for old first: nothing changes. */
static wn_err
move_one(struct node *n, const char *partner, uint64_t old_id,
    const uint8_t old[32], const uint8_t new[32], bool own, size_t *cases,
    size_t *concerns, bool *conflict)
{
	sqlite3_stmt *st = token_prep(n, "SELECT new FROM token_moves WHERE "
					 "old = ?");
	size_t moved = 0;
	wn_err rc;
	int s;
	*conflict = false;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, old, 32, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		*conflict = sqlite3_column_bytes(st, 0) != 32 ||
		    memcmp(sqlite3_column_blob(st, 0), new, 32) != 0;
	sqlite3_finalize(st);
	if (s != SQLITE_ROW && s != SQLITE_DONE)
		return WN_EDB;
	if (*conflict)
		return WN_OK;
	if (s == SQLITE_DONE) {
		if ((st = token_prep(n, "INSERT INTO token_moves (old, new, "
					"key_id, partner, moved_ms) VALUES (?, "
					"?, ?, ?, ?)")) == NULL)
			return WN_EDB;
		sqlite3_bind_blob(st, 1, old, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, new, 32, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)old_id);
		sqlite3_bind_text(st, 4, partner, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, wn_now_ms());
		if ((rc = token_run(st)) != WN_OK)
			return rc;
	}
	if (own) {
		/* the director's own: its cases and concerns, and its own
		 * concerns among those it holds */
		if ((rc = move_own(n, old, new, cases, concerns)) != WN_OK)
			return rc;
		return held_move(n, n->cfg.org_id, old, new, &moved);
	}
	if ((rc = node_need_case_token_move(n, old, new, partner, &moved)) !=
	    WN_OK)
		return rc;
	*cases += moved;
	return held_move(n, partner, old, new, concerns);
}

static wn_err
moves_apply(struct node *n, struct node_peer *from,
    const struct proto_token_rotate *t, char *why, size_t whylen)
{
	uint64_t old_id = 0, cur_id = 0;
	int64_t old_epoch = 0, until = 0, gone;
	size_t cases = 0, concerns = 0, conflicts = 0;
	struct sec_oprf_key *k = NULL;
	bool open = false, conflict = false;
	char when[40], d[300];
	wn_err rc;
	if ((gone = key_gone_at(n, t->old_key)) != 0) {
		moment(gone, when, sizeof(when));
		snprintf(why, whylen, "key %llu was destroyed on %s: its tokens "
		    "are refused", (unsigned long long)t->old_key, when);
		return WN_EINVAL;
	}
	if ((rc = open_rotation(n, &open, &old_epoch, &old_id, &until)) !=
	    WN_OK)
		return rc;
	if ((rc = node_subject_key_get(n, &k, &cur_id)) != WN_OK)
		return rc;
	sec_oprf_key_free(k);
	if (!open || old_id != t->old_key || cur_id != t->new_key) {
		snprintf(why, whylen, "no rotation from key %llu to key %llu "
		    "is open here", (unsigned long long)t->old_key,
		    (unsigned long long)t->new_key);
		return WN_EINVAL;
	}
	for (size_t i = 0; i < t->count; i++) {
		if ((rc = move_one(n, from->org_id, t->old_key, t->old[i],
			 t->new[i], false, &cases, &concerns, &conflict)) !=
		    WN_OK)
			return rc;
		conflicts += conflict;
	}
	snprintf(d, sizeof(d), "%zu tokens of key %llu named under key %llu: "
	    "%zu cases and %zu concerns moved", t->count,
	    (unsigned long long)t->old_key, (unsigned long long)t->new_key,
	    cases, concerns);
	if (conflicts != 0) {
		snprintf(d + strlen(d), sizeof(d) - strlen(d), "; %zu named "
		    "another new token than a member named before: left as "
		    "they were", conflicts);
		wn_log(WN_LOG_WARN, "ALERT for the administrator: subjects: "
		    "%s named %zu moves that another member named otherwise "
		    "before (audit subject.tokens_moved)", from->org_id,
		    conflicts);
	}
	wn_log(WN_LOG_INFO, "subjects: %s: %s", from->org_id, d);
	return node_audit_append(n->store, "system", "subject.tokens_moved",
	    from->org_id, d);
}

/* ---- a member: the director announces ------------------------------- */

/* rotation_of (a member): the rotation the director announced and not
 * yet ended: false when none */
static bool
rotation_of(struct node *n, uint64_t *old_id, uint64_t *new_id,
    int64_t *until)
{
	char v[80];
	unsigned long long o, w;
	long long u;
	if (!node_store_meta_get(n->store, ROTATE_KEY, v, sizeof(v)) ||
	    sscanf(v, "%llu %llu %lld", &o, &w, &u) != 3)
		return false;
	*old_id = o;
	*new_id = w;
	*until = u;
	return true;
}

bool
node_subject_rotation_new(struct node *n, uint64_t key_id)
{
	uint64_t o, w;
	int64_t u;
	return rotation_of(n, &o, &w, &u) && w == key_id;
}

wn_err
node_subject_rederive(struct node *n, size_t *asked)
{
	struct proto_token_request *q = NULL;
	sqlite3_stmt *st = NULL, *up = NULL;
	struct node_peer *p;
	char fed[PROTO_ORG_ID_MAX + 1];
	uint64_t old_id, new_id;
	int64_t until, now = token_now(), today = now / DAY_MS * DAY_MS;
	size_t i = 0;
	wn_err rc = WN_EDB;
	*asked = 0;
	if (n->is_director || !rotation_of(n, &old_id, &new_id, &until) ||
	    node_charter_federation(n, fed, sizeof(fed)) != WN_OK ||
	    (p = node_peer_find(n, fed)) == NULL || p->gone)
		return WN_OK;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return WN_ENOMEM;
	sec_random(q->id, sizeof(q->id));
	q->from = old_id;
	st = token_prep(n, "SELECT ref, ident FROM subjects WHERE token IS NOT "
			   "NULL AND epoch = ? AND (request_id IS NULL OR "
			   "asked_ms IS NULL OR asked_ms <= ?) AND (refused IS "
			   "NULL OR refused_ms < ?) ORDER BY created_ms, ref "
			   "LIMIT ?");
	up = token_prep(n, "UPDATE subjects SET request_id = ?, pos = ?, blind "
			   "= ?, asked_ms = ?, refused = NULL, refused_ms = "
			   "NULL WHERE ref = ?");
	if (st == NULL || up == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, (int64_t)old_id);
	sqlite3_bind_int64(st, 2, now - NODE_SUBJECT_ASK_AGAIN_MS);
	sqlite3_bind_int64(st, 3, today);
	sqlite3_bind_int(st, 4, PROTO_TOKEN_BATCH_MAX);
	/* the rows are read whole before any is changed (token.c) */
	struct {
		char ref[PROTO_ORG_ID_MAX + 1];
		char form[NODE_SUBJECT_MAX];
	} *pd = calloc(PROTO_TOKEN_BATCH_MAX, sizeof(*pd));
	size_t count = 0;
	int s = SQLITE_DONE;
	if (pd == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	while (count < PROTO_TOKEN_BATCH_MAX &&
	    (s = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		const char *form = (const char *)sqlite3_column_text(st, 1);
		if (ref == NULL || form == NULL ||
		    wn_strlcpy(pd[count].ref, ref, sizeof(pd[count].ref)) >=
			sizeof(pd[count].ref) ||
		    wn_strlcpy(pd[count].form, form, sizeof(pd[count].form)) >=
			sizeof(pd[count].form)) {
			rc = WN_ECORRUPT;
			goto wipe;
		}
		count++;
	}
	if (count < PROTO_TOKEN_BATCH_MAX && s != SQLITE_DONE)
		goto wipe;
	sqlite3_reset(st);
	for (i = 0; i < count; i++) {
		struct sec_oprf_blind b;
		if ((rc = sec_oprf_blind(pd[i].form, strlen(pd[i].form), &b,
			 q->el[i])) != WN_OK)
			goto wipe;
		sqlite3_reset(up);
		sqlite3_bind_blob(up, 1, q->id, sizeof(q->id), SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, (int64_t)i);
		sqlite3_bind_blob(up, 3, b.r, sizeof(b.r), SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 4, now);
		sqlite3_bind_text(up, 5, pd[i].ref, -1, SQLITE_STATIC);
		s = sqlite3_step(up);
		sec_oprf_blind_release(&b);
		if (s != SQLITE_DONE) {
			rc = WN_EDB;
			goto wipe;
		}
	}
	rc = WN_OK;
	if (count != 0) {
		q->count = count;
		if ((rc = token_push(n, p, PROTO_MSG_TOKEN_REQUEST, q, NULL)) ==
		    WN_OK) {
			wn_log(WN_LOG_INFO, "subjects: %zu tokens of key %llu "
			    "asked again under key %llu of %s", count,
			    (unsigned long long)old_id,
			    (unsigned long long)new_id, p->org_id);
			*asked = count;
		}
	}
wipe:
	sec_wipe(pd, PROTO_TOKEN_BATCH_MAX * sizeof(*pd));
	free(pd);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	free(q);
	return rc;
}

wn_err
node_subject_moves_send(struct node *n, struct node_peer *to,
    uint64_t old_id, uint64_t new_id, const uint8_t (*old)[32],
    const uint8_t (*new)[32], size_t count)
{
	struct proto_token_rotate *t;
	size_t cases = 0, concerns = 0;
	char d[200];
	wn_err rc = WN_OK;
	if (count == 0)
		return WN_OK;
	for (size_t i = 0; i < count && rc == WN_OK; i++)
		rc = move_own(n, old[i], new[i], &cases, &concerns);
	if (rc != WN_OK)
		return rc;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WN_ENOMEM;
	t->kind = PROTO_TOKEN_ROTATE_MOVES;
	t->old_key = old_id;
	t->new_key = new_id;
	t->count = count;
	memcpy(t->old, old, count * 32);
	memcpy(t->new, new, count * 32);
	rc = rotate_push(n, to, t);
	sec_wipe(t, sizeof(*t));
	free(t);
	if (rc != WN_OK)
		return rc;
	snprintf(d, sizeof(d), "%zu tokens re-derived under key %llu: %zu "
	    "cases and %zu concerns here moved to them; the director told",
	    count, (unsigned long long)new_id, cases, concerns);
	wn_log(WN_LOG_INFO, "subjects: %s", d);
	return node_audit_append(n->store, "system", "subject.tokens_rederived",
	    to->org_id, d);
}

static wn_err
announce_apply(struct node *n, struct node_peer *from,
    const struct proto_token_rotate *t)
{
	char v[80], when[40], d[300];
	size_t asked = 0, runs = 0;
	wn_err rc;
	if (t->kind == PROTO_TOKEN_ROTATE_GONE) {
		snprintf(v, sizeof(v), "%llu %lld",
		    (unsigned long long)t->old_key, (long long)t->at_ms);
		if ((rc = node_store_meta_put(n->store, GONE_KEY, v)) != WN_OK ||
		    (rc = node_store_meta_del(n->store, ROTATE_KEY)) != WN_OK)
			return rc;
		moment(t->at_ms, when, sizeof(when));
		snprintf(d, sizeof(d), "the director destroyed token key %llu "
		    "on %s; tokens are of key %llu", (unsigned long long)
		    t->old_key, when, (unsigned long long)t->new_key);
		wn_log(WN_LOG_INFO, "subjects: %s", d);
		return node_audit_append(n->store, "system",
		    "subject.key_destroyed", from->org_id, d);
	}
	snprintf(v, sizeof(v), "%llu %llu %lld",
	    (unsigned long long)t->old_key, (unsigned long long)t->new_key,
	    (long long)t->at_ms);
	if ((rc = node_store_meta_put(n->store, ROTATE_KEY, v)) != WN_OK)
		return rc;
	moment(t->at_ms, when, sizeof(when));
	snprintf(d, sizeof(d), "the director rotates its token key: key %llu "
	    "from now on, key %llu destroyed on %s; this node's subjects are "
	    "re-derived", (unsigned long long)t->new_key,
	    (unsigned long long)t->old_key, when);
	wn_log(WN_LOG_INFO, "subjects: %s", d);
	if ((rc = node_audit_append(n->store, "system", "subject.key_rotated",
		 from->org_id, d)) != WN_OK)
		return rc;
	do {
		if ((rc = node_subject_rederive(n, &asked)) != WN_OK)
			return rc;
	} while (asked == PROTO_TOKEN_BATCH_MAX && ++runs < 1000);
	return WN_OK;
}

static wn_err
rotate_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_token_rotate *t;
	struct proto_error perr = {0};
	char fed[PROTO_ORG_ID_MAX + 1];
	wn_err rc;
	(void)h;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WN_ENOMEM;
	if (proto_token_rotate_decode(body, len, t, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed token rotation at byte %zu: "
		    "%s", perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	if (n->is_director) {
		if (t->kind != PROTO_TOKEN_ROTATE_MOVES) {
			snprintf(why, whylen, "only the federation's director "
			    "rotates its token key");
			rc = WN_EDENIED;
			goto out;
		}
		rc = moves_apply(n, from, t, why, whylen);
		goto out;
	}
	if (t->kind == PROTO_TOKEN_ROTATE_MOVES ||
	    node_charter_federation(n, fed, sizeof(fed)) != WN_OK ||
	    strcmp(fed, from->org_id) != 0) {
		snprintf(why, whylen, "a token key is rotated by the "
		    "federation's director only, and told its moves");
		rc = WN_EDENIED;
		goto out;
	}
	rc = announce_apply(n, from, t);
	if (rc == WN_OK)
		node_peer_kick(n);
out:
	sec_wipe(t, sizeof(*t));
	free(t);
	return rc;
}

/* ---- the director: rotate, finish ----------------------------------- */

/* own_rederive (the director): its own subjects of key old_id get their
 * tokens under key k (new_id) and their cases and concerns follow;
 * *count how many */
static wn_err
own_rederive(struct node *n, struct sec_oprf_key *k, uint64_t old_id,
    uint64_t new_id, size_t *count, size_t *cases, size_t *concerns)
{
	sqlite3_stmt *st = token_prep(n, "SELECT ref, ident, token FROM "
					 "subjects WHERE token IS NOT NULL AND "
					 "epoch = ? ORDER BY ref LIMIT 1000");
	sqlite3_stmt *up = token_prep(n, "UPDATE subjects SET token = ?, epoch "
					 "= ? WHERE ref = ?");
	struct {
		char ref[PROTO_ORG_ID_MAX + 1];
		char form[NODE_SUBJECT_MAX];
		uint8_t old[32];
	} *pd = calloc(1000, sizeof(*pd));
	size_t got;
	bool conflict = false;
	wn_err rc = WN_EDB;
	if (st == NULL || up == NULL)
		goto out;
	if (pd == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	sqlite3_bind_int64(st, 1, (int64_t)old_id);
	do {
		int s = SQLITE_DONE;
		got = 0;
		sqlite3_reset(st);
		while (got < 1000 && (s = sqlite3_step(st)) == SQLITE_ROW) {
			const char *ref = (const char *)sqlite3_column_text(st,
			    0);
			const char *form = (const char *)sqlite3_column_text(st,
			    1);
			if (ref == NULL || form == NULL ||
			    sqlite3_column_bytes(st, 2) != 32 ||
			    wn_strlcpy(pd[got].ref, ref, sizeof(pd[got].ref)) >=
				sizeof(pd[got].ref) ||
			    wn_strlcpy(pd[got].form, form,
				sizeof(pd[got].form)) >= sizeof(pd[got].form)) {
				rc = WN_ECORRUPT;
				goto out;
			}
			memcpy(pd[got].old, sqlite3_column_blob(st, 2), 32);
			got++;
		}
		if (got < 1000 && s != SQLITE_DONE)
			goto out;
		sqlite3_reset(st);
		for (size_t i = 0; i < got; i++) {
			struct sec_oprf_blind b;
			uint8_t bl[SEC_OPRF_ELEMENT_LEN], ev[SEC_OPRF_ELEMENT_LEN];
			uint8_t tok[NODE_SUBJECT_TOKEN_LEN];
			if ((rc = sec_oprf_blind(pd[i].form, strlen(pd[i].form),
				 &b, bl)) != WN_OK)
				goto out;
			if ((rc = sec_oprf_evaluate(k, bl, ev)) != WN_OK) {
				sec_oprf_blind_release(&b);
				goto out;
			}
			if ((rc = token_of(pd[i].form, &b, ev, tok)) != WN_OK)
				goto out;
			rc = WN_EDB;
			sqlite3_reset(up);
			sqlite3_bind_blob(up, 1, tok, 32, SQLITE_TRANSIENT);
			sqlite3_bind_int64(up, 2, (int64_t)new_id);
			sqlite3_bind_text(up, 3, pd[i].ref, -1, SQLITE_STATIC);
			if (sqlite3_step(up) != SQLITE_DONE)
				goto out;
			if ((rc = move_one(n, n->cfg.org_id, old_id, pd[i].old,
				 tok, true, cases, concerns, &conflict)) !=
			    WN_OK)
				goto out;
			sec_wipe(tok, sizeof(tok));
		}
		*count += got;
	} while (got == 1000);
	rc = WN_OK;
out:
	if (pd != NULL) {
		sec_wipe(pd, 1000 * sizeof(*pd));
		free(pd);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	return rc;
}

wn_err
node_ctl_subject_key_rotate(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *days_s = node_ctl_arg(c, "days");
	struct sec_oprf_key *cur = NULL, *k = NULL;
	struct proto_token_rotate *t = NULL;
	uint8_t seed[SEC_OPRF_SEED_LEN], sk[SEC_OPRF_SCALAR_LEN];
	uint64_t days = 14, old_id = 0, new_id = 0, ignore = 0;
	int64_t now = wn_now_ms(), until, old_epoch = 0, e = 0;
	size_t count = 0, cases = 0, concerns = 0, told = 0;
	bool open = false;
	char when[40], msg[400];
	sqlite3_stmt *st = NULL;
	wn_err rc;
	if (!n->is_director)
		return node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director holds its token key");
	if (days_s[0] != '\0' && (!wn_parse_u64(days_s, 365, &days) ||
				     days == 0))
		return node_ctl_fail(c, WN_EINVAL, "the transition is 1 to "
		    "365 days");
	if ((rc = open_rotation(n, &open, &old_epoch, &ignore, &e)) != WN_OK)
		return rc;
	if (open) {
		moment(e, when, sizeof(when));
		return node_ctl_fail(c, WN_EBUSY, "a rotation is open: key "
		    "%llu is destroyed on %s (or by `wijknet subject key "
		    "finish`); rotate again after that",
		    (unsigned long long)ignore, when);
	}
	if ((rc = node_subject_key_get(n, &cur, &old_id)) != WN_OK)
		return rc;
	sec_oprf_key_free(cur);
	sec_random(seed, sizeof(seed));
	rc = sec_oprf_key_derive(seed, key_info, sizeof(key_info) - 1, &k);
	sec_wipe(seed, sizeof(seed));
	if (rc != WN_OK || (rc = sec_oprf_key_id(k, &new_id)) != WN_OK)
		goto out;
	rc = WN_EDB;
	until = now + (int64_t)days * DAY_MS;
	if ((st = token_prep(n, "UPDATE subject_keys SET until_ms = ? WHERE "
				"epoch = (SELECT max(epoch) FROM "
				"subject_keys)")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, until);
	if ((rc = token_run(st)) != WN_OK)
		goto out;
	sec_oprf_key_export(k, sk);
	if ((st = token_prep(n, "INSERT INTO subject_keys (epoch, sk, "
				"created_ms) VALUES ((SELECT max(epoch) + 1 "
				"FROM subject_keys), ?, ?)")) != NULL) {
		sqlite3_bind_blob(st, 1, sk, sizeof(sk), SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
	}
	rc = token_run(st);
	st = NULL;
	sec_wipe(sk, sizeof(sk));
	if (rc != WN_OK ||
	    (rc = own_rederive(n, k, old_id, new_id, &count, &cases,
		 &concerns)) != WN_OK)
		goto out;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	t->kind = PROTO_TOKEN_ROTATE_ANNOUNCE;
	t->old_key = old_id;
	t->new_key = new_id;
	t->at_ms = until;
	if ((rc = tell_members(n, t, &told)) != WN_OK)
		goto out;
	moment(until, when, sizeof(when));
	snprintf(msg, sizeof(msg), "the federation's token key is now key "
	    "%llu; key %llu is kept until %s, then destroyed. %zu subject%s "
	    "of this node re-derived (%zu cases, %zu concerns moved); %zu "
	    "member%s told to re-derive theirs", (unsigned long long)new_id,
	    (unsigned long long)old_id, when, count, count == 1 ? "" : "s",
	    cases, concerns, told, told == 1 ? "" : "s");
	snprintf(c->detail, sizeof(c->detail), "token key %llu made, key "
	    "%llu kept until %s; %zu own subjects re-derived, %zu members "
	    "told", (unsigned long long)new_id, (unsigned long long)old_id,
	    when, count, told);
	c->kick = told != 0;
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	rc = WN_OK;
out:
	free(t);
	sqlite3_finalize(st);
	sec_oprf_key_free(k);
	return rc;
}

/* finish (the director): destroys the old key of the open rotation */
static wn_err
finish(struct node *n, uint64_t *old_id, uint64_t *new_id, size_t *told,
    bool *kick)
{
	struct proto_token_rotate *t = NULL;
	struct sec_oprf_key *k = NULL;
	sqlite3_stmt *st = NULL;
	int64_t old_epoch = 0, until = 0, now = wn_now_ms();
	bool open = false;
	wn_err rc;
	*told = 0;
	if ((rc = open_rotation(n, &open, &old_epoch, old_id, &until)) !=
	    WN_OK)
		return rc;
	if (!open)
		return WN_ENOTFOUND;
	if ((rc = node_subject_key_get(n, &k, new_id)) != WN_OK)
		return rc;
	sec_oprf_key_free(k);
	/* zeroed first, then deleted (the store runs with secure_delete on:
	 * the cell is overwritten), so that no page of the store keeps the
	 * key; the old page images in the WAL go at its next checkpoint */
	if ((st = token_prep(n, "UPDATE subject_keys SET sk = zeroblob(32) "
				"WHERE epoch = ?")) != NULL)
		sqlite3_bind_int64(st, 1, old_epoch);
	if ((rc = token_run(st)) != WN_OK)
		return rc;
	if ((st = token_prep(n, "DELETE FROM subject_keys WHERE epoch = ?")) !=
	    NULL)
		sqlite3_bind_int64(st, 1, old_epoch);
	if ((rc = token_run(st)) != WN_OK)
		return rc;
	if ((st = token_prep(n, "INSERT OR REPLACE INTO token_keys_gone "
				"(key_id, gone_ms) VALUES (?, ?)")) != NULL) {
		sqlite3_bind_int64(st, 1, (int64_t)*old_id);
		sqlite3_bind_int64(st, 2, now);
	}
	if ((rc = token_run(st)) != WN_OK)
		return rc;
	/* the concerns moved: matched again on their new tokens, now that
	 * every member that re-derived has named its moves */
	if ((st = token_prep(n, "SELECT DISTINCT token FROM concerns_held")) ==
	    NULL)
		return WN_EDB;
	uint8_t (*tok)[32] = NULL;
	size_t ntok = 0, cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != 32)
			continue;
		if (ntok == cap) {
			void *m = realloc(tok, (cap = cap ? 2 * cap : 64) * 32);
			if (m == NULL) {
				sqlite3_finalize(st);
				free(tok);
				return WN_ENOMEM;
			}
			tok = m;
		}
		memcpy(tok[ntok++], sqlite3_column_blob(st, 0), 32);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < ntok && rc == WN_OK; i++)
		rc = node_concern_rematch(n, tok[i], kick);
	free(tok);
	if (rc != WN_OK)
		return rc;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return WN_ENOMEM;
	t->kind = PROTO_TOKEN_ROTATE_GONE;
	t->old_key = *old_id;
	t->new_key = *new_id;
	t->at_ms = now;
	rc = tell_members(n, t, told);
	free(t);
	*kick |= *told != 0;
	if (rc != WN_OK)
		return rc;
	char d[200];
	snprintf(d, sizeof(d), "token key %llu destroyed (zeroed and deleted "
	    "from the store); tokens are of key %llu; its tokens are refused",
	    (unsigned long long)*old_id, (unsigned long long)*new_id);
	wn_log(WN_LOG_INFO, "subjects: %s", d);
	return node_audit_append(n->store, "system", "subject.key_destroyed",
	    "", d);
}

wn_err
node_ctl_subject_key_finish(struct node_ctl_call *c)
{
	uint64_t old_id = 0, new_id = 0;
	size_t told = 0;
	bool kick = false;
	char msg[300];
	wn_err rc;
	if (!c->n->is_director)
		return node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director holds its token key");
	rc = finish(c->n, &old_id, &new_id, &told, &kick);
	if (rc == WN_ENOTFOUND)
		return node_ctl_fail(c, rc, "no rotation is open: nothing to "
		    "finish");
	if (rc != WN_OK)
		return rc;
	snprintf(msg, sizeof(msg), "token key %llu destroyed; tokens are of "
	    "key %llu from now on, and those of key %llu are refused; %zu "
	    "member%s told", (unsigned long long)old_id,
	    (unsigned long long)new_id, (unsigned long long)old_id, told,
	    told == 1 ? "" : "s");
	snprintf(c->detail, sizeof(c->detail), "token key %llu destroyed, "
	    "key %llu in force", (unsigned long long)old_id,
	    (unsigned long long)new_id);
	c->kick = kick;
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}

/* count_where: count(*) of subjects with cond, bound to one key id */
static int64_t
count_where(struct node *n, const char *sql, uint64_t id)
{
	sqlite3_stmt *st = token_prep(n, sql);
	int64_t v = 0;
	if (st == NULL)
		return 0;
	sqlite3_bind_int64(st, 1, (int64_t)id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

wn_err
node_ctl_subject_key_status(struct node_ctl_call *c)
{
	struct node *n = c->n;
	uint64_t old_id = 0, new_id = 0;
	int64_t until = 0, old_epoch = 0, gone = 0;
	bool open = false;
	char v[80], msg[400], when[40];
	wn_err rc;
	if (n->is_director) {
		struct sec_oprf_key *k = NULL;
		if ((rc = open_rotation(n, &open, &old_epoch, &old_id,
			 &until)) != WN_OK ||
		    (rc = node_subject_key_get(n, &k, &new_id)) != WN_OK)
			return rc;
		sec_oprf_key_free(k);
	} else {
		open = rotation_of(n, &old_id, &new_id, &until);
		if (!open && node_store_meta_get(n->store, "subject.key_id",
				 v, sizeof(v)))
			if (!wn_parse_u64(v, PROTO_TOKEN_KEY_ID_MAX, &new_id))
				new_id = 0;
	}
	if (!open && node_store_meta_get(n->store, GONE_KEY, v, sizeof(v))) {
		unsigned long long o;
		long long g;
		if (sscanf(v, "%llu %lld", &o, &g) == 2) {
			old_id = o;
			gone = g;
		}
	}
	if (!open && n->is_director) {
		sqlite3_stmt *st = token_prep(n, "SELECT key_id, gone_ms FROM "
						 "token_keys_gone ORDER BY "
						 "gone_ms DESC LIMIT 1");
		if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
			old_id = (uint64_t)sqlite3_column_int64(st, 0);
			gone = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	}
	int64_t total = count_where(n, "SELECT count(*) FROM subjects WHERE "
					"token IS NOT NULL OR ?1 = 0", 1);
	int64_t on_new = count_where(n, "SELECT count(*) FROM subjects WHERE "
					 "epoch = ?", new_id);
	int64_t on_old = old_id != 0 ? count_where(n, "SELECT count(*) FROM "
						      "subjects WHERE epoch = "
						      "?", old_id)
				     : 0;
	int64_t asked = old_id != 0 ? count_where(n, "SELECT count(*) FROM "
						     "subjects WHERE epoch = ? "
						     "AND request_id IS NOT "
						     "NULL", old_id)
				    : 0;
	if (open) {
		moment(until, when, sizeof(when));
		snprintf(msg, sizeof(msg), "a rotation is open: tokens are of "
		    "key %llu, key %llu is destroyed on %s; %lld of %lld "
		    "subjects here re-derived, %lld to go (%lld asked)",
		    (unsigned long long)new_id, (unsigned long long)old_id,
		    when, (long long)on_new, (long long)(on_new + on_old),
		    (long long)on_old, (long long)asked);
	} else if (new_id != 0) {
		snprintf(msg, sizeof(msg), "tokens are of key %llu; no "
		    "rotation is open", (unsigned long long)new_id);
		if (gone != 0) {
			moment(gone, when, sizeof(when));
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    "; key %llu was destroyed on %s",
			    (unsigned long long)old_id, when);
		}
		if (on_old != 0)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
			    "; %lld subjects here still hold tokens of it: "
			    "they match nothing", (long long)on_old);
	} else {
		snprintf(msg, sizeof(msg), "no token key known here yet");
	}
	snprintf(c->detail, sizeof(c->detail), "token key status");
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 8);
	proto_ctl_field_int(c->w, "key", (int64_t)new_id);
	proto_ctl_field_int(c->w, "old_key", (int64_t)old_id);
	proto_ctl_field_int(c->w, "open", open);
	proto_ctl_field_int(c->w, "until_ms", open ? until : 0);
	proto_ctl_field_int(c->w, "gone_ms", gone);
	proto_ctl_field_int(c->w, "on_new", on_new);
	proto_ctl_field_int(c->w, "on_old", on_old);
	proto_ctl_field_int(c->w, "subjects", total);
	return WN_OK;
}

void
node_subject_keys_words(struct node *n, char *out, size_t cap)
{
	uint64_t old_id = 0, new_id = 0;
	int64_t until = 0, old_epoch = 0;
	bool open = false;
	char v[80], when[40];
	out[0] = '\0';
	if (n->is_director) {
		struct sec_oprf_key *k = NULL;
		sqlite3_stmt *st;
		if (open_rotation(n, &open, &old_epoch, &old_id, &until) !=
			WN_OK)
			return;
		/* the key in force, without making one */
		if ((st = token_prep(n, "SELECT sk FROM subject_keys WHERE "
					"until_ms IS NULL ORDER BY epoch DESC "
					"LIMIT 1")) != NULL &&
		    sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) == SEC_OPRF_SCALAR_LEN &&
		    sec_oprf_key_import(sqlite3_column_blob(st, 0), &k) ==
			WN_OK &&
		    sec_oprf_key_id(k, &new_id) != WN_OK)
			new_id = 0;
		sec_oprf_key_free(k);
		sqlite3_finalize(st);
	} else {
		open = rotation_of(n, &old_id, &new_id, &until);
		if (!open && node_store_meta_get(n->store, "subject.key_id", v,
				 sizeof(v)) &&
		    !wn_parse_u64(v, PROTO_TOKEN_KEY_ID_MAX, &new_id))
			new_id = 0;
	}
	if (new_id == 0) {
		snprintf(out, cap, "this node holds no token key's tokens yet");
		return;
	}
	snprintf(out, cap, "this node's tokens are of key %llu",
	    (unsigned long long)new_id);
	if (open) {
		moment(until, when, sizeof(when));
		snprintf(out + strlen(out), cap - strlen(out), "; they are "
		    "re-derived from key %llu, destroyed on %s: a token of it "
		    "names no one here once re-derived",
		    (unsigned long long)old_id, when);
		return;
	}
	if (n->is_director) {
		sqlite3_stmt *st = token_prep(n, "SELECT key_id, gone_ms FROM "
						 "token_keys_gone ORDER BY "
						 "gone_ms DESC LIMIT 1");
		if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
			old_id = (uint64_t)sqlite3_column_int64(st, 0);
			until = sqlite3_column_int64(st, 1);
		}
		sqlite3_finalize(st);
	} else if (node_store_meta_get(n->store, GONE_KEY, v, sizeof(v))) {
		unsigned long long o;
		long long g;
		if (sscanf(v, "%llu %lld", &o, &g) == 2) {
			old_id = o;
			until = g;
		}
	}
	if (old_id != 0 && until != 0) {
		moment(until, when, sizeof(when));
		snprintf(out + strlen(out), cap - strlen(out), "; key %llu, "
		    "destroyed on %s, made tokens that name no one now",
		    (unsigned long long)old_id, when);
	}
}

/* ---- periodic, registration ----------------------------------------- */

/* rotate_due: the director destroys an old key whose time came; a
 * member asks the re-derivations still due */
static wn_err
rotate_due(struct node *n, bool *kick)
{
	size_t asked = 0, runs = 0, told = 0;
	uint64_t old_id = 0, new_id = 0;
	int64_t old_epoch = 0, until = 0;
	bool open = false;
	wn_err rc;
	if (n->is_director) {
		if ((rc = open_rotation(n, &open, &old_epoch, &old_id,
			 &until)) != WN_OK || !open || until > token_now())
			return rc;
		return finish(n, &old_id, &new_id, &told, kick);
	}
	do {
		if ((rc = node_subject_rederive(n, &asked)) != WN_OK)
			return rc;
		*kick |= asked != 0;
	} while (asked == PROTO_TOKEN_BATCH_MAX && ++runs < 10);
	return WN_OK;
}

static const struct node_ctl_cmd rotate_cmds[] = {
	{"subject.rotate", CFG_USER_ADMINISTRATOR,
	    node_ctl_subject_key_rotate,
	    "the director: a new token key; members re-derive", false},
	{"subject.finish", CFG_USER_ADMINISTRATOR,
	    node_ctl_subject_key_finish,
	    "the director: destroy the old token key", false},
	{"subject.keys", CFG_USER_CASE_WORKER,
	    node_ctl_subject_key_status,
	    "the token key and how far a rotation is", false},
};

static const struct node_msg_kind rotate_kinds[] = {
	{PROTO_MSG_TOKEN_ROTATE, rotate_apply},
};

static const struct node_periodic rotate_check = {"subjects.rotate",
    NODE_SUBJECT_ASK_PERIOD_MS, "WIJKNET_TEST_TOKEN_ASK_MS", rotate_due};

void
node_subject_rotate_register(void)
{
	node_exchange_register(rotate_kinds, WN_ARRAY_LEN(rotate_kinds));
	node_ctl_register(rotate_cmds, WN_ARRAY_LEN(rotate_cmds));
	node_periodic_register(&rotate_check);
}
