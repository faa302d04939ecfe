/*
 * test_registries.c - the tables rooms register into at start (node/exchange/
 * kinds.c, node/core/ctl.c) never override silently: a message type taken
 * by another apply, a type the exchange answers itself, a control command
 * name already registered each stop the process at registration; the same
 * table again is a no-op; every enrolment hook is called, in order; a
 * periodic work's name is taken once (node/core/periodic.c); the resync
 * hooks (node/exchange/resync.c) take a function once, and one past
 * NODE_RESYNC_HOOKS_MAX stops the process; need/'s token functions
 * (node_need_on_tokens) are set once, another set stops the process;
 * the case event sink (node/core/event.c) likewise, and an event raised
 * before any sink is registered is dropped without an error.
 * A registration that must abort runs in a forked child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/core/core.h"
#include "node/exchange/exchange.h"
#include "node/need/need.h"

static wn_err
apply_a(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	(void)n, (void)from, (void)h, (void)body, (void)len, (void)why,
	    (void)whylen;
	return WN_OK;
}

static wn_err
apply_b(struct node *n, struct node_peer *from,
    const struct proto_env_header *h, const uint8_t *body, size_t len,
    char *why, size_t whylen)
{
	(void)n, (void)from, (void)h, (void)body, (void)len, (void)why,
	    (void)whylen;
	return WN_EDENIED;
}

/* aborts: fn(arg) in a child stops it with SIGABRT */
static bool
aborts(void (*fn)(const void *), const void *arg)
{
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0)
			dup2(fd, 2);
		fn(arg);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void
reg_kind(const void *arg)
{
	node_exchange_register(arg, 1);
}

static void
test_a_type_has_one_owner(void **state)
{
	static const struct node_msg_kind a = { PROTO_MSG_AMEND, apply_a };
	static const struct node_msg_kind b = { PROTO_MSG_AMEND, apply_b };
	(void)state;
	node_exchange_register(&a, 1);
	node_exchange_register(&a, 1); /* the same kind again: a no-op */
	assert_true(aborts(reg_kind, &b));
}

static void
test_the_exchanges_own_types_cannot_be_registered(void **state)
{
	static const struct node_msg_kind own[] = {
		{ PROTO_MSG_ERROR, apply_a },
		{ PROTO_MSG_RECEIPT, apply_a },
		{ PROTO_MSG_DATA, apply_a },
		{ PROTO_MSG_CHARTER, apply_a },
		{ PROTO_MSG_CHAIN_HEAD, apply_a },
		{ PROTO_MSG_CHAIN_HEAD_QUERY, apply_a },
		{ PROTO_MSG_CHAIN_HEAD_ANSWER, apply_a },
		{ PROTO_MSG_SESSION_OPEN, apply_a },
		{ PROTO_MSG_SESSION_ACCEPT, apply_a },
		{ PROTO_MSG_RESYNC_REQUEST, apply_a }, /* through its hooks */
	};
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(own); i++)
		assert_true(aborts(reg_kind, &own[i]));
}

static int calls[4], ncalls;

static wn_err
hook_1(struct node *n, const char *org)
{
	(void)n, (void)org;
	calls[ncalls++] = 1;
	return WN_OK;
}

static wn_err
hook_2(struct node *n, const char *org)
{
	(void)n, (void)org;
	calls[ncalls++] = 2;
	return WN_OK;
}

static wn_err
hook_fails(struct node *n, const char *org)
{
	(void)n, (void)org;
	calls[ncalls++] = 3;
	return WN_EDB;
}

static void
test_every_enrolment_hook_is_called(void **state)
{
	const char *what = NULL;
	(void)state;
	node_exchange_on_enrol(hook_1, "the first");
	node_exchange_on_enrol(hook_2, "the second");
	node_exchange_on_enrol(hook_1, "the first"); /* again: a no-op */
	ncalls = 0;
	assert_int_equal(node_exchange_enrolled(NULL, "org-x", &what), WN_OK);
	assert_null(what);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0], 1);
	assert_int_equal(calls[1], 2);
}

/* (after the test above) a hook that fails stops the list, and its own
 * words say what failed, for the enrolment's error */
static void
test_a_failing_hook_is_named(void **state)
{
	const char *what = NULL;
	(void)state;
	node_exchange_on_enrol(hook_fails, "keeping the third");
	ncalls = 0;
	assert_int_equal(node_exchange_enrolled(NULL, "org-x", &what), WN_EDB);
	assert_string_equal(what, "keeping the third");
	assert_int_equal(ncalls, 3);
}

static wn_err
resync_hook(struct node *n, struct node_peer *to, int64_t since_ms,
    size_t *queued)
{
	(void)n, (void)to, (void)since_ms, (void)queued;
	return WN_OK;
}
#define RESYNC_HOOK(k)                                                      \
	static wn_err resync_##k(struct node *n, struct node_peer *to,     \
	    int64_t since_ms, size_t *queued)                               \
	{                                                                   \
		return resync_hook(n, to, since_ms, queued);                \
	}
RESYNC_HOOK(1)
RESYNC_HOOK(2)
RESYNC_HOOK(3)
RESYNC_HOOK(4)
RESYNC_HOOK(5)
RESYNC_HOOK(6)

static void
reg_resync(const void *arg)
{
	(void)arg;
	node_exchange_on_resync(resync_hook, "one too many");
}

static void
test_resync_hooks_are_taken_once(void **state)
{
	(void)state;
	_Static_assert(NODE_RESYNC_HOOKS_MAX == 6, "six hooks below");
	node_exchange_on_resync(resync_1, "one");
	node_exchange_on_resync(resync_1, "one"); /* again: a no-op */
	node_exchange_on_resync(resync_2, "two");
	node_exchange_on_resync(resync_3, "three");
	node_exchange_on_resync(resync_4, "four");
	node_exchange_on_resync(resync_5, "five");
	node_exchange_on_resync(resync_6, "six");
	node_exchange_on_resync(resync_6, "six"); /* full, but known */
	assert_true(aborts(reg_resync, NULL));
}

static wn_err
cmd(struct node_ctl_call *c)
{
	(void)c;
	return WN_OK;
}

static const struct node_ctl_cmd table_a[] = {
	{ "test.one", CFG_USER_VIEWER, cmd, "one", false },
};
static const struct node_ctl_cmd table_b[] = {
	{ "test.two", CFG_USER_VIEWER, cmd, "two", false },
	{ "test.one", CFG_USER_VIEWER, cmd, "one again", false },
};
static const struct node_ctl_cmd table_c[] = {
	{ "test.three", CFG_USER_VIEWER, cmd, "three", false },
	{ "test.three", CFG_USER_VIEWER, cmd, "three again", false },
};

static void
reg_table(const void *arg)
{
	node_ctl_register(arg, 2);
}

static void
test_a_command_name_is_in_one_table(void **state)
{
	(void)state;
	node_ctl_register(table_a, WN_ARRAY_LEN(table_a));
	node_ctl_register(table_a, WN_ARRAY_LEN(table_a)); /* a no-op */
	assert_ptr_equal(node_ctl_find("test.one"), &table_a[0]);
	assert_true(aborts(reg_table, table_b));
	assert_true(aborts(reg_table, table_c));
	assert_null(node_ctl_find("test.two"));
}

static wn_err
tick(struct node *n, bool *kick)
{
	(void)n;
	*kick = false;
	return WN_OK;
}

static const struct node_periodic every_minute = {"test.tick", 60000, NULL,
    tick};
static const struct node_periodic every_hour = {"test.tick", 3600000, NULL,
    tick};

static void
reg_periodic(const void *arg)
{
	node_periodic_register(arg);
}

static void
test_a_periodic_name_is_taken_once(void **state)
{
	(void)state;
	node_periodic_register(&every_minute);
	node_periodic_register(&every_minute); /* a no-op */
	assert_int_equal(node_periodic_count(), 1);
	assert_true(aborts(reg_periodic, &every_hour));
}

static wn_err
ref_of(struct node *n, const uint8_t token[32], char *ref, size_t cap)
{
	(void)n, (void)token, (void)ref, (void)cap;
	return WN_ENOTFOUND;
}

static wn_err
token_of(struct node *n, const char *ref, uint8_t token[32])
{
	(void)n, (void)ref, (void)token;
	return WN_ENOTFOUND;
}

static void
fp_a(const uint8_t token[32], char out[9])
{
	(void)token;
	memcpy(out, "aaaaaaaa", 9);
}

static void
fp_b(const uint8_t token[32], char out[9])
{
	(void)token;
	memcpy(out, "bbbbbbbb", 9);
}

static void
reg_tokens(const void *arg)
{
	node_need_on_tokens(arg);
}

static void
test_the_token_functions_are_set_once(void **state)
{
	static const struct node_need_tokens a = {ref_of, token_of, fp_a, NULL};
	static const struct node_need_tokens b = {ref_of, token_of, fp_b, NULL};
	(void)state;
	node_need_on_tokens(&a);
	node_need_on_tokens(&a); /* the same again: a no-op */
	assert_true(aborts(reg_tokens, &b));
}

static int sink_calls;
static const char *sink_kind;

static wn_err
sink_a(struct node *n, const struct node_event *ev)
{
	(void)n;
	sink_calls++;
	sink_kind = ev->kind;
	return ev->ref == 7 ? WN_EDB : WN_OK;
}

static wn_err
sink_b(struct node *n, const struct node_event *ev)
{
	(void)n, (void)ev;
	return WN_OK;
}

static void
reg_sink(const void *arg)
{
	(void)arg;
	node_event_sink(sink_b);
}

static void
test_the_event_sink_is_set_once(void **state)
{
	struct node_event ev = {"action.done", "c-1", "police", 4, "director"};
	(void)state;
	/* no sink yet (a lower room's unit test): dropped */
	assert_int_equal(node_event_raise(NULL, &ev), WN_OK);
	assert_int_equal(sink_calls, 0);
	node_event_sink(sink_a);
	node_event_sink(sink_a); /* the same again: a no-op */
	assert_int_equal(node_event_raise(NULL, &ev), WN_OK);
	assert_int_equal(sink_calls, 1);
	assert_string_equal(sink_kind, "action.done");
	/* the sink's failure is the caller's: its transaction fails */
	ev.ref = 7;
	assert_int_equal(node_event_raise(NULL, &ev), WN_EDB);
	assert_true(aborts(reg_sink, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_type_has_one_owner),
		cmocka_unit_test(test_the_exchanges_own_types_cannot_be_registered),
		cmocka_unit_test(test_every_enrolment_hook_is_called),
		cmocka_unit_test(test_a_failing_hook_is_named),
		cmocka_unit_test(test_a_command_name_is_in_one_table),
		cmocka_unit_test(test_a_periodic_name_is_taken_once),
		cmocka_unit_test(test_resync_hooks_are_taken_once),
		cmocka_unit_test(test_the_token_functions_are_set_once),
		cmocka_unit_test(test_the_event_sink_is_set_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
