/*
 * cbor_write.c - canonical CBOR writer on top of libcbor, and the
 * protocol's allocator (the reader, cbor.c, allocates nothing).
 *
 * Writing: each header is produced by cbor_encode_*() into a small stack
 * buffer (libcbor always picks the shortest form) and appended with the
 * payload in one reserve() step, so a failed write never leaves half an
 * item behind.
 */
#include "protocol/cbor.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>

static void *(*alloc_fn)(size_t) = malloc;
static void *(*resize_fn)(void *, size_t) = realloc;
static void (*release_fn)(void *) = free;

void
proto_set_allocs(void *(*alloc)(size_t), void *(*resize)(void *, size_t),
    void (*release)(void *))
{
	alloc_fn = alloc != NULL ? alloc : malloc;
	resize_fn = resize != NULL ? resize : realloc;
	release_fn = release != NULL ? release : free;
}

void *
proto_malloc(size_t size)
{
	return alloc_fn(size);
}

void *
proto_realloc(void *p, size_t size)
{
	return resize_fn(p, size);
}

void
proto_free(void *p)
{
	if (p != NULL)
		release_fn(p);
}

void
proto_writer_init(struct proto_writer *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->max = w->cap;
}

wn_err
proto_writer_init_dynamic(struct proto_writer *w, size_t initial, size_t max)
{
	memset(w, 0, sizeof(*w));
	if (initial > max)
		return WN_EINVAL;
	if (initial > 0 && (w->buf = proto_malloc(initial)) == NULL)
		return WN_ENOMEM;
	w->cap = initial;
	w->max = max;
	w->dynamic = true;
	return WN_OK;
}

void
proto_writer_release(struct proto_writer *w)
{
	if (w->dynamic)
		proto_free(w->buf);
	memset(w, 0, sizeof(*w));
}

void
proto_writer_fail(struct proto_writer *w, wn_err err)
{
	if (w->status != WN_OK)
		return;
	w->status = err;
	if (err == WN_ETOOBIG)
		w->overflow = true;
}

wn_err
proto_writer_status(const struct proto_writer *w)
{
	return w->status;
}

/* reserve makes room for n more bytes, growing a dynamic buffer by
 * doubling up to max; false (with the status set) if it cannot. */
static bool
reserve(struct proto_writer *w, size_t n)
{
	size_t need, ncap;
	uint8_t *p;

	if (w->status != WN_OK)
		return false;
	if (n <= w->cap - w->len)
		return true;
	if (!w->dynamic || w->max < w->len || n > w->max - w->len) {
		proto_writer_fail(w, WN_ETOOBIG);
		return false;
	}
	need = w->len + n;
	ncap = w->cap < 64 ? 64 : w->cap;
	while (ncap < need)
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	if (ncap > w->max)
		ncap = w->max;
	if ((p = proto_realloc(w->buf, ncap)) == NULL) {
		proto_writer_fail(w, WN_ENOMEM);
		return false;
	}
	w->buf = p;
	w->cap = ncap;
	return true;
}

/* put appends a header and an optional payload, both or neither. */
static void
put(struct proto_writer *w, const uint8_t *hdr, size_t hlen, const void *data,
    size_t dlen)
{
	if (dlen > SIZE_MAX - hlen) {
		proto_writer_fail(w, WN_ETOOBIG);
		return;
	}
	if (!reserve(w, hlen + dlen))
		return;
	if (hlen > 0)
		memcpy(w->buf + w->len, hdr, hlen);
	if (dlen > 0)
		memcpy(w->buf + w->len + hlen, data, dlen);
	w->len += hlen + dlen;
}

/* Each header encodes into at most 9 bytes, so libcbor never returns 0. */
#define HDR_MAX 9

void
proto_write_uint(struct proto_writer *w, uint64_t v)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_uint(v, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_int(struct proto_writer *w, int64_t v)
{
	uint8_t h[HDR_MAX];
	size_t n;

	if (v >= 0) {
		proto_write_uint(w, (uint64_t)v);
		return;
	}
	/* -1 - v cannot overflow for any negative int64_t. */
	n = cbor_encode_negint((uint64_t)(-1 - v), h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_bool(struct proto_writer *w, bool v)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_bool(v, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_null(struct proto_writer *w)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_null(h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_bytes(struct proto_writer *w, const void *p, size_t len)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_bytestring_start(len, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, p, len);
}

void
proto_write_textn(struct proto_writer *w, const char *s, size_t len)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_string_start(len, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, s, len);
}

void
proto_write_text(struct proto_writer *w, const char *s)
{
	proto_write_textn(w, s, strlen(s));
}

void
proto_write_array(struct proto_writer *w, size_t count)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_array_start(count, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_map(struct proto_writer *w, size_t count)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_map_start(count, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_tag(struct proto_writer *w, uint64_t tag)
{
	uint8_t h[HDR_MAX];
	size_t n = cbor_encode_tag(tag, h, sizeof(h));
	WN_ASSERT(n > 0);
	put(w, h, n, NULL, 0);
}

void
proto_write_raw(struct proto_writer *w, const void *p, size_t len)
{
	put(w, NULL, 0, p, len);
}

void
proto_writer_reset(struct proto_writer *w)
{
	w->len = 0;
	w->overflow = false;
	w->status = WN_OK;
}
