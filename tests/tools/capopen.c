/*
 * capopen.c - test tool: what a stolen key file opens of captured traffic.
 * It takes a node's key file and passphrase file (the passphrase never on
 * the command line) and a peer's bundle, agrees the static pair key with
 * that peer, walks wire captures (WIJKNET_WIRE_CAPTURE: transfers and
 * replies, one after the other) and tries to open the payload of every
 * envelope between the two nodes with that static key.
 *
 *   capopen KEYFILE PASSFILE PEERBUNDLE CAPTURE...
 *
 * Prints two lines:
 *   handshake N opened M   SESSION_OPEN and SESSION_ACCEPT envelopes
 *   sealed N opened M      every other envelope with a sealed payload
 * (ERROR envelopes are in the clear and not counted). An item that is not
 * an envelope of this protocol version but a COSE_Sign1 all the same (an
 * older version's) counts as "sealed". Exit 0, or 1 for a local problem.
 * Never installed.
 */
#include <stdio.h>
#include <string.h>

#include "config/cfg.h"
#include "crypto/sec.h"
#include "protocol/envelope.h"
#include "tests/tools/tool_bundle.h"

int main(int argc, char **argv);

static struct sec_peer_key *pair;
static const char *me_org;
static struct tool_bundle peer;
static unsigned long hs_n, hs_open, other_n, other_open;
static uint8_t body[PROTO_BODY_MAX + 64];

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
		bool opened = proto_envelope_open(&e, pair, body, sizeof(body),
		    &n) == WN_OK;
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
	if (proto_cose_sign1_decode(buf, len, &m, NULL) != WN_OK ||
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

int
main(int argc, char **argv)
{
	char err[512];
	struct sec_secret *pass = NULL;
	struct sec_identity *me = NULL;
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
	me_org = getenv("CAPOPEN_ORG");
	if (me_org == NULL) {
		fprintf(stderr, "capopen: set CAPOPEN_ORG to the key file's "
				"org id\n");
		goto out;
	}
	for (int i = 4; i < argc; i++)
		if (one_file(argv[i]) != 0) {
			fprintf(stderr, "capopen: cannot read %s\n", argv[i]);
			goto out;
		}
	printf("handshake %lu opened %lu\n", hs_n, hs_open);
	printf("sealed %lu opened %lu\n", other_n, other_open);
	rc = 0;
out:
	sec_peer_key_free(pair);
	sec_identity_free(me);
	sec_secret_free(pass);
	return rc;
}
