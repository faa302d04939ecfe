/*
 * test_refusal_kind.c - what a sender does with each refusal code
 * (peer_refusal_kind, node/exchange/receive.c; PROTOCOL.md, "What a sender
 * does with a refusal"): exactly the listed final codes delete a message;
 * the transient, integrity, transport and cannot-decrypt codes keep it;
 * every other code (one a newer receiver may send) keeps it too. And a
 * refusal from applying never goes out under a code that is not final
 * (peer_final_code).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "node/exchange/peer_int.h"

static void
test_only_the_listed_codes_are_final(void **state)
{
	static const uint32_t final[] = {2, 4, 5, 8, 9, 10, 11, 12, 14, 16, 18};
	(void)state;
	for (uint32_t c = 0; c <= 255; c++) {
		bool listed = false;
		for (size_t i = 0; i < sizeof(final) / sizeof(final[0]); i++)
			listed |= final[i] == c;
		assert_int_equal(peer_refusal_kind(c) == PEER_FINAL, listed);
	}
}

static void
test_transient_integrity_and_nokey_codes_keep(void **state)
{
	static const uint32_t keep[] = {1, 3, 6, 7, 13, 15, 17, 19};
	(void)state;
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		assert_int_equal(peer_refusal_kind(keep[i]), PEER_KEEP);
	assert_int_equal(peer_refusal_kind(WN_ENOKEY), PEER_KEEP);
}

static void
test_an_unknown_code_keeps_the_message(void **state)
{
	(void)state;
	/* 0 is never a refusal; 20 and up are codes of later versions */
	assert_int_equal(peer_refusal_kind(0), PEER_UNKNOWN);
	assert_int_equal(peer_refusal_kind(20), PEER_UNKNOWN);
	assert_int_equal(peer_refusal_kind(99), PEER_UNKNOWN);
	assert_int_equal(peer_refusal_kind(255), PEER_UNKNOWN);
	assert_int_equal(peer_refusal_kind(UINT32_MAX), PEER_UNKNOWN);
}

static void
test_a_refusal_from_applying_goes_out_final(void **state)
{
	(void)state;
	assert_int_equal(peer_final_code(WN_EPROTO), WN_EPROTO);
	assert_int_equal(peer_final_code(WN_EDENIED), WN_EDENIED);
	assert_int_equal(peer_final_code(WN_EINVAL), WN_EINVAL);
	assert_int_equal(peer_final_code(WN_ELIMIT), WN_ELIMIT);
	/* codes a sender keeps the message for become WN_EDENIED */
	assert_int_equal(peer_final_code(WN_ECRYPTO), WN_EDENIED);
	assert_int_equal(peer_final_code(WN_ETRANSPORT), WN_EDENIED);
	assert_int_equal(peer_final_code(WN_ETIMEDOUT), WN_EDENIED);
	assert_int_equal(peer_final_code(WN_ENOKEY), WN_EDENIED);
	assert_int_equal(peer_final_code(WN_ESESSION), WN_EDENIED);
	assert_int_equal(peer_final_code((wn_err)40), WN_EDENIED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_only_the_listed_codes_are_final),
	    cmocka_unit_test(test_transient_integrity_and_nokey_codes_keep),
	    cmocka_unit_test(test_an_unknown_code_keeps_the_message),
	    cmocka_unit_test(test_a_refusal_from_applying_goes_out_final),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
