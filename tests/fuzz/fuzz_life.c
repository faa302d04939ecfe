/*
 * fuzz_life.c - libFuzzer harness for a case's life on the wire
 * (protocol/life_wire.h): every input goes to both decoders, the step's
 * and the link's. Whatever one accepts keeps its rules, encodes (keys in
 * order) to the very bytes it came from and decodes again to the same
 * values; whatever it refuses leaves the struct zeroed.
 */
#include <string.h>

#include "protocol/life_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PROTO_STEP_REASON_MAX + 1024];

static void
step(const uint8_t *data, size_t size)
{
	static struct proto_case_step s, again, zero;
	struct proto_writer w;
	if (proto_case_step_decode(data, size, &s, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&s, &zero, sizeof(s)) == 0);
		return;
	}
	WN_ASSERT(s.step >= 1 && s.stage < PROTO_CASE_STAGES &&
	    s.outcome < PROTO_CASE_OUTCOMES &&
	    (s.stage == PROTO_CASE_CLOSED || s.outcome == 0) &&
	    s.case_id[0] != '\0' && s.by_org[0] != '\0' &&
	    s.by_user[0] != '\0' && (s.has_reason || s.reason[0] == '\0'));
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_case_step_encode(&s, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_case_step_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&s, &again, sizeof(s)) == 0);
}

static void
link_(const uint8_t *data, size_t size)
{
	static struct proto_case_link l, again, zero;
	struct proto_writer w;
	if (proto_case_link_decode(data, size, &l, NULL) != WN_OK) {
		WN_ASSERT(memcmp(&l, &zero, sizeof(l)) == 0);
		return;
	}
	WN_ASSERT(l.relation < PROTO_CASE_RELATIONS &&
	    strcmp(l.case_id, l.other) != 0 && l.by_user[0] != '\0');
	proto_writer_init(&w, buf, sizeof(buf));
	WN_ASSERT(proto_case_link_encode(&l, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
	WN_ASSERT(proto_case_link_decode(buf, w.len, &again, NULL) == WN_OK);
	WN_ASSERT(memcmp(&l, &again, sizeof(l)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	step(data, size);
	link_(data, size);
	return 0;
}
