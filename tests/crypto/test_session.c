/*
 * test_session.c - the session key schedule (crypto/session.c) against
 * fixed keys: the values here are the test vectors printed in
 * protocol/PROTOCOL.md ("Sessions", test vectors). Each intermediate is
 * also computed here with libsodium's primitives alone, as an independent
 * implementation would, and the keys sec_session_derive makes are shown
 * to be these bytes by sealing with one and opening with the other.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <sodium.h>

#include "crypto/sec.h"

#define INITIATOR "alpha"
#define RESPONDER "beta"

/* the vectors (PROTOCOL.md) */
static const char *const V_PAIR =
    "f8d48c0771b2fab0580110626883f7671e7d0001a6823f3ad9e93d8ef177e8fc";
static const char *const V_EI =
    "883186b800b41d5cf0429695da9b3cc4f328ebcd184a6e482fa578c103f06c77";
static const char *const V_ER =
    "3a553d74792d727efa9b9a4cde3da1ad93f1a2d0c09cb639b1a3c0fda14cbe24";
static const char *const V_DH =
    "17b901c0640a45b7ac13a3171f76237d2093f6f39290dc72045c1792e01fa945";
static const char *const V_TH =
    "277b8df8546a44b7d130690618322a1bdd7c1880b28eaec5932ba023d4a1b956";
static const char *const V_I2R =
    "441dfde75b4bbbf87e3cfa5679f7d73f96345ebc3e6fab1cffa9546d98924ff8";
static const char *const V_R2I =
    "4673eafb24709d9f937d8b076ea384d764ec02ee7a9cd6766cc077c11bdfebd1";

struct fixture {
	uint8_t ska[32], skb[32], ski[32], skr[32], sid[16];
	uint8_t pka[32], pkb[32], ei[32], er[32];
};

static void
fixture(struct fixture *f)
{
	for (int i = 0; i < 32; i++) {
		f->ska[i] = (uint8_t)(0x01 + i);
		f->skb[i] = (uint8_t)(0x41 + i);
		f->ski[i] = (uint8_t)(0x81 + i);
		f->skr[i] = (uint8_t)(0xc1 + i);
	}
	for (int i = 0; i < 16; i++)
		f->sid[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(crypto_scalarmult_base(f->pka, f->ska), 0);
	assert_int_equal(crypto_scalarmult_base(f->pkb, f->skb), 0);
	assert_int_equal(crypto_scalarmult_base(f->ei, f->ski), 0);
	assert_int_equal(crypto_scalarmult_base(f->er, f->skr), 0);
}

static void
assert_hex(const uint8_t *bin, size_t len, const char *hex)
{
	char out[129];
	sec_hex(out, sizeof(out), bin, len);
	assert_string_equal(out, hex);
}

/* the schedule written out with libsodium alone */
static void
independent(const struct fixture *f, uint8_t pair[32], uint8_t dh[32],
    uint8_t th[32], uint8_t i2r[32], uint8_t r2i[32])
{
	crypto_generichash_state st;
	uint8_t li = 5, lr = 4;
	assert_int_equal(crypto_box_beforenm(pair, f->pkb, f->ska), 0);
	assert_int_equal(crypto_scalarmult(dh, f->ski, f->er), 0);
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"wijknet session v4",
	    18);
	crypto_generichash_update(&st, &li, 1);
	crypto_generichash_update(&st, (const uint8_t *)INITIATOR, 5);
	crypto_generichash_update(&st, &lr, 1);
	crypto_generichash_update(&st, (const uint8_t *)RESPONDER, 4);
	crypto_generichash_update(&st, f->ei, 32);
	crypto_generichash_update(&st, f->er, 32);
	crypto_generichash_update(&st, f->sid, 16);
	crypto_generichash_final(&st, th, 32);
	const char *labels[2] = {"i2r", "r2i"};
	uint8_t *outs[2] = {i2r, r2i};
	for (int j = 0; j < 2; j++) {
		crypto_generichash_init(&st, dh, 32, 32);
		crypto_generichash_update(&st, (const uint8_t *)labels[j], 3);
		crypto_generichash_update(&st, th, 32);
		crypto_generichash_update(&st, pair, 32);
		crypto_generichash_final(&st, outs[j], 32);
	}
}

static void
test_vectors(void **state)
{
	(void)state;
	struct fixture f;
	uint8_t pair[32], dh[32], th[32], i2r[32], r2i[32], dh2[32];
	fixture(&f);
	independent(&f, pair, dh, th, i2r, r2i);
	assert_hex(f.ei, 32, V_EI);
	assert_hex(f.er, 32, V_ER);
	assert_hex(pair, 32, V_PAIR);
	assert_hex(dh, 32, V_DH);
	assert_int_equal(crypto_scalarmult(dh2, f.skr, f.ei), 0);
	assert_memory_equal(dh, dh2, 32);
	assert_hex(th, 32, V_TH);
	assert_hex(i2r, 32, V_I2R);
	assert_hex(r2i, 32, V_R2I);
	/* crypto/'s transcript hash is the same */
	uint8_t th2[32];
	sec_session_th(th2, INITIATOR, RESPONDER, f.ei, f.er, f.sid);
	assert_memory_equal(th, th2, 32);
}

/* k seals, want (the vector's bytes) opens, and the other way round */
static void
assert_same_key(const struct sec_peer_key *k, const char *want_hex)
{
	uint8_t raw[32], sealed[5 + SEC_BOX_OVERHEAD], plain[5];
	struct sec_peer_key *want = NULL;
	assert_true(sec_unhex(raw, 32, want_hex));
	assert_int_equal(sec_peer_key_from_raw(raw, &want), WN_OK);
	sec_box_seal(k, "hello", 5, sealed);
	assert_int_equal(sec_box_open(want, sealed, sizeof(sealed), plain),
	    WN_OK);
	assert_memory_equal(plain, "hello", 5);
	sec_box_seal(want, "world", 5, sealed);
	assert_int_equal(sec_box_open(k, sealed, sizeof(sealed), plain), WN_OK);
	assert_memory_equal(plain, "world", 5);
	sec_peer_key_free(want);
}

static struct sec_peer_key *
pair_key(void)
{
	uint8_t raw[32];
	struct sec_peer_key *k = NULL;
	assert_true(sec_unhex(raw, 32, V_PAIR));
	assert_int_equal(sec_peer_key_from_raw(raw, &k), WN_OK);
	return k;
}

static void
test_derive_both_sides(void **state)
{
	(void)state;
	struct fixture f;
	struct sec_eph *ei = NULL, *er = NULL;
	struct sec_peer_key *pair = pair_key(), *a1 = NULL, *b1 = NULL,
			    *a2 = NULL, *b2 = NULL;
	uint8_t pk[32];
	fixture(&f);
	assert_int_equal(sec_eph_from_secret(f.ski, &ei, pk), WN_OK);
	assert_memory_equal(pk, f.ei, 32);
	assert_int_equal(sec_eph_from_secret(f.skr, &er, pk), WN_OK);
	assert_memory_equal(pk, f.er, 32);
	/* the initiator's side and the responder's */
	assert_int_equal(sec_session_derive(ei, f.er, pair, INITIATOR,
	    RESPONDER, f.ei, f.er, f.sid, &a1, &b1), WN_OK);
	assert_int_equal(sec_session_derive(er, f.ei, pair, INITIATOR,
	    RESPONDER, f.ei, f.er, f.sid, &a2, &b2), WN_OK);
	assert_same_key(a1, V_I2R);
	assert_same_key(a2, V_I2R);
	assert_same_key(b1, V_R2I);
	assert_same_key(b2, V_R2I);
	sec_peer_key_free(a1);
	sec_peer_key_free(b1);
	sec_peer_key_free(a2);
	sec_peer_key_free(b2);
	sec_eph_free(ei);
	sec_eph_free(er);
	sec_peer_key_free(pair);
}

/* each input changes both keys: the sid, either org id, either key, the
 * pair key */
static void
test_every_input_counts(void **state)
{
	(void)state;
	struct fixture f;
	struct sec_eph *ei = NULL;
	struct sec_peer_key *pair = pair_key(), *a = NULL, *b = NULL;
	uint8_t pk[32], raw[32], sealed[1 + SEC_BOX_OVERHEAD], plain[1];
	struct sec_peer_key *want = NULL;
	fixture(&f);
	assert_true(sec_unhex(raw, 32, V_I2R));
	assert_int_equal(sec_peer_key_from_raw(raw, &want), WN_OK);
	assert_int_equal(sec_eph_from_secret(f.ski, &ei, pk), WN_OK);
	for (int c = 0; c < 4; c++) {
		uint8_t sid[16];
		memcpy(sid, f.sid, 16);
		if (c == 0)
			sid[15] ^= 1;
		assert_int_equal(sec_session_derive(ei, f.er, pair,
		    c == 1 ? "alphb" : INITIATOR, c == 2 ? "beta2" : RESPONDER,
		    f.ei, f.er, sid, &a, &b), WN_OK);
		if (c == 3) {
			/* the vector's inputs: the control */
			sec_box_seal(a, "x", 1, sealed);
			assert_int_equal(sec_box_open(want, sealed,
			    sizeof(sealed), plain), WN_OK);
		} else {
			sec_box_seal(a, "x", 1, sealed);
			assert_int_equal(sec_box_open(want, sealed,
			    sizeof(sealed), plain), WN_ECRYPTO);
		}
		sec_peer_key_free(a);
		sec_peer_key_free(b);
		a = b = NULL;
	}
	/* another static pair key */
	struct sec_peer_key *other = NULL;
	raw[0] ^= 1;
	assert_int_equal(sec_peer_key_from_raw(raw, &other), WN_OK);
	assert_int_equal(sec_session_derive(ei, f.er, other, INITIATOR,
	    RESPONDER, f.ei, f.er, f.sid, &a, &b), WN_OK);
	sec_box_seal(a, "x", 1, sealed);
	assert_int_equal(sec_box_open(want, sealed, sizeof(sealed), plain),
	    WN_ECRYPTO);
	sec_peer_key_free(a);
	sec_peer_key_free(b);
	sec_peer_key_free(other);
	sec_peer_key_free(want);
	sec_eph_free(ei);
	sec_peer_key_free(pair);
}

/* a low-order point or the identity gives all zeros: refused, nothing
 * written; an own key the transcript does not name: refused */
static void
test_refusals(void **state)
{
	(void)state;
	/* points of small order on Curve25519 (libsodium's blacklist) */
	static const char *const bad[] = {
	    "0000000000000000000000000000000000000000000000000000000000000000",
	    "0100000000000000000000000000000000000000000000000000000000000000",
	    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	};
	struct fixture f;
	struct sec_eph *ei = NULL;
	struct sec_peer_key *pair = pair_key(), *a = NULL, *b = NULL;
	uint8_t pk[32], p[32];
	fixture(&f);
	assert_int_equal(sec_eph_from_secret(f.ski, &ei, pk), WN_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(sec_unhex(p, 32, bad[i]));
		assert_int_equal(sec_session_derive(ei, p, pair, INITIATOR,
		    RESPONDER, f.ei, p, f.sid, &a, &b), WN_ECRYPTO);
		assert_null(a);
		assert_null(b);
	}
	/* own key not among e_i, e_r */
	assert_int_equal(sec_session_derive(ei, f.er, pair, INITIATOR,
	    RESPONDER, f.er, f.er, f.sid, &a, &b), WN_EINVAL);
	assert_null(a);
	sec_eph_free(ei);
	sec_peer_key_free(pair);
}

/* fresh ephemeral keys differ each time */
static void
test_fresh(void **state)
{
	(void)state;
	struct sec_eph *a = NULL, *b = NULL;
	uint8_t pa[32], pb[32];
	assert_int_equal(sec_eph_new(&a, pa), WN_OK);
	assert_int_equal(sec_eph_new(&b, pb), WN_OK);
	assert_memory_not_equal(pa, pb, 32);
	sec_eph_free(a);
	sec_eph_free(b);
	sec_eph_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vectors),
	    cmocka_unit_test(test_derive_both_sides),
	    cmocka_unit_test(test_every_input_counts),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_fresh),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
