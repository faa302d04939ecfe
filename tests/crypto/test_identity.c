/*
 * test_identity.c - the node identity and its key file: create and unlock,
 * wrong passphrase, every flipped byte, loose file modes, signatures,
 * fingerprints, passphrase files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "crypto/sec.h"

static char dir[64];
static char keypath[128];

static struct sec_secret *
pass_of(const char *text)
{
	struct sec_secret *s = NULL;
	assert_int_equal(sec_secret_new(strlen(text), &s), WN_OK);
	memcpy(s->data, text, strlen(text));
	return s;
}

static int
setup(void **state)
{
	(void)state;
	char err[256];
	struct sec_identity *id = NULL;
	struct sec_secret *p = pass_of("correct horse");
	wn_strlcpy(dir, "/tmp/test_identity.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	snprintf(keypath, sizeof(keypath), "%s/node.key", dir);
	assert_int_equal(sec_identity_create(keypath, p, SEC_KDF_INTERACTIVE,
			     &id, err, sizeof(err)),
	    WN_OK);
	sec_identity_free(id);
	sec_secret_free(p);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	*len = fread(buf, 1, cap, f);
	fclose(f);
}

static void
write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
	chmod(path, 0600);
}

static void
test_unlock_roundtrip(void **state)
{
	(void)state;
	char err[256];
	struct sec_identity *id = NULL;
	struct sec_public pub;
	struct sec_secret *p = pass_of("correct horse");
	uint8_t sig[SEC_SIG_LEN];
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(sec_public_read(keypath, &pub, err, sizeof(err)),
	    WN_OK);
	assert_memory_equal(pub.sign_pk, sec_identity_public(id)->sign_pk, 32);
	assert_memory_equal(pub.kx_pk, sec_identity_public(id)->kx_pk, 32);
	assert_int_equal(sec_identity_sign(id, "hello", 5, sig), WN_OK);
	assert_true(sec_verify(pub.sign_pk, "hello", 5, sig));
	assert_false(sec_verify(pub.sign_pk, "hellO", 5, sig));
	sig[10] ^= 1;
	assert_false(sec_verify(pub.sign_pk, "hello", 5, sig));
	sec_identity_free(id);
	sec_secret_free(p);
}

/* a key rotation: the next keys open with the same passphrase, key the
 * same store, differ from the current ones; adopted, the identity signs
 * with them and the old key no longer verifies what it signs */
static void
test_next_keys_and_adopt(void **state)
{
	(void)state;
	char err[256], nextpath[160];
	struct sec_identity *id = NULL, *nx = NULL, *again = NULL;
	struct sec_secret *p = pass_of("correct horse"), *ka = NULL, *kb = NULL;
	struct sec_public old, pub;
	uint8_t sig[SEC_SIG_LEN];
	snprintf(nextpath, sizeof(nextpath), "%s/node.key.next", dir);
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_OK);
	old = *sec_identity_public(id);
	assert_int_equal(sec_identity_next_create(id, nextpath, &nx, err,
			     sizeof(err)), WN_OK);
	assert_memory_not_equal(old.sign_pk, sec_identity_public(nx)->sign_pk,
	    32);
	assert_memory_not_equal(old.kx_pk, sec_identity_public(nx)->kx_pk, 32);
	/* a second one is refused (the file exists) */
	assert_int_equal(sec_identity_next_create(id, nextpath, &again, err,
			     sizeof(err)), WN_EBUSY);
	/* the file opens with the passphrase and holds the next keys */
	assert_int_equal(sec_identity_unlock(nextpath, p, &again, err,
			     sizeof(err)), WN_OK);
	assert_int_equal(sec_public_read(nextpath, &pub, err, sizeof(err)),
	    WN_OK);
	assert_memory_equal(pub.sign_pk, sec_identity_public(nx)->sign_pk, 32);
	assert_memory_equal(pub.kx_pk, sec_identity_public(again)->kx_pk, 32);
	assert_true(sec_identity_same_file_keys(id, again));
	assert_int_equal(sec_identity_store_pragma(id, &ka), WN_OK);
	assert_int_equal(sec_identity_store_pragma(again, &kb), WN_OK);
	assert_string_equal(ka->data, kb->data);
	sec_secret_free(ka);
	sec_secret_free(kb);
	/* adopted in place */
	sec_identity_adopt(id, nx);
	assert_memory_equal(sec_identity_public(id)->sign_pk, pub.sign_pk, 32);
	assert_int_equal(sec_identity_sign(id, "hello", 5, sig), WN_OK);
	assert_true(sec_verify(pub.sign_pk, "hello", 5, sig));
	assert_false(sec_verify(old.sign_pk, "hello", 5, sig));
	assert_int_equal(sec_identity_store_pragma(id, &ka), WN_OK);
	assert_int_equal(sec_identity_store_pragma(again, &kb), WN_OK);
	assert_string_equal(ka->data, kb->data);
	sec_secret_free(ka);
	sec_secret_free(kb);
	/* another passphrase's file is not the same */
	struct sec_secret *p2 = pass_of("battery staple");
	struct sec_identity *other = NULL;
	char otherpath[160];
	snprintf(otherpath, sizeof(otherpath), "%s/other.key", dir);
	assert_int_equal(sec_identity_create(otherpath, p2, SEC_KDF_INTERACTIVE,
			     &other, err, sizeof(err)), WN_OK);
	assert_false(sec_identity_same_file_keys(id, other));
	sec_identity_free(other);
	sec_secret_free(p2);
	unlink(otherpath);
	unlink(nextpath);
	sec_identity_free(again);
	sec_identity_free(nx);
	sec_identity_free(id);
	sec_secret_free(p);
}

static void
test_store_pragma_is_stable_and_secret(void **state)
{
	(void)state;
	char err[256];
	struct sec_identity *a = NULL, *b = NULL;
	struct sec_secret *p = pass_of("correct horse"), *ka = NULL, *kb = NULL;
	assert_int_equal(sec_identity_unlock(keypath, p, &a, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(sec_identity_unlock(keypath, p, &b, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(sec_identity_store_pragma(a, &ka), WN_OK);
	assert_int_equal(sec_identity_store_pragma(b, &kb), WN_OK);
	assert_string_equal(ka->data, kb->data);
	assert_int_equal(strncmp(ka->data, "PRAGMA key = \"x'", 16), 0);
	assert_int_equal(strlen(ka->data), 16 + 64 + 3);
	/* the store key is not the passphrase, nor a hex of it */
	assert_null(strstr(ka->data, "636f7272656374"));
	sec_secret_free(ka);
	sec_secret_free(kb);
	sec_identity_free(a);
	sec_identity_free(b);
	sec_secret_free(p);
}

static void
test_wrong_passphrase_changes_nothing(void **state)
{
	(void)state;
	char err[256];
	uint8_t before[512], after[512];
	size_t lb, la;
	struct sec_identity *id = NULL;
	struct sec_secret *p = pass_of("correct horsE");
	read_file(keypath, before, sizeof(before), &lb);
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_EAUTH);
	assert_null(id);
	assert_non_null(strstr(err, "wrong passphrase"));
	assert_non_null(strstr(err, keypath));
	read_file(keypath, after, sizeof(after), &la);
	assert_int_equal(la, lb);
	assert_memory_equal(before, after, lb);
	sec_secret_free(p);
}

static void
test_every_flipped_byte_is_damage(void **state)
{
	(void)state;
	char err[256];
	uint8_t orig[512], buf[512];
	size_t len;
	struct sec_public pub;
	struct sec_identity *id = NULL;
	struct sec_secret *p = pass_of("correct horse");
	read_file(keypath, orig, sizeof(orig), &len);
	assert_int_equal(len, 244);
	for (size_t i = 0; i < len; i++) {
		memcpy(buf, orig, len);
		buf[i] ^= 0x01;
		write_file(keypath, buf, len);
		/* the checksum catches it before any KDF runs */
		assert_int_equal(sec_public_read(keypath, &pub, err,
				     sizeof(err)),
		    WN_ECORRUPT);
		assert_int_equal(sec_identity_unlock(keypath, p, &id, err,
				     sizeof(err)),
		    WN_ECORRUPT);
		assert_non_null(strstr(err, "damaged"));
		assert_non_null(strstr(err, keypath));
	}
	write_file(keypath, orig, len - 1);
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_ECORRUPT);
	write_file(keypath, orig, len);
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_OK);
	sec_identity_free(id);
	sec_secret_free(p);
}

static void
test_loose_modes_refused(void **state)
{
	(void)state;
	char err[256], path[160];
	struct sec_identity *id = NULL;
	struct sec_secret *p = pass_of("correct horse"), *got = NULL;
	chmod(keypath, 0640);
	assert_int_equal(sec_identity_unlock(keypath, p, &id, err, sizeof(err)),
	    WN_EPERM);
	assert_non_null(strstr(err, "accessible to group or others"));
	chmod(keypath, 0600);

	snprintf(path, sizeof(path), "%s/pass", dir);
	FILE *f = fopen(path, "w");
	fputs("s3cret\n", f);
	fclose(f);
	chmod(path, 0604);
	assert_int_equal(sec_passphrase_read_file(path, &got, err, sizeof(err)),
	    WN_EPERM);
	assert_null(strstr(err, "s3cret"));
	chmod(path, 0600);
	assert_int_equal(sec_passphrase_read_file(path, &got, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(got->len, 6);
	assert_string_equal(got->data, "s3cret");
	sec_secret_free(got);
	f = fopen(path, "w");
	fputs("\n", f);
	fclose(f);
	assert_int_equal(sec_passphrase_read_file(path, &got, err, sizeof(err)),
	    WN_EINVAL);
	sec_secret_free(p);
}

static void
test_credential_needs_directory(void **state)
{
	(void)state;
	char err[256];
	struct sec_secret *got = NULL;
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_ECONFIG);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_int_equal(sec_passphrase_read_credential("../etc/passwd", &got,
			     err, sizeof(err)),
	    WN_ECONFIG);
	char path[160];
	snprintf(path, sizeof(path), "%s/wijknet-passphrase", dir);
	FILE *f = fopen(path, "w");
	fputs("from-systemd", f);
	fclose(f);
	chmod(path, 0400);
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(got->data, "from-systemd");
	sec_secret_free(got);
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* set_acl gives path the access ACL user::r--, user:uid:r-- (when uid is
 * not (uid_t)-1), group::gperm, mask::r--, other::--- as systemd does for
 * a credential on tmpfs; false where the file system has no ACLs */
static bool
set_acl(const char *path, uid_t uid, unsigned gperm)
{
	uint8_t b[4 + 5 * 8], *p = b;
	struct {
		uint16_t tag, perm;
		uint32_t id;
	} e[5] = {{0x01, 4, UINT32_MAX}, {0x02, 4, (uint32_t)uid},
	    {0x04, (uint16_t)gperm, UINT32_MAX}, {0x10, 4, UINT32_MAX},
	    {0x20, 0, UINT32_MAX}};
	size_t n = 0;
	/* little-endian, as the kernel keeps it */
	*p++ = 2, *p++ = 0, *p++ = 0, *p++ = 0;
	for (size_t i = 0; i < 5; i++) {
		if (e[i].tag == 0x02 && uid == (uid_t)-1)
			continue;
		*p++ = (uint8_t)e[i].tag, *p++ = (uint8_t)(e[i].tag >> 8);
		*p++ = (uint8_t)e[i].perm, *p++ = (uint8_t)(e[i].perm >> 8);
		for (int k = 0; k < 4; k++)
			*p++ = (uint8_t)(e[i].id >> (8 * k));
		n++;
	}
	return setxattr(path, "system.posix_acl_access", b, 4 + 8 * n, 0) ==
	    0;
}

static void
write_cred(const char *path, mode_t mode)
{
	unlink(path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("from-systemd-acl\n", f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* systemd >= 254 puts credentials on tmpfs, leaves them root's and lets
 * the service's user read them by an ACL: mode 0440 with the mask as
 * group bits. The daemon accepts that for a credential, and only that. */
static void
test_credential_acl(void **state)
{
	(void)state;
	char err[256], path[160];
	struct sec_secret *got = NULL;
	snprintf(path, sizeof(path), "%s/wijknet-passphrase", dir);
	write_cred(path, 0400);
	if (!set_acl(path, geteuid(), 0)) {
		unlink(path);
		skip(); /* no ACLs on this file system */
	}
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0440);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(got->data, "from-systemd-acl");
	sec_secret_free(got);
	got = NULL;
	/* the same file as a passphrase file outside the credentials:
	 * still the strict check */
	assert_int_equal(sec_passphrase_read_file(path, &got, err, sizeof(err)),
	    WN_EPERM);
	assert_non_null(strstr(err, "accessible to group or others"));

	/* an ACL that lets the owning group read */
	write_cred(path, 0400);
	assert_true(set_acl(path, geteuid(), 4));
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_EPERM);
	assert_null(strstr(err, "from-systemd"));
	/* an ACL that lets another user read */
	write_cred(path, 0400);
	assert_true(set_acl(path, geteuid() + 4242, 0));
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_EPERM);
	/* group bits with no ACL behind them are the group's */
	write_cred(path, 0440);
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_EPERM);
	/* others may never read */
	write_cred(path, 0404);
	assert_int_equal(sec_passphrase_read_credential("wijknet-passphrase",
			     &got, err, sizeof(err)),
	    WN_EPERM);
	assert_null(got);

	/* root's file, readable by the service's user (another uid) through
	 * the ACL: what that user's daemon finds */
	write_cred(path, 0400);
	assert_true(set_acl(path, 4242, 0));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	if (geteuid() == 0) {
		assert_true(sec_credential_private(fd, 4242));
		/* a third user's file is not root's nor 4242's */
		assert_int_equal(fchown(fd, 4343, 0), 0);
		assert_false(sec_credential_private(fd, 4242));
	} else {
		/* ours, not root's: 4242 is neither its owner nor root */
		assert_false(sec_credential_private(fd, 4242));
	}
	close(fd);
	unlink(path);
	unsetenv("CREDENTIALS_DIRECTORY");
}

static void
test_fingerprint_shape(void **state)
{
	(void)state;
	struct sec_public a, b;
	char fa[SEC_FINGERPRINT_LEN], fb[SEC_FINGERPRINT_LEN];
	memset(&a, 1, sizeof(a));
	b = a;
	b.kx_pk[31] ^= 1;
	sec_fingerprint(&a, fa);
	sec_fingerprint(&b, fb);
	assert_int_equal(strlen(fa), 29);
	for (int i = 0; i < 29; i++) {
		if (i % 5 == 4)
			assert_int_equal(fa[i], '-');
		else
			assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
			    fa[i]));
	}
	assert_string_not_equal(fa, fb);
}

static void
test_create_refuses_existing(void **state)
{
	(void)state;
	char err[256];
	struct sec_identity *id = NULL;
	struct sec_secret *p = pass_of("x");
	assert_int_equal(sec_identity_create(keypath, p, SEC_KDF_INTERACTIVE,
			     &id, err, sizeof(err)),
	    WN_EBUSY);
	assert_null(id);
	sec_secret_free(p);
}

static void
test_hex(void **state)
{
	(void)state;
	uint8_t bin[3] = {0x00, 0xab, 0xff}, back[3];
	char hex[7];
	sec_hex(hex, sizeof(hex), bin, 3);
	assert_string_equal(hex, "00abff");
	assert_true(sec_unhex(back, 3, "00abff"));
	assert_memory_equal(back, bin, 3);
	assert_false(sec_unhex(back, 3, "00abf"));
	assert_false(sec_unhex(back, 3, "00abfg"));
	assert_false(sec_unhex(back, 3, "00abff00"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unlock_roundtrip),
	    cmocka_unit_test(test_store_pragma_is_stable_and_secret),
	    cmocka_unit_test(test_next_keys_and_adopt),
	    cmocka_unit_test(test_wrong_passphrase_changes_nothing),
	    cmocka_unit_test(test_every_flipped_byte_is_damage),
	    cmocka_unit_test(test_loose_modes_refused),
	    cmocka_unit_test(test_credential_needs_directory),
	    cmocka_unit_test(test_credential_acl),
	    cmocka_unit_test(test_fingerprint_shape),
	    cmocka_unit_test(test_create_refuses_existing),
	    cmocka_unit_test(test_hex),
	};
	if (sec_init() != WN_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
