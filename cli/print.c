/*
 * print.c - how replies look: "key: value" lines for one row, a table
 * (table.c) for several or for a list, JSON with --json.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static void
json_string(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void
json_value(const struct proto_ctl_field *f)
{
	if (f->type == PROTO_CTL_INT)
		printf("%" PRId64, f->i);
	else if (f->type == PROTO_CTL_BOOL)
		fputs(f->b ? "true" : "false", stdout);
	else
		json_string(f->text);
}

static void
print_json(const struct proto_ctl_reply *r)
{
	printf("{\"status\":%d,\"error\":", (int)r->status);
	json_string(r->status ? wn_strerror(r->status) : "");
	fputs(",\"message\":", stdout);
	json_string(r->message);
	fputs(",\"rows\":[", stdout);
	for (size_t i = 0; i < r->nrows; i++) {
		const struct proto_ctl_row *row = &r->rows[i];
		fputs(i ? ",{" : "{", stdout);
		for (size_t j = 0; j < row->nfields; j++) {
			if (j)
				putchar(',');
			json_string(row->fields[j].key);
			putchar(':');
			json_value(&row->fields[j]);
		}
		putchar('}');
	}
	fputs("]}\n", stdout);
}

/* code_flags: CLI_COL_WORDS for a field whose value is a name of the
 * node's (a stage, an outcome, a role...): people read it in words,
 * --json keeps it exact. Categories keep their names: a person types
 * them back (share approve --only, case request --categories). */
static unsigned
code_flags(const char *key)
{
	static const char *const keys[] = {"basis", "direction", "domain",
	    "ground", "kind", "outcome", "relation", "role", "stage", "state",
	    "type", "user_role"};
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return CLI_COL_WORDS;
	return 0;
}

/* print_head: the refusal on stderr, or the node's message */
static void
print_head(struct cli *cli, const struct proto_ctl_reply *r)
{
	if (r->status != WN_OK)
		fprintf(stderr, "%s: %s\n", cli->prog,
		    r->message[0] ? r->message : wn_strerror(r->status));
	else if (r->message[0])
		printf("%s\n", r->message);
}

/* print_object: one row as "key: value" lines, the keys in words and the
 * values aligned; false when out of memory */
static bool
print_object(const struct proto_ctl_row *row, int64_t now)
{
	char (*words)[64] = calloc(row->nfields + 1, sizeof(*words));
	size_t width = 0;
	if (words == NULL)
		return false;
	for (size_t j = 0; j < row->nfields; j++) {
		const struct proto_ctl_field *f = &row->fields[j];
		cli_key_words(f->key, cli_is_moment(f), words[j],
		    sizeof(words[j]));
		if (cli_text_width(words[j]) > width)
			width = cli_text_width(words[j]);
	}
	for (size_t j = 0; j < row->nfields; j++) {
		char *v = cli_field_text(&row->fields[j],
		    code_flags(row->fields[j].key), now);
		cli_text_put(stdout, words[j]);
		putchar(':');
		if (v == NULL || v[0] != '\0') /* no trailing spaces */
			printf("%*s", (int)(width - cli_text_width(words[j]) + 1),
			    "");
		cli_text_put(stdout, v ? v : "?");
		putchar('\n');
		free(v);
	}
	free(words);
	return true;
}

/* print_table: the rows under the columns cols (NULL: the first row's
 * fields); false when out of memory */
static bool
print_table(const struct proto_ctl_reply *r, const struct cli_col *cols,
    size_t ncols, bool wide, const char *wide_how, int64_t now)
{
	const struct proto_ctl_row *first = &r->rows[0];
	size_t n = 0, hidden = 0, total = cols ? ncols : first->nfields;
	const char **heads = calloc(total + 1, sizeof(*heads));
	char (*words)[64] = calloc(total + 1, sizeof(*words));
	char **cells = calloc(r->nrows * total + 1, sizeof(*cells));
	const struct cli_col **use = calloc(total + 1, sizeof(*use));
	struct cli_col *own = calloc(total + 1, sizeof(*own));
	bool ok = false;
	if (!heads || !words || !cells || !use || !own)
		goto out;
	for (size_t c = 0; c < total; c++) {
		const struct cli_col *col = cols ? &cols[c] : &own[c];
		bool moment = false;
		if (cols == NULL) {
			/* a column of moments: dates under a header without
			 * "_ms"; other milliseconds keep their unit */
			own[c].key = first->fields[c].key;
			for (size_t i = 0; i < r->nrows && !moment; i++) {
				const struct proto_ctl_field *f = proto_ctl_row_get(
				    &r->rows[i], own[c].key);
				moment = f != NULL && cli_is_moment(f);
			}
			own[c].flags = (moment ? CLI_COL_MOMENT : 0) |
			    code_flags(own[c].key);
		}
		if ((col->flags & CLI_COL_WIDE) && !wide) {
			hidden++;
			continue;
		}
		if (col->header)
			heads[n] = col->header;
		else {
			cli_key_words(col->key, moment, words[n],
			    sizeof(words[n]));
			heads[n] = words[n];
		}
		use[n++] = col;
	}
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < n; c++)
			if ((cells[i * n + c] = cli_field_text(proto_ctl_row_get(
				 &r->rows[i], use[c]->key), use[c]->flags, now)) ==
			    NULL)
				goto out;
	cli_table_write(stdout, heads, n, (const char *const *)cells, r->nrows,
	    cli_terminal_width());
	if (hidden && wide_how)
		printf("(%zu more column%s: %s, or --json)\n", hidden,
		    hidden == 1 ? "" : "s", wide_how);
	ok = true;
out:
	if (cells)
		for (size_t i = 0; i < r->nrows * total; i++)
			free(cells[i]);
	free(cells);
	free(heads);
	free(words);
	free(use);
	free(own);
	return ok;
}

static int
finish(struct cli *cli, const struct proto_ctl_reply *r, bool ok)
{
	if (!ok)
		fprintf(stderr, "%s: out of memory\n", cli->prog);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: cannot write output\n", cli->prog);
		return CLI_FAIL;
	}
	return ok && r->status == WN_OK ? CLI_OK : CLI_FAIL;
}

int
cli_print_reply(struct cli *cli, const struct proto_ctl_reply *r)
{
	int64_t now = wn_now_ms();
	bool ok = true;
	if (cli->json)
		print_json(r);
	else {
		print_head(cli, r);
		if (r->nrows == 1)
			ok = print_object(&r->rows[0], now);
		else if (r->nrows > 1)
			ok = print_table(r, NULL, 0, false, NULL, now);
	}
	return finish(cli, r, ok);
}

int
cli_print_list(struct cli *cli, const struct proto_ctl_reply *r,
    const struct cli_col *cols, size_t ncols, bool wide, const char *none,
    const char *wide_how)
{
	bool ok = true;
	if (cli->json)
		print_json(r);
	else {
		print_head(cli, r);
		if (r->status == WN_OK && r->nrows == 0 && none != NULL)
			printf("%s\n", none);
		else if (r->nrows > 0)
			ok = print_table(r, cols, ncols, wide, wide_how,
			    wn_now_ms());
	}
	return finish(cli, r, ok);
}

const char *
cli_row_text(const struct proto_ctl_row *r, const char *k)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, k);
	return f && f->type == PROTO_CTL_TEXT ? f->text : "";
}

const char *
cli_row_text_opt(const struct proto_ctl_row *r, const char *k)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, k);
	return f && f->type == PROTO_CTL_TEXT ? f->text : NULL;
}

int64_t
cli_row_int(const struct proto_ctl_row *r, const char *k)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, k);
	return f && f->type == PROTO_CTL_INT ? f->i : 0;
}

bool
cli_row_bool(const struct proto_ctl_row *r, const char *k)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, k);
	return f && f->type == PROTO_CTL_BOOL && f->b;
}

void
cli_moment(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%a %e %b %Y %H:%M", &tm) == 0)
		snprintf(out, cap, "%" PRId64, ms);
}
