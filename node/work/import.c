/*
 * import.c - signal.import: signals from a CSV export of a partner's own
 * system, a part of the file per request.
 *
 * The CLI reads the file and sends, in each request, its header, whole
 * records cut into up to IMPORT_CHUNKS pieces (rows0, rows1, ...: joined
 * again here, so that a long record may span two) and the line the first
 * one starts on; this node reads the records (config/csv.h),
 * checks each as signal.add does and stores the good ones in the
 * request's transaction. Every record gets a row in the reply: its line,
 * and whether it was added, known already (its import key, see
 * node_signal_key, is here with the same values: the same file again
 * adds nothing), corrected (a row with the source_id of one imported
 * before, and other values: the partner's system corrected it, and the
 * stored signal takes the new values), or refused with the reason. A refused record stores nothing; the others are kept.
 * The header must be right, or nothing of the request is read.
 */
#include "node/work/work.h"

#include <string.h>

#include "config/csv.h"

#define IMPORT_CHUNKS 13
#define IMPORT_ROWS_MAX (IMPORT_CHUNKS * PROTO_CTL_VALUE_MAX)
#define IMPORT_MAX_COLUMNS 16

enum col {
	COL_WHEN,
	COL_MUNICIPALITY,
	COL_NEIGHBOURHOOD,
	COL_STREET,
	COL_LAT,
	COL_LON,
	COL_CATEGORY,
	COL_SOURCE,
	COL_SOURCE_ID,
	COL_TEXT,
	COL_PERPETRATOR,
	COL_VICTIM,
	COL_REPORTER,
	COL_PREMISES,
	COL_N
};

static const char *const col_names[COL_N] = {"when", "municipality",
    "neighbourhood", "street", "lat", "lon", "category", "source",
    "source_id", "text", "perpetrator", "victim", "reporter", "premises"};

#define COLUMNS                                                                \
	"when, municipality, neighbourhood, street, lat, lon, category, "     \
	"source, source_id, text, perpetrator, victim, reporter, premises"

/* header reads the header record into map: map[col] is the field index
 * of that column, or -1 */
static bool
header(const char *text, int map[COL_N], size_t *ncols, char *sep,
    char *err, size_t errlen)
{
	const char *f[IMPORT_MAX_COLUMNS];
	char buf[1024], e[128];
	size_t len = strlen(text), n;
	for (int k = 0; k < COL_N; k++)
		map[k] = -1;
	*sep = cfg_csv_separator(text, len);
	if (len >= sizeof(buf) - IMPORT_MAX_COLUMNS - 1 ||
	    !cfg_csv_fields(text, len, *sep, buf, sizeof(buf), f,
		IMPORT_MAX_COLUMNS, &n, e, sizeof(e))) {
		snprintf(err, errlen, "the header (line 1) is not a CSV line of "
		    "column names: %s", len >= sizeof(buf) - IMPORT_MAX_COLUMNS - 1
		    ? "too long" : e);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char name[32];
		size_t j = 0;
		const char *p = f[i] + strspn(f[i], " \t");
		for (; p[j] && p[j] != ' ' && j + 1 < sizeof(name); j++)
			name[j] = (p[j] >= 'A' && p[j] <= 'Z')
			    ? (char)(p[j] - 'A' + 'a') : p[j];
		name[j] = '\0';
		int k;
		for (k = 0; k < COL_N && strcmp(name, col_names[k]) != 0; k++)
			;
		if (k == COL_N || p[j + strspn(p + j, " \t")] != '\0') {
			snprintf(err, errlen, "the header (line 1) names an "
			    "unknown column '%.40s'; the columns are: " COLUMNS,
			    f[i]);
			return false;
		}
		if (map[k] >= 0) {
			snprintf(err, errlen, "the header (line 1) names the "
			    "column '%s' twice", col_names[k]);
			return false;
		}
		map[k] = (int)i;
	}
	static const int required[] = {COL_WHEN, COL_MUNICIPALITY,
	    COL_CATEGORY, COL_SOURCE};
	for (size_t r = 0; r < WN_ARRAY_LEN(required); r++) {
		if (map[required[r]] < 0) {
			snprintf(err, errlen, "the header (line 1) has no "
			    "column '%s' (required: when, municipality, "
			    "category, source)", col_names[required[r]]);
			return false;
		}
	}
	*ncols = n;
	return true;
}

static void
outcome(struct node_ctl_call *c, int64_t line, const char *what, int64_t id,
    const char *error)
{
	proto_ctl_row_begin(c->w, 4);
	proto_ctl_field_int(c->w, "line", line);
	proto_ctl_field_text(c->w, "outcome", what);
	proto_ctl_field_int(c->w, "signal_id", id);
	proto_ctl_field_text(c->w, "error", error);
}

/* blank: a record with nothing but separators and spaces */
static bool
blank(const char *rec, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(",; \t\r\n", rec[i]))
			return false;
	return true;
}

struct tally {
	size_t records, added, corrected, known, refused, sent;
	size_t to_cases; /* copies queued for the members of its cases */
	struct node_summary_gate gate; /* asked once per request */
};

/* one_record checks and stores one record and writes its outcome (with
 * write; without, it only counts it); a refusal is an outcome, only a
 * store error fails */
static wn_err
one_record(struct node_ctl_call *c, const int map[COL_N], size_t ncols,
    char sep, const char *rec, size_t len, int64_t line, bool write,
    struct node_signal *s, char *buf, size_t cap, struct tally *t)
{
	const char *f[IMPORT_MAX_COLUMNS];
	struct node_signal_in in = {0};
	char err[256], e[128];
	size_t n;
	uint8_t key[32];
	int64_t id = 0;
	t->records++;
	if (!write)
		return WN_OK; /* the first walk only counts */
	if (!cfg_csv_fields(rec, len, sep, buf, cap, f, IMPORT_MAX_COLUMNS, &n,
		e, sizeof(e)))
		snprintf(err, sizeof(err), "not a CSV line: %s", e);
	else if (n != ncols)
		snprintf(err, sizeof(err), "%zu fields, the header has %zu", n,
		    ncols);
	else {
		const char **slot[COL_N] = {&in.when, &in.municipality,
		    &in.neighbourhood, &in.street, &in.lat, &in.lon,
		    &in.category, &in.source, &in.source_id, &in.text,
		    &in.subjects[NODE_ROLE_PERPETRATOR],
		    &in.subjects[NODE_ROLE_VICTIM],
		    &in.subjects[NODE_ROLE_REPORTER],
		    &in.subjects[NODE_ROLE_PREMISES]};
		for (int k = 0; k < COL_N; k++)
			if (map[k] >= 0)
				*slot[k] = f[map[k]];
		/* a row says when: only a signal typed now may leave it out */
		if (in.when[strspn(in.when, " \t")] == '\0')
			snprintf(err, sizeof(err), "when is required (the date "
			    "and time of the signal)");
		else if (node_signal_check(&in, wn_now_ms(), s, err,
			     sizeof(err)))
			goto store;
	}
	t->refused++;
	outcome(c, line, "refused", 0, err);
	return WN_OK;
store:;
	enum node_sig_stored how;
	wn_err rc = node_signal_key(s, key);
	if (rc != WN_OK ||
	    (rc = node_signal_insert(c->n, s, c->user->name, key, true, &id,
		 &how)) != WN_OK)
		return rc;
	if (how == NODE_SIG_KNOWN) {
		t->known++;
	} else {
		bool sent;
		if (how == NODE_SIG_ADDED)
			t->added++;
		else
			t->corrected++;
		if ((rc = node_signal_summary_send(c->n, &t->gate, &id, 1,
			 &sent)) != WN_OK)
			return rc;
		t->sent += sent;
		/* a corrected signal's summary changes for its cases too */
		size_t to_cases = 0;
		if (how == NODE_SIG_CORRECTED &&
		    (rc = node_case_signals_changed(c->n, "", &id, 1,
			 &to_cases)) != WN_OK)
			return rc;
		t->to_cases += to_cases;
	}
	outcome(c, line, how == NODE_SIG_KNOWN ? "known"
	    : how == NODE_SIG_ADDED ? "added" : "corrected", id, "");
	return WN_OK;
}

/* walk reads every record of the request's pieces; with write it also
 * stores them and writes the reply's rows (the first walk only counts,
 * since a reply says its number of rows first) */
static wn_err
walk(struct node_ctl_call *c, const int map[COL_N], size_t ncols, char sep,
    int64_t first, bool write, struct tally *t)
{
	const size_t cap = IMPORT_ROWS_MAX + IMPORT_MAX_COLUMNS + 2;
	struct node_signal *s = malloc(sizeof(*s));
	char *buf = malloc(cap), *rows = malloc(IMPORT_ROWS_MAX + 1);
	int64_t line = first;
	wn_err rc = WN_ENOMEM;
	memset(t, 0, sizeof(*t));
	if (s == NULL || buf == NULL || rows == NULL)
		goto out;
	if (write && (rc = node_signal_summary_gate(c->n, &t->gate)) != WN_OK)
		goto out;
	/* the pieces joined again: a record may span pieces */
	size_t total = 0;
	for (int k = 0; k < IMPORT_CHUNKS; k++) {
		char key[16];
		snprintf(key, sizeof(key), "rows%d", k);
		const char *p = proto_ctl_request_arg(c->req, key);
		size_t len = p ? strlen(p) : 0;
		memcpy(rows + total, p ? p : "", len);
		total += len;
	}
	const char *p = rows;
	size_t left = total;
	while (left > 0) {
		size_t len, lines;
		bool closed = cfg_csv_record(p, left, sep, &len, &lines);
		if (!closed) {
			t->records++;
			t->refused++;
			if (write)
				outcome(c, line, "refused", 0, "not a CSV "
				    "line: a quote that is never closed");
		} else if (!blank(p, len) &&
		    (rc = one_record(c, map, ncols, sep, p, len, line, write, s,
			 buf, cap, t)) != WN_OK) {
			goto out;
		}
		line += (int64_t)lines;
		p += len;
		left -= len;
	}
	rc = WN_OK;
out:
	free(s);
	free(buf);
	free(rows);
	return rc;
}

wn_err
node_ctl_signal_import(struct node_ctl_call *c)
{
	int map[COL_N];
	size_t ncols = 0;
	uint64_t first;
	char err[512];
	struct tally t;
	wn_err rc;
	if (!wn_parse_u64(node_ctl_arg(c, "line"), INT32_MAX, &first) ||
	    first < 2)
		return node_ctl_fail(c, WN_EINVAL, "line: the number of the "
		    "first line sent (2 or more: line 1 is the header)");
	char sep;
	if (!header(node_ctl_arg(c, "header"), map, &ncols, &sep, err,
		sizeof(err)))
		return node_ctl_fail(c, WN_EINVAL, "%s; nothing was imported",
		    err);
	/* count first (nothing stored), then store and answer */
	if ((rc = walk(c, map, ncols, sep, (int64_t)first, false, &t)) != WN_OK)
		return rc;
	proto_ctl_reply_begin(c->w, WN_OK, "", t.records);
	if ((rc = walk(c, map, ncols, sep, (int64_t)first, true, &t)) != WN_OK)
		return rc;
	snprintf(c->detail, sizeof(c->detail), "from line %llu: %zu signals "
	    "added, %zu corrected, %zu known already, %zu lines refused; %zu "
	    "summaries queued for the director", (unsigned long long)first,
	    t.added, t.corrected, t.known, t.refused, t.sent);
	c->kick = t.sent > 0 || t.to_cases > 0;
	return WN_OK;
}
