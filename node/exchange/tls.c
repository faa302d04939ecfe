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
 *
 * The CA issues certificates to whom the federation decides, but a valid
 * one is not enough: only an enrolled partner may talk to the listener.
 * nng 1.5.2 tells the node neither the peer's certificate nor its name
 * (it has NNG_OPT_TLS_VERIFIED only), so the node brings its own TLS
 * engine for nng (nng_tls_engine_register, <nng/supplemental/tls/
 * engine.h>), on the same mbed TLS 2.28 that nng's own engine uses. Its
 * certificate check, during the handshake, lets a client certificate
 * through only if it names exactly one org id (identity) and that is a
 * peer in the table (node_tls_set_peers), not this node. Anything else
 * fails the handshake: no byte of that connection reaches nng's SP layer,
 * let alone the decoder. A refusal of a certificate the CA issued is
 * queued here (at most 10 a minute, actor "unknown") and audited by the
 * delivery thread, as other refusals no member vouches for are: the
 * handshake runs on nng's I/O threads, which must never wait for the
 * node's lock. One not of the CA (anyone can make one, naming anyone) or
 * none at all is only counted. The connection keeps the partner it is,
 * and is closed when its next bytes come after the partner left the table.
 * The receiver asks a pipe for that partner (node_tls_pipe_who) and
 * refuses a transfer signed by anyone else (receive.c).
 *
 * Connections on the listener whose handshake is in progress are capped
 * (peer_max_connections, or 256 if that is 0): one more is never set up
 * in mbed TLS, and its first handshake step fails, so nng closes it at
 * once. A connection stops counting when its handshake ends or nng
 * closes it (conn_close), whichever comes first.
 *
 * The engine sees the decrypted bytes, so on the listener it also keeps
 * a frame's deadline (peer_frame_timeout): it follows the SP framing (an
 * 8-byte header, then 8-byte lengths and bodies), and a connection whose
 * frame is still incomplete that long after its first byte is closed
 * when its next bytes come (one that stops sending altogether ends at
 * peer_idle_timeout, node/exchange/conn.c).
 *
 * Cipher suites are pinned (node_tls_conf_pin) to ECDHE key exchange with
 * an AEAD cipher: forward secrecy for the TLS layer too, whatever mbed
 * TLS's defaults are.
 *
 * This is the only file that uses mbed TLS. One node per process: the
 * peer table and the counters here are the process's.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/asn1.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <nng/supplemental/tls/engine.h>
#include <nng/supplemental/tls/tls.h>

#define PEM_MAX (64u << 10)

static int64_t frame_ms; /* the listener's frame deadline; 0: none */
static char own_id[64];  /* this node's org id: never a client's */
static uint64_t hs_max = 256; /* handshakes in progress at most */

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
	struct node_exchange *ex = n->ex;
	wn_err rc;
	if (n->cfg.tls_cert[0] == '\0') {
		if (!is_tls(n->cfg.listen))
			return WN_OK;
		snprintf(err, errlen, "listen is tls+tcp:// but no tls_cert is "
		    "configured");
		return WN_ECONFIG;
	}
	if ((rc = read_public(n->cfg.tls_cert, &ex->tls_cert_pem, err,
		 errlen)) != WN_OK ||
	    (rc = sec_secret_read_file(n->cfg.tls_key, PEM_MAX, &ex->tls_key,
		 err, errlen)) != WN_OK)
		return rc;
	frame_ms = (int64_t)n->cfg.peer_frame_timeout * 1000;
	wn_strlcpy(own_id, n->cfg.org_id, sizeof(own_id));
	hs_max = n->cfg.peer_max_connections != 0 ? n->cfg.peer_max_connections
						   : 256;
	return WN_OK;
}

void
node_tls_fini(struct node *n)
{
	struct node_exchange *ex = n->ex;
	if (ex == NULL)
		return; /* the node was not loaded */
	free(ex->tls_cert_pem);
	ex->tls_cert_pem = NULL;
	sec_secret_free(ex->tls_key);
	ex->tls_key = NULL;
}

/* ---- who may connect, and what was refused ---------------------------- */

#define REFUSALS_KEPT 16

static pthread_mutex_t gate_mtx = PTHREAD_MUTEX_INITIALIZER;
static char gate_ids[NODE_MAX_PEERS][64]; /* enrolled org ids */
static size_t gate_n;
static struct {
	char who[64], why[200];
} refusals[REFUSALS_KEPT];
static size_t nrefusals;
static uint64_t refusals_lost; /* not kept: the queue was full */
static atomic_uint_fast64_t tls_refused, frames_late, hs_over_cap;
static atomic_uint_fast64_t gate_gen; /* bumped when the table changes */
static int64_t audit_minute;        /* refusals queued for the audit log: */
static unsigned audit_n;            /* at most REFUSALS_PER_MIN a minute */
#define REFUSALS_PER_MIN 10
/* connections whose handshake is in progress on the listener, and how
 * many may be (node_tls_init) */
static atomic_uint_fast64_t hs_now;

void
node_tls_set_peers(struct node *n)
{
	struct node_exchange *ex = n->ex;
	pthread_mutex_lock(&gate_mtx);
	gate_n = 0;
	for (size_t i = 0; i < ex->npeers && gate_n < NODE_MAX_PEERS; i++)
		if (!ex->peers[i]->gone)
			wn_strlcpy(gate_ids[gate_n++], ex->peers[i]->org_id,
			    64);
	atomic_fetch_add(&gate_gen, 1); /* connections check again */
	pthread_mutex_unlock(&gate_mtx);
}

static bool
enrolled(const unsigned char *name, size_t len)
{
	bool ok = false;
	if (strlen(own_id) == len && memcmp(own_id, name, len) == 0)
		return false;
	pthread_mutex_lock(&gate_mtx);
	for (size_t i = 0; i < gate_n && !ok; i++)
		ok = strlen(gate_ids[i]) == len && memcmp(gate_ids[i], name, len) == 0;
	pthread_mutex_unlock(&gate_mtx);
	return ok;
}

/* refusal_note counts a refused certificate the CA issued and queues it
 * for the audit log, at most REFUSALS_PER_MIN a minute (the rest are
 * counted only). The actor is "unknown": the name is the certificate's
 * claim, said in why only. */
static void
refusal_note(const char *why)
{
	int64_t minute = wn_mono_ms() / 60000;
	atomic_fetch_add(&tls_refused, 1);
	pthread_mutex_lock(&gate_mtx);
	if (minute != audit_minute) {
		audit_minute = minute;
		audit_n = 0;
	}
	if (audit_n >= REFUSALS_PER_MIN) {
		/* counted in tls_refused only */
	} else if (nrefusals < REFUSALS_KEPT) {
		audit_n++;
		wn_strlcpy(refusals[nrefusals].who, "unknown", 64);
		wn_strlcpy(refusals[nrefusals].why, why, 200);
		nrefusals++;
	} else {
		refusals_lost++;
	}
	pthread_mutex_unlock(&gate_mtx);
}

bool
node_tls_refusal_take(char who[64], char why[200], uint64_t *lost)
{
	bool got = false;
	pthread_mutex_lock(&gate_mtx);
	*lost = refusals_lost;
	refusals_lost = 0;
	if (nrefusals > 0) {
		wn_strlcpy(who, refusals[0].who, 64);
		wn_strlcpy(why, refusals[0].why, 200);
		memmove(&refusals[0], &refusals[1],
		    --nrefusals * sizeof(refusals[0]));
		got = true;
	}
	pthread_mutex_unlock(&gate_mtx);
	return got;
}

void
node_tls_stats(uint64_t *late_frames, uint64_t *refused, uint64_t *over_cap,
    uint64_t *handshaking)
{
	*handshaking = atomic_load(&hs_now);
	*late_frames = atomic_load(&frames_late);
	*refused = atomic_load(&tls_refused);
	*over_cap = atomic_load(&hs_over_cap);
}

/* ---- the TLS engine ---------------------------------------------------- */

struct nng_tls_engine_config {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, own;
	mbedtls_x509_crl crl;
	mbedtls_pk_context key;
	bool server, have_crl;
	char *name; /* the peer's expected name (client) */
};

struct nng_tls_engine_conn {
	struct nng_tls_engine_config *cfg;
	mbedtls_ssl_context ctx;
	/* the listener's view of the SP stream, for the frame deadline */
	uint8_t hdr[8];
	size_t skip;      /* bytes of the SP header still to come */
	size_t hdr_got;   /* bytes of a frame's length read */
	uint64_t body;    /* bytes of a frame's body still to come */
	int64_t start_ms; /* first byte of the frame in progress; 0: none */
	bool handshaking; /* counted in hs_now */
	bool over_cap;    /* refused: too many handshakes in progress */
	char who[64];     /* the enrolled partner it is (listener) */
	uint64_t gen;     /* gate_gen when who was last found enrolled */
};

static int
rng(void *arg, unsigned char *buf, size_t len)
{
	(void)arg;
	while (len > 0) {
		ssize_t k = getrandom(buf, len, 0);
		if (k <= 0)
			return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
		buf += k;
		len -= (size_t)k;
	}
	return 0;
}

/* show copies a certificate's name for the record: org-id characters
 * only, else "unknown" (the text is the stranger's) */
static void
show(const unsigned char *p, size_t len, char *out, size_t cap)
{
	char tmp[64];
	if (len == 0 || len >= sizeof(tmp)) {
		wn_strlcpy(out, "unknown", cap);
		return;
	}
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	wn_strlcpy(out, cfg_org_id_valid(tmp) ? tmp : "unknown", cap);
}

/* identity finds the one org id a client certificate names (false: it
 * names none, or more than one). If it has DNS names in its
 * subjectAltName, those: all of them the same, and its CN, if it has one,
 * that too; else its CN, of which it may have only one. Names are
 * compared byte for byte: an org id is lowercase. */
static bool
identity(const mbedtls_x509_crt *crt, const unsigned char **id,
    size_t *idlen)
{
	const unsigned char *cn = NULL, *san = NULL;
	size_t cnlen = 0, sanlen = 0;
	for (const mbedtls_x509_name *nm = &crt->subject; nm != NULL;
	     nm = nm->next)
		if (nm->oid.p != NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN,
					     &nm->oid) == 0) {
			if (cn != NULL)
				return false; /* two CNs: which one? */
			cn = nm->val.p;
			cnlen = nm->val.len;
		}
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names;
	     s != NULL && s->buf.p != NULL; s = s->next) {
		if (s->buf.tag !=
		    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		if (san != NULL && (s->buf.len != sanlen ||
				       memcmp(s->buf.p, san, sanlen) != 0))
			return false;
		san = s->buf.p;
		sanlen = s->buf.len;
	}
	if (san != NULL) {
		if (cn != NULL &&
		    (cnlen != sanlen || memcmp(cn, san, sanlen) != 0))
			return false;
		*id = san;
		*idlen = sanlen;
		return true;
	}
	*id = cn;
	*idlen = cnlen;
	return cn != NULL;
}

/* verify runs inside the handshake for each certificate of the peer's
 * chain; on the listener, the peer's own certificate (depth 0) must name
 * one enrolled partner (identity), which the connection keeps. */
static int
verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct nng_tls_engine_conn *ec = arg;
	const unsigned char *id = NULL;
	size_t idlen = 0;
	char who[64], why[200];
	bool one;

	if (!ec->cfg->server || depth != 0)
		return 0;
	ec->gen = atomic_load(&gate_gen); /* before the peer table is read */
	one = identity(crt, &id, &idlen);
	show(one ? id : NULL, idlen, who, sizeof(who));
	if (*flags != 0) {
		/* not the federation CA's: anyone can make one, naming
		 * anyone, so it is counted, never recorded */
		atomic_fetch_add(&tls_refused, 1);
	} else if (!one) {
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
		refusal_note("TLS client certificate names no single org id "
			     "(CN and DNS names differ or repeat): connection "
			     "refused in the handshake");
	} else if (!enrolled(id, idlen)) {
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
		snprintf(why, sizeof(why), "TLS client certificate for '%s' "
		    "names no enrolled partner: connection refused in the "
		    "handshake", who);
		refusal_note(why);
	} else {
		wn_strlcpy(ec->who, who, sizeof(ec->who));
	}
	return 0;
}

/* The suites a node offers and accepts: ECDHE only (an ephemeral key
 * exchange: a stolen certificate key does not open a recorded
 * connection), AEAD only, TLS 1.2. The certificates of the federation's
 * CA are ECDSA (tests/integration/tls_lib.sh) or RSA. */
static const int pinned_suites[] = {
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	0,
};

const int *
node_tls_suites(void)
{
	return pinned_suites;
}

void
node_tls_conf_pin(mbedtls_ssl_config *conf)
{
	mbedtls_ssl_conf_ciphersuites(conf, pinned_suites);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 */
}

static int
cfg_init(nng_tls_engine_config *c, nng_tls_mode mode)
{
	c->server = mode == NNG_TLS_MODE_SERVER;
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->own);
	mbedtls_x509_crl_init(&c->crl);
	mbedtls_pk_init(&c->key);
	if (mbedtls_ssl_config_defaults(&c->conf,
		c->server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
		MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
		/* nng frees the config without calling fini after this */
		mbedtls_ssl_config_free(&c->conf);
		return NNG_ENOMEM;
	}
	mbedtls_ssl_conf_rng(&c->conf, rng, NULL);
	node_tls_conf_pin(&c->conf);
	mbedtls_ssl_conf_authmode(&c->conf, c->server ? MBEDTLS_SSL_VERIFY_NONE
						      : MBEDTLS_SSL_VERIFY_REQUIRED);
	return 0;
}

static void
cfg_fini(nng_tls_engine_config *c)
{
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crt_free(&c->own);
	mbedtls_x509_crl_free(&c->crl);
	mbedtls_pk_free(&c->key);
	free(c->name);
}

static int
cfg_server(nng_tls_engine_config *c, const char *name)
{
	char *d = strdup(name);
	if (d == NULL)
		return NNG_ENOMEM;
	free(c->name);
	c->name = d;
	return 0;
}

static int
cfg_auth(nng_tls_engine_config *c, nng_tls_auth_mode mode)
{
	switch (mode) {
	case NNG_TLS_AUTH_MODE_NONE:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
		return 0;
	case NNG_TLS_AUTH_MODE_OPTIONAL:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
		return 0;
	case NNG_TLS_AUTH_MODE_REQUIRED:
		mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
		return 0;
	}
	return NNG_EINVAL;
}

static int
cfg_ca(nng_tls_engine_config *c, const char *certs, const char *crl)
{
	if (mbedtls_x509_crt_parse(&c->ca, (const unsigned char *)certs,
		strlen(certs) + 1) != 0)
		return NNG_EINVAL;
	if (crl != NULL) {
		if (mbedtls_x509_crl_parse(&c->crl, (const unsigned char *)crl,
			strlen(crl) + 1) != 0)
			return NNG_EINVAL;
		c->have_crl = true;
	}
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, c->have_crl ? &c->crl : NULL);
	return 0;
}

static int
cfg_own(nng_tls_engine_config *c, const char *cert, const char *key,
    const char *pass)
{
	if (mbedtls_x509_crt_parse(&c->own, (const unsigned char *)cert,
		strlen(cert) + 1) != 0 ||
	    mbedtls_pk_parse_key(&c->key, (const unsigned char *)key,
		strlen(key) + 1, (const unsigned char *)pass,
		pass ? strlen(pass) : 0) != 0)
		return NNG_EINVAL;
	return mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key) == 0
	    ? 0
	    : NNG_ENOMEM;
}

static int
cfg_version(nng_tls_engine_config *c, nng_tls_version lo, nng_tls_version hi)
{
	/* mbed TLS 2.28 speaks TLS 1.2 (1.3 is experimental there) */
	(void)c;
	return lo <= NNG_TLS_1_2 && hi >= NNG_TLS_1_2 ? 0 : NNG_ENOTSUP;
}

static int
bio_send(void *tls, const unsigned char *buf, size_t len)
{
	size_t n = len;
	int rv = nng_tls_engine_send(tls, buf, &n);
	if (rv == NNG_EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return rv == 0 ? (int)n : MBEDTLS_ERR_NET_SEND_FAILED;
}

static int
bio_recv(void *tls, unsigned char *buf, size_t len)
{
	size_t n = len;
	int rv = nng_tls_engine_recv(tls, buf, &n);
	if (rv == NNG_EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_READ;
	return rv == 0 ? (int)n : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int
conn_init(nng_tls_engine_conn *ec, void *tls, nng_tls_engine_config *c)
{
	ec->cfg = c;
	ec->skip = 8;
	mbedtls_ssl_init(&ec->ctx);
	if (c->server) {
		/* a connection on the listener costs mbed TLS's buffers until
		 * its handshake is done: at most hs_max at once, the rest are
		 * closed before they get any (counted as over the total cap) */
		if (atomic_fetch_add(&hs_now, 1) >= hs_max) {
			atomic_fetch_sub(&hs_now, 1);
			atomic_fetch_add(&hs_over_cap, 1);
			/* refused by its first handshake step, not here: a
			 * failed conn_init is freed by nng's reaper alone, which
			 * nng 1.5.2 can leave stuck, and the socket would stay
			 * open; a failed handshake closes it at once */
			ec->over_cap = true;
			return 0;
		}
		ec->handshaking = true;
	}
	/* on failure nng calls conn_fini all the same (it frees the
	 * connection, and the engine's part with it, through conn_fini) */
	if (mbedtls_ssl_setup(&ec->ctx, &c->conf) != 0 ||
	    (c->name != NULL &&
		mbedtls_ssl_set_hostname(&ec->ctx, c->name) != 0))
		return NNG_ENOMEM;
	if (c->server)
		mbedtls_ssl_set_verify(&ec->ctx, verify, ec);
	mbedtls_ssl_set_bio(&ec->ctx, tls, bio_send, bio_recv, NULL);
	return 0;
}

/* handshake_over: the connection no longer counts in hs_now */
static void
handshake_over(nng_tls_engine_conn *ec)
{
	if (ec->handshaking) {
		ec->handshaking = false;
		atomic_fetch_sub(&hs_now, 1);
	}
}

static void
conn_fini(nng_tls_engine_conn *ec)
{
	handshake_over(ec);
	mbedtls_ssl_free(&ec->ctx);
}

/* conn_close: nng closes the connection (its handshake failed, timed out
 * or its peer left): it no longer counts as handshaking. That is done
 * here, not only in conn_fini, which runs on nng's reaper: with the
 * reaper stuck (nanomsg/nng#1543) the cap would stay full. */
static void
conn_close(nng_tls_engine_conn *ec)
{
	handshake_over(ec);
	if (!ec->over_cap)
		(void)mbedtls_ssl_close_notify(&ec->ctx);
}

/* nng_code: the nng error for mbed TLS's. A peer that closes, or says
 * close_notify, is NNG_ECONNSHUT, never NNG_ECLOSED: nng 1.5.2 passes a
 * handshake's error up to the socket's accept (or dial), and a listener
 * whose accept fails with NNG_ECLOSED never accepts again (a dialer never
 * dials again): one stranger's close_notify would cut every partner off. */
static int
nng_code(int rv)
{
	switch (rv) {
	case MBEDTLS_ERR_SSL_WANT_READ:
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		return NNG_EAGAIN;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
	case MBEDTLS_ERR_SSL_CONN_EOF:
	case MBEDTLS_ERR_NET_RECV_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		return NNG_ECONNSHUT;
	case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
	case MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED:
	case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
	case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
		return NNG_EPEERAUTH;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
		return NNG_ENOMEM;
	default:
		return NNG_ECRYPTO;
	}
}

static int
conn_handshake(nng_tls_engine_conn *ec)
{
	if (ec->over_cap)
		return NNG_ECONNABORTED; /* nng accepts on at once */
	int rv = mbedtls_ssl_handshake(&ec->ctx);
	if (rv == MBEDTLS_ERR_SSL_WANT_READ || rv == MBEDTLS_ERR_SSL_WANT_WRITE)
		return NNG_EAGAIN;
	handshake_over(ec);
	if (ec->cfg->server && rv == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE)
		atomic_fetch_add(&tls_refused, 1); /* no certificate at all */
	return rv == 0 ? 0 : nng_code(rv);
}

/* frame_watch follows the SP stream a listener received (len bytes) and
 * says whether the frame in progress is past its deadline. */
static bool
frame_watch(nng_tls_engine_conn *ec, const uint8_t *buf, size_t len)
{
	int64_t now = wn_mono_ms();
	bool late = ec->start_ms != 0 && now - ec->start_ms > frame_ms;
	while (len > 0) {
		if (ec->skip > 0) { /* the SP header */
			size_t k = len < ec->skip ? len : ec->skip;
			ec->skip -= k;
			buf += k;
			len -= k;
			continue;
		}
		if (ec->start_ms == 0)
			ec->start_ms = now;
		if (ec->hdr_got < 8) {
			ec->hdr[ec->hdr_got++] = *buf++;
			len--;
			if (ec->hdr_got == 8) {
				ec->body = 0;
				for (int i = 0; i < 8; i++)
					ec->body = ec->body << 8 | ec->hdr[i];
			}
		} else {
			uint64_t k = len < ec->body ? len : ec->body;
			ec->body -= k;
			buf += k;
			len -= (size_t)k;
		}
		if (ec->hdr_got == 8 && ec->body == 0) { /* frame complete */
			ec->hdr_got = 0;
			ec->start_ms = 0;
		}
	}
	return late;
}

static int
conn_recv(nng_tls_engine_conn *ec, uint8_t *buf, size_t *szp)
{
	int rv;
	if (ec->over_cap)
		return NNG_ECONNABORTED;
	if (ec->cfg->server && ec->who[0] != '\0' &&
	    atomic_load(&gate_gen) != ec->gen) {
		/* the peer table changed: is it still a partner? */
		uint64_t gen = atomic_load(&gate_gen);
		if (!enrolled((const unsigned char *)ec->who, strlen(ec->who))) {
			wn_log(WN_LOG_INFO, "peer connection of '%s' closed: no "
			    "longer an enrolled partner", ec->who);
			return NNG_EPEERAUTH;
		}
		ec->gen = gen;
	}
	rv = mbedtls_ssl_read(&ec->ctx, buf, *szp);
	if (rv == 0)
		return NNG_ECONNSHUT; /* not NNG_ECLOSED: see nng_code */
	if (rv < 0)
		return nng_code(rv);
	if (ec->cfg->server && frame_ms > 0 &&
	    frame_watch(ec, buf, (size_t)rv)) {
		atomic_fetch_add(&frames_late, 1);
		wn_log(WN_LOG_DEBUG, "peer connection closed: a frame took "
		    "longer than peer_frame_timeout");
		return NNG_ETIMEDOUT;
	}
	*szp = (size_t)rv;
	return 0;
}

static int
conn_send(nng_tls_engine_conn *ec, const uint8_t *buf, size_t *szp)
{
	/* (nng's first send runs the handshake through mbedtls_ssl_write) */
	if (ec->over_cap)
		return NNG_ECONNABORTED;
	int rv = mbedtls_ssl_write(&ec->ctx, buf, *szp);
	if (rv < 0)
		return nng_code(rv);
	*szp = (size_t)rv;
	return 0;
}

/* ask_who: where conn_verified copies the connection's partner, while
 * node_tls_pipe_who asks a pipe on this thread */
static _Thread_local char *ask_who;

static bool
conn_verified(nng_tls_engine_conn *ec)
{
	if (ask_who != NULL)
		wn_strlcpy(ask_who, ec->who, 64);
	return !ec->over_cap && mbedtls_ssl_get_verify_result(&ec->ctx) == 0;
}

/* nng 1.5.2 names no certificate to the node (see the top), but a pipe's
 * NNG_OPT_TLS_VERIFIED reaches this engine's conn_verified for the
 * pipe's own connection, synchronously, on the caller's thread (the TLS
 * stream's getopt: tls_get_verified in nng's tls_common.c): so the
 * partner the handshake found rides back on a thread-local pointer. A
 * pipe that is not TLS answers NNG_ENOTSUP and never calls it. */
bool
node_tls_pipe_who(nng_pipe p, char who[64])
{
	bool v = false;
	who[0] = '\0';
	ask_who = who;
	int rv = nng_pipe_get_bool(p, NNG_OPT_TLS_VERIFIED, &v);
	ask_who = NULL;
	if (rv != 0)
		who[0] = '\0';
	return rv == 0;
}

static nng_tls_engine_config_ops cfg_ops = {
    .size = sizeof(struct nng_tls_engine_config),
    .init = cfg_init,
    .fini = cfg_fini,
    .server = cfg_server,
    .auth = cfg_auth,
    .ca_chain = cfg_ca,
    .own_cert = cfg_own,
    .version = cfg_version,
};

static nng_tls_engine_conn_ops conn_ops = {
    .size = sizeof(struct nng_tls_engine_conn),
    .init = conn_init,
    .fini = conn_fini,
    .close = conn_close,
    .handshake = conn_handshake,
    .recv = conn_recv,
    .send = conn_send,
    .verified = conn_verified,
};

static const nng_tls_engine engine = {
    .version = NNG_TLS_ENGINE_VERSION,
    .config_ops = &cfg_ops,
    .conn_ops = &conn_ops,
    .name = "wijknet-mbed",
    .description = "mbed TLS 2.28 with wijknet's partner check",
    .fips_mode = false,
};

static int engine_rv = -1;
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

/* engine_install replaces nng's engine with ours. Only after nng has
 * initialised (a socket is open): its initialisation registers its own. */
static void
engine_install(void)
{
	engine_rv = nng_tls_engine_register(&engine);
}

/* config builds a TLS config for one listener or one peer dial (a socket
 * is open: nng is initialised). */
static int
config(struct node *n, nng_tls_mode mode, const char *peer,
    nng_tls_config **out)
{
	struct node_exchange *ex = n->ex;
	nng_tls_config *c = NULL;
	int rv;
	if (ex->tls_cert_pem == NULL)
		return NNG_ENOTSUP;
	pthread_once(&engine_once, engine_install);
	if (engine_rv != 0)
		return engine_rv;
	if ((rv = nng_tls_config_alloc(&c, mode)) != 0)
		return rv;
	if ((rv = nng_tls_config_ca_file(c, n->cfg.tls_ca)) != 0 ||
	    (rv = nng_tls_config_own_cert(c, ex->tls_cert_pem,
		 ex->tls_key->data, NULL)) != 0 ||
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

/* node_listen makes nothing but the listener (and its TLS config, which
 * the listener holds): tests/lsan.supp names it for nng 1.5.2's lost
 * listener, so it is never inlined into a caller that makes more. */
__attribute__((noinline)) int
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
