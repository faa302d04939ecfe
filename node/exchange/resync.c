/*
 * resync.c - after a restore or an accepted rollback, the peers send again
 * what took data away (PROTOCOL.md, "After a restore"; review s8 M4).
 *
 * A store restored from a backup, or accepted as rolled back, lacks what
 * the node applied after its copy was made, and its peers, holding
 * receipts, never send it again. The node marks the copy's time
 * (NODE_RESYNC_KEY: wijknetd restore, or the rollback's acceptance in
 * chain.c) and its next start asks every peer with a RESYNC_REQUEST
 * (type 38) naming it, through the outbox. A peer applies it by calling
 * the hooks the rooms above registered (need/ sends its retractions and a
 * director the removals from its cases again, work/ a director the steps
 * of the cases closed since, subject/ a member's concerns to the
 * director); the exchange knows none of them by name.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"
#include "protocol/resync_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
	node_resync_fn fn;
	const char *what;
} hooks[NODE_RESYNC_HOOKS_MAX];
static size_t nhooks;

void
node_exchange_on_resync(node_resync_fn fn, const char *what)
{
	WN_ASSERT(fn != NULL && what != NULL);
	for (size_t i = 0; i < nhooks; i++)
		if (hooks[i].fn == fn)
			return;
	WN_ASSERT(nhooks < NODE_RESYNC_HOOKS_MAX);
	hooks[nhooks].fn = fn;
	hooks[nhooks++].what = what;
}

/* when: a date a person reads, in UTC */
static void
when(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, cap, "an unknown time");
}

wn_err
node_resync_mark(struct node_store *s, int64_t since_ms)
{
	char v[32];
	if (since_ms < 1)
		since_ms = 1;
	/* an earlier mark not asked for yet covers more: keep it */
	if (node_store_meta_get(s, NODE_RESYNC_KEY, v, sizeof(v)) &&
	    atoll(v) >= 1 && atoll(v) <= since_ms)
		return WN_OK;
	snprintf(v, sizeof(v), "%lld", (long long)since_ms);
	return node_store_meta_put(s, NODE_RESYNC_KEY, v);
}

wn_err
node_resync_ask(struct node *n)
{
	struct proto_resync_request q;
	uint8_t buf[PROTO_RESYNC_MAX];
	struct proto_writer w;
	struct node_peer *p;
	char v[32], at[40], detail[256];
	size_t i = 0, asked = 0;
	wn_err rc;
	if (!node_store_meta_get(n->store, NODE_RESYNC_KEY, v, sizeof(v)))
		return WN_OK;
	q.since_ms = atoll(v) >= 1 ? atoll(v) : 1;
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = proto_resync_request_encode(&q, &w)) != WN_OK)
		return rc;
	if ((rc = node_store_begin(n->store)) != WN_OK)
		return rc;
	while ((p = node_peer_next(n, &i)) != NULL) {
		if (p->gone || strcmp(p->org_id, n->cfg.org_id) == 0)
			continue;
		if ((rc = node_outbox_push(n, p, PROTO_MSG_RESYNC_REQUEST,
			 w.buf, w.len)) != WN_OK)
			goto fail;
		asked++;
	}
	when(q.since_ms, at, sizeof(at));
	snprintf(detail, sizeof(detail), "this store is a copy of %s: %zu "
	    "peers asked to send again what took data away since",
	    at, asked);
	if ((rc = node_store_meta_del(n->store, NODE_RESYNC_KEY)) != WN_OK ||
	    (rc = node_audit_append(n->store, "system", "resync.asked",
		 n->cfg.org_id, detail)) != WN_OK ||
	    (rc = node_store_commit(n->store)) != WN_OK)
		goto fail;
	wn_log(WN_LOG_INFO, "resync: %s", detail);
	return WN_OK;
fail:
	node_store_rollback(n->store);
	return rc;
}

wn_err
node_resync_apply(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_resync_request q = {0};
	struct proto_error err;
	char at[40], detail[512];
	size_t o;
	wn_err rc;
	if (proto_resync_request_decode(body, len, &q, &err) != WN_OK) {
		snprintf(why, whylen, "malformed resync request: %s at byte "
		    "%zu", err.msg, err.offset);
		return WN_EPROTO;
	}
	when(q.since_ms, at, sizeof(at));
	o = (size_t)snprintf(detail, sizeof(detail), "%s's store went back to "
	    "a copy of %s; sent again:", from->org_id, at);
	for (size_t i = 0; i < nhooks; i++) {
		size_t queued = 0;
		if ((rc = hooks[i].fn(n, from, q.since_ms, &queued)) != WN_OK) {
			snprintf(why, whylen, "cannot send again the %s it "
			    "asks for", hooks[i].what);
			return rc;
		}
		if (o < sizeof(detail))
			o += (size_t)snprintf(detail + o, sizeof(detail) - o,
			    "%s %zu %s", i ? "," : "", queued, hooks[i].what);
	}
	if (nhooks == 0 && o < sizeof(detail))
		snprintf(detail + o, sizeof(detail) - o, " nothing");
	wn_log(WN_LOG_INFO, "resync: %s", detail);
	return node_audit_append(n->store, from->org_id, "resync.answered",
	    from->org_id, detail);
}
