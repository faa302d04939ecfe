/*
 * phenomenon_ctl.c - the director's phenomena (phenomenon.c proposes
 * them): phenomenon.list, phenomenon.show (a phenomenon and its signals as
 * the summaries the director holds: when, where, what, whose; never who or
 * the text), phenomenon.open (a case through need/'s own case.open, its
 * subject the phenomenon's words, never a person, with each signal
 * attached through signal.attach, as a member's summary) and
 * phenomenon.dismiss (with why, kept with it and not in the audit
 * record). Each is audited by the control socket.
 */
#include "node/work/work.h"

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

static void
area(const char *m, const char *nb, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", m, nb[0] ? "/" : "", nb);
}

static wn_err
director_only(struct node_ctl_call *c)
{
	return node_ctl_fail(c, WN_EDENIED, "only the federation's director "
	    "keeps phenomena (it holds its members' signal summaries)");
}

/* ---- phenomena --------------------------------------------------------- */

#define PHENO_COLS                                                             \
	"id, state, category, municipality, neighbourhood, first_ms, "         \
	"last_ms, signals, partners, proposed_ms, ifnull(case_id, ''), "       \
	"rule_signals, rule_partners, rule_days, ifnull(decided_by, ''), "     \
	"ifnull(decided_ms, 0), ifnull(why, '')"

/* state: the stored state, "closed" for an open one whose case closed */
static const char *
state_of(struct node *n, sqlite3_stmt *st)
{
	struct node_case kc;
	if (strcmp(col(st, 1), "open") == 0 &&
	    node_case_get(n, col(st, 10), &kc) && kc.closed_ms != 0)
		return "closed";
	return col(st, 1);
}

/* pheno_row writes a row of PHENO_COLS; full: with the rule and the
 * decision */
static void
pheno_row(struct node *n, struct proto_writer *w, sqlite3_stmt *st,
    bool full)
{
	proto_ctl_row_begin(w, full ? 17 : 11);
	proto_ctl_field_int(w, "phenomenon", sqlite3_column_int64(st, 0));
	proto_ctl_field_text(w, "state", state_of(n, st));
	proto_ctl_field_text(w, "category",
	    node_signal_category_name(sqlite3_column_int(st, 2)));
	proto_ctl_field_text(w, "municipality", col(st, 3));
	proto_ctl_field_text(w, "neighbourhood", col(st, 4));
	proto_ctl_field_int(w, "first_ms", sqlite3_column_int64(st, 5));
	proto_ctl_field_int(w, "last_ms", sqlite3_column_int64(st, 6));
	proto_ctl_field_int(w, "signals", sqlite3_column_int64(st, 7));
	proto_ctl_field_int(w, "partners", sqlite3_column_int64(st, 8));
	proto_ctl_field_int(w, "proposed_ms", sqlite3_column_int64(st, 9));
	proto_ctl_field_text(w, "case_id", col(st, 10));
	if (!full)
		return;
	proto_ctl_field_int(w, "rule_signals", sqlite3_column_int64(st, 11));
	proto_ctl_field_int(w, "rule_partners", sqlite3_column_int64(st, 12));
	proto_ctl_field_int(w, "rule_days", sqlite3_column_int64(st, 13));
	proto_ctl_field_text(w, "decided_by", col(st, 14));
	proto_ctl_field_int(w, "decided_ms", sqlite3_column_int64(st, 15));
	proto_ctl_field_text(w, "why", col(st, 16));
}

wn_err
node_ctl_pheno_list(struct node_ctl_call *c)
{
	sqlite3_stmt *st;
	size_t count = 0;
	uint64_t limit = 50;
	int r;
	if (!c->n->is_director)
		return director_only(c);
	if (node_ctl_arg(c, "limit")[0] &&
	    (!wn_parse_u64(node_ctl_arg(c, "limit"), 10000, &limit) ||
		limit == 0))
		return node_ctl_fail(c, WN_EINVAL, "--limit is a number from 1 "
		    "to 10000");
	for (int pass = 0; pass < 2; pass++) {
		if ((st = node_work_prep(c->n, "SELECT " PHENO_COLS " FROM "
					       "phenomena ORDER BY id DESC "
					       "LIMIT ?")) == NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, (int64_t)limit);
		if (pass == 0) {
			while ((r = sqlite3_step(st)) == SQLITE_ROW)
				count++;
			sqlite3_finalize(st);
			if (r != SQLITE_DONE)
				return WN_EDB;
			char msg[128];
			snprintf(msg, sizeof(msg), "%zu phenomena, newest first%s",
			    count, count == limit ? " (more with a higher "
						    "--limit)" : "");
			proto_ctl_reply_begin(c->w, WN_OK, msg, count);
			continue;
		}
		for (size_t i = 0; i < count && sqlite3_step(st) == SQLITE_ROW;
		     i++)
			pheno_row(c->n, c->w, st, false);
		sqlite3_finalize(st);
	}
	snprintf(c->detail, sizeof(c->detail), "viewed %zu phenomena", count);
	return WN_OK;
}

/* pheno_arg: the phenomenon named by the request (*id, *state) */
static wn_err
pheno_arg(struct node_ctl_call *c, int64_t *id, char *state, size_t cap)
{
	uint64_t v;
	sqlite3_stmt *st;
	int r;
	if (!wn_parse_u64(node_ctl_arg(c, "phenomenon"), INT64_MAX, &v) ||
	    v == 0)
		return node_ctl_fail(c, WN_EINVAL, "a phenomenon is named by its "
		    "number (phenomenon list)");
	if ((st = node_work_prep(c->n, "SELECT state FROM phenomena WHERE "
				       "id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)v);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		wn_strlcpy(state, col(st, 0), cap);
	sqlite3_finalize(st);
	if (r == SQLITE_DONE)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no phenomenon "
		    "%llu here (phenomenon list)", (unsigned long long)v);
	if (r != SQLITE_ROW)
		return WN_EDB;
	*id = (int64_t)v;
	return WN_OK;
}

#define SIG_SQL                                                                \
	"SELECT ps.from_org, ps.signal_id, ifnull(ss.when_ms, 0), "            \
	"ifnull(ss.municipality, ''), ifnull(ss.neighbourhood, ''), "          \
	"ss.category FROM phenomenon_signals ps LEFT JOIN signal_summaries "   \
	"ss ON ss.from_org = ps.from_org AND ss.signal_id = ps.signal_id "     \
	"WHERE ps.phenomenon_id = ? ORDER BY ss.when_ms, ps.from_org, "        \
	"ps.signal_id"

wn_err
node_ctl_pheno_show(struct node_ctl_call *c)
{
	sqlite3_stmt *st, *ps = NULL;
	char state[16];
	int64_t id, k = 0;
	wn_err rc;
	int r;
	if (!c->n->is_director)
		return director_only(c);
	if ((rc = pheno_arg(c, &id, state, sizeof(state))) != WN_OK)
		return rc;
	if ((st = node_work_prep(c->n, "SELECT " PHENO_COLS " FROM phenomena "
				       "WHERE id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return WN_EDB;
	}
	k = sqlite3_column_int64(st, 7);
	char msg[128];
	/* the first row is the phenomenon, each other one of its signals */
	snprintf(msg, sizeof(msg), "phenomenon %lld and its %lld signals",
	    (long long)id, (long long)k);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)k + 1);
	pheno_row(c->n, c->w, st, true);
	sqlite3_finalize(st);
	if ((ps = node_work_prep(c->n, SIG_SQL)) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(ps, 1, id);
	int64_t i = 0;
	while (i < k && (r = sqlite3_step(ps)) == SQLITE_ROW) {
		proto_ctl_row_begin(c->w, 6);
		proto_ctl_field_text(c->w, "from", col(ps, 0));
		proto_ctl_field_int(c->w, "signal_id",
		    sqlite3_column_int64(ps, 1));
		proto_ctl_field_int(c->w, "when_ms",
		    sqlite3_column_int64(ps, 2));
		proto_ctl_field_text(c->w, "municipality", col(ps, 3));
		proto_ctl_field_text(c->w, "neighbourhood", col(ps, 4));
		proto_ctl_field_text(c->w, "category",
		    sqlite3_column_type(ps, 5) == SQLITE_NULL ? ""
		    : node_signal_category_name(sqlite3_column_int(ps, 5)));
		i++;
	}
	sqlite3_finalize(ps);
	if (i != k)
		return WN_EDB; /* the count kept and the rows disagree */
	snprintf(c->detail, sizeof(c->detail), "viewed phenomenon %lld and "
	    "its %lld signals", (long long)id, (long long)k);
	return WN_OK;
}

/* decided marks phenomenon id as state (open, with case_id; dismissed,
 * with why) by c's user */
static wn_err
decided(struct node_ctl_call *c, int64_t id, const char *state,
    const char *case_id, const char *why)
{
	sqlite3_stmt *st = node_work_prep(c->n, "UPDATE phenomena SET state = "
					       "?, case_id = ?, why = ?, "
					       "decided_by = ?, decided_ms = ? "
					       "WHERE id = ? AND state = "
					       "'proposed'");
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	if (case_id != NULL)
		sqlite3_bind_text(st, 2, case_id, -1, SQLITE_STATIC);
	if (why != NULL)
		sqlite3_bind_text(st, 3, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	sqlite3_bind_int64(st, 6, id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE &&
		sqlite3_changes(node_store_db(c->n->store)) == 1
	    ? WN_OK
	    : WN_EDB;
}

static wn_err
not_proposed(struct node_ctl_call *c, int64_t id, const char *state)
{
	return node_ctl_fail(c, WN_EINVAL, "phenomenon %lld is %s already: "
	    "only a proposed one is opened or dismissed", (long long)id,
	    state);
}

wn_err
node_ctl_pheno_open(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	sqlite3_stmt *st = NULL;
	char state[16], case_id[PROTO_CASE_ID_MAX + 1] = "", subject[200];
	char purpose[300], where[2 * PROTO_CTL_VALUE_MAX + 2], num[32];
	const char *type = node_ctl_arg(c, "type");
	int64_t id, k = 0;
	int cat = 0, r;
	wn_err rc = WN_ENOMEM;
	if (req == NULL)
		goto out;
	if (!n->is_director) {
		rc = director_only(c);
		goto out;
	}
	if ((rc = pheno_arg(c, &id, state, sizeof(state))) != WN_OK)
		goto out;
	if (strcmp(state, "proposed") != 0) {
		rc = not_proposed(c, id, state);
		goto out;
	}
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT category, municipality, "
				    "neighbourhood, signals FROM phenomena "
				    "WHERE id = ?")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	cat = sqlite3_column_int(st, 0);
	area(col(st, 1), col(st, 2), where, sizeof(where));
	k = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	st = NULL;
	/* the case's subject is the phenomenon, never a person */
	snprintf(subject, sizeof(subject), "phenomenon %lld: %s in %.120s",
	    (long long)id, node_signal_category_name(cat), where);
	snprintf(purpose, sizeof(purpose), "work on the phenomenon of %s in "
	    "%.120s (%lld signals of the members)",
	    node_signal_category_name(cat), where, (long long)k);
	rc = WN_EINVAL;
	if (proto_ctl_request_init(req, "case.open") != WN_OK ||
	    proto_ctl_request_add(req, "type", type[0] ? type : "situation") !=
		WN_OK ||
	    proto_ctl_request_add(req, "subject", subject) != WN_OK ||
	    proto_ctl_request_add(req, "purpose", node_ctl_arg(c,
		"purpose")[0] ? node_ctl_arg(c, "purpose") : purpose) != WN_OK ||
	    proto_ctl_request_add(req, "ground", node_ctl_arg(c, "ground")) !=
		WN_OK)
		goto out;
	if ((rc = node_ctl_subcall(c, node_ctl_case_open, req, "case_id",
		 case_id, sizeof(case_id))) != WN_OK)
		goto out;
	/* each of its signals belongs to the case, as a member's summary */
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT from_org, signal_id FROM "
				    "phenomenon_signals WHERE phenomenon_id = "
				    "? ORDER BY from_org, signal_id")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	size_t attached = 0;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)sqlite3_column_int64(st, 1));
		if ((rc = proto_ctl_request_init(req, "signal.attach")) !=
			WN_OK ||
		    (rc = proto_ctl_request_add(req, "signal", num)) != WN_OK ||
		    (rc = proto_ctl_request_add(req, "case", case_id)) !=
			WN_OK ||
		    (rc = proto_ctl_request_add(req, "from", col(st, 0))) !=
			WN_OK ||
		    (rc = node_ctl_subcall(c, node_ctl_signal_attach, req,
			 NULL, NULL, 0)) != WN_OK)
			goto out;
		attached++;
	}
	if (r != SQLITE_DONE) {
		rc = WN_EDB;
		goto out;
	}
	if ((rc = decided(c, id, "open", case_id, NULL)) != WN_OK)
		goto out;
	char msg[300];
	snprintf(msg, sizeof(msg), "phenomenon %lld is case %s now, with its "
	    "%zu signals", (long long)id, case_id, attached);
	snprintf(c->detail, sizeof(c->detail), "phenomenon %lld (%s in %.80s) "
	    "opened as case %s (%s); %zu signals attached", (long long)id,
	    node_signal_category_name(cat), where, case_id,
	    type[0] ? type : "situation", attached);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_int(c->w, "phenomenon", id);
	proto_ctl_field_text(c->w, "case_id", case_id);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(req);
	return rc;
}

wn_err
node_ctl_pheno_dismiss(struct node_ctl_call *c)
{
	char state[16], msg[128];
	int64_t id;
	wn_err rc;
	if (!c->n->is_director)
		return director_only(c);
	if ((rc = pheno_arg(c, &id, state, sizeof(state))) != WN_OK)
		return rc;
	if (strcmp(state, "proposed") != 0)
		return not_proposed(c, id, state);
	if (!node_ctl_arg(c, "why")[0])
		return node_ctl_fail(c, WN_EINVAL, "say why it is dismissed "
		    "(--why-file)");
	if ((rc = decided(c, id, "dismissed", NULL, node_ctl_arg(c, "why"))) !=
	    WN_OK)
		return rc;
	snprintf(msg, sizeof(msg), "phenomenon %lld dismissed: only signals "
	    "dated after now count toward the next", (long long)id);
	snprintf(c->detail, sizeof(c->detail), "phenomenon %lld dismissed",
	    (long long)id);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}
