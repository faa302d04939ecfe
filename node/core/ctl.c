/*
 * ctl.c - what every room that serves control requests shares: reading a
 * request's arguments, failing with a message, and the audit records of
 * requests answered while the disk was full, held in memory until a write
 * succeeds (written first in the next control request's transaction by
 * daemon/control.c, or after the applier's next commit by exchange/apply.c);
 * and the rooms' tables of control commands that the control socket
 * dispatches on.
 * Moved here from daemon/control.c so that no room calls up into the daemon.
 */
#include "node/core/core.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the rooms' command tables: one per room, a handful */
#define NODE_CTL_TABLES 16
static struct {
	const struct node_ctl_cmd *cmds;
	size_t count;
} tables[NODE_CTL_TABLES];
static size_t ntables;

wn_err
node_ctl_subcall(struct node_ctl_call *c, node_ctl_fn fn,
    struct proto_ctl_request *req, const char *key, char *out, size_t cap)
{
	struct node_ctl_call s = {.n = c->n, .user = c->user, .req = req};
	struct proto_writer w = {0};
	struct proto_ctl_reply reply = {0};
	wn_err rc;
	if ((rc = proto_writer_init_dynamic(&w, 256, 65536)) != WN_OK)
		return rc;
	s.w = &w;
	rc = fn(&s);
	c->kick = c->kick || s.kick;
	c->reload_peers = c->reload_peers || s.reload_peers;
	if (rc != WN_OK) {
		wn_strlcpy(c->errmsg, s.errmsg[0] ? s.errmsg : wn_strerror(rc),
		    sizeof(c->errmsg));
		goto out;
	}
	if (out != NULL) {
		const struct proto_ctl_field *f = NULL;
		rc = proto_writer_status(&w);
		if (rc == WN_OK)
			rc = proto_ctl_reply_decode(w.buf, w.len, &reply, NULL);
		if (rc == WN_OK && (reply.nrows != 1 ||
			       (f = proto_ctl_row_get(&reply.rows[0], key)) ==
				   NULL ||
			       f->type != PROTO_CTL_TEXT))
			rc = WN_EPROTO;
		if (rc == WN_OK)
			wn_strlcpy(out, f->text, cap);
	}
out:
	proto_ctl_reply_release(&reply);
	proto_writer_release(&w);
	return rc;
}

void
node_ctl_register(const struct node_ctl_cmd *cmds, size_t count)
{
	for (size_t i = 0; i < ntables; i++)
		if (tables[i].cmds == cmds)
			return;
	WN_ASSERT(ntables < NODE_CTL_TABLES);
	/* a name in two tables would go to the first: stop at the start */
	for (size_t j = 0; j < count; j++) {
		WN_ASSERT(cmds[j].op != NULL && node_ctl_find(cmds[j].op) == NULL);
		for (size_t k = 0; k < j; k++)
			WN_ASSERT(strcmp(cmds[k].op, cmds[j].op) != 0);
	}
	tables[ntables].cmds = cmds;
	tables[ntables].count = count;
	ntables++;
}

const struct node_ctl_cmd *
node_ctl_find(const char *op)
{
	for (size_t i = 0; i < ntables; i++)
		for (size_t j = 0; j < tables[i].count; j++)
			if (strcmp(tables[i].cmds[j].op, op) == 0)
				return &tables[i].cmds[j];
	return NULL;
}

const char *
node_ctl_arg(struct node_ctl_call *c, const char *key)
{
	const char *v = proto_ctl_request_arg(c->req, key);
	return v ? v : "";
}

wn_err
node_ctl_fail(struct node_ctl_call *c, wn_err rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return rc;
}

/* One audit record of a request answered while the disk was full. */
struct node_held_audit {
	int64_t ms;
	char user[64], action[64], object[128], detail[256];
};

/* core's own state (n->held): the records held, how many, and how many
 * were only counted */
struct node_held {
	struct node_held_audit recs[NODE_HELD_MAX];
	size_t n;
	uint64_t lost; /* not kept: past NODE_HELD_MAX */
};

bool
node_ctl_held_any(const struct node *n)
{
	return n->held != NULL && (n->held->n > 0 || n->held->lost > 0);
}

size_t
node_ctl_held_count(const struct node *n)
{
	return n->held != NULL ? n->held->n : 0;
}

bool
node_ctl_held_full(const struct node *n)
{
	return n->held != NULL && n->held->n >= NODE_HELD_MAX;
}

/* node_ctl_hold keeps an audit record that could not be written for lack
 * of room; past NODE_HELD_MAX they are only counted */
void
node_ctl_hold(struct node *n, const char *user, const char *action,
    const char *object, const char *detail)
{
	if (n->held == NULL &&
	    (n->held = calloc(1, sizeof(*n->held))) == NULL) {
		wn_log(WN_LOG_ERROR, "the disk is full and memory short: the "
		    "audit record of %s by %s is lost", action, user);
		return;
	}
	if (n->held->n == 0 && n->held->lost == 0)
		wn_log(WN_LOG_ERROR, "the disk is full: read-only requests "
		    "still answer, their audit records are held in memory "
		    "(at most %d) until a write succeeds; writes are refused",
		    NODE_HELD_MAX);
	if (n->held->n >= NODE_HELD_MAX) {
		n->held->lost++;
		return;
	}
	struct node_held_audit *h = &n->held->recs[n->held->n++];
	h->ms = wn_now_ms();
	wn_strlcpy(h->user, user, sizeof(h->user));
	wn_strlcpy(h->action, action, sizeof(h->action));
	wn_strlcpy(h->object, object ? object : "", sizeof(h->object));
	wn_strlcpy(h->detail, detail ? detail : "", sizeof(h->detail));
}

/* node_ctl_write_held appends the held records, after one that says how
 * many, in the caller's transaction; they leave memory only once it
 * commits (node_ctl_held_written). */
wn_err
node_ctl_write_held(struct node *n)
{
	char d[300];
	wn_err rc;
	if (!node_ctl_held_any(n))
		return WN_OK;
	int k = snprintf(d, sizeof(d), "%zu audit records of requests "
	    "answered while the disk was full were held in memory and follow",
	    n->held->n);
	if (n->held->lost > 0 && k > 0 && (size_t)k < sizeof(d))
		snprintf(d + k, sizeof(d) - (size_t)k, "; %llu more were not "
		    "kept (at most %d are)", (unsigned long long)n->held->lost,
		    NODE_HELD_MAX);
	if ((rc = node_audit_append(n->store, "system", "audit.held",
		 n->cfg.org_id, d)) != WN_OK)
		return rc;
	for (size_t i = 0; i < n->held->n; i++) {
		struct node_held_audit *h = &n->held->recs[i];
		char det[sizeof(h->detail) + 64], at[40];
		/* the audit is read by people: the moment in UTC, to the
		 * second */
		time_t t = (time_t)(h->ms / 1000);
		struct tm tm;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(at, sizeof(at), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
			snprintf(at, sizeof(at), "%lld ms", (long long)h->ms);
		snprintf(det, sizeof(det), "(held, at %s) %s", at, h->detail);
		if ((rc = node_audit_append(n->store, h->user, h->action,
			 h->object, det)) != WN_OK)
			return rc;
	}
	return WN_OK;
}

void
node_ctl_held_written(struct node *n)
{
	if (!node_ctl_held_any(n))
		return;
	wn_log(WN_LOG_INFO, "there is room again: %zu held audit records "
	    "written", n->held->n);
	n->held->n = 0;
	n->held->lost = 0;
}

wn_err
node_ctl_flush_held(struct node *n)
{
	wn_err rc;
	if (!node_ctl_held_any(n))
		return WN_OK;
	if ((rc = node_store_begin(n->store)) != WN_OK)
		return rc;
	if ((rc = node_ctl_write_held(n)) != WN_OK ||
	    (rc = node_store_commit(n->store)) != WN_OK) {
		node_store_rollback(n->store);
		return rc;
	}
	node_ctl_held_written(n);
	return WN_OK;
}

void
node_ctl_held_free(struct node *n)
{
	free(n->held);
	n->held = NULL;
}
