/*
 * mediation_show.c - what a mediation service reads of its mediations:
 * mediation.show, one mediation in full (its parties' references, its
 * mediators, its talks and who attended, its agreement: personal, so the
 * call is audited and refused on a full disk), and mediation.report, the
 * figures of the mediations referred in a period (node_med_stats,
 * mediation_stats.c), which name nobody. The writes are mediation.c.
 */
#include "node/work/mediation_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/matrix.h"
#include "protocol/need_wire.h"

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* ---- show ------------------------------------------------------------- */

/* rows_of: how many rows the query gives for the case */
static wn_err
rows_of(struct node *n, const char *table, const char *case_id, int64_t *out)
{
	char sql[120];
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE case_id = ?1",
	    table);
	return med_count_of(n, sql, case_id, NULL, out);
}

/* attendees: who attended talk k: the parties' references, the
 * mediators' names, each joined by ", " */
static wn_err
attendees(struct node *n, const char *case_id, int64_t k, char *parties,
    size_t pcap, char *meds, size_t mcap)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT a.party, ifnull(p.subject, "
	    "''), a.mediator FROM mediation_attendance a LEFT JOIN "
	    "mediation_parties p ON p.case_id = a.case_id AND p.party = "
	    "a.party WHERE a.case_id = ?1 AND a.talk = ?2 ORDER BY a.party, "
	    "a.mediator");
	size_t po = 0, mo = 0;
	int r;
	if (st == NULL)
		return WN_EDB;
	parties[0] = meds[0] = '\0';
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, k);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0) > 0 && po < pcap)
			po += (size_t)snprintf(parties + po, pcap - po, "%s%s",
			    po ? ", " : "", col(st, 1));
		else if (sqlite3_column_int(st, 0) == 0 && mo < mcap)
			mo += (size_t)snprintf(meds + mo, mcap - mo, "%s%s",
			    mo ? ", " : "", col(st, 2));
	}
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_ctl_mediation_show(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	sqlite3_stmt *st = NULL;
	int64_t np, nm, nt;
	char d[11], d2[11], *text = NULL, *pbuf = NULL, *mbuf = NULL;
	const size_t pcap = NODE_MED_MAX_PARTIES * (PROTO_SUBJECT_MAX + 2) + 1;
	const size_t mcap = NODE_MED_MAX_MEDIATORS * (4 * NODE_MED_NAME_CHARS + 2)
	    + 1;
	wn_err rc;
	int r;
	if ((rc = med_case(c, &kc, &m, false)) != WN_OK)
		return rc;
	if ((rc = rows_of(n, "mediation_parties", kc.id, &np)) != WN_OK ||
	    (rc = rows_of(n, "mediation_mediators", kc.id, &nm)) != WN_OK ||
	    (rc = rows_of(n, "mediation_talks", kc.id, &nt)) != WN_OK)
		return rc;
	rc = WN_ENOMEM;
	if ((pbuf = malloc(pcap)) == NULL || (mbuf = malloc(mcap)) == NULL)
		goto out;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT ifnull(agreement, '') FROM "
				  "mediations WHERE case_id = ?1")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    (text = strdup(col(st, 0))) == NULL)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	proto_ctl_reply_begin(c->w, WN_OK, "mediation", (size_t)(1 + np + nm +
	    nt));
	node_med_day_format(m.referred_day, d);
	proto_ctl_row_begin(c->w, 10);
	proto_ctl_field_text(c->w, "kind", "mediation");
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_text(c->w, "source", node_med_source_name(m.source));
	proto_ctl_field_text(c->w, "partner", m.partner);
	proto_ctl_field_text(c->w, "dispute", node_med_dispute_name(m.dispute));
	proto_ctl_field_text(c->w, "referred", d);
	proto_ctl_field_text(c->w, "outcome", m.outcome >= 0
	    ? node_med_outcome_name(m.outcome) : "");
	if (m.outcome >= 0)
		node_med_day_format(m.closed_day, d2);
	proto_ctl_field_text(c->w, "closed", m.outcome >= 0 ? d2 : "");
	if (m.has_agreement)
		node_med_day_format(m.agreement_day, d2);
	proto_ctl_field_text(c->w, "agreement_on", m.has_agreement ? d2 : "");
	proto_ctl_field_text(c->w, "agreement", text);
	if ((st = node_work_prep(n, "SELECT party, subject, ifnull(agreed, -1) "
				  "FROM mediation_parties WHERE case_id = ?1 "
				  "ORDER BY party")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < np; i++) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out; /* the reply is short: the call fails */
		proto_ctl_row_begin(c->w, 4);
		proto_ctl_field_text(c->w, "kind", "party");
		proto_ctl_field_int(c->w, "party", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "subject", col(st, 1));
		proto_ctl_field_text(c->w, "agreed",
		    med_agreed_words(sqlite3_column_int(st, 2)));
	}
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "SELECT name FROM mediation_mediators WHERE "
				  "case_id = ?1 ORDER BY name")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < nm; i++) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		proto_ctl_row_begin(c->w, 2);
		proto_ctl_field_text(c->w, "kind", "mediator");
		proto_ctl_field_text(c->w, "name", col(st, 0));
	}
	sqlite3_finalize(st);
	if ((st = node_work_prep(n, "SELECT talk, on_day, kind FROM "
				  "mediation_talks WHERE case_id = ?1 ORDER BY "
				  "on_day, talk")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	for (int64_t i = 0; i < nt; i++) {
		if ((r = sqlite3_step(st)) != SQLITE_ROW ||
		    attendees(n, kc.id, sqlite3_column_int64(st, 0), pbuf, pcap,
			mbuf, mcap) != WN_OK)
			goto out;
		node_med_day_format(sqlite3_column_int(st, 1), d);
		proto_ctl_row_begin(c->w, 6);
		proto_ctl_field_text(c->w, "kind", "talk");
		proto_ctl_field_int(c->w, "talk", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "on", d);
		proto_ctl_field_text(c->w, "talk_kind",
		    node_med_talk_name(sqlite3_column_int(st, 2)));
		proto_ctl_field_text(c->w, "parties", pbuf);
		proto_ctl_field_text(c->w, "mediators", mbuf);
	}
	snprintf(c->detail, sizeof(c->detail), "viewed the mediation of case "
	    "%s", kc.id);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(text);
	free(pbuf);
	free(mbuf);
	return rc;
}

/* ---- report ----------------------------------------------------------- */

static void
group_rows(struct node_ctl_call *c, const char *group, const uint32_t *counts,
    int count, const char *(*name)(int))
{
	for (int i = 0; i < count; i++) {
		proto_ctl_row_begin(c->w, 3);
		proto_ctl_field_text(c->w, "group", group);
		proto_ctl_field_text(c->w, "name", name(i));
		proto_ctl_field_int(c->w, "cases", counts[i]);
	}
}

wn_err
node_ctl_mediation_report(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_med_case *cases = NULL;
	struct node_med_stats s;
	sqlite3_stmt *st = NULL;
	int32_t from, to;
	int64_t total;
	size_t k = 0;
	char msg[160], median[32] = "", mean[32] = "", fd[11], td[11];
	wn_err rc;
	int r;
	if (n->cfg.role != CFG_ROLE_MEDIATION)
		return node_ctl_fail(c, WN_EDENIED, "mediations are kept by a "
		    "mediation service's node (role mediation); this node is "
		    "%s", cfg_role_name(n->cfg.role));
	if (!node_med_day_parse(node_ctl_arg(c, "from"), &from))
		return node_ctl_fail(c, WN_EINVAL, "--from: '%s' is not a date: "
		    "a day as YYYY-MM-DD", node_ctl_arg(c, "from"));
	if (!node_med_day_parse(node_ctl_arg(c, "to"), &to))
		return node_ctl_fail(c, WN_EINVAL, "--to: '%s' is not a date: "
		    "a day as YYYY-MM-DD", node_ctl_arg(c, "to"));
	if (to < from)
		return node_ctl_fail(c, WN_EINVAL, "--to comes before --from");
	if ((st = node_work_prep(n, "SELECT count(*) FROM mediations WHERE "
				  "referred_day BETWEEN ?1 AND ?2")) == NULL)
		return WN_EDB;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0)
					       : -1;
	sqlite3_finalize(st);
	st = NULL;
	if (total < 0)
		return WN_EDB;
	if (total > 0 && (cases = calloc((size_t)total, sizeof(*cases))) ==
	    NULL)
		return WN_ENOMEM;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT source, dispute, ifnull(outcome, "
				  "-1), referred_day, ifnull(closed_day, 0) "
				  "FROM mediations WHERE referred_day BETWEEN "
				  "?1 AND ?2")) == NULL)
		goto out;
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	while (k < (size_t)total && (r = sqlite3_step(st)) == SQLITE_ROW) {
		cases[k].source = sqlite3_column_int(st, 0);
		cases[k].dispute = sqlite3_column_int(st, 1);
		cases[k].outcome = sqlite3_column_int(st, 2);
		cases[k].referred_day = sqlite3_column_int(st, 3);
		cases[k].closed_day = sqlite3_column_int(st, 4);
		k++;
	}
	if (k != (size_t)total)
		goto out;
	if ((rc = node_med_stats(cases, k, from, to, &s)) != WN_OK)
		goto out;
	if (s.median_x2 >= 0)
		snprintf(median, sizeof(median), "%lld%s",
		    (long long)(s.median_x2 / 2), s.median_x2 % 2 ? ".5" : "");
	if (s.closed > 0) {
		/* to one decimal, half up */
		long long t10 = (long long)((s.total_days * 20 + s.closed) /
		    (2 * (int64_t)s.closed));
		snprintf(mean, sizeof(mean), "%lld.%lld", t10 / 10, t10 % 10);
	}
	node_med_day_format(from, fd);
	node_med_day_format(to, td);
	snprintf(msg, sizeof(msg), "%u mediation%s referred from %s to %s",
	    s.cases, s.cases == 1 ? "" : "s", fd, td);
	proto_ctl_reply_begin(c->w, WN_OK, msg, NODE_MED_SOURCES +
	    NODE_MED_DISPUTES + NODE_MED_OUTCOMES + 3);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "group", "all");
	proto_ctl_field_text(c->w, "name", "referred");
	proto_ctl_field_int(c->w, "cases", s.cases);
	group_rows(c, "source", s.by_source, NODE_MED_SOURCES,
	    node_med_source_name);
	group_rows(c, "dispute", s.by_dispute, NODE_MED_DISPUTES,
	    node_med_dispute_name);
	group_rows(c, "outcome", s.by_outcome, NODE_MED_OUTCOMES,
	    node_med_outcome_name);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "group", "outcome");
	proto_ctl_field_text(c->w, "name", "open");
	proto_ctl_field_int(c->w, "cases", s.open);
	/* the lead time: the mean exactly as total_days / closed */
	proto_ctl_row_begin(c->w, 7);
	proto_ctl_field_text(c->w, "group", "lead_time");
	proto_ctl_field_text(c->w, "name", "days");
	proto_ctl_field_int(c->w, "cases", s.closed);
	proto_ctl_field_int(c->w, "total_days", s.total_days);
	proto_ctl_field_int(c->w, "median_x2", s.median_x2);
	proto_ctl_field_text(c->w, "median_days", median);
	proto_ctl_field_text(c->w, "mean_days", mean);
	snprintf(c->detail, sizeof(c->detail), "mediation report from %s to "
	    "%s: %u cases", fd, td, s.cases);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(cases);
	return rc;
}
