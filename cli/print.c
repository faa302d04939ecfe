/*
 * print.c - how replies look: "key: value" lines for one row, a
 * tab-separated table with a header for several, JSON with --json.
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

/* is_moment: an integer field named *_ms that holds a wall-clock time
 * (after 2000-01-01), not a duration such as waiting_ms */
static bool
is_moment(const struct proto_ctl_field *f)
{
	size_t n = strlen(f->key);
	return f->type == PROTO_CTL_INT && n > 3 &&
	    strcmp(f->key + n - 3, "_ms") == 0 && f->i >= 946684800000;
}

static void
plain_value(const struct proto_ctl_field *f)
{
	struct tm tm;
	time_t t;
	char when[32];
	if (is_moment(f)) {
		/* people read dates; --json keeps the exact milliseconds */
		t = (time_t)(f->i / 1000);
		if (localtime_r(&t, &tm) != NULL &&
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) > 0) {
			fputs(when, stdout);
			return;
		}
	}
	if (f->type == PROTO_CTL_INT)
		printf("%" PRId64, f->i);
	else if (f->type == PROTO_CTL_BOOL)
		fputs(f->b ? "yes" : "no", stdout);
	else
		/* never let a field draw on the terminal */
		for (const unsigned char *p = (const unsigned char *)f->text;
		     *p; p++)
			putchar(*p < 0x20 || *p == 0x7f ? '?' : *p);
}

int
cli_print_reply(struct cli *cli, const struct proto_ctl_reply *r)
{
	if (cli->json) {
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
	} else {
		if (r->status != WN_OK)
			fprintf(stderr, "%s: %s\n", cli->prog,
			    r->message[0] ? r->message : wn_strerror(r->status));
		else if (r->message[0])
			printf("%s\n", r->message);
		if (r->nrows == 1) {
			const struct proto_ctl_row *row = &r->rows[0];
			size_t width = 0;
			for (size_t j = 0; j < row->nfields; j++)
				if (strlen(row->fields[j].key) > width)
					width = strlen(row->fields[j].key);
			for (size_t j = 0; j < row->nfields; j++) {
				printf("%s:%*s", row->fields[j].key,
				    (int)(width - strlen(row->fields[j].key) + 1),
				    "");
				plain_value(&row->fields[j]);
				putchar('\n');
			}
		} else if (r->nrows > 1) {
			const struct proto_ctl_row *first = &r->rows[0];
			for (size_t j = 0; j < first->nfields; j++)
				printf("%s%s", j ? "\t" : "", first->fields[j].key);
			putchar('\n');
			for (size_t i = 0; i < r->nrows; i++) {
				for (size_t j = 0; j < r->rows[i].nfields; j++) {
					if (j)
						putchar('\t');
					plain_value(&r->rows[i].fields[j]);
				}
				putchar('\n');
			}
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "%s: cannot write output\n", cli->prog);
		return CLI_FAIL;
	}
	return r->status == WN_OK ? CLI_OK : CLI_FAIL;
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
