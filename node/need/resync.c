/*
 * resync.c - what need/ sends again to a peer whose store went back
 * (restored from a backup, or accepted as rolled back): the retractions,
 * and at a case's director the removals from its cases
 * (PROTOCOL.md, "After a restore"; the exchange's RESYNC_REQUEST calls
 * it, node_exchange_on_resync).
 *
 * `disclosures` keeps every field this node disclosed, with when it was
 * retracted (retracted_ms) and when the recipient acknowledged that
 * (retraction_acked_ms), for as long as the store lives: that is the
 * tombstone, whatever the backup's age. A recipient acknowledges a
 * retraction after it applied it, so one acknowledged before the copy was
 * made (less the clocks' window) is in the copy; any other is sent again,
 * one RETRACTION per case of at most PROTO_RETRACT_MAX ids. A field
 * disclosed to it again since, and not retracted, is left alone: the
 * recipient may hold it.
 *
 * A case's director also tells the asker again each case it was removed
 * from (node_need_resync_removals): the CASE as it stands, without it,
 * so that it forgets what it holds of the case (forget_case), whatever
 * came from members that cannot retract. case_members keeps a removed
 * member (removed = 1) for as long as the case lives; no time is kept,
 * so every such case is told, once per request: as many as it was
 * removed from.
 */
#include "node/need/need.h"
#include "node/need/case_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* flush queues the retraction r holds for `to` and empties it */
static wn_err
flush(struct node *n, struct node_peer *to, struct proto_retraction *r,
    size_t *queued)
{
	struct proto_writer w = {0};
	wn_err rc;
	if (r->n == 0)
		return WN_OK;
	if ((rc = proto_writer_init_dynamic(&w, 1024, PROTO_BODY_MAX - 1)) ==
		WN_OK &&
	    (rc = proto_retraction_encode(r, false, &w)) == WN_OK)
		rc = node_outbox_push(n, to, PROTO_MSG_RETRACTION, w.buf,
		    w.len);
	proto_writer_release(&w);
	if (rc == WN_OK)
		(*queued)++;
	r->n = 0;
	return rc;
}

wn_err
node_need_resync(struct node *n, struct node_peer *to, int64_t since_ms,
    size_t *queued)
{
	struct proto_retraction *r = calloc(1, sizeof(*r));
	sqlite3_stmt *st = NULL;
	size_t fields = 0;
	wn_err rc = WN_ENOMEM;
	if (r == NULL)
		goto out;
	rc = WN_EDB;
	if ((st = case_prep(n, "SELECT DISTINCT d.case_id, d.field_id FROM "
			       "disclosures d WHERE d.to_org = ?1 AND "
			       "d.retracted_ms IS NOT NULL AND "
			       "(d.retraction_acked_ms IS NULL OR "
			       "d.retraction_acked_ms >= ?2) AND NOT EXISTS "
			       "(SELECT 1 FROM disclosures e WHERE e.to_org = "
			       "?1 AND e.case_id = d.case_id AND e.field_id = "
			       "d.field_id AND e.retracted_ms IS NULL) "
			       "ORDER BY d.case_id, d.field_id")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, to->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, since_ms - NODE_RESYNC_SLACK_MS);
	snprintf(r->reason, sizeof(r->reason), "sent again: the recipient's "
	    "store went back to an older copy");
	for (;;) {
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW)
			goto out;
		const char *cid = case_col(st, 0);
		if ((r->n > 0 && strcmp(cid, r->case_id) != 0) ||
		    r->n == PROTO_RETRACT_MAX) {
			if ((rc = flush(n, to, r, queued)) != WN_OK)
				goto out;
			rc = WN_EDB;
		}
		wn_strlcpy(r->case_id, cid, sizeof(r->case_id));
		r->ids[r->n++] = (uint64_t)sqlite3_column_int64(st, 1);
		fields++;
	}
	if ((rc = flush(n, to, r, queued)) != WN_OK)
		goto out;
	rc = WN_OK;
	if (fields > 0) {
		char detail[200];
		snprintf(detail, sizeof(detail), "%zu fields retracted from %s "
		    "before sent again: its store went back; its receipt is "
		    "owed", fields, to->org_id);
		rc = node_audit_append(n->store, "system", "retraction.sent",
		    to->org_id, detail);
	}
out:
	sqlite3_finalize(st);
	free(r);
	return rc;
}

wn_err
node_need_resync_removals(struct node *n, struct node_peer *to,
    int64_t since_ms, size_t *queued)
{
	sqlite3_stmt *st = NULL;
	char (*ids)[PROTO_CASE_ID_MAX + 1] = NULL;
	size_t k = 0, cap = 0;
	wn_err rc = WN_EDB;
	(void)since_ms;
	if ((st = case_prep(n, "SELECT m.case_id FROM case_members m JOIN "
			       "cases c ON c.case_id = m.case_id WHERE "
			       "m.org_id = ?1 AND m.removed = 1 AND "
			       "c.director = ?2 ORDER BY m.case_id")) == NULL)
		return WN_EDB;
	sqlite3_bind_text(st, 1, to->org_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->cfg.org_id, -1, SQLITE_STATIC);
	for (;;) {
		int step = sqlite3_step(st);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW)
			goto out;
		if (k == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			void *m = realloc(ids, ncap * sizeof(*ids));
			rc = WN_ENOMEM;
			if (m == NULL)
				goto out;
			rc = WN_EDB;
			ids = m;
			cap = ncap;
		}
		wn_strlcpy(ids[k++], case_col(st, 0), sizeof(ids[0]));
	}
	sqlite3_finalize(st);
	st = NULL;
	for (size_t i = 0; i < k; i++) {
		struct case_info ci;
		if (!case_load(n, ids[i], &ci))
			continue;
		if ((rc = case_send_only(n, &ci, to->org_id)) != WN_OK)
			goto out;
		(*queued)++;
	}
	rc = WN_OK;
out:
	sqlite3_finalize(st);
	free(ids);
	return rc;
}
