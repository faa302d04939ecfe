/*
 * cmd_node.c - wijknet init, doctor, status and whoami.
 *
 * init and doctor hand over to `wijknetd init` and `wijknetd doctor` (found
 * beside this program, else on PATH): creating keys and the store is the daemon program's work, never the
 * CLI's. The passphrase is never an argument: it comes from a file or the
 * terminal.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

/* run_daemon runs `wijknetd SUB [PRE...] ARGS...` in this process's place
 * (argv[0] is the CLI's command, left out). */
static int
run_daemon(struct cli *cli, const char *sub, const char *pre1,
    const char *pre2, int argc, char **argv)
{
	char self[PATH_MAX], daemon[PATH_MAX + 16];
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int k = 0;
	if (args == NULL)
		return CLI_FAIL;
	args[k++] = (char *)"wijknetd";
	args[k++] = (char *)sub;
	if (pre1 != NULL)
		args[k++] = (char *)pre1;
	if (pre2 != NULL)
		args[k++] = (char *)pre2;
	for (int i = 1; i < argc; i++)
		args[k++] = argv[i];
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

int
cli_cmd_init(struct cli *cli, int argc, char **argv)
{
	return run_daemon(cli, "init", NULL, NULL, argc, argv);
}

const char cli_usage_doctor[] =
    "doctor [--credential-file FILE]\n"
    "       (with [passphrase] source = credential, run outside the unit:\n"
    "       FILE is where wijknetd.service loads the passphrase credential\n"
    "       from, LoadCredential=NAME:FILE; default /etc/wijknet/passphrase)";

/* doctor reads files that only the daemon program can judge (the
 * certificate): wijknetd doctor does it, on the config of -d's node, and
 * with the credential's source file named here */
int
cli_cmd_doctor(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"credential-file", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	const char *cred = NULL;
	char conf[4096];
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'f')
			goto usage;
		if (optarg[0] == '\0') {
			fprintf(stderr, "%s: doctor: --credential-file needs a "
			    "file\n", cli->prog);
			return CLI_USAGE;
		}
		cred = optarg;
	}
	if (optind != argc) {
		fprintf(stderr, "%s: doctor takes no other arguments ('%s')\n",
		    cli->prog, argv[optind]);
		goto usage;
	}
	if ((size_t)snprintf(conf, sizeof(conf), "%s/wijknet.conf",
		cli->data_dir) >= sizeof(conf)) {
		fprintf(stderr, "%s: %s: path too long\n", cli->prog,
		    cli->data_dir);
		return CLI_USAGE;
	}
	char *sub[] = {argv[0], (char *)"--credential-file", (char *)cred,
	    NULL};
	return run_daemon(cli, "doctor", "--config", conf,
	    cred != NULL ? 3 : 1, sub);
usage:
	fprintf(stderr, "usage: wijknet %s\n", cli_usage_doctor);
	return CLI_USAGE;
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
