/*
 * test_pad.c - the size buckets that hide body lengths: our padding is
 * byte for byte what libsodium's sodium_pad writes (ISO/IEC 7816-4), and
 * unpadding refuses anything that is not exactly a bucket we would write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "crypto/sec.h"

#define CAP (1u << 14)

static void
test_pad_matches_libsodium(void **state)
{
	(void)state;
	static uint8_t a[CAP], b[CAP];
	for (size_t len = 0; len < 5000; len++) {
		size_t pa, pb, back;
		randombytes_buf(a, len);
		memset(a + len, 0xa5, CAP - len); /* garbage the pad must cover */
		memcpy(b, a, CAP);
		assert_int_equal(sec_pad(a, len, CAP, &pa), WN_OK);
		assert_int_equal(pa, sec_pad_bucket(len));
		assert_int_equal(sodium_pad(&pb, b, len, sec_pad_bucket(len), CAP),
		    0);
		assert_int_equal(pa, pb);
		assert_memory_equal(a, b, pa);
		assert_int_equal(sec_unpad(a, pa, &back), WN_OK);
		assert_int_equal(back, len);
	}
}

static void
test_buckets(void **state)
{
	(void)state;
	assert_int_equal(sec_pad_bucket(0), 256);
	assert_int_equal(sec_pad_bucket(255), 256);
	assert_int_equal(sec_pad_bucket(256), 512); /* the 0x80 needs a byte */
	assert_int_equal(sec_pad_bucket(1024), 2048);
	assert_int_equal(sec_pad_bucket(1023), 1024);
}

static void
test_pad_refuses_small_buffer(void **state)
{
	(void)state;
	uint8_t buf[600] = {0};
	size_t p;
	assert_int_equal(sec_pad(buf, 300, 511, &p), WN_ETOOBIG);
	assert_int_equal(sec_pad(buf, 300, 512, &p), WN_OK);
	assert_int_equal(p, 512);
}

static void
test_unpad_refuses_what_we_never_write(void **state)
{
	(void)state;
	uint8_t buf[1024];
	size_t len;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sec_unpad(buf, 256, &len), WN_ECRYPTO); /* no marker */
	assert_int_equal(sec_unpad(buf, 0, &len), WN_ECRYPTO);
	buf[10] = 0x81; /* not the marker */
	assert_int_equal(sec_unpad(buf, 256, &len), WN_ECRYPTO);
	buf[10] = 0x80;
	assert_int_equal(sec_unpad(buf, 256, &len), WN_OK);
	assert_int_equal(len, 10);
	/* a valid marker in a size that is not a bucket */
	assert_int_equal(sec_unpad(buf, 300, &len), WN_ECRYPTO);
	/* ... or in a bigger bucket than its length calls for */
	assert_int_equal(sec_unpad(buf, 512, &len), WN_ECRYPTO);
	/* the marker as the very last byte of a full bucket */
	memset(buf, 7, 256);
	buf[255] = 0x80;
	assert_int_equal(sec_unpad(buf, 256, &len), WN_OK);
	assert_int_equal(len, 255);
	/* zeros after the marker, the marker at every position */
	for (size_t m = 0; m < 256; m++) {
		memset(buf, 1, 256);
		buf[m] = 0x80;
		memset(buf + m + 1, 0, 255 - m);
		assert_int_equal(sec_unpad(buf, 256, &len), WN_OK);
		assert_int_equal(len, m);
		if (m + 1 < 256) {
			buf[255] = 1; /* a non-zero byte after the marker */
			assert_int_equal(sec_unpad(buf, 256, &len), WN_ECRYPTO);
		}
	}
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pad_matches_libsodium),
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_pad_refuses_small_buffer),
	    cmocka_unit_test(test_unpad_refuses_what_we_never_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
