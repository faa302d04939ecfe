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
#include <stdlib.h>
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
	if (ok)
		case_subject_resolve(n, ci);
	return ok;
}

/* how a token meets this node's subjects (the subject room's) */
static struct node_need_tokens tokens;

void
node_need_on_tokens(const struct node_need_tokens *t)
{
	if (tokens.ref_of == t->ref_of && tokens.token_of == t->token_of &&
	    tokens.fp == t->fp && tokens.use == t->use)
		return;
	WN_ASSERT(tokens.ref_of == NULL);
	tokens = *t;
}

bool
case_subject_of_local(struct node *n, const char *ref, char *out, size_t cap)
{
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	if (tokens.token_of == NULL || tokens.token_of(n, ref, t) != WN_OK)
		return false;
	proto_subject_of_token(t, out, cap);
	return true;
}

void
case_subject_resolve(struct node *n, struct case_info *ci)
{
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	char fp[9] = "?";
	wn_err rc;
	ci->token = proto_subject_token(ci->subject, t);
	if (!ci->token) {
		wn_strlcpy(ci->local, ci->subject, sizeof(ci->local));
		wn_strlcpy(ci->shown, ci->subject, sizeof(ci->shown));
		return;
	}
	ci->local[0] = '\0';
	/* a store error shares nothing for the case: no subject here */
	if (tokens.ref_of != NULL &&
	    (rc = tokens.ref_of(n, t, ci->local, sizeof(ci->local))) !=
		WN_OK) {
		ci->local[0] = '\0';
		if (rc != WN_ENOTFOUND)
			wn_log(WN_LOG_ERROR, "case %s: its subject's token "
			    "cannot be looked up (%s): nothing is shared for "
			    "it now", ci->id, wn_strerror(rc));
	}
	if (tokens.fp != NULL)
		tokens.fp(t, fp);
	if (ci->local[0])
		wn_strlcpy(ci->shown, ci->local, sizeof(ci->shown));
	else
		snprintf(ci->shown, sizeof(ci->shown), "token %s", fp);
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

/* matrix_held: the matrix held `back` versions before the newest into *m
 * (version 0: none), verified against the director's key */
static wn_err
matrix_held(struct node *n, int back, struct proto_matrix *m)
{
	sqlite3_stmt *st = case_prep(n, "SELECT signed FROM matrix ORDER BY "
					"version DESC LIMIT 1 OFFSET ?");
	uint8_t pk[SEC_SIGN_PK_LEN];
	wn_err rc = WN_OK;
	memset(m, 0, sizeof(*m));
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, back);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = node_need_held_key(n, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), pk) ?
		    proto_matrix_verify_signed(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), pk, m, NULL) :
		    WN_ECRYPTO;
	sqlite3_finalize(st);
	if (rc == WN_OK && !node_matrix_ours(n, m))
		memset(m, 0, sizeof(*m)); /* another federation's: none */
	return rc;
}

wn_err
case_matrix_in_force(struct node *n, struct proto_matrix *m)
{
	return matrix_held(n, 0, m);
}

wn_err
node_need_levels(struct node *n, int back, int cat,
    uint8_t out[CFG_CASE_TYPES][CFG_ROLES])
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	wn_err rc = WN_ENOMEM;
	memset(out, CFG_LEVEL_NONE, sizeof(uint8_t[CFG_CASE_TYPES][CFG_ROLES]));
	if (m == NULL || cat < 0 || cat >= CFG_CATEGORIES)
		goto out;
	if ((rc = matrix_held(n, back, m)) != WN_OK || m->version == 0)
		goto out;
	for (int t = 0; t < CFG_CASE_TYPES; t++)
		for (int r = 0; r < CFG_ROLES; r++)
			out[t][r] = m->level[t][cat][r];
out:
	free(m);
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

#define NOT_DIRECTING "this node does not direct cases: the director (or " \
	"a member it enrolled with --directs) opens cases and changes their " \
	"members"

/* case_send tells every current member (and `also`, a member just
 * removed) how the case stands now; case_send_only tells `to` alone. */
static wn_err
case_send_to(struct node *n, const struct case_info *ci, const char *also,
    bool only);

wn_err
case_send(struct node *n, const struct case_info *ci, const char *also)
{
	return case_send_to(n, ci, also, false);
}

wn_err
case_send_only(struct node *n, const struct case_info *ci, const char *to)
{
	return case_send_to(n, ci, to, true);
}

static wn_err
case_send_to(struct node *n, const struct case_info *ci, const char *also,
    bool only)
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
	for (size_t i = only ? pc->nmembers : 0; i <= pc->nmembers; i++) {
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

/* open_subject: the subject of a case to open, into out: a reference
 * (`subject`, as before), or a token: given (`token`, 64 hex digits, as
 * concern.case hands it on) or this node's own subject's (`token_of`, a
 * subject this node holds and has the token of: the director's own
 * files). Exactly one. A token case holds "token:HEX" and never a name. */
static wn_err
open_subject(struct node_ctl_call *c, char *out, size_t cap)
{
	const char *subj = arg(c, "subject"), *hex = arg(c, "token");
	const char *ref = arg(c, "token_of");
	uint8_t t[PROTO_SUBJECT_TOKEN_LEN];
	wn_err rc;
	if (!!subj[0] + !!hex[0] + !!ref[0] != 1)
		return fail(c, WN_EINVAL, "a subject is required: a reference, "
		    "a token, or this node's subject whose token it is (one "
		    "of them)");
	if (subj[0]) {
		/* the control layer already refused text over its limits in
		 * characters */
		if (strlen(subj) > PROTO_SUBJECT_MAX)
			return fail(c, WN_EINVAL, "a subject is required");
		if (strncmp(subj, PROTO_SUBJECT_TOKEN_PREFIX,
			sizeof(PROTO_SUBJECT_TOKEN_PREFIX) - 1) == 0)
			return fail(c, WN_EINVAL, "a subject's reference does "
			    "not start with '%s': open a case on a token with "
			    "--token", PROTO_SUBJECT_TOKEN_PREFIX);
		wn_strlcpy(out, subj, cap);
		return WN_OK;
	}
	if (hex[0]) {
		if (strlen(hex) != 2 * sizeof(t) ||
		    strspn(hex, "0123456789abcdef") != 2 * sizeof(t) ||
		    !sec_unhex(t, sizeof(t), hex))
			return fail(c, WN_EINVAL, "a token is 64 lowercase hex "
			    "digits (subject show --json)");
		/* a token from elsewhere (a match, concern case; or handed
		 * over): each case on one tells which members hold the
		 * person, so it counts as a derivation does. One of this
		 * node's own subjects (token_of) was counted when derived */
		uint64_t used = 0, limit = 0;
		rc = tokens.use != NULL
		    ? tokens.use(c->n, c->user->name, &used, &limit) : WN_OK;
		if (rc == WN_ELIMIT)
			return fail(c, rc, "%s: %s has had %llu tokens here "
			    "today, the daily limit (token_daily_limit)",
			    wn_strerror(rc), c->user->name,
			    (unsigned long long)used);
		if (rc != WN_OK)
			return rc;
	} else {
		rc = tokens.token_of != NULL ? tokens.token_of(c->n, ref, t)
					     : WN_ENOTFOUND;
		if (rc == WN_ENOTFOUND)
			return fail(c, rc, "no subject '%s' here (subject "
			    "list)", ref);
		if (rc == WN_EBUSY)
			return fail(c, rc, "subject %s has no token yet "
			    "(subject show %s)", ref, ref);
		if (rc != WN_OK)
			return rc;
	}
	proto_subject_of_token(t, out, cap);
	return WN_OK;
}

wn_err
node_ctl_case_open(struct node_ctl_call *c)
{
	struct node *n = c->n;
	enum cfg_case_type type;
	struct case_info ci = {0};
	sqlite3_stmt *st;
	wn_err rc;
	if (!node_charter_directs(n))
		return fail(c, WN_EDENIED, NOT_DIRECTING);
	if (!cfg_case_type_parse(arg(c, "type"), &type))
		return fail(c, WN_EINVAL, "unknown case type '%s'",
		    arg(c, "type"));
	if ((rc = open_subject(c, ci.subject, sizeof(ci.subject))) != WN_OK)
		return rc;
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
	sqlite3_bind_text(st, 3, ci.subject, -1, SQLITE_STATIC);
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
	case_subject_resolve(n, &ci);
	snprintf(c->detail, sizeof(c->detail), "case %s (%s)%s%s, purpose: %s; "
	    "ground: %s", ci.id, cfg_case_type_name(type),
	    ci.token ? " on " : "", ci.token ? ci.shown : "",
	    arg(c, "purpose"), arg(c, "ground"));
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
	    "%s: %s; its receipt is owed", total, ci->shown, to, r->reason);
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
	if (!node_charter_directs(n))
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
	if (add && case_closed(n, ci.id, NULL))
		return fail(c, WN_EDENIED, "case %s is closed: nothing is "
		    "shared for it, and nobody is invited to it", ci.id);
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
	/* after its CASE, so that it knows the case when the rest arrives */
	if (rc == WN_OK && add)
		rc = case_invited(n, ci.id, org);
	if (rc == WN_OK && !add)
		rc = case_member_removed(n, ci.id, org);
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
		struct case_info ci;
		wn_strlcpy(ci.id, case_col(st, 0), sizeof(ci.id));
		wn_strlcpy(ci.subject, case_col(st, 2), sizeof(ci.subject));
		case_subject_resolve(n, &ci);
		proto_ctl_field_text(c->w, "subject", ci.shown);
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
	if (case_closed(n, ci.id, NULL))
		return fail(c, WN_EDENIED, "case %s is closed: nothing is "
		    "shared for it, so nothing is asked", ci.id);
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
	/* the director's people are told (the alert room keeps it) */
	struct node_event ev = {"share.requested", ci.id, "", 0, "director"};
	if ((rc = node_event_raise(n, &ev)) != WN_OK)
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
