/*
 * life_apply.c - a case's life at a member: the CASE_STEP and CASE_LINK
 * messages of a case's director.
 *
 * A step is applied only from the case's director (the director the
 * case's CASE named, and the org the step says took it), only for a case
 * this node is a current member of, and only in order: step k + 1 after
 * k. A step that comes before its turn is WN_EBUSY (transient: the
 * director's stream waits and sends it again); a step held already is a
 * no-op. The member checks the stage rules too (node_case_step_check,
 * without the reason rules: it may not have been told the reason). A
 * reason that came although this node's matrix does not give its role
 * `view` of `deliberation` is not kept (the step is, and the audit record
 * says so): a matrix published a moment ago may not have reached this
 * node yet, and refusing would stop the case's history here. A closing
 * step tells need/ that the case is closed (nothing is shared for it from
 * then on), reopening that it is open again. A link is kept only from
 * the director of both cases, when this node is a member of both. Each
 * is audited; anything else is refused (WN_EDENIED) with the reason.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/life_wire.h"

static wn_err
apply_step(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_case_step *s = calloc(1, sizeof(*s));
	struct node_case kc;
	sqlite3_stmt *st = NULL;
	char err[160], detail[400];
	uint64_t last;
	int stage, role = -1;
	bool dropped = false;
	wn_err rc = WN_ENOMEM;
	if (s == NULL)
		goto out;
	rc = WN_EPROTO;
	if (proto_case_step_decode(body, len, s, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed case step");
		goto out;
	}
	rc = WN_EDENIED;
	if (!node_case_get(n, s->case_id, &kc)) {
		snprintf(why, whylen, "a step of case %s, which this node does "
		    "not know", s->case_id);
		goto out;
	}
	if (strcmp(kc.director, from->org_id) != 0 ||
	    strcmp(s->by_org, from->org_id) != 0) {
		snprintf(why, whylen, "a step of case %s from %s: only its "
		    "director (%s) moves it", kc.id, from->org_id,
		    kc.director);
		goto out;
	}
	if (!node_case_member(n, kc.id, n->cfg.org_id, &role)) {
		snprintf(why, whylen, "a step of case %s, of which this node "
		    "is not a member", kc.id);
		goto out;
	}
	if ((rc = node_case_last_step(n, kc.id, &stage, &last)) != WN_OK)
		goto out;
	if (s->step <= last) {
		rc = WN_OK; /* held already: sent again to a member invited
			       again, or a retry */
		goto out;
	}
	if (s->step > last + 1) {
		snprintf(why, whylen, "step %llu of case %s before step %llu",
		    (unsigned long long)s->step, kc.id,
		    (unsigned long long)(last + 1));
		rc = WN_EBUSY;
		goto out;
	}
	rc = WN_EDENIED;
	if (!node_case_step_check(stage, (int)s->stage,
		s->stage == NODE_STAGE_CLOSED ? (int)s->outcome : -1,
		s->has_reason, false, err, sizeof(err))) {
		snprintf(why, whylen, "step %llu of case %s from %s to %s: %s",
		    (unsigned long long)s->step, kc.id,
		    node_case_stage_name(stage),
		    node_case_stage_name((int)s->stage), err);
		goto out;
	}
	if (s->has_reason && node_matrix_level(n, kc.type,
				 CFG_CAT_DELIBERATION, role) < CFG_LEVEL_VIEW) {
		s->has_reason = false;
		dropped = true;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "INSERT INTO case_steps (case_id, step, stage, "
			  "outcome, when_ms, by_org, by_user, reason, "
			  "recorded_ms) VALUES (?,?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)s->step);
	sqlite3_bind_int(st, 3, (int)s->stage);
	if (s->stage == NODE_STAGE_CLOSED)
		sqlite3_bind_int(st, 4, (int)s->outcome);
	sqlite3_bind_int64(st, 5, s->when_ms);
	sqlite3_bind_text(st, 6, s->by_org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->by_user, -1, SQLITE_STATIC);
	if (s->has_reason)
		sqlite3_bind_text(st, 8, s->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, wn_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (s->stage == NODE_STAGE_CLOSED)
		rc = node_case_set_closed(n, kc.id, s->when_ms, from->org_id);
	else if (stage == NODE_STAGE_CLOSED)
		rc = node_case_set_closed(n, kc.id, 0, from->org_id);
	else
		rc = WN_OK;
	/* reopened: this node's own signals of it go to the director again */
	size_t resent;
	if (rc == WN_OK && stage == NODE_STAGE_CLOSED &&
	    s->stage != NODE_STAGE_CLOSED)
		rc = node_case_signals_reopened(n, kc.id, &resent);
	if (rc != WN_OK)
		goto out;
	snprintf(detail, sizeof(detail), "case %s step %llu: %s -> %s%s%s by "
	    "%s of %s; %s", kc.id, (unsigned long long)s->step,
	    node_case_stage_name(stage), node_case_stage_name((int)s->stage),
	    s->stage == NODE_STAGE_CLOSED ? ", " : "",
	    s->stage == NODE_STAGE_CLOSED
		? node_case_outcome_name((int)s->outcome)
		: "",
	    s->by_user, s->by_org,
	    dropped ? "a reason came that the matrix does not give this "
		      "node's role: not kept"
	    : s->has_reason ? "the reason shared"
			    : "the reason not shared");
	rc = node_audit_append(n->store, from->org_id, "case.step", kc.id,
	    detail);
out:
	sqlite3_finalize(st);
	free(s);
	return rc;
}

static wn_err
apply_link(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_case_link l;
	struct node_case a, b;
	sqlite3_stmt *st;
	char detail[300];
	int r;
	if (proto_case_link_decode(body, len, &l, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed case link");
		return WN_EPROTO;
	}
	if (!node_case_get(n, l.case_id, &a) ||
	    !node_case_get(n, l.other, &b) || !a.here_member ||
	    !b.here_member) {
		snprintf(why, whylen, "a link of cases %s and %s: this node is "
		    "not a member of both", l.case_id, l.other);
		return WN_EDENIED;
	}
	if (strcmp(a.director, from->org_id) != 0 ||
	    strcmp(b.director, from->org_id) != 0 ||
	    strcmp(l.by_org, from->org_id) != 0) {
		snprintf(why, whylen, "a link of cases %s and %s from %s: only "
		    "the director of both links them", l.case_id, l.other,
		    from->org_id);
		return WN_EDENIED;
	}
	if ((st = node_work_prep(n, "INSERT OR IGNORE INTO case_links (case_id, "
			  "other_id, relation, when_ms, by_org, by_user) "
			  "VALUES (?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, l.case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, l.other, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)l.relation);
	sqlite3_bind_int64(st, 4, l.when_ms);
	sqlite3_bind_text(st, 5, l.by_org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, l.by_user, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(n->store)) == 0)
		return WN_OK; /* held already */
	snprintf(detail, sizeof(detail), "case %s linked to %s as %s by %s of "
	    "%s", l.case_id, l.other, node_case_relation_name((int)l.relation),
	    l.by_user, l.by_org);
	return node_audit_append(n->store, from->org_id, "case.linked",
	    l.case_id, detail);
}

wn_err
node_life_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	if (h->type == PROTO_MSG_CASE_STEP)
		return apply_step(n, from, body, len, why, whylen);
	return apply_link(n, from, body, len, why, whylen);
}
