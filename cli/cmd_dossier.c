/*
 * cmd_dossier.c - what this node holds about a subject and on what ground:
 *
 *   wijknet record --subject REF --category CAT --field NAME --value TEXT
 *   wijknet record list [--subject REF]
 *   wijknet record correct --field ID --value TEXT
 *   wijknet consent give | basis | withdraw | list
 *   wijknet data list [--case CASE]   (what partners shared with this node)
 */
#include "cli/cli.h"

#include <inttypes.h>

#define DAY_MS INT64_C(86400000)
#define MAX_DAYS 36500

const char cli_usage_record[] =
    "record --subject REF --category CAT --field NAME --value TEXT\n"
    "       record list [--subject REF] (a subject nothing here names: "
    "exit 1)\n"
    "       record correct --field ID --value TEXT\n"
    "       (this node's own field; every member it was shared with gets "
    "the new value,\n"
    "       or loses its copy where it may no longer hold it)";

const char cli_usage_consent[] =
    "consent give --subject REF --category CAT --by NAME\n"
    "                     [--until YYYY-MM-DD[THH:MM:SSZ] | --days N]\n"
    "       consent basis --subject REF --category CAT --basis NAME\n"
    "       consent withdraw --subject REF --category CAT [--basis NAME]\n"
    "       consent list [--subject REF] (a subject nothing here names: "
    "exit 1)";

const char cli_usage_data[] =
    "data list [--case CASE] (a case this node does not know: exit 1)\n"
    "       data amend --case CASE --from ORG --field ID --value TEXT\n"
    "       (a field a partner shared; the matrix must give edit rights)";

static int
record_add(struct cli *cli, int argc, char **argv)
{
	const char *subject = NULL, *cat = NULL, *field = NULL, *value = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"category", &cat, true},
	    {"field", &field, true},
	    {"value", &value, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !cli_category_ok(cli, cat))
		return CLI_USAGE;
	return cli_simple(cli, "record.add", "subject", subject, "category",
	    cat, "name", field, "value", value, NULL);
}

/* list runs op with one optional filter, --name VALUE sent as name */
static int
list(struct cli *cli, int argc, char **argv, const char *op,
    const char *name, const char *none)
{
	const char *filter = NULL;
	const struct cli_opt opts[] = {{name, &filter, false}};
	if (!cli_getopt(cli, argc, argv, opts, 1, NULL, 0))
		return CLI_USAGE;
	return cli_simple_list(cli, none, op, name, filter, NULL);
}

static int
record_list(struct cli *cli, int argc, char **argv)
{
	return list(cli, argc, argv, "record.list", "subject", "no records");
}

static int
record_correct(struct cli *cli, int argc, char **argv)
{
	const char *field = NULL, *value = NULL;
	const struct cli_opt opts[] = {
	    {"field", &field, true},
	    {"value", &value, true},
	};
	uint64_t id;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	if (!wn_parse_u64(field, INT64_MAX, &id)) {
		fprintf(stderr, "%s: --field wants a field id (a number)\n",
		    cli->prog);
		return CLI_USAGE;
	}
	return cli_simple(cli, "record.correct", "field", field, "value",
	    value, NULL);
}

int
cli_cmd_record(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {NULL, record_add},
	    {"list", record_list},
	    {"correct", record_correct},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_record);
}

/* until_ms turns --until or --days (at most one) into text ms since the
 * epoch, in the future; "" when neither was given */
static bool
until_ms(struct cli *cli, const char *until, const char *days, char *out,
    size_t cap)
{
	int64_t now = wn_now_ms(), ms;
	uint64_t n;
	out[0] = '\0';
	if (until != NULL && days != NULL) {
		fprintf(stderr, "%s: give --until or --days, not both\n",
		    cli->prog);
		return false;
	}
	if (until != NULL) {
		if (!cli_date_ms(until, &ms)) {
			fprintf(stderr, "%s: --until wants YYYY-MM-DD or "
			    "YYYY-MM-DDTHH:MM:SSZ (UTC), not '%s'\n",
			    cli->prog, until);
			return false;
		}
		if (ms <= now) {
			fprintf(stderr, "%s: --until %s is in the past\n",
			    cli->prog, until);
			return false;
		}
	} else if (days != NULL) {
		if (!wn_parse_u64(days, MAX_DAYS, &n) || n == 0) {
			fprintf(stderr, "%s: --days wants a number from 1 to "
			    "%d\n", cli->prog, MAX_DAYS);
			return false;
		}
		ms = now + (int64_t)n * DAY_MS;
	} else {
		return true;
	}
	snprintf(out, cap, "%" PRId64, ms);
	return true;
}

static int
consent_give(struct cli *cli, int argc, char **argv)
{
	const char *subject = NULL, *cat = NULL, *by = NULL;
	const char *until = NULL, *days = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"category", &cat, true},
	    {"by", &by, true},
	    {"until", &until, false},
	    {"days", &days, false},
	};
	char ms[32];
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !cli_category_ok(cli, cat) ||
	    !until_ms(cli, until, days, ms, sizeof(ms)))
		return CLI_USAGE;
	return cli_simple(cli, "consent.give", "subject", subject, "category",
	    cat, "by", by, "until_ms", ms[0] ? ms : NULL, NULL);
}

static int
consent_basis(struct cli *cli, int argc, char **argv)
{
	const char *subject = NULL, *cat = NULL, *basis = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"category", &cat, true},
	    {"basis", &basis, true},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !cli_category_ok(cli, cat))
		return CLI_USAGE;
	return cli_simple(cli, "consent.basis", "subject", subject, "category",
	    cat, "basis", basis, NULL);
}

/* consent withdraw: the consent, or with --basis that legal basis */
static int
consent_withdraw(struct cli *cli, int argc, char **argv)
{
	const char *subject = NULL, *cat = NULL, *basis = NULL;
	const struct cli_opt opts[] = {
	    {"subject", &subject, true},
	    {"category", &cat, true},
	    {"basis", &basis, false},
	};
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0) ||
	    !cli_category_ok(cli, cat))
		return CLI_USAGE;
	return cli_simple(cli, "consent.withdraw", "subject", subject,
	    "category", cat, "basis", basis, NULL);
}

static int
consent_list(struct cli *cli, int argc, char **argv)
{
	return list(cli, argc, argv, "consent.list", "subject",
	    "no consents or legal bases");
}

int
cli_cmd_consent(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"give", consent_give},
	    {"basis", consent_basis},
	    {"withdraw", consent_withdraw},
	    {"list", consent_list},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_consent);
}

static int
data_list(struct cli *cli, int argc, char **argv)
{
	return list(cli, argc, argv, "data.list", "case",
	    "nothing shared with this node");
}

static int
data_amend(struct cli *cli, int argc, char **argv)
{
	const char *cs = NULL, *from = NULL, *field = NULL, *value = NULL;
	const struct cli_opt opts[] = {
	    {"case", &cs, true},
	    {"from", &from, true},
	    {"field", &field, true},
	    {"value", &value, true},
	};
	uint64_t id;
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	if (!wn_parse_u64(field, INT64_MAX, &id)) {
		fprintf(stderr, "%s: --field wants a field id (a number)\n",
		    cli->prog);
		return CLI_USAGE;
	}
	return cli_simple(cli, "data.amend", "case", cs, "from", from, "field",
	    field, "value", value, NULL);
}

int
cli_cmd_data(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {{"list", data_list},
	    {"amend", data_amend}};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_data);
}
