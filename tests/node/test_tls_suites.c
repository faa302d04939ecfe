/*
 * test_tls_suites.c - the TLS suites a node speaks are pinned to ECDHE
 * with AEAD (node_tls_conf_pin, node/exchange/tls.c; PROTOCOL.md,
 * "Transport"). Every pinned suite is ECDHE and AEAD; and a handshake
 * driven in memory between mbed TLS contexts shows it: a client that
 * offers only a suite without an ephemeral key exchange (static ECDH,
 * which an ECDSA certificate allows) fails against a pinned server, and
 * succeeds against the same server unpinned (so the suite would be taken
 * but for the pin); a client with mbed TLS's default list ends on an
 * ECDHE suite with the pinned server.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <sys/random.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "node/exchange/exchange.h"

static int
rng(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/* a self-signed ECDSA P-256 certificate and its key */
static mbedtls_pk_context key;
static mbedtls_x509_crt crt;

static int
setup(void **state)
{
	mbedtls_x509write_cert w;
	mbedtls_mpi serial;
	unsigned char pem[4096];
	(void)state;
	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_pk_setup(&key,
		mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key),
		rng, NULL) != 0)
		return -1;
	mbedtls_x509write_crt_init(&w);
	mbedtls_mpi_init(&serial);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, &key);
	mbedtls_x509write_crt_set_issuer_key(&w, &key);
	int rc = mbedtls_mpi_lset(&serial, 1) != 0 ||
	    mbedtls_x509write_crt_set_serial(&w, &serial) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, "CN=server") != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, "CN=server") != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, "20200101000000",
		"20991231235959") != 0 ||
	    mbedtls_x509write_crt_pem(&w, pem, sizeof(pem), rng, NULL) != 0 ||
	    mbedtls_x509_crt_parse(&crt, pem, strlen((char *)pem) + 1) != 0;
	mbedtls_x509write_crt_free(&w);
	mbedtls_mpi_free(&serial);
	return rc ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	return 0;
}

/* ---- an in-memory pipe between two contexts -------------------------- */

struct pipe {
	unsigned char buf[65536];
	size_t len;
};

struct end {
	struct pipe *in, *out;
};

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct end *e = ctx;
	if (len > sizeof(e->out->buf) - e->out->len)
		len = sizeof(e->out->buf) - e->out->len;
	if (len == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	memcpy(e->out->buf + e->out->len, buf, len);
	e->out->len += len;
	return (int)len;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct end *e = ctx;
	if (e->in->len == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (len > e->in->len)
		len = e->in->len;
	memcpy(buf, e->in->buf, len);
	memmove(e->in->buf, e->in->buf + len, e->in->len - len);
	e->in->len -= len;
	return (int)len;
}

/* handshake runs a client offering only `offer` (NULL: mbed TLS's
 * defaults) against a server pinned or not; true if both ends finish.
 * The suite agreed goes to *suite. */
static bool
handshake(const int *offer, bool pinned, int *suite)
{
	mbedtls_ssl_config sc, cc;
	mbedtls_ssl_context s, c;
	static struct pipe c2s, s2c;
	struct end se = {&c2s, &s2c}, ce = {&s2c, &c2s};
	bool sdone = false, cdone = false, failed = false;
	c2s.len = s2c.len = 0;
	mbedtls_ssl_config_init(&sc);
	mbedtls_ssl_config_init(&cc);
	mbedtls_ssl_init(&s);
	mbedtls_ssl_init(&c);
	assert_int_equal(mbedtls_ssl_config_defaults(&sc, MBEDTLS_SSL_IS_SERVER,
			     MBEDTLS_SSL_TRANSPORT_STREAM,
			     MBEDTLS_SSL_PRESET_DEFAULT),
	    0);
	assert_int_equal(mbedtls_ssl_config_defaults(&cc, MBEDTLS_SSL_IS_CLIENT,
			     MBEDTLS_SSL_TRANSPORT_STREAM,
			     MBEDTLS_SSL_PRESET_DEFAULT),
	    0);
	mbedtls_ssl_conf_rng(&sc, rng, NULL);
	mbedtls_ssl_conf_rng(&cc, rng, NULL);
	if (pinned)
		node_tls_conf_pin(&sc);
	mbedtls_ssl_conf_authmode(&sc, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_authmode(&cc, MBEDTLS_SSL_VERIFY_NONE);
	assert_int_equal(mbedtls_ssl_conf_own_cert(&sc, &crt, &key), 0);
	if (offer != NULL)
		mbedtls_ssl_conf_ciphersuites(&cc, offer);
	assert_int_equal(mbedtls_ssl_setup(&s, &sc), 0);
	assert_int_equal(mbedtls_ssl_setup(&c, &cc), 0);
	mbedtls_ssl_set_bio(&s, &se, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_bio(&c, &ce, bio_send, bio_recv, NULL);
	for (int i = 0; i < 200 && !failed && !(sdone && cdone); i++) {
		int r;
		if (!cdone) {
			r = mbedtls_ssl_handshake(&c);
			if (r == 0)
				cdone = true;
			else if (r != MBEDTLS_ERR_SSL_WANT_READ &&
			    r != MBEDTLS_ERR_SSL_WANT_WRITE)
				failed = true;
		}
		if (!sdone && !failed) {
			r = mbedtls_ssl_handshake(&s);
			if (r == 0)
				sdone = true;
			else if (r != MBEDTLS_ERR_SSL_WANT_READ &&
			    r != MBEDTLS_ERR_SSL_WANT_WRITE)
				failed = true;
		}
	}
	if (sdone && cdone && suite != NULL)
		*suite = mbedtls_ssl_get_ciphersuite_id(
		    mbedtls_ssl_get_ciphersuite(&c));
	mbedtls_ssl_free(&s);
	mbedtls_ssl_free(&c);
	mbedtls_ssl_config_free(&sc);
	mbedtls_ssl_config_free(&cc);
	return sdone && cdone && !failed;
}

static bool
ecdhe_aead(int id)
{
	const mbedtls_ssl_ciphersuite_t *cs =
	    mbedtls_ssl_ciphersuite_from_id(id);
	if (cs == NULL)
		return false;
	bool ecdhe = cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA ||
	    cs->key_exchange == MBEDTLS_KEY_EXCHANGE_ECDHE_RSA;
	bool aead = strstr(cs->name, "-GCM-") != NULL ||
	    strstr(cs->name, "CHACHA20-POLY1305") != NULL ||
	    strstr(cs->name, "-CCM") != NULL;
	return ecdhe && aead;
}

static void
test_pinned_list(void **state)
{
	const int *s = node_tls_suites();
	size_t n = 0;
	(void)state;
	for (; s[n] != 0; n++)
		assert_true(ecdhe_aead(s[n]));
	assert_true(n >= 2);
	/* what the test below offers is not among them */
	assert_false(ecdhe_aead(MBEDTLS_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256));
}

static void
test_static_ecdh_refused(void **state)
{
	static const int only[] = {MBEDTLS_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256,
	    0};
	int suite = 0;
	(void)state;
	/* the control: unpinned, the server takes it */
	assert_true(handshake(only, false, &suite));
	assert_int_equal(suite, MBEDTLS_TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256);
	/* pinned, the handshake fails */
	assert_false(handshake(only, true, NULL));
}

static void
test_default_client_gets_ecdhe(void **state)
{
	int suite = 0;
	(void)state;
	assert_true(handshake(NULL, true, &suite));
	assert_true(ecdhe_aead(suite));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pinned_list),
	    cmocka_unit_test(test_static_ecdh_refused),
	    cmocka_unit_test(test_default_client_gets_ecdhe),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
