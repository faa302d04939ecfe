/*
 * cmd_node.c - wijknet init, status and whoami.
 *
 * init hands over to `wijknetd init` (found beside this program, else on
 * PATH): creating keys and the store is the daemon program's work, never the
 * CLI's. The passphrase is never an argument: it comes from a file or the
 * terminal.
 */
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

int
cli_cmd_init(struct cli *cli, int argc, char **argv)
{
	char self[PATH_MAX], daemon[PATH_MAX + 16];
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (args == NULL)
		return CLI_FAIL;
	args[0] = (char *)"wijknetd";
	args[1] = (char *)"init";
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(daemon, sizeof(daemon), "%s/wijknetd", self);
			if (access(daemon, X_OK) == 0)
				execv(daemon, args);
		}
	}
	execvp("wijknetd", args);
	fprintf(stderr, "%s: cannot run wijknetd: %s\n", cli->prog,
	    strerror(errno));
	free(args);
	return CLI_FAIL;
}

static int
no_args(struct cli *cli, int argc, char **argv, const char *op)
{
	if (argc != 1) {
		fprintf(stderr, "%s: %s takes no arguments ('%s')\n", cli->prog,
		    argv[0], argv[1]);
		return CLI_USAGE;
	}
	return cli_simple(cli, op, NULL);
}

int
cli_cmd_status(struct cli *cli, int argc, char **argv)
{
	return no_args(cli, argc, argv, "status");
}

int
cli_cmd_whoami(struct cli *cli, int argc, char **argv)
{
	return no_args(cli, argc, argv, "whoami");
}
