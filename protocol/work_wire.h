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

#endif
