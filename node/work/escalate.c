/*
 * escalate.c - a case handed from one consultation body to another, at
 * the federation's director (case.escalate).
 *
 * A case is with the body of the last meeting that had it on its agenda,
 * or of its last escalation, whichever came later. Escalating hands an
 * open case this node directs to another of its bodies, with a reason
 * (free text, never in the audit record): a row of case_escalations,
 * part of the case's history that case show tells, sent to every member
 * of the case (meet_send.c), the reason only where the matrix lets the
 * member's role view deliberation.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"
#include "protocol/meet_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* node_meet_case_body: the body case cid is with: that of its last
 * escalation or of the last meeting it was put on the agenda of,
 * whichever came later ("" none) */
wn_err
node_meet_case_body(struct node *n, const char *cid, char *out, size_t cap)
{
	static const char *const sql[] = {
	    "SELECT to_body, when_ms FROM case_escalations WHERE case_id = ? "
	    "ORDER BY number DESC LIMIT 1",
	    "SELECT m.body_id, k.added_ms FROM meeting_cases k JOIN meetings m "
	    "USING (director, meeting_id) WHERE k.case_id = ? ORDER BY "
	    "k.added_ms DESC, m.meeting_id DESC LIMIT 1"};
	int64_t best = -1;
	out[0] = '\0';
	for (size_t i = 0; i < WN_ARRAY_LEN(sql); i++) {
		sqlite3_stmt *st = node_work_prep(n, sql[i]);
		int r;
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
		if ((r = sqlite3_step(st)) == SQLITE_ROW &&
		    sqlite3_column_int64(st, 1) > best) {
			best = sqlite3_column_int64(st, 1);
			wn_strlcpy(out, col(st, 0), cap);
		}
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return WN_EDB;
	}
	return WN_OK;
}

wn_err
node_ctl_case_escalate(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case"), *to = node_ctl_arg(c, "to"),
		   *why = node_ctl_arg(c, "why");
	char from[PROTO_BODY_ID_MAX + 1], err[128], msg[240];
	struct node_case kc;
	int64_t number, now = node_work_now_ms();
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if (!n->is_director)
		return node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director hands cases between its consultation bodies");
	if (!cid[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(n, cid, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no case "
		    "%s", cid);
	if (!kc.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "case %s is directed by "
		    "%s: only cases this node directs go to its "
		    "consultations", cid, kc.director);
	if (kc.closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: it "
		    "stays where it is (reopen it first)", cid);
	if ((st = node_work_prep(n, "SELECT 1 FROM bodies WHERE director = ? "
				    "AND body_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	bool known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!known)
		return node_ctl_fail(c, WN_ENOTFOUND, "--to: no body '%s' (see "
		    "body list)", to);
	if ((rc = node_meet_case_body(n, cid, from, sizeof(from))) != WN_OK)
		return rc;
	if (!from[0])
		return node_ctl_fail(c, WN_EINVAL, "case %s is with no body "
		    "yet: put it on a meeting's agenda first", cid);
	if (strcmp(from, to) == 0)
		return node_ctl_fail(c, WN_EINVAL, "case %s is with %s "
		    "already", cid, to);
	if (!why[0])
		return node_ctl_fail(c, WN_EINVAL, "say why the case is "
		    "escalated (--why-file)");
	if (!node_plan_text_ok("the reason", why, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; the case was not "
		    "escalated", err);
	if (wn_text_chars(why, strlen(why)) > NODE_STEP_REASON_CHARS ||
	    strlen(why) > PROTO_MEET_REASON_MAX)
		return node_ctl_fail(c, WN_EINVAL, "the reason is too long: at "
		    "most %d characters; the case was not escalated",
		    NODE_STEP_REASON_CHARS);
	number = -1;
	if ((st = node_work_prep(n, "SELECT ifnull(max(number), 0) + 1 FROM "
				    "case_escalations WHERE case_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		number = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (number < 1 ||
	    (st = node_work_prep(n, "INSERT INTO case_escalations (case_id, "
				   "number, from_body, to_body, when_ms, "
				   "by_org, by_user, reason) VALUES "
				   "(?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, number);
	sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_text(st, 6, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, why, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((rc = node_meet_send_escalation(n, cid, number, NULL, &sent)) !=
	    WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "case %s escalated from %s to "
	    "%s (escalation %lld, a reason given); %zu members told", cid,
	    from, to, (long long)number, sent);
	snprintf(msg, sizeof(msg), "case %s handed from %s to %s; %zu members "
	    "of the case told", cid, from, to, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 5);
	proto_ctl_field_text(c->w, "case_id", cid);
	proto_ctl_field_int(c->w, "escalation", number);
	proto_ctl_field_text(c->w, "from_body", from);
	proto_ctl_field_text(c->w, "to_body", to);
	proto_ctl_field_int(c->w, "members_told", (int64_t)sent);
	return WN_OK;
}
