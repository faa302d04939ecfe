/*
 * test_delegation.c - the federation root on the wire (protocol/
 * delegation.h): a delegation and a revocation encode and decode back to
 * the same values and bytes; the decoders refuse, with an offset and a
 * reason, a key unknown, repeated, out of order or missing, a serial 0,
 * a negative time, until not after from, a bad federation id, a key of
 * the wrong size, trailing bytes, too much; the encoders refuse what the
 * decoders would. Signed by a root, they verify with that root only (a
 * wrong root: WN_ECRYPTO); a delegation attached to a signed charter
 * leaves the charter's signature valid and comes out again, and a signed
 * object of another kind may not carry one. What a member makes of a
 * delegation (proto_dlg_judge): valid, expired, not yet valid, revoked,
 * replaced, another federation's. And the test vector of PROTOCOL.md,
 * byte for byte (Ed25519 is deterministic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "protocol/delegation.h"

static uint8_t root_pk[32], root_sk[64], other_pk[32], other_sk[64];
static struct proto_delegation d_;
static struct proto_revocation r_;

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	crypto_sign_detached(sig, NULL, msg, len, ctx);
	return WN_OK;
}

static int
setup(void **state)
{
	uint8_t seed[32];
	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(root_pk, root_sk, seed);
	memset(seed, 0x02, sizeof(seed));
	crypto_sign_seed_keypair(other_pk, other_sk, seed);
	memset(&d_, 0, sizeof(d_));
	wn_strlcpy(d_.federation, "fed-0123456789abcdef", sizeof(d_.federation));
	d_.serial = 1;
	memset(d_.key, 0xab, sizeof(d_.key));
	d_.from_ms = INT64_C(1767225600000);  /* 2026-01-01 */
	d_.until_ms = INT64_C(1798761600000); /* 2027-01-01 */
	memset(&r_, 0, sizeof(r_));
	wn_strlcpy(r_.federation, d_.federation, sizeof(r_.federation));
	r_.serial = 1;
	r_.revoked_ms = INT64_C(1780000000000);
	return 0;
}

static void
hex_to(uint8_t *out, size_t *len, const char *hex)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	*len = n;
}

static void
test_delegation_round_trip(void **state)
{
	uint8_t a[512], b[512];
	struct proto_delegation d;
	struct proto_writer w;
	struct proto_error e = {0};
	(void)state;
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_delegation_encode(&d_, &w), WN_OK);
	size_t n = w.len;
	if (proto_delegation_decode(a, n, &d, &e) != WN_OK)
		fail_msg("%s at %zu", e.msg, e.offset);
	assert_memory_equal(&d, &d_, sizeof(d));
	proto_writer_init(&w, b, sizeof(b));
	assert_int_equal(proto_delegation_encode(&d, &w), WN_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, b, n);
}

static void
test_revocation_round_trip(void **state)
{
	uint8_t a[256];
	struct proto_revocation r;
	struct proto_writer w;
	(void)state;
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_revocation_encode(&r_, &w), WN_OK);
	assert_int_equal(proto_revocation_decode(a, w.len, &r, NULL), WN_OK);
	assert_memory_equal(&r, &r_, sizeof(r));
}

/* refused HEX WHAT: the delegation decoder refuses it, saying WHAT */
static void
refused(const char *hex, const char *what, bool revocation)
{
	uint8_t in[600];
	size_t n;
	struct proto_delegation d, zero;
	struct proto_revocation r, rzero;
	struct proto_error e = {0};
	memset(&d, 0, sizeof(d));
	memset(&zero, 0, sizeof(zero));
	memset(&r, 0, sizeof(r));
	memset(&rzero, 0, sizeof(rzero));
	hex_to(in, &n, hex);
	wn_err rc = revocation ? proto_revocation_decode(in, n, &r, &e) :
	    proto_delegation_decode(in, n, &d, &e);
	if (rc == WN_OK)
		fail_msg("accepted: %s", hex);
	if (strstr(e.msg, what) == NULL)
		fail_msg("'%s' does not say '%s' (%s)", e.msg, what, hex);
	assert_memory_equal(&d, &zero, sizeof(d));
	assert_memory_equal(&r, &rzero, sizeof(r));
}

#define FED "0163666564"   /* 1: "fed" */
#define KEY32 "035820" \
    "abababababababababababababababababababababababababababababababab"
static void
test_decoders_strict(void **state)
{
	(void)state;
	/* {1: "fed", 2: 1, 3: key, 4: 0, 5: 10}: the well-formed one */
	uint8_t in[64];
	size_t n;
	struct proto_delegation d;
	hex_to(in, &n, "a5" FED "0201" KEY32 "0400" "050a");
	assert_int_equal(proto_delegation_decode(in, n, &d, NULL), WN_OK);
	refused("a4" FED "0201" KEY32 "0400", "expected 5", false);
	refused("a6" FED "0201" KEY32 "0400050a0600", "expected 5", false);
	refused("a5" FED "0201" KEY32 "0400" "060a", "unknown key", false);
	refused("a5" "0201" FED KEY32 "0400" "050a", "order", false);
	refused("a5" FED "0201" KEY32 "0400" "0400", "order", false);
	refused("a5" FED "0200" KEY32 "0400" "050a", "serial", false);
	refused("a5" FED "0201" KEY32 "0420" "050a", "negative", false);
	refused("a5" FED "0201" KEY32 "040a" "050a", "until", false);
	refused("a5" "0163464544" "0201" KEY32 "0400" "050a", "federation",
	    false);
	refused("a5" FED "0201" "035801ab" "0400" "050a", "", false);
	refused("a5" FED "0201" KEY32 "0400" "050a" "00", "trailing", false);
	refused("a5" FED "0241" KEY32 "0400" "050a", "", false);
	/* revocations */
	refused("a2" FED "0201", "expected 3", true);
	refused("a3" FED "0201" "0420", "unknown key", true);
	refused("a3" FED "0200" "0300", "serial", true);
	refused("a3" FED "0201" "0320", "negative", true);
	refused("a3" FED "0201" "0300" "f6", "trailing", true);
}

static void
test_encoders_refuse(void **state)
{
	uint8_t a[512];
	struct proto_writer w;
	struct proto_delegation d = d_;
	struct proto_revocation r = r_;
	(void)state;
	proto_writer_init(&w, a, sizeof(a));
	d.serial = 0;
	assert_int_equal(proto_delegation_encode(&d, &w), WN_EINVAL);
	d = d_;
	d.until_ms = d.from_ms;
	assert_int_equal(proto_delegation_encode(&d, &w), WN_EINVAL);
	d = d_;
	d.federation[0] = 'F';
	assert_int_equal(proto_delegation_encode(&d, &w), WN_EINVAL);
	d = d_;
	d.from_ms = -1;
	assert_int_equal(proto_delegation_encode(&d, &w), WN_EINVAL);
	r.serial = 0;
	assert_int_equal(proto_revocation_encode(&r, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	assert_int_equal(proto_delegation_sign(&d_, NULL, NULL, &w),
	    WN_EINVAL);
}

static void
test_signed_root_only(void **state)
{
	uint8_t a[PROTO_SIGNED_DELEGATION_MAX], b[PROTO_SIGNED_REVOCATION_MAX];
	struct proto_writer w, v;
	struct proto_delegation d;
	struct proto_revocation r;
	(void)state;
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_delegation_sign(&d_, sign_cb, root_sk, &w),
	    WN_OK);
	assert_int_equal(proto_delegation_verify_signed(a, w.len, root_pk, &d,
	    NULL), WN_OK);
	assert_memory_equal(&d, &d_, sizeof(d));
	/* a wrong root */
	assert_int_equal(proto_delegation_verify_signed(a, w.len, other_pk, &d,
	    NULL), WN_ECRYPTO);
	/* one bit of it changed */
	a[w.len - 70] ^= 1;
	assert_int_not_equal(proto_delegation_verify_signed(a, w.len, root_pk,
	    &d, NULL), WN_OK);
	a[w.len - 70] ^= 1;
	/* a revocation is not a delegation, nor the other way round */
	proto_writer_init(&v, b, sizeof(b));
	assert_int_equal(proto_revocation_sign(&r_, sign_cb, root_sk, &v),
	    WN_OK);
	assert_int_equal(proto_revocation_verify_signed(b, v.len, root_pk, &r,
	    NULL), WN_OK);
	assert_memory_equal(&r, &r_, sizeof(r));
	assert_int_equal(proto_revocation_verify_signed(b, v.len, other_pk, &r,
	    NULL), WN_ECRYPTO);
	assert_int_equal(proto_delegation_verify_signed(b, v.len, root_pk, &d,
	    NULL), WN_EPROTO);
	assert_int_equal(proto_revocation_verify_signed(a, w.len, root_pk, &r,
	    NULL), WN_EPROTO);
}

static void
test_attach(void **state)
{
	static struct proto_charter ch;
	static uint8_t doc[4096], with[4096], again[4096];
	uint8_t dlg[PROTO_SIGNED_DELEGATION_MAX];
	struct proto_writer w, dw, aw;
	const uint8_t *got;
	size_t got_len;
	(void)state;
	memset(&ch, 0, sizeof(ch));
	ch.version = 1;
	wn_strlcpy(ch.federation, "dir", sizeof(ch.federation));
	ch.issued_ms = d_.from_ms + 1;
	ch.nmembers = 1;
	wn_strlcpy(ch.members[0].org, "dir", sizeof(ch.members[0].org));
	wn_strlcpy(ch.members[0].name, "Dir", sizeof(ch.members[0].name));
	wn_strlcpy(ch.members[0].role, "municipality",
	    sizeof(ch.members[0].role));
	wn_strlcpy(ch.members[0].endpoint, "tcp://127.0.0.1:1",
	    sizeof(ch.members[0].endpoint));
	memcpy(ch.members[0].sign_pk, other_pk, 32);
	memset(ch.members[0].kx_pk, 9, 32);
	/* the charter signed by the delegated key (other), the delegation
	 * by the root */
	proto_writer_init(&w, doc, sizeof(doc));
	assert_int_equal(proto_charter_sign(&ch, sign_cb, other_sk, &w), WN_OK);
	struct proto_delegation d = d_;
	memcpy(d.key, other_pk, 32);
	proto_writer_init(&dw, dlg, sizeof(dlg));
	assert_int_equal(proto_delegation_sign(&d, sign_cb, root_sk, &dw),
	    WN_OK);
	/* none carried yet */
	assert_int_equal(proto_dlg_extract(doc, w.len, PROTO_MSG_CHARTER, &got,
	    &got_len, NULL), WN_OK);
	assert_null(got);
	proto_writer_init(&aw, with, sizeof(with));
	assert_int_equal(proto_dlg_attach(doc, w.len, dlg, dw.len, &aw), WN_OK);
	/* {} becomes {"dlg": h'...'}: a map head, 4 bytes of label, 2 of
	 * byte string head, the delegation */
	assert_int_equal(aw.len, w.len - 1 + 1 + 4 + 2 + dw.len);
	/* the signature still holds; the delegation comes out again */
	static struct proto_charter back;
	assert_int_equal(proto_charter_verify_signed(with, aw.len, other_pk,
	    &back, NULL), WN_OK);
	assert_int_equal(proto_dlg_extract(with, aw.len, PROTO_MSG_CHARTER,
	    &got, &got_len, NULL), WN_OK);
	assert_int_equal(got_len, dw.len);
	assert_memory_equal(got, dlg, dw.len);
	struct proto_delegation out;
	assert_int_equal(proto_delegation_verify_signed(got, got_len, root_pk,
	    &out, NULL), WN_OK);
	assert_memory_equal(out.key, other_pk, 32);
	/* once is enough: attaching to a document that carries one fails */
	struct proto_writer xw;
	proto_writer_init(&xw, again, sizeof(again));
	assert_int_equal(proto_dlg_attach(with, aw.len, dlg, dw.len, &xw),
	    WN_EINVAL);
	assert_int_equal(proto_dlg_attach(doc, w.len, dlg, 0, &xw), WN_EINVAL);
	/* a chain head (another signed object) may not carry one */
	struct proto_head h = {.seq = 1, .time_ms = 5};
	wn_strlcpy(h.org, "dir", sizeof(h.org));
	uint8_t hb[PROTO_SIGNED_HEAD_MAX], hx[PROTO_SIGNED_HEAD_MAX + 300];
	struct proto_writer hw, hxw;
	proto_writer_init(&hw, hb, sizeof(hb));
	assert_int_equal(proto_head_sign(&h, sign_cb, other_sk, &hw), WN_OK);
	proto_writer_init(&hxw, hx, sizeof(hx));
	assert_int_equal(proto_dlg_attach(hb, hw.len, dlg, dw.len, &hxw),
	    WN_OK);
	struct proto_cose_sign1 m;
	struct proto_error e = {0};
	assert_int_equal(proto_signed_decode(hx, hxw.len, PROTO_MSG_CHAIN_HEAD,
	    &m, &e), WN_EPROTO);
	assert_non_null(strstr(e.msg, "must be empty"));
	/* an unprotected header with another label is refused on a charter */
	assert_int_equal(proto_dlg_unprot_parse((const uint8_t *)"\xa1\x63"
	    "dlh\x41\x00", 7, &got, &got_len), WN_EPROTO);
	assert_int_equal(proto_dlg_unprot_parse((const uint8_t *)"\xa1\x63"
	    "dlg\x40", 6, &got, &got_len), WN_EPROTO);
	assert_int_equal(proto_dlg_unprot_parse((const uint8_t *)"\xa0", 1,
	    &got, &got_len), WN_OK);
	assert_null(got);
}

static void
test_doc_hash(void **state)
{
	struct proto_doc_hash h = {.type = PROTO_MSG_MATRIX, .version = 7}, d;
	uint8_t a[64];
	struct proto_writer w;
	(void)state;
	memset(h.hash, 0x5a, sizeof(h.hash));
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_doc_hash_encode(&h, &w), WN_OK);
	assert_int_equal(proto_doc_hash_decode(a, w.len, &d, NULL), WN_OK);
	assert_memory_equal(&d, &h, sizeof(d));
	/* only a charter or a matrix; version >= 1 */
	h.type = PROTO_MSG_CHAIN_HEAD;
	assert_int_equal(proto_doc_hash_encode(&h, &w), WN_EINVAL);
	h.type = PROTO_MSG_CHARTER;
	h.version = 0;
	assert_int_equal(proto_doc_hash_encode(&h, &w), WN_EINVAL);
	uint8_t in[64];
	size_t n;
	struct proto_error e = {0};
	hex_to(in, &n, "a3010502070358205a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	    "5a5a5a5a5a5a5a5a5a5a5a5a");
	assert_int_equal(proto_doc_hash_decode(in, n, &d, &e), WN_EPROTO);
	assert_non_null(strstr(e.msg, "expected 4 (charter) or 8"));
	hex_to(in, &n, "a3010802000358205a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	    "5a5a5a5a5a5a5a5a5a5a5a5a");
	assert_int_equal(proto_doc_hash_decode(in, n, &d, NULL), WN_EPROTO);
	hex_to(in, &n, "a301080207035f5a5a");
	assert_int_equal(proto_doc_hash_decode(in, n, &d, NULL), WN_EPROTO);
	hex_to(in, &n, "a20108020703");
	assert_int_equal(proto_doc_hash_decode(in, n, &d, NULL), WN_EPROTO);
}

static void
test_judge(void **state)
{
	const char *f = d_.federation;
	struct proto_delegation d = d_;
	(void)state;
	d.serial = 3;
	/* valid: inside [from, until), the newest, not revoked */
	assert_int_equal(proto_dlg_judge(&d, f, 0, false, d.from_ms),
	    PROTO_DLG_OK);
	assert_int_equal(proto_dlg_judge(&d, f, 3, false, d.until_ms - 1),
	    PROTO_DLG_OK);
	/* a newer one than any taken is fine too */
	assert_int_equal(proto_dlg_judge(&d, f, 2, false, d.from_ms + 1),
	    PROTO_DLG_OK);
	/* expired; not yet valid */
	assert_int_equal(proto_dlg_judge(&d, f, 3, false, d.until_ms),
	    PROTO_DLG_EXPIRED);
	assert_int_equal(proto_dlg_judge(&d, f, 3, false, d.from_ms - 1),
	    PROTO_DLG_NOT_YET);
	/* replaced by serial 4 */
	assert_int_equal(proto_dlg_judge(&d, f, 4, false, d.from_ms + 1),
	    PROTO_DLG_REPLACED);
	/* revoked, even while newest and valid */
	assert_int_equal(proto_dlg_judge(&d, f, 3, true, d.from_ms + 1),
	    PROTO_DLG_REVOKED);
	/* another federation's */
	assert_int_equal(proto_dlg_judge(&d, "fed-other", 0, false,
	    d.from_ms + 1), PROTO_DLG_OTHER_FEDERATION);
}

/* The vector in protocol/PROTOCOL.md ("The federation root"): root key
 * from the seed 32 x 0x01, delegation {1: "fed-0123456789abcdef", 2: 1,
 * 3: 32 x 0xab, 4: 1767225600000, 5: 1798761600000}. */
#define VECTOR_ROOT \
    "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c"
#define VECTOR_SIGNED \
    "d28447a2012761741821a05850a501746665642d30313233343536373839616263" \
    "646566020103582" \
    "0abababababababababababababababababababababababababababababababab" \
    "041b0000019b76daa800051b000001a2ce8bd40058407a592a0a1ac9aa7c5bcb89" \
    "7baf829b86b5f077f16077e5480400a4cbb14d06c7a81a5d12017f066ed04edb40" \
    "6fb7da3cd8f8c3a9c860561d1f4fe3206fd2ac00"
static void
test_vector(void **state)
{
	uint8_t a[PROTO_SIGNED_DELEGATION_MAX], want[PROTO_SIGNED_DELEGATION_MAX];
	char hex[2 * PROTO_SIGNED_DELEGATION_MAX + 1];
	struct proto_writer w;
	size_t n;
	(void)state;
	sodium_bin2hex(hex, sizeof(hex), root_pk, 32);
	if (getenv("WN_PRINT_VECTOR") != NULL)
		printf("%s\n", hex);
	assert_string_equal(hex, VECTOR_ROOT);
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_delegation_sign(&d_, sign_cb, root_sk, &w),
	    WN_OK);
	sodium_bin2hex(hex, sizeof(hex), a, w.len);
	if (getenv("WN_PRINT_VECTOR") != NULL)
		printf("%s\n", hex);
	hex_to(want, &n, VECTOR_SIGNED);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, want, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_delegation_round_trip),
	    cmocka_unit_test(test_revocation_round_trip),
	    cmocka_unit_test(test_decoders_strict),
	    cmocka_unit_test(test_encoders_refuse),
	    cmocka_unit_test(test_signed_root_only),
	    cmocka_unit_test(test_attach),
	    cmocka_unit_test(test_doc_hash),
	    cmocka_unit_test(test_judge),
	    cmocka_unit_test(test_vector),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
