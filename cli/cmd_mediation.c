/*
 * cmd_mediation.c - wijknet mediation start | party | mediator | talk |
 * agree | close | show, and wijknet report mediation.
 *
 * A mediation is a case of type mediation (`case open --type mediation`,
 * as every case is opened) on the mediation service's node that directs
 * it; these commands add what only a mediation has: its referral, its
 * parties and their answer, the volunteer mediators, the talks, the
 * agreement and the outcome. `report mediation` gives the figures a
 * mediation service reports for a period. The agreement's text comes from
 * a file or stdin, never from the command line.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char cli_usage_mediation[] =
    "mediation start CASE --source SOURCE --dispute DISPUTE\n"
    "                  [--partner ORG] [--referred DATE]\n"
    "       mediation party add CASE --subject REF [--agreed yes|no]\n"
    "       mediation party agreed CASE --subject REF --agreed yes|no\n"
    "       mediation mediator add CASE --name NAME\n"
    "       mediation talk add CASE --kind intake|party|joint [--on DATE]\n"
    "                  [--with REF,REF...] [--mediators NAME,NAME...]\n"
    "       mediation agree CASE --text-file FILE|- [--on DATE]\n"
    "       mediation close CASE --outcome OUTCOME [--on DATE]\n"
    "       mediation show CASE\n"
    "CASE: a case of type mediation this node directs (case open --type\n"
    "      mediation); this node's role is mediation.\n"
    "SOURCE: police housing municipality self welfare other_partner other\n"
    "        (--partner ORG: the referring partner's org id; other_partner\n"
    "        needs it).\n"
    "DISPUTE: noise children pets parking garden_boundaries insults other.\n"
    "OUTCOME: agreement (needs `mediation agree`), improved (without an\n"
    "        agreement), no_improvement, referred_on, refused (a party\n"
    "        refused: `party agreed ... --agreed no`). Two or more parties\n"
    "        are needed to close; closing closes the case too.\n"
    "DATE: YYYY-MM-DD (default: today). A party is a subject reference of\n"
    "this node; a talk with a party names one (--with REF), a joint talk two\n"
    "or more. Nothing of a mediation leaves this node.";

const char cli_usage_report[] =
    "report mediation --from DATE --to DATE\n"
    "The mediations referred from DATE to DATE (both included, YYYY-MM-DD):\n"
    "counted by referral source, type of dispute and outcome (open ones\n"
    "apart), and the lead time of those closed: median and mean days from\n"
    "referral to close. --json gives the exact counts (total_days / cases\n"
    "is the mean; median_x2 twice the median).";

static int
med_start(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *source = NULL, *dispute = NULL, *partner = NULL,
		   *referred = NULL;
	const struct cli_opt opts[] = {
	    {"source", &source, true},
	    {"dispute", &dispute, true},
	    {"partner", &partner, false},
	    {"referred", &referred, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.start", "case", id, "source", source,
	    "dispute", dispute, "partner", partner, "referred",
	    referred, NULL);
}

static int
med_party_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *subject = NULL, *agreed = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"agreed", &agreed, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.party", "case", id, "subject",
	    subject, "agreed", agreed, NULL);
}

static int
med_party_agreed(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *subject = NULL, *agreed = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"agreed", &agreed, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.agreed", "case", id, "subject",
	    subject, "agreed", agreed, NULL);
}

static int
med_party(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", med_party_add},
	    {"agreed", med_party_agreed},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_mediation);
}

static int
med_mediator_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *name = NULL;
	const struct cli_opt opts[] = {{"name", &name, true}};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.mediator", "case", id, "name", name,
	    NULL);
}

static int
med_mediator(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"add", med_mediator_add}};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_mediation);
}

static int
med_talk_add(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *kind = NULL, *on = NULL, *with = NULL,
		   *meds = NULL;
	const struct cli_opt opts[] = {
	    {"kind", &kind, true},
	    {"on", &on, false},
	    {"with", &with, false},
	    {"mediators", &meds, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.talk", "case", id, "kind", kind, "on",
	    on, "with", with, "mediators",
	    meds, NULL);
}

static int
med_talk(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"add", med_talk_add}};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_mediation);
}

static int
med_agree(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *file = NULL, *on = NULL;
	const struct cli_opt opts[] = {
	    {"text-file", &file, true},
	    {"on", &on, false},
	};
	char text[PROTO_CTL_VALUE_MAX + 1];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	if (!cli_read_text_file(cli, "text-file", file, text, sizeof(text)))
		return CLI_FAIL;
	return cli_simple(cli, "mediation.agree", "case", id, "text", text,
	    "on", on, NULL);
}

static int
med_close(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL, *outcome = NULL, *on = NULL;
	const struct cli_opt opts[] = {
	    {"outcome", &outcome, true},
	    {"on", &on, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &id, 1))
		return CLI_USAGE;
	return cli_simple(cli, "mediation.close", "case", id, "outcome",
	    outcome, "on", on, NULL);
}

static void
put_line(const char *s)
{
	cli_text_put(stdout, s);
}

/* words for a referral source, a dispute, an outcome */
static const char *
words(const char *name)
{
	static const char *const map[][2] = {
	    {"self", "self-referral"},
	    {"other_partner", "another partner"},
	    {"garden_boundaries", "garden and boundaries"},
	    {"agreement", "agreement reached"},
	    {"improved", "improved without agreement"},
	    {"no_improvement", "no improvement"},
	    {"referred_on", "referred on"},
	    {"refused", "a party refused"},
	    {"open", "still open"},
	};
	for (size_t i = 0; i < WN_ARRAY_LEN(map); i++)
		if (strcmp(name, map[i][0]) == 0)
			return map[i][1];
	return name;
}

static int
med_show(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_reply reply = {0};
	int status;
	const char *prev = "";
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (!cli_ask(cli, &reply, &status, "mediation.show", "case", id, NULL))
		goto out;
	for (size_t i = 0; i < reply.nrows; i++) {
		const struct proto_ctl_row *r = &reply.rows[i];
		const char *kind = cli_row_text(r, "kind");
		if (strcmp(kind, "mediation") == 0) {
			printf("mediation of case %s\n", cli_row_text(r,
			    "case_id"));
			printf("  referred on %s by %s", cli_row_text(r,
			    "referred"), words(cli_row_text(r, "source")));
			if (cli_row_text(r, "partner")[0])
				printf(" (%s)", cli_row_text(r, "partner"));
			printf("\n  dispute: %s\n", words(cli_row_text(r,
			    "dispute")));
			if (cli_row_text(r, "outcome")[0])
				printf("  closed on %s: %s\n", cli_row_text(r,
				    "closed"), words(cli_row_text(r,
				    "outcome")));
			else
				puts("  open");
			continue;
		}
		if (strcmp(kind, prev) != 0)
			printf("\n%s\n", strcmp(kind, "party") == 0 ? "parties"
			    : strcmp(kind, "mediator") == 0 ? "mediators"
			    : "talks");
		prev = kind;
		if (strcmp(kind, "party") == 0) {
			printf("  %" PRId64 ". ", cli_row_int(r, "party"));
			put_line(cli_row_text(r, "subject"));
			printf(" (agreed to mediate: %s)\n", cli_row_text(r,
			    "agreed"));
		} else if (strcmp(kind, "mediator") == 0) {
			fputs("  ", stdout);
			put_line(cli_row_text(r, "name"));
			putchar('\n');
		} else {
			printf("  %s  %s", cli_row_text(r, "on"),
			    cli_row_text(r, "talk_kind"));
			if (cli_row_text(r, "parties")[0]) {
				fputs(" with ", stdout);
				put_line(cli_row_text(r, "parties"));
			}
			if (cli_row_text(r, "mediators")[0]) {
				fputs("; mediators: ", stdout);
				put_line(cli_row_text(r, "mediators"));
			}
			putchar('\n');
		}
	}
	if (reply.nrows > 0 && cli_row_text(&reply.rows[0], "agreement")[0]) {
		const char *t = cli_row_text(&reply.rows[0], "agreement");
		char *copy = strdup(t), *line, *save = NULL;
		printf("\nagreement of %s\n", cli_row_text(&reply.rows[0],
		    "agreement_on"));
		/* line by line: a line's UTF-8 is put whole */
		for (line = copy ? strtok_r(copy, "\n", &save) : NULL;
		     line != NULL; line = strtok_r(NULL, "\n", &save)) {
			fputs("  ", stdout);
			put_line(line);
			putchar('\n');
		}
		free(copy);
	}
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_mediation(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"start", med_start},
	    {"party", med_party},
	    {"mediator", med_mediator},
	    {"talk", med_talk},
	    {"agree", med_agree},
	    {"close", med_close},
	    {"show", med_show},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_mediation);
}

/* one table of the report: the rows of group, in the order given */
static void
report_table(const struct proto_ctl_reply *reply, const char *group,
    const char *header)
{
	const char *cells[2 * 16];
	char nums[16][24];
	size_t rows = 0;
	const char *const headers[] = {header, "cases"};
	for (size_t i = 0; i < reply->nrows && rows < 16; i++) {
		const struct proto_ctl_row *r = &reply->rows[i];
		if (strcmp(cli_row_text(r, "group"), group) != 0)
			continue;
		snprintf(nums[rows], sizeof(nums[rows]), "%" PRId64,
		    cli_row_int(r, "cases"));
		cells[2 * rows] = words(cli_row_text(r, "name"));
		cells[2 * rows + 1] = nums[rows];
		rows++;
	}
	putchar('\n');
	cli_table_write(stdout, headers, 2, cells, rows, 0);
}

static int
report_mediation(struct cli *cli, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	const struct cli_opt opts[] = {
	    {"from", &from, true},
	    {"to", &to, true},
	};
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	if (!cli_ask(cli, &reply, &status, "mediation.report", "from", from,
		"to", to, NULL))
		goto out;
	printf("%s\n", reply.message);
	report_table(&reply, "source", "referral source");
	report_table(&reply, "dispute", "type of dispute");
	report_table(&reply, "outcome", "outcome");
	for (size_t i = 0; i < reply.nrows; i++) {
		const struct proto_ctl_row *r = &reply.rows[i];
		if (strcmp(cli_row_text(r, "group"), "lead_time") != 0)
			continue;
		if (cli_row_int(r, "cases") == 0)
			puts("\nlead time: none of them is closed yet");
		else
			printf("\nlead time from referral to close, %" PRId64
			    " closed: median %s days, mean %s days\n",
			    cli_row_int(r, "cases"), cli_row_text(r,
			    "median_days"), cli_row_text(r, "mean_days"));
	}
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"mediation", report_mediation}};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_report);
}
