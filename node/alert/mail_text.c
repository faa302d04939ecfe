/*
 * mail_text.c - the text of an alert's mail (mail.h): what happened, in
 * which case, with which partner, and the command that shows it. Built
 * from an alert's row only (struct node_mail_alert has no place for
 * anything else), so it holds no personal data: whoever reads the mail
 * learns that something happened in case C, and must ask the node (with
 * its own role check and audit record) for what.
 */
#include "node/alert/alert.h"
#include "node/alert/mail.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

/* printable ASCII, no line break: what a header may carry as it is */
static bool
ascii_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* id_ok: a case id or an org id as our nodes make them (letters, digits,
 * '-', '_', '.', ':'; at most 64): a peer that directs a case chooses
 * its id, and the mail shows it in a command a case worker may copy into
 * a shell and in the Subject, so nothing else (no '$', '(', '|', '`',
 * quotes, spaces or '=?' encoded words) may pass */
static bool
id_ok(const char *s)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
			*s == '.' || *s == ':'))
			return false;
	return n >= 1 && n <= 64;
}

/* text for the body: UTF-8 as the config and the peer table keep it,
 * without control characters (a line break would start a line of its
 * own, or a header) */
static bool
text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

struct buf {
	char *p;
	size_t cap, len;
	bool over;
};

static void put(struct buf *b, const char *fmt, ...) WN_PRINTF(2, 3);

static void
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;
	if (b->over)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->cap - b->len)
		b->over = true;
	else
		b->len += (size_t)k;
}

void
node_mail_look(const struct node_mail_alert *a, char *buf, size_t cap)
{
	const char *k = a->kind, *c = a->case_id;
	if (strncmp(k, "action.", 7) == 0)
		snprintf(buf, cap, "wijknet action list --case %s", c);
	else if (strcmp(k, "share.requested") == 0)
		snprintf(buf, cap, "wijknet case show %s", c);
	else if (strcmp(k, "decision.made") == 0 &&
	    strcmp(a->role, "chair") == 0)
		snprintf(buf, cap, "wijknet meeting show %lld --director %s",
		    (long long)a->ref, a->partner);
	else if (strcmp(k, "decision.made") == 0)
		snprintf(buf, cap, "wijknet meeting show %lld",
		    (long long)a->ref);
	else if (strcmp(k, "phenomenon.proposed") == 0)
		snprintf(buf, cap, "wijknet phenomenon show %lld",
		    (long long)a->ref);
	else if (strcmp(k, "share.answered") == 0 ||
	    strcmp(k, "dossier.changed") == 0 ||
	    strcmp(k, "consent.withdrawn") == 0)
		snprintf(buf, cap, "wijknet data list --case %s", c);
	else
		snprintf(buf, cap, "wijknet alerts --case %s", c);
}

/* what: the event in plain words (the partner is named on its own line) */
static void
what(const struct node_mail_alert *a, char *buf, size_t cap)
{
	const char *k = a->kind;
	bool owner = strcmp(a->role, "owner") == 0;
	long long ref = (long long)a->ref;
	if (strcmp(k, "action.assigned") == 0)
		snprintf(buf, cap, owner ? "action %lld was given to this node"
					 : "action %lld was given to the partner",
		    ref);
	else if (strcmp(k, "action.done") == 0)
		snprintf(buf, cap, "action %lld is done", ref);
	else if (strcmp(k, "action.late") == 0)
		snprintf(buf, cap, "action %lld is late: its deadline passed",
		    ref);
	else if (strcmp(k, "action.cancelled") == 0)
		snprintf(buf, cap, "action %lld is cancelled", ref);
	else if (strcmp(k, "share.requested") == 0)
		snprintf(buf, cap, "the case's members were asked for "
		    "information");
	else if (strcmp(k, "share.answered") == 0)
		snprintf(buf, cap, "the partner shared information");
	else if (strcmp(k, "dossier.changed") == 0)
		snprintf(buf, cap, "what the partner shared changed");
	else if (strcmp(k, "consent.withdrawn") == 0)
		snprintf(buf, cap, "the partner withdrew a consent or a legal "
		    "basis; what it shared under it is deleted here");
	else if (strcmp(k, "decision.made") == 0 &&
	    strcmp(a->role, "chair") == 0)
		snprintf(buf, cap, "a decision was recorded at meeting %lld of "
		    "a body this node chairs", ref);
	else if (strcmp(k, "decision.made") == 0)
		snprintf(buf, cap, "a decision was recorded at meeting %lld",
		    ref);
	else if (strcmp(k, "phenomenon.proposed") == 0)
		snprintf(buf, cap, "phenomenon %lld was proposed: the members' "
		    "signals reached a rule in one area", ref);
	else
		snprintf(buf, cap, "%s", k);
}

wn_err
node_mail_text(const struct node_mail_alert *a, const char *from,
    const char *to, char *out, size_t cap, size_t *len)
{
	struct buf b = {out, cap, 0, false};
	const char *dom = strchr(from, '@');
	char date[64], when[64], look[200], ev[200], partner[300];
	time_t t = (time_t)(a->time_ms / 1000);
	struct tm tm;
	if (a->id <= 0 || !node_alert_kind_ok(a->kind) || dom == NULL ||
	    !id_ok(a->case_id) ||
	    (a->partner[0] != '\0' && !id_ok(a->partner)) ||
	    !ascii_ok(a->role) || !ascii_ok(a->org_id) || !ascii_ok(from) ||
	    !ascii_ok(to) || !text_ok(a->partner_name) ||
	    !text_ok(a->org_name) ||
	    (strcmp(a->role, "director") != 0 && strcmp(a->role, "owner") != 0 &&
		strcmp(a->role, "chair") != 0))
		return WN_EINVAL;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm) ==
		0 ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
		return WN_EINVAL;
	node_mail_look(a, look, sizeof(look));
	what(a, ev, sizeof(ev));
	if (a->partner[0] == '\0')
		snprintf(partner, sizeof(partner), "none");
	else if (a->partner_name[0] != '\0')
		snprintf(partner, sizeof(partner), "%s (%s)", a->partner,
		    a->partner_name);
	else
		snprintf(partner, sizeof(partner), "%s", a->partner);
	/* headers: ASCII only, nothing but the case, the kind and the ids */
	put(&b, "From: %s\r\n", from);
	put(&b, "To: %s\r\n", to);
	put(&b, "Subject: wijknet: %s in case %s\r\n", a->kind, a->case_id);
	put(&b, "Date: %s\r\n", date);
	/* stable per alert: a duplicate is the same message */
	put(&b, "Message-ID: <alert-%lld.%s.wijknet%s>\r\n", (long long)a->id,
	    a->org_id, dom);
	put(&b, "Auto-Submitted: auto-generated\r\n");
	put(&b, "X-Wijknet-Alert: %lld\r\n", (long long)a->id);
	put(&b, "MIME-Version: 1.0\r\n");
	put(&b, "Content-Type: text/plain; charset=utf-8\r\n");
	put(&b, "Content-Transfer-Encoding: 8bit\r\n");
	put(&b, "\r\n");
	put(&b, "Case %s: %s.\r\n", a->case_id, ev);
	put(&b, "\r\n");
	put(&b, "Case:      %s\r\n", a->case_id);
	put(&b, "Event:     %s\r\n", a->kind);
	put(&b, "Partner:   %s\r\n", partner);
	put(&b, "When:      %s\r\n", when);
	put(&b, "Alert:     %lld on node %s (%s)\r\n", (long long)a->id,
	    a->org_id, a->org_name);
	put(&b, "Because:   this node %s\r\n",
	    strcmp(a->role, "owner") == 0   ? "owns the action"
	    : strcmp(a->role, "chair") == 0 ? "chairs the consultation body"
					    : "directs the case");
	put(&b, "\r\n");
	put(&b, "Where to look, on node %s:\r\n", a->org_id);
	put(&b, "    %s\r\n", look);
	put(&b, "\r\n");
	put(&b, "This mail holds no personal data: who the case is about and "
		"what was\r\nwritten stay on the node, for those allowed to see "
		"them.\r\n");
	if (b.over)
		return WN_ETOOBIG;
	*len = b.len;
	return WN_OK;
}
