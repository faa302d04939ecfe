/*
 * cmd_phenomenon.c - wijknet phenomenon rule set|list|drop, phenomenon
 * list|show|open|dismiss (the director).
 *
 * A phenomenon is a nuisance that keeps coming back in one area: the
 * director sets, per signal category, how many of its members' signals
 * from how many partners within how many days make one; when a member's
 * signal reaches a rule, the director is alerted (phenomenon.proposed) and
 * the proposal is kept, with the signals that made it. The director opens
 * a case for it (the signals attached) or dismisses it, saying why (from
 * a file or stdin, never from the command line). Human output in words
 * and local dates; --json the node's rows as they are.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <string.h>

const char cli_usage_phenomenon[] =
    "phenomenon rule set CAT --signals N --partners M --days W\n"
    "       phenomenon rule list | phenomenon rule drop CAT\n"
    "       phenomenon list [--limit N]\n"
    "       phenomenon show PHENOMENON\n"
    "       phenomenon open PHENOMENON --ground GROUND [--type TYPE]\n"
    "              [--purpose TEXT]\n"
    "       phenomenon dismiss PHENOMENON --why-file FILE|-\n"
    "The federation's director only. rule set: a phenomenon of category CAT\n"
    "is proposed when at least N of the members' signals from at least M\n"
    "partners fall within W days (the newest at most W x 24 hours after the\n"
    "oldest) in one municipality and neighbourhood; N 1..1000, M 1..100 and\n"
    "at most N, W 1..366. A rule is checked each time a member's signal\n"
    "summary arrives (not the director's own signals; a duplicate counts\n"
    "with its incident); a rule set later counts the signals held from the\n"
    "next one on. The director is alerted (alerts) and the proposal kept.\n"
    "No other is proposed for that area and category while one is proposed\n"
    "or open (its case not closed), even when new signals reach the rule;\n"
    "once it ended (dismissed, or its case closed), only signals dated\n"
    "after its end count toward the next.\n"
    "list: the phenomena, newest first. show: one, with the summaries of\n"
    "its signals (when, where, what, whose; never who or the text).\n"
    "open: a case (of TYPE, situation unless said; GROUND 'consent' or\n"
    "'basis:NAME'; the purpose says the phenomenon unless given) whose\n"
    "subject is the phenomenon, with its signals attached. dismiss: why\n"
    "comes from a file (- for stdin).\n"
    "CAT: noise vandalism drugs loitering intimidation confused_behaviour\n"
    "     littering dwelling_neglect other.";

static int
rule_set(struct cli *cli, int argc, char **argv)
{
	const char *cat = NULL, *sig = NULL, *par = NULL, *days = NULL;
	const struct cli_opt opts[] = {
	    {"signals", &sig, true},
	    {"partners", &par, true},
	    {"days", &days, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &cat, 1))
		return CLI_USAGE;
	return cli_simple(cli, "phenomenon.rule.set", "category", cat,
	    "signals", sig, "partners", par, "days", days, NULL);
}

static int
rule_list(struct cli *cli, int argc, char **argv)
{
	struct proto_ctl_reply reply = {0};
	char when[64];
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "phenomenon.rule.list", NULL)) {
		if (reply.nrows == 0)
			puts("no phenomenon rules: no phenomenon is proposed");
		for (size_t i = 0; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			cli_moment(cli_row_int(r, "set_ms"), when, sizeof(when));
			printf("%s: %" PRId64 " signals from %" PRId64
			       " partners within %" PRId64 " days  (set by %s, "
			       "%s)\n",
			    cli_row_text(r, "category"), cli_row_int(r, "signals"),
			    cli_row_int(r, "partners"), cli_row_int(r, "days"),
			    cli_row_text(r, "set_by"), when);
		}
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
rule_drop(struct cli *cli, int argc, char **argv)
{
	const char *cat = NULL;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &cat, 1))
		return CLI_USAGE;
	return cli_simple(cli, "phenomenon.rule.drop", "category", cat, NULL);
}

/* pheno_rule runs rule set|list|drop; the group's dispatch prints the
 * usage once on a usage error */
static int
pheno_rule(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"set", rule_set},
	    {"list", rule_list},
	    {"drop", rule_drop},
	};
	for (size_t i = 0; argc >= 2 && i < WN_ARRAY_LEN(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(cli, argc - 1, argv + 1);
	if (argc >= 2)
		fprintf(stderr, "%s: unknown phenomenon rule command '%s'\n",
		    cli->prog, argv[1]);
	return CLI_USAGE;
}

/* state_words: a phenomenon's state as a person reads it */
static void
state_words(const struct proto_ctl_row *r, char *out, size_t cap)
{
	const char *s = cli_row_text(r, "state");
	if (strcmp(s, "open") == 0)
		snprintf(out, cap, "open as case %s", cli_row_text(r,
							   "case_id"));
	else if (strcmp(s, "closed") == 0)
		snprintf(out, cap, "its case %s is closed", cli_row_text(r,
								"case_id"));
	else if (strcmp(s, "proposed") == 0)
		snprintf(out, cap, "proposed, waiting for the director");
	else
		snprintf(out, cap, "%s", s);
}

/* print_pheno prints a phenomenon's row in words */
static void
print_pheno(const struct proto_ctl_row *r)
{
	const char *nb = cli_row_text(r, "neighbourhood");
	char first[64], last[64], state[128];
	cli_moment(cli_row_int(r, "first_ms"), first, sizeof(first));
	cli_moment(cli_row_int(r, "last_ms"), last, sizeof(last));
	state_words(r, state, sizeof(state));
	printf("phenomenon %" PRId64 "  %s in %s%s%s: %" PRId64 " signals from "
	       "%" PRId64 " partners, %s to %s  (%s)\n",
	    cli_row_int(r, "phenomenon"), cli_row_text(r, "category"),
	    cli_row_text(r, "municipality"), nb[0] ? "/" : "", nb,
	    cli_row_int(r, "signals"), cli_row_int(r, "partners"), first, last,
	    state);
}

static int
pheno_list(struct cli *cli, int argc, char **argv)
{
	const char *limit = NULL;
	const struct cli_opt opts[] = {{"limit", &limit, false}};
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "phenomenon.list", "limit", limit,
		NULL)) {
		if (reply.nrows == 0)
			puts("no phenomenon was proposed");
		else
			puts(reply.message);
		for (size_t i = 0; i < reply.nrows; i++)
			print_pheno(&reply.rows[i]);
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
pheno_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_reply reply = {0};
	char when[64];
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "phenomenon.show", "phenomenon", id,
		NULL) &&
	    reply.nrows > 0) {
		const struct proto_ctl_row *p = &reply.rows[0];
		print_pheno(p);
		cli_moment(cli_row_int(p, "proposed_ms"), when, sizeof(when));
		printf("  proposed %s under the rule of %" PRId64 " signals "
		       "from %" PRId64 " partners within %" PRId64 " days\n",
		    when, cli_row_int(p, "rule_signals"),
		    cli_row_int(p, "rule_partners"),
		    cli_row_int(p, "rule_days"));
		if (cli_row_int(p, "decided_ms") != 0) {
			cli_moment(cli_row_int(p, "decided_ms"), when,
			    sizeof(when));
			printf("  %s by %s %s%s", strcmp(cli_row_text(p,
							     "state"),
							 "dismissed") == 0
				? "dismissed" : "opened",
			    cli_row_text(p, "decided_by"), when,
			    cli_row_text(p, "why")[0] ? ": " : "\n");
			if (cli_row_text(p, "why")[0]) {
				cli_text_put(stdout, cli_row_text(p, "why"));
				putchar('\n');
			}
		}
		printf("its signals:\n");
		for (size_t i = 1; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			const char *nb = cli_row_text(r, "neighbourhood");
			cli_moment(cli_row_int(r, "when_ms"), when, sizeof(when));
			printf("  signal %" PRId64 " of %s  %s  %s%s%s  %s\n",
			    cli_row_int(r, "signal_id"), cli_row_text(r, "from"),
			    when, cli_row_text(r, "municipality"),
			    nb[0] ? "/" : "", nb, cli_row_text(r, "category"));
		}
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
pheno_open(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *ground = NULL, *type = NULL, *purpose = NULL;
	const struct cli_opt opts[] = {
	    {"ground", &ground, true},
	    {"type", &type, false},
	    {"purpose", &purpose, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (type != NULL && !cli_case_type_ok(cli, type))
		return CLI_USAGE;
	return cli_simple(cli, "phenomenon.open", "phenomenon", id, "ground",
	    ground, "type", type, "purpose", purpose, NULL);
}

static int
pheno_dismiss(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *file = NULL;
	const struct cli_opt opts[] = {{"why-file", &file, true}};
	char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "why-file", file, text, sizeof(text)))
		return CLI_FAIL;
	return cli_simple(cli, "phenomenon.dismiss", "phenomenon", id, "why",
	    text, NULL);
}

int
cli_cmd_phenomenon(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"rule", pheno_rule},
	    {"list", pheno_list},
	    {"show", pheno_show},
	    {"open", pheno_open},
	    {"dismiss", pheno_dismiss},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_phenomenon);
}
