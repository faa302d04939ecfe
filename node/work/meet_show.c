/*
 * meet_show.c - consultations as this node holds them: body.list (the
 * bodies it keeps, or sits in), meeting.list, meeting.show (a meeting with
 * its attendance and, per case on its agenda that this node may know of,
 * the minutes and decisions) and meeting.case (a case's consultations and
 * escalations, for case show). The director holds everything; a member
 * what it was sent: texts it may only know exist are said to be so.
 */
#include "node/work/work.h"

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* prep_bind prepares sql with text ?1 (NULL: null) and integer ?2 */
static sqlite3_stmt *
prep_bind(struct node *n, const char *sql, const char *a, int64_t i)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	if (st == NULL)
		return NULL;
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, i);
	return st;
}

static int64_t
count(struct node *n, const char *sql, const char *a, int64_t i)
{
	sqlite3_stmt *st = prep_bind(n, sql, a, i);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

wn_err
node_ctl_body_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st;
	int64_t rows = count(n, "SELECT count(*) FROM bodies WHERE ?2 = ?2",
	    NULL, 0);
	bool me;
	char msg[96];
	if (rows < 0 ||
	    (st = node_work_prep(n, "SELECT b.director, b.body_id, b.name, "
				   "b.chair, b.changed_ms, (SELECT "
				   "group_concat(org, ',') FROM (SELECT org "
				   "FROM body_members m WHERE m.director = "
				   "b.director AND m.body_id = b.body_id ORDER "
				   "BY org)), EXISTS (SELECT 1 FROM "
				   "body_members m WHERE m.director = "
				   "b.director AND m.body_id = b.body_id AND "
				   "m.org = ?) FROM bodies b ORDER BY "
				   "b.body_id, b.director")) == NULL)
		return WN_EDB;
	snprintf(msg, sizeof(msg), "%lld consultation bod%s", (long long)rows,
	    rows == 1 ? "y" : "ies");
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)rows);
	for (int64_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		me = sqlite3_column_int(st, 6) != 0;
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_text(c->w, "body_id", col(st, 1));
		proto_ctl_field_text(c->w, "name", col(st, 2));
		proto_ctl_field_text(c->w, "chair", col(st, 3));
		proto_ctl_field_text(c->w, "members", col(st, 5));
		proto_ctl_field_text(c->w, "director", col(st, 0));
		proto_ctl_field_bool(c->w, "sits", me);
		proto_ctl_field_int(c->w, "changed_ms",
		    sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "%lld bodies", (long long)rows);
	return WN_OK;
}

#define MEETING_COLS                                                           \
	"SELECT m.director, m.meeting_id, m.body_id, ifnull(b.name, ''), "     \
	"m.at_ms, m.attendance_ms IS NOT NULL, (SELECT count(*) FROM "         \
	"meeting_attendance a WHERE a.director = m.director AND "              \
	"a.meeting_id = m.meeting_id AND a.present = 1), (SELECT count(*) "    \
	"FROM meeting_cases k WHERE k.director = m.director AND "              \
	"k.meeting_id = m.meeting_id) FROM meetings m LEFT JOIN bodies b ON "  \
	"b.director = m.director AND b.body_id = m.body_id "

static void
meeting_row(struct node_ctl_call *c, sqlite3_stmt *st, bool kind)
{
	proto_ctl_row_begin(c->w, kind ? 9 : 8);
	if (kind)
		proto_ctl_field_text(c->w, "kind", "meeting");
	proto_ctl_field_int(c->w, "meeting", sqlite3_column_int64(st, 1));
	proto_ctl_field_text(c->w, "body_id", col(st, 2));
	proto_ctl_field_text(c->w, "body_name", col(st, 3));
	proto_ctl_field_int(c->w, "at_ms", sqlite3_column_int64(st, 4));
	proto_ctl_field_text(c->w, "director", col(st, 0));
	proto_ctl_field_bool(c->w, "attendance_taken",
	    sqlite3_column_int(st, 5) != 0);
	proto_ctl_field_int(c->w, "present", sqlite3_column_int64(st, 6));
	proto_ctl_field_int(c->w, "cases", sqlite3_column_int64(st, 7));
}

wn_err
node_ctl_meeting_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *body = proto_ctl_request_arg(c->req, "body");
	sqlite3_stmt *st;
	char msg[96];
	int64_t rows = count(n, "SELECT count(*) FROM meetings WHERE ?1 IS "
				"NULL OR body_id = ?1 OR ?2 != ?2",
	    body, 0);
	if (rows < 0 ||
	    (st = prep_bind(n, MEETING_COLS "WHERE ?1 IS NULL OR m.body_id = "
					    "?1 OR ?2 != ?2 ORDER BY m.at_ms, "
					    "m.director, m.meeting_id",
		 body, 0)) == NULL)
		return WN_EDB;
	snprintf(msg, sizeof(msg), "%lld meeting%s", (long long)rows,
	    rows == 1 ? "" : "s");
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)rows);
	for (int64_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++)
		meeting_row(c, st, false);
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "%lld meetings",
	    (long long)rows);
	return WN_OK;
}

/* decision_rows writes the decisions of case cid at meeting id of
 * director (as rows of kind "decision") */
static wn_err
decision_rows(struct node_ctl_call *c, const char *director, int64_t id,
    const char *cid, int64_t rows)
{
	sqlite3_stmt *st = prep_bind(c->n, "SELECT decision, decided_ms, "
					   "ifnull(step, 0), text FROM "
					   "meeting_decisions WHERE director "
					   "= ?1 AND meeting_id = ?2 AND "
					   "case_id = ?3 ORDER BY decision",
	    director, id);
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		bool shared = sqlite3_column_type(st, 3) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 8);
		proto_ctl_field_text(c->w, "kind", "decision");
		proto_ctl_field_int(c->w, "meeting", id);
		proto_ctl_field_text(c->w, "case_id", cid);
		proto_ctl_field_int(c->w, "decision",
		    sqlite3_column_int64(st, 0));
		proto_ctl_field_int(c->w, "decided_ms",
		    sqlite3_column_int64(st, 1));
		proto_ctl_field_int(c->w, "step", sqlite3_column_int64(st, 2));
		proto_ctl_field_bool(c->w, "text_shared", shared);
		proto_ctl_field_text(c->w, "text", col(st, 3));
	}
	sqlite3_finalize(st);
	return WN_OK;
}

#define CASE_COLS                                                              \
	"SELECT k.director, k.meeting_id, m.body_id, m.at_ms, "                \
	"ifnull(k.minutes_ms, 0), k.minutes, k.case_id, (SELECT count(*) "     \
	"FROM meeting_decisions d WHERE d.director = k.director AND "          \
	"d.meeting_id = k.meeting_id AND d.case_id = k.case_id) FROM "         \
	"meeting_cases k JOIN meetings m USING (director, meeting_id) "

/* case_rows writes one row of kind "consult" per row of st (CASE_COLS),
 * each followed by its decisions */
static wn_err
case_rows(struct node_ctl_call *c, sqlite3_stmt *st, int64_t rows)
{
	wn_err rc = WN_OK;
	for (int64_t i = 0; rc == WN_OK && i < rows &&
	     sqlite3_step(st) == SQLITE_ROW;
	     i++) {
		bool shared = sqlite3_column_type(st, 5) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 9);
		proto_ctl_field_text(c->w, "kind", "consult");
		proto_ctl_field_int(c->w, "meeting",
		    sqlite3_column_int64(st, 1));
		proto_ctl_field_text(c->w, "case_id", col(st, 6));
		proto_ctl_field_text(c->w, "body_id", col(st, 2));
		proto_ctl_field_int(c->w, "at_ms", sqlite3_column_int64(st, 3));
		proto_ctl_field_text(c->w, "director", col(st, 0));
		proto_ctl_field_int(c->w, "minutes_ms",
		    sqlite3_column_int64(st, 4));
		proto_ctl_field_bool(c->w, "minutes_shared", shared);
		proto_ctl_field_text(c->w, "minutes", col(st, 5));
		rc = decision_rows(c, col(st, 0), sqlite3_column_int64(st, 1),
		    col(st, 6), sqlite3_column_int64(st, 7));
	}
	return rc;
}

wn_err
node_ctl_meeting_show(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *v = node_ctl_arg(c, "meeting");
	const char *dir = proto_ctl_request_arg(c->req, "director");
	char director[PROTO_ORG_ID_MAX + 1] = "", *end;
	sqlite3_stmt *st;
	int64_t id = strtoll(v, &end, 10), nmeet, nattend, ncases, ndec;
	wn_err rc;
	if (!v[0] || *end != '\0' || id < 1)
		return node_ctl_fail(c, WN_EINVAL, "a meeting's number (see "
		    "meeting list)");
	nmeet = count(n, "SELECT count(*) FROM meetings WHERE meeting_id = "
			 "?2 AND (?1 IS NULL OR director = ?1)",
	    dir, id);
	if (nmeet < 0)
		return WN_EDB;
	if (nmeet == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "this node holds no "
		    "meeting %lld (see meeting list)", (long long)id);
	if (nmeet > 1)
		return node_ctl_fail(c, WN_EINVAL, "meetings %lld of several "
		    "directors: say which with --director", (long long)id);
	if ((st = prep_bind(n, "SELECT director FROM meetings WHERE "
			       "meeting_id = ?2 AND (?1 IS NULL OR director = "
			       "?1)",
		 dir, id)) == NULL)
		return WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		wn_strlcpy(director, col(st, 0), sizeof(director));
	sqlite3_finalize(st);
	nattend = count(n, "SELECT count(*) FROM meeting_attendance WHERE "
			   "director = ?1 AND meeting_id = ?2",
	    director, id);
	ncases = count(n, "SELECT count(*) FROM meeting_cases WHERE director "
			  "= ?1 AND meeting_id = ?2",
	    director, id);
	ndec = count(n, "SELECT count(*) FROM meeting_decisions WHERE "
			"director = ?1 AND meeting_id = ?2",
	    director, id);
	if (nattend < 0 || ncases < 0 || ndec < 0)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", (size_t)(1 + nattend + ncases +
						    ndec));
	if ((st = prep_bind(n, MEETING_COLS "WHERE m.director = ?1 AND "
					    "m.meeting_id = ?2",
		 director, id)) == NULL)
		return WN_EDB;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	meeting_row(c, st, true);
	sqlite3_finalize(st);
	if ((st = prep_bind(n, "SELECT org, present FROM meeting_attendance "
			       "WHERE director = ?1 AND meeting_id = ?2 ORDER "
			       "BY present DESC, org",
		 director, id)) == NULL)
		return WN_EDB;
	for (int64_t i = 0; i < nattend && sqlite3_step(st) == SQLITE_ROW;
	     i++) {
		proto_ctl_row_begin(c->w, 3);
		proto_ctl_field_text(c->w, "kind", "attendance");
		proto_ctl_field_text(c->w, "org", col(st, 0));
		proto_ctl_field_bool(c->w, "present",
		    sqlite3_column_int(st, 1) != 0);
	}
	sqlite3_finalize(st);
	if ((st = prep_bind(n, CASE_COLS "WHERE k.director = ?1 AND "
					 "k.meeting_id = ?2 ORDER BY "
					 "k.added_ms, k.case_id",
		 director, id)) == NULL)
		return WN_EDB;
	rc = case_rows(c, st, ncases);
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "meeting %lld of %s: %lld "
	    "cases", (long long)id, director, (long long)ncases);
	return rc;
}

wn_err
node_ctl_meeting_case(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case");
	struct node_case kc;
	sqlite3_stmt *st;
	int64_t ncases, ndec, nesc;
	wn_err rc;
	if (!cid[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(n, cid, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s'", cid);
	ncases = count(n, "SELECT count(*) FROM meeting_cases WHERE case_id = "
			  "?1 AND ?2 = ?2",
	    cid, 0);
	ndec = count(n, "SELECT count(*) FROM meeting_decisions WHERE case_id "
			"= ?1 AND ?2 = ?2",
	    cid, 0);
	nesc = count(n, "SELECT count(*) FROM case_escalations WHERE case_id "
			"= ?1 AND ?2 = ?2",
	    cid, 0);
	if (ncases < 0 || ndec < 0 || nesc < 0)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", (size_t)(ncases + ndec + nesc));
	if ((st = prep_bind(n, CASE_COLS "WHERE k.case_id = ?1 AND ?2 = ?2 "
					 "ORDER BY m.at_ms, k.meeting_id",
		 cid, 0)) == NULL)
		return WN_EDB;
	rc = case_rows(c, st, ncases);
	sqlite3_finalize(st);
	if (rc != WN_OK)
		return rc;
	if ((st = prep_bind(n, "SELECT number, from_body, to_body, when_ms, "
			       "by_org, by_user, reason FROM case_escalations "
			       "WHERE case_id = ?1 AND ?2 = ?2 ORDER BY number",
		 cid, 0)) == NULL)
		return WN_EDB;
	for (int64_t i = 0; i < nesc && sqlite3_step(st) == SQLITE_ROW; i++) {
		bool shared = sqlite3_column_type(st, 6) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 10);
		proto_ctl_field_text(c->w, "kind", "escalation");
		proto_ctl_field_text(c->w, "case_id", cid);
		proto_ctl_field_int(c->w, "escalation",
		    sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "from_body", col(st, 1));
		proto_ctl_field_text(c->w, "to_body", col(st, 2));
		proto_ctl_field_int(c->w, "when_ms",
		    sqlite3_column_int64(st, 3));
		proto_ctl_field_text(c->w, "by_org", col(st, 4));
		proto_ctl_field_text(c->w, "by_user", col(st, 5));
		proto_ctl_field_bool(c->w, "reason_shared", shared);
		proto_ctl_field_text(c->w, "reason", col(st, 6));
	}
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "case %s: %lld consultations, "
	    "%lld escalations", cid, (long long)ncases, (long long)nesc);
	return WN_OK;
}
