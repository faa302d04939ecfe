/*
 * work_wire.c - encoder and strict decoder of a signal's summary (see
 * work_wire.h): a map of small uint keys, each at most once.
 */
#include "protocol/work_wire.h"

#include <string.h>

#define REQUIRED 0x7e /* keys 1..6 */

static bool
summary_ok(const struct proto_signal_summary *s)
{
	return s->id >= 1 && s->id <= INT64_MAX && s->when_ms >= 0 &&
	    s->municipality[0] != '\0' && proto_line_valid(s->municipality) &&
	    proto_line_valid(s->neighbourhood) &&
	    s->category < PROTO_SIGNAL_CATEGORIES &&
	    s->reports <= PROTO_SIGNAL_REPORTS_MAX &&
	    s->duplicate_of <= INT64_MAX &&
	    (s->duplicate_of == 0 ? s->reports >= 1
				  : s->duplicate_of != s->id && s->reports == 0);
}

wn_err
proto_signal_summary_encode(const struct proto_signal_summary *s,
    struct proto_writer *w)
{
	if (!summary_ok(s) ||
	    strlen(s->municipality) > PROTO_SIGNAL_PLACE_MAX ||
	    strlen(s->neighbourhood) > PROTO_SIGNAL_PLACE_MAX)
		return WN_EINVAL;
	proto_write_map(w, s->duplicate_of ? 7 : 6);
	proto_write_uint(w, 1);
	proto_write_uint(w, s->id);
	proto_write_uint(w, 2);
	proto_write_uint(w, (uint64_t)s->when_ms);
	proto_write_uint(w, 3);
	proto_write_text(w, s->municipality);
	proto_write_uint(w, 4);
	proto_write_text(w, s->neighbourhood);
	proto_write_uint(w, 5);
	proto_write_uint(w, s->category);
	proto_write_uint(w, 6);
	proto_write_uint(w, s->reports);
	if (s->duplicate_of) {
		proto_write_uint(w, 7);
		proto_write_uint(w, s->duplicate_of);
	}
	return proto_writer_status(w);
}

wn_err
proto_signal_summary_decode(const void *buf, size_t len,
    struct proto_signal_summary *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, key, v = 0;
	size_t n = 0, at;
	wn_err rv;
	if (len > PROTO_BODY_MAX - 1)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		at = r.pos;
		if ((rv = proto_read_uint(&r, &key)) != WN_OK)
			break;
		if (key < 1 || key > 7 || !proto_keyset_add(&seen, key)) {
			rv = proto_reader_fail(&r, at, "unknown or repeated "
			    "key %llu", (unsigned long long)key);
			break;
		}
		at = r.pos;
		switch (key) {
		case 1:
			if ((rv = proto_read_uint_max(&r, INT64_MAX, &out->id)) == WN_OK &&
			    out->id == 0)
				rv = proto_reader_fail(&r, at, "signal 0");
			break;
		case 2:
			if ((rv = proto_read_uint_max(&r, INT64_MAX, &v)) == WN_OK)
				out->when_ms = (int64_t)v;
			break;
		case 3:
			rv = proto_read_line(&r, out->municipality,
			    sizeof(out->municipality), false);
			break;
		case 4:
			rv = proto_read_line(&r, out->neighbourhood,
			    sizeof(out->neighbourhood), true);
			break;
		case 5:
			if ((rv = proto_read_uint_max(&r, PROTO_SIGNAL_CATEGORIES - 1, &v)) ==
			    WN_OK)
				out->category = (uint32_t)v;
			break;
		case 6:
			if ((rv = proto_read_uint_max(&r, PROTO_SIGNAL_REPORTS_MAX, &v)) ==
			    WN_OK)
				out->reports = (uint32_t)v;
			break;
		default:
			if ((rv = proto_read_uint_max(&r, INT64_MAX, &out->duplicate_of)) ==
				WN_OK &&
			    out->duplicate_of == 0)
				rv = proto_reader_fail(&r, at, "duplicate of "
				    "signal 0");
			break;
		}
	}
	if (rv == WN_OK && (seen & REQUIRED) != REQUIRED)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK && !summary_ok(out))
		rv = proto_reader_fail(&r, 0, "%s", out->duplicate_of
		    ? "a duplicate names itself or counts reports"
		    : "an incident without a report");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
