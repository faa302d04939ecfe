/*
 * meet_apply.c - what a node takes in of a consultation (meet_send.c
 * sends it).
 *
 * A member takes a BODY or a MEETING only from the federation's director
 * (the key it pinned), a MEETING only of a body it sits in; a BODY without
 * members makes it forget the body. It takes a CONSULT or an ESCALATION
 * only from the case's director, while it is a member of the open case,
 * and checks the matrix again: a text its role may not see (deliberation
 * below view), or a CONSULT its role may not know of (none), is refused,
 * not kept. It keeps what it takes under the director's org and number,
 * replacing an earlier copy. At the chair of the meeting's body, each
 * decision a CONSULT brings that it did not hold raises decision.made as
 * "chair" (the alert room; the director raised its own in meeting.decide).
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "crypto/sec.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/meet_wire.h"

static bool
from_director(struct node *n, const struct node_peer *from)
{
	return !n->is_director &&
	    sec_equal(from->sign_pk, n->director_pk, sizeof(n->director_pk));
}

static wn_err
exec_args(struct node *n, const char *sql, const char *a, const char *b,
    int64_t i)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 2, i);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
apply_body(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_body *b = calloc(1, sizeof(*b));
	struct proto_error perr = {0};
	sqlite3_stmt *st = NULL;
	bool me = false;
	wn_err rc = WN_ENOMEM;
	if (b == NULL)
		goto out;
	if (proto_body_decode(body, len, b, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed body at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDENIED;
	if (!from_director(n, from)) {
		snprintf(why, whylen, "'%s' is not the federation's director: "
		    "only it keeps consultation bodies", from->org_id);
		goto out;
	}
	for (size_t i = 0; i < b->nmembers; i++)
		me |= strcmp(b->members[i], n->cfg.org_id) == 0;
	if (b->sits && !me) {
		snprintf(why, whylen, "body %s does not list this node among "
		    "its members", b->body_id);
		goto out;
	}
	if ((rc = exec_args(n, "DELETE FROM body_members WHERE director = ?1 "
			       "AND body_id = ?2", from->org_id, b->body_id,
		 0)) != WN_OK ||
	    (rc = exec_args(n, "DELETE FROM bodies WHERE director = ?1 AND "
			       "body_id = ?2", from->org_id, b->body_id, 0)) !=
		WN_OK ||
	    !b->sits)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "INSERT INTO bodies (director, body_id, "
				    "name, chair, changed_ms) VALUES "
				    "(?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, b->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, b->chair, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, b->changed_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "INSERT INTO body_members (director, "
				    "body_id, org) VALUES (?,?,?)")) == NULL)
		goto out;
	for (size_t i = 0; i < b->nmembers; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, b->body_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b->members[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(b);
	return rc;
}

/* sits: this node sits in body_id of director */
static bool
sits(struct node *n, const char *director, const char *body_id)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT 1 FROM body_members WHERE "
					     "director = ? AND body_id = ? "
					     "AND org = ?");
	bool yes;
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->cfg.org_id, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* keep_meeting writes (or rewrites) meeting number of director in body at
 * at_ms; the attendance stays as it was */
static wn_err
keep_meeting(struct node *n, const char *director, uint64_t number,
    const char *body_id, int64_t at_ms, int64_t changed_ms, bool replace)
{
	sqlite3_stmt *st = node_work_prep(n, replace
	    ? "INSERT OR REPLACE INTO meetings (director, meeting_id, body_id, "
	      "at_ms, planned_by, attendance_ms, changed_ms) VALUES "
	      "(?1,?2,?3,?4,?1,(SELECT attendance_ms FROM meetings WHERE "
	      "director = ?1 AND meeting_id = ?2),?5)"
	    : "INSERT OR IGNORE INTO meetings (director, meeting_id, body_id, "
	      "at_ms, planned_by, changed_ms) VALUES (?1,?2,?3,?4,?1,?5)");
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)number);
	sqlite3_bind_text(st, 3, body_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at_ms);
	sqlite3_bind_int64(st, 5, changed_ms);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
apply_meeting(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_meeting *m = calloc(1, sizeof(*m));
	struct proto_error perr = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	if (m == NULL)
		goto out;
	if (proto_meeting_decode(body, len, m, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed meeting at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDENIED;
	if (!from_director(n, from) || !sits(n, from->org_id, m->body_id)) {
		snprintf(why, whylen, "this node does not sit in body %s of "
		    "'%s'", m->body_id, from->org_id);
		goto out;
	}
	if ((rc = keep_meeting(n, from->org_id, m->number, m->body_id,
		 m->at_ms, m->changed_ms, true)) != WN_OK ||
	    !m->has_attendance)
		goto out;
	if ((rc = exec_args(n, "DELETE FROM meeting_attendance WHERE director "
			       "= ?1 AND meeting_id = ?2", from->org_id, NULL,
		 (int64_t)m->number)) != WN_OK ||
	    (rc = exec_args(n, "UPDATE meetings SET attendance_ms = changed_ms "
			       "WHERE director = ?1 AND meeting_id = ?2",
		 from->org_id, NULL, (int64_t)m->number)) != WN_OK)
		goto out;
	rc = WN_EDB;
	/* who was there; the body's other members were not */
	if ((st = node_work_prep(n, "INSERT INTO meeting_attendance (director, "
				    "meeting_id, org, present) SELECT ?1, ?2, "
				    "org, 0 FROM body_members WHERE director "
				    "= ?1 AND body_id = ?3")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)m->number);
	sqlite3_bind_text(st, 3, m->body_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO meeting_attendance "
				    "(director, meeting_id, org, present) "
				    "VALUES (?,?,?,1)")) == NULL)
		goto out;
	for (size_t i = 0; i < m->npresent; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)m->number);
		sqlite3_bind_text(st, 3, m->present[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(m);
	return rc;
}

/* case_gate: from directs case_id here, which is open, and this node is a
 * member; *role its role */
static bool
case_gate(struct node *n, const struct node_peer *from, const char *case_id,
    struct node_case *kc, int *role, char *why, size_t whylen)
{
	if (!node_case_get(n, case_id, kc) ||
	    strcmp(kc->director, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not direct case %s here",
		    from->org_id, case_id);
		return false;
	}
	if (kc->closed_ms != 0) {
		snprintf(why, whylen, "case %s is closed: nothing is shared "
		    "for it", case_id);
		return false;
	}
	if (!node_case_member(n, case_id, n->cfg.org_id, role)) {
		snprintf(why, whylen, "this node is not a member of case %s",
		    case_id);
		return false;
	}
	return true;
}

static wn_err
keep_consult(struct node *n, const char *director,
    const struct proto_consult *c)
{
	sqlite3_stmt *st;
	wn_err rc;
	int r;
	if ((rc = keep_meeting(n, director, c->meeting, c->body_id, c->at_ms,
		 c->changed_ms, false)) != WN_OK)
		return rc;
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO meeting_cases "
				    "(director, meeting_id, case_id, added_ms, "
				    "minutes, minutes_ms, changed_ms) VALUES "
				    "(?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)c->meeting);
	sqlite3_bind_text(st, 3, c->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->changed_ms);
	if (c->has_minutes)
		sqlite3_bind_text(st, 5, c->minutes, -1, SQLITE_STATIC);
	if (c->minutes_ms != 0)
		sqlite3_bind_int64(st, 6, c->minutes_ms);
	sqlite3_bind_int64(st, 7, c->changed_ms);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((st = node_work_prep(n, "DELETE FROM meeting_decisions WHERE "
				    "director = ? AND meeting_id = ? AND "
				    "case_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)c->meeting);
	sqlite3_bind_text(st, 3, c->case_id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE ||
	    (st = node_work_prep(n, "INSERT INTO meeting_decisions (director, "
				   "meeting_id, case_id, decision, text, step, "
				   "decided_ms) VALUES (?,?,?,?,?,?,?)")) ==
		NULL)
		return WN_EDB;
	for (size_t i = 0; i < c->ndecisions; i++) {
		const struct proto_meet_decision *d = &c->decisions[i];
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)c->meeting);
		sqlite3_bind_text(st, 3, c->case_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)d->number);
		if (d->has_text)
			sqlite3_bind_text(st, 5, d->text, -1, SQLITE_STATIC);
		if (d->step != 0)
			sqlite3_bind_int64(st, 6, (int64_t)d->step);
		sqlite3_bind_int64(st, 7, d->decided_ms);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return WN_EDB;
		}
	}
	sqlite3_finalize(st);
	return WN_OK;
}

/* chair_news: when this node chairs the body of c's meeting, *news is how
 * many of c's decisions it does not hold yet (a CONSULT carries the case's
 * whole state at the meeting again after every change: only a decision
 * new here is news); otherwise 0 */
static wn_err
chair_news(struct node *n, const char *director,
    const struct proto_consult *c, size_t *news)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT 1 FROM bodies WHERE "
					     "director = ? AND body_id = ? AND "
					     "chair = ?");
	int r;
	*news = 0;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->body_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->cfg.org_id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r == SQLITE_DONE)
		return WN_OK;
	if (r != SQLITE_ROW ||
	    (st = node_work_prep(n, "SELECT 1 FROM meeting_decisions WHERE "
				   "director = ? AND meeting_id = ? AND "
				   "case_id = ? AND decision = ?")) == NULL)
		return WN_EDB;
	for (size_t i = 0; i < c->ndecisions; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, director, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)c->meeting);
		sqlite3_bind_text(st, 3, c->case_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, (int64_t)c->decisions[i].number);
		if ((r = sqlite3_step(st)) == SQLITE_DONE)
			(*news)++;
		else if (r != SQLITE_ROW)
			break;
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? WN_OK : WN_EDB;
}

static wn_err
apply_consult(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_consult *c = calloc(1, sizeof(*c));
	struct proto_error perr = {0};
	struct node_case kc;
	bool texts;
	int role, level;
	size_t news = 0;
	wn_err rc = WN_ENOMEM;
	if (c == NULL)
		goto out;
	if (proto_consult_decode(body, len, c, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed consultation at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDENIED;
	if (!case_gate(n, from, c->case_id, &kc, &role, why, whylen))
		goto out;
	texts = c->has_minutes;
	for (size_t i = 0; i < c->ndecisions; i++)
		texts |= c->decisions[i].has_text;
	level = node_matrix_level(n, kc.type, CFG_CAT_DELIBERATION, role);
	if (level == CFG_LEVEL_NONE || (texts && level < CFG_LEVEL_VIEW)) {
		snprintf(why, whylen, "the matrix in force gives this node's "
		    "role %s of deliberation in case %s", level ==
		    CFG_LEVEL_NONE ? "nothing" : "no view", c->case_id);
		goto out;
	}
	if ((rc = chair_news(n, from->org_id, c, &news)) != WN_OK ||
	    (rc = keep_consult(n, from->org_id, c)) != WN_OK)
		goto out;
	/* the chair's people are told of each decision new here (the alert
	 * room keeps it); the thing it names is the meeting */
	for (size_t i = 0; i < news; i++) {
		struct node_event ev = {"decision.made", c->case_id,
		    from->org_id, (int64_t)c->meeting, "chair"};
		if ((rc = node_event_raise(n, &ev)) != WN_OK)
			goto out;
	}
out:
	if (c != NULL)
		sec_wipe(c, sizeof(*c));
	free(c);
	return rc;
}

static wn_err
apply_escalation(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_escalation *e = calloc(1, sizeof(*e));
	struct proto_error perr = {0};
	struct node_case kc;
	sqlite3_stmt *st = NULL;
	int role;
	wn_err rc = WN_ENOMEM;
	if (e == NULL)
		goto out;
	if (proto_escalation_decode(body, len, e, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed escalation at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDENIED;
	if (!case_gate(n, from, e->case_id, &kc, &role, why, whylen))
		goto out;
	if (e->has_reason && node_matrix_level(n, kc.type,
				 CFG_CAT_DELIBERATION, role) <
				 CFG_LEVEL_VIEW) {
		snprintf(why, whylen, "the matrix in force gives this node's "
		    "role no view of deliberation in case %s", e->case_id);
		goto out;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO case_escalations "
				    "(case_id, number, from_body, to_body, "
				    "when_ms, by_org, by_user, reason) VALUES "
				    "(?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, e->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)e->number);
	sqlite3_bind_text(st, 3, e->from_body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->to_body, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e->when_ms);
	sqlite3_bind_text(st, 6, e->by_org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->by_user, -1, SQLITE_STATIC);
	if (e->has_reason)
		sqlite3_bind_text(st, 8, e->reason, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = WN_OK;
out:
	sqlite3_finalize(st);
	if (e != NULL)
		sec_wipe(e, sizeof(*e));
	free(e);
	return rc;
}

wn_err
node_meet_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	switch (h->type) {
	case PROTO_MSG_BODY:
		return apply_body(n, from, body, len, why, whylen);
	case PROTO_MSG_MEETING:
		return apply_meeting(n, from, body, len, why, whylen);
	case PROTO_MSG_CONSULT:
		return apply_consult(n, from, body, len, why, whylen);
	case PROTO_MSG_ESCALATION:
		return apply_escalation(n, from, body, len, why, whylen);
	default:
		snprintf(why, whylen, "not a consultation message");
		return WN_EPROTO;
	}
}

