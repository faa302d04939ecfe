/*
 * peer.c - talking to other nodes: the peer table, the durable outbox,
 * and the start and stop of the peer side (the applier and delivery
 * threads, the peer socket).
 *
 * Receiving: phase A, the checks of a transfer on the nng thread without
 * the node lock, is in receive.c; then the applier (apply.c) applies what
 * passed and answers with a receipt. Sending: the outbox here keeps each
 * message's body with its per-peer sequence number until the delivery
 * thread (deliver.c) has it accepted. What these files share, prefixed
 * peer_, is in peer_int.h.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/peer_int.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/protocol/reqrep0/rep.h>
#include <sqlcipher/sqlite3.h>

#include "protocol/envelope.h"
#include "protocol/manifest.h"

/* a little above the frame limit, so a slightly oversized transfer reaches
 * the decoder and is refused and audited; anything larger nng drops */
#define NODE_PEER_RECV_MAX (PROTO_FRAME_MAX + (64u << 10))
#define HEAD_PERIOD_MS (60 * 1000)
#define STOP_FLUSH_MS 3000
#define RX_WAIT_MS 2000
#define RATE_MINUTE_MS 60000
#define SEND_TIMEOUT_MS 15000

/* Deadlines a test may lengthen on a machine too busy for them (see
 * node_test_ms, node/core/core.c; only in the tests' daemon, built with
 * WN_TEST_HOOKS: the installed one keeps the defaults), read once when the
 * peer side starts:
 *   WIJKNET_TEST_RX_WAIT_MS     how long a transfer waits for the one it
 *                               follows (RX_WAIT_MS)
 *   WIJKNET_TEST_STOP_FLUSH_MS  how long a stopping node tries to deliver
 *                               its chain head (STOP_FLUSH_MS)
 *   WIJKNET_TEST_MINUTE_MS      the "minute" of the audit rate limits
 *                               (RATE_MINUTE_MS)
 *   WIJKNET_TEST_HEAD_PERIOD_MS how often a running node sends its chain
 *                               head (HEAD_PERIOD_MS): a test that must
 *                               see the head sent at start and no other
 *   WIJKNET_TEST_DELIVERY_LATE_MS how long the delivery thread waits
 *                               before its first round, as a thread the
 *                               scheduler starts late on a busy machine
 *                               would (0)
 *   WIJKNET_TEST_SEND_TIMEOUT_MS how long a transfer waits for its reply
 *                               (SEND_TIMEOUT_MS): a reply that comes
 *                               later is never read
 *   WIJKNET_TEST_RX_DATA_MAX    test messages (DATA) this node keeps from
 *                               one peer before it defers the rest (0: no
 *                               limit): a test that kills a receiver
 *                               "mid-delivery" holds it there, however
 *                               fast the delivery runs
 *   WIJKNET_TEST_RECEIPT_AHEAD_MS  the time this node writes into the
 *                               receipts it signs runs that far ahead
 *                               (a peer whose clock is off, for doctor)
 * and in chain.c WIJKNET_TEST_QUERY_TIMEOUT_MS (QUERY_TIMEOUT_MS), in
 * session.c the sessions' lifetimes (WIJKNET_TEST_SESSION_*); and
 * WIJKNET_TEST_BODY_CAPTURE, a file the opened body of every message
 * received that reaches the applier is appended to (peer_body_capture). */
int64_t peer_rx_wait_ms = RX_WAIT_MS, peer_minute_ms = RATE_MINUTE_MS,
	peer_head_period_ms = HEAD_PERIOD_MS, peer_delivery_late_ms,
	peer_send_timeout_ms = SEND_TIMEOUT_MS, peer_rx_data_max,
	peer_receipt_ahead_ms;
static int64_t stop_flush_ms = STOP_FLUSH_MS;

int64_t
peer_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
peer_audit_log(struct node *n, const char *user, const char *action,
    const char *object, const char *detail)
{
	if (node_audit_append(n->store, user, action, object, detail) != WN_OK)
		wn_log(WN_LOG_ERROR, "audit append failed: %s",
		    node_store_errmsg(n->store));
}

/* capture_append appends buf to the file at path, made private to the node
 * (mode 0600, whatever the umask, also when it existed): a capture is what
 * a stolen key would open later. what names the capture in warnings. */
static void
capture_append(const char *path, const char *what, const void *buf,
    size_t len)
{
	static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
	FILE *f = NULL;
	int fd;
	if (path == NULL || *path == '\0')
		return;
	pthread_mutex_lock(&mtx);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd >= 0 && (fchmod(fd, 0600) != 0 ||
			   (f = fdopen(fd, "ab")) == NULL)) {
		wn_log(WN_LOG_WARN, "%s: cannot make it private", what);
		close(fd);
	}
	if (f != NULL) {
		if (fwrite(buf, 1, len, f) != len)
			wn_log(WN_LOG_WARN, "%s: short write", what);
		fclose(f);
	}
	pthread_mutex_unlock(&mtx);
}

/* peer_wire_capture appends raw bytes that crossed the peer socket to the file
 * named by $WIJKNET_WIRE_CAPTURE (a debugging and test aid, like a packet
 * capture: the transfers sent and received and the replies received, as
 * they crossed the wire; never a session's key, which stays in memory). */
void
peer_wire_capture(const void *buf, size_t len)
{
	capture_append(getenv("WIJKNET_WIRE_CAPTURE"), "wire capture", buf,
	    len);
}

/* peer_body_capture appends the opened body of every message received that
 * reaches the applier (not receipts, session handshakes or chain head
 * answers, which are opened elsewhere) to the file named by
 * $WIJKNET_TEST_BODY_CAPTURE: in the tests' daemon only (node_test_env),
 * so that a test can search every byte a node received in the clear for
 * what must never reach it (a subject's identifier at the director:
 * tests/integration/test_case_tokens.sh); the wire capture holds it only
 * sealed. Private to the node, as the wire capture. */
void
peer_body_capture(const void *buf, size_t len)
{
	capture_append(node_test_env("WIJKNET_TEST_BODY_CAPTURE"),
	    "body capture", buf, len);
}

/* ---- the peer table ---------------------------------------------------- */

static void
peer_free(struct node_peer *p)
{
	if (p == NULL)
		return;
	if (p->node != NULL && p->node->ex != NULL &&
	    p->node->ex->sess != NULL) {
		peer_session_drop(p->node, p, NULL);
		for (size_t i = 0; i < NODE_WINDOW; i++) {
			peer_session_put(p->node, p->slot[i].sess);
			p->slot[i].sess = NULL;
		}
	}
	peer_session_hs_release(p);
	sec_peer_key_free(p->key);
	sec_peer_key_free(p->prev_key);
	sec_peer_key_free(p->next_key);
	free(p);
}

struct node_peer *
node_peer_find(struct node *n, const char *org_id)
{
	for (size_t i = 0; i < n->ex->npeers; i++)
		if (strcmp(n->ex->peers[i]->org_id, org_id) == 0)
			return n->ex->peers[i];
	return NULL;
}

struct node_peer *
node_peer_next(struct node *n, size_t *i)
{
	while (*i < n->ex->npeers) {
		struct node_peer *p = n->ex->peers[(*i)++];
		if (!p->gone)
			return p;
	}
	return NULL;
}

void
peer_close(struct node_peer *p)
{
	if (p->open) {
		(void)node_socket_close(p->req, "connection to a partner");
		p->open = false;
	}
}

/* stuck_load reads whether p is stuck (deliver.c): the store says so
 * under the keys p has now; under others (new keys) it is not. */
static void
stuck_load(struct node *n, struct node_peer *p)
{
	char key[96], val[96], hex[65];
	uint64_t ms = 0, code = WN_ENOKEY;
	snprintf(key, sizeof(key), "peer_stuck:%s", p->org_id);
	sec_hex(hex, sizeof(hex), p->kx_pk, sizeof(p->kx_pk));
	/* "KX MS" or "KX MS CODE" (the code that made it stuck; 17 when
	 * left out, as older versions wrote it) */
	char *sp = NULL;
	p->stuck = node_store_meta_get(n->store, key, val, sizeof(val)) &&
	    strncmp(val, hex, 64) == 0 && val[64] == ' ';
	if (p->stuck && (sp = strchr(val + 65, ' ')) != NULL) {
		*sp = '\0';
		p->stuck = wn_parse_u64(sp + 1, 255, &code);
	}
	p->stuck = p->stuck && wn_parse_u64(val + 65, INT64_MAX, &ms);
	p->stuck_ms = p->stuck ? (int64_t)ms : 0;
	p->stuck_code = p->stuck ? (uint32_t)code : 0;
}

/* left_out records that the peer id is left out of the table (its keys
 * cannot be used: why), and raises the alert unless the load before left
 * it out too (was, nwas) (n->mtx held). */
static void
left_out(struct node *n, const char *id, const char *why,
    char (*was)[64], size_t nwas, size_t *nleft)
{
	struct node_exchange *ex = n->ex;
	char d[300];
	bool again = false;
	for (size_t i = 0; i < nwas; i++)
		again |= strcmp(was[i], id) == 0;
	if (*nleft < WN_ARRAY_LEN(ex->left_out))
		wn_strlcpy(ex->left_out[(*nleft)++], id, sizeof(ex->left_out[0]));
	if (again)
		return;
	snprintf(d, sizeof(d), "peer '%s' left out: its keys cannot be used "
	    "(%s); enrol it again with a new bundle", id, why);
	peer_audit_log(n, "system", "alert.peer_key_refused", id, d);
	wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", d);
}

/* node_peers_load rebuilds the table from the store. Peers that stay keep
 * their delivery state; a peer that is gone is closed once its transfer in
 * flight (if any) has ended. */
wn_err
node_peers_load(struct node *n)
{
	struct node_exchange *ex = n->ex;
	sqlite3_stmt *st = NULL;
	struct node_peer *fresh[NODE_MAX_PEERS];
	size_t nf = 0, nleft = 0;
	wn_err rc = WN_EDB;
	/* who the last load left out (alerted then) */
	char was[WN_ARRAY_LEN(ex->left_out)][64];
	size_t nwas = ex->nleft_out;
	memcpy(was, ex->left_out, sizeof(was));

	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT org_id, name, role, endpoint, sign_pk, kx_pk, directs, "
		"prev_sign_pk, prev_kx_pk, ifnull(prev_until_ms, 0) "
		"FROM peers ORDER BY org_id",
		-1, &st, NULL) != SQLITE_OK)
		return WN_EDB;
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW && nf < NODE_MAX_PEERS) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		struct node_peer *old = node_peer_find(n, id), *p;
		if (sqlite3_column_bytes(st, 4) != 32 ||
		    sqlite3_column_bytes(st, 5) != 32) {
			rc = WN_ECORRUPT;
			goto out;
		}
		bool prev = sqlite3_column_bytes(st, 7) == 32 &&
		    sqlite3_column_bytes(st, 8) == 32 &&
		    sqlite3_column_int64(st, 9) > wn_now_ms();
		if (old != NULL && !ex->rekey_all &&
		    memcmp(old->sign_pk, sqlite3_column_blob(st, 4), 32) == 0 &&
		    memcmp(old->kx_pk, sqlite3_column_blob(st, 5), 32) == 0) {
			p = old;
			old->gone = false;
			/* its rotation completed (or ran out) in the store */
			if (!prev && old->has_prev) {
				atomic_store(&old->prev_done, true);
				old->prev_stored = true;
			}
		} else {
			if ((p = calloc(1, sizeof(*p))) == NULL) {
				rc = WN_ENOMEM;
				goto out;
			}
			p->node = n;
			p->key_ms = wn_now_ms();
			memcpy(p->sign_pk, sqlite3_column_blob(st, 4), 32);
			memcpy(p->kx_pk, sqlite3_column_blob(st, 5), 32);
			struct sec_public pub;
			memcpy(pub.sign_pk, p->sign_pk, 32);
			memcpy(pub.kx_pk, p->kx_pk, 32);
			const char *bad = sec_public_check(&pub);
			if (bad != NULL ||
			    sec_peer_key_new(n->id, p->kx_pk, &p->key) != WN_OK) {
				/* stored before keys were checked (an older
				 * version, a damaged store): this node still
				 * starts, without that peer, and says so */
				left_out(n, id, bad ? bad : "no key can be "
				    "agreed with it", was, nwas, &nleft);
				sec_peer_key_free(p->key);
				free(p);
				if (old != NULL)
					old->gone = true;
				continue;
			}
			/* a rotation under way: its old keys (rotate.c) */
			if (prev) {
				memcpy(p->prev_sign_pk, sqlite3_column_blob(st, 7),
				    32);
				memcpy(p->prev_kx_pk, sqlite3_column_blob(st, 8),
				    32);
				p->prev_until_ms = sqlite3_column_int64(st, 9);
				p->has_prev = sec_peer_key_new(n->id,
				    p->prev_kx_pk, &p->prev_key) == WN_OK;
			}
			if (n->next_id != NULL &&
			    sec_peer_key_new(n->next_id, p->kx_pk, &p->next_key)
				!= WN_OK)
				p->next_key = NULL;
			if (old != NULL) {
				old->gone = true;
				/* sessions it opened under its old keys end, and
				 * the one we opened with it */
				peer_sessions_expire(n, id);
				peer_session_retire(n, old, wn_mono_ms());
			}
		}
		wn_strlcpy(p->org_id, id, sizeof(p->org_id));
		wn_strlcpy(p->name, (const char *)sqlite3_column_text(st, 1),
		    sizeof(p->name));
		wn_strlcpy(p->role, (const char *)sqlite3_column_text(st, 2),
		    sizeof(p->role));
		wn_strlcpy(p->endpoint, (const char *)sqlite3_column_text(st, 3),
		    sizeof(p->endpoint));
		p->directs = sqlite3_column_int(st, 6) != 0;
		stuck_load(n, p);
		fresh[nf++] = p;
	}
	if (r != SQLITE_DONE && r != SQLITE_ROW)
		goto out;
	/* old entries not carried over: close them (their aio callbacks
	 * check `gone`); they are freed at shutdown */
	for (size_t i = 0; i < ex->npeers; i++) {
		bool kept = false;
		for (size_t j = 0; j < nf; j++)
			kept |= fresh[j] == ex->peers[i];
		if (!kept) {
			ex->peers[i]->gone = true;
			peer_session_retire(n, ex->peers[i], wn_mono_ms());
			if (ex->peers[i]->inflight == 0)
				peer_close(ex->peers[i]);
			/* keep it reachable for the callback and shutdown */
			if (nf < NODE_MAX_PEERS)
				fresh[nf++] = ex->peers[i];
		}
	}
	memcpy(ex->peers, fresh, nf * sizeof(fresh[0]));
	ex->npeers = nf;
	ex->rekey_all = false;
	ex->nleft_out = nleft;
	node_tls_set_peers(n); /* who may pass the TLS listener */
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

/* peer_stmt returns a cached, reset prepared statement (n->mtx held). */
sqlite3_stmt *
peer_stmt(struct node *n, int id, const char *sql)
{
	return node_store_stmt(n->store, (enum node_store_slot)id, sql);
}

wn_err
node_outbox_push(struct node *n, struct node_peer *p, uint32_t type,
    const void *body, size_t len)
{
	return node_outbox_push_traced(n, p, type, body, len, "");
}

wn_err
node_outbox_reserve(struct node *n, struct node_peer *p, uint64_t count,
    int64_t *first)
{
	sqlite3_stmt *st;
	int64_t seq;
	if ((st = peer_stmt(n, ST_OB_SEQ,
		 "SELECT next_seq FROM peers WHERE org_id = ?")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return WN_EDB;
	seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st); /* an open read would pin the WAL */
	if ((st = peer_stmt(n, ST_OB_BUMP,
		 "UPDATE OR FAIL peers SET next_seq = next_seq + ? "
		 "WHERE org_id = ?")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_int64(st, 1, (int64_t)count);
	sqlite3_bind_text(st, 2, p->org_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		return WN_EDB;
	*first = seq;
	return WN_OK;
}

wn_err
node_outbox_insert(struct node *n, struct node_peer *p, int64_t seq,
    uint32_t type, const void *body, size_t len, const char *traceparent)
{
	sqlite3_stmt *st;
	uint8_t id[16];
	if (len >= PROTO_BODY_MAX)
		return WN_ETOOBIG;
	sec_random(id, sizeof(id));
	if ((st = peer_stmt(n, ST_OB_INS,
		 "INSERT INTO outbox (peer, seq, msg_id, type, body, "
		 "created_us, trace, mv) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) ==
	    NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_blob(st, 3, id, sizeof(id), SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, type);
	sqlite3_bind_blob(st, 5, body, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, peer_now_us());
	sqlite3_bind_text(st, 7, traceparent, -1, SQLITE_STATIC);
	/* the matrix it is made under: the envelope names it (mv) */
	sqlite3_bind_int64(st, 8, (int64_t)node_exchange_mv(n));
	return sqlite3_step(st) == SQLITE_DONE ? WN_OK : WN_EDB;
}

wn_err
node_outbox_push_traced(struct node *n, struct node_peer *p, uint32_t type,
    const void *body, size_t len, const char *traceparent)
{
	int64_t seq;
	wn_err rc;
	if (len >= PROTO_BODY_MAX)
		return WN_ETOOBIG;
	if ((rc = node_outbox_reserve(n, p, 1, &seq)) != WN_OK)
		return rc;
	return node_outbox_insert(n, p, seq, type, body, len, traceparent);
}

void
node_peer_kick(struct node *n)
{
	pthread_cond_signal(&n->ex->wake);
}

wn_err
node_exchange_status(struct node *n, struct node_exchange_status *out)
{
	struct node_exchange *ex = n->ex;
	out->recv_max = 0;
	if (ex->peer_open && nng_socket_get_size(ex->peer_sock,
				NNG_OPT_RECVMAXSZ, &out->recv_max) != 0)
		return WN_ETRANSPORT;
	pthread_mutex_lock(&ex->rxq_mtx);
	out->transfers_waiting = ex->rx_waiting;
	pthread_mutex_unlock(&ex->rxq_mtx);
	out->peers_stuck = 0;
	for (size_t i = 0; i < ex->npeers; i++)
		out->peers_stuck += !ex->peers[i]->gone && ex->peers[i]->stuck;
	return WN_OK;
}

wn_err
node_peer_start(struct node *n, char *err, size_t errlen)
{
	struct node_exchange *ex = n->ex;
	int rv;
	peer_rx_wait_ms = node_test_ms("WIJKNET_TEST_RX_WAIT_MS", RX_WAIT_MS);
	stop_flush_ms = node_test_ms("WIJKNET_TEST_STOP_FLUSH_MS", STOP_FLUSH_MS);
	peer_minute_ms = node_test_ms("WIJKNET_TEST_MINUTE_MS", RATE_MINUTE_MS);
	peer_head_period_ms = node_test_ms("WIJKNET_TEST_HEAD_PERIOD_MS",
	    HEAD_PERIOD_MS);
	peer_delivery_late_ms = node_test_ms("WIJKNET_TEST_DELIVERY_LATE_MS",
	    0);
	peer_send_timeout_ms = node_test_ms("WIJKNET_TEST_SEND_TIMEOUT_MS",
	    SEND_TIMEOUT_MS);
	peer_rx_data_max = node_test_ms("WIJKNET_TEST_RX_DATA_MAX", 0);
	peer_receipt_ahead_ms = node_test_ahead_ms("WIJKNET_TEST_RECEIPT_AHEAD_MS");
	peer_session_hooks();
	pthread_mutex_lock(&n->mtx);
	wn_err rc = node_peers_load(n);
	/* the head at start goes out now, to the checkers known now, and
	 * the next one a period on. Left to the delivery thread's first
	 * round, it went to whoever was enrolled by the time the scheduler
	 * ran that thread: on a busy machine a director this member had
	 * just added, which had not enrolled it yet and refused it. */
	if (rc == WN_OK)
		peer_push_heads(n, false);
	pthread_mutex_unlock(&n->mtx);
	if (rc != WN_OK) {
		snprintf(err, errlen, "cannot load peers: %s", wn_strerror(rc));
		return rc;
	}
	if ((rv = nng_rep0_open(&ex->peer_sock)) != 0 ||
	    (rv = nng_socket_set_size(ex->peer_sock, NNG_OPT_RECVMAXSZ,
		 NODE_PEER_RECV_MAX)) != 0 ||
	    (rv = node_conns_start(n, ex->peer_sock) != WN_OK ? NNG_ENOMEM
							      : 0) != 0 ||
	    (rv = node_listen(n, ex->peer_sock, n->cfg.listen,
		 &ex->peer_listener)) != 0) {
		snprintf(err, errlen, "%s: cannot listen: %s", n->cfg.listen,
		    nng_strerror(rv));
		return WN_ETRANSPORT;
	}
	ex->peer_open = true;
	ex->rxq = NULL;
	ex->rxq_tail = &ex->rxq;
	ex->rx_stopping = false;
	if ((ex->tx_envs = malloc(PROTO_FRAME_MAX)) == NULL ||
	    (ex->tx_bodies = malloc(PROTO_FRAME_MAX)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return WN_ENOMEM;
	}
	if (pthread_create(&ex->applier, NULL, peer_applier_main, n) != 0) {
		snprintf(err, errlen, "cannot start the applier thread");
		return WN_ENOMEM;
	}
	ex->applier_running = true;
	/* a worker is held while its transfer waits for the applier: room
	 * for a full window from a few peers at once */
	if (node_server_start(&ex->peer_server, ex->peer_sock,
		NODE_SERVER_MAX_WORKERS, PROTO_ENVELOPE_MAX, peer_serve,
		n) != WN_OK) {
		snprintf(err, errlen, "peer socket: cannot start workers");
		return WN_ETRANSPORT;
	}
	if (pthread_create(&ex->delivery, NULL, peer_delivery_main, n) != 0) {
		snprintf(err, errlen, "cannot start the delivery thread");
		return WN_ENOMEM;
	}
	ex->delivery_running = true;
	return WN_OK;
}

/* flush_heads: at shutdown, our newest head goes to our checkers; give the
 * delivery thread a moment to deliver it. Not while receive-only: nothing
 * would go out, and a head queued now would only take a number of a store
 * that may be an older copy. */
static void
flush_heads(struct node *n)
{
	struct node_exchange *ex = n->ex;
	int64_t deadline = wn_mono_ms() + stop_flush_ms;
	if (ex->receive_only)
		return;
	peer_push_heads(n, true);
	/* a last attempt now, whatever the backoff said */
	for (size_t i = 0; i < ex->npeers; i++)
		ex->peers[i]->next_try_ms = 0;
	node_peer_kick(n);
	for (;;) {
		bool pending = false;
		for (size_t i = 0; i < ex->npeers; i++) {
			sqlite3_stmt *st = NULL;
			struct node_peer *p = ex->peers[i];
			if (p->gone || p->stuck)
				continue;
			if (sqlite3_prepare_v2(node_store_db(n->store),
				"SELECT 1 FROM outbox WHERE peer = ? AND type = ?",
				-1, &st, NULL) == SQLITE_OK) {
				sqlite3_bind_text(st, 1, p->org_id, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int(st, 2, PROTO_MSG_CHAIN_HEAD);
				pending |= sqlite3_step(st) == SQLITE_ROW;
			}
			sqlite3_finalize(st);
		}
		int64_t now = wn_mono_ms();
		if (!pending || now >= deadline)
			break;
		struct timespec ts = wn_deadline(now + 50);
		pthread_cond_timedwait(&ex->wake, &n->mtx, &ts);
	}
}

void
node_peer_stop(struct node *n)
{
	struct node_exchange *ex = n->ex;
	if (ex == NULL)
		return; /* the node was not loaded */
	if (ex->delivery_running) {
		pthread_mutex_lock(&n->mtx);
		peer_refusals_flush(n, true);
		flush_heads(n);
		ex->stopping = true;
		pthread_cond_signal(&ex->wake);
		pthread_mutex_unlock(&n->mtx);
		pthread_join(ex->delivery, NULL);
		ex->delivery_running = false;
	}
	if (ex->applier_running) {
		pthread_mutex_lock(&ex->rxq_mtx);
		ex->rx_stopping = true;
		pthread_cond_signal(&ex->rxq_cv);
		pthread_mutex_unlock(&ex->rxq_mtx);
		pthread_join(ex->applier, NULL);
		ex->applier_running = false;
	}
	/* the workers stop before the socket closes: nng 1.5.2 hangs for
	 * good in nng_close when it closes a connection whose frame is
	 * still arriving (its TCP transport re-arms a receive it has just
	 * closed; fixed upstream in 1.6.0). With no worker waiting, REP
	 * takes at most one more request from each connection and then
	 * reads nothing, so nng_close finds none mid-frame. A frame with
	 * no request id, which REP drops itself, is still read: a client
	 * that sends only those can still hit the hang, and then the close
	 * is given up (node_socket_close) and the connection table, which
	 * nng's pipe callbacks reach, is left as it is for the exit. */
	bool closed = true;
	if (ex->peer_open) {
		node_server_stop(&ex->peer_server);
		closed = node_socket_close(ex->peer_sock, "peer socket");
		ex->peer_open = false;
	}
	/* no handler or applier can touch the connection table now */
	node_conns_stop(n, closed);
	/* transfers still in flight end here, before the store (and its
	 * cached statements) closes */
	for (size_t i = 0; i < ex->npeers; i++)
		for (size_t j = 0; j < NODE_WINDOW; j++)
			if (ex->peers[i]->slot[j].aio != NULL)
				nng_aio_stop(ex->peers[i]->slot[j].aio);
	for (size_t i = 0; i < ex->npeers; i++)
		peer_close(ex->peers[i]);
	/* a close given up on may still reach the peers' slots and pipe
	 * callbacks: they stay, and the daemon ends with _exit */
	if (node_sockets_abandoned())
		return;
	free(ex->tx_envs);
	free(ex->tx_bodies);
	ex->tx_envs = ex->tx_bodies = NULL;
	for (size_t i = 0; i < ex->npeers; i++) {
		struct node_peer *p = ex->peers[i];
		for (size_t j = 0; j < NODE_WINDOW; j++) {
			if (p->slot[j].aio != NULL)
				nng_aio_free(p->slot[j].aio);
			free(p->slot[j].body);
		}
		peer_free(p);
	}
	ex->npeers = 0;
}

long
node_peer_msgs_held(const struct node *n)
{
	return n->ex == NULL ? 0 : atomic_load(&n->ex->tx_msgs);
}

wn_err
node_exchange_init(struct node *n)
{
	struct node_exchange *ex = calloc(1, sizeof(*ex));
	if (ex == NULL)
		return WN_ENOMEM;
	/* their timed waits take CLOCK_MONOTONIC deadlines */
	if (wn_cond_init(&ex->wake) != 0) {
		free(ex);
		return WN_ENOMEM;
	}
	if (wn_cond_init(&ex->rxq_cv) != 0) {
		pthread_cond_destroy(&ex->wake);
		free(ex);
		return WN_ENOMEM;
	}
	pthread_mutex_init(&ex->rxq_mtx, NULL);
	n->ex = ex;
	if (peer_sessions_init(n) != WN_OK) {
		pthread_cond_destroy(&ex->wake);
		pthread_cond_destroy(&ex->rxq_cv);
		pthread_mutex_destroy(&ex->rxq_mtx);
		free(ex);
		n->ex = NULL;
		return WN_ENOMEM;
	}
	return WN_OK;
}

void
node_exchange_fini(struct node *n)
{
	struct node_exchange *ex = n->ex;
	if (ex == NULL)
		return;
	node_tls_fini(n);
	/* every session's keys are wiped */
	peer_sessions_fini(n);
	pthread_cond_destroy(&ex->wake);
	pthread_mutex_destroy(&ex->rxq_mtx);
	pthread_cond_destroy(&ex->rxq_cv);
	free(ex);
	n->ex = NULL;
}
