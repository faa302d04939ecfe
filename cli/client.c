/*
 * client.c - the CLI's side of the control socket: one REQ socket, one
 * request, one reply, with timeouts and a receive size cap.
 *
 * Connecting retries for a short while with growing pauses, so a request
 * that arrives just while the daemon recreates its ipc listener (see
 * VERSIONS.md on nng 1.5.2) still gets through.
 */
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#define CLI_MAX_REPLY (16u << 20)
#define CLI_TIMEOUT_MS 30000
#define CLI_CONNECT_MS 5000

static void
pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* attempt is one connection, one request, one reply. It returns 0 or the
 * nng error; *retry says whether the error means the request never reached
 * a working pipe (so trying again cannot run it twice). */
static int
attempt(const struct cli *cli, const char *url, const struct proto_writer *w,
    nng_msg **reply, bool *retry)
{
	int timeout = cli->timeout_ms > 0 ? cli->timeout_ms : CLI_TIMEOUT_MS;
	nng_socket s;
	int rv;
	*retry = false;
	if ((rv = nng_req0_open(&s)) != 0)
		return rv;
	if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, CLI_MAX_REPLY)) !=
		0 ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout)) != 0 ||
	    (cli->follower && (rv = nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME,
				   NNG_DURATION_INFINITE)) != 0) ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, CLI_TIMEOUT_MS)) !=
		0)
		goto out;
	if ((rv = nng_dial(s, url, NULL, 0)) != 0) {
		*retry = true;
		goto out;
	}
	if ((rv = nng_send(s, w->buf, w->len, 0)) != 0 ||
	    (rv = nng_recvmsg(s, reply, 0)) != 0)
		*retry = rv == NNG_ECONNRESET || rv == NNG_ECLOSED ||
		    rv == NNG_ECONNSHUT;
out:
	nng_close(s);
	return rv;
}

wn_err
cli_call(struct cli *cli, const struct proto_ctl_request *req,
    struct proto_ctl_reply *reply)
{
	nng_msg *msg = NULL;
	struct proto_writer w = {0};
	struct proto_error perr;
	char url[4200];
	wn_err rc;
	int rv;
	bool retry;

	snprintf(url, sizeof(url), "ipc://%s", cli->socket);
	if ((rc = proto_writer_init_dynamic(&w, 512, 1u << 20)) != WN_OK ||
	    (rc = proto_ctl_request_encode(req, &w)) != WN_OK) {
		fprintf(stderr, "%s: cannot encode request: %s\n", cli->prog,
		    wn_strerror(rc));
		goto out;
	}
	/* The daemon's health check recreates a lost ipc listener within a
	 * second; keep trying that long and a little more. */
	for (long waited = 0, step = 20;; waited += step, step *= 2) {
		if ((rv = attempt(cli, url, &w, &msg, &retry)) == 0)
			break;
		if (!retry || waited >= CLI_CONNECT_MS) {
			rc = WN_ETRANSPORT;
			cli->transport_error = nng_strerror(rv);
			cli->transport_refused = rv == NNG_EPERM;
			if (cli->follower && !cli->transport_refused)
				goto out;
			fprintf(stderr,
			    "%s: cannot reach wijknetd at %s: %s (is it "
			    "running? are -d / $WIJKNET_DATA or -s / "
			    "$WIJKNET_SOCKET right?)\n",
			    cli->prog, url, nng_strerror(rv));
			rc = WN_ETRANSPORT;
			goto out;
		}
		pause_ms(step);
	}
	if (proto_ctl_reply_decode(nng_msg_body(msg), nng_msg_len(msg), reply,
		&perr) != WN_OK) {
		fprintf(stderr, "%s: malformed reply at byte %zu: %s\n",
		    cli->prog, perr.offset, perr.msg);
		rc = WN_EPROTO;
		goto out;
	}
	rc = WN_OK;
out:
	nng_msg_free(msg);
	proto_writer_release(&w);
	return rc;
}

/* request: the request of op with the key/value pairs of ap, called;
 * *reply is the node's answer when it returns WN_OK */
static wn_err
request(struct cli *cli, struct proto_ctl_reply *reply, const char *op,
    va_list ap)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	wn_err rc = WN_ENOMEM;
	if (req == NULL || (rc = proto_ctl_request_init(req, op)) != WN_OK)
		goto out;
	for (;;) {
		const char *k = va_arg(ap, const char *), *v;
		if (k == NULL)
			break;
		v = va_arg(ap, const char *);
		if (v != NULL && (!cli_text_ok(cli, "argument ", k, v) ||
				     proto_ctl_request_add(req, k, v) != WN_OK)) {
			rc = WN_EINVAL;
			goto out;
		}
	}
	rc = cli_call(cli, req, reply);
out:
	free(req);
	return rc;
}

/* simple_call asks op with the arguments in ap and prints the reply as a
 * plain reply, or as a list (none: what it says when there are no rows)
 * when list is true */
static int
simple_call(struct cli *cli, bool list, const char *none, const char *op,
    va_list ap)
{
	struct proto_ctl_reply reply = {0};
	int status = CLI_FAIL;
	if (request(cli, &reply, op, ap) == WN_OK)
		status = list ? cli_print_list(cli, &reply, NULL, 0, false,
				    none, NULL)
			      : cli_print_reply(cli, &reply);
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_simple(struct cli *cli, const char *op, ...)
{
	va_list ap;
	va_start(ap, op);
	int status = simple_call(cli, false, NULL, op, ap);
	va_end(ap);
	return status;
}

int
cli_simple_list(struct cli *cli, const char *none, const char *op, ...)
{
	va_list ap;
	va_start(ap, op);
	int status = simple_call(cli, true, none, op, ap);
	va_end(ap);
	return status;
}

bool
cli_ask(struct cli *cli, struct proto_ctl_reply *reply, int *status,
    const char *op, ...)
{
	va_list ap;
	va_start(ap, op);
	wn_err rc = request(cli, reply, op, ap);
	va_end(ap);
	*status = CLI_FAIL;
	if (rc != WN_OK)
		return false;
	if (cli->json || reply->status != WN_OK) {
		*status = cli_print_reply(cli, reply);
		return false;
	}
	*status = CLI_OK;
	return true;
}
