/*
 * wnopen.c - test tool: sends a node one SESSION_OPEN (the first request
 * of every sender in version 4) and prints what the node answered; keeps
 * the answer's bytes, so that a test can play them back elsewhere (a
 * refusal addressed to one member, offered to another as the answer to
 * its own opening).
 *
 *   wnopen KEYFILE PASSFILE FROM TOBUNDLE OUTFILE
 *
 * KEYFILE/PASSFILE: the identity that signs the opening as FROM (the
 * passphrase never on the command line); TOBUNDLE: the node's `wijknetd
 * public`. The opening is sealed under the static pair key, or with
 * $WNOPEN_BADKEY=1 under a random key, so that the node cannot open it
 * and refuses it with a signed ERROR 17; $WNOPEN_TS_OFFSET_MS=N dates it
 * N ms off our clock. Prints one line:
 *   ERROR <code> to=<to> id=<ours|other|none> ts=<ms> reason=<reason>
 *       (id=ours: the ERROR's body names the id of the opening sent)
 *   REPLY <type> to=<to> ts=<ms>   a signed envelope of another type
 *                                  (session_accept)
 *   NO REPLY | BAD REPLY
 * and writes the reply's bytes to OUTFILE for ERROR and REPLY. Exit 0
 * with a reply, 1 for a local problem, 3 with none. Never installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "protocol/envelope.h"
#include "protocol/session_wire.h"
#include "tests/tools/tool_bundle.h"

int main(int argc, char **argv);

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static bool
parse_ms(const char *text, int64_t *out)
{
	uint64_t v;
	bool neg = text[0] == '-';
	if (!wn_parse_u64(text + neg, INT64_MAX, &v))
		return false;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

static int
keep(const char *path, nng_msg *reply)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	if (fwrite(nng_msg_body(reply), 1, nng_msg_len(reply), f) !=
	    nng_msg_len(reply)) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char err[512];
	struct sec_secret *pass = NULL;
	struct sec_identity *me = NULL;
	struct tool_bundle peer;
	struct sec_peer_key *key = NULL;
	struct proto_session_init st = {0};
	struct proto_writer ew = {0}, tw = {0};
	struct proto_transfer t = {0};
	struct proto_envelope e;
	struct proto_errbody eb;
	uint8_t raw[SEC_PEER_KEY_LEN], body[PROTO_ERRBODY_MAX];
	size_t blen;
	nng_socket sock;
	nng_msg *reply = NULL;
	const char *off = getenv("WNOPEN_TS_OFFSET_MS");
	int64_t delta = 0;
	int rc = 1;

	if (argc != 6 || sec_init() != WN_OK ||
	    tool_bundle_load(argv[4], &peer) != 0 ||
	    (off != NULL && !parse_ms(off, &delta))) {
		fprintf(stderr, "usage: wnopen KEYFILE PASSFILE FROM TOBUNDLE "
				"OUTFILE\n");
		return 1;
	}
	if (sec_passphrase_read_file(argv[2], &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(argv[1], pass, &me, err, sizeof(err)) !=
		WN_OK) {
		fprintf(stderr, "wnopen: %s\n", err);
		goto out;
	}
	sec_random(raw, sizeof(raw));
	if ((getenv("WNOPEN_BADKEY") != NULL
		    ? sec_peer_key_from_raw(raw, &key)
		    : sec_peer_key_new(me, peer.kx, &key)) != WN_OK ||
	    proto_writer_init_dynamic(&ew, 1024, PROTO_ENVELOPE_MAX) != WN_OK ||
	    proto_writer_init_dynamic(&tw, 1024, PROTO_FRAME_MAX) != WN_OK ||
	    proto_session_open_seal(argv[3], peer.org, wn_now_ms() + delta,
		key, sign_cb, me, &st, &ew) != WN_OK)
		goto out;
	sec_wipe(raw, sizeof(raw));
	t.n = 1;
	t.env[0] = ew.buf;
	t.env_len[0] = ew.len;
	if (proto_transfer_encode(&t, &tw) != WN_OK)
		goto out;
	if (nng_req0_open(&sock) != 0)
		goto out;
	if (nng_socket_set_size(sock, NNG_OPT_RECVMAXSZ, PROTO_FRAME_MAX) !=
		0 ||
	    nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 120000) != 0 ||
	    nng_dial(sock, peer.endpoint, NULL, 0) != 0 ||
	    nng_send(sock, tw.buf, tw.len, 0) != 0 ||
	    nng_recvmsg(sock, &reply, 0) != 0) {
		printf("NO REPLY\n");
		rc = 3;
		goto close;
	}
	if (proto_envelope_decode(nng_msg_body(reply), nng_msg_len(reply), &e,
		NULL) != WN_OK ||
	    !proto_envelope_verify(&e, peer.sign)) {
		printf("BAD REPLY\n");
		goto close;
	}
	if (e.h.type != PROTO_MSG_ERROR) {
		printf("REPLY %s to=%s ts=%lld\n", proto_msg_type_name(e.h.type),
		    e.h.to, (long long)e.h.ts_ms);
	} else if (proto_envelope_open(&e, NULL, body, sizeof(body), &blen) !=
		WN_OK ||
	    proto_errbody_decode(body, blen, &eb, NULL) != WN_OK) {
		printf("BAD REPLY\n");
		goto close;
	} else {
		printf("ERROR %u to=%s id=%s ts=%lld reason=%s\n", eb.code,
		    e.h.to, eb.has_id && sec_equal(eb.id, st.id, PROTO_ID_LEN)
			? "ours" : eb.has_id ? "other" : "none",
		    (long long)e.h.ts_ms, eb.reason);
	}
	rc = keep(argv[5], reply) == 0 ? 0 : 1;
close:
	nng_close(sock);
out:
	nng_msg_free(reply);
	proto_session_init_release(&st);
	proto_writer_release(&ew);
	proto_writer_release(&tw);
	sec_peer_key_free(key);
	sec_identity_free(me);
	sec_secret_free(pass);
	return rc;
}
