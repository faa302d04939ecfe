/*
 * fuzz_work.c - libFuzzer harness for the work room's wire body, a
 * signal's summary (protocol/work_wire.h): whatever the decoder accepts
 * keeps its rules, encodes (keys in order) and decodes again to the same
 * values; whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/work_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_signal_summary s, again, zero;
	struct proto_error e;
	uint8_t buf[1024];
	struct proto_writer w;
	memset(&zero, 0, sizeof(zero));
	if (proto_signal_summary_decode(data, size, &s, &e) != WN_OK) {
		WN_ASSERT(memcmp(&s, &zero, sizeof(s)) == 0);
		return 0;
	}
	WN_ASSERT(s.id >= 1 && s.category < PROTO_SIGNAL_CATEGORIES &&
	    s.municipality[0] != '\0' &&
	    (s.duplicate_of ? s.reports == 0 && s.duplicate_of != s.id
			    : s.reports >= 1));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_signal_summary_encode(&s, &w) == WN_OK);
	WN_ASSERT(proto_signal_summary_decode(buf, w.len, &again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&s, &again, sizeof(s)) == 0);
	return 0;
}
