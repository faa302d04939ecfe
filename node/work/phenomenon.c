/*
 * phenomenon.c - phenomena at the director (issue 13): when signals about
 * one nuisance keep coming from its members, the municipality works on a
 * phenomenon rather than on each signal.
 *
 * The director sets a rule per signal category (phenomenon_rules,
 * migration 25: at least N signals from at least M distinct partners
 * within W days, in one area: a municipality and neighbourhood).
 * node_pheno_check runs in the transaction that records a member's
 * signal summary at the director (summary.c, node_work_apply), and only
 * there: a rule set or changed applies from the next summary on, and the
 * director's own signals (never summarised) do not count. A summary that
 * is a duplicate of another of its member's signals does not count (its
 * incident counts once). When the summary completes its category's rule in
 * its area (node_pheno_window, phenomenon_rule.c: a window of W days that
 * holds the new signal's moment), a phenomenon is proposed: kept with the
 * signals of the earliest such window (phenomenon_signals), audited
 * (user system) and alerted to the director (phenomenon.proposed, through
 * core's node_event_raise; the alert names "phenomenon:ID" where the
 * others name a case).
 *
 * When it fires again, exactly: never while a phenomenon of the same
 * area and category is proposed (not yet opened or dismissed) or open
 * (its case is not closed). Once it ended (dismissed, or its case
 * closed), only signals dated after it ended (or after its newest signal,
 * if that is later) count toward the next one: the signals that made one,
 * and those held while it was proposed or open, never make another. A
 * phenomenon opened as a case that this node no longer knows counts as
 * ended when it was opened.
 *
 * The director then opens it (phenomenon_ctl.c; phenomenon.open: a case
 * through need/'s own case.open, its subject the phenomenon's words, never
 * a person, and each signal attached through signal.attach, the
 * case-signal room, as a member's summary) or dismisses it
 * (phenomenon.dismiss, with why). Each step is audited by the control
 * socket, the proposal by this file.
 */
#include "node/work/work.h"

#include <stdlib.h>
#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "node/need/need.h"

/* the most signals one check reads: a rule asks at most 1000 */
#define PHENO_LOAD_MAX 20000

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

/* ---- the check, when a summary is recorded ----------------------------- */

struct loaded {
	struct node_pheno_sig *sig;
	char (*from)[PROTO_ORG_ID_MAX + 1];
	int64_t *id;
	size_t n;
};

static void
loaded_free(struct loaded *l)
{
	free(l->sig);
	free(l->from);
	free(l->id);
	*l = (struct loaded){0};
}

/* blocked: a phenomenon of the area and category is proposed or open
 * (*yes); else *floor: the latest end of those dismissed or closed (when
 * it was dismissed or its case closed, or its newest signal if that is
 * later; INT64_MIN: none) */
static wn_err
blocked(struct node *n, int cat, const char *m, const char *nb, bool *yes,
    int64_t *floor)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT state, ifnull(case_id, "
					    "''), max(last_ms, ifnull("
					    "decided_ms, 0)) FROM phenomena "
					    "WHERE category = ? AND "
					    "municipality = ? AND neighbourhood "
					    "= ?");
	int r;
	*yes = false;
	*floor = INT64_MIN;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, cat);
	sqlite3_bind_text(st, 2, m, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nb, -1, SQLITE_STATIC);
	while (!*yes && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *state = col(st, 0);
		int64_t end = sqlite3_column_int64(st, 2);
		struct node_case kc;
		bool known = strcmp(state, "open") == 0 &&
		    node_case_get(n, col(st, 1), &kc);
		if (strcmp(state, "proposed") == 0 ||
		    (known && kc.closed_ms == 0))
			*yes = true;
		else if (known && kc.closed_ms > end)
			end = kc.closed_ms;
		if (end > *floor)
			*floor = end;
	}
	sqlite3_finalize(st);
	return *yes || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static wn_err
load(struct node *n, int cat, const char *m, const char *nb, int64_t lo,
    int64_t hi, struct loaded *l)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT when_ms, from_org, "
					    "signal_id FROM signal_summaries "
					    "WHERE category = ? AND municipality "
					    "= ? AND neighbourhood = ? AND "
					    "duplicate_of = 0 AND when_ms "
					    "BETWEEN ? AND ? ORDER BY when_ms, "
					    "from_org, signal_id LIMIT ?");
	size_t cap = 0;
	int r;
	wn_err rc = WN_ENOMEM;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, cat);
	sqlite3_bind_text(st, 2, m, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nb, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, lo);
	sqlite3_bind_int64(st, 5, hi);
	sqlite3_bind_int(st, 6, PHENO_LOAD_MAX);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (l->n == cap) {
			size_t nc = cap ? 2 * cap : 64;
			void *a = realloc(l->sig, nc * sizeof(*l->sig));
			if (a == NULL)
				goto out;
			l->sig = a;
			if ((a = realloc(l->from, nc * sizeof(*l->from))) == NULL)
				goto out;
			l->from = a;
			if ((a = realloc(l->id, nc * sizeof(*l->id))) == NULL)
				goto out;
			l->id = a;
			cap = nc;
		}
		wn_strlcpy(l->from[l->n], col(st, 1), sizeof(l->from[0]));
		l->sig[l->n].when_ms = sqlite3_column_int64(st, 0);
		l->id[l->n] = sqlite3_column_int64(st, 2);
		l->n++;
	}
	rc = r == SQLITE_DONE ? WN_OK : WN_EDB;
out:
	/* from moved with each realloc: point the signals at it at the end */
	for (size_t i = 0; rc == WN_OK && i < l->n; i++)
		l->sig[i].from = l->from[i];
	sqlite3_finalize(st);
	return rc;
}

/* propose keeps phenomenon sigs[first .. first + k) of the area and
 * category under rule r; *id its number */
static wn_err
propose(struct node *n, int cat, const char *m, const char *nb,
    const struct node_pheno_rule *r, const struct loaded *l, size_t first,
    size_t k, int64_t *id)
{
	sqlite3_stmt *st;
	size_t partners = 0;
	int s;
	for (size_t i = first; i < first + k; i++) {
		size_t j;
		for (j = first; j < i && strcmp(l->from[j], l->from[i]) != 0; j++)
			;
		partners += j == i;
	}
	if ((st = node_work_prep(n, "INSERT INTO phenomena (category, "
				    "municipality, neighbourhood, state, "
				    "first_ms, last_ms, signals, partners, "
				    "rule_signals, rule_partners, rule_days, "
				    "proposed_ms) VALUES (?,?,?,'proposed',?,?,"
				    "?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, cat);
	sqlite3_bind_text(st, 2, m, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nb, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, l->sig[first].when_ms);
	sqlite3_bind_int64(st, 5, l->sig[first + k - 1].when_ms);
	sqlite3_bind_int64(st, 6, (int64_t)k);
	sqlite3_bind_int64(st, 7, (int64_t)partners);
	sqlite3_bind_int(st, 8, r->signals);
	sqlite3_bind_int(st, 9, r->partners);
	sqlite3_bind_int(st, 10, r->days);
	sqlite3_bind_int64(st, 11, wn_now_ms());
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return WN_EDB;
	*id = sqlite3_last_insert_rowid(node_store_db(n->store));
	if ((st = node_work_prep(n, "INSERT INTO phenomenon_signals "
				    "(phenomenon_id, from_org, signal_id) "
				    "VALUES (?,?,?)")) == NULL)
		return WN_EDB;
	for (size_t i = first; i < first + k; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, l->from[i], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, l->id[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			sqlite3_finalize(st);
			return WN_EDB;
		}
	}
	sqlite3_finalize(st);
	return WN_OK;
}

wn_err
node_pheno_check(struct node *n, const char *from, int64_t id)
{
	sqlite3_stmt *st;
	struct node_pheno_rule r;
	struct loaded l = {0};
	char m[PROTO_CTL_VALUE_MAX + 1], nb[PROTO_CTL_VALUE_MAX + 1];
	int64_t t, floor, pid;
	int cat, s;
	bool dup, has_rule = false, no, found;
	size_t first, k;
	wn_err rc;
	if (!n->is_director)
		return WN_OK;
	if ((st = node_work_prep(n, "SELECT when_ms, municipality, "
				    "neighbourhood, category, duplicate_of, "
				    "r.signals, r.partners, r.days FROM "
				    "signal_summaries s LEFT JOIN "
				    "phenomenon_rules r USING (category) WHERE "
				    "from_org = ? AND signal_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((s = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return s == SQLITE_DONE ? WN_OK : WN_EDB;
	}
	t = sqlite3_column_int64(st, 0);
	wn_strlcpy(m, col(st, 1), sizeof(m));
	wn_strlcpy(nb, col(st, 2), sizeof(nb));
	cat = sqlite3_column_int(st, 3);
	dup = sqlite3_column_int64(st, 4) != 0;
	if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
		has_rule = true;
		r.signals = sqlite3_column_int(st, 5);
		r.partners = sqlite3_column_int(st, 6);
		r.days = sqlite3_column_int(st, 7);
	}
	sqlite3_finalize(st);
	if (dup || !has_rule)
		return WN_OK;
	if ((rc = blocked(n, cat, m, nb, &no, &floor)) != WN_OK || no)
		return rc;
	if (t <= floor)
		return WN_OK;
	int64_t w = (int64_t)r.days * NODE_PHENO_DAY_MS;
	int64_t lo = t - w > floor ? t - w : floor + 1;
	if ((rc = load(n, cat, m, nb, lo, t + w, &l)) != WN_OK)
		goto out;
	if ((rc = node_pheno_window(l.sig, l.n, t, &r, &found, &first, &k)) !=
		WN_OK ||
	    !found)
		goto out;
	if ((rc = propose(n, cat, m, nb, &r, &l, first, k, &pid)) != WN_OK)
		goto out;
	char where[2 * PROTO_CTL_VALUE_MAX + 2], object[64], detail[512],
	    ref[64];
	area(m, nb, where, sizeof(where));
	snprintf(object, sizeof(object), "phenomenon %lld", (long long)pid);
	snprintf(detail, sizeof(detail), "%s in %.200s: %zu signals of the "
	    "members within %d days reached the rule (%d signals from %d "
	    "partners); proposed", node_signal_category_name(cat), where, k,
	    r.days, r.signals, r.partners);
	if ((rc = node_audit_append(n->store, "system", "phenomenon.proposed",
		 object, detail)) != WN_OK)
		goto out;
	snprintf(ref, sizeof(ref), "phenomenon:%lld", (long long)pid);
	struct node_event ev = {"phenomenon.proposed", ref, "", pid,
	    "director"};
	rc = node_event_raise(n, &ev);
	wn_log(WN_LOG_INFO, "phenomena: phenomenon %lld proposed",
	    (long long)pid);
out:
	loaded_free(&l);
	return rc;
}

/* ---- rules ------------------------------------------------------------- */

static wn_err
director_only(struct node_ctl_call *c)
{
	return node_ctl_fail(c, WN_EDENIED, "only the federation's director "
	    "keeps phenomena (it holds its members' signal summaries)");
}

static wn_err
category_arg(struct node_ctl_call *c, int *cat)
{
	if (!node_signal_category_parse(node_ctl_arg(c, "category"), cat))
		return node_ctl_fail(c, WN_EINVAL, "unknown category '%.40s'; "
		    "one of noise vandalism drugs loitering intimidation "
		    "confused_behaviour littering dwelling_neglect other",
		    node_ctl_arg(c, "category"));
	return WN_OK;
}

static bool
number(struct node_ctl_call *c, const char *key, uint64_t max, int *out)
{
	uint64_t v;
	if (!wn_parse_u64(node_ctl_arg(c, key), max, &v) || v == 0)
		return false;
	*out = (int)v;
	return true;
}

wn_err
node_ctl_pheno_rule_set(struct node_ctl_call *c)
{
	struct node_pheno_rule r;
	sqlite3_stmt *st;
	int cat, s;
	wn_err rc;
	char msg[200];
	if (!c->n->is_director)
		return director_only(c);
	if ((rc = category_arg(c, &cat)) != WN_OK)
		return rc;
	if (!number(c, "signals", 1000, &r.signals))
		return node_ctl_fail(c, WN_EINVAL, "--signals is a number of "
		    "signals from 1 to 1000");
	if (!number(c, "partners", 100, &r.partners))
		return node_ctl_fail(c, WN_EINVAL, "--partners is a number of "
		    "partners from 1 to 100");
	if (!number(c, "days", 366, &r.days))
		return node_ctl_fail(c, WN_EINVAL, "--days is a number of days "
		    "from 1 to 366");
	if (r.partners > r.signals)
		return node_ctl_fail(c, WN_EINVAL, "--partners (%d) cannot be "
		    "more than --signals (%d): each partner counts with a "
		    "signal", r.partners, r.signals);
	if ((st = node_work_prep(c->n, "INSERT OR REPLACE INTO "
				       "phenomenon_rules (category, signals, "
				       "partners, days, set_by, set_ms) VALUES "
				       "(?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, cat);
	sqlite3_bind_int(st, 2, r.signals);
	sqlite3_bind_int(st, 3, r.partners);
	sqlite3_bind_int(st, 4, r.days);
	sqlite3_bind_text(st, 5, c->user->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, wn_now_ms());
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return WN_EDB;
	snprintf(msg, sizeof(msg), "a phenomenon of %s is proposed at %d "
	    "signals from %d partners within %d days in one area",
	    node_signal_category_name(cat), r.signals, r.partners, r.days);
	snprintf(c->detail, sizeof(c->detail), "rule for %s: %d signals, %d "
	    "partners, %d days", node_signal_category_name(cat), r.signals,
	    r.partners, r.days);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}

wn_err
node_ctl_pheno_rule_list(struct node_ctl_call *c)
{
	sqlite3_stmt *st;
	size_t count = 0;
	int r;
	if (!c->n->is_director)
		return director_only(c);
	for (int pass = 0; pass < 2; pass++) {
		if ((st = node_work_prep(c->n, "SELECT category, signals, "
					       "partners, days, set_by, set_ms "
					       "FROM phenomenon_rules ORDER BY "
					       "category")) == NULL)
			return WN_EDB;
		if (pass == 0) {
			while ((r = sqlite3_step(st)) == SQLITE_ROW)
				count++;
			sqlite3_finalize(st);
			if (r != SQLITE_DONE)
				return WN_EDB;
			char msg[64];
			snprintf(msg, sizeof(msg), "%zu phenomenon rules", count);
			proto_ctl_reply_begin(c->w, WN_OK, msg, count);
			continue;
		}
		for (size_t i = 0; i < count && sqlite3_step(st) == SQLITE_ROW;
		     i++) {
			proto_ctl_row_begin(c->w, 6);
			proto_ctl_field_text(c->w, "category",
			    node_signal_category_name(sqlite3_column_int(st, 0)));
			proto_ctl_field_int(c->w, "signals",
			    sqlite3_column_int64(st, 1));
			proto_ctl_field_int(c->w, "partners",
			    sqlite3_column_int64(st, 2));
			proto_ctl_field_int(c->w, "days",
			    sqlite3_column_int64(st, 3));
			proto_ctl_field_text(c->w, "set_by", col(st, 4));
			proto_ctl_field_int(c->w, "set_ms",
			    sqlite3_column_int64(st, 5));
		}
		sqlite3_finalize(st);
	}
	snprintf(c->detail, sizeof(c->detail), "viewed %zu phenomenon rules",
	    count);
	return WN_OK;
}

wn_err
node_ctl_pheno_rule_drop(struct node_ctl_call *c)
{
	sqlite3_stmt *st;
	int cat, s;
	wn_err rc;
	char msg[128];
	if (!c->n->is_director)
		return director_only(c);
	if ((rc = category_arg(c, &cat)) != WN_OK)
		return rc;
	if ((st = node_work_prep(c->n, "DELETE FROM phenomenon_rules WHERE "
				       "category = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, cat);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return WN_EDB;
	if (sqlite3_changes(node_store_db(c->n->store)) == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no phenomenon "
		    "rule for %s", node_signal_category_name(cat));
	snprintf(msg, sizeof(msg), "no phenomenon of %s is proposed any more "
	    "(the phenomena kept stay)", node_signal_category_name(cat));
	snprintf(c->detail, sizeof(c->detail), "rule for %s dropped",
	    node_signal_category_name(cat));
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}
