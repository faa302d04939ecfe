/*
 * core.c - the helpers node.h declares for every room: node_test_ms (a
 * deadline a test may lengthen), node_test_ahead_ms (a clock a test may
 * run ahead) and node_sign (the node's signing function for protocol/).
 * Moved here from exchange/peer.c.
 */
#include "node/node.h"

#include <stdlib.h>

/* off unless the tests' daemon (main.c built with WN_TEST_HOOKS) or a
 * unit test turns it on: the installed daemon reads no WIJKNET_TEST_*
 * variable */
static bool test_hooks;

void
node_test_hooks_enable(void)
{
	test_hooks = true;
}

const char *
node_test_env(const char *name)
{
	return test_hooks ? getenv(name) : NULL;
}

int64_t
node_test_ms(const char *name, int64_t dflt)
{
	const char *v = test_hooks ? getenv(name) : NULL;
	uint64_t ms;
	if (v == NULL || *v == '\0')
		return dflt;
	if (!wn_parse_u64(v, 24 * 3600 * 1000, &ms) || (int64_t)ms < dflt) {
		wn_log(WN_LOG_WARN, "%s=%s ignored: not a number of "
		    "milliseconds from %lld to one day", name, v,
		    (long long)dflt);
		return dflt;
	}
	return (int64_t)ms;
}

int64_t
node_test_short_ms(const char *name, int64_t dflt)
{
	const char *v = test_hooks ? getenv(name) : NULL;
	uint64_t ms;
	if (v == NULL || *v == '\0')
		return dflt;
	if (!wn_parse_u64(v, (uint64_t)dflt, &ms) || ms < 1) {
		wn_log(WN_LOG_WARN, "%s=%s ignored: not a number of "
		    "milliseconds from 1 to %lld", name, v, (long long)dflt);
		return dflt;
	}
	wn_log(WN_LOG_WARN, "test hook %s is set: %llu ms instead of %lld",
	    name, (unsigned long long)ms, (long long)dflt);
	return (int64_t)ms;
}

int64_t
node_test_ahead_ms(const char *name)
{
	const char *v = test_hooks ? getenv(name) : NULL;
	uint64_t ms;
	if (v == NULL || *v == '\0')
		return 0;
	if (!wn_parse_u64(v, UINT64_C(400) * 24 * 3600 * 1000, &ms)) {
		wn_log(WN_LOG_WARN, "%s=%s ignored: not a number of "
		    "milliseconds from 0 to 400 days", name, v);
		return 0;
	}
	wn_log(WN_LOG_WARN, "test hook %s is set: this clock runs %llu ms "
	    "ahead", name, (unsigned long long)ms);
	return (int64_t)ms;
}

/* node_sign is the proto_sign_fn of this node: ctx is its identity. */
wn_err
node_sign(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}
