/*
 * box.c - encryption between two nodes with a precomputed per-peer key, and
 * the padding that hides body sizes.
 */
#include "crypto/sec.h"

#include <string.h>

#include <sodium.h>

struct sec_peer_key {
	uint8_t *k; /* sodium_malloc, crypto_box_BEFORENMBYTES */
};

/* declared in identity.c: the X25519 secret stays in there */
wn_err sec_identity_beforenm(struct sec_identity *id,
    const uint8_t peer_kx_pk[SEC_KX_PK_LEN], uint8_t *out);

/* peer_key_alloc: a key with its guarded (sodium_malloc) room, not yet
 * filled; NULL when out of memory */
static struct sec_peer_key *
peer_key_alloc(void)
{
	struct sec_peer_key *k = malloc(sizeof(*k));
	if (k == NULL)
		return NULL;
	k->k = sodium_malloc(crypto_box_BEFORENMBYTES);
	if (k->k == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

wn_err
sec_peer_key_new(struct sec_identity *id,
    const uint8_t peer_kx_pk[SEC_KX_PK_LEN], struct sec_peer_key **out)
{
	struct sec_peer_key *k = peer_key_alloc();
	if (k == NULL)
		return WN_ENOMEM;
	if (sec_identity_beforenm(id, peer_kx_pk, k->k) != WN_OK) {
		sec_peer_key_free(k);
		return WN_ECRYPTO;
	}
	sodium_mprotect_readonly(k->k);
	*out = k;
	return WN_OK;
}

wn_err
sec_peer_key_from_raw(const uint8_t raw[SEC_PEER_KEY_LEN],
    struct sec_peer_key **out)
{
	struct sec_peer_key *k = peer_key_alloc();
	if (k == NULL)
		return WN_ENOMEM;
	memcpy(k->k, raw, crypto_box_BEFORENMBYTES);
	sodium_mprotect_readonly(k->k);
	*out = k;
	return WN_OK;
}

void
sec_peer_key_export(const struct sec_peer_key *k,
    uint8_t raw[SEC_PEER_KEY_LEN])
{
	memcpy(raw, k->k, crypto_box_BEFORENMBYTES);
}

/* sec_peer_key_bytes is session.c's way to a pair key's bytes (mixed into
 * the session keys); declared there, not in sec.h */
const uint8_t *sec_peer_key_bytes(const struct sec_peer_key *k);
const uint8_t *
sec_peer_key_bytes(const struct sec_peer_key *k)
{
	return k->k;
}

void
sec_peer_key_free(struct sec_peer_key *k)
{
	if (k == NULL)
		return;
	if (k->k != NULL)
		sodium_mprotect_readwrite(k->k);
	sodium_free(k->k); /* wipes */
	free(k);
}

void
sec_box_seal(const struct sec_peer_key *k, const void *plain, size_t len,
    uint8_t *out)
{
	randombytes_buf(out, crypto_box_NONCEBYTES);
	crypto_box_easy_afternm(out + crypto_box_NONCEBYTES, plain, len, out,
	    k->k);
}

wn_err
sec_box_open(const struct sec_peer_key *k, const uint8_t *in, size_t inlen,
    uint8_t *out)
{
	if (inlen < SEC_BOX_OVERHEAD)
		return WN_ECRYPTO;
	if (crypto_box_open_easy_afternm(out, in + crypto_box_NONCEBYTES,
		inlen - crypto_box_NONCEBYTES, in, k->k) != 0)
		return WN_ECRYPTO;
	return WN_OK;
}

size_t
sec_pad_bucket(size_t len)
{
	size_t b = 256;
	while (b <= len)
		b <<= 1;
	return b;
}

/* The padding is ISO/IEC 7816-4 (as sodium_pad writes it): 0x80, then
 * zeros up to the bucket. Written by hand because sodium_pad/unpad are
 * constant-time byte loops that cost more than the sealing itself; constant
 * time buys nothing here: sec_unpad only ever sees a plaintext that the
 * box authenticated, whose length the receiver learns anyway. */
wn_err
sec_pad(uint8_t *buf, size_t len, size_t cap, size_t *padded)
{
	size_t bucket = sec_pad_bucket(len);
	if (bucket > cap)
		return WN_ETOOBIG;
	buf[len] = 0x80;
	memset(buf + len + 1, 0, bucket - len - 1);
	*padded = bucket;
	return WN_OK;
}

wn_err
sec_unpad(const uint8_t *buf, size_t padded, size_t *len)
{
	size_t i = padded, out;
	uint64_t w;
	/* skip the zeros, eight bytes at a time while aligned to the end */
	while (i >= 8) {
		memcpy(&w, buf + i - 8, 8);
		if (w != 0)
			break;
		i -= 8;
	}
	while (i > 0 && buf[i - 1] == 0)
		i--;
	if (i == 0 || buf[i - 1] != 0x80)
		return WN_ECRYPTO;
	out = i - 1;
	/* buckets are powers of two from 256: anything else was not ours */
	if (padded != sec_pad_bucket(out))
		return WN_ECRYPTO;
	*len = out;
	return WN_OK;
}
