/*
 * fuzz_matrix.c - libFuzzer harness for the authorization matrix: the
 * source file parser (config/matrix.h) and the wire decoders
 * (protocol/matrix_wire.h).
 *
 * Each input is parsed as a matrix file and decoded as a compiled matrix,
 * a signed matrix and a matrix ack. Whatever is accepted is checked for
 * invariants: a parsed file always compiles (what the config accepts, the
 * wire accepts) and decodes back to the same cells; a decoded matrix or
 * ack encodes to the input byte for byte (the decoders take only the
 * canonical form); lookups agree with the struct. Signatures are checked
 * against a fixed key: the corpus is signed with its secret half (seed
 * 32 x 0x01, as for fuzz_envelope), so valid signatures are reached.
 */
#include <string.h>

#include "config/matrix.h"
#include "protocol/matrix_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ed25519 public key of the seed 01 01 ... 01 used for the corpus. */
static const uint8_t fuzz_pk[32] = {
	0x8a, 0x88, 0xe3, 0xdd, 0x74, 0x09, 0xf1, 0x95, 0xfd, 0x52, 0xdb,
	0x2d, 0x3c, 0xba, 0x5d, 0x72, 0xca, 0x67, 0x09, 0xbf, 0x1d, 0x94,
	0x12, 0x1b, 0xf3, 0x74, 0x88, 0x01, 0xb4, 0x0f, 0x6f, 0x5c,
};

/* Big structs: static, not on the fuzzer's stack. */
static struct cfg_matrix cm;
static struct proto_matrix pm, pm2;
static uint8_t scratch[PROTO_SIGNED_MATRIX_MAX + 64];

/* check_levels: every lookup agrees with the struct and is in range. */
static void
check_levels(const struct cfg_matrix *m)
{
	for (int t = 0; t < CFG_CASE_TYPES; t++)
		for (int c = 0; c < CFG_CATEGORIES; c++)
			for (int r = 0; r < CFG_ROLES; r++)
				WN_ASSERT(cfg_matrix_level(m,
				    (enum cfg_case_type)t, (enum cfg_category)c,
				    (enum cfg_role)r) == m->level[t][c][r]);
	for (int o = 0; o < CFG_OUTSIDE; o++)
		for (int r = 0; r < CFG_ROLES; r++)
			WN_ASSERT(cfg_matrix_outside_level(m,
			    (enum cfg_outside)o, (enum cfg_role)r) ==
			    m->outside[o][r]);
	for (int c = 0; c < CFG_CATEGORIES; c++) {
		WN_ASSERT(m->requires[c] <= CFG_REQUIRES_BASIS);
		WN_ASSERT((m->requires[c] == CFG_REQUIRES_BASIS) ==
		    (m->nbases[c] > 0));
		for (int i = 0; i < m->nbases[c]; i++)
			WN_ASSERT(cfg_matrix_basis_accepted(m,
			    (enum cfg_category)c, m->bases[c][i]));
	}
}

static void
check_parse(const uint8_t *data, size_t size)
{
	char err[CFG_ERR_LEN];
	struct proto_error perr;
	struct proto_writer w;

	if (cfg_matrix_parse((const char *)data, size, "f", &cm, err,
	    sizeof(err)) != WN_OK) {
		WN_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
		WN_ASSERT(strncmp(err, "f:", 2) == 0);
		return;
	}
	check_levels(&cm);
	/* compile it as the director's node would */
	memset(&pm, 0, sizeof(pm));
	pm.version = 1;
	memcpy(pm.federation, cm.federation, sizeof(pm.federation));
	memcpy(pm.level, cm.level, sizeof(pm.level));
	memcpy(pm.requires, cm.requires, sizeof(pm.requires));
	memcpy(pm.nbases, cm.nbases, sizeof(pm.nbases));
	memcpy(pm.bases, cm.bases, sizeof(pm.bases));
	memcpy(pm.outside, cm.outside, sizeof(pm.outside));
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_matrix_encode(&pm, &w) == WN_OK);
	WN_ASSERT(w.len <= PROTO_MATRIX_MAX);
	WN_ASSERT(proto_matrix_decode(scratch, w.len, &pm2, &perr) == WN_OK);
	WN_ASSERT(memcmp(&pm, &pm2, sizeof(pm)) == 0);
}

static void
check_decode(const uint8_t *data, size_t size)
{
	struct proto_error err;
	struct proto_writer w;

	if (proto_matrix_decode(data, size, &pm, &err) != WN_OK) {
		WN_ASSERT(err.offset <= size || size > PROTO_MATRIX_MAX);
		return;
	}
	WN_ASSERT(pm.version >= 1);
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_matrix_encode(&pm, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(scratch, data, size) == 0);
}

static void
check_signed(const uint8_t *data, size_t size)
{
	struct proto_error err;
	wn_err rv;

	rv = proto_matrix_verify_signed(data, size, fuzz_pk, &pm, &err);
	WN_ASSERT(rv == WN_OK || rv == WN_EPROTO || rv == WN_ECRYPTO ||
	    rv == WN_ETOOBIG);
	if (rv == WN_EPROTO)
		WN_ASSERT(err.offset <= size);
	if (rv == WN_OK)
		WN_ASSERT(pm.version >= 1);
}

static void
check_ack(const uint8_t *data, size_t size)
{
	struct proto_matrix_ack a;
	struct proto_error err;
	struct proto_writer w;

	if (proto_matrix_ack_decode(data, size, &a, &err) != WN_OK)
		return;
	WN_ASSERT(a.version >= 1);
	proto_writer_init(&w, scratch, sizeof(scratch));
	WN_ASSERT(proto_matrix_ack_encode(&a, &w) == WN_OK);
	WN_ASSERT(w.len == size && memcmp(scratch, data, size) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_parse(data, size);
	check_decode(data, size);
	check_signed(data, size);
	check_ack(data, size);
	return 0;
}
