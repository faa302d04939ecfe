/*
 * session.c - the key schedule of a session between two nodes (forward
 * secrecy at the message layer, PROTOCOL.md "Sessions").
 *
 * Each side of a session makes a fresh X25519 key pair (struct sec_eph),
 * sends the public half in SESSION_OPEN or SESSION_ACCEPT, and derives
 * two keys, one per direction:
 *
 *   dh    = X25519(own ephemeral secret, their ephemeral public key)
 *   th    = BLAKE2b-256("wijknet session v4" || len(I) || I || len(R) || R
 *                       || E_i || E_r || sid)
 *   k_i2r = BLAKE2b-256(key = dh, "i2r" || th || pair)
 *   k_r2i = BLAKE2b-256(key = dh, "r2i" || th || pair)
 *
 * I and R are the initiator's and the responder's org ids (len: one byte),
 * pair the static pair key (crypto_box_beforenm, box.c): whoever wants a
 * session key needs both the ephemeral secrets (gone once derived) and a
 * node's static key. The session keys are struct sec_peer_key, so sealing
 * and opening are box.c's, unchanged. The ephemeral secret and every
 * intermediate are in guarded memory or wiped before return.
 */
#include "crypto/sec.h"

#include <string.h>

#include <sodium.h>

#define TH_LABEL "wijknet session v4"

struct sec_eph {
	uint8_t *sk; /* sodium_malloc, crypto_scalarmult_SCALARBYTES; PROT_NONE
		      * while idle */
	uint8_t pk[SEC_EPH_PK_LEN];
};

/* defined in box.c: the bytes of a pair key, and a key made from bytes */
const uint8_t *sec_peer_key_bytes(const struct sec_peer_key *k);

static wn_err
eph_make(const uint8_t *sk, struct sec_eph **out, uint8_t pk[SEC_EPH_PK_LEN])
{
	struct sec_eph *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return WN_ENOMEM;
	if ((e->sk = sodium_malloc(crypto_scalarmult_SCALARBYTES)) == NULL) {
		free(e);
		return WN_ENOMEM;
	}
	if (sk != NULL)
		memcpy(e->sk, sk, crypto_scalarmult_SCALARBYTES);
	else
		randombytes_buf(e->sk, crypto_scalarmult_SCALARBYTES);
	if (crypto_scalarmult_base(e->pk, e->sk) != 0) {
		sec_eph_free(e);
		return WN_ECRYPTO;
	}
	sodium_mprotect_noaccess(e->sk);
	memcpy(pk, e->pk, SEC_EPH_PK_LEN);
	*out = e;
	return WN_OK;
}

wn_err
sec_eph_new(struct sec_eph **out, uint8_t pk[SEC_EPH_PK_LEN])
{
	return eph_make(NULL, out, pk);
}

wn_err
sec_eph_from_secret(const uint8_t sk[SEC_EPH_PK_LEN], struct sec_eph **out,
    uint8_t pk[SEC_EPH_PK_LEN])
{
	return eph_make(sk, out, pk);
}

void
sec_eph_free(struct sec_eph *e)
{
	if (e == NULL)
		return;
	sodium_mprotect_readwrite(e->sk);
	sodium_free(e->sk); /* wipes */
	free(e);
}

void
sec_session_th(uint8_t th[SEC_HASH_LEN], const char *initiator,
    const char *responder, const uint8_t e_i[SEC_EPH_PK_LEN],
    const uint8_t e_r[SEC_EPH_PK_LEN], const uint8_t sid[SEC_SID_LEN])
{
	uint8_t li = (uint8_t)strlen(initiator), lr = (uint8_t)strlen(responder);
	const struct sec_part parts[] = {
	    {TH_LABEL, strlen(TH_LABEL)},
	    {&li, 1},
	    {initiator, li},
	    {&lr, 1},
	    {responder, lr},
	    {e_i, SEC_EPH_PK_LEN},
	    {e_r, SEC_EPH_PK_LEN},
	    {sid, SEC_SID_LEN},
	};
	sec_hash(th, parts, WN_ARRAY_LEN(parts));
}

/* direction_key: BLAKE2b-256(key = dh, label || th || pair) */
static void
direction_key(uint8_t out[32], const uint8_t *dh, const char *label,
    const uint8_t th[SEC_HASH_LEN], const uint8_t *pair)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, dh, crypto_scalarmult_BYTES, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, th, SEC_HASH_LEN);
	crypto_generichash_update(&st, pair, crypto_box_BEFORENMBYTES);
	crypto_generichash_final(&st, out, 32);
	sodium_memzero(&st, sizeof(st));
}

wn_err
sec_session_derive(const struct sec_eph *own,
    const uint8_t their_pk[SEC_EPH_PK_LEN], const struct sec_peer_key *pair,
    const char *initiator, const char *responder,
    const uint8_t e_i[SEC_EPH_PK_LEN], const uint8_t e_r[SEC_EPH_PK_LEN],
    const uint8_t sid[SEC_SID_LEN], struct sec_peer_key **i2r,
    struct sec_peer_key **r2i)
{
	uint8_t *sec = NULL; /* dh (32) || k_i2r (32) || k_r2i (32) */
	uint8_t th[SEC_HASH_LEN];
	struct sec_peer_key *a = NULL, *b = NULL;
	wn_err rc = WN_ECRYPTO;
	int r;

	if (own == NULL || pair == NULL || initiator == NULL ||
	    responder == NULL || strlen(initiator) > 255 ||
	    strlen(responder) > 255)
		return WN_EINVAL;
	/* the own half must be one of the two the schedule names */
	if (sodium_memcmp(own->pk, e_i, SEC_EPH_PK_LEN) != 0 &&
	    sodium_memcmp(own->pk, e_r, SEC_EPH_PK_LEN) != 0)
		return WN_EINVAL;
	if ((sec = sodium_malloc(96)) == NULL)
		return WN_ENOMEM;
	sodium_mprotect_readonly(own->sk);
	/* all zeros (a low-order or identity point) is refused by libsodium */
	r = crypto_scalarmult(sec, own->sk, their_pk);
	sodium_mprotect_noaccess(own->sk);
	if (r != 0)
		goto out;
	sec_session_th(th, initiator, responder, e_i, e_r, sid);
	direction_key(sec + 32, sec, "i2r", th, sec_peer_key_bytes(pair));
	direction_key(sec + 64, sec, "r2i", th, sec_peer_key_bytes(pair));
	if ((rc = sec_peer_key_from_raw(sec + 32, &a)) != WN_OK ||
	    (rc = sec_peer_key_from_raw(sec + 64, &b)) != WN_OK)
		goto out;
	*i2r = a;
	*r2i = b;
	a = b = NULL;
	rc = WN_OK;
out:
	sec_peer_key_free(a);
	sec_peer_key_free(b);
	sodium_free(sec); /* wipes */
	return rc;
}
