/*
 * wnpoke.c - test tool: speaks the peer protocol to a running node, well or
 * badly on purpose, and prints what the node answered.
 *
 *   wnpoke KEYFILE PASSFILE FROM TOBUNDLE MODE [ARG...]
 *
 * KEYFILE/PASSFILE: the identity that signs (a node's, or a stranger's);
 * FROM: the org id to claim; TOBUNDLE: the target's `wijknetd public`.
 * Modes: data SEQ | forge SEQ | truncate SEQ | replay FILE | raw FILE |
 *        oversize | bomb | deep | charter VERSION SIGNKEY SIGNPASS |
 *        matrix VERSION SIGNKEY SIGNPASS (seq from $WNPOKE_SEQ, federation
 *        FROM or $WNPOKE_FEDERATION) |
 *        disclose CASE SUBJECT CATEGORY VALUE (seq from $WNPOKE_SEQ, matrix
 *        version from $WNPOKE_MV) |
 *        batch SEQ | batch-tamper SEQ (two batch-signed envelopes, the
 *        second altered after signing; the manifest's `after` from
 *        $WNPOKE_AFTER) | mixed SEQ VICTIM (FROM's message SEQ, then 63
 *        envelopes claiming to be from VICTIM, signed with our key, no
 *        manifest) | query (a chain head query from FROM) |
 *        open-replay (a session opening sent twice on one connection:
 *        the answer to the second is printed) |
 *        head SEQ INDEX (FROM's chain head at INDEX with a made-up hash,
 *        signed with KEYFILE, as message SEQ) |
 *        junk SEQ (a signed, sealed DATA whose body does not decode) |
 *        pair SEQ KEY2 PASS2 FROM2 (FROM's message SEQ and FROM2's message
 *        SEQ signed by KEY2, both valid, in one transfer) |
 *        case CASE SUBJECT MEMBER... (a CASE naming those members, the
 *        director from $WNPOKE_DIRECTOR or FROM; seq from $WNPOKE_SEQ) |
 *        amend CASE FIELD VALUE (an AMEND of the recipient's field FIELD;
 *        seq from $WNPOKE_SEQ) |
 *        kind SEQ TYPE (FROM's message SEQ: the DATA body in an envelope
 *        of message type TYPE, a number) |
 *        signal SEQ (FROM's message SEQ: a well-formed signal summary of
 *        FROM's signal 990 in Herentals) |
 *        action-state SEQ CASE ACTION NOTE (FROM's message SEQ: a
 *        well-formed ACTION_STATE marking action ACTION of CASE done) |
 *        plan-action SEQ CASE ACTION OWNER TEXT (FROM's message SEQ: a
 *        well-formed PLAN item, action ACTION of CASE for OWNER, open,
 *        due in a day, with TEXT) |
 *        step CASE STEP STAGE (a CASE_STEP of CASE, number STEP, to STAGE
 *        (a number; 5, closed, with outcome 0), taken by user "poke" of
 *        FROM, with a reason; seq from $WNPOKE_SEQ) |
 *        link CASE OTHER RELATION (a CASE_LINK of CASE to OTHER, RELATION
 *        a number, by user "poke" of FROM; seq from $WNPOKE_SEQ) |
 *        consult SEQ CASE MEETING BODY MINUTES (FROM's message SEQ: a
 *        well-formed CONSULT, CASE at MEETING of BODY, with MINUTES) |
 *        body SEQ BODY (FROM's message SEQ: a well-formed BODY named
 *        "poked" chaired by FROM, its members FROM and the recipient) |
 *        token SEQ [bad] (FROM's message SEQ: a TOKEN_REQUEST of one
 *        element; with "bad" one with the top bit set, never canonical) |
 *        casesig SEQ CASE ORIGIN NUMBER [summary] (FROM's message SEQ: a
 *        well-formed CASE_SIGNAL of ORIGIN's signal NUMBER in CASE, at
 *        existence, or with "summary" a noise signal in Poketown; the
 *        matrix version from $WNPOKE_MV, else 0; its time from
 *        $WNPOKE_WHEN_MS, else now)
 * Every envelope's header takes $WNPOKE_TO (the recipient claimed) and
 * $WNPOKE_TS_OFFSET_MS (added to the time) if set; a batch's manifest
 * takes $WNPOKE_MANIFEST_TO and $WNPOKE_MANIFEST_TS_OFFSET_MS the same
 * way (the envelopes' own to and ts stay as above); $WNPOKE_VERSION=N
 * rewrites the version after signing (so the signature breaks too), and
 * $WNPOKE_BADBOX=1 seals the body for a key the recipient does not hold.
 * data and forge save the transfer they sent to $WNPOKE_SAVE if set,
 * matrix the signed matrix;
 * $WNPOKE_ID (32 hex digits) sets the message id of every envelope.
 * $WNPOKE_DLG=FILE attaches the signed delegation in FILE (`wijknetd root
 * delegate`) to the charter or matrix, in its unprotected header.
 * $WNPOKE_CHARTER_KX (64 hex digits) is the kx_key charter gives its one
 * member (FROM) instead of KEYFILE's.
 * $WNPOKE_TIMEOUT_MS: how long to wait for the reply (default 60000: a
 * busy machine; a node holds a transfer that follows another a while).
 * $WNPOKE_TLS=CA[,CERT,KEY] dials a tls+tcp:// endpoint trusting the CA
 * (PEM file) and checking that the node's certificate names the
 * recipient's org id, so the handshake succeeds unless the node refuses
 * us; with CERT and KEY (PEM files) it presents that client certificate,
 * without them none. Then "NO REPLY (REASON)" names nng's error for the
 * failed dial.
 * Sessions: before anything it sends, wnpoke opens a session with the
 * node on its connection (node_session_handshake, the daemon's own code)
 * and seals under it; when the node refuses the opening (a stranger, a
 * forged key) it goes on with a made-up session and the static pair key,
 * which the node refuses as before. With $WNPOKE_SAVE it also keeps the
 * session's id and keys in $WNPOKE_SAVE.session (mode 0600), which replay
 * FILE takes (FILE.session) to read the receipt of the transfer played
 * back. $WNPOKE_NOSESSION=1 opens none (a stranger's poke that a test
 * counts the node's refusals of: its opening would be one more).
 * $WNPOKE_SID=bogus seals under the session but names a made-up
 * one (the node refuses the transfer, code 19); $WNPOKE_SID=none sends
 * the envelopes without "sid" (a malformed envelope: code 2).
 * $WNPOKE_HEADER=1 adds, after an ERROR, "HEADER to=TO ts=MS seq=N": what
 * the reply's header tells whoever sent the transfer.
 * Prints one line: "RECEIPT accepted=N refused=M" (then "refused: CODE
 * REASON" and "refused-id: HEX" lines, and "answers: this transfer" or
 * "answers: another transfer": whether the receipt names what we sent), "ERROR CODE REASON", "ANSWER head" or "ANSWER none" (a
 * chain head answer), or "NO REPLY"; exit 0, or 3 for no
 * reply, 1 for a local problem. Never installed.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "protocol/casesig_wire.h"
#include "protocol/envelope.h"
#include "protocol/life_wire.h"
#include "protocol/manifest.h"
#include "protocol/delegation.h"
#include "protocol/matrix_wire.h"
#include "protocol/meet_wire.h"
#include "protocol/need_wire.h"
#include "protocol/work_wire.h"
#include "node/exchange/exchange.h"
#include "tests/tools/tool_bundle.h"

#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv);

static struct sec_identity *me, *signer;
/* key seals what we send (the session's k_i2r, or the static pair key
 * without a session), rkey opens the replies (k_r2i, or the pair key) */
static struct sec_peer_key *key, *rkey, *pair;
static struct proto_session sess;
static uint8_t sid[PROTO_SID_LEN];
static bool nosid;
/* the connection the session was opened on, used for what follows */
static nng_socket sock;
static bool dialled;
static int dial_rv; /* the dial's error, when it failed */
static struct proto_writer out, cw;
static struct proto_charter *ch;

static void
cleanup(void)
{
	if (key != pair && key != sess.i2r)
		sec_peer_key_free(key);
	if (rkey != pair && rkey != sess.r2i)
		sec_peer_key_free(rkey);
	sec_peer_key_free(pair);
	proto_session_release(&sess);
	if (dialled)
		nng_close(sock);
	sec_identity_free(me);
	sec_identity_free(signer);
	proto_writer_release(&out);
	proto_writer_release(&cw);
	free(ch);
}

static struct tool_bundle peer; /* the other side's bundle */

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static struct sec_identity *
unlock(const char *keyfile, const char *passfile)
{
	char err[512];
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	if (sec_passphrase_read_file(passfile, &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(keyfile, pass, &id, err, sizeof(err)) != WN_OK)
		fprintf(stderr, "wnpoke: %s\n", err);
	sec_secret_free(pass);
	return id;
}

static void
header(struct proto_env_header *h, const char *from, uint32_t type,
    uint64_t seq)
{
	memset(h, 0, sizeof(*h));
	h->version = PROTO_VERSION;
	h->type = type;
	wn_strlcpy(h->from, from, sizeof(h->from));
	wn_strlcpy(h->to, peer.org, sizeof(h->to));
	sec_random(h->id, sizeof(h->id));
	const char *id = getenv("WNPOKE_ID"); /* the same message again */
	if (id != NULL)
		sec_unhex(h->id, sizeof(h->id), id);
	h->ts_ms = wn_now_ms();
	h->seq = seq;
	h->has_sid = proto_msg_has_sid(type);
	memcpy(h->sid, sid, sizeof(sid));
	const char *to = getenv("WNPOKE_TO"), *off = getenv("WNPOKE_TS_OFFSET_MS");
	if (to != NULL)
		wn_strlcpy(h->to, to, sizeof(h->to));
	if (off != NULL)
		h->ts_ms += strtoll(off, NULL, 10);
}

/* seal_nosid seals as proto_envelope_seal would, but with no "sid" in
 * the protected header ($WNPOKE_SID=none): the encoder refuses that, so
 * the header is written here, in PROTOCOL.md's order */
static int
seal_nosid(const struct proto_env_header *h, const void *body, size_t len,
    struct sec_identity *id, struct sec_peer_key *k, struct proto_writer *ew)
{
	uint8_t prot[512], *tmp;
	struct proto_writer pw;
	size_t bucket = sec_pad_bucket(len), padded;
	int r = -1;
	proto_writer_init(&pw, prot, sizeof(prot));
	proto_write_map(&pw, 9);
	proto_write_uint(&pw, 1);
	proto_write_int(&pw, PROTO_COSE_ALG_EDDSA);
	proto_write_text(&pw, "v");
	proto_write_uint(&pw, h->version);
	proto_write_text(&pw, "t");
	proto_write_uint(&pw, h->type);
	proto_write_text(&pw, "from");
	proto_write_text(&pw, h->from);
	proto_write_text(&pw, "to");
	proto_write_text(&pw, h->to);
	proto_write_text(&pw, "id");
	proto_write_bytes(&pw, h->id, PROTO_ID_LEN);
	proto_write_text(&pw, "ts");
	proto_write_int(&pw, h->ts_ms);
	proto_write_text(&pw, "seq");
	proto_write_uint(&pw, h->seq);
	proto_write_text(&pw, "mv");
	proto_write_uint(&pw, h->mv);
	if (proto_writer_status(&pw) != WN_OK ||
	    (tmp = malloc(2 * bucket + SEC_BOX_OVERHEAD)) == NULL)
		return -1;
	memcpy(tmp, body, len);
	if (sec_pad(tmp, len, bucket, &padded) == WN_OK) {
		sec_box_seal(k, tmp, bucket, tmp + bucket);
		r = proto_cose_sign1_encode(prot, pw.len, NULL, 0, tmp + bucket,
		    bucket + SEC_BOX_OVERHEAD, sign_cb, id, ew) == WN_OK ? 0 : -1;
	}
	free(tmp);
	return r;
}

/* seal_as seals h and body with id's signature into ew, honouring
 * $WNPOKE_BADBOX, $WNPOKE_SID=none and $WNPOKE_VERSION. */
static int
seal_as(const struct proto_env_header *h, const void *body, size_t len,
    struct sec_identity *id, struct sec_peer_key *k, struct proto_writer *ew)
{
	struct sec_peer_key *bad = NULL;
	const char *v = getenv("WNPOKE_VERSION");
	if (getenv("WNPOKE_BADBOX") != NULL) {
		uint8_t pk[32];
		sec_random(pk, sizeof(pk));
		if (sec_peer_key_new(id, pk, &bad) != WN_OK)
			return -1;
		k = bad;
	}
	wn_err rc = nosid && h->has_sid
	    ? (seal_nosid(h, body, len, id, k, ew) == 0 ? WN_OK : WN_EINVAL)
	    : proto_envelope_seal(h, body, len, k, sign_cb, id, ew);
	sec_peer_key_free(bad);
	if (rc != WN_OK)
		return -1;
	if (v != NULL) {
		/* "v" => PROTO_VERSION in the protected header: 0x61 'v' N */
		for (size_t i = 0; i + 2 < ew->len; i++)
			if (ew->buf[i] == 0x61 && ew->buf[i + 1] == 'v' &&
			    ew->buf[i + 2] == PROTO_VERSION) {
				ew->buf[i + 2] = (uint8_t)strtol(v, NULL, 10);
				break;
			}
	}
	return 0;
}

/* one envelope in a transfer, into w */
static int
transfer_of(const struct proto_env_header *h, const void *body, size_t len,
    struct proto_writer *w, bool forge)
{
	struct proto_writer ew;
	struct proto_transfer t = {0};
	if (proto_writer_init_dynamic(&ew, 4096, PROTO_ENVELOPE_MAX) != WN_OK ||
	    seal_as(h, body, len, me, key, &ew) != 0)
		return -1;
	if (forge)
		ew.buf[ew.len - 5] ^= 0x01; /* inside the signature */
	t.n = 1;
	t.env[0] = ew.buf;
	t.env_len[0] = ew.len;
	int r = proto_transfer_encode(&t, w) == WN_OK ? 0 : -1;
	proto_writer_release(&ew);
	return r;
}

/* pem reads a PEM file (NUL-terminated) into buf */
static int
pem(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;
	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n > 0 && n < cap - 1 ? 0 : -1;
}

/* dial connects s to the endpoint, over TLS as $WNPOKE_TLS says */
static int
dial(nng_socket s)
{
	const char *spec = getenv("WNPOKE_TLS");
	static char ca[1024], cert[1024], kf[1024], certpem[16384],
	    keypem[16384];
	nng_dialer d;
	nng_tls_config *c = NULL;
	int rv, k;
	if (spec == NULL)
		return nng_dial(s, peer.endpoint, NULL, 0);
	k = sscanf(spec, "%1023[^,],%1023[^,],%1023s", ca, cert, kf);
	if (k != 1 && k != 3)
		return NNG_EINVAL;
	if ((rv = nng_dialer_create(&d, s, peer.endpoint)) != 0 ||
	    (rv = nng_tls_config_alloc(&c, NNG_TLS_MODE_CLIENT)) != 0)
		return rv;
	if ((rv = nng_tls_config_ca_file(c, ca)) != 0 ||
	    (rv = nng_tls_config_server_name(c, peer.org)) != 0 ||
	    (rv = nng_tls_config_auth_mode(c, NNG_TLS_AUTH_MODE_REQUIRED)) !=
		0)
		goto out;
	if (k == 3) {
		if (pem(cert, certpem, sizeof(certpem)) != 0 ||
		    pem(kf, keypem, sizeof(keypem)) != 0) {
			rv = NNG_EINVAL;
			goto out;
		}
		if ((rv = nng_tls_config_own_cert(c, certpem, keypem, NULL)) !=
		    0)
			goto out;
	}
	if ((rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, c)) == 0)
		rv = nng_dialer_start(d, 0);
out:
	nng_tls_config_free(c);
	return rv;
}

/* connect_peer opens the REQ socket and dials the node: 0, or -1 with
 * the dial's error in dial_rv (send_and_print reports it) */
static int
connect_peer(void)
{
	const char *tmo = getenv("WNPOKE_TIMEOUT_MS");
	uint64_t ms = 60000;
	if (nng_req0_open(&sock) != 0)
		return -1;
	dialled = true;
	nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, PROTO_FRAME_MAX);
	if (tmo != NULL && !wn_parse_u64(tmo, 24 * 3600 * 1000, &ms))
		ms = 60000;
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, (nng_duration)ms);
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, (nng_duration)ms);
	if ((dial_rv = dial(sock)) != 0)
		return -1;
	return 0;
}

/* session_file: FILE.session, sid || k_i2r || k_r2i (a test's folder) */
static int
session_save(const char *path)
{
	char p[4096];
	uint8_t buf[PROTO_SID_LEN + 2 * SEC_PEER_KEY_LEN];
	int fd, r = -1;
	snprintf(p, sizeof(p), "%s.session", path);
	memcpy(buf, sess.sid, PROTO_SID_LEN);
	sec_peer_key_export(sess.i2r, buf + PROTO_SID_LEN);
	sec_peer_key_export(sess.r2i, buf + PROTO_SID_LEN + SEC_PEER_KEY_LEN);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf))
		r = 0;
	if (fd >= 0)
		close(fd);
	sec_wipe(buf, sizeof(buf));
	return r;
}

static int
session_load(const char *path)
{
	char p[4096];
	uint8_t buf[PROTO_SID_LEN + 2 * SEC_PEER_KEY_LEN];
	FILE *f;
	size_t n;
	snprintf(p, sizeof(p), "%s.session", path);
	if ((f = fopen(p, "rb")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (n != sizeof(buf) ||
	    sec_peer_key_from_raw(buf + PROTO_SID_LEN, &sess.i2r) != WN_OK ||
	    sec_peer_key_from_raw(buf + PROTO_SID_LEN + SEC_PEER_KEY_LEN,
		&sess.r2i) != WN_OK) {
		sec_wipe(buf, sizeof(buf));
		return -1;
	}
	memcpy(sess.sid, buf, PROTO_SID_LEN);
	sec_wipe(buf, sizeof(buf));
	memcpy(sid, sess.sid, PROTO_SID_LEN);
	key = sess.i2r;
	rkey = sess.r2i;
	return 0;
}

/* session_open opens a session as `from` on a new connection; without
 * one (the node refused the opening, or could not be reached) key and
 * rkey stay the static pair key and the sid is made up */
static void
session_open(const char *from)
{
	const char *how = getenv("WNPOKE_SID"), *save_to = getenv("WNPOKE_SAVE");
	uint32_t code = 0;
	wn_err rc;
	key = rkey = pair;
	sec_random(sid, sizeof(sid));
	nosid = how != NULL && strcmp(how, "none") == 0;
	if (connect_peer() != 0 || getenv("WNPOKE_NOSESSION") != NULL)
		return;
	rc = node_session_handshake(sock, from, peer.org, pair, peer.sign,
	    sign_cb, me, &sess, &code);
	if (rc != WN_OK) {
		/* silently: what the node then answers is the output a test
		 * reads, whole ($WNPOKE_SESSION_NOTE=1 says why) */
		if (getenv("WNPOKE_SESSION_NOTE") != NULL)
			fprintf(stderr, "wnpoke: no session: %s (code %u)\n",
			    wn_strerror(rc), code);
		return;
	}
	key = sess.i2r;
	rkey = sess.r2i;
	/* a made-up session: sealed under ours, named another */
	if (how == NULL || strcmp(how, "bogus") != 0)
		memcpy(sid, sess.sid, PROTO_SID_LEN);
	if (save_to != NULL && session_save(save_to) != 0)
		fprintf(stderr, "wnpoke: cannot keep the session\n");
}

/* the nonce of the query sent (mode query), which the answer must echo */
static uint8_t query_nonce[PROTO_HEAD_NONCE_LEN];

static int
send_and_print(const uint8_t *buf, size_t len)
{
	nng_socket s;
	nng_msg *reply = NULL;
	struct proto_envelope e;
	uint8_t *body = malloc(PROTO_BODY_MAX);
	size_t blen;
	int rv;
	if (body == NULL || (!dialled && connect_peer() != 0 && dial_rv == 0))
		return 1;
	s = sock;
	if ((rv = dial_rv) != 0 ||
	    (rv = nng_send(s, (void *)buf, len, 0)) != 0 ||
	    (rv = nng_recvmsg(s, &reply, 0)) != 0) {
		printf("NO REPLY (%s)\n", nng_strerror(rv));
		free(body);
		return 3;
	}
	if (proto_envelope_decode(nng_msg_body(reply), nng_msg_len(reply), &e,
		NULL) != WN_OK ||
	    !proto_envelope_verify(&e, peer.sign)) {
		printf("BAD REPLY\n");
		rv = 1;
	} else if (e.h.type == PROTO_MSG_ERROR) {
		struct proto_errbody eb;
		if (proto_envelope_open(&e, NULL, body, PROTO_BODY_MAX, &blen) ==
			WN_OK &&
		    proto_errbody_decode(body, blen, &eb, NULL) == WN_OK)
			printf("ERROR %u %s\n", eb.code, eb.reason);
		else
			printf("ERROR (unreadable)\n");
		/* what the reply's header tells whoever sent the transfer */
		if (getenv("WNPOKE_HEADER") != NULL)
			printf("HEADER to=%s ts=%lld seq=%llu\n", e.h.to,
			    (long long)e.h.ts_ms, (unsigned long long)e.h.seq);
	} else if (e.h.type == PROTO_MSG_CHAIN_HEAD_ANSWER) {
		struct proto_head_answer a;
		if (rkey != NULL &&
		    proto_envelope_open(&e, rkey, body, PROTO_BODY_MAX, &blen) ==
			WN_OK &&
		    proto_head_answer_decode(body, blen, &a, NULL) == WN_OK)
			printf("ANSWER %s%s\n", a.signed_head ? "head" : "none",
			    memcmp(a.nonce, query_nonce, sizeof(query_nonce)) == 0
				? ""
				: " (to another query: not our nonce)");
		else
			printf("ANSWER (unreadable)\n");
	} else {
		struct proto_receipt *rc = calloc(1, sizeof(*rc));
		if (rc != NULL && rkey != NULL &&
		    proto_envelope_open(&e, rkey, body, PROTO_BODY_MAX, &blen) ==
			WN_OK &&
		    proto_receipt_decode(body, blen, rc, NULL) == WN_OK) {
			struct proto_transfer t;
			uint8_t th[SEC_HASH_LEN];
			printf("RECEIPT accepted=%zu refused=%zu\n",
			    rc->naccepted, rc->nrefused);
			for (size_t i = 0; i < rc->nrefused; i++) {
				printf("refused: %u %s\n", rc->refused[i].code,
				    rc->refused[i].reason);
				printf("refused-id: ");
				for (size_t j = 0; j < 16; j++)
					printf("%02x", rc->refused[i].id[j]);
				printf("\n");
			}
			/* what the receipt says it answers */
			if (proto_transfer_decode(buf, len, &t, NULL) == WN_OK) {
				proto_transfer_hash(t.manifest, t.manifest_len,
				    buf, len, th);
				printf("answers: %s\n",
				    memcmp(th, rc->answers, SEC_HASH_LEN) == 0
					? "this transfer"
					: "another transfer");
			}
		} else {
			printf("RECEIPT (unreadable)\n");
		}
		free(rc);
	}
	nng_msg_free(reply);
	free(body);
	return 0;
}

static int
save(const struct proto_writer *w)
{
	const char *path = getenv("WNPOKE_SAVE");
	if (path == NULL)
		return 0;
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(w->buf, 1, w->len, f) != w->len)
		return -1;
	return fclose(f);
}

static int
slurp_send(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(PROTO_FRAME_MAX * 2);
	if (f == NULL || buf == NULL)
		return 1;
	size_t len = fread(buf, 1, PROTO_FRAME_MAX * 2, f);
	fclose(f);
	int r = send_and_print(buf, len);
	free(buf);
	return r;
}

/* attach_dlg: $WNPOKE_DLG's delegation into the signed document in w */
static int
attach_dlg(struct proto_writer *w)
{
	const char *path = getenv("WNPOKE_DLG");
	uint8_t d[PROTO_SIGNED_DELEGATION_MAX + 1], *copy;
	size_t n;
	FILE *f;
	if (path == NULL)
		return 0;
	if ((f = fopen(path, "rb")) == NULL)
		return 1;
	n = fread(d, 1, sizeof(d), f);
	fclose(f);
	if (n == 0 || n > PROTO_SIGNED_DELEGATION_MAX ||
	    (copy = malloc(w->len)) == NULL)
		return 1;
	memcpy(copy, w->buf, w->len);
	size_t len = w->len;
	proto_writer_reset(w);
	wn_err rc = proto_dlg_attach(copy, len, d, n, w);
	free(copy);
	return rc == WN_OK ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct proto_env_header h;
	uint64_t seq = 1;
	uint8_t body[256];
	struct proto_writer bw;
	const char *mode;

	if (argc < 6 || sec_init() != WN_OK || tool_bundle_load(argv[4], &peer) != 0 ||
	    !peer.endpoint[0]) {
		fprintf(stderr, "usage: wnpoke KEYFILE PASSFILE FROM TOBUNDLE "
				"MODE [ARG...]\n");
		return 1;
	}
	atexit(cleanup);
	if ((me = unlock(argv[1], argv[2])) == NULL ||
	    sec_peer_key_new(me, peer.kx, &pair) != WN_OK)
		return 1;
	mode = argv[5];
	key = rkey = pair;
	if ((strcmp(mode, "replay") == 0 || strcmp(mode, "raw") == 0) &&
	    argc == 7) {
		/* the session the saved transfer went under, if kept */
		(void)session_load(argv[6]);
	} else if (strcmp(mode, "oversize") != 0 && strcmp(mode, "bomb") != 0 &&
	    strcmp(mode, "deep") != 0) {
		session_open(argv[3]);
	}
	if (argc >= 7)
		wn_parse_u64(argv[6], UINT64_MAX - 1, &seq);
	if (proto_writer_init_dynamic(&out, 4096, PROTO_FRAME_MAX * 2) != WN_OK)
		return 1;
	proto_writer_init(&bw, body, sizeof(body));
	if (proto_data_encode("wnpoke-payload", 14, &bw) != WN_OK)
		return 1;

	if (strcmp(mode, "data") == 0 || strcmp(mode, "forge") == 0 ||
	    strcmp(mode, "truncate") == 0) {
		header(&h, argv[3], PROTO_MSG_DATA, seq);
		if (transfer_of(&h, bw.buf, bw.len, &out,
			strcmp(mode, "forge") == 0) != 0 ||
		    save(&out) != 0)
			return 1;
		if (strcmp(mode, "truncate") == 0)
			out.len /= 2;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "batch") == 0 || strcmp(mode, "batch-tamper") == 0) {
		static uint8_t envbuf[2][4096];
		struct proto_manifest *m = calloc(1, sizeof(*m));
		struct proto_transfer t = {0};
		uint8_t mbuf[4096];
		struct proto_writer ew, mw;
		if (m == NULL)
			return 1;
		for (int i = 0; i < 2; i++) {
			header(&h, argv[3], PROTO_MSG_DATA, seq + (uint64_t)i);
			proto_writer_init(&ew, envbuf[i], sizeof(envbuf[i]));
			if (proto_envelope_seal(&h, bw.buf, bw.len, key, NULL, NULL,
				&ew) != WN_OK)
				return 1;
			t.env[i] = envbuf[i];
			t.env_len[i] = ew.len;
			proto_envelope_hash(envbuf[i], ew.len, m->hash[i]);
		}
		t.n = m->n = 2;
		wn_strlcpy(m->from, argv[3], sizeof(m->from));
		wn_strlcpy(m->to, peer.org, sizeof(m->to));
		m->ts_ms = wn_now_ms();
		const char *mto = getenv("WNPOKE_MANIFEST_TO"),
			   *moff = getenv("WNPOKE_MANIFEST_TS_OFFSET_MS");
		if (mto != NULL)
			wn_strlcpy(m->to, mto, sizeof(m->to));
		if (moff != NULL)
			m->ts_ms += strtoll(moff, NULL, 10);
		const char *af = getenv("WNPOKE_AFTER");
		if (af != NULL && !wn_parse_u64(af, UINT64_MAX - 1, &m->after))
			return 1;
		proto_writer_init(&mw, mbuf, sizeof(mbuf));
		if (proto_manifest_sign(m, sign_cb, me, &mw) != WN_OK)
			return 1;
		free(m);
		t.manifest = mw.buf;
		t.manifest_len = mw.len;
		if (strcmp(mode, "batch-tamper") == 0)
			envbuf[1][t.env_len[1] - 3] ^= 0x01; /* in the payload */
		if (proto_transfer_encode(&t, &out) != WN_OK)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "mixed") == 0 && argc == 8) {
		static uint8_t envbuf[PROTO_TRANSFER_MAX][1024];
		struct proto_transfer t = {0};
		struct proto_writer ew;
		for (size_t i = 0; i < PROTO_TRANSFER_MAX; i++) {
			header(&h, i == 0 ? argv[3] : argv[7], PROTO_MSG_DATA,
			    seq);
			proto_writer_init(&ew, envbuf[i], sizeof(envbuf[i]));
			if (proto_envelope_seal(&h, bw.buf, bw.len, key, sign_cb,
				me, &ew) != WN_OK)
				return 1;
			t.env[i] = envbuf[i];
			t.env_len[i] = ew.len;
		}
		t.n = PROTO_TRANSFER_MAX;
		if (proto_transfer_encode(&t, &out) != WN_OK)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "head") == 0 && argc == 8) {
		/* FROM's chain head at INDEX with a made-up hash, signed by
		 * KEYFILE: a chain that started over, or was rewritten */
		struct proto_head hd = {0};
		uint8_t hb[PROTO_SIGNED_HEAD_MAX];
		struct proto_writer hw;
		wn_strlcpy(hd.org, argv[3], sizeof(hd.org));
		if (!wn_parse_u64(argv[7], UINT64_MAX - 1, &hd.seq))
			return 1;
		memset(hd.hash, 0x5a, sizeof(hd.hash));
		hd.time_ms = wn_now_ms();
		proto_writer_init(&hw, hb, sizeof(hb));
		header(&h, argv[3], PROTO_MSG_CHAIN_HEAD, seq);
		if (proto_head_sign(&hd, sign_cb, me, &hw) != WN_OK ||
		    transfer_of(&h, hw.buf, hw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "junk") == 0) {
		static const uint8_t junk[] = {0xff, 0x00, 0x13};
		header(&h, argv[3], PROTO_MSG_DATA, seq);
		if (transfer_of(&h, junk, sizeof(junk), &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "pair") == 0 && argc == 10) {
		static uint8_t envbuf[2][1024];
		struct proto_transfer t = {0};
		struct proto_writer ew;
		struct sec_peer_key *key2 = NULL;
		signer = unlock(argv[7], argv[8]);
		if (signer == NULL || sec_peer_key_new(signer, peer.kx, &key2) !=
			WN_OK)
			return 1;
		for (size_t i = 0; i < 2; i++) {
			header(&h, i == 0 ? argv[3] : argv[9], PROTO_MSG_DATA,
			    seq);
			proto_writer_init(&ew, envbuf[i], sizeof(envbuf[i]));
			if (seal_as(&h, bw.buf, bw.len, i == 0 ? me : signer,
				i == 0 ? key : key2, &ew) != 0)
				return 1;
			t.env[i] = envbuf[i];
			t.env_len[i] = ew.len;
		}
		sec_peer_key_free(key2);
		t.n = 2;
		if (proto_transfer_encode(&t, &out) != WN_OK)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "open-replay") == 0) {
		struct proto_session_init st = {0};
		struct proto_writer ew;
		struct proto_transfer t = {0};
		nng_msg *first = NULL;
		if (!dialled && connect_peer() != 0)
			return send_and_print(NULL, 0); /* says NO REPLY */
		if (proto_writer_init_dynamic(&ew, 1024, PROTO_ENVELOPE_MAX) !=
			WN_OK ||
		    proto_session_open_seal(argv[3], peer.org, wn_now_ms(),
			pair, sign_cb, me, &st, &ew) != WN_OK)
			return 1;
		proto_session_init_release(&st);
		t.n = 1;
		t.env[0] = ew.buf;
		t.env_len[0] = ew.len;
		if (proto_transfer_encode(&t, &out) != WN_OK)
			return 1;
		proto_writer_release(&ew);
		/* the first time: answered with an accept, not printed */
		if (nng_send(sock, out.buf, out.len, 0) != 0 ||
		    nng_recvmsg(sock, &first, 0) != 0) {
			printf("NO REPLY (the first opening)\n");
			return 3;
		}
		nng_msg_free(first);
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "query") == 0) {
		struct proto_head_query q = {0};
		uint8_t qb[128];
		struct proto_writer qw;
		wn_strlcpy(q.org, argv[3], sizeof(q.org));
		sec_random(q.nonce, sizeof(q.nonce));
		memcpy(query_nonce, q.nonce, sizeof(query_nonce));
		proto_writer_init(&qw, qb, sizeof(qb));
		header(&h, argv[3], PROTO_MSG_CHAIN_HEAD_QUERY, 0);
		if (proto_head_query_encode(&q, &qw) != WN_OK ||
		    transfer_of(&h, qw.buf, qw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if ((strcmp(mode, "replay") == 0 || strcmp(mode, "raw") == 0) &&
	    argc == 7)
		return slurp_send(argv[6]);
	if (strcmp(mode, "oversize") == 0) {
		size_t n = PROTO_FRAME_MAX + 1000;
		uint8_t *buf = calloc(1, n);
		buf[0] = 0x81;
		buf[1] = 0x5a; /* bstr, 4-byte length */
		uint32_t l = (uint32_t)(n - 6);
		buf[2] = (uint8_t)(l >> 24);
		buf[3] = (uint8_t)(l >> 16);
		buf[4] = (uint8_t)(l >> 8);
		buf[5] = (uint8_t)l;
		int r = send_and_print(buf, n);
		free(buf);
		return r;
	}
	if (strcmp(mode, "bomb") == 0) {
		/* an array of one byte string that claims 64 GiB, and a map
		 * that claims four billion entries */
		static const uint8_t b[] = {0x81, 0x5b, 0, 0, 0, 0x10, 0, 0, 0,
		    0, 0x00, 0xba, 0xff, 0xff, 0xff, 0xff};
		return send_and_print(b, sizeof(b));
	}
	if (strcmp(mode, "deep") == 0) {
		uint8_t buf[20000];
		memset(buf, 0x81, sizeof(buf));
		buf[sizeof(buf) - 1] = 0x00;
		return send_and_print(buf, sizeof(buf));
	}
	if (strcmp(mode, "disclose") == 0 && argc == 10) {
		struct proto_disclosure *d = calloc(1, sizeof(*d));
		uint64_t k = 0, mv = 0;
		if (d == NULL || !wn_parse_u64(argv[8], 12, &k) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(d->case_id, argv[6], sizeof(d->case_id));
		wn_strlcpy(d->purpose, "poke", sizeof(d->purpose));
		wn_strlcpy(d->ground, "consent", sizeof(d->ground));
		d->nfields = 1;
		d->fields[0].id = 999999;
		wn_strlcpy(d->fields[0].subject, argv[7],
		    sizeof(d->fields[0].subject));
		d->fields[0].category = (uint32_t)k;
		wn_strlcpy(d->fields[0].name, "note", sizeof(d->fields[0].name));
		d->fields[0].has_value = true;
		wn_strlcpy(d->fields[0].value, argv[9],
		    sizeof(d->fields[0].value));
		if (proto_disclosure_encode(d, &cw) != WN_OK)
			return 1;
		free(d);
		header(&h, argv[3], PROTO_MSG_DISCLOSURE, seq);
		const char *sq = getenv("WNPOKE_SEQ"), *m = getenv("WNPOKE_MV");
		if (sq != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (m != NULL)
			wn_parse_u64(m, UINT64_MAX - 1, &mv);
		h.mv = mv;
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "case") == 0 && argc >= 9 &&
	    argc - 8 <= PROTO_CASE_MAX_MEMBERS) {
		struct proto_case *pc = calloc(1, sizeof(*pc));
		const char *d = getenv("WNPOKE_DIRECTOR"), *sq;
		if (pc == NULL ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(pc->id, argv[6], sizeof(pc->id));
		wn_strlcpy(pc->subject, argv[7], sizeof(pc->subject));
		wn_strlcpy(pc->purpose, "poke", sizeof(pc->purpose));
		wn_strlcpy(pc->ground, "consent", sizeof(pc->ground));
		wn_strlcpy(pc->director, d ? d : argv[3], sizeof(pc->director));
		for (int i = 8; i < argc; i++)
			wn_strlcpy(pc->members[pc->nmembers++].org, argv[i],
			    sizeof(pc->members[0].org));
		if (proto_case_encode(pc, &cw) != WN_OK)
			return 1;
		free(pc);
		header(&h, argv[3], PROTO_MSG_CASE, seq);
		if ((sq = getenv("WNPOKE_SEQ")) != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "amend") == 0 && argc == 9) {
		struct proto_amend a = {0};
		const char *sq;
		if (!wn_parse_u64(argv[7], INT64_MAX, &a.field_id) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(a.case_id, argv[6], sizeof(a.case_id));
		wn_strlcpy(a.value, argv[8], sizeof(a.value));
		if (proto_amend_encode(&a, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_AMEND, seq);
		if ((sq = getenv("WNPOKE_SEQ")) != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "matrix") == 0 && argc == 9) {
		uint64_t version;
		struct proto_matrix *pm = calloc(1, sizeof(*pm));
		signer = unlock(argv[7], argv[8]);
		if (signer == NULL || pm == NULL ||
		    !wn_parse_u64(argv[6], UINT64_MAX - 1, &version) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		pm->version = version;
		/* the federation: FROM's (a director's charter names its
		 * own org id), or $WNPOKE_FEDERATION */
		const char *fed = getenv("WNPOKE_FEDERATION");
		wn_strlcpy(pm->federation, fed ? fed : argv[3],
		    sizeof(pm->federation));
		pm->issued_ms = wn_now_ms();
		pm->level[0][2][0] = 3; /* situation, signals, municipality: edit */
		if (proto_matrix_sign(pm, sign_cb, signer, &cw) != WN_OK ||
		    attach_dlg(&cw) != 0 || save(&cw) != 0)
			return 1;
		free(pm);
		header(&h, argv[3], PROTO_MSG_MATRIX, seq);
		const char *sq = getenv("WNPOKE_SEQ");
		if (sq != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "charter") == 0 && argc == 9) {
		uint64_t version;
		signer = unlock(argv[7], argv[8]);
		ch = calloc(1, sizeof(*ch));
		if (signer == NULL || ch == NULL ||
		    !wn_parse_u64(argv[6], UINT64_MAX - 1, &version) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		ch->version = version;
		wn_strlcpy(ch->federation, argv[3], sizeof(ch->federation));
		ch->issued_ms = wn_now_ms();
		ch->nmembers = 1;
		struct proto_member *m = &ch->members[0];
		wn_strlcpy(m->org, argv[3], sizeof(m->org));
		wn_strlcpy(m->name, "forged", sizeof(m->name));
		wn_strlcpy(m->role, "municipality", sizeof(m->role));
		wn_strlcpy(m->endpoint, "tcp://127.0.0.1:9", sizeof(m->endpoint));
		memcpy(m->sign_pk, sec_identity_public(me)->sign_pk, 32);
		memcpy(m->kx_pk, sec_identity_public(me)->kx_pk, 32);
		/* $WNPOKE_CHARTER_KX: that member's kx_key instead (hex) */
		const char *ckx = getenv("WNPOKE_CHARTER_KX");
		if (ckx != NULL && !sec_unhex(m->kx_pk, 32, ckx))
			return 1;
		m->directs = true;
		if (proto_charter_sign(ch, sign_cb, signer, &cw) != WN_OK ||
		    attach_dlg(&cw) != 0)
			return 1;
		header(&h, argv[3], PROTO_MSG_CHARTER, seq);
		/* the charter needs a fresh seq: ask for it via $WNPOKE_SEQ */
		const char *sq = getenv("WNPOKE_SEQ");
		if (sq != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "kind") == 0 && argc == 8) {
		uint64_t type;
		if (!wn_parse_u64(argv[7], PROTO_ENVELOPE_TYPE_MAX, &type))
			return 1;
		header(&h, argv[3], (uint32_t)type, seq);
		if (transfer_of(&h, bw.buf, bw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "signal") == 0 && argc == 7) {
		/* a well-formed signal summary (SIGNAL), signal 990 */
		struct proto_signal_summary ss = {.id = 990,
		    .when_ms = 1796500000000, .municipality = "Herentals",
		    .category = 0, .reports = 1};
		uint8_t sb[256];
		struct proto_writer sw;
		proto_writer_init(&sw, sb, sizeof(sb));
		if (proto_signal_summary_encode(&ss, &sw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_SIGNAL, seq);
		if (transfer_of(&h, sw.buf, sw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "token") == 0 && (argc == 7 || argc == 8)) {
		/* a TOKEN_REQUEST of one element, written by hand so that
		 * "bad" can send one the encoder refuses: a valid element
		 * with the top bit of its last byte set (never canonical) */
		struct sec_oprf_blind tb;
		uint8_t el[SEC_OPRF_ELEMENT_LEN], tid[16], tbuf[128];
		struct proto_writer tw;
		if (sec_oprf_blind("poke", 4, &tb, el) != WN_OK)
			return 1;
		sec_oprf_blind_release(&tb);
		if (argc == 8 && strcmp(argv[7], "bad") == 0)
			el[31] |= 0x80;
		else if (argc == 8)
			return 1;
		sec_random(tid, sizeof(tid));
		proto_writer_init(&tw, tbuf, sizeof(tbuf));
		proto_write_map(&tw, 2);
		proto_write_uint(&tw, 1);
		proto_write_bytes(&tw, tid, sizeof(tid));
		proto_write_uint(&tw, 2);
		proto_write_array(&tw, 1);
		proto_write_bytes(&tw, el, sizeof(el));
		if (proto_writer_status(&tw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_TOKEN_REQUEST, seq);
		if (transfer_of(&h, tw.buf, tw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "action-state") == 0 && argc == 10) {
		/* a well-formed ACTION_STATE: ACTION of CASE done */
		struct proto_action_state *as = calloc(1, sizeof(*as));
		if (as == NULL ||
		    !wn_parse_u64(argv[8], INT64_MAX, &as->number) ||
		    proto_writer_init_dynamic(&cw, 1024, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(as->case_id, argv[7], sizeof(as->case_id));
		as->state = PROTO_ACTION_DONE;
		as->changed_ms = wn_now_ms();
		wn_strlcpy(as->note, argv[9], sizeof(as->note));
		if (proto_action_state_encode(as, &cw) != WN_OK)
			return 1;
		free(as);
		header(&h, argv[3], PROTO_MSG_ACTION_STATE, seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "step") == 0 && argc == 9) {
		static struct proto_case_step cs;
		uint64_t stage;
		const char *sq;
		if (!wn_parse_u64(argv[7], PROTO_STEP_MAX, &cs.step) ||
		    !wn_parse_u64(argv[8], PROTO_CASE_STAGES - 1, &stage) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(cs.case_id, argv[6], sizeof(cs.case_id));
		cs.stage = (uint32_t)stage;
		cs.when_ms = wn_now_ms();
		wn_strlcpy(cs.by_org, argv[3], sizeof(cs.by_org));
		wn_strlcpy(cs.by_user, "poke", sizeof(cs.by_user));
		cs.has_reason = true;
		wn_strlcpy(cs.reason, "MK-poke-step", sizeof(cs.reason));
		if (proto_case_step_encode(&cs, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_CASE_STEP, seq);
		if ((sq = getenv("WNPOKE_SEQ")) != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "plan-action") == 0 && argc == 11) {
		struct proto_plan_item *pi = calloc(1, sizeof(*pi));
		if (pi == NULL ||
		    !wn_parse_u64(argv[8], INT64_MAX, &pi->number) ||
		    proto_writer_init_dynamic(&cw, 1024, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(pi->case_id, argv[7], sizeof(pi->case_id));
		pi->kind = PROTO_PLAN_ACTION;
		pi->changed_ms = wn_now_ms();
		wn_strlcpy(pi->owner, argv[9], sizeof(pi->owner));
		pi->deadline_ms = wn_now_ms() + 24 * 3600 * 1000;
		pi->state = PROTO_ACTION_OPEN;
		pi->has_text = true;
		wn_strlcpy(pi->text, argv[10], sizeof(pi->text));
		if (proto_plan_item_encode(pi, &cw) != WN_OK)
			return 1;
		free(pi);
		header(&h, argv[3], PROTO_MSG_PLAN, seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "link") == 0 && argc == 9) {
		struct proto_case_link cl = {0};
		uint64_t rel;
		const char *sq;
		if (!wn_parse_u64(argv[8], PROTO_CASE_RELATIONS - 1, &rel) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(cl.case_id, argv[6], sizeof(cl.case_id));
		wn_strlcpy(cl.other, argv[7], sizeof(cl.other));
		cl.relation = (uint32_t)rel;
		cl.when_ms = wn_now_ms();
		wn_strlcpy(cl.by_org, argv[3], sizeof(cl.by_org));
		wn_strlcpy(cl.by_user, "poke", sizeof(cl.by_user));
		if (proto_case_link_encode(&cl, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_CASE_LINK, seq);
		if ((sq = getenv("WNPOKE_SEQ")) != NULL)
			wn_parse_u64(sq, UINT64_MAX - 1, &h.seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "consult") == 0 && argc == 11) {
		static struct proto_consult ck;
		if (!wn_parse_u64(argv[8], INT64_MAX, &ck.meeting) ||
		    proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(ck.case_id, argv[7], sizeof(ck.case_id));
		wn_strlcpy(ck.body_id, argv[9], sizeof(ck.body_id));
		ck.at_ms = ck.changed_ms = ck.minutes_ms = wn_now_ms();
		ck.has_minutes = true;
		wn_strlcpy(ck.minutes, argv[10], sizeof(ck.minutes));
		if (proto_consult_encode(&ck, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_CONSULT, seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "body") == 0 && argc == 8) {
		static struct proto_body bd;
		int first = strcmp(argv[3], peer.org) < 0;
		if (proto_writer_init_dynamic(&cw, 4096, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(bd.body_id, argv[7], sizeof(bd.body_id));
		bd.changed_ms = wn_now_ms();
		bd.sits = true;
		wn_strlcpy(bd.name, "poked", sizeof(bd.name));
		wn_strlcpy(bd.chair, argv[3], sizeof(bd.chair));
		bd.nmembers = 2;
		wn_strlcpy(bd.members[first ? 0 : 1], argv[3],
		    sizeof(bd.members[0]));
		wn_strlcpy(bd.members[first ? 1 : 0], peer.org,
		    sizeof(bd.members[0]));
		if (proto_body_encode(&bd, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_BODY, seq);
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	if (strcmp(mode, "casesig") == 0 && (argc == 10 || argc == 11)) {
		static struct proto_case_signal cs;
		if (!wn_parse_u64(argv[9], INT64_MAX, &cs.number) ||
		    proto_writer_init_dynamic(&cw, 1024, PROTO_BODY_MAX) != WN_OK)
			return 1;
		wn_strlcpy(cs.case_id, argv[7], sizeof(cs.case_id));
		wn_strlcpy(cs.origin, argv[8], sizeof(cs.origin));
		cs.when_ms = wn_now_ms();
		const char *when = getenv("WNPOKE_WHEN_MS");
		uint64_t w;
		if (when != NULL) {
			if (!wn_parse_u64(when, INT64_MAX, &w))
				return 1;
			cs.when_ms = (int64_t)w;
		}
		if (argc == 11) {
			cs.has_summary = true;
			wn_strlcpy(cs.municipality, "Poketown",
			    sizeof(cs.municipality));
			cs.reports = 1;
		}
		if (proto_case_signal_encode(&cs, &cw) != WN_OK)
			return 1;
		header(&h, argv[3], PROTO_MSG_CASE_SIGNAL, seq);
		const char *m = getenv("WNPOKE_MV");
		if (m != NULL && !wn_parse_u64(m, UINT64_MAX - 1, &h.mv))
			return 1;
		if (transfer_of(&h, cw.buf, cw.len, &out, false) != 0)
			return 1;
		return send_and_print(out.buf, out.len);
	}
	fprintf(stderr, "wnpoke: unknown mode '%s'\n", mode);
	return 1;
}
