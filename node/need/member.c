/*
 * member.c - what other rooms may ask need/ about a case: who directs it,
 * and which of its current members may see how much of a category (the
 * matrix in force for the member's role in the case's type). work/ asks
 * before a plan's goal or an action leaves this node, and before it takes
 * one in. Nothing here writes.
 */
#include "node/need/case_int.h"

#include <string.h>

bool
node_need_case_director(struct node *n, const char *case_id, char *out,
    size_t cap)
{
	struct case_info ci;
	if (!case_load(n, case_id, &ci))
		return false;
	wn_strlcpy(out, ci.director, cap);
	return true;
}

/* level_of: what the matrix m gives role in a case of type of cat */
static int
level_of(const struct proto_matrix *m, int type, int cat, int role)
{
	if (m->version == 0 || type < 0 || type >= CFG_CASE_TYPES || cat < 0 ||
	    cat >= CFG_CATEGORIES || role < 0 || role >= CFG_ROLES)
		return CFG_LEVEL_NONE;
	return m->level[type][cat][role];
}

wn_err
node_need_readers(struct node *n, const char *case_id, int cat,
    struct node_need_reader *out, size_t cap, size_t *count)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct case_info ci;
	sqlite3_stmt *st = NULL;
	size_t k = 0;
	int r;
	wn_err rc = WN_ENOMEM;
	*count = 0;
	if (m == NULL)
		goto out;
	rc = WN_ENOTFOUND;
	if (!case_load(n, case_id, &ci))
		goto out;
	if ((rc = case_matrix_in_force(n, m)) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = case_prep(n, "SELECT org_id, role FROM case_members WHERE "
			       "case_id = ? AND removed = 0 ORDER BY "
			       "org_id")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && k < cap) {
		wn_strlcpy(out[k].org, case_col(st, 0), sizeof(out[k].org));
		out[k].level = level_of(m, ci.type, cat,
		    sqlite3_column_int(st, 1));
		k++;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		goto out;
	*count = k;
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(m);
	return rc;
}

wn_err
node_need_member_level(struct node *n, const char *case_id, const char *org,
    int cat, bool *member, int *level)
{
	struct node_need_reader rd[PROTO_CASE_MAX_MEMBERS];
	size_t count;
	wn_err rc = node_need_readers(n, case_id, cat, rd, WN_ARRAY_LEN(rd),
	    &count);
	*member = false;
	*level = CFG_LEVEL_NONE;
	if (rc != WN_OK)
		return rc;
	for (size_t i = 0; i < count; i++)
		if (strcmp(rd[i].org, org) == 0) {
			*member = true;
			*level = rd[i].level;
		}
	return WN_OK;
}
