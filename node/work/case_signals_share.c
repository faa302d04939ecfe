/*
 * case_signals_share.c - the signals of a case reach its members
 * (CASE_SIGNAL, protocol/casesig_wire.h).
 *
 * The case's director is the hub, as it is for a case's steps, plan and
 * consultations. A member that attaches one of its own signals to a case
 * (`signal link SIGNAL --case CASE`) tells the director; the director
 * tells every other current member each signal of the case it holds: its
 * own attached signals, the members' summaries it attached (--from), and
 * what members told it of theirs. Each goes as far as the matrix in force
 * gives the recipient's role the category `signals` in the case's type:
 * at view the summary (when, municipality, neighbourhood, category,
 * reports, what a duplicate counts under), at existence only that it is
 * there and when, at none nothing; never a subject, the text, the source,
 * the street or the point. The receiver checks the matrix again and keeps
 * its copy in case_signal_copies (migration 15) under the case, the
 * signal's origin and number. The origin itself is told only that its
 * signal belongs to the case (the director attached its summary), and
 * lists it as its own (case_signals, linked by "@" and the director).
 *
 * Copies are kept true: a signal taken off the case (`signal unlink`) is
 * withdrawn at every member it went to; one whose summary changes (a
 * corrected import, a duplicate linked to it or under it, a member's new
 * summary at the director) goes again. A closed case sends and takes none
 * of it but withdrawals; reopened, every signal of it goes again (after the step that
 * reopens it: a member takes none for a case it holds closed). A member invited later is sent the case's signals after its CASE;
 * a member removed forgets them (audited case_signal.forgotten), and
 * the director withdraws what it told of its own. A CASE_SIGNAL under
 * an older matrix version than the receiver holds waits (WN_EBUSY); a new
 * matrix cuts the copies down to what it allows (case_signal.cut) and
 * sends every open case's signals again. The director keeps at most
 * CASE_SIGNAL_COPIES_MAX of one member's signals per case.
 */
#include "node/work/work.h"

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "protocol/casesig_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* load fills s with signal number of origin in case_id as this node holds
 * it, *level how much of it (view: the summary, existence: only when);
 * *attached false (s withdrawn) when it does not belong to the case
 * here. This node's own from its signals; at the director a member's from
 * the summary it attached, else from what the member told it. */
static wn_err
load(struct node *n, const struct node_case *kc, const char *origin,
    int64_t number, struct proto_case_signal *s, int *level, bool *attached)
{
	bool own = strcmp(origin, n->cfg.org_id) == 0;
	sqlite3_stmt *st;
	int r;
	memset(s, 0, sizeof(*s));
	wn_strlcpy(s->case_id, kc->id, sizeof(s->case_id));
	wn_strlcpy(s->origin, origin, sizeof(s->origin));
	s->number = (uint64_t)number;
	s->withdrawn = true;
	*attached = false;
	*level = CFG_LEVEL_NONE;
	if (own)
		st = node_work_prep(n, "SELECT s.when_ms, s.municipality, "
		    "s.neighbourhood, s.category, ifnull(s.duplicate_of, 0), "
		    "(SELECT 1 + count(*) FROM signals d WHERE d.duplicate_of "
		    "= s.id), 1 FROM case_signals cs JOIN signals s ON s.id = "
		    "cs.signal_id WHERE cs.case_id = ?1 AND cs.from_org = '' "
		    "AND cs.signal_id = ?3 AND ?2 = ?2");
	else if (kc->here_directs)
		st = node_work_prep(n, "SELECT ss.when_ms, ss.municipality, "
		    "ss.neighbourhood, ss.category, ss.duplicate_of, "
		    "ss.reports, 1 FROM case_signals cs JOIN signal_summaries "
		    "ss ON ss.from_org = cs.from_org AND ss.signal_id = "
		    "cs.signal_id WHERE cs.case_id = ?1 AND cs.from_org = ?2 "
		    "AND cs.signal_id = ?3 UNION ALL SELECT when_ms, "
		    "municipality, neighbourhood, category, "
		    "ifnull(duplicate_of, 0), reports, municipality IS NOT "
		    "NULL FROM case_signal_copies WHERE case_id = ?1 AND "
		    "origin = ?2 AND signal_id = ?3");
	else
		return WN_OK; /* a member tells only of its own */
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*attached = true;
		s->withdrawn = false;
		s->when_ms = sqlite3_column_int64(st, 0);
		if (sqlite3_column_int(st, 6)) {
			*level = CFG_LEVEL_VIEW;
			s->has_summary = true;
			wn_strlcpy(s->municipality, col(st, 1),
			    sizeof(s->municipality));
			wn_strlcpy(s->neighbourhood, col(st, 2),
			    sizeof(s->neighbourhood));
			s->category = (uint32_t)sqlite3_column_int(st, 3);
			s->duplicate_of = (uint64_t)sqlite3_column_int64(st, 4);
			s->reports = s->duplicate_of
			    ? 0
			    : (uint32_t)sqlite3_column_int64(st, 5);
		} else
			*level = CFG_LEVEL_EXISTENCE;
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* push_one encodes s as far as level lets the recipient see it and queues
 * it for org (not this node, an enrolled peer) */
static wn_err
push_one(struct node *n, const char *org, const struct proto_case_signal *s,
    int level, size_t *sent)
{
	struct proto_case_signal out = *s;
	struct proto_writer w;
	struct node_peer *p;
	uint8_t buf[1024];
	wn_err rc;
	if (strcmp(org, n->cfg.org_id) == 0 ||
	    (p = node_peer_find(n, org)) == NULL || p->gone)
		return WN_OK;
	if (!out.withdrawn && level < CFG_LEVEL_VIEW) {
		/* existence: that it is there, and when */
		int64_t when = out.when_ms;
		memset(&out, 0, sizeof(out));
		wn_strlcpy(out.case_id, s->case_id, sizeof(out.case_id));
		wn_strlcpy(out.origin, s->origin, sizeof(out.origin));
		out.number = s->number;
		out.when_ms = when;
	}
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_case_signal_encode(&out, &w)) != WN_OK ||
	    (rc = node_outbox_push(n, p, PROTO_MSG_CASE_SIGNAL, w.buf,
		 w.len)) != WN_OK)
		return rc;
	(*sent)++;
	return WN_OK;
}

/* shown: the three ways a copy can differ by level: nothing, that the
 * signal exists and when, its summary (edit shows what view does) */
static int
shown(int level)
{
	return level >= CFG_LEVEL_VIEW ? CFG_LEVEL_VIEW : level;
}

/* a case as sending its signals needs it, read once for all of them: the
 * director's readers (the matrix verified once), or a member's director
 * and what its role may see; to[] and to_director say who is sent to
 * (all, unless a new matrix changed nothing for some) */
struct cs_case {
	struct node_case kc;
	bool tell; /* this node directs the case or is a member of it */
	struct node_need_reader rd[64];
	bool to[64];
	size_t nrd;
	int dir_role, dir_level;
	bool to_director;
};

static wn_err
case_read(struct node *n, const char *case_id, struct cs_case *cc)
{
	memset(cc, 0, sizeof(*cc));
	if (!node_case_get(n, case_id, &cc->kc) ||
	    (!cc->kc.here_directs && !cc->kc.here_member))
		return WN_OK;
	cc->tell = true;
	if (cc->kc.here_directs) {
		wn_err rc = node_need_readers(n, cc->kc.id, CFG_CAT_SIGNALS,
		    cc->rd, WN_ARRAY_LEN(cc->rd), &cc->nrd);
		for (size_t i = 0; i < cc->nrd; i++)
			cc->to[i] = true;
		return rc;
	}
	if (node_case_member(n, cc->kc.id, cc->kc.director, &cc->dir_role)) {
		cc->dir_level = node_matrix_level(n, cc->kc.type,
		    CFG_CAT_SIGNALS, cc->dir_role);
		cc->to_director = true;
	}
	return WN_OK;
}

/* send_one sends origin's signal number of the case cc (read by
 * case_read) to those it names, as far as each may see it */
static wn_err
send_one(struct node *n, const struct cs_case *cc, const char *origin,
    int64_t number, const char *only, size_t *sent)
{
	const struct node_case *kc = &cc->kc;
	struct proto_case_signal s;
	bool attached;
	int held;
	wn_err rc;
	if (!cc->tell)
		return WN_OK;
	if ((rc = load(n, kc, origin, number, &s, &held, &attached)) != WN_OK)
		return rc;
	/* a closed case shares nothing, not its signals either; but a
	 * withdrawal, which carries nothing but the number, still goes (a
	 * member removed from a closed case: what it told is withdrawn) */
	if (kc->closed_ms != 0 && !s.withdrawn)
		return WN_OK;
	if (!kc->here_directs) {
		/* a member tells the director of its own signal */
		if (strcmp(origin, n->cfg.org_id) != 0 || !cc->to_director ||
		    cc->dir_level == CFG_LEVEL_NONE)
			return WN_OK;
		return push_one(n, kc->director, &s, cc->dir_level, sent);
	}
	if (!attached && held == CFG_LEVEL_NONE && s.withdrawn)
		held = CFG_LEVEL_VIEW; /* a withdrawal names no more than its number */
	for (size_t i = 0; i < cc->nrd; i++) {
		int level = cc->rd[i].level < held ? cc->rd[i].level : held;
		if (!cc->to[i] ||
		    (only != NULL && strcmp(cc->rd[i].org, only) != 0))
			continue;
		/* the origin holds the signal: it learns only that it
		 * belongs to the case (or no longer does) */
		if (strcmp(cc->rd[i].org, origin) == 0)
			level = CFG_LEVEL_EXISTENCE;
		if (level == CFG_LEVEL_NONE)
			continue;
		if ((rc = push_one(n, cc->rd[i].org, &s, level, sent)) != WN_OK)
			return rc;
	}
	return WN_OK;
}

wn_err
node_case_signal_send(struct node *n, const char *case_id, const char *origin,
    int64_t number, const char *only, size_t *sent)
{
	struct cs_case *cc = malloc(sizeof(*cc));
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (cc != NULL && (rc = case_read(n, case_id, cc)) == WN_OK)
		rc = send_one(n, cc, origin, number, only, sent);
	free(cc);
	return rc;
}

/* ---- which cases a signal belongs to: its copies kept true ---------- */

struct pair {
	char a[PROTO_ORG_ID_MAX + 1];
	int64_t id;
};

/* pairs runs sql (?1 a text, ?2 an integer) and collects its rows (a
 * text, an integer) into a growing array */
static wn_err
pairs(struct node *n, const char *sql, const char *a, int64_t b,
    struct pair **out, size_t *len)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	size_t cap = 0;
	int r;
	*out = NULL;
	*len = 0;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, b);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (*len == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct pair *nv = realloc(*out, nc * sizeof(**out));
			if (nv == NULL) {
				sqlite3_finalize(st);
				return WN_ENOMEM;
			}
			*out = nv;
			cap = nc;
		}
		wn_strlcpy((*out)[*len].a, col(st, 0), sizeof((*out)[0].a));
		(*out)[*len].id = sqlite3_column_int64(st, 1);
		(*len)++;
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_case_signals_changed(struct node *n, const char *from, const int64_t *ids,
    size_t count, size_t *sent)
{
	const char *origin = from[0] ? from : n->cfg.org_id;
	wn_err rc = WN_OK;
	*sent = 0;
	for (size_t i = 0; i < count && rc == WN_OK; i++) {
		struct pair *cases = NULL;
		size_t ncases = 0, k;
		/* not where only the director said it belongs (linked_by
		 * '@director'): this node's operator did not link it, and
		 * telling it would answer whether the number is held */
		if ((rc = pairs(n, "SELECT case_id, 0 FROM case_signals WHERE "
				   "from_org = ?1 AND signal_id = ?2 AND "
				   "linked_by NOT LIKE '@%'", from,
			 ids[i], &cases, &ncases)) == WN_OK)
			for (size_t j = 0; j < ncases && rc == WN_OK; j++) {
				rc = node_case_signal_send(n, cases[j].a,
				    origin, ids[i], NULL, &k);
				*sent += k;
			}
		free(cases);
	}
	return rc;
}

/* ---- signal.detach: a signal taken off a case ----------------------- */

wn_err
node_ctl_signal_detach(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	const char *from;
	uint64_t id;
	size_t sent = 0;
	wn_err rc;
	if ((rc = node_signal_link_args(c, "its signals stay as they are",
		 &id, &from, &kc)) != WN_OK)
		return rc;
	sqlite3_stmt *st = node_work_prep(n, "DELETE FROM case_signals WHERE "
					     "case_id = ? AND from_org = ? AND "
					     "signal_id = ?");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)id);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(n->store)) == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "signal %llu%s%s does not "
		    "belong to case %s here", (unsigned long long)id,
		    from[0] ? " of " : "", from, kc.id);
	if ((rc = node_case_signal_send(n, kc.id, from[0] ? from
						       : n->cfg.org_id,
		 (int64_t)id, NULL, &sent)) != WN_OK)
		return rc;
	c->kick = sent > 0;
	snprintf(c->detail, sizeof(c->detail), "signal %llu of %s taken off "
	    "case %s; withdrawn at %zu partners", (unsigned long long)id,
	    from[0] ? from : n->cfg.org_id, kc.id, sent);
	char msg[200];
	snprintf(msg, sizeof(msg), "signal %llu%s%s no longer belongs to case "
	    "%s", (unsigned long long)id, from[0] ? " of " : "", from, kc.id);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}

/* ---- what a node takes in ------------------------------------------- */

/* bind_copy binds s as told by sender to ?1..?10 of a statement on
 * case_signal_copies (case, origin, number, sender, when, municipality,
 * neighbourhood, category, reports, duplicate_of: NULL where s has none) */
static void
bind_copy(sqlite3_stmt *st, const char *sender,
    const struct proto_case_signal *s)
{
	sqlite3_bind_text(st, 1, s->case_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)s->number);
	if (s->withdrawn)
		return;
	sqlite3_bind_text(st, 4, sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, s->when_ms);
	if (!s->has_summary)
		return;
	sqlite3_bind_text(st, 6, s->municipality, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, s->neighbourhood, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, (int)s->category);
	sqlite3_bind_int64(st, 9, s->reports);
	if (s->duplicate_of)
		sqlite3_bind_int64(st, 10, (int64_t)s->duplicate_of);
}

/* keep writes (or, withdrawn, deletes) the copy of s told by sender;
 * *same when it was kept already just so (nothing changed) */
static wn_err
keep(struct node *n, const char *sender, const struct proto_case_signal *s,
    bool *same)
{
	sqlite3_stmt *st;
	int r;
	*same = false;
	if (!s->withdrawn) {
		if ((st = node_work_prep(n, "SELECT 1 FROM case_signal_copies "
		    "WHERE case_id = ?1 AND origin = ?2 AND signal_id = ?3 AND "
		    "sender = ?4 AND when_ms = ?5 AND municipality IS ?6 AND "
		    "neighbourhood IS ?7 AND category IS ?8 AND reports IS ?9 "
		    "AND duplicate_of IS ?10")) == NULL)
			return WN_EDB;
		bind_copy(st, sender, s);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return WN_EDB;
		if ((*same = r == SQLITE_ROW))
			return WN_OK;
	}
	st = node_work_prep(n, s->withdrawn
	    ? "DELETE FROM case_signal_copies WHERE case_id = ?1 AND origin = "
	      "?2 AND signal_id = ?3"
	    : "INSERT OR REPLACE INTO case_signal_copies (case_id, origin, "
	      "signal_id, sender, when_ms, municipality, neighbourhood, "
	      "category, reports, duplicate_of, received_ms) VALUES "
	      "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)");
	if (st == NULL)
		return WN_EDB;
	bind_copy(st, sender, s);
	if (!s->withdrawn)
		sqlite3_bind_int64(st, 11, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* own_told: the case's director says one of this node's own signals
 * belongs to the case (it attached the summary it holds of it), or no
 * longer does: the attachment is kept here as the director's ("@" and
 * its org, where a user's name stands), so case signals lists the signal
 * with its subjects; this node's own attachment stays as it is. One of
 * a number this node holds no signal under is taken and ignored. */
static wn_err
own_told(struct node *n, const struct node_case *kc,
    const struct proto_case_signal *s)
{
	char by[PROTO_ORG_ID_MAX + 2];
	sqlite3_stmt *st;
	bool known;
	int r;
	snprintf(by, sizeof(by), "@%s", kc->director);
	if (!s->withdrawn) {
		if ((st = node_work_prep(n, "SELECT 1 FROM signals WHERE id = "
					    "?")) == NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, (int64_t)s->number);
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			return WN_EDB;
		known = r == SQLITE_ROW;
		if (!known) {
			/* taken and ignored: a refusal would tell the
			 * director which numbers this node holds */
			wn_log(WN_LOG_INFO, "case signals: the director of "
			    "case %s says signal %llu of this node belongs to "
			    "it; there is no such signal here: ignored",
			    kc->id, (unsigned long long)s->number);
			return WN_OK;
		}
	}
	st = node_work_prep(n, s->withdrawn
	    ? "DELETE FROM case_signals WHERE case_id = ?1 AND from_org = '' "
	      "AND signal_id = ?2 AND linked_by = ?3 AND ?4 = ?4"
	    : "INSERT OR IGNORE INTO case_signals (case_id, from_org, "
	      "signal_id, linked_by, linked_ms) VALUES (?1, '', ?2, ?3, ?4)");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)s->number);
	sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* the most copies the director keeps of one member's signals in a case:
 * a member tells it only of its own, but what it tells the director is
 * kept and sent to every other member, so one member may not fill their
 * stores without end */
#define CASE_SIGNAL_COPIES_MAX 1000

/* room: the director may keep s (told by its origin): *full_now when it
 * is the copy that reaches the most kept; WN_EDENIED (why set) when the
 * origin already has the most kept and s is not one of them */
static wn_err
room(struct node *n, const struct node_case *kc,
    const struct proto_case_signal *s, bool *full_now, char *why,
    size_t whylen)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT count(*), "
	    "ifnull(sum(signal_id = ?3), 0) FROM case_signal_copies WHERE "
	    "case_id = ?1 AND origin = ?2");
	int64_t held = 0, had = 0;
	int r;
	*full_now = false;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)s->number);
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		held = sqlite3_column_int64(st, 0);
		had = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return WN_EDB;
	if (had || s->withdrawn)
		return WN_OK;
	if (held >= CASE_SIGNAL_COPIES_MAX) {
		snprintf(why, whylen, "'%s' has told %lld signals of case %s "
		    "here, the most kept: signal %llu is not",
		    s->origin, (long long)held, kc->id,
		    (unsigned long long)s->number);
		return WN_EDENIED;
	}
	*full_now = held + 1 == CASE_SIGNAL_COPIES_MAX;
	return WN_OK;
}

wn_err
node_case_signal_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	struct proto_case_signal s;
	struct proto_error perr = {0};
	struct node_case kc;
	size_t sent;
	int role, level;
	uint64_t mv;
	bool full = false, same;
	wn_err rc;
	if (proto_case_signal_decode(body, len, &s, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed case signal at byte %zu: %s",
		    perr.offset, perr.msg);
		return WN_EPROTO;
	}
	if (h->mv > (mv = node_exchange_mv(n))) {
		/* made under a matrix this node does not hold yet: it waits
		 * for it (the sender keeps it and tries again). The
		 * director's MATRIX never waits behind it: an envelope names
		 * the version its sender held when it queued the message,
		 * so the director queues the MATRIX before anything made
		 * under it. One made under an older matrix is judged under
		 * the one this node holds (its sender, once it holds that
		 * one too, sends what it lets out) */
		snprintf(why, whylen, "case signal under matrix version %llu, "
		    "this node holds %llu", (unsigned long long)h->mv,
		    (unsigned long long)mv);
		return WN_EBUSY;
	}
	if (!node_case_get(n, s.case_id, &kc)) {
		snprintf(why, whylen, "no case %s here", s.case_id);
		return WN_EDENIED;
	}
	if (kc.closed_ms != 0 && !s.withdrawn) {
		/* a withdrawal still comes: it takes a copy away */
		snprintf(why, whylen, "case %s is closed: nothing is shared "
		    "for it", kc.id);
		return WN_EDENIED;
	}
	if (kc.here_directs) {
		/* a member tells its director of one of its own signals */
		if (!node_case_member(n, kc.id, from->org_id, NULL)) {
			snprintf(why, whylen, "'%s' is not a member of case %s",
			    from->org_id, kc.id);
			return WN_EDENIED;
		}
		if (strcmp(s.origin, from->org_id) != 0) {
			snprintf(why, whylen, "'%s' tells only of its own "
			    "signals, not of %s's", from->org_id, s.origin);
			return WN_EDENIED;
		}
	} else if (strcmp(kc.director, from->org_id) != 0) {
		snprintf(why, whylen, "'%s' does not direct case %s here",
		    from->org_id, kc.id);
		return WN_EDENIED;
	}
	if (!node_case_member(n, kc.id, n->cfg.org_id, &role)) {
		snprintf(why, whylen, "this node is not a member of case %s",
		    kc.id);
		return WN_EDENIED;
	}
	if (!kc.here_directs && strcmp(s.origin, n->cfg.org_id) == 0)
		return own_told(n, &kc, &s);
	level = node_matrix_level(n, kc.type, CFG_CAT_SIGNALS, role);
	if (!s.withdrawn && (level == CFG_LEVEL_NONE ||
				(s.has_summary && level < CFG_LEVEL_VIEW))) {
		snprintf(why, whylen, "the matrix in force gives this node's "
		    "role %s of signals in case %s", level == CFG_LEVEL_NONE
		    ? "nothing" : "no view", kc.id);
		return WN_EDENIED;
	}
	if (kc.here_directs &&
	    (rc = room(n, &kc, &s, &full, why, whylen)) != WN_OK)
		return rc;
	if ((rc = keep(n, from->org_id, &s, &same)) != WN_OK)
		return rc;
	/* told again just as it is kept (its origin sent it again under a
	 * new matrix, or after a change that is not in the summary): the
	 * members have it so already */
	if (!kc.here_directs || same)
		return WN_OK;
	if (full) {
		/* once, as the last copy that fits is kept */
		char detail[200];
		snprintf(detail, sizeof(detail), "'%s' has told %d signals of "
		    "case %s here, the most kept: more are refused",
		    s.origin, CASE_SIGNAL_COPIES_MAX, kc.id);
		wn_log(WN_LOG_WARN, "case signals: %s", detail);
		if ((rc = node_audit_append(n->store, "system",
			 "alert.case_signals_full", s.origin, detail)) != WN_OK)
			return rc;
	}
	/* the director tells the case's other members */
	return node_case_signal_send(n, kc.id, s.origin, (int64_t)s.number,
	    NULL, &sent);
}

/* ---- need/'s hooks: a member invited late, a member removed ---------- */

/* the levels of signals a matrix gives, [type][role] */
typedef uint8_t cs_levels[CFG_CASE_TYPES][CFG_ROLES];

/* since: the case's copies as the matrix before the one in force (prev)
 * let them go: cc sends only to those the one in force (cur) shows them
 * otherwise, and to all when it shows this node's own role (the director)
 * otherwise; false when nobody needs them again */
static bool
since(struct node *n, struct cs_case *cc, const cs_levels cur,
    const cs_levels prev)
{
	int t = cc->kc.type, own;
	bool any = false;
	if (t < 0 || t >= CFG_CASE_TYPES)
		return true;
	for (size_t i = 0; i < cc->nrd; i++)
		if (cc->rd[i].role < 0 || cc->rd[i].role >= CFG_ROLES)
			return true;
	if (!cc->kc.here_directs && cc->to_director &&
	    (cc->dir_role < 0 || cc->dir_role >= CFG_ROLES))
		return true;
	if (!cc->kc.here_directs)
		return cc->to_director = cc->to_director &&
		    shown(cur[t][cc->dir_role]) != shown(prev[t][cc->dir_role]);
	if (!node_case_member(n, cc->kc.id, n->cfg.org_id, &own) ||
	    own < 0 || own >= CFG_ROLES || shown(cur[t][own]) != shown(prev[t][own]))
		return true;
	for (size_t i = 0; i < cc->nrd; i++)
		any |= cc->to[i] = shown(cur[t][cc->rd[i].role]) !=
		    shown(prev[t][cc->rd[i].role]);
	return any;
}

/* send_all sends every signal of the open case this node holds: the
 * director to the members (only `only` when not NULL), a member its own
 * to the director; with levels (on a new matrix: [0] the one in force,
 * [1] the one before) only to those it now shows them otherwise */
static wn_err
send_all(struct node *n, const char *case_id, const char *only,
    const cs_levels *levels, size_t *sent)
{
	struct cs_case *cc = malloc(sizeof(*cc));
	struct pair *all = NULL;
	size_t count = 0, k;
	wn_err rc = WN_ENOMEM;
	*sent = 0;
	if (cc == NULL || (rc = case_read(n, case_id, cc)) != WN_OK ||
	    !cc->tell || cc->kc.closed_ms != 0 ||
	    (levels != NULL && !since(n, cc, levels[0], levels[1])))
		goto out;
	/* from_org '' is this node's own */
	if ((rc = pairs(n, cc->kc.here_directs
			 ? "SELECT from_org, signal_id FROM case_signals WHERE "
			   "case_id = ?1 AND ?2 = ?2 UNION SELECT origin, "
			   "signal_id FROM case_signal_copies WHERE case_id = "
			   "?1 ORDER BY 1, 2"
			 : "SELECT from_org, signal_id FROM case_signals WHERE "
			   "case_id = ?1 AND from_org = '' AND linked_by NOT "
			   "LIKE '@%' AND ?2 = ?2 ORDER BY 2",
		 case_id, 0, &all, &count)) != WN_OK)
		goto out;
	for (size_t i = 0; i < count && rc == WN_OK; i++) {
		rc = send_one(n, cc, all[i].a[0] ? all[i].a : n->cfg.org_id,
		    all[i].id, only, &k);
		*sent += k;
	}
out:
	free(all);
	free(cc);
	return rc;
}

wn_err
node_case_signals_reopened(struct node *n, const char *case_id,
    size_t *sent)
{
	return send_all(n, case_id, NULL, NULL, sent);
}

static wn_err
invited(struct node *n, const char *case_id, const char *org)
{
	struct node_case kc;
	size_t sent;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs)
		return WN_OK;
	return send_all(n, case_id, org, NULL, &sent);
}

static wn_err
removed(struct node *n, const char *case_id)
{
	struct node_case kc;
	char detail[160];
	int changes;
	if (!node_case_get(n, case_id, &kc) || kc.here_directs)
		return WN_OK;
	sqlite3_stmt *st = node_work_prep(n, "DELETE FROM case_signal_copies "
					     "WHERE case_id = ?");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((changes = sqlite3_changes(node_store_db(n->store))) == 0)
		return WN_OK;
	snprintf(detail, sizeof(detail), "removed from case %s: the %d "
	    "signals of it told here deleted", case_id, changes);
	return node_audit_append(n->store, "system", "case_signal.forgotten",
	    case_id, detail);
}

/* uninvited: the director removed org from the case: the copies org told
 * it of its signals are deleted and withdrawn at every member they went
 * to (one the director attached itself by its summary stays, as the
 * director's) */
static wn_err
uninvited(struct node *n, const char *case_id, const char *org)
{
	struct node_case kc;
	int64_t *ids = NULL;
	size_t count = 0, cap = 0, sent, total = 0;
	sqlite3_stmt *st;
	wn_err rc = WN_EDB;
	int r;
	if (!node_case_get(n, case_id, &kc) || !kc.here_directs)
		return WN_OK;
	if ((st = node_work_prep(n, "SELECT signal_id FROM case_signal_copies "
				    "WHERE case_id = ?1 AND origin = ?2 ORDER "
				    "BY 1")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			size_t nc = cap ? 2 * cap : 16;
			int64_t *nv = realloc(ids, nc * sizeof(*ids));
			if (nv == NULL) {
				r = SQLITE_NOMEM;
				break;
			}
			ids = nv;
			cap = nc;
		}
		ids[count++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		rc = r == SQLITE_NOMEM ? WN_ENOMEM : WN_EDB;
		goto out;
	}
	if ((st = node_work_prep(n, "DELETE FROM case_signal_copies WHERE "
				    "case_id = ?1 AND origin = ?2")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, org, -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto out;
	rc = WN_OK;
	for (size_t i = 0; i < count && rc == WN_OK; i++) {
		rc = node_case_signal_send(n, kc.id, org, ids[i], NULL, &sent);
		total += sent;
	}
	if (rc == WN_OK && count > 0)
		wn_log(WN_LOG_INFO, "case signals: %s removed from case %s: "
		    "the %zu signals it told here deleted, withdrawn at %zu "
		    "partners", org, kc.id, count, total);
out:
	free(ids);
	return rc;
}

/* cut: the copies of the case's signals this node keeps, cut down to what
 * the matrix now in force gives its role of signals in the case: at
 * existence only that each is there and when, at none nothing; audited
 * once for the case when anything changed */
static wn_err
cut(struct node *n, const char *case_id, const cs_levels cur)
{
	struct node_case kc;
	struct pair *gone = NULL;
	size_t ngone = 0, sent;
	char detail[200];
	int role, level, changes;
	wn_err rc;
	if (!node_case_get(n, case_id, &kc))
		return WN_OK;
	level = node_case_member(n, kc.id, n->cfg.org_id, &role) &&
		kc.type >= 0 && kc.type < CFG_CASE_TYPES && role >= 0 &&
		role < CFG_ROLES
	    ? cur[kc.type][role]
	    : CFG_LEVEL_NONE;
	if (level >= CFG_LEVEL_VIEW)
		return WN_OK;
	/* the director that may keep nothing of them can no longer keep the
	 * members' copies true: what its members told it is withdrawn at
	 * the others (each origin tells it again under a matrix that lets
	 * it see them) */
	if (level == CFG_LEVEL_NONE && kc.here_directs &&
	    (rc = pairs(n, "SELECT origin, signal_id FROM case_signal_copies "
			   "WHERE case_id = ?1 AND ?2 = ?2 ORDER BY 1, 2",
		 kc.id, 0, &gone, &ngone)) != WN_OK)
		return rc;
	sqlite3_stmt *st = node_work_prep(n, level == CFG_LEVEL_NONE
	    ? "DELETE FROM case_signal_copies WHERE case_id = ?"
	    : "UPDATE case_signal_copies SET municipality = NULL, "
	      "neighbourhood = NULL, category = NULL, reports = NULL, "
	      "duplicate_of = NULL WHERE case_id = ? AND (municipality IS "
	      "NOT NULL OR neighbourhood IS NOT NULL OR category IS NOT "
	      "NULL OR reports IS NOT NULL OR duplicate_of IS NOT NULL)");
	rc = WN_EDB;
	if (st == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto out;
	rc = WN_OK;
	if ((changes = sqlite3_changes(node_store_db(n->store))) == 0)
		goto out;
	for (size_t i = 0; i < ngone && rc == WN_OK; i++)
		rc = node_case_signal_send(n, kc.id, gone[i].a, gone[i].id,
		    NULL, &sent);
	if (rc != WN_OK)
		goto out;
	snprintf(detail, sizeof(detail), "the matrix in force gives this "
	    "node's role %s of signals in case %s: %d copies %s",
	    level == CFG_LEVEL_NONE ? "nothing" : "only their existence",
	    kc.id, changes, level == CFG_LEVEL_NONE
	    ? ngone ? "deleted and withdrawn at the members" : "deleted"
	    : "cut down to when");
	rc = node_audit_append(n->store, "system", "case_signal.cut", kc.id,
	    detail);
out:
	free(gone);
	return rc;
}

/* on_matrix: this node holds a new matrix (a member applied it, the
 * director published it). The copies it keeps are cut down to what the
 * new one lets it keep; then the open cases' signals go again to those
 * the new one shows them otherwise than the one before did (nobody, when
 * it changed nothing for signals), as far as it lets each see them: the
 * director's to the members, a member's own to the director (after the
 * MATRIX, in the same outbox order, so the receiver judges them under the
 * new matrix). Each matrix is verified once here, the readers read once
 * per case that needs them. */
static wn_err
on_matrix(struct node *n)
{
	cs_levels *levels = calloc(2, sizeof(*levels));
	bool changed[CFG_CASE_TYPES] = {false};
	struct pair *cases = NULL;
	size_t ncases = 0, sent, total = 0, again = 0;
	wn_err rc = WN_ENOMEM;
	if (levels == NULL ||
	    (rc = node_need_levels(n, 0, CFG_CAT_SIGNALS, levels[0])) !=
		WN_OK ||
	    (rc = node_need_levels(n, 1, CFG_CAT_SIGNALS, levels[1])) != WN_OK)
		goto out;
	for (int t = 0; t < CFG_CASE_TYPES; t++)
		for (int r = 0; r < CFG_ROLES; r++)
			changed[t] |= shown(levels[0][t][r]) !=
			    shown(levels[1][t][r]);
	if ((rc = pairs(n, "SELECT DISTINCT c.case_id, c.type FROM "
			   "case_signal_copies cs JOIN cases c ON c.case_id = "
			   "cs.case_id WHERE ?1 = ?1 AND ?2 = ?2", "", 0,
		 &cases, &ncases)) != WN_OK)
		goto out;
	for (size_t i = 0; i < ncases && rc == WN_OK; i++)
		if (cases[i].id < 0 || cases[i].id >= CFG_CASE_TYPES ||
		    changed[cases[i].id])
			rc = cut(n, cases[i].a, levels[0]);
	free(cases);
	cases = NULL;
	if (rc != WN_OK ||
	    (rc = pairs(n, "SELECT case_id, type FROM cases WHERE ?1 = ?1 "
			   "AND ?2 = ?2 ORDER BY case_id", "", 0, &cases,
		 &ncases)) != WN_OK)
		goto out;
	for (size_t i = 0; i < ncases && rc == WN_OK; i++) {
		if (cases[i].id >= 0 && cases[i].id < CFG_CASE_TYPES &&
		    !changed[cases[i].id])
			continue;
		rc = send_all(n, cases[i].a, NULL,
		    (const cs_levels *)levels, &sent);
		total += sent;
		again += sent > 0;
	}
	if (rc == WN_OK && total > 0)
		wn_log(WN_LOG_INFO, "case signals: %zu sent again in %zu cases "
		    "under the new matrix", total, again);
out:
	free(cases);
	free(levels);
	return rc;
}

void
node_work_case_signals_register(void)
{
	node_need_on_invite(invited);
	node_need_on_removed(removed);
	node_need_on_member_removed(uninvited);
	node_need_on_matrix(on_matrix);
	node_need_on_published(on_matrix);
}
