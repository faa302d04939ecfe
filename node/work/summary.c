/*
 * summary.c - a signal's summary for the director (PROTO_MSG_SIGNAL,
 * protocol/work_wire.h).
 *
 * A member queues the summary of each signal it records or imports, in
 * the same transaction, for the federation's director (the charter's
 * federation is the director's org id); after a link it queues the
 * incident's signals again, so the director's copy says which count under
 * which and how many reports each incident has. A summary holds when,
 * municipality, neighbourhood, category, reports and duplicate_of: never a
 * subject, the text, the source, the street or the point (no matrix
 * category lets a signal's subjects travel yet). The director keeps the
 * latest summary of each member's signal (signal_summaries) and lists
 * them with `signal list --received`. A node that holds no charter yet
 * (not enrolled) and the director itself send nothing.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/work_wire.h"

/* director: the peer summaries go to, or NULL (none: this node directs,
 * holds no charter yet, or the director is not in its peer table) */
static wn_err
director(struct node *n, struct node_peer **out)
{
	char fed[PROTO_ORG_ID_MAX + 1];
	struct node_peer *p;
	wn_err rc;
	*out = NULL;
	if (n->is_director)
		return WN_OK;
	rc = node_charter_federation(n, fed, sizeof(fed));
	if (rc == WN_ENOTFOUND)
		return WN_OK;
	if (rc != WN_OK)
		return rc;
	if ((p = node_peer_find(n, fed)) != NULL && !p->gone)
		*out = p;
	return WN_OK;
}

/* allowed: the matrix in force on this node gives role r at least view
 * of signal summaries */
static wn_err
allowed(struct node *n, enum cfg_role r, bool *yes)
{
	enum cfg_level l = CFG_LEVEL_NONE;
	wn_err rc;
	*yes = false;
	if ((rc = node_need_outside_level(n, CFG_OUT_SIGNAL_SUMMARY, r, &l)) !=
	    WN_OK)
		return rc;
	*yes = l >= CFG_LEVEL_VIEW;
	return WN_OK;
}

wn_err
node_signal_summary_gate(struct node *n, struct node_summary_gate *g)
{
	wn_err rc = director(n, &g->to);
	enum cfg_role r;
	bool yes = false;
	if (rc != WN_OK || g->to == NULL)
		return rc;
	if (cfg_role_parse(g->to->role, &r) &&
	    (rc = allowed(n, r, &yes)) != WN_OK)
		return rc;
	if (!yes)
		g->to = NULL;
	return WN_OK;
}

/* send_one queues the summary of signal id for p and marks it sent */
static wn_err
send_one(struct node *n, struct node_peer *p, int64_t id)
{
	struct proto_signal_summary s = {0};
	struct proto_writer w;
	uint8_t buf[1024];
	sqlite3_stmt *st = node_work_prep(n, "SELECT when_ms, municipality, "
				   "neighbourhood, category, ifnull(duplicate_of, "
				   "0), (SELECT 1 + count(*) FROM signals d "
				   "WHERE d.duplicate_of = s.id) FROM signals s "
				   "WHERE id = ?");
	wn_err rc = WN_EDB;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	s.id = (uint64_t)id;
	s.when_ms = sqlite3_column_int64(st, 0);
	wn_strlcpy(s.municipality, (const char *)sqlite3_column_text(st, 1),
	    sizeof(s.municipality));
	wn_strlcpy(s.neighbourhood, (const char *)sqlite3_column_text(st, 2),
	    sizeof(s.neighbourhood));
	s.category = (uint32_t)sqlite3_column_int(st, 3);
	s.duplicate_of = (uint64_t)sqlite3_column_int64(st, 4);
	s.reports = s.duplicate_of ? 0 : (uint32_t)sqlite3_column_int64(st, 5);
	sqlite3_finalize(st);
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_signal_summary_encode(&s, &w)) != WN_OK ||
	    (rc = node_outbox_push(n, p, PROTO_MSG_SIGNAL, w.buf, w.len)) !=
		WN_OK)
		return rc;
	if ((st = node_work_prep(n, "UPDATE signals SET summary_ms = ? WHERE id = "
			  "?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
out:
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_signal_summary_send(struct node *n, const struct node_summary_gate *g,
    const int64_t *ids, size_t count, bool *sent)
{
	wn_err rc;
	*sent = false;
	if (g->to == NULL)
		return WN_OK;
	for (size_t i = 0; i < count; i++)
		if ((rc = send_one(n, g->to, ids[i])) != WN_OK)
			return rc;
	*sent = count > 0;
	return WN_OK;
}

wn_err
node_signal_summaries_owed(struct node *n, size_t *queued)
{
	struct node_summary_gate g;
	sqlite3_stmt *st;
	wn_err rc = node_signal_summary_gate(n, &g);
	int r;
	*queued = 0;
	if (rc != WN_OK || g.to == NULL)
		return rc;
	/* send_one writes the column this reads: read the ids in batches */
	for (int64_t after = 0;;) {
		int64_t ids[256];
		size_t k = 0;
		if ((st = node_work_prep(n, "SELECT id FROM signals WHERE summary_ms IS "
				  "NULL AND id > ? ORDER BY id LIMIT 256")) ==
		    NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, after);
		while ((r = sqlite3_step(st)) == SQLITE_ROW)
			ids[k++] = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		if (k == 0)
			return WN_OK;
		for (size_t i = 0; i < k; i++)
			if ((rc = send_one(n, g.to, ids[i])) != WN_OK)
				return rc;
		*queued += k;
		after = ids[k - 1];
	}
}

/* on_matrix: a new matrix may let out what an older one did not, or
 * arrive with the node's first charter: queue the summaries owed */
static wn_err
on_matrix(struct node *n)
{
	size_t queued;
	wn_err rc = node_signal_summaries_owed(n, &queued);
	if (rc == WN_OK && queued > 0)
		wn_log(WN_LOG_INFO, "signals: %zu summaries owed queued for "
		    "the director", queued);
	return rc;
}

void
node_work_summary_register(void)
{
	node_need_on_matrix(on_matrix);
}

wn_err
node_work_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_signal_summary s;
	struct proto_error perr = {0};
	sqlite3_stmt *st;
	(void)h;
	if (!n->is_director) {
		snprintf(why, whylen, "only the director keeps signal "
		    "summaries");
		return WN_EDENIED;
	}
	if (proto_signal_summary_decode(body, len, &s, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed signal summary at byte %zu: "
		    "%s", perr.offset, perr.msg);
		return WN_EPROTO;
	}
	bool yes;
	wn_err rc = allowed(n, n->cfg.role, &yes);
	if (rc != WN_OK)
		return rc;
	if (!yes) {
		snprintf(why, whylen, "the matrix in force here gives the "
		    "director's role no view of signal summaries");
		return WN_EDENIED;
	}
	if ((st = node_work_prep(n, "INSERT OR REPLACE INTO signal_summaries (from_org, "
			  "signal_id, when_ms, municipality, neighbourhood, "
			  "category, reports, duplicate_of, received_ms) VALUES "
			  "(?,?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)s.id);
	sqlite3_bind_int64(st, 3, s.when_ms);
	sqlite3_bind_text(st, 4, s.municipality, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, s.neighbourhood, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, (int)s.category);
	sqlite3_bind_int64(st, 7, s.reports);
	sqlite3_bind_int64(st, 8, (int64_t)s.duplicate_of);
	sqlite3_bind_int64(st, 9, wn_now_ms());
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* the copies the members of its cases hold are kept true */
	int64_t id = (int64_t)s.id;
	size_t sent;
	wn_err rc2 = node_case_signals_changed(n, from->org_id, &id, 1, &sent);
	/* and a phenomenon rule may be reached (phenomenon.c) */
	return rc2 != WN_OK ? rc2 : node_pheno_check(n, from->org_id, id);
}

/* node_signal_list_received answers signal.list --received (director):
 * the summaries received, newest first, by area, category and time */
wn_err
node_signal_list_received(struct node_ctl_call *c, const char *muni,
    const char *nb, int category, const char *since, int64_t since_ms,
    uint64_t limit)
{
	char sql[768];
	size_t o, count = 0;
	sqlite3_stmt *st;
	int r;
	if (!c->n->is_director)
		return node_ctl_fail(c, WN_EINVAL, "--received: only the "
		    "director receives the summaries of its members' signals");
	o = (size_t)snprintf(sql, sizeof(sql), "SELECT from_org, signal_id, "
	    "when_ms, municipality, neighbourhood, category, reports, "
	    "duplicate_of, received_ms FROM signal_summaries WHERE 1");
	if (muni != NULL)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND municipality = :m%s", nb ? " AND neighbourhood = :n"
						  : "");
	if (category >= 0)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND category = :c");
	if (since != NULL)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND when_ms >= :s");
	snprintf(sql + o, sizeof(sql) - o, " ORDER BY when_ms DESC, id DESC "
	    "LIMIT :l");
	/* twice: the reply says its number of rows first */
	for (int pass = 0; pass < 2; pass++) {
		if ((st = node_work_prep(c->n, sql)) == NULL)
			return WN_EDB;
#define BIND(name, call)                                                       \
	do {                                                                   \
		int ix_ = sqlite3_bind_parameter_index(st, name);              \
		if (ix_ > 0)                                                   \
			call;                                                  \
	} while (0)
		BIND(":m", sqlite3_bind_text(st, ix_, muni, -1, SQLITE_STATIC));
		BIND(":n", sqlite3_bind_text(st, ix_, nb, -1, SQLITE_STATIC));
		BIND(":c", sqlite3_bind_int(st, ix_, category));
		BIND(":s", sqlite3_bind_int64(st, ix_, since_ms));
		BIND(":l", sqlite3_bind_int64(st, ix_, (int64_t)limit));
#undef BIND
		if (pass == 0) {
			while ((r = sqlite3_step(st)) == SQLITE_ROW)
				count++;
			sqlite3_finalize(st);
			if (r != SQLITE_DONE)
				return WN_EDB;
			char msg[128];
			snprintf(msg, sizeof(msg), "%zu signals of the members, "
			    "newest first%s", count, count == limit
			    ? " (more with a higher --limit)" : "");
			proto_ctl_reply_begin(c->w, WN_OK, msg, count);
			continue;
		}
		for (size_t i = 0; i < count && sqlite3_step(st) == SQLITE_ROW;
		     i++) {
			proto_ctl_row_begin(c->w, 9);
			proto_ctl_field_text(c->w, "from",
			    (const char *)sqlite3_column_text(st, 0));
			proto_ctl_field_int(c->w, "signal_id",
			    sqlite3_column_int64(st, 1));
			proto_ctl_field_int(c->w, "when_ms",
			    sqlite3_column_int64(st, 2));
			proto_ctl_field_text(c->w, "municipality",
			    (const char *)sqlite3_column_text(st, 3));
			proto_ctl_field_text(c->w, "neighbourhood",
			    (const char *)sqlite3_column_text(st, 4));
			proto_ctl_field_text(c->w, "category",
			    node_signal_category_name(sqlite3_column_int(st, 5)));
			proto_ctl_field_int(c->w, "reports",
			    sqlite3_column_int64(st, 6));
			proto_ctl_field_int(c->w, "duplicate_of",
			    sqlite3_column_int64(st, 7));
			proto_ctl_field_int(c->w, "received_ms",
			    sqlite3_column_int64(st, 8));
		}
		sqlite3_finalize(st);
	}
	snprintf(c->detail, sizeof(c->detail), "viewed %zu signal summaries",
	    count);
	return WN_OK;
}
