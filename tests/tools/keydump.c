/*
 * keydump.c - test tool: derives a node's secrets from its key file and
 * passphrase file, independently of crypto/ (only libsodium and the layout
 * documented in crypto/identity.c), and prints them as hex, one per line:
 * Ed25519 seed, X25519 secret key, store key. Integration tests grep logs
 * and output for them. Never installed.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

int main(int argc, char **argv);

static int
slurp(const char *path, unsigned char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return -1;
	*len = fread(buf, 1, cap, f);
	fclose(f);
	return 0;
}

static unsigned long long
get64(const unsigned char *p)
{
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
hex(const unsigned char *p, size_t n)
{
	char out[129];
	sodium_bin2hex(out, sizeof(out), p, n);
	puts(out);
}

int
main(int argc, char **argv)
{
	unsigned char kf[300], pass[1100], master[32], kfkey[32], store[32];
	unsigned char plain[64];
	size_t kflen, plen;
	if (argc != 3 || sodium_init() < 0 ||
	    slurp(argv[1], kf, sizeof(kf), &kflen) != 0 || kflen != 244 ||
	    slurp(argv[2], pass, sizeof(pass), &plen) != 0) {
		fprintf(stderr, "usage: keydump KEYFILE PASSFILE\n");
		return 2;
	}
	while (plen > 0 && (pass[plen - 1] == '\n' || pass[plen - 1] == '\r'))
		plen--;
	if (crypto_pwhash(master, 32, (const char *)pass, plen, kf + 28,
		get64(kf + 12), (size_t)get64(kf + 20),
		crypto_pwhash_ALG_ARGON2ID13) != 0)
		return 1;
	crypto_kdf_derive_from_key(kfkey, 32, 1, "wnkeys01", master);
	crypto_kdf_derive_from_key(store, 32, 2, "wnkeys01", master);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL,
		kf + 132, 80, kf, 132, kf + 108, kfkey) != 0) {
		fprintf(stderr, "keydump: wrong passphrase\n");
		return 1;
	}
	hex(plain, 32);
	hex(plain + 32, 32);
	hex(store, 32);
	return 0;
}
