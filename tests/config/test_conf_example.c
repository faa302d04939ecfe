/*
 * test_conf_example.c - the example config that make install ships
 * (config/wijknet.conf.example) is a valid config: it loads, with the
 * values it shows, and the credential it names is the one the systemd
 * unit loads. Run from the top of the tree (tests/run.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "config/cfg.h"

static void
test_example_loads(void **state)
{
	struct cfg_node cfg;
	char err[CFG_ERR_LEN];
	(void)state;
	wn_err rc = cfg_node_load("config/wijknet.conf.example", &cfg, err,
	    sizeof(err));
	if (rc != WN_OK)
		fail_msg("%s", err);
	assert_string_equal(cfg.org_id, "pz-neteland");
	assert_string_equal(cfg.data_dir, "/var/lib/wijknet");
	assert_int_equal(cfg.pass_source, CFG_PASS_CREDENTIAL);
	assert_string_equal(cfg.pass_name, CFG_DEFAULT_PASS_NAME);
	assert_int_equal(cfg.nusers, 2);
	assert_int_equal(cfg.users[0].uid, 0);
	assert_int_equal(cfg.users[0].role, CFG_USER_ADMINISTRATOR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
