/*
 * deliver.c - the delivery of the durable outbox.
 *
 * The outbox keeps each message's body with its per-peer sequence number
 * (peer.c); a delivery thread takes up to 64 of a peer's oldest messages
 * not in flight, seals them with the current time, signs the manifest and
 * sends them as one transfer, with up to NODE_WINDOW in flight per peer,
 * each on its own REQ context (many peers in parallel). A receipt deletes
 * what was accepted in one transaction. A failure (or a deferral) stalls
 * the window until all its transfers are back; it then starts over from
 * the oldest message, after a backoff that grows exponentially, with
 * jitter.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/peer_int.h"

#include <string.h>

#include <nng/protocol/reqrep0/req.h>

#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 10000
/* refusals in a row of one message (the oldest of each window) as one its
 * peer cannot decrypt (WN_ENOKEY), or with another code sending again does
 * not fix (kept_capped), before the peer is marked stuck: about a minute
 * of tries */
#define NODE_NOKEY_CAP 10

static int64_t
backoff_ms(unsigned attempts)
{
	int64_t b = BACKOFF_MIN_MS;
	for (unsigned i = 1; i < attempts && b < BACKOFF_MAX_MS; i++)
		b *= 2;
	if (b > BACKOFF_MAX_MS)
		b = BACKOFF_MAX_MS;
	/* jitter: 50% .. 150% */
	uint32_t r;
	sec_random(&r, sizeof(r));
	return b / 2 + (int64_t)(r % (uint32_t)(b + 1));
}

/* delivery_failed records a failure and backs off; the window stalls
 * (n->mtx held). */
static void
delivery_failed(struct node_peer *p, const char *why)
{
	struct node *n = p->node;
	p->stalled = true;
	p->attempts++;
	p->next_try_ms = wn_mono_ms() + backoff_ms(p->attempts);
	if (peer_exec_bind(n, "UPDATE peers SET last_err_ms = ?2, "
		"last_err = ?3 WHERE org_id = ?1",
		p->org_id, wn_now_ms(), why, strlen(why), 0) != WN_OK)
		wn_log(WN_LOG_WARN, "cannot record delivery error");
	wn_log(WN_LOG_DEBUG, "delivery to %s failed (attempt %u): %s",
	    p->org_id, p->attempts, why);
}

/* slot_free ends a transfer (n->mtx held). When the last one of a window
 * is back, the next window starts from the oldest message in the
 * outbox. */
static void
slot_free(struct node_slot *s)
{
	struct node_peer *p = s->p;
	s->busy = false;
	s->n = 0;
	s->sent_ms = 0;
	s->hs = false;
	if (s->sess != NULL) {
		peer_session_put(p->node, s->sess);
		s->sess = NULL;
	}
	p->inflight--;
	if (p->inflight == 0) {
		p->sent_hi = 0;
		p->stalled = false;
	}
	/* a peer that is gone is closed by the delivery thread: never from
	 * one of its own callbacks (nng_close would wait for this one) */
	node_peer_kick(p->node);
}

/* slot_send hands msg to the slot's context (the slot then owns it until
 * its callback), noting when, and how many drops the peer had then */
static void
slot_send(struct node_slot *s, struct node_peer *p, nng_msg *msg)
{
	s->sending = true;
	s->sent_ms = wn_mono_ms();
	s->drops = atomic_load(&p->drops);
	nng_aio_set_msg(s->aio, msg);
	nng_aio_set_timeout(s->aio, (nng_duration)peer_send_timeout_ms);
	nng_ctx_send(s->ctx, s->aio);
}

static void
record_latency(struct node *n, int64_t created_us)
{
	struct node_exchange *ex = n->ex;
	int64_t d = peer_now_us() - created_us;
	if (d < 0)
		d = 0;
	if (d > UINT32_MAX)
		d = UINT32_MAX;
	ex->lat_us[ex->nlat++ % WN_ARRAY_LEN(ex->lat_us)] = (uint32_t)d;
	ex->delivered++;
}

/* slot_find is the position of message id in the transfer, or -1. */
static int
slot_find(const struct node_slot *s, const uint8_t id[16], size_t hint)
{
	if (hint < s->n && memcmp(s->ids[hint], id, 16) == 0)
		return (int)hint;
	for (size_t i = 0; i < s->n; i++)
		if (memcmp(s->ids[i], id, 16) == 0)
			return (int)i;
	return -1;
}

/* read_reply checks and opens a transfer's reply, without the lock (the
 * signature check is the dear part): WN_OK with the receipt in *rc, or an
 * error with the reason in why. *ts gets the time the peer signed only
 * from a receipt that answers this transfer (a replayed one is older than
 * it says), also when that time is off ours by more than the window and
 * the receipt is refused for it: the clock skew peer list and doctor
 * show. A receipt names at most 64 ids and 64
 * refusals of 255 bytes: its body is far below REPLY_BODY_MAX. */
#define REPLY_BODY_MAX (64u << 10)
static wn_err
read_reply(struct node_slot *s, nng_msg *msg, struct proto_receipt *rc,
    bool *other, int64_t *ts, char *why, size_t whylen)
{
	struct node_peer *p = s->p;
	struct proto_envelope e;
	size_t blen;
	uint8_t *body = s->body;

	if (proto_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), &e,
		NULL) == WN_OK &&
	    e.h.type == PROTO_MSG_ERROR && strcmp(e.h.to, "unknown") == 0 &&
	    strcmp(e.h.from, p->org_id) == 0 &&
	    peer_verify_env(p, &e)) {
		/* the peer's answer to a transfer it could not authenticate:
		 * without its time (a replay of it says no more than it) and
		 * without the reason, which is in the peer's own log */
		struct proto_errbody eb;
		if (proto_envelope_open(&e, NULL, body, REPLY_BODY_MAX, &blen) ==
			WN_OK &&
		    proto_errbody_decode(body, blen, &eb, NULL) == WN_OK &&
		    eb.code != WN_EAUTH)
			snprintf(why, whylen, "refused: %s", eb.reason);
		else
			snprintf(why, whylen, "refused before authentication: "
			    "the peer does not know this node, our signature "
			    "failed, or our clocks differ by more than 10 "
			    "minutes (its log says which)");
		return WN_EDENIED;
	}
	/* the signature before the time: a reply the peer signed whose time
	 * is off our clock by more than the window may still answer this
	 * transfer, and then says how far the peer's clock is off (the one
	 * skew that stops delivery, which doctor must be able to report) */
	if (proto_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), &e,
		NULL) != WN_OK ||
	    strcmp(e.h.from, p->org_id) != 0 ||
	    strcmp(e.h.to, p->node->cfg.org_id) != 0 ||
	    !peer_verify_env(p, &e))
		goto invalid;
	bool current = peer_in_window(e.h.ts_ms);
	if (e.h.type == PROTO_MSG_ERROR) {
		struct proto_errbody eb;
		if (!current)
			goto invalid;
		if (proto_envelope_open(&e, NULL, body, REPLY_BODY_MAX, &blen) ==
			WN_OK &&
		    proto_errbody_decode(body, blen, &eb, NULL) == WN_OK) {
			snprintf(why, whylen, "refused: %s", eb.reason);
			/* it does not hold the session we sealed under (it
			 * restarted, or forgot it): a new one, then again;
			 * only a 19 that names this transfer's first message
			 * (an old one played back says nothing of this one) */
			if (eb.code == WN_ESESSION && s->n > 0 && eb.has_id &&
			    sec_equal(eb.id, s->ids[0], PROTO_ID_LEN))
				return WN_ESESSION;
		} else
			snprintf(why, whylen, "refused (unreadable error)");
		return WN_EDENIED;
	}
	if (e.h.type == PROTO_MSG_RECEIPT &&
	    (!e.h.has_sid || s->sess == NULL ||
		memcmp(e.h.sid, peer_session_keys(s->sess)->sid,
		    PROTO_SID_LEN) != 0)) {
		if (!current)
			goto invalid;
		/* a receipt under another session says nothing of this
		 * transfer (an old one replayed): not counted */
		snprintf(why, whylen, "a signed receipt under another session "
		    "than this transfer's (replayed?): not taken");
		*other = true;
		wn_log(WN_LOG_WARN, "delivery to %s: a receipt under another "
		    "session than the transfer's (replayed?): not taken",
		    p->org_id);
		return WN_EPROTO;
	}
	if (e.h.type == PROTO_MSG_RECEIPT &&
	    proto_envelope_open(&e, peer_session_keys(s->sess)->r2i, body,
		REPLY_BODY_MAX, &blen) != WN_OK) {
		if (!current)
			goto invalid;
		if (e.h.ts_ms < p->key_ms) {
			/* signed before we held these keys for the peer:
			 * sealed under older ones, so it says nothing of
			 * these (an old receipt replayed within the time
			 * window); not counted */
			snprintf(why, whylen, "a signed receipt from before "
			    "our current keys for this peer (replayed?): not "
			    "taken");
			return WN_EPROTO;
		}
		/* the peer signed it, so it was not damaged on the way: our
		 * pair key is not the peer's (the one of us holds a wrong key
		 * for the other), and the peer cannot decrypt what we send
		 * either (its refusal, WN_ENOKEY, is inside this receipt) */
		snprintf(why, whylen, "the peer's signed receipt cannot be "
		    "decrypted with our key for it: the keys do not match");
		return WN_ENOKEY;
	}
	if (e.h.type != PROTO_MSG_RECEIPT ||
	    proto_receipt_decode(body, blen, rc, NULL) != WN_OK) {
		if (!current)
			goto invalid;
		snprintf(why, whylen, "unreadable receipt");
		return WN_EPROTO;
	}
	/* a receipt for another transfer (an old one replayed, within the
	 * time window) says nothing about this one, nor about the peer's
	 * clock now */
	if (!sec_equal(rc->answers, s->thash, SEC_HASH_LEN)) {
		if (!current)
			goto invalid;
		snprintf(why, whylen, "the receipt answers another transfer");
		*other = true;
		wn_log(WN_LOG_WARN, "delivery to %s: a receipt that answers "
		    "another transfer (replayed?): not taken", p->org_id);
		return WN_EPROTO;
	}
	/* the peer signed it after it read this transfer: its clock */
	*ts = e.h.ts_ms;
	if (!current) {
		peer_clock_off(why, whylen, "the peer's receipt", e.h.ts_ms,
		    ": not taken");
		return WN_EPROTO;
	}
	return WN_OK;
invalid:
	snprintf(why, whylen, "reply is not a valid, current, signed "
			      "envelope from this peer");
	return WN_EPROTO;
}

/* kept_capped says whether a kept refusal with code counts toward the
 * peer getting stuck: 17 (it cannot decrypt the message: sealing it again
 * does not help), 3, 7 and 15 (failures on the way, which a receiver never
 * names a message it could check for) and codes we do not know. Not the
 * transient 1, 6 and 13: a receiver defers with those for as long as it
 * needs (a matrix version it does not hold yet). */
static bool
kept_capped(uint32_t code)
{
	return code != WN_ENOMEM && code != WN_EDB && code != WN_EBUSY &&
	    peer_refusal_kind(code) != PEER_FINAL;
}

/* nokey_counted counts a refusal of message id (the oldest of a window:
 * one count a window, as each window starts over with the same messages)
 * with a capped code (kept_capped; an undecryptable receipt counts as 17),
 * in a row for the same message; a refusal of another message starts the
 * count over with that one. True when that makes the peer stuck
 * (n->mtx held). Sealing it again does not help: the ciphertext was
 * signed, so it was not damaged on the way, and the keys do not match
 * (ours for the peer, or the peer's for us), or the peer refuses it in a
 * way we cannot act on. */
static bool
nokey_counted(struct node_peer *p, const uint8_t id[16], uint32_t code)
{
	if (p->nokey_n == 0 || memcmp(p->nokey_id, id, 16) != 0) {
		memcpy(p->nokey_id, id, 16);
		p->nokey_n = 1;
	} else {
		p->nokey_n++;
	}
	p->nokey_code = code;
	return !p->stuck && p->nokey_n >= NODE_NOKEY_CAP;
}

static void unknown_flush(struct node_peer *p);

/* stuck_record keeps in the store that p is stuck (under the keys it
 * has now: new keys end it), audits it and raises the alert, once (n->mtx
 * held, in the caller's transaction). seen: what showed it. */
static wn_err
stuck_record(struct node_peer *p, int64_t now, const char *seen)
{
	struct node *n = p->node;
	char key[96], val[96], d[400], what[160];
	snprintf(key, sizeof(key), "peer_stuck:%s", p->org_id);
	sec_hex(val, sizeof(val), p->kx_pk, sizeof(p->kx_pk));
	snprintf(val + 64, sizeof(val) - 64, " %lld %u", (long long)now,
	    (unsigned)p->nokey_code);
	if (p->nokey_code == WN_ENOKEY)
		snprintf(what, sizeof(what), "%s cannot decrypt our messages",
		    p->org_id);
	else
		snprintf(what, sizeof(what), "%s keeps refusing our messages "
		    "with code %u (%s), which sending again does not fix",
		    p->org_id, (unsigned)p->nokey_code,
		    peer_refusal_kind(p->nokey_code) == PEER_UNKNOWN
			? "a code this version does not know"
			: wn_strerror((wn_err)p->nokey_code));
	snprintf(d, sizeof(d), "%s: message %02x%02x%02x%02x.. failed %u "
	    "times in a row (%s). Nothing more is sent to it: check its keys "
	    "and ours with its operator, then `wijknet peer retry %s`", what,
	    p->nokey_id[0], p->nokey_id[1], p->nokey_id[2], p->nokey_id[3],
	    p->nokey_n, seen, p->org_id);
	if (node_store_meta_put(n->store, key, val) != WN_OK ||
	    node_audit_append(n->store, "system", "alert.peer_stuck",
		p->org_id, d) != WN_OK)
		return WN_EDB;
	wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", d);
	unknown_flush(p); /* no more come: record their counts now */
	return WN_OK;
}

/* nokey_reply: the peer's signed receipt for transfer s cannot be
 * decrypted (read_reply: WN_ENOKEY), which counts against the oldest
 * message in it, as its refusal would (n->mtx held). */
static void
nokey_reply(struct node_slot *s, const char *why)
{
	struct node_peer *p = s->p;
	struct node *n = p->node;
	int64_t now = wn_now_ms();
	delivery_failed(p, why);
	if (s->n == 0 || !s->first || !nokey_counted(p, s->ids[0], WN_ENOKEY))
		return;
	if (node_store_begin(n->store) != WN_OK)
		return; /* counted still: the next try records it */
	if (stuck_record(p, now, why) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		node_store_rollback(n->store);
		return;
	}
	p->stuck = true;
	p->stuck_ms = now;
	p->stuck_code = WN_ENOKEY;
}

/* unknown_record audits how many times unknown code e was answered again
 * since its last record (n->mtx held). */
static void
unknown_record(struct node_peer *p, struct node_unknown_seen *e, int64_t mono)
{
	char d[200];
	if (e->more > 0) {
		if (e->code != 0)
			snprintf(d, sizeof(d), "%s refused %llu more messages "
			    "with code %u, which this version does not know, "
			    "not recorded one by one", p->org_id,
			    (unsigned long long)e->more, (unsigned)e->code);
		else
			snprintf(d, sizeof(d), "%s refused %llu more messages "
			    "with other codes this version does not know, not "
			    "recorded one by one", p->org_id,
			    (unsigned long long)e->more);
		peer_audit_log(p->node, "system", "peer.refusal_unknown_repeated",
		    p->org_id, d);
		wn_log(WN_LOG_WARN, "%s", d);
	}
	e->more = 0;
	e->mono = mono;
}

/* unknown_code: a refusal code this version does not know (a newer
 * receiver's). The message is kept; the alert is raised once per peer and
 * code (the first NODE_UNKNOWN_CODES codes; every one past them together,
 * once), and its repeats are counted and recorded hourly, so a peer that
 * answers many codes leaves a few records, not one a refusal (n->mtx
 * held). */
static void
unknown_code(struct node_peer *p, const struct proto_refusal *rf)
{
	struct node_unknown_seen *e = NULL;
	int64_t mono = wn_mono_ms();
	char d[400];
	for (size_t i = 0; i < NODE_UNKNOWN_CODES && e == NULL; i++)
		if (!p->unknown[i].used || p->unknown[i].code == rf->code)
			e = &p->unknown[i];
	if (e == NULL)
		e = &p->unknown[NODE_UNKNOWN_CODES];
	if (e->used) {
		e->more++;
		if (mono - e->mono >= 60 * peer_minute_ms)
			unknown_record(p, e, mono);
		return;
	}
	e->used = true;
	e->code = e == &p->unknown[NODE_UNKNOWN_CODES] ? 0 : rf->code;
	e->more = 0;
	e->mono = mono;
	snprintf(d, sizeof(d), "%s refused a message with code %u, which "
	    "this version does not know (\"%s\"): the message is kept and "
	    "sent again%s", p->org_id, (unsigned)rf->code, rf->reason,
	    e->code == 0 ? "; further codes it does not know are counted "
	    "together, not alerted one by one" : "");
	peer_audit_log(p->node, "system", "alert.refusal_unknown", p->org_id,
	    d);
	wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", d);
}

/* unknown_flush records the repeats of p's unknown codes not recorded
 * yet (when it gets stuck: no more come) (n->mtx held). */
static void
unknown_flush(struct node_peer *p)
{
	int64_t mono = wn_mono_ms();
	for (size_t i = 0; i <= NODE_UNKNOWN_CODES; i++)
		if (p->unknown[i].used)
			unknown_record(p, &p->unknown[i], mono);
}

/* handle_receipt applies a receipt (n->mtx held), one that names this
 * transfer (read_reply): accepted messages leave the outbox; refused ones
 * leave it too unless the sender keeps them (peer_refusal_kind: a
 * transient refusal, one of integrity or transport, one the peer cannot
 * decrypt, one of an unknown code); a message the receipt does not name
 * stays. NODE_NOKEY_CAP refusals in a row of one message the peer cannot
 * decrypt, or refuses with a code sending again does not fix, make the
 * peer stuck (alerted once).
 * One transaction, and a lazy one (not fsync'd) when everything was
 * accepted: the receiver has each message durably, and a deletion that a
 * power cut undoes only sends them again, which the receiver accepts as
 * retries and applies no second time (peer_seen()). A refusal is audited, so
 * that transaction is fsync'd. */
static void
handle_receipt(struct node_slot *s, const struct proto_receipt *rc)
{
	struct node_peer *p = s->p;
	struct node *n = p->node;

	if ((rc->nrefused == 0 ? node_store_begin_lazy(n->store)
			       : node_store_begin(n->store)) != WN_OK) {
		delivery_failed(p, "store busy");
		return;
	}
	sqlite3_stmt *del = peer_stmt(n, ST_OB_DEL,
	    "DELETE FROM outbox WHERE peer = ? AND seq = ?");
	size_t deferred = 0, ndone = 0, nanswered = 0;
	size_t done[NODE_BATCH];
	bool answered[NODE_BATCH] = {false};
	const char *waiting = NULL; /* the first deferral's reason */
	const char *stick = NULL;   /* the peer gets stuck: why */
	int64_t now = wn_now_ms();
	for (size_t i = 0; del != NULL && i < rc->naccepted + rc->nrefused;
	     i++) {
		bool acc = i < rc->naccepted;
		const uint8_t *id = acc ? rc->accepted[i]
					: rc->refused[i - rc->naccepted].id;
		int at = slot_find(s, id, i);
		if (at < 0 || answered[at])
			continue; /* not one we sent in this transfer */
		answered[at] = true;
		nanswered++;
		if (!acc) {
			const struct proto_refusal *rf =
			    &rc->refused[i - rc->naccepted];
			/* kept: a transient refusal, one of integrity or
			 * transport, one the peer cannot decrypt (counted),
			 * one of a code we do not know; deleted only on a
			 * final one (a refusal from applying) */
			enum peer_refusal_kind k = peer_refusal_kind(rf->code);
			if (k == PEER_UNKNOWN)
				unknown_code(p, rf);
			if (k != PEER_FINAL) {
				/* the window's oldest message only: one count
				 * a window */
				if (kept_capped(rf->code) && s->first &&
				    at == 0 && nokey_counted(p, id, rf->code))
					stick = rf->code == WN_ENOKEY
					    ? "the peer refused it as one it "
					      "cannot decrypt"
					    : "the peer refused it with a code "
					      "sending again does not fix";
				if (deferred++ == 0)
					waiting = rf->reason;
				continue;
			}
			peer_audit_log(n, "system", "peer.delivery_refused",
			    p->org_id, rf->reason);
		}
		sqlite3_bind_text(del, 1, p->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(del, 2, s->seq[at]);
		if (sqlite3_step(del) != SQLITE_DONE) {
			del = NULL;
			break;
		}
		sqlite3_reset(del);
		if (acc)
			done[ndone++] = (size_t)at;
		/* a head of ours reached this checker: from now on its
		 * answer that it holds none is no vouch (chain.c) */
		if (acc && s->head[at] && node_chain_delivered(n, p) != WN_OK) {
			del = NULL;
			break;
		}
	}
	/* a message the receipt does not name (refused without its id: it
	 * arrived altered) stays, and waits like a deferred one */
	if (nanswered < s->n && deferred++ == 0)
		waiting = "not answered by the peer: sent again";
	sqlite3_stmt *ok = del == NULL ? NULL : peer_stmt(n, ST_LAST_OK,
	    "UPDATE OR FAIL peers SET last_ok_ms = ? WHERE org_id = ?");
	if (ok != NULL) {
		sqlite3_bind_int64(ok, 1, wn_now_ms());
		sqlite3_bind_text(ok, 2, p->org_id, -1, SQLITE_STATIC);
	}
	/* messages that wait say why, in the receiver's words */
	char werr[300];
	if (waiting != NULL)
		snprintf(werr, sizeof(werr), "waiting: %s",
		    waiting[0] ? waiting : "deferred by the peer");
	if (ok == NULL || sqlite3_step(ok) != SQLITE_DONE ||
	    (waiting != NULL &&
		peer_exec_bind(n, "UPDATE peers SET last_err_ms = ?2, "
		    "last_err = ?3 WHERE org_id = ?1",
		    p->org_id, wn_now_ms(), werr, strlen(werr), 0) != WN_OK) ||
	    /* nothing waits any more: the reason it waited is past */
	    (waiting == NULL &&
		peer_exec_bind(n, "UPDATE peers SET last_err_ms = NULL, "
		    "last_err = NULL WHERE org_id = ?1 AND last_err LIKE "
		    "'waiting: %'",
		    p->org_id, 0, NULL, 0, 0) != WN_OK) ||
	    (stick != NULL && stuck_record(p, now, stick) != WN_OK) ||
	    node_store_commit(n->store) != WN_OK) {
		node_store_rollback(n->store);
		delivery_failed(p, "store error");
		return;
	}
	if (stick != NULL) {
		p->stuck = true;
		p->stuck_ms = now;
		p->stuck_code = p->nokey_code;
	}
	/* a commit went through: there is room for what waits */
	if (node_ctl_flush_held(n) != WN_OK)
		wn_log(WN_LOG_WARN, "held audit records still wait for room");
	/* something was delivered: the keys match, the count starts over */
	if (ndone > 0)
		p->nokey_n = 0;
	/* latency ends with the sender's commit of its outbox */
	for (size_t i = 0; i < ndone; i++)
		record_latency(n, s->created_us[done[i]]);
	if (deferred > 0) {
		/* the rest of the window waits behind these: start over */
		p->stalled = true;
		if (ndone == 0) {
			/* nothing moved: do not spin on a peer that is behind */
			p->attempts++;
			p->next_try_ms = wn_mono_ms() + backoff_ms(p->attempts);
		}
	} else if (!p->stalled) {
		/* (a transfer of this window that failed keeps its backoff,
		 * whatever order the replies come back in) */
		p->attempts = 0;
		p->next_try_ms = 0;
	}
}

/* A transfer's message is ours until a send completes (then REQ holds it)
 * or we free it; tx_msgs counts those that are ours, and node_peer_stop
 * checks that none is left. nng 1.5.2 itself loses a request that REQ
 * hands to a connection closing at that moment (its TLS transport drops
 * a message whose send aio is already closed; later versions free it):
 * LeakSanitizer would report that one as ours, so its allocation site,
 * tx_msg_new, is suppressed in the tests (tests/lsan.supp) and this count
 * keeps our own part honest. */
static __attribute__((noinline)) nng_msg *
tx_msg_new(struct node *n, const void *buf, size_t len)
{
	nng_msg *msg;
	if (nng_msg_alloc(&msg, 0) != 0)
		return NULL;
	if (nng_msg_append(msg, buf, len) != 0) {
		nng_msg_free(msg);
		return NULL;
	}
	atomic_fetch_add(&n->ex->tx_msgs, 1);
	return msg;
}

/* tx_msg_free frees a message of ours (NULL: none); tx_msg_taken: REQ
 * took one (its send completed) */
static void
tx_msg_free(struct node *n, nng_msg *msg)
{
	if (msg == NULL)
		return;
	nng_msg_free(msg);
	atomic_fetch_sub(&n->ex->tx_msgs, 1);
}

static void
tx_msg_taken(struct node *n)
{
	atomic_fetch_sub(&n->ex->tx_msgs, 1);
}

/* hs_done: the reply to a session opening came (rv 0), or the request
 * failed. The accept makes p's session and the delivery goes on; a
 * refusal counts as the refusal of the oldest message waiting would
 * (17: the keys do not match, towards stuck), anything else backs off. */
static void
hs_done(struct node_slot *s, int rv)
{
	struct node_peer *p = s->p;
	struct node *n = p->node;
	nng_msg *msg = rv == 0 ? nng_aio_get_msg(s->aio) : NULL;
	uint32_t code = 0;
	char why[200];
	wn_err rc;

	pthread_mutex_lock(&n->mtx);
	if (rv != 0)
		rc = WN_ETRANSPORT, snprintf(why, sizeof(why), "%s",
		    rv == NNG_ECANCELED ? "connection lost" : nng_strerror(rv));
	else if (atomic_load(&p->drops) != s->drops)
		rc = WN_ETRANSPORT, snprintf(why, sizeof(why),
		    "connection lost");
	else {
		peer_wire_capture(nng_msg_body(msg), nng_msg_len(msg));
		rc = peer_session_take(n, p, nng_msg_body(msg),
		    nng_msg_len(msg), &code, why, sizeof(why));
	}
	nng_msg_free(msg);
	peer_session_hs_release(p);
	if (rc == WN_OK) {
		wn_log(WN_LOG_DEBUG, "session with %s opened", p->org_id);
	} else if (code == WN_ENOKEY) {
		nokey_reply(s, why);
	} else {
		delivery_failed(p, why);
	}
	slot_free(s);
	pthread_mutex_unlock(&n->mtx);
}

static void
slot_aio_cb(void *arg)
{
	struct node_slot *s = arg;
	struct node_peer *p = s->p;
	struct node *n = p->node;
	int rv = nng_aio_result(s->aio);
	struct proto_receipt *rc = NULL;
	char why[200];
	wn_err rrc = WN_OK;
	bool other = false;
	int64_t peer_ts = 0;

	if (s->sending) {
		s->sending = false;
		if (rv == 0) {
			/* a connection lost between the end of the send and
			 * this receive found nothing to cancel: REQ would send
			 * these bytes again on the next one. Under the lock:
			 * the receive can complete on another thread at once,
			 * and the slot is not freed and reused until then. */
			pthread_mutex_lock(&n->mtx);
			nng_aio_set_timeout(s->aio, (nng_duration)peer_send_timeout_ms);
			nng_ctx_recv(s->ctx, s->aio);
			if (atomic_load(&p->drops) != s->drops)
				nng_aio_cancel(s->aio);
			pthread_mutex_unlock(&n->mtx);
			tx_msg_taken(n);
			return;
		}
		tx_msg_free(n, nng_aio_get_msg(s->aio));
	}
	if (s->hs) {
		hs_done(s, rv);
		return;
	}
	if (rv == 0) {
		nng_msg *msg = nng_aio_get_msg(s->aio);
		if (atomic_load(&p->drops) != s->drops) {
			/* the request may have gone out again on the new
			 * connection, and this be the answer to that copy */
			rrc = WN_ETRANSPORT;
			snprintf(why, sizeof(why), "connection lost");
		} else if ((rc = calloc(1, sizeof(*rc))) == NULL) {
			rrc = WN_ENOMEM;
			snprintf(why, sizeof(why), "out of memory");
		} else {
			peer_wire_capture(nng_msg_body(msg), nng_msg_len(msg));
			rrc = read_reply(s, msg, rc, &other, &peer_ts, why,
			    sizeof(why));
		}
		nng_msg_free(msg);
	}
	pthread_mutex_lock(&n->mtx);
	if (peer_ts != 0) {
		p->skew_ms = peer_ts - wn_now_ms();
		p->skew_known = true;
	}
	if (other)
		n->ex->receipts_other++;
	if (rv != 0)
		delivery_failed(p, rv == NNG_ECANCELED ? "connection lost"
						       : nng_strerror(rv));
	else if (rrc == WN_ENOKEY)
		nokey_reply(s, why);
	else if (rrc == WN_ESESSION) {
		/* open a new session, and seal these again under it */
		peer_session_drop(n, p, s->sess);
		delivery_failed(p, why);
	} else if (rrc != WN_OK)
		delivery_failed(p, why);
	else
		handle_receipt(s, rc);
	free(rc);
	slot_free(s);
	pthread_mutex_unlock(&n->mtx);
}

/* pipe_gone: the connection to the peer dropped. nng's REQ would send
 * the transfers in flight again, byte for byte, on the next connection,
 * and the receiver would refuse those it had applied as replays. They are
 * abandoned instead: the window starts over and seals its messages
 * afresh. Takes no lock (nng_close waits for this callback). */
static void
pipe_gone(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct node_peer *p = arg;
	(void)pipe;
	(void)ev;
	atomic_fetch_add(&p->drops, 1);
	for (size_t i = 0; i < NODE_WINDOW; i++)
		if (p->slot[i].aio != NULL)
			nng_aio_cancel(p->slot[i].aio);
}

static wn_err
peer_open(struct node_peer *p)
{
	int rv;
	if (p->open)
		return WN_OK;
	if ((rv = nng_req0_open(&p->req)) != 0)
		return WN_ETRANSPORT;
	p->open = true;
	if ((rv = nng_socket_set_size(p->req, NNG_OPT_RECVMAXSZ,
		 PROTO_FRAME_MAX)) != 0 ||
	    (rv = nng_socket_set_ms(p->req, NNG_OPT_REQ_RESENDTIME,
		 NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_socket_set_ms(p->req, NNG_OPT_RECONNMINT, 100)) != 0 ||
	    (rv = nng_socket_set_ms(p->req, NNG_OPT_RECONNMAXT, 5000)) != 0)
		goto fail;
	for (size_t i = 0; i < NODE_WINDOW; i++) {
		struct node_slot *s = &p->slot[i];
		s->p = p;
		if (s->body == NULL &&
		    (s->body = malloc(REPLY_BODY_MAX)) == NULL) {
			rv = NNG_ENOMEM;
			goto fail;
		}
		if ((rv = nng_ctx_open(&s->ctx, p->req)) != 0 ||
		    (s->aio == NULL &&
			(rv = nng_aio_alloc(&s->aio, slot_aio_cb, s)) != 0))
			goto fail;
	}
	if ((rv = nng_pipe_notify(p->req, NNG_PIPE_EV_REM_POST, pipe_gone,
		 p)) != 0 ||
	    (rv = node_dial(p->node, p->req, p->endpoint, p->org_id,
		 NNG_FLAG_NONBLOCK)) != 0)
		goto fail;
	return WN_OK;
fail:
	wn_log(WN_LOG_WARN, "peer %s (%s): %s", p->org_id, p->endpoint,
	    nng_strerror(rv));
	peer_close(p);
	return WN_ETRANSPORT;
}

/* start_hs sends a session opening to p on slot s, which the reply
 * frees (hs_done); first: the oldest message waiting, which a refusal
 * counts against. False if nothing went out (n->mtx held). */
static bool
start_hs(struct node *n, struct node_peer *p, struct node_slot *s,
    const uint8_t first[16])
{
	struct proto_writer tw = {0};
	nng_msg *msg = NULL;
	wn_err rc;

	if (p->hs != NULL)
		return false; /* one in flight already */
	if (peer_open(p) != WN_OK) {
		delivery_failed(p, "cannot reach the peer");
		return false;
	}
	if ((rc = proto_writer_init_dynamic(&tw, 1024, PROTO_FRAME_MAX)) !=
		WN_OK ||
	    (rc = peer_session_open_transfer(n, p, &tw)) != WN_OK ||
	    (msg = tx_msg_new(n, tw.buf, tw.len)) == NULL) {
		peer_session_hs_release(p);
		proto_writer_release(&tw);
		delivery_failed(p, "cannot open a session");
		return false;
	}
	peer_wire_capture(tw.buf, tw.len);
	proto_writer_release(&tw);
	s->busy = true;
	s->hs = true;
	s->n = 1; /* ids[0] only: what a refusal counts against */
	s->first = true;
	memcpy(s->ids[0], first, 16);
	p->inflight++;
	slot_send(s, p, msg);
	return true;
}

/* One message taken from the outbox to be sealed. */
struct outgoing {
	struct proto_env_header h;
	size_t off, len; /* its body in the batch's body buffer */
};

/* send_batch starts one transfer to p on a free slot with the messages
 * after those already in flight; false if there was nothing to send or
 * it failed. Called with n->mtx held; it lets go of the lock while it
 * seals and signs, so receipts and control requests are not kept
 * waiting. */
static bool
send_batch(struct node *n, struct node_peer *p)
{
	sqlite3_stmt *st;
	struct proto_writer tw = {0}, ew = {0}, mw;
	struct proto_transfer t = {0};
	struct proto_manifest *man = calloc(1, sizeof(*man));
	struct outgoing *og = calloc(NODE_BATCH, sizeof(*og));
	/* the delivery thread's own buffers: 4 MiB each, kept (a fresh
	 * mapping per transfer costs page faults and an munmap each time) */
	uint8_t *envs = n->ex->tx_envs, *bodies = n->ex->tx_bodies;
	uint8_t mbuf[4096];
	size_t used = 0, bused = 0, wused = 0, count = 0;
	nng_msg *msg = NULL;
	bool unlocked = false, sent = false;
	struct node_slot *s = NULL;

	for (size_t i = 0; i < NODE_WINDOW && s == NULL; i++)
		if (!p->slot[i].busy)
			s = &p->slot[i];
	if (s == NULL || man == NULL || og == NULL || envs == NULL ||
	    bodies == NULL ||
	    (st = peer_stmt(n, ST_OB_NEXT,
		 "SELECT msg_id, seq, type, body, trace, created_us, mv FROM "
		 "outbox WHERE peer = ? AND seq > ? ORDER BY seq LIMIT 64")) ==
		NULL)
		goto out;
	if (p->inflight == 0)
		p->sent_hi = 0;
	sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->sent_hi);
	/* bodies at most half the frame: a padded bucket is under twice its
	 * body, so the sealed transfer fits */
	while (count < NODE_BATCH && sqlite3_step(st) == SQLITE_ROW) {
		struct outgoing *o = &og[count];
		size_t blen = (size_t)sqlite3_column_bytes(st, 3);
		/* what it will weigh sealed: its padded bucket, the box and
		 * the envelope's header */
		size_t sealed = sec_pad_bucket(blen) + SEC_BOX_OVERHEAD + 512;
		if (count > 0 && wused + sealed > PROTO_FRAME_MAX - 8192)
			break;
		wused += sealed;
		o->h.version = PROTO_VERSION;
		o->h.type = (uint32_t)sqlite3_column_int64(st, 2);
		wn_strlcpy(o->h.from, n->cfg.org_id, sizeof(o->h.from));
		wn_strlcpy(o->h.to, p->org_id, sizeof(o->h.to));
		memcpy(o->h.id, sqlite3_column_blob(st, 0), 16);
		o->h.seq = (uint64_t)sqlite3_column_int64(st, 1);
		/* the matrix version it was made under (queued) */
		o->h.mv = (uint64_t)sqlite3_column_int64(st, 6);
		wn_strlcpy(o->h.tp, (const char *)sqlite3_column_text(st, 4),
		    sizeof(o->h.tp));
		memcpy(bodies + bused, sqlite3_column_blob(st, 3), blen);
		o->off = bused;
		o->len = blen;
		bused += blen;
		memcpy(s->ids[count], o->h.id, 16);
		s->seq[count] = (int64_t)o->h.seq;
		s->head[count] = o->h.type == PROTO_MSG_CHAIN_HEAD;
		s->created_us[count] = sqlite3_column_int64(st, 5);
		count++;
	}
	sqlite3_reset(st); /* an open read would pin the WAL */
	if (count == 0)
		goto out;
	if (!peer_session_ready(p)) {
		/* a session first; the window waits for it (the slot it
		 * takes is in flight, and send_batch runs again when it is
		 * back). Transfers in flight keep the session they hold. */
		(void)start_hs(n, p, s, og[0].h.id);
		goto out;
	}
	/* the slot is ours: the window moves on before the lock is let go */
	s->busy = true;
	s->n = count;
	s->first = p->inflight == 0;
	s->sess = peer_session_hold(n, p->sess);
	p->inflight++;
	man->after = p->inflight > 1 ? (uint64_t)p->sent_hi : 0;
	p->sent_hi = s->seq[count - 1];
	pthread_mutex_unlock(&n->mtx);
	unlocked = true;

	if (proto_writer_init_dynamic(&tw, 64 << 10, PROTO_FRAME_MAX) !=
		WN_OK ||
	    proto_writer_init_dynamic(&ew, 4096, PROTO_ENVELOPE_MAX) != WN_OK)
		goto fail;
	int64_t now = wn_now_ms();
	for (size_t i = 0; i < count; i++) {
		og[i].h.ts_ms = now;
		og[i].h.has_sid = true;
		memcpy(og[i].h.sid, peer_session_keys(s->sess)->sid,
		    PROTO_SID_LEN);
		proto_writer_reset(&ew);
		/* no signer: the manifest below signs the whole batch */
		if (proto_envelope_seal(&og[i].h, bodies + og[i].off, og[i].len,
			peer_session_keys(s->sess)->i2r, NULL, NULL, &ew) !=
			WN_OK ||
		    used + ew.len > PROTO_FRAME_MAX - 4096)
			goto fail;
		memcpy(envs + used, ew.buf, ew.len);
		t.env[t.n] = envs + used;
		t.env_len[t.n++] = ew.len;
		used += ew.len;
		proto_envelope_hash(ew.buf, ew.len, man->hash[i]);
	}
	man->n = count;
	wn_strlcpy(man->from, n->cfg.org_id, sizeof(man->from));
	wn_strlcpy(man->to, p->org_id, sizeof(man->to));
	man->ts_ms = now;
	proto_writer_init(&mw, mbuf, sizeof(mbuf));
	if (proto_manifest_sign(man, node_sign, n->id, &mw) != WN_OK)
		goto fail;
	t.manifest = mw.buf;
	t.manifest_len = mw.len;
	if (proto_transfer_encode(&t, &tw) != WN_OK)
		goto fail;
	/* its receipt must name this very transfer */
	proto_transfer_hash(mw.buf, mw.len, tw.buf, tw.len, s->thash);
	peer_wire_capture(tw.buf, tw.len);
	if ((msg = tx_msg_new(n, tw.buf, tw.len)) == NULL)
		goto fail;
	pthread_mutex_lock(&n->mtx);
	unlocked = false;
	if (n->ex->stopping || p->gone || p->stalled || peer_open(p) != WN_OK) {
		/* a stalled window sends nothing more: this one would only be
		 * deferred */
		if (!n->ex->stopping && !p->gone && !p->stalled)
			delivery_failed(p, "cannot reach the peer");
		tx_msg_free(n, msg);
		slot_free(s);
		goto out;
	}
	slot_send(s, p, msg);
	sent = true;
	goto out;
fail:
	tx_msg_free(n, msg);
	if (unlocked) {
		pthread_mutex_lock(&n->mtx);
		unlocked = false;
	}
	delivery_failed(p, "cannot seal a transfer");
	slot_free(s);
out:
	if (unlocked)
		pthread_mutex_lock(&n->mtx);
	sec_wipe(bodies ? bodies : envs, bodies ? bused : 0);
	free(og);
	free(man);
	proto_writer_release(&tw);
	proto_writer_release(&ew);
	return sent;
}

/* peer_push_heads queues our chain head for our checkers when it moved and
 * HEAD_PERIOD_MS passed (or force). */
void
peer_push_heads(struct node *n, bool force)
{
	struct node_audit_head ah;
	int64_t now = wn_mono_ms();
	if (!force && n->ex->head_sent_ms != 0 &&
	    now - n->ex->head_sent_ms < peer_head_period_ms)
		return;
	if (node_audit_head(n->store, &ah) != WN_OK ||
	    (!force && ah.seq == n->ex->head_sent_seq))
		return;
	n->ex->head_sent_ms = now;
	if (node_store_begin(n->store) != WN_OK)
		return;
	if (node_chain_push_heads(n) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		node_store_rollback(n->store);
		wn_log(WN_LOG_WARN, "cannot queue our chain head");
	}
}

/* how often held_log counts the outbox at most: a count reads the whole
 * outbox under n->mtx, and it grows for as long as the node is
 * receive-only */
#define HELD_COUNT_MS 10000

/* held_log: while receive-only, says how many messages wait in the outbox
 * when that number changed, looking every HELD_COUNT_MS (so an operator,
 * and a test, can see a message held, not merely slow; the receive-only
 * loop wakes every second). n->mtx held. */
static void
held_log(struct node *n)
{
	sqlite3_stmt *st = NULL;
	int64_t count = -1, now = wn_mono_ms();
	if (n->ex->held_counted_ms != 0 &&
	    now - n->ex->held_counted_ms < HELD_COUNT_MS)
		return;
	n->ex->held_counted_ms = now;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT count(*) FROM outbox", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (count < 0 || count == n->ex->held_logged)
		return;
	n->ex->held_logged = count;
	wn_log(WN_LOG_INFO, "receive-only: %lld message%s wait%s in the "
	    "outbox until a checker answers", (long long)count,
	    count == 1 ? "" : "s", count == 1 ? "s" : "");
}

void *
peer_delivery_main(void *arg)
{
	struct node *n = arg;
	bool first = true;
	pthread_mutex_lock(&n->mtx);
	if (peer_delivery_late_ms > 0) {
		struct timespec ts = wn_deadline(wn_mono_ms() +
		    peer_delivery_late_ms);
		while (!n->ex->stopping &&
		    pthread_cond_timedwait(&n->ex->wake, &n->mtx, &ts) == 0)
			;
	}
	while (!n->ex->stopping) {
		int64_t now = wn_mono_ms(), wake = now + 1000;
		peer_refusals_flush(n, false);
		peer_sessions_expire(n, NULL); /* the ones peers opened */
		peer_tls_refusals(n);
		/* receive-only (no checker answered at start): nothing goes
		 * out, not even our chain head, until one does */
		if (n->ex->receive_only) {
			node_chain_recheck(n, &wake);
			if (n->ex->receive_only) {
				held_log(n);
				struct timespec ts = wn_deadline(wake);
				pthread_cond_timedwait(&n->ex->wake, &n->mtx,
				    &ts);
				continue;
			}
			now = wn_mono_ms();
		} else if (n->ex->chain_pending > 0) {
			/* serving, with checkers that have not vouched since
			 * the start: one of them is asked when its turn came */
			node_chain_recheck(n, &wake);
			if (n->ex->receive_only)
				continue; /* it found a rollback: stopping */
			now = wn_mono_ms();
		}
		peer_push_heads(n, false);
		for (size_t i = 0; i < n->ex->npeers; i++) {
			struct node_peer *p = n->ex->peers[i];
			if (p->gone && p->inflight == 0)
				peer_close(p);
			/* stuck: nothing more until `peer retry` (or new keys) */
			if (p->gone || p->stalled || p->stuck)
				continue;
			if (p->next_try_ms > now) {
				if (p->next_try_ms < wake)
					wake = p->next_try_ms;
				continue;
			}
			while (p->inflight < NODE_WINDOW && !p->stalled &&
			    !p->gone && !n->ex->stopping && send_batch(n, p))
				;
		}
		/* the sessions we opened: each at most peer_session_renew_ms
		 * old, also with nothing to send (after the sends, so that a
		 * session just opened serves its transfer first) */
		now = wn_mono_ms();
		for (size_t i = 0; i < n->ex->npeers; i++)
			peer_session_retire(n, n->ex->peers[i], now);
		if (first && peer_delivery_late_ms > 0)
			wn_log(WN_LOG_INFO, "the delivery thread's first round, "
					    "%lld ms late (a test's hook), is done",
			    (long long)peer_delivery_late_ms);
		first = false;
		struct timespec ts = wn_deadline(wake);
		pthread_cond_timedwait(&n->ex->wake, &n->mtx, &ts);
	}
	pthread_mutex_unlock(&n->mtx);
	return NULL;
}
