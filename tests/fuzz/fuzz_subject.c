/*
 * fuzz_subject.c - libFuzzer harness for the canonical form of a subject's
 * identifier (node/subject/subject.h), which reads what partners type and
 * import.
 *
 * The input is cut at its first newlines into up to four fields, given to
 * every kind. A form that is made fits its buffer, starts with its kind's
 * prefix and is a fixed point: the person made from its own family name,
 * given names and date is the same string. A refusal writes nothing and
 * says why.
 */
#include <string.h>

#include "node/subject/subject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP NODE_SUBJECT_MAX

static void
check(wn_err rc, const char *out, size_t len, const char *prefix,
    const char *err)
{
	if (rc == WN_OK) {
		WN_ASSERT(strlen(out) == len && len < CAP);
		WN_ASSERT(strncmp(out, prefix, strlen(prefix)) == 0);
	} else {
		WN_ASSERT(rc == WN_EINVAL || rc == WN_ETOOBIG);
		WN_ASSERT(strcmp(out, "untouched") == 0 && err[0] != '\0');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char *f[4] = {"", "", "", ""};
	char out[CAP], again[CAP], err[200];
	size_t len = 0, n = 0;
	wn_err rc;
	WN_ASSERT(text != NULL);
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; n < 4 && p != NULL; n++) {
		f[n] = p;
		if ((p = strchr(p, '\n')) != NULL)
			*p++ = '\0';
	}

#define RUN(call, prefix)                                                      \
	do {                                                                   \
		memcpy(out, "untouched", 10);                                  \
		err[0] = '\0';                                                 \
		rc = call;                                                     \
		check(rc, out, len, prefix, err);                              \
	} while (0)

	RUN(node_subject_be_nrn(f[0], out, CAP, &len, err, sizeof(err)),
	    "be-nrn:");
	RUN(node_subject_nl_bsn(f[0], out, CAP, &len, err, sizeof(err)),
	    "nl-bsn:");
	RUN(node_subject_address(f[0], f[1], f[2], f[3], out, CAP, &len, err,
		sizeof(err)),
	    "address:");
	RUN(node_subject_person(f[0], f[1], f[2], out, CAP, &len, err,
		sizeof(err)),
	    "person:");
	if (rc == WN_OK) {
		/* person:FAMILY/GIVEN/DATE, made again from its own parts */
		char *fam = out + 7, *giv = strchr(fam, '/'), *date;
		WN_ASSERT(giv != NULL);
		*giv++ = '\0';
		date = strchr(giv, '/');
		WN_ASSERT(date != NULL && strchr(date + 1, '/') == NULL);
		*date++ = '\0';
		WN_ASSERT(node_subject_person(fam, giv, date, again, CAP, NULL,
			      err, sizeof(err)) == WN_OK);
		WN_ASSERT(strncmp(again, "person:", 7) == 0);
		size_t fl = strlen(fam), gl = strlen(giv);
		WN_ASSERT(strncmp(again + 7, fam, fl) == 0 &&
		    again[7 + fl] == '/' &&
		    strncmp(again + 8 + fl, giv, gl) == 0 &&
		    strcmp(again + 9 + fl + gl, date) == 0 &&
		    again[8 + fl + gl] == '/');
	}
	free(text);
	return 0;
}
