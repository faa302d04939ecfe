/*
 * action.c - the actions of a case's plan: added by the case's director,
 * each with one owning member, a deadline and a state (open, done, late,
 * cancelled) with a note.
 *
 * action.add (the director) stores the action and sends it to the case's
 * members (node_plan_send_action, plan_apply.c). The owner sees it on its
 * own node (action.list) and marks it done there with a result note
 * (action.done): its copy says done at once and an ACTION_STATE goes to
 * the director, which takes it only from the owner and sends the new
 * state to every member. The director may mark an action done itself,
 * and cancels one with a reason (action.cancel). Every node marks an open
 * action whose deadline passed late by itself, audited once, without any
 * request (node_actions_mark_late: the room's periodic work). The audit
 * names actions, cases and owners, never a text or a note.
 */
#include "node/work/work.h"

#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/work_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* alert raises a case event of an action for this node's people
 * (core's node_event_raise; the alert room keeps it): as the case's
 * director, or as the action's owner */
static wn_err
alert(struct node *n, const char *kind, const char *case_id,
    const char *partner, int64_t id, bool director)
{
	struct node_event ev = {kind, case_id, partner, id,
	    director ? "director" : "owner"};
	return node_event_raise(n, &ev);
}

/* utc writes ms as a date and time in UTC, for the audit */
static void
utc(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, cap, "%lld ms", (long long)ms);
}

wn_err
node_ctl_action_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case"), *owner = node_ctl_arg(c,
								  "owner");
	const char *text = node_ctl_arg(c, "text");
	char err[128], when[64];
	int64_t deadline, id = 0, now = node_work_now_ms();
	struct node_case kc;
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if (!cid[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(n, cid, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no "
		    "case %s", cid);
	if (!kc.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "case %s is directed by "
		    "%s: only its director gives actions", cid, kc.director);
	if (kc.closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: "
		    "nothing is added to its plan (reopen it first)", cid);
	if (!node_case_member(n, cid, owner, NULL))
		return node_ctl_fail(c, WN_EINVAL, "'%s' is not a member of "
		    "case %s: an action's owner is a member (invite it first), "
		    "or this node; nothing was added", owner, cid);
	if (!node_action_deadline_parse(node_ctl_arg(c, "deadline"),
		&deadline))
		return node_ctl_fail(c, WN_EINVAL, "--deadline '%s' is not a "
		    "date: YYYY-MM-DD (the end of that day), or YYYY-MM-DD "
		    "HH:MM; nothing was added", node_ctl_arg(c, "deadline"));
	if (deadline < now)
		return node_ctl_fail(c, WN_EINVAL, "the deadline has passed "
		    "already; nothing was added");
	if (!node_plan_text_ok("the action's text", text, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was added", err);
	if ((st = node_work_prep(n, "SELECT ifnull(max(action_id), 0) + 1 FROM actions "
			  "WHERE director = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (id < 1 || (st = node_work_prep(n, "INSERT INTO actions (director, "
				    "action_id, case_id, owner, deadline_ms, "
				    "text, added_by, changed_ms) VALUES "
				    "(?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, deadline);
	sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((rc = node_plan_send_action(n, id, NULL, &sent)) != WN_OK ||
	    (rc = alert(n, "action.assigned", cid, owner, id, true)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	utc(deadline, when, sizeof(when));
	snprintf(c->detail, sizeof(c->detail), "action %lld of case %s for "
	    "%s, deadline %s; sent to %zu members", (long long)id, cid, owner,
	    when, sent);
	char msg[200];
	snprintf(msg, sizeof(msg), "action %lld added to the plan of case %s "
	    "for %s; sent to %zu members", (long long)id, cid, owner, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 5);
	proto_ctl_field_int(c->w, "action_id", id);
	proto_ctl_field_text(c->w, "case_id", cid);
	proto_ctl_field_text(c->w, "owner", owner);
	proto_ctl_field_int(c->w, "deadline_ms", deadline);
	proto_ctl_field_int(c->w, "sent_to", (int64_t)sent);
	return WN_OK;
}

/* ---- listing -------------------------------------------------------- */

#define ROW_COLS                                                               \
	"action_id, case_id, director, owner, deadline_ms, state, "            \
	"changed_ms, ifnull(done_ms, 0), ifnull(late_ms, 0), text, note"

static sqlite3_stmt *
select_rows(struct node *n, const char *what, const char *where,
    const char *a1, const char *a2, int64_t limit)
{
	char sql[512];
	sqlite3_stmt *st;
	snprintf(sql, sizeof(sql), "SELECT %s FROM actions WHERE %s ORDER BY "
	    "deadline_ms, director, action_id LIMIT ?3", what, where);
	if ((st = node_work_prep(n, sql)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, a1 ? a1 : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a2 ? a2 : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit);
	return st;
}

wn_err
node_action_rows(struct node_ctl_call *c, const char *where, const char *a1,
    const char *a2, int64_t limit)
{
	sqlite3_stmt *st = select_rows(c->n, ROW_COLS, where, a1, a2, limit);
	int r;
	if (st == NULL)
		return WN_EDB;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		bool text = sqlite3_column_type(st, 9) != SQLITE_NULL;
		bool note = sqlite3_column_type(st, 10) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 10 + text + note);
		proto_ctl_field_text(c->w, "kind", "action");
		proto_ctl_field_int(c->w, "action_id",
		    sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "case_id", col(st, 1));
		proto_ctl_field_text(c->w, "director", col(st, 2));
		proto_ctl_field_text(c->w, "owner", col(st, 3));
		proto_ctl_field_int(c->w, "deadline_ms",
		    sqlite3_column_int64(st, 4));
		proto_ctl_field_text(c->w, "state",
		    node_action_state_name(sqlite3_column_int(st, 5)));
		proto_ctl_field_int(c->w, "changed_ms",
		    sqlite3_column_int64(st, 6));
		proto_ctl_field_int(c->w, "done_ms",
		    sqlite3_column_int64(st, 7));
		proto_ctl_field_int(c->w, "late_ms",
		    sqlite3_column_int64(st, 8));
		if (text)
			proto_ctl_field_text(c->w, "text", col(st, 9));
		if (note)
			proto_ctl_field_text(c->w, "note", col(st, 10));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_ctl_action_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case");
	bool all = node_ctl_arg(c, "all")[0] != '\0';
	bool late = node_ctl_arg(c, "late")[0] != '\0';
	char where[160], msg[160];
	int64_t count = -1;
	sqlite3_stmt *st;
	wn_err rc;
	/* this node's own actions and those of the cases it directs; --all
	 * also what it was sent of other members' */
	snprintf(where, sizeof(where), "%s%s%s",
	    all ? "1" : "(director = ?1 OR owner = ?1)",
	    cid[0] ? " AND case_id = ?2" : "", late ? " AND state = 2" : "");
	if ((st = select_rows(n, "count(*)", where, n->cfg.org_id, cid,
		 INT64_MAX)) == NULL)
		return WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (count < 0)
		return WN_EDB;
	snprintf(msg, sizeof(msg), "%lld %sactions%s%s, by deadline",
	    (long long)count, late ? "late " : "", cid[0] ? " of case " : "",
	    cid);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)count);
	if ((rc = node_action_rows(c, where, n->cfg.org_id, cid, count)) !=
	    WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "listed %lld %sactions%s%s",
	    (long long)count, late ? "late " : "", cid[0] ? " of case " : "",
	    cid);
	return WN_OK;
}

/* ---- done and cancelled ---------------------------------------------- */

struct action_row {
	char director[PROTO_ORG_ID_MAX + 1], owner[PROTO_ORG_ID_MAX + 1];
	char case_id[PROTO_PLAN_CASE_ID_MAX + 1];
	int64_t id;
	int state;
};

/* find: the action numbered by the `action` argument that this node
 * holds (in the `case` given, if any); else a refusal in c */
static wn_err
find(struct node_ctl_call *c, struct action_row *a)
{
	const char *cid = node_ctl_arg(c, "case");
	struct node_case kc;
	uint64_t v;
	sqlite3_stmt *st;
	int r, found = 0;
	if (!wn_parse_u64(node_ctl_arg(c, "action"), INT64_MAX, &v) || v == 0)
		return node_ctl_fail(c, WN_EINVAL, "actions are named by their "
		    "number");
	if ((st = node_work_prep(c->n, "SELECT director, case_id, owner, state FROM "
			     "actions WHERE action_id = ?1 AND (?2 = '' OR "
			     "case_id = ?2) LIMIT 2")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)v);
	sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && ++found == 1) {
		wn_strlcpy(a->director, col(st, 0), sizeof(a->director));
		wn_strlcpy(a->case_id, col(st, 1), sizeof(a->case_id));
		wn_strlcpy(a->owner, col(st, 2), sizeof(a->owner));
		a->state = sqlite3_column_int(st, 3);
		a->id = (int64_t)v;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		return WN_EDB;
	if (found == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no action %llu "
		    "here%s%s", (unsigned long long)v, cid[0] ? " in case " : "",
		    cid);
	if (found > 1)
		return node_ctl_fail(c, WN_EINVAL, "this node holds an action "
		    "%llu of more than one case director: name its case with "
		    "--case", (unsigned long long)v);
	if (a->state == NODE_ACT_DONE || a->state == NODE_ACT_CANCELLED)
		return node_ctl_fail(c, WN_EINVAL, "action %llu is %s "
		    "already", (unsigned long long)v,
		    node_action_state_name(a->state));
	if (node_case_get(c->n, a->case_id, &kc) && kc.closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: its "
		    "actions stay as they are and nothing is sent for it",
		    a->case_id);
	return WN_OK;
}

/* settle sets action a's final state (done or cancelled) with its note */
static wn_err
settle(struct node *n, const struct action_row *a, int state,
    const char *note, int64_t now)
{
	sqlite3_stmt *st = node_work_prep(n, "UPDATE actions SET state = ?, note = ?, "
				   "done_ms = ?, changed_ms = ? WHERE director "
				   "= ? AND action_id = ?");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, state);
	sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
	if (state == NODE_ACT_DONE)
		sqlite3_bind_int64(st, 3, now);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, a->director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, a->id);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* tell_director queues the owner's ACTION_STATE (done) for the case's
 * director */
static wn_err
tell_director(struct node_ctl_call *c, const struct action_row *a,
    const char *note, int64_t now)
{
	struct proto_action_state *s = calloc(1, sizeof(*s));
	struct proto_writer w = {0};
	struct node_peer *p = node_peer_find(c->n, a->director);
	wn_err rc = WN_ENOMEM;
	if (s == NULL ||
	    proto_writer_init_dynamic(&w, 512, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	if (p == NULL || p->gone) {
		rc = node_ctl_fail(c, WN_ENOTFOUND, "the case's director %s "
		    "is not a peer of this node: nothing was marked",
		    a->director);
		goto out;
	}
	wn_strlcpy(s->case_id, a->case_id, sizeof(s->case_id));
	s->number = (uint64_t)a->id;
	s->state = PROTO_ACTION_DONE;
	s->changed_ms = now;
	wn_strlcpy(s->note, note, sizeof(s->note));
	if ((rc = proto_action_state_encode(s, &w)) == WN_OK)
		rc = node_outbox_push(c->n, p, PROTO_MSG_ACTION_STATE, w.buf,
		    w.len);
out:
	proto_writer_release(&w);
	free(s);
	return rc;
}

wn_err
node_ctl_action_done(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *note = node_ctl_arg(c, "note");
	struct action_row a;
	char err[128], msg[200];
	int64_t now = node_work_now_ms();
	size_t sent = 0;
	bool directs;
	wn_err rc;
	if ((rc = find(c, &a)) != WN_OK)
		return rc;
	directs = strcmp(a.director, n->cfg.org_id) == 0;
	if (!directs && strcmp(a.owner, n->cfg.org_id) != 0)
		return node_ctl_fail(c, WN_EDENIED, "action %lld belongs to "
		    "%s: only its owner, or the case's director %s, marks it "
		    "done", (long long)a.id, a.owner, a.director);
	if (!node_plan_text_ok("the result note", note, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was marked",
		    err);
	if ((rc = settle(n, &a, NODE_ACT_DONE, note, now)) != WN_OK)
		return rc;
	if (directs)
		rc = node_plan_send_action(n, a.id, NULL, &sent);
	else if ((rc = tell_director(c, &a, note, now)) == WN_OK)
		sent = 1;
	if (rc == WN_OK)
		rc = alert(n, "action.done", a.case_id, directs ? a.owner
		    : a.director, a.id, directs);
	if (rc != WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "action %lld of case %s "
	    "(owner %s) done; %s %zu", (long long)a.id, a.case_id, a.owner,
	    directs ? "sent to members:" : "sent to the director:", sent);
	if (directs)
		snprintf(msg, sizeof(msg), "action %lld is done; sent to %zu "
		    "members", (long long)a.id, sent);
	else
		snprintf(msg, sizeof(msg), "action %lld is done; the director "
		    "%s is told", (long long)a.id, a.director);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_int(c->w, "action_id", a.id);
	proto_ctl_field_text(c->w, "case_id", a.case_id);
	proto_ctl_field_text(c->w, "state", "done");
	proto_ctl_field_int(c->w, "done_ms", now);
	return WN_OK;
}

wn_err
node_ctl_action_cancel(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *why = node_ctl_arg(c, "why");
	struct action_row a;
	char err[128], msg[160];
	size_t sent;
	wn_err rc;
	if ((rc = find(c, &a)) != WN_OK)
		return rc;
	if (strcmp(a.director, n->cfg.org_id) != 0)
		return node_ctl_fail(c, WN_EDENIED, "only the case's director "
		    "%s cancels action %lld", a.director, (long long)a.id);
	if (!node_plan_text_ok("the reason", why, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was cancelled",
		    err);
	if ((rc = settle(n, &a, NODE_ACT_CANCELLED, why,
		 node_work_now_ms())) != WN_OK ||
	    (rc = node_plan_send_action(n, a.id, NULL, &sent)) != WN_OK ||
	    (rc = alert(n, "action.cancelled", a.case_id, a.owner, a.id,
		 true)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "action %lld of case %s "
	    "(owner %s) cancelled; sent to %zu members", (long long)a.id,
	    a.case_id, a.owner, sent);
	snprintf(msg, sizeof(msg), "action %lld is cancelled; sent to %zu "
	    "members", (long long)a.id, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "action_id", a.id);
	proto_ctl_field_text(c->w, "case_id", a.case_id);
	proto_ctl_field_text(c->w, "state", "cancelled");
	return WN_OK;
}

/* ---- late, by itself ------------------------------------------------- */

wn_err
node_actions_mark_late(struct node *n, bool *kick)
{
	int64_t now = node_work_now_ms();
	*kick = false;
	/* the audit below writes between the reads: in batches */
	for (;;) {
		struct action_row a[32];
		int64_t deadline[32];
		size_t k = 0;
		sqlite3_stmt *st;
		int r;
		/* a closed case's actions stay as they are: not late */
		if ((st = node_work_prep(n, "SELECT director, action_id, case_id, owner, "
				  "deadline_ms FROM actions a WHERE state = 0 AND "
				  "deadline_ms < ? AND NOT EXISTS (SELECT 1 FROM "
				  "cases c WHERE c.case_id = a.case_id AND "
				  "c.closed_ms IS NOT NULL) ORDER BY deadline_ms "
				  "LIMIT 32")) == NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, now);
		while ((r = sqlite3_step(st)) == SQLITE_ROW && k < 32) {
			wn_strlcpy(a[k].director, col(st, 0),
			    sizeof(a[k].director));
			a[k].id = sqlite3_column_int64(st, 1);
			wn_strlcpy(a[k].case_id, col(st, 2),
			    sizeof(a[k].case_id));
			wn_strlcpy(a[k].owner, col(st, 3), sizeof(a[k].owner));
			deadline[k++] = sqlite3_column_int64(st, 4);
		}
		sqlite3_finalize(st);
		if (r != SQLITE_DONE && r != SQLITE_ROW)
			return WN_EDB;
		if (k == 0)
			return WN_OK;
		for (size_t i = 0; i < k; i++) {
			char object[96], detail[256], when[64];
			if ((st = node_work_prep(n, "UPDATE actions SET state = 2, "
					  "late_ms = ?, changed_ms = ? WHERE "
					  "director = ? AND action_id = ? AND "
					  "state = 0")) == NULL)
				return WN_EDB;
			sqlite3_bind_int64(st, 1, now);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_text(st, 3, a[i].director, -1,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, a[i].id);
			r = sqlite3_step(st);
			sqlite3_finalize(st);
			if (r != SQLITE_DONE)
				return WN_EDB;
			utc(deadline[i], when, sizeof(when));
			snprintf(object, sizeof(object), "action %lld of %s",
			    (long long)a[i].id, a[i].director);
			snprintf(detail, sizeof(detail), "case %s, owner %s: "
			    "its deadline %s passed and it is not done; "
			    "marked late by this node", a[i].case_id,
			    a[i].owner, when);
			wn_err rc = node_audit_append(n->store, "system",
			    "action.late", object, detail);
			bool directs = strcmp(a[i].director,
			    n->cfg.org_id) == 0;
			/* the director and the owner are told; a member
			 * that holds a copy only marks it */
			if (rc == WN_OK && (directs ||
				strcmp(a[i].owner, n->cfg.org_id) == 0))
				rc = alert(n, "action.late", a[i].case_id,
				    directs ? a[i].owner : a[i].director,
				    a[i].id, directs);
			if (rc != WN_OK)
				return rc;
			wn_log(WN_LOG_INFO, "action %lld of %s (case %s, "
			    "owner %s) is late", (long long)a[i].id,
			    a[i].director, a[i].case_id, a[i].owner);
		}
	}
}
