/*
 * cert.c - the node's own TLS certificate, as its operator needs to know
 * it: when it expires. The handshake is node/exchange/tls.c's; this only
 * reads the certificate file the config names, once when the control
 * socket starts, so that status tells of the certificate the node serves
 * with until it restarts.
 */
#include "node/daemon/daemon.h"

#include <string.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

wn_err
node_cert_expiry(const char *path, int64_t *not_after_ms, char *err,
    size_t errlen)
{
	mbedtls_x509_crt crt;
	struct tm tm = {0};
	time_t t;
	wn_err rc = WN_ECONFIG;

	mbedtls_x509_crt_init(&crt);
	/* the first certificate of the file is the node's own */
	if (mbedtls_x509_crt_parse_file(&crt, path) != 0) {
		snprintf(err, errlen, "%s: cannot read a certificate from it",
		    path);
		goto out;
	}
	tm.tm_year = crt.valid_to.year - 1900;
	tm.tm_mon = crt.valid_to.mon - 1;
	tm.tm_mday = crt.valid_to.day;
	tm.tm_hour = crt.valid_to.hour;
	tm.tm_min = crt.valid_to.min;
	tm.tm_sec = crt.valid_to.sec;
	if ((t = timegm(&tm)) == (time_t)-1 || t <= 0) {
		snprintf(err, errlen, "%s: the certificate's end date is out of "
		    "range", path);
		goto out;
	}
	*not_after_ms = (int64_t)t * 1000;
	rc = WN_OK;
out:
	mbedtls_x509_crt_free(&crt);
	return rc;
}

void
node_cert_describe(int64_t not_after_ms, int64_t now_ms,
    struct node_cert_state *out)
{
	time_t t = (time_t)(not_after_ms / 1000);
	struct tm tm;
	int64_t left = not_after_ms - now_ms;

	memset(out, 0, sizeof(*out));
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out->expires, sizeof(out->expires), "%Y-%m-%dT%H:%M:%SZ",
		&tm) == 0)
		wn_strlcpy(out->expires, "?", sizeof(out->expires));
	/* a part of a day counts as a day; an expired one has 0 left */
	out->days_left = left > 0 ? (left + NODE_DAY_MS - 1) / NODE_DAY_MS : 0;
	if (left <= 0)
		snprintf(out->warning, sizeof(out->warning),
		    "warning: this node's TLS certificate expired on %s: "
		    "partners refuse it; renew it (README, Certificates) and "
		    "restart the node", out->expires);
	else if (left <= (int64_t)NODE_CERT_WARN_DAYS * NODE_DAY_MS)
		snprintf(out->warning, sizeof(out->warning),
		    "warning: this node's TLS certificate expires in %lld "
		    "day%s, on %s: renew it (README, Certificates) and restart "
		    "the node", (long long)out->days_left,
		    out->days_left == 1 ? "" : "s", out->expires);
}
