/*
 * oprfh.c - test tool: HashToGroup of each line of standard input, the
 * OPRF's input element before any secret touches it (crypto/oprf.c: the
 * element blinded with the scalar 1), printed as 64 hex digits a line.
 * A test searches for it wherever a subject's identifier must not be,
 * beside the identifier's other forms hashed without the secret. The
 * lines come from standard input, not argv: they are identifiers. Never
 * installed.
 */
#include <stdio.h>
#include <string.h>

#include "crypto/sec.h"

int main(void);

int
main(void)
{
	static const uint8_t one[SEC_OPRF_SCALAR_LEN] = {1};
	char line[1024], hex[2 * SEC_OPRF_ELEMENT_LEN + 1];
	if (sec_init() != WN_OK)
		return 1;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		struct sec_oprf_blind b;
		uint8_t p[SEC_OPRF_ELEMENT_LEN];
		line[strcspn(line, "\n")] = '\0';
		if (sec_oprf_blind_with(line, strlen(line), one, &b, p) !=
		    WN_OK)
			return 1;
		sec_oprf_blind_release(&b);
		sec_hex(hex, sizeof(hex), p, sizeof(p));
		printf("%s\n", hex);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
