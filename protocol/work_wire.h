/*
 * work_wire.h - the bodies of case-work messages (CDDL in PROTOCOL.md):
 * for now a signal's summary, which a member sends the federation's
 * director for every signal it records, links or imports.
 *
 * A summary says when, where (municipality and neighbourhood: never the
 * street or a point) and what kind of nuisance, how many reports the
 * incident has, and which of the sender's signals it counts under when it
 * is a duplicate: never a subject, nor the free text or the source. The
 * decoder is strict (every key at most once, unknown keys, wrong types,
 * out-of-range values, control characters and trailing bytes refused) and
 * never allocates.
 *
 * A plan item (PLAN) is one goal or one action of a case's plan of
 * approach as the case's director holds it now, sent to a member of the
 * case; an action's state (ACTION_STATE) is what its owner sends the
 * director when it marks the action done. Their texts may hold line
 * breaks and tabs, no other control character. Their decoders take the
 * keys in ascending order only (canonical), and refuse unknown keys, keys
 * of the other kind, wrong types, values out of range and trailing bytes
 * (plan_wire.c).
 */
#ifndef PROTO_WORK_WIRE_H
#define PROTO_WORK_WIRE_H

#include "protocol/envelope.h"

#define PROTO_SIGNAL_CATEGORIES 9 /* node/work/work.h's numbering */
#define PROTO_SIGNAL_PLACE_MAX 255 /* bytes: 64 characters of up to 4 */
#define PROTO_SIGNAL_REPORTS_MAX 1000000

/* signal_summary = {1: id, 2: when_ms, 3: municipality, 4: neighbourhood,
 *                   5: category, 6: reports, ? 7: duplicate_of} */
struct proto_signal_summary {
	uint64_t id;           /* the sender's signal number, >= 1 */
	int64_t when_ms;       /* >= 0 */
	char municipality[PROTO_SIGNAL_PLACE_MAX + 1]; /* not empty */
	char neighbourhood[PROTO_SIGNAL_PLACE_MAX + 1]; /* may be empty */
	uint32_t category;     /* < PROTO_SIGNAL_CATEGORIES */
	uint32_t reports;      /* 1.. for an incident, 0 for a duplicate */
	uint64_t duplicate_of; /* 0, or the sender's signal it counts under
				  (not id; then reports is 0) */
};

/* proto_signal_summary_encode appends s to w; WN_EINVAL (nothing
 * written) when s breaks a rule above, else proto_writer_status(w). */
WN_NODISCARD wn_err proto_signal_summary_encode(
    const struct proto_signal_summary *s, struct proto_writer *w);
/* proto_signal_summary_decode decodes a whole body into *out (zeroed
 * first); WN_EPROTO with the offset and reason in *err (may be NULL) on
 * anything that breaks a rule above, WN_ETOOBIG past PROTO_BODY_MAX. */
WN_NODISCARD wn_err proto_signal_summary_decode(const void *buf, size_t len,
    struct proto_signal_summary *out, struct proto_error *err);

/* ---- plans and actions (plan_wire.c) ------------------------------- */

#define PROTO_PLAN_DOMAINS 8   /* node/work/work.h's life domains */
#define PROTO_ACTION_STATES 4  /* open, done, late, cancelled */
#define PROTO_PLAN_TEXT_CHARS 2000
#define PROTO_PLAN_TEXT_MAX 8191 /* bytes: 2000 characters of up to 4 */
#define PROTO_PLAN_CASE_ID_MAX 31 /* as need_wire.h's PROTO_CASE_ID_MAX */

enum proto_plan_kind { PROTO_PLAN_GOAL, PROTO_PLAN_ACTION };
enum proto_action_status {
	PROTO_ACTION_OPEN,
	PROTO_ACTION_DONE,
	PROTO_ACTION_LATE,
	PROTO_ACTION_CANCELLED
};

/* plan_item = {1: case id, 2: kind, 3: number, 4: changed_ms,
 *              ? 5: domain (goal), ? 6: owner, ? 7: deadline_ms,
 *              ? 8: state (action), ? 9: text, ? 10: note (action)}
 * A goal has 5 and none of 6, 7, 8, 10; an action has 6, 7, 8 and not 5.
 * The text (9) is absent when the recipient may know only that the item
 * exists; then so is the note. A note (the result, or why it was
 * cancelled) goes with a done or cancelled action only. */
struct proto_plan_item {
	char case_id[PROTO_PLAN_CASE_ID_MAX + 1]; /* not empty, no control */
	uint32_t kind;       /* enum proto_plan_kind */
	uint64_t number;     /* the director's number of the goal or action */
	int64_t changed_ms;  /* >= 0 */
	uint32_t domain;     /* goal: < PROTO_PLAN_DOMAINS */
	char owner[PROTO_ORG_ID_MAX + 1]; /* action: an org id */
	int64_t deadline_ms; /* action: >= 0 */
	uint32_t state;      /* action: enum proto_action_status */
	bool has_text;
	char text[PROTO_PLAN_TEXT_MAX + 1];
	bool has_note;
	char note[PROTO_PLAN_TEXT_MAX + 1];
};

/* action_state = {1: case id, 2: action number, 3: state, 4: changed_ms,
 *                 5: note}: the owner marks its action done (state 1, the
 * only one an owner sets) with a result note, at changed_ms. */
struct proto_action_state {
	char case_id[PROTO_PLAN_CASE_ID_MAX + 1];
	uint64_t number;
	uint32_t state;     /* PROTO_ACTION_DONE */
	int64_t changed_ms; /* >= 0 */
	char note[PROTO_PLAN_TEXT_MAX + 1]; /* not empty */
};

/* proto_plan_item_encode / proto_action_state_encode append the body to
 * w; WN_EINVAL (nothing written) when it breaks a rule above, else
 * proto_writer_status(w). The decoders decode a whole body into *out
 * (zeroed first, and again on failure); WN_EPROTO with the offset and
 * reason in *err (may be NULL), WN_ETOOBIG at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_plan_item_encode(const struct proto_plan_item *p,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_plan_item_decode(const void *buf, size_t len,
    struct proto_plan_item *out, struct proto_error *err);
WN_NODISCARD wn_err proto_action_state_encode(
    const struct proto_action_state *s, struct proto_writer *w);
WN_NODISCARD wn_err proto_action_state_decode(const void *buf, size_t len,
    struct proto_action_state *out, struct proto_error *err);

#endif
