/*
 * cmd_share.c - wijknet share list | show | approve | deny.
 *
 * Requests from partners for information this node holds wait here until
 * each asked category is decided: approved (all undecided ones, or --only
 * some of them) or denied with a reason (likewise). `share list` shows
 * which are still undecided; every decision is audited per category.
 */
#include "cli/cli.h"

const char cli_usage_share[] =
    "share list | share show ID\n"
    "       share approve ID [--only CAT,...]\n"
    "       share deny ID --reason TEXT [--only CAT,...]\n"
    "       (a request stays open until each category is decided)";

static int
share_list(struct cli *cli, int argc, char **argv)
{
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	return cli_simple_list(cli, "no requests for information",
	    "share.list", NULL);
}

static int
share_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	/* a table, field by field, whatever their count */
	return cli_simple_list(cli, NULL, "share.show", "id", id, NULL);
}

static int
share_approve(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *only = NULL;
	const struct cli_opt opts[] = {{"only", &only, false}};
	if (!cli_getopt(cli, argc, argv, opts, 1, &id, 1) ||
	    (only != NULL && !cli_categories_ok(cli, only)))
		return CLI_USAGE;
	return cli_simple(cli, "share.approve", "id", id, "only", only, NULL);
}

static int
share_deny(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *reason = NULL, *only = NULL;
	const struct cli_opt opts[] = {{"reason", &reason, true},
	    {"only", &only, false}};
	if (!cli_getopt(cli, argc, argv, opts, 2, &id, 1) ||
	    (only != NULL && !cli_categories_ok(cli, only)))
		return CLI_USAGE;
	return cli_simple(cli, "share.deny", "id", id, "reason", reason,
	    "only", only, NULL);
}

int
cli_cmd_share(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"list", share_list},
	    {"show", share_show},
	    {"approve", share_approve},
	    {"deny", share_deny},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_share);
}
