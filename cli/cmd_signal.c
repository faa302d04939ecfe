/*
 * cmd_signal.c - wijknet signal add | list | link | unlink | import.
 *
 * A signal is what a partner saw or was told: when, where, what kind of
 * nuisance, from whom, and who was involved. The node checks every
 * signal (the same rules for one typed and one imported); this file
 * refuses what is malformed before it asks, reads the free text from a
 * file or stdin (never from the command line: it is personal), and cuts a
 * CSV file into requests of whole records, each with the line it starts
 * on, so the node's report names every bad line by its number.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "config/csv.h"

/* the records of one request are cut into up to PIECES arguments of at
 * most PIECE_MAX bytes each (below PROTO_CTL_VALUE_MAX with room for the
 * node's NFC form to grow), which the node joins again: a record may span
 * pieces, not requests. ROW_MAX is above the longest valid row (every
 * field at its limit in four-byte characters, every one quoted). */
#define PIECE_MAX 3000
#define PIECES 13
#define ROWS_MAX (PIECES * PIECE_MAX)
#define ROW_MAX 16384
#define IMPORT_FILE_MAX (256u << 20)

const char cli_usage_signal[] =
    "signal add --municipality NAME --category CAT --source WHO\n"
    "              [--when 'YYYY-MM-DD HH:MM'] [--neighbourhood NAME]\n"
    "              [--street NAME] [--point LAT,LON] [--source-id ID]\n"
    "              [--text-file FILE|-] [--perpetrator REF[;REF...]]\n"
    "              [--victim REF...] [--reporter REF...] [--premises REF...]\n"
    "       signal list [--area MUNICIPALITY[/NEIGHBOURHOOD]] [--category CAT]\n"
    "              [--since YYYY-MM-DD] [--limit N] [--before SIGNAL] [--all]\n"
    "       signal list --received [--area ...] [--category CAT] [--since ...]\n"
    "              [--limit N] (director: the summaries of the members'\n"
    "              signals: when, area, category, reports; no subjects)\n"
    "       signal link SIGNAL --to SIGNAL (SIGNAL repeats the other: one\n"
    "              incident, every report and reporter kept)\n"    "       signal link SIGNAL --case CASE [--from ORG] (it belongs to the\n"
    "              case; --from: at the director, a member's signal as\n"
    "              signal list --received names it)\n"
    "       signal unlink SIGNAL --case CASE [--from ORG] (it no longer\n"
    "              belongs to the case; withdrawn where it was told)\n"
    "       signal import FILE|- (CSV, header line first; exit 1 when a line\n"
    "              was refused: the others are imported)\n"
    "CAT: noise vandalism drugs loitering intimidation confused_behaviour\n"
    "     littering dwelling_neglect other.\n"
    "--when: the node's local time unless it ends in Z or +HH:MM (default:\n"
    "now); DD-MM-YYYY HH:MM is read too. The free text comes from a file\n"
    "(- for stdin), never from the command line. --source-id: the signal's\n"
    "number in the source's own system (a second add with it is refused).\n"
    "list shows each incident once, newest first, 50 at a time (--all: the\n"
    "duplicates too); a full page says how to ask for the older ones.\n"
    "import columns (any order, names as below): when, municipality,\n"
    "category, source (required), neighbourhood, street, lat, lon,\n"
    "source_id, text, perpetrator, victim, reporter, premises; several\n"
    "subjects in one cell are separated by ';'. A row already imported (the\n"
    "same source and source_id, or without source_id the same values) is\n"
    "skipped, so the same file twice adds nothing.";

static bool
category_ok(struct cli *cli, const char *cat)
{
	static const char *const names[] = {"noise", "vandalism", "drugs",
	    "loitering", "intimidation", "confused_behaviour",
	    "confused behaviour", "littering", "dwelling_neglect",
	    "neglect of a dwelling", "other"};
	for (size_t i = 0; i < WN_ARRAY_LEN(names); i++)
		if (strcasecmp(cat, names[i]) == 0)
			return true;
	fprintf(stderr, "%s: unknown category '%s'; one of: noise vandalism "
	    "drugs loitering intimidation confused_behaviour littering "
	    "dwelling_neglect other\n", cli->prog, cat);
	return false;
}

/* read_text reads the free text from path ("-": stdin), without one
 * trailing line end; false (said why) when unreadable or too long */
static bool
read_text(struct cli *cli, const char *path, char *out, size_t cap)
{
	size_t n;
	if (!cli_read_small(cli, "text-file", path, out, cap, &n,
		"the text is too long (at most 2000 characters)"))
		return false;
	if (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	return cli_text_ok(cli, "--", "text-file", out);
}


static int
signal_add(struct cli *cli, int argc, char **argv)
{
	const char *when = NULL, *muni = NULL, *nb = NULL, *street = NULL;
	const char *point = NULL, *cat = NULL, *source = NULL, *sid = NULL;
	const char *tfile = NULL, *perp = NULL, *victim = NULL, *rep = NULL;
	const char *prem = NULL;
	const struct cli_opt opts[] = {
	    {"when", &when, false},
	    {"municipality", &muni, true},
	    {"neighbourhood", &nb, false},
	    {"street", &street, false},
	    {"point", &point, false},
	    {"category", &cat, true},
	    {"source", &source, true},
	    {"source-id", &sid, false},
	    {"text-file", &tfile, false},
	    {"perpetrator", &perp, false},
	    {"victim", &victim, false},
	    {"reporter", &rep, false},
	    {"premises", &prem, false},
	};
	char lat[64] = "", text[PROTO_CTL_VALUE_MAX + 1] = "";
	const char *lon = NULL;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !category_ok(cli, cat))
		return CLI_USAGE;
	if (point != NULL) {
		const char *comma = strchr(point, ',');
		if (comma == NULL || (size_t)(comma - point) >= sizeof(lat) ||
		    comma == point || comma[1] == '\0') {
			fprintf(stderr, "%s: --point wants LAT,LON in decimal "
			    "degrees (e.g. 51.1766,4.8325)\n", cli->prog);
			return CLI_USAGE;
		}
		memcpy(lat, point, (size_t)(comma - point));
		lat[comma - point] = '\0';
		lon = comma + 1;
	}
	if (tfile != NULL && !read_text(cli, tfile, text, sizeof(text) - 1))
		return CLI_FAIL;
	struct proto_ctl_reply reply = {0};
	int status;
	if (cli_ask(cli, &reply, &status, "signal.add", "when", when,
		"municipality", muni, "neighbourhood", nb, "street", street,
		"lat", point ? lat : NULL, "lon", lon, "category", cat,
		"source", source, "source_id", sid, "text",
		text[0] ? text : NULL, "perpetrator", perp, "victim", victim,
		"reporter", rep, "premises", prem, NULL) &&
	    reply.nrows == 1) {
		char at[64];
		cli_moment(cli_row_int(&reply.rows[0], "when_ms"), at, sizeof(at));
		printf("signal %" PRId64 " recorded: %s, %s\n",
		    cli_row_int(&reply.rows[0], "signal_id"),
		    cli_signal_category_words(cli_row_text(&reply.rows[0], "category")), at);
	}
	proto_ctl_reply_release(&reply);
	return status;
}

/* safe prints text without letting it draw on the terminal */
static void
safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		putchar(*p == '\n' ? ' ' : *p < 0x20 || *p == 0x7f ? '?' : *p);
}

const char *
cli_signal_category_words(const char *c)
{
	if (strcmp(c, "confused_behaviour") == 0)
		return "confused behaviour";
	if (strcmp(c, "dwelling_neglect") == 0)
		return "neglect of a dwelling";
	return c;
}

static void
print_signal(const struct proto_ctl_row *r)
{
	char when[64];
	cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
	printf("signal %" PRId64 "  %s  %s\n", cli_row_int(r, "signal_id"), when,
	    cli_signal_category_words(cli_row_text(r, "category")));
	fputs("  where: ", stdout);
	safe(cli_row_text(r, "municipality"));
	if (cli_row_text(r, "neighbourhood")[0]) {
		fputs(", ", stdout);
		safe(cli_row_text(r, "neighbourhood"));
	}
	if (cli_row_text(r, "street")[0]) {
		fputs(", ", stdout);
		safe(cli_row_text(r, "street"));
	}
	if (cli_row_text(r, "lat")[0])
		printf(" (%s, %s)", cli_row_text(r, "lat"), cli_row_text(r, "lon"));
	fputs("\n  from: ", stdout);
	safe(cli_row_text(r, "source"));
	if (cli_row_text(r, "source_id")[0]) {
		fputs(" (their number ", stdout);
		safe(cli_row_text(r, "source_id"));
		putchar(')');
	}
	if (cli_row_int(r, "duplicate_of") != 0)
		printf("; a duplicate of signal %" PRId64,
		    cli_row_int(r, "duplicate_of"));
	else if (cli_row_int(r, "reports") > 1)
		printf("; %" PRId64 " reports of this incident",
		    cli_row_int(r, "reports"));
	putchar('\n');
	if (cli_row_text(r, "subjects")[0]) {
		fputs("  who: ", stdout);
		safe(cli_row_text(r, "subjects"));
		putchar('\n');
	}
	if (cli_row_text(r, "text")[0]) {
		fputs("  text: ", stdout);
		cli_wrap_put(stdout, cli_row_text(r, "text"), 8, 8,
		    cli_terminal_width());
		putchar('\n');
	}
	if (strcmp(cli_row_text(r, "summary"), "owed") == 0)
		puts("  its summary has not gone to the director yet: this node "
		     "holds no charter, or no matrix that lets it out");
}

/* print_summary: a member's signal as the director knows it */
static void
print_summary(const struct proto_ctl_row *r)
{
	char when[64];
	cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
	printf("signal %" PRId64 " of ", cli_row_int(r, "signal_id"));
	safe(cli_row_text(r, "from"));
	printf("  %s  %s\n  where: ", when,
	    cli_signal_category_words(cli_row_text(r, "category")));
	safe(cli_row_text(r, "municipality"));
	if (cli_row_text(r, "neighbourhood")[0]) {
		fputs(", ", stdout);
		safe(cli_row_text(r, "neighbourhood"));
	}
	if (cli_row_int(r, "duplicate_of") != 0)
		printf("\n  a duplicate of their signal %" PRId64,
		    cli_row_int(r, "duplicate_of"));
	else if (cli_row_int(r, "reports") > 1)
		printf("\n  %" PRId64 " reports of this incident",
		    cli_row_int(r, "reports"));
	putchar('\n');
}

static int
signal_list(struct cli *cli, int argc, char **argv)
{
	const char *area = NULL, *cat = NULL, *since = NULL, *limit = NULL;
	const char *before = NULL;
	const struct cli_opt opts[] = {
	    {"area", &area, false},
	    {"category", &cat, false},
	    {"since", &since, false},
	    {"limit", &limit, false},
	    {"before", &before, false},
	};
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_ctl_reply reply = {0};
	char *args[32];
	int n = 0, status = CLI_FAIL;
	bool all = false, received = false;
	/* --all and --received take no value: taken out before the options
	 * are read */
	for (int i = 0; i < argc && n < (int)WN_ARRAY_LEN(args); i++) {
		if (i > 0 && strcmp(argv[i], "--all") == 0 && !all)
			all = true;
		else if (i > 0 && strcmp(argv[i], "--received") == 0 &&
		    !received)
			received = true;
		else
			args[n++] = argv[i];
	}
	if (req == NULL)
		goto out;
	status = CLI_USAGE;
	if (n == (int)WN_ARRAY_LEN(args) ||
	    !cli_getopt(cli, n, args, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    (cat != NULL && !category_ok(cli, cat)))
		goto out;
	status = CLI_FAIL;
	if (proto_ctl_request_init(req, "signal.list") != WN_OK ||
	    (area && proto_ctl_request_add(req, "area", area) != WN_OK) ||
	    (cat && proto_ctl_request_add(req, "category", cat) != WN_OK) ||
	    (since && proto_ctl_request_add(req, "since", since) != WN_OK) ||
	    (limit && proto_ctl_request_add(req, "limit", limit) != WN_OK) ||
	    (before && proto_ctl_request_add(req, "before", before) != WN_OK) ||
	    (all && proto_ctl_request_add(req, "all", "1") != WN_OK) ||
	    (received && proto_ctl_request_add(req, "received", "1") !=
		    WN_OK) ||
	    cli_call(cli, req, &reply) != WN_OK)
		goto out;
	if (cli->json || reply.status != WN_OK) {
		status = cli_print_reply(cli, &reply);
		goto out;
	}
	for (size_t i = 0; i < reply.nrows; i++) {
		if (i)
			putchar('\n');
		if (received)
			print_summary(&reply.rows[i]);
		else
			print_signal(&reply.rows[i]);
	}
	if (reply.nrows)
		putchar('\n');
	printf("%s\n", reply.message);
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	free(req);
	return status;
}

static int
signal_link(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *to = NULL, *cs = NULL, *from = NULL;
	const struct cli_opt opts[] = {
	    {"to", &to, false},
	    {"case", &cs, false},
	    {"from", &from, false},
	};
	uint64_t v;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if ((to == NULL) == (cs == NULL) || (from != NULL && cs == NULL)) {
		fprintf(stderr, "%s: signal link SIGNAL --to SIGNAL (a "
		    "duplicate) or --case CASE [--from ORG] (it belongs to a "
		    "case)\n", cli->prog);
		return CLI_USAGE;
	}
	if (!wn_parse_u64(id, INT64_MAX, &v) ||
	    (to != NULL && !wn_parse_u64(to, INT64_MAX, &v))) {
		fprintf(stderr, "%s: signals are named by their number\n",
		    cli->prog);
		return CLI_USAGE;
	}
	struct proto_ctl_reply reply = {0};
	int status;
	bool asked = cs != NULL
	    ? cli_ask(cli, &reply, &status, "signal.attach", "signal", id,
		  "case", cs, "from", from, NULL)
	    : cli_ask(cli, &reply, &status, "signal.link", "signal", id, "to",
		  to, NULL);
	if (asked)
		puts(reply.message); /* it says it all */
	proto_ctl_reply_release(&reply);
	return status;
}

static int
signal_unlink(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *cs = NULL, *from = NULL;
	const struct cli_opt opts[] = {
	    {"case", &cs, false},
	    {"from", &from, false},
	};
	uint64_t v;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (cs == NULL) {
		fprintf(stderr, "%s: signal unlink SIGNAL --case CASE [--from "
		    "ORG]\n", cli->prog);
		return CLI_USAGE;
	}
	if (!wn_parse_u64(id, INT64_MAX, &v)) {
		fprintf(stderr, "%s: signals are named by their number\n",
		    cli->prog);
		return CLI_USAGE;
	}
	struct proto_ctl_reply reply = {0};
	int status;
	if (cli_ask(cli, &reply, &status, "signal.detach", "signal", id,
		"case", cs, "from", from, NULL))
		puts(reply.message);
	proto_ctl_reply_release(&reply);
	return status;
}

/* ---- import ---------------------------------------------------------- */

struct line_error {
	int64_t line;
	char *msg;
};

struct import {
	struct cli *cli;
	const char *name;
	int64_t lines_total;
	size_t added, corrected, known, refused;
	struct line_error *errs;
	size_t nerrs, caperrs;
	bool progress;
	/* the request being filled */
	char header[1024];
	int64_t first;
	char sep; /* the header's separator (cfg_csv_separator) */
	char *rows; /* ROWS_MAX + 1 bytes */
	size_t rlen;
	bool any;
	int64_t upto; /* the line after the last record taken */
};

static bool
add_error(struct import *im, int64_t line, const char *msg)
{
	if (im->nerrs == im->caperrs) {
		size_t cap = im->caperrs ? im->caperrs * 2 : 64;
		struct line_error *e = realloc(im->errs, cap * sizeof(*e));
		if (e == NULL)
			return false;
		im->errs = e;
		im->caperrs = cap;
	}
	im->errs[im->nerrs].line = line;
	if ((im->errs[im->nerrs].msg = strdup(msg)) == NULL)
		return false;
	im->nerrs++;
	im->refused++;
	return true;
}

/* flush sends the request filled so far; false when it could not be sent
 * or the node refused it (said why) */
static bool
flush(struct import *im)
{
	struct proto_ctl_request *req;
	struct proto_ctl_reply reply = {0};
	bool ok = false;
	if (!im->any)
		return true;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return false;
	char first[24];
	snprintf(first, sizeof(first), "%" PRId64, im->first);
	if (proto_ctl_request_init(req, "signal.import") != WN_OK ||
	    proto_ctl_request_add(req, "header", im->header) != WN_OK ||
	    proto_ctl_request_add(req, "line", first) != WN_OK)
		goto out;
	/* pieces of at most PIECE_MAX bytes, each cut before a UTF-8
	 * character's first byte (each must be text of its own) */
	for (size_t at = 0, k = 0; at < im->rlen; k++) {
		char key[16], save;
		size_t end = at + PIECE_MAX < im->rlen ? at + PIECE_MAX
						       : im->rlen;
		while (end < im->rlen && end > at &&
		    ((unsigned char)im->rows[end] & 0xc0) == 0x80)
			end--;
		WN_ASSERT(k < PIECES && end > at);
		snprintf(key, sizeof(key), "rows%zu", k);
		save = im->rows[end];
		im->rows[end] = '\0';
		wn_err rc = proto_ctl_request_add(req, key, im->rows + at);
		im->rows[end] = save;
		if (rc != WN_OK) {
			fprintf(stderr, "%s: %s: a line from %" PRId64 " on is "
			    "not valid UTF-8 text; nothing from there on was "
			    "imported\n", im->cli->prog, im->name, im->first);
			goto out;
		}
		at = end;
	}
	if (cli_call(im->cli, req, &reply) != WN_OK)
		goto out;
	if (reply.status != WN_OK) {
		if (im->progress)
			fputs("\r\033[K", stderr);
		fprintf(stderr, "%s: %s: %s\n", im->cli->prog, im->name,
		    reply.message[0] ? reply.message
				     : wn_strerror(reply.status));
		if (im->first > 2)
			fprintf(stderr, "%s: the lines before %" PRId64 " are "
			    "imported; import the file again when this is "
			    "solved (what is here already is skipped)\n",
			    im->cli->prog, im->first);
		goto out;
	}
	for (size_t i = 0; i < reply.nrows; i++) {
		const struct proto_ctl_row *r = &reply.rows[i];
		const char *what = cli_row_text(r, "outcome");
		if (strcmp(what, "added") == 0)
			im->added++;
		else if (strcmp(what, "corrected") == 0)
			im->corrected++;
		else if (strcmp(what, "known") == 0)
			im->known++;
		else if (!add_error(im, cli_row_int(r, "line"), cli_row_text(r, "error")))
			goto out;
	}
	if (im->progress)
		fprintf(stderr, "\rimporting %s: line %" PRId64 " of %" PRId64,
		    im->name, im->upto, im->lines_total);
	ok = true;
out:
	proto_ctl_reply_release(&reply);
	free(req);
	im->rlen = 0;
	im->any = false;
	return ok;
}

static int
by_line(const void *a, const void *b)
{
	const struct line_error *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void
report(struct import *im)
{
	if (im->nerrs > 0) /* qsort may not be given a NULL array */
		qsort(im->errs, im->nerrs, sizeof(*im->errs), by_line);
	if (im->cli->json) {
		printf("{\"status\":0,\"file\":");
		putchar('"');
		for (const char *p = im->name; *p; p++)
			printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
		printf("\",\"added\":%zu,\"corrected\":%zu,\"known\":%zu,"
		    "\"refused\":%zu,\"errors\":[", im->added, im->corrected,
		    im->known, im->refused);
		for (size_t i = 0; i < im->nerrs; i++) {
			printf("%s{\"line\":%" PRId64 ",\"error\":\"", i ? "," : "",
			    im->errs[i].line);
			for (const unsigned char *p =
				 (const unsigned char *)im->errs[i].msg;
			     *p; p++) {
				if (*p == '"' || *p == '\\')
					printf("\\%c", *p);
				else if (*p < 0x20)
					printf("\\u%04x", *p);
				else
					putchar(*p);
			}
			fputs("\"}", stdout);
		}
		fputs("]}\n", stdout);
		return;
	}
	char corr[48] = "";
	if (im->corrected > 0)
		snprintf(corr, sizeof(corr), ", %zu corrected", im->corrected);
	printf("%s: %zu signal%s added%s, %zu already here, %zu line%s "
	    "refused\n", im->name, im->added, im->added == 1 ? "" : "s", corr,
	    im->known, im->refused, im->refused == 1 ? "" : "s");
	for (size_t i = 0; i < im->nerrs; i++) {
		printf("line %" PRId64 ": ", im->errs[i].line);
		safe(im->errs[i].msg);
		putchar('\n');
	}
}

static bool
read_all(struct cli *cli, const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;
	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, path,
		    strerror(errno));
		return false;
	}
	for (;;) {
		if (buf == NULL || n == cap) {
			char *b;
			if (buf != NULL)
				cap *= 2;
			if (cap > IMPORT_FILE_MAX ||
			    (b = realloc(buf, cap + 1)) == NULL) {
				fprintf(stderr, "%s: %s: larger than %u MiB: "
				    "split it\n", cli->prog, path,
				    IMPORT_FILE_MAX >> 20);
				goto fail;
			}
			buf = b;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "%s: %s: cannot read it\n", cli->prog, path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return true;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return false;
}

static int
signal_import(struct cli *cli, int argc, char **argv)
{
	const char *path = NULL;
	struct import im = {.cli = cli};
	char *buf = NULL, *p;
	size_t len = 0, left, rl, lines;
	int64_t line = 1;
	int status = CLI_FAIL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &path, 1))
		return CLI_USAGE;
	im.name = strcmp(path, "-") == 0 ? "stdin" : path;
	im.progress = !cli->json && isatty(2);
	if ((im.rows = malloc(ROWS_MAX + 1)) == NULL)
		goto out;
	if (!read_all(cli, path, &buf, &len))
		goto out;
	p = buf;
	left = len;
	if (left >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3, left -= 3; /* a spreadsheet's byte order mark */
	for (const char *q = p; q < p + left; q++)
		im.lines_total += *q == '\n';
	im.sep = cfg_csv_separator(p, left);
	if (!cfg_csv_record(p, left, im.sep, &rl, &lines) || rl == 0) {
		fprintf(stderr, "%s: %s: no header line (the column names)\n",
		    cli->prog, im.name);
		goto out;
	}
	size_t hl = rl;
	while (hl > 0 && (p[hl - 1] == '\n' || p[hl - 1] == '\r'))
		hl--;
	if (hl >= sizeof(im.header)) {
		fprintf(stderr, "%s: %s: the header line is too long\n",
		    cli->prog, im.name);
		goto out;
	}
	memcpy(im.header, p, hl);
	im.header[hl] = '\0';
	line += (int64_t)lines;
	p += rl;
	left -= rl;
	while (left > 0) {
		bool closed = cfg_csv_record(p, left, im.sep, &rl, &lines);
		const char *why = !closed ? "not a CSV line: a quote that is "
					    "never closed"
		    : rl > ROW_MAX ? "longer than 16384 bytes: not imported"
				   : NULL;
		if (why != NULL) {
			/* not sent: the request so far ends before it */
			if (!flush(&im) || !add_error(&im, line, why))
				goto out;
		} else {
			if (im.rlen + rl + 1 > ROWS_MAX && !flush(&im))
				goto out;
			if (!im.any) {
				im.first = line;
				im.any = true;
			}
			memcpy(im.rows + im.rlen, p, rl);
			im.rlen += rl;
			if (p[rl - 1] != '\n')
				im.rows[im.rlen++] = '\n';
		}
		line += (int64_t)lines;
		p += rl;
		left -= rl;
		im.upto = line;
	}
	if (!flush(&im))
		goto out;
	if (im.progress)
		fputs("\r\033[K", stderr);
	report(&im);
	status = fflush(stdout) != 0 ? CLI_FAIL
	    : im.refused > 0	     ? CLI_FAIL
				     : CLI_OK;
out:
	free(im.rows);
	for (size_t i = 0; i < im.nerrs; i++)
		free(im.errs[i].msg);
	free(im.errs);
	free(buf);
	return status;
}

int
cli_cmd_signal(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", signal_add},
	    {"list", signal_list},
	    {"link", signal_link},
	    {"unlink", signal_unlink},
	    {"import", signal_import},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_signal);
}
