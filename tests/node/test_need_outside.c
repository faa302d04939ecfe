/*
 * test_need_outside.c - need/'s answer to other rooms about what travels
 * outside any case (node_need_outside_level, node/need/need.c): the level
 * the matrix in force gives a role, none while no matrix is held, none
 * for a matrix of another federation and for anything out of range, the
 * newest version counting, and an error (nothing written) when the
 * matrix stored no longer verifies.
 *
 * The node is a director's, below the daemon: a store and an identity,
 * the matrices signed with that identity and put in the store as
 * `matrix publish` does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "node/need/need.h"
#include "protocol/matrix_wire.h"

static char dir[64];
static struct sec_identity *id, *other;
static struct node *n;
static struct proto_matrix pm;
static uint8_t buf[PROTO_SIGNED_MATRIX_MAX];

static struct sec_identity *
make_identity(const char *name)
{
	struct sec_identity *i = NULL;
	struct sec_secret *p = NULL;
	char err[256], path[160];
	assert_int_equal(sec_secret_new(4, &p), WN_OK);
	memcpy(p->data, "pass", 4);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_int_equal(sec_identity_create(path, p, SEC_KDF_INTERACTIVE, &i,
			     err, sizeof(err)),
	    WN_OK);
	sec_secret_free(p);
	return i;
}

static int
setup(void **state)
{
	(void)state;
	char err[256], path[160];
	if (sec_init() != WN_OK)
		return -1;
	wn_strlcpy(dir, "/tmp/test_need_outside.XXXXXX", sizeof(dir));
	assert_non_null(mkdtemp(dir));
	id = make_identity("dir");
	other = make_identity("other");
	assert_non_null(n = calloc(1, sizeof(*n)));
	n->id = id;
	n->is_director = true;
	wn_strlcpy(n->cfg.org_id, "herentals", sizeof(n->cfg.org_id));
	snprintf(path, sizeof(path), "%s/node.db", dir);
	if (node_store_open(path, id, true, &n->store, err, sizeof(err)) !=
	    WN_OK)
		fail_msg("open: %s", err);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char cmd[128];
	node_store_close(n->store);
	free(n);
	sec_identity_free(id);
	sec_identity_free(other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* publish stores pm as version v of federation fed, signed by signer. */
static void
publish(uint64_t v, const char *fed, struct sec_identity *signer)
{
	struct proto_writer w;
	pm.version = v;
	wn_strlcpy(pm.federation, fed, sizeof(pm.federation));
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, node_sign, signer, &w), WN_OK);
	assert_int_equal(node_store_versioned_put(n->store, "matrix", v, w.buf,
			     w.len),
	    WN_OK);
}

static enum cfg_level
level(enum cfg_outside what, enum cfg_role role)
{
	enum cfg_level l = (enum cfg_level)99;
	assert_int_equal(node_need_outside_level(n, what, role, &l), WN_OK);
	return l;
}

static void
test_outside_level(void **state)
{
	(void)state;
	enum cfg_level l;

	/* no matrix held: every level is none */
	for (int r = 0; r < CFG_ROLES; r++)
		assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, (enum cfg_role)r),
		    CFG_LEVEL_NONE);

	/* a matrix that gives the municipality view of summaries, and the
	 * police view of signals in situation cases (a case's cell, not an
	 * outside one) */
	memset(&pm, 0, sizeof(pm));
	pm.outside[CFG_OUT_SIGNAL_SUMMARY][CFG_ROLE_MUNICIPALITY] =
	    CFG_LEVEL_VIEW;
	pm.outside[CFG_OUT_SIGNAL_SUMMARY][CFG_ROLE_HOUSING] =
	    CFG_LEVEL_EXISTENCE;
	pm.level[CFG_CASE_SITUATION][CFG_CAT_SIGNALS][CFG_ROLE_POLICE] =
	    CFG_LEVEL_VIEW;
	publish(1, "herentals", id);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_VIEW);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_HOUSING),
	    CFG_LEVEL_EXISTENCE);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_POLICE),
	    CFG_LEVEL_NONE);
	/* out of range: none */
	assert_int_equal(level(CFG_OUTSIDE, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_NONE);
	assert_int_equal(level((enum cfg_outside)-1, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_NONE);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY,
			     (enum cfg_role)CFG_ROLES),
	    CFG_LEVEL_NONE);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, (enum cfg_role)-1),
	    CFG_LEVEL_NONE);

	/* the newest version is the one in force */
	memset(pm.outside, 0, sizeof(pm.outside));
	pm.outside[CFG_OUT_SIGNAL_SUMMARY][CFG_ROLE_MUNICIPALITY] =
	    CFG_LEVEL_EDIT;
	publish(2, "herentals", id);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_EDIT);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_HOUSING),
	    CFG_LEVEL_NONE);

	/* a matrix of another federation is no matrix in force */
	publish(3, "elsewhere", id);
	assert_int_equal(level(CFG_OUT_SIGNAL_SUMMARY, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_NONE);

	/* one that no longer verifies is an error, and *out stays */
	publish(4, "herentals", other);
	l = CFG_LEVEL_EXISTENCE;
	assert_int_equal(node_need_outside_level(n, CFG_OUT_SIGNAL_SUMMARY,
			     CFG_ROLE_MUNICIPALITY, &l),
	    WN_ECRYPTO);
	assert_int_equal(l, CFG_LEVEL_EXISTENCE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_outside_level),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
