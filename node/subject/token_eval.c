/*
 * token_eval.c - the director's side of subjects' tokens (issue 11): the
 * federation's OPRF key (made on first need, kept in the encrypted store
 * only, named by its key id, sec_oprf_key_id), the tokens of its own
 * subjects, and TOKEN_REQUEST: a member's blinded elements evaluated
 * within its daily limit (token_daily_limit, counted per member and UTC
 * day in token_usage), the whole request refused past it with code 18
 * and the limit in the answer. The director's local users are held to
 * the same limit (node_subject_local_use, counted as member "user:NAME").
 * The member's side is token.c. No point or token goes into a log or an
 * audit record.
 */
#include "node/subject/token_int.h"

#include "protocol/token_wire.h"

#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char key_info[] = "wijknet federation subject tokens";

wn_err
node_subject_key_get(struct node *n, struct sec_oprf_key **k,
    uint64_t *key_id)
{
	sqlite3_stmt *st = NULL;
	uint8_t seed[SEC_OPRF_SEED_LEN], sk[SEC_OPRF_SCALAR_LEN];
	struct sec_oprf_key *key = NULL;
	uint64_t id = 0;
	char object[40];
	wn_err rc = WN_EDB;
	if (!n->is_director)
		return WN_EDENIED;
	if ((st = token_prep(n, "SELECT epoch, sk FROM subject_keys ORDER BY epoch "
			  "DESC LIMIT 1")) == NULL)
		goto out;
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != SEC_OPRF_SCALAR_LEN) {
			rc = WN_ECORRUPT;
			goto out;
		}
		if ((rc = sec_oprf_key_import(sqlite3_column_blob(st, 1),
			 &key)) != WN_OK ||
		    (rc = sec_oprf_key_id(key, &id)) != WN_OK) {
			rc = WN_ECORRUPT;
			goto out;
		}
	} else if (s == SQLITE_DONE) {
		/* the first need: a key from a fresh seed, kept in the store
		 * only */
		sqlite3_finalize(st);
		st = NULL;
		sec_random(seed, sizeof(seed));
		rc = sec_oprf_key_derive(seed, key_info, sizeof(key_info) - 1,
		    &key);
		sec_wipe(seed, sizeof(seed));
		if (rc != WN_OK || (rc = sec_oprf_key_id(key, &id)) != WN_OK)
			goto out;
		rc = WN_EDB;
		sec_oprf_key_export(key, sk);
		st = token_prep(n, "INSERT INTO subject_keys (epoch, sk, created_ms) "
			     "VALUES (1, ?, ?)");
		if (st != NULL) {
			sqlite3_bind_blob(st, 1, sk, sizeof(sk), SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, wn_now_ms());
		}
		rc = token_run(st);
		st = NULL;
		sec_wipe(sk, sizeof(sk));
		/* the row's epoch counts keys in this store; the key is
		 * named by its id, which a key made again elsewhere (this
		 * store lost) does not share */
		snprintf(object, sizeof(object), "key %llu",
		    (unsigned long long)id);
		if (rc != WN_OK ||
		    (rc = node_audit_append(n->store, "system",
			 "subject.key_made", object,
			 "the federation's token key, made on first need "
			 "and kept in this store only")) != WN_OK)
			goto out;
	} else {
		goto out;
	}
	*k = key;
	key = NULL;
	*key_id = id;
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	sec_oprf_key_free(key);
	return rc;
}

wn_err
node_subject_derive(struct node *n, const char *form,
    uint8_t token[NODE_SUBJECT_TOKEN_LEN], uint64_t *key_id)
{
	struct sec_oprf_key *k = NULL;
	struct sec_oprf_blind b;
	uint8_t bl[SEC_OPRF_ELEMENT_LEN], ev[SEC_OPRF_ELEMENT_LEN];
	wn_err rc;
	if ((rc = node_subject_key_get(n, &k, key_id)) != WN_OK)
		return rc;
	if ((rc = sec_oprf_blind(form, strlen(form), &b, bl)) == WN_OK) {
		if ((rc = sec_oprf_evaluate(k, bl, ev)) == WN_OK)
			rc = token_of(form, &b, ev, token);
		else
			sec_oprf_blind_release(&b);
	}
	sec_oprf_key_free(k);
	return rc;
}

/* ---- the director: a member asks ------------------------------------ */

static wn_err
usage_get(struct node *n, const char *member, int64_t day, uint64_t *used)
{
	sqlite3_stmt *st = token_prep(n, "SELECT used FROM token_usage WHERE "
				   "member = ? AND day = ?");
	int s;
	*used = 0;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	if ((s = sqlite3_step(st)) == SQLITE_ROW)
		*used = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return s == SQLITE_ROW || s == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
usage_put(struct node *n, const char *member, int64_t day, uint64_t used)
{
	sqlite3_stmt *st;
	/* yesterday's counts are kept a day; older ones say nothing more */
	if ((st = token_prep(n, "DELETE FROM token_usage WHERE day < ?")) != NULL)
		sqlite3_bind_int64(st, 1, day - 1);
	if (token_run(st) != WN_OK)
		return WN_EDB;
	if ((st = token_prep(n, "INSERT OR REPLACE INTO token_usage (member, day, "
			  "used) VALUES (?, ?, ?)")) != NULL) {
		sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, day);
		sqlite3_bind_int64(st, 3, (int64_t)used);
	}
	return token_run(st);
}

wn_err
node_subject_local_use(struct node *n, const char *user, uint64_t *used,
    uint64_t *limit)
{
	char member[PROTO_ORG_ID_MAX + 8];
	int64_t day = token_now() / TOKEN_DAY_MS;
	uint64_t u = 0;
	wn_err rc;
	/* "user:" cannot begin an org id: a member's count is not a user's */
	snprintf(member, sizeof(member), "user:%s", user);
	*limit = n->cfg.token_daily_limit;
	if ((rc = usage_get(n, member, day, &u)) != WN_OK)
		return rc;
	if (u + 1 > *limit) {
		*used = u;
		return WN_ELIMIT;
	}
	if ((rc = usage_put(n, member, day, u + 1)) != WN_OK)
		return rc;
	*used = u + 1;
	return WN_OK;
}

wn_err
token_request_apply(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_token_request *q = NULL;
	struct proto_token_answer *a = NULL;
	struct proto_error perr = {0};
	struct sec_oprf_key *k = NULL;
	uint64_t used = 0, limit = n->cfg.token_daily_limit, key_id = 0;
	int64_t day = token_now() / TOKEN_DAY_MS;
	char d[256];
	wn_err rc = WN_ENOMEM;
	if (!n->is_director) {
		snprintf(why, whylen, "only the federation's director "
		    "evaluates tokens");
		return WN_EDENIED;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (a = calloc(1, sizeof(*a))) == NULL)
		goto out;
	if (proto_token_request_decode(body, len, q, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed token request at byte %zu: "
		    "%s", perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	memcpy(a->id, q->id, sizeof(a->id));
	if ((rc = usage_get(n, from->org_id, day, &used)) != WN_OK)
		goto out;
	if (used + q->count > limit) {
		a->code = WN_ELIMIT;
		a->limit = limit;
		snprintf(d, sizeof(d), "refused %zu tokens: %s (%llu of %llu "
		    "evaluated today)", q->count, wn_strerror(WN_ELIMIT),
		    (unsigned long long)used, (unsigned long long)limit);
		wn_log(WN_LOG_WARN, "subjects: %s asked for %zu tokens past "
		    "its daily limit of %llu: refused", from->org_id, q->count,
		    (unsigned long long)limit);
		if ((rc = node_audit_append(n->store, "system",
			 "subject.token_refused", from->org_id, d)) != WN_OK)
			goto out;
		rc = token_push(n, from, PROTO_MSG_TOKEN_ANSWER, NULL, a);
		goto out;
	}
	if ((rc = node_subject_key_get(n, &k, &key_id)) != WN_OK) {
		snprintf(why, whylen, "the federation's token key cannot be "
		    "read");
		goto out;
	}
	for (size_t i = 0; i < q->count; i++)
		if ((rc = sec_oprf_evaluate(k, q->el[i], a->el[i])) != WN_OK) {
			/* the decoder checked every element: not reached */
			snprintf(why, whylen, "element %zu cannot be "
			    "evaluated", i);
			rc = WN_EPROTO;
			goto out;
		}
	a->count = q->count;
	a->epoch = key_id; /* the wire's "epoch" is the key's id */
	snprintf(d, sizeof(d), "evaluated %zu tokens under key %llu "
	    "(%llu of %llu today)", q->count, (unsigned long long)key_id,
	    (unsigned long long)(used + q->count), (unsigned long long)limit);
	if ((rc = usage_put(n, from->org_id, day, used + q->count)) != WN_OK ||
	    (rc = node_audit_append(n->store, "system",
		 "subject.tokens_evaluated", from->org_id, d)) != WN_OK)
		goto out;
	rc = token_push(n, from, PROTO_MSG_TOKEN_ANSWER, NULL, a);
out:
	sec_oprf_key_free(k);
	free(q);
	free(a);
	return rc;
}
