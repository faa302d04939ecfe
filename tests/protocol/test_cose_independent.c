/*
 * test_cose_independent.c - checks what our encoder seals without our
 * decoders. A tiny CBOR walk written here (tag, array, map, bstr, tstr,
 * ints: nothing else) takes an envelope apart, rebuilds the Sig_structure
 * from the CDDL in protocol/PROTOCOL.md and verifies it with libsodium's
 * crypto_sign_verify_detached against the sender's public key; the
 * protected header's labels, values and order are checked by hand, and the
 * payload is opened with crypto_box_open_easy by a recipient whose X25519
 * key pair is made right here, then unpadded by hand (ISO/IEC 7816-4).
 * If our decoder and encoder shared a misreading of RFC 9052, the tests
 * against our own decoder would not notice; these would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sodium.h>

#include "protocol/envelope.h"

static char dir[64];
static struct sec_identity *ida;
static const struct sec_public *pa;
static uint8_t b_pk[crypto_box_PUBLICKEYBYTES], b_sk[crypto_box_SECRETKEYBYTES];
static struct sec_peer_key *kab;
static uint8_t env[65536];

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static int
setup(void **state)
{
	struct sec_secret *pass = NULL;
	char path[128], err[256];
	(void)state;

	if (sec_init() != WN_OK || sodium_init() < 0)
		return -1;
	wn_strlcpy(dir, "/tmp/test_cose_ind.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL || sec_secret_new(4, &pass) != WN_OK)
		return -1;
	memcpy(pass->data, "pass", 4);
	snprintf(path, sizeof(path), "%s/a.key", dir);
	if (sec_identity_create(path, pass, SEC_KDF_INTERACTIVE, &ida, err,
	        sizeof(err)) != WN_OK)
		return -1;
	sec_secret_free(pass);
	pa = sec_identity_public(ida);
	crypto_box_keypair(b_pk, b_sk);
	return sec_peer_key_new(ida, b_pk, &kab) == WN_OK ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	sec_peer_key_free(kab);
	sec_identity_free(ida);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- a minimal CBOR walk -------------------------------------------- */

struct cur {
	const uint8_t *p;
	size_t len, pos;
};

/* head reads one item header: major type and argument. */
static void
head(struct cur *c, unsigned *major, uint64_t *arg)
{
	unsigned ai;
	size_t w;

	assert_true(c->pos < c->len);
	*major = c->p[c->pos] >> 5;
	ai = c->p[c->pos] & 31;
	c->pos++;
	if (ai < 24) {
		*arg = ai;
		return;
	}
	assert_true(ai <= 27);
	w = (size_t)1 << (ai - 24);
	assert_true(c->len - c->pos >= w);
	*arg = 0;
	for (size_t i = 0; i < w; i++)
		*arg = *arg << 8 | c->p[c->pos++];
}

static void
expect(struct cur *c, unsigned want_major, uint64_t want_arg)
{
	unsigned major;
	uint64_t arg;

	head(c, &major, &arg);
	assert_int_equal(major, want_major);
	assert_true(arg == want_arg);
}

/* string reads a bstr (major 2) or tstr (major 3) and borrows it. */
static const uint8_t *
string(struct cur *c, unsigned want_major, size_t *len)
{
	unsigned major;
	uint64_t arg;
	const uint8_t *p;

	head(c, &major, &arg);
	assert_int_equal(major, want_major);
	assert_true(arg <= c->len - c->pos);
	p = c->p + c->pos;
	c->pos += (size_t)arg;
	*len = (size_t)arg;
	return p;
}

/* integer reads a major 0 or 1 item as a signed value. */
static int64_t
integer(struct cur *c)
{
	unsigned major;
	uint64_t arg;

	head(c, &major, &arg);
	assert_true(major == 0 || major == 1);
	assert_true(arg <= INT64_MAX);
	return major == 0 ? (int64_t)arg : -1 - (int64_t)arg;
}

/* put_head appends a canonical header to out. */
static size_t
put_head(uint8_t *out, unsigned major, uint64_t arg)
{
	size_t n = 0, w;

	if (arg < 24) {
		out[0] = (uint8_t)(major << 5 | arg);
		return 1;
	}
	w = arg < 256 ? 1 : arg < 65536 ? 2 : arg <= UINT32_MAX ? 4 : 8;
	out[n++] = (uint8_t)(major << 5 | (w == 1 ? 24 : w == 2 ? 25 :
	    w == 4 ? 26 : 27));
	for (size_t i = w; i > 0; i--)
		out[n++] = (uint8_t)(arg >> (8 * (i - 1)));
	return n;
}

/* ---- the COSE_Sign1 layer, from the CDDL ---------------------------- */

struct parts {
	const uint8_t *prot, *payload, *sig;
	size_t prot_len, payload_len;
};

/* split: COSE_Sign1_Tagged = #6.18([bstr, {}, bstr, bstr .size 64]) */
static void
split(const uint8_t *buf, size_t len, struct parts *m)
{
	struct cur c = {buf, len, 0};
	size_t n;

	expect(&c, 6, 18);
	expect(&c, 4, 4);
	m->prot = string(&c, 2, &m->prot_len);
	expect(&c, 5, 0); /* our unprotected header is always empty */
	m->payload = string(&c, 2, &m->payload_len);
	m->sig = string(&c, 2, &n);
	assert_int_equal(n, 64);
	assert_int_equal(c.pos, len);
}

/* verify_by_hand: Sig_structure = ["Signature1", prot, h'', payload] */
static bool
verify_by_hand(const struct parts *m, const uint8_t pk[32])
{
	static uint8_t tbs[sizeof(env) + 64];
	size_t n = 0;

	n += put_head(tbs + n, 4, 4);
	n += put_head(tbs + n, 3, 10);
	memcpy(tbs + n, "Signature1", 10);
	n += 10;
	n += put_head(tbs + n, 2, m->prot_len);
	memcpy(tbs + n, m->prot, m->prot_len);
	n += m->prot_len;
	n += put_head(tbs + n, 2, 0);
	n += put_head(tbs + n, 2, m->payload_len);
	memcpy(tbs + n, m->payload, m->payload_len);
	n += m->payload_len;
	return crypto_sign_verify_detached(m->sig, tbs, n, pk) == 0;
}

static void
text_is(struct cur *c, const char *want)
{
	size_t n;
	const uint8_t *p = string(c, 3, &n);

	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

static size_t
seal(const struct proto_env_header *h, const void *body, size_t len)
{
	struct proto_writer w;

	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(h, body, len, kab, sign_cb, ida,
			     &w),
	    WN_OK);
	return w.len;
}

static void
header(struct proto_env_header *h, bool tp)
{
	memset(h, 0, sizeof(*h));
	h->version = 5; /* PROTOCOL.md: "v" => 5 */
	h->type = PROTO_MSG_DATA;
	wn_strlcpy(h->from, "community_guards-2", sizeof(h->from));
	wn_strlcpy(h->to, "housing", sizeof(h->to));
	for (int i = 0; i < 16; i++)
		h->id[i] = (uint8_t)(0xa0 + i);
	h->ts_ms = -5; /* a negative int must come out as major type 1 */
	h->seq = 300;
	h->mv = 70000;
	h->has_sid = true;
	for (int i = 0; i < 16; i++)
		h->sid[i] = (uint8_t)(0xc0 + i);
	if (tp)
		wn_strlcpy(h->tp,
		    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
		    sizeof(h->tp));
}

static void
test_signature_by_hand(void **state)
{
	struct proto_env_header h;
	struct parts m;
	size_t len;
	(void)state;

	header(&h, false);
	len = seal(&h, "independent", 11);
	split(env, len, &m);
	assert_true(verify_by_hand(&m, pa->sign_pk));
	/* the check is real: any change to what is signed breaks it */
	env[(size_t)(m.prot - env) + 3] ^= 1;
	assert_false(verify_by_hand(&m, pa->sign_pk));
	env[(size_t)(m.prot - env) + 3] ^= 1;
	env[(size_t)(m.payload - env) + 100] ^= 1;
	assert_false(verify_by_hand(&m, pa->sign_pk));
}

static void
test_protected_header_by_hand(void **state)
{
	struct proto_env_header h;
	struct parts m;
	struct cur c;
	size_t n;
	const uint8_t *id;
	(void)state;

	for (int with_tp = 0; with_tp <= 1; with_tp++) {
		header(&h, with_tp);
		split(env, seal(&h, "x", 1), &m);
		c = (struct cur){m.prot, m.prot_len, 0};
		/* the fixed order of PROTOCOL.md */
		expect(&c, 5, with_tp ? 11 : 10);
		expect(&c, 0, 1);
		assert_true(integer(&c) == -8);
		text_is(&c, "v");
		assert_true(integer(&c) == 5);
		text_is(&c, "t");
		assert_true(integer(&c) == PROTO_MSG_DATA);
		text_is(&c, "from");
		text_is(&c, "community_guards-2");
		text_is(&c, "to");
		text_is(&c, "housing");
		text_is(&c, "id");
		id = string(&c, 2, &n);
		assert_int_equal(n, 16);
		assert_memory_equal(id, h.id, 16);
		text_is(&c, "ts");
		assert_int_equal(m.prot[c.pos] >> 5, 1);
		assert_true(integer(&c) == -5);
		text_is(&c, "seq");
		assert_true(integer(&c) == 300);
		text_is(&c, "mv");
		assert_true(integer(&c) == 70000);
		text_is(&c, "sid");
		id = string(&c, 2, &n);
		assert_int_equal(n, 16);
		assert_memory_equal(id, h.sid, 16);
		if (with_tp) {
			text_is(&c, "tp");
			text_is(&c, h.tp);
		}
		assert_int_equal(c.pos, m.prot_len);
	}
}

static void
test_payload_by_hand(void **state)
{
	static const size_t sizes[] = {0, 1, 255, 256, 3000};
	static uint8_t body[4096], out[8192];
	struct proto_env_header h;
	struct parts m;
	size_t bucket;
	(void)state;

	for (size_t k = 0; k < WN_ARRAY_LEN(sizes); k++) {
		header(&h, false);
		randombytes_buf(body, sizes[k]);
		split(env, seal(&h, body, sizes[k]), &m);
		assert_true(verify_by_hand(&m, pa->sign_pk));
		bucket = 256;
		while (bucket <= sizes[k])
			bucket *= 2;
		/* nonce(24) || crypto_box(padded body) */
		assert_int_equal(m.payload_len, 24 + 16 + bucket);
		assert_int_equal(crypto_box_open_easy(out, m.payload + 24,
				     m.payload_len - 24, m.payload, pa->kx_pk,
				     b_sk),
		    0);
		assert_memory_equal(out, body, sizes[k]);
		assert_int_equal(out[sizes[k]], 0x80);
		for (size_t i = sizes[k] + 1; i < bucket; i++)
			assert_int_equal(out[i], 0);
	}
}

static void
test_error_payload_by_hand(void **state)
{
	struct proto_env_header h;
	struct proto_errbody b = {0};
	struct proto_writer w;
	uint8_t eb[PROTO_ERRBODY_MAX];
	struct parts m;
	struct cur c;
	size_t n, eblen;
	const uint8_t *p;
	(void)state;

	b.code = WN_EAUTH;
	wn_strlcpy(b.reason, "who are you", sizeof(b.reason));
	proto_writer_init(&w, eb, sizeof(eb));
	assert_int_equal(proto_errbody_encode(&b, &w), WN_OK);
	eblen = w.len;
	header(&h, false);
	h.type = PROTO_MSG_ERROR;
	h.has_sid = false; /* an error names no session */
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(&h, eb, eblen, NULL, sign_cb, ida,
			     &w),
	    WN_OK);
	split(env, w.len, &m);
	assert_true(verify_by_hand(&m, pa->sign_pk));
	/* error = {1: code, 2: reason}, in the clear */
	c = (struct cur){m.payload, m.payload_len, 0};
	expect(&c, 5, 2);
	expect(&c, 0, 1);
	assert_true(integer(&c) == WN_EAUTH);
	expect(&c, 0, 2);
	p = string(&c, 3, &n);
	assert_int_equal(n, 11);
	assert_memory_equal(p, "who are you", 11);
	assert_int_equal(c.pos, m.payload_len);
}

static void
test_signed_head_by_hand(void **state)
{
	struct proto_head hd = {0};
	struct proto_writer w;
	struct parts m;
	struct cur c;
	size_t n;
	const uint8_t *p;
	(void)state;

	wn_strlcpy(hd.org, "police", sizeof(hd.org));
	hd.seq = 42;
	memset(hd.hash, 0x5c, sizeof(hd.hash));
	hd.time_ms = 1700000000123;
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_head_sign(&hd, sign_cb, ida, &w), WN_OK);
	split(env, w.len, &m);
	assert_true(verify_by_hand(&m, pa->sign_pk));
	/* protected {1: -8, "t": 5} */
	c = (struct cur){m.prot, m.prot_len, 0};
	expect(&c, 5, 2);
	expect(&c, 0, 1);
	assert_true(integer(&c) == -8);
	text_is(&c, "t");
	assert_true(integer(&c) == PROTO_MSG_CHAIN_HEAD);
	assert_int_equal(c.pos, m.prot_len);
	/* head = {1: org, 2: seq, 3: hash, 4: time} */
	c = (struct cur){m.payload, m.payload_len, 0};
	expect(&c, 5, 4);
	expect(&c, 0, 1);
	text_is(&c, "police");
	expect(&c, 0, 2);
	assert_true(integer(&c) == 42);
	expect(&c, 0, 3);
	p = string(&c, 2, &n);
	assert_int_equal(n, 32);
	assert_int_equal(p[0], 0x5c);
	expect(&c, 0, 4);
	assert_true(integer(&c) == 1700000000123);
	assert_int_equal(c.pos, m.payload_len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_by_hand),
		cmocka_unit_test(test_protected_header_by_hand),
		cmocka_unit_test(test_payload_by_hand),
		cmocka_unit_test(test_error_payload_by_hand),
		cmocka_unit_test(test_signed_head_by_hand),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
