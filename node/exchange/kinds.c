/*
 * kinds.c - the message types and the enrolment hook that rooms above the
 * exchange register, so that the exchange calls them without naming them
 * (as nng's core calls a protocol only through the ops it registered).
 *
 * One process-wide table indexed by type, filled before the node serves
 * and only read afterwards (by the applier, with n->mtx held). A type
 * registered twice with different applies, or a type the exchange answers
 * itself, stops the process at registration (WN_ASSERT): a silent
 * override would switch a room's kind off. The enrolment hooks are a short
 * list, all called in the order registered.
 */
#include "node/exchange/exchange.h"

#include <stdio.h>

static node_msg_apply_fn kinds[PROTO_ENVELOPE_TYPE_MAX + 1];
static struct {
	node_enrol_fn fn;
	const char *what;
} on_enrol[NODE_ENROL_HOOKS_MAX];
static size_t n_on_enrol;
static node_mv_fn mv_fn;

/* the types apply.c's apply() answers itself: a kind registered for one
 * of them would never be called */
static bool
exchange_owns(uint32_t type)
{
	switch (type) {
	case PROTO_MSG_ERROR:
	case PROTO_MSG_RECEIPT:
	case PROTO_MSG_DATA:
	case PROTO_MSG_CHARTER:
	case PROTO_MSG_CHAIN_HEAD:
	case PROTO_MSG_CHAIN_HEAD_QUERY:
	case PROTO_MSG_CHAIN_HEAD_ANSWER:
	case PROTO_MSG_REVOCATION:
	case PROTO_MSG_DOC_HASH:
	case PROTO_MSG_RESYNC_REQUEST: /* resync.c calls the rooms' hooks */
	case PROTO_MSG_SESSION_OPEN:   /* answered in phase A (session.c) */
	case PROTO_MSG_SESSION_ACCEPT: /* a reply, never applied */
		return true;
	default:
		return false;
	}
}

void
node_exchange_register(const struct node_msg_kind *k, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		WN_ASSERT(k[i].type <= PROTO_ENVELOPE_TYPE_MAX &&
		    k[i].apply != NULL);
		WN_ASSERT(!exchange_owns(k[i].type));
		/* one owner per type; the same table again is a no-op */
		WN_ASSERT(kinds[k[i].type] == NULL ||
		    kinds[k[i].type] == k[i].apply);
		kinds[k[i].type] = k[i].apply;
	}
}

void
node_exchange_on_enrol(node_enrol_fn fn, const char *what)
{
	WN_ASSERT(fn != NULL && what != NULL);
	for (size_t i = 0; i < n_on_enrol; i++)
		if (on_enrol[i].fn == fn)
			return;
	WN_ASSERT(n_on_enrol < NODE_ENROL_HOOKS_MAX);
	on_enrol[n_on_enrol].fn = fn;
	on_enrol[n_on_enrol++].what = what;
}

void
node_exchange_on_mv(node_mv_fn fn)
{
	WN_ASSERT(fn != NULL && (mv_fn == NULL || mv_fn == fn));
	mv_fn = fn;
}

uint64_t
node_exchange_mv(struct node *n)
{
	return mv_fn != NULL ? mv_fn(n) : 0;
}

wn_err
node_exchange_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	if (h->type <= PROTO_ENVELOPE_TYPE_MAX && kinds[h->type] != NULL) {
		wn_err rc = kinds[h->type](n, from, h, body, len, why, whylen);
		if (rc == WN_OK)
			wn_log(WN_LOG_DEBUG, "applied %s %llu from %s (%zu "
			    "bytes)", proto_msg_type_name(h->type),
			    (unsigned long long)h->seq, from->org_id, len);
		return rc;
	}
	snprintf(why, whylen, "message type %s is not accepted here",
	    proto_msg_type_name(h->type));
	return WN_EDENIED;
}

wn_err
node_exchange_enrolled(struct node *n, const char *org, const char **what)
{
	for (size_t i = 0; i < n_on_enrol; i++) {
		wn_err rc = on_enrol[i].fn(n, org);
		if (rc != WN_OK) {
			*what = on_enrol[i].what;
			return rc;
		}
	}
	return WN_OK;
}
