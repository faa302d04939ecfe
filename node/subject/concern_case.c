/*
 * concern_case.c - the director's matches as it holds them
 * (concern.held) and a match turned into a case (concern.case).
 *
 * A match at the director is a token on which two or more partners hold
 * an active concern; it is named by the token's fingerprint
 * (node_concern_fp, 8 hex digits: what the audit records show), never by
 * the token. concern.case opens a case through need/'s own commands, as
 * an operator would: case.open on the token (its `token` argument: the
 * case's subject is the token, never a name), then case.invite for each
 * other partner of the match, each in this request's transaction (all or
 * nothing). Each member finds its own subject in such a case by the token
 * (node_subject_ref_of), whatever its reference: need/ asks through the
 * functions registered here (concern_case_register, node_need_on_tokens).
 */
#include "node/subject/concern_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "crypto/sec.h"
#include "node/need/need.h"

/* PARTNERS: the active concerns on one token, by partner */
#define PARTNERS                                                              \
	"SELECT partner, number, contact, until_ms, received_ms FROM "        \
	"concerns_held WHERE token = ?1 AND until_ms > ?2 ORDER BY partner"

/* find_match: the token whose fingerprint is fp among the tokens two or
 * more partners hold an active concern on (said in c when none, or more
 * than one) */
static wn_err
find_match(struct node_ctl_call *c, const char *fp,
    uint8_t token[PROTO_TOKEN_LEN])
{
	sqlite3_stmt *st = concern_prep(c->n, "SELECT token FROM concerns_held "
					      "WHERE until_ms > ? GROUP BY token "
					      "HAVING count(*) >= 2");
	size_t found = 0;
	char f[9];
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, concern_now());
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != PROTO_TOKEN_LEN)
			continue;
		node_concern_fp(sqlite3_column_blob(st, 0), f);
		if (strcmp(f, fp) == 0 && found++ == 0)
			memcpy(token, sqlite3_column_blob(st, 0),
			    PROTO_TOKEN_LEN);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (found == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "no match %s here "
		    "(concern held lists them)", fp);
	if (found > 1)
		return node_ctl_fail(c, WN_EINVAL, "%zu matches have the "
		    "fingerprint %s: open their case by hand", found, fp);
	return WN_OK;
}

wn_err
node_ctl_concern_held(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st = NULL, *pt = NULL;
	size_t rows = 0, matches = 0;
	/* one clock for both passes: a concern that expires between them
	 * would make the rows written fewer than the count announced */
	int64_t now = concern_now();
	char fp[9], msg[120];
	wn_err rc = WN_EDB;
	int r;
	if (!n->is_director)
		return node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director holds the partners' concerns");
	/* two passes: count the rows, then write them */
	if ((st = concern_prep(n, "SELECT token FROM concerns_held WHERE "
				  "until_ms > ?1 GROUP BY token HAVING "
				  "count(*) >= 2 ORDER BY min(received_ms) "
				  "LIMIT 1000")) == NULL ||
	    (pt = concern_prep(n, PARTNERS)) == NULL)
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, now);
		if (pass == 1) {
			snprintf(msg, sizeof(msg), "%zu match%s: partners with "
			    "a concern on the same subject", matches,
			    matches == 1 ? "" : "es");
			proto_ctl_reply_begin(c->w, WN_OK, msg, rows);
		}
		while ((r = sqlite3_step(st)) == SQLITE_ROW) {
			const void *token = sqlite3_column_blob(st, 0);
			node_concern_fp(token, fp);
			matches += pass == 0;
			sqlite3_reset(pt);
			sqlite3_bind_blob(pt, 1, token, PROTO_TOKEN_LEN,
			    SQLITE_TRANSIENT);
			sqlite3_bind_int64(pt, 2, now);
			while ((r = sqlite3_step(pt)) == SQLITE_ROW) {
				if (pass == 0) {
					rows++;
					continue;
				}
				proto_ctl_row_begin(c->w, 6);
				proto_ctl_field_text(c->w, "match", fp);
				proto_ctl_field_text(c->w, "partner",
				    (const char *)sqlite3_column_text(pt, 0));
				proto_ctl_field_int(c->w, "concern",
				    sqlite3_column_int64(pt, 1));
				proto_ctl_field_text(c->w, "contact",
				    (const char *)sqlite3_column_text(pt, 2));
				proto_ctl_field_int(c->w, "until_ms",
				    sqlite3_column_int64(pt, 3));
				proto_ctl_field_int(c->w, "since_ms",
				    sqlite3_column_int64(pt, 4));
			}
			if (r != SQLITE_DONE)
				goto out;
		}
		if (r != SQLITE_DONE)
			goto out;
	}
	/* who looked is the record's user; the matches by count only */
	snprintf(c->detail, sizeof(c->detail), "viewed %zu matches (%zu "
	    "partners' concerns, with their contacts)", matches, rows);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(pt);
	return rc;
}

wn_err
node_ctl_concern_case(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *fp = node_ctl_arg(c, "match");
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	uint8_t token[PROTO_TOKEN_LEN];
	char hex[2 * PROTO_TOKEN_LEN + 1], case_id[64] = "";
	char invited[300] = "", msg[400];
	sqlite3_stmt *st = NULL;
	size_t o = 0, k = 0;
	wn_err rc = WN_ENOMEM;
	int r;
	if (req == NULL)
		goto out;
	if (!n->is_director) {
		rc = node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director holds the matches");
		goto out;
	}
	if (strlen(fp) != 8 || strspn(fp, "0123456789abcdef") != 8) {
		rc = node_ctl_fail(c, WN_EINVAL, "a match is named by its 8 hex "
		    "digits (concern held)");
		goto out;
	}
	if ((rc = find_match(c, fp, token)) != WN_OK)
		goto out;
	/* the token goes into the case as its subject: case.open counts it
	 * as one of the user's tokens today, as a derivation is
	 * (token_daily_limit) */
	sec_hex(hex, sizeof(hex), token, sizeof(token));
	rc = WN_EINVAL;
	if (proto_ctl_request_init(req, "case.open") != WN_OK ||
	    proto_ctl_request_add(req, "type", node_ctl_arg(c, "type")) !=
		WN_OK ||
	    proto_ctl_request_add(req, "token", hex) != WN_OK ||
	    proto_ctl_request_add(req, "purpose", node_ctl_arg(c, "purpose")) !=
		WN_OK ||
	    proto_ctl_request_add(req, "ground", node_ctl_arg(c, "ground")) !=
		WN_OK)
		goto out;
	if ((rc = node_ctl_subcall(c, node_ctl_case_open, req, "case_id",
		 case_id, sizeof(case_id))) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = concern_prep(n, PARTNERS)) == NULL)
		goto out;
	sqlite3_bind_blob(st, 1, token, sizeof(token), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, concern_now());
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *org = (const char *)sqlite3_column_text(st, 0);
		if (strcmp(org, n->cfg.org_id) == 0)
			continue; /* it directs the case: a member already */
		if ((rc = proto_ctl_request_init(req, "case.invite")) != WN_OK ||
		    (rc = proto_ctl_request_add(req, "case", case_id)) != WN_OK ||
		    (rc = proto_ctl_request_add(req, "org", org)) != WN_OK ||
		    (rc = node_ctl_subcall(c, node_ctl_case_invite, req, NULL,
			 NULL, 0)) != WN_OK)
			goto out;
		if (o < sizeof(invited))
			o += (size_t)snprintf(invited + o, sizeof(invited) - o,
			    "%s%s", k++ ? ", " : "", org);
	}
	if (r != SQLITE_DONE) {
		rc = WN_EDB;
		goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "case %s (%s) opened on match "
	    "%s; invited %s", case_id, node_ctl_arg(c, "type"), fp,
	    k ? invited : "nobody");
	snprintf(msg, sizeof(msg), "case %s opened on match %s; invited %s",
	    case_id, fp, k ? invited : "nobody");
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 1);
	proto_ctl_field_text(c->w, "case_id", case_id);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(req);
	return rc;
}

/* ---- how need/ meets this node's subjects --------------------------- */

static wn_err
token_of(struct node *n, const char *ref, uint8_t token[32])
{
	return node_subject_token_of(n, ref, token);
}

static wn_err
ref_of(struct node *n, const uint8_t token[32], char *ref, size_t cap)
{
	return node_subject_ref_of(n, token, ref, cap);
}

static void
fp_of(const uint8_t token[32], char out[9])
{
	node_concern_fp(token, out);
}

void
concern_case_register(void)
{
	static const struct node_need_tokens t = {ref_of, token_of, fp_of,
	    node_subject_local_use};
	node_need_on_tokens(&t);
}
