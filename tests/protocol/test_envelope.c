/*
 * test_envelope.c - the signed, encrypted envelope between two real node
 * identities: round trips for every message type, wrong keys, every
 * flipped byte, every truncation, each protected-header refusal, the
 * padding buckets, transfers, every body's round trip and refusals, signed
 * charters and chain heads, and allocation failures while sealing.
 *
 * Hostile envelopes are built by hand: a protected header written entry by
 * entry (struct ent), signed with proto_cose_sign1_encode, so that each
 * test changes exactly one thing of an otherwise valid envelope.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "protocol/envelope.h"

static char dir[64];
static struct sec_identity *ida, *idb, *idc;
static const struct sec_public *pa, *pb, *pc;
static struct sec_peer_key *kab, *kba, *kca;

/* Shared big buffers: static, not on the stack. */
static uint8_t env[PROTO_ENVELOPE_MAX + 16];
static uint8_t body[PROTO_BODY_MAX];
static uint8_t plain[PROTO_BODY_MAX];

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static wn_err
sign_fail(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	(void)ctx;
	(void)msg;
	(void)len;
	(void)sig;
	return WN_EBUSY;
}

static struct sec_identity *
make_identity(const char *name)
{
	struct sec_identity *id = NULL;
	struct sec_secret *pass = NULL;
	char path[128], err[256];

	assert_int_equal(sec_secret_new(8, &pass), WN_OK);
	memcpy(pass->data, "password", 8);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
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
	wn_strlcpy(dir, "/tmp/test_envelope.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	ida = make_identity("a");
	idb = make_identity("b");
	idc = make_identity("c");
	pa = sec_identity_public(ida);
	pb = sec_identity_public(idb);
	pc = sec_identity_public(idc);
	if (sec_peer_key_new(ida, pb->kx_pk, &kab) != WN_OK ||
	    sec_peer_key_new(idb, pa->kx_pk, &kba) != WN_OK ||
	    sec_peer_key_new(idc, pa->kx_pk, &kca) != WN_OK)
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
	sec_peer_key_free(kca);
	sec_identity_free(ida);
	sec_identity_free(idb);
	sec_identity_free(idc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void
hdr_init(struct proto_env_header *h, uint32_t type)
{
	memset(h, 0, sizeof(*h));
	h->version = PROTO_VERSION;
	h->type = type;
	wn_strlcpy(h->from, "police-zone", sizeof(h->from));
	wn_strlcpy(h->to, "municipality", sizeof(h->to));
	sec_random(h->id, sizeof(h->id));
	h->ts_ms = wn_now_ms();
	h->seq = 7;
	h->mv = 3;
	h->has_sid = proto_msg_has_sid(type);
	memset(h->sid, 0x5a, sizeof(h->sid));
}

/* seal_a seals body from A to B into env; returns the envelope length. */
static size_t
seal_a(const struct proto_env_header *h, const void *b, size_t n)
{
	struct proto_writer w;

	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(h, b, n, kab, sign_cb, ida, &w),
	    WN_OK);
	return w.len;
}

/* receive decodes, verifies with A's key and opens with B's key. */
static size_t
receive(const uint8_t *buf, size_t len, struct proto_envelope *e)
{
	struct proto_error err;
	size_t n = 0;

	assert_int_equal(proto_envelope_decode(buf, len, e, &err), WN_OK);
	assert_true(proto_envelope_verify(e, pa->sign_pk));
	assert_int_equal(proto_envelope_open(e, kba, plain, sizeof(plain), &n),
	    WN_OK);
	return n;
}

static void
assert_hdr_equal(const struct proto_env_header *a,
    const struct proto_env_header *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->type, b->type);
	assert_string_equal(a->from, b->from);
	assert_string_equal(a->to, b->to);
	assert_memory_equal(a->id, b->id, PROTO_ID_LEN);
	assert_true(a->ts_ms == b->ts_ms);
	assert_true(a->seq == b->seq);
	assert_true(a->mv == b->mv);
	assert_string_equal(a->tp, b->tp);
}

/* ---- round trips ---------------------------------------------------- */

static void
test_roundtrip_data(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_writer w;
	struct proto_data d;
	struct proto_error err;
	size_t len, n;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	wn_strlcpy(h.tp, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	    sizeof(h.tp));
	proto_writer_init(&w, body, sizeof(body));
	assert_int_equal(proto_data_encode("hello, wijk", 11, &w), WN_OK);
	len = seal_a(&h, body, w.len);
	n = receive(env, len, &e);
	assert_hdr_equal(&e.h, &h);
	assert_int_equal(n, w.len);
	assert_int_equal(proto_data_decode(plain, n, &d, &err), WN_OK);
	assert_int_equal(d.len, 11);
	assert_memory_equal(d.payload, "hello, wijk", 11);
	/* the borrowed COSE parts point into env */
	assert_true(e.cose.payload > env && e.cose.payload < env + len);
	assert_true(e.cose.alg == -8);
	assert_int_equal(e.cose.unprot_len, 1);
}

static void
test_roundtrip_no_tp_negative_ts(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	size_t len;
	(void)state;

	hdr_init(&h, PROTO_MSG_RECEIPT);
	h.ts_ms = -1234567;
	h.seq = UINT64_MAX;
	h.mv = 0;
	len = seal_a(&h, "x", 1);
	assert_int_equal(receive(env, len, &e), 1);
	assert_hdr_equal(&e.h, &h);
	assert_string_equal(e.h.tp, "");
}

static void
test_error_is_plain(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_errbody b = {0}, got;
	struct proto_writer w, ew;
	struct proto_error err;
	uint8_t eb[PROTO_ERRBODY_MAX];
	size_t n = 0;
	(void)state;

	b.code = WN_EAUTH;
	wn_strlcpy(b.reason, "unknown sender", sizeof(b.reason));
	b.has_id = true;
	memset(b.id, 0xab, sizeof(b.id));
	proto_writer_init(&w, eb, sizeof(eb));
	assert_int_equal(proto_errbody_encode(&b, &w), WN_OK);
	hdr_init(&h, PROTO_MSG_ERROR);
	/* no key: an error goes to unknown senders too */
	proto_writer_init(&ew, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(&h, eb, w.len, NULL, sign_cb, ida,
			     &ew),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(env, ew.len, &e, &err), WN_OK);
	assert_true(proto_envelope_verify(&e, pa->sign_pk));
	assert_hdr_equal(&e.h, &h);
	assert_int_equal(e.cose.payload_len, w.len);
	assert_memory_equal(e.cose.payload, eb, w.len);
	assert_int_equal(proto_envelope_open(&e, NULL, plain, sizeof(plain), &n),
	    WN_OK);
	assert_int_equal(n, w.len);
	assert_int_equal(proto_errbody_decode(plain, n, &got, &err), WN_OK);
	assert_int_equal(got.code, WN_EAUTH);
	assert_string_equal(got.reason, "unknown sender");
	assert_true(got.has_id);
	assert_memory_equal(got.id, b.id, 16);
	/* too small a buffer */
	assert_int_equal(proto_envelope_open(&e, NULL, plain, w.len - 1, &n),
	    WN_ETOOBIG);
}

static void
test_wrong_keys(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_error err;
	size_t len, n = 0;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	len = seal_a(&h, "secret", 6);
	assert_int_equal(proto_envelope_decode(env, len, &e, &err), WN_OK);
	assert_false(proto_envelope_verify(&e, pb->sign_pk));
	assert_false(proto_envelope_verify(&e, pc->sign_pk));
	/* C agreed a key with A, but this was sealed for B */
	memset(plain, 0x55, 512);
	assert_int_equal(proto_envelope_open(&e, kca, plain, sizeof(plain),
			     &n),
	    WN_ECRYPTO);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(plain[i], 0);
	assert_int_equal(proto_envelope_open(&e, NULL, plain, sizeof(plain),
			     &n),
	    WN_EINVAL);
	/* the sender can open what it sealed: the key is the pair's */
	assert_int_equal(proto_envelope_open(&e, kab, plain, sizeof(plain),
			     &n),
	    WN_OK);
	assert_int_equal(n, 6);
	assert_int_equal(proto_envelope_open(&e, kba, plain, 255, &n),
	    WN_ETOOBIG);
}

static void
test_flip_every_byte(void **state)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_error err;
	size_t len, n, decoded = 0;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	len = seal_a(&h, "the content", 11);
	for (size_t i = 0; i < len; i++) {
		for (size_t k = 0; k < WN_ARRAY_LEN(masks); k++) {
			env[i] ^= masks[k];
			if (proto_envelope_decode(env, len, &e, &err) == WN_OK) {
				decoded++;
				if (proto_envelope_verify(&e, pa->sign_pk) &&
				    proto_envelope_open(&e, kba, plain,
				        sizeof(plain), &n) == WN_OK)
					fail_msg("flip %#x at %zu accepted",
					    masks[k], i);
			}
			env[i] ^= masks[k];
		}
	}
	/* flips in the id, ts, payload and signature still decode */
	assert_true(decoded > 0);
	assert_int_equal(receive(env, len, &e), 11);
}

static void
test_truncation_and_trailing(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_error err;
	size_t len;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	len = seal_a(&h, "abc", 3);
	for (size_t n = 0; n < len; n++)
		assert_int_equal(proto_envelope_decode(env, n, &e, &err),
		    WN_EPROTO);
	env[len] = 0x00;
	assert_int_equal(proto_envelope_decode(env, len + 1, &e, &err),
	    WN_EPROTO);
	assert_string_equal(err.msg, "trailing bytes");
	assert_int_equal(err.offset, len);
}

static void
test_padding_buckets(void **state)
{
	static const struct {
		size_t body, payload;
	} cases[] = {
		{0, 256 + 40}, {1, 256 + 40}, {200, 256 + 40},
		{255, 256 + 40}, {256, 512 + 40}, {300, 512 + 40},
		{5000, 8192 + 40}, {PROTO_BODY_MAX - 1, PROTO_BODY_MAX + 40},
	};
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_writer w;
	size_t len;
	(void)state;

	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		hdr_init(&h, PROTO_MSG_DATA);
		sec_random(body, cases[i].body);
		len = seal_a(&h, body, cases[i].body);
		assert_true(len <= PROTO_ENVELOPE_MAX);
		assert_int_equal(receive(env, len, &e), cases[i].body);
		assert_int_equal(e.cose.payload_len, cases[i].payload);
		assert_memory_equal(plain, body, cases[i].body);
	}
	/* a body must leave room for one padding byte */
	hdr_init(&h, PROTO_MSG_DATA);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_envelope_seal(&h, body, PROTO_BODY_MAX, kab,
			     sign_cb, ida, &w),
	    WN_EINVAL);
	assert_int_equal(w.len, 0);
}

static void
test_bad_padding_refused(void **state)
{
	uint8_t prot[320], payload[256 + SEC_BOX_OVERHEAD];
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_writer pw, w;
	struct proto_error err;
	size_t n;
	(void)state;

	/* a correct box of 256 zero bytes: no 0x80 marker */
	memset(plain, 0, 256);
	sec_box_seal(kab, plain, 256, payload);
	hdr_init(&h, PROTO_MSG_DATA);
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 10);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, -8);
	proto_write_text(&pw, "sid");
	proto_write_bytes(&pw, h.sid, 16);
	proto_write_text(&pw, "v");
	proto_write_uint(&pw, PROTO_VERSION);
	proto_write_text(&pw, "t");
	proto_write_uint(&pw, 3);
	proto_write_text(&pw, "from");
	proto_write_text(&pw, "police-zone");
	proto_write_text(&pw, "to");
	proto_write_text(&pw, "municipality");
	proto_write_text(&pw, "id");
	proto_write_bytes(&pw, h.id, 16);
	proto_write_text(&pw, "ts");
	proto_write_int(&pw, 1);
	proto_write_text(&pw, "seq");
	proto_write_uint(&pw, 1);
	proto_write_text(&pw, "mv");
	proto_write_uint(&pw, 0);
	assert_int_equal(proto_writer_status(&pw), WN_OK);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_cose_sign1_encode(prot, pw.len, NULL, 0,
			     payload, sizeof(payload), sign_cb, ida, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(env, w.len, &e, &err), WN_OK);
	assert_true(proto_envelope_verify(&e, pa->sign_pk));
	assert_int_equal(proto_envelope_open(&e, kba, plain, sizeof(plain),
			     &n),
	    WN_ECRYPTO);
}

static void
test_seal_refusals(void **state)
{
	struct proto_env_header h;
	struct proto_writer w;
	uint8_t big[PROTO_ERRBODY_MAX + 1] = {0};
	(void)state;

	proto_writer_init(&w, env, sizeof(env));
#define REFUSED(expr) assert_int_equal((expr), WN_EINVAL)
	hdr_init(&h, PROTO_MSG_DATA);
	h.version = PROTO_VERSION + 1;
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, 0);
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_ENVELOPE_TYPE_MAX + 1);
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_DATA);
	wn_strlcpy(h.from, "Police", sizeof(h.from));
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_DATA);
	h.to[0] = '\0';
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_DATA);
	memset(h.to, 'a', sizeof(h.to)); /* not terminated */
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_DATA);
	wn_strlcpy(h.tp, "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
	    sizeof(h.tp));
	REFUSED(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_DATA);
	REFUSED(proto_envelope_seal(&h, "x", 1, NULL, sign_cb, ida, &w));
	/* no signer is allowed: a batch-signed envelope (see manifest.h) */
	REFUSED(proto_envelope_seal(&h, NULL, 1, kab, sign_cb, ida, &w));
	hdr_init(&h, PROTO_MSG_ERROR);
	REFUSED(proto_envelope_seal(&h, big, sizeof(big), NULL, sign_cb, ida,
	    &w));
#undef REFUSED
	assert_int_equal(w.len, 0);
	/* the signer's error comes back, and nothing is written */
	hdr_init(&h, PROTO_MSG_DATA);
	assert_int_equal(proto_envelope_seal(&h, "x", 1, kab, sign_fail, NULL,
			     &w),
	    WN_EBUSY);
	assert_int_equal(w.len, 0);
	/* a full writer */
	proto_writer_init(&w, env, 100);
	assert_int_equal(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida,
			     &w),
	    WN_ETOOBIG);
}

static int fail_after, allocs;

static void *
failing_malloc(size_t n)
{
	return allocs++ >= fail_after ? NULL : malloc(n);
}

static void *
failing_realloc(void *p, size_t n)
{
	return allocs++ >= fail_after ? NULL : realloc(p, n);
}

static void
test_seal_allocation_failures(void **state)
{
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_writer w;
	bool done = false;
	wn_err rv;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	memset(body, 7, 5000);
	for (fail_after = 0; !done && fail_after < 32; fail_after++) {
		allocs = 0;
		proto_set_allocs(failing_malloc, failing_realloc, NULL);
		rv = proto_writer_init_dynamic(&w, 64, PROTO_ENVELOPE_MAX);
		if (rv == WN_OK) {
			rv = proto_envelope_seal(&h, body, 5000, kab, sign_cb,
			    ida, &w);
			proto_set_allocs(NULL, NULL, NULL);
			if (rv == WN_OK) {
				assert_int_equal(receive(w.buf, w.len, &e),
				    5000);
				done = true;
			}
		}
		proto_set_allocs(NULL, NULL, NULL);
		if (rv != WN_OK)
			assert_int_equal(rv, WN_ENOMEM);
		proto_writer_release(&w);
	}
	assert_true(done);
	assert_true(fail_after > 2); /* some allocations did fail */
}

/* ---- hand-built envelopes ------------------------------------------- */

enum kind { K_UINT, K_INT, K_TEXT, K_BYTES, K_BOOL };

struct ent {
	const char *label; /* NULL: the integer label ilabel */
	int64_t ilabel;
	enum kind kind;
	uint64_t u;
	int64_t i;
	const char *t;
	size_t blen;
};

#define NENT 10

static void
default_ents(struct ent e[NENT])
{
	const struct ent d[NENT] = {
		{NULL, 1, K_INT, 0, -8, NULL, 0},
		{"v", 0, K_UINT, PROTO_VERSION, 0, NULL, 0},
		{"t", 0, K_UINT, PROTO_MSG_DATA, 0, NULL, 0},
		{"from", 0, K_TEXT, 0, 0, "police-zone", 0},
		{"to", 0, K_TEXT, 0, 0, "municipality", 0},
		{"id", 0, K_BYTES, 0, 0, NULL, 16},
		{"ts", 0, K_INT, 0, 1700000000000, NULL, 0},
		{"seq", 0, K_UINT, 1, 0, NULL, 0},
		{"mv", 0, K_UINT, 0, 0, NULL, 0},
		{"sid", 0, K_BYTES, 0, 0, NULL, 16}, /* last: an ERROR drops it */
	};
	memcpy(e, d, sizeof(d));
}

static void
write_ents(struct proto_writer *w, const struct ent *e, size_t n)
{
	static const uint8_t bytes[64] = {0x42};

	proto_write_map(w, n);
	for (size_t i = 0; i < n; i++) {
		if (e[i].label == NULL)
			proto_write_int(w, e[i].ilabel);
		else
			proto_write_text(w, e[i].label);
		switch (e[i].kind) {
		case K_UINT:
			proto_write_uint(w, e[i].u);
			break;
		case K_INT:
			proto_write_int(w, e[i].i);
			break;
		case K_TEXT:
			proto_write_text(w, e[i].t);
			break;
		case K_BYTES:
			proto_write_bytes(w, bytes, e[i].blen);
			break;
		case K_BOOL:
			proto_write_bool(w, true);
			break;
		}
	}
}

/* raw_env signs a hand-built envelope into env; returns its length. */
static size_t
raw_env(const struct ent *e, size_t n, const uint8_t *unprot,
    size_t unprot_len, size_t payload_len)
{
	uint8_t prot[1024];
	struct proto_writer pw, w;

	proto_writer_init(&pw, prot, sizeof(prot));
	write_ents(&pw, e, n);
	assert_int_equal(proto_writer_status(&pw), WN_OK);
	memset(body, 0x33, payload_len);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_cose_sign1_encode(prot, pw.len, unprot,
			     unprot_len, body, payload_len, sign_cb, ida, &w),
	    WN_OK);
	return w.len;
}

/* refused: decoding env fails with a message containing want, at an
 * offset inside the input. */
static void
refused(size_t len, const char *want)
{
	struct proto_envelope e;
	struct proto_error err;

	memset(&err, 0, sizeof(err));
	assert_int_equal(proto_envelope_decode(env, len, &e, &err), WN_EPROTO);
	if (strstr(err.msg, want) == NULL)
		fail_msg("message \"%s\" does not contain \"%s\"", err.msg,
		    want);
	assert_true(err.offset < len || (len == 0 && err.offset == 0));
}

static void
test_raw_valid(void **state)
{
	struct ent e[NENT + 1];
	struct proto_envelope out;
	struct proto_error err;
	size_t len;
	(void)state;

	default_ents(e);
	len = raw_env(e, NENT, NULL, 0, 296);
	assert_int_equal(proto_envelope_decode(env, len, &out, &err), WN_OK);
	assert_true(proto_envelope_verify(&out, pa->sign_pk));
	assert_string_equal(out.h.from, "police-zone");
	assert_true(out.h.ts_ms == 1700000000000);
	/* any order is accepted: reversed */
	for (size_t i = 0; i < NENT / 2; i++) {
		struct ent t = e[i];
		e[i] = e[NENT - 1 - i];
		e[NENT - 1 - i] = t;
	}
	e[NENT] = (struct ent){"tp", 0, K_TEXT, 0, 0,
	    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 0};
	len = raw_env(e, NENT + 1, NULL, 0, 296);
	assert_int_equal(proto_envelope_decode(env, len, &out, &err), WN_OK);
	assert_string_equal(out.h.tp, e[NENT].t);
}

static void
test_missing_each_label(void **state)
{
	struct ent e[NENT], f[NENT];
	char want[32];
	(void)state;

	default_ents(e);
	for (size_t k = 0; k < NENT; k++) {
		size_t n = 0;
		for (size_t i = 0; i < NENT; i++) {
			if (i != k)
				f[n++] = e[i];
		}
		if (e[k].label == NULL)
			snprintf(want, sizeof(want), "missing label 1");
		else
			snprintf(want, sizeof(want), "missing label \"%s\"",
			    e[k].label);
		refused(raw_env(f, n, NULL, 0, 296), want);
	}
}

static void
test_duplicate_label(void **state)
{
	struct ent e[NENT + 1];
	struct proto_envelope out;
	struct proto_error err;
	size_t len;
	(void)state;

	default_ents(e);
	e[NENT] = e[2]; /* "t" again, same value */
	len = raw_env(e, NENT + 1, NULL, 0, 296);
	refused(len, "duplicate label \"t\"");
	/* the offset points at the second "t" in the whole envelope */
	assert_int_equal(proto_envelope_decode(env, len, &out, &err),
	    WN_EPROTO);
	assert_int_equal(env[err.offset], 0x61);
	assert_int_equal(env[err.offset + 1], 't');
	assert_true(err.offset > 20);
	default_ents(e);
	e[NENT] = e[0]; /* alg twice */
	refused(raw_env(e, NENT + 1, NULL, 0, 296), "duplicate label \"1\"");
}

static void
test_unknown_labels(void **state)
{
	struct ent e[NENT + 1];
	(void)state;

	default_ents(e);
	e[NENT] = (struct ent){"zz", 0, K_UINT, 1, 0, NULL, 0};
	refused(raw_env(e, NENT + 1, NULL, 0, 296), "unknown label \"zz\"");
	e[NENT] = (struct ent){NULL, 3, K_UINT, 0, 0, NULL, 0};
	refused(raw_env(e, NENT + 1, NULL, 0, 296), "unknown label 3");
	e[NENT] = (struct ent){NULL, -1, K_UINT, 0, 0, NULL, 0};
	refused(raw_env(e, NENT + 1, NULL, 0, 296), "unknown label -1");
	e[NENT] = (struct ent){"V", 0, K_UINT, 1, 0, NULL, 0};
	refused(raw_env(e, NENT + 1, NULL, 0, 296), "unknown label \"V\"");
}

static void
test_wrong_types(void **state)
{
	static const struct {
		size_t idx;
		struct ent value;
		const char *want;
	} cases[] = {
		{0, {NULL, 1, K_TEXT, 0, 0, "EdDSA", 0}, "expected integer"},
		{0, {NULL, 1, K_INT, 0, -7, NULL, 0}, "unsupported alg -7"},
		{1, {"v", 0, K_TEXT, 0, 0, "1", 0}, "expected uint"},
		{1, {"v", 0, K_INT, 0, -1, NULL, 0}, "expected uint"},
		{2, {"t", 0, K_UINT, 0, 0, NULL, 0}, "unknown message type 0"},
		{2, {"t", 0, K_UINT, 15, 0, NULL, 0}, "unknown message type 15"},
		{2, {"t", 0, K_BOOL, 0, 0, NULL, 0}, "expected uint"},
		{3, {"from", 0, K_UINT, 5, 0, NULL, 0}, "expected text"},
		{3, {"from", 0, K_TEXT, 0, 0, "Police", 0}, "not an org id"},
		{3, {"from", 0, K_TEXT, 0, 0, "", 0}, "not an org id"},
		{4, {"to", 0, K_TEXT, 0, 0,
		    "a234567890123456789012345678901234567890123456789012345678901234",
		    0}, "not an org id"},
		{4, {"to", 0, K_BYTES, 0, 0, NULL, 5}, "expected text"},
		{5, {"id", 0, K_BYTES, 0, 0, NULL, 15}, "expected 16"},
		{5, {"id", 0, K_BYTES, 0, 0, NULL, 17}, "expected 16"},
		{5, {"id", 0, K_TEXT, 0, 0, "0123456789abcdef", 0},
		    "expected bytes"},
		{6, {"ts", 0, K_TEXT, 0, 0, "now", 0}, "expected integer"},
		{7, {"seq", 0, K_INT, 0, -1, NULL, 0}, "expected uint"},
		{8, {"mv", 0, K_BOOL, 0, 0, NULL, 0}, "expected uint"},
		{8, {"tp", 0, K_TEXT, 0, 0,
		    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		    0}, "not a traceparent"},
		{8, {"tp", 0, K_TEXT, 0, 0, "00-abc", 0}, "not a traceparent"},
	};
	struct ent e[NENT];
	(void)state;

	for (size_t i = 0; i < WN_ARRAY_LEN(cases); i++) {
		default_ents(e);
		if (cases[i].value.label != NULL &&
		    strcmp(cases[i].value.label, "tp") == 0) {
			struct ent f[NENT + 1];
			memcpy(f, e, sizeof(e));
			f[NENT] = cases[i].value;
			refused(raw_env(f, NENT + 1, NULL, 0, 296),
			    cases[i].want);
			continue;
		}
		e[cases[i].idx] = cases[i].value;
		refused(raw_env(e, NENT, NULL, 0, 296), cases[i].want);
	}
}

static void
test_version_refused(void **state)
{
	struct ent e[NENT + 1];
	(void)state;

	default_ents(e);
	e[1].u = 6;
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 6");
	e[1].u = 4; /* before cases on a token */
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 4");
	e[1].u = 3; /* before sessions */
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 3");
	e[1].u = 2; /* before the token, concern and root messages */
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 2");
	e[1].u = 1; /* before receipts named their transfer */
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 1");
	e[1].u = 0;
	refused(raw_env(e, NENT, NULL, 0, 296),
	    "unsupported protocol version 0");
	/* a newer version with a label we do not know: still the version */
	default_ents(e);
	e[1] = (struct ent){"new", 0, K_UINT, 1, 0, NULL, 0};
	e[NENT] = (struct ent){"v", 0, K_UINT, 6, 0, NULL, 0};
	refused(raw_env(e, NENT + 1, NULL, 0, 296),
	    "unsupported protocol version 6");
}

/* "sid": required on every type but ERROR, SESSION_OPEN and
 * SESSION_ACCEPT, refused on those three, 16 bytes (PROTOCOL.md,
 * "Sessions") */
static void
test_sid_rule(void **state)
{
	static const uint32_t without[] = {PROTO_MSG_ERROR,
	    PROTO_MSG_SESSION_OPEN, PROTO_MSG_SESSION_ACCEPT};
	struct ent e[NENT];
	struct proto_envelope out;
	struct proto_error err;
	struct proto_env_header h;
	struct proto_writer w;
	size_t len;
	(void)state;

	/* every type an envelope may carry */
	for (uint32_t t = 1; t <= PROTO_ENVELOPE_TYPE_MAX; t++) {
		bool has = true;
		for (size_t i = 0; i < 3; i++)
			has &= t != without[i];
		assert_int_equal(proto_msg_has_sid(t), has);
		if (t == PROTO_MSG_MANIFEST || t == 32)
			continue; /* never an envelope's, or not a type */
		default_ents(e);
		e[2].u = t;
		size_t plen = t == PROTO_MSG_ERROR ? 20 : 296;
		if (has) {
			len = raw_env(e, NENT, NULL, 0, plen);
			assert_int_equal(proto_envelope_decode(env, len, &out,
					     &err), WN_OK);
			assert_true(out.h.has_sid);
			refused(raw_env(e, NENT - 1, NULL, 0, plen),
			    "missing label \"sid\"");
		} else {
			len = raw_env(e, NENT - 1, NULL, 0, plen);
			assert_int_equal(proto_envelope_decode(env, len, &out,
					     &err), WN_OK);
			assert_false(out.h.has_sid);
			refused(raw_env(e, NENT, NULL, 0, plen),
			    "\"sid\" on a");
		}
	}
	/* its size and type */
	default_ents(e);
	e[NENT - 1].blen = 15;
	refused(raw_env(e, NENT, NULL, 0, 296), "\"sid\" has 15 bytes");
	e[NENT - 1].blen = 17;
	refused(raw_env(e, NENT, NULL, 0, 296), "\"sid\" has 17 bytes");
	e[NENT - 1] = (struct ent){"sid", 0, K_TEXT, 0, 0, "0123456789abcdef",
	    0};
	refused(raw_env(e, NENT, NULL, 0, 296), "expected");
	/* the encoder holds to the same rule, and writes the sid */
	proto_writer_init(&w, env, sizeof(env));
	hdr_init(&h, PROTO_MSG_DATA);
	h.has_sid = false;
	assert_int_equal(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w),
	    WN_EINVAL);
	hdr_init(&h, PROTO_MSG_SESSION_OPEN);
	h.has_sid = true;
	assert_int_equal(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w),
	    WN_EINVAL);
	hdr_init(&h, PROTO_MSG_ERROR);
	h.has_sid = true;
	assert_int_equal(proto_envelope_seal(&h, "x", 1, NULL, sign_cb, ida,
			     &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	hdr_init(&h, PROTO_MSG_DATA);
	sec_random(h.sid, sizeof(h.sid));
	assert_int_equal(proto_envelope_seal(&h, "x", 1, kab, sign_cb, ida, &w),
	    WN_OK);
	assert_int_equal(proto_envelope_decode(env, w.len, &out, &err), WN_OK);
	assert_memory_equal(out.h.sid, h.sid, sizeof(h.sid));
}

static void
test_structure_refusals(void **state)
{
	static const uint8_t kid[] = {0xa1, 0x04, 0x42, 0x31, 0x31};
	struct ent e[NENT];
	struct proto_envelope out;
	struct proto_error err;
	size_t len;
	(void)state;

	default_ents(e);
	refused(raw_env(e, NENT, kid, sizeof(kid), 296),
	    "unprotected header must be empty");
	/* payload sizes: not a bucket + 40, or too big for an error */
	refused(raw_env(e, NENT, NULL, 0, 295), "does not fit");
	refused(raw_env(e, NENT, NULL, 0, 297), "does not fit");
	refused(raw_env(e, NENT, NULL, 0, 128 + 40), "does not fit");
	refused(raw_env(e, NENT, NULL, 0, 768 + 40), "does not fit");
	e[2].u = PROTO_MSG_ERROR;
	assert_int_equal(proto_envelope_decode(env,
			     raw_env(e, NENT - 1, NULL, 0, PROTO_ERRBODY_MAX),
			     &out, &err),
	    WN_OK);
	refused(raw_env(e, NENT - 1, NULL, 0, PROTO_ERRBODY_MAX + 1),
	    "does not fit");
	/* the tag */
	default_ents(e);
	len = raw_env(e, NENT, NULL, 0, 296);
	env[0] = 0xd3; /* tag 19 */
	refused(len, "expected 18");
	refused(0, "truncated");
	/* a protected header that is not a map */
	{
		uint8_t prot[] = {0x80};
		uint8_t payload[296] = {0};
		struct proto_writer w;

		proto_writer_init(&w, env, sizeof(env));
		proto_write_tag(&w, 18);
		proto_write_array(&w, 4);
		proto_write_bytes(&w, prot, sizeof(prot));
		proto_write_map(&w, 0);
		proto_write_bytes(&w, payload, sizeof(payload));
		proto_write_bytes(&w, payload, 64);
		assert_int_equal(proto_writer_status(&w), WN_OK);
		refused(w.len, "expected map");
		/* and an empty one */
		proto_writer_init(&w, env, sizeof(env));
		proto_write_tag(&w, 18);
		proto_write_array(&w, 4);
		proto_write_bytes(&w, prot, 0);
		proto_write_map(&w, 0);
		proto_write_bytes(&w, payload, sizeof(payload));
		proto_write_bytes(&w, payload, 64);
		refused(w.len, "empty protected header");
	}
	/* oversized: refused before anything is read */
	memset(env, 0, sizeof(env));
	assert_int_equal(proto_envelope_decode(env, PROTO_ENVELOPE_MAX + 1,
			     &out, &err),
	    WN_ETOOBIG);
	assert_non_null(strstr(err.msg, "exceeds"));
}

/* ---- generic COSE_Sign1 --------------------------------------------- */

static void
test_cose_generic(void **state)
{
	uint8_t buf[512], prot[256], sig[64] = {0};
	struct proto_cose_sign1 m;
	struct proto_error err;
	struct proto_writer w, pw;
	(void)state;

	/* empty protected bstr: decodes, alg 0, never verifies */
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(NULL, 0, NULL, 0,
			     (const uint8_t *)"p", 1, sign_cb, ida, &w),
	    WN_OK);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err), WN_OK);
	assert_true(m.alg == 0);
	assert_false(proto_cose_sign1_verify(&m, pa->sign_pk));

	/* 33 labels */
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 33);
	for (int i = 0; i < 33; i++) {
		proto_write_int(&pw, -100 - i);
		proto_write_uint(&pw, 0);
	}
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(prot, pw.len, NULL, 0, NULL, 0,
			     sign_cb, ida, &w),
	    WN_OK);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "at most 32"));

	/* duplicate text labels */
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 3);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, -8);
	proto_write_text(&pw, "x");
	proto_write_uint(&pw, 0);
	proto_write_text(&pw, "x");
	proto_write_uint(&pw, 1);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(prot, pw.len, NULL, 0, NULL, 0,
			     sign_cb, ida, &w),
	    WN_OK);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "duplicate"));
	/* the error offset is the second "x" within buf */
	assert_int_equal(buf[err.offset], 0x61);
	assert_true(err.offset > 4);

	/* wrong shapes */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_tag(&w, 18);
	proto_write_array(&w, 3);
	proto_write_bytes(&w, NULL, 0);
	proto_write_map(&w, 0);
	proto_write_bytes(&w, NULL, 0);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "expected 4"));

	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_tag(&w, 18);
	proto_write_array(&w, 4);
	proto_write_bytes(&w, NULL, 0);
	proto_write_map(&w, 0);
	proto_write_null(&w);
	proto_write_bytes(&w, sig, 64);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "detached"));

	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_tag(&w, 18);
	proto_write_array(&w, 4);
	proto_write_bytes(&w, NULL, 0);
	proto_write_array(&w, 0);
	proto_write_bytes(&w, NULL, 0);
	proto_write_bytes(&w, sig, 64);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "unprotected header is array"));

	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_tag(&w, 18);
	proto_write_array(&w, 4);
	proto_write_bytes(&w, NULL, 0);
	proto_write_map(&w, 0);
	proto_write_bytes(&w, NULL, 0);
	proto_write_bytes(&w, sig, 63);
	assert_int_equal(proto_cose_sign1_decode(buf, w.len, &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "signature of 63"));

	/* the encoder refuses headers that are not one map */
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode((const uint8_t *)"\x80", 1,
			     NULL, 0, NULL, 0, sign_cb, ida, &w),
	    WN_EINVAL);
	assert_int_equal(proto_cose_sign1_encode(NULL, 0,
			     (const uint8_t *)"\xa0\x00", 2, NULL, 0, sign_cb,
			     ida, &w),
	    WN_EINVAL);
	assert_int_equal(proto_cose_sign1_encode(NULL, 0, NULL, 0, body,
			     PROTO_ENVELOPE_MAX, sign_cb, ida, &w),
	    WN_ETOOBIG);
	assert_int_equal(w.len, 0);
}

/* ---- transfers ------------------------------------------------------ */

static void
test_transfer_roundtrip(void **state)
{
	static uint8_t frame[64 * 600];
	static struct proto_transfer t, got;
	struct proto_env_header h;
	struct proto_envelope e;
	struct proto_writer w;
	struct proto_error err;
	size_t len;
	(void)state;

	hdr_init(&h, PROTO_MSG_DATA);
	len = seal_a(&h, "one", 3);
	t.n = PROTO_TRANSFER_MAX;
	for (size_t i = 0; i < t.n; i++) {
		t.env[i] = env;
		t.env_len[i] = len;
	}
	proto_writer_init(&w, frame, sizeof(frame));
	assert_int_equal(proto_transfer_encode(&t, &w), WN_OK);
	assert_true(w.len <= PROTO_TRANSFER_HEAD +
	    t.n * (len + PROTO_TRANSFER_ITEM));
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_OK);
	assert_int_equal(got.n, 64);
	for (size_t i = 0; i < got.n; i++) {
		assert_int_equal(got.env_len[i], len);
		assert_memory_equal(got.env[i], env, len);
		assert_int_equal(receive(got.env[i], got.env_len[i], &e), 3);
	}
	/* streaming, one envelope */
	proto_writer_init(&w, frame, sizeof(frame));
	proto_transfer_encode_begin(&w, 1);
	proto_transfer_encode_add(&w, env, len);
	assert_int_equal(proto_writer_status(&w), WN_OK);
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_OK);
	assert_int_equal(got.n, 1);
}

static void
test_transfer_refusals(void **state)
{
	static uint8_t frame[70 * 8];
	static struct proto_transfer t, got;
	struct proto_writer w;
	struct proto_error err;
	(void)state;

	/* 0 and 65 envelopes: the encoder refuses, the decoder too */
	got.n = 42;
	t.n = 0;
	proto_writer_init(&w, frame, sizeof(frame));
	assert_int_equal(proto_transfer_encode(&t, &w), WN_EINVAL);
	t.n = 65;
	for (size_t i = 0; i < PROTO_TRANSFER_MAX; i++) {
		t.env[i] = (const uint8_t *)"x";
		t.env_len[i] = 1;
	}
	assert_int_equal(proto_transfer_encode(&t, &w), WN_EINVAL);
	proto_transfer_encode_begin(&w, 0);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);
	proto_writer_init(&w, frame, sizeof(frame));
	proto_transfer_encode_begin(&w, 65);
	assert_int_equal(proto_writer_status(&w), WN_EINVAL);

	proto_writer_init(&w, frame, sizeof(frame));
	proto_write_array(&w, 0);
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "0 envelopes"));
	proto_writer_init(&w, frame, sizeof(frame));
	proto_write_array(&w, 65);
	for (int i = 0; i < 65; i++)
		proto_write_bytes(&w, "x", 1);
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "65 envelopes"));

	/* an element that is not a bstr, an empty one, trailing bytes */
	proto_writer_init(&w, frame, sizeof(frame));
	proto_write_array(&w, 2);
	proto_write_bytes(&w, "x", 1);
	proto_write_text(&w, "x");
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_EPROTO);
	assert_int_equal(err.offset, 3);
	proto_writer_init(&w, frame, sizeof(frame));
	proto_write_array(&w, 1);
	proto_write_bytes(&w, NULL, 0);
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_EPROTO);
	proto_writer_init(&w, frame, sizeof(frame));
	proto_write_array(&w, 1);
	proto_write_bytes(&w, "x", 1);
	proto_write_uint(&w, 0);
	assert_int_equal(proto_transfer_decode(frame, w.len, &got, &err),
	    WN_EPROTO);
	assert_string_equal(err.msg, "trailing bytes");
	assert_int_equal(got.n, 42); /* untouched by the failures */
}

static void
test_transfer_sizes(void **state)
{
	static struct proto_transfer t, got;
	struct proto_writer w;
	struct proto_error err;
	uint8_t *big;
	(void)state;

	/* the frame cap comes first */
	big = calloc(1, PROTO_FRAME_MAX + 1);
	assert_non_null(big);
	assert_int_equal(proto_transfer_decode(big, PROTO_FRAME_MAX + 1, &got,
			     &err),
	    WN_ETOOBIG);
	/* an envelope over its cap inside a frame */
	proto_writer_init(&w, big, PROTO_FRAME_MAX);
	proto_write_array(&w, 1);
	proto_write_bytes(&w, body, 0);
	w.len = 0;
	proto_write_array(&w, 1);
	{
		static uint8_t huge[PROTO_ENVELOPE_MAX + 1];
		proto_write_bytes(&w, huge, sizeof(huge));
		assert_int_equal(proto_writer_status(&w), WN_OK);
		assert_int_equal(proto_transfer_decode(big, w.len, &got, &err),
		    WN_ETOOBIG);
		assert_non_null(strstr(err.msg, "exceeds"));
		t.n = 1;
		t.env[0] = huge;
		t.env_len[0] = sizeof(huge);
		proto_writer_init(&w, big, PROTO_FRAME_MAX);
		assert_int_equal(proto_transfer_encode(&t, &w), WN_EINVAL);
		/* 9 full envelopes exceed the frame */
		t.n = 9;
		for (size_t i = 0; i < t.n; i++) {
			t.env[i] = huge;
			t.env_len[i] = PROTO_ENVELOPE_MAX;
		}
		assert_int_equal(proto_transfer_encode(&t, &w), WN_ETOOBIG);
		t.n = 7;
		assert_int_equal(proto_transfer_encode(&t, &w), WN_OK);
		assert_int_equal(proto_transfer_decode(big, w.len, &got, &err),
		    WN_OK);
		assert_int_equal(got.n, 7);
	}
	free(big);
}

/* The documented bound holds exactly for a batch transfer too: a batch of
 * 24 envelopes (a 2-byte array header) whose encoding is one byte over the
 * frame is refused by the encoder, one byte less is taken and decodes. */
static void
test_transfer_bound_with_manifest(void **state)
{
	static struct proto_transfer t, got;
	static uint8_t man[1000];
	struct proto_writer w;
	struct proto_error err;
	uint8_t *big = calloc(1, PROTO_ENVELOPE_MAX);
	size_t bound, last;
	(void)state;
	assert_non_null(big);
	/* 7 full envelopes, one of `last` bytes, 16 of one byte */
	t.n = 24;
	t.manifest = man;
	t.manifest_len = sizeof(man);
	for (size_t i = 0; i < t.n; i++) {
		t.env[i] = big;
		t.env_len[i] = i < 7 ? PROTO_ENVELOPE_MAX : 1;
	}
	/* FRAME_MAX + 1 = batch head + manifest bstr + array head + items */
	last = PROTO_FRAME_MAX + 1 - PROTO_TRANSFER_BATCH_HEAD -
	    (sizeof(man) + 3) - 2 - 7 * (PROTO_ENVELOPE_MAX + 5) - 16 * 2 - 5;
	t.env_len[7] = last;
	bound = PROTO_TRANSFER_HEAD + PROTO_TRANSFER_BATCH_HEAD +
	    sizeof(man) + PROTO_TRANSFER_ITEM;
	for (size_t i = 0; i < t.n; i++)
		bound += t.env_len[i] + PROTO_TRANSFER_ITEM;
	assert_true(bound >= PROTO_FRAME_MAX + 1);
	assert_int_equal(proto_writer_init_dynamic(&w, 0, 2 * PROTO_FRAME_MAX),
	    WN_OK);
	assert_int_equal(proto_transfer_encode(&t, &w), WN_ETOOBIG);
	proto_writer_reset(&w);
	t.env_len[7] = last - 1;
	assert_int_equal(proto_transfer_encode(&t, &w), WN_OK);
	assert_int_equal(w.len, PROTO_FRAME_MAX);
	assert_int_equal(proto_transfer_decode(w.buf, w.len, &got, &err),
	    WN_OK);
	assert_int_equal(got.n, 24);
	assert_int_equal(got.manifest_len, sizeof(man));
	proto_writer_release(&w);
	free(big);
}

/* ---- bodies --------------------------------------------------------- */

/* body_refused: decoder(buf, len) fails with EPROTO and want in msg. */
#define BODY_REFUSED(call, want)                                               \
	do {                                                                   \
		struct proto_error e_;                                         \
		memset(&e_, 0, sizeof(e_));                                    \
		assert_int_equal(call, WN_EPROTO);                             \
		if (strstr(e_.msg, (want)) == NULL)                            \
			fail_msg("\"%s\" lacks \"%s\"", e_.msg, (want));        \
	} while (0)

static void
test_errbody(void **state)
{
	struct proto_errbody b = {0}, got;
	struct proto_writer w;
	uint8_t buf[1024];
	(void)state;

	b.code = WN_EDENIED;
	memset(b.reason, 'r', PROTO_REASON_MAX);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_errbody_encode(&b, &w), WN_OK);
	assert_int_equal(proto_errbody_decode(buf, w.len, &got, NULL), WN_OK);
	assert_int_equal(got.code, WN_EDENIED);
	assert_int_equal(strlen(got.reason), PROTO_REASON_MAX);
	assert_false(got.has_id);
	b.has_id = true;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_errbody_encode(&b, &w), WN_OK);
	assert_true(w.len <= PROTO_ERRBODY_MAX);

	/* encoder refusals */
	b.code = PROTO_CODE_MAX + 1;
	assert_int_equal(proto_errbody_encode(&b, &w), WN_EINVAL);
	b.code = 1;
	memset(b.reason, 'r', sizeof(b.reason)); /* not terminated */
	assert_int_equal(proto_errbody_encode(&b, &w), WN_EINVAL);

	/* decoder refusals */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 256);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "");
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_), "code 256");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_textn(&w, (const char *)body, 0);
	memset(body, 'q', 256);
	w.len = 0;
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_textn(&w, (const char *)body, 256);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "reason of 256");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "duplicate key 1");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "missing key 2");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "x");
	proto_write_uint(&w, 4);
	proto_write_uint(&w, 1);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "unknown key 4");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "x");
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, "short", 5);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "expected 16 bytes");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_bytes(&w, "x", 1);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "expected text");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "x");
	proto_write_uint(&w, 0);
	BODY_REFUSED(proto_errbody_decode(buf, w.len, &got, &e_),
	    "trailing bytes");
	assert_int_equal(got.code, WN_EDENIED); /* untouched */
}

static void
test_receipt(void **state)
{
	static struct proto_receipt rc, got;
	static uint8_t buf[32768];
	struct proto_writer w;
	(void)state;

	rc.naccepted = PROTO_RECEIPT_MAX;
	rc.nrefused = PROTO_RECEIPT_MAX;
	for (size_t i = 0; i < PROTO_RECEIPT_MAX; i++) {
		sec_random(rc.accepted[i], PROTO_ID_LEN);
		sec_random(rc.refused[i].id, PROTO_ID_LEN);
		rc.refused[i].code = (uint32_t)(i % 17);
		snprintf(rc.refused[i].reason, sizeof(rc.refused[i].reason),
		    "refusal %zu", i);
	}
	sec_random(rc.answers, sizeof(rc.answers));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_OK);
	assert_int_equal(proto_receipt_decode(buf, w.len, &got, NULL), WN_OK);
	assert_memory_equal(&got, &rc, sizeof(rc));
	/* empty lists */
	memset(&rc, 0, sizeof(rc));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_OK);
	assert_int_equal(w.len, 5 + 1 + 2 + 32); /* key 3: the hash */
	assert_int_equal(proto_receipt_decode(buf, w.len, &got, NULL), WN_OK);
	assert_int_equal(got.naccepted + got.nrefused, 0);

	rc.naccepted = PROTO_RECEIPT_MAX + 1;
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_EINVAL);
	rc.naccepted = 0;
	rc.nrefused = 1;
	rc.refused[0].code = 300;
	assert_int_equal(proto_receipt_encode(&rc, &w), WN_EINVAL);

	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 65);
	for (int i = 0; i < 65; i++)
		proto_write_bytes(&w, body, 16);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 0);
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, body, 32);
	BODY_REFUSED(proto_receipt_decode(buf, w.len, &got, &e_),
	    "65 accepted ids");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 1);
	proto_write_array(&w, 2);
	proto_write_bytes(&w, body, 16);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 0);
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, body, 32);
	BODY_REFUSED(proto_receipt_decode(buf, w.len, &got, &e_),
	    "expected 3");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 0);
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, body, 32);
	BODY_REFUSED(proto_receipt_decode(buf, w.len, &got, &e_),
	    "missing key 2");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_array(&w, 1);
	proto_write_bytes(&w, body, 15);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 0);
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, body, 32);
	BODY_REFUSED(proto_receipt_decode(buf, w.len, &got, &e_),
	    "expected 16 bytes");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 4);
	for (int i = 1; i <= 4; i++) {
		proto_write_uint(&w, (uint64_t)i);
		proto_write_array(&w, 0);
	}
	BODY_REFUSED(proto_receipt_decode(buf, w.len, &got, &e_),
	    "at most 3");
}

static void
test_data(void **state)
{
	struct proto_data d;
	struct proto_writer w;
	struct proto_error err;
	(void)state;

	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_data_encode(body, PROTO_DATA_MAX, &w), WN_OK);
	assert_true(w.len < PROTO_BODY_MAX);
	assert_int_equal(proto_data_decode(env, w.len, &d, &err), WN_OK);
	assert_int_equal(d.len, PROTO_DATA_MAX);
	assert_ptr_equal(d.payload, env + w.len - PROTO_DATA_MAX);
	assert_int_equal(proto_data_encode(body, PROTO_DATA_MAX + 1, &w),
	    WN_EINVAL);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_data_encode(NULL, 0, &w), WN_OK);
	assert_int_equal(proto_data_decode(env, w.len, &d, &err), WN_OK);
	assert_int_equal(d.len, 0);

	proto_writer_init(&w, env, sizeof(env));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_bytes(&w, body, PROTO_DATA_MAX + 1);
	BODY_REFUSED(proto_data_decode(env, w.len, &d, &e_), "at most");
	proto_writer_init(&w, env, sizeof(env));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_bytes(&w, body, 1);
	BODY_REFUSED(proto_data_decode(env, w.len, &d, &e_), "unknown key 2");
	proto_writer_init(&w, env, sizeof(env));
	proto_write_map(&w, 0);
	BODY_REFUSED(proto_data_decode(env, w.len, &d, &e_), "missing key 1");
	proto_writer_init(&w, env, sizeof(env));
	proto_write_array(&w, 0);
	BODY_REFUSED(proto_data_decode(env, w.len, &d, &e_), "expected map");
	/* any body of PROTO_BODY_MAX bytes is too big */
	assert_int_equal(proto_data_decode(env, PROTO_BODY_MAX, &d, &err),
	    WN_ETOOBIG);
}

static void
fill_charter(struct proto_charter *c, size_t n)
{
	static const char *const roles[] = {"municipality", "police",
	    "community_guards", "outreach", "welfare", "housing",
	    "youth_work", "mediation"};

	memset(c, 0, sizeof(*c));
	c->version = 3;
	wn_strlcpy(c->federation, "rivierenland", sizeof(c->federation));
	c->issued_ms = 1700000000000;
	c->nmembers = n;
	for (size_t i = 0; i < n; i++) {
		struct proto_member *m = &c->members[i];
		snprintf(m->org, sizeof(m->org), "org-%zu", i);
		snprintf(m->name, sizeof(m->name), "Organisatie nr. %zu — Zuid",
		    i);
		wn_strlcpy(m->role, roles[i % 8], sizeof(m->role));
		snprintf(m->endpoint, sizeof(m->endpoint),
		    i % 2 ? "tls+tcp://node%zu.example.nl:7400" :
		            "tcp://127.0.0.1:%zu", 7000 + i);
		sec_random(m->sign_pk, 32);
		sec_random(m->kx_pk, 32);
		m->directs = i == 0;
	}
}

static void
test_charter_roundtrip(void **state)
{
	struct proto_charter *c = malloc(sizeof(*c)), *got = malloc(sizeof(*c));
	struct proto_writer w;
	struct proto_error err;
	(void)state;

	assert_non_null(c);
	assert_non_null(got);
	for (size_t n = 1; n <= PROTO_CHARTER_MAX_MEMBERS; n += 255) {
		fill_charter(c, n);
		proto_writer_init(&w, env, sizeof(env));
		assert_int_equal(proto_charter_encode(c, &w), WN_OK);
		assert_true(w.len < PROTO_BODY_MAX - 128);
		memset(got, 0xee, sizeof(*got));
		assert_int_equal(proto_charter_decode(env, w.len, got, &err),
		    WN_OK);
		assert_memory_equal(got, c, sizeof(*c));
	}
	free(c);
	free(got);
}

/* charter_refused: encoding c fails, and so does decoding what a careless
 * encoder (bypassing the checks) would have written. */
static void
charter_refused(struct proto_charter *c, const char *want)
{
	struct proto_charter *got = malloc(sizeof(*got));
	struct proto_writer w;
	struct proto_error err;
	const struct proto_member *m;

	assert_non_null(got);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_charter_encode(c, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	proto_write_map(&w, 4);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, c->version);
	proto_write_uint(&w, 2);
	proto_write_text(&w, c->federation);
	proto_write_uint(&w, 3);
	proto_write_int(&w, c->issued_ms);
	proto_write_uint(&w, 4);
	proto_write_array(&w, c->nmembers);
	for (size_t i = 0; i < c->nmembers; i++) {
		m = &c->members[i];
		proto_write_map(&w, 7);
		proto_write_uint(&w, 1);
		proto_write_text(&w, m->org);
		proto_write_uint(&w, 2);
		proto_write_text(&w, m->name);
		proto_write_uint(&w, 3);
		proto_write_text(&w, m->role);
		proto_write_uint(&w, 4);
		proto_write_text(&w, m->endpoint);
		proto_write_uint(&w, 5);
		proto_write_bytes(&w, m->sign_pk, 32);
		proto_write_uint(&w, 6);
		proto_write_bytes(&w, m->kx_pk, 32);
		proto_write_uint(&w, 7);
		proto_write_bool(&w, m->directs);
	}
	assert_int_equal(proto_writer_status(&w), WN_OK);
	memset(got, 0x5a, sizeof(*got));
	memset(&err, 0, sizeof(err));
	assert_int_equal(proto_charter_decode(env, w.len, got, &err),
	    WN_EPROTO);
	if (strstr(err.msg, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", err.msg, want);
	assert_int_equal(((uint8_t *)got)[0], 0x5a); /* untouched */
	free(got);
}

static void
test_charter_refusals(void **state)
{
	struct proto_charter *c = malloc(sizeof(*c));
	(void)state;

	assert_non_null(c);
	fill_charter(c, 3);
	c->version = 0;
	charter_refused(c, "version 0");
	fill_charter(c, 3);
	wn_strlcpy(c->federation, "Rivierenland", sizeof(c->federation));
	charter_refused(c, "invalid federation id");
	fill_charter(c, 0);
	charter_refused(c, "0 members");
	fill_charter(c, 3);
	wn_strlcpy(c->members[2].org, "org-0", sizeof(c->members[2].org));
	charter_refused(c, "duplicate member org-0");
	fill_charter(c, 3);
	wn_strlcpy(c->members[1].role, "mayor", sizeof(c->members[1].role));
	charter_refused(c, "invalid role");
	fill_charter(c, 3);
	wn_strlcpy(c->members[1].endpoint, "http://x", PROTO_ENDPOINT_MAX);
	charter_refused(c, "invalid endpoint");
	fill_charter(c, 3);
	wn_strlcpy(c->members[1].endpoint, "tcp://", PROTO_ENDPOINT_MAX);
	charter_refused(c, "invalid endpoint");
	fill_charter(c, 3);
	wn_strlcpy(c->members[1].endpoint, "tcp://a b", PROTO_ENDPOINT_MAX);
	charter_refused(c, "invalid endpoint");
	fill_charter(c, 3);
	c->members[0].name[0] = '\0';
	charter_refused(c, "invalid member name");
	fill_charter(c, 3);
	c->members[0].name[2] = '\n';
	charter_refused(c, "invalid member name");
	fill_charter(c, 3);
	wn_strlcpy(c->members[0].org, "org.0", sizeof(c->members[0].org));
	charter_refused(c, "invalid member org id");
	free(c);

	{
		struct proto_charter *got = malloc(sizeof(*got));
		struct proto_writer w;
		assert_non_null(got);
		/* 257 members */
		proto_writer_init(&w, env, sizeof(env));
		proto_write_map(&w, 4);
		proto_write_uint(&w, 4);
		proto_write_array(&w, 257);
		for (int i = 0; i < 257; i++)
			proto_write_map(&w, 0);
		BODY_REFUSED(proto_charter_decode(env, w.len, got, &e_),
		    "257 members");
		/* a member without key 7 */
		proto_writer_init(&w, env, sizeof(env));
		proto_write_map(&w, 1);
		proto_write_uint(&w, 4);
		proto_write_array(&w, 1);
		proto_write_map(&w, 6);
		proto_write_uint(&w, 1);
		proto_write_text(&w, "a");
		proto_write_uint(&w, 2);
		proto_write_text(&w, "A");
		proto_write_uint(&w, 3);
		proto_write_text(&w, "police");
		proto_write_uint(&w, 4);
		proto_write_text(&w, "tcp://a:1");
		proto_write_uint(&w, 5);
		proto_write_bytes(&w, body, 32);
		proto_write_uint(&w, 6);
		proto_write_bytes(&w, body, 32);
		BODY_REFUSED(proto_charter_decode(env, w.len, got, &e_),
		    "missing key 7");
		free(got);
	}
}

static void
test_signed_charter(void **state)
{
	struct proto_charter *c = malloc(sizeof(*c)), *got = malloc(sizeof(*c));
	struct proto_cose_sign1 m;
	struct proto_writer w;
	struct proto_error err;
	size_t len;
	(void)state;

	assert_non_null(c);
	assert_non_null(got);
	fill_charter(c, PROTO_CHARTER_MAX_MEMBERS);
	proto_writer_init(&w, env, sizeof(env));
	assert_int_equal(proto_charter_sign(c, sign_cb, ida, &w), WN_OK);
	len = w.len;
	assert_true(len < PROTO_BODY_MAX); /* fits an envelope body */
	assert_int_equal(proto_charter_verify_signed(env, len, pa->sign_pk, got,
			     &err),
	    WN_OK);
	assert_memory_equal(got, c, sizeof(*c));
	assert_int_equal(proto_signed_decode(env, len, PROTO_MSG_CHARTER, &m,
			     &err),
	    WN_OK);
	assert_true(m.alg == -8);
	/* wrong director key, tampered payload */
	memset(got, 0x11, sizeof(*got));
	assert_int_equal(proto_charter_verify_signed(env, len, pb->sign_pk, got,
			     &err),
	    WN_ECRYPTO);
	assert_int_equal(((uint8_t *)got)[0], 0x11);
	env[len - 100] ^= 1; /* inside the signature */
	assert_int_equal(proto_charter_verify_signed(env, len, pa->sign_pk, got,
			     &err),
	    WN_ECRYPTO);
	env[len - 100] ^= 1;
	env[200] ^= 1; /* inside the payload */
	assert_int_equal(proto_charter_verify_signed(env, len, pa->sign_pk, got,
			     &err),
	    WN_ECRYPTO);
	env[200] ^= 1;
	/* a charter is not a chain head */
	assert_int_equal(proto_signed_decode(env, len, PROTO_MSG_CHAIN_HEAD,
			     &m, &err),
	    WN_EPROTO);
	assert_non_null(strstr(err.msg, "expected chain_head"));
	/* an envelope is not a signed charter */
	{
		struct proto_env_header h;
		hdr_init(&h, PROTO_MSG_CHARTER);
		len = seal_a(&h, "x", 1);
		assert_int_equal(proto_charter_verify_signed(env, len,
				     pa->sign_pk, got, &err),
		    WN_EPROTO);
		assert_non_null(strstr(err.msg, "unknown label"));
	}
	free(c);
	free(got);
}

static void
test_heads(void **state)
{
	struct proto_head h = {0}, got;
	struct proto_head_query q = {0}, gq;
	struct proto_head_answer a;
	struct proto_writer w;
	struct proto_error err;
	uint8_t signed_head[PROTO_SIGNED_HEAD_MAX], buf[512];
	size_t slen;
	(void)state;

	wn_strlcpy(h.org, "a23456789012345678901234567890123456789012345678"
	    "901234567890123", sizeof(h.org));
	h.seq = UINT64_MAX;
	sec_random(h.hash, sizeof(h.hash));
	h.time_ms = INT64_MIN;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_head_encode(&h, &w), WN_OK);
	assert_int_equal(proto_head_decode(buf, w.len, &got, &err), WN_OK);
	assert_memory_equal(&got, &h, sizeof(h));

	/* the largest signed head fits its cap */
	proto_writer_init(&w, signed_head, sizeof(signed_head));
	assert_int_equal(proto_head_sign(&h, sign_cb, idb, &w), WN_OK);
	slen = w.len;
	assert_int_equal(slen, 200);
	memset(&got, 0, sizeof(got));
	assert_int_equal(proto_head_verify_signed(signed_head, slen,
			     pb->sign_pk, &got, &err),
	    WN_OK);
	assert_memory_equal(&got, &h, sizeof(h));
	assert_int_equal(proto_head_verify_signed(signed_head, slen,
			     pa->sign_pk, &got, &err),
	    WN_ECRYPTO);
	assert_int_equal(proto_head_verify_signed(signed_head, slen - 1,
			     pb->sign_pk, &got, &err),
	    WN_EPROTO);

	/* answer: a signed head, or null, and the query's nonce echoed */
	uint8_t nonce[PROTO_HEAD_NONCE_LEN], longer[PROTO_HEAD_NONCE_LEN + 1];
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (uint8_t)(0xa0 + i);
	memcpy(longer, nonce, sizeof(nonce));
	longer[sizeof(nonce)] = 0xff;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_head_answer_encode(signed_head, slen, nonce,
			     &w), WN_OK);
	assert_int_equal(proto_head_answer_decode(buf, w.len, &a, &err), WN_OK);
	assert_int_equal(a.len, slen);
	assert_memory_equal(a.signed_head, signed_head, slen);
	assert_memory_equal(a.nonce, nonce, sizeof(nonce));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_head_answer_encode(NULL, 0, nonce, &w), WN_OK);
	assert_int_equal(proto_head_answer_decode(buf, w.len, &a, &err), WN_OK);
	assert_null(a.signed_head);
	assert_int_equal(a.len, 0);
	assert_memory_equal(a.nonce, nonce, sizeof(nonce));
	/* ... without the nonce (as before nonces), with one of 15 bytes, or
	 * with a key after it: refused */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_null(&w);
	BODY_REFUSED(proto_head_answer_decode(buf, w.len, &a, &e_),
	    "missing key 2");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_null(&w);
	proto_write_uint(&w, 2);
	proto_write_bytes(&w, nonce, sizeof(nonce) - 1);
	assert_int_not_equal(proto_head_answer_decode(buf, w.len, &a, &err),
	    WN_OK);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_null(&w);
	proto_write_uint(&w, 2);
	proto_write_bytes(&w, nonce, sizeof(nonce));
	proto_write_uint(&w, 3);
	proto_write_null(&w);
	assert_int_not_equal(proto_head_answer_decode(buf, w.len, &a, &err),
	    WN_OK);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_bytes(&w, body, PROTO_SIGNED_HEAD_MAX + 1);
	BODY_REFUSED(proto_head_answer_decode(buf, w.len, &a, &e_),
	    "signed head of 257");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_bool(&w, false);
	BODY_REFUSED(proto_head_answer_decode(buf, w.len, &a, &e_),
	    "expected bytes");

	/* query: the org and a nonce */
	wn_strlcpy(q.org, "welfare-west", sizeof(q.org));
	memcpy(q.nonce, nonce, sizeof(nonce));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_head_query_encode(&q, &w), WN_OK);
	assert_int_equal(proto_head_query_decode(buf, w.len, &gq, &err), WN_OK);
	assert_string_equal(gq.org, "welfare-west");
	assert_memory_equal(gq.nonce, nonce, sizeof(nonce));
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "welfare-west");
	BODY_REFUSED(proto_head_query_decode(buf, w.len, &gq, &e_),
	    "missing key 2");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "welfare-west");
	proto_write_uint(&w, 2);
	proto_write_bytes(&w, longer, sizeof(longer));
	assert_int_not_equal(proto_head_query_decode(buf, w.len, &gq, &err),
	    WN_OK);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "welfare-west");
	proto_write_uint(&w, 2);
	proto_write_text(&w, "0123456789abcdef");
	assert_int_not_equal(proto_head_query_decode(buf, w.len, &gq, &err),
	    WN_OK);
	wn_strlcpy(q.org, "Welfare", sizeof(q.org));
	assert_int_equal(proto_head_query_encode(&q, &w), WN_EINVAL);
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "Welfare");
	BODY_REFUSED(proto_head_query_decode(buf, w.len, &gq, &e_),
	    "not an org id");

	/* head refusals */
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "a");
	proto_write_uint(&w, 2);
	proto_write_int(&w, -1);
	BODY_REFUSED(proto_head_decode(buf, w.len, &got, &e_), "expected uint");
	proto_writer_init(&w, buf, sizeof(buf));
	proto_write_map(&w, 3);
	proto_write_uint(&w, 1);
	proto_write_text(&w, "a");
	proto_write_uint(&w, 2);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 3);
	proto_write_bytes(&w, body, 31);
	BODY_REFUSED(proto_head_decode(buf, w.len, &got, &e_), "expected 32");
}

static void
test_names_and_validators(void **state)
{
	(void)state;
	assert_string_equal(proto_msg_type_name(PROTO_MSG_ERROR), "error");
	assert_string_equal(proto_msg_type_name(PROTO_MSG_CHAIN_HEAD_ANSWER),
	    "chain_head_answer");
	assert_string_equal(proto_msg_type_name(0), "unknown");
	assert_string_equal(proto_msg_type_name(8), "matrix");
	assert_string_equal(proto_msg_type_name(16), "amend");
	assert_string_equal(proto_msg_type_name(17), "attest");
	assert_string_equal(proto_msg_type_name(18), "signal");
	assert_string_equal(proto_msg_type_name(19), "case_step");
	assert_string_equal(proto_msg_type_name(20), "plan");
	assert_string_equal(proto_msg_type_name(21), "action_state");
	assert_string_equal(proto_msg_type_name(22), "case_link");
	assert_string_equal(proto_msg_type_name(23), "body");
	assert_string_equal(proto_msg_type_name(24), "meeting");
	assert_string_equal(proto_msg_type_name(25), "consult");
	assert_string_equal(proto_msg_type_name(26), "escalation");
	assert_string_equal(proto_msg_type_name(27), "case_signal");
	assert_string_equal(proto_msg_type_name(28), "token_request");
	assert_string_equal(proto_msg_type_name(29), "token_answer");
	assert_string_equal(proto_msg_type_name(30), "concern");
	assert_string_equal(proto_msg_type_name(31), "concern_match");
	assert_string_equal(proto_msg_type_name(32), "unknown");
	assert_string_equal(proto_msg_type_name(33), "delegation");
	assert_string_equal(proto_msg_type_name(34), "revocation");
	assert_string_equal(proto_msg_type_name(35), "doc_hash");
	assert_string_equal(proto_msg_type_name(36), "session_open");
	assert_string_equal(proto_msg_type_name(37), "session_accept");
	assert_string_equal(proto_msg_type_name(38), "resync_request");
	assert_string_equal(proto_msg_type_name(39), "unknown");
	assert_true(proto_org_id_valid("a-b_9", 5));
	assert_false(proto_org_id_valid("a.b", 3));
	assert_false(proto_org_id_valid("", 0));
	assert_true(proto_role_valid("youth_work", 10));
	assert_false(proto_role_valid("youth", 5));
	assert_true(proto_traceparent_valid(
	    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 55));
	assert_false(proto_traceparent_valid(
	    "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 55));
	assert_false(proto_traceparent_valid(
	    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", 55));
	assert_false(proto_traceparent_valid(
	    "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01", 55));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_data),
		cmocka_unit_test(test_roundtrip_no_tp_negative_ts),
		cmocka_unit_test(test_error_is_plain),
		cmocka_unit_test(test_wrong_keys),
		cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_truncation_and_trailing),
		cmocka_unit_test(test_padding_buckets),
		cmocka_unit_test(test_bad_padding_refused),
		cmocka_unit_test(test_seal_refusals),
		cmocka_unit_test(test_seal_allocation_failures),
		cmocka_unit_test(test_raw_valid),
		cmocka_unit_test(test_missing_each_label),
		cmocka_unit_test(test_duplicate_label),
		cmocka_unit_test(test_unknown_labels),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_version_refused),
		cmocka_unit_test(test_sid_rule),
		cmocka_unit_test(test_structure_refusals),
		cmocka_unit_test(test_cose_generic),
		cmocka_unit_test(test_transfer_roundtrip),
		cmocka_unit_test(test_transfer_refusals),
		cmocka_unit_test(test_transfer_sizes),
		cmocka_unit_test(test_transfer_bound_with_manifest),
		cmocka_unit_test(test_errbody),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_charter_roundtrip),
		cmocka_unit_test(test_charter_refusals),
		cmocka_unit_test(test_signed_charter),
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_names_and_validators),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
