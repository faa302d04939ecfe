/*
 * event.c - the one sink for case events (core.h, struct node_event).
 *
 * The rooms where a case's events happen (need/: a share asked and
 * answered; work/: actions assigned, done, late, cancelled; decisions)
 * are below the alert room that keeps them, so they cannot call it: they
 * raise an event here, in their own transaction, and the alert room,
 * registered at start, stores it in that transaction. Without a sink (a
 * unit test of a lower room) an event is dropped. When this node leaves a
 * case, node_event_forget has the alert room delete what it kept of it.
 */
#include "node/core/core.h"

static node_event_fn sink;
static node_event_forget_fn forgetter;

void
node_event_sink(node_event_fn fn)
{
	WN_ASSERT(fn != NULL && (sink == NULL || sink == fn));
	sink = fn;
}

wn_err
node_event_raise(struct node *n, const struct node_event *ev)
{
	if (sink == NULL)
		return WN_OK;
	return sink(n, ev);
}

void
node_event_forgetter(node_event_forget_fn fn)
{
	WN_ASSERT(fn != NULL && (forgetter == NULL || forgetter == fn));
	forgetter = fn;
}

wn_err
node_event_forget(struct node *n, const char *case_id)
{
	if (forgetter == NULL)
		return WN_OK;
	return forgetter(n, case_id);
}
