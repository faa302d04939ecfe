/*
 * casesig_wire.c - encoder and strict decoder of a signal of a case
 * (CASE_SIGNAL, see casesig_wire.h): a map of small uint keys in
 * ascending order.
 */
#include "protocol/casesig_wire.h"

#include <string.h>

#define MAX_BODY (PROTO_BODY_MAX - 1)

static bool
id_ok(const char *s)
{
	return proto_org_id_valid(s, strlen(s));
}

static bool
sig_ok(const struct proto_case_signal *s)
{
	if (strlen(s->case_id) > PROTO_CASE_ID_MAX || !id_ok(s->case_id) ||
	    !id_ok(s->origin) || s->number < 1 || s->number > INT64_MAX)
		return false;
	if (s->withdrawn)
		return !s->has_summary && s->when_ms == 0 &&
		    s->municipality[0] == '\0' && s->neighbourhood[0] == '\0' &&
		    s->category == 0 && s->reports == 0 && s->duplicate_of == 0;
	if (s->when_ms < 0)
		return false;
	if (!s->has_summary)
		return s->municipality[0] == '\0' &&
		    s->neighbourhood[0] == '\0' && s->category == 0 &&
		    s->reports == 0 && s->duplicate_of == 0;
	return s->municipality[0] != '\0' &&
	    strlen(s->municipality) <= PROTO_SIGNAL_PLACE_MAX &&
	    strlen(s->neighbourhood) <= PROTO_SIGNAL_PLACE_MAX &&
	    proto_line_valid(s->municipality) && proto_line_valid(s->neighbourhood) &&
	    s->category < PROTO_SIGNAL_CATEGORIES &&
	    s->reports <= PROTO_SIGNAL_REPORTS_MAX &&
	    s->duplicate_of <= INT64_MAX &&
	    (s->duplicate_of == 0 ? s->reports >= 1
				  : s->duplicate_of != s->number &&
		    s->reports == 0);
}

wn_err
proto_case_signal_encode(const struct proto_case_signal *s,
    struct proto_writer *w)
{
	if (!sig_ok(s))
		return WN_EINVAL;
	proto_write_map(w, s->withdrawn ? 3
	    : s->has_summary ? 8 + (s->duplicate_of != 0) : 4);
	proto_write_uint(w, 1);
	proto_write_text(w, s->case_id);
	proto_write_uint(w, 2);
	proto_write_text(w, s->origin);
	proto_write_uint(w, 3);
	proto_write_uint(w, s->number);
	if (s->withdrawn)
		return proto_writer_status(w);
	proto_write_uint(w, 4);
	proto_write_uint(w, (uint64_t)s->when_ms);
	if (s->has_summary) {
		proto_write_uint(w, 5);
		proto_write_text(w, s->municipality);
		proto_write_uint(w, 6);
		proto_write_text(w, s->neighbourhood);
		proto_write_uint(w, 7);
		proto_write_uint(w, s->category);
		proto_write_uint(w, 8);
		proto_write_uint(w, s->reports);
		if (s->duplicate_of) {
			proto_write_uint(w, 9);
			proto_write_uint(w, s->duplicate_of);
		}
	}
	return proto_writer_status(w);
}

static wn_err
value(struct proto_reader *r, uint64_t key, struct proto_case_signal *out)
{
	uint64_t v = 0;
	size_t at = r->pos;
	wn_err rv;
	switch (key) {
	case 1:
		return proto_read_id(r, out->case_id, sizeof(out->case_id));
	case 2:
		return proto_read_id(r, out->origin, sizeof(out->origin));
	case 3:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &out->number)) ==
			WN_OK &&
		    out->number == 0)
			rv = proto_reader_fail(r, at, "signal 0");
		return rv;
	case 4:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &v)) == WN_OK)
			out->when_ms = (int64_t)v;
		return rv;
	case 5:
		return proto_read_line(r, out->municipality, sizeof(out->municipality),
		    false);
	case 6:
		return proto_read_line(r, out->neighbourhood, sizeof(out->neighbourhood),
		    true);
	case 7:
		if ((rv = proto_read_uint_max(r, PROTO_SIGNAL_CATEGORIES - 1,
			 &v)) == WN_OK)
			out->category = (uint32_t)v;
		return rv;
	case 8:
		if ((rv = proto_read_uint_max(r, PROTO_SIGNAL_REPORTS_MAX, &v)) ==
		    WN_OK)
			out->reports = (uint32_t)v;
		return rv;
	default:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &out->duplicate_of)) ==
			WN_OK &&
		    out->duplicate_of == 0)
			rv = proto_reader_fail(r, at, "duplicate of signal 0");
		return rv;
	}
}

#define BIT(k) (UINT64_C(1) << (k))
#define MUST (BIT(1) | BIT(2) | BIT(3))
#define SUMMARY (BIT(5) | BIT(6) | BIT(7) | BIT(8))
#define MAY (MUST | BIT(4) | SUMMARY | BIT(9))

wn_err
proto_case_signal_decode(const void *buf, size_t len,
    struct proto_case_signal *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, key = 0, last = 0;
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++)
		if ((rv = proto_read_key(&r, MAY, &last, &seen, &key)) == WN_OK)
			rv = value(&r, key, out);
	if (rv == WN_OK && (seen & MUST) != MUST)
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK) {
		out->withdrawn = !(seen & BIT(4));
		out->has_summary = (seen & SUMMARY) != 0;
		if ((seen & SUMMARY) != 0 && (seen & SUMMARY) != SUMMARY)
			rv = proto_reader_fail(&r, 0, "keys 5 to 8 come all "
			    "together or not at all");
		else if (out->withdrawn && seen != MUST)
			rv = proto_reader_fail(&r, 0, "a summary without "
			    "when (key 4)");
		else if ((seen & BIT(9)) && !out->has_summary)
			rv = proto_reader_fail(&r, 0, "duplicate of without "
			    "a summary");
		else if (!sig_ok(out))
			rv = proto_reader_fail(&r, 0, "%s", out->duplicate_of
			    ? "a duplicate names itself or counts reports"
			    : "an incident without a report");
	}
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
