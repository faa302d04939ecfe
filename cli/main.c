/*
 * main.c - wijknet, the command people use: global options, then a
 * table-driven dispatch to one file per command.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

#define CLI_VERSION "0.1.0"

static const struct cli_cmd cmds[] = {
	{"init", cli_cmd_init, "create a node (hands over to wijknetd init)",
	    "init --data DIR --org-id ID --org-name NAME --role ROLE --listen URL ..."},
	{"status", cli_cmd_status, "show the node's status", "status"},
	{"doctor", cli_cmd_doctor,
	    "check the node's set-up and say what to fix (wijknetd doctor)",
	    cli_usage_doctor},
	{"whoami", cli_cmd_whoami, "show your node, role and fingerprint",
	    "whoami"},
	{"audit", cli_cmd_audit, "verify or show the audit log",
	    "audit verify | audit show [--limit N]"},
	{"peer", cli_cmd_peer, "enrol peers, see their delivery state",
	    cli_usage_peer},
	{"key", cli_cmd_key, "rotate this node's keys (a member)",
	    cli_usage_key},
	{"matrix", cli_cmd_matrix,
	    "check, publish and show the authorization matrix",
	    cli_usage_matrix},
	{"case", cli_cmd_case,
	    "open cases, invite partners, request information, move cases\n"
	    "           through their stages, close and link them",
	    cli_usage_case},
	{"share", cli_cmd_share, "answer partners' requests for information",
	    cli_usage_share},
	{"record", cli_cmd_record, "add to or list what this node holds",
	    cli_usage_record},
	{"consent", cli_cmd_consent,
	    "record consent or a legal basis, or withdraw it",
	    cli_usage_consent},
	{"data", cli_cmd_data, "list what partners shared with this node",
	    cli_usage_data},
	{"signal", cli_cmd_signal,
	    "record, list, link and import signals of nuisance",
	    cli_usage_signal},
	{"plan", cli_cmd_plan, "a case's plan of approach: goals per life "
	    "domain", cli_usage_plan},
	{"action", cli_cmd_action,
	    "give, list, finish and cancel the actions of a plan",
	    cli_usage_action},
	{"alerts", cli_cmd_alert, "what happened in the cases this node "
	    "directs and to its\n           actions: list, mark read, "
	    "follow as they come", cli_usage_alert},
	{"body", cli_cmd_body, "the consultation bodies: neighbourhood team, "
	    "nuisance\n           consultation team", cli_usage_body},
	{"meeting", cli_cmd_meeting, "plan a body's meetings, their agenda, "
	    "attendance,\n           minutes and decisions", cli_usage_meeting},
	{"subject", cli_cmd_subject, "this node's subjects and their "
	    "pseudonymous tokens", cli_usage_subject},
	{"concern", cli_cmd_concern, "register a concern on a subject's token; "
	    "see which other\n           partners have one (matches)",
	    cli_usage_concern},
	{"mediation", cli_cmd_mediation, "neighbourhood mediation: a mediation "
	    "case's referral,\n           parties, mediators, talks, agreement "
	    "and outcome", cli_usage_mediation},
	{"report", cli_cmd_report, "the figures a service reports for a "
	    "period (mediation)", cli_usage_report},
	{"phenomenon", cli_cmd_phenomenon, "the director's phenomena: rules "
	    "per category, the\n           nuisances they found, opened as "
	    "cases or dismissed", cli_usage_phenomenon},
	/* not in the list of commands: for benchmarks and tests, not for
	 * case work (wijknet(1), DEBUGGING) */
	{"debug", cli_cmd_debug, "test messages and delivery counters, for "
	    "benchmarks", cli_usage_debug, true},
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: wijknet [-d DIR | -s SOCKET] [--json] COMMAND [ARGS]\n"
	    "\n"
	    "Talks to the local wijknetd over its control socket.\n"
	    "\n"
	    "  -d, --data DIR  the node's data folder (default $WIJKNET_DATA,\n"
	    "                  else /var/lib/wijknet)\n"
	    "  -s, --socket SOCKET  the node's control socket (default\n"
	    "                  $WIJKNET_SOCKET, else DIR/control.sock when -d or\n"
	    "                  $WIJKNET_DATA is given, else\n"
	    "                  /run/wijknet/control.sock when it is there)\n"
	    "  --json          machine-readable output\n"
	    "  -h, --help      this text; 'wijknet COMMAND --help' for a command\n"
	    "  --version       print the version\n"
	    "\n"
	    "commands:\n");
	for (size_t i = 0; i < WN_ARRAY_LEN(cmds); i++)
		if (!cmds[i].hidden)
			fprintf(f, "  %-8s %s\n", cmds[i].name,
			    cmds[i].summary);
	fprintf(f, "\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

bool
cli_help_requested(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	struct cli cli = {.prog = "wijknet"};
	static char sock[4200];
	bool data_named = true;
	int c;

	cli.data_dir = getenv("WIJKNET_DATA");
	if (cli.data_dir == NULL || *cli.data_dir == '\0') {
		cli.data_dir = "/var/lib/wijknet";
		data_named = false;
	}
	cli.socket = getenv("WIJKNET_SOCKET");
	if (cli.socket != NULL && *cli.socket == '\0')
		cli.socket = NULL;
	/* '+': stop at the command so its own options reach it */
	while ((c = getopt_long(argc, argv, "+d:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			cli.data_dir = optarg;
			data_named = true;
			break;
		case 's':
			cli.socket = optarg;
			break;
		case 'j':
			cli.json = true;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
		case 'V':
			printf("wijknet %s\n", CLI_VERSION);
			return CLI_OK;
		default:
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (cli.socket == NULL) {
		/* a case worker of the node's group reaches the unit's socket
		 * in /run/wijknet without entering the data folder */
		if (!data_named && access(CLI_RUN_SOCKET, F_OK) == 0)
			cli.socket = CLI_RUN_SOCKET;
		else if ((size_t)snprintf(sock, sizeof(sock), "%s/control.sock",
			     cli.data_dir) < sizeof(sock))
			cli.socket = sock;
		else {
			fprintf(stderr, "wijknet: %s: path too long\n",
			    cli.data_dir);
			return CLI_USAGE;
		}
	}
	for (size_t i = 0; i < WN_ARRAY_LEN(cmds); i++) {
		if (strcmp(argv[optind], cmds[i].name) != 0)
			continue;
		if (strcmp(cmds[i].name, "init") != 0 &&
		    cli_help_requested(argc - optind, argv + optind)) {
			printf("usage: wijknet %s\n%s.\n", cmds[i].usage,
			    cmds[i].summary);
			return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
		}
		int sub_argc = argc - optind;
		char **sub_argv = argv + optind;
		optind = 0;
		return cmds[i].fn(&cli, sub_argc, sub_argv);
	}
	fprintf(stderr, "wijknet: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return CLI_USAGE;
}
