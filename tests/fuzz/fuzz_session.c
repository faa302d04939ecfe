/*
 * fuzz_session.c - libFuzzer harness for the session handshake's bodies
 * (SESSION_OPEN and SESSION_ACCEPT, protocol/session_wire.h). The first
 * byte picks the decoder (even: open, odd: accept), the rest is the body.
 * Whatever a decoder accepts encodes and decodes again to the same
 * values, and re-encoded is what it came from when the keys came in the
 * encoder's order; whatever it refuses leaves the struct untouched.
 */
#include <string.h>

#include "protocol/session_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_session_open o, o2, osent;
	static struct proto_session_accept a, a2, asent;
	static uint8_t buf[256];
	struct proto_writer w;
	if (size < 1)
		return 0;
	bool accept = data[0] & 1;
	data++;
	size--;
	proto_writer_init(&w, buf, sizeof(buf));
	if (!accept) {
		memset(&o, 0xa5, sizeof(o));
		osent = o;
		if (proto_session_open_decode(data, size, &o, NULL) != WN_OK) {
			WN_ASSERT(memcmp(&o, &osent, sizeof(o)) == 0);
			return 0;
		}
		WN_ASSERT(proto_session_open_encode(&o, &w) == WN_OK);
		/* one key: one encoding */
		WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
		WN_ASSERT(proto_session_open_decode(buf, w.len, &o2, NULL) ==
		    WN_OK);
		WN_ASSERT(memcmp(&o, &o2, sizeof(o)) == 0);
		return 0;
	}
	memset(&a, 0xa5, sizeof(a));
	asent = a;
	if (proto_session_accept_decode(data, size, &a, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&a, &asent, sizeof(a)) == 0);
		return 0;
	}
	WN_ASSERT(proto_session_accept_encode(&a, &w) == WN_OK);
	/* the same length whatever the order of the three keys */
	WN_ASSERT(w.len == size);
	WN_ASSERT(proto_session_accept_decode(buf, w.len, &a2, NULL) == WN_OK);
	WN_ASSERT(memcmp(&a, &a2, sizeof(a)) == 0);
	return 0;
}
