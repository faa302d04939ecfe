/*
 * oprf.c - RFC 9497's OPRF, mode 0 (modeOPRF), suite ristretto255-SHA512,
 * on libsodium 1.0.18's ristretto255.
 *
 * contextString is "OPRFV1-" || I2OSP(0, 1) || "-ristretto255-SHA512".
 * HashToGroup(x) is crypto_core_ristretto255_from_hash of the 64 bytes of
 * expand_message_xmd(SHA-512, x, "HashToGroup-" || contextString) (RFC
 * 9380, section 5.3.1); HashToScalar reduces the same 64 bytes modulo the
 * group order, with the DST "DeriveKeyPair" || contextString in
 * DeriveKeyPair. Blind multiplies the input's element by a random scalar,
 * the server multiplies by its key, Finalize multiplies by the blind's
 * inverse and hashes the input with the unblinded element.
 *
 * libsodium decodes an element only if it is a canonical encoding of a
 * group element, except that 1.0.18 ignores the top bit; the identity (all
 * zero bytes) decodes too. Both are refused here by name (element_ok). The known answers are tests/vectors/oprf/.
 */
#include "crypto/sec.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#define CONTEXT "OPRFV1-\0-ristretto255-SHA512"
#define CONTEXT_LEN (sizeof(CONTEXT) - 1)
#define XMD_LEN 64 /* HashToGroup and HashToScalar both take 64 bytes */

struct sec_oprf_key {
	pthread_mutex_t mtx;
	uint8_t *sk; /* sodium_malloc, PROT_NONE while idle */
};

/* dst writes prefix || contextString into buf (at least 64 bytes) and
 * returns its length. */
static size_t
dst(uint8_t *buf, const char *prefix)
{
	size_t n = strlen(prefix);
	memcpy(buf, prefix, n);
	memcpy(buf + n, CONTEXT, CONTEXT_LEN);
	return n + CONTEXT_LEN;
}

/* xmd is expand_message_xmd with SHA-512 (RFC 9380, 5.3.1) for the
 * concatenation of n parts, giving XMD_LEN bytes: one block, b_1. */
static void
xmd(uint8_t out[XMD_LEN], const struct sec_part *parts, size_t n,
    const uint8_t *d, size_t dlen)
{
	static const uint8_t zpad[crypto_hash_sha512_BYTES * 2];
	crypto_hash_sha512_state st;
	uint8_t b0[crypto_hash_sha512_BYTES];
	uint8_t lib[3] = {0, XMD_LEN, 0}; /* I2OSP(64, 2) || I2OSP(0, 1) */
	uint8_t one = 1, dl = (uint8_t)dlen;

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, zpad, sizeof(zpad));
	for (size_t i = 0; i < n; i++)
		crypto_hash_sha512_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha512_update(&st, lib, sizeof(lib));
	crypto_hash_sha512_update(&st, d, dlen);
	crypto_hash_sha512_update(&st, &dl, 1);
	crypto_hash_sha512_final(&st, b0);

	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, b0, sizeof(b0));
	crypto_hash_sha512_update(&st, &one, 1);
	crypto_hash_sha512_update(&st, d, dlen);
	crypto_hash_sha512_update(&st, &dl, 1);
	crypto_hash_sha512_final(&st, out);
	sodium_memzero(b0, sizeof(b0));
	sodium_memzero(&st, sizeof(st));
}

/* hash_to_group maps the input to an element; false if it is the
 * identity. */
static bool
hash_to_group(uint8_t p[SEC_OPRF_ELEMENT_LEN], const void *input, size_t len)
{
	uint8_t d[64], u[XMD_LEN];
	struct sec_part part = {input, len};
	xmd(u, &part, 1, d, dst(d, "HashToGroup-"));
	crypto_core_ristretto255_from_hash(p, u);
	sodium_memzero(u, sizeof(u));
	return !sodium_is_zero(p, SEC_OPRF_ELEMENT_LEN);
}

/* element_ok: a canonical encoding of a group element other than the
 * identity. libsodium 1.0.18 ignores the top bit of the last byte when it
 * decodes (an encoding of 2^255 or more, never canonical: RFC 9496, 4.3.1),
 * so that bit is checked here. */
static bool
element_ok(const uint8_t p[SEC_OPRF_ELEMENT_LEN])
{
	return (p[31] & 0x80) == 0 &&
	    crypto_core_ristretto255_is_valid_point(p) == 1 &&
	    !sodium_is_zero(p, SEC_OPRF_ELEMENT_LEN);
}

bool
sec_oprf_element_valid(const uint8_t p[SEC_OPRF_ELEMENT_LEN])
{
	return element_ok(p);
}

/* scalar_ok: non-zero and below the group order (reducing it changes
 * nothing). */
static bool
scalar_ok(const uint8_t s[SEC_OPRF_SCALAR_LEN])
{
	uint8_t wide[64] = {0}, red[SEC_OPRF_SCALAR_LEN];
	bool ok;
	memcpy(wide, s, SEC_OPRF_SCALAR_LEN);
	crypto_core_ristretto255_scalar_reduce(red, wide);
	ok = sodium_memcmp(red, s, SEC_OPRF_SCALAR_LEN) == 0 &&
	    !sodium_is_zero(s, SEC_OPRF_SCALAR_LEN);
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(red, sizeof(red));
	return ok;
}

static wn_err
key_new(const uint8_t sk[SEC_OPRF_SCALAR_LEN], struct sec_oprf_key **out)
{
	struct sec_oprf_key *k = calloc(1, sizeof(*k));
	if (k == NULL)
		return WN_ENOMEM;
	k->sk = sodium_malloc(SEC_OPRF_SCALAR_LEN);
	if (k->sk == NULL) {
		free(k);
		return WN_ENOMEM;
	}
	memcpy(k->sk, sk, SEC_OPRF_SCALAR_LEN);
	sodium_mprotect_noaccess(k->sk);
	pthread_mutex_init(&k->mtx, NULL);
	*out = k;
	return WN_OK;
}

wn_err
sec_oprf_key_derive(const uint8_t seed[SEC_OPRF_SEED_LEN], const void *info,
    size_t info_len, struct sec_oprf_key **out)
{
	uint8_t d[64], u[XMD_LEN], sk[SEC_OPRF_SCALAR_LEN];
	uint8_t ilen[2] = {(uint8_t)(info_len >> 8), (uint8_t)info_len};
	uint8_t counter = 0;
	size_t dlen = dst(d, "DeriveKeyPair");
	wn_err rc = WN_ECRYPTO;

	if (info_len > SEC_OPRF_INFO_MAX)
		return WN_EINVAL;
	/* deriveInput || I2OSP(counter, 1), until the scalar is not zero */
	for (unsigned c = 0; c <= 255; c++) {
		counter = (uint8_t)c;
		struct sec_part parts[] = {{seed, SEC_OPRF_SEED_LEN},
		    {ilen, 2}, {info, info_len}, {&counter, 1}};
		xmd(u, parts, WN_ARRAY_LEN(parts), d, dlen);
		crypto_core_ristretto255_scalar_reduce(sk, u);
		if (!sodium_is_zero(sk, sizeof(sk))) {
			rc = key_new(sk, out);
			break;
		}
	}
	sodium_memzero(u, sizeof(u));
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

wn_err
sec_oprf_key_import(const uint8_t sk[SEC_OPRF_SCALAR_LEN],
    struct sec_oprf_key **out)
{
	if (!scalar_ok(sk))
		return WN_ECRYPTO;
	return key_new(sk, out);
}

void
sec_oprf_key_export(struct sec_oprf_key *k, uint8_t sk[SEC_OPRF_SCALAR_LEN])
{
	pthread_mutex_lock(&k->mtx);
	sodium_mprotect_readonly(k->sk);
	memcpy(sk, k->sk, SEC_OPRF_SCALAR_LEN);
	sodium_mprotect_noaccess(k->sk);
	pthread_mutex_unlock(&k->mtx);
}

wn_err
sec_oprf_key_id(struct sec_oprf_key *k, uint64_t *id)
{
	uint8_t pk[crypto_core_ristretto255_BYTES], h[32];
	uint64_t v = 0;
	int r;

	pthread_mutex_lock(&k->mtx);
	sodium_mprotect_readonly(k->sk);
	r = crypto_scalarmult_ristretto255_base(pk, k->sk);
	sodium_mprotect_noaccess(k->sk);
	pthread_mutex_unlock(&k->mtx);
	if (r != 0)
		return WN_ECRYPTO;
	crypto_generichash(h, sizeof(h), pk, sizeof(pk), NULL, 0);
	for (size_t i = 0; i < 6; i++)
		v = v << 8 | h[i];
	*id = v != 0 ? v : 1;
	return WN_OK;
}

void
sec_oprf_key_free(struct sec_oprf_key *k)
{
	if (k == NULL)
		return;
	sodium_mprotect_readwrite(k->sk);
	sodium_free(k->sk); /* wipes */
	pthread_mutex_destroy(&k->mtx);
	free(k);
}

void
sec_oprf_blind_release(struct sec_oprf_blind *b)
{
	sodium_memzero(b->r, sizeof(b->r));
}

wn_err
sec_oprf_blind_with(const void *input, size_t len,
    const uint8_t r[SEC_OPRF_SCALAR_LEN], struct sec_oprf_blind *b,
    uint8_t blinded[SEC_OPRF_ELEMENT_LEN])
{
	uint8_t p[SEC_OPRF_ELEMENT_LEN], q[SEC_OPRF_ELEMENT_LEN];
	wn_err rc = WN_ECRYPTO;

	if (len > SEC_OPRF_INPUT_MAX)
		return WN_EINVAL;
	/* p is the identifier's hash, which anyone can compute from a
	 * guess: it is wiped like the blind */
	if (!scalar_ok(r) || !hash_to_group(p, input, len) ||
	    crypto_scalarmult_ristretto255(q, r, p) != 0)
		goto out;
	memcpy(b->r, r, SEC_OPRF_SCALAR_LEN);
	memcpy(blinded, q, SEC_OPRF_ELEMENT_LEN);
	rc = WN_OK;
out:
	sodium_memzero(p, sizeof(p));
	return rc;
}

wn_err
sec_oprf_blind(const void *input, size_t len, struct sec_oprf_blind *b,
    uint8_t blinded[SEC_OPRF_ELEMENT_LEN])
{
	uint8_t r[SEC_OPRF_SCALAR_LEN];
	wn_err rc;

	crypto_core_ristretto255_scalar_random(r); /* never zero */
	rc = sec_oprf_blind_with(input, len, r, b, blinded);
	sodium_memzero(r, sizeof(r));
	return rc;
}

wn_err
sec_oprf_evaluate(struct sec_oprf_key *k,
    const uint8_t blinded[SEC_OPRF_ELEMENT_LEN],
    uint8_t evaluated[SEC_OPRF_ELEMENT_LEN])
{
	uint8_t q[SEC_OPRF_ELEMENT_LEN];
	int r;

	if (!element_ok(blinded))
		return WN_ECRYPTO;
	pthread_mutex_lock(&k->mtx);
	sodium_mprotect_readonly(k->sk);
	r = crypto_scalarmult_ristretto255(q, k->sk, blinded);
	sodium_mprotect_noaccess(k->sk);
	pthread_mutex_unlock(&k->mtx);
	if (r != 0)
		return WN_ECRYPTO;
	memcpy(evaluated, q, SEC_OPRF_ELEMENT_LEN);
	return WN_OK;
}

wn_err
sec_oprf_finalize(const void *input, size_t len, struct sec_oprf_blind *b,
    const uint8_t evaluated[SEC_OPRF_ELEMENT_LEN],
    uint8_t out[SEC_OPRF_OUTPUT_LEN])
{
	uint8_t inv[SEC_OPRF_SCALAR_LEN], n[SEC_OPRF_ELEMENT_LEN];
	uint8_t ilen[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	static const uint8_t nlen[2] = {0, SEC_OPRF_ELEMENT_LEN};
	crypto_hash_sha512_state st;
	wn_err rc = WN_ECRYPTO;

	if (len > SEC_OPRF_INPUT_MAX) {
		rc = WN_EINVAL;
		goto out;
	}
	if (!element_ok(evaluated) ||
	    crypto_core_ristretto255_scalar_invert(inv, b->r) != 0 ||
	    crypto_scalarmult_ristretto255(n, inv, evaluated) != 0)
		goto out;
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, ilen, 2);
	crypto_hash_sha512_update(&st, input, len);
	crypto_hash_sha512_update(&st, nlen, 2);
	crypto_hash_sha512_update(&st, n, sizeof(n));
	crypto_hash_sha512_update(&st, (const uint8_t *)"Finalize", 8);
	crypto_hash_sha512_final(&st, out);
	sodium_memzero(&st, sizeof(st));
	rc = WN_OK;
out:
	sodium_memzero(inv, sizeof(inv));
	sodium_memzero(n, sizeof(n));
	sodium_memzero(b->r, sizeof(b->r));
	return rc;
}
