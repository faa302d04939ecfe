/*
 * core.h - the core room: what the control socket and the peer socket
 * have in common, and what every room that serves control requests uses.
 *
 * Owns: the REP server on nng contexts (server.h), the control call
 * (struct node_ctl_call, node_ctl_arg, node_ctl_fail), the audit records
 * held while the disk is full, the rooms' periodic work (periodic.c), and
 * the one sink for case events (event.c): the rooms where a case's events
 * happen (need/, work/) raise them, the alert room keeps them.
 * May use: store. Never names exchange, need, work, alert or daemon.
 */
#ifndef NODE_CORE_CORE_H
#define NODE_CORE_CORE_H

#include "node/node.h"

/* One control request being handled (daemon/control.c). A handler writes its
 * reply into w and may fill detail for the audit record; it runs inside
 * the request's transaction, with n->mtx held. */
struct node_ctl_call {
	struct node *n;
	const struct cfg_user *user;
	const struct proto_ctl_request *req;
	struct proto_writer *w;
	char detail[256];
	char errmsg[256];  /* the reply's message when the handler fails */
	bool reload_peers; /* after commit: the peer table changed */
	bool kick;         /* after commit: wake the delivery thread */
};
typedef wn_err (*node_ctl_fn)(struct node_ctl_call *c);

/* A free-text argument's limit: its key and its most characters once in
 * NFC (the request decoder normalised it). The control socket refuses the
 * request, naming the key (never the value), when the argument is given
 * blank or longer. */
struct node_ctl_text {
	const char *key;
	size_t max_chars;
};

/* A control command, in the table of the room that owns it: its name, the
 * least role that may call it, its handler, a summary, whether it shows
 * personal fields (dossier content: never answered without its audit
 * record committed; on a full disk it is refused), and the limits of its
 * own free-text arguments (NULL, or a list ending with {NULL, 0}; a
 * `subject` is checked for every command, daemon/control.c). */
struct node_ctl_cmd {
	const char *op;
	enum cfg_user_role min_role;
	node_ctl_fn fn;
	const char *summary;
	bool personal;
	const struct node_ctl_text *texts;
};
/* node_ctl_register adds a room's table of count commands (borrowed: it
 * must outlive the process, a static table) to the process-wide list the
 * control socket dispatches on; the same table again is a no-op, a
 * command name already registered (or twice in the table) aborts the
 * process (WN_ASSERT), as it would otherwise go to the first. Call
 * before the node serves (daemon/ at start); not thread safe.
 * node_ctl_find is the command named op in any registered table, or NULL;
 * safe from any thread once registration is over. */
void node_ctl_register(const struct node_ctl_cmd *cmds, size_t count);
const struct node_ctl_cmd *node_ctl_find(const char *op);

/* node_ctl_arg borrows a request argument ("" when absent);
 * node_ctl_fail sets the reply's message and returns rc. */
const char *node_ctl_arg(struct node_ctl_call *c, const char *key);
wn_err node_ctl_fail(struct node_ctl_call *c, wn_err rc, const char *fmt,
    ...) WN_PRINTF(3, 4);

/* node_ctl_subcall runs another room's command fn for req within call c
 * (its user, its transaction, its audit record), the reply into a writer
 * of its own; out (NULL: not wanted) gets the text field key of its one
 * row. What the command asks of c (kick, reload_peers) is carried over;
 * its refusal is said in c's message and returned. */
wn_err node_ctl_subcall(struct node_ctl_call *c, node_ctl_fn fn,
    struct proto_ctl_request *req, const char *key, char *out, size_t cap);


/* While the disk is full, read-only requests keep answering: their audit
 * records are held in memory (at most NODE_HELD_MAX, then counted) and
 * written, with a record saying how many, first in the next transaction of
 * a control request. Requests that show personal fields, and any request
 * once NODE_HELD_MAX are held, are refused instead. node_ctl_flush_held
 * writes them at once (after another commit went through, at shutdown);
 * on failure they are still held. node_ctl_held_free drops
 * them (n->mtx held, or no other thread). */
#define NODE_HELD_MAX 1000
WN_NODISCARD wn_err node_ctl_flush_held(struct node *n);
void node_ctl_held_free(struct node *n);
/* node_ctl_held_any: records are held or were counted; _count: how many
 * are held; _full: no more can be held (n->mtx held). */
bool node_ctl_held_any(const struct node *n);
size_t node_ctl_held_count(const struct node *n);
bool node_ctl_held_full(const struct node *n);
/* node_ctl_hold keeps one audit record that could not be written for
 * lack of room (past NODE_HELD_MAX only counted); node_ctl_write_held
 * appends the held ones, after a record saying how many, in the caller's
 * transaction, and node_ctl_held_written forgets them once it committed. */
void node_ctl_hold(struct node *n, const char *user, const char *action,
    const char *object, const char *detail);
WN_NODISCARD wn_err node_ctl_write_held(struct node *n);
void node_ctl_held_written(struct node *n);

/* A room's periodic work: fn runs at most every period_ms (test_env, if
 * not NULL, names the environment variable a test may lengthen it with:
 * node_test_ms), under the node lock, inside a transaction of its own
 * that is committed when fn returns WN_OK and rolled back otherwise; fn
 * sets *kick to wake the delivery thread after the commit (it pushed to
 * the outbox). It audits what it changes itself (user "system").
 * node_periodic_register adds an entry (borrowed: a static one), before
 * the node serves; the same entry again is a no-op, another with the
 * same name aborts (WN_ASSERT); not thread safe. node_periodic_run (the
 * daemon's main loop, about twice a second) runs the entries whose
 * period passed, each at its first call, and says whether one asked for
 * a kick; it takes n->mtx itself. node_periodic_count: how many are
 * registered. */
struct node_periodic {
	const char *name; /* in the log */
	int64_t period_ms;
	const char *test_env;
	wn_err (*fn)(struct node *n, bool *kick);
};
void node_periodic_register(const struct node_periodic *p);
bool node_periodic_run(struct node *n);
size_t node_periodic_count(void);

/* A case event for the people of this node (issue 13, SITRAP alerts):
 * what happened (kind, one of a fixed set of plain words: "action.done"),
 * in which case, by or for which partner (an org id, "" none), the thing
 * it names in the case (an action's number, a meeting's; 0 none) and in
 * which capacity this node hears of it: "director" (it directs the case),
 * "owner" (the action is its own), "chair" (of the body whose meeting
 * decided) or "concern" (its concern matched: case_id "", ref the
 * concern's number; only then no case). Never a subject, a token, a field
 * or a text: an event says what happened and where to look. All
 * borrowed.
 * node_event_raise hands ev to the sink, in the caller's transaction (n's
 * lock held); WN_OK when no sink is registered; an error fails the
 * caller's transaction as any store error would. node_event_sink sets
 * the one sink (the alert room, at start; a second one aborts,
 * WN_ASSERT); not thread safe. */
struct node_event {
	const char *kind;
	const char *case_id;
	const char *partner;
	int64_t ref;
	const char *role;
	/* 0: always kept; otherwise not when one alike (kind, case,
	 * partner, ref, role) was kept within the last once_ms, or ever
	 * (NODE_EVENT_ONCE): one answer in several messages is one event */
	int64_t once_ms;
};
#define NODE_EVENT_ONCE INT64_MAX
typedef wn_err (*node_event_fn)(struct node *n, const struct node_event *ev);
void node_event_sink(node_event_fn fn);
WN_NODISCARD wn_err node_event_raise(struct node *n,
    const struct node_event *ev);
/* node_event_forget: this node no longer takes part in case_id (removed
 * from it, or the case destroyed): what the sink kept of its events goes
 * too, in the caller's transaction; WN_OK without one.
 * node_event_forgetter sets it (the alert room, at start), once. */
typedef wn_err (*node_event_forget_fn)(struct node *n, const char *case_id);
void node_event_forgetter(node_event_forget_fn fn);
WN_NODISCARD wn_err node_event_forget(struct node *n, const char *case_id);

#endif
