/*
 * concern_held.c - the director's side of concerns: every partner's
 * active concerns (concerns_held), matched on their tokens.
 *
 * A partner's CONCERN registers, changes or withdraws one of its concerns
 * (the director's own come here straight from concern.c). After every
 * change the director makes the matches on that token true: for each
 * active concern on the token, the other partners with one (their
 * contacts, and since when: the later of the two registrations) form the
 * notice for its partner (CONCERN_MATCH), which goes out only when it
 * differs from what that partner was last told of that concern (told, a
 * hash of the notice, and told_n, how many partners it named); a concern
 * left alone after it was told of others is told the empty list: the
 * match dissolved. A partner never learns of a token it holds no concern
 * on, and the notice names no token. Expired concerns are dropped at each
 * change and by the periodic work (node_concern_expire), and their
 * partners told the match is gone. Audit records name the partner, the
 * concern's number and the token's fingerprint, never the token or a
 * contact.
 */
#include "node/subject/concern_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "crypto/sec.h"

/* a little over two years, for the clocks of two nodes */
#define YEARS_MS ((int64_t)NODE_CONCERN_YEARS * 366 * 86400000 + 86400000)

/* one active concern on a token, as matching reads it */
struct held {
	char partner[PROTO_ORG_ID_MAX + 1];
	int64_t number, received_ms;
	char contact[PROTO_CONTACT_MAX + 1];
	bool told;   /* it was told something */
	int64_t told_n;
	uint8_t hash[SEC_HASH_LEN];
};

/* the matching's buffers, with n->mtx held: one match at a time */
static struct proto_concern_match notice;
static uint8_t body[PROTO_BODY_MAX];

/* audit appends a record of the director's, as "system" */
static wn_err
audit(struct node *n, const char *action, const char *partner,
    int64_t number, const uint8_t *token, const char *more)
{
	char fp[9], detail[300];
	node_concern_fp(token, fp);
	snprintf(detail, sizeof(detail), "concern %lld, token %s%s%s",
	    (long long)number, fp, more[0] ? ", " : "", more);
	return node_audit_append(n->store, "system", action, partner, detail);
}

/* notify gives partner the notice m about its concern (this node's own
 * applied at once); WN_OK without sending to a partner not enrolled */
static wn_err
notify(struct node *n, const char *partner,
    const struct proto_concern_match *m, const uint8_t *buf, size_t len,
    bool *kick)
{
	struct node_peer *p;
	char why[256] = "";
	wn_err rc;
	if (strcmp(partner, n->cfg.org_id) == 0) {
		rc = concern_matched(n, n->cfg.org_id, m, why, sizeof(why));
		if (rc != WN_OK && why[0])
			wn_log(WN_LOG_WARN, "concerns: %s", why);
		return rc;
	}
	if ((p = node_peer_find(n, partner)) == NULL || p->gone)
		return WN_ENOTFOUND;
	if ((rc = node_outbox_push(n, p, PROTO_MSG_CONCERN_MATCH, buf, len)) ==
	    WN_OK)
		*kick = true;
	return rc;
}

/* told records what a concern's partner was last told */
static wn_err
told(struct node *n, const char *partner, int64_t number, size_t others,
    const uint8_t hash[SEC_HASH_LEN])
{
	sqlite3_stmt *st = concern_prep(n, "UPDATE concerns_held SET told_n = "
					   "?, told = ? WHERE partner = ? AND "
					   "number = ?");
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)others);
	sqlite3_bind_blob(st, 2, hash, SEC_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, number);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* tell_one sends the notice m (encoded) to the partner of concern number
 * unless it was told just that, and audits it */
static wn_err
tell_one(struct node *n, const struct held *h,
    const struct proto_concern_match *m, const uint8_t *token, bool *kick)
{
	struct proto_writer w;
	uint8_t hash[SEC_HASH_LEN];
	char more[400];
	size_t o;
	wn_err rc;
	if (m->nothers == 0 && (!h->told || h->told_n == 0))
		return WN_OK; /* never matched: nothing to say */
	proto_writer_init(&w, body, sizeof(body));
	if ((rc = proto_concern_match_encode(m, &w)) != WN_OK)
		return rc;
	struct sec_part part = {w.buf, w.len};
	sec_hash(hash, &part, 1);
	if (h->told && sec_equal(hash, h->hash, sizeof(hash)))
		return WN_OK;
	rc = notify(n, h->partner, m, w.buf, w.len, kick);
	if (rc == WN_ENOTFOUND) {
		/* not enrolled (any more): told when the token changes again */
		wn_log(WN_LOG_WARN, "concerns: partner %s is not enrolled: "
		    "not told of its concern %lld", h->partner,
		    (long long)h->number);
		return WN_OK;
	}
	if (rc != WN_OK || (rc = told(n, h->partner, h->number, m->nothers,
				 hash)) != WN_OK)
		return rc;
	o = (size_t)snprintf(more, sizeof(more), "%s", m->nothers
	    ? "other partners:" : "no other partner (dissolved)");
	for (size_t i = 0; i < m->nothers && o < sizeof(more); i++)
		o += (size_t)snprintf(more + o, sizeof(more) - o, "%s %s",
		    i ? "," : "", m->others[i].partner);
	return audit(n, "concern.match", h->partner, h->number, token, more);
}

/* rematch makes the matches on token true: each active concern's partner
 * is told the others, if that is news to it */
static wn_err
rematch(struct node *n, const uint8_t *token, bool *kick)
{
	const size_t cap = PROTO_MATCH_OTHERS_MAX + 1;
	struct held *hs = calloc(cap, sizeof(*hs));
	sqlite3_stmt *st = NULL;
	size_t k = 0;
	wn_err rc = WN_ENOMEM;
	int r;
	if (hs == NULL)
		return WN_ENOMEM;
	rc = WN_EDB;
	/* one row per partner (UNIQUE (partner, token)), by org id: the
	 * order a notice lists them in */
	if ((st = concern_prep(n, "SELECT partner, number, contact, "
				  "received_ms, told_n, told FROM concerns_held "
				  "WHERE token = ? AND until_ms > ? ORDER BY "
				  "partner")) == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, token, PROTO_TOKEN_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, concern_now());
	while ((r = sqlite3_step(st)) == SQLITE_ROW && k < cap) {
		const char *org = (const char *)sqlite3_column_text(st, 0);
		struct node_peer *p = node_peer_find(n, org);
		/* a partner no longer enrolled is nobody's match (its
		 * concerns expire here as any do) */
		if (strcmp(org, n->cfg.org_id) != 0 && (p == NULL || p->gone))
			continue;
		struct held *h = &hs[k++];
		wn_strlcpy(h->partner, org, sizeof(h->partner));
		h->number = sqlite3_column_int64(st, 1);
		wn_strlcpy(h->contact, (const char *)sqlite3_column_text(st, 2),
		    sizeof(h->contact));
		h->received_ms = sqlite3_column_int64(st, 3);
		h->told = sqlite3_column_type(st, 4) != SQLITE_NULL &&
		    sqlite3_column_bytes(st, 5) == SEC_HASH_LEN;
		h->told_n = sqlite3_column_int64(st, 4);
		if (h->told)
			memcpy(h->hash, sqlite3_column_blob(st, 5), SEC_HASH_LEN);
	}
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < k; i++) {
		memset(&notice, 0, sizeof(notice));
		notice.number = (uint64_t)hs[i].number;
		for (size_t j = 0; j < k; j++) {
			if (j == i || notice.nothers == PROTO_MATCH_OTHERS_MAX)
				continue;
			struct proto_concern_other *o =
			    &notice.others[notice.nothers++];
			wn_strlcpy(o->partner, hs[j].partner, sizeof(o->partner));
			wn_strlcpy(o->contact, hs[j].contact, sizeof(o->contact));
			o->since_ms = hs[i].received_ms > hs[j].received_ms
			    ? hs[i].received_ms : hs[j].received_ms;
		}
		if ((rc = tell_one(n, &hs[i], &notice, token, kick)) != WN_OK)
			goto out;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(hs);
	return rc;
}

/* drop deletes one concern held (the partner's number), telling its
 * partner its match is gone if it had been told of one; *token gets the
 * concern's token (false: there was none) */
static wn_err
drop(struct node *n, const char *partner, int64_t number,
    uint8_t token[PROTO_TOKEN_LEN], bool *found, bool *kick)
{
	sqlite3_stmt *st = concern_prep(n, "SELECT token, told_n FROM "
					   "concerns_held WHERE partner = ? AND "
					   "number = ?");
	int64_t told_n = 0;
	wn_err rc;
	int r;
	*found = false;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		memcpy(token, sqlite3_column_blob(st, 0), PROTO_TOKEN_LEN);
		told_n = sqlite3_column_int64(st, 1);
		*found = true;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? WN_OK : WN_EDB;
	if (told_n > 0) {
		struct held h = {.number = number, .told = true,
		    .told_n = told_n};
		wn_strlcpy(h.partner, partner, sizeof(h.partner));
		memset(&notice, 0, sizeof(notice));
		notice.number = (uint64_t)number;
		if ((rc = tell_one(n, &h, &notice, token, kick)) != WN_OK)
			return rc;
	}
	if ((st = concern_prep(n, "DELETE FROM concerns_held WHERE partner = ? "
				  "AND number = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, number);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_concern_expire(struct node *n, bool *kick)
{
	if (!n->is_director)
		return WN_OK;
	/* one at a time: each drop rewrites the rows a batch would hold */
	for (;;) {
		char partner[PROTO_ORG_ID_MAX + 1];
		uint8_t token[PROTO_TOKEN_LEN];
		int64_t number, until;
		bool found;
		wn_err rc;
		char day[11], more[40];
		sqlite3_stmt *st = concern_prep(n, "SELECT partner, number, "
						   "until_ms FROM concerns_held "
						   "WHERE until_ms <= ? ORDER BY "
						   "until_ms LIMIT 1");
		int r;
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, concern_now());
		if ((r = sqlite3_step(st)) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return r == SQLITE_DONE ? WN_OK : WN_EDB;
		}
		wn_strlcpy(partner, (const char *)sqlite3_column_text(st, 0),
		    sizeof(partner));
		number = sqlite3_column_int64(st, 1);
		until = sqlite3_column_int64(st, 2);
		sqlite3_finalize(st);
		if ((rc = drop(n, partner, number, token, &found, kick)) != WN_OK)
			return rc;
		concern_day(until, day);
		snprintf(more, sizeof(more), "expired %s", day);
		if ((rc = audit(n, "concern.expired", partner, number, token,
			 more)) != WN_OK ||
		    (rc = rematch(n, token, kick)) != WN_OK)
			return rc;
	}
}

/* replace drops the partner's other concern on the same token (a
 * partner holds one per token here), so the new number takes its place */
static wn_err
replace(struct node *n, const char *partner, const struct proto_concern *c,
    bool *kick)
{
	sqlite3_stmt *st = concern_prep(n, "SELECT number FROM concerns_held "
					   "WHERE partner = ? AND token = ? AND "
					   "number != ?");
	uint8_t token[PROTO_TOKEN_LEN];
	int64_t old;
	bool found;
	wn_err rc;
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, c->token, PROTO_TOKEN_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)c->number);
	r = sqlite3_step(st);
	old = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? WN_OK : WN_EDB;
	if ((rc = drop(n, partner, old, token, &found, kick)) != WN_OK)
		return rc;
	return audit(n, "concern.withdrawn", partner, old, token,
	    "replaced by a newer concern on the same subject");
}

/* held_count: how many active concerns partner holds here (*active),
 * and whether c is a new one (*fresh: neither a change of one held nor
 * one that replaces the partner's concern on the same token), which
 * concern_limit counts */
static wn_err
held_count(struct node *n, const char *partner, const struct proto_concern *c,
    int64_t now, bool *fresh, int64_t *active)
{
	sqlite3_stmt *st = concern_prep(n, "SELECT (SELECT count(*) FROM "
					   "concerns_held WHERE partner = ?1 AND "
					   "until_ms > ?4), EXISTS (SELECT 1 FROM "
					   "concerns_held WHERE partner = ?1 AND "
					   "(number = ?2 OR token = ?3))");
	wn_err rc = WN_EDB;
	*fresh = false;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)c->number);
	sqlite3_bind_blob(st, 3, c->token, PROTO_TOKEN_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*active = sqlite3_column_int64(st, 0);
		*fresh = sqlite3_column_int(st, 1) == 0;
		rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* keep writes a registration (a change keeps the since and what was
 * told); *moved gets a token the concern held before, if another */
static wn_err
keep(struct node *n, const char *partner, const struct proto_concern *c,
    uint8_t moved[PROTO_TOKEN_LEN], bool *was_other)
{
	sqlite3_stmt *st = concern_prep(n, "SELECT token FROM concerns_held "
					   "WHERE partner = ? AND number = ?");
	int r;
	*was_other = false;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)c->number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    memcmp(sqlite3_column_blob(st, 0), c->token, PROTO_TOKEN_LEN) != 0) {
		memcpy(moved, sqlite3_column_blob(st, 0), PROTO_TOKEN_LEN);
		*was_other = true;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return WN_EDB;
	bool held = r == SQLITE_ROW;
	st = concern_prep(n, held ? "UPDATE concerns_held SET token = ?3, "
				    "contact = ?4, until_ms = ?5 WHERE partner "
				    "= ?1 AND number = ?2"
				  : "INSERT INTO concerns_held (partner, number, "
				    "token, contact, until_ms, received_ms) "
				    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, partner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)c->number);
	sqlite3_bind_blob(st, 3, c->token, PROTO_TOKEN_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->contact, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->until_ms);
	if (!held)
		sqlite3_bind_int64(st, 6, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
concern_held_put(struct node *n, const char *partner,
    const struct proto_concern *c, bool *kick, char *why, size_t whylen)
{
	uint8_t token[PROTO_TOKEN_LEN];
	int64_t now = concern_now(), active = 0;
	bool found = false, moved = false, fresh = false;
	char day[11], more[40], d[300];
	wn_err rc;
	/* expiry is checked at each change too */
	if ((rc = node_concern_expire(n, kick)) != WN_OK)
		return rc;
	if (!c->withdrawn && c->until_ms > now + YEARS_MS) {
		snprintf(why, whylen, "concern %llu of %s expires more than two "
		    "years ahead", (unsigned long long)c->number, partner);
		return WN_EINVAL;
	}
	if (c->withdrawn || c->until_ms <= now) {
		/* an expired registration ends the concern as a withdrawal
		 * does; a number not held is news of nothing */
		if ((rc = drop(n, partner, (int64_t)c->number, token, &found,
			 kick)) != WN_OK || !found)
			return rc;
		if ((rc = audit(n, c->withdrawn ? "concern.withdrawn"
						: "concern.expired", partner,
			 (int64_t)c->number, token, "")) != WN_OK)
			return rc;
		return rematch(n, token, kick);
	}
	if ((rc = held_count(n, partner, c, now, &fresh, &active)) != WN_OK)
		return rc;
	if (fresh && active >= (int64_t)n->cfg.concern_limit) {
		/* refused whole (the exchange audits the refusal, the
		 * control socket a command's): nothing of it is kept */
		snprintf(why, whylen, "%s holds %lld active concerns at the "
		    "director, its limit (concern_limit): concern %llu is not "
		    "registered", partner, (long long)active,
		    (unsigned long long)c->number);
		wn_log(WN_LOG_WARN, "concerns: %s", why);
		return WN_ELIMIT;
	}
	if ((rc = replace(n, partner, c, kick)) != WN_OK ||
	    (rc = keep(n, partner, c, token, &moved)) != WN_OK)
		return rc;
	if (fresh && active + 1 == (int64_t)n->cfg.concern_limit) {
		/* the one that reaches the limit: alerted once, the next
		 * ones are refused (and audited as refusals) */
		snprintf(d, sizeof(d), "partner %s reached the limit of %lld "
		    "active concerns (concern_limit): its next new concerns "
		    "are refused", partner, (long long)active + 1);
		wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", d);
		if ((rc = node_audit_append(n->store, "system",
			 "alert.concern_limit", partner, d)) != WN_OK)
			return rc;
	}
	concern_day(c->until_ms, day);
	snprintf(more, sizeof(more), "until %s", day);
	if ((rc = audit(n, "concern.registered", partner, (int64_t)c->number,
		 c->token, more)) != WN_OK)
		return rc;
	if (moved && (rc = rematch(n, token, kick)) != WN_OK)
		return rc;
	return rematch(n, c->token, kick);
}

wn_err
node_concern_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *b, size_t len,
    char *why, size_t whylen)
{
	struct proto_concern c;
	struct proto_error perr = {0};
	bool kick = false;
	wn_err rc;
	(void)h;
	if (!n->is_director) {
		snprintf(why, whylen, "concerns go to the federation's "
		    "director");
		return WN_EDENIED;
	}
	if (proto_concern_decode(b, len, &c, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed concern at byte %zu: %s",
		    perr.offset, perr.msg);
		return WN_EPROTO;
	}
	rc = concern_held_put(n, from->org_id, &c, &kick, why, whylen);
	sec_wipe(&c, sizeof(c));
	/* the delivery thread looks at the outbox within a second; the
	 * applier wakes it only for a new peer table */
	if (rc == WN_OK && kick)
		node_peer_kick(n);
	return rc;
}
