/*
 * fuzz_token.c - libFuzzer harness for a subject's token on the wire
 * (TOKEN_REQUEST and TOKEN_ANSWER, protocol/token_wire.h). The input is
 * decoded as both. Whatever a decoder accepts holds 1..1000 canonical
 * elements (or, for an answer, a refusal code and none), encodes (keys in
 * order) to the very bytes it came from and decodes again to the same
 * values; whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/token_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PROTO_BODY_MAX];

static void
request(const uint8_t *data, size_t size)
{
	static struct proto_token_request v, again, zero;
	struct proto_writer w;
	if (proto_token_request_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return;
	}
	WN_ASSERT(v.count >= 1 && v.count <= PROTO_TOKEN_BATCH_MAX);
	for (size_t i = 0; i < v.count; i++)
		WN_ASSERT(sec_oprf_element_valid(v.el[i]));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_token_request_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_token_request_decode(buf, w.len, &again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
}

static void
answer(const uint8_t *data, size_t size)
{
	static struct proto_token_answer v, again, zero;
	struct proto_writer w;
	if (proto_token_answer_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return;
	}
	if (v.code != 0)
		WN_ASSERT(v.code <= 255 && v.count == 0 && v.epoch == 0);
	else
		WN_ASSERT(v.epoch >= 1 && v.count >= 1 && v.limit == 0 &&
		    v.count <= PROTO_TOKEN_BATCH_MAX);
	for (size_t i = 0; i < v.count; i++)
		WN_ASSERT(sec_oprf_element_valid(v.el[i]));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_token_answer_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_token_answer_decode(buf, w.len, &again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	answer(data, size);
	return 0;
}
