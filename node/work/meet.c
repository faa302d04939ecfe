/*
 * meet.c - consultations at the federation's director: bodies
 * (body.add, body.change), their meetings (meeting.plan), a meeting's
 * agenda of cases (meeting.agenda), who was there (meeting.attend), the
 * minutes and decisions per case (meeting.minutes, meeting.decide), and a
 * case handed from one body to another (case.escalate).
 *
 * Only the federation's director keeps bodies and holds meetings: a body
 * is a short id, a name, member partners (this node or enrolled peers)
 * and a chair among them. A meeting is planned for a moment to come; its
 * agenda holds cases this node directs and that are open; minutes and
 * decisions are written for a case on the agenda. A decision may name the
 * case's step it took (a step taken with case advance or case close). A
 * case is with the body of the last meeting that had it on its agenda
 * until it is escalated; escalating hands it to another body, a step of
 * its history with a reason. What goes where is meet_send.c; what is
 * shown, meet_show.c. No audit record holds a minutes, decision or reason
 * text.
 */
#include "node/work/work.h"

#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/meet_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static wn_err
only_director(struct node_ctl_call *c, const char *what)
{
	if (!c->n->is_director)
		return node_ctl_fail(c, WN_EDENIED, "only the federation's "
		    "director %s", what);
	return WN_OK;
}

static bool
ident_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	return n <= max && proto_org_id_valid(s, n);
}

/* one_int: the integer the query (text ?1, integer ?2) gives, or -1 */
static int64_t
one_int(struct node *n, const char *sql, const char *a, int64_t i)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, i);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- bodies ------------------------------------------------------------ */

struct members {
	size_t n;
	char org[PROTO_BODY_MEMBERS_MAX][PROTO_ORG_ID_MAX + 1];
};

/* members_parse reads a comma-separated list of partners (the option
 * opt), each this node or an enrolled peer, without repeats */
static wn_err
members_parse(struct node_ctl_call *c, const char *opt, const char *list,
    struct members *m)
{
	const char *p = list;
	m->n = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		char org[PROTO_ORG_ID_MAX + 1];
		struct node_peer *peer;
		if (len == 0 || len > PROTO_ORG_ID_MAX)
			return node_ctl_fail(c, WN_EINVAL, "--%s: a "
			    "comma-separated list of partners' org ids", opt);
		memcpy(org, p, len);
		org[len] = '\0';
		if (!proto_org_id_valid(org, len))
			return node_ctl_fail(c, WN_EINVAL, "--%s: '%s' is "
			    "not an org id", opt, org);
		if (strcmp(org, c->n->cfg.org_id) != 0 &&
		    ((peer = node_peer_find(c->n, org)) == NULL || peer->gone))
			return node_ctl_fail(c, WN_ENOTFOUND, "--%s: %s "
			    "is not an enrolled partner", opt, org);
		for (size_t i = 0; i < m->n; i++)
			if (strcmp(m->org[i], org) == 0)
				return node_ctl_fail(c, WN_EINVAL, "--%s: "
				    "%s is named twice", opt, org);
		if (m->n == PROTO_BODY_MEMBERS_MAX)
			return node_ctl_fail(c, WN_EINVAL, "--%s: at "
			    "most %d partners", opt, PROTO_BODY_MEMBERS_MAX);
		wn_strlcpy(m->org[m->n++], org, sizeof(m->org[0]));
		p += len;
		if (*p == ',' && *++p == '\0')
			return node_ctl_fail(c, WN_EINVAL, "--%s: a "
			    "comma-separated list of partners' org ids", opt);
	}
	if (m->n == 0)
		return node_ctl_fail(c, WN_EINVAL, "--%s: name the "
		    "partners", opt);
	return WN_OK;
}

static bool
name_ok(const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v), chars;
	if (v[strspn(v, " ")] == '\0') {
		snprintf(err, errlen, "--name is empty");
		return false;
	}
	if (!wn_text_valid(v, len)) {
		snprintf(err, errlen, "--name: invalid UTF-8");
		return false;
	}
	if ((chars = wn_text_chars(v, len)) > NODE_BODY_NAME_CHARS ||
	    len > PROTO_BODY_NAME_MAX) {
		snprintf(err, errlen, "--name is too long: %zu characters, at "
		    "most %d", chars, NODE_BODY_NAME_CHARS);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "--name holds a control "
			    "character");
			return false;
		}
	return true;
}

/* body_set adds body id (add) or changes it; the arguments not given keep
 * their value on a change */
static wn_err
body_set(struct node_ctl_call *c, bool add)
{
	struct node *n = c->n;
	const char *id = node_ctl_arg(c, "body"), *name = node_ctl_arg(c, "name"),
		   *chair = node_ctl_arg(c, "chair"),
		   *list = node_ctl_arg(c, "members");
	struct members *m = NULL, *old = NULL;
	char err[128], cur_name[PROTO_BODY_NAME_MAX + 1] = "",
			cur_chair[PROTO_ORG_ID_MAX + 1] = "";
	sqlite3_stmt *st = NULL;
	size_t sent = 0, s1;
	bool exists, chair_in = false;
	wn_err rc;
	int r;
	if ((rc = only_director(c, "keeps consultation bodies")) != WN_OK)
		return rc;
	if (!ident_ok(id, PROTO_BODY_ID_MAX))
		return node_ctl_fail(c, WN_EINVAL, "a body's id: 1 to %d of "
		    "a-z 0-9 _ - (e.g. nbt-herentals)", PROTO_BODY_ID_MAX);
	if ((st = node_work_prep(n, "SELECT name, chair FROM bodies WHERE "
				    "director = ? AND body_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if ((exists = sqlite3_step(st) == SQLITE_ROW)) {
		wn_strlcpy(cur_name, col(st, 0), sizeof(cur_name));
		wn_strlcpy(cur_chair, col(st, 1), sizeof(cur_chair));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (add && exists)
		return node_ctl_fail(c, WN_EINVAL, "body %s exists already: "
		    "change it with body change", id);
	if (!add && !exists)
		return node_ctl_fail(c, WN_ENOTFOUND, "no body '%s' (see body "
		    "list)", id);
	if (add && (!name[0] || !chair[0] || !list[0]))
		return node_ctl_fail(c, WN_EINVAL, "a new body needs --name, "
		    "--chair and --members");
	if (name[0] && !name_ok(name, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was changed",
		    err);
	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (old = calloc(1, sizeof(*old))) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	/* the members now, to keep them or to tell those who leave */
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT org FROM body_members WHERE "
				    "director = ? AND body_id = ? ORDER BY "
				    "org")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    old->n < PROTO_BODY_MEMBERS_MAX)
		wn_strlcpy(old->org[old->n++], col(st, 0), sizeof(old->org[0]));
	sqlite3_finalize(st);
	st = NULL;
	if (list[0]) {
		if ((rc = members_parse(c, "members", list, m)) != WN_OK)
			goto out;
	} else
		*m = *old;
	if (!chair[0])
		chair = cur_chair;
	for (size_t i = 0; i < m->n; i++)
		chair_in |= strcmp(m->org[i], chair) == 0;
	if (!chair_in) {
		rc = node_ctl_fail(c, WN_EINVAL, "--chair: %s is not among the "
		    "body's members", chair);
		goto out;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO bodies (director, "
				    "body_id, name, chair, changed_ms) VALUES "
				    "(?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name[0] ? name : cur_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, chair, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, node_work_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "DELETE FROM body_members WHERE director "
				    "= ? AND body_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "INSERT INTO body_members (director, "
				    "body_id, org) VALUES (?,?,?)")) == NULL)
		goto out;
	for (size_t i = 0; i < m->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->org[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* every member is told the body as it stands; one that left, that
	 * it no longer sits in it */
	if ((rc = node_meet_send_body(n, id, NULL, &sent)) != WN_OK)
		goto out;
	for (size_t i = 0; i < old->n; i++) {
		bool stays = false;
		for (size_t k = 0; k < m->n; k++)
			stays |= strcmp(old->org[i], m->org[k]) == 0;
		if (stays)
			continue;
		/* the members again (already queued above) would be sent
		 * twice: only the one that left */
		if ((rc = node_meet_send_body(n, id, old->org[i], &s1)) !=
		    WN_OK)
			goto out;
	}
	/* a partner that joins is told the body's earlier meetings (when,
	 * who was there; never a case: those go by case membership) */
	for (size_t i = 0; i < m->n; i++) {
		bool was = false;
		for (size_t k = 0; k < old->n; k++)
			was |= strcmp(old->org[k], m->org[i]) == 0;
		if (!was && (rc = node_meet_send_meetings_to(n, id, m->org[i],
				 &s1)) != WN_OK)
			goto out;
	}
	c->kick = true;
	snprintf(c->detail, sizeof(c->detail), "body %s %s: %zu members, "
	    "chair %s", id, add ? "added" : "changed", m->n, chair);
	char msg[200];
	snprintf(msg, sizeof(msg), "body %s %s: %zu members, chaired by %s; "
	    "%zu partners told", id, add ? "added" : "changed", m->n, chair,
	    sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_text(c->w, "body_id", id);
	proto_ctl_field_text(c->w, "chair", chair);
	proto_ctl_field_int(c->w, "members", (int64_t)m->n);
	proto_ctl_field_int(c->w, "told", (int64_t)sent);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(m);
	free(old);
	return rc;
}

wn_err
node_ctl_body_add(struct node_ctl_call *c)
{
	return body_set(c, true);
}

wn_err
node_ctl_body_change(struct node_ctl_call *c)
{
	return body_set(c, false);
}

/* ---- meetings ----------------------------------------------------------- */

/* meeting_get: meeting id of this node (its body into body), else a
 * refusal in c */
static wn_err
meeting_get(struct node_ctl_call *c, int64_t *id, char *body, size_t cap,
    int64_t *at_ms)
{
	const char *v = node_ctl_arg(c, "meeting");
	char *end;
	sqlite3_stmt *st;
	int r;
	long long x = strtoll(v, &end, 10);
	if (!v[0] || *end != '\0' || x < 1)
		return node_ctl_fail(c, WN_EINVAL, "a meeting's number (see "
		    "meeting list)");
	if ((st = node_work_prep(c->n, "SELECT body_id, at_ms FROM meetings "
				      "WHERE director = ? AND meeting_id = "
				      "?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, c->n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, x);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		wn_strlcpy(body, col(st, 0), cap);
		*at_ms = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return node_ctl_fail(c, WN_ENOTFOUND, "this node holds no "
		    "meeting %lld (see meeting list)", x);
	*id = x;
	return WN_OK;
}

wn_err
node_ctl_meeting_plan(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *body = node_ctl_arg(c, "body"), *at = node_ctl_arg(c, "at");
	int64_t at_ms, id, now = node_work_now_ms();
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if ((rc = only_director(c, "holds the meetings of its consultation "
				   "bodies")) != WN_OK)
		return rc;
	if ((st = node_work_prep(n, "SELECT 1 FROM bodies WHERE director = ? "
				    "AND body_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
	bool known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!known)
		return node_ctl_fail(c, WN_ENOTFOUND, "no body '%s' (see body "
		    "list)", body);
	if (!node_signal_when_parse(at, &at_ms))
		return node_ctl_fail(c, WN_EINVAL, "--at: a date and time, "
		    "e.g. 2026-12-17 14:00");
	if (at_ms <= now)
		return node_ctl_fail(c, WN_EINVAL, "--at: %s is in the past: a "
		    "meeting is planned ahead", at);
	if ((id = one_int(n, "SELECT ifnull(max(meeting_id), 0) + 1 FROM "
			     "meetings WHERE director = ?1 AND ?2 = ?2",
		 n->cfg.org_id, 0)) < 1 ||
	    (st = node_work_prep(n, "INSERT INTO meetings (director, "
				   "meeting_id, body_id, at_ms, planned_by, "
				   "changed_ms) VALUES (?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at_ms);
	sqlite3_bind_text(st, 5, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, now);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((rc = node_meet_send_meeting(n, id, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	/* the audit is read by people: the moment in UTC, as action.c says
	 * a deadline */
	char when[40];
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(when, sizeof(when), "%lld ms", (long long)at_ms);
	snprintf(c->detail, sizeof(c->detail), "meeting %lld of body %s at "
	    "%s; %zu partners told", (long long)id, body, when, sent);
	char msg[160];
	snprintf(msg, sizeof(msg), "meeting %lld of %s planned; %zu partners "
	    "told", (long long)id, body, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_int(c->w, "meeting", id);
	proto_ctl_field_text(c->w, "body_id", body);
	proto_ctl_field_int(c->w, "at_ms", at_ms);
	proto_ctl_field_int(c->w, "told", (int64_t)sent);
	return WN_OK;
}

/* open_case: this node directs case id and it is open (else a refusal) */
static wn_err
open_case(struct node_ctl_call *c, const char *id, struct node_case *kc)
{
	if (!id[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if (!node_case_get(c->n, id, kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no case "
		    "%s", id);
	if (!kc->here_directs)
		return node_ctl_fail(c, WN_EDENIED, "case %s is directed by "
		    "%s: only cases this node directs go to its "
		    "consultations", id, kc->director);
	if (kc->closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: "
		    "nothing is added to it (reopen it first)", id);
	return WN_OK;
}

/* reply_case answers with the case at the meeting and how many were told */
static void
reply_case(struct node_ctl_call *c, const char *msg, int64_t meeting,
    const char *case_id, int64_t number, size_t sent)
{
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_int(c->w, "meeting", meeting);
	proto_ctl_field_text(c->w, "case_id", case_id);
	proto_ctl_field_int(c->w, "number", number);
	proto_ctl_field_int(c->w, "members_told", (int64_t)sent);
}

wn_err
node_ctl_meeting_agenda(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case");
	char body[PROTO_BODY_ID_MAX + 1], msg[200];
	struct node_case kc;
	int64_t id, at_ms, now = node_work_now_ms();
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if ((rc = only_director(c, "sets the agendas of its consultation "
				   "bodies")) != WN_OK ||
	    (rc = meeting_get(c, &id, body, sizeof(body), &at_ms)) != WN_OK ||
	    (rc = open_case(c, cid, &kc)) != WN_OK)
		return rc;
	if ((st = node_work_prep(n, "INSERT OR IGNORE INTO meeting_cases "
				    "(director, meeting_id, case_id, added_ms, "
				    "changed_ms) VALUES (?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, now);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(n->store)) == 0)
		return node_ctl_fail(c, WN_EINVAL, "case %s is on the agenda of "
		    "meeting %lld already", cid, (long long)id);
	if ((rc = node_meet_send_consult(n, id, cid, NULL, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "case %s on the agenda of "
	    "meeting %lld (%s); %zu members told", cid, (long long)id, body,
	    sent);
	snprintf(msg, sizeof(msg), "case %s is on the agenda of meeting %lld "
	    "of %s; %zu members of the case told", cid, (long long)id, body,
	    sent);
	reply_case(c, msg, id, cid, 0, sent);
	return WN_OK;
}

/* on_agenda: case cid is on the agenda of meeting id (else a refusal) */
static wn_err
on_agenda(struct node_ctl_call *c, int64_t id, const char *cid)
{
	sqlite3_stmt *st = node_work_prep(c->n, "SELECT 1 FROM meeting_cases "
						"WHERE director = ? AND "
						"meeting_id = ? AND case_id = "
						"?");
	bool yes;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, c->n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!yes)
		return node_ctl_fail(c, WN_EINVAL, "case %s is not on the "
		    "agenda of meeting %lld: put it there first (meeting "
		    "agenda)", cid, (long long)id);
	return WN_OK;
}

wn_err
node_ctl_meeting_attend(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *list = node_ctl_arg(c, "present");
	char body[PROTO_BODY_ID_MAX + 1], msg[160];
	struct members *m = NULL;
	int64_t id, at_ms, now = node_work_now_ms(), in_body;
	size_t sent;
	sqlite3_stmt *st = NULL;
	wn_err rc;
	if ((rc = only_director(c, "keeps who attended its meetings")) !=
		WN_OK ||
	    (rc = meeting_get(c, &id, body, sizeof(body), &at_ms)) != WN_OK)
		return rc;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return WN_ENOMEM;
	if ((rc = members_parse(c, "present", list, m)) != WN_OK)
		goto out;
	for (size_t i = 0; i < m->n; i++) {
		if ((st = node_work_prep(n, "SELECT 1 FROM body_members WHERE "
					    "director = ? AND body_id = ? AND "
					    "org = ?")) == NULL) {
			rc = WN_EDB;
			goto out;
		}
		sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, m->org[i], -1, SQLITE_STATIC);
		in_body = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		st = NULL;
		if (!in_body) {
			rc = node_ctl_fail(c, WN_EINVAL, "--present: %s does "
			    "not sit in %s", m->org[i], body);
			goto out;
		}
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "DELETE FROM meeting_attendance WHERE "
				    "director = ? AND meeting_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "INSERT INTO meeting_attendance (director, "
				    "meeting_id, org, present) SELECT ?1, ?2, "
				    "org, 0 FROM body_members WHERE director "
				    "= ?1 AND body_id = ?3")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "UPDATE meeting_attendance SET present = 1 "
				    "WHERE director = ? AND meeting_id = ? AND "
				    "org = ?")) == NULL)
		goto out;
	for (size_t i = 0; i < m->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
		sqlite3_bind_text(st, 3, m->org[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "UPDATE meetings SET attendance_ms = ?, "
				    "changed_ms = ? WHERE director = ? AND "
				    "meeting_id = ?")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = node_meet_send_meeting(n, id, &sent)) != WN_OK)
		goto out;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "meeting %lld of %s: %zu "
	    "partners present; %zu partners told", (long long)id, body, m->n,
	    sent);
	snprintf(msg, sizeof(msg), "meeting %lld of %s: %zu partners were "
	    "there; %zu partners told", (long long)id, body, m->n, sent);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "meeting", id);
	proto_ctl_field_int(c->w, "present", (int64_t)m->n);
	proto_ctl_field_int(c->w, "told", (int64_t)sent);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(m);
	return rc;
}

/* not_held: meeting id, held at at_ms, is still to come at now: what is
 * written of it (what) would predate it; a refusal in c */
static wn_err
not_held(struct node_ctl_call *c, int64_t id, int64_t at_ms, int64_t now,
    const char *what)
{
	char when[64] = "";
	struct tm tm;
	time_t t = (time_t)(at_ms / 1000);
	if (at_ms <= now)
		return WN_OK;
	if (localtime_r(&t, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	return node_ctl_fail(c, WN_EINVAL, "meeting %lld is held on %s: %s "
	    "are written once it was held; nothing was written",
	    (long long)id, when, what);
}

wn_err
node_ctl_meeting_minutes(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case"),
		   *text = node_ctl_arg(c, "text");
	char body[PROTO_BODY_ID_MAX + 1], err[128], msg[200];
	struct node_case kc;
	int64_t id, at_ms, now = node_work_now_ms();
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if ((rc = only_director(c, "keeps the minutes of its meetings")) !=
		WN_OK ||
	    (rc = meeting_get(c, &id, body, sizeof(body), &at_ms)) != WN_OK ||
	    (rc = open_case(c, cid, &kc)) != WN_OK ||
	    (rc = on_agenda(c, id, cid)) != WN_OK ||
	    (rc = not_held(c, id, at_ms, now, "its minutes")) != WN_OK)
		return rc;
	if (!node_plan_text_ok("the minutes", text, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was written",
		    err);
	if ((st = node_work_prep(n, "UPDATE meeting_cases SET minutes = ?, "
				    "minutes_ms = ?, changed_ms = ? WHERE "
				    "director = ? AND meeting_id = ? AND "
				    "case_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	sqlite3_bind_text(st, 6, cid, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((rc = node_meet_send_consult(n, id, cid, NULL, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	/* the audit says that minutes were written, never what they say */
	snprintf(c->detail, sizeof(c->detail), "minutes of case %s at meeting "
	    "%lld (%s); sent to %zu members", cid, (long long)id, body, sent);
	snprintf(msg, sizeof(msg), "minutes of case %s at meeting %lld "
	    "written; %zu members of the case told", cid, (long long)id,
	    sent);
	reply_case(c, msg, id, cid, 0, sent);
	return WN_OK;
}

wn_err
node_ctl_meeting_decide(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *cid = node_ctl_arg(c, "case"),
		   *text = node_ctl_arg(c, "text"),
		   *step = node_ctl_arg(c, "step");
	char body[PROTO_BODY_ID_MAX + 1], err[128], msg[200], *end;
	struct node_case kc;
	int64_t id, at_ms, now = node_work_now_ms(), number, k = 0;
	size_t sent;
	sqlite3_stmt *st;
	wn_err rc;
	if ((rc = only_director(c, "records the decisions of its "
				   "meetings")) != WN_OK ||
	    (rc = meeting_get(c, &id, body, sizeof(body), &at_ms)) != WN_OK)
		return rc;
	if (!cid[0])
		return node_ctl_fail(c, WN_EINVAL, "name the case");
	if ((rc = on_agenda(c, id, cid)) != WN_OK ||
	    (rc = not_held(c, id, at_ms, now, "its decisions")) != WN_OK)
		return rc;
	if (!node_case_get(n, cid, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "this node knows no case "
		    "%s", cid);
	if (step[0]) {
		int stage;
		uint64_t last;
		k = strtoll(step, &end, 10);
		if (*end != '\0' || k < 1)
			return node_ctl_fail(c, WN_EINVAL, "--step: the number "
			    "of a step of the case (see case show)");
		if ((rc = node_case_last_step(n, cid, &stage, &last)) !=
		    WN_OK)
			return rc;
		if ((uint64_t)k > last)
			return node_ctl_fail(c, WN_EINVAL, "--step: case %s "
			    "has %llu steps; take the step first (case "
			    "advance or case close), then record the decision "
			    "that took it", cid, (unsigned long long)last);
	}
	/* a decision that closed the case is the last thing said of it */
	if (kc.closed_ms != 0 && k == 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: "
		    "nothing is added to it (reopen it first)", cid);
	if (!node_plan_text_ok("the decision", text, err, sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was recorded",
		    err);
	if ((st = node_work_prep(n, "SELECT count(*), ifnull(max(decision), 0) "
				    "+ 1 FROM meeting_decisions WHERE director "
				    "= ? AND meeting_id = ? AND case_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	int64_t count = -1;
	number = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		count = sqlite3_column_int64(st, 0);
		number = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (count < 0)
		return WN_EDB;
	if (count >= PROTO_MEET_DECISIONS_MAX)
		return node_ctl_fail(c, WN_EINVAL, "case %s has %d decisions at "
		    "meeting %lld already, the most one meeting takes", cid,
		    PROTO_MEET_DECISIONS_MAX, (long long)id);
	if ((st = node_work_prep(n, "INSERT INTO meeting_decisions (director, "
				    "meeting_id, case_id, decision, text, step, "
				    "decided_ms) VALUES (?,?,?,?,?,?,?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, number);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
	if (k > 0)
		sqlite3_bind_int64(st, 6, k);
	sqlite3_bind_int64(st, 7, now);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE ||
	    (st = node_work_prep(n, "UPDATE meeting_cases SET changed_ms = ? "
				   "WHERE director = ? AND meeting_id = ? AND "
				   "case_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_text(st, 4, cid, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* a closed case shares nothing: the decision stays here */
	if ((rc = node_meet_send_consult(n, id, cid, NULL, &sent)) != WN_OK)
		return rc;
	/* the case's director's people are told (the alert room keeps it);
	 * the thing it names is the meeting */
	if (kc.here_directs) {
		struct node_event ev = {"decision.made", cid, "", id,
		    "director"};
		if ((rc = node_event_raise(n, &ev)) != WN_OK)
			return rc;
	}
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "decision %lld on case %s at "
	    "meeting %lld (%s)%s; sent to %zu members", (long long)number,
	    cid, (long long)id, body, k ? ", tied to a step" : "", sent);
	snprintf(msg, sizeof(msg), "decision %lld on case %s at meeting %lld "
	    "recorded; %zu members of the case told", (long long)number, cid,
	    (long long)id, sent);
	reply_case(c, msg, id, cid, number, sent);
	return WN_OK;
}
