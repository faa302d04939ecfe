/*
 * secret.c - secret memory and passphrase input.
 *
 * Secrets live in sodium_malloc memory (guard pages, mlock'ed, wiped on
 * free). A passphrase comes from a file only its owner can read, a systemd
 * credential, or the terminal: never from argv or the environment.
 */
#include "crypto/sec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

wn_err
sec_init(void)
{
	return sodium_init() < 0 ? WN_ECRYPTO : WN_OK;
}

wn_err
sec_secret_new(size_t len, struct sec_secret **out)
{
	struct sec_secret *s = malloc(sizeof(*s));
	if (s == NULL)
		return WN_ENOMEM;
	s->data = sodium_malloc(len + 1);
	if (s->data == NULL) {
		free(s);
		return WN_ENOMEM;
	}
	sodium_memzero(s->data, len + 1);
	s->len = len;
	*out = s;
	return WN_OK;
}

void
sec_secret_free(struct sec_secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->data); /* wipes */
	free(s);
}

/* read_private reads at most max bytes of a file only its owner may read;
 * *len gets the size. WN_ETOOBIG if the file holds more than max. */
static wn_err
read_private(const char *path, size_t max, const char *what,
    struct sec_secret **out, size_t *len, char *err, size_t errlen)
{
	wn_err rc = WN_EIO;
	struct sec_secret *s = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: %s file is accessible to group or others "
		    "(mode %04o); chmod 600 it",
		    path, what, (unsigned)(st.st_mode & 07777));
		rc = WN_EPERM;
		goto out;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen,
		    "%s: %s file is owned by uid %u, not by this user",
		    path, what, (unsigned)st.st_uid);
		rc = WN_EPERM;
		goto out;
	}
	if ((rc = sec_secret_new(max + 1, &s)) != WN_OK)
		goto out;
	size_t n = 0;
	for (;;) {
		ssize_t r = read(fd, s->data + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			rc = WN_EIO;
			goto out;
		}
		if (r == 0 || (n += (size_t)r) > max)
			break;
	}
	if (n > max) {
		snprintf(err, errlen, "%s: %s file longer than %zu bytes", path,
		    what, max);
		rc = WN_ETOOBIG;
		goto out;
	}
	*len = n;
	*out = s;
	s = NULL;
	rc = WN_OK;
out:
	sec_secret_free(s);
	if (fd >= 0)
		close(fd);
	return rc;
}

wn_err
sec_secret_read_file(const char *path, size_t max, struct sec_secret **out,
    char *err, size_t errlen)
{
	size_t n;
	wn_err rc = read_private(path, max, "secret", out, &n, err, errlen);
	if (rc == WN_OK)
		(*out)->len = n;
	return rc;
}

wn_err
sec_passphrase_read_file(const char *path, struct sec_secret **out, char *err,
    size_t errlen)
{
	struct sec_secret *s = NULL;
	size_t n;
	wn_err rc = read_private(path, SEC_PASSPHRASE_MAX, "passphrase", &s, &n,
	    err, errlen);
	if (rc == WN_ETOOBIG)
		rc = WN_EINVAL;
	if (rc != WN_OK)
		goto out;
	if (n > 0 && s->data[n - 1] == '\n')
		n--;
	if (n > 0 && s->data[n - 1] == '\r')
		n--;
	if (n == 0) {
		snprintf(err, errlen, "%s: passphrase is empty", path);
		rc = WN_EINVAL;
		goto out;
	}
	sodium_memzero(s->data + n, SEC_PASSPHRASE_MAX + 2 - n);
	s->len = n;
	*out = s;
	s = NULL;
	rc = WN_OK;
out:
	sec_secret_free(s);
	return rc;
}

wn_err
sec_passphrase_read_credential(const char *name, struct sec_secret **out,
    char *err, size_t errlen)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char path[4096];
	if (dir == NULL || *dir == '\0') {
		snprintf(err, errlen,
		    "passphrase source is 'credential' but $CREDENTIALS_DIRECTORY "
		    "is not set (use LoadCredential= in the systemd unit)");
		return WN_ECONFIG;
	}
	if (strchr(name, '/') != NULL ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
		sizeof(path)) {
		snprintf(err, errlen, "bad credential name '%s'", name);
		return WN_ECONFIG;
	}
	return sec_passphrase_read_file(path, out, err, errlen);
}

static wn_err
prompt_once(int fd, const char *prompt, struct sec_secret *s, char *err,
    size_t errlen)
{
	struct termios old, noecho;
	size_t n = 0;
	bool restore = false;
	wn_err rc = WN_EIO;

	if (write(fd, prompt, strlen(prompt)) < 0)
		goto out;
	if (tcgetattr(fd, &old) == 0) {
		noecho = old;
		noecho.c_lflag &= ~(tcflag_t)ECHO;
		noecho.c_lflag |= ECHONL;
		restore = tcsetattr(fd, TCSAFLUSH, &noecho) == 0;
	}
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n >= SEC_PASSPHRASE_MAX) {
			snprintf(err, errlen, "passphrase longer than %d bytes",
			    SEC_PASSPHRASE_MAX);
			rc = WN_EINVAL;
			goto out;
		}
		s->data[n++] = c;
	}
	if (n == 0) {
		snprintf(err, errlen, "passphrase is empty");
		rc = WN_EINVAL;
		goto out;
	}
	s->len = n;
	rc = WN_OK;
out:
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	return rc;
}

wn_err
sec_passphrase_prompt(const char *prompt, bool confirm,
    struct sec_secret **out, char *err, size_t errlen)
{
	struct sec_secret *a = NULL, *b = NULL;
	wn_err rc;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, errlen,
		    "no terminal to ask for the passphrase; configure a "
		    "passphrase file or credential");
		return WN_EIO;
	}
	if ((rc = sec_secret_new(SEC_PASSPHRASE_MAX, &a)) != WN_OK ||
	    (rc = prompt_once(fd, prompt, a, err, errlen)) != WN_OK)
		goto out;
	if (confirm) {
		if ((rc = sec_secret_new(SEC_PASSPHRASE_MAX, &b)) != WN_OK ||
		    (rc = prompt_once(fd, "Repeat passphrase: ", b, err,
			 errlen)) != WN_OK)
			goto out;
		if (a->len != b->len || sodium_memcmp(a->data, b->data,
					    a->len) != 0) {
			snprintf(err, errlen, "passphrases do not match");
			rc = WN_EINVAL;
			goto out;
		}
	}
	*out = a;
	a = NULL;
out:
	sec_secret_free(a);
	sec_secret_free(b);
	close(fd);
	return rc;
}

void
sec_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

bool
sec_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void
sec_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}

void
sec_hex(char *out, size_t cap, const void *bin, size_t len)
{
	WN_ASSERT(cap >= 2 * len + 1);
	sodium_bin2hex(out, cap, bin, len);
}

bool
sec_unhex(void *bin, size_t len, const char *hex)
{
	size_t got = 0;
	const char *end = NULL;
	if (strlen(hex) != 2 * len)
		return false;
	return sodium_hex2bin(bin, len, hex, 2 * len, NULL, &got, &end) == 0 &&
	    got == len && *end == '\0';
}

void
sec_hash(uint8_t out[SEC_HASH_LEN], const struct sec_part *parts, size_t n)
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, SEC_HASH_LEN);
	for (size_t i = 0; i < n; i++)
		crypto_generichash_update(&st, parts[i].p, parts[i].len);
	crypto_generichash_final(&st, out, SEC_HASH_LEN);
}

void
sec_hash_domain(uint8_t out[SEC_HASH_LEN], const char *domain,
    const struct sec_part *parts, size_t n)
{
	crypto_generichash_state st;
	size_t dl = strlen(domain);
	WN_ASSERT(dl > 0 && dl <= crypto_generichash_KEYBYTES_MAX);
	crypto_generichash_init(&st, (const uint8_t *)domain, dl, SEC_HASH_LEN);
	for (size_t i = 0; i < n; i++)
		crypto_generichash_update(&st, parts[i].p, parts[i].len);
	crypto_generichash_final(&st, out, SEC_HASH_LEN);
}

bool
sec_verify(const uint8_t pk[SEC_SIGN_PK_LEN], const void *msg, size_t len,
    const uint8_t sig[SEC_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, msg, len, pk) == 0;
}
