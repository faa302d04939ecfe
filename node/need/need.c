/*
 * need.c - need to know: the authorization matrix.
 *
 * The director compiles the matrix source (config/matrix.c), signs it with
 * a new version and queues it for every member; a member accepts it only
 * when signed by the pinned director key with a higher version than it
 * holds, and answers with a MATRIX_ACK naming the version it applied (a
 * signed envelope: the receipt). `matrix show` prints the table in force,
 * `matrix acks` who acknowledged which version. node_need_outside_level
 * answers other rooms what the matrix in force lets a role receive
 * outside any case (a signal's summary).
 *
 * Every other need-to-know message (cases, requests, disclosures,
 * retractions, amendments, attestations) goes on to node_case_apply
 * (node/need/case_apply.c).
 */
#include "node/need/need.h"

#include <string.h>

#include <sqlcipher/sqlite3.h>

#include "config/matrix.h"
#include "protocol/delegation.h"
#include "protocol/matrix_wire.h"
#include "protocol/need_wire.h"

_Static_assert(CFG_CASE_TYPES == PROTO_MATRIX_TYPES &&
	CFG_CATEGORIES == PROTO_MATRIX_CATEGORIES &&
	CFG_ROLES == PROTO_MATRIX_ROLES && CFG_OUTSIDE == PROTO_MATRIX_OUTSIDE,
    "the matrix's numbering is part of the wire format");

bool
node_need_held_key(struct node *n, const void *buf, size_t len,
    uint8_t pk[SEC_SIGN_PK_LEN])
{
	struct proto_delegation d;
	char why[256];
	return node_root_key(n, buf, len, PROTO_MSG_MATRIX, pk, &d, why,
	    sizeof(why)) == WN_OK;
}

/* node_matrix_current loads the matrix in force into *out (0 = none). */
static wn_err
matrix_current(struct node *n, struct proto_matrix *out)
{
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	uint8_t pk[SEC_SIGN_PK_LEN];
	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT signed FROM matrix ORDER BY version DESC LIMIT 1", -1,
		&st, NULL) != SQLITE_OK)
		return WN_EDB;
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		rc = WN_OK;
	else if (r == SQLITE_ROW)
		rc = node_need_held_key(n, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), pk) ?
		    proto_matrix_verify_signed(sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), pk, out, NULL) :
		    WN_ECRYPTO;
	sqlite3_finalize(st);
	if (rc == WN_OK && !node_matrix_ours(n, out))
		memset(out, 0, sizeof(*out));
	return rc;
}

bool
node_matrix_ours(struct node *n, const struct proto_matrix *m)
{
	static bool said; /* n->mtx held */
	char fed[PROTO_ORG_ID_MAX + 1] = "";
	if (m->version == 0)
		return true;
	if (node_charter_federation(n, fed, sizeof(fed)) == WN_OK &&
	    strcmp(m->federation, fed) == 0)
		return true;
	if (!said)
		wn_log(WN_LOG_WARN, "the matrix version %llu held is of "
		    "federation '%s', not this node's federation '%s': no "
		    "matrix is in force until the director publishes one",
		    (unsigned long long)m->version, m->federation,
		    fed[0] ? fed : "(no charter yet)");
	said = true;
	return false;
}

static node_matrix_fn published_hooks[NODE_MATRIX_HOOKS_MAX];
static size_t npublished_hooks;

void
node_need_on_published(node_matrix_fn fn)
{
	for (size_t i = 0; i < npublished_hooks; i++)
		if (published_hooks[i] == fn)
			return;
	WN_ASSERT(npublished_hooks < NODE_MATRIX_HOOKS_MAX);
	published_hooks[npublished_hooks++] = fn;
}

wn_err
node_ctl_matrix_publish(struct node_ctl_call *c)
{
	struct node *n = c->n;
	struct cfg_matrix *cm = calloc(1, sizeof(*cm));
	struct proto_matrix *pm = calloc(1, sizeof(*pm));
	struct proto_writer w = {0};
	const char *path = proto_ctl_request_arg(c->req, "path");
	char err[512];
	size_t cells = 0;
	wn_err rc = WN_ENOMEM;

	if (cm == NULL || pm == NULL ||
	    proto_writer_init_dynamic(&w, 4096, PROTO_SIGNED_MATRIX_MAX) !=
		WN_OK)
		goto out;
	if (!n->is_director) {
		snprintf(c->errmsg, sizeof(c->errmsg), "only the director "
		    "publishes the matrix");
		rc = WN_EDENIED;
		goto out;
	}
	if (path == NULL ||
	    (rc = cfg_matrix_load(path, cm, err, sizeof(err))) != WN_OK) {
		snprintf(c->errmsg, sizeof(c->errmsg), "%s",
		    path ? err : "path is required");
		rc = WN_ECONFIG;
		goto out;
	}
	if (strcmp(cm->federation, n->cfg.org_id) != 0) {
		/* members refuse a matrix of another federation */
		snprintf(c->errmsg, sizeof(c->errmsg), "%s: the matrix is for "
		    "federation '%s', but this director's federation (its "
		    "charter's) is '%s'", path, cm->federation, n->cfg.org_id);
		rc = WN_ECONFIG;
		goto out;
	}
	int64_t v = node_store_versioned_max(n->store, "matrix");
	if (v < 0) {
		rc = WN_EDB;
		goto out;
	}
	pm->version = (uint64_t)v + 1;
	wn_strlcpy(pm->federation, cm->federation, sizeof(pm->federation));
	pm->issued_ms = wn_now_ms();
	memcpy(pm->level, cm->level, sizeof(pm->level));
	memcpy(pm->requires, cm->requires, sizeof(pm->requires));
	memcpy(pm->nbases, cm->nbases, sizeof(pm->nbases));
	for (int k = 0; k < CFG_CATEGORIES; k++)
		for (int b = 0; b < cm->nbases[k]; b++)
			wn_strlcpy(pm->bases[k][b], cm->bases[k][b],
			    sizeof(pm->bases[k][b]));
	memcpy(pm->outside, cm->outside, sizeof(pm->outside));
	for (size_t i = 0; i < sizeof(pm->level); i++)
		cells += ((const uint8_t *)pm->level)[i] != 0;
	for (size_t i = 0; i < sizeof(pm->outside); i++)
		cells += ((const uint8_t *)pm->outside)[i] != 0;
	if ((rc = proto_matrix_sign(pm, node_sign, n->id, &w)) != WN_OK ||
	    (rc = node_root_attach(n, &w)) != WN_OK ||
	    (rc = node_store_versioned_put(n->store, "matrix", pm->version, w.buf, w.len)) != WN_OK)
		goto out;
	size_t i = 0;
	for (struct node_peer *p; (p = node_peer_next(n, &i)) != NULL;)
		if ((rc = node_outbox_push(n, p, PROTO_MSG_MATRIX, w.buf,
			 w.len)) != WN_OK)
			goto out;
	/* its hash after it (fork detection, with a root) */
	if ((rc = node_root_note(n, PROTO_MSG_MATRIX, pm->version, w.buf,
	    w.len)) != WN_OK)
		goto out;
	for (size_t k = 0; k < npublished_hooks; k++)
		if ((rc = published_hooks[k](n)) != WN_OK)
			goto out;
	snprintf(c->detail, sizeof(c->detail), "version %llu, %zu cells",
	    (unsigned long long)pm->version, cells);
	c->kick = true;
	proto_ctl_reply_begin(c->w, WN_OK, "matrix published", 1);
	proto_ctl_row_begin(c->w, 3);
	proto_ctl_field_int(c->w, "version", (int64_t)pm->version);
	proto_ctl_field_text(c->w, "federation", pm->federation);
	proto_ctl_field_int(c->w, "cells", (int64_t)cells);
	rc = WN_OK;
out:
	proto_writer_release(&w);
	free(cm);
	free(pm);
	return rc;
}

wn_err
node_need_outside_level(struct node *n, enum cfg_outside what,
    enum cfg_role role, enum cfg_level *out)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	enum cfg_level level = CFG_LEVEL_NONE;
	wn_err rc = m ? matrix_current(n, m) : WN_ENOMEM;
	if (rc != WN_OK)
		goto out;
	/* no matrix (version 0) has every cell none; out of range is none */
	if ((unsigned)what < CFG_OUTSIDE && (unsigned)role < CFG_ROLES &&
	    m->outside[what][role] <= CFG_LEVEL_EDIT)
		level = (enum cfg_level)m->outside[what][role];
	*out = level;
out:
	free(m);
	return rc;
}

wn_err
node_matrix_send(struct node *n, const char *org)
{
	struct node_peer to = {0};
	sqlite3_stmt *st = NULL;
	struct proto_matrix *m = calloc(1, sizeof(*m));
	wn_err rc = m ? matrix_current(n, m) : WN_ENOMEM;
	bool none = m == NULL || m->version == 0;
	free(m);
	if (rc != WN_OK || none)
		return rc; /* none in force: none is sent */
	rc = WN_EDB;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT signed FROM matrix ORDER BY version DESC LIMIT 1", -1,
		&st, NULL) != SQLITE_OK)
		return WN_EDB;
	int r = sqlite3_step(st);
	if (r == SQLITE_DONE) {
		rc = WN_OK; /* none published yet */
	} else if (r == SQLITE_ROW) {
		/* the outbox needs the peer's row only, which the caller's
		 * transaction holds */
		wn_strlcpy(to.org_id, org, sizeof(to.org_id));
		rc = node_outbox_push(n, &to, PROTO_MSG_MATRIX,
		    sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0));
	}
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_ctl_matrix_show(struct node_ctl_call *c)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	wn_err rc = m ? matrix_current(c->n, m) : WN_ENOMEM;
	char msg[128];
	if (rc != WN_OK)
		goto out;
	if (m->version == 0) {
		proto_ctl_reply_begin(c->w, WN_OK, "no matrix yet: every "
		    "level is none", 0);
		goto out;
	}
	snprintf(msg, sizeof(msg), "matrix version %llu of %s",
	    (unsigned long long)m->version, m->federation);
	proto_ctl_reply_begin(c->w, WN_OK, msg,
	    CFG_CASE_TYPES * CFG_CATEGORIES + CFG_OUTSIDE);
	for (int t = 0; t < CFG_CASE_TYPES; t++) {
		for (int k = 0; k < CFG_CATEGORIES; k++) {
			proto_ctl_row_begin(c->w, 3 + CFG_ROLES);
			proto_ctl_field_text(c->w, "type",
			    cfg_case_type_name((enum cfg_case_type)t));
			proto_ctl_field_text(c->w, "category",
			    cfg_category_name((enum cfg_category)k));
			for (int r = 0; r < CFG_ROLES; r++)
				proto_ctl_field_text(c->w,
				    cfg_role_name((enum cfg_role)r),
				    cfg_level_name(
					(enum cfg_level)m->level[t][k][r]));
			proto_ctl_field_text(c->w, "requires",
			    cfg_requires_name(
				(enum cfg_requires)m->requires[k]));
		}
	}
	/* then what travels outside any case: the same columns, type
	 * "outside", requiring nothing (it holds no one's personal data) */
	for (int o = 0; o < CFG_OUTSIDE; o++) {
		proto_ctl_row_begin(c->w, 3 + CFG_ROLES);
		proto_ctl_field_text(c->w, "type", "outside");
		proto_ctl_field_text(c->w, "category",
		    cfg_outside_name((enum cfg_outside)o));
		for (int r = 0; r < CFG_ROLES; r++)
			proto_ctl_field_text(c->w,
			    cfg_role_name((enum cfg_role)r),
			    cfg_level_name((enum cfg_level)m->outside[o][r]));
		proto_ctl_field_text(c->w, "requires",
		    cfg_requires_name(CFG_REQUIRES_NONE));
	}
out:
	free(m);
	return rc;
}

wn_err
node_ctl_matrix_acks(struct node_ctl_call *c)
{
	struct node *n = c->n;
	sqlite3_stmt *st = NULL;
	int64_t v = node_store_versioned_max(n->store, "matrix");
	size_t rows = 0;
	if (!n->is_director) {
		proto_ctl_reply_begin(c->w, WN_OK, "(acknowledgements are kept "
		    "by the director)", 0);
		return WN_OK;
	}
	size_t i = 0;
	while (node_peer_next(n, &i) != NULL)
		rows++;
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"SELECT ifnull(max(version), 0) FROM matrix_acks WHERE "
		"org_id = ?",
		-1, &st, NULL) != SQLITE_OK)
		return WN_EDB;
	proto_ctl_reply_begin(c->w, WN_OK, "", rows);
	i = 0;
	for (struct node_peer *p; (p = node_peer_next(n, &i)) != NULL;) {
		sqlite3_bind_text(st, 1, p->org_id, -1, SQLITE_STATIC);
		int64_t acked = sqlite3_step(st) == SQLITE_ROW
		    ? sqlite3_column_int64(st, 0)
		    : 0;
		sqlite3_reset(st);
		proto_ctl_row_begin(c->w, 3);
		proto_ctl_field_text(c->w, "org_id", p->org_id);
		proto_ctl_field_int(c->w, "acked_version", acked);
		proto_ctl_field_bool(c->w, "current", acked == v && v > 0);
	}
	sqlite3_finalize(st);
	return WN_OK;
}

static node_matrix_fn matrix_hooks[NODE_MATRIX_HOOKS_MAX];
static size_t nmatrix_hooks;

void
node_need_on_matrix(node_matrix_fn fn)
{
	for (size_t i = 0; i < nmatrix_hooks; i++)
		if (matrix_hooks[i] == fn)
			return;
	WN_ASSERT(nmatrix_hooks < NODE_MATRIX_HOOKS_MAX);
	matrix_hooks[nmatrix_hooks++] = fn;
}

static wn_err
apply_matrix(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_matrix *m = calloc(1, sizeof(*m));
	struct proto_delegation dlg;
	uint8_t key[SEC_SIGN_PK_LEN];
	struct proto_error perr;
	uint8_t ab[32];
	struct proto_writer aw;
	wn_err rc = WN_ENOMEM;
	if (m == NULL)
		goto out;
	if (n->is_director) {
		snprintf(why, whylen, "the director accepts no matrix");
		rc = WN_EDENIED;
		goto out;
	}
	if ((rc = node_root_key(n, body, len, PROTO_MSG_MATRIX, key, &dlg,
	    why, whylen)) != WN_OK)
		goto out;
	rc = proto_matrix_verify_signed(body, len, key, m, &perr);
	if (rc == WN_ECRYPTO) {
		snprintf(why, whylen, n->has_root ? "matrix not signed by the "
		    "key its delegation names" : "matrix not signed by the "
		    "pinned director key");
		goto out;
	}
	if (rc != WN_OK) {
		snprintf(why, whylen, "malformed matrix at byte %zu: %s",
		    perr.offset, perr.msg);
		goto out;
	}
	char fed[PROTO_ORG_ID_MAX + 1];
	rc = node_charter_federation(n, fed, sizeof(fed));
	if (rc == WN_ENOTFOUND) {
		/* the charter comes first in the same outbox: wait for it */
		snprintf(why, whylen, "no charter held yet to check the "
		    "matrix's federation against");
		rc = WN_EBUSY;
		goto out;
	}
	if (rc != WN_OK)
		goto out;
	if (strcmp(m->federation, fed) != 0) {
		snprintf(why, whylen, "matrix of federation '%s', not this "
		    "node's federation '%s' (its charter's)", m->federation,
		    fed);
		rc = WN_EDENIED;
		goto out;
	}
	int64_t held = node_store_versioned_max(n->store, "matrix");
	if ((int64_t)m->version <= held) {
		snprintf(why, whylen, "matrix version %llu is not newer than "
		    "the %lld held (no downgrade)",
		    (unsigned long long)m->version, (long long)held);
		rc = WN_EDENIED;
		goto out;
	}
	if ((rc = node_root_admit(n, &dlg, PROTO_MSG_MATRIX, m->version, held,
	    m->issued_ms, why, whylen)) != WN_OK)
		goto out;
	struct proto_matrix_ack ack = {m->version};
	proto_writer_init(&aw, ab, sizeof(ab));
	char detail[96];
	snprintf(detail, sizeof(detail), "version %llu of %s",
	    (unsigned long long)m->version, m->federation);
	if ((rc = node_store_versioned_put(n->store, "matrix", m->version, body, len)) != WN_OK ||
	    (rc = node_root_note(n, PROTO_MSG_MATRIX, m->version, body,
		len)) != WN_OK ||
	    (rc = proto_matrix_ack_encode(&ack, &aw)) != WN_OK ||
	    (rc = node_outbox_push(n, from, PROTO_MSG_MATRIX_ACK, aw.buf,
		 aw.len)) != WN_OK ||
	    (rc = node_audit_append(n->store, "system", "matrix.applied",
		 from->org_id, detail)) != WN_OK)
		goto out;
	for (size_t i = 0; i < nmatrix_hooks; i++)
		if ((rc = matrix_hooks[i](n)) != WN_OK) {
			snprintf(why, whylen, "could not act on the new matrix "
			    "here: %s", wn_strerror(rc));
			goto out;
		}
	node_peer_kick(n);
out:
	free(m);
	return rc;
}

static wn_err
apply_matrix_ack(struct node *n, struct node_peer *from, const uint8_t *body,
    size_t len, char *why, size_t whylen)
{
	struct proto_matrix_ack a;
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	if (!n->is_director) {
		snprintf(why, whylen, "only the director keeps matrix acks");
		return WN_EDENIED;
	}
	if (proto_matrix_ack_decode(body, len, &a, NULL) != WN_OK) {
		snprintf(why, whylen, "malformed matrix ack");
		return WN_EPROTO;
	}
	if ((int64_t)a.version > node_store_versioned_max(n->store, "matrix")) {
		snprintf(why, whylen, "ack of matrix version %llu that was "
		    "never published", (unsigned long long)a.version);
		return WN_EDENIED;
	}
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"INSERT OR REPLACE INTO matrix_acks (org_id, version, "
		"acked_ms) VALUES (?, ?, ?)",
		-1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, from->org_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)a.version);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		if (sqlite3_step(st) == SQLITE_DONE)
			rc = WN_OK;
	}
	sqlite3_finalize(st);
	char detail[64];
	snprintf(detail, sizeof(detail), "version %llu",
	    (unsigned long long)a.version);
	if (rc == WN_OK)
		rc = node_audit_append(n->store, from->org_id,
		    "matrix.acknowledged", from->org_id, detail);
	return rc;
}

wn_err
node_need_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	switch (h->type) {
	case PROTO_MSG_MATRIX:
		return apply_matrix(n, from, body, len, why, whylen);
	case PROTO_MSG_MATRIX_ACK:
		return apply_matrix_ack(n, from, body, len, why, whylen);
	default:
		return node_case_apply(n, from, h, body, len, why, whylen);
	}
}

/* the message types need/ owns (need.c and the case files): registered
 * with the exchange, which applies them through this table */
static const struct node_msg_kind need_kinds[] = {
	{PROTO_MSG_MATRIX, node_need_apply},
	{PROTO_MSG_MATRIX_ACK, node_need_apply},
	{PROTO_MSG_CASE, node_case_apply},
	{PROTO_MSG_INFO_REQUEST, node_case_apply},
	{PROTO_MSG_DISCLOSURE, node_case_apply},
	{PROTO_MSG_RETRACTION, node_case_apply},
	{PROTO_MSG_RETRACTION_ACK, node_case_apply},
	{PROTO_MSG_AMEND, node_case_apply},
	{PROTO_MSG_ATTEST, node_case_apply},
};

wn_err
node_need_start(struct node *n)
{
	if (n->need == NULL && (n->need = calloc(1, sizeof(*n->need))) == NULL)
		return WN_ENOMEM;
	return WN_OK;
}

void
node_need_stop(struct node *n)
{
	free(n->need);
	n->need = NULL;
}

/* matrix_version: the version of the matrix this node holds, which every
 * envelope it sends names (the exchange asks, with n->mtx held) */
static uint64_t
matrix_version(struct node *n)
{
	sqlite3_stmt *st = node_store_stmt(n->store, NODE_ST_NEED,
	    "SELECT ifnull(max(version), 0) FROM matrix");
	uint64_t v = 0;
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st); /* an open read would pin the WAL */
	return v;
}

/* the free-text arguments of need/'s commands that have a limit */
static const struct node_ctl_text purpose_text[] = {
    {"purpose", PROTO_PURPOSE_CHARS}, {NULL, 0}};
static const struct node_ctl_text field_name_text[] = {
    {"name", PROTO_FIELD_NAME_CHARS}, {NULL, 0}};

/* the control commands need/ owns (need.c and the case files) */
static const struct node_ctl_cmd need_cmds[] = {
	{"matrix.publish", CFG_USER_ADMINISTRATOR, node_ctl_matrix_publish,
	    "sign and distribute a new matrix version (director)", false},
	{"matrix.show", CFG_USER_VIEWER, node_ctl_matrix_show,
	    "the matrix in force", false},
	{"matrix.acks", CFG_USER_VIEWER, node_ctl_matrix_acks,
	    "which member applied which matrix version (director)", false},
	{"case.open", CFG_USER_CASE_WORKER, node_ctl_case_open, "open a case",
	    false, purpose_text},
	{"case.invite", CFG_USER_CASE_WORKER, node_ctl_case_invite,
	    "invite a member to a case", false},
	{"case.remove", CFG_USER_CASE_WORKER, node_ctl_case_remove,
	    "remove a member from a case", false},
	{"case.list", CFG_USER_VIEWER, node_ctl_case_list, "cases", true},
	{"case.attest", CFG_USER_CASE_WORKER, node_ctl_case_attest,
	    "sign the case's consultation protocol, naming the workers", false},
	{"case.assign", CFG_USER_ADMINISTRATOR, node_ctl_case_assign,
	    "assign one of this node's users to a case", false},
	{"case.show", CFG_USER_VIEWER, node_ctl_case_list, "one case", true},
	{"case.request", CFG_USER_CASE_WORKER, node_ctl_case_request,
	    "ask a case's members for information", false},
	{"record.add", CFG_USER_CASE_WORKER, node_ctl_record_add,
	    "record a field about a subject", false, field_name_text},
	{"record.list", CFG_USER_CASE_WORKER, node_ctl_record_list,
	    "this node's fields", true},
	{"consent.give", CFG_USER_CASE_WORKER, node_ctl_consent_give,
	    "record consent", false},
	{"consent.basis", CFG_USER_CASE_WORKER, node_ctl_consent_basis,
	    "record a legal basis the matrix names", false},
	{"consent.withdraw", CFG_USER_CASE_WORKER, node_ctl_consent_withdraw,
	    "withdraw consent or a legal basis and retract what left under "
	    "it", false},
	{"consent.list", CFG_USER_VIEWER, node_ctl_consent_list, "consents",
	    true},
	{"share.list", CFG_USER_CASE_WORKER, node_ctl_share_list,
	    "information requests to decide", true},
	{"share.show", CFG_USER_CASE_WORKER, node_ctl_share_show,
	    "what would leave, field by field", true},
	{"share.approve", CFG_USER_CASE_WORKER, node_ctl_share_approve,
	    "approve (some categories of) a request", false},
	{"share.deny", CFG_USER_CASE_WORKER, node_ctl_share_deny,
	    "deny (some categories of) a request with a reason", false},
	{"data.list", CFG_USER_CASE_WORKER, node_ctl_data_list,
	    "what this node received", true},
	{"data.amend", CFG_USER_CASE_WORKER, node_ctl_data_amend,
	    "amend a received field (edit rights)", false},
	{"record.correct", CFG_USER_CASE_WORKER, node_ctl_record_correct,
	    "correct this node's own field; every copy shared follows", false},
};

void
node_need_room_register(void)
{
	node_exchange_register(need_kinds, WN_ARRAY_LEN(need_kinds));
	node_exchange_on_enrol(node_matrix_send, "queueing the matrix");
	node_exchange_on_resync(node_need_resync, "retractions");
	node_exchange_on_resync(node_need_resync_removals,
	    "removals from cases");
	node_exchange_on_mv(matrix_version);
	node_ctl_register(need_cmds, WN_ARRAY_LEN(need_cmds));
}
