/*
 * case.c - cases, dossiers, consent, and the four filters on what leaves.
 *
 * A field about a person leaves this node for node B about case C only if
 *   1. the matrix gives B's role at least `existence` for the field's
 *      category in C's case type (`existence` sends the category, no value);
 *   2. B is a current member of C (the director's word, from CASE messages)
 *      and so is this node;
 *   3. consent, or a legal basis the matrix names, covers the subject and
 *      category where the matrix requires one: given, not expired, not
 *      withdrawn, at the instant of sending;
 *   4. a person here approved that category for that request (share
 *      approve), or this node's policy shares it without asking
 *      (auto_share in the config).
 * The receiver checks 1 and 2 again against the matrix version it holds,
 * and refuses (and audits) a disclosure that carries anything it should
 * not have got. Every proposal, decision, disclosure, refusal and
 * retraction is audited with the user, case, categories, purpose, legal
 * ground and the W3C trace id carried in the envelope.
 */
#include "node/need/case_int.h"

#include <stdarg.h>
#include <string.h>

/* Mutation hooks for the canary test: `make mutation` builds wijknetd with
 * -DWN_MUTATE=N, which disables one of the four filters, and checks that
 * tests/integration/test_need.sh then fails. A normal build compiles them
 * out (WN_MUTATE is 0). */
#ifndef WN_MUTATE
#define WN_MUTATE 0
#endif
enum { MUT_MATRIX = 1, MUT_MEMBERSHIP, MUT_CONSENT, MUT_DECISION };
#define MUTATE(which) (WN_MUTATE == (which))

sqlite3_stmt *
case_prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "sql: %s", node_store_errmsg(n->store));
		return NULL;
	}
	return st;
}

const char *
case_col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

bool
case_load(struct node *n, const char *id, struct case_info *ci)
{
	sqlite3_stmt *st = case_prep(n, "SELECT case_id, type, subject, "
					"purpose, ground, director FROM "
					"cases WHERE case_id = ?");
	bool ok = false;
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		wn_strlcpy(ci->id, case_col(st, 0), sizeof(ci->id));
		ci->type = sqlite3_column_int(st, 1);
		wn_strlcpy(ci->subject, case_col(st, 2), sizeof(ci->subject));
		wn_strlcpy(ci->purpose, case_col(st, 3), sizeof(ci->purpose));
		wn_strlcpy(ci->ground, case_col(st, 4), sizeof(ci->ground));
		wn_strlcpy(ci->director, case_col(st, 5), sizeof(ci->director));
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* case_member_role: true if org is a current member of the case */
bool
case_member_role(struct node *n, const char *case_id, const char *org,
    int *role)
{
	sqlite3_stmt *st = case_prep(n, "SELECT role FROM case_members WHERE "
					"case_id = ? AND org_id = ? AND "
					"removed = 0");
	bool ok = false;
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (role)
			*role = sqlite3_column_int(st, 0);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* case_protocol_ground: a case whose legal ground is a named consultation
 * protocol (basis:NAME) shares only between members that signed it */
bool
case_protocol_ground(const struct case_info *ci)
{
	return strncmp(ci->ground, "basis:", 6) == 0;
}

bool
case_attested(struct node *n, const char *case_id, const char *org)
{
	sqlite3_stmt *st = case_prep(n, "SELECT attested FROM case_members "
					"WHERE case_id = ? AND org_id = ? "
					"AND removed = 0");
	bool yes = false;
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return yes;
}

wn_err
case_matrix_in_force(struct node *n, struct proto_matrix *m)
{
	sqlite3_stmt *st = case_prep(n, "SELECT signed FROM matrix ORDER BY "
					"version DESC LIMIT 1");
	const uint8_t *pk = n->is_director
	    ? sec_identity_public(n->id)->sign_pk
	    : n->director_pk;
	wn_err rc = WN_OK;
	memset(m, 0, sizeof(*m));
	if (st == NULL)
		return WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = proto_matrix_verify_signed(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), pk, m, NULL);
	sqlite3_finalize(st);
	if (rc == WN_OK && !node_matrix_ours(n, m))
		memset(m, 0, sizeof(*m)); /* another federation's: none */
	return rc;
}

static void
new_id(char *out, size_t cap, const char *prefix, size_t nbytes)
{
	uint8_t r[16];
	char hex[33];
	sec_random(r, nbytes);
	sec_hex(hex, sizeof(hex), r, nbytes);
	snprintf(out, cap, "%s%s", prefix, hex);
}

void
case_new_trace(char tp[PROTO_TP_LEN + 1])
{
	char t[33], s[17];
	uint8_t r[24];
	sec_random(r, sizeof(r));
	sec_hex(t, sizeof(t), r, 16);
	sec_hex(s, sizeof(s), r + 16, 8);
	snprintf(tp, PROTO_TP_LEN + 1, "00-%s-%s-01", t, s);
}

static bool
ground_valid(const char *g)
{
	return strcmp(g, "consent") == 0 ||
	    (strncmp(g, "basis:", 6) == 0 && g[6] != '\0');
}

wn_err
case_parse_categories(const char *list, uint32_t *mask)
{
	char buf[512], *save = NULL;
	*mask = 0;
	if (wn_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf) || !buf[0])
		return WN_EINVAL;
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		enum cfg_category k;
		if (!cfg_category_parse(t, &k))
			return WN_EINVAL;
		*mask |= 1u << k;
	}
	return WN_OK;
}

void
case_categories_text(uint32_t mask, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (int k = 0; k < CFG_CATEGORIES; k++)
		if (mask & (1u << k))
			o += (size_t)snprintf(out + o, o < cap ? cap - o : 0,
			    "%s%s", o ? "," : "",
			    cfg_category_name((enum cfg_category)k));
}

/* ---- cases (the director) -------------------------------------------- */

/* directs_cases: does this node direct cases? The lead director does; a
 * member does when the director enrolled it with --directs, which the
 * member reads from its own entry in the newest charter it holds. Every
 * other node's CASE is refused by its receivers, so it must not open or
 * change one. */
static bool
directs_cases(struct node *n)
{
	struct proto_charter *ch;
	sqlite3_stmt *st;
	bool yes = false;
	if (n->is_director)
		return true;
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return false;
	if ((st = case_prep(n, "SELECT signed FROM charter ORDER BY version "
			       "DESC LIMIT 1")) != NULL &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    proto_charter_verify_signed(sqlite3_column_blob(st, 0),
		(size_t)sqlite3_column_bytes(st, 0), n->director_pk, ch,
		NULL) == WN_OK)
		for (size_t i = 0; i < ch->nmembers; i++)
			if (strcmp(ch->members[i].org, n->cfg.org_id) == 0)
				yes = ch->members[i].directs;
	sqlite3_finalize(st);
	free(ch);
	return yes;
}

#define NOT_DIRECTING "this node does not direct cases: the director (or " \
	"a member it enrolled with --directs) opens cases and changes their " \
	"members"

/* case_send tells every current member (and `also`, a member just
 * removed) how the case stands now. */
wn_err
case_send(struct node *n, const struct case_info *ci, const char *also)
{
	struct proto_case *pc = calloc(1, sizeof(*pc));
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	if (pc == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	wn_strlcpy(pc->id, ci->id, sizeof(pc->id));
	pc->type = (uint32_t)ci->type;
	wn_strlcpy(pc->subject, ci->subject, sizeof(pc->subject));
	wn_strlcpy(pc->purpose, ci->purpose, sizeof(pc->purpose));
	wn_strlcpy(pc->ground, ci->ground, sizeof(pc->ground));
	wn_strlcpy(pc->director, ci->director, sizeof(pc->director));
	rc = WN_EDB;
	if ((st = case_prep(n, "SELECT org_id, role, attested FROM "
			       "case_members WHERE case_id = ? AND "
			       "removed = 0 ORDER BY org_id")) ==
	    NULL)
		goto out;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW &&
	    pc->nmembers < PROTO_CASE_MAX_MEMBERS) {
		wn_strlcpy(pc->members[pc->nmembers].org, case_col(st, 0),
		    sizeof(pc->members[0].org));
		pc->members[pc->nmembers].attested =
		    sqlite3_column_int(st, 2) != 0;
		pc->members[pc->nmembers++].role =
		    (uint32_t)sqlite3_column_int(st, 1);
	}
	if ((rc = proto_case_encode(pc, &w)) != WN_OK)
		goto out;
	for (size_t i = 0; i <= pc->nmembers; i++) {
		const char *to = i < pc->nmembers ? pc->members[i].org : also;
		struct node_peer *p;
		if (to == NULL || strcmp(to, n->cfg.org_id) == 0 ||
		    (p = node_peer_find(n, to)) == NULL || p->gone)
			continue;
		if ((rc = node_outbox_push(n, p, PROTO_MSG_CASE, w.buf,
			 w.len)) != WN_OK)
			goto out;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(pc);
	return rc;
}

wn_err
node_ctl_case_open(struct node_ctl_call *c)
{
	struct node *n = c->n;
	enum cfg_case_type type;
	struct case_info ci = {0};
	sqlite3_stmt *st;
	if (!directs_cases(n))
		return fail(c, WN_EDENIED, NOT_DIRECTING);
	if (!cfg_case_type_parse(arg(c, "type"), &type))
		return fail(c, WN_EINVAL, "unknown case type '%s'",
		    arg(c, "type"));
	/* the control layer already refused text over its limits in
	 * characters; what is left is a missing argument */
	if (!arg(c, "subject")[0] || strlen(arg(c, "subject")) >
	    PROTO_SUBJECT_MAX)
		return fail(c, WN_EINVAL, "a subject is required");
	if (!arg(c, "purpose")[0] || strlen(arg(c, "purpose")) >
	    PROTO_PURPOSE_MAX)
		return fail(c, WN_EINVAL, "a purpose is required");
	if (!ground_valid(arg(c, "ground")) ||
	    strlen(arg(c, "ground")) > PROTO_GROUND_MAX)
		return fail(c, WN_EINVAL, "the legal ground is 'consent' or "
		    "'basis:NAME'");
	new_id(ci.id, sizeof(ci.id), "c-", 6);
	if ((st = case_prep(n, "INSERT INTO cases (case_id, type, subject, "
			       "purpose, ground, director, opened_ms) "
			       "VALUES (?,?,?,?,?,?,?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)type);
	sqlite3_bind_text(st, 3, arg(c, "subject"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, arg(c, "purpose"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, arg(c, "ground"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* the director convenes the case under its ground: it has signed */
	if ((st = case_prep(n, "INSERT INTO case_members (case_id, org_id, "
			       "role, attested) VALUES (?, ?, ?, 1)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)n->cfg.role);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "case %s (%s), purpose: %s; "
	    "ground: %s", ci.id, cfg_case_type_name(type), arg(c, "purpose"),
	    arg(c, "ground"));
	proto_ctl_reply_begin(c->w, WN_OK, "case opened", 1);
	proto_ctl_row_begin(c->w, 1);
	proto_ctl_field_text(c->w, "case_id", ci.id);
	return WN_OK;
}

/* case_retract_from sends `to`, just removed from case ci, a retraction of
 * every field this node disclosed to it in that case and has not retracted
 * yet, as a consent withdrawal does (retract): `to` deletes them and
 * answers with a signed RETRACTION_ACK (apply_retraction). A node that is
 * no longer a peer cannot be reached; it deleted the case's fields itself
 * when it learnt of its removal (forget_case), if it ever did. */
wn_err
case_retract_from(struct node *n, const struct case_info *ci, const char *to)
{
	struct proto_retraction *r = calloc(1, sizeof(*r));
	struct node_peer *p = node_peer_find(n, to);
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	size_t total = 0;
	wn_err rc = WN_ENOMEM;
	if (r == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	rc = WN_OK;
	if (p == NULL || p->gone)
		goto out;
	snprintf(r->reason, sizeof(r->reason), "removed from case %s", ci->id);
	/* only this case's copies: the same field disclosed in another case
	 * the recipient is still a member of stays there */
	wn_strlcpy(r->case_id, ci->id, sizeof(r->case_id));
	rc = WN_EDB;
	if ((st = case_prep(n, "SELECT DISTINCT field_id FROM disclosures "
			       "WHERE case_id = ? AND to_org = ? AND "
			       "retracted_ms IS NULL ORDER BY "
			       "field_id")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	for (bool more = true; more;) {
		int step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE)
			goto out;
		if ((more = step == SQLITE_ROW))
			r->ids[r->n++] = (uint64_t)sqlite3_column_int64(st, 0);
		if (r->n > 0 && (!more || r->n == PROTO_RETRACT_MAX)) {
			proto_writer_reset(&w);
			if ((rc = proto_retraction_encode(r, false, &w)) !=
				WN_OK ||
			    (rc = node_outbox_push(n, p, PROTO_MSG_RETRACTION,
				 w.buf, w.len)) != WN_OK)
				goto out;
			rc = WN_EDB;
			total += r->n;
			r->n = 0;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = WN_OK;
	if (total == 0)
		goto out;
	rc = WN_EDB;
	if ((st = case_prep(n, "UPDATE disclosures SET retracted_ms = ? WHERE "
			       "case_id = ? AND to_org = ? AND "
			       "retracted_ms IS NULL")) ==
	    NULL)
		goto out;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	sqlite3_bind_text(st, 2, ci->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	char detail[400];
	snprintf(detail, sizeof(detail), "%zu fields about %s retracted from "
	    "%s: %s; its receipt is owed", total, ci->subject, to, r->reason);
	rc = node_audit_append(n->store, "system", "retraction.sent", to,
	    detail);
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(r);
	return rc;
}

static wn_err
membership(struct node_ctl_call *c, bool add)
{
	struct node *n = c->n;
	struct case_info ci;
	struct node_peer *p = NULL;
	sqlite3_stmt *st;
	enum cfg_role role = 0;
	const char *org = arg(c, "org");
	if (!directs_cases(n))
		return fail(c, WN_EDENIED, NOT_DIRECTING);
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (strcmp(ci.director, n->cfg.org_id) != 0)
		return fail(c, WN_EDENIED, "only the case's director (%s) "
		    "changes its members", ci.director);
	if (strcmp(org, n->cfg.org_id) == 0)
		return fail(c, WN_EINVAL, "%s directs case %s: it stays a "
		    "member", org, ci.id);
	/* a change that changes nothing is refused, and sends nothing: a
	 * CASE goes only to members and to the one just removed */
	bool member = case_member_role(n, ci.id, org, NULL);
	if (add && member)
		return fail(c, WN_EINVAL, "%s is already a member of case %s",
		    org, ci.id);
	if (!add && !member)
		return fail(c, WN_ENOTFOUND, "%s is not a member of case %s",
		    org, ci.id);
	if (add) {
		if ((p = node_peer_find(n, org)) == NULL || p->gone)
			return fail(c, WN_ENOTFOUND, "'%s' is not a peer", org);
		if (!cfg_role_parse(p->role, &role))
			return WN_ECORRUPT;
	}
	st = case_prep(n, add ? "INSERT OR REPLACE INTO case_members (case_id, "
				"org_id, role, removed) VALUES (?, ?, ?, 0)"
			      : "UPDATE case_members SET removed = 1 WHERE "
				"case_id = ?1 AND org_id = ?2 AND ?3 = ?3");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)role);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	wn_err rc = add ? WN_OK : case_retract_from(n, &ci, org);
	if (rc == WN_OK)
		rc = case_send(n, &ci, add ? NULL : org);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "case %s: %s %s", ci.id,
	    add ? "invited" : "removed", org);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, add ? "member invited"
					       : "member removed", 0);
	return WN_OK;
}

wn_err
node_ctl_case_invite(struct node_ctl_call *c)
{
	return membership(c, true);
}

wn_err
node_ctl_case_remove(struct node_ctl_call *c)
{
	return membership(c, false);
}

size_t
case_count_rows(struct node *n, const char *sql, const char *a)
{
	sqlite3_stmt *st = case_prep(n, sql);
	size_t v = 0;
	if (st == NULL)
		return 0;
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (size_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* case_nothing_named answers a listing whose filter names nothing this node
 * knows (exit 1 in the CLI). It is still a lookup, audited as failed and
 * counted towards the snooping alert (case_opened), so it commits as a read
 * does rather than failing the request, which would roll back an alert
 * the lookup raised. */
wn_err WN_PRINTF(3, 4)
case_nothing_named(struct node_ctl_call *c, const char *dossier,
    const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->detail, sizeof(c->detail), "failed: %s", msg);
	case_opened(c, dossier);
	proto_ctl_reply_begin(c->w, WN_ENOTFOUND, msg, 0);
	return WN_OK;
}

wn_err
node_ctl_case_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *one = proto_ctl_request_arg(c->req, "case");
	size_t rows = one ? case_count_rows(n, "SELECT count(*) FROM cases "
					       "WHERE case_id = ?", one)
			  : case_count_rows(n, "SELECT count(*) FROM "
					       "cases", NULL);
	sqlite3_stmt *st = case_prep(n,
	    "SELECT c.case_id, c.type, c.subject, c.purpose, c.ground, "
	    "c.director, (SELECT group_concat(org_id, ',') FROM case_members m "
	    "WHERE m.case_id = c.case_id AND m.removed = 0), (SELECT "
	    "count(*) FROM case_members m WHERE m.case_id = c.case_id AND "
	    "m.org_id = ?2 AND m.removed = 0) FROM cases c WHERE ?1 IS NULL "
	    "OR c.case_id = ?1 ORDER BY c.opened_ms");
	if (st == NULL)
		return WN_EDB;
	if (one != NULL && rows == 0) {
		sqlite3_finalize(st);
		return fail(c, WN_ENOTFOUND, "no case '%s'", one);
	}
	if (one)
		sqlite3_bind_text(st, 1, one, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->cfg.org_id, -1, SQLITE_STATIC);
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	for (size_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		proto_ctl_row_begin(c->w, 8);
		proto_ctl_field_text(c->w, "case_id", case_col(st, 0));
		proto_ctl_field_text(c->w, "type", cfg_case_type_name(
		    (enum cfg_case_type)sqlite3_column_int(st, 1)));
		proto_ctl_field_text(c->w, "subject", case_col(st, 2));
		proto_ctl_field_text(c->w, "purpose", case_col(st, 3));
		proto_ctl_field_text(c->w, "ground", case_col(st, 4));
		proto_ctl_field_text(c->w, "director", case_col(st, 5));
		proto_ctl_field_text(c->w, "members", case_col(st, 6));
		proto_ctl_field_bool(c->w, "member", sqlite3_column_int(st, 7));
	}
	sqlite3_finalize(st);
	return WN_OK;
}

wn_err
node_ctl_case_request(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	struct proto_info_request q = {0};
	uint8_t buf[256];
	struct proto_writer w;
	char tp[PROTO_TP_LEN + 1], cats[256];
	sqlite3_stmt *st;
	size_t sent = 0;
	wn_err rc = WN_OK;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (strcmp(ci.director, n->cfg.org_id) != 0)
		return fail(c, WN_EDENIED, "only the case's director asks its "
		    "members");
	if (case_parse_categories(arg(c, "categories"), &q.categories) != WN_OK)
		return fail(c, WN_EINVAL, "categories: a comma list of "
		    "information categories");
	wn_strlcpy(q.case_id, ci.id, sizeof(q.case_id));
	sec_random(q.request_id, sizeof(q.request_id));
	case_new_trace(tp);
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_info_request_encode(&q, &w)) != WN_OK)
		return rc;
	if ((st = case_prep(n, "SELECT org_id FROM case_members WHERE case_id "
			       "= ? AND removed = 0")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	while (rc == WN_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct node_peer *p = node_peer_find(n, case_col(st, 0));
		if (p == NULL || p->gone)
			continue;
		rc = node_outbox_push_traced(n, p, PROTO_MSG_INFO_REQUEST,
		    w.buf, w.len, tp);
		sent++;
	}
	sqlite3_finalize(st);
	if (rc != WN_OK)
		return rc;
	case_categories_text(q.categories, cats, sizeof(cats));
	snprintf(c->detail, sizeof(c->detail), "case %s: asked %zu members "
	    "for %s; purpose: %s; trace %s", ci.id, sent, cats, ci.purpose,
	    tp);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "request sent", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "members_asked", (int64_t)sent);
	proto_ctl_field_text(c->w, "categories", cats);
	proto_ctl_field_text(c->w, "trace", tp);
	return WN_OK;
}

/* What let a category out: a consent or legal basis (consents.id), or
 * nothing, when the matrix asks for neither. */
struct allowance {
	int64_t consent_id; /* 0: the matrix asks for neither */
	int kind;           /* 1 consent, 2 legal basis */
	char text[128];     /* who gave the consent, or the basis */
};

/* refused_why says why nothing covers subject's category k, and what
 * would: the newest consent or basis on record tells whether one expired
 * or was withdrawn */
static void
refused_why(struct node *n, const struct proto_matrix *m, const char *subject,
    int k, char *why, size_t cap)
{
	bool basis = m->requires[k] == PROTO_MATRIX_REQUIRES_BASIS;
	sqlite3_stmt *st = case_prep(n, "SELECT kind, basis, withdrawn_ms IS "
					"NOT NULL, "
					"strftime('%Y-%m-%dT%H:%M:%SZ', "
					"until_ms / 1000, 'unixepoch'), "
					"until_ms IS NOT NULL AND until_ms <= "
					"? FROM consents WHERE subject = ? "
					"AND category = ? AND (kind = 1 OR "
					"?) ORDER BY id DESC LIMIT 1");
	char state[200] = "", list[512];
	if (st != NULL) {
		sqlite3_bind_int64(st, 1, wn_now_ms());
		sqlite3_bind_text(st, 2, subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, k);
		sqlite3_bind_int(st, 4, basis);
		if (sqlite3_step(st) == SQLITE_ROW) {
			bool consent = sqlite3_column_int(st, 0) == 1;
			if (sqlite3_column_int(st, 2))
				snprintf(state, sizeof(state), consent
				    ? "consent withdrawn"
				    : "legal basis \"%.60s\" withdrawn",
				    case_col(st, 1));
			else if (consent)
				snprintf(state, sizeof(state), "consent "
				    "expired %s", case_col(st, 3));
			else if (sqlite3_column_int(st, 4))
				snprintf(state, sizeof(state), "legal basis "
				    "\"%.60s\" expired %s", case_col(st, 1),
				    case_col(st, 3));
			else
				snprintf(state, sizeof(state), "legal basis "
				    "\"%.60s\" is not one the matrix accepts",
				    case_col(st, 1));
		}
		sqlite3_finalize(st);
	}
	if (!basis) {
		snprintf(why, cap, "%s: record consent with `wijknet consent "
		    "give`", state[0] ? state : "no consent");
		return;
	}
	case_bases_text(m, k, list, sizeof(list));
	snprintf(why, cap, "%s: record a basis the matrix accepts (%s) with "
	    "`wijknet consent basis`, or consent with `wijknet consent give`",
	    state[0] ? state : "no consent or legal basis", list);
}

/* covered: *ok when consent or an accepted legal basis is in force for
 * subject and category where the matrix requires one; *a says which (a
 * named basis before consent, the oldest first); why says what is
 * missing. A store error is WN_EDB, never "not covered": a decision
 * taken on it would be recorded as if nothing could leave. */
static wn_err
covered(struct node *n, const struct proto_matrix *m, const char *subject,
    int k, struct allowance *a, char *why, size_t whylen, bool *ok_out)
{
	memset(a, 0, sizeof(*a));
	*ok_out = true;
	if (m->requires[k] == PROTO_MATRIX_REQUIRES_NONE)
		return WN_OK;
	*ok_out = false;
	sqlite3_stmt *st = case_prep(n, "SELECT id, kind, basis, given_by FROM "
					"consents WHERE subject = ? AND "
					"category = ? AND withdrawn_ms IS NULL "
					"AND (until_ms IS NULL OR until_ms > "
					"?) ORDER BY kind DESC, id");
	bool ok = false;
	int r = SQLITE_DONE;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, k);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	while (!ok && (r = sqlite3_step(st)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(st, 1);
		if (kind == 1)
			ok = true;
		else if (m->requires[k] == PROTO_MATRIX_REQUIRES_BASIS)
			for (int b = 0; b < m->nbases[k] && !ok; b++)
				ok = strcmp(m->bases[k][b],
				    case_col(st, 2)) == 0;
		if (ok) {
			a->consent_id = sqlite3_column_int64(st, 0);
			a->kind = kind;
			wn_strlcpy(a->text, case_col(st, kind == 1 ? 3 : 2),
			    sizeof(a->text));
		}
	}
	sqlite3_finalize(st);
	if (!ok && r != SQLITE_DONE)
		return WN_EDB;
	if (!ok)
		refused_why(n, m, subject, k, why, whylen);
	*ok_out = ok;
	return WN_OK;
}

/* ---- shares: proposals and decisions --------------------------------- */

static uint32_t
undecided(const struct case_share *s)
{
	return s->categories & ~(s->approved | s->denied);
}

static bool
load_share(struct node *n, int64_t id, struct case_share *s)
{
	sqlite3_stmt *st = case_prep(n, "SELECT id, case_id, request_id, "
					"categories, state, trace, approved, "
					"denied FROM shares WHERE id = ?");
	bool ok = false;
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 2) == 16) {
		s->id = sqlite3_column_int64(st, 0);
		wn_strlcpy(s->case_id, case_col(st, 1), sizeof(s->case_id));
		memcpy(s->request_id, sqlite3_column_blob(st, 2), 16);
		s->categories = (uint32_t)sqlite3_column_int64(st, 3);
		wn_strlcpy(s->state, case_col(st, 4), sizeof(s->state));
		wn_strlcpy(s->trace, case_col(st, 5), sizeof(s->trace));
		s->approved = (uint32_t)sqlite3_column_int64(st, 6);
		s->denied = (uint32_t)sqlite3_column_int64(st, 7);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* One decision about one field for one recipient. */
struct outcome {
	int64_t field_id;
	int category;
	const char *name, *value;
	const char *to;
	int to_role;
	bool send, existence;
	const char *why; /* when not sent */
	struct allowance allow; /* when sent */
	char whybuf[768];
};

typedef wn_err (*outcome_fn)(struct node *n, const struct outcome *o,
    void *arg);

/* plan walks every field the share's request asks for, for every other
 * current member of the case, and decides with the four filters; approved
 * is the mask a person (or the policy) approved. */
static wn_err
plan(struct node *n, const struct case_share *s, uint32_t approved,
    outcome_fn fn, void *arg)
{
	struct case_info ci;
	struct proto_matrix *m = calloc(1, sizeof(*m));
	sqlite3_stmt *mem = NULL, *f = NULL;
	wn_err rc = WN_EDB;
	if (m == NULL)
		return WN_ENOMEM;
	if (!case_load(n, s->case_id, &ci) ||
	    (rc = case_matrix_in_force(n, m)) != WN_OK)
		goto out;
	rc = WN_EDB;
	bool self_member = case_member_role(n, ci.id, n->cfg.org_id, NULL);
	bool protocol = case_protocol_ground(&ci);
	bool self_signed = case_attested(n, ci.id, n->cfg.org_id);
	if ((mem = case_prep(n, MUTATE(MUT_MEMBERSHIP)
			  ? "SELECT org_id, role, 1 FROM case_members WHERE "
			    "case_id = ? AND org_id != ? ORDER BY org_id"
			  : "SELECT org_id, role, attested FROM case_members "
			    "WHERE case_id = ? AND removed = 0 AND org_id != ? "
			    "ORDER BY org_id")) == NULL ||
	    (f = case_prep(n, "SELECT id, category, name, value FROM fields "
			      "WHERE subject = ? ORDER BY id")) == NULL)
		goto out;
	sqlite3_bind_text(mem, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(mem, 2, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(f, 1, ci.subject, -1, SQLITE_STATIC);
	rc = WN_OK;
	int rm = SQLITE_DONE, rf = SQLITE_DONE;
	while (rc == WN_OK && (rm = sqlite3_step(mem)) == SQLITE_ROW) {
		int role = sqlite3_column_int(mem, 1);
		if (role < 0 || role >= CFG_ROLES)
			continue;
		sqlite3_reset(f);
		while (rc == WN_OK && (rf = sqlite3_step(f)) == SQLITE_ROW) {
			struct outcome o = {0};
			bool cov = true;
			int k = sqlite3_column_int(f, 1);
			if (k < 0 || k >= CFG_CATEGORIES ||
			    !(s->categories & (1u << k)))
				continue;
			o.field_id = sqlite3_column_int64(f, 0);
			o.category = k;
			o.name = case_col(f, 2);
			o.value = case_col(f, 3);
			o.to = case_col(mem, 0);
			o.to_role = role;
			int level = m->version ? m->level[ci.type][k][role] : 0;
			if (MUTATE(MUT_MATRIX) && level == 0)
				level = 2;
			if (!self_member)
				o.why = "this node is not a member of the case";
			else if (protocol && !MUTATE(MUT_MEMBERSHIP) &&
			    !self_signed)
				o.why = "this node has not signed the case's "
					"consultation protocol (case attest)";
			else if (protocol && !sqlite3_column_int(mem, 2))
				o.why = "the member has not signed the case's "
					"consultation protocol";
			else if (level == 0)
				o.why = "the matrix gives this role none";
			else if (!MUTATE(MUT_CONSENT) &&
			    ((rc = covered(n, m, ci.subject, k, &o.allow,
				  o.whybuf, sizeof(o.whybuf), &cov)) != WN_OK ||
				!cov))
				o.why = o.whybuf;
			else if (!MUTATE(MUT_DECISION) &&
			    !(approved & (1u << k)))
				o.why = "not approved";
			else {
				o.send = true;
				o.existence = level == 1;
			}
			if (rc == WN_OK)
				rc = fn(n, &o, arg);
		}
		if (rc == WN_OK && rf != SQLITE_DONE)
			rc = WN_EDB;
	}
	if (rc == WN_OK && rm != SQLITE_DONE)
		rc = WN_EDB;
out:
	sqlite3_finalize(mem);
	sqlite3_finalize(f);
	free(m);
	return rc;
}

struct show_ctx {
	struct proto_writer *w;
	size_t rows;
	bool count_only;
	const struct case_share *s;
};

static wn_err
show_row(struct node *n, const struct outcome *o, void *arg)
{
	struct show_ctx *sc = arg;
	uint32_t bit = 1u << o->category;
	const char *send = !o->send ? "nothing"
	    : o->existence ? "existence only" : o->value;
	const char *why = o->send ? (o->existence
	    ? "the matrix gives this role existence only" : "permitted")
				  : o->why;
	(void)n;
	sc->rows++;
	if (sc->count_only)
		return WN_OK;
	/* a decided category is not planned again: say how it was decided */
	if (sc->s->approved & bit) {
		send = "nothing more";
		why = "approved already";
	} else if (sc->s->denied & bit) {
		send = "nothing";
		why = "denied";
	}
	proto_ctl_row_begin(sc->w, 6);
	proto_ctl_field_int(sc->w, "field_id", o->field_id);
	proto_ctl_field_text(sc->w, "category",
	    cfg_category_name((enum cfg_category)o->category));
	proto_ctl_field_text(sc->w, "name", o->name);
	proto_ctl_field_text(sc->w, "to", o->to);
	proto_ctl_field_text(sc->w, "would_send", send);
	proto_ctl_field_text(sc->w, "why", why);
	return WN_OK;
}

wn_err
node_ctl_share_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	size_t rows = case_count_rows(n, "SELECT count(*) FROM shares", NULL);
	sqlite3_stmt *st = case_prep(n, "SELECT s.id, s.case_id, s.categories, "
					"s.state, ifnull(s.reason, ''), "
					"c.purpose, s.approved, s.denied FROM "
					"shares s LEFT JOIN cases c USING "
					"(case_id) ORDER BY s.id");
	char cats[256], open[256];
	if (st == NULL)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	for (size_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		uint32_t all = (uint32_t)sqlite3_column_int64(st, 2);
		uint32_t decided = (uint32_t)(sqlite3_column_int64(st, 6) |
		    sqlite3_column_int64(st, 7));
		case_categories_text(all, cats, sizeof(cats));
		/* requests closed before decisions were kept per category
		 * have none recorded: only a pending one has any open */
		case_categories_text(strcmp(case_col(st, 3), "pending") == 0
			? all & ~decided : 0,
		    open, sizeof(open));
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_int(c->w, "id", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "case_id", case_col(st, 1));
		proto_ctl_field_text(c->w, "categories", cats);
		proto_ctl_field_text(c->w, "state", case_col(st, 3));
		proto_ctl_field_text(c->w, "undecided", open);
		proto_ctl_field_text(c->w, "reason", case_col(st, 4));
		proto_ctl_field_text(c->w, "purpose", case_col(st, 5));
	}
	sqlite3_finalize(st);
	return WN_OK;
}

static wn_err
share_arg(struct node_ctl_call *c, struct case_share *s)
{
	uint64_t id;
	if (!wn_parse_u64(arg(c, "id"), INT64_MAX, &id) ||
	    !load_share(c->n, (int64_t)id, s))
		return fail(c, WN_ENOTFOUND, "no share '%s'", arg(c, "id"));
	return WN_OK;
}

wn_err
node_ctl_share_show(struct node_ctl_call *c)
{
	struct case_share s;
	struct show_ctx sc = {c->w, 0, true, &s};
	wn_err rc = share_arg(c, &s);
	if (rc != WN_OK)
		return rc;
	/* as if every undecided category were approved: what would leave;
	 * show_row labels those approved or denied already */
	uint32_t mask = strcmp(s.state, "pending") == 0 ? undecided(&s) : 0;
	if ((rc = plan(c->n, &s, mask, show_row, &sc)) != WN_OK)
		return rc;
	char msg[400], open[256];
	case_categories_text(undecided(&s), open, sizeof(open));
	snprintf(msg, sizeof(msg), "share %lld for case %s: %s%s%s",
	    (long long)s.id, s.case_id, s.state,
	    strcmp(s.state, "pending") == 0 ? "; undecided: " : "",
	    strcmp(s.state, "pending") == 0 ? open : "");
	proto_ctl_reply_begin(c->w, WN_OK, msg, sc.rows);
	sc.count_only = false;
	sc.rows = 0;
	snprintf(c->detail, sizeof(c->detail), "proposal of share %lld "
	    "viewed", (long long)s.id);
	case_opened(c, s.case_id);
	return plan(c->n, &s, mask, show_row, &sc);
}

/* A disclosure being built per recipient. */
struct send_ctx {
	const struct case_share *s;
	struct case_info ci;
	struct proto_disclosure *d;
	char to[64];
	struct case_tally *t;
	uint32_t cats;     /* in d */
	uint32_t exist;    /* in d as existence only */
	uint32_t to_cats;  /* sent to this recipient in this decision */
	size_t nfields_k[CFG_CATEGORIES];     /* in d */
	struct allowance allow[CFG_CATEGORIES]; /* in d */
	const char *user;
};

/* allowance_text: what let a category out, for the audit */
static void
allowance_text(const struct allowance *a, char *out, size_t cap)
{
	if (a->consent_id == 0)
		snprintf(out, cap, "needs no consent or basis");
	else if (a->kind == 1)
		snprintf(out, cap, "consent given by \"%s\"", a->text);
	else
		snprintf(out, cap, "legal basis \"%s\"", a->text);
}

static wn_err
flush_disclosure(struct node *n, struct send_ctx *sx)
{
	struct proto_writer w = {0};
	struct node_peer *p;
	char detail[2048], why[160];
	wn_err rc;
	if (sx->d->nfields == 0)
		return WN_OK;
	if ((p = node_peer_find(n, sx->to)) == NULL || p->gone) {
		sx->d->nfields = 0;
		return WN_OK;
	}
	if ((rc = proto_writer_init_dynamic(&w, 4096, PROTO_BODY_MAX - 1)) !=
		WN_OK ||
	    (rc = proto_disclosure_encode(sx->d, &w)) != WN_OK ||
	    (rc = node_outbox_push_traced(n, p, PROTO_MSG_DISCLOSURE, w.buf,
		 w.len, sx->s->trace)) != WN_OK) {
		proto_writer_release(&w);
		return rc;
	}
	proto_writer_release(&w);
	/* one record per recipient and data subject (by reference), with
	 * what let each category out and which left as existence only */
	size_t o = (size_t)snprintf(detail, sizeof(detail), "%zu fields about "
	    "%s to %s; case %s; purpose: %s; case ground: %s",
	    sx->d->nfields, sx->ci.subject, sx->to, sx->ci.id, sx->ci.purpose,
	    sx->ci.ground);
	for (int k = 0; k < CFG_CATEGORIES; k++) {
		if (!(sx->cats & (1u << k)) || o >= sizeof(detail))
			continue;
		allowance_text(&sx->allow[k], why, sizeof(why));
		o += (size_t)snprintf(detail + o, sizeof(detail) - o,
		    "; %s (%zu field%s%s): %s",
		    cfg_category_name((enum cfg_category)k),
		    sx->nfields_k[k], sx->nfields_k[k] == 1 ? "" : "s",
		    sx->exist & (1u << k) ? ", existence only" : "", why);
	}
	if (o < sizeof(detail))
		snprintf(detail + o, sizeof(detail) - o, "; trace %s",
		    sx->s->trace);
	rc = node_audit_append(n->store, sx->user, "disclosure.sent", sx->to,
	    detail);
	sx->t->recipients++;
	sx->d->nfields = 0;
	sx->cats = sx->exist = 0;
	memset(sx->nfields_k, 0, sizeof(sx->nfields_k));
	return rc;
}

static wn_err
send_row(struct node *n, const struct outcome *o, void *arg)
{
	struct send_ctx *sx = arg;
	sqlite3_stmt *st;
	wn_err rc;
	if (strcmp(o->to, sx->to) != 0 ||
	    sx->d->nfields == PROTO_DISCLOSURE_MAX_FIELDS) {
		if ((rc = flush_disclosure(n, sx)) != WN_OK)
			return rc;
		if (strcmp(o->to, sx->to) != 0)
			sx->to_cats = 0;
		wn_strlcpy(sx->to, o->to, sizeof(sx->to));
	}
	if (!o->send)
		return WN_OK;
	struct proto_field *f = &sx->d->fields[sx->d->nfields++];
	uint32_t bit = 1u << o->category;
	memset(f, 0, sizeof(*f));
	f->id = (uint64_t)o->field_id;
	wn_strlcpy(f->subject, sx->ci.subject, sizeof(f->subject));
	f->category = (uint32_t)o->category;
	wn_strlcpy(f->name, o->name, sizeof(f->name));
	f->has_value = !o->existence;
	if (f->has_value)
		wn_strlcpy(f->value, o->value, sizeof(f->value));
	sx->cats |= bit;
	if (o->existence)
		sx->exist |= bit;
	sx->allow[o->category] = o->allow;
	sx->nfields_k[o->category]++;
	sx->t->fields++;
	sx->t->fields_k[o->category]++;
	if (!(sx->to_cats & bit))
		sx->t->recipients_k[o->category]++;
	sx->to_cats |= bit;
	if ((st = case_prep(n, "INSERT INTO disclosures (case_id, to_org, "
			       "field_id, subject, category, existence, "
			       "sent_ms, consent_id) VALUES "
			       "(?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, sx->ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, o->field_id);
	sqlite3_bind_text(st, 4, sx->ci.subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, o->category);
	sqlite3_bind_int(st, 6, o->existence);
	sqlite3_bind_int64(st, 7, wn_now_ms());
	if (o->allow.consent_id != 0)
		sqlite3_bind_int64(st, 8, o->allow.consent_id);
	rc = sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* case_decide sends what approving mask of share s (by user) permits; *t says
 * how much, per category */
wn_err
case_decide(struct node *n, const struct case_share *s, uint32_t mask,
    const char *user, struct case_tally *t)
{
	struct send_ctx sx = {.s = s, .user = user, .t = t};
	wn_err rc;
	memset(t, 0, sizeof(*t));
	if ((sx.d = calloc(1, sizeof(*sx.d))) == NULL)
		return WN_ENOMEM;
	if (!case_load(n, s->case_id, &sx.ci)) {
		free(sx.d);
		return WN_ENOTFOUND;
	}
	wn_strlcpy(sx.d->case_id, sx.ci.id, sizeof(sx.d->case_id));
	memcpy(sx.d->request_id, s->request_id, 16);
	wn_strlcpy(sx.d->purpose, sx.ci.purpose, sizeof(sx.d->purpose));
	wn_strlcpy(sx.d->ground, sx.ci.ground, sizeof(sx.d->ground));
	rc = plan(n, s, mask, send_row, &sx);
	if (rc == WN_OK)
		rc = flush_disclosure(n, &sx);
	free(sx.d);
	return rc;
}

/* case_record_decision stores that user approved (or denied, with reason) the
 * categories in mask of share s, audits it per category, and closes the
 * request when nothing in it is left undecided: approved, denied or
 * partly approved. t is what the approval sent (NULL for a denial). */
wn_err
case_record_decision(struct node *n, struct case_share *s, uint32_t mask,
    const char *user, const char *reason, const struct case_tally *t)
{
	sqlite3_stmt *st;
	char detail[512];
	wn_err rc = WN_OK;
	if (reason == NULL)
		s->approved |= mask;
	else
		s->denied |= mask;
	const char *state = undecided(s) != 0 ? "pending"
	    : s->approved == s->categories ? "approved"
	    : s->denied == s->categories   ? "denied"
					   : "partly approved";
	wn_strlcpy(s->state, state, sizeof(s->state));
	/* the reason column keeps every denial's reason, by category */
	if ((st = case_prep(n, "UPDATE shares SET state = ?1, approved = ?2, "
			       "denied = ?3, decided_by = ?4, reason = CASE "
			       "WHEN ?5 IS NULL THEN reason WHEN "
			       "ifnull(reason, '') = '' THEN ?5 ELSE "
			       "reason || '; ' || ?5 END WHERE id = ?6")) ==
	    NULL)
		return WN_EDB;
	char cats[256], why[600];
	case_categories_text(mask, cats, sizeof(cats));
	snprintf(why, sizeof(why), "%s: %s", cats, reason ? reason : "");
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->approved);
	sqlite3_bind_int64(st, 3, s->denied);
	sqlite3_bind_text(st, 4, user, -1, SQLITE_STATIC);
	if (reason != NULL)
		sqlite3_bind_text(st, 5, why, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, s->id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	for (int k = 0; k < CFG_CATEGORIES && rc == WN_OK; k++) {
		if (!(mask & (1u << k)))
			continue;
		const char *name = cfg_category_name((enum cfg_category)k);
		if (reason != NULL)
			snprintf(detail, sizeof(detail), "share %lld: %s "
			    "denied by %s: %.300s; trace %s", (long long)s->id,
			    name, user, reason, s->trace);
		else
			snprintf(detail, sizeof(detail), "share %lld: %s "
			    "approved by %s: %zu fields to %zu members%s; "
			    "trace %s", (long long)s->id, name, user,
			    t->fields_k[k], t->recipients_k[k],
			    t->fields_k[k] ? "" : " (nothing that may leave)",
			    s->trace);
		rc = node_audit_append(n->store, user, reason != NULL
		    ? "share.denied" : "share.approved", s->case_id, detail);
	}
	return rc;
}

/* decision_mask: the categories a decision on s covers: --only's, which
 * must be asked for and not decided yet, or all that are undecided */
static wn_err
decision_mask(struct node_ctl_call *c, const struct case_share *s,
    uint32_t *mask)
{
	char cats[256];
	if (strcmp(s->state, "pending") != 0)
		return fail(c, WN_EBUSY, "share %lld is %s already",
		    (long long)s->id, s->state);
	*mask = undecided(s);
	/* absent: every undecided category; empty: a mistake, never "all" */
	const char *only = proto_ctl_request_arg(c->req, "only");
	if (only == NULL)
		return WN_OK;
	if (!only[0])
		return fail(c, WN_EINVAL, "--only: an empty list names no "
		    "category; leave it out to decide every undecided one");
	if (case_parse_categories(only, mask) != WN_OK)
		return fail(c, WN_EINVAL, "--only: categories");
	if (*mask & ~s->categories)
		return fail(c, WN_EINVAL, "--only names a category the request "
		    "did not ask for");
	if (*mask & ~undecided(s)) {
		case_categories_text(*mask & ~undecided(s), cats, sizeof(cats));
		return fail(c, WN_EBUSY, "share %lld: %s decided already",
		    (long long)s->id, cats);
	}
	return WN_OK;
}

wn_err
node_ctl_share_approve(struct node_ctl_call *c)
{
	struct case_share s;
	struct case_tally t;
	uint32_t mask;
	char cats[256], open[256];
	wn_err rc = share_arg(c, &s);
	if (rc != WN_OK || (rc = decision_mask(c, &s, &mask)) != WN_OK)
		return rc;
	if ((rc = case_decide(c->n, &s, mask, c->user->name, &t)) != WN_OK ||
	    (rc = case_record_decision(c->n, &s, mask, c->user->name, NULL,
		 &t)) != WN_OK)
		return rc;
	case_categories_text(mask, cats, sizeof(cats));
	case_categories_text(undecided(&s), open, sizeof(open));
	snprintf(c->detail, sizeof(c->detail), "share %lld: approved %s; %zu "
	    "fields to %zu members; now %s%s%s", (long long)s.id, cats,
	    t.fields, t.recipients, s.state, open[0] ? ", undecided: " : "",
	    open);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "approved", 1);
	proto_ctl_row_begin(c->w, 5);
	proto_ctl_field_text(c->w, "approved", cats);
	proto_ctl_field_int(c->w, "fields_sent", (int64_t)t.fields);
	proto_ctl_field_int(c->w, "recipients", (int64_t)t.recipients);
	proto_ctl_field_text(c->w, "state", s.state);
	proto_ctl_field_text(c->w, "undecided", open);
	return WN_OK;
}

wn_err
node_ctl_share_deny(struct node_ctl_call *c)
{
	struct case_share s;
	uint32_t mask;
	char cats[256], open[256];
	wn_err rc = share_arg(c, &s);
	if (rc != WN_OK)
		return rc;
	if (!arg(c, "reason")[0])
		return fail(c, WN_EINVAL, "a reason is required");
	if ((rc = decision_mask(c, &s, &mask)) != WN_OK ||
	    (rc = case_record_decision(c->n, &s, mask, c->user->name,
		 arg(c, "reason"), NULL)) != WN_OK)
		return rc;
	case_categories_text(mask, cats, sizeof(cats));
	case_categories_text(undecided(&s), open, sizeof(open));
	snprintf(c->detail, sizeof(c->detail), "share %lld: denied %s: %.80s; "
	    "now %s%s%s", (long long)s.id, cats, arg(c, "reason"), s.state,
	    open[0] ? ", undecided: " : "", open);
	proto_ctl_reply_begin(c->w, WN_OK, "denied", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "denied", cats);
	proto_ctl_field_text(c->w, "state", s.state);
	proto_ctl_field_text(c->w, "undecided", open);
	return WN_OK;
}

wn_err
node_ctl_data_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cs = proto_ctl_request_arg(c->req, "case");
	size_t rows = cs ? case_count_rows(n, "SELECT count(*) FROM received "
					      "WHERE case_id = ?", cs)
			 : case_count_rows(n, "SELECT count(*) FROM "
					      "received", NULL);
	sqlite3_stmt *st = case_prep(n, "SELECT case_id, from_org, subject, "
					"category, name, value, field_id FROM "
					"received WHERE ?1 IS NULL OR "
					"case_id = ?1 ORDER BY id");
	if (st == NULL)
		return WN_EDB;
	if (cs != NULL && case_count_rows(n, "SELECT count(*) FROM cases WHERE "
					 "case_id = ?", cs) == 0) {
		sqlite3_finalize(st);
		return case_nothing_named(c, cs, "no case '%s'", cs);
	}
	if (cs)
		sqlite3_bind_text(st, 1, cs, -1, SQLITE_STATIC);
	snprintf(c->detail, sizeof(c->detail), "viewed %zu received fields%s%s",
	    rows, cs ? " of case " : "", cs ? cs : "");
	case_opened(c, cs);
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	for (size_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		bool ex = sqlite3_column_type(st, 5) == SQLITE_NULL;
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_text(c->w, "case_id", case_col(st, 0));
		proto_ctl_field_text(c->w, "from", case_col(st, 1));
		proto_ctl_field_int(c->w, "field_id", sqlite3_column_int64(st, 6));
		proto_ctl_field_text(c->w, "subject", case_col(st, 2));
		proto_ctl_field_text(c->w, "category", cfg_category_name(
		    (enum cfg_category)sqlite3_column_int(st, 3)));
		proto_ctl_field_text(c->w, "name", case_col(st, 4));
		proto_ctl_field_text(c->w, "value", ex
		    ? "(exists: the partner holds something here)"
		    : case_col(st, 5));
	}
	sqlite3_finalize(st);
	return WN_OK;
}

/* ---- amending a field (edit rights) ---------------------------------- */

/* level_for: the matrix level of role for category k in the case's type */
static int
level_for(struct node *n, const struct case_info *ci, int k, int role)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	int level = 0;
	if (m != NULL && case_matrix_in_force(n, m) == WN_OK && m->version &&
	    k >= 0 && k < CFG_CATEGORIES && role >= 0 && role < CFG_ROLES)
		level = m->level[ci->type][k][role];
	free(m);
	return level;
}

wn_err
node_ctl_data_amend(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	struct proto_amend a = {0};
	struct node_peer *owner;
	sqlite3_stmt *st;
	uint64_t fid;
	int k = -1, role;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (!wn_parse_u64(arg(c, "field"), INT64_MAX, &fid) ||
	    strlen(arg(c, "value")) > PROTO_FIELD_VALUE_MAX)
		return fail(c, WN_EINVAL, "field is a number, value <= 2047 "
		    "bytes");
	if ((owner = node_peer_find(n, arg(c, "from"))) == NULL || owner->gone)
		return fail(c, WN_ENOTFOUND, "'%s' is not a peer",
		    arg(c, "from"));
	if ((st = case_prep(n, "SELECT category FROM received WHERE case_id = "
			       "? AND from_org = ? AND field_id = ? AND "
			       "value IS NOT NULL")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)fid);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (k < 0)
		return fail(c, WN_ENOTFOUND, "no field %llu from %s in case %s",
		    (unsigned long long)fid, owner->org_id, ci.id);
	if (!case_member_role(n, ci.id, n->cfg.org_id, &role) ||
	    level_for(n, &ci, k, role) < 3)
		return fail(c, WN_EDENIED, "the matrix does not give this "
		    "node's role edit rights on %s in %s cases",
		    cfg_category_name((enum cfg_category)k),
		    cfg_case_type_name((enum cfg_case_type)ci.type));
	wn_strlcpy(a.case_id, ci.id, sizeof(a.case_id));
	a.field_id = fid;
	wn_strlcpy(a.value, arg(c, "value"), sizeof(a.value));
	uint8_t buf[PROTO_FIELD_VALUE_MAX + 128];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	wn_err rc = proto_amend_encode(&a, &w);
	if (rc == WN_OK)
		rc = node_outbox_push(n, owner, PROTO_MSG_AMEND, w.buf, w.len);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "asked %s to amend field %llu "
	    "(%s) about %s in case %s", owner->org_id, (unsigned long long)fid,
	    cfg_category_name((enum cfg_category)k), ci.subject, ci.id);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "amendment sent to the field's "
	    "owner", 0);
	return WN_OK;
}

/* case_apply_amend: the owner checks the amending member's edit rights again
 * and that the field was disclosed to it in this case */
wn_err
case_apply_amend(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_amend a;
	struct case_info ci;
	sqlite3_stmt *st;
	int role, k = -1;
	if (proto_amend_decode(body, len, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed amendment");
		return WN_EPROTO;
	}
	if (!case_load(n, a.case_id, &ci) ||
	    !case_member_role(n, ci.id, from->org_id, &role)) {
		snprintf(why, whylen, "amendment for case %s from a non-member",
		    a.case_id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "SELECT f.category FROM fields f JOIN "
			       "disclosures d ON d.field_id = f.id WHERE f.id "
			       "= ? AND d.to_org = ? AND d.case_id = ? AND "
			       "d.existence = 0 AND d.retracted_ms "
			       "IS NULL")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)a.field_id);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ci.id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (k < 0 || level_for(n, &ci, k, role) < 3) {
		snprintf(why, whylen, "%s may not amend field %llu: not "
		    "disclosed to it, or the matrix gives it no edit rights",
		    from->org_id, (unsigned long long)a.field_id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "UPDATE fields SET value = ?, recorded_by = ?, "
			       "recorded_ms = ? WHERE id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a.value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	sqlite3_bind_int64(st, 4, (int64_t)a.field_id);
	wn_err rc = sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
	sqlite3_finalize(st);
	char detail[160];
	snprintf(detail, sizeof(detail), "field %llu (%s) about %s amended by "
	    "%s; case %s", (unsigned long long)a.field_id,
	    cfg_category_name((enum cfg_category)k), ci.subject, from->org_id,
	    ci.id);
	if (rc == WN_OK)
		rc = node_audit_append(n->store, from->org_id, "field.amended",
		    ci.id, detail);
	return rc;
}

/* ---- signing a case's consultation protocol ------------------------- */

wn_err
node_ctl_case_attest(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	struct proto_attest a = {0};
	struct node_peer *dir;
	char list[512], *save = NULL;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (!case_member_role(n, ci.id, n->cfg.org_id, NULL))
		return fail(c, WN_EDENIED, "this node is not a member of %s",
		    ci.id);
	if ((dir = node_peer_find(n, ci.director)) == NULL || dir->gone)
		return fail(c, WN_ENOTFOUND, "the case's director %s is not a "
		    "peer", ci.director);
	wn_strlcpy(a.case_id, ci.id, sizeof(a.case_id));
	wn_strlcpy(list, arg(c, "workers"), sizeof(list));
	for (char *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < n->cfg.nusers; i++)
			known |= strcmp(n->cfg.users[i].name, t) == 0;
		if (!known || a.nworkers == PROTO_ATTEST_MAX_WORKERS)
			return fail(c, WN_EINVAL, "'%s' is not a user of this "
			    "node (at most %d workers)", t,
			    PROTO_ATTEST_MAX_WORKERS);
		wn_strlcpy(a.workers[a.nworkers++], t, sizeof(a.workers[0]));
	}
	if (a.nworkers == 0)
		return fail(c, WN_EINVAL, "name the workers who take part");
	uint8_t buf[2048];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	wn_err rc = proto_attest_encode(&a, &w);
	if (rc == WN_OK)
		rc = node_outbox_push(n, dir, PROTO_MSG_ATTEST, w.buf, w.len);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "case %s: signed its protocol "
	    "(%s) with workers %s", ci.id, ci.ground, arg(c, "workers"));
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "attestation sent to the director",
	    0);
	return WN_OK;
}

wn_err
case_apply_attest(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_attest a;
	struct case_info ci;
	sqlite3_stmt *st;
	if (proto_attest_decode(body, len, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed attestation");
		return WN_EPROTO;
	}
	if (!case_load(n, a.case_id, &ci) ||
	    strcmp(ci.director, n->cfg.org_id) != 0 ||
	    !case_member_role(n, ci.id, from->org_id, NULL)) {
		snprintf(why, whylen, "attestation for case %s, which this node "
		    "does not direct or %s is not a member of", a.case_id,
		    from->org_id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "UPDATE case_members SET attested = 1 WHERE "
			       "case_id = ? AND org_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	char detail[400];
	size_t o = (size_t)snprintf(detail, sizeof(detail), "%s signed %s for "
	    "case %s; workers:", from->org_id, ci.ground, ci.id);
	for (size_t i = 0; i < a.nworkers && o < sizeof(detail); i++)
		o += (size_t)snprintf(detail + o, sizeof(detail) - o, " %s",
		    a.workers[i]);
	wn_err rc = node_audit_append(n->store, from->org_id,
	    "case.attestation", ci.id, detail);
	if (rc == WN_OK)
		rc = case_send(n, &ci, NULL);
	node_peer_kick(n);
	return rc;
}

/* ---- who looks at what ---------------------------------------------- */

wn_err
node_ctl_case_assign(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	sqlite3_stmt *st;
	bool known = false;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	for (size_t i = 0; i < n->cfg.nusers; i++)
		known |= strcmp(n->cfg.users[i].name, arg(c, "user")) == 0;
	if (!known)
		return fail(c, WN_ENOTFOUND, "no user '%s' in this node's "
		    "config", arg(c, "user"));
	if ((st = case_prep(n, "INSERT OR REPLACE INTO case_users (case_id, "
			       "user, assigned_ms) VALUES (?, ?, ?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, arg(c, "user"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "%s assigned to case %s",
	    arg(c, "user"), ci.id);
	proto_ctl_reply_begin(c->w, WN_OK, "assigned", 0);
	return WN_OK;
}

/* assigned: is user assigned to a case that this dossier (a case id or a
 * subject) belongs to? */
static bool
assigned(struct node *n, const char *user, const char *dossier)
{
	sqlite3_stmt *st = case_prep(n, "SELECT 1 FROM case_users u JOIN cases "
					"c USING (case_id) WHERE u.user = ?1 "
					"AND (c.case_id = ?2 OR c.subject = "
					"?2)");
	bool yes = false;
	if (st == NULL)
		return true; /* do not raise alarms on a store error */
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dossier, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* case_opened records that user opened a dossier; when the dossiers of cases
 * the user is not assigned to, opened within snoop_window seconds, reach
 * snoop_limit, the node's administrators are alerted (audit record
 * alert.snooping and a warning in the log), once per window. */
void
case_opened(struct node_ctl_call *c, const char *dossier)
{
	struct node *n = c->n;
	struct node_need *nd = n->need;
	const char *user = c->user->name;
	int64_t now = wn_now_ms(), since = now -
	    (int64_t)n->cfg.snoop_window * 1000;
	size_t distinct = 0, cap = WN_ARRAY_LEN(nd->snoop);
	if (dossier == NULL || dossier[0] == '\0' || n->cfg.snoop_limit == 0 ||
	    assigned(n, user, dossier))
		return;
	struct node_snoop *e = &nd->snoop[nd->nsnoop++ % cap];
	wn_strlcpy(e->user, user, sizeof(e->user));
	wn_strlcpy(e->dossier, dossier, sizeof(e->dossier));
	e->ms = now;
	size_t have = nd->nsnoop < cap ? nd->nsnoop : cap;
	for (size_t i = 0; i < have; i++) {
		const struct node_snoop *a = &nd->snoop[i];
		if (a->ms < since || strcmp(a->user, user) != 0)
			continue;
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = !(nd->snoop[j].ms >= since &&
			    strcmp(nd->snoop[j].user, user) == 0 &&
			    strcmp(nd->snoop[j].dossier, a->dossier) == 0);
		distinct += first;
	}
	if (distinct == n->cfg.snoop_limit) {
		char detail[200];
		snprintf(detail, sizeof(detail), "%s opened %zu dossiers of cases "
		    "they are not assigned to within %u s", user, distinct,
		    n->cfg.snoop_window);
		if (node_audit_append(n->store, "system", "alert.snooping", user,
			detail) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot audit a snooping alert");
		wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", detail);
	}
}

/* ---- messages from peers --------------------------------------------- */

/* forget_case: this node was removed from case ci. It deletes every field
 * it received for the case, whichever member it came from: a member that
 * still is one also retracts them (case_retract_from) and gets its receipt
 * then, but one that was removed before, or left the federation, is never
 * told of this removal and could not retract. What it deleted, from whom,
 * is audited. */
static wn_err
forget_case(struct node *n, const struct case_info *ci, const char *by)
{
	sqlite3_stmt *st;
	char from[300] = "", detail[512];
	size_t o = 0, total = 0;
	if ((st = case_prep(n, "SELECT from_org, count(*) FROM received WHERE "
			       "case_id = ? GROUP BY from_org ORDER BY "
			       "from_org")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		size_t k = (size_t)sqlite3_column_int64(st, 1);
		total += k;
		if (o < sizeof(from))
			o += (size_t)snprintf(from + o, sizeof(from) - o,
			    "%s%s %zu", o ? ", " : "", case_col(st, 0), k);
	}
	sqlite3_finalize(st);
	/* an error is not the end of the rows: nothing deleted, nothing
	 * audited as deleted */
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((st = case_prep(n, "DELETE FROM received WHERE case_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (total)
		snprintf(detail, sizeof(detail), "removed from case %s by %s: "
		    "%zu fields received for it deleted (%s)", ci->id, by,
		    total, from);
	else
		snprintf(detail, sizeof(detail), "removed from case %s by %s: "
		    "no field received for it to delete", ci->id, by);
	return node_audit_append(n->store, by, "case.removed", ci->id, detail);
}

/* removed_now acts on the members apply_case just marked removed (2):
 * this node forgets the case; from any other it retracts what this node
 * disclosed to it in the case. */
static wn_err
removed_now(struct node *n, const struct case_info *ci, const char *by)
{
	char org[PROTO_ORG_ID_MAX + 1];
	wn_err rc = WN_OK;
	while (rc == WN_OK) {
		sqlite3_stmt *st = case_prep(n, "SELECT org_id FROM "
						"case_members WHERE case_id = "
						"? AND removed = 2 ORDER BY "
						"org_id LIMIT 1");
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			wn_strlcpy(org, case_col(st, 0), sizeof(org));
		sqlite3_finalize(st);
		if (r == SQLITE_DONE)
			break;
		if (r != SQLITE_ROW ||
		    (st = case_prep(n, "UPDATE case_members SET removed = 1 "
				       "WHERE case_id = ? AND "
				       "org_id = ?")) == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		rc = strcmp(org, n->cfg.org_id) == 0
		    ? forget_case(n, ci, by)
		    : case_retract_from(n, ci, org);
	}
	return rc;
}

static wn_err
apply_case(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_case *pc = calloc(1, sizeof(*pc));
	struct case_info old;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EPROTO;
	if (pc == NULL)
		return WN_ENOMEM;
	if (proto_case_decode(body, len, pc, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed case");
		goto out;
	}
	rc = WN_EDENIED;
	if (!from->directs || strcmp(pc->director, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not direct case %s",
		    from->org_id, pc->id);
		goto out;
	}
	if (case_load(n, pc->id, &old) &&
	    strcmp(old.director, from->org_id) != 0) {
		snprintf(why, whylen, "case %s belongs to %s", pc->id,
		    old.director);
		goto out;
	}
	rc = WN_EDB;
	if ((st = case_prep(n, "INSERT OR REPLACE INTO cases (case_id, type, "
			       "subject, purpose, ground, director, opened_ms) "
			       "VALUES (?,?,?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)pc->type);
	sqlite3_bind_text(st, 3, pc->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pc->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pc->ground, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pc->director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, wn_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* the members now are exactly the CASE's; those it no longer names
	 * are marked 2 for a moment: each was just removed */
	if ((st = case_prep(n, "UPDATE case_members SET removed = CASE removed "
			       "WHEN 0 THEN 2 ELSE 1 END WHERE "
			       "case_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = case_prep(n, "INSERT OR REPLACE INTO case_members (case_id, "
			       "org_id, role, removed, attested) "
			       "VALUES (?, ?, ?, 0, ?)")) == NULL)
		goto out;
	for (size_t i = 0; i < pc->nmembers; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pc->members[i].org, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)pc->members[i].role);
		sqlite3_bind_int(st, 4, pc->members[i].attested);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	struct case_info now;
	if (!case_load(n, pc->id, &now) ||
	    (rc = removed_now(n, &now, from->org_id)) != WN_OK)
		goto out;
	rc = WN_EDB;
	char detail[200];
	snprintf(detail, sizeof(detail), "case %s: %zu members, this node %s",
	    pc->id, pc->nmembers,
	    case_member_role(n, pc->id, n->cfg.org_id, NULL) ? "among them"
							: "not a member");
	rc = node_audit_append(n->store, from->org_id, "case.updated", pc->id,
	    detail);
out:
	sqlite3_finalize(st);
	free(pc);
	return rc;
}

static wn_err
apply_request(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_info_request q;
	struct case_info ci;
	sqlite3_stmt *st;
	if (proto_info_request_decode(body, len, &q, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed information request");
		return WN_EPROTO;
	}
	if (!case_load(n, q.case_id, &ci) ||
	    strcmp(ci.director, from->org_id) != 0 ||
	    !case_member_role(n, ci.id, n->cfg.org_id, NULL)) {
		snprintf(why, whylen, "request for case %s, which %s does not "
		    "direct or this node is not a member of", q.case_id,
		    from->org_id);
		return WN_EDENIED;
	}
	char tp[PROTO_TP_LEN + 1];
	if (h->tp[0])
		wn_strlcpy(tp, h->tp, sizeof(tp));
	else
		case_new_trace(tp);
	if ((st = case_prep(n, "INSERT INTO shares (case_id, request_id, "
			       "categories, state, trace, created_ms) "
			       "VALUES (?,?,?,'pending',?,?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, q.request_id, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, q.categories);
	sqlite3_bind_text(st, 4, tp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	struct case_share s = {0};
	s.id = sqlite3_last_insert_rowid(node_store_db(n->store));
	wn_strlcpy(s.case_id, ci.id, sizeof(s.case_id));
	memcpy(s.request_id, q.request_id, 16);
	s.categories = q.categories;
	wn_strlcpy(s.trace, tp, sizeof(s.trace));
	char cats[256], detail[512];
	case_categories_text(q.categories, cats, sizeof(cats));
	snprintf(detail, sizeof(detail), "share %lld: %s asks for %s about %s; "
	    "case %s; purpose: %s; trace %s", (long long)s.id, from->org_id,
	    cats, ci.subject, ci.id, ci.purpose, tp);
	wn_err rc = node_audit_append(n->store, from->org_id, "share.proposed",
	    ci.id, detail);
	/* the policy's standing approval, for the categories it names */
	uint32_t policy = 0;
	if (rc == WN_OK && n->cfg.auto_share[0] &&
	    case_parse_categories(n->cfg.auto_share, &policy) == WN_OK &&
	    (policy & q.categories)) {
		struct case_tally t;
		uint32_t mask = policy & q.categories;
		wn_strlcpy(s.state, "pending", sizeof(s.state));
		rc = case_decide(n, &s, mask, "policy", &t);
		if (rc == WN_OK)
			rc = case_record_decision(n, &s, mask, "policy", NULL,
			    &t);
	}
	return rc;
}

static wn_err
apply_disclosure(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_disclosure *d = calloc(1, sizeof(*d));
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct case_info ci;
	sqlite3_stmt *st = NULL;
	int self_role;
	uint32_t cats = 0, valued = 0;
	wn_err rc = WN_ENOMEM;
	if (d == NULL || m == NULL)
		goto out;
	rc = WN_EPROTO;
	if (proto_disclosure_decode(body, len, d, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed disclosure");
		goto out;
	}
	if ((rc = case_matrix_in_force(n, m)) != WN_OK)
		goto out;
	if (h->mv != m->version) {
		/* nothing new until both hold the same matrix: the sender
		 * keeps it and tries again */
		snprintf(why, whylen, "disclosure under matrix version %llu, "
		    "this node holds %llu", (unsigned long long)h->mv,
		    (unsigned long long)m->version);
		rc = WN_EBUSY;
		goto out;
	}
	if (!case_load(n, d->case_id, &ci)) {
		/* the director's CASE may still be on its way: wait for it */
		snprintf(why, whylen, "case %s is not known here yet",
		    d->case_id);
		rc = WN_EBUSY;
		goto out;
	}
	rc = WN_EDENIED;
	if (!case_member_role(n, ci.id, from->org_id, NULL) ||
	    !case_member_role(n, ci.id, n->cfg.org_id, &self_role) ||
	    self_role < 0 || self_role >= CFG_ROLES ||
	    (case_protocol_ground(&ci) &&
		(!case_attested(n, ci.id, from->org_id) ||
		    !case_attested(n, ci.id, n->cfg.org_id)))) {
		snprintf(why, whylen, "disclosure for case %s: sender or this "
		    "node is not a member (or has not signed its protocol)",
		    d->case_id);
		goto out;
	}
	for (size_t i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		int level = m->level[ci.type][f->category][self_role];
		if (strcmp(f->subject, ci.subject) != 0 || level == 0 ||
		    (f->has_value && level < 2)) {
			snprintf(why, whylen, "field %llu (%s) should not have "
			    "come here: the matrix gives this node's role %s",
			    (unsigned long long)f->id,
			    cfg_category_name((enum cfg_category)f->category),
			    cfg_level_name((enum cfg_level)level));
			goto out;
		}
		cats |= 1u << f->category;
		if (f->has_value)
			valued |= 1u << f->category;
	}
	rc = WN_EDB;
	if ((st = case_prep(n, "INSERT OR REPLACE INTO received (case_id, "
			       "from_org, field_id, subject, category, name, "
			       "value, received_ms) VALUES "
			       "(?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)f->id);
		sqlite3_bind_text(st, 4, f->subject, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, (int)f->category);
		sqlite3_bind_text(st, 6, f->name, -1, SQLITE_STATIC);
		if (f->has_value)
			sqlite3_bind_text(st, 7, f->value, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		sqlite3_bind_int64(st, 8, wn_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	/* the categories, marking those of which only existence came */
	char c[512], detail[1024];
	size_t o = 0;
	c[0] = '\0';
	for (int k = 0; k < CFG_CATEGORIES && o < sizeof(c); k++)
		if (cats & (1u << k))
			o += (size_t)snprintf(c + o, sizeof(c) - o, "%s%s%s",
			    o ? ", " : "",
			    cfg_category_name((enum cfg_category)k),
			    valued & (1u << k) ? "" : " (existence only)");
	snprintf(detail, sizeof(detail), "%zu fields about %s in %s from %s; "
	    "case %s; purpose: %s; case ground: %s; trace %s", d->nfields,
	    ci.subject, c, from->org_id, ci.id, d->purpose, d->ground, h->tp);
	rc = node_audit_append(n->store, from->org_id, "disclosure.received",
	    ci.id, detail);
out:
	sqlite3_finalize(st);
	free(d);
	free(m);
	return rc;
}

static wn_err
apply_retraction(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, bool ack, char *why, size_t whylen)
{
	struct proto_retraction *r = calloc(1, sizeof(*r));
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EPROTO;
	if (r == NULL)
		return WN_ENOMEM;
	if (proto_retraction_decode(body, len, ack, r, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed retraction");
		goto out;
	}
	rc = WN_EDB;
	/* with a case id (?4), only the rows of that case: the same field id
	 * stands in one row per case it was disclosed in */
	st = case_prep(n, ack ? "UPDATE disclosures SET retraction_acked_ms = "
				"?3 WHERE to_org = ?1 AND field_id = ?2 AND "
				"retracted_ms IS NOT NULL AND (?4 IS NULL OR "
				"case_id = ?4)"
			      : "DELETE FROM received WHERE from_org = ?1 AND "
				"field_id = ?2 AND ?3 = ?3 AND (?4 IS NULL OR "
				"case_id = ?4)");
	if (st == NULL)
		goto out;
	size_t gone = 0;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)r->ids[i]);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		if (r->case_id[0])
			sqlite3_bind_text(st, 4, r->case_id, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		/* without a case, a field id can stand in several rows */
		gone += sqlite3_changes(node_store_db(n->store)) > 0;
	}
	/* what happened here, not what was asked: a field retracted again,
	 * or deleted already (forget_case), is not deleted twice */
	char detail[400], where[64];
	if (r->case_id[0])
		snprintf(where, sizeof(where), "in case %s", r->case_id);
	else
		snprintf(where, sizeof(where), "in every case");
	if (ack)
		snprintf(detail, sizeof(detail), "%zu of %zu fields "
		    "acknowledged as deleted %s", gone, r->n, where);
	else
		snprintf(detail, sizeof(detail), "%zu of %zu fields deleted "
		    "%s on request (%s)", gone, r->n, where,
		    r->reason[0] ? r->reason : "no reason given");
	if ((rc = node_audit_append(n->store, from->org_id,
		 ack ? "retraction.acknowledged" : "retraction.applied",
		 from->org_id, detail)) != WN_OK)
		goto out;
	if (!ack) {
		struct proto_writer w = {0};
		if ((rc = proto_writer_init_dynamic(&w, 1024,
			 PROTO_BODY_MAX - 1)) == WN_OK &&
		    (rc = proto_retraction_encode(r, true, &w)) == WN_OK)
			rc = node_outbox_push(n, from, PROTO_MSG_RETRACTION_ACK,
			    w.buf, w.len);
		proto_writer_release(&w);
	}
out:
	sqlite3_finalize(st);
	free(r);
	return rc;
}

wn_err
node_case_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	switch (h->type) {
	case PROTO_MSG_CASE:
		return apply_case(n, from, body, len, why, whylen);
	case PROTO_MSG_INFO_REQUEST:
		return apply_request(n, from, h, body, len, why, whylen);
	case PROTO_MSG_DISCLOSURE:
		return apply_disclosure(n, from, h, body, len, why, whylen);
	case PROTO_MSG_AMEND:
		return case_apply_amend(n, from, body, len, why, whylen);
	case PROTO_MSG_ATTEST:
		return case_apply_attest(n, from, body, len, why, whylen);
	case PROTO_MSG_RETRACTION:
	case PROTO_MSG_RETRACTION_ACK:
		return apply_retraction(n, from, body, len,
		    h->type == PROTO_MSG_RETRACTION_ACK, why, whylen);
	default:
		snprintf(why, whylen, "message type %s is not accepted here",
		    proto_msg_type_name(h->type));
		return WN_EDENIED;
	}
}
