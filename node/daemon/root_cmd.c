/*
 * root_cmd.c - `wijknetd root`: the federation root key, used offline on
 * a machine of the municipality's choosing, never by a running node.
 *
 *   root init --out FILE          a new root key in a passphrase-protected
 *                                 file; prints its key and federation id
 *   root delegate ...             a signed delegation of a charter-signing
 *                                 key, for the director's `delegation`
 *   root revoke ...               a signed revocation of a delegation, for
 *                                 the director's `revocation`
 *
 * The root key file has the node key file's format (sec_identity_*:
 * Argon2id, secret keys sealed); only its signing key is used. The
 * federation id is derived from the root's public key, so that one root
 * is one federation. The passphrase comes from --passphrase-file or the
 * terminal, never from argv.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "node/daemon/daemon.h"
#include "protocol/delegation.h"

static void
usage_root(FILE *f)
{
	fprintf(f,
	    "usage: wijknetd root init --out FILE [--passphrase-file FILE] "
	    "[--kdf LEVEL]\n"
	    "       wijknetd root delegate --root FILE --key PUBKEY --from DATE "
	    "--until DATE\n"
	    "                              --serial N --out FILE "
	    "[--passphrase-file FILE]\n"
	    "       wijknetd root revoke --root FILE --serial N --out FILE "
	    "[--passphrase-file FILE]\n"
	    "       wijknetd root show --root FILE\n"
	    "\n"
	    "The federation root key, kept offline: the running node never "
	    "uses it.\n"
	    "  init      create a root key in FILE (passphrase-protected, "
	    "mode 0600) and\n"
	    "            print its public key and the federation id members "
	    "pin (`root`,\n"
	    "            `federation` in wijknet.conf).\n"
	    "  delegate  let PUBKEY (64 hex digits: the director's sign_key "
	    "from `wijknetd\n"
	    "            public`) sign the federation's charter and matrix "
	    "from DATE until\n"
	    "            DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC) as "
	    "delegation number\n"
	    "            N; a higher number replaces every lower one. Writes "
	    "the signed\n"
	    "            delegation to FILE, for the director's `delegation`.\n"
	    "  revoke    revoke delegation N; writes the signed revocation to "
	    "FILE, for the\n"
	    "            director's `revocation`: it sends it to every member.\n"
	    "  show      print the root's public key and federation id.\n"
	    "  --passphrase-file FILE  read the passphrase from FILE (mode "
	    "0600); without it\n"
	    "            it is asked on the terminal (twice for init).\n"
	    "  --kdf LEVEL  Argon2id cost: interactive, moderate (default), "
	    "sensitive.\n");
}

/* federation_of: the federation id of a root key, "fed-" and 16 hex
 * digits of its BLAKE2b hash (domain separated). */
static void
federation_of(const uint8_t pk[SEC_SIGN_PK_LEN], char *out, size_t cap)
{
	uint8_t h[SEC_HASH_LEN];
	char hex[17];
	struct sec_part p = {pk, SEC_SIGN_PK_LEN};
	sec_hash_domain(h, "wijknet federation id", &p, 1);
	sec_hex(hex, sizeof(hex), h, 8);
	snprintf(out, cap, "fed-%s", hex);
}

/* parse_date: YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:MM:SSZ, in ms */
static bool
parse_date(const char *s, int64_t *ms)
{
	struct tm tm = {0}, back;
	char tail;
	int n;
	if (strlen(s) == 10)
		n = sscanf(s, "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon,
		    &tm.tm_mday, &tail);
	else if (strlen(s) == 20 && s[10] == 'T' && s[19] == 'Z')
		n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%c", &tm.tm_year,
		    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		    &tm.tm_sec, &tail) - 3;
	else
		return false;
	if (n != 3 || tm.tm_year < 1970 || tm.tm_year > 9999)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	time_t t = timegm(&back);
	if (t == (time_t)-1 || back.tm_mday != tm.tm_mday ||
	    back.tm_mon != tm.tm_mon || back.tm_hour != tm.tm_hour ||
	    back.tm_min != tm.tm_min || back.tm_sec != tm.tm_sec)
		return false;
	*ms = (int64_t)t * 1000;
	return true;
}

static void
date_text(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static wn_err
read_pass(const char *file, bool confirm, struct sec_secret **out, char *err,
    size_t errlen)
{
	if (file != NULL)
		return sec_passphrase_read_file(file, out, err, errlen);
	return sec_passphrase_prompt(confirm ? "New root key passphrase: " :
	    "Root key passphrase: ", confirm, out, err, errlen);
}

static wn_err
unlock_root(const char *path, const char *pass_file,
    struct sec_identity **id, char *err, size_t errlen)
{
	struct sec_secret *pass = NULL;
	wn_err rc;
	if ((rc = read_pass(pass_file, false, &pass, err, errlen)) != WN_OK)
		return rc;
	rc = sec_identity_unlock(path, pass, id, err, errlen);
	sec_secret_free(pass);
	return rc;
}

/* write_out writes len bytes to path, created exclusively, mode 0644 (a
 * delegation and a revocation are public) */
static wn_err
write_out(const char *path, const uint8_t *buf, size_t len, char *err,
    size_t errlen)
{
	FILE *f;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return WN_EIO;
	}
	bool ok = fwrite(buf, 1, len, f) == len && fflush(f) == 0 &&
	    fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok) {
		snprintf(err, errlen, "%s: cannot be written", path);
		unlink(path);
		return WN_EIO;
	}
	return WN_OK;
}

int
node_cmd_root(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"root", required_argument, NULL, 'r'},
	    {"key", required_argument, NULL, 'K'},
	    {"from", required_argument, NULL, 'f'},
	    {"until", required_argument, NULL, 'u'},
	    {"serial", required_argument, NULL, 's'},
	    {"passphrase-file", required_argument, NULL, 'p'},
	    {"kdf", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL, *root = NULL, *key = NULL, *from = NULL,
		   *until = NULL, *serial = NULL, *pass_file = NULL;
	enum sec_kdf_level kdf = SEC_KDF_MODERATE;
	struct sec_identity *id = NULL;
	struct sec_secret *pass = NULL;
	uint8_t buf[PROTO_SIGNED_DELEGATION_MAX];
	struct proto_writer w;
	char err[1024], fed[PROTO_ORG_ID_MAX + 1], hex[65];
	char fp[SEC_FINGERPRINT_LEN];
	bool json = false;
	int c, status = 2;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage_root(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *sub = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': root = optarg; break;
		case 'K': key = optarg; break;
		case 'f': from = optarg; break;
		case 'u': until = optarg; break;
		case 's': serial = optarg; break;
		case 'p': pass_file = optarg; break;
		case 'j': json = true; break;
		case 'k':
			if (!sec_kdf_level_parse(optarg, &kdf)) {
				fprintf(stderr, "wijknetd root: unknown kdf "
				    "level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage_root(stdout);
			return 0;
		default:
			usage_root(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage_root(stderr);
		return 2;
	}
	proto_writer_init(&w, buf, sizeof(buf));
	if (strcmp(sub, "init") == 0) {
		if (out == NULL || root || key || from || until || serial) {
			usage_root(stderr);
			return 2;
		}
		status = 1;
		if (read_pass(pass_file, true, &pass, err, sizeof(err)) != WN_OK ||
		    sec_identity_create(out, pass, kdf, &id, err,
			sizeof(err)) != WN_OK) {
			fprintf(stderr, "wijknetd root: %s\n", err);
			goto done;
		}
	} else if (strcmp(sub, "show") == 0) {
		struct sec_public pub;
		if (root == NULL || out || key || from || until || serial) {
			usage_root(stderr);
			return 2;
		}
		status = 1;
		if (sec_public_read(root, &pub, err, sizeof(err)) != WN_OK) {
			fprintf(stderr, "wijknetd root: %s\n", err);
			goto done;
		}
		sec_hex(hex, sizeof(hex), pub.sign_pk, 32);
		federation_of(pub.sign_pk, fed, sizeof(fed));
		if (json)
			printf("{\"root\": \"%s\", \"federation\": \"%s\"}\n",
			    hex, fed);
		else
			printf("root = %s\nfederation = %s\n", hex, fed);
		status = 0;
		goto done;
	} else if (strcmp(sub, "delegate") == 0 || strcmp(sub, "revoke") == 0) {
		bool dlg = sub[0] == 'd';
		uint64_t sn;
		if (root == NULL || out == NULL || serial == NULL ||
		    (dlg && (key == NULL || from == NULL || until == NULL)) ||
		    (!dlg && (key || from || until))) {
			usage_root(stderr);
			return 2;
		}
		if (!wn_parse_u64(serial, INT64_MAX, &sn) || sn < 1) {
			fprintf(stderr, "wijknetd root: --serial must be a "
			    "number from 1\n");
			return 2;
		}
		struct proto_delegation d = {0};
		struct proto_revocation r = {0};
		if (dlg) {
			d.serial = sn;
			if (!sec_unhex(d.key, sizeof(d.key), key) ||
			    strlen(key) != 64) {
				fprintf(stderr, "wijknetd root: --key must be "
				    "64 hex digits (a sign_key)\n");
				return 2;
			}
			if (!parse_date(from, &d.from_ms) ||
			    !parse_date(until, &d.until_ms) ||
			    d.until_ms <= d.from_ms) {
				fprintf(stderr, "wijknetd root: --from and "
				    "--until must be dates (YYYY-MM-DD or "
				    "YYYY-MM-DDTHH:MM:SSZ), --until the later\n");
				return 2;
			}
		} else {
			r.serial = sn;
			r.revoked_ms = wn_now_ms();
		}
		status = 1;
		if (unlock_root(root, pass_file, &id, err, sizeof(err)) !=
		    WN_OK) {
			fprintf(stderr, "wijknetd root: %s\n", err);
			goto done;
		}
		federation_of(sec_identity_public(id)->sign_pk, fed,
		    sizeof(fed));
		wn_strlcpy(d.federation, fed, sizeof(d.federation));
		wn_strlcpy(r.federation, fed, sizeof(r.federation));
		if ((dlg ? proto_delegation_sign(&d, node_sign, id, &w) :
		    proto_revocation_sign(&r, node_sign, id, &w)) != WN_OK) {
			fprintf(stderr, "wijknetd root: cannot sign\n");
			goto done;
		}
		if (write_out(out, w.buf, w.len, err, sizeof(err)) != WN_OK) {
			fprintf(stderr, "wijknetd root: %s\n", err);
			goto done;
		}
		char a[40], b[40];
		if (dlg) {
			date_text(d.from_ms, a, sizeof(a));
			date_text(d.until_ms, b, sizeof(b));
			printf("delegation %" PRIu64 " of federation %s: key %s "
			    "may sign from %s until %s\nwritten to %s\n", sn,
			    fed, key, a, b, out);
		} else {
			printf("revocation of delegation %" PRIu64 " of "
			    "federation %s\nwritten to %s\n", sn, fed, out);
		}
		status = 0;
		goto done;
	} else {
		fprintf(stderr, "wijknetd root: unknown command '%s'\n", sub);
		usage_root(stderr);
		return 2;
	}
	/* init */
	sec_hex(hex, sizeof(hex), sec_identity_public(id)->sign_pk, 32);
	sec_fingerprint(sec_identity_public(id), fp);
	federation_of(sec_identity_public(id)->sign_pk, fed, sizeof(fed));
	printf("root key written to %s; keep it offline.\nroot = %s\n"
	       "federation = %s\nfingerprint = %s\n", out, hex, fed, fp);
	status = 0;
done:
	sec_secret_free(pass);
	sec_identity_free(id);
	if (status == 0 && fflush(stdout) != 0)
		status = 1;
	return status;
}
