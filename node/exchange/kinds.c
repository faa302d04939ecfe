/*
 * kinds.c - the message types and the enrolment hook that rooms above the
 * exchange register, so that the exchange calls them without naming them
 * (as nng's core calls a protocol only through the ops it registered).
 *
 * One process-wide table indexed by type, filled before the node serves
 * and only read afterwards (by the applier, with n->mtx held).
 */
#include "node/exchange/exchange.h"

#include <stdio.h>

static node_msg_apply_fn kinds[PROTO_ENVELOPE_TYPE_MAX + 1];
static node_enrol_fn on_enrol;

void
node_exchange_register(const struct node_msg_kind *k, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		WN_ASSERT(k[i].type <= PROTO_ENVELOPE_TYPE_MAX &&
		    k[i].apply != NULL);
		kinds[k[i].type] = k[i].apply;
	}
}

void
node_exchange_on_enrol(node_enrol_fn fn)
{
	on_enrol = fn;
}

wn_err
node_exchange_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	if (h->type <= PROTO_ENVELOPE_TYPE_MAX && kinds[h->type] != NULL)
		return kinds[h->type](n, from, h, body, len, why, whylen);
	snprintf(why, whylen, "message type %s is not accepted here",
	    proto_msg_type_name(h->type));
	return WN_EDENIED;
}

wn_err
node_exchange_enrolled(struct node *n, const char *org)
{
	return on_enrol != NULL ? on_enrol(n, org) : WN_OK;
}
