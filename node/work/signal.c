/*
 * signal.c - signals: what a partner saw or was told, recorded on its own
 * node (work.h).
 *
 * One check (node_signal_check) serves signal.add and every row of
 * signal.import (import.c), so a signal typed and a signal imported obey
 * the same rules and get the same errors. A signal's subjects live only in
 * signal_subjects. Duplicates of one incident point at the signal they
 * are counted under (signal.link): the list shows each incident once, with
 * how many reports it has and the subjects of all of them, every reporter
 * kept.
 */
#include "node/work/work.h"

#include <string.h>
#include <time.h>

#include <sqlcipher/sqlite3.h>

#include "protocol/need_wire.h"

static const struct {
	const char *name, *alias;
} categories[NODE_SIG_CATEGORIES] = {
	{"noise", NULL},
	{"vandalism", NULL},
	{"drugs", NULL},
	{"loitering", NULL},
	{"intimidation", NULL},
	{"confused_behaviour", NULL},
	{"littering", NULL},
	{"dwelling_neglect", "neglect_of_a_dwelling"},
	{"other", NULL},
};

static const char *const roles[NODE_SIG_ROLES] = {"perpetrator", "victim",
    "reporter", "premises"};

const char *
node_signal_category_name(int c)
{
	return c >= 0 && c < NODE_SIG_CATEGORIES ? categories[c].name
						 : "unknown";
}

const char *
node_signal_role_name(int r)
{
	return r >= 0 && r < NODE_SIG_ROLES ? roles[r] : "unknown";
}

bool
node_signal_category_parse(const char *s, int *out)
{
	char low[32];
	size_t i;
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(low); i++) {
		char ch = s[i];
		low[i] = ch == ' ' ? '_'
		    : (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
	}
	if (s[i] != '\0')
		return false;
	low[i] = '\0';
	for (int c = 0; c < NODE_SIG_CATEGORIES; c++) {
		if (strcmp(low, categories[c].name) == 0 ||
		    (categories[c].alias &&
			strcmp(low, categories[c].alias) == 0)) {
			*out = c;
			return true;
		}
	}
	return false;
}

/* digits reads exactly n decimal digits */
static bool
digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

bool
node_signal_when_parse(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
	bool utc = false;
	const char *p = s;
	if (strlen(s) < 10)
		return false;
	if (digits(p, 4, &y) && p[4] == '-' && digits(p + 5, 2, &mo) &&
	    p[7] == '-' && digits(p + 8, 2, &d))
		p += 10;
	else if (digits(p, 2, &d) && (p[2] == '-' || p[2] == '/') &&
	    digits(p + 3, 2, &mo) && p[5] == p[2] && digits(p + 6, 4, &y))
		p += 10;
	else
		return false;
	if (*p == ' ' || *p == 'T') {
		p++;
		if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi))
			return false;
		p += 5;
		if (*p == ':') {
			if (!digits(p + 1, 2, &se))
				return false;
			p += 3;
		}
		if (*p == 'Z') {
			utc = true;
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om;
			if (!digits(p + 1, 2, &oh) || p[3] != ':' ||
			    !digits(p + 4, 2, &om) || oh > 14 || om > 59)
				return false;
			off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
			utc = true;
			p += 6;
		}
	}
	if (*p != '\0' || y < 2000 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || se > 59)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = se, .tm_isdst = -1};
	struct tm back = tm;
	time_t t = utc ? timegm(&back) : mktime(&back);
	/* normalised (31 April, or a local time skipped by summer time):
	 * that moment does not exist */
	if (t == (time_t)-1 || back.tm_year != tm.tm_year ||
	    back.tm_mon != tm.tm_mon || back.tm_mday != tm.tm_mday ||
	    back.tm_hour != tm.tm_hour || back.tm_min != tm.tm_min)
		return false;
	*ms = ((int64_t)t - (int64_t)off * 60) * 1000;
	return true;
}

/* degrees reads a decimal number of degrees with at most 7 decimals
 * (after '.' or, as a Dutch or French spreadsheet writes it, ',') into
 * 1e-7 degrees, within [-max, max] degrees */
static bool
degrees(const char *s, int max, int64_t *out)
{
	int64_t v = 0;
	int intd = 0, frac = 0;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, intd++) {
		if (intd == 3)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (intd == 0)
		return false;
	if (*s == '.' || *s == ',') {
		for (s++; *s >= '0' && *s <= '9'; s++, frac++) {
			if (frac == 7)
				return false;
			v = v * 10 + (*s - '0');
		}
		if (frac == 0)
			return false;
	}
	if (*s != '\0')
		return false;
	for (; frac < 7; frac++)
		v *= 10;
	if (v > (int64_t)max * 10000000)
		return false;
	*out = neg ? -v : v;
	return true;
}

static bool
given(const char *s)
{
	return s != NULL && s[strspn(s, " \t")] != '\0';
}

/* text_ok: at most max characters, one line (free text may hold line
 * breaks and tabs), never another control character */
static bool
text_ok(const char *what, const char *v, size_t max, bool multiline,
    char *err, size_t errlen)
{
	size_t len = strlen(v), chars;
	if (!wn_text_valid(v, len)) {
		snprintf(err, errlen, "%s: invalid UTF-8", what);
		return false;
	}
	if ((chars = wn_text_chars(v, len)) > max) {
		snprintf(err, errlen, "%s is too long: %zu characters, at most "
		    "%zu", what, chars, max);
		return false;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == 0x7f ||
		    (*p < 0x20 &&
			!(multiline && (*p == '\n' || *p == '\r' || *p == '\t')))) {
			snprintf(err, errlen, "%s holds a %s", what,
			    *p == '\n' || *p == '\r' ? "line break"
						     : "control character");
			return false;
		}
	}
	return true;
}

/* subjects_add reads one role's list of references, ';' between them */
static bool
subjects_add(struct node_signal *out, int role, const char *list, char *err,
    size_t errlen)
{
	const char *p = list;
	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		while (n > 0 && (*p == ' ' || *p == '\t'))
			p++, n--;
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0) {
			char ref[PROTO_SUBJECT_MAX + 1];
			if (n > PROTO_SUBJECT_MAX) {
				snprintf(err, errlen, "%s: a subject reference "
				    "is too long: at most %d characters",
				    roles[role], PROTO_SUBJECT_CHARS);
				return false;
			}
			memcpy(ref, p, n);
			ref[n] = '\0';
			if (!text_ok(roles[role], ref, PROTO_SUBJECT_CHARS,
				false, err, errlen))
				return false;
			if (out->nsubjects == NODE_SIG_MAX_SUBJECTS) {
				snprintf(err, errlen, "more than %d subjects",
				    NODE_SIG_MAX_SUBJECTS);
				return false;
			}
			for (size_t i = 0; i < out->nsubjects; i++) {
				if (out->subjects[i].role == role &&
				    strcmp(out->subjects[i].ref, ref) == 0) {
					snprintf(err, errlen, "%s: the same "
					    "subject twice", roles[role]);
					return false;
				}
			}
			out->subjects[out->nsubjects].role = role;
			wn_strlcpy(out->subjects[out->nsubjects].ref, ref,
			    sizeof(out->subjects[0].ref));
			out->nsubjects++;
		}
		p = end ? end + 1 : NULL;
	}
	return true;
}

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

bool
node_signal_check(const struct node_signal_in *in, int64_t now_ms,
    struct node_signal *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->when_ms = now_ms;
	if (given(in->when)) {
		if (!node_signal_when_parse(in->when, &out->when_ms)) {
			snprintf(err, errlen, "when: '%.40s' is not a date and time "
			    "(YYYY-MM-DD HH:MM, or DD-MM-YYYY HH:MM)", in->when);
			return false;
		}
		if (out->when_ms > now_ms + 10 * 60 * 1000) {
			snprintf(err, errlen, "when: '%.40s' is in the future",
			    in->when);
			return false;
		}
	}
	if (!given(in->municipality)) {
		snprintf(err, errlen, "municipality is required");
		return false;
	}
	if (!given(in->category)) {
		snprintf(err, errlen, "category is required (noise, "
		    "vandalism, drugs, loitering, intimidation, "
		    "confused_behaviour, littering, dwelling_neglect, other)");
		return false;
	}
	if (!node_signal_category_parse(in->category, &out->category)) {
		snprintf(err, errlen, "category: '%.40s' is not one of noise, "
		    "vandalism, drugs, loitering, intimidation, "
		    "confused_behaviour, littering, dwelling_neglect, other",
		    in->category);
		return false;
	}
	if (!given(in->source)) {
		snprintf(err, errlen, "source is required (who or what "
		    "reported it)");
		return false;
	}
	out->municipality = in->municipality;
	out->neighbourhood = or_empty(in->neighbourhood);
	out->street = or_empty(in->street);
	out->source = in->source;
	out->source_id = or_empty(in->source_id);
	out->text = or_empty(in->text);
	if (!text_ok("municipality", out->municipality, NODE_SIG_PLACE_CHARS,
		false, err, errlen) ||
	    !text_ok("neighbourhood", out->neighbourhood,
		NODE_SIG_PLACE_CHARS, false, err, errlen) ||
	    !text_ok("street", out->street, NODE_SIG_STREET_CHARS, false, err,
		errlen) ||
	    !text_ok("source", out->source, NODE_SIG_SOURCE_CHARS, false, err,
		errlen) ||
	    !text_ok("source_id", out->source_id, NODE_SIG_SOURCE_CHARS, false,
		err, errlen) ||
	    !text_ok("text", out->text, NODE_SIG_TEXT_CHARS, true, err,
		errlen))
		return false;
	if (given(in->lat) != given(in->lon)) {
		snprintf(err, errlen, "a point needs both latitude and "
		    "longitude");
		return false;
	}
	if (given(in->lat)) {
		if (!degrees(in->lat, 90, &out->lat_e7) ||
		    !degrees(in->lon, 180, &out->lon_e7)) {
			snprintf(err, errlen, "point: '%.20s,%.20s' is not a "
			    "latitude (-90 to 90) and longitude (-180 to 180) "
			    "in decimal degrees, at most 7 decimals", in->lat,
			    in->lon);
			return false;
		}
		out->has_point = true;
	}
	for (int r = 0; r < NODE_SIG_ROLES; r++)
		if (!subjects_add(out, r, in->subjects[r], err, errlen))
			return false;
	return true;
}

/* put appends a length-prefixed part to the key's input */
static size_t
put(uint8_t *buf, size_t o, size_t cap, const void *p, size_t len)
{
	uint8_t l[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
	    (uint8_t)(len >> 8), (uint8_t)len};
	if (o + 4 + len > cap)
		return cap + 1;
	memcpy(buf + o, l, 4);
	memcpy(buf + o + 4, p, len);
	return o + 4 + len;
}

static size_t
puts_(uint8_t *buf, size_t o, size_t cap, const char *s)
{
	return o > cap ? o : put(buf, o, cap, s, strlen(s));
}

/* subject_after: subject a of s comes after subject b (by role, then by
 * reference) */
static bool
subject_after(const struct node_signal *s, size_t a, size_t b)
{
	if (s->subjects[a].role != s->subjects[b].role)
		return s->subjects[a].role > s->subjects[b].role;
	return strcmp(s->subjects[a].ref, s->subjects[b].ref) > 0;
}

/* hash_signal: BLAKE2b-256 of s's source and source_id (by_source), or
 * of all its values */
static wn_err
hash_signal(const struct node_signal *s, bool by_source, uint8_t key[32])
{
	/* every text is bounded (at most about 17 KB in all) */
	static const size_t cap = 32768;
	uint8_t *buf = malloc(cap);
	size_t o = 0;
	if (buf == NULL)
		return WN_ENOMEM; /* a made-up key could match another row's */
	o = puts_(buf, o, cap, "wijknet signal import key 1");
	if (by_source) {
		o = puts_(buf, o, cap, "source id");
		o = puts_(buf, o, cap, s->source);
		o = puts_(buf, o, cap, s->source_id);
	} else {
		int64_t v[5] = {s->when_ms, s->has_point, s->lat_e7, s->lon_e7,
		    s->category};
		o = puts_(buf, o, cap, "row");
		if (o <= cap)
			o = put(buf, o, cap, v, sizeof(v));
		o = puts_(buf, o, cap, s->municipality);
		o = puts_(buf, o, cap, s->neighbourhood);
		o = puts_(buf, o, cap, s->street);
		o = puts_(buf, o, cap, s->source);
		o = puts_(buf, o, cap, s->text);
		/* the subjects in a fixed order (role, then reference): the
		 * same row with its subjects listed otherwise is the same */
		size_t ord[sizeof(s->subjects) / sizeof(s->subjects[0])];
		for (size_t i = 0; i < s->nsubjects; i++) {
			size_t j = i;
			for (; j > 0 && subject_after(s, ord[j - 1], i); j--)
				ord[j] = ord[j - 1];
			ord[j] = i;
		}
		for (size_t i = 0; i < s->nsubjects; i++) {
			o = puts_(buf, o, cap, roles[s->subjects[ord[i]].role]);
			o = puts_(buf, o, cap, s->subjects[ord[i]].ref);
		}
	}
	WN_ASSERT(o <= cap);
	struct sec_part part = {buf, o};
	sec_hash(key, &part, 1);
	free(buf);
	return WN_OK;
}

wn_err
node_signal_key(const struct node_signal *s, uint8_t key[32])
{
	return hash_signal(s, s->source_id[0] != '\0', key);
}

/* put_subjects stores s's subjects for signal id */
static wn_err
put_subjects(struct node *n, const struct node_signal *s, int64_t id)
{
	sqlite3_stmt *st = node_work_prep(n, "INSERT INTO signal_subjects (signal_id, "
				   "role, subject) VALUES (?,?,?)");
	wn_err rc = WN_OK;
	if (st == NULL)
		return WN_EDB;
	for (size_t i = 0; i < s->nsubjects && rc == WN_OK; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, s->subjects[i].role);
		sqlite3_bind_text(st, 3, s->subjects[i].ref, -1,
		    SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = WN_EDB;
	}
	sqlite3_finalize(st);
	return rc;
}

/* correct replaces the values and subjects of signal id with s's (a
 * corrected row of the partner's system: same source_id, other values);
 * its summary is owed again. What it counts under stays. */
static wn_err
correct(struct node *n, const struct node_signal *s, const uint8_t row[32],
    int64_t id)
{
	sqlite3_stmt *st = node_work_prep(n, "UPDATE signals SET when_ms = ?, "
				   "municipality = ?, neighbourhood = ?, street "
				   "= ?, lat_e7 = ?, lon_e7 = ?, category = ?, "
				   "text = ?, row_hash = ?, summary_ms = NULL "
				   "WHERE id = ?");
	int r;
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, s->when_ms);
	sqlite3_bind_text(st, 2, s->municipality, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->neighbourhood, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->street, -1, SQLITE_STATIC);
	if (s->has_point) {
		sqlite3_bind_int64(st, 5, s->lat_e7);
		sqlite3_bind_int64(st, 6, s->lon_e7);
	}
	sqlite3_bind_int(st, 7, s->category);
	sqlite3_bind_text(st, 8, s->text, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, row, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE ||
	    (st = node_work_prep(n, "DELETE FROM signal_subjects WHERE signal_id = "
			  "?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? put_subjects(n, s, id) : WN_EDB;
}

wn_err
node_signal_insert(struct node *n, const struct node_signal *s,
    const char *user, const uint8_t *key, bool correct_known, int64_t *id,
    enum node_sig_stored *how)
{
	sqlite3_stmt *st = NULL;
	uint8_t row[32];
	wn_err rc;
	int r;
	if ((rc = hash_signal(s, false, row)) != WN_OK)
		return rc;
	if (key != NULL) {
		if ((st = node_work_prep(n, "SELECT id, row_hash IS ? FROM signals WHERE "
				  "import_key = ?")) == NULL)
			return WN_EDB;
		sqlite3_bind_blob(st, 1, row, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, key, 32, SQLITE_STATIC);
		r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			bool same = sqlite3_column_int(st, 1) != 0;
			*id = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			if (same || !correct_known || s->source_id[0] == '\0') {
				*how = NODE_SIG_KNOWN;
				return WN_OK;
			}
			*how = NODE_SIG_CORRECTED;
			return correct(n, s, row, *id);
		}
		sqlite3_finalize(st);
		if (r != SQLITE_DONE)
			return WN_EDB;
	}
	if ((st = node_work_prep(n, "INSERT INTO signals (when_ms, municipality, "
			  "neighbourhood, street, lat_e7, lon_e7, category, "
			  "source, source_id, text, import_key, row_hash, "
			  "recorded_by, recorded_ms, summary_ms) VALUES "
			  "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, s->when_ms);
	sqlite3_bind_text(st, 2, s->municipality, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->neighbourhood, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, s->street, -1, SQLITE_STATIC);
	if (s->has_point) {
		sqlite3_bind_int64(st, 5, s->lat_e7);
		sqlite3_bind_int64(st, 6, s->lon_e7);
	}
	sqlite3_bind_int(st, 7, s->category);
	sqlite3_bind_text(st, 8, s->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, s->source_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, s->text, -1, SQLITE_STATIC);
	if (key != NULL)
		sqlite3_bind_blob(st, 11, key, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 12, row, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, user, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 14, wn_now_ms());
	/* the director sends itself no summary: nothing is owed */
	if (n->is_director)
		sqlite3_bind_int64(st, 15, 0);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return WN_EDB;
	*id = sqlite3_last_insert_rowid(node_store_db(n->store));
	*how = NODE_SIG_ADDED;
	return put_subjects(n, s, *id);
}

/* in_from_args reads a request's arguments into in */
static void
in_from_args(struct node_ctl_call *c, struct node_signal_in *in)
{
	const struct proto_ctl_request *q = c->req;
	in->when = proto_ctl_request_arg(q, "when");
	in->municipality = proto_ctl_request_arg(q, "municipality");
	in->neighbourhood = proto_ctl_request_arg(q, "neighbourhood");
	in->street = proto_ctl_request_arg(q, "street");
	in->lat = proto_ctl_request_arg(q, "lat");
	in->lon = proto_ctl_request_arg(q, "lon");
	in->category = proto_ctl_request_arg(q, "category");
	in->source = proto_ctl_request_arg(q, "source");
	in->source_id = proto_ctl_request_arg(q, "source_id");
	in->text = proto_ctl_request_arg(q, "text");
	for (int r = 0; r < NODE_SIG_ROLES; r++)
		in->subjects[r] = proto_ctl_request_arg(q, roles[r]);
}

wn_err
node_ctl_signal_add(struct node_ctl_call *c)
{
	struct node_signal_in in = {0};
	struct node_signal *s = malloc(sizeof(*s));
	uint8_t key[32];
	char err[256];
	int64_t id = 0;
	enum node_sig_stored how;
	wn_err rc = WN_ENOMEM;
	if (s == NULL)
		return rc;
	in_from_args(c, &in);
	if (!node_signal_check(&in, wn_now_ms(), s, err, sizeof(err))) {
		rc = node_ctl_fail(c, WN_EINVAL, "%s; nothing was recorded",
		    err);
		goto out;
	}
	if (s->source_id[0] && (rc = node_signal_key(s, key)) != WN_OK)
		goto out;
	if ((rc = node_signal_insert(c->n, s, c->user->name,
		 s->source_id[0] ? key : NULL, false, &id, &how)) != WN_OK)
		goto out;
	if (how == NODE_SIG_KNOWN) {
		rc = node_ctl_fail(c, WN_EINVAL, "signal %lld already has "
		    "source '%s' and source_id '%s'; nothing was recorded",
		    (long long)id, s->source, s->source_id);
		goto out;
	}
	struct node_summary_gate g;
	bool sent;
	if ((rc = node_signal_summary_gate(c->n, &g)) != WN_OK ||
	    (rc = node_signal_summary_send(c->n, &g, &id, 1, &sent)) != WN_OK)
		goto out;
	c->kick = sent;
	/* the audit names the signal, never its text or its subjects */
	snprintf(c->detail, sizeof(c->detail), "signal %lld: %s in %s, %zu "
	    "subjects%s", (long long)id, node_signal_category_name(s->category),
	    s->municipality, s->nsubjects,
	    sent ? "; its summary queued for the director" : "");
	char msg[64];
	snprintf(msg, sizeof(msg), "signal %lld recorded", (long long)id);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "signal_id", id);
	proto_ctl_field_int(c->w, "when_ms", s->when_ms);
	proto_ctl_field_text(c->w, "category",
	    node_signal_category_name(s->category));
	rc = WN_OK;
out:
	free(s);
	return rc;
}

/* append_id adds id to the growing array *v */
static wn_err
append_id(int64_t **v, size_t *len, size_t *cap, int64_t id)
{
	if (*len == *cap) {
		size_t nc = *cap ? 2 * *cap : 16;
		int64_t *nv = realloc(*v, nc * sizeof(**v));
		if (nv == NULL)
			return WN_ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*len)++] = id;
	return WN_OK;
}

/* signal_root: the signal id counts under (itself when it is no
 * duplicate); false when there is no such signal */
static wn_err
signal_root(struct node *n, int64_t id, int64_t *root, bool *exists)
{
	sqlite3_stmt *st = node_work_prep(n, "SELECT ifnull(duplicate_of, id) FROM "
				   "signals WHERE id = ?");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, id);
	int r = sqlite3_step(st);
	*exists = r == SQLITE_ROW;
	if (*exists)
		*root = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return r == SQLITE_ROW || r == SQLITE_DONE ? WN_OK : WN_EDB;
}

static bool
id_arg(struct node_ctl_call *c, const char *key, int64_t *out)
{
	uint64_t v;
	if (!wn_parse_u64(node_ctl_arg(c, key), INT64_MAX, &v) || v == 0)
		return false;
	*out = (int64_t)v;
	return true;
}

wn_err
node_ctl_signal_link(struct node_ctl_call *c)
{
	struct node *n = c->n;
	int64_t dup, to, dup_root, root;
	bool exists;
	sqlite3_stmt *st;
	wn_err rc;
	if (!id_arg(c, "signal", &dup) || !id_arg(c, "to", &to))
		return node_ctl_fail(c, WN_EINVAL, "give two signal numbers: "
		    "the duplicate and the signal it repeats");
	if (dup == to)
		return node_ctl_fail(c, WN_EINVAL, "a signal cannot be linked "
		    "to itself");
	if ((rc = signal_root(n, dup, &dup_root, &exists)) != WN_OK)
		return rc;
	if (!exists)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no signal %lld "
		    "here", (long long)dup);
	if ((rc = signal_root(n, to, &root, &exists)) != WN_OK)
		return rc;
	if (!exists)
		return node_ctl_fail(c, WN_ENOTFOUND, "there is no signal %lld "
		    "here", (long long)to);
	if (dup_root == root)
		return node_ctl_fail(c, WN_EINVAL, "signals %lld and %lld are "
		    "already counted as one incident (under signal %lld)",
		    (long long)dup, (long long)to, (long long)root);
	if (dup_root != dup)
		return node_ctl_fail(c, WN_EINVAL, "signal %lld is already a "
		    "duplicate of signal %lld: link that one instead",
		    (long long)dup, (long long)dup_root);
	/* dup and the duplicates it had now count under to's incident: their
	 * summaries change, and root's count; no other signal's */
	int64_t *moved = NULL;
	size_t nmoved = 0, cap = 0;
	int r;
	if ((rc = append_id(&moved, &nmoved, &cap, root)) != WN_OK ||
	    (rc = append_id(&moved, &nmoved, &cap, dup)) != WN_OK)
		goto fail;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "SELECT id FROM signals WHERE duplicate_of = ? "
			  "ORDER BY id")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, dup);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = append_id(&moved, &nmoved, &cap,
			 sqlite3_column_int64(st, 0))) != WN_OK)
			break;
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;
	rc = WN_EDB;
	if ((st = node_work_prep(n, "UPDATE signals SET duplicate_of = ?1 WHERE id = ?2 "
			  "OR duplicate_of = ?2")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, root);
	sqlite3_bind_int64(st, 2, dup);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		goto fail;
	struct node_summary_gate g;
	bool sent;
	size_t to_cases = 0;
	if ((rc = node_signal_summary_gate(n, &g)) != WN_OK ||
	    (rc = node_signal_summary_send(n, &g, moved, nmoved, &sent)) !=
		WN_OK ||
	    /* and to the members of the cases they belong to */
	    (rc = node_case_signals_changed(n, "", moved, nmoved,
		 &to_cases)) != WN_OK)
		goto fail;
	free(moved);
	c->kick = sent || to_cases > 0;
	if ((st = node_work_prep(n, "SELECT 1 + count(*) FROM signals WHERE "
			  "duplicate_of = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, root);
	int64_t reports = sqlite3_step(st) == SQLITE_ROW
	    ? sqlite3_column_int64(st, 0)
	    : 0;
	sqlite3_finalize(st);
	snprintf(c->detail, sizeof(c->detail), "signal %lld counted under "
	    "signal %lld (%lld reports)", (long long)dup, (long long)root,
	    (long long)reports);
	char msg[160];
	snprintf(msg, sizeof(msg), "signal %lld is now counted with signal "
	    "%lld: one incident, %lld reports", (long long)dup,
	    (long long)root, (long long)reports);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "signal_id", dup);
	proto_ctl_field_int(c->w, "duplicate_of", root);
	proto_ctl_field_int(c->w, "reports", reports);
	return WN_OK;
fail:
	free(moved);
	return rc;
}
