/*
 * test_cfg.c - the node config file: round trips, every error message with
 * its file:line prefix, loading and atomic writing, and garbage input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfg.h"

/* Six, three and three lines: errors after them are on lines 7, 10, 13. */
#define NODE_SEC                                                               \
	"[node]\n"                                                             \
	"org_id = herentals\n"                                                 \
	"org_name = Gemeente Herentals\n"                                      \
	"role = municipality\n"                                                \
	"data_dir = /var/lib/wijknet/herentals\n"                              \
	"listen = tcp://127.0.0.1:7401\n"
#define PASS_SEC                                                               \
	"[passphrase]\n"                                                       \
	"source = file\n"                                                      \
	"path = /etc/wijknet/herentals.pass\n"
#define USER_SEC                                                               \
	"[user alice]\n"                                                       \
	"uid = 1000\n"                                                         \
	"role = administrator\n"
#define VALID NODE_SEC PASS_SEC USER_SEC

static const char full[] =
    "# wijknet node config\n"
    "; another comment\n"
    "\n"
    "[node]\n"
    "  org_id   =   politie-kempen_2  \n"
    "org_name = Politiezone Kempen # Noord; \xc3\xa9\xe2\x82\xac\n"
    "role = police\n"
    "data_dir = /var/lib/wijknet/pz\n"
    "listen = tls+tcp://0.0.0.0:7401\n"
    "log_level = debug\n"
    "control_mode = 0660\n"
    "control_group = wijknet\n"
    "director_key = "
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n"
    "tls_cert = /etc/wijknet/tls/cert.pem\n"
    "tls_key = /etc/wijknet/tls/key.pem\n"
    "tls_ca = /etc/wijknet/tls/ca.pem\n"
    "\n"
    "[passphrase]\n"
    "source = credential\n"
    "name = wijknet.pass\n"
    "\n"
    "[user alice]\n"
    "uid = 1000\n"
    "role = administrator\n"
    "[ user bob ]\n"
    "role = case_worker\n"
    "uid = 1001\n"
    "[user carol-3]\n"
    "uid = 0\n"
    "role = viewer\n"
    "[user dave]\n"
    "uid = 4294967294\n"
    "role = viewer\n";

static struct cfg_node cfg, cfg2;
static char err[CFG_ERR_LEN];

static wn_err
parse(const char *text)
{
	return cfg_node_parse(text, strlen(text), "t.conf", &cfg, err,
	    sizeof(err));
}

/* Parsing text fails with WN_ECONFIG and a message that starts with
 * prefix and contains needle. */
static void
check_err(const char *text, size_t len, const char *prefix,
    const char *needle)
{
	wn_err rc = cfg_node_parse(text, len, "t.conf", &cfg, err, sizeof(err));
	if (rc != WN_ECONFIG || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    strstr(err, needle) == NULL)
		print_error("got %d '%s'; want '%s...%s'\n", rc, err, prefix,
		    needle);
	assert_int_equal(rc, WN_ECONFIG);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(err, needle));
}

#define ERR(text, prefix, needle)                                              \
	check_err(text, sizeof(text) - 1, prefix, needle)

/* Formats c, parses the text back into cfg2 and wants it equal. */
static void
round_trip(const struct cfg_node *c)
{
	static char buf[CFG_FILE_MAX];
	size_t len = 0;

	assert_int_equal(cfg_node_format(c, buf, sizeof(buf), &len), WN_OK);
	assert_int_equal(strlen(buf), len);
	assert_int_equal(cfg_node_parse(buf, len, "fmt", &cfg2, err,
	    sizeof(err)), WN_OK);
	assert_memory_equal(c, &cfg2, sizeof(cfg2));
}

static void
test_minimal(void **state)
{
	(void)state;
	assert_int_equal(parse(VALID), WN_OK);
	assert_string_equal(err, "");
	assert_string_equal(cfg.org_id, "herentals");
	assert_string_equal(cfg.org_name, "Gemeente Herentals");
	assert_int_equal(cfg.role, CFG_ROLE_MUNICIPALITY);
	assert_string_equal(cfg.data_dir, "/var/lib/wijknet/herentals");
	assert_string_equal(cfg.listen, "tcp://127.0.0.1:7401");
	assert_int_equal(cfg.log_level, WN_LOG_INFO);
	assert_int_equal(cfg.control_mode, 0600);
	assert_string_equal(cfg.control_group, "");
	assert_string_equal(cfg.director_key, "");
	assert_string_equal(cfg.tls_cert, "");
	assert_int_equal(cfg.pass_source, CFG_PASS_FILE);
	assert_string_equal(cfg.pass_path, "/etc/wijknet/herentals.pass");
	assert_string_equal(cfg.pass_name, "");
	assert_int_equal(cfg.nusers, 1);
	assert_string_equal(cfg.users[0].name, "alice");
	assert_int_equal(cfg.users[0].uid, 1000);
	assert_int_equal(cfg.users[0].role, CFG_USER_ADMINISTRATOR);
	round_trip(&cfg);
}

static void
test_full_round_trip(void **state)
{
	(void)state;
	assert_int_equal(parse(full), WN_OK);
	assert_string_equal(cfg.org_id, "politie-kempen_2");
	assert_string_equal(cfg.org_name,
	    "Politiezone Kempen # Noord; \xc3\xa9\xe2\x82\xac");
	assert_int_equal(cfg.role, CFG_ROLE_POLICE);
	assert_int_equal(cfg.log_level, WN_LOG_DEBUG);
	assert_int_equal(cfg.control_mode, 0660);
	assert_string_equal(cfg.control_group, "wijknet");
	assert_string_equal(cfg.tls_ca, "/etc/wijknet/tls/ca.pem");
	assert_int_equal(cfg.pass_source, CFG_PASS_CREDENTIAL);
	assert_string_equal(cfg.pass_name, "wijknet.pass");
	assert_string_equal(cfg.pass_path, "");
	assert_int_equal(cfg.nusers, 4);
	assert_string_equal(cfg.users[1].name, "bob");
	assert_int_equal(cfg.users[1].role, CFG_USER_CASE_WORKER);
	assert_int_equal(cfg.users[3].uid, 4294967294u);
	round_trip(&cfg);
}

static void
test_crlf_and_no_final_newline(void **state)
{
	(void)state;
	assert_int_equal(parse("[node]\r\norg_id = a\r\norg_name = A\r\n"
	    "role = welfare\r\ndata_dir = /d\r\nlisten = tcp://localhost:1\r\n"
	    "[passphrase]\r\nsource = prompt\r\n[user u]\r\nuid = 1\r\n"
	    "role = viewer"), WN_OK);
	assert_string_equal(cfg.listen, "tcp://localhost:1");
	assert_int_equal(cfg.pass_source, CFG_PASS_PROMPT);
	assert_int_equal(cfg.users[0].role, CFG_USER_VIEWER);
	round_trip(&cfg);
}

static void
test_credential_default_name(void **state)
{
	(void)state;
	assert_int_equal(parse(NODE_SEC "[passphrase]\nsource = credential\n"
	    USER_SEC), WN_OK);
	assert_string_equal(cfg.pass_name, CFG_DEFAULT_PASS_NAME);
	round_trip(&cfg);
}

static void
test_err_unknown_section(void **state)
{
	(void)state;
	ERR(VALID "[nodes]\n", "t.conf:13: ", "unknown section [nodes]");
	ERR("# c\n[user]\n", "t.conf:2: ", "bad user name");
	ERR("[user Alice]\n", "t.conf:1: ", "bad user name 'Alice'");
	ERR("[node\n", "t.conf:1: ", "malformed section header");
	ERR("[]\n", "t.conf:1: ", "unknown section []");
}

static void
test_err_unknown_key(void **state)
{
	(void)state;
	ERR(NODE_SEC "colour = blue\n" PASS_SEC USER_SEC, "t.conf:7: ",
	    "unknown key 'colour' in [node]");
	ERR(NODE_SEC PASS_SEC "uid = 3\n" USER_SEC, "t.conf:10: ",
	    "unknown key 'uid' in [passphrase]");
	ERR(VALID "name = x\n", "t.conf:13: ",
	    "unknown key 'name' in [user alice]");
}

static void
test_err_duplicate_key(void **state)
{
	(void)state;
	ERR(NODE_SEC "org_id = other\n" PASS_SEC USER_SEC, "t.conf:7: ",
	    "duplicate key 'org_id' in [node] (first on line 2)");
	ERR(VALID "uid = 1000\n", "t.conf:13: ", "duplicate key 'uid'");
}

static void
test_err_duplicate_section(void **state)
{
	(void)state;
	ERR(VALID "[passphrase]\n", "t.conf:13: ",
	    "duplicate section [passphrase] (first on line 7)");
	ERR(VALID "[user alice]\n", "t.conf:13: ",
	    "duplicate section [user alice] (first on line 10)");
	ERR(VALID "[user bob]\nuid = 1000\nrole = viewer\n", "t.conf:14: ",
	    "uid: 1000 is already used by [user alice]");
}

static void
test_err_too_many_users(void **state)
{
	static char text[16384];
	size_t n, last = 0;
	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "%s", NODE_SEC PASS_SEC);
	for (int i = 0; i <= CFG_MAX_USERS; i++) {
		last = n;
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "[user u%d]\nuid = %d\nrole = viewer\n", i, i);
	}
	/* Users 0..63 take lines 10..201. */
	check_err(text, n, "t.conf:202: ", "too many users (at most 64)");
	text[last] = '\0';
	assert_int_equal(parse(text), WN_OK);
	assert_int_equal(cfg.nusers, CFG_MAX_USERS);
	round_trip(&cfg);
}

static void
test_err_outside_section(void **state)
{
	(void)state;
	ERR("org_id = x\n" VALID, "t.conf:1: ", "key 'org_id' outside a section");
	ERR("# c\n\n  ; c\nrole = police\n", "t.conf:4: ", "outside a section");
}

static void
test_err_no_equals(void **state)
{
	(void)state;
	ERR(NODE_SEC "listen tcp://x:1\n", "t.conf:7: ", "expected 'key = value'");
	ERR(NODE_SEC " = x\n", "t.conf:7: ", "missing key before '='");
}

static void
test_err_too_long(void **state)
{
	char text[512];
	char name[129];
	(void)state;
	memset(name, 'x', 128);
	name[128] = '\0';
	snprintf(text, sizeof(text), "[node]\norg_name = %s\n", name);
	check_err(text, strlen(text), "t.conf:2: ",
	    "org_name: value too long (at most 127 bytes)");
	name[127] = '\0';
	snprintf(text, sizeof(text), "[node]\norg_name = %s\n", name);
	check_err(text, strlen(text), "t.conf:1: ", "missing required key");
	name[64] = '\0';
	snprintf(text, sizeof(text), "[node]\norg_id = %s\n", name);
	check_err(text, strlen(text), "t.conf:2: ", "org_id: value too long");
}

/* org_name is stored in NFC however the file spells it. */
static void
test_org_name_nfc(void **state)
{
	(void)state;
	assert_int_equal(parse("[node]\norg_id = a\norg_name = Cit\xc3\xa9 "
	    "E\xcc\x81lise\nrole = welfare\ndata_dir = /d\n"
	    "listen = tcp://127.0.0.1:1\n[passphrase]\nsource = prompt\n"
	    "[user u]\nuid = 1\nrole = viewer\n"), WN_OK);
	assert_string_equal(cfg.org_name, "Cit\xc3\xa9 \xc3\x89lise");
	round_trip(&cfg);
}

/* A listen address is checked whole when the file is read (and at init,
 * which goes through the parser): scheme, host, a port of 1..65535, and
 * plain tcp only on loopback, with the line of the file. */
static void
test_listen(void **state)
{
	static const char *const good[] = {"tcp://127.0.0.1:7401",
	    "tcp://127.200.3.4:1", "tcp://localhost:65535", "tcp://[::1]:7401",
	    "tcp://LocalHost:80", "tls+tcp://0.0.0.0:7400",
	    "tls+tcp://node.example.org:443", "tls+tcp://[2001:db8::1]:7400",
	    "tls+tcp://10.0.0.1:1"};
	static const struct {
		const char *v, *why;
	} bad[] = {
	    {"tcp://127.0.0.1:-5", "port from 1 to 65535"},
	    {"tcp://127.0.0.1:0", "port from 1 to 65535"},
	    {"tcp://127.0.0.1:65536", "port from 1 to 65535"},
	    {"tcp://127.0.0.1:07401", "port from 1 to 65535"},
	    {"tcp://127.0.0.1:", "port from 1 to 65535"},
	    {"tcp://127.0.0.1:0x10", "port from 1 to 65535"},
	    {"tcp://127.0.0.1", "HOST:PORT"},
	    {"tcp://:7401", "a host name"},
	    {"tcp://*:7401", "a host name"},
	    {"tcp://a b:7401", "a host name"},
	    {"tcp://host..x:7401", "a host name"},
	    {"tcp://[::1:7401", "HOST:PORT"},
	    {"tcp://[::1]7401", "HOST:PORT"},
	    {"tcp://[]:7401", "a host name"},
	    {"tls+tcp://[zz::1]:7401", "a host name"},
	    {"tcp://0.0.0.0:7401", "plain tcp:// only on loopback"},
	    {"tcp://10.1.2.3:7401", "plain tcp:// only on loopback"},
	    {"tcp://[::]:7401", "plain tcp:// only on loopback"},
	    {"tcp://example.org:7401", "plain tcp:// only on loopback"},
	    {"tcp://localhost.evil.org:7401", "plain tcp:// only on loopback"},
	    {"tcp://127.0.0.256:7401", "plain tcp:// only on loopback"},
	    {"udp://127.0.0.1:7401", "expected tcp://HOST:PORT"},
	};
	char text[512], want[160];
	int n;
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(good); i++) {
		assert_null(cfg_listen_problem(good[i]));
		n = snprintf(text, sizeof(text), "[node]\norg_id = a\norg_name = A"
		    "\nrole = welfare\ndata_dir = /d\nlisten = %s\n%s"
		    "[passphrase]\nsource = prompt\n[user u]\nuid = 1\n"
		    "role = viewer\n", good[i],
		    strncmp(good[i], "tls", 3) == 0 ? "tls_cert = /c\ntls_key = "
		    "/k\ntls_ca = /a\n" : "");
		if (parse(text) != WN_OK)
			print_error("%s: %s\n", good[i], err);
		assert_int_equal(parse(text), WN_OK);
		assert_string_equal(cfg.listen, good[i]);
		round_trip(&cfg);
	}
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		const char *why = cfg_listen_problem(bad[i].v);
		if (why == NULL || strstr(why, bad[i].why) == NULL)
			print_error("%s: got '%s'\n", bad[i].v, why ? why : "");
		assert_non_null(why);
		assert_non_null(strstr(why, bad[i].why));
		n = snprintf(text, sizeof(text), "[node]\norg_id = a\n"
		    "listen = %s\n", bad[i].v);
		snprintf(want, sizeof(want), "listen: %s", why);
		check_err(text, (size_t)n, "t.conf:3: ", want);
	}
}

static void
test_err_bad_values(void **state)
{
	(void)state;
	ERR("[node]\nrole = mayor\n", "t.conf:2: ",
	    "role: expected one of municipality, police, community_guards, "
	    "outreach, welfare, housing, youth_work, mediation, not 'mayor'");
	ERR("[node]\norg_id = Herentals\n", "t.conf:2: ", "org_id: expected 1 to");
	ERR("[node]\norg_id =\n", "t.conf:2: ", "org_id: expected");
	ERR("[node]\norg_name = a\tb\n", "t.conf:2: ", "org_name: expected");
	ERR("[node]\norg_name = \xff\n", "t.conf:2: ", "org_name: expected");
	ERR("[node]\norg_name = \xc0\xaf\n", "t.conf:2: ", "org_name");
	ERR("[node]\norg_name = \xed\xa0\x80\n", "t.conf:2: ", "org_name");
	ERR("[node]\norg_name = \xe2\x82\n", "t.conf:2: ", "org_name");
	ERR("[node]\ndata_dir = var/lib\n", "t.conf:2: ",
	    "data_dir: expected an absolute path");
	ERR("[node]\nlisten = udp://x:1\n", "t.conf:2: ", "listen: expected tcp://");
	ERR("[node]\nlisten = tcp://\n", "t.conf:2: ", "listen: expected");
	ERR("[node]\nlog_level = loud\n", "t.conf:2: ",
	    "log_level: expected one of error, warn, info, debug");
	ERR("[node]\ncontrol_mode = 0644\n", "t.conf:2: ",
	    "control_mode: expected 0600 or 0660");
	/* another node's alert socket is never a control socket (L5) */
	ERR("[node]\ncontrol_socket = /run/w/control.sock.alerts\n",
	    "t.conf:2: ", "control_socket: expected an absolute path of at "
	    "most 99 bytes, not ending in '.alerts'");
	ERR("[node]\ndirector_key = 00112233\n", "t.conf:2: ",
	    "director_key: expected 64 lowercase hex digits");
	ERR("[node]\ndirector_key = "
	    "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n",
	    "t.conf:2: ", "director_key");
	ERR("[node]\nroot = 0011\n", "t.conf:2: ",
	    "root: expected 64 lowercase hex digits");
	ERR("[node]\nfederation = Fed\n", "t.conf:2: ", "federation: expected");
	ERR("[node]\ndelegation = d1.dlg\n", "t.conf:2: ",
	    "delegation: expected an absolute path");
	ERR("[node]\nrevocation = r1.rev\n", "t.conf:2: ",
	    "revocation: expected an absolute path");
	ERR("[node]\ncontrol_group = -x\n", "t.conf:2: ", "control_group");
	ERR("[passphrase]\nsource = stdin\n", "t.conf:2: ",
	    "source: expected one of file, prompt, credential");
	ERR("[user a]\nrole = root\n", "t.conf:2: ",
	    "role: expected one of administrator, case_worker, viewer");
	ERR("[user a]\nuid = 4294967295\n", "t.conf:2: ", "uid: expected");
	ERR("[user a]\nuid = -1\n", "t.conf:2: ", "uid: expected");
	ERR("[user a]\nuid = 12a\n", "t.conf:2: ", "uid: expected");
	ERR("[user a]\nuid = 99999999999999999999999\n", "t.conf:2: ", "uid");
}

static void
test_err_long_line(void **state)
{
	static char text[sizeof(VALID) + CFG_LINE_MAX + 8];
	size_t n = sizeof(VALID) - 1;
	(void)state;
	memcpy(text, VALID, n);
	memset(text + n, '#', CFG_LINE_MAX + 1);
	/* A line of exactly CFG_LINE_MAX bytes is fine, with or without
	 * its newline. */
	text[n + CFG_LINE_MAX] = '\n';
	assert_int_equal(cfg_node_parse(text, n + CFG_LINE_MAX + 1, "t.conf",
	    &cfg, err, sizeof(err)), WN_OK);
	assert_int_equal(cfg_node_parse(text, n + CFG_LINE_MAX, "t.conf",
	    &cfg, err, sizeof(err)), WN_OK);
	text[n + CFG_LINE_MAX] = '#';
	check_err(text, n + CFG_LINE_MAX + 1, "t.conf:13: ",
	    "line longer than 1024 bytes");
}

static void
test_err_nul(void **state)
{
	(void)state;
	ERR(NODE_SEC "# a\0b\n", "t.conf:7: ", "NUL byte");
	ERR("[node]\norg_id = a\0", "t.conf:2: ", "NUL byte");
}

static void
test_err_missing_key(void **state)
{
	(void)state;
	ERR("# one\n# two\n[node]\norg_id = h\norg_name = H\n"
	    "role = police\ndata_dir = /d\n" PASS_SEC USER_SEC,
	    "t.conf:3: ", "[node] is missing required key 'listen'");
	ERR(NODE_SEC "[passphrase]\n" USER_SEC, "t.conf:7: ",
	    "[passphrase] is missing required key 'source'");
	ERR(NODE_SEC PASS_SEC "[user bob]\nrole = viewer\n", "t.conf:10: ",
	    "[user bob] is missing required key 'uid'");
	ERR(NODE_SEC PASS_SEC "[user bob]\nuid = 1\n" USER_SEC, "t.conf:10: ",
	    "[user bob] is missing required key 'role'");
}

static void
test_err_missing_section(void **state)
{
	(void)state;
	ERR(PASS_SEC USER_SEC, "t.conf: ", "missing [node] section");
	ERR(NODE_SEC USER_SEC, "t.conf: ", "missing [passphrase] section");
	ERR(NODE_SEC PASS_SEC, "t.conf: ",
	    "no [user ...] section: at least one user is required");
	ERR("", "t.conf: ", "missing [node] section");
}

/* [mail]: the alerts' mail (node/alert/mail.c). Optional; its URL holds
 * no user or password; a user needs its password file and TLS; it names
 * someone to mail, the chair alone too. Line 13 is its header. */
static void
test_mail(void **state)
{
	(void)state;
	assert_int_equal(parse(VALID), WN_OK);
	assert_false(cfg_mail_on(&cfg));
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_DIRECTOR), "");
	assert_int_equal(parse(VALID "[mail]\nsmtp_url = smtp://mail.example."
	    "org:587\nfrom = wijknet@example.org\ndirector_to = a@example.org"
	    ", b.c@example.org\nowner_to = d@example.org\nuser = wijknet\n"
	    "password_file = /etc/wijknet/smtp.pass\n"), WN_OK);
	assert_true(cfg_mail_on(&cfg));
	assert_int_equal(cfg.mail_starttls, CFG_MAIL_TLS_REQUIRED);
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_DIRECTOR),
	    "a@example.org, b.c@example.org");
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_OWNER), "d@example.org");
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_CHAIR), "");
	round_trip(&cfg);
	assert_int_equal(parse(VALID "[mail]\nsmtp_url = smtp://127.0.0.1:25"
	    "\nstarttls = none\nfrom = w@localhost\nowner_to = x@localhost\n"),
	    WN_OK);
	assert_int_equal(cfg.mail_starttls, CFG_MAIL_TLS_NONE);
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_DIRECTOR), "");
	round_trip(&cfg);
	assert_int_equal(parse(VALID "[mail]\nsmtp_url = smtp://127.0.0.1:25"
	    "\nstarttls = none\nfrom = w@localhost\nchair_to = c@localhost\n"),
	    WN_OK);
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_CHAIR), "c@localhost");
	assert_string_equal(cfg_mail_to(&cfg, CFG_MAIL_OWNER), "");
	round_trip(&cfg);
	ERR(VALID "[mail]\nsmtp_url = smtp://u:secret@h:25\nfrom = a@b\n"
	    "owner_to = a@b\n", "t.conf:14: ", "never in the URL");
	ERR(VALID "[mail]\nsmtp_url = http://h\nfrom = a@b\nowner_to = a@b\n",
	    "t.conf:14: ", "smtp_url: expected smtp://HOST[:PORT]");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nowner_to = a@b\n",
	    "t.conf:13: ", "[mail] is missing required key 'from'");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\n", "t.conf:13: ",
	    "[mail] names no one to mail");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\nowner_to = a@b\n"
	    "user = u\n", "t.conf:13: ",
	    "missing required key 'password_file' (needed when user is set)");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\nowner_to = a@b\n"
	    "password_file = /p\n", "t.conf:17: ",
	    "password_file: only allowed when user is set");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nstarttls = none\nfrom = a@b\n"
	    "owner_to = a@b\nuser = u\npassword_file = /p\n", "t.conf:13: ",
	    "a user and password need TLS");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nstarttls = maybe\n",
	    "t.conf:15: ", "starttls: expected one of required, none");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\nowner_to = a@b, "
	    "<c@d>\n", "t.conf:16: ", "owner_to: expected 1 to 8 mail");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a b@c\n", "t.conf:15: ",
	    "from: expected a mail address");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\nchair_to = a@b, "
	    "<c@d>\n", "t.conf:16: ", "chair_to: expected 1 to 8 mail");
	ERR(VALID "[mail]\nsmtp_url = smtp://h\nfrom = a@b\nowner_to = a@b\n"
	    "[mail]\n", "t.conf:17: ", "duplicate section [mail]");
}

static void
test_err_conditional(void **state)
{
	(void)state;
	ERR(NODE_SEC "control_mode = 0660\n" PASS_SEC USER_SEC, "t.conf:1: ",
	    "[node] is missing required key 'control_group' (needed when "
	    "control_mode is 0660)");
	ERR(NODE_SEC "control_group = staff\n" PASS_SEC USER_SEC, "t.conf:7: ",
	    "control_group: only allowed when control_mode is 0660");
	ERR("[node]\norg_id = h\norg_name = H\nrole = police\ndata_dir = /d\n"
	    "listen = tls+tcp://h:1\ntls_cert = /c\ntls_ca = /a\n" PASS_SEC
	    USER_SEC, "t.conf:1: ",
	    "[node] is missing required key 'tls_key' (needed when listen is "
	    "tls+tcp://)");
	ERR(NODE_SEC "[passphrase]\nsource = file\n" USER_SEC, "t.conf:7: ",
	    "[passphrase] is missing required key 'path' (needed when source "
	    "is file)");
	ERR(NODE_SEC "[passphrase]\nsource = prompt\npath = /p\n" USER_SEC,
	    "t.conf:9: ", "path: only allowed when source is file");
	ERR(NODE_SEC PASS_SEC "name = cred\n" USER_SEC, "t.conf:10: ",
	    "name: only allowed when source is credential");
	/* TLS files with plain tcp:// are allowed. */
	assert_int_equal(parse(NODE_SEC "tls_ca = /ca.pem\n" PASS_SEC USER_SEC),
	    WN_OK);
}

static void
test_err_small_buffer(void **state)
{
	char small[8];
	(void)state;
	memset(small, 'x', sizeof(small));
	assert_int_equal(cfg_node_parse("x", 1, "t.conf", &cfg, small,
	    sizeof(small)), WN_ECONFIG);
	assert_string_equal(small, "t.conf:");
	assert_int_equal(cfg_node_parse("x", 1, NULL, &cfg, NULL, 0),
	    WN_ECONFIG);
	assert_int_equal(cfg_node_parse("x", 1, NULL, &cfg, err, sizeof(err)),
	    WN_ECONFIG);
	assert_true(strncmp(err, "config:1: ", 10) == 0);
}

static void
test_err_shown_text_is_clean(void **state)
{
	(void)state;
	ERR("[node]\nrole = \x1b[31mred\n", "t.conf:2: ", "not '?[31mred'");
}

static char dir[64];

static int
setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_cfg.XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	DIR *d;
	struct dirent *e;
	char path[128];
	(void)state;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
		    strcmp(e->d_name, "..") == 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir);
}

static int
count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
test_load(void **state)
{
	char path[128];
	FILE *f;
	(void)state;

	snprintf(path, sizeof(path), "%s/missing.conf", dir);
	assert_int_equal(cfg_node_load(path, &cfg, err, sizeof(err)), WN_EIO);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_non_null(strstr(err, strerror(ENOENT)));

	snprintf(path, sizeof(path), "%s/node.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(full, f);
	fclose(f);
	assert_int_equal(cfg_node_load(path, &cfg, err, sizeof(err)), WN_OK);
	assert_int_equal(cfg.nusers, 4);

	assert_non_null(f = fopen(path, "a"));
	fputs("[user eve]\n", f);
	fclose(f);
	assert_int_equal(cfg_node_load(path, &cfg, err, sizeof(err)),
	    WN_ECONFIG);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_non_null(strstr(err, ":34: [user eve] is missing"));

	assert_non_null(f = fopen(path, "w"));
	for (int i = 0; i < CFG_FILE_MAX / 8 + 1; i++)
		fputs("#234567\n", f);
	fclose(f);
	assert_int_equal(cfg_node_load(path, &cfg, err, sizeof(err)),
	    WN_ETOOBIG);

	assert_int_equal(cfg_node_load(dir, &cfg, err, sizeof(err)), WN_EIO);
}

static void
test_write(void **state)
{
	char path[128];
	struct stat st;
	(void)state;

	snprintf(path, sizeof(path), "%s/node.conf", dir);
	assert_int_equal(parse(full), WN_OK);
	assert_int_equal(cfg_node_write(&cfg, path, false, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(cfg_node_load(path, &cfg2, err, sizeof(err)), WN_OK);
	assert_memory_equal(&cfg, &cfg2, sizeof(cfg));

	cfg.users[0].uid = 77;
	assert_int_equal(cfg_node_write(&cfg, path, false, err, sizeof(err)),
	    WN_EBUSY);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(cfg_node_load(path, &cfg2, err, sizeof(err)), WN_OK);
	assert_int_equal(cfg2.users[0].uid, 1000);
	assert_int_equal(count_files(), 1);

	assert_int_equal(cfg_node_write(&cfg, path, true, err, sizeof(err)),
	    WN_OK);
	assert_int_equal(cfg_node_load(path, &cfg2, err, sizeof(err)), WN_OK);
	assert_int_equal(cfg2.users[0].uid, 77);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(count_files(), 1);

	snprintf(path, sizeof(path), "%s/no/such/dir.conf", dir);
	assert_int_equal(cfg_node_write(&cfg, path, true, err, sizeof(err)),
	    WN_EIO);
	assert_true(strncmp(err, path, strlen(path)) == 0);
}

static void
test_format_rejects_invalid(void **state)
{
	static char buf[CFG_FILE_MAX];
	char path[128];
	size_t len = 12345;
	(void)state;

	assert_int_equal(parse(VALID), WN_OK);
	assert_int_equal(cfg_node_format(&cfg, buf, 10, &len), WN_ETOOBIG);
	assert_int_equal(len, 12345);

	/* A newline would add a user; a trailing space would not survive. */
	cfg2 = cfg;
	wn_strlcpy(cfg2.org_name, "x\n[user evil]\nuid = 0\nrole = "
	    "administrator", sizeof(cfg2.org_name));
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	wn_strlcpy(cfg2.org_name, "padded ", sizeof(cfg2.org_name));
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	wn_strlcpy(cfg2.users[0].name, "bob]\nuid = 5\nrole = viewer\n[user c",
	    sizeof(cfg2.users[0].name));
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	cfg2.role = (enum cfg_role)99;
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	cfg2.nusers = CFG_MAX_USERS + 1;
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	cfg2.nusers = 0;
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	cfg2.control_mode = 0644;
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	memset(cfg2.org_id, 'a', sizeof(cfg2.org_id));
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2 = cfg;
	cfg2.pass_source = CFG_PASS_CREDENTIAL; /* path set, name empty */
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_EINVAL);
	cfg2.pass_path[0] = '\0';
	wn_strlcpy(cfg2.pass_name, "n", sizeof(cfg2.pass_name));
	assert_int_equal(cfg_node_format(&cfg2, buf, sizeof(buf), &len),
	    WN_OK);
	assert_int_equal(len, strlen(buf));

	cfg2 = cfg;
	cfg2.org_id[0] = '\0';
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	assert_int_equal(cfg_node_write(&cfg2, path, false, err, sizeof(err)),
	    WN_EINVAL);
	assert_int_equal(count_files(), 0);
}

static void
test_init_and_build(void **state)
{
	static char buf[CFG_FILE_MAX];
	size_t len;
	(void)state;

	cfg_node_init(&cfg);
	assert_int_equal(cfg.log_level, WN_LOG_INFO);
	assert_int_equal(cfg.control_mode, 0600);
	wn_strlcpy(cfg.org_id, "genk", sizeof(cfg.org_id));
	wn_strlcpy(cfg.org_name, "Genk", sizeof(cfg.org_name));
	cfg.role = CFG_ROLE_YOUTH_WORK;
	wn_strlcpy(cfg.data_dir, "/srv/w", sizeof(cfg.data_dir));
	wn_strlcpy(cfg.listen, "tcp://[::1]:7401", sizeof(cfg.listen));
	cfg.pass_source = CFG_PASS_PROMPT;
	cfg.nusers = 1;
	wn_strlcpy(cfg.users[0].name, "root", sizeof(cfg.users[0].name));
	assert_int_equal(cfg_node_format(&cfg, buf, sizeof(buf), &len), WN_OK);
	assert_non_null(strstr(buf, "[user root]\nuid = 0\nrole = administrator\n"));
	round_trip(&cfg);
}

static void
test_user_by_uid(void **state)
{
	const struct cfg_user *u;
	(void)state;
	assert_int_equal(parse(full), WN_OK);
	assert_non_null(u = cfg_node_user_by_uid(&cfg, 1001));
	assert_string_equal(u->name, "bob");
	assert_non_null(u = cfg_node_user_by_uid(&cfg, 0));
	assert_string_equal(u->name, "carol-3");
	assert_non_null(cfg_node_user_by_uid(&cfg, 4294967294u));
	assert_null(cfg_node_user_by_uid(&cfg, 1002));
	assert_null(cfg_node_user_by_uid(&cfg, UINT32_MAX));
}

static void
test_names(void **state)
{
	enum cfg_role r;
	enum cfg_user_role ur;
	(void)state;
	for (int i = CFG_ROLE_MUNICIPALITY; i <= CFG_ROLE_MEDIATION; i++) {
		assert_true(cfg_role_parse(cfg_role_name((enum cfg_role)i), &r));
		assert_int_equal(r, i);
	}
	assert_string_equal(cfg_role_name(CFG_ROLE_COMMUNITY_GUARDS),
	    "community_guards");
	assert_string_equal(cfg_role_name((enum cfg_role)8), "unknown");
	assert_false(cfg_role_parse("Police", &r));
	assert_false(cfg_role_parse("", &r));
	for (int i = CFG_USER_ADMINISTRATOR; i <= CFG_USER_VIEWER; i++) {
		assert_true(cfg_user_role_parse(
		    cfg_user_role_name((enum cfg_user_role)i), &ur));
		assert_int_equal(ur, i);
	}
	assert_string_equal(cfg_user_role_name((enum cfg_user_role)3),
	    "unknown");
	assert_false(cfg_user_role_parse("admin", &ur));
	assert_string_equal(cfg_pass_source_name(CFG_PASS_FILE), "file");
	assert_string_equal(cfg_pass_source_name(CFG_PASS_CREDENTIAL),
	    "credential");
	assert_string_equal(cfg_pass_source_name((enum cfg_pass_source)7),
	    "unknown");
	assert_true(cfg_org_id_valid("a"));
	assert_true(cfg_org_id_valid("ocmw-geel_2"));
	assert_false(cfg_org_id_valid(""));
	assert_false(cfg_org_id_valid("Geel"));
	assert_false(cfg_org_id_valid("a b"));
	assert_false(cfg_org_id_valid("a.b"));
	assert_true(cfg_org_id_valid(
	    "123456789012345678901234567890123456789012345678901234567890123"));
	assert_false(cfg_org_id_valid(
	    "1234567890123456789012345678901234567890123456789012345678901234"));
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* Whatever the input, parsing returns OK or WN_ECONFIG with a message,
 * and whatever parses also formats and parses back unchanged. */
static void
try_input(const char *text, size_t len)
{
	wn_err rc = cfg_node_parse(text, len, "f", &cfg, err, sizeof(err));
	if (rc == WN_OK) {
		round_trip(&cfg);
		return;
	}
	assert_int_equal(rc, WN_ECONFIG);
	assert_true(strncmp(err, "f:", 2) == 0);
	assert_true(strlen(err) < sizeof(err));
}

static void
test_fuzz(void **state)
{
	static const char alphabet[] = "[]= \n\n#;\t\rabcdeilnoprstu_/:0123456"
	    "\x00\xc3\xa9\xff";
	char buf[2048];
	size_t n = sizeof(full) - 1;
	int ok = 0;
	(void)state;

	for (size_t i = 0; i <= n; i++) {
		memcpy(buf, full, n);
		try_input(buf, i);
	}
	for (int iter = 0; iter < 20000; iter++) {
		size_t len;
		memcpy(buf, full, n);
		len = n;
		switch (iter % 3) {
		case 0: /* a few bytes of the valid file changed */
			for (uint32_t k = next_rand() % 4 + 1; k > 0; k--)
				buf[next_rand() % n] = (char)next_rand();
			break;
		case 1: /* a few bytes from the config alphabet */
			for (uint32_t k = next_rand() % 4 + 1; k > 0; k--)
				buf[next_rand() % n] = alphabet[next_rand() %
				    (sizeof(alphabet) - 1)];
			break;
		default: /* random bytes, sometimes long lines */
			len = next_rand() % sizeof(buf);
			for (size_t k = 0; k < len; k++)
				buf[k] = next_rand() % 8 == 0 ?
				    (char)next_rand() :
				    alphabet[next_rand() % (sizeof(alphabet) - 1)];
			break;
		}
		try_input(buf, len);
		ok += cfg_node_parse(buf, len, "f", &cfg, NULL, 0) == WN_OK;
	}
	/* The mutations must also reach the success path sometimes. */
	assert_true(ok > 100);
}

/* the alert socket beside the control socket: its path with ".alerts"
 * added, so two control sockets never share one; refused when it would
 * not fit in a unix socket's path or in the buffer */
static void
test_alert_socket_path(void **state)
{
	(void)state;
	char out[200], longer[120];
	assert_true(cfg_alert_socket_path("/var/lib/wijknet/control.sock", out,
	    sizeof(out)));
	assert_string_equal(out, "/var/lib/wijknet/control.sock.alerts");
	assert_true(cfg_alert_socket_path("/run/x/ctl", out, sizeof(out)));
	assert_string_equal(out, "/run/x/ctl.alerts");
	assert_true(cfg_alert_socket_path("/run/x/ctl.sock", out, sizeof(out)));
	assert_string_equal(out, "/run/x/ctl.sock.alerts");
	assert_false(cfg_alert_socket_path("/run/wijknet/control.sock", out,
	    10));
	memset(longer, 'a', sizeof(longer));
	longer[0] = '/';
	longer[99] = '\0'; /* a control socket of 99 bytes: 106 */
	assert_true(cfg_alert_socket_path(longer, out, sizeof(out)));
	longer[99] = 'a';
	longer[101] = '\0'; /* a data folder's, longer: 108 */
	assert_false(cfg_alert_socket_path(longer, out, sizeof(out)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_full_round_trip),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_credential_default_name),
		cmocka_unit_test(test_err_unknown_section),
		cmocka_unit_test(test_err_unknown_key),
		cmocka_unit_test(test_err_duplicate_key),
		cmocka_unit_test(test_err_duplicate_section),
		cmocka_unit_test(test_err_too_many_users),
		cmocka_unit_test(test_err_outside_section),
		cmocka_unit_test(test_err_no_equals),
		cmocka_unit_test(test_err_too_long),
		cmocka_unit_test(test_err_bad_values),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_org_name_nfc),
		cmocka_unit_test(test_err_long_line),
		cmocka_unit_test(test_err_nul),
		cmocka_unit_test(test_err_missing_key),
		cmocka_unit_test(test_err_missing_section),
		cmocka_unit_test(test_err_conditional),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_err_small_buffer),
		cmocka_unit_test(test_err_shown_text_is_clean),
		cmocka_unit_test_setup_teardown(test_load, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_write, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_format_rejects_invalid,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_init_and_build),
		cmocka_unit_test(test_user_by_uid),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_alert_socket_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
