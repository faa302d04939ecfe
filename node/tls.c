/*
 * tls.c - tls+tcp:// for the peer socket.
 *
 * A node with tls_cert, tls_key and tls_ca configured listens with TLS and
 * requires a client certificate signed by the federation's CA, so only
 * enrolled partners reach the message decoder (see VERSIONS.md: nng 1.5.2
 * must not be exposed to strangers). When it dials a tls+tcp:// peer it
 * presents its own certificate and checks that the peer's is issued by the
 * same CA for the peer's org id (the certificate's name is the org id, not
 * a DNS name). Certificate and key are read once at start; the key stays
 * in guarded memory.
 */
#include "node/node.h"

#include <string.h>

#include <nng/supplemental/tls/tls.h>

#define PEM_MAX (64u << 10)

static bool
is_tls(const char *url)
{
	return strncmp(url, "tls+tcp://", 10) == 0;
}

static wn_err
read_public(const char *path, char **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(PEM_MAX + 1);
	size_t n;
	if (f == NULL || buf == NULL) {
		snprintf(err, errlen, "%s: cannot read", path);
		if (f)
			fclose(f);
		free(buf);
		return WN_EIO;
	}
	n = fread(buf, 1, PEM_MAX + 1, f);
	fclose(f);
	if (n > PEM_MAX) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, PEM_MAX);
		free(buf);
		return WN_ETOOBIG;
	}
	buf[n] = '\0';
	*out = buf;
	return WN_OK;
}

wn_err
node_tls_init(struct node *n, char *err, size_t errlen)
{
	wn_err rc;
	if (n->cfg.tls_cert[0] == '\0') {
		if (!is_tls(n->cfg.listen))
			return WN_OK;
		snprintf(err, errlen, "listen is tls+tcp:// but no tls_cert is "
		    "configured");
		return WN_ECONFIG;
	}
	if ((rc = read_public(n->cfg.tls_cert, &n->tls_cert_pem, err,
		 errlen)) != WN_OK ||
	    (rc = sec_secret_read_file(n->cfg.tls_key, PEM_MAX, &n->tls_key,
		 err, errlen)) != WN_OK)
		return rc;
	return WN_OK;
}

void
node_tls_fini(struct node *n)
{
	free(n->tls_cert_pem);
	n->tls_cert_pem = NULL;
	sec_secret_free(n->tls_key);
	n->tls_key = NULL;
}

/* config builds a TLS config for one listener or one peer dial. */
static int
config(struct node *n, nng_tls_mode mode, const char *peer,
    nng_tls_config **out)
{
	nng_tls_config *c = NULL;
	int rv;
	if (n->tls_cert_pem == NULL)
		return NNG_ENOTSUP;
	if ((rv = nng_tls_config_alloc(&c, mode)) != 0)
		return rv;
	if ((rv = nng_tls_config_ca_file(c, n->cfg.tls_ca)) != 0 ||
	    (rv = nng_tls_config_own_cert(c, n->tls_cert_pem, n->tls_key->data,
		 NULL)) != 0 ||
	    (rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED)) !=
		0 ||
	    (peer != NULL &&
		(rv = nng_tls_config_server_name(c, peer)) != 0)) {
		nng_tls_config_free(c);
		return rv;
	}
	*out = c;
	return 0;
}

int
node_listen(struct node *n, nng_socket s, const char *url, nng_listener *l)
{
	nng_tls_config *c = NULL;
	int rv = nng_listener_create(l, s, url);
	if (rv == 0 && is_tls(url)) {
		if ((rv = config(n, NNG_TLS_MODE_SERVER, NULL, &c)) == 0) {
			rv = nng_listener_set_ptr(*l, NNG_OPT_TLS_CONFIG, c);
			nng_tls_config_free(c); /* the listener holds it */
		}
	}
	if (rv == 0)
		rv = nng_listener_start(*l, 0);
	return rv;
}

int
node_dial(struct node *n, nng_socket s, const char *url, const char *peer,
    int flags)
{
	nng_dialer d;
	nng_tls_config *c = NULL;
	int rv = nng_dialer_create(&d, s, url);
	if (rv == 0 && is_tls(url)) {
		if ((rv = config(n, NNG_TLS_MODE_CLIENT, peer, &c)) == 0) {
			rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c);
			nng_tls_config_free(c);
		}
	}
	if (rv == 0)
		rv = nng_dialer_start(d, flags);
	return rv;
}
