/* tool_bundle.h - a peer's enrolment bundle as the test tools read it
 * (wnpoke: the recipient's, wnrecv: the sender's). Only for tests/tools/:
 * the real reader is `wijknet peer add`'s, which checks every line; these
 * tools take what they need and ignore the rest. Header only, because the
 * Makefile builds every .c file in tests/tools as a program of its own. */
#ifndef WN_TOOL_BUNDLE_H
#define WN_TOOL_BUNDLE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/wn.h"
#include "crypto/sec.h"

struct tool_bundle {
	char org[64], endpoint[256];
	uint8_t sign[32], kx[32];
};

/* tool_bundle_load reads the bundle at path into *b: 0 when it names an
 * org id, -1 when it cannot be read or names none */
static inline int
tool_bundle_load(const char *path, struct tool_bundle *b)
{
	char line[512], k[32], v[300];
	FILE *f = fopen(path, "r");
	memset(b, 0, sizeof(*b));
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s = %299[^\n]", k, v) != 2)
			continue;
		if (strcmp(k, "org_id") == 0)
			wn_strlcpy(b->org, v, sizeof(b->org));
		else if (strcmp(k, "endpoint") == 0)
			wn_strlcpy(b->endpoint, v, sizeof(b->endpoint));
		else if (strcmp(k, "sign_key") == 0)
			sec_unhex(b->sign, 32, v);
		else if (strcmp(k, "kx_key") == 0)
			sec_unhex(b->kx, 32, v);
	}
	fclose(f);
	return b->org[0] ? 0 : -1;
}

#endif
