/*
 * record.c - this node's own records and consents.
 *
 * record.add and record.list keep the fields this node holds about its
 * data subjects. consent.give and consent.basis record a consent, or a
 * legal basis the matrix in force names for the category; consent.withdraw
 * ends one and retracts from every node what left under it (retract);
 * consent.list shows them. What they let out is decided in share.c.
 */
#include "node/need/case_int.h"

#include <string.h>

/* ---- this node's own records and consents ---------------------------- */

wn_err
node_ctl_record_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	enum cfg_category k;
	sqlite3_stmt *st;
	if (!cfg_category_parse(arg(c, "category"), &k))
		return fail(c, WN_EINVAL, "unknown category '%s'",
		    arg(c, "category"));
	if (!arg(c, "subject")[0] || strlen(arg(c, "subject")) >
	    PROTO_SUBJECT_MAX)
		return fail(c, WN_EINVAL, "a subject is required");
	if (!arg(c, "name")[0] || strlen(arg(c, "name")) >
	    PROTO_FIELD_NAME_MAX)
		return fail(c, WN_EINVAL, "a field name is required");
	if (strlen(arg(c, "value")) > PROTO_FIELD_VALUE_MAX)
		return fail(c, WN_EINVAL, "the value is longer than %d bytes",
		    PROTO_FIELD_VALUE_MAX);
	if ((st = case_prep(n, "INSERT INTO fields (subject, category, name, "
			       "value, recorded_by, recorded_ms) VALUES "
			       "(?,?,?,?,?,?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, arg(c, "subject"), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)k);
	sqlite3_bind_text(st, 3, arg(c, "name"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, arg(c, "value"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	int64_t id = sqlite3_last_insert_rowid(node_store_db(n->store));
	/* one record per data subject, by reference, never the value */
	snprintf(c->detail, sizeof(c->detail), "field %lld about %s (%s)",
	    (long long)id, arg(c, "subject"), cfg_category_name(k));
	proto_ctl_reply_begin(c->w, WN_OK, "", 1);
	proto_ctl_row_begin(c->w, 1);
	proto_ctl_field_int(c->w, "field_id", id);
	return WN_OK;
}

/* subject_unknown: no record, consent or case here names subj */
static bool
subject_unknown(struct node *n, const char *subj)
{
	return case_count_rows(n, "SELECT (SELECT count(*) FROM fields WHERE "
				  "subject = ?1) + (SELECT count(*) FROM "
				  "consents WHERE subject = ?1) + (SELECT "
				  "count(*) FROM cases WHERE "
				  "subject = ?1)", subj) == 0;
}

wn_err
node_ctl_record_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *subj = proto_ctl_request_arg(c->req, "subject");
	size_t rows = subj ? case_count_rows(n, "SELECT count(*) FROM fields "
						"WHERE subject = ?", subj)
			   : case_count_rows(n, "SELECT count(*) FROM "
						"fields", NULL);
	sqlite3_stmt *st = case_prep(n, "SELECT id, subject, category, name, "
					"value FROM fields WHERE ?1 IS NULL OR "
					"subject = ?1 ORDER BY id");
	if (st == NULL)
		return WN_EDB;
	if (subj != NULL && rows == 0 && subject_unknown(n, subj)) {
		sqlite3_finalize(st);
		return case_nothing_named(c, subj, "nothing here about '%s': "
		    "no record, consent or case names that subject", subj);
	}
	if (subj)
		sqlite3_bind_text(st, 1, subj, -1, SQLITE_STATIC);
	snprintf(c->detail, sizeof(c->detail), "viewed %zu fields%s%s", rows,
	    subj ? " about " : "", subj ? subj : "");
	case_opened(c, subj);
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	for (size_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		proto_ctl_row_begin(c->w, 5);
		proto_ctl_field_int(c->w, "field_id", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "subject", case_col(st, 1));
		proto_ctl_field_text(c->w, "category", cfg_category_name(
		    (enum cfg_category)sqlite3_column_int(st, 2)));
		proto_ctl_field_text(c->w, "name", case_col(st, 3));
		proto_ctl_field_text(c->w, "value", case_col(st, 4));
	}
	sqlite3_finalize(st);
	return WN_OK;
}

/* case_bases_text lists the legal bases the matrix accepts for category k */
void
case_bases_text(const struct proto_matrix *m, int k, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = '\0';
	for (int b = 0; b < m->nbases[k] && o < cap; b++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", b ? ", " : "",
		    m->bases[k][b]);
}

/* basis_named: a legal basis is recorded only when the matrix in force
 * names it for the category (a basis it does not name would never let
 * anything out, and would look as if it did) */
static wn_err
basis_named(struct node_ctl_call *c, int k, const char *basis)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	const char *name = cfg_category_name((enum cfg_category)k);
	char list[512];
	wn_err rc = m ? case_matrix_in_force(c->n, m) : WN_ENOMEM;
	if (rc != WN_OK)
		goto out;
	rc = WN_EINVAL;
	if (m->version == 0) {
		fail(c, rc, "no matrix in force yet: it names the legal bases "
		    "accepted for %s", name);
		goto out;
	}
	if (m->requires[k] == PROTO_MATRIX_REQUIRES_NONE) {
		fail(c, rc, "%s needs neither consent nor a legal basis under "
		    "matrix version %llu: nothing to record", name,
		    (unsigned long long)m->version);
		goto out;
	}
	if (m->requires[k] == PROTO_MATRIX_REQUIRES_CONSENT) {
		fail(c, rc, "the matrix names no legal basis for %s: it needs "
		    "the subject's consent (wijknet consent give)", name);
		goto out;
	}
	for (int b = 0; b < m->nbases[k]; b++)
		if (strcmp(m->bases[k][b], basis) == 0) {
			rc = WN_OK;
			goto out;
		}
	case_bases_text(m, k, list, sizeof(list));
	fail(c, rc, "'%.60s' is not one the matrix names for %s; it names: "
	    "%s", basis, name, list);
out:
	free(m);
	return rc;
}

static wn_err
consent_add(struct node_ctl_call *c, int kind)
{
	struct node *n = c->n;
	enum cfg_category k;
	uint64_t until = 0;
	sqlite3_stmt *st;
	const char *by = kind == 1 ? arg(c, "by") : c->user->name;
	if (!cfg_category_parse(arg(c, "category"), &k))
		return fail(c, WN_EINVAL, "unknown category '%s'",
		    arg(c, "category"));
	if (!arg(c, "subject")[0] || !by[0] ||
	    (kind == 2 && !arg(c, "basis")[0]))
		return fail(c, WN_EINVAL, "subject, category and %s are "
		    "required", kind == 1 ? "who gave it (by)" : "basis");
	if (arg(c, "until_ms")[0] &&
	    !wn_parse_u64(arg(c, "until_ms"), INT64_MAX, &until))
		return fail(c, WN_EINVAL, "until_ms: milliseconds since 1970");
	wn_err rc;
	if (kind == 2 && (rc = basis_named(c, (int)k, arg(c, "basis"))) !=
	    WN_OK)
		return rc;
	if ((st = case_prep(n, "INSERT INTO consents (subject, category, kind, "
			       "basis, given_by, given_ms, until_ms) VALUES "
			       "(?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, arg(c, "subject"), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)k);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_text(st, 4, arg(c, "basis"), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, wn_now_ms());
	if (until)
		sqlite3_bind_int64(st, 7, (int64_t)until);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "%s for %s about %s%s%s",
	    kind == 1 ? "consent" : "legal basis", cfg_category_name(k),
	    arg(c, "subject"), kind == 2 ? ": " : "", arg(c, "basis"));
	proto_ctl_reply_begin(c->w, WN_OK, "recorded", 0);
	return WN_OK;
}

wn_err
node_ctl_consent_give(struct node_ctl_call *c)
{
	return consent_add(c, 1);
}

wn_err
node_ctl_consent_basis(struct node_ctl_call *c)
{
	return consent_add(c, 2);
}

/* UNDER_WITHDRAWN selects the disclosures about subject ?1 in category ?2
 * that left under a consent (?3 = 1) or the legal basis ?4 (?3 = 2) that
 * is withdrawn, or before what let them out was kept (-1), or (?5 = 1:
 * the matrix in force requires consent or a basis for the category) when
 * the matrix then asked for neither (NULL): once it asks, they are held
 * only under the consent or basis now withdrawn. */
#define UNDER_WITHDRAWN \
	"subject = ?1 AND category = ?2 AND retracted_ms IS NULL AND " \
	"(consent_id = -1 OR (consent_id IS NULL AND ?5) OR consent_id IN " \
	"(SELECT id FROM consents WHERE subject = ?1 AND category = ?2 AND " \
	"kind = ?3 AND (?3 = 1 OR basis = ?4) AND withdrawn_ms IS NOT NULL))"

static void
bind_withdrawn(sqlite3_stmt *st, const char *subject, int category, int kind,
    const char *basis, bool required)
{
	sqlite3_bind_text(st, 1, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, category);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_text(st, 4, basis, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, required);
}

/* retract sends a retraction for everything disclosed about subject in
 * category under the withdrawn consent (kind 1) or legal basis (kind 2)
 * that is not retracted yet, one message per recipient and case: the same
 * field disclosed in another case under something else stays there.
 * required: the matrix in force asks for consent or a basis for category.
 * A store error is WN_EDB (nothing is marked retracted then). */
static wn_err
retract(struct node *n, const char *subject, int category, int kind,
    const char *basis, bool required, size_t *peers)
{
	sqlite3_stmt *st = case_prep(n, "SELECT to_org, case_id, field_id FROM "
					"disclosures WHERE " UNDER_WITHDRAWN
					" ORDER BY to_org, case_id");
	struct proto_retraction *r = calloc(1, sizeof(*r));
	char to[64] = "", counted[64] = "";
	wn_err rc = WN_OK;
	*peers = 0;
	if (st == NULL || r == NULL) {
		sqlite3_finalize(st);
		free(r);
		return WN_ENOMEM;
	}
	snprintf(r->reason, sizeof(r->reason), "%s withdrawn",
	    kind == 1 ? "consent" : "legal basis");
	bind_withdrawn(st, subject, category, kind, basis, required);
	for (bool more = true; more && rc == WN_OK;) {
		int step = sqlite3_step(st);
		if (step != SQLITE_ROW && step != SQLITE_DONE) {
			rc = WN_EDB;
			break;
		}
		more = step == SQLITE_ROW;
		const char *org = more ? case_col(st, 0) : "";
		const char *cid = more ? case_col(st, 1) : "";
		if ((!more || strcmp(org, to) != 0 ||
			strcmp(cid, r->case_id) != 0 ||
			r->n == PROTO_RETRACT_MAX) && r->n > 0) {
			struct proto_writer w = {0};
			struct node_peer *p = node_peer_find(n, to);
			if (proto_writer_init_dynamic(&w, 1024,
				PROTO_BODY_MAX - 1) == WN_OK &&
			    p != NULL &&
			    proto_retraction_encode(r, false, &w) == WN_OK)
				rc = node_outbox_push(n, p, PROTO_MSG_RETRACTION,
				    w.buf, w.len);
			proto_writer_release(&w);
			char detail[200];
			snprintf(detail, sizeof(detail), "%zu fields about %s "
			    "retracted from %s in case %s; its receipt is owed",
			    r->n, subject, to, r->case_id);
			if (rc == WN_OK)
				rc = node_audit_append(n->store, "system",
				    "retraction.sent", to, detail);
			if (strcmp(counted, to) != 0) {
				(*peers)++;
				wn_strlcpy(counted, to, sizeof(counted));
			}
			r->n = 0;
		}
		if (more) {
			wn_strlcpy(to, org, sizeof(to));
			wn_strlcpy(r->case_id, cid, sizeof(r->case_id));
			r->ids[r->n++] = (uint64_t)sqlite3_column_int64(st, 2);
		}
	}
	sqlite3_finalize(st);
	free(r);
	if (rc != WN_OK)
		return rc;
	st = case_prep(n, "UPDATE disclosures SET retracted_ms = ?6 WHERE "
			  UNDER_WITHDRAWN);
	if (st == NULL)
		return WN_EDB;
	bind_withdrawn(st, subject, category, kind, basis, required);
	sqlite3_bind_int64(st, 6, wn_now_ms());
	rc = sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

/* node_ctl_consent_withdraw ends the subject's consent for a category, or
 * with basis the legal basis of that name, and retracts from every node
 * what left under it */
wn_err
node_ctl_consent_withdraw(struct node_ctl_call *c)
{
	struct node *n = c->n;
	enum cfg_category k;
	sqlite3_stmt *st;
	size_t peers = 0;
	/* an empty basis is a mistake, not "the consent": absent is */
	const char *basis = proto_ctl_request_arg(c->req, "basis");
	int kind = basis != NULL ? 2 : 1;
	if (basis != NULL && !basis[0])
		return fail(c, WN_EINVAL, "an empty basis names no legal basis: "
		    "leave it out to withdraw the consent");
	if (basis == NULL)
		basis = "";
	if (!cfg_category_parse(arg(c, "category"), &k) || !arg(c, "subject")[0])
		return fail(c, WN_EINVAL, "subject and category are required");
	if ((st = case_prep(n, "UPDATE consents SET withdrawn_ms = ?5 WHERE "
			       "subject = ?1 AND category = ?2 AND kind = ?3 "
			       "AND (?3 = 1 OR basis = ?4) AND "
			       "withdrawn_ms IS NULL")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, arg(c, "subject"), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)k);
	sqlite3_bind_int(st, 3, kind);
	sqlite3_bind_text(st, 4, basis, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	int r = sqlite3_step(st);
	int changed = sqlite3_changes(node_store_db(n->store));
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (changed == 0 && kind == 1)
		return fail(c, WN_ENOTFOUND, "no consent in force for %s about "
		    "%s", cfg_category_name(k), arg(c, "subject"));
	if (changed == 0)
		return fail(c, WN_ENOTFOUND, "no legal basis '%.60s' in force "
		    "for %s about %s", basis, cfg_category_name(k),
		    arg(c, "subject"));
	struct proto_matrix *m = calloc(1, sizeof(*m));
	wn_err rc = m ? case_matrix_in_force(n, m) : WN_ENOMEM;
	bool required = rc == WN_OK && m->version &&
	    m->requires[k] != PROTO_MATRIX_REQUIRES_NONE;
	free(m);
	if (rc == WN_OK)
		rc = retract(n, arg(c, "subject"), (int)k, kind, basis,
		    required, &peers);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "%s%.60s%s for %s about %s "
	    "withdrawn; retraction sent to %zu nodes",
	    kind == 1 ? "consent" : "legal basis '", basis,
	    kind == 1 ? "" : "'", cfg_category_name(k), arg(c, "subject"),
	    peers);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, kind == 1 ? "consent withdrawn"
						     : "legal basis withdrawn", 1);
	proto_ctl_row_begin(c->w, 1);
	proto_ctl_field_int(c->w, "retracted_from", (int64_t)peers);
	return WN_OK;
}

wn_err
node_ctl_consent_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *subj = proto_ctl_request_arg(c->req, "subject");
	size_t rows = subj ? case_count_rows(n, "SELECT count(*) FROM consents "
						"WHERE subject = ?", subj)
			   : case_count_rows(n, "SELECT count(*) FROM "
						"consents", NULL);
	sqlite3_stmt *st = case_prep(n, "SELECT subject, category, kind, "
					"basis, given_by, ifnull(until_ms, 0), "
					"ifnull(withdrawn_ms, 0) FROM consents "
					"WHERE ?1 IS NULL OR subject = ?1 "
					"ORDER BY id");
	if (st == NULL)
		return WN_EDB;
	if (subj != NULL && rows == 0 && subject_unknown(n, subj)) {
		sqlite3_finalize(st);
		return case_nothing_named(c, subj, "nothing here about '%s': "
		    "no record, consent or case names that subject", subj);
	}
	if (subj)
		sqlite3_bind_text(st, 1, subj, -1, SQLITE_STATIC);
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	int64_t now = wn_now_ms();
	for (size_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		int64_t until = sqlite3_column_int64(st, 5);
		int64_t wd = sqlite3_column_int64(st, 6);
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_text(c->w, "subject", case_col(st, 0));
		proto_ctl_field_text(c->w, "category", cfg_category_name(
		    (enum cfg_category)sqlite3_column_int(st, 1)));
		proto_ctl_field_text(c->w, "kind",
		    sqlite3_column_int(st, 2) == 1 ? "consent" : "basis");
		proto_ctl_field_text(c->w, "basis", case_col(st, 3));
		proto_ctl_field_text(c->w, "given_by", case_col(st, 4));
		proto_ctl_field_int(c->w, "until_ms", until);
		proto_ctl_field_text(c->w, "state", wd ? "withdrawn"
		    : until && until <= now ? "expired" : "in force");
	}
	sqlite3_finalize(st);
	return WN_OK;
}
