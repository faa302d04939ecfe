/*
 * control.h - local control messages between wijknet (CLI) and wijknetd.
 *
 *   request = { 1: op (text, 1..47 bytes of [a-z.]),
 *             ? 2: args { * text(1..31 bytes) => text(0..4095 bytes) } }
 *                  (at most 16 args)
 *   reply   = { 1: status (uint, a wn_err value, 0 = ok),
 *               2: message (text, at most 1023 bytes, may be empty),
 *             ? 3: rows [ * { * text(1..31 bytes) =>
 *                             int / text(<= 65535 bytes) / bool } ] }
 *                  (at most 100000 rows of at most 64 fields)
 *
 * Integer keys may come in any order, each at most once; unknown integer
 * keys and duplicate text keys are refused, as are trailing bytes.
 * Decoders never trust a declared count: see protocol/cbor.h.
 */
#ifndef PROTO_CONTROL_H
#define PROTO_CONTROL_H

#include "protocol/cbor.h"

#define PROTO_CTL_MAX_ARGS 16
#define PROTO_CTL_OP_MAX 47
#define PROTO_CTL_KEY_MAX 31
#define PROTO_CTL_VALUE_MAX 4095
#define PROTO_CTL_MESSAGE_MAX 1023
#define PROTO_CTL_MAX_ROWS 100000
#define PROTO_CTL_MAX_FIELDS 64
#define PROTO_CTL_FIELD_TEXT_MAX 65535
/* Statuses above this are refused: wn_err values are small. */
#define PROTO_CTL_MAX_STATUS 255
/* the alert socket answers a kept alert.wait with no rows after this long
 * (node/alert/alert.h); a follower (cli/cmd_alert.c) waits for an answer
 * PROTO_CTL_ALERT_MARGIN_MS longer before it takes the node for slow or
 * gone, and asks again */
#define PROTO_CTL_ALERT_WAIT_MS 20000
#define PROTO_CTL_ALERT_MARGIN_MS 40000
/*
 * The largest valid request, for the daemon's NNG_OPT_RECVMAXSZ:
 * map(1) + key(1) + op(2 + 47) + key(1) + map(1)
 * + 16 * (key text(2 + 31) + value text(3 + 4095)) = 66149.
 */
#define PROTO_CTL_REQUEST_MAX_SIZE 66149

struct proto_ctl_arg {
	char key[PROTO_CTL_KEY_MAX + 1];
	char value[PROTO_CTL_VALUE_MAX + 1];
};

struct proto_ctl_request {
	char op[PROTO_CTL_OP_MAX + 1];
	size_t nargs;
	struct proto_ctl_arg args[PROTO_CTL_MAX_ARGS];
};

/* proto_ctl_request_init clears *req and sets its op. WN_EINVAL if op is not
 * 1..47 bytes of [a-z.] (req is then cleared with an empty op). */
WN_NODISCARD wn_err proto_ctl_request_init(struct proto_ctl_request *req,
    const char *op);

/* proto_ctl_request_add copies an argument into req. WN_EINVAL if there are
 * already 16, the key is empty, longer than 31 bytes or already present,
 * the value is longer than 4095 bytes, or either is not valid UTF-8; req is
 * unchanged then. */
WN_NODISCARD wn_err proto_ctl_request_add(struct proto_ctl_request *req,
    const char *key, const char *value);

/* proto_ctl_request_arg borrows the value of key from req; NULL if absent. */
const char *proto_ctl_request_arg(const struct proto_ctl_request *req,
    const char *key);

/* proto_ctl_request_encode appends req to w. WN_EINVAL (nothing written) if
 * req breaks a limit above; otherwise proto_writer_status(w). */
WN_NODISCARD wn_err proto_ctl_request_encode(
    const struct proto_ctl_request *req, struct proto_writer *w);

/* proto_ctl_request_decode decodes a whole request into *out, written only
 * on success, with every argument value in Unicode NFC (wn_text_nfc), so
 * that text the node stores and compares has one form whatever the caller
 * typed. WN_EPROTO with *err (if err is not NULL) holding the offset and
 * reason on anything malformed or outside the limits (a value that is
 * longer than 4095 bytes once normalised included); a reason names the
 * argument, never its value. WN_ENOMEM if normalising a non-ASCII value
 * runs out of memory (*out is then cleared). */
WN_NODISCARD wn_err proto_ctl_request_decode(const void *buf, size_t len,
    struct proto_ctl_request *out, struct proto_error *err);

/*
 * Reply writing, streaming: proto_ctl_reply_begin, then nrows times
 * proto_ctl_row_begin(nfields) followed by exactly nfields proto_ctl_field_*
 * calls with distinct keys. The decoder refuses a reply whose counts do not
 * match. An argument outside the limits fails the writer with WN_EINVAL
 * (see proto_writer_status); a message longer than 1023 bytes is cut at a
 * character boundary instead.
 */

/* proto_ctl_reply_begin writes the reply map header, status, message (NULL
 * means "") and, if nrows > 0, key 3 and the rows array header. */
void proto_ctl_reply_begin(struct proto_writer *w, wn_err status,
    const char *message, size_t nrows);
/* proto_ctl_row_begin writes the header of a row of nfields fields. */
void proto_ctl_row_begin(struct proto_writer *w, size_t nfields);
/* proto_ctl_field_text writes one text field; value at most 65535 bytes. */
void proto_ctl_field_text(struct proto_writer *w, const char *key,
    const char *value);
/* proto_ctl_field_int writes one integer field. */
void proto_ctl_field_int(struct proto_writer *w, const char *key,
    int64_t value);
/* proto_ctl_field_bool writes one boolean field. */
void proto_ctl_field_bool(struct proto_writer *w, const char *key, bool value);

enum proto_ctl_vtype { PROTO_CTL_TEXT, PROTO_CTL_INT, PROTO_CTL_BOOL };

struct proto_ctl_field {
	const char *key;
	enum proto_ctl_vtype type;
	const char *text; /* PROTO_CTL_TEXT, NUL-terminated */
	int64_t i;        /* PROTO_CTL_INT */
	bool b;           /* PROTO_CTL_BOOL */
};

struct proto_ctl_row {
	size_t nfields;
	struct proto_ctl_field *fields;
};

struct proto_ctl_reply {
	wn_err status;
	char message[PROTO_CTL_MESSAGE_MAX + 1];
	size_t nrows;
	struct proto_ctl_row *rows;
	void *arena; /* owns rows, fields and their strings */
};

/* proto_ctl_reply_decode decodes a whole reply into *out, written only on
 * success; the caller then owns it and calls proto_ctl_reply_release.
 * One pass checks everything and counts, then a single allocation of
 * exactly what the rows need (at most 16 bytes per input byte) is
 * filled by a second pass, so a small hostile message cannot make it
 * allocate much. WN_EPROTO with *err (if not NULL) set on malformed input,
 * WN_ENOMEM if the allocation fails. */
WN_NODISCARD wn_err proto_ctl_reply_decode(const void *buf, size_t len,
    struct proto_ctl_reply *out, struct proto_error *err);

/* proto_ctl_reply_release frees what a decoded reply owns and zeroes it.
 * Accepts a zeroed or already released reply. */
void proto_ctl_reply_release(struct proto_ctl_reply *reply);

/* proto_ctl_row_get borrows the field named key from row; NULL if absent. */
const struct proto_ctl_field *proto_ctl_row_get(const struct proto_ctl_row *row,
    const char *key);

#endif
