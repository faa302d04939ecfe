/*
 * cfg.h - the node config file: parse, validate, format and write it.
 *
 * The file is INI style: [node], [passphrase], an optional [mail] (alerts
 * by mail) and one [user NAME] per local user allowed on the control
 * socket; `key = value` lines, '#' and
 * ';' comment lines. Every error names the file and line.
 *
 * struct cfg_node is plain data (no pointers, nothing to free); all
 * functions here are thread safe on distinct structs.
 */
#ifndef CFG_H
#define CFG_H

#include "config/wn.h"

enum cfg_role {
	CFG_ROLE_MUNICIPALITY,
	CFG_ROLE_POLICE,
	CFG_ROLE_COMMUNITY_GUARDS,
	CFG_ROLE_OUTREACH,
	CFG_ROLE_WELFARE,
	CFG_ROLE_HOUSING,
	CFG_ROLE_YOUTH_WORK,
	CFG_ROLE_MEDIATION,
};

enum cfg_user_role {
	CFG_USER_ADMINISTRATOR,
	CFG_USER_CASE_WORKER,
	CFG_USER_VIEWER,
};

enum cfg_pass_source {
	CFG_PASS_FILE,
	CFG_PASS_PROMPT,
	CFG_PASS_CREDENTIAL,
};

/* [mail] starttls: the SMTP connection must be upgraded with STARTTLS
 * (required, the default; an smtps:// URL is TLS from the start), or
 * stays plain (none: a relay on this machine) */
enum cfg_mail_tls {
	CFG_MAIL_TLS_REQUIRED,
	CFG_MAIL_TLS_NONE,
};

/* Who of this node receives an alert by mail: the capacity in which the
 * node hears of it (an alert's role). The chair of a case's body is not
 * alerted yet (it would need a message of its own): its place is kept,
 * and cfg_mail_to gives it no address. */
enum cfg_mail_role {
	CFG_MAIL_DIRECTOR,
	CFG_MAIL_OWNER,
	CFG_MAIL_CHAIR,
};
#define CFG_MAIL_RCPT_MAX 8 /* addresses per role */

#define CFG_MAX_USERS 64
#define CFG_ERR_LEN 512
#define CFG_LINE_MAX 1024   /* bytes per line, without the newline */
#define CFG_FILE_MAX 65536  /* bytes per file, for cfg_node_load */
#define CFG_DEFAULT_PASS_NAME "wijknet-passphrase"

struct cfg_user {
	char name[64];           /* like org_id: [a-z0-9_-], 1..63 */
	uint32_t uid;            /* 0..4294967294, unique */
	enum cfg_user_role role;
};

struct cfg_node {
	char org_id[64];         /* [a-z0-9_-], 1..63 chars, required */
	char org_name[128];      /* printable UTF-8, 1..127 bytes, required */
	enum cfg_role role;      /* required */
	char data_dir[256];      /* absolute path, required */
	char listen[256];        /* tcp://... or tls+tcp://..., required */
	enum wn_log_level log_level; /* default WN_LOG_INFO */
	uint32_t control_mode;   /* 0600 (default) or 0660 */
	char control_group[64];  /* required iff control_mode is 0660 */
	char control_socket[100]; /* "" (data_dir/control.sock) or an
				   * absolute path, in a folder of the
				   * daemon's own */
	char director_key[65];   /* "" or 64 lowercase hex digits */
	char root[65];           /* the federation root's key: "" or 64 hex */
	char federation[64];     /* the federation its delegations name */
	char delegation[256];    /* director: its signed delegation, a path */
	char revocation[256];    /* director: a root's revocation, a path */
	uint32_t snoop_limit;   /* optional, default 10: dossiers of cases a
				 * user is not assigned to, opened within */
	uint32_t snoop_window;  /* optional, default 600 s, raise an alert */
	uint32_t token_daily_limit; /* optional, default 1000: the director
				     * evaluates at most this many tokens
				     * per member and UTC day (and per
				     * local user at the director) */
	uint32_t concern_limit;     /* optional, default 10000: the active
				     * concerns the director holds of one
				     * partner */
	char auto_share[256];   /* optional: categories this node's policy shares
				 * without asking (e.g. "signals") */
	char tls_cert[256];      /* absolute paths, "" if absent; all three */
	char tls_key[256];       /* required when listen is tls+tcp:// */
	char tls_ca[256];
	/* connections on the peer socket (node/exchange/conn.c); 0: no limit */
	uint32_t peer_max_connections;     /* default 256, in total */
	uint32_t peer_max_per_address;     /* default 16, per source address */
	uint32_t peer_idle_timeout;        /* default 60 s without a whole frame */
	uint32_t peer_frame_timeout;       /* default 30 s for one frame (TLS) */
	enum cfg_pass_source pass_source; /* required */
	char pass_path[256];     /* required iff source is file */
	char pass_name[64];      /* only if source is credential; defaulted */
	/* [mail] (optional): SITRAP alerts mailed (node/alert/mail.c); no
	 * section, no mail (mail_url ""). The URL holds no user or password
	 * (refused): those are mail_user and a file of mode 0600. */
	char mail_url[256];      /* smtp://HOST[:PORT] or smtps://..., required */
	char mail_from[128];     /* one address, required */
	char mail_director_to[512]; /* addresses, comma separated; at least */
	char mail_owner_to[512];    /* one of the three */
	char mail_chair_to[512];
	enum cfg_mail_tls mail_starttls; /* default required */
	char mail_user[128];     /* optional */
	char mail_password_file[256]; /* required iff mail_user: an absolute
				       * path, mode 0600, checked at start */
	size_t nusers;           /* 1..CFG_MAX_USERS */
	struct cfg_user users[CFG_MAX_USERS];
};

/* cfg_node_init zeroes cfg and sets the defaults of the optional keys
 * (log_level info, control_mode 0600). The rest is left empty/zero; the
 * caller fills in what a valid config needs before formatting it. */
void cfg_node_init(struct cfg_node *cfg);

/* cfg_node_parse parses text (len bytes, need not be NUL terminated),
 * called `name` in messages (NULL: "config"), into *out. On error it writes
 * "name:line: message" (or "name: message" when no line applies) into err
 * (errlen bytes, always terminated; err may be NULL) and returns
 * WN_ECONFIG; *out is then unspecified. */
WN_NODISCARD wn_err cfg_node_parse(const char *text, size_t len,
    const char *name, struct cfg_node *out, char *err, size_t errlen);

/* cfg_node_load reads the file at path and parses it, naming it by path.
 * Errors: WN_EIO ("path: <strerror>") if it cannot be read, WN_ETOOBIG if
 * it is over CFG_FILE_MAX bytes, WN_ENOMEM, or cfg_node_parse's errors. */
WN_NODISCARD wn_err cfg_node_load(const char *path, struct cfg_node *out,
    char *err, size_t errlen);

/* cfg_node_check validates cfg as if it were read from a file called name,
 * with the parser's message in err (WN_ECONFIG) on the first problem. */
WN_NODISCARD wn_err cfg_node_check(const struct cfg_node *cfg,
    const char *name, char *err, size_t errlen);

/* cfg_node_format writes cfg as config text into buf (cap bytes, NUL
 * terminated; the length without the NUL goes to *outlen). It checks that
 * the text parses back to a struct equal to cfg, so an invalid cfg (bad
 * values, missing keys, pass_name empty with source credential, ...) gives
 * WN_EINVAL. WN_ETOOBIG if it does not fit, WN_ENOMEM. On error buf holds
 * garbage and *outlen is untouched. */
WN_NODISCARD wn_err cfg_node_format(const struct cfg_node *cfg, char *buf,
    size_t cap, size_t *outlen);

/* cfg_node_write formats cfg and writes it to path atomically (a temp file
 * beside it, fsync, rename, fsync of the directory) with mode 0600. An
 * existing file is left alone and WN_EBUSY returned unless overwrite is
 * true. Other errors: cfg_node_format's, WN_EIO; the message ("path: ...")
 * goes to err as in cfg_node_parse. */
WN_NODISCARD wn_err cfg_node_write(const struct cfg_node *cfg,
    const char *path, bool overwrite, char *err, size_t errlen);

/* cfg_node_user_by_uid borrows the user with this uid, or NULL. */
const struct cfg_user *cfg_node_user_by_uid(const struct cfg_node *cfg,
    uint32_t uid);

/* For config/'s parsers: cfg_read_file reads a whole file of at most
 * CFG_FILE_MAX bytes into *out (free it); WN_EIO / WN_ETOOBIG / WN_ENOMEM
 * with err naming path. cfg_name_of is names[v] (NULL out of range);
 * cfg_name_lookup finds s among names. */
WN_NODISCARD wn_err cfg_read_file(const char *path, char **out,
    size_t *outlen, char *err, size_t errlen);
const char *cfg_name_of(const char *const *names, size_t n, int v);
bool cfg_name_lookup(const char *const *names, size_t n, const char *s,
    int *out);

/* cfg_role_name, cfg_user_role_name and cfg_pass_source_name return the
 * config-file name of a value ("unknown" if out of range); the _parse
 * functions read such a name into *out and return false for anything
 * else. */
const char *cfg_role_name(enum cfg_role r);
bool cfg_role_parse(const char *s, enum cfg_role *out);
const char *cfg_user_role_name(enum cfg_user_role r);
bool cfg_user_role_parse(const char *s, enum cfg_user_role *out);
const char *cfg_pass_source_name(enum cfg_pass_source s);

/* cfg_mail_on: the config has a [mail] section. cfg_mail_to borrows
 * the addresses (comma separated, "" none) that receive the alerts of a
 * role: "" without mail, and for the chair (not alerted yet).
 * cfg_mail_addr_valid: one address (local@domain, no spaces, no angle
 * brackets, at most 127 bytes). */
bool cfg_mail_on(const struct cfg_node *cfg);
const char *cfg_mail_to(const struct cfg_node *cfg, enum cfg_mail_role r);
bool cfg_mail_addr_valid(const char *s);

/* cfg_listen_problem says what is wrong with a listen address, or NULL
 * when it is tcp://HOST:PORT or tls+tcp://HOST:PORT with a host name, a
 * dotted quad or a bracketed IPv6 address, a decimal port of 1..65535, and
 * plain tcp:// only on loopback (127.0.0.0/8, [::1], localhost). The text
 * is static. */
const char *cfg_listen_problem(const char *s);

/* cfg_org_id_valid says whether s is 1..63 characters of a-z, 0-9, '_'
 * and '-' (the rule for org ids and user names). */
bool cfg_org_id_valid(const char *s);

/* cfg_alert_socket_path writes the path of the alert socket that goes
 * with the control socket at ctl (the daemon's and the CLI's one rule):
 * ctl with CFG_ALERT_SOCKET_SUFFIX added (control.sock:
 * control.sock.alerts). Adding a fixed suffix gives two control sockets
 * two alert sockets, and the config check refuses a control_socket that
 * ends in the suffix, so an alert socket is never another node's control
 * socket; a control_socket of at most 99 bytes always has one that fits.
 * False when it does not fit in cap or in a unix socket's path
 * (CFG_SOCKET_PATH_MAX, 107 bytes: the data folder's control.sock may be
 * longer than 99). */
#define CFG_ALERT_SOCKET_SUFFIX ".alerts"
#define CFG_SOCKET_PATH_MAX 107
bool cfg_alert_socket_path(const char *ctl, char *out, size_t cap);

#endif
