/*
 * cmd_meeting.c - consultations in the CLI: wijknet body add | change |
 * list, wijknet meeting plan | agenda | attend | minutes | decide | list |
 * show, wijknet case escalate, and the consultations part of case show.
 *
 * The federation's director keeps the consultation bodies (the monthly
 * neighbourhood team, the nuisance consultation team) and holds their
 * meetings; each partner sees the bodies it sits in, their meetings, and,
 * for the cases it is a member of, the minutes and decisions as far as
 * the matrix lets its role see deliberation. Minutes, decisions and the
 * reason of an escalation are free text about people: read from a file or
 * stdin, never from the command line.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

const char cli_usage_body[] =
    "body add BODY --name NAME --chair ORG --members ORG,ORG,...\n"
    "       body change BODY [--name NAME] [--chair ORG] [--members ORG,...]\n"
    "       body list\n"
    "(add, change: the federation's director. BODY: a short id, a-z 0-9 _ -,\n"
    "e.g. nbt-herentals; NAME: up to 64 characters; the chair is one of the\n"
    "members; each member partner is told the body it sits in, one that\n"
    "leaves it that it no longer does.)";

const char cli_usage_meeting[] =
    "meeting plan BODY --at WHEN (a moment to come)\n"
    "       meeting agenda MEETING CASE (put a case on its agenda)\n"
    "       meeting attend MEETING --present ORG,ORG,... (who was there)\n"
    "       meeting minutes MEETING --case CASE --text-file FILE|-\n"
    "       meeting decide MEETING --case CASE --text-file FILE|- [--step N]\n"
    "       meeting list [--body BODY]\n"
    "       meeting show MEETING [--director ORG]\n"
    "(plan, agenda, attend, minutes, decide: the federation's director, for\n"
    "cases it directs.) WHEN: YYYY-MM-DD HH:MM, the node's local time unless\n"
    "it ends in Z or +HH:MM. A meeting goes to the partners of its body,\n"
    "without its cases; a case on the agenda, its minutes and decisions go\n"
    "only to the case's members: the texts where the matrix gives their\n"
    "role view of deliberation, at existence only that they exist. --step N\n"
    "ties a decision to step N of the case (taken with case advance or case\n"
    "close). Minutes and decisions are written once the meeting was held.\n"
    "Texts come from a file (- for stdin), at most 2000 characters.";

/* say calls op with the pairs given (NULL-terminated) and prints what the
 * node said in words, or the reply as cli_simple does */
#define SAY(cli, ...)                                                          \
	do {                                                                   \
		struct proto_ctl_reply r_ = {0};                               \
		int s_;                                                        \
		if (cli_ask((cli), &r_, &s_, __VA_ARGS__, NULL))               \
			printf("%s\n", r_.message);                            \
		proto_ctl_reply_release(&r_);                                  \
		return s_;                                                     \
	} while (0)

static bool
org_list_ok(struct cli *cli, const char *opt, const char *list)
{
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		char org[64];
		if (len == 0 || len >= sizeof(org))
			goto bad;
		memcpy(org, p, len);
		org[len] = '\0';
		if (!cfg_org_id_valid(org))
			goto bad;
		p += len;
		if (*p == ',' && *++p == '\0')
			goto bad;
	}
	return true;
bad:
	fprintf(stderr, "%s: --%s: a comma-separated list of organisation "
	    "ids (a-z, 0-9, '_', '-')\n", cli->prog, opt);
	return false;
}

static int
body_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *name = NULL, *chair = NULL, *members = NULL;
	const struct cli_opt opts[] = {
	    {"name", &name, true},
	    {"chair", &chair, true},
	    {"members", &members, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !org_list_ok(cli, "members", members))
		return CLI_USAGE;
	SAY(cli, "body.add", "body", id, "name", name, "chair", chair,
	    "members", members);
}

static int
body_change(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *name = NULL, *chair = NULL, *members = NULL;
	const struct cli_opt opts[] = {
	    {"name", &name, false},
	    {"chair", &chair, false},
	    {"members", &members, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    (members != NULL && !org_list_ok(cli, "members", members)))
		return CLI_USAGE;
	if (name == NULL && chair == NULL && members == NULL) {
		fprintf(stderr, "%s: body change: say what changes (--name, "
		    "--chair, --members)\n", cli->prog);
		return CLI_USAGE;
	}
	/* an argument not given keeps its value: it is not sent */
	SAY(cli, "body.change", "body", id, "name", name, "chair", chair,
	    "members", members);
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

/* list calls op with the pairs given and hands the reply to print, or
 * prints it as cli_simple does (--json, a refusal) */
static int
list(struct cli *cli, void (*print)(const struct proto_ctl_reply *),
    const char *op, ...)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_ctl_reply reply = {0};
	int status = CLI_FAIL;
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
	if (cli_call(cli, req, &reply) != WN_OK)
		goto out;
	if (cli->json || reply.status != WN_OK) {
		status = cli_print_reply(cli, &reply);
		goto out;
	}
	print(&reply);
	status = CLI_OK;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: cannot write output\n", cli->prog);
		status = CLI_FAIL;
	}
out:
	proto_ctl_reply_release(&reply);
	free(req);
	return status;
}

/* table writes the rows of r as cells (ncols each, built by cell into
 * out, cap bytes) under heads, in the one table style (cli_table_write) */
static void
table(const struct proto_ctl_reply *r, const char *const *heads,
    size_t ncols,
    void (*cell)(const struct proto_ctl_row *, size_t, char *, size_t))
{
	enum { CAP = 320 };
	char (*buf)[CAP] = calloc(r->nrows * ncols + 1, sizeof(*buf));
	const char **cells = calloc(r->nrows * ncols + 1, sizeof(*cells));
	if (buf == NULL || cells == NULL) {
		fprintf(stderr, "wijknet: out of memory\n");
		goto out;
	}
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < ncols; c++) {
			cell(&r->rows[i], c, buf[i * ncols + c], CAP);
			cells[i * ncols + c] = buf[i * ncols + c];
		}
	cli_table_write(stdout, heads, ncols, cells, r->nrows,
	    cli_terminal_width());
out:
	free(buf);
	free(cells);
}

static void
body_cell(const struct proto_ctl_row *b, size_t c, char *out, size_t cap)
{
	static const char *const keys[] = {"body_id", "name", "chair",
	    "members"};
	if (c < WN_ARRAY_LEN(keys))
		snprintf(out, cap, "%s", cli_row_text(b, keys[c]));
	else
		snprintf(out, cap, "%s", cli_row_bool(b, "sits") ? "yes" : "no");
}

static void
print_bodies(const struct proto_ctl_reply *r)
{
	static const char *const heads[] = {"body", "name", "chair",
	    "members", "this node sits in it"};
	if (r->nrows == 0)
		puts("no consultation bodies");
	else
		table(r, heads, WN_ARRAY_LEN(heads), body_cell);
}

static int
body_list(struct cli *cli, int argc, char **argv)
{
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	return list(cli, print_bodies, "body.list", NULL);
}

int
cli_cmd_body(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", body_add},
	    {"change", body_change},
	    {"list", body_list},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_body);
}

/* ---- meetings ------------------------------------------------------------ */

static bool
number_ok(struct cli *cli, const char *what, const char *v)
{
	size_t n = strspn(v, "0123456789");
	if (n == 0 || v[n] != '\0' || n > 18 || strspn(v, "0") == n) {
		fprintf(stderr, "%s: %s: a number, e.g. 3 (see meeting list)\n",
		    cli->prog, what);
		return false;
	}
	return true;
}

static int
meeting_plan(struct cli *cli, int argc, char **argv)
{
	const char *body = NULL, *at = NULL;
	const struct cli_opt opts[] = {{"at", &at, true}};
	if (!cli_getopt(cli, argc, argv, opts, 1, &body, 1))
		return CLI_USAGE;
	SAY(cli, "meeting.plan", "body", body, "at", at);
}

static int
meeting_agenda(struct cli *cli, int argc, char **argv)
{
	const char *pos[2] = {NULL, NULL};
	if (!cli_getopt(cli, argc, argv, NULL, 0, pos, 2) ||
	    !number_ok(cli, "MEETING", pos[0]))
		return CLI_USAGE;
	SAY(cli, "meeting.agenda", "meeting", pos[0], "case", pos[1]);
}

static int
meeting_attend(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *present = NULL;
	const struct cli_opt opts[] = {{"present", &present, true}};
	if (!cli_getopt(cli, argc, argv, opts, 1, &id, 1) ||
	    !number_ok(cli, "MEETING", id) ||
	    !org_list_ok(cli, "present", present))
		return CLI_USAGE;
	SAY(cli, "meeting.attend", "meeting", id, "present", present);
}

static int
meeting_minutes(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *cid = NULL, *file = NULL;
	const struct cli_opt opts[] = {
	    {"case", &cid, true},
	    {"text-file", &file, true},
	};
	static char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !number_ok(cli, "MEETING", id))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "text-file", file, text, sizeof(text)))
		return CLI_FAIL;
	SAY(cli, "meeting.minutes", "meeting", id, "case", cid, "text", text);
}

static int
meeting_decide(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *cid = NULL, *file = NULL, *step = NULL;
	const struct cli_opt opts[] = {
	    {"case", &cid, true},
	    {"text-file", &file, true},
	    {"step", &step, false},
	};
	static char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !number_ok(cli, "MEETING", id) ||
	    (step != NULL && !number_ok(cli, "--step", step)))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "text-file", file, text, sizeof(text)))
		return CLI_FAIL;
	SAY(cli, "meeting.decide", "meeting", id, "case", cid, "text", text,
	    "step", step);
}

static void
print_meeting_line(const struct proto_ctl_row *m)
{
	char when[64];
	int64_t present = cli_row_int(m, "present"), cases = cli_row_int(m,
							  "cases");
	cli_moment(cli_row_int(m, "at_ms"), when, sizeof(when));
	printf("meeting %" PRId64 "  %s  ", cli_row_int(m, "meeting"), when);
	safe(cli_row_text(m, "body_name")[0] ? cli_row_text(m, "body_name")
					     : cli_row_text(m, "body_id"),
	    "");
	fputs(" (", stdout);
	safe(cli_row_text(m, "body_id"), "");
	fputs(")", stdout);
	if (cli_row_bool(m, "attendance_taken"))
		printf("; %" PRId64 " partner%s there", present,
		    present == 1 ? " was" : "s were");
	if (cases > 0)
		printf("; %" PRId64 " case%s on its agenda here", cases,
		    cases == 1 ? "" : "s");
	putchar('\n');
}

static void
meeting_cell(const struct proto_ctl_row *m, size_t c, char *out, size_t cap)
{
	const char *name = cli_row_text(m, "body_name");
	switch (c) {
	case 0:
		snprintf(out, cap, "%lld", (long long)cli_row_int(m, "meeting"));
		break;
	case 1:
		cli_moment(cli_row_int(m, "at_ms"), out, cap);
		break;
	case 2:
		snprintf(out, cap, "%s (%s)", name[0] ? name
		    : cli_row_text(m, "body_id"), cli_row_text(m, "body_id"));
		break;
	case 3: /* empty until the attendance is taken */
		if (cli_row_bool(m, "attendance_taken"))
			snprintf(out, cap, "%lld", (long long)cli_row_int(m,
			    "present"));
		else
			out[0] = '\0';
		break;
	default:
		snprintf(out, cap, "%lld", (long long)cli_row_int(m, "cases"));
	}
}

static void
print_meetings(const struct proto_ctl_reply *r)
{
	static const char *const heads[] = {"meeting", "when", "body",
	    "partners there", "cases here"};
	if (r->nrows == 0)
		puts("no meetings");
	else
		table(r, heads, WN_ARRAY_LEN(heads), meeting_cell);
}

static int
meeting_list(struct cli *cli, int argc, char **argv)
{
	const char *body = NULL;
	const struct cli_opt opts[] = {{"body", &body, false}};
	if (!cli_getopt(cli, argc, argv, opts, 1, NULL, 0))
		return CLI_USAGE;
	return list(cli, print_meetings, "meeting.list", "body", body, NULL);
}

static void
print_decision(const struct proto_ctl_row *d, const char *indent)
{
	char when[64], head[160];
	int n;
	cli_moment(cli_row_int(d, "decided_ms"), when, sizeof(when));
	n = snprintf(head, sizeof(head), "%sdecision %" PRId64 " (%s", indent,
	    cli_row_int(d, "decision"), when);
	if (cli_row_int(d, "step") > 0 && n > 0 && (size_t)n < sizeof(head))
		snprintf(head + n, sizeof(head) - (size_t)n,
		    ", took step %" PRId64, cli_row_int(d, "step"));
	printf("%s): ", head);
	if (cli_row_bool(d, "text_shared"))
		cli_wrap_put(stdout, cli_row_text(d, "text"), strlen(indent) + 2,
		    cli_text_width(head) + 3, cli_terminal_width());
	else
		fputs("(not shared with this node)", stdout);
	putchar('\n');
}

/* print_consult prints a row of kind "consult": a case at a meeting */
static void
print_consult(const struct proto_ctl_row *k, bool with_meeting)
{
	char when[64];
	if (with_meeting) {
		cli_moment(cli_row_int(k, "at_ms"), when, sizeof(when));
		printf("  meeting %" PRId64 " of ", cli_row_int(k, "meeting"));
		safe(cli_row_text(k, "body_id"), "");
		printf(", %s\n", when);
	} else {
		fputs("  case ", stdout);
		safe(cli_row_text(k, "case_id"), "");
		putchar('\n');
	}
	if (cli_row_int(k, "minutes_ms") == 0)
		puts("    no minutes yet");
	else if (!cli_row_bool(k, "minutes_shared"))
		puts("    minutes: written, not shared with this node");
	else {
		fputs("    minutes: ", stdout);
		cli_wrap_put(stdout, cli_row_text(k, "minutes"), 6, 13,
		    cli_terminal_width());
		putchar('\n');
	}
}

static void
print_meeting(const struct proto_ctl_reply *r)
{
	bool any = false;
	if (r->nrows == 0)
		return;
	print_meeting_line(&r->rows[0]);
	for (size_t i = 1; i < r->nrows; i++) {
		const struct proto_ctl_row *a = &r->rows[i];
		if (strcmp(cli_row_text(a, "kind"), "attendance") != 0)
			continue;
		fputs(any ? ", " : "  attendance: ", stdout);
		safe(cli_row_text(a, "org"), "");
		fputs(cli_row_bool(a, "present") ? " present" : " absent",
		    stdout);
		any = true;
	}
	if (any)
		putchar('\n');
	else
		puts("  attendance: not taken yet");
	any = false;
	for (size_t i = 1; i < r->nrows; i++) {
		const struct proto_ctl_row *k = &r->rows[i];
		const char *kind = cli_row_text(k, "kind");
		if (strcmp(kind, "consult") == 0) {
			if (!any)
				puts("  agenda (the cases this node may know "
				     "of):");
			any = true;
			print_consult(k, false);
		} else if (strcmp(kind, "decision") == 0)
			print_decision(k, "    ");
	}
	if (!any)
		puts("  agenda: no case this node may know of");
}

static int
meeting_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *dir = NULL;
	const struct cli_opt opts[] = {{"director", &dir, false}};
	if (!cli_getopt(cli, argc, argv, opts, 1, &id, 1) ||
	    !number_ok(cli, "MEETING", id))
		return CLI_USAGE;
	return list(cli, print_meeting, "meeting.show", "meeting", id,
	    "director", dir, NULL);
}

int
cli_cmd_meeting(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"plan", meeting_plan},
	    {"agenda", meeting_agenda},
	    {"attend", meeting_attend},
	    {"minutes", meeting_minutes},
	    {"decide", meeting_decide},
	    {"list", meeting_list},
	    {"show", meeting_show},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_meeting);
}

/* ---- case escalate, and a case's consultations in case show ------------ */

int
cli_case_escalate(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *to = NULL, *wf = NULL;
	const struct cli_opt opts[] = {
	    {"to", &to, true},
	    {"why-file", &wf, true},
	};
	static char why[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "why-file", wf, why, sizeof(why)))
		return CLI_FAIL;
	SAY(cli, "case.escalate", "case", id, "to", to, "why", why);
}

void
cli_print_consultations(const struct proto_ctl_row *rows, size_t n)
{
	bool any = false;
	char when[64];
	for (size_t i = 0; i < n; i++) {
		const struct proto_ctl_row *k = &rows[i];
		const char *kind = cli_row_text(k, "kind");
		if (strcmp(kind, "consult") == 0) {
			if (!any)
				puts("consultations:");
			any = true;
			print_consult(k, true);
		} else if (strcmp(kind, "decision") == 0)
			print_decision(k, "    ");
	}
	any = false;
	for (size_t i = 0; i < n; i++) {
		const struct proto_ctl_row *e = &rows[i];
		if (strcmp(cli_row_text(e, "kind"), "escalation") != 0)
			continue;
		if (!any)
			puts("escalations:");
		any = true;
		cli_moment(cli_row_int(e, "when_ms"), when, sizeof(when));
		printf("  %s  handed from ", when);
		safe(cli_row_text(e, "from_body"), "");
		fputs(" to ", stdout);
		safe(cli_row_text(e, "to_body"), "");
		fputs(", by ", stdout);
		safe(cli_row_text(e, "by_user"), "");
		fputs(" of ", stdout);
		safe(cli_row_text(e, "by_org"), "");
		if (!cli_row_bool(e, "reason_shared"))
			puts("\n     reason not shared");
		else {
			fputs("\n     why: ", stdout);
			cli_wrap_put(stdout, cli_row_text(e, "reason"), 10, 10,
			    cli_terminal_width());
			putchar('\n');
		}
	}
}
