/*
 * fuzz_meet.c - libFuzzer harness for consultations on the wire
 * (protocol/meet_wire.h): every input goes to the four decoders (a body,
 * a meeting, a case at a meeting, an escalation). Whatever one accepts
 * encodes (keys in order) to the very bytes it came from and decodes
 * again to the same values; whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/meet_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PROTO_BODY_MAX];

#define ROUND(T)                                                               \
	static void T##_round(const uint8_t *data, size_t size)                \
	{                                                                      \
		static struct proto_##T v, again, zero;                        \
		struct proto_writer w;                                         \
		if (proto_##T##_decode(data, size, &v, NULL) != WN_OK) {       \
			WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);          \
			return;                                                \
		}                                                              \
		proto_writer_init(&w, buf, sizeof(buf));                       \
		WN_ASSERT(proto_##T##_encode(&v, &w) == WN_OK);                \
		WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);    \
		WN_ASSERT(proto_##T##_decode(buf, w.len, &again, NULL) ==      \
		    WN_OK);                                                    \
		WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);                 \
	}

ROUND(body)
ROUND(meeting)
ROUND(consult)
ROUND(escalation)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	body_round(data, size);
	meeting_round(data, size);
	consult_round(data, size);
	escalation_round(data, size);
	return 0;
}
