/*
 * token.c - a node's own subjects and their pseudonymous tokens (issue 11):
 * a member's TOKEN_REQUEST and the director's TOKEN_ANSWER, the room's
 * periodic ask and registration.
 *
 * A member keeps each subject it records (subject.add) in the subjects
 * table with the canonical form of its identifier (subject.c), blinds that
 * form with a fresh scalar and asks the director (node_subject_ask, one
 * TOKEN_REQUEST of at most PROTO_TOKEN_BATCH_MAX elements through the
 * outbox); the blind waits in the row, in the encrypted store, until the
 * TOKEN_ANSWER comes, then the row gets its token (the first 32 bytes of
 * the OPRF output) and the key's id, and the blind is gone. A key is named
 * by a value derived from it (sec_oprf_key_id: 48 bits of a hash of k*G),
 * never by a counter, so that a key made again (the director's store lost)
 * is told apart: a member that gets tokens under another key id than the
 * tokens it holds raises alert.token_key_changed (its old tokens keep
 * their key id, and match nothing made under the new key).
 * The director evaluates what a member asks (it sees only blinded points,
 * each checked by the decoder to be a canonical ristretto255 element)
 * within the member's daily limit (token_daily_limit, token_usage); past
 * it the whole request is refused with code 18 in the answer, and
 * audited. The refusal states the limit: the member keeps it (meta
 * subject.token_limit) and asks at once again for what is left of it
 * today, and from then on names at most what is left of it a day (and,
 * once it is used up, one subject a day, so that it learns when the limit
 * was raised). The director derives the tokens of its own subjects
 * without a message, within the same limit per local user (token_usage,
 * member "user:NAME").
 * A periodic check (at start, then every NODE_SUBJECT_ASK_PERIOD_MS) asks
 * for the subjects still without a token: recorded before this node held
 * a charter, refused on an earlier day (one refused today waits for the
 * next UTC day), or asked more than NODE_SUBJECT_ASK_AGAIN_MS ago with
 * no answer (a request lost: refused for good by a director that does not
 * know the type, or dropped with the peer; asked_ms); an answer to the
 * old request is then ignored.
 *
 * The director's side (its key, its own tokens, TOKEN_REQUEST and the
 * limits) is token_eval.c, what both share token_int.h; the control
 * commands are in subject_ctl.c.
 *
 * No identifier, canonical form, point or token goes into a log or an
 * audit record: they name the reference, the member and counts only.
 */
#include "node/subject/token_int.h"

#include "protocol/token_wire.h"

#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* meta: the daily limit the director last stated in a refusal, and the
 * id of the key the tokens this member holds were made under */
#define LIMIT_KEY "subject.token_limit"
#define KEY_ID_KEY "subject.key_id"

static int64_t clock_ahead_ms;

int64_t
token_now(void)
{
	return wn_now_ms() + clock_ahead_ms;
}

sqlite3_stmt *
token_prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "subjects: %s",
		    node_store_errmsg(n->store));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

wn_err
token_run(sqlite3_stmt *st)
{
	wn_err rc = st != NULL && sqlite3_step(st) == SQLITE_DONE ? WN_OK
								   : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

wn_err
token_of(const char *form, struct sec_oprf_blind *b,
    const uint8_t ev[SEC_OPRF_ELEMENT_LEN],
    uint8_t token[NODE_SUBJECT_TOKEN_LEN])
{
	uint8_t out[SEC_OPRF_OUTPUT_LEN];
	wn_err rc = sec_oprf_finalize(form, strlen(form), b, ev, out);
	if (rc == WN_OK)
		memcpy(token, out, NODE_SUBJECT_TOKEN_LEN);
	sec_wipe(out, sizeof(out));
	return rc;
}

/* director: the peer tokens are asked of, or NULL (none known yet) */
static struct node_peer *
director(struct node *n)
{
	char fed[PROTO_ORG_ID_MAX + 1];
	struct node_peer *p;
	if (n->is_director || node_charter_federation(n, fed, sizeof(fed)) !=
	    WN_OK)
		return NULL;
	p = node_peer_find(n, fed);
	return p != NULL && !p->gone ? p : NULL;
}

wn_err
token_push(struct node *n, struct node_peer *p, uint32_t type,
    const struct proto_token_request *q, const struct proto_token_answer *a)
{
	struct proto_writer w;
	wn_err rc = proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1);
	if (rc != WN_OK)
		return rc;
	rc = q != NULL ? proto_token_request_encode(q, &w)
		       : proto_token_answer_encode(a, &w);
	if (rc == WN_OK)
		rc = node_outbox_push(n, p, type, w.buf, w.len);
	proto_writer_release(&w);
	return rc;
}

/* A subject read before its row is changed: the rows a statement walks
 * are read whole first, so no update touches an index being walked. */
struct pending {
	char ref[PROTO_ORG_ID_MAX + 1];
	char form[NODE_SUBJECT_MAX];
	uint8_t r[SEC_OPRF_SCALAR_LEN]; /* the blind, when there is one */
};

/* read_pending reads up to PROTO_TOKEN_BATCH_MAX rows of st (ref, form
 * and maybe the blind) into pd; *count rows. WN_ECORRUPT for a row that
 * does not fit. */
static wn_err
read_pending(sqlite3_stmt *st, struct pending *pd, bool blind,
    size_t *count)
{
	size_t i = 0;
	int s = SQLITE_DONE;
	while (i < PROTO_TOKEN_BATCH_MAX && (s = sqlite3_step(st)) ==
	    SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		const char *form = (const char *)sqlite3_column_text(st, 1);
		if (ref == NULL || form == NULL ||
		    strlen(ref) >= sizeof(pd[i].ref) ||
		    strlen(form) >= sizeof(pd[i].form) ||
		    (blind && sqlite3_column_bytes(st, 2) !=
			(int)sizeof(pd[i].r)))
			return WN_ECORRUPT;
		wn_strlcpy(pd[i].ref, ref, sizeof(pd[i].ref));
		wn_strlcpy(pd[i].form, form, sizeof(pd[i].form));
		if (blind)
			memcpy(pd[i].r, sqlite3_column_blob(st, 2),
			    sizeof(pd[i].r));
		i++;
	}
	if (i < PROTO_TOKEN_BATCH_MAX && s != SQLITE_DONE)
		return WN_EDB;
	*count = i;
	return WN_OK;
}

/* pending_free wipes and frees what read_pending filled */
static void
pending_free(struct pending *pd)
{
	if (pd != NULL) {
		sec_wipe(pd, PROTO_TOKEN_BATCH_MAX * sizeof(*pd));
		free(pd);
	}
}

wn_err
node_subject_token_of(struct node *n, const char *ref,
    uint8_t out[NODE_SUBJECT_TOKEN_LEN])
{
	sqlite3_stmt *st = token_prep(n, "SELECT token FROM subjects WHERE ref = ?");
	wn_err rc = WN_ENOTFOUND;
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		rc = WN_EBUSY;
		if (sqlite3_column_bytes(st, 0) == NODE_SUBJECT_TOKEN_LEN) {
			memcpy(out, sqlite3_column_blob(st, 0),
			    NODE_SUBJECT_TOKEN_LEN);
			rc = WN_OK;
		}
	} else if (r != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_subject_ref_of(struct node *n, const uint8_t token[NODE_SUBJECT_TOKEN_LEN],
    char *ref, size_t cap)
{
	sqlite3_stmt *st = token_prep(n, "SELECT ref FROM subjects WHERE "
					 "token = ? ORDER BY created_ms LIMIT 1");
	wn_err rc = WN_ENOTFOUND;
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, token, NODE_SUBJECT_TOKEN_LEN, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (t != NULL && wn_strlcpy(ref, t, cap) < cap)
			rc = WN_OK;
	} else if (r != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* stated_limit: the daily limit the director last stated in a refusal
 * (false: none known) */
static bool
stated_limit(struct node *n, uint64_t *limit)
{
	char v[32];
	return node_store_meta_get(n->store, LIMIT_KEY, v, sizeof(v)) &&
	    wn_parse_u64(v, UINT32_MAX, limit);
}

/* used_today: the tokens this member received today (the room's clock,
 * UTC day), and the elements of its requests of today not answered yet,
 * leaving out request `but` (NULL: none); *refused: subjects refused
 * today */
static wn_err
used_today(struct node *n, int64_t today, const uint8_t *but,
    uint64_t *used, uint64_t *refused)
{
	sqlite3_stmt *st = token_prep(n, "SELECT (SELECT count(*) FROM subjects "
				   "WHERE token_ms >= ?1) + (SELECT count(*) "
				   "FROM subjects WHERE request_id IS NOT NULL "
				   "AND asked_ms >= ?1 AND (?2 IS NULL OR "
				   "request_id != ?2)), (SELECT count(*) FROM "
				   "subjects WHERE token IS NULL AND refused IS "
				   "NOT NULL AND refused_ms >= ?1)");
	wn_err rc = WN_EDB;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, today);
	if (but != NULL)
		sqlite3_bind_blob(st, 2, but, PROTO_TOKEN_ID_LEN,
		    SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*used = (uint64_t)sqlite3_column_int64(st, 0);
		*refused = (uint64_t)sqlite3_column_int64(st, 1);
		rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* ask_cap: how many subjects the next request may name: a whole batch
 * while no limit is known; once the director stated its daily limit,
 * what is left of it today, and when nothing is, one (to learn whether
 * the limit was raised) unless one was refused today already */
static wn_err
ask_cap(struct node *n, int64_t today, size_t *cap)
{
	uint64_t limit, used = 0, refused = 0;
	wn_err rc;
	*cap = PROTO_TOKEN_BATCH_MAX;
	if (!stated_limit(n, &limit))
		return WN_OK;
	if ((rc = used_today(n, today, NULL, &used, &refused)) != WN_OK)
		return rc;
	if (used >= limit)
		*cap = refused != 0 ? 0 : 1;
	else if (limit - used < PROTO_TOKEN_BATCH_MAX)
		*cap = (size_t)(limit - used);
	return WN_OK;
}

bool
node_subject_limit_used(struct node *n)
{
	uint64_t limit, used = 0, refused = 0;
	return !n->is_director && stated_limit(n, &limit) &&
	    used_today(n, token_now() / TOKEN_DAY_MS * TOKEN_DAY_MS, NULL, &used,
		&refused) == WN_OK && used >= limit;
}

wn_err
node_subject_ask(struct node *n, size_t *asked)
{
	struct proto_token_request *q = NULL;
	struct pending *pd = NULL;
	struct node_peer *p;
	sqlite3_stmt *st = NULL, *up = NULL;
	int64_t now = token_now(), today = now / TOKEN_DAY_MS * TOKEN_DAY_MS;
	wn_err rc = WN_EDB;
	size_t i = 0, count = 0, cap = 0;
	*asked = 0;
	if ((p = director(n)) == NULL)
		return WN_OK;
	if ((rc = ask_cap(n, today, &cap)) != WN_OK || cap == 0)
		return rc;
	rc = WN_EDB;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return WN_ENOMEM;
	sec_random(q->id, sizeof(q->id));
	/* one the director refused today is asked again tomorrow (UTC): the
	 * limit is per day, asking again today would be refused again. One
	 * asked long ago and never answered is asked again under a new id:
	 * its request was lost (refused for good, or dropped with the peer),
	 * or an answer to it still comes, and is ignored */
	st = token_prep(n, "SELECT ref, ident FROM subjects WHERE token IS NULL AND "
		     "(request_id IS NULL OR asked_ms IS NULL OR asked_ms <= ?) "
		     "AND (refused IS NULL OR refused_ms < ?) ORDER BY "
		     "created_ms, ref LIMIT ?");
	up = token_prep(n, "UPDATE subjects SET request_id = ?, pos = ?, blind = ?, "
		     "asked_ms = ?, refused = NULL, refused_ms = NULL WHERE ref "
		     "= ?");
	if (st == NULL || up == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now - NODE_SUBJECT_ASK_AGAIN_MS);
	sqlite3_bind_int64(st, 2, today);
	sqlite3_bind_int(st, 3, (int)cap);
	if ((pd = calloc(PROTO_TOKEN_BATCH_MAX, sizeof(*pd))) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	if ((rc = read_pending(st, pd, false, &count)) != WN_OK)
		goto out;
	sqlite3_reset(st);
	for (i = 0; i < count; i++) {
		struct sec_oprf_blind b;
		if ((rc = sec_oprf_blind(pd[i].form, strlen(pd[i].form), &b,
			 q->el[i])) != WN_OK)
			goto out;
		sqlite3_reset(up);
		sqlite3_bind_blob(up, 1, q->id, sizeof(q->id), SQLITE_STATIC);
		sqlite3_bind_int64(up, 2, (int64_t)i);
		sqlite3_bind_blob(up, 3, b.r, sizeof(b.r), SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 4, now);
		sqlite3_bind_text(up, 5, pd[i].ref, -1, SQLITE_STATIC);
		int s = sqlite3_step(up);
		sec_oprf_blind_release(&b);
		if (s != SQLITE_DONE) {
			rc = WN_EDB;
			goto out;
		}
	}
	rc = WN_OK;
	if (i == 0)
		goto out;
	q->count = i;
	if ((rc = token_push(n, p, PROTO_MSG_TOKEN_REQUEST, q, NULL)) != WN_OK)
		goto out;
	wn_log(WN_LOG_INFO, "subjects: %zu tokens asked of %s", i, p->org_id);
	*asked = i;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	pending_free(pd);
	free(q);
	return rc;
}

/* ---- a member: the director answers --------------------------------- */

/* refused_apply: the director refused request a->id of count subjects.
 * Past the daily limit (which the refusal states: none is 0) the member
 * keeps the limit, and when the request named more than is left of it
 * today, the first subjects of it, as many as are left, are asked again
 * at once; the others wait for the next day. */
static wn_err
refused_apply(struct node *n, struct node_peer *from,
    const struct proto_token_answer *a, size_t count)
{
	sqlite3_stmt *st;
	int64_t now = token_now();
	uint64_t used = 0, refused = 0, left = 0;
	size_t again = 0;
	char d[300], v[32];
	wn_err rc;
	if (a->code == WN_ELIMIT) {
		snprintf(v, sizeof(v), "%llu", (unsigned long long)a->limit);
		if ((rc = node_store_meta_put(n->store, LIMIT_KEY, v)) != WN_OK ||
		    (rc = used_today(n, now / TOKEN_DAY_MS * TOKEN_DAY_MS, a->id, &used,
			 &refused)) != WN_OK)
			return rc;
		left = a->limit > used ? a->limit - used : 0;
		if (left != 0 && left < count)
			again = (size_t)left;
	}
	/* pos >= again: refused until the next day; the others wait */
	if ((st = token_prep(n, "UPDATE subjects SET request_id = NULL, pos = NULL, "
			  "blind = NULL, asked_ms = NULL, refused = CASE WHEN "
			  "pos >= ?4 THEN ?1 END, refused_ms = CASE WHEN pos >= "
			  "?4 THEN ?2 END WHERE request_id = ?3")) != NULL) {
		sqlite3_bind_int64(st, 1, a->code);
		sqlite3_bind_int64(st, 2, now);
		sqlite3_bind_blob(st, 3, a->id, sizeof(a->id), SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)again);
	}
	if (token_run(st) != WN_OK)
		return WN_EDB;
	snprintf(d, sizeof(d), "the director refused the tokens of %zu "
	    "subjects: %s", count, wn_strerror((wn_err)a->code));
	if (a->code == WN_ELIMIT)
		snprintf(d + strlen(d), sizeof(d) - strlen(d), " (%llu a day)",
		    (unsigned long long)a->limit);
	if (again != 0)
		snprintf(d + strlen(d), sizeof(d) - strlen(d), "; %zu of them "
		    "asked again at once, what is left of the limit today",
		    again);
	wn_log(WN_LOG_WARN, "subjects: %s", d);
	if ((rc = node_audit_append(n->store, "system",
		 "subject.token_refused", from->org_id, d)) != WN_OK)
		return rc;
	if (again != 0) {
		size_t asked = 0;
		if ((rc = node_subject_ask(n, &asked)) != WN_OK)
			return rc;
		if (asked != 0)
			node_peer_kick(n);
	}
	return WN_OK;
}

/* key_noticed: tokens came under key_id. When this member holds tokens
 * made under another key (the director's key was made again: its store
 * lost, or another node directs), they match nothing made from now on:
 * a warning and alert.token_key_changed, once per new key id; the old
 * tokens keep their key id. */
static wn_err
key_noticed(struct node *n, struct node_peer *from, uint64_t key_id)
{
	sqlite3_stmt *st;
	char v[32], was[32] = "", d[400];
	int64_t old = 0, other = 0;
	wn_err rc;
	snprintf(v, sizeof(v), "%llu", (unsigned long long)key_id);
	if (node_store_meta_get(n->store, KEY_ID_KEY, was, sizeof(was)) &&
	    strcmp(was, v) == 0)
		return WN_OK;
	if ((st = token_prep(n, "SELECT count(*), min(epoch) FROM subjects WHERE "
			  "token IS NOT NULL AND epoch != ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)key_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	other = sqlite3_column_int64(st, 0);
	old = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if ((rc = node_store_meta_put(n->store, KEY_ID_KEY, v)) != WN_OK)
		return rc;
	if (other == 0 && was[0] == '\0')
		return WN_OK; /* the first key this member hears of */
	if (other != 0)
		snprintf(was, sizeof(was), "%lld", (long long)old);
	/* tokens made before keys were named by their id hold 1: they may
	 * still match, and the alert says so rather than that they do not */
	snprintf(d, sizeof(d), "the director's token key changed: tokens now "
	    "come under key %s, while %lld subject%s here hold tokens under "
	    "key %s; %s", v, (long long)other, other == 1 ? "" : "s", was,
	    strcmp(was, "1") == 0
		? "key 1 names tokens made before keys were named by an id "
		  "derived from them: they match still unless the director's "
		  "key was made again since"
		: "those no longer match tokens made from now on (the "
		  "director's key was made again: its store lost, or another "
		  "node directs)");
	wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", d);
	return node_audit_append(n->store, "system", "alert.token_key_changed",
	    from->org_id, d);
}

static wn_err
answer_apply(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_token_answer *a = NULL;
	struct proto_error perr = {0};
	struct pending *pd = NULL;
	sqlite3_stmt *st = NULL, *up = NULL;
	char fed[PROTO_ORG_ID_MAX + 1], d[200];
	size_t count = 0;
	int64_t now = token_now();
	uint64_t limit, used = 0, refused = 0;
	wn_err rc;
	if (n->is_director ||
	    node_charter_federation(n, fed, sizeof(fed)) != WN_OK ||
	    strcmp(fed, from->org_id) != 0) {
		snprintf(why, whylen, "tokens are answered by the "
		    "federation's director only");
		return WN_EDENIED;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return WN_ENOMEM;
	if (proto_token_answer_decode(body, len, a, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed token answer at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDB;
	st = token_prep(n, "SELECT ref, ident, blind FROM subjects WHERE "
		     "request_id = ? ORDER BY pos");
	up = token_prep(n, "UPDATE subjects SET token = ?, epoch = ?, token_ms = ?, "
		     "request_id = NULL, pos = NULL, blind = NULL, asked_ms = "
		     "NULL, refused = NULL, refused_ms = NULL WHERE ref = ?");
	if (st == NULL || up == NULL)
		goto out;
	if ((pd = calloc(PROTO_TOKEN_BATCH_MAX, sizeof(*pd))) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	sqlite3_bind_blob(st, 1, a->id, sizeof(a->id), SQLITE_STATIC);
	if ((rc = read_pending(st, pd, true, &count)) != WN_OK)
		goto out;
	sqlite3_reset(st);
	if (count == 0) {
		/* an answer to a request this node no longer waits for */
		wn_log(WN_LOG_INFO, "subjects: a token answer from %s to no "
		    "request waiting here: ignored", from->org_id);
		goto out;
	}
	if (a->code != 0) {
		rc = refused_apply(n, from, a, count);
		goto out;
	}
	if (a->count != count) {
		snprintf(why, whylen, "the token answer holds %zu elements "
		    "for a request of %zu", a->count, count);
		rc = WN_EPROTO;
		goto out;
	}
	if ((rc = key_noticed(n, from, a->epoch)) != WN_OK)
		goto out;
	rc = WN_EDB;
	for (size_t i = 0; i < count; i++) {
		struct sec_oprf_blind b;
		uint8_t token[NODE_SUBJECT_TOKEN_LEN];
		memcpy(b.r, pd[i].r, sizeof(b.r));
		if (token_of(pd[i].form, &b, a->el[i], token) != WN_OK) {
			snprintf(why, whylen, "element %zu of the token answer "
			    "cannot be unblinded", i);
			rc = WN_EPROTO;
			goto out;
		}
		sqlite3_reset(up);
		sqlite3_bind_blob(up, 1, token, sizeof(token),
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 2, (int64_t)a->epoch);
		sqlite3_bind_int64(up, 3, now);
		sqlite3_bind_text(up, 4, pd[i].ref, -1, SQLITE_STATIC);
		if (sqlite3_step(up) != SQLITE_DONE) {
			rc = WN_EDB;
			goto out;
		}
	}
	/* more today than the limit last stated: the director allows more
	 * now, the member no longer keeps to it */
	if (stated_limit(n, &limit) &&
	    (rc = used_today(n, now / TOKEN_DAY_MS * TOKEN_DAY_MS, NULL, &used,
		 &refused)) == WN_OK && used > limit &&
	    (rc = node_store_meta_del(n->store, LIMIT_KEY)) != WN_OK)
		goto out;
	snprintf(d, sizeof(d), "%zu tokens under key %llu", count,
	    (unsigned long long)a->epoch);
	wn_log(WN_LOG_INFO, "subjects: %s from %s", d, from->org_id);
	rc = node_audit_append(n->store, "system", "subject.tokens_received",
	    from->org_id, d);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	pending_free(pd);
	free(a);
	return rc;
}

wn_err
node_subject_token_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	if (h->type == PROTO_MSG_TOKEN_REQUEST)
		return token_request_apply(n, from, body, len, why, whylen);
	return answer_apply(n, from, body, len, why, whylen);
}

/* ---- periodic ------------------------------------------------------- */

/* ask_due: the subjects still without a token and not asked for (recorded
 * before this node held a charter, or refused on an earlier day), or
 * asked more than NODE_SUBJECT_ASK_AGAIN_MS ago without an answer (the
 * request was lost: refused for good by a director that does not take
 * TOKEN_REQUEST, or dropped with the peer): up to ASK_MAX requests a
 * run */
#define ASK_MAX 10
static wn_err
ask_due(struct node *n, bool *kick)
{
	size_t asked = 0, runs = 0;
	wn_err rc;
	do {
		if ((rc = node_subject_ask(n, &asked)) != WN_OK)
			return rc;
		*kick |= asked != 0;
	} while (asked == PROTO_TOKEN_BATCH_MAX && ++runs < ASK_MAX);
	return WN_OK;
}

/* ---- registration --------------------------------------------------- */

static const struct node_ctl_cmd subject_cmds[] = {
	{"subject.add", CFG_USER_CASE_WORKER, node_ctl_subject_add,
	    "record a subject and get its token", false},
	{"subject.list", CFG_USER_CASE_WORKER, node_ctl_subject_list,
	    "this node's subjects and their tokens", true},
	{"subject.show", CFG_USER_CASE_WORKER, node_ctl_subject_show,
	    "one subject and its token", true},
};

static const struct node_msg_kind subject_kinds[] = {
	{PROTO_MSG_TOKEN_REQUEST, node_subject_token_apply},
	{PROTO_MSG_TOKEN_ANSWER, node_subject_token_apply},
};

static const struct node_periodic ask_check = {"subjects.ask",
    NODE_SUBJECT_ASK_PERIOD_MS, "WIJKNET_TEST_TOKEN_ASK_MS", ask_due};

void
node_subject_room_register(void)
{
	node_exchange_register(subject_kinds, WN_ARRAY_LEN(subject_kinds));
	node_ctl_register(subject_cmds, WN_ARRAY_LEN(subject_cmds));
	clock_ahead_ms = node_test_ahead_ms("WIJKNET_TEST_TOKEN_AHEAD_MS");
	node_periodic_register(&ask_check);
}
