/*
 * test_matrix_wire.c - the compiled matrix on the wire: the numbering
 * shared with config/matrix.h, round trips from the Neteland example,
 * canonical bytes (known-answer vectors with and without the outside
 * cells of key 6: a matrix without them keeps its bytes), every refusal of the encoder and of the decoder (with
 * its offset), every truncation, the signed matrix with a real director
 * identity and a foreign key, its protected header, the acknowledgement,
 * and random bytes.
 *
 * Hostile matrices are written by hand with the CBOR writer, so that each
 * case breaks exactly one rule of an otherwise valid matrix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "config/matrix.h"
#include "protocol/matrix_wire.h"

/* The wire numbering is the config numbering. */
#define FIELD_SIZE(s, f) sizeof(((struct s *)0)->f)
_Static_assert(CFG_CASE_TYPES == PROTO_MATRIX_TYPES, "types");
_Static_assert(CFG_CATEGORIES == PROTO_MATRIX_CATEGORIES, "categories");
_Static_assert(CFG_ROLES == PROTO_MATRIX_ROLES, "roles");
_Static_assert(CFG_MAX_BASES == PROTO_MATRIX_MAX_BASES, "bases");
_Static_assert(CFG_BASIS_MAX == PROTO_MATRIX_BASIS_MAX, "basis size");
_Static_assert(CFG_LEVEL_EDIT == PROTO_MATRIX_LEVEL_MAX, "levels");
_Static_assert((int)CFG_REQUIRES_CONSENT ==
    (int)PROTO_MATRIX_REQUIRES_CONSENT &&
    (int)CFG_REQUIRES_BASIS == (int)PROTO_MATRIX_REQUIRES_BASIS,
    "requirements");
_Static_assert(FIELD_SIZE(cfg_matrix, federation) ==
    FIELD_SIZE(proto_matrix, federation), "federation");
_Static_assert(FIELD_SIZE(cfg_matrix, level) ==
    FIELD_SIZE(proto_matrix, level), "level");
_Static_assert(FIELD_SIZE(cfg_matrix, requires) ==
    FIELD_SIZE(proto_matrix, requires), "requires");
_Static_assert(FIELD_SIZE(cfg_matrix, nbases) ==
    FIELD_SIZE(proto_matrix, nbases), "nbases");
_Static_assert(FIELD_SIZE(cfg_matrix, bases) ==
    FIELD_SIZE(proto_matrix, bases), "bases");
_Static_assert(CFG_OUTSIDE == PROTO_MATRIX_OUTSIDE, "outside kinds");
_Static_assert(FIELD_SIZE(cfg_matrix, outside) ==
    FIELD_SIZE(proto_matrix, outside), "outside");

static char dir[64];
static struct sec_identity *ida, *idb;
static const struct sec_public *pa, *pb;

/* Big things: static, not on the stack. */
static uint8_t buf[PROTO_SIGNED_MATRIX_MAX + 64];
static uint8_t buf2[PROTO_SIGNED_MATRIX_MAX + 64];
static struct proto_writer w;
static struct cfg_matrix cm, cm2;
static struct proto_matrix pm, pm2;

static wn_err
sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	return sec_identity_sign(ctx, msg, len, sig);
}

static wn_err
sign_fail(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
	(void)ctx;
	(void)msg;
	(void)len;
	(void)sig;
	return WN_EBUSY;
}

static struct sec_identity *
make_identity(const char *name)
{
	struct sec_identity *id = NULL;
	struct sec_secret *pass = NULL;
	char path[128], err[256];

	assert_int_equal(sec_secret_new(8, &pass), WN_OK);
	memcpy(pass->data, "password", 8);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_int_equal(sec_identity_create(path, pass, SEC_KDF_INTERACTIVE,
			     &id, err, sizeof(err)),
	    WN_OK);
	sec_secret_free(pass);
	return id;
}

static int
setup(void **state)
{
	(void)state;
	if (sec_init() != WN_OK)
		return -1;
	wn_strlcpy(dir, "/tmp/test_matrix_wire.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		return -1;
	ida = make_identity("director");
	idb = make_identity("other");
	pa = sec_identity_public(ida);
	pb = sec_identity_public(idb);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	(void)state;
	sec_identity_free(ida);
	sec_identity_free(idb);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* What the node does: copy field by field between the two structs. */
static void
to_proto(const struct cfg_matrix *c, uint64_t version, int64_t issued,
    struct proto_matrix *p)
{
	memset(p, 0, sizeof(*p));
	p->version = version;
	p->issued_ms = issued;
	memcpy(p->federation, c->federation, sizeof(p->federation));
	memcpy(p->level, c->level, sizeof(p->level));
	memcpy(p->requires, c->requires, sizeof(p->requires));
	memcpy(p->nbases, c->nbases, sizeof(p->nbases));
	memcpy(p->bases, c->bases, sizeof(p->bases));
	memcpy(p->outside, c->outside, sizeof(p->outside));
}

static void
to_cfg(const struct proto_matrix *p, struct cfg_matrix *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->federation, p->federation, sizeof(c->federation));
	memcpy(c->level, p->level, sizeof(c->level));
	memcpy(c->requires, p->requires, sizeof(c->requires));
	memcpy(c->nbases, p->nbases, sizeof(c->nbases));
	memcpy(c->bases, p->bases, sizeof(c->bases));
	memcpy(c->outside, p->outside, sizeof(c->outside));
}

/* example loads config/neteland.matrix into pm (version 3). */
static void
example(void)
{
	char err[CFG_ERR_LEN];
	assert_int_equal(cfg_matrix_load("config/neteland.matrix", &cm, err,
	    sizeof(err)), WN_OK);
	to_proto(&cm, 3, INT64_C(1760000000000), &pm);
}

/* encode writes pm into buf; returns the length. */
static size_t
encode(const struct proto_matrix *m)
{
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_encode(m, &w), WN_OK);
	return w.len;
}

/* The numbers in PROTOCOL.md and matrix_wire.h, by name. */
static void
test_numbering(void **state)
{
	static const char *const types[] = {"situation", "person", "family",
	    "group", "mediation"};
	static const char *const cats[] = {"identity", "contact", "signals",
	    "police", "care", "housing", "income_debts", "family",
	    "education_work", "plan", "actions", "deliberation", "results"};
	static const char *const roles[] = {"municipality", "police",
	    "community_guards", "outreach", "welfare", "housing",
	    "youth_work", "mediation"};
	static const char *const levels[] = {"none", "existence", "view",
	    "edit"};
	static const char *const reqs[] = {"none", "consent", "basis"};
	static const char *const outside[] = {"signal_summary"};
	(void)state;

	for (int i = 0; i < PROTO_MATRIX_TYPES; i++)
		assert_string_equal(cfg_case_type_name((enum cfg_case_type)i),
		    types[i]);
	for (int i = 0; i < PROTO_MATRIX_CATEGORIES; i++)
		assert_string_equal(cfg_category_name((enum cfg_category)i),
		    cats[i]);
	for (int i = 0; i < PROTO_MATRIX_ROLES; i++) {
		assert_string_equal(cfg_role_name((enum cfg_role)i), roles[i]);
		assert_true(proto_role_valid(roles[i], strlen(roles[i])));
	}
	for (int i = 0; i <= PROTO_MATRIX_LEVEL_MAX; i++)
		assert_string_equal(cfg_level_name((enum cfg_level)i),
		    levels[i]);
	for (int i = 0; i <= PROTO_MATRIX_REQUIRES_MAX; i++)
		assert_string_equal(cfg_requires_name((enum cfg_requires)i),
		    reqs[i]);
	for (int i = 0; i < PROTO_MATRIX_OUTSIDE; i++)
		assert_string_equal(cfg_outside_name((enum cfg_outside)i),
		    outside[i]);
	assert_int_equal(WN_ARRAY_LEN(outside), PROTO_MATRIX_OUTSIDE);
	assert_int_equal(PROTO_MSG_MATRIX, 8);
	assert_int_equal(PROTO_MSG_MATRIX_ACK, 9);
	assert_string_equal(proto_msg_type_name(PROTO_MSG_MATRIX), "matrix");
	assert_string_equal(proto_msg_type_name(PROTO_MSG_MATRIX_ACK),
	    "matrix_ack");
}

static void
test_roundtrip(void **state)
{
	struct proto_error err;
	size_t len;
	(void)state;

	example();
	len = encode(&pm);
	memset(&pm2, 0xaa, sizeof(pm2));
	assert_int_equal(proto_matrix_decode(buf, len, &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));
	/* and back to the config struct the node enforces */
	to_cfg(&pm2, &cm2);
	assert_memory_equal(&cm, &cm2, sizeof(cm));
	assert_int_equal(cfg_matrix_level(&cm2, CFG_CASE_SITUATION,
	    CFG_CAT_POLICE, CFG_ROLE_YOUTH_WORK), CFG_LEVEL_EXISTENCE);
	assert_true(cfg_matrix_basis_accepted(&cm2, CFG_CAT_POLICE,
	    "art. 458ter Sw."));
	/* with its outside cell: key 6 */
	assert_int_equal(buf[0], 0xa6);
	assert_int_equal(cfg_matrix_outside_level(&cm2, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_VIEW);
	assert_int_equal(cfg_matrix_outside_level(&cm2, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_POLICE), CFG_LEVEL_NONE);

	/* and without it: five keys, the rest the same */
	example();
	memset(pm.outside, 0, sizeof(pm.outside));
	len = encode(&pm);
	assert_int_equal(buf[0], 0xa5);
	memset(&pm2, 0xaa, sizeof(pm2));
	assert_int_equal(proto_matrix_decode(buf, len, &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));

	/* the empty matrix: no cells, no requirements */
	memset(&pm, 0, sizeof(pm));
	pm.version = UINT64_MAX;
	pm.issued_ms = INT64_MIN;
	wn_strlcpy(pm.federation, "a", sizeof(pm.federation));
	len = encode(&pm);
	assert_int_equal(proto_matrix_decode(buf, len, &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));
}

/* Every cell set and every category with eight bases of 127 bytes: the
 * largest matrix fits the documented limits. */
static void
test_largest(void **state)
{
	struct proto_error err;
	size_t len;
	(void)state;

	memset(&pm, 0, sizeof(pm));
	pm.version = UINT64_MAX;
	pm.issued_ms = INT64_MIN;
	memset(pm.federation, 'f', PROTO_ORG_ID_MAX);
	memset(pm.level, PROTO_MATRIX_LEVEL_MAX, sizeof(pm.level));
	for (int c = 0; c < PROTO_MATRIX_CATEGORIES; c++) {
		pm.requires[c] = PROTO_MATRIX_REQUIRES_BASIS;
		pm.nbases[c] = PROTO_MATRIX_MAX_BASES;
		for (int i = 0; i < PROTO_MATRIX_MAX_BASES; i++) {
			memset(pm.bases[c][i], 'b', PROTO_MATRIX_BASIS_MAX);
			pm.bases[c][i][0] = (char)('A' + i);
		}
	}
	/* without outside cells, the size it had before key 6 existed */
	len = encode(&pm);
	assert_int_equal(len, 16161);
	memset(pm.outside, PROTO_MATRIX_LEVEL_MAX, sizeof(pm.outside));
	len = encode(&pm);
	assert_int_equal(len, 16195);
	assert_true(len <= PROTO_MATRIX_MAX);
	assert_int_equal(proto_matrix_decode(buf, len, &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));

	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w), WN_OK);
	assert_true(w.len <= PROTO_SIGNED_MATRIX_MAX);
	assert_true(w.len < PROTO_BODY_MAX);
	assert_int_equal(proto_matrix_verify_signed(buf, w.len, pa->sign_pk,
	    &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));

	/* one byte over the limit is refused before it is read */
	assert_int_equal(proto_matrix_decode(buf, PROTO_MATRIX_MAX + 1, &pm2,
	    &err), WN_ETOOBIG);
	assert_int_equal(proto_matrix_verify_signed(buf,
	    PROTO_SIGNED_MATRIX_MAX + 1, pa->sign_pk, &pm2, &err),
	    WN_ETOOBIG);
	assert_non_null(strstr(err.msg, "exceeds the limit"));
}

#define CORPUS "tests/fuzz/corpus/matrix/"

/* read_corpus reads a file of the matrix fuzz corpus into b. */
static size_t
read_corpus(const char *name, uint8_t *b, size_t cap)
{
	char path[128];
	size_t n;
	FILE *f;
	snprintf(path, sizeof(path), CORPUS "%s", name);
	assert_non_null(f = fopen(path, "rb"));
	n = fread(b, 1, cap, f);
	assert_true(n > 0 && n < cap);
	fclose(f);
	return n;
}

/* Known answers, written from the CDDL in PROTOCOL.md: a matrix without
 * outside cells has the bytes it had before key 6 existed (so its
 * signature still holds), and one with them adds key 6 and nothing else. */
static void
test_known_bytes(void **state)
{
	static const uint8_t five[] = {
	    0xa5,                                           /* map(5) */
	    0x01, 0x01,                                     /* 1: version 1 */
	    0x02, 0x69, 'h', 'e', 'r', 'e', 'n', 't', 'a', 'l', 's',
	    0x03, 0x00,                                     /* 3: issued 0 */
	    0x04, 0x82,                                     /* 4: two cells */
	    0x84, 0x00, 0x02, 0x01, 0x02,      /* situation signals police view */
	    0x84, 0x00, 0x03, 0x06, 0x01, /* situation police youth existence */
	    0x05, 0x81,                                     /* 5: one */
	    0x83, 0x04, 0x01, 0x80,                     /* care: consent, [] */
	};
	static const uint8_t six[] = {
	    0xa6,                                           /* map(6) */
	    0x01, 0x01,
	    0x02, 0x69, 'h', 'e', 'r', 'e', 'n', 't', 'a', 'l', 's',
	    0x03, 0x00,
	    0x04, 0x82,
	    0x84, 0x00, 0x02, 0x01, 0x02,
	    0x84, 0x00, 0x03, 0x06, 0x01,
	    0x05, 0x81,
	    0x83, 0x04, 0x01, 0x80,
	    0x06, 0x82,                               /* 6: two outside cells */
	    0x83, 0x00, 0x00, 0x02,       /* signal_summary municipality view */
	    0x83, 0x00, 0x07, 0x01,       /* signal_summary mediation existence */
	};
	struct proto_error err;
	size_t len;
	(void)state;

	memset(&pm, 0, sizeof(pm));
	pm.version = 1;
	wn_strlcpy(pm.federation, "herentals", sizeof(pm.federation));
	pm.level[0][2][1] = 2;
	pm.level[0][3][6] = 1;
	pm.requires[4] = PROTO_MATRIX_REQUIRES_CONSENT;
	len = encode(&pm);
	assert_int_equal(len, sizeof(five));
	assert_memory_equal(buf, five, sizeof(five));
	memset(&pm2, 0x33, sizeof(pm2));
	assert_int_equal(proto_matrix_decode(five, sizeof(five), &pm2, &err),
	    WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));

	/* The Neteland matrix as it was before [outside cases], and its
	 * compiled and signed forms as the encoder of that time wrote them
	 * (tests/fuzz/corpus/matrix: signed with the fuzz corpus key, seed
	 * 32 x 0x01): the same bytes now, and the signature holds. */
	{
		static const uint8_t corpus_pk[32] = {
		    0x8a, 0x88, 0xe3, 0xdd, 0x74, 0x09, 0xf1, 0x95, 0xfd, 0x52,
		    0xdb, 0x2d, 0x3c, 0xba, 0x5d, 0x72, 0xca, 0x67, 0x09, 0xbf,
		    0x1d, 0x94, 0x12, 0x1b, 0xf3, 0x74, 0x88, 0x01, 0xb4, 0x0f,
		    0x6f, 0x5c};
		char cerr[CFG_ERR_LEN];
		size_t wlen = read_corpus("wire-neteland", buf2, sizeof(buf2));
		assert_int_equal(cfg_matrix_load(CORPUS "text-neteland", &cm,
		    cerr, sizeof(cerr)), WN_OK);
		to_proto(&cm, 2, INT64_C(1760000000000), &pm2);
		len = encode(&pm2);
		assert_int_equal(len, wlen);
		assert_memory_equal(buf, buf2, wlen);
		wlen = read_corpus("signed-neteland", buf2, sizeof(buf2));
		assert_int_equal(proto_matrix_verify_signed(buf2, wlen,
		    corpus_pk, &pm2, &err), WN_OK);
		assert_int_equal(pm2.version, 2);
	}

	pm.outside[0][0] = 2;
	pm.outside[0][7] = 1;
	len = encode(&pm);
	assert_int_equal(len, sizeof(six));
	assert_memory_equal(buf, six, sizeof(six));
	memset(&pm2, 0x33, sizeof(pm2));
	assert_int_equal(proto_matrix_decode(six, sizeof(six), &pm2, &err),
	    WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));
}

/* The same matrix always gives the same bytes, and those bytes are the
 * only ones the decoder takes for it. */
static void
test_canonical(void **state)
{
	struct proto_error err;
	size_t len, len2;
	(void)state;

	example();
	len = encode(&pm);
	memcpy(buf2, buf, len);
	/* parse the file again: a fresh struct, the same bytes */
	example();
	len2 = encode(&pm);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	/* decode and encode again: the input */
	assert_int_equal(proto_matrix_decode(buf2, len, &pm2, &err), WN_OK);
	len2 = encode(&pm2);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
	/* garbage after the terminators and past nbases does not count */
	memset(pm.bases[CFG_CAT_CARE][3], 'x', 10);
	memset(pm.federation + strlen(pm.federation) + 1, 'y', 5);
	len2 = encode(&pm);
	assert_int_equal(len, len2);
	assert_memory_equal(buf, buf2, len);
}

/* encoder_refuses: encoding pm fails with WN_EINVAL and writes nothing. */
static void
encoder_refuses(void)
{
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_encode(&pm, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);
}

static void
test_encode_refusals(void **state)
{
	(void)state;
	example();
	pm.version = 0;
	encoder_refuses();
	example();
	pm.federation[0] = '\0';
	encoder_refuses();
	example();
	wn_strlcpy(pm.federation, "Herentals", sizeof(pm.federation));
	encoder_refuses();
	example();
	memset(pm.federation, 'a', sizeof(pm.federation)); /* unterminated */
	encoder_refuses();
	example();
	pm.level[4][12][7] = 4;
	encoder_refuses();
	example();
	pm.outside[0][7] = 4;
	encoder_refuses();
	example();
	pm.outside[0][0] = 0xff;
	encoder_refuses();
	example();
	pm.requires[CFG_CAT_RESULTS] = 3;
	encoder_refuses();
	example();
	pm.nbases[CFG_CAT_CARE] = 1; /* consent lists no bases */
	wn_strlcpy(pm.bases[CFG_CAT_CARE][0], "x", PROTO_MATRIX_BASIS_MAX + 1);
	encoder_refuses();
	example();
	pm.nbases[CFG_CAT_SIGNALS] = 1; /* nor does "none" */
	wn_strlcpy(pm.bases[CFG_CAT_SIGNALS][0], "x",
	    PROTO_MATRIX_BASIS_MAX + 1);
	encoder_refuses();
	example();
	pm.nbases[CFG_CAT_POLICE] = 0; /* basis needs one */
	encoder_refuses();
	example();
	pm.nbases[CFG_CAT_POLICE] = PROTO_MATRIX_MAX_BASES + 1;
	encoder_refuses();
	example();
	pm.bases[CFG_CAT_POLICE][0][0] = '\0';
	encoder_refuses();
	example();
	pm.bases[CFG_CAT_POLICE][0][3] = '\n';
	encoder_refuses();
	example();
	memcpy(pm.bases[CFG_CAT_POLICE][0], "\xc2\x9f", 3); /* C1 */
	encoder_refuses();
	example();
	memcpy(pm.bases[CFG_CAT_POLICE][0], "\xc3\x28", 3); /* not UTF-8 */
	encoder_refuses();
	example();
	memset(pm.bases[CFG_CAT_POLICE][0], 'a', PROTO_MATRIX_BASIS_MAX + 1);
	encoder_refuses();
	example();
	wn_strlcpy(pm.bases[CFG_CAT_POLICE][1], pm.bases[CFG_CAT_POLICE][0],
	    PROTO_MATRIX_BASIS_MAX + 1);
	encoder_refuses();

	/* a writer that is too small: its status */
	example();
	proto_writer_init(&w, buf, 20);
	assert_int_equal(proto_matrix_encode(&pm, &w), WN_ETOOBIG);
}

/* ---- hand-made matrices ---------------------------------------------- */

static void
begin(void)
{
	proto_writer_init(&w, buf, sizeof(buf));
}

/* head writes the map header and keys 1..3 of a valid matrix. */
static void
head(void)
{
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "herentals");
	proto_write_uint(&w, 3);
	proto_write_int(&w, 0);
}

static void
cell(uint64_t t, uint64_t c, uint64_t r, uint64_t l)
{
	proto_write_array(&w, 4);
	proto_write_uint(&w, t);
	proto_write_uint(&w, c);
	proto_write_uint(&w, r);
	proto_write_uint(&w, l);
}

/* cells writes key 4 with two valid cells. */
static void
cells(void)
{
	proto_write_uint(&w, 4);
	proto_write_array(&w, 2);
	cell(0, 2, 1, 2);
	cell(0, 3, 6, 1);
}

static void
no_reqs(void)
{
	proto_write_uint(&w, 5);
	proto_write_array(&w, 0);
}

/* accepted: the bytes in w decode. */
static void
accepted(void)
{
	struct proto_error err;
	assert_int_equal(proto_writer_status(&w), WN_OK);
	if (proto_matrix_decode(buf, w.len, &pm2, &err) != WN_OK) {
		print_error("refused at %zu: %s\n", err.offset, err.msg);
		fail();
	}
}

/* refused_exact: the bytes in w do not decode, with want in the
 * message, at offset at; and a struct given to the decoder stays as it
 * was. */
static void
refused_exact(const char *want, size_t at)
{
	struct proto_error err;
	wn_err rv;

	assert_int_equal(proto_writer_status(&w), WN_OK);
	memset(&pm2, 0x5a, sizeof(pm2));
	rv = proto_matrix_decode(buf, w.len, &pm2, &err);
	if (rv != WN_EPROTO || strstr(err.msg, want) == NULL ||
	    err.offset != at) {
		print_error("want \"%s\" at %zu, got %d \"%s\" at %zu\n", want,
		    at, rv, rv == WN_OK ? "" : err.msg, err.offset);
		fail();
	}
	for (size_t i = 0; i < sizeof(pm2); i++)
		assert_int_equal(((uint8_t *)&pm2)[i], 0x5a);
	/* without err, too */
	assert_int_equal(proto_matrix_decode(buf, w.len, &pm2, NULL),
	    WN_EPROTO);
}

/* refused: as refused_exact, after 600 more bytes (uint 0s): the reader
 * refuses a count larger than the bytes left before it reads an item, so
 * a matrix cut short after its bad item would be refused for that. */
static void
refused(const char *want, size_t at)
{
	for (int i = 0; i < 600; i++)
		proto_write_uint(&w, 0);
	refused_exact(want, at);
}

static void
test_decode_map(void **state)
{
	size_t at;
	(void)state;

	begin();
	head();
	cells();
	no_reqs();
	accepted();
	assert_int_equal(pm2.level[0][2][1], 2);
	assert_int_equal(pm2.level[0][3][6], 1);
	assert_string_equal(pm2.federation, "herentals");

	begin();
	proto_write_array(&w, 5);
	refused("expected map", 0);

	begin();
	proto_write_map(&w, 4);
	refused("matrix map of 4 keys, expected 5 or 6", 0);

	begin();
	proto_write_map(&w, 7);
	refused("matrix map of 7 keys, expected 5 or 6", 0);

	/* key 1 missing, 2 first */
	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 2);
	refused("key 2 out of order", 1);

	/* keys 2 and 3 swapped */
	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	at = w.len;
	proto_write_uint(&w, 3);
	proto_write_int(&w, 0);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "herentals");
	cells();
	no_reqs();
	refused("key 3 out of order", at);

	/* key 1 twice */
	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	at = w.len;
	proto_write_uint(&w, 1);
	refused("key 1 twice or out of order", at);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 7);
	refused("unknown key 7", 1);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 6);
	refused("key 6 out of order (keys go 1..5 in order)", 1);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 0);
	refused("unknown key 0", 1);

	begin();
	proto_write_map(&w, 5);
	proto_write_text(&w, "version");
	refused("expected uint", 1);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 0);
	refused("matrix version 0", 2);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_int(&w, -1);
	refused("expected uint", 2);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	at = w.len;
	proto_write_text(&w, "Herentals");
	refused("invalid federation id", at);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	at = w.len;
	proto_write_text(&w, "");
	refused("invalid federation id", at);

	begin();
	proto_write_map(&w, 5);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "herentals");
	proto_write_uint(&w, 3);
	at = w.len;
	proto_write_text(&w, "2025-01-01");
	refused("expected", at);

	/* trailing bytes */
	begin();
	head();
	cells();
	no_reqs();
	at = w.len;
	proto_write_uint(&w, 0);
	refused("trailing", at);

	/* an empty input and a lone header */
	begin();
	refused_exact("", 0);
	begin();
	proto_write_map(&w, 5);
	refused_exact("map count 5 exceeds", 0);
}

/* outside writes the key and array header of key 6 with n cells. */
static void
outside(size_t n)
{
	proto_write_uint(&w, 6);
	proto_write_array(&w, n);
}

static void
ocell(uint64_t what, uint64_t r, uint64_t l)
{
	proto_write_array(&w, 3);
	proto_write_uint(&w, what);
	proto_write_uint(&w, r);
	proto_write_uint(&w, l);
}

/* head6 writes a valid matrix's keys 1..5 in a map of six. */
static void
head6(void)
{
	proto_write_map(&w, 6);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "herentals");
	proto_write_uint(&w, 3);
	proto_write_int(&w, 0);
	cells();
	no_reqs();
}

static void
test_decode_outside(void **state)
{
	size_t at;
	(void)state;

	/* every role, sorted by role */
	begin();
	head6();
	outside(PROTO_MATRIX_ROLES);
	for (uint64_t r = 0; r < PROTO_MATRIX_ROLES; r++)
		ocell(0, r, 1 + r % 3);
	accepted();
	for (int r = 0; r < PROTO_MATRIX_ROLES; r++)
		assert_int_equal(pm2.outside[0][r], 1 + r % 3);
	assert_int_equal(pm2.level[0][2][1], 2);

	/* an empty key 6: the canonical form leaves it out */
	begin();
	head6();
	at = w.len;
	outside(0);
	refused("no outside cells (key 6 is absent when every outside cell "
	    "is none)", at + 1);

	/* a map of six without key 6 */
	begin();
	head6();
	refused_exact("", w.len);

	/* key 6 before key 5 */
	begin();
	proto_write_map(&w, 6);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 1);
	proto_write_uint(&w, 2);
	proto_write_text(&w, "herentals");
	proto_write_uint(&w, 3);
	proto_write_int(&w, 0);
	cells();
	at = w.len;
	outside(1);
	ocell(0, 0, 2);
	no_reqs();
	refused("key 6 out of order (keys go 1..6 in order)", at);

	/* key 6 in a map of five: bytes after the matrix */
	begin();
	head();
	cells();
	no_reqs();
	at = w.len;
	outside(1);
	ocell(0, 0, 2);
	refused("trailing", at);

	/* key 5 twice in a map of six */
	begin();
	head6();
	at = w.len;
	no_reqs();
	refused("key 5 twice or out of order", at);

	/* a duplicate, even with the same level, and disorder */
	begin();
	head6();
	outside(3);
	ocell(0, 1, 2);
	at = w.len;
	ocell(0, 1, 2);
	ocell(0, 2, 2);
	refused("outside cell [0, 1] twice", at);

	begin();
	head6();
	outside(2);
	ocell(0, 3, 2);
	at = w.len;
	ocell(0, 2, 2);
	refused("outside cell [0, 2] out of order", at);

	/* ranges: what, role, level (none is never listed) */
	begin();
	head6();
	outside(1);
	proto_write_array(&w, 3);
	at = w.len;
	proto_write_uint(&w, 1);
	refused("outside kind 1 out of range 0..0", at);

	begin();
	head6();
	outside(1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 8);
	refused("role 8 out of range 0..7", at);

	begin();
	head6();
	outside(1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 0);
	refused("level 0 out of range 1..3", at);

	begin();
	head6();
	outside(1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 4);
	refused("level 4 out of range 1..3", at);

	begin();
	head6();
	outside(1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_int(&w, -1);
	refused("expected uint", at);

	/* the shape of a cell and of the list */
	begin();
	head6();
	outside(1);
	at = w.len;
	cell(0, 0, 0, 2);
	refused("outside cell of 4 items, expected 3", at);

	begin();
	head6();
	at = w.len;
	proto_write_uint(&w, 6);
	proto_write_map(&w, 0);
	refused("expected array", at + 1);

	begin();
	head6();
	at = w.len + 1;
	outside(PROTO_MATRIX_ROLES + 1);
	for (uint64_t r = 0; r < PROTO_MATRIX_ROLES; r++)
		ocell(0, r, 2);
	ocell(0, 7, 2);
	refused("9 outside cells, at most 8", at);
}

static void
test_decode_cells(void **state)
{
	size_t at;
	(void)state;

	/* sorted by type, then category, then role */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 4);
	cell(0, 12, 7, 3);
	cell(1, 0, 0, 1);
	cell(1, 0, 1, 2);
	cell(4, 12, 7, 3);
	no_reqs();
	accepted();
	assert_int_equal(pm2.level[4][12][7], 3);

	/* a duplicate cell, even with the same level */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 3);
	cell(0, 2, 1, 2);
	at = w.len;
	cell(0, 2, 1, 2);
	cell(0, 2, 2, 2);
	no_reqs();
	refused("cell [0, 2, 1] twice", at);

	/* out of order: role, category, type */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 2);
	cell(0, 2, 2, 2);
	at = w.len;
	cell(0, 2, 1, 2);
	no_reqs();
	refused("cell [0, 2, 1] out of order", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 2);
	cell(0, 3, 0, 2);
	at = w.len;
	cell(0, 2, 7, 2);
	no_reqs();
	refused("cell [0, 2, 7] out of order", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 2);
	cell(1, 0, 0, 2);
	at = w.len;
	cell(0, 12, 7, 2);
	no_reqs();
	refused("cell [0, 12, 7] out of order", at);

	/* ranges: type, category, role, level (none is never listed) */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	at = w.len;
	proto_write_uint(&w, 5);
	refused("case type 5 out of range 0..4", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 13);
	refused("category 13 out of range 0..12", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 8);
	refused("role 8 out of range 0..7", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 0);
	refused("level 0 out of range 1..3", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_uint(&w, 4);
	refused("level 4 out of range 1..3", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	proto_write_array(&w, 4);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	at = w.len;
	proto_write_int(&w, -1);
	refused("expected uint", at);

	/* shapes */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 1);
	at = w.len;
	proto_write_array(&w, 3);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	proto_write_uint(&w, 0);
	no_reqs();
	refused("cell of 3 items, expected 4", at);

	begin();
	head();
	proto_write_uint(&w, 4);
	at = w.len;
	proto_write_map(&w, 0);
	no_reqs();
	refused("expected array", at);

	/* more cells than the matrix has, refused before any is read */
	begin();
	head();
	proto_write_uint(&w, 4);
	at = w.len;
	proto_write_array(&w, 521);
	refused("521 cells, at most 520", at);

	/* all 520 in order */
	begin();
	head();
	proto_write_uint(&w, 4);
	proto_write_array(&w, 520);
	for (int t = 0; t < 5; t++)
		for (int c = 0; c < 13; c++)
			for (int r = 0; r < 8; r++)
				cell((uint64_t)t, (uint64_t)c, (uint64_t)r,
				    (uint64_t)(1 + (t + c + r) % 3));
	no_reqs();
	accepted();
}

/* req writes one requirement with n bases named from names. */
static void
req(uint64_t c, uint64_t r, size_t n, const char *const *names)
{
	proto_write_array(&w, 3);
	proto_write_uint(&w, c);
	proto_write_uint(&w, r);
	proto_write_array(&w, n);
	for (size_t i = 0; i < n; i++)
		proto_write_text(&w, names[i]);
}

static void
test_decode_requires(void **state)
{
	static const char *const b[] = {"art. 458ter Sw.", "B", "C", "D", "E",
	    "F", "G", "H", "I"};
	static const char *const dup[] = {"art. 458ter Sw.", "X",
	    "art. 458ter Sw."};
	size_t at;
	(void)state;

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 3);
	req(3, 2, 8, b);
	req(4, 1, 0, NULL);
	req(12, 2, 1, b);
	accepted();
	assert_int_equal(pm2.requires[3], 2);
	assert_int_equal(pm2.nbases[3], 8);
	assert_string_equal(pm2.bases[3][0], "art. 458ter Sw.");
	assert_string_equal(pm2.bases[3][7], "H");
	assert_int_equal(pm2.requires[4], 1);
	assert_int_equal(pm2.nbases[4], 0);
	assert_int_equal(pm2.requires[0], 0);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 2);
	req(4, 1, 0, NULL);
	at = w.len;
	req(4, 1, 0, NULL);
	refused("requirement of category 4 twice", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 2);
	req(4, 1, 0, NULL);
	at = w.len;
	req(3, 2, 1, b);
	refused("requirement of category 3 out of order", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 4);
	at = w.len;
	proto_write_uint(&w, 0);
	refused("requirement 0 out of range 1..2", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 4);
	at = w.len;
	proto_write_uint(&w, 3);
	refused("requirement 3 out of range 1..2", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	at = w.len;
	proto_write_uint(&w, 13);
	refused("category 13 out of range 0..12", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 4);
	proto_write_uint(&w, 1);
	at = w.len;
	proto_write_array(&w, 1);
	proto_write_text(&w, "x");
	refused("category 4 requires consent but lists bases", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 3);
	proto_write_uint(&w, 2);
	at = w.len;
	proto_write_array(&w, 0);
	refused("category 3 requires a basis but lists none", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 3);
	proto_write_uint(&w, 2);
	at = w.len;
	proto_write_array(&w, 9);
	refused("9 bases, at most 8", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	proto_write_array(&w, 3);
	proto_write_uint(&w, 3);
	proto_write_uint(&w, 2);
	proto_write_array(&w, 3);
	proto_write_text(&w, dup[0]);
	proto_write_text(&w, dup[1]);
	at = w.len;
	proto_write_text(&w, dup[2]);
	refused("basis listed twice in category 3", at);

	{
		static const char *const bad[] = {"", "a\nb", "\x7f",
		    "\xc2\x80 C1", "tab\t"};
		char longest[PROTO_MATRIX_BASIS_MAX + 2];
		for (size_t i = 0; i <= WN_ARRAY_LEN(bad); i++) {
			const char *s = i < WN_ARRAY_LEN(bad) ? bad[i] : longest;
			memset(longest, 'l', sizeof(longest) - 1);
			longest[sizeof(longest) - 1] = '\0';
			begin();
			head();
			cells();
			proto_write_uint(&w, 5);
			proto_write_array(&w, 1);
			proto_write_array(&w, 3);
			proto_write_uint(&w, 3);
			proto_write_uint(&w, 2);
			proto_write_array(&w, 1);
			at = w.len;
			proto_write_text(&w, s);
			refused("invalid basis", at);
		}
		/* 127 bytes, and non-ASCII text, are fine */
		longest[PROTO_MATRIX_BASIS_MAX] = '\0';
		begin();
		head();
		cells();
		proto_write_uint(&w, 5);
		proto_write_array(&w, 1);
		proto_write_array(&w, 3);
		proto_write_uint(&w, 3);
		proto_write_uint(&w, 2);
		proto_write_array(&w, 2);
		proto_write_text(&w, longest);
		proto_write_text(&w, "décret \xe2\x80\x94 art. 5");
		accepted();
		assert_string_equal(pm2.bases[3][0], longest);
	}

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	at = w.len;
	proto_write_array(&w, 14);
	refused("14 requirements, at most 13", at);

	begin();
	head();
	cells();
	proto_write_uint(&w, 5);
	proto_write_array(&w, 1);
	at = w.len;
	proto_write_array(&w, 2);
	proto_write_uint(&w, 4);
	proto_write_uint(&w, 1);
	refused("requirement of 2 items, expected 3", at);
}

/* Every proper prefix of a valid matrix and of a signed matrix is
 * refused, and so is every single flipped byte of the signed one. */
static void
test_truncated(void **state)
{
	struct proto_error err;
	size_t len;
	(void)state;

	example();
	len = encode(&pm);
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(proto_matrix_decode(buf, n, &pm2, &err),
		    WN_EPROTO);
		assert_true(err.offset <= n);
	}
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w), WN_OK);
	len = w.len;
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(proto_matrix_verify_signed(buf, n,
		    pa->sign_pk, &pm2, &err), WN_EPROTO);
		assert_true(err.offset <= n);
	}
	for (size_t i = 0; i < len; i++) {
		wn_err rv;
		buf[i] ^= 0x01;
		rv = proto_matrix_verify_signed(buf, len, pa->sign_pk, &pm2,
		    &err);
		assert_true(rv == WN_EPROTO || rv == WN_ECRYPTO ||
		    rv == WN_ETOOBIG);
		buf[i] ^= 0x01;
	}
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, &err), WN_OK);
}

static void
test_signed(void **state)
{
	struct proto_error err;
	size_t len;
	(void)state;

	example();
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w), WN_OK);
	len = w.len;
	memset(&pm2, 0, sizeof(pm2));
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, &err), WN_OK);
	assert_memory_equal(&pm, &pm2, sizeof(pm));
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, NULL), WN_OK);

	/* the protected header: exactly {1: -8, "t": 8} */
	assert_memory_equal(buf, "\xd2\x84\x46\xa2\x01\x27\x61\x74\x08\xa0",
	    10);

	/* a foreign key: WN_ECRYPTO, and *out untouched */
	memset(&pm2, 0x33, sizeof(pm2));
	assert_int_equal(proto_matrix_verify_signed(buf, len, pb->sign_pk,
	    &pm2, &err), WN_ECRYPTO);
	assert_string_equal(err.msg, "bad signature on the matrix");
	for (size_t i = 0; i < sizeof(pm2); i++)
		assert_int_equal(((uint8_t *)&pm2)[i], 0x33);

	/* signed by the other identity: only its key verifies it */
	proto_writer_init(&w, buf2, sizeof(buf2));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, idb, &w), WN_OK);
	assert_int_equal(proto_matrix_verify_signed(buf2, w.len, pa->sign_pk,
	    &pm2, &err), WN_ECRYPTO);
	assert_int_equal(proto_matrix_verify_signed(buf2, w.len, pb->sign_pk,
	    &pm2, &err), WN_OK);

	/* the bare matrix is not a signed matrix */
	len = encode(&pm);
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, &err), WN_EPROTO);

	/* no signer: refused, a matrix is never batch signed */
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, NULL, NULL, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);

	/* signing errors pass through, writing nothing */
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_fail, NULL, &w),
	    WN_EBUSY);
	assert_int_equal(w.len, 0);
	proto_writer_init(&w, buf, 100);
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w),
	    WN_ETOOBIG);
}

/* signed_with signs the encoded example under a hand-made protected
 * header (and unprotected map, NULL: empty) into buf. */
static size_t
signed_with(const uint8_t *prot, size_t prot_len, const uint8_t *unprot,
    size_t unprot_len)
{
	static uint8_t body[PROTO_MATRIX_MAX];
	struct proto_writer bw;

	example();
	proto_writer_init(&bw, body, sizeof(body));
	assert_int_equal(proto_matrix_encode(&pm, &bw), WN_OK);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_cose_sign1_encode(prot, prot_len, unprot,
	    unprot_len, body, bw.len, sign_cb, ida, &w), WN_OK);
	return w.len;
}

static void
prot_refused(const uint8_t *prot, size_t prot_len, const char *want,
    size_t at)
{
	struct proto_error err;
	size_t len = signed_with(prot, prot_len, NULL, 0);
	wn_err rv = proto_matrix_verify_signed(buf, len, pa->sign_pk, &pm2,
	    &err);
	if (rv != WN_EPROTO || strstr(err.msg, want) == NULL ||
	    err.offset != at) {
		print_error("want \"%s\" at %zu, got %d \"%s\" at %zu\n", want,
		    at, rv, rv == WN_OK ? "" : err.msg, err.offset);
		fail();
	}
}

static void
test_signed_header(void **state)
{
	struct proto_error err;
	struct proto_charter *ch;
	size_t len;
	(void)state;

	/* either order of the two labels */
	len = signed_with((const uint8_t *)"\xa2\x61\x74\x08\x01\x27", 6, NULL,
	    0);
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, &err), WN_OK);

	/* offsets: the protected bytes start at 3 */
	prot_refused((const uint8_t *)"\xa2\x01\x27\x61\x74\x04", 6,
	    "signed charter, expected matrix", 3);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x61\x74\x09", 6,
	    "signed matrix_ack, expected matrix", 3);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x61\x74\x18\x63", 7,
	    "unknown message type 99", 8);
	prot_refused((const uint8_t *)"\xa2\x01\x26\x61\x74\x08", 6,
	    "unsupported alg -7", 5);
	prot_refused((const uint8_t *)"\xa1\x01\x27", 3,
	    "missing label \"t\"", 3);
	prot_refused((const uint8_t *)"\xa1\x61\x74\x08", 4,
	    "missing label 1 (alg)", 3);
	prot_refused((const uint8_t *)"\xa3\x01\x27\x61\x74\x08\x61\x76\x01",
	    9, "unknown label \"v\"", 9);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x61\x76\x01", 6,
	    "unknown label \"v\"", 6);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x04\x08", 5,
	    "unknown label 4", 6);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x20\x08", 5,
	    "unknown label -1", 6);
	prot_refused((const uint8_t *)"\xa2\x01\x27\x61\x74\x40", 6,
	    "expected uint", 8);
	prot_refused(NULL, 0, "empty protected header", 3);

	/* an empty signature (the batch-signed form of an envelope) */
	{
		static uint8_t body[PROTO_MATRIX_MAX];
		struct proto_writer bw;
		proto_writer_init(&bw, body, sizeof(body));
		assert_int_equal(proto_matrix_encode(&pm, &bw), WN_OK);
		proto_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(proto_cose_sign1_encode(
		    (const uint8_t *)"\xa2\x01\x27\x61\x74\x08", 6, NULL, 0,
		    body, bw.len, NULL, NULL, &w), WN_OK);
		memset(&pm2, 0x77, sizeof(pm2));
		assert_int_equal(proto_matrix_verify_signed(buf, w.len,
		    pa->sign_pk, &pm2, &err), WN_ECRYPTO);
		assert_int_equal(((uint8_t *)&pm2)[0], 0x77);
	}

	/* a non-empty unprotected header */
	len = signed_with((const uint8_t *)"\xa2\x01\x27\x61\x74\x08", 6,
	    (const uint8_t *)"\xa1\x04\x41\x00", 4);
	assert_int_equal(proto_matrix_verify_signed(buf, len, pa->sign_pk,
	    &pm2, &err), WN_EPROTO);
	assert_string_equal(err.msg, "unprotected header must be empty");
	assert_int_equal(err.offset, 9);

	/* a signed charter is not a signed matrix, nor the other way */
	ch = calloc(1, sizeof(*ch));
	assert_non_null(ch);
	ch->version = 1;
	wn_strlcpy(ch->federation, "herentals", sizeof(ch->federation));
	ch->nmembers = 1;
	wn_strlcpy(ch->members[0].org, "herentals", 64);
	wn_strlcpy(ch->members[0].name, "Gemeente Herentals", 128);
	wn_strlcpy(ch->members[0].role, "municipality", 24);
	wn_strlcpy(ch->members[0].endpoint, "tcp://127.0.0.1:7401", 256);
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_charter_sign(ch, sign_cb, ida, &w), WN_OK);
	assert_int_equal(proto_matrix_verify_signed(buf, w.len, pa->sign_pk,
	    &pm2, &err), WN_EPROTO);
	assert_string_equal(err.msg, "signed charter, expected matrix");
	example();
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_sign(&pm, sign_cb, ida, &w), WN_OK);
	assert_int_equal(proto_charter_verify_signed(buf, w.len, pa->sign_pk,
	    ch, &err), WN_EPROTO);
	free(ch);

	/* a bad matrix inside a good signature: offset into the whole */
	{
		/* a map of five whose version is 0, and room for the rest */
		static const uint8_t bad[16] = {0xa5, 0x01, 0x00};
		struct proto_writer cw;
		proto_writer_init(&cw, buf, sizeof(buf));
		assert_int_equal(proto_cose_sign1_encode(
		    (const uint8_t *)"\xa2\x01\x27\x61\x74\x08", 6, NULL, 0,
		    bad, sizeof(bad), sign_cb, ida, &cw), WN_OK);
		assert_int_equal(proto_matrix_verify_signed(buf, cw.len,
		    pa->sign_pk, &pm2, &err), WN_EPROTO);
		assert_string_equal(err.msg, "matrix version 0");
		/* tag, array, prot (7), unprot, bstr header: payload at 11 */
		assert_int_equal(err.offset, 11 + 2);
	}
}

static void
test_ack(void **state)
{
	struct proto_matrix_ack a = {7}, b = {0};
	struct proto_error err;
	static const struct {
		const char *bytes;
		size_t len;
		const char *want;
	} bad[] = {
		{"\xa1\x01\x00", 3, "matrix version 0 out of range"},
		{"\xa1\x02\x01", 3, "unknown key 2"},
		{"\xa2\x01\x01\x02\x01", 5, "matrix ack map of 2 keys"},
		{"\xa0", 1, "matrix ack map of 0 keys"},
		{"\xa1\x01\x01\x00", 4, "trailing"},
		{"\xa1\x01\x20", 3, "expected uint"},
		{"\x81\x01", 2, "expected map"},
		{"", 0, ""},
	};
	(void)state;

	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_ack_encode(&a, &w), WN_OK);
	assert_int_equal(w.len, 3);
	assert_memory_equal(buf, "\xa1\x01\x07", 3);
	assert_int_equal(proto_matrix_ack_decode(buf, w.len, &b, &err), WN_OK);
	assert_int_equal(b.version, 7);

	a.version = UINT64_MAX;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_ack_encode(&a, &w), WN_OK);
	assert_int_equal(proto_matrix_ack_decode(buf, w.len, &b, NULL), WN_OK);
	assert_true(b.version == UINT64_MAX);

	a.version = 0;
	proto_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(proto_matrix_ack_encode(&a, &w), WN_EINVAL);
	assert_int_equal(w.len, 0);

	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		b.version = 42;
		assert_int_equal(proto_matrix_ack_decode(bad[i].bytes,
		    bad[i].len, &b, &err), WN_EPROTO);
		assert_non_null(strstr(err.msg, bad[i].want));
		assert_int_equal(b.version, 42);
	}
	assert_int_equal(proto_matrix_ack_decode(buf, PROTO_BODY_MAX, &b,
	    &err), WN_ETOOBIG);
}

/* Random bytes, and random changes to a valid matrix, never crash any
 * decoder here. */
static void
test_random(void **state)
{
	struct proto_matrix_ack ack;
	struct proto_error err;
	size_t len;
	uint32_t x = 2463534242u;
	wn_err rv;
	(void)state;

	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + (size_t)round % 300;
		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (uint8_t)x;
		}
		if (round % 3 == 0)
			buf[0] = 0xa5; /* a map of five, to get further */
		rv = proto_matrix_decode(buf, n, &pm2, &err);
		assert_true(rv == WN_OK || rv == WN_EPROTO);
		rv = proto_matrix_verify_signed(buf, n, pa->sign_pk, &pm2,
		    &err);
		assert_true(rv == WN_EPROTO);
		rv = proto_matrix_ack_decode(buf, n, &ack, &err);
		assert_true(rv == WN_OK || rv == WN_EPROTO);
	}
	example();
	len = encode(&pm);
	memcpy(buf2, buf, len);
	for (int round = 0; round < 20000; round++) {
		memcpy(buf, buf2, len);
		for (int k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[(x >> 8) % len] = (uint8_t)x;
		}
		if (proto_matrix_decode(buf, len, &pm2, &err) == WN_OK) {
			/* whatever decodes encodes to the same bytes */
			proto_writer_init(&w, buf2 + len, sizeof(buf2) - len);
			assert_int_equal(proto_matrix_encode(&pm2, &w), WN_OK);
			assert_int_equal(w.len, len);
			assert_memory_equal(buf2 + len, buf, len);
		} else {
			assert_true(err.offset <= len);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbering),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_known_bytes),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_decode_map),
		cmocka_unit_test(test_decode_cells),
		cmocka_unit_test(test_decode_requires),
		cmocka_unit_test(test_decode_outside),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_signed),
		cmocka_unit_test(test_signed_header),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_random),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
