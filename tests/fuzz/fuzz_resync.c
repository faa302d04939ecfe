/*
 * fuzz_resync.c - libFuzzer harness for RESYNC_REQUEST (message type 38,
 * protocol/resync_wire.h). Whatever the decoder accepts holds a since of
 * at least 1, encodes to the very bytes it came from and decodes again to
 * the same value; whatever it refuses leaves the struct as it was.
 */
#include <string.h>

#include "protocol/resync_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_resync_request v = {0}, again = {0};
	uint8_t buf[PROTO_RESYNC_MAX];
	struct proto_writer w;
	if (proto_resync_request_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(v.since_ms == 0);
		return 0;
	}
	WN_ASSERT(v.since_ms >= 1);
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_resync_request_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_resync_request_decode(buf, w.len, &again, NULL) ==
	    WN_OK);
	WN_ASSERT(again.since_ms == v.since_ms);
	return 0;
}
