/*
 * signal_list.c - signal.list: the signals of a place, a category, a
 * period, newest first, a page at a time.
 *
 * The query is built from the filters given (only those), so that SQLite
 * can walk one index in order and stop after a page: signals_municipality
 * for a municipality, signals_area for a neighbourhood,
 * signals_area_category for a neighbourhood and a category,
 * signals_category for a category, signals_when otherwise; the next
 * page starts below the last signal shown (--before ID), never with an
 * OFFSET that would read every row before it. Each incident shows once
 * (duplicates only with all), with its number of reports and the
 * subjects of every report.
 */
#include "node/work/work.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#define LIST_DEFAULT 50
#define LIST_MAX 1000

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* degrees_text writes 1e-7 degrees as a decimal, without trailing zeros */
static void
degrees_text(int64_t v, char *out, size_t cap)
{
	int64_t a = v < 0 ? -v : v;
	int k = snprintf(out, cap, "%s%lld.%07lld", v < 0 ? "-" : "",
	    (long long)(a / 10000000), (long long)(a % 10000000));
	while (k > 0 && (size_t)k < cap && out[k - 1] == '0' &&
	    out[k - 2] != '.')
		out[--k] = '\0';
}

/* subjects_text: "perpetrator: A, B; reporter: C" for the signal and the
 * signals counted under it */
static wn_err
subjects_text(struct node *n, int64_t id, char *out, size_t cap)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT DISTINCT role, subject FROM "
				   "signal_subjects WHERE signal_id IN (SELECT "
				   "?1 UNION ALL SELECT id FROM signals WHERE "
				   "duplicate_of = ?1) ORDER BY role, subject");
	size_t o = 0;
	int last = -1, r;
	if (st == NULL)
		return WN_EDB;
	out[0] = '\0';
	sqlite3_bind_int64(st, 1, id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW && o < cap) {
		int role = sqlite3_column_int(st, 0);
		if (role != last)
			o += (size_t)snprintf(out + o, cap - o, "%s%s: %s",
			    last >= 0 ? "; " : "", node_signal_role_name(role),
			    col(st, 1));
		else
			o += (size_t)snprintf(out + o, cap - o, ", %s",
			    col(st, 1));
		last = role;
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* row writes one signal's row of the reply */
static wn_err
row(struct node_ctl_call *c, int64_t id)
{
	sqlite3_stmt *st = node_work_prep(c->n, "SELECT when_ms, municipality, "
				      "neighbourhood, street, lat_e7, lon_e7, "
				      "category, source, source_id, text, "
				      "ifnull(duplicate_of, 0), recorded_by, "
				      "recorded_ms, (SELECT 1 + count(*) FROM "
				      "signals d WHERE d.duplicate_of = s.id), "
				      "summary_ms FROM signals s WHERE id = ?");
	char lat[24] = "", lon[24] = "", *subj = malloc(8192);
	wn_err rc = WN_EDB;
	if (st == NULL || subj == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW ||
	    subjects_text(c->n, id, subj, 8192) != WN_OK)
		goto out;
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		degrees_text(sqlite3_column_int64(st, 4), lat, sizeof(lat));
		degrees_text(sqlite3_column_int64(st, 5), lon, sizeof(lon));
	}
	bool dup = sqlite3_column_int64(st, 10) != 0;
	proto_ctl_row_begin(c->w, 18);
	proto_ctl_field_int(c->w, "signal_id", id);
	proto_ctl_field_int(c->w, "when_ms", sqlite3_column_int64(st, 0));
	proto_ctl_field_text(c->w, "municipality", col(st, 1));
	proto_ctl_field_text(c->w, "neighbourhood", col(st, 2));
	proto_ctl_field_text(c->w, "street", col(st, 3));
	proto_ctl_field_text(c->w, "lat", lat);
	proto_ctl_field_text(c->w, "lon", lon);
	proto_ctl_field_text(c->w, "category",
	    node_signal_category_name(sqlite3_column_int(st, 6)));
	proto_ctl_field_text(c->w, "source", col(st, 7));
	proto_ctl_field_text(c->w, "source_id", col(st, 8));
	proto_ctl_field_text(c->w, "text", col(st, 9));
	proto_ctl_field_int(c->w, "duplicate_of",
	    sqlite3_column_int64(st, 10));
	/* a duplicate is one report of the incident it counts under */
	proto_ctl_field_int(c->w, "reports",
	    dup ? 0 : sqlite3_column_int64(st, 13));
	proto_ctl_field_text(c->w, "subjects", subj);
	proto_ctl_field_text(c->w, "recorded_by", col(st, 11));
	proto_ctl_field_int(c->w, "recorded_ms", sqlite3_column_int64(st, 12));
	/* its summary for the director: queued when (0: owed, or none on
	 * the director itself) */
	bool owed = sqlite3_column_type(st, 14) == SQLITE_NULL;
	proto_ctl_field_text(c->w, "summary", c->n->is_director ? "none"
	    : owed ? "owed" : "sent");
	proto_ctl_field_int(c->w, "summary_ms", owed ? 0
	    : sqlite3_column_int64(st, 14));
	rc = WN_OK;
out:
	free(subj);
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_ctl_signal_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *area = proto_ctl_request_arg(c->req, "area");
	const char *cat = proto_ctl_request_arg(c->req, "category");
	const char *since = proto_ctl_request_arg(c->req, "since");
	const char *before = proto_ctl_request_arg(c->req, "before");
	const char *limit_s = proto_ctl_request_arg(c->req, "limit");
	bool all = proto_ctl_request_arg(c->req, "all") != NULL;
	char sql[1024], muni[256] = "", *nb = NULL;
	int64_t since_ms = 0, before_ms = 0, *ids = NULL;
	uint64_t limit = LIST_DEFAULT, before_id = 0;
	int category = -1;
	size_t o, count = 0;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EINVAL;

	if (limit_s != NULL && (!wn_parse_u64(limit_s, LIST_MAX, &limit) ||
				   limit == 0))
		return node_ctl_fail(c, rc, "limit: a number from 1 to %d",
		    LIST_MAX);
	if (cat != NULL && !node_signal_category_parse(cat, &category))
		return node_ctl_fail(c, rc, "category: '%.40s' is not one of "
		    "noise, vandalism, drugs, loitering, intimidation, "
		    "confused_behaviour, littering, dwelling_neglect, other",
		    cat);
	if (since != NULL && !node_signal_when_parse(since, &since_ms))
		return node_ctl_fail(c, rc, "since: '%.40s' is not a date "
		    "(YYYY-MM-DD, or with a time HH:MM)", since);
	if (area != NULL) {
		if (wn_strlcpy(muni, area, sizeof(muni)) >= sizeof(muni) ||
		    muni[0] == '\0' || muni[0] == '/')
			return node_ctl_fail(c, rc, "area: a municipality, or "
			    "MUNICIPALITY/NEIGHBOURHOOD");
		if ((nb = strchr(muni, '/')) != NULL)
			*nb++ = '\0';
	}
	if (proto_ctl_request_arg(c->req, "received") != NULL) {
		if (before != NULL || all)
			return node_ctl_fail(c, rc, "--received lists the "
			    "members' signals: without --before or --all");
		return node_signal_list_received(c, area ? muni : NULL, nb,
		    category, since, since_ms, limit);
	}
	if (before != NULL) {
		bool exists = false;
		if (!wn_parse_u64(before, INT64_MAX, &before_id) ||
		    before_id == 0)
			return node_ctl_fail(c, rc, "before: a signal number");
		if ((st = node_work_prep(n, "SELECT when_ms FROM signals WHERE id = ?")) ==
		    NULL)
			return WN_EDB;
		sqlite3_bind_int64(st, 1, (int64_t)before_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			before_ms = sqlite3_column_int64(st, 0);
			exists = true;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (!exists)
			return node_ctl_fail(c, WN_ENOTFOUND, "before: there is "
			    "no signal %llu here", (unsigned long long)before_id);
	}
	o = (size_t)snprintf(sql, sizeof(sql), "SELECT id FROM signals WHERE 1");
	if (area != NULL)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND municipality = :m%s", nb ? " AND neighbourhood = :n"
						  : "");
	if (category >= 0)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND category = :c");
	if (since != NULL)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND when_ms >= :s");
	if (before != NULL)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND when_ms <= :bw AND (when_ms < :bw OR id < :bi)");
	if (!all)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o,
		    " AND duplicate_of IS NULL");
	snprintf(sql + o, sizeof(sql) - o, " ORDER BY when_ms DESC, id DESC "
	    "LIMIT :l");
	rc = WN_EDB;
	if ((st = node_work_prep(n, sql)) == NULL ||
	    (ids = calloc(limit + 1, sizeof(*ids))) == NULL)
		goto out;
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
	BIND(":bw", sqlite3_bind_int64(st, ix_, before_ms));
	BIND(":bi", sqlite3_bind_int64(st, ix_, (int64_t)before_id));
	BIND(":l", sqlite3_bind_int64(st, ix_, (int64_t)limit + 1));
#undef BIND
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		ids[count++] = sqlite3_column_int64(st, 0);
	if (r != SQLITE_DONE)
		goto out;
	bool more = count > limit;
	if (more)
		count = (size_t)limit;
	char msg[200];
	if (count == 0)
		snprintf(msg, sizeof(msg), "no signals%s",
		    area || cat || since || before ? " match" : " yet");
	else if (more)
		snprintf(msg, sizeof(msg), "%zu %s, newest first; older ones "
		    "follow: list again with --before %lld", count,
		    all ? "signals" : "incidents", (long long)ids[count - 1]);
	else
		snprintf(msg, sizeof(msg), "%zu %s, newest first", count,
		    all ? "signals" : "incidents");
	snprintf(c->detail, sizeof(c->detail), "viewed %zu signals%s%s",
	    count, area ? " of " : "", area ? area : "");
	proto_ctl_reply_begin(c->w, WN_OK, msg, count);
	for (size_t i = 0; i < count; i++)
		if ((rc = row(c, ids[i])) != WN_OK)
			goto out;
	rc = WN_OK;
out:
	free(ids);
	sqlite3_finalize(st);
	return rc;
}
