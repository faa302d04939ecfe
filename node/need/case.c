/*
 * case.c - cases, and the helpers the case files of need/ share
 * (case_int.h).
 *
 * The director (or a member it enrolled with --directs) opens a case,
 * invites and removes its members and asks them for information; each
 * change of members goes to every member as a CASE message, and a member
 * removed is sent a retraction of what this node disclosed to it in the
 * case. case.list shows the cases this node knows.
 */
#include "node/need/case_int.h"

#include <stdarg.h>
#include <string.h>

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
