/*
 * cmd_case_signals.c - wijknet case signals CASE: the signals of a case as
 * this node holds them, newest first, in words (with --json the node's
 * rows as they are). A signal is attached to a case with `wijknet signal
 * link SIGNAL --case CASE` (cmd_signal.c); the other nodes' signals of the
 * case are listed as their summaries, or, where the matrix lets this node
 * know no more, only that they are there and when. case show lists them
 * too (cli_print_case_signal).
 */
#include "cli/cli.h"

void
cli_print_case_signal(const struct proto_ctl_row *r)
{
	const char *nb = cli_row_text(r, "neighbourhood");
	int64_t reports = cli_row_int(r, "reports");
	int64_t dup = cli_row_int(r, "duplicate_of");
	char when[64];
	cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
	printf("  signal %lld of ", (long long)cli_row_int(r, "signal"));
	/* a partner's words: never let them draw on the terminal */
	cli_text_put(stdout, cli_row_text(r, "from"));
	printf("  %s  ", when);
	if (!cli_row_bool(r, "summary")) {
		/* the matrix lets this node know no more of it */
		puts("(only that it is there)");
		return;
	}
	cli_text_put(stdout, cli_row_text(r, "municipality"));
	if (nb[0]) {
		putchar('/');
		cli_text_put(stdout, nb);
	}
	fputs("  ", stdout);
	cli_text_put(stdout,
	    cli_signal_category_words(cli_row_text(r, "category")));
	if (dup)
		printf("  (a duplicate of signal %lld)", (long long)dup);
	else if (reports > 1)
		printf("  (%lld reports)", (long long)reports);
	putchar('\n');
	if (cli_row_text(r, "subjects")[0]) {
		fputs("     ", stdout);
		cli_wrap_put(stdout, cli_row_text(r, "subjects"), 5, 5,
		    cli_terminal_width());
		putchar('\n');
	}
}

int
cli_case_signals(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "case.signals", "case", id, NULL)) {
		puts(reply.message);
		for (size_t i = 0; i < reply.nrows; i++)
			cli_print_case_signal(&reply.rows[i]);
	}
	proto_ctl_reply_release(&reply);
	return status;
}
