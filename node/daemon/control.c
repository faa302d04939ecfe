/*
 * control.c - the local control socket: the CLI's way into the node.
 *
 * A REP socket listens on ipc:// in the data folder (mode 0600, or 0660 for
 * a named group). NODE_CTL_WORKERS contexts each loop recv -> handle ->
 * send on nng's threads; handling takes the node mutex, so the store sees
 * one request at a time. Each request names its caller by the peer uid the
 * kernel reports (NNG_OPT_IPC_PEER_UID); the config maps uids to named
 * users with a role, unknown uids are refused. Every request but the
 * health-check ping is audited with the user's name, in the same
 * transaction as whatever it changed.
 *
 * Handlers are table-driven: {op, minimum role, handler, summary,
 * personal}; each room registers its own table (core/ctl.c) and the role
 * check runs once, before any handler.
 */
#include "node/daemon/daemon.h"
#include "protocol/need_wire.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/protocol/reqrep0/rep.h>

#define NODE_VERSION "0.1.0"


static int
role_rank(enum cfg_user_role r)
{
	switch (r) {
	case CFG_USER_ADMINISTRATOR:
		return 2;
	case CFG_USER_CASE_WORKER:
		return 1;
	default:
		return 0;
	}
}

static void
field_fingerprint(struct proto_writer *w, struct node *n)
{
	char fp[SEC_FINGERPRINT_LEN];
	sec_fingerprint(sec_identity_public(n->id), fp);
	proto_ctl_field_text(w, "fingerprint", fp);
}

/* The status row's fields: always, with TLS, when the audit chain is
 * behind what its checkers hold, and while receive-only. A node may be all
 * of these at once, and the row must still fit in a control reply. */
#define STATUS_FIELDS 27
#define STATUS_FIELDS_TLS 2
#define STATUS_FIELDS_BEHIND 5
#define STATUS_FIELDS_RO 1
#define STATUS_FIELDS_MAIL 4
_Static_assert(STATUS_FIELDS + STATUS_FIELDS_TLS + STATUS_FIELDS_BEHIND +
	STATUS_FIELDS_RO + STATUS_FIELDS_MAIL <= PROTO_CTL_MAX_FIELDS,
    "the status row of a node that is everything at once does not fit");

static wn_err
ctl_status(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_audit_head head;
	size_t recv_max = 0;
	wn_err rc = node_audit_head(n->store, &head);
	if (rc != WN_OK)
		return rc;
	struct node_exchange_status ex;
	if (nng_socket_get_size(n->d->ctl, NNG_OPT_RECVMAXSZ, &recv_max) != 0 ||
	    node_exchange_status(n, &ex) != WN_OK)
		return WN_ETRANSPORT;
	struct node_cert_state cert = {0};
	bool tls = n->d->tls_not_after_ms > 0;
	if (tls)
		node_cert_describe(n->d->tls_not_after_ms, wn_now_ms(), &cert);
	/* a node on an older copy of its store (a restored backup, accepted
	 * with --accept-rollback) and a certificate about to expire are the
	 * first things status says */
	struct node_chain_behind rb;
	bool behind = node_chain_behind(n, &rb);
	int64_t ro_since = 0;
	char ro_why[200] = "";
	bool ro = node_chain_receive_only(n, &ro_since, ro_why, sizeof(ro_why));
	char msg[1536], ro_msg[512] = "", mail_msg[320] = "";
	/* the alerts' mail (node/alert/mail.c): a failing server is said
	 * with the rest */
	struct node_mail_status ms;
	node_mail_status(n, &ms);
	if (ms.on && ms.error[0] != '\0')
		snprintf(mail_msg, sizeof(mail_msg), "%lld alert mail%s wait%s: "
		    "%s", (long long)ms.queued, ms.queued == 1 ? "" : "s",
		    ms.queued == 1 ? "s" : "", ms.error);
	if (ro) {
		char when[40];
		time_t t = (time_t)(ro_since / 1000);
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
			snprintf(when, sizeof(when), "start");
		snprintf(ro_msg, sizeof(ro_msg), "receive-only since %s: none "
		    "of the nodes that check this node's audit chain has "
		    "vouched for it yet%s%s%s, so nothing is sent (it waits "
		    "in the outbox) until one does", when,
		    ro_why[0] ? " (last: " : "", ro_why, ro_why[0] ? ")" : "");
	}
	snprintf(msg, sizeof(msg), "%s%s%s%s%s%s%s", ro_msg,
	    ro && (behind || cert.warning[0]) ? "; " : "",
	    behind ? rb.warning : "", behind && cert.warning[0] ? "; " : "",
	    cert.warning,
	    mail_msg[0] && (ro || behind || cert.warning[0]) ? "; " : "",
	    mail_msg);
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	struct node_conn_stats cs;
	node_conns_stats(n, &cs);
	proto_ctl_row_begin(c->w, STATUS_FIELDS + (tls ? STATUS_FIELDS_TLS : 0) +
	    (behind ? STATUS_FIELDS_BEHIND : 0) + (ro ? STATUS_FIELDS_RO : 0) +
	    (ms.on ? STATUS_FIELDS_MAIL : 0));
	proto_ctl_field_text(c->w, "org_id", n->cfg.org_id);
	proto_ctl_field_text(c->w, "org_name", n->cfg.org_name);
	proto_ctl_field_text(c->w, "role", cfg_role_name(n->cfg.role));
	field_fingerprint(c->w, n);
	proto_ctl_field_text(c->w, "listen", n->cfg.listen);
	proto_ctl_field_text(c->w, "version", NODE_VERSION);
	proto_ctl_field_int(c->w, "pid", (int64_t)getpid());
	proto_ctl_field_int(c->w, "uptime_s",
	    (wn_mono_ms() - n->started_ms) / 1000);
	proto_ctl_field_int(c->w, "schema_version",
	    node_store_version(n->store));
	proto_ctl_field_int(c->w, "audit_records", head.seq);
	proto_ctl_field_int(c->w, "control_recv_max", (int64_t)recv_max);
	proto_ctl_field_int(c->w, "control_listener_restarts",
	    (int64_t)n->d->listener_restarts);
	proto_ctl_field_int(c->w, "control_health_checks",
	    (int64_t)n->d->health_checks);
	/* the alert socket beside it (alert_sock.c): followers waiting now
	 * (its listener's restarts are audited and logged, not counted here) */
	proto_ctl_field_int(c->w, "alert_followers",
	    (int64_t)node_alert_waiting(n));
	proto_ctl_field_int(c->w, "peer_recv_max", (int64_t)ex.recv_max);
	/* transfers that arrived before the one they follow */
	proto_ctl_field_int(c->w, "peer_transfers_waiting",
	    (int64_t)ex.transfers_waiting);
	/* peers that cannot decrypt our messages: nothing more goes to them
	 * until `peer retry` */
	proto_ctl_field_int(c->w, "peers_stuck", (int64_t)ex.peers_stuck);
	proto_ctl_field_bool(c->w, "director", n->is_director);
	/* `key rotate` made next keys the director has not announced yet
	 * (node/exchange/rotate.c) */
	proto_ctl_field_bool(c->w, "key_rotation_pending", n->next_id != NULL);
	/* no checker answered at start: nothing is sent until one does */
	proto_ctl_field_bool(c->w, "receive_only", ro);
	if (ro)
		proto_ctl_field_int(c->w, "receive_only_since_ms", ro_since);
	/* the peer socket's connections (node/exchange/conn.c, node/exchange/tls.c) */
	proto_ctl_field_int(c->w, "peer_connections", (int64_t)cs.open);
	proto_ctl_field_int(c->w, "peer_refused_over_total_cap",
	    (int64_t)cs.refused_total);
	proto_ctl_field_int(c->w, "peer_refused_over_address_cap",
	    (int64_t)cs.refused_address);
	proto_ctl_field_int(c->w, "peer_closed_idle", (int64_t)cs.closed_idle);
	proto_ctl_field_int(c->w, "peer_closed_slow_frame",
	    (int64_t)cs.closed_frame);
	proto_ctl_field_int(c->w, "peer_tls_refused", (int64_t)cs.tls_refused);
	proto_ctl_field_int(c->w, "peer_handshaking", (int64_t)cs.handshaking);
	if (tls) {
		proto_ctl_field_text(c->w, "tls_cert_expires", cert.expires);
		proto_ctl_field_int(c->w, "tls_cert_days_left", cert.days_left);
	}
	if (ms.on) {
		/* mails not sent yet, the last one accepted, failures in a
		 * row and the last in words ("" since a success) */
		proto_ctl_field_int(c->w, "mail_queued", ms.queued);
		proto_ctl_field_int(c->w, "mail_last_sent_ms", ms.sent_ms);
		proto_ctl_field_int(c->w, "mail_failures", ms.tries);
		proto_ctl_field_text(c->w, "mail_last_error", ms.error);
	}
	if (behind) {
		proto_ctl_field_int(c->w, "rollback_missing_records", rb.missing);
		proto_ctl_field_int(c->w, "rollback_since_ms", rb.since_ms);
		proto_ctl_field_int(c->w, "rollback_copy_ends_at", rb.last_seq);
		proto_ctl_field_text(c->w, "rollback_checker", rb.checker);
		proto_ctl_field_int(c->w, "rollback_accepted_ms", rb.accepted_ms);
	}
	return WN_OK;
}

static wn_err
ctl_whoami(struct node_ctl_call *c)
{
	struct node *n = c->n;
	proto_ctl_reply_begin(c->w, WN_OK, "", 1);
	proto_ctl_row_begin(c->w, 7);
	proto_ctl_field_text(c->w, "org_id", n->cfg.org_id);
	proto_ctl_field_text(c->w, "org_name", n->cfg.org_name);
	proto_ctl_field_text(c->w, "role", cfg_role_name(n->cfg.role));
	field_fingerprint(c->w, n);
	proto_ctl_field_text(c->w, "user", c->user->name);
	proto_ctl_field_text(c->w, "user_role",
	    cfg_user_role_name(c->user->role));
	proto_ctl_field_int(c->w, "uid", c->user->uid);
	return WN_OK;
}

static wn_err
ctl_audit_verify(struct node_ctl_call *c)
{
	int64_t count = 0, bad = 0;
	char why[256];
	struct node_audit_head head;
	wn_err rc = node_audit_verify(c->n->store, &count, &bad, why,
	    sizeof(why));
	if (rc == WN_ECORRUPT) {
		snprintf(c->detail, sizeof(c->detail), "broken at record %lld",
		    (long long)bad);
		proto_ctl_reply_begin(c->w, WN_ECORRUPT, why, 1);
		proto_ctl_row_begin(c->w, 1);
		proto_ctl_field_int(c->w, "first_bad_record", bad);
		return WN_OK;
	}
	if (rc != WN_OK)
		return rc;
	if ((rc = node_audit_head(c->n->store, &head)) != WN_OK)
		return rc;
	char hex[2 * SEC_HASH_LEN + 1];
	sec_hex(hex, sizeof(hex), head.hash, SEC_HASH_LEN);
	snprintf(c->detail, sizeof(c->detail), "intact, %lld records",
	    (long long)count);
	proto_ctl_reply_begin(c->w, WN_OK, "audit chain intact", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "records", count);
	proto_ctl_field_int(c->w, "head_seq", head.seq);
	proto_ctl_field_text(c->w, "head_hash", hex);
	return WN_OK;
}

struct tail_ctx {
	struct proto_writer *w;
};

static void
tail_row(const struct node_audit_rec *r, void *arg)
{
	struct tail_ctx *t = arg;
	proto_ctl_row_begin(t->w, 6);
	proto_ctl_field_int(t->w, "seq", r->seq);
	proto_ctl_field_int(t->w, "time_ms", r->time_ms);
	proto_ctl_field_text(t->w, "user", r->user);
	proto_ctl_field_text(t->w, "action", r->action);
	proto_ctl_field_text(t->w, "object", r->object);
	proto_ctl_field_text(t->w, "detail", r->detail);
}

static wn_err
ctl_audit_show(struct node_ctl_call *c)
{
	uint64_t limit = 20;
	const char *arg = proto_ctl_request_arg(c->req, "limit");
	struct node_audit_head head;
	struct tail_ctx t = {c->w};
	if (arg != NULL && !wn_parse_u64(arg, 10000, &limit))
		return WN_EINVAL;
	wn_err rc = node_audit_head(c->n->store, &head);
	if (rc != WN_OK)
		return rc;
	int64_t rows = head.seq < (int64_t)limit ? head.seq : (int64_t)limit;
	/* the record of this very request is appended after the listing */
	proto_ctl_reply_begin(c->w, WN_OK, "", (size_t)rows);
	return node_audit_tail(c->n->store, rows, tail_row, &t);
}

/* this room's own commands; every other room registers its own table
 * (node_ctl_register), and the dispatch below finds a command by name in
 * all of them */
static const struct node_ctl_cmd daemon_cmds[] = {
	{"status", CFG_USER_VIEWER, ctl_status, "node status", false},
	{"whoami", CFG_USER_VIEWER, ctl_whoami, "who the caller is", false},
	{"audit.verify", CFG_USER_ADMINISTRATOR, ctl_audit_verify,
	    "verify the audit chain", false},
	{"audit.show", CFG_USER_ADMINISTRATOR, ctl_audit_show,
	    "list the newest audit records", false},
};

void
node_ctl_register_daemon(void)
{
	node_ctl_register(daemon_cmds, WN_ARRAY_LEN(daemon_cmds));
}

/* the one free-text argument every command may take: a subject */
static const struct node_ctl_text subject_text[] = {
    {"subject", PROTO_SUBJECT_CHARS}, {NULL, 0}};

/* text_ok checks req's arguments named in limits; false with msg naming
 * the first argument at fault (never its value). */
static bool
text_ok(const struct node_ctl_text *limits,
    const struct proto_ctl_request *req, char *msg, size_t cap)
{
	for (size_t i = 0; limits != NULL && limits[i].key != NULL; i++) {
		const char *v = proto_ctl_request_arg(req, limits[i].key);
		size_t n;
		if (v == NULL)
			continue;
		if (v[strspn(v, " \t\r\n")] == '\0') {
			snprintf(msg, cap, "%s must not be empty", limits[i].key);
			return false;
		}
		if ((n = wn_text_chars(v, strlen(v))) > limits[i].max_chars) {
			snprintf(msg, cap, "%s is too long: %zu characters, at "
			    "most %zu", limits[i].key, n, limits[i].max_chars);
			return false;
		}
	}
	return true;
}

static void
reply_error(struct proto_writer *w, wn_err rc, const char *msg)
{
	proto_writer_reset(w);
	proto_ctl_reply_begin(w, rc, msg, 0);
}

/* begin_with_held begins the transaction of a control request and writes
 * the held audit records first, so they come before the request's own;
 * *held_in says whether they are in it (when there is no room for them,
 * the transaction begins again without them). */
static wn_err
begin_with_held(struct node *n, bool *held_in)
{
	wn_err rc;
	*held_in = false;
	if ((rc = node_store_begin(n->store)) != WN_OK)
		return rc;
	if (!node_ctl_held_any(n))
		return WN_OK;
	if (node_ctl_write_held(n) == WN_OK) {
		*held_in = true;
		return WN_OK;
	}
	node_store_rollback(n->store);
	return node_store_begin(n->store);
}

static void
audit_or_log(struct node *n, const char *user, const char *action,
    const char *object, const char *detail)
{
	if (node_audit_append(n->store, user, action, object, detail) ==
	    WN_OK)
		return;
	if (node_store_full(n->store))
		node_ctl_hold(n, user, action, object, detail);
	else
		wn_log(WN_LOG_ERROR, "audit append failed: %s",
		    node_store_errmsg(n->store));
}

bool
node_ctl_role_allows(enum cfg_user_role have, enum cfg_user_role need)
{
	return role_rank(have) >= role_rank(need);
}

void
node_ctl_audit(struct node *n, const char *user, const char *action,
    const char *object, const char *detail)
{
	audit_or_log(n, user, action, object, detail);
}

void
node_ctl_handle(struct node *n, uint64_t uid,
    const struct proto_ctl_request *req, struct proto_writer *w)
{
	struct node_ctl_call c = {.n = n, .req = req, .w = w};
	char who[64], action[64], msg[256];
	const struct node_ctl_cmd *cmd;
	bool held_in;
	wn_err rc;

	if (strcmp(req->op, "ping") == 0) {
		proto_ctl_reply_begin(w, WN_OK, "pong", 0);
		return;
	}
	snprintf(action, sizeof(action), "control.%s", req->op);
	c.user = cfg_node_user_by_uid(&n->cfg, (uint32_t)uid);
	if (c.user == NULL || uid > UINT32_MAX) {
		snprintf(who, sizeof(who), "uid:%llu", (unsigned long long)uid);
		audit_or_log(n, who, "control.refused", req->op,
		    "unknown uid");
		wn_log(WN_LOG_WARN, "control: refused %s from unknown uid %llu",
		    req->op, (unsigned long long)uid);
		snprintf(msg, sizeof(msg),
		    "uid %llu is not a user of this node (add a [user] section "
		    "to its config)",
		    (unsigned long long)uid);
		reply_error(w, WN_EAUTH, msg);
		return;
	}
	if ((cmd = node_ctl_find(req->op)) == NULL) {
		audit_or_log(n, c.user->name, "control.unknown", req->op, "");
		snprintf(msg, sizeof(msg), "unknown request '%s'", req->op);
		reply_error(w, WN_EINVAL, msg);
		return;
	}
	if (role_rank(c.user->role) < role_rank(cmd->min_role)) {
		audit_or_log(n, c.user->name, action, "", "denied: role");
		snprintf(msg, sizeof(msg), "'%s' needs the role %s; %s is %s",
		    req->op, cfg_user_role_name(cmd->min_role),
		    c.user->name, cfg_user_role_name(c.user->role));
		reply_error(w, WN_EDENIED, msg);
		return;
	}
	if (!text_ok(subject_text, req, msg, sizeof(msg)) ||
	    !text_ok(cmd->texts, req, msg, sizeof(msg))) {
		audit_or_log(n, c.user->name, action, "", msg);
		reply_error(w, WN_EINVAL, msg);
		return;
	}
	if (begin_with_held(n, &held_in) != WN_OK) {
		reply_error(w, WN_EDB, "store busy or damaged");
		return;
	}
	int64_t changes = node_store_changes(n->store);
	rc = cmd->fn(&c);
	bool wrote = node_store_changes(n->store) != changes;
	if (rc != WN_OK) {
		bool full = node_store_full(n->store);
		node_store_rollback(n->store);
		if (full)
			snprintf(msg, sizeof(msg), "the disk is full: '%s' was "
			    "not done and nothing was changed", req->op);
		else if (c.errmsg[0])
			wn_strlcpy(msg, c.errmsg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "%s failed: %s", req->op,
			    wn_strerror(rc));
		reply_error(w, rc, msg);
		c.reload_peers = c.kick = false;
		if (begin_with_held(n, &held_in) != WN_OK)
			return;
		snprintf(c.detail, sizeof(c.detail), "failed: %s",
		    full ? "the disk is full" : wn_strerror(rc));
	}
	if (node_audit_append(n->store, c.user->name, action, "",
		c.detail) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		bool full = node_store_full(n->store);
		node_store_rollback(n->store);
		if (full && rc == WN_OK && !wrote &&
		    (cmd->personal || node_ctl_held_full(n))) {
			/* personal fields are never shown without their
			 * record; nor is anything once no more can be held */
			if (cmd->personal)
				snprintf(msg, sizeof(msg), "the disk is full: "
				    "'%s' cannot be recorded in the audit log, "
				    "so it is not shown", req->op);
			else
				snprintf(msg, sizeof(msg), "the disk is full: "
				    "'%s' cannot be recorded in the audit log "
				    "(%d records wait in memory already), so it "
				    "is not answered", req->op, NODE_HELD_MAX);
			reply_error(w, WN_EIO, msg);
			node_ctl_hold(n, c.user->name, action, "",
			    "refused: the disk is full");
			return;
		}
		if (full && (rc != WN_OK || !wrote)) {
			/* nothing to undo but its record: the answer stands,
			 * the record waits for room */
			node_ctl_hold(n, c.user->name, action, "", c.detail);
			return;
		}
		if (full) {
			snprintf(msg, sizeof(msg), "the disk is full: '%s' was "
			    "not done and nothing was changed (requests that "
			    "only read still answer)", req->op);
			reply_error(w, WN_EIO, msg);
			wn_log(WN_LOG_ERROR, "control: %s refused: the disk is "
			    "full", req->op);
			node_ctl_hold(n, c.user->name, action, "",
			    "refused: the disk is full");
			return;
		}
		reply_error(w, WN_EDB, "could not record the request in the "
				       "audit log; nothing was done");
		wn_log(WN_LOG_ERROR, "control: audit/commit failed: %s",
		    node_store_errmsg(n->store));
		return;
	}
	if (held_in)
		node_ctl_held_written(n);
	else if (node_ctl_flush_held(n) != WN_OK)
		wn_log(WN_LOG_WARN, "held audit records still wait for room");
	if (c.reload_peers && node_peers_load(n) != WN_OK)
		wn_log(WN_LOG_ERROR, "cannot reload peers");
	if (c.kick || c.reload_peers)
		node_peer_kick(n);
}

/* serve_one answers one control request. */
static void
serve_one(struct node *n, nng_msg *msg, struct proto_writer *w)
{
	struct proto_ctl_request *req = malloc(sizeof(*req));
	struct proto_error perr;
	uint64_t uid = UINT64_MAX;
	nng_pipe p = nng_msg_get_pipe(msg);

	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0)
		uid = UINT64_MAX;
	if (req == NULL) {
		reply_error(w, WN_ENOMEM, "out of memory");
		return;
	}
	wn_err drc = proto_ctl_request_decode(nng_msg_body(msg),
	    nng_msg_len(msg), req, &perr);
	/* the health check must not wait behind a long request */
	if (drc == WN_OK && strcmp(req->op, "ping") == 0) {
		proto_ctl_reply_begin(w, WN_OK, "pong", 0);
		free(req);
		return;
	}
	pthread_mutex_lock(&n->mtx);
	if (drc != WN_OK) {
		char m[200], who[32];
		snprintf(m, sizeof(m), "malformed request at byte %zu: %s",
		    perr.offset, perr.msg);
		snprintf(who, sizeof(who), "uid:%llu", (unsigned long long)uid);
		audit_or_log(n, who, "control.malformed", "", m);
		reply_error(w, WN_EPROTO, m);
	} else {
		node_ctl_handle(n, uid, req, w);
	}
	pthread_mutex_unlock(&n->mtx);
	if (proto_writer_status(w) != WN_OK)
		reply_error(w, WN_ETOOBIG, "reply too large");
	free(req);
}

/* ctl_serve is the control socket's server handler: it always answers at
 * once. */
static bool
ctl_serve(void *arg, struct node_server_worker *wk, nng_msg *msg,
    struct proto_writer *w)
{
	(void)wk;
	serve_one(arg, msg, w);
	return false;
}

static wn_err
listener_start(struct node *n, char *err, size_t errlen)
{
	int rv = nng_listener_create(&n->d->ctl_listener, n->d->ctl, n->d->ctl_url);
	if (rv == 0)
		rv = nng_listener_set_int(n->d->ctl_listener,
		    NNG_OPT_IPC_PERMISSIONS, (int)n->cfg.control_mode);
	if (rv == 0)
		rv = nng_listener_start(n->d->ctl_listener, 0);
	if (rv != 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", n->d->ctl_url,
		    nng_strerror(rv));
		return WN_ETRANSPORT;
	}
	if (n->cfg.control_mode == 0660) {
		struct group *g = getgrnam(n->cfg.control_group);
		if (g == NULL || chown(n->d->ctl_path, (uid_t)-1, g->gr_gid) != 0) {
			snprintf(err, errlen, "%s: cannot give the socket to "
			    "group '%s'", n->d->ctl_path, n->cfg.control_group);
			return WN_ECONFIG;
		}
	}
	return WN_OK;
}

/* socket_folder_ours: the folder of a control_socket outside the data
 * folder is the daemon's own (its owner, a folder, not a link) and only it
 * may change it (no write for group or others): the daemon removes a stale
 * socket there at start, and a folder others may write to would let them
 * put a link or a socket of their own in its place. A group may pass
 * through it (mode 0750, group control_group): that is its purpose. */
static bool
socket_folder_ours(const char *path, char *err, size_t errlen)
{
	char dir[128];
	struct stat st;
	const char *slash = strrchr(path, '/');
	size_t len = slash != NULL ? (size_t)(slash - path) : 0;
	if (slash == NULL || slash[1] == '\0' || len >= sizeof(dir)) {
		snprintf(err, errlen, "control_socket %s: not a file's path",
		    path);
		return false;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	if (len == 0)
		wn_strlcpy(dir, "/", sizeof(dir));
	if (lstat(dir, &st) != 0) {
		snprintf(err, errlen, "control_socket %s: its folder %s: %s "
		    "(under systemd, RuntimeDirectory= makes it)", path, dir,
		    strerror(errno));
		return false;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0) {
		snprintf(err, errlen, "control_socket %s: its folder %s must "
		    "be a folder of the daemon's user that only it may write "
		    "to (mode 0700 or 0750; it is %s, mode %04o, owner uid "
		    "%u)", path, dir, S_ISDIR(st.st_mode) ? "a folder"
		    : "not a folder", (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid);
		return false;
	}
	return true;
}

wn_err
node_ctl_start(struct node *n, char *err, size_t errlen)
{
	int rv;
	if ((n->d = calloc(1, sizeof(*n->d))) == NULL) {
		snprintf(err, errlen, "control socket: out of memory");
		return WN_ENOMEM;
	}
	/* status tells when the certificate the node serves with expires */
	if (n->cfg.tls_cert[0] != '\0') {
		char why[512];
		if (node_cert_expiry(n->cfg.tls_cert, &n->d->tls_not_after_ms,
			why, sizeof(why)) != WN_OK)
			wn_log(WN_LOG_WARN, "%s", why);
	}
	if (n->cfg.control_socket[0] != '\0') {
		wn_strlcpy(n->d->ctl_path, n->cfg.control_socket,
		    sizeof(n->d->ctl_path));
		if (!socket_folder_ours(n->d->ctl_path, err, errlen))
			return WN_ECONFIG;
		/* outside the data folder its lock does not keep a second
		 * node (a restored copy with the same config) off the
		 * socket: one that answers there is another node's */
		if (node_ctl_ping(n->d->ctl_path)) {
			snprintf(err, errlen, "control_socket %s: another "
			    "wijknetd serves there: stop it, or give this node "
			    "a control_socket of its own", n->d->ctl_path);
			return WN_ECONFIG;
		}
	} else if (!node_path(n->d->ctl_path, sizeof(n->d->ctl_path),
		       n->cfg.data_dir, NODE_CTL_SOCK) ||
	    strlen(n->d->ctl_path) >= 100) {
		snprintf(err, errlen,
		    "%s: data folder path too long for a unix socket",
		    n->cfg.data_dir);
		return WN_ECONFIG;
	}
	snprintf(n->d->ctl_url, sizeof(n->d->ctl_url), "ipc://%s", n->d->ctl_path);
	if ((rv = nng_rep0_open(&n->d->ctl)) != 0 ||
	    (rv = nng_socket_set_size(n->d->ctl, NNG_OPT_RECVMAXSZ,
		 NODE_CTL_MAX_REQUEST)) != 0) {
		snprintf(err, errlen, "control socket: %s", nng_strerror(rv));
		return WN_ETRANSPORT;
	}
	/* a stale socket file of a crashed daemon (we hold the lock) */
	unlink(n->d->ctl_path);
	wn_err rc = listener_start(n, err, errlen);
	if (rc != WN_OK)
		return rc;
	if (node_server_start(&n->d->ctl_server, n->d->ctl, NODE_CTL_WORKERS,
		NODE_CTL_MAX_REPLY, ctl_serve, n) != WN_OK) {
		snprintf(err, errlen, "control socket: cannot start workers");
		return WN_ETRANSPORT;
	}
	return WN_OK;
}

/* ---- the health check ---------------------------------------------- */

#define PING_WAIT_MS 2000

/* io_all reads (or writes) exactly len bytes of fd before the deadline. */
static bool
io_all(int fd, uint8_t *buf, size_t len, bool out, int64_t deadline)
{
	while (len > 0) {
		struct pollfd p = {.fd = fd, .events = out ? POLLOUT : POLLIN};
		int64_t left = deadline - wn_mono_ms();
		if (left <= 0 || poll(&p, 1, (int)left) != 1)
			return false;
		ssize_t k = out ? send(fd, buf, len, MSG_NOSIGNAL)
				: recv(fd, buf, len, 0);
		if (k <= 0) {
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			return false;
		}
		buf += k;
		len -= (size_t)k;
	}
	return true;
}

/* node_ctl_ping asks the control socket (or the alert socket) for "ping"
 * as the CLI's REQ socket would, but over a plain Unix socket in SP's IPC framing: an nng socket opened
 * and closed twice a second would sooner or later meet nng 1.5.2's hang
 * in nng_close (nanomsg/nng#1543), and every later close of the node's
 * (a peer's TLS connection among them) would wait behind it. A ping reads
 * the REP socket's SP header, sends one request (frame: 0x01, 8-byte
 * length; body: a 4-byte request id, then the request) and reads the
 * reply that carries the same id, all within PING_WAIT_MS. */
bool
node_ctl_ping(const char *path)
{
	static uint32_t next_id;
	static const uint8_t hello[8] = {0, 'S', 'P', 0, 0, 0x30, 0, 0};
	struct proto_ctl_request req = {0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct proto_writer w;
	uint8_t buf[256], head[9];
	int64_t deadline = wn_mono_ms() + PING_WAIT_MS;
	uint32_t id = 0x80000000u | (++next_id & 0x7fffffffu);
	uint64_t len = 0;
	bool ok = false;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		 0)) < 0)
		return false;
	wn_strlcpy(req.op, "ping", sizeof(req.op));
	proto_writer_init(&w, buf + 13, sizeof(buf) - 13);
	/* a full backlog (EAGAIN) is a busy listener, not a dead one */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		if ((errno != EAGAIN && errno != EINTR) ||
		    wn_mono_ms() >= deadline || poll(NULL, 0, 20) < 0)
			goto out;
	if (proto_ctl_request_encode(&req, &w) != WN_OK ||
	    !io_all(fd, (uint8_t *)hello, sizeof(hello), true, deadline) ||
	    !io_all(fd, head, 8, false, deadline) || head[0] != 0 ||
	    head[1] != 'S' || head[2] != 'P' || head[3] != 0 ||
	    head[4] != 0 || head[5] != 0x31) /* REP v0 */
		goto out;
	buf[0] = 1;
	for (int i = 0; i < 8; i++)
		buf[1 + i] = (uint8_t)((w.len + 4) >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		buf[9 + i] = (uint8_t)(id >> (24 - 8 * i));
	if (!io_all(fd, buf, 13 + w.len, true, deadline) ||
	    !io_all(fd, head, 9, false, deadline) || head[0] != 1)
		goto out;
	for (int i = 0; i < 8; i++)
		len = len << 8 | head[1 + i];
	if (len < 4 || len > sizeof(buf) ||
	    !io_all(fd, buf, (size_t)len, false, deadline))
		goto out;
	ok = ((uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
		 (uint32_t)buf[2] << 8 | buf[3]) == id;
out:
	close(fd);
	return ok;
}

void
node_ctl_check(struct node *n)
{
	char err[256];
	/* with nng stuck in a close, a ping's own close would hang too */
	n->d->health_checks++;
	if (node_sockets_abandoned() || node_ctl_ping(n->d->ctl_path))
		return;
	wn_log(WN_LOG_WARN, "control socket %s did not answer; recreating "
			    "its listener",
	    n->d->ctl_url);
	nng_listener_close(n->d->ctl_listener);
	unlink(n->d->ctl_path);
	if (listener_start(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		return;
	}
	n->d->listener_restarts++;
	pthread_mutex_lock(&n->mtx);
	audit_or_log(n, "system", "control.listener_recreated", n->d->ctl_url,
	    "health check failed");
	pthread_mutex_unlock(&n->mtx);
}

void
node_ctl_stop(struct node *n)
{
	node_server_stop(&n->d->ctl_server);
	(void)node_socket_close(n->d->ctl, "control socket");
	unlink(n->d->ctl_path);
}

void
node_ctl_free(struct node *n)
{
	if (node_sockets_abandoned())
		return; /* nng may still hold what n->d names */
	free(n->d);
	n->d = NULL;
}
