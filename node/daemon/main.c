/*
 * main.c - wijknetd, the node daemon: dispatch to its subcommands.
 */
#include <string.h>

#include "node/daemon/daemon.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{"run", node_cmd_run, "unlock the node and serve (the default)"},
	{"init", node_cmd_init, "create a node: keys, store, config"},
	{"audit-verify", node_cmd_audit_verify,
	    "verify the audit chain of a stopped node"},
	{"public", node_cmd_public, "print the node's public key bundle"},
	{"doctor", node_cmd_doctor,
	    "check the node's set-up and say what to fix"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: wijknetd [COMMAND] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < WN_ARRAY_LEN(cmds); i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'wijknetd COMMAND --help' tells more.\n");
}

int
main(int argc, char **argv)
{
	if (sec_init() != WN_OK) {
		fprintf(stderr, "wijknetd: cannot initialise libsodium\n");
		return 1;
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			     strcmp(argv[1], "-h") == 0 ||
			     strcmp(argv[1], "help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("wijknetd 0.1.0\n");
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-')
		return node_cmd_run(argc, argv);
	for (size_t i = 0; i < WN_ARRAY_LEN(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "wijknetd: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
