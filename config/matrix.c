/*
 * matrix.c - the authorization matrix source file (see matrix.h).
 *
 * The parser works like the node config's (cfg.c): one line at a time
 * into a bounded buffer, trimmed, dispatched on the section it is in.
 * Keys of [matrix] and [category NAME] are rows of keys[], each with the
 * function that sets it and whether it is required or repeatable; the keys
 * of a [TYPE] section are the category names, those of [outside cases]
 * the names of what travels outside a case, and the values of both a list
 * of role:level pairs read by set_cells. What depends on a whole section (a
 * required key, "basis only with requires = basis") is checked when the
 * section ends, with the line of the key at fault.
 *
 * Names are tables indexed by enum value, so name and parse functions are
 * lookups in the same arrays the parser uses. Nothing here knows the wire
 * format: protocol/matrix_wire.h has its own struct with the same
 * numbering, and the node copies between the two.
 */
#include "config/matrix.h"

#include <string.h>

_Static_assert(CFG_ROLES == CFG_ROLE_MEDIATION + 1, "CFG_ROLES");
_Static_assert(CFG_LEVEL_EDIT == 3 && CFG_REQUIRES_BASIS == 2,
    "levels and requirements are numbered on the wire");

enum sect { SECT_NONE, SECT_MATRIX, SECT_CATEGORY, SECT_TYPE, SECT_OUTSIDE };

#define K_REQUIRED 0x1 /* the section needs it */
#define K_REPEAT 0x2   /* may appear on several lines */

struct parser;

struct key {
	enum sect sect;
	const char *name;
	unsigned flags;
	wn_err (*set)(struct parser *p, size_t line, char *v);
};

static wn_err set_federation(struct parser *p, size_t line, char *v);
static wn_err set_requires(struct parser *p, size_t line, char *v);
static wn_err set_basis(struct parser *p, size_t line, char *v);

static const struct key keys[] = {
	{SECT_MATRIX, "federation", K_REQUIRED, set_federation},
	{SECT_CATEGORY, "requires", K_REQUIRED, set_requires},
	{SECT_CATEGORY, "basis", K_REPEAT, set_basis},
};

static const char *const type_names[] = {"situation", "person", "family",
    "group", "mediation"};
static const char *const category_names[] = {"identity", "contact",
    "signals", "police", "care", "housing", "income_debts", "family",
    "education_work", "plan", "actions", "deliberation", "results"};
static const char *const level_names[] = {"none", "existence", "view",
    "edit"};
static const char *const requires_names[] = {"none", "consent", "basis"};
static const char *const outside_names[] = {"signal_summary"};

_Static_assert(WN_ARRAY_LEN(type_names) == CFG_CASE_TYPES, "type names");
_Static_assert(WN_ARRAY_LEN(category_names) == CFG_CATEGORIES,
    "category names");
_Static_assert(WN_ARRAY_LEN(outside_names) == CFG_OUTSIDE, "outside names");

#define ID_EXPECT "1 to 63 characters of a-z, 0-9, '_' and '-'"

struct parser {
	const char *name;
	char *err;
	size_t errlen;
	struct cfg_matrix *m;
	enum sect cur;
	int cur_index;   /* the category or case type of the section */
	size_t cur_line; /* header line of the section */
	size_t matrix_line;
	size_t cat_line[CFG_CATEGORIES];
	size_t type_line[CFG_CASE_TYPES];
	size_t outside_line;
	size_t out_key_line[CFG_OUTSIDE];
	/* Per section, 0 while not seen: */
	size_t key_line[WN_ARRAY_LEN(keys)];
	size_t cell_line[CFG_CATEGORIES];
	size_t basis_line[CFG_MAX_BASES];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    WN_PRINTF(3, 4);

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static wn_err fail(struct parser *p, size_t line, const char *fmt, ...)
    WN_PRINTF(3, 4);

static wn_err
fail(struct parser *p, size_t line, const char *fmt, ...)
{
	char msg[CFG_ERR_LEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		seterr(p->err, p->errlen, "%s:%zu: %s", p->name, line, msg);
	else
		seterr(p->err, p->errlen, "%s: %s", p->name, msg);
	return WN_ECONFIG;
}

/* show copies text from the file for a message: control bytes become '?'
 * and long text is cut. */
static const char *
show(const char *s, char *buf, size_t cap)
{
	size_t i;
	for (i = 0; s[i] != '\0' && i + 4 < cap; i++)
		buf[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i] != '\0') {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static char *
trim(char *s)
{
	size_t n;
	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* one_of writes "a, b, c" of names into buf for a message. */
static const char *
one_of(const char *const *names, size_t n, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++) {
		int k = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "",
		    names[i]);
		if (k < 0)
			break;
		len += (size_t)k;
	}
	return buf;
}

/* Non-empty UTF-8 without control characters (C0, DEL, C1), overlong
 * forms or surrogates: the rule of cfg.c's text values, and the rule
 * protocol/matrix_wire.c applies to a basis on the wire. */
static bool
text_valid(const char *s)
{
	static const uint32_t min[] = {0, 0xa0, 0x800, 0x10000};
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		return false;
	while (*p) {
		unsigned n;
		uint32_t cp;
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		/* Stops at the terminator, which is not a continuation. */
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp > 0x10ffff)
			return false;
		p += n + 1;
	}
	return true;
}

/* header writes the current section's header for a message. */
static const char *
header(const struct parser *p, char *buf, size_t cap)
{
	switch (p->cur) {
	case SECT_MATRIX:
		snprintf(buf, cap, "[matrix]");
		break;
	case SECT_CATEGORY:
		snprintf(buf, cap, "[category %s]",
		    category_names[p->cur_index]);
		break;
	case SECT_TYPE:
		snprintf(buf, cap, "[%s]", type_names[p->cur_index]);
		break;
	case SECT_OUTSIDE:
		snprintf(buf, cap, "[outside cases]");
		break;
	default:
		snprintf(buf, cap, "(no section)");
		break;
	}
	return buf;
}

/* ---- setting values ------------------------------------------------- */

static wn_err
set_federation(struct parser *p, size_t line, char *v)
{
	char shown[80];
	if (!cfg_org_id_valid(v))
		return fail(p, line, "federation: expected " ID_EXPECT
		    ", not '%s'", show(v, shown, sizeof(shown)));
	wn_strlcpy(p->m->federation, v, sizeof(p->m->federation));
	return WN_OK;
}

static wn_err
set_requires(struct parser *p, size_t line, char *v)
{
	char shown[80], names[64];
	int r;
	if (!cfg_name_lookup(requires_names,
	    WN_ARRAY_LEN(requires_names), v, &r))
		return fail(p, line, "requires: expected one of %s, not '%s'",
		    one_of(requires_names, WN_ARRAY_LEN(requires_names),
		        names, sizeof(names)),
		    show(v, shown, sizeof(shown)));
	p->m->requires[p->cur_index] = (uint8_t)r;
	return WN_OK;
}

static wn_err
set_basis(struct parser *p, size_t line, char *v)
{
	struct cfg_matrix *m = p->m;
	int c = p->cur_index;
	char shown[80], hdr[64];

	if (strlen(v) > CFG_BASIS_MAX)
		return fail(p, line, "basis: value too long (at most %d bytes)",
		    CFG_BASIS_MAX);
	if (!text_valid(v))
		return fail(p, line, "basis: expected printable UTF-8 text, "
		    "not '%s'", show(v, shown, sizeof(shown)));
	for (size_t i = 0; i < m->nbases[c]; i++)
		if (strcmp(m->bases[c][i], v) == 0)
			return fail(p, line, "basis: '%s' is already listed "
			    "(line %zu)", show(v, shown, sizeof(shown)),
			    p->basis_line[i]);
	if (m->nbases[c] == CFG_MAX_BASES)
		return fail(p, line, "basis: more than %d in %s",
		    CFG_MAX_BASES, header(p, hdr, sizeof(hdr)));
	p->basis_line[m->nbases[c]] = line;
	wn_strlcpy(m->bases[c][m->nbases[c]++], v, CFG_BASIS_MAX + 1);
	return WN_OK;
}

/* next_word cuts the next space-separated word out of *s, or NULL. */
static char *
next_word(char **s)
{
	char *w = *s, *end;
	while (is_space(*w))
		w++;
	if (*w == '\0')
		return NULL;
	end = w + strcspn(w, " \t\r");
	*s = end;
	if (*end != '\0') {
		*end = '\0';
		*s = end + 1;
	}
	return w;
}

/* role_list writes the role names for a message. */
static const char *
role_list(char *buf, size_t cap)
{
	const char *names[CFG_ROLES];
	for (int r = 0; r < CFG_ROLES; r++)
		names[r] = cfg_role_name((enum cfg_role)r);
	return one_of(names, CFG_ROLES, buf, cap);
}

/* set_cells reads "role:level role:level ..." into cells (one per role),
 * for the line of key cname: a category of a [TYPE] section or a kind of
 * [outside cases]. */
static wn_err
set_cells(struct parser *p, size_t line, const char *cname, uint8_t *cells,
    char *v)
{
	bool seen[CFG_ROLES] = {false};
	char shown[80], names[160];
	char *w, *colon;
	enum cfg_role role;
	int level;

	if (*v == '\0')
		return fail(p, line, "%s: expected ROLE:LEVEL pairs", cname);
	while ((w = next_word(&v)) != NULL) {
		if ((colon = strchr(w, ':')) == NULL)
			return fail(p, line, "%s: expected ROLE:LEVEL, not "
			    "'%s'", cname, show(w, shown, sizeof(shown)));
		*colon = '\0';
		if (!cfg_role_parse(w, &role))
			return fail(p, line, "%s: unknown role '%s': expected one "
			    "of %s", cname, show(w, shown, sizeof(shown)),
			    role_list(names, sizeof(names)));
		if (!cfg_name_lookup(level_names,
		    WN_ARRAY_LEN(level_names), colon + 1, &level))
			return fail(p, line, "%s: unknown level '%s' for %s: "
			    "expected one of %s", cname,
			    show(colon + 1, shown, sizeof(shown)), w,
			    one_of(level_names, WN_ARRAY_LEN(level_names),
			        names, sizeof(names)));
		if (seen[role])
			return fail(p, line, "%s: role %s given twice", cname,
			    w);
		seen[role] = true;
		cells[role] = (uint8_t)level;
	}
	return WN_OK;
}

/* ---- sections ------------------------------------------------------- */

/* close_section checks what needs the whole section. */
static wn_err
close_section(struct parser *p)
{
	const struct cfg_matrix *m = p->m;
	char hdr[64];
	int c = p->cur_index;

	if (p->cur == SECT_NONE || p->cur == SECT_TYPE ||
	    p->cur == SECT_OUTSIDE)
		return WN_OK;
	for (size_t i = 0; i < WN_ARRAY_LEN(keys); i++)
		if (keys[i].sect == p->cur && (keys[i].flags & K_REQUIRED) &&
		    p->key_line[i] == 0)
			return fail(p, p->cur_line,
			    "%s is missing required key '%s'",
			    header(p, hdr, sizeof(hdr)), keys[i].name);
	if (p->cur == SECT_CATEGORY) {
		if (m->requires[c] != CFG_REQUIRES_BASIS && m->nbases[c] > 0)
			return fail(p, p->basis_line[0], "basis: only allowed "
			    "when requires is basis");
		if (m->requires[c] == CFG_REQUIRES_BASIS && m->nbases[c] == 0)
			return fail(p, p->cur_line, "%s has requires = basis "
			    "but no 'basis' line", header(p, hdr, sizeof(hdr)));
	}
	return WN_OK;
}

static wn_err
open_section(struct parser *p, char *s, size_t line)
{
	size_t n = strlen(s), *first;
	char *inner, shown[80], names[200];
	enum sect sect;
	int index = 0;
	wn_err rc;

	if (n < 2 || s[n - 1] != ']')
		return fail(p, line, "malformed section header: expected "
		    "[matrix], [category NAME], [outside cases] or [TYPE]");
	s[n - 1] = '\0';
	inner = trim(s + 1);
	if (strcmp(inner, "matrix") == 0) {
		sect = SECT_MATRIX;
		first = &p->matrix_line;
	} else if (strncmp(inner, "category", 8) == 0 &&
	    (inner[8] == '\0' || is_space(inner[8]))) {
		char *cname = trim(inner + 8);
		sect = SECT_CATEGORY;
		if (!cfg_name_lookup(category_names,
		    CFG_CATEGORIES, cname, &index))
			return fail(p, line, "unknown category '%s' in "
			    "[category NAME]: expected one of %s",
			    show(cname, shown, sizeof(shown)),
			    one_of(category_names, CFG_CATEGORIES, names,
			        sizeof(names)));
		first = &p->cat_line[index];
	} else if (strncmp(inner, "outside", 7) == 0 && is_space(inner[7]) &&
	    strcmp(trim(inner + 7), "cases") == 0) {
		sect = SECT_OUTSIDE;
		first = &p->outside_line;
	} else if (cfg_name_lookup(type_names, CFG_CASE_TYPES, inner, &index)) {
		sect = SECT_TYPE;
		first = &p->type_line[index];
	} else {
		return fail(p, line, "unknown section [%s]: expected [matrix], "
		    "[category NAME], [outside cases] or a case type (%s)",
		    show(inner, shown, sizeof(shown)),
		    one_of(type_names, CFG_CASE_TYPES, names, sizeof(names)));
	}

	if ((rc = close_section(p)) != WN_OK)
		return rc;
	p->cur = sect;
	p->cur_index = index;
	p->cur_line = line;
	if (*first != 0)
		return fail(p, line, "duplicate section %s (first on line %zu)",
		    header(p, shown, sizeof(shown)), *first);
	*first = line;
	memset(p->key_line, 0, sizeof(p->key_line));
	memset(p->cell_line, 0, sizeof(p->cell_line));
	memset(p->basis_line, 0, sizeof(p->basis_line));
	return WN_OK;
}

static wn_err
parse_line(struct parser *p, char *line, size_t lineno)
{
	char *s = trim(line), *eq, *key, *val;
	char hdr[64], shown[80];
	size_t i;
	int c;

	if (*s == '\0' || *s == '#' || *s == ';')
		return WN_OK;
	if (*s == '[')
		return open_section(p, s, lineno);
	if ((eq = strchr(s, '=')) == NULL)
		return fail(p, lineno,
		    "expected 'key = value' or a [section] header");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		return fail(p, lineno, "missing key before '='");
	if (p->cur == SECT_NONE)
		return fail(p, lineno, "key '%s' outside a section",
		    show(key, shown, sizeof(shown)));
	if (p->cur == SECT_TYPE) {
		if (!cfg_name_lookup(category_names, CFG_CATEGORIES, key, &c))
			return fail(p, lineno, "unknown category '%s' in %s",
			    show(key, shown, sizeof(shown)),
			    header(p, hdr, sizeof(hdr)));
		if (p->cell_line[c] != 0)
			return fail(p, lineno, "duplicate category '%s' in %s "
			    "(first on line %zu)", key,
			    header(p, hdr, sizeof(hdr)), p->cell_line[c]);
		p->cell_line[c] = lineno;
		return set_cells(p, lineno, category_names[c],
		    p->m->level[p->cur_index][c], val);
	}
	if (p->cur == SECT_OUTSIDE) {
		char names[128];
		if (!cfg_name_lookup(outside_names, CFG_OUTSIDE, key, &c))
			return fail(p, lineno, "unknown key '%s' in %s: "
			    "expected one of %s", show(key, shown, sizeof(shown)),
			    header(p, hdr, sizeof(hdr)),
			    one_of(outside_names, CFG_OUTSIDE, names,
			        sizeof(names)));
		if (p->out_key_line[c] != 0)
			return fail(p, lineno, "duplicate key '%s' in %s (first "
			    "on line %zu)", key, header(p, hdr, sizeof(hdr)),
			    p->out_key_line[c]);
		p->out_key_line[c] = lineno;
		return set_cells(p, lineno, outside_names[c],
		    p->m->outside[c], val);
	}
	for (i = 0; i < WN_ARRAY_LEN(keys); i++)
		if (keys[i].sect == p->cur && strcmp(keys[i].name, key) == 0)
			break;
	if (i == WN_ARRAY_LEN(keys))
		return fail(p, lineno, "unknown key '%s' in %s",
		    show(key, shown, sizeof(shown)),
		    header(p, hdr, sizeof(hdr)));
	if (p->key_line[i] != 0 && !(keys[i].flags & K_REPEAT))
		return fail(p, lineno, "duplicate key '%s' in %s (first on "
		    "line %zu)", keys[i].name, header(p, hdr, sizeof(hdr)),
		    p->key_line[i]);
	if (p->key_line[i] == 0)
		p->key_line[i] = lineno;
	return keys[i].set(p, lineno, val);
}

wn_err
cfg_matrix_parse(const char *text, size_t len, const char *name,
    struct cfg_matrix *out, char *err, size_t errlen)
{
	struct parser p = {name != NULL ? name : "matrix", err, errlen, out};
	char line[CFG_LINE_MAX + 1];
	size_t pos = 0, lineno = 0;
	wn_err rc;

	memset(out, 0, sizeof(*out));
	seterr(err, errlen, "%s", "");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - (text + pos)) : len - pos;
		lineno++;
		if (n > CFG_LINE_MAX)
			return fail(&p, lineno, "line longer than %d bytes",
			    CFG_LINE_MAX);
		if (memchr(text + pos, '\0', n) != NULL)
			return fail(&p, lineno, "NUL byte in the file");
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl != NULL);
		if ((rc = parse_line(&p, line, lineno)) != WN_OK)
			return rc;
	}
	if ((rc = close_section(&p)) != WN_OK)
		return rc;
	if (p.matrix_line == 0)
		return fail(&p, 0, "missing [matrix] section");
	return WN_OK;
}

wn_err
cfg_matrix_load(const char *path, struct cfg_matrix *out, char *err,
    size_t errlen)
{
	char *buf;
	size_t len;
	wn_err rc = cfg_read_file(path, &buf, &len, err, errlen);
	if (rc != WN_OK)
		return rc;
	rc = cfg_matrix_parse(buf, len, path, out, err, errlen);
	free(buf);
	return rc;
}

/* ---- lookups and names ---------------------------------------------- */

enum cfg_level
cfg_matrix_level(const struct cfg_matrix *m, enum cfg_case_type t,
    enum cfg_category c, enum cfg_role r)
{
	unsigned v;
	if ((unsigned)t >= CFG_CASE_TYPES || (unsigned)c >= CFG_CATEGORIES ||
	    (unsigned)r >= CFG_ROLES)
		return CFG_LEVEL_NONE;
	v = m->level[t][c][r];
	return v <= CFG_LEVEL_EDIT ? (enum cfg_level)v : CFG_LEVEL_NONE;
}

enum cfg_level
cfg_matrix_outside_level(const struct cfg_matrix *m, enum cfg_outside what,
    enum cfg_role r)
{
	unsigned v;
	if ((unsigned)what >= CFG_OUTSIDE || (unsigned)r >= CFG_ROLES)
		return CFG_LEVEL_NONE;
	v = m->outside[what][r];
	return v <= CFG_LEVEL_EDIT ? (enum cfg_level)v : CFG_LEVEL_NONE;
}

bool
cfg_matrix_basis_accepted(const struct cfg_matrix *m, enum cfg_category c,
    const char *basis)
{
	size_t n;
	if ((unsigned)c >= CFG_CATEGORIES || basis == NULL ||
	    m->requires[c] != CFG_REQUIRES_BASIS)
		return false;
	n = m->nbases[c] < CFG_MAX_BASES ? m->nbases[c] : CFG_MAX_BASES;
	for (size_t i = 0; i < n; i++)
		if (strncmp(m->bases[c][i], basis, CFG_BASIS_MAX + 1) == 0)
			return true;
	return false;
}

const char *
cfg_case_type_name(enum cfg_case_type t)
{
	const char *s = cfg_name_of(type_names,
	    WN_ARRAY_LEN(type_names), (int)t);
	return s != NULL ? s : "unknown";
}

bool
cfg_case_type_parse(const char *s, enum cfg_case_type *out)
{
	int v;
	if (!cfg_name_lookup(type_names, WN_ARRAY_LEN(type_names), s, &v))
		return false;
	*out = (enum cfg_case_type)v;
	return true;
}

const char *
cfg_category_name(enum cfg_category c)
{
	const char *s = cfg_name_of(category_names,
	    WN_ARRAY_LEN(category_names),
	    (int)c);
	return s != NULL ? s : "unknown";
}

bool
cfg_category_identifying(int c)
{
	return c >= 0 && c < CFG_CATEGORIES &&
	    (CFG_IDENTIFYING & (1u << c)) != 0;
}

bool
cfg_category_parse(const char *s, enum cfg_category *out)
{
	int v;
	if (!cfg_name_lookup(category_names,
	    WN_ARRAY_LEN(category_names), s, &v))
		return false;
	*out = (enum cfg_category)v;
	return true;
}

const char *
cfg_level_name(enum cfg_level l)
{
	const char *s = cfg_name_of(level_names,
	    WN_ARRAY_LEN(level_names), (int)l);
	return s != NULL ? s : "unknown";
}

bool
cfg_level_parse(const char *s, enum cfg_level *out)
{
	int v;
	if (!cfg_name_lookup(level_names, WN_ARRAY_LEN(level_names), s, &v))
		return false;
	*out = (enum cfg_level)v;
	return true;
}

const char *
cfg_requires_name(enum cfg_requires r)
{
	const char *s = cfg_name_of(requires_names,
	    WN_ARRAY_LEN(requires_names),
	    (int)r);
	return s != NULL ? s : "unknown";
}

bool
cfg_requires_parse(const char *s, enum cfg_requires *out)
{
	int v;
	if (!cfg_name_lookup(requires_names,
	    WN_ARRAY_LEN(requires_names), s, &v))
		return false;
	*out = (enum cfg_requires)v;
	return true;
}

const char *
cfg_outside_name(enum cfg_outside w)
{
	const char *s = cfg_name_of(outside_names,
	    WN_ARRAY_LEN(outside_names), (int)w);
	return s != NULL ? s : "unknown";
}

bool
cfg_outside_parse(const char *s, enum cfg_outside *out)
{
	int v;
	if (!cfg_name_lookup(outside_names, WN_ARRAY_LEN(outside_names), s,
	    &v))
		return false;
	*out = (enum cfg_outside)v;
	return true;
}
