/*
 * fuzz_concern.c - libFuzzer harness for concerns and matches on the wire
 * (CONCERN and CONCERN_MATCH, protocol/concern_wire.h). The first byte
 * picks the decoder. Whatever a decoder accepts keeps its rules (a
 * withdrawal holds only its number, a registration an expiry and a
 * contact; a match's partners in ascending order, each once), encodes
 * (keys in order) to the very bytes it came from and decodes again to
 * the same values; whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/concern_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
concern(const uint8_t *data, size_t size)
{
	static struct proto_concern v, again, zero;
	static uint8_t buf[2048];
	struct proto_writer w;
	if (proto_concern_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return;
	}
	WN_ASSERT(v.number >= 1);
	WN_ASSERT(v.withdrawn ? v.until_ms == 0 && v.contact[0] == '\0'
			      : v.until_ms > 0 && v.contact[0] != '\0');
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_concern_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_concern_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
}

static void
match(const uint8_t *data, size_t size)
{
	static struct proto_concern_match v, again, zero;
	static uint8_t buf[PROTO_BODY_MAX];
	struct proto_writer w;
	if (proto_concern_match_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return;
	}
	WN_ASSERT(v.number >= 1 && v.nothers <= PROTO_MATCH_OTHERS_MAX);
	for (size_t i = 0; i < v.nothers; i++)
		WN_ASSERT(v.others[i].contact[0] != '\0' &&
		    (i == 0 || strcmp(v.others[i - 1].partner,
				   v.others[i].partner) < 0));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_concern_match_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_concern_match_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		match(data + 1, size - 1);
	else
		concern(data + 1, size - 1);
	return 0;
}
