/*
 * transfer.c - the transfer: one nng message carrying 1..64 envelopes as
 * byte strings, with the signed manifest in front when the sender batch
 * signs (see envelope.h, manifest.h and PROTOCOL.md).
 *
 * proto_transfer_encode checks the whole transfer's size against
 * PROTO_FRAME_MAX before it writes anything. Decoding borrows the
 * envelopes' bytes (and the manifest's) from the caller's buffer and
 * leaves each envelope, and the manifest (manifest.c), to its own decoder.
 */
#include "protocol/envelope_int.h"

#include <string.h>

#define set_err proto_error_from
#define too_big proto_error_too_big

void
proto_transfer_encode_begin(struct proto_writer *w, size_t n)
{
	if (n < 1 || n > PROTO_TRANSFER_MAX) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_array(w, n);
}

void
proto_transfer_encode_add(struct proto_writer *w, const void *env, size_t len)
{
	if (env == NULL || len < 1 || len > PROTO_ENVELOPE_MAX) {
		proto_writer_fail(w, WN_EINVAL);
		return;
	}
	proto_write_bytes(w, env, len);
}

wn_err
proto_transfer_encode(const struct proto_transfer *t, struct proto_writer *w)
{
	size_t total = PROTO_TRANSFER_HEAD;

	if (t->n < 1 || t->n > PROTO_TRANSFER_MAX)
		return WN_EINVAL;
	for (size_t i = 0; i < t->n; i++) {
		if (t->env[i] == NULL || t->env_len[i] < 1 ||
		    t->env_len[i] > PROTO_ENVELOPE_MAX)
			return WN_EINVAL;
		total += proto_env_bstr_size(t->env_len[i]);
	}
	if (t->manifest != NULL)
		total += PROTO_TRANSFER_BATCH_HEAD +
		    proto_env_bstr_size(t->manifest_len);
	if (total > PROTO_FRAME_MAX)
		return WN_ETOOBIG;
	if (t->manifest != NULL) {
		proto_write_map(w, 2);
		proto_write_uint(w, 1);
		proto_write_bytes(w, t->manifest, t->manifest_len);
		proto_write_uint(w, 2);
	}
	proto_transfer_encode_begin(w, t->n);
	for (size_t i = 0; i < t->n; i++)
		proto_transfer_encode_add(w, t->env[i], t->env_len[i]);
	return proto_writer_status(w);
}

wn_err
proto_transfer_decode(const void *buf, size_t len, struct proto_transfer *out,
    struct proto_error *err)
{
	struct proto_reader r;
	struct proto_transfer t;
	size_t at, n;
	wn_err rv;

	if (len > PROTO_FRAME_MAX)
		return too_big(err, "transfer", len, PROTO_FRAME_MAX);
	proto_reader_init(&r, buf, len);
	t.manifest = NULL;
	t.manifest_len = 0;
	enum proto_type top;
	if ((rv = proto_peek_type(&r, &top)) != WN_OK)
		goto fail;
	if (top == PROTO_MAP) {
		/* batch signed: {1: manifest, 2: [+ envelope]}, in this order */
		size_t nkeys;
		uint64_t k;
		if ((rv = proto_read_map(&r, &nkeys)) != WN_OK)
			goto fail;
		if (nkeys != 2) {
			rv = proto_reader_fail(&r, 0, "batch transfer needs "
			    "keys 1 and 2");
			goto fail;
		}
		at = r.pos;
		if ((rv = proto_read_uint(&r, &k)) != WN_OK)
			goto fail;
		if (k != 1) {
			rv = proto_reader_fail(&r, at, "expected key 1");
			goto fail;
		}
		at = r.pos;
		if ((rv = proto_read_bytes(&r, &t.manifest, &t.manifest_len)) !=
		    WN_OK)
			goto fail;
		if (t.manifest_len < 1 || t.manifest_len >= PROTO_BODY_MAX) {
			rv = proto_reader_fail(&r, at, "manifest of %zu bytes",
			    t.manifest_len);
			goto fail;
		}
		at = r.pos;
		if ((rv = proto_read_uint(&r, &k)) != WN_OK)
			goto fail;
		if (k != 2) {
			rv = proto_reader_fail(&r, at, "expected key 2");
			goto fail;
		}
	}
	if ((rv = proto_read_array(&r, &n)) != WN_OK)
		goto fail;
	if (n < 1 || n > PROTO_TRANSFER_MAX) {
		rv = proto_reader_fail(&r, 0,
		    "transfer of %zu envelopes, expected 1..%d", n,
		    PROTO_TRANSFER_MAX);
		goto fail;
	}
	t.n = n;
	for (size_t i = 0; i < n; i++) {
		at = r.pos;
		if ((rv = proto_read_bytes(&r, &t.env[i], &t.env_len[i])) !=
		    WN_OK)
			goto fail;
		if (t.env_len[i] < 1) {
			rv = proto_reader_fail(&r, at, "empty envelope");
			goto fail;
		}
		if (t.env_len[i] > PROTO_ENVELOPE_MAX) {
			/* recorded for err; the answer is "too big" */
			if (proto_reader_fail(&r, at, "envelope of %zu bytes "
			    "exceeds the limit of %u", t.env_len[i],
			    PROTO_ENVELOPE_MAX) != WN_OK)
				rv = WN_ETOOBIG;
			goto fail;
		}
	}
	if ((rv = proto_reader_finish(&r)) != WN_OK)
		goto fail;
	out->n = t.n;
	out->manifest = t.manifest;
	out->manifest_len = t.manifest_len;
	memcpy(out->env, t.env, n * sizeof(t.env[0]));
	memcpy(out->env_len, t.env_len, n * sizeof(t.env_len[0]));
	return WN_OK;
fail:
	set_err(err, &r, 0);
	return rv;
}
