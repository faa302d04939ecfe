/*
 * cmd_action.c - wijknet action add | list | done | cancel.
 *
 * An action of a case's plan has one owning partner, a deadline and a
 * state: open, done, late (its deadline passed: each node marks it by
 * itself) or cancelled, with a note (the result, or why it was
 * cancelled). The case's director gives actions and cancels them; the
 * owner sees its actions on its own node and marks them done there, and
 * the director sees the new state. Texts and notes come from a file or
 * stdin, never from the command line.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <string.h>

const char cli_usage_action[] =
    "action add CASE --owner ORG --deadline DATE --text-file FILE|-\n"
    "              (the case's director; ORG: a member of the case, or\n"
    "              this node)\n"
    "       action list [--case CASE] [--late] [--all]\n"
    "       action done ACTION --note-file FILE|- [--case CASE] (its owner,\n"
    "              or the case's director)\n"
    "       action cancel ACTION --why-file FILE|- [--case CASE] (the\n"
    "              case's director)\n"
    "DATE: YYYY-MM-DD (the end of that day) or YYYY-MM-DD HH:MM, the node's\n"
    "local time unless it ends in Z or +HH:MM; DD-MM-YYYY is read too.\n"
    "list: this node's own actions and those of the cases it directs, by\n"
    "deadline; --late only those past their deadline and not done; --all\n"
    "also the other members' actions this node was sent (their text only\n"
    "where the matrix gives this node's role view of actions).\n"
    "An open action whose deadline passed is marked late by each node\n"
    "itself, without anyone asking.";

static int
action_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *owner = NULL, *deadline = NULL, *file = NULL;
	const struct cli_opt opts[] = {
	    {"owner", &owner, true},
	    {"deadline", &deadline, true},
	    {"text-file", &file, true},
	};
	char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (!cfg_org_id_valid(owner)) {
		fprintf(stderr, "%s: --owner '%s' is not an organisation id "
		    "(a-z, 0-9, '_', '-')\n", cli->prog, owner);
		return CLI_USAGE;
	}
	if (!cli_read_text_file(cli, "text-file", file, text, sizeof(text)))
		return CLI_FAIL;
	return cli_simple(cli, "action.add", "case", id, "owner", owner,
	    "deadline", deadline, "text", text, NULL);
}

static int
action_list(struct cli *cli, int argc, char **argv)
{
	const char *cid = NULL;
	const struct cli_opt opts[] = {{"case", &cid, false}};
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_ctl_reply reply = {0};
	char *args[16];
	int n = 0, status = CLI_FAIL;
	bool all = false, late = false;
	/* --all and --late take no value: taken out before the options are
	 * read */
	for (int i = 0; i < argc && n < (int)WN_ARRAY_LEN(args); i++) {
		if (i > 0 && strcmp(argv[i], "--all") == 0 && !all)
			all = true;
		else if (i > 0 && strcmp(argv[i], "--late") == 0 && !late)
			late = true;
		else
			args[n++] = argv[i];
	}
	if (req == NULL)
		goto out;
	status = CLI_USAGE;
	if (n == (int)WN_ARRAY_LEN(args) ||
	    !cli_getopt(cli, n, args, opts, WN_ARRAY_LEN(opts), NULL, 0))
		goto out;
	status = CLI_FAIL;
	if (proto_ctl_request_init(req, "action.list") != WN_OK ||
	    (cid && proto_ctl_request_add(req, "case", cid) != WN_OK) ||
	    (all && proto_ctl_request_add(req, "all", "1") != WN_OK) ||
	    (late && proto_ctl_request_add(req, "late", "1") != WN_OK) ||
	    cli_call(cli, req, &reply) != WN_OK)
		goto out;
	if (cli->json || reply.status != WN_OK) {
		status = cli_print_reply(cli, &reply);
		goto out;
	}
	for (size_t i = 0; i < reply.nrows; i++) {
		cli_print_action(&reply.rows[i], NULL);
		putchar('\n');
	}
	printf("%s\n", reply.message);
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	free(req);
	return status;
}

/* settle runs action.done or action.cancel: ACTION --OPT FILE [--case] */
static int
settle(struct cli *cli, int argc, char **argv, const char *op,
    const char *opt, const char *key)
{
	const char *id = NULL, *file = NULL, *cid = NULL;
	const struct cli_opt opts[] = {
	    {opt, &file, true},
	    {"case", &cid, false},
	};
	char text[PROTO_CTL_VALUE_MAX + 1];
	uint64_t v;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (!wn_parse_u64(id, INT64_MAX, &v) || v == 0) {
		fprintf(stderr, "%s: actions are named by their number\n",
		    cli->prog);
		return CLI_USAGE;
	}
	if (!cli_read_text_file(cli, opt, file, text, sizeof(text)))
		return CLI_FAIL;
	return cli_simple(cli, op, "action", id, key, text, "case", cid, NULL);
}

static int
action_done(struct cli *cli, int argc, char **argv)
{
	return settle(cli, argc, argv, "action.done", "note-file", "note");
}

static int
action_cancel(struct cli *cli, int argc, char **argv)
{
	return settle(cli, argc, argv, "action.cancel", "why-file", "why");
}

int
cli_cmd_action(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", action_add},
	    {"list", action_list},
	    {"done", action_done},
	    {"cancel", action_cancel},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_action);
}
