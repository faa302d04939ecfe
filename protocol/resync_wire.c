/*
 * resync_wire.c - RESYNC_REQUEST's body (see resync_wire.h and
 * PROTOCOL.md, "After a restore").
 */
#include "protocol/resync_wire.h"

#include <inttypes.h>
#include <string.h>

wn_err
proto_resync_request_encode(const struct proto_resync_request *q,
    struct proto_writer *w)
{
	if (q->since_ms < 1)
		return WN_EINVAL;
	proto_write_map(w, 1);
	proto_write_uint(w, 1);
	proto_write_uint(w, (uint64_t)q->since_ms);
	return proto_writer_status(w);
}

wn_err
proto_resync_request_decode(const void *buf, size_t len,
    struct proto_resync_request *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t last = 0, key, v;
	size_t n, at;
	wn_err rv;

	if (len > PROTO_RESYNC_MAX)
		return proto_error_too_big(err, "resync_request", len,
		    PROTO_RESYNC_MAX);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_read_map(&r, &n)) != WN_OK)
		goto out;
	if (n != 1) {
		rv = proto_reader_fail(&r, 0, "a map of %zu keys, expected 1 "
		    "(since)", n);
		goto out;
	}
	if ((rv = proto_read_key(&r, 1u << 1, &last, NULL, &key)) != WN_OK)
		goto out;
	at = r.pos;
	if ((rv = proto_read_uint(&r, &v)) != WN_OK)
		goto out;
	if (v < 1 || v > (uint64_t)INT64_MAX) {
		rv = proto_reader_fail(&r, at, "since %" PRIu64 " is out of "
		    "range (1 to 2^63 - 1)", v);
		goto out;
	}
	if ((rv = proto_reader_finish(&r)) == WN_OK)
		out->since_ms = (int64_t)v;
out:
	if (rv != WN_OK)
		proto_error_from(err, &r, 0);
	return rv;
}
