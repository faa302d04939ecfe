/*
 * apply.c - the applier: phases B and C of receiving.
 *
 * A transfer that passed phase A (receive.c) waits in the queue for the
 * applier, our one thread that applies, in ONE transaction for all
 * transfers that are ready (the group commit): per envelope the sequence
 * rules (a used number: an earlier sealing of the same message is
 * accepted again, the same bytes are a replay), then decrypt, apply and
 * record (peer, seq, id, hash). A transfer that follows another (the
 * manifest's `after`) waits until that one is applied. After the commit
 * each transfer gets its signed, encrypted RECEIPT naming what was
 * accepted and what was refused; a signed plain ERROR when nothing in it
 * could be attributed to a member.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/peer_int.h"

#include <inttypes.h>
#include <string.h>

wn_err
peer_exec_bind(struct node *n, const char *sql, const char *text, int64_t a,
    const void *blob, size_t blen, int64_t b)
{
	/* a small helper for the fixed statements below: ?1 text, ?2 int,
	 * ?3 blob, ?4 int (unused ones are not bound) */
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return WN_EDB;
	int np = sqlite3_bind_parameter_count(st);
	if (np >= 1)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (np >= 2)
		sqlite3_bind_int64(st, 2, a);
	if (np >= 3)
		sqlite3_bind_blob(st, 3, blob, (int)blen, SQLITE_STATIC);
	if (np >= 4)
		sqlite3_bind_int64(st, 4, b);
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = WN_OK;
	sqlite3_finalize(st);
	return rc;
}

/* inbox_add records a message as applied (code 0) or refused for good
 * (its code and reason: a retry gets the same answer). */
static wn_err
inbox_add(struct node *n, const struct pre *pr, wn_err code,
    const char *reason)
{
	sqlite3_stmt *st = peer_stmt(n, ST_INBOX,
	    "INSERT INTO inbox (peer, seq, msg_id, type, env_hash, "
	    "received_ms, refused, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (st == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, pr->e.h.from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)pr->e.h.seq);
	sqlite3_bind_blob(st, 3, pr->e.h.id, 16, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pr->e.h.type);
	sqlite3_bind_blob(st, 5, pr->hash, SEC_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, wn_now_ms());
	sqlite3_bind_int(st, 7, (int)code);
	sqlite3_bind_text(st, 8, code == WN_OK ? "" : reason, -1,
	    SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_CONSTRAINT) {
		/* a row under this number can only be left from an earlier
		 * membership of the same org id (its numbers started over) */
		sqlite3_reset(st);
		if (peer_exec_bind(n, "DELETE FROM inbox WHERE peer = ?1 AND "
			"seq = ?2", pr->e.h.from, (int64_t)pr->e.h.seq, NULL, 0,
			0) != WN_OK)
			return WN_EDB;
		r = sqlite3_step(st);
	}
	return r == SQLITE_DONE ? WN_OK : WN_EDB;
}

/* apply one opened message; an error with a reason refuses it */
static wn_err
apply(struct node_rx *rx, const struct proto_envelope *e, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct node *n = rx->n;
	switch (e->h.type) {
	case PROTO_MSG_DATA: {
		struct proto_data d;
		sqlite3_stmt *st;
		if (proto_data_decode(body, len, &d, NULL) != WN_OK) {
			snprintf(why, whylen, "malformed data body");
			return WN_EPROTO;
		}
		st = peer_stmt(n, ST_DATA,
		    "INSERT INTO data_in (peer, seq, body) VALUES (?, ?, ?)");
		if (st == NULL)
			return WN_EDB;
		sqlite3_bind_text(st, 1, e->h.from, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)e->h.seq);
		sqlite3_bind_blob(st, 3, d.payload, (int)d.len, SQLITE_STATIC);
		return sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
	}
	case PROTO_MSG_CHARTER:
		return node_charter_apply(n, body, len, why, whylen);
	case PROTO_MSG_CHAIN_HEAD:
		return node_chain_store(n, rx->from, body, len, why, whylen);
	case PROTO_MSG_REVOCATION:
		return node_root_apply_revocation(n, body, len, why, whylen);
	case PROTO_MSG_DOC_HASH:
		return node_root_apply_doc_hash(n, e->h.from, body, len, why,
		    whylen);
	case PROTO_MSG_RESYNC_REQUEST:
		return node_resync_apply(n, rx->from, body, len, why, whylen);
	default: /* the kinds other rooms registered */
		return node_exchange_apply(n, rx->from, &e->h, body, len, why,
		    whylen);
	}
}

/* data_held: the test messages (DATA) kept from org (a test hook's
 * count; the query runs only when the hook is set) */
static int64_t
data_held(struct node *n, const char *org)
{
	sqlite3_stmt *st = NULL;
	int64_t k = 0;
	if (sqlite3_prepare_v2(node_store_db(n->store), "SELECT count(*) FROM "
		"data_in WHERE peer = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, org, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			k = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return k;
}

/* apply_one is phase B for one envelope that passed phase A (n->mtx
 * held, in the transaction): replay and sequence checks, decrypt, apply,
 * record. *last is the sender's last applied sequence number. */
static void
apply_one(struct node_rx *rx, struct pre *pr, int64_t *last, uint8_t *body,
    size_t cap)
{
	struct node *n = rx->n;
	struct proto_envelope *e = &pr->e;
	struct node_peer *p = pr->p;
	char why[200];
	size_t blen;
	wn_err rc;

	if (!e->h.has_sid || rx->sess == NULL) {
		/* a session opening (or accept) sent in a batch: a request of
		 * its own, never a message of the sequence */
		snprintf(why, sizeof(why), "a %s is not a message of the "
		    "sequence", proto_msg_type_name(e->h.type));
		peer_refuse(rx, true, e->h.id, WN_EPROTO, p->org_id, why);
		return;
	}
	const struct sec_peer_key *key = peer_session_keys(rx->sess)->i2r;
	if (rx->defer != NULL) {
		peer_refuse(rx, true, e->h.id, WN_EBUSY, p->org_id, rx->defer);
		return;
	}
	if (peer_rx_data_max > 0 && e->h.type == PROTO_MSG_DATA &&
	    data_held(n, p->org_id) >= peer_rx_data_max) {
		/* a test's hook (WIJKNET_TEST_RX_DATA_MAX, test build only) */
		rx->blocked = true;
		peer_refuse(rx, true, e->h.id, WN_EBUSY, p->org_id,
		    "held back: this node keeps no more test messages (a "
		    "test's limit)");
		return;
	}
	if (rx->blocked) {
		peer_refuse(rx, true, e->h.id, WN_EBUSY, p->org_id, "an earlier "
		    "message of this transfer must be applied first");
		return;
	}
	if (p->gone) {
		/* its entry was replaced while this waited: new keys (send
		 * it again, sealed with them), or no longer a member */
		bool renewed = false;
		for (size_t i = 0; i < n->ex->npeers; i++)
			renewed |= !n->ex->peers[i]->gone &&
			    strcmp(n->ex->peers[i]->org_id, p->org_id) == 0;
		if (renewed)
			peer_refuse(rx, true, e->h.id, WN_EBUSY, p->org_id,
			    "the sender's keys changed: send it again");
		else
			peer_refuse(rx, true, e->h.id, WN_EAUTH, p->org_id, "the sender is "
			    "no longer a member of the federation");
		return;
	}
	/* A gap is allowed: a sender moves its numbers forward after an
	 * accepted rollback of its store. Order holds because a sender sends
	 * its oldest messages first, and a transfer that follows another in
	 * flight waits until that one is applied (the manifest's `after`). */
	if ((int64_t)e->h.seq <= *last) {
		wn_err first = WN_OK;
		int was = peer_seen(n, pr, &first, why, sizeof(why));
		switch (was) {
		case -1:
			rx->blocked = true;
			peer_refuse(rx, true, e->h.id, WN_EDB, p->org_id,
			    "store error");
			return;
		case 1:
		case 2:
			/* answered as the first time; that refusal was
			 * recorded then (only a permanent one is stored).
			 * The very bytes again (2) too: an attacker who
			 * dropped the first receipt and sent the transfer
			 * again gets the answer the sender still waits for
			 * (the receipt names this transfer), and nothing is
			 * applied twice; counted (peer stats) */
			if (was == 2)
				n->ex->replays++;
			if (first == WN_OK)
				memcpy(rx->accepted[rx->naccepted++], e->h.id,
				    16);
			else
				(void)peer_answer_again(rx, e->h.id,
				    peer_transient(first) ? WN_EPROTO
							  : peer_final_code(first),
				    why);
			return;
		default: {
			/* another message under a number used before, from
			 * its signed sender: its store went back */
			size_t hl = 0;
			bool hd = e->h.type == PROTO_MSG_CHAIN_HEAD &&
			    proto_envelope_open(e, key, body, cap, &hl) ==
				WN_OK;
			rc = node_chain_seq_reused(n, p, e->h.seq, *last,
			    hd ? body : NULL, hl);
			if (hd)
				sec_wipe(body, hl);
			if (rc != WN_OK) {
				rx->blocked = true;
				peer_refuse(rx, true, e->h.id, WN_EDB,
				    p->org_id, "store error");
				return;
			}
			snprintf(why, sizeof(why), "replay: sequence number %"
			    PRIu64 " already used (last applied %" PRId64 ")",
			    e->h.seq, *last);
		}
		}
		peer_refuse(rx, true, e->h.id, WN_EDENIED, p->org_id, why);
		return;
	}
	if (proto_envelope_open(e, key, body, cap, &blen) != WN_OK) {
		snprintf(why, sizeof(why), "cannot decrypt a message from '%s'",
		    p->org_id);
		/* signed, so not damaged on the way: a key mismatch (or a
		 * sender's bug), under its own code. The sender keeps it and
		 * counts its tries (it stops at a cap: deliver.c); what follows
		 * waits, so that its number is still free then */
		rx->blocked = true;
		peer_refuse(rx, true, e->h.id, WN_ENOKEY, p->org_id, why);
		return;
	}
	peer_body_capture(body, blen);
	/* numbers moved forward: the sender's operator accepted a rollback */
	if (*last >= 0 && e->h.seq > (uint64_t)*last + NODE_SEQ_JUMP &&
	    node_chain_numbers_moved(n, p) != WN_OK) {
		sec_wipe(body, blen);
		rx->blocked = true;
		peer_refuse(rx, true, e->h.id, WN_EDB, p->org_id,
		    "store error");
		return;
	}
	why[0] = '\0';
	/* a message takes effect whole or not at all (DATA is one insert,
	 * atomic by itself: no savepoint on the hot path) */
	bool sp = e->h.type != PROTO_MSG_DATA;
	if (sp && node_store_exec(n->store, "SAVEPOINT msg") != WN_OK) {
		sec_wipe(body, blen);
		rx->blocked = true;
		peer_refuse(rx, true, e->h.id, WN_EDB, p->org_id,
		    "store error");
		return;
	}
	rc = apply(rx, e, body, blen, why, sizeof(why));
	sec_wipe(body, blen);
	if (sp && rc != WN_OK &&
	    node_store_exec(n->store, "ROLLBACK TO msg") != WN_OK)
		rc = WN_EDB;
	if (sp && node_store_exec(n->store, "RELEASE msg") != WN_OK &&
	    rc == WN_OK)
		rc = WN_EDB;
	/* an alert raised while applying (a charter with a key no key can
	 * be agreed with), kept although the message was rolled back */
	if (n->ex->alert[0]) {
		peer_audit_log(n, "system", n->ex->alert_action != NULL ?
		    n->ex->alert_action : "alert.charter_refused", p->org_id,
		    n->ex->alert);
		n->ex->alert_action = NULL;
		wn_log(WN_LOG_WARN, "ALERT for the administrator: %s",
		    n->ex->alert);
		n->ex->alert[0] = '\0';
	}
	if (peer_transient(rc)) {
		/* not applied and not recorded: the sender keeps it and sends
		 * it again, and everything after it, in order */
		rx->blocked = true;
		peer_refuse(rx, true, e->h.id, rc, p->org_id,
		    why[0] ? why : wn_strerror(rc));
		return;
	}
	if (rc != WN_OK) { /* a refused message still uses up its number */
		if (!why[0])
			wn_strlcpy(why, wn_strerror(rc), sizeof(why));
		/* a refusal from applying is final: never under a code the
		 * sender takes for a failure on the way (a signed object in
		 * the body whose signature fails is not permitted) */
		rc = peer_final_code(rc);
		peer_refuse(rx, true, e->h.id, rc, p->org_id, why);
	}
	if (inbox_add(n, pr, rc, why) != WN_OK) {
		/* what apply wrote is in the transaction (a DATA insert has
		 * no savepoint): none of the group may commit */
		rx->aborted = true;
		rx->blocked = true;
		if (rc == WN_OK)
			peer_refuse(rx, true, e->h.id, WN_EDB, p->org_id,
			    "store error");
		return;
	}
	*last = (int64_t)e->h.seq;
	if (rc == WN_OK) {
		memcpy(rx->accepted[rx->naccepted++], e->h.id, 16);
		if (rx->napplied++ == 0)
			rx->first_seq = (int64_t)e->h.seq;
		rx->last_seq = (int64_t)e->h.seq;
	}
}

/* reply_error seals an ERROR; to NULL: the answer to a transfer nothing in
 * which is authenticated, addressed to "unknown" with time 0 and an id of
 * zeros, so that it tells no one the receiver's clock. id (NULL: none):
 * the id of what it refuses, a session opening or the first envelope of a
 * transfer refused with 19, in the body's key 3, which binds the answer to
 * that request (PROTOCOL.md "Sessions"). */
static void
reply_error_id(struct node *n, const char *to, const uint8_t *id,
    wn_err code, const char *reason, struct proto_writer *w)
{
	struct proto_env_header h = {0};
	struct proto_errbody eb = {0};
	uint8_t body[512];
	struct proto_writer bw;
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_ERROR;
	wn_strlcpy(h.from, n->cfg.org_id, sizeof(h.from));
	wn_strlcpy(h.to, to != NULL && cfg_org_id_valid(to) ? to : "unknown",
	    sizeof(h.to));
	if (to != NULL) {
		sec_random(h.id, sizeof(h.id));
		h.ts_ms = wn_now_ms();
	}
	if (to != NULL && id != NULL) {
		eb.has_id = true;
		memcpy(eb.id, id, sizeof(eb.id));
	}
	eb.code = code;
	wn_strlcpy(eb.reason, reason, sizeof(eb.reason));
	proto_writer_init(&bw, body, sizeof(body));
	proto_writer_reset(w);
	if (proto_errbody_encode(&eb, &bw) != WN_OK ||
	    proto_envelope_seal(&h, bw.buf, bw.len, NULL, node_sign, n->id, w) !=
		WN_OK)
		proto_writer_reset(w);
}

static void
reply_error(struct node *n, const char *to, wn_err code, const char *reason,
    struct proto_writer *w)
{
	reply_error_id(n, to, NULL, code, reason, w);
}

void
peer_reply_error_env(struct node *n, const char *to, const uint8_t *id,
    wn_err code, const char *reason, struct proto_writer *w)
{
	reply_error_id(n, to, id, code, reason, w);
}

/* peer_reply_unauthenticated answers a transfer that nothing authenticates
 * (PROTOCOL.md, "Who gets the answer"): bytes that do not decode (decode:
 * the refusal is about the bytes alone) get their code and reason, which
 * tell the sender nothing it did not send; anything else, an unknown
 * sender, a bad signature, a signed envelope or manifest that is not for
 * us or not now, gets the one answer PEER_UNAUTH_REASON under WN_EAUTH,
 * so that no one learns who is a member or what our clock says. The
 * detail stays in our own audit and log. */
void
peer_reply_unauthenticated(struct node *n, bool decode, wn_err code,
    const char *reason, struct proto_writer *w)
{
	if (decode && (code == WN_EPROTO || code == WN_ETOOBIG))
		reply_error(n, NULL, code, reason, w);
	else
		reply_error(n, NULL, WN_EAUTH, PEER_UNAUTH_REASON, w);
}

/* peer_transfer_refused audits a refusal of a whole transfer and answers it:
 * vouched (a member's valid, fresh signature is on it), with a signed ERROR
 * to that member; else as peer_reply_unauthenticated (decode: the
 * transfer's bytes did not decode). */
void
peer_transfer_refused(struct node *n, const char *who, bool vouched,
    bool decode, wn_err code, const char *reason, struct proto_writer *w)
{
	pthread_mutex_lock(&n->mtx);
	if (vouched) {
		peer_audit_log(n, who, "peer.refused", who, reason);
		wn_log(WN_LOG_WARN, "transfer from %s refused: %s", who,
		    reason);
	} else {
		peer_refused_unsigned(n, who, reason);
	}
	pthread_mutex_unlock(&n->mtx);
	if (vouched)
		reply_error(n, who, code, reason, w);
	else
		peer_reply_unauthenticated(n, decode, code, reason, w);
}

/* peer_answer_query handles a transfer of one CHAIN_HEAD_QUERY: a question
 * outside the per-peer sequence, answered in the reply itself. It returns
 * false for anything else, which then takes the normal path. A node asks
 * when it starts; the same query can be resent within the time window, so
 * at most one a minute per member is recorded. */
bool
peer_answer_query(struct node *n, const struct pre *pr,
    const struct node_session *sess, struct proto_writer *w)
{
	uint8_t body[256];
	size_t blen;
	struct proto_head_query q;
	if (pr->code != WN_OK || pr->e.h.type != PROTO_MSG_CHAIN_HEAD_QUERY ||
	    proto_envelope_open(&pr->e, peer_session_keys(sess)->i2r, body,
		sizeof(body), &blen) != WN_OK ||
	    proto_head_query_decode(body, blen, &q, NULL) != WN_OK ||
	    strcmp(q.org, pr->p->org_id) != 0)
		return false; /* the normal path refuses and audits it */
	pthread_mutex_lock(&n->mtx);
	/* a receive-only node answers too: two nodes that check each
	 * other and started while the other was away would otherwise wait
	 * for each other for ever (its heads may be an older copy's, but
	 * a head it holds is one the asker signed) */
	if (node_chain_answer(n, pr->p, peer_session_keys(sess), q.nonce, w) !=
	    WN_OK)
		proto_writer_reset(w);
	int64_t now = wn_mono_ms();
	if (pr->p->queried_ms == 0 ||
	    now - pr->p->queried_ms >= peer_minute_ms) {
		pr->p->queried_ms = now;
		peer_audit_log(n, pr->p->org_id, "chain.queried", pr->p->org_id,
		    "answered with the head we hold (further queries this "
		    "minute are not recorded)");
	}
	pthread_mutex_unlock(&n->mtx);
	return true;
}

/* apply_transfer is phase B for one transfer (n->mtx held, inside the
 * applier's transaction): each envelope in order, then the sender's last
 * sequence number and one audit record. */
static void
apply_transfer(struct node_rx *rx, uint8_t *body)
{
	struct node *n = rx->n;
	char detail[200];
	int64_t last = peer_last_seq_in(n, rx->from->org_id), before = last;
	sqlite3 *db = node_store_db(n->store);
	node_chain_heard(n, rx->from);
	/* it signed with its new keys: its old ones are refused from now on
	 * (rotate.c), in the store too */
	if (last >= 0 && peer_rotation_note(n, rx->from) != WN_OK) {
		rx->aborted = true;
		return;
	}
	if (last < 0) {
		/* removed by a charter applied in this very group, or the
		 * store failed: the replay check cannot run, nothing of it
		 * may apply */
		if (last == -1)
			for (size_t i = 0; i < rx->nenv; i++)
				peer_refuse(rx, true,
				    rx->pre[i].authentic ? rx->pre[i].e.h.id : NULL,
				    WN_EAUTH, rx->from->org_id, "the sender is no "
				    "longer a member of the federation");
		else
			rx->aborted = true;
		return;
	}
	for (size_t i = 0; i < rx->nenv; i++) {
		struct pre *pr = &rx->pre[i];
		/* a full disk or an I/O error can make SQLite roll the whole
		 * transaction back by itself: nothing more may run, or it
		 * would commit on its own */
		if (sqlite3_get_autocommit(db)) {
			rx->aborted = true;
			return;
		}
		if (pr->code != WN_OK) {
			/* an envelope no signature vouches for is refused
			 * without the id it claims (it may be another
			 * message's, altered on the way), and what follows
			 * it waits: the sender sends it again, sealed afresh,
			 * and its number must still be free then */
			peer_refuse(rx, false, pr->authentic ? pr->e.h.id : NULL,
			    pr->code, pr->p ? pr->p->org_id : "unknown",
			    pr->reason);
			if (!pr->authentic)
				rx->blocked = true;
		} else
			apply_one(rx, pr, &last, body, PROTO_BODY_MAX);
		if (rx->aborted)
			return;
	}
	rx->last = last;
	if (sqlite3_get_autocommit(db)) {
		rx->aborted = true;
		return;
	}
	/* refused messages use up their numbers too. Should this update
	 * or the record below fail, nothing of the group may commit: a
	 * failed statement of this kind (one row, no statement journal)
	 * can have rolled the whole transaction back, and a record written
	 * after that would be a transaction of its own */
	if (last != before) {
		sqlite3_stmt *st = peer_stmt(n, ST_LAST_SET,
		    "UPDATE OR FAIL peers SET last_seq_in = ? WHERE org_id = ?");
		if (st != NULL) {
			sqlite3_bind_int64(st, 1, last);
			sqlite3_bind_text(st, 2, rx->from->org_id, -1,
			    SQLITE_STATIC);
		}
		if (st == NULL || sqlite3_step(st) != SQLITE_DONE) {
			rx->aborted = true;
			return;
		}
	}
	if (rx->napplied == 0)
		return;
	snprintf(detail, sizeof(detail), "%zu messages, seq %" PRId64 "..%" PRId64,
	    rx->napplied, rx->first_seq, rx->last_seq);
	if (node_audit_append(n->store, rx->from->org_id, "peer.received",
		rx->from->org_id, detail) != WN_OK)
		rx->aborted = true;
}

/* receipt_for is phase C: the signed, encrypted receipt of an applied
 * transfer, durable by now (no lock needed). */
static void
receipt_for(struct node *n, const struct node_rx *rx, struct proto_writer *w)
{
	struct proto_receipt *rc = calloc(1, sizeof(*rc));
	struct proto_writer bw = {0};
	struct proto_env_header h = {0};
	if (rc == NULL ||
	    proto_writer_init_dynamic(&bw, 4096, PROTO_BODY_MAX - 1) != WN_OK) {
		free(rc);
		return;
	}
	rc->naccepted = rx->naccepted;
	memcpy(rc->accepted, rx->accepted, rx->naccepted * 16);
	rc->nrefused = rx->nrefused;
	memcpy(rc->refused, rx->refused, rx->nrefused * sizeof(rx->refused[0]));
	memcpy(rc->answers, rx->thash, SEC_HASH_LEN);
	h.version = PROTO_VERSION;
	h.type = PROTO_MSG_RECEIPT;
	wn_strlcpy(h.from, n->cfg.org_id, sizeof(h.from));
	wn_strlcpy(h.to, rx->from->org_id, sizeof(h.to));
	sec_random(h.id, sizeof(h.id));
	h.ts_ms = wn_now_ms() + peer_receipt_ahead_ms;
	if (rx->sess == NULL) {
		/* nothing in it named a session (a session opening in a
		 * batch): a receipt has no key to go under */
		reply_error(n, rx->from->org_id, WN_EPROTO, "nothing in the "
		    "transfer names a session: open one first", w);
		goto out;
	}
	h.has_sid = true;
	memcpy(h.sid, peer_session_keys(rx->sess)->sid, PROTO_SID_LEN);
	if (proto_receipt_encode(rc, &bw) != WN_OK ||
	    proto_envelope_seal(&h, bw.buf, bw.len,
		peer_session_keys(rx->sess)->r2i, node_sign, n->id, w) != WN_OK)
		proto_writer_reset(w);
out:
	free(rc);
	proto_writer_release(&bw);
}

/* answer sends a held transfer's reply (w empty: none) and frees it. */
static void
answer(struct node_rx *rx, struct proto_writer *w)
{
	node_conn_end(rx->n, rx->pipe);
	node_server_answer(rx->wk, w && proto_writer_status(w) == WN_OK
	    ? w->buf : NULL, w && proto_writer_status(w) == WN_OK ? w->len : 0);
	peer_session_put(rx->n, rx->sess);
	free(rx);
}

/* ready says whether a queued transfer can be applied now (n->mtx held):
 * it follows no other, the one it follows has been applied, or it is to
 * be deferred whole. */
static bool
ready(struct node *n, struct node_rx *rx)
{
	if (rx->after == 0 || rx->defer != NULL)
		return true;
	if (rx->after > INT64_MAX) {
		rx->defer = "after: no such sequence number";
		return true;
	}
	/* not a member any more (or a store error): apply_transfer says */
	int64_t last = peer_last_seq_in(n, rx->from->org_id);
	return last < 0 || last >= (int64_t)rx->after;
}

/* not_applied: rx went through without all of it applied; the transfers
 * waiting for it will not see it again and are deferred at once. */
static void
not_applied(struct node_rx *rx, struct node_rx *pending)
{
	for (struct node_rx *w = pending; w != NULL; w = w->next)
		if (w->from == rx->from && w->after == (uint64_t)rx->hi &&
		    w->defer == NULL)
			w->defer = "the transfer this one follows was not "
				   "applied";
}

/* apply_group applies every queued transfer that is ready, in one
 * transaction (the group commit: one fsync for all of them), then answers
 * each with its receipt. Transfers not ready stay in *pending. */
static void
apply_group(struct node *n, struct node_rx **pending, uint8_t *body)
{
	struct node_rx *done = NULL, **dtail = &done;
	struct proto_writer w = {0};
	bool progress = true, failed = false;
	int64_t now = wn_mono_ms();

	pthread_mutex_lock(&n->mtx);
	if (node_store_begin(n->store) != WN_OK) {
		pthread_mutex_unlock(&n->mtx);
		failed = true;
		done = *pending;
		*pending = NULL;
		goto reply;
	}
	/* applying one transfer can make the next from its sender ready */
	while (progress && !failed) {
		progress = false;
		for (struct node_rx **pp = pending; *pp != NULL;) {
			struct node_rx *rx = *pp;
			if (!ready(n, rx)) {
				pp = &rx->next;
				continue;
			}
			*pp = rx->next;
			rx->next = NULL;
			apply_transfer(rx, body);
			*dtail = rx;
			dtail = &rx->next;
			if (rx->aborted) {
				failed = true;
				break;
			}
			if (rx->last < rx->hi)
				not_applied(rx, *pending);
			progress = true;
		}
		if (progress || failed)
			continue;
		/* nothing more can be applied now: a transfer that waited
		 * RX_WAIT_MS for the one it follows gives up (the sender starts
		 * its window over from its oldest message) */
		for (struct node_rx *rx = *pending; rx != NULL; rx = rx->next) {
			if (rx->defer != NULL)
				continue;
			if (now - rx->queued_ms >= peer_rx_wait_ms) {
				rx->defer = "the transfer this one follows did "
					    "not arrive";
				progress = true;
				continue;
			}
			/* a window has at most NODE_WINDOW - 1 transfers
			 * that follow another: more would only hold the
			 * workers that other peers need */
			size_t ahead = 0;
			for (struct node_rx *o = *pending; o != rx; o = o->next)
				ahead += o->from == rx->from && o->defer == NULL;
			if (ahead >= NODE_WINDOW - 1) {
				rx->defer = "too many transfers from this sender "
					    "are waiting";
				progress = true;
			}
		}
	}
	if (done == NULL) {
		node_store_rollback(n->store);
		pthread_mutex_unlock(&n->mtx);
		return;
	}
	if (failed || node_store_commit(n->store) != WN_OK) {
		/* said when it starts and when it ends, not per transfer */
		if (!n->ex->rx_store_failing)
			wn_log(WN_LOG_ERROR, "cannot store received messages: %s "
			    "(senders keep them and try again)",
			    node_store_errmsg(n->store));
		n->ex->rx_store_failing = true;
		node_store_rollback(n->store);
		failed = true;
	} else {
		if (n->ex->rx_store_failing) {
			wn_log(WN_LOG_INFO, "received messages are stored "
			    "again");
			n->ex->rx_store_failing = false;
		}
		/* a commit went through: there is room for what waits */
		if (node_ctl_flush_held(n) != WN_OK)
			wn_log(WN_LOG_WARN, "held audit records still wait "
			    "for room");
	}
	if (n->ex->peers_dirty) {
		n->ex->peers_dirty = false;
		if (node_peers_load(n) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot reload peers");
		node_peer_kick(n);
	}
	pthread_mutex_unlock(&n->mtx);
reply:
	if (proto_writer_init_dynamic(&w, 4096, PROTO_ENVELOPE_MAX) != WN_OK)
		failed = true; /* no reply: the senders time out and resend */
	while (done != NULL) {
		struct node_rx *rx = done;
		done = rx->next;
		proto_writer_reset(&w);
		if (failed && w.buf != NULL)
			peer_reply_error_env(n, rx->from->org_id, NULL, WN_EDB,
			    "store error", &w);
		else if (!failed)
			receipt_for(n, rx, &w);
		answer(rx, w.buf != NULL ? &w : NULL);
	}
	proto_writer_release(&w);
}

void *
peer_applier_main(void *arg)
{
	struct node *n = arg;
	struct node_exchange *ex = n->ex;
	struct node_rx *pending = NULL, **ptail;
	uint8_t *body = malloc(PROTO_BODY_MAX);

	pthread_mutex_lock(&ex->rxq_mtx);
	for (;;) {
		if (ex->rxq == NULL && !ex->rx_stopping) {
			if (pending == NULL) {
				pthread_cond_wait(&ex->rxq_cv, &ex->rxq_mtx);
			} else {
				/* transfers wait for their predecessors: until
				 * one comes, or the first of them gives up */
				int64_t t = INT64_MAX;
				for (struct node_rx *r = pending; r; r = r->next)
					if (r->queued_ms + peer_rx_wait_ms < t)
						t = r->queued_ms +
						    peer_rx_wait_ms;
				struct timespec ts = wn_deadline(t);
				pthread_cond_timedwait(&ex->rxq_cv,
				    &ex->rxq_mtx, &ts);
			}
		}
		for (ptail = &pending; *ptail != NULL; ptail = &(*ptail)->next)
			;
		*ptail = ex->rxq;
		ex->rxq = NULL;
		ex->rxq_tail = &ex->rxq;
		if (ex->rx_stopping)
			break;
		pthread_mutex_unlock(&ex->rxq_mtx);
		if (pending != NULL && body != NULL)
			apply_group(n, &pending, body);
		else if (pending != NULL) {
			/* out of memory: no reply, the senders resend */
			while (pending != NULL) {
				struct node_rx *rx = pending;
				pending = rx->next;
				answer(rx, NULL);
			}
		}
		pthread_mutex_lock(&ex->rxq_mtx);
		ex->rx_waiting = 0;
		for (struct node_rx *r = pending; r != NULL; r = r->next)
			ex->rx_waiting++;
	}
	pthread_mutex_unlock(&ex->rxq_mtx);
	/* stopping: the socket is closed, nobody waits for these replies */
	while (pending != NULL) {
		struct node_rx *rx = pending;
		pending = rx->next;
		peer_session_put(n, rx->sess);
		free(rx);
	}
	free(body);
	return NULL;
}
