/*
 * manifest.c - the signed manifest of a batch-signed transfer (see
 * manifest.h for the design).
 *
 *   manifest = {1: org_id from, 2: org_id to, 3: int ts, 4: [1*64 bstr32],
 *               ? 5: uint after (>= 1)}
 */
#include "protocol/manifest.h"

#include <string.h>

/* the protected header {1: -8, "t": 15}, as proto_signed_decode wants it */
static const uint8_t prot[] = {0xa2, 0x01, 0x27, 0x61, 't', 0x0f};

void
proto_envelope_hash(const void *env, size_t len, uint8_t out[SEC_HASH_LEN])
{
	struct sec_part p = {env, len};
	sec_hash(out, &p, 1);
}

void
proto_transfer_hash(const uint8_t *manifest, size_t manifest_len,
    const void *frame, size_t len, uint8_t out[SEC_HASH_LEN])
{
	struct sec_part p = {manifest, manifest_len};
	if (manifest == NULL) {
		p.p = frame;
		p.len = len;
	}
	/* keyed: a transfer's hash is never an envelope's (plain BLAKE2b) */
	sec_hash_domain(out, "wijknet-xfer", &p, 1);
}

wn_err
proto_manifest_sign(const struct proto_manifest *m, proto_sign_fn sign,
    void *ctx, struct proto_writer *w)
{
	uint8_t buf[64 + 64 + 16 + PROTO_TRANSFER_MAX * (SEC_HASH_LEN + 2) +
	    48];
	struct proto_writer pw;
	if (m->n < 1 || m->n > PROTO_TRANSFER_MAX ||
	    !proto_org_id_valid(m->from, strlen(m->from)) ||
	    !proto_org_id_valid(m->to, strlen(m->to)))
		return WN_EINVAL;
	proto_writer_init(&pw, buf, sizeof(buf));
	proto_write_map(&pw, m->after > 0 ? 5 : 4);
	proto_write_uint(&pw, 1);
	proto_write_text(&pw, m->from);
	proto_write_uint(&pw, 2);
	proto_write_text(&pw, m->to);
	proto_write_uint(&pw, 3);
	proto_write_int(&pw, m->ts_ms);
	proto_write_uint(&pw, 4);
	proto_write_array(&pw, m->n);
	for (size_t i = 0; i < m->n; i++)
		proto_write_bytes(&pw, m->hash[i], SEC_HASH_LEN);
	if (m->after > 0) {
		proto_write_uint(&pw, 5);
		proto_write_uint(&pw, m->after);
	}
	if (proto_writer_status(&pw) != WN_OK)
		return proto_writer_status(&pw);
	return proto_cose_sign1_encode(prot, sizeof(prot), NULL, 0, pw.buf,
	    pw.len, sign, ctx, w);
}

wn_err
proto_manifest_decode(const void *buf, size_t len, struct proto_manifest *out,
    struct proto_cose_sign1 *cose, struct proto_error *err)
{
	struct proto_cose_sign1 c;
	struct proto_reader r;
	struct proto_manifest m;
	uint64_t seen = 0, key;
	size_t nkeys, at;
	wn_err rv;

	if ((rv = proto_signed_decode(buf, len, PROTO_MSG_MANIFEST, &c, err)) !=
	    WN_OK)
		return rv;
	if (c.sig == NULL) {
		if (err != NULL) {
			err->offset = 0;
			wn_strlcpy(err->msg, "manifest without a signature",
			    sizeof(err->msg));
		}
		return WN_EPROTO;
	}
	memset(&m, 0, sizeof(m));
	proto_reader_init(&r, c.payload, c.payload_len);
	if ((rv = proto_read_map(&r, &nkeys)) != WN_OK)
		goto fail;
	if (nkeys != 4 && nkeys != 5) {
		rv = proto_reader_fail(&r, 0, "manifest needs keys 1..4 and "
		    "may have 5");
		goto fail;
	}
	for (size_t i = 0; i < nkeys; i++) {
		at = r.pos;
		if ((rv = proto_read_uint(&r, &key)) != WN_OK)
			goto fail;
		if (key < 1 || key > 5 || !proto_keyset_add(&seen, key)) {
			rv = proto_reader_fail(&r, at, "bad or repeated key %llu",
			    (unsigned long long)key);
			goto fail;
		}
		at = r.pos;
		switch (key) {
		case 1:
		case 2: {
			char *dst = key == 1 ? m.from : m.to;
			if ((rv = proto_read_text_copy(&r, dst,
				 PROTO_ORG_ID_MAX + 1)) != WN_OK)
				goto fail;
			if (!proto_org_id_valid(dst, strlen(dst))) {
				rv = proto_reader_fail(&r, at, "bad org id");
				goto fail;
			}
			break;
		}
		case 3:
			if ((rv = proto_read_int(&r, &m.ts_ms)) != WN_OK)
				goto fail;
			break;
		case 4:
			if ((rv = proto_read_array(&r, &m.n)) != WN_OK)
				goto fail;
			if (m.n < 1 || m.n > PROTO_TRANSFER_MAX) {
				rv = proto_reader_fail(&r, at, "manifest of %zu "
				    "hashes, expected 1..%d", m.n,
				    PROTO_TRANSFER_MAX);
				goto fail;
			}
			for (size_t j = 0; j < m.n; j++)
				if ((rv = proto_read_bytes_exact(&r, m.hash[j],
					 SEC_HASH_LEN)) != WN_OK)
					goto fail;
			break;
		case 5:
			if ((rv = proto_read_uint(&r, &m.after)) != WN_OK)
				goto fail;
			if (m.after == 0) {
				rv = proto_reader_fail(&r, at, "after 0: leave "
				    "the key out");
				goto fail;
			}
			break;
		}
	}
	if ((rv = proto_reader_finish(&r)) != WN_OK)
		goto fail;
	*out = m;
	*cose = c;
	return WN_OK;
fail:
	if (err != NULL) {
		/* offsets inside the payload, which sits inside buf */
		err->offset = (size_t)(c.payload - (const uint8_t *)buf) +
		    r.err.offset;
		wn_strlcpy(err->msg, r.err.msg, sizeof(err->msg));
	}
	return rv;
}
