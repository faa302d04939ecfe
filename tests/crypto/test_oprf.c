/*
 * test_oprf.c - RFC 9497's OPRF (mode 0, ristretto255-SHA512) byte for byte:
 * every vector of the RFC's Appendix A.1.1 (tests/vectors/oprf/, or
 * $WN_VECTORS; the file says where it comes from), from the key derivation
 * to the output; a blinded element that differs on every blind of one
 * input; and elements from outside that are not canonical encodings, or
 * are the identity, refused with an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "crypto/sec.h"

#define VMAX 4
#define HEXMAX 300

struct vec {
	uint8_t input[64];
	size_t input_len;
	uint8_t blind[32], blinded[32], evaluated[32], output[64];
};

struct vectors {
	uint8_t seed[32], sk[32], info[64];
	size_t info_len;
	struct vec v[VMAX];
	size_t n;
};

/* unhex_var parses hex of any even length up to cap bytes. */
static size_t
unhex_var(uint8_t *out, size_t cap, const char *hex)
{
	size_t n = strlen(hex) / 2;
	assert_true(strlen(hex) % 2 == 0 && n <= cap);
	if (n > 0)
		assert_true(sec_unhex(out, n, hex));
	return n;
}

static void
load(struct vectors *vs)
{
	const char *d = getenv("WN_VECTORS");
	char path[512], line[HEXMAX], key[32], hex[HEXMAX];
	struct vec *v = NULL;
	snprintf(path, sizeof(path), "%s/ristretto255-sha512.txt",
	    d != NULL && d[0] ? d : "tests/vectors/oprf");
	FILE *f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s (run from the repo root)", path);
	memset(vs, 0, sizeof(*vs));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "vector ", 7) == 0) {
			assert_true(vs->n < VMAX);
			v = &vs->v[vs->n++];
			continue;
		}
		if (sscanf(line, "%31s = %299s", key, hex) != 2)
			continue;
		if (strcmp(key, "Seed") == 0)
			unhex_var(vs->seed, 32, hex);
		else if (strcmp(key, "KeyInfo") == 0)
			vs->info_len = unhex_var(vs->info, sizeof(vs->info), hex);
		else if (strcmp(key, "skSm") == 0)
			unhex_var(vs->sk, 32, hex);
		else if (v == NULL)
			fail_msg("%s before the first vector", key);
		else if (strcmp(key, "Input") == 0)
			v->input_len = unhex_var(v->input, sizeof(v->input), hex);
		else if (strcmp(key, "Blind") == 0)
			unhex_var(v->blind, 32, hex);
		else if (strcmp(key, "BlindedElement") == 0)
			unhex_var(v->blinded, 32, hex);
		else if (strcmp(key, "EvaluationElement") == 0)
			unhex_var(v->evaluated, 32, hex);
		else if (strcmp(key, "Output") == 0)
			unhex_var(v->output, 64, hex);
		else
			fail_msg("unknown field %s", key);
	}
	fclose(f);
	assert_int_equal(vs->n, 2); /* the appendix has two OPRF-mode vectors */
}

static void
test_oprf_rfc9497_vectors(void **state)
{
	(void)state;
	struct vectors vs;
	struct sec_oprf_key *k = NULL;
	uint8_t sk[32], blinded[32], evaluated[32], out[64];
	load(&vs);

	assert_int_equal(sec_oprf_key_derive(vs.seed, vs.info, vs.info_len, &k),
	    WN_OK);
	sec_oprf_key_export(k, sk);
	assert_memory_equal(sk, vs.sk, 32);
	for (size_t i = 0; i < vs.n; i++) {
		struct vec *v = &vs.v[i];
		struct sec_oprf_blind b;
		assert_int_equal(sec_oprf_blind_with(v->input, v->input_len,
				     v->blind, &b, blinded),
		    WN_OK);
		assert_memory_equal(blinded, v->blinded, 32);
		assert_int_equal(sec_oprf_evaluate(k, blinded, evaluated),
		    WN_OK);
		assert_memory_equal(evaluated, v->evaluated, 32);
		assert_int_equal(sec_oprf_finalize(v->input, v->input_len, &b,
				     evaluated, out),
		    WN_OK);
		assert_memory_equal(out, v->output, 64);
		/* the blind is wiped once used */
		static const uint8_t zero[32];
		assert_memory_equal(b.r, zero, 32);
	}
	sec_oprf_key_free(k);

	/* the imported scalar is the same key */
	assert_int_equal(sec_oprf_key_import(vs.sk, &k), WN_OK);
	assert_int_equal(sec_oprf_evaluate(k, vs.v[0].blinded, evaluated),
	    WN_OK);
	assert_memory_equal(evaluated, vs.v[0].evaluated, 32);
	sec_oprf_key_free(k);
}

/* A key is named by the first 6 bytes of BLAKE2b-256 of k*G: computed
 * here another way (k evaluated on the generator's encoding, hashed with
 * sec_hash); the same scalar imported has the same id, another key
 * another, and every id is below 2^48 and not 0. */
static void
test_oprf_key_id(void **state)
{
	(void)state;
	static const char base_hex[] = "e2f2ae0a6abc4e71a884a961c500515f"
				       "58e30b6aa582dd8db6a65945e08d2d76";
	struct sec_oprf_key *k = NULL, *k2 = NULL;
	uint8_t g[32], kg[32], h[SEC_HASH_LEN], sk[32], seed[32];
	uint64_t id = 0, id2 = 0, want = 0;
	struct vectors vs;
	load(&vs);
	assert_true(sec_unhex(g, sizeof(g), base_hex));
	assert_int_equal(sec_oprf_key_import(vs.sk, &k), WN_OK);
	assert_int_equal(sec_oprf_key_id(k, &id), WN_OK);
	assert_int_equal(sec_oprf_evaluate(k, g, kg), WN_OK);
	struct sec_part part = {kg, sizeof(kg)};
	sec_hash(h, &part, 1);
	for (size_t i = 0; i < 6; i++)
		want = want << 8 | h[i];
	assert_true(want != 0);
	assert_true(id == want);
	assert_true(id >= 1 && id < (UINT64_C(1) << 48));
	/* the same scalar again: the same id */
	sec_oprf_key_export(k, sk);
	assert_int_equal(sec_oprf_key_import(sk, &k2), WN_OK);
	assert_int_equal(sec_oprf_key_id(k2, &id2), WN_OK);
	assert_true(id2 == id);
	sec_oprf_key_free(k2);
	/* a key made afresh: another id */
	memset(seed, 0x5a, sizeof(seed));
	assert_int_equal(sec_oprf_key_derive(seed, "x", 1, &k2), WN_OK);
	assert_int_equal(sec_oprf_key_id(k2, &id2), WN_OK);
	assert_true(id2 != id && id2 >= 1 && id2 < (UINT64_C(1) << 48));
	sec_wipe(sk, sizeof(sk));
	sec_oprf_key_free(k2);
	sec_oprf_key_free(k);
}

static void
test_oprf_blinds_differ(void **state)
{
	(void)state;
	struct sec_oprf_key *k = NULL;
	struct sec_oprf_blind b1, b2;
	uint8_t seed[32], e1[32], e2[32], v1[32], v2[32], o1[64], o2[64];
	const char *in = "bsn:111222333";
	sec_random(seed, sizeof(seed));
	assert_int_equal(sec_oprf_key_derive(seed, "k", 1, &k), WN_OK);

	assert_int_equal(sec_oprf_blind(in, strlen(in), &b1, e1), WN_OK);
	assert_int_equal(sec_oprf_blind(in, strlen(in), &b2, e2), WN_OK);
	assert_memory_not_equal(e1, e2, 32);
	assert_memory_not_equal(b1.r, b2.r, 32);
	assert_int_equal(sec_oprf_evaluate(k, e1, v1), WN_OK);
	assert_int_equal(sec_oprf_evaluate(k, e2, v2), WN_OK);
	assert_memory_not_equal(v1, v2, 32);
	/* yet both give the one output of the input */
	assert_int_equal(sec_oprf_finalize(in, strlen(in), &b1, v1, o1), WN_OK);
	assert_int_equal(sec_oprf_finalize(in, strlen(in), &b2, v2, o2), WN_OK);
	assert_memory_equal(o1, o2, 64);
	sec_oprf_key_free(k);
}

static void
test_oprf_refuses_bad_elements(void **state)
{
	(void)state;
	struct sec_oprf_key *k = NULL;
	struct sec_oprf_blind b;
	uint8_t seed[32] = {7}, good[32], bad[32], out[32], fin[64];
	uint8_t big[SEC_OPRF_INPUT_MAX + 1] = {0};
	/* the group order L, little-endian: not a canonical scalar */
	static const uint8_t order[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63,
	    0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
	static const uint8_t zero[32];
	/* p = 2^255 - 19 as a field element: a non-canonical encoding */
	uint8_t p[32];
	memset(p, 0xff, 32);
	p[0] = 0xed;
	p[31] = 0x7f;

	assert_int_equal(sec_oprf_key_derive(seed, NULL, 0, &k), WN_OK);
	assert_int_equal(sec_oprf_blind("x", 1, &b, good), WN_OK);
	memset(out, 0xaa, sizeof(out));

	/* the identity */
	assert_int_equal(sec_oprf_evaluate(k, zero, out), WN_ECRYPTO);
	/* a valid element with the top bit set: not canonical */
	memcpy(bad, good, 32);
	bad[31] |= 0x80;
	assert_int_equal(sec_oprf_evaluate(k, bad, out), WN_ECRYPTO);
	/* a "negative" field element (odd): never a ristretto encoding */
	memcpy(bad, zero, 32);
	bad[0] = 1;
	assert_int_equal(sec_oprf_evaluate(k, bad, out), WN_ECRYPTO);
	assert_int_equal(sec_oprf_evaluate(k, p, out), WN_ECRYPTO);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(out[i], 0xaa); /* nothing written */

	/* the client refuses them too, and wipes its blind all the same */
	assert_int_equal(sec_oprf_finalize("x", 1, &b, zero, fin), WN_ECRYPTO);
	assert_memory_equal(b.r, zero, 32);
	assert_int_equal(sec_oprf_blind("x", 1, &b, good), WN_OK);
	assert_int_equal(sec_oprf_finalize("x", 1, &b, p, fin), WN_ECRYPTO);

	/* scalars: zero and the group order are refused */
	assert_int_equal(sec_oprf_blind_with("x", 1, zero, &b, good),
	    WN_ECRYPTO);
	assert_int_equal(sec_oprf_blind_with("x", 1, order, &b, good),
	    WN_ECRYPTO);
	struct sec_oprf_key *k2 = NULL;
	assert_int_equal(sec_oprf_key_import(zero, &k2), WN_ECRYPTO);
	assert_int_equal(sec_oprf_key_import(order, &k2), WN_ECRYPTO);
	assert_null(k2);

	/* inputs over RFC 9497's 2^13 bytes */
	assert_int_equal(sec_oprf_blind(big, sizeof(big), &b, good), WN_EINVAL);
	assert_int_equal(sec_oprf_blind(big, sizeof(big) - 1, &b, good), WN_OK);
	sec_oprf_blind_release(&b);
	assert_memory_equal(b.r, zero, 32);
	sec_oprf_key_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oprf_rfc9497_vectors),
		cmocka_unit_test(test_oprf_key_id),
		cmocka_unit_test(test_oprf_blinds_differ),
		cmocka_unit_test(test_oprf_refuses_bad_elements),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
