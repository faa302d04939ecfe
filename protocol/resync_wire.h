/*
 * resync_wire.h - RESYNC_REQUEST on the wire (message type 38; CDDL in
 * PROTOCOL.md, "After a restore: the peers send again what took data
 * away").
 *
 * A node whose store went back (restored from a backup, or a rollback its
 * operator accepted) asks each peer to send again what it sent it since
 * its copy was made that takes data away:
 *
 *   resync_request = {1: since}     since: uint, 1 .. 2^63 - 1, ms since
 *                                   1970 (UTC): when the copy was made
 *
 * The decoder is strict: the one key, a uint in range, no trailing bytes;
 * unknown, duplicate or missing keys, other types and non-shortest forms
 * are refused with the offset. Nothing allocates.
 */
#ifndef PROTO_RESYNC_WIRE_H
#define PROTO_RESYNC_WIRE_H

#include "protocol/envelope.h"

struct proto_resync_request {
	int64_t since_ms; /* >= 1 */
};

/* the most bytes a resync_request takes: a map of one key and a uint64 */
#define PROTO_RESYNC_MAX 11

/* proto_resync_request_encode appends the body to w (WN_EINVAL for a
 * since_ms below 1) and returns proto_writer_status(w);
 * proto_resync_request_decode decodes a whole body into *out (untouched
 * on failure): WN_EPROTO with the offset and reason in *err (may be NULL),
 * WN_ETOOBIG over PROTO_RESYNC_MAX bytes. */
WN_NODISCARD wn_err proto_resync_request_encode(
    const struct proto_resync_request *q, struct proto_writer *w);
WN_NODISCARD wn_err proto_resync_request_decode(const void *buf, size_t len,
    struct proto_resync_request *out, struct proto_error *err);

#endif
