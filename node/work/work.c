/*
 * work.c - the case-work room's registration: its control commands
 * (signal.c, signal_list.c, import.c; a case's life: life.c, life_show.c;
 * plans and actions: plan.c, action.c; the signals of a case:
 * case_signals.c, case_signals_share.c; neighbourhood mediation,
 * mediation.c: no message type), its message types (a signal's
 * summary for the director, summary.c; a case's step and a link between
 * cases, life_apply.c; a plan's goal or action and an action's state,
 * plan_apply.c; consultations: a body, a meeting, a case at a meeting, an
 * escalation, meet_send.c and meet_apply.c; a signal of a case,
 * case_signals_share.c) and its periodic work
 * (actions marked late, action.c). It has no state of its own but the
 * test hook of its clock (plan.c).
 */
#include "node/work/work.h"

#include "node/exchange/exchange.h"
#include "protocol/need_wire.h"

#include <sqlcipher/sqlite3.h>

sqlite3_stmt *
node_work_prep(struct node *n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(node_store_db(n->store), sql, -1, &st, NULL) !=
	    SQLITE_OK) {
		wn_log(WN_LOG_ERROR, "case work: %s",
		    node_store_errmsg(n->store));
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* the free-text arguments of signal.add with a limit the control socket
 * checks before the handler (the handler checks them again, as it does
 * for every row of an import) */
static const struct node_ctl_text signal_texts[] = {
    {"municipality", NODE_SIG_PLACE_CHARS},
    {"neighbourhood", NODE_SIG_PLACE_CHARS},
    {"street", NODE_SIG_STREET_CHARS},
    {"source", NODE_SIG_SOURCE_CHARS},
    {"source_id", NODE_SIG_SOURCE_CHARS},
    {"text", NODE_SIG_TEXT_CHARS},
    {NULL, 0}};

static const struct node_ctl_text plan_texts[] = {
    {"goal", NODE_PLAN_TEXT_CHARS}, {NULL, 0}};
static const struct node_ctl_text action_texts[] = {
    {"text", NODE_PLAN_TEXT_CHARS}, {NULL, 0}};
static const struct node_ctl_text done_texts[] = {
    {"note", NODE_PLAN_TEXT_CHARS}, {NULL, 0}};
static const struct node_ctl_text cancel_texts[] = {
    {"why", NODE_PLAN_TEXT_CHARS}, {NULL, 0}};

/* a step's reason, read from a file or stdin by the CLI */
static const struct node_ctl_text step_texts[] = {
    {"why", NODE_STEP_REASON_CHARS},
    {NULL, 0}};

static const struct node_ctl_text body_texts[] = {
    {"name", NODE_BODY_NAME_CHARS}, {NULL, 0}};
static const struct node_ctl_text meet_texts[] = {
    {"text", NODE_PLAN_TEXT_CHARS}, {NULL, 0}};

static const struct node_ctl_text med_agree_texts[] = {
    {"text", NODE_MED_TEXT_CHARS}, {NULL, 0}};
static const struct node_ctl_text med_name_texts[] = {
    {"name", NODE_MED_NAME_CHARS}, {NULL, 0}};
static const struct node_ctl_text pheno_open_texts[] = {
    {"purpose", PROTO_PURPOSE_CHARS}, {NULL, 0}};
static const struct node_ctl_text pheno_why_texts[] = {
    {"why", NODE_PHENO_WHY_CHARS}, {NULL, 0}};

/* the control commands the work room owns */
static const struct node_ctl_cmd work_cmds[] = {
	{"signal.add", CFG_USER_CASE_WORKER, node_ctl_signal_add,
	    "record a signal", false, signal_texts},
	{"signal.list", CFG_USER_CASE_WORKER, node_ctl_signal_list,
	    "this node's signals, newest first", true},
	{"signal.link", CFG_USER_CASE_WORKER, node_ctl_signal_link,
	    "count a signal as a duplicate of another", false},
	{"signal.import", CFG_USER_CASE_WORKER, node_ctl_signal_import,
	    "import signals from a part of a CSV file", false},
	{"case.advance", CFG_USER_CASE_WORKER, node_ctl_case_advance,
	    "move a case this node directs to another stage", false,
	    step_texts},
	{"case.close", CFG_USER_CASE_WORKER, node_ctl_case_close,
	    "close a case this node directs, with its outcome", false,
	    step_texts},
	{"case.link", CFG_USER_CASE_WORKER, node_ctl_case_link,
	    "link two cases this node directs", false},
	{"case.life", CFG_USER_VIEWER, node_ctl_case_life,
	    "where a case stands and the steps that moved it", true},
	{"plan.add", CFG_USER_CASE_WORKER, node_ctl_plan_add,
	    "add a goal to a case's plan (its director)", false, plan_texts},
	{"plan.show", CFG_USER_CASE_WORKER, node_ctl_plan_show,
	    "a case's goals and actions as this node holds them", true},
	{"action.add", CFG_USER_CASE_WORKER, node_ctl_action_add,
	    "give a member of a case an action with a deadline (its "
	    "director)", false, action_texts},
	{"action.list", CFG_USER_CASE_WORKER, node_ctl_action_list,
	    "this node's actions, and those of the cases it directs", true},
	{"action.done", CFG_USER_CASE_WORKER, node_ctl_action_done,
	    "mark an action done with a result note (its owner or the "
	    "director)", false, done_texts},
	{"action.cancel", CFG_USER_CASE_WORKER, node_ctl_action_cancel,
	    "cancel an action, saying why (the case's director)", false,
	    cancel_texts},
	{"body.add", CFG_USER_CASE_WORKER, node_ctl_body_add,
	    "add a consultation body (the federation's director)", false,
	    body_texts},
	{"body.change", CFG_USER_CASE_WORKER, node_ctl_body_change,
	    "change a body's name, chair or members (the director)", false,
	    body_texts},
	{"body.list", CFG_USER_VIEWER, node_ctl_body_list,
	    "the consultation bodies this node keeps or sits in", false},
	{"meeting.plan", CFG_USER_CASE_WORKER, node_ctl_meeting_plan,
	    "plan a meeting of a body (the director)", false},
	{"meeting.agenda", CFG_USER_CASE_WORKER, node_ctl_meeting_agenda,
	    "put a case on a meeting's agenda (the director)", false},
	{"meeting.attend", CFG_USER_CASE_WORKER, node_ctl_meeting_attend,
	    "say who was at a meeting (the director)", false},
	{"meeting.minutes", CFG_USER_CASE_WORKER, node_ctl_meeting_minutes,
	    "write the minutes of a case at a meeting (the director)", false,
	    meet_texts},
	{"meeting.decide", CFG_USER_CASE_WORKER, node_ctl_meeting_decide,
	    "record a decision on a case at a meeting (the director)", false,
	    meet_texts},
	{"meeting.list", CFG_USER_VIEWER, node_ctl_meeting_list,
	    "the meetings this node holds", false},
	{"meeting.show", CFG_USER_CASE_WORKER, node_ctl_meeting_show,
	    "a meeting: attendance, cases, minutes and decisions", true},
	{"meeting.case", CFG_USER_VIEWER, node_ctl_meeting_case,
	    "a case's consultations and escalations", true},
	{"case.escalate", CFG_USER_CASE_WORKER, node_ctl_case_escalate,
	    "hand a case to another consultation body (the director)", false,
	    step_texts},
	{"signal.attach", CFG_USER_CASE_WORKER, node_ctl_signal_attach,
	    "attach a signal (or, at the director, a member's summary) to a "
	    "case", false},
	{"case.signals", CFG_USER_CASE_WORKER, node_ctl_case_signals,
	    "the signals of a case", true},
	{"signal.detach", CFG_USER_CASE_WORKER, node_ctl_signal_detach,
	    "take a signal off a case", false},
	{"mediation.start", CFG_USER_CASE_WORKER, node_ctl_mediation_start,
	    "record the referral of a mediation case (its director, a "
	    "mediation service)", false},
	{"mediation.party", CFG_USER_CASE_WORKER, node_ctl_mediation_party,
	    "add a party to a mediation", false},
	{"mediation.agreed", CFG_USER_CASE_WORKER, node_ctl_mediation_agreed,
	    "record whether a party agreed to mediate", false},
	{"mediation.mediator", CFG_USER_CASE_WORKER,
	    node_ctl_mediation_mediator, "put a volunteer mediator on a "
	    "mediation", false, med_name_texts},
	{"mediation.talk", CFG_USER_CASE_WORKER, node_ctl_mediation_talk,
	    "record a conversation of a mediation and who attended", false},
	{"mediation.agree", CFG_USER_CASE_WORKER, node_ctl_mediation_agree,
	    "record the agreement the parties reached", false,
	    med_agree_texts},
	{"mediation.close", CFG_USER_CASE_WORKER, node_ctl_mediation_close,
	    "close a mediation with its outcome (and its case)", false},
	{"mediation.show", CFG_USER_CASE_WORKER, node_ctl_mediation_show,
	    "a mediation: referral, parties, mediators, talks, agreement, "
	    "outcome", true},
	{"mediation.report", CFG_USER_VIEWER, node_ctl_mediation_report,
	    "the mediations referred in a period: by source, dispute and "
	    "outcome, lead times", false},
	{"phenomenon.rule.set", CFG_USER_CASE_WORKER, node_ctl_pheno_rule_set,
	    "set when a category's signals make a phenomenon (the director)",
	    false},
	{"phenomenon.rule.list", CFG_USER_CASE_WORKER,
	    node_ctl_pheno_rule_list, "the phenomenon rules (the director)",
	    false},
	{"phenomenon.rule.drop", CFG_USER_CASE_WORKER,
	    node_ctl_pheno_rule_drop, "drop a category's phenomenon rule (the "
	    "director)", false},
	{"phenomenon.list", CFG_USER_CASE_WORKER, node_ctl_pheno_list,
	    "the phenomena proposed, newest first (the director)", false},
	{"phenomenon.show", CFG_USER_CASE_WORKER, node_ctl_pheno_show,
	    "a phenomenon and the summaries of its signals (the director)",
	    false},
	{"phenomenon.open", CFG_USER_CASE_WORKER, node_ctl_pheno_open,
	    "open a case for a proposed phenomenon, with its signals (the "
	    "director)", false, pheno_open_texts},
	{"phenomenon.dismiss", CFG_USER_CASE_WORKER, node_ctl_pheno_dismiss,
	    "dismiss a proposed phenomenon, saying why (the director)", false,
	    pheno_why_texts},
};

/* the message types the work room owns */
static const struct node_msg_kind work_kinds[] = {
	{PROTO_MSG_SIGNAL, node_work_apply},
	{PROTO_MSG_CASE_STEP, node_life_apply},
	{PROTO_MSG_CASE_LINK, node_life_apply},
	{PROTO_MSG_PLAN, node_plan_apply},
	{PROTO_MSG_ACTION_STATE, node_plan_apply},
	{PROTO_MSG_BODY, node_meet_apply},
	{PROTO_MSG_MEETING, node_meet_apply},
	{PROTO_MSG_CONSULT, node_meet_apply},
	{PROTO_MSG_ESCALATION, node_meet_apply},
	{PROTO_MSG_CASE_SIGNAL, node_case_signal_apply},
};

/* the work the room does by itself */
static const struct node_periodic late_check = {"actions.late",
    NODE_LATE_PERIOD_MS, "WIJKNET_TEST_LATE_PERIOD_MS",
    node_actions_mark_late};

void
node_work_room_register(void)
{
	node_exchange_register(work_kinds, WN_ARRAY_LEN(work_kinds));
	node_ctl_register(work_cmds, WN_ARRAY_LEN(work_cmds));
	node_work_summary_register();
	node_work_life_register();
	node_work_plan_register();
	node_work_meet_register();
	node_work_case_signals_register();
	node_work_clock_init();
	node_periodic_register(&late_check);
}
