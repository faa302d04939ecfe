/*
 * matrix.h - the authorization matrix source file: parse it, look it up.
 *
 * The director writes the matrix; every node enforces it. It says, per
 * case type x information category x partner role, how much a partner may
 * see of what another partner holds (none < existence < view < edit), and
 * per category whether the data subject's consent or a named legal basis
 * is needed before anything flows. Every cell the file does not name is
 * none.
 *
 * The file is INI style like the node config: '#' and ';' comment lines,
 * blank lines, `key = value` lines with trimmed whitespace, and sections
 *
 *   [matrix]           federation = ID (required; the section too)
 *   [category NAME]    requires = none | consent | basis (required)
 *                      basis = TEXT (repeatable, 1..8 lines, only and
 *                      always with requires = basis; up to 127 bytes)
 *   [TYPE]             CATEGORY = ROLE:LEVEL ROLE:LEVEL ...
 *   [outside cases]    WHAT = ROLE:LEVEL ROLE:LEVEL ... (optional)
 *
 * where TYPE is a case type name and WHAT a kind of record that travels
 * outside any case (enum cfg_outside: for now only signal_summary, the
 * summary of a signal a member recorded, for the director); a WHAT line
 * says how much a node of each role may receive of other members' records
 * of that kind. Each section and each key appears at most once (basis
 * excepted), and each role at most once per line. Every error is
 * "name:line: message" (or "name: message" when no line applies).
 *
 * The numbering of the enums below is part of the wire format
 * (protocol/matrix_wire.h, "The authorization matrix" in PROTOCOL.md):
 * values are never renumbered, only appended (which needs a new protocol
 * version).
 *
 * struct cfg_matrix is plain data (about 14 KiB: keep it off small
 * stacks), with nothing to free; all functions here are thread safe on
 * distinct structs and read-only lookups on a shared one.
 */
#ifndef CFG_MATRIX_H
#define CFG_MATRIX_H

#include "config/cfg.h"

enum cfg_case_type {
	CFG_CASE_SITUATION,
	CFG_CASE_PERSON,
	CFG_CASE_FAMILY,
	CFG_CASE_GROUP,
	CFG_CASE_MEDIATION,
	CFG_CASE_TYPES /* the count, not a type */
};

enum cfg_category {
	CFG_CAT_IDENTITY,
	CFG_CAT_CONTACT,
	CFG_CAT_SIGNALS,
	CFG_CAT_POLICE,
	CFG_CAT_CARE,
	CFG_CAT_HOUSING,
	CFG_CAT_INCOME_DEBTS,
	CFG_CAT_FAMILY,
	CFG_CAT_EDUCATION_WORK,
	CFG_CAT_PLAN,
	CFG_CAT_ACTIONS,
	CFG_CAT_DELIBERATION,
	CFG_CAT_RESULTS,
	CFG_CATEGORIES /* the count, not a category */
};

/* The categories that identify their subject: identity (a name, a date of
 * birth, a national number) and contact (an address, a telephone number,
 * which point at a person or the premises they live in). A fixed list, not
 * a mark in the matrix: the matrix is written by the lead director, the
 * very node a case on a token keeps the subject's identity from
 * (PROTOCOL.md, "Cases on a token"). In such a case a member sends the
 * director at most the existence of a field of these, whatever the matrix
 * gives its role, and the director refuses one that carries a value. */
#define CFG_IDENTIFYING ((1u << CFG_CAT_IDENTITY) | (1u << CFG_CAT_CONTACT))

/* What travels outside any case, each with its own ROLE:LEVEL line in
 * [outside cases]. */
enum cfg_outside {
	CFG_OUT_SIGNAL_SUMMARY, /* a signal's summary: when, area, category,
				   reports; never a subject, text or source */
	CFG_OUTSIDE /* the count, not a kind */
};

/* Ordered: a higher level includes every lower one. */
enum cfg_level {
	CFG_LEVEL_NONE,      /* nothing, not even that something exists */
	CFG_LEVEL_EXISTENCE, /* that the holder has something, not what */
	CFG_LEVEL_VIEW,
	CFG_LEVEL_EDIT,
};

enum cfg_requires {
	CFG_REQUIRES_NONE,
	CFG_REQUIRES_CONSENT, /* the data subject's consent */
	CFG_REQUIRES_BASIS,   /* a listed legal basis, or consent */
};

#define CFG_ROLES 8        /* enum cfg_role: municipality .. mediation */
#define CFG_MAX_BASES 8    /* accepted legal bases per category */
#define CFG_BASIS_MAX 127  /* bytes of one basis name */

struct cfg_matrix {
	char federation[64]; /* like org_id: [a-z0-9_-], 1..63 */
	uint8_t level[CFG_CASE_TYPES][CFG_CATEGORIES][CFG_ROLES]; /* cfg_level */
	uint8_t requires[CFG_CATEGORIES];                   /* cfg_requires */
	uint8_t nbases[CFG_CATEGORIES]; /* 1..8 iff requires is basis, else 0 */
	char bases[CFG_CATEGORIES][CFG_MAX_BASES][CFG_BASIS_MAX + 1];
	uint8_t outside[CFG_OUTSIDE][CFG_ROLES]; /* cfg_level, outside cases */
};

/* cfg_matrix_parse parses text (len bytes, need not be NUL terminated),
 * called `name` in messages (NULL: "matrix"), into *out, which it zeroes
 * first (so two parses of equal matrices compare equal with memcmp). On
 * error it writes "name:line: message" (or "name: message") into err
 * (errlen bytes, always terminated; err may be NULL) and returns
 * WN_ECONFIG; *out is then unspecified. Lines are at most CFG_LINE_MAX
 * bytes. */
WN_NODISCARD wn_err cfg_matrix_parse(const char *text, size_t len,
    const char *name, struct cfg_matrix *out, char *err, size_t errlen);

/* cfg_matrix_load reads the file at path and parses it, naming it by
 * path. Errors: WN_EIO ("path: <strerror>") if it cannot be read,
 * WN_ETOOBIG if it is over CFG_FILE_MAX bytes, WN_ENOMEM, or
 * cfg_matrix_parse's errors. */
WN_NODISCARD wn_err cfg_matrix_load(const char *path, struct cfg_matrix *out,
    char *err, size_t errlen);

/* cfg_matrix_level is what role r may get of category c in a case of type
 * t. Anything out of range (an argument or a stored value) is
 * CFG_LEVEL_NONE: the default is to deny. */
enum cfg_level cfg_matrix_level(const struct cfg_matrix *m,
    enum cfg_case_type t, enum cfg_category c, enum cfg_role r);

/* cfg_matrix_outside_level is what role r may receive of other members'
 * records of kind what outside any case. Anything out of range (an
 * argument or a stored value) is CFG_LEVEL_NONE: the default is to deny. */
enum cfg_level cfg_matrix_outside_level(const struct cfg_matrix *m,
    enum cfg_outside what, enum cfg_role r);

/* cfg_matrix_basis_accepted is true if category c requires a legal basis
 * and basis (not NULL) is exactly, byte for byte, one it lists. False for
 * categories that require none or consent: they list no bases. */
bool cfg_matrix_basis_accepted(const struct cfg_matrix *m,
    enum cfg_category c, const char *basis);

/* cfg_case_type_name, cfg_category_name, cfg_level_name,
 * cfg_requires_name and cfg_outside_name return the file's name of a
 * value ("unknown" if out of range); cfg_case_type_parse,
 * cfg_category_parse, cfg_level_parse, cfg_requires_parse and
 * cfg_outside_parse read such a name into *out and return false for
 * anything else (*out untouched). */
const char *cfg_case_type_name(enum cfg_case_type t);
bool cfg_case_type_parse(const char *s, enum cfg_case_type *out);
const char *cfg_category_name(enum cfg_category c);
/* cfg_category_identifying: whether c is in CFG_IDENTIFYING (false out of
 * range) */
bool cfg_category_identifying(int c);
bool cfg_category_parse(const char *s, enum cfg_category *out);
const char *cfg_level_name(enum cfg_level l);
bool cfg_level_parse(const char *s, enum cfg_level *out);
const char *cfg_requires_name(enum cfg_requires r);
bool cfg_requires_parse(const char *s, enum cfg_requires *out);
const char *cfg_outside_name(enum cfg_outside w);
bool cfg_outside_parse(const char *s, enum cfg_outside *out);

#endif
