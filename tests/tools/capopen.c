/*
 * capopen.c - test tool: what a stolen key file opens of captured traffic.
 * It takes a node's key file and passphrase file (the passphrase never on
 * the command line) and a peer's bundle, agrees the static pair key with
 * that peer, walks wire captures (WIJKNET_WIRE_CAPTURE: transfers and
 * replies, one after the other) and tries to open the payload of every
 * envelope between the two nodes as an attacker holding that key file
 * would:
 *  - with the static pair key;
 *  - with session keys it derives itself (PROTOCOL.md "Sessions", with
 *    libsodium alone, as keydump does) for each captured handshake (an
 *    open and the accept whose "h" names it), using the node's static
 *    X25519 secret in place of the ephemeral secret it does not have, in
 *    either role: X25519(static, E_r) and X25519(static, E_i), each tried
 *    on the envelopes that name that session;
 * and it checks the ephemeral public keys of every captured open and
 * accept: none may repeat, none may be either node's static key (a
 * constant, reused or static ephemeral secret leaves every session to
 * whoever reads the source or steals a key file).
 *
 *   capopen KEYFILE PASSFILE PEERBUNDLE CAPTURE...
 *
 * $CAPOPEN_ORG: the key file's org id; $CAPOPEN_KX_FILE: keydump's output
 * for the same key file (its second line is the static X25519 secret, as
 * hex: a file, not the command line). First the derivation checks itself
 * against PROTOCOL.md's test vectors (exit 1 if it is wrong). Prints:
 *   handshake N opened M    SESSION_OPEN and SESSION_ACCEPT envelopes,
 *                           opened with the static pair key
 *   sealed N opened M       every other envelope with a sealed payload
 *   ephemeral N reuse R     ephemeral keys seen (once for the same
 *                           envelope bytes), and how many repeat one
 *                           seen before or are a node's static key
 *   derived N opened M      session key pairs derived with the static
 *                           secret (2 a handshake), envelopes they open
 * (ERROR envelopes are in the clear and not counted). An item that is not
 * an envelope of this protocol version but a COSE_Sign1 all the same (an
 * older version's) counts as "sealed". Exit 0, or 1 for a local problem.
 * Never installed.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "protocol/envelope.h"
#include "protocol/manifest.h"
#include "protocol/session_wire.h"
#include "tests/tools/tool_bundle.h"

int main(int argc, char **argv);

static struct sec_peer_key *pair;
static uint8_t pair_raw[SEC_PEER_KEY_LEN];
static const char *me_org;
static struct tool_bundle peer;
static unsigned long hs_n, hs_open, other_n, other_open;
static unsigned long eph_n, eph_reuse, derived_n, derived_open;
static uint8_t body[PROTO_BODY_MAX + 64];
/* the node's static X25519 secret and public key */
static uint8_t static_sk[32], static_pk[32];

/* the handshakes seen: opens (hash, ends, E_i), and accepts */
#define MAX_HS 4096
static struct open_seen {
	uint8_t hash[SEC_HASH_LEN], e[32];
	char from[PROTO_ORG_ID_MAX + 1], to[PROTO_ORG_ID_MAX + 1];
} opens[MAX_HS];
static struct accept_seen {
	uint8_t hash[SEC_HASH_LEN];
	struct proto_session_accept a;
} accepts[MAX_HS];
static size_t nopens, naccepts;
/* the session keys derived with the static secret, by sid */
static struct derived {
	uint8_t sid[PROTO_SID_LEN];
	struct sec_peer_key *k[4]; /* i2r, r2i of each of the two guesses */
} derived[2 * MAX_HS];
static size_t nderived;
static int phase; /* 1: collect the handshakes, 2: try the others */

/* eph_seen counts an ephemeral public key, and a reuse when it repeats
 * one seen before or is one of the two nodes' static keys */
static uint8_t ephs[2 * MAX_HS][32];
static void
eph_seen(const uint8_t e[32])
{
	bool reused = memcmp(e, static_pk, 32) == 0 ||
	    memcmp(e, peer.kx, 32) == 0;
	for (size_t i = 0; i < eph_n && !reused && i < 2 * MAX_HS; i++)
		reused = memcmp(ephs[i], e, 32) == 0;
	if (eph_n < 2 * MAX_HS)
		memcpy(ephs[eph_n], e, 32);
	eph_n++;
	eph_reuse += reused;
}

/* derive: the schedule of PROTOCOL.md "Sessions" written out with
 * libsodium alone: dh = X25519(sk, their), th, k_i2r, k_r2i. -1 when
 * X25519 gives all zeros. */
static int
derive(const uint8_t sk[32], const uint8_t their[32], const char *ini,
    const char *res, const uint8_t e_i[32], const uint8_t e_r[32],
    const uint8_t sid[16], const uint8_t pr[32], uint8_t i2r[32],
    uint8_t r2i[32])
{
	static const char label[] = "wijknet session v4";
	uint8_t dh[32], th[32], li = (uint8_t)strlen(ini),
	    lr = (uint8_t)strlen(res);
	crypto_generichash_state st;
	if (crypto_scalarmult(dh, sk, their) != 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label,
	    strlen(label));
	crypto_generichash_update(&st, &li, 1);
	crypto_generichash_update(&st, (const uint8_t *)ini, li);
	crypto_generichash_update(&st, &lr, 1);
	crypto_generichash_update(&st, (const uint8_t *)res, lr);
	crypto_generichash_update(&st, e_i, 32);
	crypto_generichash_update(&st, e_r, 32);
	crypto_generichash_update(&st, sid, 16);
	crypto_generichash_final(&st, th, 32);
	for (int d = 0; d < 2; d++) {
		crypto_generichash_init(&st, dh, 32, 32);
		crypto_generichash_update(&st,
		    (const uint8_t *)(d ? "r2i" : "i2r"), 3);
		crypto_generichash_update(&st, th, 32);
		crypto_generichash_update(&st, pr, 32);
		crypto_generichash_final(&st, d ? r2i : i2r, 32);
	}
	sodium_memzero(dh, sizeof(dh));
	return 0;
}

/* self_check: derive gives PROTOCOL.md's test vectors */
static int
self_check(void)
{
	uint8_t ski[32], er[32], ei[32], sid[16], pr[32], want_i[32],
	    want_r[32], i2r[32], r2i[32];
	if (sodium_hex2bin(ski, 32, "8182838485868788898a8b8c8d8e8f90919293"
	    "9495969798999a9b9c9d9e9fa0", 64, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(ei, 32, "883186b800b41d5cf0429695da9b3cc4f328ebcd18"
	    "4a6e482fa578c103f06c77", 64, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(er, 32, "3a553d74792d727efa9b9a4cde3da1ad93f1a2d0c0"
	    "9cb639b1a3c0fda14cbe24", 64, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(sid, 16, "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", 32,
		NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(pr, 32, "f8d48c0771b2fab0580110626883f7671e7d0001a6"
	    "823f3ad9e93d8ef177e8fc", 64, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(want_i, 32, "441dfde75b4bbbf87e3cfa5679f7d73f96345e"
	    "bc3e6fab1cffa9546d98924ff8", 64, NULL, NULL, NULL) != 0 ||
	    sodium_hex2bin(want_r, 32, "4673eafb24709d9f937d8b076ea384d764ec02"
	    "ee7a9cd6766cc077c11bdfebd1", 64, NULL, NULL, NULL) != 0)
		return -1;
	if (derive(ski, er, "alpha", "beta", ei, er, sid, pr, i2r, r2i) != 0 ||
	    memcmp(i2r, want_i, 32) != 0 || memcmp(r2i, want_r, 32) != 0)
		return -1;
	return 0;
}

/* handshakes_derive: for each open and the accept that names it, the
 * session keys with the static secret in place of either ephemeral one */
static void
handshakes_derive(void)
{
	for (size_t j = 0; j < naccepts; j++)
		for (size_t i = 0; i < nopens; i++) {
			struct open_seen *o = &opens[i];
			const struct proto_session_accept *a = &accepts[j].a;
			if (memcmp(o->hash, a->h, SEC_HASH_LEN) != 0 ||
			    nderived >= WN_ARRAY_LEN(derived))
				continue;
			struct derived *d = &derived[nderived];
			size_t got = 0;
			memcpy(d->sid, a->sid, PROTO_SID_LEN);
			for (int g = 0; g < 2; g++) {
				uint8_t i2r[32], r2i[32];
				if (derive(static_sk, g ? o->e : a->e, o->from,
					o->to, o->e, a->e, a->sid, pair_raw, i2r,
					r2i) != 0)
					continue;
				if (sec_peer_key_from_raw(i2r, &d->k[2 * g]) ==
					WN_OK &&
				    sec_peer_key_from_raw(r2i, &d->k[2 * g + 1]) ==
					WN_OK)
					got++;
				sodium_memzero(i2r, sizeof(i2r));
				sodium_memzero(r2i, sizeof(r2i));
			}
			derived_n += got;
			nderived++;
			break;
		}
}

/* handshake_seen keeps an open's or an accept's public values, once for
 * the same bytes (both nodes' captures may hold them) */
static void
handshake_seen(const struct proto_envelope *e, const uint8_t *buf,
    size_t len, const uint8_t *plain, size_t n)
{
	uint8_t hash[SEC_HASH_LEN];
	proto_envelope_hash(buf, len, hash);
	for (size_t i = 0; i < nopens; i++)
		if (memcmp(opens[i].hash, hash, SEC_HASH_LEN) == 0)
			return;
	for (size_t i = 0; i < naccepts; i++)
		if (memcmp(accepts[i].hash, hash, SEC_HASH_LEN) == 0)
			return;
	if (e->h.type == PROTO_MSG_SESSION_OPEN && nopens < MAX_HS) {
		struct proto_session_open o;
		if (proto_session_open_decode(plain, n, &o, NULL) != WN_OK)
			return;
		struct open_seen *s = &opens[nopens++];
		memcpy(s->hash, hash, SEC_HASH_LEN);
		memcpy(s->e, o.e, 32);
		wn_strlcpy(s->from, e->h.from, sizeof(s->from));
		wn_strlcpy(s->to, e->h.to, sizeof(s->to));
		eph_seen(o.e);
	} else if (e->h.type == PROTO_MSG_SESSION_ACCEPT &&
	    naccepts < MAX_HS) {
		if (proto_session_accept_decode(plain, n, &accepts[naccepts].a,
			NULL) != WN_OK)
			return;
		memcpy(accepts[naccepts].hash, hash, SEC_HASH_LEN);
		eph_seen(accepts[naccepts++].a.e);
	}
}

/* try_derived: the envelope e, sealed under the session it names, with
 * every key derived for that session */
static void
try_derived(const struct proto_envelope *e)
{
	size_t n;
	if (!e->h.has_sid)
		return;
	for (size_t i = 0; i < nderived; i++) {
		if (memcmp(derived[i].sid, e->h.sid, PROTO_SID_LEN) != 0)
			continue;
		for (int k = 0; k < 4; k++)
			if (derived[i].k[k] != NULL &&
			    proto_envelope_open(e, derived[i].k[k], body,
				sizeof(body), &n) == WN_OK) {
				sec_wipe(body, n);
				derived_open++;
				return;
			}
	}
}

/* one_envelope tries buf (one COSE_Sign1) */
static void
one_envelope(const uint8_t *buf, size_t len)
{
	struct proto_envelope e;
	struct proto_cose_sign1 m;
	size_t n;
	if (proto_envelope_decode(buf, len, &e, NULL) == WN_OK) {
		bool ours = (strcmp(e.h.from, me_org) == 0 &&
				strcmp(e.h.to, peer.org) == 0) ||
		    (strcmp(e.h.from, peer.org) == 0 &&
			strcmp(e.h.to, me_org) == 0);
		if (!ours || e.h.type == PROTO_MSG_ERROR)
			return;
		bool hs = e.h.type == PROTO_MSG_SESSION_OPEN ||
		    e.h.type == PROTO_MSG_SESSION_ACCEPT;
		if (phase == 2) {
			if (!hs)
				try_derived(&e);
			return;
		}
		bool opened = proto_envelope_open(&e, pair, body, sizeof(body),
		    &n) == WN_OK;
		if (opened && hs)
			handshake_seen(&e, buf, len, body, n);
		if (opened)
			sec_wipe(body, n);
		if (hs) {
			hs_n++;
			hs_open += opened;
		} else {
			other_n++;
			other_open += opened;
		}
		return;
	}
	/* another version's envelope: its payload, as sealed then */
	if (phase == 2 || proto_cose_sign1_decode(buf, len, &m, NULL) != WN_OK ||
	    m.payload_len < SEC_BOX_OVERHEAD + 256 ||
	    m.payload_len - SEC_BOX_OVERHEAD > sizeof(body))
		return;
	other_n++;
	if (sec_box_open(pair, m.payload, m.payload_len, body) == WN_OK) {
		other_open++;
		sec_wipe(body, m.payload_len - SEC_BOX_OVERHEAD);
	}
}

static void
one_item(const uint8_t *buf, size_t len)
{
	struct proto_transfer t;
	if (len > 0 && buf[0] == 0xd2) { /* tag 18: a reply, one envelope */
		one_envelope(buf, len);
		return;
	}
	if (proto_transfer_decode(buf, len, &t, NULL) != WN_OK)
		return;
	for (size_t i = 0; i < t.n; i++)
		one_envelope(t.env[i], t.env_len[i]);
}

static int
one_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;
	size_t at = 0;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)size + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	/* one CBOR item after the other: each one's length is where the
	 * strict reader's skip ends */
	while (at < (size_t)size) {
		struct proto_reader r;
		proto_reader_init(&r, buf + at, (size_t)size - at);
		if (proto_skip(&r) != WN_OK || r.pos == 0) {
			fprintf(stderr, "capopen: %s: not CBOR at byte %zu\n",
			    path, at);
			free(buf);
			return -1;
		}
		one_item(buf + at, r.pos);
		at += r.pos;
	}
	free(buf);
	return 0;
}

/* read_kx: the static X25519 secret, keydump's second line (hex) */
static int
read_kx(const char *path)
{
	char line[3][160];
	FILE *f = fopen(path, "r");
	int rc = -1;
	if (f == NULL)
		return -1;
	if (fgets(line[0], sizeof(line[0]), f) != NULL &&
	    fgets(line[1], sizeof(line[1]), f) != NULL &&
	    sodium_hex2bin(static_sk, 32, line[1], strlen(line[1]), "\n", NULL,
		NULL) == 0 &&
	    crypto_scalarmult_base(static_pk, static_sk) == 0)
		rc = 0;
	sodium_memzero(line, sizeof(line));
	fclose(f);
	return rc;
}

int
main(int argc, char **argv)
{
	char err[512];
	struct sec_secret *pass = NULL;
	struct sec_identity *me = NULL;
	const char *kx_file;
	int rc = 1;
	if (argc < 5 || sec_init() != WN_OK ||
	    tool_bundle_load(argv[3], &peer) != 0) {
		fprintf(stderr, "usage: capopen KEYFILE PASSFILE PEERBUNDLE "
				"CAPTURE...\n");
		return 1;
	}
	if (sec_passphrase_read_file(argv[2], &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(argv[1], pass, &me, err, sizeof(err)) !=
		WN_OK) {
		fprintf(stderr, "capopen: %s\n", err);
		goto out;
	}
	/* the key file's own org id is not in it: the other end of every
	 * envelope with the peer is this node */
	if (sec_peer_key_new(me, peer.kx, &pair) != WN_OK)
		goto out;
	sec_peer_key_export(pair, pair_raw);
	me_org = getenv("CAPOPEN_ORG");
	kx_file = getenv("CAPOPEN_KX_FILE");
	if (me_org == NULL || kx_file == NULL || read_kx(kx_file) != 0) {
		fprintf(stderr, "capopen: set CAPOPEN_ORG to the key file's "
				"org id and CAPOPEN_KX_FILE to its keydump\n");
		goto out;
	}
	if (self_check() != 0) {
		fprintf(stderr, "capopen: the derivation does not give "
				"PROTOCOL.md's test vectors\n");
		goto out;
	}
	for (phase = 1; phase <= 2; phase++) {
		if (phase == 2)
			handshakes_derive();
		for (int i = 4; i < argc; i++)
			if (one_file(argv[i]) != 0) {
				fprintf(stderr, "capopen: cannot read %s\n",
				    argv[i]);
				goto out;
			}
	}
	printf("handshake %lu opened %lu\n", hs_n, hs_open);
	printf("sealed %lu opened %lu\n", other_n, other_open);
	printf("ephemeral %lu reuse %lu\n", eph_n, eph_reuse);
	printf("derived %lu opened %lu\n", derived_n, derived_open);
	rc = 0;
out:
	for (size_t i = 0; i < nderived; i++)
		for (int k = 0; k < 4; k++)
			sec_peer_key_free(derived[i].k[k]);
	sodium_memzero(static_sk, sizeof(static_sk));
	sodium_memzero(pair_raw, sizeof(pair_raw));
	sec_peer_key_free(pair);
	sec_identity_free(me);
	sec_secret_free(pass);
	return rc;
}
