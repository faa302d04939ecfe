/*
 * wn.c - error texts, logging and the few helpers every module shares.
 */
#include "config/wn.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <utf8proc.h>

static const char *const err_text[] = {
	[WN_OK] = "success",
	[WN_ENOMEM] = "out of memory",
	[WN_EPROTO] = "malformed message",
	[WN_ECRYPTO] = "cryptographic check failed",
	[WN_EAUTH] = "authentication failed",
	[WN_EDENIED] = "not permitted",
	[WN_EDB] = "store error",
	[WN_ETRANSPORT] = "transport error",
	[WN_ECONFIG] = "configuration error",
	[WN_EIO] = "file system error",
	[WN_EINVAL] = "invalid argument",
	[WN_ENOTFOUND] = "not found",
	[WN_ECORRUPT] = "integrity check failed",
	[WN_EBUSY] = "in use",
	[WN_ETOOBIG] = "too large",
	[WN_ETIMEDOUT] = "timed out",
	[WN_EPERM] = "file permissions too open",
	[WN_ENOKEY] = "cannot decrypt: the keys do not match",
	[WN_ELIMIT] = "daily token limit reached",
	[WN_ESESSION] = "no such session: open a new one",
};

const char *
wn_strerror(wn_err err)
{
	if ((size_t)err >= WN_ARRAY_LEN(err_text) || err_text[err] == NULL)
		return "unknown error";
	return err_text[err];
}

static enum wn_log_level log_level = WN_LOG_INFO;
static pthread_mutex_t log_mtx = PTHREAD_MUTEX_INITIALIZER;

void
wn_log_set_level(enum wn_log_level level)
{
	log_level = level;
}

bool
wn_log_level_parse(const char *text, enum wn_log_level *out)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	for (size_t i = 0; i < WN_ARRAY_LEN(names); i++) {
		if (strcmp(text, names[i]) == 0) {
			*out = (enum wn_log_level)i;
			return true;
		}
	}
	return false;
}

/* log_to_journal: stderr is the journal's stream, as $JOURNAL_STREAM
 * ("DEV:INODE") names it: not a terminal or a file the daemon's stderr
 * was sent to by hand under a unit */
static bool
log_to_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;
	return js != NULL &&
	    sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) == 2 &&
	    fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* log_escape writes msg into out (cap > 8) as the value of msg="...":
 * a quote and a backslash escaped, a line break as \n, a tab as \t, any
 * other control byte as \xNN, so that one event is one line whatever text
 * it carries (a peer's reason, a file name); cut with "..." when full */
static void
log_escape(char *out, size_t cap, const char *msg)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		char e[5] = {0};
		if (*p == '"' || *p == '\\')
			e[0] = '\\', e[1] = (char)*p;
		else if (*p == '\n')
			e[0] = '\\', e[1] = 'n';
		else if (*p == '\t')
			e[0] = '\\', e[1] = 't';
		else if (*p < 0x20 || *p == 0x7f)
			e[0] = '\\', e[1] = 'x', e[2] = hex[*p >> 4],
			e[3] = hex[*p & 15];
		else
			e[0] = (char)*p;
		size_t k = strlen(e);
		if (o + k + 4 >= cap) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, e, k);
		o += k;
	}
	out[o] = '\0';
}

void
wn_log(enum wn_log_level level, const char *fmt, ...)
{
	static const char *const tag[] = {"error", "warn", "info", "debug"};
	if (level > log_level)
		return;
	struct timespec ts;
	struct tm tm;
	char when[32], msg[2048], esc[4096];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_escape(esc, sizeof(esc), msg);
	pthread_mutex_lock(&log_mtx);
	/* under systemd, stderr goes to the journal: a "<N>" in front gives
	 * the line its priority there (err, warning, info, debug) */
	if (log_to_journal())
		fprintf(stderr, "<%d>", "\3\4\6\7"[level]);
	fprintf(stderr, "ts=%s.%03ldZ level=%s msg=\"%s\"\n", when,
	    ts.tv_nsec / 1000000L, tag[level], esc);
	fflush(stderr);
	pthread_mutex_unlock(&log_mtx);
}

size_t
wn_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

bool
wn_text_valid(const char *s, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
	utf8proc_int32_t cp;
	size_t i = 0;
	while (i < len) {
		utf8proc_ssize_t n = utf8proc_iterate(p + i,
		    (utf8proc_ssize_t)(len - i), &cp);
		if (n <= 0 || cp == 0)
			return false;
		i += (size_t)n;
	}
	return true;
}

size_t
wn_text_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xc0) != 0x80;
	return n;
}

size_t
wn_text_next(const char *s, int32_t *cp, size_t *cols)
{
	utf8proc_int32_t c;
	utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, -1,
	    &c);
	int w;
	if (n <= 0) {
		*cp = 0xfffd;
		*cols = 1;
		return 1;
	}
	w = utf8proc_charwidth(c);
	*cp = c;
	*cols = w > 0 ? (size_t)w : 0;
	return (size_t)n;
}

wn_err
wn_text_nfc(const char *s, size_t len, char *out, size_t cap,
    size_t *outlen)
{
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t n;
	wn_err rc;

	if (!wn_text_valid(s, len))
		return WN_EINVAL;
	if (len == 0) {
		if (cap == 0)
			return WN_ETOOBIG;
		out[0] = '\0';
		if (outlen != NULL)
			*outlen = 0;
		return WN_OK;
	}
	n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
	    &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (n < 0) {
		rc = n == UTF8PROC_ERROR_NOMEM ? WN_ENOMEM : WN_EINVAL;
		goto out;
	}
	if ((size_t)n >= cap) {
		rc = WN_ETOOBIG;
		goto out;
	}
	memcpy(out, nfc, (size_t)n + 1);
	if (outlen != NULL)
		*outlen = (size_t)n;
	rc = WN_OK;
out:
	free(nfc);
	return rc;
}

/* apostrophe maps the marks typed for an apostrophe to U+0027, before
 * decomposition (U+00B4 would decompose to a space and a mark). */
static utf8proc_int32_t
apostrophe(utf8proc_int32_t cp, void *data)
{
	(void)data;
	switch (cp) {
	case 0x2018: case 0x2019: case 0x201b: case 0x02bc: case 0x0060:
	case 0x00b4: case 0x2032:
		return '\'';
	}
	return cp;
}

/* fold_letter is the replacement of a folded letter that does not
 * decompose, or NULL. */
static const char *
fold_letter(utf8proc_int32_t cp)
{
	static const struct {
		utf8proc_int32_t cp;
		const char *to;
	} table[] = {
		{0x00e6, "ae"}, {0x0153, "oe"}, {0x00f8, "o"}, {0x0142, "l"},
		{0x0111, "d"}, {0x00f0, "d"}, {0x00fe, "th"}, {0x0131, "i"},
		{0x0127, "h"}, {0x0167, "t"}, {0x014b, "n"}, {0x0138, "k"},
		{0x0192, "f"}, {0x00df, "ss"}, {0x00b7, ""},
	};
	for (size_t i = 0; i < WN_ARRAY_LEN(table); i++)
		if (table[i].cp == cp)
			return table[i].to;
	return NULL;
}

wn_err
wn_text_fold(const char *s, size_t len, char *out, size_t cap,
    size_t *outlen)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t n;
	char *buf = NULL;
	size_t o = 0, bcap;
	wn_err rc = WN_EINVAL;

	if (!wn_text_valid(s, len))
		return WN_EINVAL;
	if (len == 0) {
		m = (utf8proc_uint8_t *)calloc(1, 1);
		n = m == NULL ? UTF8PROC_ERROR_NOMEM : 0;
	} else {
		n = utf8proc_map_custom((const utf8proc_uint8_t *)s,
		    (utf8proc_ssize_t)len, &m,
		    UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
			UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK |
			UTF8PROC_REJECTNA,
		    apostrophe, NULL);
	}
	if (n < 0) {
		rc = n == UTF8PROC_ERROR_NOMEM ? WN_ENOMEM : WN_EINVAL;
		goto out;
	}
	/* no replacement is longer than the UTF-8 it replaces */
	bcap = (size_t)n + 1;
	if ((buf = malloc(bcap)) == NULL) {
		rc = WN_ENOMEM;
		goto out;
	}
	for (utf8proc_ssize_t i = 0; i < n;) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate(m + i, n - i, &cp);
		const char *to;
		if (k <= 0)
			goto out;
		i += k;
		/* NFKD can make one too: U+0149 is U+02BC n */
		cp = apostrophe(cp, NULL);
		if (cp < 0x80) {
			if (cp < 0x20 || cp == 0x7f)
				goto out;
			buf[o++] = (char)cp;
			continue;
		}
		if ((to = fold_letter(cp)) != NULL) {
			memcpy(buf + o, to, strlen(to));
			o += strlen(to);
			continue;
		}
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_ZS:
			buf[o++] = ' ';
			break;
		case UTF8PROC_CATEGORY_PD:
			buf[o++] = '-';
			break;
		case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
			o += (size_t)utf8proc_encode_char(cp,
			    (utf8proc_uint8_t *)buf + o);
			break;
		default:
			goto out;
		}
	}
	if (o >= cap) {
		rc = WN_ETOOBIG;
		goto out;
	}
	memcpy(out, buf, o);
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	rc = WN_OK;
out:
	free(m);
	free(buf);
	return rc;
}

const char *
wn_name_of(const char *const *names, int count, int i)
{
	return i >= 0 && i < count ? names[i] : "unknown";
}

bool
wn_name_parse(const char *const *names, int count, const char *s, int *out)
{
	for (int i = 0; s != NULL && i < count; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return true;
		}
	return false;
}

bool
wn_parse_u64(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (text == NULL || *text == '\0')
		return false;
	for (const char *p = text; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int64_t
wn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
wn_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
wn_cond_init(pthread_cond_t *cv)
{
	pthread_condattr_t a;
	int rc = pthread_condattr_init(&a);
	if (rc == 0)
		rc = pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cv, &a);
	pthread_condattr_destroy(&a);
	return rc;
}

struct timespec
wn_deadline(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	return ts;
}
