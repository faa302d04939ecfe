/*
 * closed.c - what case work (node/work/) may know of need/'s cases, and a
 * case closed.
 *
 * work/ keeps a case's life (stages, steps, links) but not the case: it
 * reads the case's type, director and members here, and the matrix's
 * level for a role, never need/'s tables. When a case is closed (its
 * director closes it, or a member applies the closing step) work/ says so
 * with node_case_set_closed; from then on need/ neither sends nor accepts
 * a disclosure, an information request or an amendment for it, nor
 * invites a member to it (case_closed, called by those paths), until the
 * director reopens it. A member invited to a case is told its history by
 * the functions added with node_need_on_invite, after its CASE; a member
 * removed from one forgets it with those added with node_need_on_removed.
 * node_need_readers answers, for work/'s messages, which members may see
 * how much of a category, with the level node_matrix_level gives.
 */
#include "node/need/case_int.h"

#include <string.h>

bool
case_closed(struct node *n, const char *case_id, int64_t *ms)
{
	sqlite3_stmt *st = case_prep(n, "SELECT closed_ms FROM cases WHERE "
					"case_id = ? AND closed_ms IS NOT "
					"NULL");
	bool yes = false;
	if (st == NULL)
		return true; /* cannot tell: share nothing */
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		yes = true;
		if (ms)
			*ms = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return yes;
}

bool
node_case_get(struct node *n, const char *id, struct node_case *out)
{
	struct case_info ci;
	int64_t ms = 0;
	if (!case_load(n, id, &ci))
		return false;
	memset(out, 0, sizeof(*out));
	wn_strlcpy(out->id, ci.id, sizeof(out->id));
	out->type = ci.type;
	wn_strlcpy(out->director, ci.director, sizeof(out->director));
	out->closed_ms = case_closed(n, ci.id, &ms) ? ms : 0;
	out->here_directs = strcmp(ci.director, n->cfg.org_id) == 0;
	out->here_member = case_member_role(n, ci.id, n->cfg.org_id, NULL);
	return true;
}

bool
node_case_member(struct node *n, const char *case_id, const char *org,
    int *role)
{
	return case_member_role(n, case_id, org, role);
}

wn_err
node_case_members(struct node *n, const char *case_id, node_case_member_fn fn,
    void *arg)
{
	sqlite3_stmt *st = case_prep(n, "SELECT org_id, role FROM case_members "
					"WHERE case_id = ? AND removed = 0 "
					"ORDER BY org_id");
	char org[PROTO_ORG_ID_MAX + 1];
	wn_err rc = WN_OK;
	int r = SQLITE_DONE;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while (rc == WN_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
		wn_strlcpy(org, case_col(st, 0), sizeof(org));
		rc = fn(n, org, sqlite3_column_int(st, 1), arg);
	}
	if (rc == WN_OK && r != SQLITE_DONE)
		rc = WN_EDB;
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_case_set_closed(struct node *n, const char *case_id, int64_t ms,
    const char *by)
{
	sqlite3_stmt *st = case_prep(n, "UPDATE cases SET closed_ms = ? WHERE "
					"case_id = ?");
	char detail[200];
	int r;
	if (st == NULL)
		return WN_EDB;
	if (ms > 0)
		sqlite3_bind_int64(st, 1, ms);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(n->store)) == 0)
		return WN_ENOTFOUND;
	snprintf(detail, sizeof(detail), ms > 0
	    ? "case %s closed: nothing is shared for it from now"
	    : "case %s reopened: it is shared as before", case_id);
	return node_audit_append(n->store, by, ms > 0 ? "case.closed"
						      : "case.reopened",
	    case_id, detail);
}

/* level_of: what the matrix m (version 0: none) gives role of category in
 * cases of type; none out of range (default deny). The one place need/
 * reads a level of a case's cell for case work. */
static int
level_of(const struct proto_matrix *m, int type, int category, int role)
{
	if (m->version == 0 || type < 0 || type >= CFG_CASE_TYPES ||
	    category < 0 || category >= CFG_CATEGORIES || role < 0 ||
	    role >= CFG_ROLES)
		return CFG_LEVEL_NONE;
	return m->level[type][category][role];
}

int
node_matrix_level(struct node *n, int type, int category, int role)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	int level = CFG_LEVEL_NONE;
	if (m != NULL && case_matrix_in_force(n, m) == WN_OK)
		level = level_of(m, type, category, role);
	free(m);
	return level;
}

struct readers {
	const struct proto_matrix *m;
	int type, cat;
	struct node_need_reader *out;
	size_t cap, k;
};

static wn_err
add_reader(struct node *n, const char *org, int role, void *arg)
{
	struct readers *r = arg;
	(void)n;
	if (r->k == r->cap)
		return WN_OK;
	wn_strlcpy(r->out[r->k].org, org, sizeof(r->out[r->k].org));
	r->out[r->k].role = role;
	r->out[r->k].level = level_of(r->m, r->type, r->cat, role);
	r->k++;
	return WN_OK;
}

wn_err
node_need_readers(struct node *n, const char *case_id, int cat,
    struct node_need_reader *out, size_t cap, size_t *count)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct readers r = {m, 0, cat, out, cap, 0};
	struct case_info ci;
	wn_err rc = WN_ENOMEM;
	*count = 0;
	if (m == NULL)
		goto out;
	rc = WN_ENOTFOUND;
	if (!case_load(n, case_id, &ci))
		goto out;
	r.type = ci.type;
	/* one matrix for all the members: read and verified once */
	if ((rc = case_matrix_in_force(n, m)) != WN_OK ||
	    (rc = node_case_members(n, case_id, add_reader, &r)) != WN_OK)
		goto out;
	*count = r.k;
out:
	free(m);
	return rc;
}

static node_invite_fn invite_hooks[NODE_INVITE_HOOKS_MAX];
static size_t ninvite_hooks;

void
node_need_on_invite(node_invite_fn fn)
{
	for (size_t i = 0; i < ninvite_hooks; i++)
		if (invite_hooks[i] == fn)
			return;
	WN_ASSERT(ninvite_hooks < NODE_INVITE_HOOKS_MAX);
	invite_hooks[ninvite_hooks++] = fn;
}

static node_removed_fn removed_hooks[NODE_INVITE_HOOKS_MAX];
static size_t nremoved_hooks;

void
node_need_on_removed(node_removed_fn fn)
{
	for (size_t i = 0; i < nremoved_hooks; i++)
		if (removed_hooks[i] == fn)
			return;
	WN_ASSERT(nremoved_hooks < NODE_INVITE_HOOKS_MAX);
	removed_hooks[nremoved_hooks++] = fn;
}

static node_invite_fn member_removed_hooks[NODE_INVITE_HOOKS_MAX];
static size_t nmember_removed_hooks;

void
node_need_on_member_removed(node_invite_fn fn)
{
	for (size_t i = 0; i < nmember_removed_hooks; i++)
		if (member_removed_hooks[i] == fn)
			return;
	WN_ASSERT(nmember_removed_hooks < NODE_INVITE_HOOKS_MAX);
	member_removed_hooks[nmember_removed_hooks++] = fn;
}

wn_err
case_member_removed(struct node *n, const char *case_id, const char *org)
{
	wn_err rc = WN_OK;
	for (size_t i = 0; i < nmember_removed_hooks && rc == WN_OK; i++)
		rc = member_removed_hooks[i](n, case_id, org);
	return rc;
}

wn_err
case_removed_here(struct node *n, const char *case_id)
{
	wn_err rc = WN_OK;
	for (size_t i = 0; i < nremoved_hooks && rc == WN_OK; i++)
		rc = removed_hooks[i](n, case_id);
	return rc;
}

wn_err
case_invited(struct node *n, const char *case_id, const char *org)
{
	wn_err rc = WN_OK;
	for (size_t i = 0; i < ninvite_hooks && rc == WN_OK; i++)
		rc = invite_hooks[i](n, case_id, org);
	return rc;
}
