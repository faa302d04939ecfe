/*
 * fuzz_csv.c - libFuzzer harness for the CSV reader (config/csv.h) that
 * signal.import's records go through, on the CLI and on the node.
 *
 * The input is walked record by record as an import walks it: every
 * record is within the input and not empty, the line ends it counts are
 * in it, a record whose quote never closes gives back at most its first
 * line; each record is split into fields in a buffer of exactly len + max
 * + 1 bytes (always enough: the split fails only on malformed text) with
 * a guard byte after it that must survive, and every field ends inside
 * that buffer.
 */
#include <string.h>

#include "config/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXF 16

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	size_t left = size;
	while (left > 0) {
		size_t len = 0, lines = 0, n = 0, nl = 0;
		bool closed = cfg_csv_record(p, left, ',', &len, &lines);
		WN_ASSERT(len > 0 && len <= left);
		for (size_t i = 0; i < len; i++)
			nl += p[i] == '\n';
		WN_ASSERT(nl == lines);
		if (!closed)
			WN_ASSERT(lines <= 1 && memchr(p, '\n', len) ==
			    (lines ? p + len - 1 : NULL));
		size_t cap = len + MAXF + 1;
		char *buf = malloc(cap + 1);
		const char *f[MAXF];
		char err[128];
		WN_ASSERT(buf != NULL);
		buf[cap] = 0x5a;
		if (cfg_csv_fields(p, len, ',', buf, cap, f, MAXF, &n, err,
			sizeof(err))) {
			WN_ASSERT(n >= 1 && n <= MAXF);
			for (size_t i = 0; i < n; i++)
				WN_ASSERT(f[i] >= buf && f[i] + strlen(f[i]) <
				    buf + cap);
		} else {
			WN_ASSERT(strcmp(err, "the record is too long") != 0);
		}
		WN_ASSERT(buf[cap] == 0x5a);
		free(buf);
		p += len;
		left -= len;
	}
	return 0;
}
