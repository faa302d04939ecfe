/*
 * test_manifest.c - batch signatures: a signed manifest of envelope hashes
 * round-trips, verifies with the sender's key only, and refuses damage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "protocol/manifest.h"

static uint8_t sk[64], pk[32], other_pk[32];

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	(void)ctx;
	crypto_sign_detached(sig, NULL, msg, len, sk);
	return WN_OK;
}

static size_t
make(uint8_t *buf, size_t cap, size_t n)
{
	struct proto_manifest m = {0};
	struct proto_writer w;
	wn_strlcpy(m.from, "pz-neteland", sizeof(m.from));
	wn_strlcpy(m.to, "herentals", sizeof(m.to));
	m.ts_ms = 1795440000000;
	m.n = n;
	for (size_t i = 0; i < n; i++)
		proto_envelope_hash(&i, sizeof(i), m.hash[i]);
	proto_writer_init(&w, buf, cap);
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_OK);
	return w.len;
}

static void
test_roundtrip_and_verify(void **state)
{
	(void)state;
	uint8_t buf[4096], h[32];
	struct proto_manifest m;
	struct proto_cose_sign1 c;
	size_t len = make(buf, sizeof(buf), 64);
	assert_int_equal(proto_manifest_decode(buf, len, &m, &c, NULL), WN_OK);
	assert_string_equal(m.from, "pz-neteland");
	assert_string_equal(m.to, "herentals");
	assert_int_equal(m.n, 64);
	size_t i = 7;
	proto_envelope_hash(&i, sizeof(i), h);
	assert_memory_equal(m.hash[7], h, 32);
	assert_true(proto_cose_sign1_verify(&c, pk));
	assert_false(proto_cose_sign1_verify(&c, other_pk));
}

/* after: the sequence number the receiver must have applied first; left
 * out when 0, and an explicit 0 is refused (one encoding per meaning) */
static void
test_after(void **state)
{
	(void)state;
	uint8_t buf[4096], plain[4096];
	struct proto_manifest m = {0}, back;
	struct proto_cose_sign1 c;
	struct proto_writer w;
	struct proto_error err;
	wn_strlcpy(m.from, "pz-neteland", sizeof(m.from));
	wn_strlcpy(m.to, "herentals", sizeof(m.to));
	m.n = 1;
	m.after = 4294967360u; /* past 2^32: a sender moved forward */
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_OK);
	assert_int_equal(proto_manifest_decode(buf, w.len, &back, &c, NULL),
	    WN_OK);
	assert_true(back.after == 4294967360u);
	assert_true(proto_cose_sign1_verify(&c, pk));
	m.after = 0;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_OK);
	assert_int_equal(proto_manifest_decode(buf, w.len, &back, &c, NULL),
	    WN_OK);
	assert_true(back.after == 0);
	assert_int_equal(c.payload[0], 0xa4); /* four keys: 5 left out */
	/* an explicit "5: 0", signed, is refused by the decoder */
	memcpy(plain, c.payload, c.payload_len);
	plain[0] = 0xa5;
	plain[c.payload_len] = 0x05;
	plain[c.payload_len + 1] = 0x00;
	static const uint8_t prot[] = {0xa2, 0x01, 0x27, 0x61, 't', 0x0f};
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(prot, sizeof(prot), NULL, 0,
			     plain, c.payload_len + 2, sign_cb, NULL, &w),
	    WN_OK);
	assert_int_equal(proto_manifest_decode(buf, w.len, &back, &c, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "after 0"));
}

static void
test_every_flip_fails(void **state)
{
	(void)state;
	uint8_t buf[4096];
	struct proto_manifest m;
	struct proto_cose_sign1 c;
	size_t len = make(buf, sizeof(buf), 3);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= 0x04;
		if (proto_manifest_decode(buf, len, &m, &c, NULL) == WN_OK)
			assert_false(proto_cose_sign1_verify(&c, pk));
		buf[i] ^= 0x04;
	}
	for (size_t l = 0; l < len; l++)
		assert_int_not_equal(proto_manifest_decode(buf, l, &m, &c, NULL),
		    WN_OK);
}

static void
test_refusals(void **state)
{
	(void)state;
	struct proto_manifest m = {0};
	uint8_t buf[4096];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	wn_strlcpy(m.from, "a", sizeof(m.from));
	wn_strlcpy(m.to, "b", sizeof(m.to));
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_EINVAL);
	m.n = 65;
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_EINVAL);
	m.n = 1;
	wn_strlcpy(m.to, "B!", sizeof(m.to));
	assert_int_equal(proto_manifest_sign(&m, sign_cb, NULL, &w), WN_EINVAL);
}

static void
test_unsigned_envelope_roundtrip(void **state)
{
	(void)state;
	/* an envelope sealed without a signer carries an empty signature,
	 * decodes, and never verifies on its own */
	uint8_t peer_sk[32], peer_pk[32], k[32];
	crypto_box_keypair(peer_pk, peer_sk);
	(void)k;
	struct proto_cose_sign1 c;
	uint8_t prot[] = {0xa1, 0x01, 0x27};
	uint8_t buf[256];
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(prot, sizeof(prot), NULL, 0,
			     (const uint8_t *)"hi", 2, NULL, NULL, &w),
	    WN_OK);
	assert_int_equal(buf[w.len - 1], 0x40); /* h'' */
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &c, NULL), WN_OK);
	assert_null(c.sig);
	assert_false(proto_cose_sign1_verify(&c, pk));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_and_verify),
	    cmocka_unit_test(test_after),
	    cmocka_unit_test(test_every_flip_fails),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_unsigned_envelope_roundtrip),
	};
	uint8_t osk[64];
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(other_pk, osk);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
