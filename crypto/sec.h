/*
 * sec.h - wijknet's cryptography: secret memory, passphrases, the node
 * identity and its key file, hashing and signatures.
 *
 * crypto/ is the only module that includes sodium.h. Callers hold handles
 * (struct sec_identity, struct sec_secret), never raw secret keys: signing
 * and key derivation happen in here, so this module could later move into a
 * process of its own.
 */
#ifndef SEC_H
#define SEC_H

#include "config/wn.h"

#include <sys/types.h>

#define SEC_SIGN_PK_LEN 32
#define SEC_KX_PK_LEN 32
#define SEC_SIG_LEN 64
#define SEC_HASH_LEN 32
/* "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" plus NUL */
#define SEC_FINGERPRINT_LEN 30
#define SEC_PASSPHRASE_MAX 1024

/* sec_init initialises libsodium; call once before anything else. */
WN_NODISCARD wn_err sec_init(void);

/* A secret held in guarded, locked memory (sodium_malloc). data is
 * NUL-terminated one byte past len for convenience. */
struct sec_secret {
	char *data;
	size_t len;
};

/* sec_secret_new allocates a zeroed secret of len bytes (+1 for the NUL).
 * The caller frees it with sec_secret_free, which wipes it. */
WN_NODISCARD wn_err sec_secret_new(size_t len, struct sec_secret **out);
void sec_secret_free(struct sec_secret *s);

/* sec_passphrase_read_file reads a passphrase from path. The file must be a
 * regular file owned by the caller's euid and not accessible to group or
 * others (WN_EPERM otherwise, with the reason in err). One trailing newline
 * is dropped; an empty passphrase is refused. */
WN_NODISCARD wn_err sec_passphrase_read_file(const char *path,
    struct sec_secret **out, char *err, size_t errlen);

/* sec_secret_read_file reads a whole secret file (a TLS private key) of at
 * most max bytes into guarded memory, with the same ownership and mode
 * checks as a passphrase file. */
WN_NODISCARD wn_err sec_secret_read_file(const char *path, size_t max,
    struct sec_secret **out, char *err, size_t errlen);

/* sec_passphrase_read_credential reads $CREDENTIALS_DIRECTORY/name (systemd
 * LoadCredential=), with the same checks as a file, except that the file
 * may also be as sec_credential_private allows: systemd puts credentials
 * on a private read-only mount, and on tmpfs it leaves them root's and
 * grants the service's user read access by an ACL (whose mask shows as
 * group bits, mode 0440) instead of giving it the file. */
WN_NODISCARD wn_err sec_passphrase_read_credential(const char *name,
    struct sec_secret **out, char *err, size_t errlen);

/* sec_credential_private: the open file fd is a regular file that only
 * uid (and root) may read: owned by uid or root, nothing for others, and
 * group bits only as the mask of a POSIX ACL that grants no group and no
 * user but uid. Reads only metadata. */
bool sec_credential_private(int fd, uid_t uid);

/* The least a new passphrase must be: SEC_PASSPHRASE_MIN characters (code
 * points of UTF-8, not bytes) of which at least SEC_PASSPHRASE_MIN_DISTINCT
 * differ. A floor against the worst choices, not a strength meter. */
#define SEC_PASSPHRASE_MIN 12
#define SEC_PASSPHRASE_MIN_DISTINCT 5

/* sec_passphrase_floor checks a new passphrase against that floor:
 * WN_EINVAL with a plain reason in err (never the passphrase) when it is
 * below. For init and any change of passphrase, not for unlocking. */
WN_NODISCARD wn_err sec_passphrase_floor(const struct sec_secret *pass,
    char *err, size_t errlen);

/* sec_passphrase_prompt asks on /dev/tty with echo off; with confirm, asks
 * twice and refuses a mismatch. WN_EIO when there is no terminal. */
WN_NODISCARD wn_err sec_passphrase_prompt(const char *prompt, bool confirm,
    struct sec_secret **out, char *err, size_t errlen);

/* Argon2id cost of the key file. */
enum sec_kdf_level {
	SEC_KDF_INTERACTIVE, /* ~70 ms here: tests and demos */
	SEC_KDF_MODERATE,    /* ~0.5 s: the default for real nodes */
	SEC_KDF_SENSITIVE,
};
bool sec_kdf_level_parse(const char *text, enum sec_kdf_level *out);

struct sec_public {
	uint8_t sign_pk[SEC_SIGN_PK_LEN]; /* Ed25519 */
	uint8_t kx_pk[SEC_KX_PK_LEN];     /* X25519 */
};

/* An unlocked node identity: signing key, key-agreement key and the store
 * key, all in guarded memory that is inaccessible while idle. Thread safe. */
struct sec_identity;

/* sec_identity_create generates a new identity and writes its key file at
 * path (created exclusively, mode 0600, synced). The key file holds the
 * public keys in the clear and the secret keys encrypted with a key derived
 * from pass by Argon2id. On success *out is the unlocked identity. */
WN_NODISCARD wn_err sec_identity_create(const char *path,
    const struct sec_secret *pass, enum sec_kdf_level level,
    struct sec_identity **out, char *err, size_t errlen);

/* sec_identity_unlock opens the key file at path with pass. Errors:
 * WN_EPERM (file readable by others), WN_ECORRUPT (damaged file: its
 * checksum or structure is wrong), WN_EAUTH (wrong passphrase), WN_EIO.
 * The file is only read, never written. */
WN_NODISCARD wn_err sec_identity_unlock(const char *path,
    const struct sec_secret *pass, struct sec_identity **out, char *err,
    size_t errlen);

/* sec_identity_free wipes and frees; accepts NULL. */
void sec_identity_free(struct sec_identity *id);

/* sec_identity_public borrows the identity's public keys. */
const struct sec_public *sec_identity_public(const struct sec_identity *id);

/* sec_identity_next_create makes the node's next keys (a key rotation):
 * a new Ed25519 and X25519 key pair, written to a key file at path
 * (created exclusively, mode 0600, synced) under the same passphrase,
 * salt and KDF limits as id's, so the same passphrase opens it and it
 * keys the same store; no passphrase is asked (id keeps the key-file
 * key). *out is the next identity, unlocked; id is unchanged. */
WN_NODISCARD wn_err sec_identity_next_create(struct sec_identity *id,
    const char *path, struct sec_identity **out, char *err, size_t errlen);

/* sec_identity_same_file_keys: a and b were opened with one passphrase
 * from key files of one salt and KDF (so they key the same store). */
bool sec_identity_same_file_keys(struct sec_identity *a,
    struct sec_identity *b);

/* sec_identity_adopt makes id sign and agree keys with next's keys from
 * now on, in place: whoever holds id uses the new keys at its next call
 * (thread safe; a signature under way ends under the old key). next is
 * left as it is (the caller frees it). The store key stays. */
void sec_identity_adopt(struct sec_identity *id, struct sec_identity *next);

/* sec_identity_sign signs msg with the Ed25519 key (detached). */
WN_NODISCARD wn_err sec_identity_sign(struct sec_identity *id,
    const void *msg, size_t len, uint8_t sig[SEC_SIG_LEN]);

/* sec_identity_store_pragma returns, in a new secret the caller frees, the
 * SQL statement that keys the SQLCipher store: PRAGMA key = "x'<hex>'";
 * The store key is derived from the Argon2id master key with crypto_kdf,
 * never from the bare passphrase. */
WN_NODISCARD wn_err sec_identity_store_pragma(struct sec_identity *id,
    struct sec_secret **out);

/* sec_public_read reads the public keys of a key file without the
 * passphrase (the checksum is still verified). */
WN_NODISCARD wn_err sec_public_read(const char *path, struct sec_public *out,
    char *err, size_t errlen);

/* sec_fingerprint formats a short fingerprint of both public keys, to be
 * read aloud when enrolling: 24 base32 characters in groups of four
 * (120 bits of BLAKE2b over the keys). */
void sec_fingerprint(const struct sec_public *pub,
    char out[SEC_FINGERPRINT_LEN]);

/* sec_public_check says what makes a partner's public keys unusable, or
 * NULL when both are fine: a kx_key of low order (all zeros among them),
 * with which no key can be agreed (a node holding such a peer would
 * refuse to start), or a sign_key that is not a valid Ed25519 point of
 * the main subgroup. Check at enrolment, before anything is stored. */
const char *sec_public_check(const struct sec_public *pub);

/* sec_verify checks a detached Ed25519 signature. */
bool sec_verify(const uint8_t pk[SEC_SIGN_PK_LEN], const void *msg,
    size_t len, const uint8_t sig[SEC_SIG_LEN]);

/* A key agreed with one peer: crypto_box_beforenm of our X25519 secret and
 * the peer's public key, computed once per peer. Both directions use it;
 * nonces are random 24-byte XSalsa20 nonces, so none is ever reused. */
struct sec_peer_key;
#define SEC_BOX_OVERHEAD 40 /* nonce 24 + tag 16 */

/* sec_peer_key_new precomputes the shared key with the peer whose X25519
 * public key is peer_kx_pk. WN_ECRYPTO for a weak (low-order) key. The
 * caller frees it with sec_peer_key_free (accepts NULL). */
WN_NODISCARD wn_err sec_peer_key_new(struct sec_identity *id,
    const uint8_t peer_kx_pk[SEC_KX_PK_LEN], struct sec_peer_key **out);
void sec_peer_key_free(struct sec_peer_key *k);

/* sec_peer_key_from_raw makes a key of SEC_PEER_KEY_LEN given bytes (a
 * session's, session.c; and known-answer tests, which know the bytes).
 * The caller wipes raw. */
#define SEC_PEER_KEY_LEN 32
WN_NODISCARD wn_err sec_peer_key_from_raw(const uint8_t raw[SEC_PEER_KEY_LEN],
    struct sec_peer_key **out);
/* sec_peer_key_export writes a key's bytes: for the test tools only
 * (wnpoke keeps its session in a test's folder to play a transfer back in
 * a later run). Nothing in the daemon calls it (tests/lint.sh checks). */
void sec_peer_key_export(const struct sec_peer_key *k,
    uint8_t raw[SEC_PEER_KEY_LEN]);

/*
 * Sessions (crypto/session.c, PROTOCOL.md "Sessions"): forward secrecy at
 * the message layer. Each side makes a fresh X25519 key pair for one
 * session; both derive a key for each direction (initiator to responder,
 * and back) from the two ephemeral keys, the session id, both org ids and
 * the static pair key. Once derived, the ephemeral secrets are freed, and
 * a stolen key file no longer opens what the session keys sealed.
 */
#define SEC_EPH_PK_LEN 32
#define SEC_SID_LEN 16

/* An ephemeral X25519 secret in guarded memory (inaccessible while idle).
 * Not thread safe: one handshake uses it. */
struct sec_eph;

/* sec_eph_new makes a fresh ephemeral key pair; its public key goes into
 * pk. The caller frees *out with sec_eph_free (wipes; accepts NULL) as soon
 * as the session is derived. sec_eph_from_secret takes the secret (the
 * known-answer tests' fixed keys; never in the daemon). */
WN_NODISCARD wn_err sec_eph_new(struct sec_eph **out,
    uint8_t pk[SEC_EPH_PK_LEN]);
WN_NODISCARD wn_err sec_eph_from_secret(const uint8_t sk[SEC_EPH_PK_LEN],
    struct sec_eph **out, uint8_t pk[SEC_EPH_PK_LEN]);
void sec_eph_free(struct sec_eph *e);

/* sec_session_th is the transcript hash the session keys bind:
 * BLAKE2b-256("wijknet session v4" || len(initiator) || initiator ||
 * len(responder) || responder || e_i || e_r || sid), lengths one byte.
 * Public values only. */
void sec_session_th(uint8_t th[SEC_HASH_LEN], const char *initiator,
    const char *responder, const uint8_t e_i[SEC_EPH_PK_LEN],
    const uint8_t e_r[SEC_EPH_PK_LEN], const uint8_t sid[SEC_SID_LEN]);

/* sec_session_derive derives a session's two keys from own (either
 * side's ephemeral secret; its public key must be e_i or e_r), the other
 * side's ephemeral public key their_pk, the static pair key and the
 * transcript (sec_session_th): *i2r seals what the initiator sends, *r2i
 * what the responder sends (its replies). WN_ECRYPTO when X25519 gives
 * all zeros (their_pk of low order, or the identity), WN_EINVAL for an
 * org id over 255 bytes or own not named, WN_ENOMEM. The caller frees
 * both with sec_peer_key_free; nothing is written on failure. */
WN_NODISCARD wn_err sec_session_derive(const struct sec_eph *own,
    const uint8_t their_pk[SEC_EPH_PK_LEN], const struct sec_peer_key *pair,
    const char *initiator, const char *responder,
    const uint8_t e_i[SEC_EPH_PK_LEN], const uint8_t e_r[SEC_EPH_PK_LEN],
    const uint8_t sid[SEC_SID_LEN], struct sec_peer_key **i2r,
    struct sec_peer_key **r2i);

/* sec_box_seal encrypts len bytes of plain into out, which must hold
 * len + SEC_BOX_OVERHEAD bytes: nonce || ciphertext+tag. */
void sec_box_seal(const struct sec_peer_key *k, const void *plain, size_t len,
    uint8_t *out);

/* sec_box_open decrypts in (inlen bytes, as sealed) into out
 * (inlen - SEC_BOX_OVERHEAD bytes). WN_ECRYPTO on any failure. */
WN_NODISCARD wn_err sec_box_open(const struct sec_peer_key *k,
    const uint8_t *in, size_t inlen, uint8_t *out);

/* sec_pad_bucket is the padded size for a body of len bytes: the next
 * power of two above len, at least 256, so lengths say little. */
size_t sec_pad_bucket(size_t len);
/* sec_pad pads buf (len bytes used, cap available) to sec_pad_bucket(len)
 * with ISO/IEC 7816-4 padding; sec_unpad reverses it. */
WN_NODISCARD wn_err sec_pad(uint8_t *buf, size_t len, size_t cap,
    size_t *padded);
WN_NODISCARD wn_err sec_unpad(const uint8_t *buf, size_t padded, size_t *len);

/* sec_hash computes BLAKE2b-256 over the concatenation of n parts. */
struct sec_part {
	const void *p;
	size_t len;
};
void sec_hash(uint8_t out[SEC_HASH_LEN], const struct sec_part *parts,
    size_t n);
/* sec_hash_domain is sec_hash keyed with the text domain (BLAKE2b's key,
 * at most 64 bytes): hashes of one kind of input can never equal hashes
 * of another ("wijknet-xfer": a transfer; the fingerprint's
 * "wijknet-fp"). */
void sec_hash_domain(uint8_t out[SEC_HASH_LEN], const char *domain,
    const struct sec_part *parts, size_t n);

void sec_random(void *buf, size_t len);
bool sec_equal(const void *a, const void *b, size_t len);
void sec_wipe(void *p, size_t len);
/* sec_hex writes 2*len hex digits plus NUL into out (cap bytes). */
void sec_hex(char *out, size_t cap, const void *bin, size_t len);
/* sec_unhex parses exactly 2*len hex digits. */
bool sec_unhex(void *bin, size_t len, const char *hex);

/*
 * OPRF: RFC 9497, mode 0 (modeOPRF), suite ristretto255-SHA512
 * (crypto/oprf.c). A client blinds its input, a server holding the key
 * evaluates the blinded element without learning the input, and the client
 * unblinds and hashes to a 64-byte output that only the key's holder could
 * help make: the same input gives the same output on every client.
 *
 * Every element that comes from outside (a blinded element at the server,
 * an evaluated element at the client) is refused with WN_ECRYPTO when it is
 * not a canonical ristretto255 encoding or is the identity. Scalars are
 * wiped after use. Inputs are at most SEC_OPRF_INPUT_MAX bytes (WN_EINVAL).
 */
#define SEC_OPRF_ELEMENT_LEN 32
#define SEC_OPRF_SCALAR_LEN 32
#define SEC_OPRF_SEED_LEN 32
#define SEC_OPRF_OUTPUT_LEN 64
#define SEC_OPRF_INPUT_MAX 8192 /* RFC 9497: at most 2^13 bytes */
#define SEC_OPRF_INFO_MAX 65535

/* The server's secret scalar, in guarded memory that is inaccessible while
 * idle. Thread safe. */
struct sec_oprf_key;

/* sec_oprf_key_derive is RFC 9497's DeriveKeyPair(seed, info): the same
 * seed and info give the same key on every node. WN_EINVAL if info is
 * longer than SEC_OPRF_INFO_MAX, WN_ECRYPTO if no counter gives a non-zero
 * scalar, WN_ENOMEM. The caller frees *out with sec_oprf_key_free. */
WN_NODISCARD wn_err sec_oprf_key_derive(const uint8_t seed[SEC_OPRF_SEED_LEN],
    const void *info, size_t info_len, struct sec_oprf_key **out);
/* sec_oprf_key_import takes a serialized scalar (from sec_oprf_key_export);
 * WN_ECRYPTO if it is zero or not below the group order. */
WN_NODISCARD wn_err sec_oprf_key_import(const uint8_t sk[SEC_OPRF_SCALAR_LEN],
    struct sec_oprf_key **out);
/* sec_oprf_key_export writes the serialized scalar, to seal it for storage
 * only: the caller wipes sk (sec_wipe) as soon as it is sealed. */
void sec_oprf_key_export(struct sec_oprf_key *k,
    uint8_t sk[SEC_OPRF_SCALAR_LEN]);
/* sec_oprf_key_free wipes and frees k; NULL is fine. */
void sec_oprf_key_free(struct sec_oprf_key *k);
/* sec_oprf_key_id names k by a value derived from it, not by a counter:
 * the first 6 bytes, big-endian, of BLAKE2b-256 (unkeyed) of the 32-byte
 * encoding of k*G (G the ristretto255 generator), a number from 1 to
 * 2^48 - 1 (one that comes out 0 is taken as 1). Two keys made apart
 * (a store lost and a key made again) differ in it but for a chance of
 * 2^-48; k*G is public (a verifiable OPRF's public key), so the id
 * tells nothing of k. WN_ECRYPTO if k*G cannot be computed. */
WN_NODISCARD wn_err sec_oprf_key_id(struct sec_oprf_key *k, uint64_t *id);

/* A client's blind between sec_oprf_blind and sec_oprf_finalize: caller
 * storage, secret. sec_oprf_finalize wipes it; a caller that gives up
 * before wipes it with sec_oprf_blind_release. */
struct sec_oprf_blind {
	uint8_t r[SEC_OPRF_SCALAR_LEN];
};
void sec_oprf_blind_release(struct sec_oprf_blind *b);

/* sec_oprf_blind is Blind(input): a fresh random blind into *b and the
 * element to send to the server into blinded. WN_ECRYPTO if the input hashes
 * to the identity (RFC 9497's InvalidInputError; not reachable in practice),
 * WN_EINVAL for an input over SEC_OPRF_INPUT_MAX. *b and blinded are
 * written only on success. */
WN_NODISCARD wn_err sec_oprf_blind(const void *input, size_t len,
    struct sec_oprf_blind *b, uint8_t blinded[SEC_OPRF_ELEMENT_LEN]);
/* sec_oprf_blind_with is sec_oprf_blind with the blind given (known-answer
 * tests); WN_ECRYPTO if r is zero or not a canonical scalar. */
WN_NODISCARD wn_err sec_oprf_blind_with(const void *input, size_t len,
    const uint8_t r[SEC_OPRF_SCALAR_LEN], struct sec_oprf_blind *b,
    uint8_t blinded[SEC_OPRF_ELEMENT_LEN]);

/* sec_oprf_element_valid: p is the canonical encoding of a ristretto255
 * element other than the identity (an encoding with the top bit set is
 * never canonical): what sec_oprf_evaluate and sec_oprf_finalize accept.
 * For decoders that check every element before anything is computed. */
bool sec_oprf_element_valid(const uint8_t p[SEC_OPRF_ELEMENT_LEN]);

/* sec_oprf_evaluate is BlindEvaluate(skS, blindedElement), at the server:
 * WN_ECRYPTO if blinded is not a valid element or is the identity. */
WN_NODISCARD wn_err sec_oprf_evaluate(struct sec_oprf_key *k,
    const uint8_t blinded[SEC_OPRF_ELEMENT_LEN],
    uint8_t evaluated[SEC_OPRF_ELEMENT_LEN]);

/* sec_oprf_finalize is Finalize(input, blind, evaluatedElement): unblinds
 * and hashes into out. It wipes *b whatever the result. WN_ECRYPTO if
 * evaluated is not a valid element or is the identity, WN_EINVAL for an
 * input over SEC_OPRF_INPUT_MAX. */
WN_NODISCARD wn_err sec_oprf_finalize(const void *input, size_t len,
    struct sec_oprf_blind *b, const uint8_t evaluated[SEC_OPRF_ELEMENT_LEN],
    uint8_t out[SEC_OPRF_OUTPUT_LEN]);

#endif
