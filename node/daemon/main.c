/*
 * main.c - wijknetd, the node daemon: core dumps off (harden), then
 * dispatch to its subcommands. Built twice: as the daemon, and with
 * WN_TEST_HOOKS as the tests' daemon (the Makefile's $(BUILD)/tests/wijknetd).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

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
	{"backup", node_cmd_backup,
	    "write an encrypted copy of a (running) node's store"},
	{"restore", node_cmd_restore,
	    "restore a backup into a new data folder"},
	{"root", node_cmd_root,
	    "the federation root key, offline: init, delegate, revoke"},
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: wijknetd [COMMAND] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < WN_ARRAY_LEN(cmds); i++)
		fprintf(f, "  %-14s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'wijknetd COMMAND --help' tells more.\n");
}

/* harden turns core dumps off for every subcommand, before anything
 * else: `run` holds the unlocked keys and the store key, `init` creates
 * them, `audit-verify` unlocks them. RLIMIT_CORE 0 (no core file) and
 * PR_SET_DUMPABLE 0 (no core either, and no ptrace or /proc/PID/mem for
 * other processes of its user). Only the tests' build (WN_TEST_HOOKS:
 * the Makefile's $(BUILD)/tests/wijknetd, never the installed daemon)
 * can keep cores, to show a crashed daemon's stacks, when
 * WIJKNET_TEST_KEEP_CORES=1 and the core size limit allows one; it says
 * so at WARN. -1 if they cannot be turned off. */
static int
harden(void)
{
#ifdef WN_TEST_HOOKS
	const char *keep = getenv("WIJKNET_TEST_KEEP_CORES");
	struct rlimit cur;
	if (keep != NULL && strcmp(keep, "1") == 0 &&
	    getrlimit(RLIMIT_CORE, &cur) == 0 && cur.rlim_cur != 0) {
		wn_log(WN_LOG_WARN, "WIJKNET_TEST_KEEP_CORES=1 (a test "
				    "build): core dumps stay on");
		return 0;
	}
#endif
	if (setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0}) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		fprintf(stderr, "wijknetd: cannot turn core dumps off: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
#ifdef WN_TEST_HOOKS
	/* the WIJKNET_TEST_* deadlines and clocks (node_test_ms): only here */
	node_test_hooks_enable();
#endif
	if (harden() != 0)
		return 1;
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
