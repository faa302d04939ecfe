/*
 * fuzz_casesig.c - libFuzzer harness for a signal of a case on the wire
 * (CASE_SIGNAL, protocol/casesig_wire.h). Whatever the decoder accepts
 * keeps its rules (a withdrawal holds no more than its number, no summary
 * without when, a duplicate counts no report), encodes (keys in order) to
 * the very bytes it came from and decodes again to the same values;
 * whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/casesig_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_case_signal v, again, zero;
	static uint8_t buf[2048];
	struct proto_writer w;
	if (proto_case_signal_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return 0;
	}
	WN_ASSERT(v.number >= 1 && v.case_id[0] != '\0' &&
	    v.origin[0] != '\0');
	WN_ASSERT(!v.withdrawn || (!v.has_summary && v.when_ms == 0));
	WN_ASSERT(!v.has_summary ||
	    (v.municipality[0] != '\0' &&
		v.category < PROTO_SIGNAL_CATEGORIES &&
		(v.duplicate_of ? v.reports == 0 : v.reports >= 1)));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_case_signal_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_case_signal_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
	return 0;
}
