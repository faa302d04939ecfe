/*
 * daemon.h - the daemon room: wijknetd itself.
 *
 * Owns: main and the subcommands (init, run, audit-verify, public), the
 * data folder's lock and files, the start and stop of every room, the
 * control socket, its dispatch table, the request's transaction and its
 * audit record (control.c); the alert socket beside it, where followers
 * wait for the next alerts (alert_sock.c).
 * May use: every room (core, store, exchange, need, work, subject,
 * alert); no room uses it.
 */
#ifndef NODE_DAEMON_DAEMON_H
#define NODE_DAEMON_DAEMON_H

#include "node/core/core.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"
#include "node/alert/alert.h"
#include "node/alert/mail.h"
#include "node/node.h"
#include "node/subject/subject.h"
#include "node/subject/concern.h"
#include "node/work/work.h"

/* Largest control request the node accepts (the receive cap on the socket,
 * above PROTO_CTL_REQUEST_MAX_SIZE) and largest reply it writes. */
#define NODE_CTL_MAX_REQUEST PROTO_CTL_REQUEST_MAX_SIZE
#define NODE_CTL_MAX_REPLY (16u << 20)
#define NODE_CTL_WORKERS 4

/* Paths inside the data folder. */
#define NODE_KEY_FILE "node.key"
#define NODE_DB_FILE "node.db"
#define NODE_CONF_FILE "wijknet.conf"
#define NODE_LOCK_FILE "wijknetd.lock"
#define NODE_CTL_SOCK "control.sock"
/* the alert socket: beside the control socket, in the same folder
 * (cfg_alert_socket_path) */
#define NODE_ALERT_WORKERS 8
#define NODE_UNLOCK_FAILURES "unlock-failures"
/* run's and audit-verify's exit status when the passphrase is wrong or
 * cannot be read: trying again cannot help, so wijknetd.service lists it
 * in RestartPreventExitStatus= (wijknetd.8, EXIT STATUS) */
#define NODE_EXIT_PASSPHRASE 3
/* run's exit status when the node runs on an older copy of its store (a
 * rollback): its start refused, or a recheck while receive-only found it.
 * Starting again cannot help either (the operator restores the newer
 * store, or accepts with --accept-rollback REASON), and a restart while
 * the checkers are away would start receive-only and take messages again:
 * wijknetd.service lists it in RestartPreventExitStatus= too */
#define NODE_EXIT_ROLLBACK 4

/* node_path joins the data folder and a file name; false if too long. */
bool node_path(char *out, size_t cap, const char *dir, const char *file);

/* The daemon's own state, n->d: the control socket (control.c). */
struct node_daemon {
	nng_socket ctl;
	nng_listener ctl_listener;
	char ctl_url[4200];
	char ctl_path[4200];
	struct node_server ctl_server;
	unsigned long listener_restarts;
	unsigned long health_checks; /* pings of the control socket */
	int64_t tls_not_after_ms;    /* the node's certificate's end, 0: none */
	/* the alert socket (alert_sock.c) */
	nng_socket al;
	nng_listener al_listener;
	bool al_open;
	char al_url[4200];
	char al_path[4200];
	struct node_server al_server;
};

/* cert.c: the node's own certificate. node_cert_expiry reads the end of
 * validity of the first certificate in the PEM file at path (WN_ECONFIG
 * with a message when it cannot). node_cert_describe says, for status,
 * when it expires (ISO 8601, UTC), in how many days (a part of a day
 * counts as one; 0 once expired) and, within NODE_CERT_WARN_DAYS or
 * after, a warning for the operator ("" otherwise). */
#define NODE_CERT_WARN_DAYS 30
#define NODE_DAY_MS INT64_C(86400000)
struct node_cert_state {
	char expires[32];
	int64_t days_left;
	char warning[256];
};
WN_NODISCARD wn_err node_cert_expiry(const char *path, int64_t *not_after_ms,
    char *err, size_t errlen);
void node_cert_describe(int64_t not_after_ms, int64_t now_ms,
    struct node_cert_state *out);

/* node_ctl_start allocates n->d, opens the control socket (ipc:// in the
 * data folder, mode from the config) and starts serving. node_ctl_check
 * pings it once (over a plain Unix socket: no nng socket is opened and
 * closed for it) and recreates the listener if it does not answer (nng
 * 1.5.2 can lose an ipc listener to one connect-and-close). node_ctl_stop
 * closes it; node_ctl_free (at the end, also after a failed start) frees
 * n->d, unless a socket close was given up (node_sockets_abandoned). */
WN_NODISCARD wn_err node_ctl_start(struct node *n, char *err, size_t errlen);
void node_ctl_check(struct node *n);
void node_ctl_stop(struct node *n);
void node_ctl_free(struct node *n);
/* node_ctl_ping: the socket at path answers a ping, within two seconds. */
bool node_ctl_ping(const char *path);
/* node_ctl_role_allows: a user of role have may run what needs role need
 * (viewer < case_worker < administrator), the control socket's rule;
 * node_ctl_audit appends an audit record (n->mtx held), held for later
 * when the disk is full, as the control socket's own. The alert socket
 * uses both. */
bool node_ctl_role_allows(enum cfg_user_role have, enum cfg_user_role need);
void node_ctl_audit(struct node *n, const char *user, const char *action,
    const char *object, const char *detail);

/* alert_sock.c: the alert socket, ipc:// beside the control socket
 * (its path with ".alerts" added: cfg_alert_socket_path), with its
 * permissions and group and its mapping of uids to users, and its role
 * rule (node_ctl_role_allows); it answers only ping and alert.wait (a long
 * poll, node/alert/alert.c). node_alert_sock_start opens it (after
 * node_ctl_start: it needs n->d); node_alert_sock_check is its health
 * check, as node_ctl_check's; node_alert_sock_stop closes it (before
 * node_alert_stop, which forgets the calls it kept). */
WN_NODISCARD wn_err node_alert_sock_start(struct node *n, char *err,
    size_t errlen);
void node_alert_sock_check(struct node *n);
void node_alert_sock_stop(struct node *n);

/* node_ctl_register_daemon registers the daemon's own control commands
 * (status, whoami, audit.verify, audit.show). */
void node_ctl_register_daemon(void);

/* node_ctl_handle answers one decoded request from the user behind uid,
 * writing the reply into w. Called with n->mtx held. */
void node_ctl_handle(struct node *n, uint64_t uid,
    const struct proto_ctl_request *req, struct proto_writer *w);

/* node_record_unlock_failure appends a line to the data folder's
 * unlock-failures file (the store cannot be opened without the key), and
 * node_import_unlock_failures moves those lines into the audit log after
 * the next successful unlock. */
void node_record_unlock_failure(const char *dir, const char *reason);
WN_NODISCARD wn_err node_import_unlock_failures(struct node_store *s,
    const char *dir);

/* node_doctor_live (doctor_live.c): when the node runs, what doctor asks
 * it (peers reachable, stuck or failing; members behind the matrix in
 * force), each finding given to finding(arg, fix, line). */
void node_doctor_live(const struct cfg_node *cfg,
    void (*finding)(void *, bool, const char *), void *arg);

/* node_read_passphrase reads the passphrase from where the config says:
 * a file, a systemd credential, or the terminal. */
WN_NODISCARD wn_err node_read_passphrase(const struct cfg_node *cfg,
    struct sec_secret **out, char *err, size_t errlen);

/* The daemon's subcommands (node/daemon/main.c dispatches to them). */
int node_cmd_init(int argc, char **argv);
int node_cmd_run(int argc, char **argv);
int node_cmd_audit_verify(int argc, char **argv);
int node_cmd_public(int argc, char **argv);
int node_cmd_doctor(int argc, char **argv);
int node_cmd_backup(int argc, char **argv);  /* backup.c */
int node_cmd_restore(int argc, char **argv); /* backup.c */
int node_cmd_root(int argc, char **argv); /* root_cmd.c */

#endif
