/*
 * amend.c - amending a field (edit rights) and signing a case's
 * consultation protocol.
 *
 * data.amend asks the owner of a field received here to change it; the
 * owner checks the amending member's edit rights in the matrix again and
 * that the field was disclosed to it in the case (AMEND), and sends the
 * new value to every member that holds a copy (copies.c). case.attest
 * signs the protocol a case's ground names, with the workers who take
 * part; the director records it and tells the members (ATTEST).
 */
#include "node/need/case_int.h"

#include <string.h>

/* ---- amending a field (edit rights) ---------------------------------- */

/* level_for: the matrix level of role for category k in the case's type */
static int
level_for(struct node *n, const struct case_info *ci, int k, int role)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	int level = 0;
	if (m != NULL && case_matrix_in_force(n, m) == WN_OK && m->version &&
	    k >= 0 && k < CFG_CATEGORIES && role >= 0 && role < CFG_ROLES)
		level = m->level[ci->type][k][role];
	free(m);
	return level;
}

wn_err
node_ctl_data_amend(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	struct proto_amend a = {0};
	struct node_peer *owner;
	sqlite3_stmt *st;
	uint64_t fid;
	int k = -1, role;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (case_closed(n, ci.id, NULL))
		return fail(c, WN_EDENIED, "case %s is closed: nothing is "
		    "shared for it, nor amended", ci.id);
	if (!wn_parse_u64(arg(c, "field"), INT64_MAX, &fid) ||
	    strlen(arg(c, "value")) > PROTO_FIELD_VALUE_MAX)
		return fail(c, WN_EINVAL, "field is a number, value <= 2047 "
		    "bytes");
	if ((owner = node_peer_find(n, arg(c, "from"))) == NULL || owner->gone)
		return fail(c, WN_ENOTFOUND, "'%s' is not a peer",
		    arg(c, "from"));
	if ((st = case_prep(n, "SELECT category FROM received WHERE case_id = "
			       "? AND from_org = ? AND field_id = ? AND "
			       "value IS NOT NULL")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, owner->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)fid);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (k < 0)
		return fail(c, WN_ENOTFOUND, "no field %llu from %s in case %s",
		    (unsigned long long)fid, owner->org_id, ci.id);
	if (!case_member_role(n, ci.id, n->cfg.org_id, &role) ||
	    level_for(n, &ci, k, role) < 3)
		return fail(c, WN_EDENIED, "the matrix does not give this "
		    "node's role edit rights on %s in %s cases",
		    cfg_category_name((enum cfg_category)k),
		    cfg_case_type_name((enum cfg_case_type)ci.type));
	wn_strlcpy(a.case_id, ci.id, sizeof(a.case_id));
	a.field_id = fid;
	wn_strlcpy(a.value, arg(c, "value"), sizeof(a.value));
	uint8_t buf[PROTO_FIELD_VALUE_MAX + 128];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	wn_err rc = proto_amend_encode(&a, &w);
	if (rc == WN_OK)
		rc = node_outbox_push(n, owner, PROTO_MSG_AMEND, w.buf, w.len);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "asked %s to amend field %llu "
	    "(%s) about %s in case %s", owner->org_id, (unsigned long long)fid,
	    cfg_category_name((enum cfg_category)k), ci.shown, ci.id);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "amendment sent to the field's "
	    "owner", 0);
	return WN_OK;
}

/* case_apply_amend: the owner checks the amending member's edit rights again
 * and that the field was disclosed to it in this case */
wn_err
case_apply_amend(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_amend a;
	struct case_info ci;
	sqlite3_stmt *st;
	int role, k = -1;
	if (proto_amend_decode(body, len, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed amendment");
		return WN_EPROTO;
	}
	if (!case_load(n, a.case_id, &ci) ||
	    !case_member_role(n, ci.id, from->org_id, &role)) {
		snprintf(why, whylen, "amendment for case %s from a non-member",
		    a.case_id);
		return WN_EDENIED;
	}
	if (case_closed(n, ci.id, NULL)) {
		snprintf(why, whylen, "amendment for case %s, which is closed",
		    ci.id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "SELECT f.category FROM fields f JOIN "
			       "disclosures d ON d.field_id = f.id WHERE f.id "
			       "= ? AND d.to_org = ? AND d.case_id = ? AND "
			       "d.existence = 0 AND d.retracted_ms "
			       "IS NULL")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)a.field_id);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ci.id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (k < 0 || level_for(n, &ci, k, role) < 3) {
		snprintf(why, whylen, "%s may not amend field %llu: not "
		    "disclosed to it, or the matrix gives it no edit rights",
		    from->org_id, (unsigned long long)a.field_id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "UPDATE fields SET value = ?, recorded_by = ?, "
			       "recorded_ms = ? WHERE id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a.value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	sqlite3_bind_int64(st, 4, (int64_t)a.field_id);
	wn_err rc = sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
	sqlite3_finalize(st);
	char detail[160];
	snprintf(detail, sizeof(detail), "field %llu (%s) about %s amended by "
	    "%s; case %s", (unsigned long long)a.field_id,
	    cfg_category_name((enum cfg_category)k), ci.shown, from->org_id,
	    ci.id);
	if (rc == WN_OK)
		rc = node_audit_append(n->store, from->org_id, "field.amended",
		    ci.id, detail);
	/* every member that holds the old value gets the new one (or loses
	 * its copy where it may no longer hold it), the amending one too */
	if (rc == WN_OK)
		rc = case_copies_refresh(n, (int64_t)a.field_id, from->org_id,
		    NULL, NULL);
	if (rc == WN_OK)
		node_peer_kick(n);
	return rc;
}

/* ---- signing a case's consultation protocol ------------------------- */

wn_err
node_ctl_case_attest(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	struct proto_attest a = {0};
	struct node_peer *dir;
	char list[512], *save = NULL;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	if (!case_member_role(n, ci.id, n->cfg.org_id, NULL))
		return fail(c, WN_EDENIED, "this node is not a member of %s",
		    ci.id);
	if ((dir = node_peer_find(n, ci.director)) == NULL || dir->gone)
		return fail(c, WN_ENOTFOUND, "the case's director %s is not a "
		    "peer", ci.director);
	wn_strlcpy(a.case_id, ci.id, sizeof(a.case_id));
	wn_strlcpy(list, arg(c, "workers"), sizeof(list));
	for (char *t = strtok_r(list, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		bool known = false;
		for (size_t i = 0; i < n->cfg.nusers; i++)
			known |= strcmp(n->cfg.users[i].name, t) == 0;
		if (!known || a.nworkers == PROTO_ATTEST_MAX_WORKERS)
			return fail(c, WN_EINVAL, "'%s' is not a user of this "
			    "node (at most %d workers)", t,
			    PROTO_ATTEST_MAX_WORKERS);
		wn_strlcpy(a.workers[a.nworkers++], t, sizeof(a.workers[0]));
	}
	if (a.nworkers == 0)
		return fail(c, WN_EINVAL, "name the workers who take part");
	uint8_t buf[2048];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	wn_err rc = proto_attest_encode(&a, &w);
	if (rc == WN_OK)
		rc = node_outbox_push(n, dir, PROTO_MSG_ATTEST, w.buf, w.len);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "case %s: signed its protocol "
	    "(%s) with workers %s", ci.id, ci.ground, arg(c, "workers"));
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "attestation sent to the director",
	    0);
	return WN_OK;
}

wn_err
case_apply_attest(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_attest a;
	struct case_info ci;
	sqlite3_stmt *st;
	if (proto_attest_decode(body, len, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed attestation");
		return WN_EPROTO;
	}
	if (!case_load(n, a.case_id, &ci) ||
	    strcmp(ci.director, n->cfg.org_id) != 0 ||
	    !case_member_role(n, ci.id, from->org_id, NULL)) {
		snprintf(why, whylen, "attestation for case %s, which this node "
		    "does not direct or %s is not a member of", a.case_id,
		    from->org_id);
		return WN_EDENIED;
	}
	if ((st = case_prep(n, "UPDATE case_members SET attested = 1 WHERE "
			       "case_id = ? AND org_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from->org_id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	char detail[400];
	size_t o = (size_t)snprintf(detail, sizeof(detail), "%s signed %s for "
	    "case %s; workers:", from->org_id, ci.ground, ci.id);
	for (size_t i = 0; i < a.nworkers && o < sizeof(detail); i++)
		o += (size_t)snprintf(detail + o, sizeof(detail) - o, " %s",
		    a.workers[i]);
	wn_err rc = node_audit_append(n->store, from->org_id,
	    "case.attestation", ci.id, detail);
	if (rc == WN_OK)
		rc = case_send(n, &ci, NULL);
	node_peer_kick(n);
	return rc;
}
