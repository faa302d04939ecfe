/*
 * fuzz_cbor.c - libFuzzer harness for the strict CBOR reader.
 *
 * Runs the whole-buffer pre-scan, then walks the input as a sequence of
 * items with proto_skip and again item by item with proto_read, checking
 * that the walks agree with proto_validate and never leave the buffer.
 * Crashes and sanitizer reports are the failures; the replay driver runs
 * the saved corpus in `make check`.
 */
#include "protocol/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_reader r;
	struct proto_item it;
	wn_err valid, rv;
	enum proto_type t;

	valid = proto_validate(data, size, size);

	/* A sequence of complete items. */
	proto_reader_init(&r, data, size);
	rv = proto_skip(&r);
	WN_ASSERT(r.pos <= size);
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	WN_ASSERT((rv == WN_OK) == (valid == WN_OK));
	if (rv != WN_OK)
		WN_ASSERT(r.err.offset <= size && r.err.msg[0] != '\0');
	while (rv == WN_OK && r.pos < size)
		rv = proto_skip(&r);

	/* Flat, header by header; strings must lie inside the input. */
	proto_reader_init(&r, data, size);
	while (r.pos < size) {
		if (proto_peek_type(&r, &t) != WN_OK)
			break;
		if (proto_read(&r, &it) != WN_OK)
			break;
		WN_ASSERT(it.type == t && r.pos <= size);
		if (it.type == PROTO_BYTES || it.type == PROTO_TEXT)
			WN_ASSERT(it.data >= data && it.len <= size &&
			    (size_t)(it.data - data) <= size - it.len);
	}
	return 0;
}
