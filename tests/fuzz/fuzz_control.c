/*
 * fuzz_control.c - libFuzzer harness for the control message decoders.
 *
 * Feeds every input to both the request and the reply decoder. Whatever
 * decodes is encoded again and decoded once more, and must come back the
 * same: the decoders accept only what the encoders can produce.
 */
#include <string.h>

#include "protocol/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 66 KB each: static, not on the fuzzer's stack. */
static struct proto_ctl_request req, req2;

static void
check_request(const uint8_t *data, size_t size)
{
	struct proto_writer w;
	struct proto_error err;

	if (proto_ctl_request_decode(data, size, &req, &err) != WN_OK)
		return;
	WN_ASSERT(proto_writer_init_dynamic(&w, 0,
	    PROTO_CTL_REQUEST_MAX_SIZE) == WN_OK);
	WN_ASSERT(proto_ctl_request_encode(&req, &w) == WN_OK);
	WN_ASSERT(w.len <= size);
	WN_ASSERT(proto_ctl_request_decode(w.buf, w.len, &req2, &err) ==
	    WN_OK);
	WN_ASSERT(memcmp(&req, &req2, sizeof(req)) == 0);
	proto_writer_release(&w);
}

static void
check_reply(const uint8_t *data, size_t size)
{
	struct proto_ctl_reply rep, rep2;
	struct proto_writer w;
	struct proto_error err;
	const struct proto_ctl_field *f, *g;

	if (proto_ctl_reply_decode(data, size, &rep, &err) != WN_OK)
		return;
	WN_ASSERT(proto_writer_init_dynamic(&w, 0, size) == WN_OK);
	proto_ctl_reply_begin(&w, rep.status, rep.message, rep.nrows);
	for (size_t i = 0; i < rep.nrows; i++) {
		proto_ctl_row_begin(&w, rep.rows[i].nfields);
		for (size_t j = 0; j < rep.rows[i].nfields; j++) {
			f = &rep.rows[i].fields[j];
			if (f->type == PROTO_CTL_TEXT)
				proto_ctl_field_text(&w, f->key, f->text);
			else if (f->type == PROTO_CTL_INT)
				proto_ctl_field_int(&w, f->key, f->i);
			else
				proto_ctl_field_bool(&w, f->key, f->b);
		}
	}
	/* Canonical and no longer than the input. */
	WN_ASSERT(proto_writer_status(&w) == WN_OK);
	WN_ASSERT(proto_ctl_reply_decode(w.buf, w.len, &rep2, &err) == WN_OK);
	WN_ASSERT(rep2.status == rep.status && rep2.nrows == rep.nrows &&
	    strcmp(rep2.message, rep.message) == 0);
	for (size_t i = 0; i < rep.nrows; i++) {
		WN_ASSERT(rep2.rows[i].nfields == rep.rows[i].nfields);
		for (size_t j = 0; j < rep.rows[i].nfields; j++) {
			f = &rep.rows[i].fields[j];
			g = proto_ctl_row_get(&rep2.rows[i], f->key);
			WN_ASSERT(g != NULL && g->type == f->type);
			WN_ASSERT(f->type != PROTO_CTL_TEXT ||
			    strcmp(f->text, g->text) == 0);
			WN_ASSERT(f->type != PROTO_CTL_INT || f->i == g->i);
			WN_ASSERT(f->type != PROTO_CTL_BOOL || f->b == g->b);
		}
	}
	proto_ctl_reply_release(&rep2);
	proto_ctl_reply_release(&rep);
	proto_writer_release(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_request(data, size);
	check_reply(data, size);
	return 0;
}
