/*
 * csv.c - one CSV record at a time (config/csv.h).
 *
 * cfg_csv_record walks bytes (inside quotes or not; a quote opens quoting
 * only at a field's start) to the first line end outside quotes; cfg_csv_fields does the same walk
 * again, copying each field without its quotes. Neither looks at the
 * bytes' meaning beyond '"', the separator, CR and LF, so UTF-8 passes
 * through.
 */
#include "config/csv.h"

#include <string.h>

char
cfg_csv_separator(const char *line, size_t len)
{
	size_t commas = 0, semis = 0;
	bool quoted = false;
	for (size_t i = 0; i < len && line[i] != '\n'; i++) {
		if (line[i] == '"')
			quoted = !quoted;
		else if (!quoted)
			commas += line[i] == ',', semis += line[i] == ';';
	}
	return semis > commas ? ';' : ',';
}

bool
cfg_csv_record(const char *text, size_t len, char sep, size_t *reclen,
    size_t *lines)
{
	/* a quote opens quoting only at the start of a field (or right
	 * after a closing one: "" inside quotes); anywhere else it is a
	 * byte of the field, which cfg_csv_fields then refuses, so one stray
	 * quote costs its own line, not the lines after it */
	bool quoted = false, start = true, closed = false;
	size_t nl = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = text[i];
		if (quoted) {
			if (ch == '"') {
				quoted = false;
				closed = true;
			} else if (ch == '\n')
				nl++;
			continue;
		}
		if (ch == '"' && (start || closed)) {
			quoted = true;
			start = closed = false;
			continue;
		}
		closed = false;
		start = ch == sep;
		if (ch == '\n') {
			nl++;
			*reclen = i + 1;
			*lines = nl;
			return true;
		}
	}
	if (!quoted) {
		*reclen = len;
		*lines = nl;
		return true;
	}
	/* an open quote: give back the first physical line */
	const char *lf = memchr(text, '\n', len);
	*reclen = lf ? (size_t)(lf - text) + 1 : len;
	*lines = lf ? 1 : 0;
	return false;
}

bool
cfg_csv_fields(const char *rec, size_t len, char sep, char *buf, size_t cap,
    const char **fields, size_t max, size_t *n, char *err, size_t errlen)
{
	size_t o = 0, nf = 0, i = 0;
	/* the line end is not part of the last field */
	if (len > 0 && rec[len - 1] == '\n')
		len--;
	if (len > 0 && rec[len - 1] == '\r')
		len--;
	for (;;) {
		if (nf == max) {
			snprintf(err, errlen, "more than %zu fields", max);
			return false;
		}
		if (o >= cap)
			goto small;
		fields[nf++] = buf + o;
		if (i < len && rec[i] == '"') {
			for (i++;; i++) {
				if (i >= len) {
					snprintf(err, errlen, "field %zu: a "
					    "quote that is never closed", nf);
					return false;
				}
				if (rec[i] == '"') {
					if (i + 1 < len && rec[i + 1] == '"')
						i++;
					else
						break;
				}
				if (o + 1 >= cap)
					goto small;
				buf[o++] = rec[i];
			}
			i++; /* the closing quote */
			if (i < len && rec[i] != sep) {
				snprintf(err, errlen, "field %zu: text after "
				    "its closing quote", nf);
				return false;
			}
		} else {
			for (; i < len && rec[i] != sep; i++) {
				if (rec[i] == '"') {
					snprintf(err, errlen, "field %zu: a "
					    "quote inside a field that does not "
					    "start with one", nf);
					return false;
				}
				if (o + 1 >= cap)
					goto small;
				buf[o++] = rec[i];
			}
		}
		buf[o++] = '\0';
		if (i >= len)
			break;
		i++; /* the separator */
	}
	*n = nf;
	return true;
small:
	snprintf(err, errlen, "the record is too long");
	return false;
}
