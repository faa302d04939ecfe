/*
 * need.c - need to know: the matrix, cases, information requests,
 * disclosures and retractions (in progress: no such message is accepted
 * yet, so every one is refused).
 */
#include "node/node.h"

wn_err
node_need_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	(void)n;
	(void)from;
	(void)body;
	(void)len;
	snprintf(why, whylen, "message type %s is not accepted here",
	    proto_msg_type_name(h->type));
	return WN_EDENIED;
}
