/*
 * test_receipt.c - the receipt that names the transfer it answers
 * (protocol version 2): round trip, hostile input, the transfer hash, and
 * the known-answer vector tests/vectors/receipt/receipt-01.txt that an
 * independent implementation can check (fixed key and inputs -> the exact
 * signed manifest, transfer hash and receipt bytes).
 *
 * WN_WRITE_VECTORS=1 prints the vector file instead of checking it (to
 * make it once; review what it prints before committing it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "protocol/envelope.h"
#include "protocol/manifest.h"

static uint8_t buf[32768];

#define REFUSED(call, want)                                                   \
	do {                                                                  \
		struct proto_error e_;                                        \
		memset(&e_, 0, sizeof(e_));                                   \
		assert_int_equal((call), WN_EPROTO);                          \
		if (strstr(e_.msg, (want)) == NULL)                           \
			fail_msg("reason '%s' lacks '%s'", e_.msg, (want));   \
	} while (0)

static wn_err
decode(const uint8_t *b, size_t len, struct proto_receipt *out,
    struct proto_error *err)
{
	return proto_receipt_decode(b, len, out, err);
}

static void
test_round_trip(void **state)
{
	static struct proto_receipt rc, got;
	struct proto_writer w;
	(void)state;

	rc.naccepted = 2;
	memset(rc.accepted[0], 0x11, 16);
	memset(rc.accepted[1], 0x22, 16);
	rc.nrefused = 1;
	memset(rc.refused[0].id, 0x33, 16);
	rc.refused[0].code = WN_EBUSY;
	wn_strlcpy(rc.refused[0].reason, "deferred",
	    sizeof(rc.refused[0].reason));
	for (size_t i = 0; i < SEC_HASH_LEN; i++)
		rc.answers[i] = (uint8_t)(0xa0 + i);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_OK);
	assert_int_equal(proto_receipt_decode(buf, w.len, &got, NULL), WN_OK);
	assert_memory_equal(&got, &rc, sizeof(rc));
	/* the hash is its last key: 0x03 0x58 0x20 and the 32 bytes */
	assert_int_equal(buf[w.len - 35], 0x03);
	assert_int_equal(buf[w.len - 34], 0x58);
	assert_int_equal(buf[w.len - 33], 0x20);
	assert_memory_equal(buf + w.len - 32, rc.answers, 32);
}

/* a receipt map with key 3 written by the caller */
static size_t
with_answers(void (*key3)(struct proto_writer *), size_t nkeys)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, nkeys);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 0);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 0);
	if (key3 != NULL)
		key3(&w);
	return w.len;
}

static uint8_t h33[33];
static void k3_short(struct proto_writer *w)
{
	proto_write_uint(w, 3);
	proto_write_bytes(w, h33, 31);
}
static void k3_long(struct proto_writer *w)
{
	proto_write_uint(w, 3);
	proto_write_bytes(w, h33, 33);
}
static void k3_text(struct proto_writer *w)
{
	proto_write_uint(w, 3);
	proto_write_text(w, "0123456789abcdef0123456789abcdef");
}
static void k3_twice(struct proto_writer *w)
{
	proto_write_uint(w, 3);
	proto_write_bytes(w, h33, 32);
	proto_write_uint(w, 3);
	proto_write_bytes(w, h33, 32);
}
static void k3_huge(struct proto_writer *w)
{
	/* a byte string that claims 2^32 bytes: refused before it is read */
	static const uint8_t hdr[] = {0x03, 0x5a, 0xff, 0xff, 0xff, 0xff};
	proto_write_raw(w, hdr, sizeof(hdr));
}
static void k4(struct proto_writer *w)
{
	proto_write_uint(w, 3);
	proto_write_bytes(w, h33, 32);
	proto_write_uint(w, 4);
	proto_write_bytes(w, h33, 32);
}

static void
test_hostile(void **state)
{
	struct proto_receipt got;
	size_t n;
	(void)state;

	memset(&got, 0x5a, sizeof(got));
	/* a version 1 receipt (no key 3) is not an answer to anything */
	n = with_answers(NULL, 2);
	REFUSED(decode(buf, n, &got, &e_), "missing key 3");
	assert_int_equal(got.naccepted, 0x5a5a5a5a5a5a5a5aull); /* untouched */
	n = with_answers(k3_short, 3);
	REFUSED(decode(buf, n, &got, &e_), "expected 32 bytes");
	n = with_answers(k3_long, 3);
	REFUSED(decode(buf, n, &got, &e_), "expected 32 bytes");
	n = with_answers(k3_text, 3);
	REFUSED(decode(buf, n, &got, &e_), "expected");
	n = with_answers(k3_twice, 4);
	REFUSED(decode(buf, n, &got, &e_), "at most 3");
	/* a map that says 3 keys, with a duplicate 3 as the third */
	{
		struct proto_writer w;
		proto_writer_init(&w, buf, sizeof(buf));
		proto_write_map(&w, 3);
		k3_twice(&w);
		proto_write_uint(&w, 1);
		proto_write_array(&w, 0);
		REFUSED(decode(buf, w.len, &got, &e_), "duplicate key 3");
	}
	n = with_answers(k4, 4);
	REFUSED(decode(buf, n, &got, &e_), "at most 3");
	n = with_answers(k3_huge, 3);
	assert_int_not_equal(decode(buf, n, &got, NULL), WN_OK);
	/* every truncation of a good receipt is refused, none read past */
	{
		static struct proto_receipt rc;
		struct proto_writer w;
		rc.naccepted = 1;
		rc.nrefused = 1;
		wn_strlcpy(rc.refused[0].reason, "x",
		    sizeof(rc.refused[0].reason));
		rc.refused[0].code = 5;
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_receipt_encode(&rc, &w), WN_OK);
		for (size_t len = 0; len < w.len; len++) {
			uint8_t *cut = malloc(len ? len : 1);
			assert_non_null(cut);
			memcpy(cut, buf, len);
			assert_int_not_equal(decode(cut, len, &got, NULL),
			    WN_OK);
			free(cut);
		}
	}
}

/* ---- the transfer hash and the known-answer vector ----------------- */

struct signer {
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

static wn_err
sign_fixed(void *ctx, const uint8_t *msg, size_t len,
    uint8_t sig[SEC_SIG_LEN])
{
	struct signer *s = ctx;
	crypto_sign_detached(sig, NULL, msg, len, s->sk);
	return WN_OK;
}

struct vector {
	uint8_t pk[32];
	uint8_t manifest[1024];
	size_t manifest_len;
	uint8_t thash[SEC_HASH_LEN];
	uint8_t receipt[1024];
	size_t receipt_len;
};

/* make_vector builds the vector from its fixed inputs (as
 * tests/vectors/receipt/receipt-01.txt states them). */
static void
make_vector(struct vector *v)
{
	static const char *envs[2] = {"envelope one", "envelope two"};
	struct signer s;
	uint8_t seed[32];
	struct proto_manifest m;
	struct proto_receipt rc;
	struct proto_writer w;

	for (size_t i = 0; i < 32; i++)
		seed[i] = (uint8_t)i;
	crypto_sign_seed_keypair(v->pk, s.sk, seed);
	memset(&m, 0, sizeof(m));
	wn_strlcpy(m.from, "police", sizeof(m.from));
	wn_strlcpy(m.to, "city", sizeof(m.to));
	m.ts_ms = 1767225600000; /* 2026-01-01T00:00:00Z */
	m.after = 7;
	m.n = 2;
	for (size_t i = 0; i < 2; i++)
		proto_envelope_hash(envs[i], strlen(envs[i]), m.hash[i]);
	proto_writer_init(&w, v->manifest, sizeof(v->manifest));
	assert_int_equal(proto_manifest_sign(&m, sign_fixed, &s, &w), WN_OK);
	v->manifest_len = w.len;
	proto_transfer_hash(v->manifest, v->manifest_len, NULL, 0, v->thash);

	memset(&rc, 0, sizeof(rc));
	rc.naccepted = 1;
	memset(rc.accepted[0], 0x01, 16);
	rc.nrefused = 2;
	memset(rc.refused[0].id, 0x02, 16);
	rc.refused[0].code = WN_EBUSY;
	wn_strlcpy(rc.refused[0].reason, "deferred",
	    sizeof(rc.refused[0].reason));
	/* an envelope that failed authentication: refused without its id */
	rc.refused[1].code = WN_ECRYPTO;
	wn_strlcpy(rc.refused[1].reason, "envelope 1 is not the one the "
	    "transfer's manifest signed", sizeof(rc.refused[1].reason));
	memcpy(rc.answers, v->thash, SEC_HASH_LEN);
	proto_writer_init(&w, v->receipt, sizeof(v->receipt));
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_OK);
	v->receipt_len = w.len;
}

static void
hex(FILE *f, const char *key, const uint8_t *b, size_t n)
{
	fprintf(f, "%s: ", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
	fprintf(f, "\n");
}

/* file_hex finds "key: HEX" in text and decodes it; its length or -1 */
static long
file_hex(const char *text, const char *key, uint8_t *out, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n = 0;
	snprintf(pat, sizeof(pat), "\n%s: ", key);
	if ((p = strstr(text, pat)) == NULL)
		return -1;
	p += strlen(pat);
	while (n < cap && sscanf(p, "%2hhx", &out[n]) == 1 && p[0] != '\n') {
		p += 2;
		n++;
	}
	return (long)n;
}

static void
test_vector(void **state)
{
	static struct vector v;
	static char text[16384];
	static uint8_t got[1024];
	const char *dir = getenv("WN_VECTORS_RECEIPT");
	char path[512];
	(void)state;

	make_vector(&v);
	if (getenv("WN_WRITE_VECTORS") != NULL) {
		hex(stdout, "sign_pk", v.pk, 32);
		hex(stdout, "signed_manifest", v.manifest, v.manifest_len);
		hex(stdout, "transfer_hash", v.thash, SEC_HASH_LEN);
		hex(stdout, "receipt", v.receipt, v.receipt_len);
		return;
	}
	snprintf(path, sizeof(path), "%s/receipt-01.txt",
	    dir != NULL && dir[0] ? dir : "tests/vectors/receipt");
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (run from the repo root)", path);
	text[0] = '\n';
	size_t n = fread(text + 1, 1, sizeof(text) - 2, f);
	fclose(f);
	text[n + 1] = '\0';

	assert_int_equal(file_hex(text, "sign_pk", got, sizeof(got)), 32);
	assert_memory_equal(got, v.pk, 32);
	assert_int_equal(file_hex(text, "signed_manifest", got, sizeof(got)),
	    (long)v.manifest_len);
	assert_memory_equal(got, v.manifest, v.manifest_len);
	assert_int_equal(file_hex(text, "transfer_hash", got, sizeof(got)),
	    SEC_HASH_LEN);
	assert_memory_equal(got, v.thash, SEC_HASH_LEN);
	assert_int_equal(file_hex(text, "receipt", got, sizeof(got)),
	    (long)v.receipt_len);
	assert_memory_equal(got, v.receipt, v.receipt_len);

	/* and it decodes back to what it says */
	struct proto_receipt rc;
	assert_int_equal(proto_receipt_decode(got, v.receipt_len, &rc, NULL),
	    WN_OK);
	assert_memory_equal(rc.answers, v.thash, SEC_HASH_LEN);
	static const uint8_t zero[16];
	assert_memory_equal(rc.refused[1].id, zero, 16);
}

static void
test_transfer_hash(void **state)
{
	static const uint8_t frame[] = {0x81, 0x41, 0x00};
	static const uint8_t man[] = {0xd2, 0x84};
	uint8_t a[SEC_HASH_LEN], b[SEC_HASH_LEN], want[SEC_HASH_LEN];
	(void)state;

	static const uint8_t key[] = "wijknet-xfer";
	/* a batch: the manifest's bytes, whatever the frame, keyed with
	 * "wijknet-xfer" (12 bytes, no terminator) */
	proto_transfer_hash(man, sizeof(man), frame, sizeof(frame), a);
	crypto_generichash(want, sizeof(want), man, sizeof(man), key, 12);
	assert_memory_equal(a, want, SEC_HASH_LEN);
	/* envelopes alone: the whole frame */
	proto_transfer_hash(NULL, 0, frame, sizeof(frame), b);
	crypto_generichash(want, sizeof(want), frame, sizeof(frame), key, 12);
	assert_memory_equal(b, want, SEC_HASH_LEN);
	assert_memory_not_equal(a, b, SEC_HASH_LEN);
	/* never the hash an envelope of the same bytes would have */
	proto_envelope_hash(frame, sizeof(frame), want);
	assert_memory_not_equal(b, want, SEC_HASH_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_transfer_hash),
		cmocka_unit_test(test_vector),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
