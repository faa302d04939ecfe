/*
 * meet_wire.h - the bodies of consultations (CDDL in PROTOCOL.md): a
 * consultation body as the federation's director holds it (BODY, type
 * 23, to each partner that sits in it), a meeting of a body with its
 * attendance (MEETING, 24, to the body's members), a case at a meeting:
 * that it was on the agenda, its minutes and the decisions taken about it
 * (CONSULT, 25, to the case's members as the matrix allows), and a case
 * handed from one body to another (ESCALATION, 26, to the case's
 * members). node/work/meet*.c sends and applies them.
 *
 * None names a case's subject: a case is its id. A meeting names no case:
 * a partner learns that a case was discussed only from a CONSULT, which
 * goes only to the case's members. The minutes and the decisions' texts
 * (the category deliberation) are present only where the matrix in force
 * gives the recipient's role view of deliberation in the case's type; at
 * existence the recipient learns only that there are minutes and
 * decisions; an escalation's reason likewise.
 *
 * The decoders are strict: keys in ascending order, each at most once;
 * unknown keys, wrong types, out-of-range values, identifiers that are not
 * ones, lists not in ascending order or with repeats, control characters
 * (free text may hold line breaks and tabs), over-long text, too many
 * items and trailing bytes are refused with an offset and a reason. They
 * never allocate; a refused body leaves the struct zeroed.
 */
#ifndef PROTO_MEET_WIRE_H
#define PROTO_MEET_WIRE_H

#include "protocol/envelope.h"
#include "protocol/need_wire.h"

#define PROTO_BODY_ID_MAX 31      /* a body's id: [a-z0-9_-] */
#define PROTO_BODY_NAME_MAX 255   /* bytes: 64 characters of up to 4 */
#define PROTO_BODY_MEMBERS_MAX 32 /* partners in one body */
#define PROTO_MEET_TEXT_MAX 8191  /* bytes: 2000 characters of up to 4 */
#define PROTO_MEET_DECISIONS_MAX 16 /* per case at one meeting */
#define PROTO_MEET_USER_MAX 63    /* a user name, like an org id */
#define PROTO_MEET_REASON_MAX 4000 /* bytes: 1000 characters of up to 4 */

/* body = {1: body id, 2: changed_ms, ? 3: name, ? 4: chair,
 *         ? 5: [+ org]}
 * 3, 4 and 5 come together (the body as it stands, the recipient among
 * its members) or not at all (the recipient no longer sits in it). The
 * members are in ascending order without repeats; the chair is one of
 * them. */
struct proto_body {
	char body_id[PROTO_BODY_ID_MAX + 1];
	int64_t changed_ms;
	bool sits; /* false: 3, 4 and 5 absent */
	char name[PROTO_BODY_NAME_MAX + 1]; /* not empty, no control char */
	char chair[PROTO_ORG_ID_MAX + 1];
	size_t nmembers; /* 1..PROTO_BODY_MEMBERS_MAX when sits */
	char members[PROTO_BODY_MEMBERS_MAX][PROTO_ORG_ID_MAX + 1];
};

/* meeting = {1: body id, 2: number, 3: at_ms, 4: changed_ms,
 *            ? 5: [* org]}
 * 5: the partners that were there, ascending without repeats, once the
 * attendance was taken (absent: not taken yet). */
struct proto_meeting {
	char body_id[PROTO_BODY_ID_MAX + 1];
	uint64_t number; /* the director's meeting number, >= 1 */
	int64_t at_ms;
	int64_t changed_ms;
	bool has_attendance;
	size_t npresent;
	char present[PROTO_BODY_MEMBERS_MAX][PROTO_ORG_ID_MAX + 1];
};

/* decision = {1: number, 2: decided_ms, ? 3: step, ? 4: text}
 * 3: the case's step the decision took (its number in the case's life);
 * 4: present only where the recipient may view deliberation. */
struct proto_meet_decision {
	uint64_t number; /* 1, 2, ... per case and meeting */
	int64_t decided_ms;
	uint64_t step;   /* 0: none */
	bool has_text;
	char text[PROTO_MEET_TEXT_MAX + 1];
};

/* consult = {1: case id, 2: meeting, 3: body id, 4: at_ms, 5: changed_ms,
 *            ? 6: minutes_ms, ? 7: minutes, ? 8: [+ decision]}
 * The case as it stands at one meeting: on the agenda; 6 when minutes
 * were written, 7 their text (only with 6, only at view); 8 the
 * decisions, numbers ascending. */
struct proto_consult {
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint64_t meeting;
	char body_id[PROTO_BODY_ID_MAX + 1];
	int64_t at_ms;
	int64_t changed_ms;
	int64_t minutes_ms; /* 0: no minutes yet */
	bool has_minutes;
	char minutes[PROTO_MEET_TEXT_MAX + 1];
	size_t ndecisions;
	struct proto_meet_decision decisions[PROTO_MEET_DECISIONS_MAX];
};

/* escalation = {1: case id, 2: number, 3: from body, 4: to body,
 *               5: when_ms, 6: by org, 7: by user, ? 8: reason}
 * 4 is not 3; 8 present (possibly empty: none given) only at view. */
struct proto_escalation {
	char case_id[PROTO_CASE_ID_MAX + 1];
	uint64_t number; /* 1, 2, ... per case */
	char from_body[PROTO_BODY_ID_MAX + 1];
	char to_body[PROTO_BODY_ID_MAX + 1];
	int64_t when_ms;
	char by_org[PROTO_ORG_ID_MAX + 1];
	char by_user[PROTO_MEET_USER_MAX + 1];
	bool has_reason;
	char reason[PROTO_MEET_REASON_MAX + 1];
};

/* The encoders append the body to w; WN_EINVAL (nothing written) when the
 * struct breaks a rule above, else proto_writer_status(w). The decoders
 * decode a whole body into *out (zeroed first, and again on failure);
 * WN_EPROTO with the offset and reason in *err (may be NULL), WN_ETOOBIG
 * at PROTO_BODY_MAX or more. */
WN_NODISCARD wn_err proto_body_encode(const struct proto_body *b,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_body_decode(const void *buf, size_t len,
    struct proto_body *out, struct proto_error *err);
WN_NODISCARD wn_err proto_meeting_encode(const struct proto_meeting *m,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_meeting_decode(const void *buf, size_t len,
    struct proto_meeting *out, struct proto_error *err);
WN_NODISCARD wn_err proto_consult_encode(const struct proto_consult *c,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_consult_decode(const void *buf, size_t len,
    struct proto_consult *out, struct proto_error *err);
WN_NODISCARD wn_err proto_escalation_encode(const struct proto_escalation *e,
    struct proto_writer *w);
WN_NODISCARD wn_err proto_escalation_decode(const void *buf, size_t len,
    struct proto_escalation *out, struct proto_error *err);

#endif
