/*
 * cmd_alert.c - wijknet alerts [--all] [--case CASE] [--limit N]
 *             | alerts read ID...|--all
 *             | alerts --follow [--since ID]
 *
 * SITRAP alerts (issue 13): what happened in the cases this node directs
 * and to the actions it owns (an action given, done, late or cancelled, a
 * share asked or answered, a dossier changed, a decision), a decision at
 * a meeting of a body this node chairs, a concern's match, in plain words
 * and local dates; never a subject or a field: an alert says what
 * happened and where to look. The list and `read` go to the control
 * socket; --follow waits on the alert socket beside it (the control
 * socket's path with ".alerts" added) for the alerts after the newest
 * one (or after --since ID: none is lost between a list and a follow),
 * and prints each as it comes until interrupted, across a slow node or
 * a restart; with --json one JSON object a line.
 */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cli_usage_alert[] =
    "alerts [--all] [--case CASE] [--limit N] [--since ID]\n"
    "       alerts read ID... | --all [--upto ID]\n"
    "       alerts --follow [--since ID] [--json]\n"
    "list: the alerts you have not read, newest first (at most N, 50 unless\n"
    "said; --all the read ones too; --since ID: those after alert ID, oldest\n"
    "first). An alert says what happened in a case this node directs, to\n"
    "an action it owns, at a meeting of a body it chairs, or that another\n"
    "partner has a concern on the same person as one of this node's, and\n"
    "where to look; never who the case is about.\n"
    "read: mark alerts read for you (others keep theirs): by their numbers,\n"
    "or --all: every one up to the newest now, or up to alert ID (--upto,\n"
    "the newest you listed); it says how many newer ones are unread.\n"
    "--follow: print each new alert as it arrives, until interrupted: those\n"
    "after alert ID with --since (none is lost between a list and a\n"
    "follow), else those after the newest one now; --json: one JSON object\n"
    "a line. When the node does not answer or stops, it says so on stderr\n"
    "and goes on from the last alert it printed once the node is back";

/* safe_id copies id into out (cap > 1) with every character that is not
 * a letter, a digit, '-', '_', '.' or ':' as '?': a peer that directs a
 * case chooses its id, and it is shown in a command a person may copy
 * into a shell */
static const char *
safe_id(const char *id, char *out, size_t cap)
{
	size_t i = 0;
	for (; id[i] != '\0' && i + 1 < cap; i++) {
		char ch = id[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == ':';
		out[i] = ok ? ch : '?';
	}
	out[i] = '\0';
	return out;
}

/* say: what alert r says, for a person, and where to look */
static void
say(const struct proto_ctl_row *r, char *out, size_t cap)
{
	char cbuf[80], pbuf[80];
	const char *k = cli_row_text(r, "kind");
	const char *p = safe_id(cli_row_text(r, "partner"), pbuf, sizeof(pbuf));
	const char *c = safe_id(cli_row_text(r, "case_id"), cbuf, sizeof(cbuf));
	bool owner = strcmp(cli_row_text(r, "role"), "owner") == 0;
	bool chair = strcmp(cli_row_text(r, "role"), "chair") == 0;
	long long ref = (long long)cli_row_int(r, "ref");
	if (strcmp(k, "action.assigned") == 0 && owner)
		snprintf(out, cap, "case %s: the director %s gave this node "
		    "action %lld (see: action list --case %s)", c, p, ref, c);
	else if (strcmp(k, "action.assigned") == 0)
		snprintf(out, cap, "case %s: action %lld given to %s (see: "
		    "action list --case %s)", c, ref, p, c);
	else if (strncmp(k, "action.", 7) == 0) {
		const char *what = strcmp(k, "action.done") == 0 ? "is done"
		    : strcmp(k, "action.late") == 0 ? "is late: its deadline "
						      "passed"
		    : strcmp(k, "action.cancelled") == 0 ? "is cancelled"
							 : k + 7;
		snprintf(out, cap, "case %s: action %lld %s (%s %s) (see: "
		    "action list --case %s)", c, ref, what, owner
		    ? "its director" : "its owner", p, c);
	} else if (strcmp(k, "share.requested") == 0)
		snprintf(out, cap, "case %s: its members were asked for "
		    "information (see: case show %s)", c, c);
	else if (strcmp(k, "share.answered") == 0)
		snprintf(out, cap, "case %s: %s shared information (see: data "
		    "list --case %s)", c, p, c);
	else if (strcmp(k, "dossier.changed") == 0)
		snprintf(out, cap, "case %s: what %s shared changed (see: data "
		    "list --case %s)", c, p, c);
	else if (strcmp(k, "consent.withdrawn") == 0)
		snprintf(out, cap, "case %s: %s withdrew a consent or a legal "
		    "basis, and what it shared under it is deleted here (see: "
		    "data list --case %s)", c, p, c);
	else if (strcmp(k, "phenomenon.proposed") == 0)
		snprintf(out, cap, "phenomenon %lld proposed: the members' "
		    "signals reached a rule in one area (see: phenomenon "
		    "show %lld)", ref, ref);
	else if (strcmp(k, "decision.made") == 0 && chair)
		snprintf(out, cap, "case %s: a decision at meeting %lld of %s, "
		    "in a body this node chairs (see: meeting show %lld "
		    "--director %s)", c, ref, p, ref, p);
	else if (strcmp(k, "decision.made") == 0)
		snprintf(out, cap, "case %s: a decision at meeting %lld (see: "
		    "meeting show %lld)", c, ref, ref);
	else if (strcmp(k, "match.found") == 0)
		snprintf(out, cap, "concern %lld: %s has a concern on the same "
		    "person (see: concern matches)", ref, p);
	else if (!c[0])
		snprintf(out, cap, "%s%s%s", k, p[0] ? ", " : "", p);
	else
		snprintf(out, cap, "case %s: %s%s%s", c, k, p[0] ? ", " : "",
		    p);
}

static void
json_text(const char *s)
{
	putchar('"');
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (*q == '"' || *q == '\\')
			printf("\\%c", *q);
		else if (*q < 0x20)
			printf("\\u%04x", *q);
		else
			putchar(*q);
	}
	putchar('"');
}

/* print_one prints alert r: one line in words, or one JSON object */
static void
print_one(const struct cli *cli, const struct proto_ctl_row *r)
{
	char when[64], what[512], read[96] = "";
	if (cli->json) {
		putchar('{');
		for (size_t j = 0; j < r->nfields; j++) {
			const struct proto_ctl_field *f = &r->fields[j];
			if (j)
				putchar(',');
			json_text(f->key);
			putchar(':');
			if (f->type == PROTO_CTL_INT)
				printf("%" PRId64, f->i);
			else if (f->type == PROTO_CTL_BOOL)
				fputs(f->b ? "true" : "false", stdout);
			else
				json_text(f->text);
		}
		fputs("}\n", stdout);
		return;
	}
	cli_moment(cli_row_int(r, "time_ms"), when, sizeof(when));
	say(r, what, sizeof(what));
	if (cli_row_int(r, "read_ms") != 0) {
		char on[64];
		cli_moment(cli_row_int(r, "read_ms"), on, sizeof(on));
		snprintf(read, sizeof(read), "  (read %s)", on);
	}
	/* never let a field draw on the terminal (a line end either) */
	for (char *q = what; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	char head[128], line[sizeof(what) + sizeof(read)];
	snprintf(head, sizeof(head), "alert %" PRId64 "  %s  ",
	    cli_row_int(r, "id"), when);
	snprintf(line, sizeof(line), "%s%s", what, read);
	fputs(head, stdout);
	/* on a terminal a long alert wraps under its words */
	cli_wrap_put(stdout, line, 4, cli_text_width(head),
	    cli_terminal_width());
	putchar('\n');
}

/* take_flag removes each argv[i] (i > 0) equal to flag, once; true when
 * it was there */
static bool
take_flag(int *argc, char **argv, const char *flag)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag) != 0)
			continue;
		memmove(&argv[i], &argv[i + 1],
		    (size_t)(*argc - i) * sizeof(*argv));
		(*argc)--;
		return true;
	}
	return false;
}

/* list calls alert.list with the pairs given (NULL-ended) into *reply */
static wn_err
list(struct cli *cli, struct proto_ctl_reply *reply, const char *all,
    const char *cid, const char *limit, const char *since)
{
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	wn_err rc = WN_ENOMEM;
	if (req == NULL || proto_ctl_request_init(req, "alert.list") != WN_OK ||
	    (all && proto_ctl_request_add(req, "all", all) != WN_OK) ||
	    (cid && proto_ctl_request_add(req, "case", cid) != WN_OK) ||
	    (limit && proto_ctl_request_add(req, "limit", limit) != WN_OK) ||
	    (since && proto_ctl_request_add(req, "since", since) != WN_OK))
		goto out;
	rc = cli_call(cli, req, reply);
out:
	free(req);
	return rc;
}

static void
pause_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ends: a follower's answer it cannot go on after (the node refuses it
 * for good); any other it takes as "ask again a little later" */
static bool
ends(int status)
{
	return status == WN_EAUTH || status == WN_EDENIED ||
	    status == WN_EINVAL || status == WN_EPROTO;
}

/* follow waits on the alert socket for the alerts after since, for good:
 * it ends on an interrupt, a refusal or a failed write, never because the
 * node is slow or restarts (it says so on stderr, then asks again, from
 * the last alert it printed) */
static int
follow(struct cli *cli, const char *since)
{
	struct proto_ctl_reply reply = {0};
	struct proto_ctl_request *req = calloc(1, sizeof(*req));
	char sock[4200], num[24];
	uint64_t last = 0;
	struct cli al = *cli;
	int status = CLI_FAIL;
	long backoff = 0;
	int busy = 0;
	bool down = false;
	if (req == NULL)
		goto out;
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	if (since != NULL) {
		if (!wn_parse_u64(since, INT64_MAX, &last)) {
			fprintf(stderr, "%s: --since wants an alert's number\n",
			    cli->prog);
			status = CLI_USAGE;
			goto out;
		}
	} else {
		/* from the newest alert now: its number from the list */
		if (list(cli, &reply, "1", NULL, "1", NULL) != WN_OK)
			goto out;
		if (reply.status != WN_OK) {
			status = cli_print_reply(cli, &reply);
			goto out;
		}
		if (reply.nrows == 1)
			last = (uint64_t)cli_row_int(&reply.rows[0], "id");
		proto_ctl_reply_release(&reply);
	}
	if (!cfg_alert_socket_path(cli->socket, sock, sizeof(sock))) {
		fprintf(stderr, "%s: %s: the alert socket's path beside it is "
		    "too long\n", cli->prog, cli->socket);
		goto out;
	}
	al.socket = sock;
	/* an empty answer comes after PROTO_CTL_ALERT_WAIT_MS: wait longer
	 * than that before taking the node for slow or gone */
	al.timeout_ms = PROTO_CTL_ALERT_WAIT_MS + PROTO_CTL_ALERT_MARGIN_MS;
	al.follower = true;
	if (!cli->json) {
		printf("following the alerts after alert %" PRIu64 " (until "
		    "interrupted)\n", last);
		if (fflush(stdout) != 0)
			goto out;
	}
	for (;;) {
		wn_err rc;
		snprintf(num, sizeof(num), "%" PRIu64, last);
		if (proto_ctl_request_init(req, "alert.wait") != WN_OK ||
		    proto_ctl_request_add(req, "since", num) != WN_OK)
			goto out;
		rc = cli_call(&al, req, &reply);
		if (rc != WN_OK && (rc != WN_ETRANSPORT || al.transport_refused))
			goto out;
		if (rc == WN_ETRANSPORT || (reply.status != WN_OK &&
					       !ends(reply.status))) {
			/* slow, stopped, restarting, or too many wait (EBUSY):
			 * ask again, a little later each time (1 s to 5 s);
			 * say so once per spell */
			if (!down && reply.status != WN_EBUSY)
				fprintf(stderr, "%s: the node does not answer "
				    "(%s); still following, from alert %"
				    PRIu64 " once it does\n", cli->prog,
				    rc == WN_ETRANSPORT ? al.transport_error
				    : reply.message, last);
			/* too many wait (the node's slots, or this user's):
			 * said once, after a few in a row */
			if (rc == WN_OK && reply.status == WN_EBUSY &&
			    ++busy == 3 && !down)
				fprintf(stderr, "%s: %s; still following, "
				    "from alert %" PRIu64 "\n", cli->prog,
				    reply.message, last);
			down = down || reply.status != WN_EBUSY ||
			    rc == WN_ETRANSPORT;
			proto_ctl_reply_release(&reply);
			backoff = backoff == 0 ? 1000 : backoff * 2;
			if (backoff > 5000)
				backoff = 5000;
			/* followers turned away together do not all ask
			 * again at once: up to half as long again */
			pause_ms(backoff + random() % (backoff / 2 + 1));
			continue;
		}
		if (reply.status != WN_OK) {
			status = cli_print_reply(cli, &reply);
			goto out;
		}
		if (down)
			fprintf(stderr, "%s: the node answers again; following "
			    "from alert %" PRIu64 "\n", cli->prog, last);
		down = false;
		backoff = 0;
		busy = 0;
		for (size_t i = 0; i < reply.nrows; i++) {
			int64_t id = cli_row_int(&reply.rows[i], "id");
			if (id <= (int64_t)last)
				continue;
			print_one(cli, &reply.rows[i]);
			last = (uint64_t)id;
		}
		proto_ctl_reply_release(&reply);
		if (fflush(stdout) != 0) {
			fprintf(stderr, "%s: cannot write output\n", cli->prog);
			goto out;
		}
	}
out:
	proto_ctl_reply_release(&reply);
	free(req);
	return status;
}

static int
alerts_list(struct cli *cli, int argc, char **argv)
{
	const char *cid = NULL, *limit = NULL, *since = NULL;
	const struct cli_opt opts[] = {
	    {"case", &cid, false},
	    {"limit", &limit, false},
	    {"since", &since, false},
	};
	struct proto_ctl_reply reply = {0};
	bool all, follow_ = false;
	uint64_t v;
	int status = CLI_USAGE;
	if (take_flag(&argc, argv, "--json"))
		cli->json = true;
	all = take_flag(&argc, argv, "--all");
	follow_ = take_flag(&argc, argv, "--follow");
	if (!cli_getopt(cli, argc, argv, opts, WN_ARRAY_LEN(opts), NULL, 0))
		return CLI_USAGE;
	if (follow_) {
		if (all || cid || limit) {
			fprintf(stderr, "%s: --follow takes only --since and "
			    "--json\n", cli->prog);
			return CLI_USAGE;
		}
		return follow(cli, since);
	}
	if (limit && !wn_parse_u64(limit, 1000, &v)) {
		fprintf(stderr, "%s: --limit wants a number from 0 to 1000\n",
		    cli->prog);
		return CLI_USAGE;
	}
	if (since && !wn_parse_u64(since, INT64_MAX, &v)) {
		fprintf(stderr, "%s: --since wants an alert's number\n",
		    cli->prog);
		return CLI_USAGE;
	}
	status = CLI_FAIL;
	if (list(cli, &reply, all ? "1" : NULL, cid, limit, since) != WN_OK)
		goto out;
	if (cli->json || reply.status != WN_OK) {
		status = cli_print_reply(cli, &reply);
		goto out;
	}
	for (size_t i = 0; i < reply.nrows; i++)
		print_one(cli, &reply.rows[i]);
	printf("%s\n", reply.message);
	status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	proto_ctl_reply_release(&reply);
	return status;
}

/* take_value removes "flag VALUE" from argv (i > 0), once, and points
 * *value at VALUE; false when flag is last, with nothing after it */
static bool
take_value(int *argc, char **argv, const char *flag, const char **value)
{
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], flag) != 0)
			continue;
		if (i + 1 >= *argc)
			return false;
		*value = argv[i + 1];
		memmove(&argv[i], &argv[i + 2],
		    (size_t)(*argc - i - 1) * sizeof(*argv));
		*argc -= 2;
		return true;
	}
	return true;
}

static int
alerts_read(struct cli *cli, int argc, char **argv)
{
	char ids[PROTO_CTL_VALUE_MAX + 1] = "";
	const char *upto = NULL;
	struct proto_ctl_reply reply = {0};
	int status;
	size_t o = 0;
	bool all;
	uint64_t v;
	if (take_flag(&argc, argv, "--json"))
		cli->json = true;
	all = take_flag(&argc, argv, "--all");
	if (!take_value(&argc, argv, "--upto", &upto) || all == (argc > 1) ||
	    (upto != NULL && !all)) {
		fprintf(stderr, "usage: wijknet alerts read ID... | --all "
				"[--upto ID]\n");
		return CLI_USAGE;
	}
	if (upto != NULL && (!wn_parse_u64(upto, INT64_MAX, &v) || v == 0)) {
		fprintf(stderr, "%s: --upto wants an alert's number\n",
		    cli->prog);
		return CLI_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (!wn_parse_u64(argv[i], INT64_MAX, &v) || v == 0) {
			fprintf(stderr, "%s: '%s' is not an alert's number\n",
			    cli->prog, argv[i]);
			return CLI_USAGE;
		}
		if (o + strlen(argv[i]) + 2 > sizeof(ids)) {
			fprintf(stderr, "%s: too many alerts at once\n",
			    cli->prog);
			return CLI_USAGE;
		}
		o += (size_t)snprintf(ids + o, sizeof(ids) - o, "%s%s",
		    o ? "," : "", argv[i]);
	}
	/* in words the message alone (it holds the counts); --json: all */
	if (cli_ask(cli, &reply, &status, "alert.read", "all", all ? "1" : NULL,
		"ids", all ? NULL : ids, "upto", upto, NULL))
		printf("%s\n", reply.message);
	proto_ctl_reply_release(&reply);
	return status;
}

int
cli_cmd_alert(struct cli *cli, int argc, char **argv)
{
	static const struct cli_sub subs[] = {
	    {"read", alerts_read},
	    {NULL, alerts_list},
	};
	return cli_dispatch(cli, argc, argv, subs, WN_ARRAY_LEN(subs),
	    cli_usage_alert);
}
