/*
 * fuzz_token_rotate.c - libFuzzer harness for the token key's rotation on
 * the wire (TOKEN_ROTATE, message type 39, protocol/token_wire.h). What
 * the decoder accepts is one of the three forms with two different key
 * ids (an announcement or a key gone with a moment >= 1, or 1..1000
 * moves of a token to another), encodes (keys in order) to the very bytes
 * it came from and decodes again to the same values; what it refuses
 * leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/token_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PROTO_BODY_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_token_rotate v, again, zero;
	struct proto_writer w;
	if (proto_token_rotate_decode(data, size, &v, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&v, &zero, sizeof(v)) == 0);
		return 0;
	}
	WN_ASSERT(v.old_key >= 1 && v.old_key <= PROTO_TOKEN_KEY_ID_MAX &&
	    v.new_key >= 1 && v.new_key <= PROTO_TOKEN_KEY_ID_MAX &&
	    v.old_key != v.new_key);
	if (v.kind == PROTO_TOKEN_ROTATE_MOVES) {
		WN_ASSERT(v.at_ms == 0 && v.count >= 1 &&
		    v.count <= PROTO_TOKEN_MOVES_MAX);
		for (size_t i = 0; i < v.count; i++)
			WN_ASSERT(memcmp(v.old[i], v.new[i], 32) != 0);
	} else {
		WN_ASSERT((v.kind == PROTO_TOKEN_ROTATE_ANNOUNCE ||
			      v.kind == PROTO_TOKEN_ROTATE_GONE) &&
		    v.at_ms >= 1 && v.count == 0);
	}
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_token_rotate_encode(&v, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_token_rotate_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&v, &again, sizeof(v)) == 0);
	return 0;
}
