/*
 * test_session_wire.c - the session handshake on the wire
 * (protocol/session_wire.c): the bodies of SESSION_OPEN and
 * SESSION_ACCEPT and their strict decoders, and the handshake itself:
 * an initiator and a responder with real identities end with the same
 * two keys, from fresh ephemeral keys each time; an accept for another
 * open, one sealed under another pair key, or a low-order key are
 * refused; only an ERROR that names the open's id, from its recipient to
 * its sender, is the refusal of that open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "protocol/session_wire.h"

static char dir[64];
static struct sec_identity *ida, *idb, *idc;
static struct sec_peer_key *kab, *kba, *kcb;

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[SEC_SIG_LEN])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static struct sec_identity *
make_identity(const char *name)
{
	char path[128], err[256];
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_int_equal(sec_secret_new(20, &pass), WN_OK);
	memcpy(pass->data, "a passphrase for it!", 20);
	assert_int_equal(sec_identity_create(path, pass, SEC_KDF_INTERACTIVE,
			     &id, err, sizeof(err)),
	    WN_OK);
	sec_secret_free(pass);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	if (sec_init() != WN_OK)
		return -1;
	wn_strlcpy(dir, "/tmp/test_session_wire.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	ida = make_identity("a");
	idb = make_identity("b");
	idc = make_identity("c");
	if (sec_peer_key_new(ida, sec_identity_public(idb)->kx_pk, &kab) !=
		WN_OK ||
	    sec_peer_key_new(idb, sec_identity_public(ida)->kx_pk, &kba) !=
		WN_OK ||
	    sec_peer_key_new(idc, sec_identity_public(idb)->kx_pk, &kcb) !=
		WN_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	sec_peer_key_free(kab);
	sec_peer_key_free(kba);
	sec_peer_key_free(kcb);
	sec_identity_free(ida);
	sec_identity_free(idb);
	sec_identity_free(idc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* ---- bodies --------------------------------------------------------- */

static size_t
bs(uint8_t *p, const uint8_t *b, size_t n)
{
	size_t o = 0;
	if (n < 24) {
		p[o++] = (uint8_t)(0x40 + n);
	} else {
		p[o++] = 0x58;
		p[o++] = (uint8_t)n;
	}
	memcpy(p + o, b, n);
	return o + n;
}

static size_t
tx(uint8_t *p, const char *t)
{
	size_t n = strlen(t);
	p[0] = (uint8_t)(0x60 + n);
	memcpy(p + 1, t, n);
	return n + 1;
}

static void
test_bodies_roundtrip(void **state)
{
	struct proto_session_open o = {{0}}, o2;
	struct proto_session_accept a, a2;
	uint8_t buf[256];
	struct proto_writer w;
	(void)state;
	sec_random(o.e, sizeof(o.e));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_session_open_encode(&o, &w), WN_OK);
	assert_int_equal(w.len, 1 + 2 + 34);
	assert_int_equal(proto_session_open_decode(buf, w.len, &o2, NULL),
	    WN_OK);
	assert_memory_equal(&o, &o2, sizeof(o));
	sec_random(&a, sizeof(a));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_session_accept_encode(&a, &w), WN_OK);
	assert_int_equal(proto_session_accept_decode(buf, w.len, &a2, NULL),
	    WN_OK);
	assert_memory_equal(&a, &a2, sizeof(a));
	/* keys in any order */
	uint8_t r[128];
	size_t n = 0;
	r[n++] = 0xa3;
	n += tx(r + n, "h");
	n += bs(r + n, a.h, 32);
	n += tx(r + n, "sid");
	n += bs(r + n, a.sid, 16);
	n += tx(r + n, "e");
	n += bs(r + n, a.e, 32);
	assert_int_equal(proto_session_accept_decode(r, n, &a2, NULL), WN_OK);
	assert_memory_equal(&a, &a2, sizeof(a));
}

/* refused: the decoder says want, and leaves out alone */
static void
refused_open(const uint8_t *b, size_t n, const char *want)
{
	struct proto_session_open o, keep;
	struct proto_error err;
	memset(&o, 0x77, sizeof(o));
	keep = o;
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(proto_session_open_decode(b, n, &o, &err), WN_OK);
	assert_memory_equal(&o, &keep, sizeof(o));
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, want);
}

static void
refused_accept(const uint8_t *b, size_t n, const char *want)
{
	struct proto_session_accept a, keep;
	struct proto_error err;
	memset(&a, 0x77, sizeof(a));
	keep = a;
	memset(&err, 0, sizeof(err));
	assert_int_not_equal(proto_session_accept_decode(b, n, &a, &err),
	    WN_OK);
	assert_memory_equal(&a, &keep, sizeof(a));
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", err.msg, want);
}

static void
test_bodies_strict(void **state)
{
	uint8_t e[33] = {1}, sid[17] = {2}, h[32] = {3}, b[256];
	size_t n;
	(void)state;
	/* open: a size off, another key, a key twice, none, trailing bytes,
	 * not a map, a text for the key */
	n = 0;
	b[n++] = 0xa1;
	n += tx(b + n, "e");
	n += bs(b + n, e, 31);
	refused_open(b, n, "");
	n = 0;
	b[n++] = 0xa1;
	n += tx(b + n, "e");
	n += bs(b + n, e, 33);
	refused_open(b, n, "");
	n = 0;
	b[n++] = 0xa1;
	n += tx(b + n, "sid");
	n += bs(b + n, sid, 16);
	refused_open(b, n, "unknown key");
	n = 0;
	b[n++] = 0xa2;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	refused_open(b, n, "duplicate key \"e\"");
	b[0] = 0xa0;
	refused_open(b, 1, "missing key \"e\"");
	n = 0;
	b[n++] = 0xa1;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	b[n++] = 0x00;
	refused_open(b, n, "");
	b[0] = 0x80;
	refused_open(b, 1, "");
	n = 0;
	b[n++] = 0xa1;
	b[n++] = 0x01; /* an integer key */
	n += bs(b + n, e, 32);
	refused_open(b, n, "");
	refused_open(b, 0, "");
	refused_open(b, PROTO_BODY_MAX, "");
	/* accept: each key missing, a fourth, a short sid, a long h */
	n = 0;
	b[n++] = 0xa2;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	n += tx(b + n, "sid");
	n += bs(b + n, sid, 16);
	refused_accept(b, n, "missing key \"h\"");
	n = 0;
	b[n++] = 0xa2;
	n += tx(b + n, "h");
	n += bs(b + n, h, 32);
	n += tx(b + n, "sid");
	n += bs(b + n, sid, 16);
	refused_accept(b, n, "missing key \"e\"");
	n = 0;
	b[n++] = 0xa4;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	refused_accept(b, n, "a map of 4 keys");
	n = 0;
	b[n++] = 0xa3;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	n += tx(b + n, "sid");
	n += bs(b + n, sid, 15);
	n += tx(b + n, "h");
	n += bs(b + n, h, 32);
	refused_accept(b, n, "");
	n = 0;
	b[n++] = 0xa3;
	n += tx(b + n, "e");
	n += bs(b + n, e, 32);
	n += tx(b + n, "sid");
	n += bs(b + n, sid, 16);
	n += tx(b + n, "hh");
	n += bs(b + n, h, 32);
	refused_accept(b, n, "unknown key");
}

/* ---- the handshake -------------------------------------------------- */

struct run {
	uint8_t open[1024], accept[1024];
	size_t open_len, accept_len;
	struct proto_session_init st;
	struct proto_session si, sr; /* initiator's, responder's */
};

/* a opens to b; b answers with the pair key bkey */
static wn_err
handshake(struct run *r, const struct sec_peer_key *bkey)
{
	struct proto_writer w;
	struct proto_envelope e;
	wn_err rc;
	memset(r, 0, sizeof(*r));
	proto_writer_init(&w, r->open, sizeof(r->open));
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &r->st, &w),
	    WN_OK);
	r->open_len = w.len;
	assert_int_equal(proto_envelope_decode(r->open, r->open_len, &e, NULL),
	    WN_OK);
	assert_int_equal(e.h.type, PROTO_MSG_SESSION_OPEN);
	assert_int_equal(e.h.seq, 0);
	assert_false(e.h.has_sid);
	assert_true(proto_envelope_verify(&e, sec_identity_public(ida)->sign_pk));
	proto_writer_init(&w, r->accept, sizeof(r->accept));
	rc = proto_session_answer(&e, r->open, r->open_len, wn_now_ms(), bkey,
	    sign_cb, idb, &r->sr, &w);
	if (rc != WN_OK) {
		proto_session_init_release(&r->st);
		return rc;
	}
	r->accept_len = w.len;
	assert_int_equal(proto_envelope_decode(r->accept, r->accept_len, &e,
			     NULL),
	    WN_OK);
	assert_int_equal(e.h.type, PROTO_MSG_SESSION_ACCEPT);
	assert_string_equal(e.h.from, "beta");
	assert_string_equal(e.h.to, "alpha");
	assert_true(proto_envelope_verify(&e, sec_identity_public(idb)->sign_pk));
	return proto_session_accept_take(&r->st, &e, kab, &r->si);
}

static void
same_key(const struct sec_peer_key *a, const struct sec_peer_key *b)
{
	uint8_t sealed[4 + SEC_BOX_OVERHEAD], plain[4];
	sec_box_seal(a, "wijk", 4, sealed);
	assert_int_equal(sec_box_open(b, sealed, sizeof(sealed), plain), WN_OK);
	assert_memory_equal(plain, "wijk", 4);
}

static void
other_key(const struct sec_peer_key *a, const struct sec_peer_key *b)
{
	uint8_t sealed[4 + SEC_BOX_OVERHEAD], plain[4];
	sec_box_seal(a, "wijk", 4, sealed);
	assert_int_equal(sec_box_open(b, sealed, sizeof(sealed), plain),
	    WN_ECRYPTO);
}

/* accept_e: the responder's ephemeral public key in r's accept */
static void
accept_e(const struct run *r, uint8_t out[SEC_EPH_PK_LEN])
{
	struct proto_envelope e;
	struct proto_session_accept a;
	uint8_t body[512];
	size_t blen;
	assert_int_equal(proto_envelope_decode(r->accept, r->accept_len, &e,
			     NULL),
	    WN_OK);
	assert_int_equal(proto_envelope_open(&e, kab, body, sizeof(body),
			     &blen),
	    WN_OK);
	assert_int_equal(proto_session_accept_decode(body, blen, &a, NULL),
	    WN_OK);
	memcpy(out, a.e, SEC_EPH_PK_LEN);
}

static void
test_handshake(void **state)
{
	struct run r, r2;
	(void)state;
	assert_int_equal(handshake(&r, kba), WN_OK);
	assert_memory_equal(r.si.sid, r.sr.sid, PROTO_SID_LEN);
	same_key(r.si.i2r, r.sr.i2r);
	same_key(r.si.r2i, r.sr.r2i);
	/* the two directions differ, and from the static pair key */
	other_key(r.si.i2r, r.sr.r2i);
	other_key(r.si.i2r, kba);
	other_key(kab, r.sr.i2r);
	assert_null(r.st.eph); /* the ephemeral secret is gone */
	/* a second handshake: another session, other keys */
	assert_int_equal(handshake(&r2, kba), WN_OK);
	assert_memory_not_equal(r.si.sid, r2.si.sid, PROTO_SID_LEN);
	other_key(r.si.i2r, r2.sr.i2r);
	/* fresh ephemeral keys on both sides, neither a static key: a
	 * constant or reused ephemeral secret, or the static one, would
	 * leave the sessions to whoever steals a key file */
	uint8_t er[SEC_EPH_PK_LEN], er2[SEC_EPH_PK_LEN];
	accept_e(&r, er);
	accept_e(&r2, er2);
	assert_memory_not_equal(r.st.e_i, r2.st.e_i, SEC_EPH_PK_LEN);
	assert_memory_not_equal(er, er2, SEC_EPH_PK_LEN);
	assert_memory_not_equal(r.st.e_i, er, SEC_EPH_PK_LEN);
	for (size_t i = 0; i < 2; i++) {
		const uint8_t *e = i ? er : r.st.e_i;
		assert_memory_not_equal(e, sec_identity_public(ida)->kx_pk,
		    SEC_EPH_PK_LEN);
		assert_memory_not_equal(e, sec_identity_public(idb)->kx_pk,
		    SEC_EPH_PK_LEN);
	}
	proto_session_release(&r.si);
	proto_session_release(&r.sr);
	proto_session_release(&r2.si);
	proto_session_release(&r2.sr);
	proto_session_release(&r.si); /* again: fine */
}

static void
test_handshake_refusals(void **state)
{
	struct run r;
	struct proto_session_init st2 = {0};
	struct proto_session s = {0};
	struct proto_envelope e;
	struct proto_writer w;
	uint8_t open2[1024];
	(void)state;
	/* the responder holds another pair key (c's): the open does not
	 * decrypt, the keys do not match */
	assert_int_equal(handshake(&r, kcb), WN_ENOKEY);
	/* an accept that answers another open: refused */
	assert_int_equal(handshake(&r, kba), WN_OK);
	proto_writer_init(&w, open2, sizeof(open2));
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &st2, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(r.accept, r.accept_len, &e,
			     NULL),
	    WN_OK);
	assert_int_equal(proto_session_accept_take(&st2, &e, kab, &s), WN_EPROTO);
	assert_null(st2.eph);
	assert_null(s.i2r);
	/* an accept that does not open under our pair key */
	proto_writer_reset(&w);
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &st2, &w),
	    WN_OK);
	assert_int_equal(proto_session_accept_take(&st2, &e, kcb, &s),
	    WN_ENOKEY);
	/* an open offered as an accept */
	assert_int_equal(proto_envelope_decode(r.open, r.open_len, &e, NULL),
	    WN_OK);
	proto_writer_reset(&w);
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &st2, &w),
	    WN_OK);
	assert_int_equal(proto_session_accept_take(&st2, &e, kab, &s),
	    WN_EPROTO);
	proto_session_release(&r.si);
	proto_session_release(&r.sr);
	/* bad org ids */
	assert_int_equal(proto_session_open_seal("Alpha", "beta", 0, kab,
			     sign_cb, ida, &st2, &w),
	    WN_EINVAL);
}

/* error_env seals a signed ERROR 17 from `from` (b's key) to `to` that
 * names id (NULL: none) into buf and decodes it into *e */
static void
error_env(const char *from, const char *to, const uint8_t id[PROTO_ID_LEN],
    uint8_t *buf, size_t cap, struct proto_envelope *e)
{
	struct proto_env_header h = {0};
	struct proto_errbody eb = {0};
	uint8_t body[PROTO_ERRBODY_MAX];
	struct proto_writer bw, w;
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_ERROR;
	wn_strlcpy(h.from, from, sizeof(h.from));
	wn_strlcpy(h.to, to, sizeof(h.to));
	sec_random(h.id, sizeof(h.id));
	h.ts_ms = wn_now_ms();
	eb.code = WN_ENOKEY;
	if (id != NULL) {
		eb.has_id = true;
		memcpy(eb.id, id, PROTO_ID_LEN);
	}
	wn_strlcpy(eb.reason, "cannot decrypt a message from 'alpha'",
	    sizeof(eb.reason));
	proto_writer_init(&bw, body, sizeof(body));
	assert_int_equal(proto_errbody_encode(&eb, &bw), WN_OK);
	proto_writer_init(&w, buf, cap);
	assert_int_equal(proto_envelope_seal(&h, bw.buf, bw.len, NULL, sign_cb,
			     idb, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(buf, w.len, e, NULL), WN_OK);
}

/* which ERROR is the refusal of an open: from its recipient, to its
 * sender, with its id (the id the open went out with); another open's
 * refusal, one to another node or to "unknown" is not */
static void
test_refusal_of(void **state)
{
	struct proto_session_init st = {0}, st2 = {0};
	struct proto_errbody eb;
	struct proto_envelope e;
	struct proto_writer w;
	uint8_t open[1024], open2[1024], err[1024], other[PROTO_ID_LEN];
	(void)state;
	proto_writer_init(&w, open, sizeof(open));
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &st, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(open, w.len, &e, NULL), WN_OK);
	assert_memory_equal(e.h.id, st.id, PROTO_ID_LEN); /* as sent */
	assert_false(proto_session_refusal_of(&st, &e, &eb)); /* not an ERROR */
	error_env("beta", "alpha", st.id, err, sizeof(err), &e);
	assert_true(proto_session_refusal_of(&st, &e, &eb));
	assert_int_equal(eb.code, WN_ENOKEY);
	/* one that names no id */
	error_env("beta", "alpha", NULL, err, sizeof(err), &e);
	assert_false(proto_session_refusal_of(&st, &e, &eb));
	error_env("beta", "alpha", st.id, err, sizeof(err), &e);
	/* the refusal of another (an earlier) open of ours */
	proto_writer_init(&w, open2, sizeof(open2));
	assert_int_equal(proto_session_open_seal("alpha", "beta", wn_now_ms(),
			     kab, sign_cb, ida, &st2, &w),
	    WN_OK);
	assert_memory_not_equal(st.id, st2.id, PROTO_ID_LEN);
	assert_false(proto_session_refusal_of(&st2, &e, &eb));
	memcpy(other, st.id, PROTO_ID_LEN);
	other[15] ^= 1;
	error_env("beta", "alpha", other, err, sizeof(err), &e);
	assert_false(proto_session_refusal_of(&st, &e, &eb));
	/* addressed to another member, to "unknown", or from another node */
	error_env("beta", "gamma", st.id, err, sizeof(err), &e);
	assert_false(proto_session_refusal_of(&st, &e, &eb));
	error_env("beta", "unknown", st.id, err, sizeof(err), &e);
	assert_false(proto_session_refusal_of(&st, &e, &eb));
	error_env("gamma", "alpha", st.id, err, sizeof(err), &e);
	assert_false(proto_session_refusal_of(&st, &e, &eb));
	proto_session_init_release(&st);
	proto_session_init_release(&st2);
}

/* an open whose key is of low order: the responder refuses it */
static void
test_low_order_open(void **state)
{
	struct proto_env_header h = {0};
	struct proto_session_open o = {{0}}; /* all zeros: low order */
	struct proto_session s = {0};
	struct proto_envelope e;
	uint8_t body[64], env[1024], acc[1024];
	struct proto_writer bw, w, aw;
	(void)state;
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_SESSION_OPEN;
	wn_strlcpy(h.from, "alpha", sizeof(h.from));
	wn_strlcpy(h.to, "beta", sizeof(h.to));
	h.ts_ms = wn_now_ms();
	proto_writer_init(&bw, body, sizeof(body));
	assert_int_equal(proto_session_open_encode(&o, &bw), WN_OK);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(&h, bw.buf, bw.len, kab, sign_cb,
			     ida, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(env, w.len, &e, NULL), WN_OK);
	proto_writer_init(&aw, acc, sizeof(acc));
	assert_int_equal(proto_session_answer(&e, env, w.len, wn_now_ms(), kba,
			     sign_cb, idb, &s, &aw),
	    WN_ECRYPTO);
	assert_int_equal(aw.len, 0);
	assert_null(s.i2r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bodies_roundtrip),
	    cmocka_unit_test(test_bodies_strict),
	    cmocka_unit_test(test_handshake),
	    cmocka_unit_test(test_handshake_refusals),
	    cmocka_unit_test(test_low_order_open),
	    cmocka_unit_test(test_refusal_of),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
