/*
 * plan.c - a case's plan of approach: goals per life domain, and what
 * plans and actions share (the names of domains and states, the work
 * room's clock, deadlines, free texts).
 *
 * The case's director (the node that opened it) adds goals with plan.add;
 * each goal goes to the case's current members as a PLAN item, with its
 * text where the matrix in force gives the member's role view of the
 * category plan in the case's type, without it at existence, not at all
 * at none (node_plan_send_goal). plan.show shows a case's goals and
 * actions as this node holds them: all of them at the director, what it
 * was sent at a member.
 */
#include "node/work/work.h"

#include <string.h>
#include <strings.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/work_wire.h"

_Static_assert(NODE_PLAN_DOMAINS == PROTO_PLAN_DOMAINS &&
	NODE_ACT_STATES == PROTO_ACTION_STATES &&
	(int)NODE_ACT_DONE == (int)PROTO_ACTION_DONE &&
	(int)NODE_ACT_CANCELLED == (int)PROTO_ACTION_CANCELLED,
    "the numbering of domains and states is part of the wire format");

static const char *const domains[NODE_PLAN_DOMAINS] = {
    "safety_public_order", "housing", "income_debts", "health_addiction",
    "family", "education_daytime", "justice", "social_network"};
static const char *const states[NODE_ACT_STATES] = {"open", "done", "late",
    "cancelled"};

const char *
node_plan_domain_name(int d)
{
	return d >= 0 && d < NODE_PLAN_DOMAINS ? domains[d] : "unknown";
}

bool
node_plan_domain_parse(const char *s, int *out)
{
	char buf[32];
	size_t i;
	for (i = 0; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] == ' ' ? '_' : s[i];
	if (s[i] != '\0')
		return false;
	buf[i] = '\0';
	for (int d = 0; d < NODE_PLAN_DOMAINS; d++)
		if (strcasecmp(buf, domains[d]) == 0) {
			*out = d;
			return true;
		}
	return false;
}

const char *
node_action_state_name(int s)
{
	return s >= 0 && s < NODE_ACT_STATES ? states[s] : "unknown";
}

static int64_t clock_ahead_ms;

void
node_work_clock_init(void)
{
	clock_ahead_ms = node_test_ahead_ms("WIJKNET_TEST_CLOCK_AHEAD_MS");
}

int64_t
node_work_now_ms(void)
{
	return wn_now_ms() + clock_ahead_ms;
}

bool
node_action_deadline_parse(const char *s, int64_t *ms)
{
	char buf[32];
	int64_t v;
	/* a date alone (YYYY-MM-DD, DD-MM-YYYY, DD/MM/YYYY): the whole day */
	if (strlen(s) == 10 && strchr(s, ' ') == NULL &&
	    strchr(s, 'T') == NULL) {
		snprintf(buf, sizeof(buf), "%s 23:59:59", s);
		if (!node_signal_when_parse(buf, &v))
			return false;
		*ms = v + 999;
		return true;
	}
	return node_signal_when_parse(s, ms);
}

bool
node_plan_text_ok(const char *what, const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v), chars;
	if (v[strspn(v, " \t\r\n")] == '\0') {
		snprintf(err, errlen, "%s is empty", what);
		return false;
	}
	if (!wn_text_valid(v, len)) {
		snprintf(err, errlen, "%s: invalid UTF-8", what);
		return false;
	}
	if ((chars = wn_text_chars(v, len)) > NODE_PLAN_TEXT_CHARS ||
	    len > PROTO_PLAN_TEXT_MAX) {
		snprintf(err, errlen, "%s is too long: %zu characters, at most "
		    "%d", what, chars, NODE_PLAN_TEXT_CHARS);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p == 0x7f ||
		    (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')) {
			snprintf(err, errlen, "%s holds a control character",
			    what);
			return false;
		}
	return true;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

wn_err
node_plan_send_goal(struct node *n, int64_t id, const char *only,
    size_t *sent)
{
	struct node_case kc;
	struct proto_plan_item *it = calloc(1, sizeof(*it));
	struct node_need_reader rd[64];
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (it == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT case_id, domain, goal, changed_ms FROM "
			  "plan_goals WHERE director = ? AND goal_id = ?")) ==
	    NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	it->kind = PROTO_PLAN_GOAL;
	it->number = (uint64_t)id;
	wn_strlcpy(it->case_id, col(st, 0), sizeof(it->case_id));
	it->domain = (uint32_t)sqlite3_column_int(st, 1);
	wn_strlcpy(it->text, col(st, 2), sizeof(it->text));
	it->changed_ms = sqlite3_column_int64(st, 3);
	/* a closed case shares nothing: not its plan either */
	rc = WN_OK;
	if (!node_case_get(n, it->case_id, &kc) || kc.closed_ms != 0)
		goto out;
	if ((rc = node_need_readers(n, it->case_id, CFG_CAT_PLAN, rd,
		 WN_ARRAY_LEN(rd), &count)) != WN_OK)
		goto out;
	for (size_t i = 0; i < count; i++) {
		struct node_peer *p;
		if (rd[i].level == CFG_LEVEL_NONE ||
		    strcmp(rd[i].org, n->cfg.org_id) == 0 ||
		    (only != NULL && strcmp(rd[i].org, only) != 0) ||
		    (p = node_peer_find(n, rd[i].org)) == NULL || p->gone)
			continue;
		it->has_text = rd[i].level >= CFG_LEVEL_VIEW;
		proto_writer_reset(&w);
		if ((rc = proto_plan_item_encode(it, &w)) != WN_OK ||
		    (rc = node_outbox_push(n, p, PROTO_MSG_PLAN, w.buf,
			 w.len)) != WN_OK)
			goto out;
		(*sent)++;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	if (w.buf != NULL)
		sec_wipe(w.buf, w.len);
	proto_writer_release(&w);
	free(it);
	return rc;
}

/* directs: this node directs case id (else a refusal in c) */
static wn_err
directs(struct node_ctl_call *c, const char *id, const char *what)
{
	struct node_case kc;
	if (!id[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(c->n, id, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no "
		    "case %s", id);
	if (!kc.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "case %s is directed by "
		    "%s: only its director %s", id, kc.director, what);
	if (kc.closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: "
		    "nothing is added to its plan (reopen it first)", id);
	return WN_OK;
}

wn_err
node_ctl_plan_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case"), *goal = node_ctl_arg(c,
								 "goal");
	char err[128];
	int domain;
	int64_t id = 0;
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if ((rc = directs(c, cid, "adds to its plan")) != WN_OK)
		return rc;
	if (!node_plan_domain_parse(node_ctl_arg(c, "domain"), &domain))
		return node_ctl_fail(c, WN_EINVAL, "unknown life domain '%s'; "
		    "one of: safety_public_order housing income_debts "
		    "health_addiction family education_daytime justice "
		    "social_network", node_ctl_arg(c, "domain"));
	if (!node_plan_text_ok("the goal", goal, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was added", err);
	if ((st = node_work_prep(n, "SELECT ifnull(max(goal_id), 0) + 1 FROM plan_goals "
			  "WHERE director = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id < 1 || (st = node_work_prep(n, "INSERT INTO plan_goals (director, "
				    "goal_id, case_id, domain, goal, added_by, "
				    "changed_ms) VALUES (?,?,?,?,?,?,?)")) ==
		NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, domain);
	sqlite3_bind_text(st, 5, goal, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, node_work_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((rc = node_plan_send_goal(n, id, NULL, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	/* the audit names the goal and its domain, never its text */
	snprintf(c->detail, sizeof(c->detail), "goal %lld of case %s (%s); "
	    "sent to %zu members", (long long)id, cid,
	    node_plan_domain_name(domain), sent);
	char msg[160];
	snprintf(msg, sizeof(msg), "goal %lld added to the plan of case %s; "
	    "sent to %zu members", (long long)id, cid, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_int(c->w, "goal_id", id);
	proto_ctl_field_text(c->w, "case_id", cid);
	proto_ctl_field_text(c->w, "domain", node_plan_domain_name(domain));
	proto_ctl_field_int(c->w, "sent_to", (int64_t)sent);
	return WN_OK;
}

/* count_rows: how many rows sql (one text parameter) gives; -1 on error */
static int64_t
count_rows(struct node *n, const char *sql, const char *a)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

wn_err
node_ctl_plan_show(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case");
	char msg[160];
	struct node_case kc;
	sqlite3_stmt *st;
	int64_t ngoals, nactions;
	int r;
	if (!cid[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(n, cid, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no "
		    "case %s", cid);
	ngoals = count_rows(n, "SELECT count(*) FROM plan_goals WHERE case_id "
			       "= ?", cid);
	nactions = count_rows(n, "SELECT count(*) FROM actions WHERE case_id "
				 "= ?", cid);
	if (ngoals < 0 || nactions < 0)
		return WN_EDB;
	snprintf(msg, sizeof(msg), "the plan of case %s (directed by %s): "
	    "%lld goals, %lld actions", cid, kc.director, (long long)ngoals,
	    (long long)nactions);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)(ngoals + nactions));
	if ((st = node_work_prep(n, "SELECT goal_id, domain, goal, changed_ms FROM "
			  "plan_goals WHERE case_id = ? ORDER BY domain, "
			  "goal_id LIMIT ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ngoals);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		bool known = sqlite3_column_type(st, 2) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, known ? 5 : 4);
		proto_ctl_field_text(c->w, "kind", "goal");
		proto_ctl_field_int(c->w, "goal_id", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "domain",
		    node_plan_domain_name(sqlite3_column_int(st, 1)));
		proto_ctl_field_int(c->w, "changed_ms",
		    sqlite3_column_int64(st, 3));
		if (known)
			proto_ctl_field_text(c->w, "goal", col(st, 2));
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	wn_err rc = node_action_rows(c, "case_id = ?1", cid, NULL,
	    nactions);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "viewed the plan of case %s: "
	    "%lld goals, %lld actions", cid, (long long)ngoals,
	    (long long)nactions);
	return WN_OK;
}
