/*
 * receive.c - the receiving side of the peer socket, phase A.
 *
 * A transfer (1..64 envelopes from one sender) arrives on the REP socket.
 * Phase A, on the nng thread without the node lock: the transfer decodes,
 * its manifest is signed by a member and addressed to us, and each
 * envelope is well-formed, vouched for (its hash in the manifest, or its
 * own signature), ours and within the time window. Then the call is held
 * and the transfer queued for the applier (apply.c). Refusals are audited
 * (unsigned ones at most 10 a minute one by one); the node keeps serving.
 * The refusal helpers and the replay and sequence lookups here serve the
 * applier too (peer_int.h).
 */
#include "node/exchange/exchange.h"
#include "node/exchange/peer_int.h"

#include <string.h>

#define TIME_WINDOW_MS (10 * 60 * 1000)

bool
peer_transient(wn_err code)
{
	return code == WN_EBUSY || code == WN_EDB || code == WN_ENOMEM;
}

/* peer_refusal_kind says what a sender does with a message its peer
 * refused with code (PROTOCOL.md, "What a sender does with a refusal"):
 * PEER_FINAL deletes it (the receiver refused it from applying it, or for
 * another permanent reason it can attribute: the codes listed there);
 * PEER_KEEP keeps it, to send it again sealed afresh (the receiver's
 * transient refusals, what can go wrong on the way, and WN_ENOKEY, the
 * receiver cannot decrypt it: counted, see deliver.c); PEER_UNKNOWN is a
 * code this version does not know (a newer receiver's): kept too, as
 * deleting on it could lose a message. */
enum peer_refusal_kind
peer_refusal_kind(uint32_t code)
{
	switch (code) {
	case WN_EPROTO:
	case WN_EAUTH:
	case WN_EDENIED:
	case WN_ECONFIG:
	case WN_EIO:
	case WN_EINVAL:
	case WN_ENOTFOUND:
	case WN_ECORRUPT:
	case WN_ETOOBIG:
	case WN_EPERM:
	case WN_ELIMIT:
		return PEER_FINAL;
	case WN_ENOMEM:
	case WN_ECRYPTO:
	case WN_EDB:
	case WN_ETRANSPORT:
	case WN_EBUSY:
	case WN_ETIMEDOUT:
	case WN_ENOKEY:
	case WN_ESESSION:
		return PEER_KEEP;
	default:
		return PEER_UNKNOWN;
	}
}

/* peer_final_code is the code a permanent refusal from applying a message
 * goes out under: one of the final codes, never one the sender would keep
 * the message for (a signed object in the body whose signature fails is
 * WN_EDENIED). */
wn_err
peer_final_code(wn_err code)
{
	return peer_refusal_kind((uint32_t)code) == PEER_FINAL ? code
							       : WN_EDENIED;
}

/* seen_record audits how many times refusal e was repeated since its
 * last record (n->mtx held). */
static void
seen_record(struct node *n, struct node_refusal_seen *e, int64_t mono)
{
	char d[200];
	if (e->more > 0) {
		snprintf(d, sizeof(d), "%llu more refusals of message "
		    "%02x%02x%02x%02x.. (code %u, %s) since %lld ms, the same "
		    "as the one recorded, not recorded one by one",
		    (unsigned long long)e->more, e->id[0], e->id[1], e->id[2],
		    e->id[3], (unsigned)e->code, wn_strerror((wn_err)e->code),
		    (long long)e->since);
		peer_audit_log(n, e->peer, "peer.refused_repeated", e->peer, d);
		wn_log(WN_LOG_WARN, "peer message from %s: %s", e->peer, d);
	}
	e->more = 0;
	e->mono = mono;
}

/* refusal_repeated says whether this vouched refusal (who, id, code) was
 * recorded lately: then it is counted (its count is recorded hourly,
 * peer_refusals_flush), else it is remembered and the caller records it
 * (n->mtx held). A message its receiver keeps refusing the same way (one
 * it cannot decrypt, sent again every few seconds) leaves one record an
 * hour, not one a try. */
static bool
refusal_repeated(struct node *n, const char *who, const uint8_t *id,
    uint32_t code)
{
	static const uint8_t none[16];
	struct node_refusal_seen *e, *old = NULL;
	int64_t mono = wn_mono_ms();
	if (id == NULL)
		id = none;
	for (size_t i = 0; i < WN_ARRAY_LEN(n->ex->seen); i++) {
		e = &n->ex->seen[i];
		if (e->used && e->code == code && memcmp(e->id, id, 16) == 0 &&
		    strcmp(e->peer, who) == 0) {
			if (e->more++ == 0)
				e->since = wn_now_ms();
			return true;
		}
		if (old == NULL || !e->used || (old->used && e->mono < old->mono))
			old = e;
	}
	if (old->used)
		seen_record(n, old, mono); /* its count before it goes */
	memset(old, 0, sizeof(*old));
	old->used = true;
	wn_strlcpy(old->peer, who, sizeof(old->peer));
	memcpy(old->id, id, 16);
	old->code = code;
	old->mono = mono;
	return false;
}

/* peer_refusals_flush ends a minute of refusals of unsigned transfers (force:
 * now, at shutdown), recording how many were not recorded one by one, and
 * an hour of each repeated vouched refusal (n->mtx held). */
void
peer_refusals_flush(struct node *n, bool force)
{
	char d[160];
	int64_t mono = wn_mono_ms();
	for (size_t i = 0; i < WN_ARRAY_LEN(n->ex->seen); i++) {
		struct node_refusal_seen *e = &n->ex->seen[i];
		if (!e->used || (!force && mono - e->mono < 60 * peer_minute_ms))
			continue;
		/* an hour without a repeat: the next one is recorded again */
		if (e->more == 0)
			e->used = false;
		else
			seen_record(n, e, mono);
	}
	if (!force && n->ex->unsigned_mono != 0 &&
	    mono - n->ex->unsigned_mono < peer_minute_ms)
		return;
	if (n->ex->unsigned_more > 0) {
		snprintf(d, sizeof(d), "%llu more refusals of transfers no "
		    "member vouches for in the minute from %lld ms not recorded "
		    "one by one",
		    (unsigned long long)n->ex->unsigned_more,
		    (long long)n->ex->unsigned_since);
		peer_audit_log(n, "unknown", "peer.refused_unrecorded", "unknown",
		    d);
		wn_log(WN_LOG_WARN, "%s", d);
	}
	n->ex->unsigned_since = wn_now_ms();
	n->ex->unsigned_mono = mono;
	n->ex->unsigned_n = 0;
	n->ex->unsigned_more = 0;
}

/* peer_refused_unsigned audits a refusal that no member's fresh signature
 * vouches for (n->mtx held): undecodable bytes, an unknown sender, a bad
 * signature, an envelope its transfer's manifest did not sign, bytes a
 * member sent to someone else or long ago. Anyone who reaches the socket, or who captured a
 * member's traffic, can cause those, so at most UNSIGNED_PER_MIN a minute
 * are recorded one by one (blamed on whom they claim to be from) and the
 * rest are counted: a flood fills neither the disk nor the log. */
#define UNSIGNED_PER_MIN 10
void
peer_refused_unsigned(struct node *n, const char *who, const char *reason)
{
	peer_refusals_flush(n, false);
	if (n->ex->unsigned_n >= UNSIGNED_PER_MIN) {
		n->ex->unsigned_more++;
		return;
	}
	peer_audit_log(n, who, "peer.refused", who, reason);
	wn_log(WN_LOG_WARN, "transfer from %s refused: %s", who, reason);
	if (++n->ex->unsigned_n == UNSIGNED_PER_MIN) {
		peer_audit_log(n, "system", "peer.refusals_limited", "unknown",
		    "10 refusals of transfers no member vouches for this "
		    "minute: further ones are counted, not recorded one by one");
		wn_log(WN_LOG_WARN, "10 refusals of transfers no member vouches "
				    "for this minute: counting the rest");
	}
}

/* peer_tls_refusals audits the TLS handshakes refused since the last call
 * (node/exchange/tls.c queues them: the handshake cannot take the lock), as
 * refusals no member vouches for (n->mtx held). */
void
peer_tls_refusals(struct node *n)
{
	char who[64], why[200];
	uint64_t lost = 0;
	bool got;
	do {
		got = node_tls_refusal_take(who, why, &lost);
		for (; lost > 0; lost--)
			peer_refused_unsigned(n, "unknown", "TLS client "
			    "certificate refused in the handshake (not kept: "
			    "too many at once)");
		if (got)
			peer_refused_unsigned(n, who, why);
	} while (got);
}

/* peer_answer_again puts a refusal into the receipt without recording it: the
 * answer to a retry, recorded the first time; refuse records after it
 * (id NULL: the envelope could not be decoded). */
struct proto_refusal *
peer_answer_again(struct node_rx *rx, const uint8_t *id, wn_err code,
    const char *reason)
{
	if (rx->nrefused >= NODE_BATCH)
		return NULL; /* one refusal per envelope at most */
	struct proto_refusal *r = &rx->refused[rx->nrefused++];
	if (id != NULL)
		memcpy(r->id, id, 16);
	else
		memset(r->id, 0, 16);
	r->code = (uint32_t)code;
	wn_strlcpy(r->reason, reason, sizeof(r->reason));
	return r;
}

/* peer_refuse records a refusal for the receipt and audits it (n->mtx held,
 * inside the transaction): one by one if vouched (a member's valid, fresh
 * signature is on what is refused, so the member did it), else through
 * peer_refused_unsigned. */
void
peer_refuse(struct node_rx *rx, bool vouched, const uint8_t *id, wn_err code,
    const char *who, const char *reason)
{
	struct proto_refusal *r = peer_answer_again(rx, id, code, reason);
	if (r == NULL)
		return;
	if (peer_transient(code)) {
		/* kept by the sender and sent again: not an incident */
		wn_log(WN_LOG_DEBUG, "peer message from %s deferred: %s", who,
		    r->reason);
		return;
	}
	if (!vouched || rx->from == NULL) {
		peer_refused_unsigned(rx->n, who, r->reason);
		return;
	}
	if (refusal_repeated(rx->n, who, id, (uint32_t)code)) {
		wn_log(WN_LOG_DEBUG, "peer message from %s refused again: %s",
		    who, r->reason);
		return;
	}
	peer_audit_log(rx->n, who, "peer.refused", who, r->reason);
	wn_log(WN_LOG_WARN, "peer message from %s refused: %s", who,
	    r->reason);
}

void
peer_refuse_once(struct node *n, const char *who, wn_err code,
    const char *reason)
{
	pthread_mutex_lock(&n->mtx);
	if (peer_transient(code))
		wn_log(WN_LOG_DEBUG, "peer %s: %s", who, reason);
	else if (refusal_repeated(n, who, NULL, (uint32_t)code))
		wn_log(WN_LOG_DEBUG, "peer %s refused again: %s", who, reason);
	else {
		peer_audit_log(n, who, "peer.refused", who, reason);
		wn_log(WN_LOG_WARN, "peer %s refused: %s", who, reason);
	}
	pthread_mutex_unlock(&n->mtx);
}

static void
pre_fail(struct pre *pr, wn_err code, const char *fmt, ...) WN_PRINTF(3, 4);

static void
pre_fail(struct pre *pr, wn_err code, const char *fmt, ...)
{
	va_list ap;
	pr->code = code;
	va_start(ap, fmt);
	vsnprintf(pr->reason, sizeof(pr->reason), fmt, ap);
	va_end(ap);
}

static struct node_peer *
find_locked(struct node *n, const char *org)
{
	pthread_mutex_lock(&n->mtx);
	struct node_peer *p = node_peer_find(n, org);
	if (p != NULL && p->gone)
		p = NULL;
	pthread_mutex_unlock(&n->mtx);
	return p;
}

bool
peer_in_window(int64_t ts_ms)
{
	int64_t now = wn_now_ms(); /* far from either end of int64 */
	return ts_ms >= now - TIME_WINDOW_MS && ts_ms <= now + TIME_WINDOW_MS;
}

void
peer_clock_off(char *buf, size_t len, const char *what, int64_t ts_ms,
    const char *then)
{
	int64_t off = ts_ms - wn_now_ms();
	snprintf(buf, len, "%s is dated %lld s %s our clock, more than the 10 "
	    "minutes allowed%s (one of the two clocks is wrong: check NTP on "
	    "both)", what, (long long)(off < 0 ? -off : off) / 1000,
	    off < 0 ? "behind" : "ahead of", then);
}

/* check_one is phase A for one envelope, in the order of PROTOCOL.md's
 * table: structure and version, sender, signature (its own, or its hash at
 * index i of the verified manifest m), then recipient and time. Who is
 * not proven by a signature learns only that the sender is unknown or the
 * signature bad, whatever else is wrong; a signed envelope's refusal can
 * go back in a receipt for its sender. at: where buf starts in the
 * transfer, so that offsets count in the whole input. No lock held except
 * for the peer lookup; nothing is decrypted. */
static void
check_one(struct node *n, struct pre *pr, const uint8_t *buf, size_t len,
    size_t at, const struct proto_manifest *m, struct node_peer *mp, size_t i)
{
	struct proto_error perr;
	pr->code = WN_OK;
	proto_envelope_hash(buf, len, pr->hash);
	/* in a batch, the bytes first: what the manifest did not sign is not
	 * even decoded, and its claimed id never goes into a receipt */
	if (m != NULL && memcmp(pr->hash, m->hash[i], SEC_HASH_LEN) != 0) {
		pre_fail(pr, WN_ECRYPTO, "envelope %zu is not the one the "
		    "transfer's manifest signed", i);
		return;
	}
	if (proto_envelope_decode(buf, len, &pr->e, &perr) != WN_OK) {
		pre_fail(pr, WN_EPROTO, "malformed envelope at byte %zu: %s",
		    at + perr.offset, perr.msg);
		return;
	}
	pr->decoded = true;
	if (m != NULL) {
		if (strcmp(pr->e.h.from, m->from) != 0) {
			pre_fail(pr, WN_EPROTO, "envelope from '%s' in a "
			    "transfer signed by '%s'", pr->e.h.from, m->from);
			return;
		}
		pr->p = mp;
	} else {
		pr->p = find_locked(n, pr->e.h.from);
		if (pr->p == NULL) {
			pre_fail(pr, WN_EAUTH, "unknown sender '%s'",
			    pr->e.h.from);
			return;
		}
		if (!peer_verify_env(pr->p, &pr->e)) {
			pre_fail(pr, WN_ECRYPTO, "bad signature on a message "
			    "claiming to be from '%s'", pr->p->org_id);
			return;
		}
	}
	pr->authentic = true;
	if (strcmp(pr->e.h.to, n->cfg.org_id) != 0) {
		pre_fail(pr, WN_EDENIED, "addressed to '%s', not to us",
		    pr->e.h.to);
		return;
	}
	if (!peer_in_window(pr->e.h.ts_ms))
		pre_fail(pr, WN_EDENIED, "time %lld ms is off our clock (%lld "
		    "ms) by more than %d ms", (long long)pr->e.h.ts_ms,
		    (long long)wn_now_ms(), TIME_WINDOW_MS);
}

/* peer_seen looks up a sequence number at or below the last one applied from
 * that sender: 1 it is that message again in another sealing (a retry
 * whose receipt was lost: accept it again, apply nothing), 2 these very
 * bytes were answered already (the transfer replayed, by an attacker who
 * dropped its receipt or by anyone who captured it: answered as the first
 * time too), 0 anything else (refuse: the number is used). Senders seal
 * every attempt afresh, so a legitimate retry never repeats an envelope's
 * hash. For 1 and 2, *code and why are
 * what the message was answered the first time (0: accepted). -1: the
 * store failed (a transient refusal: the sender tries again). */
int
peer_seen(struct node *n, const struct pre *pr, wn_err *code, char *why,
    size_t whylen)
{
	sqlite3_stmt *st = peer_stmt(n, ST_SEEN,
	    "SELECT msg_id, env_hash, refused, reason FROM inbox "
	    "WHERE peer = ? AND seq = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, pr->e.h.from, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (int64_t)pr->e.h.seq);
	int r = 0, step = sqlite3_step(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		r = -1;
	else if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 16 &&
	    memcmp(sqlite3_column_blob(st, 0), pr->e.h.id, 16) == 0) {
		r = sqlite3_column_bytes(st, 1) == SEC_HASH_LEN &&
			memcmp(sqlite3_column_blob(st, 1), pr->hash,
			    SEC_HASH_LEN) == 0
		    ? 2
		    : 1;
		*code = (wn_err)sqlite3_column_int(st, 2);
		const unsigned char *t = sqlite3_column_text(st, 3);
		wn_strlcpy(why, t ? (const char *)t : "", whylen);
	}
	sqlite3_reset(st);
	return r;
}

/* peer_last_seq_in is the last sequence number applied from peer: -1 when it
 * is no longer a member, -2 on a store error. */
int64_t
peer_last_seq_in(struct node *n, const char *peer)
{
	sqlite3_stmt *st = peer_stmt(n, ST_LAST_GET,
	    "SELECT last_seq_in FROM peers WHERE org_id = ?");
	if (st == NULL)
		return -2;
	sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	int64_t v = r == SQLITE_ROW ? sqlite3_column_int64(st, 0)
		  : r == SQLITE_DONE ? -1
				     : -2;
	sqlite3_reset(st);
	return v < -2 ? -2 : v;
}

/* enqueue hands a checked transfer to the applier; false if it stops. */
static bool
enqueue(struct node *n, struct node_rx *rx)
{
	bool ok;
	pthread_mutex_lock(&n->ex->rxq_mtx);
	ok = n->ex->applier_running && !n->ex->rx_stopping;
	if (ok) {
		rx->queued_ms = wn_mono_ms();
		*n->ex->rxq_tail = rx;
		n->ex->rxq_tail = &rx->next;
		pthread_cond_signal(&n->ex->rxq_cv);
	}
	pthread_mutex_unlock(&n->ex->rxq_mtx);
	return ok;
}

/* tls_other_sender: over TLS, the partner the connection's client
 * certificate named (tls.c) must be the one whose signature is on the
 * transfer; true (with the reason in detail and that partner in cert)
 * when it is another, or none: a member's connection carries only its
 * own messages, not what it captured or was given of another's. */
static bool
tls_other_sender(nng_pipe pipe, const char *sender, char cert[64],
    char *detail, size_t cap)
{
	if (!node_tls_pipe_who(pipe, cert) || strcmp(cert, sender) == 0)
		return false;
	if (cert[0] == '\0')
		wn_strlcpy(cert, "unknown", 64);
	snprintf(detail, cap, "a transfer signed by '%s' on a TLS connection "
	    "whose client certificate names '%s'", sender, cert);
	return true;
}

/* transfer_session finds the session the transfer's envelopes from its
 * sender name (after their signatures: a member's word), held in
 * rx->sess; an envelope naming another is refused. False when the first
 * one named is not one we hold (unknown, or expired): the whole transfer
 * is refused with WN_ESESSION. A transfer in which no envelope names one
 * keeps rx->sess NULL (only a session opening: the applier refuses it). */
static bool
transfer_session(struct node *n, struct node_rx *rx)
{
	for (size_t i = 0; i < rx->nenv; i++) {
		struct pre *pr = &rx->pre[i];
		if (!pr->authentic || pr->p != rx->from || !pr->e.h.has_sid)
			continue;
		if (rx->sess == NULL) {
			rx->sess = peer_session_find(n, rx->from->org_id,
			    pr->e.h.sid);
			if (rx->sess == NULL)
				return false;
		} else if (memcmp(peer_session_keys(rx->sess)->sid,
			       pr->e.h.sid, PROTO_SID_LEN) != 0 &&
		    pr->code == WN_OK) {
			pre_fail(pr, WN_EPROTO, "a transfer mixes sessions");
		}
	}
	return true;
}

/* peer_serve is phase A, on an nng thread without the node lock: decode
 * the transfer, check the manifest's signature and each envelope's, then
 * hold the call and queue the transfer for the applier. Transfers that
 * cannot be attributed to a member are refused here. */
bool
peer_serve(void *arg, struct node_server_worker *wk, nng_msg *msg,
    struct proto_writer *w)
{
	struct node *n = arg;
	struct proto_transfer t;
	struct proto_manifest *m = NULL;
	struct proto_cose_sign1 mcose;
	struct proto_error perr;
	struct node_peer *mp = NULL;
	struct node_rx *rx = calloc(1, sizeof(*rx));
	nng_pipe pipe = nng_msg_get_pipe(msg);
	char detail[200], cert[64];

	/* the connection's idle clock stops until the reply goes out */
	node_conn_begin(n, pipe);
	if (rx == NULL)
		goto out;
	rx->n = n;
	rx->pipe = pipe;
	peer_wire_capture(nng_msg_body(msg), nng_msg_len(msg));
	wn_err drc = proto_transfer_decode(nng_msg_body(msg), nng_msg_len(msg),
	    &t, &perr);
	if (drc != WN_OK) {
		snprintf(detail, sizeof(detail), "malformed transfer at byte "
		    "%zu: %s", perr.offset, perr.msg);
		/* a frame or an envelope over its size limit: WN_ETOOBIG */
		peer_transfer_refused(n, "unknown", false, true,
		    drc == WN_ETOOBIG ? WN_ETOOBIG : WN_EPROTO, detail, w);
		goto out;
	}
	if (t.manifest != NULL) {
		if ((m = malloc(sizeof(*m))) == NULL)
			goto out;
		if (proto_manifest_decode(t.manifest, t.manifest_len, m, &mcose,
			&perr) != WN_OK) {
			snprintf(detail, sizeof(detail), "malformed transfer: "
			    "manifest at byte %zu: %s", (size_t)(t.manifest -
			    (const uint8_t *)nng_msg_body(msg)) + perr.offset,
			    perr.msg);
			peer_transfer_refused(n, "unknown", false, true,
			    WN_EPROTO, detail, w);
			goto out;
		}
		if ((mp = find_locked(n, m->from)) == NULL) {
			snprintf(detail, sizeof(detail), "unknown sender '%s'",
			    m->from);
			peer_transfer_refused(n, "unknown", false, false,
			    WN_EAUTH, detail, w);
			goto out;
		}
		if (!peer_verify_cose(mp, &mcose)) {
			snprintf(detail, sizeof(detail), "bad signature on a "
			    "transfer claiming to be from '%s'", mp->org_id);
			peer_transfer_refused(n, mp->org_id, false, false,
			    WN_ECRYPTO, detail, w);
			goto out;
		}
		if (tls_other_sender(pipe, mp->org_id, cert, detail,
			sizeof(detail))) {
			peer_transfer_refused(n, cert, false, false, WN_EAUTH,
			    detail, w);
			goto out;
		}
		if (strcmp(m->to, n->cfg.org_id) != 0 ||
		    !peer_in_window(m->ts_ms) || m->n != t.n) {
			snprintf(detail, sizeof(detail), "transfer manifest "
			    "does not fit: addressed to '%s', %zu of %zu "
			    "envelopes, or out of the time window", m->to, m->n,
			    t.n);
			/* a manifest the member sent to another node, or long
			 * ago, can be replayed by anyone who has it */
			peer_transfer_refused(n, mp->org_id,
			    strcmp(m->to, n->cfg.org_id) == 0 &&
				peer_in_window(m->ts_ms),
			    false, WN_EDENIED, detail, w);
			goto out;
		}
		rx->after = m->after;
	}
	proto_transfer_hash(t.manifest, t.manifest_len, nng_msg_body(msg),
	    nng_msg_len(msg), rx->thash);
	rx->nenv = t.n;
	bool distrust = false;
	for (size_t i = 0; i < t.n; i++) {
		struct pre *pr = &rx->pre[i];
		if (distrust) {
			/* a signature costs the receiver far more than the
			 * sender: one bad one, and the rest go unchecked */
			pre_fail(pr, WN_ECRYPTO, "not checked: an earlier "
			    "envelope of this transfer failed its signature");
			continue;
		}
		check_one(n, pr, t.env[i], t.env_len[i],
		    (size_t)(t.env[i] - (const uint8_t *)nng_msg_body(msg)), m,
		    mp, i);
		distrust = m == NULL &&
		    (pr->code == WN_ECRYPTO || pr->code == WN_EAUTH);
		/* a member's signature on it, even if it is not for us or not
		 * now: its refusal goes into a receipt for that member */
		if (pr->authentic) {
			if (rx->from != NULL && rx->from != pr->p) {
				if (pr->code == WN_OK)
					pre_fail(pr, WN_EPROTO, "a transfer "
					    "mixes senders");
			} else {
				rx->from = pr->p;
			}
		}
		/* the highest number the sender put in it, also of envelopes
		 * refused here, if the manifest vouches for them */
		bool vouched = pr->code == WN_OK ||
		    (m != NULL && pr->decoded &&
			strcmp(pr->e.h.from, m->from) == 0 &&
			memcmp(pr->hash, m->hash[i], SEC_HASH_LEN) == 0);
		if (vouched && pr->e.h.seq <= INT64_MAX &&
		    (int64_t)pr->e.h.seq > rx->hi)
			rx->hi = (int64_t)pr->e.h.seq;
	}
	if (rx->from != NULL && tls_other_sender(pipe, rx->from->org_id, cert,
				    detail, sizeof(detail))) {
		peer_transfer_refused(n, cert, false, false, WN_EAUTH, detail,
		    w);
		goto out;
	}
	/* a session opening is answered at once, with its accept */
	if (t.n == 1 && rx->from != NULL &&
	    peer_session_accept(n, &rx->pre[0], t.env[0], t.env_len[0], w))
		goto out;
	if (rx->from != NULL && !transfer_session(n, rx)) {
		/* the member's word (signed) for a session we do not hold: we
		 * restarted, or forgot it; not an incident, not audited */
		wn_log(WN_LOG_INFO, "a transfer from %s names a session we do "
		    "not hold: refused (code %d), it opens a new one",
		    rx->from->org_id, (int)WN_ESESSION);
		/* with the id of the transfer's first envelope: the sender
		 * takes a 19 only as the answer to that transfer */
		peer_reply_error_env(n, rx->from->org_id,
		    rx->pre[0].authentic && rx->pre[0].p == rx->from
			? rx->pre[0].e.h.id : NULL, WN_ESESSION,
		    "no such session: open a new one", w);
		goto out;
	}
	if (t.n == 1 && rx->sess != NULL &&
	    peer_answer_query(n, &rx->pre[0], rx->sess, w))
		goto out;
	if (rx->from == NULL) {
		/* nothing in it from a member: audit each refusal, answer
		 * with the first */
		pthread_mutex_lock(&n->mtx);
		for (size_t i = 0; i < t.n; i++) {
			struct pre *pr = &rx->pre[i];
			peer_refuse(rx, false, pr->authentic ? pr->e.h.id : NULL, pr->code,
			    pr->p ? pr->p->org_id : "unknown", pr->reason);
		}
		pthread_mutex_unlock(&n->mtx);
		/* the first refusal is the first envelope's */
		peer_reply_unauthenticated(n, !rx->pre[0].decoded &&
			rx->pre[0].code != WN_ECRYPTO,
		    (wn_err)rx->refused[0].code, rx->refused[0].reason, w);
		goto out;
	}
	rx->wk = wk;
	if (enqueue(n, rx)) {
		/* the applier answers and frees it, maybe already has */
		free(m);
		return true;
	}
out:
	node_conn_end(n, pipe);
	free(m);
	if (rx != NULL)
		peer_session_put(n, rx->sess);
	free(rx);
	return false; /* answered now (nothing in w when stopping) */
}
