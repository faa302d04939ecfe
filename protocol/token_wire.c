/*
 * token_wire.c - encoders and strict decoders of TOKEN_REQUEST and
 * TOKEN_ANSWER (token_wire.h): maps of small uint keys in ascending order,
 * the elements an array of 32-byte strings, each checked to be a
 * canonical ristretto255 element before the body is accepted.
 */
#include "protocol/token_wire.h"

#include <string.h>

#define MAX_BODY (PROTO_BODY_MAX - 1)
#define BIT(k) (UINT64_C(1) << (k))

static bool
elements_ok(const uint8_t (*el)[SEC_OPRF_ELEMENT_LEN], size_t count)
{
	if (count < 1 || count > PROTO_TOKEN_BATCH_MAX)
		return false;
	for (size_t i = 0; i < count; i++)
		if (!sec_oprf_element_valid(el[i]))
			return false;
	return true;
}

static void
write_elements(struct proto_writer *w,
    const uint8_t (*el)[SEC_OPRF_ELEMENT_LEN], size_t count)
{
	proto_write_array(w, count);
	for (size_t i = 0; i < count; i++)
		proto_write_bytes(w, el[i], SEC_OPRF_ELEMENT_LEN);
}

/* read_elements reads the array into el, checking each element */
static wn_err
read_elements(struct proto_reader *r, uint8_t (*el)[SEC_OPRF_ELEMENT_LEN],
    size_t *count)
{
	size_t n = 0, at = r->pos;
	wn_err rv = proto_read_array(r, &n);
	if (rv != WN_OK)
		return rv;
	if (n == 0)
		return proto_reader_fail(r, at, "no element");
	if (n > PROTO_TOKEN_BATCH_MAX)
		return proto_reader_fail(r, at, "more than %d elements",
		    PROTO_TOKEN_BATCH_MAX);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_read_bytes_exact(r, el[i],
			 SEC_OPRF_ELEMENT_LEN)) != WN_OK)
			return rv;
		if (!sec_oprf_element_valid(el[i]))
			return proto_reader_fail(r, at, "element %zu is not a "
			    "canonical ristretto255 element", i);
	}
	*count = n;
	return WN_OK;
}

wn_err
proto_token_request_encode(const struct proto_token_request *q,
    struct proto_writer *w)
{
	if (!elements_ok((const uint8_t (*)[SEC_OPRF_ELEMENT_LEN])q->el,
		q->count))
		return WN_EINVAL;
	proto_write_map(w, 2);
	proto_write_uint(w, 1);
	proto_write_bytes(w, q->id, PROTO_TOKEN_ID_LEN);
	proto_write_uint(w, 2);
	write_elements(w, (const uint8_t (*)[SEC_OPRF_ELEMENT_LEN])q->el,
	    q->count);
	return proto_writer_status(w);
}

static bool
answer_ok(const struct proto_token_answer *a)
{
	if (a->code != 0)
		return a->code <= 255 && a->epoch == 0 && a->count == 0;
	return a->epoch >= 1 && a->epoch <= PROTO_TOKEN_KEY_ID_MAX &&
	    a->limit == 0 &&
	    elements_ok((const uint8_t (*)[SEC_OPRF_ELEMENT_LEN])a->el,
		a->count);
}

wn_err
proto_token_answer_encode(const struct proto_token_answer *a,
    struct proto_writer *w)
{
	if (!answer_ok(a))
		return WN_EINVAL;
	proto_write_map(w, a->code == 0 ? 3 : 2 + (a->limit != 0));
	proto_write_uint(w, 1);
	proto_write_bytes(w, a->id, PROTO_TOKEN_ID_LEN);
	if (a->code == 0) {
		proto_write_uint(w, 2);
		proto_write_uint(w, a->epoch);
		proto_write_uint(w, 3);
		write_elements(w,
		    (const uint8_t (*)[SEC_OPRF_ELEMENT_LEN])a->el, a->count);
	} else {
		proto_write_uint(w, 4);
		proto_write_uint(w, a->code);
		if (a->limit != 0) {
			proto_write_uint(w, 5);
			proto_write_uint(w, a->limit);
		}
	}
	return proto_writer_status(w);
}

wn_err
proto_token_request_decode(const void *buf, size_t len,
    struct proto_token_request *out, struct proto_error *err)
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
	for (size_t i = 0; rv == WN_OK && i < n; i++) {
		if ((rv = proto_read_key(&r, BIT(1) | BIT(2), &last, &seen,
			 &key)) != WN_OK)
			break;
		rv = key == 1 ? proto_read_bytes_exact(&r, out->id,
				    PROTO_TOKEN_ID_LEN)
			      : read_elements(&r, out->el, &out->count);
	}
	if (rv == WN_OK && seen != (BIT(1) | BIT(2)))
		rv = proto_reader_fail(&r, r.pos, "a required key is missing");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

static wn_err
answer_value(struct proto_reader *r, uint64_t key,
    struct proto_token_answer *out)
{
	uint64_t v = 0;
	size_t at = r->pos;
	wn_err rv;
	switch (key) {
	case 1:
		return proto_read_bytes_exact(r, out->id, PROTO_TOKEN_ID_LEN);
	case 2:
		if ((rv = proto_read_uint_max(r, PROTO_TOKEN_KEY_ID_MAX,
			 &out->epoch)) ==
			WN_OK &&
		    out->epoch == 0)
			rv = proto_reader_fail(r, at, "key epoch 0");
		return rv;
	case 3:
		return read_elements(r, out->el, &out->count);
	case 4:
		if ((rv = proto_read_uint_max(r, 255, &v)) == WN_OK && v == 0)
			rv = proto_reader_fail(r, at, "refusal code 0");
		out->code = (uint32_t)v;
		return rv;
	default:
		if ((rv = proto_read_uint_max(r, INT64_MAX, &out->limit)) ==
			WN_OK &&
		    out->limit == 0)
			rv = proto_reader_fail(r, at, "limit 0");
		return rv;
	}
}

wn_err
proto_token_answer_decode(const void *buf, size_t len,
    struct proto_token_answer *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t seen = 0, key = 0, last = 0;
	const uint64_t may = BIT(1) | BIT(2) | BIT(3) | BIT(4) | BIT(5);
	size_t n = 0;
	wn_err rv;
	if (len > MAX_BODY)
		return WN_ETOOBIG;
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = proto_read_map(&r, &n);
	for (size_t i = 0; rv == WN_OK && i < n; i++)
		if ((rv = proto_read_key(&r, may, &last, &seen, &key)) == WN_OK)
			rv = answer_value(&r, key, out);
	if (rv == WN_OK && seen != (BIT(1) | BIT(2) | BIT(3)) &&
	    seen != (BIT(1) | BIT(4)) && seen != (BIT(1) | BIT(4) | BIT(5)))
		rv = proto_reader_fail(&r, 0, "an answer holds the id and "
		    "either the epoch and elements or a refusal code");
	if (rv == WN_OK)
		rv = proto_reader_finish(&r);
	if (rv != WN_OK && err != NULL)
		*err = r.err;
	if (rv != WN_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}
