/*
 * cfg.c - the node config file.
 *
 * Every key is one row of keys[]: its section, where it lives in the
 * struct, how its value is checked and whether it is required (always, or
 * only when another key says so). The parser reads one line at a time into
 * a bounded buffer, sets fields through the table, and checks a section's
 * required keys when the section ends. The formatter walks the same table,
 * then parses its own output and formats that again: only a config that
 * round-trips unchanged is handed out or written.
 */
#include "config/cfg.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum sect { SECT_NONE, SECT_NODE, SECT_PASS, SECT_MAIL, SECT_USER };
enum ktype { K_STR, K_ENUM, K_UID, K_MODE };
enum { SET_OK, SET_BAD, SET_LONG };

#define K_REQUIRED 0x1    /* always required */
#define K_REQUIRED_IF 0x2 /* required when cond holds */
#define K_ONLY_IF 0x4     /* must be absent unless cond holds */

struct cond {
	bool (*holds)(const struct cfg_node *cfg);
	const char *text;
};

struct key {
	enum sect sect;
	const char *name;
	enum ktype type;
	size_t off, size;               /* field in cfg_node or cfg_user */
	bool (*valid)(const char *v);   /* K_STR */
	const char *const *names;       /* K_ENUM, indexed by value */
	size_t nnames;
	const char *expect;             /* what a bad value should have been */
	const char *(*why)(const char *v); /* K_STR: says what is wrong */
	bool nfc;                       /* K_STR: text stored in NFC */
	unsigned flags;
	const struct cond *cond;
	const char *dflt;
};

/* Enum fields are set and read through int; they all have int's size. */
_Static_assert(sizeof(enum cfg_role) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_user_role) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_pass_source) == sizeof(int), "enum size");
_Static_assert(sizeof(enum wn_log_level) == sizeof(int), "enum size");
_Static_assert(sizeof(enum cfg_mail_tls) == sizeof(int), "enum size");

static const char *const sect_names[] = {"", "node", "passphrase", "mail",
    "user"};
static const char *const role_names[] = {"municipality", "police",
    "community_guards", "outreach", "welfare", "housing", "youth_work",
    "mediation"};
static const char *const user_role_names[] = {"administrator",
    "case_worker", "viewer"};
static const char *const pass_names[] = {"file", "prompt", "credential"};
static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const tls_names[] = {"required", "none"};

static bool
has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Non-empty UTF-8 without control characters (C0, DEL, C1), overlong
 * forms or surrogates. */
static bool
text_valid(const char *s)
{
	static const uint32_t min[] = {0, 0xa0, 0x800, 0x10000};
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return false;
	while (*p) {
		unsigned n;
		uint32_t cp;
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		/* Stops at the terminator, which is not a continuation. */
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

static bool
path_valid(const char *s)
{
	return s[0] == '/' && !has_ctl(s);
}

/* ctl_socket_valid: a control socket's path (at most 99 bytes: its alert
 * socket's, with CFG_ALERT_SOCKET_SUFFIX, then fits in a unix socket's),
 * whose name is never another node's alert socket */
static bool
ctl_socket_valid(const char *s)
{
	size_t n = strlen(s), k = strlen(CFG_ALERT_SOCKET_SUFFIX);
	char al[CFG_SOCKET_PATH_MAX + 1];
	return path_valid(s) &&
	    !(n >= k && strcmp(s + n - k, CFG_ALERT_SOCKET_SUFFIX) == 0) &&
	    cfg_alert_socket_path(s, al, sizeof(al));
}

/* ipv4_parse says whether h[0..len) is a dotted quad (four decimal parts
 * of 0..255, no leading zeros) and sets *loopback if it is in 127.0.0.0/8. */
static bool
ipv4_parse(const char *h, size_t len, bool *loopback)
{
	unsigned part[4], np = 0;
	size_t i = 0;
	while (np < 4) {
		size_t start = i;
		unsigned v = 0;
		while (i < len && h[i] >= '0' && h[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(h[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && h[start] == '0'))
			return false;
		part[np++] = v;
		if (np < 4 && (i >= len || h[i++] != '.'))
			return false;
	}
	if (i != len)
		return false;
	*loopback = part[0] == 127;
	return true;
}

/* host_ok: a DNS name (letters, digits, '-' and '.', labels of 1..63),
 * a dotted quad or a bracketed IPv6 address ([hex digits, ':' and '.']). */
static bool
host_ok(const char *h, size_t len, bool *loopback)
{
	*loopback = false;
	if (len == 0)
		return false;
	if (h[0] == '[') {
		if (len < 4 || h[len - 1] != ']')
			return false;
		for (size_t i = 1; i + 1 < len; i++)
			if (strchr("0123456789abcdefABCDEF:.", h[i]) == NULL)
				return false;
		*loopback = len == 5 && memcmp(h, "[::1]", 5) == 0;
		return memchr(h + 1, ':', len - 2) != NULL;
	}
	if (ipv4_parse(h, len, loopback))
		return true;
	if (len > 253)
		return false;
	for (size_t i = 0, label = 0; i < len; i++) {
		char c = h[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	if (h[len - 1] == '.')
		return false;
	*loopback = len == 9 && strncasecmp(h, "localhost", 9) == 0;
	return true;
}

const char *
cfg_listen_problem(const char *s)
{
	const char *rest, *colon;
	bool tls, loopback;
	uint64_t port;

	if (strncmp(s, "tcp://", 6) == 0) {
		rest = s + 6;
		tls = false;
	} else if (strncmp(s, "tls+tcp://", 10) == 0) {
		rest = s + 10;
		tls = true;
	} else {
		return "expected tcp://HOST:PORT or tls+tcp://HOST:PORT";
	}
	colon = strrchr(rest, rest[0] == '[' ? ']' : ':');
	if (colon != NULL && rest[0] == '[')
		colon = colon[1] == ':' ? colon + 1 : NULL;
	if (colon == NULL)
		return "expected HOST:PORT after the scheme";
	if (!host_ok(rest, (size_t)(colon - rest), &loopback))
		return "expected a host name, an IPv4 address or an IPv6 "
		       "address in brackets before the port";
	if (!wn_parse_u64(colon + 1, 65535, &port) || port == 0 ||
	    colon[1] == '0')
		return "expected a port from 1 to 65535 in decimal";
	if (!tls && !loopback)
		return "plain tcp:// only on loopback (127.0.0.0/8, [::1] or "
		       "localhost); use tls+tcp:// for any other address";
	return NULL;
}

static bool
listen_valid(const char *s)
{
	return cfg_listen_problem(s) == NULL;
}

/* Group and credential names: the POSIX portable file name characters. */
static bool
name_valid(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ0123456789._-");
	return n > 0 && s[n] == '\0' && s[0] != '-' && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0;
}

static bool
hex64_valid(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static bool
mode_0660(const struct cfg_node *c)
{
	return c->control_mode == 0660;
}

static bool
listen_tls(const struct cfg_node *c)
{
	return strncmp(c->listen, "tls+tcp://", 10) == 0;
}

static bool
source_file(const struct cfg_node *c)
{
	return c->pass_source == CFG_PASS_FILE;
}

static bool
source_credential(const struct cfg_node *c)
{
	return c->pass_source == CFG_PASS_CREDENTIAL;
}

/* category_list_valid: the categories themselves are checked where the
 * node loads the policy (config/matrix.h names them) */
static bool
category_list_valid(const char *s)
{
	if (*s == '\0' || *s == ',')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_' ||
			(*p == ',' && p[1] != ',' && p[1] != '\0')))
			return false;
	return true;
}

/* ---- [mail] ----------------------------------------------------------- */

bool
cfg_mail_addr_valid(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s), local, dom;
	if (at == NULL || strchr(at + 1, '@') != NULL || n > 127)
		return false;
	local = (size_t)(at - s);
	dom = n - local - 1;
	/* the local part of a plain address (no quoting), a host name */
	if (local == 0 || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO"
	    "PQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-") != local)
		return false;
	return dom > 0 && strspn(at + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHI"
	    "JKLMNOPQRSTUVWXYZ0123456789.-") == dom && at[1] != '.' &&
	    at[1] != '-' && s[n - 1] != '.';
}

/* addr_list_valid: 1..CFG_MAIL_RCPT_MAX addresses separated by commas
 * (spaces around them allowed) */
static bool
addr_list_valid(const char *s)
{
	size_t count = 0;
	for (const char *p = s;;) {
		char one[128];
		size_t len;
		while (*p == ' ')
			p++;
		len = strcspn(p, ",");
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof(one) || ++count > CFG_MAIL_RCPT_MAX)
			return false;
		memcpy(one, p, len);
		one[len] = '\0';
		if (!cfg_mail_addr_valid(one))
			return false;
		p += strcspn(p, ",");
		if (*p == '\0')
			return true;
		p++;
	}
}

/* smtp_url_problem: smtp://HOST[:PORT][/] or smtps://...; never a user
 * or a password (they would show in every message that names the URL) */
static const char *
smtp_url_problem(const char *s)
{
	const char *h;
	size_t n;
	if (strncmp(s, "smtp://", 7) == 0)
		h = s + 7;
	else if (strncmp(s, "smtps://", 8) == 0)
		h = s + 8;
	else
		return "expected smtp://HOST[:PORT] or smtps://HOST[:PORT]";
	if (strchr(h, '@') != NULL)
		return "the user goes in 'user' and its password in "
		       "'password_file', never in the URL";
	n = strlen(h);
	if (n > 0 && h[n - 1] == '/')
		n--;
	if (n == 0 || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
	    "TUVWXYZ0123456789.-:[]") != n)
		return "expected smtp://HOST[:PORT] or smtps://HOST[:PORT], "
		       "with a host name or address and nothing after it";
	return NULL;
}

static bool
smtp_url_valid(const char *s)
{
	return smtp_url_problem(s) == NULL;
}

static bool
mail_user_valid(const char *s)
{
	return s[0] != '\0' && !has_ctl(s) && strchr(s, ' ') == NULL;
}

static bool
mail_user_set(const struct cfg_node *c)
{
	return c->mail_user[0] != '\0';
}

bool
cfg_mail_on(const struct cfg_node *cfg)
{
	return cfg->mail_url[0] != '\0';
}

const char *
cfg_mail_to(const struct cfg_node *cfg, enum cfg_mail_role r)
{
	if (!cfg_mail_on(cfg))
		return "";
	switch (r) {
	case CFG_MAIL_DIRECTOR:
		return cfg->mail_director_to;
	case CFG_MAIL_OWNER:
		return cfg->mail_owner_to;
	case CFG_MAIL_CHAIR:
		return cfg->mail_chair_to;
	}
	return "";
}

static const struct cond if_0660 = {mode_0660, "control_mode is 0660"};
static const struct cond if_tls = {listen_tls, "listen is tls+tcp://"};
static const struct cond if_file = {source_file, "source is file"};
static const struct cond if_cred = {source_credential, "source is credential"};
static const struct cond if_user = {mail_user_set, "user is set"};

#define NODE(f) offsetof(struct cfg_node, f), sizeof(((struct cfg_node *)0)->f)
#define USER(f) offsetof(struct cfg_user, f), sizeof(((struct cfg_user *)0)->f)
#define NAMES(a) .names = (a), .nnames = WN_ARRAY_LEN(a)
#define ID_EXPECT "1 to 63 characters of a-z, 0-9, '_' and '-'"
#define NAME_EXPECT "a name of A-Z, a-z, 0-9, '.', '_' and '-'"
#define PATH_EXPECT "an absolute path"
#define MAIL(f) NODE(mail_##f)
#define ADDR_EXPECT "a mail address (name@example.org)"

static const struct key keys[] = {
	{SECT_NODE, "org_id", K_STR, NODE(org_id), .valid = cfg_org_id_valid,
	    .expect = ID_EXPECT, .flags = K_REQUIRED},
	{SECT_NODE, "org_name", K_STR, NODE(org_name), .valid = text_valid,
	    .expect = "printable UTF-8 text", .flags = K_REQUIRED, .nfc = true},
	{SECT_NODE, "role", K_ENUM, NODE(role), NAMES(role_names),
	    .flags = K_REQUIRED},
	{SECT_NODE, "data_dir", K_STR, NODE(data_dir), .valid = path_valid,
	    .expect = PATH_EXPECT, .flags = K_REQUIRED},
	{SECT_NODE, "listen", K_STR, NODE(listen), .valid = listen_valid,
	    .why = cfg_listen_problem,
	    .expect = "tcp://HOST:PORT or tls+tcp://HOST:PORT",
	    .flags = K_REQUIRED},
	{SECT_NODE, "log_level", K_ENUM, NODE(log_level), NAMES(level_names),
	    .dflt = "info"},
	{SECT_NODE, "control_mode", K_MODE, NODE(control_mode),
	    .expect = "0600 or 0660", .dflt = "0600"},
	{SECT_NODE, "control_group", K_STR, NODE(control_group),
	    .valid = name_valid, .expect = NAME_EXPECT,
	    .flags = K_REQUIRED_IF | K_ONLY_IF, .cond = &if_0660},
	{SECT_NODE, "control_socket", K_STR, NODE(control_socket),
	    .valid = ctl_socket_valid,
	    .expect = "an absolute path of at most 99 bytes, not ending in "
		      "'" CFG_ALERT_SOCKET_SUFFIX "' (an alert socket's)"},
	{SECT_NODE, "director_key", K_STR, NODE(director_key),
	    .valid = hex64_valid, .expect = "64 lowercase hex digits"},
	{SECT_NODE, "root", K_STR, NODE(root), .valid = hex64_valid,
	    .expect = "64 lowercase hex digits"},
	{SECT_NODE, "federation", K_STR, NODE(federation),
	    .valid = cfg_org_id_valid, .expect = ID_EXPECT},
	{SECT_NODE, "delegation", K_STR, NODE(delegation), .valid = path_valid,
	    .expect = PATH_EXPECT},
	{SECT_NODE, "revocation", K_STR, NODE(revocation), .valid = path_valid,
	    .expect = PATH_EXPECT},
	{SECT_NODE, "snoop_limit", K_UID, NODE(snoop_limit),
	    .expect = "a number of dossiers", .dflt = "10"},
	{SECT_NODE, "snoop_window", K_UID, NODE(snoop_window),
	    .expect = "a number of seconds", .dflt = "600"},
	{SECT_NODE, "token_daily_limit", K_UID, NODE(token_daily_limit),
	    .expect = "a number of tokens", .dflt = "1000"},
	{SECT_NODE, "concern_limit", K_UID, NODE(concern_limit),
	    .expect = "a number of concerns", .dflt = "10000"},
	{SECT_NODE, "auto_share", K_STR, NODE(auto_share),
	    .valid = category_list_valid,
	    .expect = "information categories separated by commas"},
	{SECT_NODE, "tls_cert", K_STR, NODE(tls_cert), .valid = path_valid,
	    .expect = PATH_EXPECT, .flags = K_REQUIRED_IF, .cond = &if_tls},
	{SECT_NODE, "tls_key", K_STR, NODE(tls_key), .valid = path_valid,
	    .expect = PATH_EXPECT, .flags = K_REQUIRED_IF, .cond = &if_tls},
	{SECT_NODE, "tls_ca", K_STR, NODE(tls_ca), .valid = path_valid,
	    .expect = PATH_EXPECT, .flags = K_REQUIRED_IF, .cond = &if_tls},
	{SECT_NODE, "peer_max_connections", K_UID, NODE(peer_max_connections),
	    .expect = "a number of connections (0: no limit)", .dflt = "256"},
	{SECT_NODE, "peer_max_per_address", K_UID, NODE(peer_max_per_address),
	    .expect = "a number of connections (0: no limit)", .dflt = "16"},
	{SECT_NODE, "peer_idle_timeout", K_UID, NODE(peer_idle_timeout),
	    .expect = "a number of seconds (0: none)", .dflt = "60"},
	{SECT_NODE, "peer_frame_timeout", K_UID, NODE(peer_frame_timeout),
	    .expect = "a number of seconds (0: none)", .dflt = "30"},
	{SECT_PASS, "source", K_ENUM, NODE(pass_source), NAMES(pass_names),
	    .flags = K_REQUIRED},
	{SECT_PASS, "path", K_STR, NODE(pass_path), .valid = path_valid,
	    .expect = PATH_EXPECT, .flags = K_REQUIRED_IF | K_ONLY_IF,
	    .cond = &if_file},
	{SECT_PASS, "name", K_STR, NODE(pass_name), .valid = name_valid,
	    .expect = NAME_EXPECT, .flags = K_ONLY_IF, .cond = &if_cred,
	    .dflt = CFG_DEFAULT_PASS_NAME},
	{SECT_MAIL, "smtp_url", K_STR, MAIL(url), .valid = smtp_url_valid,
	    .why = smtp_url_problem, .expect = "smtp://HOST[:PORT]",
	    .flags = K_REQUIRED},
	{SECT_MAIL, "starttls", K_ENUM, MAIL(starttls), NAMES(tls_names),
	    .dflt = "required"},
	{SECT_MAIL, "from", K_STR, MAIL(from), .valid = cfg_mail_addr_valid,
	    .expect = ADDR_EXPECT, .flags = K_REQUIRED},
	{SECT_MAIL, "director_to", K_STR, MAIL(director_to),
	    .valid = addr_list_valid,
	    .expect = "1 to 8 mail addresses separated by commas"},
	{SECT_MAIL, "owner_to", K_STR, MAIL(owner_to),
	    .valid = addr_list_valid,
	    .expect = "1 to 8 mail addresses separated by commas"},
	{SECT_MAIL, "chair_to", K_STR, MAIL(chair_to),
	    .valid = addr_list_valid,
	    .expect = "1 to 8 mail addresses separated by commas"},
	{SECT_MAIL, "user", K_STR, MAIL(user), .valid = mail_user_valid,
	    .expect = "a user name without spaces"},
	{SECT_MAIL, "password_file", K_STR, MAIL(password_file),
	    .valid = path_valid, .expect = PATH_EXPECT,
	    .flags = K_REQUIRED_IF | K_ONLY_IF, .cond = &if_user},
	{SECT_USER, "uid", K_UID, USER(uid),
	    .expect = "a decimal uid from 0 to 4294967294", .flags = K_REQUIRED},
	{SECT_USER, "role", K_ENUM, USER(role), NAMES(user_role_names),
	    .flags = K_REQUIRED},
};

struct parser {
	const char *name;
	char *err;
	size_t errlen;
	struct cfg_node *cfg;
	enum sect cur;
	size_t cur_line;                   /* header line of cur */
	size_t sect_line[SECT_USER];       /* [node], [passphrase], [mail] */
	size_t user_line[CFG_MAX_USERS];
	size_t key_line[WN_ARRAY_LEN(keys)]; /* 0: not seen in this section */
};

/* A bounded text builder: appends until full, then only remembers that. */
struct out {
	char *buf;
	size_t cap, len;
	bool over;
};

static void put(struct out *o, const char *fmt, ...) WN_PRINTF(2, 3);

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;
	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = true;
	else
		o->len += (size_t)n;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    WN_PRINTF(3, 4);

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static wn_err fail(struct parser *p, size_t line, const char *fmt, ...)
    WN_PRINTF(3, 4);

static wn_err
fail(struct parser *p, size_t line, const char *fmt, ...)
{
	char msg[CFG_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		seterr(p->err, p->errlen, "%s:%zu: %s", p->name, line, msg);
	else
		seterr(p->err, p->errlen, "%s: %s", p->name, msg);
	return WN_ECONFIG;
}

/* show copies text from the file for a message: control bytes become '?'
 * and long text is cut. */
static const char *
show(const char *s, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; s[i] != '\0' && i + 4 < cap; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static char *
trim(char *s)
{
	size_t n;
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

const char *
cfg_name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : NULL;
}

bool
cfg_name_lookup(const char *const *names, size_t n, const char *s, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (int)i;
			return true;
		}
	}
	return false;
}

static int
set_value(const struct key *k, void *field, const char *v)
{
	uint64_t u;
	uint32_t u32;
	int e;

	switch (k->type) {
	case K_STR:
		if (strlen(v) >= k->size)
			return SET_LONG;
		if (!k->valid(v))
			return SET_BAD;
		if (k->nfc) {
			/* one form, however it was typed (a valid text
			 * only fails to fit) */
			return wn_text_nfc(v, strlen(v), field, k->size, NULL) ==
				WN_OK ? SET_OK : SET_LONG;
		}
		memcpy(field, v, strlen(v) + 1);
		return SET_OK;
	case K_ENUM:
		if (!cfg_name_lookup(k->names, k->nnames, v, &e))
			return SET_BAD;
		memcpy(field, &e, sizeof(e));
		return SET_OK;
	case K_UID:
		if (!wn_parse_u64(v, UINT32_MAX - 1, &u))
			return SET_BAD;
		u32 = (uint32_t)u;
		memcpy(field, &u32, sizeof(u32));
		return SET_OK;
	case K_MODE:
		if (strcmp(v, "0600") != 0 && strcmp(v, "0660") != 0)
			return SET_BAD;
		u32 = strcmp(v, "0660") == 0 ? 0660 : 0600;
		memcpy(field, &u32, sizeof(u32));
		return SET_OK;
	}
	return SET_BAD;
}

/* get_value returns the text of a field ("" if absent), or NULL if the
 * field holds something no config file could. */
static const char *
get_value(const struct key *k, const void *field, char *tmp, size_t cap)
{
	uint32_t u32;
	int e;

	switch (k->type) {
	case K_STR:
		return memchr(field, '\0', k->size) != NULL ? field : NULL;
	case K_ENUM:
		memcpy(&e, field, sizeof(e));
		return cfg_name_of(k->names, k->nnames, e);
	case K_UID:
	case K_MODE:
		memcpy(&u32, field, sizeof(u32));
		snprintf(tmp, cap, k->type == K_UID ? "%" PRIu32 : "%04" PRIo32,
		    u32);
		return tmp;
	}
	return NULL;
}

static void *
field_of(const struct key *k, struct cfg_node *cfg, size_t user)
{
	char *base = k->sect == SECT_USER ? (char *)&cfg->users[user] :
					    (char *)cfg;
	return base + k->off;
}

static const char *
header(const struct parser *p, char *buf, size_t cap)
{
	if (p->cur == SECT_USER)
		snprintf(buf, cap, "[user %s]",
		    p->cfg->users[p->cfg->nusers - 1].name);
	else
		snprintf(buf, cap, "[%s]", sect_names[p->cur]);
	return buf;
}

/* close_section checks the keys the section needs and sets conditional
 * defaults, once all of its lines are in. */
static wn_err
close_section(struct parser *p)
{
	struct cfg_node *cfg = p->cfg;
	char hdr[96];
	size_t user = cfg->nusers - 1; /* only used in a [user] section */

	if (p->cur == SECT_NONE)
		return WN_OK;
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];
		bool seen = p->key_line[i] != 0;
		bool on = k->cond == NULL || k->cond->holds(cfg);
		if (k->sect != p->cur)
			continue;
		if (!seen && (k->flags & K_REQUIRED))
			return fail(p, p->cur_line,
			    "%s is missing required key '%s'",
			    header(p, hdr, sizeof(hdr)), k->name);
		if (!seen && on && (k->flags & K_REQUIRED_IF))
			return fail(p, p->cur_line,
			    "%s is missing required key '%s' (needed when %s)",
			    header(p, hdr, sizeof(hdr)), k->name, k->cond->text);
		if (seen && !on && (k->flags & K_ONLY_IF))
			return fail(p, p->key_line[i],
			    "%s: only allowed when %s", k->name, k->cond->text);
		if (!seen && on && k->dflt != NULL)
			WN_ASSERT(set_value(k, field_of(k, cfg, user), k->dflt) ==
			    SET_OK);
	}
	if (p->cur == SECT_MAIL) {
		if (cfg->mail_director_to[0] == '\0' &&
		    cfg->mail_owner_to[0] == '\0' &&
		    cfg->mail_chair_to[0] == '\0')
			return fail(p, p->cur_line, "[mail] names no one to "
			    "mail: give director_to, owner_to, chair_to or "
			    "more of them");
		/* a password over a plain connection to another host */
		if (cfg->mail_user[0] != '\0' &&
		    cfg->mail_starttls == CFG_MAIL_TLS_NONE &&
		    strncmp(cfg->mail_url, "smtps://", 8) != 0)
			return fail(p, p->cur_line, "[mail]: a user and "
			    "password need TLS: starttls = required, or an "
			    "smtps:// URL");
	}
	if (p->cur == SECT_USER) {
		const struct cfg_user *u = &cfg->users[user];
		for (size_t i = 0; i < user; i++) {
			if (cfg->users[i].uid != u->uid)
				continue;
			for (size_t j = 0; j < WN_ARRAY_LEN(keys); j++)
				if (keys[j].sect == SECT_USER &&
				    keys[j].type == K_UID)
					return fail(p, p->key_line[j],
					    "uid: %" PRIu32 " is already used by "
					    "[user %s]",
					    u->uid, cfg->users[i].name);
		}
	}
	return WN_OK;
}

static wn_err
open_section(struct parser *p, char *s, size_t line)
{
	struct cfg_node *cfg = p->cfg;
	size_t n = strlen(s);
	char *inner, *uname = NULL;
	char shown[80];
	enum sect sect;
	wn_err rc;

	if (n < 2 || s[n - 1] != ']')
		return fail(p, line,
		    "malformed section header: expected [node], [passphrase], "
		    "[mail] or [user NAME]");
	s[n - 1] = '\0';
	inner = trim(s + 1);
	if (strcmp(inner, "node") == 0) {
		sect = SECT_NODE;
	} else if (strcmp(inner, "passphrase") == 0) {
		sect = SECT_PASS;
	} else if (strcmp(inner, "mail") == 0) {
		sect = SECT_MAIL;
	} else if (strncmp(inner, "user", 4) == 0 &&
	    (inner[4] == '\0' || inner[4] == ' ' || inner[4] == '\t')) {
		sect = SECT_USER;
		uname = trim(inner + 4);
		if (!cfg_org_id_valid(uname))
			return fail(p, line,
			    "bad user name '%s' in [user NAME]: expected "
			    ID_EXPECT, show(uname, shown, sizeof(shown)));
	} else {
		return fail(p, line, "unknown section [%s]",
		    show(inner, shown, sizeof(shown)));
	}

	if ((rc = close_section(p)) != WN_OK)
		return rc;

	if (sect != SECT_USER) {
		if (p->sect_line[sect] != 0)
			return fail(p, line,
			    "duplicate section [%s] (first on line %zu)",
			    sect_names[sect], p->sect_line[sect]);
		p->sect_line[sect] = line;
	} else {
		for (size_t i = 0; i < cfg->nusers; i++)
			if (strcmp(cfg->users[i].name, uname) == 0)
				return fail(p, line,
				    "duplicate section [user %s] (first on "
				    "line %zu)",
				    uname, p->user_line[i]);
		if (cfg->nusers == CFG_MAX_USERS)
			return fail(p, line, "too many users (at most %d)",
			    CFG_MAX_USERS);
		memset(&cfg->users[cfg->nusers], 0, sizeof(cfg->users[0]));
		wn_strlcpy(cfg->users[cfg->nusers].name, uname,
		    sizeof(cfg->users[0].name));
		p->user_line[cfg->nusers++] = line;
		for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++)
			if (keys[i].sect == SECT_USER)
				p->key_line[i] = 0;
	}
	p->cur = sect;
	p->cur_line = line;
	return WN_OK;
}

static void
expected(const struct key *k, char *buf, size_t cap)
{
	struct out o = {buf, cap, 0, false};
	if (k->type != K_ENUM) {
		wn_strlcpy(buf, k->expect, cap);
		return;
	}
	put(&o, "one of");
	for (size_t i = 0; i < k->nnames; i++)
		put(&o, "%s %s", i == 0 ? "" : ",", k->names[i]);
}

static wn_err
parse_line(struct parser *p, char *line, size_t lineno)
{
	char *s = trim(line), *eq, *key, *val;
	char hdr[96], shown[80], exp[256];
	const struct key *k = NULL;
	size_t i;

	if (*s == '\0' || *s == '#' || *s == ';')
		return WN_OK;
	if (*s == '[')
		return open_section(p, s, lineno);
	if ((eq = strchr(s, '=')) == NULL)
		return fail(p, lineno,
		    "expected 'key = value' or a [section] header");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		return fail(p, lineno, "missing key before '='");
	if (p->cur == SECT_NONE)
		return fail(p, lineno, "key '%s' outside a section",
		    show(key, shown, sizeof(shown)));
	for (i = 0; i < WN_ARRAY_LEN(keys); i++) {
		if (keys[i].sect == p->cur && strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (k == NULL)
		return fail(p, lineno, "unknown key '%s' in %s",
		    show(key, shown, sizeof(shown)),
		    header(p, hdr, sizeof(hdr)));
	if (p->key_line[i] != 0)
		return fail(p, lineno, "duplicate key '%s' in %s (first on "
		    "line %zu)", k->name, header(p, hdr, sizeof(hdr)),
		    p->key_line[i]);
	switch (set_value(k, field_of(k, p->cfg, p->cfg->nusers - 1), val)) {
	case SET_LONG:
		return fail(p, lineno, "%s: value too long (at most %zu bytes)",
		    k->name, k->size - 1);
	case SET_BAD:
		if (k->why != NULL)
			return fail(p, lineno, "%s: %s, not '%s'", k->name,
			    k->why(val), show(val, shown, sizeof(shown)));
		expected(k, exp, sizeof(exp));
		return fail(p, lineno, "%s: expected %s, not '%s'", k->name,
		    exp, show(val, shown, sizeof(shown)));
	}
	p->key_line[i] = lineno;
	return WN_OK;
}

void
cfg_node_init(struct cfg_node *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++)
		if (keys[i].dflt != NULL && keys[i].cond == NULL)
			WN_ASSERT(set_value(&keys[i], field_of(&keys[i], cfg, 0),
			    keys[i].dflt) == SET_OK);
}

wn_err
cfg_node_parse(const char *text, size_t len, const char *name,
    struct cfg_node *out, char *err, size_t errlen)
{
	struct parser p = {name != NULL ? name : "config", err, errlen, out};
	char line[CFG_LINE_MAX + 1];
	size_t pos = 0, lineno = 0;
	wn_err rc;

	cfg_node_init(out);
	seterr(err, errlen, "%s", "");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n > CFG_LINE_MAX)
			return fail(&p, lineno, "line longer than %d bytes",
			    CFG_LINE_MAX);
		if (memchr(text + pos, '\0', n) != NULL)
			return fail(&p, lineno, "NUL byte in the file");
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if ((rc = parse_line(&p, line, lineno)) != WN_OK)
			return rc;
	}
	if ((rc = close_section(&p)) != WN_OK)
		return rc;
	if (p.sect_line[SECT_NODE] == 0)
		return fail(&p, 0, "missing [node] section");
	if (p.sect_line[SECT_PASS] == 0)
		return fail(&p, 0, "missing [passphrase] section");
	if (out->nusers == 0)
		return fail(&p, 0, "no [user ...] section: at least one user "
		    "is required");
	return WN_OK;
}

wn_err
cfg_read_file(const char *path, char **out, size_t *outlen, char *err,
    size_t errlen)
{
	wn_err rc = WN_EIO;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((buf = malloc(CFG_FILE_MAX + 1)) == NULL) {
		rc = WN_ENOMEM;
		seterr(err, errlen, "%s: %s", path, wn_strerror(rc));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, CFG_FILE_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			seterr(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CFG_FILE_MAX) {
			rc = WN_ETOOBIG;
			seterr(err, errlen, "%s: file larger than %d bytes",
			    path, CFG_FILE_MAX);
			goto out;
		}
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	rc = WN_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

wn_err
cfg_node_load(const char *path, struct cfg_node *out, char *err,
    size_t errlen)
{
	char *buf;
	size_t len;
	wn_err rc = cfg_read_file(path, &buf, &len, err, errlen);
	if (rc != WN_OK)
		return rc;
	rc = cfg_node_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

static bool
emit_keys(struct out *o, enum sect sect, const struct cfg_node *cfg,
    size_t user)
{
	char tmp[32];
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++) {
		const struct key *k = &keys[i];
		const char *v;
		if (k->sect != sect)
			continue;
		v = get_value(k, field_of(k, (struct cfg_node *)cfg, user), tmp,
		    sizeof(tmp));
		/* A newline in a value would smuggle in lines of its own. */
		if (v == NULL || strpbrk(v, "\r\n") != NULL)
			return false;
		if (*v != '\0')
			put(o, "%s = %s\n", k->name, v);
	}
	return true;
}

static wn_err
emit(const struct cfg_node *cfg, char *buf, size_t cap, size_t *outlen)
{
	struct out o = {buf, cap, 0, false};

	if (cfg->nusers > CFG_MAX_USERS)
		return WN_EINVAL;
	put(&o, "# wijknet node configuration\n[node]\n");
	if (!emit_keys(&o, SECT_NODE, cfg, 0))
		return WN_EINVAL;
	put(&o, "\n[passphrase]\n");
	if (!emit_keys(&o, SECT_PASS, cfg, 0))
		return WN_EINVAL;
	if (cfg_mail_on(cfg)) {
		put(&o, "\n[mail]\n");
		if (!emit_keys(&o, SECT_MAIL, cfg, 0))
			return WN_EINVAL;
	}
	for (size_t i = 0; i < cfg->nusers; i++) {
		const char *name = cfg->users[i].name;
		if (memchr(name, '\0', sizeof(cfg->users[i].name)) == NULL ||
		    !cfg_org_id_valid(name))
			return WN_EINVAL;
		put(&o, "\n[user %s]\n", name);
		if (!emit_keys(&o, SECT_USER, cfg, i))
			return WN_EINVAL;
	}
	if (o.over)
		return WN_ETOOBIG;
	*outlen = o.len;
	return WN_OK;
}

wn_err
cfg_node_check(const struct cfg_node *cfg, const char *name, char *err,
    size_t errlen)
{
	char *buf = malloc(CFG_FILE_MAX);
	struct cfg_node *back = malloc(sizeof(*back));
	size_t len;
	wn_err rc = WN_ENOMEM;
	if (buf != NULL && back != NULL) {
		rc = emit(cfg, buf, CFG_FILE_MAX, &len);
		if (rc == WN_OK)
			rc = cfg_node_parse(buf, len, name, back, err, errlen);
		else
			snprintf(err, errlen, "%s: a value is too long or holds "
			    "a line break", name);
	}
	free(buf);
	free(back);
	return rc;
}

wn_err
cfg_node_format(const struct cfg_node *cfg, char *buf, size_t cap,
    size_t *outlen)
{
	struct cfg_node *back = NULL;
	char *again = NULL;
	size_t len, len2;
	wn_err rc;

	if ((rc = emit(cfg, buf, cap, &len)) != WN_OK)
		goto out;
	back = malloc(sizeof(*back));
	again = malloc(len + 1);
	if (back == NULL || again == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	/* Parsing checks what emit cannot see (required and conditional
	 * keys, unique uids); formatting again catches what parsing would
	 * change (trimmed spaces, filled-in defaults). */
	rc = WN_EINVAL;
	if (cfg_node_parse(buf, len, NULL, back, NULL, 0) != WN_OK)
		goto out;
	if (emit(back, again, len + 1, &len2) != WN_OK || len2 != len ||
	    memcmp(buf, again, len) != 0)
		goto out;
	*outlen = len;
	rc = WN_OK;
out:
	free(again);
	free(back);
	return rc;
}

static wn_err
sync_dir(const char *path)
{
	char dir[4096];
	char *slash;
	int fd;
	wn_err rc = WN_EIO;

	wn_strlcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		wn_strlcpy(dir, ".", sizeof(dir));
	else if (slash == dir)
		dir[1] = '\0'; /* a file in "/" */
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return WN_EIO;
	if (fsync(fd) == 0)
		rc = WN_OK;
	close(fd);
	return rc;
}

wn_err
cfg_node_write(const struct cfg_node *cfg, const char *path, bool overwrite,
    char *err, size_t errlen)
{
	char tmp[4096];
	char *buf = NULL;
	bool have_tmp = false;
	size_t len, done = 0;
	int fd = -1;
	wn_err rc = WN_EIO;

	if ((buf = malloc(CFG_FILE_MAX)) == NULL) {
		rc = WN_ENOMEM;
		seterr(err, errlen, "%s: %s", path, wn_strerror(rc));
		goto out;
	}
	if ((rc = cfg_node_format(cfg, buf, CFG_FILE_MAX, &len)) != WN_OK) {
		seterr(err, errlen, "%s: cannot format the configuration: %s",
		    path, wn_strerror(rc));
		goto out;
	}
	rc = WN_EIO;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", path) >=
	    sizeof(tmp)) {
		rc = WN_EINVAL;
		seterr(err, errlen, "%s: path too long", path);
		goto out;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0)
		goto fail_errno;
	have_tmp = true;
	if (fchmod(fd, 0600) != 0)
		goto fail_errno;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail_errno;
		done += (size_t)n;
	}
	if (fsync(fd) != 0)
		goto fail_errno;
	if (close(fd) != 0) {
		fd = -1;
		goto fail_errno;
	}
	fd = -1;
	if (overwrite) {
		if (rename(tmp, path) != 0)
			goto fail_errno;
		have_tmp = false;
	} else if (link(tmp, path) != 0) {
		/* link, unlike rename, fails if path exists: no race. */
		if (errno == EEXIST) {
			rc = WN_EBUSY;
			seterr(err, errlen, "%s: already exists", path);
			goto out;
		}
		goto fail_errno;
	}
	if (sync_dir(path) != WN_OK)
		goto fail_errno;
	rc = WN_OK;
	goto out;
fail_errno:
	seterr(err, errlen, "%s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp);
	free(buf);
	return rc;
}

const struct cfg_user *
cfg_node_user_by_uid(const struct cfg_node *cfg, uint32_t uid)
{
	size_t n = cfg->nusers < CFG_MAX_USERS ? cfg->nusers : CFG_MAX_USERS;
	for (size_t i = 0; i < n; i++)
		if (cfg->users[i].uid == uid)
			return &cfg->users[i];
	return NULL;
}

const char *
cfg_role_name(enum cfg_role r)
{
	const char *s = cfg_name_of(role_names,
	    WN_ARRAY_LEN(role_names), (int)r);
	return s != NULL ? s : "unknown";
}

bool
cfg_role_parse(const char *s, enum cfg_role *out)
{
	int v;
	if (!cfg_name_lookup(role_names, WN_ARRAY_LEN(role_names), s, &v))
		return false;
	*out = (enum cfg_role)v;
	return true;
}

const char *
cfg_user_role_name(enum cfg_user_role r)
{
	const char *s = cfg_name_of(user_role_names,
	    WN_ARRAY_LEN(user_role_names),
	    (int)r);
	return s != NULL ? s : "unknown";
}

bool
cfg_user_role_parse(const char *s, enum cfg_user_role *out)
{
	int v;
	if (!cfg_name_lookup(user_role_names,
	    WN_ARRAY_LEN(user_role_names), s, &v))
		return false;
	*out = (enum cfg_user_role)v;
	return true;
}

const char *
cfg_pass_source_name(enum cfg_pass_source s)
{
	const char *n = cfg_name_of(pass_names,
	    WN_ARRAY_LEN(pass_names), (int)s);
	return n != NULL ? n : "unknown";
}

bool
cfg_org_id_valid(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return n > 0 && n < 64 && s[n] == '\0';
}

bool
cfg_alert_socket_path(const char *ctl, char *out, size_t cap)
{
	int k = snprintf(out, cap, "%s" CFG_ALERT_SOCKET_SUFFIX, ctl);
	return k > 0 && (size_t)k < cap && k <= CFG_SOCKET_PATH_MAX;
}
