/*
 * copies.c - keeping the copies of a field true, and correcting one's own
 * field (record.correct).
 *
 * A field this node shared lives on as copies on the members it was
 * disclosed to (the disclosures table names each: case, recipient, and
 * whether only its existence left). When the field changes here (a member
 * with edit rights amended it, amend.c, or a worker here corrected it,
 * record.correct), case_copies_refresh goes through every copy not
 * retracted and asks the four filters again, as at the first disclosure:
 * the matrix in force gives the recipient's role at least view for the
 * category in the case's type; the recipient and this node are still
 * members (and signed the case's protocol where its ground names one);
 * consent or a legal basis still covers the subject and category where
 * the matrix requires one; and a decision here approved the category for
 * the case. Where they all still hold, the new value goes out as a
 * DISCLOSURE of that one field (the receiver replaces its copy and audits
 * it, case_apply.c); where one no longer does, the copy is retracted
 * (RETRACTION, answered with a receipt) rather than updated. A copy of
 * only the field's existence holds no value: nothing to update. In a
 * closed case nothing is sent at all: the copies stay as they were until
 * the case is destroyed. Each copy updated, retracted or left alone
 * because its case is closed is audited here, by reference (never the
 * value).
 */
#include "node/need/case_int.h"

#include <string.h>

/* One copy of the field: a disclosure row not retracted. */
struct copy {
	int64_t row;
	char case_id[PROTO_CASE_ID_MAX + 1];
	char to[PROTO_ORG_ID_MAX + 1];
	bool existence;
};

/* The field as it stands now. */
struct own_field {
	int64_t id;
	int category;
	char subject[PROTO_SUBJECT_MAX + 1];
	char name[PROTO_FIELD_NAME_MAX + 1];
	char value[PROTO_FIELD_VALUE_MAX + 1];
};

static bool
load_field(struct node *n, int64_t id, struct own_field *f)
{
	sqlite3_stmt *st = case_prep(n, "SELECT category, subject, name, value "
					"FROM fields WHERE id = ?");
	bool ok = false;
	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		f->id = id;
		f->category = sqlite3_column_int(st, 0);
		wn_strlcpy(f->subject, case_col(st, 1), sizeof(f->subject));
		wn_strlcpy(f->name, case_col(st, 2), sizeof(f->name));
		wn_strlcpy(f->value, case_col(st, 3), sizeof(f->value));
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* load_copies: the field's copies not retracted, by case and recipient,
 * into a new array (*out, the caller frees it) */
static wn_err
load_copies(struct node *n, int64_t field_id, struct copy **out, size_t *count)
{
	sqlite3_stmt *st = case_prep(n, "SELECT id, case_id, to_org, existence "
					"FROM disclosures WHERE field_id = ? "
					"AND retracted_ms IS NULL ORDER BY "
					"case_id, to_org, id");
	struct copy *v = NULL;
	size_t k = 0, cap = 0;
	int r;
	*out = NULL;
	*count = 0;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, field_id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct copy *nv = realloc(v, ncap * sizeof(*v));
			if (nv == NULL) {
				sqlite3_finalize(st);
				free(v);
				return WN_ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		struct copy *c = &v[k++];
		c->row = sqlite3_column_int64(st, 0);
		wn_strlcpy(c->case_id, case_col(st, 1), sizeof(c->case_id));
		wn_strlcpy(c->to, case_col(st, 2), sizeof(c->to));
		c->existence = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		free(v);
		return WN_EDB;
	}
	*out = v;
	*count = k;
	return WN_OK;
}

/* approved_for: a decision here approved category k for the case (the
 * newest such request's id into rid); false on a store error too */
static bool
approved_for(struct node *n, const char *case_id, int k, uint8_t rid[16])
{
	sqlite3_stmt *st = case_prep(n, "SELECT request_id FROM shares WHERE "
					"case_id = ? AND (approved >> ?) & 1 "
					"ORDER BY id DESC LIMIT 1");
	bool ok = false;
	if (st == NULL)
		return false;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, k);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_bytes(st, 0) == 16) {
		memcpy(rid, sqlite3_column_blob(st, 0), 16);
		ok = true;
	}
	sqlite3_finalize(st);
	return ok;
}

/* still_allowed: whether the four filters let the field's value out to
 * c->to in case ci now; why says which does not; *consent_id what covers
 * it. A store error is an error, never "not allowed". */
static wn_err
still_allowed(struct node *n, const struct proto_matrix *m,
    const struct case_info *ci, const struct own_field *f,
    const struct copy *c, uint8_t rid[16], int64_t *consent_id,
    char *why, size_t whylen, bool *ok)
{
	int role = -1;
	*ok = false;
	*consent_id = 0;
	if (!case_member_role(n, ci->id, n->cfg.org_id, NULL)) {
		snprintf(why, whylen, "this node is no longer a member");
		return WN_OK;
	}
	if (!case_member_role(n, ci->id, c->to, &role) || role < 0 ||
	    role >= CFG_ROLES) {
		snprintf(why, whylen, "%s is no longer a member", c->to);
		return WN_OK;
	}
	if (case_protocol_ground(ci) &&
	    (!case_attested(n, ci->id, n->cfg.org_id) ||
		!case_attested(n, ci->id, c->to))) {
		snprintf(why, whylen, "the case's protocol is not signed by "
		    "both");
		return WN_OK;
	}
	int level = m->version && f->category >= 0 &&
		f->category < CFG_CATEGORIES
	    ? m->level[ci->type][f->category][role]
	    : 0;
	if (level < CFG_LEVEL_VIEW) {
		snprintf(why, whylen, "the matrix now gives its role %s",
		    cfg_level_name((enum cfg_level)level));
		return WN_OK;
	}
	/* as share.c's plan: the director of a case on a token gets no
	 * value of an identifying category (config/matrix.h) */
	if (ci->token && cfg_category_identifying(f->category) &&
	    strcmp(c->to, ci->director) == 0) {
		snprintf(why, whylen, "a case on a token: its director is not "
		    "told who the subject is");
		return WN_OK;
	}
	if (strcmp(f->subject, ci->local) != 0) {
		snprintf(why, whylen, "the field is not about the case's "
		    "subject");
		return WN_OK;
	}
	bool cov = false;
	wn_err rc = case_covered(n, m, f->subject, f->category, consent_id,
	    why, whylen, &cov);
	if (rc != WN_OK || !cov)
		return rc;
	if (!approved_for(n, ci->id, f->category, rid)) {
		snprintf(why, whylen, "no decision here approved it for the "
		    "case");
		return WN_OK;
	}
	*ok = true;
	return WN_OK;
}

static wn_err
send_value(struct node *n, const struct case_info *ci,
    const struct own_field *f, const struct copy *c, const uint8_t rid[16],
    int64_t consent_id, const char *by)
{
	struct proto_disclosure *d = calloc(1, sizeof(*d));
	struct node_peer *p = node_peer_find(n, c->to);
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	char tp[PROTO_TP_LEN + 1], detail[512];
	wn_err rc = WN_ENOMEM;
	if (d == NULL)
		goto out;
	rc = WN_OK;
	if (p == NULL || p->gone)
		goto out; /* it left the federation: nothing reaches it */
	wn_strlcpy(d->case_id, ci->id, sizeof(d->case_id));
	memcpy(d->request_id, rid, 16);
	wn_strlcpy(d->purpose, ci->purpose, sizeof(d->purpose));
	wn_strlcpy(d->ground, ci->ground, sizeof(d->ground));
	d->nfields = 1;
	d->fields[0].id = (uint64_t)f->id;
	/* the case's subject (a token, for a case on one), not this node's
	 * reference */
	wn_strlcpy(d->fields[0].subject, ci->subject,
	    sizeof(d->fields[0].subject));
	d->fields[0].category = (uint32_t)f->category;
	wn_strlcpy(d->fields[0].name, f->name, sizeof(d->fields[0].name));
	d->fields[0].has_value = true;
	wn_strlcpy(d->fields[0].value, f->value, sizeof(d->fields[0].value));
	case_new_trace(tp);
	if ((rc = proto_writer_init_dynamic(&w, 4096, PROTO_BODY_MAX - 1)) !=
		WN_OK ||
	    (rc = proto_disclosure_encode(d, &w)) != WN_OK ||
	    (rc = node_outbox_push_traced(n, p, PROTO_MSG_DISCLOSURE, w.buf,
		 w.len, tp)) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = case_prep(n, "UPDATE disclosures SET sent_ms = ?, "
			       "consent_id = ? WHERE id = ?")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	if (consent_id != 0)
		sqlite3_bind_int64(st, 2, consent_id);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, c->row);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	snprintf(detail, sizeof(detail), "field %lld (%s) about %s changed by "
	    "%s: new value sent to %s; case %s; trace %s", (long long)f->id,
	    cfg_category_name((enum cfg_category)f->category), f->subject, by,
	    c->to, ci->id, tp);
	rc = node_audit_append(n->store, by, "copy.updated", c->to, detail);
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(d);
	return rc;
}

static wn_err
retract_copy(struct node *n, const struct case_info *ci,
    const struct own_field *f, const struct copy *c, const char *why,
    const char *by)
{
	struct proto_retraction *r = calloc(1, sizeof(*r));
	struct node_peer *p = node_peer_find(n, c->to);
	struct proto_writer w = {0};
	sqlite3_stmt *st = NULL;
	char detail[512];
	wn_err rc = WN_ENOMEM;
	if (r == NULL)
		goto out;
	r->n = 1;
	r->ids[0] = (uint64_t)f->id;
	wn_strlcpy(r->case_id, ci->id, sizeof(r->case_id));
	snprintf(r->reason, sizeof(r->reason), "field changed; no longer "
	    "shared: %s", why);
	if (p != NULL && !p->gone &&
	    ((rc = proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1)) !=
		    WN_OK ||
		(rc = proto_retraction_encode(r, false, &w)) != WN_OK ||
		(rc = node_outbox_push(n, p, PROTO_MSG_RETRACTION, w.buf,
		     w.len)) != WN_OK))
		goto out;
	rc = WN_EDB;
	if ((st = case_prep(n, "UPDATE disclosures SET retracted_ms = ? WHERE "
			       "id = ?")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	sqlite3_bind_int64(st, 2, c->row);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	snprintf(detail, sizeof(detail), "field %lld (%s) about %s changed by "
	    "%s: copy retracted from %s, not updated (%.200s); case %s; its "
	    "receipt is owed", (long long)f->id,
	    cfg_category_name((enum cfg_category)f->category), f->subject, by,
	    c->to, why, ci->id);
	rc = node_audit_append(n->store, by, "copy.retracted", c->to, detail);
out:
	sqlite3_finalize(st);
	proto_writer_release(&w);
	free(r);
	return rc;
}

wn_err
case_copies_refresh(struct node *n, int64_t field_id, const char *by,
    size_t *updated, size_t *retracted)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct own_field *f = calloc(1, sizeof(*f));
	struct copy *v = NULL;
	size_t nv = 0, up = 0, gone = 0;
	char why[768], detail[400];
	wn_err rc = WN_ENOMEM;
	if (m == NULL || f == NULL)
		goto out;
	rc = WN_OK;
	if (!load_field(n, field_id, f))
		goto out; /* nothing of it here: no copy to keep true */
	if ((rc = case_matrix_in_force(n, m)) != WN_OK ||
	    (rc = load_copies(n, field_id, &v, &nv)) != WN_OK)
		goto out;
	for (size_t i = 0; i < nv && rc == WN_OK; i++) {
		struct case_info ci;
		uint8_t rid[16] = {0};
		int64_t consent_id = 0;
		bool ok = false;
		if (v[i].existence)
			continue; /* no value left: nothing to update */
		if (!case_load(n, v[i].case_id, &ci))
			continue;
		if (case_closed(n, ci.id, NULL)) {
			snprintf(detail, sizeof(detail), "field %lld about %s "
			    "changed by %s: %s's copy not updated: case %s is "
			    "closed, nothing is shared for it",
			    (long long)field_id, f->subject, by, v[i].to,
			    ci.id);
			rc = node_audit_append(n->store, by, "copy.held",
			    v[i].to, detail);
			continue;
		}
		rc = still_allowed(n, m, &ci, f, &v[i], rid, &consent_id, why,
		    sizeof(why), &ok);
		if (rc != WN_OK)
			break;
		if (ok) {
			rc = send_value(n, &ci, f, &v[i], rid, consent_id, by);
			up++;
		} else {
			rc = retract_copy(n, &ci, f, &v[i], why, by);
			gone++;
		}
	}
	if (rc == WN_OK) {
		if (updated)
			*updated = up;
		if (retracted)
			*retracted = gone;
	}
out:
	free(v);
	free(f);
	free(m);
	return rc;
}

/* ---- correcting this node's own field -------------------------------- */

wn_err
node_ctl_record_correct(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct own_field *f = calloc(1, sizeof(*f));
	sqlite3_stmt *st = NULL;
	uint64_t fid;
	size_t up = 0, gone = 0;
	wn_err rc = WN_ENOMEM;
	if (f == NULL)
		goto out;
	if (!wn_parse_u64(arg(c, "field"), INT64_MAX, &fid)) {
		rc = fail(c, WN_EINVAL, "field is a field id (a number)");
		goto out;
	}
	if (strlen(arg(c, "value")) > PROTO_FIELD_VALUE_MAX) {
		rc = fail(c, WN_EINVAL, "the value is longer than %d bytes",
		    PROTO_FIELD_VALUE_MAX);
		goto out;
	}
	if (!load_field(n, (int64_t)fid, f)) {
		rc = fail(c, WN_ENOTFOUND, "no field %llu on this node",
		    (unsigned long long)fid);
		goto out;
	}
	rc = WN_EDB;
	if ((st = case_prep(n, "UPDATE fields SET value = ?, recorded_by = ?, "
			       "recorded_ms = ? WHERE id = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, arg(c, "value"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	sqlite3_bind_int64(st, 4, (int64_t)fid);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if ((rc = case_copies_refresh(n, (int64_t)fid, c->user->name, &up,
		 &gone)) != WN_OK)
		goto out;
	/* by reference, never the value */
	snprintf(c->detail, sizeof(c->detail), "field %llu about %s (%s) "
	    "corrected; %zu copies updated, %zu retracted",
	    (unsigned long long)fid, f->subject,
	    cfg_category_name((enum cfg_category)f->category), up, gone);
	c->kick = up + gone > 0;
	proto_ctl_reply_begin(c->w, WN_OK, "corrected", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "field_id", (int64_t)fid);
	proto_ctl_field_int(c->w, "copies_updated", (int64_t)up);
	proto_ctl_field_int(c->w, "copies_retracted", (int64_t)gone);
out:
	sqlite3_finalize(st);
	free(f);
	return rc;
}
