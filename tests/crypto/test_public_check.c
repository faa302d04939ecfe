/*
 * test_public_check.c - sec_public_check, the enrolment check of a
 * partner's public keys: every low-order X25519 key (all zeros among
 * them, and their non-canonical encodings) is refused, and so is an
 * Ed25519 key that is not a valid point of the main subgroup; real keys
 * pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "crypto/sec.h"

static void
unhex(uint8_t out[32], const char *hex)
{
	assert_true(sec_unhex(out, 32, hex));
}

static void
good_pub(struct sec_public *pub)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES], xsk[32];
	crypto_sign_keypair(pub->sign_pk, sk);
	crypto_box_keypair(pub->kx_pk, xsk);
}

static void
test_low_order_kx_refused(void **state)
{
	/* the X25519 points of order 1, 2, 4 and 8 (0, 1, the two of order
	 * 8, p-1) and their encodings as p, p+1 and with the top bit set */
	static const char *const low[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	    "0000000000000000000000000000000000000000000000000000000000000080",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	};
	struct sec_public pub;
	(void)state;
	for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		good_pub(&pub);
		unhex(pub.kx_pk, low[i]);
		const char *why = sec_public_check(&pub);
		if (why == NULL)
			fail_msg("low-order kx key %zu accepted", i);
		assert_non_null(strstr(why, "low-order X25519"));
	}
}

static void
test_bad_sign_key_refused(void **state)
{
	struct sec_public pub;
	(void)state;
	good_pub(&pub);
	memset(pub.sign_pk, 0, 32); /* y = 0: not a point of the subgroup */
	assert_non_null(sec_public_check(&pub));
	good_pub(&pub);
	/* the identity point (y = 1): small order */
	memset(pub.sign_pk, 0, 32);
	pub.sign_pk[0] = 1;
	const char *why = sec_public_check(&pub);
	assert_non_null(why);
	assert_non_null(strstr(why, "sign_key"));
}

static void
test_real_keys_pass(void **state)
{
	struct sec_public pub;
	(void)state;
	for (int i = 0; i < 100; i++) {
		good_pub(&pub);
		assert_null(sec_public_check(&pub));
	}
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_low_order_kx_refused),
	    cmocka_unit_test(test_bad_sign_key_refused),
	    cmocka_unit_test(test_real_keys_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
