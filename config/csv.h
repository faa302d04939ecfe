/*
 * csv.h - CSV records (RFC 4180, ',' or ';' between fields) one at a time,
 * with the line each starts on, so that an import can report every bad
 * line by its number and go on with the next.
 *
 * Written here rather than taken from libcsv: an import needs to know
 * where each record began and to resume at the next line after a broken
 * one (a quote never closed), which libcsv's push parser does not say.
 * Both the CLI (to cut a file into requests at record boundaries) and the
 * node (to read the fields) use it, so they agree on where records end.
 * Plain functions on caller memory: nothing to free, thread safe.
 */
#ifndef CFG_CSV_H
#define CFG_CSV_H

#include "config/wn.h"

/* cfg_csv_separator is the separator of a file whose first line (its
 * header) is line[0..len): ';' when that line has more semicolons than
 * commas outside quotes (what a spreadsheet set to a Dutch or French
 * locale writes), else ','. */
char cfg_csv_separator(const char *line, size_t len);

/* cfg_csv_record measures the record at text[0..len): *reclen is its
 * length in bytes with its line end (LF or CRLF; none at the very end),
 * *lines the line ends in it (more than one when a quoted field holds
 * line ends; 0 for a last record without one). False when a quoted field
 * is still open at the end of the text: *reclen and *lines then cover
 * only the record's first line, so the caller can report that line and
 * go on after it. */
bool cfg_csv_record(const char *text, size_t len, char sep, size_t *reclen,
    size_t *lines);

/* cfg_csv_fields splits one record rec[0..len) (its line end may be
 * included) into at most max fields: each unquoted ("" inside quotes is
 * one "), NUL-terminated, written into buf (cap bytes; len + max + 1 is
 * always enough) and pointed at by fields[0..*n). False, with the reason
 * in err, for a quote inside an unquoted field, anything but sep or the
 * line end after a closing quote, a quote never closed, more than max
 * fields, or a buf too small. An empty record is one empty field. */
bool cfg_csv_fields(const char *rec, size_t len, char sep, char *buf,
    size_t cap,
    const char **fields, size_t max, size_t *n, char *err, size_t errlen);

#endif
