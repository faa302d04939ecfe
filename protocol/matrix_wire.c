/*
 * matrix_wire.c - the compiled authorization matrix in CBOR, signed by the
 * director, and the member's acknowledgement (see matrix_wire.h and
 * "The authorization matrix" in PROTOCOL.md).
 *
 * The encoding has one form per matrix: the five keys in order, the cells
 * that are not none sorted by (type, category, role), the categories with
 * a requirement sorted by number, the bases in the struct's order; then
 * key 6, the outside cells that are not none sorted by (what, role), only
 * if there is one (so a matrix without them keeps the bytes it had before
 * key 6 existed, and an empty key 6 is refused). The encoder gets this by
 * walking the struct's arrays in index order; the decoder by requiring
 * each cell's and each category's position (type * 13 + category) * 8 +
 * role, what * 8 + role, or category, to be above the one before it,
 * which refuses duplicates and disorder with one comparison.
 *
 * Like the charter, the matrix (14 KiB) is decoded twice: a first walk
 * checks everything and writes nothing, a second one over the same bytes
 * fills the caller's struct, so a refused matrix leaves it as it was.
 *
 * A signed matrix is a signed object like the charter (envelope.h):
 * proto_signed_decode checks its shape and header, proto_cose_sign1_verify
 * its signature, and only then is the payload decoded.
 */
#include "protocol/matrix_wire.h"

#include <inttypes.h>
#include <string.h>

#define NCELLS (PROTO_MATRIX_TYPES * PROTO_MATRIX_CATEGORIES * \
	PROTO_MATRIX_ROLES)
#define NOUTSIDE (PROTO_MATRIX_OUTSIDE * PROTO_MATRIX_ROLES)
#define NKEYS 5       /* always present */
#define NKEYS_MAX 6   /* and key 6, the outside cells, when there are any */

#define set_err proto_error_from
#define too_big proto_error_too_big

/* basis_valid: 1..127 bytes of UTF-8 without control characters: C0,
 * DEL and C1 (U+0080..U+009F, encoded c2 80..c2 9f). */
static bool
basis_valid(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	if (len < 1 || len > PROTO_MATRIX_BASIS_MAX ||
	    !proto_utf8_valid(p, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] < 0xa0)
			return false;
	}
	return true;
}

/* ---- encoding ------------------------------------------------------- */

/* matrix_ok is true if m satisfies every rule the decoder checks. */
static bool
matrix_ok(const struct proto_matrix *m)
{
	size_t fl = strnlen(m->federation, sizeof(m->federation));

	if (m->version < 1 || fl == sizeof(m->federation) ||
	    !proto_org_id_valid(m->federation, fl))
		return false;
	for (size_t t = 0; t < PROTO_MATRIX_TYPES; t++)
		for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++)
			for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++)
				if (m->level[t][c][r] > PROTO_MATRIX_LEVEL_MAX)
					return false;
	for (size_t o = 0; o < PROTO_MATRIX_OUTSIDE; o++)
		for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++)
			if (m->outside[o][r] > PROTO_MATRIX_LEVEL_MAX)
				return false;
	for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++) {
		size_t n = m->nbases[c];
		if (m->requires[c] > PROTO_MATRIX_REQUIRES_MAX)
			return false;
		if (m->requires[c] == PROTO_MATRIX_REQUIRES_BASIS ?
			(n < 1 || n > PROTO_MATRIX_MAX_BASES) : n != 0)
			return false;
		for (size_t i = 0; i < n; i++) {
			const char *b = m->bases[c][i];
			size_t bl = strnlen(b, PROTO_MATRIX_BASIS_MAX + 1);
			if (!basis_valid(b, bl))
				return false;
			for (size_t j = 0; j < i; j++)
				if (strcmp(m->bases[c][j], b) == 0)
					return false;
		}
	}
	return true;
}

wn_err
proto_matrix_encode(const struct proto_matrix *m, struct proto_writer *w)
{
	size_t ncells = 0, nreq = 0, nout = 0;

	if (!matrix_ok(m))
		return WN_EINVAL;
	for (size_t t = 0; t < PROTO_MATRIX_TYPES; t++)
		for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++)
			for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++)
				ncells += m->level[t][c][r] != 0;
	for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++)
		nreq += m->requires[c] != 0;
	for (size_t o = 0; o < PROTO_MATRIX_OUTSIDE; o++)
		for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++)
			nout += m->outside[o][r] != 0;

	proto_write_map(w, nout > 0 ? NKEYS_MAX : NKEYS);
	proto_write_uint(w, 1);
	proto_write_uint(w, m->version);
	proto_write_uint(w, 2);
	proto_write_text(w, m->federation);
	proto_write_uint(w, 3);
	proto_write_int(w, m->issued_ms);
	proto_write_uint(w, 4);
	proto_write_array(w, ncells);
	for (size_t t = 0; t < PROTO_MATRIX_TYPES; t++) {
		for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++) {
			for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++) {
				if (m->level[t][c][r] == 0)
					continue;
				proto_write_array(w, 4);
				proto_write_uint(w, t);
				proto_write_uint(w, c);
				proto_write_uint(w, r);
				proto_write_uint(w, m->level[t][c][r]);
			}
		}
	}
	proto_write_uint(w, 5);
	proto_write_array(w, nreq);
	for (size_t c = 0; c < PROTO_MATRIX_CATEGORIES; c++) {
		if (m->requires[c] == 0)
			continue;
		proto_write_array(w, 3);
		proto_write_uint(w, c);
		proto_write_uint(w, m->requires[c]);
		proto_write_array(w, m->nbases[c]);
		for (size_t i = 0; i < m->nbases[c]; i++)
			proto_write_text(w, m->bases[c][i]);
	}
	if (nout > 0) {
		proto_write_uint(w, 6);
		proto_write_array(w, nout);
		for (size_t o = 0; o < PROTO_MATRIX_OUTSIDE; o++) {
			for (size_t r = 0; r < PROTO_MATRIX_ROLES; r++) {
				if (m->outside[o][r] == 0)
					continue;
				proto_write_array(w, 3);
				proto_write_uint(w, o);
				proto_write_uint(w, r);
				proto_write_uint(w, m->outside[o][r]);
			}
		}
	}
	return proto_writer_status(w);
}

/* ---- decoding ------------------------------------------------------- */

/* read_small reads a uint in lo..hi; what names it in the message. */
static wn_err
read_small(struct proto_reader *r, uint64_t lo, uint64_t hi,
    const char *what, uint64_t *out)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_uint(r, out)) != WN_OK)
		return rv;
	if (*out < lo || *out > hi)
		return proto_reader_fail(r, at, "%s %" PRIu64 " out of range "
		    "%" PRIu64 "..%" PRIu64, what, *out, lo, hi);
	return WN_OK;
}

/* read_tuple reads an array header of exactly n items. */
static wn_err
read_tuple(struct proto_reader *r, size_t n, const char *what)
{
	size_t at = r->pos, got;
	wn_err rv;

	if ((rv = proto_read_array(r, &got)) != WN_OK)
		return rv;
	if (got != n)
		return proto_reader_fail(r, at, "%s of %zu items, expected %zu",
		    what, got, n);
	return WN_OK;
}

/* read_list reads an array header of at most max items. */
static wn_err
read_list(struct proto_reader *r, size_t max, const char *what, size_t *n)
{
	size_t at = r->pos;
	wn_err rv;

	if ((rv = proto_read_array(r, n)) != WN_OK)
		return rv;
	if (*n > max)
		return proto_reader_fail(r, at, "%zu %s, at most %zu", *n, what,
		    max);
	return WN_OK;
}

/* decode_cells reads key 4: the sorted list of non-none cells. */
static wn_err
decode_cells(struct proto_reader *r, struct proto_matrix *fill)
{
	uint64_t t, c, role, level, pos, prev = 0;
	size_t n, at;
	wn_err rv;

	if ((rv = read_list(r, NCELLS, "cells", &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = read_tuple(r, 4, "cell")) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_TYPES - 1, "case type",
		        &t)) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_CATEGORIES - 1,
		        "category", &c)) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_ROLES - 1, "role",
		        &role)) != WN_OK ||
		    (rv = read_small(r, 1, PROTO_MATRIX_LEVEL_MAX, "level",
		        &level)) != WN_OK)
			return rv;
		/* Position + 1, so that 0 means "no cell before". */
		pos = (t * PROTO_MATRIX_CATEGORIES + c) * PROTO_MATRIX_ROLES +
		    role + 1;
		if (pos <= prev)
			return proto_reader_fail(r, at, "cell [%" PRIu64 ", %"
			    PRIu64 ", %" PRIu64 "] %s", t, c, role,
			    pos == prev ? "twice" : "out of order");
		prev = pos;
		if (fill != NULL)
			fill->level[t][c][role] = (uint8_t)level;
	}
	return WN_OK;
}

/* decode_outside reads key 6: the sorted, non-empty list of outside
 * cells that are not none. */
static wn_err
decode_outside(struct proto_reader *r, struct proto_matrix *fill)
{
	uint64_t what, role, level, pos, prev = 0;
	size_t n, at = r->pos;
	wn_err rv;

	if ((rv = read_list(r, NOUTSIDE, "outside cells", &n)) != WN_OK)
		return rv;
	if (n == 0)
		return proto_reader_fail(r, at, "no outside cells (key 6 is "
		    "absent when every outside cell is none)");
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = read_tuple(r, 3, "outside cell")) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_OUTSIDE - 1,
		        "outside kind", &what)) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_ROLES - 1, "role",
		        &role)) != WN_OK ||
		    (rv = read_small(r, 1, PROTO_MATRIX_LEVEL_MAX, "level",
		        &level)) != WN_OK)
			return rv;
		/* Position + 1, so that 0 means "no cell before". */
		pos = what * PROTO_MATRIX_ROLES + role + 1;
		if (pos <= prev)
			return proto_reader_fail(r, at, "outside cell [%" PRIu64
			    ", %" PRIu64 "] %s", what, role,
			    pos == prev ? "twice" : "out of order");
		prev = pos;
		if (fill != NULL)
			fill->outside[what][role] = (uint8_t)level;
	}
	return WN_OK;
}

/* decode_bases reads the bases of category c (requires req). */
static wn_err
decode_bases(struct proto_reader *r, uint64_t c, uint64_t req,
    struct proto_matrix *fill)
{
	struct {
		const char *p;
		size_t len;
	} seen[PROTO_MATRIX_MAX_BASES];
	size_t n, at = r->pos;
	wn_err rv;

	if ((rv = read_list(r, PROTO_MATRIX_MAX_BASES, "bases", &n)) != WN_OK)
		return rv;
	if (req == PROTO_MATRIX_REQUIRES_CONSENT && n != 0)
		return proto_reader_fail(r, at, "category %" PRIu64 " requires "
		    "consent but lists bases", c);
	if (req == PROTO_MATRIX_REQUIRES_BASIS && n == 0)
		return proto_reader_fail(r, at, "category %" PRIu64 " requires "
		    "a basis but lists none", c);
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = proto_read_text(r, &seen[i].p, &seen[i].len)) !=
		    WN_OK)
			return rv;
		if (!basis_valid(seen[i].p, seen[i].len))
			return proto_reader_fail(r, at, "invalid basis (1..%d "
			    "bytes, no control characters)",
			    PROTO_MATRIX_BASIS_MAX);
		for (size_t j = 0; j < i; j++)
			if (seen[j].len == seen[i].len &&
			    memcmp(seen[j].p, seen[i].p, seen[i].len) == 0)
				return proto_reader_fail(r, at, "basis listed "
				    "twice in category %" PRIu64, c);
		if (fill != NULL)
			memcpy(fill->bases[c][i], seen[i].p, seen[i].len);
	}
	if (fill != NULL)
		fill->nbases[c] = (uint8_t)n;
	return WN_OK;
}

/* decode_requires reads key 5: the sorted list of requirements. */
static wn_err
decode_requires(struct proto_reader *r, struct proto_matrix *fill)
{
	uint64_t c, req, prev = 0;
	size_t n, at;
	wn_err rv;

	if ((rv = read_list(r, PROTO_MATRIX_CATEGORIES, "requirements",
	    &n)) != WN_OK)
		return rv;
	for (size_t i = 0; i < n; i++) {
		at = r->pos;
		if ((rv = read_tuple(r, 3, "requirement")) != WN_OK ||
		    (rv = read_small(r, 0, PROTO_MATRIX_CATEGORIES - 1,
		        "category", &c)) != WN_OK ||
		    (rv = read_small(r, 1, PROTO_MATRIX_REQUIRES_MAX,
		        "requirement", &req)) != WN_OK)
			return rv;
		if (c + 1 <= prev)
			return proto_reader_fail(r, at, "requirement of "
			    "category %" PRIu64 " %s", c,
			    c + 1 == prev ? "twice" : "out of order");
		prev = c + 1;
		if (fill != NULL)
			fill->requires[c] = (uint8_t)req;
		if ((rv = decode_bases(r, c, req, fill)) != WN_OK)
			return rv;
	}
	return WN_OK;
}

/* decode_matrix checks a whole matrix (fill NULL) or fills one. */
static wn_err
decode_matrix(struct proto_reader *r, struct proto_matrix *fill)
{
	const char *fed;
	uint64_t key, version;
	int64_t issued;
	size_t n, at = r->pos, flen;
	wn_err rv;

	if ((rv = proto_read_map(r, &n)) != WN_OK)
		return rv;
	if (n != NKEYS && n != NKEYS_MAX)
		return proto_reader_fail(r, at, "matrix map of %zu keys, "
		    "expected %d or %d", n, NKEYS, NKEYS_MAX);
	for (uint64_t want = 1; want <= n; want++) {
		at = r->pos;
		if ((rv = proto_read_uint(r, &key)) != WN_OK)
			return rv;
		if (key < 1 || key > NKEYS_MAX)
			return proto_reader_fail(r, at, "unknown key %" PRIu64,
			    key);
		if (key != want)
			return proto_reader_fail(r, at, "key %" PRIu64 " %s "
			    "(keys go 1..%zu in order)", key,
			    key < want ? "twice or out of order" :
			    "out of order", n);
		at = r->pos;
		switch (key) {
		case 1:
			if ((rv = proto_read_uint(r, &version)) != WN_OK)
				return rv;
			if (version < 1)
				return proto_reader_fail(r, at,
				    "matrix version 0");
			if (fill != NULL)
				fill->version = version;
			break;
		case 2:
			if ((rv = proto_read_text(r, &fed, &flen)) != WN_OK)
				return rv;
			if (!proto_org_id_valid(fed, flen))
				return proto_reader_fail(r, at,
				    "invalid federation id");
			if (fill != NULL)
				memcpy(fill->federation, fed, flen);
			break;
		case 3:
			if ((rv = proto_read_int(r, &issued)) != WN_OK)
				return rv;
			if (fill != NULL)
				fill->issued_ms = issued;
			break;
		case 4:
			if ((rv = decode_cells(r, fill)) != WN_OK)
				return rv;
			break;
		case 5:
			if ((rv = decode_requires(r, fill)) != WN_OK)
				return rv;
			break;
		default:
			if ((rv = decode_outside(r, fill)) != WN_OK)
				return rv;
			break;
		}
	}
	return proto_reader_finish(r);
}

wn_err
proto_matrix_decode(const void *buf, size_t len, struct proto_matrix *out,
    struct proto_error *err)
{
	struct proto_reader r;
	wn_err rv;

	if (len > PROTO_MATRIX_MAX)
		return too_big(err, "matrix", len, PROTO_MATRIX_MAX);
	proto_reader_init(&r, buf, len);
	if ((rv = decode_matrix(&r, NULL)) != WN_OK) {
		set_err(err, &r, 0);
		return rv;
	}
	memset(out, 0, sizeof(*out));
	proto_reader_init(&r, buf, len);
	rv = decode_matrix(&r, out);
	WN_ASSERT(rv == WN_OK); /* the same bytes passed a moment ago */
	return WN_OK;
}

/* ---- the signed matrix ---------------------------------------------- */

wn_err
proto_matrix_sign(const struct proto_matrix *m, proto_sign_fn sign,
    void *ctx, struct proto_writer *w)
{
	uint8_t prot[16];
	struct proto_writer pw, mw;
	wn_err rv;

	/* Without a signer proto_cose_sign1_encode leaves the signature
	 * empty (batch signing); a matrix must carry its own. */
	if (sign == NULL)
		return WN_EINVAL;
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 2);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, PROTO_COSE_ALG_EDDSA);
	proto_write_text(&pw, "t");
	proto_write_uint(&pw, PROTO_MSG_MATRIX);
	WN_ASSERT(proto_writer_status(&pw) == WN_OK);

	if ((rv = proto_writer_init_dynamic(&mw, 1024, PROTO_MATRIX_MAX)) !=
	    WN_OK)
		return rv;
	if ((rv = proto_matrix_encode(m, &mw)) == WN_OK)
		rv = proto_cose_sign1_encode(prot, pw.len, NULL, 0, mw.buf,
		    mw.len, sign, ctx, w);
	proto_writer_release(&mw);
	return rv;
}

wn_err
proto_matrix_verify_signed(const void *buf, size_t len,
    const uint8_t director_pk[SEC_SIGN_PK_LEN], struct proto_matrix *out,
    struct proto_error *err)
{
	struct proto_cose_sign1 m;
	wn_err rv;

	if (len > PROTO_SIGNED_MATRIX_MAX)
		return too_big(err, "signed matrix", len,
		    PROTO_SIGNED_MATRIX_MAX);
	if ((rv = proto_signed_decode(buf, len, PROTO_MSG_MATRIX, &m, err)) !=
	    WN_OK)
		return rv;
	if (!proto_cose_sign1_verify(&m, director_pk)) {
		if (err != NULL) {
			err->offset = 0;
			snprintf(err->msg, sizeof(err->msg),
			    "bad signature on the matrix");
		}
		return WN_ECRYPTO;
	}
	rv = proto_matrix_decode(m.payload, m.payload_len, out, err);
	if (rv != WN_OK && err != NULL)
		err->offset += (size_t)(m.payload - (const uint8_t *)buf);
	return rv;
}

/* ---- the acknowledgement -------------------------------------------- */

wn_err
proto_matrix_ack_encode(const struct proto_matrix_ack *a,
    struct proto_writer *w)
{
	if (a->version < 1)
		return WN_EINVAL;
	proto_write_map(w, 1);
	proto_write_uint(w, 1);
	proto_write_uint(w, a->version);
	return proto_writer_status(w);
}

wn_err
proto_matrix_ack_decode(const void *buf, size_t len,
    struct proto_matrix_ack *out, struct proto_error *err)
{
	struct proto_reader r;
	uint64_t key, version;
	size_t n, at;
	wn_err rv;

	if (len >= PROTO_BODY_MAX)
		return too_big(err, "body", len, PROTO_BODY_MAX - 1);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_read_map(&r, &n)) != WN_OK)
		goto out;
	if (n != 1) {
		rv = proto_reader_fail(&r, 0, "matrix ack map of %zu keys, "
		    "expected 1", n);
		goto out;
	}
	at = r.pos;
	if ((rv = proto_read_uint(&r, &key)) != WN_OK)
		goto out;
	if (key != 1) {
		rv = proto_reader_fail(&r, at, "unknown key %" PRIu64, key);
		goto out;
	}
	if ((rv = read_small(&r, 1, UINT64_MAX, "matrix version",
	    &version)) != WN_OK || (rv = proto_reader_finish(&r)) != WN_OK)
		goto out;
	out->version = version;
out:
	if (rv != WN_OK)
		set_err(err, &r, 0);
	return rv;
}
