/*
 * mediation_int.h - what the files of neighbourhood mediation in the work
 * room share (mediation.c, the writes; mediation_show.c, mediation.show and
 * mediation.report). No file outside them includes it.
 */
#ifndef NODE_WORK_MEDIATION_INT_H
#define NODE_WORK_MEDIATION_INT_H

#include "node/need/need.h"
#include "node/work/work.h"

#include <sqlcipher/sqlite3.h>

/* what this node holds of a mediation (mediations) */
struct med {
	int source, dispute, outcome; /* outcome -1: open */
	int32_t referred_day, closed_day, agreement_day; /* agreement: -1 none */
	char partner[PROTO_ORG_ID_MAX + 1];
	bool has_agreement;
};

/* med_case: the case named by the argument `case`, a mediation case this
 * node (a mediation service) directs, into kc; with m, its mediation too
 * (which must be open when open is true). A refusal is said in c. */
WN_NODISCARD wn_err med_case(struct node_ctl_call *c, struct node_case *kc,
    struct med *m, bool open);

/* med_count_of: the integer the query (?1 case_id, ?2 text or NULL)
 * gives, 0 when it gives no row; WN_EDB */
WN_NODISCARD wn_err med_count_of(struct node *n, const char *sql,
    const char *case_id, const char *text, int64_t *out);

/* med_agreed_words: a party's answer (1, 0, -1) as "yes", "no", "not
 * asked yet" */
const char *med_agreed_words(int a);

#endif
