/*
 * work.h - the case-work room: the work partners do on what the exchange
 * and need to know carry: signals, a case's life, plans and actions,
 * consultations (issue 12).
 *
 * Owns: the signals this node recorded and their subjects with a role
 * (the signals and signal_subjects tables, migration 9), their duplicates,
 * their import from a partner's CSV export (signal.c, import.c); the
 * signal.* control commands; the message kind SIGNAL (a signal's summary
 * for the director, summary.c, and the director's copies); a case's life
 * (life.c, life_apply.c): its stages and the steps that moved it, with
 * who, when and why, and the links between cases (the case_steps and
 * case_links tables, migration 11); the signals of a case (case_signals,
 * migration 14; case_signals.c, the signal.attach and case.signals
 * commands) and the copies of them its members hold (case_signal_copies,
 * migration 15; case_signals_share.c, the signal.detach command and the
 * message kind CASE_SIGNAL); the case.advance, case.close,
 * case.link and case.life control commands; the message kinds CASE_STEP
 * and CASE_LINK; a case's plan of approach, goals per life domain and
 * actions with an owner, a deadline and a state (plan_goals, actions,
 * migration 12; plan.c, action.c, plan_apply.c), the plan.* and action.*
 * commands, the message kinds PLAN (a goal or an action, director ->
 * members) and ACTION_STATE (an owner marks its action done, -> the
 * director), and the periodic check that marks an open action late past
 * its deadline; consultations: bodies, their meetings with attendance, an
 * agenda of cases with minutes and decisions, and escalations between
 * bodies (migration 13; meet.c, meet_send.c, meet_apply.c, meet_show.c,
 * escalate.c), the body.*, meeting.* and case.escalate commands, the
 * message kinds BODY, MEETING, CONSULT and ESCALATION; neighbourhood
 * mediation on a mediation service's node (migration 24; mediation.c,
 * mediation_show.c, mediation_stats.c; mediation_int.h is theirs): a
 * mediation case's referral, parties, mediators, talks, agreement and
 * outcome, the mediation.* commands and the figures of report
 * mediation, never sent.
 * message kinds BODY, MEETING, CONSULT and ESCALATION; phenomena at the
 * director (migration 25; phenomenon.c, phenomenon_ctl.c,
 * phenomenon_rule.c): rules per
 * signal category, the phenomena they propose when a member's summary
 * reaches one, opened as a case or dismissed, the phenomenon.* commands.
 * May use: core, store, exchange, need (what leaves goes through the
 * exchange, to the members and as far as the matrix need/ holds lets it;
 * a case's type, director and members, its closing and the matrix's
 * levels are asked of need/, never read from its tables).
 */
#ifndef NODE_WORK_WORK_H
#define NODE_WORK_WORK_H

#include "node/core/core.h"
#include "node/node.h"

/* A signal's category. The numbering is stored (signals.category) and
 * will be part of the wire format: only ever append. */
enum node_signal_category {
	NODE_SIG_NOISE,
	NODE_SIG_VANDALISM,
	NODE_SIG_DRUGS,
	NODE_SIG_LOITERING,
	NODE_SIG_INTIMIDATION,
	NODE_SIG_CONFUSED_BEHAVIOUR,
	NODE_SIG_LITTERING,
	NODE_SIG_DWELLING_NEGLECT,
	NODE_SIG_OTHER,
	NODE_SIG_CATEGORIES /* the count */
};

/* A subject's role in a signal (signal_subjects.role; only append). */
enum node_signal_role {
	NODE_ROLE_PERPETRATOR,
	NODE_ROLE_VICTIM,
	NODE_ROLE_REPORTER,
	NODE_ROLE_PREMISES,
	NODE_SIG_ROLES
};

/* Limits, in characters (NFC code points). */
#define NODE_SIG_PLACE_CHARS 64   /* municipality, neighbourhood */
#define NODE_SIG_STREET_CHARS 128
#define NODE_SIG_SOURCE_CHARS 64  /* source and source_id */
#define NODE_SIG_TEXT_CHARS 2000
#define NODE_SIG_MAX_SUBJECTS 16

/* node_signal_category_name is the category's name ("confused_behaviour";
 * "unknown" out of range); node_signal_category_parse reads a name,
 * ASCII case ignored, a space for '_', and "neglect of a dwelling" for
 * dwelling_neglect. node_signal_role_name likewise for roles. */
const char *node_signal_category_name(int c);
bool node_signal_category_parse(const char *s, int *out);
const char *node_signal_role_name(int r);

/* node_signal_when_parse reads a moment a person or an export writes:
 * YYYY-MM-DD, optionally followed by ' ' or 'T' and HH:MM or HH:MM:SS,
 * optionally followed by Z or +HH:MM / -HH:MM; DD-MM-YYYY and DD/MM/YYYY
 * for the date too. Without an offset it is the node's local time (TZ).
 * False for anything else, a date or time that does not exist, or
 * before 2000. Thread safe. */
bool node_signal_when_parse(const char *s, int64_t *ms);

/* The texts of one signal as given (a request's arguments or a CSV row's
 * fields, in NFC; NULL or "" for absent), borrowed. subjects[role] is a
 * list of subject references separated by ';'. */
struct node_signal_in {
	const char *when, *municipality, *neighbourhood, *street, *lat, *lon;
	const char *category, *source, *source_id, *text;
	const char *subjects[NODE_SIG_ROLES];
};

/* A checked signal, ready to store; the texts still borrowed. */
struct node_signal {
	int64_t when_ms;
	const char *municipality, *neighbourhood, *street;
	bool has_point;
	int64_t lat_e7, lon_e7;
	int category;
	const char *source, *source_id, *text;
	size_t nsubjects;
	struct {
		int role;
		char ref[256];
	} subjects[NODE_SIG_MAX_SUBJECTS];
};

/* node_signal_check checks in against the rules above and fills *out
 * (default when: now_ms); false with a reason in err that names the
 * field at fault and repeats no personal text (only a category, a time
 * or a point as given). */
bool node_signal_check(const struct node_signal_in *in, int64_t now_ms,
    struct node_signal *out, char *err, size_t errlen);

/* node_signal_key is the import key of a checked signal: BLAKE2b-256 of
 * its source and source_id when it has a source_id, else of all its
 * values, so that the same row imported again is known. WN_ENOMEM when
 * it cannot be computed (never a key that might match another row's). */
WN_NODISCARD wn_err node_signal_key(const struct node_signal *s,
    uint8_t key[32]);

/* node_signal_insert stores a checked signal and its subjects in the
 * caller's transaction, recorded by user, and says in *how what it did.
 * With key (NULL: none) it first looks for a signal with that key: when
 * one has the same values, or correct is false, nothing is written
 * (NODE_SIG_KNOWN, *id is that signal); when s has a source_id and other
 * values, and correct is true, that signal takes s's values and subjects
 * (NODE_SIG_CORRECTED: the partner's system corrected its row) and its
 * summary is owed again. WN_EDB on a store error. */
enum node_sig_stored { NODE_SIG_ADDED, NODE_SIG_KNOWN, NODE_SIG_CORRECTED };
WN_NODISCARD wn_err node_signal_insert(struct node *n,
    const struct node_signal *s, const char *user, const uint8_t *key,
    bool correct, int64_t *id, enum node_sig_stored *how);

/* A signal's summary goes to the federation's director (node/work/
 * summary.c) only when this node holds a charter and a matrix that gives
 * the director's role at least view of signal summaries ([outside cases]
 * signal_summary); until then it is owed. node_signal_summary_gate finds
 * out once per request (it checks the matrix's signature): g->to is the
 * director, or NULL when nothing may go (also on the director itself).
 * node_signal_summary_send queues, in the caller's transaction, the
 * summaries of the count signals ids through g and marks them sent;
 * *sent says whether they went. node_signal_summaries_owed queues every
 * summary owed, in id order, and says how many; need/'s matrix hook calls
 * it (node_work_summary_register adds that hook). */
struct node_summary_gate {
	struct node_peer *to;
};
WN_NODISCARD wn_err node_signal_summary_gate(struct node *n,
    struct node_summary_gate *g);
WN_NODISCARD wn_err node_signal_summary_send(struct node *n,
    const struct node_summary_gate *g, const int64_t *ids, size_t count,
    bool *sent);
WN_NODISCARD wn_err node_signal_summaries_owed(struct node *n,
    size_t *queued);
void node_work_summary_register(void);

/* node_work_apply applies a signal's summary from a member (the
 * director only; PROTO_MSG_SIGNAL), in the receiving transaction; an
 * error with a reason in why refuses it. */
struct node_peer;
WN_NODISCARD wn_err node_work_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_signal_list_received answers signal.list with `received` at the
 * director: the members' summaries, filtered as given (muni NULL: any
 * area; nb NULL: any neighbourhood; category -1: any; since NULL: any
 * time), newest first, at most limit. */
wn_err node_signal_list_received(struct node_ctl_call *c, const char *muni,
    const char *nb, int category, const char *since, int64_t since_ms,
    uint64_t limit);

/* ---- a case's life (life.c, life_apply.c) ---------------------------- */

/* A case's stage, its outcome when closed, and how two cases relate. The
 * numberings are stored (case_steps, case_links) and on the wire
 * (protocol/life_wire.h): only ever append. A new case stands at `signal`
 * (it has no step yet): the director opens it on signals, and moves it to
 * `exploration` when it starts asking the members. */
enum node_case_stage {
	NODE_STAGE_SIGNAL,
	NODE_STAGE_EXPLORATION,
	NODE_STAGE_ANALYSIS,
	NODE_STAGE_PLAN,
	NODE_STAGE_FOLLOW_UP,
	NODE_STAGE_CLOSED,
	NODE_STAGES
};
enum node_case_outcome {
	NODE_OUTCOME_RESOLVED,
	NODE_OUTCOME_HANDED_OVER,
	NODE_OUTCOME_STOPPED,
	NODE_OUTCOMES
};
/* CASE --as RELATION --to OTHER: family_member: CASE is the person case
 * of a member of the family case OTHER; group_involved: the group case
 * OTHER is involved in the situation case CASE; related: any two cases. */
enum node_case_relation {
	NODE_REL_FAMILY_MEMBER,
	NODE_REL_GROUP_INVOLVED,
	NODE_REL_RELATED,
	NODE_RELATIONS
};
#define NODE_STEP_REASON_CHARS 1000

/* Names ("follow_up", "handed_over", "group_involved"; "unknown" out of
 * range) and their parsers (exact names). */
const char *node_case_stage_name(int s);
bool node_case_stage_parse(const char *s, int *out);
const char *node_case_outcome_name(int o);
bool node_case_outcome_parse(const char *s, int *out);
const char *node_case_relation_name(int r);
bool node_case_relation_parse(const char *s, int *out);

/* node_case_step_check: may a case at stage `from` move to `to`? A case
 * advances one stage at a time (signal, exploration, analysis, plan,
 * follow_up); it may be closed from any open stage, with an outcome
 * (outcome -1: none given) and a reason; it goes back to an earlier stage
 * (reopening, from closed too) only with a reason; it never moves to where
 * it stands, and a closed case moves only back. reason_known false (a
 * member that was not told the reason) skips the reason rules. False with
 * the rule broken in err. */
bool node_case_step_check(int from, int to, int outcome, bool has_reason,
    bool reason_known, char *err, size_t errlen);

/* node_work_life_register adds need/'s invitation hook (the history of a
 * case for a member invited to it); node_work_room_register calls it. */
void node_work_life_register(void);

/* life_apply.c: CASE_STEP and CASE_LINK from a case's director, in the
 * receiving transaction; an error with a reason in why refuses it. */
WN_NODISCARD wn_err node_life_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

wn_err node_ctl_case_advance(struct node_ctl_call *c);
wn_err node_ctl_case_close(struct node_ctl_call *c);
wn_err node_ctl_case_link(struct node_ctl_call *c);
wn_err node_ctl_case_life(struct node_ctl_call *c);

/* ---- plans and actions (plan.c, action.c, plan_apply.c) ------------ */

/* A plan's life domain (plan_goals.domain and the wire's numbering:
 * only ever append). */
enum node_plan_domain {
	NODE_DOM_SAFETY_PUBLIC_ORDER,
	NODE_DOM_HOUSING,
	NODE_DOM_INCOME_DEBTS,
	NODE_DOM_HEALTH_ADDICTION,
	NODE_DOM_FAMILY,
	NODE_DOM_EDUCATION_DAYTIME,
	NODE_DOM_JUSTICE,
	NODE_DOM_SOCIAL_NETWORK,
	NODE_PLAN_DOMAINS
};

/* An action's state (actions.state and the wire's numbering). */
enum node_action_state {
	NODE_ACT_OPEN,
	NODE_ACT_DONE,
	NODE_ACT_LATE,
	NODE_ACT_CANCELLED,
	NODE_ACT_STATES
};

#define NODE_PLAN_TEXT_CHARS 2000 /* a goal, an action, a note */
/* how often a node looks for actions past their deadline; a test may
 * lengthen it (WIJKNET_TEST_LATE_PERIOD_MS) or run the work room's clock
 * ahead (WIJKNET_TEST_CLOCK_AHEAD_MS, node_test_ahead_ms) */
#define NODE_LATE_PERIOD_MS (60 * 1000)

/* node_plan_domain_name: "safety_public_order" ... ("unknown" out of
 * range); node_plan_domain_parse reads a name, ASCII case ignored, a space
 * for '_'. node_action_state_name: "open", "done", "late", "cancelled". */
const char *node_plan_domain_name(int d);
bool node_plan_domain_parse(const char *s, int *out);
const char *node_action_state_name(int s);

/* node_work_now_ms: the work room's clock (the system's, or ahead of it
 * for a test: node_work_clock_init reads the hook once, at registration). */
int64_t node_work_now_ms(void);
void node_work_clock_init(void);

/* node_action_deadline_parse reads a deadline as node_signal_when_parse
 * reads a moment; a date alone is the end of that day (23:59:59.999
 * local). */
bool node_action_deadline_parse(const char *s, int64_t *ms);

/* node_plan_text_ok: a free text (a goal, an action, a note) of 1..2000
 * characters, line breaks and tabs allowed, no other control character;
 * false with the reason in err, naming `what`, never the text. */
bool node_plan_text_ok(const char *what, const char *v, char *err,
    size_t errlen);

/* node_plan_send_goal / node_plan_send_action queue, in the caller's
 * transaction, goal or action `id` of this node (the case's director) for
 * each current member of its case but this node (only the member `only`
 * when not NULL), as far as the matrix in force lets its role see the
 * category plan (goals) or actions: with the text at view or more (an
 * action's owner always), without it at existence, nothing at none;
 * nothing at all for a closed case (node_case_get's closed_ms). *sent:
 * how many members it went to. */
WN_NODISCARD wn_err node_plan_send_goal(struct node *n, int64_t id,
    const char *only, size_t *sent);
WN_NODISCARD wn_err node_plan_send_action(struct node *n, int64_t id,
    const char *only, size_t *sent);

/* node_action_rows writes up to limit rows of this node's actions that
 * match the SQL condition `where` (?1 is a1, ?2 a2) into c's reply, by
 * deadline: action_id, case_id, director, owner, deadline_ms, state,
 * changed_ms, done_ms (0: not done), late_ms (0: not marked late here),
 * and the text and note as far as this node holds them. */
WN_NODISCARD wn_err node_action_rows(struct node_ctl_call *c,
    const char *where, const char *a1, const char *a2, int64_t limit);

/* node_plan_apply applies a PLAN item (a member, from the case's
 * director) or an ACTION_STATE (the director, from the action's owner),
 * in the receiving transaction; an error with a reason in why refuses
 * it. */
WN_NODISCARD wn_err node_plan_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);

/* node_actions_mark_late marks every open action of this node whose
 * deadline passed late, audited once each (user "system"): the periodic
 * work the room registers (core/periodic.c). */
WN_NODISCARD wn_err node_actions_mark_late(struct node *n, bool *kick);

/* node_work_plan_register adds need/'s hooks for plans (plan_apply.c): a
 * member invited to a case is sent, after its CASE, every goal and action
 * of the case as far as the matrix lets its role see them; a member
 * removed from a case deletes the goals and actions it holds of it
 * (audited plan.forgotten). node_work_room_register calls it. */
void node_work_plan_register(void);

/* ---- consultations (meet*.c, escalate.c) ---------------------------- */

#define NODE_BODY_NAME_CHARS 64

/* The federation's director sends, in the caller's transaction: body
 * body_id to each partner that sits in it (and, when left is not NULL,
 * to left that it no longer does); meeting id to the partners of its
 * body; case_id at meeting id to the case's members (only `only` when not
 * NULL) as far as the matrix lets each one's role see deliberation; the
 * case's escalation `number` likewise to every member, its reason only at
 * view. Nothing for a closed case. *sent: how many partners it went to. */
WN_NODISCARD wn_err node_meet_send_body(struct node *n, const char *body_id,
    const char *left, size_t *sent);
WN_NODISCARD wn_err node_meet_send_meeting(struct node *n, int64_t id,
    size_t *sent);
/* node_meet_send_meetings_to: every meeting of body_id (the newest 256)
 * to org, a partner that joins the body, in the caller's transaction. */
WN_NODISCARD wn_err node_meet_send_meetings_to(struct node *n,
    const char *body_id, const char *org, size_t *sent);
WN_NODISCARD wn_err node_meet_send_consult(struct node *n, int64_t id,
    const char *case_id, const char *only, size_t *sent);
WN_NODISCARD wn_err node_meet_send_escalation(struct node *n,
    const char *case_id, int64_t number, const char *only, size_t *sent);
/* node_meet_case_body: the body a case is with (its last escalation's or
 * the last agenda it was put on, whichever came later; "" none). */
WN_NODISCARD wn_err node_meet_case_body(struct node *n, const char *cid,
    char *out, size_t cap);
/* node_meet_apply applies a BODY, MEETING, CONSULT or ESCALATION in the
 * receiving transaction; an error with a reason in why refuses it. */
WN_NODISCARD wn_err node_meet_apply(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen);
/* node_work_meet_register adds need/'s hooks for consultations: a member
 * invited later is sent the case's consultations and escalations; one
 * removed deletes them (audited meeting.forgotten). */
void node_work_meet_register(void);

wn_err node_ctl_body_add(struct node_ctl_call *c);
wn_err node_ctl_body_change(struct node_ctl_call *c);
wn_err node_ctl_body_list(struct node_ctl_call *c);
wn_err node_ctl_meeting_plan(struct node_ctl_call *c);
wn_err node_ctl_meeting_agenda(struct node_ctl_call *c);
wn_err node_ctl_meeting_attend(struct node_ctl_call *c);
wn_err node_ctl_meeting_minutes(struct node_ctl_call *c);
wn_err node_ctl_meeting_decide(struct node_ctl_call *c);
wn_err node_ctl_meeting_list(struct node_ctl_call *c);
wn_err node_ctl_meeting_show(struct node_ctl_call *c);
wn_err node_ctl_meeting_case(struct node_ctl_call *c);
wn_err node_ctl_case_escalate(struct node_ctl_call *c);

/* node_case_last_step: the stage a case stands at here and its last
 * step's number (signal and 0 when it has none), in the caller's
 * transaction (node/work/life.c). */
WN_NODISCARD wn_err node_case_last_step(struct node *n, const char *case_id,
    int *stage, uint64_t *step);

/* node_work_prep prepares sql on the node's store, for one use (the
 * caller finalizes it); NULL, with the store's error in the log, when it
 * cannot. */
struct sqlite3_stmt;
struct sqlite3_stmt *node_work_prep(struct node *n, const char *sql);

/* node_work_room_register registers the work room's control commands
 * (signal.*, case.advance|close|link|life, plan.*, action.*), its message
 * types (SIGNAL: a signal's summary; CASE_STEP, CASE_LINK, PLAN and
 * ACTION_STATE) with the exchange, need/'s invitation and removal hooks,
 * and its periodic work (actions marked late). Before the node serves
 * (daemon/ at start); not thread safe. */
void node_work_room_register(void);

wn_err node_ctl_signal_add(struct node_ctl_call *c);
wn_err node_ctl_signal_list(struct node_ctl_call *c);
wn_err node_ctl_signal_link(struct node_ctl_call *c);
wn_err node_ctl_signal_import(struct node_ctl_call *c);
wn_err node_ctl_plan_add(struct node_ctl_call *c);
wn_err node_ctl_plan_show(struct node_ctl_call *c);
wn_err node_ctl_action_add(struct node_ctl_call *c);
wn_err node_ctl_action_list(struct node_ctl_call *c);
wn_err node_ctl_action_done(struct node_ctl_call *c);
wn_err node_ctl_action_cancel(struct node_ctl_call *c);

/* ---- the signals of a case (case_signals.c) ------------------------- */

/* signal.attach: one of this node's signals, or at the director a
 * member's signal summary (from), belongs to a case this node directs or
 * is a member of, not closed; case.signals lists a case's signals as this
 * node holds them (its own with their subjects; the summaries without). */
wn_err node_ctl_signal_attach(struct node_ctl_call *c);
wn_err node_ctl_case_signals(struct node_ctl_call *c);
struct node_case;
/* node_signal_link_args reads what signal.attach and signal.detach take:
 * the signal's number (*id), whose it is (*from: "" for this node's own)
 * and the case (*kc), which must be here and open; else c holds the
 * refusal (closed_why ends the one for a closed case) and its code is
 * returned. */
WN_NODISCARD wn_err node_signal_link_args(struct node_ctl_call *c,
    const char *closed_why, uint64_t *id, const char **from,
    struct node_case *kc);

/* ---- the signals of a case reach its members (case_signals_share.c) -- */

/* node_case_signal_send queues, in the caller's transaction, signal
 * number of origin (an org id; this node's own: its org id) in case_id as
 * this node holds it now, or its withdrawal when it no longer belongs to
 * the case here (CASE_SIGNAL): at the case's director to each current
 * member but origin (only `only` when not NULL), at a member (its own
 * signal only) to the director; each as far as the matrix in force gives
 * the recipient's role the category signals in the case's type (view: the
 * summary; existence: that it is there, and when; none: nothing).
 * Nothing for a closed case. *sent: how many it went to. */
WN_NODISCARD wn_err node_case_signal_send(struct node *n, const char *case_id,
    const char *origin, int64_t number, const char *only, size_t *sent);
/* node_case_signals_changed: the summaries of the count signals ids of
 * from ('' this node's own; at the director a member's summary it holds)
 * changed: each goes again to the members of every case it belongs to
 * here. */
WN_NODISCARD wn_err node_case_signals_changed(struct node *n,
    const char *from, const int64_t *ids, size_t count, size_t *sent);
/* node_case_signal_apply applies a CASE_SIGNAL in the receiving
 * transaction (a member: from the case's director; the director: a
 * member's own signal, which it then tells the other members); an error
 * with a reason in why refuses it. */
WN_NODISCARD wn_err node_case_signal_apply(struct node *n,
    struct node_peer *from, const struct proto_env_header *h,
    const uint8_t *body, size_t len, char *why, size_t whylen);
/* node_case_signals_reopened: case_id was reopened (the director: after
 * the step that reopens it is queued; a member: when it applied that
 * step): what changed while it was closed goes again, every signal of
 * the case the director holds to its members, a member's own attached
 * signals to the director. */
WN_NODISCARD wn_err node_case_signals_reopened(struct node *n,
    const char *case_id, size_t *sent);
/* signal.detach: a signal taken off a case (withdrawn where it went) */
wn_err node_ctl_signal_detach(struct node_ctl_call *c);
/* node_work_case_signals_register adds need/'s hooks: a member invited
 * later is sent the case's signals; one removed forgets them. */
void node_work_case_signals_register(void);

/* ---- neighbourhood mediation (mediation.c, mediation_stats.c) ------- */

/* A mediation case's own content, kept only on the mediation service's
 * node that directs the case (a case of type mediation, opened with
 * case.open): the referral (its source, a partner's org id, the type of
 * dispute, the date), the parties (two or more; each a local subject
 * reference, held only in mediation_parties: talks name a party by its
 * number), whether each agreed to mediate, the volunteer mediators, the
 * conversations (intake, with one party, joint) with their date and who
 * attended, the agreement (free text and date: never in an audit record
 * or a log) and the outcome (migration 24). Nothing of it leaves the
 * node. The numbers of every list below are stored: only ever append. */
enum node_med_source {
	NODE_MED_SRC_POLICE,
	NODE_MED_SRC_HOUSING,
	NODE_MED_SRC_MUNICIPALITY,
	NODE_MED_SRC_SELF,
	NODE_MED_SRC_WELFARE,
	NODE_MED_SRC_OTHER_PARTNER,
	NODE_MED_SRC_OTHER,
	NODE_MED_SOURCES
};
enum node_med_dispute {
	NODE_MED_DSP_NOISE,
	NODE_MED_DSP_CHILDREN,
	NODE_MED_DSP_PETS,
	NODE_MED_DSP_PARKING,
	NODE_MED_DSP_GARDEN_BOUNDARIES,
	NODE_MED_DSP_INSULTS,
	NODE_MED_DSP_OTHER,
	NODE_MED_DISPUTES
};
enum node_med_outcome {
	NODE_MED_OUT_AGREEMENT,      /* agreement reached */
	NODE_MED_OUT_IMPROVED,       /* improved without an agreement */
	NODE_MED_OUT_NO_IMPROVEMENT,
	NODE_MED_OUT_REFERRED_ON,
	NODE_MED_OUT_REFUSED,        /* a party refused to mediate */
	NODE_MED_OUTCOMES
};
enum node_med_talk {
	NODE_MED_TALK_INTAKE,
	NODE_MED_TALK_PARTY,  /* with one party */
	NODE_MED_TALK_JOINT,  /* with two or more parties together */
	NODE_MED_TALKS
};
#define NODE_MED_TEXT_CHARS 4000   /* the agreement */
#define NODE_MED_NAME_CHARS 64     /* a mediator's name */
#define NODE_MED_MAX_PARTIES 16
#define NODE_MED_MAX_MEDIATORS 8

/* Names ("garden_boundaries", "no_improvement"; "unknown" out of range)
 * and their parsers (exact names). */
const char *node_med_source_name(int s);
bool node_med_source_parse(const char *s, int *out);
const char *node_med_dispute_name(int d);
bool node_med_dispute_parse(const char *s, int *out);
const char *node_med_outcome_name(int o);
bool node_med_outcome_parse(const char *s, int *out);
const char *node_med_talk_name(int k);
bool node_med_talk_parse(const char *s, int *out);

/* node_med_day_parse reads a calendar date, exactly YYYY-MM-DD, a day that
 * exists in the years 2000 to 2199, into days since 1970-01-01 (a day,
 * not a moment: no time zone); false for anything else.
 * node_med_day_format writes a day back as YYYY-MM-DD (out: 11 bytes). */
bool node_med_day_parse(const char *s, int32_t *day);
void node_med_day_format(int32_t day, char out[11]);

/* One mediation as the statistics see it: outcome -1 while open. */
struct node_med_case {
	int source, dispute, outcome;
	int32_t referred_day, closed_day;
};
/* What a mediation service reports for a period: the cases referred
 * from from_day to to_day (both included), by source, by dispute and by
 * outcome (the open ones apart), and the lead time of those closed, in
 * days from referral to close: its total (the mean is total_days /
 * closed, exact) and twice its median (median_x2: the median of an even
 * count is half a day when the two middle ones differ by an odd number;
 * -1 when none is closed). */
struct node_med_stats {
	uint32_t cases, open, closed;
	uint32_t by_source[NODE_MED_SOURCES];
	uint32_t by_dispute[NODE_MED_DISPUTES];
	uint32_t by_outcome[NODE_MED_OUTCOMES];
	int64_t total_days;
	int64_t median_x2;
};
/* node_med_stats computes *out over the n cases given (in any order;
 * those referred outside the period are left out; a case closed before
 * its referral counts 0 days). WN_ENOMEM. Pure code, thread safe. */
WN_NODISCARD wn_err node_med_stats(const struct node_med_case *cases,
    size_t n, int32_t from_day, int32_t to_day, struct node_med_stats *out);

/* mediation.c and mediation_show.c: the mediation.* control commands */
wn_err node_ctl_mediation_start(struct node_ctl_call *c);
wn_err node_ctl_mediation_party(struct node_ctl_call *c);
wn_err node_ctl_mediation_agreed(struct node_ctl_call *c);
wn_err node_ctl_mediation_mediator(struct node_ctl_call *c);
wn_err node_ctl_mediation_talk(struct node_ctl_call *c);
wn_err node_ctl_mediation_agree(struct node_ctl_call *c);
wn_err node_ctl_mediation_close(struct node_ctl_call *c);
wn_err node_ctl_mediation_show(struct node_ctl_call *c);
wn_err node_ctl_mediation_report(struct node_ctl_call *c);

/* node_case_close_step: the director closes case id in its life with
 * outcome (enum node_case_outcome) and the reason why, as case.close does,
 * in the caller's transaction, without writing a reply (life.c; for
 * mediation.close). */
WN_NODISCARD wn_err node_case_close_step(struct node_ctl_call *c,
    const char *id, int outcome, const char *why);
/* ---- phenomena (phenomenon.c, phenomenon_rule.c) -------------------- */

#define NODE_PHENO_DAY_MS (24 * 60 * 60 * 1000LL)
/* A phenomenon rule: at least signals signals from at least partners
 * partners within days days (the newest at most days * 24 h after the
 * oldest), in one area and category. */
struct node_pheno_rule {
	int signals, partners, days;
};
/* A member's signal as the rule sees it: when, and whose (borrowed). */
struct node_pheno_sig {
	int64_t when_ms;
	const char *from;
};
/* node_pheno_window: sigs (count of them, oldest first) of one area and
 * category; *found when a window of r->days days that holds the moment t
 * holds at least r->signals of them from at least r->partners distinct
 * partners; then the earliest such window is sigs[*first .. *first + *n).
 * A rule with a value below 1 finds nothing. WN_ENOMEM. Pure. */
WN_NODISCARD wn_err node_pheno_window(const struct node_pheno_sig *sigs,
    size_t count, int64_t t, const struct node_pheno_rule *r, bool *found,
    size_t *first, size_t *n);
/* node_pheno_check: at the director, the summary of member from's signal
 * id was just recorded (in the caller's transaction): if it completes
 * its category's rule in its area, and no phenomenon of that area and
 * category is proposed or open, a phenomenon is proposed, audited and
 * alerted (phenomenon.proposed). Once one ended (dismissed, its case
 * closed) only signals dated after its end count. */
WN_NODISCARD wn_err node_pheno_check(struct node *n, const char *from,
    int64_t id);
wn_err node_ctl_pheno_rule_set(struct node_ctl_call *c);
wn_err node_ctl_pheno_rule_list(struct node_ctl_call *c);
wn_err node_ctl_pheno_rule_drop(struct node_ctl_call *c);
wn_err node_ctl_pheno_list(struct node_ctl_call *c);
wn_err node_ctl_pheno_show(struct node_ctl_call *c);
wn_err node_ctl_pheno_open(struct node_ctl_call *c);
wn_err node_ctl_pheno_dismiss(struct node_ctl_call *c);
#define NODE_PHENO_WHY_CHARS 1000

#endif
