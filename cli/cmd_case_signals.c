/*
 * cmd_case_signals.c - wijknet case signals CASE: the signals of a case as
 * this node holds them, newest first, in words (with --json the node's
 * rows as they are). A signal is attached to a case with `wijknet signal
 * link SIGNAL --case CASE` (cmd_signal.c).
 */
#include "cli/cli.h"

int
cli_case_signals(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_reply reply = {0};
	int status;
	char when[64];
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "case.signals", "case", id, NULL)) {
		puts(reply.message);
		for (size_t i = 0; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			const char *nb = cli_row_text(r, "neighbourhood");
			int64_t reports = cli_row_int(r, "reports");
			int64_t dup = cli_row_int(r, "duplicate_of");
			cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
			printf("  signal %lld of %s  %s  %s%s%s  %s",
			    (long long)cli_row_int(r, "signal"),
			    cli_row_text(r, "from"), when,
			    cli_row_text(r, "municipality"), nb[0] ? "/" : "",
			    nb, cli_row_text(r, "category"));
			if (dup)
				printf("  (a duplicate of signal %lld)",
				    (long long)dup);
			else if (reports > 1)
				printf("  (%lld reports)", (long long)reports);
			putchar('\n');
			if (cli_row_text(r, "subjects")[0])
				printf("     %s\n", cli_row_text(r, "subjects"));
		}
	}
	proto_ctl_reply_release(&reply);
	return status;
}
