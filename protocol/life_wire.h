/*
 * life_wire.h - the bodies of a case's life (CDDL in PROTOCOL.md): a step
 * of a case (CASE_STEP, type 19: the case moved to a stage, or closed
 * with an outcome; who, when and, where the matrix lets it, why) and a
 * link between two cases (CASE_LINK, type 22). The case's director sends
 * both; node/work/life.c applies them.
 *
 * A step names the case by its id only, never by its subject. Its reason
 * is free text a person wrote: present (possibly empty: none was given)
 * only when the matrix in force gives the recipient's role at least
 * `view` of `deliberation` in the case's type; absent otherwise.
 *
 * The decoders are strict: keys in ascending order, each at most once,
 * unknown keys, wrong types, out-of-range values, an outcome on an open
 * stage (or none on `closed`), control characters (a reason may hold
 * newlines and tabs), over-long text and trailing bytes are refused. They
 * never allocate; a refused body leaves the struct zeroed.
 */
#ifndef PROTO_LIFE_WIRE_H
#define PROTO_LIFE_WIRE_H

#include "protocol/envelope.h"
#include "protocol/need_wire.h"

/* node/work/work.h's numberings: only ever append */
#define PROTO_CASE_STAGES 6    /* signal .. follow_up, 5 closed */
#define PROTO_CASE_CLOSED 5
#define PROTO_CASE_OUTCOMES 3  /* resolved, handed_over, stopped */
#define PROTO_CASE_RELATIONS 3 /* family_member, group_involved, related */
#define PROTO_STEP_USER_MAX 63 /* a user name: [a-z0-9_-], like an org id */
#define PROTO_STEP_REASON_MAX 4000 /* bytes: 1000 characters of up to 4 */
#define PROTO_STEP_MAX 1000000 /* steps of one case */

/* case_step = {1: case id, 2: step, 3: stage, ? 4: outcome, 5: when_ms,
 *              6: by org, 7: by user, ? 8: reason} */
struct proto_case_step {
	char case_id[PROTO_CASE_ID_MAX + 1]; /* [a-z0-9_-], not empty */
	uint64_t step;     /* 1, 2, ... per case */
	uint32_t stage;    /* < PROTO_CASE_STAGES */
	uint32_t outcome;  /* < PROTO_CASE_OUTCOMES; 0 unless closed */
	int64_t when_ms;   /* >= 0 */
	char by_org[PROTO_ORG_ID_MAX + 1];
	char by_user[PROTO_STEP_USER_MAX + 1];
	bool has_reason;   /* false: not shared with the recipient */
	char reason[PROTO_STEP_REASON_MAX + 1]; /* "" : none was given */
};

/* case_link = {1: case id, 2: other case id, 3: relation, 4: when_ms,
 *              5: by org, 6: by user}: case_id stands in relation to
 * other (case_id is the person case of a member of the family case other,
 * the situation case in which the group case other is involved, or
 * related to it). */
struct proto_case_link {
	char case_id[PROTO_CASE_ID_MAX + 1];
	char other[PROTO_CASE_ID_MAX + 1]; /* not case_id */
	uint32_t relation;                 /* < PROTO_CASE_RELATIONS */
	int64_t when_ms;
	char by_org[PROTO_ORG_ID_MAX + 1];
	char by_user[PROTO_STEP_USER_MAX + 1];
};

/* proto_case_step_encode appends s to w; WN_EINVAL (nothing written)
 * when s breaks a rule above, else proto_writer_status(w). */
WN_NODISCARD wn_err proto_case_step_encode(const struct proto_case_step *s,
    struct proto_writer *w);
/* proto_case_step_decode decodes a whole body into *out (zeroed first);
 * WN_EPROTO with the offset and reason in *err (may be NULL) on anything
 * that breaks a rule above, WN_ETOOBIG past PROTO_BODY_MAX. */
WN_NODISCARD wn_err proto_case_step_decode(const void *buf, size_t len,
    struct proto_case_step *out, struct proto_error *err);

/* proto_case_link_encode / _decode likewise for a link. */
WN_NODISCARD wn_err proto_case_link_encode(const struct proto_case_link *l,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_case_link_decode(const void *buf, size_t len,
    struct proto_case_link *out, struct proto_error *err);

#endif
