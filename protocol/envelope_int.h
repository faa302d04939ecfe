/*
 * envelope_int.h - what the files behind envelope.h share, and nothing
 * else may use: the COSE_Sign1 outer walk and header labels (cose.c),
 * org ids read in a header or a body (envelope.c), and a few small
 * helpers over borrowed text and fixed arrays.
 *
 * The files: cose.c (COSE_Sign1), envelope.c (protected headers, the
 * envelope, signed objects), transfer.c (transfers), body.c (the message
 * bodies: error, receipt, data, charter, chain heads). Callers outside
 * protocol/ include envelope.h only.
 */
#ifndef PROTO_ENVELOPE_INT_H
#define PROTO_ENVELOPE_INT_H

#include "protocol/envelope.h"

#include <string.h>

/* A text borrowed from the input. */
struct proto_env_slice {
	const char *p;
	size_t len;
};

/* A protected header label: an integer or a text (borrowed). */
struct proto_env_label {
	bool text;
	int64_t i;
	const uint8_t *t;
	size_t len;
};

/* proto_env_bstr_size is the encoded size of a byte string of n bytes. */
static inline size_t
proto_env_bstr_size(size_t n)
{
	size_t h = n < 24 ? 1 : n < 256 ? 2 : n < 65536 ? 3 :
	    (uint64_t)n <= UINT32_MAX ? 5 : 9;
	return h + n;
}

/* proto_env_cstr_len is strnlen over a fixed array, so a struct from
 * anywhere in the caller never makes us read past it; cap means "not
 * terminated". */
static inline size_t
proto_env_cstr_len(const char *s, size_t cap)
{
	return strnlen(s, cap);
}

#define PROTO_ENV_CSTR_LEN(a) proto_env_cstr_len((a), sizeof(a))
#define PROTO_ENV_CSTR_OK(a) (PROTO_ENV_CSTR_LEN(a) < sizeof(a))

/* proto_env_copy_slice copies s into dst (at least s->len + 1 bytes) as
 * a C string. */
static inline void
proto_env_copy_slice(char *dst, const struct proto_env_slice *s)
{
	if (s->len > 0)
		memcpy(dst, s->p, s->len);
	dst[s->len] = '\0';
}

/* proto_env_decode_outer reads #6.18([bstr, map, bstr, bstr .size 64])
 * and the end of input into *m (borrowing r's buffer); *prot_base is the
 * offset of the protected bytes. WN_EPROTO with r's error set. */
WN_NODISCARD wn_err proto_env_decode_outer(struct proto_reader *r,
    struct proto_cose_sign1 *m, size_t *prot_base);

/* proto_env_read_label reads a header label: an integer or a text. */
WN_NODISCARD wn_err proto_env_read_label(struct proto_reader *r,
    struct proto_env_label *l);

/* proto_env_read_org reads an org id into *s (borrowed); what names it
 * in the error. */
WN_NODISCARD wn_err proto_env_read_org(struct proto_reader *r,
    struct proto_env_slice *s, const char *what);

#endif
