/*
 * cbor.c - strict CBOR pull reader on top of libcbor; the canonical writer
 * and the allocator are in cbor_write.c.
 *
 * Reading: decode_at() first looks at the initial byte and the header
 * argument itself, so that everything outside our subset (indefinite
 * lengths, break, floats, undefined, simple values, non-shortest arguments)
 * and every length that cannot fit in the remaining input is refused with a
 * precise message before any payload is touched. Only then does it hand the
 * item to cbor_stream_decode(), which decodes exactly one header (for
 * definite strings: header plus the whole string) and reports it through
 * the callbacks below into a struct hdr; its answer must agree with the
 * pre-scan. No libcbor item is ever built and nothing is allocated.
 *
 * libcbor 0.8.0 rejects the one-byte tag headers 0xc6..0xd4 (tags 6..20) as
 * "unassigned" although they are well-formed; we decode those here so that
 * everything the writer emits can be read back.
 */
#include "protocol/cbor.h"

#include <cbor.h>
#include <stdarg.h>
#include <string.h>

static const char *const type_names[] = {
	[PROTO_UINT] = "uint",
	[PROTO_NEGINT] = "negint",
	[PROTO_BYTES] = "bytes",
	[PROTO_TEXT] = "text",
	[PROTO_ARRAY] = "array",
	[PROTO_MAP] = "map",
	[PROTO_TAG] = "tag",
	[PROTO_BOOL] = "bool",
	[PROTO_NULL] = "null",
};

const char *
proto_type_name(enum proto_type type)
{
	if ((size_t)type >= WN_ARRAY_LEN(type_names))
		return "unknown";
	return type_names[type];
}

void
proto_reader_init(struct proto_reader *r, const void *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = buf != NULL ? len : 0;
}

/* vfail records the first error only: later ones are its consequences. */
static wn_err
vfail(struct proto_reader *r, size_t offset, const char *fmt, va_list ap)
{
	if (!r->failed) {
		r->failed = true;
		r->err.offset = offset;
		vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
	}
	return WN_EPROTO;
}

static wn_err fail(struct proto_reader *r, size_t offset, const char *fmt,
    ...) WN_PRINTF(3, 4);

static wn_err
fail(struct proto_reader *r, size_t offset, const char *fmt, ...)
{
	va_list ap;
	wn_err rv;

	va_start(ap, fmt);
	rv = vfail(r, offset, fmt, ap);
	va_end(ap);
	return rv;
}

wn_err
proto_reader_fail(struct proto_reader *r, size_t offset, const char *fmt, ...)
{
	va_list ap;
	wn_err rv;

	va_start(ap, fmt);
	rv = vfail(r, offset, fmt, ap);
	va_end(ap);
	return rv;
}

/* What cbor_stream_decode reported for one header. */
struct hdr {
	enum proto_type type;
	uint64_t arg;
	bool b;
	const uint8_t *data;
	bool bad; /* a callback for something outside our subset ran */
};

static void
cb_uint8(void *ctx, uint8_t v)
{
	struct hdr *h = ctx;
	h->type = PROTO_UINT;
	h->arg = v;
}

static void
cb_uint16(void *ctx, uint16_t v)
{
	cb_uint8(ctx, 0);
	((struct hdr *)ctx)->arg = v;
}

static void
cb_uint32(void *ctx, uint32_t v)
{
	cb_uint8(ctx, 0);
	((struct hdr *)ctx)->arg = v;
}

static void
cb_uint64(void *ctx, uint64_t v)
{
	cb_uint8(ctx, 0);
	((struct hdr *)ctx)->arg = v;
}

static void
cb_negint64(void *ctx, uint64_t v)
{
	struct hdr *h = ctx;
	h->type = PROTO_NEGINT;
	h->arg = v;
}

static void
cb_negint32(void *ctx, uint32_t v)
{
	cb_negint64(ctx, v);
}

static void
cb_negint16(void *ctx, uint16_t v)
{
	cb_negint64(ctx, v);
}

static void
cb_negint8(void *ctx, uint8_t v)
{
	cb_negint64(ctx, v);
}

static void
cb_bytes(void *ctx, cbor_data data, size_t len)
{
	struct hdr *h = ctx;
	h->type = PROTO_BYTES;
	h->data = data;
	h->arg = len;
}

static void
cb_text(void *ctx, cbor_data data, size_t len)
{
	struct hdr *h = ctx;
	h->type = PROTO_TEXT;
	h->data = data;
	h->arg = len;
}

static void
cb_array(void *ctx, size_t count)
{
	struct hdr *h = ctx;
	h->type = PROTO_ARRAY;
	h->arg = count;
}

static void
cb_map(void *ctx, size_t count)
{
	struct hdr *h = ctx;
	h->type = PROTO_MAP;
	h->arg = count;
}

static void
cb_tag(void *ctx, uint64_t tag)
{
	struct hdr *h = ctx;
	h->type = PROTO_TAG;
	h->arg = tag;
}

static void
cb_null(void *ctx)
{
	((struct hdr *)ctx)->type = PROTO_NULL;
}

static void
cb_bool(void *ctx, bool v)
{
	struct hdr *h = ctx;
	h->type = PROTO_BOOL;
	h->b = v;
}

static void
cb_bad(void *ctx)
{
	((struct hdr *)ctx)->bad = true;
}

static void
cb_bad_float(void *ctx, float v)
{
	(void)v;
	cb_bad(ctx);
}

static void
cb_bad_double(void *ctx, double v)
{
	(void)v;
	cb_bad(ctx);
}

/* libcbor calls every member unconditionally: all must be set. The member
 * names for definite and indefinite strings look swapped but are right. */
static const struct cbor_callbacks callbacks = {
	.uint8 = cb_uint8,
	.uint16 = cb_uint16,
	.uint32 = cb_uint32,
	.uint64 = cb_uint64,
	.negint64 = cb_negint64,
	.negint32 = cb_negint32,
	.negint16 = cb_negint16,
	.negint8 = cb_negint8,
	.byte_string_start = cb_bad,
	.byte_string = cb_bytes,
	.string = cb_text,
	.string_start = cb_bad,
	.indef_array_start = cb_bad,
	.array_start = cb_array,
	.indef_map_start = cb_bad,
	.map_start = cb_map,
	.tag = cb_tag,
	.float2 = cb_bad_float,
	.float4 = cb_bad_float,
	.float8 = cb_bad_double,
	.undefined = cb_bad,
	.null = cb_null,
	.boolean = cb_bool,
	.indef_break = cb_bad,
};

static uint64_t
load_be(const uint8_t *p, size_t width)
{
	uint64_t v = 0;
	for (size_t i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

/* check_initial refuses initial bytes outside the accepted subset. */
static wn_err
check_initial(struct proto_reader *r, size_t pos, unsigned major, unsigned ai)
{
	if (ai == 31) {
		if (major == 7)
			return fail(r, pos, "unexpected break");
		if (major >= 2 && major <= 5)
			return fail(r, pos, "indefinite length not allowed");
		return fail(r, pos, "reserved additional information 31");
	}
	if (ai >= 28)
		return fail(r, pos, "reserved additional information %u", ai);
	if (major != 7)
		return WN_OK;
	switch (ai) {
	case 20:
	case 21:
	case 22:
		return WN_OK;
	case 23:
		return fail(r, pos, "undefined not allowed");
	case 25:
	case 26:
	case 27:
		return fail(r, pos, "floats not allowed");
	default:
		return fail(r, pos, "simple values not allowed");
	}
}

/* decode_at decodes the item header at pos into *out and the position just
 * after it into *next, without moving r. Errors are sticky in r. */
static wn_err
decode_at(struct proto_reader *r, size_t pos, struct proto_item *out,
    size_t *next)
{
	static const uint64_t min_arg[] = {0, 24, 256, 0, 65536, 0, 0, 0,
	    UINT64_C(1) << 32};
	struct hdr h = {0};
	struct cbor_decoder_result res;
	const uint8_t *p;
	size_t avail, width, rest, want;
	unsigned major, ai;
	uint64_t arg;
	wn_err rv;

	if (r->failed)
		return WN_EPROTO;
	if (pos >= r->len)
		return fail(r, pos, "truncated input: item expected");
	p = r->buf + pos;
	avail = r->len - pos;
	major = p[0] >> 5;
	ai = p[0] & 0x1f;
	if ((rv = check_initial(r, pos, major, ai)) != WN_OK)
		return rv;

	width = ai < 24 ? 0 : (size_t)1 << (ai - 24);
	if (avail - 1 < width)
		return fail(r, pos, "truncated input: header needs %zu bytes, "
		    "%zu left", width + 1, avail);
	arg = ai < 24 ? ai : load_be(p + 1, width);
	if (major != 7 && arg < min_arg[width])
		return fail(r, pos, "non-canonical encoding: %llu in %zu bytes",
		    (unsigned long long)arg, width);

	rest = avail - 1 - width;
	want = 1 + width;
	switch (major) {
	case 2:
	case 3:
		if (arg > rest)
			return fail(r, pos, "declared length %llu exceeds "
			    "the %zu bytes remaining", (unsigned long long)arg,
			    rest);
		want += (size_t)arg;
		break;
	case 4:
		if (arg > rest)
			return fail(r, pos, "array count %llu exceeds the "
			    "%zu bytes remaining", (unsigned long long)arg,
			    rest);
		break;
	case 5:
		if (arg > rest / 2)
			return fail(r, pos, "map count %llu exceeds the "
			    "%zu bytes remaining", (unsigned long long)arg,
			    rest);
		break;
	default:
		break;
	}

	if (major == 6 && ai >= 6 && ai <= 20) {
		h.type = PROTO_TAG; /* see the note at the top */
		h.arg = arg;
		res.status = CBOR_DECODER_FINISHED;
		res.read = 1;
	} else {
		res = cbor_stream_decode(p, avail, &callbacks, &h);
	}
	if (res.status != CBOR_DECODER_FINISHED || h.bad || res.read != want ||
	    (major != 7 && h.arg != arg))
		return fail(r, pos, "malformed item");
	if (h.type == PROTO_TEXT && !proto_utf8_valid(h.data, (size_t)arg))
		return fail(r, pos, "invalid UTF-8 in text");

	memset(out, 0, sizeof(*out));
	out->type = h.type;
	out->offset = pos;
	out->u = h.arg;
	out->b = h.b;
	if (h.type == PROTO_BYTES || h.type == PROTO_TEXT) {
		out->data = h.data;
		out->len = (size_t)arg;
	}
	*next = pos + res.read;
	return WN_OK;
}

wn_err
proto_read(struct proto_reader *r, struct proto_item *out)
{
	size_t next;
	wn_err rv;

	if ((rv = decode_at(r, r->pos, out, &next)) != WN_OK)
		return rv;
	r->pos = next;
	return WN_OK;
}

wn_err
proto_peek_type(struct proto_reader *r, enum proto_type *out)
{
	struct proto_item it;
	size_t next;
	wn_err rv;

	if ((rv = decode_at(r, r->pos, &it, &next)) != WN_OK)
		return rv;
	*out = it.type;
	return WN_OK;
}

/* read_type consumes the next item only if it has the wanted type. */
static wn_err
read_type(struct proto_reader *r, enum proto_type want, struct proto_item *it)
{
	size_t next;
	wn_err rv;

	if ((rv = decode_at(r, r->pos, it, &next)) != WN_OK)
		return rv;
	if (it->type != want)
		return fail(r, it->offset, "expected %s, found %s",
		    proto_type_name(want), proto_type_name(it->type));
	r->pos = next;
	return WN_OK;
}

wn_err
proto_read_uint(struct proto_reader *r, uint64_t *out)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_UINT, &it)) != WN_OK)
		return rv;
	*out = it.u;
	return WN_OK;
}

wn_err
proto_read_uint_max(struct proto_reader *r, uint64_t max, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv = proto_read_uint(r, out);
	if (rv == WN_OK && *out > max)
		return proto_reader_fail(r, at, "%llu is over %llu",
		    (unsigned long long)*out, (unsigned long long)max);
	return rv;
}

wn_err
proto_read_key(struct proto_reader *r, uint64_t may, uint64_t *last,
    uint64_t *seen, uint64_t *key)
{
	size_t at = r->pos;
	wn_err rv = proto_read_uint(r, key);
	if (rv != WN_OK)
		return rv;
	if (*key <= *last)
		return proto_reader_fail(r, at, "key %llu out of order (after "
		    "%llu)", (unsigned long long)*key,
		    (unsigned long long)*last);
	if (*key > 63 || !(may & (UINT64_C(1) << *key)))
		return proto_reader_fail(r, at, "unknown key %llu",
		    (unsigned long long)*key);
	*last = *key;
	if (seen != NULL)
		*seen |= UINT64_C(1) << *key;
	return WN_OK;
}

wn_err
proto_read_int(struct proto_reader *r, int64_t *out)
{
	struct proto_item it;
	size_t next;
	wn_err rv;

	if ((rv = decode_at(r, r->pos, &it, &next)) != WN_OK)
		return rv;
	if (it.type != PROTO_UINT && it.type != PROTO_NEGINT)
		return fail(r, it.offset, "expected integer, found %s",
		    proto_type_name(it.type));
	if (it.u > (uint64_t)INT64_MAX)
		return fail(r, it.offset, "integer out of int64 range");
	r->pos = next;
	*out = it.type == PROTO_UINT ? (int64_t)it.u : -1 - (int64_t)it.u;
	return WN_OK;
}

wn_err
proto_read_bool(struct proto_reader *r, bool *out)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_BOOL, &it)) != WN_OK)
		return rv;
	*out = it.b;
	return WN_OK;
}

wn_err
proto_read_bytes(struct proto_reader *r, const uint8_t **p, size_t *len)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_BYTES, &it)) != WN_OK)
		return rv;
	*p = it.data;
	*len = it.len;
	return WN_OK;
}

wn_err
proto_read_bytes_exact(struct proto_reader *r, void *dst, size_t len)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_BYTES, &it)) != WN_OK)
		return rv;
	if (it.len != len)
		return fail(r, it.offset, "expected %zu bytes, found %zu", len,
		    it.len);
	if (len > 0)
		memcpy(dst, it.data, len);
	return WN_OK;
}

wn_err
proto_read_text(struct proto_reader *r, const char **p, size_t *len)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_TEXT, &it)) != WN_OK)
		return rv;
	if (it.len > 0 && memchr(it.data, '\0', it.len) != NULL)
		return fail(r, it.offset, "NUL byte in text");
	*p = (const char *)it.data;
	*len = it.len;
	return WN_OK;
}

wn_err
proto_read_text_copy(struct proto_reader *r, char *dst, size_t cap)
{
	const char *p;
	size_t len, at = r->pos;
	wn_err rv;

	if ((rv = proto_read_text(r, &p, &len)) != WN_OK)
		return rv;
	if (len >= cap)
		return fail(r, at, "text of %zu bytes too long (limit %zu)",
		    len, cap > 0 ? cap - 1 : 0);
	if (len > 0)
		memcpy(dst, p, len);
	dst[len] = '\0';
	return WN_OK;
}

wn_err
proto_read_array(struct proto_reader *r, size_t *count)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_ARRAY, &it)) != WN_OK)
		return rv;
	*count = (size_t)it.u; /* fits: it is at most the input length */
	return WN_OK;
}

wn_err
proto_read_map(struct proto_reader *r, size_t *count)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_MAP, &it)) != WN_OK)
		return rv;
	*count = (size_t)it.u;
	return WN_OK;
}

wn_err
proto_read_tag(struct proto_reader *r, uint64_t *tag)
{
	struct proto_item it;
	wn_err rv;

	if ((rv = read_type(r, PROTO_TAG, &it)) != WN_OK)
		return rv;
	*tag = it.u;
	return WN_OK;
}

/*
 * proto_skip keeps, for each open container, the number of children still
 * to come. Counts are bounded by the input length (decode_at checks them),
 * so map counts doubled cannot overflow.
 */
wn_err
proto_skip(struct proto_reader *r)
{
	uint64_t left[PROTO_MAX_DEPTH];
	size_t depth = 0;
	struct proto_item it;
	uint64_t n;
	wn_err rv;

	do {
		if ((rv = proto_read(r, &it)) != WN_OK)
			return rv;
		if (depth > 0)
			left[depth - 1]--;
		if (it.type == PROTO_ARRAY || it.type == PROTO_MAP ||
		    it.type == PROTO_TAG) {
			if (depth == PROTO_MAX_DEPTH)
				return fail(r, it.offset,
				    "nesting deeper than %d", PROTO_MAX_DEPTH);
			n = it.type == PROTO_MAP ? 2 * it.u :
			    it.type == PROTO_TAG ? 1 : it.u;
			if (n > 0)
				left[depth++] = n;
		}
		while (depth > 0 && left[depth - 1] == 0)
			depth--;
	} while (depth > 0);
	return WN_OK;
}

wn_err
proto_reader_finish(struct proto_reader *r)
{
	if (r->failed)
		return WN_EPROTO;
	if (r->pos != r->len)
		return fail(r, r->pos, "trailing bytes");
	return WN_OK;
}

wn_err
proto_validate(const void *buf, size_t len, size_t max_len)
{
	struct proto_reader r;
	wn_err rv;

	if (len > max_len)
		return WN_ETOOBIG;
	proto_reader_init(&r, buf, len);
	if ((rv = proto_skip(&r)) != WN_OK)
		return rv;
	return proto_reader_finish(&r);
}

bool
proto_keyset_add(uint64_t *seen_mask, uint64_t key)
{
	uint64_t bit;

	if (key > 63)
		return false;
	bit = UINT64_C(1) << key;
	if (*seen_mask & bit)
		return false;
	*seen_mask |= bit;
	return true;
}

bool
proto_utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0, n;
	uint32_t cp, min;

	while (i < len) {
		uint8_t c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n > len - i - 1)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

void
proto_error_from(struct proto_error *err, const struct proto_reader *r,
    size_t base)
{
	if (err == NULL)
		return;
	*err = r->err;
	err->offset += base;
}

wn_err
proto_error_too_big(struct proto_error *err, const char *what, size_t len,
    size_t max)
{
	if (err != NULL) {
		err->offset = max;
		snprintf(err->msg, sizeof(err->msg),
		    "%s of %zu bytes exceeds the limit of %zu", what, len, max);
	}
	return WN_ETOOBIG;
}
