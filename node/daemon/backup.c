/*
 * backup.c - wijknetd backup and wijknetd restore.
 *
 * backup unlocks the node's key file (the passphrase from where the config
 * says, or --passphrase-file), opens the store with a connection of its
 * own beside the running daemon (WAL: the daemon goes on serving; without
 * migrating it, and only at this binary's schema version) and
 * copies it as one snapshot (node_store_backup: re-encrypted page by page
 * with the same key, never in plain text). The node's config goes into the
 * copy's meta table, inside its encryption. The file it writes:
 *
 *   [the store copy: db_len bytes][the key file: key_len bytes][trailer]
 *   trailer: BACKUP_MAGIC (16 bytes), db_len, key_len (8 bytes each, big
 *   endian)
 *
 * or, while a key rotation is under way (rotate.c: the next keys in
 * NODE_KEY_NEXT_FILE until a charter names them):
 *
 *   [the store copy][the key file][the next key file: next_len bytes]
 *   [trailer: BACKUP_MAGIC_NEXT (16 bytes), db_len, key_len, next_len]
 *
 * The key files are kept as they are in the data folder: encrypted with
 * the passphrase (Argon2id). They are read before the store is copied and
 * again after: a rotation that began or ended meanwhile (the files no
 * longer those the copy goes with) writes no backup. The backup is written
 * to a temporary file beside FILE (mode 0600), fsynced, renamed over FILE and the folder fsynced; on any
 * failure (a full disk) the temporary file is removed and FILE is left as
 * it was. Not in the backup: the TLS certificate and key and the
 * passphrase file (they live outside the data folder; back them up with
 * the machine's configuration).
 *
 * restore unpacks such a file into a new data folder (made here, or an
 * empty one of the caller's that only it may write in, checked again just
 * before the store is opened: folder_check): the key file, the
 * store (checked: it opens with the key from the passphrase, its pages
 * authenticate, its audit chain verifies) and the config, its data_dir
 * set to the new folder. It records node.restore in the audit log and
 * marks the store with the backup's time (NODE_RESYNC_KEY). Its first
 * start asks its checkers for the chain head they hold: a copy behind it
 * is refused until the operator accepts it (chain.c); the start that goes
 * on asks every peer to send again what took data away since that time
 * (exchange/resync.c).
 */
#include "node/daemon/daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BACKUP_MAGIC "WIJKNET-BACKUP\0\1"
#define BACKUP_MAGIC_NEXT "WIJKNET-BACKUP\0\2" /* with the next key file */
#define BACKUP_MAGIC_LEN 16
#define BACKUP_TRAILER (BACKUP_MAGIC_LEN + 16)
#define BACKUP_TRAILER_NEXT (BACKUP_MAGIC_LEN + 24)
#define BACKUP_KEY_MAX (64u << 10)
#define META_CONFIG "backup.config"
#define META_MADE "backup.made_ms"
#define META_SEQ "backup.audit_seq"

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* read_all reads a whole small file (at most max bytes) into a new buffer */
static wn_err
read_all(const char *path, size_t max, char **out, size_t *len, char *err,
    size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	wn_err rc = WN_EIO;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((size_t)st.st_size > max) {
		snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r <= 0) {
			snprintf(err, errlen, "%s: %s", path,
			    r < 0 ? strerror(errno) : "shorter than it was");
			goto out;
		}
		got += (size_t)r;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = WN_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* key_files reads the key file and, while a key rotation is under way,
 * the next key file (*next NULL, *next_len 0 without one) */
static wn_err
key_files(const char *dir, char **key, size_t *key_len, char **next,
    size_t *next_len, char *err, size_t errlen)
{
	char path[4096];
	wn_err rc;
	*key = *next = NULL;
	*key_len = *next_len = 0;
	if (!node_path(path, sizeof(path), dir, NODE_KEY_FILE)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return WN_ECONFIG;
	}
	if ((rc = read_all(path, BACKUP_KEY_MAX, key, key_len, err, errlen)) !=
	    WN_OK)
		return rc;
	if (!node_path(path, sizeof(path), dir, NODE_KEY_NEXT_FILE)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return WN_ECONFIG;
	}
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return WN_OK;
	return read_all(path, BACKUP_KEY_MAX, next, next_len, err, errlen);
}

static bool
same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool
write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;
	while (len > 0) {
		ssize_t w = write(fd, b, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		len -= (size_t)w;
	}
	return true;
}

static bool
no_room(int e)
{
	return e == ENOSPC || e == EFBIG || e == EDQUOT;
}

static void
fsync_dir_of(const char *path)
{
	char buf[4096];
	wn_strlcpy(buf, path, sizeof(buf));
	int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* human_time: a date a person reads, in UTC */
static void
human_time(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, cap, "%lld ms", (long long)ms);
}

struct progress {
	bool tty;
	int last; /* percent shown, -1: none */
};

static void
show_progress(void *arg, int64_t done, int64_t total)
{
	struct progress *p = arg;
	if (!p->tty || total <= 0)
		return;
	int pct = (int)(done * 100 / total);
	if (pct == p->last)
		return;
	p->last = pct;
	fprintf(stderr, "\rcopying the store: %lld of %lld MiB (%d%%)",
	    (long long)(done * 4096 >> 20), (long long)(total * 4096 >> 20),
	    pct);
	fflush(stderr);
}

static void
usage_backup(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd backup --out FILE [--config FILE | --data DIR]\n"
	    "                       [--passphrase-file FILE]\n"
	    "\n"
	    "Writes a consistent copy of the node's store, taken while the node\n"
	    "runs (or not), to FILE: encrypted with the store's own key, with the\n"
	    "node's key file (encrypted with its passphrase; during a key rotation\n"
	    "the next key file too) and its config (inside the store's\n"
	    "encryption). FILE is written beside itself and renamed into place\n"
	    "(mode 0600): a failure (a full disk) leaves no partial file. Not in\n"
	    "it: the TLS certificate, key and CA, and the passphrase.\n"
	    "The store is not migrated: one of another schema version than this\n"
	    "wijknetd's (upgraded, the daemon not restarted yet) is refused.\n"
	    "\n"
	    "  --out FILE             the backup to write (replaced if it exists)\n"
	    "  --config FILE          node config (default /etc/wijknet/wijknet.conf)\n"
	    "  --data DIR             the config DIR/" NODE_CONF_FILE "\n"
	    "  --passphrase-file FILE read the passphrase from FILE instead of where\n"
	    "                         the config says (a systemd credential is only\n"
	    "                         readable by the service)\n"
	    "Exit status 0 when written, 1 on failure, 2 on a usage error, 3 when\n"
	    "the passphrase is wrong or cannot be read.\n");
}

int
node_cmd_backup(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"config", required_argument, NULL, 'c'},
	    {"data", required_argument, NULL, 'd'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out_path = NULL, *pass_file = NULL;
	char cfg_path[4096] = "/etc/wijknet/wijknet.conf";
	char err[1024], path[4096], tmp[4200], made[24], seqs[24];
	struct cfg_node *cfg = calloc(1, sizeof(*cfg));
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	struct node_store *store = NULL;
	char *conf = NULL, *key = NULL, *next = NULL, *key2 = NULL;
	char *next2 = NULL;
	size_t conf_len = 0, key_len = 0, next_len = 0, key2_len, next2_len;
	int status = 2, c, fd = -1;
	bool made_tmp = false;

	if (cfg == NULL)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out_path = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'c': wn_strlcpy(cfg_path, optarg, sizeof(cfg_path)); break;
		case 'd':
			if (!node_path(cfg_path, sizeof(cfg_path), optarg,
				NODE_CONF_FILE))
				goto usage;
			break;
		case 'h':
			usage_backup(stdout);
			status = 0;
			goto out;
		default:
			goto usage;
		}
	}
	if (optind != argc || out_path == NULL)
		goto usage;
	status = 1;
	umask(077);
	/* past a file size limit a write fails (a full disk), not the process */
	signal(SIGXFSZ, SIG_IGN);
	if (cfg_node_load(cfg_path, cfg, err, sizeof(err)) != WN_OK ||
	    read_all(cfg_path, CFG_FILE_MAX, &conf, &conf_len, err,
		sizeof(err)) != WN_OK ||
	    key_files(cfg->data_dir, &key, &key_len, &next, &next_len, err,
		sizeof(err)) != WN_OK ||
	    !node_path(path, sizeof(path), cfg->data_dir, NODE_KEY_FILE)) {
		fprintf(stderr, "wijknetd backup: %s\n", err);
		goto out;
	}
	/* files it makes in the data folder (the store's WAL and shared
	 * memory while the daemon is stopped, a recorded unlock failure) must
	 * be the daemon's: run as the folder's owner only */
	struct stat dst;
	if (stat(cfg->data_dir, &dst) != 0) {
		fprintf(stderr, "wijknetd backup: %s: %s\n", cfg->data_dir,
		    strerror(errno));
		goto out;
	}
	if (dst.st_uid != geteuid()) {
		fprintf(stderr, "wijknetd backup: %s: run backup as the user "
				"who owns the data folder (uid %ld), as the daemon "
				"runs: runuser -u USER -- wijknetd backup ...\n",
		    cfg->data_dir, (long)dst.st_uid);
		goto out;
	}
	if ((pass_file != NULL
		    ? sec_passphrase_read_file(pass_file, &pass, err, sizeof(err))
		    : node_read_passphrase(cfg, &pass, err, sizeof(err))) !=
	    WN_OK) {
		fprintf(stderr, "wijknetd backup: %s\n", err);
		status = NODE_EXIT_PASSPHRASE;
		goto out;
	}
	wn_err rc = sec_identity_unlock(path, pass, &id, err, sizeof(err));
	if (rc != WN_OK) {
		node_record_unlock_failure(cfg->data_dir, wn_strerror(rc));
		fprintf(stderr, "wijknetd backup: %s\n", err);
		status = rc == WN_EAUTH ? NODE_EXIT_PASSPHRASE : 1;
		goto out;
	}
	node_path(path, sizeof(path), cfg->data_dir, NODE_DB_FILE);
	/* the daemon may run on it: migrating is the daemon's business (a
	 * package upgraded, the daemon not restarted yet), so a store of
	 * another schema version is refused, not migrated under it */
	if (node_store_open_as_is(path, id, &store, err, sizeof(err)) !=
	    WN_OK) {
		fprintf(stderr, "wijknetd backup: %s\n", err);
		if (strstr(err, "schema version") != NULL)
			fprintf(stderr, "wijknetd backup: back it up with the "
			    "wijknetd the node runs, or restart the node on "
			    "this one first; nothing was written\n");
		goto out;
	}
	/* a unique name beside FILE, so the rename is atomic */
	char dirbuf[4096], basebuf[4096];
	wn_strlcpy(dirbuf, out_path, sizeof(dirbuf));
	wn_strlcpy(basebuf, out_path, sizeof(basebuf));
	int n = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dirname(dirbuf),
	    basename(basebuf));
	if (n < 0 || (size_t)n >= sizeof(tmp) || (fd = mkstemp(tmp)) < 0) {
		fprintf(stderr, "wijknetd backup: %s: %s\n", out_path,
		    n < 0 || (size_t)n >= sizeof(tmp) ? "path too long"
						      : strerror(errno));
		goto out;
	}
	made_tmp = true;
	close(fd);
	fd = -1;
	struct node_audit_head head;
	if (node_audit_head(store, &head) != WN_OK) {
		fprintf(stderr, "wijknetd backup: cannot read the audit chain\n");
		goto out;
	}
	snprintf(made, sizeof(made), "%lld", (long long)wn_now_ms());
	snprintf(seqs, sizeof(seqs), "%lld", (long long)head.seq);
	const char *meta[] = {META_CONFIG, conf, META_MADE, made, META_SEQ,
	    seqs};
	struct progress pg = {.tty = isatty(STDERR_FILENO) == 1, .last = -1};
	rc = node_store_backup(store, id, tmp, meta, WN_ARRAY_LEN(meta) / 2,
	    show_progress, &pg, err, sizeof(err));
	if (pg.last >= 0)
		fputc('\n', stderr);
	if (rc != WN_OK) {
		fprintf(stderr, "wijknetd backup: %s; no backup was written\n",
		    err);
		goto out;
	}
	/* the key files the copy goes with: still those read before it */
	if (key_files(cfg->data_dir, &key2, &key2_len, &next2, &next2_len, err,
		sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd backup: %s; no backup was written\n",
		    err);
		goto out;
	}
	if (!same_bytes(key, key_len, key2, key2_len) ||
	    !same_bytes(next, next_len, next2, next2_len)) {
		fprintf(stderr, "wijknetd backup: the key files changed while "
				"the store was copied (a key rotation began or "
				"ended): no backup was written; run it again\n");
		goto out;
	}
	/* the key files and the trailer after the store's copy */
	struct stat st;
	uint8_t trailer[BACKUP_TRAILER_NEXT];
	size_t tlen = next != NULL ? BACKUP_TRAILER_NEXT : BACKUP_TRAILER;
	if ((fd = open(tmp, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0) {
		fprintf(stderr, "wijknetd backup: %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	/* without a rotation under way, the first layout: a backup an
	 * older wijknetd restores too */
	memcpy(trailer, next != NULL ? BACKUP_MAGIC_NEXT : BACKUP_MAGIC,
	    BACKUP_MAGIC_LEN);
	put_be64(trailer + BACKUP_MAGIC_LEN, (uint64_t)st.st_size);
	put_be64(trailer + BACKUP_MAGIC_LEN + 8, (uint64_t)key_len);
	if (next != NULL)
		put_be64(trailer + BACKUP_MAGIC_LEN + 16, (uint64_t)next_len);
	if (!write_all(fd, key, key_len) ||
	    (next != NULL && !write_all(fd, next, next_len)) ||
	    !write_all(fd, trailer, tlen) || fsync(fd) != 0) {
		int e = errno;
		fprintf(stderr, "wijknetd backup: %s: %s; no backup was "
				"written\n", out_path,
		    no_room(e) ? "the disk is full (or a file size limit was "
				 "reached)" : strerror(e));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		fprintf(stderr, "wijknetd backup: %s: %s\n", tmp,
		    strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, out_path) != 0) {
		fprintf(stderr, "wijknetd backup: %s: %s\n", out_path,
		    strerror(errno));
		goto out;
	}
	made_tmp = false;
	fsync_dir_of(out_path);
	/* the live chain says a copy was made, and up to where */
	char detail[512], when[40];
	human_time(atoll(made), when, sizeof(when));
	snprintf(detail, sizeof(detail), "a copy of the store up to audit "
	    "record %lld, written to %s", (long long)head.seq, out_path);
	if (node_store_begin(store) != WN_OK ||
	    node_audit_append(store, "system", "node.backup", cfg->org_id,
		detail) != WN_OK ||
	    node_store_commit(store) != WN_OK) {
		node_store_rollback(store);
		fprintf(stderr, "wijknetd backup: warning: the backup is "
				"written but not recorded in the audit log\n");
	}
	printf("backup of %s written to %s: %lld bytes, audit chain up to "
	       "record %lld, made %s%s\n", cfg->org_id, out_path,
	    (long long)st.st_size + (long long)key_len + (long long)next_len +
		(long long)tlen,
	    (long long)head.seq, when, next != NULL ? "; with the next keys "
	    "of the key rotation under way" : "");
	status = fflush(stdout) == 0 ? 0 : 1;
	goto out;
usage:
	usage_backup(stderr);
	status = 2;
out:
	if (fd >= 0)
		close(fd);
	if (made_tmp) {
		char j[4300];
		unlink(tmp);
		snprintf(j, sizeof(j), "%s-journal", tmp);
		unlink(j);
	}
	node_store_close(store);
	sec_identity_free(id);
	sec_secret_free(pass);
	free(conf);
	free(key);
	free(next);
	free(key2);
	free(next2);
	free(cfg);
	return status;
}

static void
usage_restore(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd restore --from FILE --data DIR [--passphrase-file FILE]\n"
	    "\n"
	    "Restores a backup written by 'wijknetd backup' into DIR, a new data\n"
	    "folder: it must not exist (restore makes it, mode 0700), or be an\n"
	    "empty folder of the user restoring, not a symbolic link, in which no\n"
	    "one else may write (restore sets it to 0700, as init does). It gets\n"
	    "the key file (and the next key file of a key rotation under way), the\n"
	    "store (checked: it opens with the passphrase, every page\n"
	    "authenticates, the audit chain verifies) and the config\n"
	    "DIR/" NODE_CONF_FILE ", whose data_dir is set to DIR. Start it with\n"
	    "'wijknetd run --config DIR/" NODE_CONF_FILE "'. Its checkers hold how\n"
	    "far its audit chain got: a copy older than that is refused at its\n"
	    "start, saying how many records it misses and since when, until\n"
	    "started with --accept-rollback REASON.\n"
	    "Its first start that goes on asks every peer to send again what took\n"
	    "data away since the backup: the retractions of fields they disclosed\n"
	    "to it, and on the director the members' concerns. What the node did\n"
	    "itself after the backup is not brought back.\n"
	    "\n"
	    "  --from FILE            the backup\n"
	    "  --data DIR             the new data folder (an absolute path is best:\n"
	    "                         it goes into the config)\n"
	    "  --passphrase-file FILE read the node's passphrase from FILE (without\n"
	    "                         it, it is asked on the terminal)\n"
	    "Exit status 0 when restored, 1 on failure (nothing is left in DIR),\n"
	    "2 on a usage error, 3 when the passphrase is wrong or cannot be read.\n");
}

/* unpack_file copies len bytes at off of the backup into a new file path */
static wn_err
unpack_file(int in, off_t off, uint64_t len, const char *path, char *err,
    size_t errlen)
{
	uint8_t buf[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	wn_err rc = WN_EIO;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return WN_EIO;
	}
	while (len > 0) {
		size_t want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		ssize_t r = pread(in, buf, want, off);
		if (r <= 0) {
			snprintf(err, errlen, "the backup is shorter than it says");
			goto out;
		}
		if (!write_all(fd, buf, (size_t)r)) {
			snprintf(err, errlen, "%s: %s", path, no_room(errno)
			    ? "the disk is full" : strerror(errno));
			goto out;
		}
		off += r;
		len -= (uint64_t)r;
	}
	if (fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = WN_OK;
out:
	close(fd);
	return rc;
}

/* remove_made removes what restore made in dir (and dir, if it made it) */
static void
remove_made(const char *dir, bool made_dir)
{
	static const char *const files[] = {NODE_KEY_FILE, NODE_KEY_NEXT_FILE,
	    NODE_DB_FILE,
	    NODE_DB_FILE "-wal", NODE_DB_FILE "-shm", NODE_DB_FILE "-journal",
	    NODE_CONF_FILE};
	char path[4096];
	for (size_t i = 0; i < WN_ARRAY_LEN(files); i++)
		if (node_path(path, sizeof(path), dir, files[i]))
			unlink(path);
	if (made_dir)
		rmdir(dir);
}

/* foreign_entry finds an entry of dir other than ".", ".." and restore's
 * own files so far (the key file; with db, the next key file and the
 * store too): its name into name, true. A folder that cannot be read
 * counts as holding one. */
static bool
foreign_entry(const char *dir, bool db, char *name, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	if (d == NULL) {
		snprintf(name, cap, "(it cannot be read: %s)", strerror(errno));
		return true;
	}
	while (!found && (e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
		    strcmp(n, NODE_KEY_FILE) == 0 ||
		    (db && (strcmp(n, NODE_DB_FILE) == 0 ||
			       strcmp(n, NODE_KEY_NEXT_FILE) == 0)))
			continue;
		wn_strlcpy(name, n, cap);
		/* a name someone else chose goes to a terminal: printable */
		for (char *c = name; *c != '\0'; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		found = true;
	}
	closedir(d);
	return found;
}

/* folder_check checks DIR before restore writes into it and again just
 * before it opens the store there: a folder, not a symbolic link (lstat),
 * the caller's (restore's files are its own, and another user's folder is
 * that user's to fill), in which no one else may write (mode & 022: a
 * link planted as node.db-wal, -shm or -journal would have SQLite, which
 * opens those with O_CREAT, write where it points); with was set, still
 * the folder checked first (the same device and inode). Init leaves a
 * data folder 0700 whatever it was; restore sets an existing one so too
 * (restore_folder), and refuses group or other write rather than taking
 * it away: a folder others could write in may hold what they left. */
static bool
folder_check(const char *dir, const struct stat *was, struct stat *st)
{
	if (lstat(dir, st) != 0) {
		fprintf(stderr, "wijknetd restore: %s: %s\n", dir,
		    strerror(errno));
		return false;
	}
	if (S_ISLNK(st->st_mode)) {
		fprintf(stderr, "wijknetd restore: %s is a symbolic link: "
		    "restore does not follow it; give the folder itself\n", dir);
		return false;
	}
	if (!S_ISDIR(st->st_mode)) {
		fprintf(stderr, "wijknetd restore: %s is not a folder\n", dir);
		return false;
	}
	if (was != NULL &&
	    (st->st_dev != was->st_dev || st->st_ino != was->st_ino)) {
		fprintf(stderr, "wijknetd restore: %s was replaced by another "
		    "folder while restoring: someone else can rename in the "
		    "folder above it; nothing restored\n", dir);
		return false;
	}
	if (st->st_uid != geteuid()) {
		fprintf(stderr, "wijknetd restore: %s belongs to uid %ld, not "
		    "to the user restoring (uid %ld): restore into a folder of "
		    "your own, or a path that does not exist yet (restore "
		    "makes it)\n", dir, (long)st->st_uid, (long)geteuid());
		return false;
	}
	if ((st->st_mode & 022) != 0) {
		fprintf(stderr, "wijknetd restore: %s has mode %04o: others may "
		    "write in it (and leave files the store would open): "
		    "chmod 700 %s first, or give a path that does not exist "
		    "yet\n", dir, (unsigned)(st->st_mode & 07777), dir);
		return false;
	}
	return true;
}

/* restore_folder makes DIR (mode 0700), or takes an existing empty one
 * that passes folder_check and sets it to 0700 as init does, on the
 * folder itself (O_NOFOLLOW: whatever the path names by then). *made says
 * which; *st is the folder as checked. */
static bool
restore_folder(const char *dir, bool *made, struct stat *st)
{
	char name[256];
	struct stat fst;
	int fd;
	*made = false;
	if (mkdir(dir, 0700) == 0)
		*made = true;
	else if (errno != EEXIST) {
		fprintf(stderr, "wijknetd restore: %s: %s\n", dir,
		    strerror(errno));
		return false;
	}
	if (!folder_check(dir, NULL, st))
		return false;
	if (*made)
		return true;
	if (foreign_entry(dir, false, name, sizeof(name))) {
		fprintf(stderr, "wijknetd restore: %s: not empty: restore makes "
		    "a new data folder, it never writes over a node\n", dir);
		return false;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool ok = fd >= 0 && fstat(fd, &fst) == 0;
	if (ok && (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)) {
		fprintf(stderr, "wijknetd restore: %s was replaced while it "
		    "was checked: someone else can rename in the folder above "
		    "it\n", dir);
		close(fd);
		return false;
	}
	if (!ok || fchmod(fd, 0700) != 0) {
		fprintf(stderr, "wijknetd restore: %s: %s\n", dir,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	return true;
}

int
node_cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"from", required_argument, NULL, 'f'},
	    {"data", required_argument, NULL, 'd'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *pass_file = NULL;
	char dir[256] = "", err[1024], path[4096], why[256];
	struct cfg_node *cfg = calloc(1, sizeof(*cfg));
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL, *nx = NULL;
	struct node_store *store = NULL;
	char *conf = NULL;
	int status = 2, c, in = -1;
	bool made_dir = false, done = false, own = false;
	struct stat st, dst;
	uint8_t trailer[BACKUP_TRAILER_NEXT];

	if (cfg == NULL)
		return 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'd':
			if (optarg[0] == '/') {
				if (wn_strlcpy(dir, optarg, sizeof(dir)) >=
				    sizeof(dir))
					goto usage;
			} else {
				char cwd[2048];
				int n;
				if (getcwd(cwd, sizeof(cwd)) == NULL ||
				    (n = snprintf(dir, sizeof(dir), "%s/%s", cwd,
					 optarg)) < 0 || (size_t)n >= sizeof(dir))
					goto usage;
			}
			break;
		case 'h':
			usage_restore(stdout);
			status = 0;
			goto out;
		default:
			goto usage;
		}
	}
	if (optind != argc || from == NULL || dir[0] == '\0')
		goto usage;
	status = 1;
	umask(077);
	signal(SIGXFSZ, SIG_IGN);
	/* the file first: a wijknet backup, whole */
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0 || fstat(in, &st) != 0) {
		fprintf(stderr, "wijknetd restore: %s: %s\n", from,
		    strerror(errno));
		goto out;
	}
	uint64_t db_len = 0, key_len = 0, next_len = 0, tlen = BACKUP_TRAILER;
	uint64_t size = (uint64_t)st.st_size;
	/* with the next key file (a key rotation under way), or without */
	if (size >= BACKUP_TRAILER_NEXT &&
	    pread(in, trailer, BACKUP_TRAILER_NEXT,
		(off_t)(size - BACKUP_TRAILER_NEXT)) ==
		(ssize_t)BACKUP_TRAILER_NEXT &&
	    memcmp(trailer, BACKUP_MAGIC_NEXT, BACKUP_MAGIC_LEN) == 0) {
		tlen = BACKUP_TRAILER_NEXT;
		next_len = get_be64(trailer + BACKUP_MAGIC_LEN + 16);
	} else if (size < BACKUP_TRAILER ||
	    pread(in, trailer, BACKUP_TRAILER, (off_t)(size - BACKUP_TRAILER)) !=
		(ssize_t)BACKUP_TRAILER ||
	    memcmp(trailer, BACKUP_MAGIC, BACKUP_MAGIC_LEN) != 0)
		tlen = 0;
	if (tlen == 0 ||
	    (db_len = get_be64(trailer + BACKUP_MAGIC_LEN)) == 0 ||
	    db_len % 4096 != 0 ||
	    (key_len = get_be64(trailer + BACKUP_MAGIC_LEN + 8)) == 0 ||
	    key_len > BACKUP_KEY_MAX ||
	    (tlen == BACKUP_TRAILER_NEXT &&
		(next_len == 0 || next_len > BACKUP_KEY_MAX)) ||
	    db_len > size || size - db_len != key_len + next_len + tlen) {
		fprintf(stderr, "wijknetd restore: %s is not a whole backup "
				"written by 'wijknetd backup' (cut short, or "
				"another file)\n", from);
		goto out;
	}
	/* the new folder: made here, or an empty one of the caller's */
	if (!restore_folder(dir, &made_dir, &dst)) {
		if (made_dir)
			rmdir(dir);
		goto out;
	}
	own = true;
	if (!node_path(path, sizeof(path), dir, NODE_KEY_FILE) ||
	    unpack_file(in, (off_t)db_len, key_len, path, err, sizeof(err)) !=
		WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		goto out;
	}
	if ((pass_file != NULL
		    ? sec_passphrase_read_file(pass_file, &pass, err, sizeof(err))
		    : sec_passphrase_prompt("wijknetd passphrase: ", false, &pass,
			  err, sizeof(err))) != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		status = NODE_EXIT_PASSPHRASE;
		goto out;
	}
	wn_err rc = sec_identity_unlock(path, pass, &id, err, sizeof(err));
	if (rc != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		status = rc == WN_EAUTH ? NODE_EXIT_PASSPHRASE : 1;
		goto out;
	}
	/* the next keys of a key rotation under way: they must open as
	 * the daemon opens them (node_key_rotation_resume) */
	if (next_len > 0) {
		if (!node_path(path, sizeof(path), dir, NODE_KEY_NEXT_FILE) ||
		    unpack_file(in, (off_t)(db_len + key_len), next_len, path,
			err, sizeof(err)) != WN_OK) {
			fprintf(stderr, "wijknetd restore: %s\n", err);
			goto out;
		}
		if (sec_identity_unlock(path, pass, &nx, err, sizeof(err)) !=
			WN_OK ||
		    !sec_identity_same_file_keys(id, nx)) {
			fprintf(stderr, "wijknetd restore: the next keys of the "
			    "key rotation in the backup do not open with its "
			    "key file%s%s\n", nx == NULL ? ": " : "",
			    nx == NULL ? err : "");
			goto out;
		}
	}
	if (!node_path(path, sizeof(path), dir, NODE_DB_FILE) ||
	    unpack_file(in, 0, db_len, path, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		goto out;
	}
	/* the passphrase took a while: the folder is still the one checked,
	 * and holds nothing restore did not put there (SQLite opens the
	 * store's -wal, -shm and -journal with O_CREAT, following a link) */
	char stray[256];
	struct stat now;
	if (!folder_check(dir, &dst, &now)) {
		/* DIR may name another folder now: remove nothing there */
		own = false;
		goto out;
	}
	if (foreign_entry(dir, true, stray, sizeof(stray))) {
		fprintf(stderr, "wijknetd restore: %s holds %s, which restore "
		    "did not put there: someone else writes in this folder; "
		    "nothing restored\n", dir, stray);
		goto out;
	}
	if (node_store_open(path, id, false, &store, err, sizeof(err)) !=
		WN_OK ||
	    node_store_check(store, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		goto out;
	}
	int64_t count = 0, bad = 0;
	if (node_audit_verify(store, &count, &bad, why, sizeof(why)) != WN_OK) {
		fprintf(stderr, "wijknetd restore: the audit chain of the copy "
				"does not verify (record %lld): %s\n",
		    (long long)bad, why);
		goto out;
	}
	char made[24] = "0";
	if ((conf = malloc(CFG_FILE_MAX + 1)) == NULL ||
	    !node_store_meta_get(store, META_CONFIG, conf, CFG_FILE_MAX + 1) ||
	    !node_store_meta_get(store, META_MADE, made, sizeof(made))) {
		fprintf(stderr, "wijknetd restore: %s holds no config: not "
				"written by 'wijknetd backup'\n", from);
		goto out;
	}
	if (cfg_node_parse(conf, strlen(conf), "the backup's config", cfg, err,
		sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		goto out;
	}
	wn_strlcpy(cfg->data_dir, dir, sizeof(cfg->data_dir));
	char when[40], detail[512];
	human_time(atoll(made), when, sizeof(when));
	snprintf(detail, sizeof(detail), "restored into %s from a backup made "
	    "%s (audit chain up to record %lld)", dir, when, (long long)count);
	if (node_store_begin(store) != WN_OK ||
	    node_store_meta_del(store, META_CONFIG) != WN_OK ||
	    node_store_meta_del(store, META_MADE) != WN_OK ||
	    node_store_meta_del(store, META_SEQ) != WN_OK ||
	    /* the copy's numbers move past its original's (a gap its
	     * peers take), and its records past count are its own */
	    node_chain_restored(store, count) != WN_OK ||
	    /* its first start asks the peers to send again what took
	     * data away since the backup began (exchange/resync.c) */
	    node_resync_mark(store, atoll(made)) != WN_OK ||
	    /* the alert ids the node handed out since are not reused */
	    node_alert_ids_skip(store) != WN_OK ||
	    node_audit_append(store, "system", "node.restore", cfg->org_id,
		detail) != WN_OK ||
	    node_store_commit(store) != WN_OK) {
		node_store_rollback(store);
		fprintf(stderr, "wijknetd restore: %s\n",
		    node_store_errmsg(store));
		goto out;
	}
	node_store_close(store);
	store = NULL;
	if (!node_path(path, sizeof(path), dir, NODE_CONF_FILE) ||
	    cfg_node_write(cfg, path, false, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "wijknetd restore: %s\n", err);
		goto out;
	}
	fsync_dir_of(path);
	char fp[SEC_FINGERPRINT_LEN];
	sec_fingerprint(sec_identity_public(id), fp);
	printf("restored node %s into %s from a backup made %s\n"
	       "audit chain: %lld records, intact\nconfig: %s\n"
	       "fingerprint: %s\n%s"
	       "Its first start asks its checkers how far its chain got: if "
	       "this copy is behind, the start is refused and says what it "
	       "misses. Once it goes on, it asks its peers to send again what "
	       "took data away since the backup.\n",
	    cfg->org_id, dir, when, (long long)count, path, fp,
	    nx != NULL ? "a key rotation was under way: its next keys are "
	    "restored (" NODE_KEY_NEXT_FILE ")\n" : "");
	done = true;
	status = fflush(stdout) == 0 ? 0 : 1;
	goto out;
usage:
	usage_restore(stderr);
	status = 2;
out:
	node_store_close(store);
	/* a restore that did not finish leaves nothing in the folder */
	if (!done && own)
		remove_made(dir, made_dir);
	if (in >= 0)
		close(in);
	sec_identity_free(id);
	sec_identity_free(nx);
	sec_secret_free(pass);
	free(conf);
	free(cfg);
	return status;
}
