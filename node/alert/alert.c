/*
 * alert.c - SITRAP alerts: kept per node, listed, marked read, and handed
 * to the followers that wait for the next ones (issue 13).
 *
 * An alert is stored by the case event sink (core's node_event_raise) in
 * the transaction of the event it tells of: an action's state applied at
 * the director, an action given, the late check, a share asked or
 * answered. So an alert exists exactly when its event was committed, and
 * rolls back with it. Who read it is kept per local user (alert_reads):
 * one user's reading leaves it unread for the others. It holds when,
 * the kind in plain words, the case, the partner, the number of what it
 * names (an action, a meeting, a concern; 0 none) and in which capacity
 * this node hears of it (director, owner of the action, chair of the
 * body that met, or holder of the concern matched: no case then): never
 * a subject, a token, a field or a text, so that an alert may be
 * shown, and later mailed, without personal data. Its id never comes
 * back (AUTOINCREMENT): a mail queue may name it.
 *
 * A follower (wijknet alerts --follow) asks on the alert socket for the
 * alerts after the last id it has (daemon/alert_sock.c, a long poll): when
 * there are some it is answered at once; otherwise its call is kept here,
 * at most NODE_ALERT_WAITERS of them, and node_alert_tick (the daemon's
 * main loop, about twice a second) answers it once there are, or with none
 * after NODE_ALERT_WAIT_MS. Nothing is pushed: a slow follower holds only
 * its own call (at most NODE_ALERT_WAITS_PER_USER per user), one whose
 * connection closed none from the next tick on, and since every answer is
 * read from the store by id, none is lost between a list and a follow, or
 * between two waits.
 */
#include "node/alert/alert.h"
#include "node/alert/mail.h"

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

static const char *const kinds[] = {
    "action.assigned", "action.done", "action.late", "action.cancelled",
    "share.requested", "share.answered", "dossier.changed",
    "decision.made", "consent.withdrawn", "match.found",
    "phenomenon.proposed",
};

bool
node_alert_kind_ok(const char *kind)
{
	for (size_t i = 0; kind != NULL && i < WN_ARRAY_LEN(kinds); i++)
		if (strcmp(kinds[i], kind) == 0)
			return true;
	return false;
}

/* A follower's kept call. */
struct waiter {
	struct node_server_worker *wk;
	nng_pipe pipe; /* its connection */
	int64_t since;
	int64_t until_ms; /* CLOCK_MONOTONIC */
	char user[64];
};

struct node_alert {
	struct waiter w[NODE_ALERT_WAITERS];
	size_t n;
	int64_t wait_ms; /* NODE_ALERT_WAIT_MS, or a test's longer one */
};

static sqlite3_stmt *
prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "alerts: %s", node_store_errmsg(n->store));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* ---- the sink: an event becomes an alert ------------------------------ */

static wn_err
record(struct node *n, const struct node_event *ev)
{
	sqlite3_stmt *st;
	int r;
	/* a kind or capacity outside the set is a defect of the caller; a
	 * concern's match alone names no case (migration 27) */
	WN_ASSERT(node_alert_kind_ok(ev->kind) && ev->role != NULL &&
	    (strcmp(ev->role, "director") == 0 ||
		strcmp(ev->role, "owner") == 0 ||
		strcmp(ev->role, "chair") == 0 ||
		strcmp(ev->role, "concern") == 0) &&
	    ev->case_id != NULL &&
	    (ev->case_id[0] != '\0') == (strcmp(ev->role, "concern") != 0));
	if (ev->once_ms > 0) {
		/* one alike kept already (within once_ms): this is the same
		 * event again, in another message */
		int64_t now = wn_now_ms();
		if ((st = prep(n, "SELECT 1 FROM alerts WHERE case_id = ?1 AND "
				  "kind = ?2 AND partner = ?3 AND ref = ?4 AND "
				  "role = ?5 AND time_ms >= ?6 LIMIT 1")) ==
		    NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, ev->case_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ev->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, ev->partner ? ev->partner : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, ev->ref);
		sqlite3_bind_text(st, 5, ev->role, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, ev->once_ms == NODE_EVENT_ONCE ||
			now < INT64_MIN + ev->once_ms ? INT64_MIN
						      : now - ev->once_ms);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r == SQLITE_ROW)
			return WN_OK;
		if (r != SQLITE_DONE)
			return WN_EDB;
	}
	if ((st = prep(n, "INSERT INTO alerts (time_ms, kind, case_id, "
			  "partner, ref, role) VALUES (?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	sqlite3_bind_text(st, 2, ev->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ev->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ev->partner ? ev->partner : "", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ev->ref);
	sqlite3_bind_text(st, 6, ev->role, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	/* its mail, when the config names addresses for the role, queued
	 * in the same transaction (mail.c) */
	return node_mail_queue(n, sqlite3_last_insert_rowid(
				      node_store_db(n->store)), ev->role);
}

/* forget: this node left case_id (core's node_event_forget): its alerts
 * of the case, and who read them, go with what it held of it */
static wn_err
forget(struct node *n, const char *case_id)
{
	sqlite3_stmt *st;
	int r = SQLITE_DONE;
	static const char *const sql[] = {
	    "DELETE FROM alert_reads WHERE alert_id IN (SELECT id FROM alerts "
	    "WHERE case_id = ?1)",
	    "DELETE FROM alerts WHERE case_id = ?1",
	};
	if (case_id == NULL || case_id[0] == '\0')
		return WN_OK; /* a concern's match is no case's */
	for (size_t i = 0; i < WN_ARRAY_LEN(sql) && r == SQLITE_DONE; i++) {
		if ((st = prep(n, sql[i])) == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
	}
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* ---- rows ------------------------------------------------------------- */

/* when user ?1 read the alert of the row (NULL: unread for it) */
#define READ_MS                                                                \
	"(SELECT read_ms FROM alert_reads WHERE user = ?1 AND alert_id = "     \
	"alerts.id)"
#define COLS                                                                   \
	"id, time_ms, kind, case_id, partner, ref, role, "                     \
	"ifnull(" READ_MS ", 0)"
/* unread for user ?1: no row in alert_reads (its primary key) */
#define UNREAD                                                                 \
	"NOT EXISTS (SELECT 1 FROM alert_reads WHERE user = ?1 AND "           \
	"alert_id = alerts.id)"
/* how many a list counts at most; beyond, it says "more than" */
#define COUNT_MAX 1000

/* write_rows writes the rows of st (COLS) into w, nrows of them; read_ms
 * is the calling user's own */
static wn_err
write_rows(sqlite3_stmt *st, struct proto_writer *w, int64_t nrows)
{
	int r = SQLITE_DONE;
	for (int64_t i = 0; i < nrows && (r = sqlite3_step(st)) == SQLITE_ROW;
	     i++) {
		bool read = sqlite3_column_int64(st, 7) != 0;
		proto_ctl_row_begin(w, 7 + (read ? 1 : 0));
		proto_ctl_field_int(w, "id", sqlite3_column_int64(st, 0));
		proto_ctl_field_int(w, "time_ms", sqlite3_column_int64(st, 1));
		proto_ctl_field_text(w, "kind", col(st, 2));
		proto_ctl_field_text(w, "case_id", col(st, 3));
		proto_ctl_field_text(w, "partner", col(st, 4));
		proto_ctl_field_int(w, "ref", sqlite3_column_int64(st, 5));
		proto_ctl_field_text(w, "role", col(st, 6));
		if (read)
			proto_ctl_field_int(w, "read_ms",
			    sqlite3_column_int64(st, 7));
	}
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* after writes the reply of the alerts after since (ascending, at most
 * NODE_ALERT_BATCH; read by user or not: a follower sees each new one)
 * into w; *count: how many */
static wn_err
after(struct node *n, const char *user, int64_t since,
    struct proto_writer *w, int64_t *count)
{
	sqlite3_stmt *st;
	int64_t k = 0;
	wn_err rc = WN_EDB;
	char msg[64];
	if ((st = prep(n, "SELECT count(*) FROM (SELECT 1 FROM alerts WHERE "
			  "id > ?2 LIMIT ?3)")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, NODE_ALERT_BATCH);
	if (sqlite3_step(st) == SQLITE_ROW)
		k = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = prep(n, "SELECT " COLS " FROM alerts WHERE id > ?2 "
			  "ORDER BY id LIMIT ?3")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since);
	sqlite3_bind_int(st, 3, NODE_ALERT_BATCH);
	snprintf(msg, sizeof(msg), "%lld new alerts", (long long)k);
	proto_ctl_reply_begin(w, WN_OK, msg, (size_t)k);
	rc = write_rows(st, w, k);
	sqlite3_finalize(st);
	if (rc == WN_OK)
		*count = k;
	return rc;
}

/* ---- alert.list and alert.read ---------------------------------------- */

bool
node_alert_list_sql(char *sql, size_t cap, bool count, bool all,
    bool by_case, bool since)
{
	char where[200];
	int k;
	snprintf(where, sizeof(where), "%s%s%s", all ? "1" : UNREAD,
	    by_case ? " AND case_id = ?2" : "", since ? " AND id > ?3" : "");
	/* the count stops at COUNT_MAX + 1 rows; newest first, or after an
	 * id in order from it (what a follower catches up on) */
	if (count)
		k = snprintf(sql, cap, "SELECT count(*) FROM (SELECT 1 FROM "
		    "alerts WHERE %s LIMIT %d)", where, COUNT_MAX + 1);
	else
		k = snprintf(sql, cap, "SELECT " COLS " FROM alerts WHERE %s "
		    "ORDER BY id %s LIMIT ?4", where, since ? "" : "DESC");
	return k > 0 && (size_t)k < cap;
}

/* list_stmt prepares the count (count) or the page of alert.list for
 * call c, with its user, case and first id bound; NULL on failure */
static sqlite3_stmt *
list_stmt(struct node_ctl_call *c, bool count, bool all, const char *cid,
    bool since, uint64_t from)
{
	char sql[600];
	sqlite3_stmt *st;
	if (!node_alert_list_sql(sql, sizeof(sql), count, all, cid[0], since) ||
	    (st = prep(c->n, sql)) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)from);
	return st;
}

wn_err
node_ctl_alert_list(struct node_ctl_call *c)
{
	const char *cid = node_ctl_arg(c, "case"), *lim = node_ctl_arg(c,
								   "limit");
	const char *since = node_ctl_arg(c, "since");
	bool all = node_ctl_arg(c, "all")[0] != '\0';
	uint64_t limit = 50, from = 0;
	char msg[200], many[40];
	int64_t total = -1, shown;
	sqlite3_stmt *st;
	wn_err rc;
	if (lim[0] && !wn_parse_u64(lim, 1000, &limit))
		return node_ctl_fail(c, WN_EINVAL, "--limit wants a number "
		    "from 0 to 1000");
	if (since[0] && !wn_parse_u64(since, INT64_MAX, &from))
		return node_ctl_fail(c, WN_EINVAL, "--since wants an alert's "
		    "number");
	if ((st = list_stmt(c, true, all, cid, since[0], from)) == NULL)
		return WN_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (total < 0)
		return WN_EDB;
	shown = total < (int64_t)limit ? total : (int64_t)limit;
	if ((st = list_stmt(c, false, all, cid, since[0], from)) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 4, shown);
	if (total > COUNT_MAX)
		snprintf(many, sizeof(many), "more than %d", COUNT_MAX);
	else
		snprintf(many, sizeof(many), "%lld", (long long)total);
	if (shown < total)
		snprintf(msg, sizeof(msg), "%s %salerts%s%s, the %s %lld "
		    "shown", many, all ? "" : "unread ",
		    cid[0] ? " of case " : "", cid, since[0] ? "first"
		    : "newest", (long long)shown);
	else
		snprintf(msg, sizeof(msg), "%s %salert%s%s%s", many,
		    all ? "" : "unread ", total == 1 ? "" : "s",
		    cid[0] ? " of case " : "", cid);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)shown);
	rc = write_rows(st, c->w, shown);
	sqlite3_finalize(st);
	if (rc != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "listed %lld %salerts%s%s",
	    (long long)shown, all ? "" : "unread ", cid[0] ? " of case " : "",
	    cid);
	return WN_OK;
}

/* scalar: the one integer st (bound) answers, or -1 */
static int64_t
scalar(sqlite3_stmt *st)
{
	int64_t v = -1;
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* mark marks alert id read by user (id 0: every one up to upto not read
 * by it yet); *marked adds how many it marked; WN_ENOTFOUND when there is
 * no alert id */
static wn_err
mark(struct node *n, const char *user, int64_t id, int64_t upto,
    int64_t *marked)
{
	sqlite3_stmt *st;
	int r;
	if (id != 0) {
		if ((st = prep(n, "SELECT 1 FROM alerts WHERE id = ?2")) ==
		    NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 2, id);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r == SQLITE_DONE)
			return WN_ENOTFOUND;
		if (r != SQLITE_ROW)
			return WN_EDB;
	}
	/* a row per alert this user read: another user's stay unread */
	if ((st = prep(n, id != 0 ? "INSERT OR IGNORE INTO alert_reads (user, "
				    "alert_id, read_ms) VALUES (?1, ?2, ?3)"
				  : "INSERT OR IGNORE INTO alert_reads (user, "
				    "alert_id, read_ms) SELECT ?1, id, ?3 FROM "
				    "alerts WHERE id <= ?4 AND " UNREAD)) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, wn_now_ms());
	sqlite3_bind_int64(st, 4, upto);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	*marked += sqlite3_changes(node_store_db(n->store));
	return WN_OK;
}

/* read_all: alert.read --all [upto]: every alert up to upto (without it,
 * the newest now) that user has not read */
static wn_err
read_all(struct node_ctl_call *c, const char *upto_s)
{
	struct node *n = c->n;
	uint64_t upto = 0;
	int64_t marked = 0, newer;
	sqlite3_stmt *st;
	char msg[200], tail[48] = "";
	wn_err rc;
	if (upto_s[0] && (!wn_parse_u64(upto_s, INT64_MAX, &upto) ||
			     upto == 0))
		return node_ctl_fail(c, WN_EINVAL, "--upto wants an alert's "
		    "number; nothing was marked");
	if (!upto_s[0]) {
		/* the newest now: what arrives after the request stays
		 * unread */
		int64_t newest = scalar(prep(n, "SELECT ifnull(max(id), 0) "
						"FROM alerts"));
		if (newest < 0)
			return WN_EDB;
		upto = (uint64_t)newest;
	}
	if ((rc = mark(n, c->user->name, 0, (int64_t)upto, &marked)) != WN_OK)
		return rc;
	if ((st = prep(n, "SELECT count(*) FROM (SELECT 1 FROM alerts WHERE "
			  "id > ?2 AND " UNREAD " LIMIT ?3)")) != NULL) {
		sqlite3_bind_text(st, 1, c->user->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)upto);
		sqlite3_bind_int(st, 3, COUNT_MAX + 1);
	}
	if ((newer = scalar(st)) < 0)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "%lld alerts marked read (all "
	    "up to %llu)", (long long)marked, (unsigned long long)upto);
	if (newer > COUNT_MAX)
		snprintf(tail, sizeof(tail), "; more than %d newer unread",
		    COUNT_MAX);
	else if (newer > 0)
		snprintf(tail, sizeof(tail), "; %lld newer unread",
		    (long long)newer);
	snprintf(msg, sizeof(msg), "%lld marked read, up to alert %llu%s",
	    (long long)marked, (unsigned long long)upto, tail);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "marked", marked);
	proto_ctl_field_int(c->w, "upto", (int64_t)upto);
	proto_ctl_field_int(c->w, "newer_unread", newer);
	return WN_OK;
}

wn_err
node_ctl_alert_read(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *ids = node_ctl_arg(c, "ids");
	const char *upto = node_ctl_arg(c, "upto");
	bool all = node_ctl_arg(c, "all")[0] != '\0';
	int64_t marked = 0, named = 0;
	char msg[160];
	wn_err rc;
	if (all == (ids[0] != '\0'))
		return node_ctl_fail(c, WN_EINVAL, "name the alerts by their "
		    "numbers, or say --all");
	if (all)
		return read_all(c, upto);
	if (upto[0])
		return node_ctl_fail(c, WN_EINVAL, "--upto goes with --all");
	/* ids: numbers separated by commas */
	for (const char *p = ids; *p;) {
		char one[24];
		size_t len = strcspn(p, ",");
		uint64_t v;
		if (len == 0 || len >= sizeof(one))
			return node_ctl_fail(c, WN_EINVAL, "alerts are named "
			    "by their numbers; nothing was marked");
		memcpy(one, p, len);
		one[len] = '\0';
		if (!wn_parse_u64(one, INT64_MAX, &v) || v == 0)
			return node_ctl_fail(c, WN_EINVAL, "'%s' is not an "
			    "alert's number; nothing was marked", one);
		rc = mark(n, c->user->name, (int64_t)v, 0, &marked);
		if (rc == WN_ENOTFOUND)
			return node_ctl_fail(c, rc, "there is no alert %llu "
			    "here; nothing was marked", (unsigned long long)v);
		if (rc != WN_OK)
			return rc;
		named++;
		p += len;
		if (*p == ',')
			p++;
	}
	snprintf(c->detail, sizeof(c->detail), "%lld alerts marked read",
	    (long long)marked);
	if (marked < named)
		snprintf(msg, sizeof(msg), "%lld marked read, %lld read "
		    "already", (long long)marked, (long long)(named - marked));
	else
		snprintf(msg, sizeof(msg), "%lld marked read",
		    (long long)marked);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 1);
	proto_ctl_field_int(c->w, "marked", marked);
	return WN_OK;
}

/* ---- followers -------------------------------------------------------- */

bool
node_alert_wait(struct node *n, const struct cfg_user *user, int64_t since,
    struct node_server_worker *wk, struct proto_writer *w)
{
	struct node_alert *a = n->alert;
	int64_t count = 0;
	if (after(n, user->name, since, w, &count) != WN_OK) {
		proto_writer_reset(w);
		proto_ctl_reply_begin(w, WN_EDB, "the store cannot be read "
		    "now; ask again", 0);
		return false;
	}
	if (count > 0)
		return false;
	size_t mine = 0;
	for (size_t i = 0; a != NULL && i < a->n; i++)
		mine += strcmp(a->w[i].user, user->name) == 0;
	if (a == NULL || a->n == NODE_ALERT_WAITERS) {
		proto_writer_reset(w);
		proto_ctl_reply_begin(w, WN_EBUSY, "too many followers wait "
		    "for alerts on this node; ask again a little later", 0);
		return false;
	}
	/* one user does not take every kept call from the others */
	if (mine >= NODE_ALERT_WAITS_PER_USER) {
		char m[160];
		proto_writer_reset(w);
		snprintf(m, sizeof(m), "%s has %d followers waiting for alerts "
		    "on this node already; ask again a little later",
		    user->name, NODE_ALERT_WAITS_PER_USER);
		proto_ctl_reply_begin(w, WN_EBUSY, m, 0);
		return false;
	}
	a->w[a->n].wk = wk;
	a->w[a->n].pipe = nng_msg_get_pipe(wk->held);
	a->w[a->n].since = since;
	a->w[a->n].until_ms = wn_mono_ms() + a->wait_ms;
	wn_strlcpy(a->w[a->n].user, user->name, sizeof(a->w[a->n].user));
	a->n++;
	return true;
}

/* gone: the connection p was closed (nng no longer knows the pipe) */
static bool
gone(nng_pipe p)
{
	nng_sockaddr sa;
	return nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) == NNG_ENOENT;
}

void
node_alert_tick(struct node *n)
{
	struct node_alert *a = n->alert;
	if (a == NULL)
		return;
	pthread_mutex_lock(&n->mtx);
	int64_t now = wn_mono_ms();
	for (size_t i = 0; i < a->n;) {
		struct waiter *wt = &a->w[i];
		struct proto_writer w = {0};
		int64_t count = 0;
		bool answer;
		if (gone(wt->pipe)) {
			/* its follower closed the connection (ended, or
			 * interrupted): its kept call and worker are free
			 * now, not when its wait would end */
			node_server_answer(wt->wk, NULL, 0);
			a->w[i] = a->w[--a->n];
			continue;
		}
		if (proto_writer_init_dynamic(&w, 4096, 1u << 20) != WN_OK) {
			i++;
			continue;
		}
		if (after(n, wt->user, wt->since, &w, &count) != WN_OK) {
			/* the store will answer at the next tick */
			proto_writer_release(&w);
			i++;
			continue;
		}
		answer = count > 0 || now >= wt->until_ms;
		if (answer)
			node_server_answer(wt->wk, proto_writer_status(&w) ==
				    WN_OK ? w.buf : NULL,
			    proto_writer_status(&w) == WN_OK ? w.len : 0);
		proto_writer_release(&w);
		if (!answer) {
			i++;
			continue;
		}
		a->w[i] = a->w[--a->n];
	}
	pthread_mutex_unlock(&n->mtx);
}

size_t
node_alert_waiting(const struct node *n)
{
	return n->alert != NULL ? n->alert->n : 0;
}

/* ---- a restored store ------------------------------------------------ */

/* NODE_ALERT_ID_GAP in words, for the SQL */
#define ID_GAP "1000000"
_Static_assert(NODE_ALERT_ID_GAP == 1000000, "ID_GAP is its text");

wn_err
node_alert_ids_skip(struct node_store *s)
{
	/* sqlite_sequence holds the newest id handed out (AUTOINCREMENT) */
	return node_store_exec(s, "UPDATE sqlite_sequence SET seq = seq + "
				  ID_GAP " WHERE name = 'alerts';"
				  "INSERT INTO sqlite_sequence (name, seq) "
				  "SELECT 'alerts', " ID_GAP " WHERE NOT "
				  "EXISTS (SELECT 1 FROM sqlite_sequence WHERE "
				  "name = 'alerts');");
}

/* ---- the room --------------------------------------------------------- */

static const struct node_ctl_cmd alert_cmds[] = {
	{"alert.list", NODE_ALERT_ROLE, node_ctl_alert_list,
	    "the alerts of this node's cases and actions", false, NULL},
	{"alert.read", NODE_ALERT_ROLE, node_ctl_alert_read,
	    "mark alerts read", false, NULL},
};

void
node_alert_room_register(void)
{
	node_ctl_register(alert_cmds, WN_ARRAY_LEN(alert_cmds));
	node_event_sink(record);
	node_event_forgetter(forget);
}

wn_err
node_alert_start(struct node *n)
{
	if (n->alert == NULL && (n->alert = calloc(1, sizeof(*n->alert))) ==
	    NULL)
		return WN_ENOMEM;
	n->alert->wait_ms = node_test_ms("WIJKNET_TEST_ALERT_WAIT_MS",
	    NODE_ALERT_WAIT_MS);
	return WN_OK;
}

void
node_alert_stop(struct node *n)
{
	struct node_alert *a;
	/* taken off under the lock: a status request (node_alert_waiting,
	 * under n->mtx) sees it or NULL, never freed memory; the calls kept
	 * are the alert socket's: node_server_stop frees them */
	pthread_mutex_lock(&n->mtx);
	a = n->alert;
	n->alert = NULL;
	pthread_mutex_unlock(&n->mtx);
	free(a);
}
