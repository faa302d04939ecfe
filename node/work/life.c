/*
 * life.c - a case's life at its director: the stages a case moves
 * through, the steps that move it (case.advance, case.close), the links
 * between cases (case.link), and what goes to the members.
 *
 * A case stands at `signal` until its first step. Only its director moves
 * it, by the rules of node_case_step_check, and each step is a row of
 * case_steps (number 1, 2, ... per case) with the stage, the outcome when
 * closed, when, the user and org that took it, and why (free text, never
 * in the audit record: the record says whether a reason was given). Each
 * step goes to every current member as a CASE_STEP, with its reason only
 * when the matrix in force gives the member's role `view` of
 * `deliberation` in the case's type. Closing tells need/
 * (node_case_set_closed), which from then on shares nothing for the case;
 * going back from closed reopens it there too. A member invited later is
 * sent every step so far, after its CASE (need/'s invitation hook), and
 * the links it may know of; a member removed forgets them (need/'s
 * removal hook). A link goes only to the members of both
 * cases. The member's side is life_apply.c, case.life is life_show.c.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/life_wire.h"

static const char *const stage_names[] = {"signal", "exploration",
    "analysis", "plan", "follow_up", "closed"};
static const char *const outcome_names[] = {"resolved", "handed_over",
    "stopped"};
static const char *const relation_names[] = {"family_member",
    "group_involved", "related"};

const char *
node_case_stage_name(int s)
{
	return wn_name_of(stage_names, NODE_STAGES, s);
}

bool
node_case_stage_parse(const char *s, int *out)
{
	return wn_name_parse(stage_names, NODE_STAGES, s, out);
}

const char *
node_case_outcome_name(int o)
{
	return wn_name_of(outcome_names, NODE_OUTCOMES, o);
}

bool
node_case_outcome_parse(const char *s, int *out)
{
	return wn_name_parse(outcome_names, NODE_OUTCOMES, s, out);
}

const char *
node_case_relation_name(int r)
{
	return wn_name_of(relation_names, NODE_RELATIONS, r);
}

bool
node_case_relation_parse(const char *s, int *out)
{
	return wn_name_parse(relation_names, NODE_RELATIONS, s, out);
}

bool
node_case_step_check(int from, int to, int outcome, bool has_reason,
    bool reason_known, char *err, size_t errlen)
{
	const char *why = NULL;
	if (from < 0 || from >= NODE_STAGES || to < 0 || to >= NODE_STAGES)
		why = "no such stage";
	else if (to == from && to == NODE_STAGE_CLOSED)
		why = "the case is closed already: a closed case does not "
		      "advance (it can be reopened: moved back to an earlier "
		      "stage, with a reason)";
	else if (to == from)
		why = "the case stands at that stage already";
	else if ((to == NODE_STAGE_CLOSED) != (outcome >= 0))
		why = to == NODE_STAGE_CLOSED
		    ? "a case is closed with an outcome: resolved, "
		      "handed_over or stopped"
		    : "only a closed case has an outcome";
	else if (outcome >= NODE_OUTCOMES)
		why = "no such outcome";
	else if (to == NODE_STAGE_CLOSED && reason_known && !has_reason)
		why = "a case is closed with a reason: why it ends";
	else if (from == NODE_STAGE_CLOSED && to > from)
		why = "a closed case does not advance";
	else if (to < from && reason_known && !has_reason)
		why = "going back a stage (reopening) needs a reason";
	else if (to > from + 1 && to != NODE_STAGE_CLOSED)
		why = "a case advances one stage at a time";
	if (why != NULL)
		snprintf(err, errlen, "%s", why);
	return why == NULL;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

wn_err
node_case_last_step(struct node *n, const char *case_id, int *stage,
    uint64_t *step)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT stage, step FROM "
					     "case_steps WHERE case_id = ? "
					     "ORDER BY step DESC LIMIT 1");
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	*stage = NODE_STAGE_SIGNAL;
	*step = 0;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*stage = sqlite3_column_int(st, 0);
		*step = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* step_load reads step k of the case into *s, with its reason as held */
static wn_err
step_load(struct node *n, const char *case_id, uint64_t k,
    struct proto_case_step *s)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT stage, ifnull(outcome, 0), "
				   "when_ms, by_org, by_user, reason FROM "
				   "case_steps WHERE case_id = ? AND step = ?");
	wn_err rc = WN_EDB;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)k);
	memset(s, 0, sizeof(*s));
	if (sqlite3_step(st) == SQLITE_ROW) {
		wn_strlcpy(s->case_id, case_id, sizeof(s->case_id));
		s->step = k;
		s->stage = (uint32_t)sqlite3_column_int(st, 0);
		s->outcome = (uint32_t)sqlite3_column_int(st, 1);
		s->when_ms = sqlite3_column_int64(st, 2);
		wn_strlcpy(s->by_org, col(st, 3), sizeof(s->by_org));
		wn_strlcpy(s->by_user, col(st, 4), sizeof(s->by_user));
		s->has_reason = sqlite3_column_type(st, 5) != SQLITE_NULL;
		wn_strlcpy(s->reason, col(st, 5), sizeof(s->reason));
		rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* send_step queues step s of a case of type `type` for org (role), with
 * its reason only where the matrix lets the role view deliberation */
static wn_err
send_step(struct node *n, int type, const struct proto_case_step *s,
    const char *org, int role)
{
	struct proto_case_step *out = NULL;
	struct proto_writer w = {0};
	struct node_peer *p;
	wn_err rc;
	if (strcmp(org, n->cfg.org_id) == 0 ||
	    (p = node_peer_find(n, org)) == NULL || p->gone)
		return WN_OK;
	if ((out = malloc(sizeof(*out))) == NULL)
		return WN_ENOMEM;
	*out = *s;
	if (node_matrix_level(n, type, CFG_CAT_DELIBERATION, role) <
	    CFG_LEVEL_VIEW) {
		out->has_reason = false;
		out->reason[0] = '\0';
	}
	if ((rc = proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1)) ==
		WN_OK &&
	    (rc = proto_case_step_encode(out, &w)) == WN_OK)
		rc = node_outbox_push(n, p, PROTO_MSG_CASE_STEP, w.buf, w.len);
	proto_writer_release(&w);
	free(out);
	return rc;
}

struct step_to_all {
	int type;
	const struct proto_case_step *s;
	size_t sent;
};

static wn_err
step_to_member(struct node *n, const char *org, int role, void *arg)
{
	struct step_to_all *a = arg;
	if (strcmp(org, n->cfg.org_id) != 0)
		a->sent++;
	return send_step(n, a->type, a->s, org, role);
}

/* reason_ok: a reason holds no control character but line ends and tabs
 * (the wire's rule, protocol/life_wire.h) */
static bool
reason_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			return false;
	return true;
}

/* take_step: the director moves case id to stage `to` (outcome -1 unless
 * closing), why NULL when no reason was given; with reply, it writes the
 * reply (without, its caller does: node_case_close_step) */
static wn_err
take_step(struct node_ctl_call *c, const char *id, int to, int outcome,
    const char *why, bool reply)
{
	struct node *n = c->n;
	struct node_case kc;
	struct proto_case_step *s = NULL;
	struct step_to_all all = {0};
	sqlite3_stmt *st = NULL;
	char err[200];
	int from;
	uint64_t last;
	wn_err rc;
	if (!node_case_get(n, id, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s'", id);
	if (!kc.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "only the case's director "
		    "(%s) moves it through its stages", kc.director);
	if (why != NULL && (!reason_ok(why) || strlen(why) >
				   PROTO_STEP_REASON_MAX))
		return node_ctl_fail(c, WN_EINVAL, "the reason holds a control "
		    "character: only line ends and tabs are kept");
	if ((rc = node_case_last_step(n, kc.id, &from, &last)) != WN_OK)
		return rc;
	if (!node_case_step_check(from, to, outcome, why != NULL, true, err,
		sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "case %s stands at %s: %s", kc.id,
		    node_case_stage_name(from), err);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return WN_ENOMEM;
	wn_strlcpy(s->case_id, kc.id, sizeof(s->case_id));
	s->step = last + 1;
	s->stage = (uint32_t)to;
	s->outcome = outcome >= 0 ? (uint32_t)outcome : 0;
	s->when_ms = wn_now_ms();
	wn_strlcpy(s->by_org, n->cfg.org_id, sizeof(s->by_org));
	wn_strlcpy(s->by_user, c->user->name, sizeof(s->by_user));
	s->has_reason = true;
	wn_strlcpy(s->reason, why ? why : "", sizeof(s->reason));
	rc = WN_EDB;
	if ((st = node_work_prep(n, "INSERT INTO case_steps (case_id, step, stage, "
			  "outcome, when_ms, by_org, by_user, reason, "
			  "recorded_ms) VALUES (?,?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, s->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)s->step);
	sqlite3_bind_int(st, 3, to);
	if (outcome >= 0)
		sqlite3_bind_int(st, 4, outcome);
	sqlite3_bind_int64(st, 5, s->when_ms);
	sqlite3_bind_text(st, 6, s->by_org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->by_user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, s->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, s->when_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	/* need/ stops (or resumes) sharing for the case before the step
	 * leaves: nothing queued after this commit is for a closed case */
	if (to == NODE_STAGE_CLOSED)
		rc = node_case_set_closed(n, kc.id, s->when_ms, c->user->name);
	else if (from == NODE_STAGE_CLOSED)
		rc = node_case_set_closed(n, kc.id, 0, c->user->name);
	else
		rc = WN_OK;
	all.type = kc.type;
	all.s = s;
	if (rc == WN_OK)
		rc = node_case_members(n, kc.id, step_to_member, &all);
	/* reopened: its signals go again, after the step that reopens it */
	size_t resent;
	if (rc == WN_OK && from == NODE_STAGE_CLOSED)
		rc = node_case_signals_reopened(n, kc.id, &resent);
	if (rc != WN_OK)
		goto out;
	snprintf(c->detail, sizeof(c->detail), "case %s step %llu: %s -> "
	    "%s%s%s; %s; sent to %zu members", kc.id,
	    (unsigned long long)s->step, node_case_stage_name(from),
	    node_case_stage_name(to), outcome >= 0 ? ", " : "",
	    outcome >= 0 ? node_case_outcome_name(outcome) : "",
	    why ? "a reason given" : "no reason given", all.sent);
	c->kick = true;
	rc = WN_OK;
	if (!reply)
		goto out;
	proto_ctl_reply_begin(c->w, WN_OK, to == NODE_STAGE_CLOSED
	    ? "case closed" : from == NODE_STAGE_CLOSED ? "case reopened"
	    : to < from ? "case moved back" : "case advanced", 1);
	proto_ctl_row_begin(c->w, 5);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_int(c->w, "step", (int64_t)s->step);
	proto_ctl_field_text(c->w, "stage", node_case_stage_name(to));
	proto_ctl_field_text(c->w, "outcome",
	    outcome >= 0 ? node_case_outcome_name(outcome) : "");
	proto_ctl_field_int(c->w, "members_told", (int64_t)all.sent);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(s);
	return rc;
}

/* why_arg: the reason given, or NULL */
static const char *
why_arg(struct node_ctl_call *c)
{
	const char *w = proto_ctl_request_arg(c->req, "why");
	return w != NULL && w[0] ? w : NULL;
}

wn_err
node_ctl_case_advance(struct node_ctl_call *c)
{
	int to;
	if (!node_case_stage_parse(node_ctl_arg(c, "to"), &to))
		return node_ctl_fail(c, WN_EINVAL, "--to: a stage: signal, "
		    "exploration, analysis, plan or follow_up");
	if (to == NODE_STAGE_CLOSED)
		return node_ctl_fail(c, WN_EINVAL, "a case is closed with "
		    "`case close`, which takes its outcome");
	return take_step(c, node_ctl_arg(c, "case"), to, -1, why_arg(c), true);
}

wn_err
node_ctl_case_close(struct node_ctl_call *c)
{
	int outcome;
	if (!node_case_outcome_parse(node_ctl_arg(c, "outcome"), &outcome))
		return node_ctl_fail(c, WN_EINVAL, "--outcome: resolved, "
		    "handed_over or stopped");
	return take_step(c, node_ctl_arg(c, "case"), NODE_STAGE_CLOSED,
	    outcome, why_arg(c), true);
}

wn_err
node_case_close_step(struct node_ctl_call *c, const char *id, int outcome,
    const char *why)
{
	return take_step(c, id, NODE_STAGE_CLOSED, outcome, why, false);
}

/* ---- links ------------------------------------------------------------ */

/* send_link queues link l for org when org is a current member of both
 * cases (and not this node) */
static wn_err
send_link(struct node *n, const struct proto_case_link *l, const char *org,
    bool *sent)
{
	uint8_t buf[512];
	struct proto_writer w;
	struct node_peer *p;
	wn_err rc;
	*sent = false;
	if (strcmp(org, n->cfg.org_id) == 0 ||
	    !node_case_member(n, l->case_id, org, NULL) ||
	    !node_case_member(n, l->other, org, NULL) ||
	    (p = node_peer_find(n, org)) == NULL || p->gone)
		return WN_OK;
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_case_link_encode(l, &w)) != WN_OK ||
	    (rc = node_outbox_push(n, p, PROTO_MSG_CASE_LINK, w.buf, w.len)) !=
		WN_OK)
		return rc;
	*sent = true;
	return WN_OK;
}

struct link_to_all {
	const struct proto_case_link *l;
	size_t sent;
};

static wn_err
link_to_member(struct node *n, const char *org, int role, void *arg)
{
	struct link_to_all *a = arg;
	bool sent;
	wn_err rc = send_link(n, a->l, org, &sent);
	(void)role;
	a->sent += sent;
	return rc;
}

/* relation_fits: family_member joins a person case to a family case,
 * group_involved a situation case to a group case */
static const char *
relation_misfit(int rel, int type, int other_type)
{
	if (rel == NODE_REL_FAMILY_MEMBER &&
	    (type != CFG_CASE_PERSON || other_type != CFG_CASE_FAMILY))
		return "family_member links a person case to the family case "
		       "of which the person is a member";
	if (rel == NODE_REL_GROUP_INVOLVED &&
	    (type != CFG_CASE_SITUATION || other_type != CFG_CASE_GROUP))
		return "group_involved links a situation case to the group "
		       "case involved in it";
	return NULL;
}

wn_err
node_ctl_case_link(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case a, b;
	struct proto_case_link l = {0};
	struct link_to_all all = {.l = &l};
	const char *misfit;
	sqlite3_stmt *st;
	int rel, r;
	wn_err rc;
	if (!node_case_relation_parse(node_ctl_arg(c, "as"), &rel))
		return node_ctl_fail(c, WN_EINVAL, "--as: family_member, "
		    "group_involved or related");
	if (!node_case_get(n, node_ctl_arg(c, "case"), &a))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s'",
		    node_ctl_arg(c, "case"));
	if (!node_case_get(n, node_ctl_arg(c, "to"), &b))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s'",
		    node_ctl_arg(c, "to"));
	if (!a.here_directs || !b.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "only a director links "
		    "cases, two that it directs both");
	if (strcmp(a.id, b.id) == 0)
		return node_ctl_fail(c, WN_EINVAL, "a case is not linked to "
		    "itself");
	if ((misfit = relation_misfit(rel, a.type, b.type)) != NULL)
		return node_ctl_fail(c, WN_EINVAL, "%s", misfit);
	if ((st = node_work_prep(n, "SELECT count(*) FROM case_links WHERE (case_id = "
			  "?1 AND other_id = ?2) OR (case_id = ?2 AND "
			  "other_id = ?1)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b.id, -1, SQLITE_STATIC);
	r = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (r < 0)
		return WN_EDB;
	if (r > 0)
		return node_ctl_fail(c, WN_EINVAL, "cases %s and %s are linked "
		    "already", a.id, b.id);
	wn_strlcpy(l.case_id, a.id, sizeof(l.case_id));
	wn_strlcpy(l.other, b.id, sizeof(l.other));
	l.relation = (uint32_t)rel;
	l.when_ms = wn_now_ms();
	wn_strlcpy(l.by_org, n->cfg.org_id, sizeof(l.by_org));
	wn_strlcpy(l.by_user, c->user->name, sizeof(l.by_user));
	if ((st = node_work_prep(n, "INSERT INTO case_links (case_id, other_id, "
			  "relation, when_ms, by_org, by_user) VALUES "
			  "(?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, l.case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l.other, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, rel);
	sqlite3_bind_int64(st, 4, l.when_ms);
	sqlite3_bind_text(st, 5, l.by_org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, l.by_user, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* the members of both: walking one case's members is enough */
	if ((rc = node_case_members(n, a.id, link_to_member, &all)) != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "case %s linked to %s as %s; "
	    "told the %zu members of both", a.id, b.id,
	    node_case_relation_name(rel), all.sent);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "cases linked", 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_text(c->w, "case_id", a.id);
	proto_ctl_field_text(c->w, "to", b.id);
	proto_ctl_field_text(c->w, "relation", node_case_relation_name(rel));
	proto_ctl_field_int(c->w, "members_told", (int64_t)all.sent);
	return WN_OK;
}

/* ---- a member invited later ------------------------------------------ */

/* send_steps queues every step of case_id (of type `type`) so far, in
 * order, for org (role) */
static wn_err
send_steps(struct node *n, const char *case_id, int type, const char *org,
    int role)
{
	struct proto_case_step *s = NULL;
	uint64_t last;
	int stage;
	wn_err rc;
	if ((rc = node_case_last_step(n, case_id, &stage, &last)) != WN_OK)
		return rc;
	if (last > 0 && (s = malloc(sizeof(*s))) == NULL)
		return WN_ENOMEM;
	for (uint64_t k = 1; k <= last && rc == WN_OK; k++)
		if ((rc = step_load(n, case_id, k, s)) == WN_OK)
			rc = send_step(n, type, s, org, role);
	free(s);
	return rc;
}

/* invited: need/ has queued case_id's CASE for org, just invited; org is
 * sent every step so far, in order, and each link to a case it is a
 * member of too */
static wn_err
invited(struct node *n, const char *case_id, const char *org)
{
	struct node_case kc;
	struct proto_case_link l;
	sqlite3_stmt *st = NULL;
	int role = 0, r = SQLITE_DONE;
	bool sent;
	wn_err rc;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs ||
	    !node_case_member(n, case_id, org, &role))
		return WN_OK;
	if ((rc = send_steps(n, case_id, kc.type, org, role)) != WN_OK)
		return rc;
	if ((st = node_work_prep(n, "SELECT case_id, other_id, relation, when_ms, "
			  "by_org, by_user FROM case_links WHERE case_id = "
			  "?1 OR other_id = ?1 ORDER BY when_ms")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&l, 0, sizeof(l));
		wn_strlcpy(l.case_id, col(st, 0), sizeof(l.case_id));
		wn_strlcpy(l.other, col(st, 1), sizeof(l.other));
		l.relation = (uint32_t)sqlite3_column_int(st, 2);
		l.when_ms = sqlite3_column_int64(st, 3);
		wn_strlcpy(l.by_org, col(st, 4), sizeof(l.by_org));
		wn_strlcpy(l.by_user, col(st, 5), sizeof(l.by_user));
		rc = send_link(n, &l, org, &sent);
	}
	if (rc == WN_OK && r != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* removed: this node was removed from case_id: it forgets the case's
 * steps (their reasons are the case's deliberation) and its links; were it
 * invited again, the director would send them again */
static wn_err
removed(struct node *n, const char *case_id)
{
	static const char *const sql[] = {
	    "DELETE FROM case_steps WHERE case_id = ?1",
	    "DELETE FROM case_links WHERE case_id = ?1 OR other_id = ?1"};
	char detail[160];
	int changes = 0;
	for (size_t i = 0; i < WN_ARRAY_LEN(sql); i++) {
		sqlite3_stmt *st = node_work_prep(n, sql[i]);
		int r;
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		changes += sqlite3_changes(node_store_db(n->store));
	}
	if (changes == 0)
		return WN_OK;
	snprintf(detail, sizeof(detail), "removed from case %s: its steps and "
	    "links held here (%d) deleted", case_id, changes);
	return node_audit_append(n->store, "system", "case.forgotten", case_id,
	    detail);
}

/* resync_closed, the exchange's resync hook (PROTOCOL.md, "After a
 * restore"): `to`, whose store went back to a copy of since_ms, is sent
 * again every step, in order, of each case this node directs and `to` is
 * a current member of that was closed since (less the clocks' window; the
 * director's case_steps keep every step and when it was recorded). A
 * step it holds is taken as nothing; the steps it lacks bring it to the
 * case's stage now, closed (or reopened since). *queued counts the
 * cases. */
static wn_err
resync_closed(struct node *n, struct node_peer *to, int64_t since_ms,
    size_t *queued)
{
	struct node_case kc;
	sqlite3_stmt *st;
	int r = SQLITE_DONE, role = 0;
	wn_err rc = WN_OK;
	if ((st = node_work_prep(n, "SELECT DISTINCT case_id FROM case_steps "
				    "WHERE stage = 5 AND recorded_ms >= ?1 "
				    "ORDER BY case_id")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, since_ms - NODE_RESYNC_SLACK_MS);
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *id = col(st, 0);
		if (!node_case_get(n, id, &kc) || !kc.here_directs ||
		    !node_case_member(n, id, to->org_id, &role))
			continue;
		if ((rc = send_steps(n, id, kc.type, to->org_id, role)) ==
		    WN_OK)
			(*queued)++;
	}
	if (rc == WN_OK && r != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

void
node_work_life_register(void)
{
	node_need_on_invite(invited);
	node_need_on_removed(removed);
	node_exchange_on_resync(resync_closed, "closed cases");
}
