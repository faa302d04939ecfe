/*
 * case_token.c - a case on a subject's token follows the token when the
 * federation's token key is rotated (node_need_case_token_move, need.h):
 * its subject "token:HEX" names the new token. The subject room calls it
 * with the pairs a member that holds the subject named; the token itself
 * never goes into a log or an audit record.
 */
#include "node/need/case_int.h"

#include <sqlcipher/sqlite3.h>
#include <stdio.h>

wn_err
node_need_case_token_move(struct node *n, const uint8_t old[32],
    const uint8_t new[32], const char *member, size_t *moved)
{
	char from[6 + 64 + 1] = "token:", to[6 + 64 + 1] = "token:";
	sqlite3_stmt *st = NULL;
	wn_err rc = WN_EDB;
	*moved = 0;
	sec_hex(from + 6, sizeof(from) - 6, old, 32);
	sec_hex(to + 6, sizeof(to) - 6, new, 32);
	if (sqlite3_prepare_v2(node_store_db(n->store),
		"UPDATE cases SET subject = ?1 WHERE subject = ?2 AND (?3 IS "
		"NULL OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id "
		"= cases.case_id AND m.org_id = ?3 AND m.removed = 0))", -1,
		&st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	if (member != NULL)
		sqlite3_bind_text(st, 3, member, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	*moved = (size_t)sqlite3_changes(node_store_db(n->store));
	rc = WN_OK;
out:
	if (rc != WN_OK)
		wn_log(WN_LOG_ERROR, "cases: %s", node_store_errmsg(n->store));
	sqlite3_finalize(st);
	sec_wipe(from, sizeof(from));
	sec_wipe(to, sizeof(to));
	return rc;
}
