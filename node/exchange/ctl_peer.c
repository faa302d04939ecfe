/*
 * ctl_peer.c - control requests about peers: enrolment, the peer list with
 * each peer's delivery state, and test traffic (peer.send, peer.received,
 * peer.stats) that the integration tests and the benchmark drive.
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"
#include "node/exchange/peer_int.h" /* peer_sessions_count */

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "protocol/envelope.h"

#define arg node_ctl_arg
#define fail node_ctl_fail

static bool
endpoint_valid(const char *e)
{
	return (strncmp(e, "tcp://", 6) == 0 && e[6]) ||
	    (strncmp(e, "tls+tcp://", 10) == 0 && e[10]);
}

/* node_peer_keys_arg reads a bundle's keys from the call (sign_key,
 * kx_key), refuses keys no node can use, and checks them against the
 * fingerprint the operator confirmed: before anything is stored, since a
 * peer with such a key would make this node (and, through the charter,
 * every member) refuse to start. what names the keys in the refusal ("the
 * bundle", "the new keys"), verb what the operator must not do with them. */
wn_err
node_peer_keys_arg(struct node_ctl_call *c, struct sec_public *pub,
    char fp[SEC_FINGERPRINT_LEN], const char *what, const char *verb)
{
	const char *org = arg(c, "org_id");
	if (!sec_unhex(pub->sign_pk, 32, arg(c, "sign_key")) ||
	    !sec_unhex(pub->kx_pk, 32, arg(c, "kx_key")))
		return fail(c, WN_EINVAL, "sign_key and kx_key must be 64 hex "
		    "digits each");
	const char *bad = sec_public_check(pub);
	if (bad != NULL)
		return fail(c, WN_EINVAL, "%s of '%s' cannot be used: %s; ask "
		    "the partner for a new bundle", what, org, bad);
	sec_fingerprint(pub, fp);
	if (strcmp(fp, arg(c, "fingerprint")) != 0)
		return fail(c, WN_EDENIED, "the fingerprint confirmed by the "
		    "operator (%s) does not match these keys (%s): do not "
		    "%s; check the bundle with the partner",
		    arg(c, "fingerprint"), fp, verb);
	return WN_OK;
}

wn_err
node_ctl_peer_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct sec_public pub;
	enum cfg_role role;
	char fp[SEC_FINGERPRINT_LEN];
	const char *org = arg(c, "org_id"), *name = arg(c, "name");
	const char *endpoint = arg(c, "endpoint");
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;

	if (!cfg_org_id_valid(org))
		return fail(c, WN_EINVAL, "bad org id '%s'", org);
	if (strcmp(org, n->cfg.org_id) == 0)
		return fail(c, WN_EINVAL, "'%s' is this node itself", org);
	if (!cfg_role_parse(arg(c, "role"), &role))
		return fail(c, WN_EINVAL, "unknown role '%s'", arg(c, "role"));
	if (!endpoint_valid(endpoint) || strlen(endpoint) > 255)
		return fail(c, WN_EINVAL, "endpoint must be tcp://HOST:PORT or "
		    "tls+tcp://HOST:PORT");
	if (name[0] == '\0' || strlen(name) > 127)
		name = org;
	if ((rc = node_peer_keys_arg(c, &pub, fp, "the bundle", "enrol")) !=
	    WN_OK)
		return rc;
	rc = WN_EDB;
	bool directs = false;
	if (!n->is_director) {
		if (memcmp(pub.sign_pk, n->director_pk, 32) != 0)
			return fail(c, WN_EDENIED,
			    "this node is a member: it learns its peers from "
			    "the director's charter and can only enrol the "
			    "director itself (the key pinned as director_key)");
		directs = true;
	} else if (strcmp(arg(c, "directs"), "yes") == 0) {
		directs = true;
	}
	if (node_peer_find(n, org) != NULL)
		return fail(c, WN_EBUSY, "'%s' is already enrolled", org);
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"INSERT INTO peers (org_id, name, role, endpoint, sign_pk, "
		"kx_pk, directs, added_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		-1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, org, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cfg_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, endpoint, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, pub.sign_pk, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, pub.kx_pk, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, directs);
	sqlite3_bind_int64(st, 8, wn_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	snprintf(c->detail, sizeof(c->detail), "enrolled %s (%s) %s", org,
	    cfg_role_name(role), fp);
	c->reload_peers = true;
	if (n->is_director && (rc = node_charter_publish(n)) != WN_OK) {
		fail(c, rc, "enrolled, but publishing the charter failed");
		goto out;
	}
	/* after the charter (the member checks the matrix's federation
	 * against it): the rooms' enrolment hooks (need/'s queues the matrix
	 * in force, which a member enrolled after its publication would
	 * otherwise never get) */
	const char *what = "";
	if (n->is_director &&
	    (rc = node_exchange_enrolled(n, org, &what)) != WN_OK) {
		fail(c, rc, "enrolled, but %s failed", what);
		goto out;
	}
	proto_ctl_reply_begin(c->w, WN_OK, "peer enrolled", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_text(c->w, "org_id", org);
	proto_ctl_field_text(c->w, "fingerprint", fp);
	proto_ctl_field_bool(c->w, "directs", directs);
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static int64_t
count_outbox(struct node *n, const char *peer)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		peer ? "SELECT count(*) FROM outbox WHERE peer = ?"
		     : "SELECT count(*) FROM outbox",
		-1, &st, NULL) == SQLITE_OK) {
		if (peer)
			sqlite3_bind_text(st, 1, peer, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

wn_err
node_ctl_peer_list(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st = NULL;
	size_t rows = 0;
	for (size_t i = 0; i < n->ex->npeers; i++)
		rows += !n->ex->peers[i]->gone;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT ifnull(last_ok_ms, 0), ifnull(last_err_ms, 0), "
		"ifnull(last_err, ''), next_seq - 1, last_seq_in, "
		"ifnull((SELECT seq FROM chain_heads h WHERE h.org_id = "
		"peers.org_id), -1) FROM peers WHERE org_id = ?",
		-1, &st, NULL) != SQLITE_OK)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	for (size_t i = 0; i < n->ex->npeers; i++) {
		struct node_peer *p = n->ex->peers[i];
		struct sec_public pub;
		char fp[SEC_FINGERPRINT_LEN];
		if (p->gone)
			continue;
		memcpy(pub.sign_pk, p->sign_pk, 32);
		memcpy(pub.kx_pk, p->kx_pk, 32);
		sec_fingerprint(&pub, fp);
		sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
		int64_t ok = 0, errt = 0, sent = 0, got = 0, head = -1;
		const char *err = "";
		if (sqlite3_step(st) == SQLITE_ROW) {
			ok = sqlite3_column_int64(st, 0);
			errt = sqlite3_column_int64(st, 1);
			err = (const char *)sqlite3_column_text(st, 2);
			sent = sqlite3_column_int64(st, 3);
			got = sqlite3_column_int64(st, 4);
			head = sqlite3_column_int64(st, 5);
		}
		int64_t queued = count_outbox(n, p->org_id);
		const char *state = p->stuck ? "stuck"
		    : queued == 0             ? "idle"
		    : p->attempts > 0         ? "retrying"
					      : "sending";
		/* how long the oldest transfer in flight has waited for its
		 * receipt (a peer that hangs shows here, not only after the
		 * send timeout as an error) */
		int64_t waiting = 0, now = wn_mono_ms();
		for (size_t j = 0; j < NODE_WINDOW; j++)
			if (p->slot[j].busy && p->slot[j].sent_ms != 0 &&
			    now - p->slot[j].sent_ms > waiting)
				waiting = now - p->slot[j].sent_ms;
		proto_ctl_row_begin(c->w, 19 + (p->skew_known ? 1 : 0));
		proto_ctl_field_text(c->w, "org_id", p->org_id);
		proto_ctl_field_text(c->w, "role", p->role);
		proto_ctl_field_text(c->w, "endpoint", p->endpoint);
		proto_ctl_field_text(c->w, "fingerprint", fp);
		proto_ctl_field_bool(c->w, "directs", p->directs);
		proto_ctl_field_text(c->w, "state", state);
		proto_ctl_field_int(c->w, "waiting_ms", waiting);
		proto_ctl_field_int(c->w, "queued", queued);
		proto_ctl_field_int(c->w, "sent_seq", sent);
		proto_ctl_field_int(c->w, "received_seq", got);
		proto_ctl_field_int(c->w, "last_ok_ms", ok);
		proto_ctl_field_int(c->w, "last_error_ms", errt);
		proto_ctl_field_text(c->w, "last_error", err ? err : "");
		proto_ctl_field_int(c->w, "attempts", p->attempts);
		proto_ctl_field_int(c->w, "chain_head", head);
		/* stuck: it cannot decrypt our messages; nothing more is sent
		 * to it until `peer retry` (deliver.c) */
		proto_ctl_field_bool(c->w, "stuck", p->stuck);
		proto_ctl_field_int(c->w, "stuck_ms", p->stuck_ms);
		/* what made it stuck: 17, it cannot decrypt them; else the
		 * code it keeps refusing them with (0: not stuck) */
		proto_ctl_field_int(c->w, "stuck_code", p->stuck ? p->stuck_code : 0);
		/* how far its clock is ahead of ours, from the last signed
		 * receipt it sent in answer to one of our transfers
		 * (deliver.c; absent: none came since the start) */
		proto_ctl_field_bool(c->w, "clock_skew_known", p->skew_known);
		if (p->skew_known)
			proto_ctl_field_int(c->w, "clock_skew_ms", p->skew_ms);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return WN_OK;
}

/* node_ctl_peer_retry: the operator says a stuck peer's keys were
 * checked: delivery to it starts again, from its oldest message (the
 * count of refusals starts over; it gets stuck again if nothing changed).
 * A peer that is not stuck has its backoff cut short. */
static wn_err
node_ctl_peer_retry(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_peer *p = node_peer_find(n, arg(c, "peer"));
	char key[96];
	if (p == NULL || p->gone)
		return fail(c, WN_ENOTFOUND, "no peer '%s'", arg(c, "peer"));
	bool was = p->stuck;
	uint32_t p_code = p->stuck_code;
	snprintf(key, sizeof(key), "peer_stuck:%s", p->org_id);
	if (node_store_meta_del(n->store, key) != WN_OK)
		return WN_EDB;
	p->stuck = false;
	p->stuck_ms = 0;
	p->stuck_code = 0;
	p->nokey_n = 0;
	p->attempts = 0;
	p->next_try_ms = 0;
	snprintf(c->detail, sizeof(c->detail), "%s: delivery starts again%s",
	    p->org_id, was ? (p_code == WN_ENOKEY ? " (it was stuck: it could "
	    "not decrypt our messages)" : " (it was stuck: it kept refusing "
	    "our messages)") : "");
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, was ? "delivery starts again "
	    "(the peer was stuck)" : "delivery starts again", 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_text(c->w, "peer", p->org_id);
	proto_ctl_field_bool(c->w, "was_stuck", was);
	return WN_OK;
}

wn_err
node_ctl_peer_send(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_peer *p = node_peer_find(n, arg(c, "peer"));
	uint64_t count = 1, size = 16;
	uint8_t *payload = NULL, *body = NULL;
	struct proto_writer w;
	wn_err rc = WN_ENOMEM;

	if (p == NULL || p->gone)
		return fail(c, WN_ENOTFOUND, "no peer '%s'", arg(c, "peer"));
	if ((*arg(c, "count") && !wn_parse_u64(arg(c, "count"), 1000000,
				     &count)) ||
	    (*arg(c, "size") && !wn_parse_u64(arg(c, "size"), 65536, &size)) ||
	    size < 8)
		return fail(c, WN_EINVAL, "count is 1..1000000, size 8..65536");
	payload = malloc(size);
	body = malloc(size + 64);
	if (payload == NULL || body == NULL)
		goto out;
	memset(payload, 'x', size);
	int64_t base = count_outbox(n, NULL), first;
	if ((rc = node_outbox_reserve(n, p, count, &first)) != WN_OK)
		goto out;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t k = (uint64_t)base + i;
		for (int b = 0; b < 8; b++)
			payload[b] = (uint8_t)(k >> (56 - 8 * b));
		proto_writer_init(&w, body, size + 64);
		if ((rc = proto_data_encode(payload, size, &w)) != WN_OK ||
		    (rc = node_outbox_insert(n, p, first + (int64_t)i,
			 PROTO_MSG_DATA, w.buf, w.len, "")) != WN_OK)
			goto out;
	}
	snprintf(c->detail, sizeof(c->detail), "queued %llu test messages "
	    "for %s", (unsigned long long)count, p->org_id);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "", 1);
	proto_ctl_row_begin(c->w, 2);
	proto_ctl_field_text(c->w, "peer", p->org_id);
	proto_ctl_field_int(c->w, "queued", (int64_t)count);
	rc = WN_OK;
out:
	free(payload);
	free(body);
	return rc;
}

wn_err
node_ctl_peer_received(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	/* in order: no row whose seq is below the seq of an earlier row */
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT count(*), count(DISTINCT seq), ifnull(min(seq), 0), "
		"ifnull(max(seq), 0), (SELECT count(*) FROM data_in a JOIN "
		"data_in b ON b.id = a.id + 1 AND a.peer = b.peer WHERE a.peer "
		"= ?1 AND b.seq <= a.seq) FROM data_in WHERE peer = ?1",
		-1, &st, NULL) != SQLITE_OK)
		return WN_EDB;
	sqlite3_bind_text(st, 1, arg(c, "peer"), -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		proto_ctl_reply_begin(c->w, WN_OK, "", 1);
		proto_ctl_row_begin(c->w, 6);
		proto_ctl_field_text(c->w, "peer", arg(c, "peer"));
		proto_ctl_field_int(c->w, "count", sqlite3_column_int64(st, 0));
		proto_ctl_field_int(c->w, "distinct",
		    sqlite3_column_int64(st, 1));
		proto_ctl_field_int(c->w, "min_seq", sqlite3_column_int64(st, 2));
		proto_ctl_field_int(c->w, "max_seq", sqlite3_column_int64(st, 3));
		proto_ctl_field_bool(c->w, "in_order",
		    sqlite3_column_int64(st, 4) == 0);
		rc = WN_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

wn_err
node_ctl_peer_stats(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct node_exchange *ex = n->ex;
	size_t k = ex->nlat < WN_ARRAY_LEN(ex->lat_us)
	    ? ex->nlat
	    : WN_ARRAY_LEN(ex->lat_us);
	uint32_t *s = malloc((k ? k : 1) * sizeof(*s));
	if (s == NULL)
		return WN_ENOMEM;
	memcpy(s, ex->lat_us, k * sizeof(*s));
	qsort(s, k, sizeof(*s), cmp_u32);
	proto_ctl_reply_begin(c->w, WN_OK, "", 1);
	size_t opened;
	int64_t oldest;
	peer_sessions_opened(n, &opened, &oldest);
	proto_ctl_row_begin(c->w, 10);
	proto_ctl_field_int(c->w, "delivered", (int64_t)ex->delivered);
	proto_ctl_field_int(c->w, "receipts_for_other_transfers",
	    (int64_t)ex->receipts_other);
	/* envelopes replayed in the same bytes and answered again (since
	 * the start; --reset leaves it) */
	proto_ctl_field_int(c->w, "replays_answered", (int64_t)ex->replays);
	/* sessions peers opened with us and we still hold (session.c) */
	proto_ctl_field_int(c->w, "sessions_held",
	    (int64_t)peer_sessions_count(n));
	/* sessions this node opened with its peers and still holds, and the
	 * age of the oldest (each is dropped when the renewal is due) */
	proto_ctl_field_int(c->w, "sessions_opened_held", (int64_t)opened);
	proto_ctl_field_int(c->w, "session_opened_oldest_ms", oldest);
	proto_ctl_field_int(c->w, "queued", count_outbox(n, NULL));
	proto_ctl_field_int(c->w, "samples", (int64_t)k);
	proto_ctl_field_int(c->w, "p50_us", k ? s[k / 2] : 0);
	proto_ctl_field_int(c->w, "p99_us", k ? s[k * 99 / 100] : 0);
	if (strcmp(arg(c, "reset"), "yes") == 0)
		ex->nlat = 0;
	free(s);
	return WN_OK;
}

/* the exchange's control commands */
static const struct node_ctl_cmd peer_cmds[] = {
	{"peer.add", CFG_USER_ADMINISTRATOR, node_ctl_peer_add,
	    "enrol a peer after its fingerprint was confirmed", false},
	{"peer.list", CFG_USER_VIEWER, node_ctl_peer_list,
	    "peers with their delivery state", false},
	{"peer.retry", CFG_USER_ADMINISTRATOR, node_ctl_peer_retry,
	    "send to a stuck peer again", false},
	{"peer.send", CFG_USER_ADMINISTRATOR, node_ctl_peer_send,
	    "queue test messages for a peer", false},
	{"peer.received", CFG_USER_ADMINISTRATOR, node_ctl_peer_received,
	    "what arrived from a peer (test messages)", false},
	{"peer.stats", CFG_USER_VIEWER, node_ctl_peer_stats,
	    "delivery counters and latency", false},
};

void
node_exchange_room_register(void)
{
	node_ctl_register(peer_cmds, WN_ARRAY_LEN(peer_cmds));
	node_rotate_register();
}
