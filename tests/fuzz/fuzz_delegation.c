/*
 * fuzz_delegation.c - libFuzzer harness for the federation root on the
 * wire (protocol/delegation.h). The first byte picks the decoder: a
 * delegation, a revocation, the unprotected header of a signed charter,
 * or a DOC_HASH body. Whatever the first two accept keeps their rules (serial >= 1,
 * times not negative, until after from), encodes to the very bytes it
 * came from (keys in order) and decodes again to the same values;
 * whatever they refuse leaves the struct zeroed; so does a DOC_HASH body. An accepted unprotected
 * header is the empty map or carries a delegation within its size.
 */
#include <string.h>

#include "protocol/delegation.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proto_delegation d, d2, dz;
	static struct proto_revocation r, r2, rz;
	static uint8_t buf[PROTO_SIGNED_DELEGATION_MAX];
	struct proto_writer w;
	const uint8_t *dlg;
	size_t dlg_len;
	if (size < 1)
		return 0;
	uint8_t pick = data[0] % 4;
	data++;
	size--;
	memset(&d, 0, sizeof(d));
	memset(&r, 0, sizeof(r));
	if (pick == 0) {
		if (proto_delegation_decode(data, size, &d, NULL) != WN_OK) {
			WN_ASSERT(memcmp(&d, &dz, sizeof(d)) == 0);
			return 0;
		}
		WN_ASSERT(d.serial >= 1 && d.from_ms >= 0 &&
		    d.until_ms > d.from_ms && d.federation[0] != '\0');
		proto_writer_init(&w, buf, sizeof(buf));
		WN_ASSERT(proto_delegation_encode(&d, &w) == WN_OK);
		WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
		WN_ASSERT(proto_delegation_decode(buf, w.len, &d2, NULL) ==
		    WN_OK && memcmp(&d, &d2, sizeof(d)) == 0);
	} else if (pick == 1) {
		if (proto_revocation_decode(data, size, &r, NULL) != WN_OK) {
			WN_ASSERT(memcmp(&r, &rz, sizeof(r)) == 0);
			return 0;
		}
		WN_ASSERT(r.serial >= 1 && r.revoked_ms >= 0);
		proto_writer_init(&w, buf, sizeof(buf));
		WN_ASSERT(proto_revocation_encode(&r, &w) == WN_OK);
		WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
		WN_ASSERT(proto_revocation_decode(buf, w.len, &r2, NULL) ==
		    WN_OK && memcmp(&r, &r2, sizeof(r)) == 0);
	} else if (pick == 3) {
		static struct proto_doc_hash h, h2;
		if (proto_doc_hash_decode(data, size, &h, NULL) != WN_OK)
			return 0;
		WN_ASSERT((h.type == PROTO_MSG_CHARTER ||
		    h.type == PROTO_MSG_MATRIX) && h.version >= 1);
		proto_writer_init(&w, buf, sizeof(buf));
		WN_ASSERT(proto_doc_hash_encode(&h, &w) == WN_OK);
		WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
		WN_ASSERT(proto_doc_hash_decode(buf, w.len, &h2, NULL) == WN_OK &&
		    memcmp(&h, &h2, sizeof(h)) == 0);
	} else {
		/* the parser takes one whole map: as proto_signed_decode
		 * hands it over */
		if (proto_validate(data, size, size) != WN_OK)
			return 0;
		if (proto_dlg_unprot_parse(data, size, &dlg, &dlg_len) != WN_OK)
			return 0;
		WN_ASSERT(dlg == NULL ? size == 1 :
		    dlg_len >= 1 && dlg_len <= PROTO_SIGNED_DELEGATION_MAX &&
		    dlg > data && dlg + dlg_len == data + size);
	}
	return 0;
}
