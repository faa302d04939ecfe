/*
 * cli.h - the wijknet command: shared state of one invocation, the client
 * side of the control socket and output helpers.
 *
 * The CLI talks to the local node over its control socket only: it never
 * opens the store or touches a key.
 */
#ifndef CLI_H
#define CLI_H

#include "config/wn.h"
#include "protocol/control.h"

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

struct cli {
	const char *data_dir; /* -d, $WIJKNET_DATA, or /var/lib/wijknet */
	bool json;            /* --json */
	const char *prog;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;
};

/* cli_call sends req to the node and decodes its reply into *reply (the
 * caller releases it). On a transport or decoding failure it prints a clear
 * message and returns WN_ETRANSPORT / WN_EPROTO. */
WN_NODISCARD wn_err cli_call(struct cli *cli,
    const struct proto_ctl_request *req, struct proto_ctl_reply *reply);

/* cli_print_reply prints a reply as "key: value" lines (one row), a table
 * (several rows) or JSON (--json); errors go to stderr. Returns the exit
 * code: 0 when the node said ok, 1 otherwise. */
int cli_print_reply(struct cli *cli, const struct proto_ctl_reply *reply);

/* cli_simple builds a request with op and optional key/value pairs
 * (NULL-terminated), calls the node and prints the reply. */
int cli_simple(struct cli *cli, const char *op, ...);

/* cli_help_requested is true when argv holds -h or --help. */
bool cli_help_requested(int argc, char **argv);

int cli_cmd_init(struct cli *cli, int argc, char **argv);
int cli_cmd_status(struct cli *cli, int argc, char **argv);
int cli_cmd_whoami(struct cli *cli, int argc, char **argv);
int cli_cmd_audit(struct cli *cli, int argc, char **argv);
int cli_cmd_peer(struct cli *cli, int argc, char **argv);

#endif
