/*
 * mail.h - the alert room's mail: SITRAP alerts mailed over SMTP to the
 * addresses the config names for the capacity in which this node hears
 * of them ([mail] director_to, owner_to; the chair is not alerted yet),
 * without personal data (issue 13).
 *
 * Owns: the mail queue (mail_queue, migration 26: one row per alert that
 * goes out, written by the alert sink in the transaction of the event);
 * the sender thread (struct node_mail, n->mail) that mails the queue in
 * order with libcurl's SMTP, off the case-work path, backing off while
 * the server fails; the text of a mail (node_mail_text, mail_text.c).
 * May use: core, store (it is in the alert room).
 */
#ifndef NODE_ALERT_MAIL_H
#define NODE_ALERT_MAIL_H

#include "node/core/core.h"
#include "node/node.h"

/* What a mail says: an alert's row and who this node is, nothing else.
 * There is no field for a subject, a purpose, a text or a value: a mail
 * cannot carry what an alert does not hold. All borrowed. */
struct node_mail_alert {
	int64_t id;           /* the alert's number (> 0) */
	int64_t time_ms;      /* when it was stored (Unix ms) */
	const char *kind;     /* action.done, ... (node_alert_kind_ok) */
	const char *case_id;
	const char *partner;  /* org id, "" none */
	const char *partner_name; /* its name as this node knows it, "" */
	int64_t ref;          /* the action's or meeting's number, 0 none */
	const char *role;     /* director or owner */
	const char *org_id;   /* this node */
	const char *org_name;
};

/* node_mail_text writes the whole mail (headers and body, CRLF lines, at
 * most 998 bytes a line) for alert a, from `from` to `to` (the config's
 * address and comma-separated list), into buf (cap bytes, NUL
 * terminated); *len gets its length. The Message-ID depends only on the
 * alert's number, this node's org id and the from domain, so a mail sent
 * twice (a crash between the server's acceptance and the mark) is
 * recognisable as one. WN_EINVAL when a field holds a line break or a
 * control character, a header field something other than printable
 * ASCII, or the kind is not an alert's; WN_ETOOBIG when it does not fit.
 * buf is garbage on error. */
WN_NODISCARD wn_err node_mail_text(const struct node_mail_alert *a,
    const char *from, const char *to, char *buf, size_t cap, size_t *len);

/* node_mail_look: the wijknet command that shows what alert a tells of
 * (e.g. "wijknet action list --case C-1"), into buf */
void node_mail_look(const struct node_mail_alert *a, char *buf, size_t cap);

/* node_mail_queue queues alert id (role: director or owner) for the
 * mail, in the caller's transaction (the alert sink's), when the config
 * names addresses for that role; otherwise it does nothing. It wakes the
 * sender, which finds the row once the transaction has committed. */
WN_NODISCARD wn_err node_mail_queue(struct node *n, int64_t id,
    const char *role);

/* node_mail_start checks the [mail] config (the password file: a
 * regular file of mode 0600 or 0400, owned by this user; err says what
 * is wrong, WN_ECONFIG) and starts the sender thread (n->mail); without
 * [mail] it does nothing. node_mail_stop ends the thread (a transfer
 * under way is cut) and frees n->mail; safe when never started. */
WN_NODISCARD wn_err node_mail_start(struct node *n, char *err,
    size_t errlen);
void node_mail_stop(struct node *n);

/* What status says of the mail (n->mtx held, in a transaction or not):
 * on false when there is no [mail]; queued, the mails not sent yet;
 * sent_ms, the last one accepted (0 none since start); error, the last
 * failure in plain words ("" none since the last mail sent), never a
 * password. */
struct node_mail_status {
	bool on;
	int64_t queued;
	int64_t sent_ms;
	int64_t tries;
	char error[200];
};
void node_mail_status(struct node *n, struct node_mail_status *out);

#endif
