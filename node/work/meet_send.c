/*
 * meet_send.c - what of a consultation crosses to another node, and what
 * a node takes in.
 *
 * The federation's director sends a body (BODY) to each partner that sits
 * in it, and to a partner that no longer does the body without its
 * members; a meeting (MEETING: when, and who was there once the
 * attendance is taken) to each partner of its body. A meeting names no
 * case. A case on a meeting's agenda, with its minutes and decisions
 * (CONSULT), goes only to the case's current members, as the matrix in
 * force lets each one's role see deliberation in the case's type: with
 * the texts at view or more, without them at existence (that there are
 * minutes and decisions, and when), nothing at none. A case handed from
 * one body to another (ESCALATION) goes to every current member of the
 * case, as a step of its life does, with its reason only at view of
 * deliberation.
 *
 * A closed case shares nothing: no CONSULT or ESCALATION is sent for it.
 * What a member takes in is meet_apply.c.
 *
 * A member invited to a case later is sent its consultations and
 * escalations right after its CASE (need/'s invitation hook); a member
 * removed from a case deletes the ones it holds (need/'s removal hook).
 * A partner that joins a body is sent the body's meetings so far.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "crypto/sec.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/meet_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* push queues body w for org unless it is this node or not an enrolled
 * peer; *sent counts it */
static wn_err
push(struct node *n, const char *org, uint32_t type,
    const struct proto_writer *w, size_t *sent)
{
	struct node_peer *p;
	wn_err rc;
	if (strcmp(org, n->cfg.org_id) == 0 ||
	    (p = node_peer_find(n, org)) == NULL || p->gone)
		return WN_OK;
	if ((rc = node_outbox_push(n, p, type, w->buf, w->len)) == WN_OK)
		(*sent)++;
	return rc;
}

/* ---- the director sends ----------------------------------------------- */

wn_err
node_meet_send_body(struct node *n, const char *body_id, const char *left,
    size_t *sent)
{
	struct proto_body *b = calloc(1, sizeof(*b));
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	int r;
	*sent = 0;
	if (b == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT name, chair, changed_ms FROM bodies "
				    "WHERE director = ? AND body_id = ?")) ==
	    NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	wn_strlcpy(b->body_id, body_id, sizeof(b->body_id));
	wn_strlcpy(b->name, col(st, 0), sizeof(b->name));
	wn_strlcpy(b->chair, col(st, 1), sizeof(b->chair));
	b->changed_ms = sqlite3_column_int64(st, 2);
	b->sits = true;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "SELECT org FROM body_members WHERE "
				    "director = ? AND body_id = ? ORDER BY "
				    "org")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body_id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    b->nmembers < PROTO_BODY_MEMBERS_MAX)
		wn_strlcpy(b->members[b->nmembers++], col(st, 0),
		    sizeof(b->members[0]));
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		goto out;
	if ((rc = proto_body_encode(b, &w)) != WN_OK)
		goto out;
	for (size_t i = 0; i < b->nmembers; i++)
		if ((rc = push(n, b->members[i], PROTO_MSG_BODY, &w, sent)) !=
		    WN_OK)
			goto out;
	if (left != NULL) {
		/* the partner no longer sits in it: the body without its
		 * members, so that it forgets the body */
		b->sits = false;
		b->name[0] = b->chair[0] = '\0';
		b->nmembers = 0;
		memset(b->members, 0, sizeof(b->members));
		proto_writer_reset(&w);
		if ((rc = proto_body_encode(b, &w)) != WN_OK ||
		    (rc = push(n, left, PROTO_MSG_BODY, &w, sent)) != WN_OK)
			goto out;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(b);
	return rc;
}

/* send_meeting sends meeting id to the partners of its body (only `only`
 * when not NULL) */
static wn_err
send_meeting(struct node *n, int64_t id, const char *only, size_t *sent)
{
	struct proto_meeting *m = calloc(1, sizeof(*m));
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	int r;
	*sent = 0;
	if (m == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT body_id, at_ms, changed_ms, "
				    "attendance_ms FROM meetings WHERE "
				    "director = ? AND meeting_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	wn_strlcpy(m->body_id, col(st, 0), sizeof(m->body_id));
	m->number = (uint64_t)id;
	m->at_ms = sqlite3_column_int64(st, 1);
	m->changed_ms = sqlite3_column_int64(st, 2);
	m->has_attendance = sqlite3_column_type(st, 3) != SQLITE_NULL;
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "SELECT org FROM meeting_attendance WHERE "
				    "director = ? AND meeting_id = ? AND "
				    "present = 1 ORDER BY org")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    m->npresent < PROTO_BODY_MEMBERS_MAX)
		wn_strlcpy(m->present[m->npresent++], col(st, 0),
		    sizeof(m->present[0]));
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		goto out;
	sqlite3_finalize(st);
	if ((rc = proto_meeting_encode(m, &w)) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT org FROM body_members WHERE "
				    "director = ? AND body_id = ? ORDER BY "
				    "org")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, m->body_id, -1, SQLITE_STATIC);
	rc = WN_OK;
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		if (only == NULL || strcmp(col(st, 0), only) == 0)
			rc = push(n, col(st, 0), PROTO_MSG_MEETING, &w, sent);
	if (rc == WN_OK && r != SQLITE_DONE)
		rc = WN_EDB;
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(m);
	return rc;
}

wn_err
node_meet_send_meeting(struct node *n, int64_t id, size_t *sent)
{
	return send_meeting(n, id, NULL, sent);
}

wn_err
node_meet_send_meetings_to(struct node *n, const char *body_id,
    const char *org, size_t *sent)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT meeting_id FROM meetings "
					     "WHERE director = ? AND body_id = "
					     "? ORDER BY meeting_id");
	int64_t ids[256];
	size_t k = 0, one;
	wn_err rc = WN_OK;
	int r;
	*sent = 0;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, body_id, -1, SQLITE_STATIC);
	/* the newest 256 at most: a partner that joins needs no more */
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == WN_ARRAY_LEN(ids)) {
			memmove(ids, ids + 1, sizeof(ids) - sizeof(ids[0]));
			k--;
		}
		ids[k++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	for (size_t i = 0; i < k && rc == WN_OK; i++) {
		rc = send_meeting(n, ids[i], org, &one);
		*sent += one;
	}
	return rc;
}

/* consult_load reads case_id at meeting id, as the director holds it,
 * with every text */
static wn_err
consult_load(struct node *n, int64_t id, const char *case_id,
    struct proto_consult *c)
{
	sqlite3_stmt *st;
	int r;
	if ((st = node_work_prep(n, "SELECT m.body_id, m.at_ms, k.changed_ms, "
				    "k.minutes_ms, k.minutes FROM meetings m "
				    "JOIN meeting_cases k ON k.director = "
				    "m.director AND k.meeting_id = "
				    "m.meeting_id WHERE m.director = ? AND "
				    "m.meeting_id = ? AND k.case_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, case_id, -1, SQLITE_STATIC);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		wn_strlcpy(c->case_id, case_id, sizeof(c->case_id));
		c->meeting = (uint64_t)id;
		wn_strlcpy(c->body_id, col(st, 0), sizeof(c->body_id));
		c->at_ms = sqlite3_column_int64(st, 1);
		c->changed_ms = sqlite3_column_int64(st, 2);
		c->minutes_ms = sqlite3_column_int64(st, 3);
		c->has_minutes = sqlite3_column_type(st, 4) != SQLITE_NULL;
		wn_strlcpy(c->minutes, col(st, 4), sizeof(c->minutes));
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return r == SQLITE_DONE ? WN_ENOTFOUND : WN_EDB;
	if ((st = node_work_prep(n, "SELECT decision, decided_ms, "
				    "ifnull(step, 0), text FROM "
				    "meeting_decisions WHERE director = ? AND "
				    "meeting_id = ? AND case_id = ? ORDER BY "
				    "decision")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_text(st, 3, case_id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW &&
	    c->ndecisions < PROTO_MEET_DECISIONS_MAX) {
		struct proto_meet_decision *d = &c->decisions[c->ndecisions++];
		d->number = (uint64_t)sqlite3_column_int64(st, 0);
		d->decided_ms = sqlite3_column_int64(st, 1);
		d->step = (uint64_t)sqlite3_column_int64(st, 2);
		d->has_text = sqlite3_column_type(st, 3) != SQLITE_NULL;
		wn_strlcpy(d->text, col(st, 3), sizeof(d->text));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE || r == SQLITE_ROW ? WN_OK : WN_EDB;
}

/* without_texts: c as a member at existence may hold it */
static void
without_texts(struct proto_consult *c)
{
	c->has_minutes = false;
	sec_wipe(c->minutes, sizeof(c->minutes));
	for (size_t i = 0; i < c->ndecisions; i++) {
		c->decisions[i].has_text = false;
		sec_wipe(c->decisions[i].text, sizeof(c->decisions[i].text));
	}
}

wn_err
node_meet_send_consult(struct node *n, int64_t id, const char *case_id,
    const char *only, size_t *sent)
{
	struct node_case kc;
	struct proto_consult *c = calloc(1, sizeof(*c)),
			     *bare = calloc(1, sizeof(*bare));
	struct node_need_reader rd[64];
	struct proto_writer full = {0}, none = {0};
	size_t count = 0;
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (c == NULL || bare == NULL ||
	    proto_writer_init_dynamic(&full, 4096, PROTO_BODY_MAX - 1) !=
		WN_OK ||
	    proto_writer_init_dynamic(&none, 1024, PROTO_BODY_MAX - 1) !=
		WN_OK)
		goto out;
	/* a closed case shares nothing: not its consultations either */
	rc = WN_OK;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs ||
	    kc.closed_ms != 0)
		goto out;
	if ((rc = consult_load(n, id, case_id, c)) != WN_OK)
		goto out;
	*bare = *c;
	without_texts(bare);
	if ((rc = proto_consult_encode(c, &full)) != WN_OK ||
	    (rc = proto_consult_encode(bare, &none)) != WN_OK ||
	    (rc = node_need_readers(n, case_id, CFG_CAT_DELIBERATION, rd,
		 WN_ARRAY_LEN(rd), &count)) != WN_OK)
		goto out;
	for (size_t i = 0; i < count; i++) {
		if (rd[i].level == CFG_LEVEL_NONE ||
		    (only != NULL && strcmp(rd[i].org, only) != 0))
			continue;
		if ((rc = push(n, rd[i].org, PROTO_MSG_CONSULT,
			 rd[i].level >= CFG_LEVEL_VIEW ? &full : &none,
			 sent)) != WN_OK)
			goto out;
	}
out:
	if (full.buf != NULL)
		sec_wipe(full.buf, full.len);
	proto_writer_release(&full);
	proto_writer_release(&none);
	if (c != NULL)
		sec_wipe(c, sizeof(*c));
	free(c);
	free(bare);
	return rc;
}

struct esc_to_all {
	int type;
	const struct proto_escalation *e;
	const char *only;
	size_t sent;
};

static wn_err
esc_to_member(struct node *n, const char *org, int role, void *arg)
{
	struct esc_to_all *a = arg;
	struct proto_escalation *out;
	struct proto_writer w = {0};
	wn_err rc;
	if (a->only != NULL && strcmp(org, a->only) != 0)
		return WN_OK;
	if ((out = malloc(sizeof(*out))) == NULL)
		return WN_ENOMEM;
	*out = *a->e;
	if (node_matrix_level(n, a->type, CFG_CAT_DELIBERATION, role) <
	    CFG_LEVEL_VIEW) {
		out->has_reason = false;
		memset(out->reason, 0, sizeof(out->reason));
	}
	if ((rc = proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1)) ==
		WN_OK &&
	    (rc = proto_escalation_encode(out, &w)) == WN_OK)
		rc = push(n, org, PROTO_MSG_ESCALATION, &w, &a->sent);
	proto_writer_release(&w);
	free(out);
	return rc;
}

wn_err
node_meet_send_escalation(struct node *n, const char *case_id,
    int64_t number, const char *only, size_t *sent)
{
	struct node_case kc;
	struct proto_escalation *e = calloc(1, sizeof(*e));
	struct esc_to_all all = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (e == NULL)
		goto out;
	rc = WN_OK;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs ||
	    kc.closed_ms != 0)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT from_body, to_body, when_ms, "
				    "by_org, by_user, reason FROM "
				    "case_escalations WHERE case_id = ? AND "
				    "number = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, number);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	wn_strlcpy(e->case_id, case_id, sizeof(e->case_id));
	e->number = (uint64_t)number;
	wn_strlcpy(e->from_body, col(st, 0), sizeof(e->from_body));
	wn_strlcpy(e->to_body, col(st, 1), sizeof(e->to_body));
	e->when_ms = sqlite3_column_int64(st, 2);
	wn_strlcpy(e->by_org, col(st, 3), sizeof(e->by_org));
	wn_strlcpy(e->by_user, col(st, 4), sizeof(e->by_user));
	e->has_reason = true;
	wn_strlcpy(e->reason, col(st, 5), sizeof(e->reason));
	all.type = kc.type;
	all.e = e;
	all.only = only;
	rc = node_case_members(n, case_id, esc_to_member, &all);
	*sent = all.sent;
out:
	sqlite3_finalize(st);
	free(e);
	return rc;
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

/* ---- need/'s hooks: a member invited late, a member removed ---------- */

static wn_err
invited(struct node *n, const char *case_id, const char *org)
{
	struct node_case kc;
	sqlite3_stmt *st;
	size_t sent;
	wn_err rc = WN_OK;
	int r = SQLITE_DONE;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs ||
	    kc.closed_ms != 0)
		return WN_OK;
	if ((st = node_work_prep(n, "SELECT meeting_id FROM meeting_cases "
				    "WHERE director = ? AND case_id = ? ORDER "
				    "BY meeting_id")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = node_meet_send_consult(n, sqlite3_column_int64(st, 0),
		    case_id, org, &sent);
	sqlite3_finalize(st);
	if (rc != WN_OK || r != SQLITE_DONE)
		return rc != WN_OK ? rc : WN_EDB;
	if ((st = node_work_prep(n, "SELECT number FROM case_escalations "
				    "WHERE case_id = ? ORDER BY number")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
		rc = node_meet_send_escalation(n, case_id,
		    sqlite3_column_int64(st, 0), org, &sent);
	sqlite3_finalize(st);
	return rc != WN_OK ? rc : r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
removed(struct node *n, const char *case_id)
{
	static const char *const sql[] = {
	    "DELETE FROM meeting_decisions WHERE case_id = ?1 AND director = ?2",
	    "DELETE FROM meeting_cases WHERE case_id = ?1 AND director = ?2",
	    "DELETE FROM case_escalations WHERE case_id = ?1 AND by_org = ?2"};
	struct node_case kc;
	char detail[160];
	int changes = 0;
	if (!node_case_get(n, case_id, &kc) || kc.here_directs)
		return WN_OK;
	for (size_t i = 0; i < WN_ARRAY_LEN(sql); i++) {
		if (exec_args(n, sql[i], case_id, kc.director, 0) != WN_OK)
			return WN_EDB;
		changes += sqlite3_changes(node_store_db(n->store));
	}
	if (changes == 0)
		return WN_OK;
	snprintf(detail, sizeof(detail), "removed from case %s: its "
	    "consultations and escalations held here (%d) deleted", case_id,
	    changes);
	return node_audit_append(n->store, "system", "meeting.forgotten",
	    case_id, detail);
}

void
node_work_meet_register(void)
{
	node_need_on_invite(invited);
	node_need_on_removed(removed);
}
