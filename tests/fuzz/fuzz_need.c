/*
 * fuzz_need.c - libFuzzer harness for the decoders of need-to-know bodies
 * (protocol/need_wire.h) and of batch manifests (protocol/manifest.h).
 *
 * Whatever decodes must encode again to a body that decodes to the same
 * struct; nothing may crash, read out of bounds or allocate.
 */
#include <string.h>

#include "protocol/manifest.h"
#include "protocol/need_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Big structs: static, not on the fuzzer's stack. */
static struct proto_case c1, c2;
static struct proto_disclosure d1, d2;
static struct proto_retraction r1, r2;
static struct proto_manifest m1;
static uint8_t scratch[PROTO_BODY_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_writer w;
	struct proto_error err;
	struct proto_info_request q1, q2;
	struct proto_amend a1, a2;
	struct proto_cose_sign1 cose;

	if (proto_case_decode(data, size, &c1, &err) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_case_encode(&c1, &w) == WN_OK);
		WN_ASSERT(proto_case_decode(w.buf, w.len, &c2, NULL) == WN_OK);
		WN_ASSERT(memcmp(&c1, &c2, sizeof(c1)) == 0);
	}
	if (proto_info_request_decode(data, size, &q1, &err) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_info_request_encode(&q1, &w) == WN_OK);
		WN_ASSERT(proto_info_request_decode(w.buf, w.len, &q2, NULL) ==
		    WN_OK);
		WN_ASSERT(memcmp(&q1, &q2, sizeof(q1)) == 0);
	}
	if (proto_disclosure_decode(data, size, &d1, &err) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_disclosure_encode(&d1, &w) == WN_OK);
		WN_ASSERT(proto_disclosure_decode(w.buf, w.len, &d2, NULL) ==
		    WN_OK);
		WN_ASSERT(memcmp(&d1, &d2, sizeof(d1)) == 0);
	}
	for (int ack = 0; ack < 2; ack++) {
		if (proto_retraction_decode(data, size, ack, &r1, &err) != WN_OK)
			continue;
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_retraction_encode(&r1, ack, &w) == WN_OK);
		WN_ASSERT(proto_retraction_decode(w.buf, w.len, ack, &r2, NULL) ==
		    WN_OK);
		WN_ASSERT(r1.n == r2.n &&
		    memcmp(r1.ids, r2.ids, r1.n * sizeof(r1.ids[0])) == 0 &&
		    strcmp(r1.case_id, r2.case_id) == 0);
	}
	if (proto_amend_decode(data, size, &a1, &err) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_amend_encode(&a1, &w) == WN_OK);
		WN_ASSERT(proto_amend_decode(w.buf, w.len, &a2, NULL) == WN_OK);
		WN_ASSERT(memcmp(&a1, &a2, sizeof(a1)) == 0);
	}
	if (proto_manifest_decode(data, size, &m1, &cose, &err) == WN_OK)
		WN_ASSERT(m1.n >= 1 && m1.n <= PROTO_TRANSFER_MAX);
	return 0;
}
