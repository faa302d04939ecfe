/*
 * subject_ctl.c - the subject.add, subject.list and subject.show control
 * commands: a subject recorded under this node's reference with the
 * canonical form of one identifier (subject.c), its token derived here
 * at the director (within token_daily_limit per local user a day, as a
 * member is held to it: a case worker at the director cannot list a
 * population either) or asked of it (token.c), and the subjects shown with
 * their token as a short fingerprint (in full for --json), or why it is
 * not there yet. No reply, log line or audit record shows an identifier:
 * errors name the field, records the reference and the kind.
 */
#include "node/subject/subject.h"

#include "protocol/token_wire.h"

#include <sqlcipher/sqlite3.h>
#include <stdio.h>
#include <string.h>

static sqlite3_stmt *
prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "subjects: %s",
		    node_store_errmsg(n->store));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* form_of: the kind and canonical form the request's arguments give */
static wn_err
form_of(struct node_ctl_call *c, const char **kind, char *form, size_t cap)
{
	const char *rrn = node_ctl_arg(c, "rrn"), *bsn = node_ctl_arg(c, "bsn");
	const char *family = node_ctl_arg(c, "family");
	const char *given = node_ctl_arg(c, "given");
	const char *born = node_ctl_arg(c, "born");
	const char *street = node_ctl_arg(c, "street");
	int given_kinds = (rrn[0] != '\0') + (bsn[0] != '\0') +
	    (family[0] != '\0' || given[0] != '\0' || born[0] != '\0') +
	    (street[0] != '\0' || node_ctl_arg(c, "number")[0] != '\0' ||
		node_ctl_arg(c, "postcode")[0] != '\0');
	char err[200] = "";
	wn_err rc;
	if (given_kinds != 1)
		return node_ctl_fail(c, WN_EINVAL, "a subject is one of: a "
		    "national register number (rrn), a BSN (bsn), a person's "
		    "family and given names with a date of birth, or an "
		    "address");
	if (rrn[0]) {
		*kind = "be-nrn";
		rc = node_subject_be_nrn(rrn, form, cap, NULL, err,
		    sizeof(err));
	} else if (bsn[0]) {
		*kind = "nl-bsn";
		rc = node_subject_nl_bsn(bsn, form, cap, NULL, err,
		    sizeof(err));
	} else if (street[0] || node_ctl_arg(c, "number")[0] ||
	    node_ctl_arg(c, "postcode")[0]) {
		*kind = "address";
		rc = node_subject_address(street, node_ctl_arg(c, "number"),
		    node_ctl_arg(c, "box"), node_ctl_arg(c, "postcode"), form,
		    cap, NULL, err, sizeof(err));
	} else {
		*kind = "person";
		rc = node_subject_person(family, given, born, form, cap, NULL,
		    err, sizeof(err));
	}
	/* err names the field, never its value */
	return rc == WN_OK ? WN_OK : node_ctl_fail(c, rc, "%s", err);
}

static void
fingerprint(const uint8_t *t, char out[16])
{
	char hex[13];
	sec_hex(hex, sizeof(hex), t, 6);
	snprintf(out, 16, "%.4s-%.4s-%.4s", hex, hex + 4, hex + 8);
}

#define ROW_COLS "ref, kind, token, epoch, created_ms, token_ms, " \
		 "request_id IS NOT NULL, refused, refused_ms"

/* row: one subject from a statement selecting ROW_COLS; limited: the
 * director's daily limit is used up today (node_subject_limit_used) */
static void
row(struct node_ctl_call *c, sqlite3_stmt *st, bool limited)
{
	const uint8_t *t = sqlite3_column_blob(st, 2);
	bool has = t != NULL && sqlite3_column_bytes(st, 2) ==
	    NODE_SUBJECT_TOKEN_LEN;
	int64_t refused = sqlite3_column_int64(st, 7);
	char hex[2 * NODE_SUBJECT_TOKEN_LEN + 1] = "", fp[16] = "";
	const char *state = has ? "token"
	    : sqlite3_column_int(st, 6) ? "asked"
	    : refused != 0 ? "refused" : limited ? "limit" : "waiting";
	if (has) {
		sec_hex(hex, sizeof(hex), t, NODE_SUBJECT_TOKEN_LEN);
		fingerprint(t, fp);
	}
	proto_ctl_row_begin(c->w, 11);
	proto_ctl_field_text(c->w, "ref",
	    (const char *)sqlite3_column_text(st, 0));
	proto_ctl_field_text(c->w, "kind",
	    (const char *)sqlite3_column_text(st, 1));
	proto_ctl_field_text(c->w, "state", state);
	proto_ctl_field_text(c->w, "token", hex);
	proto_ctl_field_text(c->w, "fingerprint", fp);
	proto_ctl_field_int(c->w, "epoch", sqlite3_column_int64(st, 3));
	proto_ctl_field_int(c->w, "created_ms", sqlite3_column_int64(st, 4));
	proto_ctl_field_int(c->w, "token_ms", sqlite3_column_int64(st, 5));
	proto_ctl_field_int(c->w, "refused", refused);
	proto_ctl_field_text(c->w, "refused_why",
	    refused != 0 ? wn_strerror((wn_err)refused) : "");
	proto_ctl_field_int(c->w, "refused_ms", sqlite3_column_int64(st, 8));
}

static bool
ref_ok(const char *ref)
{
	return proto_org_id_valid(ref, strlen(ref));
}

wn_err
node_ctl_subject_add(struct node_ctl_call *c)
{
	struct node *n = c->n;
	const char *ref = node_ctl_arg(c, "ref"), *kind = NULL;
	char form[NODE_SUBJECT_MAX], msg[300];
	uint8_t token[NODE_SUBJECT_TOKEN_LEN];
	uint64_t key_id = 0, used = 0, limit = 0;
	sqlite3_stmt *st = NULL;
	size_t asked = 0;
	wn_err rc;
	if (!ref_ok(ref))
		return node_ctl_fail(c, WN_EINVAL, "a subject's reference is "
		    "1 to 63 of a-z, 0-9, - and _");
	if ((rc = form_of(c, &kind, form, sizeof(form))) != WN_OK)
		goto out;
	rc = WN_EDB;
	if ((st = prep(n, "SELECT ref FROM subjects WHERE ref = ? OR "
			  "ident = ?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		rc = strcmp((const char *)sqlite3_column_text(st, 0), ref) == 0
		    ? node_ctl_fail(c, WN_EINVAL, "subject %s is already "
			  "recorded", ref)
		    : node_ctl_fail(c, WN_EINVAL, "this %s is already "
			  "recorded as subject %s", kind,
			  (const char *)sqlite3_column_text(st, 0));
		goto out;
	}
	if (s != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	if ((st = prep(n, "INSERT INTO subjects (ref, kind, ident, "
			  "created_ms) VALUES (?, ?, ?, ?)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, form, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, wn_now_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (n->is_director) {
		/* the municipality's own files: no message, but the daily
		 * limit per user */
		rc = node_subject_local_use(n, c->user->name, &used, &limit);
		if (rc == WN_ELIMIT) {
			rc = node_ctl_fail(c, rc, "%s: %s has had %llu tokens "
			    "derived here today, the daily limit "
			    "(token_daily_limit); nothing was recorded",
			    wn_strerror(rc), c->user->name,
			    (unsigned long long)used);
			goto out;
		}
		if (rc != WN_OK ||
		    (rc = node_subject_derive(n, form, token, &key_id)) !=
			WN_OK)
			goto out;
		rc = WN_EDB;
		if ((st = prep(n, "UPDATE subjects SET token = ?, epoch = ?, "
				  "token_ms = ? WHERE ref = ?")) == NULL)
			goto out;
		sqlite3_bind_blob(st, 1, token, sizeof(token), SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (int64_t)key_id);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
		snprintf(msg, sizeof(msg), "subject %s recorded; its token "
		    "was derived here (key %llu; %llu of your %llu a day)",
		    ref, (unsigned long long)key_id, (unsigned long long)used,
		    (unsigned long long)limit);
		/* the user is the record's; never the identifier */
		snprintf(c->detail, sizeof(c->detail), "subject %s (%s): "
		    "token derived here, %llu of %llu today", ref, kind,
		    (unsigned long long)used, (unsigned long long)limit);
	} else {
		if ((rc = node_subject_ask(n, &asked)) != WN_OK)
			goto out;
		if (asked == 0 && node_subject_limit_used(n))
			snprintf(msg, sizeof(msg), "subject %s recorded; its "
			    "token is asked of the director the next day "
			    "(UTC): the daily limit the director stated is "
			    "used up today", ref);
		else if (asked == 0)
			snprintf(msg, sizeof(msg), "subject %s recorded; its "
			    "token is asked of the director once this node "
			    "holds the federation's charter", ref);
		else
			snprintf(msg, sizeof(msg), "subject %s recorded; its "
			    "token was asked of the director (%zu subject%s "
			    "in the request): `wijknet subject show %s` "
			    "shows it once the answer came", ref, asked,
			    asked == 1 ? "" : "s", ref);
		snprintf(c->detail, sizeof(c->detail), "subject %s (%s): %zu "
		    "tokens asked of the director", ref, kind, asked);
		c->kick = asked != 0;
	}
	sqlite3_finalize(st);
	if ((st = prep(n, "SELECT " ROW_COLS " FROM subjects WHERE ref = ?")) ==
	    NULL || (sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC),
			sqlite3_step(st)) != SQLITE_ROW) {
		rc = WN_EDB;
		goto out;
	}
	proto_ctl_reply_begin(c->w, WN_OK, msg, 1);
	row(c, st, node_subject_limit_used(n));
	rc = WN_OK;
out:
	sec_wipe(form, sizeof(form));
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_ctl_subject_list(struct node_ctl_call *c)
{
	sqlite3_stmt *st = NULL;
	int64_t count = 0;
	char msg[100];
	wn_err rc = WN_EDB;
	if ((st = prep(c->n, "SELECT count(*) FROM subjects")) == NULL ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if ((st = prep(c->n, "SELECT " ROW_COLS " FROM subjects ORDER BY "
			     "ref")) == NULL)
		goto out;
	if (count == 0)
		snprintf(msg, sizeof(msg), "no subjects yet");
	else
		snprintf(msg, sizeof(msg), "%lld subject%s", (long long)count,
		    count == 1 ? "" : "s");
	snprintf(c->detail, sizeof(c->detail), "listed %lld subjects",
	    (long long)count);
	bool limited = node_subject_limit_used(c->n);
	proto_ctl_reply_begin(c->w, WN_OK, msg, (size_t)count);
	for (int64_t i = 0; i < count; i++) {
		if (sqlite3_step(st) != SQLITE_ROW)
			goto out;
		row(c, st, limited);
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

wn_err
node_ctl_subject_show(struct node_ctl_call *c)
{
	const char *ref = node_ctl_arg(c, "ref");
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	int s;
	if (!ref_ok(ref))
		return node_ctl_fail(c, WN_EINVAL, "a subject's reference is "
		    "1 to 63 of a-z, 0-9, - and _");
	if ((st = prep(c->n, "SELECT " ROW_COLS " FROM subjects WHERE ref = "
			     "?")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
	if ((s = sqlite3_step(st)) == SQLITE_DONE) {
		rc = node_ctl_fail(c, WN_ENOTFOUND, "no subject %s here", ref);
		goto out;
	}
	if (s != SQLITE_ROW)
		goto out;
	snprintf(c->detail, sizeof(c->detail), "subject %s", ref);
	proto_ctl_reply_begin(c->w, WN_OK, "", 1);
	row(c, st, node_subject_limit_used(c->n));
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	return rc;
}
