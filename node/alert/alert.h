/*
 * alert.h - the alert room: SITRAP alerts for the people of this node
 * (issue 13).
 *
 * Owns: the alerts table (migrations 23, 25): what happened in a case
 * this node directs, or to an action it owns (an action assigned, done,
 * late or cancelled; a share asked and answered; a member's dossier
 * changed; a consent withdrawn; a decision), a decision at a meeting of
 * a body it chairs, another partner's concern matching its own (no case),
 * when, for which partner, in which capacity; alert_reads, which local
 * user read which alert and when; never a subject, a token, a field or a
 * text. The case event sink (core's node_event_sink) that
 * stores them in the transaction of the event; the alert.list and
 * alert.read control commands; the followers waiting on the alert socket
 * for the next alerts (struct node_alert, n->alert: a long poll, answered
 * from the daemon's main loop, node_alert_tick). The alert socket itself
 * is the daemon's, as the control socket is.
 * May use: core, store. The rooms below it (need/, work/, subject/)
 * never name it: they raise events through core (node_event_raise).
 */
#ifndef NODE_ALERT_ALERT_H
#define NODE_ALERT_ALERT_H

#include "node/core/core.h"
#include "node/node.h"

/* How many alerts one answer carries at most (a follower asks again from
 * the last one's id); how long a follower waits at most for the next one
 * (it is then answered with none, and asks again; the tests' daemon may
 * lengthen it: WIJKNET_TEST_ALERT_WAIT_MS); how many wait at once at most
 * (the alert socket keeps workers free for its health check: one more is
 * answered at once with WN_EBUSY and asks again a little later), and of
 * them how many for one user (so that one user, whose followers keep
 * asking or leave their calls behind, cannot take the others' slots). A
 * follower whose connection closed frees its slot at the next tick. */
#define NODE_ALERT_BATCH 100
#define NODE_ALERT_WAIT_MS PROTO_CTL_ALERT_WAIT_MS
#define NODE_ALERT_WAITERS 6
#define NODE_ALERT_WAITS_PER_USER 2

/* Who may see alerts, on both sockets (alert.list, alert.read,
 * alert.wait): case workers and administrators. Every kind of alert
 * tells of case work that a viewer is refused where the alert points
 * (action.list, data.list, share.list, meeting.show all need
 * case_worker): which partner has which action, that a partner shared
 * or withdrew something on a case. So a viewer sees none, rather than a
 * filter per kind that would leave it nothing anyway
 * (ARCHITECTURE.md, "Who sees an alert"). */
#define NODE_ALERT_ROLE CFG_USER_CASE_WORKER

/* node_alert_kind_ok: kind is one of the fixed set of plain words an
 * alert may be (action.assigned, action.done, action.late,
 * action.cancelled, share.requested, share.answered, dossier.changed,
 * decision.made, consent.withdrawn, match.found, phenomenon.proposed:
 * a phenomenon rule was reached at the director; its case_id names
 * "phenomenon:ID", not a case, and ref the phenomenon). */
bool node_alert_kind_ok(const char *kind);

/* node_alert_room_register registers the room's commands and its event
 * sink (core), before anything is served; node_alert_start allocates
 * n->alert (WN_ENOMEM), node_alert_stop forgets every waiting follower
 * (their calls are the alert socket's to free: stop it after) and frees
 * it. */
void node_alert_room_register(void);
WN_NODISCARD wn_err node_alert_start(struct node *n);
void node_alert_stop(struct node *n);

/* node_alert_wait takes a follower's request for the alerts after id
 * since, for user, from the alert socket (n->mtx held, no transaction):
 * when there are some (or too many wait already: WN_EBUSY), it writes
 * the reply into w and returns false; otherwise it keeps wk's call and
 * returns true: node_alert_tick answers it. */
struct node_server_worker;
bool node_alert_wait(struct node *n, const struct cfg_user *user,
    int64_t since, struct node_server_worker *wk, struct proto_writer *w);

/* node_alert_tick answers the followers that have alerts now, and those
 * that waited NODE_ALERT_WAIT_MS (with none); it takes n->mtx. The
 * daemon's main loop calls it about twice a second. */
void node_alert_tick(struct node *n);

/* node_alert_waiting: how many followers wait (n->mtx held). */
size_t node_alert_waiting(const struct node *n);

/* node_alert_list_sql writes the SQL alert.list runs (false: it does
 * not fit in cap): the count (count) or the rows, of every alert (all)
 * or those unread by user ?1, of case ?2 (by_case), after id ?3 (since),
 * at most ?4 rows. Exported so that tests/node/test_store.c checks the
 * plan of the very query. */
bool node_alert_list_sql(char *sql, size_t cap, bool count, bool all,
    bool by_case, bool since);

/* node_alert_ids_skip moves the next alert id NODE_ALERT_ID_GAP past
 * the newest the store handed out (in the caller's transaction): a
 * restored store's copy of the ids is older than the ids the node handed
 * out after the backup, which a follower, a script or a person may hold;
 * the next ones must not be those again (wijknetd restore). */
#define NODE_ALERT_ID_GAP 1000000
WN_NODISCARD wn_err node_alert_ids_skip(struct node_store *s);

wn_err node_ctl_alert_list(struct node_ctl_call *c);
wn_err node_ctl_alert_read(struct node_ctl_call *c);

#endif
