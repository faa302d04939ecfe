/*
 * daemon.c - the wijknetd subcommands: init, run, audit-verify, public
 * (doctor is doctor.c).
 *
 * run: read the config, take the data folder's lock (one daemon per
 * folder), read the passphrase, unlock the key file, open and check the
 * store, then serve the control socket until SIGTERM or SIGINT. Signals are
 * blocked before nng starts its threads and taken with sigtimedwait in the
 * main thread, which also runs the control socket's health check and the
 * rooms' periodic work (node_periodic_run: actions marked late).
 */
#include "node/daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HEALTH_CHECK_MS 500

bool
node_path(char *out, size_t cap, const char *dir, const char *file)
{
	int n = snprintf(out, cap, "%s/%s", dir, file);
	return n > 0 && (size_t)n < cap;
}

void
node_record_unlock_failure(const char *dir, const char *reason)
{
	char path[4096], line[512];
	if (!node_path(path, sizeof(path), dir, NODE_UNLOCK_FAILURES))
		return;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	int len = snprintf(line, sizeof(line), "%lld\t%u\t%s\n",
	    (long long)wn_now_ms(), (unsigned)getuid(), reason);
	if (len > 0 && write(fd, line, (size_t)len) < 0)
		wn_log(WN_LOG_WARN, "%s: %s", path, strerror(errno));
	fsync(fd);
	close(fd);
}

wn_err
node_import_unlock_failures(struct node_store *s, const char *dir)
{
	char path[4096], buf[8192];
	if (!node_path(path, sizeof(path), dir, NODE_UNLOCK_FAILURES))
		return WN_EINVAL;
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? WN_OK : WN_EIO;
	wn_err rc = node_store_begin(s);
	while (rc == WN_OK && fgets(buf, sizeof(buf), f) != NULL) {
		char who[64], *tab1 = strchr(buf, '\t'), *tab2;
		if (tab1 == NULL || (tab2 = strchr(tab1 + 1, '\t')) == NULL)
			continue;
		*tab2++ = '\0';
		tab2[strcspn(tab2, "\n")] = '\0';
		*tab1 = '\0';
		snprintf(who, sizeof(who), "uid:%s", tab1 + 1);
		char detail[512];
		snprintf(detail, sizeof(detail), "at %s ms: %s", buf, tab2);
		rc = node_audit_append(s, who, "key.unlock_failed", NODE_KEY_FILE,
		    detail);
	}
	fclose(f);
	if (rc == WN_OK)
		rc = node_store_commit(s);
	if (rc != WN_OK) {
		node_store_rollback(s);
		return rc;
	}
	/* imported and committed: only now forget the file */
	return unlink(path) == 0 ? WN_OK : WN_EIO;
}

wn_err
node_read_passphrase(const struct cfg_node *cfg, struct sec_secret **out,
    char *err, size_t errlen)
{
	switch (cfg->pass_source) {
	case CFG_PASS_FILE:
		return sec_passphrase_read_file(cfg->pass_path, out, err, errlen);
	case CFG_PASS_CREDENTIAL:
		return sec_passphrase_read_credential(cfg->pass_name, out, err,
		    errlen);
	default:
		return sec_passphrase_prompt("wijknetd passphrase: ", false, out,
		    err, errlen);
	}
}

/* lock_data_dir takes an exclusive lock so a second daemon is refused. */
static wn_err
lock_data_dir(const char *dir, int *fd_out, char *err, size_t errlen)
{
	char path[4096];
	if (!node_path(path, sizeof(path), dir, NODE_LOCK_FILE)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return WN_EINVAL;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return WN_EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "?";
		ssize_t r = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[r > 0 ? r : 1] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen,
		    "%s: another wijknetd (pid %s) is already running on this "
		    "data folder",
		    dir, pid);
		close(fd);
		return WN_EBUSY;
	}
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
		wn_log(WN_LOG_WARN, "%s: cannot record pid", path);
	*fd_out = fd;
	return WN_OK;
}

/* The director a node was made for, pinned in its encrypted store by init
 * (meta DIRECTOR_PIN: the Ed25519 key in lowercase hex, or "none" for a
 * node that is its own director; a node made before this is pinned at its
 * first start), so that the plain config alone cannot move a member to
 * another federation, or make it a director. */
#define DIRECTOR_PIN "director_key_pinned"

/* read_init_passphrase reads the new node's passphrase from file, or
 * asks for it twice on the terminal when file is NULL, and refuses one
 * below the floor (sec_passphrase_floor) before anything is made. */
static wn_err
read_init_passphrase(const char *file, struct sec_secret **out, char *err,
    size_t errlen)
{
	wn_err rc;
	if (file != NULL)
		rc = sec_passphrase_read_file(file, out, err, errlen);
	else
		rc = sec_passphrase_prompt("New node passphrase: ", true, out,
		    err, errlen);
	if (rc == WN_OK && (rc = sec_passphrase_floor(*out, err, errlen)) !=
	    WN_OK) {
		sec_secret_free(*out);
		*out = NULL;
	}
	return rc;
}

/* find_owner looks up the user a node is made for: its uid and its
 * primary group. */
static wn_err
find_owner(const char *name, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd *pw;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "--owner %s: no such user (make it first: "
		    "systemd-sysusers, or adduser --system --group %s)", name,
		    name);
		return WN_ECONFIG;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return WN_OK;
}

/* become_owner drops root for the owner: its group alone, then its uid,
 * for good (the real, effective and saved ids). */
static wn_err
become_owner(const char *name, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0 ||
	    getuid() != uid || geteuid() != uid || getegid() != gid) {
		snprintf(err, errlen, "cannot become the user %s: %s", name,
		    strerror(errno));
		return WN_EPERM;
	}
	/* a change of uid sets the dumpable flag to fs.suid_dumpable, which
	 * may be 1 or 2: turn it off again before the keys are made */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, errlen, "cannot turn core dumps off as the user "
		    "%s: %s", name, strerror(errno));
		return WN_EPERM;
	}
	return WN_OK;
}

/* open_dir opens the folder path itself, never a symbolic link to one:
 * init changes the folders it makes as root, and a link planted there
 * would hand it another folder. */
static wn_err
open_dir(const char *path, int *fd_out, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		*fd_out = fd;
		return WN_OK;
	}
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(err, errlen, "%s is a symbolic link: init does not "
		    "follow it; give the folder itself", path);
	else
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return WN_EINVAL;
}

/* make_parents makes the missing folders above path, mode 0755 (as mkdir
 * -p), so that the data folder can be made in them. */
static wn_err
make_parents(const char *path, char *err, size_t errlen)
{
	char buf[4096];
	if (wn_strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: path too long", path);
		return WN_EINVAL;
	}
	for (char *p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(buf, 0755) == 0) {
			/* the umask (077) is not the parents' business */
			int fd = -1;
			if (open_dir(buf, &fd, err, errlen) != WN_OK)
				return WN_EINVAL;
			int rc = fchmod(fd, 0755);
			close(fd);
			if (rc != 0)
				goto fail;
		} else if (errno != EEXIST) {
			goto fail;
		}
		*p = '/';
	}
	return WN_OK;
fail:
	snprintf(err, errlen, "%s: %s", buf, strerror(errno));
	return WN_EIO;
}

static void
usage_init(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd init --data DIR --org-id ID --org-name NAME --role ROLE\n"
	    "                     --listen URL [--user NAME] [--uid UID]\n"
	    "                     [--passphrase-file FILE] [--passphrase-credential NAME]\n"
	    "                     [--owner USER] [--kdf LEVEL]\n"
	    "\n"
	    "Creates a node: the data folder (mode 0700, and the folders above it\n"
	    "that are missing, mode 0755), its key file, its encrypted store and its\n"
	    "config DIR/" NODE_CONF_FILE ".\n"
	    "\n"
	    "  --data DIR             data folder (must not exist or be empty; not\n"
	    "                         a symbolic link)\n"
	    "  --org-id ID            organisation id: a-z 0-9 _ -\n"
	    "  --org-name NAME        organisation name\n"
	    "  --role ROLE            municipality, police, community_guards, outreach,\n"
	    "                         welfare, housing, youth_work or mediation\n"
	    "  --listen URL           peer address, tls+tcp://HOST:PORT, or tcp://HOST:PORT\n"
	    "                         on loopback only (127.0.0.0/8, [::1], localhost)\n"
	    "  --user NAME            first administrator's name (default: $USER or admin)\n"
	    "  --uid UID              first administrator's uid (default: yours)\n"
	    "  --passphrase-file FILE read the passphrase from FILE (mode 0600); the\n"
	    "                         config will read it from there too. Without it\n"
	    "                         the passphrase is asked twice on the terminal.\n"
	    "                         It needs at least 12 characters, 5 different.\n"
	    "  --passphrase-credential NAME\n"
	    "                         the config reads the passphrase from the systemd\n"
	    "                         credential NAME (LoadCredential=NAME:FILE;\n"
	    "                         wijknetd.service: wijknet-passphrase); init reads\n"
	    "                         it from --passphrase-file, which it needs\n"
	    "  --owner USER           the node belongs to USER (as root: the data folder\n"
	    "                         is given to USER and its group, and init makes\n"
	    "                         the key file, store and config as USER;\n"
	    "                         wijknetd.service runs as wijknet). A passphrase\n"
	    "                         file the config names is read as USER, so USER\n"
	    "                         must own it; a credential's file is read as root\n"
	    "  --kdf LEVEL            Argon2id cost: interactive (tests and demos\n"
	    "                         only: init warns), moderate (default), sensitive\n"
	    "  --director-key HEX     a member pins its director's Ed25519 key (the\n"
	    "                         sign_key of 'wijknetd public' on the director);\n"
	    "                         without it the node is a director\n"
	    "  --tls-cert FILE, --tls-key FILE, --tls-ca FILE\n"
	    "                         certificate, key and federation CA (absolute\n"
	    "                         paths), required with a tls+tcp:// listener\n");
}

int
node_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"org-id", required_argument, NULL, 'o'},
	    {"org-name", required_argument, NULL, 'n'},
	    {"role", required_argument, NULL, 'r'},
	    {"listen", required_argument, NULL, 'l'},
	    {"user", required_argument, NULL, 'u'},
	    {"uid", required_argument, NULL, 'U'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {"passphrase-credential", required_argument, NULL, 'P'},
	    {"owner", required_argument, NULL, 'O'},
	    {"kdf", required_argument, NULL, 'k'},
	    {"director-key", required_argument, NULL, 'D'},
	    {"tls-cert", required_argument, NULL, 'C'},
	    {"tls-key", required_argument, NULL, 'K'},
	    {"tls-ca", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct cfg_node *cfg = calloc(1, sizeof(*cfg));
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	struct node_store *store = NULL;
	enum sec_kdf_level kdf = SEC_KDF_MODERATE;
	char err[1024], path[4096], pass_abs[4096] = "";
	const char *pass_file = NULL, *user = getenv("USER");
	const char *cred = NULL, *owner = NULL;
	uid_t own_uid = geteuid();
	gid_t own_gid = getegid();
	bool become = false;
	uint64_t uid = getuid();
	int status = 2, c, dir_fd = -1;

	if (cfg == NULL)
		return 1;
	umask(077);
	cfg_node_init(cfg); /* the defaults of every optional key */
	cfg->role = (enum cfg_role)-1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		size_t cap = 0, got = 0;
		char *dst = NULL;
		switch (c) {
		case 'd': dst = cfg->data_dir; cap = sizeof(cfg->data_dir); break;
		case 'o': dst = cfg->org_id; cap = sizeof(cfg->org_id); break;
		case 'n': dst = cfg->org_name; cap = sizeof(cfg->org_name); break;
		case 'l': dst = cfg->listen; cap = sizeof(cfg->listen); break;
		case 'D':
			dst = cfg->director_key;
			cap = sizeof(cfg->director_key);
			break;
		case 'C': dst = cfg->tls_cert; cap = sizeof(cfg->tls_cert); break;
		case 'K': dst = cfg->tls_key; cap = sizeof(cfg->tls_key); break;
		case 'T': dst = cfg->tls_ca; cap = sizeof(cfg->tls_ca); break;
		case 'u': user = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'P': cred = optarg; break;
		case 'O': owner = optarg; break;
		case 'r':
			if (!cfg_role_parse(optarg, &cfg->role)) {
				fprintf(stderr, "wijknetd init: unknown role '%s'\n",
				    optarg);
				goto out;
			}
			break;
		case 'U':
			if (!wn_parse_u64(optarg, UINT32_MAX - 1, &uid)) {
				fprintf(stderr, "wijknetd init: bad uid '%s'\n", optarg);
				goto out;
			}
			break;
		case 'k':
			if (!sec_kdf_level_parse(optarg, &kdf)) {
				fprintf(stderr, "wijknetd init: unknown kdf level "
				    "'%s'\n", optarg);
				goto out;
			}
			break;
		case 'h':
			usage_init(stdout);
			status = 0;
			goto out;
		default:
			usage_init(stderr);
			goto out;
		}
		if (dst != NULL && (got = wn_strlcpy(dst, optarg, cap)) >= cap) {
			fprintf(stderr, "wijknetd init: %s is too long\n",
			    argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc || !cfg->data_dir[0] || !cfg->org_id[0] ||
	    !cfg->org_name[0] || !cfg->listen[0] || (int)cfg->role < 0) {
		fprintf(stderr, "wijknetd init: --data, --org-id, --org-name, "
				"--role and --listen are required\n");
		usage_init(stderr);
		goto out;
	}
	/* the name is stored in NFC, as the config parser reads it */
	if (wn_text_nfc(cfg->org_name, strlen(cfg->org_name), cfg->org_name,
		sizeof(cfg->org_name), NULL) != WN_OK) {
		fprintf(stderr, "wijknetd init: --org-name must be UTF-8 text "
				"of at most %zu bytes\n", sizeof(cfg->org_name) - 1);
		goto out;
	}
	status = 1;
	if (cfg->data_dir[0] != '/') {
		char cwd[2048], abs[4096];
		if (getcwd(cwd, sizeof(cwd)) == NULL ||
		    !node_path(abs, sizeof(abs), cwd, cfg->data_dir) ||
		    wn_strlcpy(cfg->data_dir, abs, sizeof(cfg->data_dir)) >=
			sizeof(cfg->data_dir)) {
			fprintf(stderr, "wijknetd init: data path too long\n");
			goto out;
		}
	}
	wn_strlcpy(cfg->users[0].name, user && *user ? user : "admin",
	    sizeof(cfg->users[0].name));
	cfg->users[0].uid = (uint32_t)uid;
	cfg->users[0].role = CFG_USER_ADMINISTRATOR;
	cfg->nusers = 1;
	if (cred != NULL && pass_file == NULL) {
		fprintf(stderr, "wijknetd init: --passphrase-credential needs "
				"--passphrase-file: init reads the passphrase from that "
				"file, the daemon from the credential\n");
		status = 2;
		goto out;
	}
	if (cred != NULL) {
		cfg->pass_source = CFG_PASS_CREDENTIAL;
		if (wn_strlcpy(cfg->pass_name, cred, sizeof(cfg->pass_name)) >=
		    sizeof(cfg->pass_name)) {
			fprintf(stderr, "wijknetd init: --passphrase-credential "
					"is too long\n");
			status = 2;
			goto out;
		}
	}
	if (pass_file != NULL) {
		if (cred == NULL)
			cfg->pass_source = CFG_PASS_FILE;
		if (pass_file[0] == '/')
			wn_strlcpy(pass_abs, pass_file, sizeof(pass_abs));
		else if (realpath(pass_file, pass_abs) == NULL) {
			fprintf(stderr, "wijknetd init: %s: %s\n", pass_file,
			    strerror(errno));
			goto out;
		}
		if (cred == NULL && wn_strlcpy(cfg->pass_path, pass_abs,
					sizeof(cfg->pass_path)) >=
			sizeof(cfg->pass_path)) {
			fprintf(stderr, "wijknetd init: %s: path too long\n",
			    pass_file);
			goto out;
		}
	} else {
		cfg->pass_source = CFG_PASS_PROMPT;
	}
	/* validate through the config parser before touching the disk, so
	 * a bad value gets the same message as in a file */
	if (cfg_node_check(cfg, "wijknetd init", err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "%s\n", err);
		status = 2;
		goto out;
	}
	if (kdf == SEC_KDF_INTERACTIVE)
		fprintf(stderr, "wijknetd init: warning: --kdf interactive makes "
				"a stolen key file quick to try passphrases on; it is "
				"for tests and demos, a real node uses moderate (the "
				"default) or sensitive\n");
	if (owner != NULL && find_owner(owner, &own_uid, &own_gid, err,
				 sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	become = own_uid != geteuid();
	if (become && geteuid() != 0) {
		fprintf(stderr, "wijknetd init: --owner %s: only root can create "
				"a node for another user\n", owner);
		goto out;
	}
	/* A file the config names is read as the owner, as the daemon will
	 * (so it must be the owner's); any other passphrase now, as the
	 * caller: a credential's file is root's, and so is the terminal. */
	if ((!become || cfg->pass_source != CFG_PASS_FILE) &&
	    read_init_passphrase(pass_file != NULL ? pass_abs : NULL, &pass,
		err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}

	if (make_parents(cfg->data_dir, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "wijknetd init: %s: %s\n", cfg->data_dir,
		    strerror(errno));
		goto out;
	}
	if (open_dir(cfg->data_dir, &dir_fd, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	if (faccessat(dir_fd, NODE_KEY_FILE, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	    !node_path(path, sizeof(path), cfg->data_dir, NODE_KEY_FILE)) {
		fprintf(stderr, "wijknetd init: %s already holds a node; "
				"refusing to overwrite it\n",
		    cfg->data_dir);
		goto out;
	}
	/* on the folder opened above, whatever its path now names */
	if (fchmod(dir_fd, 0700) != 0 ||
	    (owner != NULL && fchown(dir_fd, own_uid, own_gid) != 0)) {
		fprintf(stderr, "wijknetd init: %s: %s\n", cfg->data_dir,
		    strerror(errno));
		goto out;
	}
	/* everything in the folder is made by its owner */
	if (become && become_owner(owner, own_uid, own_gid, err,
			  sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	if (become && access(cfg->data_dir, R_OK | W_OK | X_OK) != 0) {
		fprintf(stderr, "wijknetd init: %s: the user %s cannot reach "
				"it (%s): every folder above it must let %s "
				"through (mode 0755, or 0711)\n",
		    cfg->data_dir, owner, strerror(errno), owner);
		goto out;
	}
	if (pass == NULL && read_init_passphrase(pass_abs, &pass, err,
				sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	if (sec_identity_create(path, pass, kdf, &id, err, sizeof(err)) !=
	    WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	if (!node_path(path, sizeof(path), cfg->data_dir, NODE_DB_FILE) ||
	    node_store_open(path, id, true, &store, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	char created[24];
	/* whole seconds, as the store has always kept it */
	snprintf(created, sizeof(created), "%lld",
	    (long long)(wn_now_ms() / 1000 * 1000));
	/* the director it is made for, pinned in the store (pin_director) */
	char pin[2 * 32 + 1] = "none";
	uint8_t dpk[32];
	if (cfg->director_key[0] != '\0') {
		if (!sec_unhex(dpk, sizeof(dpk), cfg->director_key)) {
			fprintf(stderr, "wijknetd init: --director-key is not 64 "
					"hex digits\n");
			goto out;
		}
		sec_hex(pin, sizeof(pin), dpk, sizeof(dpk));
	}
	if (node_store_begin(store) != WN_OK ||
	    node_store_meta_put(store, "created_ms", created) != WN_OK ||
	    node_store_meta_put(store, DIRECTOR_PIN, pin) != WN_OK ||
	    node_audit_append(store, cfg->users[0].name, "node.init",
		cfg->org_id, cfg_role_name(cfg->role)) != WN_OK ||
	    node_store_commit(store) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", node_store_errmsg(store));
		goto out;
	}
	if (!node_path(path, sizeof(path), cfg->data_dir, NODE_CONF_FILE) ||
	    cfg_node_write(cfg, path, false, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd init: %s\n", err);
		goto out;
	}
	char fp[SEC_FINGERPRINT_LEN];
	sec_fingerprint(sec_identity_public(id), fp);
	printf("created node %s (%s) in %s\nconfig: %s\nfingerprint: %s\n",
	    cfg->org_id, cfg_role_name(cfg->role), cfg->data_dir, path, fp);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	node_store_close(store);
	sec_identity_free(id);
	sec_secret_free(pass);
	if (dir_fd >= 0)
		close(dir_fd);
	free(cfg);
	return status;
}

static void
usage_run(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd run [--config FILE] [--ready-fd FD]\n"
	    "                    [--accept-rollback REASON]\n"
	    "                    [--accept-unchecked REASON]\n"
	    "                    [--accept-director-key REASON]\n"
	    "\n"
	    "Unlocks the node and serves until SIGTERM or SIGINT. A missing or\n"
	    "empty store (node.db) is refused, never replaced: only init creates one.\n"
	    "  --config FILE   node config (default /etc/wijknet/wijknet.conf)\n"
	    "  --ready-fd FD   write \"ready\\n\" to FD and close it once serving\n"
	    "  --accept-rollback REASON\n"
	    "                  serve even though the audit chain is behind the\n"
	    "                  head a checker holds (a restored backup); REASON\n"
	    "                  goes into the audit log, and the peers are asked\n"
	    "                  to send again what took data away since the copy\n"
	    "  --accept-unchecked REASON\n"
	    "                  serve and send at once even though none of the\n"
	    "                  nodes that check this node's audit chain answers;\n"
	    "                  without it the node starts receive-only (it sends\n"
	    "                  nothing until one answers); REASON is audited\n"
	    "  --accept-director-key REASON\n"
	    "                  serve even though the config names another\n"
	    "                  director key than the one this node's store\n"
	    "                  pinned (a director that really changed its\n"
	    "                  key); the new one is pinned, REASON audited\n"
	    "Exit status 0 after SIGTERM, 1 on failure, 2 on a usage error, 3 when\n"
	    "the passphrase is wrong or cannot be read, 4 when the store is an\n"
	    "older copy (a rollback: the start refused, or found while\n"
	    "receive-only); wijknetd.service does not restart after 3 or 4.\n");
}

/* load_node reads the config and unlocks identity and store: the common
 * start of run and audit-verify. 0, or the exit status: 1, or
 * NODE_EXIT_PASSPHRASE when the passphrase is wrong or cannot be read. */
static int
load_node(struct node *n, const char *cfg_path, char *err, size_t errlen)
{
	struct sec_secret *pass = NULL;
	char path[4096];
	wn_err rc;
	int status = 1;

	wn_strlcpy(n->cfg_path, cfg_path, sizeof(n->cfg_path));
	if (cfg_node_load(cfg_path, &n->cfg, err, errlen) != WN_OK)
		return 1;
	wn_log_set_level(n->cfg.log_level);
	if (lock_data_dir(n->cfg.data_dir, &n->lock_fd, err, errlen) != WN_OK)
		return 1;
	if (node_read_passphrase(&n->cfg, &pass, err, errlen) != WN_OK)
		return NODE_EXIT_PASSPHRASE;
	node_path(path, sizeof(path), n->cfg.data_dir, NODE_KEY_FILE);
	rc = sec_identity_unlock(path, pass, &n->id, err, errlen);
	if (rc != WN_OK) {
		sec_secret_free(pass);
		node_record_unlock_failure(n->cfg.data_dir, wn_strerror(rc));
		return rc == WN_EAUTH ? NODE_EXIT_PASSPHRASE : 1;
	}
	/* the next keys of a key rotation under way, if any */
	rc = node_key_rotation_resume(n, pass, err, errlen);
	sec_secret_free(pass);
	if (rc != WN_OK)
		return 1;
	node_path(path, sizeof(path), n->cfg.data_dir, NODE_DB_FILE);
	if (node_store_open(path, n->id, false, &n->store, err, errlen) !=
	    WN_OK)
		return 1;
	if (node_store_check(n->store, err, errlen) != WN_OK ||
	    node_store_checkpointer_start(n->store, n->id, err, errlen) !=
		WN_OK)
		return 1;
	if (node_exchange_init(n) != WN_OK) {
		snprintf(err, errlen, "out of memory");
		return 1;
	}
	if (node_tls_init(n, err, errlen) != WN_OK)
		return 1;
	n->is_director = n->cfg.director_key[0] == '\0';
	if (!n->is_director &&
	    !sec_unhex(n->director_pk, sizeof(n->director_pk),
		n->cfg.director_key)) {
		snprintf(err, errlen, "%s: director_key is not 64 hex digits",
		    cfg_path);
		return 1;
	}
	if (!n->is_director &&
	    memcmp(n->director_pk, sec_identity_public(n->id)->sign_pk, 32) ==
		0)
		n->is_director = true;
	if (node_root_start(n, err, errlen) != WN_OK)
		return 1;
	if (node_import_unlock_failures(n->store, n->cfg.data_dir) != WN_OK)
		wn_log(WN_LOG_WARN, "could not import recorded unlock failures");
	status = 0;
	return status;
}

/* director_pin_value, pin_director: see DIRECTOR_PIN */

/* director_pin_value: what the config says, as it is pinned */
static void
director_pin_value(const struct node *n, char out[2 * 32 + 1])
{
	if (n->cfg.director_key[0] == '\0')
		wn_strlcpy(out, "none", 2 * 32 + 1);
	else
		sec_hex(out, 2 * 32 + 1, n->director_pk, 32);
}

/* pin_director checks the config's director against the one the store
 * pinned (a start: the first one pins it, audited). A different one
 * refuses the start (WN_EDENIED, audited, the reason in err) unless the
 * operator accepts it (accept: the reason, audited with both keys). */
static wn_err
pin_director(struct node *n, const char *accept, char *err, size_t errlen)
{
	char held[80] = "", want[2 * 32 + 1], detail[400];
	director_pin_value(n, want);
	bool have = node_store_meta_get(n->store, DIRECTOR_PIN, held,
	    sizeof(held));
	if (have && strcmp(held, want) == 0) {
		if (accept != NULL)
			wn_log(WN_LOG_WARN, "--accept-director-key: the config "
			    "names the director this node pinned; nothing to "
			    "accept");
		return WN_OK;
	}
	if (have && accept == NULL) {
		char says[96], pinned[96];
		if (strcmp(want, "none") == 0)
			wn_strlcpy(says, "no director (this node would be one)",
			    sizeof(says));
		else
			snprintf(says, sizeof(says), "director key %.16s..",
			    want);
		if (strcmp(held, "none") == 0)
			wn_strlcpy(pinned, "no director (this node is one)",
			    sizeof(pinned));
		else
			snprintf(pinned, sizeof(pinned), "director key %.16s..",
			    held);
		snprintf(err, errlen, "%s names %s, but this node's store "
		    "pinned %s: a node does not change federation by its "
		    "config. If the director's key really changed, start once "
		    "with --accept-director-key REASON (audited)", n->cfg_path,
		    says, pinned);
		if (node_audit_append(n->store, "system", "director.refused",
			n->cfg.org_id, err) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot audit the refusal");
		return WN_EDENIED;
	}
	if (have)
		snprintf(detail, sizeof(detail), "director key changed from %s "
		    "to %s by the operator: %s", held, want, accept);
	else
		snprintf(detail, sizeof(detail), "director key %s pinned at "
		    "the first start", want);
	if (node_store_begin(n->store) != WN_OK ||
	    node_store_meta_put(n->store, DIRECTOR_PIN, want) != WN_OK ||
	    node_audit_append(n->store, "system", have ? "director.repinned"
						       : "director.pinned",
		n->cfg.org_id, detail) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		snprintf(err, errlen, "cannot pin the director key: %s",
		    node_store_errmsg(n->store));
		return WN_EDB;
	}
	wn_log(have ? WN_LOG_WARN : WN_LOG_INFO, "%s", detail);
	return WN_OK;
}

static void
unload_node(struct node *n)
{
	node_root_free(n);
	node_exchange_fini(n); /* and node_tls_fini */
	node_store_close(n->store);
	n->store = NULL;
	sec_identity_free(n->next_id);
	n->next_id = NULL;
	sec_identity_free(n->id);
	n->id = NULL;
	if (n->lock_fd >= 0)
		close(n->lock_fd);
	n->lock_fd = -1;
}

int
node_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"ready-fd", required_argument, NULL, 'r'},
	    {"accept-rollback", required_argument, NULL, 'A'},
	    {"accept-unchecked", required_argument, NULL, 'U'},
	    {"accept-director-key", required_argument, NULL, 'K'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cfg_path = "/etc/wijknet/wijknet.conf";
	const char *accept_rollback = NULL, *accept_director = NULL,
		   *accept_unchecked = NULL;
	uint64_t ready_fd = UINT64_MAX;
	char err[2048];
	int c, status = 1;
	struct node *n = calloc(1, sizeof(*n));
	sigset_t sigs;

	if (n == NULL)
		return 1;
	n->lock_fd = -1;
	pthread_mutex_init(&n->mtx, NULL);
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'A':
			accept_rollback = optarg;
			break;
		case 'U':
			accept_unchecked = optarg;
			if (*optarg == '\0') {
				fprintf(stderr, "wijknetd: --accept-unchecked "
				    "needs a reason, for the audit log\n");
				status = 2;
				goto out;
			}
			break;
		case 'K':
			accept_director = optarg;
			break;
		case 'r':
			if (!wn_parse_u64(optarg, 1024, &ready_fd)) {
				fprintf(stderr, "wijknetd: bad --ready-fd\n");
				status = 2;
				goto out;
			}
			break;
		case 'h':
			usage_run(stdout);
			status = 0;
			goto out;
		default:
			usage_run(stderr);
			status = 2;
			goto out;
		}
	}
	if (optind != argc) {
		usage_run(stderr);
		status = 2;
		goto out;
	}
	umask(077);
	/* main() turned core dumps off before anything else (main.c,
	 * harden); the log says how it stands. Only the tests' build
	 * (WN_TEST_HOOKS) can leave them on, and then warns. */
	struct rlimit core;
	int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	if (getrlimit(RLIMIT_CORE, &core) == 0 && core.rlim_cur == 0 &&
	    core.rlim_max == 0 && dumpable == 0)
		wn_log(WN_LOG_INFO, "core dumps off: core size 0, not "
				    "dumpable (%d)", dumpable);
	else
		wn_log(WN_LOG_WARN, "core dumps ON (dumpable %d): the hook "
				    "of a test build", dumpable);
	/* blocked here, before nng starts threads, so only sigtimedwait
	 * below sees them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* past a file size limit, writes fail (the store says the disk is
	 * full) instead of the process being killed */
	signal(SIGXFSZ, SIG_IGN);

	if ((status = load_node(n, cfg_path, err, sizeof(err))) != 0) {
		wn_log(WN_LOG_ERROR, "%s", err);
		goto out;
	}
	status = 1;
	if (pin_director(n, accept_director, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		goto out;
	}
	n->started_ms = wn_mono_ms();
	pthread_mutex_lock(&n->mtx);
	wn_err crc = node_peers_load(n);
	if (crc == WN_OK)
		crc = node_chain_check(n, accept_rollback, accept_unchecked,
		    err, sizeof(err));
	pthread_mutex_unlock(&n->mtx);
	if (crc != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", crc == WN_ECORRUPT ? err
							   : "cannot check the audit chain");
		if (node_audit_append(n->store, "system", "chain.refused",
			n->cfg.org_id, err) != WN_OK)
			wn_log(WN_LOG_ERROR, "cannot audit the refusal");
		if (crc == WN_ECORRUPT)
			status = NODE_EXIT_ROLLBACK;
		goto out;
	}
	if (node_store_begin(n->store) != WN_OK ||
	    node_audit_append(n->store, "system", "key.unlock", NODE_KEY_FILE,
		"identity unlocked") != WN_OK ||
	    node_audit_append(n->store, "system", "node.start", n->cfg.org_id,
		"pid and version in the log") != WN_OK ||
	    node_root_publish(n) != WN_OK ||
	    node_store_commit(n->store) != WN_OK) {
		wn_log(WN_LOG_ERROR, "cannot write the audit log: %s",
		    node_store_errmsg(n->store));
		goto out;
	}
	/* the rooms' message types, hooks and commands, before anything is
	 * served */
	node_ctl_register_daemon();
	node_exchange_room_register();
	node_need_room_register();
	node_work_room_register();
	node_subject_room_register();
	node_concern_room_register();
	node_alert_room_register();
	if (node_need_start(n) != WN_OK || node_alert_start(n) != WN_OK) {
		wn_log(WN_LOG_ERROR, "out of memory");
		goto out;
	}
	/* the alerts' mail (node/alert/mail.c): its own thread, from the
	 * queue an earlier run left too */
	if (node_mail_start(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		goto out;
	}
	/* a restored copy, or one accepted as rolled back, asks its peers
	 * for what took data away since. A receive-only node asks once a
	 * checker vouches (chain.c, receive_only_end): a rollback accepted
	 * then moves its sequence numbers, and a request queued before
	 * would go out under numbers its peers refuse as replays */
	int64_t ro_since;
	char ro_why[8];
	pthread_mutex_lock(&n->mtx);
	crc = node_chain_receive_only(n, &ro_since, ro_why, sizeof(ro_why))
	    ? WN_OK : node_resync_ask(n);
	pthread_mutex_unlock(&n->mtx);
	if (crc != WN_OK) {
		wn_log(WN_LOG_ERROR, "cannot ask the peers to resync: %s",
		    node_store_errmsg(n->store));
		goto out;
	}
	if (node_ctl_start(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		goto out;
	}
	if (node_alert_sock_start(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		node_alert_sock_stop(n);
		node_ctl_stop(n);
		goto out;
	}
	if (node_peer_start(n, err, sizeof(err)) != WN_OK) {
		wn_log(WN_LOG_ERROR, "%s", err);
		node_alert_sock_stop(n);
		node_ctl_stop(n);
		node_peer_stop(n);
		goto out;
	}
	char fp[SEC_FINGERPRINT_LEN];
	sec_fingerprint(sec_identity_public(n->id), fp);
	wn_log(WN_LOG_INFO, "node %s (%s%s) serving on %s; control %s; "
			    "fingerprint %s",
	    n->cfg.org_id, cfg_role_name(n->cfg.role),
	    n->is_director ? ", director" : "", n->cfg.listen, n->d->ctl_url, fp);
	const char *hang = getenv("WIJKNET_TEST_CLOSE_HANG");
	if (hang != NULL)
		wn_log(WN_LOG_WARN, "test hook WIJKNET_TEST_CLOSE_HANG is set: "
		    "the close of the %s and of every socket after it will hang",
		    hang);
	if (ready_fd != UINT64_MAX) {
		if (write((int)ready_fd, "ready\n", 6) != 6)
			wn_log(WN_LOG_WARN, "cannot write to --ready-fd");
		close((int)ready_fd);
	}
	for (;;) {
		struct timespec ts = {HEALTH_CHECK_MS / 1000,
		    (HEALTH_CHECK_MS % 1000) * 1000000L};
		int sig = sigtimedwait(&sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT) {
			wn_log(WN_LOG_INFO, "signal %d: stopping", sig);
			break;
		}
		if (sig < 0 && errno == EAGAIN) {
			node_ctl_check(n);
			node_alert_sock_check(n);
		}
		/* the followers waiting for alerts (node/alert/alert.c) */
		node_alert_tick(n);
		/* what the rooms do by themselves (core/periodic.c) */
		if (node_periodic_run(n))
			node_peer_kick(n);
	}
	/* no control request may run while peers are torn down; no
	 * follower waits once the alert socket is closed */
	node_alert_sock_stop(n);
	node_alert_stop(n);
	node_ctl_stop(n);
	node_peer_stop(n);
	node_mail_stop(n);
	long held = node_peer_msgs_held(n);
	if (held != 0)
		wn_log(WN_LOG_ERROR, "%ld messages to partners were neither "
		    "sent nor freed: a defect, please report it", held);
	/* audit records held while the disk was full: their last chance */
	if (node_ctl_flush_held(n) != WN_OK)
		wn_log(WN_LOG_ERROR, "%zu audit records held in memory while "
		    "the disk was full are lost: there is still no room (%s)",
		    node_ctl_held_count(n), node_store_errmsg(n->store));
	node_ctl_held_free(n);
	/* a rollback a recheck found (while receive-only, or of a checker
	 * that had not answered at start) stopped it: as a refused start,
	 * its own exit status */
	const char *refused = node_chain_refused(n);
	if (node_audit_append(n->store, "system", "node.stop", n->cfg.org_id,
		refused ? refused : "clean shutdown") != WN_OK)
		wn_log(WN_LOG_ERROR, "cannot audit the stop");
	status = refused != NULL ? NODE_EXIT_ROLLBACK : held == 0 ? 0 : 1;
out:
	/* a start refused after the peer table was loaded (a rolled back
	 * chain, no audit, no control socket) frees it here; after a stop
	 * there is nothing left to free */
	node_peer_stop(n);
	node_ctl_held_free(n);
	node_alert_sock_stop(n);
	node_alert_stop(n);
	node_mail_stop(n);
	node_ctl_free(n);
	node_need_stop(n);
	if (node_sockets_abandoned()) {
		/* a socket nng could not close (node_socket_close) may still
		 * call into the TLS checks and the tables it reaches (the
		 * exchange's state, n->ex, is not freed), and nng_fini would
		 * wait for it for good: close the store, wipe the keys and end
		 * here, with what has been done saved */
		node_store_close(n->store);
		node_tls_fini(n);
		sec_identity_free(n->next_id);
		sec_identity_free(n->id);
		wn_log(WN_LOG_INFO, "stopped; the network library's threads "
				    "end with the process");
		_exit(status);
	}
	unload_node(n);
	pthread_mutex_destroy(&n->mtx);
	free(n);
	nng_fini();
	return status;
}

int
node_cmd_audit_verify(int argc, char **argv)
{
	const char *cfg_path = "/etc/wijknet/wijknet.conf";
	char err[1024], why[256];
	int64_t count = 0, bad = 0;
	struct node *n = calloc(1, sizeof(*n));
	int status = 1, c;
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	if (n == NULL)
		return 1;
	n->lock_fd = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (c == 'c') {
			cfg_path = optarg;
		} else {
			fprintf(c == 'h' ? stdout : stderr,
			    "usage: wijknetd audit-verify [--config FILE]\n"
			    "Verifies the audit chain of a stopped node.\n");
			status = c == 'h' ? 0 : 2;
			goto out;
		}
	}
	if ((status = load_node(n, cfg_path, err, sizeof(err))) != 0) {
		fprintf(stderr, "wijknetd: %s\n", err);
		goto out;
	}
	status = 1;
	wn_err rc = node_audit_verify(n->store, &count, &bad, why, sizeof(why));
	if (rc == WN_OK) {
		printf("audit chain intact: %lld records\n", (long long)count);
		status = 0;
	} else if (rc == WN_ECORRUPT) {
		printf("audit chain broken at record %lld: %s\n",
		    (long long)bad, why);
	} else {
		fprintf(stderr, "wijknetd: %s\n", why);
	}
out:
	unload_node(n);
	free(n);
	return status;
}

int
node_cmd_public(int argc, char **argv)
{
	struct cfg_node *cfg = calloc(1, sizeof(*cfg));
	struct sec_public pub;
	char err[1024], path[4096], fp[SEC_FINGERPRINT_LEN];
	char sign_hex[65], kx_hex[65];
	int status = 1;
	if (cfg == NULL)
		return 1;
	if (argc != 3 || (strcmp(argv[1], "--config") != 0 &&
			     strcmp(argv[1], "-c") != 0)) {
		fprintf(stderr, "usage: wijknetd public --config FILE\n"
				"Prints the node's public key bundle.\n");
		status = 2;
		goto out;
	}
	if (cfg_node_load(argv[2], cfg, err, sizeof(err)) != WN_OK ||
	    !node_path(path, sizeof(path), cfg->data_dir, NODE_KEY_FILE) ||
	    sec_public_read(path, &pub, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd: %s\n", err);
		goto out;
	}
	sec_fingerprint(&pub, fp);
	sec_hex(sign_hex, sizeof(sign_hex), pub.sign_pk, 32);
	sec_hex(kx_hex, sizeof(kx_hex), pub.kx_pk, 32);
	printf("org_id = %s\nname = %s\nrole = %s\nendpoint = %s\n"
	       "sign_key = %s\nkx_key = %s\nfingerprint = %s\n",
	    cfg->org_id, cfg->org_name, cfg_role_name(cfg->role), cfg->listen,
	    sign_hex, kx_hex, fp);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	free(cfg);
	return status;
}
