/*
 * test_work_wire.c - a signal's summary on the wire (protocol/work_wire.h):
 * it encodes and decodes back to the same values, byte for byte the same
 * encoding; the decoder refuses, with an offset and a reason, every body
 * that breaks a rule (an unknown or repeated key, a missing one, a wrong
 * type, a category or count out of range, signal 0, a duplicate naming
 * itself or counting reports, an incident without a report, an empty
 * municipality, a control character, trailing bytes, too much); the
 * encoder refuses what the decoder would.
 * Likewise a plan item (a goal or an action, PLAN) and an owner's action
 * state (ACTION_STATE): keys only in ascending order, none of the other
 * kind, a note only with a text and only on a done or cancelled action,
 * an owner only marking done.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "protocol/work_wire.h"

static const struct proto_signal_summary incident = {
	.id = 12,
	.when_ms = INT64_C(1796157000000),
	.municipality = "Herentals",
	.neighbourhood = "Stationsbuurt",
	.category = 3,
	.reports = 3,
};

static size_t
encode(const struct proto_signal_summary *s, uint8_t *buf, size_t cap)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	assert_int_equal(proto_signal_summary_encode(s, &w), WN_OK);
	return w.len;
}

static void
test_round_trip(void **state)
{
	(void)state;
	uint8_t a[512], b[512];
	struct proto_signal_summary d, dup = incident;
	size_t n = encode(&incident, a, sizeof(a));
	assert_int_equal(proto_signal_summary_decode(a, n, &d, NULL), WN_OK);
	assert_memory_equal(&d, &incident, sizeof(d));
	assert_int_equal(encode(&d, b, sizeof(b)), n);
	assert_memory_equal(a, b, n);
	dup.id = 14;
	dup.reports = 0;
	dup.duplicate_of = 12;
	memset(dup.neighbourhood, 0, sizeof(dup.neighbourhood));
	n = encode(&dup, a, sizeof(a));
	assert_int_equal(proto_signal_summary_decode(a, n, &d, NULL), WN_OK);
	assert_memory_equal(&d, &dup, sizeof(d));
}

/* body builds a map by hand: keys and values as CBOR written by fn */
struct kv {
	uint64_t key;
	int kind; /* 0 uint, 1 text, 2 bytes, 3 negative int */
	uint64_t u;
	const char *t;
};

static size_t
body(const struct kv *kv, size_t n, uint8_t *buf, size_t cap,
    const char *tail)
{
	struct proto_writer w;
	proto_writer_init(&w, buf, cap);
	proto_write_map(&w, n);
	for (size_t i = 0; i < n; i++) {
		proto_write_uint(&w, kv[i].key);
		if (kv[i].kind == 0)
			proto_write_uint(&w, kv[i].u);
		else if (kv[i].kind == 1)
			proto_write_text(&w, kv[i].t);
		else if (kv[i].kind == 2)
			proto_write_bytes(&w, kv[i].t, strlen(kv[i].t));
		else
			proto_write_int(&w, -(int64_t)kv[i].u);
	}
	if (tail)
		proto_write_raw(&w, tail, strlen(tail));
	assert_int_equal(proto_writer_status(&w), WN_OK);
	return w.len;
}

static void
refused(const struct kv *kv, size_t n, const char *tail, const char *why)
{
	uint8_t buf[1024];
	struct proto_signal_summary d;
	struct proto_error e = {0};
	size_t len = body(kv, n, buf, sizeof(buf), tail);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, &e),
	    WN_EPROTO);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	/* nothing half-decoded is left */
	assert_int_equal(d.id, 0);
}

#define GOOD                                                                   \
	{1, 0, 12, NULL}, {2, 0, 1796157000000, NULL},                         \
	    {3, 1, 0, "Herentals"}, {4, 1, 0, "Stationsbuurt"},                \
	    {5, 0, 3, NULL}, {6, 0, 3, NULL}

static void
test_refusals(void **state)
{
	(void)state;
	struct kv kv[8] = {GOOD};
	uint8_t buf[1024];
	struct proto_signal_summary d;
	size_t len = body(kv, 6, buf, sizeof(buf), NULL);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, NULL),
	    WN_OK);

	kv[6] = (struct kv){8, 0, 1, NULL};
	refused(kv, 7, NULL, "unknown or repeated key 8");
	kv[6] = (struct kv){3, 1, 0, "Geel"};
	refused(kv, 7, NULL, "unknown or repeated key 3");
	refused(kv, 5, NULL, "a required key is missing");
	refused(kv, 6, "\x01", "trailing");

	static const struct {
		size_t i;
		struct kv v;
		const char *why;
	} bad[] = {
	    {0, {1, 0, 0, NULL}, "signal 0"},
	    {0, {1, 1, 0, "12"}, "expected"},
	    {1, {2, 3, 5, NULL}, "expected"},
	    {2, {3, 1, 0, ""}, "empty text"},
	    {2, {3, 2, 0, "Herentals"}, "expected"},
	    {2, {3, 1, 0, "Heren\ntals"}, "a control character"},
	    {3, {4, 1, 0, "Station\x7f"}, "a control character"},
	    {4, {5, 0, 9, NULL}, "9 is over 8"},
	    {5, {6, 0, 0, NULL}, "an incident without a report"},
	    {5, {6, 0, 1000001, NULL}, "is over 1000000"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[6] = {GOOD};
		c[bad[k].i] = bad[k].v;
		refused(c, 6, NULL, bad[k].why);
	}
	/* a duplicate counts no report and does not name itself */
	struct kv dup[7] = {GOOD};
	dup[5].u = 0;
	dup[6] = (struct kv){7, 0, 12, NULL};
	refused(dup, 7, NULL, "a duplicate names itself or counts reports");
	dup[6].u = 0;
	refused(dup, 7, NULL, "duplicate of signal 0");
	dup[6].u = 11;
	dup[5].u = 2;
	refused(dup, 7, NULL, "a duplicate names itself or counts reports");
	dup[5].u = 0;
	len = body(dup, 7, buf, sizeof(buf), NULL);
	assert_int_equal(proto_signal_summary_decode(buf, len, &d, NULL),
	    WN_OK);
	assert_int_equal(d.duplicate_of, 11);
	/* a text longer than its field */
	char longname[300];
	memset(longname, 'a', 256);
	longname[256] = '\0';
	struct kv c[6] = {GOOD};
	c[2].t = longname;
	refused(c, 6, NULL, "");
	/* not a map, and too much */
	assert_int_equal(proto_signal_summary_decode("\x80", 1, &d, NULL),
	    WN_EPROTO);
	assert_int_equal(proto_signal_summary_decode(buf, PROTO_BODY_MAX, &d,
			     NULL),
	    WN_ETOOBIG);
}

static void
test_encoder_refuses(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct proto_writer w;
	struct proto_signal_summary s;
	for (int k = 0; k < 6; k++) {
		s = incident;
		switch (k) {
		case 0: s.id = 0; break;
		case 1: s.category = 9; break;
		case 2: s.municipality[0] = '\0'; break;
		case 3: s.reports = 0; break;
		case 4: s.duplicate_of = 12; s.reports = 0; break;
		default: s.neighbourhood[0] = '\t'; break;
		}
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_signal_summary_encode(&s, &w), WN_EINVAL);
		assert_int_equal(w.len, 0);
	}
}

/* ---- plan items and action states ----------------------------------- */

static struct proto_plan_item *
item(int kind)
{
	static struct proto_plan_item it;
	memset(&it, 0, sizeof(it));
	wn_strlcpy(it.case_id, "c-0a1b2c3d4e5f", sizeof(it.case_id));
	it.kind = (uint32_t)kind;
	it.number = 7;
	it.changed_ms = INT64_C(1796157000000);
	if (kind == PROTO_PLAN_GOAL) {
		it.domain = 7;
	} else {
		wn_strlcpy(it.owner, "police", sizeof(it.owner));
		it.deadline_ms = INT64_C(1797807599999);
		it.state = PROTO_ACTION_OPEN;
	}
	it.has_text = true;
	wn_strlcpy(it.text, "extra patrols\n\tThursday to Saturday",
	    sizeof(it.text));
	return &it;
}

static void
item_round_trip(const struct proto_plan_item *it)
{
	static uint8_t a[20000], b[20000];
	static struct proto_plan_item d;
	struct proto_writer w;
	proto_writer_init(&w, a, sizeof(a));
	assert_int_equal(proto_plan_item_encode(it, &w), WN_OK);
	size_t n = w.len;
	assert_int_equal(proto_plan_item_decode(a, n, &d, NULL), WN_OK);
	assert_memory_equal(&d, it, sizeof(d));
	proto_writer_init(&w, b, sizeof(b));
	assert_int_equal(proto_plan_item_encode(&d, &w), WN_OK);
	assert_int_equal(w.len, n);
	assert_memory_equal(a, b, n);
}

static void
test_plan_round_trip(void **state)
{
	(void)state;
	struct proto_plan_item *it = item(PROTO_PLAN_GOAL);
	item_round_trip(it);
	it->has_text = false; /* existence only */
	memset(it->text, 0, sizeof(it->text));
	item_round_trip(it);
	it = item(PROTO_PLAN_ACTION);
	item_round_trip(it);
	it->state = PROTO_ACTION_DONE;
	it->has_note = true;
	wn_strlcpy(it->note, "done: three evenings", sizeof(it->note));
	item_round_trip(it);
	it->state = PROTO_ACTION_CANCELLED;
	item_round_trip(it);
	it->has_note = false;
	memset(it->note, 0, sizeof(it->note));
	it->has_text = false;
	memset(it->text, 0, sizeof(it->text));
	it->state = PROTO_ACTION_LATE;
	item_round_trip(it);
	/* a text of 2000 four-byte characters fits */
	it = item(PROTO_PLAN_ACTION);
	for (int i = 0; i < 2000; i++)
		memcpy(it->text + 4 * i, "\xf0\x9f\x98\x80", 4);
	it->text[8000] = '\0';
	item_round_trip(it);
}

static void
item_refused(const struct kv *kv, size_t n, const char *tail,
    const char *why)
{
	static uint8_t buf[20000];
	static struct proto_plan_item d;
	struct proto_error e = {0};
	size_t len = body(kv, n, buf, sizeof(buf), tail);
	wn_err rv = proto_plan_item_decode(buf, len, &d, &e);
	if (rv != WN_EPROTO)
		fail_msg("decoded (%d), want refused with '%s'", rv, why);
	if (strstr(e.msg, why) == NULL)
		fail_msg("refused with '%s', want '%s'", e.msg, why);
	assert_int_equal(d.number, 0);
	assert_int_equal(d.has_text, false);
}

#define ACTION                                                                 \
	{1, 1, 0, "c-1"}, {2, 0, 1, NULL}, {3, 0, 7, NULL},                    \
	    {4, 0, 1796157000000, NULL}, {6, 1, 0, "police"},                  \
	    {7, 0, 1797807599999, NULL}, {8, 0, 0, NULL}, {9, 1, 0, "patrols"}

static void
test_plan_refusals(void **state)
{
	(void)state;
	struct kv kv[12] = {ACTION};
	uint8_t buf[1024];
	struct proto_plan_item *d = calloc(1, sizeof(*d));
	assert_non_null(d);
	size_t len = body(kv, 8, buf, sizeof(buf), NULL);
	assert_int_equal(proto_plan_item_decode(buf, len, d, NULL), WN_OK);
	assert_string_equal(d->owner, "police");

	/* order, unknown keys, keys of the other kind, missing keys */
	struct kv swap[8] = {ACTION};
	swap[0] = (struct kv){2, 0, 1, NULL};
	swap[1] = (struct kv){1, 1, 0, "c-1"};
	item_refused(swap, 8, NULL, "key 1 out of order (after 2)");
	kv[8] = (struct kv){9, 1, 0, "again"};
	item_refused(kv, 9, NULL, "key 9 out of order (after 9)");
	kv[8] = (struct kv){11, 0, 1, NULL};
	item_refused(kv, 9, NULL, "unknown key 11");
	struct kv goal_key[9] = {ACTION};
	goal_key[4] = (struct kv){5, 0, 3, NULL};
	goal_key[5] = (struct kv){6, 1, 0, "police"};
	goal_key[6] = (struct kv){7, 0, 1, NULL};
	goal_key[7] = (struct kv){8, 0, 0, NULL};
	goal_key[8] = (struct kv){9, 1, 0, "patrols"};
	item_refused(goal_key, 9, NULL, "unknown key 5");
	struct kv goal[6] = {{1, 1, 0, "c-1"}, {2, 0, 0, NULL},
	    {3, 0, 1, NULL}, {4, 0, 5, NULL}, {6, 1, 0, "police"},
	    {9, 1, 0, "g"}};
	item_refused(goal, 6, NULL, "unknown key 6");
	goal[4] = (struct kv){9, 1, 0, "g"};
	item_refused(goal, 5, NULL, "a required key is missing");
	item_refused(kv, 6, NULL, "a required key is missing");
	struct kv nokind[2] = {{1, 1, 0, "c-1"}, {3, 0, 1, NULL}};
	item_refused(nokind, 2, NULL, "a required key is missing");

	/* values */
	static const struct {
		size_t i;
		struct kv v;
		const char *why;
	} bad[] = {
	    {0, {1, 1, 0, ""}, "not a case id"},
	    {0, {1, 1, 0, "c 1"}, "not a case id"},
	    {1, {2, 0, 2, NULL}, "2 is over 1"},
	    {2, {3, 0, 0, NULL}, "number 0"},
	    {3, {4, 3, 1, NULL}, "expected"},
	    {4, {6, 1, 0, "Police!"}, "not an org id"},
	    {6, {8, 0, 4, NULL}, "4 is over 3"},
	    {7, {9, 1, 0, ""}, "empty text"},
	    {7, {9, 1, 0, "bell\x07"}, "a control character"},
	    {7, {9, 2, 0, "patrols"}, "expected"},
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct kv c[8] = {ACTION};
		c[bad[k].i] = bad[k].v;
		item_refused(c, 8, NULL, bad[k].why);
	}
	/* a note: only with a text, only when done or cancelled */
	struct kv note[9] = {ACTION};
	note[8] = (struct kv){10, 1, 0, "result"};
	item_refused(note, 9, NULL, "a note without a text, or on an action "
				    "neither done nor cancelled");
	note[6].u = PROTO_ACTION_DONE;
	len = body(note, 9, buf, sizeof(buf), NULL);
	assert_int_equal(proto_plan_item_decode(buf, len, d, NULL), WN_OK);
	assert_string_equal(d->note, "result");
	note[7] = note[8];
	item_refused(note, 8, NULL, "a note without a text");
	item_refused(kv, 8, "\x01", "trailing");
	/* a text longer than its field */
	char *longtext = malloc(PROTO_PLAN_TEXT_MAX + 2);
	assert_non_null(longtext);
	memset(longtext, 'a', PROTO_PLAN_TEXT_MAX + 1);
	longtext[PROTO_PLAN_TEXT_MAX + 1] = '\0';
	struct kv c[8] = {ACTION};
	c[7].t = longtext;
	item_refused(c, 8, NULL, "too long");
	free(longtext);
	assert_int_equal(proto_plan_item_decode("\x80", 1, d, NULL), WN_EPROTO);
	assert_int_equal(proto_plan_item_decode(buf, PROTO_BODY_MAX, d, NULL),
	    WN_ETOOBIG);
	free(d);
}

static void
test_plan_encoder_refuses(void **state)
{
	(void)state;
	static uint8_t buf[20000];
	struct proto_writer w;
	for (int k = 0; k < 7; k++) {
		struct proto_plan_item *it = item(k < 3 ? PROTO_PLAN_GOAL
							: PROTO_PLAN_ACTION);
		switch (k) {
		case 0: it->domain = 8; break;
		case 1: wn_strlcpy(it->owner, "police", sizeof(it->owner)); break;
		case 2: it->number = 0; break;
		case 3: it->has_note = true; wn_strlcpy(it->note, "n", 2); break;
		case 4: it->owner[0] = '\0'; break;
		case 5: it->text[0] = '\0'; break;
		default: it->kind = 2; break;
		}
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_plan_item_encode(it, &w), WN_EINVAL);
		assert_int_equal(w.len, 0);
	}
}

static void
test_action_state(void **state)
{
	(void)state;
	struct proto_action_state s = {.case_id = "c-1", .number = 4,
	    .state = PROTO_ACTION_DONE, .changed_ms = 1796157000000,
	    .note = "letters sent\nthree visits"};
	static struct proto_action_state d;
	uint8_t buf[1024];
	struct proto_writer w;
	struct proto_error e = {0};
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_action_state_encode(&s, &w), WN_OK);
	assert_int_equal(proto_action_state_decode(buf, w.len, &d, NULL),
	    WN_OK);
	assert_memory_equal(&d, &s, sizeof(d));
	/* an owner marks done only; a note is required */
	struct proto_action_state bad = s;
	bad.state = PROTO_ACTION_CANCELLED;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_action_state_encode(&bad, &w), WN_EINVAL);
	bad = s;
	bad.note[0] = '\0';
	assert_int_equal(proto_action_state_encode(&bad, &w), WN_EINVAL);
	struct kv kv[6] = {{1, 1, 0, "c-1"}, {2, 0, 4, NULL}, {3, 0, 1, NULL},
	    {4, 0, 5, NULL}, {5, 1, 0, "note"}, {6, 0, 1, NULL}};
	size_t len = body(kv, 5, buf, sizeof(buf), NULL);
	assert_int_equal(proto_action_state_decode(buf, len, &d, NULL), WN_OK);
	static const struct {
		struct kv *v;
		size_t n, i;
		struct kv with;
		const char *why;
	} cases[] = {
	    {NULL, 5, 2, {3, 0, 3, NULL}, "marks its action done (1), not 3"},
	    {NULL, 5, 4, {5, 1, 0, ""}, "empty text"},
	    {NULL, 5, 1, {2, 0, 0, NULL}, "number 0"},
	    {NULL, 5, 1, {1, 1, 0, "c-2"}, "key 1 out of order"},
	    {NULL, 6, 5, {6, 0, 1, NULL}, "unknown key 6"},
	    {NULL, 4, 0, {1, 1, 0, "c-1"}, "a required key is missing"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct kv c[6] = {{1, 1, 0, "c-1"}, {2, 0, 4, NULL},
		    {3, 0, 1, NULL}, {4, 0, 5, NULL}, {5, 1, 0, "note"},
		    {6, 0, 1, NULL}};
		c[cases[k].i] = cases[k].with;
		len = body(c, cases[k].n, buf, sizeof(buf), NULL);
		assert_int_equal(proto_action_state_decode(buf, len, &d, &e),
		    WN_EPROTO);
		if (strstr(e.msg, cases[k].why) == NULL)
			fail_msg("refused with '%s', want '%s'", e.msg,
			    cases[k].why);
		assert_int_equal(d.number, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_encoder_refuses),
	    cmocka_unit_test(test_plan_round_trip),
	    cmocka_unit_test(test_plan_refusals),
	    cmocka_unit_test(test_plan_encoder_refuses),
	    cmocka_unit_test(test_action_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
