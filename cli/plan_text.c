/*
 * plan_text.c - what cmd_plan.c and cmd_action.c share: a free text read
 * from a file or stdin (never from the command line: a goal, an action, a
 * note may be personal), moments and deadlines in words, life domains in
 * words, and a row of an action as a person reads it.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

bool
cli_read_text_file(struct cli *cli, const char *opt, const char *path,
    char *out, size_t cap)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;
	if (f == NULL) {
		fprintf(stderr, "%s: --%s %s: %s\n", cli->prog, opt, path,
		    strerror(errno));
		return false;
	}
	n = fread(out, 1, cap - 1, f);
	bool err = ferror(f) != 0;
	if (f != stdin)
		fclose(f);
	if (err || n == cap - 1) {
		fprintf(stderr, "%s: --%s: %s\n", cli->prog, opt,
		    err ? "cannot read it" : "the text is too long (at most "
					      "2000 characters)");
		return false;
	}
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n == 0) {
		fprintf(stderr, "%s: --%s: the text is empty\n", cli->prog,
		    opt);
		return false;
	}
	return cli_text_ok(cli, "--", opt, out);
}

void
cli_deadline(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	/* a date alone was the end of that day: said as the day */
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, tm.tm_hour == 23 && tm.tm_min == 59 &&
			tm.tm_sec == 59 ? "%a %e %b %Y" : "%a %e %b %Y %H:%M",
		&tm) == 0)
		snprintf(out, cap, "%" PRId64, ms);
}

/* safe prints text indented, without letting it draw on the terminal */
static void
safe(const char *s, const char *indent)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '\n')
			printf("\n%s", indent);
		else
			putchar(*p == '\t' ? ' ' : *p < 0x20 || *p == 0x7f
					? '?'
					: *p);
	}
}

void
cli_print_action(const struct proto_ctl_row *r, const char *self)
{
	char by[64], when[64];
	const char *state = cli_row_text_opt(r, "state");
	const char *owner = cli_row_text_opt(r, "owner");
	const char *text = cli_row_text_opt(r, "text");
	const char *note = cli_row_text_opt(r, "note");
	if (state == NULL)
		state = "?";
	if (owner == NULL)
		owner = "?";
	cli_deadline(cli_row_int(r, "deadline_ms"), by, sizeof(by));
	printf("action %" PRId64 " of case ", cli_row_int(r, "action_id"));
	safe(cli_row_text_opt(r, "case_id") ? cli_row_text_opt(r, "case_id") : "?",
	    "");
	printf("  for %s%s  by %s\n", owner,
	    self && strcmp(owner, self) == 0 ? " (this node)" : "", by);
	if (strcmp(state, "done") == 0) {
		cli_moment(cli_row_int(r, "done_ms"), when, sizeof(when));
		printf("  done on %s%s\n", when,
		    cli_row_int(r, "done_ms") > cli_row_int(r, "deadline_ms")
			? ", after its deadline"
			: "");
	} else if (strcmp(state, "late") == 0) {
		printf("  LATE: its deadline passed and it is not done\n");
	} else if (strcmp(state, "cancelled") == 0) {
		printf("  cancelled\n");
	} else {
		printf("  open\n");
	}
	if (text != NULL) {
		fputs("  what: ", stdout);
		cli_wrap_put(stdout, text, 8, 8, cli_terminal_width());
		putchar('\n');
	} else {
		puts("  what: (this node may know only that the action "
		     "exists)");
	}
	if (note != NULL) {
		const char *label = strcmp(state, "cancelled") == 0 ? "  why: "
								    : "  result: ";
		fputs(label, stdout);
		cli_wrap_put(stdout, note, 8, strlen(label),
		    cli_terminal_width());
		putchar('\n');
	}
}
