/*
 * doctor.c - wijknetd doctor: checks a node's set-up on its own machine,
 * running or not, and says what to fix, one line per finding: the config
 * (it loads), the data folder and the files in it (modes, and one owner:
 * the folder's, the user the daemon runs as), the passphrase file (or
 * credential, or outside the unit the credential's source file), the
 * control group, the TLS certificate (it reads, names the org id as CN and
 * DNS name, verifies against the federation CA, is not near its end) and
 * its key, and the free space on the data folder's disk; and, when the
 * node runs, what it knows of its peers and matrix (doctor_live.c).
 *
 * "fix:" lines are what stops the node or exposes it; "warn:" lines what
 * will (a certificate near its end, a disk filling up). The exit status
 * is 1 when there is anything to fix. Nothing is changed, and no secret is
 * read: only the metadata of the key and passphrase files.
 */
#include "node/daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#define DOCTOR_DISK_FIX (100ull << 20)   /* below: writes are refused soon */
#define DOCTOR_DISK_WARN (1024ull << 20) /* below: time to make room */
/* where wijknetd.service loads the passphrase credential from */
#define DOCTOR_CRED_SOURCE "/etc/wijknet/passphrase"

struct doctor {
	int fixes, warnings;
	bool have_owner;
	uid_t owner;        /* the data folder's: the daemon runs as it */
	char owner_name[64];
};

static void finding(struct doctor *d, bool fix, const char *fmt, ...)
    WN_PRINTF(3, 4);

static void
finding(struct doctor *d, bool fix, const char *fmt, ...)
{
	va_list ap;
	fputs(fix ? "fix: " : "warn: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix)
		d->fixes++;
	else
		d->warnings++;
}

static void
live_finding(void *arg, bool fix, const char *line)
{
	finding(arg, fix, "%s", line);
}

static void
name_of_uid(uid_t uid, char *buf, size_t cap)
{
	struct passwd *pw = getpwuid(uid);
	if (pw != NULL)
		snprintf(buf, cap, "%s", pw->pw_name);
	else
		snprintf(buf, cap, "uid %u", (unsigned)uid);
}

/* check_owner: the daemon, running as the data folder's owner, must be
 * able to use path. */
static void
check_owner(struct doctor *d, const char *path, const char *what,
    const struct stat *st)
{
	char who[64];
	if (!d->have_owner || st->st_uid == d->owner)
		return;
	name_of_uid(st->st_uid, who, sizeof(who));
	finding(d, true, "%s: the %s belongs to %s, but the data folder (and so "
	    "the daemon) to %s: chown %s %s", path, what, who, d->owner_name,
	    d->owner_name, path);
}

/* check_private: a file only the node's owner may read, which the daemon
 * opens without following a symbolic link (key, passphrase, TLS key) */
static void
check_private(struct doctor *d, const char *path, const char *what)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		finding(d, true, "%s: the %s: %s", path, what, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		finding(d, true, "%s: the %s is not a regular file (the daemon "
		    "follows no symbolic link): put the file itself there",
		    path, what);
		return;
	}
	if ((st.st_mode & 077) != 0)
		finding(d, true, "%s: the %s has mode %04o, others may read it "
		    "(the daemon refuses it): chmod 600 %s", path, what,
		    (unsigned)(st.st_mode & 07777), path);
	check_owner(d, path, what, &st);
}

static void
check_data_dir(struct doctor *d, const struct cfg_node *cfg)
{
	const char *dir = cfg->data_dir;
	struct stat st;
	char path[4096];
	unsigned m;

	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		finding(d, true, "%s: the data folder: %s: create the node with "
		    "wijknet init", dir, errno != 0 ? strerror(errno) :
		    "not a folder");
		return;
	}
	d->have_owner = true;
	d->owner = st.st_uid;
	name_of_uid(st.st_uid, d->owner_name, sizeof(d->owner_name));
	m = st.st_mode & 07777;
	if ((m & 0022) != 0)
		finding(d, true, "%s: the data folder has mode %04o, others may "
		    "write in it: chmod 700 %s", dir, m, dir);
	else if ((m & 0007) != 0)
		finding(d, true, "%s: the data folder has mode %04o, anyone may "
		    "enter it: chmod 700 %s", dir, m, dir);
	else if ((m & 0070) != 0 && cfg->control_mode != 0660)
		finding(d, true, "%s: the data folder has mode %04o, but "
		    "control_mode is 0600 and no group needs in: chmod 700 %s",
		    dir, m, dir);
	if (node_path(path, sizeof(path), dir, NODE_KEY_FILE))
		check_private(d, path, "key file");
	if (node_path(path, sizeof(path), dir, NODE_DB_FILE)) {
		if (stat(path, &st) != 0 || st.st_size == 0)
			finding(d, true, "%s: the store is %s: restore it from a "
			    "backup (a node never makes a new one)", path,
			    errno == ENOENT ? "missing" : "empty");
		else if ((st.st_mode & 077) != 0)
			finding(d, true, "%s: the store has mode %04o: chmod 600 %s",
			    path, (unsigned)(st.st_mode & 07777), path);
		else
			check_owner(d, path, "store", &st);
	}
}

static void
check_config_file(struct doctor *d, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return; /* loading it said so already */
	if ((st.st_mode & 022) != 0)
		finding(d, true, "%s: the config has mode %04o, others may change "
		    "it: chmod 600 %s", path, (unsigned)(st.st_mode & 07777),
		    path);
	/* the daemon reads it as the folder's owner */
	if (st.st_uid != 0 || (st.st_mode & 044) == 0)
		check_owner(d, path, "config", &st);
}

/* check_credential: the passphrase credential as the daemon judges it
 * (sec_credential_private): the owner's or root's, readable by no group
 * and no other user; systemd on tmpfs grants the owner read by an ACL.
 * Opened only for its metadata. */
static void
check_credential(struct doctor *d, const char *path)
{
	struct stat st;
	int fd = -1;
	if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		check_private(d, path, "passphrase credential"); /* says why */
		return;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		finding(d, true, "%s: the passphrase credential: %s", path,
		    strerror(errno));
		return;
	}
	if (!sec_credential_private(fd, d->have_owner ? d->owner : geteuid()))
		finding(d, true, "%s: the passphrase credential (mode %04o, "
		    "uid %u) may be read by others, or is not %s's nor root's "
		    "(the daemon refuses it): check LoadCredential= and its "
		    "source file", path, (unsigned)(st.st_mode & 07777),
		    (unsigned)st.st_uid, d->have_owner ? d->owner_name : "yours");
	close(fd);
}

/* check_credential_source: outside the unit there is no credential to
 * check, only the file the unit loads it from (LoadCredential=NAME:FILE):
 * root's, mode 0600, as systemd reads it as root. Its metadata only. */
static void
check_credential_source(struct doctor *d, const struct cfg_node *cfg,
    const char *src, bool named)
{
	struct stat st;
	if (stat(src, &st) != 0) {
		if (errno == ENOENT)
			finding(d, named, "%s: missing: wijknetd.service loads "
			    "the passphrase credential %s from it "
			    "(LoadCredential=%s:%s): put the passphrase there "
			    "(root's, mode 0600), or name the file the unit "
			    "loads with --credential-file", src, cfg->pass_name,
			    cfg->pass_name, src);
		else
			printf("note: the passphrase comes from the credential "
			    "%s, which only the running unit sees; its source "
			    "%s cannot be checked (%s): run doctor as root\n",
			    cfg->pass_name, src, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		finding(d, true, "%s: the passphrase credential's source is not "
		    "a regular file: put the passphrase itself there", src);
		return;
	}
	if (st.st_uid != 0) {
		char who[64];
		name_of_uid(st.st_uid, who, sizeof(who));
		finding(d, true, "%s: the passphrase credential's source belongs "
		    "to %s; only root needs it (systemd reads it for the "
		    "unit): chown root:root %s", src, who, src);
	}
	if ((st.st_mode & 077) != 0)
		finding(d, true, "%s: the passphrase credential's source has mode "
		    "%04o, others may read it: chmod 600 %s", src,
		    (unsigned)(st.st_mode & 07777), src);
	if (st.st_uid == 0 && (st.st_mode & 077) == 0)
		printf("note: the passphrase comes from the credential %s, which "
		    "only the running unit sees; its source %s is root's, mode "
		    "%04o (the unit must load it: LoadCredential=%s:%s)\n",
		    cfg->pass_name, src, (unsigned)(st.st_mode & 07777),
		    cfg->pass_name, src);
}

static void
check_passphrase(struct doctor *d, const struct cfg_node *cfg,
    const char *src, bool named)
{
	const char *dir;
	char path[4096];
	switch (cfg->pass_source) {
	case CFG_PASS_FILE:
		check_private(d, cfg->pass_path, "passphrase file");
		break;
	case CFG_PASS_CREDENTIAL:
		/* only where systemd set it up, as for the daemon */
		dir = getenv("CREDENTIALS_DIRECTORY");
		if (dir != NULL && *dir != '\0') {
			if (node_path(path, sizeof(path), dir, cfg->pass_name))
				check_credential(d, path);
		} else {
			check_credential_source(d, cfg, src, named);
		}
		break;
	default:
		finding(d, false, "[passphrase] source = prompt: the node cannot "
		    "start unattended (as a service): use source = credential "
		    "(wijknet.conf(5))");
	}
}

/* names_only: every CN and every DNS name of crt is the org id, and it
 * has at least one of them (what the listener's gate accepts) */
static bool
names_only(const mbedtls_x509_crt *crt, const char *org_id)
{
	size_t len = strlen(org_id), n = 0;
	for (const mbedtls_x509_name *nm = &crt->subject; nm != NULL;
	     nm = nm->next) {
		if (nm->oid.p == NULL ||
		    MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) != 0)
			continue;
		if (n++ > 0 || nm->val.len != len ||
		    memcmp(nm->val.p, org_id, len) != 0)
			return false;
	}
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names;
	     s != NULL && s->buf.p != NULL; s = s->next) {
		if (s->buf.tag !=
		    (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME))
			continue;
		if (s->buf.len != len || memcmp(s->buf.p, org_id, len) != 0)
			return false;
		n++;
	}
	return n > 0;
}

static void
check_tls(struct doctor *d, const struct cfg_node *cfg)
{
	mbedtls_x509_crt crt, ca;
	struct node_cert_state st;
	int64_t end_ms;
	uint32_t flags = 0;
	char err[512], info[512];

	check_private(d, cfg->tls_key, "TLS key");
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&ca);
	if (mbedtls_x509_crt_parse_file(&crt, cfg->tls_cert) != 0) {
		finding(d, true, "%s: the node's certificate cannot be read "
		    "(PEM expected): make it as README, Certificates says",
		    cfg->tls_cert);
		goto out;
	}
	if (!names_only(&crt, cfg->org_id))
		finding(d, true, "%s: the certificate must name %s, and only it, "
		    "as its CN and DNS name (partners refuse it otherwise): "
		    "have it made again", cfg->tls_cert, cfg->org_id);
	if (node_cert_expiry(cfg->tls_cert, &end_ms, err, sizeof(err)) ==
	    WN_OK) {
		node_cert_describe(end_ms, wn_now_ms(), &st);
		if (st.days_left == 0)
			finding(d, true, "%s: the certificate expired on %s: renew "
			    "it (README, Certificates)", cfg->tls_cert, st.expires);
		else if (st.warning[0] != '\0')
			finding(d, false, "%s: the certificate expires in %lld "
			    "day%s, on %s: renew it (README, Certificates)",
			    cfg->tls_cert, (long long)st.days_left,
			    st.days_left == 1 ? "" : "s", st.expires);
	}
	if (mbedtls_x509_crt_parse_file(&ca, cfg->tls_ca) != 0) {
		finding(d, true, "%s: the federation CA's certificate cannot be "
		    "read (PEM expected): ask the lead municipality for it",
		    cfg->tls_ca);
		goto out;
	}
	(void)mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL,
	    NULL);
	/* its end is said above, in plain words */
	flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_EXPIRED;
	if (flags != 0) {
		if (mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags) <
		    0)
			wn_strlcpy(info, "does not verify", sizeof(info));
		info[strcspn(info, "\n")] = '\0';
		finding(d, true, "%s: the certificate does not verify against "
		    "the federation CA %s (%s): have the CA sign it",
		    cfg->tls_cert, cfg->tls_ca, info);
	}
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
}

static void
check_disk(struct doctor *d, const char *dir)
{
	struct statvfs vfs;
	unsigned long long avail;
	if (statvfs(dir, &vfs) != 0)
		return; /* the folder's own check said why */
	avail = (unsigned long long)vfs.f_bavail * vfs.f_frsize;
	if (avail < DOCTOR_DISK_FIX)
		finding(d, true, "%s: %llu MB free on its disk: the node refuses "
		    "writes when it is full; make room", dir, avail >> 20);
	else if (avail < DOCTOR_DISK_WARN)
		finding(d, false, "%s: only %llu MB free on its disk: make room "
		    "before it fills", dir, avail >> 20);
}

static void
usage_doctor(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd doctor [--config FILE]\n"
	    "\n"
	    "Checks the node's set-up, running or not, and says what to fix, one\n"
	    "line per finding: 'fix:' (exit status 1) or 'warn:'. Checks the\n"
	    "config, the data folder's and its files' modes and owner, the\n"
	    "passphrase file, the control group, the TLS certificate (names,\n"
	    "CA, end date) and key, and the disk's free space; when the node\n"
	    "runs, its peers (reachable from here, stuck or failing, their\n"
	    "clocks) and, on the director, the matrix members acknowledged.\n"
	    "Changes nothing.\n"
	    "With [passphrase] source = credential, run outside the unit, it\n"
	    "checks the file the unit loads the credential from instead.\n"
	    "  --config FILE   node config (default /etc/wijknet/wijknet.conf)\n"
	    "  --credential-file FILE\n"
	    "                  the unit's LoadCredential= source of the passphrase\n"
	    "                  (default " DOCTOR_CRED_SOURCE ")\n");
}

int
node_cmd_doctor(int argc, char **argv)
{
	struct cfg_node *cfg = NULL;
	struct doctor d = {0};
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"credential-file", required_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = "/etc/wijknet/wijknet.conf";
	const char *src = DOCTOR_CRED_SOURCE;
	bool named = false;
	char err[1024];
	int status = 2, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			src = optarg;
			named = true;
			break;
		case 'h':
			usage_doctor(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		default:
			usage_doctor(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage_doctor(stderr);
		return 2;
	}
	status = 1;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		fprintf(stderr, "wijknetd doctor: out of memory\n");
		goto out;
	}
	if (cfg_node_load(path, cfg, err, sizeof(err)) != WN_OK) {
		/* the rest needs the config */
		printf("fix: %s\n", err);
		goto out;
	}
	check_data_dir(&d, cfg);
	check_config_file(&d, path);
	check_passphrase(&d, cfg, src, named);
	/* [mail] user's password (node/alert/mail.c refuses it too) */
	if (cfg_mail_on(cfg) && cfg->mail_user[0] != '\0')
		check_private(&d, cfg->mail_password_file, "mail password file");
	if (cfg->control_mode == 0660 && getgrnam(cfg->control_group) == NULL)
		finding(&d, true, "control_group %s does not exist (the daemon "
		    "will not start): groupadd %s", cfg->control_group,
		    cfg->control_group);
	if (strncmp(cfg->listen, "tls+tcp://", 10) == 0)
		check_tls(&d, cfg);
	check_disk(&d, cfg->data_dir);
	node_doctor_live(cfg, live_finding, &d);
	if (d.fixes == 0)
		printf("ok: nothing to fix in the set-up of %s (%s)%s\n",
		    cfg->org_id, cfg->data_dir,
		    d.warnings > 0 ? "; see the warnings above" : "");
	status = d.fixes == 0 ? 0 : 1;
out:
	if (fflush(stdout) != 0)
		status = 1;
	free(cfg);
	return status;
}
