/*
 * root.c - the federation root on a node (issue 16, part 1).
 *
 * A node whose config names a root (`root`, the root's public key, and
 * `federation`, the id its delegations name) pins both in its store at
 * the first start and refuses to start when the config later names
 * another (or none): an edit of the plain config cannot change whom it
 * trusts. A member then checks each charter and matrix against the key
 * the root delegated, not against the director's key: the document
 * carries the root's delegation (protocol/delegation.h); the delegation
 * must be signed by the pinned root, name the pinned federation, be the
 * newest the member has seen (a higher serial replaces every lower one),
 * not be revoked, and cover the document's time. The director (config
 * `delegation`, a file from `wijknetd root delegate`) attaches its
 * delegation to everything it publishes and sends the root's revocation
 * (config `revocation`) to every member once (message type REVOCATION).
 *
 * Every node, with a root or without, refuses a charter or matrix whose
 * version is more than NODE_ROOT_MAX_STEP above the one it holds, with an
 * alert: a stolen key could otherwise publish version 2^63 and lock the
 * real director out for good.
 *
 * State lives in the store's meta table: root.key, root.federation (the
 * pins), root.serial (the highest delegation seen), root.revoked.N (a
 * revoked serial, the time of its revocation), root.sent.N (the director
 * queued revocation N for its members).
 */
#include "node/exchange/exchange.h"
#include "node/exchange/exchange_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "protocol/delegation.h"

struct node_root {
	uint8_t *dlg; /* the director's signed delegation, or NULL */
	size_t dlg_len;
	struct proto_delegation d;
	uint8_t *rev; /* the director's signed revocation, or NULL */
	size_t rev_len;
	struct proto_revocation r;
};

static wn_err
read_small(const char *path, uint8_t **out, size_t *len, size_t max,
    char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	size_t n;
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot be read", path);
		return WN_EIO;
	}
	if ((b = malloc(max + 1)) == NULL) {
		fclose(f);
		return WN_ENOMEM;
	}
	n = fread(b, 1, max + 1, f);
	fclose(f);
	if (n == 0 || n > max) {
		snprintf(err, errlen, "%s: %s", path, n == 0 ? "empty" :
		    "too long for a signed delegation or revocation");
		free(b);
		return WN_ECONFIG;
	}
	*out = b;
	*len = n;
	return WN_OK;
}

/* pin: the store holds the config's root and federation (written at the
 * first start), or start is refused. */
static wn_err
pin(struct node *n, char *err, size_t errlen)
{
	char held_key[80] = "", held_fed[80] = "";
	bool hk = node_store_meta_get(n->store, "root.key", held_key,
	    sizeof(held_key));
	bool hf = node_store_meta_get(n->store, "root.federation", held_fed,
	    sizeof(held_fed));
	wn_err rc;

	if (!n->has_root) {
		if (hk || hf) {
			snprintf(err, errlen, "%s: this node's store pins the "
			    "federation root %s (federation '%s'), but the "
			    "config names no root: put `root` and `federation` "
			    "back", n->cfg_path, held_key, held_fed);
			return WN_ECONFIG;
		}
		return WN_OK;
	}
	if (hk || hf) {
		if (strcmp(held_key, n->cfg.root) != 0 ||
		    strcmp(held_fed, n->cfg.federation) != 0) {
			snprintf(err, errlen, "%s: the config names the root %s "
			    "of federation '%s', but this node's store pins "
			    "the root %s of federation '%s' since its first "
			    "start; a root is not changed by editing the "
			    "config", n->cfg_path, n->cfg.root,
			    n->cfg.federation, held_key, held_fed);
			return WN_ECONFIG;
		}
		return WN_OK;
	}
	if ((rc = node_store_begin(n->store)) != WN_OK)
		goto fail;
	if ((rc = node_store_meta_put(n->store, "root.key", n->cfg.root)) !=
		WN_OK ||
	    (rc = node_store_meta_put(n->store, "root.federation",
		n->cfg.federation)) != WN_OK ||
	    (rc = node_audit_append(n->store, "system", "root.pinned",
		n->cfg.federation, n->cfg.root)) != WN_OK) {
		node_store_rollback(n->store);
		goto fail;
	}
	if ((rc = node_store_commit(n->store)) == WN_OK)
		return WN_OK;
fail:
	snprintf(err, errlen, "cannot pin the federation root in the store: "
	    "%s", wn_strerror(rc));
	return rc;
}

/* director_files: the director's own delegation and revocation, checked
 * against its root before it serves. */
static wn_err
director_files(struct node *n, char *err, size_t errlen)
{
	struct node_root *r = n->root;
	struct proto_error perr;
	int64_t now = wn_now_ms();
	wn_err rc;

	if (n->cfg.delegation[0] != '\0') {
		if ((rc = read_small(n->cfg.delegation, &r->dlg, &r->dlg_len,
		    PROTO_SIGNED_DELEGATION_MAX, err, errlen)) != WN_OK)
			return rc;
		if (proto_delegation_verify_signed(r->dlg, r->dlg_len,
		    n->root_pk, &r->d, &perr) != WN_OK) {
			snprintf(err, errlen, "%s: not a delegation signed by "
			    "the configured root: %s", n->cfg.delegation,
			    perr.msg);
			return WN_ECONFIG;
		}
		if (strcmp(r->d.federation, n->cfg.federation) != 0 ||
		    memcmp(r->d.key, sec_identity_public(n->id)->sign_pk,
			SEC_SIGN_PK_LEN) != 0) {
			snprintf(err, errlen, "%s: the delegation is for "
			    "federation '%s' and another key: this director "
			    "signs with its node key, of federation '%s'",
			    n->cfg.delegation, r->d.federation,
			    n->cfg.federation);
			return WN_ECONFIG;
		}
		if (now < r->d.from_ms || now >= r->d.until_ms) {
			snprintf(err, errlen, "%s: delegation %" PRIu64 " is "
			    "%s: ask the root for a new one",
			    n->cfg.delegation, r->d.serial,
			    now < r->d.from_ms ? "not valid yet" : "expired");
			return WN_ECONFIG;
		}
	}
	if (n->cfg.revocation[0] != '\0') {
		if ((rc = read_small(n->cfg.revocation, &r->rev, &r->rev_len,
		    PROTO_SIGNED_REVOCATION_MAX, err, errlen)) != WN_OK)
			return rc;
		if (proto_revocation_verify_signed(r->rev, r->rev_len,
		    n->root_pk, &r->r, &perr) != WN_OK ||
		    strcmp(r->r.federation, n->cfg.federation) != 0) {
			snprintf(err, errlen, "%s: not a revocation of "
			    "federation '%s' signed by the configured root",
			    n->cfg.revocation, n->cfg.federation);
			return WN_ECONFIG;
		}
		if (r->dlg != NULL && r->r.serial == r->d.serial) {
			snprintf(err, errlen, "%s revokes delegation %" PRIu64
			    ", the one in %s: ask the root for a new one",
			    n->cfg.revocation, r->r.serial, n->cfg.delegation);
			return WN_ECONFIG;
		}
	}
	return WN_OK;
}

wn_err
node_root_start(struct node *n, char *err, size_t errlen)
{
	wn_err rc;

	n->has_root = n->cfg.root[0] != '\0';
	if (n->has_root != (n->cfg.federation[0] != '\0')) {
		snprintf(err, errlen, "%s: `root` and `federation` go together",
		    n->cfg_path);
		return WN_ECONFIG;
	}
	if ((n->cfg.delegation[0] != '\0' || n->cfg.revocation[0] != '\0') &&
	    !(n->has_root && n->is_director)) {
		snprintf(err, errlen, "%s: `delegation` and `revocation` are "
		    "for a director that names its `root`", n->cfg_path);
		return WN_ECONFIG;
	}
	if (n->has_root && !sec_unhex(n->root_pk, sizeof(n->root_pk),
	    n->cfg.root)) {
		snprintf(err, errlen, "%s: root is not 64 hex digits",
		    n->cfg_path);
		return WN_ECONFIG;
	}
	if ((n->root = calloc(1, sizeof(*n->root))) == NULL)
		return WN_ENOMEM;
	if ((rc = pin(n, err, errlen)) != WN_OK)
		return rc;
	return director_files(n, err, errlen);
}

void
node_root_free(struct node *n)
{
	if (n->root == NULL)
		return;
	free(n->root->dlg);
	free(n->root->rev);
	free(n->root);
	n->root = NULL;
}

wn_err
node_root_publish(struct node *n)
{
	struct node_root *r = n->root;
	char key[48], v[24];
	wn_err rc = WN_OK;

	if (r == NULL || r->rev == NULL)
		return WN_OK;
	snprintf(key, sizeof(key), "root.sent.%" PRIu64, r->r.serial);
	if (node_store_meta_get(n->store, key, v, sizeof(v)))
		return WN_OK;
	size_t i = 0;
	for (struct node_peer *p; (p = node_peer_next(n, &i)) != NULL;)
		if ((rc = node_outbox_push(n, p, PROTO_MSG_REVOCATION, r->rev,
			 r->rev_len)) != WN_OK)
			return rc;
	snprintf(v, sizeof(v), "%" PRId64, wn_now_ms());
	char detail[64];
	snprintf(detail, sizeof(detail), "delegation %" PRIu64 " revoked",
	    r->r.serial);
	if ((rc = node_store_meta_put(n->store, key, v)) != WN_OK ||
	    (rc = node_audit_append(n->store, "system", "root.revocation_sent",
		n->cfg.federation, detail)) != WN_OK)
		return rc;
	return WN_OK; /* the delivery thread, started next, sends it */
}

wn_err
node_root_attach(struct node *n, struct proto_writer *w)
{
	struct node_root *r = n->root;
	uint8_t *copy;
	size_t len = w->len;
	wn_err rc;

	if (r == NULL || r->dlg == NULL)
		return WN_OK;
	if ((copy = malloc(len)) == NULL)
		return WN_ENOMEM;
	memcpy(copy, w->buf, len);
	proto_writer_reset(w);
	rc = proto_dlg_attach(copy, len, r->dlg, r->dlg_len, w);
	free(copy);
	return rc;
}

static uint64_t
meta_u64(struct node *n, const char *key)
{
	char v[32];
	uint64_t x = 0;
	if (node_store_meta_get(n->store, key, v, sizeof(v)) &&
	    wn_parse_u64(v, UINT64_MAX, &x))
		return x;
	return 0;
}

static bool
revoked(struct node *n, uint64_t serial)
{
	char key[48], v[32];
	snprintf(key, sizeof(key), "root.revoked.%" PRIu64, serial);
	return node_store_meta_get(n->store, key, v, sizeof(v));
}

wn_err
node_root_key(struct node *n, const uint8_t *buf, size_t len, uint32_t type,
    uint8_t key[SEC_SIGN_PK_LEN], struct proto_delegation *d, char *why,
    size_t whylen)
{
	const uint8_t *dlg;
	size_t dlg_len;
	struct proto_error perr;
	wn_err rc;

	memset(d, 0, sizeof(*d));
	if (!n->has_root || n->is_director) {
		memcpy(key, n->is_director ?
		    sec_identity_public(n->id)->sign_pk : n->director_pk,
		    SEC_SIGN_PK_LEN);
		return WN_OK;
	}
	if ((rc = proto_dlg_extract(buf, len, type, &dlg, &dlg_len, &perr)) !=
	    WN_OK) {
		snprintf(why, whylen, "malformed %s at byte %zu: %s",
		    proto_msg_type_name(type), perr.offset, perr.msg);
		return rc;
	}
	if (dlg == NULL) {
		snprintf(why, whylen, "%s carries no delegation of the "
		    "federation root", proto_msg_type_name(type));
		return WN_ECRYPTO;
	}
	rc = proto_delegation_verify_signed(dlg, dlg_len, n->root_pk, d,
	    &perr);
	if (rc == WN_OK && strcmp(d->federation, n->cfg.federation) != 0)
		rc = WN_ECRYPTO;
	if (rc != WN_OK) {
		snprintf(why, whylen, "the %s's delegation is not signed by "
		    "the pinned root of federation '%s'",
		    proto_msg_type_name(type), n->cfg.federation);
		memset(d, 0, sizeof(*d));
		return WN_ECRYPTO;
	}
	memcpy(key, d->key, SEC_SIGN_PK_LEN);
	return WN_OK;
}

/* refuse_alert: a refusal the administrator must hear of */
static wn_err
refuse_alert(struct node *n, char *why, size_t whylen, const char *fmt, ...)
    WN_PRINTF(4, 5);

static wn_err
refuse_alert(struct node *n, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	wn_strlcpy(n->ex->alert, why, sizeof(n->ex->alert));
	n->ex->alert_action = "alert.root_refused";
	return WN_EDENIED;
}

wn_err
node_root_admit(struct node *n, const struct proto_delegation *d,
    uint32_t type, uint64_t version, int64_t held, int64_t issued_ms,
    char *why, size_t whylen)
{
	const char *what = proto_msg_type_name(type);
	uint64_t top;
	char v[32];

	if (held >= 0 && version > (uint64_t)held + NODE_ROOT_MAX_STEP)
		return refuse_alert(n, why, whylen, "%s version %" PRIu64
		    " refused: it jumps more than %d above the %" PRId64
		    " held", what, version, NODE_ROOT_MAX_STEP, held);
	if (!n->has_root || n->is_director)
		return WN_OK;
	top = meta_u64(n, "root.serial");
	switch (proto_dlg_judge(d, n->cfg.federation, top,
	    revoked(n, d->serial), issued_ms)) {
	case PROTO_DLG_OK:
		break;
	case PROTO_DLG_REVOKED:
		return refuse_alert(n, why, whylen, "%s version %" PRIu64
		    " refused: it is signed under delegation %" PRIu64
		    ", which the federation root revoked", what, version,
		    d->serial);
	case PROTO_DLG_REPLACED:
		snprintf(why, whylen, "%s version %" PRIu64 " refused: its "
		    "delegation %" PRIu64 " was replaced by delegation %"
		    PRIu64, what, version, d->serial, top);
		return WN_EDENIED;
	case PROTO_DLG_OTHER_FEDERATION: /* node_root_key checked it */
		snprintf(why, whylen, "%s version %" PRIu64 " refused: its "
		    "delegation is of another federation", what, version);
		return WN_EDENIED;
	default:
		snprintf(why, whylen, "%s version %" PRIu64 " refused: issued "
		    "%s its delegation %" PRIu64 " is valid", what, version,
		    issued_ms < d->from_ms ? "before" : "after", d->serial);
		return WN_EDENIED;
	}
	if (d->serial > top) {
		snprintf(v, sizeof(v), "%" PRIu64, d->serial);
		if (node_store_meta_put(n->store, "root.serial", v) != WN_OK)
			return WN_EDB;
	}
	return WN_OK;
}

wn_err
node_root_apply_revocation(struct node *n, const uint8_t *buf, size_t len,
    char *why, size_t whylen)
{
	struct proto_revocation r;
	struct proto_error perr;
	char key[48], v[32], detail[96];

	/* a member that pins no root (the director sends to all) has no
	 * use for it; the director never takes one */
	if (n->is_director) {
		snprintf(why, whylen, "the director takes no revocation");
		return WN_EDENIED;
	}
	if (!n->has_root)
		return WN_OK;
	if (proto_revocation_verify_signed(buf, len, n->root_pk, &r, &perr) !=
	    WN_OK || strcmp(r.federation, n->cfg.federation) != 0) {
		snprintf(why, whylen, "revocation not signed by the pinned "
		    "root of federation '%s'", n->cfg.federation);
		return WN_ECRYPTO;
	}
	snprintf(key, sizeof(key), "root.revoked.%" PRIu64, r.serial);
	snprintf(v, sizeof(v), "%" PRId64, r.revoked_ms);
	snprintf(detail, sizeof(detail), "delegation %" PRIu64 " revoked",
	    r.serial);
	if (node_store_meta_put(n->store, key, v) != WN_OK ||
	    node_audit_append(n->store, "system", "root.revoked",
		r.federation, detail) != WN_OK)
		return WN_EDB;
	wn_log(WN_LOG_WARN, "the federation root revoked delegation %" PRIu64
	    ": documents signed under it are refused", r.serial);
	return WN_OK;
}

/* ---- fork detection: the hashes of the documents held ---------------- */

static bool
doc_hash(const uint8_t *buf, size_t len, uint32_t type,
    uint8_t out[SEC_HASH_LEN])
{
	struct proto_cose_sign1 m;
	if (proto_signed_decode(buf, len, type, &m, NULL) != WN_OK)
		return false;
	struct sec_part p = {m.payload, m.payload_len};
	sec_hash_domain(out, "wijknet-doc", &p, 1);
	return true;
}

wn_err
node_root_note(struct node *n, uint32_t type, uint64_t version,
    const uint8_t *buf, size_t len)
{
	struct proto_doc_hash h = {.type = type, .version = version};
	uint8_t body[64];
	struct proto_writer w;
	char key[48], hex[2 * SEC_HASH_LEN + 1];
	wn_err rc;

	if (!n->has_root)
		return WN_OK;
	if (!doc_hash(buf, len, type, h.hash))
		return WN_EPROTO;
	sec_hex(hex, sizeof(hex), h.hash, sizeof(h.hash));
	snprintf(key, sizeof(key), "doc.%" PRIu32 ".%" PRIu64, type, version);
	if ((rc = node_store_meta_put(n->store, key, hex)) != WN_OK)
		return rc;
	proto_writer_init(&w, body, sizeof(body));
	if ((rc = proto_doc_hash_encode(&h, &w)) != WN_OK)
		return rc;
	size_t i = 0;
	for (struct node_peer *p; (p = node_peer_next(n, &i)) != NULL;)
		if ((rc = node_outbox_push(n, p, PROTO_MSG_DOC_HASH, w.buf,
			 w.len)) != WN_OK)
			return rc;
	return WN_OK;
}

wn_err
node_root_apply_doc_hash(struct node *n, const char *from,
    const uint8_t *buf, size_t len, char *why, size_t whylen)
{
	struct proto_doc_hash h;
	struct proto_error perr;
	char key[48], held[80], hex[2 * SEC_HASH_LEN + 1], detail[300];

	if (proto_doc_hash_decode(buf, len, &h, &perr) != WN_OK) {
		snprintf(why, whylen, "malformed doc_hash at byte %zu: %s",
		    perr.offset, perr.msg);
		return WN_EPROTO;
	}
	/* a node without a root keeps no hashes to compare with */
	if (!n->has_root)
		return WN_OK;
	snprintf(key, sizeof(key), "doc.%" PRIu32 ".%" PRIu64, h.type,
	    h.version);
	if (!node_store_meta_get(n->store, key, held, sizeof(held)))
		return WN_OK; /* not held here: nothing to compare */
	sec_hex(hex, sizeof(hex), h.hash, sizeof(h.hash));
	if (strcmp(hex, held) == 0)
		return WN_OK;
	snprintf(detail, sizeof(detail), "fork: %s version %" PRIu64 " held "
	    "by %s is another document than the one this node holds (hash "
	    "%.16s..., here %.16s...)", proto_msg_type_name(h.type),
	    h.version, from, hex, held);
	wn_log(WN_LOG_WARN, "ALERT for the administrator: %s", detail);
	return node_audit_append(n->store, "system", "alert.fork", from,
	    detail);
}
