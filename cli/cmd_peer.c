/*
 * cmd_peer.c - wijknet peer add | rekey | list | retry, and wijknet debug
 * send | received | stats (the benchmark commands; also still run as peer
 * send | received | stats, unlisted).
 *
 * peer add reads a partner's public key bundle (the output of `wijknetd
 * public` on the partner's machine), shows its fingerprint, and enrols it
 * only once the operator confirmed that fingerprint: typed on the terminal
 * as the partner read it aloud, or given with --fingerprint. The node
 * checks the fingerprint against the keys again.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "crypto/sec.h"

struct bundle {
	char org_id[64], name[128], role[32], endpoint[256];
	char sign_key[65], kx_key[65], fingerprint[SEC_FINGERPRINT_LEN];
};

static int
read_bundle(struct cli *cli, const char *path, struct bundle *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char line[1024];
	int lineno = 0;
	struct {
		const char *key;
		char *dst;
		size_t cap;
	} keys[] = {
	    {"org_id", b->org_id, sizeof(b->org_id)},
	    {"name", b->name, sizeof(b->name)},
	    {"role", b->role, sizeof(b->role)},
	    {"endpoint", b->endpoint, sizeof(b->endpoint)},
	    {"sign_key", b->sign_key, sizeof(b->sign_key)},
	    {"kx_key", b->kx_key, sizeof(b->kx_key)},
	    {"fingerprint", b->fingerprint, sizeof(b->fingerprint)},
	};
	if (f == NULL) {
		fprintf(stderr, "%s: %s: cannot open\n", cli->prog, path);
		return CLI_FAIL;
	}
	memset(b, 0, sizeof(*b));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		char *eq = strstr(line, " = ");
		size_t i;
		if (eq == NULL) {
			fprintf(stderr, "%s: %s:%d: expected 'key = value'\n",
			    cli->prog, path, lineno);
			goto bad;
		}
		*eq = '\0';
		for (i = 0; i < WN_ARRAY_LEN(keys); i++)
			if (strcmp(line, keys[i].key) == 0)
				break;
		if (i == WN_ARRAY_LEN(keys)) {
			fprintf(stderr, "%s: %s:%d: unknown key '%s'\n",
			    cli->prog, path, lineno, line);
			goto bad;
		}
		if (wn_strlcpy(keys[i].dst, eq + 3, keys[i].cap) >= keys[i].cap) {
			fprintf(stderr, "%s: %s:%d: %s is too long\n", cli->prog,
			    path, lineno, line);
			goto bad;
		}
	}
	if (f != stdin)
		fclose(f);
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++) {
		if (keys[i].dst[0] == '\0' && strcmp(keys[i].key, "name") != 0) {
			fprintf(stderr, "%s: %s: missing '%s'\n", cli->prog, path,
			    keys[i].key);
			return CLI_FAIL;
		}
	}
	return CLI_OK;
bad:
	if (f != stdin)
		fclose(f);
	return CLI_FAIL;
}

/* same_fingerprint compares ignoring case, spaces and dashes */
static bool
same_fingerprint(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == ' ')
			a++;
		while (*b == '-' || *b == ' ')
			b++;
		if (toupper((unsigned char)*a) != toupper((unsigned char)*b))
			return false;
		if (*a == '\0')
			return true;
		a++;
		b++;
	}
}

/* peer_add enrols a partner from its bundle; with rekey (peer rekey, the
 * director) it takes an enrolled member's new keys from the bundle its
 * `key rotate` printed: the same confirmation of the fingerprint. */
static int
peer_add(struct cli *cli, int argc, char **argv, bool rekey)
{
	static const struct option opts[] = {
	    {"fingerprint", required_argument, NULL, 'f'},
	    {"directs", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0},
	};
	const char *confirmed = NULL;
	bool directs = false;
	struct bundle b;
	struct sec_public pub;
	char fp[SEC_FINGERPRINT_LEN], typed[128];
	int c;

	optind = 0; /* 0: glibc reinitialises fully */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'f')
			confirmed = optarg;
		else if (c == 'd' && !rekey)
			directs = true;
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	if (read_bundle(cli, argv[optind], &b) != CLI_OK)
		return CLI_FAIL;
	if (!sec_unhex(pub.sign_pk, 32, b.sign_key) ||
	    !sec_unhex(pub.kx_pk, 32, b.kx_key)) {
		fprintf(stderr, "%s: the bundle's keys are not 64 hex digits\n",
		    cli->prog);
		return CLI_FAIL;
	}
	sec_fingerprint(&pub, fp);
	if (!same_fingerprint(fp, b.fingerprint)) {
		fprintf(stderr, "%s: the bundle's own fingerprint line does not "
		    "match its keys: it was altered; do not enrol\n", cli->prog);
		return CLI_FAIL;
	}
	fprintf(stderr, rekey ? "New keys of %s (%s) at %s\nFingerprint: %s\n"
	    : "Enrolling %s (%s) at %s\nFingerprint: %s\n", b.org_id,
	    b.role, b.endpoint, fp);
	if (confirmed == NULL) {
		int tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		FILE *t = tty >= 0 ? fdopen(tty, "r+") : NULL;
		if (t == NULL) {
			fprintf(stderr, "%s: no terminal to confirm the "
			    "fingerprint on; use --fingerprint FP with the "
			    "fingerprint the partner read to you\n", cli->prog);
			if (tty >= 0)
				close(tty);
			return CLI_USAGE;
		}
		fputs("Type the fingerprint the partner read to you: ", t);
		fflush(t);
		if (fgets(typed, sizeof(typed), t) == NULL)
			typed[0] = '\0';
		fclose(t);
		typed[strcspn(typed, "\r\n")] = '\0';
		confirmed = typed;
	}
	if (!same_fingerprint(fp, confirmed)) {
		fprintf(stderr, "%s: fingerprints differ: not %s. Check the "
		    "bundle with the partner.\n", cli->prog,
		    rekey ? "taken" : "enrolled");
		return CLI_FAIL;
	}
	if (rekey)
		return cli_simple(cli, "peer.rekey", "org_id", b.org_id,
		    "sign_key", b.sign_key, "kx_key", b.kx_key, "fingerprint",
		    fp, NULL);
	return cli_simple(cli, "peer.add", "org_id", b.org_id, "name",
	    b.name[0] ? b.name : NULL, "role", b.role, "endpoint", b.endpoint,
	    "sign_key", b.sign_key, "kx_key", b.kx_key, "fingerprint", fp,
	    "directs", directs ? "yes" : "no", NULL);
usage:
	fprintf(stderr, rekey ? "usage: wijknet peer rekey BUNDLE|- "
	    "[--fingerprint FP]\n" : "usage: wijknet peer add BUNDLE|- "
	    "[--fingerprint FP] [--directs]\n");
	return CLI_USAGE;
}

static int
peer_send(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'c'},
	    {"size", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	const char *count = NULL, *size = NULL;
	uint64_t v;
	int c;
	optind = 0; /* 0: glibc reinitialises fully */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c' && wn_parse_u64(optarg, 1000000, &v) && v > 0)
			count = optarg;
		else if (c == 's' && wn_parse_u64(optarg, 65536, &v) && v >= 8)
			size = optarg;
		else
			goto usage;
	}
	if (optind != argc - 1)
		goto usage;
	return cli_simple(cli, "peer.send", "peer", argv[optind], "count",
	    count, "size", size, NULL);
usage:
	fprintf(stderr, "usage: wijknet debug send ORG [--count 1..1000000] "
			"[--size 8..65536]\n");
	return CLI_USAGE;
}

/* the columns of peer list: a few that say whether delivery works, the
 * rest with --wide (all of them, exact, with --json) */
static const struct cli_col peer_cols[] = {
    {"org_id", "org", 0},
    {"role", NULL, 0},
    {"state", NULL, 0},
    {"queued", NULL, 0},
    {"last_ok_ms", "last ok", CLI_COL_AGO},
    {"last_error", NULL, 0},
    {"endpoint", NULL, CLI_COL_WIDE},
    {"fingerprint", NULL, CLI_COL_WIDE},
    {"directs", NULL, CLI_COL_WIDE},
    {"waiting_ms", "waiting", CLI_COL_WIDE | CLI_COL_DURATION},
    {"sent_seq", "sent", CLI_COL_WIDE},
    {"received_seq", "received", CLI_COL_WIDE},
    {"last_error_ms", "last error at", CLI_COL_WIDE | CLI_COL_AGO},
    {"attempts", NULL, CLI_COL_WIDE},
    {"chain_head", NULL, CLI_COL_WIDE},
    {"stuck", NULL, CLI_COL_WIDE},
    {"stuck_ms", "stuck since", CLI_COL_WIDE | CLI_COL_AGO},
    {"stuck_code", NULL, CLI_COL_WIDE},
    {"clock_skew_ms", "clock skew (ms)", CLI_COL_WIDE},
};

/* field: row's field k of type t, writable (NULL: none) */
static struct proto_ctl_field *
field(struct proto_ctl_row *row, const char *k, enum proto_ctl_vtype t)
{
	for (size_t j = 0; j < row->nfields; j++)
		if (strcmp(row->fields[j].key, k) == 0 &&
		    row->fields[j].type == t)
			return &row->fields[j];
	return NULL;
}

/* peer_list prints the peer table; in plain words a transfer that waits
 * for its receipt says so in the state ("sending, waiting 42 s for a
 * receipt"), and a stuck peer gets a line under the table that says what
 * to do; --json keeps the exact state and waiting_ms. */
static int
peer_list(struct cli *cli, bool wide)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	struct proto_ctl_reply reply = {0};
	char (*said)[80] = NULL;
	int status = CLI_FAIL;
	if (req == NULL || proto_ctl_request_init(req, "peer.list") != WN_OK ||
	    cli_call(cli, req, &reply) != WN_OK)
		goto out;
	if (!cli->json && reply.nrows > 0 &&
	    (said = calloc(reply.nrows, sizeof(*said))) != NULL) {
		for (size_t i = 0; i < reply.nrows; i++) {
			struct proto_ctl_field *state, *wait;
			state = field(&reply.rows[i], "state", PROTO_CTL_TEXT);
			wait = field(&reply.rows[i], "waiting_ms", PROTO_CTL_INT);
			if (state == NULL || wait == NULL || wait->i < 1000 ||
			    strcmp(state->text, "stuck") == 0)
				continue;
			snprintf(said[i], sizeof(said[i]), "%s, waiting %lld s for "
			    "a receipt", state->text, (long long)(wait->i / 1000));
			state->text = said[i];
		}
	}
	status = cli_print_list(cli, &reply, peer_cols, WN_ARRAY_LEN(peer_cols),
	    wide, "no peers", "wijknet peer list --wide");
	if (cli->json || reply.status != WN_OK)
		goto out;
	for (size_t i = 0; i < reply.nrows; i++) {
		/* a stuck peer in plain words, with what to do */
		struct proto_ctl_row *row = &reply.rows[i];
		struct proto_ctl_field *scode = field(row, "stuck_code",
		    PROTO_CTL_INT);
		const char *org = cli_row_text(row, "org_id");
		if (!cli_row_bool(row, "stuck"))
			continue;
		fputs("\n", stdout);
		cli_text_put(stdout, org);
		if (scode != NULL && scode->i != 0 && scode->i != WN_ENOKEY)
			printf(" is stuck: it keeps refusing our messages with "
			    "code %lld, which sending again does not fix (audit: "
			    "alert.peer_stuck); check with its operator, then "
			    "`wijknet peer retry ", (long long)scode->i);
		else
			printf(" is stuck: it cannot decrypt our messages; "
			    "check the keys with its operator, then `wijknet "
			    "peer retry ");
		cli_text_put(stdout, org);
		fputs("`\n", stdout);
	}
	if (fflush(stdout) != 0)
		status = CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	free(said);
	free(req);
	return status;
}

/* debug: the benchmark commands (test messages and delivery counters),
 * out of the case worker's help; `peer send|received|stats` still run
 * them, unlisted, for the scripts and the demo that call them so */
static int
debug_cmd(struct cli *cli, int argc, char **argv, bool *known)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	*known = true;
	if (strcmp(sub, "send") == 0)
		return peer_send(cli, argc - 1, argv + 1);
	if (strcmp(sub, "received") == 0 && argc == 3)
		return cli_simple(cli, "peer.received", "peer", argv[2], NULL);
	if (strcmp(sub, "stats") == 0 && argc <= 3 &&
	    (argc == 2 || strcmp(argv[2], "--reset") == 0))
		return cli_simple(cli, "peer.stats", "reset",
		    argc == 3 ? "yes" : NULL, NULL);
	*known = false;
	return CLI_USAGE;
}

const char cli_usage_peer[] =
    "peer add BUNDLE|- [--fingerprint FP] [--directs] |\n"
    "       peer rekey BUNDLE|- [--fingerprint FP] | peer list [--wide] |\n"
    "       peer retry ORG";

const char cli_usage_debug[] =
    "debug send ORG [--count 1..1000000] [--size 8..65536] |\n"
    "       debug received ORG | debug stats [--reset]";

int
cli_cmd_debug(struct cli *cli, int argc, char **argv)
{
	bool known;
	int status = debug_cmd(cli, argc, argv, &known);
	if (known)
		return status;
	fprintf(stderr, "usage: wijknet %s\n", cli_usage_debug);
	return CLI_USAGE;
}

int
cli_cmd_peer(struct cli *cli, int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	bool known;
	int status;
	if (strcmp(sub, "add") == 0)
		return peer_add(cli, argc - 1, argv + 1, false);
	if (strcmp(sub, "rekey") == 0)
		return peer_add(cli, argc - 1, argv + 1, true);
	if (strcmp(sub, "list") == 0 && argc == 2)
		return peer_list(cli, false);
	if (strcmp(sub, "list") == 0 && argc == 3 &&
	    strcmp(argv[2], "--wide") == 0)
		return peer_list(cli, true);
	if (strcmp(sub, "retry") == 0 && argc == 3)
		return cli_simple(cli, "peer.retry", "peer", argv[2], NULL);
	status = debug_cmd(cli, argc, argv, &known);
	if (known)
		return status;
	fprintf(stderr, "usage: wijknet %s\n", cli_usage_peer);
	return CLI_USAGE;
}
