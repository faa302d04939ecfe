/*
 * fuzz_envelope.c - libFuzzer harness for everything in protocol/envelope.h
 * that reads bytes from another node.
 *
 * Each input goes to the transfer decoder (and every envelope inside it),
 * the COSE_Sign1 and envelope decoders, the signed-object decoders and
 * every body decoder. Whatever decodes is checked for invariants: a
 * COSE_Sign1 written again from its parts is the input byte for byte (the
 * decoder accepts only canonical CBOR); a body encoded again has the
 * input's size and decodes to the same struct; decoded headers satisfy the
 * validators. Verification runs against a fixed key: the corpus is signed
 * with its secret half (seed 32 x 0x01), so valid signatures are reached.
 */
#include <string.h>

#include "protocol/envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ed25519 public key of the seed 01 01 ... 01 used for the corpus. */
static const uint8_t fuzz_pk[32] = {
	0x8a, 0x88, 0xe3, 0xdd, 0x74, 0x09, 0xf1, 0x95, 0xfd, 0x52, 0xdb,
	0x2d, 0x3c, 0xba, 0x5d, 0x72, 0xca, 0x67, 0x09, 0xbf, 0x1d, 0x94,
	0x12, 0x1b, 0xf3, 0x74, 0x88, 0x01, 0xb4, 0x0f, 0x6f, 0x5c,
};

/* Big structs: static, not on the fuzzer's stack. */
static struct proto_charter charter, charter2;
static struct proto_receipt receipt, receipt2;
static uint8_t scratch[PROTO_ENVELOPE_MAX + 64];

static void
check_cose(const uint8_t *data, size_t size)
{
	struct proto_cose_sign1 m;
	struct proto_error err;
	struct proto_writer w;

	if (proto_cose_sign1_decode(data, size, &m, &err) != WN_OK) {
		WN_ASSERT(err.offset <= size);
		return;
	}
	proto_writer_init(&w, scratch, sizeof(scratch));
	proto_write_tag(&w, 18);
	proto_write_array(&w, 4);
	proto_write_bytes(&w, m.prot, m.prot_len);
	proto_write_raw(&w, m.unprot, m.unprot_len);
	proto_write_bytes(&w, m.payload, m.payload_len);
	proto_write_bytes(&w, m.sig, m.sig != NULL ? 64 : 0); /* 0: batch signed */
	WN_ASSERT(proto_writer_status(&w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(scratch, data, size) == 0);
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_cose_tbs(&m, &w) == WN_OK);
	(void)proto_cose_sign1_verify(&m, fuzz_pk);
}

static void
check_errbody(const uint8_t *data, size_t size)
{
	struct proto_errbody b, b2;
	struct proto_writer w;

	if (proto_errbody_decode(data, size, &b, NULL) != WN_OK)
		return;
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_errbody_encode(&b, &w) == WN_OK);
	WN_ASSERT(w.len == size && w.len <= PROTO_ERRBODY_MAX);
	WN_ASSERT(proto_errbody_decode(scratch, w.len, &b2, NULL) == WN_OK);
	WN_ASSERT(memcmp(&b, &b2, sizeof(b)) == 0);
}

static void
check_envelope(const uint8_t *data, size_t size)
{
	static uint8_t body[PROTO_BODY_MAX];
	struct proto_envelope e;
	struct proto_error err;
	size_t n;

	if (proto_envelope_decode(data, size, &e, &err) != WN_OK) {
		WN_ASSERT(err.offset <= size || size > PROTO_ENVELOPE_MAX);
		return;
	}
	WN_ASSERT(e.h.version == PROTO_VERSION);
	WN_ASSERT(e.h.type >= 1 && e.h.type <= PROTO_ENVELOPE_TYPE_MAX &&
	    e.h.type != PROTO_MSG_MANIFEST);
	WN_ASSERT(proto_org_id_valid(e.h.from, strlen(e.h.from)));
	WN_ASSERT(proto_org_id_valid(e.h.to, strlen(e.h.to)));
	WN_ASSERT(e.h.tp[0] == '\0' ||
	    proto_traceparent_valid(e.h.tp, strlen(e.h.tp)));
	WN_ASSERT(e.cose.alg == PROTO_COSE_ALG_EDDSA && e.cose.unprot_len == 1);
	(void)proto_envelope_verify(&e, fuzz_pk);
	if (e.h.type == PROTO_MSG_ERROR) {
		WN_ASSERT(proto_envelope_open(&e, NULL, body, sizeof(body),
		    &n) == WN_OK);
		WN_ASSERT(n == e.cose.payload_len);
		check_errbody(body, n);
	} else {
		WN_ASSERT(proto_envelope_open(&e, NULL, body, sizeof(body),
		    &n) == WN_EINVAL);
	}
}

static void
check_transfer(const uint8_t *data, size_t size)
{
	static struct proto_transfer t;
	struct proto_error err;

	if (proto_transfer_decode(data, size, &t, &err) != WN_OK)
		return;
	WN_ASSERT(t.n >= 1 && t.n <= PROTO_TRANSFER_MAX);
	for (size_t i = 0; i < t.n; i++) {
		WN_ASSERT(t.env[i] >= data && t.env[i] + t.env_len[i] <=
		    data + size);
		check_envelope(t.env[i], t.env_len[i]);
		check_cose(t.env[i], t.env_len[i]);
	}
}

static void
check_receipt(const uint8_t *data, size_t size)
{
	struct proto_writer w;

	if (proto_receipt_decode(data, size, &receipt, NULL) != WN_OK)
		return;
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_receipt_encode(&receipt, &w) == WN_OK);
	WN_ASSERT(w.len == size);
	WN_ASSERT(proto_receipt_decode(scratch, w.len, &receipt2, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&receipt, &receipt2, sizeof(receipt)) == 0);
}

static void
check_data(const uint8_t *data, size_t size)
{
	struct proto_data d, d2;
	struct proto_writer w;

	if (proto_data_decode(data, size, &d, NULL) != WN_OK)
		return;
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_data_encode(d.payload, d.len, &w) == WN_OK);
	WN_ASSERT(w.len == size);
	WN_ASSERT(proto_data_decode(scratch, w.len, &d2, NULL) == WN_OK);
	WN_ASSERT(d2.len == d.len &&
	    (d.len == 0 || memcmp(d.payload, d2.payload, d.len) == 0));
}

static void
check_charter(const uint8_t *data, size_t size)
{
	struct proto_writer w;

	if (proto_charter_decode(data, size, &charter, NULL) != WN_OK)
		return;
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_charter_encode(&charter, &w) == WN_OK);
	WN_ASSERT(w.len == size);
	WN_ASSERT(proto_charter_decode(scratch, w.len, &charter2, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&charter, &charter2, sizeof(charter)) == 0);
}

static void
check_head(const uint8_t *data, size_t size)
{
	struct proto_head h, h2;
	struct proto_writer w;

	if (proto_head_decode(data, size, &h, NULL) != WN_OK)
		return;
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_head_encode(&h, &w) == WN_OK);
	WN_ASSERT(w.len == size);
	WN_ASSERT(proto_head_decode(scratch, w.len, &h2, NULL) == WN_OK);
	WN_ASSERT(memcmp(&h, &h2, sizeof(h)) == 0);
}

static void
check_head_query_answer(const uint8_t *data, size_t size)
{
	struct proto_head_query q, q2;
	struct proto_head_answer a, a2;
	struct proto_head h;
	struct proto_writer w;

	if (proto_head_query_decode(data, size, &q, NULL) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_head_query_encode(&q, &w) == WN_OK);
		WN_ASSERT(w.len == size);
		WN_ASSERT(proto_head_query_decode(scratch, w.len, &q2, NULL) ==
		    WN_OK);
		WN_ASSERT(memcmp(&q, &q2, sizeof(q)) == 0);
	}
	if (proto_head_answer_decode(data, size, &a, NULL) == WN_OK) {
		proto_writer_init(&w, scratch, sizeof(scratch));
		WN_ASSERT(proto_head_answer_encode(a.signed_head, a.len, a.nonce,
			      &w) == WN_OK);
		WN_ASSERT(w.len == size);
		WN_ASSERT(proto_head_answer_decode(scratch, w.len, &a2, NULL) ==
		    WN_OK);
		WN_ASSERT(a2.len == a.len);
		WN_ASSERT(memcmp(a2.nonce, a.nonce, sizeof(a.nonce)) == 0);
		if (a.signed_head != NULL &&
		    proto_head_verify_signed(a.signed_head, a.len, fuzz_pk, &h,
		        NULL) == WN_OK)
			WN_ASSERT(proto_org_id_valid(h.org, strlen(h.org)));
	}
}

static void
check_signed(const uint8_t *data, size_t size)
{
	struct proto_cose_sign1 m;
	struct proto_head h;
	struct proto_error err;

	if (proto_signed_decode(data, size, PROTO_MSG_CHARTER, &m, &err) ==
	    WN_OK) {
		check_charter(m.payload, m.payload_len);
		if (proto_charter_verify_signed(data, size, fuzz_pk, &charter2,
		        &err) == WN_OK)
			WN_ASSERT(charter2.nmembers >= 1 && charter2.version >= 1);
	}
	if (proto_signed_decode(data, size, PROTO_MSG_CHAIN_HEAD, &m, &err) ==
	    WN_OK) {
		check_head(m.payload, m.payload_len);
		if (proto_head_verify_signed(data, size, fuzz_pk, &h, &err) ==
		    WN_OK)
			WN_ASSERT(proto_org_id_valid(h.org, strlen(h.org)));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_transfer(data, size);
	check_cose(data, size);
	check_envelope(data, size);
	check_signed(data, size);
	check_errbody(data, size);
	check_receipt(data, size);
	check_data(data, size);
	check_charter(data, size);
	check_head(data, size);
	check_head_query_answer(data, size);
	return 0;
}
