/*
 * fuzz_work.c - libFuzzer harness for the work room's wire bodies
 * (protocol/work_wire.h): a signal's summary, a plan item (a goal or an
 * action) and an owner's action state. Each input goes to every decoder:
 * whatever one accepts keeps its rules, encodes (keys in order) and
 * decodes again to the same values, byte for byte the same input for the
 * plan bodies, whose keys come in one order only; whatever it refuses
 * leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/work_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
summary(const uint8_t *data, size_t size)
{
	struct proto_signal_summary s, again, zero;
	struct proto_error e;
	uint8_t buf[1024];
	struct proto_writer w;
	memset(&zero, 0, sizeof(zero));
	if (proto_signal_summary_decode(data, size, &s, &e) != WN_OK) {
		WN_ASSERT(memcmp(&s, &zero, sizeof(s)) == 0);
		return;
	}
	WN_ASSERT(s.id >= 1 && s.category < PROTO_SIGNAL_CATEGORIES &&
	    s.municipality[0] != '\0' &&
	    (s.duplicate_of ? s.reports == 0 && s.duplicate_of != s.id
			    : s.reports >= 1));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_signal_summary_encode(&s, &w) == WN_OK);
	WN_ASSERT(proto_signal_summary_decode(buf, w.len, &again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&s, &again, sizeof(s)) == 0);
}

static struct proto_plan_item it, it_again, it_zero;
static struct proto_action_state st, st_again, st_zero;
static uint8_t out[PROTO_BODY_MAX];

static void
plan_item(const uint8_t *data, size_t size)
{
	struct proto_writer w;
	if (proto_plan_item_decode(data, size, &it, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&it, &it_zero, sizeof(it)) == 0);
		return;
	}
	WN_ASSERT(it.number >= 1 && it.case_id[0] != '\0' &&
	    (it.kind == PROTO_PLAN_GOAL
		    ? it.domain < PROTO_PLAN_DOMAINS && !it.has_note &&
			it.owner[0] == '\0'
		    : it.kind == PROTO_PLAN_ACTION && it.owner[0] != '\0' &&
			it.state < PROTO_ACTION_STATES) &&
	    (!it.has_note || (it.has_text && (it.state == PROTO_ACTION_DONE ||
					      it.state ==
						  PROTO_ACTION_CANCELLED))));
	proto_writer_init(&w, out, sizeof(out));
	WN_ASSERT(proto_plan_item_encode(&it, &w) == WN_OK);
	/* one order of keys, shortest forms: the same bytes */
	WN_ASSERT(w.len == size && memcmp(out, data, size) == 0);
	WN_ASSERT(proto_plan_item_decode(out, w.len, &it_again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&it, &it_again, sizeof(it)) == 0);
}

static void
action_state(const uint8_t *data, size_t size)
{
	struct proto_writer w;
	if (proto_action_state_decode(data, size, &st, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&st, &st_zero, sizeof(st)) == 0);
		return;
	}
	WN_ASSERT(st.number >= 1 && st.state == PROTO_ACTION_DONE &&
	    st.note[0] != '\0' && st.case_id[0] != '\0');
	proto_writer_init(&w, out, sizeof(out));
	WN_ASSERT(proto_action_state_encode(&st, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(out, data, size) == 0);
	WN_ASSERT(proto_action_state_decode(out, w.len, &st_again, NULL) ==
	    WN_OK);
	WN_ASSERT(memcmp(&st, &st_again, sizeof(st)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	summary(data, size);
	plan_item(data, size);
	action_state(data, size);
	return 0;
}
