/*
 * cmd_concern.c - wijknet concern add | list | withdraw | matches | held |
 * case.
 *
 * A concern says that this partner worries about a person, named only by
 * the person's pseudonymous token, with a contact person (name and phone
 * or mail; "--contact -" reads it from standard input, out of argv) and
 * an expiry at most two years ahead. The node tells the
 * federation's director, which tells each partner with a concern on the
 * same token which other partners have one, with their contacts: that is
 * all `concern matches` shows. The director lists the matches it holds
 * (`concern held`) and may open a case on one (`concern case`). With
 * --json the node's rows as they are.
 */
#include "cli/cli.h"

#include <string.h>
#include <time.h>

const char cli_usage_concern[] =
    "concern add (--subject REF | --token HEX) --contact TEXT\n"
    "              --until YYYY-MM-DD\n"
    "       concern list\n"
    "       concern withdraw CONCERN\n"
    "       concern matches\n"
    "       concern held (the director)\n"
    "       concern case MATCH --type TYPE --purpose TEXT --ground GROUND\n"
    "              (the director)\n"
    "REF: this node's subject (subject add), whose token the concern is on;\n"
    "HEX: a subject's token, 64 hex digits. TEXT: the contact person,\n"
    "one line of at most 120 characters (a name and a phone number or mail\n"
    "address), which the other partners concerned will see; --contact -\n"
    "reads it from standard input (asked for on a terminal), out of the\n"
    "command line that every user of this machine can see. The concern\n"
    "runs to the end of the --until day (UTC), at most two years from\n"
    "today. matches: for each of this node's active concerns, the other\n"
    "partners with a concern on the same subject, their contacts and since\n"
    "when; nothing else of them. held: at the director, every match (two or\n"
    "more partners with a concern on one subject), named by 8 hex digits\n"
    "(the token's fingerprint), with each partner's concern and contact.\n"
    "case: the director opens a case on MATCH (as case open does; its subject\n"
    "is the token) with the match's partners invited as members.";

/* day writes a moment as a plain date, "7 December 2026" (local time);
 * last: the moment ends a day (an expiry), so the day before it */
static void
day(int64_t ms, bool last, char *out, size_t cap)
{
	time_t t = (time_t)((ms - (last ? 1 : 0)) / 1000);
	struct tm tm;
	if (!(last ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)) ||
	    strftime(out, cap, "%-d %B %Y", &tm) == 0)
		snprintf(out, cap, "%lld ms", (long long)ms);
}

static int
concern_add(struct cli *cli, int argc, char **argv)
{
	const char *token = NULL, *subject = NULL, *contact = NULL,
		   *until = NULL;
	const struct cli_opt opts[] = {
	    {"token", &token, false},
	    {"subject", &subject, false},
	    {"contact", &contact, true},
	    {"until", &until, true},
	};
	/* the contact may come from standard input: "--contact -" */
	static const char *const prompts[] = {NULL, NULL,
	    "contact (a name and a phone number or mail address)", NULL};
	char in[WN_ARRAY_LEN(prompts)][CLI_STDIN_CAP];
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	_Static_assert(WN_ARRAY_LEN(prompts) == WN_ARRAY_LEN(opts),
	    "a prompt (or NULL) for each option");
	if (!cli_values_from_stdin(cli, argc, argv, opts, prompts,
		WN_ARRAY_LEN(opts), in))
		return CLI_FAIL;
	if ((token == NULL) == (subject == NULL)) {
		fprintf(stderr, "%s: concern add takes --subject REF or --token "
		    "HEX (one of them)\n", cli->prog);
		return CLI_USAGE;
	}
	if (token != NULL && (strlen(token) != 64 ||
				 strspn(token, "0123456789abcdefABCDEF") != 64)) {
		fprintf(stderr, "%s: --token must be 64 hex digits\n", cli->prog);
		return CLI_USAGE;
	}
	if (cli_ask(cli, &reply, &status, "concern.add", "token", token,
		"subject", subject, "contact", contact, "until", until, NULL))
		printf("%s\n", reply.message);
	proto_ctl_reply_release(&reply);
	return status;
}

static int
concern_list(struct cli *cli, int argc, char **argv)
{
	struct proto_ctl_reply reply = {0};
	char until[64], since[64];
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "concern.list", NULL)) {
		for (size_t i = 0; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			const char *state = cli_row_text(r, "state");
			int64_t partners = cli_row_int(r, "partners");
			day(cli_row_int(r, "until_ms"), true, until, sizeof(until));
			day(cli_row_int(r, "created_ms"), false, since,
			    sizeof(since));
			printf("concern %lld  %s, %s %s, registered %s\n",
			    (long long)cli_row_int(r, "concern"), state,
			    strcmp(state, "expired") ? "runs until" : "ran until",
			    until, since);
			printf("  token    %s\n  contact  %s\n",
			    cli_row_text(r, "token"), cli_row_text(r, "contact"));
			if (partners > 0)
				printf("  %lld other partner%s concerned (concern "
				       "matches)\n", (long long)partners,
				    partners == 1 ? "" : "s");
		}
		printf("%s\n", reply.message);
		status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
concern_withdraw(struct cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct proto_ctl_reply reply = {0};
	uint64_t v;
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &id, 1))
		return CLI_USAGE;
	if (!wn_parse_u64(id, INT64_MAX, &v) || v == 0) {
		fprintf(stderr, "%s: concerns are named by their number "
				"(concern list)\n", cli->prog);
		return CLI_USAGE;
	}
	if (cli_ask(cli, &reply, &status, "concern.withdraw", "concern", id,
		NULL))
		printf("%s\n", reply.message);
	proto_ctl_reply_release(&reply);
	return status;
}

static int
concern_matches(struct cli *cli, int argc, char **argv)
{
	struct proto_ctl_reply reply = {0};
	char until[64], since[64];
	int64_t last = 0;
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "concern.matches", NULL)) {
		for (size_t i = 0; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			const char *name = cli_row_text(r, "partner_name");
			int64_t id = cli_row_int(r, "concern");
			if (id != last) {
				day(cli_row_int(r, "until_ms"), true, until,
				    sizeof(until));
				printf("concern %lld (runs until %s): also "
				       "concerned\n", (long long)id, until);
				last = id;
			}
			day(cli_row_int(r, "since_ms"), false, since,
			    sizeof(since));
			printf("  %s%s%s%s, since %s\n    contact: %s\n",
			    name[0] ? name : cli_row_text(r, "partner"),
			    name[0] ? " (" : "",
			    name[0] ? cli_row_text(r, "partner") : "",
			    name[0] ? ")" : "", since,
			    cli_row_text(r, "contact"));
		}
		printf("%s\n", reply.message);
		status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
concern_held(struct cli *cli, int argc, char **argv)
{
	struct proto_ctl_reply reply = {0};
	char until[64], since[64];
	const char *last = "";
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "concern.held", NULL)) {
		for (size_t i = 0; i < reply.nrows; i++) {
			const struct proto_ctl_row *r = &reply.rows[i];
			if (strcmp(cli_row_text(r, "match"), last) != 0) {
				last = cli_row_text(r, "match");
				printf("match %s\n", last);
			}
			day(cli_row_int(r, "until_ms"), true, until,
			    sizeof(until));
			day(cli_row_int(r, "since_ms"), false, since,
			    sizeof(since));
			printf("  %s, concern %lld since %s, runs until %s\n"
			       "    contact: %s\n", cli_row_text(r, "partner"),
			    (long long)cli_row_int(r, "concern"), since, until,
			    cli_row_text(r, "contact"));
		}
		printf("%s\n", reply.message);
		status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
concern_case(struct cli *cli, int argc, char **argv)
{
	const char *match = NULL, *type = NULL, *purpose = NULL, *ground = NULL;
	const struct cli_opt opts[] = {
	    {"type", &type, true},
	    {"purpose", &purpose, true},
	    {"ground", &ground, true},
	};
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), &match, 1) ||
	    !cli_case_type_ok(cli, type))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "concern.case", "match", match,
		"type", type, "purpose", purpose, "ground", ground, NULL))
		printf("%s\n", reply.message);
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_concern(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", concern_add},
	    {"list", concern_list},
	    {"withdraw", concern_withdraw},
	    {"matches", concern_matches},
	    {"held", concern_held},
	    {"case", concern_case},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_concern);
}
