/*
 * cmd_audit.c - wijknet audit verify | show [--limit N].
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>

int
cli_cmd_audit(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"limit", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *limit = NULL;
	uint64_t v;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: wijknet audit verify | show [--limit N]\n");
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "verify") == 0) {
		if (argc != 2) {
			fprintf(stderr, "%s: audit verify takes no arguments\n",
			    cli->prog);
			return CLI_USAGE;
		}
		return cli_simple(cli, "audit.verify", NULL);
	}
	if (strcmp(argv[1], "show") != 0) {
		fprintf(stderr, "%s: unknown audit command '%s' (verify, show)\n",
		    cli->prog, argv[1]);
		return CLI_USAGE;
	}
	optind = 0; /* 0: glibc reinitialises fully */
	while ((c = getopt_long(argc - 1, argv + 1, "n:", opts, NULL)) != -1) {
		if (c != 'n') {
			fprintf(stderr, "usage: wijknet audit show [--limit N]\n");
			return CLI_USAGE;
		}
		limit = optarg;
		if (!wn_parse_u64(limit, 10000, &v)) {
			fprintf(stderr, "%s: --limit wants a number from 0 to "
			    "10000\n", cli->prog);
			return CLI_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: wijknet audit show [--limit N]\n");
		return CLI_USAGE;
	}
	return cli_simple_list(cli, "no audit records", "audit.show", "limit",
	    limit, NULL);
}
