/*
 * cmd_case.c - wijknet case open | invite | remove | assign | list | show |
 * request | advance | close | link | signals (a case's life:
 * cmd_case_life.c; its signals: cmd_case_signals.c).
 *
 * A case joins partners around one subject for one purpose on one ground:
 * the subject's consent, or a legal basis the matrix accepts. The node
 * checks everything against the matrix; this file only refuses what is
 * malformed before it asks.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <string.h>

const char cli_usage_case[] =
    "case open --type TYPE (--subject REF | --token HEX | --token-of SUBJ)\n"
    "       --purpose TEXT --ground GROUND\n"
    "       (--subject: a reference every member spells alike; --token: a\n"
    "       subject's token, 64 hex digits; --token-of: the token of this\n"
    "       node's subject SUBJ (subject add). A case on a token names no\n"
    "       one: each member shares what it holds on the subject with that\n"
    "       token, whatever its own reference)\n"
    "       case invite CASE ORG | case remove CASE ORG\n"
    "       (open, invite, remove: a node that directs cases; a removed\n"
    "       member deletes what it received for that case, not for\n"
    "       another)\n"
    "       case assign CASE USER (one of this node's users works on it)\n"
    "       case attest CASE --workers NAME,... (sign its protocol)\n"
    "       case list (each case with its stage)\n"
    "       case show CASE (where it stands, each step: when, who, why or\n"
    "       'reason not shared', its links and members, its consultations\n"
    "       and escalations, its signals)\n"
    "       case request CASE --categories CAT,...\n"
    "       case advance CASE --to STAGE [--why-file FILE|-]\n"
    "       case close CASE --outcome OUTCOME --why-file FILE|-\n"
    "       case link CASE --to CASE --as RELATION\n"
    "       case escalate CASE --to BODY --why-file FILE|- (hand it to\n"
    "       another consultation body: the federation's director)\n"
    "       case signals CASE (its signals, newest first: this node's own\n"
    "       with their subjects, the others' summaries as the matrix lets\n"
    "       this node see signals; attach one with signal link SIGNAL\n"
    "       --case CASE)\n"
    "       (advance, close, link: the case's director; a closed case\n"
    "       shares nothing until it is moved back, with a reason)\n"
    "TYPE: situation person family group mediation;\n"
    "GROUND: consent or basis:NAME (e.g. 'basis:art. 458ter Sw.');\n"
    "STAGE: signal exploration analysis plan follow_up (one forward at a\n"
    "time; back only with a reason); OUTCOME: resolved handed_over\n"
    "stopped; RELATION: family_member (CASE is the person case of a member\n"
    "of the family case), group_involved (the group case is involved in\n"
    "the situation case CASE), related. The reason comes from a file (-\n"
    "for stdin), never from the command line.";

static bool
ground_ok(struct cli *cli, const char *g)
{
	if (strcmp(g, "consent") == 0 ||
	    (strncmp(g, "basis:", 6) == 0 && g[6] != '\0'))
		return true;
	fprintf(stderr, "%s: --ground is 'consent' or 'basis:NAME', not '%s'\n",
	    cli->prog, g);
	return false;
}

static int
case_open(struct cli *cli, int argc, char **argv)
{
	const char *type = NULL, *subject = NULL, *purpose = NULL;
	const char *ground = NULL, *token = NULL, *token_of = NULL;
	char hex[65];
	const struct cli_opt opts[] = {
	    {"type", &type, true},
	    {"subject", &subject, false},
	    {"token", &token, false},
	    {"token-of", &token_of, false},
	    {"purpose", &purpose, true},
	    {"ground", &ground, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !cli_case_type_ok(cli, type) || !ground_ok(cli, ground))
		return CLI_USAGE;
	if ((subject != NULL) + (token != NULL) + (token_of != NULL) != 1) {
		fprintf(stderr, "%s: case open takes one of --subject REF, "
		    "--token HEX and --token-of SUBJ\n", cli->prog);
		return CLI_USAGE;
	}
	if (token != NULL) {
		if (strlen(token) != 64 ||
		    strspn(token, "0123456789abcdefABCDEF") != 64) {
			fprintf(stderr, "%s: --token must be 64 hex digits\n",
			    cli->prog);
			return CLI_USAGE;
		}
		for (size_t i = 0; i < 64; i++)
			hex[i] = (char)tolower((unsigned char)token[i]);
		hex[64] = '\0';
		token = hex;
	}
	return cli_simple(cli, "case.open", "type", type, "subject", subject,
	    "token", token, "token_of", token_of, "purpose", purpose,
	    "ground", ground, NULL);
}

/* member runs case.invite or case.remove: CASE ORG */
static int
member(struct cli *cli, int argc, char **argv, const char *op)
{
	const char *a[2] = {NULL, NULL};
	if (!cli_getopt(cli, argc, argv, NULL, 0, a, 2))
		return CLI_USAGE;
	if (!cfg_org_id_valid(a[1])) {
		fprintf(stderr, "%s: '%s' is not an organisation id "
		    "(a-z, 0-9, '_', '-')\n", cli->prog, a[1]);
		return CLI_USAGE;
	}
	return cli_simple(cli, op, "case", a[0], "org", a[1], NULL);
}

static int
case_invite(struct cli *cli, int argc, char **argv)
{
	return member(cli, argc, argv, "case.invite");
}

static int
case_remove(struct cli *cli, int argc, char **argv)
{
	return member(cli, argc, argv, "case.remove");
}

static int
case_assign(struct cli *cli, int argc, char **argv)
{
	const char *a[2] = {NULL, NULL};
	if (!cli_getopt(cli, argc, argv, NULL, 0, a, 2))
		return CLI_USAGE;
	return cli_simple(cli, "case.assign", "case", a[0], "user", a[1], NULL);
}

static int
case_attest(struct cli *cli, int argc, char **argv)
{
	const char *a[1] = {NULL}, *workers = NULL;
	const struct cli_opt opts[] = {{"workers", &workers, true}};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), a, 1))
		return CLI_USAGE;
	return cli_simple(cli, "case.attest", "case", a[0], "workers", workers,
	    NULL);
}

static int
case_request(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *cats = NULL;
	const struct cli_opt opts[] = {{"categories", &cats, true}};
	if (!cli_getopt(cli, argc, argv, opts, 1, &id, 1) ||
	    !cli_categories_ok(cli, cats))
		return CLI_USAGE;
	return cli_simple(cli, "case.request", "case", id, "categories", cats,
	    NULL);
}

int
cli_cmd_case(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"open", case_open},
	    {"invite", case_invite},
	    {"remove", case_remove},
	    {"assign", case_assign},
	    {"attest", case_attest},
	    {"list", cli_case_list},
	    {"show", cli_case_show},
	    {"advance", cli_case_advance},
	    {"close", cli_case_close},
	    {"link", cli_case_link},
	    {"escalate", cli_case_escalate},
	    {"request", case_request},
	    {"signals", cli_case_signals},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_case);
}
