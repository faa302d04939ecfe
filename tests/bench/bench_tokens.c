/*
 * bench_tokens.c - subject tokens for `make bench` (section 7): a batch of
 * subjects made into tokens the whole way (normalise the name and date of
 * birth, hash to the group, blind, evaluate with the federation's key,
 * finalize), next to the bare crypto_scalarmult_ristretto255 measured in
 * the same run, which a token needs three of (blind, evaluate, unblind).
 *
 *   bench_tokens [SUBJECTS]      (default 10000)
 *   bench_tokens --fill DATA PASSFILE SUBJECTS
 *
 * --fill records SUBJECTS of those subjects (references b-0, b-1, ...) in
 * the subjects table of the stopped node in DATA, without a token, as
 * `subject add` would before the node holds a charter: started, the node
 * asks the director for all of them at once (the real request path,
 * TOKEN_REQUEST and TOKEN_ANSWER, 1000 a request), which run.sh times.
 * Prints "filled=N".
 *
 * Three rounds, the baseline and the batch in turn; each figure is the
 * median round's. The subjects are realistic Flemish and Dutch names with
 * particles and accents, made from a fixed list (the same on every run).
 * Prints one line of key=value pairs: subjects, scalarmult_us (one bare
 * multiplication), normalise_us (one subject's canonical form), token_us
 * (one token, the whole way), tokens_per_s, ratio (token_us over
 * scalarmult_us); exit 0, or 1 on any error (with a message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include <sqlcipher/sqlite3.h>

#include "crypto/sec.h"
#include "node/store/store.h"
#include "node/subject/subject.h"

#define ROUNDS 3

static const char *const families[] = {"Van den Broeck", "De Smet",
    "Janssens", "Peeters", "Ma\u00ebs", "D'Hondt", "van der Meer", "'t Hooft",
    "Wouters", "Y\u0131lmaz", "Lef\u00e8vre", "Goossens", "Vermeulen",
    "ter Horst", "El Amrani", "Wa\u0142\u0119sa"};
static const char *const givens[] = {"\u00c9lise", "Jan-Willem", "Sanne",
    "No\u00ebl", "Ay\u015fe", "Fran\u00e7ois", "Lotte", "Mohamed", "Lieke",
    "Daan", "Marie-Th\u00e9r\u00e8se", "Koen"};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* subject i's fields: a name of the list and a date of birth */
static void
subject(size_t i, const char **family, const char **given, char born[16])
{
	*family = families[i % WN_ARRAY_LEN(families)];
	*given = givens[(i / WN_ARRAY_LEN(families)) % WN_ARRAY_LEN(givens)];
	snprintf(born, 16, "%02zu-%02zu-%04zu", 1 + i % 28, 1 + (i / 28) % 12,
	    1930 + (i / 336) % 90);
}

static double
round_scalarmult(size_t n)
{
	uint8_t s[32], p[32], q[32], h[64];
	randombytes_buf(h, sizeof(h));
	crypto_core_ristretto255_from_hash(p, h);
	crypto_core_ristretto255_scalar_random(s);
	double t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		if (crypto_scalarmult_ristretto255(q, s, p) != 0)
			return -1;
		memcpy(p, q, sizeof(p)); /* a chain: nothing to hoist */
	}
	return now_s() - t0;
}

static double
round_normalise(size_t n)
{
	char form[NODE_SUBJECT_MAX], err[200], born[16];
	const char *fam, *giv;
	double t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		subject(i, &fam, &giv, born);
		if (node_subject_person(fam, giv, born, form, sizeof(form), NULL,
			err, sizeof(err)) != WN_OK) {
			fprintf(stderr, "bench_tokens: subject %zu: %s\n", i, err);
			return -1;
		}
	}
	return now_s() - t0;
}

static double
round_tokens(struct sec_oprf_key *k, size_t n)
{
	char form[NODE_SUBJECT_MAX], err[200], born[16];
	uint8_t blinded[32], evaluated[32], token[SEC_OPRF_OUTPUT_LEN];
	const char *fam, *giv;
	size_t len;
	double t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		struct sec_oprf_blind b;
		subject(i, &fam, &giv, born);
		if (node_subject_person(fam, giv, born, form, sizeof(form), &len,
			err, sizeof(err)) != WN_OK ||
		    sec_oprf_blind(form, len, &b, blinded) != WN_OK ||
		    sec_oprf_evaluate(k, blinded, evaluated) != WN_OK ||
		    sec_oprf_finalize(form, len, &b, evaluated, token) !=
			WN_OK) {
			fprintf(stderr, "bench_tokens: token %zu failed\n", i);
			return -1;
		}
	}
	return now_s() - t0;
}

/* fill: n subjects without a token in the store of the stopped node in
 * data */
static int
fill(const char *data, const char *passfile, size_t n)
{
	char err[1024], key[4200], db[4200], form[NODE_SUBJECT_MAX], ref[32],
	    born[16];
	struct sec_secret *pass = NULL;
	struct sec_identity *id = NULL;
	struct node_store *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *fam, *giv;
	int rc = 1;
	snprintf(key, sizeof(key), "%s/node.key", data);
	snprintf(db, sizeof(db), "%s/node.db", data);
	if (sec_passphrase_read_file(passfile, &pass, err, sizeof(err)) !=
		WN_OK ||
	    sec_identity_unlock(key, pass, &id, err, sizeof(err)) != WN_OK ||
	    node_store_open(db, id, false, &s, err, sizeof(err)) != WN_OK) {
		fprintf(stderr, "bench_tokens: %s\n", err);
		goto out;
	}
	if (node_store_begin(s) != WN_OK ||
	    sqlite3_prepare_v2(node_store_db(s), "INSERT INTO subjects (ref, "
		"kind, ident, created_ms) VALUES (?, 'person', ?, ?)", -1, &st,
		NULL) != SQLITE_OK)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		subject(i, &fam, &giv, born);
		snprintf(ref, sizeof(ref), "b-%zu", i);
		if (node_subject_person(fam, giv, born, form, sizeof(form), NULL,
			err, sizeof(err)) != WN_OK)
			goto fail;
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, form, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, wn_now_ms());
		if (sqlite3_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (node_store_commit(s) != WN_OK)
		goto fail;
	printf("filled=%zu\n", n);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "bench_tokens: filling failed: %s\n",
	    node_store_errmsg(s));
	sqlite3_finalize(st);
	node_store_rollback(s);
out:
	node_store_close(s);
	sec_identity_free(id);
	sec_secret_free(pass);
	return rc;
}

int
main(int argc, char **argv)
{
	size_t n = 10000;
	uint64_t v;
	uint8_t seed[SEC_OPRF_SEED_LEN];
	struct sec_oprf_key *k = NULL;
	double sm[ROUNDS], no[ROUNDS], tk[ROUNDS];

	if (argc == 5 && strcmp(argv[1], "--fill") == 0) {
		if (!wn_parse_u64(argv[4], 10000000, &v) || v == 0) {
			fprintf(stderr, "usage: bench_tokens --fill DATA "
			    "PASSFILE SUBJECTS\n");
			return 2;
		}
		return sec_init() == WN_OK ? fill(argv[2], argv[3], (size_t)v)
					   : 1;
	}
	if (argc > 2 || (argc == 2 && (!wn_parse_u64(argv[1], 10000000, &v) ||
					  v == 0))) {
		fprintf(stderr, "usage: bench_tokens [SUBJECTS]\n");
		return 2;
	}
	if (argc == 2)
		n = (size_t)v;
	if (sec_init() != WN_OK)
		return 1;
	randombytes_buf(seed, sizeof(seed));
	if (sec_oprf_key_derive(seed, "bench", 5, &k) != WN_OK)
		return 1;
	for (int r = 0; r < ROUNDS; r++) {
		sm[r] = round_scalarmult(n);
		no[r] = round_normalise(n);
		tk[r] = round_tokens(k, n);
		if (sm[r] < 0 || no[r] < 0 || tk[r] < 0) {
			sec_oprf_key_free(k);
			return 1;
		}
	}
	sec_oprf_key_free(k);
	qsort(sm, ROUNDS, sizeof(double), cmp);
	qsort(no, ROUNDS, sizeof(double), cmp);
	qsort(tk, ROUNDS, sizeof(double), cmp);
	double sm_us = sm[ROUNDS / 2] * 1e6 / (double)n;
	double no_us = no[ROUNDS / 2] * 1e6 / (double)n;
	double tk_us = tk[ROUNDS / 2] * 1e6 / (double)n;
	printf("subjects=%zu scalarmult_us=%.1f normalise_us=%.2f token_us=%.1f "
	       "tokens_per_s=%.0f ratio=%.2f\n",
	    n, sm_us, no_us, tk_us, 1e6 / tk_us, tk_us / sm_us);
	return 0;
}
