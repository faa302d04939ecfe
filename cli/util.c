/*
 * util.c - what the command files share: subcommand dispatch, option
 * parsing into strings, and the local checks of categories, case types and
 * dates. Everything here runs before the CLI connects, so a usage error
 * never reaches the node.
 */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CLI_MAX_OPTS 16

int
cli_dispatch(struct cli *cli, int argc, char **argv,
    const struct cli_sub *subs, size_t nsubs, const char *usage)
{
	const struct cli_sub *sub = NULL;
	int status;
	if (argc >= 2) {
		for (size_t i = 0; i < nsubs && sub == NULL; i++)
			if (subs[i].name != NULL &&
			    strcmp(argv[1], subs[i].name) == 0)
				sub = &subs[i];
	}
	if (sub != NULL) {
		status = sub->fn(cli, argc - 1, argv + 1);
	} else {
		/* the default subcommand takes options, never a word */
		for (size_t i = 0; i < nsubs && sub == NULL; i++)
			if (subs[i].name == NULL)
				sub = &subs[i];
		if (sub != NULL && (argc < 2 || argv[1][0] == '-')) {
			status = sub->fn(cli, argc, argv);
		} else {
			if (argc >= 2)
				fprintf(stderr, "%s: unknown %s command '%s'\n",
				    cli->prog, argv[0], argv[1]);
			status = CLI_USAGE;
		}
	}
	if (status == CLI_USAGE)
		fprintf(stderr, "usage: wijknet %s\n", usage);
	return status;
}

bool
cli_text_ok(struct cli *cli, const char *dashes, const char *what,
    const char *v)
{
	size_t len = strlen(v);
	if (!wn_text_valid(v, len)) {
		fprintf(stderr, "%s: %s%s: invalid UTF-8\n", cli->prog, dashes,
		    what);
		return false;
	}
	if (len > PROTO_CTL_VALUE_MAX) {
		fprintf(stderr, "%s: %s%s is too long: %zu bytes, at most %d\n",
		    cli->prog, dashes, what, len, PROTO_CTL_VALUE_MAX);
		return false;
	}
	return true;
}

/* value_ok refuses an empty or blank value, and what the node would: not
 * UTF-8 or over the size limit of a control argument */
static bool
value_ok(struct cli *cli, const char *dashes, const char *what, const char *v)
{
	if (v[strspn(v, " \t\r\n")] == '\0') {
		fprintf(stderr, "%s: %s%s must not be empty\n", cli->prog,
		    dashes, what);
		return false;
	}
	return cli_text_ok(cli, dashes, what, v);
}

bool
cli_getopt(struct cli *cli, int argc, char **argv, const struct cli_opt *opts,
    size_t nopts, const char **pos, int npos)
{
	struct option lo[CLI_MAX_OPTS + 1] = {{0}};
	bool seen[CLI_MAX_OPTS] = {false};
	int c;
	WN_ASSERT(nopts <= CLI_MAX_OPTS);
	for (size_t i = 0; i < nopts; i++)
		lo[i] = (struct option){opts[i].name, required_argument, NULL,
		    256 + (int)i};
	optind = 0; /* 0: glibc reinitialises fully */
	opterr = 0; /* our own messages, named after the command */
	while ((c = getopt_long(argc, argv, ":", lo, NULL)) != -1) {
		size_t i = (size_t)c - 256;
		if (c == ':') {
			fprintf(stderr, "%s: %s wants a value\n", cli->prog,
			    argv[optind - 1]);
			return false;
		}
		if (c == '?') {
			/* optopt is the letter of an unknown short option, 0
			 * for an unknown (or ambiguous) long one */
			if (optopt != 0)
				fprintf(stderr, "%s: unknown option '-%c'\n",
				    cli->prog, optopt);
			else
				fprintf(stderr, "%s: unknown option '%s'\n",
				    cli->prog, argv[optind - 1]);
			return false;
		}
		if (seen[i]) {
			fprintf(stderr, "%s: --%s given twice\n", cli->prog,
			    opts[i].name);
			return false;
		}
		seen[i] = true;
		*opts[i].value = optarg;
		if (!value_ok(cli, "--", opts[i].name, optarg))
			return false;
	}
	for (size_t i = 0; i < nopts; i++) {
		if (opts[i].required && !seen[i]) {
			fprintf(stderr, "%s: --%s is required\n", cli->prog,
			    opts[i].name);
			return false;
		}
	}
	if (argc - optind != npos) {
		fprintf(stderr, "%s: %s wants %d argument%s, got %d\n",
		    cli->prog, argv[0], npos, npos == 1 ? "" : "s",
		    argc - optind);
		return false;
	}
	for (int i = 0; i < npos; i++) {
		char what[32];
		pos[i] = argv[optind + i];
		snprintf(what, sizeof(what), "argument %d", i + 1);
		if (!value_ok(cli, "", what, pos[i]))
			return false;
	}
	return true;
}

bool
cli_case_type_ok(struct cli *cli, const char *name)
{
	enum cfg_case_type t;
	if (cfg_case_type_parse(name, &t))
		return true;
	fprintf(stderr, "%s: unknown case type '%s'; one of:", cli->prog, name);
	for (int i = 0; i < CFG_CASE_TYPES; i++)
		fprintf(stderr, " %s",
		    cfg_case_type_name((enum cfg_case_type)i));
	fputc('\n', stderr);
	return false;
}

bool
cli_category_ok(struct cli *cli, const char *name)
{
	enum cfg_category c;
	if (cfg_category_parse(name, &c))
		return true;
	fprintf(stderr, "%s: unknown category '%s'; one of:", cli->prog, name);
	for (int i = 0; i < CFG_CATEGORIES; i++)
		fprintf(stderr, " %s", cfg_category_name((enum cfg_category)i));
	fputc('\n', stderr);
	return false;
}

bool
cli_categories_ok(struct cli *cli, const char *list)
{
	bool seen[CFG_CATEGORIES] = {false};
	char name[64];
	const char *p = list;
	for (;;) {
		size_t n = strcspn(p, ",");
		enum cfg_category c;
		if (n == 0 || n >= sizeof(name)) {
			fprintf(stderr, "%s: '%s' is not a comma-separated "
			    "list of categories\n", cli->prog, list);
			return false;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (!cli_category_ok(cli, name))
			return false;
		(void)cfg_category_parse(name, &c);
		if (seen[c]) {
			fprintf(stderr, "%s: category '%s' listed twice\n",
			    cli->prog, name);
			return false;
		}
		seen[c] = true;
		if (p[n] == '\0')
			return true;
		p += n + 1;
	}
}

/* number reads exactly n digits */
static bool
number(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

bool
cli_date_ms(const char *text, int64_t *out)
{
	struct tm tm = {0}, back;
	size_t len = strlen(text);
	time_t t;
	if (len != 10 && len != 20)
		return false;
	if (!number(text, 4, &tm.tm_year) || text[4] != '-' ||
	    !number(text + 5, 2, &tm.tm_mon) || text[7] != '-' ||
	    !number(text + 8, 2, &tm.tm_mday))
		return false;
	if (len == 20 &&
	    (text[10] != 'T' || !number(text + 11, 2, &tm.tm_hour) ||
		text[13] != ':' || !number(text + 14, 2, &tm.tm_min) ||
		text[16] != ':' || !number(text + 17, 2, &tm.tm_sec) ||
		text[19] != 'Z'))
		return false;
	if (tm.tm_year < 1970)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	/* timegm normalises 02-30 to 03-02: a date that does not come back
	 * unchanged did not exist */
	back = tm;
	if ((t = timegm(&back)) == (time_t)-1 || back.tm_year != tm.tm_year ||
	    back.tm_mon != tm.tm_mon || back.tm_mday != tm.tm_mday ||
	    back.tm_hour != tm.tm_hour || back.tm_min != tm.tm_min ||
	    back.tm_sec != tm.tm_sec)
		return false;
	*out = (int64_t)t * 1000;
	return true;
}

bool
cli_read_small(struct cli *cli, const char *opt, const char *path, char *out,
    size_t cap, size_t *len, const char *too_long)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t n;
	if (f == NULL) {
		fprintf(stderr, "%s: --%s %s: %s\n", cli->prog, opt, path,
		    strerror(errno));
		return false;
	}
	n = fread(out, 1, cap, f);
	bool err = ferror(f) != 0;
	if (f != stdin)
		fclose(f);
	if (err || n == cap) {
		fprintf(stderr, "%s: --%s: %s\n", cli->prog, opt,
		    err ? "cannot read it" : too_long);
		return false;
	}
	out[n] = '\0';
	*len = n;
	return true;
}

bool
cli_values_from_stdin(struct cli *cli, int argc, char **argv,
    const struct cli_opt *opts, const char *const *prompts, size_t nopts,
    char (*buf)[CLI_STDIN_CAP])
{
	bool done[CLI_MAX_OPTS] = {false};
	bool tty = isatty(STDIN_FILENO) == 1;
	WN_ASSERT(nopts <= CLI_MAX_OPTS);
	/* in the order the options stand in argv (getopt_long moves only
	 * the arguments that are no option): a value is argv[k] itself, or
	 * the end of "--name=-" */
	for (int k = 1; k < argc; k++) {
		size_t alen = strlen(argv[k]);
		for (size_t i = 0; i < nopts; i++) {
			const char *v = *opts[i].value;
			if (done[i] || prompts[i] == NULL || v == NULL ||
			    strcmp(v, "-") != 0 ||
			    (v != argv[k] && (alen < 3 || v != argv[k] + alen - 1)))
				continue;
			done[i] = true;
			if (tty) {
				fprintf(stderr, "%s: ", prompts[i]);
				fflush(stderr);
			}
			if (fgets(buf[i], CLI_STDIN_CAP, stdin) == NULL) {
				fprintf(stderr, "%s: --%s -: no line for it on "
				    "standard input (one line for each option "
				    "given as -, in the order given)\n",
				    cli->prog, opts[i].name);
				return false;
			}
			size_t len = strlen(buf[i]);
			if (len > 0 && buf[i][len - 1] == '\n')
				buf[i][--len] = '\0';
			else if (len == CLI_STDIN_CAP - 1) {
				fprintf(stderr, "%s: --%s -: the line is too "
				    "long: at most %d bytes\n", cli->prog,
				    opts[i].name, PROTO_CTL_VALUE_MAX);
				return false;
			}
			if (len > 0 && buf[i][len - 1] == '\r')
				buf[i][--len] = '\0';
			if (!value_ok(cli, "--", opts[i].name, buf[i]))
				return false;
			*opts[i].value = buf[i];
		}
	}
	return true;
}
