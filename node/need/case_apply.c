/*
 * case_apply.c - the case messages from peers: node_case_apply.
 *
 * The exchange's applier calls node_case_apply (registered in need.c) in
 * the receiving transaction for CASE, INFO_REQUEST, DISCLOSURE, AMEND,
 * ATTEST, RETRACTION and RETRACTION_ACK; it routes by type. A CASE from
 * the case's director sets its members: removed, this node forgets the
 * case's fields, and retracts from another member removed what it
 * disclosed to it. An INFO_REQUEST becomes a pending share (share.c); a
 * DISCLOSURE is checked against the matrix and membership again before it
 * is kept (a field held already takes the new value: its owner changed
 * it, and the copy replaced is audited); a RETRACTION deletes what it
 * names and is acknowledged. AMEND and ATTEST are applied in amend.c. An
 * error with a reason in why refuses the message.
 */
#include "node/need/case_int.h"

#include <string.h>

/* ---- messages from peers --------------------------------------------- */

/* forget_case: this node was removed from case ci. It deletes every field
 * it received for the case, whichever member it came from: a member that
 * still is one also retracts them (case_retract_from) and gets its receipt
 * then, but one that was removed before, or left the federation, is never
 * told of this removal and could not retract; and its alerts of the case
 * (node_event_forget). What it deleted, from whom, is audited. */
static wn_err
forget_case(struct node *n, const struct case_info *ci, const char *by)
{
	sqlite3_stmt *st;
	char from[300] = "", detail[512];
	size_t o = 0, total = 0;
	if ((st = case_prep(n, "SELECT from_org, count(*) FROM received WHERE "
			       "case_id = ? GROUP BY from_org ORDER BY "
			       "from_org")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		size_t k = (size_t)sqlite3_column_int64(st, 1);
		total += k;
		if (o < sizeof(from))
			o += (size_t)snprintf(from + o, sizeof(from) - o,
			    "%s%s %zu", o ? ", " : "", case_col(st, 0), k);
	}
	sqlite3_finalize(st);
	/* an error is not the end of the rows: nothing deleted, nothing
	 * audited as deleted */
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((st = case_prep(n, "DELETE FROM received WHERE case_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	/* and the alerts this node kept of the case (core: the alert room),
	 * which would point at what is gone */
	if (r != SQLITE_DONE || node_event_forget(n, ci->id) != WN_OK)
		return WN_EDB;
	if (total)
		snprintf(detail, sizeof(detail), "removed from case %s by %s: "
		    "%zu fields received for it deleted (%s)", ci->id, by,
		    total, from);
	else
		snprintf(detail, sizeof(detail), "removed from case %s by %s: "
		    "no field received for it to delete", ci->id, by);
	return node_audit_append(n->store, by, "case.removed", ci->id, detail);
}

/* removed_now acts on the members apply_case just marked removed (2):
 * this node forgets the case; from any other it retracts what this node
 * disclosed to it in the case. */
static wn_err
removed_now(struct node *n, const struct case_info *ci, const char *by)
{
	char org[PROTO_ORG_ID_MAX + 1];
	wn_err rc = WN_OK;
	while (rc == WN_OK) {
		sqlite3_stmt *st = case_prep(n, "SELECT org_id FROM "
						"case_members WHERE case_id = "
						"? AND removed = 2 ORDER BY "
						"org_id LIMIT 1");
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW)
			wn_strlcpy(org, case_col(st, 0), sizeof(org));
		sqlite3_finalize(st);
		if (r == SQLITE_DONE)
			break;
		if (r != SQLITE_ROW ||
		    (st = case_prep(n, "UPDATE case_members SET removed = 1 "
				       "WHERE case_id = ? AND "
				       "org_id = ?")) == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, ci->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		if (strcmp(org, n->cfg.org_id) != 0)
			rc = case_retract_from(n, ci, org);
		else if ((rc = forget_case(n, ci, by)) == WN_OK)
			rc = case_removed_here(n, ci->id);
	}
	return rc;
}

static wn_err
apply_case(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_case *pc = calloc(1, sizeof(*pc));
	struct case_info old;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EPROTO;
	if (pc == NULL)
		return WN_ENOMEM;
	if (proto_case_decode(body, len, pc, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed case");
		goto out;
	}
	rc = WN_EDENIED;
	if (!from->directs || strcmp(pc->director, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not direct case %s",
		    from->org_id, pc->id);
		goto out;
	}
	bool held = case_load(n, pc->id, &old);
	if (held && strcmp(old.director, from->org_id) != 0) {
		snprintf(why, whylen, "case %s belongs to %s", pc->id,
		    old.director);
		goto out;
	}
	/* a case's subject is fixed when it is opened: a CASE naming
	 * another would turn what this node approved for one person to
	 * another (a token case resolves its subject here at each use) */
	if (held && strcmp(old.subject, pc->subject) != 0) {
		snprintf(why, whylen, "case %s's subject cannot change",
		    pc->id);
		goto out;
	}
	rc = WN_EDB;
	/* a case closed here stays closed: only its closing step's
	 * successor (reopening) opens it */
	if ((st = case_prep(n, "INSERT OR REPLACE INTO cases (case_id, type, "
			       "subject, purpose, ground, director, opened_ms, "
			       "closed_ms) VALUES (?1,?2,?3,?4,?5,?6,?7, "
			       "(SELECT closed_ms FROM cases WHERE case_id = "
			       "?1))")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)pc->type);
	sqlite3_bind_text(st, 3, pc->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pc->purpose, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pc->ground, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pc->director, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, wn_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* the members now are exactly the CASE's; those it no longer names
	 * are marked 2 for a moment: each was just removed */
	if ((st = case_prep(n, "UPDATE case_members SET removed = CASE removed "
			       "WHEN 0 THEN 2 ELSE 1 END WHERE "
			       "case_id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = case_prep(n, "INSERT OR REPLACE INTO case_members (case_id, "
			       "org_id, role, removed, attested) "
			       "VALUES (?, ?, ?, 0, ?)")) == NULL)
		goto out;
	for (size_t i = 0; i < pc->nmembers; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, pc->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pc->members[i].org, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)pc->members[i].role);
		sqlite3_bind_int(st, 4, pc->members[i].attested);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	struct case_info now;
	if (!case_load(n, pc->id, &now) ||
	    (rc = removed_now(n, &now, from->org_id)) != WN_OK)
		goto out;
	rc = WN_EDB;
	char detail[200];
	snprintf(detail, sizeof(detail), "case %s: %zu members, this node %s",
	    pc->id, pc->nmembers,
	    case_member_role(n, pc->id, n->cfg.org_id, NULL) ? "among them"
							: "not a member");
	rc = node_audit_append(n->store, from->org_id, "case.updated", pc->id,
	    detail);
out:
	sqlite3_finalize(st);
	free(pc);
	return rc;
}

static wn_err
apply_request(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_info_request q;
	struct case_info ci;
	sqlite3_stmt *st;
	if (proto_info_request_decode(body, len, &q, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed information request");
		return WN_EPROTO;
	}
	if (!case_load(n, q.case_id, &ci) ||
	    strcmp(ci.director, from->org_id) != 0 ||
	    !case_member_role(n, ci.id, n->cfg.org_id, NULL)) {
		snprintf(why, whylen, "request for case %s, which %s does not "
		    "direct or this node is not a member of", q.case_id,
		    from->org_id);
		return WN_EDENIED;
	}
	if (case_closed(n, ci.id, NULL)) {
		snprintf(why, whylen, "request for case %s, which is closed: "
		    "nothing is shared for it", ci.id);
		return WN_EDENIED;
	}
	char tp[PROTO_TP_LEN + 1];
	if (h->tp[0])
		wn_strlcpy(tp, h->tp, sizeof(tp));
	else
		case_new_trace(tp);
	if ((st = case_prep(n, "INSERT INTO shares (case_id, request_id, "
			       "categories, state, trace, created_ms) "
			       "VALUES (?,?,?,'pending',?,?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, q.request_id, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, q.categories);
	sqlite3_bind_text(st, 4, tp, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	struct case_share s = {0};
	s.id = sqlite3_last_insert_rowid(node_store_db(n->store));
	wn_strlcpy(s.case_id, ci.id, sizeof(s.case_id));
	memcpy(s.request_id, q.request_id, 16);
	s.categories = q.categories;
	wn_strlcpy(s.trace, tp, sizeof(s.trace));
	char cats[256], detail[512];
	case_categories_text(q.categories, cats, sizeof(cats));
	snprintf(detail, sizeof(detail), "share %lld: %s asks for %s about %s; "
	    "case %s; purpose: %s; trace %s", (long long)s.id, from->org_id,
	    cats, ci.shown, ci.id, ci.purpose, tp);
	wn_err rc = node_audit_append(n->store, from->org_id, "share.proposed",
	    ci.id, detail);
	/* the policy's standing approval, for the categories it names */
	uint32_t policy = 0;
	if (rc == WN_OK && n->cfg.auto_share[0] &&
	    case_parse_categories(n->cfg.auto_share, &policy) == WN_OK &&
	    (policy & q.categories)) {
		struct case_tally t;
		uint32_t mask = policy & q.categories;
		wn_strlcpy(s.state, "pending", sizeof(s.state));
		rc = case_decide(n, &s, mask, "policy", &t);
		if (rc == WN_OK)
			rc = case_record_decision(n, &s, mask, "policy", NULL,
			    &t);
	}
	return rc;
}

static wn_err
apply_disclosure(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_disclosure *d = calloc(1, sizeof(*d));
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct case_info ci;
	sqlite3_stmt *st = NULL, *was = NULL;
	int self_role;
	uint32_t cats = 0, valued = 0;
	uint64_t replaced[8];
	size_t nreplaced = 0;
	wn_err rc = WN_ENOMEM;
	if (d == NULL || m == NULL)
		goto out;
	rc = WN_EPROTO;
	if (proto_disclosure_decode(body, len, d, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed disclosure");
		goto out;
	}
	if ((rc = case_matrix_in_force(n, m)) != WN_OK)
		goto out;
	if (h->mv > m->version) {
		/* made under a matrix this node does not hold yet: the
		 * sender keeps it and tries again once this node holds it.
		 * An envelope names the version its sender held when it
		 * queued the message, so the director's MATRIX is queued
		 * before any DISCLOSURE the director made under it and
		 * never waits behind one. One made under an older matrix
		 * is judged below under the one this node holds: a field
		 * that matrix does not let come here is refused. */
		snprintf(why, whylen, "disclosure under matrix version %llu, "
		    "this node holds %llu", (unsigned long long)h->mv,
		    (unsigned long long)m->version);
		rc = WN_EBUSY;
		goto out;
	}
	if (!case_load(n, d->case_id, &ci)) {
		/* the director's CASE may still be on its way: wait for it */
		snprintf(why, whylen, "case %s is not known here yet",
		    d->case_id);
		rc = WN_EBUSY;
		goto out;
	}
	rc = WN_EDENIED;
	if (case_closed(n, ci.id, NULL)) {
		snprintf(why, whylen, "disclosure for case %s, which is closed: "
		    "nothing is shared for it", ci.id);
		goto out;
	}
	if (!case_member_role(n, ci.id, from->org_id, NULL) ||
	    !case_member_role(n, ci.id, n->cfg.org_id, &self_role) ||
	    self_role < 0 || self_role >= CFG_ROLES ||
	    (case_protocol_ground(&ci) &&
		(!case_attested(n, ci.id, from->org_id) ||
		    !case_attested(n, ci.id, n->cfg.org_id)))) {
		snprintf(why, whylen, "disclosure for case %s: sender or this "
		    "node is not a member (or has not signed its protocol)",
		    d->case_id);
		goto out;
	}
	for (size_t i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		int level = m->level[ci.type][f->category][self_role];
		if (strcmp(f->subject, ci.subject) != 0 || level == 0 ||
		    (f->has_value && level < 2)) {
			snprintf(why, whylen, "field %llu (%s) should not have "
			    "come here: the matrix gives this node's role %s",
			    (unsigned long long)f->id,
			    cfg_category_name((enum cfg_category)f->category),
			    cfg_level_name((enum cfg_level)level));
			goto out;
		}
		/* the director of a case on a token is not told who the
		 * subject is: a member sends it no value of an identifying
		 * category (share.c), and one that does is refused whole */
		if (f->has_value && ci.token &&
		    cfg_category_identifying((int)f->category) &&
		    strcmp(ci.director, n->cfg.org_id) == 0) {
			snprintf(why, whylen, "field %llu (%s) should not have "
			    "come here: case %s is on a token, and its director "
			    "takes no value of an identifying category",
			    (unsigned long long)f->id,
			    cfg_category_name((enum cfg_category)f->category),
			    ci.id);
			goto out;
		}
		cats |= 1u << f->category;
		if (f->has_value)
			valued |= 1u << f->category;
	}
	rc = WN_EDB;
	/* a field held already whose value differs: the owner changed it
	 * (copies.c), and this copy now follows */
	if ((was = case_prep(n, "SELECT value IS NOT ?4 FROM received WHERE "
				"from_org = ?1 AND case_id = ?2 AND field_id "
				"= ?3")) == NULL)
		goto out;
	if ((st = case_prep(n, "INSERT OR REPLACE INTO received (case_id, "
			       "from_org, field_id, subject, category, name, "
			       "value, received_ms) VALUES "
			       "(?,?,?,?,?,?,?,?)")) == NULL)
		goto out;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		sqlite3_reset(was);
		sqlite3_bind_text(was, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(was, 2, ci.id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(was, 3, (int64_t)f->id);
		if (f->has_value)
			sqlite3_bind_text(was, 4, f->value, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(was, 4);
		int wr = sqlite3_step(was);
		if (wr == SQLITE_ROW && sqlite3_column_int(was, 0)) {
			if (nreplaced < 8)
				replaced[nreplaced] = f->id;
			nreplaced++;
		} else if (wr != SQLITE_ROW && wr != SQLITE_DONE) {
			goto out;
		}
		sqlite3_reset(was);
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)f->id);
		/* this node's own subject (the one place a case names its
		 * subject is the case: "" for a case on a token this node
		 * holds no subject of) */
		sqlite3_bind_text(st, 4, ci.local, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 5, (int)f->category);
		sqlite3_bind_text(st, 6, f->name, -1, SQLITE_STATIC);
		if (f->has_value)
			sqlite3_bind_text(st, 7, f->value, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 7);
		sqlite3_bind_int64(st, 8, wn_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	/* the categories, marking those of which only existence came */
	char c[512], detail[1024];
	size_t o = 0;
	c[0] = '\0';
	for (int k = 0; k < CFG_CATEGORIES && o < sizeof(c); k++)
		if (cats & (1u << k))
			o += (size_t)snprintf(c + o, sizeof(c) - o, "%s%s%s",
			    o ? ", " : "",
			    cfg_category_name((enum cfg_category)k),
			    valued & (1u << k) ? "" : " (existence only)");
	snprintf(detail, sizeof(detail), "%zu fields about %s in %s from %s; "
	    "case %s; purpose: %s; case ground: %s; trace %s", d->nfields,
	    ci.shown, c, from->org_id, ci.id, d->purpose, d->ground, h->tp);
	rc = node_audit_append(n->store, from->org_id, "disclosure.received",
	    ci.id, detail);
	if (rc == WN_OK && nreplaced > 0) {
		o = (size_t)snprintf(detail, sizeof(detail), "%zu copies of "
		    "fields about %s replaced by the new value %s sent; case "
		    "%s; fields", nreplaced, ci.shown, from->org_id, ci.id);
		for (size_t i = 0; i < nreplaced && i < 8 &&
		     o < sizeof(detail); i++)
			o += (size_t)snprintf(detail + o, sizeof(detail) - o,
			    " %llu", (unsigned long long)replaced[i]);
		rc = node_audit_append(n->store, from->org_id, "copy.updated",
		    ci.id, detail);
	}
	/* at the case's director, its people are told: a member's answer to
	 * a request, once however many messages carry it (ref: the request's
	 * number, its id's first 6 bytes); a copy held whose value changed.
	 * A copy sent again as it was (an existence only, a value the same)
	 * is no news. */
	if (rc == WN_OK && strcmp(ci.director, n->cfg.org_id) == 0) {
		int64_t rq = 0;
		for (size_t i = 0; i < 6; i++)
			rq = rq << 8 | d->request_id[i];
		struct node_event ans = {"share.answered", ci.id, from->org_id,
		    rq, "director", NODE_EVENT_ONCE};
		struct node_event chg = {"dossier.changed", ci.id,
		    from->org_id, 0, "director", 0};
		if ((rc = node_event_raise(n, &ans)) == WN_OK && nreplaced > 0)
			rc = node_event_raise(n, &chg);
	}
out:
	sqlite3_finalize(was);
	sqlite3_finalize(st);
	free(d);
	free(m);
	return rc;
}

/* the cases a retraction touches at this node's director, at most
 * RETRACT_CASES (beyond: those are not alerted) */
#define RETRACT_CASES 32
#define RETRACT_ONCE_MS 60000
struct touched {
	size_t n;
	char id[RETRACT_CASES][PROTO_CASE_ID_MAX + 1];
};

/* cases_of: the cases this node directs in which it holds one of r's
 * fields from org (a retraction without a case id: every case) */
static wn_err
cases_of(struct node *n, const char *org, const struct proto_retraction *r,
    struct touched *t)
{
	sqlite3_stmt *st = case_prep(n, "SELECT DISTINCT v.case_id FROM "
				       "received v JOIN cases c ON c.case_id = "
				       "v.case_id WHERE v.from_org = ?1 AND "
				       "v.field_id = ?2 AND c.director = ?3");
	int step = SQLITE_DONE;
	if (st == NULL)
		return WN_EDB;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, org, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)r->ids[i]);
		sqlite3_bind_text(st, 3, n->cfg.org_id, -1, SQLITE_STATIC);
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			const char *cid = case_col(st, 0);
			size_t k = 0;
			while (k < t->n && strcmp(t->id[k], cid) != 0)
				k++;
			if (k == t->n && t->n < RETRACT_CASES)
				wn_strlcpy(t->id[t->n++], cid,
				    sizeof(t->id[0]));
		}
		if (step != SQLITE_DONE)
			break;
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
apply_retraction(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, bool ack, char *why, size_t whylen)
{
	struct proto_retraction *r = calloc(1, sizeof(*r));
	struct touched cases = {0};
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EPROTO;
	if (r == NULL)
		return WN_ENOMEM;
	if (proto_retraction_decode(body, len, ack, r, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed retraction");
		goto out;
	}
	rc = WN_EDB;
	/* with a case id (?4), only the rows of that case: the same field id
	 * stands in one row per case it was disclosed in */
	st = case_prep(n, ack ? "UPDATE disclosures SET retraction_acked_ms = "
				"?3 WHERE to_org = ?1 AND field_id = ?2 AND "
				"retracted_ms IS NOT NULL AND (?4 IS NULL OR "
				"case_id = ?4)"
			      : "DELETE FROM received WHERE from_org = ?1 AND "
				"field_id = ?2 AND ?3 = ?3 AND (?4 IS NULL OR "
				"case_id = ?4)");
	if (st == NULL)
		goto out;
	size_t gone = 0;
	/* without a case id, the cases this node directs that held one of
	 * the fields: each is told once, below */
	if (!ack && !r->case_id[0] &&
	    (rc = cases_of(n, from->org_id, r, &cases)) != WN_OK)
		goto out;
	rc = WN_EDB;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)r->ids[i]);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		if (r->case_id[0])
			sqlite3_bind_text(st, 4, r->case_id, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		/* without a case, a field id can stand in several rows */
		gone += sqlite3_changes(node_store_db(n->store)) > 0;
	}
	/* what happened here, not what was asked: a field retracted again,
	 * or deleted already (forget_case), is not deleted twice */
	char detail[400], where[64];
	if (r->case_id[0])
		snprintf(where, sizeof(where), "in case %s", r->case_id);
	else
		snprintf(where, sizeof(where), "in every case");
	if (ack)
		snprintf(detail, sizeof(detail), "%zu of %zu fields "
		    "acknowledged as deleted %s", gone, r->n, where);
	else
		snprintf(detail, sizeof(detail), "%zu of %zu fields deleted "
		    "%s on request (%s)", gone, r->n, where,
		    r->reason[0] ? r->reason : "no reason given");
	if ((rc = node_audit_append(n->store, from->org_id,
		 ack ? "retraction.acknowledged" : "retraction.applied",
		 from->org_id, detail)) != WN_OK)
		goto out;
	/* at the case's director, its people are told what a member took
	 * back: under a consent or legal basis withdrawn (the reason the
	 * member's node gives, record.c), or otherwise what it shared
	 * changed */
	/* One withdrawal is one alert per case, however many messages carry
	 * its fields (PROTO_RETRACT_MAX each): one alike within a minute is
	 * the same withdrawal (so is a second one that soon). */
	if (!ack && gone > 0 && r->case_id[0]) {
		cases.n = 1;
		wn_strlcpy(cases.id[0], r->case_id, sizeof(cases.id[0]));
	}
	for (size_t i = 0; !ack && gone > 0 && i < cases.n; i++) {
		struct case_info ci;
		if (!case_load(n, cases.id[i], &ci) ||
		    strcmp(ci.director, n->cfg.org_id) != 0)
			continue;
		bool withdrawn = strcmp(r->reason, "consent withdrawn") == 0 ||
		    strcmp(r->reason, "legal basis withdrawn") == 0;
		struct node_event ev = {withdrawn ? "consent.withdrawn"
						  : "dossier.changed",
		    ci.id, from->org_id, 0, "director", RETRACT_ONCE_MS};
		if ((rc = node_event_raise(n, &ev)) != WN_OK)
			goto out;
	}
	if (!ack) {
		struct proto_writer w = {0};
		if ((rc = proto_writer_init_dynamic(&w, 1024,
			 PROTO_BODY_MAX - 1)) == WN_OK &&
		    (rc = proto_retraction_encode(r, true, &w)) == WN_OK)
			rc = node_outbox_push(n, from, PROTO_MSG_RETRACTION_ACK,
			    w.buf, w.len);
		proto_writer_release(&w);
	}
out:
	sqlite3_finalize(st);
	free(r);
	return rc;
}

wn_err
node_case_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	switch (h->type) {
	case PROTO_MSG_CASE:
		return apply_case(n, from, body, len, why, whylen);
	case PROTO_MSG_INFO_REQUEST:
		return apply_request(n, from, h, body, len, why, whylen);
	case PROTO_MSG_DISCLOSURE:
		return apply_disclosure(n, from, h, body, len, why, whylen);
	case PROTO_MSG_AMEND:
		return case_apply_amend(n, from, body, len, why, whylen);
	case PROTO_MSG_ATTEST:
		return case_apply_attest(n, from, body, len, why, whylen);
	case PROTO_MSG_RETRACTION:
	case PROTO_MSG_RETRACTION_ACK:
		return apply_retraction(n, from, body, len,
		    h->type == PROTO_MSG_RETRACTION_ACK, why, whylen);
	default:
		snprintf(why, whylen, "message type %s is not accepted here",
		    proto_msg_type_name(h->type));
		return WN_EDENIED;
	}
}
