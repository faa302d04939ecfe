/*
 * case_signals.c - the signals of a case: signal.attach (`wijknet signal
 * link SIGNAL --case CASE [--from ORG]`) and case.signals (`wijknet case
 * signals CASE`).
 *
 * A node attaches its own signals to a case it directs or is a member of;
 * the director attaches the summaries of its members' signals too (the
 * member's org and its number for the signal, as `signal list --received`
 * shows them). Each attachment is a row of case_signals (migration 14),
 * kept on the node that made it and audited there. What crosses is the
 * signal's summary (case_signals_share.c): a member tells the director of
 * its own signal attached, the director tells the case's other members,
 * each as far as the matrix gives its role `signals` in the case's type.
 * So a node lists its own signals of the case in full (with subjects),
 * and the others' as their summaries (when, area, category, reports:
 * never a subject), or only that they are there where the matrix lets it
 * know no more. A closed case takes no new signal.
 *
 * The list walks the case's key in case_signals (one case's rows, not the
 * table) and looks up each signal by its number, so it costs what the case
 * holds, not what the node holds (make bench, section 6).
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"

#define CASE_SIGNALS_MAX 1000

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* exists: the query (one ?1 text, one ?2 integer) finds a row */
static wn_err
exists(struct node *n, const char *sql, const char *a, int64_t b, bool *yes)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return WN_EDB;
	*yes = r == SQLITE_ROW;
	return WN_OK;
}

wn_err
node_signal_link_args(struct node_ctl_call *c, const char *closed_why,
    uint64_t *id, const char **from, struct node_case *kc)
{
	const char *cs = node_ctl_arg(c, "case");
	if (!wn_parse_u64(node_ctl_arg(c, "signal"), INT64_MAX, id) ||
	    *id == 0)
		return node_ctl_fail(c, WN_EINVAL, "a signal is named by its "
		    "number");
	*from = node_ctl_arg(c, "from");
	if (strcmp(*from, c->n->cfg.org_id) == 0)
		*from = ""; /* this node's own */
	if (!node_case_get(c->n, cs, kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s' here", cs);
	if (kc->closed_ms != 0)
		return node_ctl_fail(c, WN_EDENIED, "case %s is closed: %s",
		    kc->id, closed_why);
	return WN_OK;
}

wn_err
node_ctl_signal_attach(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	const char *from;
	uint64_t id;
	bool found = false;
	wn_err rc;
	if ((rc = node_signal_link_args(c, "it takes no new signal", &id,
		 &from, &kc)) != WN_OK)
		return rc;
	if (!kc.here_directs && !kc.here_member)
		return node_ctl_fail(c, WN_EDENIED, "this node is not a member "
		    "of case %s", kc.id);
	if (from[0] && !kc.here_directs)
		return node_ctl_fail(c, WN_EDENIED, "only the case's director "
		    "%s holds the summaries of its members' signals",
		    kc.director);
	rc = from[0]
	    ? exists(n, "SELECT 1 FROM signal_summaries WHERE from_org = ?1 "
		     "AND signal_id = ?2", from, (int64_t)id, &found)
	    : exists(n, "SELECT 1 FROM signals WHERE id = ?2 AND ?1 = ''",
		  from, (int64_t)id, &found);
	if (rc != WN_OK)
		return rc;
	if (!found && from[0])
		return node_ctl_fail(c, WN_ENOTFOUND, "no summary of %s's signal "
		    "%llu here (signal list --received)", from,
		    (unsigned long long)id);
	if (!found)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no signal %llu "
		    "here", (unsigned long long)id);
	/* a link only the director made here ('@director') becomes this
	 * node's own */
	sqlite3_stmt *st = node_work_prep(n, "INSERT OR REPLACE INTO "
					    "case_signals (case_id, from_org, "
					    "signal_id, linked_by, linked_ms) "
					    "SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT "
					    "EXISTS (SELECT 1 FROM case_signals "
					    "WHERE case_id = ?1 AND from_org = ?2 "
					    "AND signal_id = ?3 AND linked_by NOT "
					    "LIKE '@%')");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)id);
	sqlite3_bind_text(st, 4, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(n->store)) == 0)
		return node_ctl_fail(c, WN_EINVAL, "signal %llu%s%s belongs to "
		    "case %s already", (unsigned long long)id,
		    from[0] ? " of " : "", from, kc.id);
	/* its summary goes to the case's members (the director's hub) */
	size_t sent = 0;
	if ((rc = node_case_signal_send(n, kc.id, from[0] ? from
							 : n->cfg.org_id,
		 (int64_t)id, NULL, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "signal %llu of %s attached to "
	    "case %s; its summary queued for %zu partners",
	    (unsigned long long)id, from[0] ? from : n->cfg.org_id, kc.id,
	    sent);
	char msg[200];
	snprintf(msg, sizeof(msg), "signal %llu%s%s now belongs to case %s",
	    (unsigned long long)id, from[0] ? " of " : "", from, kc.id);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}

/* subjects_of: "perpetrator: A, B; reporter: C" for this node's signal id
 * and the signals counted under it */
static wn_err
subjects_of(struct node *n, int64_t id, char *out, size_t cap)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT DISTINCT role, subject FROM "
					    "signal_subjects WHERE signal_id IN "
					    "(SELECT ?1 UNION ALL SELECT id "
					    "FROM signals WHERE duplicate_of = "
					    "?1) ORDER BY role, subject");
	size_t o = 0;
	int last = -1, r;
	out[0] = '\0';
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && o < cap) {
		int role = sqlite3_column_int(st, 0);
		o += (size_t)snprintf(out + o, cap - o, role != last ? "%s%s: %s"
		    : "%s%s, %s", role != last && last >= 0 ? "; " : "",
		    role != last ? node_signal_role_name(role) : "",
		    col(st, 1));
		last = role;
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* CASE_SIGNALS: this node's own signals of case ?1, then the members'
 * summaries it attached (the director), then what other nodes told it of
 * the case's signals (municipality NULL: only that it is there) */
#define CASE_SIGNALS \
	"SELECT '' AS org, s.id AS sid, s.when_ms AS w, s.municipality, " \
	"s.neighbourhood, s.category, 1 + (SELECT count(*) FROM signals d " \
	"WHERE d.duplicate_of = s.id), ifnull(s.duplicate_of, 0) FROM " \
	"case_signals cs JOIN signals s ON s.id = cs.signal_id WHERE " \
	"cs.case_id = ?1 AND cs.from_org = '' UNION ALL SELECT ss.from_org, " \
	"ss.signal_id, ss.when_ms, ss.municipality, ss.neighbourhood, " \
	"ss.category, ss.reports, ss.duplicate_of FROM case_signals cs JOIN " \
	"signal_summaries ss ON ss.from_org = cs.from_org AND ss.signal_id = " \
	"cs.signal_id WHERE cs.case_id = ?1 AND cs.from_org > '' UNION ALL " \
	"SELECT k.origin, k.signal_id, k.when_ms, k.municipality, " \
	"k.neighbourhood, ifnull(k.category, -1), ifnull(k.reports, 0), " \
	"ifnull(k.duplicate_of, 0) FROM case_signal_copies k WHERE " \
	"k.case_id = ?1 AND NOT EXISTS (SELECT 1 FROM case_signals x WHERE " \
	"x.case_id = ?1 AND x.from_org = k.origin AND x.signal_id = " \
	"k.signal_id)"

wn_err
node_ctl_case_signals(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	sqlite3_stmt *st = NULL;
	const char *cs = node_ctl_arg(c, "case");
	char subjects[1024], msg[160];
	wn_err rc = WN_EDB;
	int64_t rows = 0;
	int r;
	if (!node_case_get(n, cs, &kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s' here", cs);
	if ((st = node_work_prep(n, "SELECT count(*) FROM (" CASE_SIGNALS
				  ")")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, CASE_SIGNALS " ORDER BY w DESC, org, sid "
				  "DESC LIMIT ?2")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, CASE_SIGNALS_MAX);
	size_t shown = rows > CASE_SIGNALS_MAX ? CASE_SIGNALS_MAX
					       : (size_t)rows;
	if (rows > CASE_SIGNALS_MAX)
		snprintf(msg, sizeof(msg), "case %s: %lld signals, the newest "
		    "%d shown", kc.id, (long long)rows, CASE_SIGNALS_MAX);
	else
		snprintf(msg, sizeof(msg), "case %s: %lld signal%s", kc.id,
		    (long long)rows, rows == 1 ? "" : "s");
	proto_ctl_reply_begin(c->w, WN_OK, msg, shown);
	for (size_t i = 0; i < shown; i++) {
		if ((r = sqlite3_step(st)) != SQLITE_ROW)
			goto out; /* the reply is short: the call fails */
		bool own = col(st, 0)[0] == '\0';
		if (own && subjects_of(n, sqlite3_column_int64(st, 1), subjects,
			       sizeof(subjects)) != WN_OK)
			goto out;
		bool summary = sqlite3_column_type(st, 3) != SQLITE_NULL;
		proto_ctl_row_begin(c->w, 11);
		proto_ctl_field_text(c->w, "kind", "signal");
		proto_ctl_field_text(c->w, "from", own ? n->cfg.org_id
						       : col(st, 0));
		proto_ctl_field_int(c->w, "signal", sqlite3_column_int64(st, 1));
		proto_ctl_field_int(c->w, "when_ms", sqlite3_column_int64(st, 2));
		proto_ctl_field_text(c->w, "municipality", col(st, 3));
		proto_ctl_field_text(c->w, "neighbourhood", col(st, 4));
		proto_ctl_field_text(c->w, "category", summary
		    ? node_signal_category_name(sqlite3_column_int(st, 5))
		    : "");
		proto_ctl_field_int(c->w, "reports", sqlite3_column_int64(st, 6));
		proto_ctl_field_int(c->w, "duplicate_of",
		    sqlite3_column_int64(st, 7));
		/* this node's own signals only: a summary holds no subject */
		proto_ctl_field_text(c->w, "subjects", own ? subjects : "");
		/* false: the matrix lets this node know only that it is there */
		proto_ctl_field_bool(c->w, "summary", summary);
	}
	snprintf(c->detail, sizeof(c->detail), "viewed the %zu signals of case "
	    "%s", shown, kc.id);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}
