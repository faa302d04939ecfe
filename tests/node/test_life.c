/*
 * test_life.c - the rules of a case's life (node/work/life.c,
 * node_case_step_check): a case advances one stage at a time, is closed
 * from any open stage with an outcome and a reason, goes back (reopens)
 * only with a reason, never moves to where it stands, and a closed case
 * does not advance; a member that was not told a step's reason checks the
 * rest without it. And the names of stages, outcomes and relations, which
 * are stored and on the wire.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "node/work/work.h"
#include "protocol/life_wire.h"

#define S_SIG NODE_STAGE_SIGNAL
#define S_EXP NODE_STAGE_EXPLORATION
#define S_ANA NODE_STAGE_ANALYSIS
#define S_PLAN NODE_STAGE_PLAN
#define S_FU NODE_STAGE_FOLLOW_UP
#define S_CLOSED NODE_STAGE_CLOSED

static void
allowed(int from, int to, int outcome, bool reason)
{
	char err[200] = "";
	if (!node_case_step_check(from, to, outcome, reason, true, err,
		sizeof(err)))
		fail_msg("%s -> %s refused: %s", node_case_stage_name(from),
		    node_case_stage_name(to), err);
}

static void
refused(int from, int to, int outcome, bool reason, const char *why)
{
	char err[200] = "";
	if (node_case_step_check(from, to, outcome, reason, true, err,
		sizeof(err)))
		fail_msg("%s -> %s allowed", node_case_stage_name(from),
		    node_case_stage_name(to));
	if (strstr(err, why) == NULL)
		fail_msg("refused with '%s', want '%s'", err, why);
}

static void
test_forward_one_at_a_time(void **state)
{
	(void)state;
	for (int s = S_SIG; s < S_FU; s++) {
		allowed(s, s + 1, -1, false);
		allowed(s, s + 1, -1, true);
	}
	refused(S_SIG, S_ANA, -1, true, "one stage at a time");
	refused(S_EXP, S_FU, -1, true, "one stage at a time");
	refused(S_PLAN, S_PLAN, -1, true, "stands at that stage already");
}

static void
test_closing(void **state)
{
	(void)state;
	for (int s = S_SIG; s < S_CLOSED; s++)
		for (int o = 0; o < NODE_OUTCOMES; o++)
			allowed(s, S_CLOSED, o, true);
	refused(S_FU, S_CLOSED, -1, true, "closed with an outcome");
	refused(S_FU, S_CLOSED, 0, false, "closed with a reason");
	refused(S_FU, S_CLOSED, NODE_OUTCOMES, true, "no such outcome");
	refused(S_PLAN, S_FU, 1, true, "only a closed case has an outcome");
	refused(S_CLOSED, S_CLOSED, 0, true, "closed already");
}

static void
test_back_needs_a_reason(void **state)
{
	(void)state;
	allowed(S_PLAN, S_EXP, -1, true);
	allowed(S_ANA, S_SIG, -1, true);
	refused(S_PLAN, S_ANA, -1, false, "needs a reason");
	/* reopening a closed case */
	allowed(S_CLOSED, S_FU, -1, true);
	allowed(S_CLOSED, S_SIG, -1, true);
	refused(S_CLOSED, S_FU, -1, false, "needs a reason");
	refused(7, S_FU, -1, true, "no such stage");
	refused(S_SIG, -1, -1, true, "no such stage");
}

static void
test_reason_unknown(void **state)
{
	(void)state;
	char err[200];
	/* a member not told the reason: the reason rules are not its */
	assert_true(node_case_step_check(S_PLAN, S_ANA, -1, false, false, err,
	    sizeof(err)));
	assert_true(node_case_step_check(S_FU, S_CLOSED, 2, false, false, err,
	    sizeof(err)));
	/* the others are */
	assert_false(node_case_step_check(S_SIG, S_PLAN, -1, false, false,
	    err, sizeof(err)));
	assert_false(node_case_step_check(S_CLOSED, S_CLOSED, 1, false, false,
	    err, sizeof(err)));
}

static void
test_names(void **state)
{
	(void)state;
	int v;
	/* the wire's counts are these */
	assert_int_equal(NODE_STAGES, PROTO_CASE_STAGES);
	assert_int_equal(NODE_STAGE_CLOSED, PROTO_CASE_CLOSED);
	assert_int_equal(NODE_OUTCOMES, PROTO_CASE_OUTCOMES);
	assert_int_equal(NODE_RELATIONS, PROTO_CASE_RELATIONS);
	for (int s = 0; s < NODE_STAGES; s++) {
		assert_true(node_case_stage_parse(node_case_stage_name(s), &v));
		assert_int_equal(v, s);
	}
	assert_string_equal(node_case_stage_name(S_FU), "follow_up");
	assert_string_equal(node_case_stage_name(NODE_STAGES), "unknown");
	assert_false(node_case_stage_parse("follow-up", &v));
	assert_false(node_case_stage_parse(NULL, &v));
	assert_true(node_case_outcome_parse("handed_over", &v));
	assert_int_equal(v, NODE_OUTCOME_HANDED_OVER);
	assert_false(node_case_outcome_parse("done", &v));
	assert_true(node_case_relation_parse("group_involved", &v));
	assert_int_equal(v, NODE_REL_GROUP_INVOLVED);
	assert_string_equal(node_case_relation_name(NODE_REL_FAMILY_MEMBER),
	    "family_member");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_forward_one_at_a_time),
	    cmocka_unit_test(test_closing),
	    cmocka_unit_test(test_back_needs_a_reason),
	    cmocka_unit_test(test_reason_unknown),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
