/*
 * mediation.c - neighbourhood mediation (buurtbemiddeling): the content of
 * a mediation case on the mediation service's own node, and the figures
 * it reports (issue 13).
 *
 * A mediation is a case of type mediation that this node directs, opened
 * as every case is (case.open, need/: its id, ground, director and
 * members); mediation.start adds its referral (source, a partner's org
 * id, the type of dispute, the day) and the rest is its own: the parties
 * (mediation.party, .agreed: two or more, each a local subject reference,
 * kept only in mediation_parties), the volunteer mediators
 * (mediation.mediator), the conversations with who attended
 * (mediation.talk), the agreement (mediation.agree: free text, never in
 * an audit record or a log) and the outcome (mediation.close, which also
 * closes the case in its life, life.c, so need/ shares nothing for it
 * any more). mediation.show shows it, mediation.report counts the
 * mediations referred in a period (mediation_stats.c). Only a node of role
 * mediation keeps them, and nothing of it is sent: no message type.
 * Every change is audited by the control socket with c->detail, which
 * names the case and numbers, never a subject, a mediator or a text.
 */
#include "node/work/mediation_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "protocol/need_wire.h"

#define LIST_ITEM_MAX (PROTO_SUBJECT_MAX + 1)

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* text_ok: no control character but (with lines) line ends and tabs */
static bool
text_ok(const char *s, bool lines)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !(lines && (*p == '\n' || *p == '\t'))) ||
		    *p == 0x7f)
			return false;
	return true;
}

/* today: this node's local date */
static int32_t
today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	char buf[16];
	int32_t d = 0;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d", &tm) == 0 ||
	    !node_med_day_parse(buf, &d))
		d = (int32_t)(t / 86400);
	return d;
}

/* day_arg: the date argument key (YYYY-MM-DD; today when absent) */
static wn_err
day_arg(struct node_ctl_call *c, const char *key, int32_t *day)
{
	const char *s = node_ctl_arg(c, key);
	if (!s[0]) {
		*day = today();
		return WN_OK;
	}
	if (!node_med_day_parse(s, day))
		return node_ctl_fail(c, WN_EINVAL, "--%s: '%s' is not a date: "
		    "a day as YYYY-MM-DD (2000 to 2199)", key, s);
	return WN_OK;
}

/* med_load: the mediation of case_id (WN_ENOTFOUND: none) */
static wn_err
med_load(struct node *n, const char *case_id, struct med *m)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT source, dispute, "
	    "ifnull(outcome, -1), referred_day, ifnull(closed_day, 0), "
	    "ifnull(agreement_day, -1), partner, agreement IS NOT NULL FROM "
	    "mediations WHERE case_id = ?");
	wn_err rc = WN_EDB;
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	memset(m, 0, sizeof(*m));
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		m->source = sqlite3_column_int(st, 0);
		m->dispute = sqlite3_column_int(st, 1);
		m->outcome = sqlite3_column_int(st, 2);
		m->referred_day = sqlite3_column_int(st, 3);
		m->closed_day = sqlite3_column_int(st, 4);
		m->agreement_day = sqlite3_column_int(st, 5);
		wn_strlcpy(m->partner, col(st, 6), sizeof(m->partner));
		m->has_agreement = sqlite3_column_int(st, 7) != 0;
		rc = WN_OK;
	} else if (r == SQLITE_DONE)
		rc = WN_ENOTFOUND;
	sqlite3_finalize(st);
	return rc;
}

/* med_case: the case named by `case`, a mediation case this node (a
 * mediation service) directs, into kc; with m, its mediation too (which
 * must be open when open is true) */
wn_err
med_case(struct node_ctl_call *c, struct node_case *kc, struct med *m,
    bool open)
{
	struct node *n = c->n;
	const char *id = node_ctl_arg(c, "case");
	wn_err rc;
	if (n->cfg.role != CFG_ROLE_MEDIATION)
		return node_ctl_fail(c, WN_EDENIED, "mediations are kept by a "
		    "mediation service's node (role mediation); this node is "
		    "%s", cfg_role_name(n->cfg.role));
	if (!node_case_get(n, id, kc))
		return node_ctl_fail(c, WN_ENOTFOUND, "no case '%s' here", id);
	if (kc->type != CFG_CASE_MEDIATION)
		return node_ctl_fail(c, WN_EINVAL, "case %s is a %s case, not "
		    "a mediation (case open --type mediation)", kc->id,
		    cfg_case_type_name(kc->type));
	if (!kc->here_directs)
		return node_ctl_fail(c, WN_EDENIED, "only the case's director "
		    "(%s) keeps its mediation", kc->director);
	if (m == NULL)
		return WN_OK;
	if ((rc = med_load(n, kc->id, m)) == WN_ENOTFOUND)
		return node_ctl_fail(c, rc, "case %s has no mediation yet "
		    "(mediation start)", kc->id);
	if (rc != WN_OK)
		return rc;
	if (open && m->outcome >= 0)
		return node_ctl_fail(c, WN_EINVAL, "the mediation of case %s "
		    "was closed already (outcome: %s)", kc->id,
		    node_med_outcome_name(m->outcome));
	return WN_OK;
}

/* exec: run sql with text ?1 = case_id and the int64 binds ?2.. (nints),
 * then the texts after them (ntexts) */
static wn_err
exec(struct node *n, const char *sql, const char *case_id,
    const int64_t *ints, size_t nints, const char *const *texts,
    size_t ntexts)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	for (size_t i = 0; i < nints; i++)
		sqlite3_bind_int64(st, (int)i + 2, ints[i]);
	for (size_t i = 0; i < ntexts; i++)
		if (texts[i] != NULL)
			sqlite3_bind_text(st, (int)(i + nints) + 2, texts[i],
			    -1, SQLITE_STATIC);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* count_of: the integer the query (?1 case_id, ?2 a text or NULL) gives */
wn_err
med_count_of(struct node *n, const char *sql, const char *case_id,
    const char *text, int64_t *out)
{
	sqlite3_stmt *st = node_work_prep(n, sql);
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	*out = 0;
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_ctl_mediation_start(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	const char *partner = node_ctl_arg(c, "partner");
	int source, dispute;
	int32_t day;
	wn_err rc;
	if (!node_med_source_parse(node_ctl_arg(c, "source"), &source))
		return node_ctl_fail(c, WN_EINVAL, "--source: police, housing, "
		    "municipality, self, welfare, other_partner or other");
	if (!node_med_dispute_parse(node_ctl_arg(c, "dispute"), &dispute))
		return node_ctl_fail(c, WN_EINVAL, "--dispute: unknown type of "
		    "dispute '%s': noise, children, pets, parking, "
		    "garden_boundaries, insults or other",
		    node_ctl_arg(c, "dispute"));
	if (partner[0] && !proto_org_id_valid(partner, strlen(partner)))
		return node_ctl_fail(c, WN_EINVAL, "--partner: an org id "
		    "(a-z, 0-9, '_' and '-')");
	if (source == NODE_MED_SRC_OTHER_PARTNER && !partner[0])
		return node_ctl_fail(c, WN_EINVAL, "a referral by another "
		    "partner names it: --partner ORG");
	if ((rc = day_arg(c, "referred", &day)) != WN_OK ||
	    (rc = med_case(c, &kc, NULL, false)) != WN_OK)
		return rc;
	if ((rc = med_load(n, kc.id, &m)) == WN_OK)
		return node_ctl_fail(c, WN_EINVAL, "case %s has its mediation "
		    "already", kc.id);
	if (rc != WN_ENOTFOUND)
		return rc;
	if (kc.closed_ms != 0)
		return node_ctl_fail(c, WN_EINVAL, "case %s is closed", kc.id);
	const int64_t ints[] = {source, dispute, day, wn_now_ms()};
	const char *const texts[] = {partner, c->user->name};
	if ((rc = exec(n, "INSERT INTO mediations (case_id, source, dispute, "
		 "referred_day, created_ms, partner, by_user) VALUES (?1, ?2, "
		 "?3, ?4, ?5, ?6, ?7)", kc.id, ints, 4, texts, 2)) != WN_OK)
		return rc;
	char d[11];
	node_med_day_format(day, d);
	snprintf(c->detail, sizeof(c->detail), "mediation of case %s started: "
	    "referred by %s%s%s on %s, dispute: %s", kc.id,
	    node_med_source_name(source), partner[0] ? " " : "", partner, d,
	    node_med_dispute_name(dispute));
	proto_ctl_reply_begin(c->w, WN_OK, "mediation started", 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_text(c->w, "source", node_med_source_name(source));
	proto_ctl_field_text(c->w, "dispute", node_med_dispute_name(dispute));
	proto_ctl_field_text(c->w, "referred", d);
	return WN_OK;
}

/* ref_ok: a party's subject reference as a case names one (need/'s
 * case.open): not a token, no control character, no ',' (lists) */
static bool
ref_ok(struct node_ctl_call *c, const char *ref)
{
	if (!ref[0] || strlen(ref) > PROTO_SUBJECT_MAX || !text_ok(ref, false) ||
	    strchr(ref, ',') != NULL) {
		node_ctl_fail(c, WN_EINVAL, "--subject: a subject's reference "
		    "of this node, without a comma");
		return false;
	}
	if (strncmp(ref, PROTO_SUBJECT_TOKEN_PREFIX,
		sizeof(PROTO_SUBJECT_TOKEN_PREFIX) - 1) == 0) {
		node_ctl_fail(c, WN_EINVAL, "--subject: a party is a subject's "
		    "reference, not a token");
		return false;
	}
	return true;
}

/* agreed_arg: "yes" 1, "no" 0, absent -1 (when may_omit) */
static bool
agreed_arg(struct node_ctl_call *c, bool may_omit, int *out)
{
	const char *a = node_ctl_arg(c, "agreed");
	if (strcmp(a, "yes") == 0)
		*out = 1;
	else if (strcmp(a, "no") == 0)
		*out = 0;
	else if (!a[0] && may_omit)
		*out = -1;
	else {
		node_ctl_fail(c, WN_EINVAL, "--agreed: yes or no");
		return false;
	}
	return true;
}

const char *
med_agreed_words(int a)
{
	return a == 1 ? "yes" : a == 0 ? "no" : "not asked yet";
}

wn_err
node_ctl_mediation_party(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	const char *ref = node_ctl_arg(c, "subject");
	int64_t parties, known;
	int agreed;
	wn_err rc;
	if (!ref_ok(c, ref) || !agreed_arg(c, true, &agreed))
		return WN_EINVAL;
	if ((rc = med_case(c, &kc, &m, true)) != WN_OK)
		return rc;
	if ((rc = med_count_of(n, "SELECT count(*) FROM mediation_parties WHERE "
		 "case_id = ?1", kc.id, NULL, &parties)) != WN_OK ||
	    (rc = med_count_of(n, "SELECT count(*) FROM mediation_parties WHERE "
		 "case_id = ?1 AND subject = ?2", kc.id, ref, &known)) != WN_OK)
		return rc;
	if (known)
		return node_ctl_fail(c, WN_EINVAL, "that subject is a party to "
		    "the mediation of case %s already (mediation party agreed "
		    "to change its answer)", kc.id);
	if (parties >= NODE_MED_MAX_PARTIES)
		return node_ctl_fail(c, WN_ELIMIT, "a mediation has at most %d "
		    "parties", NODE_MED_MAX_PARTIES);
	sqlite3_stmt *st = node_work_prep(n, "INSERT INTO mediation_parties "
	    "(case_id, party, subject, agreed) VALUES (?1, ?2, ?3, ?4)");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, kc.id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, parties + 1);
	sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
	if (agreed >= 0)
		sqlite3_bind_int(st, 4, agreed);
	int r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	snprintf(c->detail, sizeof(c->detail), "party %lld added to the "
	    "mediation of case %s; agreed to mediate: %s",
	    (long long)parties + 1, kc.id, med_agreed_words(agreed));
	proto_ctl_reply_begin(c->w, WN_OK, "party added", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_int(c->w, "party", parties + 1);
	proto_ctl_field_text(c->w, "agreed", med_agreed_words(agreed));
	return WN_OK;
}

wn_err
node_ctl_mediation_agreed(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	const char *ref = node_ctl_arg(c, "subject");
	int64_t party;
	int agreed;
	wn_err rc;
	if (!ref_ok(c, ref) || !agreed_arg(c, false, &agreed))
		return WN_EINVAL;
	if ((rc = med_case(c, &kc, &m, true)) != WN_OK)
		return rc;
	if ((rc = med_count_of(n, "SELECT party FROM mediation_parties WHERE "
		 "case_id = ?1 AND subject = ?2", kc.id, ref, &party)) != WN_OK)
		return rc;
	if (party == 0)
		return node_ctl_fail(c, WN_ENOTFOUND, "that subject is no party "
		    "to the mediation of case %s (mediation party add)", kc.id);
	const int64_t ints[] = {party, agreed};
	if ((rc = exec(n, "UPDATE mediation_parties SET agreed = ?3 WHERE "
		 "case_id = ?1 AND party = ?2", kc.id, ints, 2, NULL, 0)) !=
	    WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "party %lld of the mediation of "
	    "case %s agreed to mediate: %s", (long long)party, kc.id,
	    med_agreed_words(agreed));
	proto_ctl_reply_begin(c->w, WN_OK, "answer recorded", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_int(c->w, "party", party);
	proto_ctl_field_text(c->w, "agreed", med_agreed_words(agreed));
	return WN_OK;
}

wn_err
node_ctl_mediation_mediator(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	const char *name = node_ctl_arg(c, "name");
	int64_t count, known;
	wn_err rc;
	if (!name[0] || !text_ok(name, false) || strchr(name, ',') != NULL)
		return node_ctl_fail(c, WN_EINVAL, "--name: a mediator's name, "
		    "without a comma");
	if ((rc = med_case(c, &kc, &m, true)) != WN_OK)
		return rc;
	if ((rc = med_count_of(n, "SELECT count(*) FROM mediation_mediators WHERE "
		 "case_id = ?1", kc.id, NULL, &count)) != WN_OK ||
	    (rc = med_count_of(n, "SELECT count(*) FROM mediation_mediators WHERE "
		 "case_id = ?1 AND name = ?2", kc.id, name, &known)) != WN_OK)
		return rc;
	if (known)
		return node_ctl_fail(c, WN_EINVAL, "that mediator is on the "
		    "mediation of case %s already", kc.id);
	if (count >= NODE_MED_MAX_MEDIATORS)
		return node_ctl_fail(c, WN_ELIMIT, "a mediation has at most %d "
		    "mediators", NODE_MED_MAX_MEDIATORS);
	const char *const texts[] = {name};
	if ((rc = exec(n, "INSERT INTO mediation_mediators (case_id, name) "
		 "VALUES (?1, ?2)", kc.id, NULL, 0, texts, 1)) != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "a mediator added to the "
	    "mediation of case %s (%lld now)", kc.id, (long long)count + 1);
	proto_ctl_reply_begin(c->w, WN_OK, "mediator added", 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_int(c->w, "mediators", count + 1);
	return WN_OK;
}

/* split: the comma-separated list s into items (at most max, each
 * trimmed of spaces, none empty or repeated); false with why */
static bool
split(const char *s, char (*items)[LIST_ITEM_MAX], size_t max, size_t *count,
    const char **why)
{
	*count = 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		while (len > 0 && *s == ' ')
			s++, len--;
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0 || len >= LIST_ITEM_MAX) {
			*why = "an empty or too long name in the list";
			return false;
		}
		if (*count == max) {
			*why = "too many in the list";
			return false;
		}
		memcpy(items[*count], s, len);
		items[*count][len] = '\0';
		for (size_t i = 0; i < *count; i++)
			if (strcmp(items[i], items[*count]) == 0) {
				*why = "a name twice in the list";
				return false;
			}
		(*count)++;
		if (e == NULL)
			break;
		s = e + 1;
		if (!*s) {
			*why = "an empty name in the list";
			return false;
		}
	}
	return true;
}

wn_err
node_ctl_mediation_talk(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	char(*with)[LIST_ITEM_MAX] = NULL, (*meds)[LIST_ITEM_MAX] = NULL;
	int64_t party[NODE_MED_MAX_PARTIES] = {0}, talk, known;
	size_t nwith = 0, nmeds = 0;
	const char *why = NULL;
	char d[11];
	int kind;
	int32_t day;
	wn_err rc = WN_ENOMEM;
	with = calloc(NODE_MED_MAX_PARTIES, sizeof(*with));
	meds = calloc(NODE_MED_MAX_MEDIATORS, sizeof(*meds));
	if (with == NULL || meds == NULL)
		goto out;
	if (!node_med_talk_parse(node_ctl_arg(c, "kind"), &kind)) {
		rc = node_ctl_fail(c, WN_EINVAL, "--kind: intake, party or "
		    "joint");
		goto out;
	}
	if (!split(node_ctl_arg(c, "with"), with, NODE_MED_MAX_PARTIES, &nwith,
		&why) ||
	    !split(node_ctl_arg(c, "mediators"), meds, NODE_MED_MAX_MEDIATORS,
		&nmeds, &why)) {
		rc = node_ctl_fail(c, WN_EINVAL, "--with, --mediators: %s", why);
		goto out;
	}
	if (kind == NODE_MED_TALK_PARTY && nwith != 1) {
		rc = node_ctl_fail(c, WN_EINVAL, "a talk with a party names "
		    "that one party: --with REF");
		goto out;
	}
	if (kind == NODE_MED_TALK_JOINT && nwith < 2) {
		rc = node_ctl_fail(c, WN_EINVAL, "a joint talk names two or "
		    "more parties: --with REF,REF");
		goto out;
	}
	if ((rc = day_arg(c, "on", &day)) != WN_OK ||
	    (rc = med_case(c, &kc, &m, true)) != WN_OK)
		goto out;
	if (day < m.referred_day) {
		node_med_day_format(m.referred_day, d);
		rc = node_ctl_fail(c, WN_EINVAL, "a talk comes after the "
		    "referral (%s)", d);
		goto out;
	}
	for (size_t i = 0; i < nwith; i++) {
		if ((rc = med_count_of(n, "SELECT party FROM mediation_parties "
			 "WHERE case_id = ?1 AND subject = ?2", kc.id, with[i],
			 &party[i])) != WN_OK)
			goto out;
		if (party[i] == 0) {
			rc = node_ctl_fail(c, WN_ENOTFOUND, "--with: the %zu%s "
			    "is no party to the mediation of case %s (mediation "
			    "party add)", i + 1, i == 0 ? "st" : i == 1 ? "nd"
			    : i == 2 ? "rd" : "th", kc.id);
			goto out;
		}
	}
	for (size_t i = 0; i < nmeds; i++) {
		if ((rc = med_count_of(n, "SELECT count(*) FROM "
			 "mediation_mediators WHERE case_id = ?1 AND name = ?2",
			 kc.id, meds[i], &known)) != WN_OK)
			goto out;
		if (known == 0) {
			rc = node_ctl_fail(c, WN_ENOTFOUND, "--mediators: the "
			    "%zu%s is not on the mediation of case %s "
			    "(mediation mediator add)", i + 1, i == 0 ? "st"
			    : i == 1 ? "nd" : i == 2 ? "rd" : "th", kc.id);
			goto out;
		}
	}
	if ((rc = med_count_of(n, "SELECT ifnull(max(talk), 0) + 1 FROM "
		 "mediation_talks WHERE case_id = ?1", kc.id, NULL, &talk)) !=
	    WN_OK)
		goto out;
	const int64_t ints[] = {talk, day, kind, wn_now_ms()};
	const char *const texts[] = {c->user->name};
	if ((rc = exec(n, "INSERT INTO mediation_talks (case_id, talk, on_day, "
		 "kind, recorded_ms, by_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		 kc.id, ints, 4, texts, 1)) != WN_OK)
		goto out;
	for (size_t i = 0; i < nwith && rc == WN_OK; i++) {
		const int64_t a[] = {talk, party[i]};
		rc = exec(n, "INSERT INTO mediation_attendance (case_id, talk, "
		    "party) VALUES (?1, ?2, ?3)", kc.id, a, 2, NULL, 0);
	}
	for (size_t i = 0; i < nmeds && rc == WN_OK; i++) {
		const int64_t a[] = {talk};
		const char *const t[] = {meds[i]};
		rc = exec(n, "INSERT INTO mediation_attendance (case_id, talk, "
		    "mediator) VALUES (?1, ?2, ?3)", kc.id, a, 1, t, 1);
	}
	if (rc != WN_OK)
		goto out;
	node_med_day_format(day, d);
	snprintf(c->detail, sizeof(c->detail), "talk %lld of the mediation of "
	    "case %s: %s on %s, %zu parties and %zu mediators", (long long)talk,
	    kc.id, node_med_talk_name(kind), d, nwith, nmeds);
	proto_ctl_reply_begin(c->w, WN_OK, "talk recorded", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_int(c->w, "talk", talk);
	proto_ctl_field_text(c->w, "on", d);
out:
	free(with);
	free(meds);
	return rc;
}

wn_err
node_ctl_mediation_agree(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	const char *text = node_ctl_arg(c, "text");
	char d[11];
	int32_t day;
	wn_err rc;
	if (!text[0])
		return node_ctl_fail(c, WN_EINVAL, "an agreement has a text");
	if (!text_ok(text, true))
		return node_ctl_fail(c, WN_EINVAL, "the agreement holds a control "
		    "character: only line ends and tabs are kept");
	if ((rc = day_arg(c, "on", &day)) != WN_OK ||
	    (rc = med_case(c, &kc, &m, true)) != WN_OK)
		return rc;
	if (day < m.referred_day) {
		node_med_day_format(m.referred_day, d);
		return node_ctl_fail(c, WN_EINVAL, "an agreement comes after the "
		    "referral (%s)", d);
	}
	const int64_t ints[] = {day};
	const char *const texts[] = {text};
	if ((rc = exec(n, "UPDATE mediations SET agreement_day = ?2, "
		 "agreement = ?3 WHERE case_id = ?1", kc.id, ints, 1, texts,
		 1)) != WN_OK)
		return rc;
	node_med_day_format(day, d);
	/* the text is the parties' own words: never in the record */
	snprintf(c->detail, sizeof(c->detail), "agreement of the mediation of "
	    "case %s %s, dated %s", kc.id, m.has_agreement ? "replaced"
	    : "recorded", d);
	proto_ctl_reply_begin(c->w, WN_OK, m.has_agreement
	    ? "agreement replaced" : "agreement recorded", 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_text(c->w, "on", d);
	return WN_OK;
}

/* the case's outcome in its life for each outcome of a mediation */
static int
life_outcome(int o)
{
	switch (o) {
	case NODE_MED_OUT_AGREEMENT:
	case NODE_MED_OUT_IMPROVED:
		return NODE_OUTCOME_RESOLVED;
	case NODE_MED_OUT_REFERRED_ON:
		return NODE_OUTCOME_HANDED_OVER;
	default:
		return NODE_OUTCOME_STOPPED;
	}
}

wn_err
node_ctl_mediation_close(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_case kc;
	struct med m;
	int64_t parties, refused;
	char d[11], why[120];
	int outcome;
	int32_t day;
	wn_err rc;
	if (!node_med_outcome_parse(node_ctl_arg(c, "outcome"), &outcome))
		return node_ctl_fail(c, WN_EINVAL, "--outcome: agreement, "
		    "improved, no_improvement, referred_on or refused");
	if ((rc = day_arg(c, "on", &day)) != WN_OK ||
	    (rc = med_case(c, &kc, &m, true)) != WN_OK)
		return rc;
	if ((rc = med_count_of(n, "SELECT count(*) FROM mediation_parties WHERE "
		 "case_id = ?1", kc.id, NULL, &parties)) != WN_OK ||
	    (rc = med_count_of(n, "SELECT count(*) FROM mediation_parties WHERE "
		 "case_id = ?1 AND agreed = 0", kc.id, NULL, &refused)) !=
	    WN_OK)
		return rc;
	if (parties < 2)
		return node_ctl_fail(c, WN_EINVAL, "a mediation has two or more "
		    "parties: case %s has %lld (mediation party add)", kc.id,
		    (long long)parties);
	if (day < m.referred_day) {
		node_med_day_format(m.referred_day, d);
		return node_ctl_fail(c, WN_EINVAL, "a mediation closes after its "
		    "referral (%s)", d);
	}
	if (outcome == NODE_MED_OUT_AGREEMENT && !m.has_agreement)
		return node_ctl_fail(c, WN_EINVAL, "no agreement is recorded for "
		    "case %s (mediation agree)", kc.id);
	if (outcome == NODE_MED_OUT_REFUSED && refused == 0)
		return node_ctl_fail(c, WN_EINVAL, "no party of case %s is "
		    "recorded as refusing (mediation party agreed ... --agreed "
		    "no)", kc.id);
	const int64_t ints[] = {outcome, day};
	if ((rc = exec(n, "UPDATE mediations SET outcome = ?2, closed_day = ?3 "
		 "WHERE case_id = ?1", kc.id, ints, 2, NULL, 0)) != WN_OK)
		return rc;
	/* the case ends with its mediation: need/ shares nothing for it */
	snprintf(why, sizeof(why), "mediation ended: %s",
	    node_med_outcome_name(outcome));
	if (kc.closed_ms == 0 && (rc = node_case_close_step(c, kc.id,
				      life_outcome(outcome), why)) != WN_OK)
		return rc;
	node_med_day_format(day, d);
	snprintf(c->detail, sizeof(c->detail), "mediation of case %s closed on "
	    "%s: %s, after %lld days%s", kc.id, d,
	    node_med_outcome_name(outcome), (long long)day - m.referred_day,
	    kc.closed_ms == 0 ? "; the case closed" : "");
	proto_ctl_reply_begin(c->w, WN_OK, "mediation closed", 1);
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_text(c->w, "case_id", kc.id);
	proto_ctl_field_text(c->w, "outcome", node_med_outcome_name(outcome));
	proto_ctl_field_text(c->w, "closed", d);
	proto_ctl_field_int(c->w, "days", (int64_t)day - m.referred_day);
	return WN_OK;
}
