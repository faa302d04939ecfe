/*
 * wnrecv.c - test tool: a fake receiver. It holds a member's real keys,
 * listens on that member's endpoint in its place, and answers every
 * transfer from one sender with a signed receipt that names the transfer
 * and refuses each message in it, with codes chosen by the test (a
 * receiver that is hostile or of a newer version).
 *
 *   wnrecv KEYFILE PASSFILE ORG LISTEN SENDERBUNDLE MODE [ARG...]
 *
 * KEYFILE/PASSFILE/ORG: the member's identity and org id; LISTEN: its
 * endpoint (tcp:// only); SENDERBUNDLE: the sender's `wijknetd public`.
 * Modes:
 *   alt CODE1 CODE2  every refusal takes CODE1, CODE2, CODE1, ... in turn
 *                    (within a receipt and across receipts)
 *   stale            the first message ever seen is refused with 17 (it
 *                    cannot be decrypted) once, then with 5 (final: the
 *                    sender deletes it); every other message with 17
 *   oldbox AGE_MS    every message is refused with 17, in a receipt dated
 *                    AGE_MS ago and sealed under a pair key made for it
 *                    (a random key), so the sender cannot open it: as an
 *                    old receipt, sealed under keys since replaced,
 *                    replayed within the time window
 * A session opening is answered as the daemon answers one
 * (proto_session_answer); the receipts go under the session their
 * transfer names (the last 8 kept); a transfer under another session is
 * refused with a signed ERROR 19 that names its first message, as the
 * daemon refuses it.
 * Prints one line per transfer answered ("transfer N: CODE..." with the
 * message ids' first 4 bytes) and flushes it; runs until killed.
 * Never installed.
 */
#include <stdio.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "protocol/envelope.h"
#include "protocol/manifest.h"
#include "protocol/session_wire.h"
#include "tests/tools/tool_bundle.h"

int main(int argc, char **argv);

static struct tool_bundle peer; /* the other side's bundle */

/* the sessions the sender opened, newest first */
#define NSESS 8
static struct proto_session sessions[NSESS];

static const struct proto_session *
session_find(const uint8_t *sid)
{
	for (size_t i = 0; i < NSESS; i++)
		if (sessions[i].i2r != NULL &&
		    memcmp(sessions[i].sid, sid, PROTO_SID_LEN) == 0)
			return &sessions[i];
	return NULL;
}

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

int
main(int argc, char **argv)
{
	char err[512];
	struct sec_secret *pass = NULL;
	struct sec_identity *me = NULL;
	struct sec_peer_key *key = NULL;
	struct proto_receipt *rc = calloc(1, sizeof(*rc));
	struct proto_writer bw, ew;
	nng_socket s;
	uint32_t c1 = 0, c2 = 0;
	unsigned long turn = 0, ntransfer = 0;
	uint8_t first[16];
	bool have_first = false, first_refused = false;
	int rv;

	if (argc < 7 || rc == NULL || sec_init() != WN_OK ||
	    tool_bundle_load(argv[5], &peer) != 0) {
		fprintf(stderr, "usage: wnrecv KEYFILE PASSFILE ORG LISTEN "
				"SENDERBUNDLE alt CODE1 CODE2 | stale | "
				"oldbox AGE_MS\n");
		return 1;
	}
	bool alt = strcmp(argv[6], "alt") == 0 && argc == 9;
	bool oldbox = strcmp(argv[6], "oldbox") == 0 && argc == 8;
	int64_t age = 0;
	if (alt) {
		c1 = (uint32_t)strtoul(argv[7], NULL, 10);
		c2 = (uint32_t)strtoul(argv[8], NULL, 10);
	} else if (oldbox) {
		age = strtoll(argv[7], NULL, 10);
	} else if (strcmp(argv[6], "stale") != 0) {
		fprintf(stderr, "wnrecv: unknown mode '%s'\n", argv[6]);
		return 1;
	}
	if (sec_passphrase_read_file(argv[2], &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(argv[1], pass, &me, err, sizeof(err)) !=
		WN_OK) {
		fprintf(stderr, "wnrecv: %s\n", err);
		return 1;
	}
	sec_secret_free(pass);
	if (sec_peer_key_new(me, peer.kx, &key) != WN_OK)
		return 1;
	if ((rv = nng_rep0_open(&s)) != 0 ||
	    (rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ,
		 PROTO_FRAME_MAX)) != 0 ||
	    (rv = nng_listen(s, argv[4], NULL, 0)) != 0) {
		fprintf(stderr, "wnrecv: cannot listen on %s: %s\n", argv[4],
		    nng_strerror(rv));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	if (proto_writer_init_dynamic(&bw, 4096, PROTO_BODY_MAX - 1) != WN_OK ||
	    proto_writer_init_dynamic(&ew, 4096, PROTO_ENVELOPE_MAX) != WN_OK)
		return 1;
	for (;;) {
		nng_msg *m;
		struct proto_transfer t;
		if (nng_recvmsg(s, &m, 0) != 0)
			continue;
		const uint8_t *buf = nng_msg_body(m);
		size_t len = nng_msg_len(m);
		if (proto_transfer_decode(buf, len, &t, NULL) != WN_OK) {
			/* not a transfer (a chain head query): no answer */
			nng_msg_free(m);
			continue;
		}
		struct proto_envelope e0;
		const struct proto_session *ss = NULL;
		if (t.n == 1 && proto_envelope_decode(t.env[0], t.env_len[0],
			&e0, NULL) == WN_OK &&
		    e0.h.type == PROTO_MSG_SESSION_OPEN) {
			struct proto_session ns = {0};
			proto_writer_reset(&ew);
			if (!proto_envelope_verify(&e0, peer.sign) ||
			    proto_session_answer(&e0, t.env[0], t.env_len[0],
				wn_now_ms(), key, sign_cb, me, &ns, &ew) != WN_OK) {
				fprintf(stderr, "wnrecv: cannot answer a session "
				    "opening\n");
				nng_msg_free(m);
				continue;
			}
			nng_msg_free(m);
			proto_session_release(&sessions[NSESS - 1]);
			memmove(&sessions[1], &sessions[0],
			    (NSESS - 1) * sizeof(sessions[0]));
			sessions[0] = ns;
			if (nng_send(s, ew.buf, ew.len, 0) != 0)
				fprintf(stderr, "wnrecv: cannot send an "
				    "accept\n");
			continue;
		}
		memset(rc, 0, sizeof(*rc));
		proto_transfer_hash(t.manifest, t.manifest_len, buf, len,
		    rc->answers);
		printf("transfer %lu:", ++ntransfer);
		for (size_t i = 0; i < t.n; i++) {
			struct proto_envelope e;
			if (proto_envelope_decode(t.env[i], t.env_len[i], &e,
				NULL) != WN_OK)
				continue;
			if (ss == NULL && e.h.has_sid)
				ss = session_find(e.h.sid);
			struct proto_refusal *rf = &rc->refused[rc->nrefused++];
			memcpy(rf->id, e.h.id, 16);
			if (alt) {
				rf->code = turn++ % 2 == 0 ? c1 : c2;
				snprintf(rf->reason, sizeof(rf->reason),
				    "wnrecv refuses it with code %u", rf->code);
			} else if (oldbox) {
				rf->code = WN_ENOKEY;
				snprintf(rf->reason, sizeof(rf->reason),
				    "wnrecv cannot decrypt it");
			} else {
				if (!have_first) {
					memcpy(first, e.h.id, 16);
					have_first = true;
				}
				if (memcmp(first, e.h.id, 16) == 0 &&
				    first_refused) {
					rf->code = WN_EDENIED;
					snprintf(rf->reason, sizeof(rf->reason),
					    "wnrecv refuses it for good");
				} else {
					if (memcmp(first, e.h.id, 16) == 0)
						first_refused = true;
					rf->code = WN_ENOKEY;
					snprintf(rf->reason, sizeof(rf->reason),
					    "wnrecv cannot decrypt it");
				}
			}
			printf(" %02x%02x%02x%02x=%u", e.h.id[0], e.h.id[1],
			    e.h.id[2], e.h.id[3], rf->code);
		}
		printf("\n");
		fflush(stdout);
		nng_msg_free(m);
		struct proto_env_header h = {0};
		h.version = PROTO_VERSION;
		h.type = PROTO_MSG_RECEIPT;
		wn_strlcpy(h.from, argv[3], sizeof(h.from));
		wn_strlcpy(h.to, peer.org, sizeof(h.to));
		sec_random(h.id, sizeof(h.id));
		h.ts_ms = wn_now_ms() - age;
		if (ss == NULL) {
			/* as the daemon answers: a signed ERROR 19, and the
			 * sender opens a new session */
			struct proto_errbody eb = {0};
			proto_writer_reset(&bw);
			proto_writer_reset(&ew);
			eb.code = WN_ESESSION;
			wn_strlcpy(eb.reason, "no such session: open a new one",
			    sizeof(eb.reason));
			/* naming the transfer's first message, which the
			 * sender takes a 19 for only */
			if (rc->nrefused > 0) {
				eb.has_id = true;
				memcpy(eb.id, rc->refused[0].id, 16);
			}
			h.type = PROTO_MSG_ERROR;
			h.ts_ms = wn_now_ms();
			if (proto_errbody_encode(&eb, &bw) != WN_OK ||
			    proto_envelope_seal(&h, bw.buf, bw.len, NULL,
				sign_cb, me, &ew) != WN_OK ||
			    nng_send(s, ew.buf, ew.len, 0) != 0)
				fprintf(stderr, "wnrecv: cannot refuse a "
				    "transfer under no session we hold\n");
			continue;
		}
		h.has_sid = true;
		memcpy(h.sid, ss->sid, PROTO_SID_LEN);
		proto_writer_reset(&bw);
		proto_writer_reset(&ew);
		struct sec_peer_key *other = NULL;
		uint8_t pk[32];
		if (oldbox) {
			sec_random(pk, sizeof(pk));
			if (sec_peer_key_new(me, pk, &other) != WN_OK)
				return 1;
		}
		wn_err r = proto_receipt_encode(rc, &bw);
		if (r == WN_OK)
			r = proto_envelope_seal(&h, bw.buf, bw.len,
			    other ? other : ss->r2i, sign_cb, me, &ew);
		sec_peer_key_free(other);
		if (r != WN_OK) {
			fprintf(stderr, "wnrecv: cannot seal a receipt\n");
			continue;
		}
		if (nng_send(s, ew.buf, ew.len, 0) != 0)
			fprintf(stderr, "wnrecv: cannot send a receipt\n");
	}
}
