/*
 * subject.c - identifiers to canonical strings (protocol/SUBJECTS.md).
 *
 * Numbers keep their digits once the separators people type are gone, and
 * must pass their check (97 for the Belgian number, 11 for the BSN). Text
 * fields go through wn_text_fold (case, accents, NFC or NFD alike, the
 * letters that do not decompose) and then keep only letters (names),
 * letters and digits (streets, house numbers, postcodes): spaces, hyphens,
 * apostrophes and dots are dropped, so a name's particles are written
 * together with it ("Van den Broeck" and "Vandenbroeck" are one name) and
 * never dropped ("De Smet" is not "Smet"). A family name written "Broeck,
 * van den" is turned around first. Errors name the field, never its value.
 */
#include "node/subject/subject.h"

#include <stdio.h>
#include <string.h>

enum field_class {
	F_NAME,   /* letters */
	F_STREET, /* letters and digits */
	F_CODE,   /* ASCII letters and digits */
};

static wn_err
fail(char *err, size_t errlen, wn_err rc, const char *field, const char *why)
{
	snprintf(err, errlen, "the %s %s", field, why);
	return rc;
}

/* squeeze folds text and keeps the characters of its class into out
 * (cap bytes); family names with one comma are turned around. */
static wn_err
squeeze(const char *field, const char *text, enum field_class cls,
    bool turn, char *out, size_t cap, char *err, size_t errlen)
{
	char f[4 * NODE_SUBJECT_FIELD_MAX + 1], t[sizeof(f) + 1];
	size_t len, o = 0;
	const char *s = f;
	wn_err rc;

	if (text == NULL || (len = strlen(text)) == 0)
		return fail(err, errlen, WN_EINVAL, field, "is missing");
	if (len > NODE_SUBJECT_FIELD_MAX)
		return fail(err, errlen, WN_ETOOBIG, field,
		    "is longer than 200 bytes");
	rc = wn_text_fold(text, len, f, sizeof(f), NULL);
	if (rc == WN_ENOMEM || rc == WN_ETOOBIG)
		return fail(err, errlen, rc, field, rc == WN_ENOMEM ?
		    "could not be read: out of memory" : "is too long");
	if (rc != WN_OK)
		return fail(err, errlen, WN_EINVAL, field, !wn_text_valid(text, len) ?
		    "is not valid UTF-8" :
		    "holds a character that is not a letter, digit, space, "
		    "hyphen or apostrophe");
	char *comma = strchr(f, ',');
	if (turn && comma != NULL) {
		if (strchr(comma + 1, ',') != NULL)
			return fail(err, errlen, WN_EINVAL, field,
			    "holds more than one comma");
		*comma = '\0';
		snprintf(t, sizeof(t), "%s %s", comma + 1, f);
		s = t;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool letter = (c >= 'a' && c <= 'z') ||
		    (c >= 0x80 && cls != F_CODE);
		bool digit = c >= '0' && c <= '9' && cls != F_NAME;
		if (letter || digit) {
			if (o + 1 >= cap)
				return fail(err, errlen, WN_ETOOBIG, field,
				    "is too long");
			out[o++] = (char)c;
		} else if (c == ' ' || c == '-' || c == '\'' || c == '.' ||
		    (c == ',' && cls == F_STREET) || (c == '/' && cls == F_CODE)) {
			continue;
		} else {
			return fail(err, errlen, WN_EINVAL, field,
			    cls == F_NAME ? "holds a character a name cannot "
					    "have (a digit or a sign)" :
					    "holds a character it cannot have");
		}
	}
	if (o == 0)
		return fail(err, errlen, WN_EINVAL, field,
		    "is empty without its spaces, hyphens and apostrophes");
	out[o] = '\0';
	return WN_OK;
}

/* digits copies the digits of text into d (exactly n of them), skipping
 * the separators people type: dots, dashes, spaces. */
static bool
digits(const char *text, char *d, size_t n)
{
	size_t o = 0;
	for (const char *s = text; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			if (o == n)
				return false;
			d[o++] = *s;
		} else if (*s != '.' && *s != '-' && *s != ' ') {
			return false;
		}
	}
	d[o] = '\0';
	return o == n;
}

static wn_err
put(char *out, size_t cap, size_t *outlen, const char *form)
{
	size_t n = strlen(form);
	if (n >= cap)
		return WN_ETOOBIG;
	memcpy(out, form, n + 1);
	if (outlen != NULL)
		*outlen = n;
	return WN_OK;
}

wn_err
node_subject_be_nrn(const char *text, char *out, size_t cap, size_t *outlen,
    char *err, size_t errlen)
{
	char d[12], form[32];
	uint64_t first = 0, check;

	if (text == NULL || strlen(text) > 32 || !digits(text, d, 11))
		return fail(err, errlen, WN_EINVAL, "national register number",
		    "is not 11 digits (dots, dash and spaces aside)");
	for (int i = 0; i < 9; i++)
		first = first * 10 + (uint64_t)(d[i] - '0');
	check = (uint64_t)((d[9] - '0') * 10 + (d[10] - '0'));
	/* born in 2000 or later: the check covers a leading 2 as well */
	if (97 - first % 97 != check &&
	    97 - (2000000000u + first) % 97 != check)
		return fail(err, errlen, WN_EINVAL, "national register number",
		    "has check digits that do not match (a typing error?)");
	snprintf(form, sizeof(form), "be-nrn:%s", d);
	return put(out, cap, outlen, form);
}

wn_err
node_subject_nl_bsn(const char *text, char *out, size_t cap, size_t *outlen,
    char *err, size_t errlen)
{
	char d[10], form[32];
	int sum = 0;

	if (text == NULL || strlen(text) > 32)
		goto bad;
	if (!digits(text, d, 9)) {
		if (!digits(text, d + 1, 8))
			goto bad;
		d[0] = '0'; /* a spreadsheet dropped it */
	}
	for (int i = 0; i < 8; i++)
		sum += (9 - i) * (d[i] - '0');
	sum -= d[8] - '0';
	if (sum % 11 != 0 || strcmp(d, "000000000") == 0)
		return fail(err, errlen, WN_EINVAL, "BSN",
		    "fails the 11-proof (a typing error?)");
	snprintf(form, sizeof(form), "nl-bsn:%s", d);
	return put(out, cap, outlen, form);
bad:
	return fail(err, errlen, WN_EINVAL, "BSN",
	    "is not 9 digits (dots and spaces aside)");
}

/* read_num reads 1 to max digits at *p, moving *p past them. */
static bool
read_num(const char **p, int max, int *v, int *n)
{
	*v = 0;
	*n = 0;
	while (**p >= '0' && **p <= '9' && *n < max + 1) {
		*v = *v * 10 + (**p - '0');
		(*n)++;
		(*p)++;
	}
	return *n >= 1 && *n <= max;
}

wn_err
node_subject_date(const char *text, char out[11], char *err, size_t errlen)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31};
	int v[3], n[3], y, m, d;
	const char *p = text;
	size_t k = 0;

	if (text == NULL || strlen(text) > 32)
		goto bad;
	while (*p == ' ')
		p++;
	if (strspn(p, "0123456789") == 8) { /* YYYYMMDD */
		y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
		    (p[2] - '0') * 10 + (p[3] - '0');
		m = (p[4] - '0') * 10 + (p[5] - '0');
		d = (p[6] - '0') * 10 + (p[7] - '0');
		p += 8;
	} else {
		for (k = 0; k < 3; k++) {
			if (k > 0 && (*p == '-' || *p == '/' || *p == '.' ||
					 *p == ' '))
				p++;
			else if (k > 0)
				goto bad;
			if (!read_num(&p, 4, &v[k], &n[k]))
				goto bad;
		}
		if (n[0] == 4 && n[1] <= 2 && n[2] <= 2) {
			y = v[0], m = v[1], d = v[2];
		} else if (n[2] == 4 && n[0] <= 2 && n[1] <= 2) {
			d = v[0], m = v[1], y = v[2];
		} else {
			goto bad;
		}
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		goto bad;
	if (y < 1800 || y > 2199 || m < 1 || m > 12 || d < 1)
		goto nodate;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		goto nodate;
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
	return WN_OK;
bad:
	return fail(err, errlen, WN_EINVAL, "date of birth",
	    "is not YYYY-MM-DD, DD-MM-YYYY or YYYYMMDD (a four-digit year)");
nodate:
	return fail(err, errlen, WN_EINVAL, "date of birth",
	    "is not a date of the years 1800 to 2199");
}

wn_err
node_subject_person(const char *family, const char *given, const char *born,
    char *out, size_t cap, size_t *outlen, char *err, size_t errlen)
{
	char fam[NODE_SUBJECT_MAX], giv[NODE_SUBJECT_MAX], date[11];
	char form[3 * NODE_SUBJECT_MAX];
	wn_err rc;

	if ((rc = squeeze("family name", family, F_NAME, true, fam,
		 sizeof(fam), err, errlen)) != WN_OK ||
	    (rc = squeeze("list of given names", given, F_NAME, false, giv,
		 sizeof(giv), err, errlen)) != WN_OK ||
	    (rc = node_subject_date(born, date, err, errlen)) != WN_OK)
		return rc;
	snprintf(form, sizeof(form), "person:%s/%s/%s", fam, giv, date);
	if ((rc = put(out, cap, outlen, form)) != WN_OK)
		return fail(err, errlen, rc, "name", "is too long");
	return WN_OK;
}

wn_err
node_subject_address(const char *street, const char *house,
    const char *box, const char *postcode, char *out, size_t cap,
    size_t *outlen, char *err, size_t errlen)
{
	static const char *const words[] = {"boite", "bus", "bte", "box", "b"};
	char st[NODE_SUBJECT_MAX], nr[NODE_SUBJECT_MAX], bx[NODE_SUBJECT_MAX];
	char pc[NODE_SUBJECT_MAX], form[4 * NODE_SUBJECT_MAX];
	const char *b = bx;
	wn_err rc;

	bx[0] = '\0';
	if ((rc = squeeze("street", street, F_STREET, false, st, sizeof(st),
		 err, errlen)) != WN_OK ||
	    (rc = squeeze("house number", house, F_CODE, false, nr,
		 sizeof(nr), err, errlen)) != WN_OK ||
	    (box != NULL && box[0] != '\0' &&
		(rc = squeeze("box", box, F_CODE, false, bx, sizeof(bx), err,
		     errlen)) != WN_OK) ||
	    (rc = squeeze("postcode", postcode, F_CODE, false, pc, sizeof(pc),
		 err, errlen)) != WN_OK)
		return rc;
	if (nr[0] < '0' || nr[0] > '9')
		return fail(err, errlen, WN_EINVAL, "house number",
		    "does not start with a digit");
	/* "bus 3", "bte 3", "boîte 3" and "3" are one box */
	for (size_t i = 0; i < WN_ARRAY_LEN(words); i++) {
		size_t n = strlen(words[i]);
		if (strncmp(bx, words[i], n) == 0 && bx[n] != '\0') {
			b = bx + n;
			break;
		}
	}
	snprintf(form, sizeof(form), "address:%s/%s/%s/%s", st, nr, b, pc);
	if ((rc = put(out, cap, outlen, form)) != WN_OK)
		return fail(err, errlen, rc, "address", "is too long");
	return WN_OK;
}
