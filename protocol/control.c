/*
 * control.c - the control messages between the CLI and the daemon.
 *
 * Requests decode without allocating: a first walk with the pull reader
 * checks everything and keeps borrowed slices of the input, and only a
 * fully valid request is copied into the caller's struct.
 *
 * Replies can carry many rows, so they are decoded in two walks over the
 * same bytes by one function: the first (fill == NULL) checks everything and
 * counts rows, fields and string bytes; then one arena of exactly that size
 * is allocated and the second walk fills it. Every row, field and string
 * costs input bytes, and the reader refuses counts larger than the bytes
 * remaining, so the arena stays proportional to the message actually
 * received and a refused message allocates nothing.
 */
#include "protocol/control.h"

#include <stdio.h>
#include <string.h>

struct slice {
	const char *p;
	size_t len;
};

static bool
slice_eq(const struct slice *a, const struct slice *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static bool
op_valid(const char *p, size_t len)
{
	if (len < 1 || len > PROTO_CTL_OP_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '.'))
			return false;
	}
	return true;
}

/* text_ok checks what the decoder will check of a text we are to send. */
static bool
text_ok(const char *s, size_t len, size_t min, size_t max)
{
	return len >= min && len <= max && memchr(s, '\0', len) == NULL &&
	    proto_utf8_valid((const uint8_t *)s, len);
}

static bool
key_ok(const char *key)
{
	return key != NULL && text_ok(key, strlen(key), 1, PROTO_CTL_KEY_MAX);
}

wn_err
proto_ctl_request_init(struct proto_ctl_request *req, const char *op)
{
	memset(req, 0, sizeof(*req));
	if (op == NULL || !op_valid(op, strlen(op)))
		return WN_EINVAL;
	wn_strlcpy(req->op, op, sizeof(req->op));
	return WN_OK;
}

wn_err
proto_ctl_request_add(struct proto_ctl_request *req, const char *key,
    const char *value)
{
	struct proto_ctl_arg *a;

	if (req->nargs >= PROTO_CTL_MAX_ARGS || !key_ok(key) || value == NULL ||
	    !text_ok(value, strlen(value), 0, PROTO_CTL_VALUE_MAX) ||
	    proto_ctl_request_arg(req, key) != NULL)
		return WN_EINVAL;
	a = &req->args[req->nargs];
	wn_strlcpy(a->key, key, sizeof(a->key));
	wn_strlcpy(a->value, value, sizeof(a->value));
	req->nargs++;
	return WN_OK;
}

const char *
proto_ctl_request_arg(const struct proto_ctl_request *req, const char *key)
{
	for (size_t i = 0; i < req->nargs && i < PROTO_CTL_MAX_ARGS; i++) {
		if (strcmp(req->args[i].key, key) == 0)
			return req->args[i].value;
	}
	return NULL;
}

wn_err
proto_ctl_request_encode(const struct proto_ctl_request *req,
    struct proto_writer *w)
{
	const struct proto_ctl_arg *a;

	/* strnlen: the struct may come from anywhere in the caller. */
	if (!op_valid(req->op, strnlen(req->op, sizeof(req->op))) ||
	    req->nargs > PROTO_CTL_MAX_ARGS)
		return WN_EINVAL;
	for (size_t i = 0; i < req->nargs; i++) {
		a = &req->args[i];
		if (!text_ok(a->key, strnlen(a->key, sizeof(a->key)), 1,
		        PROTO_CTL_KEY_MAX) ||
		    !text_ok(a->value, strnlen(a->value, sizeof(a->value)), 0,
		        PROTO_CTL_VALUE_MAX))
			return WN_EINVAL;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(req->args[j].key, a->key) == 0)
				return WN_EINVAL;
		}
	}

	proto_write_map(w, req->nargs > 0 ? 2 : 1);
	proto_write_uint(w, 1);
	proto_write_text(w, req->op);
	if (req->nargs > 0) {
		proto_write_uint(w, 2);
		proto_write_map(w, req->nargs);
		for (size_t i = 0; i < req->nargs; i++) {
			proto_write_text(w, req->args[i].key);
			proto_write_text(w, req->args[i].value);
		}
	}
	return proto_writer_status(w);
}

/* A decoded request, borrowing from the input. */
struct req_view {
	struct slice op;
	size_t nargs;
	struct slice key[PROTO_CTL_MAX_ARGS];
	struct slice value[PROTO_CTL_MAX_ARGS];
	size_t value_at[PROTO_CTL_MAX_ARGS]; /* offset of each value item */
};

static wn_err
read_slice(struct proto_reader *r, struct slice *s)
{
	return proto_read_text(r, &s->p, &s->len);
}

/* name_arg puts the name of the argument whose value failed to decode in
 * front of the reader's reason (never the value: it can be kilobytes). */
static wn_err
name_arg(struct proto_reader *r, const struct slice *key, wn_err rv)
{
	char msg[sizeof(r->err.msg)];
	if (r->failed) {
		snprintf(msg, sizeof(msg), "arg '%.*s': %s", (int)key->len,
		    key->p, r->err.msg);
		wn_strlcpy(r->err.msg, msg, sizeof(r->err.msg));
	}
	return rv;
}

static bool
ascii(const struct slice *s)
{
	for (size_t i = 0; i < s->len; i++)
		if ((unsigned char)s->p[i] >= 0x80)
			return false;
	return true;
}

/* nfc_args normalises every value to NFC into dst (NULL: only check that
 * each fits). ASCII is NFC already and is copied as it is. */
static wn_err
nfc_args(struct proto_reader *r, const struct req_view *v,
    struct proto_ctl_request *dst)
{
	char tmp[PROTO_CTL_VALUE_MAX + 1];
	const struct slice *val;
	wn_err rv;

	for (size_t i = 0; i < v->nargs; i++) {
		val = &v->value[i];
		if (ascii(val)) {
			if (dst != NULL && val->len > 0)
				memcpy(dst->args[i].value, val->p, val->len);
			continue;
		}
		rv = wn_text_nfc(val->p, val->len,
		    dst != NULL ? dst->args[i].value : tmp, sizeof(tmp), NULL);
		if (rv == WN_ETOOBIG)
			rv = proto_reader_fail(r, v->value_at[i],
			    "arg '%.*s' longer than %d bytes in NFC",
			    (int)v->key[i].len, v->key[i].p,
			    PROTO_CTL_VALUE_MAX);
		else if (rv == WN_EINVAL)
			rv = proto_reader_fail(r, v->value_at[i],
			    "arg '%.*s': invalid UTF-8", (int)v->key[i].len,
			    v->key[i].p);
		if (rv != WN_OK)
			return rv;
	}
	return WN_OK;
}

static wn_err
read_args(struct proto_reader *r, struct req_view *v)
{
	size_t at = r->pos, n;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n > PROTO_CTL_MAX_ARGS)
		return proto_reader_fail(r, at, "%zu args, at most %d", n,
		    PROTO_CTL_MAX_ARGS);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = read_slice(r, &v->key[i])) != WN_OK)
			return rv;
		if (v->key[i].len < 1 || v->key[i].len > PROTO_CTL_KEY_MAX)
			return proto_reader_fail(r, at,
			    "arg key must be 1..%d bytes", PROTO_CTL_KEY_MAX);
		for (size_t j = 0; j < i; j++) {
			if (slice_eq(&v->key[i], &v->key[j]))
				return proto_reader_fail(r, at,
				    "duplicate arg key");
		}
		at = v->value_at[i] = r->pos;
		if ((rv = read_slice(r, &v->value[i])) != WN_OK)
			return name_arg(r, &v->key[i], rv);
		if (v->value[i].len > PROTO_CTL_VALUE_MAX)
			return proto_reader_fail(r, at,
			    "arg '%.*s' longer than %d bytes",
			    (int)v->key[i].len, v->key[i].p,
			    PROTO_CTL_VALUE_MAX);
	}
	v->nargs = n;
	return WN_OK;
}

static wn_err
decode_request(struct proto_reader *r, struct req_view *v)
{
	size_t start = r->pos, at, n;
	uint64_t seen = 0, key;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n > 2)
		return proto_reader_fail(r, start,
		    "request has %zu keys, at most 2", n);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_read_uint(r, &key)) != WN_OK)
			return rv;
		if (key < 1 || key > 2)
			return proto_reader_fail(r, at, "unknown key %llu",
			    (unsigned long long)key);
		if (!proto_keyset_add(&seen, key))
			return proto_reader_fail(r, at, "duplicate key %llu",
			    (unsigned long long)key);
		at = r->pos;
		if (key == 1) {
			if ((rv = read_slice(r, &v->op)) != WN_OK)
				return rv;
			if (!op_valid(v->op.p, v->op.len))
				return proto_reader_fail(r, at,
				    "op must be 1..%d bytes of [a-z.]",
				    PROTO_CTL_OP_MAX);
		} else if ((rv = read_args(r, v)) != WN_OK) {
			return rv;
		}
	}
	if (!(seen & (UINT64_C(1) << 1)))
		return proto_reader_fail(r, start, "missing key 1 (op)");
	return proto_reader_finish(r);
}

wn_err
proto_ctl_request_decode(const void *buf, size_t len,
    struct proto_ctl_request *out, struct proto_error *err)
{
	struct proto_reader r;
	struct req_view v;
	wn_err rv;

	memset(&v, 0, sizeof(v));
	proto_reader_init(&r, buf, len);
	if ((rv = decode_request(&r, &v)) != WN_OK ||
	    (rv = nfc_args(&r, &v, NULL)) != WN_OK) {
		if (err != NULL && rv == WN_ENOMEM) {
			err->offset = 0;
			wn_strlcpy(err->msg, "out of memory", sizeof(err->msg));
		} else if (err != NULL) {
			*err = r.err;
		}
		return rv;
	}
	/* The zeroing terminates every string copied below. */
	memset(out, 0, sizeof(*out));
	memcpy(out->op, v.op.p, v.op.len);
	for (size_t i = 0; i < v.nargs; i++)
		memcpy(out->args[i].key, v.key[i].p, v.key[i].len);
	/* checked above: only memory can fail now */
	if ((rv = nfc_args(&r, &v, out)) != WN_OK) {
		memset(out, 0, sizeof(*out));
		if (err != NULL) {
			err->offset = 0;
			wn_strlcpy(err->msg, "out of memory", sizeof(err->msg));
		}
		return rv;
	}
	out->nargs = v.nargs;
	return WN_OK;
}

void
proto_ctl_reply_begin(struct proto_writer *w, wn_err status,
    const char *message, size_t nrows)
{
	size_t len;

	if (message == NULL)
		message = "";
	len = strlen(message);
	if ((unsigned)status > PROTO_CTL_MAX_STATUS ||
	    nrows > PROTO_CTL_MAX_ROWS ||
	    !proto_utf8_valid((const uint8_t *)message, len)) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	if (len > PROTO_CTL_MESSAGE_MAX) {
		/* Back off to the start of a character so it stays UTF-8. */
		len = PROTO_CTL_MESSAGE_MAX;
		while (len > 0 && ((uint8_t)message[len] & 0xc0) == 0x80)
			len--;
	}
	proto_write_map(w, nrows > 0 ? 3 : 2);
	proto_write_uint(w, 1);
	proto_write_uint(w, (unsigned)status);
	proto_write_uint(w, 2);
	proto_write_textn(w, message, len);
	if (nrows > 0) {
		proto_write_uint(w, 3);
		proto_write_array(w, nrows);
	}
}

void
proto_ctl_row_begin(struct proto_writer *w, size_t nfields)
{
	if (nfields > PROTO_CTL_MAX_FIELDS) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_map(w, nfields);
}

void
proto_ctl_field_text(struct proto_writer *w, const char *key,
    const char *value)
{
	if (!key_ok(key) || value == NULL ||
	    !text_ok(value, strlen(value), 0, PROTO_CTL_FIELD_TEXT_MAX)) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_text(w, key);
	proto_write_text(w, value);
}

void
proto_ctl_field_int(struct proto_writer *w, const char *key, int64_t value)
{
	if (!key_ok(key)) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_text(w, key);
	proto_write_int(w, value);
}

void
proto_ctl_field_bool(struct proto_writer *w, const char *key, bool value)
{
	if (!key_ok(key)) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_text(w, key);
	proto_write_bool(w, value);
}

/* Sizes found by the first walk; cursors into the arena in the second. */
struct counts {
	size_t nrows, nfields, nchars;
};

/* The arena being filled by the second walk. */
struct fill {
	struct proto_ctl_row *rows;
	struct proto_ctl_field *fields;
	char *chars;
};

_Static_assert(sizeof(struct proto_ctl_row) %
    _Alignof(struct proto_ctl_field) == 0, "fields follow rows in the arena");

/* add_chars counts a NUL-terminated copy of s and, when filling, makes it. */
static const char *
add_chars(struct fill *f, struct counts *c, const struct slice *s)
{
	char *p = NULL;

	if (f != NULL) {
		p = f->chars + c->nchars;
		if (s->len > 0)
			memcpy(p, s->p, s->len);
		p[s->len] = '\0';
	}
	c->nchars += s->len + 1;
	return p;
}

/* decode_field reads one key and value into *fl, *key and (for text
 * values) *text, all borrowing from the input. */
static wn_err
decode_field(struct proto_reader *r, struct proto_ctl_field *fl,
    struct slice *key, struct slice *text, const struct slice *prev,
    size_t nprev)
{
	enum proto_type type;
	size_t at = r->pos;
	wn_err rv;

	if ((rv = read_slice(r, key)) != WN_OK)
		return rv;
	if (key->len < 1 || key->len > PROTO_CTL_KEY_MAX)
		return proto_reader_fail(r, at, "row key must be 1..%d bytes",
		    PROTO_CTL_KEY_MAX);
	for (size_t j = 0; j < nprev; j++) {
		if (slice_eq(key, &prev[j]))
			return proto_reader_fail(r, at, "duplicate row key");
	}
	at = r->pos;
	if ((rv = proto_peek_type(r, &type)) != WN_OK)
		return rv;
	switch (type) {
	case PROTO_TEXT:
		if ((rv = read_slice(r, text)) != WN_OK)
			return rv;
		if (text->len > PROTO_CTL_FIELD_TEXT_MAX)
			return proto_reader_fail(r, at,
			    "row text longer than %d bytes",
			    PROTO_CTL_FIELD_TEXT_MAX);
		fl->type = PROTO_CTL_TEXT;
		return WN_OK;
	case PROTO_UINT:
	case PROTO_NEGINT:
		fl->type = PROTO_CTL_INT;
		return proto_read_int(r, &fl->i);
	case PROTO_BOOL:
		fl->type = PROTO_CTL_BOOL;
		return proto_read_bool(r, &fl->b);
	default:
		return proto_reader_fail(r, at,
		    "row value must be int, text or bool, found %s",
		    proto_type_name(type));
	}
}

static wn_err
decode_row(struct proto_reader *r, struct fill *f, struct counts *c)
{
	struct slice keys[PROTO_CTL_MAX_FIELDS], text;
	struct proto_ctl_field fl;
	size_t at = r->pos, n;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n > PROTO_CTL_MAX_FIELDS)
		return proto_reader_fail(r, at,
		    "row has %zu fields, at most %d", n, PROTO_CTL_MAX_FIELDS);
	if (f != NULL) {
		f->rows[c->nrows].nfields = n;
		f->rows[c->nrows].fields = n > 0 ? f->fields + c->nfields :
		    NULL;
	}
	for (size_t i = 0; i < n; i++) {
		memset(&fl, 0, sizeof(fl));
		rv = decode_field(r, &fl, &keys[i], &text, keys, i);
		if (rv != WN_OK)
			return rv;
		fl.key = add_chars(f, c, &keys[i]);
		if (fl.type == PROTO_CTL_TEXT)
			fl.text = add_chars(f, c, &text);
		if (f != NULL)
			f->fields[c->nfields] = fl;
		c->nfields++;
	}
	c->nrows++;
	return WN_OK;
}

static wn_err
decode_reply(struct proto_reader *r, struct proto_ctl_reply *out,
    struct fill *f, struct counts *c)
{
	size_t start = r->pos, at, n, nrows;
	uint64_t seen = 0, key, status;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n > 3)
		return proto_reader_fail(r, start,
		    "reply has %zu keys, at most 3", n);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_read_uint(r, &key)) != WN_OK)
			return rv;
		if (key < 1 || key > 3)
			return proto_reader_fail(r, at, "unknown key %llu",
			    (unsigned long long)key);
		if (!proto_keyset_add(&seen, key))
			return proto_reader_fail(r, at, "duplicate key %llu",
			    (unsigned long long)key);
		at = r->pos;
		switch (key) {
		case 1:
			if ((rv = proto_read_uint(r, &status)) != WN_OK)
				return rv;
			if (status > PROTO_CTL_MAX_STATUS)
				return proto_reader_fail(r, at,
				    "status %llu out of range",
				    (unsigned long long)status);
			out->status = (wn_err)status;
			break;
		case 2:
			rv = proto_read_text_copy(r, out->message,
			    sizeof(out->message));
			if (rv != WN_OK)
				return rv;
			break;
		default:
			if ((rv = proto_read_array(r, &nrows)) != WN_OK)
				return rv;
			if (nrows > PROTO_CTL_MAX_ROWS)
				return proto_reader_fail(r, at,
				    "%zu rows, at most %d", nrows,
				    PROTO_CTL_MAX_ROWS);
			for (size_t j = 0; j < nrows; j++) {
				if ((rv = decode_row(r, f, c)) != WN_OK)
					return rv;
			}
			break;
		}
	}
	if (!(seen & (UINT64_C(1) << 1)))
		return proto_reader_fail(r, start, "missing key 1 (status)");
	if (!(seen & (UINT64_C(1) << 2)))
		return proto_reader_fail(r, start, "missing key 2 (message)");
	return proto_reader_finish(r);
}

wn_err
proto_ctl_reply_decode(const void *buf, size_t len,
    struct proto_ctl_reply *out, struct proto_error *err)
{
	struct proto_reader r;
	struct proto_ctl_reply tmp;
	struct counts c = {0}, c2 = {0};
	struct fill f = {0};
	size_t rows_size, fields_size, size;
	char *arena = NULL;
	wn_err rv;

	memset(&tmp, 0, sizeof(tmp));
	proto_reader_init(&r, buf, len);
	if ((rv = decode_reply(&r, &tmp, NULL, &c)) != WN_OK)
		goto out;

	/* Each count is below len, so these cannot overflow. */
	rows_size = c.nrows * sizeof(struct proto_ctl_row);
	fields_size = c.nfields * sizeof(struct proto_ctl_field);
	size = rows_size + fields_size + c.nchars;
	if (size > 0) {
		if ((arena = proto_malloc(size)) == NULL) {
			rv = WN_ENOMEM;
			goto out;
		}
		f.rows = (struct proto_ctl_row *)(void *)arena;
		f.fields = (struct proto_ctl_field *)(void *)(arena +
		    rows_size);
		f.chars = arena + rows_size + fields_size;
	}

	proto_reader_init(&r, buf, len);
	if ((rv = decode_reply(&r, &tmp, &f, &c2)) != WN_OK)
		goto out;
	WN_ASSERT(c2.nrows == c.nrows && c2.nfields == c.nfields &&
	    c2.nchars == c.nchars);
	tmp.nrows = c.nrows;
	tmp.rows = c.nrows > 0 ? f.rows : NULL;
	tmp.arena = arena;
	arena = NULL;
	*out = tmp;

out:
	if (err != NULL && rv == WN_EPROTO) {
		*err = r.err;
	} else if (err != NULL && rv == WN_ENOMEM) {
		err->offset = 0;
		wn_strlcpy(err->msg, "out of memory", sizeof(err->msg));
	}
	proto_free(arena);
	return rv;
}

void
proto_ctl_reply_release(struct proto_ctl_reply *reply)
{
	proto_free(reply->arena);
	memset(reply, 0, sizeof(*reply));
}

const struct proto_ctl_field *
proto_ctl_row_get(const struct proto_ctl_row *row, const char *key)
{
	for (size_t i = 0; i < row->nfields; i++) {
		if (strcmp(row->fields[i].key, key) == 0)
			return &row->fields[i];
	}
	return NULL;
}
