/*
 * doctor_live.c - what wijknetd doctor asks a running node: it reaches the
 * control socket as any CLI user does (its uid must be a user of the
 * node), and reports, one line per finding, the peers whose listener
 * cannot be reached from this machine (a TCP connection to the host and
 * port of the peer's endpoint), the peers stuck or failing with messages
 * waiting, or whose clock is more than a minute off ours (peer.list,
 * clock_skew_ms: the time in the last signed receipt each sent in answer
 * to one of our transfers, also one refused for that time), and, on
 * a director, the members that have not acknowledged the matrix in
 * force (matrix.acks); alert mails that wait while the mail server
 * fails (status: mail_queued, mail_last_error). A node that does not
 * run is no finding: the set-up checks still apply.
 */
#include "node/daemon/daemon.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include <nng/protocol/reqrep0/req.h>

#include "protocol/control.h"

#define LIVE_TIMEOUT_MS 5000
#define CONNECT_TIMEOUT_MS 3000
/* a clock further off than this is a finding (the window is 10 min) */
#define SKEW_WARN_MS (60 * 1000)

/* ask sends op to the node's control socket; false when it does not run
 * (or does not answer), with why */
static bool
ask(const struct cfg_node *cfg, const char *op, struct proto_ctl_reply *out,
    char *why, size_t cap)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_writer w = {0};
	struct proto_error perr;
	nng_socket s = NNG_SOCKET_INITIALIZER;
	nng_msg *msg = NULL;
	char url[4200];
	bool ok = false, open = false;
	int rv;

	snprintf(why, cap, "out of memory");
	if (cfg->control_socket[0] != '\0')
		snprintf(url, sizeof(url), "ipc://%s", cfg->control_socket);
	else
		snprintf(url, sizeof(url), "ipc://%s/" NODE_CTL_SOCK,
		    cfg->data_dir);
	if (req == NULL || proto_ctl_request_init(req, op) != WN_OK ||
	    proto_writer_init_dynamic(&w, 256, 4096) != WN_OK ||
	    proto_ctl_request_encode(req, &w) != WN_OK)
		goto out;
	if ((rv = nng_req0_open(&s)) != 0) {
		snprintf(why, cap, "%s", nng_strerror(rv));
		goto out;
	}
	open = true;
	if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ,
		 NODE_CTL_MAX_REPLY)) != 0 ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, LIVE_TIMEOUT_MS)) !=
		0 ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, LIVE_TIMEOUT_MS)) !=
		0 ||
	    (rv = nng_dial(s, url, NULL, 0)) != 0 ||
	    (rv = nng_send(s, w.buf, w.len, 0)) != 0 ||
	    (rv = nng_recvmsg(s, &msg, 0)) != 0) {
		snprintf(why, cap, "%s: %s", url, nng_strerror(rv));
		goto out;
	}
	if (proto_ctl_reply_decode(nng_msg_body(msg), nng_msg_len(msg), out,
		&perr) != WN_OK) {
		snprintf(why, cap, "a malformed reply at byte %zu", perr.offset);
		goto out;
	}
	ok = true;
out:
	nng_msg_free(msg);
	if (open)
		nng_close(s);
	proto_writer_release(&w);
	free(req);
	return ok;
}

static const char *
text(const struct proto_ctl_row *r, const char *key)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, key);
	return f != NULL && f->type == PROTO_CTL_TEXT ? f->text : "";
}

static int64_t
num(const struct proto_ctl_row *r, const char *key)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, key);
	return f != NULL && f->type == PROTO_CTL_INT ? f->i : 0;
}

static bool
flag(const struct proto_ctl_row *r, const char *key)
{
	const struct proto_ctl_field *f = proto_ctl_row_get(r, key);
	return f != NULL && f->type == PROTO_CTL_BOOL && f->b;
}

/* reach connects to the host and port of endpoint (tcp:// or
 * tls+tcp://) within CONNECT_TIMEOUT_MS; false with why */
static bool
reach(const char *endpoint, char *why, size_t cap)
{
	char host[256], port[16];
	const char *p = strstr(endpoint, "://"), *colon;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	bool ok = false;
	if (p == NULL || (colon = strrchr(p + 3, ':')) == NULL ||
	    (size_t)(colon - (p + 3)) >= sizeof(host) ||
	    strlen(colon + 1) >= sizeof(port)) {
		snprintf(why, cap, "not a tcp endpoint");
		return false;
	}
	memcpy(host, p + 3, (size_t)(colon - (p + 3)));
	host[colon - (p + 3)] = '\0';
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	wn_strlcpy(port, colon + 1, sizeof(port));
	int rv = getaddrinfo(host, port, &hints, &ai);
	if (rv != 0) {
		snprintf(why, cap, "cannot resolve %s: %s", host,
		    gai_strerror(rv));
		return false;
	}
	snprintf(why, cap, "no address");
	for (struct addrinfo *a = ai; a != NULL && !ok; a = a->ai_next) {
		int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC |
			SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			ok = true;
		} else if (errno == EINPROGRESS) {
			struct pollfd pf = {.fd = fd, .events = POLLOUT};
			int e = 0;
			socklen_t el = sizeof(e);
			if (poll(&pf, 1, CONNECT_TIMEOUT_MS) == 1 &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 &&
			    e == 0)
				ok = true;
			else
				snprintf(why, cap, "%s", e != 0 ? strerror(e)
				    : "no answer within 3 s");
		} else {
			snprintf(why, cap, "%s", strerror(errno));
		}
		close(fd);
	}
	freeaddrinfo(ai);
	return ok;
}

void
node_doctor_live(const struct cfg_node *cfg,
    void (*finding)(void *, bool, const char *), void *arg)
{
	struct proto_ctl_reply r = {0};
	char why[512], line[1024];
	if (!ask(cfg, "peer.list", &r, why, sizeof(why))) {
		printf("note: the node does not run or does not answer (%s): "
		       "its peers and matrix are not checked\n", why);
		return;
	}
	if (r.status != WN_OK) {
		printf("note: the node does not answer this user (%s): its "
		       "peers and matrix are not checked\n", r.message);
		proto_ctl_reply_release(&r);
		return;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		const struct proto_ctl_row *row = &r.rows[i];
		const char *org = text(row, "org_id");
		const char *ep = text(row, "endpoint");
		if (!reach(ep, why, sizeof(why))) {
			snprintf(line, sizeof(line), "peer %s at %s cannot be "
			    "reached from here: %s (is it running? a firewall "
			    "between?)", org, ep, why);
			finding(arg, false, line);
		}
		int64_t skew = num(row, "clock_skew_ms");
		if (flag(row, "clock_skew_known") &&
		    (skew > SKEW_WARN_MS || skew < -SKEW_WARN_MS)) {
			snprintf(line, sizeof(line), "peer %s's clock is %lld s "
			    "%s ours (envelopes more than 10 min off are "
			    "refused): check the time service (NTP) on both",
			    org, (long long)(skew < 0 ? -skew : skew) / 1000,
			    skew < 0 ? "behind" : "ahead of");
			finding(arg, false, line);
		}
		if (flag(row, "stuck")) {
			snprintf(line, sizeof(line), "peer %s is stuck: it cannot "
			    "decrypt our messages, and nothing more goes to it "
			    "(after new keys: wijknet peer retry %s)", org, org);
			finding(arg, true, line);
		} else if (num(row, "queued") > 0 && text(row, "last_error")[0]) {
			snprintf(line, sizeof(line), "peer %s: %lld messages wait; "
			    "the last delivery failed: %s", org,
			    (long long)num(row, "queued"),
			    text(row, "last_error"));
			finding(arg, false, line);
		}
	}
	proto_ctl_reply_release(&r);
	/* the alerts' mail ([mail], node/alert/mail.c): mails that wait
	 * because the server fails */
	if (cfg_mail_on(cfg) && ask(cfg, "status", &r, why, sizeof(why)) &&
	    r.status == WN_OK && r.nrows == 1 &&
	    num(&r.rows[0], "mail_queued") > 0 &&
	    text(&r.rows[0], "mail_last_error")[0] != '\0') {
		snprintf(line, sizeof(line), "%lld alert mails wait; the last "
		    "try failed: %s (check [mail] smtp_url and the mail server)",
		    (long long)num(&r.rows[0], "mail_queued"),
		    text(&r.rows[0], "mail_last_error"));
		finding(arg, false, line);
	}
	proto_ctl_reply_release(&r);
	/* the acknowledgements are the director's to know */
	if (cfg->director_key[0] != '\0' ||
	    !ask(cfg, "matrix.show", &r, why, sizeof(why)) || r.status != WN_OK) {
		proto_ctl_reply_release(&r);
		return;
	}
	bool none = r.nrows == 0;
	proto_ctl_reply_release(&r);
	if (none) {
		finding(arg, false, "no matrix is published: every level is "
		    "none, nothing is shared (wijknet matrix publish FILE)");
		return;
	}
	if (!ask(cfg, "matrix.acks", &r, why, sizeof(why)) || r.status != WN_OK) {
		proto_ctl_reply_release(&r);
		return;
	}
	for (size_t i = 0; i < r.nrows; i++) {
		const struct proto_ctl_row *row = &r.rows[i];
		if (flag(row, "current"))
			continue;
		snprintf(line, sizeof(line), "member %s has not acknowledged the "
		    "matrix in force (it acknowledged version %lld): it works "
		    "under an older one until it does", text(row, "org_id"),
		    (long long)num(row, "acked_version"));
		finding(arg, false, line);
	}
	proto_ctl_reply_release(&r);
}
