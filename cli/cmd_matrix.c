/*
 * cmd_matrix.c - wijknet matrix check | publish | show.
 *
 * check reads a matrix file without a node. publish checks it the same way
 * first and only then hands its absolute path to the node, which reads it
 * itself; show prints the matrix the node holds and which partners
 * acknowledged which version.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

const char cli_usage_matrix[] =
    "matrix check FILE | matrix publish FILE | matrix show";

/* load checks path; on failure it prints the parser's "file:line:
 * message" to stderr and returns false */
static bool
load(const char *path, struct cfg_matrix *m)
{
	char err[CFG_ERR_LEN];
	if (cfg_matrix_load(path, m, err, sizeof(err)) == WN_OK)
		return true;
	fprintf(stderr, "%s\n", err);
	return false;
}

static int
matrix_check(struct cli *cli, int argc, char **argv)
{
	struct cfg_matrix *m;
	const char *path = NULL;
	int64_t cells = 0;
	int status = CLI_FAIL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &path, 1))
		return CLI_USAGE;
	if ((m = calloc(1, sizeof(*m))) == NULL || !load(path, m))
		goto out;
	for (int t = 0; t < CFG_CASE_TYPES; t++)
		for (int c = 0; c < CFG_CATEGORIES; c++)
			for (int r = 0; r < CFG_ROLES; r++)
				cells += m->level[t][c][r] != CFG_LEVEL_NONE;
	for (int o = 0; o < CFG_OUTSIDE; o++)
		for (int r = 0; r < CFG_ROLES; r++)
			cells += m->outside[o][r] != CFG_LEVEL_NONE;
	if (cli->json) {
		/* the same shape as a node's reply */
		struct proto_ctl_field f[] = {
		    {.key = "file", .type = PROTO_CTL_TEXT, .text = path},
		    {.key = "federation", .type = PROTO_CTL_TEXT,
			.text = m->federation},
		    {.key = "cells", .type = PROTO_CTL_INT, .i = cells},
		};
		struct proto_ctl_row row = {WN_ARRAY_LEN(f), f};
		struct proto_ctl_reply r = {.status = WN_OK, .nrows = 1,
		    .rows = &row};
		snprintf(r.message, sizeof(r.message),
		    "ok, federation %s, %" PRId64 " non-none cells",
		    m->federation, cells);
		status = cli_print_reply(cli, &r);
	} else {
		printf("%s: ok, federation %s, %" PRId64 " non-none cells\n",
		    path, m->federation, cells);
		status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
out:
	free(m);
	return status;
}

static int
matrix_publish(struct cli *cli, int argc, char **argv)
{
	struct cfg_matrix *m;
	char abs[PATH_MAX];
	const char *path = NULL;
	bool ok;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &path, 1))
		return CLI_USAGE;
	if (realpath(path, abs) == NULL) {
		fprintf(stderr, "%s: %s: %s\n", cli->prog, path,
		    strerror(errno));
		return CLI_FAIL;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return CLI_FAIL;
	ok = load(path, m);
	free(m);
	if (!ok) {
		fprintf(stderr, "%s: not published\n", cli->prog);
		return CLI_FAIL;
	}
	return cli_simple(cli, "matrix.publish", "path", abs, NULL);
}

static int
matrix_show(struct cli *cli, int argc, char **argv)
{
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	/* --json: one array of both replies */
	if (cli->json)
		fputs("[", stdout);
	status = cli_simple(cli, "matrix.show", NULL);
	if (status == CLI_OK) {
		fputs(cli->json ? "," : "\n", stdout);
		/* a list, whatever its count of members */
		status = cli_simple_list(cli, NULL, "matrix.acks", NULL);
	}
	if (cli->json)
		fputs("]\n", stdout);
	if (fflush(stdout) != 0)
		return CLI_FAIL;
	return status;
}

int
cli_cmd_matrix(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"check", matrix_check},
	    {"publish", matrix_publish},
	    {"show", matrix_show},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_matrix);
}
