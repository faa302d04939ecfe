/*
 * casesig_wire.h - a signal of a case on the wire (CASE_SIGNAL, message
 * type 27; CDDL in PROTOCOL.md).
 *
 * A case's signals reach its members through its director: a member that
 * attaches one of its own signals to a case tells the director, and the
 * director tells every other current member each signal of the case, as
 * far as the matrix in force gives the member's role the category
 * `signals` in the case's type: at view the summary (when, municipality,
 * neighbourhood, category, reports, and for a duplicate the origin's
 * signal it counts under), at existence only that it is there and when,
 * at none nothing. Never a subject, the free text, the source, the street
 * or the point. A body without `when` says the signal no longer belongs to
 * the case (it was taken off it): the receiver forgets its copy.
 *
 * The decoder is strict: keys in ascending order only (one encoding per
 * value), unknown keys, wrong types, values out of range, control
 * characters and trailing bytes refused with the offset; nothing
 * allocates.
 */
#ifndef PROTO_CASESIG_WIRE_H
#define PROTO_CASESIG_WIRE_H

#include "protocol/need_wire.h"
#include "protocol/work_wire.h"

/* case_signal = {1: case id, 2: origin, 3: number, ? 4: when_ms,
 *                ? 5: municipality, ? 6: neighbourhood, ? 7: category,
 *                ? 8: reports, ? 9: duplicate_of}
 * 5..8 all or none, and only with 4; 9 only with 5..8 (then reports 0,
 * else reports >= 1). Only 1..3: withdrawn. */
struct proto_case_signal {
	char case_id[PROTO_CASE_ID_MAX + 1]; /* [a-z0-9_-], not empty */
	char origin[PROTO_ORG_ID_MAX + 1];   /* whose signal it is */
	uint64_t number;     /* the origin's number of the signal, >= 1 */
	bool withdrawn;      /* it no longer belongs to the case: no 4..9 */
	int64_t when_ms;     /* >= 0 */
	bool has_summary;    /* 5..8 (and maybe 9): the role sees it */
	char municipality[PROTO_SIGNAL_PLACE_MAX + 1]; /* not empty */
	char neighbourhood[PROTO_SIGNAL_PLACE_MAX + 1]; /* may be empty */
	uint32_t category;   /* < PROTO_SIGNAL_CATEGORIES */
	uint32_t reports;    /* <= PROTO_SIGNAL_REPORTS_MAX */
	uint64_t duplicate_of; /* 0, or the origin's signal it counts under */
};

/* proto_case_signal_encode appends s to w; WN_EINVAL (nothing written)
 * when s breaks a rule above, else proto_writer_status(w). */
WN_NODISCARD wn_err proto_case_signal_encode(const struct proto_case_signal *s,
    struct proto_writer *w);
/* proto_case_signal_decode decodes a whole body into *out (zeroed first,
 * and again on failure); WN_EPROTO with the offset and reason in *err (may
 * be NULL), WN_ETOOBIG at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_case_signal_decode(const void *buf, size_t len,
    struct proto_case_signal *out, struct proto_error *err);

#endif
