/*
 * session_wire.c - SESSION_OPEN and SESSION_ACCEPT: their bodies and the
 * handshake that seals, opens and derives (see session_wire.h and
 * PROTOCOL.md, "Sessions").
 *
 * The bodies are maps with text keys, read in any order, each key at most
 * once, all required, exact sizes: the strict walk of the other bodies.
 */
#include "protocol/session_wire.h"
#include "protocol/envelope_int.h"
#include "protocol/manifest.h"

#include <string.h>

enum { K_E = 1, K_SID = 2, K_H = 4 };

/* read_keyed walks a body map whose keys are among want ("e", "sid",
 * "h"), each a bstr of its size, into e, sid, h. */
static wn_err
read_keyed(const void *buf, size_t len, unsigned want, uint8_t *e,
    uint8_t *sid, uint8_t *h, struct proto_error *err)
{
	static const struct {
		const char *name;
		unsigned bit;
		size_t size;
	} keys[] = {{"e", K_E, SEC_EPH_PK_LEN}, {"sid", K_SID, PROTO_SID_LEN},
	    {"h", K_H, SEC_HASH_LEN}};
	struct proto_reader r;
	const char *t;
	size_t n, tl, at;
	unsigned seen = 0;
	wn_err rv;

	if (len >= PROTO_BODY_MAX)
		return proto_error_too_big(err, "body", len,
		    PROTO_BODY_MAX - 1);
	proto_reader_init(&r, buf, len);
	if ((rv = proto_read_map(&r, &n)) != WN_OK)
		goto out;
	if (n > 3) {
		rv = proto_reader_fail(&r, 0, "a map of %zu keys", n);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t k;
		at = r.pos;
		if ((rv = proto_read_text(&r, &t, &tl)) != WN_OK)
			goto out;
		for (k = 0; k < WN_ARRAY_LEN(keys); k++)
			if ((want & keys[k].bit) && strlen(keys[k].name) == tl &&
			    memcmp(keys[k].name, t, tl) == 0)
				break;
		if (k == WN_ARRAY_LEN(keys)) {
			rv = proto_reader_fail(&r, at, "unknown key");
			goto out;
		}
		if (seen & keys[k].bit) {
			rv = proto_reader_fail(&r, at, "duplicate key \"%s\"",
			    keys[k].name);
			goto out;
		}
		seen |= keys[k].bit;
		rv = proto_read_bytes_exact(&r, keys[k].bit == K_E ? e :
		    keys[k].bit == K_SID ? sid : h, keys[k].size);
		if (rv != WN_OK)
			goto out;
	}
	if (seen != want) {
		for (size_t k = 0; k < WN_ARRAY_LEN(keys); k++)
			if ((want & keys[k].bit) && !(seen & keys[k].bit)) {
				rv = proto_reader_fail(&r, 0,
				    "missing key \"%s\"", keys[k].name);
				goto out;
			}
	}
	rv = proto_reader_finish(&r);
out:
	if (rv != WN_OK)
		proto_error_from(err, &r, 0);
	return rv;
}

wn_err
proto_session_open_encode(const struct proto_session_open *o,
    struct proto_writer *w)
{
	proto_write_map(w, 1);
	proto_write_text(w, "e");
	proto_write_bytes(w, o->e, SEC_EPH_PK_LEN);
	return proto_writer_status(w);
}

wn_err
proto_session_open_decode(const void *buf, size_t len,
    struct proto_session_open *out, struct proto_error *err)
{
	uint8_t e[SEC_EPH_PK_LEN];
	wn_err rv = read_keyed(buf, len, K_E, e, NULL, NULL, err);
	if (rv == WN_OK)
		memcpy(out->e, e, sizeof(e));
	return rv;
}

wn_err
proto_session_accept_encode(const struct proto_session_accept *a,
    struct proto_writer *w)
{
	proto_write_map(w, 3);
	proto_write_text(w, "e");
	proto_write_bytes(w, a->e, SEC_EPH_PK_LEN);
	proto_write_text(w, "sid");
	proto_write_bytes(w, a->sid, PROTO_SID_LEN);
	proto_write_text(w, "h");
	proto_write_bytes(w, a->h, SEC_HASH_LEN);
	return proto_writer_status(w);
}

wn_err
proto_session_accept_decode(const void *buf, size_t len,
    struct proto_session_accept *out, struct proto_error *err)
{
	struct proto_session_accept a;
	wn_err rv = read_keyed(buf, len, K_E | K_SID | K_H, a.e, a.sid, a.h,
	    err);
	if (rv == WN_OK)
		*out = a;
	return rv;
}

void
proto_session_release(struct proto_session *s)
{
	if (s == NULL)
		return;
	sec_peer_key_free(s->i2r);
	sec_peer_key_free(s->r2i);
	s->i2r = s->r2i = NULL;
}

void
proto_session_init_release(struct proto_session_init *st)
{
	if (st == NULL)
		return;
	sec_eph_free(st->eph);
	st->eph = NULL;
}

/* header fills an envelope header of the handshake: seq 0, no sid */
static void
header(struct proto_env_header *h, uint32_t type, const char *from,
    const char *to, int64_t ts_ms)
{
	memset(h, 0, sizeof(*h));
	h->version = PROTO_VERSION;
	h->type = type;
	wn_strlcpy(h->from, from, sizeof(h->from));
	wn_strlcpy(h->to, to, sizeof(h->to));
	sec_random(h->id, sizeof(h->id));
	h->ts_ms = ts_ms;
}

wn_err
proto_session_open_seal(const char *from, const char *to, int64_t ts_ms,
    const struct sec_peer_key *pair, proto_sign_fn sign, void *ctx,
    struct proto_session_init *st, struct proto_writer *env)
{
	struct proto_session_init s = {0};
	struct proto_session_open o;
	struct proto_env_header h;
	uint8_t body[64];
	struct proto_writer bw;
	size_t start = env->len;
	wn_err rv;

	if (from == NULL || to == NULL ||
	    !proto_org_id_valid(from, strlen(from)) ||
	    !proto_org_id_valid(to, strlen(to)) || pair == NULL)
		return WN_EINVAL;
	if ((rv = sec_eph_new(&s.eph, s.e_i)) != WN_OK)
		return rv;
	memcpy(o.e, s.e_i, sizeof(o.e));
	proto_writer_init(&bw, body, sizeof(body));
	header(&h, PROTO_MSG_SESSION_OPEN, from, to, ts_ms);
	if ((rv = proto_session_open_encode(&o, &bw)) != WN_OK ||
	    (rv = proto_envelope_seal(&h, bw.buf, bw.len, pair, sign, ctx,
		env)) != WN_OK) {
		proto_session_init_release(&s);
		return rv;
	}
	proto_envelope_hash(env->buf + start, env->len - start, s.open_hash);
	memcpy(s.id, h.id, sizeof(s.id));
	wn_strlcpy(s.from, from, sizeof(s.from));
	wn_strlcpy(s.to, to, sizeof(s.to));
	*st = s;
	return WN_OK;
}

wn_err
proto_session_accept_take(struct proto_session_init *st,
    const struct proto_envelope *acc, const struct sec_peer_key *pair,
    struct proto_session *out)
{
	struct proto_session_accept a;
	struct proto_session s = {0};
	uint8_t body[512];
	size_t blen;
	wn_err rv = WN_EPROTO;

	if (acc->h.type != PROTO_MSG_SESSION_ACCEPT ||
	    acc->cose.payload_len > sizeof(body) + SEC_BOX_OVERHEAD)
		goto out;
	if (proto_envelope_open(acc, pair, body, sizeof(body), &blen) !=
	    WN_OK) {
		rv = WN_ENOKEY;
		goto out;
	}
	rv = proto_session_accept_decode(body, blen, &a, NULL);
	sec_wipe(body, sizeof(body));
	if (rv != WN_OK)
		goto out;
	if (!sec_equal(a.h, st->open_hash, SEC_HASH_LEN)) {
		rv = WN_EPROTO;
		goto out;
	}
	memcpy(s.sid, a.sid, PROTO_SID_LEN);
	if ((rv = sec_session_derive(st->eph, a.e, pair, st->from, st->to,
	    st->e_i, a.e, a.sid, &s.i2r, &s.r2i)) != WN_OK)
		goto out;
	*out = s;
out:
	proto_session_init_release(st);
	return rv;
}

bool
proto_session_refusal_of(const struct proto_session_init *st,
    const struct proto_envelope *err, struct proto_errbody *eb)
{
	uint8_t body[PROTO_ERRBODY_MAX];
	struct proto_errbody b;
	size_t blen;
	if (err->h.type != PROTO_MSG_ERROR ||
	    strcmp(err->h.from, st->to) != 0 ||
	    strcmp(err->h.to, st->from) != 0 ||
	    proto_envelope_open(err, NULL, body, sizeof(body), &blen) !=
		WN_OK ||
	    proto_errbody_decode(body, blen, &b, NULL) != WN_OK || !b.has_id ||
	    !sec_equal(b.id, st->id, PROTO_ID_LEN))
		return false;
	*eb = b;
	return true;
}

wn_err
proto_session_answer(const struct proto_envelope *open,
    const void *open_bytes, size_t open_len, int64_t ts_ms,
    const struct sec_peer_key *pair, proto_sign_fn sign, void *ctx,
    struct proto_session *out, struct proto_writer *w)
{
	struct proto_session_open o;
	struct proto_session_accept a;
	struct proto_session s = {0};
	struct proto_env_header h;
	struct sec_eph *eph = NULL;
	uint8_t body[512];
	struct proto_writer bw;
	size_t blen;
	wn_err rv = WN_EPROTO;

	if (open->h.type != PROTO_MSG_SESSION_OPEN ||
	    open->cose.payload_len > sizeof(body) + SEC_BOX_OVERHEAD)
		return WN_EPROTO;
	if (proto_envelope_open(open, pair, body, sizeof(body), &blen) !=
	    WN_OK)
		return WN_ENOKEY;
	rv = proto_session_open_decode(body, blen, &o, NULL);
	sec_wipe(body, sizeof(body));
	if (rv != WN_OK)
		return rv;
	if ((rv = sec_eph_new(&eph, a.e)) != WN_OK)
		return rv;
	sec_random(a.sid, sizeof(a.sid));
	proto_envelope_hash(open_bytes, open_len, a.h);
	memcpy(s.sid, a.sid, PROTO_SID_LEN);
	/* the initiator is the open's sender, the responder its recipient */
	if ((rv = sec_session_derive(eph, o.e, pair, open->h.from, open->h.to,
	    o.e, a.e, a.sid, &s.i2r, &s.r2i)) != WN_OK)
		goto out;
	proto_writer_init(&bw, body, sizeof(body));
	header(&h, PROTO_MSG_SESSION_ACCEPT, open->h.to, open->h.from, ts_ms);
	if ((rv = proto_session_accept_encode(&a, &bw)) != WN_OK ||
	    (rv = proto_envelope_seal(&h, bw.buf, bw.len, pair, sign, ctx,
		w)) != WN_OK) {
		proto_session_release(&s);
		goto out;
	}
	*out = s;
out:
	sec_eph_free(eph);
	return rv;
}
