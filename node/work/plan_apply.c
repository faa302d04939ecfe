/*
 * plan_apply.c - what of a plan crosses to another node, and what a node
 * takes in.
 *
 * The case's director sends each goal and each action, and each change of
 * an action's state, to the case's current members as a PLAN item: an
 * action with its text and note to its owner always, and to another
 * member whose role the matrix in force gives view (or more) of the
 * category actions in the case's type; without them at existence; not at
 * all at none (goals likewise under the category plan). A member takes a
 * PLAN item only from the case's director, only while it is a member, and
 * checks the matrix again: a text it should not have got is refused, not
 * kept. It keeps the director's number; an item sent again replaces its
 * copy, except that an action this node already marked late does not
 * become open again.
 *
 * The owner's ACTION_STATE (done, with a result note) is taken by the
 * director only from the action's owner, a current member, for an action
 * that is neither done nor cancelled; the new state then goes to every
 * member, the owner too.
 *
 * A closed case (node_case_get's closed_ms) shares nothing: no PLAN item
 * or ACTION_STATE is sent for it, and one that arrives is refused.
 *
 * A member invited to a case later is sent its goals and actions right
 * after its CASE (need/'s invitation hook), as a member from the start
 * holds them; a member removed from a case deletes the ones it holds
 * (need/'s removal hook), as it deletes the fields and steps it received.
 */
#include "node/work/work.h"

#include <string.h>

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

wn_err
node_plan_send_action(struct node *n, int64_t id, const char *only,
    size_t *sent)
{
	struct node_case kc;
	struct proto_plan_item *it = calloc(1, sizeof(*it));
	struct node_need_reader rd[64];
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	bool note;
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (it == NULL ||
	    proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT case_id, owner, deadline_ms, state, text, "
			  "note, changed_ms FROM actions WHERE director = ? "
			  "AND action_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	it->kind = PROTO_PLAN_ACTION;
	it->number = (uint64_t)id;
	wn_strlcpy(it->case_id, col(st, 0), sizeof(it->case_id));
	wn_strlcpy(it->owner, col(st, 1), sizeof(it->owner));
	it->deadline_ms = sqlite3_column_int64(st, 2);
	it->state = (uint32_t)sqlite3_column_int(st, 3);
	wn_strlcpy(it->text, col(st, 4), sizeof(it->text));
	note = sqlite3_column_type(st, 5) != SQLITE_NULL;
	wn_strlcpy(it->note, col(st, 5), sizeof(it->note));
	it->changed_ms = sqlite3_column_int64(st, 6);
	/* a closed case shares nothing: not its plan either */
	rc = WN_OK;
	if (!node_case_get(n, it->case_id, &kc) || kc.closed_ms != 0)
		goto out;
	if ((rc = node_need_readers(n, it->case_id, CFG_CAT_ACTIONS, rd,
		 WN_ARRAY_LEN(rd), &count)) != WN_OK)
		goto out;
	for (size_t i = 0; i < count; i++) {
		bool owner = strcmp(rd[i].org, it->owner) == 0;
		struct node_peer *p;
		if ((!owner && rd[i].level == CFG_LEVEL_NONE) ||
		    strcmp(rd[i].org, n->cfg.org_id) == 0 ||
		    (only != NULL && strcmp(rd[i].org, only) != 0) ||
		    (p = node_peer_find(n, rd[i].org)) == NULL || p->gone)
			continue;
		it->has_text = owner || rd[i].level >= CFG_LEVEL_VIEW;
		it->has_note = it->has_text && note;
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
	proto_writer_release(&w);
	free(it);
	return rc;
}

/* ---- a member takes a PLAN item -------------------------------------- */

static wn_err
keep_goal(struct node *n, const char *from, const struct proto_plan_item *it)
{
	sqlite3_stmt *st = node_work_prep(n, "INSERT OR REPLACE INTO plan_goals "
				   "(director, goal_id, case_id, domain, goal, "
				   "added_by, changed_ms) VALUES "
				   "(?,?,?,?,?,?,?)");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)it->number);
	sqlite3_bind_text(st, 3, it->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)it->domain);
	if (it->has_text)
		sqlite3_bind_text(st, 5, it->text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, it->changed_ms);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
keep_action(struct node *n, const char *from,
    const struct proto_plan_item *it)
{
	sqlite3_stmt *st;
	int state = (int)it->state, r, was = -1;
	int64_t late_ms = 0;
	const char *kind = NULL;
	/* a copy this node marked late stays late while the director's is
	 * open: the director's own check will say so too */
	if ((st = node_work_prep(n, "SELECT state, ifnull(late_ms, 0) FROM actions "
			  "WHERE director = ? AND action_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)it->number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		was = sqlite3_column_int(st, 0);
		late_ms = sqlite3_column_int64(st, 1);
		if (state == NODE_ACT_OPEN &&
		    sqlite3_column_int(st, 0) == NODE_ACT_LATE)
			state = NODE_ACT_LATE;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return WN_EDB;
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO actions (director, "
			  "action_id, case_id, owner, deadline_ms, state, "
			  "text, note, added_by, changed_ms, done_ms, "
			  "late_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)it->number);
	sqlite3_bind_text(st, 3, it->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, it->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, it->deadline_ms);
	sqlite3_bind_int(st, 6, state);
	if (it->has_text)
		sqlite3_bind_text(st, 7, it->text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 7);
	if (it->has_note)
		sqlite3_bind_text(st, 8, it->note, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_text(st, 9, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, it->changed_ms);
	if (state == NODE_ACT_DONE)
		sqlite3_bind_int64(st, 11, it->changed_ms);
	else
		sqlite3_bind_null(st, 11);
	if (late_ms)
		sqlite3_bind_int64(st, 12, late_ms);
	else
		sqlite3_bind_null(st, 12);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* the owner's people are told of its own action: given to it, and
	 * done or cancelled by the director (what the owner did itself it
	 * was told of when it did it: its copy says so already) */
	if (strcmp(it->owner, n->cfg.org_id) != 0)
		return WN_OK;
	/* an action new here that is done or cancelled already (sent again
	 * to a member invited again, or after its restore) is no news */
	if (was < 0 && (state == NODE_ACT_OPEN || state == NODE_ACT_LATE))
		kind = "action.assigned";
	else if (was < 0)
		kind = NULL;
	else if (state == NODE_ACT_DONE && was != NODE_ACT_DONE)
		kind = "action.done";
	else if (state == NODE_ACT_CANCELLED && was != NODE_ACT_CANCELLED)
		kind = "action.cancelled";
	if (kind == NULL)
		return WN_OK;
	struct node_event ev = {kind, it->case_id, from, (int64_t)it->number,
	    "owner"};
	return node_event_raise(n, &ev);
}

static wn_err
apply_item(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_plan_item *it = calloc(1, sizeof(*it));
	struct proto_error perr = {0};
	struct node_case kc;
	bool goal, owner;
	int level, role;
	wn_err rc = WN_ENOMEM;
	if (it == NULL)
		goto out;
	if ((rc = proto_plan_item_decode(body, len, it, &perr)) != WN_OK) {
		snprintf(why, whylen, "malformed plan item at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	goal = it->kind == PROTO_PLAN_GOAL;
	owner = !goal && strcmp(it->owner, n->cfg.org_id) == 0;
	rc = WN_EDENIED;
	if (!node_case_get(n, it->case_id, &kc) ||
	    strcmp(kc.director, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not direct case %s here",
		    from->org_id, it->case_id);
		goto out;
	}
	if (kc.closed_ms != 0) {
		snprintf(why, whylen, "case %s is closed: nothing is shared "
		    "for it", it->case_id);
		goto out;
	}
	if (!node_case_member(n, kc.id, n->cfg.org_id, &role)) {
		snprintf(why, whylen, "this node is not a member of case %s",
		    it->case_id);
		goto out;
	}
	level = node_matrix_level(n, kc.type, goal ? CFG_CAT_PLAN
						   : CFG_CAT_ACTIONS, role);
	if (!owner && (level == CFG_LEVEL_NONE ||
			  (it->has_text && level < CFG_LEVEL_VIEW))) {
		snprintf(why, whylen, "the matrix in force gives this node's "
		    "role %s of %s in case %s", level == CFG_LEVEL_NONE
		    ? "nothing" : "no view", goal ? "plan" : "actions",
		    it->case_id);
		goto out;
	}
	rc = goal ? keep_goal(n, from->org_id, it)
		  : keep_action(n, from->org_id, it);
out:
	if (it != NULL)
		sec_wipe(it, sizeof(*it));
	free(it);
	return rc;
}

/* ---- the director takes an owner's ACTION_STATE ---------------------- */

static wn_err
apply_state(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_action_state *s = calloc(1, sizeof(*s));
	struct proto_error perr = {0};
	char case_id[PROTO_PLAN_CASE_ID_MAX + 1] = "", owner[PROTO_ORG_ID_MAX +
	    1] = "", detail[256], object[96];
	sqlite3_stmt *st = NULL;
	struct node_case kc;
	int state = -1, r;
	size_t sent;
	wn_err rc = WN_ENOMEM;
	if (s == NULL)
		goto out;
	if (proto_action_state_decode(body, len, s, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed action state at byte %zu: %s",
		    perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT case_id, owner, state FROM actions WHERE "
			  "director = ? AND action_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)s->number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		wn_strlcpy(case_id, col(st, 0), sizeof(case_id));
		wn_strlcpy(owner, col(st, 1), sizeof(owner));
		state = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		goto out;
	rc = WN_EDENIED;
	if (r == SQLITE_DONE || strcmp(case_id, s->case_id) != 0) {
		snprintf(why, whylen, "this node directs no action %llu in "
		    "case %s", (unsigned long long)s->number, s->case_id);
		goto out;
	}
	if (strcmp(owner, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not own action %llu (%s "
		    "does)", from->org_id, (unsigned long long)s->number,
		    owner);
		goto out;
	}
	if (node_case_get(n, case_id, &kc) && kc.closed_ms != 0) {
		snprintf(why, whylen, "case %s is closed: nothing is shared "
		    "for it", case_id);
		goto out;
	}
	if (!node_case_member(n, case_id, from->org_id, NULL)) {
		snprintf(why, whylen, "'%s' is no longer a member of case %s",
		    from->org_id, case_id);
		goto out;
	}
	if (state == NODE_ACT_DONE || state == NODE_ACT_CANCELLED) {
		snprintf(why, whylen, "action %llu is %s already",
		    (unsigned long long)s->number,
		    node_action_state_name(state));
		goto out;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "UPDATE actions SET state = 1, note = ?, done_ms = "
			  "?, changed_ms = ? WHERE director = ? AND action_id "
			  "= ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, s->note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->changed_ms);
	sqlite3_bind_int64(st, 3, node_work_now_ms());
	sqlite3_bind_text(st, 4, n->cfg.org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)s->number);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (r != SQLITE_DONE ||
	    (rc = node_plan_send_action(n, (int64_t)s->number, NULL,
		     &sent)) !=
		WN_OK)
		goto out;
	snprintf(object, sizeof(object), "action %llu",
	    (unsigned long long)s->number);
	snprintf(detail, sizeof(detail), "case %s: marked done by its owner "
	    "%s%s; sent to %zu members", case_id, owner, state ==
	    NODE_ACT_LATE ? " (after it was late)" : "", sent);
	rc = node_audit_append(n->store, from->org_id, "action.done", object,
	    detail);
	if (rc == WN_OK) {
		struct node_event ev = {"action.done", case_id, owner,
		    (int64_t)s->number, "director"};
		rc = node_event_raise(n, &ev);
	}
out:
	sqlite3_finalize(st);
	if (s != NULL)
		sec_wipe(s, sizeof(*s));
	free(s);
	return rc;
}

wn_err
node_plan_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	if (h->type == PROTO_MSG_PLAN)
		return apply_item(n, from, body, len, why, whylen);
	if (h->type == PROTO_MSG_ACTION_STATE)
		return apply_state(n, from, body, len, why, whylen);
	snprintf(why, whylen, "not a plan message");
	return WN_EPROTO;
}

/* ---- need/'s hooks: a member invited late, a member removed ---------- */

/* invited (director): org was just invited to case_id and its CASE queued:
 * send it every goal and action of the case, each as far as the matrix
 * lets its role see it */
static wn_err
invited(struct node *n, const char *case_id, const char *org)
{
	static const char *const sql[] = {
	    "SELECT goal_id FROM plan_goals WHERE director = ?1 AND case_id "
	    "= ?2 ORDER BY goal_id",
	    "SELECT action_id FROM actions WHERE director = ?1 AND case_id = "
	    "?2 ORDER BY action_id"};
	struct node_case kc;
	wn_err rc = WN_OK;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs ||
	    kc.closed_ms != 0)
		return WN_OK;
	for (size_t i = 0; i < WN_ARRAY_LEN(sql) && rc == WN_OK; i++) {
		sqlite3_stmt *st = node_work_prep(n, sql[i]);
		size_t sent;
		int r = SQLITE_DONE;
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, n->cfg.org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
		while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			rc = i == 0 ? node_plan_send_goal(n, id, org, &sent)
				    : node_plan_send_action(n, id, org, &sent);
		}
		if (rc == WN_OK && r != SQLITE_DONE)
			rc = WN_EDB;
		sqlite3_finalize(st);
	}
	return rc;
}

/* removed (member): this node was removed from case_id: it deletes the
 * case's goals and actions it holds; invited again, it is sent them
 * again */
static wn_err
removed(struct node *n, const char *case_id)
{
	static const char *const sql[] = {
	    "DELETE FROM plan_goals WHERE case_id = ?1 AND director = ?2",
	    "DELETE FROM actions WHERE case_id = ?1 AND director = ?2"};
	struct node_case kc;
	char detail[160];
	int changes = 0;
	if (!node_case_get(n, case_id, &kc) || kc.here_directs)
		return WN_OK;
	for (size_t i = 0; i < WN_ARRAY_LEN(sql); i++) {
		sqlite3_stmt *st = node_work_prep(n, sql[i]);
		int r;
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kc.director, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		changes += sqlite3_changes(node_store_db(n->store));
	}
	if (changes == 0)
		return WN_OK;
	snprintf(detail, sizeof(detail), "removed from case %s: its goals and "
	    "actions held here (%d) deleted", case_id, changes);
	return node_audit_append(n->store, "system", "plan.forgotten", case_id,
	    detail);
}

void
node_work_plan_register(void)
{
	node_need_on_invite(invited);
	node_need_on_removed(removed);
}
