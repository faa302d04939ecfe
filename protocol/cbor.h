/*
 * cbor.h - strict, allocation-free CBOR pull reader and canonical writer.
 *
 * The reader walks a caller-owned buffer one item header at a time and never
 * allocates; strings are borrowed from the input. It accepts only the
 * deterministic subset wijknet speaks: definite lengths, shortest-form
 * integers, lengths and tags, no floats, no undefined, no simple values other
 * than true/false/null, valid UTF-8 in text. Every failure is WN_EPROTO with
 * the byte offset of the offending item header and a message in r->err; the
 * first error is sticky, so later calls on the same reader fail too.
 *
 * Struct decoders built on the reader must refuse duplicate map keys
 * (proto_keyset_add for small integer keys) and unknown keys, and must call
 * proto_reader_finish to refuse trailing bytes.
 *
 * The writer emits canonical CBOR into a fixed buffer or a growing heap
 * buffer. Write calls return nothing; the first failure is sticky and is
 * reported once by proto_writer_status.
 *
 * Nothing here is shared between threads: one reader or writer per thread.
 */
#ifndef PROTO_CBOR_H
#define PROTO_CBOR_H

#include "config/wn.h"

#define PROTO_MAX_DEPTH 16

struct proto_error {
	size_t offset; /* byte offset into the input where decoding failed */
	char msg[128];
};

struct proto_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	struct proto_error err;
	bool failed; /* err is set; every later call fails */
};

enum proto_type {
	PROTO_UINT,
	PROTO_NEGINT,
	PROTO_BYTES,
	PROTO_TEXT,
	PROTO_ARRAY,
	PROTO_MAP,
	PROTO_TAG,
	PROTO_BOOL,
	PROTO_NULL,
};

struct proto_item {
	enum proto_type type;
	size_t offset; /* of the item header */
	uint64_t u; /* uint value; negint: value is -1-u; array/map: count;
	               tag: number; bytes/text: length */
	bool b;
	const uint8_t *data; /* bytes/text, borrowed from the input */
	size_t len;
};

/* proto_reader_init points r at buf[0..len). buf is borrowed and must
 * outlive r and every pointer read from it. */
void proto_reader_init(struct proto_reader *r, const void *buf, size_t len);

/* proto_type_name returns a static name such as "uint" or "text". */
const char *proto_type_name(enum proto_type type);

/* proto_read decodes the next item header into *out and moves past it (for
 * bytes/text: past the whole string; for arrays, maps and tags the children
 * follow). WN_EPROTO with r->err set on truncated, malformed or
 * non-canonical input, or any item outside the accepted subset. */
WN_NODISCARD wn_err proto_read(struct proto_reader *r, struct proto_item *out);

/* proto_peek_type reports the type of the next item without consuming it.
 * WN_EPROTO (sticky) if that item is invalid. */
WN_NODISCARD wn_err proto_peek_type(struct proto_reader *r,
    enum proto_type *out);

/* The typed readers below each consume one item header of the named type
 * and fail with WN_EPROTO ("expected X, found Y") on any other type. */

/* proto_read_uint reads an unsigned integer; proto_read_uint_max one of
 * at most max (above it: WN_EPROTO, "N is over MAX", at its offset). */
WN_NODISCARD wn_err proto_read_uint(struct proto_reader *r, uint64_t *out);
WN_NODISCARD wn_err proto_read_uint_max(struct proto_reader *r, uint64_t max,
    uint64_t *out);
/* proto_read_key reads the next integer key of a map whose keys come in
 * canonical (ascending) order: one of `may` (bit k: key k may appear,
 * k <= 63), above *last. It moves *last on and sets the key's bit in *seen
 * (seen may be NULL). Else "key K out of order (after L)" (repeated
 * too) or "unknown key K". */
WN_NODISCARD wn_err proto_read_key(struct proto_reader *r, uint64_t may,
    uint64_t *last, uint64_t *seen, uint64_t *key);
/* proto_read_int reads a uint or negint that fits in int64_t. */
WN_NODISCARD wn_err proto_read_int(struct proto_reader *r, int64_t *out);
/* proto_read_bool reads true or false. */
WN_NODISCARD wn_err proto_read_bool(struct proto_reader *r, bool *out);
/* proto_read_bytes borrows a byte string from the input. */
WN_NODISCARD wn_err proto_read_bytes(struct proto_reader *r,
    const uint8_t **p, size_t *len);
/* proto_read_bytes_exact copies a byte string that must be exactly len
 * bytes long into dst; dst is untouched on error. */
WN_NODISCARD wn_err proto_read_bytes_exact(struct proto_reader *r, void *dst,
    size_t len);
/* proto_read_text borrows a text string (valid UTF-8, no NUL byte); it is
 * not NUL-terminated. */
WN_NODISCARD wn_err proto_read_text(struct proto_reader *r, const char **p,
    size_t *len);
/* proto_read_text_copy copies a text string with its NUL into dst; an error
 * if its length is >= cap. dst is untouched on error. */
WN_NODISCARD wn_err proto_read_text_copy(struct proto_reader *r, char *dst,
    size_t cap);
/* proto_read_array reads an array header; *count items follow. */
WN_NODISCARD wn_err proto_read_array(struct proto_reader *r, size_t *count);
/* proto_read_map reads a map header; *count key/value pairs follow. */
WN_NODISCARD wn_err proto_read_map(struct proto_reader *r, size_t *count);
/* proto_read_tag reads a tag header; one item follows. */
WN_NODISCARD wn_err proto_read_tag(struct proto_reader *r, uint64_t *tag);

/* proto_skip consumes one complete item with all its children. Nesting of
 * more than PROTO_MAX_DEPTH arrays, maps and tags is an error. Iterative. */
WN_NODISCARD wn_err proto_skip(struct proto_reader *r);

/* proto_reader_finish fails with "trailing bytes" unless the whole input
 * was consumed. */
WN_NODISCARD wn_err proto_reader_finish(struct proto_reader *r);

/* proto_validate pre-scans a whole buffer: exactly one item in the accepted
 * subset, nesting within PROTO_MAX_DEPTH, no trailing bytes. WN_ETOOBIG if
 * len > max_len, WN_EPROTO otherwise. For the offset and message of the
 * error run proto_skip and proto_reader_finish on a reader instead. */
WN_NODISCARD wn_err proto_validate(const void *buf, size_t len,
    size_t max_len);

/* proto_error_from copies r's error into *err (if not NULL), its offset
 * moved by base bytes (for a reader over a part of a larger input).
 * proto_error_too_big fills *err for an input of len bytes over max and
 * returns WN_ETOOBIG. Decoders of every message type share them. */
void proto_error_from(struct proto_error *err, const struct proto_reader *r,
    size_t base);
wn_err proto_error_too_big(struct proto_error *err, const char *what,
    size_t len, size_t max);

/* proto_reader_fail records an error at offset unless one is recorded
 * already, and returns WN_EPROTO; for decoders built on the reader that
 * find a well-formed item they must refuse. */
WN_NODISCARD wn_err proto_reader_fail(struct proto_reader *r, size_t offset,
    const char *fmt, ...) WN_PRINTF(3, 4);

/* proto_keyset_add records key in *seen_mask; false if key > 63 or it was
 * already recorded. Decoders use it to refuse duplicate (and out-of-range)
 * integer map keys: every decoder must refuse duplicates, since libcbor and
 * other encoders accept them and they make re-encoding ambiguous. */
bool proto_keyset_add(uint64_t *seen_mask, uint64_t key);

/* proto_utf8_valid is true if p[0..len) is well-formed UTF-8 (no overlong
 * forms, surrogates or code points above U+10FFFF). */
bool proto_utf8_valid(const uint8_t *p, size_t len);

struct proto_writer {
	uint8_t *buf;
	size_t len, cap, max;
	bool dynamic;
	bool overflow; /* something did not fit */
	wn_err status; /* first failure, sticky */
};

/* proto_writer_init writes into the caller's buf[0..cap); nothing is
 * allocated and proto_writer_release is optional. */
void proto_writer_init(struct proto_writer *w, void *buf, size_t cap);

/* proto_writer_init_dynamic starts a heap buffer of initial bytes that grows
 * with realloc up to max bytes. WN_EINVAL if initial > max, WN_ENOMEM if the
 * first allocation fails (w is then zeroed). The caller releases it with
 * proto_writer_release; w->buf and w->len hold the output until then. */
WN_NODISCARD wn_err proto_writer_init_dynamic(struct proto_writer *w,
    size_t initial, size_t max);

/* proto_writer_release frees a dynamic buffer and zeroes w. Accepts an
 * already released or zeroed writer and fixed-buffer writers. */
void proto_writer_release(struct proto_writer *w);

/* proto_writer_fail records err as w's status unless a failure is already
 * recorded; later writes do nothing. For encoders that find an argument
 * outside the protocol's limits. */
void proto_writer_fail(struct proto_writer *w, wn_err err);

/* proto_writer_reset empties w (keeping its buffer) and clears a failure. */
void proto_writer_reset(struct proto_writer *w);

/*
 * The write calls append one canonical (shortest-form, definite-length)
 * item, or for arrays, maps and tags its header: the caller then writes the
 * children. They do nothing once the writer has failed, and a write that
 * does not fit leaves nothing of itself behind. Pointers are borrowed for
 * the call only.
 */
/* proto_write_uint writes an unsigned integer. */
void proto_write_uint(struct proto_writer *w, uint64_t v);
/* proto_write_int writes v as a uint or a negint. */
void proto_write_int(struct proto_writer *w, int64_t v);
/* proto_write_bool writes true or false. */
void proto_write_bool(struct proto_writer *w, bool v);
/* proto_write_null writes null. */
void proto_write_null(struct proto_writer *w);
/* proto_write_bytes writes a byte string of p[0..len). */
void proto_write_bytes(struct proto_writer *w, const void *p, size_t len);
/* proto_write_text writes strlen(s) bytes of s (not NULL) as text. The
 * caller ensures valid UTF-8: the reader refuses anything else. */
void proto_write_text(struct proto_writer *w, const char *s);
/* proto_write_textn writes s[0..len) as text; UTF-8 as above. */
void proto_write_textn(struct proto_writer *w, const char *s, size_t len);
/* proto_write_array writes an array header; count items must follow. */
void proto_write_array(struct proto_writer *w, size_t count);
/* proto_write_map writes a map header; count key/value pairs must follow. */
void proto_write_map(struct proto_writer *w, size_t count);
/* proto_write_tag writes a tag header; one item must follow. */
void proto_write_tag(struct proto_writer *w, uint64_t tag);
/* proto_write_raw appends pre-encoded CBOR verbatim, unchecked. */
void proto_write_raw(struct proto_writer *w, const void *p, size_t len);

/* proto_writer_status is WN_OK while everything fit; then the first failure:
 * WN_ETOOBIG once anything did not fit in cap (fixed) or max (dynamic),
 * WN_ENOMEM if growing failed, or what proto_writer_fail recorded. */
WN_NODISCARD wn_err proto_writer_status(const struct proto_writer *w);

/* proto_set_allocs replaces malloc, realloc and free for the protocol
 * module (the dynamic writer and the control reply decoder); NULL restores
 * the defaults. For tests that count or fail allocations; not thread safe. */
void proto_set_allocs(void *(*alloc)(size_t), void *(*resize)(void *, size_t),
    void (*release)(void *));
/* proto_malloc, proto_realloc and proto_free call the functions set above;
 * the caller owns what they return, proto_free accepts NULL. */
void *proto_malloc(size_t size);
void *proto_realloc(void *p, size_t size);
void proto_free(void *p);

#endif
