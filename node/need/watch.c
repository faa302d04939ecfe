/*
 * watch.c - who looks at what: a case's assigned users and the snooping
 * alert.
 *
 * case.assign assigns a user of this node to a case. Every listing that
 * opens a dossier (a case or a data subject) calls case_opened, which
 * counts the dossiers a user opens outside the cases they are assigned to
 * (need/'s state, n->need) and alerts the administrators at the limit.
 */
#include "node/need/case_int.h"

#include <string.h>

/* ---- who looks at what ---------------------------------------------- */

wn_err
node_ctl_case_assign(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct case_info ci;
	sqlite3_stmt *st;
	bool known = false;
	if (!case_load(n, arg(c, "case"), &ci))
		return fail(c, WN_ENOTFOUND, "no case '%s'", arg(c, "case"));
	for (size_t i = 0; i < n->cfg.nusers; i++)
		known |= strcmp(n->cfg.users[i].name, arg(c, "user")) == 0;
	if (!known)
		return fail(c, WN_ENOTFOUND, "no user '%s' in this node's "
		    "config", arg(c, "user"));
	if ((st = case_prep(n, "INSERT OR REPLACE INTO case_users (case_id, "
			       "user, assigned_ms) VALUES (?, ?, ?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, ci.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, arg(c, "user"), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "%s assigned to case %s",
	    arg(c, "user"), ci.id);
	proto_ctl_reply_begin(c->w, WN_OK, "assigned", 0);
	return WN_OK;
}

/* assigned: is user assigned to a case that this dossier (a case id or a
 * subject: by its reference, or by its token) belongs to? */
static bool
assigned(struct node *n, const char *user, const char *dossier)
{
	sqlite3_stmt *st = case_prep(n, "SELECT 1 FROM case_users u JOIN cases "
					"c USING (case_id) WHERE u.user = ?1 "
					"AND (c.case_id = ?2 OR c.subject = "
					"?2 OR c.subject = ?3)");
	char tok[PROTO_SUBJECT_MAX + 1];
	bool yes = false;
	if (st == NULL)
		return true; /* do not raise alarms on a store error */
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dossier, -1, SQLITE_STATIC);
	/* a subject of a case opened on its token belongs to that case */
	if (case_subject_of_local(n, dossier, tok, sizeof(tok)))
		sqlite3_bind_text(st, 3, tok, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* case_opened records that user opened a dossier; when the dossiers of cases
 * the user is not assigned to, opened within snoop_window seconds, reach
 * snoop_limit, the node's administrators are alerted (audit record
 * alert.snooping and a warning in the log), once per window. */
void
case_opened(struct node_ctl_call *c, const char *dossier)
{
	struct node *n = c->n;
	struct node_need *nd = n->need;
	const char *user = c->user->name;
	int64_t now = wn_now_ms(), since = now -
	    (int64_t)n->cfg.snoop_window * 1000;
	size_t distinct = 0, cap = WN_ARRAY_LEN(nd->snoop);
	if (dossier == NULL || dossier[0] == '\0' || n->cfg.snoop_limit == 0 ||
	    assigned(n, user, dossier))
		return;
	struct node_snoop *e = &nd->snoop[nd->nsnoop++ % cap];
	wn_strlcpy(e->user, user, sizeof(e->user));
	wn_strlcpy(e->dossier, dossier, sizeof(e->dossier));
	e->ms = now;
	size_t have = nd->nsnoop < cap ? nd->nsnoop : cap;
	for (size_t i = 0; i < have; i++) {
		const struct node_snoop *a = &nd->snoop[i];
		if (a->ms < since || strcmp(a->user, user) != 0)
			continue;
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = !(nd->snoop[j].ms >= since &&
			    strcmp(nd->snoop[j].user, user) == 0 &&
			    strcmp(nd->snoop[j].dossier, a->dossier) == 0);
		distinct += first;
	}
	if (distinct == n->cfg.snoop_limit) {
		char detail[200];
		snprintf(detail, sizeof(detail), "%s opened %zu dossiers of cases "
		    "they are not assigned to within %u s", user, distinct,
		    n->cfg.snoop_window);
		if (node_audit_append(n->store, "system", "alert.snooping", user,
			detail) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot audit a snooping alert");
		wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", detail);
	}
}
