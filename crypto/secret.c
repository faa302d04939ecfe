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
#include <sys/xattr.h>
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

/* The POSIX access ACL as Linux keeps it in the xattr
 * system.posix_acl_access: a little-endian version (2), then entries of
 * tag, permissions and id. */
#define ACL_XATTR "system.posix_acl_access"
#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP_OBJ 0x04
#define ACL_TAG_GROUP 0x08
#define ACL_XATTR_MAX 1024

static uint32_t
le(const unsigned char *p, size_t n)
{
	uint32_t v = 0;
	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

bool
sec_credential_private(int fd, uid_t uid)
{
	unsigned char acl[ACL_XATTR_MAX];
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != uid && st.st_uid != 0) || (st.st_mode & 007) != 0)
		return false;
	if ((st.st_mode & 070) == 0)
		return true;
	/* group bits: only the mask of an ACL that names no group and no
	 * user but uid (systemd's credential on tmpfs: user:uid:r--) */
	ssize_t n = fgetxattr(fd, ACL_XATTR, acl, sizeof(acl));
	if (n < 4 || (n - 4) % 8 != 0 || le(acl, 4) != ACL_XATTR_VERSION)
		return false;
	for (ssize_t i = 4; i < n; i += 8) {
		uint32_t tag = le(acl + i, 2), perm = le(acl + i + 2, 2);
		uint32_t id = le(acl + i + 4, 4);
		if (perm == 0)
			continue;
		if (tag == ACL_TAG_GROUP_OBJ || tag == ACL_TAG_GROUP ||
		    (tag == ACL_TAG_USER && id != (uint32_t)uid))
			return false;
	}
	return true;
}

/* read_private reads at most max bytes of a file only its owner may read;
 * *len gets the size. WN_ETOOBIG if the file holds more than max. A
 * systemd credential (cred) may instead be root's, readable by this user
 * through an ACL (sec_credential_private). */
static wn_err
read_private(const char *path, size_t max, const char *what, bool cred,
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
	if (cred && sec_credential_private(fd, geteuid())) {
		/* root's or ours; no group, no other user */
	} else if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen,
		    "%s: %s file is accessible to group or others "
		    "(mode %04o); chmod 600 it",
		    path, what, (unsigned)(st.st_mode & 07777));
		rc = WN_EPERM;
		goto out;
	} else if (st.st_uid != geteuid()) {
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
	wn_err rc = read_private(path, max, "secret", false, out, &n, err,
	    errlen);
	if (rc == WN_OK)
		(*out)->len = n;
	return rc;
}

static wn_err
read_passphrase(const char *path, bool cred, struct sec_secret **out,
    char *err, size_t errlen)
{
	struct sec_secret *s = NULL;
	size_t n;
	wn_err rc = read_private(path, SEC_PASSPHRASE_MAX,
	    cred ? "credential" : "passphrase", cred, &s, &n, err, errlen);
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
sec_passphrase_read_file(const char *path, struct sec_secret **out, char *err,
    size_t errlen)
{
	return read_passphrase(path, false, out, err, errlen);
}

wn_err
sec_passphrase_floor(const struct sec_secret *pass, char *err, size_t errlen)
{
	bool seen[256] = {false};
	size_t chars = 0, distinct = 0;
	for (size_t i = 0; pass != NULL && i < pass->len; i++) {
		unsigned char c = (unsigned char)pass->data[i];
		if ((c & 0xC0) != 0x80) /* not a continuation byte */
			chars++;
		if (!seen[c]) {
			seen[c] = true;
			distinct++;
		}
	}
	if (chars < SEC_PASSPHRASE_MIN) {
		snprintf(err, errlen, "the passphrase is too short: it needs at "
		    "least %d characters (a few unrelated words make a good one)",
		    SEC_PASSPHRASE_MIN);
		return WN_EINVAL;
	}
	if (distinct < SEC_PASSPHRASE_MIN_DISTINCT) {
		snprintf(err, errlen, "the passphrase repeats too few "
		    "characters: it needs at least %d different ones",
		    SEC_PASSPHRASE_MIN_DISTINCT);
		return WN_EINVAL;
	}
	return WN_OK;
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
	return read_passphrase(path, true, out, err, errlen);
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
