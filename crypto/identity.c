/*
 * identity.c - a node's keys and its key file.
 *
 * Key file layout (244 bytes, big-endian integers):
 *
 *   0  magic "WNKEY" 0 0 1          (8)   format version 1
 *   8  kdf algorithm (1 = Argon2id v1.3), 3 bytes zero
 *  12  opslimit (8)  20 memlimit (8)  28 salt (16)
 *  44  Ed25519 public key (32)  76 X25519 public key (32)
 * 108  nonce (24)
 * 132  XChaCha20-Poly1305 ciphertext of Ed25519 seed || X25519 secret (64+16)
 * 212  BLAKE2b-256 of bytes 0..211 (32)
 *
 * The checksum tells a damaged file (WN_ECORRUPT) from a wrong passphrase
 * (WN_EAUTH, the AEAD tag fails). Bytes 0..131 are the AEAD's associated
 * data, so the public keys and KDF limits cannot be swapped either.
 *
 * Argon2id(passphrase, salt) gives a master key; crypto_kdf derives from it
 * the key-file key (id 1) and the SQLCipher store key (id 2). The master key
 * is wiped right after. Secret keys sit in sodium_malloc memory that is
 * PROT_NONE except while a call uses them.
 */
#include "crypto/sec.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define KF_MAGIC "WNKEY\0\0\1"
#define KF_LEN 244
#define KF_OFF_ALG 8
#define KF_OFF_OPS 12
#define KF_OFF_MEM 20
#define KF_OFF_SALT 28
#define KF_OFF_SIGNPK 44
#define KF_OFF_KXPK 76
#define KF_OFF_NONCE 108
#define KF_OFF_CT 132
#define KF_CT_LEN (64 + crypto_aead_xchacha20poly1305_ietf_ABYTES)
#define KF_OFF_SUM 212

#define KDF_CTX "wnkeys01"
#define KDF_ID_KEYFILE 1
#define KDF_ID_STORE 2

struct secrets {
	uint8_t sign_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t kx_sk[crypto_scalarmult_SCALARBYTES];
	uint8_t store_key[32];
	/* the key-file key: kept so that a running node can write the key
	 * file of its next keys (sec_identity_next_create) without asking
	 * for the passphrase again; as secret as the store key */
	uint8_t kf_key[32];
};

struct sec_identity {
	pthread_mutex_t mtx;
	struct sec_public pub;
	/* the key file's bytes 0..43 (magic, KDF and its limits, salt): a
	 * next key file shares them, so one passphrase opens both and the
	 * store key stays the same */
	uint8_t head[KF_OFF_SIGNPK];
	struct secrets *sk; /* sodium_malloc, PROT_NONE while idle */
};

static void
put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

bool
sec_kdf_level_parse(const char *text, enum sec_kdf_level *out)
{
	static const char *const names[] = {"interactive", "moderate",
	    "sensitive"};
	for (size_t i = 0; i < WN_ARRAY_LEN(names); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum sec_kdf_level)i;
			return true;
		}
	}
	return false;
}

static void
kdf_limits(enum sec_kdf_level level, uint64_t *ops, uint64_t *mem)
{
	switch (level) {
	case SEC_KDF_INTERACTIVE:
		*ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		*mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	case SEC_KDF_SENSITIVE:
		*ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
		*mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
		break;
	default:
		*ops = crypto_pwhash_OPSLIMIT_MODERATE;
		*mem = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	}
}

static struct sec_identity *
identity_alloc(void)
{
	struct sec_identity *id = calloc(1, sizeof(*id));
	if (id == NULL)
		return NULL;
	id->sk = sodium_malloc(sizeof(*id->sk));
	if (id->sk == NULL) {
		free(id);
		return NULL;
	}
	sodium_memzero(id->sk, sizeof(*id->sk));
	pthread_mutex_init(&id->mtx, NULL);
	return id;
}

void
sec_identity_free(struct sec_identity *id)
{
	if (id == NULL)
		return;
	sodium_mprotect_readwrite(id->sk);
	sodium_free(id->sk); /* wipes */
	pthread_mutex_destroy(&id->mtx);
	free(id);
}

const struct sec_public *
sec_identity_public(const struct sec_identity *id)
{
	return &id->pub;
}

/* derive fills the key-file key and the identity's store key from the
 * passphrase; both live in guarded memory. */
static wn_err
derive(const struct sec_secret *pass, const uint8_t *salt, uint64_t ops,
    uint64_t mem, uint8_t *kf_key, uint8_t *store_key)
{
	uint8_t *master = sodium_malloc(crypto_kdf_KEYBYTES);
	wn_err rc = WN_ENOMEM;
	if (master == NULL)
		return rc;
	if (crypto_pwhash(master, crypto_kdf_KEYBYTES, pass->data, pass->len,
		salt, ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		goto out;
	crypto_kdf_derive_from_key(kf_key, 32, KDF_ID_KEYFILE, KDF_CTX, master);
	crypto_kdf_derive_from_key(store_key, 32, KDF_ID_STORE, KDF_CTX,
	    master);
	rc = WN_OK;
out:
	sodium_free(master);
	return rc;
}

static wn_err
write_all_sync(const char *path, const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == EEXIST ? WN_EBUSY : WN_EIO;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	/* the new directory entry must be durable too */
	char dir[4096];
	wn_strlcpy(dir, path, sizeof(dir));
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return WN_OK;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
	close(fd);
	unlink(path);
	return WN_EIO;
}

wn_err
sec_identity_create(const char *path, const struct sec_secret *pass,
    enum sec_kdf_level level, struct sec_identity **out, char *err,
    size_t errlen)
{
	wn_err rc = WN_ENOMEM;
	uint8_t file[KF_LEN];
	uint8_t *kf_key = sodium_malloc(32);
	uint8_t *plain = sodium_malloc(64);
	struct sec_identity *id = identity_alloc();
	uint64_t ops, mem;

	if (kf_key == NULL || plain == NULL || id == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	kdf_limits(level, &ops, &mem);
	memset(file, 0, sizeof(file));
	memcpy(file, KF_MAGIC, 8);
	file[KF_OFF_ALG] = 1;
	put64(file + KF_OFF_OPS, ops);
	put64(file + KF_OFF_MEM, mem);
	randombytes_buf(file + KF_OFF_SALT, crypto_pwhash_SALTBYTES);

	uint8_t seed[crypto_sign_SEEDBYTES];
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(id->pub.sign_pk, id->sk->sign_sk, seed);
	randombytes_buf(id->sk->kx_sk, sizeof(id->sk->kx_sk));
	crypto_scalarmult_base(id->pub.kx_pk, id->sk->kx_sk);
	memcpy(plain, seed, 32);
	memcpy(plain + 32, id->sk->kx_sk, 32);
	sodium_memzero(seed, sizeof(seed));
	memcpy(file + KF_OFF_SIGNPK, id->pub.sign_pk, 32);
	memcpy(file + KF_OFF_KXPK, id->pub.kx_pk, 32);
	randombytes_buf(file + KF_OFF_NONCE, 24);

	if (derive(pass, file + KF_OFF_SALT, ops, mem, kf_key,
		id->sk->store_key) != WN_OK) {
		snprintf(err, errlen, "key derivation failed (out of memory?)");
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + KF_OFF_CT, NULL,
	    plain, 64, file, KF_OFF_CT, NULL, file + KF_OFF_NONCE, kf_key);
	crypto_generichash(file + KF_OFF_SUM, 32, file, KF_OFF_SUM, NULL, 0);
	if ((rc = write_all_sync(path, file, sizeof(file), err, errlen)) !=
	    WN_OK)
		goto out;
	memcpy(id->head, file, sizeof(id->head));
	memcpy(id->sk->kf_key, kf_key, 32);
	sodium_mprotect_noaccess(id->sk);
	*out = id;
	id = NULL;
out:
	sodium_free(kf_key);
	sodium_free(plain);
	sec_identity_free(id);
	return rc;
}

/* read_keyfile reads and structurally checks the file; no secrets yet. */
static wn_err
read_keyfile(const char *path, uint8_t file[KF_LEN], char *err, size_t errlen)
{
	struct stat st;
	wn_err rc = WN_EIO;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return WN_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: key file is accessible to group or others (mode %04o); "
		    "refusing to use it: chmod 600 it",
		    path, (unsigned)(st.st_mode & 07777));
		rc = WN_EPERM;
		goto out;
	}
	if (st.st_size != KF_LEN) {
		snprintf(err, errlen,
		    "%s: key file is damaged (size %lld, expected %d)", path,
		    (long long)st.st_size, KF_LEN);
		rc = WN_ECORRUPT;
		goto out;
	}
	size_t off = 0;
	while (off < KF_LEN) {
		ssize_t r = read(fd, file + off, KF_LEN - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: short read", path);
			goto out;
		}
		off += (size_t)r;
	}
	uint8_t sum[32];
	crypto_generichash(sum, 32, file, KF_OFF_SUM, NULL, 0);
	if (sodium_memcmp(sum, file + KF_OFF_SUM, 32) != 0 ||
	    memcmp(file, KF_MAGIC, 8) != 0 || file[KF_OFF_ALG] != 1) {
		snprintf(err, errlen,
		    "%s: key file is damaged (checksum or header mismatch)",
		    path);
		rc = WN_ECORRUPT;
		goto out;
	}
	uint64_t ops = get64(file + KF_OFF_OPS), mem = get64(file + KF_OFF_MEM);
	if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > 64 ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > (4ULL << 30)) {
		snprintf(err, errlen, "%s: key file has unusable KDF limits",
		    path);
		rc = WN_ECORRUPT;
		goto out;
	}
	rc = WN_OK;
out:
	close(fd);
	return rc;
}

wn_err
sec_public_read(const char *path, struct sec_public *out, char *err,
    size_t errlen)
{
	uint8_t file[KF_LEN];
	wn_err rc = read_keyfile(path, file, err, errlen);
	if (rc != WN_OK)
		return rc;
	memcpy(out->sign_pk, file + KF_OFF_SIGNPK, 32);
	memcpy(out->kx_pk, file + KF_OFF_KXPK, 32);
	return WN_OK;
}

wn_err
sec_identity_unlock(const char *path, const struct sec_secret *pass,
    struct sec_identity **out, char *err, size_t errlen)
{
	uint8_t file[KF_LEN];
	wn_err rc;
	uint8_t *kf_key = NULL, *plain = NULL;
	struct sec_identity *id = NULL;

	if ((rc = read_keyfile(path, file, err, errlen)) != WN_OK)
		return rc;
	rc = WN_ENOMEM;
	kf_key = sodium_malloc(32);
	plain = sodium_malloc(64);
	id = identity_alloc();
	if (kf_key == NULL || plain == NULL || id == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (derive(pass, file + KF_OFF_SALT, get64(file + KF_OFF_OPS),
		get64(file + KF_OFF_MEM), kf_key, id->sk->store_key) != WN_OK) {
		snprintf(err, errlen, "key derivation failed (out of memory?)");
		goto out;
	}
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL,
		file + KF_OFF_CT, KF_CT_LEN, file, KF_OFF_CT,
		file + KF_OFF_NONCE, kf_key) != 0) {
		snprintf(err, errlen, "%s: wrong passphrase", path);
		rc = WN_EAUTH;
		goto out;
	}
	crypto_sign_seed_keypair(id->pub.sign_pk, id->sk->sign_sk, plain);
	memcpy(id->sk->kx_sk, plain + 32, 32);
	crypto_scalarmult_base(id->pub.kx_pk, id->sk->kx_sk);
	if (sodium_memcmp(id->pub.sign_pk, file + KF_OFF_SIGNPK, 32) != 0 ||
	    sodium_memcmp(id->pub.kx_pk, file + KF_OFF_KXPK, 32) != 0) {
		snprintf(err, errlen,
		    "%s: key file is damaged (keys do not match)", path);
		rc = WN_ECORRUPT;
		goto out;
	}
	memcpy(id->head, file, sizeof(id->head));
	memcpy(id->sk->kf_key, kf_key, 32);
	sodium_mprotect_noaccess(id->sk);
	*out = id;
	id = NULL;
	rc = WN_OK;
out:
	sodium_free(kf_key);
	sodium_free(plain);
	sec_identity_free(id);
	return rc;
}

wn_err
sec_identity_next_create(struct sec_identity *id, const char *path,
    struct sec_identity **out, char *err, size_t errlen)
{
	wn_err rc = WN_ENOMEM;
	uint8_t file[KF_LEN];
	uint8_t *plain = sodium_malloc(64);
	struct sec_identity *nx = identity_alloc();
	uint8_t seed[crypto_sign_SEEDBYTES];

	if (plain == NULL || nx == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	memset(file, 0, sizeof(file));
	memcpy(file, id->head, sizeof(id->head));
	memcpy(nx->head, id->head, sizeof(nx->head));
	randombytes_buf(seed, sizeof(seed));
	crypto_sign_seed_keypair(nx->pub.sign_pk, nx->sk->sign_sk, seed);
	randombytes_buf(nx->sk->kx_sk, sizeof(nx->sk->kx_sk));
	crypto_scalarmult_base(nx->pub.kx_pk, nx->sk->kx_sk);
	memcpy(plain, seed, 32);
	memcpy(plain + 32, nx->sk->kx_sk, 32);
	sodium_memzero(seed, sizeof(seed));
	memcpy(file + KF_OFF_SIGNPK, nx->pub.sign_pk, 32);
	memcpy(file + KF_OFF_KXPK, nx->pub.kx_pk, 32);
	randombytes_buf(file + KF_OFF_NONCE, 24);
	pthread_mutex_lock(&id->mtx);
	sodium_mprotect_readonly(id->sk);
	memcpy(nx->sk->store_key, id->sk->store_key, 32);
	memcpy(nx->sk->kf_key, id->sk->kf_key, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(file + KF_OFF_CT, NULL,
	    plain, 64, file, KF_OFF_CT, NULL, file + KF_OFF_NONCE,
	    id->sk->kf_key);
	sodium_mprotect_noaccess(id->sk);
	pthread_mutex_unlock(&id->mtx);
	crypto_generichash(file + KF_OFF_SUM, 32, file, KF_OFF_SUM, NULL, 0);
	if ((rc = write_all_sync(path, file, sizeof(file), err, errlen)) !=
	    WN_OK)
		goto out;
	sodium_mprotect_noaccess(nx->sk);
	*out = nx;
	nx = NULL;
out:
	sodium_free(plain);
	sec_identity_free(nx);
	return rc;
}

bool
sec_identity_same_file_keys(struct sec_identity *a, struct sec_identity *b)
{
	bool same;
	if (sodium_memcmp(a->head, b->head, sizeof(a->head)) != 0)
		return false;
	pthread_mutex_lock(&a->mtx);
	pthread_mutex_lock(&b->mtx);
	sodium_mprotect_readonly(a->sk);
	sodium_mprotect_readonly(b->sk);
	same = sodium_memcmp(a->sk->store_key, b->sk->store_key, 32) == 0 &&
	    sodium_memcmp(a->sk->kf_key, b->sk->kf_key, 32) == 0;
	sodium_mprotect_noaccess(b->sk);
	sodium_mprotect_noaccess(a->sk);
	pthread_mutex_unlock(&b->mtx);
	pthread_mutex_unlock(&a->mtx);
	return same;
}

void
sec_identity_adopt(struct sec_identity *id, struct sec_identity *next)
{
	pthread_mutex_lock(&id->mtx);
	pthread_mutex_lock(&next->mtx);
	sodium_mprotect_readwrite(id->sk);
	sodium_mprotect_readonly(next->sk);
	memcpy(id->sk->sign_sk, next->sk->sign_sk, sizeof(id->sk->sign_sk));
	memcpy(id->sk->kx_sk, next->sk->kx_sk, sizeof(id->sk->kx_sk));
	/* the public keys are read without the lock (borrowed): each is
	 * written whole, before the secrets are used again */
	memcpy(&id->pub, &next->pub, sizeof(id->pub));
	sodium_mprotect_noaccess(next->sk);
	sodium_mprotect_noaccess(id->sk);
	pthread_mutex_unlock(&next->mtx);
	pthread_mutex_unlock(&id->mtx);
}

wn_err
sec_identity_sign(struct sec_identity *id, const void *msg, size_t len,
    uint8_t sig[SEC_SIG_LEN])
{
	pthread_mutex_lock(&id->mtx);
	sodium_mprotect_readonly(id->sk);
	crypto_sign_detached(sig, NULL, msg, len, id->sk->sign_sk);
	sodium_mprotect_noaccess(id->sk);
	pthread_mutex_unlock(&id->mtx);
	return WN_OK;
}

wn_err
sec_identity_store_pragma(struct sec_identity *id, struct sec_secret **out)
{
	static const char head[] = "PRAGMA key = \"x'";
	static const char tail[] = "'\";";
	struct sec_secret *s = NULL;
	size_t hl = sizeof(head) - 1;
	wn_err rc = sec_secret_new(hl + 64 + sizeof(tail) - 1, &s);
	if (rc != WN_OK)
		return rc;
	memcpy(s->data, head, hl);
	pthread_mutex_lock(&id->mtx);
	sodium_mprotect_readonly(id->sk);
	sodium_bin2hex(s->data + hl, 65, id->sk->store_key, 32);
	sodium_mprotect_noaccess(id->sk);
	pthread_mutex_unlock(&id->mtx);
	memcpy(s->data + hl + 64, tail, sizeof(tail));
	*out = s;
	return WN_OK;
}

const char *
sec_public_check(const struct sec_public *pub)
{
	uint8_t sk[crypto_scalarmult_SCALARBYTES], q[crypto_scalarmult_BYTES];
	randombytes_buf(sk, sizeof(sk));
	/* a low-order point gives all zeros, which libsodium refuses: the
	 * same check crypto_box_beforenm makes when the peer key is used */
	int r = crypto_scalarmult(q, sk, pub->kx_pk);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(q, sizeof(q));
	if (r != 0)
		return "its kx_key is a low-order X25519 key (all zeros is "
		       "one): no key can be agreed with it";
	if (!crypto_core_ed25519_is_valid_point(pub->sign_pk))
		return "its sign_key is not a valid Ed25519 key (off the "
		       "curve or of small order)";
	return NULL;
}

void
sec_fingerprint(const struct sec_public *pub, char out[SEC_FINGERPRINT_LEN])
{
	static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint8_t h[15];
	crypto_generichash_state st;
	crypto_generichash_init(&st, (const uint8_t *)"wijknet-fp", 10,
	    sizeof(h));
	crypto_generichash_update(&st, pub->sign_pk, sizeof(pub->sign_pk));
	crypto_generichash_update(&st, pub->kx_pk, sizeof(pub->kx_pk));
	crypto_generichash_final(&st, h, sizeof(h));
	size_t o = 0;
	for (size_t i = 0; i < 24; i++) {
		size_t bit = i * 5;
		unsigned v = (unsigned)(h[bit / 8] << 8 |
				 (bit / 8 + 1 < sizeof(h) ? h[bit / 8 + 1] : 0));
		v = (v >> (11 - bit % 8)) & 31;
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = b32[v];
	}
	out[o] = '\0';
}

wn_err sec_identity_beforenm(struct sec_identity *id,
    const uint8_t peer_kx_pk[SEC_KX_PK_LEN], uint8_t *out);

/* sec_identity_beforenm is box.c's way to the X25519 secret. */
wn_err
sec_identity_beforenm(struct sec_identity *id,
    const uint8_t peer_kx_pk[SEC_KX_PK_LEN], uint8_t *out)
{
	int r;
	pthread_mutex_lock(&id->mtx);
	sodium_mprotect_readonly(id->sk);
	r = crypto_box_beforenm(out, peer_kx_pk, id->sk->kx_sk);
	sodium_mprotect_noaccess(id->sk);
	pthread_mutex_unlock(&id->mtx);
	return r == 0 ? WN_OK : WN_ECRYPTO;
}
