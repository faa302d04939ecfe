/*
 * cmd_plan.c - wijknet plan add | show.
 *
 * A case's plan of approach lists goals per life domain and the actions
 * that reach them (wijknet action). The case's director adds goals; each
 * member sees them as far as the matrix lets its role see the category
 * plan. A goal's text comes from a file or stdin, never from the command
 * line.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <string.h>
#include <strings.h>


const char cli_usage_plan[] =
    "plan add CASE --domain DOMAIN --goal-file FILE|- (the case's director)\n"
    "       plan show CASE (its goals and actions as this node holds them)\n"
    "DOMAIN: safety_public_order housing income_debts health_addiction\n"
    "        family education_daytime justice social_network ('_' or ' ').\n"
    "A goal reaches each member of the case whose role the matrix gives\n"
    "view of the category plan; at existence only that there is one.";

static bool
domain_ok(struct cli *cli, const char *d)
{
	static const char *const names[] = {"safety_public_order", "housing",
	    "income_debts", "health_addiction", "family", "education_daytime",
	    "justice", "social_network"};
	char buf[32];
	size_t i;
	for (i = 0; d[i] && i < sizeof(buf) - 1; i++)
		buf[i] = d[i] == ' ' ? '_' : d[i];
	buf[i] = '\0';
	for (size_t k = 0; d[i] == '\0' && k < WN_ARRAY_LEN(names); k++)
		if (strcasecmp(buf, names[k]) == 0)
			return true;
	fprintf(stderr, "%s: unknown life domain '%s'; one of: "
	    "safety_public_order housing income_debts health_addiction family "
	    "education_daytime justice social_network\n", cli->prog, d);
	return false;
}

static int
plan_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *domain = NULL, *file = NULL;
	const struct cli_opt opts[] = {
	    {"domain", &domain, true},
	    {"goal-file", &file, true},
	};
	char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1) ||
	    !domain_ok(cli, domain))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "goal-file", file, text, sizeof(text)))
		return CLI_FAIL;
	return cli_simple(cli, "plan.add", "case", id, "domain", domain, "goal",
	    text, NULL);
}

static int
plan_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_ctl_reply reply = {0};
	int status = CLI_FAIL;
	size_t goals = 0, actions = 0;
	if (req == NULL)
		goto out;
	status = CLI_USAGE;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		goto out;
	status = CLI_FAIL;
	if (proto_ctl_request_init(req, "plan.show") != WN_OK ||
	    proto_ctl_request_add(req, "case", id) != WN_OK ||
	    cli_call(cli, req, &reply) != WN_OK)
		goto out;
	if (cli->json || reply.status != WN_OK) {
		status = cli_print_reply(cli, &reply);
		goto out;
	}
	printf("%s\n", reply.message);
	for (size_t i = 0; i < reply.nrows; i++) {
		const struct proto_ctl_row *r = &reply.rows[i];
		const char *kind = cli_row_text_opt(r, "kind");
		if (kind != NULL && strcmp(kind, "goal") == 0) {
			const char *g = cli_row_text_opt(r, "goal");
			const char *d = cli_row_text_opt(r, "domain");
			if (goals++ == 0)
				puts("\ngoals");
			const char *dw = cli_domain_words(d ? d : "?");
			printf("  %s: ", dw);
			if (g != NULL)
				cli_wrap_put(stdout, g, 4, cli_text_width(dw) + 4,
				    cli_terminal_width());
			else
				fputs("(this node may know only that there is "
				      "a goal)", stdout);
			putchar('\n');
		} else {
			if (actions++ == 0)
				puts("\nactions");
			cli_print_action(r, NULL);
		}
	}
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	free(req);
	return status;
}

int
cli_cmd_plan(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", plan_add},
	    {"show", plan_show},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_plan);
}
