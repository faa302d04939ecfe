/*
 * alert_sock.c - the alert socket: where `wijknet alerts --follow` waits
 * for the next alerts (issue 13).
 *
 * A second REP socket on ipc://, beside the control socket (its path
 * with ".alerts" added: cfg_alert_socket_path), with the control socket's
 * permissions (0600, or 0660 and its group) and the same rule for
 * callers: the uid the kernel reports (NNG_OPT_IPC_PEER_UID) must be a
 * user in the config, or the request is refused (audited control.refused,
 * as on the control socket). It answers two requests: ping (its health
 * check, as the control socket's) and alert.wait with `since`, a long
 * poll: the alerts after that id at once when there are some, else the
 * call is kept by the alert room until there are, or NODE_ALERT_WAIT_MS
 * passed.
 *
 * Why a socket of its own and a long poll, not PUB/SUB and not the
 * control socket (ARCHITECTURE.md, "How an alert reaches a follower"): a
 * kept call holds one of its socket's workers, and the control socket has
 * four, which a few followers would take from every other request; PUB
 * cannot check a subscriber's uid per message and drops what a slow one
 * does not read, and its message would be pushed before the alert's
 * transaction is known to have committed. Here every answer is read from
 * the store, after the commit, by id: none is lost, and a follower that
 * does not read holds one kept call, until its wait ends. A user whose
 * role may not see alerts is refused as on the control socket (alert.h,
 * NODE_ALERT_ROLE). A connection's first wait is audited
 * (control.alert.follow: who, after which alert), not every wait (one
 * every NODE_ALERT_WAIT_MS per follower would flood the log, and an
 * alert holds no personal data); a malformed request is audited as on
 * the control socket (control.malformed, with the uid).
 */
#include "node/daemon/daemon.h"

#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/protocol/reqrep0/rep.h>

static void
refuse(struct proto_writer *w, wn_err rc, const char *msg)
{
	proto_writer_reset(w);
	proto_ctl_reply_begin(w, rc, msg, 0);
}

/* The connections whose first wait was audited (n->mtx): a pipe's id is
 * never reused, so a new connection is audited once; past FOLLOWED at
 * once, one may be audited again. */
#define FOLLOWED 64
static uint32_t followed[FOLLOWED];
static size_t followed_next;

/* follow_audit audits a connection's first wait (n->mtx held): who reads
 * the alerts, from which one (its later waits go on from there) */
static void
follow_audit(struct node *n, nng_pipe p, const struct cfg_user *user,
    uint64_t since)
{
	uint32_t id = nng_pipe_id(p);
	char detail[64];
	for (size_t i = 0; i < FOLLOWED; i++)
		if (followed[i] == id && id != 0)
			return;
	followed[followed_next] = id;
	followed_next = (followed_next + 1) % FOLLOWED;
	snprintf(detail, sizeof(detail), "alerts after %llu",
	    (unsigned long long)since);
	node_ctl_audit(n, user->name, "control.alert.follow", "", detail);
}

/* al_serve: the alert socket's handler (an nng thread) */
static bool
al_serve(void *arg, struct node_server_worker *wk, nng_msg *msg,
    struct proto_writer *w)
{
	struct node *n = arg;
	struct proto_ctl_request *req = malloc(sizeof(*req));
	struct proto_error perr;
	uint64_t uid = UINT64_MAX, since = 0;
	const struct cfg_user *user;
	const char *s;
	bool held = false;
	char m[200];

	if (nng_pipe_get_uint64(nng_msg_get_pipe(msg), NNG_OPT_IPC_PEER_UID,
		&uid) != 0)
		uid = UINT64_MAX;
	if (req == NULL) {
		refuse(w, WN_ENOMEM, "out of memory");
		return false;
	}
	if (proto_ctl_request_decode(nng_msg_body(msg), nng_msg_len(msg), req,
		&perr) != WN_OK) {
		char who[32], detail[240];
		snprintf(m, sizeof(m), "malformed request at byte %zu: %s",
		    perr.offset, perr.msg);
		/* as the control socket audits its own */
		snprintf(who, sizeof(who), "uid:%llu", (unsigned long long)uid);
		snprintf(detail, sizeof(detail), "%s, on the alert socket", m);
		pthread_mutex_lock(&n->mtx);
		node_ctl_audit(n, who, "control.malformed", "", detail);
		pthread_mutex_unlock(&n->mtx);
		refuse(w, WN_EPROTO, m);
		goto out;
	}
	/* the health check must not wait behind the node lock */
	if (strcmp(req->op, "ping") == 0) {
		proto_ctl_reply_begin(w, WN_OK, "pong", 0);
		goto out;
	}
	pthread_mutex_lock(&n->mtx);
	user = uid <= UINT32_MAX ? cfg_node_user_by_uid(&n->cfg,
				       (uint32_t)uid)
				 : NULL;
	if (user == NULL) {
		char who[32];
		snprintf(who, sizeof(who), "uid:%llu", (unsigned long long)uid);
		node_ctl_audit(n, who, "control.refused", req->op,
		    "unknown uid, on the alert socket");
		wn_log(WN_LOG_WARN, "alert socket: refused %s from unknown uid "
		    "%llu", req->op, (unsigned long long)uid);
		snprintf(m, sizeof(m), "uid %llu is not a user of this node "
		    "(add a [user] section to its config)",
		    (unsigned long long)uid);
		refuse(w, WN_EAUTH, m);
	} else if (strcmp(req->op, "alert.wait") != 0) {
		snprintf(m, sizeof(m), "the alert socket answers alert.wait "
		    "only; '%s' goes to the control socket", req->op);
		refuse(w, WN_EINVAL, m);
	} else if (!node_ctl_role_allows(user->role, NODE_ALERT_ROLE)) {
		/* what an alert tells of is case work (alert.h) */
		node_ctl_audit(n, user->name, "control.alert.wait", "",
		    "denied: role");
		snprintf(m, sizeof(m), "'alert.wait' needs the role %s; %s is "
		    "%s", cfg_user_role_name(NODE_ALERT_ROLE), user->name,
		    cfg_user_role_name(user->role));
		refuse(w, WN_EDENIED, m);
	} else if ((s = proto_ctl_request_arg(req, "since")) != NULL &&
	    !wn_parse_u64(s, INT64_MAX, &since)) {
		refuse(w, WN_EINVAL, "since: an alert's number");
	} else {
		follow_audit(n, nng_msg_get_pipe(msg), user, since);
		held = node_alert_wait(n, user, (int64_t)since, wk, w);
	}
	pthread_mutex_unlock(&n->mtx);
out:
	if (!held && proto_writer_status(w) != WN_OK)
		refuse(w, WN_ETOOBIG, "reply too large");
	free(req);
	return held;
}

static wn_err
al_listen(struct node *n, char *err, size_t errlen)
{
	struct node_daemon *d = n->d;
	int rv = nng_listener_create(&d->al_listener, d->al, d->al_url);
	if (rv == 0)
		rv = nng_listener_set_int(d->al_listener,
		    NNG_OPT_IPC_PERMISSIONS, (int)n->cfg.control_mode);
	if (rv == 0)
		rv = nng_listener_start(d->al_listener, 0);
	if (rv != 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", d->al_url,
		    nng_strerror(rv));
		return WN_ETRANSPORT;
	}
	if (n->cfg.control_mode == 0660) {
		struct group *g = getgrnam(n->cfg.control_group);
		if (g == NULL || chown(d->al_path, (uid_t)-1, g->gr_gid) != 0) {
			snprintf(err, errlen, "%s: cannot give the socket to "
			    "group '%s'", d->al_path, n->cfg.control_group);
			return WN_ECONFIG;
		}
	}
	return WN_OK;
}

wn_err
node_alert_sock_start(struct node *n, char *err, size_t errlen)
{
	struct node_daemon *d = n->d;
	int rv;
	if (!cfg_alert_socket_path(d->ctl_path, d->al_path,
		sizeof(d->al_path))) {
		snprintf(err, errlen, "%s: the alert socket's path beside it "
		    "is too long for a unix socket", d->ctl_path);
		return WN_ECONFIG;
	}
	snprintf(d->al_url, sizeof(d->al_url), "ipc://%s", d->al_path);
	if ((rv = nng_rep0_open(&d->al)) != 0 ||
	    (rv = nng_socket_set_size(d->al, NNG_OPT_RECVMAXSZ,
		 NODE_CTL_MAX_REQUEST)) != 0) {
		snprintf(err, errlen, "alert socket: %s", nng_strerror(rv));
		return WN_ETRANSPORT;
	}
	d->al_open = true;
	/* a stale socket file of a crashed daemon; its name is the control
	 * socket's with a suffix no control socket may end in
	 * (cfg_alert_socket_path), and the control socket's start made
	 * sure no other daemon serves there: one that answers here anyway
	 * is not ours to take */
	if (node_ctl_ping(d->al_path)) {
		snprintf(err, errlen, "%s: another wijknetd serves there: stop "
		    "it, or give this node a control_socket of its own",
		    d->al_path);
		return WN_ECONFIG;
	}
	unlink(d->al_path);
	wn_err rc = al_listen(n, err, errlen);
	if (rc != WN_OK)
		return rc;
	if (node_server_start(&d->al_server, d->al, NODE_ALERT_WORKERS,
		NODE_CTL_MAX_REPLY, al_serve, n) != WN_OK) {
		snprintf(err, errlen, "alert socket: cannot start workers");
		return WN_ETRANSPORT;
	}
	return WN_OK;
}

void
node_alert_sock_check(struct node *n)
{
	struct node_daemon *d = n->d;
	char err[256];
	if (!d->al_open || node_sockets_abandoned() ||
	    node_ctl_ping(d->al_path))
		return;
	wn_log(WN_LOG_WARN, "alert socket %s did not answer; recreating its "
	    "listener", d->al_url);
	nng_listener_close(d->al_listener);
	unlink(d->al_path);
	if (al_listen(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		return;
	}
	pthread_mutex_lock(&n->mtx);
	if (node_audit_append(n->store, "system", "control.listener_recreated",
		d->al_url, "health check failed") != WN_OK)
		wn_log(WN_LOG_ERROR, "audit append failed: %s",
		    node_store_errmsg(n->store));
	pthread_mutex_unlock(&n->mtx);
}

void
node_alert_sock_stop(struct node *n)
{
	struct node_daemon *d = n->d;
	if (d == NULL || !d->al_open)
		return;
	node_server_stop(&d->al_server);
	(void)node_socket_close(d->al, "alert socket");
	unlink(d->al_path);
	d->al_open = false;
}
