/*
 * cmd_subject.c - wijknet subject add | list | show: this node's own
 * subjects and their pseudonymous tokens (issue 11).
 *
 * A subject is recorded under a local reference with one identifier: a
 * Belgian national register number, a Dutch BSN, a person's family and
 * given names with a date of birth, or an address (premises, groups). The
 * node keeps the identifier's canonical form (protocol/SUBJECTS.md) and
 * asks the federation's director for its token without showing it the
 * identifier; the director derives its own subjects' tokens itself.
 * Identifiers are not secrets, but the node never logs them and its
 * answers never show them; each may come from standard input (an option
 * given as "-", cli_values_from_stdin) rather than from the command line,
 * which every local user can read in /proc and the shell keeps. A token is shown as a short
 * fingerprint, in full with --json.
 */
#include "cli/cli.h"

#include <string.h>

const char cli_usage_subject[] =
    "subject add REF [--person] --rrn NUMBER | --bsn NUMBER |\n"
    "              --family NAME --given NAMES --born DATE |\n"
    "              --name \"FAMILY, GIVEN\" --born DATE |\n"
    "              --address --street STREET --number NUMBER [--box BOX]\n"
    "              --postcode CODE\n"
    "       subject list\n"
    "       subject show REF\n"
    "REF: this node's reference for the subject (a-z, 0-9, '-', '_').\n"
    "--rrn a Belgian national register number, --bsn a Dutch BSN; a\n"
    "person's names in any spelling (case, accents, spaces and particles\n"
    "such as \"Van den\" do not matter); DATE YYYY-MM-DD or DD-MM-YYYY.\n"
    "The token is asked of the federation's director (the director derives\n"
    "its own): `subject show` says whether it came, was refused (the\n"
    "director's daily limit) or is still asked. A refused token is asked\n"
    "again by the node itself the next day (UTC); so is one that waits\n"
    "because the daily limit the director stated is used up today.\n"
    "Any of these values given as - is read from standard input instead,\n"
    "one line each in the order the options are given (asked for when it\n"
    "is a terminal): the command line is seen by every user of this machine\n"
    "(ps) and kept in the shell's history, standard input is not. E.g.\n"
    "  wijknet subject add client-7 --name - --born -";

static const char *
kind_words(const char *k)
{
	if (strcmp(k, "be-nrn") == 0)
		return "person, national register number";
	if (strcmp(k, "nl-bsn") == 0)
		return "person, BSN";
	if (strcmp(k, "person") == 0)
		return "person, name and date of birth";
	return "address";
}

static void
print_subject(const struct proto_ctl_row *r, bool full)
{
	const char *state = cli_row_text(r, "state");
	char when[64];
	printf("%s  (%s)  ", cli_row_text(r, "ref"),
	    kind_words(cli_row_text(r, "kind")));
	if (strcmp(state, "token") == 0) {
		cli_moment(cli_row_int(r, "token_ms"), when, sizeof(when));
		printf("token %s (key %lld)", cli_row_text(r,
		    "fingerprint"), (long long)cli_row_int(r, "epoch"));
		if (full)
			printf(", since %s", when);
	} else if (strcmp(state, "refused") == 0) {
		cli_moment(cli_row_int(r, "refused_ms"), when, sizeof(when));
		printf("NO TOKEN: the director refused it on %s: %s; it is "
		    "asked again the next day (UTC)", when,
		    cli_row_text(r, "refused_why"));
	} else if (strcmp(state, "asked") == 0) {
		printf("token asked of the director, no answer yet");
	} else if (strcmp(state, "limit") == 0) {
		printf("no token yet: the daily limit the director stated is "
		    "used up today; asked the next day (UTC)");
	} else {
		printf("no token yet: asked once this node holds the "
		    "federation's charter");
	}
	putchar('\n');
	if (full) {
		cli_moment(cli_row_int(r, "created_ms"), when, sizeof(when));
		printf("  recorded %s\n", when);
	}
}

/* split "FAMILY, GIVEN" at its last comma into family and given */
static bool
split_name(const char *name, char *family, size_t fcap, char *given,
    size_t gcap)
{
	const char *comma = strrchr(name, ',');
	size_t fl;
	if (comma == NULL)
		return false;
	fl = (size_t)(comma - name);
	if (fl >= fcap || strlen(comma + 1) >= gcap)
		return false;
	memcpy(family, name, fl);
	family[fl] = '\0';
	wn_strlcpy(given, comma + 1 + strspn(comma + 1, " "), gcap);
	return family[0] != '\0' && given[0] != '\0';
}

static int
subject_add(struct cli *cli, int argc, char **argv)
{
	const char *ref = NULL, *rrn = NULL, *bsn = NULL, *family = NULL,
		   *given = NULL, *name = NULL, *born = NULL, *street = NULL,
		   *number = NULL, *box = NULL, *postcode = NULL;
	const struct cli_opt opts[] = {
	    {"rrn", &rrn, false}, {"bsn", &bsn, false},
	    {"family", &family, false}, {"given", &given, false},
	    {"name", &name, false}, {"born", &born, false},
	    {"street", &street, false}, {"number", &number, false},
	    {"box", &box, false}, {"postcode", &postcode, false},
	};
	/* what a case worker is asked for each option given as "-" */
	static const char *const prompts[] = {"national register number",
	    "BSN", "family name", "given names", "name (FAMILY, GIVEN)",
	    "date of birth", "street", "house number", "box", "postcode"};
	char in[WN_ARRAY_LEN(prompts)][CLI_STDIN_CAP];
	char *args[32], fam[PROTO_CTL_VALUE_MAX + 1], giv[PROTO_CTL_VALUE_MAX + 1];
	int n = 0;
	bool person = false, address = false;
	/* --person and --address take no value: taken out first */
	for (int i = 0; i < argc && n < (int)WN_ARRAY_LEN(args); i++) {
		if (i > 0 && strcmp(argv[i], "--person") == 0 && !person)
			person = true;
		else if (i > 0 && strcmp(argv[i], "--address") == 0 &&
		    !address)
			address = true;
		else
			args[n++] = argv[i];
	}
	if (n == (int)WN_ARRAY_LEN(args) ||
	    !cli_getopt(cli, n, args, opts, WN_ARRAY_LEN(opts), &ref, 1))
		return CLI_USAGE;
	_Static_assert(WN_ARRAY_LEN(prompts) == WN_ARRAY_LEN(opts),
	    "a prompt for each option");
	if (!cli_values_from_stdin(cli, n, args, opts, prompts,
		WN_ARRAY_LEN(opts), in))
		return CLI_FAIL;
	if (name != NULL && (family != NULL || given != NULL)) {
		fprintf(stderr, "%s: give --name or --family and --given, not "
		    "both\n", cli->prog);
		return CLI_USAGE;
	}
	if (name != NULL) {
		if (!split_name(name, fam, sizeof(fam), giv, sizeof(giv))) {
			fprintf(stderr, "%s: --name is \"FAMILY, GIVEN\": the "
			    "family name, a comma, the given names\n",
			    cli->prog);
			return CLI_USAGE;
		}
		family = fam;
		given = giv;
	}
	bool is_person = rrn || bsn || family || given || born;
	bool is_address = street || number || box || postcode;
	int kinds = (rrn != NULL) + (bsn != NULL) +
	    (family || given || born) + is_address;
	if ((person && (address || is_address)) ||
	    (address && is_person) || kinds != 1) {
		fprintf(stderr, "%s: give one identifier: --rrn, --bsn, a "
		    "person's names with --born, or an address\n", cli->prog);
		return CLI_USAGE;
	}
	struct proto_ctl_request req;
	struct proto_ctl_reply reply = {0};
	const char *kv[][2] = {{"ref", ref}, {"rrn", rrn}, {"bsn", bsn},
	    {"family", family}, {"given", given}, {"born", born},
	    {"street", street}, {"number", number}, {"box", box},
	    {"postcode", postcode}};
	int status = CLI_FAIL;
	if (proto_ctl_request_init(&req, "subject.add") != WN_OK)
		return CLI_FAIL;
	for (size_t i = 0; i < WN_ARRAY_LEN(kv); i++)
		if (kv[i][1] != NULL &&
		    proto_ctl_request_add(&req, kv[i][0], kv[i][1]) != WN_OK)
			return CLI_FAIL;
	if (cli_call(cli, &req, &reply) == WN_OK) {
		if (cli->json || reply.status != WN_OK) {
			status = cli_print_reply(cli, &reply);
		} else {
			puts(reply.message);
			for (size_t i = 0; i < reply.nrows; i++)
				print_subject(&reply.rows[i], false);
			status = CLI_OK;
		}
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
subject_list(struct cli *cli, int argc, char **argv)
{
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, NULL, 0))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "subject.list", NULL)) {
		puts(reply.message);
		for (size_t i = 0; i < reply.nrows; i++)
			print_subject(&reply.rows[i], false);
	}
	proto_ctl_reply_release(&reply);
	return status;
}

static int
subject_show(struct cli *cli, int argc, char **argv)
{
	const char *ref = NULL;
	struct proto_ctl_reply reply = {0};
	int status;
	if (!cli_getopt(cli, argc, argv, NULL, 0, &ref, 1))
		return CLI_USAGE;
	if (cli_ask(cli, &reply, &status, "subject.show", "ref", ref, NULL))
		for (size_t i = 0; i < reply.nrows; i++)
			print_subject(&reply.rows[i], true);
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_subject(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"add", subject_add},
	    {"list", subject_list},
	    {"show", subject_show},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_subject);
}
