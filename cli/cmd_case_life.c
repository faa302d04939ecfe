/*
 * cmd_case_life.c - a case's life in the CLI: wijknet case advance |
 * close | link, and case show / case list with where each case stands.
 *
 * A step's reason is free text a person wrote about people: it is read
 * from a file or stdin (--why-file), never from the command line. case
 * show asks the node for the case (need/'s case.show: type, purpose,
 * members) and for its life (case.life: stage, steps, links) and tells
 * both in words, with dates a person reads; with --json it answers one
 * reply whose first row is the case with its stage, then a row per step
 * (kind "step") and per link (kind "link"), then its consultations
 * (kinds "consult", "decision", "escalation": meeting.case), then its
 * signals as this node holds them (kind "signal": case.signals), with
 * exact values. A user whose role may not list signals (a viewer) gets
 * the case without them.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#define WHY_MAX 4000 /* bytes: the node allows 1000 characters */

/* call sends op with key/value pairs (NULL-terminated; a NULL value is
 * left out) and decodes the reply; false (said why) when it cannot */
static bool
call(struct cli *cli, struct proto_ctl_reply *reply, const char *op, ...)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	bool ok = false;
	va_list ap;
	if (req == NULL || proto_ctl_request_init(req, op) != WN_OK)
		goto out;
	va_start(ap, op);
	for (;;) {
		const char *k = va_arg(ap, const char *), *v;
		if (k == NULL)
			break;
		v = va_arg(ap, const char *);
		if (v != NULL && (!cli_text_ok(cli, "argument ", k, v) ||
				     proto_ctl_request_add(req, k, v) != WN_OK)) {
			va_end(ap);
			goto out;
		}
	}
	va_end(ap);
	ok = cli_call(cli, req, reply) == WN_OK;
out:
	free(req);
	return ok;
}

/* read_why reads a step's reason from path ("-": stdin), CR LF read as
 * LF, without its trailing line ends; false (said why) when unreadable,
 * empty or too long */
static bool
read_why(struct cli *cli, const char *path, char *out, size_t cap)
{
	size_t n;
	if (!cli_read_small(cli, "why-file", path, out, cap, &n,
		"the reason is too long (at most 1000 characters)"))
		return false;
	/* a file written on Windows ends its lines with CR LF: one line end */
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		if (!(out[i] == '\r' && out[i + 1] == '\n'))
			out[o++] = out[i];
	out[n = o] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n == 0) {
		fprintf(stderr, "%s: --why-file: the reason is empty\n",
		    cli->prog);
		return false;
	}
	return cli_text_ok(cli, "--", "why-file", out);
}

/* safe prints text without letting it draw on the terminal; a line end
 * starts a new line at indent */
static void
safe(const char *s, const char *indent)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '\n')
			printf("\n%s", indent);
		else
			putchar(*p == '\t' ? ' ' : *p < 0x20 || *p == 0x7f ? '?'
									    : *p);
}

/* words: a name as a person says it ("follow_up": "follow-up") */
static void
words(const char *name, char *out, size_t cap)
{
	size_t i = 0;
	for (; name[i] && i + 1 < cap; i++)
		out[i] = name[i] == '_' ? (strcmp(name, "follow_up") == 0
						  ? '-'
						  : ' ')
					: name[i];
	out[i] = '\0';
}

/* said tells a person the step a case.advance or case.close took (when
 * asked is true: the node said ok, no --json), and releases the reply */
static int
said(struct cli *cli, bool asked, struct proto_ctl_reply *r, int status)
{
	(void)cli;
	if (asked && r->nrows == 1) {
		const struct proto_ctl_row *row = &r->rows[0];
		const struct proto_ctl_field *f;
		char stage[32] = "", outcome[32] = "";
		int64_t step = 0, told = 0;
		if ((f = proto_ctl_row_get(row, "stage")) && f->type ==
		    PROTO_CTL_TEXT)
			words(f->text, stage, sizeof(stage));
		if ((f = proto_ctl_row_get(row, "outcome")) && f->type ==
		    PROTO_CTL_TEXT)
			words(f->text, outcome, sizeof(outcome));
		if ((f = proto_ctl_row_get(row, "step")) && f->type ==
		    PROTO_CTL_INT)
			step = f->i;
		if ((f = proto_ctl_row_get(row, "members_told")) && f->type ==
		    PROTO_CTL_INT)
			told = f->i;
		f = proto_ctl_row_get(row, "case_id");
		printf("case %s %s%s%s (step %" PRId64 "); %" PRId64 " member%s "
		    "told\n", f && f->type == PROTO_CTL_TEXT ? f->text : "",
		    outcome[0] ? "closed: " : "now at ", outcome[0] ? outcome
		    : stage, "", step, told, told == 1 ? "" : "s");
	}
	proto_ctl_reply_release(r);
	return status;
}

static bool
stage_ok(struct cli *cli, const char *s)
{
	static const char *const stages[] = {"signal", "exploration",
	    "analysis", "plan", "follow_up"};
	for (size_t i = 0; i < WN_ARRAY_LEN(stages); i++)
		if (strcmp(s, stages[i]) == 0)
			return true;
	fprintf(stderr, "%s: --to: a stage: signal, exploration, analysis, "
	    "plan or follow_up (a case is closed with `case close`)\n",
	    cli->prog);
	return false;
}

static bool
one_of(struct cli *cli, const char *opt, const char *v,
    const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(v, names[i]) == 0)
			return true;
	fprintf(stderr, "%s: --%s: one of", cli->prog, opt);
	for (size_t i = 0; i < count; i++)
		fprintf(stderr, " %s", names[i]);
	fputc('\n', stderr);
	return false;
}

int
cli_case_advance(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *to = NULL, *wf = NULL;
	const struct cli_opt opts[] = {
	    {"to", &to, true},
	    {"why-file", &wf, false},
	};
	static char why[WHY_MAX + 1];
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !stage_ok(cli, to))
		return CLI_USAGE;
	if (wf != NULL && !read_why(cli, wf, why, sizeof(why) - 1))
		return CLI_FAIL;
	bool asked = cli_ask(cli, &reply, &status, "case.advance", "case", id,
	    "to", to, "why", wf ? why : NULL, NULL);
	return said(cli, asked, &reply, status);
}

int
cli_case_close(struct cli *cli, int argc, char **argv)
{
	static const char *const outcomes[] = {"resolved", "handed_over",
	    "stopped"};
	const char *id = NULL, *outcome = NULL, *wf = NULL;
	const struct cli_opt opts[] = {
	    {"outcome", &outcome, true},
	    {"why-file", &wf, true},
	};
	static char why[WHY_MAX + 1];
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !one_of(cli, "outcome", outcome, outcomes, WN_ARRAY_LEN(outcomes)))
		return CLI_USAGE;
	if (!read_why(cli, wf, why, sizeof(why) - 1))
		return CLI_FAIL;
	bool asked = cli_ask(cli, &reply, &status, "case.close", "case", id,
	    "outcome", outcome, "why", why, NULL);
	return said(cli, asked, &reply, status);
}

int
cli_case_link(struct cli *cli, int argc, char **argv)
{
	static const char *const relations[] = {"family_member",
	    "group_involved", "related"};
	const char *id = NULL, *to = NULL, *as = NULL;
	const struct cli_opt opts[] = {
	    {"to", &to, true},
	    {"as", &as, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !one_of(cli, "as", as, relations, WN_ARRAY_LEN(relations)))
		return CLI_USAGE;
	return cli_simple(cli, "case.link", "case", id, "to", to, "as", as,
	    NULL);
}

/* ---- joining need/'s case to work/'s life ----------------------------- */

/* joined rows: owned arrays of fields that borrow the replies' strings */
struct joined {
	struct proto_ctl_reply r;
	struct proto_ctl_row *rows;
	size_t nrows;
};

static void
joined_release(struct joined *j)
{
	for (size_t i = 0; i < j->nrows; i++)
		free(j->rows[i].fields);
	free(j->rows);
	memset(j, 0, sizeof(*j));
}

/* join_row: row's fields, then extra's except those named in skip */
static bool
join_row(struct proto_ctl_row *out, const struct proto_ctl_row *row,
    const struct proto_ctl_row *extra, const char *const *skip,
    size_t nskip)
{
	size_t n = row->nfields + (extra ? extra->nfields : 0);
	if ((out->fields = calloc(n ? n : 1, sizeof(*out->fields))) == NULL)
		return false;
	out->nfields = 0;
	for (size_t i = 0; i < row->nfields; i++)
		out->fields[out->nfields++] = row->fields[i];
	for (size_t i = 0; extra && i < extra->nfields; i++) {
		bool drop = false;
		for (size_t k = 0; k < nskip; k++)
			drop |= strcmp(extra->fields[i].key, skip[k]) == 0;
		if (!drop)
			out->fields[out->nfields++] = extra->fields[i];
	}
	return true;
}

int
cli_case_list(struct cli *cli, int argc, char **argv)
{
	static const char *const skip[] = {"case_id"};
	static const struct proto_ctl_field at_signal[] = {
	    {.key = "stage", .type = PROTO_CTL_TEXT, .text = "signal"},
	    {.key = "outcome", .type = PROTO_CTL_TEXT, .text = ""},
	    {.key = "steps", .type = PROTO_CTL_INT, .i = 0},
	    {.key = "moved_ms", .type = PROTO_CTL_INT, .i = 0},
	};
	const struct proto_ctl_row none = {WN_ARRAY_LEN(at_signal),
	    (struct proto_ctl_field *)at_signal};
	struct proto_ctl_reply cases = {0}, life = {0};
	struct joined j = {0};
	int status = CLI_FAIL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (!call(cli, &cases, "case.list", NULL))
		goto out;
	if (cases.status != WN_OK) {
		status = cli_print_reply(cli, &cases);
		goto out;
	}
	if (!call(cli, &life, "case.life", NULL))
		goto out;
	if (life.status != WN_OK) {
		status = cli_print_reply(cli, &life);
		goto out;
	}
	j.r = cases;
	if (cases.nrows &&
	    (j.rows = calloc(cases.nrows, sizeof(*j.rows))) == NULL)
		goto out;
	for (size_t i = 0; i < cases.nrows; i++) {
		const struct proto_ctl_row *l = &none;
		const char *id = cli_row_text(&cases.rows[i], "case_id");
		for (size_t k = 0; k < life.nrows; k++)
			if (strcmp(cli_row_text(&life.rows[k], "case_id"), id) == 0)
				l = &life.rows[k];
		if (!join_row(&j.rows[i], &cases.rows[i], l, skip, 1))
			goto out;
		j.nrows++;
	}
	j.r.rows = j.rows;
	status = cli_print_list(cli, &j.r, NULL, 0, false, "no cases", NULL);
out:
	joined_release(&j);
	proto_ctl_reply_release(&cases);
	proto_ctl_reply_release(&life);
	return status;
}

/* link_words: how a link reads from this case */
static void
print_link(const struct proto_ctl_row *r)
{
	const char *rel = cli_row_text(r, "relation");
	bool to = strcmp(cli_row_text(r, "direction"), "to") == 0;
	char when[64];
	fputs("  ", stdout);
	if (strcmp(rel, "family_member") == 0)
		fputs(to ? "the person case of a member of family case "
			 : "family case of which a member has person case ",
		    stdout);
	else if (strcmp(rel, "group_involved") == 0)
		fputs(to ? "involves group case "
			 : "the group involved in situation case ",
		    stdout);
	else
		fputs("related to case ", stdout);
	safe(cli_row_text(r, "other"), "");
	cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
	printf(" (linked %s by ", when);
	safe(cli_row_text(r, "by_user"), "");
	fputs(" of ", stdout);
	safe(cli_row_text(r, "by_org"), "");
	puts(")");
}

static void
print_step(const struct proto_ctl_row *r)
{
	char when[64], stage[32], outcome[32];
	cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
	words(cli_row_text(r, "stage"), stage, sizeof(stage));
	words(cli_row_text(r, "outcome"), outcome, sizeof(outcome));
	printf("  %" PRId64 ". %s  ", cli_row_int(r, "step"), when);
	if (strcmp(cli_row_text(r, "stage"), "closed") == 0)
		printf("closed: %s", outcome);
	else
		printf("to %s", stage);
	fputs(", by ", stdout);
	safe(cli_row_text(r, "by_user"), "");
	fputs(" of ", stdout);
	safe(cli_row_text(r, "by_org"), "");
	putchar('\n');
	if (!cli_row_bool(r, "reason_shared"))
		puts("     reason not shared");
	else if (!cli_row_text(r, "reason")[0])
		puts("     no reason given");
	else {
		fputs("     why: ", stdout);
		cli_wrap_put(stdout, cli_row_text(r, "reason"), 10, 10,
		    cli_terminal_width());
		putchar('\n');
	}
}

static void
print_case(const struct proto_ctl_reply *j)
{
	const struct proto_ctl_row *c = &j->rows[0];
	char when[64], stage[32], outcome[32];
	bool any = false;
	fputs("case ", stdout);
	safe(cli_row_text(c, "case_id"), "");
	fputs(" (", stdout);
	safe(cli_row_text(c, "type"), "");
	fputs("), directed by ", stdout);
	safe(cli_row_text(c, "director"), "");
	fputs("\n  purpose: ", stdout);
	cli_wrap_put(stdout, cli_row_text(c, "purpose"), 4, 11,
	    cli_terminal_width());
	fputs("\n  subject: ", stdout);
	safe(cli_row_text(c, "subject"), "");
	fputs("\n  ground: ", stdout);
	safe(cli_row_text(c, "ground"), "");
	words(cli_row_text(c, "stage"), stage, sizeof(stage));
	words(cli_row_text(c, "outcome"), outcome, sizeof(outcome));
	if (strcmp(cli_row_text(c, "stage"), "closed") == 0) {
		cli_moment(cli_row_int(c, "closed_ms"), when, sizeof(when));
		printf("\n  stage: closed (%s) on %s: nothing is shared for it "
		       "any more", outcome, when);
	} else
		printf("\n  stage: %s", stage);
	fputs("\n  members: ", stdout);
	safe(cli_row_text(c, "members"), "");
	printf("%s\n", cli_row_bool(c, "member") ? " (this node among them)"
					    : " (this node is not a member)");
	for (size_t i = 1; i < j->nrows; i++)
		if (strcmp(cli_row_text(&j->rows[i], "kind"), "step") == 0) {
			if (!any)
				puts("what happened:");
			any = true;
			print_step(&j->rows[i]);
		}
	if (!any)
		puts("what happened: nothing yet: the case stands at signal, "
		     "where it was opened");
	any = false;
	for (size_t i = 1; i < j->nrows; i++)
		if (strcmp(cli_row_text(&j->rows[i], "kind"), "link") == 0) {
			if (!any)
				puts("links:");
			any = true;
			print_link(&j->rows[i]);
		}
}

int
cli_case_show(struct cli *cli, int argc, char **argv)
{
	static const char *const skip[] = {"kind", "case_id"};
	const char *id = NULL;
	struct proto_ctl_reply kase = {0}, life = {0}, meet = {0}, sigs = {0};
	struct joined j = {0};
	int status = CLI_FAIL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (!call(cli, &kase, "case.show", "case", id, NULL))
		goto out;
	if (kase.status != WN_OK || kase.nrows != 1) {
		status = cli_print_reply(cli, &kase);
		goto out;
	}
	if (!call(cli, &life, "case.life", "case", id, NULL))
		goto out;
	if (life.status != WN_OK || life.nrows < 1) {
		status = cli_print_reply(cli, &life);
		goto out;
	}
	/* its consultations and escalations (cmd_meeting.c) */
	if (!call(cli, &meet, "meeting.case", "case", id, NULL))
		goto out;
	if (meet.status != WN_OK) {
		status = cli_print_reply(cli, &meet);
		goto out;
	}
	/* its signals (cmd_case_signals.c); a viewer may not list them */
	if (!call(cli, &sigs, "case.signals", "case", id, NULL))
		goto out;
	if (sigs.status == WN_EDENIED)
		sigs.nrows = 0;
	else if (sigs.status != WN_OK) {
		status = cli_print_reply(cli, &sigs);
		goto out;
	}
	j.r = kase;
	if ((j.rows = calloc(life.nrows + meet.nrows + sigs.nrows,
		 sizeof(*j.rows))) == NULL ||
	    !join_row(&j.rows[0], &kase.rows[0], &life.rows[0], skip, 2))
		goto out;
	j.nrows = 1;
	for (size_t i = 1; i < life.nrows; i++, j.nrows++)
		if (!join_row(&j.rows[i], &life.rows[i], NULL, NULL, 0))
			goto out;
	for (size_t i = 0; i < meet.nrows; i++, j.nrows++)
		if (!join_row(&j.rows[j.nrows], &meet.rows[i], NULL, NULL, 0))
			goto out;
	for (size_t i = 0; i < sigs.nrows; i++, j.nrows++)
		if (!join_row(&j.rows[j.nrows], &sigs.rows[i], NULL, NULL, 0))
			goto out;
	j.r.rows = j.rows;
	j.r.nrows = j.nrows;
	if (cli->json)
		status = cli_print_reply(cli, &j.r);
	else {
		print_case(&j.r);
		cli_print_consultations(meet.rows, meet.nrows);
		if (sigs.nrows > 0) {
			puts("signals:");
			for (size_t i = 0; i < sigs.nrows; i++)
				cli_print_case_signal(&sigs.rows[i]);
		}
		status = CLI_OK;
		if (fflush(stdout) != 0) {
			fprintf(stderr, "%s: cannot write output\n", cli->prog);
			status = CLI_FAIL;
		}
	}
out:
	joined_release(&j);
	proto_ctl_reply_release(&kase);
	proto_ctl_reply_release(&life);
	proto_ctl_reply_release(&meet);
	proto_ctl_reply_release(&sigs);
	return status;
}
