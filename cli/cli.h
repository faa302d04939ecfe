/*
 * cli.h - the wijknet command: shared state of one invocation, the client
 * side of the control socket and output helpers.
 *
 * The CLI talks to the local node over its control socket only: it never
 * opens the store or touches a key.
 */
#ifndef CLI_H
#define CLI_H

#include "config/matrix.h"
#include "config/wn.h"
#include "protocol/control.h"

/* Exit codes. */
#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

/* where the unit's control socket is (wijknetd.service: RuntimeDirectory) */
#define CLI_RUN_SOCKET "/run/wijknet/control.sock"

struct cli {
	const char *data_dir; /* -d, $WIJKNET_DATA, or /var/lib/wijknet */
	/* the control socket: -s, $WIJKNET_SOCKET, else DATA/control.sock
	 * when -d or $WIJKNET_DATA names the data folder, else
	 * /run/wijknet/control.sock when it is there (the unit's), else
	 * /var/lib/wijknet/control.sock */
	const char *socket;
	bool json;            /* --json */
	const char *prog;
	/* a follower's calls (cmd_alert.c): how long a reply may take (0:
	 * 30 s); follower: cli_call says nothing on a transport failure
	 * (it leaves nng's words in *transport_error) and gives a call up
	 * at once when its connection is lost, rather than sending it
	 * again on the next one */
	int timeout_ms;
	bool follower;
	const char *transport_error;
	/* set by cli_call: the kernel refused the socket (its mode or
	 * group): asking again cannot help, and the usual words were said */
	bool transport_refused;
};

struct cli_cmd {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;
	bool hidden; /* left out of `wijknet --help` (debug) */
};

/* cli_call sends req to the node and decodes its reply into *reply (the
 * caller releases it). On a transport or decoding failure it prints a clear
 * message and returns WN_ETRANSPORT / WN_EPROTO. */
WN_NODISCARD wn_err cli_call(struct cli *cli,
    const struct proto_ctl_request *req, struct proto_ctl_reply *reply);

/* cli_print_reply prints a reply as "key: value" lines (one row), a table
 * (several rows) or JSON (--json); errors go to stderr. Returns the exit
 * code: 0 when the node said ok, 1 otherwise. */
int cli_print_reply(struct cli *cli, const struct proto_ctl_reply *reply);

/* cli_simple builds a request with op and optional key/value pairs
 * (NULL-terminated), calls the node and prints the reply. */
int cli_simple(struct cli *cli, const char *op, ...);

/* cli_simple_list is cli_simple for a command whose reply is a list: a
 * table whatever the count of rows (cli_print_list, every field), the
 * sentence none when there are none. */
int cli_simple_list(struct cli *cli, const char *none, const char *op, ...);

/* cli_ask is cli_simple for a command that says the outcome in its own
 * words: true when the node said ok and the output is for a person (the
 * caller prints *reply); false when it printed the reply as cli_simple
 * does (--json, or a refusal) or the call failed. *status is the exit
 * code either way; the caller releases *reply. */
bool cli_ask(struct cli *cli, struct proto_ctl_reply *reply, int *status,
    const char *op, ...);

/* cli_row_text, cli_row_int and cli_row_bool read field k of a reply's
 * row: its text (borrowed; "" when absent or not text; cli_row_text_opt:
 * NULL, for a field whose absence says something), integer (0) or
 * bool (false). cli_moment writes a time as a person reads it ("Tue  1
 * Dec 2026 21:30", local time; the milliseconds if it cannot). */
const char *cli_row_text(const struct proto_ctl_row *r, const char *k);
const char *cli_row_text_opt(const struct proto_ctl_row *r, const char *k);
int64_t cli_row_int(const struct proto_ctl_row *r, const char *k);
bool cli_row_bool(const struct proto_ctl_row *r, const char *k);
void cli_moment(int64_t ms, char *out, size_t cap);

/* table.c: the one table style, and values as people read them.
 * cli_terminal_width: the columns of the terminal on stdout (its size,
 * else $COLUMNS, else 80); 0 when stdout is not a terminal: nothing is
 * cut then, so a grep sees whole values (scripts read --json).
 * cli_table_write writes headers (ncols) and then nrows rows of cells
 * (row-major, nrows * ncols strings) in aligned columns, two spaces apart,
 * without trailing spaces; with width > 0 the widest columns are cut (to
 * no less than 6 columns) until a line fits, a cut value ending in an
 * ellipsis. Widths count code points as a terminal shows them; a value is
 * never cut inside a UTF-8 sequence; control characters and bytes that
 * are not UTF-8 print as '?' (as does cli_text_put, for one value).
 * cli_key_words: a key in words: "last_ok_ms" -> "last ok" when it holds
 * a moment (moment), else "last ok (ms)"; "uptime_s" -> "uptime (s)",
 * "p50_us" -> "p50 (us)"; "org_id" -> "org id".
 * cli_ago: a moment relative to now_ms ("just now", "3 min ago", "in 2
 * days"; a local date when more than 30 days off; "never" for ms <= 0).
 * cli_duration: milliseconds as "42 s", "3 min", "5 h", "2 days" (or
 * "-42 s").
 * cli_is_moment: an integer *_ms after 2000-01-01 (a wall-clock time, not
 * a duration). cli_field_text: a field as a person reads it (malloc'd,
 * NULL when out of memory; f NULL: ""), with flags CLI_COL_AGO (a moment
 * or 0 as cli_ago), CLI_COL_DURATION (cli_duration) or CLI_COL_MOMENT
 * (0: "", none yet); other moments as local dates; CLI_COL_WORDS: a
 * text that is a name of the node's as cli_code_words says it.
 * cli_code_words: a name of the node's (lower case, digits and '_', as
 * "handed_over") in words ("handed over"; "follow_up": "follow-up");
 * any other text is copied as it is (cut to cap).
 * cli_wrap_put writes a free text s whose first line starts at column
 * used, each further line at column indent (that many spaces): a line
 * end in s starts one, and with width > 0 (cli_terminal_width) so does a
 * word that would pass width (a word wider than a line is broken). With
 * width 0 (not a terminal) nothing is wrapped. Control characters print
 * as '?', tabs as spaces. */
#define CLI_COL_WIDE 1u     /* only with --wide */
#define CLI_COL_AGO 2u      /* a moment as "3 min ago" */
#define CLI_COL_DURATION 4u /* milliseconds as "42 s" */
#define CLI_COL_MOMENT 8u   /* a moment; 0 (none yet) left empty */
#define CLI_COL_WORDS 16u   /* a name of the node's in words */
struct cli_col {
	const char *key;
	const char *header; /* NULL: cli_key_words(key) */
	unsigned flags;
};
size_t cli_terminal_width(void);
size_t cli_text_width(const char *s);
void cli_text_put(FILE *f, const char *s);
void cli_table_write(FILE *f, const char *const *headers, size_t ncols,
    const char *const *cells, size_t nrows, size_t width);
void cli_key_words(const char *key, bool moment, char *out, size_t cap);
void cli_ago(int64_t ms, int64_t now_ms, char *out, size_t cap);
void cli_duration(int64_t ms, char *out, size_t cap);
void cli_code_words(const char *code, char *out, size_t cap);
void cli_wrap_put(FILE *f, const char *s, size_t indent, size_t used,
    size_t width);
bool cli_is_moment(const struct proto_ctl_field *f);
char *cli_field_text(const struct proto_ctl_field *f, unsigned flags,
    int64_t now_ms);

/* cli_print_list prints a reply that is a list: --json as
 * cli_print_reply; else the node's message, then a table of the columns
 * cols (ncols; NULL: every field of the first row, headers from the keys;
 * the columns marked CLI_COL_WIDE only when wide, else a line saying how
 * to see them), or the sentence none when there are no rows. Returns the
 * exit code as cli_print_reply does. */
int cli_print_list(struct cli *cli, const struct proto_ctl_reply *reply,
    const struct cli_col *cols, size_t ncols, bool wide, const char *none,
    const char *wide_how);

/* cli_read_small reads the file at path ("-": stdin) named by option
 * --opt into out (cap bytes; at most cap - 1 read, NUL-terminated) and
 * its length into *len; false, said on stderr, when it cannot be opened
 * or read, or when it fills out (too_long says why). */
bool cli_read_small(struct cli *cli, const char *opt, const char *path,
    char *out, size_t cap, size_t *len, const char *too_long);

/* cli_help_requested is true when argv holds -h or --help. */
bool cli_help_requested(int argc, char **argv);

/* A subcommand of a command group. name NULL marks the default, run with
 * the group's own argv when argv[1] is absent or an option (as in
 * `record --subject ...`). */
struct cli_sub {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
};

/* cli_dispatch runs the subcommand named by argv[1] with argv + 1, so its
 * argv[0] is its own name. When there is none, or it returns CLI_USAGE,
 * it prints "usage: wijknet USAGE" to stderr and returns CLI_USAGE. */
int cli_dispatch(struct cli *cli, int argc, char **argv,
    const struct cli_sub *subs, size_t nsubs, const char *usage);

/* One long option taking a value, stored into *value (left alone when the
 * option is absent). */
struct cli_opt {
	const char *name;
	const char **value;
	bool required;
};

/* cli_getopt parses argv (argv[0] is the subcommand's name) for at most 16
 * options and exactly npos positional arguments, stored into pos. Options
 * and arguments may come in any order; every value must be non-empty UTF-8
 * of at most PROTO_CTL_VALUE_MAX bytes. On an unknown, repeated, missing
 * or empty option, or a wrong count, it says why on stderr and returns
 * false. */
bool cli_getopt(struct cli *cli, int argc, char **argv,
    const struct cli_opt *opts, size_t nopts, const char **pos, int npos);

/* cli_values_from_stdin reads from standard input the value of each
 * option opts[i] given as "-" whose prompts[i] is not NULL (prompts has
 * nopts entries; NULL: "-" is taken as it is): one line each (its CR LF
 * or LF taken off), in the order the options stand in argv, into buf[i]
 * (buf has nopts rows), and points *opts[i].value at it. When standard
 * input is a terminal it first writes "PROMPT: " to stderr (the value is
 * echoed: an identifier is no password, but argv is readable by every
 * local user, standard input is not). Each value is checked as
 * cli_getopt checks one. False, said on stderr naming the option (never
 * the value), when a line is missing, too long, empty or not UTF-8. Call
 * it after cli_getopt, with the argv it parsed. */
#define CLI_STDIN_CAP (PROTO_CTL_VALUE_MAX + 2)
bool cli_values_from_stdin(struct cli *cli, int argc, char **argv,
    const struct cli_opt *opts, const char *const *prompts, size_t nopts,
    char (*buf)[CLI_STDIN_CAP]);

/* cli_text_ok checks a value the node will get: valid UTF-8 (else
 * "DASHES WHAT: invalid UTF-8") of at most PROTO_CTL_VALUE_MAX bytes (else
 * "... is too long"). It names the value, never prints it. */
bool cli_text_ok(struct cli *cli, const char *dashes, const char *what,
    const char *v);

/* cli_case_type_ok, cli_category_ok and cli_categories_ok (a
 * comma-separated list without repeats) check names against
 * config/matrix.h and list the valid ones on stderr when they fail. */
bool cli_case_type_ok(struct cli *cli, const char *name);
bool cli_category_ok(struct cli *cli, const char *name);
bool cli_categories_ok(struct cli *cli, const char *list);

/* cli_date_ms reads YYYY-MM-DD (00:00 UTC that day) or
 * YYYY-MM-DDTHH:MM:SSZ into milliseconds since the epoch; false for
 * anything else, including dates that do not exist or before 1970. */
bool cli_date_ms(const char *text, int64_t *out);

/* plan_text.c, for plan and action:
 * cli_read_text_file reads a free text from path ("-": stdin) into out
 * (cap bytes), without trailing line ends; false, said why on stderr
 * naming --opt, when unreadable, empty or too long. cli_deadline writes
 * a deadline as cli_moment writes a moment, a whole day as the day alone.
 * cli_domain_words (table.c): a life domain in words. cli_print_action
 * prints a row of action.list or plan.show in words; self (NULL: none)
 * is this node's org, to say which actions are its own. */
bool cli_read_text_file(struct cli *cli, const char *opt, const char *path,
    char *out, size_t cap);
void cli_deadline(int64_t ms, char *out, size_t cap);
const char *cli_domain_words(const char *d);
void cli_print_action(const struct proto_ctl_row *r, const char *self);

/* The usage of each command group, shared by main.c's table and the
 * group's own usage errors. */
extern const char cli_usage_matrix[], cli_usage_case[], cli_usage_share[],
    cli_usage_record[], cli_usage_consent[], cli_usage_data[],
    cli_usage_signal[], cli_usage_plan[], cli_usage_action[],
    cli_usage_body[], cli_usage_meeting[], cli_usage_subject[],
    cli_usage_concern[], cli_usage_key[], cli_usage_doctor[],
    cli_usage_alert[], cli_usage_peer[], cli_usage_debug[],
    cli_usage_mediation[], cli_usage_report[],
    cli_usage_phenomenon[];

int cli_cmd_init(struct cli *cli, int argc, char **argv);
int cli_cmd_doctor(struct cli *cli, int argc, char **argv);
int cli_cmd_status(struct cli *cli, int argc, char **argv);
int cli_cmd_whoami(struct cli *cli, int argc, char **argv);
int cli_cmd_audit(struct cli *cli, int argc, char **argv);
int cli_cmd_peer(struct cli *cli, int argc, char **argv);
/* cmd_peer.c: debug send | received | stats (benchmarks) */
int cli_cmd_debug(struct cli *cli, int argc, char **argv);
int cli_cmd_key(struct cli *cli, int argc, char **argv);
int cli_cmd_matrix(struct cli *cli, int argc, char **argv);
int cli_cmd_case(struct cli *cli, int argc, char **argv);
/* cmd_case_life.c: case list, show, advance, close, link */
int cli_case_list(struct cli *cli, int argc, char **argv);
int cli_case_show(struct cli *cli, int argc, char **argv);
int cli_case_advance(struct cli *cli, int argc, char **argv);
/* cmd_meeting.c: bodies, meetings, case escalate; case show prints a
 * case's consultations and escalations (rows of meeting.case) with
 * cli_print_consultations. */
int cli_cmd_body(struct cli *cli, int argc, char **argv);
int cli_cmd_meeting(struct cli *cli, int argc, char **argv);
int cli_case_escalate(struct cli *cli, int argc, char **argv);
void cli_print_consultations(const struct proto_ctl_row *rows, size_t n);
int cli_case_close(struct cli *cli, int argc, char **argv);
int cli_case_link(struct cli *cli, int argc, char **argv);
/* cmd_case_signals.c: case signals; case show prints each row of
 * case.signals with cli_print_case_signal */
int cli_case_signals(struct cli *cli, int argc, char **argv);
void cli_print_case_signal(const struct proto_ctl_row *r);
/* cmd_signal.c: a signal's category in words ("dwelling_neglect": "neglect
 * of a dwelling") */
const char *cli_signal_category_words(const char *c);
int cli_cmd_share(struct cli *cli, int argc, char **argv);
int cli_cmd_record(struct cli *cli, int argc, char **argv);
int cli_cmd_consent(struct cli *cli, int argc, char **argv);
int cli_cmd_data(struct cli *cli, int argc, char **argv);
int cli_cmd_signal(struct cli *cli, int argc, char **argv);
int cli_cmd_plan(struct cli *cli, int argc, char **argv);
int cli_cmd_action(struct cli *cli, int argc, char **argv);
int cli_cmd_alert(struct cli *cli, int argc, char **argv);
int cli_cmd_subject(struct cli *cli, int argc, char **argv);
/* cmd_concern.c: concern add, list, withdraw, matches */
int cli_cmd_concern(struct cli *cli, int argc, char **argv);
/* cmd_mediation.c: mediation start, party, mediator, talk, agree, close,
 * show; report mediation */
int cli_cmd_mediation(struct cli *cli, int argc, char **argv);
int cli_cmd_report(struct cli *cli, int argc, char **argv);
int cli_cmd_phenomenon(struct cli *cli, int argc, char **argv);

#endif
