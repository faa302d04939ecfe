/*
 * test_subject.c - the canonical form of a subject's identifier
 * (node/subject/, protocol/SUBJECTS.md): realistic Dutch and Flemish names
 * typed in other spellings (case, accents precomposed or combining,
 * particles apart or together, turned around, other separators, dates in
 * other forms) give one form; different persons with similar names do not;
 * national numbers are checked; bad input is refused with an error that
 * names the field and never quotes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "node/subject/subject.h"

struct person {
	const char *family, *given, *born;
};

struct pair {
	struct person a, b;
};

#define D "1985-07-30"

/* 56 pairs: the same person */
static const struct pair same[] = {
	{{"Van den Broeck", "\u00c9lise", D}, {"van den broeck", "Elise", "30-07-1985"}},
	{{"Vandenbroeck", "\u00c9lise", D}, {"VAN DEN BROECK", "ELISE", D}},
	{{"Van den Broeck", "E\u0301lise", D}, {"Van den Broeck", "\u00c9lise", D}},
	{{"Broeck, van den", "Elise", D}, {"Van den Broeck", "Elise", D}},
	{{"De Smet", "Jan", D}, {"Desmet", "Jan", D}},
	{{"de Smet", "Jan", D}, {"DE SMET", "jan", D}},
	{{"D'Hondt", "Marie", D}, {"Dhondt", "Marie", D}},
	{{"D\u2019Hondt", "Marie", D}, {"d'hondt", "marie", D}},
	{{"'t Hooft", "Gerard", D}, {"\u2019t Hooft", "Gerard", D}},
	{{"'t Hooft", "Gerard", D}, {"Thooft", "Gerard", D}},
	{{"Van der Meer", "Sanne", D}, {"van der meer", "Sanne", D}},
	{{"Vandermeer", "Sanne", D}, {"Van Der Meer", "sanne", D}},
	{{"ter Horst", "Bram", D}, {"Terhorst", "Bram", D}},
	{{"ten Brink", "Lotte", D}, {"Ten  Brink", "Lotte", D}},
	{{"Van Dyck", "Pieter", D}, {"Vandyck", "Pieter", D}},
	{{"Van de Velde", "Koen", D}, {"Vandevelde", "Koen", D}},
	{{"Verhaegen", "Anneleen", D}, {"verhaegen", "Anne-Leen", D}},
	{{"Peeters", "Jan-Willem", D}, {"Peeters", "Jan Willem", D}},
	{{"Peeters", "Marie-Th\u00e9r\u00e8se", D}, {"Peeters", "Marie Therese", D}},
	{{"Claes", "No\u00ebl", D}, {"Claes", "Noel", D}},
	{{"Janssens", "Dani\u00eblle", D}, {"Janssens", "Danielle", D}},
	{{"Maes", "Zoe\u0308", D}, {"Maes", "Zo\u00eb", D}},
	{{"M\u00fcller", "J\u00fcrgen", D}, {"M\u00dcLLER", "Jurgen", D}},
	{{"Stra\u00dfe", "Hans", D}, {"Strasse", "Hans", D}},
	{{"\u00d8verby", "Lars", D}, {"Overby", "Lars", D}},
	{{"Wa\u0142\u0119sa", "\u0141ukasz", D}, {"Walesa", "Lukasz", D}},
	{{"Y\u0131lmaz", "Ay\u015fe", D}, {"YILMAZ", "Ayse", D}},
	{{"\u00d6zt\u00fcrk", "\u0130brahim", D}, {"Ozturk", "Ibrahim", D}},
	{{"\u00c7elik", "G\u00fcl\u015fen", D}, {"Celik", "Gulsen", D}},
	{{"Gon\u00e7alves", "Jo\u00e3o", D}, {"Goncalves", "Joao", D}},
	{{"Lef\u00e8vre", "Fran\u00e7ois", D}, {"Lefevre", "Francois", D}},
	{{"Dubois", "H\u00e9l\u00e8ne", D}, {"DUBOIS", "H\u00c9L\u00c8NE", D}},
	{{"du Bois", "Anne", D}, {"Dubois", "Anne", D}},
	{{"Le Clercq", "Sophie", D}, {"Leclercq", "Sophie", D}},
	{{"La Fontaine", "Julie", D}, {"Lafontaine", "Julie", D}},
	{{"von Neumann", "Johann", D}, {"Von Neumann", "johann", D}},
	{{"Van 't Hof", "Ruben", D}, {"Vanthof", "Ruben", D}},
	{{"Van Den Bossche", "Lies", D}, {"Vanden Bossche", "Lies", D}},
	{{"Vanden Berghe", "Tom", D}, {"Van den Berghe", "Tom", D}},
	{{"Van Acker", "Ilse", "1979-03-04"}, {"Van Acker", "Ilse", "4/3/1979"}},
	{{"Goossens", "Wim", "19790304"}, {"Goossens", "Wim", "04.03.1979"}},
	{{"Willems", "Eva", " 1979-03-04 "}, {"Willems", "Eva", "04 03 1979"}},
	{{"de Vries", "Anouk", D}, {" De  Vries ", "Anouk ", D}},
	{{"de Jong", "Daan", D}, {"Jong, de", "Daan", D}},
	{{"van Beek", "Femke", D}, {"Beek, van", "Femke", D}},
	{{"Bakker", "Jan", D}, {"BAKKER", "JAN", D}},
	{{"\u00c6bel\u00f8", "S\u00f8ren", D}, {"Aebelo", "Soren", D}},
	{{"Nguy\u1ec5n", "Th\u1ecb", D}, {"Nguyen", "Thi", D}},
	{{"Schro\u0308dinger", "Erwin", D}, {"Schr\u00f6dinger", "Erwin", D}},
	{{"O'Brien", "Se\u00e1n", D}, {"OBrien", "Sean", D}},
	{{"Dupont-Durand", "Chlo\u00e9", D}, {"Dupont Durand", "Chloe", D}},
	{{"El Amrani", "Mohamed", D}, {"El-Amrani", "Mohamed", D}},
	{{"Ben Ali", "Fatima", D}, {"Benali", "Fatima", D}},
	{{"\u0160imi\u0107", "\u0110or\u0111e", D}, {"Simic", "Dorde", D}},
	{{"Van Damme", "Jean-Claude", D}, {"Van Damme", "Jean\u2011Claude", D}},
	{{"van der Heijden", "Lieke", D}, {"Van der He\u0133den", "Lieke", D}},
	{{"Kowalczyk", "Ma\u0142gorzata", D}, {"Kowalczyk", "Malgorzata", D}},
};

/* 56 pairs: different persons with similar names */
static const struct pair differ[] = {
	{{"Janssen", "Jan", D}, {"Janssens", "Jan", D}},
	{{"Jansen", "Jan", D}, {"Janssen", "Jan", D}},
	{{"De Smet", "Jan", D}, {"Smet", "Jan", D}},
	{{"Desmet", "Jan", D}, {"Smet", "Jan", D}},
	{{"Van den Broeck", "Elise", D}, {"Van den Broeck", "Elise", "1985-07-31"}},
	{{"Van den Broeck", "Elise", D}, {"Van den Broeck", "Elisa", D}},
	{{"Van den Broeck", "Elise", D}, {"Van den Broek", "Elise", D}},
	{{"Van den Broeck", "Elise", D}, {"Broeck", "Elise", D}},
	{{"Van der Meer", "Sanne", D}, {"Van de Meer", "Sanne", D}},
	{{"Peeters", "Jan", D}, {"Peters", "Jan", D}},
	{{"Peeters", "Jan", D}, {"Peeters", "Jan-Willem", D}},
	{{"Peeters", "Jan", D}, {"Peeters", "Jens", D}},
	{{"Maes", "Tom", D}, {"Maas", "Tom", D}},
	{{"Claes", "No\u00ebl", D}, {"Claessens", "No\u00ebl", D}},
	{{"Verhaegen", "Koen", D}, {"Verhagen", "Koen", D}},
	{{"Vermeulen", "Lies", D}, {"Vermeule", "Lies", D}},
	{{"De Vries", "Anouk", D}, {"Vries", "Anouk", D}},
	{{"de Jong", "Daan", D}, {"Jong", "Daan", D}},
	{{"'t Hooft", "Gerard", D}, {"Hooft", "Gerard", D}},
	{{"M\u00fcller", "J\u00fcrgen", D}, {"Mueller", "J\u00fcrgen", D}},
	{{"Dubois", "Anne", D}, {"Dubois", "Anna", D}},
	{{"Dubois", "Anne", "1990-01-02"}, {"Dubois", "Anne", "1990-02-01"}},
	{{"Willems", "Eva", "1979-03-04"}, {"Willems", "Eva", "1978-03-04"}},
	{{"Goossens", "Wim", D}, {"Goossen", "Wim", D}},
	{{"Wouters", "Bart", D}, {"Wauters", "Bart", D}},
	{{"Mertens", "Sofie", D}, {"Martens", "Sofie", D}},
	{{"Hermans", "Lotte", D}, {"Hermanns", "Lotte", D}},
	{{"Van Dyck", "Pieter", D}, {"Van Dijck", "Pieter", D}},
	{{"De Backer", "Els", D}, {"De Bakker", "Els", D}},
	{{"Jacobs", "Tim", D}, {"Jakobs", "Tim", D}},
	{{"Y\u0131lmaz", "Ay\u015fe", D}, {"Yilmaz", "Aysel", D}},
	{{"\u00d6zt\u00fcrk", "Emre", D}, {"Ozturk", "Emre", "1958-07-30"}},
	{{"Lef\u00e8vre", "Fran\u00e7ois", D}, {"Lefebvre", "Fran\u00e7ois", D}},
	{{"Leclercq", "Sophie", D}, {"Leclerc", "Sophie", D}},
	{{"Vandamme", "Jean", D}, {"Damme", "Jean", D}},
	{{"Van Damme", "Jean", D}, {"Van Damme", "Jeanne", D}},
	{{"Walesa", "Lech", D}, {"Wales", "Lech", D}},
	{{"Smits", "Ruud", D}, {"Smit", "Ruud", D}},
	{{"Bakker", "Jan", D}, {"De Bakker", "Jan", D}},
	{{"Visser", "Emma", D}, {"Vissers", "Emma", D}},
	{{"Dekker", "Noah", D}, {"Decker", "Noah", D}},
	{{"Hendriks", "Lucas", D}, {"Hendrickx", "Lucas", D}},
	{{"Hendrickx", "Lucas", D}, {"Hendrikx", "Lucas", D}},
	{{"Claes", "Marie", D}, {"Claeys", "Marie", D}},
	{{"Aerts", "Pieter", D}, {"Aarts", "Pieter", D}},
	{{"Van Aken", "Ilse", D}, {"Van Acker", "Ilse", D}},
	{{"Coppens", "Ann", D}, {"Coppens", "Anne", D}},
	{{"Michiels", "Kris", D}, {"Michielsen", "Kris", D}},
	{{"Van Hove", "Luc", D}, {"Van Hoof", "Luc", D}},
	{{"Segers", "Joke", D}, {"Seghers", "Joke", D}},
	{{"El Amrani", "Mohamed", D}, {"Amrani", "Mohamed", D}},
	{{"Ben Ali", "Fatima", D}, {"Ali", "Fatima", D}},
	{{"Nguyen", "Van Anh", D}, {"Nguyen", "Van", D}},
	{{"Jansen", "Jan", "2000-02-29"}, {"Jansen", "Jan", "2000-03-01"}},
	{{"\u0160imi\u0107", "\u0110or\u0111e", D}, {"Simic", "Djordje", D}},
	{{"Van den Broeck", "Elise", D}, {"Elise", "Van den Broeck", D}},
};

static void
person(const struct person *p, char *out)
{
	char err[200];
	wn_err rc = node_subject_person(p->family, p->given, p->born, out,
	    NODE_SUBJECT_MAX, NULL, err, sizeof(err));
	if (rc != WN_OK)
		fail_msg("%s / %s / %s: %s", p->family, p->given, p->born, err);
}

static void
test_subject_same_person(void **state)
{
	(void)state;
	char a[NODE_SUBJECT_MAX], b[NODE_SUBJECT_MAX];
	assert_true(WN_ARRAY_LEN(same) >= 50);
	for (size_t i = 0; i < WN_ARRAY_LEN(same); i++) {
		person(&same[i].a, a);
		person(&same[i].b, b);
		if (strcmp(a, b) != 0)
			fail_msg("pair %zu: %s != %s", i, a, b);
	}
	person(&same[0].a, a);
	assert_string_equal(a, "person:vandenbroeck/elise/1985-07-30");
}

static void
test_subject_different_persons(void **state)
{
	(void)state;
	char a[NODE_SUBJECT_MAX], b[NODE_SUBJECT_MAX];
	assert_true(WN_ARRAY_LEN(differ) >= 50);
	for (size_t i = 0; i < WN_ARRAY_LEN(differ); i++) {
		person(&differ[i].a, a);
		person(&differ[i].b, b);
		if (strcmp(a, b) == 0)
			fail_msg("pair %zu: both %s", i, a);
	}
}

static void
test_subject_numbers(void **state)
{
	(void)state;
	char out[NODE_SUBJECT_MAX], err[200];
	/* born 1985: 97 - 850730033 mod 97 = 28 */
	assert_int_equal(node_subject_be_nrn("85.07.30-033.28", out,
			     sizeof(out), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(out, "be-nrn:85073003328");
	assert_int_equal(node_subject_be_nrn("85073003328", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(out, "be-nrn:85073003328");
	/* born 2001: the check covers 2010203123, so 45, not 16 */
	assert_int_equal(node_subject_be_nrn("01.02.03-123.45", out,
			     sizeof(out), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(out, "be-nrn:01020312345");
	assert_int_equal(node_subject_be_nrn("85.07.30-033.29", out,
			     sizeof(out), NULL, err, sizeof(err)),
	    WN_EINVAL);
	assert_non_null(strstr(err, "check digits"));
	assert_null(strstr(err, "85"));
	assert_int_equal(node_subject_be_nrn("85.07.30-033.2", out,
			     sizeof(out), NULL, err, sizeof(err)),
	    WN_EINVAL);
	assert_int_equal(node_subject_be_nrn("85.07.30/033.28", out,
			     sizeof(out), NULL, err, sizeof(err)),
	    WN_EINVAL);

	assert_int_equal(node_subject_nl_bsn("111.222.333", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(out, "nl-bsn:111222333");
	assert_int_equal(node_subject_nl_bsn("12345611", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(out, "nl-bsn:012345611");
	assert_int_equal(node_subject_nl_bsn("111222334", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_EINVAL);
	assert_non_null(strstr(err, "11-proof"));
	assert_int_equal(node_subject_nl_bsn("000000000", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_EINVAL);
	assert_int_equal(node_subject_nl_bsn("1112223330", out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_EINVAL);
}

static void
test_subject_dates(void **state)
{
	(void)state;
	char d[11], err[200];
	static const char *const ok[] = {"1985-07-30", "30-07-1985",
	    "30/7/1985", "30.07.1985", "19850730", "1985/07/30", " 30 7 1985"};
	for (size_t i = 0; i < WN_ARRAY_LEN(ok); i++) {
		assert_int_equal(node_subject_date(ok[i], d, err, sizeof(err)),
		    WN_OK);
		assert_string_equal(d, "1985-07-30");
	}
	static const char *const bad[] = {"30-07-85", "1985-13-01",
	    "2001-02-29", "1985-07-32", "", "1985-07", "30-07-1985x",
	    "1799-12-31", "0000-01-01", "1985--07-30", "123-07-1985"};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++)
		assert_int_equal(node_subject_date(bad[i], d, err, sizeof(err)),
		    WN_EINVAL);
	assert_int_equal(node_subject_date("29-02-2000", d, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(d, "2000-02-29");
}

static void
test_subject_address(void **state)
{
	(void)state;
	char a[NODE_SUBJECT_MAX], b[NODE_SUBJECT_MAX], err[200];
	assert_int_equal(node_subject_address("Sint-Jansstraat", "12A", "bus 3",
			     "1000", a, sizeof(a), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(a, "address:sintjansstraat/12a/3/1000");
	assert_int_equal(node_subject_address("SINT JANSSTRAAT", "12 a", "3",
			     " 1000", b, sizeof(b), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(a, b);
	assert_int_equal(node_subject_address("Rue de l'\u00c9glise", "7",
			     "bo\u00eete 2", "4000", a, sizeof(a), NULL, err,
			     sizeof(err)),
	    WN_OK);
	assert_int_equal(node_subject_address("rue de leglise", "7", "bte 2",
			     "4000", b, sizeof(b), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(a, b);
	assert_int_equal(node_subject_address("Kerkstraat", "5", NULL,
			     "1234 AB", a, sizeof(a), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_equal(a, "address:kerkstraat/5//1234ab");
	/* another number, box or postcode is another address */
	assert_int_equal(node_subject_address("Kerkstraat", "5", "1",
			     "1234 AB", b, sizeof(b), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(node_subject_address("Kerkstraat", "5B", NULL,
			     "1234 AB", b, sizeof(b), NULL, err, sizeof(err)),
	    WN_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(node_subject_address("Kerkstraat", "A5", NULL,
			     "1234 AB", b, sizeof(b), NULL, err, sizeof(err)),
	    WN_EINVAL);
	assert_non_null(strstr(err, "house number"));
}

static void
test_subject_refuses_bad_text(void **state)
{
	(void)state;
	char out[NODE_SUBJECT_MAX], err[200], big[300];
	size_t len = 99;
	struct {
		const char *family, *given, *what;
	} bad[] = {
		{"Jan\xc3", "Piet", "not valid UTF-8"},
		{"Jan\xc0\xaf", "Piet", "not valid UTF-8"},     /* overlong */
		{"Jan\xed\xa0\x80", "Piet", "not valid UTF-8"}, /* surrogate */
		{"Peeters", "Jan2", "a name cannot have"},
		{"Peeters", "Jan \xf0\x9f\x98\x80", "not a letter"}, /* emoji */
		{"Peeters", "Jan\x01", "not a letter"},
		{"' - '", "Jan", "empty"},
		{"", "Jan", "missing"},
		{"Peeters", "\xcc\x81", "empty"}, /* a lone accent */
		{"a, b, c", "Jan", "more than one comma"},
		{"Peeters", "Jan, Piet", "a name cannot have"},
	};
	for (size_t i = 0; i < WN_ARRAY_LEN(bad); i++) {
		memcpy(out, "untouched", 10);
		assert_int_equal(node_subject_person(bad[i].family,
				     bad[i].given, D, out, sizeof(out), &len,
				     err, sizeof(err)),
		    WN_EINVAL);
		if (strstr(err, bad[i].what) == NULL)
			fail_msg("case %zu: error \"%s\" says nothing of %s", i,
			    err, bad[i].what);
		/* the error names the field, never the value */
		assert_null(strstr(err, "Peeters"));
		assert_null(strstr(err, "Jan"));
		assert_string_equal(out, "untouched");
		assert_int_equal(len, 99);
	}
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(node_subject_person(big, "Jan", D, out, sizeof(out),
			     NULL, err, sizeof(err)),
	    WN_ETOOBIG);
	/* too small an output: refused, not cut */
	assert_int_equal(node_subject_person("Peeters", "Jan", D, out, 10,
			     NULL, err, sizeof(err)),
	    WN_ETOOBIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_same_person),
		cmocka_unit_test(test_subject_different_persons),
		cmocka_unit_test(test_subject_numbers),
		cmocka_unit_test(test_subject_dates),
		cmocka_unit_test(test_subject_address),
		cmocka_unit_test(test_subject_refuses_bad_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
