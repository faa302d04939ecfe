/*
 * life_show.c - case.life: where a case stands and what happened to it,
 * as far as this node may know.
 *
 * With a case: a first row (kind "life": the stage, the outcome when
 * closed, when it was closed, how many steps), then each step held here in
 * order (kind "step": number, stage, outcome, when, by whom, and its
 * reason, or reason_shared false when the matrix did not let it come
 * here), then each link held here (kind "link": the relation, read from
 * this case: "to" when this case is the first of the link, "from" when it
 * is the other). Without one: a row per case that has moved (its stage,
 * outcome, last step and when); a case without a row stands at signal.
 * The CLI joins these to need/'s case.show and case.list.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static int64_t
count(struct node *n, const char *sql, const char *a)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int64_t v = -1;
	if (st == NULL)
		return -1;
	if (a != NULL)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *
outcome_of(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL
	    ? ""
	    : node_case_outcome_name(sqlite3_column_int(st, i));
}

/* every case that has moved: its stage now */
static wn_err
stages(struct node_ctl_call *c)
{
	static const char last[] = "FROM case_steps s WHERE step = (SELECT "
				    "max(step) FROM case_steps t WHERE "
				    "t.case_id = s.case_id)";
	char sql[256];
	int64_t rows;
	sqlite3_stmt *st;
	snprintf(sql, sizeof(sql), "SELECT count(*) %s", last);
	if ((rows = count(c->n, sql, NULL)) < 0)
		return WN_EDB;
	snprintf(sql, sizeof(sql), "SELECT case_id, stage, outcome, step, "
	    "when_ms %s ORDER BY case_id", last);
	if ((st = node_work_prep(c->n, sql)) == NULL)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", (size_t)rows);
	for (int64_t i = 0; i < rows && sqlite3_step(st) == SQLITE_ROW; i++) {
		proto_ctl_row_begin(c->w, 5);
		proto_ctl_field_text(c->w, "case_id", col(st, 0));
		proto_ctl_field_text(c->w, "stage",
		    node_case_stage_name(sqlite3_column_int(st, 1)));
		proto_ctl_field_text(c->w, "outcome", outcome_of(st, 2));
		proto_ctl_field_int(c->w, "steps", sqlite3_column_int64(st, 3));
		proto_ctl_field_int(c->w, "moved_ms",
		    sqlite3_column_int64(st, 4));
	}
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "the stages of %lld cases",
	    (long long)rows);
	return WN_OK;
}

wn_err
node_ctl_case_life(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *id = proto_ctl_request_arg(c->req, "case");
	struct node_case kc;
	sqlite3_stmt *st = NULL;
	int64_t nsteps, nlinks;
	int stage = NODE_STAGE_SIGNAL, outcome = -1;
	if (id == NULL)
		return stages(c);
	if (!node_case_get(n, id, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s'", id);
	if ((nsteps = count(n, "SELECT count(*) FROM case_steps WHERE case_id "
			       "= ?", kc.id)) < 0 ||
	    (nlinks = count(n, "SELECT count(*) FROM case_links WHERE case_id "
			       "= ?1 OR other_id = ?1", kc.id)) < 0 ||
	    (st = node_work_prep(n, "SELECT stage, outcome FROM case_steps WHERE case_id "
			  "= ? ORDER BY step DESC LIMIT 1")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		stage = sqlite3_column_int(st, 0);
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			outcome = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	proto_ctl_reply_begin(c->w, WN_OK, "", (size_t)(1 + nsteps + nlinks));
	proto_ctl_row_begin(c->w, 6);
	proto_ctl_field_text(c->w, "kind", "life");
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_text(c->w, "stage", node_case_stage_name(stage));
	proto_ctl_field_text(c->w, "outcome",
	    outcome >= 0 ? node_case_outcome_name(outcome) : "");
	proto_ctl_field_int(c->w, "closed_ms", kc.closed_ms);
	proto_ctl_field_int(c->w, "steps", nsteps);
	if ((st = node_work_prep(n, "SELECT step, stage, outcome, when_ms, by_org, "
			  "by_user, reason FROM case_steps WHERE case_id = ? "
			  "ORDER BY step")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < nsteps && sqlite3_step(st) == SQLITE_ROW;
	     i++) {
		bool shared = sqlite3_column_type(st, 6) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 9);
		proto_ctl_field_text(c->w, "kind", "step");
		proto_ctl_field_int(c->w, "step", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "stage",
		    node_case_stage_name(sqlite3_column_int(st, 1)));
		proto_ctl_field_text(c->w, "outcome", outcome_of(st, 2));
		proto_ctl_field_int(c->w, "when_ms",
		    sqlite3_column_int64(st, 3));
		proto_ctl_field_text(c->w, "by_org", col(st, 4));
		proto_ctl_field_text(c->w, "by_user", col(st, 5));
		proto_ctl_field_bool(c->w, "reason_shared", shared);
		proto_ctl_field_text(c->w, "reason", col(st, 6));
	}
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "SELECT case_id, other_id, relation, when_ms, by_org, "
			  "by_user FROM case_links WHERE case_id = ?1 OR "
			  "other_id = ?1 ORDER BY when_ms, case_id, "
			  "other_id")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < nlinks && sqlite3_step(st) == SQLITE_ROW;
	     i++) {
		bool to = strcmp(col(st, 0), kc.id) == 0;
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_text(c->w, "kind", "link");
		proto_ctl_field_text(c->w, "relation",
		    node_case_relation_name(sqlite3_column_int(st, 2)));
		proto_ctl_field_text(c->w, "direction", to ? "to" : "from");
		proto_ctl_field_text(c->w, "other", col(st, to ? 1 : 0));
		proto_ctl_field_int(c->w, "when_ms",
		    sqlite3_column_int64(st, 3));
		proto_ctl_field_text(c->w, "by_org", col(st, 4));
		proto_ctl_field_text(c->w, "by_user", col(st, 5));
	}
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "case %s: %s, %lld steps, "
	    "%lld links", kc.id, node_case_stage_name(stage),
	    (long long)nsteps, (long long)nlinks);
	return WN_OK;
}
