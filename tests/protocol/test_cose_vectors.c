/*
 * test_cose_vectors.c - our COSE_Sign1 against the IETF COSE working
 * group's examples (tests/vectors/cose, or $WN_VECTORS): the EdDSA example
 * must come out of our encoder byte for byte (Ed25519 is deterministic),
 * its Sig_structure must match, our decoder and verifier must accept it,
 * and every ES256 example must be refused without a crash.
 *
 * Fields are pulled out of the JSON by plain string search: the files are
 * small and fixed, a JSON library would be more code than the search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "protocol/envelope.h"

#define JSON_MAX 8192
#define BIN_MAX 1024

static const char *
vec_dir(void)
{
	const char *d = getenv("WN_VECTORS");
	return d != NULL && d[0] != '\0' ? d : "tests/vectors/cose";
}

/* load reads vector file name into buf (NUL-terminated). */
static void
load(const char *name, char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", vec_dir(), name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run from the repo root or set "
		    "WN_VECTORS)", path);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	assert_true(n > 0 && n < cap - 1);
	buf[n] = '\0';
}

/* json_str copies the string value of the first "key": "..." into out. */
static void
json_str(const char *json, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(json, pat);
	if (p == NULL)
		fail_msg("no \"%s\" in vector", key);
	p += strlen(pat);
	while (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t')
		p++;
	assert_int_equal(*p, '"');
	p++;
	end = strchr(p, '"');
	assert_non_null(end);
	assert_true((size_t)(end - p) < cap);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* json_hex decodes the hex string value of key into out; returns its
 * length in bytes. */
static size_t
json_hex(const char *json, const char *key, uint8_t *out, size_t cap)
{
	char hex[2 * BIN_MAX + 1];
	size_t n;

	json_str(json, key, hex, sizeof(hex));
	n = strlen(hex);
	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* The signer: libsodium with the vector's secret key; it keeps a copy of
 * what it was asked to sign. */
struct signer {
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t msg[BIN_MAX];
	size_t msg_len;
};

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	struct signer *s = ctx;

	assert_true(len <= sizeof(s->msg));
	memcpy(s->msg, msg, len);
	s->msg_len = len;
	crypto_sign_detached(sig, NULL, msg, len, s->sk);
	return WN_OK;
}

static int
setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

/* The EdDSA example's inputs. */
struct eddsa {
	char json[JSON_MAX];
	uint8_t x[32], d[32];
	char plaintext[128];
	uint8_t tbs[BIN_MAX], cbor[BIN_MAX];
	size_t tbs_len, cbor_len;
};

static void
load_eddsa(struct eddsa *v)
{
	load("eddsa-sig-01.json", v->json, sizeof(v->json));
	assert_int_equal(json_hex(v->json, "x_hex", v->x, 32), 32);
	assert_int_equal(json_hex(v->json, "d_hex", v->d, 32), 32);
	json_str(v->json, "plaintext", v->plaintext, sizeof(v->plaintext));
	v->tbs_len = json_hex(v->json, "ToBeSign_hex", v->tbs, BIN_MAX);
	v->cbor_len = json_hex(v->json, "cbor", v->cbor, BIN_MAX);
}

static void
test_eddsa_encoder_known_answer(void **state)
{
	static struct eddsa v;
	static struct signer s;
	uint8_t pk[32], prot[16], unprot[16], out[BIN_MAX];
	struct proto_writer pw, uw, w;
	(void)state;

	load_eddsa(&v);
	crypto_sign_seed_keypair(pk, s.sk, v.d);
	assert_memory_equal(pk, v.x, 32);

	/* protected {1: -8, 3: 0}: alg EdDSA, content type 0 */
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 2);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, -8);
	proto_write_uint(&pw, 3);
	proto_write_uint(&pw, 0);
	assert_int_equal(proto_writer_status(&pw), WN_OK);
	assert_int_equal(pw.len, 5);
	assert_memory_equal(prot, "\xa2\x01\x27\x03\x00", 5);
	/* unprotected {4: h'3131'}: kid "11" */
	proto_writer_init(&uw, unprot, sizeof(unprot));
	proto_write_map(&uw, 1);
	proto_write_uint(&uw, 4);
	proto_write_bytes(&uw, "11", 2);
	assert_int_equal(proto_writer_status(&uw), WN_OK);

	proto_writer_init(&w, out, sizeof(out));
	assert_int_equal(proto_cose_sign1_encode(prot, pw.len, unprot, uw.len,
			     (const uint8_t *)v.plaintext, strlen(v.plaintext),
			     sign_cb, &s, &w),
	    WN_OK);
	assert_int_equal(s.msg_len, v.tbs_len);
	assert_memory_equal(s.msg, v.tbs, v.tbs_len);
	assert_int_equal(w.len, v.cbor_len);
	assert_memory_equal(out, v.cbor, v.cbor_len);
}

static void
test_eddsa_decode_verify(void **state)
{
	static struct eddsa v;
	struct proto_cose_sign1 m;
	struct proto_error err;
	struct proto_writer w;
	uint8_t tbs[BIN_MAX], other[32];
	(void)state;

	load_eddsa(&v);
	assert_int_equal(proto_cose_sign1_decode(v.cbor, v.cbor_len, &m, &err),
	    WN_OK);
	assert_true(m.alg == -8);
	assert_int_equal(m.prot_len, 5);
	assert_int_equal(m.unprot_len, 5);
	assert_int_equal(m.payload_len, strlen(v.plaintext));
	assert_memory_equal(m.payload, v.plaintext, m.payload_len);
	assert_true(proto_cose_sign1_verify(&m, v.x));

	proto_writer_init(&w, tbs, sizeof(tbs));
	assert_int_equal(proto_cose_tbs(&m, &w), WN_OK);
	assert_int_equal(w.len, v.tbs_len);
	assert_memory_equal(tbs, v.tbs, v.tbs_len);

	/* another key, or the same message claiming another alg: refused */
	memcpy(other, v.x, 32);
	other[0] ^= 1;
	assert_false(proto_cose_sign1_verify(&m, other));
	m.alg = -7;
	assert_false(proto_cose_sign1_verify(&m, v.x));
}

static void
test_eddsa_every_flip_refused(void **state)
{
	static struct eddsa v;
	struct proto_cose_sign1 m;
	struct proto_error err;
	(void)state;

	load_eddsa(&v);
	for (size_t i = 0; i < v.cbor_len; i++) {
		v.cbor[i] ^= 0x01;
		if (proto_cose_sign1_decode(v.cbor, v.cbor_len, &m, &err) ==
		    WN_OK) {
			/* only the unprotected header is not signed */
			bool in_unprot = v.cbor + i >= m.unprot &&
			    v.cbor + i < m.unprot + m.unprot_len;
			if (!in_unprot)
				assert_false(proto_cose_sign1_verify(&m, v.x));
		}
		v.cbor[i] ^= 0x01;
	}
}

static void
test_eddsa_truncated(void **state)
{
	static struct eddsa v;
	struct proto_cose_sign1 m;
	struct proto_error err;
	(void)state;

	load_eddsa(&v);
	for (size_t n = 0; n < v.cbor_len; n++)
		assert_int_equal(proto_cose_sign1_decode(v.cbor, n, &m, &err),
		    WN_EPROTO);
}

/* Each ES256 example: decoded or not, never verified. */
static void
test_es256_refused(void **state)
{
	static const struct {
		const char *name;
		bool decodes; /* tag 18 and well-formed */
		int64_t alg;
	} cases[] = {
		{"sign-fail-01.json", false, 0},   /* tag 998 */
		{"sign-fail-02.json", true, -7},   /* changed payload */
		{"sign-fail-03.json", true, -999}, /* alg -999 */
		{"sign-fail-04.json", true, 0},    /* alg "unknown" */
		{"sign-fail-06.json", true, -7},   /* protected label added */
		{"sign-fail-07.json", true, -7},   /* protected label removed */
		{"sign-pass-01.json", true, 0},    /* alg unprotected only */
		{"sign-pass-02.json", true, -7},   /* external aad */
		{"sign-pass-03.json", false, 0},   /* untagged */
	};
	static char json[JSON_MAX];
	static struct eddsa v;
	uint8_t cbor[BIN_MAX];
	struct proto_cose_sign1 m;
	struct proto_error err;
	size_t len;
	wn_err rv;
	(void)state;

	load_eddsa(&v);
	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		load(cases[i].name, json, sizeof(json));
		len = json_hex(json, "cbor", cbor, sizeof(cbor));
		memset(&err, 0, sizeof(err));
		rv = proto_cose_sign1_decode(cbor, len, &m, &err);
		if (!cases[i].decodes) {
			assert_int_equal(rv, WN_EPROTO);
			assert_true(strlen(err.msg) > 0);
			continue;
		}
		assert_int_equal(rv, WN_OK);
		assert_true(m.alg == cases[i].alg);
		assert_false(proto_cose_sign1_verify(&m, v.x));
		/* not even an envelope or a signed object */
		assert_int_equal(proto_envelope_decode(cbor, len,
				     &(struct proto_envelope){0}, &err),
		    WN_EPROTO);
		assert_int_equal(proto_signed_decode(cbor, len,
				     PROTO_MSG_CHARTER, &m, &err),
		    WN_EPROTO);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eddsa_encoder_known_answer),
		cmocka_unit_test(test_eddsa_decode_verify),
		cmocka_unit_test(test_eddsa_every_flip_refused),
		cmocka_unit_test(test_eddsa_truncated),
		cmocka_unit_test(test_es256_refused),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
