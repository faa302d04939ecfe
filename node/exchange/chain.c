/*
 * chain.c - rollback detection with signed audit chain heads.
 *
 * SQLCipher cannot tell that its whole file was replaced by an older copy of
 * itself. The audit chain can, if someone else remembers how far it got:
 * each node signs its chain head (index and hash of the newest record) and
 * sends it, through the outbox, to the nodes that check it: members to the
 * director, the director to its members. They keep the newest one. On
 * start a node asks its checkers for the head they hold (a CHAIN_HEAD_QUERY
 * answered directly in the reply) and refuses to serve when its own chain
 * is behind it, naming the missing records, unless the operator overrides
 * with a reason that goes into the audit log (and the heads accepted so
 * are remembered in meta). A checker sent a head that does not extend the
 * one it holds reports a rollback and keeps its head.
 *
 * A node none of whose checkers vouches at start (none answers; an answer
 * that holds no head of it vouches only from the director when a member
 * asks, or from a checker no head of it has reached yet: a receipt for a
 * CHAIN_HEAD marks the checker, node_chain_delivered) cannot tell whether
 * it runs on an older copy, so it fails closed: it starts receive-only (it
 * receives, applies and answers transfers and chain-head queries, but
 * sends nothing but its own queries: its outbox waits) and asks again when
 * a transfer from a checker arrives, and every RECHECK_MS. The first round
 * a checker vouches in ends it (or, when the chain does not extend a head
 * held, stops the node as a start would have refused). The operator may
 * override with a reason (--accept-unchecked), audited. A round that lets
 * the node serve with checkers that did not vouch is not the last word:
 * those are asked again while it serves, until each has (pending).
 *
 * A copy made by wijknetd restore (node_chain_restored) has its sequence
 * numbers moved past its original's, so that it is not refused as
 * replays if it serves unchecked; it then sends no head in that run,
 * which would replace the original's at a checker without a check.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"
#include "node/exchange/peer_int.h" /* peer_in_window */

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <sqlcipher/sqlite3.h>

#include "protocol/envelope.h"

/* a test may lengthen it: WIJKNET_TEST_QUERY_TIMEOUT_MS (node_test_ms) */
#define QUERY_TIMEOUT_MS 3000
/* receive-only: how often the checkers are asked again without a sign of
 * them (a message from one asks at once) */
#define RECHECK_MS 30000

/* A member's chain is checked by the director and by NODE_WITNESSES other
 * members, its witnesses: the next members after it in org id order,
 * wrapping round, among the members it knows (the charter gives every
 * member the same list, so each computes the same witnesses; a head sent
 * to a member that does not count itself one is kept all the same). A
 * member then still learns that it runs on an older copy while the
 * director is away; the director is checked by every member. */
#define NODE_WITNESSES 2

static bool
is_director_peer(struct node *n, const struct node_peer *p)
{
	return memcmp(p->sign_pk, n->director_pk, 32) == 0;
}

/* is_witness: p is one of our witnesses (n a member). The peer table is
 * in org id order (node_peers_load), those a reload dropped (gone) after
 * the rest. */
static bool
is_witness(struct node *n, const struct node_peer *p)
{
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n->ex->npeers; i++) {
			const struct node_peer *q = n->ex->peers[i];
			int c = strcmp(q->org_id, n->cfg.org_id);
			if (q->gone || is_director_peer(n, q) || c == 0 ||
			    (pass == 0 ? c < 0 : c > 0))
				continue;
			if (q == p)
				return true;
			if (++k == NODE_WITNESSES)
				return false;
		}
	return false;
}

static bool
is_checker(struct node *n, const struct node_peer *p)
{
	if (p->gone)
		return false;
	if (n->is_director)
		return true;
	return is_director_peer(n, p) || is_witness(n, p);
}

static wn_err
signed_head(struct node *n, struct proto_writer *w, int64_t *seq)
{
	struct node_audit_head ah;
	struct proto_head h = {0};
	wn_err rc = node_audit_head(n->store, &ah);
	if (rc != WN_OK)
		return rc;
	wn_strlcpy(h.org, n->cfg.org_id, sizeof(h.org));
	h.seq = (uint64_t)ah.seq;
	memcpy(h.hash, ah.hash, sizeof(h.hash));
	h.time_ms = wn_now_ms();
	*seq = ah.seq;
	return proto_head_sign(&h, node_sign, n->id, w);
}

wn_err
node_chain_push_heads(struct node *n)
{
	uint8_t buf[PROTO_SIGNED_HEAD_MAX];
	struct proto_writer w;
	int64_t seq;
	wn_err rc;
	/* a restored copy serving unchecked: its heads would replace the
	 * one its original left with a checker (node_chain_restored) */
	if (n->ex->heads_withheld)
		return WN_OK;
	proto_writer_init(&w, buf, sizeof(buf));
	if ((rc = signed_head(n, &w, &seq)) != WN_OK)
		return rc;
	for (size_t i = 0; i < n->ex->npeers; i++) {
		struct node_peer *p = n->ex->peers[i];
		if (is_checker(n, p) &&
		    (rc = node_outbox_push(n, p, PROTO_MSG_CHAIN_HEAD, w.buf,
			 w.len)) != WN_OK)
			return rc;
	}
	n->ex->head_sent_seq = seq;
	return WN_OK;
}

/* open_key names the mark of a rollback of org reported here whose
 * acceptance by its operator was not seen yet */
static void
open_key(char *out, size_t cap, const char *org)
{
	snprintf(out, cap, "chain_open:%s", org);
}

/* A checker keeps the newest head a node sent. A head that does not
 * extend it (a lower index: an older copy of the store, or a chain that
 * started over at 1; the same index with another hash: history
 * rewritten) is a rollback: audited once per head held, and the head held
 * (the anchor) is kept, so that the node's own check at its next start
 * still finds it (as it does for an older copy) until its operator accepts
 * it. A head with a higher index replaces it (one head alone cannot show
 * that the records in between extend the one held), except while a
 * rollback of that node is open: reported here, and its acceptance not
 * seen yet (node_chain_numbers_moved). may_replace false only checks. */
static wn_err
chain_store(struct node *n, const struct node_peer *from, const uint8_t *buf,
    size_t len, char *why, size_t whylen, bool may_replace)
{
	struct proto_head h;
	struct proto_error perr;
	sqlite3_stmt *st = NULL;
	wn_err rc = proto_head_verify_signed(buf, len, from->sign_pk, &h, &perr);
	/* a head signed before its key rotation completed (rotate.c) */
	if (rc == WN_ECRYPTO && peer_prev_usable(from))
		rc = proto_head_verify_signed(buf, len, from->prev_sign_pk, &h,
		    &perr);
	if (rc != WN_OK) {
		snprintf(why, whylen, "chain head not signed by its sender");
		return rc == WN_ECRYPTO ? WN_ECRYPTO : WN_EPROTO;
	}
	if (strcmp(h.org, from->org_id) != 0) {
		snprintf(why, whylen, "chain head of '%s' sent by '%s'", h.org,
		    from->org_id);
		return WN_EDENIED;
	}
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT seq, hash FROM chain_heads WHERE org_id = ?", -1, &st,
		NULL) != SQLITE_OK)
		return WN_EDB;
	sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
	int64_t held = -1;
	bool same = false;
	if (sqlite3_step(st) == SQLITE_ROW) {
		held = sqlite3_column_int64(st, 0);
		same = sqlite3_column_bytes(st, 1) == 32 &&
		    memcmp(sqlite3_column_blob(st, 1), h.hash, 32) == 0;
	}
	sqlite3_finalize(st);
	st = NULL;
	char okey[96], oval[32] = "";
	open_key(okey, sizeof(okey), from->org_id);
	bool take = may_replace &&
	    node_store_meta_get(n->store, okey, oval, sizeof(oval)) &&
	    strcmp(oval, "accepted") == 0;
	if (take) {
		/* the first head after its operator accepted the rollback:
		 * held from now on, whatever its index */
		if (node_store_meta_del(n->store, okey) != WN_OK)
			return WN_EDB;
	} else if (held >= 0 && ((uint64_t)held > h.seq ||
			     ((uint64_t)held == h.seq && !same))) {
		char detail[512], key[96], val[32], was[32] = "";
		if ((uint64_t)held > h.seq)
			snprintf(detail, sizeof(detail), "audit chain does not "
			    "extend the head %lld held here: it ends at record "
			    "%llu, records %llu..%lld are missing (an older copy "
			    "of its store, or a chain that started over)",
			    (long long)held, (unsigned long long)h.seq,
			    (unsigned long long)h.seq + 1, (long long)held);
		else
			snprintf(detail, sizeof(detail), "audit chain differs "
			    "from the head held here at record %lld: history "
			    "was rewritten", (long long)held);
		snprintf(key, sizeof(key), "chain_rollback:%s", from->org_id);
		snprintf(val, sizeof(val), "%lld", (long long)held);
		if (node_store_meta_get(n->store, key, was, sizeof(was)) &&
		    strcmp(was, val) == 0) {
			wn_log(WN_LOG_DEBUG, "chain head of %s: %s (reported "
			    "before)", from->org_id, detail);
			return WN_OK;
		}
		if (node_store_meta_put(n->store, key, val) != WN_OK ||
		    (open_key(key, sizeof(key), from->org_id),
			node_store_meta_put(n->store, key, val)) != WN_OK ||
		    node_audit_append(n->store, "system", "chain.rollback",
			from->org_id, detail) != WN_OK)
			return WN_EDB;
		wn_log(WN_LOG_WARN, "rollback of %s: %s; keeping the head held",
		    from->org_id, detail);
		return WN_OK;
	}
	if (!take && held >= 0 && !same) {
		char key[96], v[32];
		open_key(key, sizeof(key), from->org_id);
		if (!may_replace || (node_store_meta_get(n->store, key, v, sizeof(v)) &&
					strcmp(v, "accepted") != 0)) {
			wn_log(WN_LOG_DEBUG, "chain head %llu of %s: a rollback "
			    "of it is open, keeping the head %lld held",
			    (unsigned long long)h.seq, from->org_id,
			    (long long)held);
			return WN_OK;
		}
	}
	rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"INSERT OR REPLACE INTO chain_heads (org_id, seq, hash, signed, "
		"received_ms) VALUES (?, ?, ?, ?, ?)",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)h.seq);
		sqlite3_bind_blob(st, 3, h.hash, 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 4, buf, (int)len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, wn_now_ms());
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_chain_store(struct node *n, const struct node_peer *from,
    const uint8_t *buf, size_t len, char *why, size_t whylen)
{
	return chain_store(n, from, buf, len, why, whylen, true);
}

wn_err
node_chain_seq_reused(struct node *n, const struct node_peer *from,
    uint64_t seq, int64_t last, const uint8_t *head, size_t hlen)
{
	char key[96], val[32], was[32] = "", why[200], detail[300];
	wn_err rc;
	/* a head among them is checked against the one held first */
	if (head != NULL && (rc = chain_store(n, from, head, hlen, why,
				 sizeof(why), false)) == WN_EDB)
		return rc;
	snprintf(key, sizeof(key), "chain_seqreuse:%s", from->org_id);
	snprintf(val, sizeof(val), "%lld", (long long)last);
	if (node_store_meta_get(n->store, key, was, sizeof(was)) &&
	    strcmp(was, val) == 0)
		return WN_OK; /* reported for this event */
	snprintf(detail, sizeof(detail), "peer reuses sequence numbers: its "
	    "store went back (message number %llu was used before; the last "
	    "applied is %lld)", (unsigned long long)seq, (long long)last);
	if (node_store_meta_put(n->store, key, val) != WN_OK ||
	    (open_key(key, sizeof(key), from->org_id),
		node_store_meta_put(n->store, key, val)) != WN_OK ||
	    node_audit_append(n->store, "system", "chain.rollback",
		from->org_id, detail) != WN_OK)
		return WN_EDB;
	wn_log(WN_LOG_WARN, "rollback of %s: %s", from->org_id, detail);
	return WN_OK;
}

wn_err
node_chain_numbers_moved(struct node *n, const struct node_peer *from)
{
	char key[96], v[32];
	open_key(key, sizeof(key), from->org_id);
	if (node_store_meta_get(n->store, key, v, sizeof(v)) &&
	    strcmp(v, "accepted") == 0)
		return WN_OK;
	if (node_store_meta_put(n->store, key, "accepted") != WN_OK ||
	    node_audit_append(n->store, "system", "chain.rollback_closed",
		from->org_id, "its operator accepted the rollback (its "
		"sequence numbers moved forward): the next head it sends "
		"is held") != WN_OK)
		return WN_EDB;
	wn_log(WN_LOG_INFO, "%s accepted its rollback: holding its next head",
	    from->org_id);
	return WN_OK;
}

/* delivered_key names the mark that a head of ours reached checker org:
 * from then on its answer that it holds none of ours is no vouch */
static void
delivered_key(char *out, size_t cap, const char *org)
{
	snprintf(out, cap, "chain_delivered:%s", org);
}

wn_err
node_chain_delivered(struct node *n, const struct node_peer *p)
{
	char key[96], v[32];
	delivered_key(key, sizeof(key), p->org_id);
	if (node_store_meta_get(n->store, key, v, sizeof(v)))
		return WN_OK;
	snprintf(v, sizeof(v), "%lld", (long long)wn_now_ms());
	return node_store_meta_put(n->store, key, v);
}

/* Test hooks of a checker that misbehaves (the tests' daemon only, read
 * once): WIJKNET_TEST_ANSWER_AHEAD_MS dates its answers that far ahead;
 * WIJKNET_TEST_ANSWER_REPLAY_MS (any number but 0) answers every query
 * with the body of the first answer it made (its head and nonce), sealed
 * anew under the query's session: an answer played back as by someone
 * who recorded it and could seal, so that the nonce alone stops it (a
 * recording played back as it was is under another session, and stops
 * at that); WIJKNET_TEST_ANSWER_NONE_MS (any number but 0) answers that
 * it holds no head of the asker, whatever it holds (a hostile witness).
 * n->mtx held. */
static int64_t hook_ahead = -1, hook_replay, hook_none;
static uint8_t *replay_buf;
static size_t replay_len;

/* answer_hooks: the body to answer with (bw's, or the first one kept);
 * bw NULL only reads the hooks */
static void
answer_hooks(struct proto_writer *bw)
{
	if (hook_ahead < 0) {
		hook_ahead = node_test_ahead_ms("WIJKNET_TEST_ANSWER_AHEAD_MS");
		hook_replay = node_test_ahead_ms("WIJKNET_TEST_ANSWER_REPLAY_MS");
		hook_none = node_test_ahead_ms("WIJKNET_TEST_ANSWER_NONE_MS");
	}
	if (hook_replay == 0 || bw == NULL)
		return;
	if (replay_buf == NULL) {
		if ((replay_buf = malloc(bw->len)) != NULL) {
			memcpy(replay_buf, bw->buf, bw->len);
			replay_len = bw->len;
		}
		return;
	}
	proto_writer_reset(bw);
	proto_write_raw(bw, replay_buf, replay_len);
}

wn_err
node_chain_answer(struct node *n, const struct node_peer *to,
    const struct proto_session *sess, const uint8_t nonce[16],
    struct proto_writer *w)
{
	sqlite3_stmt *st = NULL;
	struct proto_env_header h = {0};
	uint8_t body[PROTO_SIGNED_HEAD_MAX + 16];
	struct proto_writer bw;
	wn_err rc = WN_EDB;

	proto_writer_init(&bw, body, sizeof(body));
	answer_hooks(NULL);
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT signed FROM chain_heads WHERE org_id = ?", -1, &st,
		NULL) != SQLITE_OK)
		return WN_EDB;
	sqlite3_bind_text(st, 1, to->org_id, -1, SQLITE_STATIC);
	if (hook_none == 0 && sqlite3_step(st) == SQLITE_ROW)
		rc = proto_head_answer_encode(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), nonce, &bw);
	else
		rc = proto_head_answer_encode(NULL, 0, nonce, &bw);
	sqlite3_finalize(st);
	if (rc != WN_OK)
		return rc;
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_CHAIN_HEAD_ANSWER;
	wn_strlcpy(h.from, n->cfg.org_id, sizeof(h.from));
	wn_strlcpy(h.to, to->org_id, sizeof(h.to));
	sec_random(h.id, sizeof(h.id));
	h.ts_ms = wn_now_ms();
	answer_hooks(&bw);
	if ((rc = proto_writer_status(&bw)) != WN_OK)
		return rc;
	h.ts_ms += hook_ahead;
	/* the reply to the query, under its session */
	h.has_sid = true;
	memcpy(h.sid, sess->sid, PROTO_SID_LEN);
	return proto_envelope_seal(&h, bw.buf, bw.len, sess->r2i, node_sign,
	    n->id, w);
}

/* A checker as ask needs it: copied under n->mtx, so that the lock can be
 * let go while the query waits (a peer is freed only at shutdown, its key
 * with it; its endpoint may be rewritten by a reload) */
struct checker {
	char org_id[64], endpoint[256];
	uint8_t sign_pk[SEC_SIGN_PK_LEN];
	struct sec_peer_key *key;
	struct node_peer *p;
	bool director;
	bool delivered; /* a head of ours reached it (node_chain_delivered) */
};

/* reachable: a TCP connection to url's address opens within timeout ms.
 * The query's own dial does not block (a blocking nng dial waits for the
 * kernel's connect timeout, minutes for an address that drops SYNs, and
 * nothing bounds it), and a dial that does not block retries in the
 * background until the send's timeout: this one connection, closed at
 * once, tells a checker that is away within the timeout, and at once when
 * its address refuses. */
static bool
reachable(const char *url, int64_t timeout)
{
	char tcp[300];
	const char *hostport;
	nng_stream_dialer *d = NULL;
	nng_aio *aio = NULL;
	bool ok = false;
	if (strncmp(url, "tls+tcp://", 10) == 0)
		hostport = url + 10;
	else if (strncmp(url, "tcp://", 6) == 0)
		hostport = url + 6;
	else
		return true; /* no other transport is configured */
	if ((size_t)snprintf(tcp, sizeof(tcp), "tcp://%s", hostport) >=
		sizeof(tcp) ||
	    nng_stream_dialer_alloc(&d, tcp) != 0)
		return false;
	if (nng_aio_alloc(&aio, NULL, NULL) == 0) {
		nng_aio_set_timeout(aio, (nng_duration)timeout);
		nng_stream_dialer_dial(d, aio);
		nng_aio_wait(aio);
		if (nng_aio_result(aio) == 0) {
			nng_stream_free(nng_aio_get_output(aio, 0));
			ok = true;
		}
		nng_aio_free(aio);
	}
	nng_stream_dialer_free(d);
	return ok;
}

/* ask one checker for the head it holds of our chain. Each wait is bounded
 * by the timeout: the connection (reachable), the pipe (the send's), the
 * answers (the receive's). */
static wn_err
ask(struct node *n, const struct checker *p, struct proto_head *out,
    bool *found, char *why, size_t whylen)
{
	nng_socket s;
	nng_msg *reply = NULL;
	struct proto_writer ew = {0}, tw = {0};
	struct proto_env_header h = {0};
	struct proto_head_query q = {0};
	struct proto_transfer t = {0};
	struct proto_envelope e;
	struct proto_head_answer a;
	uint8_t qb[128], body[PROTO_SIGNED_HEAD_MAX + 64];
	struct proto_writer qw;
	struct proto_session sess = {0};
	uint32_t code;
	size_t blen;
	wn_err rc = WN_ETRANSPORT;
	int64_t timeout = node_test_ms("WIJKNET_TEST_QUERY_TIMEOUT_MS",
	    QUERY_TIMEOUT_MS);

	*found = false;
	why[0] = '\0'; /* not reached, or no reply in time */
	if (nng_req0_open(&s) != 0)
		return WN_ETRANSPORT;
	proto_writer_init(&qw, qb, sizeof(qb));
	wn_strlcpy(q.org, n->cfg.org_id, sizeof(q.org));
	sec_random(q.nonce, sizeof(q.nonce));
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_CHAIN_HEAD_QUERY;
	wn_strlcpy(h.from, n->cfg.org_id, sizeof(h.from));
	wn_strlcpy(h.to, p->org_id, sizeof(h.to));
	sec_random(h.id, sizeof(h.id));
	if (nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, PROTO_FRAME_MAX) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, (nng_duration)timeout) != 0 ||
	    nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, (nng_duration)timeout) != 0 ||
	    !reachable(p->endpoint, timeout) ||
	    node_dial(n, s, p->endpoint, p->org_id, NNG_FLAG_NONBLOCK) != 0)
		goto out;
	/* a session of its own for the one query, on this connection */
	if ((rc = node_session_handshake(s, n->cfg.org_id, p->org_id, p->key,
	    p->sign_pk, node_sign, n->id, &sess, &code)) != WN_OK) {
		if (rc != WN_ETRANSPORT) {
			rc = WN_EPROTO;
			snprintf(why, whylen, "its session could not be opened");
		}
		goto out;
	}
	rc = WN_ETRANSPORT;
	h.ts_ms = wn_now_ms();
	h.has_sid = true;
	memcpy(h.sid, sess.sid, PROTO_SID_LEN);
	if (proto_writer_init_dynamic(&ew, 1024, PROTO_ENVELOPE_MAX) != WN_OK ||
	    proto_writer_init_dynamic(&tw, 1024, PROTO_FRAME_MAX) != WN_OK ||
	    proto_head_query_encode(&q, &qw) != WN_OK ||
	    proto_envelope_seal(&h, qw.buf, qw.len, sess.i2r, node_sign, n->id,
		&ew) != WN_OK)
		goto out;
	t.n = 1;
	t.env[0] = ew.buf;
	t.env_len[0] = ew.len;
	if (proto_transfer_encode(&t, &tw) != WN_OK)
		goto out;
	peer_wire_capture(tw.buf, tw.len);
	if (node_req_send(s, tw.buf, tw.len) != 0 ||
	    nng_recvmsg(s, &reply, 0) != 0)
		goto out;
	peer_wire_capture(nng_msg_body(reply), nng_msg_len(reply));
	rc = WN_EPROTO;
	if (proto_envelope_decode(nng_msg_body(reply), nng_msg_len(reply), &e,
		NULL) != WN_OK ||
	    !proto_envelope_verify(&e, p->sign_pk) ||
	    e.h.type != PROTO_MSG_CHAIN_HEAD_ANSWER ||
	    strcmp(e.h.from, p->org_id) != 0 ||
	    strcmp(e.h.to, n->cfg.org_id) != 0 ||
	    !e.h.has_sid || memcmp(e.h.sid, sess.sid, PROTO_SID_LEN) != 0 ||
	    proto_envelope_open(&e, sess.r2i, body, sizeof(body), &blen) !=
		WN_OK ||
	    proto_head_answer_decode(body, blen, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "its reply is not a valid answer it "
		    "signed");
		goto out;
	}
	/* the answer to this query, now: an answer recorded before (to an
	 * earlier query: another nonce) or held back says nothing of the
	 * head the checker holds now */
	if (!sec_equal(a.nonce, q.nonce, sizeof(q.nonce))) {
		wn_log(WN_LOG_WARN, "rollback check: %s answered another "
		    "query (its nonce is not ours): not taken", p->org_id);
		snprintf(why, whylen, "it answered another query (its nonce "
		    "is not ours)");
		goto out;
	}
	if (!peer_in_window(e.h.ts_ms)) {
		wn_log(WN_LOG_WARN, "rollback check: %s's answer is dated "
		    "%lld ms, off our clock (%lld ms) by more than the time "
		    "window: not taken", p->org_id, (long long)e.h.ts_ms,
		    (long long)wn_now_ms());
		snprintf(why, whylen, "its answer is dated off this node's "
		    "clock by more than the time window");
		goto out;
	}
	if (a.signed_head != NULL) {
		/* a head of our own chain: it must carry our own signature
		 * (or the one this node made before its last key rotation:
		 * rotate.c) */
		uint8_t prev[SEC_SIGN_PK_LEN];
		bool ours = proto_head_verify_signed(a.signed_head, a.len,
		    sec_identity_public(n->id)->sign_pk, out, NULL) == WN_OK;
		if (!ours && node_key_prev_own(n, prev))
			ours = proto_head_verify_signed(a.signed_head, a.len,
			    prev, out, NULL) == WN_OK;
		if (!ours || strcmp(out->org, n->cfg.org_id) != 0) {
			snprintf(why, whylen, "the head in its answer is not "
			    "one this node signed");
			goto out;
		}
		*found = true;
	}
	rc = WN_OK;
out:
	proto_session_release(&sess);
	nng_msg_free(reply);
	proto_writer_release(&ew);
	proto_writer_release(&tw);
	(void)node_socket_close(s, "chain-head query");
	return rc;
}

/* hash_at reads the hash of our record seq; false if there is none */
static bool
hash_at(struct node *n, uint64_t seq, uint8_t out[32])
{
	sqlite3_stmt *st = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT hash FROM audit WHERE seq = ?", -1, &st,
		NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)seq);
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_bytes(st, 0) == 32) {
			memcpy(out, sqlite3_column_blob(st, 0), 32);
			ok = true;
		}
	}
	sqlite3_finalize(st);
	return ok;
}

wn_err
node_chain_restored(struct node_store *s, int64_t last)
{
	char v[24], sql[96];
	wn_err rc;
	snprintf(v, sizeof(v), "%lld", (long long)last);
	if ((rc = node_store_meta_put(s, NODE_RESTORED_SEQ_KEY, v)) != WN_OK)
		return rc;
	/* what waits in the outbox keeps its numbers: the original had
	 * the same messages under them, and a peer that took one from it
	 * knows it by its id (answered as the first time) */
	snprintf(sql, sizeof(sql), "UPDATE peers SET next_seq = next_seq + "
	    "%llu", (unsigned long long)NODE_RESTORE_SEQ_GAP);
	return node_store_exec(s, sql);
}

/* BEHIND_KEY (meta) holds what a copy accepted as rolled back misses,
 * for status: missing records, time of its last record, its last record,
 * the head held, when accepted, the checker; tab separated. Dropped at a
 * start where every checker holds a head our chain extends. */
#define BEHIND_KEY "chain_behind"

/* record_time: when our record seq was written (0: none) */
static int64_t
record_time(struct node *n, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int64_t t = 0;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT time_ms FROM audit WHERE seq = ?", -1, &st,
		NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, seq);
		if (sqlite3_step(st) == SQLITE_ROW)
			t = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return t;
}

/* human_time: a date a person reads, in UTC */
static void
human_time(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (ms <= 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, cap, "an unknown time");
}

bool
node_chain_behind(struct node *n, struct node_chain_behind *out)
{
	char v[256];
	long long miss, since, last, held, at;
	int off = 0;
	if (!node_store_meta_get(n->store, BEHIND_KEY, v, sizeof(v)) ||
	    sscanf(v, "%lld\t%lld\t%lld\t%lld\t%lld\t%n", &miss, &since,
		&last, &held, &at, &off) != 5 || off <= 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->missing = miss;
	out->since_ms = since;
	out->last_seq = last;
	out->held_seq = held;
	out->accepted_ms = at;
	wn_strlcpy(out->checker, v + off, sizeof(out->checker));
	char when[40];
	human_time(since, when, sizeof(when));
	if (miss > 0)
		snprintf(out->warning, sizeof(out->warning),
		    "this node runs on an older copy of its store: it misses "
		    "%lld audit records since %s (%s holds record %lld, this "
		    "copy ended at %lld); what the node did and received after "
		    "that is not in it", miss, when, out->checker, held, last);
	else
		snprintf(out->warning, sizeof(out->warning),
		    "this node's audit chain differs from the head %s holds "
		    "(record %lld): its history was rewritten after %s",
		    out->checker, held, when);
	return true;
}

/* accepted_key names a head of our chain whose rollback an operator
 * accepted (--accept-rollback): its checkers keep it until our chain
 * passes it, and it is never held against us again (kept for good). */
static void
accepted_key(char *out, size_t cap, const struct proto_head *h)
{
	char hex[2 * SEC_HASH_LEN + 1];
	sec_hex(hex, sizeof(hex), h->hash, SEC_HASH_LEN);
	snprintf(out, cap, "chain_accepted:%llu:%s", (unsigned long long)h->seq,
	    hex);
}

/* receive_only_end: a checker answered and our chain extends what it
 * holds: what waited in the outbox goes out. n->mtx held. */
static wn_err
receive_only_end(struct node *n, size_t answered, size_t asked)
{
	char detail[256];
	snprintf(detail, sizeof(detail), "%zu of %zu checkers answered and "
	    "this node's chain extends the heads they hold: sending again "
	    "after %lld s receive-only", answered, asked,
	    (long long)(wn_now_ms() - n->ex->receive_only_ms) / 1000);
	wn_log(WN_LOG_INFO, "rollback check: %s", detail);
	n->ex->receive_only = false;
	pthread_cond_broadcast(&n->ex->wake);
	wn_err rc = node_audit_append(n->store, "system", "chain.checked",
	    n->cfg.org_id, detail);
	/* a restored copy, or one just accepted as rolled back, asks its
	 * peers now, under the numbers they take (resync.c; the start left
	 * it to here) */
	if (rc == WN_OK && node_resync_ask(n) != WN_OK)
		wn_log(WN_LOG_WARN, "resync: cannot ask the peers: %s; asked "
		    "at the next start", node_store_errmsg(n->store));
	return rc;
}

/* The rounds of the check: at start every checker is asked; while
 * receive-only, every checker again; while serving after a round in which
 * some checkers did not vouch, those (pending), one at a time, until each
 * has: the round that let the node serve rests on the checkers that
 * answered, and the weakest of them may hold an old head (a witness down
 * for a week holds a week-old head a three-day-old copy extends). */
enum round { ROUND_START, ROUND_RECHECK, ROUND_PENDING };

/* pending_set: after a round of kind that leaves the node serving, the
 * checkers that did not answer in it (heard false) are asked again until
 * each has; one that did is no longer. n->mtx held. */
static void
pending_set(struct node *n, enum round kind, const struct checker *cs,
    const bool *heard, size_t nc)
{
	char names[200] = "";
	size_t left = 0, len = 0, nck = 0;
	for (size_t i = 0; i < nc; i++)
		if (heard[i] || kind != ROUND_PENDING)
			cs[i].p->chain_pending = !heard[i];
	for (size_t i = 0; i < n->ex->npeers; i++) {
		struct node_peer *p = n->ex->peers[i];
		if (!is_checker(n, p)) {
			p->chain_pending = false;
			continue;
		}
		nck++;
		if (!p->chain_pending)
			continue;
		left++;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len,
			    "%s%s", len ? ", " : "", p->org_id);
	}
	n->ex->chain_pending = left;
	if (kind != ROUND_PENDING && left > 0)
		wn_log(WN_LOG_INFO, "rollback check: %zu of %zu checkers did not "
		    "vouch (%s): they are asked again until each has, and a head "
		    "one holds that this chain does not extend stops the node",
		    left, nck, names);
	else if (kind == ROUND_PENDING && nc == 1 && heard[0])
		wn_log(WN_LOG_INFO, "rollback check: %s vouched; %s", cs[0].org_id,
		    left == 0 ? "every checker has vouched since the start"
			      : "others are still asked");
}

/* chain_round asks the checkers for the head each holds of our chain and
 * judges the answers: every checker at start and while receive-only, the
 * pending checker only (while serving). Called with n->mtx held; it lets
 * go of it while a query waits. */
static wn_err
chain_round(struct node *n, enum round kind, struct node_peer *only,
    const char *override, const char *unchecked, char *err, size_t errlen)
{
	struct node_audit_head mine;
	struct proto_head got, *bad = NULL;
	struct checker *cs = NULL;
	bool *heard = NULL;
	const char *who = NULL;
	size_t asked = 0, answered = 0, nbad = 0, worst = 0, nacc = 0, nc = 0;
	bool found, behind = false;
	char key[128], val[32], detail[1024], why[128], last[200] = "";
	wn_err rc = WN_ENOMEM;
	if ((bad = calloc(NODE_MAX_PEERS, sizeof(*bad))) == NULL ||
	    (cs = calloc(NODE_MAX_PEERS, sizeof(*cs))) == NULL ||
	    (heard = calloc(NODE_MAX_PEERS, sizeof(*heard))) == NULL)
		goto out;
	for (size_t i = 0; i < n->ex->npeers; i++) {
		struct node_peer *p = n->ex->peers[i];
		if (!is_checker(n, p) || (kind == ROUND_PENDING && p != only))
			continue;
		wn_strlcpy(cs[nc].org_id, p->org_id, sizeof(cs[nc].org_id));
		wn_strlcpy(cs[nc].endpoint, p->endpoint,
		    sizeof(cs[nc].endpoint));
		memcpy(cs[nc].sign_pk, p->sign_pk, sizeof(cs[nc].sign_pk));
		cs[nc].director = is_director_peer(n, p);
		delivered_key(key, sizeof(key), p->org_id);
		cs[nc].delivered = node_store_meta_get(n->store, key, val,
		    sizeof(val));
		cs[nc].p = p;
		cs[nc++].key = p->key;
	}
	for (size_t i = 0; i < nc && !n->ex->stopping; i++) {
		asked++;
		pthread_mutex_unlock(&n->mtx);
		rc = ask(n, &cs[i], &got, &found, why, sizeof(why));
		pthread_mutex_lock(&n->mtx);
		cs[i].p->chain_asked_ms = wn_mono_ms();
		if (rc != WN_OK) {
			wn_log(WN_LOG_WARN, "rollback check: %s (%s) did not "
			    "answer%s%s", cs[i].org_id, cs[i].endpoint,
			    why[0] ? ": " : "", why);
			snprintf(last, sizeof(last), "%s did not answer%s%s",
			    cs[i].org_id, why[0] ? ": " : "", why);
			continue;
		}
		/* an answer without a head says something only from the
		 * director when a member asks (it has held every head of
		 * the member's since its enrolment), or from a checker no
		 * head of ours ever reached (a witness since the slots moved,
		 * or since the upgrade). From a checker one did reach it
		 * vouches for nothing: it lost its store, or it lies (a
		 * hostile member can pick an org id that makes it a
		 * witness, and answer so to let an older copy pass) */
		if (!found) {
			if (!n->is_director && cs[i].director) {
				answered++;
				heard[i] = true;
			} else if (!cs[i].delivered) {
				wn_log(WN_LOG_INFO, "rollback check: %s holds no "
				    "head of ours, and none reached it yet: "
				    "taken as its word", cs[i].org_id);
				answered++;
				heard[i] = true;
			} else {
				wn_log(WN_LOG_WARN, "rollback check: %s holds no "
				    "head of ours, though one reached it: that "
				    "vouches for nothing (it lost its store, or "
				    "it does not tell)", cs[i].org_id);
				snprintf(last, sizeof(last), "%s holds no head "
				    "of this node, though one reached it",
				    cs[i].org_id);
			}
			continue;
		}
		answered++;
		heard[i] = true;
		/* judged against the chain as it was at start while
		 * receive-only (what a node writes then never went to a
		 * checker); while serving, against the chain now (the
		 * heads it sends since are of it) */
		if ((rc = node_audit_head(n->store, &mine)) != WN_OK) {
			snprintf(err, errlen, "cannot read the audit chain head");
			goto out;
		}
		if (kind == ROUND_RECHECK && mine.seq > n->ex->start_seq)
			mine.seq = n->ex->start_seq;
		uint8_t h[32];
		bool b = (uint64_t)mine.seq < got.seq;
		if (!b && hash_at(n, got.seq, h) && memcmp(h, got.hash, 32) == 0)
			continue; /* our chain extends it */
		/* while serving, records past the start's last one are this
		 * run's: a head past that point that they do not extend is
		 * one the copy lacks, not history rewritten */
		if (kind == ROUND_PENDING && got.seq > (uint64_t)n->ex->start_seq)
			b = true;
		/* a restored copy: its records past the backup's last one
		 * (node.restore, a refused start) are its own, not the
		 * original's, so a head past that point that it does not
		 * extend is one it lacks, not history rewritten */
		if (node_store_meta_get(n->store, NODE_RESTORED_SEQ_KEY, val,
			sizeof(val)) && atoll(val) > 0 &&
		    got.seq > (uint64_t)atoll(val))
			b = true;
		accepted_key(key, sizeof(key), &got);
		if (node_store_meta_get(n->store, key, val, sizeof(val))) {
			wn_log(WN_LOG_INFO, "rollback check: the head %llu %s "
			    "holds was accepted as rolled back before",
			    (unsigned long long)got.seq, cs[i].org_id);
			nacc++;
			continue;
		}
		if (nbad == 0 || got.seq > bad[worst].seq) {
			worst = nbad;
			who = cs[i].org_id;
			behind = b;
		}
		bad[nbad++] = got;
	}
	if (kind == ROUND_PENDING && answered == 0) {
		rc = WN_OK; /* still pending: asked again later */
		goto out;
	}
	if ((rc = node_audit_head(n->store, &mine)) != WN_OK) {
		snprintf(err, errlen, "cannot read the audit chain head");
		goto out;
	}
	/* the words below count from the chain as it was at start */
	if (kind == ROUND_START)
		n->ex->start_seq = mine.seq;
	else if (mine.seq > n->ex->start_seq)
		mine.seq = n->ex->start_seq;
	/* for status: why none vouched, the last checker's reason */
	if (answered == 0 && asked > 0)
		wn_strlcpy(n->ex->ro_why, last, sizeof(n->ex->ro_why));
	if (kind == ROUND_RECHECK && answered == 0) {
		/* still nobody vouches (or no checker is left, a charter
		 * applied meanwhile having removed them): receive-only goes
		 * on; --accept-unchecked at a start ends it */
		if (asked == 0 && !n->ex->stopping)
			wn_log(WN_LOG_WARN, "rollback check: no node checks this "
			    "one any more: receive-only until it is started "
			    "with --accept-unchecked REASON");
		goto out;
	}
	if (asked > 0 && answered == 0) {
		if (unchecked != NULL) {
			snprintf(detail, sizeof(detail), "none of %zu checkers "
			    "answered; serving unchecked, accepted by the "
			    "operator: %s", asked, unchecked);
			wn_log(WN_LOG_WARN, "rollback check: %s", detail);
			/* a restored copy no checker vouched for yet: its
			 * heads wait for a start a checker answers (its
			 * numbers moved at restore, so its messages go) */
			if (node_store_meta_get(n->store, NODE_RESTORED_SEQ_KEY,
				val, sizeof(val))) {
				n->ex->heads_withheld = true;
				wn_log(WN_LOG_WARN, "rollback check: a restored "
				    "copy serving unchecked: its chain heads are "
				    "not sent in this run (they would pass the "
				    "one its original left with its checkers)");
			}
			rc = node_audit_append(n->store, "system",
			    "chain.unchecked", n->cfg.org_id, detail);
			goto out;
		}
		/* fail closed: an older copy of this store must not send
		 * what its checkers would take for new */
		snprintf(detail, sizeof(detail), "none of %zu checkers "
		    "answered: receiving only, nothing is sent until one "
		    "answers (or the node is started with --accept-unchecked "
		    "REASON)", asked);
		wn_log(WN_LOG_WARN, "rollback check: %s", detail);
		n->ex->receive_only = true;
		n->ex->receive_only_ms = wn_now_ms();
		rc = node_audit_append(n->store, "system", "chain.receive_only",
		    n->cfg.org_id, detail);
		goto out;
	}
	rc = WN_OK;
	if (nbad == 0) {
		/* every checker holds a head our chain extends: the copy
		 * has caught up. The heads accepted before are kept: a
		 * checker may still hold one (a former witness again one
		 * after the charter moved the slots, or a hostile one that
		 * kept it), and it carries our own signature; they cannot
		 * hide a later rollback, whose heads are of our chain since
		 * the accept, with other hashes */
		if (kind != ROUND_PENDING && nacc == 0 && answered == asked &&
		    node_store_exec(n->store, "DELETE FROM meta WHERE key IN ('"
					      BEHIND_KEY "', '"
					      NODE_RESTORED_SEQ_KEY "')") !=
			WN_OK)
			wn_log(WN_LOG_WARN, "rollback check: cannot drop the "
			    "record of the copy's rollback");
		if (n->ex->receive_only)
			rc = receive_only_end(n, answered, asked);
		if (rc == WN_OK)
			pending_set(n, kind, cs, heard, nc);
		goto out;
	}
	/* what the copy misses, in words: how many records, since when */
	/* a restored backup (wijknetd restore) names where the copy ended:
	 * the records written since (node.restore, a refused start) are
	 * this node's, not the original's */
	int64_t base = mine.seq;
	if (node_store_meta_get(n->store, NODE_RESTORED_SEQ_KEY, val,
		sizeof(val)) && atoll(val) > 0 && atoll(val) <= mine.seq)
		base = atoll(val);
	int64_t since_ms = record_time(n, base);
	int64_t missing = behind ? (int64_t)bad[worst].seq - base : 0;
	char since[40], held_at[40];
	human_time(since_ms, since, sizeof(since));
	human_time((int64_t)bad[worst].time_ms, held_at, sizeof(held_at));
	if (behind)
		snprintf(detail, sizeof(detail),
		    "audit chain is behind the copy %s holds: this store is "
		    "behind by %lld audit records since %s (the copy ends at "
		    "record %lld; %s holds record %llu, signed %s), records "
		    "%lld..%llu are missing (the store was replaced by an older "
		    "copy?). What this node did and received after %s is not "
		    "in this store: requests, cases, signals, messages; its "
		    "partners still hold what it sent them",
		    who, (long long)missing, since, (long long)base, who,
		    (unsigned long long)bad[worst].seq, held_at,
		    (long long)base + 1,
		    (unsigned long long)bad[worst].seq, since);
	else
		snprintf(detail, sizeof(detail),
		    "audit chain differs from the copy %s holds at record %llu: "
		    "history was rewritten (this store ends at record %lld, "
		    "written %s; %s holds record %llu, signed %s)", who,
		    (unsigned long long)bad[worst].seq, (long long)mine.seq,
		    since, who, (unsigned long long)bad[worst].seq, held_at);
	/* found while serving: what went out since the start went under
	 * the copy's sequence numbers, and moving them now would tangle
	 * with the transfers in flight; the operator's reason covers it
	 * only when the numbers moved already (a rollback accepted in this
	 * run) */
	if (override == NULL ||
	    (kind == ROUND_PENDING && !n->ex->numbers_moved)) {
		snprintf(err, errlen, "%s%s; refusing to serve. If this is "
		    "known and accepted, start with --accept-rollback REASON",
		    detail, kind == ROUND_PENDING ? " (found after the start: "
		    "it had not answered then, and this node served "
		    "meanwhile)" : "");
		rc = WN_ECORRUPT;
		goto out;
	}
	char rec[1536];
	snprintf(rec, sizeof(rec), "%s; accepted by the operator: %s", detail,
	    override);
	wn_log(WN_LOG_WARN, "%s", rec);
	/* the older store would reuse sequence numbers its peers have
	 * already seen (and refuse as replays): move ours forward */
	rc = WN_EDB;
	if (node_store_begin(n->store) != WN_OK)
		goto out;
	snprintf(val, sizeof(val), "%lld", (long long)wn_now_ms());
	for (size_t i = 0; i < nbad; i++) {
		accepted_key(key, sizeof(key), &bad[i]);
		if (node_store_meta_put(n->store, key, val) != WN_OK) {
			node_store_rollback(n->store);
			goto out;
		}
	}
	char state[256];
	snprintf(state, sizeof(state), "%lld\t%lld\t%lld\t%llu\t%lld\t%s",
	    (long long)missing, (long long)since_ms, (long long)base,
	    (unsigned long long)bad[worst].seq, (long long)wn_now_ms(), who);
	/* what waits in the outbox (queued while receive-only, or held by
	 * the copy when it was made) was never sent from this store: it
	 * moves with the numbers, in its order, or its peers would refuse
	 * it as replays. In two steps (through negative numbers) so that
	 * no row takes a number another still holds. Once a run: numbers
	 * moved already are past any the original used. */
	if ((!n->ex->numbers_moved &&
		(node_store_exec(n->store, "UPDATE peers SET next_seq = "
					   "next_seq + 4294967296") != WN_OK ||
		    node_store_exec(n->store, "UPDATE outbox SET seq = -seq - "
					      "1") != WN_OK ||
		    node_store_exec(n->store, "UPDATE outbox SET seq = -seq - "
					      "1 + 4294967296") != WN_OK)) ||
	    node_store_meta_put(n->store, BEHIND_KEY, state) != WN_OK ||
	    /* its peers send again what took data away since the copy
	     * (resync.c): they hold receipts for it */
	    node_resync_mark(n->store, since_ms) != WN_OK ||
	    node_audit_append(n->store, "system", "chain.rollback_accepted",
		n->cfg.org_id, rec) != WN_OK ||
	    node_audit_append(n->store, "system", "alert.rollback",
		n->cfg.org_id, detail) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		node_store_rollback(n->store);
		goto out;
	}
	n->ex->numbers_moved = true;
	/* accepted while receive-only (the operator's reason given at
	 * start): it sends again */
	rc = n->ex->receive_only ? receive_only_end(n, answered, asked) : WN_OK;
	if (rc == WN_OK)
		pending_set(n, kind, cs, heard, nc);
out:
	free(heard);
	free(cs);
	free(bad);
	return rc;
}

wn_err
node_chain_check(struct node *n, const char *override, const char *unchecked,
    char *err, size_t errlen)
{
	/* kept for a receive-only start: the operator's reason holds for
	 * the rollback its checkers show once they answer */
	if (override != NULL)
		wn_strlcpy(n->ex->accept_rollback, override,
		    sizeof(n->ex->accept_rollback));
	return chain_round(n, ROUND_START, NULL, override, unchecked, err,
	    errlen);
}

/* node_chain_heard: a message from one of our checkers came in (the
 * applier): a receive-only node asks again at once, and a node that
 * serves asks it at once if it has not vouched yet */
void
node_chain_heard(struct node *n, const struct node_peer *from)
{
	if ((n->ex->receive_only || from->chain_pending) &&
	    is_checker(n, from)) {
		n->ex->recheck_now = true;
		n->ex->recheck_peer = from;
		pthread_cond_broadcast(&n->ex->wake);
	}
}

/* round_done: a rollback found in a recheck stops the node, as the start
 * would have refused it (n->mtx held) */
static void
round_done(struct node *n, wn_err rc, const char *err, int64_t period)
{
	if (rc == WN_ECORRUPT) {
		wn_log(WN_LOG_ERROR, "%s", err);
		if (node_audit_append(n->store, "system", "chain.refused",
			n->cfg.org_id, err) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot audit the refusal");
		n->ex->refused_serving = !n->ex->receive_only;
		n->ex->chain_refused = true;
		n->ex->receive_only = true; /* and it stays so */
		kill(getpid(), SIGTERM);
	} else if (rc != WN_OK)
		wn_log(WN_LOG_WARN, "rollback check: %s; asked again in %lld s",
		    wn_strerror(rc), (long long)period / 1000);
}

/* pending_next: the pending checker to ask now (the one just heard
 * from, else the one asked longest ago whose turn came; NULL: none), and
 * *next lowered to when the next one's turn comes. n->mtx held. */
static struct node_peer *
pending_next(struct node *n, int64_t now, int64_t period, int64_t *next)
{
	struct node_peer *due = NULL, *heard = NULL;
	size_t left = 0;
	for (size_t i = 0; i < n->ex->npeers; i++) {
		struct node_peer *p = n->ex->peers[i];
		if (!p->chain_pending)
			continue;
		if (!is_checker(n, p)) { /* a charter moved the slots */
			p->chain_pending = false;
			continue;
		}
		left++;
		if (n->ex->recheck_now && p == n->ex->recheck_peer)
			heard = p;
		else if (p->chain_asked_ms + period <= now) {
			if (due == NULL || p->chain_asked_ms < due->chain_asked_ms)
				due = p;
		} else if (p->chain_asked_ms + period < *next)
			*next = p->chain_asked_ms + period;
	}
	n->ex->chain_pending = left;
	return heard != NULL ? heard : due;
}

/* node_chain_recheck runs in the delivery thread: while the node is
 * receive-only, when a checker was heard from or RECHECK_MS passed; while
 * it serves with checkers that have not vouched since the start, for one
 * of them when it was heard from or RECHECK_MS passed since it was last
 * asked (one a call: a checker that is away costs the delivery at most
 * one query's timeout at a time). A rollback found now stops the node, as
 * the start would have refused it; *wake is lowered to the next time to
 * ask. n->mtx held. */
void
node_chain_recheck(struct node *n, int64_t *wake)
{
	static int64_t period = -1;
	char err[2048];
	int64_t now = wn_mono_ms();
	if (period < 0)
		period = node_test_ms("WIJKNET_TEST_RECHECK_MS", RECHECK_MS);
	if (n->ex->chain_refused)
		return; /* stopping */
	if (n->ex->receive_only) {
		if (n->ex->next_recheck_ms == 0)
			n->ex->next_recheck_ms = now + period;
		if (n->ex->recheck_now || now >= n->ex->next_recheck_ms) {
			n->ex->recheck_now = false;
			wn_err rc = chain_round(n, ROUND_RECHECK, NULL,
			    n->ex->accept_rollback[0] ? n->ex->accept_rollback
						      : NULL,
			    NULL, err, sizeof(err));
			n->ex->next_recheck_ms = wn_mono_ms() + period;
			round_done(n, rc, err, period);
		}
		if (n->ex->receive_only && n->ex->next_recheck_ms < *wake)
			*wake = n->ex->next_recheck_ms;
		return;
	}
	if (n->ex->chain_pending == 0)
		return;
	int64_t next = INT64_MAX;
	struct node_peer *p = pending_next(n, now, period, &next);
	n->ex->recheck_now = false;
	n->ex->recheck_peer = NULL;
	if (p != NULL) {
		wn_err rc = chain_round(n, ROUND_PENDING, p,
		    n->ex->accept_rollback[0] ? n->ex->accept_rollback : NULL,
		    NULL, err, sizeof(err));
		round_done(n, rc, err, period);
		next = now; /* the others whose turn came, after a delivery */
	}
	if (n->ex->chain_pending > 0 && next < *wake)
		*wake = next;
}

bool
node_chain_receive_only(struct node *n, int64_t *since_ms, char *why,
    size_t whylen)
{
	if (n->ex == NULL || !n->ex->receive_only)
		return false;
	*since_ms = n->ex->receive_only_ms;
	wn_strlcpy(why, n->ex->ro_why, whylen);
	return true;
}

const char *
node_chain_refused(struct node *n)
{
	if (n->ex == NULL || !n->ex->chain_refused)
		return NULL;
	return n->ex->refused_serving
	    ? "stopped: a rollback was found after the start, when a checker "
	      "that had not answered then did (chain.refused)"
	    : "stopped: a rollback was found while receive-only "
	      "(chain.refused); nothing was sent";
}
