/*
 * share.c - shares: the four filters on what leaves, proposals and
 * decisions, disclosure, and the data received here (data.list).
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
 * not have got (case_apply.c). Every proposal, decision, disclosure,
 * refusal and retraction is audited with the user, case, categories,
 * purpose, legal ground and the W3C trace id carried in the envelope.
 */
#include "node/need/case_int.h"

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
	bool capped; /* existence only: a case on a token, to its director */
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
	bool closed = case_closed(n, ci.id, NULL);
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
	/* this node's own subject: a case on a token shares what this node
	 * holds on the subject whose token it is, whatever its reference */
	sqlite3_bind_text(f, 1, ci.local, -1, SQLITE_STATIC);
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
			/* a case on a token: its director is not told who
			 * the subject is, whatever the matrix gives its role
			 * (config/matrix.h, CFG_IDENTIFYING) */
			if (ci.token && level > CFG_LEVEL_EXISTENCE &&
			    cfg_category_identifying(k) &&
			    strcmp(o.to, ci.director) == 0) {
				level = CFG_LEVEL_EXISTENCE;
				o.capped = true;
			}
			if (closed)
				o.why = "the case is closed: nothing is shared "
					"for it";
			else if (!self_member)
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
			    ((rc = covered(n, m, ci.local, k, &o.allow,
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
	const char *why = !o->send ? o->why
	    : o->capped ? "a case on a token: its director is not told who "
			  "the subject is (existence only)"
	    : o->existence ? "the matrix gives this role existence only"
			   : "permitted";
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
	    sx->d->nfields, sx->ci.shown, sx->to, sx->ci.id, sx->ci.purpose,
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
	/* the case's subject: for a case on a token, the token, never this
	 * node's reference */
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
	/* this node's own subject: a withdrawal of its consent finds it */
	sqlite3_bind_text(st, 4, sx->ci.local, -1, SQLITE_STATIC);
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
	if (case_closed(c->n, s.case_id, NULL))
		return fail(c, WN_EDENIED, "case %s is closed: nothing is "
		    "shared for it", s.case_id);
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
	struct case_info ci;
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
		/* about the case's subject: this node's own, for a case on
		 * a token (whatever the sender calls it) */
		if (!case_load(n, case_col(st, 0), &ci)) {
			wn_strlcpy(ci.shown, case_col(st, 2), sizeof(ci.shown));
		}
		proto_ctl_field_text(c->w, "subject", ci.shown);
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

/* case_covered: covered() for the files beside this one (copies.c): *ok
 * when consent or an accepted basis covers subject's category k where m
 * requires one, *consent_id what does (0: m requires neither) */
wn_err
case_covered(struct node *n, const struct proto_matrix *m, const char *subject,
    int k, int64_t *consent_id, char *why, size_t whylen, bool *ok)
{
	struct allowance a;
	wn_err rc = covered(n, m, subject, k, &a, why, whylen, ok);
	if (rc == WN_OK)
		*consent_id = a.consent_id;
	return rc;
}
