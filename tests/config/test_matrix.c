/*
 * test_matrix.c - the authorization matrix source file: the Neteland
 * example, defaults, lookups, names, the [outside cases] section, every
 * error message with its file:line prefix, loading, and garbage input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "config/matrix.h"

#define EXAMPLE "config/neteland.matrix"
#define HEAD "[matrix]\nfederation = herentals\n"

static struct cfg_matrix m, m2;
static char err[CFG_ERR_LEN];

static wn_err
parse(const char *text)
{
	return cfg_matrix_parse(text, strlen(text), "t.matrix", &m, err,
	    sizeof(err));
}

static enum cfg_level
lv(enum cfg_case_type t, enum cfg_category c, enum cfg_role r)
{
	return cfg_matrix_level(&m, t, c, r);
}

/* The text of the brief: the situation lines the scenario relies on. */
static const char brief[] =
    "# Neteland authorization matrix\n"
    "[matrix]\n"
    "federation = herentals\n"
    "\n"
    "[category care]\n"
    "requires = consent\n"
    "\n"
    "[category police]\n"
    "requires = basis\n"
    "basis = art. 458ter Sw.\n"
    "basis = Wet gegevensverwerking door samenwerkingsverbanden\n"
    "\n"
    "[situation]\n"
    "signals = municipality:edit police:view community_guards:view "
    "youth_work:view housing:view outreach:view\n"
    "police = municipality:view youth_work:existence police:edit\n"
    "housing = municipality:view housing:edit police:view\n";

static void
test_brief(void **state)
{
	(void)state;
	assert_int_equal(parse(brief), WN_OK);
	assert_string_equal(err, "");
	assert_string_equal(m.federation, "herentals");
	assert_int_equal(lv(CFG_CASE_SITUATION, CFG_CAT_SIGNALS,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_EDIT);
	assert_int_equal(lv(CFG_CASE_SITUATION, CFG_CAT_SIGNALS,
	    CFG_ROLE_OUTREACH), CFG_LEVEL_VIEW);
	assert_int_equal(lv(CFG_CASE_SITUATION, CFG_CAT_SIGNALS,
	    CFG_ROLE_WELFARE), CFG_LEVEL_NONE);
	assert_int_equal(lv(CFG_CASE_SITUATION, CFG_CAT_POLICE,
	    CFG_ROLE_YOUTH_WORK), CFG_LEVEL_EXISTENCE);
	assert_int_equal(lv(CFG_CASE_PERSON, CFG_CAT_POLICE,
	    CFG_ROLE_POLICE), CFG_LEVEL_NONE);
	assert_int_equal(m.requires[CFG_CAT_CARE], CFG_REQUIRES_CONSENT);
	assert_int_equal(m.requires[CFG_CAT_POLICE], CFG_REQUIRES_BASIS);
	assert_int_equal(m.requires[CFG_CAT_SIGNALS], CFG_REQUIRES_NONE);
	assert_int_equal(m.nbases[CFG_CAT_POLICE], 2);
	assert_string_equal(m.bases[CFG_CAT_POLICE][1],
	    "Wet gegevensverwerking door samenwerkingsverbanden");
	assert_true(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    "art. 458ter Sw."));
	assert_true(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    "Wet gegevensverwerking door samenwerkingsverbanden"));
	/* exact match only */
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    "art. 458ter Sw"));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    "Art. 458ter Sw."));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    " art. 458ter Sw."));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE, ""));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE, NULL));
	/* a basis is no use where consent is required, or nothing */
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_CARE,
	    "art. 458ter Sw."));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_SIGNALS,
	    "art. 458ter Sw."));
}

static void
test_example(void **state)
{
	static const enum cfg_role all[] = {CFG_ROLE_MUNICIPALITY,
	    CFG_ROLE_POLICE, CFG_ROLE_COMMUNITY_GUARDS, CFG_ROLE_OUTREACH,
	    CFG_ROLE_WELFARE, CFG_ROLE_HOUSING, CFG_ROLE_YOUTH_WORK,
	    CFG_ROLE_MEDIATION};
	const enum cfg_case_type S = CFG_CASE_SITUATION;
	(void)state;

	assert_int_equal(cfg_matrix_load(EXAMPLE, &m, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(m.federation, "herentals");
	/* Week 2: signals */
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_EDIT);
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_POLICE),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_COMMUNITY_GUARDS),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_YOUTH_WORK),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_HOUSING),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_SIGNALS, CFG_ROLE_OUTREACH),
	    CFG_LEVEL_VIEW);
	/* police information: existence for youth work, view for the
	 * municipality, edit for the police */
	assert_int_equal(lv(S, CFG_CAT_POLICE, CFG_ROLE_YOUTH_WORK),
	    CFG_LEVEL_EXISTENCE);
	assert_int_equal(lv(S, CFG_CAT_POLICE, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_POLICE, CFG_ROLE_POLICE),
	    CFG_LEVEL_EDIT);
	assert_int_equal(lv(S, CFG_CAT_POLICE, CFG_ROLE_HOUSING),
	    CFG_LEVEL_NONE);
	assert_int_equal(lv(S, CFG_CAT_HOUSING, CFG_ROLE_MUNICIPALITY),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_HOUSING, CFG_ROLE_POLICE),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(S, CFG_CAT_HOUSING, CFG_ROLE_YOUTH_WORK),
	    CFG_LEVEL_NONE);
	/* the plan and its actions: everyone views, the municipality edits */
	for (size_t i = 0; i < WN_ARRAY_LEN(all); i++) {
		enum cfg_level want = all[i] == CFG_ROLE_MUNICIPALITY ?
		    CFG_LEVEL_EDIT : CFG_LEVEL_VIEW;
		assert_int_equal(lv(S, CFG_CAT_PLAN, all[i]), want);
		assert_int_equal(lv(S, CFG_CAT_ACTIONS, all[i]), want);
	}
	assert_int_equal(m.requires[CFG_CAT_CARE], CFG_REQUIRES_CONSENT);
	assert_int_equal(m.requires[CFG_CAT_INCOME_DEBTS],
	    CFG_REQUIRES_CONSENT);
	assert_int_equal(m.requires[CFG_CAT_POLICE], CFG_REQUIRES_BASIS);
	assert_int_equal(m.requires[CFG_CAT_SIGNALS], CFG_REQUIRES_NONE);
	assert_int_equal(m.requires[CFG_CAT_HOUSING], CFG_REQUIRES_NONE);
	assert_true(cfg_matrix_basis_accepted(&m, CFG_CAT_POLICE,
	    "art. 458ter Sw."));
	assert_int_equal(m.nbases[CFG_CAT_CARE], 0);
	/* mediation stays with the mediation service */
	assert_int_equal(lv(CFG_CASE_MEDIATION, CFG_CAT_DELIBERATION,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	assert_int_equal(lv(CFG_CASE_MEDIATION, CFG_CAT_DELIBERATION,
	    CFG_ROLE_MEDIATION), CFG_LEVEL_EDIT);
	/* a signal's summary reaches the municipality (the director) only */
	for (size_t i = 0; i < WN_ARRAY_LEN(all); i++)
		assert_int_equal(cfg_matrix_outside_level(&m,
		    CFG_OUT_SIGNAL_SUMMARY, all[i]),
		    all[i] == CFG_ROLE_MUNICIPALITY ? CFG_LEVEL_VIEW :
		    CFG_LEVEL_NONE);
	/* every case type has a section */
	for (int t = 0; t < CFG_CASE_TYPES; t++) {
		bool any = false;
		for (int c = 0; c < CFG_CATEGORIES; c++)
			for (int r = 0; r < CFG_ROLES; r++)
				any |= m.level[t][c][r] != CFG_LEVEL_NONE;
		assert_true(any);
	}
}

static void
test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(HEAD), WN_OK);
	for (int t = 0; t < CFG_CASE_TYPES; t++)
		for (int c = 0; c < CFG_CATEGORIES; c++)
			for (int r = 0; r < CFG_ROLES; r++)
				assert_int_equal(lv((enum cfg_case_type)t,
				    (enum cfg_category)c, (enum cfg_role)r),
				    CFG_LEVEL_NONE);
	for (int c = 0; c < CFG_CATEGORIES; c++) {
		assert_int_equal(m.requires[c], CFG_REQUIRES_NONE);
		assert_int_equal(m.nbases[c], 0);
	}
	for (int o = 0; o < CFG_OUTSIDE; o++)
		for (int r = 0; r < CFG_ROLES; r++)
			assert_int_equal(cfg_matrix_outside_level(&m,
			    (enum cfg_outside)o, (enum cfg_role)r),
			    CFG_LEVEL_NONE);
	/* explicit none, requires none, an empty type section */
	assert_int_equal(parse(HEAD "[category care]\nrequires = none\n"
	    "[person]\n[group]\nsignals = police:none\n"), WN_OK);
	assert_int_equal(m.requires[CFG_CAT_CARE], CFG_REQUIRES_NONE);
	assert_int_equal(lv(CFG_CASE_GROUP, CFG_CAT_SIGNALS, CFG_ROLE_POLICE),
	    CFG_LEVEL_NONE);
	/* no name: "matrix" */
	assert_int_equal(cfg_matrix_parse("x", 1, NULL, &m, err, sizeof(err)),
	    WN_ECONFIG);
	assert_string_equal(err, "matrix:1: expected 'key = value' or a "
	    "[section] header");
	/* err may be NULL */
	assert_int_equal(cfg_matrix_parse("x", 1, NULL, &m, NULL, 0),
	    WN_ECONFIG);
}

/* Whitespace, comments, CRLF, no final newline, sections and pairs in
 * another order: the same struct, byte for byte. */
static void
test_layout(void **state)
{
	static const char a[] =
	    "[matrix]\nfederation = neteland\n"
	    "[category police]\nrequires = basis\nbasis = art. 458ter Sw.\n"
	    "[situation]\nsignals = police:view youth_work:existence\n"
	    "police = municipality:view\n"
	    "[outside cases]\nsignal_summary = municipality:view\n";
	static const char b[] =
	    "; comment\r\n"
	    "  [ situation ]  \r\n"
	    "\tpolice=municipality:view\r\n"
	    "signals =   youth_work:existence \t police:view   welfare:none\r\n"
	    "\n"
	    "# another comment\n"
	    "[category   police]\n"
	    "basis =  art. 458ter Sw.  \n"
	    "requires = basis\n"
	    "  [ outside \t cases ]\r\n"
	    "signal_summary=  municipality:view police:none\r\n"
	    "[matrix]\n"
	    "federation=neteland";
	(void)state;
	assert_int_equal(cfg_matrix_parse(a, strlen(a), "a", &m2, err,
	    sizeof(err)), WN_OK);
	assert_int_equal(parse(b), WN_OK);
	assert_memory_equal(&m, &m2, sizeof(m));
}

static void
test_lookups(void **state)
{
	(void)state;
	assert_int_equal(parse(HEAD "[family]\ncare = welfare:edit\n"
	    "[category family]\nrequires = basis\nbasis = A\nbasis = B\n"),
	    WN_OK);
	assert_int_equal(lv(CFG_CASE_FAMILY, CFG_CAT_CARE, CFG_ROLE_WELFARE),
	    CFG_LEVEL_EDIT);
	/* out of range is none */
	assert_int_equal(lv(CFG_CASE_TYPES, CFG_CAT_CARE, CFG_ROLE_WELFARE),
	    CFG_LEVEL_NONE);
	assert_int_equal(lv((enum cfg_case_type)-1, CFG_CAT_CARE,
	    CFG_ROLE_WELFARE), CFG_LEVEL_NONE);
	assert_int_equal(lv(CFG_CASE_FAMILY, CFG_CATEGORIES, CFG_ROLE_WELFARE),
	    CFG_LEVEL_NONE);
	assert_int_equal(lv(CFG_CASE_FAMILY, CFG_CAT_CARE,
	    (enum cfg_role)CFG_ROLES), CFG_LEVEL_NONE);
	m.level[CFG_CASE_FAMILY][CFG_CAT_CARE][CFG_ROLE_WELFARE] = 9;
	assert_int_equal(lv(CFG_CASE_FAMILY, CFG_CAT_CARE, CFG_ROLE_WELFARE),
	    CFG_LEVEL_NONE);
	assert_true(cfg_matrix_basis_accepted(&m, CFG_CAT_FAMILY, "A"));
	assert_true(cfg_matrix_basis_accepted(&m, CFG_CAT_FAMILY, "B"));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_FAMILY, "C"));
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CATEGORIES, "A"));
	assert_false(cfg_matrix_basis_accepted(&m,
	    (enum cfg_category)-1, "A"));
	/* a corrupt count reads no further than the array */
	m.nbases[CFG_CAT_FAMILY] = 200;
	assert_false(cfg_matrix_basis_accepted(&m, CFG_CAT_FAMILY, "C"));
	/* levels are ordered */
	assert_true(CFG_LEVEL_NONE < CFG_LEVEL_EXISTENCE &&
	    CFG_LEVEL_EXISTENCE < CFG_LEVEL_VIEW &&
	    CFG_LEVEL_VIEW < CFG_LEVEL_EDIT);
}

/* [outside cases]: what may travel outside any case, per role. */
static void
test_outside(void **state)
{
	enum cfg_outside o = CFG_OUT_SIGNAL_SUMMARY;
	(void)state;
	assert_int_equal(parse(HEAD "[outside cases]\n"
	    "signal_summary = municipality:view police:existence "
	    "welfare:none\n[person]\nsignals = police:view\n"), WN_OK);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_VIEW);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_POLICE), CFG_LEVEL_EXISTENCE);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_WELFARE), CFG_LEVEL_NONE);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_HOUSING), CFG_LEVEL_NONE);
	/* it is no case type's cell, and a case type's cell is not it */
	assert_int_equal(lv(CFG_CASE_PERSON, CFG_CAT_SIGNALS, CFG_ROLE_POLICE),
	    CFG_LEVEL_VIEW);
	assert_int_equal(lv(CFG_CASE_PERSON, CFG_CAT_SIGNALS,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	/* out of range (an argument or a stored value) is none */
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUTSIDE,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	assert_int_equal(cfg_matrix_outside_level(&m, (enum cfg_outside)-1,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    (enum cfg_role)CFG_ROLES), CFG_LEVEL_NONE);
	m.outside[CFG_OUT_SIGNAL_SUMMARY][CFG_ROLE_MUNICIPALITY] = 4;
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	/* an empty section names nothing */
	assert_int_equal(parse(HEAD "[outside cases]\n"), WN_OK);
	assert_int_equal(cfg_matrix_outside_level(&m, CFG_OUT_SIGNAL_SUMMARY,
	    CFG_ROLE_MUNICIPALITY), CFG_LEVEL_NONE);
	/* names */
	assert_string_equal(cfg_outside_name(CFG_OUT_SIGNAL_SUMMARY),
	    "signal_summary");
	assert_string_equal(cfg_outside_name(CFG_OUTSIDE), "unknown");
	assert_string_equal(cfg_outside_name((enum cfg_outside)-1),
	    "unknown");
	assert_false(cfg_outside_parse("signals", &o));
	assert_false(cfg_outside_parse("Signal_summary", &o));
	assert_false(cfg_outside_parse("", &o));
	assert_int_equal(o, CFG_OUT_SIGNAL_SUMMARY);
	for (int i = 0; i < CFG_OUTSIDE; i++) {
		o = CFG_OUTSIDE;
		assert_true(cfg_outside_parse(cfg_outside_name(
		    (enum cfg_outside)i), &o));
		assert_int_equal(o, i);
	}
}

static void
test_names(void **state)
{
	enum cfg_case_type t;
	enum cfg_category c;
	enum cfg_level l;
	enum cfg_requires r;
	(void)state;

	for (int i = 0; i < CFG_CASE_TYPES; i++) {
		assert_true(cfg_case_type_parse(cfg_case_type_name(
		    (enum cfg_case_type)i), &t));
		assert_int_equal(t, i);
	}
	for (int i = 0; i < CFG_CATEGORIES; i++) {
		assert_true(cfg_category_parse(cfg_category_name(
		    (enum cfg_category)i), &c));
		assert_int_equal(c, i);
	}
	for (int i = 0; i <= CFG_LEVEL_EDIT; i++) {
		assert_true(cfg_level_parse(cfg_level_name((enum cfg_level)i),
		    &l));
		assert_int_equal(l, i);
	}
	for (int i = 0; i <= CFG_REQUIRES_BASIS; i++) {
		assert_true(cfg_requires_parse(cfg_requires_name(
		    (enum cfg_requires)i), &r));
		assert_int_equal(r, i);
	}
	assert_string_equal(cfg_case_type_name(CFG_CASE_MEDIATION),
	    "mediation");
	assert_string_equal(cfg_category_name(CFG_CAT_INCOME_DEBTS),
	    "income_debts");
	assert_string_equal(cfg_category_name(CFG_CAT_EDUCATION_WORK),
	    "education_work");
	assert_string_equal(cfg_category_name(CFG_CAT_RESULTS), "results");
	assert_string_equal(cfg_level_name(CFG_LEVEL_EXISTENCE), "existence");
	assert_string_equal(cfg_requires_name(CFG_REQUIRES_BASIS), "basis");
	assert_string_equal(cfg_case_type_name(CFG_CASE_TYPES), "unknown");
	assert_string_equal(cfg_category_name(CFG_CATEGORIES), "unknown");
	assert_string_equal(cfg_level_name((enum cfg_level)4), "unknown");
	assert_string_equal(cfg_requires_name((enum cfg_requires)-1),
	    "unknown");
	t = CFG_CASE_GROUP;
	assert_false(cfg_case_type_parse("Situation", &t));
	assert_false(cfg_case_type_parse("", &t));
	assert_int_equal(t, CFG_CASE_GROUP);
	assert_false(cfg_category_parse("income", &c));
	assert_false(cfg_level_parse("read", &l));
	assert_false(cfg_requires_parse("legal", &r));
}

struct bad {
	const char *text;
	const char *msg;
};

#define L10 "aaaaaaaaaa"
#define L100 L10 L10 L10 L10 L10 L10 L10 L10 L10 L10
#define L200 L100 L100

static const struct bad bads[] = {
	/* lines and sections */
	{"federation = x\n", "t.matrix:1: key 'federation' outside a section"},
	{HEAD "junk\n", "t.matrix:3: expected 'key = value' or a [section] "
	    "header"},
	{HEAD " = x\n", "t.matrix:3: missing key before '='"},
	{HEAD "[matrix\n", "t.matrix:3: malformed section header: expected "
	    "[matrix], [category NAME], [outside cases] or [TYPE]"},
	{HEAD "[]\n", "t.matrix:3: unknown section []: expected [matrix], "
	    "[category NAME], [outside cases] or a case type (situation, "
	    "person, family, group, mediation)"},
	{HEAD "[node]\n", "t.matrix:3: unknown section [node]: expected "
	    "[matrix], [category NAME], [outside cases] or a case type "
	    "(situation, person, family, group, mediation)"},
	{HEAD "[Situation]\n", "t.matrix:3: unknown section [Situation]: "
	    "expected [matrix], [category NAME], [outside cases] or a case "
	    "type (situation, person, family, group, mediation)"},
	{HEAD "\n[matrix]\n", "t.matrix:4: duplicate section [matrix] (first "
	    "on line 1)"},
	{HEAD "[person]\n[family]\n[ person ]\n", "t.matrix:5: duplicate "
	    "section [person] (first on line 3)"},
	{HEAD "[category care]\nrequires = consent\n[category  care]\n",
	    "t.matrix:5: duplicate section [category care] (first on line "
	    "3)"},
	{HEAD "[category]\n", "t.matrix:3: unknown category '' in [category "
	    "NAME]: expected one of identity, contact, signals, police, "
	    "care, housing, income_debts, family, education_work, plan, "
	    "actions, deliberation, results"},
	{HEAD "[category health]\n", "t.matrix:3: unknown category 'health' "
	    "in [category NAME]: expected one of identity, contact, signals, "
	    "police, care, housing, income_debts, family, education_work, "
	    "plan, actions, deliberation, results"},
	{"", "t.matrix: missing [matrix] section"},
	{"# nothing\n[person]\n", "t.matrix: missing [matrix] section"},
	{HEAD "\x01\n", "t.matrix:3: expected 'key = value' or a [section] "
	    "header"},
	/* [matrix] */
	{"[matrix]\n", "t.matrix:1: [matrix] is missing required key "
	    "'federation'"},
	{"[matrix]\n[person]\n", "t.matrix:1: [matrix] is missing required "
	    "key 'federation'"},
	{HEAD "federation = other\n", "t.matrix:3: duplicate key "
	    "'federation' in [matrix] (first on line 2)"},
	{"[matrix]\nfederation = Herentals\n", "t.matrix:2: federation: "
	    "expected 1 to 63 characters of a-z, 0-9, '_' and '-', not "
	    "'Herentals'"},
	{"[matrix]\nfederation =\n", "t.matrix:2: federation: expected 1 to "
	    "63 characters of a-z, 0-9, '_' and '-', not ''"},
	{"[matrix]\nfederation = "
	    "a234567890123456789012345678901234567890123456789012345678901234"
	    "\n", "t.matrix:2: federation: expected 1 to 63 characters of "
	    "a-z, 0-9, '_' and '-', not "
	    "'a234567890123456789012345678901234567890123456789012345678901234'"},
	{HEAD "[group]\nsignals = police:" L200 "\n", "t.matrix:4: signals: "
	    "unknown level 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaa...' for police: expected one of none, "
	    "existence, view, edit"},
	{HEAD "version = 3\n", "t.matrix:3: unknown key 'version' in "
	    "[matrix]"},
	/* [category NAME] */
	{HEAD "[category care]\n", "t.matrix:3: [category care] is missing "
	    "required key 'requires'"},
	{HEAD "[category care]\nbasis = x\n[person]\n", "t.matrix:3: "
	    "[category care] is missing required key 'requires'"},
	{HEAD "[category care]\nrequires = always\n", "t.matrix:4: requires: "
	    "expected one of none, consent, basis, not 'always'"},
	{HEAD "[category care]\nrequires = consent\nrequires = basis\n",
	    "t.matrix:5: duplicate key 'requires' in [category care] (first "
	    "on line 4)"},
	{HEAD "[category care]\nrequires = consent\nbasis = art. 1\n",
	    "t.matrix:5: basis: only allowed when requires is basis"},
	{HEAD "[category care]\nbasis = art. 1\nbasis = art. 2\n"
	    "requires = none\n", "t.matrix:4: basis: only allowed when "
	    "requires is basis"},
	{HEAD "[category police]\nrequires = basis\n[person]\n",
	    "t.matrix:3: [category police] has requires = basis but no "
	    "'basis' line"},
	{HEAD "[category police]\nrequires = basis\nbasis =\n", "t.matrix:5: "
	    "basis: expected printable UTF-8 text, not ''"},
	{HEAD "[category police]\nrequires = basis\nbasis = a\tb\n",
	    "t.matrix:5: basis: expected printable UTF-8 text, not 'a?b'"},
	{HEAD "[category police]\nrequires = basis\nbasis = caf\xc3\n",
	    "t.matrix:5: basis: expected printable UTF-8 text, not "
	    "'caf\xc3'"},
	{HEAD "[category police]\nrequires = basis\nbasis = \xc2\x85\n",
	    "t.matrix:5: basis: expected printable UTF-8 text, not "
	    "'\xc2\x85'"},
	{HEAD "[category police]\nrequires = basis\nbasis = " L200 "\n",
	    "t.matrix:5: basis: value too long (at most 127 bytes)"},
	{HEAD "[category police]\nrequires = basis\nbasis = A\nbasis = B\n"
	    "basis =  A \n", "t.matrix:7: basis: 'A' is already listed (line "
	    "5)"},
	{HEAD "[category police]\nrequires = basis\nbasis = 1\nbasis = 2\n"
	    "basis = 3\nbasis = 4\nbasis = 5\nbasis = 6\nbasis = 7\n"
	    "basis = 8\nbasis = 9\n", "t.matrix:13: basis: more than 8 in "
	    "[category police]"},
	{HEAD "[category care]\nrequires = consent\nsignals = police:view\n",
	    "t.matrix:5: unknown key 'signals' in [category care]"},
	/* [TYPE] */
	{HEAD "[situation]\nhealth = police:view\n", "t.matrix:4: unknown "
	    "category 'health' in [situation]"},
	{HEAD "[situation]\nrequires = consent\n", "t.matrix:4: unknown "
	    "category 'requires' in [situation]"},
	{HEAD "[situation]\nsignals = police:view\n\nsignals = welfare:view\n",
	    "t.matrix:6: duplicate category 'signals' in [situation] (first "
	    "on line 4)"},
	{HEAD "[group]\nsignals =\n", "t.matrix:4: signals: expected "
	    "ROLE:LEVEL pairs"},
	{HEAD "[group]\nsignals = police\n", "t.matrix:4: signals: expected "
	    "ROLE:LEVEL, not 'police'"},
	{HEAD "[group]\nsignals = police:view, welfare:view\n", "t.matrix:4: "
	    "signals: unknown level 'view,' for police: expected one of "
	    "none, existence, view, edit"},
	{HEAD "[group]\nsignals = police: view\n", "t.matrix:4: signals: "
	    "unknown level '' for police: expected one of none, existence, "
	    "view, edit"},
	{HEAD "[group]\nsignals = police:read\n", "t.matrix:4: signals: "
	    "unknown level 'read' for police: expected one of none, "
	    "existence, view, edit"},
	{HEAD "[group]\nsignals = police:VIEW\n", "t.matrix:4: signals: "
	    "unknown level 'VIEW' for police: expected one of none, "
	    "existence, view, edit"},
	{HEAD "[group]\nsignals = police:view:edit\n", "t.matrix:4: signals: "
	    "unknown level 'view:edit' for police: expected one of none, "
	    "existence, view, edit"},
	{HEAD "[group]\nsignals = :view\n", "t.matrix:4: signals: unknown "
	    "role '': expected one of municipality, police, "
	    "community_guards, outreach, welfare, housing, youth_work, "
	    "mediation"},
	{HEAD "[group]\nsignals = cpas:view\n", "t.matrix:4: signals: "
	    "unknown role 'cpas': expected one of municipality, police, "
	    "community_guards, outreach, welfare, housing, youth_work, "
	    "mediation"},
	{HEAD "[group]\nsignals = police:view welfare:edit police:none\n",
	    "t.matrix:4: signals: role police given twice"},
	/* [outside cases] */
	{HEAD "[outside]\n", "t.matrix:3: unknown section [outside]: "
	    "expected [matrix], [category NAME], [outside cases] or a case "
	    "type (situation, person, family, group, mediation)"},
	{HEAD "[outside case]\n", "t.matrix:3: unknown section [outside "
	    "case]: expected [matrix], [category NAME], [outside cases] or "
	    "a case type (situation, person, family, group, mediation)"},
	{HEAD "[outside cases]\nsignals = municipality:view\n",
	    "t.matrix:4: unknown key 'signals' in [outside cases]: expected "
	    "one of signal_summary"},
	{HEAD "[outside cases]\n\naction = municipality:view\n",
	    "t.matrix:5: unknown key 'action' in [outside cases]: expected "
	    "one of signal_summary"},
	{HEAD "[outside cases]\nsignal_summary = municipality:view\n"
	    "[person]\n[outside cases]\n", "t.matrix:6: duplicate section "
	    "[outside cases] (first on line 3)"},
	{HEAD "[outside cases]\nsignal_summary = municipality:view\n"
	    "[ outside  cases ]\n", "t.matrix:5: duplicate section [outside "
	    "cases] (first on line 3)"},
	{HEAD "[outside cases]\nsignal_summary = municipality:view\n"
	    "signal_summary = police:view\n", "t.matrix:5: duplicate key "
	    "'signal_summary' in [outside cases] (first on line 4)"},
	{HEAD "[outside cases]\nsignal_summary = municipality:view "
	    "police:view municipality:none\n", "t.matrix:4: signal_summary: "
	    "role municipality given twice"},
	{HEAD "[outside cases]\nsignal_summary =\n", "t.matrix:4: "
	    "signal_summary: expected ROLE:LEVEL pairs"},
	{HEAD "[outside cases]\nsignal_summary = municipality:read\n",
	    "t.matrix:4: signal_summary: unknown level 'read' for "
	    "municipality: expected one of none, existence, view, edit"},
	{HEAD "[outside cases]\nsignal_summary = director:view\n",
	    "t.matrix:4: signal_summary: unknown role 'director': expected "
	    "one of municipality, police, community_guards, outreach, "
	    "welfare, housing, youth_work, mediation"},
	{HEAD "[situation]\nsignal_summary = municipality:view\n",
	    "t.matrix:4: unknown category 'signal_summary' in [situation]"},
	{HEAD "[outside cases]\nfederation = x\n", "t.matrix:4: unknown "
	    "key 'federation' in [outside cases]: expected one of "
	    "signal_summary"},
	/* the file */
	{HEAD "[person]\nsignals = police:view\0\n", "t.matrix:4: NUL byte "
	    "in the file"},
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < WN_ARRAY_LEN(bads); i++) {
		/* The NUL case needs its length: every text ends in "\n" or
		 * is "" apart from it. */
		size_t len = strlen(bads[i].text);
		if (strstr(bads[i].msg, "NUL") != NULL)
			len += 2;
		memset(err, 'x', sizeof(err));
		if (cfg_matrix_parse(bads[i].text, len, "t.matrix", &m, err,
		    sizeof(err)) != WN_ECONFIG) {
			print_error("case %zu parsed: %s\n", i, bads[i].text);
			fail();
		}
		if (strcmp(err, bads[i].msg) != 0) {
			print_error("case %zu\n want: %s\n  got: %s\n", i,
			    bads[i].msg, err);
			fail();
		}
	}
}

static void
test_long_line(void **state)
{
	char *text = malloc(CFG_LINE_MAX + 64);
	size_t n;
	(void)state;

	assert_non_null(text);
	n = (size_t)snprintf(text, 64, "%s# ", HEAD);
	memset(text + n, 'c', CFG_LINE_MAX - 2);
	n += CFG_LINE_MAX - 2;
	text[n++] = '\n';
	/* exactly CFG_LINE_MAX bytes: fine */
	assert_int_equal(cfg_matrix_parse(text, n, "t.matrix", &m, err,
	    sizeof(err)), WN_OK);
	text[n - 1] = 'c';
	text[n++] = '\n';
	assert_int_equal(cfg_matrix_parse(text, n, "t.matrix", &m, err,
	    sizeof(err)), WN_ECONFIG);
	assert_string_equal(err, "t.matrix:3: line longer than 1024 bytes");
	/* a short error buffer is always terminated */
	assert_int_equal(cfg_matrix_parse(text, n, "t.matrix", &m, err, 8),
	    WN_ECONFIG);
	assert_string_equal(err, "t.matri");
	free(text);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/test_matrix.XXXXXX", path[64], cmd[96];
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none.matrix", dir);
	assert_int_equal(cfg_matrix_load(path, &m, err, sizeof(err)), WN_EIO);
	assert_non_null(strstr(err, "none.matrix: No such file"));

	snprintf(path, sizeof(path), "%s/bad.matrix", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(HEAD "[situation]\nsignals = police:maybe\n", f);
	fclose(f);
	assert_int_equal(cfg_matrix_load(path, &m, err, sizeof(err)),
	    WN_ECONFIG);
	assert_true(strncmp(err, path, strlen(path)) == 0);
	assert_string_equal(err + strlen(path), ":4: signals: unknown level "
	    "'maybe' for police: expected one of none, existence, view, edit");

	snprintf(path, sizeof(path), "%s/big.matrix", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(HEAD, f);
	for (int i = 0; i < CFG_FILE_MAX / 8; i++)
		fputs("#comment\n", f);
	fclose(f);
	assert_int_equal(cfg_matrix_load(path, &m, err, sizeof(err)),
	    WN_ETOOBIG);

	assert_int_equal(cfg_matrix_load(dir, &m, err, sizeof(err)), WN_EIO);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Random bytes and random mutations of the example never crash, and the
 * error message is always terminated and names the input. */
static void
test_garbage(void **state)
{
	static const char alphabet[] = "[]=:# \n\tabcdeilnoprstuvwxyz_";
	char buf[512];
	FILE *f;
	char *ex = malloc(CFG_FILE_MAX);
	size_t exlen;
	uint32_t x = 12345;
	(void)state;

	assert_non_null(ex);
	assert_non_null(f = fopen(EXAMPLE, "r"));
	exlen = fread(ex, 1, CFG_FILE_MAX, f);
	fclose(f);
	for (int round = 0; round < 20000; round++) {
		size_t n = 1 + round % sizeof(buf);
		wn_err rc;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245 + 12345;
			buf[i] = round % 2 ? (char)(x >> 16) :
			    alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
		}
		memset(err, 'x', sizeof(err));
		rc = cfg_matrix_parse(buf, n, "g", &m, err, sizeof(err));
		assert_true(rc == WN_OK || rc == WN_ECONFIG);
		assert_non_null(memchr(err, '\0', sizeof(err)));
		if (rc == WN_ECONFIG)
			assert_true(strncmp(err, "g:", 2) == 0);
	}
	for (int round = 0; round < 5000; round++) {
		char *copy = malloc(exlen);
		wn_err rc;
		assert_non_null(copy);
		memcpy(copy, ex, exlen);
		for (int k = 0; k < 3; k++) {
			x = x * 1103515245 + 12345;
			copy[(x >> 8) % exlen] = alphabet[(x >> 20) %
			    (sizeof(alphabet) - 1)];
		}
		rc = cfg_matrix_parse(copy, exlen, "g", &m, err, sizeof(err));
		assert_true(rc == WN_OK || rc == WN_ECONFIG);
		free(copy);
	}
	free(ex);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_brief),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_outside),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
