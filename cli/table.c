/*
 * table.c - how a value reads in human output, and the one table style of
 * the CLI: aligned columns under readable headers, as wide as the terminal.
 *
 * A table is only cut to size when standard output is a terminal: a value
 * that does not fit is cut with an ellipsis, never wrapped. When the output
 * goes to a pipe or a file nothing is cut, so a grep sees
 * whole values; scripts should still read --json, which carries exact
 * values under stable keys.
 *
 * Widths count what a terminal shows (wn_text_next: one column per code
 * point, two for a wide one, none for a combining mark); a value is never cut inside a UTF-8
 * sequence, and control characters are shown as '?' so no field can draw
 * on the terminal.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define GAP 2      /* spaces between columns */
#define MIN_COL 6  /* a column is not cut narrower than this */

size_t
cli_terminal_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	uint64_t v;
	if (!isatty(STDOUT_FILENO))
		return 0; /* a pipe or a file: whole values */
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	if (env != NULL && wn_parse_u64(env, 10000, &v) && v >= 20)
		return (size_t)v;
	return 80;
}

/* next_char reads one code point of s: its bytes (*len), its width and
 * whether it may be shown as it is (false: a control character or a byte
 * that starts no valid sequence, shown as '?') */
static bool
next_char(const char *s, size_t *len, size_t *cols)
{
	int32_t cp;
	*len = wn_text_next(s, &cp, cols);
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	    (cp == 0xfffd && *len == 1)) {
		*cols = 1;
		return false;
	}
	return true;
}

size_t
cli_text_width(const char *s)
{
	size_t w = 0, len, cols;
	while (*s) {
		next_char(s, &len, &cols);
		s += len;
		w += cols;
	}
	return w;
}

/* put_char writes the code point of len bytes at s, or '?' when it
 * must not reach the terminal (never let a field draw on it) */
static void
put_char(FILE *f, const char *s, size_t len, bool show)
{
	if (show)
		fwrite(s, 1, len, f);
	else
		putc('?', f);
}

void
cli_text_put(FILE *f, const char *s)
{
	size_t len, cols;
	while (*s) {
		bool show = next_char(s, &len, &cols);
		put_char(f, s, len, show);
		s += len;
	}
}

/* put_cell writes s in exactly w columns when pad (else at most w, no
 * trailing spaces); a longer s is cut with an ellipsis; limit false: s
 * whole, padded to w */
static void
put_cell(FILE *f, const char *s, size_t w, bool pad, bool limit)
{
	size_t used = 0, total = cli_text_width(s);
	if (!limit || total <= w) {
		cli_text_put(f, s);
		used = total;
	} else {
		while (*s) {
			size_t n, cw;
			bool show = next_char(s, &n, &cw);
			if (used + cw + 1 > w)
				break;
			put_char(f, s, n, show);
			used += cw;
			s += n;
		}
		if (w > 0) {
			fputs("\xe2\x80\xa6", f); /* U+2026 HORIZONTAL ELLIPSIS */
			used++;
		}
	}
	for (; pad && used < w; used++)
		putc(' ', f);
}

void
cli_table_write(FILE *f, const char *const *headers, size_t ncols,
    const char *const *cells, size_t nrows, size_t width)
{
	size_t w[64], total = 0, stride = ncols;
	if (ncols == 0)
		return;
	if (ncols > WN_ARRAY_LEN(w))
		ncols = WN_ARRAY_LEN(w); /* the first 64 (no reply has more) */
	for (size_t c = 0; c < ncols; c++) {
		w[c] = cli_text_width(headers[c]);
		for (size_t r = 0; r < nrows; r++) {
			size_t cw = cli_text_width(cells[r * stride + c]);
			if (cw > w[c])
				w[c] = cw;
		}
		total += w[c] + (c ? GAP : 0);
	}
	/* too wide: take a column off the widest until it fits (or every
	 * column is down to MIN_COL; the terminal wraps what is left). Of
	 * columns as wide, the later one gives: a command puts the columns
	 * that matter most first. */
	while (width > 0 && total > width) {
		size_t widest = 0;
		for (size_t c = 1; c < ncols; c++)
			if (w[c] >= w[widest])
				widest = c;
		if (w[widest] <= MIN_COL)
			break;
		w[widest]--;
		total--;
	}
	for (size_t r = 0; r <= nrows; r++) {
		const char *const *line = r == 0 ? headers
						 : cells + (r - 1) * stride;
		size_t last = ncols;
		/* no trailing spaces: the last non-empty cell ends the line */
		while (last > 1 && line[last - 1][0] == '\0')
			last--;
		for (size_t c = 0; c < last; c++) {
			if (c)
				fputs("  ", f);
			put_cell(f, line[c], w[c], c + 1 < last, width > 0);
		}
		putc('\n', f);
	}
}

void
cli_key_words(const char *key, bool moment, char *out, size_t cap)
{
	static const char *const units[][2] = {
	    {"_ms", " (ms)"}, {"_us", " (us)"}, {"_s", " (s)"}};
	size_t n = strlen(key), o = 0, u;
	if (cap == 0)
		return;
	for (u = 0; u < WN_ARRAY_LEN(units); u++) {
		size_t k = strlen(units[u][0]);
		if (n > k && strcmp(key + n - k, units[u][0]) == 0) {
			n -= k;
			break;
		}
	}
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = key[i] == '_' ? ' ' : key[i];
	out[o] = '\0';
	/* a moment reads as a date; other counts of a unit say it */
	if (u < WN_ARRAY_LEN(units) && !(u == 0 && moment))
		snprintf(out + o, cap - o, "%s", units[u][1]);
}

static const char *
plural(int64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void
cli_ago(int64_t ms, int64_t now_ms, char *out, size_t cap)
{
	int64_t d = now_ms - ms, a = d < 0 ? -d : d, n;
	const char *unit;
	if (ms <= 0) {
		snprintf(out, cap, "never");
		return;
	}
	if (a < 60000) {
		snprintf(out, cap, d >= 0 ? "just now" : "in a moment");
		return;
	}
	if (a < 3600000) {
		n = a / 60000;
		unit = "min";
	} else if (a < 48 * 3600000LL) {
		n = a / 3600000;
		unit = plural(n, "hour", "hours");
	} else if (a < 30 * 86400000LL) {
		n = a / 86400000;
		unit = plural(n, "day", "days");
	} else {
		/* far off: the date reads better than a count */
		time_t t = (time_t)(ms / 1000);
		struct tm tm;
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(out, cap, "%Y-%m-%d", &tm) == 0)
			snprintf(out, cap, "%" PRId64, ms);
		return;
	}
	if (d >= 0)
		snprintf(out, cap, "%" PRId64 " %s ago", n, unit);
	else
		snprintf(out, cap, "in %" PRId64 " %s", n, unit);
}

void
cli_duration(int64_t ms, char *out, size_t cap)
{
	const char *sign = ms < 0 ? "-" : "";
	int64_t a = ms < 0 ? -ms : ms;
	if (a < 60000)
		snprintf(out, cap, "%s%" PRId64 " s", sign, a / 1000);
	else if (a < 3600000)
		snprintf(out, cap, "%s%" PRId64 " min", sign, a / 60000);
	else if (a < 48 * 3600000LL)
		snprintf(out, cap, "%s%" PRId64 " h", sign, a / 3600000);
	else
		snprintf(out, cap, "%s%" PRId64 " days", sign, a / 86400000);
}

bool
cli_is_moment(const struct proto_ctl_field *f)
{
	size_t n = strlen(f->key);
	return f->type == PROTO_CTL_INT && n > 3 &&
	    strcmp(f->key + n - 3, "_ms") == 0 && f->i >= 946684800000;
}

char *
cli_field_text(const struct proto_ctl_field *f, unsigned flags,
    int64_t now_ms)
{
	char buf[64];
	struct tm tm;
	time_t t;
	if (f == NULL)
		return strdup("");
	if (f->type == PROTO_CTL_TEXT && (flags & CLI_COL_WORDS) &&
	    strcmp(f->key, "domain") == 0)
		return strdup(cli_domain_words(f->text)); /* as plan show */
	if (f->type == PROTO_CTL_TEXT && (flags & CLI_COL_WORDS)) {
		size_t cap = 2 * strlen(f->text) + 1; /* "," -> ", " */
		char *w = malloc(cap);
		if (w != NULL)
			cli_code_words(f->text, w, cap);
		return w;
	}
	if (f->type == PROTO_CTL_TEXT)
		return strdup(f->text); /* control characters: cli_text_put */
	if (f->type == PROTO_CTL_BOOL)
		return strdup(f->b ? "yes" : "no");
	if ((flags & CLI_COL_MOMENT) && f->i == 0)
		return strdup(""); /* none yet */
	if ((flags & CLI_COL_AGO) && (f->i == 0 || cli_is_moment(f))) {
		cli_ago(f->i, now_ms, buf, sizeof(buf));
		return strdup(buf);
	}
	if (flags & CLI_COL_DURATION) {
		cli_duration(f->i, buf, sizeof(buf));
		return strdup(buf);
	}
	if (cli_is_moment(f)) {
		/* people read dates; --json keeps the exact milliseconds */
		t = (time_t)(f->i / 1000);
		if (localtime_r(&t, &tm) != NULL &&
		    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) > 0)
			return strdup(buf);
	}
	snprintf(buf, sizeof(buf), "%" PRId64, f->i);
	return strdup(buf);
}

const char *
cli_domain_words(const char *d)
{
	static const struct {
		const char *name, *words;
	} w[] = {
	    {"safety_public_order", "safety and public order"},
	    {"income_debts", "income and debts"},
	    {"health_addiction", "health and addiction"},
	    {"education_daytime", "education and daytime activity"},
	    {"social_network", "social network"},
	};
	for (size_t i = 0; i < WN_ARRAY_LEN(w); i++)
		if (strcmp(d, w[i].name) == 0)
			return w[i].words;
	return d;
}

/* is_code: a name of the node's, or a list of them (lower case letters,
 * digits, '_' and ','), not a text a person wrote */
static bool
is_code(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			*s == '_' || *s == ','))
			return false;
	return true;
}

void
cli_code_words(const char *code, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return;
	if (!is_code(code)) {
		snprintf(out, cap, "%s", code);
		return;
	}
	for (const char *p = code; *p && o + 1 < cap; p++) {
		const char *w = NULL;
		if (*p == ',')
			w = ", ";
		/* the stage after the plan is written "follow-up" */
		else if (*p == '_' && p - code >= 6 &&
		    (p - 6 == code || p[-7] == ',') &&
		    strncmp(p - 6, "follow_up", 9) == 0 &&
		    (p[3] == '\0' || p[3] == ','))
			w = "-";
		else
			out[o++] = *p == '_' ? ' ' : *p;
		for (; w && *w && o + 1 < cap; w++)
			out[o++] = *w;
	}
	out[o] = '\0';
}

/* word_width: the columns of the word at s (up to a space or a line end) */
static size_t
word_width(const char *s)
{
	size_t w = 0, len, cols;
	while (*s && *s != ' ' && *s != '\t' && *s != '\n') {
		next_char(s, &len, &cols);
		s += len;
		w += cols;
	}
	return w;
}

void
cli_wrap_put(FILE *f, const char *s, size_t indent, size_t used,
    size_t width)
{
	/* pending: the indent of a new line, written with its first
	 * character (an empty line has no trailing spaces) */
	size_t col = used, len, cols, pending = 0;
	if (width > 0 && width < indent + 20)
		width = indent + 20; /* too narrow to read: the terminal wraps */
#define NEW_LINE() (putc('\n', f), pending = indent, col = indent)
#define FLUSH() for (; pending > 0; pending--) putc(' ', f)
	while (*s) {
		if (*s == '\n' || (*s == '\r' && s[1] == '\n')) {
			s += *s == '\r' ? 2 : 1;
			NEW_LINE();
		} else if (*s == ' ' || *s == '\t') {
			size_t n = strspn(s, " \t"), w = word_width(s + n);
			if (s[n] == '\0' || s[n] == '\n' || s[n] == '\r') {
				s += n; /* no trailing spaces */
				continue;
			}
			if (width > 0 && col > indent && col + n + w > width) {
				/* the next word starts the next line */
				NEW_LINE();
				s += n;
				continue;
			}
			FLUSH();
			for (size_t i = 0; i < n; i++)
				putc(' ', f);
			col += n;
			s += n;
		} else {
			if (width > 0 && col > indent && col == used &&
			    col + word_width(s) > width)
				NEW_LINE(); /* no room for a word after the label */
			bool show = next_char(s, &len, &cols);
			if (width > 0 && col > indent && col + cols > width)
				NEW_LINE(); /* a word wider than a line */
			FLUSH();
			put_char(f, s, len, show);
			col += cols;
			s += len;
		}
	}
#undef NEW_LINE
#undef FLUSH
}
