/*
 * concern.c - a partner's concerns on a subject's token: registering,
 * listing and withdrawing them (concern.add, concern.list,
 * concern.withdraw), the director's notices of the other partners that
 * hold one on the same token (CONCERN_MATCH, concern.matches), and the
 * room's registration. The director's side, which keeps every partner's
 * concerns and matches them, is concern_held.c.
 *
 * A concern is stored in `concerns` with its token, contact and expiry,
 * and in the same transaction its registration is queued for the
 * federation's director (CONCERN), or, on the director itself, put
 * straight among the concerns it holds. A withdrawal marks it withdrawn,
 * forgets its matches and tells the director its number alone. An expired
 * concern stays listed as expired and shows no matches. The token never
 * goes in a log line or an audit record: only its fingerprint. A notice
 * that names a partner this node was not told of yet raises match.found
 * (the alert room): the concern's number and the partner, no case.
 */
#include "node/subject/concern_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "crypto/sec.h"
#include "protocol/need_wire.h"

#define DAY_MS INT64_C(86400000)
#define LIST_MAX 1000

static int64_t clock_ahead_ms;

sqlite3_stmt *
concern_prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "concerns: %s",
		    node_store_errmsg(n->store));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

int64_t
concern_now(void)
{
	return wn_now_ms() + clock_ahead_ms;
}

void
concern_day(int64_t until_ms, char out[11])
{
	time_t t = (time_t)((until_ms - 1) / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		wn_strlcpy(out, "?", 11);
}

void
node_concern_fp(const uint8_t token[PROTO_TOKEN_LEN], char out[9])
{
	uint8_t h[SEC_HASH_LEN];
	struct sec_part p = {token, PROTO_TOKEN_LEN};
	sec_hash_domain(h, "wijknet-concern-fp", &p, 1);
	sec_hex(out, 9, h, 4);
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* ---- arguments -------------------------------------------------------- */

/* token_arg reads the token of a concern: this node's subject's
 * (--subject REF, subject add), or its 64 hex digits (--token) */
static wn_err
token_arg(struct node_ctl_call *c, uint8_t out[PROTO_TOKEN_LEN])
{
	static const uint8_t zero[PROTO_TOKEN_LEN];
	_Static_assert(PROTO_TOKEN_LEN == NODE_SUBJECT_TOKEN_LEN, "token");
	const char *hex = node_ctl_arg(c, "token");
	const char *ref = node_ctl_arg(c, "subject");
	if (ref[0] != '\0' && hex[0] != '\0')
		return node_ctl_fail(c, WN_EINVAL, "a concern names its subject "
		    "by --subject or by --token, not both");
	if (ref[0] != '\0') {
		wn_err rc = node_subject_token_of(c->n, ref, out);
		if (rc == WN_ENOTFOUND)
			return node_ctl_fail(c, rc, "no subject '%s' here "
			    "(wijknet subject list)", ref);
		if (rc == WN_EBUSY)
			return node_ctl_fail(c, rc, "subject '%s' has no token "
			    "yet (wijknet subject show %s says why)", ref,
			    ref);
		return rc;
	}
	if (hex[0] == '\0')
		return node_ctl_fail(c, WN_EINVAL, "a concern needs a subject "
		    "(--subject REF) or a token (64 hex digits)");
	if (strlen(hex) != 2 * PROTO_TOKEN_LEN ||
	    !sec_unhex(out, PROTO_TOKEN_LEN, hex))
		return node_ctl_fail(c, WN_EINVAL, "the token is not 64 hex "
		    "digits");
	if (sec_equal(out, zero, sizeof(zero)))
		return node_ctl_fail(c, WN_EINVAL, "the token is all zeros: "
		    "no subject's token");
	return WN_OK;
}

/* day_of: midnight (UTC, s) of a YYYY-MM-DD, false if it is none */
static bool
day_of(const char *s, time_t *out)
{
	struct tm tm = {0}, back;
	unsigned y, m, d;
	char tail;
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || y < 1970 ||
	    y > 9999)
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	back = tm;
	if ((*out = timegm(&back)) == (time_t)-1 || back.tm_year != tm.tm_year ||
	    back.tm_mon != tm.tm_mon || back.tm_mday != tm.tm_mday)
		return false;
	return true;
}

/* until_arg: --until YYYY-MM-DD, today to two years from today (the
 * room's clock, UTC): the concern runs to the end of that day */
static wn_err
until_arg(struct node_ctl_call *c, int64_t *until_ms)
{
	const char *s = node_ctl_arg(c, "until");
	time_t day, today, limit, now = (time_t)(concern_now() / 1000);
	struct tm tm;
	char last[11];
	if (!day_of(s, &day))
		return node_ctl_fail(c, WN_EINVAL, "--until must be a date, "
		    "YYYY-MM-DD");
	if (gmtime_r(&now, &tm) == NULL)
		return WN_EINVAL;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	today = timegm(&tm);
	tm.tm_year += NODE_CONCERN_YEARS;
	limit = timegm(&tm);
	if (day < today)
		return node_ctl_fail(c, WN_EINVAL, "--until %s is in the past",
		    s);
	if (day > limit) {
		concern_day((int64_t)limit * 1000 + DAY_MS, last);
		return node_ctl_fail(c, WN_EINVAL, "--until %s is more than two "
		    "years ahead: a concern runs at most until %s", s, last);
	}
	*until_ms = (int64_t)day * 1000 + DAY_MS;
	return WN_OK;
}

/* director: the peer concerns go to, or NULL on the director itself;
 * WN_ENOTFOUND (said) when a member has none to tell yet */
static wn_err
director(struct node_ctl_call *c, struct node_peer **out)
{
	struct node *n = c->n;
	char fed[PROTO_ORG_ID_MAX + 1];
	struct node_peer *p;
	wn_err rc;
	*out = NULL;
	if (n->is_director)
		return WN_OK;
	rc = node_charter_federation(n, fed, sizeof(fed));
	if (rc != WN_OK && rc != WN_ENOTFOUND)
		return rc;
	if (rc == WN_ENOTFOUND || (p = node_peer_find(n, fed)) == NULL ||
	    p->gone)
		return node_ctl_fail(c, WN_ENOTFOUND, "this node has no "
		    "director to tell of a concern yet (it holds no charter)");
	*out = p;
	return WN_OK;
}

/* tell queues a concern's registration or withdrawal for the director,
 * or on the director puts it among the concerns it holds */
static wn_err
tell(struct node_ctl_call *c, struct node_peer *to,
    const struct proto_concern *k)
{
	uint8_t buf[1024];
	struct proto_writer w;
	char why[256] = "";
	bool kick = false;
	wn_err rc;
	if (to == NULL) {
		rc = concern_held_put(c->n, c->n->cfg.org_id, k, &kick, why,
		    sizeof(why));
		c->kick = c->kick || kick;
		if (rc != WN_OK && why[0])
			return node_ctl_fail(c, rc, "%s", why);
		return rc;
	}
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_concern_encode(k, &w)) != WN_OK ||
	    (rc = node_outbox_push(c->n, to, PROTO_MSG_CONCERN, w.buf,
		 w.len)) != WN_OK)
		return rc;
	c->kick = true;
	return WN_OK;
}

/* ---- commands ------------------------------------------------------- */

wn_err
node_ctl_concern_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct proto_concern k = {0};
	struct node_peer *to = NULL;
	const char *contact = node_ctl_arg(c, "contact");
	sqlite3_stmt *st = NULL;
	char fp[9], day[11], msg[200];
	wn_err rc;
	if ((rc = token_arg(c, k.token)) != WN_OK ||
	    (rc = until_arg(c, &k.until_ms)) != WN_OK)
		return rc;
	if (contact[0] == '\0' || strlen(contact) > PROTO_CONTACT_MAX ||
	    !proto_line_valid(contact))
		return node_ctl_fail(c, WN_EINVAL, "--contact must be one line "
		    "of at most %d characters: a name and a phone number or "
		    "mail address", PROTO_CONTACT_CHARS);
	wn_strlcpy(k.contact, contact, sizeof(k.contact));
	if ((rc = director(c, &to)) != WN_OK)
		return rc;
	if ((st = concern_prep(n, "SELECT id FROM concerns WHERE token = ? "
				  "AND withdrawn_ms IS NULL AND until_ms > ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, k.token, sizeof(k.token), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, concern_now());
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		return node_ctl_fail(c, WN_EINVAL, "concern %lld is registered "
		    "on this token already (withdraw it first)", id);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	if ((st = concern_prep(n, "INSERT INTO concerns (token, contact, "
				  "until_ms, created_ms) VALUES (?, ?, ?, ?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_blob(st, 1, k.token, sizeof(k.token), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k.contact, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, k.until_ms);
	sqlite3_bind_int64(st, 4, wn_now_ms());
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	k.number = (uint64_t)sqlite3_last_insert_rowid(node_store_db(n->store));
	if ((rc = tell(c, to, &k)) != WN_OK)
		return rc;
	node_concern_fp(k.token, fp);
	concern_day(k.until_ms, day);
	snprintf(c->detail, sizeof(c->detail), "concern %llu, token %s, until "
	    "%s", (unsigned long long)k.number, fp, day);
	snprintf(msg, sizeof(msg), "concern %llu registered until %s%s",
	    (unsigned long long)k.number, day, to ? "; the director is told"
						  : "");
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_int(c->w, "concern", (int64_t)k.number);
	proto_ctl_field_int(c->w, "until_ms", k.until_ms);
	return WN_OK;
}

/* concern_id: the concern named by the request's `concern` */
static wn_err
concern_id(struct node_ctl_call *c, int64_t *id)
{
	uint64_t v;
	if (!wn_parse_u64(node_ctl_arg(c, "concern"), INT64_MAX, &v) || v == 0)
		return node_ctl_fail(c, WN_EINVAL, "concerns are named by their "
		    "number");
	*id = (int64_t)v;
	return WN_OK;
}

wn_err
node_ctl_concern_withdraw(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct proto_concern k = {0};
	struct node_peer *to = NULL;
	sqlite3_stmt *st;
	uint8_t token[PROTO_TOKEN_LEN];
	char fp[9], msg[160];
	int64_t id = 0;
	wn_err rc;
	int r;
	if ((rc = concern_id(c, &id)) != WN_OK)
		return rc;
	if ((st = concern_prep(n, "SELECT token, withdrawn_ms FROM concerns "
				  "WHERE id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	if ((r = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return r == SQLITE_DONE ? node_ctl_fail(c, WN_ENOTFOUND,
					      "no concern %lld here",
					      (long long)id)
					: WN_EDB;
	}
	bool gone = sqlite3_column_type(st, 1) != SQLITE_NULL;
	memcpy(token, sqlite3_column_blob(st, 0), sizeof(token));
	sqlite3_finalize(st);
	if (gone)
		return node_ctl_fail(c, WN_EINVAL, "concern %lld was withdrawn "
		    "already", (long long)id);
	if ((rc = director(c, &to)) != WN_OK)
		return rc;
	if ((st = concern_prep(n, "UPDATE concerns SET withdrawn_ms = ? WHERE "
				  "id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, wn_now_ms());
	sqlite3_bind_int64(st, 2, id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE ||
	    (st = concern_prep(n, "DELETE FROM concern_matches WHERE "
				  "concern_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	k.number = (uint64_t)id;
	k.withdrawn = true;
	if ((rc = tell(c, to, &k)) != WN_OK)
		return rc;
	node_concern_fp(token, fp);
	snprintf(c->detail, sizeof(c->detail), "concern %lld, token %s",
	    (long long)id, fp);
	snprintf(msg, sizeof(msg), "concern %lld withdrawn%s", (long long)id,
	    to ? "; the director is told" : "");
	proto_ctl_reply_begin(c->w, WN_OK, msg, 0);
	return WN_OK;
}

wn_err
node_ctl_concern_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	int64_t now = concern_now(), rows;
	char hex[2 * PROTO_TOKEN_LEN + 1], msg[120];
	sqlite3_stmt *st = concern_prep(n, "SELECT count(*) FROM concerns");
	wn_err rc = WN_EDB;
	if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
		goto out;
	rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = concern_prep(n, "SELECT id, token, contact, until_ms, "
				  "created_ms, withdrawn_ms, (SELECT count(*) "
				  "FROM concern_matches m WHERE m.concern_id = "
				  "c.id) FROM concerns c ORDER BY id DESC "
				  "LIMIT ?")) == NULL)
		goto out;
	sqlite3_bind_int(st, 1, LIST_MAX);
	size_t shown = rows > LIST_MAX ? LIST_MAX : (size_t)rows;
	if (rows > LIST_MAX)
		snprintf(msg, sizeof(msg), "%lld concerns, the newest %d shown",
		    (long long)rows, LIST_MAX);
	else
		snprintf(msg, sizeof(msg), "%lld concern%s", (long long)rows,
		    rows == 1 ? "" : "s");
	proto_ctl_reply_begin(c->w, WN_OK, msg, shown);
	for (size_t i = 0; i < shown; i++) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out; /* the reply is short: the call fails */
		bool withdrawn = sqlite3_column_type(st, 5) != SQLITE_NULL;
		int64_t until = sqlite3_column_int64(st, 3);
		const char *state = withdrawn ? "withdrawn"
				    : until <= now ? "expired" : "active";
		sec_hex(hex, sizeof(hex), sqlite3_column_blob(st, 1),
		    PROTO_TOKEN_LEN);
		proto_ctl_row_begin(c->w, 8);
		proto_ctl_field_int(c->w, "concern", sqlite3_column_int64(st, 0));
		proto_ctl_field_text(c->w, "token", hex);
		proto_ctl_field_text(c->w, "contact", col(st, 2));
		proto_ctl_field_int(c->w, "until_ms", until);
		proto_ctl_field_int(c->w, "created_ms",
		    sqlite3_column_int64(st, 4));
		proto_ctl_field_int(c->w, "withdrawn_ms",
		    sqlite3_column_int64(st, 5));
		proto_ctl_field_text(c->w, "state", state);
		/* an expired or withdrawn concern matches nobody */
		proto_ctl_field_int(c->w, "partners", strcmp(state, "active")
		    ? 0 : sqlite3_column_int64(st, 6));
	}
	snprintf(c->detail, sizeof(c->detail), "viewed %zu concerns", shown);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

/* partner_name: a partner's display name from the peer table (this node's
 * own for itself; "" when it is not enrolled here) */
static const char *
partner_name(struct node *n, const char *org)
{
	struct node_peer *p;
	if (strcmp(org, n->cfg.org_id) == 0)
		return n->cfg.org_name;
	p = node_peer_find(n, org);
	return p ? p->name : "";
}

wn_err
node_ctl_concern_matches(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st = NULL;
	/* one clock for the count and the rows (see concern.held) */
	int64_t rows, now = concern_now();
	char msg[120];
	wn_err rc = WN_EDB;
#define ACTIVE_MATCHES \
	"FROM concern_matches m JOIN concerns c ON c.id = m.concern_id WHERE " \
	"c.withdrawn_ms IS NULL AND c.until_ms > ?1"
	if ((st = concern_prep(n, "SELECT count(*) " ACTIVE_MATCHES)) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	rows = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = concern_prep(n, "SELECT c.id, c.until_ms, m.partner, "
				  "m.contact, m.since_ms, m.received_ms "
				  ACTIVE_MATCHES " ORDER BY c.id DESC, m.partner "
				  "LIMIT ?2")) == NULL)
		goto out;
#undef ACTIVE_MATCHES
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int(st, 2, LIST_MAX);
	size_t shown = rows > LIST_MAX ? LIST_MAX : (size_t)rows;
	if (rows == 0)
		snprintf(msg, sizeof(msg), "no other partner has a concern on "
		    "the subjects of this node's concerns");
	else
		snprintf(msg, sizeof(msg), "%lld partner%s with a concern on the "
		    "same subject%s", (long long)rows, rows == 1 ? "" : "s",
		    rows > LIST_MAX ? " (the first 1000 shown)" : "");
	proto_ctl_reply_begin(c->w, WN_OK, msg, shown);
	for (size_t i = 0; i < shown; i++) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		proto_ctl_row_begin(c->w, 7);
		proto_ctl_field_int(c->w, "concern", sqlite3_column_int64(st, 0));
		proto_ctl_field_int(c->w, "until_ms", sqlite3_column_int64(st, 1));
		proto_ctl_field_text(c->w, "partner", col(st, 2));
		proto_ctl_field_text(c->w, "partner_name",
		    partner_name(n, col(st, 2)));
		proto_ctl_field_text(c->w, "contact", col(st, 3));
		proto_ctl_field_int(c->w, "since_ms", sqlite3_column_int64(st, 4));
		proto_ctl_field_int(c->w, "received_ms",
		    sqlite3_column_int64(st, 5));
	}
	snprintf(c->detail, sizeof(c->detail), "viewed %zu matches", shown);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- the director's notices ------------------------------------------ */

wn_err
concern_matched(struct node *n, const char *from,
    const struct proto_concern_match *m, char *why, size_t whylen)
{
	sqlite3_stmt *st;
	char detail[600];
	bool fresh[PROTO_MATCH_OTHERS_MAX] = {false};
	size_t o;
	int r = SQLITE_DONE;
	wn_err rc;
	if ((st = concern_prep(n, "SELECT withdrawn_ms FROM concerns WHERE id "
				  "= ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)m->number);
	r = sqlite3_step(st);
	bool withdrawn = r == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL;
	sqlite3_finalize(st);
	if (r == SQLITE_DONE) {
		snprintf(why, whylen, "no concern %llu here",
		    (unsigned long long)m->number);
		return WN_EDENIED;
	}
	if (r != SQLITE_ROW)
		return WN_EDB;
	if (withdrawn)
		return WN_OK; /* news of what this node gave up: nothing */
	for (size_t i = 0; i < m->nothers; i++)
		if (strcmp(m->others[i].partner, n->cfg.org_id) == 0) {
			snprintf(why, whylen, "a match on concern %llu names "
			    "this node as another partner",
			    (unsigned long long)m->number);
			return WN_EDENIED;
		}
	/* a partner this node was not told of yet, for its alert below */
	if ((st = concern_prep(n, "SELECT 1 FROM concern_matches WHERE "
				  "concern_id = ? AND partner = ?")) == NULL)
		return WN_EDB;
	for (size_t i = 0; i < m->nothers; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, (int64_t)m->number);
		sqlite3_bind_text(st, 2, m->others[i].partner, -1,
		    SQLITE_STATIC);
		if ((r = sqlite3_step(st)) != SQLITE_ROW && r != SQLITE_DONE)
			break;
		fresh[i] = r == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return WN_EDB;
	if ((st = concern_prep(n, "DELETE FROM concern_matches WHERE "
				  "concern_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)m->number);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	o = (size_t)snprintf(detail, sizeof(detail), "%s",
	    m->nothers ? "other partners:" : "no other partner");
	for (size_t i = 0; i < m->nothers; i++) {
		const struct proto_concern_other *x = &m->others[i];
		if ((st = concern_prep(n, "INSERT INTO concern_matches "
					  "(concern_id, partner, contact, "
					  "since_ms, received_ms) VALUES (?, ?, "
					  "?, ?, ?)")) == NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, (int64_t)m->number);
		sqlite3_bind_text(st, 2, x->partner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, x->contact, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, x->since_ms);
		sqlite3_bind_int64(st, 5, wn_now_ms());
		r = sqlite3_step(st);
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
		if (o < sizeof(detail))
			o += (size_t)snprintf(detail + o, sizeof(detail) - o,
			    "%s %s", i ? "," : "", x->partner);
	}
	char object[40];
	snprintf(object, sizeof(object), "concern %llu",
	    (unsigned long long)m->number);
	/* the partners' org ids only: their contacts are in the table */
	if ((rc = node_audit_append(n->store, from, "concern.match", object,
		 detail)) != WN_OK)
		return rc;
	/* this node's people are told of each partner newly concerned (the
	 * alert room keeps it): the concern's number and the partner, as
	 * the audit record; no token, no contact, and no case */
	for (size_t i = 0; i < m->nothers; i++) {
		struct node_event ev = {"match.found", "", m->others[i].partner,
		    (int64_t)m->number, "concern"};
		if (fresh[i] && (rc = node_event_raise(n, &ev)) != WN_OK)
			return rc;
	}
	return WN_OK;
}

wn_err
node_concern_match_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	static struct proto_concern_match m; /* n->mtx held: one at a time */
	struct proto_error perr = {0};
	char fed[PROTO_ORG_ID_MAX + 1];
	wn_err rc;
	(void)h;
	if (n->is_director ||
	    (rc = node_charter_federation(n, fed, sizeof(fed))) != WN_OK ||
	    strcmp(fed, from->org_id) != 0) {
		snprintf(why, whylen, "matches of concerns come from the "
		    "federation's director only");
		return WN_EDENIED;
	}
	if (proto_concern_match_decode(body, len, &m, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed concern match at byte %zu: %s",
		    perr.offset, perr.msg);
		return WN_EPROTO;
	}
	return concern_matched(n, from->org_id, &m, why, whylen);
}

/* ---- registration ----------------------------------------------------- */

static const struct node_ctl_text add_texts[] = {
    {"contact", PROTO_CONTACT_CHARS}, {NULL, 0}};
/* case.open's own limit: concern.case hands the purpose on to it */
static const struct node_ctl_text case_texts[] = {
    {"purpose", PROTO_PURPOSE_CHARS}, {NULL, 0}};

static const struct node_ctl_cmd concern_cmds[] = {
	{"concern.add", CFG_USER_CASE_WORKER, node_ctl_concern_add,
	    "register a concern on a subject's token, with a contact and an "
	    "expiry", false, add_texts},
	{"concern.list", CFG_USER_CASE_WORKER, node_ctl_concern_list,
	    "this node's concerns", true},
	{"concern.withdraw", CFG_USER_CASE_WORKER, node_ctl_concern_withdraw,
	    "withdraw a concern", false},
	{"concern.matches", CFG_USER_CASE_WORKER, node_ctl_concern_matches,
	    "the other partners with a concern on the same subject", true},
	{"concern.held", CFG_USER_CASE_WORKER, node_ctl_concern_held,
	    "the matches the director holds: partners with a concern on the "
	    "same subject", true},
	{"concern.case", CFG_USER_CASE_WORKER, node_ctl_concern_case,
	    "open a case on a match, with its partners as members (the "
	    "director)", false, case_texts},
};

static const struct node_msg_kind concern_kinds[] = {
	{PROTO_MSG_CONCERN, node_concern_apply},
	{PROTO_MSG_CONCERN_MATCH, node_concern_match_apply},
};

/* concern_resync, the exchange's resync hook (PROTOCOL.md, "After a
 * restore"): the federation's director asks, its store having gone back
 * to a copy of since_ms. A member tells it again every concern it holds
 * in force, all of them (the copy may lack one registered before it that
 * arrived after), and the withdrawal of each it withdrew since (less the
 * clocks' window); the director takes a registration it holds as the same
 * concern, and a withdrawal of one it does not hold as nothing. The
 * concerns table keeps every concern with when it was withdrawn: no
 * tombstone is needed. Asked by anyone else, or on the director, it sends
 * nothing. In the receiving transaction. */
static wn_err
concern_resync(struct node *n, struct node_peer *to, int64_t since_ms,
    size_t *queued)
{
	char fed[PROTO_ORG_ID_MAX + 1];
	sqlite3_stmt *st = NULL;
	uint8_t buf[1024];
	struct proto_writer w;
	wn_err rc;
	if (n->is_director)
		return WN_OK;
	rc = node_charter_federation(n, fed, sizeof(fed));
	if (rc == WN_ENOTFOUND)
		return WN_OK;
	if (rc != WN_OK)
		return rc;
	if (strcmp(fed, to->org_id) != 0)
		return WN_OK;
	if ((st = concern_prep(n, "SELECT id, token, contact, until_ms, "
				  "withdrawn_ms FROM concerns WHERE "
				  "(withdrawn_ms IS NULL AND until_ms > ?1) OR "
				  "withdrawn_ms >= ?2 ORDER BY id")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, concern_now());
	sqlite3_bind_int64(st, 2, since_ms - NODE_RESYNC_SLACK_MS);
	for (;;) {
		struct proto_concern k = {0};
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		rc = WN_EDB;
		if (step != SQLITE_ROW)
			goto out;
		k.number = (uint64_t)sqlite3_column_int64(st, 0);
		k.withdrawn = sqlite3_column_type(st, 4) != SQLITE_NULL;
		if (!k.withdrawn) {
			if (sqlite3_column_bytes(st, 1) != PROTO_TOKEN_LEN)
				goto out;
			memcpy(k.token, sqlite3_column_blob(st, 1),
			    PROTO_TOKEN_LEN);
			wn_strlcpy(k.contact, col(st, 2), sizeof(k.contact));
			k.until_ms = sqlite3_column_int64(st, 3);
		}
		proto_writer_init(&w, buf, sizeof(buf));
		if ((rc = proto_concern_encode(&k, &w)) != WN_OK ||
		    (rc = node_outbox_push(n, to, PROTO_MSG_CONCERN, w.buf,
			 w.len)) != WN_OK)
			goto out;
		(*queued)++;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static const struct node_periodic expiry = {"concerns.expire",
    NODE_CONCERN_PERIOD_MS, "WIJKNET_TEST_CONCERN_PERIOD_MS",
    node_concern_expire};

void
node_concern_room_register(void)
{
	node_exchange_register(concern_kinds, WN_ARRAY_LEN(concern_kinds));
	node_exchange_on_resync(concern_resync, "concerns");
	node_ctl_register(concern_cmds, WN_ARRAY_LEN(concern_cmds));
	clock_ahead_ms = node_test_ahead_ms("WIJKNET_TEST_CONCERN_AHEAD_MS");
	node_periodic_register(&expiry);
	concern_case_register();
}
